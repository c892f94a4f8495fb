/**
 * Compiles a decoded VC4 instruction (compiler/isa/vc4: the ISA table is the
 * only source of opcodes, registers and their roles) into a list of
 * specialised closures over a QPU's register array, plus the per-instruction
 * facts the hazard checker and the scheduler need. Done once per code
 * address per run, so the hot loop does no decoding, no string compares and
 * no allocation: operands and destinations are resolved to row offsets here.
 */
import type { Vc4AluInstr, Vc4BranchInstr, Vc4Cond, Vc4Instr, Vc4LoadImmInstr, Vc4Mux, Vc4SemaphoreInstr, Vc4WriteFields } from '../../../compiler/isa/vc4/instr.ts';
import { VC4_ADD_OPS, VC4_BRANCH_CONDS, VC4_MUL_OPS, VC4_PIPELINE, VC4_REGS, REG_NOP, SMI_ROTATE_BASE, type RegRole } from '../../../compiler/isa/vc4/table.ts';
import { validateVc4 } from '../../../compiler/isa/vc4/validate.ts';
import { VC4_R4_SIGNALS, vc4Access } from '../../../compiler/isa/vc4/facts.ts';
import { packA, packMul, unpack } from './alu.ts';
import { generateAlu } from './codegen.ts';
import { FLAG_OFFSET, laneCond, readPorts, type LaneCond } from './ports.ts';
import { addCarryOp, addVectorOp, mulVectorOp } from './alu-vector.ts';
import { FLAG, NO_STALL, ROW, STALL, type Qpu, type StallCause } from './qpu.ts';
import { lookBackBits } from './hazards.ts';
import { VC4_TIMING } from './timing.ts';

/** Bits of CompiledInstr.facts: what the instruction does that hazard rules look at. */
export const FACT = {
  READS_R4: 1, SFU_WRITE: 2, R4_SIGNAL: 4, TMU_WRITE: 8, UNIF_READ: 16, UNIF_ADDR_WRITE: 32, NOSWAP_WRITE: 64,
  VPM_ACCESS: 128, VPM_SETUP: 256, ROTATION: 512, ROTATE_BY_R5: 1024, BRANCH: 2048, THREND: 4096, THRSW: 8192,
} as const;

/** One step of an instruction. */
type Step = (q: Qpu) => void;

/** An instruction ready to run on any QPU (a class: one shape for all, see the constructor). */
export class CompiledInstr {
  /** Bus address (unsigned). */
  address: number;
  /** address + 8 as a signed 32-bit integer, to compare with Qpu.pc. */
  nextPc: number;
  instr: Vc4Instr;
  /** Run the instruction (the caller has checked `stall`). */
  exec: Step;
  /** Why it cannot issue now, or NO_STALL; null for instructions that never wait. */
  stall: ((q: Qpu) => StallCause | typeof NO_STALL) | null = null;
  /** FACT bits. */
  facts: number = 0;
  /** Physical regfile A / B address read (−1: none). */
  readA: number = -1;
  readB: number = -1;
  /** Accumulators (bit k = rk) that feed a vector rotation. */
  rotatedAccs: number = 0;
  /** TMU (0/1) this instruction sends a request to / pops a result from, −1 for none. */
  tmuPush: number = -1;
  tmuPop: number = -1;
  /** Single-instruction problems validateVc4 finds. */
  problems: string[];
  /**
   * No rule can fire on this instruction except through the look-back
   * facts of the ones before it, and it does not touch the TMU queues: the
   * checker's fast path (set by compileVc4 from the fields above).
   */
  quiet: boolean = false;
  /**
   * Touches state other QPUs see or change (uniform and TMU fetches through
   * the memory port, the VPM, the DMA engines, semaphores, the mutex): the
   * executor runs such instructions in global (tick, QPU number) order;
   * everything else a QPU may run ahead of the others.
   */
  shared: boolean = false;
  /** Changes semaphore or mutex state: QPUs waiting on one look again. */
  sync: boolean = false;
  /** Reads a uniform: shared when the read fetches a line through the memory port (Qpu.unifFetchDue). */
  unif: boolean = false;
  /** Look-back bits (hazards.ts LB) of `facts`: what rules on the next instructions ask about this one. */
  lookBack: number = 0;
  /** Writes a VPM setup register (the executor then looks for a dropped read setup). */
  vpmSetup: boolean = false;
  /** The instruction at address + 8, once fetched (straight-line code skips the cache lookup). */
  next: CompiledInstr | undefined = undefined;
  /** The last non-sequential successor (a taken branch's target) and its pc (signed, like Qpu.pc; 0 none yet). */
  jump: CompiledInstr | undefined = undefined;
  jumpPc: number = 0;

