/**
 * The IR op table: the one list of ops. Printer, parser, verifier, passes,
 * interpreter and backends look ops up here.
 *
 * Operand conventions:
 * - Integer ops take two operands of the same int type (i32 or u32) and give
 *   that type; signedness matters for div, rem, shr-vs-sar is explicit, cmp
 *   predicates read the operand type (u32 → unsigned compare).
 * - Float ops take and give f32.
 * - `load`/`store` take a pointer (a byte address); an optional last operand
 *   is the lane mask (bool, varying): lanes where it is false do nothing.
 *   A load of u8/u16/i8/i16 gives the value widened to u32/i32.
 * - `cvt` converts between scalar types (attrs none; from/to are the operand and result types);
 *   `bitcast` keeps the 32 bits and changes the type (f32 <-> i32/u32).
 */

/**
 * How an op's operand and result types are checked (compiler/ir/typing.ts
 * has one rule per signature; the type system makes it cover all of them).
 */
export type OpSignature =
  | 'const' // no operands; attrs.value
  | 'int2' // (int T, int T) -> T
  | 'bits2' // (int or bool T, same T) -> T
  | 'not' // int or bool T -> T
  | 'int1' // int T -> T
  | 'float2' // (f32, f32) -> f32
  | 'float1' // f32 -> f32
  | 'cmp' // (T, T) -> bool, attrs.pred
  | 'select' // (bool, T, T) -> T
  | 'cvt' // scalar -> scalar
  | 'bitcast' // 32-bit scalar -> 32-bit scalar
  | 'gep' // (ptr<T>, int) -> ptr<T>
  | 'load' // ptr<T> [, mask] -> T widened
  | 'store' // ptr<T>, T widened [, mask]
  | 'id' // no operands -> u32
  | 'lanes' // (T, int) -> T: rotate, broadcast
  | 'vote' // bool [, mask] -> bool: any, all
  | 'reduce' // number [, mask] -> number
  | 'barrier'
  | 'atomic' // ptr<i32|u32>, T [, mask] -> T (the old value); attrs.rmw
  | 'atomic_cas' // ptr<i32|u32>, T expected, T desired [, mask] -> T (the old value)
  | 'shared'; // no operands -> ptr<T>: attrs.offset bytes into the workgroup's shared memory

/** Every fact about one op that the passes, verifier, interpreter and backends need. */
export interface OpInfo {
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly result: boolean;
  /** Operand and result typing rule. */
  readonly sig: OpSignature;
  /** Has an effect beyond its result (memory write, barrier): never removed or reordered across other effects. */
  readonly effect: boolean;
  /** Reads memory: may not move across stores. */
  readonly readsMemory: boolean;
  /** The result varies per lane even when every operand is uniform. */
  readonly varying: boolean;
  /** The result is the same in every lane whatever the operands (a cross-lane reduction or broadcast). */
  readonly uniformResult: boolean;
  /** Reads or waits for other lanes: the interpreter runs it at a lane rendezvous; never hoisted. */
  readonly crossLane: boolean;
  /** Operands a, b may be swapped. */
  readonly commutative: boolean;
  /** compiler/ir/eval.ts computes it from constant operands, so constant folding may. */
  readonly foldable: boolean;
  /** Loop-invariant code motion may move it (pure, lane-local, no memory). */
  readonly hoistable: boolean;
  /** Evaluated in its first operand's type rather than its result type (cmp, cvt, bitcast, gep). */
  readonly evalInOperandType: boolean;
  /** Index of the optional last operand that masks lanes off, if the op has one. */
  readonly mask?: number;
}

/** A pure lane-local op with `n..m` operands: foldable and hoistable unless said otherwise. */
function op(sig: OpSignature, minArgs: number, maxArgs: number, extra: Partial<OpInfo> = {}): OpInfo {
  return {
    minArgs, maxArgs, sig, result: true, effect: false, readsMemory: false, varying: false, uniformResult: false, crossLane: false,
    commutative: false, foldable: true, hoistable: true, evalInOperandType: false, ...extra,
  };
}
/** Ops that read other lanes: never folded or hoisted. */
const crossLane = (sig: OpSignature, minArgs: number, maxArgs: number, extra: Partial<OpInfo> = {}): OpInfo =>
  op(sig, minArgs, maxArgs, { crossLane: true, foldable: false, hoistable: false, ...extra });
/** Ops whose value comes from the launch (ids): not foldable, hoistable. */
const launchValue = (extra: Partial<OpInfo> = {}): OpInfo => op('id', 0, 0, { foldable: false, ...extra });
const int2 = op('int2', 2, 2);
const int2c = op('int2', 2, 2, { commutative: true });
const bits2 = op('bits2', 2, 2, { commutative: true });
const float2 = op('float2', 2, 2);
const float2c = op('float2', 2, 2, { commutative: true });
const float1 = op('float1', 1, 1);

