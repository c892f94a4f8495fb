/**
 * Integer expansions for targets without the instruction: `div` and `rem`
 * (no QPU has an integer divider), `mulhi` (none has a high multiply),
 * `mul` where the target lacks a 32-bit multiply (`TargetInfo.mul32`: VC4 has
 * only `mul24`) and the per-byte ops where it lacks byte ops
 * (`TargetInfo.byteOps`: V3D, see {@link byteOp}), all written with `umul24`, shifts, adds, the SFU reciprocal
 * and conversions. Runs after the optimisation pipeline (strength reduction
 * has already turned division by constants into `mulhi` and shifts).
 *
 * Division (u32 core, then signs): the reciprocal of f32(d), refined by one
 * Newton step and lowered by 8 ulp so that it is below 1/d (the SFU estimate
 * has about 2^-13 relative error, the refinement about 2 ulp); two rounds of
 * quotient estimate `q += trunc(f32(r) * rcp)`, `r -= q*d` each leave r ≥ 0
 * and, after the second, r < 2d; one conditional `r -= d, q += 1` ends it.
 * The idea is the one Mesa's legacy nir_lower_idiv used (float estimate,
 * integer fix-up); docs/backend-v3d.md states the bound arithmetic.
 */
import type { Instr, IrFunction, Value } from '../ir/types.ts';
import type { TargetInfo } from '../target/targets.ts';
import { Expander, expandInstrs } from '../ir/expander.ts';
import { definitions } from '../ir/values.ts';

/** Where each value of the function is defined (before any expansion), for {@link below24}. */
type Defs = ReadonlyMap<Value, { instr?: Instr }>;

/** Values below 2^24 as 32-bit patterns: no recursion deeper than this. */
const BELOW24_DEPTH = 8;

/**
 * Whether v, as a 32-bit pattern, is known to be below 2^24 (its high 8 bits zero): a constant, `x & k` with a
 * constant k below 2^24, `x >> s` (logical) by a constant s ≥ 8, the unsigned `min` with such a value, a `select`
 * of such values, or an i32/u32 one as the other integer type (the same bits).
 */
function below24(defs: Defs, v: Value, depth = 0): boolean {
  const d = defs.get(v)?.instr;
  if (!d || depth > BELOW24_DEPTH) return false;
  const k = (x: Value): number | undefined => {
    const c = defs.get(x)?.instr;
    return c?.op === 'const' ? Number(c.attrs?.['value']) >>> 0 : undefined;
  };
  const small = (x: Value) => below24(defs, x, depth + 1);
  const int = (x: Value | undefined) => x?.type === 'u32' || x?.type === 'i32';
  if (!int(v)) return false;
  switch (d.op) {
    case 'const':
      return (Number(d.attrs?.['value']) >>> 0) < 2 ** 24;
    case 'and':
      return d.args.some((a) => (k(a) ?? 2 ** 24) < 2 ** 24) || d.args.some(small);
    case 'shr':
      return (k(d.args[1]!) ?? 0) >= 8 && (k(d.args[1]!) ?? 0) < 32;
    case 'min':
      return d.result?.type === 'u32' && d.args.some(small);
    case 'select':
      return small(d.args[1]!) && small(d.args[2]!);
    case 'bitcast':
    case 'cvt':
      return int(d.args[0]) && small(d.args[0]!);
  }
  return false;
}

/**
 * x * y mod 2^32 from 24-bit pieces: x = xl + xh·2^24 (likewise y), so
 * x·y ≡ xl·yl + (xh·yl + xl·yh)·2^24; `umul24` multiplies the low 24 bits of
 * its operands, so umul24(x, y) = xl·yl, umul24(x >> 24, y) = xh·yl and
 * umul24(x, y >> 24) = xl·yh, each taken mod 2^32. A piece known to be zero
 * ({@link below24}: xh = 0 or yh = 0) leaves its term out: with both, one
 * `umul24` (a byte-masked value times a small constant, as colour conversions
 * compute).
 */
function mul32(e: Expander, x: Value, y: Value, defs: Defs = new Map()): Value {
  const k24 = e.const(x.type, 24);
  const xh = !below24(defs, x);
  const yh = !below24(defs, y);
  const terms = [...(xh ? [e.bin('umul24', e.bin('shr', x, k24), y)] : []), ...(yh ? [e.bin('umul24', x, e.bin('shr', y, k24))] : [])];
  const cross = terms.length === 2 ? e.bin('add', terms[0]!, terms[1]!) : terms[0];
  const lo = e.bin('umul24', x, y);
  return cross ? e.bin('add', lo, e.bin('shl', cross, k24)) : lo;
}

