/**
 * The 4096-point program with the structure of the vc4asm rewrite's gpu_fft_4k (maazl/vc4asm sample/hello_fft;
 * bench/vc4-hello-fft.ts lists what matches; release 3.0 itself makes three radix-16 passes: shader-4k-r16.ts):
 * two radix-64 passes, 64 codelets of 64 points per pass, eight per QPU (codelet j = 8c + q) in a loop. A codelet is four
 * FFT-16s (one per 16-point vector, each loaded by two TMU gathers, the next vector's gathers issued before the
 * current one is received) and two radix-2 stages across the vectors (twiddles W_32 and W_64); its 64 points go to
 * the QPU's two columns of the whole 64 × 16 VPM, which the master stores with one DMA of 64 rows: the master
 * first waits for its previous DMA and releases the slaves to write, then collects them.
 *
 * Pass 1, codelet j, position P = 16v + l (vector v, lane l) loads x[64·rev6(P) + rev6(j)] (the 12-bit reversal of
 * 512c + 64q + 16v + l) and computes the 64-point DFT Y_j of x[64m + rev6(j)]; point k is stored at 64k + j. Pass 2,
 * codelet k loads Y_P[k] (64k + P) and pre-rotates point o = rev6(P) by W_4096^(ko): stage s of the 64-point DIT
 * multiplies its odd half by W_{2^(s+1)}^p · W_4096^(k·32/2^s), so stages 0–3 use the packed 16-lane twiddles of a
 * pre-rotation by 4k, stage 4 W_32^l · W_4096^(2k), stage 5 W_64^(p) · W_4096^k (p = l, 16 + l).
 */
import {
  CODELET_REGS, QPUS, gather, laneBits, loadAt, loopEnd, mainLoop, packedStepTurns, packedTurns, receive, receiveCodelet, reverseBits,
  rotateTwiddles, slaves, stepTable, syncCode, table, unpack, vpmVertical,
} from './codelet.ts';

const N = 4096;
/** Codelets per QPU per pass: 64 over 8 QPUs. */
const PER_QPU = N / 64 / QPUS;

const R = {
  ...CODELET_REGS,
  curRe: 'ra8', curIm: 'ra9', // packed stage 0–3 twiddles
  t32Re: 'ra10', t32Im: 'ra11', t64aRe: 'ra12', t64aIm: 'ra13', t64bRe: 'ra14', t64bIm: 'ra15',
  x: 'ra16', y: 'ra17', ld: 'ra18', save: 'ra19', link: 'ra20', acqOff: 'ra21', sigOff: 'ra22', syncOff: 'ra23',
  twShared: 'ra24', twUnique: 'ra25', count: 'ra26',
  c555: 'rb4', c333: 'rb5', cF0: 'rb6', c16: 'rb7',
  stepRe: 'rb8', stepIm: 'rb9', step32Re: 'rb10', step32Im: 'rb11', step64Re: 'rb12', step64Im: 'rb13',
  ld0: 'rb14', c464: 'rb15', c64: 'rb16', c128: 'rb17', vpmRead: 'rb19', lane8: 'rb20',
  vpm: (v: number): string => ['rb18', 'rb21', 'rb22', 'rb23'][v] as string,
} as const;

/** VDW store: 64 memory rows of 16 words from VPM rows 0…63 [ARG Table 34]. */
const VDW_64 = (0x80000000 | (64 << 23) | (16 << 16) | (1 << 14)) >>> 0;
/** VDW stride: bytes from the end of one 64-byte row to the next (rows are 64 points, 512 bytes apart). */
const VDW_STRIDE = (0xc0000000 | (64 * 8 - 64)) >>> 0;

/** Issue the two gathers (re, im) of the 16 points at index `ld`, then advance it to the next vector (`stride`). */
function load(src: string, reversed: boolean, stride: string): string[] {
  return loadAt(R.ld, stride, src, reversed ? reverseBits(12, R.c555, R.c333, R.cF0) : []);
}

/** Multiply (r0, r1) by the twiddle vector (re, im): the real part to `outRe`, the imaginary part to `outIm`. */
function twiddle(re: string, im: string, outRe: string, outIm: string): string[] {
  return [`fmul r2, r0, ${re}`, `fmul r3, r1, ${im}`, `fsub ${outRe}, r2, r3; fmul r3, r0, ${im}`, `fmul r2, r1, ${re}`, `fadd ${outIm}, r2, r3`];
}

