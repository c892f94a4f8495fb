/**
 * Sorting f32, i32 and u32 keys ascending, alone or with u32 values that travel with them: a bitonic sorting
 * network in one launch, its steps separated by `qpu.barrier()`.
 *
 * The network sorts P = the next power of two ≥ n positions, the positions from n on taken as +∞ keys that
 * are never read: every compare–exchange puts the smaller key at the lower position (the first step of each
 * merge compares position i with its mirror in the block, the later ones i with i + j), so a pair with its
 * upper position at or past n is left alone. log2(P)·(log2(P)+1)/2 steps of P/2 compare–exchanges.
 *
 * Keys are compared as u32 words after a transform that orders the type as numbers: i32 with the sign bit
 * flipped; f32 with the sign bit flipped for non-negative values and every bit flipped for negative ones, which
 * orders −∞ < … < −0 < +0 < … < +∞ and puts NaNs with the sign bit clear (JavaScript's NaN, every NaN that
 * arithmetic produces) after +∞ and those with it set before −∞ (IEEE 754 totalOrder).
 */
import { kernel, qpu, i32, u32, type Ptr } from 'qpuc';
import type { LaunchResult, Runtime } from 'qpuc/runtime';
import { checkWordArray, combineResults, isWordArray, overlaps, typeName } from './launch.js';

/** Sorting kernels. */
export class Sort {
  /**
   * Bitonic sort of keys[0..n) (32-bit words, compared by `v ^ ((i32(v) >> 31) & a) ^ c`: a = c = 0 for u32, c =
   * 0x80000000 for i32, a = 0x7fffffff and c = 0x80000000 for f32), logP = log2 of the network size. With
   * `pairs` = 1, idx[0..n) moves with the keys and breaks ties (smaller idx first), so that sorting with
   * idx[i] = i is stable. At most 16 QPUs (one barrier group).
   */
  @kernel
  static bitonic(n: u32, logP: u32, a: u32, c: u32, pairs: u32, keys: Ptr<u32>, idx: Ptr<u32>): void {
    const half = u32(1) << (logP - 1);
    for (let lk: u32 = 0; lk < logP; lk++) {
      // Merge blocks of 2^(lk+1) positions; steps of distance j = 2^lj, lj = lk … 0.
      for (let lj: u32 = lk + 1; lj > 0; lj--) {
        const s = lj - 1;
        const first = s == lk;
        for (let p = qpu.globalId(); p < half; p += qpu.globalCount()) {
          const low = p & ((u32(1) << s) - 1);
          const block = (p >> s) << (s + 1);
          const lo = block + low;
          const hi = first ? block + (u32(2) << s) - 1 - low : lo + (u32(1) << s);
          if (hi < n) {
            const u = keys[lo];
            const v = keys[hi];
            const ku = u ^ ((u32(i32(u) >> 31) & a) ^ c);
            const kv = v ^ ((u32(i32(v) >> 31) & a) ^ c);
            if (pairs != 0) {
              const iu = idx[lo];
              const iv = idx[hi];
              if (kv < ku || (kv == ku && iv < iu)) {
                keys[lo] = v;
                keys[hi] = u;
                idx[lo] = iv;
                idx[hi] = iu;
              }
            } else if (kv < ku) {
              keys[lo] = v;
              keys[hi] = u;
            }
          }
        }
        qpu.barrier();
      }
    }
  }

  /** dst[i] = src[perm[i]] for i < n. */
  @kernel
  static gather(n: u32, perm: Ptr<u32>, src: Ptr<u32>, dst: Ptr<u32>): void {
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) dst[i] = src[perm[i]];
  }

  /** dst[i] = src[i] for i < n. */
  @kernel
  static copy(n: u32, src: Ptr<u32>, dst: Ptr<u32>): void {
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) dst[i] = src[i];
  }
}

// ---- Host functions -------------------------------------------------------------------------------------------

/** Key arrays {@link sort} takes: allocated with `rt.alloc` (or subarrays of such arrays). */
export type SortKeys = Float32Array | Int32Array | Uint32Array;

