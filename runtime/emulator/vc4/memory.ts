/**
 * GPU memory for the VC4 emulator: one flat image starting at a bus address.
 * VC4 bus addresses carry cache-alias bits 31:30 (0x0/0x4/0x8/0xC views of
 * the same SDRAM, shared/docs/hardware-interface.md §2.4); all are accepted.
 */
import { RuntimeError, RUNTIME_ERROR_CODES } from '../../errors.ts';

/** A fault the emulated program caused (bad address, unsupported unit, …). */
export class Vc4EmulatorError extends RuntimeError {
  constructor(message: string, readonly qpu: number, readonly address: number) {
    super(`QPU ${qpu} at 0x${address.toString(16).padStart(8, '0')}: ${message}`, RUNTIME_ERROR_CODES.EXECUTION);
  }
}

/** The job ran past its cycle limit (a Vc4EmulatorError, so callers that handle those keep working). */
export class Vc4CycleLimitError extends Vc4EmulatorError {
  constructor(readonly maxCycles: number, qpu: number, address: number) {
    super(`exceeded ${maxCycles} cycles (deadlock or endless loop?)`, qpu, address);
  }
}

/** Strip the alias bits of a bus address. */
export const physical = (bus: number): number => (bus & 0x3fffffff) >>> 0;

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The memory image the emulated QPUs see. */
export class GpuMemory {
  readonly view: DataView;
  readonly base: number;
  /**
   * Word view of the image when words line up with it and the host is little-endian
   * (the GPU's byte order): word accesses then skip DataView's per-call byte-order handling.
   */
  readonly words: Uint32Array | null;
  /** Image size in bytes (a plain field: cheaper than a typed array's length in hot loops). */
  readonly size: number;
  constructor(readonly bytes: Uint8Array, baseBusAddress: number) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.base = physical(baseBusAddress);
    const aligned = bytes.byteOffset % 4 === 0 && this.base % 4 === 0 && HOST_LITTLE_ENDIAN;
    this.words = aligned ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2) : null;
    this.size = bytes.byteLength;
  }
  /** Index into `words` of the word at a bus address (bits 1:0 ignored), or −1 outside the image. */
  wordIndex(bus: number): number {
    const o = (bus & 0x3ffffffc) - this.base;
    return o >= 0 && o + 4 <= this.size ? o >>> 2 : -1;
  }
  /** Byte offset into the image of a bus address, or −1 when outside (or `size` bytes do not fit). */
  offset(bus: number, size = 4): number {
    const o = physical(bus) - this.base;
    return o >= 0 && o + size <= this.bytes.length ? o : -1;
  }
  /** The word at a bus address (bits 1:0 ignored), or undefined outside the image. */
  read32(bus: number): number | undefined {
    const o = (bus & 0x3ffffffc) - this.base;
    if (o < 0 || o + 4 > this.size) return undefined;
    return this.words ? this.words[o >>> 2] : this.view.getUint32(o, true);
  }
  /** A 16-bit (`bytes` 2, address & ~1) or 8-bit little-endian value, or undefined outside the image. */
  readSub(bus: number, bytes: 1 | 2): number | undefined {
    const o = this.offset(bytes === 2 ? bus & ~1 : bus, bytes);
    if (o < 0) return undefined;
    return bytes === 2 ? this.view.getUint16(o, true) : this.view.getUint8(o);
  }
  /** Write a 16-bit or 8-bit value; false when outside the image. */
  writeSub(bus: number, v: number, bytes: 1 | 2): boolean {
    const o = this.offset(bytes === 2 ? bus & ~1 : bus, bytes);
    if (o < 0) return false;
    if (bytes === 2) this.view.setUint16(o, v, true);
    else this.view.setUint8(o, v);
    return true;
  }
  /** Write the word at a bus address (bits 1:0 ignored); false when outside the image. */
  write32(bus: number, v: number): boolean {
    const o = (bus & 0x3ffffffc) - this.base;
    if (o < 0 || o + 4 > this.size) return false;
    if (this.words) this.words[o >>> 2] = v;
    else this.view.setUint32(o, v >>> 0, true);
    return true;
  }
}
