/**
 * Bench rows of the BLAS family (kernels/blas1.ts, blas2.ts, blas3.ts) for
 * `npm run bench -- kernels`. Results are checked against plain JavaScript
 * before a row is reported (a wrong result throws). Sizes are chosen so that
 * a target's rows take seconds on the emulator: streaming functions on
 * about 2^20 elements (vc4: 2^18), rounded to whole vec4 passes of all QPUs
 * so the hand-written scopy runs the same n.
 */
import { Runtime, type Target } from '../../runtime/index.ts';
import { TARGETS } from '../../compiler/target/targets.ts';
import { isamax, saxpy, sasum, scopy, sdot, sgemm, sgemv, snrm2, sscal, sswap } from '../../kernels/index.ts';
import { runStream } from '../fixtures/handwritten.ts';
import { runPv6Sgemm } from '../programs/sgemm-pv6.ts';
import { runPv7Sgemm } from '../programs/sgemm-pv7.ts';
import { SGEMM_JOB, sgemmModel } from '../vc4-sgemm.ts';
import type { KernelRowWithWrites } from '../kernels.ts';

/** Deterministic values in [-4, 4), exactly representable (multiples of 1/64). */
function fill(a: Float32Array, seed: number): void {
  let s = seed >>> 0;
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    a[i] = ((s >>> 16) % 512) / 64 - 4;
  }
}

function need(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bench kernels: ${what}`);
}

/** BLAS-1 rows on `target`. */
async function blas1(target: Target): Promise<KernelRowWithWrites[]> {
  const qpus = TARGETS[target].qpus;
  const block = qpus * 64;
  const n = Math.round((target === 'vc4' ? 2 ** 18 : 2 ** 20) / block) * block;
  const label = `${n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(2)}M` : `${n >> 10}K`}`;
  const rt = await Runtime.open({ target, backend: 'emulator', log: () => {} });
  const rows: KernelRowWithWrites[] = [];
  try {
    const x = rt.alloc(Float32Array, n), y = rt.alloc(Float32Array, n);
    fill(x, 1);
    fill(y, 2);
    const x0 = Float32Array.from(x), y0 = Float32Array.from(y);
    const row = (name: string, seconds: number | undefined, read: number, written: number, flops: number, handwritten?: { name: string; seconds: number }): void => {
      need(seconds !== undefined && seconds > 0, `${name} on ${target} has no profile`);
      rows.push({ name: `${name} ${label}`, target, seconds: seconds as number, bound: 'memory', flops, bytes: read + written, bytesWritten: written, ...(handwritten ? { handwritten } : {}) });
    };

    const ax = await saxpy(rt, { n, alpha: 0.5, x, y });
    // Values are multiples of 1/128 below 8 in magnitude: every product and sum is exact, on vc4 too.
    for (let i = 0; i < n; i += 97) need(y[i] === 0.5 * (x0[i] as number) + (y0[i] as number), `saxpy wrong at ${i}`);
    row('saxpy', ax.profile?.seconds, 8 * n, 4 * n, 2 * n);

    const sc = await sscal(rt, { n, alpha: 2, x: y });
    for (let i = 0; i < n; i += 97) need(y[i] === 2 * (0.5 * (x0[i] as number) + (y0[i] as number)), `sscal wrong at ${i}`);
    row('sscal', sc.profile?.seconds, 4 * n, 4 * n, n);

    const cp = await scopy(rt, { n, x, y });
    need(y.every((v, i) => v === x[i]), 'scopy wrong');
    const hw = TARGETS[target].family === 'v3d' ? runStream(TARGETS[target].version as 42 | 71, 'scopy', qpus, n) : undefined;
    row('scopy', cp.profile?.seconds, 4 * n, 4 * n, 0, hw ? { name: `hand-written scopy (${qpus} QPUs)`, seconds: hw.seconds } : undefined);

    fill(y, 2);
    const sw = await sswap(rt, { n, x, y });
    for (let i = 0; i < n; i += 97) need(x[i] === y0[i] && y[i] === x0[i], `sswap wrong at ${i}`);
    row('sswap', sw.profile?.seconds, 8 * n, 8 * n, 0);

    // The error bound the functions document: γ(k + 1) with k = n/G + G/16 + 16 terms per sum (vc4: u = 2^-23).
    const k = n / (16 * qpus) + qpus + 17;
    const bound = (k * (target === 'vc4' ? 2 ** -23 : 2 ** -24)) / (1 - k * 2 ** -23);
    const d = await sdot(rt, { n, x, y });
    let want = 0, scale = 0;
    for (let i = 0; i < n; i++) (want += (x[i] as number) * (y[i] as number)), (scale += Math.abs((x[i] as number) * (y[i] as number)));
    need(Math.abs(d.value - want) <= bound * scale, `sdot ${d.value} vs ${want}`);
    row('sdot', d.profile?.seconds, 8 * n, 0, 2 * n);

    const as = await sasum(rt, { n, x });
    let wantAsum = 0;
    for (let i = 0; i < n; i++) wantAsum += Math.abs(x[i] as number);
    need(Math.abs(as.value - wantAsum) <= bound * wantAsum, `sasum ${as.value} vs ${wantAsum}`);
    row('sasum', as.profile?.seconds, 4 * n, 0, n);

    const nr = await snrm2(rt, { n, x });
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (x[i] as number) ** 2;
    need(Math.abs(nr.value - Math.sqrt(ss)) <= bound * Math.sqrt(ss), `snrm2 ${nr.value} vs ${Math.sqrt(ss)}`);
    row('snrm2', nr.profile?.seconds, 4 * n, 0, 2 * n);

    const ia = await isamax(rt, { n, x });
    let best = 0;
    for (let i = 1; i < n; i++) if (Math.abs(x[i] as number) > Math.abs(x[best] as number)) best = i;
    need(ia.value === best, `isamax ${ia.value} vs ${best}`);
    row('isamax', ia.profile?.seconds, 4 * n, 0, n);
  } finally {
    rt.close();
  }
  return rows;
}

