/**
 * A batched 256-point FFT with the structure of hello_fft's `shader_256`
 * (Andrew Holme's GPU_FFT for the Pi's VideoCore IV; read in raspberrypi/userland
 * `hello_pi/hello_fft` and maazl/vc4asm `sample/hello_fft`), written as our own
 * code for qpuc's VC4 assembler and run on the emulator with the timing model,
 * so that `npm run bench -- kernels` can compare the library's vc4 FFT with it
 * on the same job (the bench/vc4-sgemm.ts approach).
 *
 * Same as hello_fft's 256-point shader:
 * - 8 QPUs (GPU_FFT_QPUS), one program per QPU, the QPU index as a uniform; the
 *   batch loops inside the program, one (ping, pong) buffer pair per transform
 *   from the uniform stream, a null address ends it.
 * - Two passes of radix 16 (256 = 16 × 16); each pass is 16 FFT-16 codelets,
 *   two per QPU (codelet j = 8c + q). A codelet holds 16 complex points across
 *   the 16 SIMD lanes (re in r0, im in r1) and does its four radix-2 stages
 *   with vector rotations (`mov.rot`) between lanes and conditional writes:
 *   the lanes with bit s set are multiplied by that stage's twiddles, then
 *   each lane adds or subtracts its rotated partner.
 * - Loads: two TMU gathers per codelet (the 16 real parts, the 16 imaginary
 *   parts of interleaved complex data), both codelets' four requests issued at
 *   the start of a pass. Pass 1 loads in bit-reversed order (the 8-bit index
 *   reversed in the program with mask-and-shift steps), pass 2 linearly.
 * - Twiddles: 16-lane tables of interleaved complex numbers loaded once by TMU
 *   (shared: pass 1's, and the per-codelet rotation step of pass 2; unique per
 *   QPU: pass 2's start). One 16-lane vector packs a codelet's four stages
 *   (lane 1: stage 0, lanes 2–3: stage 1, 4–7: stage 2, 8–15: stage 3) and
 *   is unpacked with three conditional rotations; between pass 2's two
 *   codelets it is rotated by the trigonometric recurrence
 *   t ← t − (α t − iβ t), α = 2 sin²(δ/2), β = sin δ.
 * - Stores: each QPU writes its codelet as two vertical 16-word VPM vectors
 *   (its two columns of a 16 × 16 block, two blocks used alternately); QPU 0
 *   (the master) waits for the 7 others by semaphores (8 + i: "slave i
 *   wrote", i: "master releases slave i"; a slave reads its VPM back before
 *   signalling), then stores the block with one DMA of 16 rows of 64 bytes
 *   (row stride 128 bytes: output index 16·lane + codelet). Each QPU reaches
 *   its save and sync code by a branch on a per-QPU offset, computed once.
 *   A semaphore round (the master waiting for its last DMA first) ends each
 *   pass.
 *
 * Differences: the codelet's schedule is our own (37 instructions against
 * the 33 of hello_fft's body_fft_16: its next stage's flags come from a
 * B-file mask, which costs one slot per stage), as are the load-index and twiddle-rotation sequences (a few
 * instructions more each); the master consumes a VPM read as the slaves do;
 * every transform of the batch has its own pong buffer (hello_fft's release 3
 * rotates a few), so no TMU line of an earlier transform is read again.
 * hello_fft's other sizes (4k: two radix-64 passes, larger: 3–4 passes, 2^12
 * and more in the library's bench) are not built here.
 */
import { assembleVc4 } from '../compiler/isa/vc4/index.ts';
import { runExecuteQpu } from '../runtime/emulator/vc4/execute.ts';

const BASE = 0xc0000000;
/** QPUs hello_fft runs on (GPU_FFT_QPUS). */
export const HELLO_FFT_QPUS = 8;
/** Transform length of this shader. */
export const HELLO_FFT_N = 256;
const N = HELLO_FFT_N;
const QPUS = HELLO_FFT_QPUS;
/** Codelets per QPU per pass: 16 per pass over 8 QPUs. */
const PER_QPU = N / 16 / QPUS;

