/**
 * Stream compaction: copy the elements of x that a predicate keeps to the front of y, in order, and count them.
 *
 * vc6/vc7 (and the reference backend): one pass, x (and flags) read once ({@link CompactOnce}: tiles in order over
 * the QPUs, each tile's count published for the next tiles' QPUs, as kernels/scan.ts's ScanOnce), plus a one-QPU
 * launch for the last partial tile and the total. vc4 (where an atomic costs thousands of cycles):
 *
 * Two launches over q QPUs, QPU b owning the contiguous chunk [bC, min(n, (b+1)C)) (C a multiple of 16): the
 * first counts the kept elements of each chunk; the second has every QPU add the counts of the chunks before
 * its own, then walk its chunk a vector at a time: a 16-lane scan of the keep flags (rotations,
 * {@link LaneScan.u32}) counts the kept lanes, they are packed to the vector's first lanes and appended to a
 * 16-lane buffer that goes out as one contiguous store whenever it fills ({@link Compact.place}). The kept
 * elements stay in their order (the compaction is stable).
 */
import { device, kernel, qpu, i32, u32, type bool, type Ptr } from 'qpuc';
import type { LaunchResult, Runtime } from 'qpuc/runtime';
import { checkSameType, checkWordArray, combineResults, overlaps, typeName } from './launch.js';
import { LaneScan } from './lane-scan.js';

/** Vectors per pass of {@link Compact.place}. */
const PER = 4;

/**
 * Compaction kernels over 32-bit words, for every element type. The predicate keeps x[i] where flags[i] ≠ 0
 * (`useFlags` ≠ 0), or where the word's order key `v ^ ((i32(v) >> 31) & a) ^ c` (as in kernels/sort.ts: a = c = 0
 * for u32, c = 0x80000000 for i32, a = 0x7fffffff and c = 0x80000000 for f32) lies in [lo, lo + span], that
 * test inverted when `invert` = 1: the host turns each comparison into such a range of keys (see compact()).
 */
export class Compact {
  /** Whether word v's key lies in [lo, lo + span] (unsigned), xor invert. */
  @device
  static inRange(v: u32, a: u32, c: u32, lo: u32, span: u32, invert: u32): bool {
    const key = v ^ ((u32(i32(v) >> 31) & a) ^ c);
    const hit: u32 = key - lo <= span ? 1 : 0;
    return (hit ^ invert) != 0;
  }

  /** counts[b] = the elements of QPU b's chunk the predicate keeps. */
  @kernel
  static count(n: u32, chunk: u32, useFlags: u32, a: u32, c: u32, lo: u32, span: u32, invert: u32, x: Ptr<u32>, flags: Ptr<u32>, counts: Ptr<u32>): void {
    const start = qpu.qpuId() * chunk;
    const end = Math.min(n, start + chunk);
    const lane = qpu.laneId();
    let k: u32 = 0;
    // PER vectors a pass, their loads first, as in Compact.place; the last pass clamps its loads to the chunk's last
    // element and counts only lanes before the chunk's end.
    const whole = end > start ? start + ((end - start) / (16 * PER)) * (16 * PER) : start;
    for (let base = start; base < end; base += 16 * PER) {
      const v = new Uint32Array(PER);
      const hit = new Uint32Array(PER);
      if (useFlags != 0) {
        for (let j: u32 = 0; j < PER; j++) v[j] = flags[Math.min(base + 16 * j + lane, end - 1)];
        for (let j: u32 = 0; j < PER; j++) hit[j] = v[j] != 0 ? 1 : 0;
      } else {
        for (let j: u32 = 0; j < PER; j++) v[j] = x[Math.min(base + 16 * j + lane, end - 1)];
        for (let j: u32 = 0; j < PER; j++) hit[j] = Compact.inRange(v[j], a, c, lo, span, invert) ? 1 : 0;
      }
      if (base < whole) {
        for (let j: u32 = 0; j < PER; j++) k += hit[j];
      } else {
        for (let j: u32 = 0; j < PER; j++) k += base + 16 * j + lane < end ? hit[j] : 0;
      }
    }
    const t = qpu.reduceAdd(k);
    if (qpu.laneId() == 0) counts[qpu.qpuId()] = t;
  }

  /**
   * The kept elements of a vector (keep = 1) moved to its first lanes, in order: each moves down by the number of
   * dropped lanes before it (lane + 1 − t, t the inclusive count of kept lanes), one power of two at a time, low bit
   * first, so that no lane receives two (what is left to move is at most the lane number, so nothing wraps). The
   * other lanes' values are unspecified.
   */
  @device
  static packed(v: u32, keep: u32, t: u32): u32 {
    const lane = qpu.laneId();
    // m = the dropped lanes before a kept element (lane + 1 − t), 0x100 where no element is (it never moves).
    // Step j: a lane takes the value j lanes up when that one moves by j, and is empty when its own moves away.
    // (Arrays indexed by the step: the frontend unrolls the loop, so each rotation's amount is a constant. Each
    // select tests its own `& j`: a test shared by two selects, or a nested `?:`, became 0/1 values and logic on vc4.)
    const m = new Uint32Array(5);
    const w = new Uint32Array(5);
    m[0] = keep != 0 ? lane + 1 - t : 0x100;
    w[0] = v;
    for (let k: u32 = 0; k < 4; k++) {
      const j: u32 = 1 << k;
      const mUp = qpu.rotate(m[k], 16 - j);
      const wUp = qpu.rotate(w[k], 16 - j);
      const stay: u32 = (m[k] & j) != 0 ? 0x100 : m[k];
      w[k + 1] = (mUp & j) != 0 ? wUp : w[k];
      m[k + 1] = (mUp & j) != 0 ? mUp : stay;
    }
    return w[4];
  }

