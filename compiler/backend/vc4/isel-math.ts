/**
 * Division and square root for VC4, until the IR lowering of the math
 * functions (compiler/passes) takes them over for every target: the same
 * algorithms as the V3D backend (docs/backend-v3d.md, "Accuracy"), written
 * with this backend's IEEE-exact primitives (isel-float.ts: fadd rounded to
 * nearest, fmul with IEEE specials) and the VC4 SFU through r4.
 *
 * - `div`/`rem` (u32 core, then signs): reciprocal of f32(d), one Newton
 *   step, lowered by 8 ulp so that it never exceeds 1/d; two rounds of
 *   `q += trunc(f32(r) · rcp)`, `r −= q·d`; one conditional fix-up.
 *   a / 0 = a and a % 0 = 0, as the language defines.
 * - `fdiv`: correctly rounded on the mantissas (faithful quotient, then the
 *   exact Dekker remainder picks the neighbour), exponent applied exactly;
 *   zero, infinite, NaN and denormal operands take a·recip(b) with one
 *   residual correction.
 * - `fsqrt`: the same scheme on m ∈ [1, 4) with rsqrt.
 */
import type { Instr } from '../../ir/types.ts';
import type { Vc4Cond } from '../../isa/vc4/instr.ts';
import type { Src, VReg } from './mir.ts';
import { alu, arg, flags, IO, k32, mov, newVReg, op, override, src, zeroTest, type Ctx, type OpHandler } from './isel-ctx.ts';
import { faddRne, fmulIeee, sfu } from './isel-float.ts';
import { mul32, simm } from './isel-int.ts';

const SIGN = 0x80000000;
const ABS = 0x7fffffff;
const INF = 0x7f800000;
const ONE = 0x3f800000;
const TWO = { k: 'imm', code: 33 } as const;
const HALF = { k: 'imm', code: 47 } as const;

const fadd = (c: Ctx, a: Src, b: Src): VReg => faddRne(c, a, b);
const fsub = (c: Ctx, a: Src, b: Src): VReg => faddRne(c, a, op(c, 'xor', b, k32(c, SIGN)));
const fmul = (c: Ctx, a: Src, b: Src): VReg => fmulIeee(c, a, b);

/** Set C where x < y (floats, non-NaN): fmax y, x sets C = y > x. */
function lessC(c: Ctx, x: Src, y: Src): void {
  flags(c, 'fmax', y, x);
}

/** res, or `fallback` where res is NaN. */
function passNaNTo(c: Ctx, res: Src, fallback: Src): VReg {
  flags(c, 'sub', k32(c, INF), op(c, 'and', res, k32(c, ABS))); // C: NaN
  return override(c, res, 'cs', fallback);
}

/** res, or `value` where x has the bits of ±0 (k = 0) or +inf. */
function whereIs(c: Ctx, res: Src, x: Src, k: 0 | typeof INF, value: Src): VReg {
  if (k === 0) flags(c, 'shl', x, simm(1));
  else flags(c, 'xor', x, k32(c, INF));
  return override(c, res, 'zs', value);
}

/** Unsigned max (sub sets C where a < b). */
function umax(c: Ctx, a: Src, b: Src): VReg {
  flags(c, 'sub', a, b);
  return override(c, a, 'cs', b);
}

/** The refined reciprocal of b (NaN from the Newton step for b = 0 or ±inf falls back to the SFU value). */
function recipRefined(c: Ctx, b: Src): VReg {
  // recip(±0) is +inf on VC4 (notes §5): give it b's sign.
  const r0 = op(c, 'or', sfu(c, IO.SFU_RECIP, b), op(c, 'and', b, k32(c, SIGN)));
  const r1 = fmul(c, r0, fsub(c, TWO, fmul(c, b, r0)));
  return passNaNTo(c, r1, r0);
}

/** x split into a high part with 12 significant bits and the exact rest (Dekker). */
function split(c: Ctx, x: Src): { hi: VReg; lo: VReg } {
  const hi = op(c, 'and', x, k32(c, 0xfffff000));
  return { hi, lo: fsub(c, x, hi) };
}

/** a − q·b exactly, for q within an ulp of a/b. */
function exactResidual(c: Ctx, a: Src, q: Src, b: Src): VReg {
  const p = fmul(c, q, b);
  const qs = split(c, q);
  const bs = split(c, b);
  const err = fadd(c, fadd(c, fadd(c, fsub(c, fmul(c, qs.hi, bs.hi), p), fmul(c, qs.hi, bs.lo)), fmul(c, qs.lo, bs.hi)), fmul(c, qs.lo, bs.lo));
  return fsub(c, fsub(c, a, p), err);
}

