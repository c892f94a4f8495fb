/**
 * f32 ops for V3D. The ALU gives fadd/fsub/fmul/fmin/fmax/floor/ceil/trunc
 * and the SFU gives ~14-bit recip, rsqrt, exp2, log2 and sin(pi x); the
 * language's accurate operations are built from them:
 *
 * - `fdiv`, `fsqrt`: correctly rounded (a faithful estimate from the SFU
 *   and Newton steps, then the exact remainder picks the neighbour).
 * - `fexp2`, `fexp`, `flog2`, `flog`, `fpow`, `fsin`, `fcos`: range
 *   reduction and polynomials evaluated in f32 (no SFU), ≤ 4 ulp on the
 *   ranges docs/backend-v3d.md lists.
 * - `frecip`, `frsqrt` exist only as `qpu.fast.*`: the raw SFU result.
 *
 * No FMA exists (Mesa sets lower_ffma); denormal inputs and results are
 * flushed to zero by the float ALU (emulator choice, hardware unconfirmed).
 */
import type { Instr } from '../../ir/types.ts';
import type { MSrc, VReg } from './mir.ts';
import { imm } from './mir.ts';
import { alu, arg, constValue, flagOp, inReg, kf, k32, mov, op, override, src, type Ctx, type OpHandler } from './isel-ctx.ts';

const ONE = imm(0x3f800000);
const TWO = imm(0x40000000);
const HALF = imm(0x3f000000);
const INF = 0x7f800000;
const NEG_INF = 0xff800000;
const QNAN = 0x7fc00000;
const NEG_ZERO = 0x80000000;

/** p(x) = cs[0] + x*(cs[1] + x*(…)), Horner in f32. */
function horner(c: Ctx, x: MSrc, cs: number[]): VReg {
  let p: MSrc = kf(c, cs[cs.length - 1] as number);
  for (let k = cs.length - 2; k >= 0; k--) p = op(c, 'fadd', op(c, 'fmul', p, x), kf(c, cs[k] as number));
  return p as VReg;
}

/** res, or x where x is NaN (fcmp of NaN sets no flag: A = (x == x) is false). */
function passNaN(c: Ctx, res: MSrc, x: MSrc): VReg {
  flagOp(c, 'fcmp', 'pushz', x, x);
  return override(c, res, 'ifna', x);
}

/** res, or `value` where x == k (fcmp Z). */
function whereEq(c: Ctx, res: MSrc, x: MSrc, k: MSrc, value: MSrc): VReg {
  flagOp(c, 'fcmp', 'pushz', x, k);
  return override(c, res, 'ifa', value);
}

/** -x with the sign bit flipped exactly (-0 - x: also right for ±0 and NaN). */
function fneg(c: Ctx, x: MSrc): VReg {
  return op(c, 'fsub', k32(c, NEG_ZERO), x);
}

/** The refined reciprocal of b (NaN from the Newton step for b = 0 or ±inf falls back to the SFU value). */
function recipRefined(c: Ctx, b: MSrc): VReg {
  const r0 = op(c, 'recip', b);
  const r1 = op(c, 'fmul', r0, op(c, 'fsub', TWO, op(c, 'fmul', b, r0)));
  return passNaNTo(c, r1, r0);
}

/** res, or `fallback` where res is NaN. */
function passNaNTo(c: Ctx, res: MSrc, fallback: MSrc): VReg {
  flagOp(c, 'fcmp', 'pushz', res, res);
  return override(c, res, 'ifna', fallback);
}

