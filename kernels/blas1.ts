/**
 * BLAS level 1 in single precision: saxpy, sscal, scopy, sswap, sdot, snrm2,
 * sasum, isamax. Host functions take the Runtime and an options object of
 * Float32Arrays from `rt.alloc`, pick the launch shape, and return the
 * launch result (with its profile); the reductions add their value to it.
 *
 * Increments: `incx`/`incy` are non-zero whole numbers (default 1); a
 * negative one walks the vector from its end, as in reference BLAS (element
 * i is `x[(n - 1 - i) |incx|]`). Unit strides run the grid-stride kernels the
 * compiler turns into vec4 lookups on vc6/vc7; others run strided kernels.
 *
 * Arithmetic: f32. On vc6 and vc7 every `+` and `*` rounds to nearest (IEEE);
 * on vc4 the kernels use `fastMath` (the hardware's `fadd`, round toward
 * zero: each addition within 1 ulp instead of ½ ulp), so vc4 results may
 * differ from the others in the last bit of each operation. The reference
 * backend computes what vc6/vc7 compute.
 */
import { kernel, qpu, i32, type f32, type u32, type Ptr } from 'qpuc';
import type { LaunchResult, Runtime } from 'qpuc/runtime';
import { checkCount, checkIncrement, checkOptions, checkScalar, checkVector, combineResults, emptyResult, streamBatches, streamBatchesOf } from './launch.js';

/**
 * The BLAS-1 kernels. Unit-stride kernels are grid-stride loops over `i`
 * (every lane of every batch); `…Strided` ones address element i at
 * `x0 + i * incx` (i32, so a negative increment walks backwards from `x0`).
 * Reductions write one partial result per work item (`qpu.globalId()`), and
 * a one-batch kernel combines the partials.
 */
