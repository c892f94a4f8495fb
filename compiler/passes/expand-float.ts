/**
 * f32 expansions: the language's accurate operations built from what a QPU
 * has (fadd, fsub, fmul, integer ops on the bits, compares and selects, and
 * the SFU's ~14-bit `frecip`, `frsqrt`, `fexp2`/`flog2` [fast] and `fsinpi`):
 *
 * - `fdiv`, `fsqrt`: correctly rounded (a faithful estimate from the
 *   reciprocal (square root) estimate and Newton steps, then the exact
 *   remainder picks the neighbour).
 * - `fexp2`, `fexp`, `flog2`, `flog`, `fpow`: range reduction and
 *   polynomials evaluated in f32 (no SFU), ≤ 4 ulp on the ranges
 *   docs/backend-v3d.md lists (`fsin`, `fcos`, `ftan`: trig-reduce.ts).
 * - `fsin [fast]` (qpu.fast.sin): x/π reduced to [-1/2, 1/2] and the SFU's
 *   sin(π t) where the target has it (`TargetInfo.sfu`), the polynomial
 *   otherwise; `fexp2`/`flog2` [fast], `frecip`, `frsqrt` stay (raw SFU).
 *
 * No FMA exists (Mesa sets lower_ffma); the QPU float ALU flushes denormal
 * inputs and results to zero (emulator choice, hardware unconfirmed), which
 * the special-value paths below account for.
 */
import type { Instr, IrFunction, Value } from '../ir/types.ts';
import type { TargetInfo } from '../target/targets.ts';
import { Expander, expandInstrs } from '../ir/expander.ts';
import type { OpName } from '../ir/ops.ts';

const INF = 0x7f800000;
const NEG_INF = 0xff800000;
const NEG_ZERO = 0x80000000;

/** Expansion helpers over one Expander: float values are f32, bit views u32. */
class F {
  constructor(readonly e: Expander) {}
  k(x: number): Value {
    return this.e.f(x);
  }
  /** f32 with the bit pattern `bits`. */
  kb(bits: number): Value {
    return this.e.cast(this.e.u(bits), 'f32');
  }
  u(x: number): Value {
    return this.e.u(x);
  }
  add(a: Value, b: Value): Value {
    return this.e.bin('fadd', a, b);
  }
  sub(a: Value, b: Value): Value {
    return this.e.bin('fsub', a, b);
  }
  mul(a: Value, b: Value): Value {
    return this.e.bin('fmul', a, b);
  }
  /** Integer op on bit views (u32), result as u32. */
  ib(op: OpName, a: Value, b: Value): Value {
    return this.e.bin(op, this.bits(a), this.bits(b));
  }
  bits(x: Value): Value {
    return this.e.cast(x, x.type === 'i32' ? 'i32' : 'u32');
  }
  float(x: Value): Value {
    return this.e.cast(x, 'f32');
  }
  cmp(pred: string, a: Value, b: Value): Value {
    return this.e.cmp(pred, a, b);
  }
  sel(c: Value, a: Value, b: Value): Value {
    return this.e.select(c, a, b);
  }
  /** `res`, or `value` where `c`. */
  where(c: Value, value: Value, res: Value): Value {
    return this.e.select(c, value, res);
  }
  /** |x| through the bits: (x << 1) >> 1. */
  fabs(x: Value): Value {
    return this.float(this.e.bin('shr', this.e.bin('shl', this.bits(x), this.u(1)), this.u(1)));
  }
  /** -x with the sign bit flipped exactly (-0 - x: also right for ±0 and NaN). */
  fneg(x: Value): Value {
    return this.sub(this.kb(NEG_ZERO), x);
  }
  /** res, or x where x is NaN. */
  passNaN(res: Value, x: Value): Value {
    return this.where(this.cmp('ne', x, x), x, res);
  }
  /** res, or `fallback` where res is NaN. */
  passNaNTo(res: Value, fallback: Value): Value {
    return this.where(this.cmp('ne', res, res), fallback, res);
  }
  /** res, or `value` where x == k. */
  whereEq(res: Value, x: Value, k: Value, value: Value): Value {
    return this.where(this.cmp('eq', x, k), value, res);
  }
  /** p(x) = cs[0] + x*(cs[1] + x*(…)), Horner in f32. */
  horner(x: Value, cs: number[]): Value {
    let p = this.k(cs[cs.length - 1] as number);
    for (let k = cs.length - 2; k >= 0; k--) p = this.add(this.mul(p, x), this.k(cs[k] as number));
    return p;
  }
}