  constructor(address: number, instr: Vc4Instr, exec: Step, stall: CompiledInstr['stall']) {
    // Every field is set here, in one order: all instructions share one hidden class, so the executor's
    // property loads stay monomorphic.
    this.address = address;
    this.nextPc = (address + 8) | 0;
    this.instr = instr;
    this.exec = exec;
    this.stall = stall;
    this.problems = validateVc4(instr);
  }
}

const ADD_FLOAT_IN = new Map<string, boolean>(VC4_ADD_OPS.map((o) => [o.name, o.floatIn]));
const ADD_FLOAT_OUT = new Map<string, boolean>(VC4_ADD_OPS.map((o) => [o.name, o.floatOut]));
const MUL_FLOAT_IN = new Map<string, boolean>(VC4_MUL_OPS.map((o) => [o.name, o.floatIn]));
const MUL_FLOAT_OUT = new Map<string, boolean>(VC4_MUL_OPS.map((o) => [o.name, o.floatOut]));

/** How a result is packed on its way to a destination [ARG Tables 6, 9]. */
interface PackInfo {
  pm: boolean;
  pack: number;
  float: boolean;
  isMul: boolean;
  /** Operand rows of an add/sub whose unwrapped result a saturating pack needs. */
  wideOf?: readonly [number, number, 'add' | 'sub'];
}

/** Static facts a destination contributes. */
interface WriteFacts {
  /** Writes a unit other QPUs share / changes the mutex (CompiledInstr.shared, .sync). */
  shared: boolean;
  sync: boolean;
}

/**
 * I/O registers whose reads / writes reach state other QPUs share (VPM, mutex, TMUs, DMA engines). A uniform
 * read is shared only when it fetches a line (CompiledInstr.unif, Qpu.unifFetchDue).
 */
const SHARED_READS = new Set<RegRole>(['vpm', 'mutex']);
const SHARED_WRITES = new Set<RegRole>(['vpm', 'mutex', 'tmu', 'dma_addr']);

const regName = (bSpace: boolean, addr: number): { name: string; role: RegRole } =>
  (bSpace ? VC4_REGS.writeB : VC4_REGS.writeA)[addr] as { name: string; role: RegRole };

/**
 * The write of row `src` to address `addr` of A space (`bSpace` false) or B
 * space, under `cond`; null when nothing is written.
 */