export class Blas1 {
  /** y[i] = a x[i] + y[i] for i < n. */
  @kernel({ fastMath: true })
  static axpy(n: u32, a: f32, x: Ptr<f32>, y: Ptr<f32>): void {
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) y[i] = a * x[i] + y[i];
  }

  /** y[y0 + i incy] = a x[x0 + i incx] + y[y0 + i incy] for i < n. */
  @kernel({ fastMath: true })
  static axpyStrided(n: u32, a: f32, x: Ptr<f32>, x0: i32, incx: i32, y: Ptr<f32>, y0: i32, incy: i32): void {
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) {
      const k = i32(i);
      y[y0 + k * incy] = a * x[x0 + k * incx] + y[y0 + k * incy];
    }
  }

  /** x[i] = a x[i] for i < n. */
  @kernel({ fastMath: true })
  static scal(n: u32, a: f32, x: Ptr<f32>): void {
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) x[i] = a * x[i];
  }

  /** x[x0 + i incx] = a x[x0 + i incx] for i < n. */
  @kernel({ fastMath: true })
  static scalStrided(n: u32, a: f32, x: Ptr<f32>, x0: i32, incx: i32): void {
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) x[x0 + i32(i) * incx] = a * x[x0 + i32(i) * incx];
  }

  /** y[i] = x[i] for i < n. */
  @kernel
  static copy(n: u32, x: Ptr<f32>, y: Ptr<f32>): void {
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) y[i] = x[i];
  }

  /** y[y0 + i incy] = x[x0 + i incx] for i < n. */
  @kernel
  static copyStrided(n: u32, x: Ptr<f32>, x0: i32, incx: i32, y: Ptr<f32>, y0: i32, incy: i32): void {
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) y[y0 + i32(i) * incy] = x[x0 + i32(i) * incx];
  }

  /** Exchanges x[i] and y[i] for i < n. */
  @kernel
  static swap(n: u32, x: Ptr<f32>, y: Ptr<f32>): void {
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) {
      const t = x[i];
      x[i] = y[i];
      y[i] = t;
    }
  }

  /** Exchanges x[x0 + i incx] and y[y0 + i incy] for i < n. */
  @kernel
  static swapStrided(n: u32, x: Ptr<f32>, x0: i32, incx: i32, y: Ptr<f32>, y0: i32, incy: i32): void {
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) {
      const k = i32(i);
      const t = x[x0 + k * incx];
      x[x0 + k * incx] = y[y0 + k * incy];
      y[y0 + k * incy] = t;
    }
  }

  /** partial[g] = the sum of x[i] y[i] over work item g's elements (i = g, g + G, …; G work items), in that order. */
  @kernel({ fastMath: true })
  static dot(n: u32, x: Ptr<f32>, y: Ptr<f32>, partial: Ptr<f32>): void {
    let s: f32 = 0;
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) s += x[i] * y[i];
    partial[qpu.globalId()] = s;
  }

  /** {@link Blas1.dot} with strides. */
  @kernel({ fastMath: true })
  static dotStrided(n: u32, x: Ptr<f32>, x0: i32, incx: i32, y: Ptr<f32>, y0: i32, incy: i32, partial: Ptr<f32>): void {
    let s: f32 = 0;
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) s += x[x0 + i32(i) * incx] * y[y0 + i32(i) * incy];
    partial[qpu.globalId()] = s;
  }

  /** partial[g] = the sum of |x[i]| over work item g's elements. */
  @kernel({ fastMath: true })
  static asum(n: u32, x: Ptr<f32>, partial: Ptr<f32>): void {
    let s: f32 = 0;
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) s += Math.abs(x[i]);
    partial[qpu.globalId()] = s;
  }

  /** {@link Blas1.asum} with a stride. */
  @kernel({ fastMath: true })
  static asumStrided(n: u32, x: Ptr<f32>, x0: i32, incx: i32, partial: Ptr<f32>): void {
    let s: f32 = 0;
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) s += Math.abs(x[x0 + i32(i) * incx]);
    partial[qpu.globalId()] = s;
  }

  /**
   * partial[g] = the sum of x[i]² over work item g's elements and
   * partial[G + g] their largest |x[i]| (NaNs skipped: they make the sum NaN).
   */
  @kernel({ fastMath: true })
  static ssq(n: u32, x: Ptr<f32>, partial: Ptr<f32>): void {
    let s: f32 = 0;
    let m: f32 = 0;
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) {
      const v = x[i];
      const a = Math.abs(v);
      s += v * v;
      m = a > m ? a : m;
    }
    partial[qpu.globalId()] = s;
    partial[qpu.globalCount() + qpu.globalId()] = m;
  }

  /** {@link Blas1.ssq} with a stride. */
  @kernel({ fastMath: true })
  static ssqStrided(n: u32, x: Ptr<f32>, x0: i32, incx: i32, partial: Ptr<f32>): void {
    let s: f32 = 0;
    let m: f32 = 0;
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) {
      const v = x[x0 + i32(i) * incx];
      const a = Math.abs(v);
      s += v * v;
      m = a > m ? a : m;
    }
    partial[qpu.globalId()] = s;
    partial[qpu.globalCount() + qpu.globalId()] = m;
  }

  /** partial[g] = the sum of x[i]² over work item g's elements (snrm2's first pass: one multiply and one add per element). */
  @kernel({ fastMath: true })
  static sumSquares(n: u32, x: Ptr<f32>, partial: Ptr<f32>): void {
    let s: f32 = 0;
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) {
      const v = x[i];
      s += v * v;
    }
    partial[qpu.globalId()] = s;
  }

  /** partial[g] = the sum of (scale x[i])² over work item g's elements (scale a power of two: exact). */
  @kernel({ fastMath: true })
  static ssqScaled(n: u32, scale: f32, x: Ptr<f32>, partial: Ptr<f32>): void {
    let s: f32 = 0;
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) {
      const w = x[i] * scale;
      s += w * w;
    }
    partial[qpu.globalId()] = s;
  }

  /** {@link Blas1.ssqScaled} with a stride. */
  @kernel({ fastMath: true })
  static ssqScaledStrided(n: u32, scale: f32, x: Ptr<f32>, x0: i32, incx: i32, partial: Ptr<f32>): void {
    let s: f32 = 0;
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) {
      const w = x[x0 + i32(i) * incx] * scale;
      s += w * w;
    }
    partial[qpu.globalId()] = s;
  }

  /**
   * best[g] = the largest |x[i]| over work item g's elements and index[g]
   * the first i where it occurs (-1 as u32 and -1 when the lane had none or
   * only NaNs: a NaN never compares greater).
   */
  @kernel
  static iamax(n: u32, x: Ptr<f32>, best: Ptr<f32>, index: Ptr<u32>): void {
    let b: f32 = -1;
    let at: u32 = 0xffffffff;
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) {
      const v = Math.abs(x[i]);
      const better = v > b;
      at = better ? i : at;
      b = better ? v : b;
    }
    best[qpu.globalId()] = b;
    index[qpu.globalId()] = at;
  }

  /**
   * isamax's unit-stride pass on the f32 patterns (x as u32): per QPU, best[q] = the largest key x + x = x << 1 (the
   * pattern without its sign, shifted: as u32 the order of |x| for every non-NaN x; a NaN's key is above +Inf's,
   * 0xff000000) and index[q] the first i where it occurs (0xffffffff when every key is 0). One add, one compare,
   * one max and a select per element, where the f32 form ({@link Blas1.iamax}) also spends two instructions on
   * `Math.abs`. The host takes it unless the largest key is a NaN's (then {@link Blas1.iamax}, where a NaN never
   * wins, decides).
   */
  @kernel
  static iamaxBits(n: u32, x: Ptr<u32>, best: Ptr<u32>, index: Ptr<u32>): void {
    let b: u32 = 0;
    let at: u32 = 0xffffffff;
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) {
      // v + v, not v << 1: the same bits, and an add can go to the multiply ALU (a shift cannot), which leaves
      // the add ALU the compare and the max (vc7: 0.892 -> 0.958 of the memory limit).
      const v = x[i];
      const e = v + v;
      const better = e > b;
      at = better ? i : at;
      b = Math.max(b, e);
    }
    const top = qpu.reduceMax(b);
    const first = qpu.reduceMin(b == top ? at : 0xffffffff);
    if (qpu.laneId() == 0) {
      best[qpu.qpuId()] = top;
      index[qpu.qpuId()] = first;
    }
  }

  /** {@link Blas1.iamax} with a stride; index[g] is the element number i (not the array index). */
  @kernel
  static iamaxStrided(n: u32, x: Ptr<f32>, x0: i32, incx: i32, best: Ptr<f32>, index: Ptr<u32>): void {
    let b: f32 = -1;
    let at: u32 = 0xffffffff;
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) {
      const v = Math.abs(x[x0 + i32(i) * incx]);
      const better = v > b;
      at = better ? i : at;
      b = better ? v : b;
    }
    best[qpu.globalId()] = b;
    index[qpu.globalId()] = at;
  }
}

