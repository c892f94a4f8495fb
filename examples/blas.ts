// BLAS from the kernel library (qpuc/kernels) on the Raspberry Pi GPU, or the emulator when there is none:
// saxpy, sdot, snrm2, isamax, sgemv and sgemm, each checked against plain JavaScript, with its profile.
// Run: npx qpuc run examples/blas.ts [-- [--target vc4|vc6|vc7] [N]]
import { Runtime, type LaunchResult, type Target } from 'qpuc/runtime';
import { isamax, saxpy, sdot, sgemm, sgemv, snrm2 } from 'qpuc/kernels';

const args = process.argv.slice(2);
const t = args.indexOf('--target');
const target = t >= 0 ? (args.splice(t, 2)[1] as Target | undefined) : undefined;
const n = Number(args[0] ?? 10_000);

const rt = await Runtime.open({ log: (line) => console.log(line), ...(target ? { target } : {}) });
let failures = 0;

/** One line per call: the check's verdict and the profile (modelled on the emulator, measured on a Pi). */
function report(what: string, ok: boolean, detail: string, r: LaunchResult): void {
  if (!ok) failures++;
  const p = r.profile;
  const time = p ? `${(p.seconds * 1e3).toFixed(3)} ms${r.backend === 'emulator' ? ' modelled' : ''}, ${Math.round(p.cycles)} cycles, ${((p.bytesRead + p.bytesWritten) / 1e6).toFixed(2)} MB moved` : 'no profile';
  console.log(`${what.padEnd(22)} ${ok ? 'ok   ' : 'WRONG'} ${detail.padEnd(34)} ${time} (${r.kernel})`);
}

// Vectors: values with few significant bits, so that products and short sums are exact in f32.
const x = rt.alloc(Float32Array, n);
const y = rt.alloc(Float32Array, n);
for (let i = 0; i < n; i++) {
  x[i] = ((i * 37) % 101) / 16 - 3;
  y[i] = ((i * 11) % 29) / 8;
}
const x0 = Float32Array.from(x), y0 = Float32Array.from(y);

const ax = await saxpy(rt, { n, alpha: 2, x, y });
report(`saxpy n=${n}`, y.every((v, i) => v === 2 * (x0[i] as number) + (y0[i] as number)), 'y = 2x + y, every element exact', ax);

const d = await sdot(rt, { n, x, y });
let dot = 0, dotAbs = 0;
for (let i = 0; i < n; i++) (dot += (x[i] as number) * (y[i] as number)), (dotAbs += Math.abs((x[i] as number) * (y[i] as number)));
report(`sdot n=${n}`, Math.abs(d.value - dot) <= 1e-5 * dotAbs, `${d.value} (f64: ${dot.toFixed(3)})`, d);

const nr = await snrm2(rt, { n, x });
let ss = 0;
for (let i = 0; i < n; i++) ss += (x[i] as number) ** 2;
report(`snrm2 n=${n}`, Math.abs(nr.value - Math.sqrt(ss)) <= 1e-5 * Math.sqrt(ss), `${nr.value} (f64: ${Math.sqrt(ss).toFixed(4)})`, nr);

x[n >> 1] = -9;
const im = await isamax(rt, { n, x });
report(`isamax n=${n}`, im.value === n >> 1, `index ${im.value}`, im);

// Matrices are row-major (element (i, j) of A at a[i * lda + j]).
const [m, k, cols] = [48, 40, 56];
const a = rt.alloc(Float32Array, m * k), b = rt.alloc(Float32Array, k * cols), c = rt.alloc(Float32Array, m * cols);
for (let i = 0; i < a.length; i++) a[i] = ((i * 7) % 13) / 8 - 0.75;
for (let i = 0; i < b.length; i++) b[i] = ((i * 5) % 11) / 8 - 0.625;
const v = rt.alloc(Float32Array, k), w = rt.alloc(Float32Array, m);
for (let i = 0; i < k; i++) v[i] = (i % 5) - 2;

const gv = await sgemv(rt, { m, n: k, alpha: 1, a, lda: k, x: v, y: w });
let gvOk = true;
for (let i = 0; i < m; i++) {
  let s = 0;
  for (let q = 0; q < k; q++) s += (a[i * k + q] as number) * (v[q] as number);
  gvOk &&= w[i] === s;
}
report(`sgemv ${m}×${k}`, gvOk, 'y = A x, every element exact', gv);

const gm = await sgemm(rt, { m, n: cols, k, alpha: 1, a, lda: k, b, ldb: cols, beta: 0, c, ldc: cols });
let gmOk = true;
for (let i = 0; i < m; i++) {
  for (let j = 0; j < cols; j++) {
    let s = 0;
    for (let q = 0; q < k; q++) s += (a[i * k + q] as number) * (b[q * cols + j] as number);
    gmOk &&= c[i * cols + j] === s;
  }
}
const gflops = gm.profile ? ` ${((2 * m * cols * k) / gm.profile.seconds / 1e9).toFixed(2)} GFLOP/s` : '';
report(`sgemm ${m}×${cols}×${k}`, gmOk, `C = A B, every element exact${gflops}`, gm);

rt.close();
console.log(failures === 0 ? 'all results correct' : `${failures} WRONG`);
if (failures > 0) process.exitCode = 1;
