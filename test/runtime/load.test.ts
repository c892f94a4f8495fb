// rt.load: a kernel file by path (no import of the kernel module), and a
// precompiled kernel from `qpuc compile` (no compiler). Expected values are
// computed in plain JS with single-precision rounding.
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runtime, RuntimeError, LoadedKernel } from '../../runtime/index.ts';
import { main } from '../../cli/main.ts';

const scale = fileURLToPath(new URL('../fixtures/identity/scale.ts', import.meta.url));
const quiet = { log: () => {} };

async function runScale(t: import('ava').ExecutionContext, rt: Runtime, k: LoadedKernel | unknown): Promise<void> {
  const n = 50;
  const x = rt.alloc(Float32Array, n);
  const y = rt.alloc(Float32Array, n);
  for (let i = 0; i < n; i++) x[i] = Math.fround(Math.cos(i) * 9);
  await rt.launch(k, { qpus: 3 }, n, x, y);
  t.deepEqual(Array.from(y), Array.from(x, (v) => Math.fround(Math.fround(v * 2) + 1)));
}

test('load by path (string or URL, full or method name) on the emulator and the reference backend', async (t) => {
  for (const backend of ['emulator', 'reference'] as const) {
    const rt = await Runtime.open({ backend, ...quiet });
    const k = await rt.load(scale, 'Scale.run');
    t.true(k instanceof LoadedKernel);
    t.is(k.name, 'Scale.run');
    t.deepEqual(k.params.map((p) => `${p.name}: ${p.type}`), ['n: u32', 'x: ptr<f32>', 'y: ptr<f32>']);
    await runScale(t, rt, k);
    const byUrl = await rt.load(new URL('../fixtures/identity/scale.ts', import.meta.url), 'Shift.run');
    t.is(byUrl.name, 'Shift.run');
    rt.close();
  }
});

test('load: missing files, unknown and ambiguous names are clear errors', async (t) => {
  const rt = await Runtime.open({ backend: 'emulator', ...quiet });
  await t.throwsAsync(rt.load(join(tmpdir(), 'no-such-kernel.ts')), { instanceOf: RuntimeError, message: /cannot read kernel file .*no-such-kernel\.ts/ });
  await t.throwsAsync(rt.load(scale, 'run'), { message: /several classes have a kernel named run \(Scale\.run, Shift\.run\)/ });
  await t.throwsAsync(rt.load(scale), { message: /has 2 kernels \(Scale\.run, Shift\.run\); say which one/ });
  await t.throwsAsync(rt.load(scale, 'Scale.twice'), { message: /no @kernel named Scale\.twice/ });
  rt.close();
});

test('a kernel compiled by `qpuc compile` launches from its .json without the compiler', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'qpuc-precompiled-'));
  const io = { out: () => {}, err: (s: string) => t.log(s) };
  t.is(await main(['compile', scale, '--target', 'vc6', '--kernel', 'Scale.run', '-o', dir], io), 0);
  t.is(await main(['compile', scale, '--target', 'vc7', '--kernel', 'Scale.run', '-o', dir], io), 0);
  const json = join(dir, 'run.vc6.json');
  const rt = await Runtime.open({ backend: 'emulator', target: 'vc6', ...quiet });
  const k = await rt.load(json);
  t.is(k.name, 'Scale.run');
  await runScale(t, rt, k);
  // The same machine code as compiling from source now.
  const fromSource = await rt.compile(await rt.load(scale, 'Scale.run'));
  t.deepEqual(Array.from((await rt.compile(k)).code), Array.from(fromSource.code));
  await t.throwsAsync(rt.load(join(dir, 'run.vc7.json')), { message: /compiled for vc7, but this runtime runs vc6 kernels; compile it with 'qpuc compile --target vc6'/ });
  await t.throwsAsync(rt.load(json, 'Shift.run'), { message: /holds kernel Scale\.run, not Shift\.run/ });
  rt.close();

  const ref = await Runtime.open({ backend: 'reference', ...quiet });
  await t.throwsAsync(ref.load(json), { message: /reference backend interprets a kernel's IR, which .* does not hold/ });
  ref.close();

  // A damaged description or missing machine code is refused, never launched.
  const rt2 = await Runtime.open({ backend: 'emulator', ...quiet });
  const good = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...good, instructions: 3 }));
  await t.throwsAsync(rt2.load(join(dir, 'bad.json')), { message: /machine code is \d+ bytes, but the description says 3 instructions/ });
  writeFileSync(join(dir, 'lost.json'), JSON.stringify({ ...good, codeFile: 'gone.qpu' }));
  await t.throwsAsync(rt2.load(join(dir, 'lost.json')), { message: /cannot read .*gone\.qpu, the machine code .* names/ });
  writeFileSync(join(dir, 'other.json'), JSON.stringify({ hello: 1 }));
  await t.throwsAsync(rt2.load(join(dir, 'other.json')), { message: /not a qpuc kernel description/ });
  rt2.close();
});
