/**
 * Stream compaction: copy the elements of x that a predicate keeps to the front of y, in order, and count them.
 *
 * Two launches over q QPUs, QPU b owning the contiguous chunk [bC, min(n, (b+1)C)) (C a multiple of 16): the
 * first counts the kept elements of each chunk; the second has every QPU add the counts of the chunks before
 * its own, then walk its chunk a vector at a time: a 16-lane scan of the keep flags (rotations,
 * {@link Scan.vectorU32}) gives each kept element its place, y[offset + kept elements before it], and the
 * vector's count moves the offset on. The kept elements stay in their order (the compaction is stable).
 */
import { device, kernel, qpu, type bool, type f32, type i32, type u32, type Ptr } from 'qpuc';
import type { LaunchResult, Runtime } from 'qpuc/runtime';
import { combineLaunches } from './reduce.js';
import { Scan } from './scan.js';

/**
 * Compaction kernels, a pair per element type. The predicate, by `op`: 0 keeps x[i] where flags[i] ≠ 0; 1 to 6
 * keep x[i] where x[i] <, <=, >, >=, ==, != value (as the type compares: f32 with NaN never equal or ordered,
 * −0 == +0; i32 signed; u32 unsigned).
 */
export class Compact {
  /** The predicate of element v with flag word `flag` (read only for op 0). */
  @device
  static keepF32(v: f32, flag: u32, op: u32, value: f32): bool {
    return op == 0 ? flag != 0 : op == 1 ? v < value : op == 2 ? v <= value : op == 3 ? v > value : op == 4 ? v >= value : op == 5 ? v == value : v != value;
  }

  /** counts[b] = the elements of QPU b's chunk the predicate keeps. */
  @kernel
  static countF32(n: u32, chunk: u32, op: u32, value: f32, x: Ptr<f32>, flags: Ptr<u32>, counts: Ptr<u32>): void {
    const start = qpu.qpuId() * chunk;
    const end = Math.min(n, start + chunk);
    let c: u32 = 0;
    for (let i = start + qpu.laneId(); i < end; i += 16) {
      const f: u32 = op == 0 ? flags[i] : 0;
      c += Compact.keepF32(x[i], f, op, value) ? 1 : 0;
    }
    const t = qpu.reduceAdd(c);
    if (qpu.laneId() == 0) counts[qpu.qpuId()] = t;
  }

  /** y[counts[0] + … + counts[b − 1] + kept elements of the chunk before x[i]] = x[i] for each kept x[i] of QPU b's chunk. */
  @kernel
  static placeF32(n: u32, chunk: u32, op: u32, value: f32, x: Ptr<f32>, flags: Ptr<u32>, counts: Ptr<u32>, y: Ptr<f32>): void {
    const b = qpu.qpuId();
    const lane = qpu.laneId();
    let o: u32 = 0;
    for (let j = lane; j < b; j += 16) o += counts[j];
    let carry = qpu.reduceAdd(o);
    const start = b * chunk;
    const end = Math.min(n, start + chunk);
    for (let base = start; base < end; base += 16) {
      const i = base + lane;
      const inside = i < end;
      const f: u32 = op == 0 && inside ? flags[i] : 0;
      const v: f32 = inside ? x[i] : 0;
      const keep = inside && Compact.keepF32(v, f, op, value);
      const k: u32 = keep ? 1 : 0;
      const t = Scan.vectorU32(k);
      if (keep) y[carry + t - 1] = v;
      carry = carry + qpu.broadcast(t, 15);
    }
  }

  /** The predicate of element v with flag word `flag` (read only for op 0). */
  @device
  static keepI32(v: i32, flag: u32, op: u32, value: i32): bool {
    return op == 0 ? flag != 0 : op == 1 ? v < value : op == 2 ? v <= value : op == 3 ? v > value : op == 4 ? v >= value : op == 5 ? v == value : v != value;
  }

