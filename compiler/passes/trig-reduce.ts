/**
 * `Math.sin`, `Math.cos` and `Math.tan` for every target (the pass
 * {@link expandTrig}, before the other float expansions): Cody–Waite
 * reduction by a three-part π/2 below |x| = TRIG_PAYNE_HANEK_FROM, and a
 * branch — taken only when some lane needs it — to Payne–Hanek reduction
 * for larger finite arguments; then Taylor polynomials on |r| ≤ π/4.
 *
 * Payne–Hanek:
 * x·2/π modulo 4 computed exactly in integers, from x's 24-bit mantissa and
 * a 96-bit window of the bits of 2/π chosen by x's exponent — no precision
 * is lost however large x is (Cody–Waite's k·π/2 stops being exact at
 * |k| ≥ 2^12).
 *
 * x = m·2^E (m the 24-bit integer mantissa). Bits b_i of 2/π = Σ b_i 2^-i
 * with i ≤ E − 2 add multiples of 4 to x·2/π and drop out; the window
 * b_(E−1) … b_(E+94) read as a 96-bit integer W gives x·2/π mod 4 =
 * (m·W mod 2^96)·2^-94 up to m·2^-94 (< 2^-70 quadrants) for the bits past
 * the window. The top two bits of m·W mod 2^96 are the quadrant, the next
 * 62 the fraction f; f ≥ 1/2 rounds to the next quadrant (f − 1). The
 * reduced argument r = f·π/2 then keeps 24 significant bits even when f
 * has ~30 leading zeros (the closest f32 to a multiple of π/2).
 *
 * Only 32-bit integer primitives every target has are used: `umul24` on
 * 12- and 16-bit pieces (exact), shifts, adds with carries, `clz`, selects.
 */
import type { Block, Instr, IrFunction, Value } from '../ir/types.ts';
import { Expander } from '../ir/expander.ts';
import { addParam, newBlock } from '../ir/builder.ts';

/** |x| from which sin and cos reduce with Payne–Hanek (below it Cody–Waite's three-part π/2 is exact: |k| < 2^12). */
export const TRIG_PAYNE_HANEK_FROM = 1024;

/** Zero bits in front of the bits of 2/π, so that windows for |x| ≥ 2^-7 start inside the table. */
const PAD = 32;

/** Bits of 2/π (after the binary point), computed here with BigInt (π by Machin's formula): 8 words, PAD zeros first. */
export const TWO_OVER_PI_WORDS: readonly number[] = (() => {
  const bits = 256n + 64n; // fraction bits computed, with guard bits
  const one = 1n << bits;
  // atan(1/n) · 2^bits by its Taylor series (alternating; terms shrink by n^2 each step).
  const atanInv = (n: bigint): bigint => {
    let sum = 0n;
    let term = one / n;
    for (let k = 0n; term !== 0n; k++) {
      sum += (k % 2n === 0n ? 1n : -1n) * (term / (2n * k + 1n));
      term /= n * n;
    }
    return sum;
  };
  const pi = 16n * atanInv(5n) - 4n * atanInv(239n);
  const twoOverPi = (2n * one * one) / pi; // 2/π · 2^bits
  const words: number[] = [];
  for (let k = 0; k < 8; k++) {
    const from = BigInt(32 * k - PAD); // bit index after the binary point of the word's first bit (0-based)
    words.push(from < 0n ? 0 : Number((twoOverPi >> (bits - from - 32n)) & 0xffffffffn));
  }
  return words;
})();

/** π/2 as a sum of two f32. */
const PIO2_HI = Math.fround(Math.PI / 2);
const PIO2_LO = Math.fround(Math.PI / 2 - PIO2_HI);

/**
 * The quadrant q (i32, any value: only q mod 4 matters) and the reduced
 * argument r (f32, |r| ≤ π/4) with |x| = q·π/2 + r, for a finite
 * `ax` = |x| ≥ 2^-7.
 */