/** p · 2^ni for an i32 ni in [−252, 254]. */
function scale2nInt(c: Ctx, p: Src, ni: Src): VReg {
  const n1 = op(c, 'asr', ni, simm(1));
  const n2 = op(c, 'sub', ni, n1);
  const pow = (k: Src) => op(c, 'shl', op(c, 'add', k, k32(c, 127)), simm(-9)); // << 23
  return fmul(c, fmul(c, p, pow(n1)), pow(n2));
}

/** a · (1/b) with one residual correction: within 1 ulp, IEEE special cases included. */
function fdivApprox(c: Ctx, a0: Src, b0: Src): VReg {
  const down = k32(c, 0x2f800000); // 2^-32
  const sa = fmul(c, a0, down);
  const sb = fmul(c, b0, down);
  lessC(c, k32(c, 0x71800000), op(c, 'and', b0, k32(c, ABS))); // 2^100 < |b|
  const a = override(c, a0, 'cs', sa);
  const b = override(c, b0, 'cs', sb);
  const r = recipRefined(c, b);
  const q = fmul(c, a, r);
  const resid = fsub(c, a, fmul(c, q, b));
  const q2 = fadd(c, q, fmul(c, resid, r));
  return whereIs(c, passNaNTo(c, q2, q), a, 0, q);
}

/** IEEE a / b, correctly rounded. */
export function fdiv(c: Ctx, a: Src, b: Src): VReg {
  const expOf = (x: Src) => op(c, 'shr', op(c, 'shl', x, simm(1)), simm(-8)); // bits 30:23
  const mantOf = (x: Src) => op(c, 'or', op(c, 'shr', op(c, 'shl', x, simm(9)), simm(9)), k32(c, ONE));
  const ea = expOf(a);
  const eb = expOf(b);
  const ma = mantOf(a);
  const mb = mantOf(b);
  const r = recipRefined(c, mb);
  const q0 = fmul(c, ma, r);
  const q1 = fadd(c, q0, fmul(c, fsub(c, ma, fmul(c, q0, mb)), r));
  const e1 = exactResidual(c, ma, q1, mb);
  const up = op(c, 'add', q1, simm(1));
  const dn = op(c, 'sub', q1, simm(1));
  const twoE = fmul(c, e1, TWO);
  const hu = fmul(c, fsub(c, up, q1), mb);
  const hd = fmul(c, fsub(c, q1, dn), mb);
  const negTwoE = op(c, 'xor', twoE, k32(c, SIGN));
  lessC(c, hu, twoE); // remainder beyond the upper midpoint
  const qa = override(c, q1, 'cs', up);
  lessC(c, hd, negTwoE); // below the lower midpoint
  const q = override(c, qa, 'cs', dn);
  const scaled = scale2nInt(c, q, op(c, 'sub', ea, eb));
  const sign = op(c, 'shl', op(c, 'shr', op(c, 'xor', a, b), simm(-1)), simm(-1));
  const exact = op(c, 'or', scaled, sign);
  // Exponent field 0 or 255 in either operand: (e − 1) as u32 ≥ 254.
  const worst = umax(c, op(c, 'sub', ea, simm(1)), op(c, 'sub', eb, simm(1)));
  const approx = fdivApprox(c, a, b);
  flags(c, 'sub', worst, k32(c, 254)); // C: both normal
  return override(c, exact, 'cc', approx);
}

/** sqrt(x) within 1 ulp: SFU rsqrt, one Newton step, one residual correction; IEEE special values. */
function fsqrtApprox(c: Ctx, x: Src): VReg {
  const y = sfu(c, IO.SFU_RSQRT, x);
  const xyy = fmul(c, fmul(c, x, y), y);
  const y1 = fmul(c, y, fsub(c, k32(c, 0x3fc00000), fmul(c, xyy, HALF))); // 1.5
  const s = fmul(c, x, y1);
  const s2 = fadd(c, s, fmul(c, fsub(c, x, fmul(c, s, s)), fmul(c, y1, HALF)));
  // sqrt(±0) = ±0, sqrt(inf) = inf; negative x: NaN.
  let r = whereIs(c, whereIs(c, s2, x, 0, x), x, INF, x);
  flags(c, 'sub', k32(c, SIGN), x); // C: x > 0x80000000 as bits (negative, not −0)
  r = override(c, r, 'cs', k32(c, 0x7fc00000));
  return r;
}

