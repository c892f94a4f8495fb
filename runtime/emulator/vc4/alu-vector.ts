/**
 * 16-lane versions of the add and mul ALU ops, working in place on a QPU's
 * register array (one Uint32Array with a Float32Array view of the same
 * memory). The per-element functions in alu.ts stay the definition of each
 * op's numerics; the kernels here are fast paths for the common inputs and
 * fall back to those functions for the rest (NaN, inf, denormals, wide
 * values), so the two can never disagree on the hard cases. A test compares
 * every kernel with its per-element function on random and special inputs.
 */
import type { Vc4AddOp, Vc4MulOp } from '../../../compiler/isa/vc4/instr.ts';
import { ADD_LANE, MUL_LANE, carryOut } from './alu.ts';

/**
 * An op on 16 lanes: reads words a..a+15 and b..b+15 of R, writes o..o+15.
 * o may equal a or b (each lane is read before it is written) but must not
 * overlap them otherwise. F is a float view of R's buffer.
 */
export type VectorOp = (R: Uint32Array, F: Float32Array, o: number, a: number, b: number) => void;

/** Carry flags of an add op for 16 lanes into C (only needed when the instruction sets flags). */
export type CarryOp = (R: Uint32Array, a: number, b: number, C: Uint8Array) => void;

type LaneFn = (a: number, b: number) => number;

/** The per-element function applied to each lane: the reference every kernel must match. */
function lift(fn: LaneFn): VectorOp {
  return (R, _F, o, a, b) => {
    for (let e = 0; e < 16; e++) R[o + e] = fn(R[a + e] as number, R[b + e] as number);
  };
}

// Exponent 255 (inf/NaN) takes the per-element path (NaN → ±inf rules); exponent 0 (zero, denormal) reads as +0 [VC4C-HW].
const infOrNaN = (x: number): boolean => (x & 0x7f800000) === 0x7f800000;
const isZeroExp = (x: number): boolean => (x & 0x7f800000) === 0;

/**
 * fadd / fsub (sign = 0x80000000 flips b) rounding toward zero [VC4C-HW]: the
 * double sum s plus its error term e is the exact sum; the single f nearest
 * to s is one ulp too far from zero exactly when |f| > |exact|.
 */
function faddKernel(sign: number, scalar: LaneFn): VectorOp {
  return (R, F, o, a, b) => {
    for (let e = 0; e < 16; e++) {
      const xa = R[a + e] as number;
      const xb = ((R[b + e] as number) ^ sign) >>> 0;
      if (infOrNaN(xa) || infOrNaN(xb)) {
        // No NaN results: a NaN operand gives ±inf with its sign, the second operand deciding [ADD, VC4C-HW].
        if (xb & 0x7fffff && infOrNaN(xb)) R[o + e] = (xb & 0x80000000) | 0x7f800000;
        else if (xa & 0x7fffff && infOrNaN(xa)) R[o + e] = (xa & 0x80000000) | 0x7f800000;
        else {
          // Infinities: IEEE sum of the flushed operands; inf − inf stores the platform's default NaN exactly as the reference does.
          const x = isZeroExp(xa) ? 0 : (F[a + e] as number);
          const y = isZeroExp(xb) ? 0 : sign ? -(F[b + e] as number) : (F[b + e] as number);
          F[o + e] = x + y;
        }
        continue;
      }
      const x = isZeroExp(xa) ? 0 : (F[a + e] as number);
      const y = isZeroExp(xb) ? 0 : sign ? -(F[b + e] as number) : (F[b + e] as number);
      const s = x + y;
      if (s === 0) {
        R[o + e] = 0; // −0 results become +0 [VC4C-HW]
        continue;
      }
      const f = Math.fround(s);
      F[o + e] = f;
      let bits = R[o + e] as number;
      if (f !== s) {
        // Rounded away from zero: step one ulp back (from ±inf this gives the largest finite value, as truncation does).
        if ((f > s) === (s > 0)) bits -= 1;
      } else {
        const bb = s - x;
        const err = (x - (s - bb)) + (y - bb);
        if (err !== 0 && (err < 0) !== (s < 0)) bits -= 1;
      }
      R[o + e] = (bits & 0x7f800000) === 0 ? 0 : bits; // denormal results flush to +0
    }
  };
}

