// CLI options of issue 13: run --target/--backend/--json (and the environment
// variables they set), compile --json, colours only where they belong, help
// topics, the cache command, and hints that point at nothing a user lacks.
import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../cli/main.ts';
import { useColor } from '../../cli/command.ts';
import { DIAGNOSTICS, formatDiagnostic, makeDiagnostic } from '../../compiler/diagnostics.ts';
import { TARGET_NAMES } from '../../compiler/target/targets.ts';
import { hasBackend } from '../../compiler/backend/index.ts';

const scale = fileURLToPath(new URL('../fixtures/identity/scale.ts', import.meta.url));

function capture() {
  const c = { out: '', err: '', io: { out: (s: string) => void (c.out += s), err: (s: string) => void (c.err += s) } };
  return c;
}

test.serial('run --backend/--target reach Runtime.open through QPUC_BACKEND/QPUC_TARGET; --json lists the launches', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'qpuc-run-opts-'));
  const host = join(dir, 'host.ts');
  writeFileSync(
    host,
    `import { Runtime } from 'qpuc/runtime';
const rt = await Runtime.open({ log: () => {} });
const k = await rt.load(${JSON.stringify(scale)}, 'Scale.run');
const n = 64;
const x = rt.alloc(Float32Array, n);
const y = rt.alloc(Float32Array, n);
for (let i = 0; i < n; i++) x[i] = i - 9;
await rt.launch(k, { qpus: 2 }, n, x, y);
const ok = Array.from(y).every((v, i) => v === Math.fround(Math.fround(x[i]! * 2) + 1));
console.log(rt.backend, rt.target, ok ? 'correct' : 'WRONG');
rt.close();
`,
  );
  const saved = { t: process.env.QPUC_TARGET, b: process.env.QPUC_BACKEND };
  const log: string[] = [];
  const consoleLog = console.log;
  console.log = (...a: unknown[]) => void log.push(a.join(' '));
  try {
    const c = capture();
    const code = await main(['run', '--backend', 'reference', '--target', 'vc7', '--json', host], c.io);
    t.is(code, 0, c.err);
    t.deepEqual(log, ['reference vc7 correct']);
    const report = JSON.parse(c.out.trim().split('\n').pop() as string) as { launches: { kernel: string; backend: string; target: string; qpus: number }[] };
    t.deepEqual(report.launches.map((l) => [l.kernel, l.backend, l.target, l.qpus]), [['Scale.run', 'reference', 'vc7', 2]]);

    const bad = capture();
    t.is(await main(['run', '--backend', 'gpu', host], bad.io), 2);
    t.regex(bad.err, /unknown backend 'gpu' \(expected auto, hardware, emulator, reference\)/);
    t.is(await main(['run', '--target', 'vc5', host], bad.io), 2);
    t.regex(bad.err, new RegExp(`unknown target 'vc5' \\(expected ${TARGET_NAMES.slice(0, -1).join(', ')} or ${TARGET_NAMES.at(-1)}\\)`));
  } finally {
    console.log = consoleLog;
    if (saved.t === undefined) delete process.env.QPUC_TARGET;
    else process.env.QPUC_TARGET = saved.t;
    if (saved.b === undefined) delete process.env.QPUC_BACKEND;
    else process.env.QPUC_BACKEND = saved.b;
  }
});

test('compile --json: the kernels written, or the diagnostics, as one JSON document', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'qpuc-compile-json-'));
  const c = capture();
  t.is(await main(['compile', scale, '--json', '-o', dir], c.io), 0, c.err);
  const ok = JSON.parse(c.out) as { kernels: { kernel: string; target: string; instructions: number; files: Record<string, string> }[]; diagnostics: unknown[] };
  t.deepEqual(ok.kernels.map((k) => [k.kernel, k.target]), [['Scale.run', 'vc6'], ['Shift.run', 'vc6']]);
  for (const k of ok.kernels) for (const f of Object.values(k.files)) t.true(existsSync(f), f);
  t.deepEqual(ok.diagnostics, []);
  const bad = join(dir, 'bad.ts');
  writeFileSync(bad, "import { kernel, type u32, type Ptr } from 'qpuc';\nexport class K {\n  @kernel\n  static k(n: u32, y: Ptr<u32>): void { y[0] = 'text'; }\n}\n");
  const e = capture();
  t.is(await main(['compile', bad, '--json', '-o', dir], e.io), 1);
  t.is(e.err, '');
  const report = JSON.parse(e.out) as { kernels: unknown[]; diagnostics: { file: string; line: number; col: number; code: string; message: string }[] };
  t.deepEqual(report.kernels, []);
  t.deepEqual(report.diagnostics.map((d) => [d.file, d.line, d.code]), [[bad, 4, 'QPU1002']]);
});