/** a * (1/b) with one residual correction: within 1 ulp, IEEE special cases included (the fallback of {@link fdiv}). */
function fdivApprox(c: Ctx, a0: MSrc, b0: MSrc): VReg {
  // 1/b is denormal (flushed to 0) for |b| >= 2^126: scale both by 2^-32 when |b| > 2^100 (a tiny a flushing
  // to 0 then changes nothing: the quotient is below 2^-194 anyway).
  const down = kf(c, 2 ** -32);
  const sa = op(c, 'fmul', a0, down);
  const sb = op(c, 'fmul', b0, down);
  flagOp(c, 'fcmp', 'pushn', kf(c, 2 ** 100), op(c, 'shr', op(c, 'shl', b0, imm(1)), imm(1)));
  const a = override(c, a0, 'ifa', sa);
  const b = override(c, b0, 'ifa', sb);
  const r = recipRefined(c, b);
  const q = op(c, 'fmul', a, r);
  const resid = op(c, 'fsub', a, op(c, 'fmul', q, b));
  const q2 = op(c, 'fadd', q, op(c, 'fmul', resid, r));
  // Where q is not finite (0/0, x/0, overflow) the correction is NaN: keep q; a zero dividend keeps q's sign (-0 + 0 = +0).
  return whereEq(c, passNaNTo(c, q2, q), a, imm(0), q);
}

/** x split into a high part with 12 significant bits and the exact rest (Dekker). */
function split(c: Ctx, x: MSrc): { hi: VReg; lo: VReg } {
  const hi = op(c, 'and', x, k32(c, 0xfffff000));
  return { hi, lo: op(c, 'fsub', x, hi) };
}

/** a - q*b exactly, for q within an ulp of a/b (Dekker's product; the remainder is then representable). */
function exactResidual(c: Ctx, a: MSrc, q: MSrc, b: MSrc): VReg {
  const p = op(c, 'fmul', q, b);
  const qs = split(c, q);
  const bs = split(c, b);
  const err = op(c, 'fadd', op(c, 'fadd', op(c, 'fadd', op(c, 'fsub', op(c, 'fmul', qs.hi, bs.hi), p), op(c, 'fmul', qs.hi, bs.lo)), op(c, 'fmul', qs.lo, bs.hi)), op(c, 'fmul', qs.lo, bs.lo));
  return op(c, 'fsub', op(c, 'fsub', a, p), err);
}

/**
 * IEEE a / b, correctly rounded (the language defines f32 division exactly).
 * On the mantissas ma, mb in [1, 2): a faithful quotient q (SFU reciprocal,
 * Newton step, residual correction), then its exact remainder decides
 * between q and its neighbours (a quotient is never exactly halfway between
 * two floats, so there are no ties); the exponent difference is applied
 * last, exactly. Zero, infinite, NaN and denormal operands take the
 * reciprocal path, whose special values are IEEE's (denormals read as 0).
 */
export function fdiv(c: Ctx, a: MSrc, b: MSrc): VReg {
  const expOf = (x: MSrc) => op(c, 'shr', op(c, 'shl', x, imm(1)), imm(-8)); // bits 30:23 (shift 24)
  const mantOf = (x: MSrc) => op(c, 'or', op(c, 'shr', op(c, 'shl', x, imm(9)), imm(9)), k32(c, 0x3f800000));
  const ea = expOf(a);
  const eb = expOf(b);
  const ma = mantOf(a);
  const mb = mantOf(b);
  const r = recipRefined(c, mb);
  const q0 = op(c, 'fmul', ma, r);
  const q1 = op(c, 'fadd', q0, op(c, 'fmul', op(c, 'fsub', ma, op(c, 'fmul', q0, mb)), r));
  const e1 = exactResidual(c, ma, q1, mb);
  const up = op(c, 'add', q1, imm(1));
  const down = op(c, 'sub', q1, imm(1));
  const twoE = op(c, 'fmul', e1, TWO);
  const hu = op(c, 'fmul', op(c, 'fsub', up, q1), mb); // half the gap to the next float, times mb, times 2: exact
  const hd = op(c, 'fmul', op(c, 'fsub', q1, down), mb);
  const negTwoE = fneg(c, twoE);
  flagOp(c, 'fcmp', 'pushn', hu, twoE); // remainder beyond the upper midpoint
  const qa = override(c, q1, 'ifa', up);
  flagOp(c, 'fcmp', 'pushn', hd, negTwoE); // below the lower midpoint
  const q = override(c, qa, 'ifa', down);
  const scaled = scale2nInt(c, q, op(c, 'sub', ea, eb));
  const sign = op(c, 'shl', op(c, 'shr', op(c, 'xor', a, b), imm(-1)), imm(-1));
  const exact = op(c, 'or', scaled, sign);
  // Exponent field 0 or 255 in either operand: (e - 1) as u32 >= 254.
  const worst = op(c, 'umax', op(c, 'sub', ea, imm(1)), op(c, 'sub', eb, imm(1)));
  const approx = fdivApprox(c, a, b);
  flagOp(c, 'sub', 'pushc', worst, k32(c, 254)); // C: worst < 254 (both normal)
  return override(c, exact, 'ifna', approx);
}