/** sqrt(x) correctly rounded for positive normal x (see the V3D backend's fsqrt). */
function fsqrt(c: Ctx, x: Src): VReg {
  const field = op(c, 'shr', x, simm(-9)); // sign and exponent (>> 23)
  const ex = op(c, 'sub', field, k32(c, 127));
  const m1 = op(c, 'or', op(c, 'shr', op(c, 'shl', x, simm(9)), simm(9)), k32(c, ONE));
  const m2 = fmul(c, m1, TWO);
  flags(c, 'and', ex, simm(1));
  const m = override(c, m1, 'zc', m2); // odd exponent: m in [2, 4)
  const k = op(c, 'asr', ex, simm(1));
  const s = fsqrtApprox(c, m);
  const e = exactResidual(c, m, s, s);
  const up = op(c, 'add', s, simm(1));
  const dn = op(c, 'sub', s, simm(1));
  const su = fmul(c, s, fsub(c, up, s));
  const nsd = op(c, 'xor', fmul(c, s, fsub(c, s, dn)), k32(c, SIGN));
  lessC(c, su, e); // su < e
  const r1 = override(c, s, 'cs', up);
  flags(c, 'fmax', e, nsd); // C: e > −s·d, so `cc` is e ≤ −s·d
  const r = override(c, r1, 'cc', dn);
  const exact = scale2nInt(c, r, k);
  const approx = fsqrtApprox(c, x);
  flags(c, 'sub', op(c, 'sub', field, simm(1)), k32(c, 254)); // C: positive normal
  return override(c, exact, 'cc' as Vc4Cond, approx);
}

/** Unsigned quotient and remainder of x / d for d ≠ 0. */
function udivmod(c: Ctx, x: Src, d: Src): { q: VReg; r: VReg } {
  const utof = (v: Src): VReg => {
    // Exact enough for the estimate: RTZ conversion of the halves (the fix-up absorbs the error).
    const lo = op(c, 'itof', v);
    const hi = op(c, 'fmul', op(c, 'itof', op(c, 'shr', v, simm(1))), TWO);
    flags(c, 'or', v); // N: bit 31
    return override(c, lo, 'ns', hi);
  };
  const ftou = (v: Src): VReg => {
    // v ≥ 0 and below 2^32 here; at or above 2^31 through v − 2^31.
    const hi = op(c, 'add', op(c, 'ftoi', op(c, 'fsub', v, k32(c, 0x4f000000))), k32(c, SIGN));
    const lo = op(c, 'ftoi', v);
    flags(c, 'sub', v, k32(c, 0x4f000000)); // C: v < 2^31
    return override(c, lo, 'cc', hi);
  };
  const df = utof(d);
  const r0 = sfu(c, IO.SFU_RECIP, df);
  const e = op(c, 'fmul', df, r0);
  const t = op(c, 'fsub', TWO, e);
  const r1 = op(c, 'fmul', r0, t);
  const rcp = op(c, 'sub', r1, simm(8));
  const q0 = ftou(op(c, 'fmul', utof(x), rcp));
  const rem0 = op(c, 'sub', x, mul32(c, q0, d));
  const q1 = ftou(op(c, 'fmul', utof(rem0), rcp));
  const q01 = op(c, 'add', q0, q1);
  const rem1 = op(c, 'sub', rem0, mul32(c, q1, d));
  // rem1 < 2d: one correction where rem1 ≥ d (sub sets C where rem1 < d).
  flags(c, 'sub', rem1, d);
  const q = newVReg(c);
  mov(c, q, q01);
  alu(c, 'add', q, q01, simm(1), { cond: 'cc' });
  const r = newVReg(c);
  mov(c, r, rem1);
  alu(c, 'sub', r, rem1, d, { cond: 'cc' });
  return { q, r };
}

function divRem(c: Ctx, ins: Instr, d: VReg, want: 'div' | 'rem'): void {
  const a = src(c, arg(c, ins, 0));
  const b = src(c, arg(c, ins, 1));
  let res: VReg;
  if (arg(c, ins, 0).type !== 'i32') {
    const { q, r } = udivmod(c, a, b);
    res = want === 'div' ? q : r;
  } else {
    const absSign = (v: Src) => {
      const sign = op(c, 'asr', v, simm(-1));
      return { abs: op(c, 'sub', op(c, 'xor', v, sign), sign), sign };
    };
    const sa = absSign(a);
    const sb = absSign(b);
    const { q, r } = udivmod(c, sa.abs, sb.abs);
    if (want === 'div') {
      const s = op(c, 'xor', sa.sign, sb.sign);
      res = op(c, 'sub', op(c, 'xor', q, s), s);
    } else res = op(c, 'sub', op(c, 'xor', r, sa.sign), sa.sign);
  }
  zeroTest(c, b);
  mov(c, d, res);
  mov(c, d, want === 'div' ? a : simm(0), 'zs');
}

const bin = (f: (c: Ctx, a: Src, b: Src) => Src): OpHandler => (c, ins, d) => mov(c, d, f(c, src(c, arg(c, ins, 0)), src(c, arg(c, ins, 1))));

/** Division, remainder and square root handlers. */
export const MATH_OPS: Record<string, OpHandler> = {
  div: (c, ins, d) => divRem(c, ins, d, 'div'),
  rem: (c, ins, d) => divRem(c, ins, d, 'rem'),
  fdiv: bin(fdiv),
  fsqrt: (c, ins, d) => mov(c, d, fsqrt(c, src(c, arg(c, ins, 0)))),
};


