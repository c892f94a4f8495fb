/**
 * BLAS level 2 in single precision: sgemv, y ← α op(A) x + β y, with a
 * row-major A (element (i, j) at a[i lda + j]) and vector increments as in
 * kernels/blas1.ts. Rounding as there (fastMath: on vc4 additions round
 * toward zero).
 */
import { device, kernel, qpu, i32, type f32, type u32, type Ptr } from 'qpuc';
import type { LaunchResult, Runtime } from 'qpuc/runtime';
import { checkCount, checkFlag, checkIncrement, checkMatrix, checkOptions, checkScalar, checkVector, combineResults, emptyResult, workBatches } from './launch.js';

/** Columns of A one batch takes at a time in `gemvT`: lane l holds columns j0 + l + 16 c, c < GEMV_LANE_COLS. */
const GEMV_LANE_COLS = 4;
/** GEMV_LANE_COLS × 16. */
const GEMV_COLS = 64;
/** Columns of A a lane holds in `gemvTParts` (lane l: j0 + l + 16 c). */
const GEMVT_LANE_COLS = 8;
/** GEMVT_LANE_COLS × 16: the columns of one strip of `gemvTParts`. */
const GEMVT_COLS = 128;

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
 * CblasRowMajor). Two or three launches ({@link Blas2.gemvNParts} and
 * {@link Blas2.gemvNTail}, or with `trans` on vc6/vc7 and the reference
 * backend {@link Blas2.gemvTParts}; then {@link Blas2.gemvTFinish}), A split
 * into units of 128-column strips × row parts so that every QPU gets as many
 * as the others; with `trans` on vc4 one launch ({@link Blas2.gemvT}, faster
 * there: 0.64 of the memory limit against 0.62).
 *
 * Order and accuracy: without `trans`, per 128-column strip each lane adds
 * its 8 products, a tree over the 16 lanes (4 levels) gives the strip's sum,
 * and the strips' sums are added in order: a chain of at most ⌈n/16⌉ + 16
 * additions. With `trans`, vc4: element j adds
 * the m products of its column in row order; V3D: each of P row parts (P at
 * most the QPUs, at least 16 rows each) adds its rows' products in row order
 * and the P part sums are added in order: at most m additions either way.
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
    if (!trans) return await gemvNParts(rt, m, n, alpha, a, lda, x, x0, incx, beta, y, y0, incy);
    if (rt.target !== 'vc4') return await gemvTParts(rt, m, n, alpha, a, lda, x, x0, incx, beta, y, y0, incy);
    return await rt.launch(Blas2.gemvT, { qpus: workBatches(rt, Math.ceil(n / GEMV_COLS)) }, m, n, alpha, a, lda, x, x0, incx, beta, y, y0, incy, sink);
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
