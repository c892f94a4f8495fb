/**
 * runExecuteQpu: what the firmware's mailbox `execute_qpu` does, on the
 * emulator. The control list holds (uniforms address, code address) pairs,
 * one per QPU [shared/docs/hardware-interface.md §2.5]; all QPUs run in lock
 * step, one instruction slot (4 clocks) per tick, stalling on TMU results,
 * semaphores, the mutex and DMA waits.
 */
import type { HazardReport, JobProfile } from '../../device.ts';
import { decodeVc4 } from '../../../compiler/isa/vc4/encode.ts';
import type { Vc4Instr } from '../../../compiler/isa/vc4/instr.ts';
import { DecodeError } from '../../../compiler/isa/isa.ts';
import { HazardChecker } from './hazards.ts';
import { GpuMemory, Vc4EmulatorError } from './memory.ts';
import { Qpu, Vc4Shared, type ExecInfo } from './qpu.ts';

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

/** Decoded-instruction cache keyed by physical address (invalidate if code changes between runs). */
function decoder(memory: GpuMemory): (qpu: Qpu) => Vc4Instr {
  const cache = new Map<number, Vc4Instr>();
  return (q) => {
    const key = memory.offset(q.pc, 8);
    if (key < 0 || (q.pc & 7) !== 0) q.fail(`instruction fetch from ${key < 0 ? 'unmapped' : 'misaligned'} address`);
    let i = cache.get(key);
    if (!i) {
      const word = (BigInt(memory.view.getUint32(key + 4, true)) << 32n) | BigInt(memory.view.getUint32(key, true));
      try {
        i = decodeVc4(word);
      } catch (e) {
        if (e instanceof DecodeError) q.fail(`invalid instruction 0x${word.toString(16).padStart(16, '0')}: ${e.message}`);
        throw e;
      }
      cache.set(key, i);
    }
    return i;
  };
}

function freshInfo(address: number, instr: Vc4Instr): ExecInfo {
  return {
    address, instr, regWrites: [], regReads: [], accWrites: [], readsR4: false, sfuWrite: false, r4Signal: false, tmuWrite: false,
    unifRead: false, unifAddrWrite: false, noswapWrite: false, vpmAccess: false, vpmSetup: false, rotation: false, rotateByR5: false,
    rotatedAccs: [], branch: false, thrend: false, thrsw: false,
  };
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
  const fetch = decoder(mem);
  const maxTicks = Math.ceil((options.maxCycles ?? 4e9) / 4);
  const clockHz = options.clockHz ?? 250e6;
  let running = numQpus;
  while (running > 0) {
    if (shared.tick >= maxTicks) {
      const q = qpus.find((x) => !x.done) as Qpu;
      throw new Vc4EmulatorError(`exceeded ${options.maxCycles ?? 4e9} cycles (deadlock or endless loop?)`, q.id, q.pc);
    }
    for (const q of qpus) {
      if (q.done) continue;
      const instr = fetch(q);
      const stall = q.stallCause(instr);
      if (stall) {
        q.stalls[stall] = (q.stalls[stall] ?? 0) + 4;
        q.busyTicks++;
        continue;
      }
      const info = freshInfo(q.pc, instr);
      const tmuBefore = q.tmu[0]!.length + q.tmu[1]!.length;
      q.execute(instr, info);
      q.busyTicks++;
      const tmuDelta = q.tmu[0]!.length + q.tmu[1]!.length - tmuBefore;
      const chk = checkers[q.id] as HazardChecker;
      if (tmuDelta) chk.tmu(tmuDelta, info.address);
      chk.check(info);
      if (q.done) {
        running--;
        if (!q.hostInterrupt) chk.report('no-host-interrupt', info.address, 'program ended without writing host_int (execute_qpu waits for one interrupt per QPU)');
        if (q.vpmPort.read && q.vpmPort.read.remaining > 0) chk.report('vpm-reads-unconsumed', info.address, `${q.vpmPort.read.remaining} VPM reads set up but not consumed`);
      }
    }
    shared.tick++;
  }
  const stalls: Record<string, number> = {};
  for (const q of qpus) for (const [k, v] of Object.entries(q.stalls)) stalls[k] = (stalls[k] ?? 0) + v;
  const cycles = shared.tick * 4;
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
