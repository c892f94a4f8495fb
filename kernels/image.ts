/**
 * Image and signal kernels: RGBA → luma and RGBA ↔ YCbCr on u8 pixels, 2-D convolution with a small kernel,
 * separable blur, and bilinear resize of u8 RGBA images, with the host functions that launch them (`rgbaToLuma`,
 * `rgbaToYuv`, `yuvToRgba`, `conv2d`, `separableBlur`, `gaussianTaps`, `resizeBilinear`).
 *
 * Conventions shared by every function here:
 * - Images are row-major without padding: pixel (x, y) of a `width`-wide image is element `y * width + x`.
 * - u8 RGBA images are 4 bytes per pixel in the order R, G, B, A, in a `Uint8Array` that starts at a 4-byte
 *   boundary (the kernels read a pixel as one 32-bit word, R in its low byte: every Pi is little-endian).
 * - Borders clamp: a tap outside the image reads the nearest edge pixel.
 * - f32 kernels use `fastMath`: on vc6, vc7 and the reference backend every `+`/`*` is IEEE round-to-nearest,
 *   so results equal a plain-JS computation that rounds each operation to f32 in the same order; on vc4 each
 *   operation is within 1 ulp of that (the VideoCore IV ALU rounds toward zero; docs/language.md "Kernel
 *   options").
 */
import { kernel, device, qpu, f32, u32, i32, type Ptr, type u8, type bool } from 'qpuc';
import type { LaunchResult, Runtime } from 'qpuc/runtime';
import { combineResults, overlaps } from './launch.js';

/** {@link Image.yuvOf}: the largest product sum whose high half is below 65 280 (65 279 · 2^16 + 0xffff). */
const YUV_SAT: u32 = 0xfeffffff;

/** Largest convolution kernel edge `conv2d` accepts (odd edges 1, 3, 5, 7). */
export const MAX_CONV_EDGE = 7;
/** 16-pixel blocks (or rows) a work item of the stencil kernels sums at once, in registers. */
const BLOCKS = 8;
/** 16-pixel vectors across one strip of the strip kernels ({@link Image.conv3}). */
const STRIP = 4;
/** STRIP vectors and a halo vector on either side. */
const STRIP_HALO = 6;
/** Partial column sums {@link Image.blur7} carries: 6 per vector of a strip. */
const BLUR_PARTIALS = 12;
/** Vectors across a strip of {@link Image.blur7} (its partial sums and neighbours need the registers), with its halo. */
const BSTRIP = 2;
const BSTRIP_HALO = 4;
/**
 * Columns each lane owns in a strip of {@link Image.blur7Runs} (14·RUN stored per strip). Runs of 4 (28 partial sums)
 * spill in its arrangement: vc6 6.9 ms, vc7 265.7 µs (with the ring alone) against 546.6 and 211.0 µs for runs of 3.
 */
const RUN = 3;
/** A row of {@link Image.blur7Runs}' run with its three columns either side. */
const RUN_WIDE = 9;
/** {@link Image.blur7Runs}' ring of partial sums: 7 per vector of a run (7 · RUN). */
const RING_PARTIALS = 21;
/**
 * Vectors across a strip of {@link Image.conv5Strips} (vc4), with its halo. Measured with all 25 weights in one launch (640 × 480,
 * fraction of the memory limit, vc6 / vc7): 1 vector 0.385 / 0.449, 2: 0.397 / 0.612, 3: 0.457 / 0.575, 4 (registers
 * spent): 0.438 / 0.458.
 */
const STRIP5 = 3;
const STRIP5_HALO = 5;
/** {@link Image.conv5Upper}'s partial sums: 2 per vector of a strip. */
const UPPER_PARTIALS = 6;
/** Columns each lane owns in a strip of {@link Image.conv5Runs} (14·RUN5 stored per strip). */
const RUN5 = 2;
/** A row of {@link Image.conv5Runs}' run with its two columns either side. */
const RUN5_WIDE = 6;
/** {@link Image.conv5Runs}' ring of partial sums: 5 per vector of a run (5 · RUN5). */
const RING5_PARTIALS = 10;

/** 16-pixel vectors across one strip of {@link Image.resizeStrips} (vc4: its stores one DMA of as many rows). */
const RSTRIP = 4;

/** Most taps `separableBlur` accepts (an odd count; 31 covers a Gaussian of sigma 5 at three sigma). */
export const MAX_BLUR_TAPS = 31;

/** The image kernels (launched by the host functions below; their contracts are the host functions'). */
export class Image {
  /**
   * BT.601 luma of one RGBA word in 8-bit fixed point, (77 R + 150 G + 29 B + 128) >> 8, in the top byte of the
   * result: (R + B·2^16)(29 + 77·2^16) holds 77 R + 29 B in its high half (29 R < 2^16 stays below it), G·2^8 ·
   * 150·2^8 adds 150 G there, and 2^23 is the rounding 128·2^16. The sum stays below 2^32 (65 408·2^16 + 2^16).
   */
  @device
  static luma24(w: u32): u32 {
    return (w & 0xff00ff) * 0x4d001d + (w & 0xff00) * 0x9600 + 0x800000;
  }

  /** Four pixels' luma bytes in one word, the first pixel's in the low byte. */
  @device
  static luma4(a: u32, b: u32, c: u32, d: u32): u32 {
    return (Image.luma24(a) >>> 24) | ((Image.luma24(b) >>> 16) & 0xff00) | ((Image.luma24(c) >>> 8) & 0xff0000) | (Image.luma24(d) & 0xff000000);
  }

  /**
   * grey[i] = luma(rgba[i]) for i < n, grey 4-byte aligned: output word k (`grey4`, the same bytes as `grey`) packs
   * pixels 4k … 4k + 3. Blocks of 64 output words (4 lane-contiguous vectors, each lane gathering its 4 pixels per
   * word) go to the QPUs in turn; each QPU loads its next block while it packs the current one, so the loads'
   * latency is hidden. QPU 0 does the last words (fewer than 64) and the last n mod 4 pixels with lanes clamped to
   * the end (no lane masks: a per-lane loop condition would mask the whole kernel).
   */
  @kernel
  static lumaBlocks(n: u32, rgba: Ptr<u32>, grey4: Ptr<u32>, grey: Ptr<u8>): void {
    const words = n >> 2;
    const blocks = words >> 5;
    const lane = qpu.laneId();
    if (blocks > 0) {
      const first = (Math.min(qpu.qpuId(), blocks - 1) * 32 + lane) * 4;
      const a = new Array<u32>(8).fill(0);
      for (let t: u32 = 0; t < 8; t++) a[t] = rgba[first + 64 * (t >> 2) + (t & 3)];
      for (let k = qpu.qpuId(); k < blocks; k += qpu.numQpus()) {
        const next = (Math.min(k + qpu.numQpus(), blocks - 1) * 32 + lane) * 4;
        const na = new Array<u32>(8).fill(0);
        for (let t: u32 = 0; t < 8; t++) na[t] = rgba[next + 64 * (t >> 2) + (t & 3)];
        const o = k * 32 + lane;
        for (let j: u32 = 0; j < 2; j++) grey4[o + 16 * j] = Image.luma4(a[4 * j], a[4 * j + 1], a[4 * j + 2], a[4 * j + 3]);
        for (let t = 0; t < 8; t++) a[t] = na[t];
      }
    }
    if (qpu.qpuId() === 0 && (words & 31) !== 0) {
      for (let j: u32 = 0; j < 2; j++) {
        const k = Math.min((words & ~31) + 16 * j + lane, words - 1);
        grey4[k] = Image.luma4(rgba[4 * k], rgba[4 * k + 1], rgba[4 * k + 2], rgba[4 * k + 3]);
      }
    }
    if (qpu.qpuId() === 0 && (n & 3) !== 0) {
      const i = Math.min((n & ~3) + lane, n - 1);
      grey[i] = Image.luma24(rgba[i]) >>> 24;
    }
  }

  /**
   * grey[i] = luma(rgba[i]) for i < n: output words k < `first` / 4 four pixels at a time into `grey4` (one per
   * iteration), pixels from `first` on one byte each (vc4, and any target when grey is not 4-byte aligned).
   */
  @kernel
  static luma(n: u32, rgba: Ptr<u32>, first: u32, grey4: Ptr<u32>, grey: Ptr<u8>): void {
    const words = first >> 2;
    for (let i = qpu.globalId(); i < words; i += qpu.globalCount()) {
      const p = i * 4;
      grey4[i] = Image.luma4(rgba[p], rgba[p + 1], rgba[p + 2], rgba[p + 3]);
    }
    for (let i = first + qpu.globalId(); i < n; i += qpu.globalCount()) grey[i] = Image.luma24(rgba[i]) >>> 24;
  }

  /** The BT.601 full-range (JFIF) YCbCr of RGBA word w, bytes Y, Cb, Cr, A (see {@link rgbaToYuv}). */
  @device
  static yuvOf(w: u32): u32 {
    // Each weighted sum as luma24 does it: two byte lanes weighted by one multiply, the third by another, the sum
    // in the high half. The negative weights act on inverted bytes (255 − c): −43 R − 85 G = 43 (255 − R) +
    // 85 (255 − G) − 32 640, and the −32 640 folds into the bias, so every term is non-negative; the high half h is
    // at most 65 280 and the byte is min((h + 256) >> 8, 255), taken as (min(sum, SAT) + 2^24) >>> 24 (SAT: the
    // largest sum below h = 65 280, so the add cannot wrap and h = 65 280 gives 255). Equal to the formulas of
    // rgbaToYuv for all 2^24 colours (checked in plain JS).
    const rb = w & 0xff00ff;
    const g = w & 0xff00;
    const gi = g ^ 0xff00; // G inverted
    const y = ((rb * 0x4d001d + g * 0x9600 + 0x800000) >>> 24);
    const cb = Math.min((rb ^ 0xff) * 0x2b0080 + gi * 0x5500, YUV_SAT); // R, G inverted
    const cr = Math.min((rb ^ 0xff0000) * 0x800015 + gi * 0x6b00, YUV_SAT); // G, B inverted
    return y | (((cb + 0x1000000) >>> 16) & 0xff00) | (((cr + 0x1000000) >>> 8) & 0xff0000) | (w & 0xff000000);
  }

  /** The RGBA of YCbCrA word w (the inverse of {@link yuvOf}; see {@link yuvToRgba}). */
  @device
  static rgbOf(w: u32): u32 {
    // The formulas of yuvToRgba with the −128 offsets folded into the constants (91 881 · (Cr − 128) + 32 768 =
    // 91 881 Cr − 11 728 000, …), so every product is of two non-negative numbers below 2^24 (one 24-bit
    // multiply on every target) and fits in 31 bits.
    const y = i32(w & 255);
    const cb = (w >> 8) & 255;
    const cr = (w >> 16) & 255;
    const r = Math.min(Math.max(y + ((i32(91881 * cr) - 11728000) >> 16), 0), 255);
    const g = Math.min(Math.max(y + ((8910336 - i32(22554 * cb) - i32(46802 * cr)) >> 16), 0), 255);
    const b = Math.min(Math.max(y + ((i32(116130 * cb) - 14831872) >> 16), 0), 255);
    return u32(r) + (u32(g) << 8) + (u32(b) << 16) + (w & 0xff000000);
  }

  /**
   * dst[i] = {@link yuvOf}(src[i]) for i < n. Blocks of 64 words (4 lane-contiguous vectors) go to the QPUs in
   * turn; each QPU loads its next block while it converts the current one (so the loads' latency is hidden); QPU 0
   * does the last n mod 64 words. No lane masks anywhere (a per-lane loop condition would mask the whole kernel). src may be dst (a block is read before it is written, by its own QPU).
   */
  @kernel
  static yuv(n: u32, src: Ptr<u32>, dst: Ptr<u32>): void {
    const blocks = n >> 6;
    if (blocks > 0) {
      const lane = qpu.laneId();
      const first = Math.min(qpu.qpuId(), blocks - 1) * 64 + lane;
      let w0 = src[first];
      let w1 = src[first + 16];
      let w2 = src[first + 32];
      let w3 = src[first + 48];
      for (let k = qpu.qpuId(); k < blocks; k += qpu.numQpus()) {
        const next = Math.min(k + qpu.numQpus(), blocks - 1) * 64 + lane;
        const n0 = src[next];
        const n1 = src[next + 16];
        const n2 = src[next + 32];
        const n3 = src[next + 48];
        const o = k * 64 + lane;
        dst[o] = Image.yuvOf(w0);
        dst[o + 16] = Image.yuvOf(w1);
        dst[o + 32] = Image.yuvOf(w2);
        dst[o + 48] = Image.yuvOf(w3);
        w0 = n0;
        w1 = n1;
        w2 = n2;
        w3 = n3;
      }
    }
  }

