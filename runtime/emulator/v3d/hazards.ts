/**
 * Hazard checker: the rules of shared/docs/v3d-semantics-notes.md section 6
 * that apply to compute, checked on the instruction stream each thread really
 * executes (so delay slots, switch slots and distances are the dynamic ones).
 * Rule ids carry the table's number: `r1-branch-in-branch-slot` is rule 1.
 * Severity follows the table: E rules are errors, W rules warnings.
 */
import { RuntimeError, RUNTIME_ERROR_CODES } from '../../errors.ts';
import type { V3dVersion } from '../../../compiler/isa/v3d/instr.ts';
import type { V3dHazardRule } from '../../../compiler/isa/v3d/rules.ts';
import type { HazardReport } from '../../device.ts';
import { DEST, ROW_ACC, type CompiledAlu, type CompiledInstr, type Dest } from './compile.ts';
import type { ThreadState } from './thread.ts';

/** 'error': throw at the first error; 'warn': collect everything; 'off': check nothing. */
export type HazardMode = 'error' | 'warn' | 'off';

/** Instruction byte address → position in the TS (or assembly) source. */
export type SourceMap = ReadonlyMap<number, { file: string; line: number; col: number }>;

/** Thrown in 'error' mode; its message names rule, address and QPU. */
export class HazardError extends RuntimeError {
  constructor(readonly report: HazardReport) {
    super(report.message, RUNTIME_ERROR_CODES.HAZARD);
  }
}

/** TMU output FIFO: 16 words per QPU shared by its threads (M:h MAX_TMU_QUEUE_SIZE; notes 5.3). */
const TMU_OUTPUT_WORDS_PER_QPU = 16;

/** Per-thread checker state (kept on the thread so the hot path does no map lookup). */
export interface HazardHistory {
  /** Previous instruction executed by this thread. */
  prev: CompiledInstr | undefined;
  /** Instructions left in a branch's delay slots / a switch's slots (as the checker counts them). */
  branchSlots: number;
  thrswSlots: number;
  thrswEnds: boolean;
  /** Last-switch markers seen. */
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
  /** The previous instruction was a 4.2 magic SFU write (rule 10). */
  prevLegacySfu: boolean;
  /** 7.1 rule 28: rf0's latest write was implicit, from an instruction where another signal also wrote rf. */
  rf0Conflict: boolean;
}

/** A rule an instruction breaks whatever runs around it: [rule, severity, message]. */
type StaticIssue = readonly [V3dHazardRule, 'error' | 'warning', string];

/**
 * What the rules need to know about one ALU instruction, worked out once per
 * code address so that checking an executed instruction is O(1).
 */
export interface AluHazardFacts {
  unifaWrite: boolean;
  /** Starts an SFU (4.2 magic write or SFU-class op). */
  sfuStart: boolean;
  /** 4.2 magic SFU write (result in r4). */
  legacySfu: boolean;
  /** 4.2 and reads r4, or writes r4 or an SFU address (rule 10 second instruction). */
  r4Sensitive: boolean;
  writesRf: boolean;
  writesRfAlu: boolean;
  tmuwt: boolean;
  ldunifAny: boolean;
  ldunifaAny: boolean;
  multop: boolean;
  umul24: boolean;
  /** Uses rf32..rf63 (illegal with 4 threads per QPU). */
  highRf: boolean;
  /** Rule 27 use: TMU write, wrtmuc, ldtmu, accumulator or flag write, multop. */
  slotUse: boolean;
  /** Accumulators read (bit k = rk) and whether flags are read. */
  accReads: number;
  flagsRead: boolean;
  /** Accumulators written (bit k = rk) and whether flags are pushed. */
  accWrites: number;
  pushes: boolean;
  /** Rows written (rule 21 looks at the previous instruction's). */
  rowsWritten: readonly number[];
  /** Rows a 4.2 rotate reads (empty without rotate). */
  rotateSources: readonly number[];
  /**
   * Nothing but the distance, FIFO (r25/r26) and after-switch rules can apply
   * to it outside delay slots: no switch, ldunifa, static finding,
   * unifa/multop/umul24/SFU use or rf32+ access. The checker's fast path.
   */
  quick: boolean;
  /** 7.1 rule 28: writes rf0 (explicitly, by rep/quad, or implicitly by ldunif/ldunifa) ... */
  rf0Write: boolean;
  /** ... and that write is implicit while another signal writes the register file too. */
  rf0Conflict: boolean;
  /** 7.1 rule 28: a signal of this instruction writes the register file. */
  sigWritesRf: boolean;
  /** Rule 12/12b, rule 18/18b and rule 22 findings, in the order the table checks them. */
  peripheralIssues: readonly StaticIssue[];
  portIssues: readonly StaticIssue[];
  sfuDestIssues: readonly StaticIssue[];
}

