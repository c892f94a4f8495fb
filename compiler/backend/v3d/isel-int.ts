/**
 * Integer ops for V3D: the direct ALU mappings, the 32-bit multiply, and the
 * expansions of `div`, `rem` and `mulhi`, which the QPU does not have.
 *
 * Division (u32 core, then signs): the SFU reciprocal of f32(d), refined by
 * one Newton step and lowered by 8 ulp so that it is below 1/d (the
 * refinement error is about 2 ulp); two rounds of quotient estimate
 * `q += trunc(f32(r) * rcp)`, `r -= q*d` each leave r ≥ 0 and, after the
 * second, r < 2d; one conditional `r -= d, q += 1` ends it. The idea is the
 * one Mesa's legacy nir_lower_idiv used (float estimate, integer fix-up);
 * the bound arithmetic is ours and docs/backend-v3d.md states it.
 */
import type { Instr } from '../../ir/types.ts';
import type { VReg, MSrc } from './mir.ts';
import { imm } from './mir.ts';
import { alu, arg, constValue, flagOp, mov, mul32, newVReg, op, pushZeroTest, src, type Ctx, type OpHandler } from './isel-ctx.ts';

const DIRECT: Record<string, string> = {
  add: 'add', sub: 'sub', and: 'and', or: 'or', xor: 'xor', shl: 'shl', shr: 'shr', sar: 'asr', rotr: 'ror',
};
const SHIFTS = new Set(['shl', 'shr', 'sar', 'rotr']);

/** Shift amounts are taken mod 32, so 16..31 can be the small immediates -16..-1 (py-videocore6 summation.py). */
function shiftAmount(c: Ctx, ins: Instr): MSrc {
  const k = constValue(c, arg(c, ins, 1));
  if (k !== undefined) {
    const n = k & 31;
    return imm(n >= 16 ? n - 32 : n);
  }
  return src(c, arg(c, ins, 1));
}

/** Unsigned quotient and remainder of x / d for d != 0 (d = 0 gives garbage, fixed by the caller). */
export function udivmod(c: Ctx, x: MSrc, d: MSrc): { q: VReg; r: VReg } {
  const df = op(c, 'utof', d);
  const r0 = op(c, 'recip', df);
  // One Newton step: r1 = r0 * (2 - d*r0), then 8 ulp lower so the estimate never exceeds 1/d.
  const e = op(c, 'fmul', df, r0);
  const t = op(c, 'fsub', imm(0x40000000), e); // 2.0
  const r1 = op(c, 'fmul', r0, t);
  const rcp = op(c, 'sub', r1, imm(8));
  const xf = op(c, 'utof', x);
  const q0 = op(c, 'ftouz', op(c, 'fmul', xf, rcp));
  const rem0 = op(c, 'sub', x, mul32(c, q0, d));
  const q1 = op(c, 'ftouz', op(c, 'fmul', op(c, 'utof', rem0), rcp));
  const q01 = op(c, 'add', q0, q1);
  const rem1 = op(c, 'sub', rem0, mul32(c, q1, d));
  // rem1 < 2d: one correction. sub.pushc sets C = rem1 < d (unsigned), so `ifna` is rem1 >= d.
  flagOp(c, 'sub', 'pushc', rem1, d);
  const q = newVReg(c);
  mov(c, q, q01);
  alu(c, 'add', 'add', q, [q01, imm(1)], { cond: 'ifna' });
  const r = newVReg(c);
  mov(c, r, rem1);
  alu(c, 'add', 'sub', r, [rem1, d], { cond: 'ifna' });
  return { q, r };
}

/** |v| as u32 and the sign mask (0 or -1) of an i32. */
function absSign(c: Ctx, v: MSrc): { abs: VReg; sign: VReg } {
  const sign = op(c, 'asr', v, imm(-1)); // shift by 31
  return { abs: op(c, 'sub', op(c, 'xor', v, sign), sign), sign };
}

