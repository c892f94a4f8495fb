/**
 * Benchmark: VC4 emulator throughput in QPU instructions per second (goal ≥
 * 10 M/s on one core), on three workloads run exactly as users run them
 * (full functional model, timing model and hazard checking), 12 QPUs each:
 * a straight ALU loop; a TMU/VPM-heavy loop (per-lane TMU gathers, VPM
 * writes, a DMA store and wait per iteration); and the sgemm kernel of
 * bench/vc4-sgemm.ts (py-videocore's structure: uniform-fed float
 * multiply-adds on random data).
 *
 * Two figures per workload. "first run": the very first run in this process
 * (what one `qpuc sim` of the program costs, V8 compiling as it goes; earlier
 * rows have warmed the shared code). "warm": after about a second of runs,
 * the best run of the next two seconds (seven at least): the rate of a long
 * emulation. The best, not the median, because this machine's noise only
 * ever slows a run down, by up to half for seconds at a time; the median is
 * printed on stderr. Times are CPU
 * seconds of the process (user + system): the cores are shared and the goal
 * is per core.
 */
import { assembleVc4 } from '../compiler/isa/vc4/index.ts';
import { runExecuteQpu, type ExecuteQpuResult } from '../runtime/emulator/vc4/execute.ts';
import { sgemmImage } from './vc4-sgemm.ts';

const BASE = 0xc0000000;
const CONTROL = 0x8000;
const UNIFORMS = 0x9000;
const DATA = 0x10000;
const EXIT = ['mov irq, 1', 'nop; thrend', 'nop', 'nop'];

/** A loop of mixed float and integer ALU work, each QPU running `iterations` times. */
function aluProgram(iterations: number): string {
  return [
    'ldi ra1, ' + iterations, 'itof r1, elem_num', 'mov r2, 1.0', 'ldi r3, 0',
    ':loop',
    'fadd r1, r1, r2; fmul r0, r1, r2',
    'add r3, r3, 1; mul24 r2, r3, r3',
    'sub.setf ra1, ra1, 1; v8adds r0, r0, r1',
    'brr.anynz -, r:loop',
    'fsub r1, r1, r0; fmul r2, r0, r0',
    'and r3, r3, r1',
    'nop',
    ...EXIT,
  ].join('\n');
}

/**
 * TMU + VPM loop: gather 16 words through TMU0 (one per lane), add, write the
 * vector to this QPU's VPM row and DMA it out, waiting for each store.
 * Uniforms: input address, output address, VPM write setup, VDW setup.
 */
function tmuVpmProgram(iterations: number): string {
  return [
    'mov ra0, unif', 'mov ra1, unif', 'mov ra2, unif', 'mov ra3, unif',
    'ldi ra4, ' + iterations, 'shl r3, elem_num, 2', 'ldi rb5, 64', 'itof r1, elem_num', 'ldi rb6, 1',
    ':loop',
    'add t0s, ra0, r3',
    'add ra0, ra0, rb5',
    'sub.setf ra4, ra4, rb6; nop; ldtmu0',
    'fadd r0, r4, r1; mov vw_setup, ra2',
    'mov vpm, r0',
    'mov vw_setup, ra3',
    'mov vw_addr, ra1',
    'brr.anynz -, r:loop',
    'mov.never -, vw_wait',
    'nop',
    'nop',
    ...EXIT,
  ].join('\n');
}

/** Lay out `src` for 12 QPUs in an image: code at 0, control list, per-QPU uniforms from `uniforms(k)`. */
function image(src: string, uniforms: (k: number) => number[]): Uint8Array {
  const bytes = new Uint8Array(0x40000);
  const view = new DataView(bytes.buffer);
  assembleVc4(src, 'bench.qasm').words.forEach((w, i) => {
    view.setUint32(i * 8, Number(w & 0xffffffffn), true);
    view.setUint32(i * 8 + 4, Number(w >> 32n), true);
  });
  for (let k = 0; k < 12; k++) {
    view.setUint32(CONTROL + 8 * k, BASE + UNIFORMS + 0x40 * k, true);
    view.setUint32(CONTROL + 8 * k + 4, BASE, true);
    uniforms(k).forEach((u, i) => view.setUint32(UNIFORMS + 0x40 * k + 4 * i, u >>> 0, true));
  }
  return bytes;
}

/** A workload: a memory image and its execute_qpu call. */
interface Workload { bytes: Uint8Array; base: number; numQpus: number; controlAddress: number }

/** CPU seconds of one run on a fresh copy of the image. */
function timed(w: Workload): { seconds: number; result: ExecuteQpuResult } {
  const copy = w.bytes.slice();
  const t0 = process.cpuUsage();
  const result = runExecuteQpu({ bytes: copy, base: w.base }, { numQpus: w.numQpus, controlAddress: w.controlAddress });
  const used = process.cpuUsage(t0);
  return { seconds: (used.user + used.system) / 1e6, result };
}