function lo16(e: Expander, x: Value): Value {
  return e.bin('and', x, e.const(x.type, 0xffff));
}

/** x * y for the expansions' own use: the target's multiply when it has one. */
function mulFor(e: Expander, target: TargetInfo, x: Value, y: Value): Value {
  return target.mul32 ? e.bin('mul', x, y) : mul32(e, x, y);
}

/** Unsigned quotient and remainder of x / d for d != 0 (d = 0 gives garbage, fixed by the caller). u32 operands. */
export function udivmod(e: Expander, target: TargetInfo, x: Value, d: Value): { q: Value; r: Value } {
  const df = e.cvt(d, 'f32');
  const r0 = e.un('frecip', df);
  // One Newton step: r1 = r0 * (2 - d*r0), then 8 ulp lower so the estimate never exceeds 1/d.
  const r1 = e.bin('fmul', r0, e.bin('fsub', e.f(2), e.bin('fmul', df, r0)));
  const rcp = e.cast(e.bin('sub', e.cast(r1, 'u32'), e.u(8)), 'f32');
  const q0 = e.cvt(e.bin('fmul', e.cvt(x, 'f32'), rcp), 'u32');
  const rem0 = e.bin('sub', x, mulFor(e, target, q0, d));
  const q1 = e.cvt(e.bin('fmul', e.cvt(rem0, 'f32'), rcp), 'u32');
  const q01 = e.bin('add', q0, q1);
  const rem1 = e.bin('sub', rem0, mulFor(e, target, q1, d));
  // rem1 < 2d: one correction.
  const over = e.cmp('ge', rem1, d);
  return { q: e.select(over, e.bin('add', q01, e.u(1)), q01), r: e.select(over, e.bin('sub', rem1, d), rem1) };
}

function divRem(e: Expander, target: TargetInfo, ins: Instr): Instr[] {
  const [a, b] = ins.args as [Value, Value];
  let res: Value;
  if (a.type === 'u32') {
    const { q, r } = udivmod(e, target, a, b);
    res = ins.op === 'div' ? q : r;
  } else {
    // Truncating division: divide magnitudes; the quotient's sign is sign(a) xor sign(b), the remainder's sign(a).
    // MIN / -1 = MIN and MIN % -1 = 0 fall out of the wrapping negation.
    const absSign = (v: Value) => {
      const sign = e.bin('sar', v, e.i(31));
      return { abs: e.cast(e.bin('sub', e.bin('xor', v, sign), sign), 'u32'), sign };
    };
    const sa = absSign(a);
    const sb = absSign(b);
    const { q, r } = udivmod(e, target, sa.abs, sb.abs);
    const applySign = (v: Value, s: Value) => e.bin('sub', e.bin('xor', e.cast(v, 'i32'), s), s);
    res = ins.op === 'div' ? applySign(q, e.bin('xor', sa.sign, sb.sign)) : applySign(r, sa.sign);
  }
  // The language defines a / 0 = a and a % 0 = 0.
  const zero = e.cmp('eq', b, e.const(b.type, 0));
  return e.finish('select', [zero, ins.op === 'div' ? a : e.const(a.type, 0), res]);
}

/** High 32 bits of the 64-bit product, from 16-bit halves (umul24 is exact on them). */
function mulhi(e: Expander, ins: Instr): Instr[] {
  const [a0, b0] = ins.args as [Value, Value];
  const signed = a0.type === 'i32';
  const a = e.cast(a0, 'u32');
  const b = e.cast(b0, 'u32');
  const k16 = e.u(16);
  const lo = (x: Value) => lo16(e, x);
  const hi = (x: Value) => e.bin('shr', x, k16);
  const al = lo(a), ah = hi(a), bl = lo(b), bh = hi(b);
  const ll = e.bin('umul24', al, bl);
  const lh = e.bin('umul24', al, bh);
  const hl = e.bin('umul24', ah, bl);
  const hh = e.bin('umul24', ah, bh);
  const mid = e.bin('add', e.bin('add', hi(ll), lo(lh)), lo(hl));
  let r = e.bin('add', e.bin('add', hh, hi(lh)), e.bin('add', hi(hl), hi(mid)));
  if (signed) {
    // Signed high word = unsigned high word - (a < 0 ? b : 0) - (b < 0 ? a : 0).
    const k31 = e.i(31);
    r = e.bin('sub', r, e.cast(e.bin('and', e.bin('sar', a0, k31), b0), 'u32'));
    r = e.bin('sub', r, e.cast(e.bin('and', e.bin('sar', b0, k31), a0), 'u32'));
  }
  return signed ? e.finish('bitcast', [r]) : e.finishWith(r);
}

