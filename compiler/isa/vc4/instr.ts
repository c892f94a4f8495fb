/**
 * Structured VideoCore IV instructions: one object per 64-bit word, mirroring
 * the encoding's fields (compiler/isa/vc4/table.ts) so that decode → encode is
 * the identity, including the bits the hardware ignores.
 */
import type {
  VC4_ADD_OPS, VC4_BRANCH_CONDS, VC4_CONDS, VC4_LDI_MODES, VC4_MUL_OPS, VC4_MUXES, VC4_SIGNALS,
} from './table.ts';

/** Add-ALU op name ('nop', 'fadd', … 'v8subs'). */
export type Vc4AddOp = (typeof VC4_ADD_OPS)[number]['name'];
/** Mul-ALU op name ('nop', 'fmul', 'mul24', 'v8muld', 'v8min', 'v8max', 'v8adds', 'v8subs'). */
export type Vc4MulOp = (typeof VC4_MUL_OPS)[number]['name'];
/** Per-element write condition. */
export type Vc4Cond = (typeof VC4_CONDS)[number]['name'];
/** Branch condition over all/any of the 16 elements' flags. */
export type Vc4BranchCond = (typeof VC4_BRANCH_CONDS)[number]['name'];
/** ALU signal ('none', 'ldtmu0', … ; 'smi' = raddr_b holds a small immediate). */
export type Vc4Signal = (typeof VC4_SIGNALS)[number]['name'];
/** ALU input: accumulator r0–r5, or the regfile A / B read port ('rb' is the small immediate under 'smi'). */
export type Vc4Mux = (typeof VC4_MUXES)[number];
/** Load-immediate mode: 32-bit, per-element signed or unsigned 2-bit. */
export type Vc4LdiMode = (typeof VC4_LDI_MODES)[number]['name'];

/** Destination and flag fields shared by ALU, load-immediate and semaphore words. */
export interface Vc4WriteFields {
  /** Regfile-A pack (pm = false) or mul colour pack (pm = true) mode, 0–15. */
  pack: number;
  /** The PM bit: selects r4 unpack / mul pack instead of regfile-A unpack / pack. */
  pm: boolean;
  condAdd: Vc4Cond;
  condMul: Vc4Cond;
  /** Set flags (from the add result unless the add op is nop). */
  sf: boolean;
  /** Write swap: add → regfile B space, mul → regfile A space. */
  ws: boolean;
  /** 0–63, in A space (B space when ws). */
  waddrAdd: number;
  /** 0–63, in B space (A space when ws). */
  waddrMul: number;
}

/** An ALU instruction (sig 0–13). */
export interface Vc4AluInstr extends Vc4WriteFields {
  kind: 'alu';
  sig: Vc4Signal;
  /** Unpack mode 0–7, on regfile-A reads (pm = false) or r4 reads (pm = true). */
  unpack: number;
  opAdd: Vc4AddOp;
  opMul: Vc4MulOp;
  /** Regfile-A read address 0–63. */
  raddrA: number;
  /** Regfile-B read address 0–63, or the small-immediate code when sig is 'smi'. */
  raddrB: number;
  addA: Vc4Mux;
  addB: Vc4Mux;
  mulA: Vc4Mux;
  mulB: Vc4Mux;
}

/** A load-immediate instruction (sig 14, mode 0, 1 or 3). */
export interface Vc4LoadImmInstr extends Vc4WriteFields {
  kind: 'ldi';
  mode: Vc4LdiMode;
  /** The low 32 bits, unsigned. */
  imm: number;
}

/** A semaphore instruction (sig 14, mode 4). */
export interface Vc4SemaphoreInstr extends Vc4WriteFields {
  kind: 'sem';
  /** true: decrement (sacq, stalls at 0); false: increment (srel). */
  acquire: boolean;
  /** Semaphore number 0–15. */
  semaphore: number;
  /** Bits 31:5 of the immediate (ignored by the semaphore unit), 0 … 2^27−1. */
  high: number;
}

/** A branch instruction (sig 15). */
export interface Vc4BranchInstr {
  kind: 'branch';
  cond: Vc4BranchCond;
  /** Relative: add the address of the instruction after the 3 delay slots. */
  rel: boolean;
  /** Add element 0 of regfile-A register raddrA. */
  reg: boolean;
  /** 0–31. */
  raddrA: number;
  ws: boolean;
  /** Link destinations (receive the return address), 39 for none. */
  waddrAdd: number;
  waddrMul: number;
  /** Signed 32-bit byte offset/address. */
  imm: number;
  /** Bits 59:56, ignored by the hardware. */
  unused: number;
}

/** Any VideoCore IV instruction. */
export type Vc4Instr = Vc4AluInstr | Vc4LoadImmInstr | Vc4SemaphoreInstr | Vc4BranchInstr;

/** The canonical no-op: `nop` (0x100009e7009e7000). */
export function vc4Nop(): Vc4AluInstr {
  return {
    kind: 'alu', sig: 'none', unpack: 0, pm: false, pack: 0, condAdd: 'never', condMul: 'never', sf: false, ws: false,
    waddrAdd: 39, waddrMul: 39, opAdd: 'nop', opMul: 'nop', raddrA: 39, raddrB: 39,
    addA: 'r0', addB: 'r0', mulA: 'r0', mulB: 'r0',
  };
}