/** The refined reciprocal of b (NaN from the Newton step for b = 0 or ±inf falls back to the SFU value). */
function recipRefined(m: F, b: Value): Value {
  const r0 = m.e.un('frecip', b);
  const r1 = m.mul(r0, m.sub(m.k(2), m.mul(b, r0)));
  return m.passNaNTo(r1, r0);
}

/** a * (1/b) with one residual correction: within 1 ulp, IEEE special cases included (the fallback of {@link fdiv}). */
function fdivApprox(m: F, a0: Value, b0: Value): Value {
  // 1/b is denormal (flushed to 0) for |b| >= 2^126: scale both by 2^-32 when |b| > 2^100 (a tiny a flushing
  // to 0 then changes nothing: the quotient is below 2^-194 anyway).
  const down = m.k(2 ** -32);
  const big = m.cmp('lt', m.k(2 ** 100), m.fabs(b0));
  const a = m.where(big, m.mul(a0, down), a0);
  const b = m.where(big, m.mul(b0, down), b0);
  const r = recipRefined(m, b);
  const q = m.mul(a, r);
  const resid = m.sub(a, m.mul(q, b));
  const q2 = m.add(q, m.mul(resid, r));
  // Where q is not finite (0/0, x/0, overflow) the correction is NaN: keep q; a zero dividend keeps q's sign (-0 + 0 = +0).
  return m.whereEq(m.passNaNTo(q2, q), a, m.k(0), q);
}

/** x split into a high part with 12 significant bits and the exact rest (Dekker). */
function split(m: F, x: Value): { hi: Value; lo: Value } {
  const hi = m.float(m.ib('and', x, m.u(0xfffff000)));
  return { hi, lo: m.sub(x, hi) };
}

/** a - q*b exactly, for q within an ulp of a/b (Dekker's product; the remainder is then representable). */
function exactResidual(m: F, a: Value, q: Value, b: Value): Value {
  const p = m.mul(q, b);
  const qs = split(m, q);
  const bs = split(m, b);
  const err = m.add(m.add(m.add(m.sub(m.mul(qs.hi, bs.hi), p), m.mul(qs.hi, bs.lo)), m.mul(qs.lo, bs.hi)), m.mul(qs.lo, bs.lo));
  return m.sub(m.sub(a, p), err);
}

/** The float one ulp above (+1) or below (-1) x, through its bits (x positive). */
function nextFloat(m: F, x: Value, dir: 1 | -1): Value {
  return m.float(m.ib(dir > 0 ? 'add' : 'sub', x, m.u(1)));
}

/** p * 2^ni for an i32 ni in [-252, 254] (two exponent-field scalings, each in range). */
function scale2nInt(m: F, p: Value, ni: Value): Value {
  const e = m.e;
  const n1 = e.bin('sar', ni, e.i(1));
  const n2 = e.bin('sub', ni, n1);
  const pow = (k: Value) => m.float(e.bin('shl', e.bin('add', k, e.i(127)), e.i(23)));
  return m.mul(m.mul(p, pow(n1)), pow(n2));
}

/** p * 2^n for an integral f32 n in [-252, 254]. */
function scale2n(m: F, p: Value, n: Value): Value {
  return scale2nInt(m, p, m.e.cvt(n, 'i32'));
}

/** Exponent field (bits 30:23) of x as i32. */
function expField(m: F, x: Value): Value {
  return m.e.cast(m.e.bin('shr', m.e.bin('shl', m.bits(x), m.u(1)), m.u(24)), 'i32');
}

/** Mantissa of x as a float in [1, 2). */
function mantissa(m: F, x: Value): Value {
  return m.float(m.e.bin('or', m.e.bin('shr', m.e.bin('shl', m.bits(x), m.u(9)), m.u(9)), m.u(0x3f800000)));
}

/**
 * IEEE a / b, correctly rounded (the language defines f32 division exactly).
 * On the mantissas ma, mb in [1, 2): a faithful quotient q (reciprocal,
 * Newton step, residual correction), then its exact remainder decides
 * between q and its neighbours (a quotient is never exactly halfway between
 * two floats, so there are no ties); the exponent difference is applied
 * last, exactly. Zero, infinite, NaN and denormal operands take the
 * reciprocal path, whose special values are IEEE's (denormals read as 0).
 */
