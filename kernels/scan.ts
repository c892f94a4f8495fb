/**
 * Prefix sums (inclusive and exclusive scans) of f32, i32 and u32 arrays, any length.
 *
 * i32 and u32 on vc6/vc7 (and the reference backend): one pass, each element read once and written once
 * ({@link ScanOnce}: tiles in order over the QPUs, each tile's total published for the next tiles' QPUs), plus a
 * one-QPU launch for a last partial tile. f32 (whose totals the tiles could only publish as bit patterns, which the
 * kernel language does not convert to) and everything on vc4 (where an atomic costs thousands of cycles) take the
 * two-pass scheme:
 *
 * Two launches over q QPUs, QPU b owning the contiguous chunk [bC, min(n, (b+1)C)) (C a multiple of 16):
 * the first sums each chunk (lanes read consecutive 16-element vectors, as a streaming load wants), the
 * second has every QPU add the sums of the chunks before its own and then scan its chunk a vector at a time:
 * a 16-lane scan by rotations (lane l adds lane l − d for d = 1, 2, 4, 8), plus the running total of the
 * chunk's earlier vectors. The input is read twice and the output written once.
 */
import { device, kernel, qpu, type f32, type u32, type Ptr } from 'qpuc';
import type { LaunchResult, Runtime } from 'qpuc/runtime';
import { checkSameType, checkWordArray, combineResults } from './launch.js';
import { LaneScan } from './lane-scan.js';
import { LookBack } from './look-back.js';

/** Scan kernels: `sums*` is the first launch, `scan*` the second (see the file comment). */
export class Scan {
  /** sums[b] = x[bC] + … + x[min(n, (b+1)C) − 1] for QPU b: lane l adds elements bC + l, bC + l + 16, … in order, then the lanes in lane order. */
  @kernel
  static sumsF32(n: u32, chunk: u32, x: Ptr<f32>, sums: Ptr<f32>): void {
    const start = qpu.qpuId() * chunk;
    const end = Math.min(n, start + chunk);
    let s: f32 = 0;
    for (let i = start + qpu.laneId(); i < end; i += 16) s += x[i];
    const t = qpu.reduceAdd(s);
    if (qpu.laneId() == 0) sums[qpu.qpuId()] = t;
  }

  /** {@link Scan.sumsF32} for 32-bit integers (wrapping). */
  @kernel
  static sumsU32(n: u32, chunk: u32, x: Ptr<u32>, sums: Ptr<u32>): void {
    const start = qpu.qpuId() * chunk;
    const end = Math.min(n, start + chunk);
    let s: u32 = 0;
    for (let i = start + qpu.laneId(); i < end; i += 16) s += x[i];
    const t = qpu.reduceAdd(s);
    if (qpu.laneId() == 0) sums[qpu.qpuId()] = t;
  }

  /**
   * y[i] = offset + x[bC] + … + x[i] (inclusive, exclusive = 0) or offset + x[bC] + … + x[i − 1] (exclusive = 1)
   * for i in QPU b's chunk, offset = sums[0] + … + sums[b − 1] (lane l adds sums[l], sums[l + 16], …, then the lanes
   * in lane order). Per vector: carry + the vector's scan, carry += the vector's total.
   */
  @kernel
  static scanF32(n: u32, chunk: u32, exclusive: u32, x: Ptr<f32>, sums: Ptr<f32>, y: Ptr<f32>): void {
    const b = qpu.qpuId();
    const lane = qpu.laneId();
    let o: f32 = 0;
    for (let j = lane; j < b; j += 16) o += sums[j];
    let carry = qpu.reduceAdd(o);
    const start = b * chunk;
    const end = Math.min(n, start + chunk);
    const full = end > start ? start + ((end - start) & 0xfffffff0) : start;
    // Indexed by each lane's own element (not base + lane): loop shaping then batches the stores into multi-row
    // DMAs and lets the pass's loads go first (VC4).
    for (let i = start + lane; i < full; i += 16) {
      const t = LaneScan.f32(x[i]);
      const shifted = qpu.rotate(t, 1);
      const before = lane == 0 ? 0 : shifted;
      y[i] = carry + (exclusive != 0 ? before : t);
      carry = carry + qpu.broadcast(t, 15);
    }
    if (full < end) {
      const i = full + lane;
      const v: f32 = i < end ? x[i] : 0;
      const t = LaneScan.f32(v);
      const shifted = qpu.rotate(t, 1);
      const before = lane == 0 ? 0 : shifted;
      if (i < end) y[i] = carry + (exclusive != 0 ? before : t);
    }
  }

