// Runtime API misuse gets clear errors, never wrong results.
import test from 'ava';
import { Runtime, RuntimeError } from '../../runtime/index.ts';
import { Blas } from '../../kernels/saxpy.ts';

test('open validates backend and target names; hardware without a Pi says why', async (t) => {
  await t.throwsAsync(Runtime.open({ backend: 'gpu' as never }), { instanceOf: RuntimeError, message: /unknown backend 'gpu'/ });
  await t.throwsAsync(Runtime.open({ target: 'vc5' as never }), { instanceOf: RuntimeError, message: /unknown target 'vc5'/ });
  await t.throwsAsync(Runtime.open({ backend: 'hardware' }), { instanceOf: RuntimeError, message: /no usable Raspberry Pi GPU: / });
  const lines: string[] = [];
  const rt = await Runtime.open({ log: (l) => lines.push(l) });
  t.is(rt.backend, 'emulator');
  t.regex(lines.join('\n'), /using the emulator/);
  rt.close();
});

test('launch checks arguments against the kernel signature', async (t) => {
  const rt = await Runtime.open({ backend: 'emulator' });
  const x = rt.alloc(Float32Array, 32);
  const y = rt.alloc(Float32Array, 32);
  const u = rt.alloc(Uint32Array, 32);
  const plain = new Float32Array(32);
  await t.throwsAsync(rt.launch(Blas.saxpy, { qpus: 1 }, 32, 2, x), { message: /expected 4 arguments \(n: u32, a: f32, x: ptr<f32>, y: ptr<f32>\), got 3/ });
  await t.throwsAsync(rt.launch(Blas.saxpy, { qpus: 1 }, 32, 2, plain, y), { message: /argument 3 \(x: ptr<f32>\) is not GPU memory/ });
  await t.throwsAsync(rt.launch(Blas.saxpy, { qpus: 1 }, 32, 2, u, y), { message: /expects f32 elements, got a Uint32Array/ });
  await t.throwsAsync(rt.launch(Blas.saxpy, { qpus: 1 }, -1, 2, x, y), { message: /out of u32 range/ });
  await t.throwsAsync(rt.launch(Blas.saxpy, { qpus: 1 }, 1.5, 2, x, y), { message: /must be an integer/ });
  await t.throwsAsync(rt.launch(Blas.saxpy, { qpus: 0 }, 32, 2, x, y), { message: /qpus must be an integer from 1 to 65535/ });
  await t.throwsAsync(rt.launch(() => 1, { qpus: 1 }), { message: /must be a @kernel static method/ });
  rt.free(x);
  await t.throwsAsync(rt.launch(Blas.saxpy, { qpus: 1 }, 32, 2, x, y), { message: /not GPU memory/ });
  rt.close();
  t.throws(() => rt.alloc(Float32Array, 4), { message: /closed/ });
});

test('a subarray of GPU memory is passed at its own address', async (t) => {
  const rt = await Runtime.open({ backend: 'emulator' });
  const x = rt.alloc(Float32Array, 64);
  const y = rt.alloc(Float32Array, 64);
  x.fill(1);
  y.fill(10);
  await rt.launch(Blas.saxpy, { qpus: 2 }, 16, 3, x.subarray(32), y.subarray(16));
  // y[16..31] = 3*1 + 10 = 13; everything else untouched.
  t.deepEqual(Array.from(y), Array.from({ length: 64 }, (_, i) => (i >= 16 && i < 32 ? 13 : 10)));
  t.is(rt.addressOf(y.subarray(16)), rt.addressOf(y) + 64);
  rt.close();
});

test('the reference backend faults on an access outside every buffer, as the emulator does', async (t) => {
  const rt = await Runtime.open({ backend: 'reference', log: () => {} });
  const x = rt.alloc(Float32Array, 16); // one 4 KiB page, then a guard page
  const y = rt.alloc(Float32Array, 16);
  await t.throwsAsync(rt.launch(Blas.saxpy, { qpus: 1 }, 2048, 1, x, y), { message: /outside every mapped buffer/ });
  rt.close();
});

test('the emulator checks launches at exact buffer size and names the buffer and the kernel line', async (t) => {
  const rt = await Runtime.open({ backend: 'emulator', log: () => {} });
  const x = rt.alloc(Float32Array, 16); // 64 bytes: element 16 is still inside the buffer's 4 KiB page
  const y = rt.alloc(Float32Array, 16);
  // n = 17: one element too many. The page-granular MMU would not notice; the checked launch does.
  await t.throwsAsync(rt.launch(Blas.saxpy, { qpus: 2 }, 17, 1, x, y), {
    message: /^Blas\.saxpy: out-of-bounds read of 4 bytes at 0x[0-9a-f]{8}, just past the end of the 64-byte buffer at 0x[0-9a-f]{8} at .*saxpy\.ts:\d+:\d+ \(QPU \d+\)/,
  });
  await t.notThrowsAsync(rt.launch(Blas.saxpy, { qpus: 2 }, 16, 1, x, y));
  rt.close();
  // Unchecked, the same launch reads the rest of the page (zeros) as the hardware would.
  const unchecked = await Runtime.open({ backend: 'emulator', log: () => {}, emulator: { checked: false } });
  const a = unchecked.alloc(Float32Array, 16);
  const b = unchecked.alloc(Float32Array, 16);
  await t.notThrowsAsync(unchecked.launch(Blas.saxpy, { qpus: 2 }, 17, 1, a, b));
  unchecked.close();
});