  /** counts[b] = the elements of QPU b's chunk the predicate keeps. */
  @kernel
  static countI32(n: u32, chunk: u32, op: u32, value: i32, x: Ptr<i32>, flags: Ptr<u32>, counts: Ptr<u32>): void {
    const start = qpu.qpuId() * chunk;
    const end = Math.min(n, start + chunk);
    let c: u32 = 0;
    for (let i = start + qpu.laneId(); i < end; i += 16) {
      const f: u32 = op == 0 ? flags[i] : 0;
      c += Compact.keepI32(x[i], f, op, value) ? 1 : 0;
    }
    const t = qpu.reduceAdd(c);
    if (qpu.laneId() == 0) counts[qpu.qpuId()] = t;
  }

  /** y[counts[0] + … + counts[b − 1] + kept elements of the chunk before x[i]] = x[i] for each kept x[i] of QPU b's chunk. */
  @kernel
  static placeI32(n: u32, chunk: u32, op: u32, value: i32, x: Ptr<i32>, flags: Ptr<u32>, counts: Ptr<u32>, y: Ptr<i32>): void {
    const b = qpu.qpuId();
    const lane = qpu.laneId();
    let o: u32 = 0;
    for (let j = lane; j < b; j += 16) o += counts[j];
    let carry = qpu.reduceAdd(o);
    const start = b * chunk;
    const end = Math.min(n, start + chunk);
    for (let base = start; base < end; base += 16) {
      const i = base + lane;
      const inside = i < end;
      const f: u32 = op == 0 && inside ? flags[i] : 0;
      const v: i32 = inside ? x[i] : 0;
      const keep = inside && Compact.keepI32(v, f, op, value);
      const k: u32 = keep ? 1 : 0;
      const t = Scan.vectorU32(k);
      if (keep) y[carry + t - 1] = v;
      carry = carry + qpu.broadcast(t, 15);
    }
  }

  /** The predicate of element v with flag word `flag` (read only for op 0). */
  @device
  static keepU32(v: u32, flag: u32, op: u32, value: u32): bool {
    return op == 0 ? flag != 0 : op == 1 ? v < value : op == 2 ? v <= value : op == 3 ? v > value : op == 4 ? v >= value : op == 5 ? v == value : v != value;
  }

  /** counts[b] = the elements of QPU b's chunk the predicate keeps. */
  @kernel
  static countU32(n: u32, chunk: u32, op: u32, value: u32, x: Ptr<u32>, flags: Ptr<u32>, counts: Ptr<u32>): void {
    const start = qpu.qpuId() * chunk;
    const end = Math.min(n, start + chunk);
    let c: u32 = 0;
    for (let i = start + qpu.laneId(); i < end; i += 16) {
      const f: u32 = op == 0 ? flags[i] : 0;
      c += Compact.keepU32(x[i], f, op, value) ? 1 : 0;
    }
    const t = qpu.reduceAdd(c);
    if (qpu.laneId() == 0) counts[qpu.qpuId()] = t;
  }

  /** y[counts[0] + … + counts[b − 1] + kept elements of the chunk before x[i]] = x[i] for each kept x[i] of QPU b's chunk. */
  @kernel
  static placeU32(n: u32, chunk: u32, op: u32, value: u32, x: Ptr<u32>, flags: Ptr<u32>, counts: Ptr<u32>, y: Ptr<u32>): void {
    const b = qpu.qpuId();
    const lane = qpu.laneId();
    let o: u32 = 0;
    for (let j = lane; j < b; j += 16) o += counts[j];
    let carry = qpu.reduceAdd(o);
    const start = b * chunk;
    const end = Math.min(n, start + chunk);
    for (let base = start; base < end; base += 16) {
      const i = base + lane;
      const inside = i < end;
      const f: u32 = op == 0 && inside ? flags[i] : 0;
      const v: u32 = inside ? x[i] : 0;
      const keep = inside && Compact.keepU32(v, f, op, value);
      const k: u32 = keep ? 1 : 0;
      const t = Scan.vectorU32(k);
      if (keep) y[carry + t - 1] = v;
      carry = carry + qpu.broadcast(t, 15);
    }
  }

}

// ---- Host functions -------------------------------------------------------------------------------------------

