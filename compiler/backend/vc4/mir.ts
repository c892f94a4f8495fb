/**
 * Machine IR for the VideoCore IV backend (vc4): one machine operation per
 * MOp over virtual registers, in blocks, before register allocation. An ALU
 * op runs on the add or the mul ALU; register-file ports, the small
 * immediate field and the hazards between neighbouring words are decided
 * later, by emit.ts, once registers are known. Flags are implicit state: an
 * op that sets flags and the ops that read them stay in order.
 */
import type { SourceLoc } from '../../ir/types.ts';
import type { Vc4AddOp, Vc4BranchCond, Vc4Cond, Vc4MulOp } from '../../isa/vc4/instr.ts';

/** A virtual register (allocated to ra0–31 / rb0–31 later). */
export interface VReg {
  k: 'v';
  id: number;
}
/** An accumulator r0–r5 (fixed sequences only: the allocator never sees them). */
export interface Acc {
  k: 'acc';
  n: number;
}
/** A small immediate (sig 13), by its code 0–47 (notes §1.12). */
export interface SmallImm {
  k: 'imm';
  code: number;
}
/** A read of an I/O address through one register-file port (unif, elem_num, qpu_num, vw_wait…). */
export interface IoRead {
  k: 'io';
  file: 'A' | 'B';
  addr: number;
}
/** A write to an I/O address (tmu, sfu, vpm, setups, host_int…); `file` when only one space has it. */
export interface IoWrite {
  k: 'io';
  addr: number;
  file?: 'A' | 'B';
}
/** An operand. */
export type Src = VReg | Acc | SmallImm | IoRead;
/** A destination. */
export type Dst = VReg | Acc | IoWrite;

/** Signals qpuc emits (notes §1.6). */
export type MSignal = 'ldtmu0' | 'ldtmu1' | 'thrend';

/** One machine operation. */
export type MOp =
  | {
      k: 'alu';
      unit: 'add' | 'mul';
      op: Vc4AddOp | Vc4MulOp;
      dst?: Dst;
      a?: Src;
      b?: Src;
      /** Per-lane write condition: the old value of dst stays where it does not hold. */
      cond?: Vc4Cond;
      sf?: boolean;
      /** Mul-ALU vector rotation (sig 13): 1–15 lanes, or 0 = by r5. Sources must be accumulators. */
      rot?: number;
      loc?: SourceLoc;
    }
  /** Load a 32-bit immediate (sig 14). */
  | { k: 'ldi'; dst: Dst; value: number; cond?: Vc4Cond; loc?: SourceLoc }
  /** A branch to a block id (-1: the program end); emit.ts adds the 3 delay slots. */
  | { k: 'br'; cond: Vc4BranchCond; target: number; loc?: SourceLoc }
  /** Semaphore increment (acquire false) or decrement. */
  | { k: 'sem'; acquire: boolean; n: number; loc?: SourceLoc }
  /** An instruction with no ALU work, optionally carrying a signal. */
  | { k: 'nop'; sig?: MSignal; loc?: SourceLoc };

/** A machine block; control falls through to the next block in order unless it ends with an unconditional branch. */
export interface MBlock {
  id: number;
  ops: MOp[];
}

/** Shorthands. */
export const vreg = (id: number): VReg => ({ k: 'v', id });
export const acc = (n: number): Acc => ({ k: 'acc', n });

export { smallImmCode, smallImmBits } from '../../isa/vc4/table.ts';

/** Virtual registers an op reads (a conditional write also reads its destination). */
export function usesOf(o: MOp): VReg[] {
  const out: VReg[] = [];
  if (o.k === 'alu') {
    if (o.a?.k === 'v') out.push(o.a);
    if (o.b?.k === 'v') out.push(o.b);
    if (o.cond && o.cond !== 'always' && o.dst?.k === 'v') out.push(o.dst);
  } else if (o.k === 'ldi' && o.cond && o.cond !== 'always' && o.dst.k === 'v') out.push(o.dst);
  return out;
}

/** The virtual register an op writes, if any. */
export function defOf(o: MOp): VReg | undefined {
  if ((o.k === 'alu' || o.k === 'ldi') && o.dst?.k === 'v') return o.dst;
  return undefined;
}

/** The source of a plain copy (`or d, x, x` on the add ALU, unconditional, no flags), else undefined. */
export function copySource(o: MOp): Src | undefined {
  if (o.k !== 'alu' || o.op !== 'or' || o.sf || (o.cond !== undefined && o.cond !== 'always') || !o.a || !o.b) return undefined;
  return sameSrc(o.a, o.b) ? o.a : undefined;
}

/** Whether two operands name the same thing. */
export function sameSrc(a: Src | undefined, b: Src | undefined): boolean {
  if (a === undefined || b === undefined || a.k !== b.k) return false;
  switch (a.k) {
    case 'v': return a.id === (b as VReg).id;
    case 'acc': return a.n === (b as Acc).n;
    case 'imm': return a.code === (b as SmallImm).code;
    case 'io': return a.file === (b as IoRead).file && a.addr === (b as IoRead).addr;
  }
}

/** How many ops write each virtual register. */
export function definitionCounts(blocks: readonly MBlock[]): Map<number, number> {
  const defs = new Map<number, number>();
  for (const b of blocks) for (const o of b.ops) {
    const d = defOf(o);
    if (d) defs.set(d.id, (defs.get(d.id) ?? 0) + 1);
  }
  return defs;
}

/**
 * The register a conditional mul-ALU op writes (a packed counter's byte add, `v8adds.ifzs w, w, inc`, which shares
 * its word with the next compare), else undefined.
 */
export function conditionalMulDst(o: MOp): VReg | undefined {
  return o.k === 'alu' && o.unit === 'mul' && o.cond && o.cond !== 'always' && o.dst?.k === 'v' ? o.dst : undefined;
}

/** How many ops read each virtual register (an op naming one twice, like the copy `or d, v, v`, is one reader). */
export function readerCounts(blocks: readonly MBlock[]): Map<number, number> {
  const readers = new Map<number, number>();
  for (const b of blocks) for (const o of b.ops) for (const id of new Set(usesOf(o).map((u) => u.id))) readers.set(id, (readers.get(id) ?? 0) + 1);
  return readers;
}
