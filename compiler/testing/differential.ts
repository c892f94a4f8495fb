/**
 * The differential-testing harness: for a seed, generate a random kernel,
 * compile it, run it on one or more executors, and compare their memory with
 * a direct evaluation of the same kernel (compiler/testing/evaluate.ts).
 * Backends plug in as {@link DiffExecutor}s (the emulator later).
 */
import type { IrFunction } from '../ir/types.ts';
import { loadKernels } from '../frontend/index.ts';
import { formatDiagnostic } from '../diagnostics.ts';
import { prepareForBackend } from '../passes/pipeline.ts';
import { printFunction } from '../ir/print.ts';
import { parseFunction } from '../ir/parse.ts';
import { verifyFunction } from '../ir/verify.ts';
import { ArrayMemory, interpretKernel } from '../ir/interpret.ts';
import { generateKernel, printKernel, rng } from './generate.ts';
import { evaluateKernel } from './evaluate.ts';
import type { GenMemory } from './evaluate.ts';
import { INPUT_LEN, OUT_SLOTS, STREAM_LEN } from './ast.ts';
import type { GenOptions } from './generate.ts';

/** The kernel's pointer arguments in parameter order: a (i32), b (u32), f (f32), out (i32), outf (f32), and w (i32) for generator version 2. */
export type DiffArrays = [Int32Array, Uint32Array, Float32Array, Int32Array, Float32Array] | [Int32Array, Uint32Array, Float32Array, Int32Array, Float32Array, Int32Array];

/**
 * Something that runs a compiled kernel: the interpreter on some form of the
 * IR, or a backend on the emulator. It runs `Gen.k` with the arrays as its
 * pointer arguments and leaves the results in them.
 */
export interface DiffExecutor {
  name: string;
  /**
   * True when the executor flushes f32 denormals to zero (the V3D float ALU
   * and the emulator, docs/backend-v3d.md): seeds whose evaluation touches
   * the denormal range are then not compared on it, and counted as such.
   */
  flushesDenormals?: boolean;
  /** `source` is the kernel's TS text, `ir` the frontend's IR; executors compile as they need. */
  run(kernel: { source: string; ir: IrFunction }, arrays: DiffArrays, qpus: number): void | Promise<void>;
}

/** Runs `fn` on the interpreter with the arrays laid out in one memory, copying results back. */
export function interpretOnArrays(fn: IrFunction, arrays: DiffArrays, qpus: number): void {
  const base = 0x10000;
  const offsets: number[] = [];
  let size = 0;
  for (const a of arrays) (offsets.push(size), (size += a.byteLength));
  const mem = new ArrayMemory(new ArrayBuffer(size), base);
  const bytes = new Uint8Array(mem.buffer);
  arrays.forEach((a, i) => bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offsets[i]!));
  interpretKernel(fn, offsets.map((o) => ({ address: base + o })), mem, { qpus });
  arrays.forEach((a, i) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength).set(bytes.subarray(offsets[i]!, offsets[i]! + a.byteLength)));
}

/** The interpreter on the frontend's per-lane IR (before SPMD lowering). */
export const perLaneInterpreter: DiffExecutor = {
  name: 'interpreter (per-lane IR)',
  run: (k, arrays, qpus) => interpretOnArrays(parseFunction(printFunction(k.ir)), arrays, qpus),
};

/** The interpreter on the IR backends receive (after lowering and optimisation), verified first. */
export const loweredInterpreter: DiffExecutor = {
  name: 'interpreter (lowered + optimised IR)',
  run: (k, arrays, qpus) => {
    const fn = prepareForBackend(parseFunction(printFunction(k.ir)));
    const errors = verifyFunction(fn, { lowered: true });
    if (errors.length > 0) throw new Error(`lowered IR does not verify:\n${errors.join('\n')}`);
    interpretOnArrays(fn, arrays, qpus);
  },
};

