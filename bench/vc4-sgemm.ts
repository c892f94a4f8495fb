/**
 * Timing-model calibration: a blocked sgemm with the structure of
 * py-videocore's examples/sgemm.py (our own code, written for qpuc's VC4
 * assembler), run on the emulator; its predicted GFLOP/s is printed next to
 * the published figure (py-videocore README: "Achieved 8GFlops with sgemm",
 * Pi 3, 12 QPUs, 96×363 · 363×3072).
 *
 * Same structure as the published kernel: each QPU owns a 16 × 64 block of C
 * in all 64 regfile registers; per k, one TMU gather of a 16-element column
 * of A, the 64 B values of row k streamed through the uniform FIFO
 * (uniforms_address reset per row), 64 fmul/fadd pairs, the next column
 * requested one iteration ahead; the block goes out vertically through the
 * VPM under the mutex with four back-to-back DMA stores. Differences: no
 * alpha/beta (no DMA load of C), one block per QPU (p 32, r 384 of the
 * published shapes, q 363 and the real row strides kept).
 */
import { assembleVc4 } from '../compiler/isa/vc4/index.ts';
import { runExecuteQpu } from '../runtime/emulator/vc4/execute.ts';

const BASE = 0xc0000000;
const P = 96;
const Q = 363;
const R = 3072;
const P_DIV = 2;
const R_DIV = 6;
const LAYOUT = { control: 0x8000, uniforms: 0x9000, c: 0x10000, a: 0x20000, b: 0x50000, size: 0x500000 };
/** The published figure. */
const PUBLISHED_GFLOPS = 8;
/** Row strides in bytes of A, B and C. */
const aStride = 4 * Q;
const bStride = 4 * R;
const cStride = 4 * 64 * R_DIV;

/**
 * The job the kernel runs, as sgemm arguments (row-major, element strides):
 * C (16 P_DIV × 64 R_DIV) = A (rows Q apart) · B (rows R apart). The
 * library's vc4 row in `npm run bench -- kernels` runs this same job.
 */
export const SGEMM_JOB = { m: 16 * P_DIV, n: 64 * R_DIV, k: Q, lda: Q, ldb: R, ldc: 64 * R_DIV } as const;

/** Accumulator j of the 16 × 64 block: ra0, rb0, ra1, rb1, … (the order py-videocore uses). */
const acc = (j: number): string => `${j & 1 ? 'rb' : 'ra'}${j >> 1}`;

/** The kernel. Uniforms: A block address, A stride, B block address, B stride, q, address of [C address, VDW stride setup]. */
function kernel(): string {
  const mac = (j: number): string => `fadd ${acc(j)}, ${acc(j)}, r0; fmul r0, r4, unif`;
  const body = Array.from({ length: 61 }, (_, k) => mac(k + 2)); // accumulators 2 … 62
  return [
    'mov ra0, unif', 'mov rb1, unif', 'mov ra2, unif', 'mov rb3, unif', 'mov ra4, unif', 'mov ra5, unif', 'nop',
    'mul24 r1, elem_num, rb1', 'add r1, r1, ra0', // r1: lane i → &A[i][0]
    // r2 lanes: 0 = B row address, 14 = continuation uniforms, others = k counter; r3 is added to it once per k.
    'mov r2, ra4', 'mov r3, -1', 'mov.setf -, elem_num', 'mov.ifzs r2, ra2', 'mov.ifzs r3, rb3',
    'sub.setf -, elem_num, 14', 'mov.ifzs r2, ra5', 'mov.ifzs r3, 0',
    ...Array.from({ length: 32 }, (_, i) => `mov ra${i}, 0; mov rb${i}, 0`),
    'mov unif_addr, r2', 'mov t0s, r1', 'add r1, r1, 4', 'mov t0s, r1', 'add r1, r1, 4', 'nop; ldtmu0', 'add.setf r2, r2, r3',
    'nop; fmul r0, r4, unif', mac(0), mac(1),
    ':k',
    ...body,
    `fadd ${acc(63)}, ${acc(63)}, r0; mov unif_addr, r2; ldtmu0`,
    'add.setf r2, r2, r3; mov t0s, r1',
    'brr.allnz -, r:k',
    'add r1, r1, 4; fmul r0, r4, unif', mac(0), mac(1), // delay slots: the next k starts
    ...body, `fadd ${acc(63)}, ${acc(63)}, r0; nop; ldtmu0`, // the last k, and the request made one ahead
    'nop; mov.rot 2, r0, r2', 'mov unif_addr, r0', 'nop', 'nop',
    'mov.never -, mutex', 'mov r1, unif', 'mov vw_setup, unif', 'ldi vw_setup, 0x1200', // vertical 32-bit writes from X 0, Y 0, stride 1
    ...Array.from({ length: 64 }, (_, j) => `mov vpm, ${acc(j)}`),
    'ldi r3, 64',
    ...[0, 1, 2, 3].flatMap((g) => [`ldi vw_setup, 0x${((0x80000000 | (16 << 23) | (16 << 16) | (1 << 14) | ((16 * g) << 7)) >>> 0).toString(16)}`, 'mov vw_addr, r1', 'add r1, r1, r3']),
    'mov.never -, vw_wait', 'mov mutex, 0',
    'mov irq, 1', 'nop; thrend', 'nop', 'nop',
  ].join('\n');
}