/**
 * The sum of partial[0 … count-1] as one QPU would add it, on the host: lane l adds elements l, l + 16, … in
 * order, then the 16 lane sums are added in lane order, every addition rounded to f32 (what a second launch of one
 * QPU did until the host took it over: a launch costs more than the 16 q additions).
 */
function finishSum(partial: Float32Array, count: number): number {
  let total = 0;
  for (let l = 0; l < 16; l++) {
    let s = 0;
    for (let i = l; i < count; i += 16) s = Math.fround(s + (partial[i] as number));
    total = l === 0 ? s : Math.fround(total + s);
  }
  return total;
}

/** The largest of the per-lane maxima `m` (each ≥ 0, or NaN, which wins: NaN elements give NaN). */
function finishMax(m: Float32Array): number {
  let top = 0;
  for (const v of m) top = Math.max(top, v);
  return top;
}

/**
 * The index of the first largest of best[0 … count-1] (entry g's element index is index[g]), or 0xffffffff when
 * none: a NaN (never larger) or −1 (a lane with no elements) never wins.
 */
function finishIamax(best: Float32Array, index: Uint32Array, count: number): number {
  let b = -1;
  let at = 0xffffffff;
  for (let g = 0; g < count; g++) {
    const v = best[g] as number;
    const k = index[g] as number;
    if (v > b || (v === b && k < at)) (b = v), (at = k);
  }
  return at;
}