  /**
   * Appends a vector's kept elements (keep = 1; t the inclusive count of kept lanes, kept their number) to the
   * 16-lane buffer `buf` holding `done` mod 16 elements, of which `done` have been appended since y[out]: they are
   * packed ({@link Compact.packed}), rotated to the buffer's fill, and when the buffer fills it goes out to
   * y[out + done − fill …] as one contiguous 16-word store. Returns the new buffer (the caller adds kept to done).
   */
  @device
  static append(y: Ptr<u32>, out: u32, done: u32, buf: u32, v: u32, keep: u32, t: u32, kept: u32): u32 {
    const lane = qpu.laneId();
    const fill = done & 15;
    const r = qpu.rotate(Compact.packed(v, keep, t), fill);
    // Lanes from fill + kept on are past the new fill: whatever they hold is never stored.
    const merged = lane >= fill ? r : buf;
    if (fill + kept >= 16) {
      y[out + done - fill + lane] = merged;
      return r;
    }
    return merged;
  }

  /**
   * y[counts[0] + … + counts[b − 1] + kept elements of the chunk before x[i]] = x[i] for each kept x[i] of QPU b's
   * chunk, with whole-vector stores (VC4's stores are DMAs: a scattered one is a DMA per lane). Per vector, the kept
   * elements are packed to its first lanes and appended to a 16-lane buffer that goes out as one contiguous 16-word
   * store each time it fills ({@link Compact.append}); the chunk's last partial buffer goes out under a mask. Each
   * pass takes PER vectors, their loads first (clamped to the chunk's last element), so that their lookups' waits
   * overlap (vc4's compiled code waits for a lookup where it collects it); lanes past the chunk's end keep nothing.
   */
  @kernel
  static place(n: u32, chunk: u32, useFlags: u32, a: u32, c: u32, lo: u32, span: u32, invert: u32, x: Ptr<u32>, flags: Ptr<u32>, counts: Ptr<u32>, y: Ptr<u32>): void {
    const b = qpu.qpuId();
    const lane = qpu.laneId();
    let o: u32 = 0;
    for (let j = lane; j < b; j += 16) o += counts[j];
    const out = qpu.reduceAdd(o);
    const start = b * chunk;
    const end = Math.min(n, start + chunk);
    let buf: u32 = 0;
    let done: u32 = 0;
    for (let base = start; base < end; base += 16 * PER) {
      const v = new Uint32Array(PER);
      const k = new Uint32Array(PER);
      for (let j: u32 = 0; j < PER; j++) v[j] = x[Math.min(base + 16 * j + lane, end - 1)];
      for (let j: u32 = 0; j < PER; j++) k[j] = base + 16 * j + lane < end ? 1 : 0;
      if (useFlags != 0) {
        for (let j: u32 = 0; j < PER; j++) k[j] = k[j] & (flags[Math.min(base + 16 * j + lane, end - 1)] != 0 ? 1 : 0);
      } else {
        for (let j: u32 = 0; j < PER; j++) k[j] = k[j] & (Compact.inRange(v[j], a, c, lo, span, invert) ? 1 : 0);
      }
      // One lane scan for the pass: vector j's keep flags in byte j (a byte's count stays at most 16).
      let flags4: u32 = 0;
      for (let j: u32 = 0; j < PER; j++) flags4 = flags4 | (k[j] << (8 * j));
      const t4 = LaneScan.u32(flags4);
      const kept4 = qpu.broadcast(t4, 15);
      for (let j: u32 = 0; j < PER; j++) {
        const t = (t4 >> (8 * j)) & 0xff;
        const kept = (kept4 >> (8 * j)) & 0xff;
        buf = Compact.append(y, out, done, buf, v[j], k[j], t, kept);
        done = done + kept;
      }
    }
    if (lane < (done & 15)) y[out + done - (done & 15) + lane] = buf;
  }
}

// ---- Host functions -------------------------------------------------------------------------------------------

/** The arrays compaction takes: allocated with `rt.alloc` (or subarrays of such arrays). */
export type CompactArray = Float32Array | Int32Array | Uint32Array;

/** Comparison operators of {@link CompactOptions.where}. */
export type CompactOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

const OPS: readonly CompactOp[] = ['<', '<=', '>', '>=', '==', '!='];

/** The kernels' key of f32 bits (IEEE totalOrder as u32: −NaN < −∞ < … < −0 < +0 < … < +∞ < +NaN). */
function f32Key(value: number): number {
  const b = new Uint32Array(new Float32Array([value]).buffer)[0] as number;
  return (b ^ ((b >> 31) & 0x7fffffff) ^ 0x80000000) >>> 0;
}

/**
 * The kernels' predicate for `x op value` on x's type: keys in [lo, lo + span], inverted when `invert` is 1
 * (a, c: the key transform). f32 compares with Math.fround(value), NaN never ordered or equal, −0 == +0; i32
 * and u32 compare the integer with the value as a number (so x < 2.5 keeps x ≤ 2).
 */
