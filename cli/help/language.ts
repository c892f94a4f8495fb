/**
 * `qpuc help language`: the kernel language on one screen, self-contained so
 * that hints can point at it from an installed package (docs/language.md,
 * the full definition, is not part of the package).
 */
export const LANGUAGE_HELP = `The qpuc kernel language

Kernels are static methods of exported classes, decorated @kernel; helpers
that kernels call are static methods decorated @device (inlined at every
call, so no recursion). Both come from 'qpuc' and are standard decorators
(no "experimentalDecorators"). Every lane of every QPU runs a kernel body as
one work item (SPMD): 16 lanes per QPU.

  import { kernel, device, qpu, type f32, type u32, type Ptr } from 'qpuc';
  export class Blas {
    @device static twice(v: f32): f32 { return v * 2; }
    @kernel static run(n: u32, x: Ptr<f32>, y: Ptr<f32>): void {
      for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) y[i] = Blas.twice(x[i]!);
    }
  }

Types
  f32          IEEE single precision; every operation rounds to f32
  i32, u32     32-bit integers; arithmetic wraps modulo 2^32
  bool         true / false
  Ptr<T>       global memory of T: f32 i32 u32, or u8 u16 i8 i16 (widened on load)
  Parameters need a type annotation; kernels return void.
  No implicit conversions: both operands of an operator have one type;
  convert with f32(x), i32(x), u32(x) (float to int truncates and saturates).
  Literals take the type their context needs (x + 1 with x: u32 is u32).

Statements
  const / let (initialised), assignment and compound assignment, ++ / --,
  if / else, for, while, do-while, labelled loops, break / continue, return,
  switch on i32 / u32 with constant cases. Not: var, destructuring, closures,
  try, classes or objects, strings.
  Private arrays of f32 / i32 / u32 with a constant length (at most 4096):
  const a: f32[] = [0, 0, 0]; new Array<f32>(n).fill(x); new Float32Array(n)
  (Int32Array, Uint32Array); a[i], a.length. Small arrays and constant
  indices (also in for loops over them, which are unrolled) use registers;
  run-time indices into longer arrays use per-work-item memory.

Expressions
  + - * / % ** (ints: a / 0 = a, a % 0 = 0), & | ^ ~ << >> >>>,
  < <= > >= == != (=== !==), ! && || (short-circuit), c ? a : b, p[i], x!
  Math: sqrt abs floor ceil round trunc exp log log2 pow sin cos fround
        min max (also ints), imul clz32, and the constants PI E LN2 ...

Intrinsics (qpu.*)
  laneId() qpuId() numQpus() globalId() globalCount()
  rotate(v, n) broadcast(v, lane) any(c) all(c) reduceAdd/Min/Max(v)
  barrier() (uniform control flow only)
  atomicAdd/Sub/Min/Max/And/Or/Xor/Exchange(p, i, v), atomicCompareExchange(
  p, i, expected, desired) on Ptr<i32 | u32>: return the old p[i]
  addBytesSat/subBytesSat/minBytes/maxBytes(a, b): per byte of two u32
  (four u8 lanes), saturating at 255 / 0, unsigned min / max
  fast.recip/rsqrt/exp2/log2/sin: raw special-function results (~12 bits)

Workgroups
  @kernel({ workgroupSize: 64 }): work items per workgroup, a multiple of 16
  up to 256 (vc6, vc7) / 192 (vc4); launch a grid of workgroups with
  rt.launch(k, { grid: [x, y, z] }, ...) (or { qpus: batches } as before).
  localId() groupId(dim) numGroups(dim) groupSize() globalId(dim) globalCount(dim)
  const tile = qpu.shared<f32>(256): memory shared by one workgroup
  workgroupBarrier(): wait for the workgroup (uniform control flow only)

Lanes may diverge on per-lane (varying) conditions; each lane then follows
its own path and they rejoin after the construct.
`;
