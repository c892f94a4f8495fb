/**
 * The intrinsic functions kernels may call, as data: `qpu.*`, `qpu.fast.*`,
 * `Math.*` and constants. Expression lowering reads these tables.
 */
import type { AtomicRmw, OpName } from '../ir/ops.ts';

/** How an intrinsic's operands and result are typed. */
export type IntrinsicShape =
  | 'id' // () -> u32
  | 'f32' // (f32) -> f32
  | 'f32x2' // (f32, f32) -> f32
  | 'num2' // (T, T) -> T for T in i32 u32 f32; op by type
  | 'abs' // (T) -> T
  | 'int1' // (int) -> same int
  | 'int2' // (int, int) -> same int
  | 'bytes2' // (u32, u32) -> u32: four u8 lanes per word
  | 'lanes' // (T, int) -> T, T numeric
  | 'bool1' // (bool) -> bool
  | 'reduce' // (T) -> T, T numeric
  | 'void0' // () -> void
  | 'atomic' // (Ptr<T>, int index, T) -> T, T i32 or u32
  | 'atomicCas' // (Ptr<T>, int index, T expected, T desired) -> T
  | 'fround'; // (f32) -> f32, identity

/** An intrinsic: its shape and IR op (for `num2`, int op / float op). */
export interface Intrinsic {
  shape: IntrinsicShape;
  op: OpName;
  fop?: OpName;
  /** `qpu.atomic*`: the read-modify-write operation (`attrs.rmw` of the `atomic` op). */
  rmw?: AtomicRmw;
  /** `qpu.fast.*`: the op carries `attrs.fast`, so backends may give the raw special-function-unit result. */
  fast?: boolean;
}

/** `qpu.name(...)`. */
export const QPU_INTRINSICS: Readonly<Record<string, Intrinsic>> = {
  laneId: { shape: 'id', op: 'lane_id' },
  qpuId: { shape: 'id', op: 'qpu_id' },
  numQpus: { shape: 'id', op: 'num_qpus' },
  rotate: { shape: 'lanes', op: 'rotate' },
  broadcast: { shape: 'lanes', op: 'broadcast' },
  any: { shape: 'bool1', op: 'any' },
  all: { shape: 'bool1', op: 'all' },
  reduceAdd: { shape: 'reduce', op: 'reduce_add' },
  reduceMin: { shape: 'reduce', op: 'reduce_min' },
  reduceMax: { shape: 'reduce', op: 'reduce_max' },
  barrier: { shape: 'void0', op: 'barrier' },
  atomicAdd: { shape: 'atomic', op: 'atomic', rmw: 'add' },
  atomicSub: { shape: 'atomic', op: 'atomic', rmw: 'sub' },
  atomicMin: { shape: 'atomic', op: 'atomic', rmw: 'min' },
  atomicMax: { shape: 'atomic', op: 'atomic', rmw: 'max' },
  atomicAnd: { shape: 'atomic', op: 'atomic', rmw: 'and' },
  atomicOr: { shape: 'atomic', op: 'atomic', rmw: 'or' },
  atomicXor: { shape: 'atomic', op: 'atomic', rmw: 'xor' },
  atomicExchange: { shape: 'atomic', op: 'atomic', rmw: 'xchg' },
  atomicCompareExchange: { shape: 'atomicCas', op: 'atomic_cas' },
  addBytesSat: { shape: 'bytes2', op: 'uaddsat8' },
  subBytesSat: { shape: 'bytes2', op: 'usubsat8' },
  minBytes: { shape: 'bytes2', op: 'umin8' },
  maxBytes: { shape: 'bytes2', op: 'umax8' },
};

/** `qpu.fast.name(x)`: raw special-function-unit results. */
export const FAST_INTRINSICS: Readonly<Record<string, Intrinsic>> = {
  recip: { shape: 'f32', op: 'frecip' },
  rsqrt: { shape: 'f32', op: 'frsqrt' },
  exp2: { shape: 'f32', op: 'fexp2', fast: true },
  log2: { shape: 'f32', op: 'flog2', fast: true },
  sin: { shape: 'f32', op: 'fsin', fast: true },
};

/** `Math.name(...)`. */
export const MATH_INTRINSICS: Readonly<Record<string, Intrinsic>> = {
  sqrt: { shape: 'f32', op: 'fsqrt' },
  floor: { shape: 'f32', op: 'ffloor' },
  ceil: { shape: 'f32', op: 'fceil' },
  round: { shape: 'f32', op: 'fround' },
  trunc: { shape: 'f32', op: 'ftrunc' },
  exp: { shape: 'f32', op: 'fexp' },
  log: { shape: 'f32', op: 'flog' },
  log2: { shape: 'f32', op: 'flog2' },
  sin: { shape: 'f32', op: 'fsin' },
  cos: { shape: 'f32', op: 'fcos' },
  pow: { shape: 'f32x2', op: 'fpow' },
  tan: { shape: 'f32', op: 'ftan' },
  atan: { shape: 'f32', op: 'fatan' },
  asin: { shape: 'f32', op: 'fasin' },
  acos: { shape: 'f32', op: 'facos' },
  sinh: { shape: 'f32', op: 'fsinh' },
  cosh: { shape: 'f32', op: 'fcosh' },
  tanh: { shape: 'f32', op: 'ftanh' },
  sign: { shape: 'f32', op: 'fsign' },
  cbrt: { shape: 'f32', op: 'fcbrt' },
  expm1: { shape: 'f32', op: 'fexpm1' },
  log1p: { shape: 'f32', op: 'flog1p' },
  log10: { shape: 'f32', op: 'flog10' },
  atan2: { shape: 'f32x2', op: 'fatan2' },
  hypot: { shape: 'f32x2', op: 'fhypot' },
  min: { shape: 'num2', op: 'min', fop: 'fmin' },
  max: { shape: 'num2', op: 'max', fop: 'fmax' },
  abs: { shape: 'abs', op: 'fabs' },
  imul: { shape: 'int2', op: 'mul' },
  clz32: { shape: 'int1', op: 'clz' },
  fround: { shape: 'fround', op: 'fround' },
};

/** `Math.NAME` constants (as f32). */
export const MATH_CONSTANTS: Readonly<Record<string, number>> = {
  PI: Math.PI, E: Math.E, LN2: Math.LN2, LN10: Math.LN10, LOG2E: Math.LOG2E, LOG10E: Math.LOG10E, SQRT2: Math.SQRT2, SQRT1_2: Math.SQRT1_2,
};

/** Binary operators: IR op for ints and for f32 (`undefined` = not allowed), or a compare predicate. */
export const BINARY_OPS: Readonly<Record<string, { int?: OpName; f32?: OpName; bool?: OpName; pred?: string }>> = {
  '+': { int: 'add', f32: 'fadd' },
  '-': { int: 'sub', f32: 'fsub' },
  '*': { int: 'mul', f32: 'fmul' },
  '/': { int: 'div', f32: 'fdiv' },
  '%': { int: 'rem', f32: 'frem' },
  '**': { f32: 'fpow' },
  '&': { int: 'and' },
  '|': { int: 'or' },
  '^': { int: 'xor' },
  '<<': { int: 'shl' },
  '>>': { int: 'sar' }, // u32 operands use shr: chosen in lowering
  '>>>': { int: 'shr' },
  '<': { pred: 'lt' }, '<=': { pred: 'le' }, '>': { pred: 'gt' }, '>=': { pred: 'ge' },
  '==': { pred: 'eq' }, '===': { pred: 'eq' }, '!=': { pred: 'ne' }, '!==': { pred: 'ne' },
};
