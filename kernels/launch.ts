/**
 * Host-side helpers shared by the library's families (kernels/*.ts): how many
 * batches a launch uses, argument checks with messages that name the
 * argument, and {@link combineResults} for functions that launch more than
 * one kernel. Not kernels: nothing here is compiled for the GPU.
 */
import type { GpuArray, JobProfile, LaunchResult, Runtime } from 'qpuc/runtime';

/**
 * Batches (16 lanes each) for a streaming launch: one per QPU of the
 * runtime's device (`rt.numQpus`). A grid-stride loop keeps each batch busy
 * with a FIFO's depth of lookups in flight, so more batches than QPUs gain
 * nothing in the timing model and cost a larger partial-result buffer.
 */
export function streamBatches(rt: Runtime): number {
  return rt.numQpus;
}

/**
 * {@link streamBatches} for `kernel`, no more than run at once (`rt.batchesAtOnce`: on vc4 a streaming copy or
 * scale runs on fewer QPUs, each storing bigger DMAs), so that the launch is one job rather than several.
 */
export async function streamBatchesOf(rt: Runtime, kernel: unknown): Promise<number> {
  return Math.min(streamBatches(rt), await rt.batchesAtOnce(kernel));
}

/**
 * Batches for a launch of `units` independent pieces of work (tiles, rows):
 * no more than there are pieces, no more than `perQpu` per QPU (V3D keeps two
 * threads per QPU resident, so 2 hides latency there), and at least 1.
 */
export function workBatches(rt: Runtime, units: number, perQpu = 1): number {
  return Math.max(1, Math.min(units, rt.numQpus * perQpu, 0xffff));
}

/** Throws a TypeError unless `value` is an object (the options argument of a library function). */
export function checkOptions(fn: string, value: unknown): void {
  if (typeof value !== 'object' || value === null) throw new TypeError(`${fn}: the second argument must be an options object, got ${value === null ? 'null' : typeof value}`);
}

/** A whole number from `min` to 2^31 - 1 (sizes, counts); throws a RangeError naming the argument otherwise. */
export function checkCount(fn: string, name: string, value: unknown, min = 0): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 0x7fff_ffff) {
    throw new RangeError(`${fn}: ${name} must be a whole number from ${min} to ${0x7fff_ffff}, got ${describe(value)}`);
  }
  return value;
}

/** A vector increment: a non-zero whole number (negative: the vector is traversed from its end, as in BLAS). Default 1. */
export function checkIncrement(fn: string, name: string, value: unknown): number {
  if (value === undefined) return 1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value === 0 || Math.abs(value) > 0x3fff_ffff) {
    throw new RangeError(`${fn}: ${name} must be a non-zero whole number (negative walks the vector from its end), got ${describe(value)}`);
  }
  return value;
}

/** A scalar operand (alpha, beta): any number, NaN and infinities included, as BLAS takes them. */
export function checkScalar(fn: string, name: string, value: unknown, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`${fn}: ${name} must be a number, got ${describe(value)}`);
  return value;
}

/** A boolean flag (transA, transB, …); undefined means false. */
export function checkFlag(fn: string, name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new TypeError(`${fn}: ${name} must be true or false, got ${describe(value)}`);
  return value;
}

/**
 * A Float32Array from `rt.alloc` long enough for `n` elements `inc` apart:
 * at least `1 + (n - 1) |inc|` elements. (Whether it is GPU memory of this
 * runtime is checked at launch, with the runtime's own error.)
 */
export function checkVector(fn: string, name: string, array: unknown, n: number, inc = 1): Float32Array {
  if (!(array instanceof Float32Array)) throw new TypeError(`${fn}: ${name} must be a Float32Array from rt.alloc(Float32Array, …), got ${describe(array)}`);
  const need = n === 0 ? 0 : 1 + (n - 1) * Math.abs(inc);
  if (array.length < need) {
    throw new RangeError(`${fn}: ${name} holds ${array.length} elements, but ${n} elements${Math.abs(inc) !== 1 ? ` ${Math.abs(inc)} apart` : ''} need ${need}`);
  }
  return array;
}

/**
 * A row-major matrix of `rows` × `cols` in a Float32Array with rows `ld`
 * elements apart: `ld >= max(1, cols)` and at least `(rows - 1) ld + cols` elements.
 */
export function checkMatrix(fn: string, name: string, array: unknown, rows: number, cols: number, ld: number, ldName: string): Float32Array {
  if (!(array instanceof Float32Array)) throw new TypeError(`${fn}: ${name} must be a Float32Array from rt.alloc(Float32Array, …), got ${describe(array)}`);
  if (ld < Math.max(1, cols)) throw new RangeError(`${fn}: ${ldName} must be at least ${Math.max(1, cols)} (the ${cols} columns of ${name}, row-major), got ${ld}`);
  const need = rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
  if (array.length < need) throw new RangeError(`${fn}: ${name} holds ${array.length} elements, but ${rows} rows of ${cols} with ${ldName} = ${ld} need ${need}`);
  return array;
}

/** The typed arrays of 32-bit words the word-oriented families (reduce, scan, compact, sort) take. */
export type WordArray = Float32Array | Int32Array | Uint32Array;

