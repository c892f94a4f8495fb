/**
 * BLAS level 2 in single precision: sgemv, y ← α op(A) x + β y, with a
 * row-major A (element (i, j) at a[i lda + j]) and vector increments as in
 * kernels/blas1.ts. Rounding as there (fastMath: on vc4 additions round
 * toward zero).
 */
import { device, kernel, qpu, i32, type f32, type u32, type Ptr } from 'qpuc';
import type { LaunchResult, Runtime } from 'qpuc/runtime';
import { checkCount, checkFlag, checkIncrement, checkMatrix, checkOptions, checkScalar, checkVector, combineResults, emptyResult, workBatches } from './launch.js';

/**
 * Columns of A one batch takes at a time in `gemvT` and `gemvTSplit`: lane l holds columns j0 + l + 16 c,
 * c < GEMV_LANE_COLS. Two: a 256-column A is 8 strips, one each for 8 of vc4's 12 QPUs (four columns a lane: 4 QPUs,
 * 0.71 of the memory limit in `npm run bench -- kernels`; two: 0.94).
 */
const GEMV_LANE_COLS = 2;
/** GEMV_LANE_COLS × 16. */
const GEMV_COLS = 32;
/** Fewest QPUs the last round of `gemvT`'s strips must keep busy to keep vc4's memory port busy; fewer: `gemvTSplit`. */
const GEMV_BUSY_QPUS = 8;
/** Columns of A a lane holds in `gemvTParts` (lane l: j0 + l + 16 c). */
const GEMVT_LANE_COLS = 8;
/** GEMVT_LANE_COLS × 16: the columns of one strip of `gemvTParts`. */
const GEMVT_COLS = 128;
/** Columns of x a lane holds in vc4's `gemvNSplit` (lane l: j0 + l + 16 c). */
const GEMVN_LANE_COLS = 8;
/** GEMVN_LANE_COLS × 16: the columns of one strip of `gemvNSplit` (whole strips only: n a multiple of it). */
const GEMVN_COLS = 128;

/**
 * The sgemv kernels. Vectors are addressed as `x[x0 + i incx]` (i32: a
 * negative increment walks back from `x0`), so one kernel serves every
 * increment.
 */
export class Blas2 {
  /**
   * The sum of v over the 16 lanes, in every lane: a tree of 4 levels, level d adding to each lane the value d lanes
   * before it (rotations by 8, 4, 2, 1; each addition rounded). The order {@link sgemv}'s error bound counts.
   */
  @device
  static laneSum(v: f32): f32 {
    const t8 = qpu.rotate(v, 8);
    const s8 = v + t8;
    const t4 = qpu.rotate(s8, 4);
    const s4 = s8 + t4;
    const t2 = qpu.rotate(s4, 2);
    const s2 = s4 + t2;
    const t1 = qpu.rotate(s2, 1);
    return s2 + t1;
  }

  /**
   * The first of part p's rows when m rows are cut into `parts` parts in order: m / parts rows each, the first
   * m % parts parts one more (no p m product: it could wrap).
   */
  @device
  static partStart(p: u32, m: u32, parts: u32): u32 {
    return p * (m / parts) + Math.min(p, m % parts);
  }

  /** The row after part p's last ({@link Blas2.partStart}'s cut). */
  @device
  static partEnd(p: u32, m: u32, parts: u32): u32 {
    return Blas2.partStart(p, m, parts) + m / parts + (p < m % parts ? 1 : 0);
  }

