/**
 * The static program checker for V3D: the hazard rules that depend only on
 * where instructions sit in the code (delay slots of branches and thread
 * switches, the thread-end sequence, neighbouring instructions), checked on
 * a whole program in layout order. The backend runs it on every kernel it
 * compiles, so a rule is checked on all paths, not only on those an emulator
 * run happens to take. Rule ids and severities come from rules.ts, the table
 * the emulator's dynamic checker (runtime/emulator/v3d/hazards.ts) reports
 * with; rules that need run-time state (TMU FIFO depth, flags across a
 * switch) stay with the emulator.
 */
import type { V3dAluInstr, V3dAluPart, V3dInstr, V3dVersion } from './instr.ts';
import { MAGIC, MUX } from './instr.ts';
import { addOpInfo, magicRole, mulOpInfo } from './table.ts';
import type { ProgramIssue as Issue } from '../isa.ts';
import { V3D_HAZARD_RULES, type V3dHazardRule } from './rules.ts';

/** One rule a program breaks, at instruction `index` (0-based). */
export type V3dProgramIssue = Issue<V3dHazardRule>;

/** Delay slots of a branch and of a thread switch (semantics notes 2.3, 2.1). */
const BRANCH_SLOTS = 3;
const THRSW_SLOTS = 2;

const alu = (i: V3dInstr | undefined): V3dAluInstr | undefined => (i?.kind === 'alu' ? i : undefined);
const isThrsw = (i: V3dInstr | undefined): boolean => alu(i)?.sig.thrsw === true;
const readsUniform = (i: V3dAluInstr): boolean => i.sig.ldunif || i.sig.ldunifrf || i.sig.ldunifa || i.sig.ldunifarf;

/** Whether an ALU part writes the register file (not a magic address). */
function partWritesRf(part: V3dAluPart, isAdd: boolean, ver: V3dVersion): boolean {
  const info = isAdd ? addOpInfo(part.op, ver) : mulOpInfo(part.op, ver);
  return info?.hasDestination === true && !part.magic;
}

/** Whether a signal of `i` writes the register file (ldunifrf, ldtmu … to an rf address; 4.2 ldunif writes r5, 7.1 rf0). */
function signalWritesRf(i: V3dAluInstr, ver: V3dVersion): boolean {
  const addressed = i.sig.ldunifrf || i.sig.ldunifarf || i.sig.ldtmu || i.sig.ldvary || i.sig.ldtlb || i.sig.ldtlbu;
  return (addressed && !i.sigMagic) || (ver === 71 && (i.sig.ldunif || i.sig.ldunifa));
}

/**
 * Whether `i` starts an SFU operation whose result would land in the other
 * thread: a write to a legacy SFU address (result in r4). Mesa's validator
 * counts only those (v3d_qpu_magic_waddr_is_sfu), not SFU-class ops writing
 * the register file: py-videocore7's sgemm has `rot` in a thrsw slot and runs.
 */
function startsSfu(i: V3dAluInstr): boolean {
  const magicSfu = (p: V3dAluPart) => p.magic && magicRole(p.waddr) === 'sfu';
  return magicSfu(i.add) || magicSfu(i.mul);
}

/** 4.2: whether `i` reads accumulator r4 or writes r4 / an SFU address (rule 10's second instruction). */
function touchesR4(i: V3dAluInstr, ver: V3dVersion): boolean {
  const reads = (p: V3dAluPart, isAdd: boolean) => {
    const info = isAdd ? addOpInfo(p.op, ver) : mulOpInfo(p.op, ver);
    const n = info?.numSrc ?? 0;
    return (n >= 1 && p.a.mux === MUX.R4) || (n >= 2 && p.b.mux === MUX.R4);
  };
  const writes = (p: V3dAluPart) => p.magic && (p.waddr === MAGIC.R4 || magicRole(p.waddr) === 'sfu');
  return reads(i.add, true) || reads(i.mul, false) || writes(i.add) || writes(i.mul);
}