function compileWrite(bSpace: boolean, addr: number, src: number, cond: LaneCond, p: PackInfo, wf: WriteFacts): Step | null {
  if (addr === REG_NOP || cond.kind === 'never') return null;
  const { name, role } = regName(bSpace, addr);
  const s = src * 16;
  const mulPack = p.pm && p.isMul && p.pack !== 0;
  if (role === 'regfile' || role === 'acc') {
    const isAcc = role === 'acc';
    const d = ((isAcc ? ROW.ACC - 32 : bSpace ? ROW.RB : ROW.RA) + addr) * 16;
    const aPack = !isAcc && !p.pm && !bSpace && p.pack !== 0;
    const note = isAcc ? (q: Qpu): void => { q.accW |= 1 << (addr - 32); } : bSpace ? (q: Qpu): void => { q.wB = addr; } : (q: Qpu): void => { q.wA = addr; };
    if (!mulPack && !aPack) {
      if (cond.kind === 'always') {
        return (q) => {
          const R = q.R;
          for (let e = 0; e < 16; e++) R[d + e] = R[s + e] as number;
          note(q);
        };
      }
      const { flag, want } = cond;
      return (q) => {
        const R = q.R;
        const fl = q.flags;
        let any = false;
        for (let e = 0; e < 16; e++) {
          if (fl[flag + e] !== want) continue;
          R[d + e] = R[s + e] as number;
          any = true;
        }
        if (any) note(q);
      };
    }
    const wide = p.wideOf;
    return (q) => {
      const R = q.R;
      let any = false;
      for (let e = 0; e < 16; e++) {
        if (cond.kind === 'test' && q.flags[cond.flag + e] !== cond.want) continue;
        const v = R[s + e] as number;
        const old = R[d + e] as number;
        let w: number | undefined;
        if (wide) {
          const x = (R[wide[0] * 16 + e] as number) | 0;
          const y = (R[wide[1] * 16 + e] as number) | 0;
          w = wide[2] === 'add' ? x + y : x - y;
        }
        R[d + e] = mulPack ? packMul(p.pack, v, old) : packA(p.pack, v, old, p.float, w);
        any = true;
      }
      if (any) note(q);
    };
  }
  // From here on: I/O destinations, gated by element 0's condition where it matters [ADD, VC4C-E].
  const lane0 = (q: Qpu): boolean => cond.kind === 'always' || (cond.kind === 'test' && q.flags[cond.flag] === cond.want);
  if (role === 'r5quad' || role === 'r5rep') {
    const d = (ROW.ACC + 5) * 16;
    return (q) => {
      if (!lane0(q)) return;
      const R = q.R;
      // A space copies elements 0, 4, 8, 12 across their quads; B space replicates element 0 [ADD].
      for (let e = 0; e < 16; e++) R[d + e] = R[s + (role === 'r5rep' ? 0 : e & ~3)] as number;
      q.accW |= 32;
    };
  }
  if (SHARED_WRITES.has(role)) wf.shared = true;
  if (role === 'mutex') wf.sync = true;
  return (q) => q.writeIo(role, bSpace, name, src, lane0(q));
}

/** Set Z, N (and C from `carry`, else 0) from row `res` on lanes passing `cond` [ARG p.27; notes §1.9]. */
function compileFlags(res: number, cond: LaneCond, carry: boolean): Step | null {
  if (cond.kind === 'never') return null;
  const r = res * 16;
  const test = cond.kind === 'test' ? cond.flag : -1;
  const want = cond.kind === 'test' ? cond.want : 0;
  return (q) => {
    const R = q.R;
    const fl = q.flags;
    const addC = q.addC;
    for (let e = 0; e < 16; e++) {
      if (test >= 0 && fl[test + e] !== want) continue;
      const x = R[r + e] as number;
      fl[FLAG.Z + e] = x === 0 ? 1 : 0;
      fl[FLAG.N + e] = x >>> 31;
      fl[FLAG.C + e] = carry ? (addC[e] as number) : 0;
    }
  };
}

/** The fields of CompiledInstr a compile function decides. */
type InstrFacts = Partial<Pick<CompiledInstr, 'facts' | 'readA' | 'readB' | 'rotatedAccs' | 'tmuPush' | 'tmuPop' | 'shared' | 'sync' | 'unif'>>;

function finish(address: number, instr: Vc4Instr, steps: Step[], stall: CompiledInstr['stall'], base: InstrFacts): CompiledInstr {
  const n = steps.length;
  const exec: Step = n === 1 ? (steps[0] as Step) : (q) => { for (let k = 0; k < n; k++) (steps[k] as Step)(q); };
  // Assigning fields the constructor created keeps the shape.
  return Object.assign(new CompiledInstr(address, instr, exec, stall), base);
}

/** Row of a physical register or accumulator r0–r3 destination, else −1. */
function destRow(bSpace: boolean, addr: number): number {
  const role = regName(bSpace, addr).role;
  if (role === 'regfile') return (bSpace ? ROW.RB : ROW.RA) + addr;
  return role === 'acc' ? ROW.ACC + addr - 32 : -1;
}

/**
 * A destination an op can write in place: register or accumulator, written
 * on every lane, no pack. `note` records the write for the hazard checker.
 */
