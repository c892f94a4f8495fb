/**
 * The 4096-point program with the structure of Andrew Holme's release 3.0 (raspberrypi/userland hello_fft: its
 * twiddles_4k is a 16-point base and two 16-point steps; the same shader is in vc4asm's first commit of the
 * sample): three radix-16 passes, 256 FFT-16 codelets per pass, 32 per QPU (codelet c = 8t + q, two per loop
 * turn, the next codelet's gathers issued one ahead), each stored through a 16 × 16 VPM block as in shader_256 (two
 * blocks used alternately, the master's one DMA of 16 rows 2048 bytes apart): every pass stores codelet c's lane r
 * at 256r + c and, after pass 1's bit-reversed gathers, loads codelet c's 16 points from 16c.
 *
 * Pass 1, codelet j, lane l loads x[256·rev4(l) + rev8(j)] (the 12-bit reversal of 16j + l): T1[256k + j] = Y_j[k],
 * the FFT-16 of x[256m + rev8(j)]. For each k the rest is a 256-point DFT of z[o] = W_4096^(ko) Ŷ_o[k], whose
 * points T1 holds in bit-reversed order. Pass 2, codelet c = 16k + j', pre-rotates by W_256^k (the same for all
 * QPUs: rotated once per turn): T2[256s + c]. Pass 3, codelet c = 16s + k, loads T2[16c + l] (lane l: j' = l) and
 * pre-rotates by W_4096^c, which takes in pass 2's constant factor W_4096^(k·rev4(j')); lane K is
 * X[k + 16s + 256K] at 256K + c. The result is left in the pong buffer (an odd pass count, as release 3.0 does).
 */
import {
  CODELET_REGS, QPUS, gather, laneBits, loadAt, loopEnd, mainLoop, packedStepTurns, packedTurns, receive, reverseBits, rotateTwiddles, stepTable,
  table, tableUniforms, twoBlockCodelet, twoBlockSaveSync, twoBlockSetup, unpack,
} from './codelet.ts';

const N = 4096;
/** Codelets per QPU per pass: 256 over 8 QPUs. */
const PER_QPU = N / 16 / QPUS;

const R = {
  ...CODELET_REGS,
  p1Re: 'ra8', p1Im: 'rb8', // packed twiddles without pre-rotation (pass 1, pass 2's start)
  uRe: 'ra9', uIm: 'rb9', // pass 3's start (this QPU's)
  curRe: 'ra10', curIm: 'ra11',
  step2Re: 'rb10', step2Im: 'rb11', step3Re: 'rb12', step3Im: 'rb13',
  x: 'ra12', y: 'ra13', ld: 'ra14', ld0: 'rb14',
  save: 'ra15', link: 'ra16', saveOff: 'ra17', syncOff: 'ra18',
  vpm: 'ra19', vpmNext: 'rb19', vdw: 'ra20', vdwNext: 'rb20',
  count: 'ra22',
  c555: 'rb4', c333: 'rb5', cF0: 'rb6', c128: 'rb7', readOne: 'rb15', c64: 'rb16',
} as const;

/** VDW stride: bytes from the end of one 64-byte row to the next (rows are 256 points, 2048 bytes apart). */
const VDW_STRIDE = (0xc0000000 | (256 * 8 - 64)) >>> 0;

/** Issue the two gathers (re, im) of the next codelet at index `ld` (then advanced by 128), bit-reversed on pass 1. */
function load(p: 1 | 2 | 3, src: string): string[] {
  return loadAt(R.ld, R.c128, src, p === 1 ? reverseBits(12, R.c555, R.c333, R.cF0) : []);
}

/** One pass: its twiddles, the first gathers, the loop of two codelets a turn, the stray gathers dropped, the sync. */
function pass(p: 1 | 2 | 3): string[] {
  const src = p === 2 ? R.y : R.x;
  const dst = p === 2 ? R.x : R.y;
  const out = [
    `mov ${R.ld}, ${R.ld0}`, `mov ${R.save}, ${dst}`, `mov ${R.count}, ${PER_QPU / 2}`,
  ];
  if (p === 3) out.push(`mov r2, ${R.uRe}; mov r3, ${R.uIm}`);
  else out.push(`mov r2, ${R.p1Re}; mov r3, ${R.p1Im}`);
  out.push(`mov ${R.curRe}, r2`, `mov.setf -, ${R.bit(3)}; mov ${R.curIm}, r3`, ...unpack());
  out.push(...load(p, src), `:turn${p}`);
  for (let h = 0; h < 2; h++) {
    out.push(...load(p, src), ...twoBlockCodelet(R));
    if (p === 3) out.push(...rotateTwiddles(R.curRe, R.curIm, R.step3Re, R.step3Im, `mov.setf -, ${R.bit(3)}`), ...unpack());
  }
  // Pass 2: the next turn's two codelets are the next k, rotated one W_256 further.
  if (p === 2) out.push(...rotateTwiddles(R.curRe, R.curIm, R.step2Re, R.step2Im, `mov.setf -, ${R.bit(3)}`), ...unpack());
  out.push(...loopEnd(R.count, `turn${p}`, R.link, R.syncOff));
  return out;
}

/** The program text (vc4asm syntax). Uniforms: shared twiddles, this QPU's twiddles, QPU index, then (ping, pong) pairs ending with (0, 0). */
export function shader4kRadix16(): string {
  return [
    `mov ${R.c555}, 0x555`, `mov ${R.c333}, 0x333`, `mov ${R.cF0}, 0xf0`, `mov ${R.c128}, 128`, `mov ${R.readOne}, 0x100000`,
    `mov ${R.c64}, 64`, ...laneBits(),
    // Twiddles: shared [base, pass 2 step, pass 3 step], unique [pass 3 start]; lane e at table + 8e (re), + 4 (im).
    ...tableUniforms(),
    ...gather('r2'), `add r2, r2, ${R.c128}`, ...gather('r2'), ...receive(R.p1Re, R.p1Im, R.step2Re, R.step2Im),
    `add r2, r2, ${R.c128}`, ...gather('r2'), ...gather('r3'), ...receive(R.step3Re, R.step3Im, R.uRe, R.uIm),
    // q: load index base 16q + lane, VPM columns 2q and 2q + 1 of blocks 0 and 16, branch offsets.
    ...twoBlockSetup(R),
    ...mainLoop(R.x, R.y, [...pass(1), ...pass(2), ...pass(3)]),
    ...twoBlockSaveSync(R, VDW_STRIDE),
  ].join('\n');
}

/** Twiddle tables: shared = [no pre-rotation, pass 2's step W_256 (16 in W_4096 units), pass 3's step (8)], unique q = pass 3's start. */
export function tables4kRadix16(): { shared: Float32Array[]; unique: (q: number) => Float32Array[] } {
  return {
    shared: [table(packedTurns(N, 0)), stepTable(packedStepTurns(N, 16)), stepTable(packedStepTurns(N, QPUS))],
    unique: (q) => [table(packedTurns(N, q))],
  };
}
