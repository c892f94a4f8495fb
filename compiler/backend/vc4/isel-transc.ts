/**
 * exp, log, pow, sin and cos for VC4, until the IR lowering of the math
 * functions takes them over for every target: the V3D backend's range
 * reductions and polynomials (docs/backend-v3d.md, "Accuracy"), written with
 * this backend's IEEE-exact primitives (isel-float.ts), so the same bounds
 * hold. VC4's SFU has no sine: `qpu.fast.sin` is the accurate sine here.
 */
import type { Instr } from '../../ir/types.ts';
import { f32Bits } from '../../ir/f32.ts';
import type { Src, VReg } from './mir.ts';
import { arg, constValue, flags, IO, k32, mov, newVReg, op, override, src, zeroTest, type Ctx, type OpHandler } from './isel-ctx.ts';
import { faddRne, fcmp, fmulIeee, minMax, rounding, sfu } from './isel-float.ts';
import { simm } from './isel-int.ts';
import { fdiv } from './isel-math.ts';

const SIGN = 0x80000000;
const ABS = 0x7fffffff;
const INF = 0x7f800000;
const NEG_INF = 0xff800000;
const QNAN = 0x7fc00000;
const ONE: Src = { k: 'imm', code: 32 };
const HALF: Src = { k: 'imm', code: 47 };

const fadd = (c: Ctx, a: Src, b: Src): VReg => faddRne(c, a, b);
const fsub = (c: Ctx, a: Src, b: Src): VReg => faddRne(c, a, op(c, 'xor', b, k32(c, SIGN)));
const fmul = (c: Ctx, a: Src, b: Src): VReg => fmulIeee(c, a, b);
const kf = (c: Ctx, x: number): Src => k32(c, f32Bits(x));
const fneg = (c: Ctx, x: Src): VReg => op(c, 'xor', x, k32(c, SIGN));

/** p(x) = cs[0] + x·(cs[1] + x·(…)), Horner in f32. */
function horner(c: Ctx, x: Src, cs: number[]): Src {
  let p: Src = kf(c, cs[cs.length - 1] as number);
  for (let k = cs.length - 2; k >= 0; k--) p = fadd(c, fmul(c, p, x), kf(c, cs[k] as number));
  return p;
}

/** res, or x where x is NaN. */
function passNaN(c: Ctx, res: Src, x: Src): VReg {
  flags(c, 'sub', k32(c, INF), op(c, 'and', x, k32(c, ABS)));
  return override(c, res, 'cs', x);
}

/** res, or `value` where x has the bits of `bits` (±0 for bits = 0). */
function whereBits(c: Ctx, res: Src, x: Src, bits: number, value: Src): VReg {
  if (bits === 0) flags(c, 'shl', x, simm(1));
  else flags(c, 'xor', x, k32(c, bits));
  return override(c, res, 'zs', value);
}

/** A 0/1 register: the float compare `a pred b`. */
function fbool(c: Ctx, pred: string, a: Src, b: Src): VReg {
  const d = newVReg(c);
  fcmp(c, pred, a, b, d);
  return d;
}

/** cond ? x : y for a 0/1 register cond. */
function choose(c: Ctx, cond: Src, x: Src, y: Src): VReg {
  zeroTest(c, cond);
  return override(c, x, 'zs', y);
}

/** p · 2^n for an integral f32 n in [−252, 254] (two exponent-field scalings). */
function scale2n(c: Ctx, p: Src, n: Src): VReg {
  const ni = op(c, 'ftoi', n);
  const n1 = op(c, 'asr', ni, simm(1));
  const n2 = op(c, 'sub', ni, n1);
  const pow = (k: Src) => op(c, 'shl', op(c, 'add', k, k32(c, 127)), simm(-9)); // << 23
  return fmul(c, fmul(c, p, pow(n1)), pow(n2));
}

function factorial(k: number): number {
  return k <= 1 ? 1 : k * factorial(k - 1);
}
const EXP2_COEFFS = Array.from({ length: 8 }, (_, k) => Math.LN2 ** k / factorial(k));
const EXP_COEFFS = Array.from({ length: 9 }, (_, k) => 1 / factorial(k));
const LN2_HI = 0.693145751953125;
const LN2_LO = 1.428606765330187045e-6;

/** 2^(t + lo): n = round(t), Taylor series of e^(f ln 2) to degree 7. */
function exp2(c: Ctx, t: Src, lo?: Src): VReg {
  const tc = minMax(c, false, minMax(c, true, t, kf(c, -200)), kf(c, 200));
  const n = rounding(c, 'round', tc);
  const f0 = fsub(c, tc, n);
  const f = lo ? fadd(c, f0, lo) : f0;
  return passNaN(c, scale2n(c, horner(c, f, EXP2_COEFFS), n), t);
}

