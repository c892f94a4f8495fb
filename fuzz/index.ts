// `npm run fuzz -- MODE...`: long fuzz runs (the fixed-seed short versions run in `npm test`).
//
//   frontend   mutated kernels through the whole compiler (vc6 and vc7): only machine code or diagnostics,
//              never an exception or QPU9001, none slower than 60 s of CPU time (wall time on a loaded machine with
//              the run niced says more about the load: it is printed too)
//   asm        random programs and mutated programs per target (vc4, vc6, vc7): every program assembles to
//              its words, every mutant assembles or gives an AsmError
//   diff       the differential harness: compiled kernels on the emulators (vc4, vc6, vc7) against direct
//              evaluation; seeds in the f32 denormal range are counted apart (the hardware flushes them)
//
// Environment: QPUC_FUZZ_COUNT (seeds per mode and target, default 1000), QPUC_FUZZ_SEED (first seed,
// default 1), QPUC_FUZZ_TARGETS (default all of the mode's), QPUC_FUZZ_OUT (directory for the crashing
// inputs, default fuzz/out), QPUC_FUZZ_GEN (diff: generator version, 1 (default); 2: grid-stride loops with
// remainders, many constants, many live values; 3: atomics and a private array; 4: the per-byte intrinsics;
// 5: software-pipelined loops, whose loads the V3D backend carries across the back edge; compiler/testing/generate.ts), QPUC_FUZZ_SWITCH=1 (diff on vc6/vc7: every kernel compiled with the option
// threadSwitch and run on an emulator of one QPU, its batches as two threads that switch). Prints counts, seeds/hour (wall and
// per CPU-hour) and every failure; exit 1 if any failed.
// Run it niced on a shared machine: `nice -n 19 npm run fuzz -- diff`.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkMutantKernel } from '../compiler/testing/frontend-fuzz.ts';
import { checkMutant, checkProgram } from '../compiler/testing/asm-fuzz.ts';
import { checkSeed } from '../compiler/testing/differential.ts';
import { GEN_VERSIONS, type GenVersion } from '../compiler/testing/ast.ts';
import { getIsaTools } from '../compiler/isa/targets.ts';
import { emulatorExecutor } from '../test/helpers/emulator-executor.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const count = Number(process.env['QPUC_FUZZ_COUNT'] ?? 1000);
const first = Number(process.env['QPUC_FUZZ_SEED'] ?? 1);
const outDir = process.env['QPUC_FUZZ_OUT'] ?? join(root, 'fuzz', 'out');
const targetsEnv = process.env['QPUC_FUZZ_TARGETS']?.split(',').filter(Boolean);
const genVersion = Number(process.env['QPUC_FUZZ_GEN'] ?? 1);
/** diff on vc6/vc7: kernels compiled with the option threadSwitch, their batches as two threads of one QPU. */
const threadSwitch = process.env['QPUC_FUZZ_SWITCH'] === '1';
const modes = process.argv.slice(2);
if (modes.length === 0 || modes.some((m) => !['frontend', 'asm', 'diff'].includes(m)) || targetsEnv?.some((t) => !['vc4', 'vc6', 'vc7'].includes(t)) || !Number.isSafeInteger(count) || count < 1 || !(GEN_VERSIONS as readonly number[]).includes(genVersion)) {
  console.error(`usage: npm run fuzz -- frontend|asm|diff ... (QPUC_FUZZ_COUNT, QPUC_FUZZ_SEED, QPUC_FUZZ_TARGETS=vc4,vc6,vc7, QPUC_FUZZ_OUT, QPUC_FUZZ_GEN=${GEN_VERSIONS.join('|')}, QPUC_FUZZ_SWITCH=1)`);
  process.exit(2);
}

let failed = 0;
/** CPU seconds this process has used (user + system): on a shared, niced machine wall time says more about the load than the harness. */
const cpuSeconds = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

