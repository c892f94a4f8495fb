// Generated code against hand-written QPU code for the same job, both through the emulator's timing model
// (DESIGN.md yardstick: cycles ratio, goal <= 1.0). The hand-written side is bench/emulator-v3d.ts's
// py-videocore6-shaped programs; the published Pi 4 figures are the same ones it cites.
import { fileURLToPath } from 'node:url';
import { Runtime } from '../runtime/index.ts';
import { compileFile } from '../compiler/compile.ts';
import type { BenchRow } from './index.ts';

const file = fileURLToPath(new URL('../kernels/memory.ts', import.meta.url));
const saxpyFile = fileURLToPath(new URL('../kernels/saxpy.ts', import.meta.url));
const QPUS = 8;
const N = QPUS * 256 * 64; // the hand-written kernels' 8 x 256 passes x 256 bytes

/** Modelled MB/s of one compiled kernel on the vc6 emulator, checked against plain JS. */
async function mbps(name: string, bytesPerElement: number, run: (rt: Runtime, k: unknown) => Promise<{ seconds: number; ok: boolean }>): Promise<number> {
  const kernels = compileFile(name === 'Blas.saxpy' ? saxpyFile : file, { target: 'vc6' }).kernels;
  const k = kernels.find((x) => x.name === name);
  if (!k) throw new Error(`${name} did not compile`);
  const rt = await Runtime.open({ backend: 'emulator', target: 'vc6', log: () => {} });
  try {
    const { seconds, ok } = await run(rt, k);
    if (!ok) throw new Error(`${name} computed a wrong result`);
    return (N * bytesPerElement) / seconds / 1e6;
  } finally {
    rt.close();
  }
}

/** Generated-code figures. */
export async function run(): Promise<BenchRow[]> {
  const copy = await mbps('Mem.copy', 8, async (rt, k) => {
    const src = rt.alloc(Float32Array, N);
    const dst = rt.alloc(Float32Array, N);
    src.forEach((_, i) => (src[i] = i));
    const r = await rt.launch(k, { qpus: QPUS }, N, src, dst);
    return { seconds: r.profile?.seconds ?? NaN, ok: dst.every((v, i) => v === i) };
  });
  const fill = await mbps('Mem.fill', 4, async (rt, k) => {
    const dst = rt.alloc(Uint32Array, N);
    const r = await rt.launch(k, { qpus: QPUS }, N, 7, dst);
    return { seconds: r.profile?.seconds ?? NaN, ok: dst.every((v) => v === 7) };
  });
  const sum = await mbps('Mem.sum', 4, async (rt, k) => {
    const src = rt.alloc(Uint32Array, N);
    const partial = rt.alloc(Uint32Array, QPUS * 16);
    src.forEach((_, i) => (src[i] = i));
    const r = await rt.launch(k, { qpus: QPUS }, N, src, partial);
    const total = partial.reduce((a, b) => (a + b) >>> 0, 0);
    return { seconds: r.profile?.seconds ?? NaN, ok: total === ((N * (N - 1)) / 2) % 2 ** 32 };
  });
  const saxpy = await mbps('Blas.saxpy', 12, async (rt, k) => {
    const x = rt.alloc(Float32Array, N);
    const y = rt.alloc(Float32Array, N);
    x.fill(1);
    y.fill(2);
    const r = await rt.launch(k, { qpus: QPUS }, N, 3, x, y);
    return { seconds: r.profile?.seconds ?? NaN, ok: y.every((v) => v === 5) };
  });
  return [
    { name: 'compiled scopy (Mem.copy), 8 QPUs, modelled', value: Math.round(copy), unit: 'MB/s', goal: 'hand-written 2424 (Pi 4)' },
    { name: 'compiled memset (Mem.fill), 8 QPUs, modelled', value: Math.round(fill), unit: 'MB/s', goal: 'hand-written 3751 (Pi 4)' },
    { name: 'compiled summation (Mem.sum), 8 QPUs, modelled', value: Math.round(sum), unit: 'MB/s', goal: 'hand-written 7241 (Pi 4)' },
    { name: 'compiled saxpy, 8 QPUs, modelled', value: Math.round(saxpy), unit: 'MB/s' },
  ];
}