/** One pass: twiddles, the first gathers, the codelet loop, the stray gathers dropped, the sync. */
function pass(p: 1 | 2): string[] {
  const src = p === 1 ? R.x : R.y;
  const dst = p === 1 ? R.y : R.x;
  const vector = (v: number): string[] => load(src, p === 1, v === 3 ? R.c464 : R.c16);
  const out = [
    `mov ${R.ld}, ${R.ld0}`, `mov ${R.save}, ${dst}`, `mov ${R.count}, ${PER_QPU}`,
    // The pass's twiddles: four 16-lane tables (packed, W_32, W_64 low and high half) at table + 8·lane.
    `add r2, ${p === 1 ? R.twShared : R.twUnique}, ${R.lane8}`,
    ...gather('r2'), `add r2, r2, ${R.c128}`, ...gather('r2'), ...receive(R.curRe, R.curIm, R.t32Re, R.t32Im),
    `add r2, r2, ${R.c128}`, ...gather('r2'), `add r2, r2, ${R.c128}`, ...gather('r2'), ...receive(R.t64aRe, R.t64aIm, R.t64bRe, R.t64bIm),
    `mov r2, ${R.curRe}`, `mov.setf -, ${R.bit(3)}; mov r3, ${R.curIm}`, ...unpack(),
    ...vector(0),
    `:codelet${p}`,
  ];
  const codelet = receiveCodelet();
  out.push(
    // V0 to (ra27, rb27); V1 · W_32 to (rb28, ra28); V2 to (ra29, rb29).
    ...vector(1), ...codelet, 'mov ra27, r0; mov rb27, r1',
    ...vector(2), ...codelet, ...twiddle(R.t32Re, R.t32Im, 'rb28', 'ra28'),
    ...vector(3), ...codelet, 'mov ra29, r0; mov rb29, r1',
    // Stage 4 of the first half: S0 = V0 + V1' to (ra31, rb31), S1 = V0 − V1' to (ra30, rb30).
    'fadd ra31, ra27, rb28', 'fsub ra30, ra27, rb28', 'fadd rb31, rb27, ra28', 'fsub rb30, rb27, ra28',
    ...vector(0), ...codelet,
    // V3' = V3 · W_32 in (r2, r1); S2 = V2 + V3' in (r0, r3), S3 = V2 − V3' to (rb27, ra27).
    `fmul r2, r0, ${R.t32Re}`, `fmul r3, r1, ${R.t32Im}`, `fsub r2, r2, r3; fmul r3, r0, ${R.t32Im}`, `fmul r0, r1, ${R.t32Re}`, 'fadd r1, r0, r3',
    'fadd r0, ra29, r2', 'fsub rb27, ra29, r2', 'fadd r3, rb29, r1', 'fsub ra27, rb29, r1',
    // Stage 5 twiddles: S2' = S2 · W_64 (low half) to (rb29, ra29), S3' = S3 · W_64 (high half) to (rb28, ra28).
    'mov r1, r3', ...twiddle(R.t64aRe, R.t64aIm, 'rb29', 'ra29'),
    'mov r0, rb27; mov r1, ra27', ...twiddle(R.t64bRe, R.t64bIm, 'rb28', 'ra28'),
    // Write O0 = S0 + S2', O1 = S1 + S3', O2 = S0 − S2', O3 = S1 − S3' to rows 0, 16, 32, 48 once released.
    `brr ${R.link}, r:acquire, ${R.acqOff}`, 'nop', 'nop', 'nop',
    `mov vw_setup, ${R.vpm(0)}`, 'fadd vpm, ra31, rb29', 'fadd vpm, rb31, ra29',
    `mov vw_setup, ${R.vpm(1)}`, 'fadd vpm, ra30, rb28', 'fadd vpm, rb30, ra28',
    `mov vw_setup, ${R.vpm(2)}`, 'fsub vpm, ra31, rb29', 'fsub vpm, rb31, ra29',
    `mov vw_setup, ${R.vpm(3)}`, 'fsub vpm, ra30, rb28', 'fsub vpm, rb30, ra28',
    `mov vr_setup, ${R.vpmRead}`,
    `brr ${R.link}, r:signal, ${R.sigOff}`, 'nop', 'nop', 'nop',
  );
  if (p === 2) {
    // The next codelet on this QPU is 8 further along: rotate every twiddle vector by its step.
    out.push(
      ...rotateTwiddles(R.t32Re, R.t32Im, R.step32Re, R.step32Im),
      ...rotateTwiddles(R.t64aRe, R.t64aIm, R.step64Re, R.step64Im),
      ...rotateTwiddles(R.t64bRe, R.t64bIm, R.step64Re, R.step64Im),
      ...rotateTwiddles(R.curRe, R.curIm, R.stepRe, R.stepIm, `mov.setf -, ${R.bit(3)}`), ...unpack(),
    );
  }
  out.push(...loopEnd(R.count, `codelet${p}`, R.link, R.syncOff));
  return out;
}

