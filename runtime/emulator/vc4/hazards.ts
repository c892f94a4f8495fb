/**
 * The VC4 hazard checker: rules the reference guide lists that the hardware
 * does not enforce (shared/docs/vc4-isa-notes.md §7), checked on the
 * instructions each QPU actually executes, in order. Incremental: it keeps
 * the facts of the last three instructions as numbers, so a check is a few
 * integer compares on the compile-time facts (compile.ts FACT bits) plus
 * what the instruction actually wrote.
 */
import type { HazardReport } from '../../device.ts';
import { FACT, type CompiledInstr } from './compile.ts';

/** Every rule the checker knows, with its severity. */
export const VC4_HAZARD_RULES = {
  'regfile-read-after-write': 'error',
  'sfu-r4-too-soon': 'error',
  'rotate-after-write': 'error',
  'tmu-queue-overflow': 'error',
  'branch-in-delay-slot': 'error',
  'thread-switch-in-delay-slot': 'error',
  'thrend-regfile-write': 'error',
  'after-thrend-access': 'error',
  'uniform-after-unif-addr': 'error',
  'tmu-noswap-too-late': 'error',
  'vpm-setup-misuse': 'error',
  'vpm-reads-unconsumed': 'warning',
  'invalid-combination': 'error',
  'thrsw-in-user-program': 'warning',
  'no-host-interrupt': 'warning',
} as const;

/** A hazard rule id. */
export type Vc4HazardRule = keyof typeof VC4_HAZARD_RULES;

/** Facts of the rules that look back 1–3 instructions; anything else needs no history. */
const LOOK_BACK = FACT.SFU_WRITE | FACT.UNIF_ADDR_WRITE | FACT.THREND | FACT.BRANCH | FACT.NOSWAP_WRITE;
/**
 * The look-back facts that can fire on a quiet instruction (CompiledInstr.quiet: not a branch, thrend, thrsw
 * or rotation, no TMU access, no single-instruction problem); a branch only matters to those that are not.
 */
const QUIET_LOOK_BACK = LOOK_BACK & ~FACT.BRANCH;

/** Per-QPU history the rules look back on. */
export class HazardChecker {
  // The previous instruction's writes (register numbers, −1 none; accumulator bit mask) and facts 1, 2, 3 back.
  private prevWA = -1;
  private prevWB = -1;
  private prevAcc = 0;
  private f1 = 0;
  private f2 = 0;
  private f3 = 0;
  private a1 = 0;
  private a2 = 0;
  private a3 = 0;
  private readonly tmuOut = [0, 0];
  readonly reports: HazardReport[] = [];

  constructor(readonly qpu: number, private readonly sourceLine?: (address: number) => string | undefined) {}

  /** Record a hazard at `address`, naming the source line when a source map is present. */
  report(rule: Vc4HazardRule, address: number, message: string): void {
    const where = this.sourceLine?.(address);
    this.reports.push({ rule, severity: VC4_HAZARD_RULES[rule], message: where ? `${message} (${where})` : message, address, qpu: this.qpu });
  }

  /**
   * Check an executed instruction against the ones before it. `wA`/`wB` are
   * the physical regfile registers it actually wrote (−1: none; a write whose
   * condition failed on every lane does not count), `accW` its accumulators.
   */
  check(x: CompiledInstr, wA: number, wB: number, accW: number): void {
    const a = x.address;
    const f = x.facts;
    if (x.quiet && ((this.f1 | this.f2 | this.f3) & QUIET_LOOK_BACK) === 0) {
      // Nothing but the register-file rule can fire (the usual ALU instruction): check it and move the history on.
      if ((x.readA >= 0 && x.readA === this.prevWA) || (x.readB >= 0 && x.readB === this.prevWB)) this.readAfterWrite(x);
      this.shift(x, wA, wB, accW);
      return;
    }
    if (x.problems.length) for (const m of x.problems) this.report('invalid-combination', a, m);
    // No forwarding: a physical register written by the previous instruction reads stale data [ARG p.37].
    this.readAfterWrite(x);
    if (f & FACT.ROTATION) {
      if (x.rotatedAccs & this.prevAcc) this.report('rotate-after-write', a, 'vector rotation of an accumulator written by the previous instruction');
      if (f & FACT.ROTATE_BY_R5 && this.prevAcc & 32) this.report('rotate-after-write', a, 'rotation by r5 right after writing r5');
    }
    if (x.tmuPush >= 0) this.tmu(x.tmuPush, 1, a);
    if (x.tmuPop >= 0) this.tmu(x.tmuPop, -1, a);
    if ((this.f1 | this.f2 | this.f3) & LOOK_BACK) this.lookBack(x, wA, wB);
    if (f & FACT.THREND && (wA >= 0 || wB >= 0)) this.report('thrend-regfile-write', a, 'the thrend instruction writes a register file location');
    if (f & FACT.VPM_SETUP && f & FACT.VPM_ACCESS) this.report('vpm-setup-misuse', a, 'VPM read/write combined with a VPM setup write in one instruction');
    if (f & FACT.THRSW) this.report('thrsw-in-user-program', a, 'thread switch in a user program (threads are for fragment shaders)');
    this.shift(x, wA, wB, accW);
  }