  /**
   * y ← α Aᵀ x + β y for row-major A (m × n): y has n elements, x has m.
   * Batch q takes the column strips q, q + batches, … of GEMV_COLS columns;
   * lane l accumulates columns j0 + l + 16 c over every row i in order (one
   * x element per row, the same in every lane). Columns past n load column
   * n − 1 and compute its value again: they store the same bits there.
   */
  @kernel({ fastMath: true })
  static gemvT(m: u32, n: u32, alpha: f32, a: Ptr<f32>, lda: u32, x: Ptr<f32>, x0: i32, incx: i32, beta: f32, y: Ptr<f32>, y0: i32, incy: i32, sink: Ptr<f32>): void {
    const lane = qpu.laneId();
    const strips = (n + GEMV_COLS - 1) / GEMV_COLS;
    for (let s = qpu.qpuId(); s < strips; s += qpu.numQpus()) {
      const j0 = s * GEMV_COLS;
      const acc = new Array<f32>(GEMV_LANE_COLS).fill(0);
      const col = new Uint32Array(GEMV_LANE_COLS);
      for (let c: u32 = 0; c < GEMV_LANE_COLS; c++) col[c] = Math.min(j0 + lane + 16 * c, n - 1);
      let at: u32 = 0;
      for (let i: u32 = 0; i < m; i++) {
        const xi = x[x0 + i32(i) * incx];
        for (let c: u32 = 0; c < GEMV_LANE_COLS; c++) acc[c] += a[at + col[c]] * xi;
        at += lda;
      }
      // Lanes past column n store into `sink` instead.
      for (let c: u32 = 0; c < GEMV_LANE_COLS; c++) {
        const j = j0 + lane + 16 * c;
        const inside = j < n;
        const dst = inside ? y : sink;
        const yj = y0 + i32(j) * incy;
        const sj = i32(lane + 16 * c);
        const k = inside ? yj : sj;
        dst[k] = beta == 0 ? alpha * acc[c] : alpha * acc[c] + beta * dst[k];
      }
    }
  }

  /**
   * {@link Blas2.gemvT} split into row parts as well, for column counts whose strips would leave QPUs idle, in one
   * launch: unit u of `strips` × `parts` is strip s = u mod strips over the rows p·rowsPer up to m of part
   * p = u div strips, batch q taking units q, q + batches, …; a unit adds its rows' products in row order (x comes 16
   * rows at a time, one lookup, and `broadcast` hands row r's to every lane) and stores the sums to
   * partial[p · width + j] (width = strips · GEMV_COLS; every lane stores). After a barrier, batch q takes strips q,
   * q + batches, … and adds each column's `parts` sums in part order: y[j] ← α s + β y[j]. Columns past n load
   * column n − 1; their y lanes store into `sink`. All batches run at once (at most the 12 QPUs: the barrier).
   */
  @kernel({ fastMath: true })
  static gemvTSplit(m: u32, n: u32, alpha: f32, a: Ptr<f32>, lda: u32, x: Ptr<f32>, x0: i32, incx: i32, beta: f32, y: Ptr<f32>, y0: i32, incy: i32, strips: u32, parts: u32, rowsPer: u32, sixteen: u32, partial: Ptr<f32>, sink: Ptr<f32>): void {
    const lane = qpu.laneId();
    const width = strips * GEMV_COLS;
    // Unit u = p strips + s, walked by subtraction (an integer division costs hundreds of words on vc4).
    let s = qpu.qpuId();
    let p: u32 = 0;
    while (s >= strips) {
      s -= strips;
      p++;
    }
    while (p < parts) {
      const j0 = s * GEMV_COLS;
      const r0 = p * rowsPer;
      const r1 = Math.min(r0 + rowsPer, m);
      const acc = new Array<f32>(GEMV_LANE_COLS).fill(0);
      const col = new Uint32Array(GEMV_LANE_COLS);
      for (let c: u32 = 0; c < GEMV_LANE_COLS; c++) col[c] = Math.min(j0 + lane + 16 * c, n - 1);
      let at = r0 * lda;
      const full = r0 + ((r1 - r0) & 0xfffffff0);
      for (let i0 = r0; i0 < full; i0 += 16) {
        const xv = x[x0 + i32(i0 + lane) * incx];
        // (`sixteen` is 16, a parameter: a constant bound would make the frontend unroll this loop 16 times.)
        for (let r: u32 = 0; r < sixteen; r++) {
          const xr = qpu.broadcast(xv, r);
          for (let c: u32 = 0; c < GEMV_LANE_COLS; c++) acc[c] += a[at + col[c]] * xr;
          at += lda;
        }
      }
      for (let i = full; i < r1; i++) {
        const xi = x[x0 + i32(i) * incx];
        for (let c: u32 = 0; c < GEMV_LANE_COLS; c++) acc[c] += a[at + col[c]] * xi;
        at += lda;
      }
      const row = p * width + j0 + lane;
      for (let c: u32 = 0; c < GEMV_LANE_COLS; c++) partial[row + 16 * c] = acc[c];
      s += qpu.numQpus();
      while (s >= strips) {
        s -= strips;
        p++;
      }
    }
    qpu.barrier();
    for (let t = qpu.qpuId(); t < strips; t += qpu.numQpus()) {
      const j0 = t * GEMV_COLS + lane;
      const sum = new Array<f32>(GEMV_LANE_COLS).fill(0);
      for (let q: u32 = 0; q < parts; q++) {
        for (let c: u32 = 0; c < GEMV_LANE_COLS; c++) sum[c] += partial[q * width + j0 + 16 * c];
      }
      // Lanes past column n store into `sink` instead.
      for (let c: u32 = 0; c < GEMV_LANE_COLS; c++) {
        const j = j0 + 16 * c;
        const inside = j < n;
        const dst = inside ? y : sink;
        const yj = y0 + i32(j) * incy;
        const sj = i32(lane + 16 * c);
        const k = inside ? yj : sj;
        dst[k] = beta == 0 ? alpha * sum[c] : alpha * sum[c] + beta * dst[k];
      }
    }
  }

