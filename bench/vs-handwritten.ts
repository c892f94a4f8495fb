/**
 * `npm run bench -- vs-handwritten`: the compiler's output for a kernel
 * written the natural way (a plain grid-stride loop, one element per lane per
 * iteration; a naive triple-loop sgemm with one dot product per lane) against
 * hand-written QPU assembly for the same job (bench/fixtures/handwritten.ts,
 * shaped like py-videocore6/7's examples), both run in this process on the
 * V3D emulator's timing model, with the same sizes and QPU counts. Results
 * of both are checked in plain JavaScript.
 *
 * Work is counted as the published figures count it: streaming jobs bytes of
 * the array once (scopy: the bytes copied), sgemm 2 p q r flops.
 * Sizes are scaled down from py-videocore's (whole-array runs of 16–24 Mi
 * elements would take minutes in the emulator): 256 vec4 passes per QPU for
 * the streaming jobs, and 16 x 16 outputs per QPU over 256 k steps for sgemm;
 * both sides use the same size, and the ratio is what the row reports.
 * The sgemm rows' hand-written side is the simplified kernel of
 * bench/fixtures/handwritten.ts (py-videocore6's inner loop, one tile per QPU,
 * no alpha/beta), kept because it computes exactly the naive kernel's job;
 * the published programs' full structure is the yardstick of the library's
 * sgemm in `npm run bench -- kernels` (bench/programs/sgemm-pv6.ts, -pv7.ts).
 */
import { fileURLToPath } from 'node:url';
import { compileFile } from '../compiler/compile.ts';
import type { CompiledKernel } from '../compiler/compile.ts';
import { Runtime } from '../runtime/index.ts';
import type { BenchRow } from './index.ts';
import { runSgemm, runStream, type StreamJob, type V3dVer } from './fixtures/handwritten.ts';

const memoryFile = fileURLToPath(new URL('../kernels/memory.ts', import.meta.url));
const naturalFile = fileURLToPath(new URL('./fixtures/natural.ts', import.meta.url));

const PASSES = 256;
const K_STEPS = 256;

function kernelOf(file: string, name: string, target: 'vc6' | 'vc7'): CompiledKernel {
  const k = compileFile(file, { target }).kernels.find((x) => x.name === name);
  if (!k) throw new Error(`${name} did not compile for ${target}`);
  return k;
}

/** Modelled seconds of the compiled natural kernel for a streaming job; throws when its result is wrong. */
async function compiledStream(rt: Runtime, kind: StreamJob, qpus: number, n: number): Promise<number> {
  const target = rt.target as 'vc6' | 'vc7';
  const src = rt.alloc(Uint32Array, n);
  for (let i = 0; i < n; i++) src[i] = (i * 2654435761) >>> 0;
  let seconds: number;
  if (kind === 'summation') {
    const partial = rt.alloc(Uint32Array, qpus * 16);
    const r = await rt.launch(kernelOf(memoryFile, 'Mem.sum', target), { qpus }, n, src, partial);
    let want = 0;
    for (let i = 0; i < n; i++) want = (want + (src[i] as number)) >>> 0;
    if (partial.reduce((x, y) => (x + y) >>> 0, 0) !== want) throw new Error(`compiled summation (${target}) is wrong`);
    seconds = r.profile?.seconds ?? NaN;
  } else if (kind === 'memset') {
    const dst = rt.alloc(Uint32Array, n);
    const r = await rt.launch(kernelOf(memoryFile, 'Mem.fill', target), { qpus }, n, 7, dst);
    if (!dst.every((v) => v === 7)) throw new Error(`compiled memset (${target}) is wrong`);
    seconds = r.profile?.seconds ?? NaN;
  } else {
    // Mem.copy takes f32 pointers: the same bit patterns through a Float32Array view.
    const fsrc = rt.alloc(Float32Array, n);
    new Uint32Array(fsrc.buffer, fsrc.byteOffset, n).set(src);
    const dst = rt.alloc(Float32Array, n);
    const r = await rt.launch(kernelOf(memoryFile, 'Mem.copy', target), { qpus }, n, fsrc, dst);
    const got = new Uint32Array(dst.buffer, dst.byteOffset, n);
    for (let i = 0; i < n; i++) if (got[i] !== src[i]) throw new Error(`compiled scopy (${target}) is wrong at ${i}`);
    seconds = r.profile?.seconds ?? NaN;
  }
  return seconds;
}

