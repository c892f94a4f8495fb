// A batch of complex FFTs on the Raspberry Pi GPU (or the emulator when there is none), checked against plain JS.
// Run: npx qpuc run examples/fft.ts [-- [--target vc4|vc6|vc7] N BATCH]
import { Runtime, type Target } from 'qpuc/runtime';
import { fft, fftErrorBound } from '../kernels/fft.js';

const args = process.argv.slice(2);
const t = args.indexOf('--target');
const target = t >= 0 ? (args.splice(t, 2)[1] as Target | undefined) : undefined;
const n = Number(args[0] ?? 1024);
const batch = Number(args[1] ?? 8);

const rt = await Runtime.open({ log: (line) => console.log(line), ...(target ? { target } : {}) });
// Split arrays: transform b is re[b*n .. b*n+n-1] (real parts) and the same range of im.
const re = rt.alloc(Float32Array, n * batch);
const im = rt.alloc(Float32Array, n * batch);
// Transform b holds two tones, at bins b+1 and 3b+5, with amplitudes 1 and 0.5.
for (let b = 0; b < batch; b++) {
  for (let j = 0; j < n; j++) {
    const a1 = (2 * Math.PI * (b + 1) * j) / n;
    const a2 = (2 * Math.PI * (3 * b + 5) * j) / n;
    re[b * n + j] = Math.cos(a1) + 0.5 * Math.cos(a2);
    im[b * n + j] = Math.sin(a1) + 0.5 * Math.sin(a2);
  }
}
const input = { re: Float64Array.from(re), im: Float64Array.from(im) };

const result = await fft(rt, { n, batch, re, im });

// Plain JS: the exact spectrum of each transform, by a direct DFT of its input in double precision (a few bins for large n).
let err = 0;
let norm = 0;
const bins = n <= 1024 ? n : 64;
for (let b = 0; b < batch; b++) {
  for (let k = 0; k < bins; k++) {
    let xr = 0;
    let xi = 0;
    for (let j = 0; j < n; j++) {
      const a = (-2 * Math.PI * ((j * k) % n)) / n;
      const vr = input.re[b * n + j] as number;
      const vi = input.im[b * n + j] as number;
      xr += vr * Math.cos(a) - vi * Math.sin(a);
      xi += vr * Math.sin(a) + vi * Math.cos(a);
    }
    err += ((re[b * n + k] as number) - xr) ** 2 + ((im[b * n + k] as number) - xi) ** 2;
    norm += xr * xr + xi * xi;
  }
}
const rel = Math.sqrt(err / norm);
const bound = fftErrorBound(rt.target, n);
const peak = (b: number) => {
  let best = 0;
  for (let k = 1; k < n; k++) if (Math.hypot(re[b * n + k] as number, im[b * n + k] as number) > Math.hypot(re[b * n + best] as number, im[b * n + best] as number)) best = k;
  return best;
};
console.log(`fft: ${batch} transform(s) of ${n} points (${result.backend}, ${result.target}): relative RMS error ${rel.toExponential(2)} (bound ${bound.toExponential(2)}) ${rel <= bound ? 'ok' : 'TOO LARGE'}; transform 0 peaks at bin ${peak(0)}`);
const p = result.profile;
if (p) {
  const flops = 5 * n * Math.log2(n) * batch;
  console.log(
    `profile: ${Math.round(p.cycles)} cycles at ${p.clockHz / 1e6} MHz = ${(p.seconds * 1e3).toFixed(3)} ms${result.backend === 'emulator' ? ' (modelled)' : ''}, ` +
      `${((p.bytesRead + p.bytesWritten) / 1e6).toFixed(2)} MB moved, ${(flops / p.seconds / 1e9).toFixed(2)} GFLOP/s (5 n log2 n)`,
  );
}
rt.close();
if (!(rel <= bound)) process.exitCode = 1;
