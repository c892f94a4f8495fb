/**
 * Shared state and helpers of V3D instruction selection: the per-function
 * context, operand access, and small builders that the op files
 * (isel-int.ts, isel-float.ts, isel-memory.ts, isel-lanes.ts) compose.
 */
import type { V3dVersion, Cond, PushFlag } from '../../isa/v3d/instr.ts';
import { MAGIC, smallImmIndex } from '../../isa/v3d/instr.ts';
import { MUL_ONLY_OPS } from '../../isa/v3d/table.ts';
import type { Instr, IrFunction, SourceLoc, Value } from '../../ir/types.ts';
import type { MBlock, MDst, MFunction, MInstr, MSrc, UniformSlot, VReg } from './mir.ts';
import { imm, magic, vreg } from './mir.ts';
import { f32Bits } from '../../ir/f32.ts';
import { constBits } from '../../ir/values.ts';
import { BackendError } from '../contract.ts';
import type { OpName } from '../../ir/ops.ts';

export { BackendError };

/** Instruction-selection state for one function. */
export interface Ctx {
  ver: V3dVersion;
  fn: IrFunction;
  mf: MFunction;
  cur: MInstr[];
  /** IR value id → machine operand. */
  vals: Map<number, MSrc>;
  /** IR value id → defining instruction (for fusing any/all into branches, constant operands). */
  defs: Map<number, Instr>;
  loc?: SourceLoc;
  blockOf: Map<number, MBlock>;
  /** IR value whose zero test flag A holds, if any. */
  flagsFrom?: number;
  /** A store may still be in flight (conservatively true at every block start once the kernel stores). */
  storesPending: boolean;
  /** Whether the kernel stores at all. */
  kernelStores: boolean;
  /** In the current block: scaled `gep` indices already computed (IR value id and shift → register), reused by later geps. */
  scaledIndex: Map<string, VReg>;
  /** The condition under which bool `v` holds, with the flags set for it (isel.ts: a compare's own flags where it is not materialised). */
  condition?: (v: Value) => Cond;
  /** The open run of atomics that share one `tmuc` word (isel-memory.ts `atomic`), if the last lookup was one. */
  tmuGroup?: TmuConfigGroup;
}

/** Consecutive atomics of one block whose config bytes one `tmuc` word carries (up to four, low byte first). */
export interface TmuConfigGroup {
  /** The `tmuc` write, its source set when the group closes. */
  mov: MInstr;
  /** The config byte of each atomic in the group, in order. */
  bytes: number[];
  /** The block's instruction list (a group never spans blocks). */
  block: MInstr[];
}

/** Handler that selects one IR op into machine ops writing `d`. */
export type OpHandler = (c: Ctx, ins: Instr, d: VReg) => void;

/** Handlers of some IR ops (each isel-*.ts file has one such table; isel.ts checks that together they cover every op). */
export type OpHandlers = { readonly [K in OpName]?: OpHandler };

/** Ops of the mul ALU (the ISA table's mul-only ops); every other ALU op goes to the add ALU. */
const MUL_OPS = MUL_ONLY_OPS;

/** A fresh virtual register. */
export function newVReg(c: Ctx): VReg {
  return vreg(c.mf.nextVReg++);
}

/** Append a machine op to the current block. */
export function emit(c: Ctx, i: MInstr): void {
  if (c.loc && !i.loc) i.loc = c.loc;
  if (i.pf || i.uf) c.flagsFrom = undefined;
  c.cur.push(i);
}

/** Machine operand of an IR value (small immediates stay immediates). */
export function src(c: Ctx, v: Value): MSrc {
  const s = c.vals.get(v.id);
  if (!s) throw new BackendError(`value %${v.id} used before it is defined`, c.loc);
  return s;
}

/** A register holding `s` (immediates are copied into a register). */
export function inReg(c: Ctx, s: MSrc): MSrc {
  if (s.kind !== 'imm') return s;
  const d = newVReg(c);
  mov(c, d, s);
  return d;
}

/** A register operand of an IR value. */
export function reg(c: Ctx, v: Value): MSrc {
  return inReg(c, src(c, v));
}

/** dst := s (where `cond` holds, if given). */
export function mov(c: Ctx, dst: MDst, s: MSrc, cond?: Cond): void {
  emit(c, { unit: 'add', op: 'mov', dst, srcs: [s], ...(cond ? { cond } : {}) });
}

/** One ALU op; operand immediates are made legal for the version (one small-immediate field). */
export function alu(c: Ctx, unit: 'add' | 'mul', op: string, dst: MDst, srcs: MSrc[], extra: Partial<MInstr> = {}): void {
  const [a, b] = srcs;
  if (srcs.length === 2 && a?.kind === 'imm' && b?.kind === 'imm' && (a.value !== b.value || c.ver === 71)) {
    srcs = [inReg(c, a), b];
  }
  emit(c, { unit, op, dst, srcs, ...extra });
}