function fdiv(m: F, a: Value, b: Value): Value {
  const e = m.e;
  const ea = expField(m, a);
  const eb = expField(m, b);
  const ma = mantissa(m, a);
  const mb = mantissa(m, b);
  const r = recipRefined(m, mb);
  const q0 = m.mul(ma, r);
  const q1 = m.add(q0, m.mul(m.sub(ma, m.mul(q0, mb)), r));
  const e1 = exactResidual(m, ma, q1, mb);
  const up = nextFloat(m, q1, 1);
  const down = nextFloat(m, q1, -1);
  const twoE = m.mul(e1, m.k(2));
  const hu = m.mul(m.sub(up, q1), mb); // half the gap to the next float, times mb, times 2: exact
  const hd = m.mul(m.sub(q1, down), mb);
  const qa = m.where(m.cmp('lt', hu, twoE), up, q1); // remainder beyond the upper midpoint
  const q = m.where(m.cmp('lt', hd, m.fneg(twoE)), down, qa); // below the lower midpoint
  const scaled = scale2nInt(m, q, e.bin('sub', ea, eb));
  const sign = e.bin('shl', e.bin('shr', m.ib('xor', a, b), m.u(31)), m.u(31));
  const exact = m.float(e.bin('or', m.bits(scaled), sign));
  // Exponent field 0 or 255 in either operand: (e - 1) as u32 >= 254.
  const worst = e.bin('max', e.cast(e.bin('sub', ea, e.i(1)), 'u32'), e.cast(e.bin('sub', eb, e.i(1)), 'u32'));
  const approx = fdivApprox(m, a, b);
  return m.sel(e.cmp('lt', worst, m.u(254)), exact, approx);
}

/** sqrt(x) within 1 ulp: rsqrt estimate, one Newton step, one residual correction; IEEE special values. */
function fsqrtApprox(m: F, x: Value): Value {
  const y = m.e.un('frsqrt', x);
  // y1 = y * (1.5 - 0.5 * (x*y)*y): products stay near 1, so no denormal intermediate for tiny x.
  const xyy = m.mul(m.mul(x, y), y);
  const y1 = m.mul(y, m.sub(m.k(1.5), m.mul(xyy, m.k(0.5))));
  const s = m.mul(x, y1);
  const s2 = m.add(s, m.mul(m.sub(x, m.mul(s, s)), m.mul(y1, m.k(0.5))));
  // sqrt(±0) = ±0 and sqrt(inf) = inf, where the estimate is 0*inf = NaN.
  return m.whereEq(m.whereEq(s2, x, m.k(0), x), x, m.kb(INF), x);
}

/**
 * sqrt(x) correctly rounded for positive normal x. x = m * 2^(2k) with m in
 * [1, 4); s faithful to sqrt(m) from {@link fsqrtApprox}; with the exact
 * remainder e = m - s^2 (Dekker), s rounds up iff e > s*u and down iff
 * e <= -s*d (u, d: gaps to the neighbours; square roots have no ties); then
 * the exact scaling by 2^k.
 */
function fsqrt(m: F, x: Value): Value {
  const e = m.e;
  const field = e.cast(e.bin('shr', m.bits(x), m.u(23)), 'i32'); // sign and exponent
  const ex = e.bin('sub', field, e.i(127));
  const m1 = mantissa(m, x);
  const odd = e.cmp('ne', e.bin('and', ex, e.i(1)), e.i(0));
  const mm = m.where(odd, m.mul(m1, m.k(2)), m1); // odd exponent: m in [2, 4)
  const k = e.bin('sar', ex, e.i(1));
  const s = fsqrtApprox(m, mm);
  const r0 = exactResidual(m, mm, s, s);
  const up = nextFloat(m, s, 1);
  const down = nextFloat(m, s, -1);
  const su = m.mul(s, m.sub(up, s));
  const nsd = m.fneg(m.mul(s, m.sub(s, down)));
  const r1 = m.where(m.cmp('lt', su, r0), up, s);
  const r = m.where(m.cmp('le', r0, nsd), down, r1);
  const exact = scale2nInt(m, r, k);
  // Positive normal x: (field - 1) as u32 < 254 (the sign bit makes field >= 256).
  const approx = fsqrtApprox(m, x);
  return m.sel(e.cmp('lt', e.cast(e.bin('sub', field, e.i(1)), 'u32'), m.u(254)), exact, approx);
}

function factorial(k: number): number {
  return k <= 1 ? 1 : k * factorial(k - 1);
}
const EXP2_COEFFS = Array.from({ length: 8 }, (_, k) => Math.LN2 ** k / factorial(k));
const EXP_COEFFS = Array.from({ length: 9 }, (_, k) => 1 / factorial(k));

/** x clamped to [lo, hi]; NaN stays NaN. */
function clamp(m: F, x: Value, lo: number, hi: number): Value {
  const a = m.where(m.cmp('lt', x, m.k(lo)), m.k(lo), x);
  return m.where(m.cmp('gt', a, m.k(hi)), m.k(hi), a);
}

