/**
 * The hello_fft-shaped VC4 programs (bench/vc4-hello-fft.ts) compute forward DFTs: every transform of a batch
 * against a direct double-precision DFT, within the programs' accuracy bound.
 */
import test from 'ava';
import { helloFftErrorBound, runHelloFft, type HelloFftStructure } from '../../bench/vc4-hello-fft.ts';

/** Direct DFT in f64, X[k] = Σ x[j] e^(−2πi jk/n), of transform `b` of split arrays. */
function dft(re: Float32Array, im: Float32Array, n: number, b: number): { re: Float64Array; im: Float64Array } {
  const cos = Float64Array.from({ length: n }, (_, m) => Math.cos((-2 * Math.PI * m) / n));
  const sin = Float64Array.from({ length: n }, (_, m) => Math.sin((-2 * Math.PI * m) / n));
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let j = 0, m = 0; j < n; j++, m = (m + k) % n) {
      const xr = re[b * n + j] as number;
      const xi = im[b * n + j] as number;
      sr += xr * (cos[m] as number) - xi * (sin[m] as number);
      si += xr * (sin[m] as number) + xi * (cos[m] as number);
    }
    outRe[k] = sr;
    outIm[k] = si;
  }
  return { re: outRe, im: outIm };
}

/** Random transforms, then one complex exponential at frequency f (its DFT: n at bin f, 0 elsewhere). */
function input(n: number, batch: number, f: number): { re: Float32Array; im: Float32Array } {
  const re = new Float32Array(n * batch);
  const im = new Float32Array(n * batch);
  let s = 7;
  for (let i = 0; i < n * (batch - 1); i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    re[i] = (s >>> 8) / 2 ** 23 - 1;
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    im[i] = (s >>> 8) / 2 ** 23 - 1;
  }
  for (let j = 0; j < n; j++) {
    re[(batch - 1) * n + j] = Math.cos((2 * Math.PI * f * j) / n);
    im[(batch - 1) * n + j] = Math.sin((2 * Math.PI * f * j) / n);
  }
  return { re, im };
}

const CASES: readonly { n: number; batch: number; f: number; structure: HelloFftStructure }[] = [
  { n: 256, batch: 3, f: 37, structure: 'release3' },
  { n: 4096, batch: 2, f: 1234, structure: 'release3' },
  { n: 4096, batch: 2, f: 999, structure: 'vc4asm' },
];

for (const { n, batch, f, structure } of CASES) {
  test(`hello_fft-shaped ${n}-point FFT (${structure}): each transform of a batch of ${batch} matches a direct DFT`, (t) => {
    const { re, im } = input(n, batch, f);
    const r = runHelloFft(n, re, im, structure);
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
      t.true(rel <= helloFftErrorBound(n), `transform ${b}: relative RMS error ${rel}`);
    }
    t.true(Math.abs((r.re[(batch - 1) * n + f] as number) - n) < 1e-3 * n);
  });
}