function rangeOf(x: CompactArray, op: CompactOp, value: number): { a: number; c: number; lo: number; span: number; invert: number } {
  const [a, c] = x instanceof Float32Array ? [0x7fffffff, 0x80000000] : x instanceof Int32Array ? [0, 0x80000000] : [0, 0];
  const EMPTY = { a, c, lo: 0, span: 0xffffffff, invert: 1 };
  let min: number, max: number, vl: number, vh: number;
  if (x instanceof Float32Array) {
    const v = Math.fround(value);
    if (Number.isNaN(v)) return op === '!=' ? { ...EMPTY, invert: 0 } : EMPTY;
    [min, max] = [f32Key(-Infinity), f32Key(Infinity)];
    [vl, vh] = v === 0 ? [f32Key(-0), f32Key(0)] : [f32Key(v), f32Key(v)];
  } else {
    const off = x instanceof Int32Array ? 2 ** 31 : 0;
    [min, max] = [0, 2 ** 32 - 1];
    const lowest = x instanceof Int32Array ? -(2 ** 31) : 0;
    if (Number.isNaN(value)) return op === '!=' ? { ...EMPTY, invert: 0 } : EMPTY;
    // The integers just below/above the value, clamped to the type, as keys; an integer value is both.
    const floor = Math.floor(value), ceil = Math.ceil(value);
    const key = (i: number) => Math.min(max, Math.max(min, i + off));
    if (floor < lowest || ceil > lowest + 2 ** 32 - 1) {
      // Outside the type: every element is on one side.
      const below = value < lowest;
      const all = op === '!=' || (below ? op === '>' || op === '>=' : op === '<' || op === '<=');
      return all ? { ...EMPTY, invert: 0 } : EMPTY;
    }
    if (floor !== ceil && op === '==') return EMPTY;
    if (floor !== ceil && op === '!=') return { ...EMPTY, invert: 0 };
    vl = op === '<' ? key(ceil) : op === '>' ? key(floor) : op === '<=' ? key(floor) : key(ceil);
    vh = vl;
  }
  let lo: number, hi: number, invert = 0;
  switch (op) {
    case '<': lo = min; hi = vl - 1; break;
    case '<=': lo = min; hi = vh; break;
    case '>': lo = vh + 1; hi = max; break;
    case '>=': lo = vl; hi = max; break;
    case '==': lo = vl; hi = vh; break;
    case '!=': lo = vl; hi = vh; invert = 1; break;
  }
  if (lo > hi) return invert ? { ...EMPTY, invert: 0 } : EMPTY;
  return { a, c, lo: lo >>> 0, span: (hi - lo) >>> 0, invert };
}

/** Elements per tile of the single-pass compaction (V3D): TILE_GROUPS groups of 16 lanes × 4 consecutive words. */
const TILE = 128;
/** Groups of 64 elements per tile. */
const TILE_GROUPS = 2;
/** Words per lane per tile (4 × TILE_GROUPS). */
const TILE_WORDS = 8;
/**
 * {@link CompactOnce.run}'s `kind` for a flags array (0, 1, 2: a comparison of u32, i32, f32 keys, kept where the key
 * lies in [lo, lo + span]; plus BELOW or ABOVE for u32 and i32: a one-sided range, one compare a word).
 */
const FLAGGED = 3;
/** Added to a u32 or i32 kind: the range starts at key 0 (kept where key ≤ span). */
const BELOW = 4;
/** Added to a u32 or i32 kind: the range ends at key 2^32 − 1 (kept where key ≥ lo). */
const ABOVE = 8;
/** Status words of the look-back in workgroup-shared memory (16 KiB, the most a workgroup may declare). */
const STATUS_WORDS = 4096;
/**
 * Status words before the tiles' ones, each 0x10000 (a ready count of 0): tile t's count is in status[READY + t],
 * ready-marked (0x10000 | count), and polls of tiles before the first read these. status[READY + tiles] takes the
 * count of all tiles, status[READY + tiles + 1] the total ({@link CompactOnce.tail}).
 */
const READY = 32;

/**
 * Single-pass compaction on V3D, each element (and flag) read once, as kernels/scan.ts's ScanOnce: tile t
 * (TILE elements; a lane holds 4 consecutive words of each of its groups of 64) goes to QPU t mod Q, which counts
 * its kept elements (lane counts, one 16-lane scan for both groups), publishes the count in `status` (one ready-marked
 * word, {@link READY}), waits for the counts of tiles t − 1 … t − Q + 1 and adds its own running total of its earlier
 * tiles: every kept element then knows its place. The QPU of the last tile leaves the count of all tiles in
 * status[READY + tiles] for {@link CompactOnce.tail}.
 */
export class CompactOnce {
  /** {@link CompactOnce.run} keeping x[i] where flags[i] ≠ 0. */
  @kernel
  static flagged(tiles: u32, x: Ptr<u32>, flags: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    CompactOnce.finish(status, tiles, CompactOnce.run(FLAGGED, tiles, 1, 0xfffffffe, x, flags, y, status, 0));
  }

  /** {@link CompactOnce.run} on u32 keys (the word itself). */
  @kernel
  static whereU32(tiles: u32, lo: u32, span: u32, x: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    CompactOnce.finish(status, tiles, CompactOnce.run(0, tiles, lo, span, x, x, y, status, 0));
  }

  /** {@link CompactOnce.run} on i32 words (key: the sign bit flipped). */
  @kernel
  static whereI32(tiles: u32, lo: u32, span: u32, x: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    CompactOnce.finish(status, tiles, CompactOnce.run(1, tiles, lo, span, x, x, y, status, 0));
  }

  /** {@link CompactOnce.run} on f32 bits (key: IEEE total order as u32). */
  @kernel
  static whereF32(tiles: u32, lo: u32, span: u32, x: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    CompactOnce.finish(status, tiles, CompactOnce.run(2, tiles, lo, span, x, x, y, status, 0));
  }

  // One workgroup of every QPU (8 on vc6, 12 on vc7) whose look-back status is in its shared memory, as
  // kernels/scan.ts's ScanOnce.tilesU32x8 / x12: the look-back's atomics stay in the L2 cache (docs/timing-model.md).
  // 64K u32, half kept, vc6: 126.4 µs with the status in global memory, 115.6 µs here; vc7 47.3 → 47.1 µs.