  /** dst[i] = {@link yuvOf}(src[i]) for i < n, one word per lane, grid-stride (the last n mod 64 words). */
  @kernel
  static yuvEach(n: u32, src: Ptr<u32>, dst: Ptr<u32>): void {
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) dst[i] = Image.yuvOf(src[i]);
  }

  /** dst[i] = {@link rgbOf}(src[i]) for i < n, one word per lane, grid-stride. */
  @kernel
  static rgbEach(n: u32, src: Ptr<u32>, dst: Ptr<u32>): void {
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) dst[i] = Image.rgbOf(src[i]);
  }

  /** dst[i] = {@link rgbOf}(src[i]) for i < 64 ⌊n / 64⌋, blocks as {@link yuv}. */
  @kernel
  static rgb(n: u32, src: Ptr<u32>, dst: Ptr<u32>): void {
    Image.rgbBlocks(n, src, dst);
  }

  /**
   * {@link rgb} for src and dst that do not overlap (`noalias`; {@link yuvToRgba} checks): on vc4 a block's DMA
   * then runs on while the QPU loads and converts its next block.
   */
  @kernel({ noalias: true })
  static rgbApart(n: u32, src: Ptr<u32>, dst: Ptr<u32>): void {
    Image.rgbBlocks(n, src, dst);
  }

  /** The body of {@link rgb} and {@link rgbApart}. */
  @device
  static rgbBlocks(n: u32, src: Ptr<u32>, dst: Ptr<u32>): void {
    const blocks = n >> 6;
    if (blocks > 0) {
      const lane = qpu.laneId();
      const first = Math.min(qpu.qpuId(), blocks - 1) * 64 + lane;
      let w0 = src[first];
      let w1 = src[first + 16];
      let w2 = src[first + 32];
      let w3 = src[first + 48];
      for (let k = qpu.qpuId(); k < blocks; k += qpu.numQpus()) {
        const next = Math.min(k + qpu.numQpus(), blocks - 1) * 64 + lane;
        const n0 = src[next];
        const n1 = src[next + 16];
        const n2 = src[next + 32];
        const n3 = src[next + 48];
        const o = k * 64 + lane;
        dst[o] = Image.rgbOf(w0);
        dst[o + 16] = Image.rgbOf(w1);
        dst[o + 32] = Image.rgbOf(w2);
        dst[o + 48] = Image.rgbOf(w3);
        w0 = n0;
        w1 = n1;
        w2 = n2;
        w3 = n3;
      }
    }
  }

  /**
   * dst = src correlated with the kw × kh kernel k (row-major, centred: k[i * kw + j] weighs src[y + i - kh/2][x +
   * j - kw/2]), borders clamped. Batch b does rows b, b + batches, …; its lanes go along the row, BLOCKS blocks of
   * 16 pixels at a time with their sums in registers, so that each weight is read once per row segment and the
   * BLOCKS loads of one tap are independent (in flight together).
   */
  @kernel({ fastMath: true })
  static conv2d(width: u32, height: u32, src: Ptr<f32>, kw: u32, kh: u32, k: Ptr<f32>, dst: Ptr<f32>): void {
    const rx = i32(kw >> 1);
    const ry = i32(kh >> 1);
    const maxX = i32(width) - 1;
    const maxY = i32(height) - 1;
    const lane = qpu.laneId();
    for (let y = qpu.qpuId(); y < height; y += qpu.numQpus()) {
      for (let x0: u32 = 0; x0 < width; x0 += 16 * BLOCKS) {
        // Lanes past the row's end compute and store the last pixel (the same value as its own lane): no lane
        // masks, so the compiler keeps the whole loop body one block and the BLOCKS loads of a tap in flight together.
        const xs = new Array<i32>(BLOCKS).fill(0);
        for (let b = 0; b < BLOCKS; b++) xs[b] = Math.min(i32(x0 + lane) + 16 * b, maxX);
        const acc = new Array<f32>(BLOCKS).fill(0);
        for (let i: u32 = 0; i < kh; i++) {
          const row = u32(Math.min(Math.max(i32(y + i) - ry, 0), maxY)) * width;
          for (let j: u32 = 0; j < kw; j++) {
            const w = k[i * kw + j];
            const dx = i32(j) - rx;
            for (let b = 0; b < BLOCKS; b++) acc[b] += w * src[row + u32(Math.min(Math.max(xs[b] + dx, 0), maxX))];
          }
        }
        for (let b = 0; b < BLOCKS; b++) dst[y * width + u32(xs[b])] = acc[b];
      }
    }
  }

  /**
   * Where QPU q's share of the strip kernels' work starts: the `total` (strip, row) positions, strip-major, cut
   * into runs of total/QPUs, QPU q taking q·total/QPUs up to (q + 1)·total/QPUs.
   */
  @device
  static shareStart(q: u32, total: u32): u32 {
    return (q * total) / qpu.numQpus();
  }

  /** The first column of strip s of `cols` columns: the last strip ends at the right edge, overlapping the one before. */
  @device
  static stripLeft(s: u32, cols: u32, width: u32): u32 {
    return Math.min(s * cols, width - cols);
  }

  /**
   * Whether this lane stores in the runs strip `strip` (runs of n columns from c0, {@link blur7Runs},
   * {@link conv5RunsOf}): lanes lo … 14, where lo is 1 except in the last strip, whose lanes up to lo − 1 only repeat
   * runs the strip before stored (lane lo may repeat some of its columns: the same values).
   */
  @device
  static runStores(strip: u32, c0: u32, n: u32): bool {
    const lo = (strip * 14 * n - c0 + n) / n;
    return qpu.laneId() - lo < 15 - lo;
  }

  /** Column k of this lane's run of n columns in the runs strip from c0, clamped to 0 … maxX (only lanes 0 and 15 pass an edge). */
  @device
  static runColumn(c0: u32, n: u32, k: u32, maxX: i32): u32 {
    return u32(Math.min(Math.max(i32(c0 + n * qpu.laneId() + k - n), 0), maxX));
  }

  /**
   * The column of this lane's pixel of the halo vector of the strip of `cols` columns from x0: lanes 0–7 the
   * pixels right of the strip, 8–15 those left of it (lane l: 16 − l left of x0), clamped to 0 … maxX (the image's
   * last column).
   */
  @device
  static haloColumn(x0: u32, cols: u32, maxX: u32): u32 {
    const lane = qpu.laneId();
    // (Arms of `?:` that call or index are control flow: computed first, so the choice is one select.)
    const right = Math.min(x0 + cols + lane, maxX);
    const left = u32(Math.max(i32(x0 + lane) - 16, 0));
    return lane < 8 ? right : left;
  }

  /**
   * {@link conv2d} for a 3 × 3 kernel on images at least 16·STRIP pixels wide, each input pixel loaded once per
   * strip. The image is cut into strips of 16·STRIP columns (the last one ending at the right edge, overlapping
   * the one before) walked top to bottom; QPU q takes the (strip, row) pairs q·total/QPUs … in strip order, as
   * runs down one strip or two. A strip row is STRIP lane-contiguous vectors plus one
   * halo vector (lanes 0–7: the pixels right of the strip, 8–15: those left of it, clamped); a tap's neighbour
   * comes from the vector beside it by one select and one lane rotation. Each input row adds its three taps to the
   * three output rows it belongs to (partial sums carried in registers down the strip), in the contract's order:
   * kernel row i ascending, then j, starting from 0.
   */
  @kernel({ fastMath: true })
  static conv3(width: u32, height: u32, src: Ptr<f32>, k: Ptr<f32>, dst: Ptr<f32>, strips: u32): void {
    const maxX = width - 1;
    const maxY = i32(height) - 1;
    const lane = qpu.laneId();
    const atLast = lane === 15;
    const atFirst = lane === 0;
    const w = new Array<f32>(9).fill(0);
    for (let t = 0; t < 9; t++) w[t] = k[t];
    const total = strips * height;
    const begin = Image.shareStart(qpu.qpuId(), total);
    const end = Image.shareStart(qpu.qpuId() + 1, total);
    for (let pos = begin; pos < end; ) {
      const strip = pos / height;
      const y0 = pos - strip * height;
      const rows = Math.min(end - pos, height - y0);
      pos += rows;
      const x0 = Image.stripLeft(strip, 16 * STRIP, width);
      const hx = Image.haloColumn(x0, 16 * STRIP, maxX);
      const p0 = new Array<f32>(STRIP).fill(0);
      const p1 = new Array<f32>(STRIP).fill(0);
      const o = new Array<f32>(STRIP).fill(0);
      // e[1 + b] is vector b of input row r, e[0] and e[STRIP + 1] the halo (its left and right halves); the next
      // row's loads are issued before this row's arithmetic, so they are in flight while it runs.
      const e = new Array<f32>(STRIP_HALO).fill(0);
      const first = u32(Math.max(i32(y0) - 1, 0)) * width;
      for (let b: u32 = 0; b < STRIP; b++) e[1 + b] = src[first + x0 + 16 * b + lane];
      e[0] = src[first + hx];
      for (let r = i32(y0) - 1; r <= i32(y0 + rows); r++) {
        const row = u32(Math.min(r + 1, maxY)) * width;
        const ne = new Array<f32>(STRIP_HALO).fill(0);
        for (let b: u32 = 0; b < STRIP; b++) ne[1 + b] = src[row + x0 + 16 * b + lane];
        ne[0] = src[row + hx];
        e[STRIP + 1] = e[0];
        // All left neighbours, then all right ones: the selects of each group test one condition, whose flags
        // they share.
        const ls = new Array<f32>(STRIP).fill(0);
        const rs = new Array<f32>(STRIP).fill(0);
        for (let b = 0; b < STRIP; b++) {
          const prev = e[b];
          const c = e[b + 1];
          ls[b] = qpu.rotate(atLast ? prev : c, 1);
        }
        for (let b = 0; b < STRIP; b++) {
          const c = e[b + 1];
          const next = e[b + 2];
          rs[b] = qpu.rotate(atFirst ? next : c, 15);
        }
        for (let b = 0; b < STRIP; b++) {
          const c = e[b + 1];
          const l = ls[b];
          const rr = rs[b];
          o[b] = p0[b] + w[6] * l + w[7] * c + w[8] * rr;
          p0[b] = p1[b] + w[3] * l + w[4] * c + w[5] * rr;
          p1[b] = w[0] * l + w[1] * c + w[2] * rr;
        }
        // Before row y0 is due the sums are not an output yet: they go to row y0, which its own value overwrites
        // later (no other QPU writes or reads it), so the loop body has no branch.
        const out = u32(Math.max(r - 1, i32(y0))) * width + x0;
        for (let b: u32 = 0; b < STRIP; b++) dst[out + 16 * b + lane] = o[b];
        for (let b = 0; b <= STRIP; b++) e[b] = ne[b];
      }
    }
  }

  /**
   * {@link conv2d} 5 × 5 on vc4, in two launches: this one sums kernel rows 0 … 2 of every output pixel into t,
   * {@link conv5Lower} adds rows 3 and 4 to them into dst. One launch of all 25 weights and 4 partial sums per vector
   * (conv5, until 2026-12) spilled on vc4, its spill stores one DMA each: 7.18 ms on 640 × 480 against 6.33 for the two.
   * The same order (i-major, j ascending; the sum goes through t as the f32 it is), so the same results.
   */
  @kernel({ fastMath: true, noalias: true })
  static conv5Upper(width: u32, height: u32, src: Ptr<f32>, k: Ptr<f32>, t: Ptr<f32>, strips: u32): void {
    Image.conv5Strips(width, height, src, k, t, t, strips, STRIP5, 0);
  }

  /** The second launch of {@link conv5Upper}: dst = (t + kernel row 3's products, left to right) + row 4's. */
  @kernel({ fastMath: true, noalias: true })
  static conv5Lower(width: u32, height: u32, src: Ptr<f32>, t: Ptr<f32>, k: Ptr<f32>, dst: Ptr<f32>, strips: u32): void {
    Image.conv5Strips(width, height, src, k, t, dst, strips, STRIP5, 1);
  }

  /**
   * The body of {@link conv5Upper} (lower = 0) and {@link conv5Lower} (lower = 1), {@link conv3}'s scheme: strips of
   * `n` vectors (a constant, at most STRIP5: its loops over the strip unroll) and a halo vector walked top to bottom,
   * four neighbours per pixel (two each side) by a select and a rotation each. The upper half's input row r ends output
   * row r (kernel row 2), adds kernel row 1 to row r + 1 and begins row r + 2 (two partial sums per vector carried down
   * the strip); the lower half's ends row r − 2 (kernel row 4) and begins row r − 1 from its sum in t (kernel row 3),
   * loaded with the next input row. Row offsets are multiplied, which keeps vc4's store batching (stepped by a row,
   * as conv5Step and conv5Pair did on vc6 and vc7, 0.207 against 0.228 of the memory limit on vc4).
   */
  @device
  static conv5Strips(width: u32, height: u32, src: Ptr<f32>, k: Ptr<f32>, t: Ptr<f32>, dst: Ptr<f32>, strips: u32, n: u32, lower: u32): void {
    const maxX = width - 1;
    const maxY = i32(height) - 1;
    const lane = qpu.laneId();
    // The half's weights: kernel rows 0 … 2, or 3 and 4 (w[0 … 9]).
    const w = new Array<f32>(15).fill(0);
    for (let i: u32 = 0; i < 15; i++) {
      if (lower === 0 || i < 10) w[i] = k[i + 15 * lower];
    }
    const total = strips * height;
    const begin = Image.shareStart(qpu.qpuId(), total);
    const end = Image.shareStart(qpu.qpuId() + 1, total);
    for (let pos = begin; pos < end; ) {
      const strip = pos / height;
      const y0 = pos - strip * height;
      const rows = Math.min(end - pos, height - y0);
      pos += rows;
      const x0 = Image.stripLeft(strip, 16 * n, width);
      const hx = Image.haloColumn(x0, 16 * n, maxX);
      // Upper: p[2 b + i] is vector b's partial sum of output row r + i (kernel rows 0 … 1 − i added). Lower: p[b] is
      // vector b's sum of output row r − 2 (kernel rows 0 … 3 added), s[b] t's row r − 1.
      const p = new Array<f32>(UPPER_PARTIALS).fill(0);
      const s = new Array<f32>(STRIP5).fill(0);
      const o = new Array<f32>(STRIP5).fill(0);
      const e = new Array<f32>(STRIP5_HALO).fill(0);
      // Input rows y0 − 2 … y0 + rows − 1 (upper) or y0 + 1 … y0 + rows + 1 (lower).
      const r0 = lower === 0 ? i32(y0) - 2 : i32(y0) + 1;
      const first = u32(Math.min(Math.max(r0, 0), maxY)) * width;
      for (let b: u32 = 0; b < n; b++) e[1 + b] = src[first + x0 + 16 * b + lane];
      e[0] = src[first + hx];
      if (lower === 1) {
        for (let b: u32 = 0; b < n; b++) s[b] = t[y0 * width + x0 + 16 * b + lane];
      }
      const rEnd = lower === 0 ? i32(y0 + rows) : i32(y0 + rows) + 2;
      for (let r = r0; r < rEnd; r++) {
        // Lower: t's row r (clamped: past the segment's last row it is not used), then the next input row.
        const ns = new Array<f32>(STRIP5).fill(0);
        if (lower === 1) {
          const tRow = u32(Math.min(r, maxY)) * width + x0;
          for (let b: u32 = 0; b < n; b++) ns[b] = t[tRow + 16 * b + lane];
        }
        const row = u32(Math.min(Math.max(r + 1, 0), maxY)) * width;
        const ne = new Array<f32>(STRIP5_HALO).fill(0);
        for (let b: u32 = 0; b < n; b++) ne[1 + b] = src[row + x0 + 16 * b + lane];
        ne[0] = src[row + hx];
        e[n + 1] = e[0];
        for (let b: u32 = 0; b < n; b++) {
          const prev = e[b];
          const c = e[b + 1];
          const next = e[b + 2];
          const l2 = qpu.rotate(lane >= 14 ? prev : c, 2);
          const l1 = qpu.rotate(lane === 15 ? prev : c, 1);
          const r1 = qpu.rotate(lane === 0 ? next : c, 15);
          const r2 = qpu.rotate(lane < 2 ? next : c, 14);
          if (lower === 0) {
            o[b] = p[2 * b] + w[10] * l2 + w[11] * l1 + w[12] * c + w[13] * r1 + w[14] * r2;
            p[2 * b] = p[2 * b + 1] + w[5] * l2 + w[6] * l1 + w[7] * c + w[8] * r1 + w[9] * r2;
            p[2 * b + 1] = w[0] * l2 + w[1] * l1 + w[2] * c + w[3] * r1 + w[4] * r2;
          } else {
            o[b] = p[b] + w[5] * l2 + w[6] * l1 + w[7] * c + w[8] * r1 + w[9] * r2;
            p[b] = s[b] + w[0] * l2 + w[1] * l1 + w[2] * c + w[3] * r1 + w[4] * r2;
          }
        }
        // Output row r (upper) or r − 2 (lower). As conv3: sums that are no output yet go to row y0, overwritten later by
        // its own value (the lower half has read t's row y0 by then, and dst is not t).
        const out = u32(Math.max(lower === 0 ? r : r - 2, i32(y0))) * width + x0;
        for (let b: u32 = 0; b < n; b++) {
          if (lower === 0) t[out + 16 * b + lane] = o[b];
          else dst[out + 16 * b + lane] = o[b];
        }
        for (let b: u32 = 0; b <= n; b++) e[b] = ne[b];
        for (let b: u32 = 0; b < n; b++) s[b] = ns[b];
      }
    }
  }

  /**
   * {@link conv2d} 5 × 5 with lane l owning RUN5 neighbouring columns and vector k of a row holding each lane's column
   * k (a load of lanes RUN5 words apart), as {@link blur7Runs} lays a strip out: lane l of a strip from column c0 holds
   * columns c0 − RUN5 + RUN5·l … c0 − 1 + RUN5·l, lanes 1–14 compute and store theirs (14·RUN5 columns per strip), and
   * lanes 0 and 15 only hold the two columns left and right of them (clamped at the image's edges). A pixel's
   * horizontal neighbours are other vectors of the same row, or for the first and last two columns of a lane's run the
   * previous or next lane's, one rotation each: 4 rotations and no select per row of RUN5 vectors (the strip kernels
   * before it, conv5Pair and conv5Step: 4 rotations and 4 selects per vector, and a halo vector per strip). The
   * partial sums of the five output rows an input row feeds sit in a ring (vector k's sum of output row Y in
   * q[5k + (Y − Y₀) mod 5], the row loop unrolled by 5), so each row's products are added in place and no sum moves
   * between registers; a segment's rows + 4 steps are padded to a multiple of 5 by starting up to 4 rows earlier. Each
   * sum adds its kernel row's five products left to right onto the rows before (the first row's products start it),
   * i-major as {@link conv5Strips}, so the results are the same. Row r + 1's rotations come after row r's sums and
   * before its stores, and stores are gated per lane by one compare (stOff ≥ gate: lanes 0 and 15, the last strip's
   * lanes whose runs the strip before stored, and the rows before y0 store nothing), as in blur7Runs. Runs of 3 spill
   * (vc7 420.5 µs on 640 × 480 against 259.6 for runs of 2, both with loads one row ahead). vc6: loads one row ahead.
   */
  @kernel({ fastMath: true })
  static conv5Runs(width: u32, height: u32, src: Ptr<f32>, k: Ptr<f32>, dst: Ptr<f32>, strips: u32): void {
    Image.conv5RunsOf(width, height, src, k, dst, strips, 1);
  }

  /**
   * {@link conv5Runs} with each row's loads issued two rows ahead (vc7, whose TMU round trip of about 48 instructions
   * is close to a row's ~60: one row ahead, its QPUs waited for the loads, 259.6 against 247.4 µs on 640 × 480; vc6,
   * 843.4 against 851.3 µs, keeps one row).
   */
  @kernel({ fastMath: true })
  static conv5RunsAhead(width: u32, height: u32, src: Ptr<f32>, k: Ptr<f32>, dst: Ptr<f32>, strips: u32): void {
    Image.conv5RunsOf(width, height, src, k, dst, strips, 2);
  }

  /** The body of {@link conv5Runs} and {@link conv5RunsAhead}: each row's loads issued `ahead` rows (1 or 2, a constant) before it is computed. */
  @device
  static conv5RunsOf(width: u32, height: u32, src: Ptr<f32>, k: Ptr<f32>, dst: Ptr<f32>, strips: u32, ahead: u32): void {
    const maxX = i32(width) - 1;
    const maxY = i32(height) - 1;
    const lane = qpu.laneId();
    const w = new Array<f32>(25).fill(0);
    for (let t = 0; t < 25; t++) w[t] = k[t];
    const total = strips * height;
    const begin = Image.shareStart(qpu.qpuId(), total);
    const end = Image.shareStart(qpu.qpuId() + 1, total);
    for (let pos = begin; pos < end; ) {
      const strip = pos / height;
      const y0 = pos - strip * height;
      const rows = Math.min(end - pos, height - y0);
      pos += rows;
      const c0 = Image.stripLeft(strip, 14 * RUN5, width);
      const keep = Image.runStores(strip, c0, RUN5);
      const col = new Array<u32>(RUN5).fill(0);
      for (let c: u32 = 0; c < RUN5; c++) col[c] = Image.runColumn(c0, RUN5, c, maxX);
      // Lane l's first stored column (the store's own value, not col[0]: an address part used only by the stores leaves
      // the loop with the pointer, docs/language.md).
      const sc = c0 + RUN5 * lane - RUN5;
      const q = new Array<f32>(RING5_PARTIALS).fill(0);
      const o = new Array<f32>(RUN5).fill(0);
      const e = new Array<f32>(RUN5).fill(0);
      const pitch = i32(width);
      const last = maxY * pitch;
      const y0Off = i32(y0) * pitch;
      // A lane stores row r − 2 when its store offset is at least gate: from row y0 on, and never in lanes that keep
      // nothing.
      const gate = keep ? y0Off : 0x7fffffff;
      // rows + 4 steps (r from y0 − 2 to y0 + rows + 1), started pad rows earlier to make a multiple of 5; ldOff is row
      // r + 1's offset, stOff row r − 2's.
      const pad = 4 - (rows + 3) % 5;
      let ldOff = y0Off - i32(1 + pad) * pitch;
      let stOff = ldOff - 3 * pitch;
      const endOff = y0Off + i32(rows) * pitch;
      // x[2 + c]: vector c of the row the step computes; x[2 - d]: the pixels d left of each lane's run (the previous
      // lane's column RUN5 - d), x[RUN5 + 1 + d]: d right of it (the next lane's column d - 1).
      const first = u32(Math.min(Math.max(ldOff - pitch, 0), last));
      for (let c = 0; c < RUN5; c++) e[c] = src[first + col[c]];
      const x = new Array<f32>(RUN5_WIDE).fill(0);
      for (let c = 0; c < RUN5; c++) x[2 + c] = e[c];
      for (let d: u32 = 1; d <= 2; d++) {
        x[2 - d] = qpu.rotate(e[RUN5 - d], 1);
        x[RUN5 + 1 + d] = qpu.rotate(e[d - 1], 15);
      }
      // p: row r + 1's vectors, loaded a step ahead of their rotations when rows are loaded two ahead.
      const p = new Array<f32>(RUN5).fill(0);
      if (ahead === 2) {
        const second = u32(Math.min(Math.max(ldOff, 0), last));
        for (let c = 0; c < RUN5; c++) p[c] = src[col[c] + second];
      }
      while (ldOff <= endOff) {
        for (let s: u32 = 0; s < 5; s++) {
          // (ahead − 1)·pitch as a choice: the product, though constant, cost vc6 8 instructions per 5 rows.
          const row = u32(Math.min(Math.max(ahead === 2 ? ldOff + pitch : ldOff, 0), last));
          const ne = new Array<f32>(RUN5).fill(0);
          for (let c = 0; c < RUN5; c++) ne[c] = src[col[c] + row];
          // Row r (the step s of 5): kernel row 4 − i of output row r − 2 + i, whose sum is q[5c + (s + i) mod 5]; row
          // r − 2's completed (o), row r + 2's begun in the slot row r − 3 left.
          for (let c: u32 = 0; c < RUN5; c++) {
            for (let i: u32 = 1; i < 4; i++) {
              const slot = 5 * c + (s + i) % 5;
              q[slot] = q[slot] + w[20 - 5 * i] * x[c] + w[21 - 5 * i] * x[c + 1] + w[22 - 5 * i] * x[c + 2] + w[23 - 5 * i] * x[c + 3] + w[24 - 5 * i] * x[c + 4];
            }
            o[c] = q[5 * c + s] + w[20] * x[c] + w[21] * x[c + 1] + w[22] * x[c + 2] + w[23] * x[c + 3] + w[24] * x[c + 4];
            q[5 * c + (s + 4) % 5] = w[0] * x[c] + w[1] * x[c + 1] + w[2] * x[c + 2] + w[3] * x[c + 3] + w[4] * x[c + 4];
          }
          // Row r + 1's neighbours, before row r's stores.
          if (ahead === 2) {
            for (let c = 0; c < RUN5; c++) x[2 + c] = p[c];
            for (let d: u32 = 1; d <= 2; d++) {
              x[2 - d] = qpu.rotate(p[RUN5 - d], 1);
              x[RUN5 + 1 + d] = qpu.rotate(p[d - 1], 15);
            }
            for (let c = 0; c < RUN5; c++) p[c] = ne[c];
          } else {
            for (let c = 0; c < RUN5; c++) x[2 + c] = ne[c];
            for (let d: u32 = 1; d <= 2; d++) {
              x[2 - d] = qpu.rotate(ne[RUN5 - d], 1);
              x[RUN5 + 1 + d] = qpu.rotate(ne[d - 1], 15);
            }
          }
          for (let c: u32 = 0; c < RUN5; c++) {
            if (stOff >= gate) dst[sc + (u32(stOff) + c)] = o[c];
          }
          ldOff += pitch;
          stOff += pitch;
        }
      }
    }
  }

  /**
   * {@link separableBlur} with 7 taps in one pass over the image (no temporary), on images at least 16·BSTRIP
   * pixels wide, work cut as {@link conv3} with strips of BSTRIP vectors (its partial sums need the registers of
   * wider strips): each input row's row pass (the 7 taps from j = 0) is computed once, in registers, and added to
   * the partial column sums of the 7 output rows it belongs to (tap i ascending from 0). The same order as the two
   * passes, so the same results. A pixel's neighbours at distance d + 1 are those at distance d rotated once more,
   * so every select tests one of two lane conditions (and they share its flags).
   */
  @kernel({ fastMath: true })
  static blur7(width: u32, height: u32, src: Ptr<f32>, taps: Ptr<f32>, dst: Ptr<f32>, strips: u32): void {
    const maxX = width - 1;
    const maxY = i32(height) - 1;
    const lane = qpu.laneId();
    const atLast = lane === 15;
    const atFirst = lane === 0;
    const w = new Array<f32>(7).fill(0);
    for (let t = 0; t < 7; t++) w[t] = taps[t];
    const total = strips * height;
    const begin = Image.shareStart(qpu.qpuId(), total);
    const end = Image.shareStart(qpu.qpuId() + 1, total);
    for (let pos = begin; pos < end; ) {
      const strip = pos / height;
      const y0 = pos - strip * height;
      const rows = Math.min(end - pos, height - y0);
      pos += rows;
      const x0 = Image.stripLeft(strip, 16 * BSTRIP, width);
      const hx = Image.haloColumn(x0, 16 * BSTRIP, maxX);
      // q[6 b + i]: vector b's partial column sum of output row r - 2 + i (taps 0 … 5 - i added). Row r + 1's
      // loads are issued in row r's iteration (ne), which does not use them.
      const q = new Array<f32>(BLUR_PARTIALS).fill(0);
      const o = new Array<f32>(BSTRIP).fill(0);
      const e = new Array<f32>(BSTRIP_HALO).fill(0);
      const first = u32(Math.max(i32(y0) - 3, 0)) * width;
      for (let b: u32 = 0; b < BSTRIP; b++) e[1 + b] = src[first + x0 + 16 * b + lane];
      e[0] = src[first + hx];
      for (let r = i32(y0) - 3; r <= i32(y0 + rows) + 2; r++) {
        const row = u32(Math.min(Math.max(r + 1, 0), maxY)) * width;
        const ne = new Array<f32>(BSTRIP_HALO).fill(0);
        for (let b: u32 = 0; b < BSTRIP; b++) ne[1 + b] = src[row + x0 + 16 * b + lane];
        ne[0] = src[row + hx];
        e[BSTRIP + 1] = e[0];
        // The neighbours at distance d + 1 are those at distance d rotated once more, lane 15 (left) or 0 (right)
        // taken from the vector beside it (its own distance-d neighbours; the halo rotated for the strip's ends):
        // every select tests one of two conditions, so they share the flags instead of each setting its own.
        // l[d][1 + b] / rt[d][b]: vector b's pixels d + 1 to the left / right; l[d][0], rt[d][BSTRIP]: the halo's.
        const l1 = new Array<f32>(BSTRIP_HALO).fill(0);
        const l2 = new Array<f32>(BSTRIP_HALO).fill(0);
        const r1 = new Array<f32>(BSTRIP_HALO).fill(0);
        const r2 = new Array<f32>(BSTRIP_HALO).fill(0);
        for (let b = 0; b < BSTRIP; b++) {
          const prev = e[b];
          const c = e[b + 1];
          l1[b + 1] = qpu.rotate(atLast ? prev : c, 1);
        }
        l1[0] = qpu.rotate(e[0], 1);
        l2[0] = qpu.rotate(e[0], 2);
        for (let b = 0; b < BSTRIP; b++) {
          const p1 = l1[b];
          const c1 = l1[b + 1];
          l2[b + 1] = qpu.rotate(atLast ? p1 : c1, 1);
        }
        for (let b = 0; b < BSTRIP; b++) {
          const c = e[b + 1];
          const next = e[b + 2];
          r1[b] = qpu.rotate(atFirst ? next : c, 15);
        }
        r1[BSTRIP] = qpu.rotate(e[0], 15);
        r2[BSTRIP] = qpu.rotate(e[0], 14);
        for (let b = 0; b < BSTRIP; b++) {
          const c1 = r1[b];
          const n1 = r1[b + 1];
          r2[b] = qpu.rotate(atFirst ? n1 : c1, 15);
        }
        for (let b = 0; b < BSTRIP; b++) {
          const p2 = l2[b];
          const c2 = l2[b + 1];
          const l3 = qpu.rotate(atLast ? p2 : c2, 1);
          const c3 = r2[b];
          const n3 = r2[b + 1];
          const r3 = qpu.rotate(atFirst ? n3 : c3, 15);
          const h = w[0] * l3 + w[1] * l2[b + 1] + w[2] * l1[b + 1] + w[3] * e[b + 1] + w[4] * r1[b] + w[5] * r2[b] + w[6] * r3;
          o[b] = q[6 * b] + w[6] * h;
          for (let i = 0; i < 5; i++) q[6 * b + i] = q[6 * b + i + 1] + w[5 - i] * h;
          q[6 * b + 5] = w[0] * h;
        }
        if (r >= i32(y0) + 3) {
          const out = u32(r - 3) * width + x0;
          for (let b: u32 = 0; b < BSTRIP; b++) dst[out + 16 * b + lane] = o[b];
        }
        for (let b = 0; b <= BSTRIP; b++) e[b] = ne[b];
      }
    }
  }

  /**
   * {@link blur7} for symmetric taps (taps[6 - i] = taps[i]) with each neighbour from the loaded vectors by one
   * select and one rotation by its distance (lanes whose neighbour lies in the vector beside it take that vector),
   * tap by tap across the strip's vectors, so the strip's selects of one distance share their lane condition's
   * flags: 12 rotations per row step where blur7 has 16 (on vc7 every rotation is an op of the slice's shared SFU),
   * and each rotated value is only multiplied by its tap's weight (on vc6 one op: V3D backend `rotateIntoProduct`).
   * The column pass multiplies a row's value by four weights, not seven (taps[6 - i] · h is taps[i] · h). Row
   * offsets are stepped by a row and clamped, not multiplied. Same results as blur7.
   */
  @kernel({ fastMath: true })
  static blur7Taps(width: u32, height: u32, src: Ptr<f32>, taps: Ptr<f32>, dst: Ptr<f32>, strips: u32): void {
    const maxX = width - 1;
    const maxY = i32(height) - 1;
    const lane = qpu.laneId();
    const w = new Array<f32>(7).fill(0);
    for (let t = 0; t < 7; t++) w[t] = taps[t];
    const total = strips * height;
    const begin = Image.shareStart(qpu.qpuId(), total);
    const end = Image.shareStart(qpu.qpuId() + 1, total);
    for (let pos = begin; pos < end; ) {
      const strip = pos / height;
      const y0 = pos - strip * height;
      const rows = Math.min(end - pos, height - y0);
      pos += rows;
      const x0 = Image.stripLeft(strip, 16 * BSTRIP, width);
      const hx = Image.haloColumn(x0, 16 * BSTRIP, maxX);
      // q[6 b + i]: vector b's partial column sum of output row r - 2 + i (taps 0 … 5 - i added). Row r + 1's
      // loads are issued in row r's iteration (ne), which does not use them.
      const q = new Array<f32>(BLUR_PARTIALS).fill(0);
      const o = new Array<f32>(BSTRIP).fill(0);
      const e = new Array<f32>(BSTRIP_HALO).fill(0);
      const first = u32(Math.max(i32(y0) - 3, 0)) * width;
      for (let b: u32 = 0; b < BSTRIP; b++) e[1 + b] = src[first + x0 + 16 * b + lane];
      e[0] = src[first + hx];
      // Element offsets of row r + 1 (loaded) and of row r - 3 (stored), stepped by a row and clamped.
      const pitch = i32(width);
      const col = x0 + lane;
      const last = maxY * pitch;
      const y0Off = i32(y0) * pitch;
      let ldOff = y0Off - 2 * pitch;
      let stOff = y0Off - 6 * pitch;
      for (let r = i32(y0) - 3; r <= i32(y0 + rows) + 2; r++) {
        const row = u32(Math.min(Math.max(ldOff, 0), last));
        const ne = new Array<f32>(BSTRIP_HALO).fill(0);
        for (let b: u32 = 0; b < BSTRIP; b++) ne[1 + b] = src[row + col + 16 * b];
        ne[0] = src[row + hx];
        e[BSTRIP + 1] = e[0];
        // h[b]: vector b's row pass, tap by tap. Tap j's neighbour is d = 3 - j to the left (lanes 16 - d … 15 from
        // the vector before: e[b], the halo for the first) or j - 3 to the right (lanes 0 … d - 1 from the vector
        // after: e[b + 2], the halo for the last): one select, one rotation by d.
        // (Arms of `?:` that index are control flow: the vectors are named first, so each choice is one select.)
        const h = new Array<f32>(BSTRIP).fill(0);
        for (let b = 0; b < BSTRIP; b++) {
          const prev = e[b];
          const c = e[b + 1];
          h[b] = w[0] * qpu.rotate(lane >= 13 ? prev : c, 3);
        }
        for (let j: u32 = 1; j < 3; j++) {
          for (let b = 0; b < BSTRIP; b++) {
            const prev = e[b];
            const c = e[b + 1];
            h[b] = h[b] + w[j] * qpu.rotate(lane >= 13 + j ? prev : c, 3 - j);
          }
        }
        for (let b = 0; b < BSTRIP; b++) h[b] = h[b] + w[3] * e[b + 1];
        for (let d: u32 = 1; d <= 3; d++) {
          for (let b = 0; b < BSTRIP; b++) {
            const c = e[b + 1];
            const next = e[b + 2];
            h[b] = h[b] + w[3 + d] * qpu.rotate(lane < d ? next : c, 16 - d);
          }
        }
        // The taps are symmetric (w[6 - i] = w[i]): the column pass's seven products are four.
        for (let b = 0; b < BSTRIP; b++) {
          const p0 = w[0] * h[b];
          const p1 = w[1] * h[b];
          const p2 = w[2] * h[b];
          const p3 = w[3] * h[b];
          o[b] = q[6 * b] + p0;
          q[6 * b] = q[6 * b + 1] + p1;
          q[6 * b + 1] = q[6 * b + 2] + p2;
          q[6 * b + 2] = q[6 * b + 3] + p3;
          q[6 * b + 3] = q[6 * b + 4] + p2;
          q[6 * b + 4] = q[6 * b + 5] + p1;
          q[6 * b + 5] = p0;
        }
        // As conv3: sums that are no output yet go to row y0, overwritten later by its own value.
        const out = u32(Math.max(stOff, y0Off));
        for (let b: u32 = 0; b < BSTRIP; b++) dst[out + col + 16 * b] = o[b];
        for (let b = 0; b <= BSTRIP; b++) e[b] = ne[b];
        ldOff += pitch;
        stOff += pitch;
      }
    }
  }

  /**
   * {@link blur7Taps} (symmetric taps) with lane l owning RUN neighbouring columns and vector k of a row holding each
   * lane's column k (a load of lanes RUN words apart): lane l of a strip from column c0 holds columns c0 − RUN + RUN·l …
   * c0 − 1 + RUN·l, and lanes 1–14 compute and store theirs (14·RUN columns per strip); lanes 0 and 15 only hold the
   * three columns left and right of them (clamped at the image's edges), so there is no halo vector. A pixel's
   * horizontal neighbours are then other vectors of the same row, or for the first and last three columns of a lane's
   * run the previous or next lane's, one rotation each: 6 rotations and no select per row of RUN vectors where
   * blur7Taps has 6 rotations and 6 selects per vector. Its loads read 16 lanes for 14 stored (blur7Taps 3 vectors for
   * 2). The column pass and the order of every sum are blur7Taps', so the results are the same. Arranged so that rows
   * overlap in the schedule:
   * - The partial column sums sit in a ring: vector k's sum of output row Y is q[7k + (Y − Y₀) mod 7] (Y₀: the first
   *   step's row − 3), and the row loop is unrolled by 7 so each index is a constant. Each row's products are added in
   *   place; no sum moves from register to register (shifted sums q[6k + i] did). A segment's steps are padded to a
   *   multiple of 7 by starting up to 6 rows earlier (their sums are no output: the stores are gated).
   * - Row r + 2's loads are issued while row r is computed, and row r + 1's neighbour rotations are made after row r's
   *   sums, before its stores: a row's arithmetic then waits neither for the stores before it nor for a TMU round trip
   *   (about 48 instructions on vc7).
   * - Stores are gated per lane by one compare (stOff ≥ gate): lanes 0 and 15, the lanes of the last strip whose run
   *   the strip before stored already (the last strip overlaps it), and the rows before y0 store nothing, so every
   *   output pixel is written once.
   */
  @kernel({ fastMath: true })
  static blur7Runs(width: u32, height: u32, src: Ptr<f32>, taps: Ptr<f32>, dst: Ptr<f32>, strips: u32): void {
    const maxX = i32(width) - 1;
    const maxY = i32(height) - 1;
    const w = new Array<f32>(4).fill(0);
    for (let t = 0; t < 4; t++) w[t] = taps[t];
    const w4 = taps[4];
    const total = strips * height;
    const begin = Image.shareStart(qpu.qpuId(), total);
    const end = Image.shareStart(qpu.qpuId() + 1, total);
    for (let pos = begin; pos < end; ) {
      const strip = pos / height;
      const y0 = pos - strip * height;
      const rows = Math.min(end - pos, height - y0);
      pos += rows;
      const c0 = Image.stripLeft(strip, 14 * RUN, width);
      const keep = Image.runStores(strip, c0, RUN);
      const col = new Array<u32>(RUN).fill(0);
      for (let k: u32 = 0; k < RUN; k++) col[k] = Image.runColumn(c0, RUN, k, maxX);
      const q = new Array<f32>(RING_PARTIALS).fill(0);
      const o = new Array<f32>(RUN).fill(0);
      const e = new Array<f32>(RUN).fill(0);
      const pitch = i32(width);
      const last = maxY * pitch;
      const y0Off = i32(y0) * pitch;
      // A lane stores row r − 3 when its store offset is at least gate: from row y0 on, and never in lanes that keep
      // nothing.
      const gate = keep ? y0Off : 0x7fffffff;
      const endOff = y0Off + i32(rows + 3) * pitch;
      // rows + 6 steps (r from y0 − 3 to y0 + rows + 2), started pad rows earlier to make a multiple of 7.
      const pad = 6 - (rows + 5) % 7;
      let ldOff = y0Off - i32(2 + pad) * pitch;
      let stOff = ldOff - 4 * pitch;
      // x[3 + k]: vector k of the row the step computes; x[3 - d]: the pixels d left of each lane's run (the previous
      // lane's column RUN - d), x[RUN + 2 + d]: d right of it (the next lane's column d - 1). p: the next row's vectors.
      const first = u32(Math.min(Math.max(ldOff - pitch, 0), last));
      for (let k = 0; k < RUN; k++) e[k] = src[first + col[k]];
      const x = new Array<f32>(RUN_WIDE).fill(0);
      for (let k = 0; k < RUN; k++) x[3 + k] = e[k];
      for (let d: u32 = 1; d <= 3; d++) {
        x[3 - d] = qpu.rotate(e[RUN - d], 1);
        x[RUN + 2 + d] = qpu.rotate(e[d - 1], 15);
      }
      const p = new Array<f32>(RUN).fill(0);
      const second = u32(Math.min(Math.max(ldOff, 0), last));
      for (let k = 0; k < RUN; k++) p[k] = src[second + col[k]];
      while (ldOff <= endOff) {
        for (let s: u32 = 0; s < 7; s++) {
          const row = u32(Math.min(Math.max(ldOff + pitch, 0), last));
          const ne = new Array<f32>(RUN).fill(0);
          for (let k = 0; k < RUN; k++) ne[k] = src[row + col[k]];
          // Row r (the step s of 7): its row pass, then its products added to the sums of rows r − 2 … r + 2, row r − 3's
          // completed (o) and row r + 3's begun in the slot row r − 4 left.
          for (let k: u32 = 0; k < RUN; k++) {
            let h = w[0] * x[k];
            h = h + w[1] * x[k + 1];
            h = h + w[2] * x[k + 2];
            h = h + w[3] * x[k + 3];
            // Tap 4 (w[2]'s bits) from its own register: for vector 0 its product would be vector 2's tap 2 product,
            // which GVN shares; kept in a register it took the register-file read that the next product needed
            // (vc6 561.8 -> 557.5 us).
            h = h + w4 * x[k + 4];
            h = h + w[1] * x[k + 5];
            h = h + w[0] * x[k + 6];
            // The sums that p1, p2 and p3 feed first, then p0's (row r − 3's output and row r + 3's new sum). With p0
            // and o first, vc6 issued 69 960 instructions per QPU, in this order 63 241 (557.5 -> 546.6 us; vc7
            // 38 492 -> 36 142 instructions, no faster: its time is the memory traffic).
            const p1 = w[1] * h;
            const p2 = w[2] * h;
            const p3 = w[3] * h;
            q[7 * k + (s + 5) % 7] = q[7 * k + (s + 5) % 7] + p1;
            q[7 * k + (s + 2) % 7] = q[7 * k + (s + 2) % 7] + p1;
            q[7 * k + (s + 6) % 7] = q[7 * k + (s + 6) % 7] + p2;
            q[7 * k + (s + 1) % 7] = q[7 * k + (s + 1) % 7] + p2;
            q[7 * k + s] = q[7 * k + s] + p3;
            const p0 = w[0] * h;
            o[k] = q[7 * k + (s + 4) % 7] + p0;
            q[7 * k + (s + 3) % 7] = p0;
          }
          // Row r + 1's neighbours, before row r's stores.
          for (let k = 0; k < RUN; k++) x[3 + k] = p[k];
          for (let d: u32 = 1; d <= 3; d++) {
            x[3 - d] = qpu.rotate(p[RUN - d], 1);
            x[RUN + 2 + d] = qpu.rotate(p[d - 1], 15);
          }
          for (let k = 0; k < RUN; k++) p[k] = ne[k];
          const out = u32(stOff) + col[0];
          for (let k: u32 = 0; k < RUN; k++) {
            if (stOff >= gate) dst[out + k] = o[k];
          }
          ldOff += pitch;
          stOff += pitch;
        }
      }
    }
  }

  /** {@link conv2d} with its stores at lane-contiguous addresses where a block is whole (one DMA per store on vc4; slower on V3D). */
  @kernel({ fastMath: true })
  static conv2dDma(width: u32, height: u32, src: Ptr<f32>, kw: u32, kh: u32, k: Ptr<f32>, dst: Ptr<f32>): void {
    const rx = i32(kw >> 1);
    const ry = i32(kh >> 1);
    const maxX = i32(width) - 1;
    const maxY = i32(height) - 1;
    const lane = qpu.laneId();
    for (let y = qpu.qpuId(); y < height; y += qpu.numQpus()) {
      for (let x0: u32 = 0; x0 < width; x0 += 16 * BLOCKS) {
        // Lanes past the row's end compute and store the last pixel (the same value as its own lane): no lane
        // masks, so the compiler keeps the whole loop body one block and the BLOCKS loads of a tap in flight together.
        const xs = new Array<i32>(BLOCKS).fill(0);
        for (let b = 0; b < BLOCKS; b++) xs[b] = Math.min(i32(x0 + lane) + 16 * b, maxX);
        const acc = new Array<f32>(BLOCKS).fill(0);
        for (let i: u32 = 0; i < kh; i++) {
          const row = u32(Math.min(Math.max(i32(y + i) - ry, 0), maxY)) * width;
          for (let j: u32 = 0; j < kw; j++) {
            const w = k[i * kw + j];
            const dx = i32(j) - rx;
            for (let b = 0; b < BLOCKS; b++) acc[b] += w * src[row + u32(Math.min(Math.max(xs[b] + dx, 0), maxX))];
          }
        }
        // Whole blocks at lane-contiguous addresses (one DMA per store on vc4); in the block reaching the row's end,
        // lanes past it store the last pixel, whose value they hold.
        for (let b: u32 = 0; b < BLOCKS; b++) {
          if (x0 + 16 * b + 16 <= width) dst[y * width + x0 + 16 * b + lane] = acc[b];
          else dst[y * width + Math.min(x0 + 16 * b + lane, width - 1)] = acc[b];
        }
      }
    }
  }

  /** One row pass of a separable filter: dst[y][x] = Σ_j taps[j] src[y][clamp(x + j - r)], r = (t - 1) / 2 (blocks as {@link conv2d}). */
  @kernel({ fastMath: true })
  static blurRows(width: u32, height: u32, src: Ptr<f32>, t: u32, taps: Ptr<f32>, dst: Ptr<f32>): void {
    const r = i32(t >> 1);
    const maxX = i32(width) - 1;
    const lane = qpu.laneId();
    for (let y = qpu.qpuId(); y < height; y += qpu.numQpus()) {
      const row = y * width;
      for (let x0: u32 = 0; x0 < width; x0 += 16 * BLOCKS) {
        // As conv2d: lanes past the end redo the last pixel, so nothing is masked.
        const xs = new Array<i32>(BLOCKS).fill(0);
        for (let b = 0; b < BLOCKS; b++) xs[b] = Math.min(i32(x0 + lane) + 16 * b, maxX);
        const acc = new Array<f32>(BLOCKS).fill(0);
        for (let j: u32 = 0; j < t; j++) {
          const w = taps[j];
          const dx = i32(j) - r;
          for (let b = 0; b < BLOCKS; b++) acc[b] += w * src[row + u32(Math.min(Math.max(xs[b] + dx, 0), maxX))];
        }
        // Whole blocks at lane-contiguous addresses (one DMA per store on vc4); in the block reaching the row's end,
        // lanes past it store the last pixel, whose value they hold.
        for (let b: u32 = 0; b < BLOCKS; b++) {
          if (x0 + 16 * b + 16 <= width) dst[row + x0 + 16 * b + lane] = acc[b];
          else dst[row + Math.min(x0 + 16 * b + lane, width - 1)] = acc[b];
        }
      }
    }
  }

  /**
   * One column pass of a separable filter: dst[y][x] = Σ_i taps[i] src[clamp(y + i - r)][x], r = (t - 1) / 2. Batch
   * b does bands of BLOCKS rows (b, b + batches, …), 16 columns at a time, the band's sums in registers.
   */
  @kernel({ fastMath: true })
  static blurCols(width: u32, height: u32, src: Ptr<f32>, t: u32, taps: Ptr<f32>, dst: Ptr<f32>): void {
    const r = i32(t >> 1);
    const maxY = i32(height) - 1;
    const lane = qpu.laneId();
    for (let y0 = qpu.qpuId() * BLOCKS; y0 < height; y0 += qpu.numQpus() * BLOCKS) {
      for (let x0: u32 = 0; x0 < width; x0 += 16) {
        // Columns past the end and rows past the bottom redo the last one (the same value as its owner): no masks.
        const x = Math.min(x0 + lane, width - 1);
        const acc = new Array<f32>(BLOCKS).fill(0);
        for (let i: u32 = 0; i < t; i++) {
          const w = taps[i];
          const dy = i32(i) - r;
          for (let b = 0; b < BLOCKS; b++) {
            const yb = Math.min(i32(y0) + b, maxY);
            acc[b] += w * src[u32(Math.min(Math.max(yb + dy, 0), maxY)) * width + x];
          }
        }
        for (let b = 0; b < BLOCKS; b++) {
          const o = u32(Math.min(i32(y0) + b, maxY)) * width;
          // A whole block: a lane-contiguous address (one DMA per store on vc4); the last one: the clamped column.
          if (x0 + 16 <= width) dst[o + x0 + lane] = acc[b];
          else dst[o + x] = acc[b];
        }
      }
    }
  }

  /**
   * Two channels of a bilinear sample at once, each in a 16-bit field of a word (bytes at bits 0 and 16 of the four
   * corners' words a, b, c, d, the rest zero): per field ((t (256 − ay) + u ay + 128) >> 8 with t = (a (256 − ax) +
   * b ax + 128) >> 8, u likewise from c, d; every partial stays below 2^16 in its field, so none carries into the
   * next. The result's bytes at bits 0 and 16.
   */
  @device
  static lerpPair(a: u32, b: u32, c: u32, d: u32, ax: u32, bx: u32, ay: u32, by: u32): u32 {
    const t = ((a * bx + b * ax + 0x800080) >>> 8) & 0xff00ff;
    const u = ((c * bx + d * ax + 0x800080) >>> 8) & 0xff00ff;
    return ((t * by + u * ay + 0x800080) >>> 8) & 0xff00ff;
  }

  /** The bilinear sample of four RGBA corner words with weights ax, bx (x) and ay, by (y), as {@link lerpPair}. */
  @device
  static bilinear(p00: u32, p01: u32, p10: u32, p11: u32, ax: u32, bx: u32, ay: u32, by: u32): u32 {
    const m = 0xff00ff;
    const rb = Image.lerpPair(p00 & m, p01 & m, p10 & m, p11 & m, ax, bx, ay, by);
    const ga = Image.lerpPair((p00 >>> 8) & m, (p01 >>> 8) & m, (p10 >>> 8) & m, (p11 >>> 8) & m, ax, bx, ay, by);
    return rb | (ga << 8);
  }

  /**
   * {@link resize} with `ahead` over destination columns of 32 pixels, two 16-lane vectors side by side, so that
   * each row's source rows, offsets and y weights are worked out once for both (V3D: vc6 0.77 -> 0.90, vc7 0.77 ->
   * 0.98 of the memory limit). Lanes past the right edge redo its last pixel, as in resize.
   */
  @kernel({ fastMath: true })
  static resizePair(sw: u32, sh: u32, src: Ptr<u32>, dw: u32, dh: u32, dst: Ptr<u32>, sx: f32, sy: f32): void {
    const maxX = f32(sw - 1);
    const maxY = f32(sh - 1);
    const total = ((dw + 31) >> 5) * dh;
    const begin = (qpu.qpuId() * total) / qpu.numQpus();
    const end = ((qpu.qpuId() + 1) * total) / qpu.numQpus();
    for (let pos = begin; pos < end; ) {
      const col = pos / dh;
      const y0 = pos - col * dh;
      const rows = Math.min(end - pos, dh - y0);
      pos += rows;
      // Per vector v: the destination column, its source columns and x weights (as resize).
      const xs = new Array<u32>(2).fill(0);
      const x0s = new Array<u32>(2).fill(0);
      const x1s = new Array<u32>(2).fill(0);
      const axs = new Array<u32>(2).fill(0);
      const bxs = new Array<u32>(2).fill(0);
      for (let v: u32 = 0; v < 2; v++) {
        const x = Math.min(col * 32 + 16 * v + qpu.laneId(), dw - 1);
        const fx = Math.min(Math.max((f32(x) + 0.5) * sx - 0.5, 0), maxX);
        const x0 = u32(fx);
        const ax = u32((fx - f32(x0)) * 256 + 0.5) & 511;
        xs[v] = x;
        x0s[v] = x0;
        x1s[v] = Math.min(x0 + 1, sw - 1);
        axs[v] = ax;
        bxs[v] = (256 - ax) & 511;
      }
      // As resize with `ahead`: row y + 1's corners are loaded in row y's iteration, from row offsets worked out
      // one iteration earlier still.
      let fy = Math.min(Math.max((f32(y0) + 0.5) * sy - 0.5, 0), maxY);
      let sy0 = u32(fy);
      const r0 = sy0 * sw;
      const r1 = Math.min(sy0 + 1, sh - 1) * sw;
      const p = new Array<u32>(8).fill(0);
      for (let v = 0; v < 2; v++) {
        p[4 * v] = src[r0 + x0s[v]];
        p[4 * v + 1] = src[r0 + x1s[v]];
        p[4 * v + 2] = src[r1 + x0s[v]];
        p[4 * v + 3] = src[r1 + x1s[v]];
      }
      let fyNext = Math.min(Math.max((f32(y0 + 1) + 0.5) * sy - 0.5, 0), maxY);
      let syNext = u32(fyNext);
      let r0Next = syNext * sw;
      let r1Next = Math.min(syNext + 1, sh - 1) * sw;
      for (let y = y0; y < y0 + rows; y++) {
        const n = new Array<u32>(8).fill(0);
        for (let v = 0; v < 2; v++) {
          n[4 * v] = src[r0Next + x0s[v]];
          n[4 * v + 1] = src[r0Next + x1s[v]];
          n[4 * v + 2] = src[r1Next + x0s[v]];
          n[4 * v + 3] = src[r1Next + x1s[v]];
        }
        const ay = u32((fy - f32(sy0)) * 256 + 0.5) & 511;
        const by = (256 - ay) & 511;
        fy = fyNext;
        sy0 = syNext;
        fyNext = Math.min(Math.max((f32(y + 2) + 0.5) * sy - 0.5, 0), maxY);
        syNext = u32(fyNext);
        r0Next = syNext * sw;
        r1Next = Math.min(syNext + 1, sh - 1) * sw;
        for (let v = 0; v < 2; v++) dst[y * dw + xs[v]] = Image.bilinear(p[4 * v], p[4 * v + 1], p[4 * v + 2], p[4 * v + 3], axs[v], bxs[v], ay, by);
        for (let t = 0; t < 8; t++) p[t] = n[t];
      }
    }
  }

  /**
   * {@link resize} on strips of RSTRIP vectors (16·RSTRIP destination columns, the last strip ending at the right
   * edge, overlapping the one before; destinations at least that wide, sources at least 2 pixels wide), walked top
   * to bottom, each QPU taking an equal share of the (strip, row) pairs in strip order. Destination row y's source
   * rows and y weight come from the host's table (`rowTab[3 y …]`: y0 · sw, y1 · sw, ay, see {@link rowTable}), so
   * the loop computes none of them, and its RSTRIP stores are one run (rows 64 bytes apart: one multi-row DMA on
   * vc4, not waited for: `noalias`, the host keeps src and dst apart). A lane's right source column is its left one
   * plus 1: where the left one would be the last (fx clamped to it, weight 0 on the right), the pair moves one column
   * left with weight 256 on the right, the same value.
   */
  @kernel({ fastMath: true, noalias: true })
  static resizeStrips(sw: u32, src: Ptr<u32>, dw: u32, dh: u32, dst: Ptr<u32>, sx: f32, rowTab: Ptr<u32>): void {
    const maxX = f32(sw - 1);
    const total = ((dw + 16 * RSTRIP - 1) / (16 * RSTRIP)) * dh;
    const begin = (qpu.qpuId() * total) / qpu.numQpus();
    const end = ((qpu.qpuId() + 1) * total) / qpu.numQpus();
    for (let pos = begin; pos < end; ) {
      const strip = pos / dh;
      const y0 = pos - strip * dh;
      const rows = Math.min(end - pos, dh - y0);
      pos += rows;
      const left = Image.stripLeft(strip, 16 * RSTRIP, dw);
      // Per vector v: its left source column and x weight (as resize, then moved off the last column).
      const x0s = new Array<u32>(RSTRIP).fill(0);
      const axs = new Array<u32>(RSTRIP).fill(0);
      for (let v: u32 = 0; v < RSTRIP; v++) {
        const x = left + 16 * v + qpu.laneId();
        const fx = Math.min(Math.max((f32(x) + 0.5) * sx - 0.5, 0), maxX);
        const x0 = u32(fx);
        const ax = u32((fx - f32(x0)) * 256 + 0.5) & 511;
        // (On the last column fx is clamped to it, so ax is 0 there. Weights masked to 9 bits: one 24-bit multiply.)
        const last = x0 + 1 >= sw;
        x0s[v] = last ? x0 - 1 : x0;
        axs[v] = (last ? 256 : ax) & 511;
      }
      const col = left + qpu.laneId();
      // Row y + 1's table entry is looked up in row y's iteration (the last row's again at the end: harmless).
      let r0 = rowTab[3 * y0];
      let r1 = rowTab[3 * y0 + 1];
      let ayNext = rowTab[3 * y0 + 2];
      for (let y = y0; y < y0 + rows; y++) {
        const ay = ayNext & 511;
        const by = (256 - ay) & 511;
        const next = 3 * Math.min(y + 1, dh - 1);
        const n0 = rowTab[next];
        const n1 = rowTab[next + 1];
        ayNext = rowTab[next + 2];
        const px = new Array<u32>(RSTRIP).fill(0);
        let c00 = src[r0 + x0s[0]];
        let c01 = src[r0 + x0s[0] + 1];
        let c10 = src[r1 + x0s[0]];
        let c11 = src[r1 + x0s[0] + 1];
        for (let v = 0; v < RSTRIP; v++) {
          // Vector v + 1's corners go out before vector v is interpolated, so their latency hides behind it (the
          // last vector looks its own up again: lines in the cache, fewer registers than a loop without it).
          const x = x0s[Math.min(v + 1, RSTRIP - 1)];
          const d00 = src[r0 + x];
          const d01 = src[r0 + x + 1];
          const d10 = src[r1 + x];
          const d11 = src[r1 + x + 1];
          const ax = axs[v];
          px[v] = Image.bilinear(c00, c01, c10, c11, ax, (256 - ax) & 511, ay, by);
          c00 = d00;
          c01 = d01;
          c10 = d10;
          c11 = d11;
        }
        for (let v: u32 = 0; v < RSTRIP; v++) dst[y * dw + col + 16 * v] = px[v];
        r0 = n0;
        r1 = n1;
      }
    }
  }

  /**
   * Bilinear resize of a u8 RGBA image (one word per pixel; see {@link resizeBilinear} for the formula). The
   * destination is cut into columns of 16 pixels walked top to bottom, each QPU taking an equal share of the
   * (column, row) pairs in column order, so a lane's source columns and weights are worked out once per column
   * run; lanes past the right edge redo its last pixel (the same value), so nothing is masked.
   *
   * With `ahead` ≠ 0 each row's source offsets are worked out one row earlier still, so that the next row's four
   * lookups are the first thing an iteration does and their latency hides behind the row's arithmetic (V3D: vc6
   * 0.64 → 0.71, vc7 0.63 → 0.72 of the memory limit); vc4 runs with 0 (ahead measured 0.81 → 0.70 there). V3D now
   * runs {@link resizePair}, that form on two vectors, and vc4 {@link resizeStrips} where the destination is at
   * least 16·RSTRIP wide and the source at least 2 wide; this kernel does the rest on vc4.
   */
  @kernel({ fastMath: true })
  static resize(sw: u32, sh: u32, src: Ptr<u32>, dw: u32, dh: u32, dst: Ptr<u32>, sx: f32, sy: f32, ahead: u32): void {
    const maxX = f32(sw - 1);
    const maxY = f32(sh - 1);
    const total = ((dw + 15) >> 4) * dh;
    const begin = (qpu.qpuId() * total) / qpu.numQpus();
    const end = ((qpu.qpuId() + 1) * total) / qpu.numQpus();
    for (let pos = begin; pos < end; ) {
      const col = pos / dh;
      const y0 = pos - col * dh;
      const rows = Math.min(end - pos, dh - y0);
      pos += rows;
      const x = Math.min(col * 16 + qpu.laneId(), dw - 1);
      const fx = Math.min(Math.max((f32(x) + 0.5) * sx - 0.5, 0), maxX);
      const x0 = u32(fx);
      // (Weights masked to 9 bits, which they are: the backends then multiply with one 24-bit multiply.)
      const ax = u32((fx - f32(x0)) * 256 + 0.5) & 511;
      const bx = (256 - ax) & 511;
      const x1 = Math.min(x0 + 1, sw - 1);
      if (ahead != 0) {
        // Row y + 1's corners are loaded in row y's iteration (clamped to the last row: a harmless extra load), from
        // row offsets worked out one iteration earlier still, so that those lookups go out first in the iteration.
        // (Row y0's loads sit in each branch, not before the branch: there vc7 measured 0.72 -> 0.67.)
        let fy = Math.min(Math.max((f32(y0) + 0.5) * sy - 0.5, 0), maxY);
        let sy0 = u32(fy);
        const r0 = sy0 * sw;
        const r1 = Math.min(sy0 + 1, sh - 1) * sw;
        let p00 = src[r0 + x0];
        let p01 = src[r0 + x1];
        let p10 = src[r1 + x0];
        let p11 = src[r1 + x1];
        let fyNext = Math.min(Math.max((f32(y0 + 1) + 0.5) * sy - 0.5, 0), maxY);
        let syNext = u32(fyNext);
        let r0Next = syNext * sw;
        let r1Next = Math.min(syNext + 1, sh - 1) * sw;
        for (let y = y0; y < y0 + rows; y++) {
          const n00 = src[r0Next + x0];
          const n01 = src[r0Next + x1];
          const n10 = src[r1Next + x0];
          const n11 = src[r1Next + x1];
          const ay = u32((fy - f32(sy0)) * 256 + 0.5) & 511;
          const by = (256 - ay) & 511;
          fy = fyNext;
          sy0 = syNext;
          fyNext = Math.min(Math.max((f32(y + 2) + 0.5) * sy - 0.5, 0), maxY);
          syNext = u32(fyNext);
          r0Next = syNext * sw;
          r1Next = Math.min(syNext + 1, sh - 1) * sw;
          dst[y * dw + x] = Image.bilinear(p00, p01, p10, p11, ax, bx, ay, by);
          p00 = n00;
          p01 = n01;
          p10 = n10;
          p11 = n11;
        }
      } else {
        // Row y + 1's corners are loaded in row y's iteration (clamped to the last row: a harmless extra load).
        let fy = Math.min(Math.max((f32(y0) + 0.5) * sy - 0.5, 0), maxY);
        let sy0 = u32(fy);
        let r0 = sy0 * sw;
        let r1 = Math.min(sy0 + 1, sh - 1) * sw;
        let p00 = src[r0 + x0];
        let p01 = src[r0 + x1];
        let p10 = src[r1 + x0];
        let p11 = src[r1 + x1];
        for (let y = y0; y < y0 + rows; y++) {
          const ay = u32((fy - f32(sy0)) * 256 + 0.5) & 511;
          const by = (256 - ay) & 511;
          fy = Math.min(Math.max((f32(y + 1) + 0.5) * sy - 0.5, 0), maxY);
          sy0 = u32(fy);
          r0 = sy0 * sw;
          r1 = Math.min(sy0 + 1, sh - 1) * sw;
          const n00 = src[r0 + x0];
          const n01 = src[r0 + x1];
          const n10 = src[r1 + x0];
          const n11 = src[r1 + x1];
          dst[y * dw + x] = Image.bilinear(p00, p01, p10, p11, ax, bx, ay, by);
          p00 = n00;
          p01 = n01;
          p10 = n10;
          p11 = n11;
        }
      }
    }
  }

}

