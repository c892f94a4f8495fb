/**
 * Emulator throughput: QPU instructions per second of host time on straight-line
 * ALU code and on TMU-heavy code (issue 5 goal: >= 10 M instr/s on one core),
 * with the default options users get (hazard mode 'error', timing model on),
 * in steady state (after warm-up runs), as the median of 5 runs, in wall time
 * and in this process's CPU time. The timing model's figures against published
 * measurements are in bench/timing.ts (`npm run bench -- timing`).
 * `node bin/run-ts.js bench/emulator-v3d.ts` prints the table (`... alu` or
 * `... tmu` runs one kernel, for profiling); bench/index.ts imports run().
 */
import { pathToFileURL } from 'node:url';
import { assembleV3d } from '../compiler/isa/v3d/asm.ts';
import { GpuMemory } from '../runtime/emulator/memory.ts';
import { runCsd } from '../runtime/emulator/v3d/run.ts';

const CODE = 0x10000, UNIF = 0x20000, DATA = 0x100000;
const END = 'nop ; nop ; thrsw\nnop ; nop ; thrsw\nnop ; nop\nnop ; nop\nnop ; nop ; thrsw\nnop ; nop\nnop ; nop\nnop ; nop\n';

/** 64 dual-issue float instructions per loop pass on every QPU. */
function aluKernel(iterations: number): string {
  const body = Array.from({ length: 64 }, (_, i) => `fadd r${i % 3}, r${(i + 1) % 3}, r3 ; fmul r3, r3, r${i % 3}`).join('\n');
  return `.uniform ${iterations}
    nop ; nop ; ldunif
    nop ; mov r4, r5
    itof r0, r4 ; mov r1, 1
    itof r1, r1 ; mov r2, 1
    itof r3, r2 ; nop
    loop:
    ${body}
    sub.pushz rf1, r4, 1 ; nop
    b.anyna loop
    nop ; mov r4, rf1
    nop ; nop
    nop ; nop
    ${END}`;
}

/** Per pass: one 16-lane load, one add, one store: scopy-like traffic. */
function tmuKernel(iterations: number): string {
  return `.uniform ${iterations}, ${DATA}
    nop ; nop ; ldunif
    nop ; mov rf1, r5 ; ldunif
    tidx r0 ; nop
    shr r0, r0, 2 ; nop
    shl r0, r0, 10 ; nop
    add r0, r0, r5 ; nop
    eidx r1 ; nop
    shl r1, r1, 2 ; nop
    add rf2, r0, r1 ; nop
    shl rf3, 4, 4 ; nop
    loop:
    nop ; mov tmua, rf2
    sub.pushz rf1, rf1, 1 ; nop
    nop ; nop ; ldtmu.r2
    add r2, r2, 1 ; nop
    nop ; mov tmud, r2
    nop ; mov tmua, rf2
    b.anyna loop
    nop ; nop
    nop ; nop
    tmuwt - ; nop
    ${END}`;
}

function measure(source: string, qpus: number, runs = 5): { instrPerSec: number; instrPerCpuSec: number; instructions: number } {
  const prog = assembleV3d(source, 'bench.s', 42);
  const uniforms = prog.data.flatMap((d) => d.values);
  const mem = new GpuMemory();
  const code = new Uint8Array(prog.words.length * 8);
  const cv = new DataView(code.buffer);
  prog.words.forEach((w, i) => cv.setBigUint64(i * 8, w, true));
  mem.map(CODE, code);
  const unif = new Uint8Array(64);
  uniforms.forEach((u, i) => new DataView(unif.buffer).setUint32(i * 4, u, true));
  mem.map(UNIF, unif);
  mem.map(DATA, new Uint8Array(1 << 16));
  const cfg = [qpus << 16, 1 << 16, 1 << 16, (16 << 8) | 16 | (15 << 12), qpus - 1, CODE, UNIF] as const;
  // Default options (hazard mode 'error', timing model on): the speed users get. One warm-up, then the median of `runs`.
  // CPU time (this process, all its threads) is reported next to wall time: the machine is shared, and wall time
  // measures the other users as much as the emulator.
  // Six warm-up runs: V8 compiles each generated instruction function through its tiers first (steady state is what
  // a long kernel sees; the first run of a job pays ~2x).
  for (let k = 0; k < 6; k++) runCsd(mem, cfg, { version: 42, maxCycles: 1e12 });
  const wall: number[] = [];
  const cpu: number[] = [];
  let instructions = 0;
  for (let k = 0; k < runs; k++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const r = runCsd(mem, cfg, { version: 42, maxCycles: 1e12 });
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    instructions = r.profile.instructions;
    wall.push(instructions / s);
    cpu.push(instructions / ((c.user + c.system) / 1e6));
  }
  const median = (xs: number[]): number => xs.sort((x, y) => x - y)[xs.length >> 1] as number;
  return { instrPerSec: median(wall), instrPerCpuSec: median(cpu), instructions };
}

/** Benchmark rows for `npm run bench`. */
export async function run(): Promise<{ name: string; value: number; unit: string; goal?: string }[]> {
  const alu = measure(aluKernel(2000), 8);
  const tmu = measure(tmuKernel(20000), 8);
  return [
    { name: 'emulator v3d: straight-line ALU code (wall)', value: Math.round(alu.instrPerSec / 1e5) / 10, unit: 'M instr/s (median of 5)', goal: '>= 10' },
    { name: 'emulator v3d: straight-line ALU code (CPU time)', value: Math.round(alu.instrPerCpuSec / 1e5) / 10, unit: 'M instr/CPU-s (median of 5)', goal: '>= 10' },
    { name: 'emulator v3d: TMU-heavy code, load/add/store (wall)', value: Math.round(tmu.instrPerSec / 1e5) / 10, unit: 'M instr/s (median of 5)', goal: '>= 10' },
    { name: 'emulator v3d: TMU-heavy code, load/add/store (CPU time)', value: Math.round(tmu.instrPerCpuSec / 1e5) / 10, unit: 'M instr/CPU-s (median of 5)', goal: '>= 10' },
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === 'alu') {
  // Profiling aid: `node --cpu-prof bin/run-ts.js bench/emulator-v3d.ts alu` (or tmu) runs one kernel only.
  console.log(measure(aluKernel(2000), 8, 10));
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === 'tmu') {
  console.log(measure(tmuKernel(20000), 8, 10));
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await run()) console.log(`${r.name.padEnd(68)} ${String(r.value).padStart(8)} ${r.unit}${r.goal ? `  (goal ${r.goal})` : ''}`);
}
