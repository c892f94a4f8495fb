/**
 * Reductions over f32, i32 and u32 arrays: sum, min, max, argmin, argmax.
 *
 * Two launches each (sums, integer min/max/argmin/argmax; f32 on vc4). The first runs on up to every QPU: each
 * lane folds its grid-stride slice (elements g, g + G, g + 2G, … for work item g of G = 16 × QPUs), in index
 * order, into a register, and each QPU folds its 16 lanes and writes one partial. The second runs on one QPU over
 * those partials and writes the result. Each element is read once: the first launch streams the array at the
 * memory path's rate. f32 min/max/argmin/argmax on vc6/vc7 (and the reference backend) take one launch of a
 * kernel with fewer instructions per element ({@link Reduce.boundsF32}, {@link Reduce.argminF32}, {@link Reduce.argmaxF32}) whose few per-QPU
 * partials the host combines; argmin/argmax fall back to the two exact launches when the data hold a NaN or the
 * extreme is a zero (so x is read twice then).
 */
import { kernel, qpu, i32, u32, type f32, type Ptr } from 'qpuc';
import type { LaunchResult, Runtime } from 'qpuc/runtime';
import { checkWordArray, combineResults } from './launch.js';

/** Index meaning "no element" in the arg kernels (larger than any index of an array the GPU can address). */
const NONE = 0xffffffff;

/**
 * Reduction kernels. Most write one partial per lane (`out[globalId()]`: lane l of QPU q at 16 q + l), which the
 * host functions below fold, each QPU's 16 in lane order, then the QPUs in order (as py-videocore6's summation
 * leaves its per-lane totals to its host). {@link Reduce.boundsF32}, {@link Reduce.argminF32} and
 * {@link Reduce.argmaxF32} write a few words per QPU, which the host combines.
 */
