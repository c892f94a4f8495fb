// The VC4 emulator detaches freed and closed arrays' views like the V3D emulator and the hardware drivers do:
// a late access finds an empty array (its methods throw a TypeError) instead of arena memory another allocation owns,
// and handing the freed array to the runtime is a RuntimeError. Expected values: plain-JS saxpy.
import test from 'ava';
import { Runtime, RuntimeError } from '../../runtime/index.ts';
import { Blas } from '../../kernels/saxpy.ts';

test('VC4 emulator: a freed array is detached, its memory is reused without leaking through the old view', async (t) => {
  const rt = await Runtime.open({ backend: 'emulator', target: 'vc4', log: () => {} });
  const x = rt.alloc(Float32Array, 64);
  const y = rt.alloc(Float32Array, 64);
  x.fill(5);
  y.fill(1);
  rt.free(x);
  t.is(x.length, 0);
  t.is(Reflect.get(x, 0) as unknown, undefined, "element reads give undefined");
  t.throws(() => x.slice(), { instanceOf: TypeError });
  t.throws(() => x.fill(1), { instanceOf: TypeError });
  // The freed range is handed out again: the new array starts zeroed and the old view cannot see it.
  const z = rt.alloc(Float32Array, 64);
  t.deepEqual(Array.from(z), new Array(64).fill(0));
  z.fill(2);
  t.is(x.length, 0);
  // Every runtime call with the freed array is a RuntimeError, not a read of someone else's memory.
  t.throws(() => rt.free(x), { instanceOf: RuntimeError, message: /not allocated by this runtime/ });
  t.throws(() => rt.addressOf(x), { instanceOf: RuntimeError, message: /not allocated by this runtime/ });
  await t.throwsAsync(rt.launch(Blas.saxpy, { qpus: 2 }, 64, 3, x, y), { instanceOf: RuntimeError, message: /argument 3 \(x: ptr<f32>\) is not GPU memory/ });
  // Live arrays still work across launches: y = 3*z + y.
  await rt.launch(Blas.saxpy, { qpus: 2 }, 64, 3, z, y);
  t.deepEqual(Array.from(y), new Array(64).fill(7));
  rt.close();
  t.is(y.length, 0, 'closing detaches every remaining view');
  t.is(z.length, 0);
  t.throws(() => y.slice(), { instanceOf: TypeError });
  t.throws(() => rt.alloc(Float32Array, 4), { instanceOf: RuntimeError, message: /closed/ });
});