/** Deterministic pseudo-random floats in [−1, 1). */
function fill(view: DataView, at: number, n: number, seed: number): void {
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    view.setFloat32(at + 4 * i, (x >>> 8) / 2 ** 23 - 1, true);
  }
}

/** The kernel's memory image: code, A, B, per-QPU uniforms and the control list for 12 QPUs. */
export function sgemmImage(): { bytes: Uint8Array; base: number; numQpus: number; controlAddress: number } {
  const bytes = new Uint8Array(LAYOUT.size);
  const view = new DataView(bytes.buffer);
  assembleVc4(kernel(), 'sgemm.qasm').words.forEach((w, i) => {
    view.setUint32(i * 8, Number(w & 0xffffffffn), true);
    view.setUint32(i * 8 + 4, Number(w >> 32n), true);
  });
  fill(view, LAYOUT.a, P * Q + 16, 1);
  fill(view, LAYOUT.b, Q * R + 64, 2);
  const threads = P_DIV * R_DIV;
  for (let t = 0; t < threads; t++) {
    const i = Math.floor(t / R_DIV);
    const j = t % R_DIV;
    const u = LAYOUT.uniforms + 0x40 * t;
    const cont = u + 0x20;
    [BASE + LAYOUT.a + 16 * i * aStride, aStride, BASE + LAYOUT.b + 4 * 64 * j, bStride, Q, BASE + cont]
      .forEach((v, k) => view.setUint32(u + 4 * k, v >>> 0, true));
    // DMA store stride: bytes from the end of one 16-word row to the start of the next [ARG Table 35].
    [BASE + LAYOUT.c + 16 * i * cStride + 4 * 64 * j, (0xc0000000 | (cStride - 64)) >>> 0].forEach((v, k) => view.setUint32(cont + 4 * k, v >>> 0, true));
    view.setUint32(LAYOUT.control + 8 * t, BASE + u, true);
    view.setUint32(LAYOUT.control + 8 * t + 4, BASE, true);
  }
  return { bytes, base: BASE, numQpus: threads, controlAddress: BASE + LAYOUT.control };
}

/** Run the kernel on 12 QPUs; returns the model's GFLOP/s and the largest relative error against a float64 product. */
export function sgemmModel(): { gflops: number; maxRelError: number; seconds: number; instructions: number } {
  const { bytes, numQpus, controlAddress } = sgemmImage();
  const view = new DataView(bytes.buffer);
  const r = runExecuteQpu({ bytes, base: BASE }, { numQpus, controlAddress });
  if (r.hazards.length) throw new Error(`sgemm kernel has hazards: ${r.hazards.slice(0, 3).map((h) => h.message).join('; ')}`);
  let maxRelError = 0;
  for (let i = 0; i < 16 * P_DIV; i++) {
    for (let j = 0; j < 64 * R_DIV; j++) {
      let exact = 0;
      let scale = 0;
      for (let k = 0; k < Q; k++) {
        const p = view.getFloat32(LAYOUT.a + i * aStride + 4 * k, true) * view.getFloat32(LAYOUT.b + k * bStride + 4 * j, true);
        exact += p;
        scale += Math.abs(p);
      }
      const got = view.getFloat32(LAYOUT.c + i * cStride + 4 * j, true);
      maxRelError = Math.max(maxRelError, Math.abs(got - exact) / scale);
    }
  }
  const flops = 2 * 16 * P_DIV * Q * 64 * R_DIV;
  return { gflops: flops / r.profile.seconds / 1e9, maxRelError, seconds: r.profile.seconds, instructions: r.profile.instructions };
}

/** Figures for `npm run bench`. */
export async function run(): Promise<{ name: string; value: number; unit: string; goal?: string }[]> {
  const m = sgemmModel();
  if (m.maxRelError > 1e-5) throw new Error(`sgemm result wrong: relative error ${m.maxRelError}`);
  return [
    { name: 'vc4 model: sgemm-like kernel, 12 QPUs at 250 MHz', value: m.gflops, unit: 'GFLOP/s', goal: `published ${PUBLISHED_GFLOPS} (py-videocore, Pi 3)` },
    { name: 'vc4 model vs published sgemm figure', value: (m.gflops / PUBLISHED_GFLOPS - 1) * 100, unit: '% error', goal: 'within ±20' },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const m = sgemmModel();
  console.log(`sgemm model: ${m.gflops.toFixed(2)} GFLOP/s (published ${PUBLISHED_GFLOPS}), ${m.seconds * 1e3} ms emulated, ${m.instructions} instructions, max rel error ${m.maxRelError.toExponential(2)}`);
}