/** The program text (vc4asm syntax). Uniforms: shared twiddles, this QPU's twiddles, QPU index, then (ping, pong) pairs ending with (0, 0). */
export function shader4k(): string {
  const offset = (reg: string, name: string): string[] => [`mov r2, :${name}_slaves - :${name} - 32`, `add.ifzc ${reg}, r1, r2`];
  return [
    `mov ${R.c555}, 0x555`, `mov ${R.c333}, 0x333`, `mov ${R.cF0}, 0xf0`, `mov ${R.c16}, 16`, `mov ${R.c464}, 464`,
    `mov ${R.c64}, 64`, `mov ${R.c128}, 128`, `shl ${R.lane8}, elem_num, 3`, ...laneBits(),
    `mov ${R.twShared}, unif`, `mov ${R.twUnique}, unif`, 'mov r0, unif',
    // The rotation steps: three tables after pass 1's four.
    'mov r3, 512', `add r2, ${R.twShared}, ${R.lane8}`, 'add r2, r2, r3',
    ...gather('r2'), `add r2, r2, ${R.c128}`, ...gather('r2'), ...receive(R.stepRe, R.stepIm, R.step32Re, R.step32Im),
    `add r2, r2, ${R.c128}`, ...gather('r2'), ...receive(R.step64Re, R.step64Im),
    // q: load index base 64q + lane, VPM columns 2q and 2q + 1 in rows 0, 16, 32, 48, branch offsets.
    'shl r1, r0, 6', `add ${R.ld0}, r1, elem_num`, 'shl r1, r0, 1',
    ...[0, 1, 2, 3].flatMap((v) => [`mov r2, ${vpmVertical(16 * v, 0)}`, `add ${R.vpm(v)}, r1, r2`]),
    `mov r2, ${0x100000 | vpmVertical(0, 0)}`, `add ${R.vpmRead}, r1, r2`,
    'shl r1, r0, 5', 'mov.setf -, r0', `mov ${R.acqOff}, 0`, `mov ${R.sigOff}, 0`, `mov ${R.syncOff}, 0`,
    ...offset(R.acqOff, 'acquire'), ...offset(R.sigOff, 'signal'), ...offset(R.syncOff, 'sync'),
    ...mainLoop(R.x, R.y, [...pass(1), ...pass(2)]),
    // Master: its previous DMA done (the VPM is free), release the slaves to write.
    ':acquire',
    'mov.never -, vw_wait', ...slaves((i) => [`srel -, ${i}`]).slice(0, 4), `bra -, ${R.link}`, ...slaves((i) => [`srel -, ${i}`]).slice(4),
    ':acquire_slaves',
    ...slaves((i) => [`bra -, ${R.link}`, `sacq -, ${i}`, 'nop', 'nop']),
    // Master: consume the read-back, collect the slaves, store the 64 rows.
    ':signal',
    'mov -, vpm', ...slaves((i) => [`sacq -, ${8 + i}`]),
    `bra -, ${R.link}`, `mov vw_setup, ${VDW_64}`, `mov vw_setup, ${VDW_STRIDE}`, `add ${R.save}, ${R.save}, ${R.c64}; mov vw_addr, ${R.save}`,
    ':signal_slaves',
    ...slaves((i) => [`bra -, ${R.link}`, 'mov -, vpm', `srel -, ${8 + i}`, 'nop']),
    ...syncCode(R.link),
  ].join('\n');
}

/**
 * Twiddle tables: shared = [pass 1's packed, W_32, W_64 low, W_64 high; the steps of a QPU's next codelet (8
 * further along) for the packed vector, W_32 and both W_64 halves]; unique q = pass 2's four for codelet q.
 */
export function tables4k(): { shared: Float32Array[]; unique: (q: number) => Float32Array[] } {
  const set = (k: number): Float32Array[] => [
    table(packedTurns(N, 4 * k)), table((l) => l / 32 + (2 * k) / N), table((l) => l / 64 + k / N), table((l) => (16 + l) / 64 + k / N),
  ];
  return {
    shared: [...set(0), stepTable(packedStepTurns(N, 4 * QPUS)), stepTable(() => (2 * QPUS) / N), stepTable(() => QPUS / N)],
    unique: set,
  };
}