  /**
   * The partial sums of y ← Aᵀ x (row-major A, m × n; x[i] at x0 + i incx): unit u of `units` = strips × parts is column
   * strip u mod strips (GEMVT_COLS columns; lane l holds columns j0 + l + 16 c, c < 8) over row part p = u div strips
   * (rows split as evenly as they go, in order); partial[p n + j] = the sum over the part's rows of A[i][j] x[i], in row
   * order. Rows go 16 at a time: one load brings x for 16 rows (lane r holds x[i0 + r]) and `broadcast` hands row
   * r's to every lane, so x costs one lookup per 16 rows instead of one per row; the last rows of a part go one at a
   * time. Columns past n read column n − 1 and store the same bits there.
   */
  @kernel({ fastMath: true })
  static gemvTParts(m: u32, n: u32, a: Ptr<f32>, lda: u32, x: Ptr<f32>, x0: i32, incx: i32, parts: u32, strips: u32, sixteen: u32, partial: Ptr<f32>): void {
    const lane = qpu.laneId();
    const units = parts * strips;
    for (let u = qpu.qpuId(); u < units; u += qpu.numQpus()) {
      const p = u / strips;
      const j0 = (u % strips) * GEMVT_COLS;
      const r0 = Blas2.partStart(p, m, parts);
      const r1 = Blas2.partEnd(p, m, parts);
      const acc = new Array<f32>(GEMVT_LANE_COLS).fill(0);
      const col = new Uint32Array(GEMVT_LANE_COLS);
      for (let c: u32 = 0; c < GEMVT_LANE_COLS; c++) col[c] = Math.min(j0 + lane + 16 * c, n - 1);
      const full = r0 + ((r1 - r0) & 0xfffffff0);
      let at = r0 * lda;
      for (let i0 = r0; i0 < full; i0 += 16) {
        const xv = x[x0 + i32(i0 + lane) * incx];
        // (`sixteen` is 16, a parameter: a constant bound would make the frontend unroll this loop 16 times.)
        for (let r: u32 = 0; r < sixteen; r++) {
          const xr = qpu.broadcast(xv, r);
          for (let c: u32 = 0; c < GEMVT_LANE_COLS; c++) acc[c] += a[at + col[c]] * xr;
          at += lda;
        }
      }
      for (let i = full; i < r1; i++) {
        const xi = x[x0 + i32(i) * incx];
        for (let c: u32 = 0; c < GEMVT_LANE_COLS; c++) acc[c] += a[at + col[c]] * xi;
        at += lda;
      }
      for (let c: u32 = 0; c < GEMVT_LANE_COLS; c++) partial[p * n + col[c]] = acc[c];
    }
  }