export function payneHanek(e: Expander, ax: Value): { q: Value; r: Value } {
  const u = (x: number) => e.u(x);
  const bits = e.cast(ax, 'u32');
  const biased = e.bin('shr', bits, u(23));
  const m = e.bin('or', e.bin('and', bits, u(0x7fffff)), u(0x800000));
  // Window start, 0-based bit index into the padded table: (E − 1) + PAD − 1 with E = biased − 150.
  const pos = e.bin('sub', biased, u(152 - PAD));
  const k = e.bin('shr', pos, u(5));
  const s = e.bin('and', pos, u(31));
  // Table words k … k+3 (k is 0 … 4 for finite |x| ≥ 2^-7): selects over the candidates.
  const eqs = [0, 1, 2, 3, 4].map((j) => e.cmp('eq', k, u(j)));
  const word = (d: number): Value => {
    let w = u(TWO_OVER_PI_WORDS[d] as number);
    for (let j = 1; j <= 4; j++) w = e.select(eqs[j]!, u(TWO_OVER_PI_WORDS[j + d] as number), w);
    return w;
  };
  const t = [word(0), word(1), word(2), word(3)];
  // w = t[d] << s | t[d+1] >> (32 − s), with the right shift done in two steps so that s = 0 shifts out everything.
  const window = (d: number) => e.bin('or', e.bin('shl', t[d]!, s), e.bin('shr', e.bin('shr', t[d + 1]!, u(1)), e.bin('sub', u(31), s)));
  const w0 = window(0);
  const w1 = window(1);
  const w2 = window(2);
  // m in 12-bit halves, so that every partial product with a 16-bit piece fits 28 bits.
  const mh = e.bin('shr', m, u(12));
  const ml = e.bin('and', m, u(0xfff));
  const lo32 = (w: Value) => e.bin('add', e.bin('umul24', m, w), e.bin('shl', e.bin('umul24', m, e.bin('shr', w, u(24))), u(24)));
  const parts = (w: Value) => {
    const wh = e.bin('shr', w, u(16));
    const wl = e.bin('and', w, u(0xffff));
    // m·w = p3·2^28 + p2·2^12 + p1·2^16 + p0.
    return { p0: e.bin('umul24', ml, wl), p1: e.bin('umul24', ml, wh), p2: e.bin('umul24', mh, wl), p3: e.bin('umul24', mh, wh) };
  };
  const one = u(1);
  const zero = u(0);
  const carry = (sum: Value, addend: Value) => e.select(e.cmp('lt', sum, addend), one, zero);
  // m·w1: exact high and low words (the high word feeds the quadrant bits).
  const p = parts(w1);
  const l1 = e.bin('shl', p.p1, u(16));
  const l2 = e.bin('shl', p.p2, u(12));
  const l3 = e.bin('shl', p.p3, u(28));
  const s1 = e.bin('add', p.p0, l1);
  const s2 = e.bin('add', s1, l2);
  const lo1 = e.bin('add', s2, l3);
  const hiParts = e.bin('add', e.bin('add', e.bin('shr', p.p1, u(16)), e.bin('shr', p.p2, u(20))), e.bin('shr', p.p3, u(4)));
  const hi1 = e.bin('add', hiParts, e.bin('add', e.bin('add', carry(s1, l1), carry(s2, l2)), carry(lo1, l3)));
  // m·w2: its high word only, without the carries of its low parts (an error below 2^-60 quadrants).
  const q2 = parts(w2);
  const hi2 = e.bin('add', e.bin('add', e.bin('shr', q2.p1, u(16)), e.bin('shr', q2.p2, u(20))), e.bin('shr', q2.p3, u(4)));
  // (A:B) = lo(m·w0)·2^32 + m·w1 + hi(m·w2), mod 2^64.
  const b = e.bin('add', lo1, hi2);
  const a = e.bin('add', e.bin('add', lo32(w0), hi1), carry(b, hi2));
  const quadrant = e.bin('shr', a, u(30));
  const a30 = e.bin('and', a, u(0x3fffffff));
  // Fraction ≥ 1/2 (bit 29 of A): the next quadrant, fraction 1 − f (two's complement of the 62-bit A30:B), sign −.
  const up = e.cmp('ne', e.bin('and', a, u(0x20000000)), zero);
  const bn = e.bin('sub', zero, b);
  const an = e.bin('sub', e.bin('sub', u(0x40000000), a30), e.select(e.cmp('ne', b, zero), one, zero));
  const fa = e.select(up, an, a30);
  const fb = e.select(up, bn, b);
  const q = e.cast(e.bin('add', quadrant, e.select(up, one, zero)), 'i32');
  // The fraction's top 32 bits and the 30 after them, normalised by their leading zeros (hi = 0: the low word).
  const hi = e.bin('or', e.bin('shl', fa, u(2)), e.bin('shr', fb, u(30)));
  const lo = e.bin('shl', fb, u(2));
  const hiZero = e.cmp('eq', hi, zero);
  const lzHi = e.un('clz', hi);
  const nHi = e.bin('or', e.bin('shl', hi, lzHi), e.bin('shr', e.bin('shr', lo, one), e.bin('sub', u(31), lzHi)));
  const lzLo = e.un('clz', lo);
  const lz = e.select(hiZero, e.bin('add', u(32), lzLo), lzHi);
  const nTop = e.select(hiZero, e.bin('shl', lo, lzLo), nHi);
  // f = nTop · 2^-(32 + lz), as a sum of two exact f32 parts (24 and 8 bits).
  const scale = e.cast(e.bin('shl', e.bin('sub', u(127 - 32), lz), u(23)), 'f32');
  const fh = e.bin('fmul', e.cvt(e.bin('and', nTop, u(0xffffff00)), 'f32'), scale);
  const fl = e.bin('fmul', e.cvt(e.bin('and', nTop, u(0xff)), 'f32'), scale);
  // r = f·π/2 with π/2 in two parts.
  const mag = e.bin('fadd', e.bin('fmul', fh, e.f(PIO2_HI)), e.bin('fadd', e.bin('fmul', fh, e.f(PIO2_LO)), e.bin('fmul', fl, e.f(PIO2_HI))));
  const r = e.select(up, e.un('fneg', mag), mag);
  return { q, r };
}

