/**
 * runExecuteQpu: what the firmware's mailbox `execute_qpu` does, on the
 * emulator. The control list holds (uniforms address, code address) pairs,
 * one per QPU [shared/docs/hardware-interface.md §2.5]. Time is counted in
 * ticks, one instruction slot (4 clocks) of a QPU. The result is that of a
 * lock-step machine issuing QPUs 0, 1, … within each tick, so shared state
 * (semaphores, mutex, VPM, DMA engines, memory port) sees the same order on
 * every run, but a QPU runs ahead alone until its next access to shared state
 * (class Run). Instructions are compiled once per address (compile.ts); a
 * stalled QPU's clock jumps to the tick its wait can end.
 */
import type { HazardReport, JobProfile } from '../../device.ts';
import { decodeVc4 } from '../../../compiler/isa/vc4/encode.ts';
import type { Vc4Instr } from '../../../compiler/isa/vc4/instr.ts';
import { DecodeError } from '../../../compiler/isa/isa.ts';
import { compileVc4, type CompiledInstr } from './compile.ts';
import { HazardChecker } from './hazards.ts';
import { GpuMemory, Vc4CycleLimitError, Vc4EmulatorError } from './memory.ts';
import { NO_STALL, Qpu, STALL, STALL_NAMES, Vc4Shared, type StallCause } from './qpu.ts';
import { VC4_TIMING } from './timing.ts';
import { VpmError } from './vpm.ts';
import { TARGETS } from '../../../compiler/target/targets.ts';

/** Options of one execute_qpu run. */
export interface ExecuteQpuOptions {
  numQpus: number;
  /** Bus address of the control list (alias bits allowed). */
  controlAddress: number;
  /** Stop with an error after this many GPU clock cycles (default 4·10^9; at most 4·(2^31 − 2), about 34 s at 250 MHz). */
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

/** Physical QPUs of the Pi's V3D: 3 slices × 4 [ARG IDENT1 defaults] (the target table's row). */
export const VC4_NUM_QPUS = TARGETS.vc4.qpus;

/**
 * Compiled instructions by (bus address, instruction word), kept across runs:
 * decoding and code generation cost far more than a short run itself (a
 * launch of a few hundred instructions), and launches repeat the same code at
 * the same address. Each run takes copies ({@link CompiledInstr.copy}).
 */
const COMPILED = new Map<bigint, CompiledInstr>();
/** Entries kept before COMPILED starts over (bounds its memory in long processes). */
const COMPILED_MAX = 1 << 16;

/** Compiled-instruction cache of one run, keyed by image offset (code may differ between runs). */
class Fetcher {
  private readonly cache = new Map<number, CompiledInstr>();
  constructor(private readonly memory: GpuMemory) {}

  /** The compiled instruction at QPU `q`'s pc. */
  at(q: Qpu): CompiledInstr {
    const memory = this.memory;
    const key = memory.offset(q.pc, 8);
    if (key < 0 || (q.pc & 7) !== 0) q.fail(`instruction fetch from ${key < 0 ? 'unmapped' : 'misaligned'} address`);
    let c = this.cache.get(key);
    if (!c) {
      const word = (BigInt(memory.view.getUint32(key + 4, true)) << 32n) | BigInt(memory.view.getUint32(key, true));
      const id = (BigInt(q.pc >>> 0) << 64n) | word;
      let shared = COMPILED.get(id);
      if (!shared) {
        let instr: Vc4Instr;
        try {
          instr = decodeVc4(word);
        } catch (e) {
          if (e instanceof DecodeError) q.fail(`invalid instruction 0x${word.toString(16).padStart(16, '0')}: ${e.message}`);
          throw e;
        }
        shared = compileVc4(q.pc >>> 0, instr);
        if (COMPILED.size >= COMPILED_MAX) COMPILED.clear();
        COMPILED.set(id, shared);
      }
      c = shared.copy();
      this.cache.set(key, c);
    }
    return c;
  }
}

/** The tick at which a stalled QPU's wait can end by time alone (Infinity: it waits for another QPU). */
function wakeTick(q: Qpu, c: CompiledInstr, cause: StallCause): number {
  switch (cause) {
    case STALL.TMU: return (q.tmuReady[c.tmuPop] as Float64Array)[q.tmuHead[c.tmuPop] as number] as number;
    case STALL.DMA: {
      const { loadDoneAt: l, storeDoneAt: s } = q.vpmPort;
      const now = q.shared.tick;
      return l > now && (s <= now || l < s) ? l : s > now ? s : Infinity;
    }
    default: return Infinity;
  }
}

/** A tick no clock reaches (maxTicks is capped below it). */
const NEVER = 0x7fffffff;

const RUNNING = 0;
/** Waiting on a semaphore or the mutex: only another QPU's change can end it. */
const BLOCKED = 1;
const DONE = 2;

/**
 * One execute_qpu run. Each QPU keeps its own clock, the tick of its next
 * issue slot. Instructions that touch nothing another QPU sees or changes run
 * as far ahead as the QPU likes; shared ones (CompiledInstr.shared, and a
 * uniform read that fetches a line) run in global (tick, QPU number) order,
 * the order a lock-step machine issuing
 * QPUs 0, 1, … within each tick gives them, so shared state and timing come
 * out exactly as in lock step. The hot loop is a method (`advance`) called
 * once per turn, so V8 optimizes it once for all runs.
 */
class Run {
  /** Each QPU's clock: whole ticks as int32, so no clock value is ever a boxed double. */
  readonly ticks: Int32Array;
  readonly state: Uint8Array;
  readonly current: CompiledInstr[];
  readonly blockedCause: StallCause[];
  /** Running QPUs in a binary min-heap on (tick, number). */
  readonly heap: Int32Array;
  size: number;
  running: number;
  lastTick = 0;
  /** The QPU taking its turn (for fault reports). */
  q: Qpu;