/** sgemv rows (both transposes) on `target`: memory-bound, A read once. */
async function blas2(target: Target): Promise<KernelRowWithWrites[]> {
  const m = target === 'vc4' ? 256 : 1024, n = m;
  const rt = await Runtime.open({ target, backend: 'emulator', log: () => {} });
  const rows: KernelRowWithWrites[] = [];
  try {
    const a = rt.alloc(Float32Array, m * n), x = rt.alloc(Float32Array, n), y = rt.alloc(Float32Array, m);
    fill(a, 3);
    fill(x, 4);
    for (const trans of [false, true]) {
      const r = await sgemv(rt, { m, n, alpha: 1, a, lda: n, x, y, trans });
      for (const i of [0, 1, m >> 1, m - 1]) {
        let s = 0, abs = 0;
        for (let j = 0; j < n; j++) {
          const p = (trans ? a[j * n + i] : a[i * n + j]) as number;
          s += p * (x[j] as number);
          abs += Math.abs(p * (x[j] as number));
        }
        need(Math.abs((y[i] as number) - s) <= 1e-4 * abs, `sgemv trans=${trans} y[${i}] = ${y[i]}, want ${s}`);
      }
      const seconds = r.profile?.seconds;
      need(seconds !== undefined && seconds > 0, `sgemv on ${target} has no profile`);
      rows.push({ name: `sgemv${trans ? ' T' : ''} ${m}×${n}`, target, seconds: seconds as number, bound: 'memory', flops: 2 * m * n, bytes: 4 * (m * n + n + m), bytesWritten: 4 * m });
    }
  } finally {
    rt.close();
  }
  return rows;
}

