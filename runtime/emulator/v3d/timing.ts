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
 * The memory path as seen from the TMU, per V3D version, in time units of
 * the memory system (ns, GB/s) so that a different V3D clock changes how many
 * clocks they take. Which numbers are choices and which were fitted, and to
 * what (docs/timing-model.md has the table of predicted vs published):
 *
 * - latencyNs, DOCUMENTED: 200 ns from request to data for a lookup touching
 *   one 64-byte line: the 100 clocks (at 500 MHz) Mesa's scheduler assumes
 *   from a TMU write to its ldtmu (notes 7, `instruction_latency`); no board
 *   measurement is published. Also used for 7.1 (CHOICE: the same kind of DRAM
 *   behind it, so the same time in ns).
 * - lineNs, FITTED to py-videocore6 sgemm (3.878 GFLOP/s): each further line a
 *   lookup's lanes touch adds 20 ns (10 clocks at 500 MHz). pv6's sgemm gathers
 *   a column of A (16 lines per lookup) behind every k step, with one thread
 *   per QPU, so its rate is set by this per-request cost.
 * - readGBps / writeGBps (4.2), FITTED to pv6 summation (7241 MB/s reads) and
 *   memset (3751 MB/s writes): 7.25 and 3.75 GB/s (14.5 and 7.5 bytes per clock
 *   at 500 MHz). scopy and the three pre-PR #53 (scalar) examples are
 *   predicted from them.
 * - readGBps / writeGBps (7.1), FITTED to pv7 scopy on 12 QPUs (4142 MB/s as
 *   pv7 counts it): the 4.2 pair scaled by one factor (the Pi 5's LPDDR4X
 *   path is faster; the read/write ratio is kept). 1-QPU scopy is predicted.
 *
 * Bytes are charged as used (16 lanes x 4 bytes for a contiguous load), not
 * as whole lines: sgemm's gathers re-read the same lines k step after k step,
 * which the L2 cache serves (CHOICE: perfect reuse, no L2 model).
 *
 * Workgroup-shared memory (`qpu.shared`, the job's CsdJob.cacheResident
 * ranges): CHOICE, its lookups pay latencyNs and lineNs but take no DRAM
 * bandwidth. Mesa keeps shared memory in ordinary memory behind the TMU and
 * L2T (semantics notes 5.3); a workgroup's few KiB are written and re-read
 * while it runs, so they stay in the L2 cache and seldom reach DRAM. No board
 * figure pins the L2 hit latency; using the DRAM one is the conservative side.
 */
export interface MemoryPath {
  readonly latencyNs: number;
  readonly lineNs: number;
  readonly readGBps: number;
  readonly writeGBps: number;
}

/** 7.1 bandwidth relative to 4.2's (fitted, see {@link MemoryPath}). */
const V71_BANDWIDTH_SCALE = 2.6;

/** Memory path constants by V3D version (see {@link MemoryPath} for their sources). */
export const MEMORY_PATH: Readonly<Record<42 | 71, MemoryPath>> = {
  42: { latencyNs: 200, lineNs: 20, readGBps: 7.25, writeGBps: 3.75 },
  71: { latencyNs: 200, lineNs: 20, readGBps: 7.25 * V71_BANDWIDTH_SCALE, writeGBps: 3.75 * V71_BANDWIDTH_SCALE },
};

/** 4.2 TMU latency in clocks at 500 MHz (from {@link MEMORY_PATH}). */
export const TMU_LATENCY = (MEMORY_PATH[42].latencyNs * 500) / 1000;
/** 4.2 shared read bandwidth in bytes per clock at 500 MHz (from {@link MEMORY_PATH}). */
export const READ_BYTES_PER_CYCLE = MEMORY_PATH[42].readGBps / 0.5;
/** 4.2 shared write bandwidth in bytes per clock at 500 MHz (from {@link MEMORY_PATH}). */
export const WRITE_BYTES_PER_CYCLE = MEMORY_PATH[42].writeGBps / 0.5;