/** 2^(t + lo): t = n + f with n = round(t), |f| ≤ 1/2, Taylor series of e^(f ln 2) to degree 7. */
function exp2(m: F, t: Value, lo?: Value): Value {
  const tc = clamp(m, t, -200, 200);
  const n = m.e.un('frint', tc);
  const f0 = m.sub(tc, n);
  // lo is below an ulp of t where t is in range; where t was clamped it may be huge (pow's b*log2 a beyond
  // 2^24): bounding it keeps the polynomial's argument in [-1.5, 1.5], so the result overflows to +inf.
  const f = lo ? m.add(f0, clamp(m, lo, -1, 1)) : f0;
  return m.passNaN(scale2n(m, m.horner(f, EXP2_COEFFS), n), t);
}

/** ln 2 split so that n * LN2_HI is exact for |n| < 2^9 (Cody-Waite). */
const LN2_HI = 0.693145751953125;
const LN2_LO = 1.428606765330187045e-6;

/** e^x: n = round(x log2 e), r = x - n ln2 in two parts, Taylor series of e^r to degree 8. */
function exp(m: F, x: Value): Value {
  const xc = clamp(m, x, -150, 150);
  const n = m.e.un('frint', m.mul(xc, m.k(Math.LOG2E)));
  const r = m.sub(m.sub(xc, m.mul(n, m.k(LN2_HI))), m.mul(n, m.k(LN2_LO)));
  return m.passNaN(scale2n(m, m.horner(r, EXP_COEFFS), n), x);
}

/**
 * x = m * 2^e with m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh(s), s = (m-1)/(m+1),
 * series to s^11. Returns e (as f32) and ln m.
 */
function logParts(m: F, x: Value): { e: Value; lnm: Value } {
  const e = m.e;
  const e0 = e.bin('sub', e.cast(e.bin('shr', m.bits(x), m.u(23)), 'i32'), e.i(127));
  const m0 = mantissa(m, x);
  const big = m.cmp('lt', m.k(Math.SQRT2), m0);
  const mm = m.where(big, m.mul(m0, m.k(0.5)), m0);
  const ee = m.where(big, e.bin('add', e0, e.i(1)), e0);
  const s = fdiv(m, m.sub(mm, m.k(1)), m.add(mm, m.k(1)));
  const z = m.mul(s, s);
  const lnm = m.mul(m.mul(s, m.k(2)), m.horner(z, [1, 1 / 3, 1 / 5, 1 / 7, 1 / 9, 1 / 11]));
  return { e: e.cvt(ee, 'f32'), lnm };
}

/** log special cases: x < 0 → NaN, ±0 → -inf, +inf → +inf, NaN → NaN. */
function logSpecials(m: F, res: Value, x: Value): Value {
  const r1 = m.where(m.cmp('lt', x, m.k(0)), m.k(NaN), res);
  const r2 = m.whereEq(r1, x, m.k(0), m.kb(NEG_INF));
  return m.passNaN(m.whereEq(r2, x, m.kb(INF), x), x);
}

function log2(m: F, x: Value): Value {
  const { e, lnm } = logParts(m, x);
  return logSpecials(m, m.add(e, m.mul(lnm, m.k(Math.LOG2E))), x);
}

function ln(m: F, x: Value): Value {
  const { e, lnm } = logParts(m, x);
  return logSpecials(m, m.add(m.mul(e, m.k(LN2_HI)), m.add(m.mul(e, m.k(LN2_LO)), lnm)), x);
}

/** s + err = a + b exactly (Knuth's two-sum; no FMA needed). */
function twoSum(m: F, a: Value, b: Value): { s: Value; err: Value } {
  const s = m.add(a, b);
  const bb = m.sub(s, a);
  return { s, err: m.add(m.sub(a, m.sub(s, bb)), m.sub(b, bb)) };
}

/**
 * a^b = 2^t, t = b log2|a|. Rounding t to f32 would cost |t| * 2^-24 of
 * relative error (9 ulp at t = 9), so t is kept as hi + lo: b*e is exact
 * from a 12/12-bit split of b, b*log2(m) is rounded (|log2 m| ≤ 1/2), and a
 * two-sum joins them. Non-finite cases take the plain product. Signs and
 * NaNs follow Math.pow for negative a; x^0 = 1.
 */
