/**
 * Fast Fourier transforms of complex f32 data on the QPUs: `fft(rt, { n, batch, re, im, inverse })`, the job
 * hello_fft does on VideoCore IV, in qpuc's kernel language.
 *
 * Layout: split arrays. Transform b of a batch is `re[b n … b n + n − 1]` (real parts) and the same range of `im`
 * (imaginary parts): one array per component keeps the 16 lanes of every access on consecutive words, which
 * VideoCore IV's DMA stores need (an interleaved store would be 16 one-word DMAs there).
 *
 * Algorithm: Stockham autosort, decimation in time: radix-4 passes (one radix-2 pass first when log2 n is odd), one
 * launch per pass over every butterfly of the batch. A pass reads element q + S(4k + j) and writes k S + q + t n/4,
 * so its stores are lane-contiguous. From n = 64 on the passes run in 16-lane blocks (`radix4Blocks`): a block's
 * output address is uniform + laneId (one DMA per store on vc4 instead of 16), and in the "wide" passes (S ≥ 16)
 * the block's 16 butterflies share their three twiddles, read by one 6-lane lookup and broadcast. On vc4, from
 * n = 128 on, the radix-4 passes take two blocks at a time (`radix4Rows`) so that each of their stores is a two-row
 * DMA. The first pass needs no twiddles and may run in place, which makes the pass count even so that the result
 * lands back in `re`/`im`.
 *
 * Measured and not taken (docs/kernels.md): radix-8 passes (spills on V3D: slower per stage than radix-4), and a
 * workgroup-shared-memory FFT doing all stages of a ≤ 1024-point transform in one launch (each shared-memory
 * lookup pays the TMU latency in the timing model: about 7× slower).
 *
 * Twiddles: computed on the host in f64, e^(−2πi m / n) for m < 3n/4, and rounded once to f32; one table per size,
 * kept in GPU memory for the runtime's lifetime (split and interleaved copies: 12 n bytes).
 */
import { device, kernel, qpu, type f32, type u32, type Ptr } from 'qpuc';
import type { LaunchResult, Runtime, Target } from 'qpuc/runtime';
import { combineResults, overlaps } from './launch.js';

/** Smallest and largest transform sizes {@link fft} accepts (powers of two). */
export const FFT_MIN_SIZE = 16;
export const FFT_MAX_SIZE = 1 << 20;

/**
 * The FFT passes (launched by {@link fft}). In both, work item g of `items` handles transform b = g >> logQ and the
 * butterfly `local = g & (2^logQ − 1)` = k · 2^logS + q of it: inputs x[q + S(r k + j)] for j < r times the
 * twiddle w^(j k S) of the table (S = 2^logS), outputs y[local + t 2^logQ] for t < r, times `scale`.
 */
export class Fft {
  /**
   * The radix-4 butterfly after its twiddle products: a = x[0], b, c, d = the twiddled x[1], x[2], x[3] (real and
   * imaginary parts); stores y[o + t · quarter] for t < 4, times `scale`, with o = o0 + o1 + o2. The index comes in
   * three parts, added here after the sums, because that keeps each caller's machine code what it was when the
   * code was written out in each kernel (one precomputed index changed it: radix4 on vc4, radix4Blocks on V3D).
   */
  @device
  static radix4Out(yr: Ptr<f32>, yi: Ptr<f32>, o0: u32, o1: u32, o2: u32, quarter: u32, scale: f32, ar: f32, ai: f32, br: f32, bi: f32, cr: f32, ci: f32, dr: f32, di: f32): void {
    const t0r = ar + cr;
    const t0i = ai + ci;
    const t1r = ar - cr;
    const t1i = ai - ci;
    const t2r = br + dr;
    const t2i = bi + di;
    const t3r = br - dr;
    const t3i = bi - di;
    const o = o0 + o1 + o2;
    yr[o] = (t0r + t2r) * scale;
    yi[o] = (t0i + t2i) * scale;
    yr[o + quarter] = (t1r + t3i) * scale;
    yi[o + quarter] = (t1i - t3r) * scale;
    yr[o + 2 * quarter] = (t0r - t2r) * scale;
    yi[o + 2 * quarter] = (t0i - t2i) * scale;
    yr[o + 3 * quarter] = (t1r - t3i) * scale;
    yi[o + 3 * quarter] = (t1i + t3r) * scale;
  }

