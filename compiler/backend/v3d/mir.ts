/**
 * Machine IR for the V3D backends (vc6, vc7): one machine operation per
 * MInstr over virtual registers, in blocks, before register allocation and
 * before add/mul pairing. Flags are implicit state: an instruction that
 * pushes flags and the instructions that read them stay in order.
 */
import type { BranchCond, Cond, PushFlag, UpdateFlag } from '../../isa/v3d/instr.ts';
import type { SourceLoc } from '../../ir/types.ts';
import type { UniformSlot } from '../contract.ts';

/** A virtual register (allocated to an rf entry later). */
export interface VReg {
  kind: 'vreg';
  id: number;
}
/** A fixed register-file entry (payload registers at entry). */
export interface PhysReg {
  kind: 'rf';
  index: number;
}
/** A magic write address (tmua, tmud, nop, sfu…). */
export interface Magic {
  kind: 'magic';
  addr: number;
}
/** A 32-bit constant that fits a small immediate. */
export interface SmallImm {
  kind: 'imm';
  value: number;
}
/**
 * A 4.2 accumulator (r0..r5), used only inside short fixed sequences (the
 * full-rotate idiom needs an accumulator source, notes 2.8). The allocator
 * never sees them; the scheduler orders their reads and writes. `waddr`
 * overrides the write address (55 = r5rep: lane 0 to every lane of r5).
 */
export interface Acc {
  kind: 'acc';
  index: number;
  waddr?: number;
}
/** An instruction source. */
export type MSrc = VReg | PhysReg | SmallImm | Acc;
/** An instruction destination. */
export type MDst = VReg | PhysReg | Magic | Acc;

/** Which part of the V3D instruction word an operation occupies ('sync': a barrier, laid out by emit.ts as its own word). */
export type MUnit = 'add' | 'mul' | 'sig' | 'branch' | 'sync';

/** One machine operation. */
export interface MInstr {
  unit: MUnit;
  /** Mesa op name for add/mul; signal name for 'sig' (ldunifrf, ldtmu, thrsw); 'b' for branches. */
  op: string;
  dst?: MDst;
  srcs: MSrc[];
  /** The write happens only where the condition holds: the old value of dst stays live (read). */
  cond?: Cond;
  pf?: PushFlag;
  uf?: UpdateFlag;
  /** Branch condition and target block id. */
  branch?: { cond: BranchCond; target: number };
  /** For writes to tmua: whether the lookup returns data (a load) or not (a store). */
  tmu?: 'load' | 'store';
  /** For a load's tmua: the words per lane it returns (a vec2–vec4 lookup; default 1), each collected by one `ldtmu`. */
  tmuWords?: number;
  /**
   * On a `tmuc` write that configures several lookups (isel-memory.ts `TMU_CONFIG_GROUP`): the config byte of
   * each of the next lookups it serves, in order (0xFF for a plain 32-bit load or store). Spill code, which adds
   * lookups of its own, splits such a group back into one `tmuc` per atomic (spill.ts).
   */
  tmuConfig?: number[];
  /** 4.2 rotate signal on this mul op: the amount (a small immediate 1..15, or r5). */
  rotate?: SmallImm | Acc;
  loc?: SourceLoc;
}

/** A machine basic block. Control falls through to the next block in order unless the last instruction is an unconditional branch. */
export interface MBlock {
  id: number;
  instrs: MInstr[];
  /**
   * Result words of earlier lookups still in the TMU output FIFO when the block starts (carry.ts: loads carried
   * across a loop's back edge); its first `ldtmu`s collect them. Absent: none.
   */
  pendingAtEntry?: number;
}

export type { UniformSlot } from '../contract.ts';

/** A machine function: blocks in layout order, and the uniform words it reads at entry. */
export interface MFunction {
  name: string;
  blocks: MBlock[];
  uniforms: UniformSlot[];
  nextVReg: number;
  /**
   * Registers that hold a constant uniform word (vreg id to its 32 bits): when
   * one must leave the register file, it is rebuilt where used instead of
   * taking a spill slot (compiler/backend/v3d/spill.ts).
   */
  constants?: Map<number, number>;
  /** Work items per workgroup (16 when absent): how the payload gives the batch index (payload.ts). */
  workgroupSize?: number;
  /** Switch to the QPU's other thread before waiting for a lookup's data (the kernel's `threadSwitch` option; thrsw.ts). */
  threadSwitch?: boolean;
}

/** Shorthands. */
export const vreg = (id: number): VReg => ({ kind: 'vreg', id });
export const magic = (addr: number): Magic => ({ kind: 'magic', addr });
export const imm = (value: number): SmallImm => ({ kind: 'imm', value: value >>> 0 });
export const rf = (index: number): PhysReg => ({ kind: 'rf', index });
export const acc = (index: number, waddr?: number): Acc => (waddr === undefined ? { kind: 'acc', index } : { kind: 'acc', index, waddr });

/** Registers an instruction reads (conditional writes also read their destination). */
export function usesOf(i: MInstr): (VReg | PhysReg)[] {
  const out: (VReg | PhysReg)[] = [];
  for (const s of i.srcs) if (s.kind === 'vreg' || s.kind === 'rf') out.push(s);
  if (i.cond && i.dst && (i.dst.kind === 'vreg' || i.dst.kind === 'rf')) out.push(i.dst);
  return out;
}

/** Register keys by number, made once: the allocator's sets then hash the same strings again and again. */
const VREG_KEYS: string[] = [];
const RF_KEYS: string[] = [];
/** A register's key in the allocator's sets ('v12', 'rf3'). */
export const regKey = (r: VReg | PhysReg): string => (r.kind === 'vreg' ? (VREG_KEYS[r.id] ??= `v${r.id}`) : (RF_KEYS[r.index] ??= `rf${r.index}`));

/** The register an instruction writes, if any. */
export function defOf(i: MInstr): VReg | PhysReg | undefined {
  return i.dst && (i.dst.kind === 'vreg' || i.dst.kind === 'rf') ? i.dst : undefined;
}
