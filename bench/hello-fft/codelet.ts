/**
 * Pieces the hello_fft-shaped VC4 programs share (bench/vc4-hello-fft.ts says what they are): the FFT-16 codelet
 * across the 16 SIMD lanes, the unpacking of its packed twiddles, the bit-reversed load index, the gathers, the
 * main loop, the semaphore rounds, the two-block VPM store of shader-256.ts and shader-4k-r16.ts, and the
 * host-side twiddle tables. Our own code; hello_fft was read for its structure only.
 */

/** QPUs hello_fft runs on (GPU_FFT_QPUS). */
export const QPUS = 8;

/** Registers both programs use alike: the unpacked stage twiddles (regfile A) and the lane-bit masks (regfile B). */
export const CODELET_REGS = {
  /** Stage s twiddles, real and imaginary parts. */
  twRe: (s: number): string => `ra${s}`,
  twIm: (s: number): string => `ra${4 + s}`,
  /** elem_num & 2^s, for the flags of stage s. */
  bit: (s: number): string => `rb${s}`,
} as const;
const R = CODELET_REGS;

/** Set the lane-bit masks (the program's first instructions). */
export function laneBits(): string[] {
  return [0, 1, 2, 3].map((s) => `and ${R.bit(s)}, elem_num, ${1 << s}`);
}

/**
 * Unpack the packed twiddles in r2 (re) and r3 (im) into the stage registers; the flags for bit 3 must be set and
 * r2 not written by the instruction before. Packed lane 2^s + p holds stage s's twiddle p; stage s's lanes with
 * bit s set need it at every lane with that low part p, so lanes with bit s set take the lane 2^s below, s = 3, 2, 1.
 */
export function unpack(): string[] {
  const out: string[] = [];
  for (const s of [3, 2, 1]) {
    if (s !== 3) out.push(`mov.setf -, ${R.bit(s)}`);
    out.push(`mov ${R.twRe(s)}, r2; mov.ifzc.rot ${1 << s}, r2, r2`, `mov ${R.twIm(s)}, r3; mov.ifzc.rot ${1 << s}, r3, r3`);
  }
  out.push(`mov ${R.twRe(0)}, r2`, `mov ${R.twIm(0)}, r3`);
  return out;
}

/**
 * The FFT-16 codelet on r0 (re) and r1 (im), bit-reversed in, natural order out (37 instructions). Stage s: lanes
 * with bit s set multiply by their twiddle, then a lane with bit s clear adds its partner 2^s above, a lane with it
 * set subtracts itself from its partner 2^s below. `first` fills the first instruction's add slot (the caller's
 * last move of r1).
 */
export function codelet16(first: string): string[] {
  const out: string[] = [];
  let tail: string[] = [];
  for (let s = 0; s < 4; s++) {
    const L = 1 << s;
    const head0 = `fmul r2, r0, ${R.twRe(s)}`;
    const head1 = `fmul r3, r1, ${R.twIm(s)}`;
    if (s === 0) out.push(`${first}; ${head0}`, `mov.setf -, ${R.bit(0)}; ${head1}`);
    else out.push(`${tail[0]}; ${head0}`, tail[1] as string, `mov.setf -, ${R.bit(s)}; ${head1}`);
    out.push(
      `fsub.ifzc r0, r2, r3; fmul r2, r0, ${R.twIm(s)}`, // re' = re·c − im·d on the odd lanes; re·d
      `nop; fmul r3, r1, ${R.twRe(s)}`, // im·c
      `fadd.ifzc r1, r2, r3; mov.ifzs.rot ${16 - L}, r2, r0`, // im' ; partner above
      `nop; mov.ifzc.rot ${L}, r2, r0`, // partner below
      `fadd.ifzs r0, r0, r2; mov.ifzs.rot ${16 - L}, r3, r1`,
      `fsub.ifzc r0, r2, r0; mov.ifzc.rot ${L}, r3, r1`,
    );
    tail = ['fadd.ifzs r1, r1, r3', 'fsub.ifzc r1, r3, r1'];
  }
  out.push(...tail);
  return out;
}