// ---------------------------------------------------------------------------------------------------------------
// Host functions

/** Batches for a row-parallel launch: one per QPU (two measured no faster), at most one per row. */
function rowBatches(rt: Runtime, rows: number): number {
  return Math.max(1, Math.min(rows, rt.numQpus));
}

/** Batches for a grid-stride launch of `items` work items: one per QPU (two measured no faster). */
function streamBatches(rt: Runtime, items: number): number {
  return Math.max(1, Math.min(Math.ceil(items / 16), rt.numQpus));
}

function describe(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean' || v === undefined || v === null) return String(v);
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of ${(v as unknown as { length: number }).length}`;
  return typeof v;
}

function checkObject(fn: string, value: unknown): void {
  if (typeof value !== 'object' || value === null) throw new TypeError(`${fn}: the second argument must be an options object, got ${describe(value)}`);
}

function checkSize(fn: string, name: string, value: unknown, max = 0xffff): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${fn}: ${name} must be a whole number from 1 to ${max}, got ${describe(value)}`);
  }
  return value;
}

function checkF32(fn: string, name: string, a: unknown, need: number): Float32Array {
  if (!(a instanceof Float32Array)) throw new TypeError(`${fn}: ${name} must be a Float32Array from rt.alloc, got ${describe(a)}`);
  if (a.length < need) throw new RangeError(`${fn}: ${name} holds ${a.length} elements, but the image needs ${need}`);
  return a;
}