/**
 * sgemm rows on `target`, C ← α A B + β C (both non-zero, as the hand-written
 * programs with α/β compute it), against the hand-written sgemm in the same
 * timing model: vc6 py-videocore6's sgemm (bench/programs/sgemm-pv6.ts: its
 * instruction sequence, 8 threads in a 2 × 4 block split, so m is a multiple
 * of 32 and n of 64; the same m × n × k, row strides, α and β), vc7
 * py-videocore7's sgemm (bench/programs/sgemm-pv7.ts, the same m × n × k),
 * vc4 the py-videocore-shaped kernel (bench/vc4-sgemm.ts) on the very job it
 * runs (`SGEMM_JOB`: 32 × 363 · 363 × 384 with the published shapes' row
 * strides, 12 QPUs); the library also reads C there (β ≠ 0), the
 * hand-written kernel does not.
 */
async function blas3(target: Target): Promise<KernelRowWithWrites[]> {
  const job = target === 'vc4' ? SGEMM_JOB : { m: 128, n: 128, k: 256, lda: 256, ldb: 128, ldc: 128 };
  const { m, n, k, lda, ldb, ldc } = job;
  const flops = 2 * m * n * k;
  const rt = await Runtime.open({ target, backend: 'emulator', log: () => {} });
  try {
    const a = rt.alloc(Float32Array, (m - 1) * lda + k), b = rt.alloc(Float32Array, (k - 1) * ldb + n), c = rt.alloc(Float32Array, (m - 1) * ldc + n);
    fill(a, 5);
    fill(b, 6);
    fill(c, 7);
    const c0 = Float32Array.from(c);
    const alpha = 0.75, beta = -1.25;
    const r = await sgemm(rt, { m, n, k, alpha, a, lda, b, ldb, beta, c, ldc });
    for (const [i, j] of [[0, 0], [m - 1, n - 1], [m >> 1, 3], [5, n - 2]] as const) {
      let s = 0, abs = 0;
      for (let q = 0; q < k; q++) (s += (a[i * lda + q] as number) * (b[q * ldb + j] as number)), (abs += Math.abs((a[i * lda + q] as number) * (b[q * ldb + j] as number)));
      const want = alpha * s + beta * (c0[i * ldc + j] as number);
      need(Math.abs((c[i * ldc + j] as number) - want) <= 1e-4 * (abs + 4), `sgemm C[${i}][${j}] = ${c[i * ldc + j]}, want ${want}`);
    }
    const seconds = r.profile?.seconds;
    need(seconds !== undefined && seconds > 0, `sgemm on ${target} has no profile`);
    let handwritten: { name: string; seconds: number };
    if (target === 'vc7') {
      const pv7 = runPv7Sgemm(m, k, n);
      need(pv7.maxAbsError < 1e-3, 'hand-written pv7 sgemm is wrong');
      handwritten = { name: 'py-videocore7 sgemm (same m×n×k)', seconds: pv7.result.profile.seconds };
    } else if (target === 'vc6') {
      const pv6 = runPv6Sgemm(m, k, n, { alpha, beta, lda, ldb, ldc });
      need(pv6.maxAbsError < 1e-3, 'hand-written pv6 sgemm is wrong');
      handwritten = { name: 'py-videocore6 sgemm (same m×n×k)', seconds: pv6.result.profile.seconds };
    } else {
      const hw = sgemmModel();
      need(hw.maxRelError <= 1e-5, 'hand-written vc4 sgemm is wrong');
      handwritten = { name: 'py-videocore-shaped sgemm (same job)', seconds: hw.seconds };
    }
    return [{ name: `sgemm ${m}×${n}×${k}`, target, seconds: seconds as number, bound: 'compute', flops, bytes: 4 * (m * k + k * n + 2 * m * n), bytesWritten: 4 * m * n, handwritten }];
  } finally {
    rt.close();
  }
}

/** Rows of the BLAS family on `target`. */
export async function rows(target: Target): Promise<KernelRowWithWrites[]> {
  return [...(await blas1(target)), ...(await blas2(target)), ...(await blas3(target))];
}