function directDest(bSpace: boolean, addr: number, cond: Vc4Cond, pm: boolean, pack: number, isMul: boolean): { row: number; note: Step } | undefined {
  const row = destRow(bSpace, addr);
  if (row < 0 || cond !== 'always') return undefined;
  const isAcc = row >= ROW.ACC;
  if (pack !== 0 && ((pm && isMul) || (!pm && !bSpace && !isAcc))) return undefined;
  const note: Step = isAcc ? (q) => { q.accW |= 1 << (row - ROW.ACC); } : bSpace ? (q) => { q.wB = addr; } : (q) => { q.wA = addr; };
  return { row, note };
}

function writePair(i: Vc4WriteFields, srcAdd: number, srcMul: number, addP: PackInfo, mulP: PackInfo, addOn: boolean, mulOn: boolean, wf: WriteFacts): Step[] {
  const out: Step[] = [];
  const a = addOn ? compileWrite(i.ws, i.waddrAdd, srcAdd, laneCond(i.condAdd), addP, wf) : null;
  const m = mulOn ? compileWrite(!i.ws, i.waddrMul, srcMul, laneCond(i.condMul), mulP, wf) : null;
  if (a) out.push(a);
  if (m) out.push(m);
  return out;
}

/** A stall test for a DMA start / wait register access; null when the instruction has none. */
function mergeStalls(tests: ((q: Qpu) => StallCause | typeof NO_STALL)[]): CompiledInstr['stall'] {
  if (tests.length === 0) return null;
  if (tests.length === 1) return tests[0] as (q: Qpu) => StallCause | typeof NO_STALL;
  return (q) => {
    for (const t of tests) {
      const c = t(q);
      if (c !== NO_STALL) return c;
    }
    return NO_STALL;
  };
}