function checkU8(fn: string, name: string, a: unknown, need: number, aligned: boolean): Uint8Array {
  if (!(a instanceof Uint8Array)) throw new TypeError(`${fn}: ${name} must be a Uint8Array from rt.alloc, got ${describe(a)}`);
  if (a.length < need) throw new RangeError(`${fn}: ${name} holds ${a.length} bytes, but the image needs ${need}`);
  if (aligned && a.byteOffset % 4 !== 0) throw new RangeError(`${fn}: ${name} must start at a 4-byte boundary (RGBA pixels are read as 32-bit words), but its byteOffset is ${a.byteOffset}`);
  return a;
}

/** The bytes of an RGBA image as 32-bit words (the same memory: the runtime resolves views of its arrays). */
function words(a: Uint8Array, pixels: number): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, pixels);
}

/** Options of {@link rgbaToLuma}. */
export interface RgbaToLumaOptions {
  /** Pixels (width × height of the image, or any count). */
  pixels: number;
  /** The RGBA image: 4 × pixels bytes, R G B A per pixel, starting at a 4-byte boundary. */
  rgba: Uint8Array;
  /** The luma image: pixels bytes (any alignment; 4-byte aligned is faster). */
  grey: Uint8Array;
}

/**
 * BT.601 luma of u8 RGBA pixels: grey[i] = (77 R + 150 G + 29 B + 128) >> 8, i.e. 0.299 R + 0.587 G + 0.114 B in
 * 8-bit fixed point (weights summing to 256, so white stays 255), rounded half up; alpha is ignored. Exact (integer
 * arithmetic) on every target. Up to 2^26 pixels. Throws a TypeError/RangeError naming the argument for wrong
 * types, lengths or alignment.
 */
