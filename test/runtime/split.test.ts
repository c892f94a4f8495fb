// LaunchOptions.split on the V3D emulator: a launch cut into jobs over workgroup-offset ranges gives the result one job
// gives (plain-JS expectations); a kernel with qpu.barrier() is never cut (its batches must all be resident at once).
import test from 'ava';
import { Runtime, RuntimeError } from '../../runtime/index.ts';
import { Blas } from '../../kernels/saxpy.ts';
import { Lanes } from '../fixtures/e2e/lanes.ts';

test('split: { maxBatches } cuts an emulated launch into jobs, with the same result', async (t) => {
  const rt = await Runtime.open({ backend: 'emulator', target: 'vc6', log: () => {} });
  const n = 10 * 16;
  const x = rt.alloc(Float32Array, n);
  const y = rt.alloc(Float32Array, n);
  x.forEach((_, i) => (x[i] = i * 0.25));
  y.forEach((_, i) => (y[i] = 100 - i));
  const want = Array.from(y, (v, i) => Math.fround(Math.fround(3 * (x[i] as number)) + v));
  const r = await rt.launch(Blas.saxpy, { qpus: 10, split: { maxBatches: 3 } }, n, 3, x, y);
  t.deepEqual(Array.from(y), want);
  t.is(r.dispatches, 4, '3 + 3 + 3 + 1 batches');
  // The emulator's default is one job.
  const one = await rt.launch(Blas.saxpy, { qpus: 10 }, n, 0, x, y);
  t.is(one.dispatches, 1);
  // A barrier kernel's batches wait for each other: it runs as one job whatever split says.
  const out = rt.alloc(Int32Array, 4 * 16);
  const tmp = rt.alloc(Int32Array, 4 * 16);
  const b = await rt.launch(Lanes.barrier, { qpus: 4, split: { maxBatches: 1 } }, out, tmp);
  t.is(b.dispatches, 1);
  const g = Array.from({ length: 64 }, (_, i) => i * 3 + 1);
  t.deepEqual(Array.from(out), Array.from({ length: 64 }, (_, i) => (g[(i + 16) % 64] as number) + (g[63 - i] as number)));
  await t.throwsAsync(rt.launch(Blas.saxpy, { qpus: 2, split: 'yes' as unknown as false }, n, 1, x, y), { instanceOf: RuntimeError, message: /options\.split must be false or \{ maxBatches\?, budgetMs\? \}/ });
  rt.close();
});