/** The arrays compaction takes: allocated with `rt.alloc` (or subarrays of such arrays). */
export type CompactArray = Float32Array | Int32Array | Uint32Array;

/** Comparison operators of {@link CompactOptions.where}. */
export type CompactOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

const OPS: Record<CompactOp, number> = { '<': 1, '<=': 2, '>': 3, '>=': 4, '==': 5, '!=': 6 };

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

function describe(v: unknown): string {
  if (v === null || typeof v !== 'object') return String(v);
  return (v as object).constructor?.name ?? 'an object';
}

/**
 * Copy the elements of x[0..n) that are kept — where `flags[i] ≠ 0`, or where `x[i] where.op where.value` — to
 * y[0..count), in their order (stable), and return the count; y[count..] is left as it was. Bit patterns are
 * copied unchanged. Throws TypeError for arrays of other types (or y of another type than x, y the same memory
 * as x, flags not a Uint32Array), both or neither of flags and where, or an unknown op; RangeError for n outside
 * 0..min(x.length, y.length, flags.length).
 */
export async function compact(rt: Runtime, options: CompactOptions): Promise<CompactResult> {
  const { x, y, flags, where } = options ?? ({} as CompactOptions);
  if (!(x instanceof Float32Array || x instanceof Int32Array || x instanceof Uint32Array)) {
    throw new TypeError(`compact: x must be a Float32Array, Int32Array or Uint32Array from rt.alloc, got ${describe(x)}`);
  }
  if (!(y instanceof Float32Array || y instanceof Int32Array || y instanceof Uint32Array) || y.constructor !== x.constructor) {
    throw new TypeError(`compact: y must be a ${x.constructor.name} like x, got ${describe(y)}`);
  }
  if (y.buffer === x.buffer && y.byteOffset < x.byteOffset + x.byteLength && x.byteOffset < y.byteOffset + y.byteLength) {
    throw new TypeError('compact: y must not overlap x (compaction is not in place)');
  }
  if ((flags === undefined) === (where === undefined)) throw new TypeError(`compact: give exactly one of flags and where, got ${flags === undefined ? 'neither' : 'both'}`);
  if (flags !== undefined && !(flags instanceof Uint32Array)) throw new TypeError(`compact: flags must be a Uint32Array from rt.alloc, got ${describe(flags)}`);
  const op = where === undefined ? 0 : OPS[where.op];
  if (op === undefined) throw new TypeError(`compact: where.op must be one of ${Object.keys(OPS).join(' ')}, got ${String(where?.op)}`);
  if (where !== undefined && typeof where.value !== 'number') throw new TypeError(`compact: where.value must be a number, got ${describe(where.value)}`);
  const n = options.n ?? x.length;
  const most = Math.min(x.length, y.length, flags?.length ?? Infinity);
  if (!Number.isInteger(n) || n < 0 || n > most) {
    throw new RangeError(`compact: n must be a whole number from 0 to ${most} (the shortest of x, y${flags ? ' and flags' : ''}), got ${String(options.n)}`);
  }
  const qpus0 = Math.max(1, Math.min(rt.numQpus, Math.ceil(n / MIN_PER_QPU)));
  const chunk = Math.max(16, Math.ceil(n / qpus0 / 16) * 16);
  const qpus = Math.max(1, Math.ceil(n / chunk));
  const counts = rt.alloc(Uint32Array, qpus);
  try {
    const value = where?.value ?? 0;
    const fl = flags ?? counts; // not read when op ≠ 0
    const [count, place] = x instanceof Float32Array ? [Compact.countF32, Compact.placeF32] : x instanceof Int32Array ? [Compact.countI32, Compact.placeI32] : [Compact.countU32, Compact.placeU32];
    const r1 = await rt.launch(count, { qpus }, n, chunk, op, value, x, fl, counts);
    const r2 = await rt.launch(place, { qpus }, n, chunk, op, value, x, fl, counts, y);
    let total = 0;
    for (const c of counts) total += c;
    return { ...combineLaunches([r1, r2]), count: total };
  } finally {
    rt.free(counts);
  }
}
