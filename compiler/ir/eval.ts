/**
 * The scalar meaning of every lane-local IR op, as docs/language.md defines
 * it. The interpreter and constant folding both call this, so folding can
 * never disagree with the reference. Values are JS numbers: i32 in
 * [-2^31, 2^31), u32 and pointers in [0, 2^32), f32 already rounded, bool 0/1.
 */
import type { ElemType, IrType, ScalarType } from './types.ts';
import { isPtr } from './types.ts';
import { bitsToF32, f32Bits } from './f32.ts';
import { isOpName, type OpName } from './ops.ts';

const I32_MIN = -2147483648;

/** Normalises a JS number into the canonical representation of `t`. */
export function normalize(t: IrType, x: number): number {
  if (isPtr(t)) return x >>> 0;
  switch (t) {
    case 'i32':
      return x | 0;
    case 'u32':
      return x >>> 0;
    case 'f32':
      return Math.fround(x);
    case 'bool':
      return x ? 1 : 0;
  }
}

/** Value of a memory element type once loaded: u8/u16 widen to u32, i8/i16 to i32. */
export function widenedType(e: ElemType): ScalarType {
  return e === 'f32' ? 'f32' : e === 'i32' || e === 'i8' || e === 'i16' ? 'i32' : 'u32';
}

function intDiv(t: IrType, a: number, b: number): number {
  // Division by zero gives the dividend, and i32 MIN / -1 gives MIN (as WGSL): no traps on a GPU.
  if (b === 0) return a;
  if (t === 'i32' && a === I32_MIN && b === -1) return a;
  return normalize(t, Math.trunc(a / b));
}

function intRem(t: IrType, a: number, b: number): number {
  if (b === 0) return 0;
  if (t === 'i32' && a === I32_MIN && b === -1) return 0;
  return normalize(t, a % b);
}

/** The word whose byte k is f(byte k of a, byte k of b), for the per-byte ops (uaddsat8…): f gives 0..255. */
function bytewise(a: number, b: number, f: (x: number, y: number) => number): number {
  let r = 0;
  for (let k = 0; k < 32; k += 8) r |= f((a >>> k) & 255, (b >>> k) & 255) << k;
  return r;
}

function mulhi(t: IrType, a: number, b: number): number {
  const p = t === 'i32' ? BigInt(a) * BigInt(b) : BigInt(a >>> 0) * BigInt(b >>> 0);
  return normalize(t, Number(BigInt.asIntN(32, p >> 32n)));
}

/** Converts a scalar between types (`cvt`): float→int truncates and saturates, NaN → 0; int↔int reinterprets bits. */
export function convert(from: IrType, to: IrType, x: number): number {
  if (to === 'bool') return x !== 0 && !Number.isNaN(x) ? 1 : 0;
  if (from === 'f32' && (to === 'i32' || to === 'u32')) {
    if (Number.isNaN(x)) return 0;
    const lo = to === 'i32' ? I32_MIN : 0;
    const hi = to === 'i32' ? 2147483647 : 4294967295;
    // `+ 0` turns the -0 that Math.trunc gives for -1 < x < 0 into the integer 0: integers have no sign of zero.
    return Math.max(lo, Math.min(hi, Math.trunc(x))) + 0;
  }
  return normalize(to, x);
}

/** Result of `cmp.pred a, b` (NaN compares false except `ne`). */
export function compare(pred: string, a: number, b: number): number {
  switch (pred) {
    case 'eq': return a === b ? 1 : 0;
    case 'ne': return a !== b ? 1 : 0;
    case 'lt': return a < b ? 1 : 0;
    case 'le': return a <= b ? 1 : 0;
    case 'gt': return a > b ? 1 : 0;
    case 'ge': return a >= b ? 1 : 0;
  }
  throw new Error(`unknown cmp predicate '${pred}'`);
}

/**
 * Evaluates a lane-local op. `t` is the result type (for cmp and cvt: the
 * operand type, `to` the result type). Throws for ops that are not lane-local.
 */
export function evalOp(op: string, t: IrType, args: readonly number[], attrs: Record<string, number | string | boolean> | undefined, to: IrType = t): number {
  return scalarOp(op, t, attrs, to)(args[0] ?? 0, args[1] ?? 0, args[2] ?? 0);
}

