/**
 * VideoCore IV ALU numerics, per element, on 32-bit patterns: results and the
 * carry flag of every add and mul op, unpack and pack. Behaviour from
 * shared/docs/vc4-isa-notes.md §1.11 and §6 (VC4C's hardware-generated
 * opcode table, the VC4 addendum, py-videocore's hardware tests).
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Float value of a bit pattern. */
export function bitsToFloat(b: number): number {
  u32[0] = b;
  return f32[0] as number;
}
/** Bit pattern of a float (rounded to nearest single). */
export function floatToBits(f: number): number {
  f32[0] = f;
  return u32[0] as number;
}

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

/** Result and carry of an add-ALU op (inputs already unpacked). */
export function addOp(op: string, a: number, b: number): { r: number; c: number; wide?: number } {
  a >>>= 0;
  b >>>= 0;
  switch (op) {
    case 'fadd': { const r = fadd(a, b); return { r, c: r !== 0 && !(r & 0x80000000) ? 1 : 0 }; }
    case 'fsub': {
      // fsub inverts a second-operand NaN's sign like any other value [VC4C-HW].
      const r = fadd(a, (b ^ 0x80000000) >>> 0);
      return { r, c: r !== 0 && !(r & 0x80000000) ? 1 : 0 };
    }
    case 'fmin': return { r: fminmax(a, b, false), c: cmpSM(a, b) };
    case 'fmax': return { r: fminmax(a, b, true), c: cmpSM(a, b) };
    case 'fminabs': { const x = a & 0x7fffffff; const y = b & 0x7fffffff; return { r: Math.min(x, y), c: x > y ? 1 : 0 }; }
    case 'fmaxabs': { const x = a & 0x7fffffff; const y = b & 0x7fffffff; return { r: Math.max(x, y), c: x > y ? 1 : 0 }; }
    case 'ftoi': return { r: ftoi(a) >>> 0, c: 0 };
    case 'itof': { const r = itof(a); return { r, c: r !== 0 && !(r & 0x80000000) ? 1 : 0 }; }
    case 'add': { const w = a + b; return { r: w >>> 0, c: w > 0xffffffff ? 1 : 0, wide: (a | 0) + (b | 0) }; }
    case 'sub': return { r: (a - b) >>> 0, c: a < b ? 1 : 0, wide: (a | 0) - (b | 0) };
    case 'shr': { const n = b & 31; return { r: a >>> n, c: n ? (a >>> (n - 1)) & 1 : 0 }; }
    case 'asr': { const n = b & 31; return { r: (a >> n) >>> 0, c: n ? (a >>> (n - 1)) & 1 : 0 }; }
    case 'ror': { const n = b & 31; return { r: ((a >>> n) | (a << (32 - n))) >>> 0, c: 0 }; }
    case 'shl': { const n = b & 31; return { r: (a << n) >>> 0, c: n ? (a >>> (32 - n)) & 1 : 0 }; }
    case 'min': return { r: ((a | 0) < (b | 0) ? a : b) >>> 0, c: (a | 0) > (b | 0) ? 1 : 0 };
    case 'max': return { r: ((a | 0) > (b | 0) ? a : b) >>> 0, c: (a | 0) > (b | 0) ? 1 : 0 };
    case 'and': return { r: (a & b) >>> 0, c: 0 };
    case 'or': return { r: (a | b) >>> 0, c: 0 };
    case 'xor': return { r: (a ^ b) >>> 0, c: 0 };
    case 'not': return { r: ~a >>> 0, c: 0 };
    case 'clz': return { r: Math.clz32(a), c: 0 };
    case 'v8adds': return { r: byteOp(a, b, (x, y) => Math.min(x + y, 255)), c: 0 };
    case 'v8subs': return { r: byteOp(a, b, (x, y) => Math.max(x - y, 0)), c: 0 };
    default: return { r: 0, c: 0 };
  }
}

function cmpSM(a: number, b: number): number {
  const key = (v: number): number => ((v & 0x80000000) ? -(v & 0x7fffffff) : (v & 0x7fffffff));
  return key(a) > key(b) ? 1 : 0;
}

/** Result of a mul-ALU op; carry is unverified on hardware and modelled as 0. */
export function mulOp(op: string, a: number, b: number): number {
  a >>>= 0;
  b >>>= 0;
  switch (op) {
    case 'fmul': return fmul(a, b);
    // Unsigned 24-bit multiply, no sign extension: −1 × 16 = 0x0ffffff0 [VC4C-HW, PVC-T alu].
    case 'mul24': return Math.imul(a & 0xffffff, b & 0xffffff) >>> 0;
    case 'v8muld': return byteOp(a, b, (x, y) => Math.floor((x * y + 127) / 255));
    case 'v8min': return byteOp(a, b, Math.min);
    case 'v8max': return byteOp(a, b, Math.max);
    case 'v8adds': return byteOp(a, b, (x, y) => Math.min(x + y, 255));
    case 'v8subs': return byteOp(a, b, (x, y) => Math.max(x - y, 0));
    default: return 0;
  }
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
