/**
 * Timing model of a V3D core: per-QPU clocks advanced by instruction issue and
 * stalls, one memory path shared by all QPUs, TMU latency and queue depth, SFU
 * latency, thread switches that hide latency, barrier waits.
 *
 * Facts and their strength: shared/docs/v3d-semantics-notes.md 7. The numbers
 * the notes mark unknown are the constants below, each with its reason.
 */
import { TARGETS } from '../../../compiler/target/targets.ts';

/** One instruction issues per QPU every 4 clocks (4 lanes per clock, notes 7). */
export const ISSUE_CYCLES = 4;

/**
 * CHOICE (TMU latency unpublished): 200 clocks (50 instructions) from request to
 * data. pv6 `test_tmu_performance` sweeps 0..64 nops between request and ldtmu
 * for contiguous loads, so the knee lies below 64 instructions; Mesa schedules
 * for 100 instruction slots as an upper bound.
 */
export const TMU_LATENCY = 200;

/**
 * Shared memory path, bytes per clock. Calibrated so that the bandwidth-bound
 * py-videocore6 kernels land on their published Pi 4 figures at 500 MHz:
 * summation 7241 MB/s reads → 14.5 B/clk; memset 3751 MB/s writes → 7.5 B/clk;
 * together they predict scopy at 1/(1/14.5 + 1/7.5) = 4.94 B/clk = 2.47 GB/s
 * (published 2424 MB/s).
 */
export const READ_BYTES_PER_CYCLE = 14.5;
/** See {@link READ_BYTES_PER_CYCLE}. */
export const WRITE_BYTES_PER_CYCLE = 7.5;

/**
 * TMU request queue per QPU: lookups in flight beyond this stall the issuing
 * `tmua` until the oldest completes (input FIFO 16 words per QPU, Mesa keeps
 * at most 8 lookups outstanding: notes 5.3).
 */
export const TMU_QUEUE_DEPTH = 8;

/**
 * CHOICE (SFU stall length unknown): an op-form SFU result is ready 2
 * instructions (8 clocks) after issue, so a reader in the next instruction
 * stalls 4 clocks (Mesa's latency model: 2 after an SFU op).
 */
export const SFU_LATENCY = 8;

/** CHOICE (switch cost unknown): a thread switch costs no clocks beyond its delay slots. */
export const THREAD_SWITCH_CYCLES = 0;

/** Default clocks by V3D version, from the target table (Pi 4: 500 MHz, Pi 5: 960 MHz). */
export const DEFAULT_CLOCK_HZ = { 42: TARGETS.vc6.clockHz, 71: TARGETS.vc7.clockHz } as const;

/** Clock of one QPU. */
export class QpuClock {
  time = 0;
  /** Completion times of this QPU's lookups in flight (for the queue depth). */
  readonly inflight: number[] = [];
}

/** The memory path shared by all QPUs and the job's stall accounting. */
export class SharedTiming {
  /** Clock at which the shared memory path is next free. */
  private busFree = 0;
  readonly stalls: Record<string, number> = { tmu: 0, 'tmu-queue': 0, sfu: 0, barrier: 0, idle: 0 };
  /** Latest completion of any lookup (stores finish by job end). */
  lastCompletion = 0;

  /**
   * A lookup issued by a QPU at its current time: wait for a queue slot,
   * occupy the memory path for its bytes, and return when its data are back.
   */
  lookup(q: QpuClock, bytesRead: number, bytesWritten: number): number {
    const inflight = q.inflight;
    // Drop completed lookups; then wait for the oldest if the queue is full.
    while (inflight.length > 0 && (inflight[0] as number) <= q.time) inflight.shift();
    if (inflight.length >= TMU_QUEUE_DEPTH) {
      const free = inflight.shift() as number;
      this.stalls['tmu-queue'] = (this.stalls['tmu-queue'] ?? 0) + (free - q.time);
      q.time = free;
    }
    const transfer = bytesRead / READ_BYTES_PER_CYCLE + bytesWritten / WRITE_BYTES_PER_CYCLE;
    const start = Math.max(q.time, this.busFree);
    this.busFree = start + transfer;
    const ready = Math.max(q.time + TMU_LATENCY, this.busFree);
    if (ready > this.lastCompletion) this.lastCompletion = ready;
    // Keep the in-flight list sorted by completion (it nearly always is).
    // (Insertion by hand: splice allocates its result array on every call.)
    let i = inflight.length;
    inflight.push(ready);
    while (i > 0 && (inflight[i - 1] as number) > ready) {
      inflight[i] = inflight[i - 1] as number;
      i--;
    }
    inflight[i] = ready;
    return ready;
  }

  /** Advance `q` to `until` (if later), booking the wait under `cause`. */
  stall(q: QpuClock, until: number, cause: string): void {
    if (until > q.time) {
      this.stalls[cause] = (this.stalls[cause] ?? 0) + (until - q.time);
      q.time = until;
    }
  }
}