/** e^x: n = round(x log2 e), r = x − n ln2 in two parts, Taylor series to degree 8. */
function exp(c: Ctx, x: Src): VReg {
  const xc = minMax(c, false, minMax(c, true, x, kf(c, -150)), kf(c, 150));
  const n = rounding(c, 'round', fmul(c, xc, kf(c, Math.LOG2E)));
  const r = fsub(c, fsub(c, xc, fmul(c, n, kf(c, LN2_HI))), fmul(c, n, kf(c, LN2_LO)));
  return passNaN(c, scale2n(c, horner(c, r, EXP_COEFFS), n), x);
}

/** x = m·2^e with m in [√½, √2); ln m = 2 atanh((m−1)/(m+1)) to s^11. */
function logParts(c: Ctx, x: Src): { e: VReg; lnm: VReg } {
  const e0 = op(c, 'sub', op(c, 'shr', x, simm(-9)), k32(c, 127));
  const m0 = op(c, 'or', op(c, 'shr', op(c, 'shl', x, simm(9)), simm(9)), k32(c, 0x3f800000));
  const half = fmul(c, m0, HALF);
  const e1 = op(c, 'add', e0, simm(1));
  flags(c, 'fmax', m0, kf(c, Math.SQRT2)); // C: m0 > √2
  const m = override(c, m0, 'cs', half);
  const e = override(c, e0, 'cs', e1);
  const s = fdiv(c, fsub(c, m, ONE), fadd(c, m, ONE));
  const z = fmul(c, s, s);
  const lnm = fmul(c, fmul(c, s, { k: 'imm', code: 33 }), horner(c, z, [1, 1 / 3, 1 / 5, 1 / 7, 1 / 9, 1 / 11]));
  return { e: op(c, 'itof', e), lnm };
}

/** log special cases: x < 0 → NaN, ±0 → −inf, +inf → +inf, NaN → NaN. */
function logSpecials(c: Ctx, res: Src, x: Src): VReg {
  flags(c, 'fmax', { k: 'imm', code: 0 }, x); // C: 0 > x
  const r1 = override(c, res, 'cs', k32(c, QNAN));
  const r2 = whereBits(c, r1, x, 0, k32(c, NEG_INF));
  return passNaN(c, whereBits(c, r2, x, INF, x), x);
}

function log2(c: Ctx, x: Src): VReg {
  const { e, lnm } = logParts(c, x);
  return logSpecials(c, fadd(c, e, fmul(c, lnm, kf(c, Math.LOG2E))), x);
}

function ln(c: Ctx, x: Src): VReg {
  const { e, lnm } = logParts(c, x);
  return logSpecials(c, fadd(c, fmul(c, e, kf(c, LN2_HI)), fadd(c, fmul(c, e, kf(c, LN2_LO)), lnm)), x);
}

/** s + err = a + b exactly (two-sum). */
function twoSum(c: Ctx, a: Src, b: Src): { s: VReg; err: VReg } {
  const s = fadd(c, a, b);
  const bb = fsub(c, s, a);
  return { s, err: fadd(c, fsub(c, a, fsub(c, s, bb)), fsub(c, b, bb)) };
}