  /**
   * The partial sums of y ← A x (row-major A, m × n; x[j] at x0 + j incx): unit u of `units` = strips × parts is
   * column strip s = u mod strips (GEMVT_COLS columns; lane l holds x[j0 + l + 16 c], c < 8, in registers for the
   * whole unit) over row part p = u div strips; partial[s m + i] = row i's sum over the strip: lane l adds its 8
   * products in c order, then a tree over the lanes (rotations by 8, 4, 2, 1) gives every lane the row's sum and
   * lane r of a group of 16 rows keeps row r's. x is read once per unit, not once per row block. Every strip is
   * whole (GEMVT_COLS columns below n); {@link Blas2.gemvNTail} takes a last partial strip.
   */
  @kernel({ fastMath: true })
  static gemvNParts(m: u32, n: u32, a: Ptr<f32>, lda: u32, x: Ptr<f32>, x0: i32, incx: i32, parts: u32, strips: u32, partial: Ptr<f32>): void {
    const lane = qpu.laneId();
    const units = parts * strips;
    for (let u = qpu.qpuId(); u < units; u += qpu.numQpus()) {
      const s = u % strips;
      const p = u / strips;
      const j0 = s * GEMVT_COLS;
      const r0 = Blas2.partStart(p, m, parts);
      const r1 = Blas2.partEnd(p, m, parts);
      const xs = new Array<f32>(GEMVT_LANE_COLS).fill(0);
      const col = new Uint32Array(GEMVT_LANE_COLS);
      for (let c: u32 = 0; c < GEMVT_LANE_COLS; c++) {
        const j = j0 + lane + 16 * c;
        col[c] = Math.min(j, n - 1);
        const xj = x[x0 + i32(col[c]) * incx];
        xs[c] = j < n ? xj : 0;
      }
      for (let i0 = r0; i0 < r1; i0 += 16) {
        const rows = Math.min(16, r1 - i0);
        let mine: f32 = 0;
        let at = i0 * lda;
        // Row r's products while the tree adds row r - 1's lanes (one block: the rotations' latency is hidden).
        let prev: f32 = 0;
        for (let r: u32 = 0; r < rows; r++) {
          let t: f32 = 0;
          for (let c: u32 = 0; c < GEMVT_LANE_COLS; c++) t += a[at + col[c]] * xs[c];
          const sum = Blas2.laneSum(prev);
          mine = lane + 1 == r ? sum : mine;
          prev = t;
          at += lda;
        }
        const last = Blas2.laneSum(prev);
        mine = lane + 1 == rows ? last : mine;
        // Lanes past the group's rows store into the spare words after the strips' rows (no lane mask).
        partial[lane < rows ? s * m + i0 + lane : strips * m + lane] = mine;
      }
    }
  }

  /**
   * {@link Blas2.gemvNParts} for the one partial strip from column j0 (fewer than GEMVT_COLS columns left), its rows
   * in `parts` parts (unit u: part u): lanes past column n read column n − 1 and add 0 (a select, not a product
   * with x = 0, which an infinite A would make NaN); the sums go to partial[s m + i].
   */
  @kernel({ fastMath: true })
  static gemvNTail(m: u32, n: u32, a: Ptr<f32>, lda: u32, x: Ptr<f32>, x0: i32, incx: i32, parts: u32, s: u32, partial: Ptr<f32>): void {
    const lane = qpu.laneId();
    const j0 = s * GEMVT_COLS;
    for (let p = qpu.qpuId(); p < parts; p += qpu.numQpus()) {
      const r0 = Blas2.partStart(p, m, parts);
      const r1 = Blas2.partEnd(p, m, parts);
      const xs = new Array<f32>(GEMVT_LANE_COLS).fill(0);
      const col = new Uint32Array(GEMVT_LANE_COLS);
      for (let c: u32 = 0; c < GEMVT_LANE_COLS; c++) {
        const j = j0 + lane + 16 * c;
        col[c] = Math.min(j, n - 1);
        const xj = x[x0 + i32(col[c]) * incx];
        xs[c] = j < n ? xj : 0;
      }
      for (let i0 = r0; i0 < r1; i0 += 16) {
        const rows = Math.min(16, r1 - i0);
        let mine: f32 = 0;
        let at = i0 * lda;
        for (let r: u32 = 0; r < rows; r++) {
          let t: f32 = 0;
          for (let c: u32 = 0; c < GEMVT_LANE_COLS; c++) {
            const q = a[at + col[c]] * xs[c];
            t += j0 + lane + 16 * c < n ? q : 0;
          }
          const sum = Blas2.laneSum(t);
          mine = lane == r ? sum : mine;
          at += lda;
        }
        partial[lane < rows ? s * m + i0 + lane : (s + 1) * m + lane] = mine;
      }
    }
  }