/**
 * The per-byte ops (`uaddsat8`, `usubsat8`, `umin8`, `umax8`) with word ops, for targets without byte ops (V3D). Each
 * byte's carry or borrow is computed apart from the others: with H = 0x80808080 and L = 0x7f7f7f7f, the low seven
 * bits of every byte add (or subtract) without reaching the next byte, and bit 7 is fixed up from the operands' bit 7
 * (the classic SWAR sum and difference). A byte whose sum carried out (add) or whose difference borrowed (sub: x < y
 * there) becomes 0xff in a mask, (c << 1) − (c >> 7) for carries c at bit 7 (the top byte's 0xff000000 comes
 * from the wrap-around); the mask saturates the sum (or), clears the difference (and not), or picks each byte of
 * min and max.
 */
function byteOp(e: Expander, ins: Instr): Instr[] {
  const [x, y] = ins.args as [Value, Value];
  const k = (bits: number): Value => (x.type === 'i32' ? e.i(bits) : e.u(bits));
  const high = k(0x80808080);
  const low = k(0x7f7f7f7f);
  const spread = (c: Value): Value => e.bin('sub', e.bin('shl', c, k(1)), e.bin('shr', c, k(7)));
  if (ins.op === 'uaddsat8') {
    const sum = e.bin('xor', e.bin('add', e.bin('and', x, low), e.bin('and', y, low)), e.bin('and', e.bin('xor', x, y), high));
    // Carry out of bit 7: both bit 7s set, or one set and the sum's bit 7 clear (the carry in was 1).
    const carry = e.bin('and', e.bin('or', e.bin('and', x, y), e.bin('and', e.bin('or', x, y), e.un('not', sum))), high);
    return e.finish('or', [sum, spread(carry)]);
  }
  const same = e.un('not', e.bin('xor', x, y));
  const diff = e.bin('xor', e.bin('sub', e.bin('or', x, high), e.bin('and', y, low)), e.bin('and', same, high));
  // Borrow out of bit 7 (x < y in that byte): x's bit 7 clear and y's set, or equal bit 7s and the difference's set.
  const borrow = spread(e.bin('and', e.bin('or', e.bin('and', e.un('not', x), y), e.bin('and', same, diff)), high));
  if (ins.op === 'usubsat8') return e.finish('and', [diff, e.un('not', borrow)]);
  // The mask is set where x < y: min takes x's bytes there, max y's.
  const pick = e.bin('and', e.bin('xor', x, y), borrow);
  return e.finish('xor', [ins.op === 'umin8' ? y : x, pick]);
}

/** Expands `div`, `rem`, `mulhi` (and `mul` without a 32-bit multiplier, the per-byte ops without byte ops) for `target`. Mutates and returns `fn`. */
export function expandIntegerOps(fn: IrFunction, target: TargetInfo): IrFunction {
  const defs = target.mul32 ? new Map() : definitions(fn);
  return expandInstrs(fn, (ins) => {
    const t = ins.result?.type;
    if (t !== 'i32' && t !== 'u32') return undefined;
    switch (ins.op) {
      case 'div':
      case 'rem':
        return divRem(new Expander(fn, ins), target, ins);
      case 'mulhi':
        return mulhi(new Expander(fn, ins), ins);
      case 'mul': {
        if (target.mul32) return undefined;
        const e = new Expander(fn, ins);
        return e.finishWith(mul32(e, ins.args[0] as Value, ins.args[1] as Value, defs));
      }
      case 'uaddsat8':
      case 'usubsat8':
      case 'umin8':
      case 'umax8':
        return target.byteOps ? undefined : byteOp(new Expander(fn, ins), ins);
    }
    return undefined;
  });
}