/** Register names: regfile A for twiddles and addresses, regfile B for the lane-bit masks and constants. */
const R = {
  twRe: (s: number): string => `ra${s}`, // stage s twiddles (re), unpacked
  twIm: (s: number): string => `ra${4 + s}`,
  p1Re: 'ra8', p1Im: 'rb8', // pass 1 packed twiddles
  uRe: 'ra9', uIm: 'rb9', // pass 2 start (this QPU's)
  alpha: 'rb10', beta: 'rb11', // pass 2 rotation step
  curRe: 'ra10', curIm: 'ra11', // pass 2 current packed twiddles
  x: 'ra12', y: 'ra13', // this transform's ping and pong buffers
  ld: 'ra14', ld0: 'rb14', // load index (16q + lane + 128c)
  save: 'ra15', link: 'ra16', saveOff: 'ra17', syncOff: 'ra18',
  vpm: 'ra19', vpmNext: 'rb19', vdw: 'ra20', vdwNext: 'rb20',
  bit: (s: number): string => `rb${s}`, // elem_num & 2^s
  c55: 'rb4', c33: 'rb5', c64: 'rb6', c128: 'rb7', readOne: 'rb12',
} as const;

/** Vertical 32-bit VPM write from column X, rows Y…Y+15, stride 1 [ARG Tables 32–33]. */
const vpmVertical = (y: number, x: number): number => (1 << 12) | (2 << 8) | (y & 0x30) | x;
/** VDW store: 16 memory rows of 16 words from VPM rows Y…Y+15 [ARG Table 34]. */
const vdwRows = (y: number): number => (0x80000000 | (16 << 23) | (16 << 16) | (1 << 14) | ((y << 4) << 3)) >>> 0;
/** VDW stride: bytes from the end of one 64-byte row to the next (rows are 16 points, 128 bytes apart). */
const VDW_STRIDE = (0xc0000000 | (16 * 8 - 64)) >>> 0;

/** Unpack the packed twiddles in r2 (re) and r3 (im) into the stage registers (flags for bit 3 already set). */
function unpack(): string[] {
  const out: string[] = [];
  for (const s of [3, 2, 1]) {
    if (s !== 3) out.push(`mov.setf -, ${R.bit(s)}`);
    // Lanes with bit s set take the lane 2^s below: stage s−1 then finds its twiddle p at lane 2^(s−1) + p.
    out.push(`mov ${R.twRe(s)}, r2; mov.ifzc.rot ${1 << s}, r2, r2`, `mov ${R.twIm(s)}, r3; mov.ifzc.rot ${1 << s}, r3, r3`);
  }
  out.push(`mov ${R.twRe(0)}, r2`, `mov ${R.twIm(0)}, r3`);
  return out;
}

/**
 * The FFT-16 codelet on r0 (re) and r1 (im), bit-reversed in, natural order out. Stage s: lanes with bit s set
 * multiply by their twiddle, then a lane with bit s clear adds its partner 2^s above, a lane with it set subtracts
 * itself from its partner 2^s below. The first instruction's add slot is `first` (the caller's last move).
 */