test('colours: only on a terminal, never with NO_COLOR or TERM=dumb, FORCE_COLOR forces; diagnostics carry ANSI codes only when asked', (t) => {
  t.false(useColor({ isTTY: false }, {}));
  t.true(useColor({ isTTY: true }, {}));
  t.false(useColor({ isTTY: true }, { NO_COLOR: '1' }));
  t.false(useColor({ isTTY: true }, { TERM: 'dumb' }));
  t.true(useColor({ isTTY: false }, { FORCE_COLOR: '1' }));
  t.false(useColor({ isTTY: true }, { NO_COLOR: '1', FORCE_COLOR: '1' }));
  const d = makeDiagnostic('unknownIdentifier', ['z'], { file: 'k.ts', line: 1, col: 5, length: 1 });
  const plain = formatDiagnostic(d, 'let z = 1;');
  const coloured = formatDiagnostic(d, 'let z = 1;', { color: true });
  t.false(plain.includes('\x1b['));
  t.true(coloured.includes('\x1b[91merror\x1b[0m'));
  // Without the escape codes the coloured text is the plain text.
  t.is(coloured.replace(/\x1b\[\d+m/g, ''), plain);
});

test("help: topics, commands, unknown topics; compile's help lists exactly the targets with a code generator", async (t) => {
  const lang = capture();
  t.is(await main(['help', 'language'], lang.io), 0);
  t.regex(lang.out, /Ptr<T> +global memory of T/);
  const cmd = capture();
  t.is(await main(['help', 'compile'], cmd.io), 0);
  const listed = /--target ([\w|]+)\]/.exec(cmd.out)?.[1]?.split('|');
  t.deepEqual(listed, TARGET_NAMES.filter(hasBackend));
  const none = capture();
  t.is(await main(['help', 'nothing'], none.io), 2);
  t.regex(none.err, /no help on 'nothing' \(topics: language, compile, run/);
});

test('no diagnostic hint points at a file of the source tree', (t) => {
  const pointing = Object.entries(DIAGNOSTICS).filter(([, d]) => /docs\/|\.md\b/.test(d.hint));
  t.deepEqual(pointing, []);
});

test.serial('cache: dir prints the directory, clear empties it, QPUC_CACHE=off says so', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'qpuc-cache-cmd-'));
  const saved = process.env.QPUC_CACHE_DIR;
  process.env.QPUC_CACHE_DIR = dir;
  try {
    mkdirSync(join(dir, 'x'), { recursive: true });
    writeFileSync(join(dir, 'x', 'entry.json'), '{}');
    const c = capture();
    t.is(await main(['cache'], c.io), 0);
    t.is(c.out, `${dir}\n`);
    t.is(await main(['cache', 'clear'], c.io), 0);
    t.false(existsSync(dir));
    process.env.QPUC_CACHE = 'off';
    const off = capture();
    t.is(await main(['cache', 'dir'], off.io), 0);
    t.regex(off.out, /cache is off/);
    t.is(await main(['cache', 'wipe'], off.io), 2);
  } finally {
    delete process.env.QPUC_CACHE;
    if (saved === undefined) delete process.env.QPUC_CACHE_DIR;
    else process.env.QPUC_CACHE_DIR = saved;
  }
});

test.serial('compile shares the runtime disk cache: a second compile writes identical files from the cached entry', async (t) => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const cache = mkdtempSync(join(tmpdir(), 'qpuc-compile-cache-'));
  const saved = process.env.QPUC_CACHE_DIR;
  process.env.QPUC_CACHE_DIR = cache;
  try {
    const a = mkdtempSync(join(tmpdir(), 'qpuc-compile-a-'));
    const b = mkdtempSync(join(tmpdir(), 'qpuc-compile-b-'));
    const c = capture();
    t.is(await main(['compile', scale, '-o', a], c.io), 0, c.err);
    t.is(readdirSync(cache).length, 1);
    t.is(await main(['compile', scale, '-o', b], c.io), 0, c.err);
    for (const f of readdirSync(a)) t.deepEqual(readFileSync(join(b, f)), readFileSync(join(a, f)), f);
    // Only the asked-for kernel is written when --kernel filters a cached entry.
    const only = mkdtempSync(join(tmpdir(), 'qpuc-compile-only-'));
    t.is(await main(['compile', scale, '--kernel', 'Shift.run', '-o', only], c.io), 0, c.err);
    t.deepEqual(readdirSync(only).sort(), ['run.vc6.asm', 'run.vc6.asm.map', 'run.vc6.json', 'run.vc6.qpu']);
    t.regex(readFileSync(join(only, 'run.vc6.json'), 'utf8'), /"kernel": "Shift\.run"/);
  } finally {
    if (saved === undefined) delete process.env.QPUC_CACHE_DIR;
    else process.env.QPUC_CACHE_DIR = saved;
  }
});
