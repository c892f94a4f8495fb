/**
 * The hello_fft-shaped VC4 program (bench/vc4-hello-fft.ts) computes forward DFTs: every transform of a batch
 * against a direct double-precision DFT, within the library's vc4 accuracy bound.
 */
import test from 'ava';
import { HELLO_FFT_N, runHelloFft } from '../../bench/vc4-hello-fft.ts';
import { fftErrorBound } from '../../kernels/fft.ts';

/** Direct DFT in f64, X[k] = Σ x[j] e^(−2πi jk/n), of transform `b` of split arrays. */
function dft(re: Float32Array, im: Float32Array, n: number, b: number): { re: Float64Array; im: Float64Array } {
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let j = 0; j < n; j++) {
      const a = (-2 * Math.PI * ((j * k) % n)) / n;
      const xr = re[b * n + j] as number;
      const xi = im[b * n + j] as number;
      sr += xr * Math.cos(a) - xi * Math.sin(a);
      si += xr * Math.sin(a) + xi * Math.cos(a);
    }
    outRe[k] = sr;
    outIm[k] = si;
  }
  return { re: outRe, im: outIm };
}

test('hello_fft-shaped 256-point FFT: each transform of a batch matches a direct DFT', (t) => {
  const n = HELLO_FFT_N;
  const batch = 3;
  const re = new Float32Array(n * batch);
  const im = new Float32Array(n * batch);
  let s = 7;
  for (let i = 0; i < n * batch; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    re[i] = (s >>> 8) / 2 ** 23 - 1;
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    im[i] = (s >>> 8) / 2 ** 23 - 1;
  }
  // The third transform: one complex exponential, whose DFT is a single non-zero bin (n at frequency 37).
  for (let j = 0; j < n; j++) {
    re[2 * n + j] = Math.cos((2 * Math.PI * 37 * j) / n);
    im[2 * n + j] = Math.sin((2 * Math.PI * 37 * j) / n);
  }
  const r = runHelloFft(re, im);
  t.true(r.seconds > 0);
  for (let b = 0; b < batch; b++) {
    const want = dft(re, im, n, b);
    let err = 0;
    let norm = 0;
    for (let k = 0; k < n; k++) {
      err += ((r.re[b * n + k] as number) - (want.re[k] as number)) ** 2 + ((r.im[b * n + k] as number) - (want.im[k] as number)) ** 2;
      norm += (want.re[k] as number) ** 2 + (want.im[k] as number) ** 2;
    }
    const rel = Math.sqrt(err / norm);
    t.true(rel <= fftErrorBound('vc4', n), `transform ${b}: relative RMS error ${rel}`);
  }
  t.true(Math.abs((r.re[2 * n + 37] as number) - n) < 1e-3 * n);
});
