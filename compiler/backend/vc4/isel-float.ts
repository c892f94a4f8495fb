/**
 * f32 ops, compares and conversions for VC4. The float ALU differs from
 * IEEE in ways the language does not allow (notes §6): `fadd`/`fsub`/`itof`
 * round toward zero, a NaN operand gives ±inf, −0 results become +0, `ftoi`
 * gives 0 out of range, and there is no float compare, floor or ceil.
 * Each op here restores the language's result:
 *
 * - `fadd`/`fsub`: the hardware sum s = RTZ(a + b) is exact or one ulp short
 *   of the nearest float. With |A| ≥ |B| (fmaxabs sets C), z = s − A is exact
 *   and ρ' = RTZ(B − z) compares with h = ulp(s)/2 exactly as the true
 *   remainder does (RTZ is monotonic and h is a float); a tie (ρ = h) is
 *   recognised by RTZ(h + z) = B. Round away where ρ > h, or ρ = h and s is
 *   odd: s + 1 as an integer is the next float away from zero (and
 *   MAX + 1 = inf). Exact for results of magnitude ≥ 2^−100 (h is then
 *   normal); below that within 1 ulp.
 * - `fmul` (to nearest in the model, notes §6 [?]): the sign of a zero
 *   result, and NaN where an operand is NaN.
 * - under `fastMath` (`attrs.fast`), `fadd`/`fsub`/`fmul`/`itof` are the
 *   hardware ops alone (round toward zero, no fix-ups).
 * - compares: `fmax` sets C = a > b over sign-magnitude bit patterns (−0 =
 *   +0), exact for every non-NaN pair; `fmaxabs` of the operands above
 *   0x7f800000 marks unordered lanes.
 */
import type { Instr, Value } from '../../ir/types.ts';
import type { Vc4Cond } from '../../isa/vc4/instr.ts';
import type { Src, VReg } from './mir.ts';
import { acc } from './mir.ts';
import {
  alu, arg, BackendError, boolFromFlags, emit, flags, IO, k32, mov, newVReg, op, override, src, zeroTest,
  type Ctx, type OpHandler,
} from './isel-ctx.ts';
import { simm } from './isel-int.ts';

const SIGN = 0x80000000;
const ABS = 0x7fffffff;
const INF = 0x7f800000;
const QNAN = 0x7fc00000;
const EXP = 0x7f800000;
/** 24 << 23: an exponent 24 lower (ulp(s)/2 from s's exponent field). */
const HALF_ULP_EXP = 0x0c000000;
const ONE = { k: 'imm', code: 32 } as const; // 1.0
const TWO = { k: 'imm', code: 33 } as const; // 2.0
const HALF = { k: 'imm', code: 47 } as const; // 0.5

/** An SFU op (notes §5): write the argument, two instructions without r4, then r4 holds the result. */
export function sfu(c: Ctx, addr: number, x: Src): VReg {
  mov(c, { k: 'io', addr }, x);
  emit(c, { k: 'nop' });
  emit(c, { k: 'nop' });
  const d = newVReg(c);
  mov(c, d, acc(4));
  return d;
}

/**
 * The primitive `frecip` with the IR's special values (docs/language.md,
 * backend contract): the VC4 SFU gives recip(±0) = +inf (notes §5), the
 * language 1/−0 = −inf, which the f32 expansions rely on for signed zeros.
 */
function recip(c: Ctx, x: Src): VReg {
  const r = sfu(c, IO.SFU_RECIP, x);
  flags(c, 'xor', x, k32(c, SIGN)); // Z: x is −0
  return where(c, r, 'zs', k32(c, SIGN | INF));
}

/**
 * The primitive `frsqrt` with the IR's special values: the VC4 SFU computes
 * 1/√|x| (notes §5); the language has NaN for x < 0 and −inf for −0.
 */
function rsqrt(c: Ctx, x: Src): VReg {
  return negativeIsNaN(c, sfu(c, IO.SFU_RSQRT, x), x);
}

/**
 * `r` = f(|x|) from the SFU (rsqrt, log2 take the magnitude, notes §5), with
 * the language's values for negative x: NaN, and −inf for −0 (1/√−0 and
 * log2(−0) are both −inf).
 */