/** Modelled seconds of the natural sgemm: p = 16 rows, r = 16 qpus columns (one per lane), q = K_STEPS. */
async function compiledSgemm(rt: Runtime, qpus: number): Promise<number> {
  const target = rt.target as 'vc6' | 'vc7';
  const p = 16, q = K_STEPS, r = 16 * qpus;
  const a = rt.alloc(Float32Array, p * q), b = rt.alloc(Float32Array, q * r), c = rt.alloc(Float32Array, p * r);
  for (let i = 0; i < a.length; i++) a[i] = ((i * 7) % 13 - 6) / 8;
  for (let i = 0; i < b.length; i++) b[i] = ((i * 5) % 11 - 5) / 8;
  const res = await rt.launch(kernelOf(naturalFile, 'Natural.sgemm', target), { qpus }, p, q, r, a, b, c);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < r; j++) {
      let want = 0;
      for (let k = 0; k < q; k++) want += (a[i * q + k] as number) * (b[k * r + j] as number);
      if (c[i * r + j] !== want) throw new Error(`compiled sgemm (${target}) is wrong at C[${i}][${j}]: ${c[i * r + j]} != ${want}`);
    }
  }
  return res.profile?.seconds ?? NaN;
}

/** One job on one target: modelled rates of both sides and their ratio. */
export interface Comparison {
  target: 'vc6' | 'vc7';
  job: string;
  qpus: number;
  unit: 'MB/s' | 'GFLOP/s';
  compiled: number;
  handwritten: number;
  ratio: number;
}

/** Every comparison of the table (also used by tests of the bench). */
export async function compare(): Promise<Comparison[]> {
  const out: Comparison[] = [];
  for (const [target, ver] of [['vc6', 42], ['vc7', 71]] as const) {
    const rt = await Runtime.open({ backend: 'emulator', target, log: () => {} });
    try {
      const full = ver === 42 ? 8 : 12;
      const jobs: [StreamJob, number][] = [['summation', full], ['memset', full], ['scopy', full]];
      if (ver === 71) jobs.push(['scopy', 1]); // py-videocore7 publishes scopy on 1 and 12 QPUs
      for (const [kind, qpus] of jobs) {
        const n = qpus * 64 * PASSES;
        const hw = runStream(ver as V3dVer, kind, qpus, n);
        const seconds = await compiledStream(rt, kind, qpus, n);
        const handwritten = hw.work / hw.seconds / 1e6, compiled = hw.work / seconds / 1e6;
        out.push({ target, job: kind, qpus, unit: 'MB/s', compiled, handwritten, ratio: compiled / handwritten });
      }
      const hw = runSgemm(ver as V3dVer, full, K_STEPS);
      const seconds = await compiledSgemm(rt, full);
      const handwritten = hw.work / hw.seconds / 1e9, compiled = hw.work / seconds / 1e9;
      out.push({ target, job: 'sgemm', qpus: full, unit: 'GFLOP/s', compiled, handwritten, ratio: compiled / handwritten });
    } finally {
      rt.close();
    }
  }
  return out;
}

/** Bench rows: per job and target, compiled and hand-written rates and the ratio (goal: streaming >= 0.9, sgemm >= 0.5). */
export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  // vc4 rows (bench/vs-handwritten-vc4.ts).
  rows.push(...(await (await import('./vs-handwritten-vc4.ts')).run()));
  for (const c of await compare()) {
    const what = `${c.target} ${c.job}, ${c.qpus} QPU${c.qpus > 1 ? 's' : ''}`;
    const digits = c.unit === 'MB/s' ? 0 : 3;
    rows.push({
      name: `${what}: compiled / hand-written`,
      value: Math.round(c.ratio * 1000) / 1000,
      unit: `ratio (${c.compiled.toFixed(digits)} / ${c.handwritten.toFixed(digits)} ${c.unit}, modelled)`,
      goal: c.job === 'sgemm' ? '>= 0.5' : '>= 0.9',
    });
  }
  return rows;
}
