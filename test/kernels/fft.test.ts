// kernels/fft.ts against a double-precision plain-JS FFT (itself checked against a direct DFT), on the reference
// backend and the vc4, vc6 and vc7 emulators (hazard checker in error mode): relative RMS error within the bound
// the TSDoc states, forward and inverse, batched.
import test from 'ava';
import { Runtime, type Target } from '../../runtime/index.ts';
import { fft, fftErrorBound, FFT_MAX_SIZE } from '../../kernels/fft.ts';

/** In-place f64 radix-2 FFT (bit reversal, then butterflies): X[k] = Σ x[j] e^(sign 2πi jk/n). */
function fft64(re: Float64Array, im: Float64Array, sign: 1 | -1): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j] as number, re[i] as number];
      [im[i], im[j]] = [im[j] as number, im[i] as number];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    for (let k = 0; k < len / 2; k++) {
      const a = (sign * 2 * Math.PI * k) / len;
      const wr = Math.cos(a);
      const wi = Math.sin(a);
      for (let i = 0; i < n; i += len) {
        const u = i + k;
        const v = u + len / 2;
        const xr = (re[v] as number) * wr - (im[v] as number) * wi;
        const xi = (re[v] as number) * wi + (im[v] as number) * wr;
        re[v] = (re[u] as number) - xr;
        im[v] = (im[u] as number) - xi;
        re[u] = (re[u] as number) + xr;
        im[u] = (im[u] as number) + xi;
      }
    }
  }
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

/** ‖got − want‖₂ / ‖want‖₂ over one transform. */
function relRms(gotRe: Float32Array, gotIm: Float32Array, off: number, wantRe: Float64Array, wantIm: Float64Array): number {
  let err = 0;
  let norm = 0;
  for (let i = 0; i < wantRe.length; i++) {
    err += ((gotRe[off + i] as number) - (wantRe[i] as number)) ** 2 + ((gotIm[off + i] as number) - (wantIm[i] as number)) ** 2;
    norm += (wantRe[i] as number) ** 2 + (wantIm[i] as number) ** 2;
  }
  return Math.sqrt(err / norm);
}

/** Runs forward and inverse on random data and checks every transform of the batch against fft64. */
async function check(t: import('ava').ExecutionContext, target: Target, backend: 'reference' | 'emulator', n: number, batch: number): Promise<void> {
  const rt = await Runtime.open({ target, backend, log: () => {} });
  try {
    const re = rt.alloc(Float32Array, n * batch + 3);
    const im = rt.alloc(Float32Array, n * batch + 3);
    const r = lcg(n + batch);
    for (let i = 0; i < re.length; i++) {
      re[i] = r();
      im[i] = r();
    }
    const input = { re: Float64Array.from(re), im: Float64Array.from(im) };
    const bound = fftErrorBound(target, n);
    for (const inverse of [false, true]) {
      const x = { re: Float32Array.from(input.re), im: Float32Array.from(input.im) };
      re.set(x.re);
      im.set(x.im);
      const res = await fft(rt, { n, batch, re, im, inverse });
      t.deepEqual(res.hazards, []);
      t.is(res.profile === undefined, backend === 'reference');
      for (let b = 0; b < batch; b++) {
        const wr = input.re.slice(b * n, b * n + n);
        const wi = input.im.slice(b * n, b * n + n);
        fft64(wr, wi, inverse ? 1 : -1);
        if (inverse) for (let i = 0; i < n; i++) (wr[i] = (wr[i] as number) / n), (wi[i] = (wi[i] as number) / n);
        const e = relRms(re, im, b * n, wr, wi);
        t.true(e <= bound, `${inverse ? 'inverse' : 'forward'} n=${n} transform ${b}: relative RMS error ${e.toExponential(3)} > bound ${bound.toExponential(3)}`);
      }
      t.deepEqual([re[n * batch], re[n * batch + 2], im[n * batch + 1]], [x.re[n * batch], x.re[n * batch + 2], x.im[n * batch + 1]], 'elements past the batch untouched');
    }
  } finally {
    rt.close();
  }
}

test('the f64 reference FFT agrees with a direct DFT', (t) => {
  const n = 16;
  const r = lcg(7);
  const re = Float64Array.from({ length: n }, r);
  const im = Float64Array.from({ length: n }, r);
  const dre = new Float64Array(n);
  const dim = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      const a = (-2 * Math.PI * j * k) / n;
      dre[k] = (dre[k] as number) + (re[j] as number) * Math.cos(a) - (im[j] as number) * Math.sin(a);
      dim[k] = (dim[k] as number) + (re[j] as number) * Math.sin(a) + (im[j] as number) * Math.cos(a);
    }
  }
  fft64(re, im, -1);
  for (let k = 0; k < n; k++) t.true(Math.abs((re[k] as number) - (dre[k] as number)) < 1e-12 && Math.abs((im[k] as number) - (dim[k] as number)) < 1e-12);
});

