/**
 * The 256-point program, hello_fft's shader_256 structure (bench/vc4-hello-fft.ts lists what matches): two
 * radix-16 passes, 16 FFT-16 codelets per pass, two per QPU (codelet j = 8c + q), both codelets' gathers issued
 * when a pass starts; each codelet stored through a 16 × 16 VPM block (two blocks used alternately) that the master
 * QPU stores with one DMA once the 7 others have written their columns.
 *
 * Pass 1, codelet j, lane l loads x[16·rev4(l) + rev4(j)] (the 8-bit reversal of 128c + 16q + l) and computes the
 * 16-point DFT Y_j of x[16m + rev4(j)]; lane k is stored at 16k + j. Pass 2, codelet k, lane l loads Y_l[k]
 * (16k + l), pre-rotates point o = rev4(l) by W_256^(ko) through its twiddles, and stores X[k + 16s] from lane s
 * at 16s + k.
 */
import { CODELET_REGS, QPUS, codelet16, laneBits, packedStepTurns, packedTurns, reverseBits, rotateTwiddles, slaves, stepTable, table, unpack } from './codelet.ts';

const N = 256;
/** Codelets per QPU per pass: 16 per pass over 8 QPUs. */
const PER_QPU = N / 16 / QPUS;

const R = {
  ...CODELET_REGS,
  p1Re: 'ra8', p1Im: 'rb8', // pass 1 packed twiddles
  uRe: 'ra9', uIm: 'rb9', // pass 2 start (this QPU's)
  alpha: 'rb10', beta: 'rb11', // pass 2 rotation step
  curRe: 'ra10', curIm: 'ra11', // pass 2 current packed twiddles
  x: 'ra12', y: 'ra13', // this transform's ping and pong buffers
  ld: 'ra14', ld0: 'rb14', // load index (16q + lane + 128c)
  save: 'ra15', link: 'ra16', saveOff: 'ra17', syncOff: 'ra18',
  vpm: 'ra19', vpmNext: 'rb19', vdw: 'ra20', vdwNext: 'rb20',
  c55: 'rb4', c33: 'rb5', c64: 'rb6', c128: 'rb7', readOne: 'rb12',
} as const;

/** Vertical 32-bit VPM write from column X, rows Y…Y+15, stride 1 [ARG Tables 32–33]. */
const vpmVertical = (y: number, x: number): number => (1 << 12) | (2 << 8) | (y & 0x30) | x;
/** VDW store: 16 memory rows of 16 words from VPM rows Y…Y+15 [ARG Table 34]. */
const vdwRows = (y: number): number => (0x80000000 | (16 << 23) | (16 << 16) | (1 << 14) | ((y << 4) << 3)) >>> 0;
/** VDW stride: bytes from the end of one 64-byte row to the next (rows are 16 points, 128 bytes apart). */
const VDW_STRIDE = (0xc0000000 | (16 * 8 - 64)) >>> 0;

/** Issue the two gathers (re, im) of the next codelet at index `ld` (then advanced by 128), bit-reversed on pass 1. */
function load(src: string, reversed: boolean): string[] {
  return [
    `add ${R.ld}, ${R.ld}, ${R.c128}; mov r0, ${R.ld}`,
    ...(reversed ? reverseBits(8, R.c55, R.c33, '') : []),
    'shl r0, r0, 3', `add r0, r0, ${src}`, 'mov t0s, r0', 'add t0s, r0, 4',
  ];
}

/** One pass: loads of both codelets, then per codelet: receive, FFT-16, VPM write, save; then the sync. */
function pass(p: 1 | 2): string[] {
  const src = p === 1 ? R.x : R.y;
  const dst = p === 1 ? R.y : R.x;
  const out = [`mov ${R.ld}, ${R.ld0}`, `mov ${R.save}, ${dst}`];
  if (p === 1) out.push(`mov r2, ${R.p1Re}; mov r3, ${R.p1Im}`);
  else out.push(`mov r2, ${R.uRe}; mov r3, ${R.uIm}`, `mov ${R.curRe}, r2`, `mov ${R.curIm}, r3`);
  out.push(`mov.setf -, ${R.bit(3)}`, ...unpack());
  for (let c = 0; c < PER_QPU; c++) out.push(...load(src, p === 1));
  for (let c = 0; c < PER_QPU; c++) {
    out.push('nop; ldtmu0', 'mov r0, r4; ldtmu0', ...codelet16('mov r1, r4'));
    out.push(`mov vw_setup, ${R.vpm}`, 'mov vpm, r0', 'mov vpm, r1', `or vr_setup, ${R.vpm}, ${R.readOne}`);
    out.push(`brr ${R.link}, r:save, ${R.saveOff}`,
      `mov ${R.vpm}, ${R.vpmNext}; mov ${R.vpmNext}, ${R.vpm}`, `mov ${R.vdw}, ${R.vdwNext}; mov ${R.vdwNext}, ${R.vdw}`, 'nop');
    if (p === 2 && c + 1 < PER_QPU) out.push(...rotateTwiddles(R.curRe, R.curIm, R.alpha, R.beta, `mov.setf -, ${R.bit(3)}`), ...unpack());
  }
  out.push(`brr ${R.link}, r:sync, ${R.syncOff}`, 'nop', 'nop', 'nop');
  return out;
}

