/**
 * Bench rows of the FFT family (kernels/fft.ts) for `npm run bench -- kernels`. Work is counted the conventional
 * way, 5 n log2 n flops per complex n-point transform (what FFTW's and hello_fft's users quote as "MFLOPS"; the
 * real operation count of a radix-4 FFT is lower), and rows are 'compute' rows judged against the ALU peak;
 * `bytes` is the data read once and written once (16 bytes per point). Each result is checked against a plain-JS
 * f64 FFT before its row is reported (a wrong result throws). The vc4 2^8 × 64 and 2^12 × 4 rows have a
 * hand-written column: the programs with the structure of hello_fft's release 3.0 shaders (bench/vc4-hello-fft.ts:
 * 8 QPUs, two or three radix-16 passes, VPM writes gathered by a master QPU's DMA) on the same transforms of the
 * same data, each transform checked against the f64 FFT with their bound (helloFftErrorBound). No hello_fft-shaped
 * 2^16 program is built, so that row has no ratio.
 */
import { Runtime, type Target } from '../../runtime/index.ts';
import { fft, fftErrorBound } from '../../kernels/fft.ts';
import type { KernelRow } from './row.ts';
import { HELLO_FFT_SIZES, helloFftErrorBound, runHelloFft } from '../vc4-hello-fft.ts';

/** f64 iterative radix-2 FFT, forward (the check of each row's result). */
function fft64(re: Float64Array, im: Float64Array): void {
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
      const wr = Math.cos((-2 * Math.PI * k) / len);
      const wi = Math.sin((-2 * Math.PI * k) / len);
      for (let i = k; i < n; i += len) {
        const v = i + len / 2;
        const xr = (re[v] as number) * wr - (im[v] as number) * wi;
        const xi = (re[v] as number) * wi + (im[v] as number) * wr;
        re[v] = (re[i] as number) - xr;
        im[v] = (im[i] as number) - xi;
        re[i] = (re[i] as number) + xr;
        im[i] = (im[i] as number) + xi;
      }
    }
  }
}

/** The hello_fft-shaped program on the same transforms, each checked against {@link fft64} (a wrong one throws). */
function helloFft(re: Float32Array, im: Float32Array, n: number, batch: number): { name: string; seconds: number } {
  const hw = runHelloFft(n, re, im);
  for (let b = 0; b < batch; b++) {
    const wr = Float64Array.from(re.subarray(b * n, (b + 1) * n));
    const wi = Float64Array.from(im.subarray(b * n, (b + 1) * n));
    fft64(wr, wi);
    let err = 0;
    let norm = 0;
    for (let i = 0; i < n; i++) {
      err += ((hw.re[b * n + i] as number) - (wr[i] as number)) ** 2 + ((hw.im[b * n + i] as number) - (wi[i] as number)) ** 2;
      norm += (wr[i] as number) ** 2 + (wi[i] as number) ** 2;
    }
    if (!(Math.sqrt(err / norm) <= helloFftErrorBound(n))) throw new Error(`bench kernels: hello_fft-shaped ${n}-point transform ${b}: error ${Math.sqrt(err / norm)} above the bound`);
  }
  return { name: 'hello_fft-shaped (same job)', seconds: hw.seconds };
}

/** Shapes measured: many short transforms (hello_fft's batched use) and one long one. */
const SHAPES: readonly { log2n: number; batch: number }[] = [
  { log2n: 8, batch: 64 },
  { log2n: 12, batch: 4 },
  { log2n: 16, batch: 1 },
];

/** FFT rows on `target`. */
export async function rows(target: Target): Promise<(KernelRow & { bytesWritten: number })[]> {
  const rt = await Runtime.open({ target, backend: 'emulator', log: () => {} });
  const out: (KernelRow & { bytesWritten: number })[] = [];
  try {
    for (const { log2n, batch } of SHAPES) {
      const n = 1 << log2n;
      const re = rt.alloc(Float32Array, n * batch);
      const im = rt.alloc(Float32Array, n * batch);
      let s = 99;
      for (let i = 0; i < n * batch; i++) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        re[i] = (s >>> 8) / 2 ** 23 - 1;
        im[i] = Math.sin(i);
      }
      const wr = Float64Array.from(re.subarray(0, n));
      const wi = Float64Array.from(im.subarray(0, n));
      const handwritten = target === 'vc4' && HELLO_FFT_SIZES.includes(n) ? helloFft(re, im, n, batch) : undefined;
      const r = await fft(rt, { n, batch, re, im });
      fft64(wr, wi);
      let err = 0;
      let norm = 0;
      for (let i = 0; i < n; i++) {
        err += ((re[i] as number) - (wr[i] as number)) ** 2 + ((im[i] as number) - (wi[i] as number)) ** 2;
        norm += (wr[i] as number) ** 2 + (wi[i] as number) ** 2;
      }
      if (!(Math.sqrt(err / norm) <= fftErrorBound(target, n))) throw new Error(`bench kernels: fft 2^${log2n} on ${target}: error ${Math.sqrt(err / norm)} above the bound`);
      if (!r.profile) throw new Error(`bench kernels: fft on ${target} has no profile`);
      out.push({
        name: `fft 2^${log2n}${batch > 1 ? ` × ${batch}` : ''} (5 n log2 n)`,
        target,
        seconds: r.profile.seconds,
        bound: 'compute',
        flops: 5 * n * log2n * batch,
        bytes: 16 * n * batch,
        bytesWritten: 8 * n * batch,
        ...(handwritten ? { handwritten } : {}),
      });
      rt.free(re);
      rt.free(im);
    }
  } finally {
    rt.close();
  }
  return out;
}
