/**
 * An sgemm kernel shaped like py-videocore6's `examples/sgemm.py` (published
 * Pi 4 figure: 3.878 GFLOP/s for 1024x1024 times 1024x1024 on 8 QPUs), run on
 * the V3D emulator to see what its timing model predicts.
 *
 * Same inner loop as the published kernel: per k step each QPU gathers a
 * 16-row column of A (one lane per row) and a 16-wide row of B, each load
 * followed by a thread switch, then forms the 16x16 outer product with the
 * 4.2 rotate signal broadcasting A's lanes (`mov r5rep, r0 ; rotate`) and
 * dual-issued fadd/fmul. The tiles are smaller (each QPU: one 16x16 tile of C
 * over Q = 256 k steps) since the inner loop is what sets the rate.
 */
import { assembleV3d } from '../compiler/isa/v3d/asm.ts';
import { decodeInstr } from '../compiler/isa/v3d/decode.ts';
import { encodeInstr } from '../compiler/isa/v3d/encode.ts';
import { smallImmIndex } from '../compiler/isa/v3d/instr.ts';
import { GpuMemory } from '../runtime/emulator/memory.ts';
import { runCsd } from '../runtime/emulator/v3d/run.ts';

const CODE = 0x10000, UNIF = 0x20000, A = 0x100000, B = 0x200000, C = 0x300000;
const Q = 256;
const STRIDE = 4096;
const END = 'nop ; nop ; thrsw\nnop ; nop ; thrsw\nnop ; nop\nnop ; nop\nnop ; nop ; thrsw\nnop ; nop\nnop ; nop\nnop ; nop\n';

/**
 * The kernel. `; rotate` lines carry `# rot N`: our text assembler has no
 * syntax for the rotate amount (raddr_b), so {@link assemble} patches it in.
 */
function source(): string {
  const outer: string[] = [];
  for (let i = 1; i < 16; i++) {
    outer.push(`nop ; mov r5rep, r0 ; rotate # rot ${-i}`);
    outer.push(`fadd rf${i - 1}, rf${i - 1}, r3 ; fmul r3, r5, r4`);
  }
  const zero = Array.from({ length: 8 }, (_, i) => `and rf${2 * i}, 0, 0 ; mov rf${2 * i + 1}, 0`).join('\n    ');
  const store = Array.from({ length: 16 }, (_, i) => `nop ; mov tmud, rf${i}\n    nop ; mov tmua, r1\n    add r1, r1, rf40 ; nop`).join('\n    ');
  return `.uniform ${Q}, ${A}, ${STRIDE}, ${B}, ${STRIDE}, ${C}, ${STRIDE}
    nop ; nop ; ldunif
    nop ; mov rf48, r5 ; ldunif
    nop ; mov rf43, r5 ; ldunif
    nop ; mov rf36, r5 ; ldunif
    nop ; mov rf44, r5 ; ldunif
    nop ; mov rf38, r5 ; ldunif
    nop ; mov rf45, r5 ; ldunif
    nop ; mov rf40, r5
    tidx r0 ; nop
    shr r0, r0, 2 ; nop
    shl r1, r0, 4 ; nop
    nop ; umul24 r1, r1, rf36
    add rf43, rf43, r1 ; nop
    shl r1, r0, 6 ; nop
    add rf45, rf45, r1 ; nop
    ${zero}
    loop:
    eidx r0 ; nop
    nop ; umul24 r1, r0, rf36
    add r1, r1, rf43 ; add rf43, rf43, 4
    nop ; mov tmua, r1 ; thrsw
    shl r1, r0, 2 ; nop
    add r1, r1, rf44 ; add rf44, rf44, rf38
    nop ; mov tmua, r1 ; thrsw
    nop ; nop
    nop ; nop
    nop ; nop ; ldtmu.r0
    nop ; mov r5rep, r0
    nop ; nop ; ldtmu.r4
    nop ; fmul r3, r5, r4
    ${outer.join('\n    ')}
    fadd rf15, rf15, r3 ; nop
    sub.pushz rf48, rf48, 1 ; nop
    b.anyna loop
    nop ; nop
    nop ; nop
    nop ; nop
    eidx r0 ; nop
    shl r0, r0, 2 ; nop
    add r1, rf45, r0 ; nop
    ${store}
    tmuwt - ; nop
    ${END}`;
}

