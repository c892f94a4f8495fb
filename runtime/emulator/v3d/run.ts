/**
 * `runCsd`: run one SUBMIT_CSD job on the emulated V3D. Batches are placed on
 * QPU thread slots, each QPU runs one thread at a time and switches at
 * `thrsw`, QPUs advance by their own clocks and the one furthest behind runs
 * next, so memory effects interleave in time order.
 */
import type { V3dInstr, V3dVersion } from '../../../compiler/isa/v3d/instr.ts';
import { decodeInstr } from '../../../compiler/isa/v3d/decode.ts';
import { DecodeError } from '../../../compiler/isa/isa.ts';
import { CycleLimitError, InstructionDecodeError, RuntimeError, RUNTIME_ERROR_CODES } from '../../errors.ts';
import type { HazardReport, JobProfile } from '../../device.ts';
import { MemoryFaultError, type GpuMemory } from '../memory.ts';
import { codeFor, generatedCode, HOT_AFTER } from './codegen.ts';
import { compileInstr, ROW_ACC, type CompiledInstr } from './compile.ts';
import { batchPayload, decodeCsd, payloadXYRegister, type CsdConfig, type CsdParams } from './dispatch.ts';
import { HazardChecker, HazardError, type HazardMode, type SourceMap } from './hazards.ts';
import { ExecutionError, QpuExecutor, STEP } from './qpu.ts';
import { ThreadState } from './thread.ts';
import { DEFAULT_CLOCK_HZ, QpuClock, SharedTiming, THREAD_SWITCH_CYCLES } from './timing.ts';
import { LANES } from './lanes.ts';

/** Options of {@link runCsd}. */
export interface RunCsdOptions {
  version: V3dVersion;
  /** QPUs of the core (default 8 on 4.2, 12 on 7.1; notes 1). */
  numQpus?: number;
  /** What to do with hazards: throw at the first error (default), report, or not check. */
  hazards?: HazardMode;
  /** Stop with an error once any QPU's clock passes this many cycles. */
  maxCycles?: number;
  /** Exact SFU results instead of the hardware-like approximation. */
  exactSfu?: boolean;
  /** Clock for the seconds estimate (default 500 MHz on 4.2, 960 MHz on 7.1). */
  clockHz?: number;
  /** Instruction byte address → TS source position, named in hazard reports. */
  sourceMap?: SourceMap;
  /** Address ranges the timing model treats as L2-resident (CsdJob.cacheResident: workgroup-shared memory). */
  cacheResident?: readonly { gpuAddress: number; size: number }[];
  /** Decoder of instruction words (default: the ISA layer's decodeInstr). */
  decode?: (word: bigint, ver: V3dVersion) => V3dInstr;
}

/** What a finished job reports. */
export interface EmulatorResult {
  profile: JobProfile;
  hazards: HazardReport[];
}

/** Default cycle limit: ~2 s of a Pi 4, far beyond the kernel's hang check (0.5-1 s). */
export const DEFAULT_MAX_CYCLES = 1e9;

/** Garbage written into a thread's accumulators and flags when another thread ran in between (notes 2.1). */
const POISON = 0xdeadbeef;

interface Slot {
  thread: ThreadState | undefined;
}

interface Qpu {
  index: number;
  clock: QpuClock;
  slots: Slot[];
  current: number;
  /** Thread that issued last, to tell whether accumulators survived a switch. */
  lastRan: ThreadState | undefined;
  /** Some slot holds a thread with status 'run' (kept up to date wherever a status changes). */
  active: boolean;
}

/**
 * Run thread `t` until its QPU clock reaches `limit` or it switches or ends;
 * returns the {@link STEP} code. The hot loop lives in its own small function
 * so V8 optimises it apart from the scheduler around it.
 */
function runSlice(t: ThreadState, clock: QpuClock, limit: number, exec: QpuExecutor, hazards: HazardChecker | null, fetch: (address: number) => CompiledInstr): number {
  const resume = t.resumeAt;
  let ins = resume !== undefined && resume.address === t.pc ? resume : fetch(t.pc);
  const counters = exec.counters;
  let n = 0;
  while (clock.time < limit) {
    if (hazards !== null) hazards.check(t, ins);
    n++;
    const ev = exec.step(t, ins, clock);
    if (ev !== STEP.CONTINUE) {
      counters.instructions += n;
      return ev;
    }
    const pc = t.pc;
    if (pc === ins.address + 8) ins = ins.next ??= fetch(pc);
    else {
      const j = ins.jump;
      ins = j !== undefined && j.address === pc ? j : (ins.jump = fetch(pc));
    }
  }
  t.resumeAt = ins;
  counters.instructions += n;
  return STEP.CONTINUE;
}

