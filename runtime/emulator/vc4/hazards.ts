/**
 * The VC4 hazard checker: rules the reference guide lists that the hardware
 * does not enforce (shared/docs/vc4-isa-notes.md §7), checked on the
 * instructions each QPU actually executes, in order. Incremental: it keeps
 * what rules ask about the last three instructions in one number (LB bits),
 * so a check is a few integer compares on the compile-time facts (compile.ts
 * FACT bits) plus what the instruction actually wrote.
 */
import type { HazardReport } from '../../device.ts';
import { FACT, type CompiledInstr } from './compile.ts';
import { VC4_HAZARD_RULES, type Vc4HazardRule } from '../../../compiler/isa/vc4/rules.ts';
import { VC4_PIPELINE } from '../../../compiler/isa/vc4/table.ts';
import { TARGETS } from '../../../compiler/target/targets.ts';

export { VC4_HAZARD_RULES, type Vc4HazardRule } from '../../../compiler/isa/vc4/rules.ts';

/**
 * Look-back bits (CompiledInstr.lookBack): the facts of an instruction that
 * rules on the 1–3 instructions after it ask about. The checker keeps the
 * last three instructions' bits in one number, five bits each.
 */
export const LB = { SFU_WRITE: 1, UNIF_ADDR_WRITE: 2, THREND: 4, BRANCH: 8, NOSWAP_WRITE: 16 } as const;
const LB_BITS = 5;
const { branchDelaySlots: BRANCH_SLOTS, threndSlots: END_SLOTS, sfuResultGap: SFU_GAP, unifAddrGap: UNIF_ADDR_GAP, tmuNoswapGap: NOSWAP_GAP, threndForbiddenReg: END_FORBIDDEN_REG } = VC4_PIPELINE;
/** Instructions the rules look back on (the ISA table's distances); their look-back bits fit one 32-bit number. */
const DEPTH = Math.max(BRANCH_SLOTS, END_SLOTS, SFU_GAP, UNIF_ADDR_GAP, NOSWAP_GAP);
const HISTORY = DEPTH * LB_BITS < 31 ? (1 << (DEPTH * LB_BITS)) - 1 : (() => { throw new Error('VC4 hazard history does not fit 31 bits'); })();
/** Requests a TMU holds reliably (the target table's FIFO depth). */
const TMU_DEPTH = TARGETS.vc4.tmuFifoDepth;

/** Look-back bits of an instruction with FACT bits `facts`. */
export function lookBackBits(facts: number): number {
  return (facts & FACT.SFU_WRITE ? LB.SFU_WRITE : 0) | (facts & FACT.UNIF_ADDR_WRITE ? LB.UNIF_ADDR_WRITE : 0)
    | (facts & FACT.THREND ? LB.THREND : 0) | (facts & FACT.BRANCH ? LB.BRANCH : 0) | (facts & FACT.NOSWAP_WRITE ? LB.NOSWAP_WRITE : 0);
}

/**
 * History bits that can fire on a quiet instruction (CompiledInstr.quiet: not a branch, thrend, thrsw or
 * rotation, no TMU access, no single-instruction problem): each look-back within its rule's distance, but
 * branches, which only matter to the instructions that are not quiet.
 */
const within = (bit: number, gap: number): number => {
  let m = 0;
  for (let back = 1; back <= gap; back++) m |= bit << (LB_BITS * (back - 1));
  return m;
};
const QUIET_LOOK_BACK = within(LB.SFU_WRITE, SFU_GAP) | within(LB.UNIF_ADDR_WRITE, UNIF_ADDR_GAP) | within(LB.THREND, END_SLOTS) | within(LB.NOSWAP_WRITE, NOSWAP_GAP);

/** Per-QPU history the rules look back on. */
export class HazardChecker {
  // The previous instruction's writes (register numbers, −1 none; accumulator bit mask).
  private prevWA = -1;
  private prevWB = -1;
  private prevAcc = 0;
  /** Look-back bits: 1 back in bits 0–4, 2 back in 5–9, … (DEPTH instructions). */
  private hist = 0;
  /** Instructions checked; the last three branches' addresses and counts (for delay-slot reports). */
  private n = 0;
  private readonly branchAt: number[] = new Array<number>(BRANCH_SLOTS).fill(0);
  private readonly branchN: number[] = new Array<number>(BRANCH_SLOTS).fill(-1);
  private branches = 0;
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
   * Small on purpose: V8 inlines it into the executor, and the usual
   * instruction (quiet, nothing in its history, no stale read) ends here.
   */
  check(x: CompiledInstr, wA: number, wB: number, accW: number): void {
    if (x.quiet && (this.hist & QUIET_LOOK_BACK) === 0 && (x.readA < 0 || x.readA !== this.prevWA) && (x.readB < 0 || x.readB !== this.prevWB)) {
      this.prevWA = wA;
      this.prevWB = wB;
      this.prevAcc = accW;
      this.hist = ((this.hist << LB_BITS) | x.lookBack) & HISTORY;
      this.n++;
      return;
    }
    this.checkAll(x, wA, wB, accW);
  }