export async function rgbaToLuma(rt: Runtime, options: RgbaToLumaOptions): Promise<LaunchResult> {
  const fn = 'rgbaToLuma';
  checkObject(fn, options);
  const n = checkSize(fn, 'pixels', options.pixels, 1 << 26);
  const rgba = checkU8(fn, 'rgba', options.rgba, 4 * n, true);
  const grey = checkU8(fn, 'grey', options.grey, n, false);
  const aligned = grey.byteOffset % 4 === 0;
  // grey4 is only written when grey is 4-byte aligned; otherwise any u32 view of GPU memory will do.
  const grey4 = aligned && n >= 4 ? new Uint32Array(grey.buffer, grey.byteOffset, n >> 2) : words(rgba, 1);
  if (rt.target === 'vc4') {
    // One word per iteration: on vc4 (no TMU stores, DMA per store) the two-word loop measured slower (640 × 480: 0.67 → 0.58 of the memory limit).
    const first = aligned ? n - (n % 4) : 0;
    return rt.launch(Image.luma, { qpus: streamBatches(rt, aligned ? Math.ceil(n / 4) : n) }, n, words(rgba, n), first, grey4, grey);
  }
  if (!aligned || n < 4) return rt.launch(Image.luma, { qpus: streamBatches(rt, n) }, n, words(rgba, n), 0, grey4, grey);
  return rt.launch(Image.lumaBlocks, { qpus: rt.numQpus }, n, words(rgba, n), grey4, grey);
}

