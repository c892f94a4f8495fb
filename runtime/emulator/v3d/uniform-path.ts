/**
 * The uniform streams' view of memory. Uniforms are fetched through a path
 * that does not see the job's own TMU writes: py-videocore6/7
 * `test_tmu_read_tmu_write_uniform_read` stores, waits with `tmuwt`, points
 * the uniform stream at the stored words and reads the OLD value on a Pi 4
 * and a Pi 5 (semantics notes 1, Uniforms) [T].
 *
 * CHOICE (how long a write stays invisible is unknown): a TMU write never
 * becomes visible to the uniform streams of the same job. Implemented as
 * copy-on-first-write of 4 KiB pages: before a TMU store or atomic changes a
 * page for the first time in the job, its contents are saved, and uniform
 * reads from a saved page return the saved word.
 */
import type { GpuMemory } from '../memory.ts';

const PAGE_BITS = 12;
const PAGE = 1 << PAGE_BITS;

/** Job-start contents of the pages TMU writes have touched, read by the uniform streams. */
export class UniformPath {
  private readonly saved = new Map<number, Uint8Array>();
  private lastPage = -1;

  constructor(private readonly mem: GpuMemory) {}

  /** Call before a TMU write to `address` changes memory. */
  beforeWrite(address: number): void {
    const p = address >>> PAGE_BITS;
    if (p === this.lastPage) return;
    this.lastPage = p;
    if (this.saved.has(p)) return;
    const copy = new Uint8Array(PAGE);
    const start = p * PAGE;
    for (let a = start; a < start + PAGE;) {
      const r = this.mem.regionFor(a, 1);
      if (r === undefined) {
        a++;
        continue;
      }
      const n = Math.min(r.end, start + PAGE) - a;
      copy.set(new Uint8Array(r.view.buffer, r.view.byteOffset + (a - r.base), n), a - start);
      a += n;
    }
    this.saved.set(p, copy);
  }

  /** The 32-bit word a uniform stream reads at `address` (faults like GpuMemory.read32 outside every buffer). */
  read32(address: number): number {
    const v = this.mem.read32(address);
    if (this.saved.size === 0) return v;
    const a = address >>> 0;
    const page = this.saved.get(a >>> PAGE_BITS);
    if (page === undefined) return v;
    const o = a & (PAGE - 1);
    if (o > PAGE - 4) return v; // a word straddling two pages: CHOICE, read memory
    return (page[o] as number) | ((page[o + 1] as number) << 8) | ((page[o + 2] as number) << 16) | (((page[o + 3] as number) << 24) >>> 0);
  }
}
