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
import { isamax, saxpy, sasum, scopy, sdot, snrm2, sscal, sswap } from '../../kernels/index.ts';
import { runStream } from '../fixtures/handwritten.ts';
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

/** Rows of the BLAS family on `target`. */
export async function rows(target: Target): Promise<KernelRowWithWrites[]> {
  return [...(await blas1(target))];
}