  /** {@link CompactOnce.flagged} as one workgroup of 8 batches (vc6's QPUs), the status in its shared memory. */
  @kernel({ workgroupSize: 128 })
  static flaggedX8(tiles: u32, x: Ptr<u32>, flags: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    const s = qpu.shared<u32>(STATUS_WORDS);
    CompactOnce.runShared(FLAGGED, tiles, 1, 0xfffffffe, x, flags, y, status, s, 0);
  }

  /** {@link CompactOnce.flaggedX8} for 12 batches (vc7's QPUs). */
  @kernel({ workgroupSize: 192 })
  static flaggedX12(tiles: u32, x: Ptr<u32>, flags: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    const s = qpu.shared<u32>(STATUS_WORDS);
    CompactOnce.runShared(FLAGGED, tiles, 1, 0xfffffffe, x, flags, y, status, s, 1);
  }

  /** {@link CompactOnce.whereU32} as one workgroup of 8 batches, the status in its shared memory. */
  @kernel({ workgroupSize: 128 })
  static whereU32x8(tiles: u32, lo: u32, span: u32, x: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    const s = qpu.shared<u32>(STATUS_WORDS);
    CompactOnce.runShared(0, tiles, lo, span, x, x, y, status, s, 0);
  }

  /** {@link CompactOnce.whereU32x8} for 12 batches. */
  @kernel({ workgroupSize: 192 })
  static whereU32x12(tiles: u32, lo: u32, span: u32, x: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    const s = qpu.shared<u32>(STATUS_WORDS);
    CompactOnce.runShared(0, tiles, lo, span, x, x, y, status, s, 1);
  }

  /** {@link CompactOnce.whereI32} as one workgroup of 8 batches, the status in its shared memory. */
  @kernel({ workgroupSize: 128 })
  static whereI32x8(tiles: u32, lo: u32, span: u32, x: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    const s = qpu.shared<u32>(STATUS_WORDS);
    CompactOnce.runShared(1, tiles, lo, span, x, x, y, status, s, 0);
  }

  /** {@link CompactOnce.whereI32x8} for 12 batches. */
  @kernel({ workgroupSize: 192 })
  static whereI32x12(tiles: u32, lo: u32, span: u32, x: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    const s = qpu.shared<u32>(STATUS_WORDS);
    CompactOnce.runShared(1, tiles, lo, span, x, x, y, status, s, 1);
  }

  /** {@link CompactOnce.whereF32} as one workgroup of 8 batches, the status in its shared memory. */
  @kernel({ workgroupSize: 128 })
  static whereF32x8(tiles: u32, lo: u32, span: u32, x: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    const s = qpu.shared<u32>(STATUS_WORDS);
    CompactOnce.runShared(2, tiles, lo, span, x, x, y, status, s, 0);
  }

  /** {@link CompactOnce.whereF32x8} for 12 batches. */
  @kernel({ workgroupSize: 192 })
  static whereF32x12(tiles: u32, lo: u32, span: u32, x: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    const s = qpu.shared<u32>(STATUS_WORDS);
    CompactOnce.runShared(2, tiles, lo, span, x, x, y, status, s, 1);
  }

  /** {@link CompactOnce.whereU32} keeping the keys at most `span` (`lo` is 0): one compare a word. */
  @kernel
  static whereU32Below(tiles: u32, lo: u32, span: u32, x: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    CompactOnce.finish(status, tiles, CompactOnce.run(0 + BELOW, tiles, lo, span, x, x, y, status, 0));
  }

  /** {@link CompactOnce.whereU32Below} as one workgroup of 8 batches, the status in its shared memory. */
  @kernel({ workgroupSize: 128 })
  static whereU32BelowX8(tiles: u32, lo: u32, span: u32, x: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    const s = qpu.shared<u32>(STATUS_WORDS);
    CompactOnce.runShared(0 + BELOW, tiles, lo, span, x, x, y, status, s, 0);
  }

  /** {@link CompactOnce.whereU32BelowX8} for 12 batches. */
  @kernel({ workgroupSize: 192 })
  static whereU32BelowX12(tiles: u32, lo: u32, span: u32, x: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    const s = qpu.shared<u32>(STATUS_WORDS);
    CompactOnce.runShared(0 + BELOW, tiles, lo, span, x, x, y, status, s, 1);
  }

  /** {@link CompactOnce.whereU32} keeping the keys at least `lo` (`lo + span` is 2^32 − 1): one compare a word. */
  @kernel
  static whereU32Above(tiles: u32, lo: u32, span: u32, x: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    CompactOnce.finish(status, tiles, CompactOnce.run(0 + ABOVE, tiles, lo, span, x, x, y, status, 0));
  }

  /** {@link CompactOnce.whereU32Above} as one workgroup of 8 batches, the status in its shared memory. */
  @kernel({ workgroupSize: 128 })
  static whereU32AboveX8(tiles: u32, lo: u32, span: u32, x: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    const s = qpu.shared<u32>(STATUS_WORDS);
    CompactOnce.runShared(0 + ABOVE, tiles, lo, span, x, x, y, status, s, 0);
  }

  /** {@link CompactOnce.whereU32AboveX8} for 12 batches. */
  @kernel({ workgroupSize: 192 })
  static whereU32AboveX12(tiles: u32, lo: u32, span: u32, x: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    const s = qpu.shared<u32>(STATUS_WORDS);
    CompactOnce.runShared(0 + ABOVE, tiles, lo, span, x, x, y, status, s, 1);
  }

