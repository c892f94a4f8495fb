import test from 'ava';
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { main } from '../../cli/main.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

function capture() {
  const c = { out: '', err: '', io: { out: (s: string) => void (c.out += s), err: (s: string) => void (c.err += s) } };
  return c;
}

test('compile writes machine code, listing, source map and metadata', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'qpuc-compile-'));
  const c = capture();
  t.is(await main(['compile', join(root, 'kernels/saxpy.ts'), '--target', 'vc6', '-o', dir], c.io), 0, c.err);
  const code = readFileSync(join(dir, 'saxpy.vc6.qpu'));
  t.true(code.length > 0 && code.length % 8 === 0);
  const listing = readFileSync(join(dir, 'saxpy.vc6.asm'), 'utf8');
  t.regex(listing, /fmul .*\/\/ \d+: y\[i\] = a \* x\[i\] \+ y\[i\];/);
  const map = JSON.parse(readFileSync(join(dir, 'saxpy.vc6.asm.map'), 'utf8')) as { version: number; sources: string[] };
  t.is(map.version, 3);
  t.true(map.sources.some((s) => s.endsWith('saxpy.ts')));
  const meta = JSON.parse(readFileSync(join(dir, 'saxpy.vc6.json'), 'utf8')) as { params: { name: string }[] };
  t.deepEqual(meta.params.map((p) => p.name), ['n', 'a', 'x', 'y']);
});

test('compile: a missing file is exit code 2 with a message', async (t) => {
  const c = capture();
  t.is(await main(['compile', join(tmpdir(), 'no-such-kernel.ts')], c.io), 2);
  t.regex(c.err, /cannot read .*no-such-kernel\.ts.*no such file/);
});

test('compile: a file with no kernels is an error with a diagnostic', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'qpuc-nokernel-'));
  const file = join(dir, 'empty.ts');
  writeFileSync(file, 'export const x = 1;\n');
  const c = capture();
  t.is(await main(['compile', file, '-o', dir], c.io), 1);
  t.regex(c.err, /empty\.ts:\d+:\d+ - error QPU\d{4}: no @kernel methods found/);
  t.false(existsSync(join(dir, 'empty.vc6.qpu')));
});

test('compile: an unsupported construct gets file:line:col, code frame and no output', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'qpuc-bad-'));
  const file = join(dir, 'bad.ts');
  writeFileSync(
    file,
    [
      "import { kernel, type u32, type Ptr } from 'qpuc';",
      'export class K {',
      '  @kernel',
      '  static k(n: u32, out: Ptr<u32>): void {',
      "    const s = 'text';",
      '    out[0] = n;',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  const c = capture();
  t.is(await main(['compile', file, '-o', dir], c.io), 1);
  t.regex(c.err, /bad\.ts:5:15 - error QPU\d{4}: /);
  t.regex(c.err, /const s = 'text';\n\s+~+/);
  t.notRegex(c.err, /\n\s+at /, 'no stack trace');
});

test('compile: bad options are usage errors (exit 2)', async (t) => {
  const c = capture();
  t.is(await main(['compile', 'x.ts', '--target', 'vc9'], c.io), 2);
  t.regex(c.err, /unknown target 'vc9'/);
  t.regex(c.err, /usage: qpuc compile/);
  const d = capture();
  t.is(await main(['compile'], d.io), 2);
  t.regex(d.err, /missing input file/);
});

test('npx qpuc run examples/saxpy.ts prints a correct result and a profile', (t) => {
  const r = spawnSync(process.execPath, [join(root, 'bin/qpuc.js'), 'run', join(root, 'examples/saxpy.ts'), '--', '1000', '4'], {
    encoding: 'utf8',
    cwd: root,
  });
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /using the emulator/);
  t.regex(r.stdout, /saxpy: 1000 elements on 4 QPUs \(emulator, vc6\): all correct/);
  t.regex(r.stdout, /profile: \d+ cycles/);
});

test('qpuc run: missing host program is exit 2', (t) => {
  const r = spawnSync(process.execPath, [join(root, 'bin/qpuc.js'), 'run', 'nope.ts'], { encoding: 'utf8', cwd: root });
  t.is(r.status, 2);
  t.regex(r.stderr, /cannot read 'nope\.ts'/);
});

test('qpuc run: a host program outside any project still imports qpuc; its own errors are exit 1 without "internal error"', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'qpuc-host-'));
  writeFileSync(
    join(dir, 'k.ts'),
    "import { kernel, qpu, type u32, type Ptr } from 'qpuc';\nexport class K {\n  @kernel\n  static k(n: u32, out: Ptr<u32>): void {\n    out[qpu.globalId()] = n + qpu.laneId();\n  }\n}\n",
  );
  writeFileSync(
    join(dir, 'host.ts'),
    "import { Runtime } from 'qpuc/runtime';\nimport { K } from './k.js';\nconst rt = await Runtime.open({ backend: 'emulator' });\nconst o = rt.alloc(Uint32Array, 32);\nawait rt.launch(K.k, { qpus: 2 }, 5, o);\nconsole.log(Array.from(o).join(','));\n",
  );
  const ok = spawnSync(process.execPath, [join(root, 'bin/qpuc.js'), 'run', 'host.ts'], { encoding: 'utf8', cwd: dir });
  t.is(ok.status, 0, ok.stderr);
  t.is(ok.stdout.trim(), Array.from({ length: 32 }, (_, i) => 5 + (i % 16)).join(','));
  writeFileSync(join(dir, 'boom.ts'), "throw new Error('boom');\n");
  const bad = spawnSync(process.execPath, [join(root, 'bin/qpuc.js'), 'run', 'boom.ts'], { encoding: 'utf8', cwd: dir });
  t.is(bad.status, 1);
  t.regex(bad.stderr, /boom\.ts failed: Error: boom/);
  t.notRegex(bad.stderr, /internal error/);
});
