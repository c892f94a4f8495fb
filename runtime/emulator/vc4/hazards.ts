/**
 * The VC4 hazard checker: rules the reference guide lists that the hardware
 * does not enforce (shared/docs/vc4-isa-notes.md §7), checked on the
 * instructions each QPU actually executes, in order.
 */
import type { HazardReport } from '../../device.ts';
import { validateVc4 } from '../../../compiler/isa/vc4/validate.ts';
import type { ExecInfo } from './qpu.ts';

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

/** validateVc4 per decoded instruction object (the decoder caches objects by address). */
const VALIDATED = new WeakMap<object, string[]>();

/** Per-QPU history the rules look back on. */
export class HazardChecker {
  private history: ExecInfo[] = [];
  private tmuRequests = 0;
  readonly reports: HazardReport[] = [];

  constructor(readonly qpu: number, private readonly sourceLine?: (address: number) => string | undefined) {}

  report(rule: Vc4HazardRule, address: number, message: string): void {
    const where = this.sourceLine?.(address);
    this.reports.push({ rule, severity: VC4_HAZARD_RULES[rule], message: where ? `${message} (${where})` : message, address, qpu: this.qpu });
  }

  /** Outstanding TMU requests changed (push +1, ldtmu −1). */
  tmu(delta: number, address: number): void {
    this.tmuRequests += delta;
    // More than 4 outstanding direct requests give shifted results on hardware [ADD]; keep ≤ 4.
    if (delta > 0 && this.tmuRequests > 4) this.report('tmu-queue-overflow', address, `${this.tmuRequests} TMU requests outstanding (at most 4 are reliable)`);
  }

  /** Check an executed instruction against the ones before it. */
  check(x: ExecInfo): void {
    const h = this.history;
    const prev = h[h.length - 1];
    const a = x.address;
    let msgs = VALIDATED.get(x.instr);
    if (!msgs) VALIDATED.set(x.instr, (msgs = validateVc4(x.instr)));
    for (const m of msgs) this.report('invalid-combination', a, m);
    if (prev) {
      // No forwarding: a physical register written by the previous instruction reads stale data [ARG p.37].
      for (const r of x.regReads) {
        if (prev.regWrites.includes(r)) this.report('regfile-read-after-write', a, `r${r[0]}${r.slice(1)} read right after the instruction that writes it`);
      }
      if (x.rotation && x.rotatedAccs.some((k) => prev.accWrites.includes(k))) {
        this.report('rotate-after-write', a, 'vector rotation of an accumulator written by the previous instruction');
      }
      if (x.rotateByR5 && prev.accWrites.includes(5)) this.report('rotate-after-write', a, 'rotation by r5 right after writing r5');
    }
    for (const back of [1, 2]) {
      const p = h[h.length - back];
      if (!p) continue;
      if (p.sfuWrite && (x.readsR4 || x.sfuWrite || x.r4Signal)) {
        this.report('sfu-r4-too-soon', a, `r4 used ${back} instruction(s) after an SFU write; the result is ready after 2`);
      }
      if (p.unifAddrWrite && x.unifRead) this.report('uniform-after-unif-addr', a, 'uniform read within 2 instructions of a uniforms_address write');
      if (p.thrend) {
        if (x.unifRead || x.vpmAccess || x.vpmSetup) this.report('after-thrend-access', a, 'uniform or VPM access in the 2 instructions after thrend');
        if (x.regReads.some((r) => r.endsWith('14') && r.length === 3) || x.regWrites.some((r) => r.endsWith('14') && r.length === 3)) {
          this.report('after-thrend-access', a, 'register 14 of A or B accessed after thrend');
        }
      }
    }
    for (const back of [1, 2, 3]) {
      const p = h[h.length - back];
      if (!p?.branch) continue;
      if (x.branch) this.report('branch-in-delay-slot', a, `branch in the delay slots of the branch at 0x${p.address.toString(16)}`);
      if (x.thrend || x.thrsw) this.report('thread-switch-in-delay-slot', a, 'thread switch or end in a branch delay slot');
    }
    if (x.tmuWrite && h.slice(-2).some((p) => p.noswapWrite)) {
      this.report('tmu-noswap-too-late', a, 'TMU write within 3 instructions of a tmu_noswap write');
    }
    if (x.thrend && x.regWrites.length) this.report('thrend-regfile-write', a, 'the thrend instruction writes a register file location');
    if (x.vpmSetup && x.vpmAccess) this.report('vpm-setup-misuse', a, 'VPM read/write combined with a VPM setup write in one instruction');
    if (x.thrsw) this.report('thrsw-in-user-program', a, 'thread switch in a user program (threads are for fragment shaders)');
    h.push(x);
    if (h.length > 4) h.shift();
  }
}
