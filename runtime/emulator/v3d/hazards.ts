/**
 * Hazard checker: the rules of shared/docs/v3d-semantics-notes.md section 6
 * that apply to compute, checked on the instruction stream each thread really
 * executes (so delay slots, switch slots and distances are the dynamic ones).
 * Rule ids carry the table's number: `r1-branch-in-branch-slot` is rule 1.
 * Severity follows the table: E rules are errors, W rules warnings.
 */
import type { V3dVersion } from '../../../compiler/isa/v3d/instr.ts';
import type { HazardReport } from '../../device.ts';
import { DEST, ROW_ACC, type CompiledAlu, type CompiledInstr, type Dest } from './compile.ts';
import type { ThreadState } from './thread.ts';

/** 'error': throw at the first error; 'warn': collect everything; 'off': check nothing. */
export type HazardMode = 'error' | 'warn' | 'off';

/** Instruction byte address → position in the TS (or assembly) source. */
export type SourceMap = ReadonlyMap<number, { file: string; line: number; col: number }>;

/** Thrown in 'error' mode; its message names rule, address and QPU. */
export class HazardError extends Error {
  constructor(readonly report: HazardReport) {
    super(report.message);
  }
}

/** TMU output FIFO: 16 words per QPU shared by its threads (M:h MAX_TMU_QUEUE_SIZE; notes 5.3). */
const TMU_OUTPUT_WORDS_PER_QPU = 16;

interface History {
  /** Previous three instructions, most recent first. */
  prev: (CompiledInstr | undefined)[];
  /** Instructions left in a branch's delay slots / a switch's slots (as the checker counts them). */
  branchSlots: number;
  thrswSlots: number;
  thrswEnds: boolean;
  /** Switch instructions seen and last-switch markers seen. */
  markers: number;
  /** Instruction count at the last unifa write (-inf = none). */
  unifaAt: number;
  /** Instruction count at the last branch. */
  branchAt: number;
  multopPending: boolean;
  /** Accumulators (bit k = rk) and flags written since the last switch. */
  accValid: number;
  flagsValid: boolean;
  count: number;
  /** TMU words pending at the previous check (rule 25 reports growth past the limit). */
  pendingSeen: number;
}

function isTmuWrite(d: Dest | null | undefined): boolean {
  if (!d) return false;
  return d.kind === DEST.TMUD || d.kind === DEST.TMUA || d.kind === DEST.TMUAU || d.kind === DEST.TMUC || d.kind === DEST.TMU_OTHER;
}

function dests(ins: CompiledAlu): Dest[] {
  const out: Dest[] = [];
  if (ins.add) out.push(ins.add.dest);
  if (ins.mul) out.push(ins.mul.dest);
  if (ins.sigDest) out.push(ins.sigDest);
  return out;
}

/** Rule 12/12b peripheral classes of one instruction. */
function peripherals(ins: CompiledAlu): { tmu: number; sfu: number; tsy: number; ldtmu: number; wrtmuc: number } {
  let tmu = 0, sfu = 0, tsy = 0;
  for (const d of dests(ins)) {
    if (isTmuWrite(d)) tmu++;
    if (d.kind === DEST.SFU) sfu++;
    if (d.kind === DEST.SYNC || d.kind === DEST.SYNCU || d.kind === DEST.SYNCB) tsy++;
  }
  if (ins.add?.op.sfu) sfu++;
  return { tmu, sfu, tsy, ldtmu: ins.ldtmu ? 1 : 0, wrtmuc: ins.wrtmuc ? 1 : 0 };
}

function isSfuStart(ins: CompiledInstr | undefined): boolean {
  if (!ins || ins.kind !== 'alu') return false;
  return dests(ins).some((d) => d.kind === DEST.SFU) || ins.add?.op.sfu === true;
}

function writesRf(ins: CompiledAlu, aluOnly: boolean): boolean {
  if (ins.add?.dest.isRf || ins.mul?.dest.isRf) return true;
  if (aluOnly) return false;
  return (ins.sigDest?.isRf ?? false) || ((ins.ldunif || ins.ldunifa) && ins.implicitDest.isRf);
}

/** Per-job hazard checker, fed every instruction each thread executes. */
export class HazardChecker {
  readonly reports: HazardReport[] = [];
  private readonly seen = new Set<string>();
  private readonly hist = new Map<ThreadState, History>();

  constructor(
    readonly ver: V3dVersion,
    readonly mode: HazardMode,
    readonly sourceMap: SourceMap | undefined,
    readonly singleSeg: boolean,
    readonly threadsPerQpu: number,
  ) {}

