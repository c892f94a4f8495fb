/**
 * GPU memory over a long-lived runtime: the VC4 emulator's arena reuses and
 * merges freed ranges; uploaded kernels that no launch uses are freed when
 * memory runs out (a fuzzer or a notebook launching ever new kernels must
 * not fill the memory with old code); `emulator.memoryBytes` is validated.
 */
import test from 'ava';
import { Runtime, RuntimeError, RUNTIME_ERROR_CODES } from '../../runtime/index.ts';
import { Blas } from '../../kernels/saxpy.ts';

const quiet = { log: () => {} };

test('vc4 emulator: freed ranges merge, so the whole arena is one piece again after many small buffers are freed', async (t) => {
  const rt = await Runtime.open({ backend: 'emulator', target: 'vc4', emulator: { memoryBytes: 1 << 20 }, ...quiet });
  const small = Array.from({ length: 16 }, () => rt.alloc(Uint8Array, 65536));
  t.throws(() => rt.alloc(Uint8Array, 4096), { instanceOf: RuntimeError, message: /out of emulated GPU memory/ });
  for (const a of small.filter((_, i) => i % 2 === 0)) rt.free(a);
  for (const a of small.filter((_, i) => i % 2 === 1)) rt.free(a);
  const all = rt.alloc(Uint8Array, 1 << 20);
  t.is(all.length, 1 << 20);
  const e = t.throws(() => rt.alloc(Uint8Array, 16), { instanceOf: RuntimeError });
  t.is(e?.code, RUNTIME_ERROR_CODES.OUT_OF_MEMORY);
  t.regex(e?.message ?? '', /free arrays you no longer need or raise memoryBytes/);
  rt.close();
});

for (const target of ['vc4', 'vc6'] as const) {
  test(`${target}: 80 launches of ever new kernel images in 128 KiB of GPU memory all run (unused code is freed when memory runs out)`, async (t) => {
    const rt = await Runtime.open({ backend: 'emulator', target, emulator: { memoryBytes: 128 * 1024 }, ...quiet });
    const image = await rt.compile(Blas.saxpy);
    const n = 100;
    const x = rt.alloc(Float32Array, n);
    const y = rt.alloc(Float32Array, n);
    const want = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = i - 50;
    for (let k = 0; k < 80; k++) {
      // A copy of the image is a different kernel to the runtime: its code is uploaded again.
      await rt.launch({ ...image }, { qpus: 4 }, n, 0.5, x, y);
      for (let i = 0; i < n; i++) want[i] = Math.fround(Math.fround(0.5 * (x[i] as number)) + (want[i] as number));
    }
    t.deepEqual(Array.from(y), Array.from(want));
    rt.close();
  });
}

test('emulator.memoryBytes must be a whole number of pages within the target\'s range', async (t) => {
  for (const target of ['vc4', 'vc6', 'vc7'] as const) {
    for (const memoryBytes of [0, 1000, 4096.5, -4096, 2 ** 40, Number.NaN]) {
      const e = await t.throwsAsync(Runtime.open({ backend: 'emulator', target, emulator: { memoryBytes }, ...quiet }), { instanceOf: RuntimeError });
      t.is(e?.code, RUNTIME_ERROR_CODES.INVALID_ARGUMENT);
      t.regex(e?.message ?? '', /memoryBytes must be a multiple of 4096/);
    }
  }
});