function negativeIsNaN(c: Ctx, r: Src, x: Src): VReg {
  // x − 0x80000000 as integers: zero for −0, negative for +0 and positive x, positive for negative x (and −NaN).
  flags(c, 'sub', x, k32(c, SIGN));
  const nan = where(c, r, 'nc', k32(c, QNAN));
  return where(c, nan, 'zs', k32(c, SIGN | INF));
}

/** r where the flags say `cond`, else keep; returns the new register. */
function where(c: Ctx, base: Src, cond: Vc4Cond, value: Src): VReg {
  return override(c, base, cond, value);
}

/** IEEE a + b, rounded to nearest even (see the file comment). */
export function faddRne(c: Ctx, a: Src, b: Src): VReg {
  const s = op(c, 'fadd', a, b);
  flags(c, 'fmaxabs', a, b); // C: |a| > |b|
  const big = where(c, b, 'cs', a);
  const small = where(c, a, 'cs', b);
  const z = op(c, 'fsub', s, big);
  const rho = op(c, 'fsub', small, z);
  const rA = op(c, 'and', rho, k32(c, ABS));
  const h = op(c, 'sub', op(c, 'and', s, k32(c, EXP)), k32(c, HALF_ULP_EXP));
  const hs = op(c, 'or', h, op(c, 'and', s, k32(c, SIGN)));
  const back = op(c, 'fadd', hs, z);
  const odd = op(c, 'and', s, simm(1));
  // away = rA > h, or rA = h and (not a tie, or s odd): h < rA + [not a tie, or s odd] as unsigned numbers (rA is
  // below 2^31, so rA + 1 does not wrap; h is one too, or wrapped far above it for results below 2^-103).
  flags(c, 'or', op(c, 'xor', back, small), odd); // Z: a tie and s even
  const rA1 = newVReg(c);
  mov(c, rA1, rA);
  alu(c, 'add', rA1, rA, simm(1), { cond: 'zc' });
  flags(c, 'sub', h, rA1); // C: h < rA1
  let r: VReg = newVReg(c);
  mov(c, r, s);
  alu(c, 'add', r, s, simm(1), { cond: 'cs' });
  // −0 + −0 = −0 (the hardware gives +0); a non-zero sum of two negatives is negative anyway.
  r = op(c, 'or', r, op(c, 'and', op(c, 'and', a, b), k32(c, SIGN)));
  // Infinite or NaN operands: the hardware sum, except NaN where an operand is NaN.
  const m = op(c, 'fmaxabs', a, b);
  flags(c, 'sub', m, k32(c, INF)); // C: m < inf
  r = where(c, r, 'cc', s);
  flags(c, 'sub', k32(c, INF), m); // C: an operand is NaN
  return where(c, r, 'cs', k32(c, QNAN));
}

/** IEEE a · b: the hardware product with the sign of zero results and NaN operands restored. */
export function fmulIeee(c: Ctx, a: Src, b: Src): VReg {
  const p = op(c, 'fmul', a, b);
  const r = op(c, 'or', p, op(c, 'and', op(c, 'xor', a, b), k32(c, SIGN)));
  flags(c, 'sub', k32(c, INF), op(c, 'fmaxabs', a, b));
  return where(c, r, 'cs', k32(c, QNAN));
}

/** −x, exactly (the sign bit). */
function fneg(c: Ctx, x: Src): VReg {
  return op(c, 'xor', x, k32(c, SIGN));
}

/** JavaScript's Math.min/max: NaN propagates, −0 < +0. */
export function minMax(c: Ctx, max: boolean, a: Src, b: Src): VReg {
  let r = op(c, max ? 'fmax' : 'fmin', a, b);
  const both = op(c, 'or', a, b);
  flags(c, 'shl', both, simm(1)); // Z: both are zeros
  r = where(c, r, 'zs', max ? op(c, 'and', a, b) : both);
  flags(c, 'sub', k32(c, INF), op(c, 'and', a, k32(c, ABS)));
  r = where(c, r, 'cs', a);
  flags(c, 'sub', k32(c, INF), op(c, 'and', b, k32(c, ABS)));
  return where(c, r, 'cs', b);
}