  constructor(
    readonly qpus: Qpu[],
    readonly checkers: HazardChecker[],
    readonly shared: Vc4Shared,
    readonly fetch: Fetcher,
    readonly maxTicks: number,
    readonly maxCycles: number,
  ) {
    const n = qpus.length;
    this.ticks = new Int32Array(n);
    this.state = new Uint8Array(n);
    this.current = qpus.map((q) => fetch.at(q));
    this.blockedCause = qpus.map(() => STALL.SEMAPHORE);
    this.heap = Int32Array.from(qpus.keys());
    this.size = n;
    this.running = n;
    this.q = qpus[0] as Qpu;
  }

  /** Whether QPU a's key (tick, number) is below QPU b's. */
  before(a: number, b: number): boolean {
    const ta = this.ticks[a] as number;
    const tb = this.ticks[b] as number;
    return ta < tb || (ta === tb && a < b);
  }

  siftDown(from: number): void {
    const heap = this.heap;
    const x = heap[from] as number;
    let i = from;
    for (;;) {
      let m = 2 * i + 1;
      if (m >= this.size) break;
      if (m + 1 < this.size && this.before(heap[m + 1] as number, heap[m] as number)) m++;
      if (!this.before(heap[m] as number, x)) break;
      heap[i] = heap[m] as number;
      i = m;
    }
    heap[i] = x;
  }

