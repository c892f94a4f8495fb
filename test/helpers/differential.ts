/**
 * Differential testing of a compiled kernel: the same inputs through the
 * reference interpreter (`backend: 'reference'`) and through the emulator
 * running the V3D backend's code, then every pointer argument's memory
 * compared. Inputs come from a seeded generator; expected values come from
 * the interpreter, never from the backend under test.
 */
import type { CompiledKernel } from '../../compiler/backend/index.ts';
import type { IrFunction } from '../../compiler/ir/types.ts';
import { Runtime, type Target } from '../../runtime/index.ts';
import type { GpuArray, TypedArrayConstructor } from '../../runtime/buffers.ts';
import { rng } from '../../compiler/testing/rng.ts';
import { userParamCount } from '../../compiler/kernel-image.ts';

export { rng } from '../../compiler/testing/rng.ts';

/** How one element of an input array is drawn. */
export type Gen = (r: () => number, i: number) => number;

const F32_SPECIAL = [0, -0, 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, 3, 1e30, -1e30, 1e-30, Infinity, -Infinity, NaN, 0.49999997, 16777217, -2147483648, 4294967296, 3e9];
const I32_SPECIAL = [0, 1, -1, 2, -2, 7, -7, 13, 2147483647, -2147483648, 65536, -65536, 0x7fff, 1 << 30];

/** The default generator for an element type: some special values, else random magnitudes. */
export function defaultGen(elem: string): Gen {
  switch (elem) {
    case 'f32':
      return (r) => {
        if (r() < 0.2) return F32_SPECIAL[Math.floor(r() * F32_SPECIAL.length)] as number;
        // Magnitudes 2^-20 .. 2^20: products and quotients stay clear of denormals (flushed by the QPU).
        return (r() < 0.5 ? -1 : 1) * (1 + r()) * 2 ** Math.floor(r() * 40 - 20);
      };
    case 'i32':
    case 'u32':
      return (r) => {
        const v = r() < 0.25 ? (I32_SPECIAL[Math.floor(r() * I32_SPECIAL.length)] as number) : Math.floor(r() * 2 ** Math.floor(r() * 33)) * (r() < 0.5 ? -1 : 1);
        return elem === 'u32' ? v >>> 0 : v | 0;
      };
    default:
      return (r) => Math.floor(r() * 65536) - 32768;
  }
}

/** Uniform f32 in [lo, hi). */
export const uniformF32 = (lo: number, hi: number): Gen => (r) => lo + (hi - lo) * r();
/** Integers in [lo, hi]. */
export const intIn = (lo: number, hi: number): Gen => (r) => lo + Math.floor(r() * (hi - lo + 1));

/** `specials` one time in five, else `gen`. */
export const withSpecials = (specials: number[], gen: Gen): Gen => (r, i) =>
  r() < 0.2 ? (specials[Math.floor(r() * specials.length)] as number) : gen(r, i);

/** Per-kernel test parameters. */
export interface KernelSpec {
  /** Batches to launch (default 3). */
  qpus?: number;
  /** Or a grid of workgroups (`rt.launch`'s `grid`); `qpus` is then the batches it makes, for sizing the arrays. */
  grid?: number[];
  /** Value of a scalar parameter named `n` (default 150: not a multiple of 16). */
  n?: number;
  /** Other scalar parameters. */
  scalars?: Record<string, number>;
  /** Element generators per pointer parameter name. */
  gen?: Record<string, Gen>;
  /** f32 outputs may differ by this many units in the last place (default 0: bit-exact). */
  ulps?: number;
  /** f32 outputs may differ by this relative error instead (qpu.fast.*). */
  rel?: number;
}

const CTORS: Record<string, TypedArrayConstructor> = {
  f32: Float32Array, i32: Int32Array, u32: Uint32Array, u8: Uint8Array, u16: Uint16Array, i8: Int8Array, i16: Int16Array,
};

/** Distance in representable f32 values between two finite-or-infinite floats (NaN handled by the caller). */
export function ulpDistance(a: number, b: number): number {
  const key = (x: number) => {
    const u = new Uint32Array(new Float32Array([x]).buffer)[0] as number;
    return u & 0x80000000 ? -(u & 0x7fffffff) : u;
  };
  return Math.abs(key(a) - key(b));
}

