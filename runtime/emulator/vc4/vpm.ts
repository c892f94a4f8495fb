/**
 * The VPM (vertex pipe memory, 64 rows × 16 words addressable by user
 * programs) with its QPU read/write setups and the VCD (DMA load) and VDW
 * (DMA store) engines [ARG §7 p.53–60; shared/docs/vc4-isa-notes.md §3].
 *
 * Generic access: 32-, 16- and 8-bit vectors, horizontal and vertical,
 * laned (the half/byte H/B of each of 16 words) or packed (16 halves from 8
 * words, 16 bytes from 4 words) [notes §3.1]; 16/8-bit values are
 * zero-extended into the QPU element on reads and taken from its low bits
 * on writes (extension unconfirmed [?]). DMA: 32-, 16- and 8-bit MODEW,
 * horizontal and vertical, strides and pitches. Setups are decoded into
 * reused objects: no allocation per access.
 */
import type { GpuMemory } from './memory.ts';
import { TARGETS } from '../../../compiler/target/targets.ts';

/** Thrown for VPM/DMA setups the model does not implement or that are invalid. */
export class VpmError extends Error {
  override name = 'VpmError';
}

/** Rows of 16 words a user program can address (4 KB; vc4 notes §3.1, erratum HW-2253). */
export const VPM_ROWS = 64;
const ROWS = VPM_ROWS;
/**
 * The VDW stride field [ARG Table 35: bits 12:0; the addendum and vc4asm: 15:0]: the width is the target table's
 * `dmaStore.strideBits` (one switch for the compiler and the emulator; 16 as the addendum says).
 */
const VDW_STRIDE_MASK = 2 ** TARGETS.vc4.dmaStore.strideBits - 1;

/** A generic read or write setup [ARG Tables 32–33]. */
class Access {
  horiz = true;
  laned = false;
  /** 0 = 8-bit, 1 = 16-bit, 2 = 32-bit. */
  size = 2;
  stride = 1;
  addr = 0;
  /** Reads left (reads only). */
  remaining = 0;

  decode(v: number, read: boolean): void {
    this.size = (v >>> 8) & 3;
    if (this.size === 3) throw new VpmError(`VPM ${read ? 'read' : 'write'} setup 0x${v.toString(16)}: SIZE 3 is reserved`);
    this.horiz = ((v >>> 11) & 1) === 1;
    this.laned = ((v >>> 10) & 1) === 1 && this.size !== 2; // LANED is ignored at 32 bit [ARG Table 32]
    this.stride = ((v >>> 12) & 0x3f) || 64;
    this.addr = v & 0xff;
    this.remaining = read ? ((v >>> 20) & 15) || 16 : 0;
  }

  copyFrom(o: Access): void {
    this.horiz = o.horiz;
    this.laned = o.laned;
    this.size = o.size;
    this.stride = o.stride;
    this.addr = o.addr;
    this.remaining = o.remaining;
  }
}

/** Per-QPU VPM and DMA setup state (the VPM itself and the engines are shared). */
export class VpmPort {
  /** Read setups: the active one and at most one queued behind it [ARG p.56: "two setups may be queued"]. */
  readonly reads = [new Access(), new Access()];
  readCount = 0;
  readonly write = new Access();
  hasWrite = false;
  /** Set when a read setup was dropped (a third one queued): the hazard checker reports it. */
  droppedSetup = false;
  /** Last DMA store setup (basic) and stride [ARG Tables 34–35]. */
  readonly vdw = { units: 1, depth: 16, horiz: true, y: 0, x: 0, modew: 0, stride: 0 };
  /** Last DMA load setup [ARG Tables 36–37]. */
  readonly vcd = { rowlen: 16, nrows: 1, vpitch: 1, vert: false, y: 0, x: 0, modew: 0, pitch: 0, pitchB: 0 };
  /** Tick at which the last DMA load / store of this QPU completes. */
  loadDoneAt = 0;
  storeDoneAt = 0;
  /** The last DMA store's VPM rows (first, count) and memory bytes ([start, end) pairs), while it may run. */
  readonly storeRows = { first: 0, count: 0 };
  storeRanges: number[] = [];
  /**
   * Set when this QPU writes a VPM row or looks up memory that its own DMA store, still running, reads or writes:
   * the hazard checker reports it (rule dma-store-conflict). The model moves a DMA's data at its start; hardware
   * moves it while the DMA runs.
   */
  dmaConflict: string | undefined = undefined;