  /** {@link Scan.scanF32} for 32-bit integers (wrapping). */
  @kernel
  static scanU32(n: u32, chunk: u32, exclusive: u32, x: Ptr<u32>, sums: Ptr<u32>, y: Ptr<u32>): void {
    const b = qpu.qpuId();
    const lane = qpu.laneId();
    let o: u32 = 0;
    for (let j = lane; j < b; j += 16) o += sums[j];
    let carry = qpu.reduceAdd(o);
    const start = b * chunk;
    const end = Math.min(n, start + chunk);
    const full = end > start ? start + ((end - start) & 0xfffffff0) : start;
    // Each lane's own element as the index: see scanF32.
    for (let i = start + lane; i < full; i += 16) {
      const t = LaneScan.u32(x[i]);
      const shifted = qpu.rotate(t, 1);
      const before = lane == 0 ? 0 : shifted;
      y[i] = carry + (exclusive != 0 ? before : t);
      carry = carry + qpu.broadcast(t, 15);
    }
    if (full < end) {
      const i = full + lane;
      const v: u32 = i < end ? x[i] : 0;
      const t = LaneScan.u32(v);
      const shifted = qpu.rotate(t, 1);
      const before = lane == 0 ? 0 : shifted;
      if (i < end) y[i] = carry + (exclusive != 0 ? before : t);
    }
  }