  /** {@link CompactOnce.whereI32} keeping the keys at most `span` (`lo` is 0): one compare a word. */
  @kernel
  static whereI32Below(tiles: u32, lo: u32, span: u32, x: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    CompactOnce.finish(status, tiles, CompactOnce.run(1 + BELOW, tiles, lo, span, x, x, y, status, 0));
  }

  /** {@link CompactOnce.whereI32Below} as one workgroup of 8 batches, the status in its shared memory. */
  @kernel({ workgroupSize: 128 })
  static whereI32BelowX8(tiles: u32, lo: u32, span: u32, x: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    const s = qpu.shared<u32>(STATUS_WORDS);
    CompactOnce.runShared(1 + BELOW, tiles, lo, span, x, x, y, status, s, 0);
  }

  /** {@link CompactOnce.whereI32BelowX8} for 12 batches. */
  @kernel({ workgroupSize: 192 })
  static whereI32BelowX12(tiles: u32, lo: u32, span: u32, x: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    const s = qpu.shared<u32>(STATUS_WORDS);
    CompactOnce.runShared(1 + BELOW, tiles, lo, span, x, x, y, status, s, 1);
  }

  /** {@link CompactOnce.whereI32} keeping the keys at least `lo` (`lo + span` is 2^32 − 1): one compare a word. */
  @kernel
  static whereI32Above(tiles: u32, lo: u32, span: u32, x: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    CompactOnce.finish(status, tiles, CompactOnce.run(1 + ABOVE, tiles, lo, span, x, x, y, status, 0));
  }

  /** {@link CompactOnce.whereI32Above} as one workgroup of 8 batches, the status in its shared memory. */
  @kernel({ workgroupSize: 128 })
  static whereI32AboveX8(tiles: u32, lo: u32, span: u32, x: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    const s = qpu.shared<u32>(STATUS_WORDS);
    CompactOnce.runShared(1 + ABOVE, tiles, lo, span, x, x, y, status, s, 0);
  }

  /** {@link CompactOnce.whereI32AboveX8} for 12 batches. */
  @kernel({ workgroupSize: 192 })
  static whereI32AboveX12(tiles: u32, lo: u32, span: u32, x: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    const s = qpu.shared<u32>(STATUS_WORDS);
    CompactOnce.runShared(1 + ABOVE, tiles, lo, span, x, x, y, status, s, 1);
  }

  /**
   * The workgroup sets the status words in `s`, its shared memory (READY + tiles ≤ STATUS_WORDS: the READY ready
   * zeros, then 0 for each tile), runs its tiles ({@link CompactOnce.run}) with them, and the QPU of the last tile
   * leaves the count of all tiles in the global status[READY + tiles] for {@link CompactOnce.tail}.
   */
  @device
  static runShared(kind: u32, tiles: u32, lo: u32, span: u32, x: Ptr<u32>, flags: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>, s: Ptr<u32>, split: u32): void {
    for (let i = qpu.localId(); i < READY + tiles; i += qpu.groupSize()) s[i] = i < READY ? 0x10000 : 0;
    qpu.workgroupBarrier();
    CompactOnce.finish(status, tiles, CompactOnce.run(kind, tiles, lo, span, x, flags, y, s, split));
  }

  /** The QPU of the last of `tiles` tiles leaves `prefix`, the count of all tiles, in status[READY + tiles]. */
  @device
  static finish(status: Ptr<u32>, tiles: u32, prefix: u32): void {
    const Q = qpu.numQpus();
    if (qpu.qpuId() == (tiles + Q - 1) % Q) status[READY + tiles] = prefix;
  }

  /** The sum of the 16 lanes of v (wrapping) in every lane: four rotate-and-add levels, no broadcast. */
  @device
  static laneSum(v: u32): u32 {
    let t = v;
    t = t + qpu.rotate(t, 1);
    t = t + qpu.rotate(t, 2);
    t = t + qpu.rotate(t, 4);
    t = t + qpu.rotate(t, 8);
    return t;
  }

  /** Word v's key (`kind` 0: u32, 1: i32, 2: f32, as {@link Compact.inRange}'s) minus lo: v is kept where this is at most span (unsigned). */
  @device
  static rel(kind: u32, v: u32, lo: u32): u32 {
    const base = kind == FLAGGED ? 0 : kind & 3;
    const key = base == 0 ? v : base == 1 ? v ^ 0x80000000 : v ^ ((u32(i32(v) >> 31) & 0x7fffffff) ^ 0x80000000);
    return kind >> 2 == 0 ? key - lo : key;
  }

  /** Whether the word whose {@link CompactOnce.rel} is r is kept: r ≤ span, or for a one-sided `kind`, key ≤ span (BELOW) or key ≥ lo (ABOVE). */
  @device
  static kept(kind: u32, r: u32, lo: u32, span: u32): bool {
    return kind >> 2 == 2 ? r >= lo : r <= span;
  }

  /** The word whose {@link CompactOnce.rel} is r, for u32 and i32 kinds. */
  @device
  static unrel(kind: u32, r: u32, lo: u32): u32 {
    const key = kind >> 2 == 0 ? r + lo : r;
    return (kind & 3) == 0 ? key : key ^ 0x80000000;
  }

  /** Publish tile t's count (at most TILE, the same in every lane): every lane stores the one word, ready-marked. */
  @device
  static publish(status: Ptr<u32>, t: u32, count: u32): void {
    status[READY + t] = 0x10000 | count;
  }