  push(x: number): void {
    const heap = this.heap;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(x, heap[p] as number)) break;
      heap[i] = heap[p] as number;
      i = p;
    }
    heap[i] = x;
  }

  /** Book `n` ticks of stall to `cause`. */
  book(x: Qpu, cause: StallCause, n: number): void {
    if (x.stalls[cause] === 0) x.stallOrder.push(cause);
    x.stalls[cause] += VC4_TIMING.clocksPerInstruction * n;
    x.stallTicks += n;
  }

  /** Run until every QPU is done. */
  run(): void {
    while (this.size > 0) {
      const heap = this.heap;
      const k = heap[0] as number;
      // The next smallest key is one of the root's children: it bounds how far QPU k may go with shared work.
      let lk = this.size > 1 ? (heap[1] as number) : -1;
      if (this.size > 2 && this.before(heap[2] as number, lk)) lk = heap[2] as number;
      this.advance(k, lk);
      if (this.state[k] !== RUNNING) heap[0] = heap[--this.size] as number;
      this.siftDown(0);
    }
    if (this.running > 0) {
      const waits = this.qpus.filter((_, j) => this.state[j] === BLOCKED)
        .map((x) => `QPU ${x.id} on the ${STALL_NAMES[this.blockedCause[x.id] as StallCause]} at 0x${(x.pc >>> 0).toString(16)}`);
      const first = this.qpus.find((x) => !x.done) as Qpu;
      throw new Vc4EmulatorError(`deadlock: every QPU still running waits for another (${waits.join(', ')})`, first.id, first.pc >>> 0);
    }
  }

  /**
   * QPU k's turn: it has the smallest key; it runs until its next shared
   * instruction would come after QPU `lk`'s key (−1: no other QPU runs), or
   * it blocks or ends.
   */
  advance(k: number, lk: number): void {
    const q = this.qpus[k] as Qpu;
    this.q = q;
    const chk = this.checkers[k] as HazardChecker;
    const shared = this.shared;
    const ticks = this.ticks;
    const maxTicks = this.maxTicks;
    let lt = lk >= 0 ? (ticks[lk] as number) : NEVER;
    let c = this.current[k] as CompiledInstr;
    let t = ticks[k] as number;
    for (;;) {
      if (t >= maxTicks) {
        const stuck = this.qpus.find((x) => !x.done) as Qpu;
        throw new Vc4CycleLimitError(this.maxCycles, stuck.id, stuck.pc >>> 0);
      }
      // Shared work waits until every QPU with a smaller key has done its own.
      if ((c.shared || (c.unif && q.unifFetchDue())) && (t > lt || (t === lt && k > lk))) break;
      shared.tick = t;
      if (q.readyAt > t) {
        this.book(q, q.readyCause, q.readyAt - t);
        t = q.readyAt;
        continue;
      }
      if (c.stall !== null) {
        const cause = c.stall(q);
        if (cause !== NO_STALL) {
          const until = wakeTick(q, c, cause);
          if (until === Infinity && c.shared) {
            // Only another QPU's semaphore or mutex change can end this wait: sleep until one happens.
            this.state[k] = BLOCKED;
            this.blockedCause[k] = cause;
            break;
          }
          const w = (until === Infinity ? t + 1 : Math.min(Math.max(t + 1, Math.ceil(until)), NEVER)) | 0;
          this.book(q, cause, w - t);
          t = w;
          continue;
        }
      }
      q.wA = -1;
      q.wB = -1;
      q.accW = 0;
      c.exec(q);
      q.finish();
      chk.check(c, q.wA, q.wB, q.accW);
      if (c.shared && q.vpmPort.dmaConflict !== undefined) {
        chk.report('dma-store-conflict', c.address, q.vpmPort.dmaConflict);
        q.vpmPort.dmaConflict = undefined;
      }
      if (c.vpmSetup && q.vpmPort.droppedSetup) {
        q.vpmPort.droppedSetup = false;
        chk.report('vpm-setup-misuse', c.address, 'third VPM read setup while two are queued: the hardware ignores it [ARG p.56]');
      }
      if (c.sync) {
        const woke = this.wake(k, t);
        if (woke >= 0 && (lk < 0 || this.before(woke, lk))) {
          lk = woke;
          lt = ticks[lk] as number;
        }
      }
      t++;
      if (q.done) {
        this.running--;
        this.state[k] = DONE;
        if (t > this.lastTick) this.lastTick = t;
        if (!q.hostInterrupt) chk.report('no-host-interrupt', c.address, 'program ended without writing host_int (execute_qpu waits for one interrupt per QPU)');
        if (q.vpmPort.storeDoneAt > t) chk.report('dma-store-running-at-end', c.address, 'program ended while its DMA store still runs (vw_wait first)');
        const left = q.vpmPort.pendingReads;
        if (left > 0) chk.report('vpm-reads-unconsumed', c.address, `${left} VPM reads set up but not consumed`);
        break;
      }
      if (q.pc === c.nextPc) c = c.next ??= this.fetch.at(q);
      else if (q.pc === c.jumpPc && c.jump) c = c.jump;
      else {
        // Taken branches land on the same target again and again: remember the last one per instruction.
        const j = this.fetch.at(q);
        c.jump = j;
        c.jumpPc = q.pc;
        c = j;
      }
    }
    ticks[k] = t;
    this.current[k] = c;
  }

  /**
   * QPU k changed a semaphore or the mutex at tick t: blocked QPUs look
   * again, in lock step those after k in the same tick, the others the next
   * tick. Returns the woken QPU with the smallest key, or −1.
   */
  wake(k: number, t: number): number {
    let first = -1;
    for (let j = 0; j < this.qpus.length; j++) {
      if (this.state[j] !== BLOCKED) continue;
      const again = j > k ? t : t + 1;
      this.book(this.qpus[j] as Qpu, this.blockedCause[j] as StallCause, again - (this.ticks[j] as number));
      this.ticks[j] = again;
      this.state[j] = RUNNING;
      // QPU k, at the root, keeps the smallest key while it runs, so pushing below it keeps the heap valid.
      this.push(j);
      if (first < 0 || this.before(j, first)) first = j;
    }
    return first;
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
  // Clocks are int32 ticks: a run is at most 2^31 − 2 ticks (about 34 s of GPU time at 250 MHz); a larger limit is cut to that.
  const maxTicks = Math.min(Math.ceil((options.maxCycles ?? 4e9) / VC4_TIMING.clocksPerInstruction), NEVER - 1);
  const maxCycles = Math.min(options.maxCycles ?? 4e9, maxTicks * VC4_TIMING.clocksPerInstruction);
  const clockHz = options.clockHz ?? VC4_TIMING.defaultClockHz;
  const fetch = new Fetcher(mem);
  let run: Run | undefined;
  try {
    run = new Run(qpus, checkers, shared, fetch, maxTicks, maxCycles);
    run.run();
  } catch (e) {
    const q = run?.q ?? (qpus[0] as Qpu);
    if (e instanceof VpmError) throw new Vc4EmulatorError(e.message, q.id, q.pc >>> 0);
    throw e;
  } finally {
    // The QPUs end with the run: their register files go back to the SIMD pool for the next one.
    for (const q of qpus) q.release();
  }
  shared.tick = run.lastTick;
  const stalls: Record<string, number> = {};
  for (const q of qpus) for (const k of q.stallOrder) stalls[STALL_NAMES[k]] = (stalls[STALL_NAMES[k]] ?? 0) + (q.stalls[k] as number);
  const cycles = shared.tick * VC4_TIMING.clocksPerInstruction;
  return {
    profile: {
      cycles, clockHz, seconds: cycles / clockHz, instructions: qpus.reduce((s, q) => s + q.instructions, 0),
      bytesRead: shared.bytesRead, bytesWritten: shared.bytesWritten, flops: shared.flops, stalls,
      perQpuCycles: qpus.map((q) => (q.instructions + q.stallTicks) * VC4_TIMING.clocksPerInstruction),
    },
    hazards: checkers.flatMap((c) => c.reports),
    hostInterrupts: qpus.map((q) => q.hostInterrupt),
  };
}
