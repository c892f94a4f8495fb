/**
 * Workgroup-shared memory pays (docs/language.md "Workgroups"): kernels of
 * kernels/workgroups.ts and kernels/matmul-tiled.ts on the emulators, their
 * modelled time (docs/timing-model.md) side by side. Each result is checked
 * against plain JS before its time is reported. `npm run bench -- workgroups`.
 *
 * - matrix product C = A B, n x n: `Matmul.naive` (one work item per element
 *   of C, straight from the definition) against `MatmulTiled.tiled16` (16 x 16
 *   tiles of A and B staged in shared memory, 256-item workgroups, one element
 *   per work item; V3D) and
 *   `Matmul.tiled` (A's 16 x 16 tile transposed in shared memory, 64-item
 *   workgroups, a column of 16 elements of C per work item; every target);
 * - per-workgroup sums of 1024 elements: the same tree reduction with its
 *   partial sums in shared memory (`Reduce.shared`) and in global memory
 *   (`Reduce.global`).
 */
import type { BenchRow } from './index.ts';
import { Runtime, type Target } from '../runtime/index.ts';
import { Matmul, Reduce, SegmentSums } from '../kernels/workgroups.ts';
import { MatmulTiled } from '../kernels/matmul-tiled.ts';

/**
 * Matrix edge (a multiple of 64): 192 gives Matmul.tiled 36 workgroups of 4 batches, whole waves of vc6's 16
 * and vc7's 24 resident batches (at 128 its 64 batches leave vc7's QPUs unevenly loaded).
 */
const N = 192;
/** Reduction workgroups (1024 elements each). */
const GROUPS = 64;

async function matmul(target: Target): Promise<BenchRow[]> {
  const rt = await Runtime.open({ backend: 'emulator', target, log: () => {} });
  try {
    const a = rt.alloc(Float32Array, N * N);
    const b = rt.alloc(Float32Array, N * N);
    a.forEach((_, i) => (a[i] = ((i * 7) % 5) - 2));
    b.forEach((_, i) => (b[i] = ((i * 3) % 7) - 3));
    const want = new Float32Array(N * N);
    for (let r = 0; r < N; r++) for (let c = 0; c < N; c++) {
      let s = 0;
      for (let k = 0; k < N; k++) s += (a[r * N + k] as number) * (b[k * N + c] as number);
      want[r * N + c] = s;
    }
    const time = async (name: string, kernel: unknown, grid: number[]): Promise<number> => {
      const c = rt.alloc(Float32Array, N * N);
      const r = await rt.launch(kernel, { grid }, N, a, b, c);
      for (let i = 0; i < N * N; i++) if (c[i] !== want[i]) throw new Error(`bench workgroups: ${name} on ${target} computed C[${i}] = ${c[i]}, expected ${want[i]}`);
      return (r.profile?.seconds ?? NaN) * 1e6;
    };
    const naive = await time('Matmul.naive', Matmul.naive, [N / 16, N]);
    const tiled = await time('Matmul.tiled', Matmul.tiled, [N / 64, N / 16]);
    const rows: BenchRow[] = [
      { name: `${target} matmul ${N}x${N} naive`, value: naive, unit: 'µs (model)' },
      { name: `${target} matmul ${N}x${N} tiled (shared A tile, 16 per item)`, value: tiled, unit: 'µs (model)' },
      { name: `${target} matmul naive / tiled`, value: naive / tiled, unit: 'x', goal: '> 1' },
    ];
    if (target !== 'vc4') {
      const tiled16 = await time('MatmulTiled.tiled16', MatmulTiled.tiled16, [N / 16, N / 16]);
      rows.push(
        { name: `${target} matmul ${N}x${N} tiled (shared, 1 per item)`, value: tiled16, unit: 'µs (model)' },
        { name: `${target} matmul naive / tiled 1 per item`, value: naive / tiled16, unit: 'x' },
      );
    }
    return rows;
  } finally {
    rt.close();
  }
}

