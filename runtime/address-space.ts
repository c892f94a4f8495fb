/**
 * An allocator of GPU bus-address ranges for the emulators and the reference
 * memory: page-aligned ranges handed out and taken back, freed neighbours
 * merged, so that the address space is reused however many buffers come and
 * go. Allocation takes the largest free range (worst fit: the remainder stays
 * as large as possible) from a max-heap; freeing merges with the neighbours
 * found through maps keyed by range start and end. Both are O(log n) in the
 * number of free ranges (stale heap entries are skipped lazily).
 */

/** A free range [start, end). */
interface Range {
  start: number;
  end: number;
  /** False once merged away or allocated (the heap drops it when it surfaces). */
  live: boolean;
}

/** Bus-address ranges from `first` to `limit`, allocated in multiples of `page`. */
export class AddressSpace {
  private readonly heap: Range[] = [];
  private readonly byStart = new Map<number, Range>();
  private readonly byEnd = new Map<number, Range>();
  /** Size of each allocated range, by its start. */
  private readonly used = new Map<number, number>();

  constructor(
    first: number,
    limit: number,
    /** Allocation granule (bytes, a power of two). */
    readonly page: number,
  ) {
    if (limit > first) this.insert(first, limit);
  }

  /** Bytes in allocated ranges. */
  get usedBytes(): number {
    let n = 0;
    for (const s of this.used.values()) n += s;
    return n;
  }

  /** Number of allocated ranges. */
  get count(): number {
    return this.used.size;
  }

  /**
   * Reserve `size` bytes (rounded up to pages) plus `guard` bytes after them
   * that stay unmapped; returns the start address, or undefined when no free
   * range is large enough.
   */
  allocate(size: number, guard = 0): number | undefined {
    const need = Math.ceil(size / this.page) * this.page + guard;
    const top = this.top();
    if (top === undefined || top.end - top.start < need) return undefined;
    this.remove(top);
    if (top.end - top.start > need) this.insert(top.start + need, top.end);
    this.used.set(top.start, need);
    return top.start;
  }

  /** Give back the range starting at `start`; false when no allocation starts there. */
  free(start: number): boolean {
    const size = this.used.get(start);
    if (size === undefined) return false;
    this.used.delete(start);
    let s = start;
    let e = start + size;
    const before = this.byEnd.get(s);
    if (before) {
      this.remove(before);
      s = before.start;
    }
    const after = this.byStart.get(e);
    if (after) {
      this.remove(after);
      e = after.end;
    }
    this.insert(s, e);
    return true;
  }

  /** The largest live free range, dropping stale heap entries on the way. */
  private top(): Range | undefined {
    while (this.heap.length > 0 && !this.heap[0]!.live) this.pop();
    return this.heap[0];
  }

  private insert(start: number, end: number): void {
    const r: Range = { start, end, live: true };
    this.byStart.set(start, r);
    this.byEnd.set(end, r);
    const h = this.heap;
    h.push(r);
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (size(h[p]!) >= size(h[i]!)) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  private remove(r: Range): void {
    r.live = false;
    this.byStart.delete(r.start);
    this.byEnd.delete(r.end);
    // Stale heap entries go lazily; keep the heap from filling with them.
    if (this.heap.length > 64 && this.heap.length > 4 * this.byStart.size) this.rebuild();
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && size(h[l]!) > size(h[m]!)) m = l;
      if (r < h.length && size(h[r]!) > size(h[m]!)) m = r;
      if (m === i) break;
      [h[m], h[i]] = [h[i]!, h[m]!];
      i = m;
    }
  }

  private rebuild(): void {
    const live = this.heap.filter((r) => r.live);
    this.heap.length = 0;
    for (const r of live) {
      this.byStart.delete(r.start);
      this.byEnd.delete(r.end);
      this.insert(r.start, r.end);
    }
  }
}

const size = (r: Range): number => r.end - r.start;