/** sqrt(x) within 1 ulp: SFU rsqrt, one Newton step, one residual correction; IEEE special values. */
function fsqrtApprox(c: Ctx, x: MSrc): VReg {
  const y = op(c, 'rsqrt', x);
  // y1 = y * (1.5 - 0.5 * (x*y)*y): products stay near 1, so no denormal intermediate for tiny x.
  const xyy = op(c, 'fmul', op(c, 'fmul', x, y), y);
  const y1 = op(c, 'fmul', y, op(c, 'fsub', kf(c, 1.5), op(c, 'fmul', xyy, HALF)));
  const s = op(c, 'fmul', x, y1);
  const s2 = op(c, 'fadd', s, op(c, 'fmul', op(c, 'fsub', x, op(c, 'fmul', s, s)), op(c, 'fmul', y1, HALF)));
  // sqrt(±0) = ±0 and sqrt(inf) = inf, where the estimate is 0*inf = NaN.
  return whereEq(c, whereEq(c, s2, x, imm(0), x), x, k32(c, INF), x);
}

/**
 * sqrt(x) correctly rounded for positive normal x (the hardware square root
 * the language refers to is exact; the language allows 2 ulp). x = m * 2^(2k)
 * with m in [1, 4); s faithful to sqrt(m) from {@link fsqrtApprox}; with the
 * exact remainder e = m - s^2 (Dekker), s rounds up iff e > s*u and down iff
 * e <= -s*d (u, d: gaps to the neighbours; both sides are multiples of the
 * grid, and square roots have no ties); then the exact scaling by 2^k.
 */
function fsqrt(c: Ctx, x: MSrc): VReg {
  const field = op(c, 'shr', x, imm(-9)); // sign and exponent (shift 23)
  const ex = op(c, 'sub', field, k32(c, 127));
  const m1 = op(c, 'or', op(c, 'shr', op(c, 'shl', x, imm(9)), imm(9)), k32(c, 0x3f800000));
  const m2 = op(c, 'fmul', m1, TWO);
  flagOp(c, 'and', 'pushz', ex, imm(1));
  const m = override(c, m1, 'ifna', m2); // odd exponent: m in [2, 4)
  const k = op(c, 'asr', ex, imm(1));
  const s = fsqrtApprox(c, m);
  const e = exactResidual(c, m, s, s);
  const up = op(c, 'add', s, imm(1));
  const down = op(c, 'sub', s, imm(1));
  const su = op(c, 'fmul', s, op(c, 'fsub', up, s));
  const nsd = fneg(c, op(c, 'fmul', s, op(c, 'fsub', s, down)));
  flagOp(c, 'fcmp', 'pushn', su, e); // su < e
  const r1 = override(c, s, 'ifa', up);
  flagOp(c, 'fcmp', 'pushc', e, nsd); // e <= -s*d
  const r = override(c, r1, 'ifa', down);
  const exact = scale2nInt(c, r, k);
  // Positive normal x: (field - 1) as u32 < 254 (the sign bit makes field >= 256).
  const approx = fsqrtApprox(c, x);
  flagOp(c, 'sub', 'pushc', op(c, 'sub', field, imm(1)), k32(c, 254));
  return override(c, exact, 'ifna', approx);
}

