/**
 * `npm run bench -- kernels`: every function of the kernel library
 * (`qpuc/kernels`) on every target, in the emulators' timing model, as one
 * table: modelled time and throughput, the fraction of the target's limit,
 * and the ratio against a hand-written program for the same job where one
 * exists.
 *
 * Each family contributes `bench/kernels/<family>.ts`, exporting
 * `rows(target): Promise<KernelRow[]>` (bench/kernels/row.ts). Limits, both
 * derived here from the tables the emulators use (nothing typed in):
 *
 * - compute rows: the ALU peak, lanes × 2 ALUs (add and mul, one op each per
 *   instruction) × QPUs × clock / clocks per instruction (the target table's
 *   `lanes`, `qpus`, `clockHz`; 4 clocks per instruction in both timing
 *   models): vc4 24, vc6 32, vc7 92.16 GFLOP/s. A fused step of sgemm (one
 *   fmul and one fadd) counts 2 flops, as 2mnk does.
 * - memory rows: the time the model's shared memory path needs for the bytes,
 *   reads and writes at their own bandwidths on V3D (`MEMORY_PATH`: 4.2 7.25
 *   and 3.75 GB/s, 7.1 2.6 × those). On VC4 every byte crosses the one SDRAM
 *   port (`VC4_TIMING.memoryBytesPerTick` per 4 clocks: 1.5 GB/s), and every
 *   written byte also passes the one DMA store engine (VDW), which the model
 *   keeps busy `dmaStartupTicks` (12) per DMA before its bytes move and does
 *   not overlap two DMAs: the limit is the larger of the port's time for all
 *   bytes and the engine's time for the written ones, with the fewest DMAs
 *   that could carry them (one per 4 KB, the VPM window a DMA is read from).
 *   That start-up adds 12 ticks per 4096 bytes (7 % of a write-only job; no
 *   row reads less than it writes, so no row's figure changes). A program
 *   storing one 16-word row per DMA (what qpuc's VC4 backend emits) pays it
 *   per 64 bytes: the engine then needs 12 + 64 / 24 = 14.7 ticks per row
 *   and caps a job reading R bytes per W written at (1 + R / W) · 0.18 of
 *   the limit (scopy 0.36, saxpy 0.55): docs/kernels.md "VC4 stores". A row
 *   may say how many of its bytes are writes (`bytesWritten`, default 0).
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { TARGETS, TARGET_NAMES, type Target } from '../compiler/target/targets.ts';
import { ISSUE_CYCLES, MEMORY_PATH } from '../runtime/emulator/v3d/timing.ts';
import { VC4_TIMING } from '../runtime/emulator/vc4/timing.ts';
import { VPM_ROWS } from '../runtime/emulator/vc4/vpm.ts';
import type { BenchRow } from './index.ts';
import type { KernelRow } from './kernels/row.ts';

/** A row that also says how many of its `bytes` are written (the rest are read); V3D writes at a lower bandwidth. */
export type KernelRowWithWrites = KernelRow & { bytesWritten?: number };

/** Peak f32 operations per second of `target`'s ALUs (see the module comment for how they are counted). */
export function aluPeak(target: Target): number {
  const t = TARGETS[target];
  const clocksPerInstruction = t.family === 'v3d' ? ISSUE_CYCLES : VC4_TIMING.clocksPerInstruction;
  return (t.lanes * 2 * t.qpus * t.clockHz) / clocksPerInstruction;
}

/** Seconds the timing model's memory path needs at least to read `read` and write `written` bytes on `target`. */
export function memoryLimitSeconds(target: Target, read: number, written: number): number {
  const t = TARGETS[target];
  if (t.family === 'v3d') {
    const m = MEMORY_PATH[t.version as 42 | 71];
    return read / (m.readGBps * 1e9) + written / (m.writeGBps * 1e9);
  }
  const tick = VC4_TIMING.clocksPerInstruction / t.clockHz;
  const port = (read + written) / VC4_TIMING.memoryBytesPerTick;
  // The VDW moves a DMA at the slower of its VPM side and the port; the biggest DMA is the whole VPM window.
  const dmaBytesPerTick = Math.min(VC4_TIMING.memoryBytesPerTick, VC4_TIMING.dmaVpmBytesPerTick);
  const engine = written / dmaBytesPerTick + VC4_TIMING.dmaStartupTicks * Math.ceil(written / (VPM_ROWS * 64));
  return Math.max(port, engine) * tick;
}

