/**
 * runExecuteQpu: what the firmware's mailbox `execute_qpu` does, on the
 * emulator. The control list holds (uniforms address, code address) pairs,
 * one per QPU [shared/docs/hardware-interface.md §2.5]. All QPUs advance in
 * lock step, one instruction slot (4 clocks) per tick, in QPU order within a
 * tick, so shared state (semaphores, mutex, VPM, DMA engines, memory port)
 * sees the same order on every run. Instructions are compiled once per
 * address (compile.ts); a stalled QPU sleeps until the tick its wait can end,
 * and ticks where nobody can issue are skipped.
 */
import type { HazardReport, JobProfile } from '../../device.ts';
import { decodeVc4 } from '../../../compiler/isa/vc4/encode.ts';
import type { Vc4Instr } from '../../../compiler/isa/vc4/instr.ts';
import { DecodeError } from '../../../compiler/isa/isa.ts';
import { compileVc4, type CompiledInstr } from './compile.ts';
import { HazardChecker } from './hazards.ts';
import { GpuMemory, Vc4EmulatorError } from './memory.ts';
import { Qpu, Vc4Shared, type StallCause } from './qpu.ts';
import { VC4_TIMING } from './timing.ts';
import { VpmError } from './vpm.ts';

/** Options of one execute_qpu run. */
export interface ExecuteQpuOptions {
  numQpus: number;
  /** Bus address of the control list (alias bits allowed). */
  controlAddress: number;
  /** Stop with an error after this many GPU clock cycles (default 4·10^9). */
  maxCycles?: number;
  /** V3D clock for the time estimate, Hz (default 250 MHz). */
  clockHz?: number;
  /** Maps an instruction address to a source location for hazard messages. */
  sourceLine?: (address: number) => string | undefined;
}

/** Result: profile, hazards and per-QPU end state. */
export interface ExecuteQpuResult {
  profile: JobProfile;
  hazards: HazardReport[];
  /** Whether each QPU raised the host interrupt. */
  hostInterrupts: boolean[];
}

/** Physical QPUs of the Pi's V3D: 3 slices × 4 [ARG IDENT1 defaults]. */
export const VC4_NUM_QPUS = 12;

/** Compiled-instruction cache of one run, keyed by image offset (code may differ between runs). */
function fetcher(memory: GpuMemory): (q: Qpu) => CompiledInstr {
  const cache = new Map<number, CompiledInstr>();
  return (q) => {
    const key = memory.offset(q.pc, 8);
    if (key < 0 || (q.pc & 7) !== 0) q.fail(`instruction fetch from ${key < 0 ? 'unmapped' : 'misaligned'} address`);
    let c = cache.get(key);
    if (!c) {
      const word = (BigInt(memory.view.getUint32(key + 4, true)) << 32n) | BigInt(memory.view.getUint32(key, true));
      let instr: Vc4Instr;
      try {
        instr = decodeVc4(word);
      } catch (e) {
        if (e instanceof DecodeError) q.fail(`invalid instruction 0x${word.toString(16).padStart(16, '0')}: ${e.message}`);
        throw e;
      }
      c = compileVc4(q.pc >>> 0, instr);
      cache.set(key, c);
    }
    return c;
  };
}

/** The tick at which a stalled QPU's wait can end by time alone (Infinity: it waits for another QPU). */
function wakeTick(q: Qpu, c: CompiledInstr, cause: StallCause): number {
  switch (cause) {
    case 'tmu': return (q.tmuReady[c.tmuPop] as Float64Array)[q.tmuHead[c.tmuPop] as number] as number;
    case 'dma': {
      const { loadDoneAt: l, storeDoneAt: s } = q.vpmPort;
      const now = q.shared.tick;
      return l > now && (s <= now || l < s) ? l : s > now ? s : Infinity;
    }
    default: return Infinity;
  }
}

/**
 * Run `numQpus` programs from the control list at `controlAddress` in
 * `memory` (a flat image starting at bus address `base`). Throws
 * Vc4EmulatorError for faults and for exceeding maxCycles.
 */