  /** One radix-4 pass (r = 4, n = 4 · 2^logQ). */
  @kernel({ fastMath: true })
  static radix4(items: u32, logQ: u32, logS: u32, xr: Ptr<f32>, xi: Ptr<f32>, yr: Ptr<f32>, yi: Ptr<f32>, twr: Ptr<f32>, twi: Ptr<f32>, scale: f32): void {
    const quarter: u32 = 1 << logQ;
    const s: u32 = 1 << logS;
    for (let g = qpu.globalId(); g < items; g += qpu.globalCount()) {
      const local = g & (quarter - 1);
      const base = (g >> logQ) << (logQ + 2);
      const k = local >> logS;
      const i0 = base + (local & (s - 1)) + (k << (logS + 2));
      const t1 = k << logS;
      const ar = xr[i0];
      const ai = xi[i0];
      const br0 = xr[i0 + s];
      const bi0 = xi[i0 + s];
      const cr0 = xr[i0 + 2 * s];
      const ci0 = xi[i0 + 2 * s];
      const dr0 = xr[i0 + 3 * s];
      const di0 = xi[i0 + 3 * s];
      const w1r = twr[t1];
      const w1i = twi[t1];
      const w2r = twr[2 * t1];
      const w2i = twi[2 * t1];
      const w3r = twr[3 * t1];
      const w3i = twi[3 * t1];
      const br = br0 * w1r - bi0 * w1i;
      const bi = br0 * w1i + bi0 * w1r;
      const cr = cr0 * w2r - ci0 * w2i;
      const ci = cr0 * w2i + ci0 * w2r;
      const dr = dr0 * w3r - di0 * w3i;
      const di = dr0 * w3i + di0 * w3r;
      Fft.radix4Out(yr, yi, base, local, 0, quarter, scale, ar, ai, br, bi, cr, ci, dr, di);
    }
  }

  /**
   * One radix-4 pass where whole 16-lane blocks share a butterfly column: n/4 ≥ 16. Block `blk` (uniform) holds
   * items 16 blk … 16 blk + 15, lane l item 16 blk + l; with S ≥ 16 (`wide`) its lanes share k, so the twiddles are
   * uniform loads; every store is lane-contiguous (uniform + laneId).
   */
  @kernel({ fastMath: true })
  static radix4Blocks(blocks: u32, logQ: u32, logS: u32, xr: Ptr<f32>, xi: Ptr<f32>, yr: Ptr<f32>, yi: Ptr<f32>, twr: Ptr<f32>, twi: Ptr<f32>, tw2: Ptr<f32>, scale: f32): void {
    const quarter: u32 = 1 << logQ;
    const s: u32 = 1 << logS;
    const lane = qpu.laneId();
    const wide = logS >= 4;
    for (let blk = qpu.qpuId(); blk < blocks; blk += qpu.numQpus()) {
      const g0 = blk << 4;
      const local0 = g0 & (quarter - 1);
      const base = (g0 >> logQ) << (logQ + 2);
      let i0: u32 = 0;
      let t1: u32 = 0;
      let w1r: f32 = 0;
      let w1i: f32 = 0;
      let w2r: f32 = 0;
      let w2i: f32 = 0;
      let w3r: f32 = 0;
      let w3i: f32 = 0;
      if (wide) {
        const k = local0 >> logS;
        const tu = k << logS;
        i0 = base + (local0 & (s - 1)) + (k << (logS + 2)) + lane;
        // The block's three twiddles in one lookup of six lanes (tw2 interleaves re, im), then broadcast.
        let w: f32 = 0;
        if (lane < 6) w = tw2[2 * tu * ((lane >> 1) + 1) + (lane & 1)];
        w1r = qpu.broadcast(w, 0);
        w1i = qpu.broadcast(w, 1);
        w2r = qpu.broadcast(w, 2);
        w2i = qpu.broadcast(w, 3);
        w3r = qpu.broadcast(w, 4);
        w3i = qpu.broadcast(w, 5);
      } else {
        const local = local0 + lane;
        const k = local >> logS;
        t1 = k << logS;
        i0 = base + (local & (s - 1)) + (k << (logS + 2));
        w1r = twr[t1];
        w1i = twi[t1];
        w2r = twr[2 * t1];
        w2i = twi[2 * t1];
        w3r = twr[3 * t1];
        w3i = twi[3 * t1];
      }
      const ar = xr[i0];
      const ai = xi[i0];
      const br0 = xr[i0 + s];
      const bi0 = xi[i0 + s];
      const cr0 = xr[i0 + 2 * s];
      const ci0 = xi[i0 + 2 * s];
      const dr0 = xr[i0 + 3 * s];
      const di0 = xi[i0 + 3 * s];
      const br = br0 * w1r - bi0 * w1i;
      const bi = br0 * w1i + bi0 * w1r;
      const cr = cr0 * w2r - ci0 * w2i;
      const ci = cr0 * w2i + ci0 * w2r;
      const dr = dr0 * w3r - di0 * w3i;
      const di = dr0 * w3i + di0 * w3r;
      Fft.radix4Out(yr, yi, base, local0, lane, quarter, scale, ar, ai, br, bi, cr, ci, dr, di);
    }
  }

