/**
 * Memory for the reference backend: buffers at made-up GPU addresses in the
 * emulators' address space (GpuMemory), read and written byte-addressed and
 * little-endian by the IR interpreter, so that kernels see exactly the pointer
 * values they would on the GPU and out-of-bounds accesses fault the same way.
 */
import type { DeviceBuffer } from './device.ts';
import { GpuMemory } from './emulator/memory.ts';
import { AddressSpace } from './address-space.ts';
import { RuntimeError, RUNTIME_ERROR_CODES } from './errors.ts';
import { bitsToF32, f32Bits } from '../compiler/ir/f32.ts';

const PAGE = 4096;

/** A bounds-checked flat address space of separately allocated buffers. */
export class ReferenceMemory {
  private readonly memory = new GpuMemory();
  private readonly buffers = new Set<DeviceBuffer>();
  /** Bus-address ranges; freed buffers' addresses are reused. */
  private readonly space = new AddressSpace(0x1000_0000, 0xffff_f000, PAGE);
  private nextHandle = 1;

  /** Allocate `size` bytes, zeroed, page-aligned. */
  allocate(size: number): DeviceBuffer {
    if (!Number.isInteger(size) || size <= 0) throw new RuntimeError(`buffer size must be a positive integer, got ${size}`);
    const rounded = Math.ceil(size / PAGE) * PAGE;
    const gpuAddress = this.space.allocate(rounded, PAGE); // a guard page after each buffer catches overruns
    if (gpuAddress === undefined) throw new RuntimeError(`reference address space exhausted: no free range of ${rounded} bytes; free arrays you no longer need`, RUNTIME_ERROR_CODES.OUT_OF_MEMORY);
    const bytes = new Uint8Array(rounded);
    const buffer: DeviceBuffer = { handle: this.nextHandle++, gpuAddress, size: rounded, bytes };
    this.memory.map(buffer.gpuAddress, bytes);
    this.buffers.add(buffer);
    return buffer;
  }

  /** Release a buffer. */
  free(buffer: DeviceBuffer): void {
    if (!this.buffers.delete(buffer)) return;
    this.memory.unmap(buffer.gpuAddress);
    this.space.free(buffer.gpuAddress);
  }

  /** Read one element; narrow integer types are widened (u8/u16 zero-, i8/i16 sign-extended). */
  read(address: number, elemType: string): number {
    const a = address >>> 0;
    switch (elemType) {
      case 'f32': return bitsToF32(this.memory.read32(a));
      case 'i32': return this.memory.read32(a) | 0;
      case 'u32': return this.memory.read32(a);
      case 'u8': return this.memory.read8(a);
      case 'i8': return (this.memory.read8(a) << 24) >> 24;
      case 'u16': return this.memory.read16(a);
      case 'i16': return (this.memory.read16(a) << 16) >> 16;
    }
    throw new TypeError(`unknown element type '${elemType}'`);
  }

  /** Write one element, truncating integers to the element's width. */
  write(address: number, elemType: string, value: number): void {
    const a = address >>> 0;
    switch (elemType) {
      case 'f32': this.memory.write32(a, f32Bits(value)); return;
      case 'i32': case 'u32': this.memory.write32(a, value >>> 0); return;
      case 'u8': case 'i8': this.memory.write8(a, value & 0xff); return;
      case 'u16': case 'i16': this.memory.write16(a, value & 0xffff); return;
    }
    throw new TypeError(`unknown element type '${elemType}'`);
  }
}