function compileAlu(address: number, i: Vc4AluInstr): CompiledInstr {
  const steps: Step[] = [];
  const stalls: ((q: Qpu) => StallCause | typeof NO_STALL)[] = [];
  const addOn = i.opAdd !== 'nop';
  const mulOn = i.opMul !== 'nop';
  const used = (m: Vc4Mux): boolean => (addOn && (i.addA === m || i.addB === m)) || (mulOn && (i.mulA === m || i.mulB === m));
  const { rowA, rowB, ioA, ioB } = readPorts(i);
  let sharedRead = false;
  for (const [io, store] of [[ioA, false], [ioB, true]] as const) {
    if (!io) continue;
    if (SHARED_READS.has(io.role)) sharedRead = true;
    if (io.role === 'mutex') stalls.push((q) => (q.shared.mutexOwner !== -1 && q.shared.mutexOwner !== q.id ? STALL.MUTEX : NO_STALL));
    if (io.role === 'vpm_wait') stalls.push((q) => ((store ? q.vpmPort.storeDoneAt : q.vpmPort.loadDoneAt) > q.shared.tick ? STALL.DMA : NO_STALL));
  }
  if (ioA || ioB) {
    // One uniform pop per instruction even when both ports name it (VC4C's model; hardware unconfirmed).
    const unif = ioA?.role === 'unif' || ioB?.role === 'unif';
    const a = ioA;
    const b = ioB;
    steps.push((q) => {
      let u = 0;
      if (unif) {
        q.popUniform();
        u = q.uniform[0] as number;
      }
      if (a) q.readIo(a.role, false, a.name, ROW.PORT_A, u);
      if (b) q.readIo(b.role, true, b.name, ROW.PORT_B, u);
    });
  }
  // Operands, with regfile-A unpack (pm = 0) or r4 unpack (pm = 1) into scratch rows [ARG Tables 7–8].
  let scratch: number = ROW.UNPACKED;
  const operand = (m: Vc4Mux, floatIn: boolean): number => {
    const row = m === 'ra' ? rowA : m === 'rb' ? rowB : ROW.ACC + Number(m.slice(1));
    if (i.unpack === 0 || !((!i.pm && m === 'ra') || (i.pm && m === 'r4'))) return row;
    const to = scratch++;
    const mode = i.unpack;
    steps.push((q) => {
      const R = q.R;
      for (let e = 0; e < 16; e++) R[to * 16 + e] = unpack(mode, R[row * 16 + e] as number, floatIn);
    });
    return to;
  };
  const addFin = ADD_FLOAT_IN.get(i.opAdd) ?? false;
  const mulFin = MUL_FLOAT_IN.get(i.opMul) ?? false;
  // All operands first: unpack steps then run before either op can overwrite a source row.
  const addA = addOn ? operand(i.addA, addFin) : 0;
  const addB = addOn ? operand(i.addB, addFin) : 0;
  const ma = mulOn ? operand(i.mulA, mulFin) : 0;
  const mb = mulOn ? operand(i.mulB, mulFin) : 0;
  const rotate = mulOn && i.sig === 'smi' && i.raddrB >= SMI_ROTATE_BASE;
  // Results go straight to their destination row when nothing else in the instruction still needs the old value.
  const addDest = addOn ? directDest(i.ws, i.waddrAdd, i.condAdd, i.pm, i.pack, false) : undefined;
  const mulDest = mulOn && !rotate ? directDest(!i.ws, i.waddrMul, i.condMul, i.pm, i.pack, true) : undefined;
  const addDirect = addDest && !(mulOn && (addDest.row === ma || addDest.row === mb || addDest.row === mulDest?.row || destRow(!i.ws, i.waddrMul) === addDest.row)) ? addDest : undefined;
  const mulDirect = mulDest && !(addOn && destRow(i.ws, i.waddrAdd) === mulDest.row) ? mulDest : undefined;
  // The common case, a pure ALU instruction writing registers in place, runs as one closure.
  const plain = !ioA && !ioB && scratch === ROW.UNPACKED && !rotate && (i.sig === 'none' || i.sig === 'smi');
  // When the mul reads the add's destination, the mul can still go first if the add does not read the mul's.
  const mulFirst = addOn && mulOn && !addDirect && !!addDest && !!mulDirect && mulDirect.row !== addA && mulDirect.row !== addB;
  const addInPlace = addDirect ?? (mulFirst ? addDest : undefined);
  if (plain && (addOn || mulOn) && (!addOn || addInPlace) && (!mulOn || mulDirect)) {
    const ka = addVectorOp(i.opAdd);
    const km = mulVectorOp(i.opMul);
    const oa = (addInPlace?.row ?? 0) * 16;
    const om = (mulDirect?.row ?? 0) * 16;
    const [xa, ya, xm, ym] = [addA * 16, addB * 16, ma * 16, mb * 16];
    const flops = (addOn && addFin && i.opAdd !== 'ftoi' ? 16 : 0) + (mulOn && mulFin ? 16 : 0);
    // Direct destinations write every lane, so what the hazard checker needs is known now.
    const written = [addInPlace, mulDirect].map((d) => d?.row ?? -1);
    const wA = (written.find((r) => r >= ROW.RA && r < ROW.RB) ?? ROW.RA - 1) - ROW.RA;
    const wB = (written.find((r) => r >= ROW.RB && r < ROW.ACC) ?? ROW.RB - 1) - ROW.RB;
    const accW = written.reduce((m, r) => (r >= ROW.ACC ? m | (1 << (r - ROW.ACC)) : m), 0);
    // Set flags from the in-place result (add unless it is nop [ADD]); the carry reads the operands before any write.
    const flagsRow = addOn ? (addInPlace?.row ?? -1) : (mulDirect?.row ?? -1);
    const setFlags = i.sf ? compileFlags(flagsRow, laneCond(addOn ? i.condAdd : i.condMul), addOn) : null;
    const carry = i.sf && addOn ? addCarryOp(i.opAdd) : null;
    const note = (q: Qpu): void => {
      if (setFlags) setFlags(q);
      q.shared.flops += flops;
      q.wA = wA;
      q.wB = wB;
      q.accW = accW;
    };
    const exec: Step = mulFirst
      ? (q) => { if (carry) carry(q.R, xa, ya, q.addC); km(q.R, q.F, om, xm, ym); ka(q.R, q.F, oa, xa, ya); note(q); }
      : (q) => {
        const R = q.R;
        const F = q.F;
        if (carry) carry(R, xa, ya, q.addC);
        if (addOn) ka(R, F, oa, xa, ya);
        if (mulOn) km(R, F, om, xm, ym);
        note(q);
      };
    return finish(address, i, [exec], null, {});
  }
  const mutexRead = ioA?.role === 'mutex' || ioB?.role === 'mutex';
  if (addOn) {
    const k = addVectorOp(i.opAdd);
    const o = (addDirect?.row ?? ROW.ADD_RES) * 16;
    const x = addA * 16;
    const y = addB * 16;
    if (i.sf) {
      // The carry reads the operands, so it runs before the result may overwrite one of them.
      const carry = addCarryOp(i.opAdd);
      steps.push((q) => carry(q.R, x, y, q.addC));
    }
    const flops = addFin && i.opAdd !== 'ftoi' ? 16 : 0;
    const note = addDirect?.note;
    if (note) steps.push(flops ? (q) => { k(q.R, q.F, o, x, y); q.shared.flops += 16; note(q); } : (q) => { k(q.R, q.F, o, x, y); note(q); });
    else steps.push(flops ? (q) => { k(q.R, q.F, o, x, y); q.shared.flops += 16; } : (q) => k(q.R, q.F, o, x, y));
  }
  let mulOut: number = mulDirect?.row ?? ROW.MUL_RES;
  if (mulOn) {
    const k = mulVectorOp(i.opMul);
    const o = mulOut * 16;
    const a = ma * 16;
    const b = mb * 16;
    const note = mulDirect?.note;
    if (note) steps.push(mulFin ? (q) => { k(q.R, q.F, o, a, b); q.shared.flops += 16; note(q); } : (q) => { k(q.R, q.F, o, a, b); note(q); });
    else steps.push(mulFin ? (q) => { k(q.R, q.F, o, a, b); q.shared.flops += 16; } : (q) => k(q.R, q.F, o, a, b));
    if (rotate) {
      // Output element e = element (e − n) mod 16 [ARG p.20, PVC rotate tests]; 48 rotates by r5 element 0.
      const fixed = i.raddrB - SMI_ROTATE_BASE;
      const r5 = (ROW.ACC + 5) * 16;
      const d = ROW.ROTATED * 16;
      // With an r4 or regfile-A mul input the hardware rotates within each quad by n mod 4 (notes 1.13;
      // py-videocore test_rotate_r4 / test_rotate_ra); only r0-r3 inputs rotate across all 16 elements.
      const quad = [i.mulA, i.mulB].some((m) => m === 'r4' || m === 'ra');
      if (quad) {
        steps.push((q) => {
          const R = q.R;
          const n = (fixed === 0 ? (R[r5] as number) & 15 : fixed) & 3;
          for (let e = 0; e < 16; e++) R[d + e] = R[o + (e & 12) + ((e - n) & 3)] as number;
        });
      } else {
        steps.push((q) => {
          const R = q.R;
          const n = fixed === 0 ? (R[r5] as number) & 15 : fixed;
          for (let e = 0; e < 16; e++) R[d + e] = R[o + ((e - n + 16) & 15)] as number;
        });
      }
      mulOut = ROW.ROTATED;
    }
  }
  // Signals act before this instruction's writes take effect.
  if (i.sig === 'ldtmu0' || i.sig === 'ldtmu1') {
    const t = i.sig === 'ldtmu0' ? 0 : 1;
    stalls.push((q) => (q.tmuPending(t) ? STALL.TMU : NO_STALL));
    steps.push((q) => q.loadTmu(t));
  } else if (i.sig === 'thrend') {
    // thrend: threndSlots more instructions run [ARG p.21]; the count starts after this one.
    steps.push((q) => { q.endDelay = VC4_PIPELINE.threndSlots + 1; q.pending = true; });
  } else if (VC4_R4_SIGNALS.has(i.sig)) {
    const sig = i.sig;
    steps.push((q) => q.fail(`signal ${sig} needs the tile buffer (fragment shaders only)`));
  }
  const wf: WriteFacts = { shared: false, sync: false };
  const wideOf = addOn && (i.opAdd === 'add' || i.opAdd === 'sub') ? ([addA, addB, i.opAdd] as const) : undefined;
  steps.push(...writePair(
    i, ROW.ADD_RES, mulOut,
    { pm: i.pm, pack: i.pack, float: ADD_FLOAT_OUT.get(i.opAdd) ?? false, isMul: false, ...(wideOf ? { wideOf } : {}) },
    { pm: i.pm, pack: i.pack, float: MUL_FLOAT_OUT.get(i.opMul) ?? false, isMul: true },
    addOn && !addDirect, mulOn && !mulDirect, wf,
  ));
  if (i.sf) {
    // Flags from the add ALU unless its op is nop, then from the mul ALU; only lanes whose write condition holds [ADD, VC4C].
    const addRes = addDirect?.row ?? ROW.ADD_RES;
    const f = addOn ? compileFlags(addRes, laneCond(i.condAdd), true) : mulOn ? compileFlags(mulOut, laneCond(i.condMul), false) : null;
    if (f) steps.push(f);
  }
  return finish(address, i, steps, mergeStalls(stalls), {
    shared: sharedRead || wf.shared, sync: mutexRead || wf.sync,
    unif: ioA?.role === 'unif' || ioB?.role === 'unif',
  });
}