  /** Record the VPM rows and memory bytes of the DMA store just started at bus address `addr` (its last setup). */
  recordStore(addr: number): void {
    const d = this.vdw;
    const bytes = d.modew === 0 ? 4 : d.modew < 4 ? 2 : 1;
    this.storeRows.first = d.y;
    this.storeRows.count = d.horiz ? d.units + Math.ceil((d.x + d.depth) / 16) - 1 : d.depth;
    const ranges: number[] = [];
    for (let r = 0, a = addr >>> 0; r < d.units; r++, a += bytes * d.depth + d.stride) ranges.push(a, a + bytes * d.depth);
    this.storeRanges = ranges;
  }

  /** Whether VPM row `row` is one the last DMA store reads. */
  storeReadsRow(row: number): boolean {
    const { first, count } = this.storeRows;
    return ((row - first) % ROWS + ROWS) % ROWS < count;
  }

  /** Whether bus address `bus` (a word) is one the last DMA store writes. */
  storeWrites(bus: number): boolean {
    const r = this.storeRanges;
    for (let k = 0; k < r.length; k += 2) if (bus + 4 > (r[k] as number) && bus < (r[k + 1] as number)) return true;
    return false;
  }

  /** Reads still expected from the active and queued read setups. */
  get pendingReads(): number {
    let n = 0;
    for (let k = 0; k < this.readCount; k++) n += (this.reads[k] as Access).remaining;
    return n;
  }

  /** vr_busy (A file) / vw_busy (B file): whether this QPU's last DMA load / store is still running [ARG p.56]. */
  busy(store: boolean, tick: number): boolean {
    return (store ? this.storeDoneAt : this.loadDoneAt) > tick;
  }
}

/** Word index and bit shift of element `k` of the vector at `acc.addr` [ARG Tables 32–33; notes §3.1]. */
function locate(acc: Access, k: number): number {
  const a = acc.addr;
  let row: number;
  let col: number;
  let part = 0; // half or byte within the word
  let units = 1; // halves or bytes per word in use
  if (acc.size === 2) {
    if (acc.horiz) { row = a & 0x3f; col = k; } else { row = (a & 0x30) + k; col = a & 15; }
  } else {
    const sub = acc.size === 1 ? a & 1 : a & 3; // H or B
    const rest = acc.size === 1 ? a >>> 1 : a >>> 2;
    units = acc.size === 1 ? 2 : 4;
    if (acc.laned) {
      part = sub;
      if (acc.horiz) { row = rest & 0x3f; col = k; } else { row = (rest & 0x30) + k; col = rest & 15; }
    } else {
      // Packed: element k is unit k mod `units` of word k / units of the group H/B selects.
      part = k % units;
      const w = sub * (16 / units) + Math.floor(k / units);
      if (acc.horiz) { row = rest & 0x3f; col = w; } else { row = (rest & 0x30) + w; col = rest & 15; }
    }
  }
  const bits = acc.size === 2 ? 0 : (32 / units) * part;
  return ((((row % ROWS) * 16 + col) << 5) | bits) >>> 0;
}

/** The shared VPM. */
export class Vpm {
  readonly words = new Uint32Array(ROWS * 16);