/** Every position-dependent hazard of `program` (empty when it breaks none). */
export function checkV3dProgram(program: readonly V3dInstr[], ver: V3dVersion): V3dProgramIssue[] {
  const issues: V3dProgramIssue[] = [];
  const report = (rule: V3dHazardRule, index: number, message: string) => issues.push({ rule, severity: V3D_HAZARD_RULES[rule], index, message });
  // The last thrsw in layout order ends the thread (the compiled end sequence puts it last).
  let endThrsw = -1;
  program.forEach((ins, k) => {
    if (isThrsw(ins)) endThrsw = k;
  });

  program.forEach((ins, k) => {
    if (ins.kind === 'branch') {
      for (let s = 1; s <= BRANCH_SLOTS; s++) {
        const slot = program[k + s];
        if (slot?.kind === 'branch') report('r1-branch-in-branch-slot', k + s, `branch in delay slot ${s} of the branch at ${k}`);
        const a = alu(slot);
        if (a?.sig.thrsw) report('r2-thrsw-in-branch-slot', k + s, `thrsw in delay slot ${s} of the branch at ${k}`);
        if (a && readsUniform(a)) report('r16-ldunif-in-branch-slot', k + s, `uniform read in delay slot ${s} of the branch at ${k}`);
      }
      return;
    }
    if (ins.sig.thrsw) {
      for (let s = 1; s <= THRSW_SLOTS; s++) {
        const slot = program[k + s];
        if (slot?.kind === 'branch') report('r3-branch-in-thrsw-slot', k + s, `branch in switch slot ${s} of the thrsw at ${k}`);
        const a = alu(slot);
        if (a && startsSfu(a)) report('r9-sfu-in-thrsw-slot', k + s, `SFU operation in switch slot ${s} of the thrsw at ${k}`);
      }
      // Immediately after is the last-switch marker; two after is a new switch inside the slots.
      if (isThrsw(program[k + 2]) && !isThrsw(program[k + 1])) report('r4-thrsw-in-thrsw-slot', k + 2, `thrsw two instructions after the thrsw at ${k}`);
    }
    if (ver === 42) {
      const legacySfu = (p: V3dAluPart) => p.magic && magicRole(p.waddr) === 'sfu';
      const next = alu(program[k + 1]);
      if ((legacySfu(ins.add) || legacySfu(ins.mul)) && next && touchesR4(next, ver)) {
        report('r10-r4-too-soon', k + 1, `r4 accessed right after the SFU write at ${k}`);
      }
    }
  });

  if (endThrsw >= 0) {
    const end = program[endThrsw] as V3dAluInstr;
    for (let s = 1; s <= THRSW_SLOTS; s++) {
      const a = alu(program[endThrsw + s]);
      if (a && readsUniform(a)) report('r8-uniform-in-end-slot', endThrsw + s, `uniform read in end slot ${s}`);
    }
    if (ver === 42) {
      for (let s = 0; s <= THRSW_SLOTS; s++) {
        const a = alu(program[endThrsw + s]);
        if (a && (partWritesRf(a.add, true, ver) || partWritesRf(a.mul, false, ver) || signalWritesRf(a, ver))) {
          report('r6-rf-write-at-end', endThrsw + s, s === 0 ? 'register-file write in the ending thrsw' : `register-file write in end slot ${s}`);
        }
      }
    } else if (partWritesRf(end.add, true, ver) || partWritesRf(end.mul, false, ver)) {
      report('r6b-rf-write-at-end', endThrsw, 'register-file write by an ALU in the ending thrsw');
    }
  }
  // The final instruction the thread runs is the ending thrsw's second slot.
  const last = endThrsw >= 0 ? alu(program[endThrsw + THRSW_SLOTS]) : undefined;
  if (ver === 42 && last && (last.add.op === 'tmuwt' || last.mul.op === 'tmuwt')) report('r7-tmuwt-last', endThrsw + THRSW_SLOTS, 'tmuwt in the final instruction (GFXH-1625)');
  return issues.sort((a, b) => a.index - b.index);
}
