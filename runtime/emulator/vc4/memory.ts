/**
 * GPU memory for the VC4 emulator: one flat image starting at a bus address.
 * VC4 bus addresses carry cache-alias bits 31:30 (0x0/0x4/0x8/0xC views of
 * the same SDRAM, shared/docs/hardware-interface.md §2.4); all are accepted.
 */

/** A fault the emulated program caused (bad address, unsupported unit, …). */
export class Vc4EmulatorError extends Error {
  constructor(message: string, readonly qpu: number, readonly address: number) {
    super(`QPU ${qpu} at 0x${address.toString(16).padStart(8, '0')}: ${message}`);
  }
}

/** Strip the alias bits of a bus address. */
export const physical = (bus: number): number => (bus & 0x3fffffff) >>> 0;

/** The memory image the emulated QPUs see. */
export class GpuMemory {
  readonly view: DataView;
  readonly base: number;
  constructor(readonly bytes: Uint8Array, baseBusAddress: number) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.base = physical(baseBusAddress);
  }
  /** Byte offset into the image of a bus address, or −1 when outside (or `size` bytes do not fit). */
  offset(bus: number, size = 4): number {
    const o = physical(bus) - this.base;
    return o >= 0 && o + size <= this.bytes.length ? o : -1;
  }
  read32(bus: number): number | undefined {
    const o = this.offset(bus & ~3);
    return o < 0 ? undefined : this.view.getUint32(o, true);
  }
  write32(bus: number, v: number): boolean {
    const o = this.offset(bus & ~3);
    if (o < 0) return false;
    this.view.setUint32(o, v >>> 0, true);
    return true;
  }
}