/** π/2 in three parts; k*P1 and k*P2 are exact for |k| < 2^12 (Cody-Waite, Cephes' constants doubled). */
const P1 = 1.5703125;
const P2 = 4.837512969970703125e-4;
const P3 = 7.54978995489188216e-8;

/** p(x) = cs[0] + x*(cs[1] + x*(…)), Horner in f32. */
function horner(e: Expander, x: Value, cs: number[]): Value {
  let p = e.f(cs[cs.length - 1] as number);
  for (let k = cs.length - 2; k >= 0; k--) p = e.bin('fadd', e.bin('fmul', p, x), e.f(cs[k] as number));
  return p;
}

/** sin of q·π/2 + r (|r| ≤ π/4): the sine or cosine polynomial of r by q's parity, negated for q mod 4 in {2, 3}. */
function quadrantSin(e: Expander, q: Value, r: Value): Value {
  const z = e.bin('fmul', r, r);
  const s = e.bin('fadd', r, e.bin('fmul', e.bin('fmul', r, z), horner(e, z, [-1 / 6, 1 / 120, -1 / 5040, 1 / 362880])));
  const co = e.bin('fadd', e.bin('fsub', e.f(1), e.bin('fmul', z, e.f(0.5))), e.bin('fmul', e.bin('fmul', z, z), horner(e, z, [1 / 24, -1 / 720, 1 / 40320, -1 / 3628800])));
  const v = e.select(e.cmp('ne', e.bin('and', q, e.i(1)), e.i(0)), co, s);
  return e.select(e.cmp('ne', e.bin('and', q, e.i(2)), e.i(0)), e.bin('fsub', e.cast(e.u(0x80000000), 'f32'), v), v);
}