export class Reduce {
  /**
   * out[globalId()] = this lane's share of x[0..n): its grid-stride elements added in index order, every addition
   * rounded to f32.
   */
  @kernel
  static sumF32(n: u32, x: Ptr<f32>, out: Ptr<f32>): void {
    let s: f32 = 0;
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) s += x[i];
    out[qpu.globalId()] = s;
  }

  /**
   * {@link Reduce.sumF32} with each lane's next element loaded before it adds the current one (the same additions in
   * the same order, so the same bits): while every lane of every batch has a next element (the first n / G passes, G
   * = the work items) the loop is uniform and its one lookup per pass is in flight during the addition before it,
   * and the rest is the grid-stride loop. For vc4, where an IEEE f32 addition is ~27 words and the loop-shaped
   * form's first lookup of every pass waited (192K: 0.866 → 0.906 of the memory limit with the second launch).
   */
  @kernel
  static sumF32Ahead(n: u32, x: Ptr<f32>, out: Ptr<f32>): void {
    const g = qpu.globalCount();
    const passes = n / g;
    let s: f32 = 0;
    let i = qpu.globalId();
    if (passes > 0) {
      let v = x[i];
      for (let p: u32 = 1; p < passes; p++) {
        const w = x[i + g];
        s += v;
        v = w;
        i += g;
      }
      s += v;
      i += g;
    }
    for (; i < n; i += g) s += x[i];
    out[qpu.globalId()] = s;
  }

  /** As {@link Reduce.sumF32} for 32-bit integers, wrapping modulo 2^32 (the same bits for i32 and u32). */
  @kernel
  static sumU32(n: u32, x: Ptr<u32>, out: Ptr<u32>): void {
    let s: u32 = 0;
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) s += x[i];
    out[qpu.globalId()] = s;
  }

  /** out[globalId()] = the smallest of this lane's elements by `Math.min` (NaN if any is NaN; −0 below +0). */
  @kernel
  static minF32(n: u32, x: Ptr<f32>, out: Ptr<f32>): void {
    let s: f32 = Infinity;
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) s = Math.min(s, x[i]);
    out[qpu.globalId()] = s;
  }

  /** out[globalId()] = the smallest of this lane's elements as i32. */
  @kernel
  static minI32(n: u32, x: Ptr<i32>, out: Ptr<i32>): void {
    let s: i32 = 2147483647;
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) s = Math.min(s, x[i]);
    out[qpu.globalId()] = s;
  }

  /** out[globalId()] = the smallest of this lane's elements as u32. */
  @kernel
  static minU32(n: u32, x: Ptr<u32>, out: Ptr<u32>): void {
    let s: u32 = 0xffffffff;
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) s = Math.min(s, x[i]);
    out[qpu.globalId()] = s;
  }

  /** out[globalId()] = the largest of this lane's elements by `Math.max` (NaN if any is NaN; +0 above −0). */
  @kernel
  static maxF32(n: u32, x: Ptr<f32>, out: Ptr<f32>): void {
    let s: f32 = -Infinity;
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) s = Math.max(s, x[i]);
    out[qpu.globalId()] = s;
  }

  /** out[globalId()] = the largest of this lane's elements as i32. */
  @kernel
  static maxI32(n: u32, x: Ptr<i32>, out: Ptr<i32>): void {
    let s: i32 = -2147483648;
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) s = Math.max(s, x[i]);
    out[qpu.globalId()] = s;
  }

  /** out[globalId()] = the largest of this lane's elements as u32. */
  @kernel
  static maxU32(n: u32, x: Ptr<u32>, out: Ptr<u32>): void {
    let s: u32 = 0;
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) s = Math.max(s, x[i]);
    out[qpu.globalId()] = s;
  }

  /**
   * The bounds of this QPU's elements as 32-bit patterns, from which the host finds an f32 `Math.min` or
   * `Math.max` exactly (see {@link minMaxF32}): out[3q] = the smallest pattern as u32 (the smallest non-negative
   * element, if any), out[3q + 1] = the largest as u32 (the most negative element, or a negative NaN), out[3q + 2]
   * = the largest as i32 (the largest non-negative element, or a positive NaN). Three integer ops per element, no
   * compare-and-select: unlike {@link Reduce.minF32} (whose NaN checks take five instructions per element) it
   * keeps up with the V3D memory path.
   */
  @kernel
  static boundsF32(n: u32, x: Ptr<u32>, out: Ptr<u32>): void {
    let lo: u32 = 0xffffffff;
    let hi: u32 = 0;
    let top: i32 = -2147483648;
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) {
      const v = x[i];
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      top = Math.max(top, i32(v));
    }
    const a = qpu.reduceMin(lo);
    const b = qpu.reduceMax(hi);
    const c = qpu.reduceMax(top);
    if (qpu.laneId() == 0) {
      out[3 * qpu.qpuId()] = a;
      out[3 * qpu.qpuId() + 1] = b;
      out[3 * qpu.qpuId() + 2] = u32(c);
    }
  }

  /**
   * The fast path of an f32 argmin, per QPU: vals[2q] = the smallest element by the f32 `<` (+Infinity if none is
   * below it), index[q] = the first i where it occurs (NONE if none), vals[2q + 1] = the f32 sum of the elements
   * (NaN when some element is NaN, or is an infinity of each sign). Exact except where the f32 `<` differs from
   * {@link argmin}'s ordering: NaNs (the sum is then NaN), −0 against +0 (only when the minimum is a zero) and
   * every element +Infinity (no index); the host then runs {@link Reduce.argKey} (see {@link argReduce}). One
   * compare, two selects and one add per element.
   */
  @kernel
  static argminF32(n: u32, x: Ptr<f32>, vals: Ptr<f32>, index: Ptr<u32>): void {
    let b: f32 = Infinity;
    let at: u32 = NONE;
    let check: f32 = 0;
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) {
      const v = x[i];
      const better = v < b;
      at = better ? i : at;
      b = better ? v : b;
      check = check + v;
    }
    const m = qpu.reduceMin(b);
    const first = qpu.reduceMin(b == m ? at : NONE);
    const c = qpu.reduceAdd(check);
    if (qpu.laneId() == 0) {
      vals[2 * qpu.qpuId()] = m;
      vals[2 * qpu.qpuId() + 1] = c;
      index[qpu.qpuId()] = first;
    }
  }

  /** {@link Reduce.argminF32} for the largest element (`>`, from −Infinity; the largest of the QPU in vals[2q]). */
  @kernel
  static argmaxF32(n: u32, x: Ptr<f32>, vals: Ptr<f32>, index: Ptr<u32>): void {
    let b: f32 = -Infinity;
    let at: u32 = NONE;
    let check: f32 = 0;
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) {
      const v = x[i];
      const better = v > b;
      at = better ? i : at;
      b = better ? v : b;
      check = check + v;
    }
    const m = qpu.reduceMax(b);
    const first = qpu.reduceMin(b == m ? at : NONE);
    const c = qpu.reduceAdd(check);
    if (qpu.laneId() == 0) {
      vals[2 * qpu.qpuId()] = m;
      vals[2 * qpu.qpuId() + 1] = c;
      index[qpu.qpuId()] = first;
    }
  }

  /**
   * The first index of the smallest key among x[0..n), per QPU: keys[qpuId()] and index[qpuId()].
   * x holds 32-bit words; the key of word v is `v ^ ((i32(v) >> 31) & a) ^ c`, then 0 when
   * `(v & nanMask) > 0x7f800000` (a NaN of an f32 array). With a = 0, c = 0 the key orders u32 words; c =
   * 0x80000000 orders i32; a = 0x7fffffff, c = 0x80000000 orders f32 bit patterns as numbers (-0 before +0).
   * c ^ 0xffffffff turns the smallest key into the largest value (argmax), keeping the first index on ties.
   */
  @kernel
  static argKey(n: u32, x: Ptr<u32>, a: u32, c: u32, nanMask: u32, keys: Ptr<u32>, index: Ptr<u32>): void {
    let best: u32 = NONE;
    let at: u32 = NONE;
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) {
      const v = x[i];
      const key = v ^ ((u32(i32(v) >> 31) & a) ^ c);
      const k = (v & nanMask) > 0x7f800000 ? 0 : key;
      // Selects, not branches: the loop stays one straight block that loop shaping can unroll. A lane meets its
      // elements in index order, so strictly smaller keeps the first; a lane whose keys are all NONE keeps
      // index NONE, which the host reads as "every key is NONE": index 0.
      const smaller = k < best;
      at = smaller ? i : at;
      best = smaller ? k : best;
    }
    const m = qpu.reduceMin(best);
    const first = qpu.reduceMin(best == m ? at : NONE);
    if (qpu.laneId() == 0) {
      keys[qpu.qpuId()] = m;
      index[qpu.qpuId()] = first;
    }
  }
}

