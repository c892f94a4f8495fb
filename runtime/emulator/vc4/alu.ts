/**
 * VideoCore IV ALU numerics, per element, on 32-bit patterns: results and the
 * carry flag of every add and mul op, unpack and pack. Behaviour from
 * shared/docs/vc4-isa-notes.md §1.11 and §6 (VC4C's hardware-generated
 * opcode table, the VC4 addendum, py-videocore's hardware tests).
 *
 * The full-precision functions (fadd, fmul, …) are the reference; each op's
 * executable semantics is its lane spec (VC4_ADD_LANE_SPECS /
 * VC4_MUL_LANE_SPECS): source text with fast paths that fall back to those
 * functions, compiled into the scalar functions here, the 16-lane kernels of
 * alu-vector.ts and the per-instruction code of codegen.ts.
 */

import { bitsToF32, f32Bits } from '../../../compiler/ir/f32.ts';

/** Float value of a bit pattern (the project's one conversion, compiler/ir/f32.ts). */
export const bitsToFloat = bitsToF32;
/** Bit pattern of a float (rounded to nearest single). */
export const floatToBits = f32Bits;

const isNaNBits = (b: number): boolean => (b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0;
const isDenormOrZero = (b: number): boolean => (b & 0x7f800000) === 0;
/** Denormal inputs act as +0 [VC4C-HW, ADD]. */
const flushIn = (b: number): number => (isDenormOrZero(b) ? 0 : b >>> 0);
/** Denormal and −0 outputs become +0 [VC4C-HW]. */
const flushOut = (b: number): number => (isDenormOrZero(b) ? 0 : b >>> 0);

/**
 * Round an exact sum hi + lo (hi the double nearest to it) to single
 * precision toward zero, as fadd/fsub/itof do [VC4C-HW: fadd(1.0, −2^97) =
 * 0xefffffff].
 */
function roundTowardZero(hi: number, lo: number): number {
  const x = hi;
  if (x === 0 && lo === 0) return 0;
  let bits = floatToBits(x);
  if (!Number.isFinite(x)) return bits >>> 0;
  const f = bitsToFloat(bits);
  if (!Number.isFinite(f)) {
    // Overflowed by rounding to nearest: truncation gives the largest finite value.
    return (x < 0 ? 0xff7fffff : 0x7f7fffff) >>> 0;
  }
  // d > 0: f is above the exact value; d < 0: below.
  const d = (f - hi) - lo;
  const positive = hi > 0 || (hi === 0 && lo > 0);
  if ((positive && d > 0) || (!positive && d < 0)) bits = (bits - 1) >>> 0; // one ulp toward zero
  return bits >>> 0;
}

function twoSum(a: number, b: number): [number, number] {
  const s = a + b;
  const bb = s - a;
  return [s, (a - (s - bb)) + (b - bb)];
}

/** A NaN operand yields ±inf with the NaN's sign (no NaN outputs) [ADD, VC4C-HW]. */
const nanToInf = (b: number): number => ((b & 0x80000000) | 0x7f800000) >>> 0;

function fadd(a: number, b: number): number {
  if (isNaNBits(b)) return nanToInf(b); // two NaNs: the second decides ("0.0 + NaN = +Inf")
  if (isNaNBits(a)) return nanToInf(a);
  const x = bitsToFloat(flushIn(a));
  const y = bitsToFloat(flushIn(b));
  if (!Number.isFinite(x) || !Number.isFinite(y)) return flushOut(floatToBits(x + y));
  const [s, e] = twoSum(x, y);
  return flushOut(roundTowardZero(s, e));
}

function fminmax(a: number, b: number, max: boolean): number {
  // Compare as sign-magnitude integers: −NaN < −inf < … < −0 = +0 < … < +inf < +NaN.
  const key = (v: number): number => ((v & 0x80000000) ? -(v & 0x7fffffff) : (v & 0x7fffffff));
  const gt = key(a) > key(b);
  return max ? (gt ? a : b) >>> 0 : (gt ? b : a) >>> 0;
}

function fmul(a: number, b: number): number {
  const an = isNaNBits(a);
  const bn = isNaNBits(b);
  const x = bitsToFloat(flushIn(a));
  const y = bitsToFloat(flushIn(b));
  if (an || bn) {
    if ((!an && x === 0) || (!bn && y === 0)) return 0;
    return (((a ^ b) & 0x80000000) | 0x7f800000) >>> 0;
  }
  // Rounding of fmul on hardware is unconfirmed (notes §6): round to nearest as VC4C does.
  return flushOut(floatToBits(Math.fround(x * y)));
}

function ftoi(a: number): number {
  if (isNaNBits(a)) return 0;
  const x = bitsToFloat(flushIn(a));
  if (!(Math.abs(x) < 2147483648)) return 0; // out of range → 0 [VC4C-HW]
  return Math.trunc(x) | 0;
}

/** int32 → float, truncating toward zero [VC4C-HW: itof(0x7fffffff) = 0x4effffff]. */
function itof(a: number): number {
  return flushOut(rtzInt(a | 0));
}
function rtzInt(i: number): number {
  const f = Math.fround(i);
  let bits = floatToBits(f);
  if (Math.abs(f) > Math.abs(i)) bits = (bits - 1) >>> 0;
  return bits >>> 0;
}

const byteOp = (a: number, b: number, f: (x: number, y: number) => number): number => {
  let r = 0;
  for (let k = 0; k < 32; k += 8) r |= (f((a >>> k) & 255, (b >>> k) & 255) & 255) << k;
  return r >>> 0;
};

/** Carry (and unwrapped add/sub result) of the last add-lane function call; avoids an allocation per lane. */
export const carryOut = { c: 0, wide: 0 };

function cmpSM(a: number, b: number): number {
  const key = (v: number): number => ((v & 0x80000000) ? -(v & 0x7fffffff) : (v & 0x7fffffff));
  return key(a) > key(b) ? 1 : 0;
}

const F1 = new Float32Array(1);
const U1 = new Uint32Array(F1.buffer);

/**
 * What lane bodies may call as `H.name`: the full-precision reference
 * functions the fast paths fall back to, and a one-word f32/u32 scratch
 * (`H.F1[0] = x; r = H.U1[0]` rounds x to single and reads its bits).
 */
export const LANE_HELPERS = {
  F1, U1, fadd, fmul, ftoi, itof, fminmax, cmpSM,
  v8subs: (a: number, b: number): number => byteOp(a, b, (x, y) => (x > y ? x - y : 0)),
  v8muld: (a: number, b: number): number => byteOp(a, b, (x, y) => Math.floor((x * y + 127) / 255)),
  v8min: (a: number, b: number): number => byteOp(a, b, Math.min),
  v8max: (a: number, b: number): number => byteOp(a, b, Math.max),
};

/**
 * One op's per-lane semantics as JavaScript source: the single definition
 * that the interpreter's scalar and 16-lane functions (alu.ts, alu-vector.ts)
 * and the instruction code generator (codegen.ts) are all built from.
 * `body` reads `a`, `b` (unsigned 32-bit operand words, already unpacked),
 * `fa`, `fb` (their float values, when `float`), helpers `H`
 * ({@link LANE_HELPERS}), and assigns `r` (the unsigned result word).
 */
export interface Vc4LaneSpec {
  readonly body: string;
  /** The body reads `fa`/`fb`. */
  readonly float?: boolean;
  /** Flag C, an expression of `a`, `b`, `r` (absent: 0) [ARG p.27; notes §1.9]. */
  readonly carry?: string;
  /** Unwrapped signed result of add/sub (for the saturating regfile-A packs). */
  readonly wide?: string;
}

/**
 * fadd / fsub (`neg` flips b) rounding toward zero [VC4C-HW]. Fast path for
 * finite operands: the double sum s plus its error term is the exact sum; the
 * single f nearest to s is one ulp too far from zero exactly when |f| > |exact|.
 * Exponent 0 (zero, denormal) reads as +0 [VC4C-HW]. The reference function
 * (`fadd` above) is the definition; a test checks this against it.
 */
function faddBody(neg: boolean): string {
  const bb = neg ? '((b ^ 0x80000000) >>> 0)' : 'b';
  // Flushed operands become a zero of either sign (`fa * 0`): the sum is the same, and V8 keeps x and y plain
  // doubles (mixing the integer 0 with doubles costs a representation change per lane).
  return `const ea = a & 0x7f800000, eb = b & 0x7f800000;
    const x = ea === 0 ? fa * 0 : fa, y = eb === 0 ? fb * 0 : ${neg ? '-fb' : 'fb'};
    if (ea === 0x7f800000 || eb === 0x7f800000) {
      // A NaN operand gives ±inf with its sign, the second operand deciding; infinities add as IEEE does.
      if (eb === 0x7f800000 && (b & 0x7fffff) !== 0) r = ((${bb} & 0x80000000) | 0x7f800000) >>> 0;
      else if (ea === 0x7f800000 && (a & 0x7fffff) !== 0) r = ((a & 0x80000000) | 0x7f800000) >>> 0;
      else { H.F1[0] = x + y; r = H.U1[0]; }
    } else {
      const s = x + y;
      if (s === 0) r = 0;
      else {
        // Without branches (on real data they mispredict lane after lane): o = f − exact, exact = s + err (TwoSum);
        // o ≠ 0 has the sign of f − s when f ≠ s (|f − s| ≥ ulp(s) > |err|), else of −err. f lies beyond the
        // exact sum, away from zero, exactly when o and s have the same sign: then step one ulp toward zero.
        // \`(cond) | 0\` compiles to a flag set, where \`cond ? 1 : 0\` compiles to a jump.
        const f = Math.fround(s); H.F1[0] = f; const t = s - x; const err = (x - (s - t)) + (y - t);
        const bits = H.U1[0] - (((f - s - err) * s > 0) | 0);
        r = (bits & 0x7f800000) === 0 ? 0 : bits;
      }
    }`;
}

/** Per-byte saturating add, SWAR: wrapping byte sums, then bytes that carried out of bit 7 become 255. */
const V8ADDS = `const w = ((a & 0x7f7f7f7f) + (b & 0x7f7f7f7f)) ^ ((a ^ b) & 0x80808080);
    r = (w | ((((a & b) | ((a | b) & ~w)) & 0x80808080) >>> 7) * 255) >>> 0;`;

/** C = result is positive (non-zero, sign clear) for float results [VC4C-E]; `&`, not `&&`: no jump on data. */
const FPOS = '(r !== 0) & (r < 0x80000000)';
const SHIFT_CARRY_RIGHT = '(b & 31) !== 0 && ((a >>> ((b & 31) - 1)) & 1) === 1';

/** Add-ALU ops [ARG Table 12]: semantics per lane. */
export const VC4_ADD_LANE_SPECS: Readonly<Record<string, Vc4LaneSpec>> = {
  nop: { body: 'r = 0;' },
  fadd: { body: faddBody(false), float: true, carry: FPOS },
  // fsub inverts a second-operand NaN's sign like any other value [VC4C-HW].
  fsub: { body: faddBody(true), float: true, carry: FPOS },
  fmin: { body: 'r = H.fminmax(a, b, false);', carry: 'H.cmpSM(a, b) === 1' },
  fmax: { body: 'r = H.fminmax(a, b, true);', carry: 'H.cmpSM(a, b) === 1' },
  fminabs: { body: 'r = Math.min(a & 0x7fffffff, b & 0x7fffffff);', carry: '(a & 0x7fffffff) > (b & 0x7fffffff)' },
  fmaxabs: { body: 'r = Math.max(a & 0x7fffffff, b & 0x7fffffff);', carry: '(a & 0x7fffffff) > (b & 0x7fffffff)' },
  ftoi: { body: 'r = H.ftoi(a) >>> 0;' },
  // Integers below 2^24 convert exactly (the f32 store); larger ones truncate [VC4C-HW].
  itof: { body: 'const n = a | 0; if (n > -16777216 && n < 16777216) { H.F1[0] = n; r = H.U1[0]; } else r = H.itof(n);', carry: FPOS },
  add: { body: 'r = (a + b) >>> 0;', carry: 'a + b > 0xffffffff', wide: '(a | 0) + (b | 0)' },
  sub: { body: 'r = (a - b) >>> 0;', carry: 'a < b', wide: '(a | 0) - (b | 0)' },
  // Shift counts are modulo 32 (JS shifts take count & 31 too).
  shr: { body: 'r = a >>> b;', carry: SHIFT_CARRY_RIGHT },
  asr: { body: 'r = (a >> b) >>> 0;', carry: SHIFT_CARRY_RIGHT },
  ror: { body: 'r = ((a >>> b) | (a << (32 - (b & 31)))) >>> 0;' },
  shl: { body: 'r = (a << b) >>> 0;', carry: '(b & 31) !== 0 && ((a >>> (32 - (b & 31))) & 1) === 1' },
  min: { body: 'r = (a | 0) < (b | 0) ? a : b;', carry: '(a | 0) > (b | 0)' },
  max: { body: 'r = (a | 0) > (b | 0) ? a : b;', carry: '(a | 0) > (b | 0)' },
  and: { body: 'r = (a & b) >>> 0;' },
  or: { body: 'r = (a | b) >>> 0;' },
  xor: { body: 'r = (a ^ b) >>> 0;' },
  not: { body: 'r = ~a >>> 0;' },
  clz: { body: 'r = Math.clz32(a);' },
  v8adds: { body: V8ADDS },
  v8subs: { body: 'r = H.v8subs(a, b);' },
};

/** Mul-ALU ops [ARG Table 13]; the mul carry is unverified on hardware and modelled as 0. */
export const VC4_MUL_LANE_SPECS: Readonly<Record<string, Vc4LaneSpec>> = {
  nop: { body: 'r = 0;' },
  // The double product of two singles is exact, so the f32 store rounds once (nearest, as VC4C models it; notes §6).
  // Denormal inputs act as +0 and a zero or denormal product is +0 [VC4C-HW]; a NaN times a non-zero gives ±inf,
  // times zero +0; inf × 0 is the platform's NaN, as in the reference (`fmul` above, checked by a test).
  fmul: {
    float: true,
    body: `const ea = a & 0x7f800000, eb = b & 0x7f800000;
    if (ea === 0x7f800000 || eb === 0x7f800000) {
      const na = ea === 0x7f800000 && (a & 0x7fffff) !== 0, nb = eb === 0x7f800000 && (b & 0x7fffff) !== 0;
      if (na || nb) r = (!na && ea === 0) || (!nb && eb === 0) ? 0 : (((a ^ b) & 0x80000000) | 0x7f800000) >>> 0;
      else { H.F1[0] = (ea === 0 ? fa * 0 : fa) * (eb === 0 ? fb * 0 : fb); r = H.U1[0]; }
    } else if (ea === 0 || eb === 0) r = 0;
    else { H.F1[0] = fa * fb; r = H.U1[0]; if ((r & 0x7f800000) === 0) r = 0; }`,
  },
  // Unsigned 24-bit multiply, no sign extension: −1 × 16 = 0x0ffffff0 [VC4C-HW, PVC-T alu].
  mul24: { body: 'r = Math.imul(a & 0xffffff, b & 0xffffff) >>> 0;' },
  v8muld: { body: 'r = H.v8muld(a, b);' },
  // `mov` on the mul ALU is v8min x, x: the equal case is the hot one.
  v8min: { body: 'r = a === b ? a : H.v8min(a, b);' },
  v8max: { body: 'r = a === b ? a : H.v8max(a, b);' },
  v8adds: { body: V8ADDS },
  v8subs: { body: 'r = H.v8subs(a, b);' },
};

type LaneFn = (a: number, b: number) => number;

/** The scalar function of a spec; add ops also leave their carry (and wide result) in carryOut. */
function scalar(spec: Vc4LaneSpec, isAdd: boolean): LaneFn {
  const fl = spec.float ? 'const fa = H.bitsToFloat(a), fb = H.bitsToFloat(b);' : '';
  const c = isAdd ? `carryOut.c = ${spec.carry ? `(${spec.carry}) ? 1 : 0` : '0'};${spec.wide ? ` carryOut.wide = ${spec.wide};` : ''}` : '';
  const src = `return function lane(a, b) { a >>>= 0; b >>>= 0; ${fl} let r = 0; ${spec.body} ${c} return r >>> 0; };`;
  return new Function('H', 'carryOut', src)({ ...LANE_HELPERS, bitsToFloat }, carryOut) as LaneFn;
}

const lanes = (specs: Readonly<Record<string, Vc4LaneSpec>>, isAdd: boolean): Record<string, LaneFn> =>
  Object.fromEntries(Object.entries(specs).map(([k, v]) => [k, scalar(v, isAdd)]));

/** Per-lane add-ALU functions: result bits, carry in carryOut. Inputs already unpacked. */
export const ADD_LANE: Readonly<Record<string, LaneFn>> = lanes(VC4_ADD_LANE_SPECS, true);

/** Result and carry of an add-ALU op (inputs already unpacked). */
export function addOp(op: string, a: number, b: number): { r: number; c: number; wide?: number } {
  const fn = ADD_LANE[op] ?? (ADD_LANE.nop as LaneFn);
  carryOut.wide = NaN;
  const r = fn(a, b);
  return Number.isNaN(carryOut.wide) ? { r, c: carryOut.c } : { r, c: carryOut.c, wide: carryOut.wide };
}

/** Per-lane mul-ALU functions. */
export const MUL_LANE: Readonly<Record<string, LaneFn>> = lanes(VC4_MUL_LANE_SPECS, false);

/** Result of a mul-ALU op. */
export function mulOp(op: string, a: number, b: number): number {
  return (MUL_LANE[op] ?? (() => 0))(a, b);
}

/** IEEE half → float bits. */
export function halfToFloatBits(h: number): number {
  const s = (h >>> 15) & 1;
  const e = (h >>> 10) & 31;
  const m = h & 1023;
  let v: number;
  if (e === 0) v = m * 2 ** -24;
  else if (e === 31) v = m ? NaN : Infinity;
  else v = (1 + m / 1024) * 2 ** (e - 15);
  return floatToBits(s ? -v : v);
}

/** Float bits → IEEE half: ±0 → +0, NaN → ±inf, half denormals → 0, overflow → ±inf [VC4C-OP]. */
export function floatBitsToHalf(b: number): number {
  const x = bitsToFloat(b);
  const s = b & 0x80000000 ? 0x8000 : 0;
  if (Number.isNaN(x)) return s | 0x7c00;
  const a = Math.abs(x);
  if (a >= 65520) return s | 0x7c00;
  if (a < 2 ** -14) return 0;
  const e = Math.floor(Math.log2(a));
  const m = Math.round((a / 2 ** e - 1) * 1024);
  return m === 1024 ? s | ((e + 16) << 10) : s | ((e + 15) << 10) | m;
}

/** Unpack a 32-bit input [ARG Tables 7–8]; `float` when the consuming op takes floats. */
export function unpack(mode: number, v: number, float: boolean): number {
  switch (mode) {
    case 1: case 2: {
      const h = mode === 1 ? v & 0xffff : v >>> 16;
      return float ? halfToFloatBits(h) : ((h << 16) >> 16) >>> 0;
    }
    case 3: { const byte = v >>> 24; return (byte * 0x01010101) >>> 0; }
    case 4: case 5: case 6: case 7: {
      const byte = (v >>> ((mode - 4) * 8)) & 255;
      return float ? floatToBits(Math.fround(byte / 255)) : byte;
    }
    default: return v >>> 0;
  }
}

const satS = (x: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, x));
const colour = (b: number): number => {
  const x = bitsToFloat(b);
  return Number.isNaN(x) ? 0 : satS(Math.round(x * 255), 0, 255);
};

