/**
 * Shared state and helpers of VC4 instruction selection: the per-function
 * context, operand access, and the small builders the op files
 * (isel-int.ts, isel-float.ts, isel-memory.ts, isel-lanes.ts) compose.
 */
import type { Instr, IrFunction, SourceLoc, Value } from '../../ir/types.ts';
import type { Vc4AddOp, Vc4BranchCond, Vc4Cond, Vc4MulOp } from '../../isa/vc4/instr.ts';
import { VC4_MUL_OPS } from '../../isa/vc4/table.ts';
import { constBits } from '../../ir/values.ts';
import { BackendError, type UniformSlot } from '../contract.ts';
import type { Dst, MBlock, MOp, Src, VReg } from './mir.ts';
import { smallImmCode, vreg } from './mir.ts';

export { BackendError };

/** How one uniform-stream word is filled at launch (VC4: every QPU reads its own stream, with its logical number). */
export type Vc4UniformSlot = UniformSlot;

/** I/O register addresses (notes §2). */
export const IO = {
  UNIF: 32, ACC0: 32, TMU_NOSWAP: 36, R5: 37, ELEM_NUM: 38, QPU_NUM: 38, HOST_INT: 38, NOP: 39, VPM: 48,
  VPM_SETUP: 49, VPM_WAIT: 50, DMA_ADDR: 50, MUTEX: 51, SFU_RECIP: 52, SFU_RSQRT: 53, SFU_EXP: 54, SFU_LOG: 55, TMU0_S: 56, TMU1_S: 60,
} as const;

/** Instruction-selection state for one function. */
export interface Ctx {
  fn: IrFunction;
  /** Machine blocks in layout order (selection appends; splits insert new blocks as they go). */
  out: MBlock[];
  cur: MBlock;
  vals: Map<number, Src>;
  defs: Map<number, Instr>;
  loc?: SourceLoc;
  nextVReg: number;
  nextBlock: number;
  /** Prologue: uniform reads in stream order, then constants. */
  uniforms: Vc4UniformSlot[];
  unifRegs: Map<string, VReg>;
  constRegs: Map<number, VReg>;
  /** Registers computed once in the prologue (VPM setups, element number…), by name. */
  entryRegs: Map<string, { reg: VReg; ops: (c: Ctx, d: VReg) => void }>;
  /**
   * IR value whose test the flags hold, if any: Z set where it is 0, or, for a compare that is never made 0/1
   * (`lazyCompares`), the flags of the compare itself, true where {@link Ctx.flagsCond} holds.
   */
  flagsFrom?: number;
  /** The condition under which {@link Ctx.flagsFrom} is true when it is a lazy compare. */
  flagsCond?: Vc4Cond;
  /** Integer compares read only as select conditions (by result id): each select sets the flags from the compare. */
  lazyCompares: ReadonlyMap<number, Instr>;
  /**
   * Tags of the store batches whose DMA is not waited for (isel-memory.ts storeGroups): while one may still run,
   * every VPM or DMA use, load not tagged `disjoint` with its tag, atomic, barrier and the program end waits for it
   * first (`vw_wait`). Empty when the function has none.
   */
  pendingDma: ReadonlySet<number>;
  /**
   * In a `noalias` kernel, the pointer parameters (value ids) that store runs write through: a run's DMA is not
   * waited for either (isel-memory.ts storeGroup), and a load waits first unless it reads through another pointer
   * parameter (the option's promise keeps those apart). Empty when the function has none.
   */
  runRoots: ReadonlySet<number>;
  /** Every instruction of the function with a result, by result id (SSA: the definitions of all blocks). */
  allDefs: ReadonlyMap<number, Instr>;
}

/** Handler that selects one IR op into machine ops writing `d`. */
export type OpHandler = (c: Ctx, ins: Instr, d: VReg) => void;

const MUL_OPS = new Set<string>(VC4_MUL_OPS.map((o) => o.name).filter((n) => n !== 'nop'));

/** A fresh virtual register. */
export function newVReg(c: Ctx): VReg {
  return vreg(c.nextVReg++);
}

/** Append a machine op to the current block. */
export function emit(c: Ctx, o: MOp): void {
  if (c.loc && !o.loc) o.loc = c.loc;
  if (o.k === 'alu' && o.sf) c.flagsFrom = undefined;
  c.cur.ops.push(o);
}

/** A new empty block id (placed with {@link startBlock}). */
export function newBlockId(c: Ctx): number {
  return c.nextBlock++;
}

/** Continue selection in a new block `id`, placed after everything emitted so far. */
export function startBlock(c: Ctx, id: number): void {
  const b: MBlock = { id, ops: [] };
  c.out.push(b);
  c.cur = b;
  c.flagsFrom = undefined;
  c.constRegs = new Map();
}

/** A branch to block `target` on `cond`. */
export function branch(c: Ctx, cond: Vc4BranchCond, target: number): void {
  emit(c, { k: 'br', cond, target });
}

/** Machine operand of an IR value. */
export function src(c: Ctx, v: Value): Src {
  const def = c.defs.get(v.id);
  if (def?.op === 'const') return k32(c, constBits(def));
  const s = c.vals.get(v.id);
  if (!s) throw new BackendError(`value %${v.id} used before it is defined`, c.loc);
  return s;
}

