/**
 * qpuc's SSA IR: functions of basic blocks with block parameters (no phi
 * nodes), typed values, and a uniform/varying attribute on every value.
 *
 * Semantics are SPMD: a function body runs once per lane. Before SPMD lowering
 * (compiler/passes/spmd.ts) a branch may depend on a varying condition; after
 * it every `condbr` condition is uniform, and divergence is expressed with
 * masks (`store`/`load` with a mask operand, `select`, `any`/`all`).
 *
 * The op table (compiler/ir/ops.ts) is the one list of ops; printer, parser,
 * verifier, interpreter and backends read it.
 */
import type { OpName } from './ops.ts';

/** Scalar value types. */
export type ScalarType = 'i32' | 'u32' | 'f32' | 'bool';
/** Memory element types a pointer can address. */
export type ElemType = 'f32' | 'i32' | 'u32' | 'u8' | 'u16' | 'i8' | 'i16';
/** Pointer to global memory: a 32-bit byte address at run time. */
export interface PtrType {
  ptr: ElemType;
}
/** Any IR value type. */
export type IrType = ScalarType | PtrType;

/** An SSA value: defined once, by an instruction or as a block/function parameter. */
export interface Value {
  readonly id: number;
  type: IrType;
  /** True when every lane of a QPU holds the same value (set by the uniformity analysis; frontends may preset it). */
  uniform: boolean;
  /** Optional name for printing (source variable name). */
  name?: string;
}

/** Where an instruction came from in the kernel's TypeScript source. */
export interface SourceLoc {
  file: string;
  line: number; // 1-based
  col: number; // 1-based
}

/** A non-terminator instruction. `result` is absent for ops without one (store, barrier). */
export interface Instr {
  op: OpName;
  args: Value[];
  result?: Value;
  /** Op-specific immediates: `const` value, compare predicate, intrinsic lane count… */
  attrs?: Record<string, number | string | boolean>;
  loc?: SourceLoc;
}

/** A branch target with the values passed to its block parameters. */
export interface BlockRef {
  block: Block;
  args: Value[];
}

/** Block terminators. */
export type Terminator =
  | { kind: 'br'; target: BlockRef; loc?: SourceLoc }
  | { kind: 'condbr'; cond: Value; then: BlockRef; else: BlockRef; loc?: SourceLoc }
  | { kind: 'ret'; loc?: SourceLoc };

/** A basic block: parameters, straight-line instructions, one terminator. */
export interface Block {
  readonly id: number;
  params: Value[];
  instrs: Instr[];
  term: Terminator;
}

/** A kernel parameter: a uniform value supplied at launch. */
export interface Param {
  name: string;
  value: Value;
}

/** One kernel (device helpers are inlined before the IR leaves the frontend). */
export interface IrFunction {
  name: string;
  params: Param[];
  /** blocks[0] is the entry block; it has no block parameters. */
  blocks: Block[];
  /** Source file of the kernel. */
  file?: string;
  /** Next unused value id (values are numbered densely from 0). */
  nextValueId: number;
  /** Next unused block id. */
  nextBlockId: number;
  /**
   * Constant tables the kernel indexes at run time (module-level or `static readonly` arrays of numbers):
   * the last `tables.length` parameters point at them, and the runtime uploads `values` and passes them.
   */
  tables?: ConstTable[];
  /**
   * u32 words per work item of the private buffer that private arrays in memory use (compiler/frontend/arrays.ts):
   * the last parameter points at it (after the tables'), and the runtime allocates words × 16 × QPUs.
   */
  privateWords?: number;
  /** Work items per workgroup (the `@kernel` option `workgroupSize`); absent means 16, one batch. */
  workgroupSize?: number;
  /** Bytes of workgroup-shared memory each workgroup needs (`qpu.shared` arrays); absent means 0. */
  sharedBytes?: number;
  /** The `@kernel` option `noalias`: pointer parameters never overlap (docs/language.md "Kernel options"). */
  noalias?: boolean;
  /** The `@kernel` option `threadSwitch`: switch threads before waiting for a lookup (V3D; docs/language.md "Kernel options"). */
  threadSwitch?: boolean;
}

/** Work items per workgroup of `fn` (16 when not set). */
export function workgroupSizeOf(fn: IrFunction): number {
  return fn.workgroupSize ?? 16;
}

/** A read-only table of numbers a kernel indexes (compiler/frontend/tables.ts). */
export interface ConstTable {
  /** The name in the source (`TABLE` or `Class.TABLE`). */
  name: string;
  elem: 'f32' | 'i32' | 'u32';
  values: number[];
}

/** True for pointer types. */
export function isPtr(t: IrType): t is PtrType {
  return typeof t === 'object';
}

/** Text of a type as the IR printer writes it: `u32`, `ptr<f32>`. */
export function typeText(t: IrType): string {
  return isPtr(t) ? `ptr<${t.ptr}>` : t;
}

/** Size in bytes of a memory element type. */
export function elemSize(t: ElemType): number {
  return t === 'u8' || t === 'i8' ? 1 : t === 'u16' || t === 'i16' ? 2 : 4;
}