  /** Write to vr_setup (`isWrite` false) or vw_setup: generic setups or DMA setups. */
  setup(port: VpmPort, value: number, isWrite: boolean): void {
    const v = value >>> 0;
    const id = v >>> 30;
    if (isWrite && id === 2) {
      const d = port.vdw;
      d.units = ((v >>> 23) & 0x7f) || 128;
      d.depth = ((v >>> 16) & 0x7f) || 128;
      d.horiz = ((v >>> 14) & 1) === 1;
      d.y = (v >>> 7) & 0x7f;
      d.x = (v >>> 3) & 15;
      d.modew = v & 7;
      if (d.modew === 1) throw new VpmError(`DMA store setup 0x${v.toString(16)}: MODEW 1 is reserved`);
      return;
    }
    if (isWrite && id === 3) {
      port.vdw.stride = v & VDW_STRIDE_MASK;
      return;
    }
    if (!isWrite && (v >>> 31) === 1) {
      const d = port.vcd;
      if ((v >>> 28) === 9) {
        d.pitchB = v & 0x1fff;
        return;
      }
      d.modew = (v >>> 28) & 7;
      const mp = (v >>> 24) & 15;
      d.pitch = mp ? 8 * 2 ** mp : 0;
      d.rowlen = ((v >>> 20) & 15) || 16;
      d.nrows = ((v >>> 16) & 15) || 16;
      d.vpitch = ((v >>> 12) & 15) || 16;
      d.vert = ((v >>> 11) & 1) === 1;
      d.y = (v >>> 4) & 0x3f;
      d.x = v & 15;
      return;
    }
    if (id !== 0) throw new VpmError(`unsupported ${isWrite ? 'vw' : 'vr'}_setup 0x${v.toString(16)}`);
    if (isWrite) {
      port.write.decode(v, false);
      port.hasWrite = true;
      return;
    }
    // A setup while the previous one still has reads queues behind it; a third is ignored [ARG p.56].
    const r = port.reads;
    if (port.readCount > 0 && (r[0] as Access).remaining === 0) {
      (r[0] as Access).copyFrom(r[1] as Access);
      port.readCount--;
    }
    if (port.readCount === 2) {
      port.droppedSetup = true;
      return;
    }
    (r[port.readCount] as Access).decode(v, true);
    port.readCount++;
  }

  /** A QPU read of `vpm` into out[o…o+15]: the next vector of the active read setup. */
  readVector(port: VpmPort, out: Uint32Array, o: number): void {
    const r = port.reads;
    if (port.readCount > 1 && (r[0] as Access).remaining === 0) {
      (r[0] as Access).copyFrom(r[1] as Access);
      port.readCount--;
    }
    const acc = r[0] as Access;
    if (port.readCount === 0 || acc.remaining <= 0) throw new VpmError('VPM read without a pending read setup (or more reads than NUM)');
    const mask = acc.size === 2 ? 0xffffffff : acc.size === 1 ? 0xffff : 0xff;
    for (let k = 0; k < 16; k++) {
      const at = locate(acc, k);
      out[o + k] = ((this.words[at >>> 5] as number) >>> (at & 31)) & mask;
    }
    acc.addr = (acc.addr + acc.stride) & 0xff;
    acc.remaining--;
  }

  /** A QPU write of v[o…o+15] to `vpm` under the write setup (which persists and advances by its stride). */
  writeVector(port: VpmPort, v: Uint32Array, o: number): void {
    if (!port.hasWrite) throw new VpmError('VPM write without a write setup');
    const acc = port.write;
    if (acc.size === 2 && acc.horiz) {
      // 32-bit horizontal (the common setup): the 16 elements fill one VPM row.
      const w = ((acc.addr & 0x3f) % ROWS) * 16;
      for (let k = 0; k < 16; k++) this.words[w + k] = v[o + k] as number;
      acc.addr = (acc.addr + acc.stride) & 0xff;
      return;
    }
    const mask = acc.size === 2 ? 0xffffffff : acc.size === 1 ? 0xffff : 0xff;
    for (let k = 0; k < 16; k++) {
      const at = locate(acc, k);
      const shift = at & 31;
      const w = at >>> 5;
      this.words[w] = ((((this.words[w] as number) & ~(mask << shift)) | (((v[o + k] as number) & mask) << shift))) >>> 0;
    }
    acc.addr = (acc.addr + acc.stride) & 0xff;
  }

