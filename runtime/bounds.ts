/**
 * Bounds-checked launches: every buffer's exact range is known (the size
 * `alloc` was asked for, not the page-rounded one), so an access outside all
 * of them is reported as the first out-of-bounds access, with the buffer it
 * missed and the kernel source line of the instruction.
 *
 * The check sits at the device boundary: the emulated GPU maps each buffer at
 * exactly its requested size and faults on anything else (compiled code is
 * not instrumented — the same machine code runs checked and unchecked).
 */
import type { MemoryFaultError } from './emulator/memory.ts';
import { RuntimeError, RUNTIME_ERROR_CODES } from './errors.ts';

/** An access outside every buffer of a checked launch (code 'memory-fault'). */
export class OutOfBoundsError extends RuntimeError {
  constructor(message: string) {
    super(message, RUNTIME_ERROR_CODES.MEMORY_FAULT);
  }
}

/** A buffer's exact range. */
export interface BufferRange {
  gpuAddress: number;
  /** Bytes the user asked for. */
  length: number;
}

const hex = (a: number) => `0x${(a >>> 0).toString(16).padStart(8, '0')}`;

/** Where `address` lies relative to the nearest buffer. */
export function describeAddress(address: number, ranges: readonly BufferRange[]): string {
  let best: { d: number; text: string } | undefined;
  for (const r of ranges) {
    const end = r.gpuAddress + r.length;
    const d = address >= end ? address - end : r.gpuAddress - address;
    if (address >= r.gpuAddress && address < end) return `inside the ${r.length}-byte buffer at ${hex(r.gpuAddress)}`;
    const text = address >= end
      ? `${d === 0 ? 'just past' : `${d} bytes past`} the end of the ${r.length}-byte buffer at ${hex(r.gpuAddress)}`
      : `${d} bytes before the ${r.length}-byte buffer at ${hex(r.gpuAddress)}`;
    if (!best || d < best.d) best = { d, text };
  }
  return best ? best.text : 'and no buffer is allocated';
}

/** The error for a memory fault of a checked launch. */
export function outOfBounds(
  fault: MemoryFaultError,
  ranges: readonly BufferRange[],
  kernel: string,
  sourceMap?: ReadonlyMap<number, { file: string; line: number; col: number }>,
): OutOfBoundsError {
  const loc = fault.pc !== undefined ? sourceMap?.get(fault.pc) : undefined;
  const where = loc ? ` at ${loc.file}:${loc.line}:${loc.col}` : fault.pc !== undefined ? ` by the instruction at ${hex(fault.pc)}` : '';
  const qpu = fault.qpu !== undefined ? ` (QPU ${fault.qpu})` : '';
  return new OutOfBoundsError(
    `${kernel}: out-of-bounds ${fault.write ? 'write' : 'read'} of ${fault.size} bytes at ${hex(fault.address)}, ${describeAddress(fault.address, ranges)}${where}${qpu}; ` +
    'check the index against the array length (every buffer is checked at its exact size)',
  );
}
