/**
 * Bench rows of kernels/scan.ts, compact.ts, histogram.ts and sort.ts in the emulators' timing model. Bytes are
 * counted as the rows' contract says (each input read once, each output written once): scan 4 + 4 bytes per
 * element, compaction 4 per element read plus 4 per element kept, histogram 4 per value plus the counts, sort
 * 4 + 4 per key (its network reads and writes the keys log2(P)(log2(P)+1)/2 times, so it is far below that limit).
 * Each row says which of its bytes are writes (V3D writes at a lower bandwidth than it reads).
 */
import { Runtime, type LaunchResult, type Target } from '../../runtime/index.ts';
import { exclusiveScan, inclusiveScan } from '../../kernels/scan.ts';
import { compact } from '../../kernels/compact.ts';
import { histogram } from '../../kernels/histogram.ts';
import { sort } from '../../kernels/sort.ts';
import type { KernelRowWithWrites } from '../kernels.ts';

/** Rows for one target. */
export async function rows(target: Target): Promise<KernelRowWithWrites[]> {
  const rt = await Runtime.open({ backend: 'emulator', target, log: () => {} });
  try {
    const n = target === 'vc4' ? 16 * 1024 : 64 * 1024;
    const label = `${n / 1024}K`;
    const out: KernelRowWithWrites[] = [];
    const add = (name: string, r: LaunchResult, bytes: number, flops: number, bytesWritten: number) =>
      out.push({ name, target, seconds: r.profile?.seconds ?? NaN, bound: 'memory', flops, bytes, bytesWritten });
    const u = rt.alloc(Uint32Array, n);
    for (let i = 0; i < n; i++) u[i] = ((i * 2654435761) >>> 0) % 1000;
    const y = rt.alloc(Uint32Array, n);
    add(`inclusiveScan u32 ${label}`, await inclusiveScan(rt, { x: u, y }), 8 * n, n, 4 * n);
    let s = 0;
    for (let i = 0; i < n; i++) if (y[i] !== (s = (s + (u[i] as number)) >>> 0)) throw new Error(`inclusiveScan on ${target} is wrong at ${i}`);
    add(`exclusiveScan u32 ${label}`, await exclusiveScan(rt, { x: u, y }), 8 * n, n, 4 * n);
    s = 0;
    for (let i = 0; i < n; i++) {
      if (y[i] !== s) throw new Error(`exclusiveScan on ${target} is wrong at ${i}`);
      s = (s + (u[i] as number)) >>> 0;
    }
    const c = await compact(rt, { x: u, y, where: { op: '<', value: 500 } });
    if (c.count !== Array.from(u).filter((v) => v < 500).length) throw new Error(`compact on ${target} is wrong`);
    add(`compact u32 < (half kept) ${label}`, c, 4 * n + 4 * c.count, n, 4 * c.count);
    const counts = rt.alloc(Uint32Array, 64);
    const h = await histogram(rt, { values: u, counts, bins: 64 });
    add(`histogram 64 bins ${label}`, h, 4 * n + 4 * 64, n, 4 * 64);
    const m = target === 'vc4' ? 1024 : 4096;
    const keys = rt.alloc(Float32Array, m);
    for (let i = 0; i < m; i++) keys[i] = Math.fround(Math.sin(i * 12.9898) * 1000);
    const r = await sort(rt, { keys });
    for (let i = 1; i < m; i++) if (!((keys[i - 1] as number) <= (keys[i] as number))) throw new Error(`sort on ${target} is wrong at ${i}`);
    add(`sort f32 ${m / 1024}K`, r, 8 * m, 0, 4 * m);
    // A bitonic network reads and writes every key log2(m)(log2(m) + 1)/2 times: no streaming function.
    (out[out.length - 1] as KernelRowWithWrites).streaming = false;
    return out;
  } finally {
    rt.close();
  }
}
