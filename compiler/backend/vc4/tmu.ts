/**
 * TMU latency hiding for VC4: selection writes each load's address to `t0s`
 * (or `t1s`) right before the `ldtmu0` (`ldtmu1`) that collects it, so every
 * load waits out the whole TMU latency alone. This pass moves each request
 * (`mov t0s, addr`) up its block, as early as its address is computed, so
 * that the lookups of an unrolled loop body are in flight together (each TMU
 * answers in request order; notes §4).
 *
 * A request moves past an instruction unless that instruction
 * - defines the address register, or is another request to the same TMU
 *   (each TMU's FIFO order must stay the order of its `ldtmu`s);
 * - touches the VPM, DMA, mutex, semaphores or other I/O with side effects
 *   (a load must not move above a store's DMA, or into a critical section);
 * - is a branch or ends the thread;
 * and never so far that more than `TMU_FIFO_DEPTH` requests would be
 * outstanding on its TMU (rule tmu-queue-overflow; the target table's TMU
 * FIFO depth, per TMU).
 *
 * It runs after register allocation, on the allocated blocks, so spill code
 * (which reloads through the TMU too) is in place and keeps its order; moving
 * a read of an allocated register earlier but after its definition is safe,
 * since no other value can live in that register in between.
 */
import type { MBlock, MOp, Src } from './mir.ts';
import { IO } from './isel-ctx.ts';

/** I/O writes a request may move past: the SFU (its result arrives in r4 only at the reader) and the nop address. */
const HARMLESS_IO_WRITES: ReadonlySet<number> = new Set([IO.NOP, IO.SFU_RECIP, IO.SFU_RSQRT, IO.SFU_EXP, IO.SFU_LOG]);
/** I/O reads a request must not move past: the VPM, the DMA wait, the mutex. */
const ORDERED_IO_READS: ReadonlySet<number> = new Set([IO.VPM, IO.VPM_WAIT, IO.MUTEX]);

/** The TMU a request (`mov t0s/t1s, addr`) goes to, or -1. */
function requestTmu(o: MOp): number {
  return o.k === 'alu' && o.dst?.k === 'io' ? (o.dst.addr === IO.TMU0_S ? 0 : o.dst.addr === IO.TMU1_S ? 1 : -1) : -1;
}
/** The TMU an `ldtmu0/1` collects from, or -1. */
function popTmu(o: MOp): number {
  return o.k === 'nop' ? (o.sig === 'ldtmu0' ? 0 : o.sig === 'ldtmu1' ? 1 : -1) : -1;
}

function writesVReg(o: MOp, id: number): boolean {
  return (o.k === 'alu' || o.k === 'ldi') && o.dst?.k === 'v' && o.dst.id === id;
}

/** Whether a request may not move above `o` (other than by its address or the FIFO depth). */
function barrier(o: MOp): boolean {
  if (o.k === 'br' || o.k === 'sem') return true;
  if (o.k === 'nop') return o.sig !== undefined && popTmu(o) < 0;
  if (o.dst?.k === 'io' && !HARMLESS_IO_WRITES.has(o.dst.addr)) return true;
  if (o.k === 'alu') for (const s of [o.a, o.b]) if (s?.k === 'io' && ORDERED_IO_READS.has(s.addr)) return true;
  return false;
}

/** Moves the TMU requests of every block up (see the file comment). Mutates the blocks. */
export function hoistTmuRequests(blocks: MBlock[], fifoDepth: number): void {
  for (const b of blocks) {
    const ops = b.ops;
    // Requests outstanding after ops[0..i], counted from the block start (blocks start with none: every load's
    // ldtmu0 is in the block of its request). Moving a request up inside [p, i] leaves the counts after i as they are.
    const outstanding = [0, 0];
    for (let i = 0; i < ops.length; i++) {
      const r = ops[i] as MOp;
      const popped = popTmu(r);
      if (popped >= 0) (outstanding[popped] as number)--;
      const t = requestTmu(r);
      if (t < 0) continue;
      const count = (outstanding[t] as number) + 1;
      outstanding[t] = count;
      const addr: Src | undefined = r.k === 'alu' ? r.a : undefined;
      if (!addr || (addr.k !== 'v' && addr.k !== 'imm')) continue;
      // Scanning up: `before` is the count just before ops[p] without this request.
      let before = count - 1;
      let p = i;
      while (p > 0) {
        const o = ops[p - 1] as MOp;
        if (requestTmu(o) === t || barrier(o) || (addr.k === 'v' && writesVReg(o, addr.id))) break;
        // Moving above o adds this request to those of its TMU outstanding just before o: at most fifoDepth.
        const beforeO = before + (popTmu(o) === t ? 1 : 0);
        if (beforeO + 1 > fifoDepth) break;
        before = beforeO;
        p--;
      }
      if (p < i) {
        ops.splice(i, 1);
        ops.splice(p, 0, r);
      }
    }
  }
}