/** Element 0's array index and the signed step of a vector of n elements with increment inc (BLAS: inc < 0 starts at the end). */
function origin(n: number, inc: number): [number, number] {
  return [inc >= 0 ? 0 : (n - 1) * -inc, inc];
}

/** Runs `body` with scratch arrays from `rt.alloc` (partial results), freed afterwards. */
async function withScratch<T>(rt: Runtime, sizes: { f32?: number; u32?: number }, body: (f: Float32Array, u: Uint32Array) => Promise<T>): Promise<T> {
  const f = rt.alloc(Float32Array, Math.max(1, sizes.f32 ?? 1));
  const u = rt.alloc(Uint32Array, Math.max(1, sizes.u32 ?? 1));
  try {
    return await body(f, u);
  } finally {
    rt.free(f);
    rt.free(u);
  }
}

/** Options of {@link saxpy}. */
export interface AxpyOptions {
  /** Elements (0: nothing happens). */
  n: number;
  /** The scalar a (alpha). */
  alpha: number;
  x: Float32Array;
  /** Default 1. */
  incx?: number;
  /** Updated in place. */
  y: Float32Array;
  /** Default 1. */
  incy?: number;
}

/**
 * y ← alpha x + y (BLAS saxpy). Each element is one f32 multiply and one f32
 * add (vc6/vc7 and the reference: both rounded to nearest, so the result is
 * exactly `fround(fround(alpha x) + y)`; vc4: the add rounds toward zero).
 * Memory-bound: 8 bytes read and 4 written per element.
 */
export async function saxpy(rt: Runtime, options: AxpyOptions): Promise<LaunchResult> {
  const fn = 'saxpy';
  checkOptions(fn, options);
  const n = checkCount(fn, 'n', options.n);
  const alpha = checkScalar(fn, 'alpha', options.alpha);
  const incx = checkIncrement(fn, 'incx', options.incx), incy = checkIncrement(fn, 'incy', options.incy);
  const x = checkVector(fn, 'x', options.x, n, incx), y = checkVector(fn, 'y', options.y, n, incy);
  if (n === 0) return emptyResult(rt, 'Blas1.axpy');
  const qpus = streamBatches(rt);
  if (incx === 1 && incy === 1) return rt.launch(Blas1.axpy, { qpus }, n, alpha, x, y);
  return rt.launch(Blas1.axpyStrided, { qpus }, n, alpha, x, ...origin(n, incx), y, ...origin(n, incy));
}

/** Options of {@link sscal}. */
export interface ScalOptions {
  n: number;
  alpha: number;
  /** Scaled in place. */
  x: Float32Array;
  incx?: number;
}

/** x ← alpha x (BLAS sscal): one f32 multiply per element, rounded to nearest on every target. */
export async function sscal(rt: Runtime, options: ScalOptions): Promise<LaunchResult> {
  const fn = 'sscal';
  checkOptions(fn, options);
  const n = checkCount(fn, 'n', options.n);
  const alpha = checkScalar(fn, 'alpha', options.alpha);
  const incx = checkIncrement(fn, 'incx', options.incx);
  const x = checkVector(fn, 'x', options.x, n, incx);
  if (n === 0) return emptyResult(rt, 'Blas1.scal');
  if (incx === 1) return rt.launch(Blas1.scal, { qpus: await streamBatchesOf(rt, Blas1.scal) }, n, alpha, x);
  const qpus = streamBatches(rt);
  return rt.launch(Blas1.scalStrided, { qpus }, n, alpha, x, ...origin(n, incx));
}

/** Options of {@link scopy} and {@link sswap}. */
export interface CopyOptions {
  n: number;
  x: Float32Array;
  incx?: number;
  y: Float32Array;
  incy?: number;
}