/** trunc(x) for |x| < 2^23 (elsewhere the caller keeps x): through the integer conversions, sign kept. */
function truncSmall(c: Ctx, x: Src): VReg {
  return op(c, 'or', op(c, 'itof', op(c, 'ftoi', x)), op(c, 'and', x, k32(c, SIGN)));
}

/** x where |x| ≥ 2^23 (or inf/NaN: already integral), else `small`. */
function integralOr(c: Ctx, x: Src, small: Src): VReg {
  flags(c, 'sub', op(c, 'and', x, k32(c, ABS)), k32(c, 0x4b000000)); // C: |x| < 2^23
  return where(c, x, 'cs', small);
}

function floorSmall(c: Ctx, x: Src): VReg {
  const t = truncSmall(c, x);
  flags(c, 'fmax', t, x); // C: t > x
  return where(c, t, 'cs', op(c, 'fsub', t, ONE)); // exact for these integers
}

export function rounding(c: Ctx, kind: 'trunc' | 'floor' | 'ceil' | 'round' | 'rint', x: Src): VReg {
  let r: VReg;
  if (kind === 'trunc') r = truncSmall(c, x);
  else if (kind === 'rint') {
    // Half to even: floor(x), +1 where x − floor(x) > 1/2, or = 1/2 and floor(x) is odd.
    const f = floorSmall(c, x);
    const frac = op(c, 'fsub', x, f);
    const up = newVReg(c);
    mov(c, up, simm(0));
    flags(c, 'fmax', frac, HALF); // C: frac > 1/2
    mov(c, up, simm(1), 'cs');
    const odd = op(c, 'and', op(c, 'ftoi', f), simm(1));
    flags(c, 'xor', frac, HALF); // Z: frac = 1/2
    mov(c, up, odd, 'zs');
    zeroTest(c, up);
    r = op(c, 'or', where(c, f, 'zc', op(c, 'fadd', f, ONE)), op(c, 'and', x, k32(c, SIGN)));
  }
  else if (kind === 'floor') r = floorSmall(c, x);
  else if (kind === 'ceil') {
    const t = truncSmall(c, x);
    flags(c, 'fmax', x, t); // C: x > t
    r = where(c, t, 'cs', op(c, 'fadd', t, ONE));
  } else {
    // Half up: floor(x), +1 where x − floor(x) ≥ 1/2 (both exact here); the sign of x for zero results.
    const f = floorSmall(c, x);
    flags(c, 'fmax', HALF, op(c, 'fsub', x, f)); // C: 1/2 > x − f
    r = op(c, 'or', where(c, f, 'cc', op(c, 'fadd', f, ONE)), op(c, 'and', x, k32(c, SIGN)));
  }
  return integralOr(c, x, r);
}

/** Float compare into a 0/1 register. */
export function fcmp(c: Ctx, pred: string, a: Src, b: Src, d: VReg): void {
  const gtInto = (x: Src, y: Src, cond: Vc4Cond, v: number) => {
    flags(c, 'fmax', x, y); // C: x > y
    mov(c, d, simm(v), cond);
  };
  switch (pred) {
    case 'lt': mov(c, d, simm(0)); gtInto(b, a, 'cs', 1); break;
    case 'gt': mov(c, d, simm(0)); gtInto(a, b, 'cs', 1); break;
    case 'le': mov(c, d, simm(1)); gtInto(a, b, 'cs', 0); break;
    case 'ge': mov(c, d, simm(1)); gtInto(b, a, 'cs', 0); break;
    case 'eq': mov(c, d, simm(1)); gtInto(a, b, 'cs', 0); gtInto(b, a, 'cs', 0); break;
    case 'ne': mov(c, d, simm(0)); gtInto(a, b, 'cs', 1); gtInto(b, a, 'cs', 1); break;
    default: throw new BackendError(`compare predicate '${pred}' on f32`, c.loc);
  }
  // Unordered (a NaN operand): only != holds.
  flags(c, 'sub', k32(c, INF), op(c, 'fmaxabs', a, b));
  mov(c, d, simm(pred === 'ne' ? 1 : 0), 'cs');
}

