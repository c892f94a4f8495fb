/**
 * GPU memory as the emulators see it: a set of regions, each a base bus
 * address plus the bytes behind it. A real V3D reaches memory through its MMU;
 * an access outside every mapped buffer is a fault the kernel only logs
 * (shared/docs/v3d-semantics-notes.md 5.3), so the emulator stops with a clear
 * error instead of inventing a value.
 */
import { RuntimeError, RUNTIME_ERROR_CODES } from '../errors.ts';

/** One mapped range of GPU memory. */
export interface MemoryRegion {
  /** Bus address of byte 0. */
  readonly base: number;
  readonly bytes: Uint8Array;
}

/** An access that hit no region (or straddled a region's end). */
export class MemoryFaultError extends RuntimeError {
  /** Byte address of the instruction whose access faulted, and its QPU, when the executor knows them. */
  pc: number | undefined;
  qpu: number | undefined;
  constructor(readonly address: number, readonly size: number, readonly write: boolean) {
    super(`GPU memory fault: ${write ? 'write' : 'read'} of ${size} bytes at 0x${(address >>> 0).toString(16).padStart(8, '0')} is outside every mapped buffer`, RUNTIME_ERROR_CODES.MEMORY_FAULT);
  }
}

/** Host byte order is little-endian (then a Uint32Array view reads GPU words directly). */
const HOST_LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** A mapped region with its views. */
interface Region {
  base: number;
  end: number;
  bytes: Uint8Array;
  view: DataView;
  /** Aligned 32-bit words (word k = bytes 4k..4k+3) on a little-endian host with a 4-aligned buffer, else undefined. */
  words: Uint32Array | undefined;
}

/** GPU-visible memory made of regions; 32-bit accesses are little-endian. */
export class GpuMemory {
  /** Regions sorted by base address (binary search: mapping, unmapping and lookup stay fast with 100 000 buffers). */
  private regions: Region[] = [];
  /** Last region hit: kernels stream through one buffer, so this skips the search. */
  private last: Region | undefined;

  /** Map `bytes` at bus address `base`; regions must not overlap. */
  map(base: number, bytes: Uint8Array): MemoryRegion {
    const b = base >>> 0;
    const end = b + bytes.length;
    if (end > 0x1_0000_0000) throw new RangeError(`region at 0x${b.toString(16)} of ${bytes.length} bytes passes 4 GiB`);
    // Insertion point: the first region starting at or after b. Only its neighbours can overlap.
    const i = this.lowerBound(b);
    const prev = this.regions[i - 1];
    const next = this.regions[i];
    for (const r of [prev, next]) {
      if (r && b < r.end && r.base < end) throw new RangeError(`region at 0x${b.toString(16)} overlaps the one at 0x${r.base.toString(16)}`);
    }
    const words = HOST_LE && bytes.byteOffset % 4 === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2) : undefined;
    const region: Region = { base: b, end, bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), words };
    this.regions.splice(i, 0, region);
    return { base: b, bytes };
  }

  /** Remove the region starting at `base`. */
  unmap(base: number): void {
    const b = base >>> 0;
    const i = this.lowerBound(b);
    if (this.regions[i]?.base !== b) throw new RangeError(`no region at 0x${b.toString(16)}`);
    if (this.last === this.regions[i]) this.last = undefined;
    this.regions.splice(i, 1);
  }

  /** Index of the first region whose base is >= `a`. */
  private lowerBound(a: number): number {
    let lo = 0;
    let hi = this.regions.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.regions[mid] as Region).base < a) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The mapped regions, in address order. */
  list(): MemoryRegion[] {
    return this.regions.map((r) => ({ base: r.base, bytes: r.bytes }));
  }

  /** The region holding [address, address + size), remembering the last hit (accesses cluster). */
  private locate(address: number, size: number): Region | undefined {
    const a = address >>> 0;
    const l = this.last;
    if (l !== undefined && a >= l.base && a + size <= l.end) return l;
    // The candidate is the last region starting at or before a.
    const i = this.lowerBound(a + 1) - 1;
    const r = this.regions[i];
    if (r !== undefined && a >= r.base && a + size <= r.end) {
      this.last = r;
      return r;
    }
    return undefined;
  }

  private find(address: number, size: number, write: boolean): Region {
    const r = this.locate(address, size);
    if (r === undefined) throw new MemoryFaultError(address >>> 0, size, write);
    return r;
  }

  /**
   * The region holding bytes [address, address + size), or undefined: lets a
   * 16-lane access resolve its region once instead of per lane.
   */
  regionFor(address: number, size: number): { readonly base: number; readonly end: number; readonly view: DataView; readonly words: Uint32Array | undefined } | undefined {
    return this.locate(address, size);
  }

  /** Read a 32-bit little-endian word (unsigned). */
  read32(address: number): number {
    const r = this.find(address, 4, false);
    return r.view.getUint32((address >>> 0) - r.base, true);
  }

  /** Write a 32-bit little-endian word. */
  write32(address: number, value: number): void {
    const r = this.find(address, 4, true);
    r.view.setUint32((address >>> 0) - r.base, value >>> 0, true);
  }

  /** Read a 16-bit little-endian value (unsigned). */
  read16(address: number): number {
    const r = this.find(address, 2, false);
    return r.view.getUint16((address >>> 0) - r.base, true);
  }

  /** Write the low 16 bits of `value`. */
  write16(address: number, value: number): void {
    const r = this.find(address, 2, true);
    r.view.setUint16((address >>> 0) - r.base, value & 0xffff, true);
  }

  /** Read one byte. */
  read8(address: number): number {
    const r = this.find(address, 1, false);
    return r.bytes[(address >>> 0) - r.base] as number;
  }

  /** Write the low 8 bits of `value`. */
  write8(address: number, value: number): void {
    const r = this.find(address, 1, true);
    r.bytes[(address >>> 0) - r.base] = value & 0xff;
  }

  /** Read a 64-bit little-endian word (instruction fetch). */
  read64(address: number): bigint {
    const r = this.find(address, 8, false);
    return r.view.getBigUint64((address >>> 0) - r.base, true);
  }

  /** Copy `length` bytes starting at `address` (must lie in one region). */
  readBytes(address: number, length: number): Uint8Array {
    const r = this.find(address, length, false);
    const o = (address >>> 0) - r.base;
    return r.bytes.slice(o, o + length);
  }

  /** Copy `data` to `address` (must lie in one region). */
  writeBytes(address: number, data: Uint8Array): void {
    const r = this.find(address, data.length, true);
    r.bytes.set(data, (address >>> 0) - r.base);
  }
}