/** Every IR op. */
export const OPS = {
  const: op('const', 0, 0),
  // integers (i32/u32) and bools (and/or/xor/not)
  add: int2c, sub: int2, mul: int2c, div: int2, rem: int2,
  and: bits2, or: bits2, xor: bits2, not: op('not', 1, 1), neg: op('int1', 1, 1),
  shl: int2, shr: int2, sar: int2, rotr: int2,
  min: int2c, max: int2c, clz: op('int1', 1, 1), mulhi: int2c,
  // low 32 bits of the product of the operands' low 24 bits (the multiplier both ISAs have; math expansions use it)
  umul24: int2c,
  // per-byte unsigned ops on a word as four u8 lanes (byte k: bits 8k..8k+7): the saturating sum (at most 255) and
  // difference (at least 0), the minimum and maximum. VC4 has each as one ALU op; V3D gets them expanded
  // (compiler/passes/expand-int.ts)
  uaddsat8: int2c, usubsat8: int2, umin8: int2c, umax8: int2c,
  // floats
  fadd: float2c, fsub: float2, fmul: float2c, fdiv: float2, fmin: float2c, fmax: float2c, fpow: float2,
  fneg: float1, fabs: float1, fsqrt: float1, ffloor: float1, fceil: float1, fround: float1, ftrunc: float1,
  fexp: float1, fexp2: float1, flog: float1, flog2: float1, fsin: float1, fcos: float1, frecip: float1, frsqrt: float1,
  // more Math functions (expanded for every target in compiler/passes/expand-float.ts)
  ftan: float1, fatan: float1, fasin: float1, facos: float1, fsinh: float1, fcosh: float1, ftanh: float1,
  fsign: float1, fcbrt: float1, fexpm1: float1, flog1p: float1, flog10: float1, fatan2: float2, fhypot: float2,
  // f32 remainder as JavaScript's % (fmod: exact, the sign of the dividend)
  frem: float2,
  // primitives of the math expansions (compiler/passes/expand-*.ts): round half to even, the SFU's sin(pi x)
  frint: float1, fsinpi: float1,
  // comparison (attrs.pred: eq ne lt le gt ge), selection, conversion
  cmp: op('cmp', 2, 2, { evalInOperandType: true }),
  select: op('select', 3, 3),
  cvt: op('cvt', 1, 1, { evalInOperandType: true }),
  // the same 32 bits read as another scalar type (f32 <-> i32/u32)
  bitcast: op('bitcast', 1, 1, { evalInOperandType: true }),
  // pointers and memory
  gep: op('gep', 2, 2, { evalInOperandType: true }), // ptr + index * elemSize(ptr); fold simplifies gep p, 0 (a pointer result is never a constant)
  load: op('load', 1, 2, { readsMemory: true, foldable: false, hoistable: false, mask: 1 }),
  store: op('store', 2, 3, { result: false, effect: true, foldable: false, hoistable: false, mask: 2 }),
  // SPMD intrinsics
  lane_id: launchValue({ varying: true }),
  qpu_id: launchValue(),
  num_qpus: launchValue(),
  global_id: launchValue({ varying: true }),
  global_count: launchValue(),
  rotate: crossLane('lanes', 2, 2, { varying: true }),
  broadcast: crossLane('lanes', 2, 2, { uniformResult: true }),
  any: crossLane('vote', 1, 2, { uniformResult: true, mask: 1 }),
  all: crossLane('vote', 1, 2, { uniformResult: true, mask: 1 }),
  reduce_add: crossLane('reduce', 1, 2, { uniformResult: true, mask: 1 }),
  reduce_min: crossLane('reduce', 1, 2, { uniformResult: true, mask: 1 }),
  reduce_max: crossLane('reduce', 1, 2, { uniformResult: true, mask: 1 }),
  // attrs.scope: absent = every batch of the launch (`qpu.barrier()`), 'workgroup' = the batches of one workgroup
  barrier: crossLane('barrier', 0, 0, { result: false, effect: true }),
  // Atomic read-modify-write of one 32-bit word per lane (attrs.rmw: one of ATOMIC_RMW), giving the old value. A
  // rendezvous in the interpreter: the active lanes of one instruction apply in lane order (docs/language.md).
  atomic: crossLane('atomic', 2, 3, { effect: true, readsMemory: true, varying: true, mask: 2 }),
  // Compare-exchange: memory becomes `desired` where it held `expected`; gives the old value.
  atomic_cas: crossLane('atomic_cas', 3, 4, { effect: true, readsMemory: true, varying: true, mask: 3 }),
  // workgroups (docs/language.md "Workgroups"): index within the workgroup (varying), the linear workgroup index
  // (uniform), the grid's workgroup count along attrs.dim (0, 1, 2), a pointer attrs.offset bytes into this
  // workgroup's shared memory (the function's sharedBytes per workgroup)
  local_id: launchValue({ varying: true }),
  group_id: launchValue(),
  num_groups: launchValue(),
  shared_ptr: op('shared', 0, 0, { foldable: false }),
} as const satisfies Record<string, OpInfo>;

/** Name of an IR op. */
export type OpName = keyof typeof OPS;

/** OPS as a map: looked up for every instruction by every pass (a keyed lookup on the object literal was slower). */
const OP_INFO: ReadonlyMap<string, OpInfo> = new Map(Object.entries(OPS));

/** Whether `name` is an IR op. */
export function isOpName(name: string): name is OpName {
  return OP_INFO.has(name);
}

/** The read-modify-write operations of `atomic` (`attrs.rmw`); min/max compare as the element type (i32 signed, u32 unsigned). */
export const ATOMIC_RMW = ['add', 'sub', 'min', 'max', 'and', 'or', 'xor', 'xchg'] as const;
/** An `atomic` operation. */
export type AtomicRmw = (typeof ATOMIC_RMW)[number];

/** Compare predicates of `cmp`. */
export const CMP_PREDICATES = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
/** A `cmp` predicate. */
export type CmpPredicate = (typeof CMP_PREDICATES)[number];

/** Op info by name, or undefined for an unknown op. */
export function opInfo(name: string): OpInfo | undefined {
  return OP_INFO.get(name);
}

/** The operand index of `op`'s lane mask, if it has one. */
export function maskOperand(op: string): number | undefined {
  return opInfo(op)?.mask;
}
