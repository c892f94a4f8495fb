/**
 * Device memory (a DRM buffer object, or physical memory through /dev/mem)
 * mapped into a JavaScript ArrayBuffer that can be detached when the memory
 * goes away.
 *
 * koffi.view() gives an ArrayBuffer over a mapping, but Node cannot detach
 * such an external buffer: after munmap every array over it would still
 * point at the hole and the next read kills the process (SIGSEGV). So the
 * drivers do it the other way round: allocate an ordinary ArrayBuffer, learn
 * its address, and map the device memory over its page-aligned interior with
 * MAP_FIXED. Freeing maps ordinary zeroed memory back in place (the
 * allocator owns those pages again) and detaches the ArrayBuffer: arrays over
 * it then have length 0, their methods throw a TypeError and element reads
 * give undefined, and nothing can reach freed device memory. If MAP_FIXED is
 * refused, the mapping falls back to koffi.view() and, when freed, is replaced
 * by zero pages (reads then give 0 instead of crashing).
 */
import koffi from 'koffi';
import { detachView, errnoName, isMapFailed, libc } from './system.ts';

const PROT_RW = 3;
const MAP_SHARED = 0x01;
const MAP_PRIVATE = 0x02;
const MAP_FIXED = 0x10;
const MAP_ANONYMOUS = 0x20;

/** Device memory with a JavaScript view. */
export interface HostMapping {
  /** The view (exactly `length` bytes). */
  readonly bytes: Uint8Array;
  readonly length: number;
  /** Bytes actually mapped (page-rounded). */
  readonly mappedLength: number;
  /** The mapping's address (for munmap/mmap over it). */
  readonly target: Uint8Array | unknown;
}

/** A failed mapping, with the errno name. */
export class MappingError extends Error {}

let cachedPage: number | undefined;

/** The kernel's page size (4 KiB on Pi 0–4 kernels, 16 KiB on Pi 5 ones). */
export function pageSize(): number {
  cachedPage ??= Number(libc().getpagesize());
  return cachedPage;
}

/** Map `length` bytes of `fd` at `offset` (shared, read-write). */
export function mapDeviceMemory(fd: number, length: number, offset: bigint | number): HostMapping {
  const c = libc();
  const page = pageSize();
  const mapped = Math.ceil(length / page) * page;
  const ab = new ArrayBuffer(mapped + page);
  const base = koffi.address(c.memset(new Uint8Array(ab), 0, 0));
  const delta = Number((BigInt(page) - (base % BigInt(page))) % BigInt(page));
  const window = new Uint8Array(ab, delta, mapped);
  const p = c.mmap64(window, mapped, PROT_RW, MAP_SHARED | MAP_FIXED, fd, offset);
  if (!isMapFailed(p) && koffi.address(p) === base + BigInt(delta)) {
    return { bytes: new Uint8Array(ab, delta, length), length, mappedLength: mapped, target: window };
  }
  if (!isMapFailed(p)) c.munmap(p, mapped);
  // Fallback: let the kernel choose the address, and view it through koffi.
  const q = c.mmap64(null, mapped, PROT_RW, MAP_SHARED, fd, offset);
  if (isMapFailed(q)) throw new MappingError(errnoName());
  return { bytes: new Uint8Array(koffi.view(q, mapped), 0, length), length, mappedLength: mapped, target: q };
}

/**
 * Drop the device mapping: ordinary zero pages take its place and, where
 * possible, the view is detached.
 */
export function unmapDeviceMemory(m: HostMapping): void {
  const c = libc();
  const p = c.mmap64(m.target, m.mappedLength, PROT_RW, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0);
  if (isMapFailed(p)) c.munmap(m.target, m.mappedLength);
  detachView(m.bytes);
}
