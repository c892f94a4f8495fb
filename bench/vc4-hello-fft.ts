/**
 * Batched FFTs with the structure of hello_fft (Andrew Holme's GPU_FFT for the Pi's VideoCore IV, release 3.0,
 * read in raspberrypi/userland `hello_pi/hello_fft` and in maazl/vc4asm `sample/hello_fft`, whose first commit
 * holds the original shaders and whose later ones an optimised rewrite), written as our own code for qpuc's VC4
 * assembler and run on the emulator with the timing model, so that `npm run bench -- kernels` can compare the
 * library's vc4 FFT with them on the same job (the bench/vc4-sgemm.ts approach). Three programs:
 * shader_256 (bench/hello-fft/shader-256.ts), release 3.0's 4k shader (shader-4k-r16.ts, the bench's), and the
 * vc4asm rewrite's gpu_fft_4k (shader-4k.ts).
 *
 * Same as hello_fft:
 * - 8 QPUs (GPU_FFT_QPUS), one program per QPU, the QPU index as a uniform; the batch loops inside the program,
 *   one (ping, pong) buffer pair per transform from the uniform stream, a null address ends it. Data are
 *   interleaved complex f32; the passes alternate between ping and pong (release 3.0's 4k, three passes, leaves
 *   the result in pong).
 * - Passes and radices: 256 = 16 × 16 (two radix-16 passes, two codelets per QPU per pass); release 3.0's 4096 =
 *   16 × 16 × 16 (three radix-16 passes, 32 codelets per QPU per pass, two per loop turn); the vc4asm rewrite's
 *   4096 = 64 × 64 (two radix-64 passes, eight codelets per QPU per pass). The FFT-16 codelet holds 16 complex
 *   points across the 16 SIMD lanes (re in r0, im in r1) and does its four radix-2 stages with vector rotations
 *   (`mov.rot`) between lanes and conditional writes; the radix-64 codelet is four of them plus two radix-2
 *   stages across its four vectors.
 * - Loads: two TMU gathers per 16 points (the real parts, the imaginary parts), pass 1 in bit-reversed order (the
 *   index reversed in the program with mask-and-shift steps), the other passes linearly; the next gathers are
 *   issued before the current ones are received (256: both codelets' at the start of a pass; 4k: one codelet or
 *   one vector ahead).
 * - Twiddles: 16-lane tables of interleaved complex numbers loaded by TMU (shared: the unrotated ones and the
 *   rotation steps; unique per QPU: the last pass's start). One 16-lane vector packs an FFT-16's four stages
 *   (lane 1: stage 0, lanes 2–3: stage 1, 4–7: stage 2, 8–15: stage 3), unpacked with three conditional
 *   rotations; between codelets the twiddle vectors are rotated by the recurrence t ← t − (α t − iβ t),
 *   α = 2 sin²(δ/2), β = sin δ (every codelet in the last pass, every second one in release 3.0's middle pass).
 * - Stores: each QPU writes its codelet's points as vertical 16-word VPM vectors into its two columns (re, im) of
 *   a block the 8 QPUs share; QPU 0, the master, stores the block with one DMA of 16 or 64 rows of 64 bytes (row r
 *   of the block of codelets 8c … 8c + 7 holds their point r) after a semaphore round with the 7 others
 *   (semaphore 8 + i: "slave i wrote", i: "master releases slave i"; a slave reads its VPM back before
 *   signalling). The radix-16 programs use two 16-row blocks alternately; the radix-64 one the whole 64-row VPM,
 *   which the master hands to the slaves only once its previous DMA is done. Each QPU reaches its part of the
 *   save and sync code by a branch on a per-QPU offset computed once; a semaphore round (the master waiting for
 *   its last DMA first) ends each pass.
 *
 * Differences: the instruction sequences are our own. The FFT-16 codelet takes 37 instructions against the 33 of
 * hello_fft's body_fft_16 (its next stage's flags come from a regfile-B mask, which costs one slot per stage); the
 * load-index and twiddle-rotation sequences take a few more too; the master consumes a VPM read as the slaves do;
 * codelets are reached inline or by a loop rather than as subroutines; every transform of a batch has its own
 * pong buffer, so no TMU line of an earlier transform is read again. hello_fft's other sizes (512–2048, and above
 * 4096) are not built.
 */
import { assembleVc4 } from '../compiler/isa/vc4/index.ts';
import { runExecuteQpu } from '../runtime/emulator/vc4/execute.ts';
import { QPUS } from './hello-fft/codelet.ts';
import { shader256, tables256 } from './hello-fft/shader-256.ts';
import { shader4k, tables4k } from './hello-fft/shader-4k.ts';
import { shader4kRadix16, tables4kRadix16 } from './hello-fft/shader-4k-r16.ts';

const BASE = 0xc0000000;

/** Transform lengths there is a hello_fft-shaped program for. */
export const HELLO_FFT_SIZES: readonly number[] = [256, 4096];

/**
 * Which hello_fft a 4096-point run follows: 'release3', Andrew Holme's release 3.0 (three radix-16 passes, the
 * result left in the pong buffer), or 'vc4asm', the vc4asm sample's gpu_fft_4k (two radix-64 passes). 256 points
 * have one structure.
 */
export type HelloFftStructure = 'release3' | 'vc4asm';

/** Each program: its text, its twiddle tables, and whether its odd pass count leaves the result in the pong buffer. */
const PROGRAMS = {
  p256: { source: shader256, tables: tables256, resultInPong: false },
  p4k: { source: shader4kRadix16, tables: tables4kRadix16, resultInPong: true },
  p4kVc4asm: { source: shader4k, tables: tables4k, resultInPong: false },
} as const;