  /**
   * As {@link Scan.scanF32}, the chunk's whole 256-element blocks transposed: lane l owns elements
   * 16l … 16l + 15 of a block, adds them in order (one addition per element, no rotations), and one 16-lane
   * scan of the lane totals places the lanes; the rest of the chunk (under 256 elements) goes a vector at a time.
   * Loads and stores are 16 per block per lane at stride 64 bytes (used on V3D, whose TMU takes any addresses).
   */
  @kernel
  static blocksF32(n: u32, chunk: u32, exclusive: u32, x: Ptr<f32>, sums: Ptr<f32>, y: Ptr<f32>): void {
    const b = qpu.qpuId();
    const lane = qpu.laneId();
    let o: f32 = 0;
    for (let j = lane; j < b; j += 16) o += sums[j];
    let carry = qpu.reduceAdd(o);
    const start = b * chunk;
    const end = Math.min(n, start + chunk);
    const blocks = end > start ? start + ((end - start) & 0xffffff00) : start;
    for (let base = start; base < blocks; base += 256) {
      const at = base + lane * 16;
      const v0 = x[at];
      const v1 = x[at + 1];
      const v2 = x[at + 2];
      const v3 = x[at + 3];
      const v4 = x[at + 4];
      const v5 = x[at + 5];
      const v6 = x[at + 6];
      const v7 = x[at + 7];
      const v8 = x[at + 8];
      const v9 = x[at + 9];
      const v10 = x[at + 10];
      const v11 = x[at + 11];
      const v12 = x[at + 12];
      const v13 = x[at + 13];
      const v14 = x[at + 14];
      const v15 = x[at + 15];
      const p0 = v0;
      const p1 = p0 + v1;
      const p2 = p1 + v2;
      const p3 = p2 + v3;
      const p4 = p3 + v4;
      const p5 = p4 + v5;
      const p6 = p5 + v6;
      const p7 = p6 + v7;
      const p8 = p7 + v8;
      const p9 = p8 + v9;
      const p10 = p9 + v10;
      const p11 = p10 + v11;
      const p12 = p11 + v12;
      const p13 = p12 + v13;
      const p14 = p13 + v14;
      const p15 = p14 + v15;
      const incl = LaneScan.f32(p15);
      const shifted = qpu.rotate(incl, 1);
      const off = carry + (lane == 0 ? 0 : shifted);
      if (exclusive != 0) {
        y[at] = off;
        y[at + 1] = off + p0;
        y[at + 2] = off + p1;
        y[at + 3] = off + p2;
        y[at + 4] = off + p3;
        y[at + 5] = off + p4;
        y[at + 6] = off + p5;
        y[at + 7] = off + p6;
        y[at + 8] = off + p7;
        y[at + 9] = off + p8;
        y[at + 10] = off + p9;
        y[at + 11] = off + p10;
        y[at + 12] = off + p11;
        y[at + 13] = off + p12;
        y[at + 14] = off + p13;
        y[at + 15] = off + p14;
      } else {
        y[at] = off + p0;
        y[at + 1] = off + p1;
        y[at + 2] = off + p2;
        y[at + 3] = off + p3;
        y[at + 4] = off + p4;
        y[at + 5] = off + p5;
        y[at + 6] = off + p6;
        y[at + 7] = off + p7;
        y[at + 8] = off + p8;
        y[at + 9] = off + p9;
        y[at + 10] = off + p10;
        y[at + 11] = off + p11;
        y[at + 12] = off + p12;
        y[at + 13] = off + p13;
        y[at + 14] = off + p14;
        y[at + 15] = off + p15;
      }
      carry = carry + qpu.broadcast(incl, 15);
    }
    const full = end > blocks ? blocks + ((end - blocks) & 0xfffffff0) : blocks;
    for (let base = blocks; base < full; base += 16) {
      const t = LaneScan.f32(x[base + lane]);
      const shifted = qpu.rotate(t, 1);
      const before = lane == 0 ? 0 : shifted;
      y[base + lane] = carry + (exclusive != 0 ? before : t);
      carry = carry + qpu.broadcast(t, 15);
    }
    if (full < end) {
      const i = full + lane;
      const v: f32 = i < end ? x[i] : 0;
      const t = LaneScan.f32(v);
      const shifted = qpu.rotate(t, 1);
      const before = lane == 0 ? 0 : shifted;
      if (i < end) y[i] = carry + (exclusive != 0 ? before : t);
    }
  }