/** First-run and warm (best) rates, instructions per CPU second, the warm median, and the last result. */
function measure(w: Workload, warmSeconds: number, seconds: number, minRuns: number): { first: number; warm: number; median: number; result: ExecuteQpuResult } {
  const one = timed(w);
  const rate = (x: { seconds: number; result: ExecuteQpuResult }): number => x.result.profile.instructions / x.seconds;
  const first = rate(one);
  for (let spent = one.seconds; spent < warmSeconds;) spent += timed(w).seconds;
  const rates: number[] = [];
  let last = one;
  for (let spent = 0; spent < seconds || rates.length < minRuns;) {
    last = timed(w);
    spent += last.seconds;
    rates.push(rate(last));
  }
  rates.sort((x, y) => x - y);
  return { first: Math.round(first), warm: Math.round(rates[rates.length - 1] as number), median: Math.round(rates[rates.length >> 1] as number), result: last.result };
}

/**
 * Nanoseconds per pass of a fixed plain-JavaScript loop (16 float multiply-adds through a Float32Array, the
 * shape of an emulated ALU instruction), best of 20: printed with the throughput so a reader can tell a slow
 * machine from a slow emulator (on this machine it has read 36 ns at quiet times and 55 ns at busy ones).
 */
function machineCheck(): number {
  const F = new Float32Array(64);
  for (let i = 0; i < 64; i++) F[i] = Math.sin(i);
  let best = Infinity;
  for (let r = 0; r < 20; r++) {
    const t0 = process.cpuUsage();
    for (let n = 0; n < 100000; n++) {
      for (let i = 0; i < 16; i++) {
        const a = (F[i] as number) + (F[16 + i] as number);
        const m = (F[32 + i] as number) * (F[48 + i] as number);
        F[i] = a * 0.5;
        F[16 + i] = m;
      }
    }
    const used = process.cpuUsage(t0);
    best = Math.min(best, ((used.user + used.system) * 1e3) / 100000);
  }
  return best;
}

/** Measured figures for `npm run bench`. */
export async function run(): Promise<{ name: string; value: number; unit: string; goal?: string }[]> {
  // VC4_BENCH_ONLY=alu|tmu|sgemm runs one workload, for profiling it with --cpu-prof.
  const only = process.env.VC4_BENCH_ONLY;
  const at = (bytes: Uint8Array): Workload => ({ bytes, base: BASE, numQpus: 12, controlAddress: BASE + CONTROL });
  const workloads: [string, string, () => Workload][] = [
    ['alu', 'ALU loop', () => at(image(aluProgram(20000), () => []))],
    ['tmu', 'TMU/VPM/DMA loop', () => at(image(tmuVpmProgram(2000), (k) => [
      BASE + DATA, BASE + DATA + 0x10000 + 0x1000 * k,
      0x00001a00 | k, // generic VPM write: horizontal 32-bit, stride 1, row k [ARG Table 32]
      (0x80904000 | (k << 7)) >>> 0, // VDW store: 1 row of 16 words, horizontal, from VPM row k [ARG Table 34]
    ]))],
    ['sgemm', 'sgemm kernel', sgemmImage],
  ];
  const checkBefore = machineCheck();
  const rows: { name: string; value: number; unit: string; goal?: string }[] = [];
  const times: { name: string; value: number; unit: string }[] = [];
  for (const [key, label, make] of workloads) {
    if (only && only !== key) continue;
    const m = measure(make(), 1, 2, 7);
    process.stderr.write(`  ${label}: warm median ${m.median} instructions/s\n`);
    if (m.result.hazards.length) throw new Error(`bench program ${key} has hazards: ${m.result.hazards[0]?.message}`);
    rows.push(
      { name: `vc4 emulator throughput, ${label} (warm)`, value: m.warm, unit: 'instructions/s', goal: '≥ 10000000' },
      { name: `vc4 emulator throughput, ${label} (first run)`, value: m.first, unit: 'instructions/s' },
    );
    if (key !== 'sgemm') times.push({ name: `vc4 emulated time, ${label} (12 QPUs)`, value: m.result.profile.seconds * 1e6, unit: 'µs' });
  }
  return [
    ...rows, ...times,
    { name: 'machine check before: plain JS 16-lane float loop (lower is faster)', value: checkBefore, unit: 'ns' },
    { name: 'machine check after', value: machineCheck(), unit: 'ns' },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.on('error', () => {}); // e.g. piped into head
  for (const m of await run()) console.log(`${m.name}: ${m.value} ${m.unit}${m.goal ? ` (goal ${m.goal})` : ''}`);
}