  private h(t: ThreadState): History {
    let h = this.hist.get(t);
    if (!h) {
      h = { prev: [undefined, undefined, undefined], branchSlots: 0, thrswSlots: 0, thrswEnds: false, markers: 0, unifaAt: -Infinity, branchAt: -Infinity, multopPending: false, accValid: 0x3f, flagsValid: true, count: 0, pendingSeen: 0 };
      this.hist.set(t, h);
    }
    return h;
  }

  /** Record a hazard; throws in 'error' mode for error-level rules. */
  report(rule: string, severity: 'error' | 'warning', what: string, address: number, qpu: number): void {
    const key = `${rule}@${address}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const src = this.sourceMap?.get(address);
    const where = `instruction 0x${address.toString(16).padStart(8, '0')} on QPU ${qpu}${src ? ` (${src.file}:${src.line}:${src.col})` : ''}`;
    const r: HazardReport = { rule, severity, message: `${severity === 'error' ? 'hazard' : 'warning'} ${rule}: ${what} at ${where}`, address, qpu };
    this.reports.push(r);
    if (severity === 'error' && this.mode === 'error') throw new HazardError(r);
  }

  /** Check `ins`, about to run on thread `t`. */
  check(t: ThreadState, ins: CompiledInstr): void {
    if (this.mode === 'off') return;
    const h = this.h(t);
    const E = (rule: string, what: string): void => this.report(rule, 'error', what, ins.address, t.qpu);
    const W = (rule: string, what: string): void => this.report(rule, 'warning', what, ins.address, t.qpu);
    const inBranchSlot = h.branchSlots > 0;
    const inThrswSlot = h.thrswSlots > 0;
    const inEndSlot = inThrswSlot && h.thrswEnds;
    const prev = h.prev[0];
    const v42 = this.ver === 42;

    if (ins.kind === 'branch') {
      if (inBranchSlot) E('r1-branch-in-branch-slot', 'branch in the delay slots of a branch');
      if (inThrswSlot) E('r3-branch-in-thrsw-slot', 'branch in the delay slots of a thrsw');
      if (h.count - h.unifaAt <= 3) W('r15-branch-after-unifa', 'branch within 3 instructions of a unifa write');
      if (!h.flagsValid && ins.cond !== 0) W('acc-after-switch', 'branch condition reads flags not written since a thread switch (flags do not survive a switch)');
      h.branchAt = h.count;
    } else {
      const per = peripherals(ins);
      const unifaWrite = dests(ins).some((d) => d.kind === DEST.UNIFA);
      // Rule 2 and 4/5: thread switches.
      if (ins.thrsw) {
        if (inBranchSlot) E('r2-thrsw-in-branch-slot', 'thrsw in the delay slots of a branch');
        const marker = prev?.kind === 'alu' && prev.thrsw;
        if (marker) {
          h.markers++;
          if (h.markers > 1) E('r5-two-last-thrsw-markers', 'more than one last-thrsw marker (back-to-back thrsw)');
        } else if (inThrswSlot) W('r4-thrsw-in-thrsw-slot', 'thrsw within 2 instructions of another one');
        if (unifaWrite) E('r14-unifa-at-thrsw', 'unifa written by a thrsw instruction');
      }
      if (inThrswSlot && unifaWrite) E('r14-unifa-at-thrsw', 'unifa written in the delay slots of a thrsw');
      // Rules 6-8: end of program.
      const isEnd = ins.thrsw && !(prev?.kind === 'alu' && prev.thrsw) && (t.lastThrsw || this.singleSeg);
      if (v42 && (isEnd || inEndSlot) && writesRf(ins, false)) E('r6-rf-write-at-end', 'register-file write by the end thrsw or its two delay slots');
      if (!v42 && isEnd && writesRf(ins, true)) E('r6b-rf-write-at-end', 'ALU register-file write in the end thrsw instruction');
      if (v42 && inEndSlot && h.thrswSlots === 1 && ins.add?.op.effect === 'tmuwt') E('r7-tmuwt-last', 'tmuwt in the final instruction (GFXH-1625)');
      if (inEndSlot && ins.uniforms > 0) E('r8-uniform-in-end-slot', 'uniform read in the delay slots of the end thrsw');
      // Rule 9: SFU in thrsw slots (the result would land in the other thread).
      if (inThrswSlot && isSfuStart(ins)) E('r9-sfu-in-thrsw-slot', 'SFU started in the delay slots of a thrsw');
      // Rule 10: legacy SFU r4 distance.
      if (v42 && prev?.kind === 'alu' && dests(prev).some((d) => d.kind === DEST.SFU)) {
        const r4 = ROW_ACC + 4;
        if (ins.reads.includes(r4) || dests(ins).some((d) => d.kind === DEST.SFU || (d.kind === DEST.ROW && d.row === r4))) {
          E('r10-r4-too-soon', 'r4 accessed (or SFU written) in the instruction right after an SFU write; r4 is valid 2 instructions later');
        }
      }
      // With 4 threads per QPU each thread owns rf0..rf31 only (M:ra; notes 1 "rf per thread").
      if (this.threadsPerQpu === 4 && (ins.reads.some((r) => r >= 32 && r < 64) || dests(ins).some((d) => d.isRf && d.row >= 32))) {
        E('rf-beyond-thread-share', 'register file entry rf32..rf63 used with 4 threads per QPU (each thread has rf0..rf31)');
      }
      // Rule 12 / 12b: one peripheral access per instruction.
      const { tmu, sfu, tsy, ldtmu, wrtmuc } = per;
      // Two TMU writes in one instruction are never allowed; wrtmuc may pair with one (rule 12).
      const tmuOk = tmu <= 1;
      if (v42) {
        const classes = (tmu > 0 ? 1 : 0) + sfu + tsy + ldtmu + (wrtmuc && tmu === 0 ? 1 : 0);
        if (!tmuOk || sfu > 1 || (classes > 1 && !(classes === 2 && ldtmu === 1 && tmu > 0 && sfu + tsy === 0))) E('r12-peripherals', 'more than one of {TMU write, SFU, TSY, ldtmu} in one instruction');
        else if (ldtmu === 1 && tmu > 0) W('r12-ldtmu-with-tmu-write', 'ldtmu together with a TMU write (Mesa forbids it; py-videocore6 kernels do it and work)');
      } else {
        const classes = (tmu > 0 || wrtmuc > 0 ? 1 : 0) + sfu + tsy;
        if (!tmuOk || classes > 1) E('r12b-peripherals', 'more than one of {TMU write, wrtmuc, TSY, SFU incl. rot/bcastf/...} in one instruction');
      }
      // Rule 13: unifa → ldunifa distance.
      if ((ins.ldunifa || ins.ldunifarf) && h.count - h.unifaAt <= 3) E('r13-ldunifa-too-soon', 'ldunifa within 3 instructions of the unifa write (needs 3 between)');
      // Rules 15/16: branch delay slots.
      if (inBranchSlot && unifaWrite) W('r15-unifa-in-branch-slot', 'unifa written in the delay slots of a branch');
      if (inBranchSlot && (ins.ldunif || ins.ldunifrf || ins.ldunifa || ins.ldunifarf)) W('r16-ldunif-in-branch-slot', 'uniform load in the delay slots of a branch');
      // Rule 18 (4.2): the rotate amount occupies raddr_b.
      if (v42 && ins.source.sig.rotate) {
        const usesB = [ins.add, ins.mul].some((p) => p && ((p.op.srcs >= 1 && p.a.row === ins.source.raddrB && (p === ins.add ? ins.source.add.a.mux : ins.source.mul.a.mux) === 7) || (p.op.srcs >= 2 && (p === ins.add ? ins.source.add.b.mux : ins.source.mul.b.mux) === 7)));
        if (usesB || ins.source.sig.smallImmB) E('r18-rotate-port-b', 'rotate takes raddr_b for its amount: no small immediate or register-file port B in that instruction');
      }
      // Rule 18b (7.1): one small immediate, on an operand its ALU reads.
      if (!v42) {
        const s = ins.source.sig;
        const n = (s.smallImmA ? 1 : 0) + (s.smallImmB ? 1 : 0) + (s.smallImmC ? 1 : 0) + (s.smallImmD ? 1 : 0);
        if (n > 1 || ((s.smallImmA || s.smallImmB) && !ins.add) || ((s.smallImmC || s.smallImmD) && !ins.mul)) E('r18b-small-immediate', 'small immediate without the op that reads it, or more than one');
      }
      // Rule 20: multop → umul24 across a switch.
      if (ins.mul?.op.name === 'umul24' || ins.add?.op.name === 'umul24') h.multopPending = false;
      if (ins.mul?.op.name === 'multop' || ins.add?.op.name === 'multop') h.multopPending = true;
      // Rule 21 (4.2): rotate inputs written by the previous instruction.
      if (v42 && ins.source.sig.rotate && ins.mul && prev?.kind === 'alu') {
        const written = dests(prev).filter((d) => d.kind === DEST.ROW || d.kind === DEST.QUAD || d.kind === DEST.REP).map((d) => d.row);
        if (prev.ldunif || prev.ldunifa) written.push(ROW_ACC + 5);
        const srcRows = [ins.mul.a.row, ins.mul.op.srcs >= 2 ? ins.mul.b.row : -1];
        if (ins.rotateAmount === -1) srcRows.push(ROW_ACC + 5);
        if (srcRows.some((r) => r >= 0 && written.includes(r))) E('r21-rotate-input-too-new', 'rotate source (or r5 amount) written by the previous instruction');
      }
      // Rule 22 (4.2): SFU op into an accumulator.
      if (v42 && ins.add?.op.sfu && ins.add.dest.kind === DEST.ROW && !ins.add.dest.isRf) W('r22-sfu-op-to-accumulator', 'SFU op writing an accumulator (Mesa writes them to the register file)');
      // Rules 25/26: TMU output FIFO.
      if (ins.ldtmu && t.tmu.pendingWords === 0) E('r26-ldtmu-empty', 'ldtmu with no TMU lookup outstanding (the QPU hangs)');
      const limit = TMU_OUTPUT_WORDS_PER_QPU / this.threadsPerQpu;
      // Report where the queue grows past the limit (the lookup before this instruction), once.
      if (t.tmu.pendingWords > limit && t.tmu.pendingWords > h.pendingSeen) this.report('r25-tmu-fifo-overflow', 'error', `${t.tmu.pendingWords} TMU words awaiting ldtmu, more than the ${limit} one thread may hold`, prev?.address ?? ins.address, t.qpu);
      // Rule 27: code after the switch in the thrsw slots.
      if (inThrswSlot && !inEndSlot) {
        const accOrFlag = dests(ins).some((d) => d.kind === DEST.ROW && !d.isRf) || [ins.add, ins.mul].some((p) => p && (p.push || p.update));
        if (tmu > 0 || wrtmuc || ins.ldtmu || accOrFlag || ins.mul?.op.name === 'multop') W('r27-thrsw-slot-use', 'TMU, ldtmu, accumulator, flag or multop use in the delay slots of a thrsw');
      }
      // Accumulators/flags read after a switch that another thread may have clobbered (notes 2.1: warn anyway).
      const accReads = ins.reads.filter((r) => r >= ROW_ACC).map((r) => r - ROW_ACC);
      if (v42 && accReads.some((k) => !(h.accValid & (1 << k)))) W('acc-after-switch', 'accumulator read before being written since a thread switch');
      if (!h.flagsValid && [ins.add, ins.mul].some((p) => p && (p.cond || p.update || ['vfla', 'vflna', 'vflb', 'vflnb', 'flapush', 'flbpush'].includes(p.op.name)))) W('acc-after-switch', 'flags read before being written since a thread switch');
      for (const d of dests(ins)) if (d.kind !== DEST.NONE && d.row >= ROW_ACC && !d.isRf && d.magic !== 6) h.accValid |= 1 << (d.row - ROW_ACC);
      if (v42 && (ins.ldunif || ins.ldunifa)) h.accValid |= 1 << 5;
      if (v42 && isSfuStart(ins) && dests(ins).some((d) => d.kind === DEST.SFU)) h.accValid |= 1 << 4;
      if ([ins.add, ins.mul].some((p) => p && p.push)) h.flagsValid = true;
      if (unifaWrite) h.unifaAt = h.count;
      h.pendingSeen = t.tmu.pendingWords;
    }
    // Advance the checker's own slot counters.
    if (h.branchSlots > 0) h.branchSlots--;
    if (h.thrswSlots > 0) h.thrswSlots--;
    if (ins.kind === 'branch') h.branchSlots = 3;
    if (ins.kind === 'alu' && ins.thrsw && !(prev?.kind === 'alu' && prev.thrsw)) {
      h.thrswSlots = 2;
      h.thrswEnds = t.lastThrsw || this.singleSeg;
    }
    h.prev.unshift(ins);
    h.prev.length = 3;
    h.count++;
  }

  /** The thread switches (or ends) now. */
  onSwitch(t: ThreadState, ended: boolean): void {
    if (this.mode === 'off') return;
    const h = this.h(t);
    const at = h.prev[0]?.address ?? t.pc;
    if (!ended && h.multopPending) this.report('r20-multop-across-switch', 'error', 'thread switch between multop and umul24 (rtop does not survive it)', at, t.qpu);
    h.accValid = 0;
    h.flagsValid = false;
  }

  /** The thread blocks at a barrier. */
  onBarrier(t: ThreadState): void {
    if (this.mode === 'off') return;
    if (t.tmu.pendingWords > 0 || t.tmu.data.length > 0) {
      this.report('r24-tmu-at-barrier', 'warning', 'TMU work outstanding at a barrier (no texturing may be outstanding at a TSY blocking operation)', this.h(t).prev[0]?.address ?? t.pc, t.qpu);
    }
  }

  /** The thread ended. */
  onEnd(t: ThreadState): void {
    if (this.mode === 'off') return;
    if (t.tmu.pendingWords > 0) this.report('tmu-results-left', 'warning', `${t.tmu.pendingWords} TMU words never collected with ldtmu`, this.h(t).prev[0]?.address ?? t.pc, t.qpu);
    this.hist.delete(t);
  }
}
