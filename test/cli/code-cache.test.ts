// The start-up caches of bin/code-cache.js: a big CommonJS module loaded through the V8 code cache
// behaves as Node loads it, the cache is written once and then used, the directory must be private,
// and the load hook's transpiled-output cache follows the source text.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const codeCache = join(root, 'bin/code-cache.js');
// bin/ is plain JavaScript (no declarations): its one function used here, typed.
const { privateCacheDir } = (await import(pathToFileURL(codeCache).href)) as { privateCacheDir: (name: string) => string | undefined };

/** A CommonJS module over the size the cache takes (256 KB): a big table, and code using require, module and __dirname. */
function bigModule(): string {
  const table = Array.from({ length: 50000 }, (_, i) => (i * 2654435761) % 1000003);
  return `'use strict';
const path = require('node:path');
const TABLE = ${JSON.stringify(table)};
function sum(from, to) { let s = 0; for (let i = from; i < to; i++) s += TABLE[i]; return s; }
module.exports = { sum: sum(0, TABLE.length), tail: sum(49990, 50000), dir: path.basename(__dirname), file: path.basename(__filename), same: module.exports === exports, resolved: path.basename(require.resolve('./big.cjs')) };
`;
}

function run(dir: string, env: Record<string, string>): { out: unknown; status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [join(dir, 'main.mjs')], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { out: r.status === 0 ? JSON.parse(r.stdout) : undefined, status: r.status, stderr: r.stderr };
}

test('a big CommonJS module loads the same through the V8 code cache; the cache is written once, then used', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'qpuc-code-cache-test-'));
  try {
    mkdirSync(join(dir, 'mod'));
    writeFileSync(join(dir, 'mod', 'big.cjs'), bigModule());
    writeFileSync(
      join(dir, 'main.mjs'),
      `import { createRequire } from 'node:module';
import { enableCodeCache } from ${JSON.stringify(codeCache)};
enableCodeCache();
const m = createRequire(${JSON.stringify(join(dir, 'mod', 'x.js'))})('./big.cjs');
process.stdout.write(JSON.stringify(m));
`,
    );
    const cache = join(dir, 'cache');
    // Node itself, without the cache: what the module must give.
    const plain = run(dir, { NODE_DISABLE_COMPILE_CACHE: '1' });
    t.is(plain.status, 0, plain.stderr);
    const table = Array.from({ length: 50000 }, (_, i) => (i * 2654435761) % 1000003);
    t.deepEqual(plain.out, { sum: table.reduce((a, b) => a + b, 0), tail: table.slice(49990).reduce((a, b) => a + b, 0), dir: 'mod', file: 'big.cjs', same: true, resolved: 'big.cjs' });
    const first = run(dir, { NODE_COMPILE_CACHE: cache });
    t.is(first.status, 0, first.stderr);
    t.deepEqual(first.out, plain.out);
    const v8dir = join(cache, 'qpuc', `v8-${process.version}-${process.arch}`);
    const entries = readdirSync(v8dir);
    t.is(entries.length, 1, 'one cache entry for the one big module');
    const written = statSync(join(v8dir, entries[0] as string)).mtimeMs;
    const second = run(dir, { NODE_COMPILE_CACHE: cache });
    t.deepEqual(second.out, plain.out);
    // An accepted cache is not written again.
    t.is(statSync(join(v8dir, entries[0] as string)).mtimeMs, written);
    // A changed module is another entry, and its new exports are seen.
    writeFileSync(join(dir, 'mod', 'big.cjs'), bigModule().replace('s += TABLE[i]', 's += 2 * TABLE[i]'));
    const changed = run(dir, { NODE_COMPILE_CACHE: cache });
    t.is((changed.out as { tail: number }).tail, 2 * (plain.out as { tail: number }).tail);
    t.is(readdirSync(v8dir).length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the cache directory must be private: one others can write is not used; NODE_DISABLE_COMPILE_CACHE turns caching off', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'qpuc-code-cache-test-'));
  const saved = { NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE, NODE_DISABLE_COMPILE_CACHE: process.env.NODE_DISABLE_COMPILE_CACHE };
  try {
    process.env.NODE_COMPILE_CACHE = dir;
    delete process.env.NODE_DISABLE_COMPILE_CACHE;
    const ok = privateCacheDir('ts');
    t.is(ok, join(dir, 'qpuc', 'ts'));
    t.is(statSync(ok as string).mode & 0o077, 0, 'created for the user only');
    chmodSync(join(dir, 'qpuc'), 0o777);
    t.is(privateCacheDir('ts'), undefined, 'a world-writable cache directory could hold planted code');
    chmodSync(join(dir, 'qpuc'), 0o700);
    process.env.NODE_DISABLE_COMPILE_CACHE = '1';
    t.is(privateCacheDir('ts'), undefined);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the load hook's transpiled-output cache follows the source: an edited file runs its new text", (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'qpuc-code-cache-test-'));
  try {
    const file = join(dir, 'prog.ts');
    const env = { ...process.env, NODE_COMPILE_CACHE: join(dir, 'cache') };
    const runTs = () => spawnSync(process.execPath, ['--import', join(root, 'bin/register.js'), file], { encoding: 'utf8', env });
    writeFileSync(file, 'const n: number = 6 * 7;\nconsole.log(`answer ${n}`);\n');
    t.is(runTs().stdout, 'answer 42\n');
    const tsDir = join(dir, 'cache', 'qpuc', 'ts');
    t.is(readdirSync(tsDir).filter((f) => f.endsWith('.js')).length, 1);
    t.is(runTs().stdout, 'answer 42\n', 'from the cache');
    t.is(readdirSync(tsDir).filter((f) => f.endsWith('.js')).length, 1, 'a hit adds no entry');
    writeFileSync(file, 'const n: number = 6 * 9;\nconsole.log(`answer ${n}`);\n');
    t.is(runTs().stdout, 'answer 54\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