/** Options of {@link rgbaToYuv} and {@link yuvToRgba}. */
export interface YuvOptions {
  /** Pixels to convert. */
  pixels: number;
  /** Source: 4 × pixels bytes (R G B A, or Y Cb Cr A), starting at a 4-byte boundary. */
  src: Uint8Array;
  /** Destination: 4 × pixels bytes, starting at a 4-byte boundary; may be src itself (in place). */
  dst: Uint8Array;
}

/**
 * RGBA → YCbCr, BT.601 full range as JPEG/JFIF uses it, in 8-bit fixed point (weights × 256, rounded half up,
 * `>>` flooring): Y = (77 R + 150 G + 29 B + 128) >> 8, Cb = min(((128 B − 43 R − 85 G + 128) >> 8) + 128, 255),
 * Cr = min(((128 R − 107 G − 21 B + 128) >> 8) + 128, 255); output bytes Y, Cb, Cr, A (alpha copied): packed
 * YUV 4:4:4 with alpha. Exact (integer arithmetic) on every target; Y equals {@link rgbaToLuma}'s.
 */
export async function rgbaToYuv(rt: Runtime, options: YuvOptions): Promise<LaunchResult> {
  return convert(rt, 'rgbaToYuv', options, Image.yuv, Image.yuvEach);
}

