/** Benchmark: VC4 emulator throughput in QPU instructions per second (goal ≥ 10 M/s on one core). */
import { assembleVc4 } from '../compiler/isa/vc4/index.ts';
import { runExecuteQpu } from '../runtime/emulator/vc4/execute.ts';

const BASE = 0xc0000000;

/** A loop of mixed float and integer ALU work, 12 QPUs, each running `iterations` times. */
function program(iterations: number): bigint[] {
  return assembleVc4([
    'ldi ra1, ' + iterations, 'itof r1, elem_num', 'mov r2, 1.0', 'ldi r3, 0',
    ':loop',
    'fadd r1, r1, r2; fmul r0, r1, r2',
    'add r3, r3, 1; mul24 r2, r3, r3',
    'sub.setf ra1, ra1, 1; v8adds r0, r0, r1',
    'brr.anynz -, r:loop',
    'fsub r1, r1, r0; fmul r2, r0, r0',
    'and r3, r3, r1',
    'nop',
    'mov irq, 1', 'nop; thrend', 'nop', 'nop',
  ].join('\n'), 'bench.qasm').words;
}

/** Measured figures for `npm run bench`. */
export async function run(): Promise<{ name: string; value: number; unit: string; goal?: string }[]> {
  const words = program(2000);
  const bytes = new Uint8Array(0x10000);
  const view = new DataView(bytes.buffer);
  words.forEach((w, i) => {
    view.setUint32(i * 8, Number(w & 0xffffffffn), true);
    view.setUint32(i * 8 + 4, Number(w >> 32n), true);
  });
  for (let k = 0; k < 12; k++) {
    view.setUint32(0x8000 + 8 * k, BASE + 0x9000, true);
    view.setUint32(0x8000 + 8 * k + 4, BASE, true);
  }
  runExecuteQpu({ bytes, base: BASE }, { numQpus: 12, controlAddress: BASE + 0x8000 }); // warm-up
  const t0 = performance.now();
  const r = runExecuteQpu({ bytes, base: BASE }, { numQpus: 12, controlAddress: BASE + 0x8000 });
  const seconds = (performance.now() - t0) / 1000;
  return [
    { name: 'vc4 emulator throughput', value: Math.round(r.profile.instructions / seconds), unit: 'instructions/s', goal: '≥ 10000000' },
    { name: 'vc4 emulated time of the bench loop', value: r.profile.seconds * 1e6, unit: 'µs' },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const m of await run()) console.log(`${m.name}: ${m.value} ${m.unit}${m.goal ? ` (goal ${m.goal})` : ''}`);
}