/**
 * Reverse the low `bits` (8 or 12) bits of r0 (r1, r2 scratch): swap odd and even bits, then bit pairs (masks in
 * `m55`, `m33`: 0x55… and 0x33… over those bits), then the nibbles. Doubling by v8adds on the mul ALU cannot carry
 * between bytes here: the masked values are at most 0x55 or 0x33 in each byte.
 */
export function reverseBits(bits: 8 | 12, m55: string, m33: string, mF0: string): string[] {
  const out = [
    `and r1, r0, ${m55}`, 'shr r0, r0, 1', `and r0, r0, ${m55}; v8adds r1, r1, r1`, 'or r0, r0, r1',
    `and r1, r0, ${m33}`, 'shr r0, r0, 2; v8adds r1, r1, r1', `and r0, r0, ${m33}; v8adds r1, r1, r1`, 'or r0, r0, r1',
  ];
  if (bits === 8) out.push('and r1, r0, 15', 'shr r0, r0, 4', 'shl r1, r1, 4', 'or r0, r0, r1');
  else out.push('and r1, r0, 15', 'shr r2, r0, 8', 'shl r1, r1, 8', `and r0, r0, ${mF0}`, 'or r0, r0, r1', 'or r0, r0, r2');
  return out;
}

/** A master/slave semaphore round: the master (QPU 0) waits for slave i on semaphore 8 + i, then releases it on i. */
export function slaves(body: (i: number) => string[]): string[] {
  return Array.from({ length: QPUS - 1 }, (_, k) => body(k + 1)).flat();
}

/** 16 complex numbers, interleaved (re, im), of angles −2π · turns(lane). */
export function table(turns: (lane: number) => number): Float32Array {
  const t = new Float32Array(32);
  for (let e = 0; e < 16; e++) {
    t[2 * e] = Math.cos(-2 * Math.PI * turns(e));
    t[2 * e + 1] = Math.sin(-2 * Math.PI * turns(e));
  }
  return t;
}

/** Recurrence constants (α, β) = (2 sin²(δ/2), sin δ), δ = −2π · turns(lane), interleaved: t ← t − (α t − iβ t) rotates t by δ. */
export function stepTable(turns: (lane: number) => number): Float32Array {
  const t = new Float32Array(32);
  for (let e = 0; e < 16; e++) {
    const d = -2 * Math.PI * turns(e);
    t[2 * e] = 2 * Math.sin(d / 2) ** 2;
    t[2 * e + 1] = Math.sin(d);
  }
  return t;
}

/**
 * Turns of the packed twiddles of a 16-lane codelet whose input point o is pre-rotated by W_n^(k·o): lane e ≥ 1
 * is stage s = ⌊log2 e⌋, p = e − 2^s, and needs W_{2^(s+1)}^p · W_n^(k · 8 / 2^s) (the stage's odd half sits
 * 8 / 2^s points further along). Lane 0 is unused (turn 0).
 */
export function packedTurns(n: number, k: number): (lane: number) => number {
  return (e) => {
    if (e === 0) return 0;
    const s = 31 - Math.clz32(e);
    return (e - (1 << s)) / (2 << s) + (k * (8 >> s)) / n;
  };
}

/** The rotation packedTurns(n, k + dk) − packedTurns(n, k), lane by lane (0 on lane 0). */
export function packedStepTurns(n: number, dk: number): (lane: number) => number {
  return (e) => (e === 0 ? 0 : (dk * (8 >> (31 - Math.clz32(e)))) / n);
}

/**
 * Rotate the twiddle vector (re in regfile A `re`, im in A `im`) by the step (α, β in regfile B): re −= α re + β im,
 * im −= α im − β re. Leaves the new re in r2 and im in r3; `last` fills the add slot of the final move.
 */
export function rotateTwiddles(re: string, im: string, alpha: string, beta: string, last = 'nop'): string[] {
  return [
    `fmul r2, ${re}, ${alpha}`, `fmul r3, ${im}, ${beta}`,
    `fadd r2, r2, r3; fmul r3, ${im}, ${alpha}`, `fsub r2, ${re}, r2; fmul r1, ${re}, ${beta}`,
    'fsub r1, r3, r1', `fsub r3, ${im}, r1; mov ${re}, r2`, `${last}; mov ${im}, r3`,
  ];
}

