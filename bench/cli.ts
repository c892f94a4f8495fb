// CLI start-up and cold compile time, measured as a user meets them: a fresh `node` process each time,
// both in this checkout (sources through the load hook) and as the installed package runs it (dist/).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './index.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Median and best wall time of `runs` fresh processes (a hyperfine-like repetition; this machine's load varies). */
function timeMs(bin: string, args: string[], env: Record<string, string> | (() => Record<string, string>) = {}, runs = 7): { median: number; best: number } {
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const extra = typeof env === 'function' ? env() : env;
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...extra } });
    if (r.status !== 0) throw new Error(`qpuc ${args.join(' ')} failed: ${r.stderr}`);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)] as number, best: times[0] as number };
}

/** The package as `npm install` lays it out: package.json, bin/ and dist/ (built now), dependencies beside it. */
function installedLayout(): string {
  const build = spawnSync(process.execPath, [join(root, 'scripts/build.js')], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  const dir = mkdtempSync(join(tmpdir(), 'qpuc-installed-'));
  for (const f of ['package.json', 'bin', 'dist']) cpSync(join(root, f), join(dir, f), { recursive: true });
  for (const f of ['bin/run-ts.js']) rmSync(join(dir, f), { force: true });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  return dir;
}

/** CLI figures. */
export async function run(): Promise<BenchRow[]> {
  const out = mkdtempSync(join(tmpdir(), 'qpuc-bench-'));
  const scratch = mkdtempSync(join(tmpdir(), 'qpuc-bench-code-'));
  const saxpy = join(root, 'kernels/saxpy.ts');
  const rows: BenchRow[] = [];
  const add = (where: string, bin: string) => {
    const v = timeMs(bin, ['--version']);
    rows.push({ name: `${where}: qpuc --version, median of 7`, value: v.median, unit: 'ms', goal: '<= 300' });
    // Cold: a fresh process and no compile cache (QPUC_CACHE=off), so the compiler runs every time.
    const c = timeMs(bin, ['compile', saxpy, '-o', out], { QPUC_CACHE: 'off' });
    rows.push({ name: `${where}: cold qpuc compile saxpy (vc6), median of 7`, value: c.median, unit: 'ms', goal: '<= 1000' });
    rows.push({ name: `${where}: cold qpuc compile saxpy (vc6), best of 7`, value: c.best, unit: 'ms' });
    // The first run ever: no compiled JavaScript kept either (V8 code cache, transpiled sources: bin/code-cache.js;
    // on Node >= 22.1 Node's own compile cache), each run in a fresh empty directory.
    const first = timeMs(bin, ['compile', saxpy, '-o', out], () => ({ QPUC_CACHE: 'off', NODE_COMPILE_CACHE: mkdtempSync(join(scratch, 'code-')) }), 5);
    rows.push({ name: `${where}: first-ever qpuc compile saxpy (no code caches), median of 5`, value: first.median, unit: 'ms' });
    // Unchanged kernel, compile cache on (a private one, filled by the first run).
    const cache = mkdtempSync(join(tmpdir(), 'qpuc-bench-cache-'));
    timeMs(bin, ['compile', saxpy, '-o', out], { QPUC_CACHE_DIR: cache }, 1);
    const w = timeMs(bin, ['compile', saxpy, '-o', out], { QPUC_CACHE_DIR: cache });
    rows.push({ name: `${where}: qpuc compile saxpy again (disk cache), median of 7`, value: w.median, unit: 'ms' });
    rmSync(cache, { recursive: true, force: true });
  };
  const installed = installedLayout();
  try {
    add('installed package', join(installed, 'bin/qpuc.js'));
  } finally {
    rmSync(installed, { recursive: true, force: true });
  }
  add('checkout (sources)', join(root, 'bin/qpuc.js'));
  rows.push({ name: 'node -e 0 (Node start-up alone), median of 7', value: timeMs('-e', ['0']).median, unit: 'ms' });
  rows.push({ name: 'load average (1 min) at the end', value: loadavg()[0] as number, unit: '' });
  rmSync(scratch, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
  return rows;
}