  /**
   * vc4 (n/4 ≥ 32): {@link Fft.radix4Blocks} over two consecutive 16-lane blocks at a time, twiddles by per-lane
   * lookups. An array's two rows of one output quarter are then 64 bytes apart, consecutive stores with only
   * arithmetic between them, which the vc4 backend writes as one DMA of two rows (a store run): 4 DMAs per 16
   * butterflies instead of 8 on the one DMA engine all QPUs share (18–20 % faster in the model at 2^8 × 64 and
   * 2^12 × 4). Four blocks at a
   * time (one four-row DMA per array and quarter) and the wide passes' broadcast twiddles both spill here and were
   * slower.
   */
  @kernel({ fastMath: true })
  static radix4Rows(groups: u32, logQ: u32, logS: u32, xr: Ptr<f32>, xi: Ptr<f32>, yr: Ptr<f32>, yi: Ptr<f32>, twr: Ptr<f32>, twi: Ptr<f32>, scale: f32): void {
    const quarter: u32 = 1 << logQ;
    const s: u32 = 1 << logS;
    const lane = qpu.laneId();
    for (let gr = qpu.qpuId(); gr < groups; gr += qpu.numQpus()) {
      const g0 = gr << 5;
      const base = (g0 >> logQ) << (logQ + 2);
      const l = (g0 & (quarter - 1)) + lane;
      const l0 = l;
      const k0 = l0 >> logS;
      const i0 = base + (l0 & (s - 1)) + (k0 << (logS + 2));
      const u0 = k0 << logS;
      const ar0 = xr[i0];
      const ai0 = xi[i0];
      const br00 = xr[i0 + s];
      const bi00 = xi[i0 + s];
      const cr00 = xr[i0 + 2 * s];
      const ci00 = xi[i0 + 2 * s];
      const dr00 = xr[i0 + 3 * s];
      const di00 = xi[i0 + 3 * s];
      const w1r0 = twr[u0];
      const w1i0 = twi[u0];
      const w2r0 = twr[2 * u0];
      const w2i0 = twi[2 * u0];
      const w3r0 = twr[3 * u0];
      const w3i0 = twi[3 * u0];
      const br0 = br00 * w1r0 - bi00 * w1i0;
      const bi0 = br00 * w1i0 + bi00 * w1r0;
      const cr0 = cr00 * w2r0 - ci00 * w2i0;
      const ci0 = cr00 * w2i0 + ci00 * w2r0;
      const dr0 = dr00 * w3r0 - di00 * w3i0;
      const di0 = dr00 * w3i0 + di00 * w3r0;
      const p0r0 = ar0 + cr0;
      const p0i0 = ai0 + ci0;
      const p1r0 = ar0 - cr0;
      const p1i0 = ai0 - ci0;
      const p2r0 = br0 + dr0;
      const p2i0 = bi0 + di0;
      const p3r0 = br0 - dr0;
      const p3i0 = bi0 - di0;
      const l1 = l + 16;
      const k1 = l1 >> logS;
      const i1 = base + (l1 & (s - 1)) + (k1 << (logS + 2));
      const u1 = k1 << logS;
      const ar1 = xr[i1];
      const ai1 = xi[i1];
      const br10 = xr[i1 + s];
      const bi10 = xi[i1 + s];
      const cr10 = xr[i1 + 2 * s];
      const ci10 = xi[i1 + 2 * s];
      const dr10 = xr[i1 + 3 * s];
      const di10 = xi[i1 + 3 * s];
      const w1r1 = twr[u1];
      const w1i1 = twi[u1];
      const w2r1 = twr[2 * u1];
      const w2i1 = twi[2 * u1];
      const w3r1 = twr[3 * u1];
      const w3i1 = twi[3 * u1];
      const br1 = br10 * w1r1 - bi10 * w1i1;
      const bi1 = br10 * w1i1 + bi10 * w1r1;
      const cr1 = cr10 * w2r1 - ci10 * w2i1;
      const ci1 = cr10 * w2i1 + ci10 * w2r1;
      const dr1 = dr10 * w3r1 - di10 * w3i1;
      const di1 = dr10 * w3i1 + di10 * w3r1;
      const p0r1 = ar1 + cr1;
      const p0i1 = ai1 + ci1;
      const p1r1 = ar1 - cr1;
      const p1i1 = ai1 - ci1;
      const p2r1 = br1 + dr1;
      const p2i1 = bi1 + di1;
      const p3r1 = br1 - dr1;
      const p3i1 = bi1 - di1;
      const o0 = base + l;
      const o1 = o0 + quarter;
      const o2 = o1 + quarter;
      const o3 = o2 + quarter;
      yr[o0] = (p0r0 + p2r0) * scale;
      yr[o0 + 16] = (p0r1 + p2r1) * scale;
      yi[o0] = (p0i0 + p2i0) * scale;
      yi[o0 + 16] = (p0i1 + p2i1) * scale;
      yr[o1] = (p1r0 + p3i0) * scale;
      yr[o1 + 16] = (p1r1 + p3i1) * scale;
      yi[o1] = (p1i0 - p3r0) * scale;
      yi[o1 + 16] = (p1i1 - p3r1) * scale;
      yr[o2] = (p0r0 - p2r0) * scale;
      yr[o2 + 16] = (p0r1 - p2r1) * scale;
      yi[o2] = (p0i0 - p2i0) * scale;
      yi[o2 + 16] = (p0i1 - p2i1) * scale;
      yr[o3] = (p1r0 - p3i0) * scale;
      yr[o3 + 16] = (p1r1 - p3i1) * scale;
      yi[o3] = (p1i0 + p3r0) * scale;
      yi[o3 + 16] = (p1i1 + p3r1) * scale;
    }
  }