/** Whether an emulator result matches the reference under the spec's tolerance. */
function matches(elem: string, got: number, want: number, spec: KernelSpec): boolean {
  if (elem !== 'f32') return got === want;
  if (Number.isNaN(want) || Number.isNaN(got)) return Number.isNaN(want) && Number.isNaN(got);
  if (Object.is(got, want)) return true;
  // The QPU float ALU flushes denormal results to zero (emulator choice, docs/backend-v3d.md): a denormal
  // reference result may come back as a zero of the same sign.
  if (got === 0 && want !== 0 && Math.abs(want) < 2 ** -126 && Math.sign(want) === (Object.is(got, -0) ? -1 : 1)) return true;
  if (spec.rel !== undefined) return Math.abs(got - want) <= spec.rel * Math.abs(want) || ulpDistance(got, want) <= 1;
  return ulpDistance(got, want) <= (spec.ulps ?? 0);
}

/** Mismatches found by one differential run (empty when the backends agree). */
export interface DiffResult {
  mismatches: string[];
  hazards: number;
}

/**
 * Run `kernel` (compiled for `target`) on the emulator and on the reference
 * interpreter with the same generated inputs; compare every array. With
 * `referenceIr` the reference interprets that IR instead of the kernel's
 * optimised one.
 */
export async function differential(kernel: CompiledKernel, target: Target, spec: KernelSpec, seed: number, referenceIr?: IrFunction): Promise<DiffResult> {
  const qpus = spec.qpus ?? 3;
  const n = spec.n ?? 150;
  const base = Math.max(n, qpus * 16);
  const r = rng(seed);
  const inputs: { name: string; elem: string; data: number[] }[] = [];
  const scalars: number[] = [];
  // Constant tables and the private buffer are the last parameters; the runtime passes them.
  const params = kernel.params.slice(0, userParamCount(kernel));
  for (const p of params) {
    const m = /^ptr<(\w+)>$/.exec(p.type);
    if (m) {
      const elem = m[1] as string;
      const gen = spec.gen?.[p.name] ?? defaultGen(elem);
      // Room for kernels that write up to 8 words per element.
      inputs.push({ name: p.name, elem, data: Array.from({ length: base * 8 }, (_, i) => gen(r, i)) });
    } else scalars.push(p.name === 'n' ? n : (spec.scalars?.[p.name] ?? 3));
  }
  const run = async (backend: 'emulator' | 'reference'): Promise<{ arrays: GpuArray[]; hazards: number }> => {
    const rt = await Runtime.open({ target, backend, log: () => undefined });
    try {
      const arrays = inputs.map((inp) => {
        const a = rt.alloc(CTORS[inp.elem] as TypedArrayConstructor, inp.data.length);
        a.set(inp.data);
        return a;
      });
      let si = 0;
      let ai = 0;
      const args = params.map((p) => (p.type.startsWith('ptr<') ? arrays[ai++] : scalars[si++]));
      // The reference may interpret another IR of the kernel (the unoptimised one), so that a wrong pass shows.
      const launched = backend === 'reference' && referenceIr ? { ...kernel, ir: referenceIr } : kernel;
      const res = await rt.launch(launched, spec.grid ? { grid: spec.grid } : { qpus }, ...args);
      return { arrays: arrays.map((a) => a.slice()), hazards: res.hazards.length };
    } finally {
      rt.close();
    }
  };
  const want = await run('reference');
  const got = await run('emulator');
  const mismatches: string[] = [];
  inputs.forEach((inp, k) => {
    const g = got.arrays[k] as GpuArray;
    const w = want.arrays[k] as GpuArray;
    for (let i = 0; i < g.length && mismatches.length < 8; i++) {
      if (!matches(inp.elem, g[i] as number, w[i] as number, spec)) {
        const ins = inputs.filter((x) => x !== inp).map((x) => `${x.name}[${i}]=${x.data[i]}`).join(' ');
        mismatches.push(`${inp.name}[${i}]: emulator ${g[i]}, reference ${w[i]} (${ins})`);
      }
    }
  });
  return { mismatches, hazards: got.hazards };
}