/** Fraction of the target's limit a row reaches (1 = at the limit). */
export function fractionOfLimit(row: KernelRowWithWrites): number {
  if (row.bound === 'compute') return row.flops / row.seconds / aluPeak(row.target);
  const written = row.bytesWritten ?? 0;
  return memoryLimitSeconds(row.target, row.bytes - written, written) / row.seconds;
}

/** Every family's rows on the targets asked for (default all), families in file order. */
export async function kernelRows(targets: readonly Target[] = TARGET_NAMES, only: readonly string[] = []): Promise<KernelRowWithWrites[]> {
  const dir = fileURLToPath(new URL('./kernels/', import.meta.url));
  const families = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && f !== 'row.ts')
    .map((f) => f.slice(0, -3))
    .filter((f) => only.length === 0 || only.includes(f))
    .sort();
  const rows: KernelRowWithWrites[] = [];
  for (const family of families) {
    const mod = (await import(pathToFileURL(join(dir, `${family}.ts`)).href)) as { rows?: (target: Target) => Promise<KernelRow[]> };
    if (typeof mod.rows !== 'function') continue;
    for (const target of targets) {
      process.stderr.write(`bench kernels: ${family} on ${target}…\n`);
      rows.push(...(await mod.rows(target)));
    }
  }
  return rows;
}

/** The table as text lines. */
export function formatTable(rows: readonly KernelRowWithWrites[]): string[] {
  const head = ['function', 'target', 'modelled', 'throughput', 'bound', 'of limit', 'hand-written', 'ratio'];
  const body = rows.map((r) => {
    const rate = r.bound === 'compute' ? `${(r.flops / r.seconds / 1e9).toFixed(2)} GFLOP/s` : `${(r.bytes / r.seconds / 1e9).toFixed(2)} GB/s`;
    const limit = r.bound === 'compute' ? `${(aluPeak(r.target) / 1e9).toFixed(1)} GFLOP/s ALU` : 'memory';
    const hw = r.handwritten;
    return [
      r.name,
      r.target,
      r.seconds >= 1e-3 ? `${(r.seconds * 1e3).toFixed(3)} ms` : `${(r.seconds * 1e6).toFixed(1)} µs`,
      rate,
      limit,
      `${(100 * fractionOfLimit(r)).toFixed(1)} %`,
      hw ? hw.name : '',
      hw ? (hw.seconds / r.seconds).toFixed(3) : '',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const right = new Set([2, 3, 5, 7]);
  const line = (cells: string[]) => cells.map((c, i) => (right.has(i) ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
}

/**
 * Bench entry (`npm run bench -- kernels`): prints the table, and returns
 * per row its fraction of the limit and, where there is one, its ratio
 * against the hand-written program (goals of issue 19: sgemm ≥ 1.0 × the
 * hand-written, streaming functions ≥ 0.9 of the memory limit).
 * `QPUC_BENCH_TARGETS=vc6,vc7` and `QPUC_BENCH_FAMILIES=blas` narrow it.
 */
export async function run(): Promise<BenchRow[]> {
  const targets = (process.env.QPUC_BENCH_TARGETS?.split(',').filter((t) => t !== '') ?? TARGET_NAMES) as Target[];
  const families = process.env.QPUC_BENCH_FAMILIES?.split(',').filter((t) => t !== '') ?? [];
  const rows = await kernelRows(targets, families);
  console.log(formatTable(rows).join('\n'));
  console.log(
    'ratio = hand-written seconds / library seconds (1 = as fast). Limits: ALU peak = 16 lanes x 2 ALUs x QPUs x clock / 4 clocks per instruction; ' +
      'memory = the timing model\'s bandwidths (V3D reads and writes apart; VC4 the SDRAM port and, for writes, the DMA engine with its start-up per 4 KB DMA).\n',
  );
  const out: BenchRow[] = [];
  for (const r of rows) {
    out.push({ name: `${r.target} ${r.name}: of ${r.bound === 'compute' ? 'ALU peak' : 'memory limit'}`, value: fractionOfLimit(r), unit: 'fraction', ...(r.bound === 'memory' && r.streaming !== false ? { goal: '>= 0.9' } : {}) });
    if (r.handwritten) out.push({ name: `${r.target} ${r.name}: vs ${r.handwritten.name}`, value: r.handwritten.seconds / r.seconds, unit: 'ratio', goal: '>= 1.0' });
  }
  return out;
}
