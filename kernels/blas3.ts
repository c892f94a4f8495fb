/**
 * BLAS level 3 in single precision: sgemm, C ← α op(A) op(B) + β C with
 * row-major matrices (element (i, j) of A is a[i lda + j]). On V3D (vc6,
 * vc7) {@link Blas3V3d}; on VideoCore IV {@link Blas3Vc4} for whole blocks
 * and {@link Blas3} for the rest.
 */
import { device, kernel, qpu, i32, type f32, type u32, type Ptr } from 'qpuc';
import type { LaunchResult, Runtime } from 'qpuc/runtime';
import { checkCount, checkFlag, checkMatrix, checkOptions, checkScalar, combineResults, emptyResult, workBatches } from './launch.js';

/** Rows of C per tile: each lane accumulates TILE_ROWS × TILE_LANE_COLS outputs. */
const TILE_ROWS = 4;
/** Columns of C per lane in a tile (lane l holds columns j0 + l + 16 c); a tile is 16 × this wide. */
const TILE_LANE_COLS = 2;
/** Accumulators per lane (TILE_ROWS × TILE_LANE_COLS). */
const TILE_ACC = 8;
/** Columns of C per tile. */
const TILE_COLS = 32;

/**
 * The VideoCore IV tile kernel (the rows and columns past {@link Blas3Vc4}'s
 * whole blocks; V3D uses {@link Blas3V3d}). `gemm` computes C ← α op(A) op(B) + β C with op(A)(i, k)
 * at a[i aRow + k aCol] and op(B)(k, j) at b[k bRow + j bCol] (so one kernel
 * serves all four transpose combinations of row-major matrices), C row-major
 * (m × n, rows ldc apart), in tiles of TILE_ROWS × TILE_COLS; batch q takes
 * tiles q, q + batches, … (row-major over the tile grid).
 *
 * Per k step a tile loads TILE_LANE_COLS 16-wide segments of op(B)'s row k
 * (lane l: columns j0 + l + 16 c) and the TILE_ROWS elements op(A)(i, k) as
 * uniform loads (every lane the same word), and each lane does
 * TILE_ROWS × TILE_LANE_COLS multiply-adds. (A broadcast of a 16-wide
 * segment of A is one lookup per 16 k steps instead of 16, but costs an
 * instruction or three per element, on 4.2 all in series through r0 and r5;
 * it measured slower at 128×128×256: vc6 4.55 against 4.75, vc7 5.55
 * against 6.42 GFLOP/s.) Loop shaping runs several k steps per pass with
 * their lookups in flight together. Rows and columns past the edges load
 * clamped indices (in bounds); lanes past column n store into `sink`. Each
 * output is one chain of k multiply-adds in k order, then α s + β c.
 */
export class Blas3 {
  /** See the class comment. `tilesN` = ⌈n / TILE_COLS⌉, `tiles` = ⌈m / TILE_ROWS⌉ tilesN; `sink` takes the stores of lanes past column n (TILE_COLS words). */
  @kernel({ fastMath: true })
  static gemm(
    m: u32, n: u32, k: u32, alpha: f32, a: Ptr<f32>, aRow: u32, aCol: u32, b: Ptr<f32>, bRow: u32, bCol: u32,
    beta: f32, c: Ptr<f32>, ldc: u32, tilesN: u32, tiles: u32, sink: Ptr<f32>,
  ): void {
    const lane = qpu.laneId();
    for (let t = qpu.qpuId(); t < tiles; t += qpu.numQpus()) {
      const i0 = (t / tilesN) * TILE_ROWS;
      const j0 = (t % tilesN) * TILE_COLS;
      const acc = new Array<f32>(TILE_ACC).fill(0);
      // Index of op(A)(row r, 0) and of op(B)(0, this lane's column q), rows and columns clamped to the matrix.
      const abase = new Uint32Array(TILE_ROWS);
      const bcol = new Uint32Array(TILE_LANE_COLS);
      for (let r: u32 = 0; r < TILE_ROWS; r++) abase[r] = Math.min(i0 + r, m - 1) * aRow;
      for (let q: u32 = 0; q < TILE_LANE_COLS; q++) bcol[q] = Math.min(j0 + lane + 16 * q, n - 1) * bCol;
      const bv = new Array<f32>(TILE_LANE_COLS).fill(0);
      let bk: u32 = 0;
      for (let k0: u32 = 0; k0 < k; k0++) {
        for (let q: u32 = 0; q < TILE_LANE_COLS; q++) bv[q] = b[bk + bcol[q]];
        bk += bRow;
        for (let r: u32 = 0; r < TILE_ROWS; r++) {
          const x = a[abase[r]];
          abase[r] += aCol;
          for (let q: u32 = 0; q < TILE_LANE_COLS; q++) acc[r * TILE_LANE_COLS + q] += x * bv[q];
        }
      }
      for (let r: u32 = 0; r < TILE_ROWS; r++) {
        const i = i0 + r;
        if (i < m) {
          if (j0 + TILE_COLS <= n) {
            // A whole tile: lane-contiguous stores (one DMA per 16 words on vc4).
            for (let q: u32 = 0; q < TILE_LANE_COLS; q++) {
              const at = i * ldc + j0 + 16 * q + lane;
              const v = alpha * acc[r * TILE_LANE_COLS + q];
              c[at] = beta == 0 ? v : v + beta * c[at];
            }
          } else {
            // The last tile of a row: lanes past column n store into `sink` (a select of the pointer: no lane mask).
            for (let q: u32 = 0; q < TILE_LANE_COLS; q++) {
              const j = j0 + lane + 16 * q;
              const inside = j < n;
              const dst = inside ? c : sink;
              const at = inside ? i * ldc + j : lane + 16 * q;
              const v = alpha * acc[r * TILE_LANE_COLS + q];
              dst[at] = beta == 0 ? v : v + beta * dst[at];
            }
          }
        }
      }
    }
  }
}