/** fmul: the double product of two singles is exact, so storing it rounds once (nearest, as VC4C models it). */
const fmulKernel: VectorOp = (R, F, o, a, b) => {
  const scalar = MUL_LANE.fmul as LaneFn;
  for (let e = 0; e < 16; e++) {
    const xa = R[a + e] as number;
    const xb = R[b + e] as number;
    if (infOrNaN(xa) || infOrNaN(xb)) {
      if ((infOrNaN(xa) && xa & 0x7fffff) || (infOrNaN(xb) && xb & 0x7fffff)) R[o + e] = scalar(xa, xb);
      else {
        // inf × finite = ±inf; inf × 0 (denormals count as 0) stores the default NaN exactly as the reference does.
        F[o + e] = (isZeroExp(xa) ? 0 : (F[a + e] as number)) * (isZeroExp(xb) ? 0 : (F[b + e] as number));
      }
      continue;
    }
    if (isZeroExp(xa) || isZeroExp(xb)) {
      R[o + e] = 0; // denormal inputs act as +0, and a zero product is +0 [VC4C-HW]
      continue;
    }
    F[o + e] = (F[a + e] as number) * (F[b + e] as number);
    const r = R[o + e] as number;
    if ((r & 0x7f800000) === 0) R[o + e] = 0;
  }
};

/** Per-byte unsigned saturating add/sub of two packed words. */
function v8sat(x: number, y: number, sub: boolean): number {
  if (!sub) {
    // SWAR: wrapping byte sums, then bytes that carried out of bit 7 saturate to 255.
    const r = ((x & 0x7f7f7f7f) + (y & 0x7f7f7f7f)) ^ ((x ^ y) & 0x80808080);
    const carry = ((x & y) | ((x | y) & ~r)) & 0x80808080;
    return (r | ((carry >>> 7) * 255)) >>> 0;
  }
  let r = 0;
  for (let k = 0; k < 32; k += 8) {
    const p = (x >>> k) & 255;
    const q = (y >>> k) & 255;
    r |= (p > q ? p - q : 0) << k;
  }
  return r >>> 0;
}

/** Per-byte unsigned min/max; `mov` on the mul ALU is v8min x, x, so the equal case is the hot one. */
function v8minmax(max: boolean): VectorOp {
  return (R, _F, o, a, b) => {
    for (let e = 0; e < 16; e++) {
      const x = R[a + e] as number;
      const y = R[b + e] as number;
      if (x === y) {
        R[o + e] = x;
        continue;
      }
      let r = 0;
      for (let k = 0; k < 32; k += 8) {
        const p = (x >>> k) & 255;
        const q = (y >>> k) & 255;
        r |= (max ? (p > q ? p : q) : (p < q ? p : q)) << k;
      }
      R[o + e] = r;
    }
  };
}