/** Vertical 32-bit VPM write from column X, rows Y…Y+15, stride 1 [ARG Tables 32–33]. */
export const vpmVertical = (y: number, x: number): number => (1 << 12) | (2 << 8) | (y & 0x30) | x;
/** VDW store: 16 memory rows of 16 words from VPM rows Y…Y+15 [ARG Table 34]. */
export const vdwRows = (y: number): number => (0x80000000 | (16 << 23) | (16 << 16) | (1 << 14) | ((y << 4) << 3)) >>> 0;

/** Issue the two TMU gathers of a 16-lane complex vector whose lanes' re addresses are in `reg` (im 4 bytes on). */
export function gather(reg: string): string[] {
  return [`mov t0s, ${reg}`, `add t0s, ${reg}, 4`];
}

/** Receive the gathers issued before, in order, into `regs` (the last move starts no further receive). */
export function receive(...regs: string[]): string[] {
  return ['nop; ldtmu0', ...regs.map((r, i) => (i < regs.length - 1 ? `mov ${r}, r4; ldtmu0` : `mov ${r}, r4`))];
}

/**
 * Gather the next codelet's 16 points at index `ld` of buffer `src` (8-byte complex points), then advance `ld` by
 * `stride`; `reverse` (a {@link reverseBits}, or nothing) turns the index around first.
 */
export function loadAt(ld: string, stride: string, src: string, reverse: string[]): string[] {
  return [`add ${ld}, ${ld}, ${stride}; mov r0, ${ld}`, ...reverse, 'shl r0, r0, 3', `add r0, r0, ${src}`, ...gather('r0')];
}

/** Receive a codelet's two gathers into r0 (re) and r1 (im) and run {@link codelet16} on them. */
export function receiveCodelet(): string[] {
  return ['nop; ldtmu0', 'mov r0, r4; ldtmu0', ...codelet16('mov r1, r4')];
}

/**
 * The first uniforms: the shared twiddle table's address to r2, this QPU's table's to r3 (both advanced to lane e's
 * entry, 8e further), the QPU index to r0.
 */
export function tableUniforms(): string[] {
  return ['mov r2, unif', 'mov r3, unif', 'mov r0, unif', 'shl r1, elem_num, 3', 'add r2, r2, r1', 'add r3, r3, r1'];
}

/** Branch (with link) to the sync code, `off` bytes further on slaves; three delay slots. */
export function toSync(link: string, off: string): string[] {
  return [`brr ${link}, r:sync, ${off}`, 'nop', 'nop', 'nop'];
}

/**
 * The end of a pass with a codelet loop: count down `count` and loop to `label`, then receive and drop the last
 * codelet's look-ahead gathers (inside the buffers' slack) and go to the sync.
 */
export function loopEnd(count: string, label: string, link: string, syncOff: string): string[] {
  return [`sub.setf ${count}, ${count}, 1`, `brr.anynz -, r:${label}`, 'nop', 'nop', 'nop', 'nop; ldtmu0', 'nop; ldtmu0', ...toSync(link, syncOff)];
}

/**
 * The main loop: per transform its (ping, pong) buffer uniforms into `x` and `y`, ending at a zero ping, then the
 * passes; at the end the host interrupt and the thread end.
 */
export function mainLoop(x: string, y: string, passes: string[]): string[] {
  return [
    ':loop',
    `mov.setf ${x}, unif`, 'brr.allz -, r:end', `mov ${y}, unif`, 'nop', 'nop',
    ...passes,
    'brr -, r:loop', 'nop', 'nop', 'nop',
    ':end',
    'mov irq, 1', 'nop; thrend', 'nop', 'nop',
  ];
}