/** Assemble, then put each `# rot N` amount into the rotate instruction's raddr_b (small-immediate index). */
function assemble(): { words: bigint[]; uniforms: number[] } {
  const src = source();
  const prog = assembleV3d(src, 'sgemm.s', 42);
  const amounts = src.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('.') && !l.endsWith(':'))
    .map((l) => /# rot (-?\d+)/.exec(l)?.[1]);
  const words = prog.words.map((w, i) => {
    const n = amounts[i];
    if (n === undefined) return w;
    const instr = decodeInstr(w, 42);
    if (instr.kind !== 'alu' || !instr.sig.rotate) throw new Error(`instruction ${i} is not a rotate`);
    instr.raddrB = smallImmIndex(Number(n) >>> 0) as number;
    return encodeInstr(instr, 42);
  });
  return { words, uniforms: prog.data.flatMap((d) => d.values) };
}

/** Timing-model prediction for the sgemm inner loop on 8 QPUs at 500 MHz, and the result's worst relative error. */
export function modelSgemm(): { gflops: number; maxRelError: number; flops: number } {
  const { words, uniforms } = assemble();
  const mem = new GpuMemory();
  const code = new Uint8Array(words.length * 8);
  words.forEach((w, i) => new DataView(code.buffer).setBigUint64(i * 8, w, true));
  mem.map(CODE, code);
  const unif = new Uint8Array(64);
  uniforms.forEach((u, i) => new DataView(unif.buffer).setUint32(i * 4, u >>> 0, true));
  mem.map(UNIF, unif);
  // A: 8 tiles of 16 rows; B: Q rows; entries small integers / 8 so every product and sum is exact in f32.
  const a = new Float32Array(8 * 16 * STRIDE / 4), b = new Float32Array(Q * STRIDE / 4);
  for (let i = 0; i < a.length; i++) a[i] = ((i * 7) % 13 - 6) / 8;
  for (let i = 0; i < b.length; i++) b[i] = ((i * 5) % 11 - 5) / 8;
  mem.map(A, new Uint8Array(a.buffer));
  mem.map(B, new Uint8Array(b.buffer));
  const c = new Uint8Array(16 * STRIDE);
  mem.map(C, c);
  // 'warn': like py-videocore6's kernel it uses accumulators in thrsw slots (r27) and across switches, warnings only.
  const r = runCsd(mem, [8 << 16, 1 << 16, 1 << 16, (16 << 8) | 16 | (15 << 12), 7, CODE, UNIF], { version: 42, hazards: 'warn' });
  // Check: QPU q's tile is C[row i][16q + j] = sum_k A[16q + i][k] * B[k][j].
  const cf = new Float32Array(c.buffer);
  let maxRelError = 0;
  for (let q = 0; q < 8; q++) {
    for (let i = 0; i < 16; i++) {
      for (let j = 0; j < 16; j++) {
        let want = 0;
        for (let k = 0; k < Q; k++) want += (a[(16 * q + i) * (STRIDE / 4) + k] as number) * (b[k * (STRIDE / 4) + j] as number);
        const got = cf[i * (STRIDE / 4) + 16 * q + j] as number;
        maxRelError = Math.max(maxRelError, Math.abs(got - want) / Math.max(1, Math.abs(want)));
      }
    }
  }
  const flops = 8 * 2 * 16 * 16 * Q;
  return { gflops: flops / r.profile.seconds / 1e9, maxRelError, flops };
}
