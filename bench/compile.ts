/**
 * Compile-time benchmark of the language layer: per-kernel time once the
 * compiler is warm (frontend + backend-independent passes), for saxpy and
 * for a 50-line kernel. The CLI's cold start is measured elsewhere.
 */
import { loadKernels } from '../compiler/frontend/index.ts';
import { prepareForBackend } from '../compiler/passes/pipeline.ts';

/** One benchmark result row. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  goal?: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(file: string, runs: number): { frontend: number; total: number } {
  const fe: number[] = [];
  const all: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now();
    const m = loadKernels(file);
    const t1 = performance.now();
    if (m.diagnostics.length > 0) throw new Error(`${file} does not compile: ${m.diagnostics[0]!.message}`);
    for (const fn of m.kernels.values()) prepareForBackend(fn);
    const t2 = performance.now();
    fe.push(t1 - t0);
    all.push(t2 - t0);
  }
  return { frontend: median(fe), total: median(all) };
}

/** Runs the benchmark: warm-up, then the median of 20 compiles per kernel file. */
export async function run(): Promise<BenchResult[]> {
  const saxpy = new URL('../kernels/saxpy.ts', import.meta.url).pathname;
  const fifty = new URL('./fixtures/fifty.ts', import.meta.url).pathname;
  time(saxpy, 5);
  time(fifty, 5);
  const s = time(saxpy, 20);
  const f = time(fifty, 20);
  return [
    { name: 'compile saxpy, warm (frontend + passes)', value: +s.total.toFixed(2), unit: 'ms' },
    { name: 'compile 50-line kernel, warm (frontend + passes)', value: +f.total.toFixed(2), unit: 'ms', goal: '< 30 ms' },
    { name: 'compile 50-line kernel, warm (frontend only)', value: +f.frontend.toFixed(2), unit: 'ms' },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await run()) console.log(`${r.name}: ${r.value} ${r.unit}${r.goal ? ` (goal ${r.goal})` : ''}`);
}