function pow(m: F, a: Value, b: Value): Value {
  const e = m.e;
  const absA = m.fabs(a);
  const { e: ex, lnm } = logParts(m, absA);
  const l2m = m.mul(lnm, m.k(Math.LOG2E));
  const tPlain = m.mul(b, logSpecials(m, m.add(ex, l2m), absA));
  const bh = m.float(m.ib('and', b, m.u(0xfffff000)));
  const bl = m.sub(b, bh);
  const { s: s1, err } = twoSum(m, m.mul(bh, ex), m.mul(b, l2m));
  const lo = m.add(err, m.mul(bl, ex));
  const hi0 = m.add(s1, lo);
  const lo0 = m.sub(lo, m.sub(hi0, s1));
  // Where t is ±inf/NaN (0, inf or NaN operands) or the split overflowed (lo NaN): the plain product, lo = 0.
  const inf = m.sub(tPlain, tPlain);
  const tBad = m.cmp('ne', inf, inf);
  const hi1 = m.where(tBad, tPlain, hi0);
  const lo1 = m.where(tBad, m.k(0), lo0);
  const loBad = m.cmp('ne', lo1, lo1);
  const hi = m.where(loBad, tPlain, hi1);
  const loF = m.where(loBad, m.k(0), lo1);
  const mag = exp2(m, hi, loF);
  // b integral: trunc(b) == b; b even: trunc(b/2) == b/2 (both exact for every f32).
  const hb = m.mul(b, m.k(0.5));
  const integral = m.cmp('eq', e.un('ftrunc', b), b);
  const even = m.cmp('eq', e.un('ftrunc', hb), hb);
  const signSet = e.cmp('lt', e.cast(a, 'i32'), e.i(0)); // -0 and -inf included
  // Negative where the sign bit of a is set and b is an odd integer; NaN where a < 0 (finite) and b is not
  // integral; a = -inf with a non-integral b keeps the magnitude.
  const oddInt = e.op('and', [integral, e.op('not', [even], 'bool')], 'bool');
  const r0 = m.where(e.op('and', [signSet, oddInt], 'bool'), m.fneg(mag), mag);
  const negFinite = e.op('and', [m.cmp('lt', a, m.k(0)), m.cmp('ne', a, m.kb(NEG_INF))], 'bool');
  const r1 = m.where(e.op('and', [negFinite, e.op('not', [integral], 'bool')], 'bool'), m.k(NaN), r0);
  return m.whereEq(r1, b, m.k(0), m.k(1));
}

/** π/2 in three parts; k*P1 and k*P2 are exact for |k| < 2^12 (Cody-Waite, Cephes' constants doubled). */
const P1 = 1.5703125;
const P2 = 4.837512969970703125e-4;
const P3 = 7.54978995489188216e-8;

/**
 * sin (quadrant 0) or cos (quadrant offset 1) of x: r = x - kπ/2, Taylor polynomials on |r| ≤ π/4 — for
 * qpu.fast.sin on a target without the SFU's sine only (accurate for |x| ≤ 2^12 π/2; Math.sin/cos/tan:
 * compiler/passes/trig-reduce.ts).
 */
function sinCos(m: F, x: Value, cos: boolean): Value {
  const e = m.e;
  const k = e.un('frint', m.mul(x, m.k(2 / Math.PI)));
  const r = m.sub(m.sub(m.sub(x, m.mul(k, m.k(P1))), m.mul(k, m.k(P2))), m.mul(k, m.k(P3)));
  const qi = e.cvt(k, 'i32');
  const q = cos ? e.bin('add', qi, e.i(1)) : qi;
  const z = m.mul(r, r);
  const s = m.add(r, m.mul(m.mul(r, z), m.horner(z, [-1 / 6, 1 / 120, -1 / 5040, 1 / 362880])));
  const co = m.add(m.sub(m.k(1), m.mul(z, m.k(0.5))), m.mul(m.mul(z, z), m.horner(z, [1 / 24, -1 / 720, 1 / 40320, -1 / 3628800])));
  const v = m.where(e.cmp('ne', e.bin('and', q, e.i(1)), e.i(0)), co, s);
  const w = m.where(e.cmp('ne', e.bin('and', q, e.i(2)), e.i(0)), m.fneg(v), v);
  // sin(±0) = ±0 (the reduction would give +0).
  return cos ? w : m.whereEq(w, x, m.k(0), x);
}

/**
 * qpu.fast.sin with the SFU's sin(π t), specified for |t| ≤ 1/2 (semantics
 * notes 4): t = x/π reduced by the nearest integer n, the sign flipped for odd n.
 */
function fastSin(m: F, x: Value): Value {
  const e = m.e;
  const t = m.mul(x, m.k(1 / Math.PI));
  const n = e.un('frint', t);
  const s = e.un('fsinpi', m.sub(t, n));
  return m.where(e.cmp('ne', e.bin('and', e.cvt(n, 'i32'), e.i(1)), e.i(0)), m.fneg(s), s);
}

/** x with the sign of s (both f32). */
function copySign(m: F, x: Value, s: Value): Value {
  const e = m.e;
  return m.float(e.bin('or', e.bin('and', m.bits(x), m.u(0x7fffffff)), e.bin('and', m.bits(s), m.u(NEG_ZERO))));
}