  /**
   * {@link CompactOnce} over `tiles` tiles. `kind` is a constant of each kernel that calls it, so that what the
   * others need folds away: FLAGGED keeps x[i] where flags[i] ≠ 0; 0, 1, 2 keep the words whose key lies in
   * [lo, lo + span] (the host turns `!=` into the complement range). The QPU loads its next tile (its flags, for
   * FLAGGED, whose words load at the start of their own tile's turn) while it counts this one and waits for the
   * earlier tiles' counts. A lane's kept words of a group go to consecutive places from its group's offset plus the
   * kept words of the lanes before it; each store is masked to the kept lanes (on V3D no branch:
   * compiler/passes/spmd.ts). Returns the QPU's running total after its last tile (the count of all tiles up to it).
   */
  @device
  static run(kind: u32, tiles: u32, lo: u32, span: u32, x: Ptr<u32>, flags: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>, split: u32): u32 {
    const Q = qpu.numQpus();
    const lane = qpu.laneId();
    const counted = kind == FLAGGED ? flags : x;
    // The counts of tiles t − 1 … t − Q + 1 (words before the first tile read as ready zeros), once all are
    // published: lane l polls tile t − 1 − l's status word until every lane sees its word ready, and lanes 0 … Q − 2
    // add theirs (`mask`). The other lanes' tiles are always ready: each is this QPU's own or one an earlier tile of
    // this QPU waited for.
    const mask: u32 = lane + 1 < Q ? 0xffff : 0;
    const back = READY - 1 - lane;
    // Tile t (this turn's, counted and published in the turn before): v, its words; r, their keys relative to lo
    // (FLAGGED: the flag as a u32 key, kept in [1, 2^32 − 1], the caller's lo and span); ex, the kept words of the
    // lanes before this one (group 0 in the low, group 1 in the high 16 bits); tot0, group 0's kept words; off, the
    // tile's.
    const t0 = Math.min(qpu.qpuId(), tiles - 1);
    const t1 = Math.min(t0 + Q, tiles - 1);
    const v = new Uint32Array(TILE_WORDS);
    const r = new Uint32Array(TILE_WORDS);
    // w: the words of the next tile, t + Q (or the last tile past the end), counted in this turn.
    const w = new Uint32Array(TILE_WORDS);
    for (let j: u32 = 0; j < TILE_WORDS; j++) v[j] = counted[t0 * TILE + 4 * lane + (64 * (j >> 2) + (j & 3))];
    for (let j: u32 = 0; j < TILE_WORDS; j++) w[j] = counted[t1 * TILE + 4 * lane + (64 * (j >> 2) + (j & 3))];
    for (let j: u32 = 0; j < TILE_WORDS; j++) r[j] = CompactOnce.rel(kind, v[j], lo);
    let c0: u32 = 0;
    let c1: u32 = 0;
    for (let j: u32 = 0; j < 4; j++) c0 += CompactOnce.kept(kind, r[j], lo, span) ? 1 : 0;
    for (let j: u32 = 4; j < 8; j++) c1 += CompactOnce.kept(kind, r[j], lo, span) ? 1 : 0;
    const incl = LaneScan.u32(c0 + (c1 << 16));
    let ex: u32 = lane == 0 ? 0 : qpu.rotate(incl, 1);
    const tot = qpu.broadcast(incl, 15);
    let tot0 = tot & 0xffff;
    let off = tot0 + (tot >> 16);
    CompactOnce.publish(status, t0, off);
    let carry: u32 = 0;
    for (let t = qpu.qpuId(); t < tiles; t += Q) {
      // The next tile (this QPU's tile t + Q, or the last tile past the end) is counted and published in this turn;
      // the one after it (likewise) loads during the turn.
      const tn = Math.min(t + Q, tiles - 1);
      const tm = Math.min(t + 2 * Q, tiles - 1);
      // With `split` (vc7), its first group's words load now and the second's after the wait: a thread's TMU output
      // FIFO holds 8 words, and the poll's answer and both groups would not fit, so the poll went out only when the
      // first load was back (vc7 36.7 → 34.9 µs, vc6 84.4 → 90.4, 64K u32, half kept).
      const z = new Uint32Array(TILE_WORDS);
      for (let j: u32 = 0; j < 4; j++) z[j] = counted[tm * TILE + 4 * lane + j];
      if (split == 0) {
        for (let j: u32 = 4; j < TILE_WORDS; j++) z[j] = counted[tm * TILE + 4 * lane + (64 + (j & 3))];
      }
      // The first poll of the counts before this tile goes out now, and is collected after the next tile's count is
      // published.
      const at = t + back;
      let polled = qpu.atomicOr(status, at, 0);
      // u: the words the kept ones are (FLAGGED: x's words, loaded now).
      const u = new Uint32Array(TILE_WORDS);
      if (kind == FLAGGED) {
        for (let j: u32 = 0; j < TILE_WORDS; j++) u[j] = x[t * TILE + 4 * lane + (64 * (j >> 2) + (j & 3))];
      } else {
        for (let j: u32 = 0; j < TILE_WORDS; j++) u[j] = (kind & 3) == 2 ? v[j] : CompactOnce.unrel(kind, r[j], lo);
      }
      const rn = new Uint32Array(TILE_WORDS);
      for (let j: u32 = 0; j < TILE_WORDS; j++) rn[j] = CompactOnce.rel(kind, w[j], lo);
      let d0: u32 = 0;
      let d1: u32 = 0;
      for (let j: u32 = 0; j < 4; j++) d0 += CompactOnce.kept(kind, rn[j], lo, span) ? 1 : 0;
      for (let j: u32 = 4; j < 8; j++) d1 += CompactOnce.kept(kind, rn[j], lo, span) ? 1 : 0;
      const incln = LaneScan.u32(d0 + (d1 << 16));
      const exn: u32 = lane == 0 ? 0 : qpu.rotate(incln, 1);
      const totn = qpu.broadcast(incln, 15);
      const tot0n = totn & 0xffff;
      const offn = tot0n + (totn >> 16);
      CompactOnce.publish(status, tn, offn);
      while (!qpu.all(polled >= 0x10000)) polled = qpu.atomicOr(status, at, 0);
      const prefix = carry + CompactOnce.laneSum(polled & mask);
      if (split != 0) {
        for (let j: u32 = 4; j < TILE_WORDS; j++) z[j] = counted[tm * TILE + 4 * lane + (64 + (j & 3))];
      }
      for (let g: u32 = 0; g < TILE_GROUPS; g++) {
        let i = prefix + (g == 0 ? ex & 0xffff : tot0 + (ex >> 16));
        for (let k: u32 = 0; k < 4; k++) {
          if (CompactOnce.kept(kind, r[4 * g + k], lo, span)) y[i] = u[4 * g + k];
          i += CompactOnce.kept(kind, r[4 * g + k], lo, span) ? 1 : 0;
        }
      }
      carry = prefix + off;
      for (let j: u32 = 0; j < TILE_WORDS; j++) {
        v[j] = w[j];
        r[j] = rn[j];
        w[j] = z[j];
      }
      ex = exn;
      tot0 = tot0n;
      off = offn;
    }
    return carry;
  }

