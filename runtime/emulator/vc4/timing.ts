/**
 * The VC4 timing model: every modelled cost is one named constant below,
 * with its source or marked as a guess, plus the shared resources whose
 * contention makes QPUs wait for each other: the SDRAM port (TMU cache
 * misses, uniform fetches, DMA), each slice's TMUs with their L1 caches, and
 * the VPM DMA engines. Time is counted in ticks: one instruction slot of a
 * QPU = 4 GPU clocks [ARG p.16].
 */
import { TARGETS } from '../../../compiler/target/targets.ts';
import { VC4_PIPELINE } from '../../../compiler/isa/vc4/table.ts';

/** Timing constants; `…Ticks` are instruction slots of 4 clocks. */
export const VC4_TIMING = {
  /** A QPU issues one instruction every 4 clocks (4 quads through a 4-stage ALU) [ARG p.16]. */
  clocksPerInstruction: 4,
  /** Default V3D clock: 250 MHz on Pi 1–3 (the target table's; VC4CL wiki, V3DLib FAQ give 300–400 MHz on later boards). */
  defaultClockHz: TARGETS.vc4.clockHz,
  /** SFU: result in r4 for the third instruction after the write [ARG p.23, 37]. */
  sfuLatencyTicks: VC4_PIPELINE.sfuResultGap,
  /**
   * TMU L1 hit: request to result. Guess: VC4C's emulator uses 9 instruction
   * cycles from "line present" to data [VC4C-E]; no board measurement exists (notes §9).
   */
  tmuHitLatencyTicks: 9,
  /**
   * Extra latency of a TMU or uniform line fill that misses the slice's L1 and
   * goes to memory, on top of the transfer time. Guess: VC4C's "miss fill 8
   * cycles" [VC4C-E] plus the L1 pipeline; no published VC4 figure.
   */
  missLatencyTicks: 20,
  /**
   * Lanes a TMU looks up per tick. Guess: one quad per clock (4 lanes × 4
   * clocks), the texture unit's documented pixel-quad granularity [ARG §4].
   */
  tmuLanesPerTick: 16,
  /** L1 cache of each TMU: 4 KB direct-mapped, 64-byte lines [ADD]. */
  tmuCacheLines: 64,
  lineBytes: 64,
  /**
   * SDRAM bytes per tick shared by all slices and the DMA engines (1.5 GB/s
   * at 250 MHz). Peak: Pi 2/3 LPDDR2 at 450 MHz (900 MT/s) × 32 bit = 3.6 GB/s.
   * The usable share (42 %) is FITTED: it makes bench/vc4-sgemm.ts reproduce
   * py-videocore's published 8 GFLOP/s sgemm (11.5 GFLOP/s with a guessed
   * 60 %); no measured VC4 bandwidth exists (notes §9), so the sgemm
   * comparison checks consistency, not an independent prediction.
   */
  memoryBytesPerTick: 24,
  /**
   * DMA (VCD load / VDW store) start-up before the first byte moves. Guess:
   * VC4C's emulator completes a DMA 12 cycles after the address write [VC4C-E].
   */
  dmaStartupTicks: 12,
  /**
   * VPM side of a DMA: the VPM moves one 16-word vector per 4 clocks (ARG §7:
   * the VPM is 16 words wide, one row per access); the memory side is
   * `memoryBytesPerTick`, so the slower of the two limits a transfer.
   */
  dmaVpmBytesPerTick: 64,
  /** Branch: 3 delay slots and no other cost [ARG p.34]. */
  branchDelaySlots: VC4_PIPELINE.branchDelaySlots,
} as const;

/**
 * Shared bandwidth: a single queue in front of SDRAM. A request of `bytes`
 * issued at tick `now` completes after the requests before it plus its own
 * transfer time (fractional ticks are kept so small requests add up).
 */
export class MemoryPort {
  // Fractional ticks kept in a typed array: a fractional number in an object field would be boxed on every store.
  private readonly freeAt = new Float64Array(1);
  /** Bytes moved through the port (all requesters). */
  bytes = 0;

  /** Reserve the port for `bytes`; returns the (whole) tick the last byte has arrived by. */
  request(now: number, bytes: number): number {
    const f = this.freeAt;
    const start = (f[0] as number) > now ? (f[0] as number) : now;
    f[0] = start + bytes / VC4_TIMING.memoryBytesPerTick;
    this.bytes += bytes;
    // `| 0`: a small integer, not a double V8 would box on return (ticks stay below 2^31).
    return Math.ceil(f[0] as number) | 0;
  }
}

/**
 * One TMU of one slice: its direct-mapped L1 tags and the tick it can take
 * the next request. The 4 QPUs of a slice share it [ARG §2–3].
 */
export class TmuTiming {
  private readonly tags = new Int32Array(VC4_TIMING.tmuCacheLines).fill(-1);
  private freeAt = 0;

  constructor(private readonly memory: MemoryPort) {}

  /**
   * Time a direct lookup of 16 lane addresses (physical bytes at lanes[off…off+15]):
   * elements are fetched in element order, each miss fills its line [ADD].
   * Returns the tick the result is ready.
   */
  lookup(now: number, lanes: Uint32Array, off: number): number {
    const start = this.freeAt > now ? this.freeAt : now;
    this.freeAt = (start + Math.ceil(16 / VC4_TIMING.tmuLanesPerTick)) | 0;
    let ready = start + VC4_TIMING.tmuHitLatencyTicks;
    let lastLine = -1;
    for (let e = 0; e < 16; e++) {
      const line = ((lanes[off + e] as number) & 0x3fffffff) >>> 6;
      if (line === lastLine) continue;
      lastLine = line;
      const slot = line & (VC4_TIMING.tmuCacheLines - 1);
      if (this.tags[slot] === line) continue;
      this.tags[slot] = line;
      const filled = this.memory.request(start, VC4_TIMING.lineBytes) + VC4_TIMING.missLatencyTicks;
      if (filled > ready) ready = filled;
    }
    return ready;
  }
}