export function runExecuteQpu(memory: { bytes: Uint8Array; base: number }, options: ExecuteQpuOptions): ExecuteQpuResult {
  const mem = new GpuMemory(memory.bytes, memory.base);
  const { numQpus, controlAddress } = options;
  if (!Number.isInteger(numQpus) || numQpus < 1 || numQpus > VC4_NUM_QPUS) {
    throw new Vc4EmulatorError(`execute_qpu: num_qpus must be 1..${VC4_NUM_QPUS}, got ${numQpus}`, -1, controlAddress);
  }
  const shared = new Vc4Shared(mem);
  const qpus: Qpu[] = [];
  const checkers: HazardChecker[] = [];
  for (let k = 0; k < numQpus; k++) {
    const unif = mem.read32(controlAddress + 8 * k);
    const code = mem.read32(controlAddress + 8 * k + 4);
    if (unif === undefined || code === undefined) {
      throw new Vc4EmulatorError(`control list entry ${k} at 0x${((controlAddress + 8 * k) >>> 0).toString(16)} is outside memory`, k, controlAddress);
    }
    qpus.push(new Qpu(k, shared, code, unif));
    checkers.push(new HazardChecker(k, options.sourceLine));
  }
  const fetch = fetcher(mem);
  const maxCycles = options.maxCycles ?? 4e9;
  const maxTicks = Math.ceil(maxCycles / VC4_TIMING.clocksPerInstruction);
  const clockHz = options.clockHz ?? VC4_TIMING.defaultClockHz;
  const current: CompiledInstr[] = qpus.map((q) => fetch(q));
  // A stalled QPU sleeps until the tick its wait can end (stall cycles are booked when it goes to sleep);
  // waits on other QPUs (semaphore, mutex) sleep one tick and look again.
  const sleep = new Float64Array(numQpus);
  // Bit k: QPU k is awake (may issue this tick). Sleepers wake when the tick reaches `sleep[k]`; a tick
  // then visits only the awake QPUs, in QPU order, so a run of mostly stalled QPUs costs per issue, not per QPU.
  let awake = (1 << numQpus) - 1;
  let asleep = 0;
  let nextWake = Infinity;
  let running = numQpus;
  let q = qpus[0] as Qpu;
  const stallFor = (x: Qpu, k: number, cause: StallCause, until: number, tick: number): void => {
    // Whole ticks as small integers: a double here would allocate a heap number on every stall.
    const wakeAt = (until === Infinity ? tick + 1 : Math.max(tick + 1, Math.ceil(until))) | 0;
    sleep[k] = wakeAt;
    if (x.stalls[cause] === 0) x.stallOrder.push(cause);
    x.stalls[cause] += VC4_TIMING.clocksPerInstruction * (wakeAt - tick);
    x.busyTicks += wakeAt - tick;
    awake &= ~(1 << k);
    asleep |= 1 << k;
    if (wakeAt < nextWake) nextWake = wakeAt;
  };
  try {
    while (running > 0) {
      const tick = shared.tick;
      if (tick >= maxTicks) {
        const stuck = qpus.find((x) => !x.done) as Qpu;
        throw new Vc4EmulatorError(`exceeded ${maxCycles} cycles (deadlock or endless loop?)`, stuck.id, stuck.pc >>> 0);
      }
      if (nextWake <= tick) {
        nextWake = Infinity;
        for (let m = asleep; m !== 0; m &= m - 1) {
          const k = 31 - Math.clz32(m & -m);
          const w = sleep[k] as number;
          if (w <= tick) {
            awake |= 1 << k;
            asleep &= ~(1 << k);
          } else if (w < nextWake) nextWake = w;
        }
      }
      let issued = false;
      for (let m = awake; m !== 0; m &= m - 1) {
        const k = 31 - Math.clz32(m & -m);
        q = qpus[k] as Qpu;
        const c = current[k] as CompiledInstr;
        if (q.readyAt > tick) {
          stallFor(q, k, q.readyCause, q.readyAt, tick);
          continue;
        }
        const cause = c.stall ? c.stall(q) : undefined;
        if (cause) {
          stallFor(q, k, cause, wakeTick(q, c, cause), tick);
          continue;
        }
        q.busyTicks++;
        issued = true;
        q.wA = -1;
        q.wB = -1;
        q.accW = 0;
        c.exec(q);
        q.finish();
        (checkers[k] as HazardChecker).check(c, q.wA, q.wB, q.accW);
        if (q.vpmPort.droppedSetup) {
          q.vpmPort.droppedSetup = false;
          (checkers[k] as HazardChecker).report('vpm-setup-misuse', c.address, 'third VPM read setup while two are queued: the hardware ignores it [ARG p.56]');
        }
        if (q.done) {
          running--;
          awake &= ~(1 << k);
          const chk = checkers[k] as HazardChecker;
          if (!q.hostInterrupt) chk.report('no-host-interrupt', c.address, 'program ended without writing host_int (execute_qpu waits for one interrupt per QPU)');
          const left = q.vpmPort.pendingReads;
          if (left > 0) chk.report('vpm-reads-unconsumed', c.address, `${left} VPM reads set up but not consumed`);
        } else if (q.pc === c.nextPc) current[k] = c.next ??= fetch(q);
        else if (q.pc === c.jumpPc && c.jump) current[k] = c.jump;
        else {
          // Taken branches land on the same target again and again: remember the last one per instruction.
          const j = fetch(q);
          c.jump = j;
          c.jumpPc = q.pc;
          current[k] = j;
        }
      }
      // Nobody issued: jump to the first tick a sleeping QPU wakes (same result, no empty ticks).
      // `| 0` keeps the field a small integer (a double-valued store would box it on every tick).
      const next = issued ? tick + 1 : nextWake;
      shared.tick = (running > 0 && next !== Infinity ? Math.min(next, maxTicks) : tick + 1) | 0;
    }
  } catch (e) {
    if (e instanceof VpmError) throw new Vc4EmulatorError(e.message, q.id, q.pc >>> 0);
    throw e;
  }
  const stalls: Record<string, number> = {};
  for (const q of qpus) for (const k of q.stallOrder) stalls[k] = (stalls[k] ?? 0) + q.stalls[k];
  const cycles = shared.tick * VC4_TIMING.clocksPerInstruction;
  return {
    profile: {
      cycles, clockHz, seconds: cycles / clockHz, instructions: qpus.reduce((s, q) => s + q.instructions, 0),
      bytesRead: shared.bytesRead, bytesWritten: shared.bytesWritten, flops: shared.flops, stalls,
      perQpuCycles: qpus.map((q) => q.busyTicks * 4),
    },
    hazards: checkers.flatMap((c) => c.reports),
    hostInterrupts: qpus.map((q) => q.hostInterrupt),
  };
}