/** Rows of C per VC4 block: their op(A) elements are one gathered lookup (lane l: row i0 + l), broadcast one by one. */
const VC4_ROWS = 16;
/** Columns of C per VC4 block: lane l owns columns j0 + l and j0 + 16 + l. */
const VC4_COLS = 32;
/** Sums per lane: VC4_ROWS rows × its 2 columns. */
const VC4_ACC = 32;

/**
 * The VC4 sgemm kernels: C ← α op(A) op(B) + β C as {@link Blas3.gemm}
 * computes it (op(A)(i, k) at a[i aRow + k aCol], op(B)(k, j) at
 * b[k bRow + j bCol]), for whole blocks of VC4_ROWS × VC4_COLS only (the host
 * function leaves the rows and columns past the last whole block to
 * {@link Blas3.gemm}), k ≥ 1.
 *
 * A block is register-blocked as py-videocore's sgemm is: lane l of a QPU
 * owns columns j0 + l and j0 + 16 + l of the block's 16 rows, 32 sums in
 * registers. Per k step the block loads op(A)(i0 … i0 + 15, k) with one
 * gathered lookup (lane l: row i0 + l) and op(B)(k, j0 …) as two 16-wide
 * vectors; each of the 16 A values is broadcast (one rotation into r5) and
 * serves both of the lane's columns: 16 rotations, 32 fmul and 32 fadd per
 * k step, three words for two multiply-adds (the hand-written kernel reads
 * its broadcast B values from the uniform stream instead: one word per
 * multiply-add, and four times the memory traffic per multiply-add in the
 * timing model). The next k step's three lookups are in flight while this
 * one's multiply-adds run (the loop body ends with the loads its next pass
 * uses). `blocks` reads op(B) rows lane-contiguously (bCol = 1), so its B
 * lookups go to TMU1 and the A gathers keep TMU0's cache to themselves
 * (compiler/backend/vc4/isel-memory.ts); `blocksBT` takes any bCol (op(B) =
 * Bᵀ: both gathered). Each output is one chain of k multiply-adds in k
 * order, then α s + β c; each row of a block's 32 columns is two
 * lane-contiguous stores.
 *
 * Blocks are numbered row block fastest (block t: row block t mod
 * rowBlocks, column block t div rowBlocks); a launch's batch q computes
 * block (rb0 + q, cb0), the row block carried into the next column blocks.
 * No lane-varying branch anywhere: lane masks would guard every statement of
 * the k loop.
 */
export class Blas3Vc4 {
  /** Whole blocks with op(B) rows contiguous (bCol = 1); `rowBlocks` = ⌊m / 16⌋, rb0 < rowBlocks. */
  @kernel({ fastMath: true })
  static blocks(
    k: u32, alpha: f32, a: Ptr<f32>, aRow: u32, aCol: u32, b: Ptr<f32>, bRow: u32,
    beta: f32, c: Ptr<f32>, ldc: u32, rowBlocks: u32, rb0: u32, cb0: u32,
  ): void {
    Blas3Vc4.block(k, alpha, a, aRow, aCol, b, bRow, 1, beta, c, ldc, rowBlocks, rb0, cb0);
  }