  /**
   * As {@link Scan.scanU32}, the chunk's whole 256-element blocks transposed: lane l owns elements
   * 16l … 16l + 15 of a block, adds them in order (one addition per element, no rotations), and one 16-lane
   * scan of the lane totals places the lanes; the rest of the chunk (under 256 elements) goes a vector at a time.
   * Loads and stores are 16 per block per lane at stride 64 bytes (used on V3D, whose TMU takes any addresses).
   */
  @kernel
  static blocksU32(n: u32, chunk: u32, exclusive: u32, x: Ptr<u32>, sums: Ptr<u32>, y: Ptr<u32>): void {
    const b = qpu.qpuId();
    const lane = qpu.laneId();
    let o: u32 = 0;
    for (let j = lane; j < b; j += 16) o += sums[j];
    let carry = qpu.reduceAdd(o);
    const start = b * chunk;
    const end = Math.min(n, start + chunk);
    const blocks = end > start ? start + ((end - start) & 0xffffff00) : start;
    for (let base = start; base < blocks; base += 256) {
      const at = base + lane * 16;
      const v0 = x[at];
      const v1 = x[at + 1];
      const v2 = x[at + 2];
      const v3 = x[at + 3];
      const v4 = x[at + 4];
      const v5 = x[at + 5];
      const v6 = x[at + 6];
      const v7 = x[at + 7];
      const v8 = x[at + 8];
      const v9 = x[at + 9];
      const v10 = x[at + 10];
      const v11 = x[at + 11];
      const v12 = x[at + 12];
      const v13 = x[at + 13];
      const v14 = x[at + 14];
      const v15 = x[at + 15];
      const p0 = v0;
      const p1 = p0 + v1;
      const p2 = p1 + v2;
      const p3 = p2 + v3;
      const p4 = p3 + v4;
      const p5 = p4 + v5;
      const p6 = p5 + v6;
      const p7 = p6 + v7;
      const p8 = p7 + v8;
      const p9 = p8 + v9;
      const p10 = p9 + v10;
      const p11 = p10 + v11;
      const p12 = p11 + v12;
      const p13 = p12 + v13;
      const p14 = p13 + v14;
      const p15 = p14 + v15;
      const incl = LaneScan.u32(p15);
      const shifted = qpu.rotate(incl, 1);
      const off = carry + (lane == 0 ? 0 : shifted);
      if (exclusive != 0) {
        y[at] = off;
        y[at + 1] = off + p0;
        y[at + 2] = off + p1;
        y[at + 3] = off + p2;
        y[at + 4] = off + p3;
        y[at + 5] = off + p4;
        y[at + 6] = off + p5;
        y[at + 7] = off + p6;
        y[at + 8] = off + p7;
        y[at + 9] = off + p8;
        y[at + 10] = off + p9;
        y[at + 11] = off + p10;
        y[at + 12] = off + p11;
        y[at + 13] = off + p12;
        y[at + 14] = off + p13;
        y[at + 15] = off + p14;
      } else {
        y[at] = off + p0;
        y[at + 1] = off + p1;
        y[at + 2] = off + p2;
        y[at + 3] = off + p3;
        y[at + 4] = off + p4;
        y[at + 5] = off + p5;
        y[at + 6] = off + p6;
        y[at + 7] = off + p7;
        y[at + 8] = off + p8;
        y[at + 9] = off + p9;
        y[at + 10] = off + p10;
        y[at + 11] = off + p11;
        y[at + 12] = off + p12;
        y[at + 13] = off + p13;
        y[at + 14] = off + p14;
        y[at + 15] = off + p15;
      }
      carry = carry + qpu.broadcast(incl, 15);
    }
    const full = end > blocks ? blocks + ((end - blocks) & 0xfffffff0) : blocks;
    for (let base = blocks; base < full; base += 16) {
      const t = LaneScan.u32(x[base + lane]);
      const shifted = qpu.rotate(t, 1);
      const before = lane == 0 ? 0 : shifted;
      y[base + lane] = carry + (exclusive != 0 ? before : t);
      carry = carry + qpu.broadcast(t, 15);
    }
    if (full < end) {
      const i = full + lane;
      const v: u32 = i < end ? x[i] : 0;
      const t = LaneScan.u32(v);
      const shifted = qpu.rotate(t, 1);
      const before = lane == 0 ? 0 : shifted;
      if (i < end) y[i] = carry + (exclusive != 0 ? before : t);
    }
  }
}

/** Elements per tile of the look-back scan (V3D): TILE_GROUPS groups of 16 lanes × 4 consecutive words. */
const TILE = 256;
/** Groups of 64 elements per tile. */
const TILE_GROUPS = 4;
/** Words per lane per tile (4 × TILE_GROUPS). */
const TILE_WORDS = 16;
/** Status words of the look-back in workgroup-shared memory (16 KiB, the most a workgroup may declare). */
const STATUS_WORDS = 4096;

/**
 * The single-pass scans used on V3D: each element is read once and written once. Tile t (TILE elements) goes to
 * QPU t mod Q; a lane holds 4 consecutive words of each of the tile's groups of 64, and the QPU loads its next
 * tile while it waits for the totals of the tiles before the current one. Per tile: the lanes add
 * their 4 words in order, one 16-lane scan ({@link LaneScan}) of the lane totals per group places the lanes, a
 * running sum places the groups; the tile's total A_t is published in `status` (two words, 16 bits each with a
 * ready mark in the upper half, written with atomics so that each word is either 0 or final); then lane l waits
 * for the total of tile t − 1 − l (l < Q − 1, l < t) and the tile's offset is the QPU's own running prefix (the
 * inclusive prefix of its tile t − Q) plus those totals (added in lane order). The QPU of the last tile leaves the
 * prefix of all tiles in status[2 tiles] for {@link Scan.tailU32}, which scans the last partial tile.
 */