  /** One batch: compacts x[n0 … n) a vector at a time after the `status[READY + tiles]` elements {@link CompactOnce.run} kept (0 when tiles = 0); status[READY + tiles + 1] = the total kept. */
  @kernel
  static tail(n0: u32, n: u32, tiles: u32, useFlags: u32, a: u32, c: u32, lo: u32, span: u32, invert: u32, x: Ptr<u32>, flags: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    const lane = qpu.laneId();
    let carry: u32 = tiles > 0 ? status[READY + tiles] : 0;
    for (let base = n0; base < n; base += 16) {
      const i = base + lane;
      const inside = i < n;
      const v: u32 = inside ? x[i] : 0;
      const f: u32 = inside && useFlags != 0 ? flags[i] : 0;
      const keep = inside && (useFlags != 0 ? f != 0 : Compact.inRange(v, a, c, lo, span, invert));
      const kk: u32 = keep ? 1 : 0;
      const t = LaneScan.u32(kk);
      if (keep) y[carry + t - 1] = v;
      carry = carry + qpu.broadcast(t, 15);
    }
    status[READY + tiles + 1] = carry;
  }
}

/** Arguments of {@link compact}: give exactly one of `flags` and `where`. */
export interface CompactOptions<A extends CompactArray = CompactArray> {
  /** The input, from `rt.alloc`. */
  x: A;
  /** The output, from `rt.alloc`, of x's element type and at least n long; not x itself (elements would be overwritten before they are read). */
  y: A;
  /** Elements of x to consider, x[0..n); default x.length. */
  n?: number;
  /** Keep x[i] where flags[i] ≠ 0 (a Uint32Array from `rt.alloc`, at least n long). */
  flags?: Uint32Array;
  /** Keep x[i] where `x[i] op value` holds, compared as x's type (f32: NaN compares false except with !=, −0 == +0). */
  where?: { op: CompactOp; value: number };
}

/** A launch result with the number of elements kept. */
export interface CompactResult extends LaunchResult {
  /** Elements written to y[0..count). */
  count: number;
}

/** Elements per QPU below which fewer QPUs are used. */
const MIN_PER_QPU = 1024;

/**
 * Copy the elements of x[0..n) that are kept — where `flags[i] ≠ 0`, or where `x[i] where.op where.value` — to
 * y[0..count), in their order (stable), and return the count; y[count..] is left as it was. Bit patterns are
 * copied unchanged. Throws TypeError for arrays of other types (or y of another type than x, y the same memory
 * as x, flags not a Uint32Array), both or neither of flags and where, or an unknown op; RangeError for n outside
 * 0..min(x.length, y.length, flags.length).
 */
export async function compact(rt: Runtime, options: CompactOptions): Promise<CompactResult> {
  const { x, y, flags, where } = options ?? ({} as CompactOptions);
  checkWordArray('compact', 'x', x);
  checkSameType('compact', 'y', y, x, 'x');
  if (overlaps(y, x)) {
    throw new TypeError('compact: y must not overlap x (compaction is not in place)');
  }
  if ((flags === undefined) === (where === undefined)) throw new TypeError(`compact: give exactly one of flags and where, got ${flags === undefined ? 'neither' : 'both'}`);
  if (flags !== undefined && !(flags instanceof Uint32Array)) throw new TypeError(`compact: flags must be a Uint32Array from rt.alloc, got ${typeName(flags)}`);
  if (where !== undefined && !OPS.includes(where.op)) throw new TypeError(`compact: where.op must be one of ${OPS.join(' ')}, got ${String(where?.op)}`);
  if (where !== undefined && typeof where.value !== 'number') throw new TypeError(`compact: where.value must be a number, got ${typeName(where.value)}`);
  const n = options.n ?? x.length;
  const most = Math.min(x.length, y.length, flags?.length ?? Infinity);
  if (!Number.isInteger(n) || n < 0 || n > most) {
    throw new RangeError(`compact: n must be a whole number from 0 to ${most} (the shortest of x, y${flags ? ' and flags' : ''}), got ${String(options.n)}`);
  }
  if (rt.target !== 'vc4') return compactOnce(rt, x, y, n, flags, where);
  const qpus0 = Math.max(1, Math.min(rt.numQpus, Math.ceil(n / MIN_PER_QPU)));
  const chunk = Math.max(16, Math.ceil(n / qpus0 / 16) * 16);
  const qpus = Math.max(1, Math.ceil(n / chunk));
  const counts = rt.alloc(Uint32Array, qpus);
  try {
    const fl = flags ?? counts; // not read without flags
    const { a, c, lo, span, invert } = where ? rangeOf(x, where.op, where.value) : { a: 0, c: 0, lo: 0, span: 0, invert: 0 };
    const words = x instanceof Uint32Array ? x : new Uint32Array(x.buffer, x.byteOffset, x.length);
    const out = y instanceof Uint32Array ? y : new Uint32Array(y.buffer, y.byteOffset, y.length);
    const use = flags ? 1 : 0;
    const r1 = await rt.launch(Compact.count, { qpus }, n, chunk, use, a, c, lo, span, invert, words, fl, counts);
    const r2 = await rt.launch(Compact.place, { qpus }, n, chunk, use, a, c, lo, span, invert, words, fl, counts, out);
    let total = 0;
    for (const c of counts) total += c;
    return { ...combineResults([r1, r2]), count: total };
  } finally {
    rt.free(counts);
  }
}

