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
 * What each instruction reads and writes comes from facts.ts (derived from the
 * ISA table); the distances from table.ts `VC4_PIPELINE`.
 */
import type { Vc4Instr } from './instr.ts';
import { VC4_PIPELINE } from './table.ts';
import { validateVc4 } from './validate.ts';
import type { ProgramIssue } from '../isa.ts';
import { VC4_HAZARD_RULES, type Vc4HazardRule } from './rules.ts';
import { vc4Access, type Vc4Access } from './facts.ts';

/** One rule a program breaks, at instruction `index` (0-based). */
export type Vc4ProgramIssue = ProgramIssue<Vc4HazardRule>;

const { branchDelaySlots: BRANCH_SLOTS, threndSlots: END_SLOTS, sfuResultGap: SFU_GAP, unifAddrGap: UNIF_ADDR_GAP, tmuNoswapGap: NOSWAP_GAP, threndForbiddenReg: END_FORBIDDEN_REG } = VC4_PIPELINE;

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
  const facts = program.map(vc4Access);

  /** Rules between an instruction and the one that runs right after it (layout successor or branch target). */
  const pair = (p: number, k: number, via: string): void => {
    const a = facts[p] as Vc4Access;
    const b = facts[k] as Vc4Access;
    if (b.readA >= 0 && b.readA === a.writeA) report('regfile-read-after-write', k, `ra${b.readA} read right after the instruction at ${p} writes it${via}`);
    if (b.readB >= 0 && b.readB === a.writeB) report('regfile-read-after-write', k, `rb${b.readB} read right after the instruction at ${p} writes it${via}`);
    if (b.rotation && b.rotation.accs & a.accWrites & 0xf) report('rotate-after-write', k, `vector rotation of an accumulator the instruction at ${p} writes${via}`);
    if (b.rotation?.byR5 && a.accWrites & 32) report('rotate-after-write', k, `rotation by r5 right after the instruction at ${p} writes r5${via}`);
  };

  program.forEach((ins, k) => {
    const f = facts[k] as Vc4Access;
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
    const ahead = (gap: number, what: (g: Vc4Access) => boolean, rule: Vc4HazardRule, message: (s: number) => string): void => {
      for (let s = 1; s <= gap; s++) {
        const g = facts[k + s];
        if (g && what(g)) report(rule, k + s, message(s));
      }
    };
    if (f.ioWrites.has('sfu')) {
      ahead(SFU_GAP, (g) => g.accReads.has('r4') || g.ioWrites.has('sfu') || g.r4Signal, 'sfu-r4-too-soon', (s) => `r4 used ${s} instruction(s) after the SFU write at ${k}; the result is ready after ${SFU_GAP}`);
    }
    if (f.ioWrites.has('unif_addr')) {
      ahead(UNIF_ADDR_GAP, (g) => g.ioReads.has('unif'), 'uniform-after-unif-addr', (s) => `uniform read ${s} instruction(s) after the uniforms_address write at ${k}`);
    }
    if (f.ioWrites.has('tmu_noswap')) {
      ahead(NOSWAP_GAP, (g) => g.ioWrites.has('tmu'), 'tmu-noswap-too-late', (s) => `TMU write ${s} instruction(s) after the tmu_noswap write at ${k}`);
    }
    if (f.thrend) {
      if (f.writeA >= 0 || f.writeB >= 0) report('thrend-regfile-write', k, 'the thrend instruction writes a register file location');
      ahead(END_SLOTS, (g) => g.ioReads.has('unif') || g.ioReads.has('vpm') || g.ioWrites.has('vpm') || g.ioWrites.has('vpm_setup'), 'after-thrend-access', (s) => `uniform or VPM access in end slot ${s} of the thrend at ${k}`);
      ahead(END_SLOTS, (g) => [g.readA, g.readB, g.writeA, g.writeB].includes(END_FORBIDDEN_REG), 'after-thrend-access', (s) => `register ${END_FORBIDDEN_REG} of A or B accessed in end slot ${s} of the thrend at ${k}`);
    }
    if (f.ioWrites.has('vpm_setup') && (f.ioWrites.has('vpm') || f.ioReads.has('vpm'))) report('vpm-setup-misuse', k, 'VPM read/write combined with a VPM setup write in one instruction');
    if (f.thrsw) report('thrsw-in-user-program', k, 'thread switch in a user program (threads are for fragment shaders)');
  });
  if (program.length > 0 && !facts.some((f) => f.ioWrites.has('host_int'))) {
    report('no-host-interrupt', program.length - 1, 'the program never writes host_int, so the host is not told it finished');
  }
  return issues.sort((a, b) => a.index - b.index);
}