  private readAfterWrite(x: CompiledInstr): void {
    if (x.readA >= 0 && x.readA === this.prevWA) this.report('regfile-read-after-write', x.address, `ra${x.readA} read right after the instruction that writes it`);
    if (x.readB >= 0 && x.readB === this.prevWB) this.report('regfile-read-after-write', x.address, `rb${x.readB} read right after the instruction that writes it`);
  }

  /** Make `x` the previous instruction. */
  private shift(x: CompiledInstr, wA: number, wB: number, accW: number): void {
    const a = x.address;
    const f = x.facts;
    this.prevWA = wA;
    this.prevWB = wB;
    this.prevAcc = accW;
    this.f3 = this.f2;
    this.f2 = this.f1;
    this.f1 = f;
    this.a3 = this.a2;
    this.a2 = this.a1;
    this.a1 = a;
  }

  /** Outstanding requests per TMU; more than 4 give shifted results on hardware [ADD]: keep ≤ 4 per TMU. */
  private tmu(t: number, delta: number, address: number): void {
    const n = (this.tmuOut[t] as number) + delta;
    this.tmuOut[t] = n;
    if (delta > 0 && n > 4) this.report('tmu-queue-overflow', address, `${n} requests outstanding on TMU${t} (at most 4 are reliable)`);
  }

  private lookBack(x: CompiledInstr, wA: number, wB: number): void {
    const f = x.facts;
    // Plain locals, not arrays: this runs on a third of the instructions of a typical loop.
    this.lookBack2(x, this.f1, 1, wA, wB);
    this.lookBack2(x, this.f2, 2, wA, wB);
    if (f & (FACT.BRANCH | FACT.THREND | FACT.THRSW)) {
      this.inDelaySlot(x, this.f1, this.a1);
      this.inDelaySlot(x, this.f2, this.a2);
      this.inDelaySlot(x, this.f3, this.a3);
    }
    if (f & FACT.TMU_WRITE && (this.f1 | this.f2) & FACT.NOSWAP_WRITE) {
      this.report('tmu-noswap-too-late', x.address, 'TMU write within 3 instructions of a tmu_noswap write');
    }
  }

  /** Rules about the instruction `back` (1 or 2) before, whose facts are `p`. */
  private lookBack2(x: CompiledInstr, p: number, back: number, wA: number, wB: number): void {
    const a = x.address;
    const f = x.facts;
    if (p & FACT.SFU_WRITE && f & (FACT.READS_R4 | FACT.SFU_WRITE | FACT.R4_SIGNAL)) {
      this.report('sfu-r4-too-soon', a, `r4 used ${back} instruction(s) after an SFU write; the result is ready after 2`);
    }
    if (p & FACT.UNIF_ADDR_WRITE && f & FACT.UNIF_READ) this.report('uniform-after-unif-addr', a, 'uniform read within 2 instructions of a uniforms_address write');
    if (p & FACT.THREND) {
      if (f & (FACT.UNIF_READ | FACT.VPM_ACCESS | FACT.VPM_SETUP)) this.report('after-thrend-access', a, 'uniform or VPM access in the 2 instructions after thrend');
      if (x.readA === 14 || x.readB === 14 || wA === 14 || wB === 14) this.report('after-thrend-access', a, 'register 14 of A or B accessed after thrend');
    }
  }

  /** Branch, thrend or thrsw in the delay slots of the branch at `at` (facts `p`) [ARG p.34]. */
  private inDelaySlot(x: CompiledInstr, p: number, at: number): void {
    if (!(p & FACT.BRANCH)) return;
    if (x.facts & FACT.BRANCH) this.report('branch-in-delay-slot', x.address, `branch in the delay slots of the branch at 0x${at.toString(16)}`);
    if (x.facts & (FACT.THREND | FACT.THRSW)) this.report('thread-switch-in-delay-slot', x.address, 'thread switch or end in a branch delay slot');
  }
}