export class ScanOnce {
  /** {@link ScanOnce} over `tiles` whole tiles of 32-bit integers (wrapping), the status words in global memory. */
  @kernel
  static tilesU32(tiles: u32, exclusive: u32, x: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    LookBack.finish(status, tiles, ScanOnce.run(tiles, exclusive, x, y, status, 0));
  }

  /**
   * {@link ScanOnce.tilesU32} as one workgroup of 8 batches (vc6's 8 QPUs) whose status words (2 tiles + 16 ≤
   * STATUS_WORDS) are in its shared memory: the look-back's atomics stay in the L2 cache (docs/timing-model.md). The
   * prefix of all tiles still goes to status[2 tiles] in global memory, for {@link ScanOnce.tailU32}.
   */
  @kernel({ workgroupSize: 128 })
  static tilesU32x8(tiles: u32, exclusive: u32, x: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    const s = qpu.shared<u32>(STATUS_WORDS);
    ScanOnce.runShared(tiles, exclusive, x, y, status, s, 0);
  }

  /**
   * {@link ScanOnce.tilesU32x8} for 12 batches (vc7's 12 QPUs), each tile's next one loading from the start of its
   * turn (`early`): vc7 reads a lane's four words with one vector lookup, and there the early loads gain (0.899 →
   * 0.932 of the memory limit), while vc6's sixteen lookups a tile lose (0.952 → 0.913).
   */
  @kernel({ workgroupSize: 192 })
  static tilesU32x12(tiles: u32, exclusive: u32, x: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    const s = qpu.shared<u32>(STATUS_WORDS);
    ScanOnce.runShared(tiles, exclusive, x, y, status, s, 1);
  }

  /** The workgroup zeroes the status words in `s` (its shared memory), then runs its tiles; the prefix of all goes to status. */
  @device
  static runShared(tiles: u32, exclusive: u32, x: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>, s: Ptr<u32>, early: u32): void {
    for (let i = qpu.localId(); i < 2 * tiles + 16; i += qpu.groupSize()) s[i] = 0;
    qpu.workgroupBarrier();
    LookBack.finish(status, tiles, ScanOnce.run(tiles, exclusive, x, y, s, early));
  }

  /**
   * The tiles of this QPU (see {@link ScanOnce}); returns its running prefix, after its last tile. The next tile's
   * words load at the start of this tile's turn where `early` (a constant of each kernel) is 1, else after its
   * total is published, as its look-back's polls go out.
   */
  @device
  static run(tiles: u32, exclusive: u32, x: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>, early: u32): u32 {
    const Q = qpu.numQpus();
    const lane = qpu.laneId();
    const ex = exclusive != 0;
    let carry: u32 = 0;
    const v = new Uint32Array(TILE_WORDS);
    const t0 = Math.min(qpu.qpuId(), tiles - 1);
    for (let k: u32 = 0; k < TILE_WORDS; k++) v[k] = x[t0 * TILE + 4 * lane + (64 * (k >> 2) + (k & 3))];
    for (let t = qpu.qpuId(); t < tiles; t += Q) {
      const base = t * TILE + 4 * lane;
      // The next tile's words: this QPU's tile t + Q, or tile t again past the end.
      const tn = t + Q < tiles ? t + Q : t;
      const w = new Uint32Array(TILE_WORDS);
      if (early != 0) {
        for (let k: u32 = 0; k < TILE_WORDS; k++) w[k] = x[tn * TILE + 4 * lane + (64 * (k >> 2) + (k & 3))];
      }
      let off: u32 = 0;
      for (let g: u32 = 0; g < TILE_GROUPS; g++) {
        const p0 = v[4 * g];
        const p1 = p0 + v[4 * g + 1];
        const p2 = p1 + v[4 * g + 2];
        const p3 = p2 + v[4 * g + 3];
        const incl = LaneScan.u32(p3);
        const r = qpu.rotate(incl, 1);
        const before = off + (lane == 0 ? 0 : r);
        const zero: u32 = 0;
        v[4 * g] = before + (ex ? zero : p0);
        v[4 * g + 1] = before + (ex ? p0 : p1);
        v[4 * g + 2] = before + (ex ? p1 : p2);
        v[4 * g + 3] = before + (ex ? p2 : p3);
        off = off + qpu.broadcast(incl, 15);
      }
      LookBack.publish(status, tiles, t, off);
      if (early == 0) {
        for (let k: u32 = 0; k < TILE_WORDS; k++) w[k] = x[tn * TILE + 4 * lane + (64 * (k >> 2) + (k & 3))];
      }
      const prefix = carry + LookBack.totalBefore(status, t);
      for (let k: u32 = 0; k < TILE_WORDS; k++) y[base + (64 * (k >> 2) + (k & 3))] = prefix + v[k];
      for (let k: u32 = 0; k < TILE_WORDS; k++) v[k] = w[k];
      carry = prefix + off;
    }
    return carry;
  }