/** Arguments of {@link sort}. */
export interface SortOptions {
  /** The keys, sorted in place. */
  keys: SortKeys;
  /** Optional values (32-bit words, e.g. indices), permuted in place as their keys are; at least n long, not overlapping keys. */
  values?: Uint32Array | Int32Array | Float32Array;
  /** Elements, keys[0..n) (and values[0..n)); default keys.length. */
  n?: number;
}

/** QPUs of the sorting network: the barrier holds at most 16 batches (on vc4 the launcher allows its 12 QPUs). */
const MAX_SORT_QPUS = 16;

function words(a: SortKeys | Uint32Array | Int32Array | Float32Array): Uint32Array {
  return a instanceof Uint32Array ? a : new Uint32Array(a.buffer, a.byteOffset, a.length);
}

/**
 * Sort keys[0..n) ascending in place; with `values`, values[0..n) are permuted with their keys, and the sort is
 * stable (equal keys keep their order, so their values do too). u32 and i32 keys order as numbers of their type;
 * f32 keys by IEEE 754 totalOrder: −∞ < … < −0 < +0 < … < +∞, then NaNs (a NaN with the sign bit set, which no
 * arithmetic produces, sorts before −∞). Bit patterns are kept; keys that compare equal are equal words, so a
 * keys-only sort needs no stability.
 *
 * Cost: a bitonic network, log2(P)(log2(P)+1)/2 passes over P/2 pairs for P the next power of two ≥ n, all in one
 * launch; with values one more launch gathers them and one copies them back. Throws TypeError for key or value
 * arrays of other types or overlapping, RangeError for n outside 0..min(keys.length, values.length).
 */
export async function sort(rt: Runtime, options: SortOptions): Promise<LaunchResult> {
  const { keys, values } = options ?? ({} as SortOptions);
  checkWordArray('sort', 'keys', keys);
  if (values !== undefined && !isWordArray(values)) {
    throw new TypeError(`sort: values must be a Uint32Array, Int32Array or Float32Array from rt.alloc, got ${typeName(values)}`);
  }
  if (values && overlaps(values, keys)) {
    throw new TypeError('sort: values must not overlap keys');
  }
  const n = options.n ?? keys.length;
  const most = Math.min(keys.length, values?.length ?? Infinity);
  if (!Number.isInteger(n) || n < 0 || n > most) {
    throw new RangeError(`sort: n must be a whole number from 0 to ${most} (keys.length${values ? ' and values.length' : ''}), got ${String(options.n)}`);
  }
  let logP = 1;
  while (2 ** logP < n) logP++;
  const qpus = Math.max(1, Math.min(rt.numQpus, MAX_SORT_QPUS, Math.ceil(2 ** (logP - 1) / 64)));
  const [a, c] = keys instanceof Float32Array ? [0x7fffffff, 0x80000000] : keys instanceof Int32Array ? [0, 0x80000000] : [0, 0];
  if (!values) {
    const r = await rt.launch(Sort.bitonic, { qpus }, n, logP, a, c, 0, words(keys), words(keys));
    return combineResults([r]);
  }
  const m = Math.max(1, n);
  const idx = rt.alloc(Uint32Array, m);
  const tmp = rt.alloc(Uint32Array, m);
  try {
    for (let i = 0; i < n; i++) idx[i] = i;
    const r1 = await rt.launch(Sort.bitonic, { qpus }, n, logP, a, c, 1, words(keys), idx);
    const q = Math.max(1, Math.min(rt.numQpus, Math.ceil(n / 1024)));
    const r2 = await rt.launch(Sort.gather, { qpus: q }, n, idx, words(values), tmp);
    // (vc4: the copy's batches own more VPM rows, so fewer run at once: rt.batchesAtOnce.)
    const r3 = await rt.launch(Sort.copy, { qpus: Math.min(q, await rt.batchesAtOnce(Sort.copy)) }, n, tmp, words(values));
    return combineResults([r1, r2, r3]);
  } finally {
    rt.free(idx);
    rt.free(tmp);
  }
}