  /** Whole blocks, any op(B) layout; arguments as {@link Blas3Vc4.blocks} with bCol. */
  @kernel({ fastMath: true })
  static blocksBT(
    k: u32, alpha: f32, a: Ptr<f32>, aRow: u32, aCol: u32, b: Ptr<f32>, bRow: u32, bCol: u32,
    beta: f32, c: Ptr<f32>, ldc: u32, rowBlocks: u32, rb0: u32, cb0: u32,
  ): void {
    Blas3Vc4.block(k, alpha, a, aRow, aCol, b, bRow, bCol, beta, c, ldc, rowBlocks, rb0, cb0);
  }

  /** One block (see the class comment); inlined into both kernels, so `bCol` = 1 is a constant in `blocks`. */
  @device
  static block(
    k: u32, alpha: f32, a: Ptr<f32>, aRow: u32, aCol: u32, b: Ptr<f32>, bRow: u32, bCol: u32,
    beta: f32, c: Ptr<f32>, ldc: u32, rowBlocks: u32, rb0: u32, cb0: u32,
  ): void {
    const lane = qpu.laneId();
    // Block (rb, cb) without a division (a u32 division costs hundreds of instructions on VC4).
    let rb = rb0 + qpu.qpuId();
    let cb = cb0;
    while (rb >= rowBlocks) {
      rb -= rowBlocks;
      cb++;
    }
    const i0 = rb * VC4_ROWS;
    const j = cb * VC4_COLS + lane;
    const acc = new Array<f32>(VC4_ACC).fill(0);
    // op(A)(i0 + lane, k), op(B)(k, j) and op(B)(k, j + 16).
    let ap = (i0 + lane) * aRow;
    let bp0 = j * bCol;
    let bp1 = (j + 16) * bCol;
    let x = a[ap];
    let y0 = b[bp0];
    let y1 = b[bp1];
    for (let q: u32 = 1; q < k; q++) {
      ap += aCol;
      bp0 += bRow;
      bp1 += bRow;
      for (let r = 0; r < 16; r++) {
        const xr = qpu.broadcast(x, r);
        acc[2 * r] += xr * y0;
        acc[2 * r + 1] += xr * y1;
      }
      // The next step's operands: their lookups start at the top of the pass (addresses known there).
      x = a[ap];
      y0 = b[bp0];
      y1 = b[bp1];
    }
    for (let r = 0; r < 16; r++) {
      const xr = qpu.broadcast(x, r);
      acc[2 * r] += xr * y0;
      acc[2 * r + 1] += xr * y1;
    }
    // Row i0 + r of the block: columns j and j + 16 of every lane, two lane-contiguous stores.
    const at = i0 * ldc + j;
    if (beta == 0) {
      for (let r: u32 = 0; r < VC4_ROWS; r++) {
        c[at + r * ldc] = alpha * acc[2 * r];
        c[at + r * ldc + 16] = alpha * acc[2 * r + 1];
      }
    } else {
      for (let r: u32 = 0; r < VC4_ROWS; r++) {
        c[at + r * ldc] = alpha * acc[2 * r] + beta * c[at + r * ldc];
        c[at + r * ldc + 16] = alpha * acc[2 * r + 1] + beta * c[at + r * ldc + 16];
      }
    }
  }
}

/** Rows of C per V3D tile. */
const V3D_ROWS = 4;
/** 16-lane column segments per V3D tile (a tile is 16 × this wide). */
const V3D_SEGS = 4;
/** Accumulators per lane of a V3D tile (V3D_ROWS × V3D_SEGS). */
const V3D_ACC = 16;
/** Columns of C per V3D tile. */
const V3D_COLS = 64;
/** k steps per A block: one gathered lookup per row brings 16 steps' worth of op(A), lane l holding step l. */
const V3D_KB = 16;
/** k steps whose B rows are loaded ahead of the step being computed. */
const V3D_AHEAD = 2;
/** B values of one A block (V3D_KB × V3D_SEGS), one register each. */
const V3D_BLOCK_B = 64;

