/**
 * The VPM (vertex pipe memory, 64 rows × 16 words addressable by user
 * programs) with its QPU read/write setups and the VCD (DMA load) and VDW
 * (DMA store) engines [ARG §7 p.53–60; shared/docs/vc4-isa-notes.md §3].
 *
 * Modelled: 32-bit horizontal and vertical generic access with strides,
 * 32-bit DMA loads and stores (horizontal and vertical, strides, pitches).
 * 8/16-bit modes raise an error instead of guessing.
 */
import type { GpuMemory } from './memory.ts';

/** Thrown for VPM/DMA setups the model does not implement or that are invalid. */
export class VpmError extends Error {
  override name = 'VpmError';
}

const ROWS = 64;

/** A generic read or write setup [ARG Tables 32–33]. */
interface Access {
  horiz: boolean;
  stride: number;
  addr: number;
  /** Reads left (reads only). */
  remaining: number;
}

/** Per-QPU VPM and DMA setup state (the VPM itself and the engines are shared). */
export class VpmPort {
  read?: Access;
  write?: Access;
  /** Last DMA store setup (basic) and stride. */
  vdw = { units: 1, depth: 16, horiz: true, y: 0, x: 0, stride: 0 };
  /** Last DMA load setup. */
  vcd = { rowlen: 16, nrows: 1, vpitch: 1, vert: false, y: 0, x: 0, pitch: 0, pitchB: 0 };
  /** Tick at which the last DMA load / store completes. */
  loadDoneAt = 0;
  storeDoneAt = 0;

  /** vr_busy (A file) / vw_busy (B file): whether this QPU's last DMA load / store is still running [ARG p.56]. */
  busy(store: boolean, tick: number): boolean {
    return (store ? this.storeDoneAt : this.loadDoneAt) > tick;
  }
}

/** The shared VPM. */
export class Vpm {
  readonly words = new Uint32Array(ROWS * 16);

  /** Write to vr_setup (`write` false) or vw_setup: generic setups or DMA setups. */
  setup(port: VpmPort, value: number, isWrite: boolean): void {
    const v = value >>> 0;
    const id = v >>> 30;
    if (isWrite && id === 2) {
      const units = (v >>> 23) & 0x7f;
      const depth = (v >>> 16) & 0x7f;
      if ((v & 7) !== 0) throw new VpmError('DMA store MODEW 8/16-bit is not emulated (32-bit only)');
      port.vdw = { ...port.vdw, units: units || 128, depth: depth || 128, horiz: ((v >>> 14) & 1) === 1, y: (v >>> 7) & 0x7f, x: (v >>> 3) & 15 };
      return;
    }
    if (isWrite && id === 3) {
      port.vdw.stride = v & 0xffff; // 16 bits per [ADD, VASM-Q]
      return;
    }
    if (!isWrite && (v >>> 31) === 1) {
      if ((v >>> 28) === 9) {
        port.vcd.pitchB = v & 0x1fff;
        return;
      }
      if (((v >>> 28) & 7) !== 0) throw new VpmError('DMA load MODEW 8/16-bit is not emulated (32-bit only)');
      const mp = (v >>> 24) & 15;
      port.vcd = {
        ...port.vcd, pitch: mp ? 8 * 2 ** mp : 0, rowlen: ((v >>> 20) & 15) || 16, nrows: ((v >>> 16) & 15) || 16,
        vpitch: ((v >>> 12) & 15) || 16, vert: ((v >>> 11) & 1) === 1, y: (v >>> 4) & 0x3f, x: v & 15,
      };
      return;
    }
    if (id !== 0) throw new VpmError(`unsupported ${isWrite ? 'vw' : 'vr'}_setup 0x${v.toString(16)}`);
    const size = (v >>> 8) & 3;
    if (size !== 2) throw new VpmError('VPM 8/16-bit generic access is not emulated (32-bit only)');
    const acc: Access = { horiz: ((v >>> 11) & 1) === 1, stride: ((v >>> 12) & 0x3f) || 64, addr: v & 0xff, remaining: ((v >>> 20) & 15) || 16 };
    if (isWrite) port.write = acc;
    else port.read = acc;
  }

  /** Word indices of the 16 elements of the vector at `addr` [ARG Tables 32–33]. */
  private vector(acc: Access, k: number): number {
    if (acc.horiz) return ((acc.addr & 0x3f) % ROWS) * 16 + k;
    const y = acc.addr & 0x30;
    const x = acc.addr & 15;
    return (((y + k) % ROWS) * 16) + x;
  }

  /** A QPU read of `vpm`: the next vector of the read setup. */
  readVector(port: VpmPort, out: Uint32Array, o: number): void {
    const acc = port.read;
    if (!acc || acc.remaining <= 0) throw new VpmError('VPM read without a pending read setup (or more reads than NUM)');
    for (let k = 0; k < 16; k++) out[o + k] = this.words[this.vector(acc, k)] as number;
    acc.addr = (acc.addr + acc.stride) & 0xff;
    acc.remaining--;
  }

  /** A QPU write to `vpm`. */
  writeVector(port: VpmPort, v: Uint32Array, o: number): void {
    const acc = port.write;
    if (!acc) throw new VpmError('VPM write without a write setup');
    for (let k = 0; k < 16; k++) this.words[this.vector(acc, k)] = v[o + k] as number;
    acc.addr = (acc.addr + acc.stride) & 0xff;
  }

  /** Start a DMA store of the last VDW setup to bus address `addr`; returns bytes moved. */
  store(port: VpmPort, mem: GpuMemory, addr: number): number {
    const d = port.vdw;
    let a = addr >>> 0;
    for (let r = 0; r < d.units; r++) {
      for (let k = 0; k < d.depth; k++) {
        // Horizontal: memory row r comes from VPM row Y + r; vertical: from VPM column X + r [ARG Table 34].
        const row = d.horiz ? d.y + r + Math.floor((d.x + k) / 16) : d.y + k;
        const col = d.horiz ? (d.x + k) % 16 : (d.x + r) % 16;
        const w = this.words[(row % ROWS) * 16 + col] as number;
        if (!mem.write32(a, w)) throw new VpmError(`DMA store to unmapped address 0x${(a >>> 0).toString(16)}`);
        a += 4;
      }
      a += d.stride; // stride: bytes from the end of one row to the start of the next
    }
    return d.units * d.depth * 4;
  }

  /** Start a DMA load of the last VCD setup from bus address `addr`; returns bytes moved. */
  load(port: VpmPort, mem: GpuMemory, addr: number): number {
    const d = port.vcd;
    const pitch = d.pitch || d.pitchB;
    for (let r = 0; r < d.nrows; r++) {
      for (let k = 0; k < d.rowlen; k++) {
        const bus = (addr + r * pitch + 4 * k) >>> 0;
        const w = mem.read32(bus);
        if (w === undefined) throw new VpmError(`DMA load from unmapped address 0x${bus.toString(16)}`);
        // Horizontal: memory row r → VPM row Y + r·VPITCH; vertical: → column X + r·VPITCH, rows Y + k [ARG Table 36].
        const row = d.vert ? d.y + k : d.y + r * d.vpitch;
        const col = d.vert ? d.x + r * d.vpitch : d.x + k;
        this.words[((row + Math.floor(col / 16)) % ROWS) * 16 + (col % 16)] = w;
      }
    }
    return d.nrows * d.rowlen * 4;
  }
}