  /**
   * One batch: y[n0 … n) as the scan of x[n0 … n) a vector at a time, starting from `status[2 tiles]` (the prefix
   * {@link ScanOnce.tilesU32} left) when `tiles` > 0, else from 0.
   */
  @kernel
  static tailU32(n0: u32, n: u32, tiles: u32, exclusive: u32, x: Ptr<u32>, y: Ptr<u32>, status: Ptr<u32>): void {
    const lane = qpu.laneId();
    let carry: u32 = tiles > 0 ? status[2 * tiles] : 0;
    for (let base = n0; base < n; base += 16) {
      const i = base + lane;
      const v: u32 = i < n ? x[i] : 0;
      const t = LaneScan.u32(v);
      const shifted = qpu.rotate(t, 1);
      const before = lane == 0 ? 0 : shifted;
      if (i < n) y[i] = carry + (exclusive != 0 ? before : t);
      carry = carry + qpu.broadcast(t, 15);
    }
  }
}

// ---- Host functions -------------------------------------------------------------------------------------------

/** The arrays the scans take: allocated with `rt.alloc` (or subarrays of such arrays). */
export type ScanArray = Float32Array | Int32Array | Uint32Array;

/** Arguments of {@link inclusiveScan} and {@link exclusiveScan}. */
export interface ScanOptions<A extends ScanArray = ScanArray> {
  /** The input, from `rt.alloc`. */
  x: A;
  /** The output, from `rt.alloc`, of the same element type, at least n long; may be x itself (in place). */
  y: A;
  /** Elements, x[0..n) → y[0..n); default x.length. */
  n?: number;
}

/** Elements per QPU below which fewer QPUs are used. */
const MIN_PER_QPU = 1024;

/**
 * The error bound of an f32 scan: |y[i] − exact| ≤ γ_h · (|x[0]| + … + |x[i]|), γ_h = h·u / (1 − h·u), u = 2^-24,
 * h = 2⌈n / 16⌉ + 50 (the longest chain of roundings: a chunk sum's lane and lane-order additions, the offset's
 * additions, the running carry of the chunk's vectors and the 4 tree levels; loose, valid for any QPU count).
 * Returned for Σ|x| = 1.
 */
export function scanErrorBound(n: number): number {
  const u = 2 ** -24;
  const h = 2 * Math.ceil(n / 16) + 50;
  return (h * u) / (1 - h * u);
}

/** The QPU count and chunk length (a multiple of 16) of a scan over n elements. */
export function scanShape(rt: Runtime, n: number): { qpus: number; chunk: number } {
  const qpus = Math.max(1, Math.min(rt.numQpus, Math.ceil(n / MIN_PER_QPU)));
  const chunk = Math.max(16, Math.ceil(n / qpus / 16) * 16);
  return { qpus: Math.max(1, Math.ceil(n / chunk)), chunk };
}