/**
 * TMU lookups a QPU thread keeps in flight: one beyond this stalls the issuing
 * `tmua` until the thread's oldest completes. The output FIFO has 16 words per
 * QPU, 16 / threads per thread (Mesa: at most 8 outstanding in a 2-way threaded
 * shader; notes 5.3), so with 2 threads 8 each and with 4 threads 4 each.
 */
export const TMU_OUTPUT_FIFO = 16;
/** Per-thread depth at 2 threads per QPU (the CSD's default), {@link TMU_OUTPUT_FIFO} / 2. */
export const TMU_QUEUE_DEPTH = TMU_OUTPUT_FIFO / 2;

/**
 * CHOICE (SFU stall length unknown): an op-form SFU result is ready 2
 * instructions (8 clocks) after issue, so a reader in the next instruction
 * stalls 4 clocks (Mesa's latency model: 2 after an SFU op).
 */
export const SFU_LATENCY = 8;

/**
 * QPUs per slice: 4 on both boards (Pi 4: 2 slices x 4, Pi 5: 3 x 4; CORE0_IDENT1, notes 1 / hardware-interface).
 * The QPUs of a slice share its special-function unit: one SFU per slice on VideoCore IV (ARG p.37, vc4 notes 3),
 * the same slice structure on V3D 4.2 / 7.1 (CHOICE: assumed, no V3D document says otherwise).
 */
export const QPUS_PER_SLICE = 4;

/**
 * DERIVED (no figure fitted): clocks a slice's SFU is busy with one SFU-class op (recip, rsqrt, exp, log, sin,
 * rsqrt2; on 7.1 also rot, rotq, shuffle, ballot, bcastf, alleq, allfeq: M:instr v3d_qpu_instr_is_sfu). The SFU is
 * taken to work at the QPU's own width, 4 lanes per clock (CHOICE; notes 7: a QPU does 4 lanes per clock), so a
 * 16-lane op holds it 4 clocks; four QPUs sharing it get one op per 16 clocks each when all of them use it.
 * (An earlier version fitted a per-QPU 16-clock occupancy to the pv7 sgemm; see docs/timing-model.md.)
 */
export const SFU_OP_CYCLES = 16 / 4;

/** CHOICE (switch cost unknown): a thread switch costs no clocks beyond its delay slots. */
export const THREAD_SWITCH_CYCLES = 0;

/** Default clocks by V3D version, from the target table (Pi 4: 500 MHz, Pi 5: 960 MHz). */
export const DEFAULT_CLOCK_HZ = { 42: TARGETS.vc6.clockHz, 71: TARGETS.vc7.clockHz } as const;

/** Clock of one QPU. */
export class QpuClock {
  time = 0;
}

/** Width of one accounting window of the shared memory path, in clocks. */
const WINDOW = 32;

/**
 * The memory path shared by all QPUs and the job's stall accounting.
 *
 * The path is modelled as capacity per time window (WINDOW clocks of
 * transfer time each): a lookup issued at time t takes transfer time from
 * the window holding t onwards, spilling into later windows when they are
 * full, and its data are back when its last byte has moved or after the TMU
 * latency, whichever is later. QPUs are simulated a slice at a time, not in
 * strict time order; booking by window (instead of one "bus free at" clock)
 * keeps a QPU that is simulated ahead from delaying lookups issued earlier in
 * time by the others.
 */
export class SharedTiming {
  private readonly latency: number;
  private readonly lineCycles: number;
  private readonly readBytesPerCycle: number;
  private readonly writeBytesPerCycle: number;

  /** Lookups a thread keeps in flight: its share of the TMU output FIFO, {@link TMU_OUTPUT_FIFO} / threads per QPU. */
  private readonly queueDepth: number;

  /** Timing of one job on V3D `ver` clocked at `clockHz`, with `threadsPerQpu` thread slots per QPU (2, or 4 with THREADING). */
  constructor(ver: 42 | 71 = 42, clockHz: number = DEFAULT_CLOCK_HZ[ver], threadsPerQpu = 2) {
    this.queueDepth = TMU_OUTPUT_FIFO / threadsPerQpu;
    const m = MEMORY_PATH[ver];
    const ghz = clockHz / 1e9;
    this.latency = m.latencyNs * ghz;
    this.lineCycles = m.lineNs * ghz;
    this.readBytesPerCycle = m.readGBps / ghz;
    this.writeBytesPerCycle = m.writeGBps / ghz;
  }