/** Integer/bool compare into the flags: returns the lane condition under which it holds. */
export function icmpFlags(c: Ctx, pred: string, signed: boolean, a: Src, b: Src): 'zs' | 'zc' | 'cs' | 'cc' {
  if (pred === 'eq' || pred === 'ne') {
    flags(c, 'xor', a, b);
    return pred === 'eq' ? 'zs' : 'zc';
  }
  // min x, y sets C = x > y (signed); sub x, y sets C = x < y (unsigned).
  const gt = (x: Src, y: Src): void => (signed ? flags(c, 'min', x, y) : flags(c, 'sub', y, x));
  switch (pred) {
    case 'lt': gt(b, a); return 'cs';
    case 'gt': gt(a, b); return 'cs';
    case 'le': gt(a, b); return 'cc';
    case 'ge': gt(b, a); return 'cc';
  }
  throw new BackendError(`compare predicate '${pred}'`, c.loc);
}

/** Integer/bool compare into a 0/1 register. */
function icmp(c: Ctx, pred: string, signed: boolean, a: Src, b: Src, d: VReg): void {
  boolFromFlags(c, d, icmpFlags(c, pred, signed, a, b));
}

/** int32 → f32 rounded to nearest even (the hardware truncates). */
function itofRne(c: Ctx, x: Src): VReg {
  const s = op(c, 'itof', x);
  const sg = op(c, 'asr', x, simm(-1));
  const ax = op(c, 'sub', op(c, 'xor', x, sg), sg);
  const sh = op(c, 'max', op(c, 'sub', simm(8), op(c, 'clz', ax)), simm(0)); // bits below the 24 kept
  const one = op(c, 'shl', simm(1), sh);
  const half = op(c, 'shr', one, simm(1));
  const dropped = op(c, 'and', ax, op(c, 'sub', one, simm(1)));
  const odd = op(c, 'and', op(c, 'shr', ax, sh), simm(1));
  const t = op(c, 'add', dropped, op(c, 'min', odd, half)); // odd counts only when bits were dropped
  flags(c, 'sub', half, t); // C: half < t
  const r = newVReg(c);
  mov(c, r, s);
  alu(c, 'add', r, s, simm(1), { cond: 'cs' });
  return r;
}

/** u32 → f32: halve (keeping a sticky bit) when bit 31 is set, then double. */
function utofRne(c: Ctx, x: Src): VReg {
  const lo = itofRne(c, x);
  const y = op(c, 'or', op(c, 'shr', x, simm(1)), op(c, 'and', x, simm(1)));
  const hi = op(c, 'fmul', itofRne(c, y), TWO);
  flags(c, 'or', x); // N: bit 31
  return where(c, lo, 'ns', hi);
}

/**
 * u32 → f32 toward zero (fastMath): `itof` where bit 31 is clear; else
 * twice the conversion of x >> 1 (RTZ of x/2 doubled is RTZ of x: the bit
 * shifted out is below the 24 bits kept).
 */
function utofRtz(c: Ctx, x: Src): VReg {
  const lo = op(c, 'itof', x);
  const hi = op(c, 'fmul', op(c, 'itof', op(c, 'shr', x, simm(1))), TWO);
  flags(c, 'or', x); // N: bit 31
  return where(c, lo, 'ns', hi);
}

/** f32 → i32: truncate, saturate, NaN → 0. */
function ftoiSat(c: Ctx, x: Src): VReg {
  const ax = op(c, 'and', x, k32(c, ABS));
  const sat = op(c, 'add', op(c, 'shr', x, simm(-1)), k32(c, ABS));
  let r = op(c, 'ftoi', x);
  flags(c, 'sub', ax, k32(c, 0x4f000000)); // C: |x| < 2^31
  r = where(c, r, 'cc', sat);
  flags(c, 'sub', k32(c, INF), ax); // C: NaN
  return where(c, r, 'cs', simm(0));
}

/** f32 → u32: truncate, saturate, negative and NaN → 0. */
function ftouSat(c: Ctx, x: Src): VReg {
  const hi = op(c, 'add', op(c, 'ftoi', op(c, 'fsub', x, k32(c, 0x4f000000))), k32(c, SIGN)); // x − 2^31 is exact there
  let r = op(c, 'ftoi', x);
  flags(c, 'sub', x, k32(c, 0x4f000000)); // C: 0 ≤ x < 2^31 (as bits)
  r = where(c, r, 'cc', hi);
  flags(c, 'sub', x, k32(c, 0x4f800000)); // C: 0 ≤ x < 2^32
  r = where(c, r, 'cc', k32(c, 0xffffffff));
  flags(c, 'sub', k32(c, INF), x); // C: negative, or NaN
  return where(c, r, 'cs', simm(0));
}