/** p * 2^n for an integral f32 n in [-252, 254] (two exponent-field scalings, each in range). */
function scale2n(c: Ctx, p: MSrc, n: MSrc): VReg {
  return scale2nInt(c, p, op(c, 'ftoiz', n));
}

/** p * 2^ni for an i32 ni in [-252, 254]. */
function scale2nInt(c: Ctx, p: MSrc, ni: MSrc): VReg {
  const n1 = op(c, 'asr', ni, imm(1));
  const n2 = op(c, 'sub', ni, n1);
  const pow = (k: MSrc) => op(c, 'shl', op(c, 'add', k, k32(c, 127)), imm(-9)); // shift 23 (counts are mod 32; small immediates are -16..15)
  return op(c, 'fmul', op(c, 'fmul', p, pow(n1)), pow(n2));
}

const EXP2_COEFFS = Array.from({ length: 8 }, (_, k) => Math.LN2 ** k / factorial(k));
const EXP_COEFFS = Array.from({ length: 9 }, (_, k) => 1 / factorial(k));
function factorial(k: number): number {
  return k <= 1 ? 1 : k * factorial(k - 1);
}

/** 2^(t + lo): t = n + f with n = round(t), |f| ≤ 1/2, Taylor series of e^(f ln 2) to degree 7. */
function exp2(c: Ctx, t: MSrc, lo?: MSrc): VReg {
  const tc = op(c, 'fmin', op(c, 'fmax', t, kf(c, -200)), kf(c, 200));
  const n = op(c, 'fround', tc);
  const f0 = op(c, 'fsub', tc, n);
  const f = lo ? op(c, 'fadd', f0, lo) : f0;
  return passNaN(c, scale2n(c, horner(c, f, EXP2_COEFFS), n), t);
}

/** ln 2 split so that n * LN2_HI is exact for |n| < 2^9 (Cody-Waite). */
const LN2_HI = 0.693145751953125;
const LN2_LO = 1.428606765330187045e-6;

/** e^x: n = round(x log2 e), r = x - n ln2 in two parts, Taylor series of e^r to degree 8. */
function exp(c: Ctx, x: MSrc): VReg {
  const xc = op(c, 'fmin', op(c, 'fmax', x, kf(c, -150)), kf(c, 150));
  const n = op(c, 'fround', op(c, 'fmul', xc, kf(c, Math.LOG2E)));
  const r = op(c, 'fsub', op(c, 'fsub', xc, op(c, 'fmul', n, kf(c, LN2_HI))), op(c, 'fmul', n, kf(c, LN2_LO)));
  return passNaN(c, scale2n(c, horner(c, r, EXP_COEFFS), n), x);
}

/**
 * x = m * 2^e with m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh(s), s = (m-1)/(m+1),
 * series to s^11. Returns e (as f32) and ln m.
 */
function logParts(c: Ctx, x: MSrc): { e: VReg; lnm: VReg } {
  const e0 = op(c, 'sub', op(c, 'shr', x, imm(-9)), k32(c, 127)); // exponent field (shift 23)
  const m0 = op(c, 'or', op(c, 'shr', op(c, 'shl', x, imm(9)), imm(9)), k32(c, 0x3f800000)); // mantissa bits (shift 9)
  const half = op(c, 'fmul', m0, HALF);
  const e1 = op(c, 'add', e0, imm(1));
  flagOp(c, 'fcmp', 'pushn', kf(c, Math.SQRT2), m0); // N: sqrt2 < m
  const m = override(c, m0, 'ifa', half);
  const e = override(c, e0, 'ifa', e1);
  const s = fdiv(c, op(c, 'fsub', m, ONE), op(c, 'fadd', m, ONE));
  const z = op(c, 'fmul', s, s);
  const lnm = op(c, 'fmul', op(c, 'fmul', s, TWO), horner(c, z, [1, 1 / 3, 1 / 5, 1 / 7, 1 / 9, 1 / 11]));
  return { e: op(c, 'itof', e), lnm };
}