/**
 * YCbCr → RGBA, the JFIF inverse in 16-bit fixed point: with cb = Cb − 128, cr = Cr − 128 and `>>` flooring,
 * R = Y + ((91881 cr + 32768) >> 16), G = Y + ((32768 − 22554 cb − 46802 cr) >> 16), B = Y + ((116130 cb + 32768)
 * >> 16), each clamped to [0, 255] (1.402, 0.344136, 0.714136, 1.772 × 2^16); alpha copied. Exact on every
 * target. A round trip through {@link rgbaToYuv} is within 2 per channel (checked in plain JS over all 2^24 colours).
 */
export async function yuvToRgba(rt: Runtime, options: YuvOptions): Promise<LaunchResult> {
  // vc4: with src and dst apart, each block's DMA runs on while the next block converts (640 × 480: 0.80 → 0.92 of
  // the memory limit); rgbaToYuv's blocks convert faster and lose with it (0.92 → 0.87).
  return convert(rt, 'yuvToRgba', options, Image.rgb, Image.rgbEach, rt.target === 'vc4' ? Image.rgbApart : undefined);
}

async function convert(rt: Runtime, fn: string, options: YuvOptions, blocks: typeof Image.yuv, each: typeof Image.yuv, apart?: typeof Image.yuv): Promise<LaunchResult> {
  checkObject(fn, options);
  const n = checkSize(fn, 'pixels', options.pixels, 1 << 26);
  const src = checkU8(fn, 'src', options.src, 4 * n, true);
  const dst = checkU8(fn, 'dst', options.dst, 4 * n, true);
  // On vc4 too: a block's four contiguous stores are two DMAs there (store runs), the one-word loop's one per
  // vector (640 × 480: 0.44 against 0.30 of the memory limit).
  const head = n - (n % 64);
  const parts: LaunchResult[] = [];
  const kernel = apart && disjoint(rt, src, dst, 4 * head) ? apart : blocks;
  if (head > 0) parts.push(await rt.launch(kernel, { qpus: rt.numQpus }, head, words(src, head), words(dst, head)));
  if (head < n) {
    const rest = n - head;
    const tail = (a: Uint8Array) => new Uint32Array(a.buffer, a.byteOffset + 4 * head, rest);
    parts.push(await rt.launch(each, { qpus: streamBatches(rt, rest) }, rest, tail(src), tail(dst)));
  }
  return parts.length === 1 ? (parts[0] as LaunchResult) : combineResults(parts);
}

/** Whether the first `bytes` bytes of a and b are apart in GPU memory (false when either is not the runtime's: the launch says why). */
function disjoint(rt: Runtime, a: Uint8Array, b: Uint8Array, bytes: number): boolean {
  let x: number, y: number;
  try {
    x = rt.addressOf(a);
    y = rt.addressOf(b);
  } catch {
    return false;
  }
  return x + bytes <= y || y + bytes <= x;
}

/** Options of {@link conv2d}. */
export interface Conv2dOptions {
  /** Image width and height in pixels (1 to 65535 each). */
  width: number;
  height: number;
  /** Source image, width × height f32, row-major. */
  src: Float32Array;
  /** Kernel width and height: odd, 1 to {@link MAX_CONV_EDGE}. */
  kw: number;
  kh: number;
  /** Kernel weights, kw × kh row-major; k[i * kw + j] weighs the source pixel (x + j - kw/2, y + i - kh/2). */
  k: Float32Array;
  /** Destination image, width × height f32 (must not overlap src). */
  dst: Float32Array;
}