/**
 * The V3D sgemm kernel (vc6, vc7), register-blocked. `gemm` computes
 * C ← α op(A) op(B) + β C as {@link Blas3.gemm} does (op(A)(i, k) at
 * a[i aRow + k aCol], op(B)(k, j) at b[k bRow + j bCol], C row-major, rows
 * ldc apart) in tiles of V3D_ROWS × V3D_COLS; batch q takes tiles q,
 * q + batches, … (row-major over the tile grid, `tilesN` tiles per row).
 *
 * Each lane accumulates V3D_ROWS × V3D_SEGS outputs (rows i0 … i0 + 3,
 * columns j0 + lane + 16 s). The k loop runs in blocks of V3D_KB steps: per
 * block one lookup per row brings op(A)(i, k0 + lane) (lane l holds step l;
 * `qpu.broadcast` hands step kk's value to every lane, one `shuffle` on 7.1),
 * and per step one 16-wide lookup per segment brings that row of op(B), issued
 * V3D_AHEAD steps before the step that uses it (the source order is the
 * software pipeline: the backend collects each load's result just before its
 * use). Per step and lane 16 multiply-adds, 4 B words and a quarter of an A
 * word: 272 bytes per 512 flops, against 384 per 256 of {@link Blas3.gemm}'s
 * 4 × 32 tile with uniform A loads. The last k mod 16 steps load op(A) as
 * uniform words. Rows and columns past the edges load clamped indices (in
 * bounds); lanes past column n store into `sink` (16 words).
 *
 * Few values stay live beside the 16 sums (the 64 registers hold the block's
 * B values in flight, the sums and the pointers): the sizes and strides are
 * read per tile from `dims` = [m, n, aRow, aCol, bCol, —, tilesN] (16 words,
 * one gathered lookup), α and β from `scal` = [α, β] (16 words) where C is
 * written. Each output is one chain of k multiply-adds in k order, then
 * α s + β c.
 */
export class Blas3V3d {
  /** See the class comment. */
  @kernel({ fastMath: true })
  static gemm(k: u32, a: Ptr<f32>, b: Ptr<f32>, bRow: u32, c: Ptr<f32>, ldc: u32, tiles: u32, dims: Ptr<u32>, scal: Ptr<f32>, sink: Ptr<f32>): void {
    const lane = qpu.laneId();
    const kMain = k - (k % V3D_KB);
    for (let t = qpu.qpuId(); t < tiles; t += qpu.numQpus()) {
      const d = dims[lane];
      const m = qpu.broadcast(d, 0), n = qpu.broadcast(d, 1), aRow = qpu.broadcast(d, 2), aCol = qpu.broadcast(d, 3), bCol = qpu.broadcast(d, 4);
      const tilesN = qpu.broadcast(d, 6);
      const i0 = (t / tilesN) * V3D_ROWS;
      const j0 = (t % tilesN) * V3D_COLS;
      const rowsLeft = m - i0;
      // Columns of the tile from this lane's first one to the edge (≤ 0: the lane is past column n).
      const colsLeft = i32(n - j0) - i32(lane);
      const acc = new Array<f32>(V3D_ACC).fill(0);
      // Index of op(A)(row r, lane) and of op(B)(0, column of segment s), rows and columns clamped to the matrix.
      const ap = new Uint32Array(V3D_ROWS);
      const bp = new Uint32Array(V3D_SEGS);
      for (let r: u32 = 0; r < V3D_ROWS; r++) ap[r] = (i0 + Math.min(r, rowsLeft - 1)) * aRow + lane * aCol;
      let j = j0 + lane;
      for (let s: u32 = 0; s < V3D_SEGS; s++) {
        bp[s] = Math.min(j, n - 1) * bCol;
        j += 16;
      }
      const aStep = V3D_KB * aCol;
      const av = new Array<f32>(V3D_ROWS).fill(0);
      const bv = new Array<f32>(V3D_BLOCK_B).fill(0);
      for (let k0: u32 = 0; k0 < kMain; k0 += V3D_KB) {
        for (let r: u32 = 0; r < V3D_ROWS; r++) {
          av[r] = a[ap[r]];
          ap[r] += aStep;
        }
        for (let kk: u32 = 0; kk < V3D_AHEAD; kk++) {
          for (let s: u32 = 0; s < V3D_SEGS; s++) {
            bv[kk * V3D_SEGS + s] = b[bp[s]];
            bp[s] += bRow;
          }
        }
        for (let kk: u32 = 0; kk < V3D_KB; kk++) {
          if (kk + V3D_AHEAD < V3D_KB) {
            // (The index wraps only in the copies this condition leaves out.)
            for (let s: u32 = 0; s < V3D_SEGS; s++) {
              bv[((kk + V3D_AHEAD) * V3D_SEGS + s) % V3D_BLOCK_B] = b[bp[s]];
              bp[s] += bRow;
            }
          }
          for (let r: u32 = 0; r < V3D_ROWS; r++) {
            const x = qpu.broadcast(av[r], kk);
            for (let s: u32 = 0; s < V3D_SEGS; s++) acc[r * V3D_SEGS + s] += x * bv[kk * V3D_SEGS + s];
          }
        }
      }
      if (kMain < k) {
        // The last k mod 16 steps: op(A)(i, k) as one uniform load per row and step.
        const aCol1 = qpu.broadcast(dims[lane], 3);
        const bt = new Array<f32>(V3D_SEGS).fill(0);
        for (let kk: u32 = kMain; kk < k; kk++) {
          for (let s: u32 = 0; s < V3D_SEGS; s++) {
            bt[s] = b[bp[s]];
            bp[s] += bRow;
          }
          for (let r: u32 = 0; r < V3D_ROWS; r++) {
            const x = a[ap[r] - lane * aCol1];
            ap[r] += aCol1;
            for (let s: u32 = 0; s < V3D_SEGS; s++) acc[r * V3D_SEGS + s] += x * bt[s];
          }
        }
      }
      const sv = scal[lane];
      const alpha = qpu.broadcast(sv, 0), beta = qpu.broadcast(sv, 1);
      let at = i0 * ldc + j0 + lane;
      for (let r: u32 = 0; r < V3D_ROWS; r++) {
        if (r < rowsLeft) {
          for (let s: u32 = 0; s < V3D_SEGS; s++) {
            // Lanes past column n store into `sink` (a select of the pointer: no lane mask).
            const inside = i32(16 * s) < colsLeft;
            const dst = inside ? c : sink;
            const o = inside ? at + 16 * s : lane;
            const v = alpha * acc[r * V3D_SEGS + s];
            dst[o] = beta == 0 ? v : v + beta * dst[o];
          }
        }
        at += ldc;
      }
    }
  }
}

