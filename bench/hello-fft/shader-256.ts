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
import {
  CODELET_REGS, QPUS, gather, laneBits, loadAt, mainLoop, packedStepTurns, packedTurns, receive, reverseBits, rotateTwiddles, stepTable, table,
  tableUniforms, toSync, twoBlockCodelet, twoBlockSaveSync, twoBlockSetup, unpack,
} from './codelet.ts';

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

/** VDW stride: bytes from the end of one 64-byte row to the next (rows are 16 points, 128 bytes apart). */
const VDW_STRIDE = (0xc0000000 | (16 * 8 - 64)) >>> 0;

/** Issue the two gathers (re, im) of the next codelet at index `ld` (then advanced by 128), bit-reversed on pass 1. */
function load(src: string, reversed: boolean): string[] {
  return loadAt(R.ld, R.c128, src, reversed ? reverseBits(8, R.c55, R.c33, '') : []);
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
    out.push(...twoBlockCodelet(R));
    if (p === 2 && c + 1 < PER_QPU) out.push(...rotateTwiddles(R.curRe, R.curIm, R.alpha, R.beta, `mov.setf -, ${R.bit(3)}`), ...unpack());
  }
  out.push(...toSync(R.link, R.syncOff));
  return out;
}

/** The program text (vc4asm syntax). Uniforms: shared twiddles, this QPU's twiddles, QPU index, then (ping, pong) pairs ending with (0, 0). */
export function shader256(): string {
  return [
    // Constants and per-QPU setup.
    `mov ${R.c55}, 0x55`, `mov ${R.c33}, 0x33`, `mov ${R.c64}, 64`, `mov ${R.c128}, 128`, `mov ${R.readOne}, 0x100000`,
    ...laneBits(),
    // Twiddles: lane e of a table at table + 8e (re), + 4 (im).
    ...tableUniforms(),
    ...gather('r2'), `add r2, r2, ${R.c128}`, ...gather('r2'), ...receive(R.p1Re, R.p1Im, R.alpha, R.beta),
    ...gather('r3'), ...receive(R.uRe, R.uIm),
    // q: load index base, VPM columns 2q and 2q + 1 of blocks 0 and 16, branch offsets of the save and sync code.
    ...twoBlockSetup(R),
    ...mainLoop(R.x, R.y, [...pass(1), ...pass(2)]),
    ...twoBlockSaveSync(R, VDW_STRIDE),
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
