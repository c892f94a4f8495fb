/**
 * py-videocore7's sgemm (`examples/sgemm.py`, published Pi 5 figure 21.38
 * GFLOP/s for 1024x1024 times 1024x1024) with the same instruction sequence,
 * registers and uniform order, written out in qpuc's V3D 7.1 assembler text
 * (the program is restated, not copied: the generator below produces the
 * kernel's instruction list). Each batch (one thread) computes one 16x16 tile
 * C = alpha * A B + beta * C, k stepping by 4 per loop pass: a vec4 TMU load of
 * A (lane = row) and of B (4 rows x 16 columns across lanes), then 64
 * `rot`/`mov rep` broadcasts feeding dual-issued fadd/fmul. The B load's
 * `thrsw` has `sub` and a `rot` in its delay slots, as in the original.
 */
import { assembleV3d } from '../../compiler/isa/v3d/asm.ts';
import { GpuMemory } from '../../runtime/emulator/memory.ts';
import { runCsd, type EmulatorResult, type RunCsdOptions } from '../../runtime/emulator/v3d/run.ts';

const END = ['nop ; nop ; thrsw', 'nop ; nop ; thrsw', 'nop ; nop', 'nop ; nop', 'nop ; nop ; thrsw', 'nop ; nop', 'nop ; nop', 'nop ; nop'];

/** The kernel as assembler text. Register roles as in the original (rf16..rf31 accumulate the tile). */
export function pv7SgemmSource(): string {
  const acc = (i: number) => `rf${16 + i}`;
  const A = ['rf3', 'rf4', 'rf5', 'rf6'];
  const B = ['rf7', 'rf8', 'rf9', 'rf10'];
  const L: string[] = [
    'mov rf2, rf2.ul ; nop ; ldunif', // workgroup id (z) ; tile_r -> rf0
    'itof rf4, rf2',
    'itof rf5, rf0',
    'recip rf3, rf5',
    'nop ; fmul rf1, rf4, rf3',
    'ffloor rf1, rf1',
    'ftouz rf1, rf1', // tile i
    'nop ; umul24 rf3, rf1, rf0',
    'sub rf2, rf2, rf3', // tile j
    'nop ; nop ; ldunifrf.rf9', // a stride
    'nop ; umul24 rf3, rf1, rf9 ; ldunifrf.rf12', // a base
    'shl rf3, rf3, 4',
    'add rf12, rf12, rf3 ; nop ; ldunifrf.rf13', // b stride
    'shl rf3, rf2, 6',
    'nop ; nop ; ldunifrf.rf14', // b base
    'eidx rf3 ; add rf14, rf14, rf3',
    'nop ; umul24 rf4, rf3, rf9',
    'add rf12, rf12, rf4',
    'shr rf4, rf3, 2',
    'and rf3, rf3, 3',
    'shl rf3, rf3, 4 ; umul24 rf4, rf4, rf13',
    'shl rf13, rf13, 2 ; add rf3, rf3, rf4',
    'add rf14, rf14, rf3',
    'not tmuc, 3',
    'mov tmua, rf12',
    'not tmuc, 3',
    'mov tmua, rf14 ; add rf14, rf14, rf13 ; thrsw',
    'sub rf12, rf12, -16',
    'nop ; nop ; ldunifrf.rf10', // c stride
    'shl rf0, rf2, 2 ; umul24 rf3, rf1, rf10',
    'eidx rf0 ; add rf3, rf3, rf0 ; ldunifrf.rf15', // c base
    'shl rf3, rf3, 4 ; umul24 rf0, rf0, rf10',
    'add rf15, rf15, rf0 ; nop ; ldunif', // q -> rf0
    'shr rf11, rf0, 2 ; add rf15, rf15, rf3',
  ];
  const ab = [...A, ...B];
  for (let i = 0; i < 8; i++) L.push(`xor ${acc(i)}, ${acc(i)}, ${acc(i)} ; sub ${acc(i + 8)}, ${acc(i + 8)}, ${acc(i + 8)} ; ldtmu.${ab[i]}`);
  L.push('loop:', 'not tmuc, 3', 'mov tmua, rf12', 'not tmuc, 3', 'mov tmua, rf14 ; add rf14, rf14, rf13 ; thrsw', 'sub rf12, rf12, -16');
  let nb = 0;
  const rb = () => {
    const r = B[nb++ % 4] as string;
    return `rot ${r}, ${r}, 1 ; mov rep, ${r}`;
  };
  L.push(rb(), `sub.pushz rf11, rf11, 1 ; fmul rf1, rf0, ${A[0]}`);
  for (let a = 0; a < 3; a++) {
    for (let i = 0; i < 15; i++) L.push(rb(), `fadd ${acc(i)}, ${acc(i)}, rf1 ; fmul rf1, rf0, ${A[a]}`);
    L.push(rb(), `fadd ${acc(15)}, ${acc(15)}, rf1 ; fmul rf1, rf0, ${A[a + 1]}`);
  }
  for (let i = 0; i < 8; i++) L.push(rb(), `fadd ${acc(i)}, ${acc(i)}, rf1 ; fmul rf1, rf0, ${A[3]}`);
  const loads = [A[0], A[1], A[2], 'rf2', B[0], B[1]];
  for (let i = 0; i < 6; i++) L.push(rb(), `fadd ${acc(8 + i)}, ${acc(8 + i)}, rf1 ; fmul rf1, rf0, ${A[3]} ; ldtmu.${loads[i]}`);
  L.push('b.anyna loop', rb(), `fadd ${acc(14)}, ${acc(14)}, rf1 ; fmul rf1, rf0, ${A[3]} ; ldtmu.${B[2]}`,
    `fadd ${acc(15)}, ${acc(15)}, rf1 ; mov ${A[3]}, rf2 ; ldtmu.${B[3]}`);
  // alpha * AB + beta * C, four rows of the tile per vec4 read-modify-write.
  L.push('not rf12, 3', 'nop ; nop ; ldunifrf.rf13', `mov tmuc, rf12 ; fmul ${acc(0)}, ${acc(0)}, rf13 ; ldunifrf.rf14`);
  for (let g = 0; g < 4; g++) {
    const a = (k: number) => acc(4 * g + k);
    if (g > 0) L.push(`mov tmuc, rf12 ; fmul ${a(0)}, ${a(0)}, rf13`);
    L.push('mov tmua, rf15 ; nop ; thrsw', `nop ; fmul ${a(1)}, ${a(1)}, rf13`, `nop ; fmul ${a(2)}, ${a(2)}, rf13`,
      `nop ; fmul ${a(3)}, ${a(3)}, rf13 ; ldtmu.rf1`, 'mov tmuc, rf12 ; fmul rf2, rf1, rf14 ; ldtmu.rf1',
      `fadd tmud, ${a(0)}, rf2 ; fmul rf2, rf1, rf14 ; ldtmu.rf1`, `fadd tmud, ${a(1)}, rf2 ; fmul rf2, rf1, rf14 ; ldtmu.rf1`,
      `fadd tmud, ${a(2)}, rf2 ; fmul rf2, rf1, rf14`, `fadd tmud, ${a(3)}, rf2`);
    L.push(g < 3 ? 'mov tmua, rf15 ; sub rf15, rf15, -16' : 'mov tmua, rf15');
  }
  L.push('tmuwt -', ...END);
  return L.join('\n');
}