/** Whether x is +inf or -inf. */
function isInf(m: F, x: Value): Value {
  return m.cmp('eq', m.fabs(x), m.kb(INF));
}

/** Math.sign: ±1, or x itself for ±0 and NaN. */
function sign(m: F, x: Value): Value {
  return m.where(m.cmp('gt', x, m.k(0)), m.k(1), m.where(m.cmp('lt', x, m.k(0)), m.k(-1), x));
}

/** Math.log10: ln x · log10 e (ln's special values carry over: the factor is positive and finite). */
function log10(m: F, x: Value): Value {
  return m.mul(ln(m, x), m.k(Math.LOG10E));
}

/** e^x − 1: Taylor series to degree 9 for |x| < 1/2 (no cancellation), e^x − 1 beyond (no large cancellation there). */
function expm1(m: F, x: Value): Value {
  const small = m.mul(x, m.horner(x, Array.from({ length: 9 }, (_, k) => 1 / factorial(k + 1))));
  const big = m.sub(exp(m, x), m.k(1));
  // ±0 keeps its sign (x·p(x) does); NaN propagates through both.
  return m.where(m.cmp('lt', m.fabs(x), m.k(0.5)), small, big);
}

/** ln(1 + x): u = 1 + x rounded, then ln(u) · x / (u − 1), which cancels u's rounding error (Goldberg); x itself where u = 1. */
function log1p(m: F, x: Value): Value {
  const u = m.add(m.k(1), x);
  const d = m.sub(u, m.k(1));
  const r = m.mul(ln(m, u), fdivApprox(m, x, d));
  const tiny = m.where(m.cmp('eq', d, m.k(0)), x, r);
  // x = +inf: inf/inf in the correction; x = -1: ln 0 = -inf times 1.
  return m.where(m.cmp('eq', x, m.kb(INF)), x, m.where(m.cmp('eq', x, m.k(-1)), m.kb(NEG_INF), tiny));
}

/**
 * sinh and cosh: for |x| < 1 sinh by its Taylor series to x^9 (no
 * cancellation); up to 9, (e^|x| ∓ e^-|x|)/2; beyond, h·(h/2) with
 * h = e^(|x|/2) (e^-|x| is below an ulp; halving the argument is exact and
 * keeps e^|x|/2 finite up to where sinh itself overflows).
 */
function sinhCosh(m: F, x: Value, cosh: boolean): Value {
  const a = m.fabs(x);
  const ea = exp(m, a);
  const inv = fdivApprox(m, m.k(1), ea);
  const mid = m.mul(cosh ? m.add(ea, inv) : m.sub(ea, inv), m.k(0.5));
  const h = exp(m, m.mul(a, m.k(0.5)));
  const big = m.mul(h, m.mul(h, m.k(0.5)));
  let r = m.where(m.cmp('gt', a, m.k(9)), big, mid);
  if (cosh) return m.passNaN(r, x);
  const z = m.mul(a, a);
  const series = m.add(a, m.mul(m.mul(a, z), m.horner(z, [1 / 6, 1 / 120, 1 / 5040, 1 / 362880])));
  r = m.where(m.cmp('lt', a, m.k(1)), series, r);
  return m.passNaN(copySign(m, r, x), x);
}

/** tanh |x| = t / (t + 2) with t = e^(2|x|) − 1 (accurate for small |x| through expm1); 1 from |x| ≥ 10; sign restored. */
function tanh(m: F, x: Value): Value {
  const a = m.fabs(x);
  const t = expm1(m, m.mul(a, m.k(2)));
  const r = m.where(m.cmp('ge', a, m.k(10)), m.k(1), fdivApprox(m, t, m.add(t, m.k(2))));
  return m.passNaN(copySign(m, r, x), x);
}


/**
 * atan x (Cephes' atanf): |x| > tan 3π/8 → π/2 + atan(−1/|x|);
 * |x| > tan π/8 → π/4 + atan((|x|−1)/(|x|+1)); then a degree-9 odd
 * polynomial on |a| ≤ tan π/8; sign restored.
 */
function atan(m: F, x: Value): Value {
  const a0 = m.fabs(x);
  const far = m.cmp('gt', a0, m.k(2.414213562373095));
  const near = m.cmp('gt', a0, m.k(0.4142135623730950));
  const a = m.where(far, m.fneg(fdivApprox(m, m.k(1), a0)), m.where(near, fdivApprox(m, m.sub(a0, m.k(1)), m.add(a0, m.k(1))), a0));
  const y0 = m.where(far, m.k(Math.PI / 2), m.where(near, m.k(Math.PI / 4), m.k(0)));
  const z = m.mul(a, a);
  const p = m.mul(m.mul(m.horner(z, [-3.33329491539e-1, 1.99777106478e-1, -1.38776856032e-1, 8.05374449538e-2]), z), a);
  const r = m.add(y0, m.add(p, a));
  return m.passNaN(copySign(m, r, x), x);
}