/** Operand `k` of an instruction, or a BackendError. */
export function arg(c: Ctx, ins: Instr, k: number): Value {
  const v = ins.args[k];
  if (!v) throw new BackendError(`${ins.op}: missing operand ${k}`, c.loc);
  return v;
}

/** One ALU op writing `dst`. */
export function alu(c: Ctx, op: Vc4AddOp | Vc4MulOp, dst: Dst, a?: Src, b?: Src, extra: { cond?: Vc4Cond; sf?: boolean } = {}): void {
  const unit = MUL_OPS.has(op) ? 'mul' : 'add';
  emit(c, { k: 'alu', unit, op, dst, ...(a ? { a } : {}), ...(b ? { b } : {}), ...extra });
}

/** d := op(a, b) in a fresh register; returns d. */
export function op(c: Ctx, name: Vc4AddOp | Vc4MulOp, a: Src, b?: Src): VReg {
  const d = newVReg(c);
  alu(c, name, d, a, b ?? a);
  return d;
}

/** Set flags from op(a, b) without keeping the result. */
export function flags(c: Ctx, name: Vc4AddOp, a: Src, b?: Src): void {
  alu(c, name, { k: 'io', addr: IO.NOP }, a, b ?? a, { sf: true });
}

/** dst := s (where `cond` holds, if given). */
export function mov(c: Ctx, dst: Dst, s: Src, cond?: Vc4Cond): void {
  alu(c, 'or', dst, s, s, cond ? { cond } : {});
}

/** A copy of `base`, overwritten with `s` where `cond` holds (flags set just before by the caller). */
export function override(c: Ctx, base: Src, cond: Vc4Cond, s: Src): VReg {
  const d = newVReg(c);
  mov(c, d, base);
  mov(c, d, s, cond);
  return d;
}

/** The register holding a uniform-stream word (read once in the prologue). */
export function uniformReg(c: Ctx, slot: Vc4UniformSlot): VReg {
  const key = JSON.stringify(slot);
  let r = c.unifRegs.get(key);
  if (!r) {
    r = newVReg(c);
    c.unifRegs.set(key, r);
    c.uniforms.push(slot);
  }
  return r;
}

/**
 * A 32-bit constant: a small immediate when it is one, else a register
 * loaded with `ldi` where first needed in the current block (one word, so
 * constants are rematerialised per block instead of living through the
 * kernel).
 */
export function k32(c: Ctx, bits: number): Src {
  const b = bits >>> 0;
  const code = smallImmCode(b);
  if (code !== undefined) return { k: 'imm', code };
  let r = c.constRegs.get(b);
  if (!r) {
    r = newVReg(c);
    c.constRegs.set(b, r);
    emit(c, { k: 'ldi', dst: r, value: b });
  }
  return r;
}

/** A constant in a register (never a small immediate): for operands whose partner is already an immediate. */
export function kReg(c: Ctx, bits: number): Src {
  const s = k32(c, bits);
  if (s.k !== 'imm') return s;
  return inReg(c, s);
}

/** A register holding `s` (immediates and I/O reads are copied). */
export function inReg(c: Ctx, s: Src): Src {
  if (s.k === 'v') return s;
  const d = newVReg(c);
  mov(c, d, s);
  return d;
}

/** A register computed once in the prologue by `ops` (VPM setups and the like). */
export function entryReg(c: Ctx, name: string, ops: (c: Ctx, d: VReg) => void): VReg {
  let e = c.entryRegs.get(name);
  if (!e) {
    e = { reg: newVReg(c), ops };
    c.entryRegs.set(name, e);
  }
  return e.reg;
}

/** The 32-bit value of a constant IR value, or undefined. */
export function constValue(c: Ctx, v: Value): number | undefined {
  const def = c.defs.get(v.id);
  return def?.op === 'const' ? constBits(def) : undefined;
}

/**
 * Set Z from a 0/1 bool: Z is set where b is false, so `zc` selects lanes
 * where it is true. Testing the same SSA value again, with no flag write in
 * between, reuses the flags.
 */
export function zeroTest(c: Ctx, b: Src, value?: Value): void {
  if (value && c.flagsFrom === value.id) return;
  flags(c, 'or', b, b);
  if (value) c.flagsFrom = value.id;
}

/** dst := 1 where `cond` holds, else 0. */
export function boolFromFlags(c: Ctx, dst: VReg, cond: Vc4Cond): void {
  // The 0 must not disturb the flags: a plain move does not set them.
  mov(c, dst, { k: 'imm', code: 0 });
  mov(c, dst, { k: 'imm', code: 1 }, cond);
}

/** This QPU's logical number (a uniform word per QPU). */
export function qpuIdReg(c: Ctx): VReg {
  return uniformReg(c, { kind: 'qpuId' });
}

/** Element number 0–15 of each lane. */
export function elemReg(c: Ctx): VReg {
  return entryReg(c, 'elem', (cc, d) => mov(cc, d, { k: 'io', file: 'A', addr: IO.ELEM_NUM }));
}
