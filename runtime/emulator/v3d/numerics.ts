/**
 * Scalar numerics of the V3D QPU where they differ from the host CPU:
 * denormal flushing, half floats, float → int conversions and the SFU's
 * approximations. Facts and choices: shared/docs/v3d-semantics-notes.md 4.
 * Every choice the hardware notes leave open is a named constant here.
 */

import { bitsToF32, f32Bits } from '../../../compiler/ir/f32.ts';

/**
 * CHOICE (notes 4 / 9: denormals unknown): float ALU inputs and results with a
 * zero exponent read and write as zero of the same sign, as on VideoCore IV and
 * most GPU float units without denormal support.
 */
export const FLUSH_DENORMALS = true;

/**
 * CHOICE (SFU accuracy): an SFU result keeps this many of its 23 mantissa
 * fraction bits (the rest truncated toward zero). pv6 `test_sfu` compares board
 * results with rtol 1e-4, so the hardware is better than 2^-13.3; 14 bits gives
 * a relative error below 6.2e-5, inside that bound, yet far from f32 exact, so a
 * kernel that needs exact SFU results fails here as it would on a board.
 */
export const SFU_MANTISSA_BITS = 14;

/** Bits of a float (the project's one conversion, compiler/ir/f32.ts). */
export const floatBits = f32Bits;

/** Float of bits. */
export const bitsFloat = bitsToF32;

/** Flush a denormal bit pattern to a signed zero (if {@link FLUSH_DENORMALS}). */
export function flushBits(b: number): number {
  return FLUSH_DENORMALS && (b & 0x7f800000) === 0 ? (b & 0x80000000) >>> 0 : b >>> 0;
}

/** f32 value → IEEE binary16 bits, round to nearest even, with f16 denormals and infinities. */
export function f32ToF16(x: number): number {
  const b = floatBits(x);
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    let h = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1) !== 0)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) !== 0)) h++;
  return sign | h;
}

/** IEEE binary16 bits → f32 value (exact). */
export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant !== 0 ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Round half to even (fround, ftoin). */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.round(x);
  // Math.round rounds .5 up; move ties to the even neighbour.
  if (Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0) return r - 1;
  return r === 0 && (x < 0 || Object.is(x, -0)) ? -0 : r;
}

/**
 * CHOICE (notes 4: float → int overflow and NaN unknown): results saturate to
 * the destination range and NaN converts to 0, as Vulkan-class GPUs do.
 */
export function toInt32Saturating(x: number): number {
  if (Number.isNaN(x)) return 0;
  if (x >= 2147483647) return 2147483647;
  if (x <= -2147483648) return -2147483648;
  return x | 0;
}

/** float → uint32 truncating; x <= -1 gives 0 [T pv6 ftouz]; saturates above (CHOICE, as above). */
export function toUint32Saturating(x: number): number {
  if (Number.isNaN(x) || x <= 0) return 0;
  if (x >= 4294967295) return 4294967295;
  return Math.trunc(x) >>> 0;
}

/** Keep {@link SFU_MANTISSA_BITS} fraction bits of an f32 result (truncation toward zero). */
export function sfuTruncate(x: number): number {
  const b = floatBits(x);
  if ((b & 0x7f800000) === 0x7f800000) return x;
  const drop = 23 - SFU_MANTISSA_BITS;
  return bitsFloat((b >>> drop) << drop);
}

/** The SFU functions (exact forms; callers round through {@link sfuTruncate} unless asked for exact results). */
export const SFU_FUNCTIONS: Record<'recip' | 'rsqrt' | 'rsqrt2' | 'exp' | 'log' | 'sin', (x: number) => number> = {
  recip: (x) => 1 / x,
  rsqrt: (x) => 1 / Math.sqrt(x),
  // pv6/pv7 test rsqrt2 against 1/sqrt(x) as well; its difference from rsqrt is unknown (notes 9).
  rsqrt2: (x) => 1 / Math.sqrt(x),
  // exp and log are base 2 (pv6 test_sfu: 2 ** x, np.log2).
  exp: (x) => 2 ** x,
  log: (x) => Math.log2(x),
  // sin takes its argument in units of pi and saturates to +-1 beyond |x| > 0.5
  // (pv6 test_sfu `sfu_sin`, checked on a board with randn inputs).
  sin: (x) => (x > 0.5 ? 1 : x < -0.5 ? -1 : Math.sin(Math.PI * x)),
};