/** Load immediate and semaphore words: both ALUs "mov" the immediate [ARG p.33]. */
function compileImm(address: number, i: Vc4LoadImmInstr | Vc4SemaphoreInstr): CompiledInstr {
  const lanes = new Uint32Array(16);
  if (i.kind === 'sem') lanes.fill(((i.high << 5) | (i.acquire ? 16 : 0) | i.semaphore) >>> 0); // ARG: the low word, like ldi
  else {
    for (let e = 0; e < 16; e++) {
      if (i.mode === 'u32') lanes[e] = i.imm;
      else {
        // Element e: LSB from bit e, MSB from bit 16 + e [ARG p.33].
        const v = (((i.imm >>> (16 + e)) & 1) << 1) | ((i.imm >>> e) & 1);
        lanes[e] = (i.mode === 'pes' && v >= 2 ? v - 4 : v) >>> 0;
      }
    }
  }
  const steps: Step[] = [];
  let stall: CompiledInstr['stall'] = null;
  if (i.kind === 'sem') {
    const { semaphore, acquire } = i;
    // Decrement at 0 or increment at 15 stalls [ARG p.33].
    stall = (q) => {
      const v = q.shared.semaphores[semaphore] as number;
      return (acquire ? v === 0 : v === 15) ? STALL.SEMAPHORE : NO_STALL;
    };
    steps.push((q) => { (q.shared.semaphores[semaphore] as number) += acquire ? -1 : 1; });
  }
  steps.push((q) => q.R.set(lanes, ROW.IMM * 16));
  const wf: WriteFacts = { shared: false, sync: false };
  steps.push(...writePair(i, ROW.IMM, ROW.IMM, { pm: i.pm, pack: i.pack, float: false, isMul: false }, { pm: i.pm, pack: i.pack, float: false, isMul: true }, true, true, wf));
  // Load-immediate flags: N = bit 31, Z = zero, C = 0 [VC4C-E].
  const f = i.sf ? compileFlags(ROW.IMM, laneCond(i.condAdd), false) : null;
  if (f) steps.push(f);
  const sem = i.kind === 'sem';
  return finish(address, i, steps, stall, { shared: sem || wf.shared, sync: sem || wf.sync });
}