/** The trig ops this pass expands (fast ones stay for expand-float: the SFU's sine). */
function isTrig(i: Instr): boolean {
  return (i.op === 'fsin' || i.op === 'fcos' || i.op === 'ftan') && i.attrs?.['fast'] !== true;
}

/**
 * Expands every accurate `fsin`, `fcos`, `ftan`: the block splits at the op.
 * Before it: the Cody–Waite reduction (k, r) and `any(TRIG_PAYNE_HANEK_FROM
 * ≤ |x| < ∞)`; if some lane needs it, a block computes Payne–Hanek's (q, r)
 * and selects it in those lanes; both paths join in a block (parameters q,
 * r) that evaluates the polynomials and continues with the rest of the
 * original block. tan = sin / cos (an `fdiv [approx]`: within 1 ulp, expanded later). Mutates and
 * returns `fn`.
 */
export function expandTrig(fn: IrFunction): IrFunction {
  for (let bi = 0; bi < fn.blocks.length; bi++) {
    const b = fn.blocks[bi] as Block;
    const at = b.instrs.findIndex(isTrig);
    if (at < 0) continue;
    const ins = b.instrs[at] as Instr;
    const x = ins.args[0] as Value;
    const after = b.instrs.slice(at + 1);
    const pre = new Expander(fn, ins);
    const kc = pre.un('frint', pre.bin('fmul', x, pre.f(2 / Math.PI)));
    const rc = pre.bin('fsub', pre.bin('fsub', pre.bin('fsub', x, pre.bin('fmul', kc, pre.f(P1))), pre.bin('fmul', kc, pre.f(P2))), pre.bin('fmul', kc, pre.f(P3)));
    const qc = pre.cvt(kc, 'i32');
    const ax = pre.cast(pre.bin('and', pre.cast(x, 'u32'), pre.u(0x7fffffff)), 'f32');
    const big = pre.op('and', [pre.cmp('ge', ax, pre.f(TRIG_PAYNE_HANEK_FROM)), pre.cmp('lt', ax, pre.cast(pre.u(0x7f800000), 'f32'))], 'bool');
    const anyBig = pre.op('any', [big], 'bool');
    // The large-argument block: Payne–Hanek on |x|, the sign of x applied (x = ±(q·π/2 + r)), selected where big.
    const slow = newBlock(fn, false);
    const join = newBlock(fn, false);
    const qj = addParam(fn, join, 'i32', x.uniform, 'q');
    const rj = addParam(fn, join, 'f32', x.uniform, 'r');
    const ph = new Expander(fn, ins);
    const red = payneHanek(ph, ax);
    const negative = ph.cmp('lt', ph.cast(x, 'i32'), ph.i(0));
    const qs = ph.select(negative, ph.bin('sub', ph.i(0), red.q), red.q);
    const rs = ph.select(negative, ph.un('fneg', red.r), red.r);
    slow.instrs = ph.out;
    slow.term = { kind: 'br', target: { block: join, args: [ph.select(big, qs, qc), ph.select(big, rs, rc)] }, ...(ins.loc ? { loc: ins.loc } : {}) };
    // The join: the polynomials; sin(±0) = ±0 (the reduction gives +0).
    const post = new Expander(fn, ins);
    const zero = post.cmp('eq', x, post.f(0));
    const sin = post.select(zero, x, quadrantSin(post, qj, rj));
    const cos = () => quadrantSin(post, post.bin('add', qj, post.i(1)), rj);
    const done = ins.op === 'fsin' ? post.finishWith(sin) : ins.op === 'fcos' ? post.finishWith(cos()) : post.finish('fdiv', [sin, cos()], { approx: true });
    join.instrs = [...done, ...after];
    join.term = b.term;
    b.instrs = [...b.instrs.slice(0, at), ...pre.out];
    b.term = { kind: 'condbr', cond: anyBig, then: { block: slow, args: [] }, else: { block: join, args: [qc, rc] }, ...(ins.loc ? { loc: ins.loc } : {}) };
    fn.blocks.splice(bi + 1, 0, slow, join);
    // The join block is looked at next: it may hold more trig ops.
  }
  return fn;
}
