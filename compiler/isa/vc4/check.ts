/**
 * The static program checker for VC4: the rules of shared/docs/vc4-isa-notes.md
 * §7 that depend only on where instructions sit in the code (neighbouring
 * instructions, branch delay slots, the thread-end sequence), checked on a
 * whole program in layout order and across every branch into its target.
 * The backend runs it on every kernel it compiles, so a rule is checked on
 * all paths, not only on those an emulator run happens to take. Rule ids and
 * severities come from rules.ts, the table the emulator's dynamic checker
 * (runtime/emulator/vc4/hazards.ts) reports with; rules that need run-time
 * state (TMU FIFO occupancy, VPM reads left unconsumed) stay with the emulator.
 *
 * What each instruction reads and writes is derived from the ISA table's
 * register roles (table.ts `VC4_REGS`) and signal facts (`VC4_SIGNALS.r4`).
 */
import type { Vc4Instr, Vc4Mux } from './instr.ts';
import { REG_NOP, SMI_ROTATE_BASE, VC4_REGS, VC4_SIGNALS, type RegRole } from './table.ts';
import { validateVc4 } from './validate.ts';
import type { ProgramIssue } from '../isa.ts';
import { VC4_HAZARD_RULES, type Vc4HazardRule } from './rules.ts';

/** One rule a program breaks, at instruction `index` (0-based). */
export type Vc4ProgramIssue = ProgramIssue<Vc4HazardRule>;

/** Branch delay slots, and instructions that still run after `thrend` (notes §1.5, §7). */
const BRANCH_SLOTS = 3;
const END_SLOTS = 2;
/** Instructions after an SFU, `uniforms_address` or `tmu_noswap` write in which the next access is too soon (notes §7). */
const SFU_GAP = 2;
const UNIF_ADDR_GAP = 2;
const NOSWAP_GAP = 2;
/** Register 14 of either file is off limits in the thread-end slots (notes §7). */
const END_FORBIDDEN_REG = 14;

const R4_SIGNALS: ReadonlySet<string> = new Set(VC4_SIGNALS.filter((s) => s.r4).map((s) => s.name));

/** What one instruction does, as far as the position-dependent rules ask. */
interface Facts {
  /** Physical regfile registers written (−1: none), by file. */
  writeA: number;
  writeB: number;
  /** Physical regfile registers read (−1: none), by port. */
  readA: number;
  readB: number;
  /** Roles of the destinations written and of the I/O registers read. */
  writes: Set<RegRole>;
  reads: Set<RegRole>;
  /** Accumulators written (bit n: rn; r5 through r5quad/r5rep). */
  accWrites: number;
  /** Accumulators the mul ALU rotates (bit n: rn), when the instruction rotates. */
  rotated: number;
  rotation: boolean;
  rotateByR5: boolean;
  readsR4: boolean;
  r4Signal: boolean;
  branch: boolean;
  thrend: boolean;
  thrsw: boolean;
}

function factsOf(i: Vc4Instr): Facts {
  const f: Facts = {
    writeA: -1, writeB: -1, readA: -1, readB: -1, writes: new Set(), reads: new Set(), accWrites: 0, rotated: 0,
    rotation: false, rotateByR5: false, readsR4: false, r4Signal: false, branch: i.kind === 'branch', thrend: false, thrsw: false,
  };
  if (i.kind === 'branch') {
    if (i.reg) f.readA = i.raddrA;
    return f;
  }
  const write = (waddr: number, bSpace: boolean): void => {
    const reg = (bSpace ? VC4_REGS.writeB : VC4_REGS.writeA)[waddr];
    if (!reg || reg.role === 'nop') return;
    if (reg.role === 'regfile') {
      if (bSpace) f.writeB = waddr;
      else f.writeA = waddr;
      return;
    }
    f.writes.add(reg.role);
    if (reg.role === 'acc') f.accWrites |= 1 << (waddr - 32);
    if (reg.role === 'r5quad' || reg.role === 'r5rep') f.accWrites |= 1 << 5;
  };
  // Add results go to A space (B with write swap), mul results to B space (A with write swap).
  const addWrites = i.kind !== 'alu' || i.opAdd !== 'nop';
  const mulWrites = i.kind !== 'alu' || i.opMul !== 'nop';
  if (addWrites && i.condAdd !== 'never') write(i.waddrAdd, i.ws);
  if (mulWrites && i.condMul !== 'never') write(i.waddrMul, !i.ws);
  if (i.kind !== 'alu') return f;

  const addOn = i.opAdd !== 'nop';
  const mulOn = i.opMul !== 'nop';
  const used = (m: Vc4Mux): boolean => (addOn && (i.addA === m || i.addB === m)) || (mulOn && (i.mulA === m || i.mulB === m));
  // The read ports as the hardware drives them: an address other than nop is read even when no mux selects it.
  if (i.raddrA !== REG_NOP || used('ra')) {
    if (i.raddrA < 32) f.readA = i.raddrA;
    else f.reads.add(VC4_REGS.readA[i.raddrA]?.role ?? 'undefined');
  }
  if (i.sig !== 'smi' && (i.raddrB !== REG_NOP || used('rb'))) {
    if (i.raddrB < 32) f.readB = i.raddrB;
    else f.reads.add(VC4_REGS.readB[i.raddrB]?.role ?? 'undefined');
  }
  f.readsR4 = used('r4');
  f.r4Signal = R4_SIGNALS.has(i.sig);
  f.thrend = i.sig === 'thrend';
  f.thrsw = i.sig === 'thrsw' || i.sig === 'lthrsw';
  if (mulOn && i.sig === 'smi' && i.raddrB >= SMI_ROTATE_BASE) {
    f.rotation = true;
    f.rotateByR5 = i.raddrB === SMI_ROTATE_BASE;
    for (const m of [i.mulA, i.mulB]) if (m !== 'ra' && m !== 'rb') f.rotated |= 1 << Number(m.slice(1));
  }
  return f;
}