/** a^b = 2^(b log2|a|) with b·log2|a| kept as hi + lo; Math.pow's signs and special cases. */
function pow(c: Ctx, a: Src, b: Src): VReg {
  const absA = op(c, 'and', a, k32(c, ABS));
  const { e, lnm } = logParts(c, absA);
  const l2m = fmul(c, lnm, kf(c, Math.LOG2E));
  const tPlain = fmul(c, b, logSpecials(c, fadd(c, e, l2m), absA));
  const bh = op(c, 'and', b, k32(c, 0xfffff000));
  const bl = fsub(c, b, bh);
  const { s: s1, err } = twoSum(c, fmul(c, bh, e), fmul(c, b, l2m));
  const lo = fadd(c, err, fmul(c, bl, e));
  const hi0 = fadd(c, s1, lo);
  const lo0 = fsub(c, lo, fsub(c, hi0, s1));
  // Where t is ±inf/NaN or lo is NaN: the plain product, lo = 0.
  const notFinite = (v: Src) => flags(c, 'sub', op(c, 'and', v, k32(c, ABS)), k32(c, INF)); // C: finite
  notFinite(tPlain);
  const hi1 = override(c, hi0, 'cc', tPlain);
  const lo1 = override(c, lo0, 'cc', simm(0));
  flags(c, 'sub', k32(c, INF), op(c, 'and', lo1, k32(c, ABS))); // C: lo NaN
  const hi = override(c, hi1, 'cs', tPlain);
  const loF = override(c, lo1, 'cs', simm(0));
  const mag = exp2(c, hi, loF);
  const negMag = fneg(c, mag);
  const hb = fmul(c, b, HALF);
  const intB = fbool(c, 'eq', rounding(c, 'trunc', b), b);
  const evenB = fbool(c, 'eq', rounding(c, 'trunc', hb), hb);
  const negA = op(c, 'shr', a, simm(-1));
  const notInt = op(c, 'xor', intB, simm(1));
  const r0 = choose(c, op(c, 'and', negA, op(c, 'xor', evenB, simm(1))), negMag, mag);
  const r1 = choose(c, op(c, 'and', negA, notInt), mag, r0);
  const r2 = choose(c, op(c, 'and', fbool(c, 'lt', a, simm(0)), notInt), k32(c, QNAN), r1);
  const aNegInf = newVReg(c);
  flags(c, 'xor', a, k32(c, NEG_INF));
  mov(c, aNegInf, simm(0));
  mov(c, aNegInf, simm(1), 'zs');
  const r3 = choose(c, op(c, 'and', aNegInf, notInt), r1, r2);
  return whereBits(c, r3, b, 0, ONE);
}

const P1 = 1.5703125;
const P2 = 4.837512969970703125e-4;
const P3 = 7.54978995489188216e-8;

/** sin (quadrant 0) or cos (offset 1) of x: r = x − kπ/2 (three-part Cody-Waite), Taylor polynomials on |r| ≤ π/4. */
function sinCos(c: Ctx, x: Src, cos: boolean): VReg {
  const k = rounding(c, 'round', fmul(c, x, kf(c, 2 / Math.PI)));
  const r = fsub(c, fsub(c, fsub(c, x, fmul(c, k, kf(c, P1))), fmul(c, k, kf(c, P2))), fmul(c, k, kf(c, P3)));
  const qi = op(c, 'ftoi', k);
  const q = cos ? op(c, 'add', qi, simm(1)) : qi;
  const z = fmul(c, r, r);
  const s = fadd(c, r, fmul(c, fmul(c, r, z), horner(c, z, [-1 / 6, 1 / 120, -1 / 5040, 1 / 362880])));
  const co = fadd(c, fsub(c, ONE, fmul(c, z, HALF)), fmul(c, fmul(c, z, z), horner(c, z, [1 / 24, -1 / 720, 1 / 40320, -1 / 3628800])));
  flags(c, 'and', q, simm(1));
  const v = override(c, s, 'zc', co);
  const nv = fneg(c, v);
  flags(c, 'and', q, simm(2));
  const w = override(c, v, 'zc', nv);
  // sin(±0) = ±0; NaN and inf: NaN.
  const w2 = cos ? w : whereBits(c, w, x, 0, x);
  flags(c, 'sub', op(c, 'and', x, k32(c, ABS)), k32(c, INF)); // C: finite
  return override(c, w2, 'cc', k32(c, QNAN));
}

const un = (f: (c: Ctx, x: Src) => Src): OpHandler => (c, ins, d) => mov(c, d, f(c, src(c, arg(c, ins, 0))));
const x0 = (c: Ctx, ins: Instr): Src => src(c, arg(c, ins, 0));

/** Transcendental handlers (accurate forms; `qpu.fast` exp2/log2 are the raw SFU ops). */
export const TRANSC_OPS: Record<string, OpHandler> = {
  fexp2: (c, ins, d) => mov(c, d, ins.attrs?.fast ? sfu(c, IO.SFU_EXP, x0(c, ins)) : exp2(c, x0(c, ins))),
  flog2: (c, ins, d) => mov(c, d, ins.attrs?.fast ? sfu(c, IO.SFU_LOG, x0(c, ins)) : log2(c, x0(c, ins))),
  fexp: un(exp),
  flog: un(ln),
  fpow: (c, ins, d) => {
    const k = constValue(c, arg(c, ins, 1));
    const x = x0(c, ins);
    if (k === 0x40000000) mov(c, d, fmul(c, x, x));
    else if (k === 0x3f800000) mov(c, d, x);
    else mov(c, d, pow(c, x, src(c, arg(c, ins, 1))));
  },
  fsin: un((c, x) => sinCos(c, x, false)),
  fcos: un((c, x) => sinCos(c, x, true)),
};
