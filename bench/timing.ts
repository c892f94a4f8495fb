/**
 * `npm run bench -- timing`: the timing models' predictions for programs with
 * the published programs' structure (bench/programs/, bench/vc4-sgemm.ts, bench/vc4-hello-fft.ts) next to the published measurements, each marked
 * "fitted" (a model constant was chosen to reproduce that figure, so the row
 * only checks consistency) or "predicted" (no constant was fitted to it).
 * Counting follows each publication: MB/s = length * 4 bytes / seconds
 * (py-videocore6/7 examples), GFLOP/s = flops the example counts / seconds.
 * The constants and what they were fitted to: runtime/emulator/v3d/timing.ts,
 * runtime/emulator/vc4/timing.ts, docs/timing-model.md.
 */
import { pathToFileURL } from 'node:url';
import { runMemset, runMemsetScalar, runScopy, runScopyScalar, runSummation, runSummationScalar } from './programs/bandwidth.ts';
import { runPv6Sgemm } from './programs/sgemm-pv6.ts';
import { runPv7Sgemm } from './programs/sgemm-pv7.ts';
import { sgemmModel as vc4Sgemm } from './vc4-sgemm.ts';
import { helloFftErrorBound, runHelloFft } from './vc4-hello-fft.ts';

/** One compared figure. */
export interface TimingRow {
  target: 'vc4' | 'vc6' | 'vc7';
  kernel: string;
  published: number;
  unit: string;
  predicted: number;
  /** 'fitted' if a model constant was chosen to reproduce `published`. */
  kind: 'fitted' | 'predicted';
  /** Which constant (fitted rows) or what the figure depends on (predicted rows). */
  note: string;
  source: string;
}

/** Run every program and compare. */
export function timingRows(): TimingRow[] {
  const rows: TimingRow[] = [];
  const sum = runSummation(1 << 21);
  rows.push({ target: 'vc6', kernel: 'summation (vec4 loads, 8 QPUs)', published: 7241, unit: 'MB/s', predicted: sum.mbps, kind: 'fitted', note: 'MEMORY_PATH[42].readGBps', source: 'pv6 README' });
  const ms = runMemset(1 << 21);
  rows.push({ target: 'vc6', kernel: 'memset (vec4 stores, 8 QPUs)', published: 3751, unit: 'MB/s', predicted: ms.mbps, kind: 'fitted', note: 'MEMORY_PATH[42].writeGBps', source: 'pv6 README' });
  const sc6 = runScopy(42, 8, 1 << 20);
  rows.push({ target: 'vc6', kernel: 'scopy (vec4 + prefetch, 8 QPUs)', published: 2424, unit: 'MB/s', predicted: sc6.mbps, kind: 'predicted', note: 'read + write bandwidth', source: 'pv6 README' });
  // The same examples before pv6 PR #53 (scalar lookups): figures no constant was fitted to.
  rows.push({ target: 'vc6', kernel: 'summation, scalar loads (pre-#53)', published: 7010, unit: 'MB/s', predicted: runSummationScalar(1 << 21).mbps, kind: 'predicted', note: 'readGBps, latencyNs', source: 'pv6 PR #53' });
  rows.push({ target: 'vc6', kernel: 'memset, scalar stores (pre-#53)', published: 3739, unit: 'MB/s', predicted: runMemsetScalar(1 << 21).mbps, kind: 'predicted', note: 'writeGBps', source: 'pv6 PR #53' });
  rows.push({ target: 'vc6', kernel: 'scopy, scalar, no prefetch (pre-#53)', published: 2386, unit: 'MB/s', predicted: runScopyScalar(1 << 20).mbps, kind: 'predicted', note: 'read + write bandwidth, latencyNs', source: 'pv6 PR #53' });
  // py-videocore6's sgemm program (64 x 1024 x 128; the published run is 1024^3, too slow for the emulator).
  const sg6 = runPv6Sgemm(64, 1024, 128, { hazards: 'off' });
  if (sg6.maxAbsError > 1e-3) throw new Error(`vc6 sgemm kernel computed a wrong result (max abs error ${sg6.maxAbsError})`);
  rows.push({ target: 'vc6', kernel: 'sgemm (gathered A column, 8 threads)', published: 3.878, unit: 'GFLOP/s', predicted: sg6.flops / sg6.result.profile.seconds / 1e9, kind: 'fitted', note: 'MEMORY_PATH.lineNs', source: 'pv6 README' });
  const sc7a = runScopy(71, 1, 1 << 18);
  rows.push({ target: 'vc7', kernel: 'scopy, 1 QPU', published: 1689, unit: 'MB/s', predicted: sc7a.mbps, kind: 'predicted', note: 'latency in ns at 960 MHz', source: 'pv7 README' });
  const sc7 = runScopy(71, 12, 1 << 20);
  rows.push({ target: 'vc7', kernel: 'scopy, 12 QPUs (pv7 counts length * 4)', published: 4142, unit: 'MB/s', predicted: sc7.mbps, kind: 'fitted', note: 'V71_BANDWIDTH_SCALE', source: 'pv7 README' });
  const sg7 = runPv7Sgemm(96, 1024, 256, { hazards: 'off' });
  if (sg7.maxAbsError > 1e-3) throw new Error(`vc7 sgemm kernel computed a wrong result (max abs error ${sg7.maxAbsError})`);
  rows.push({ target: 'vc7', kernel: 'sgemm (rot broadcast, 2 threads/QPU)', published: 21.38, unit: 'GFLOP/s', predicted: sg7.flops / sg7.result.profile.seconds / 1e9, kind: 'predicted', note: 'SFU shared per slice, SFU_OP_CYCLES derived', source: 'pv7 README' });
  const sg4 = vc4Sgemm();
  rows.push({ target: 'vc4', kernel: 'sgemm (py-videocore structure, 12 QPUs)', published: 8, unit: 'GFLOP/s', predicted: sg4.gflops, kind: 'fitted', note: 'VC4_TIMING.memoryBytesPerTick', source: 'py-videocore README' });
  // hello_fft's per-transform times for batches of 10 on a Pi 1 (250 MHz, the model's clock).
  for (const [n, published] of [[256, 17], [4096, 270]] as const) {
    const hf = helloFft(n, 10);
    rows.push({ target: 'vc4', kernel: `hello_fft ${n}-point (release 3.0 structure, 8 QPUs), batch of 10`, published, unit: 'µs per transform', predicted: hf, kind: 'predicted', note: 'VC4_TIMING, no constant fitted', source: 'hello_fft gpu_fft.txt' });
  }
  return rows;
}