/** Options of {@link sgemm}. */
export interface GemmOptions {
  /** Rows of op(A) and C. */
  m: number;
  /** Columns of op(B) and C. */
  n: number;
  /** Columns of op(A), rows of op(B). */
  k: number;
  alpha: number;
  /** Row-major: m × k (k × m when transA), rows lda apart. */
  a: Float32Array;
  lda: number;
  /** Row-major: k × n (n × k when transB), rows ldb apart. */
  b: Float32Array;
  ldb: number;
  /** Default 0: C is then only written (its old contents, NaN included, do not matter). */
  beta?: number;
  /** Row-major m × n, rows ldc apart; updated in place. */
  c: Float32Array;
  ldc: number;
  /** op(A) = Aᵀ. */
  transA?: boolean;
  /** op(B) = Bᵀ. */
  transB?: boolean;
}

/**
 * C ← α op(A) op(B) + β C (BLAS sgemm), row-major (as CBLAS with
 * CblasRowMajor: element (i, j) of A is a[i lda + j]).
 */
export async function sgemm(rt: Runtime, options: GemmOptions): Promise<LaunchResult> {
  const fn = 'sgemm';
  checkOptions(fn, options);
  const m = checkCount(fn, 'm', options.m), n = checkCount(fn, 'n', options.n), k = checkCount(fn, 'k', options.k);
  const alpha = checkScalar(fn, 'alpha', options.alpha), beta = checkScalar(fn, 'beta', options.beta, 0);
  const transA = checkFlag(fn, 'transA', options.transA), transB = checkFlag(fn, 'transB', options.transB);
  const lda = checkCount(fn, 'lda', options.lda, 1), ldb = checkCount(fn, 'ldb', options.ldb, 1), ldc = checkCount(fn, 'ldc', options.ldc, 1);
  const a = checkMatrix(fn, 'a', options.a, transA ? k : m, transA ? m : k, lda, 'lda');
  const b = checkMatrix(fn, 'b', options.b, transB ? n : k, transB ? k : n, ldb, 'ldb');
  const c = checkMatrix(fn, 'c', options.c, m, n, ldc, 'ldc');
  if (m === 0 || n === 0) return emptyResult(rt, rt.target === 'vc4' ? 'Blas3.gemm' : 'Blas3V3d.gemm');
  // α = 0 or k = 0: C ← β C without reading A and B (as BLAS).
  const [kk, aa] = alpha === 0 || k === 0 ? [0, 0] : [k, alpha];
  const [aRow, aCol] = transA ? [1, lda] : [lda, 1];
  const [bRow, bCol] = transB ? [1, ldb] : [ldb, 1];
  if (rt.target !== 'vc4') return gemmV3d(rt, m, n, kk, aa, a, aRow, aCol, b, bRow, bCol, beta, c, ldc);
  // VC4: whole 16 × 32 blocks by Blas3Vc4, the rows and columns past them by Blas3.gemm.
  const rowBlocks = Math.floor(m / VC4_ROWS), colBlocks = Math.floor(n / VC4_COLS);
  if (rt.target === 'vc4' && kk > 0 && rowBlocks > 0 && colBlocks > 0) {
    const blocks = rowBlocks * colBlocks;
    const mb = rowBlocks * VC4_ROWS, nb = colBlocks * VC4_COLS;
    const results: LaunchResult[] = [];
    for (let first = 0; first < blocks; first += rt.numQpus) {
      const batches = Math.min(rt.numQpus, blocks - first);
      const rb0 = first % rowBlocks, cb0 = Math.floor(first / rowBlocks);
      results.push(await (bCol === 1
        ? rt.launch(Blas3Vc4.blocks, { qpus: batches }, kk, aa, a, aRow, aCol, b, bRow, beta, c, ldc, rowBlocks, rb0, cb0)
        : rt.launch(Blas3Vc4.blocksBT, { qpus: batches }, kk, aa, a, aRow, aCol, b, bRow, bCol, beta, c, ldc, rowBlocks, rb0, cb0)));
    }
    // Rows mb… of C (all columns), then columns nb… of rows 0…mb-1: views starting at their first elements.
    if (mb < m) results.push(await gemmTiles(rt, m - mb, n, kk, aa, a.subarray(mb * aRow), aRow, aCol, b, bRow, bCol, beta, c.subarray(mb * ldc), ldc));
    if (nb < n) results.push(await gemmTiles(rt, mb, n - nb, kk, aa, a, aRow, aCol, b.subarray(nb * bCol), bRow, bCol, beta, c.subarray(nb), ldc));
    return combineResults(results);
  }
  return gemmTiles(rt, m, n, kk, aa, a, aRow, aCol, b, bRow, bCol, beta, c, ldc);
}