/** Instruction index a branch at `k` goes to, when it is a constant relative or absolute target inside the program. */
function branchTarget(i: Vc4Instr, k: number, length: number): number | undefined {
  if (i.kind !== 'branch' || i.reg) return undefined;
  const bytes = i.rel ? (k + BRANCH_SLOTS + 1) * 8 + i.imm : i.imm;
  const t = bytes / 8;
  return Number.isInteger(t) && t >= 0 && t < length ? t : undefined;
}

/** Every position-dependent hazard of `program` (empty when it breaks none). */
export function checkVc4Program(program: readonly Vc4Instr[]): Vc4ProgramIssue[] {
  const issues: Vc4ProgramIssue[] = [];
  const report = (rule: Vc4HazardRule, index: number, message: string) => issues.push({ rule, severity: VC4_HAZARD_RULES[rule], index, message });
  const facts = program.map(factsOf);

  /** Rules between an instruction and the one that runs right after it (layout successor or branch target). */
  const pair = (p: number, k: number, via: string): void => {
    const a = facts[p] as Facts;
    const b = facts[k] as Facts;
    if (b.readA >= 0 && b.readA === a.writeA) report('regfile-read-after-write', k, `ra${b.readA} read right after the instruction at ${p} writes it${via}`);
    if (b.readB >= 0 && b.readB === a.writeB) report('regfile-read-after-write', k, `rb${b.readB} read right after the instruction at ${p} writes it${via}`);
    if (b.rotation && b.rotated & a.accWrites & 0xf) report('rotate-after-write', k, `vector rotation of an accumulator the instruction at ${p} writes${via}`);
    if (b.rotateByR5 && a.accWrites & 32) report('rotate-after-write', k, `rotation by r5 right after the instruction at ${p} writes r5${via}`);
  };

  program.forEach((ins, k) => {
    const f = facts[k] as Facts;
    for (const m of validateVc4(ins)) report('invalid-combination', k, m);
    if (k > 0) pair(k - 1, k, '');
    if (f.branch) {
      for (let s = 1; s <= BRANCH_SLOTS; s++) {
        const slot = facts[k + s];
        if (slot?.branch) report('branch-in-delay-slot', k + s, `branch in delay slot ${s} of the branch at ${k}`);
        if (slot && (slot.thrend || slot.thrsw)) report('thread-switch-in-delay-slot', k + s, `thread switch or end in delay slot ${s} of the branch at ${k}`);
      }
      const t = branchTarget(ins, k, program.length);
      if (t !== undefined && k + BRANCH_SLOTS < program.length) pair(k + BRANCH_SLOTS, t, ` (the branch at ${k} goes to ${t})`);
    }
    const ahead = (gap: number, what: (g: Facts) => boolean, rule: Vc4HazardRule, message: (s: number) => string): void => {
      for (let s = 1; s <= gap; s++) {
        const g = facts[k + s];
        if (g && what(g)) report(rule, k + s, message(s));
      }
    };
    if (f.writes.has('sfu')) {
      ahead(SFU_GAP, (g) => g.readsR4 || g.writes.has('sfu') || g.r4Signal, 'sfu-r4-too-soon', (s) => `r4 used ${s} instruction(s) after the SFU write at ${k}; the result is ready after ${SFU_GAP}`);
    }
    if (f.writes.has('unif_addr')) {
      ahead(UNIF_ADDR_GAP, (g) => g.reads.has('unif'), 'uniform-after-unif-addr', (s) => `uniform read ${s} instruction(s) after the uniforms_address write at ${k}`);
    }
    if (f.writes.has('tmu_noswap')) {
      ahead(NOSWAP_GAP, (g) => g.writes.has('tmu'), 'tmu-noswap-too-late', (s) => `TMU write ${s} instruction(s) after the tmu_noswap write at ${k}`);
    }
    if (f.thrend) {
      if (f.writeA >= 0 || f.writeB >= 0) report('thrend-regfile-write', k, 'the thrend instruction writes a register file location');
      ahead(END_SLOTS, (g) => g.reads.has('unif') || g.reads.has('vpm') || g.writes.has('vpm') || g.writes.has('vpm_setup'), 'after-thrend-access', (s) => `uniform or VPM access in end slot ${s} of the thrend at ${k}`);
      ahead(END_SLOTS, (g) => [g.readA, g.readB, g.writeA, g.writeB].includes(END_FORBIDDEN_REG), 'after-thrend-access', (s) => `register ${END_FORBIDDEN_REG} of A or B accessed in end slot ${s} of the thrend at ${k}`);
    }
    if (f.writes.has('vpm_setup') && (f.writes.has('vpm') || f.reads.has('vpm'))) report('vpm-setup-misuse', k, 'VPM read/write combined with a VPM setup write in one instruction');
    if (f.thrsw) report('thrsw-in-user-program', k, 'thread switch in a user program (threads are for fragment shaders)');
  });
  if (program.length > 0 && !facts.some((f) => f.writes.has('host_int'))) {
    report('no-host-interrupt', program.length - 1, 'the program never writes host_int, so the host is not told it finished');
  }
  return issues.sort((a, b) => a.index - b.index);
}