  /**
   * y ← α A x + β y (row-major A, m × n, n a multiple of GEMVN_COLS; x[j] at x0 + j incx, y[i] at y0 + i incy) on
   * vc4, in one launch. Unit u of `strips` × `parts` is column strip s = u mod strips (GEMVN_COLS columns; lane l
   * holds x[j0 + l + 16 c], c < 8, in registers for the whole unit) over the rows p·rowsPer up to m of part
   * p = u div strips, batch q taking units q, q + batches, … (walked by subtraction: an integer division costs
   * hundreds of words on vc4): for each row lane l adds its 8 products in c order, a tree over the lanes
   * (rotations by 8, 4, 2, 1) gives every lane the row's sum, and lane r of a group of 16 rows keeps row r's; each
   * group's 16 lanes go to partial[(p strips + s) pad + k] (k = the row's place in its part; pad ≥ rowsPer, a
   * multiple of 16: lanes past the part's rows store into the pad). After a barrier, batch q takes the vectors of
   * 16 rows of y q, q + batches, … and adds each row's `strips` sums in strip order: y[i] ← α s + β y[i]. All
   * batches run at once (at most the 12 QPUs: the barrier); rowsPer ≥ 16 unless there is one part.
   */
  @kernel({ fastMath: true })
  static gemvNSplit(m: u32, n: u32, alpha: f32, a: Ptr<f32>, lda: u32, x: Ptr<f32>, x0: i32, incx: i32, beta: f32, y: Ptr<f32>, y0: i32, incy: i32, strips: u32, parts: u32, rowsPer: u32, pad: u32, partial: Ptr<f32>, sink: Ptr<f32>): void {
    const lane = qpu.laneId();
    // Unit u = p strips + s, walked by subtraction (an integer division costs hundreds of words on vc4).
    let s = qpu.qpuId();
    let p: u32 = 0;
    while (s >= strips) {
      s -= strips;
      p++;
    }
    while (p < parts) {
      const j0 = s * GEMVN_COLS;
      const r0 = p * rowsPer;
      const r1 = Math.min(r0 + rowsPer, m);
      const xs = new Array<f32>(GEMVN_LANE_COLS).fill(0);
      for (let c: u32 = 0; c < GEMVN_LANE_COLS; c++) xs[c] = x[x0 + i32(j0 + lane + 16 * c) * incx];
      const out = (p * strips + s) * pad - r0 + lane;
      for (let i0 = r0; i0 < r1; i0 += 16) {
        const rows = Math.min(16, r1 - i0);
        let mine: f32 = 0;
        let at = i0 * lda + j0 + lane;
        // Row r's products while the tree adds row r - 1's lanes (one block: the rotations' latency is hidden).
        let prev: f32 = 0;
        for (let r: u32 = 0; r < rows; r++) {
          let t: f32 = 0;
          for (let c: u32 = 0; c < GEMVN_LANE_COLS; c++) t += a[at + 16 * c] * xs[c];
          const sum = Blas2.laneSum(prev);
          mine = lane + 1 == r ? sum : mine;
          prev = t;
          at += lda;
        }
        const last = Blas2.laneSum(prev);
        mine = lane + 1 == rows ? last : mine;
        partial[out + i0] = mine;
      }
      s += qpu.numQpus();
      while (s >= strips) {
        s -= strips;
        p++;
      }
    }
    qpu.barrier();
    // Rows i0 … i0 + 15 of y (i0 = 16 v), batch q taking v = q, q + batches, …: a whole vector of y each (one DMA;
    // the lanes of a vector span at most two parts, rowsPer ≥ 16), lanes past m into `sink`.
    let p0: u32 = 0;
    for (let v = qpu.qpuId(); v < (m + 15) >> 4; v += qpu.numQpus()) {
      const i0 = 16 * v;
      while (i0 >= (p0 + 1) * rowsPer) p0++;
      const next = (p0 + 1) * rowsPer;
      const i = i0 + lane;
      const later = i >= next;
      const pl = later ? p0 + 1 : p0;
      const k = i - pl * rowsPer;
      // Lanes past m read part p0's pad (any word of the partial sums) and store into `sink`.
      const inside = i < m;
      const base = inside ? pl * strips : p0 * strips;
      const kk = inside ? k : 0;
      let sum: f32 = 0;
      for (let t: u32 = 0; t < strips; t++) sum += partial[(base + t) * pad + kk];
      const dst = inside ? y : sink;
      const at = y0 + i32(i) * incy;
      const own = i32(lane);
      const yi = inside ? at : own;
      dst[yi] = beta == 0 ? alpha * sum : alpha * sum + beta * dst[yi];
    }
  }