function divRem(c: Ctx, ins: Instr, d: VReg, want: 'div' | 'rem'): void {
  const a = src(c, arg(c, ins, 0));
  const b = src(c, arg(c, ins, 1));
  const signed = arg(c, ins, 0).type === 'i32';
  let res: VReg;
  if (!signed) {
    const { q, r } = udivmod(c, a, b);
    res = want === 'div' ? q : r;
  } else {
    // Truncating division: divide magnitudes; the quotient's sign is sign(a) xor sign(b), the remainder's sign(a).
    // MIN / -1 = MIN and MIN % -1 = 0 fall out of the wrapping negation.
    const sa = absSign(c, a);
    const sb = absSign(c, b);
    const { q, r } = udivmod(c, sa.abs, sb.abs);
    if (want === 'div') {
      const s = op(c, 'xor', sa.sign, sb.sign);
      res = op(c, 'sub', op(c, 'xor', q, s), s);
    } else res = op(c, 'sub', op(c, 'xor', r, sa.sign), sa.sign);
  }
  // The language defines a / 0 = a and a % 0 = 0.
  pushZeroTest(c, b);
  mov(c, d, res);
  mov(c, d, want === 'div' ? a : imm(0), 'ifa');
}

/** High 32 bits of the 64-bit product, from 16-bit halves (umul24 is exact on them). */
function mulhi(c: Ctx, ins: Instr, d: VReg): void {
  const a = src(c, arg(c, ins, 0));
  const b = src(c, arg(c, ins, 1));
  const lo = (x: MSrc) => op(c, 'shr', op(c, 'shl', x, imm(-16)), imm(-16));
  const hi = (x: MSrc) => op(c, 'shr', x, imm(-16));
  const al = lo(a), ah = hi(a), bl = lo(b), bh = hi(b);
  const ll = op(c, 'umul24', al, bl);
  const lh = op(c, 'umul24', al, bh);
  const hl = op(c, 'umul24', ah, bl);
  const hh = op(c, 'umul24', ah, bh);
  const mid = op(c, 'add', op(c, 'add', hi(ll), lo(lh)), lo(hl));
  let r = op(c, 'add', op(c, 'add', hh, hi(lh)), op(c, 'add', hi(hl), hi(mid)));
  if (arg(c, ins, 0).type === 'i32') {
    // Signed high word = unsigned high word - (a < 0 ? b : 0) - (b < 0 ? a : 0).
    r = op(c, 'sub', r, op(c, 'and', op(c, 'asr', a, imm(-1)), b));
    r = op(c, 'sub', r, op(c, 'and', op(c, 'asr', b, imm(-1)), a));
  }
  mov(c, d, r);
}

/** Integer op handlers. */
export const INT_OPS: Record<string, OpHandler> = {
  ...Object.fromEntries(
    Object.entries(DIRECT).map(([name, hw]): [string, OpHandler] => [
      name,
      (c, ins, d) => alu(c, 'add', hw, d, [src(c, arg(c, ins, 0)), SHIFTS.has(name) ? shiftAmount(c, ins) : src(c, arg(c, ins, 1))]),
    ]),
  ),
  mul: (c, ins, d) => void mul32(c, src(c, arg(c, ins, 0)), src(c, arg(c, ins, 1)), d),
  min: (c, ins, d) => alu(c, 'add', arg(c, ins, 0).type === 'i32' ? 'min' : 'umin', d, [src(c, arg(c, ins, 0)), src(c, arg(c, ins, 1))]),
  max: (c, ins, d) => alu(c, 'add', arg(c, ins, 0).type === 'i32' ? 'max' : 'umax', d, [src(c, arg(c, ins, 0)), src(c, arg(c, ins, 1))]),
  not: (c, ins, d) => {
    if (ins.result?.type === 'bool') alu(c, 'add', 'xor', d, [src(c, arg(c, ins, 0)), imm(1)]);
    else alu(c, 'add', 'not', d, [src(c, arg(c, ins, 0))]);
  },
  neg: (c, ins, d) => alu(c, 'add', 'neg', d, [src(c, arg(c, ins, 0))]),
  clz: (c, ins, d) => alu(c, 'add', 'clz', d, [src(c, arg(c, ins, 0))]),
  div: (c, ins, d) => divRem(c, ins, d, 'div'),
  rem: (c, ins, d) => divRem(c, ins, d, 'rem'),
  mulhi,
};