  /**
   * The first pass when log2 n is odd: radix 2 over sub-transforms of length 1, so no twiddles, in 16-lane blocks
   * (n/2 ≥ 16): y[o] = x[o] + x[o + n/2], y[o + n/2] = x[o] − x[o + n/2] for o < n/2 of each transform, times
   * `scale`. Each butterfly reads and writes the same two elements, so it may run in place.
   */
  @kernel({ fastMath: true })
  static radix2First(blocks: u32, logH: u32, xr: Ptr<f32>, xi: Ptr<f32>, yr: Ptr<f32>, yi: Ptr<f32>, scale: f32): void {
    const half: u32 = 1 << logH;
    const lane = qpu.laneId();
    for (let blk = qpu.qpuId(); blk < blocks; blk += qpu.numQpus()) {
      const g0 = blk << 4;
      const o = ((g0 >> logH) << (logH + 1)) + (g0 & (half - 1)) + lane;
      const ar = xr[o];
      const ai = xi[o];
      const br = xr[o + half];
      const bi = xi[o + half];
      yr[o] = (ar + br) * scale;
      yi[o] = (ai + bi) * scale;
      yr[o + half] = (ar - br) * scale;
      yi[o + half] = (ai - bi) * scale;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Host side

/** Options of {@link fft}. */
export interface FftOptions {
  /** Points per transform: a power of two from {@link FFT_MIN_SIZE} (16) to {@link FFT_MAX_SIZE} (2^20). */
  n: number;
  /** Transforms, stored one after another (default 1); batch × n at most 2^24. */
  batch?: number;
  /** Real parts, batch × n f32 from rt.alloc; overwritten with the result. */
  re: Float32Array;
  /** Imaginary parts, batch × n f32 from rt.alloc (not overlapping re); overwritten with the result. */
  im: Float32Array;
  /** Inverse transform (default false: forward). */
  inverse?: boolean;
}

/**
 * The relative RMS error bound {@link fft} guarantees for an n-point transform on `target` (see there):
 * 0.25 × 2^-23 × log2 n with IEEE arithmetic (vc6, vc7, reference), 0.6 × 2^-23 × log2 n on vc4.
 */
export function fftErrorBound(target: Target, n: number): number {
  return (target === 'vc4' ? 0.6 : 0.25) * 2 ** -23 * Math.log2(n);
}

/** Twiddle tables by runtime and size. */
const twiddleTables = new WeakMap<Runtime, Map<number, Twiddles>>();

/** A size's twiddles, split (re, im) and interleaved (both: re at 2m, im at 2m + 1, for the one-lookup loads of wide passes). */
interface Twiddles {
  re: Float32Array;
  im: Float32Array;
  both: Float32Array;
}

/** The twiddle table of size n: e^(−2πi m / n) for m < 3n/4, in f64 rounded once to f32. */
function twiddles(rt: Runtime, n: number): Twiddles {
  let byRt = twiddleTables.get(rt);
  if (!byRt) twiddleTables.set(rt, (byRt = new Map()));
  let t = byRt.get(n);
  if (!t) {
    const m = (3 * n) / 4;
    t = { re: rt.alloc(Float32Array, m), im: rt.alloc(Float32Array, m), both: rt.alloc(Float32Array, 2 * m) };
    for (let i = 0; i < m; i++) {
      t.re[i] = Math.cos((2 * Math.PI * i) / n);
      t.im[i] = -Math.sin((2 * Math.PI * i) / n);
      t.both[2 * i] = t.re[i] as number;
      t.both[2 * i + 1] = t.im[i] as number;
    }
    byRt.set(n, t);
  }
  return t;
}

/** Batches for a grid-stride pass over `items` butterflies: one per QPU (more measured slower: bench/kernels/fft.ts, 2^16 on vc6 1.97 ms with 8 batches, 2.57 ms with 24). */
function passBatches(rt: Runtime, items: number): number {
  return Math.max(1, Math.min(Math.ceil(items / 16), rt.numQpus));
}

function describe(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean' || v === undefined || v === null) return String(v);
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  return typeof v;
}


/**
 * In-place complex FFT of `batch` transforms of `n` points (split re/im arrays, transform b at offset b·n):
 * forward X[k] = Σ x[j] e^(−2πi jk/n), unnormalised; inverse x[j] = (1/n) Σ X[k] e^(+2πi jk/n) (the numpy/FFTW
 * convention with the 1/n on the inverse). The inverse is the forward transform with re and im exchanged (and 1/n
 * applied in the last pass), so both have the same accuracy.
 *
 * Accuracy (f32 data, twiddles rounded once from f64): the relative RMS error against an exact DFT,
 * ‖X − X_exact‖₂ / ‖X_exact‖₂, is at most {@link fftErrorBound}(target, n): 0.25 ulp × log2 n on vc6, vc7 and the
 * reference backend (IEEE arithmetic; measured up to 0.14 ulp × log2 n for random data) and 0.6 ulp × log2 n on
 * vc4 (its ALU rounds toward zero under fastMath; measured up to 0.34, 2^20 included), ulp = 2^-23. A twiddle with a wrong
 * index or sign makes the error O(1/√n) or more, far above it.
 *
 * Runs log2 n passes minus the radix-4 ones' savings (⌈log2 n / 2⌉ launches), with a temporary of 2 · batch · n
 * f32 allocated and freed per call, and a 3n/4-entry twiddle table per size (split and interleaved copies, 12 n bytes) kept for the runtime's lifetime.
 * Returns one result whose profile sums the passes. Throws RangeError/TypeError naming the argument for a size
 * that is not a power of two in range, short or overlapping arrays, or options of the wrong type.
 */
export async function fft(rt: Runtime, options: FftOptions): Promise<LaunchResult> {
  const fn = 'fft';
  if (typeof options !== 'object' || options === null) throw new TypeError(`${fn}: the second argument must be an options object, got ${describe(options)}`);
  const { n, re, im } = options;
  const batch = options.batch ?? 1;
  const inverse = options.inverse ?? false;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < FFT_MIN_SIZE || n > FFT_MAX_SIZE || (n & (n - 1)) !== 0) {
    throw new RangeError(`${fn}: n must be a power of two from ${FFT_MIN_SIZE} to ${FFT_MAX_SIZE} (2^20), got ${describe(n)}`);
  }
  if (typeof batch !== 'number' || !Number.isInteger(batch) || batch < 1 || batch * n > 1 << 24) {
    throw new RangeError(`${fn}: batch must be a whole number from 1 to ${(1 << 24) / n} (batch × n at most 2^24), got ${describe(batch)}`);
  }
  if (typeof inverse !== 'boolean') throw new TypeError(`${fn}: inverse must be true or false, got ${describe(inverse)}`);
  for (const [name, a] of [['re', re], ['im', im]] as const) {
    if (!(a instanceof Float32Array)) throw new TypeError(`${fn}: ${name} must be a Float32Array from rt.alloc, got ${describe(a)}`);
    if (a.length < batch * n) throw new RangeError(`${fn}: ${name} holds ${a.length} elements, but ${batch} transform(s) of ${n} need ${batch * n}`);
  }
  if (overlaps(re, im, 4 * batch * n, 4 * batch * n)) {
    throw new RangeError(`${fn}: re and im must not overlap`);
  }
  const total = batch * n;
  const tw = twiddles(rt, n);
  const logN = Math.log2(n);
  // Radices of the passes: radix-4 throughout, one radix-2 first when log2 n is odd.
  const radices: number[] = logN % 2 === 1 ? [2, ...new Array<number>((logN - 1) / 2).fill(4)] : new Array<number>(logN / 2).fill(4);
  // The inverse is the forward transform of the swapped components.
  const data = { r: inverse ? im.subarray(0, total) : re.subarray(0, total), i: inverse ? re.subarray(0, total) : im.subarray(0, total) };
  const tmpR = rt.alloc(Float32Array, total);
  const tmpI = rt.alloc(Float32Array, total);
  const tmp = { r: tmpR, i: tmpI };
  const results: LaunchResult[] = [];
  try {
    // An odd pass count: the first pass (no twiddles: each butterfly reads and writes the same elements) runs in place.
    let from = data;
    let to = radices.length % 2 === 1 ? data : tmp;
    let len = 1; // length of the sub-transforms the previous pass produced
    for (let p = 0; p < radices.length; p++) {
      const r = radices[p] as number;
      const items = total / r;
      const logQ = logN - Math.log2(r);
      const logS = logN - Math.log2(r * len);
      const scale = inverse && p === radices.length - 1 ? 1 / n : 1;
      const qpus = passBatches(rt, items);
      if (r === 2) {
        results.push(await rt.launch(Fft.radix2First, { qpus }, items / 16, logQ, from.r, from.i, to.r, to.i, scale));
      } else if (rt.target === 'vc4' && logQ >= 5) {
        // Two 16-lane blocks per work unit: as many QPUs as there are pairs of blocks.
        results.push(await rt.launch(Fft.radix4Rows, { qpus: passBatches(rt, items / 2) }, items / 32, logQ, logS, from.r, from.i, to.r, to.i, tw.re, tw.im, scale));
      } else if (logQ >= 4) {
        results.push(await rt.launch(Fft.radix4Blocks, { qpus }, items / 16, logQ, logS, from.r, from.i, to.r, to.i, tw.re, tw.im, tw.both, scale));
      } else {
        results.push(await rt.launch(Fft.radix4, { qpus }, items, logQ, logS, from.r, from.i, to.r, to.i, tw.re, tw.im, scale));
      }
      len *= r;
      if (to === data && from === data) {
        to = tmp;
      } else {
        [from, to] = [to, from];
      }
    }
  } finally {
    rt.free(tmpR);
    rt.free(tmpI);
  }
  return combineResults(results);
}
