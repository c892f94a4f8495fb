/**
 * Pre-decoding: a structured `V3dInstr` becomes a flat record of numbers the
 * executor reads without string compares (operand rows, destination kinds,
 * condition codes). Done once per code address and cached.
 */
import { RuntimeError, RUNTIME_ERROR_CODES } from '../../errors.ts';
import type { Cond, PushFlag, UpdateFlag, Unpack, V3dAluInstr, V3dAluPart, V3dBranchInstr, V3dInput, V3dInstr, V3dVersion } from '../../../compiler/isa/v3d/instr.ts';
import { smallImmValue } from '../../../compiler/isa/v3d/instr.ts';
import { addOpInfo, mulOpInfo } from '../../../compiler/isa/v3d/table.ts';
import { ALU_OPS, type AluOpDef } from './alu-ops.ts';
import type { InstrFn } from './codegen.ts';
import type { AluHazardFacts } from './hazards.ts';
import { LaneVec } from './lanes.ts';

/** Row of accumulator r0 in a thread's register array (4.2); r0..r5 are rows 64..69. */
export const ROW_ACC = 64;
/** Rows in a thread's register array: rf0..rf63 and r0..r5. */
export const ROWS = 70;

/** Input unpack codes. */
export const UNPACK: Record<Unpack, number> = {
  none: 0, abs: 1, l: 2, h: 3, sat: 4, nsat: 5, max0: 6, ff: 7, ll: 8, hh: 9, swp: 10, ul: 11, uh: 12, il: 13, ih: 14,
};

/** A pre-decoded operand: a register row, or an immediate when `row` is -1. */
export interface Operand {
  row: number;
  imm: number;
  unpack: number;
  /** The immediate in all 16 lanes (row -1). */
  vec: LaneVec | null;
  /** The immediate's bit pattern is a denormal float (integers 1..15 are). */
  denormal: boolean;
}

function immOperand(value: number, unpack: number): Operand {
  const vec = new LaneVec();
  vec.u.fill(value);
  return { row: -1, imm: value, unpack, vec, denormal: (value & 0x7f800000) === 0 && (value & 0x7fffff) !== 0 };
}

/** Destination kinds. */
export const DEST = {
  NONE: 0, ROW: 1, QUAD: 2, REP: 3, TMUD: 4, TMUA: 5, TMUAU: 6, TMUC: 7, SFU: 8, UNIFA: 9, SYNC: 10, SYNCU: 11, SYNCB: 12, TMU_OTHER: 13,
} as const;

/** A pre-decoded destination. */
export interface Dest {
  kind: number;
  /** Register row for ROW/QUAD/REP; magic address otherwise. */
  row: number;
  magic: number;
  /** Output pack: 0 none, 1 .l, 2 .h. */
  pack: number;
  /** The destination is an rf entry (not an accumulator or magic). */
  isRf: boolean;
}

/** One ALU half, pre-decoded. */
export interface CompiledPart {
  op: AluOpDef;
  a: Operand;
  b: Operand;
  dest: Dest;
  /** Condition: 0 none, 1 ifa, 2 ifb, 3 ifna, 4 ifnb. */
  cond: number;
  /** Push: 0 none, 1 z, 2 n, 3 c. */
  push: number;
  /** Update: 0 none, 1..12 in the UF list order. */
  update: number;
  /** 4.2 rotate signal applies to this half (mul only). */
  rotate: boolean;
}

/** A pre-decoded ALU instruction. */
export interface CompiledAlu {
  kind: 'alu';
  address: number;
  /** The instruction at address + 8, once fetched (saves the cache lookup on straight-line code). */
  next: CompiledInstr | undefined;
  /** The instruction last run after this one when that was not address + 8 (a branch's target after its slots). */
  jump: CompiledInstr | undefined;
  source: V3dAluInstr;
  add: CompiledPart | null;
  mul: CompiledPart | null;
  thrsw: boolean;
  ldunif: boolean;
  ldunifa: boolean;
  ldtmu: boolean;
  wrtmuc: boolean;
  /** Where ldunif/ldunifa (implicit) go: r5 row on 4.2, rf0 on 7.1. */
  implicitDest: Dest;
  /** Destination of ldunifrf / ldunifarf / ldtmu. */
  sigDest: Dest | null;
  ldunifrf: boolean;
  ldunifarf: boolean;
  /** 4.2 rotate amount: small-immediate value, or -1 = take it from r5. */
  rotateAmount: number;
  /** Uniforms this instruction consumes (ldunif*, tmuau/syncu, wrtmuc). */
  uniforms: number;
  /** Registers read (rows), for hazard and SFU-stall checks. */
  reads: number[];
  /** No signal, condition, flag update, pack, SFU or magic write: the executor's fast path. */
  plain: boolean;
  /** Generated code for this instruction (codegen.ts), or null to interpret it. */
  run: InstrFn | null;
  /**
   * Interpreted runs left before code is generated for this instruction (then `generate` is called and
   * `run` set): generating and compiling a function costs as much as interpreting it some dozens of times,
   * so code that runs only a few times (a short kernel, a fuzz seed) is never compiled. 0: nothing pending.
   */
  heat: number;
  /** Generates `run` once `heat` reaches 0 (set by whoever fetched the instruction). */
  generate: (() => InstrFn | null) | undefined;
  /** The hazard checker's facts about this instruction, once it has seen it. */
  facts: AluHazardFacts | undefined;
}