function cvt(c: Ctx, ins: Instr, d: VReg): void {
  const from = arg(c, ins, 0).type;
  const to = ins.result?.type;
  const s = src(c, arg(c, ins, 0));
  let r: Src;
  const fast = ins.attrs?.['fast'] === true;
  if (to === 'f32' && from === 'i32') r = fast ? op(c, 'itof', s) : itofRne(c, s);
  else if (to === 'f32' && from === 'u32') r = fast ? utofRtz(c, s) : utofRne(c, s);
  else if (to === 'f32' && from === 'bool') r = op(c, 'itof', s);
  else if (to === 'i32' && from === 'f32') r = ftoiSat(c, s);
  else if (to === 'u32' && from === 'f32') r = ftouSat(c, s);
  else if (to === 'bool' && from === 'f32') {
    flags(c, 'shl', s, simm(1)); // Z: ±0 (NaN is true)
    boolFromFlags(c, d, 'zc');
    return;
  } else if (to === 'bool') {
    zeroTest(c, s);
    boolFromFlags(c, d, 'zc');
    return;
  } else r = s;
  mov(c, d, r);
}

/**
 * `fastMath` (`attrs.fast`, docs/language.md): the hardware op alone —
 * `fadd`/`fsub` round toward zero, `fmul` as the ALU rounds, no NaN or
 * signed-zero fix-up; otherwise the exact form.
 */
const native = (hw: 'fadd' | 'fsub' | 'fmul', exact: (c: Ctx, a: Src, b: Src) => Src): OpHandler => (c, ins, d) => {
  const a = src(c, arg(c, ins, 0));
  const b = src(c, arg(c, ins, 1));
  mov(c, d, ins.attrs?.['fast'] === true ? op(c, hw, a, b) : exact(c, a, b));
};

const bin = (f: (c: Ctx, a: Src, b: Src) => Src): OpHandler => (c, ins, d) => mov(c, d, f(c, src(c, arg(c, ins, 0)), src(c, arg(c, ins, 1))));
const un = (f: (c: Ctx, x: Src) => Src): OpHandler => (c, ins, d) => mov(c, d, f(c, src(c, arg(c, ins, 0))));

/** Compare handler (ints, bools and floats). */
export function compare(c: Ctx, ins: Instr, d: VReg): void {
  const a: Value = arg(c, ins, 0);
  const pred = String(ins.attrs?.pred ?? '');
  if (a.type === 'f32') fcmp(c, pred, src(c, a), src(c, arg(c, ins, 1)), d);
  else icmp(c, pred, a.type === 'i32', src(c, a), src(c, arg(c, ins, 1)), d);
}

/** f32 op handlers. */
export const FLOAT_OPS: Record<string, OpHandler> = {
  fadd: native('fadd', faddRne),
  fsub: native('fsub', (c, a, b) => faddRne(c, a, fneg(c, b))),
  fmul: native('fmul', fmulIeee),
  fmin: bin((c, a, b) => minMax(c, false, a, b)),
  fmax: bin((c, a, b) => minMax(c, true, a, b)),
  fneg: un(fneg),
  fabs: un((c, x) => op(c, 'and', x, k32(c, ABS))),
  ftrunc: un((c, x) => rounding(c, 'trunc', x)),
  ffloor: un((c, x) => rounding(c, 'floor', x)),
  fceil: un((c, x) => rounding(c, 'ceil', x)),
  fround: un((c, x) => rounding(c, 'round', x)),
  frint: un((c, x) => rounding(c, 'rint', x)),
  bitcast: un((_c, x) => x),
  frecip: un(recip),
  frsqrt: un(rsqrt),
  // Only the fast forms reach selection (the accurate ones are IR expansions).
  fexp2: un((c, x) => sfu(c, IO.SFU_EXP, x)),
  flog2: un((c, x) => negativeIsNaN(c, sfu(c, IO.SFU_LOG, x), x)),
  cmp: compare,
  cvt,
};