  /** y[j] ← α (partial[j] + partial[n + j] + … , the `parts` partial sums in order) + β y[j] (β = 0: y not read), y[j] at y0 + j incy. */
  @kernel({ fastMath: true })
  static gemvTFinish(n: u32, parts: u32, alpha: f32, partial: Ptr<f32>, beta: f32, y: Ptr<f32>, y0: i32, incy: i32): void {
    for (let j = qpu.globalId(); j < n; j += qpu.globalCount()) {
      let s: f32 = 0;
      for (let p: u32 = 0; p < parts; p++) s += partial[p * n + j];
      const yj = y0 + i32(j) * incy;
      y[yj] = beta == 0 ? alpha * s : alpha * s + beta * y[yj];
    }
  }
}

/** Options of {@link sgemv}. */
export interface GemvOptions {
  /** Rows of A. */
  m: number;
  /** Columns of A. */
  n: number;
  alpha: number;
  /** Row-major m × n, rows lda apart. */
  a: Float32Array;
  lda: number;
  /** n elements (m when trans). */
  x: Float32Array;
  incx?: number;
  /** Default 0: y is then only written (its old contents, NaN included, do not matter). */
  beta?: number;
  /** m elements (n when trans); updated in place. */
  y: Float32Array;
  incy?: number;
  /** y ← α Aᵀ x + β y. */
  trans?: boolean;
}

/**
 * y ← α op(A) x + β y (BLAS sgemv) with a row-major A (m × n; as CBLAS with
 * CblasRowMajor). On vc6/vc7 and the reference backend two or three launches
 * ({@link Blas2.gemvNParts} and {@link Blas2.gemvNTail}, or with `trans`
 * {@link Blas2.gemvTParts}; then {@link Blas2.gemvTFinish}), A split into
 * units of 128-column strips × row parts so that every QPU gets as many as
 * the others. On vc4 one launch where it can: with `trans`
 * {@link Blas2.gemvT} (32-column strips, when their last round keeps 8
 * QPUs busy) or {@link Blas2.gemvTSplit} (strips × row parts, the parts'
 * sums added after a barrier); without, when n is a multiple of 128,
 * {@link Blas2.gemvNSplit} (as gemvNParts, the strips' sums added after a
 * barrier), else the three launches above. (vc4's integer division is long
 * and a launch costs ~8 µs in the timing model: one launch keeps 256 × 256
 * at 0.91–0.94 of the memory limit, against 0.70 with three.)
 *
 * Order and accuracy: without `trans`, per 128-column strip each lane adds
 * its 8 products, a tree over the 16 lanes (4 levels) gives the strip's sum,
 * and the strips' sums are added in order: a chain of at most ⌈n/16⌉ + 16
 * additions. With `trans`: each of P row parts (P at most the QPUs, at
 * least 16 rows each; P = 1 in vc4's gemvT) adds its rows' products in row
 * order and the P part sums are added in order: at most m additions.
 * Then α s + β y (two more roundings). So
 * |y − exact| ≤ γ(k + 3) (|α| Σ|A x| + |β y|), k that chain length, with
 * γ as in sdot (u = 2^-24, vc4 2^-23). α = 0 or an empty A gives β y
 * without reading A or x (β = 0: zeros), as BLAS.
 */