async function reduce(target: Target): Promise<BenchRow[]> {
  const rt = await Runtime.open({ backend: 'emulator', target, log: () => {} });
  try {
    const x = rt.alloc(Float32Array, GROUPS * 1024);
    x.forEach((_, i) => (x[i] = ((i * 37) % 101) / 8 - 3));
    const want = Array.from({ length: GROUPS }, (_, g) => {
      const v = Array.from(x.slice(g * 1024, g * 1024 + 1024));
      for (let s = 512; s > 0; s >>= 1) for (let l = 0; l < s; l++) v[l] = Math.fround((v[l] as number) + (v[l + s] as number));
      return v[0] as number;
    });
    const check = (name: string, sums: Float32Array) => {
      want.forEach((w, g) => {
        if (sums[g] !== w) throw new Error(`bench workgroups: ${name} on ${target} gave sum ${g} = ${sums[g]}, expected ${w}`);
      });
    };
    const s1 = rt.alloc(Float32Array, GROUPS);
    const shared = await rt.launch(Reduce.shared, { grid: [GROUPS] }, x, s1);
    check('Reduce.shared', s1);
    const tmp = rt.alloc(Float32Array, GROUPS * 1024);
    const s2 = rt.alloc(Float32Array, GROUPS);
    const global = await rt.launch(Reduce.global, { grid: [GROUPS] }, x, tmp, s2);
    check('Reduce.global', s2);
    const us = (r: typeof shared) => (r.profile?.seconds ?? NaN) * 1e6;
    return [
      { name: `${target} sums of ${GROUPS} x 1024, tree in global memory`, value: us(global), unit: 'µs (model)' },
      { name: `${target} sums of ${GROUPS} x 1024, tree in shared memory`, value: us(shared), unit: 'µs (model)' },
      { name: `${target} same tree, global / shared`, value: us(global) / us(shared), unit: 'x' },
    ];
  } finally {
    rt.close();
  }
}

/** Segments summed by SegmentSums (4096 elements each). */
const SEGMENTS = 64;

async function segmentSums(target: Target): Promise<BenchRow[]> {
  const rt = await Runtime.open({ backend: 'emulator', target, log: () => {} });
  try {
    const seg = 4096;
    const x = rt.alloc(Float32Array, SEGMENTS * seg);
    x.forEach((_, i) => (x[i] = ((i * 37) % 101) - 50));
    const want = Array.from({ length: SEGMENTS }, (_, g) => x.slice(g * seg, (g + 1) * seg).reduce((a, b) => a + b, 0));
    const check = (name: string, got: Float32Array) => {
      want.forEach((w, g) => {
        if (got[g] !== w) throw new Error(`bench workgroups: ${name} on ${target} gave segment ${g} = ${got[g]}, expected ${w}`);
      });
    };
    const sums = rt.alloc(Float32Array, SEGMENTS);
    const one = await rt.launch(SegmentSums.segments, { grid: [SEGMENTS] }, x, sums);
    check('SegmentSums.segments', sums);
    // One launch per level, on as many batches as the GPU keeps resident (each batch strides over the level).
    const resident = target === 'vc4' ? 12 : target === 'vc6' ? 16 : 24;
    let from = x;
    let pairs = 0;
    for (let n = (SEGMENTS * seg) / 2; n >= SEGMENTS; n /= 2) {
      const to = rt.alloc(Float32Array, n);
      const r = await rt.launch(SegmentSums.pairs, { qpus: Math.min(resident, Math.ceil(n / 16)) }, n, from, to);
      pairs += r.profile?.seconds ?? NaN;
      from = to;
    }
    check('SegmentSums.pairs', from);
    const us = one.profile ? one.profile.seconds * 1e6 : NaN;
    return [
      { name: `${target} ${SEGMENTS} segment sums of 4096, global memory (12 launches)`, value: pairs * 1e6, unit: 'µs (model)' },
      { name: `${target} ${SEGMENTS} segment sums of 4096, shared memory (1 launch)`, value: us, unit: 'µs (model)' },
      { name: `${target} segment sums global / shared`, value: (pairs * 1e6) / us, unit: 'x', goal: '> 1' },
    ];
  } finally {
    rt.close();
  }
}

/** The rows of `npm run bench -- workgroups`. */
export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const target of ['vc6', 'vc7', 'vc4'] as const) rows.push(...(await matmul(target)), ...(await segmentSums(target)), ...(await reduce(target)));
  return rows;
}