/** One run of the kernel on the emulator: sizes, the result and the largest error against a plain-JS product. */
export interface SgemmRun {
  result: EmulatorResult;
  maxAbsError: number;
  /** flops as py-videocore7 counts them: 2pqr + 3pr. */
  flops: number;
}

/**
 * Run p x q times q x r (p, r multiples of 16, q of 4) as py-videocore7 does:
 * one batch per 16x16 tile (`thread` = tile count), workgroup (1, 1, 16),
 * wgs_per_sg 24, cfg3 computed the way its driver computes it.
 */
export function runPv7Sgemm(p: number, q: number, r: number, options: Partial<RunCsdOptions> = {}): SgemmRun {
  const prog = assembleV3d(pv7SgemmSource(), 'sgemm-pv7.s', 71);
  const mem = new GpuMemory();
  const code = new Uint8Array(prog.words.length * 8 + 64);
  const cv = new DataView(code.buffer);
  prog.words.forEach((w, i) => cv.setBigUint64(i * 8, w, true));
  const CODE = 0x10000, UNIF = 0x40000, A = 0x1000000;
  mem.map(CODE, code);
  // The loop prefetches one k step past the end of A and B: leave a padded gap, as a real allocation would have.
  const pad = 4096;
  const B = A + ((p * q * 4 + pad + 0xfff) & ~0xfff);
  const C = B + ((q * r * 4 + pad + 0xfff) & ~0xfff);
  let seed = 1;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24 - 0.5;
  const a = new Float32Array((p * q * 4 + pad) / 4), b = new Float32Array((q * r * 4 + pad) / 4), c = new Float32Array(p * r);
  for (let i = 0; i < p * q; i++) a[i] = rnd();
  for (let i = 0; i < q * r; i++) b[i] = rnd();
  for (let i = 0; i < p * r; i++) c[i] = rnd();
  const c0 = Float32Array.from(c);
  mem.map(A, new Uint8Array(a.buffer));
  mem.map(B, new Uint8Array(b.buffer));
  mem.map(C, new Uint8Array(c.buffer));
  const alpha = 0.75, beta = -1.25;
  const f32 = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0] as number;
  const unif = new Uint32Array([r / 16, q * 4, A, r * 4, B, r * 4, C, q, f32(alpha), f32(beta)]);
  mem.map(UNIF, new Uint8Array(unif.buffer));
  const tiles = (p / 16) * (r / 16);
  const wgsPerSg = 24, wgSize = 16;
  const cfg3 = ((Math.ceil((wgsPerSg * wgSize) / 16) - 1) << 12) | (wgsPerSg << 8) | wgSize;
  const result = runCsd(mem, [1 << 16, 1 << 16, 16 << 16, cfg3, tiles, CODE, UNIF], { version: 71, ...options });
  let maxAbsError = 0;
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < r; j++) {
      let s = 0;
      for (let k = 0; k < q; k++) s += (a[i * q + k] as number) * (b[k * r + j] as number);
      const want = alpha * s + beta * (c0[i * r + j] as number);
      maxAbsError = Math.max(maxAbsError, Math.abs((c[i * r + j] as number) - want));
    }
  }
  return { result, maxAbsError, flops: 2 * p * q * r + 3 * p * r };
}