/**
 * Regfile-A pack (pm = 0) [ARG Table 6]: returns the new register value given
 * the old one (partial packs keep the other lanes [VC4C-E]). `wide` is the
 * unwrapped integer result of add/sub, for 32-bit saturation.
 */
export function packA(mode: number, v: number, old: number, float: boolean, wide?: number): number {
  const s = v | 0;
  const sat32 = wide !== undefined ? satS(wide, -2147483648, 2147483647) : s;
  const setByte = (k: number, byte: number): number => ((old & ~(255 << (k * 8))) | ((byte & 255) << (k * 8))) >>> 0;
  switch (mode) {
    case 0: return v >>> 0;
    case 1: case 2: case 9: case 10: {
      const half = float ? floatBitsToHalf(v) : (mode >= 9 ? satS(sat32, -32768, 32767) : s) & 0xffff;
      return mode === 1 || mode === 9 ? ((old & 0xffff0000) | half) >>> 0 : ((old & 0xffff) | (half << 16)) >>> 0;
    }
    case 3: return ((v & 255) * 0x01010101) >>> 0;
    case 4: case 5: case 6: case 7: return setByte(mode - 4, v);
    case 8: return sat32 >>> 0;
    case 11: return (satS(sat32, 0, 255) * 0x01010101) >>> 0;
    default: return setByte(mode - 12, satS(sat32, 0, 255));
  }
}

/** Mul colour pack (pm = 1) [ARG Table 9]: float → u8 (×255, saturated) into all bytes (3) or byte mode − 4. */
export function packMul(mode: number, v: number, old: number): number {
  const c = colour(v);
  if (mode === 3) return (c * 0x01010101) >>> 0;
  if (mode >= 4 && mode <= 7) {
    const k = (mode - 4) * 8;
    return ((old & ~(255 << k)) | (c << k)) >>> 0;
  }
  return v >>> 0;
}