/** log special cases: x < 0 → NaN, ±0 → -inf, +inf → +inf, NaN → NaN. */
function logSpecials(c: Ctx, res: MSrc, x: MSrc): VReg {
  flagOp(c, 'fcmp', 'pushn', x, imm(0));
  const r1 = override(c, res, 'ifa', k32(c, QNAN));
  const r2 = whereEq(c, r1, x, imm(0), k32(c, NEG_INF));
  return passNaN(c, whereEq(c, r2, x, k32(c, INF), x), x);
}

function log2(c: Ctx, x: MSrc): VReg {
  const { e, lnm } = logParts(c, x);
  return logSpecials(c, op(c, 'fadd', e, op(c, 'fmul', lnm, kf(c, Math.LOG2E))), x);
}

function ln(c: Ctx, x: MSrc): VReg {
  const { e, lnm } = logParts(c, x);
  const r = op(c, 'fadd', op(c, 'fmul', e, kf(c, LN2_HI)), op(c, 'fadd', op(c, 'fmul', e, kf(c, LN2_LO)), lnm));
  return logSpecials(c, r, x);
}

/** s + err = a + b exactly (Knuth's two-sum; no FMA needed). */
function twoSum(c: Ctx, a: MSrc, b: MSrc): { s: VReg; err: VReg } {
  const s = op(c, 'fadd', a, b);
  const bb = op(c, 'fsub', s, a);
  const err = op(c, 'fadd', op(c, 'fsub', a, op(c, 'fsub', s, bb)), op(c, 'fsub', b, bb));
  return { s, err };
}

/**
 * a^b = 2^t, t = b log2|a|. Rounding t to f32 would cost |t| * 2^-24 of
 * relative error (9 ulp at t = 9), so t is kept as hi + lo: b*e is exact
 * from a 12/12-bit split of b, b*log2(m) is rounded (|log2 m| ≤ 1/2), and a
 * two-sum joins them. Non-finite cases take the plain product. Signs and
 * NaNs follow Math.pow for negative a; x^0 = 1.
 */
function pow(c: Ctx, a: MSrc, b: MSrc): VReg {
  const absA = op(c, 'shr', op(c, 'shl', a, imm(1)), imm(1));
  const { e, lnm } = logParts(c, absA);
  const l2m = op(c, 'fmul', lnm, kf(c, Math.LOG2E));
  const tPlain = op(c, 'fmul', b, logSpecials(c, op(c, 'fadd', e, l2m), absA));
  const bh = op(c, 'and', b, k32(c, 0xfffff000));
  const bl = op(c, 'fsub', b, bh);
  const { s: s1, err } = twoSum(c, op(c, 'fmul', bh, e), op(c, 'fmul', b, l2m));
  const lo = op(c, 'fadd', err, op(c, 'fmul', bl, e));
  const hi0 = op(c, 'fadd', s1, lo);
  const lo0 = op(c, 'fsub', lo, op(c, 'fsub', hi0, s1));
  // Where t is ±inf/NaN (0, inf or NaN operands) or the split overflowed (lo NaN): the plain product, lo = 0.
  const inf = op(c, 'fsub', tPlain, tPlain);
  flagOp(c, 'fcmp', 'pushz', inf, inf);
  const hi1 = override(c, hi0, 'ifna', tPlain);
  const lo1 = override(c, lo0, 'ifna', imm(0));
  flagOp(c, 'fcmp', 'pushz', lo1, lo1);
  const hi = override(c, hi1, 'ifna', tPlain);
  const loF = override(c, lo1, 'ifna', imm(0));
  const mag = exp2(c, hi, loF);
  const negMag = fneg(c, mag);
  // b integral: trunc(b) == b; b even: trunc(b/2) == b/2 (both exact for every f32).
  const hb = op(c, 'fmul', b, HALF);
  const tb = op(c, 'ftrunc', b);
  const thb = op(c, 'ftrunc', hb);
  const ar = inReg(c, a);
  // A push moves A into B. Sign bit of a set (-0 and -inf included) and b not even: negative…
  flagOp(c, 'fcmp', 'pushz', thb, hb);
  flagOp(c, 'or', 'pushn', ar, ar);
  const r0 = override(c, mag, 'ifa', negMag);
  alu(c, 'add', 'mov', r0, [mag], { cond: 'ifb' });
  // …unless b is not integral either (then the magnitude; -0 and -inf keep it)…
  flagOp(c, 'fcmp', 'pushz', tb, b);
  flagOp(c, 'or', 'pushn', ar, ar);
  const r1 = override(c, r0, 'ifa', mag);
  alu(c, 'add', 'mov', r1, [r0], { cond: 'ifb' });
  // …and a < 0 (finite) with b not integral is NaN.
  flagOp(c, 'fcmp', 'pushz', tb, b);
  flagOp(c, 'fcmp', 'pushn', a, imm(0));
  const r2 = override(c, r1, 'ifa', k32(c, QNAN));
  alu(c, 'add', 'mov', r2, [r1], { cond: 'ifb' });
  flagOp(c, 'fcmp', 'pushz', tb, b);
  flagOp(c, 'fcmp', 'pushz', a, k32(c, NEG_INF)); // B = (b integral), A = (a == -inf)
  const r3 = override(c, r2, 'ifa', r1);
  alu(c, 'add', 'mov', r3, [r2], { cond: 'ifb' });
  return whereEq(c, r3, b, imm(0), ONE);
}