/** The program text (vc4asm syntax). Uniforms: shared twiddles, this QPU's twiddles, QPU index, then (ping, pong) pairs ending with (0, 0). */
export function shader256(): string {
  const semRound = slaves((i) => [`sacq -, ${8 + i}`, `srel -, ${i}`]);
  return [
    // Constants and per-QPU setup.
    `mov ${R.c55}, 0x55`, `mov ${R.c33}, 0x33`, `mov ${R.c64}, 64`, `mov ${R.c128}, 128`, `mov ${R.readOne}, 0x100000`,
    ...laneBits(),
    'mov r2, unif', 'mov r3, unif', 'mov r0, unif',
    // Twiddles: lane e of a table at table + 8e (re), + 4 (im).
    'shl r1, elem_num, 3', 'add r2, r2, r1', 'add r3, r3, r1',
    'mov t0s, r2', 'add t0s, r2, 4', `add r2, r2, ${R.c128}`, 'mov t0s, r2', 'add t0s, r2, 4',
    'nop; ldtmu0', `mov ${R.p1Re}, r4; ldtmu0`, `mov ${R.p1Im}, r4; ldtmu0`, `mov ${R.alpha}, r4; ldtmu0`, `mov ${R.beta}, r4`,
    'mov t0s, r3', 'add t0s, r3, 4', 'nop; ldtmu0', `mov ${R.uRe}, r4; ldtmu0`, `mov ${R.uIm}, r4`,
    // q: load index base, VPM columns 2q and 2q + 1 of blocks 0 and 16, branch offsets of the save and sync code.
    'shl r1, r0, 4', `add ${R.ld0}, r1, elem_num`, 'shl r1, r0, 1',
    `mov r2, ${vpmVertical(0, 0)}`, `add ${R.vpm}, r1, r2`, `mov r2, ${vpmVertical(16, 0)}`, `add ${R.vpmNext}, r1, r2`,
    `mov ${R.vdw}, ${vdwRows(0)}`, `mov ${R.vdwNext}, ${vdwRows(16)}`,
    'shl r1, r0, 5', 'mov.setf -, r0', `mov ${R.saveOff}, 0`, `mov ${R.syncOff}, 0`,
    'mov r2, :save_slaves - :save - 32', `add.ifzc ${R.saveOff}, r1, r2`,
    'mov r2, :sync_slaves - :sync - 32', `add.ifzc ${R.syncOff}, r1, r2`,
    ':loop',
    `mov.setf ${R.x}, unif`, 'brr.allz -, r:end', `mov ${R.y}, unif`, 'nop', 'nop',
    ...pass(1), ...pass(2),
    'brr -, r:loop', 'nop', 'nop', 'nop',
    ':end',
    'mov irq, 1', 'nop; thrend', 'nop', 'nop',
    // Master save: consume the read-back, wait for the previous DMA, collect and release the slaves, store the block.
    ':save',
    'mov -, vpm', 'mov.never -, vw_wait', ...semRound,
    `bra -, ${R.link}`, `mov vw_setup, ${R.vdwNext}`, `mov vw_setup, ${VDW_STRIDE}`,
    `add ${R.save}, ${R.save}, ${R.c64}; mov vw_addr, ${R.save}`,
    ':save_slaves',
    ...slaves((i) => [`bra -, ${R.link}`, 'mov -, vpm', `srel -, ${8 + i}`, `sacq -, ${i}`]),
    // Master sync: the last DMA done, then a semaphore round.
    ':sync',
    'mov.never -, vw_wait', ...semRound.slice(0, -3), `bra -, ${R.link}`, ...semRound.slice(-3),
    ':sync_slaves',
    ...slaves((i) => [`bra -, ${R.link}`, `srel -, ${8 + i}`, 'nop', `sacq -, ${i}`]),
  ].join('\n');
}

/**
 * Twiddle tables: shared = [pass 1's packed twiddles, pass 2's step (a QPU's next codelet is 8 further along)],
 * unique q = pass 2's packed twiddles for codelet q.
 */
export function tables256(): { shared: Float32Array[]; unique: (q: number) => Float32Array[] } {
  return {
    shared: [table(packedTurns(N, 0)), stepTable(packedStepTurns(N, QPUS))],
    unique: (q) => [table(packedTurns(N, q))],
  };
}