function codelet(first: string): string[] {
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

/** Issue the two gathers (re, im) of the next codelet at index `ld` (then advanced by 128), bit-reversed on pass 1. */
function load(src: string, reversed: boolean): string[] {
  const out = [`add ${R.ld}, ${R.ld}, ${R.c128}; mov r0, ${R.ld}`];
  if (reversed) {
    // 8-bit reversal: swap odd/even bits, then bit pairs, then nibbles.
    out.push(
      `and r1, r0, ${R.c55}`, 'shr r0, r0, 1', `and r0, r0, ${R.c55}; v8adds r1, r1, r1`, 'or r0, r0, r1',
      `and r1, r0, ${R.c33}`, 'shr r0, r0, 2; v8adds r1, r1, r1', `and r0, r0, ${R.c33}; v8adds r1, r1, r1`, 'or r0, r0, r1',
      'and r1, r0, 15', 'shr r0, r0, 4', 'shl r1, r1, 4', 'or r0, r0, r1',
    );
  }
  out.push('shl r0, r0, 3', `add r0, r0, ${src}`, 'mov t0s, r0', 'add t0s, r0, 4');
  return out;
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
    out.push('nop; ldtmu0', 'mov r0, r4; ldtmu0', ...codelet('mov r1, r4'));
    out.push(`mov vw_setup, ${R.vpm}`, 'mov vpm, r0', 'mov vpm, r1', `or vr_setup, ${R.vpm}, ${R.readOne}`);
    out.push(`brr ${R.link}, r:save, ${R.saveOff}`,
      `mov ${R.vpm}, ${R.vpmNext}; mov ${R.vpmNext}, ${R.vpm}`, `mov ${R.vdw}, ${R.vdwNext}; mov ${R.vdwNext}, ${R.vdw}`, 'nop');
    if (p === 2 && c + 1 < PER_QPU) {
      // Rotate the packed twiddles by the step: re −= α re + β im, im −= α im − β re.
      out.push(
        `fmul r2, ${R.curRe}, ${R.alpha}`, `fmul r3, ${R.curIm}, ${R.beta}`,
        `fadd r2, r2, r3; fmul r3, ${R.curIm}, ${R.alpha}`, `fsub r2, ${R.curRe}, r2; fmul r1, ${R.curRe}, ${R.beta}`,
        'fsub r1, r3, r1', `fsub r3, ${R.curIm}, r1; mov ${R.curRe}, r2`, `mov.setf -, ${R.bit(3)}; mov ${R.curIm}, r3`,
        ...unpack(),
      );
    }
  }
  out.push(`brr ${R.link}, r:sync, ${R.syncOff}`, 'nop', 'nop', 'nop');
  return out;
}