/** Modelled µs per transform of the hello_fft-shaped program on `batch` transforms; the first one checked against a direct DFT. */
function helloFft(n: number, batch: number): number {
  const re = new Float32Array(n * batch);
  const im = new Float32Array(n * batch);
  let s = 3;
  for (let i = 0; i < n * batch; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    re[i] = (s >>> 8) / 2 ** 23 - 1;
    im[i] = Math.cos(i);
  }
  const r = runHelloFft(n, re, im);
  let err = 0;
  let norm = 0;
  for (let k = 0; k < n; k++) {
    let xr = 0;
    let xi = 0;
    for (let j = 0, m = 0; j < n; j++, m = (m + k) % n) {
      const a = (-2 * Math.PI * m) / n;
      xr += (re[j] as number) * Math.cos(a) - (im[j] as number) * Math.sin(a);
      xi += (re[j] as number) * Math.sin(a) + (im[j] as number) * Math.cos(a);
    }
    err += ((r.re[k] as number) - xr) ** 2 + ((r.im[k] as number) - xi) ** 2;
    norm += xr * xr + xi * xi;
  }
  if (!(Math.sqrt(err / norm) <= helloFftErrorBound(n))) throw new Error(`hello_fft ${n}-point program computed a wrong result (relative RMS error ${Math.sqrt(err / norm)})`);
  return (r.seconds / batch) * 1e6;
}

/** Signed difference in percent. */
export function diffPercent(r: TimingRow): number {
  return ((r.predicted - r.published) / r.published) * 100;
}

/** Rows for `npm run bench`. */
export async function run(): Promise<{ name: string; value: number; unit: string; goal?: string }[]> {
  return timingRows().map((r) => {
    const d = diffPercent(r);
    return {
      name: `${r.target} ${r.kernel} [${r.kind}: ${r.note}]`,
      value: r.unit === 'MB/s' ? Math.round(r.predicted) : Math.round(r.predicted * 100) / 100,
      unit: `${r.unit} (published ${r.published}, ${d >= 0 ? '+' : ''}${d.toFixed(1)}%)`,
      goal: 'within ±15%',
    };
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of timingRows()) {
    const d = diffPercent(r);
    console.log(`| ${r.target} | ${r.kernel} | ${r.published} ${r.unit} | ${r.unit === 'MB/s' ? Math.round(r.predicted) : r.predicted.toFixed(2)} | ${d >= 0 ? '+' : ''}${d.toFixed(1)} % | ${r.kind} (${r.note}) | ${r.source} |`);
  }
}
