/**
 * Typed arrays that live in GPU-visible memory: which device buffer backs an
 * array the user holds, and at what GPU address its first element sits.
 */
import type { DeviceBuffer } from './device.ts';

/** The typed-array constructors `Runtime.alloc` accepts. */
export type TypedArrayConstructor =
  | Float32ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Uint8ArrayConstructor
  | Uint16ArrayConstructor
  | Int8ArrayConstructor
  | Int16ArrayConstructor;

/** Any typed array `Runtime.alloc` can return. */
export type GpuArray = Float32Array | Int32Array | Uint32Array | Uint8Array | Uint16Array | Int8Array | Int16Array;

/** Element type name (as kernels spell it) of a typed array. */
export function elemTypeOf(a: GpuArray): string {
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Uint32Array) return 'u32';
  if (a instanceof Uint8Array) return 'u8';
  if (a instanceof Uint16Array) return 'u16';
  if (a instanceof Int8Array) return 'i8';
  return 'i16';
}

/** Remembers which device buffer backs each allocated array's memory. */
export class BufferTable {
  private readonly buffers = new Set<DeviceBuffer>();
  /** Buffers by the ArrayBuffer behind their bytes (usually one each): lookups do not scan every buffer. */
  private readonly byStore = new Map<ArrayBufferLike, DeviceBuffer[]>();

  /** Record a buffer; arrays viewing its memory resolve to it. */
  add(buffer: DeviceBuffer): void {
    this.buffers.add(buffer);
    const list = this.byStore.get(buffer.bytes.buffer);
    if (list) list.push(buffer);
    else this.byStore.set(buffer.bytes.buffer, [buffer]);
  }

  /** Forget a buffer. */
  remove(buffer: DeviceBuffer): void {
    this.buffers.delete(buffer);
    const list = this.byStore.get(buffer.bytes.buffer);
    if (!list) return;
    const rest = list.filter((b) => b !== buffer);
    if (rest.length > 0) this.byStore.set(buffer.bytes.buffer, rest);
    else this.byStore.delete(buffer.bytes.buffer);
  }

  /** The buffer behind an array (or a subarray of one), or undefined if it is not GPU memory of this runtime. */
  find(array: ArrayBufferView): DeviceBuffer | undefined {
    for (const b of this.byStore.get(array.buffer) ?? []) {
      if (b.bytes.buffer !== array.buffer) continue;
      const start = array.byteOffset - b.bytes.byteOffset;
      if (start >= 0 && start + array.byteLength <= b.size) return b;
    }
    return undefined;
  }

  /** GPU address of an array's first byte. */
  gpuAddress(array: ArrayBufferView): number | undefined {
    const b = this.find(array);
    return b ? b.gpuAddress + (array.byteOffset - b.bytes.byteOffset) : undefined;
  }

  /** Every live buffer. */
  all(): DeviceBuffer[] {
    return [...this.buffers];
  }
}