export async function sgemv(rt: Runtime, options: GemvOptions): Promise<LaunchResult> {
  const fn = 'sgemv';
  checkOptions(fn, options);
  const m = checkCount(fn, 'm', options.m), n = checkCount(fn, 'n', options.n);
  const alpha = checkScalar(fn, 'alpha', options.alpha), beta = checkScalar(fn, 'beta', options.beta, 0);
  const trans = checkFlag(fn, 'trans', options.trans);
  const lda = checkCount(fn, 'lda', options.lda, 1);
  const incx = checkIncrement(fn, 'incx', options.incx), incy = checkIncrement(fn, 'incy', options.incy);
  const a = checkMatrix(fn, 'a', options.a, m, n, lda, 'lda');
  const [xn, yn] = trans ? [m, n] : [n, m];
  const x = checkVector(fn, 'x', options.x, xn, incx), y = checkVector(fn, 'y', options.y, yn, incy);
  if (yn === 0) return emptyResult(rt, trans ? 'Blas2.gemvT' : 'Blas2.gemvNParts');
  const x0 = incx > 0 ? 0 : (xn - 1) * -incx, y0 = incy > 0 ? 0 : (yn - 1) * -incy;
  const sink = rt.alloc(Float32Array, GEMV_COLS);
  try {
    // α = 0 or nothing to sum: y ← β y, the finishing kernel over no partial sums (x and A unread).
    if (alpha === 0 || xn === 0) return await rt.launch(Blas2.gemvTFinish, { qpus: workBatches(rt, Math.ceil(yn / 16)) }, yn, 0, 0, sink, beta, y, y0, incy);
    if (!trans && rt.target === 'vc4' && n % GEMVN_COLS === 0) return await gemvNVc4(rt, m, n, alpha, a, lda, x, x0, incx, beta, y, y0, incy, sink);
    if (!trans) return await gemvNParts(rt, m, n, alpha, a, lda, x, x0, incx, beta, y, y0, incy);
    if (rt.target !== 'vc4') return await gemvTParts(rt, m, n, alpha, a, lda, x, x0, incx, beta, y, y0, incy);
    return await gemvTVc4(rt, m, n, alpha, a, lda, x, x0, incx, beta, y, y0, incy, sink);
  } finally {
    rt.free(sink);
  }
}

/**
 * The fewest row parts (of m rows, each part at least 16 rows) that make `strips` × parts units a multiple of the
 * device's QPUs, so that every QPU takes as many units as the others.
 */
function rowParts(rt: Runtime, strips: number, m: number): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  return Math.max(1, Math.min(rt.numQpus / gcd(strips, rt.numQpus), Math.floor(m / 16)));
}

/**
 * sgemv with `trans` on vc4: {@link Blas2.gemvT} when its last round of strips keeps GEMV_BUSY_QPUS QPUs busy (or
 * all of them, on a device with fewer; or m is below 32 rows), else {@link Blas2.gemvTSplit} over strips × parts
 * units (the fewest parts that make the units a multiple of the device's QPUs, as {@link gemvTParts} chooses them):
 * more lookups in flight on more QPUs, for a barrier, the partial sums' traffic and their additions.
 */
async function gemvTVc4(rt: Runtime, m: number, n: number, alpha: number, a: Float32Array, lda: number, x: Float32Array, x0: number, incx: number, beta: number, y: Float32Array, y0: number, incy: number, sink: Float32Array): Promise<LaunchResult> {
  const strips = Math.ceil(n / GEMV_COLS);
  const lastRound = ((strips - 1) % rt.numQpus) + 1;
  if (lastRound >= Math.min(GEMV_BUSY_QPUS, rt.numQpus) || m < 32) {
    return await rt.launch(Blas2.gemvT, { qpus: workBatches(rt, strips) }, m, n, alpha, a, lda, x, x0, incx, beta, y, y0, incy, sink);
  }
  const parts = rowParts(rt, strips, m);
  const rowsPer = Math.ceil(m / parts);
  const partial = rt.alloc(Float32Array, parts * strips * GEMV_COLS);
  try {
    return await rt.launch(Blas2.gemvTSplit, { qpus: workBatches(rt, strips * parts) }, m, n, alpha, a, lda, x, x0, incx, beta, y, y0, incy, strips, parts, rowsPer, 16, partial, sink);
  } finally {
    rt.free(partial);
  }
}