/**
 * 2-D correlation with a small kernel, borders clamped: dst[y][x] = Σ_i Σ_j k[i][j] · src[clamp(y + i - ⌊kh/2⌋)][clamp(x
 * + j - ⌊kw/2⌋)], summed i-major from 0 in f32 (a convolution in the signal-processing sense with a kernel flipped
 * in both axes). On vc6, vc7 and the reference backend the result equals that sum with every product and addition
 * rounded to f32 in that order; on vc4 each operation is within 1 ulp of it. Odd kernel edges up to 7.
 */
export async function conv2d(rt: Runtime, options: Conv2dOptions): Promise<LaunchResult> {
  const fn = 'conv2d';
  checkObject(fn, options);
  const width = checkSize(fn, 'width', options.width);
  const height = checkSize(fn, 'height', options.height);
  const kw = checkSize(fn, 'kw', options.kw, MAX_CONV_EDGE);
  const kh = checkSize(fn, 'kh', options.kh, MAX_CONV_EDGE);
  if (kw % 2 === 0 || kh % 2 === 0) throw new RangeError(`${fn}: kernel edges must be odd (the kernel is centred on the pixel), got kw = ${kw}, kh = ${kh}`);
  const src = checkF32(fn, 'src', options.src, width * height);
  const k = checkF32(fn, 'k', options.k, kw * kh);
  const dst = checkF32(fn, 'dst', options.dst, width * height);
  if (overlaps(src, dst)) {
    throw new RangeError(`${fn}: dst must not overlap src (every output reads its neighbours' inputs)`);
  }
  // vc6 and vc7: runs of RUN5 columns per lane (conv5Runs; vc7 conv5RunsAhead, its loads two rows ahead); vc4: 3-vector
  // strips (conv5), whose stores stay lane-contiguous (a strided store is 16 one-word DMAs there).
  if (kw === 5 && kh === 5 && rt.target !== 'vc4' && width >= 14 * RUN5) {
    const runs = rt.target === 'vc7' ? Image.conv5RunsAhead : Image.conv5Runs;
    return rt.launch(runs, { qpus: rt.numQpus }, width, height, src, k, dst, Math.ceil(width / (14 * RUN5)));
  }
  if (kw === 5 && kh === 5 && rt.target === 'vc4' && width >= 16 * STRIP5) {
    const strips = Math.ceil(width / (16 * STRIP5));
    const t = rt.alloc(Float32Array, width * height);
    try {
      const a = await rt.launch(Image.conv5Upper, { qpus: rt.numQpus }, width, height, src, k, t, strips);
      const b = await rt.launch(Image.conv5Lower, { qpus: rt.numQpus }, width, height, src, t, k, dst, strips);
      return combineResults([a, b]);
    } finally {
      rt.free(t);
    }
  }
  if (kw === 3 && kh === 3 && width >= 16 * STRIP) {
    return rt.launch(Image.conv3, { qpus: rt.numQpus }, width, height, src, k, dst, Math.ceil(width / (16 * STRIP)));
  }
  return rt.launch(rt.target === 'vc4' ? Image.conv2dDma : Image.conv2d, { qpus: rowBatches(rt, height) }, width, height, src, kw, kh, k, dst);
}

/**
 * Normalised Gaussian taps for {@link separableBlur}: 2 ⌈3 sigma⌉ + 1 taps (at most {@link MAX_BLUR_TAPS}),
 * exp(-d² / (2 sigma²)) divided by their sum, computed in f64 and rounded to f32.
 */
export function gaussianTaps(sigma: number): Float32Array {
  if (typeof sigma !== 'number' || !(sigma > 0) || !Number.isFinite(sigma)) throw new RangeError(`gaussianTaps: sigma must be a positive number, got ${describe(sigma)}`);
  const r = Math.ceil(3 * sigma);
  if (2 * r + 1 > MAX_BLUR_TAPS) throw new RangeError(`gaussianTaps: sigma ${sigma} needs ${2 * r + 1} taps, more than ${MAX_BLUR_TAPS} (sigma at most ${(MAX_BLUR_TAPS - 1) / 6})`);
  const w = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const s = w.reduce((a, b) => a + b, 0);
  return Float32Array.from(w, (v) => v / s);
}

/** Options of {@link separableBlur}. */
export interface SeparableBlurOptions {
  width: number;
  height: number;
  /** Source image, width × height f32. */
  src: Float32Array;
  /** Destination image, width × height f32 (may be src itself). */
  dst: Float32Array;
  /** The filter's taps (odd count up to {@link MAX_BLUR_TAPS}, centred), in a Float32Array from rt.alloc; or give sigma. */
  taps?: Float32Array;
  /** Gaussian sigma: the taps are {@link gaussianTaps}(sigma). */
  sigma?: number;
}

/**
 * Separable filter (a Gaussian blur given sigma, or any odd, centred 1-D taps) with clamped borders: a row pass
 * tmp[y][x] = Σ_j t[j] src[y][clamp(x + j - r)], then a column pass dst[y][x] = Σ_i t[i] tmp[clamp(y + i - r)][x],
 * r = (taps - 1) / 2, each sum from j = 0 in f32 (exact to that order on vc6, vc7 and the reference backend, each
 * operation within 1 ulp on vc4). Uses a width × height temporary it allocates and frees. The result sums both
 * launches.
 */
export async function separableBlur(rt: Runtime, options: SeparableBlurOptions): Promise<LaunchResult> {
  const fn = 'separableBlur';
  checkObject(fn, options);
  const width = checkSize(fn, 'width', options.width);
  const height = checkSize(fn, 'height', options.height);
  const src = checkF32(fn, 'src', options.src, width * height);
  const dst = checkF32(fn, 'dst', options.dst, width * height);
  if ((options.taps === undefined) === (options.sigma === undefined)) throw new TypeError(`${fn}: give taps or sigma, ${options.taps === undefined ? 'got neither' : 'not both'}`);
  let taps: Float32Array;
  let own = false;
  if (options.taps !== undefined) {
    taps = checkF32(fn, 'taps', options.taps, 1);
    if (taps.length % 2 === 0 || taps.length > MAX_BLUR_TAPS) throw new RangeError(`${fn}: taps must be an odd count up to ${MAX_BLUR_TAPS} (centred on the pixel), got ${taps.length}`);
  } else {
    const t = gaussianTaps(options.sigma as number);
    taps = rt.alloc(Float32Array, t.length);
    taps.set(t);
    own = true;
  }
  if (taps.length === 7 && width >= 16 * BSTRIP && !overlaps(src, dst)) {
    // V3D: blur7Runs (at least one strip wide) or blur7Taps, which take the taps to be symmetric (the same bits at i
    // and 6 - i: a Gaussian's are; blur7Runs reads taps[4] for tap 2's right-hand product); vc4 and other taps: blur7
    // (vc4 0.527 against blur7Taps' 0.525).
    const bits = new Uint32Array(taps.buffer, taps.byteOffset, 7);
    const symmetric = bits[0] === bits[6] && bits[1] === bits[5] && bits[2] === bits[4];
    const runs = rt.target !== 'vc4' && symmetric && width >= 14 * RUN;
    const kernel = runs ? Image.blur7Runs : rt.target !== 'vc4' && symmetric ? Image.blur7Taps : Image.blur7;
    try {
      return await rt.launch(kernel, { qpus: rt.numQpus }, width, height, src, taps, dst, Math.ceil(width / (runs ? 14 * RUN : 16 * BSTRIP)));
    } finally {
      if (own) rt.free(taps);
    }
  }
  const tmp = rt.alloc(Float32Array, width * height);
  try {
    const a = await rt.launch(Image.blurRows, { qpus: rowBatches(rt, height) }, width, height, src, taps.length, taps, tmp);
    const b = await rt.launch(Image.blurCols, { qpus: rowBatches(rt, Math.ceil(height / BLOCKS)) }, width, height, tmp, taps.length, taps, dst);
    return combineResults([a, b]);
  } finally {
    rt.free(tmp);
    if (own) rt.free(taps);
  }
}

/** Options of {@link resizeBilinear}. */
export interface ResizeBilinearOptions {
  /** Source size in pixels (1 to 65535 each) and the u8 RGBA source (4 bytes per pixel, 4-byte aligned). */
  srcWidth: number;
  srcHeight: number;
  src: Uint8Array;
  /** Destination size in pixels and the u8 RGBA destination (4-byte aligned; must not overlap src). */
  dstWidth: number;
  dstHeight: number;
  dst: Uint8Array;
}

/**
 * Each destination row's source rows and y weight for {@link resizeBilinear}, as its formula computes them in f32
 * (IEEE, rounding to nearest): `[y0 · sw, y1 · sw, ay]` for y = 0 … dh − 1.
 */
function rowTable(sw: number, sh: number, dh: number, sy: number): Uint32Array {
  const f = Math.fround;
  const out = new Uint32Array(3 * dh);
  for (let y = 0; y < dh; y++) {
    const fy = Math.min(Math.max(f(f(f(y + 0.5) * sy) - 0.5), 0), sh - 1);
    const y0 = Math.trunc(fy);
    out[3 * y] = y0 * sw;
    out[3 * y + 1] = Math.min(y0 + 1, sh - 1) * sw;
    out[3 * y + 2] = Math.trunc(f(f((fy - y0) * 256) + 0.5)) & 511;
  }
  return out;
}

/**
 * Bilinear resize of a u8 RGBA image, each channel alike (alpha too, not premultiplied), with 8-bit fixed-point
 * weights. Pixel centres sit at half-integers (align_corners = false, as OpenCV's INTER_LINEAR and PIL): output
 * pixel (x, y) samples the source at fx = (x + 0.5) · sx − 0.5, fy = (y + 0.5) · sy − 0.5 with sx = f32(srcWidth
 * / dstWidth), sy likewise, computed in f32 and clamped to [0, size − 1]. With x0 = ⌊fx⌋, x1 = min(x0 + 1,
 * srcWidth − 1), ax = ⌊(fx − x0) · 256 + 0.5⌋ (y alike) and the corner bytes a = (x0, y0), b = (x1, y0), c =
 * (x0, y1), d = (x1, y1), a channel is (t (256 − ay) + u ay + 128) >> 8 with t = (a (256 − ax) + b ax + 128) >> 8
 * and u = (c (256 − ax) + d ax + 128) >> 8 (OpenCV also interpolates in fixed point). Exact on vc6, vc7 and the
 * reference backend; on vc4 fx and fy are within 1 ulp (its f32 rounds toward zero), so a channel may differ by 1.
 */
export async function resizeBilinear(rt: Runtime, options: ResizeBilinearOptions): Promise<LaunchResult> {
  const fn = 'resizeBilinear';
  checkObject(fn, options);
  const sw = checkSize(fn, 'srcWidth', options.srcWidth);
  const sh = checkSize(fn, 'srcHeight', options.srcHeight);
  const dw = checkSize(fn, 'dstWidth', options.dstWidth);
  const dh = checkSize(fn, 'dstHeight', options.dstHeight);
  const src = checkU8(fn, 'src', options.src, 4 * sw * sh, true);
  const dst = checkU8(fn, 'dst', options.dst, 4 * dw * dh, true);
  if (overlaps(src, dst, 4 * sw * sh, 4 * dw * dh)) {
    throw new RangeError(`${fn}: dst must not overlap src`);
  }
  const sx = Math.fround(sw / dw);
  const sy = Math.fround(sh / dh);
  // V3D: two vectors per row step. vc4: strips of RSTRIP vectors with the rows' offsets and weights from a table the
  // host computes (one multi-row DMA per row step; 640 × 480 → 320 × 240: 0.83 → 0.95 of the memory limit; the
  // pair form measured 1.23 -> 2.22 ms there, its TMU waits), one vector per row step where narrower.
  if (rt.target !== 'vc4') return rt.launch(Image.resizePair, { qpus: rowBatches(rt, dh) }, sw, sh, words(src, sw * sh), dw, dh, words(dst, dw * dh), sx, sy);
  if (dw >= 16 * RSTRIP && sw >= 2) {
    const tab = rt.alloc(Uint32Array, 3 * dh);
    try {
      tab.set(rowTable(sw, sh, dh, sy));
      return await rt.launch(Image.resizeStrips, { qpus: rowBatches(rt, dh) }, sw, words(src, sw * sh), dw, dh, words(dst, dw * dh), sx, tab);
    } finally {
      rt.free(tab);
    }
  }
  return rt.launch(Image.resize, { qpus: rowBatches(rt, dh) }, sw, sh, words(src, sw * sh), dw, dh, words(dst, dw * dh), sx, sy, 0);
}