/** C ← α op(A) op(B) + β C by {@link Blas3V3d.gemm} (m, n ≥ 1; strides as {@link Blas3.gemm}'s). */
async function gemmV3d(
  rt: Runtime, m: number, n: number, k: number, alpha: number, a: Float32Array, aRow: number, aCol: number,
  b: Float32Array, bRow: number, bCol: number, beta: number, c: Float32Array, ldc: number,
): Promise<LaunchResult> {
  const tilesN = Math.ceil(n / V3D_COLS);
  const tiles = Math.ceil(m / V3D_ROWS) * tilesN;
  const dims = rt.alloc(Uint32Array, 16), scal = rt.alloc(Float32Array, 16), sink = rt.alloc(Float32Array, 16);
  try {
    dims.set([m, n, aRow, aCol, bCol, 0, tilesN]);
    scal.set([alpha, beta]);
    return await rt.launch(Blas3V3d.gemm, { qpus: workBatches(rt, tiles) }, k, a, b, bRow, c, ldc, tiles, dims, scal, sink);
  } finally {
    rt.free(dims);
    rt.free(scal);
    rt.free(sink);
  }
}

/** C ← α op(A) op(B) + β C by {@link Blas3.gemm} (arguments as that kernel's; m, n ≥ 1). */
async function gemmTiles(
  rt: Runtime, m: number, n: number, k: number, alpha: number, a: Float32Array, aRow: number, aCol: number,
  b: Float32Array, bRow: number, bCol: number, beta: number, c: Float32Array, ldc: number,
): Promise<LaunchResult> {
  const tilesN = Math.ceil(n / TILE_COLS);
  const tiles = Math.ceil(m / TILE_ROWS) * tilesN;
  const sink = rt.alloc(Float32Array, TILE_COLS);
  try {
    return await rt.launch(Blas3.gemm, { qpus: workBatches(rt, tiles) }, m, n, k, alpha, a, aRow, aCol, b, bRow, bCol, beta, c, ldc, tilesN, tiles, sink);
  } finally {
    rt.free(sink);
  }
}