/** y ← x (BLAS scopy): bit-exact. x and y should not overlap (BLAS leaves that undefined too). */
export async function scopy(rt: Runtime, options: CopyOptions): Promise<LaunchResult> {
  const fn = 'scopy';
  checkOptions(fn, options);
  const n = checkCount(fn, 'n', options.n);
  const incx = checkIncrement(fn, 'incx', options.incx), incy = checkIncrement(fn, 'incy', options.incy);
  const x = checkVector(fn, 'x', options.x, n, incx), y = checkVector(fn, 'y', options.y, n, incy);
  if (n === 0) return emptyResult(rt, 'Blas1.copy');
  if (incx === 1 && incy === 1) return rt.launch(Blas1.copy, { qpus: await streamBatchesOf(rt, Blas1.copy) }, n, x, y);
  const qpus = streamBatches(rt);
  return rt.launch(Blas1.copyStrided, { qpus }, n, x, ...origin(n, incx), y, ...origin(n, incy));
}

/** x ↔ y (BLAS sswap): bit-exact. x and y must not overlap. */
export async function sswap(rt: Runtime, options: CopyOptions): Promise<LaunchResult> {
  const fn = 'sswap';
  checkOptions(fn, options);
  const n = checkCount(fn, 'n', options.n);
  const incx = checkIncrement(fn, 'incx', options.incx), incy = checkIncrement(fn, 'incy', options.incy);
  const x = checkVector(fn, 'x', options.x, n, incx), y = checkVector(fn, 'y', options.y, n, incy);
  if (n === 0) return emptyResult(rt, 'Blas1.swap');
  const qpus = streamBatches(rt);
  if (incx === 1 && incy === 1) return rt.launch(Blas1.swap, { qpus: await streamBatchesOf(rt, Blas1.swap) }, n, x, y);
  return rt.launch(Blas1.swapStrided, { qpus }, n, x, ...origin(n, incx), y, ...origin(n, incy));
}

/** A reduction's launch result with its value. */
export type ValueResult = LaunchResult & {
  /** The function's result (an f32 value as a JavaScript number; for isamax a 0-based index). */
  value: number;
};

/** Options of {@link sdot}. */
export interface DotOptions {
  n: number;
  x: Float32Array;
  incx?: number;
  y: Float32Array;
  incy?: number;
}

/**
 * The dot product Σ x[i] y[i] (BLAS sdot), as `value` (0 when n = 0).
 *
 * Order and accuracy: the G = 16 × batches work items each add their
 * products i = g, g + G, … in f32, then the host adds the G partials as one
 * batch would (lane l: partials l, l + 16, …; then the 16 lane sums in lane
 * order; rounding to nearest f32, also on vc4). Every result is thus
 * a sum of at most k = ⌈n/G⌉ + ⌈G/16⌉ + 16 rounded terms, so
 * |value − Σ x y| ≤ γ(k + 1) Σ |x y| with γ(m) = m u / (1 − m u),
 * u = 2^-24 (vc4, whose additions round toward zero: u = 2^-23), ignoring
 * underflow. One launch (the partials; a second launch on one QPU added them
 * until the host took that over).
 */
export async function sdot(rt: Runtime, options: DotOptions): Promise<ValueResult> {
  const fn = 'sdot';
  checkOptions(fn, options);
  const n = checkCount(fn, 'n', options.n);
  const incx = checkIncrement(fn, 'incx', options.incx), incy = checkIncrement(fn, 'incy', options.incy);
  const x = checkVector(fn, 'x', options.x, n, incx), y = checkVector(fn, 'y', options.y, n, incy);
  if (n === 0) return { ...emptyResult(rt, 'Blas1.dot'), value: 0 };
  const qpus = streamBatches(rt);
  const g = qpus * 16;
  return withScratch(rt, { f32: g }, async (partial) => {
    const first =
      incx === 1 && incy === 1
        ? await rt.launch(Blas1.dot, { qpus }, n, x, y, partial)
        : await rt.launch(Blas1.dotStrided, { qpus }, n, x, ...origin(n, incx), y, ...origin(n, incy), partial);
    return { ...first, value: finishSum(partial, g) };
  });
}