  /**
   * Start a DMA store of the last VDW setup to bus address `addr`; returns
   * bytes moved. MODEW 2–3 store the half (bit 0) and 4–7 the byte (bits
   * 1:0) of each VPM word as 16/8-bit memory elements [ARG Table 34].
   */
  store(port: VpmPort, mem: GpuMemory, addr: number): number {
    const d = port.vdw;
    const bytes = d.modew === 0 ? 4 : d.modew < 4 ? 2 : 1;
    const part = d.modew === 0 ? 0 : d.modew < 4 ? d.modew & 1 : d.modew & 3;
    let a = addr >>> 0;
    if (bytes === 4 && d.horiz) {
      // 32-bit horizontal rows (the common store): the same walk without the per-word mode tests.
      const out = mem.words;
      if (out !== null && d.x + d.depth <= 16) {
        // Each row is one VPM row segment and one run of memory words: check the run's ends, then copy.
        for (let r = 0; r < d.units; r++) {
          const first = mem.wordIndex(a);
          const last = mem.wordIndex(a + 4 * (d.depth - 1));
          if (first < 0 || last !== first + d.depth - 1) break; // unmapped or wrapping: the careful walk below reports it
          const from = ((d.y + r) % ROWS) * 16 + d.x;
          for (let k = 0; k < d.depth; k++) out[first + k] = this.words[from + k] as number;
          a += 4 * d.depth + d.stride;
          if (r === d.units - 1) return d.units * d.depth * 4;
        }
        a = addr >>> 0;
      }
      for (let r = 0; r < d.units; r++) {
        for (let k = 0; k < d.depth; k++) {
          const col = d.x + k;
          if (!mem.write32(a, this.words[((d.y + r + (col >>> 4)) % ROWS) * 16 + (col & 15)] as number)) {
            throw new VpmError(`DMA store to unmapped address 0x${(a >>> 0).toString(16)}`);
          }
          a += 4;
        }
        a += d.stride;
      }
      return d.units * d.depth * 4;
    }
    for (let r = 0; r < d.units; r++) {
      for (let k = 0; k < d.depth; k++) {
        // Horizontal: memory row r comes from VPM row Y + r; vertical: from VPM column X + r [ARG Table 34].
        const row = d.horiz ? d.y + r + Math.floor((d.x + k) / 16) : d.y + k;
        const col = d.horiz ? (d.x + k) % 16 : (d.x + r) % 16;
        const w = this.words[(row % ROWS) * 16 + col] as number;
        const ok = bytes === 4 ? mem.write32(a, w) : mem.writeSub(a, (w >>> (8 * bytes * part)) & (bytes === 2 ? 0xffff : 0xff), bytes);
        if (!ok) throw new VpmError(`DMA store to unmapped address 0x${(a >>> 0).toString(16)}`);
        a += bytes;
      }
      a += d.stride; // stride: bytes from the end of one row to the start of the next
    }
    return d.units * d.depth * bytes;
  }

  /**
   * Start a DMA load of the last VCD setup from bus address `addr`; returns
   * bytes moved. 16/8-bit MODEW fill the half/byte of each VPM word and keep
   * the rest [ARG Table 36].
   */
  load(port: VpmPort, mem: GpuMemory, addr: number): number {
    const d = port.vcd;
    const bytes = d.modew === 0 ? 4 : d.modew < 4 ? 2 : 1;
    const part = d.modew === 0 ? 0 : d.modew < 4 ? d.modew & 1 : d.modew & 3;
    const pitch = d.pitch || d.pitchB;
    for (let r = 0; r < d.nrows; r++) {
      for (let k = 0; k < d.rowlen; k++) {
        const bus = (addr + r * pitch + bytes * k) >>> 0;
        const v = bytes === 4 ? mem.read32(bus) : mem.readSub(bus, bytes);
        if (v === undefined) throw new VpmError(`DMA load from unmapped address 0x${bus.toString(16)}`);
        // VPITCH is added to Y per memory row in both orientations [ARG Table 36: "added to Y"]. Horizontal: memory row
        // r -> VPM row Y + r*VPITCH, columns X + k; vertical: column X, rows Y + r*VPITCH + k. py-videocore's
        // test_vertical_32bit_load (4 rows of 16 words per load, VPITCH 0 = 16) fills one whole column, rows 0..63.
        const row = d.vert ? d.y + r * d.vpitch + k : d.y + r * d.vpitch;
        const col = d.vert ? d.x : d.x + k;
        const w = ((row + Math.floor(col / 16)) % ROWS) * 16 + (col % 16);
        if (bytes === 4) this.words[w] = v;
        else {
          const shift = 8 * bytes * part;
          const mask = (bytes === 2 ? 0xffff : 0xff) << shift;
          this.words[w] = (((this.words[w] as number) & ~mask) | ((v << shift) & mask)) >>> 0;
        }
      }
    }
    return d.nrows * d.rowlen * bytes;
  }
}