/** π/2 in three parts; k*P1 and k*P2 are exact for |k| < 2^12 (Cody-Waite, Cephes' constants doubled). */
const P1 = 1.5703125;
const P2 = 4.837512969970703125e-4;
const P3 = 7.54978995489188216e-8;

/** sin (quadrant 0) or cos (quadrant offset 1) of x: r = x - kπ/2, Taylor polynomials on |r| ≤ π/4. */
/**
 * qpu.fast.sin: the SFU computes sin(pi t) for |t| <= 0.5 (semantics notes 4), so t = x/pi is reduced by
 * the nearest integer n and the sign flipped for odd n; no polynomial refinement.
 */
function fastSin(c: Ctx, x: MSrc): VReg {
  const t = op(c, 'fmul', x, kf(c, 1 / Math.PI));
  const n = op(c, 'fround', t);
  const s = op(c, 'sin', op(c, 'fsub', t, n));
  flagOp(c, 'and', 'pushz', op(c, 'ftoiz', n), imm(1));
  return override(c, s, 'ifna', fneg(c, s));
}

function sinCos(c: Ctx, x: MSrc, cos: boolean): VReg {
  const k = op(c, 'fround', op(c, 'fmul', x, kf(c, 2 / Math.PI)));
  const r = op(c, 'fsub', op(c, 'fsub', op(c, 'fsub', x, op(c, 'fmul', k, kf(c, P1))), op(c, 'fmul', k, kf(c, P2))), op(c, 'fmul', k, kf(c, P3)));
  const qi = op(c, 'ftoiz', k);
  const q = cos ? op(c, 'add', qi, imm(1)) : qi;
  const z = op(c, 'fmul', r, r);
  const s = op(c, 'fadd', r, op(c, 'fmul', op(c, 'fmul', r, z), horner(c, z, [-1 / 6, 1 / 120, -1 / 5040, 1 / 362880])));
  const co = op(c, 'fadd', op(c, 'fsub', ONE, op(c, 'fmul', z, HALF)), op(c, 'fmul', op(c, 'fmul', z, z), horner(c, z, [1 / 24, -1 / 720, 1 / 40320, -1 / 3628800])));
  flagOp(c, 'and', 'pushz', q, imm(1));
  const v = override(c, s, 'ifna', co);
  const nv = fneg(c, v);
  flagOp(c, 'and', 'pushz', q, imm(2));
  const w = override(c, v, 'ifna', nv);
  // sin(±0) = ±0 (the reduction would give +0).
  return cos ? w : whereEq(c, w, x, imm(0), x);
}