/** Run the CSD job given by the seven cfg words on `memory`. */
export function runCsd(memory: GpuMemory, cfg: CsdConfig, options: RunCsdOptions): EmulatorResult {
  const ver = options.version;
  const p = decodeCsd(cfg, ver);
  const numQpus = options.numQpus ?? (ver === 42 ? 8 : 12);
  const clockHz = options.clockHz ?? DEFAULT_CLOCK_HZ[ver];
  const maxCycles = options.maxCycles ?? DEFAULT_MAX_CYCLES;
  // A core with no QPUs would run nothing and report success; a fractional or huge limit is a mistake too.
  if (!Number.isInteger(numQpus) || numQpus < 1 || numQpus > 16) throw new RuntimeError(`numQpus must be a whole number from 1 to 16, got ${numQpus}`);
  if (!Number.isSafeInteger(maxCycles) || maxCycles < 1) throw new RuntimeError(`maxCycles must be a whole number from 1 to 2^53, got ${maxCycles}`);
  if (!(Number.isFinite(clockHz) && clockHz > 0)) throw new RuntimeError(`clockHz must be a positive number, got ${clockHz}`);
  const decode = options.decode ?? decodeInstr;
  // Thread slots: 2 per QPU (slots 0 and 2 in tidx) or 4 with THREADING (notes 1).
  const slotIds = p.threading ? [0, 1, 2, 3] : [0, 2];
  const timing = new SharedTiming(ver, clockHz, slotIds.length);
  const exec = new QpuExecutor(memory, ver, timing);
  if (options.cacheResident) exec.cacheResident = options.cacheResident;
  const hazards = new HazardChecker(ver, options.hazards ?? 'error', options.sourceMap, p.singleSeg, slotIds.length);
  const cache = new Map<number, CompiledInstr>();
  const fetch = (address: number): CompiledInstr => {
    let c = cache.get(address);
    if (c === undefined) {
      const word = memory.read64(address);
      let decoded: ReturnType<typeof decode>;
      try {
        decoded = decode(word, ver);
      } catch (e) {
        if (e instanceof DecodeError) throw new InstructionDecodeError(address, word, e.message);
        throw e;
      }
      c = compileInstr(decoded, address, ver);
      if (c.kind === 'alu') {
        // Code already generated for this word runs at once; other words are interpreted until they prove hot.
        const alu = c;
        const custom = decode !== decodeInstr;
        alu.run = custom ? null : codeFor(word, ver) ?? null;
        if (alu.run === null) {
          alu.heat = HOT_AFTER;
          alu.generate = () => generatedCode(alu, word, ver, custom);
        }
      }
      cache.set(address, c);
    }
    return c;
  };

  const qpus: Qpu[] = [];
  for (let i = 0; i < numQpus; i++) qpus.push({ index: i, clock: new QpuClock(), slots: slotIds.map(() => ({ thread: undefined })), current: 0, lastRan: undefined, active: false });
  let nextBatch = 0;
  const sgSize = (sg: number): number => Math.min(p.batchesPerSg, p.batches - sg * p.batchesPerSg);
  const barrierArrived = new Map<number, ThreadState[]>();

  const start = (q: Qpu, s: number): void => {
    if (nextBatch >= p.batches) return;
    const n = nextBatch++;
    const pl = batchPayload(p, n);
    const t = new ThreadState(q.index, slotIds[s] as number, n, pl.supergroup, p.codeAddress, p.uniformAddress, options.exactSfu ?? false);
    t.lastThrsw = p.singleSeg;
    t.regs.set(pl.wgXY, payloadXYRegister(ver) * LANES);
    t.regs.set(pl.wgZ, 2 * LANES);
    t.wake = q.clock.time;
    (q.slots[s] as Slot).thread = t;
    q.active = true;
  };
  // Batches fill slot 0 of every QPU first, then the next slot (each batch its own QPU when batches <= QPUs, notes 1).
  for (let s = 0; s < slotIds.length; s++) for (const q of qpus) start(q, s);

  const runnable = (q: Qpu): boolean => {
    for (const s of q.slots) if (s.thread !== undefined && s.thread.status === 'run') return true;
    return false;
  };
  /** Pick the slot to run on `q`: round-robin from `current`, first thread whose data are back, else the earliest. */
  const pick = (q: Qpu): number => {
    let best = -1;
    let bestWake = Infinity;
    const n = q.slots.length;
    for (let k = 0; k < n; k++) {
      const i = (q.current + k) % n;
      const t = (q.slots[i] as Slot).thread;
      if (!t || t.status !== 'run') continue;
      if (t.wake <= q.clock.time) return i;
      if (t.wake < bestWake) { bestWake = t.wake; best = i; }
    }
    return best;
  };

  const QUANTUM = 256;
  const checker = hazards.mode !== 'off' ? hazards : null;
  for (;;) {
    // The QPU furthest behind runs next; `second` is the next one's clock.
    let q: Qpu | undefined;
    let qt = Infinity;
    let second = Infinity;
    for (let i = 0; i < qpus.length; i++) {
      const c = qpus[i] as Qpu;
      if (!c.active) continue;
      const tm = c.clock.time;
      if (tm < qt) {
        second = qt;
        qt = tm;
        q = c;
      } else if (tm < second) second = tm;
    }
    if (!q) {
      if (barrierArrived.size > 0) {
        const [sg, ts] = barrierArrived.entries().next().value as [number, ThreadState[]];
        throw new ExecutionError(`barrier deadlock: supergroup ${sg} has ${sgSize(sg)} batches but only ${ts.length} reached the barrier; the others ended or wait elsewhere (every batch must reach each barrier: not under a condition that differs between QPUs; and all must be resident at once, hazard barrier-not-resident)`, ts[0]?.pc ?? 0, ts[0]?.qpu ?? 0);
      }
      break;
    }
    const si = pick(q);
    const slot = q.slots[si] as Slot;
    const t = slot.thread as ThreadState;
    q.current = si;
    timing.stall(q.clock, t.wake, t.waitCause);
    if (q.lastRan !== undefined && q.lastRan !== t && t.switches > 0) {
      // Accumulators and flags belong to the QPU, not the thread: another thread ran, so they are garbage.
      if (ver === 42) {
        t.regs.fill(POISON, ROW_ACC * LANES);
        t.dirty.fill(1, ROW_ACC);
      }
      t.flagA.fill(1);
      t.flagB.fill(0);
    }
    q.lastRan = t;
    const limit = Math.min(second, maxCycles) + QUANTUM;
    let ev: number;
    try {
      ev = runSlice(t, q.clock, limit, exec, checker, fetch);
    } catch (e) {
      // Name the instruction whose access faulted (bounds-checked launches report its source line).
      if (e instanceof MemoryFaultError && e.pc === undefined) [e.pc, e.qpu] = [t.pc, q.index];
      throw e;
    }
    if (q.clock.time > maxCycles) throw new CycleLimitError(`cycle limit ${maxCycles} reached (QPU ${q.index} at 0x${t.pc.toString(16)}): the kernel probably loops forever (raise the limit if it really needs longer)`, { pc: t.pc, qpu: q.index, cycles: maxCycles });
    if (ev === STEP.CONTINUE) continue;
    hazards.onSwitch(t, ev === STEP.END);
    if (ev === STEP.END) {
      hazards.onEnd(t);
      t.status = 'done';
      slot.thread = undefined;
      q.active = runnable(q);
      start(q, si);
      q.current = (si + 1) % q.slots.length;
      continue;
    }
    t.switches++;
    // A switch clears rtop (semantics notes 4, multop row, from Mesa). Poisoning it instead
    // made py-videocore7's sgemm, whose first umul24 after a thrsw has no multop, compute a garbage C address.
    t.rtop.fill(0);
    q.clock.time += THREAD_SWITCH_CYCLES;
    // Resume once the oldest outstanding read has data (Mesa: the first ldtmu after a switch cannot stall).
    t.wake = Math.max(q.clock.time, t.tmu.oldestReady() ?? 0);
    t.waitCause = 'tmu';
    q.current = (si + 1) % q.slots.length;
    if (t.barrierPending) {
      t.barrierPending = false;
      hazards.onBarrier(t);
      t.status = 'barrier';
      q.active = runnable(q);
      const list = barrierArrived.get(t.supergroup) ?? [];
      list.push(t);
      barrierArrived.set(t.supergroup, list);
      if (list.length === sgSize(t.supergroup)) {
        const release = Math.max(...list.map((x) => qpus[x.qpu]?.clock.time ?? 0));
        for (const x of list) {
          x.status = 'run';
          (qpus[x.qpu] as Qpu).active = true;
          x.wake = Math.max(x.wake, release);
          x.waitCause = 'barrier';
        }
        barrierArrived.delete(t.supergroup);
      }
    }
  }

  let end = 0;
  // Stores still in flight at thread end reach memory by job end (pv6 memset has no tmuwt) [T].
  for (const q of qpus) end = Math.max(end, q.clock.time, timing.lastCompletion);
  const c = exec.counters;
  const profile: JobProfile = {
    cycles: end,
    clockHz,
    seconds: end / clockHz,
    instructions: c.instructions,
    bytesRead: c.bytesRead,
    bytesWritten: c.bytesWritten,
    flops: c.flops,
    stalls: { ...timing.stalls },
    perQpuCycles: qpus.map((q) => q.clock.time),
  };
  return { profile, hazards: hazards.reports };
}

export { HazardError, type CsdParams };