function report(mode: string, target: string, counts: Record<string, number>, seconds: number, failures: string[], cpu: number): void {
  const n = Object.values(counts).reduce((a, b) => a + b, 0);
  const rate = seconds > 0 ? Math.round((n / seconds) * 3600) : 0;
  const cpuRate = cpu > 0 ? Math.round((n / cpu) * 3600) : 0;
  console.log(`${mode} ${target}: ${n} seeds (${first}..${first + n - 1}) in ${seconds.toFixed(1)} s = ${rate} seeds/hour (${cpu.toFixed(1)} s CPU = ${cpuRate} seeds per CPU-hour); ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (failures.length > 0) {
    mkdirSync(outDir, { recursive: true });
    failures.forEach((f, i) => writeFileSync(join(outDir, `${mode}-${target}-${i}.txt`), f));
    console.log(`  ${failures.length} failure(s) written to ${outDir}; first:\n${failures[0]}`);
    failed += failures.length;
  }
}

/** Valid kernels to mutate besides generated ones: the examples and the e2e fixtures. */
function corpus(): string[] {
  const dirs = [join(root, 'kernels'), join(root, 'test', 'fixtures', 'e2e')];
  return dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(join(d, f), 'utf8')));
}

for (const mode of modes) {
  if (mode === 'frontend') {
    const kernels = corpus();
    const counts = { compiled: 0, diagnostics: 0, crash: 0 };
    let slow = 0;
    const failures: string[] = [];
    const t0 = performance.now();
    const c0 = cpuSeconds();
    let slowest = 0;
    let slowestWall = 0;
    for (let s = first; s < first + count; s++) {
      const c0 = cpuSeconds();
      const r = checkMutantKernel(s, kernels);
      const cpuMs = (cpuSeconds() - c0) * 1000;
      counts[r.outcome]++;
      slowest = Math.max(slowest, cpuMs);
      slowestWall = Math.max(slowestWall, r.ms);
      if (r.outcome === 'crash') failures.push(r.message ?? `seed ${s}`);
      if (cpuMs > 60_000) (slow++, failures.push(`seed ${s}: ${(cpuMs / 1000).toFixed(0)} s CPU (> 60 s), ${(r.ms / 1000).toFixed(0)} s wall\n--- source ---\n${r.source}`));
      if ((s - first + 1) % 1000 === 0) console.log(`  frontend: ${s - first + 1} done, ${counts.crash} crashes`);
    }
    report('frontend', 'vc6+vc7', counts, (performance.now() - t0) / 1000, failures, cpuSeconds() - c0);
    console.log(`  ${slow} slower than 60 s CPU; slowest compile ${(slowest / 1000).toFixed(2)} s CPU; longest ${(slowestWall / 1000).toFixed(2)} s wall`);
  }
  if (mode === 'asm') {
    for (const target of (targetsEnv ?? ['vc4', 'vc6', 'vc7']) as ('vc4' | 'vc6' | 'vc7')[]) {
      const tools = await getIsaTools(target);
      const counts = { programs: 0, mutants: 0, failed: 0 };
      const failures: string[] = [];
      const t0 = performance.now();
      const c0 = cpuSeconds();
      for (let s = first; s < first + count; s++) {
        for (const f of [checkProgram(tools, s), checkMutant(tools, s)]) if (f) (counts.failed++, failures.push(f));
        counts.programs++;
        counts.mutants++;
      }
      report('asm', target, { seeds: count }, (performance.now() - t0) / 1000, failures, cpuSeconds() - c0);
      console.log(`  ${counts.programs} random programs, ${counts.mutants} mutated programs, ${counts.failed} failures`);
    }
  }
  if (mode === 'diff') {
    for (const target of (targetsEnv ?? ['vc4', 'vc6', 'vc7']) as ('vc4' | 'vc6' | 'vc7')[]) {
      const ex = await emulatorExecutor(target, { threadSwitch: threadSwitch && target !== 'vc4' });
      const counts = { agreed: 0, denormal: 0, unsupported: 0, mismatch: 0 };
      const failures: string[] = [];
      const t0 = performance.now();
      const c0 = cpuSeconds();
      try {
        for (let s = first; s < first + count; s++) {
          const r = await checkSeed(s, [ex], { version: genVersion as GenVersion });
          if (r.ok && r.skipped) counts.denormal++;
          else if (r.ok) counts.agreed++;
          // Unsupported: ops a backend lacks, and register pressure beyond what spilling handles (issue 12: constants pin registers).
          else if (/cannot translate|cannot compile this yet|more than 64 values are live/.test(r.message ?? '')) counts.unsupported++;
          else (counts.mismatch++, failures.push(r.message ?? `seed ${s}`));
          if ((s - first + 1) % 500 === 0) console.log(`  diff ${target}: ${s - first + 1} done, ${counts.mismatch} mismatches`);
        }
      } finally {
        ex.close();
      }
      report(`diff (generator v${genVersion})`, target, counts, (performance.now() - t0) / 1000, failures, cpuSeconds() - c0);
    }
  }
}
process.exit(failed > 0 ? 1 : 0);