async function scan(rt: Runtime, what: string, options: ScanOptions, exclusive: boolean): Promise<LaunchResult> {
  const x = checkWordArray(what, 'x', options?.x);
  const y = checkSameType(what, 'y', options?.y, x, 'x');
  const n = options.n ?? x.length;
  if (!Number.isInteger(n) || n < 0 || n > x.length || n > y.length) {
    throw new RangeError(`${what}: n must be a whole number from 0 to the shorter of x.length (${x.length}) and y.length (${y.length}), got ${String(options.n)}`);
  }
  const float = x instanceof Float32Array;
  if (!float && rt.target !== 'vc4') return scanOnce(rt, x, y, n, exclusive);
  const { qpus, chunk } = scanShape(rt, n);
  const sums = float ? rt.alloc(Float32Array, qpus) : rt.alloc(Uint32Array, qpus);
  try {
    const u32 = (a: ScanArray): ScanArray => (a instanceof Int32Array ? new Uint32Array(a.buffer, a.byteOffset, a.length) : a);
    const r1 = await rt.launch(float ? Scan.sumsF32 : Scan.sumsU32, { qpus }, n, chunk, u32(x), sums);
    // V3D: the transposed blocks (strided lane addresses suit its TMU); VC4: a vector at a time.
    const k2 = rt.target === 'vc4' ? (float ? Scan.scanF32 : Scan.scanU32) : float ? Scan.blocksF32 : Scan.blocksU32;
    const r2 = await rt.launch(k2, { qpus }, n, chunk, exclusive ? 1 : 0, u32(x), sums, u32(y));
    return combineResults([r1, r2]);
  } finally {
    rt.free(sums);
  }
}

/**
 * The single-pass scan ({@link ScanOnce}) of 32-bit integers: the whole tiles on every QPU (one launch), then the
 * last partial tile, if any, on one QPU (a second launch, which also does everything when n < TILE).
 */
async function scanOnce(rt: Runtime, x: ScanArray, y: ScanArray, n: number, exclusive: boolean): Promise<LaunchResult> {
  const tiles = Math.floor(n / TILE);
  const status = rt.alloc(Uint32Array, 2 * tiles + 16);
  try {
    status.fill(0);
    const u32 = (a: ScanArray): Uint32Array => (a instanceof Uint32Array ? a : new Uint32Array(a.buffer, a.byteOffset, a.length));
    const results: LaunchResult[] = [];
    // One workgroup of every QPU, the status words in its shared memory, where the QPU count has such a kernel.
    const wide = rt.numQpus === 12 ? ScanOnce.tilesU32x12 : rt.numQpus === 8 ? ScanOnce.tilesU32x8 : undefined;
    if (tiles > 0 && wide && 2 * tiles + 16 <= STATUS_WORDS) results.push(await rt.launch(wide, { grid: [1] }, tiles, exclusive ? 1 : 0, u32(x), u32(y), status));
    else if (tiles > 0) results.push(await rt.launch(ScanOnce.tilesU32, { qpus: Math.max(1, Math.min(rt.numQpus, tiles)) }, tiles, exclusive ? 1 : 0, u32(x), u32(y), status));
    if (tiles * TILE < n || tiles === 0) results.push(await rt.launch(ScanOnce.tailU32, { qpus: 1 }, tiles * TILE, n, tiles, exclusive ? 1 : 0, u32(x), u32(y), status));
    return combineResults(results);
  } finally {
    rt.free(status);
  }
}

/**
 * y[i] = x[0] + x[1] + … + x[i] for i < n (inclusive prefix sums). u32 and i32 wrap modulo 2^32; f32 sums are
 * rounded as the file comment describes, within {@link scanErrorBound}(n) · Σ_{j ≤ i} |x[j]| of the exact value.
 * y may be x (in place). Throws TypeError for arrays of other types or of different types, RangeError for n
 * outside 0..min(x.length, y.length). Returns the two launches' combined result.
 */
export async function inclusiveScan(rt: Runtime, options: ScanOptions): Promise<LaunchResult> {
  return scan(rt, 'inclusiveScan', options, false);
}

/** y[i] = x[0] + … + x[i − 1] (y[0] = 0): as {@link inclusiveScan}, exclusive (the bound with Σ_{j < i} |x[j]|). */
export async function exclusiveScan(rt: Runtime, options: ScanOptions): Promise<LaunchResult> {
  return scan(rt, 'exclusiveScan', options, true);
}