for (const [name, target, backend] of [['reference', 'vc6', 'reference'], ['vc4', 'vc4', 'emulator'], ['vc6', 'vc6', 'emulator'], ['vc7', 'vc7', 'emulator']] as const) {
  test(`fft on ${name}: n = 16 and 32, batched, forward and inverse, within the error bound`, async (t) => {
    await check(t, target, backend, 16, 3);
    await check(t, target, backend, 32, 2);
    // 16-lane block passes: a twiddle-free radix-2 pass, then wide (S >= 16) and narrow radix-4 passes.
    if (backend === 'reference') await check(t, target, backend, 128, 2);
  });
}

test('fft on vc7: n = 2^10 (radix-4 only) and 2^11 (a radix-2 pass first), batch 2', async (t) => {
  await check(t, 'vc7', 'emulator', 1 << 10, 2);
  await check(t, 'vc7', 'emulator', 1 << 11, 1);
});

test('fft on vc4: n = 2^9, where every pass but the first reads twiddles', async (t) => {
  await check(t, 'vc4', 'emulator', 1 << 9, 1);
});

test('fft on vc4: n = 2^7 and 2^8, batched: the two-block passes (radix4Rows) at n/4 = 32 and across transforms', async (t) => {
  await check(t, 'vc4', 'emulator', 1 << 7, 3);
  await check(t, 'vc4', 'emulator', 1 << 8, 2);
});

test('fft: known transforms (impulse, constant, one tone) come out as their textbook spectra', async (t) => {
  const rt = await Runtime.open({ target: 'vc6', backend: 'emulator', log: () => {} });
  try {
    const n = 64;
    const re = rt.alloc(Float32Array, 3 * n);
    const im = rt.alloc(Float32Array, 3 * n);
    re[0] = 1; // impulse → all ones
    for (let i = 0; i < n; i++) re[n + i] = 1; // constant → n at bin 0
    for (let i = 0; i < n; i++) (re[2 * n + i] = Math.cos((2 * Math.PI * 5 * i) / n)), (im[2 * n + i] = Math.sin((2 * Math.PI * 5 * i) / n)); // e^(2πi 5j/n) → n at bin 5
    await fft(rt, { n, batch: 3, re, im });
    const near = (a: number, b: number) => Math.abs(a - b) < 1e-4;
    t.true(Array.from(re.subarray(0, n)).every((v) => near(v, 1)) && Array.from(im.subarray(0, n)).every((v) => near(v, 0)), 'impulse');
    t.true(near(re[n] as number, n) && Array.from(re.subarray(n + 1, 2 * n)).every((v) => near(v, 0)), 'constant');
    t.true(near(re[2 * n + 5] as number, n) && Array.from(re.subarray(2 * n, 3 * n)).every((v, i) => i === 5 || near(v, 0)), 'tone at bin 5');
  } finally {
    rt.close();
  }
});

test('fft rejects bad arguments with errors naming them', async (t) => {
  const rt = await Runtime.open({ target: 'vc6', backend: 'reference', log: () => {} });
  try {
    const re = rt.alloc(Float32Array, 64);
    const im = rt.alloc(Float32Array, 64);
    await t.throwsAsync(fft(rt, { n: 48, re, im }), { instanceOf: RangeError, message: /n must be a power of two from 16 to 1048576/ });
    await t.throwsAsync(fft(rt, { n: 8, re, im }), { instanceOf: RangeError, message: /n must be a power of two/ });
    await t.throwsAsync(fft(rt, { n: FFT_MAX_SIZE * 2, re, im }), { instanceOf: RangeError, message: /n must be a power of two/ });
    await t.throwsAsync(fft(rt, { n: 32, batch: 3, re, im }), { instanceOf: RangeError, message: /re holds 64 elements, but 3 transform\(s\) of 32 need 96/ });
    await t.throwsAsync(fft(rt, { n: 32, batch: 0, re, im }), { instanceOf: RangeError, message: /batch must be a whole number/ });
    await t.throwsAsync(fft(rt, { n: 32, re: re.subarray(0, 32), im: re.subarray(16, 48) }), { instanceOf: RangeError, message: /must not overlap/ });
    await t.throwsAsync(fft(rt, { n: 32, re, im: [] as unknown as Float32Array }), { instanceOf: TypeError, message: /im must be a Float32Array/ });
    await t.throwsAsync(fft(rt, { n: 32, re, im, inverse: 1 as unknown as boolean }), { instanceOf: TypeError, message: /inverse must be true or false/ });
  } finally {
    rt.close();
  }
});