/**
 * atan2(y, x): atan(y/x) (the quotient correctly rounded), plus ±π on the
 * left half-plane (x < 0 or x = −0) with the sign of y; Math.atan2's values
 * where y/x is 0/0 or inf/inf.
 */
function atan2(m: F, y: Value, x: Value): Value {
  const e = m.e;
  const left = e.cmp('ne', e.bin('and', m.bits(x), m.u(NEG_ZERO)), m.u(0));
  const piY = copySign(m, m.k(Math.PI), y);
  const base = atan(m, fdiv(m, y, x));
  const r = m.where(left, m.add(base, piY), base);
  // y and x both zero: ±0 on the right, ±π on the left (sign of y).
  const zeros = e.op('and', [m.cmp('eq', y, m.k(0)), m.cmp('eq', x, m.k(0))], 'bool');
  const r1 = m.where(zeros, m.where(left, piY, y), r);
  // Both infinite: ±π/4 on the right, ±3π/4 on the left.
  const infs = e.op('and', [isInf(m, y), isInf(m, x)], 'bool');
  return m.where(infs, copySign(m, m.where(left, m.k((3 * Math.PI) / 4), m.k(Math.PI / 4)), y), r1);
}

/** asin x = atan2(x, √((1−x)(1+x))) (1 − x is exact near 1); NaN beyond ±1. */
function asin(m: F, x: Value): Value {
  return atan2(m, x, fsqrt(m, m.mul(m.sub(m.k(1), x), m.add(m.k(1), x))));
}

/** acos x = atan2(√((1−x)(1+x)), x). */
function acos(m: F, x: Value): Value {
  return atan2(m, fsqrt(m, m.mul(m.sub(m.k(1), x), m.add(m.k(1), x))), x);
}

/** hypot(a, b) = M·√(1 + (m/M)²) with M, m the larger and smaller magnitude; inf if either is infinite (even with NaN), 0 for two zeros. */
function hypot(m: F, a: Value, b: Value): Value {
  const A = m.fabs(a);
  const B = m.fabs(b);
  const hi = m.where(m.cmp('lt', A, B), B, A);
  const lo = m.where(m.cmp('lt', A, B), A, B);
  const q = fdivApprox(m, lo, hi);
  const r = m.mul(hi, fsqrt(m, m.add(m.k(1), m.mul(q, q))));
  const nan = m.add(a, b); // NaN where either is NaN
  const r1 = m.where(m.cmp('ne', nan, nan), nan, m.where(m.cmp('eq', hi, m.k(0)), m.k(0), r));
  return m.where(m.e.op('or', [isInf(m, a), isInf(m, b)], 'bool'), m.kb(INF), r1);
}

/** ∛x: the SFU estimate 2^(log2|x| / 3), then two Newton steps y ← y − (y − |x|/y²)/3; sign restored; ±0, ±inf and NaN as they are. */
function cbrt(m: F, x: Value): Value {
  const e = m.e;
  const a = m.fabs(x);
  let y = e.op('fexp2', [m.mul(e.op('flog2', [a], 'f32', { fast: true }), m.k(1 / 3))], 'f32', { fast: true });
  for (let k = 0; k < 2; k++) y = m.sub(y, m.mul(m.sub(y, fdivApprox(m, a, m.mul(y, y))), m.k(1 / 3)));
  const special = e.op('or', [m.cmp('eq', a, m.k(0)), m.cmp('eq', a, m.kb(INF))], 'bool');
  return m.where(special, x, m.passNaN(copySign(m, y, x), x));
}

/** Reduction steps of {@link frem} per phase: each step removes at least 22 bits of the quotient, a phase 127. */
const FREM_STEPS = 6;

/**
 * x % y as JavaScript computes it (fmod: the exact remainder of the quotient
 * truncated toward zero, with the sign of x). Each step takes q, the
 * quotient estimate r/d (within an ulp) truncated to an integer, and
 * subtracts q·d exactly (Dekker's product; r and q·d are within a factor of
 * two of each other, so r − q·d is exact), leaving |r| ≤ |d| · 2^max(0, e−22)
 * for a quotient of 2^e. A quotient can exceed the f32 range (2^128 / 2^-126),
 * so a first phase reduces modulo d = |y|·2^127 (a multiple of y, exact and
 * finite where |y| < 1; |y| itself otherwise), the second modulo |y|. An
 * estimate one too large leaves r just past zero on the other side: the end
 * adds |y| back. x infinite, y zero or NaN operands give NaN; y infinite
 * keeps x; results below 2^-126 are flushed to 0 as the QPU float ALU does.
 */
