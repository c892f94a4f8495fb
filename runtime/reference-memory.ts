/**
 * Memory for the reference backend: buffers at made-up GPU addresses, read
 * and written byte-addressed and little-endian by the IR interpreter, so that
 * kernels see exactly the pointer values they would on the GPU.
 */
import type { DeviceBuffer } from './device.ts';

const PAGE = 4096;

/** A bounds-checked flat address space of separately allocated buffers. */
export class ReferenceMemory {
  private readonly buffers: { buffer: DeviceBuffer; view: DataView }[] = [];
  private nextAddress = 0x1000_0000;
  private nextHandle = 1;
  private last: { buffer: DeviceBuffer; view: DataView } | undefined;

  /** Allocate `size` bytes, zeroed, page-aligned. */
  allocate(size: number): DeviceBuffer {
    if (!Number.isInteger(size) || size <= 0) throw new RangeError(`buffer size must be a positive integer, got ${size}`);
    const rounded = Math.ceil(size / PAGE) * PAGE;
    const bytes = new Uint8Array(rounded);
    const buffer: DeviceBuffer = { handle: this.nextHandle++, gpuAddress: this.nextAddress, size: rounded, bytes };
    this.nextAddress += rounded + PAGE; // a guard page between buffers catches overruns
    this.buffers.push({ buffer, view: new DataView(bytes.buffer) });
    return buffer;
  }

  /** Release a buffer. */
  free(buffer: DeviceBuffer): void {
    const k = this.buffers.findIndex((b) => b.buffer === buffer);
    if (k >= 0) this.buffers.splice(k, 1);
    if (this.last?.buffer === buffer) this.last = undefined;
  }

  private locate(address: number, size: number): { view: DataView; offset: number } {
    const hit = (b: { buffer: DeviceBuffer; view: DataView }) =>
      address >= b.buffer.gpuAddress && address + size <= b.buffer.gpuAddress + b.buffer.size;
    let b = this.last && hit(this.last) ? this.last : undefined;
    if (!b) {
      b = this.buffers.find(hit);
      if (!b) {
        throw new RangeError(`memory access of ${size} bytes at 0x${(address >>> 0).toString(16)} is outside every allocated buffer`);
      }
      this.last = b;
    }
    return { view: b.view, offset: address - b.buffer.gpuAddress };
  }

  /** Read one element; narrow integer types are widened (u8/u16 zero-, i8/i16 sign-extended). */
  read(address: number, elemType: string): number {
    const size = elemType.endsWith('8') ? 1 : elemType.endsWith('16') ? 2 : 4;
    const { view, offset } = this.locate(address >>> 0, size);
    switch (elemType) {
      case 'f32': return view.getFloat32(offset, true);
      case 'i32': return view.getInt32(offset, true);
      case 'u32': return view.getUint32(offset, true);
      case 'u8': return view.getUint8(offset);
      case 'i8': return view.getInt8(offset);
      case 'u16': return view.getUint16(offset, true);
      case 'i16': return view.getInt16(offset, true);
    }
    throw new TypeError(`unknown element type '${elemType}'`);
  }

  /** Write one element, truncating integers to the element's width. */
  write(address: number, elemType: string, value: number): void {
    const size = elemType.endsWith('8') ? 1 : elemType.endsWith('16') ? 2 : 4;
    const { view, offset } = this.locate(address >>> 0, size);
    switch (elemType) {
      case 'f32': view.setFloat32(offset, value, true); return;
      case 'i32': case 'u32': view.setUint32(offset, value >>> 0, true); return;
      case 'u8': case 'i8': view.setUint8(offset, value & 0xff); return;
      case 'u16': case 'i16': view.setUint16(offset, value & 0xffff, true); return;
    }
    throw new TypeError(`unknown element type '${elemType}'`);
  }
}