// ---- Host functions -------------------------------------------------------------------------------------------

/** The arrays the reductions take: allocated with `rt.alloc` (or subarrays of such arrays). */
export type ReduceArray = Float32Array | Int32Array | Uint32Array;

/** Arguments of the reductions. */
export interface ReduceOptions {
  /** The data, from `rt.alloc`. */
  x: ReduceArray;
  /** Elements to reduce, x[0..n); default x.length. */
  n?: number;
}

/** A launch result with the reduction's value (several launches: their profiles summed). */
export interface ReduceResult extends LaunchResult {
  /** The sum, minimum or maximum, as a JavaScript number (f32 results are exactly the f32 value). */
  value: number;
}

/** A launch result with the position of the minimum or maximum. */
export interface ArgReduceResult extends ReduceResult {
  /** The first index i < n with x[i] equal to {@link ReduceResult.value} (by the ordering stated at argmin). */
  index: number;
}

/** Elements per lane below which fewer QPUs are used (a launch on every QPU costs more than it saves for tiny arrays). */
const MIN_PER_LANE = 64;

/** The QPUs (batches) of a first-stage launch over n elements: all of the device's, fewer for small n. */
export function reduceQpus(rt: Runtime, n: number): number {
  return Math.max(1, Math.min(rt.numQpus, Math.ceil(n / (16 * MIN_PER_LANE))));
}

/**
 * The error bound of {@link sum} on f32 data: |sum(x) − exact| ≤ γ_h · Σ|x_i| with γ_h = h·u / (1 − h·u),
 * u = 2^-24 and h = ⌈n / 16⌉ + 30 (the longest chain of roundings any element goes through: its lane's
 * ⌈n / (16 q)⌉ additions on q QPUs, then on the host 15 lane additions and at most 15 QPU additions). Returned for
 * Σ|x_i| = 1; multiply by it. Overflow to ±Infinity is not covered.
 */
