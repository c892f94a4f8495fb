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

/** What an op is, for the passes: how many operands, whether it has a result, and whether it may be moved or removed. */
export interface OpInfo {
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly result: boolean;
  /** Has an effect beyond its result (memory write, barrier): never removed or reordered across other effects. */
  readonly effect: boolean;
  /** Reads memory: may not move across stores. */
  readonly readsMemory: boolean;
  /** The result varies per lane even when every operand is uniform. */
  readonly varying: boolean;
  /** Operands a, b may be swapped. */
  readonly commutative: boolean;
}

function op(minArgs: number, maxArgs: number, extra: Partial<OpInfo> = {}): OpInfo {
  return { minArgs, maxArgs, result: true, effect: false, readsMemory: false, varying: false, commutative: false, ...extra };
}
const bin = op(2, 2);
const comm = op(2, 2, { commutative: true });
const un = op(1, 1);

/** Every IR op. */
export const OPS = {
  const: op(0, 0),
  // integers (i32/u32) and bools (and/or/xor/not)
  add: comm, sub: bin, mul: comm, div: bin, rem: bin,
  and: comm, or: comm, xor: comm, not: un, neg: un,
  shl: bin, shr: bin, sar: bin, rotr: bin,
  min: comm, max: comm, clz: un, mulhi: comm,
  // low 32 bits of the product of the operands' low 24 bits (the multiplier both ISAs have; math expansions use it)
  umul24: comm,
  // floats
  fadd: comm, fsub: bin, fmul: comm, fdiv: bin, fmin: comm, fmax: comm, fpow: bin,
  fneg: un, fabs: un, fsqrt: un, ffloor: un, fceil: un, fround: un, ftrunc: un,
  fexp: un, fexp2: un, flog: un, flog2: un, fsin: un, fcos: un, frecip: un, frsqrt: un,
  // primitives of the math expansions (compiler/passes/expand-*.ts): round half to even, the SFU's sin(pi x)
  frint: un, fsinpi: un,
  // comparison (attrs.pred: eq ne lt le gt ge), selection, conversion
  cmp: bin,
  select: op(3, 3),
  cvt: un,
  // the same 32 bits read as another scalar type (f32 <-> i32/u32)
  bitcast: un,
  // pointers and memory
  gep: op(2, 2), // ptr + index * elemSize(ptr)
  load: op(1, 2, { readsMemory: true }),
  store: op(2, 3, { result: false, effect: true }),
  // SPMD intrinsics
  lane_id: op(0, 0, { varying: true }),
  qpu_id: op(0, 0),
  num_qpus: op(0, 0),
  global_id: op(0, 0, { varying: true }),
  global_count: op(0, 0),
  rotate: op(2, 2, { varying: true }),
  broadcast: op(2, 2),
  any: op(1, 2),
  all: op(1, 2),
  reduce_add: op(1, 2),
  reduce_min: op(1, 2),
  reduce_max: op(1, 2),
  barrier: op(0, 0, { result: false, effect: true }),
} as const satisfies Record<string, OpInfo>;

/** Name of an IR op. */
export type OpName = keyof typeof OPS;

/** Compare predicates of `cmp`. */
export const CMP_PREDICATES = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
/** A `cmp` predicate. */
export type CmpPredicate = (typeof CMP_PREDICATES)[number];

/** Op info by name, or undefined for an unknown op. */
export function opInfo(name: string): OpInfo | undefined {
  return (OPS as Record<string, OpInfo>)[name];
}