/**
 * The accuracy the programs are checked against: relative RMS error ‖X − X_exact‖₂ / ‖X_exact‖₂ at most 2 ulp ×
 * log2 n (ulp = 2^-23). The twiddle recurrence drifts under the model's round-toward-zero fadd/fsub: measured 0.39–
 * 0.43 ulp × log2 n for 2^8 (one rotation per QPU), 0.62 for the radix-64 4k (7), 1.52 for release 3.0's 4k (31 in
 * its last pass); hello_fft publishes 0.33 and 0.78 ppm for 2^8 and 2^12 on hardware (gpu_fft.txt, release 3.0:
 * 0.35 and 0.55 ulp × log2 n), and the library's vc4 bound is 0.6. A wrong twiddle or index gives errors of order
 * 1/√n, far above this.
 */
export function helloFftErrorBound(n: number): number {
  return 2 * 2 ** -23 * Math.log2(n);
}

/** Result of one run: the transforms (split re/im, as the library returns them) and the model's figures. */
export interface HelloFftRun {
  re: Float32Array;
  im: Float32Array;
  seconds: number;
  instructions: number;
  /** Stall cycles by cause, summed over the 8 QPUs. */
  stalls: Record<string, number>;
  /** GPU cycles from the start to the last QPU's end. */
  cycles: number;
}

/**
 * Forward FFTs (X[k] = Σ x[j] e^(−2πi jk/n), unnormalised) of `re.length / n` transforms of n points, n one of
 * {@link HELLO_FFT_SIZES}, on the emulator with the timing model. Split arrays in and out, as the library takes
 * them; interleaved in the program's buffers, as hello_fft keeps them. Throws if the program has hazards.
 */
export function runHelloFft(n: number, re: Float32Array, im: Float32Array, structure: HelloFftStructure = 'release3'): HelloFftRun {
  const batch = re.length / n;
  if (!HELLO_FFT_SIZES.includes(n)) throw new Error(`hello_fft: no program for ${n} points`);
  if (!Number.isInteger(batch) || batch < 1 || im.length !== re.length) throw new Error(`hello_fft: need whole ${n}-point transforms`);
  const p = n === 256 ? PROGRAMS.p256 : structure === 'release3' ? PROGRAMS.p4k : PROGRAMS.p4kVc4asm;
  const program = assembleVc4(p.source(), `hello-fft-${n}.qasm`);
  const tw = p.tables();
  const uniqueBytes = 128 * tw.unique(0).length;
  const uniformBytes = 4 * (3 + 2 * batch + 2);
  const code = (program.words.length * 8 + 0xfff) & ~0xfff;
  const L = { control: code, uniforms: code + 0x100, tw: 0, data: 0 };
  L.tw = (L.uniforms + QPUS * uniformBytes + 0xff) & ~0xff;
  L.data = (L.tw + 128 * tw.shared.length + QPUS * uniqueBytes + 0xfff) & ~0xfff;
  const buffer = n * 8;
  // The 4k program's look-ahead gathers at the end of a pass read up to one vector past a pong buffer.
  const bytes = new Uint8Array(L.data + 2 * batch * buffer + 0x1000);
  const view = new DataView(bytes.buffer);
  program.words.forEach((w, i) => view.setBigUint64(i * 8, w, true));
  const put = (at: number, tables: Float32Array[]): void => tables.forEach((t, k) => t.forEach((v, i) => view.setFloat32(at + 128 * k + 4 * i, v, true)));
  put(L.tw, tw.shared);
  const unique = L.tw + 128 * tw.shared.length;
  for (let q = 0; q < QPUS; q++) put(unique + q * uniqueBytes, tw.unique(q));
  for (let i = 0; i < batch * n; i++) {
    view.setFloat32(L.data + 8 * i, re[i] as number, true);
    view.setFloat32(L.data + 8 * i + 4, im[i] as number, true);
  }
  const pong = L.data + batch * buffer;
  for (let q = 0; q < QPUS; q++) {
    const u = L.uniforms + q * uniformBytes;
    const words = [BASE + L.tw, BASE + unique + q * uniqueBytes, q];
    for (let j = 0; j < batch; j++) words.push(BASE + L.data + j * buffer, BASE + pong + j * buffer);
    words.push(0, 0);
    words.forEach((v, k) => view.setUint32(u + 4 * k, v >>> 0, true));
    view.setUint32(L.control + 8 * q, BASE + u, true);
    view.setUint32(L.control + 8 * q + 4, BASE, true);
  }
  const r = runExecuteQpu({ bytes, base: BASE }, { numQpus: QPUS, controlAddress: BASE + L.control });
  if (r.hazards.length) throw new Error(`hello_fft ${n}: program has hazards: ${r.hazards.slice(0, 3).map((h) => h.message).join('; ')}`);
  const outRe = new Float32Array(batch * n);
  const outIm = new Float32Array(batch * n);
  for (let i = 0; i < batch * n; i++) {
    outRe[i] = view.getFloat32((p.resultInPong ? pong : L.data) + 8 * i, true);
    outIm[i] = view.getFloat32((p.resultInPong ? pong : L.data) + 8 * i + 4, true);
  }
  return { re: outRe, im: outIm, seconds: r.profile.seconds, instructions: r.profile.instructions, stalls: r.profile.stalls, cycles: r.profile.cycles };
}
