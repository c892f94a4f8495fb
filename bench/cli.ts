// CLI start-up and cold compile time, measured as a user meets them: a fresh `node` process each time.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './index.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

function medianMs(args: string[], runs = 5): number {
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [join(root, 'bin/qpuc.js'), ...args], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`qpuc ${args.join(' ')} failed: ${r.stderr}`);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

/** CLI figures. */
export async function run(): Promise<BenchRow[]> {
  const out = mkdtempSync(join(tmpdir(), 'qpuc-bench-'));
  return [
    { name: 'qpuc --version (start-up)', value: medianMs(['--version']), unit: 'ms' },
    { name: 'cold qpuc compile examples saxpy (vc6)', value: medianMs(['compile', 'kernels/saxpy.ts', '-o', out]), unit: 'ms', goal: '< 1500' },
  ];
}
