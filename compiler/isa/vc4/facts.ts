/**
 * What one VC4 instruction reads, writes and signals, derived from the ISA
 * table (register roles of `VC4_REGS`, the `r4` column of `VC4_SIGNALS`,
 * small-immediate rotations) in one place. The static program checker
 * (check.ts), the backend's scheduler (compiler/backend/vc4/bundle.ts) and
 * the emulator's instruction compiler and hazard checker
 * (runtime/emulator/vc4/compile.ts, hazards.ts) each take the view they need
 * from this, so none of them keeps its own list of which register does what.
 */
import type { Vc4Cond, Vc4Instr, Vc4Mux, Vc4Signal } from './instr.ts';
import { REG_NOP, SMI_ROTATE_BASE, VC4_REGS, VC4_SIGNALS, type RegRole } from './table.ts';

/** A destination an instruction writes (op on, condition not `never`, address not nop). */
export interface Vc4Dest {
  /** Which ALU's result (load-immediate, semaphore and branch link words write both). */
  unit: 'add' | 'mul';
  /** B space (add with write swap, or mul without). */
  bSpace: boolean;
  /** Register address 0–63. */
  addr: number;
  /** vc4asm name and role from the table. */
  name: string;
  role: RegRole;
  cond: Vc4Cond;
}

/** A read port an instruction drives: an address other than nop is read even when no mux selects it. */
export interface Vc4PortRead {
  port: 'A' | 'B';
  addr: number;
  name: string;
  role: RegRole;
}

/** Everything the hazard rules, the scheduler and the emulator ask about one instruction. */
export interface Vc4Access {
  dests: Vc4Dest[];
  /** Read ports driven (not the small immediate). */
  ports: Vc4PortRead[];
  /** Accumulators r0–r5 an enabled ALU reads through its input muxes. */
  accReads: Set<Vc4Mux>;
  /** Physical regfile registers read (−1: none), by port. */
  readA: number;
  readB: number;
  /** Physical regfile registers written (−1: none), by file. */
  writeA: number;
  writeB: number;
  /** Accumulators written (bit n: rn; r5 through r5quad / r5rep). */
  accWrites: number;
  /** Roles of the I/O registers written, and of those read through the ports. */
  ioWrites: Set<RegRole>;
  ioReads: Set<RegRole>;
  /** Sets flags. */
  setsFlags: boolean;
  /** The ALU signal (ALU words only). */
  signal: Vc4Signal | undefined;
  /** The signal loads r4 (ldtmu, loadc, …: the table's `r4` column). */
  r4Signal: boolean;
  /** A mul-ALU vector rotation: the accumulators it rotates (bit n: rn), by r5 or a fixed amount. */
  rotation: { accs: number; byR5: boolean } | undefined;
  /** TMU (0/1) this instruction sends a request to / pops a result from; −1 none. */
  tmuPush: number;
  tmuPop: number;
  branch: boolean;
  thrend: boolean;
  thrsw: boolean;
  semaphore: boolean;
}

/** Signals that load r4, from the table. */
export const VC4_R4_SIGNALS: ReadonlySet<Vc4Signal> = new Set(VC4_SIGNALS.filter((s) => s.r4).map((s) => s.name));

/** Accumulator muxes (an enabled ALU reading one of these reads that accumulator). */
const ACC_MUXES: readonly Vc4Mux[] = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5'];

/** The access facts of `i`. */
export function vc4Access(i: Vc4Instr): Vc4Access {
  const a: Vc4Access = {
    dests: [], ports: [], accReads: new Set(), readA: -1, readB: -1, writeA: -1, writeB: -1, accWrites: 0,
    ioWrites: new Set(), ioReads: new Set(), setsFlags: i.kind !== 'branch' && i.sf,
    signal: undefined, r4Signal: false, rotation: undefined, tmuPush: -1, tmuPop: -1,
    branch: i.kind === 'branch', thrend: false, thrsw: false, semaphore: i.kind === 'sem',
  };
  const write = (unit: 'add' | 'mul', addr: number, bSpace: boolean, cond: Vc4Cond): void => {
    const reg = (bSpace ? VC4_REGS.writeB : VC4_REGS.writeA)[addr];
    if (!reg || reg.role === 'nop' || cond === 'never') return;
    a.dests.push({ unit, bSpace, addr, name: reg.name, role: reg.role, cond });
    if (reg.role === 'regfile') {
      if (bSpace) a.writeB = addr;
      else a.writeA = addr;
      return;
    }
    if (reg.role === 'acc') a.accWrites |= 1 << (addr - 32);
    else if (reg.role === 'r5quad' || reg.role === 'r5rep') a.accWrites |= 1 << 5;
    else a.ioWrites.add(reg.role);
    if (reg.role === 'tmu') a.tmuPush = reg.name.startsWith('t1') ? 1 : 0;
  };
  if (i.kind === 'branch') {
    // Link writes receive the return address on every element.
    write('add', i.waddrAdd, i.ws, 'always');
    write('mul', i.waddrMul, !i.ws, 'always');
    if (i.reg) a.readA = i.raddrA;
    return a;
  }
  // Add results go to A space (B with write swap), mul results to B space (A with write swap).
  const addOn = i.kind !== 'alu' || i.opAdd !== 'nop';
  const mulOn = i.kind !== 'alu' || i.opMul !== 'nop';
  if (addOn) write('add', i.waddrAdd, i.ws, i.condAdd);
  if (mulOn) write('mul', i.waddrMul, !i.ws, i.condMul);
  if (i.kind !== 'alu') return a;

  const used = (m: Vc4Mux): boolean => (addOn && (i.addA === m || i.addB === m)) || (mulOn && (i.mulA === m || i.mulB === m));
  for (const m of ACC_MUXES) if (used(m)) a.accReads.add(m);
  const port = (p: 'A' | 'B', addr: number): void => {
    const reg = (p === 'A' ? VC4_REGS.readA : VC4_REGS.readB)[addr];
    if (!reg) return;
    a.ports.push({ port: p, addr, name: reg.name, role: reg.role });
    if (reg.role === 'regfile') {
      if (p === 'A') a.readA = addr;
      else a.readB = addr;
    } else a.ioReads.add(reg.role);
  };
  if (i.raddrA !== REG_NOP || used('ra')) port('A', i.raddrA);
  if (i.sig !== 'smi' && (i.raddrB !== REG_NOP || used('rb'))) port('B', i.raddrB);
  a.signal = i.sig;
  a.r4Signal = VC4_R4_SIGNALS.has(i.sig);
  a.thrend = i.sig === 'thrend';
  a.thrsw = i.sig === 'thrsw' || i.sig === 'lthrsw';
  if (i.sig === 'ldtmu0') a.tmuPop = 0;
  if (i.sig === 'ldtmu1') a.tmuPop = 1;
  if (mulOn && i.sig === 'smi' && i.raddrB >= SMI_ROTATE_BASE) {
    let accs = 0;
    for (const m of [i.mulA, i.mulB]) if (m !== 'ra' && m !== 'rb') accs |= 1 << Number(m.slice(1));
    a.rotation = { accs, byR5: i.raddrB === SMI_ROTATE_BASE };
  }
  return a;
}