const ADD_FAST: Partial<Record<Vc4AddOp, VectorOp>> = {
  nop: () => {},
  fadd: faddKernel(0, ADD_LANE.fadd as LaneFn),
  fsub: faddKernel(0x80000000, ADD_LANE.fsub as LaneFn),
  itof: (R, F, o, a) => {
    const scalar = ADD_LANE.itof as LaneFn;
    for (let e = 0; e < 16; e++) {
      const i = (R[a + e] as number) | 0;
      // Integers below 2^24 convert exactly; larger ones need truncation [VC4C-HW].
      if (i > -16777216 && i < 16777216) F[o + e] = i;
      else R[o + e] = scalar(i, 0);
    }
  },
  add: (R, _F, o, a, b) => { for (let e = 0; e < 16; e++) R[o + e] = (R[a + e] as number) + (R[b + e] as number); },
  sub: (R, _F, o, a, b) => { for (let e = 0; e < 16; e++) R[o + e] = (R[a + e] as number) - (R[b + e] as number); },
  shr: (R, _F, o, a, b) => { for (let e = 0; e < 16; e++) R[o + e] = (R[a + e] as number) >>> (R[b + e] as number); },
  asr: (R, _F, o, a, b) => { for (let e = 0; e < 16; e++) R[o + e] = (R[a + e] as number) >> (R[b + e] as number); },
  shl: (R, _F, o, a, b) => { for (let e = 0; e < 16; e++) R[o + e] = (R[a + e] as number) << (R[b + e] as number); },
  min: (R, _F, o, a, b) => { for (let e = 0; e < 16; e++) R[o + e] = Math.min((R[a + e] as number) | 0, (R[b + e] as number) | 0); },
  max: (R, _F, o, a, b) => { for (let e = 0; e < 16; e++) R[o + e] = Math.max((R[a + e] as number) | 0, (R[b + e] as number) | 0); },
  and: (R, _F, o, a, b) => { for (let e = 0; e < 16; e++) R[o + e] = (R[a + e] as number) & (R[b + e] as number); },
  or: (R, _F, o, a, b) => { for (let e = 0; e < 16; e++) R[o + e] = (R[a + e] as number) | (R[b + e] as number); },
  xor: (R, _F, o, a, b) => { for (let e = 0; e < 16; e++) R[o + e] = (R[a + e] as number) ^ (R[b + e] as number); },
  not: (R, _F, o, a) => { for (let e = 0; e < 16; e++) R[o + e] = ~(R[a + e] as number); },
  clz: (R, _F, o, a) => { for (let e = 0; e < 16; e++) R[o + e] = Math.clz32(R[a + e] as number); },
  v8adds: (R, _F, o, a, b) => { for (let e = 0; e < 16; e++) R[o + e] = v8sat(R[a + e] as number, R[b + e] as number, false); },
  v8subs: (R, _F, o, a, b) => { for (let e = 0; e < 16; e++) R[o + e] = v8sat(R[a + e] as number, R[b + e] as number, true); },
};

const MUL_FAST: Partial<Record<Vc4MulOp, VectorOp>> = {
  nop: () => {},
  fmul: fmulKernel,
  mul24: (R, _F, o, a, b) => { for (let e = 0; e < 16; e++) R[o + e] = Math.imul((R[a + e] as number) & 0xffffff, (R[b + e] as number) & 0xffffff); },
  v8min: v8minmax(false),
  v8max: v8minmax(true),
  v8adds: (R, _F, o, a, b) => { for (let e = 0; e < 16; e++) R[o + e] = v8sat(R[a + e] as number, R[b + e] as number, false); },
  v8subs: (R, _F, o, a, b) => { for (let e = 0; e < 16; e++) R[o + e] = v8sat(R[a + e] as number, R[b + e] as number, true); },
};

/** The 16-lane kernel of an add op (named as in the ISA table). */
export function addVectorOp(op: Vc4AddOp): VectorOp {
  return ADD_FAST[op] ?? lift(ADD_LANE[op] as LaneFn);
}

/** The 16-lane kernel of a mul op. */
export function mulVectorOp(op: Vc4MulOp): VectorOp {
  return MUL_FAST[op] ?? lift(MUL_LANE[op] as LaneFn);
}

/** The per-element function of an add op, unvectorised (the reference). */
export function addLaneOp(op: Vc4AddOp): VectorOp {
  return lift(ADD_LANE[op] as LaneFn);
}

/** The per-element function of a mul op, unvectorised (the reference). */
export function mulLaneOp(op: Vc4MulOp): VectorOp {
  return lift(MUL_LANE[op] as LaneFn);
}

/** Carry of an add op per lane; add and sub are specialised (loop counters set flags every iteration). */
export function addCarryOp(op: Vc4AddOp): CarryOp {
  if (op === 'add') return (R, a, b, C) => { for (let e = 0; e < 16; e++) C[e] = (R[a + e] as number) + (R[b + e] as number) > 0xffffffff ? 1 : 0; };
  if (op === 'sub') return (R, a, b, C) => { for (let e = 0; e < 16; e++) C[e] = (R[a + e] as number) < (R[b + e] as number) ? 1 : 0; };
  const fn = ADD_LANE[op] as LaneFn;
  return (R, a, b, C) => {
    for (let e = 0; e < 16; e++) {
      fn(R[a + e] as number, R[b + e] as number);
      C[e] = carryOut.c;
    }
  };
}