const BRANCH_CONDS = new Map<string, (typeof VC4_BRANCH_CONDS)[number]>(VC4_BRANCH_CONDS.map((c) => [c.name, c]));

function compileBranch(address: number, i: Vc4BranchInstr): CompiledInstr {
  const c = BRANCH_CONDS.get(i.cond);
  const always = i.cond === 'always';
  const flag = FLAG_OFFSET[(c?.flag ?? 'z') as 'z' | 'n' | 'c'];
  const want = c?.set ? 1 : 0;
  const all = c?.all ?? false;
  const wf: WriteFacts = { shared: false, sync: false };
  const noPack = { pm: false, pack: 0, float: false, isMul: false };
  const links = writePair({ ...i, pm: false, pack: 0, condAdd: 'always', condMul: 'always', sf: false }, ROW.IMM, ROW.IMM, noPack, noPack, true, true, wf);
  const reg = (ROW.RA + i.raddrA) * 16 + 15;
  const exec: Step = (q) => {
    if (!always) {
      const fl = q.flags;
      // Stop at the first lane that decides: a miss for all-lane conditions, a hit for any-lane ones.
      let e = 0;
      if (all) { while (e < 16 && fl[flag + e] === want) e++; if (e !== 16) return; }
      else { while (e < 16 && fl[flag + e] !== want) e++; if (e === 16) return; }
    }
    const after = (q.pc + 32) >>> 0;
    // Register-added branches read element 15 of ra (hardware observation [ADD]; ARG says element 0).
    q.branchTarget = ((i.rel ? after : 0) + i.imm + (i.reg ? (q.R[reg] as number) : 0)) | 0;
    // 3 delay slots [ARG p.34]; the count starts after this instruction's own step.
    q.branchDelay = VC4_TIMING.branchDelaySlots + 1;
    q.pending = true;
    if (links.length) {
      q.R.fill(after, ROW.IMM * 16, ROW.IMM * 16 + 16);
      for (const l of links) l(q);
    }
  };
  return finish(address, i, [exec], null, { shared: wf.shared, sync: wf.sync });
}