/** fmin/fmax with JavaScript's NaN propagation (the ALU returns the other operand). */
export function minMax(c: Ctx, name: 'fmin' | 'fmax', a: MSrc, b: MSrc): VReg {
  return passNaN(c, passNaN(c, op(c, name, a, b), a), b);
}

/** Math.round: floor(x), +1 where x - floor(x) ≥ 1/2 (exact), with x's sign (-0.3 → -0). */
function round(c: Ctx, x: MSrc): VReg {
  const fl = op(c, 'ffloor', x);
  const diff = op(c, 'fsub', x, fl);
  const up = op(c, 'fadd', fl, ONE);
  flagOp(c, 'fcmp', 'pushc', HALF, diff); // C: 0.5 <= diff
  const r = override(c, fl, 'ifa', up);
  const mag = op(c, 'shr', op(c, 'shl', r, imm(1)), imm(1));
  const sign = op(c, 'shl', op(c, 'shr', x, imm(-1)), imm(-1));
  return op(c, 'or', mag, sign);
}

const un = (f: (c: Ctx, x: MSrc) => MSrc): OpHandler => (c, ins, d) => mov(c, d, f(c, src(c, arg(c, ins, 0))));
const bin = (f: (c: Ctx, x: MSrc, y: MSrc) => MSrc): OpHandler => (c, ins, d) => mov(c, d, f(c, src(c, arg(c, ins, 0)), src(c, arg(c, ins, 1))));
const direct = (name: string, unit: 'add' | 'mul'): OpHandler => (c, ins: Instr, d) =>
  alu(c, unit, name, d, ins.args.map((a) => src(c, a)));

/** Float op handlers. */
export const FLOAT_OPS: Record<string, OpHandler> = {
  fadd: direct('fadd', 'add'),
  fsub: direct('fsub', 'add'),
  fmul: direct('fmul', 'mul'),
  ffloor: direct('ffloor', 'add'),
  fceil: direct('fceil', 'add'),
  ftrunc: direct('ftrunc', 'add'),
  fmin: bin((c, a, b) => minMax(c, 'fmin', a, b)),
  fmax: bin((c, a, b) => minMax(c, 'fmax', a, b)),
  fneg: un(fneg),
  fabs: un((c, x) => op(c, 'shr', op(c, 'shl', x, imm(1)), imm(1))),
  fround: un(round),
  fdiv: bin(fdiv),
  fsqrt: un(fsqrt),
  frecip: un((c, x) => op(c, 'recip', x)),
  frsqrt: un((c, x) => op(c, 'rsqrt', x)),
  // qpu.fast.*: the raw SFU result (attrs.fast), about 12 correct bits; Math.* gets the accurate sequences.
  fexp2: (c, ins, d) => mov(c, d, ins.attrs?.fast ? op(c, 'exp', src(c, arg(c, ins, 0))) : exp2(c, src(c, arg(c, ins, 0)))),
  fexp: un(exp),
  flog2: (c, ins, d) => mov(c, d, ins.attrs?.fast ? op(c, 'log', src(c, arg(c, ins, 0))) : log2(c, src(c, arg(c, ins, 0)))),
  flog: un(ln),
  // x ** 2 and x ** 1 are exact (Math.pow computes them exactly before rounding): no need for the general method.
  fpow: (c, ins, d) => {
    const k = constValue(c, arg(c, ins, 1));
    const x = src(c, arg(c, ins, 0));
    if (k === 0x40000000) alu(c, 'mul', 'fmul', d, [x, x]);
    else if (k === 0x3f800000) mov(c, d, x);
    else mov(c, d, pow(c, x, src(c, arg(c, ins, 1))));
  },
  fsin: (c, ins, d) => mov(c, d, ins.attrs?.fast ? fastSin(c, src(c, arg(c, ins, 0))) : sinCos(c, src(c, arg(c, ins, 0)), false)),
  fcos: un((c, x) => sinCos(c, x, true)),
};