function frem(m: F, x: Value, y: Value): Value {
  const ay = m.fabs(y);
  const big = m.where(m.cmp('lt', ay, m.k(1)), m.mul(ay, m.k(2 ** 127)), ay);
  let r = x;
  for (const d of [big, ay]) {
    for (let k = 0; k < FREM_STEPS; k++) {
      const q = m.e.un('ftrunc', fdivApprox(m, r, d));
      // q = 0 (|r| < d) leaves r as it is.
      r = m.where(m.cmp('eq', q, m.k(0)), r, exactResidual(m, r, q, d));
    }
  }
  // Sign of x: a remainder that came out on the other side of zero gets |y| back toward x.
  const wrong = m.e.op('and', [m.cmp('ne', r, m.k(0)), m.e.cmp('ne', m.e.bin('shr', m.ib('xor', r, x), m.u(31)), m.u(0))], 'bool');
  const fixed = m.where(wrong, m.where(m.cmp('lt', x, m.k(0)), m.sub(r, ay), m.add(r, ay)), r);
  // A zero remainder has the sign of x.
  const signed = m.where(m.cmp('eq', fixed, m.k(0)), copySign(m, m.k(0), x), fixed);
  const nan = m.e.op('or', [isInf(m, x), m.cmp('eq', y, m.k(0))], 'bool');
  const r1 = m.where(nan, m.k(NaN), m.where(isInf(m, y), x, signed));
  return m.passNaN(m.passNaN(r1, y), x);
}

/** Expands the accurate f32 operations into primitive ops for `target`. Mutates and returns `fn`. */
export function expandFloatOps(fn: IrFunction, target: TargetInfo): IrFunction {
  const hasSin = (target.sfu as readonly string[]).includes('sin');
  const consts = new Map<Value, number>();
  for (const b of fn.blocks) for (const i of b.instrs) if (i.op === 'const' && i.result) consts.set(i.result, Number(i.attrs?.['value']));
  return expandInstrs(fn, (ins: Instr) => {
    if (ins.result?.type !== 'f32') return undefined;
    const fast = ins.attrs?.['fast'] === true;
    const un = (f: (m: F, x: Value) => Value) => {
      const e = new Expander(fn, ins);
      return e.finishWith(f(new F(e), ins.args[0] as Value));
    };
    const bin = (f: (m: F, x: Value, y: Value) => Value) => {
      const e = new Expander(fn, ins);
      return e.finishWith(f(new F(e), ins.args[0] as Value, ins.args[1] as Value));
    };
    switch (ins.op) {
      // `attrs.approx` (tan = sin / cos, compiler/passes/trig-reduce.ts): within 1 ulp is enough there.
      case 'fdiv': return bin(ins.attrs?.['approx'] === true ? fdivApprox : fdiv);
      case 'fsqrt': return un(fsqrt);
      case 'fexp2': return fast ? undefined : un((m, x) => exp2(m, x));
      case 'fexp': return un(exp);
      case 'flog2': return fast ? undefined : un(log2);
      case 'flog': return un(ln);
      case 'fpow': {
        // x ** 2 and x ** 1 are exact (Math.pow computes them exactly before rounding): no need for the general method.
        const k = consts.get(ins.args[1] as Value);
        if (k === 2) return new Expander(fn, ins).finish('fmul', [ins.args[0] as Value, ins.args[0] as Value]);
        if (k === 1) return new Expander(fn, ins).finishWith(ins.args[0] as Value);
        return bin(pow);
      }
      // Accurate sin, cos and tan were expanded by expand-trig (compiler/passes/trig-reduce.ts); qpu.fast.sin stays here.
      case 'fsin': return fast ? un((m, x) => (hasSin ? fastSin(m, x) : sinCos(m, x, false))) : undefined;
      case 'fatan': return un(atan);
      case 'fasin': return un(asin);
      case 'facos': return un(acos);
      case 'fsinh': return un((m, x) => sinhCosh(m, x, false));
      case 'fcosh': return un((m, x) => sinhCosh(m, x, true));
      case 'ftanh': return un(tanh);
      case 'fsign': return un(sign);
      case 'fcbrt': return un(cbrt);
      case 'fexpm1': return un(expm1);
      case 'flog1p': return un(log1p);
      case 'flog10': return un(log10);
      case 'fatan2': return bin(atan2);
      case 'fhypot': return bin(hypot);
      case 'frem': return bin(frem);
    }
    return undefined;
  });
}