/** Options of {@link sasum}, {@link snrm2}, {@link isamax}. */
export interface VectorOptions {
  n: number;
  x: Float32Array;
  incx?: number;
}

/** Σ |x[i]| (BLAS sasum), as `value`; order and accuracy as {@link sdot} (bound γ(k) Σ |x|). */
export async function sasum(rt: Runtime, options: VectorOptions): Promise<ValueResult> {
  const fn = 'sasum';
  checkOptions(fn, options);
  const n = checkCount(fn, 'n', options.n);
  const incx = checkIncrement(fn, 'incx', options.incx);
  const x = checkVector(fn, 'x', options.x, n, incx);
  if (n === 0) return { ...emptyResult(rt, 'Blas1.asum'), value: 0 };
  const qpus = streamBatches(rt);
  const g = qpus * 16;
  return withScratch(rt, { f32: g }, async (partial) => {
    const first = incx === 1 ? await rt.launch(Blas1.asum, { qpus }, n, x, partial) : await rt.launch(Blas1.asumStrided, { qpus }, n, x, ...origin(n, incx), partial);
    return { ...first, value: finishSum(partial, g) };
  });
}

/** Largest |x| for which the unscaled sum of squares is used: beyond it squares could overflow f32 (2^128). */
const NRM2_BIG = 2 ** 40;
/** Smallest largest-|x| for which the unscaled sum is used: below it squares of the smaller elements would underflow. */
const NRM2_SMALL = 2 ** -40;
/** Smallest sum of squares snrm2's unit-stride first pass accepts (NRM2_SMALL²). */
const NRM2_FLOOR = NRM2_SMALL ** 2;

/**
 * The Euclidean norm sqrt(Σ x[i]²) (BLAS snrm2), as `value`, without
 * overflow or harmful underflow. Unit stride: one pass sums the squares;
 * a finite sum of at least 2^-80 is the answer (NaN gives NaN). Otherwise,
 * and for other strides, a pass sums the squares and finds max |x| = M;
 * when M lies outside [2^-40, 2^40] or the sum overflowed, a further pass
 * sums (s x)² with s = 2^-e, the power of two that brings M to [1, 2)
 * (exact scaling), and the result is sqrt(sum) / s.
 *
 * Accuracy: the sum of squares has the error bound of {@link sdot} with
 * γ(k + 1) relative to itself (all terms are positive), and elements whose
 * scaled square falls below 2^-126 (flushed) change it by at most
 * n 2^-126 / 2^-80 relative in the first pass; the square root and the
 * final scaling in f64 on the host add at most one rounding to f32:
 * relative error ≤ γ(k + 1) / 2 + 2^-24 (about, for n ≪ 2^46).
 * Infinite elements give Infinity; NaN elements give NaN.
 */