/** Branch condition codes. */
export const BCOND = { always: 0, a0: 1, na0: 2, alla: 3, anyna: 4, anya: 5, allna: 6 } as const;
/** Branch destination codes. */
export const BDEST = { abs: 0, rel: 1, link: 2, reg: 3 } as const;

/** A pre-decoded branch. */
export interface CompiledBranch {
  kind: 'branch';
  address: number;
  next: CompiledInstr | undefined;
  /** As {@link CompiledAlu.jump}. */
  jump: CompiledInstr | undefined;
  source: V3dBranchInstr;
  cond: number;
  bdi: number;
  ub: boolean;
  bdu: number;
  raddrA: number;
  offset: number;
}

/** Any pre-decoded instruction. */
export type CompiledInstr = CompiledAlu | CompiledBranch;

/** An instruction the emulator cannot run (unknown op, VPM/TLB, varyings). */
export class UnsupportedInstrError extends RuntimeError {
  constructor(message: string, readonly address: number) {
    super(`${message} at 0x${address.toString(16).padStart(8, '0')}`, RUNTIME_ERROR_CODES.EXECUTION);
  }
}


const CONDS: Record<Cond, number> = { ifa: 1, ifb: 2, ifna: 3, ifnb: 4 };
const PUSHES: Record<PushFlag, number> = { pushz: 1, pushn: 2, pushc: 3 };
const UPDATES: UpdateFlag[] = ['andz', 'andnz', 'nornz', 'norz', 'andn', 'andnn', 'nornn', 'norn', 'andc', 'andnc', 'nornc', 'norc'];

function destOf(waddr: number, magic: boolean, pack: number, ver: V3dVersion, address: number): Dest {
  const d = (kind: number, row = 0, isRf = false): Dest => ({ kind, row, magic: magic ? waddr : -1, pack, isRf });
  if (!magic) return d(DEST.ROW, waddr, true);
  if (ver === 42 && waddr <= 4) return d(DEST.ROW, ROW_ACC + waddr);
  // 4.2: r5 takes lane 4q for quad q, r5rep lane 0; 7.1: `quad`/`rep` do the same into rf0 (notes 2.1).
  if (waddr === 5) return d(DEST.QUAD, ver === 42 ? ROW_ACC + 5 : 0);
  if (waddr === 55) return d(DEST.REP, ver === 42 ? ROW_ACC + 5 : 0);
  switch (waddr) {
    case 6: return d(DEST.NONE);
    case 9: return d(DEST.UNIFA);
    case 11: return d(DEST.TMUD);
    case 12: return d(DEST.TMUA);
    case 13: return d(DEST.TMUAU);
    case 16: return d(DEST.SYNC);
    case 17: return d(DEST.SYNCU);
    case 18: return d(DEST.SYNCB);
    case 32: return d(DEST.TMUC);
    // 7.1 atomics pass operands via tmudref / tmuoff (pv7); they queue as data words here.
    case 38: case 39: return d(DEST.TMUD);
  }
  if (ver === 42 && waddr >= 19 && waddr <= 24) return d(DEST.SFU);
  if (waddr === 10 || (waddr >= 33 && waddr <= 46)) return d(DEST.TMU_OTHER);
  throw new UnsupportedInstrError(`magic write address ${waddr} (TLB/VPM/reserved) is not supported in compute`, address);
}

function packCode(p: 'none' | 'l' | 'h'): number {
  return p === 'none' ? 0 : p === 'l' ? 1 : 2;
}

function operand42(inp: V3dInput, instr: V3dAluInstr): Operand {
  const unpack = UNPACK[inp.unpack];
  if (inp.mux <= 5) return { row: ROW_ACC + inp.mux, imm: 0, unpack, vec: null, denormal: false };
  if (inp.mux === 6) return { row: instr.raddrA, imm: 0, unpack, vec: null, denormal: false };
  if (instr.sig.smallImmB && !instr.sig.rotate) return immOperand(smallImmValue(instr.raddrB), unpack);
  return { row: instr.raddrB, imm: 0, unpack, vec: null, denormal: false };
}

function operand71(inp: V3dInput, small: boolean): Operand {
  const unpack = UNPACK[inp.unpack];
  if (small) return immOperand(smallImmValue(inp.raddr), unpack);
  return { row: inp.raddr, imm: 0, unpack, vec: null, denormal: false };
}