/** Master sync (`:sync`): the last DMA done, then a semaphore round; slaves (`:sync_slaves`) signal and wait. */
export function syncCode(link: string): string[] {
  const semRound = slaves((i) => [`sacq -, ${8 + i}`, `srel -, ${i}`]);
  return [
    ':sync',
    'mov.never -, vw_wait', ...semRound.slice(0, -3), `bra -, ${link}`, ...semRound.slice(-3),
    ':sync_slaves',
    ...slaves((i) => [`bra -, ${link}`, `srel -, ${8 + i}`, 'nop', `sacq -, ${i}`]),
  ];
}

/**
 * Registers of the two-block programs (shader-256.ts, shader-4k-r16.ts): each codelet goes through one of two
 * 16 × 16 VPM blocks, used alternately, that the master stores with one DMA.
 */
export interface TwoBlockRegs {
  /** Load index base, 16q + lane. */
  ld0: string;
  /** VPM write setups of this and the next codelet's block (this QPU's columns). */
  vpm: string;
  vpmNext: string;
  /** VDW setups of the same blocks. */
  vdw: string;
  vdwNext: string;
  /** Branch offsets of the save and sync code (0 on the master). */
  saveOff: string;
  syncOff: string;
  /** Store address, return address, the constant 64, the VPM read setup of one row. */
  save: string;
  link: string;
  c64: string;
  readOne: string;
}

/**
 * Per-QPU setup from the QPU index q in r0: load index base 16q + lane, VPM columns 2q and 2q + 1 of blocks 0 and
 * 16, the branch offsets of the save and sync code (slave q's code is 32 q bytes into its part).
 */
export function twoBlockSetup(R: TwoBlockRegs): string[] {
  return [
    'shl r1, r0, 4', `add ${R.ld0}, r1, elem_num`, 'shl r1, r0, 1',
    `mov r2, ${vpmVertical(0, 0)}`, `add ${R.vpm}, r1, r2`, `mov r2, ${vpmVertical(16, 0)}`, `add ${R.vpmNext}, r1, r2`,
    `mov ${R.vdw}, ${vdwRows(0)}`, `mov ${R.vdwNext}, ${vdwRows(16)}`,
    'shl r1, r0, 5', 'mov.setf -, r0', `mov ${R.saveOff}, 0`, `mov ${R.syncOff}, 0`,
    'mov r2, :save_slaves - :save - 32', `add.ifzc ${R.saveOff}, r1, r2`,
    'mov r2, :sync_slaves - :sync - 32', `add.ifzc ${R.syncOff}, r1, r2`,
  ];
}

/** Receive a codelet, transform it, write it to this QPU's columns of the current block, save it, swap the blocks. */
export function twoBlockCodelet(R: TwoBlockRegs): string[] {
  return [
    ...receiveCodelet(),
    `mov vw_setup, ${R.vpm}`, 'mov vpm, r0', 'mov vpm, r1', `or vr_setup, ${R.vpm}, ${R.readOne}`,
    `brr ${R.link}, r:save, ${R.saveOff}`,
    `mov ${R.vpm}, ${R.vpmNext}; mov ${R.vpmNext}, ${R.vpm}`, `mov ${R.vdw}, ${R.vdwNext}; mov ${R.vdwNext}, ${R.vdw}`, 'nop',
  ];
}

/**
 * The save and sync code. Master save: consume the read-back, wait for the previous DMA, collect and release the
 * slaves, store the block (16 rows, `vdwStride` the VDW stride setup). Then {@link syncCode}.
 */
export function twoBlockSaveSync(R: TwoBlockRegs, vdwStride: number): string[] {
  return [
    ':save',
    'mov -, vpm', 'mov.never -, vw_wait', ...slaves((i) => [`sacq -, ${8 + i}`, `srel -, ${i}`]),
    `bra -, ${R.link}`, `mov vw_setup, ${R.vdwNext}`, `mov vw_setup, ${vdwStride}`,
    `add ${R.save}, ${R.save}, ${R.c64}; mov vw_addr, ${R.save}`,
    ':save_slaves',
    ...slaves((i) => [`bra -, ${R.link}`, 'mov -, vpm', `srel -, ${8 + i}`, `sacq -, ${i}`]),
    ...syncCode(R.link),
  ];
}
