/**
 * The decoupled look-back of kernels/scan.ts's single-pass ScanOnce, as device functions (kernels/compact.ts's
 * CompactOnce, whose tile counts fit in one word, keeps its own: one ready-marked word per tile). Tile t goes to QPU t mod Q; each tile publishes its total in a status array
 * of u32 words (zero-filled by the host before the launch) and adds the totals of the Q − 1 tiles before it to its
 * QPU's own running prefix. A file of its own, with no kernels, so that importing it pulls no other family's
 * kernels into a family's compile.
 *
 * Status layout for `tiles` tiles: tile t's total in words 2t (low 16 bits) and 2t + 1 (high 16 bits), each
 * written once, by an atomic, with a ready mark 0x10000 above its half, so that a reader sees 0 or the final
 * word; 2 tiles + 2 … 2 tiles + 15 take the other lanes' writes (the host allocates at least 2 tiles + 16 words);
 * 2 tiles is where the last tile's QPU leaves the prefix of all tiles ({@link LookBack.finish}).
 */
import { device, qpu, type Ptr, type u32 } from 'qpuc';

/** Publishing and waiting for tile totals. */
export class LookBack {
  /** Publish tile t's total (the same in every lane): lanes 0 and 1 write its halves, the others spare words. */
  @device
  static publish(status: Ptr<u32>, tiles: u32, t: u32, total: u32): void {
    const lane = qpu.laneId();
    const half = lane == 0 ? total & 0xffff : total >> 16;
    qpu.atomicExchange(status, lane < 2 ? 2 * t + lane : 2 * tiles + lane, 0x10000 | half);
  }

  /**
   * The sum of the totals of tiles t − 1 … t − Q + 1 (those that exist; added in lane order, wrapping), in every
   * lane, once every one of them is published: lane l polls tile t − 1 − l (a lane with no such tile polls tile t,
   * which this QPU has published) until all lanes see both words ready. Every tile waits only for earlier tiles,
   * whose QPUs publish before they wait, so the chain always moves (all batches must be resident: one per QPU).
   */
  @device
  static totalBefore(status: Ptr<u32>, t: u32): u32 {
    const lane = qpu.laneId();
    const need = lane + 1 < qpu.numQpus() && lane < t;
    const src = need ? t - 1 - lane : t;
    // The first poll before the loop: a caller's loads issued just before share its block.
    let lo = qpu.atomicOr(status, 2 * src, 0);
    let hi = qpu.atomicOr(status, 2 * src + 1, 0);
    while (!qpu.all(lo >= 0x10000 && hi >= 0x10000)) {
      lo = qpu.atomicOr(status, 2 * src, 0);
      hi = qpu.atomicOr(status, 2 * src + 1, 0);
    }
    const total = (hi << 16) | (lo & 0xffff);
    return qpu.reduceAdd(need ? total : 0);
  }

  /** The QPU of the last of `tiles` tiles leaves `prefix`, the prefix of all tiles, in status[2 tiles]. */
  @device
  static finish(status: Ptr<u32>, tiles: u32, prefix: u32): void {
    const Q = qpu.numQpus();
    if (qpu.qpuId() == (tiles + Q - 1) % Q) status[2 * tiles] = prefix;
  }
}