function part(p: V3dAluPart, which: 'add' | 'mul', instr: V3dAluInstr, ver: V3dVersion, address: number): CompiledPart | null {
  if (p.op === 'nop') return null;
  const op = ALU_OPS.get(p.op);
  if (!op) {
    throw new UnsupportedInstrError(`ALU op '${p.op}' is not supported: it is not a compute op`, address);
  }
  const s = instr.sig;
  const a = ver === 42 ? operand42(p.a, instr) : operand71(p.a, which === 'add' ? s.smallImmA : s.smallImmC);
  const b = ver === 42 ? operand42(p.b, instr) : operand71(p.b, which === 'add' ? s.smallImmB : s.smallImmD);
  const f = instr.flags;
  const cond = which === 'add' ? f.ac : f.mc;
  const push = which === 'add' ? f.apf : f.mpf;
  const update = which === 'add' ? f.auf : f.muf;
  // Ops without a destination in the ISA table (7.1 setnnmode_*) write nothing, whatever the waddr field holds.
  const info = which === 'add' ? addOpInfo(p.op, ver) : mulOpInfo(p.op, ver);
  const dest = info && !info.hasDestination ? { kind: DEST.NONE, row: 0, magic: -1, pack: 0, isRf: false } : destOf(p.waddr, p.magic, packCode(p.pack), ver, address);
  return {
    op, a, b,
    dest,
    cond: cond ? CONDS[cond] : 0,
    push: push ? PUSHES[push] : 0,
    update: update ? UPDATES.indexOf(update) + 1 : 0,
    rotate: which === 'mul' && ver === 42 && s.rotate,
  };
}

/** Pre-decode one instruction at `address` for version `ver`. */
export function compileInstr(instr: V3dInstr, address: number, ver: V3dVersion): CompiledInstr {
  if (instr.kind === 'branch') {
    return {
      kind: 'branch', address, next: undefined, jump: undefined, source: instr, cond: BCOND[instr.cond], bdi: BDEST[instr.bdi], ub: instr.ub,
      bdu: BDEST[instr.bdu], raddrA: instr.raddrA, offset: instr.offset,
    };
  }
  const s = instr.sig;
  if (s.ldvary || s.ldvpm || s.ldtlb || s.ldtlbu) throw new UnsupportedInstrError('varying/VPM/TLB signals are not supported in compute', address);
  if (ver === 71 && s.rotate) throw new UnsupportedInstrError('signal 23 (rotate) is reserved on V3D 7.1', address);
  const add = part(instr.add, 'add', instr, ver, address);
  const mul = part(instr.mul, 'mul', instr, ver, address);
  const implicitDest: Dest = { kind: DEST.ROW, row: ver === 42 ? ROW_ACC + 5 : 0, magic: -1, pack: 0, isRf: ver !== 42 };
  const sigWrites = s.ldunifrf || s.ldunifarf || s.ldtmu;
  const sigDest = sigWrites ? destOf(instr.sigAddr, instr.sigMagic, 0, ver, address) : null;
  let uniforms = (s.ldunif ? 1 : 0) + (s.ldunifrf ? 1 : 0) + (s.wrtmuc ? 1 : 0);
  for (const p of [add, mul]) if (p && (p.dest.kind === DEST.TMUAU || p.dest.kind === DEST.SYNCU)) uniforms++;
  if (sigDest && (sigDest.kind === DEST.TMUAU || sigDest.kind === DEST.SYNCU)) uniforms++;
  const reads: number[] = [];
  for (const p of [add, mul]) {
    if (!p) continue;
    if (p.op.srcs >= 1 && p.a.row >= 0) reads.push(p.a.row);
    if (p.op.srcs >= 2 && p.b.row >= 0) reads.push(p.b.row);
  }
  const rotateAmount = ver === 42 && s.rotate ? (instr.raddrB === 0 ? -1 : smallImmValue(instr.raddrB) & 15) : 0;
  if (rotateAmount === -1) reads.push(ROW_ACC + 5);
  const sigs = s.thrsw || s.ldunif || s.ldunifa || s.ldunifrf || s.ldunifarf || s.ldtmu || s.wrtmuc || s.rotate;
  const plainPart = (p: CompiledPart | null): boolean =>
    p === null || (p.cond === 0 && p.push === 0 && p.update === 0 && !p.op.sfu && p.op.effect === 'none' && p.dest.pack === 0 && (p.dest.kind === DEST.ROW || p.dest.kind === DEST.NONE));
  const plain = !sigs && plainPart(add) && plainPart(mul);
  return {
    plain, run: null, heat: 0, generate: undefined, facts: undefined,
    kind: 'alu', address, next: undefined, jump: undefined, source: instr, add, mul, thrsw: s.thrsw, ldunif: s.ldunif, ldunifa: s.ldunifa, ldtmu: s.ldtmu,
    wrtmuc: s.wrtmuc, implicitDest, sigDest, ldunifrf: s.ldunifrf, ldunifarf: s.ldunifarf, rotateAmount, uniforms, reads,
  };
}