  /** Every rule, then the history moves on. */
  private checkAll(x: CompiledInstr, wA: number, wB: number, accW: number): void {
    const a = x.address;
    const f = x.facts;
    if (x.problems.length) for (const m of x.problems) this.report('invalid-combination', a, m);
    // No forwarding: a physical register written by the previous instruction reads stale data [ARG p.37].
    if (x.readA >= 0 && x.readA === this.prevWA) this.report('regfile-read-after-write', a, `ra${x.readA} read right after the instruction that writes it`);
    if (x.readB >= 0 && x.readB === this.prevWB) this.report('regfile-read-after-write', a, `rb${x.readB} read right after the instruction that writes it`);
    if (f & FACT.ROTATION) {
      if (x.rotatedAccs & this.prevAcc) this.report('rotate-after-write', a, 'vector rotation of an accumulator written by the previous instruction');
      if (f & FACT.ROTATE_BY_R5 && this.prevAcc & 32) this.report('rotate-after-write', a, 'rotation by r5 right after writing r5');
    }
    if (x.tmuPush >= 0) this.tmu(x.tmuPush, 1, a);
    if (x.tmuPop >= 0) this.tmu(x.tmuPop, -1, a);
    if (this.hist !== 0) this.lookBack(x, wA, wB);
    if (f & FACT.THREND && (wA >= 0 || wB >= 0)) this.report('thrend-regfile-write', a, 'the thrend instruction writes a register file location');
    if (f & FACT.VPM_SETUP && f & FACT.VPM_ACCESS) this.report('vpm-setup-misuse', a, 'VPM read/write combined with a VPM setup write in one instruction');
    if (f & FACT.THRSW) this.report('thrsw-in-user-program', a, 'thread switch in a user program (threads are for fragment shaders)');
    this.prevWA = wA;
    this.prevWB = wB;
    this.prevAcc = accW;
    if (x.lookBack & LB.BRANCH) {
      const k = this.branches++ % BRANCH_SLOTS;
      this.branchAt[k] = a;
      this.branchN[k] = this.n;
    }
    this.hist = ((this.hist << LB_BITS) | x.lookBack) & HISTORY;
    this.n++;
  }

  /** Outstanding requests per TMU; more than the FIFO depth give shifted results on hardware [ADD]. */
  private tmu(t: number, delta: number, address: number): void {
    const n = (this.tmuOut[t] as number) + delta;
    this.tmuOut[t] = n;
    if (delta > 0 && n > TMU_DEPTH) this.report('tmu-queue-overflow', address, `${n} requests outstanding on TMU${t} (at most ${TMU_DEPTH} are reliable)`);
  }

  /** Look-back bits of the instruction `back` (1–DEPTH) before. */
  private back(back: number): number {
    return (this.hist >>> (LB_BITS * (back - 1))) & ((1 << LB_BITS) - 1);
  }

  private lookBack(x: CompiledInstr, wA: number, wB: number): void {
    const f = x.facts;
    for (let back = 1; back <= DEPTH; back++) this.lookBackAt(x, this.back(back), back, wA, wB);
    if (f & (FACT.BRANCH | FACT.THREND | FACT.THRSW)) for (let k = 1; k <= BRANCH_SLOTS; k++) this.inDelaySlot(x, k);
  }

  /** Rules about the instruction `back` before, whose look-back bits are `p`, each within its distance. */
  private lookBackAt(x: CompiledInstr, p: number, back: number, wA: number, wB: number): void {
    const a = x.address;
    const f = x.facts;
    if (p & LB.SFU_WRITE && back <= SFU_GAP && f & (FACT.READS_R4 | FACT.SFU_WRITE | FACT.R4_SIGNAL)) {
      this.report('sfu-r4-too-soon', a, `r4 used ${back} instruction(s) after an SFU write; the result is ready after ${SFU_GAP}`);
    }
    if (p & LB.UNIF_ADDR_WRITE && back <= UNIF_ADDR_GAP && f & FACT.UNIF_READ) {
      this.report('uniform-after-unif-addr', a, `uniform read within ${UNIF_ADDR_GAP} instructions of a uniforms_address write`);
    }
    if (p & LB.NOSWAP_WRITE && back <= NOSWAP_GAP && f & FACT.TMU_WRITE) {
      this.report('tmu-noswap-too-late', a, `TMU write ${back} instruction(s) after a tmu_noswap write (at least ${NOSWAP_GAP + 1} apart)`);
    }
    if (p & LB.THREND && back <= END_SLOTS) {
      if (f & (FACT.UNIF_READ | FACT.VPM_ACCESS | FACT.VPM_SETUP)) this.report('after-thrend-access', a, `uniform or VPM access in the ${END_SLOTS} instructions after thrend`);
      const r = END_FORBIDDEN_REG;
      if (x.readA === r || x.readB === r || wA === r || wB === r) this.report('after-thrend-access', a, `register ${r} of A or B accessed after thrend`);
    }
  }

  /** Branch, thrend or thrsw in the delay slots of a branch `back` (1–BRANCH_SLOTS) instructions before [ARG p.34]. */
  private inDelaySlot(x: CompiledInstr, back: number): void {
    if (!(this.back(back) & LB.BRANCH)) return;
    const k = this.branchN.indexOf(this.n - back);
    const at = k < 0 ? 0 : (this.branchAt[k] as number);
    if (x.facts & FACT.BRANCH) this.report('branch-in-delay-slot', x.address, `branch in the delay slots of the branch at 0x${at.toString(16)}`);
    if (x.facts & (FACT.THREND | FACT.THRSW)) this.report('thread-switch-in-delay-slot', x.address, 'thread switch or end in a branch delay slot');
  }
}