/** The program text (vc4asm syntax). Uniforms: shared twiddles, this QPU's twiddles, QPU index, then (ping, pong) pairs ending with (0, 0). */
export function helloFftSource(): string {
  const slaves = (body: (i: number) => string[]): string[] => Array.from({ length: QPUS - 1 }, (_, k) => body(k + 1)).flat();
  const semRound = slaves((i) => [`sacq -, ${8 + i}`, `srel -, ${i}`]);
  return [
    // Constants and per-QPU setup.
    `mov ${R.c55}, 0x55`, `mov ${R.c33}, 0x33`, `mov ${R.c64}, 64`, `mov ${R.c128}, 128`, `mov ${R.readOne}, 0x100000`,
    ...[0, 1, 2, 3].map((s) => `and ${R.bit(s)}, elem_num, ${1 << s}`),
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

/** f32 twiddle tables: shared (pass 1's packed twiddles, pass 2's step α/β) and unique (pass 2's start, per QPU); interleaved re, im. */
function twiddleTables(): { shared: Float32Array; unique: Float32Array } {
  // Lane e ≥ 1 of a packed vector: stage s = ⌊log2 e⌋, p = e − 2^s; the codelet with pre-rotation w = W_N^k
  // needs W_{2^(s+1)}^p · w^(8 / 2^s) there (its odd half at stage s sits 8 / 2^s points further along).
  const packed = (k: number): Float32Array => {
    const t = new Float32Array(32);
    t[0] = 1;
    for (let e = 1; e < 16; e++) {
      const s = 31 - Math.clz32(e);
      const a = -2 * Math.PI * ((e - (1 << s)) / (2 << s) + (k * (8 >> s)) / N);
      t[2 * e] = Math.cos(a);
      t[2 * e + 1] = Math.sin(a);
    }
    return t;
  };
  // The step: pass 2's next codelet on a QPU is QPUS further along, so each lane's angle advances by its k-multiple.
  const step = new Float32Array(32);
  for (let e = 1; e < 16; e++) {
    const d = (-2 * Math.PI * QPUS * (8 >> (31 - Math.clz32(e)))) / N;
    step[2 * e] = 2 * Math.sin(d / 2) ** 2;
    step[2 * e + 1] = Math.sin(d);
  }
  const shared = new Float32Array(64);
  shared.set(packed(0), 0);
  shared.set(step, 32);
  const unique = new Float32Array(32 * QPUS);
  for (let q = 0; q < QPUS; q++) unique.set(packed(q), 32 * q);
  return { shared, unique };
}

/** Result of one run: the transforms (split re/im, as the library returns them) and the model's figures. */
export interface HelloFftRun {
  re: Float32Array;
  im: Float32Array;
  seconds: number;
  instructions: number;
}

/**
 * Forward FFTs of `batch` 256-point transforms (split arrays in, as the library takes them; interleaved in the
 * program's buffers, as hello_fft keeps them) on the emulator with the timing model.
 */
export function runHelloFft(re: Float32Array, im: Float32Array): HelloFftRun {
  const batch = re.length / N;
  if (!Number.isInteger(batch) || batch < 1 || im.length !== re.length) throw new Error(`hello_fft: need whole ${N}-point transforms`);
  const program = assembleVc4(helloFftSource(), 'hello-fft-256.qasm');
  const L = { control: 0x8000, uniforms: 0x9000, tw: 0xc000, data: 0x10000 };
  const uniformBytes = 4 * (3 + 2 * batch + 2);
  L.tw = Math.max(L.tw, L.uniforms + QPUS * uniformBytes);
  L.data = Math.max(L.data, (L.tw + 256 + 128 * QPUS + 0xfff) & ~0xfff);
  const bytes = new Uint8Array(L.data + 2 * batch * N * 8);
  const view = new DataView(bytes.buffer);
  if (program.words.length * 8 > L.control) throw new Error('hello_fft: program too long for its image');
  program.words.forEach((w, i) => view.setBigUint64(i * 8, w, true));
  const tw = twiddleTables();
  tw.shared.forEach((v, i) => view.setFloat32(L.tw + 4 * i, v, true));
  tw.unique.forEach((v, i) => view.setFloat32(L.tw + 256 + 4 * i, v, true));
  for (let i = 0; i < batch * N; i++) {
    view.setFloat32(L.data + 8 * i, re[i] as number, true);
    view.setFloat32(L.data + 8 * i + 4, im[i] as number, true);
  }
  const pong = L.data + batch * N * 8;
  for (let q = 0; q < QPUS; q++) {
    const u = L.uniforms + q * uniformBytes;
    const words = [BASE + L.tw, BASE + L.tw + 256 + 128 * q, q];
    for (let j = 0; j < batch; j++) words.push(BASE + L.data + j * N * 8, BASE + pong + j * N * 8);
    words.push(0, 0);
    words.forEach((v, k) => view.setUint32(u + 4 * k, v >>> 0, true));
    view.setUint32(L.control + 8 * q, BASE + u, true);
    view.setUint32(L.control + 8 * q + 4, BASE, true);
  }
  const r = runExecuteQpu({ bytes, base: BASE }, { numQpus: QPUS, controlAddress: BASE + L.control });
  if (r.hazards.length) throw new Error(`hello_fft program has hazards: ${r.hazards.slice(0, 3).map((h) => h.message).join('; ')}`);
  const outRe = new Float32Array(batch * N);
  const outIm = new Float32Array(batch * N);
  for (let i = 0; i < batch * N; i++) {
    outRe[i] = view.getFloat32(L.data + 8 * i, true);
    outIm[i] = view.getFloat32(L.data + 8 * i + 4, true);
  }
  return { re: outRe, im: outIm, seconds: r.profile.seconds, instructions: r.profile.instructions };
}