export async function snrm2(rt: Runtime, options: VectorOptions): Promise<ValueResult> {
  const fn = 'snrm2';
  checkOptions(fn, options);
  const n = checkCount(fn, 'n', options.n);
  const incx = checkIncrement(fn, 'incx', options.incx);
  const x = checkVector(fn, 'x', options.x, n, incx);
  if (n === 0) return { ...emptyResult(rt, 'Blas1.ssq'), value: 0 };
  const qpus = streamBatches(rt);
  const g = qpus * 16;
  return withScratch(rt, { f32: 2 * g }, async (partial) => {
    const results: LaunchResult[] = [];
    if (incx === 1) {
      // The sum of squares alone: enough when it is finite and at least NRM2_FLOOR (no overflow; flushed squares
      // change it by at most n 2^-126 / NRM2_FLOOR relative). NaN in, NaN out. Otherwise the pass below.
      results.push(await rt.launch(Blas1.sumSquares, { qpus }, n, x, partial));
      const s = finishSum(partial, g);
      if (Number.isNaN(s)) return { ...combineResults(results), value: NaN };
      if (Number.isFinite(s) && s >= NRM2_FLOOR) return { ...combineResults(results), value: Math.fround(Math.sqrt(s)) };
    }
    results.push(incx === 1 ? await rt.launch(Blas1.ssq, { qpus }, n, x, partial) : await rt.launch(Blas1.ssqStrided, { qpus }, n, x, ...origin(n, incx), partial));
    let sum = finishSum(partial, g);
    const max = finishMax(partial.subarray(g, 2 * g));
    let scale = 1;
    if (Number.isNaN(sum) || Number.isNaN(max)) return { ...combineResults(results), value: NaN };
    if (max === Infinity) return { ...combineResults(results), value: Infinity };
    if (max === 0) return { ...combineResults(results), value: 0 };
    if (!Number.isFinite(sum) || max > NRM2_BIG || max < NRM2_SMALL) {
      scale = 2 ** -Math.floor(Math.log2(max));
      results.push(incx === 1 ? await rt.launch(Blas1.ssqScaled, { qpus }, n, scale, x, partial) : await rt.launch(Blas1.ssqScaledStrided, { qpus }, n, scale, x, ...origin(n, incx), partial));
      sum = finishSum(partial, g);
    }
    return { ...combineResults(results), value: Math.fround(Math.sqrt(sum) / scale) };
  });
}

/**
 * The 0-based index of the first element with the largest |x[i]| (BLAS
 * isamax, whose 1-based result is this plus 1), as `value`; -1 when n = 0.
 * NaN elements never win (a NaN compares false); when every element is NaN
 * the result is 0. Exact (no rounding). Unit stride on vc6/vc7 (and the
 * reference backend): one launch comparing the |x| bit patterns as integers
 * ({@link Blas1.iamaxBits}), whose per-QPU results the host combines, then,
 * only when the largest pattern is a NaN's, the launch vc4 and other strides
 * take (f32 compares, NaN never wins), whose per-lane results the host
 * combines.
 */
export async function isamax(rt: Runtime, options: VectorOptions): Promise<ValueResult> {
  const fn = 'isamax';
  checkOptions(fn, options);
  const n = checkCount(fn, 'n', options.n);
  const incx = checkIncrement(fn, 'incx', options.incx);
  const x = checkVector(fn, 'x', options.x, n, incx);
  if (n === 0) return { ...emptyResult(rt, 'Blas1.iamax'), value: -1 };
  const qpus = streamBatches(rt);
  const g = qpus * 16;
  let bits: LaunchResult | undefined;
  // vc4 keeps the f32 passes: there the pattern pass is no faster (255K: 0.736 of the memory limit against 0.753).
  if (incx === 1 && rt.target !== 'vc4') {
    const r = await withScratch(rt, { u32: 2 * qpus }, async (_, u) => {
      const result = await rt.launch(Blas1.iamaxBits, { qpus }, n, new Uint32Array(x.buffer, x.byteOffset, n), u, u.subarray(qpus));
      let top = 0, at = 0xffffffff;
      for (let q = 0; q < qpus; q++) {
        const b = u[q] as number, i = u[qpus + q] as number;
        if (b > top || (b === top && i < at)) (top = b), (at = i);
      }
      // Every key 0: every element is ±0, the first wins.
      return { result, at: top > 0xff000000 ? undefined : top === 0 ? 0 : at };
    });
    if (r.at !== undefined) return { ...r.result, value: r.at };
    bits = r.result;
  }
  return withScratch(rt, { f32: g, u32: g }, async (best, index) => {
    const first = incx === 1 ? await rt.launch(Blas1.iamax, { qpus }, n, x, best, index) : await rt.launch(Blas1.iamaxStrided, { qpus }, n, x, ...origin(n, incx), best, index);
    const at = finishIamax(best, index, g);
    return { ...combineResults(bits ? [bits, first] : [first]), value: at === 0xffffffff ? 0 : at };
  });
}