/**
 * The function computing a lane-local op on its operand values (same typing
 * as {@link evalOp}); the interpreter builds one per instruction, once.
 */
export function scalarOp(op: string, t: IrType, attrs: Record<string, number | string | boolean> | undefined, to: IrType = t): (a: number, b: number, c: number) => number {
  const make = isOpName(op) ? SCALAR[op] : undefined;
  if (!make) throw new Error(`op '${op}' is not lane-local`);
  return make(t, attrs, to);
}

/** Builds the function of one lane-local op for the given operand/result types (see {@link scalarOp}). */
type ScalarFactory = (t: IrType, attrs: Record<string, number | string | boolean> | undefined, to: IrType) => (a: number, b: number, c: number) => number;
const f = Math.fround;

/**
 * Every op's scalar meaning; `undefined` for ops that are not lane-local
 * (memory, launch values, cross-lane ops), which the interpreter runs itself.
 * A Record over every op name: adding an op to the op table without saying
 * what it means here is a type error.
 */
const SCALAR: Record<OpName, ScalarFactory | undefined> = {
  const: (t, attrs, to) => (a, b, c) => normalize(t, Number(attrs?.['value'] ?? 0)),
  add: (t, attrs, to) => (a, b, c) => normalize(t, a + b),
  sub: (t, attrs, to) => (a, b, c) => normalize(t, a - b),
  mul: (t, attrs, to) => (a, b, c) => normalize(t, Math.imul(a, b)),
  div: (t, attrs, to) => (a, b, c) => intDiv(t, a, b),
  rem: (t, attrs, to) => (a, b, c) => intRem(t, a, b),
  and: (t, attrs, to) => (a, b, c) => normalize(t, a & b),
  or: (t, attrs, to) => (a, b, c) => normalize(t, a | b),
  xor: (t, attrs, to) => (a, b, c) => normalize(t, a ^ b),
  not: (t, attrs, to) => (a, b, c) => t === 'bool' ? (a ? 0 : 1) : normalize(t, ~a),
  neg: (t, attrs, to) => (a, b, c) => normalize(t, -a),
  shl: (t, attrs, to) => (a, b, c) => normalize(t, a << (b & 31)),
  shr: (t, attrs, to) => (a, b, c) => normalize(t, a >>> (b & 31)),
  sar: (t, attrs, to) => (a, b, c) => normalize(t, a >> (b & 31)),
  rotr: (t, attrs, to) => (a, b) => { const s = b & 31; return normalize(t, (a >>> s) | (a << ((32 - s) & 31))); },
  min: (t, attrs, to) => (a, b, c) => Math.min(a, b),
  max: (t, attrs, to) => (a, b, c) => Math.max(a, b),
  clz: (t, attrs, to) => (a, b, c) => normalize(t, Math.clz32(a)),
  mulhi: (t, attrs, to) => (a, b, c) => mulhi(t, a, b),
  umul24: (t, attrs, to) => (a, b, c) => normalize(t, Math.imul(a & 0xffffff, b & 0xffffff)),
  uaddsat8: (t, attrs, to) => (a, b, c) => normalize(t, bytewise(a, b, (x, y) => Math.min(x + y, 255))),
  usubsat8: (t, attrs, to) => (a, b, c) => normalize(t, bytewise(a, b, (x, y) => Math.max(x - y, 0))),
  umin8: (t, attrs, to) => (a, b, c) => normalize(t, bytewise(a, b, Math.min)),
  umax8: (t, attrs, to) => (a, b, c) => normalize(t, bytewise(a, b, Math.max)),
  fadd: (t, attrs, to) => (a, b, c) => f(a + b),
  fsub: (t, attrs, to) => (a, b, c) => f(a - b),
  fmul: (t, attrs, to) => (a, b, c) => f(a * b),
  fdiv: (t, attrs, to) => (a, b, c) => f(a / b),
  fmin: (t, attrs, to) => (a, b, c) => f(Math.min(a, b)),
  fmax: (t, attrs, to) => (a, b, c) => f(Math.max(a, b)),
  fpow: (t, attrs, to) => (a, b, c) => f(Math.pow(a, b)),
  fneg: (t, attrs, to) => (a, b, c) => f(-a),
  fabs: (t, attrs, to) => (a, b, c) => f(Math.abs(a)),
  fsqrt: (t, attrs, to) => (a, b, c) => f(Math.sqrt(a)),
  ffloor: (t, attrs, to) => (a, b, c) => f(Math.floor(a)),
  fceil: (t, attrs, to) => (a, b, c) => f(Math.ceil(a)),
  fround: (t, attrs, to) => (a, b, c) => f(Math.round(a)),
  ftrunc: (t, attrs, to) => (a, b, c) => f(Math.trunc(a)),
  fexp: (t, attrs, to) => (a, b, c) => f(Math.exp(a)),
  fexp2: (t, attrs, to) => (a, b, c) => f(Math.pow(2, a)),
  flog: (t, attrs, to) => (a, b, c) => f(Math.log(a)),
  flog2: (t, attrs, to) => (a, b, c) => f(Math.log2(a)),
  fsin: (t, attrs, to) => (a, b, c) => f(Math.sin(a)),
  fcos: (t, attrs, to) => (a, b, c) => f(Math.cos(a)),
  ftan: (t, attrs, to) => (a, b, c) => f(Math.tan(a)),
  fatan: (t, attrs, to) => (a, b, c) => f(Math.atan(a)),
  fasin: (t, attrs, to) => (a, b, c) => f(Math.asin(a)),
  facos: (t, attrs, to) => (a, b, c) => f(Math.acos(a)),
  fsinh: (t, attrs, to) => (a, b, c) => f(Math.sinh(a)),
  fcosh: (t, attrs, to) => (a, b, c) => f(Math.cosh(a)),
  ftanh: (t, attrs, to) => (a, b, c) => f(Math.tanh(a)),
  fsign: (t, attrs, to) => (a, b, c) => f(Math.sign(a)),
  fcbrt: (t, attrs, to) => (a, b, c) => f(Math.cbrt(a)),
  fexpm1: (t, attrs, to) => (a, b, c) => f(Math.expm1(a)),
  flog1p: (t, attrs, to) => (a, b, c) => f(Math.log1p(a)),
  flog10: (t, attrs, to) => (a, b, c) => f(Math.log10(a)),
  fatan2: (t, attrs, to) => (a, b, c) => f(Math.atan2(a, b)),
  fhypot: (t, attrs, to) => (a, b, c) => f(Math.hypot(a, b)),
  frem: (t, attrs, to) => (a, b, c) => f(a % b),
  frecip: (t, attrs, to) => (a, b, c) => f(1 / a),
  frsqrt: (t, attrs, to) => (a, b, c) => f(1 / Math.sqrt(a)),
  frint: (t, attrs, to) => (a, b, c) => roundHalfEven(a),
  // The SFU's sin(pi x) is specified for |x| <= 1/2 only; the reference gives the exact value everywhere.
  fsinpi: (t, attrs, to) => (a, b, c) => f(Math.sin(Math.PI * a)),
  cmp: (t, attrs, to) => (a, b, c) => compare(String(attrs?.['pred']), a, b),
  select: (t, attrs, to) => (a, b, c) => (a ? b : c),
  cvt: (t, attrs, to) => (a, b, c) => convert(t, to, a),
  bitcast: (t, attrs, to) => {
    if (t === to) return (a) => a;
    return (a, b, c) => (to === 'f32' ? bitsToF32(a >>> 0) : t === 'f32' ? normalize(to, f32Bits(a)) : normalize(to, a));
  },
  gep: (t, attrs, to) => (a, b, c) => (a + Math.imul(b, isPtr(t) ? elemBytes(t.ptr) : 1)) >>> 0,
  load: undefined, store: undefined, barrier: undefined, atomic: undefined, atomic_cas: undefined,
  lane_id: undefined, qpu_id: undefined, num_qpus: undefined, global_id: undefined, global_count: undefined,
  local_id: undefined, group_id: undefined, num_groups: undefined, shared_ptr: undefined,
  rotate: undefined, broadcast: undefined, any: undefined, all: undefined, reduce_add: undefined, reduce_min: undefined, reduce_max: undefined,
};


/** Nearest integer, ties to even (the QPU's `fround`), keeping the sign of zero. */
function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r; // Math.round breaks ties upward
}

function elemBytes(e: ElemType): number {
  return e === 'u8' || e === 'i8' ? 1 : e === 'u16' || e === 'i16' ? 2 : 4;
}