const FLAG_READERS = new Set(['vfla', 'vflna', 'vflb', 'vflnb', 'flapush', 'flbpush', 'flafirst', 'flnafirst']);

/** Work out the facts of `ins` for version `ver`. */
export function aluHazardFacts(ins: CompiledAlu, ver: V3dVersion): AluHazardFacts {
  const v42 = ver === 42;
  const ds = dests(ins);
  const { tmu, sfu, tsy, ldtmu, wrtmuc } = peripherals(ins);
  const peripheralIssues: StaticIssue[] = [];
  // Two TMU writes in one instruction are never allowed; wrtmuc may pair with one (rule 12).
  const tmuOk = tmu <= 1;
  if (v42) {
    const classes = (tmu > 0 ? 1 : 0) + sfu + tsy + ldtmu + (wrtmuc && tmu === 0 ? 1 : 0);
    if (!tmuOk || sfu > 1 || (classes > 1 && !(classes === 2 && ldtmu === 1 && tmu > 0 && sfu + tsy === 0))) peripheralIssues.push(['r12-peripherals', 'error', 'more than one of {TMU write, SFU, TSY, ldtmu} in one instruction']);
    else if (ldtmu === 1 && tmu > 0) peripheralIssues.push(['r12-ldtmu-with-tmu-write', 'warning', 'ldtmu together with a TMU write (Mesa forbids it; py-videocore6 kernels do it and work)']);
  } else {
    const classes = (tmu > 0 || wrtmuc > 0 ? 1 : 0) + sfu + tsy;
    if (!tmuOk || classes > 1) peripheralIssues.push(['r12b-peripherals', 'error', 'more than one of {TMU write, wrtmuc, TSY, SFU incl. rot/bcastf/...} in one instruction']);
  }
  const portIssues: StaticIssue[] = [];
  const src = ins.source;
  // Rule 18 (4.2): the rotate amount occupies raddr_b.
  if (v42 && src.sig.rotate) {
    const usesB = [ins.add, ins.mul].some((p) => p && ((p.op.srcs >= 1 && p.a.row === src.raddrB && (p === ins.add ? src.add.a.mux : src.mul.a.mux) === 7) || (p.op.srcs >= 2 && (p === ins.add ? src.add.b.mux : src.mul.b.mux) === 7)));
    if (usesB || src.sig.smallImmB) portIssues.push(['r18-rotate-port-b', 'error', 'rotate takes raddr_b for its amount: no small immediate or register-file port B in that instruction']);
  }
  // Rule 18b (7.1): one small immediate, on an operand its ALU reads.
  if (!v42) {
    const g = src.sig;
    const n = (g.smallImmA ? 1 : 0) + (g.smallImmB ? 1 : 0) + (g.smallImmC ? 1 : 0) + (g.smallImmD ? 1 : 0);
    if (n > 1 || ((g.smallImmA || g.smallImmB) && !ins.add) || ((g.smallImmC || g.smallImmD) && !ins.mul)) portIssues.push(['r18b-small-immediate', 'error', 'small immediate without the op that reads it, or more than one']);
  }
  const sfuDestIssues: StaticIssue[] = [];
  // Rule 22 (4.2): SFU op into an accumulator.
  if (v42 && ins.add?.op.sfu && ins.add.dest.kind === DEST.ROW && !ins.add.dest.isRf) sfuDestIssues.push(['r22-sfu-op-to-accumulator', 'warning', 'SFU op writing an accumulator (Mesa writes them to the register file)']);
  const r4 = ROW_ACC + 4;
  const legacySfu = ds.some((d) => d.kind === DEST.SFU);
  const parts = [ins.add, ins.mul];
  let accReads = 0;
  for (const r of ins.reads) if (r >= ROW_ACC) accReads |= 1 << (r - ROW_ACC);
  let accWrites = 0;
  for (const d of ds) if (d.kind !== DEST.NONE && d.row >= ROW_ACC && !d.isRf && d.magic !== 6) accWrites |= 1 << (d.row - ROW_ACC);
  if (v42 && (ins.ldunif || ins.ldunifa)) accWrites |= 1 << 5;
  if (v42 && legacySfu) accWrites |= 1 << 4;
  const rowsWritten = ds.filter((d) => d.kind === DEST.ROW || d.kind === DEST.QUAD || d.kind === DEST.REP).map((d) => d.row);
  if (ins.ldunif || ins.ldunifa) rowsWritten.push(ROW_ACC + 5);
  const rotateSources: number[] = [];
  if (v42 && src.sig.rotate && ins.mul) {
    rotateSources.push(ins.mul.a.row, ins.mul.op.srcs >= 2 ? ins.mul.b.row : -1);
    if (ins.rotateAmount === -1) rotateSources.push(ROW_ACC + 5);
  }
  const accOrFlag = ds.some((d) => d.kind === DEST.ROW && !d.isRf) || parts.some((p) => p && (p.push || p.update));
  const multop = parts.some((p) => p?.op.name === 'multop');
  const umul24 = parts.some((p) => p?.op.name === 'umul24');
  const highRf = ins.reads.some((r) => r >= 32 && r < 64) || ds.some((d) => d.isRf && d.row >= 32);
  const unifaWrite = ds.some((d) => d.kind === DEST.UNIFA);
  const quick = !ins.thrsw && !ins.ldunifa && !ins.ldunifarf && !multop && !umul24 && !highRf && !unifaWrite && !isSfuStart(ins) &&
    peripheralIssues.length + portIssues.length + sfuDestIssues.length + rotateSources.length === 0;
  // Rule 28 (7.1 only; 4.2's implicit writes go to r5).
  const implicitRf0 = !v42 && (ins.ldunif || ins.ldunifa);
  const otherSigRf = ins.sigDest?.isRf === true;
  const rf0Write = !v42 && (implicitRf0 || ds.some((d) => (d.kind === DEST.ROW || d.kind === DEST.QUAD || d.kind === DEST.REP) && d.row === 0));
  return {
    quick,
    rf0Write,
    rf0Conflict: implicitRf0 && otherSigRf,
    sigWritesRf: !v42 && (otherSigRf || implicitRf0),
    unifaWrite,
    sfuStart: isSfuStart(ins),
    legacySfu,
    r4Sensitive: v42 && (ins.reads.includes(r4) || ds.some((d) => d.kind === DEST.SFU || (d.kind === DEST.ROW && d.row === r4))),
    writesRf: writesRf(ins, false),
    writesRfAlu: writesRf(ins, true),
    tmuwt: ins.add?.op.effect === 'tmuwt',
    ldunifAny: ins.ldunif || ins.ldunifrf || ins.ldunifa || ins.ldunifarf,
    ldunifaAny: ins.ldunifa || ins.ldunifarf,
    multop,
    umul24,
    highRf,
    slotUse: tmu > 0 || wrtmuc > 0 || ins.ldtmu || accOrFlag || ins.mul?.op.name === 'multop',
    accReads,
    flagsRead: parts.some((p) => p && (p.cond !== 0 || p.update !== 0 || FLAG_READERS.has(p.op.name))),
    accWrites,
    pushes: parts.some((p) => p && p.push !== 0),
    rowsWritten,
    rotateSources,
    peripheralIssues,
    portIssues,
    sfuDestIssues,
  };
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

function isSfuStart(ins: CompiledAlu): boolean {
  return dests(ins).some((d) => d.kind === DEST.SFU) || ins.add?.op.sfu === true;
}

function writesRf(ins: CompiledAlu, aluOnly: boolean): boolean {
  if (ins.add?.dest.isRf || ins.mul?.dest.isRf) return true;
  if (aluOnly) return false;
  return (ins.sigDest?.isRf ?? false) || ((ins.ldunif || ins.ldunifa) && ins.implicitDest.isRf);
}

function newHistory(): HazardHistory {
  return { prev: undefined, branchSlots: 0, thrswSlots: 0, thrswEnds: false, markers: 0, unifaAt: -Infinity, branchAt: -Infinity, multopPending: false, accValid: 0x3f, flagsValid: true, count: 0, pendingSeen: 0, prevLegacySfu: false, rf0Conflict: false };
}

/** Per-job hazard checker, fed every instruction each thread executes. */
export class HazardChecker {
  readonly reports: HazardReport[] = [];
  private readonly seen = new Set<string>();
  /** TMU output FIFO words one thread may hold. */
  private readonly fifoLimit: number;

  constructor(
    readonly ver: V3dVersion,
    readonly mode: HazardMode,
    readonly sourceMap: SourceMap | undefined,
    readonly singleSeg: boolean,
    readonly threadsPerQpu: number,
  ) {
    this.fifoLimit = TMU_OUTPUT_WORDS_PER_QPU / threadsPerQpu;
  }

  private h(t: ThreadState): HazardHistory {
    return (t.hazardHistory ??= newHistory());
  }

  /** Record a hazard; throws in 'error' mode for error-level rules. */
  report(rule: V3dHazardRule, severity: 'error' | 'warning', what: string, address: number, qpu: number): void {
    const key = `${rule}@${address}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const src = this.sourceMap?.get(address);
    const where = `instruction 0x${address.toString(16).padStart(8, '0')} on QPU ${qpu}${src ? ` (${src.file}:${src.line}:${src.col})` : ''}`;
    const r: HazardReport = { rule, severity, message: `${severity === 'error' ? 'hazard' : 'warning'} ${rule}: ${what} at ${where}`, address, qpu };
    this.reports.push(r);
    if (severity === 'error' && this.mode === 'error') throw new HazardError(r);
  }

  private issues(list: readonly StaticIssue[], address: number, qpu: number): void {
    for (const [rule, severity, what] of list) this.report(rule, severity, what, address, qpu);
  }

  /**
   * Check `ins`, about to run on thread `t`. Small enough to inline into the
   * run loop: an ordinary instruction outside delay slots (facts.quick) with
   * nothing to report only updates the bookkeeping here.
   */
  check(t: ThreadState, ins: CompiledInstr): void {
    const h = t.hazardHistory;
    if (h !== undefined && ins.kind === 'alu') {
      const f = ins.facts;
      const pending = t.tmu.pendingWords;
      if (f !== undefined && f.quick && (h.branchSlots | h.thrswSlots) === 0 && !(f.r4Sensitive && h.prevLegacySfu) &&
        (pending <= h.pendingSeen || pending <= this.fifoLimit) && (pending > 0 || !ins.ldtmu) &&
        (f.accReads & ~h.accValid) === 0 && (h.flagsValid || !f.flagsRead)) {
        h.accValid |= f.accWrites;
        if (f.pushes) h.flagsValid = true;
        if (f.rf0Write) h.rf0Conflict = f.rf0Conflict;
        h.pendingSeen = pending;
        h.prevLegacySfu = false;
        h.prev = ins;
        h.count++;
        return;
      }
    }
    this.checkFull(t, ins);
  }

  private checkFull(t: ThreadState, ins: CompiledInstr): void {
    if (this.mode === 'off') return;
    const h = t.hazardHistory ?? this.h(t);
    const address = ins.address;
    const inBranchSlot = h.branchSlots > 0;
    const inThrswSlot = h.thrswSlots > 0;
    const inEndSlot = inThrswSlot && h.thrswEnds;
    const prev = h.prev;
    const prevThrsw = prev !== undefined && prev.kind === 'alu' && prev.thrsw;
    const v42 = this.ver === 42;

    if (ins.kind === 'branch') {
      h.prevLegacySfu = false;
      if (inBranchSlot) this.report('r1-branch-in-branch-slot', 'error', 'branch in the delay slots of a branch', address, t.qpu);
      if (inThrswSlot) this.report('r3-branch-in-thrsw-slot', 'error', 'branch in the delay slots of a thrsw', address, t.qpu);
      if (h.count - h.unifaAt <= 3) this.report('r15-branch-after-unifa', 'warning', 'branch within 3 instructions of a unifa write', address, t.qpu);
      if (!h.flagsValid && ins.cond !== 0) this.report('acc-after-switch', 'warning', 'branch condition reads flags not written since a thread switch (flags do not survive a switch)', address, t.qpu);
      h.branchAt = h.count;
    } else {
      const f = ins.facts ??= aluHazardFacts(ins, this.ver);
      const E = (rule: V3dHazardRule, what: string): void => this.report(rule, 'error', what, address, t.qpu);
      const W = (rule: V3dHazardRule, what: string): void => this.report(rule, 'warning', what, address, t.qpu);
      // Rule 2 and 4/5: thread switches.
      if (ins.thrsw) {
        if (inBranchSlot) E('r2-thrsw-in-branch-slot', 'thrsw in the delay slots of a branch');
        if (prevThrsw) {
          h.markers++;
          if (h.markers > 1) E('r5-two-last-thrsw-markers', 'more than one last-thrsw marker (back-to-back thrsw)');
        } else if (inThrswSlot) W('r4-thrsw-in-thrsw-slot', 'thrsw within 2 instructions of another one');
        if (f.unifaWrite) E('r14-unifa-at-thrsw', 'unifa written by a thrsw instruction');
      }
      if (inThrswSlot) {
        if (f.unifaWrite) E('r14-unifa-at-thrsw', 'unifa written in the delay slots of a thrsw');
      }
      // Rules 6-8: end of program.
      const isEnd = ins.thrsw && !prevThrsw && (t.lastThrsw || this.singleSeg);
      if (isEnd || inEndSlot) {
        if (v42 && f.writesRf) E('r6-rf-write-at-end', 'register-file write by the end thrsw or its two delay slots');
        if (!v42 && isEnd && f.writesRfAlu) E('r6b-rf-write-at-end', 'ALU register-file write in the end thrsw instruction');
        if (v42 && inEndSlot && h.thrswSlots === 1 && f.tmuwt) E('r7-tmuwt-last', 'tmuwt in the final instruction (GFXH-1625)');
        if (inEndSlot && ins.uniforms > 0) E('r8-uniform-in-end-slot', 'uniform read in the delay slots of the end thrsw');
      }
      // Rule 9: an SFU started by a magic-address write (4.2 r4 form) in thrsw slots: its result would land in the
      // other thread's r4. Mesa's validator counts only those writes (v3d_qpu_magic_waddr_is_sfu), not SFU-class
      // ops writing the register file: py-videocore7's sgemm has `rot` in a thrsw's second slot and runs on a Pi 5.
      if (inThrswSlot && f.legacySfu) E('r9-sfu-in-thrsw-slot', 'SFU started in the delay slots of a thrsw');
      // Rule 10: legacy SFU r4 distance.
      if (f.r4Sensitive && h.prevLegacySfu) {
        E('r10-r4-too-soon', 'r4 accessed (or SFU written) in the instruction right after an SFU write; r4 is valid 2 instructions later');
      }
      // With 4 threads per QPU each thread owns rf0..rf31 only (M:ra; notes 1 "rf per thread").
      if (f.highRf && this.threadsPerQpu === 4) E('rf-beyond-thread-share', 'register file entry rf32..rf63 used with 4 threads per QPU (each thread has rf0..rf31)');
      // Rule 12 / 12b: one peripheral access per instruction.
      if (f.peripheralIssues.length > 0) this.issues(f.peripheralIssues, address, t.qpu);
      // Rule 13: unifa → ldunifa distance.
      if (f.ldunifaAny && h.count - h.unifaAt <= 3) E('r13-ldunifa-too-soon', 'ldunifa within 3 instructions of the unifa write (needs 3 between)');
      // Rules 15/16: branch delay slots.
      if (inBranchSlot) {
        if (f.unifaWrite) W('r15-unifa-in-branch-slot', 'unifa written in the delay slots of a branch');
        if (f.ldunifAny) W('r16-ldunif-in-branch-slot', 'uniform load in the delay slots of a branch');
      }
      // Rules 18 / 18b: read ports and small immediates.
      if (f.portIssues.length > 0) this.issues(f.portIssues, address, t.qpu);
      // Rule 20: multop → umul24 across a switch.
      if (f.umul24) h.multopPending = false;
      if (f.multop) h.multopPending = true;
      // Rule 21 (4.2): rotate inputs written by the previous instruction.
      if (f.rotateSources.length > 0 && prev !== undefined && prev.kind === 'alu') {
        const written = (prev.facts ??= aluHazardFacts(prev, this.ver)).rowsWritten;
        if (f.rotateSources.some((r) => r >= 0 && written.includes(r))) E('r21-rotate-input-too-new', 'rotate source (or r5 amount) written by the previous instruction');
      }
      // Rule 22 (4.2): SFU op into an accumulator.
      if (f.sfuDestIssues.length > 0) this.issues(f.sfuDestIssues, address, t.qpu);
      // Rules 25/26: TMU output FIFO.
      const pending = t.tmu.pendingWords;
      if (ins.ldtmu && pending === 0) E('r26-ldtmu-empty', 'ldtmu with no TMU lookup outstanding (the QPU hangs)');
      // Report where the queue grows past the limit (the lookup before this instruction), once.
      if (pending > this.fifoLimit && pending > h.pendingSeen) this.report('r25-tmu-fifo-overflow', 'error', `${pending} TMU words awaiting ldtmu, more than the ${this.fifoLimit} one thread may hold`, prev?.address ?? address, t.qpu);
      // Rule 27: code after the switch in the thrsw slots.
      if (inThrswSlot && !inEndSlot && f.slotUse) W('r27-thrsw-slot-use', 'TMU, ldtmu, accumulator, flag or multop use in the delay slots of a thrsw');
      // Accumulators/flags read after a switch that another thread may have clobbered (notes 2.1: warn anyway).
      if (v42 && (f.accReads & ~h.accValid) !== 0) W('acc-after-switch', 'accumulator read before being written since a thread switch');
      if (!h.flagsValid && f.flagsRead) W('acc-after-switch', 'flags read before being written since a thread switch');
      h.accValid |= f.accWrites;
      if (f.pushes) h.flagsValid = true;
      if (f.unifaWrite) h.unifaAt = h.count;
      h.pendingSeen = pending;
      h.prevLegacySfu = f.legacySfu;
      if (f.rf0Write) h.rf0Conflict = f.rf0Conflict;
    }
    // Advance the checker's own slot counters.
    if (h.branchSlots > 0) h.branchSlots--;
    if (h.thrswSlots > 0) h.thrswSlots--;
    if (ins.kind === 'branch') h.branchSlots = 3;
    else if (ins.thrsw && !prevThrsw) {
      h.thrswSlots = 2;
      h.thrswEnds = t.lastThrsw || this.singleSeg;
    }
    h.prev = ins;
    h.count++;
  }

  /** The thread switches (or ends) now. */
  onSwitch(t: ThreadState, ended: boolean): void {
    if (this.mode === 'off') return;
    const h = this.h(t);
    const at = h.prev?.address ?? t.pc;
    if (!ended && h.multopPending) this.report('r20-multop-across-switch', 'error', 'thread switch between multop and umul24 (rtop does not survive it)', at, t.qpu);
    // Rule 28 (7.1, Mesa's quote of the hardware docs): at the actual switch, rf0 is undefined in the new section if
    // its latest write was an implicit one made while another signal wrote rf, and the section's final instruction
    // (the second delay slot, `prev`) has an rf-writing signal.
    const last = h.prev;
    if (!ended && h.rf0Conflict && last !== undefined && last.kind === 'alu' && (last.facts ??= aluHazardFacts(last, this.ver)).sigWritesRf) {
      this.report('r28-rf0-undefined-after-switch', 'error', 'rf0 is undefined after this switch: its latest write was an implicit ldunif/ldunifa write alongside another rf-writing signal, and the last delay slot has an rf-writing signal', last.address, t.qpu);
    }
    h.rf0Conflict = false;
    h.accValid = 0;
    h.flagsValid = false;
  }

  /** The thread blocks at a barrier. */
  onBarrier(t: ThreadState): void {
    if (this.mode === 'off') return;
    if (t.tmu.pendingWords > 0 || t.tmu.dataCount > 0) {
      this.report('r24-tmu-at-barrier', 'warning', 'TMU work outstanding at a barrier (no texturing may be outstanding at a TSY blocking operation)', this.h(t).prev?.address ?? t.pc, t.qpu);
    }
  }

  /** The thread ended. */
  onEnd(t: ThreadState): void {
    if (this.mode === 'off') return;
    if (t.tmu.pendingWords > 0) this.report('tmu-results-left', 'warning', `${t.tmu.pendingWords} TMU words never collected with ldtmu`, this.h(t).prev?.address ?? t.pc, t.qpu);
    t.hazardHistory = undefined;
  }
}
