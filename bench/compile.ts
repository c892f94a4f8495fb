/**
 * Compile-time benchmark of the language layer: per-kernel time once the
 * compiler is warm (frontend + backend-independent passes), for saxpy and
 * for a 50-line kernel. The CLI's cold start is measured elsewhere.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKernels } from '../compiler/frontend/index.ts';
import { compileFile } from '../compiler/compile.ts';
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

function time(file: string, runs: number): { frontend: number; total: number; cpu: number } {
  const fe: number[] = [];
  const all: number[] = [];
  const cpu: number[] = [];
  for (let k = 0; k < runs; k++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const m = loadKernels(file);
    const t1 = performance.now();
    if (m.diagnostics.length > 0) throw new Error(`${file} does not compile: ${m.diagnostics[0]!.message}`);
    for (const fn of m.kernels.values()) prepareForBackend(fn);
    const t2 = performance.now();
    const c = process.cpuUsage(c0);
    fe.push(t1 - t0);
    all.push(t2 - t0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { frontend: median(fe), total: median(all), cpu: median(cpu) };
}

/**
 * A kernel of `lines` statements: 'straight' is one dependent chain of integer
 * arithmetic, 'branchy' alternates a varying if/else with a uniform if. Only
 * small constants (the V3D small immediates): every other constant is a
 * uniform read once at entry and live to the end, so thousands of distinct
 * constants hit the register limit (QPU5001, the backend's own issue) before
 * compile time says anything.
 */
export function sizedKernel(kind: 'straight' | 'branchy', lines: number): string {
  const ops = ['s = (s ^ v) * 3 + (s >> 5);', 's = s + (v & 7) - (s >> 2);', 's = (s << 1) ^ (v - s);'];
  const body =
    kind === 'straight'
      ? Array.from({ length: lines }, (_, i) => `    ${ops[i % 3]}`)
      : Array.from({ length: Math.ceil(lines / 2) }, (_, i) => `    if (s > v) { s = s - v; } else { s = s + ${i % 15}; }\n    if (n > ${i % 15}) { s = s ^ 3; }`);
  return `import { kernel, qpu, type i32, type u32, type Ptr } from 'qpuc';
export class K {
  @kernel
  static k(n: u32, y: Ptr<i32>): void {
    const i = qpu.globalId();
    let s: i32 = y[i];
    const v: i32 = y[i + 1];
${body.join('\n')}
    y[i] = s;
  }
}
`;
}

/** Wall and CPU time of `f` (CPU time: user + system of this process, which a loaded machine inflates far less). */
function timed<T>(f: () => T): { value: T; wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = f();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { value, wall, cpu: (c.user + c.system) / 1000 };
}

/**
 * The kernel of issue 17 that ends in QPU5001 (register pressure, the backend's
 * own limit): `n` statements `if (v > k) { s += 1; }` with distinct constants k.
 * Only how long the verdict takes is measured here.
 */
export function distinctIfsKernel(n: number): string {
  const body = Array.from({ length: n }, (_, k) => `    if (v > ${k}) { s += 1; }`).join('\n');
  return `import { kernel, qpu, type i32, type u32, type Ptr } from 'qpuc';
export class K {
  @kernel
  static k(n: u32, y: Ptr<i32>): void {
    let s: i32 = 0;
    const v: i32 = y[qpu.globalId()];
${body}
    y[qpu.globalId()] = s;
  }
}
`;
}

/** Compile time (frontend, passes, backend) by kernel size for vc6, of the 5000-line kernels for vc7 and vc4, and peak memory. */
function scaling(warmUp: string): BenchResult[] {
  const dir = mkdtempSync(join(tmpdir(), 'qpuc-bench-'));
  const rows: BenchResult[] = [];
  // The backends too are warmed up on the 50-line kernel (the rows above run only the frontend and passes).
  for (const target of ['vc6', 'vc7', 'vc4'] as const) for (let k = 0; k < 3; k++) compileFile(warmUp, { target });
  try {
    for (const kind of ['straight', 'branchy'] as const) {
      for (const lines of [100, 1000, 5000]) {
        const file = join(dir, `${kind}${lines}.ts`);
        writeFileSync(file, sizedKernel(kind, lines));
        const { value: r, wall, cpu } = timed(() => compileFile(file, { target: 'vc6' }));
        if (r.diagnostics.length > 0) throw new Error(`${kind} ${lines}: ${r.diagnostics[0]!.message}`);
        const goal = lines === 5000 ? { goal: '≤ 2000 ms' } : {};
        rows.push({ name: `compile ${lines}-line ${kind} kernel for vc6 (all stages)`, value: +wall.toFixed(0), unit: 'ms', ...goal });
        rows.push({ name: `compile ${lines}-line ${kind} kernel for vc6, CPU time`, value: +cpu.toFixed(0), unit: 'ms CPU', ...goal });
      }
    }
    // Peak resident memory of the process so far (includes the ~150 MB of the loaded compiler).
    rows.push({ name: 'peak memory after the size rows', value: Math.round(process.resourceUsage().maxRSS / 1024), unit: 'MB', goal: '≤ 500 MB' });
    // The 5000-line kernels for the other V3D version and for VC4 (each backend has its own selection, allocation and scheduling).
    for (const target of ['vc7', 'vc4'] as const) {
      for (const kind of ['straight', 'branchy'] as const) {
        const file = join(dir, `${kind}5000.ts`);
        const { value: r, cpu } = timed(() => compileFile(file, { target }));
        if (r.diagnostics.length > 0) throw new Error(`${kind} 5000 for ${target}: ${r.diagnostics[0]!.message}`);
        rows.push({ name: `compile 5000-line ${kind} kernel for ${target}, CPU time`, value: +cpu.toFixed(0), unit: 'ms CPU', goal: '≤ 2000 ms' });
      }
    }
    const file = join(dir, 'ifs.ts');
    writeFileSync(file, distinctIfsKernel(4000));
    const { value: r, wall, cpu } = timed(() => compileFile(file, { target: 'vc6' }));
    const verdict = r.diagnostics[0]?.code ?? 'compiled';
    rows.push({ name: `4000 'if (v > k) { s += 1; }' with distinct k for vc6: time to its verdict (${typeof verdict === 'number' ? `QPU${verdict}` : verdict})`, value: +wall.toFixed(0), unit: 'ms' });
    rows.push({ name: '  the same, CPU time', value: +cpu.toFixed(0), unit: 'ms CPU' });
    rows.push({ name: 'peak memory after it', value: Math.round(process.resourceUsage().maxRSS / 1024), unit: 'MB' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
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
    { name: 'compile 50-line kernel, warm (frontend + passes), CPU time', value: +f.cpu.toFixed(2), unit: 'ms CPU', goal: '< 30 ms' },
    { name: 'compile 50-line kernel, warm (frontend only)', value: +f.frontend.toFixed(2), unit: 'ms' },
    ...scaling(fifty),
    { name: 'load average (1 min) at the end', value: loadavg()[0] as number, unit: '' },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await run()) console.log(`${r.name}: ${r.value} ${r.unit}${r.goal ? ` (goal ${r.goal})` : ''}`);
}