/** Whether `v` is a {@link WordArray}. */
export function isWordArray(v: unknown): v is WordArray {
  return v instanceof Float32Array || v instanceof Int32Array || v instanceof Uint32Array;
}

/** `array` if it is a {@link WordArray}; else a TypeError naming `fn` and `name`. */
export function checkWordArray(fn: string, name: string, array: unknown): WordArray {
  if (!isWordArray(array)) throw new TypeError(`${fn}: ${name} must be a Float32Array, Int32Array or Uint32Array from rt.alloc, got ${typeName(array)}`);
  return array;
}

/** `array` if it is a typed array of the same type as `like` (named `likeName`); else a TypeError. */
export function checkSameType<T extends WordArray>(fn: string, name: string, array: unknown, like: T, likeName: string): T {
  if (!isWordArray(array) || array.constructor !== like.constructor) throw new TypeError(`${fn}: ${name} must be a ${like.constructor.name} like ${likeName}, got ${typeName(array)}`);
  return array as T;
}

/**
 * Whether the first `aBytes` bytes of `a` and the first `bBytes` bytes of `b` share memory (by default the
 * views' whole lengths).
 */
export function overlaps(a: ArrayBufferView, b: ArrayBufferView, aBytes = a.byteLength, bBytes = b.byteLength): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + bBytes && b.byteOffset < a.byteOffset + aBytes;
}

/** A wrong argument for an error message: a primitive's value, else the object's constructor name. */
export function typeName(v: unknown): string {
  if (v === null || typeof v !== 'object') return String(v);
  return (v as object).constructor?.name ?? 'an object';
}

/** The first element of array `a` as a number (for results the GPU wrote into a one-element buffer). */
export function first(a: GpuArray): number {
  return Number(a[0]);
}

function describe(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean' || v === undefined || v === null) return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  return typeof v;
}

/**
 * One result for a library call that ran several launches: the kernels'
 * names joined with ' + ', the profiles summed (cycles, seconds,
 * instructions, bytes, flops, stalls by cause and per-QPU cycles: the
 * launches run one after another), hazards and warnings of all, dispatches
 * added, instruction counts of the distinct kernels added. Throws a
 * RangeError for an empty list (see {@link emptyResult}).
 */
export function combineResults(results: readonly LaunchResult[]): LaunchResult {
  const r0 = results[0];
  if (r0 === undefined) throw new RangeError('combineResults: no launch results to combine');
  if (results.length === 1) return r0;
  const kernels = [...new Set(results.map((r) => r.kernel))];
  const out: LaunchResult = { kernel: kernels.join(' + '), backend: r0.backend, target: r0.target, hazards: results.flatMap((r) => r.hazards) };
  const profiles = results.map((r) => r.profile).filter((p): p is JobProfile => p !== undefined);
  if (profiles.length > 0) out.profile = sumProfiles(profiles);
  const warnings = results.flatMap((r) => r.warnings ?? []);
  if (warnings.length > 0) out.warnings = warnings;
  if (results.some((r) => r.dispatches !== undefined)) out.dispatches = results.reduce((s, r) => s + (r.dispatches ?? 1), 0);
  const counts = new Map<string, number>();
  for (const r of results) if (r.instructionCount !== undefined) counts.set(r.kernel, r.instructionCount);
  if (counts.size > 0) out.instructionCount = [...counts.values()].reduce((a, b) => a + b, 0);
  return out;
}

/**
 * The result of a library call with nothing to do (n = 0 and the like, which
 * BLAS accepts): no launch ran; `kernel` is `name`, the profile all zeros
 * (none on the reference backend, which has no profiles).
 */
export function emptyResult(rt: Runtime, name: string): LaunchResult {
  const out: LaunchResult = { kernel: name, backend: rt.backend, target: rt.target, hazards: [], dispatches: 0 };
  if (rt.backend !== 'reference') out.profile = sumProfiles([], rt.numQpus);
  return out;
}

function sumProfiles(profiles: readonly JobProfile[], qpus = 0): JobProfile {
  const p0 = profiles[0];
  const sum: JobProfile = {
    ...(p0?.source !== undefined ? { source: p0.source } : {}),
    cycles: 0,
    clockHz: p0?.clockHz ?? 0,
    seconds: 0,
    instructions: 0,
    bytesRead: 0,
    bytesWritten: 0,
    flops: 0,
    stalls: {},
    perQpuCycles: new Array<number>(Math.max(qpus, ...profiles.map((p) => p.perQpuCycles.length))).fill(0),
  };
  for (const p of profiles) {
    sum.cycles += p.cycles;
    sum.seconds += p.seconds;
    sum.instructions += p.instructions;
    sum.bytesRead += p.bytesRead;
    sum.bytesWritten += p.bytesWritten;
    sum.flops += p.flops;
    for (const [k, v] of Object.entries(p.stalls)) sum.stalls[k] = (sum.stalls[k] ?? 0) + v;
    p.perQpuCycles.forEach((c, q) => (sum.perQpuCycles[q] = (sum.perQpuCycles[q] ?? 0) + c));
  }
  return sum;
}