/**
 * sgemv with `trans` on V3D: {@link Blas2.gemvTParts} over strips × parts units (the fewest parts that make the
 * units a multiple of the device's QPUs, so that every QPU takes as many equal units as the others), then
 * {@link Blas2.gemvTFinish} adds each column's partial sums.
 */
async function gemvTParts(rt: Runtime, m: number, n: number, alpha: number, a: Float32Array, lda: number, x: Float32Array, x0: number, incx: number, beta: number, y: Float32Array, y0: number, incy: number): Promise<LaunchResult> {
  const strips = Math.ceil(n / GEMVT_COLS);
  const parts = rowParts(rt, strips, m);
  const partial = rt.alloc(Float32Array, parts * n);
  try {
    const first = await rt.launch(Blas2.gemvTParts, { qpus: workBatches(rt, strips * parts) }, m, n, a, lda, x, x0, incx, parts, strips, 16, partial);
    const second = await rt.launch(Blas2.gemvTFinish, { qpus: workBatches(rt, Math.ceil(n / 16)) }, n, parts, alpha, partial, beta, y, y0, incy);
    return combineResults([first, second]);
  } finally {
    rt.free(partial);
  }
}

/**
 * sgemv without `trans` on vc4: {@link Blas2.gemvNSplit} over strips × parts units (the fewest parts that make the
 * units a multiple of the device's QPUs, as {@link gemvTParts} chooses them), one launch of at most the device's
 * QPUs (its barrier).
 */
async function gemvNVc4(rt: Runtime, m: number, n: number, alpha: number, a: Float32Array, lda: number, x: Float32Array, x0: number, incx: number, beta: number, y: Float32Array, y0: number, incy: number, sink: Float32Array): Promise<LaunchResult> {
  const strips = Math.ceil(n / GEMVN_COLS);
  const parts = rowParts(rt, strips, m);
  const rowsPer = Math.ceil(m / parts);
  const pad = Math.ceil(rowsPer / 16) * 16;
  const partial = rt.alloc(Float32Array, parts * strips * pad);
  try {
    return await rt.launch(Blas2.gemvNSplit, { qpus: workBatches(rt, strips * parts) }, m, n, alpha, a, lda, x, x0, incx, beta, y, y0, incy, strips, parts, rowsPer, pad, partial, sink);
  } finally {
    rt.free(partial);
  }
}

/**
 * sgemv without `trans` on V3D: {@link Blas2.gemvNParts} over the whole strips × parts units (as {@link gemvTParts}
 * chooses them), {@link Blas2.gemvNTail} over a last partial strip (its rows split over the QPUs), then
 * {@link Blas2.gemvTFinish} adds each row's strip sums.
 */
async function gemvNParts(rt: Runtime, m: number, n: number, alpha: number, a: Float32Array, lda: number, x: Float32Array, x0: number, incx: number, beta: number, y: Float32Array, y0: number, incy: number): Promise<LaunchResult> {
  const whole = Math.floor(n / GEMVT_COLS);
  const strips = Math.ceil(n / GEMVT_COLS);
  const parts = whole === 0 ? 1 : rowParts(rt, whole, m);
  const tailParts = Math.max(1, Math.min(rt.numQpus, Math.floor(m / 16)));
  const partial = rt.alloc(Float32Array, strips * m + 16);
  try {
    const results: LaunchResult[] = [];
    if (whole > 0) results.push(await rt.launch(Blas2.gemvNParts, { qpus: workBatches(rt, whole * parts) }, m, n, a, lda, x, x0, incx, parts, whole, partial));
    if (whole < strips) results.push(await rt.launch(Blas2.gemvNTail, { qpus: workBatches(rt, tailParts) }, m, n, a, lda, x, x0, incx, tailParts, whole, partial));
    results.push(await rt.launch(Blas2.gemvTFinish, { qpus: workBatches(rt, Math.ceil(m / 16)) }, m, strips, alpha, partial, beta, y, y0, incy));
    return combineResults(results);
  } finally {
    rt.free(partial);
  }
}