export function sumErrorBound(n: number): number {
  const u = 2 ** -24;
  const h = Math.ceil(n / 16) + 30;
  return (h * u) / (1 - h * u);
}

function checkArgs(what: string, o: ReduceOptions, minN: number): { x: ReduceArray; n: number } {
  const x = checkWordArray(what, 'x', o?.x);
  const n = o.n ?? x.length;
  if (!Number.isInteger(n) || n < minN || n > x.length) {
    throw new RangeError(`${what}: n must be a whole number from ${minN} to x.length (${x.length}), got ${String(o.n)}`);
  }
  return { x, n };
}

/** The same memory as 32-bit unsigned words. */
function words(x: ReduceArray): Uint32Array {
  return x instanceof Uint32Array ? x : new Uint32Array(x.buffer, x.byteOffset, x.length);
}

/**
 * The sum of x[0..n).
 *
 * - u32 and i32: exact modulo 2^32 (wraps as the type does; the value is read back as u32 or i32).
 * - f32: lane g of the q QPUs used adds x[g], x[g + 16q], … in index order; the host adds each QPU's 16 lane sums
 *   in lane order, then the q QPU sums in QPU order (each addition rounded to f32, so the result depends on q,
 *   which {@link reduceQpus} picks from n and the device). Accuracy: |result − exact| ≤ {@link sumErrorBound}(n) · Σ|x_i|.
 *   A NaN element, or +Inf and −Inf, give NaN.
 *
 * n = 0 gives 0. Throws TypeError for an x that is not a Float32Array, Int32Array or Uint32Array, RangeError
 * for an n outside 0..x.length.
 */
export async function sum(rt: Runtime, options: ReduceOptions): Promise<ReduceResult> {
  const { x, n } = checkArgs('sum', options, 0);
  // i32 sums are u32 sums of the same bits.
  // vc4: the lookups one element ahead (the same bits; V3D's loop-shaped form is faster there).
  if (x instanceof Float32Array && rt.target === 'vc4') return sumAhead(rt, x, n);
  if (x instanceof Float32Array) return twoStage(rt, Reduce.sumF32, x, n, addF32);
  return twoStage(rt, Reduce.sumU32, words(x), n, addU32, x instanceof Int32Array);
}

/**
 * The smallest element of x[0..n) (n ≥ 1): u32 and i32 as numbers of their type; f32 by `Math.min`, so NaN if
 * any element is NaN, and −0 when the smallest is a zero and some zero is −0. {@link argmin} also gives its position.
 */
export async function min(rt: Runtime, options: ReduceOptions): Promise<ReduceResult> {
  const { x, n } = checkArgs('min', options, 1);
  if (x instanceof Float32Array) return fastF32(rt) ? minMaxF32(rt, x, n, false) : twoStage(rt, Reduce.minF32, x, n, Math.min);
  return x instanceof Int32Array ? twoStage(rt, Reduce.minI32, x, n, Math.min) : twoStage(rt, Reduce.minU32, x, n, Math.min);
}

/** The largest element of x[0..n) (n ≥ 1): as {@link min} with `Math.max` (NaN if any element is NaN; +0 above −0). */
export async function max(rt: Runtime, options: ReduceOptions): Promise<ReduceResult> {
  const { x, n } = checkArgs('max', options, 1);
  if (x instanceof Float32Array) return fastF32(rt) ? minMaxF32(rt, x, n, true) : twoStage(rt, Reduce.maxF32, x, n, Math.max);
  return x instanceof Int32Array ? twoStage(rt, Reduce.maxI32, x, n, Math.max) : twoStage(rt, Reduce.maxU32, x, n, Math.max);
}

/**
 * Whether f32 min, max, argmin and argmax take their V3D kernels ({@link Reduce.boundsF32}, {@link Reduce.argminF32}, {@link Reduce.argmaxF32}).
 * Not on vc4, which has no unsigned min/max instruction (each is emulated) and where the compare-and-select kernels
 * are faster in its model (min f32 0.73 against 0.66 of the memory limit, argmin 0.59 against 0.41).
 */
function fastF32(rt: Runtime): boolean {
  return rt.target !== 'vc4';
}