/**
 * FACT bits, physical registers read, rotated accumulators and TMU queue
 * moves of `i`: the ISA layer's access facts (compiler/isa/vc4/facts.ts),
 * the ones the static checker and the backend's scheduler use too.
 */
function accessFacts(i: Vc4Instr): Pick<CompiledInstr, 'facts' | 'readA' | 'readB' | 'rotatedAccs' | 'tmuPush' | 'tmuPop'> {
  const a = vc4Access(i);
  const w = a.ioWrites;
  const r = a.ioReads;
  const bit = (on: boolean, b: number): number => (on ? b : 0);
  const facts = bit(a.accReads.has('r4'), FACT.READS_R4) | bit(w.has('sfu'), FACT.SFU_WRITE) | bit(a.r4Signal, FACT.R4_SIGNAL)
    | bit(w.has('tmu'), FACT.TMU_WRITE) | bit(r.has('unif'), FACT.UNIF_READ) | bit(w.has('unif_addr'), FACT.UNIF_ADDR_WRITE)
    | bit(w.has('tmu_noswap'), FACT.NOSWAP_WRITE) | bit(r.has('vpm') || w.has('vpm'), FACT.VPM_ACCESS) | bit(w.has('vpm_setup'), FACT.VPM_SETUP)
    | bit(a.rotation !== undefined, FACT.ROTATION) | bit(a.rotation?.byR5 ?? false, FACT.ROTATE_BY_R5) | bit(a.branch, FACT.BRANCH)
    | bit(a.thrend, FACT.THREND) | bit(a.thrsw, FACT.THRSW);
  return { facts, readA: a.readA, readB: a.readB, rotatedAccs: a.rotation?.accs ?? 0, tmuPush: a.tmuPush, tmuPop: a.tmuPop };
}

/**
 * Compile the instruction at `address` (any alias). `generate` false keeps
 * the interpreter's closures for ALU instructions (the differential test).
 */
export function compileVc4(address: number, instr: Vc4Instr, generate = true): CompiledInstr {
  const c = Object.assign(compileAny(address, instr, generate), accessFacts(instr));
  // Quiet: no rule can fire on the instruction by itself (only through look-back facts in its history).
  const f = c.facts;
  c.lookBack = lookBackBits(f);
  c.vpmSetup = (f & FACT.VPM_SETUP) !== 0;
  c.quiet = c.problems.length === 0 && c.tmuPush < 0 && c.tmuPop < 0 && (f & (FACT.ROTATION | FACT.BRANCH | FACT.THREND | FACT.THRSW)) === 0
    && (f & (FACT.VPM_SETUP | FACT.VPM_ACCESS)) !== (FACT.VPM_SETUP | FACT.VPM_ACCESS);
  return c;
}

function compileAny(address: number, instr: Vc4Instr, generate: boolean): CompiledInstr {
  switch (instr.kind) {
    case 'alu': {
      const c = compileAlu(address, instr);
      // The interpreter's compile still runs: it yields the facts, stalls and problems both share.
      const g = generate ? generateAlu(instr) : null;
      if (g) c.exec = g;
      return c;
    }
    case 'branch': return compileBranch(address, instr);
    default: return compileImm(address, instr);
  }
}