  /** Transfer clocks used in each window, from window `base` on. */
  private used = new Float64Array(4096);
  private base = 0;
  readonly stalls: Record<string, number> = { tmu: 0, 'tmu-queue': 0, sfu: 0, barrier: 0, idle: 0 };
  /** Latest completion of any lookup (stores finish by job end). */
  lastCompletion = 0;

  private window(i: number): number {
    const k = i - this.base;
    if (k >= this.used.length) {
      const grown = new Float64Array(Math.max(this.used.length * 2, k + 1));
      grown.set(this.used);
      this.used = grown;
    }
    return k;
  }

  /** Occupy the path for `cycles` of transfer from time `t`; returns when the transfer ends. */
  private transfer(t: number, cycles: number): number {
    let i = Math.max(Math.floor(t / WINDOW), this.base);
    let left = cycles;
    for (;;) {
      const k = this.window(i);
      const free = WINDOW - (this.used[k] as number);
      if (left <= free) {
        this.used[k] = (this.used[k] as number) + left;
        return Math.max(t, i * WINDOW + (this.used[k] as number));
      }
      if (free > 0) {
        this.used[k] = WINDOW;
        left -= free;
      }
      i++;
    }
  }

  /**
   * A lookup issued by a QPU thread at its QPU's current time: wait for a
   * slot among the thread's lookups in flight (`inflight`, completion times,
   * at most {@link queueDepth}), occupy the memory path for its bytes, and
   * return when its data are back.
   */
  lookup(q: QpuClock, inflight: number[], bytesRead: number, bytesWritten: number, lines = 1): number {
    // Drop completed lookups; then wait for the oldest if the queue is full.
    while (inflight.length > 0 && (inflight[0] as number) <= q.time) inflight.shift();
    if (inflight.length >= this.queueDepth) {
      const free = inflight.shift() as number;
      this.stalls['tmu-queue'] = (this.stalls['tmu-queue'] ?? 0) + (free - q.time);
      q.time = free;
    }
    const cycles = bytesRead / this.readBytesPerCycle + bytesWritten / this.writeBytesPerCycle;
    const done = this.transfer(q.time, cycles);
    const ready = Math.max(q.time + this.latency + this.lineCycles * Math.max(lines - 1, 0), done);
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

  /** Per slice: SFU clocks used in each window (windows from 0; grown on demand). */
  private sfuUsed: Float64Array[] = [];

  /**
   * An SFU-class op issued by QPU `qpu` at `t`: book {@link SFU_OP_CYCLES} of its slice's SFU in the first window
   * from `t` with room (windows, not one "free at" clock, for the same reason as the memory path); returns the
   * clock at which the SFU takes the op (`t` if it has room at once).
   */
  sfu(qpu: number, t: number): number {
    const slice = Math.floor(qpu / QPUS_PER_SLICE);
    let used = this.sfuUsed[slice];
    if (!used) this.sfuUsed[slice] = used = new Float64Array(1024);
    let i = Math.floor(t / WINDOW);
    for (;;) {
      if (i >= used.length) {
        const grown = new Float64Array(Math.max(used.length * 2, i + 1));
        grown.set(used);
        this.sfuUsed[slice] = used = grown;
      }
      const u = used[i] as number;
      if (u + SFU_OP_CYCLES <= WINDOW) {
        used[i] = u + SFU_OP_CYCLES;
        // Within a window ops queue behind the ones booked before them.
        return Math.max(t, i * WINDOW + u);
      }
      i++;
    }
  }

  /** Advance `q` to `until` (if later), booking the wait under `cause`. */
  stall(q: QpuClock, until: number, cause: string): void {
    if (until > q.time) {
      this.stalls[cause] = (this.stalls[cause] ?? 0) + (until - q.time);
      q.time = until;
    }
  }
}