/** The f32 value of a 32-bit pattern. */
function f32Bits(bits: number): number {
  return new Float32Array(new Uint32Array([bits]).buffer)[0] as number;
}

/**
 * f32 `Math.min` (or `Math.max`, `largest`) of x[0..n) from {@link Reduce.boundsF32}'s patterns, combined on the
 * host over the QPUs' partials (3 words per QPU). As u32 the patterns order +0 < … < +Inf < +NaN < −0 < … < −Inf <
 * −NaN, as i32 every non-negative pattern is above every negative one, so: a NaN is there when the largest i32
 * pattern is above +Inf's (a positive NaN) or the largest u32 one above −Inf's (a negative NaN); otherwise the
 * minimum is the largest u32 pattern when it has the sign bit (the most negative element, −0 when only zeros are
 * negative), else the smallest u32 pattern; the maximum is the largest i32 pattern when it is non-negative, else
 * the smallest u32 pattern (every element negative: the one nearest zero). One launch.
 */
async function minMaxF32(rt: Runtime, x: Float32Array, n: number, largest: boolean): Promise<ReduceResult> {
  const q = reduceQpus(rt, n);
  const out = rt.alloc(Uint32Array, 3 * q);
  try {
    const r = await rt.launch(Reduce.boundsF32, { qpus: q }, n, words(x), out);
    let lo = 0xffffffff, hi = 0, top = -0x80000000;
    for (let k = 0; k < q; k++) {
      lo = Math.min(lo, out[3 * k] as number);
      hi = Math.max(hi, out[3 * k + 1] as number);
      top = Math.max(top, (out[3 * k + 2] as number) | 0);
    }
    let value: number;
    if (top > 0x7f800000 || hi > 0xff800000) value = NaN;
    else if (largest) value = f32Bits(top >= 0 ? top : lo);
    else value = f32Bits(hi >= 0x80000000 ? hi : lo);
    return { ...r, value };
  } finally {
    rt.free(out);
  }
}

/** {@link twoStage} with {@link Reduce.sumF32Ahead} (vc4's f32 sum). */
async function sumAhead(rt: Runtime, x: Float32Array, n: number): Promise<ReduceResult> {
  return twoStage(rt, Reduce.sumF32Ahead, x, n, addF32);
}

/**
 * Runs a per-lane reduction kernel on q of the device's QPUs and folds their 16 q partials on the host with `fold`,
 * each QPU's lanes in lane order, then the QPUs in order: the job py-videocore6's summation leaves to its host as
 * well. A second launch on one QPU over per-QPU partials cost 1.2 µs on vc6 in the timing model (1.6 % of a
 * 128K-element sum, and more on a board), and each QPU's cross-lane reduction about 20 instructions on 4.2. The
 * value as `signed` i32 when asked.
 */
async function twoStage(rt: Runtime, k: unknown, x: ReduceArray, n: number, fold: (acc: number, v: number) => number, signed = false): Promise<ReduceResult> {
  const q = reduceQpus(rt, n);
  const ctor = x.constructor as Float32ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor;
  const partial = rt.alloc(ctor, 16 * q);
  try {
    const r = await rt.launch(k, { qpus: q }, n, x, partial);
    // Each QPU's 16 lanes in lane order, then the QPUs in order.
    let v = 0;
    for (let b = 0; b < q; b++) {
      let w = partial[16 * b] as number;
      for (let l = 1; l < 16; l++) w = fold(w, partial[16 * b + l] as number);
      v = b === 0 ? w : fold(v, w);
    }
    return { ...r, value: signed ? v | 0 : v };
  } finally {
    rt.free(partial);
  }
}

/** The host's fold of per-QPU integer sums: u32, wrapping (an i32 sum is the same bits). */
const addU32 = (a: number, b: number): number => (a + b) >>> 0;
/** The host's fold of per-QPU f32 sums: each addition rounded to f32, as on the QPUs. */
const addF32 = (a: number, b: number): number => Math.fround(a + b);