/** The shared-status kernels for 8 and 12 QPUs: by flags, and by u32 / i32 / f32 keys. */
const WIDE8 = {
  flagged: CompactOnce.flaggedX8,
  where: [CompactOnce.whereU32x8, CompactOnce.whereI32x8, CompactOnce.whereF32x8],
  below: [CompactOnce.whereU32BelowX8, CompactOnce.whereI32BelowX8],
  above: [CompactOnce.whereU32AboveX8, CompactOnce.whereI32AboveX8],
} as const;
const WIDE12 = {
  flagged: CompactOnce.flaggedX12,
  where: [CompactOnce.whereU32x12, CompactOnce.whereI32x12, CompactOnce.whereF32x12],
  below: [CompactOnce.whereU32BelowX12, CompactOnce.whereI32BelowX12],
  above: [CompactOnce.whereU32AboveX12, CompactOnce.whereI32AboveX12],
} as const;
/** The global-status kernels, as WIDE8. */
const NARROW = {
  flagged: CompactOnce.flagged,
  where: [CompactOnce.whereU32, CompactOnce.whereI32, CompactOnce.whereF32],
  below: [CompactOnce.whereU32Below, CompactOnce.whereI32Below],
  above: [CompactOnce.whereU32Above, CompactOnce.whereI32Above],
} as const;

/**
 * {@link CompactOnce} on V3D: the whole tiles on every QPU (one launch), then the last partial tile, if any, on one
 * QPU (a second launch, which also writes the total; it does everything when n < TILE).
 */
async function compactOnce(rt: Runtime, x: CompactArray, y: CompactArray, n: number, flags: Uint32Array | undefined, where: CompactOptions['where']): Promise<CompactResult> {
  const { a, c, lo, span, invert } = where ? rangeOf(x, where.op, where.value) : { a: 0, c: 0, lo: 0, span: 0, invert: 0 };
  // The comparison kernels keep a range of keys, never its complement: an inverted range [lo, lo + span] is the
  // range from lo + span + 1 of 2^32 − span − 1 keys (wrapping), unless it holds every key (then nothing is kept,
  // which the tail kernel does alone).
  const nothing = !flags && invert === 1 && span === 0xffffffff;
  const kept = invert === 1 ? { lo: (lo + span + 1) >>> 0, span: (0xfffffffe - span) >>> 0 } : { lo, span };
  const tiles = nothing ? 0 : Math.floor(n / TILE);
  const status = rt.alloc(Uint32Array, READY + tiles + 2);
  try {
    status.fill(0);
    status.fill(0x10000, 0, READY);
    const words = x instanceof Uint32Array ? x : new Uint32Array(x.buffer, x.byteOffset, x.length);
    const out = y instanceof Uint32Array ? y : new Uint32Array(y.buffer, y.byteOffset, y.length);
    const use = flags ? 1 : 0;
    const fl = flags ?? status; // not read without flags
    const results: LaunchResult[] = [];
    const qpus = Math.max(1, Math.min(rt.numQpus, tiles));
    // One workgroup of every QPU, the status in its shared memory, where the QPU count has such kernels.
    const k = x instanceof Float32Array ? 2 : x instanceof Int32Array ? 1 : 0;
    const wide = READY + tiles <= STATUS_WORDS ? (rt.numQpus === 8 ? WIDE8 : rt.numQpus === 12 ? WIDE12 : undefined) : undefined;
    const set = wide ?? NARROW;
    const dims = wide ? { grid: [1] } : { qpus };
    if (tiles > 0 && flags) results.push(await rt.launch(set.flagged, dims, tiles, words, flags, out, status));
    if (tiles > 0 && !flags) {
      // u32 and i32 ranges open at one end (<, <=, >, >= with a value in range) take one compare a word.
      const kernel = k === 2 ? set.where[k] : kept.lo === 0 ? set.below[k] : kept.lo + kept.span === 0xffffffff ? set.above[k] : set.where[k];
      results.push(await rt.launch(kernel, dims, tiles, kept.lo, kept.span, words, out, status));
    }
    // Whole tiles only: the count is the prefix the last tile's QPU left (no launch for the tail).
    if (tiles > 0 && tiles * TILE === n) return { ...combineResults(results), count: status[READY + tiles] as number };
    results.push(await rt.launch(CompactOnce.tail, { qpus: 1 }, tiles * TILE, n, tiles, use, a, c, lo, span, invert, words, fl, out, status));
    return { ...combineResults(results), count: status[READY + tiles + 1] as number };
  } finally {
    rt.free(status);
  }
}
