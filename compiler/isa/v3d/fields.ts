/**
 * Bit fields of the 64-bit V3D instruction word (notes sections 2 and 13),
 * and the small helpers the encoder and decoder share.
 */
/** A field: lowest bit and width. */
export interface Field {
  readonly shift: number;
  readonly width: number;
}

/** ALU and branch fields by name; the same positions on 4.2 and 7.1. */
export const F = {
  opMul: { shift: 58, width: 6 },
  sig: { shift: 53, width: 5 },
  cond: { shift: 46, width: 7 },
  mm: { shift: 45, width: 1 },
  ma: { shift: 44, width: 1 },
  waddrM: { shift: 38, width: 6 },
  waddrA: { shift: 32, width: 6 },
  opAdd: { shift: 24, width: 8 },
  mulB: { shift: 21, width: 3 },
  mulA: { shift: 18, width: 3 },
  addB: { shift: 15, width: 3 },
  addA: { shift: 12, width: 3 },
  raddrC: { shift: 18, width: 6 },
  raddrD: { shift: 12, width: 6 },
  raddrA: { shift: 6, width: 6 },
  raddrB: { shift: 0, width: 6 },
  // branch
  brAddrLow: { shift: 35, width: 21 },
  brCond: { shift: 32, width: 3 },
  brAddrHigh: { shift: 24, width: 8 },
  brLink: { shift: 23, width: 1 },
  brMsfign: { shift: 21, width: 2 },
  brUnused: { shift: 18, width: 3 },
  brBdu: { shift: 15, width: 3 },
  brUb: { shift: 14, width: 1 },
  brBdi: { shift: 12, width: 2 },
  brUnusedLow: { shift: 0, width: 6 },
} as const satisfies Record<string, Field>;

/** Read a field of a word. */
export function get(word: bigint, f: Field): number {
  return Number((word >> BigInt(f.shift)) & ((1n << BigInt(f.width)) - 1n));
}

/**
 * A word assembled field by field in two 32-bit halves: number arithmetic and
 * one BigInt at the end (a BigInt per field was most of the encoder's time,
 * and the backend's bundler encodes every pairing it tries).
 */
export class WordBuilder {
  private lo = 0;
  private hi = 0;

  /** Place a field value; throws if it does not fit (an encoder bug or an unchecked input). */
  put(value: number, f: Field, what: string): void {
    if (!Number.isInteger(value) || value < 0 || value >= 2 ** f.width) {
      throw new RangeError(`${what}: ${value} does not fit in ${f.width} bits`);
    }
    // 32-bit integer arithmetic only (the halves are kept as int32 bit patterns): `<<` keeps the bits that land
    // in the low half, `>>>` brings down those of a field that reaches into the high half.
    const shift = f.shift;
    if (shift >= 32) this.hi |= value << (shift - 32);
    else {
      this.lo |= value << shift;
      if (shift + f.width > 32) this.hi |= value >>> (32 - shift);
    }
  }

  /** The word. */
  word(): bigint {
    return (BigInt(this.hi >>> 0) << 32n) | BigInt(this.lo >>> 0);
  }
}

/** Whether `v` lies in one of the inclusive ranges given as flat pairs [lo, hi, lo, hi, ...]. */
export function inRanges(v: number, pairs: readonly number[]): boolean {
  for (let i = 0; i + 1 < pairs.length; i += 2) if (v >= (pairs[i] as number) && v <= (pairs[i + 1] as number)) return true;
  return false;
}