/** argKey's a, c and nanMask for an element type, smallest or largest first (see {@link Reduce.argKey}). */
function keyOf(x: ReduceArray, largest: boolean): [number, number, number] {
  const inv = largest ? 0xffffffff : 0;
  if (x instanceof Float32Array) return [0x7fffffff, (0x80000000 ^ inv) >>> 0, 0x7fffffff];
  if (x instanceof Int32Array) return [0, (0x80000000 ^ inv) >>> 0, 0];
  return [0, inv, 0];
}

/**
 * The f32 fast path of {@link argReduce} ({@link Reduce.argminF32} or {@link Reduce.argmaxF32}, per-QPU partials combined on the host): the index,
 * or undefined when the f32 compare cannot decide (a NaN or an infinity of each sign in a sum, the extreme a zero,
 * or every element +Infinity for argmin / −Infinity for argmax), and the launch result.
 */
async function argF32(rt: Runtime, x: Float32Array, n: number, largest: boolean): Promise<{ at: number | undefined; result: LaunchResult }> {
  const q = reduceQpus(rt, n);
  const vals = rt.alloc(Float32Array, 2 * q);
  const index = rt.alloc(Uint32Array, q);
  try {
    const result = await rt.launch(largest ? Reduce.argmaxF32 : Reduce.argminF32, { qpus: q }, n, x, vals, index);
    const sign = largest ? -1 : 1;
    let best = Infinity, at = NONE, nan = false;
    for (let k = 0; k < q; k++) {
      const m = sign * (vals[2 * k] as number), i = index[k] as number;
      if (Number.isNaN(vals[2 * k + 1] as number)) nan = true;
      if (m < best || (m === best && i < at)) (best = m), (at = i);
    }
    return { at: nan || best === 0 || at === NONE ? undefined : at, result };
  } finally {
    rt.free(vals);
    rt.free(index);
  }
}

async function argReduce(rt: Runtime, what: string, options: ReduceOptions, largest: boolean): Promise<ArgReduceResult> {
  const { x, n } = checkArgs(what, options, 1);
  let fast: LaunchResult | undefined;
  if (x instanceof Float32Array && fastF32(rt)) {
    const { at, result } = await argF32(rt, x, n, largest);
    if (at !== undefined) {
      if (!(at < n)) throw new Error(`${what}: internal error: the kernel returned index ${at} for ${n} elements`);
      return { ...result, index: at, value: x[at] as number };
    }
    fast = result;
  }
  const q = reduceQpus(rt, n);
  const keys = rt.alloc(Uint32Array, q);
  const index = rt.alloc(Uint32Array, q);
  try {
    const [a, c, nanMask] = keyOf(x, largest);
    const r1 = await rt.launch(Reduce.argKey, { qpus: q }, n, words(x), a, c, nanMask, keys, index);
    // The QPUs' (key, index) pairs on the host: the smallest key, then the smallest index.
    let best = NONE;
    let first = NONE;
    for (let k = 0; k < q; k++) {
      const key = keys[k] as number;
      const i = index[k] as number;
      if (key < best || (key === best && i < first)) (best = key), (first = i);
    }
    // NONE: no key was below NONE, so all n keys are NONE and the first index is 0.
    const at = first === NONE ? 0 : first;
    if (!(at < n)) throw new Error(`${what}: internal error: the kernels returned index ${at} for ${n} elements`);
    return { ...combineResults(fast ? [fast, r1] : [r1]), index: at, value: x[at] as number };
  } finally {
    for (const a of [keys, index]) rt.free(a);
  }
}

/**
 * The first index of the smallest element of x[0..n), and that element.
 *
 * Ordering: u32 and i32 as numbers of their type. f32 as numbers with −0 before +0 (so [0, −0] gives index 1);
 * a NaN is smaller than everything (as `Math.min` propagates it): if x holds NaNs the result is the first NaN's
 * index, its value NaN. Ties give the first index. n must be at least 1 (RangeError otherwise).
 */
export async function argmin(rt: Runtime, options: ReduceOptions): Promise<ArgReduceResult> {
  return argReduce(rt, 'argmin', options, false);
}

/** The first index of the largest element of x[0..n), and that element: {@link argmin}'s ordering reversed (+0 above −0; a NaN above everything, so the first NaN wins). */
export async function argmax(rt: Runtime, options: ReduceOptions): Promise<ArgReduceResult> {
  return argReduce(rt, 'argmax', options, true);
}