/** Outcome of one seed. */
export interface DiffResult {
  seed: number;
  ok: boolean;
  /** The direct evaluation produced an f32 denormal: flush-to-zero executors were not compared (see DiffExecutor). */
  denormal?: boolean;
  /** Executors not compared on this seed (flush-to-zero executors on a denormal seed). */
  skipped?: string[];
  /** What went wrong, with the kernel source, when not ok. */
  message?: string;
  source: string;
}

/** The input arrays (and zeroed outputs) the harness uses for a seed. */
export function inputs(seed: number, qpus: number, options: GenOptions = {}): GenMemory {
  const r = rng(seed ^ 0x5bd1e995);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const n = qpus * 16 * OUT_SLOTS;
  // Version 2 kernels index a, b, f and w up to STREAM_LEN in grid-stride loops.
  const length = options.version === 2 ? STREAM_LEN : INPUT_LEN;
  const ints = () => Int32Array.from({ length }, () => pick([0, 1, -1, 2, 7, -100, 2147483647, -2147483648, Math.floor(r() * 2000) - 1000]));
  return {
    a: ints(),
    b: Uint32Array.from({ length }, () => pick([0, 1, 3, 16, 0xffffffff, 0x80000000, Math.floor(r() * 100000)])),
    f: Float32Array.from({ length }, () => pick([0, -0, 1, -1.5, 0.1, 1e20, -3e9, NaN, Infinity, (r() - 0.5) * 1000])),
    out: new Int32Array(n),
    outf: new Float32Array(n),
    ...(options.version === 2 ? { w: ints() } : {}),
  };
}

/** The arrays of `m` in parameter order. */
function arraysOf(m: GenMemory): DiffArrays {
  return m.w ? [m.a, m.b, m.f, m.out, m.outf, m.w] : [m.a, m.b, m.f, m.out, m.outf];
}

function sameF32(x: number, y: number): boolean {
  return (Number.isNaN(x) && Number.isNaN(y)) || Object.is(x, y);
}

/** Runs one seed on every executor. Never throws: failures are reported in the result. */
export async function checkSeed(seed: number, executors: readonly DiffExecutor[] = [perLaneInterpreter, loweredInterpreter], options: GenOptions = {}): Promise<DiffResult> {
  const gen = generateKernel(seed, options);
  const source = printKernel(gen);
  const fail = (message: string): DiffResult => ({ seed, ok: false, source, message: `seed ${seed}: ${message}\n--- kernel ---\n${source}` });
  const qpus = 1 + (seed % 3);
  const m = loadKernels(`/generated/seed${seed}.ts`, { source });
  if (m.diagnostics.length > 0) return fail(`compile errors:\n${m.diagnostics.map((d) => formatDiagnostic(d, source)).join('\n')}`);
  const ir = m.kernels.get('Gen.k');
  if (!ir) return fail('kernel Gen.k missing');
  const want = inputs(seed, qpus, options);
  const { denormal } = evaluateKernel(gen, want, qpus);
  const skipped: string[] = [];
  for (const ex of executors) {
    if (denormal && ex.flushesDenormals) {
      skipped.push(ex.name);
      continue;
    }
    const got = inputs(seed, qpus, options);
    try {
      await ex.run({ source, ir }, arraysOf(got), qpus);
    } catch (e) {
      return fail(`${ex.name} threw: ${e instanceof Error ? e.message : String(e)}`);
    }
    for (let i = 0; i < want.out.length; i++) {
      if (got.out[i] !== want.out[i]) return fail(`${ex.name}: out[${i}] (lane ${Math.floor(i / OUT_SLOTS)}) = ${got.out[i]}, expected ${want.out[i]}`);
      if (!sameF32(got.outf[i]!, want.outf[i]!)) return fail(`${ex.name}: outf[${i}] (lane ${Math.floor(i / OUT_SLOTS)}) = ${got.outf[i]}, expected ${want.outf[i]}`);
    }
    const w = want.w ?? [];
    for (let i = 0; i < w.length; i++) if (got.w![i] !== w[i]) return fail(`${ex.name}: w[${i}] = ${got.w![i]}, expected ${w[i]}`);
  }
  return { seed, ok: true, source, ...(denormal ? { denormal } : {}), ...(skipped.length > 0 ? { skipped } : {}) };
}