/** d := op(srcs) on the ALU that has `op`; returns d. */
export function op(c: Ctx, name: string, ...srcs: MSrc[]): VReg {
  const d = newVReg(c);
  alu(c, MUL_OPS.has(name) ? 'mul' : 'add', name, d, srcs);
  return d;
}

/** Set flags from op(srcs) without keeping the result. */
export function flagOp(c: Ctx, name: string, pf: PushFlag, ...srcs: MSrc[]): void {
  alu(c, MUL_OPS.has(name) ? 'mul' : 'add', name, magic(MAGIC.NOP), srcs, { pf });
}

/** A copy of `base`, overwritten with `s` where `cond` holds (flags set by the caller just before). */
export function override(c: Ctx, base: MSrc, cond: Cond, s: MSrc): VReg {
  const d = newVReg(c);
  mov(c, d, base);
  mov(c, d, s, cond);
  return d;
}

/** Full 32-bit product (low word): `multop` fills rtop, `umul24` consumes it (Mesa vir_UMUL). */
export function mul32(c: Ctx, x: MSrc, y: MSrc, d: VReg = newVReg(c)): VReg {
  alu(c, 'mul', 'multop', magic(MAGIC.NOP), [x, y]);
  alu(c, 'mul', 'umul24', d, [x, y]);
  return d;
}

/**
 * Set flag A from a 0/1 bool register: A := (b == 0), so `ifna` selects lanes
 * where b is true. Testing the same SSA value again, with no flag write in
 * between, reuses the flags.
 */
export function pushZeroTest(c: Ctx, b: MSrc, value?: Value): void {
  if (value && c.flagsFrom === value.id) return;
  const r = c.ver === 71 ? inReg(c, b) : b; // 7.1: one immediate operand per instruction
  emit(c, { unit: 'add', op: 'or', dst: magic(MAGIC.NOP), srcs: [r, r], pf: 'pushz' });
  if (value) c.flagsFrom = value.id;
}

/** The condition under which lane mask `v` of a memory op holds, with the flags set for it. */
export function maskCondition(c: Ctx, v: Value): Cond {
  if (c.condition) return c.condition(v);
  pushZeroTest(c, src(c, v), v);
  return 'ifna';
}

/** dst := 1 where `cond` holds, else 0. */
export function boolFromFlags(c: Ctx, dst: VReg, cond: Cond): void {
  mov(c, dst, imm(0));
  mov(c, dst, imm(1), cond);
}

/** The 32-bit value of a constant IR value, or undefined. */
export function constValue(c: Ctx, v: Value): number | undefined {
  const def = c.defs.get(v.id);
  return def?.op === 'const' ? constBits(def) : undefined;
}

/** Registers read at entry: uniforms in stream order, then the payload-derived ids. */
export interface EntryRegs {
  /** The batch's index in the launch: workgroup X × batches per workgroup + the batch within its workgroup. */
  qpuId?: VReg;
  /** The workgroup's index (workgroup X: the runtime dispatches workgroups as one row). */
  groupId?: VReg;
  /** The lane's local invocation index within its workgroup. */
  localId?: VReg;
  uniforms: Map<string, VReg>;
}
/** Entry state per machine function. */
export const entryRegs = new WeakMap<MFunction, EntryRegs>();

/** The register holding a uniform-stream word (read once at entry). */
export function uniformReg(c: Ctx, slot: UniformSlot): VReg {
  const e = entryRegs.get(c.mf);
  if (!e) throw new BackendError('entry state missing', c.loc);
  const key = JSON.stringify(slot);
  let r = e.uniforms.get(key);
  if (!r) {
    r = newVReg(c);
    e.uniforms.set(key, r);
    c.mf.uniforms.push(slot);
  }
  return r;
}

/** A 32-bit constant: a small immediate when it is one, else a uniform word. */
export function k32(c: Ctx, bits: number): MSrc {
  const b = bits >>> 0;
  return smallImmIndex(b) !== undefined ? imm(b) : uniformReg(c, { kind: 'const', value: b });
}

/** An f32 constant operand. */
export function kf(c: Ctx, x: number): MSrc {
  return k32(c, f32Bits(x));
}

/** The register with this batch's QPU id (its index in the launch). */
export function qpuIdReg(c: Ctx): VReg {
  return entryReg(c, 'qpuId');
}

/** A payload-derived id register (computed in the entry prologue: isel.ts). */
export function entryReg(c: Ctx, which: 'qpuId' | 'groupId' | 'localId'): VReg {
  const e = entryRegs.get(c.mf);
  if (!e) throw new BackendError('entry state missing', c.loc);
  return (e[which] ??= newVReg(c));
}

/** Operand `k` of an instruction, or a BackendError. */
export function arg(c: Ctx, ins: Instr, k: number): Value {
  const v = ins.args[k];
  if (!v) throw new BackendError(`${ins.op}: missing operand ${k}`, c.loc);
  return v;
}
