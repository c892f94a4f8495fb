/**
 * py-videocore6's sgemm (`examples/sgemm.py`, `qpu_sgemm_rnn_naive`;
 * published Pi 4 figure 3.878 GFLOP/s for 1024x1024 times 1024x1024 on
 * 8 threads, py-videocore6 README) with the same instruction sequence,
 * registers and uniform order, written out in qpuc's V3D 4.2 assembler text
 * (the program is restated, not copied: the generator below produces the
 * kernel's instruction list).
 *
 * Structure, as in the original run with `thread = 8` (one thread per QPU):
 *  - two uniforms, the address of a parameter table and its row length (11);
 *    thread q (QPU number from `tidx`) loads row q with one TMU lookup, lane l
 *    word l, and broadcasts the words with `r5rep` (+ `rotate`) into rf32..rf42:
 *    P, Q, R, A base, A stride, B base, B stride, C base, C stride, alpha, beta
 *    (strides in bytes, alpha/beta as f32 bits). The host splits C into 2 x 4
 *    blocks, one per thread (P/2 rows, R/4 columns each);
 *  - within its block a thread walks 16 x 16 tiles (loop counters rf46 i,
 *    rf47 j, rf48 k); per k step it gathers the tile's 16-row column of A
 *    (lane = row) and the 16-wide row of B, each lookup followed by a thread
 *    switch, and forms the outer product by broadcasting A's lanes
 *    (`mov r5rep, r0` with the rotate signal, amount -i) into dual-issued
 *    fadd/fmul; rf0..rf15 hold the tile's rows;
 *  - per tile: C's 16 rows are loaded (rf16..rf31) while the accumulators are
 *    scaled by alpha, beta C is added, and the rows are stored one by one,
 *    each followed by `tmuwt`.
 *
 * Checked once outside the repository: the 260 instruction words assembled
 * here equal those py-videocore6's own assembler emits for
 * `qpu_sgemm_rnn_naive(asm, thread=8)`, except the three branches' unused
 * uniform-destination field (bdu; the branches do not update the uniform
 * stream).
 *
 * {@link runPv6Sgemm} runs it on the V3D emulator (timing model on) the way
 * py-videocore6's driver launches it: 8 batches of 16, workgroup (1, 1, 1),
 * wgs_per_sg 16, and checks C = alpha A B + beta C against plain JavaScript.
 */
import { assembleV3d } from '../../compiler/isa/v3d/asm.ts';
import { decodeInstr } from '../../compiler/isa/v3d/decode.ts';
import { encodeInstr } from '../../compiler/isa/v3d/encode.ts';
import { smallImmIndex } from '../../compiler/isa/v3d/instr.ts';
import { GpuMemory } from '../../runtime/emulator/memory.ts';
import { runCsd, type EmulatorResult, type RunCsdOptions } from '../../runtime/emulator/v3d/run.ts';

/** Threads of the published run (8: one per QPU; the 2 x 4 block split of the host side). */
export const PV6_SGEMM_THREADS = 8;

const END = ['nop ; nop ; thrsw', 'nop ; nop ; thrsw', 'nop ; nop', 'nop ; nop', 'nop ; nop ; thrsw', 'nop ; nop', 'nop ; nop', 'nop ; nop'];

/** `nop ; mov dst, src` with the 4.2 rotate signal; the amount (`# rot N`) is put into raddr_b by {@link assemblePv6Sgemm}. */
const rotate = (dst: string, src: string, n: number): string => `nop ; mov ${dst}, ${src} ; rotate # rot ${n}`;
/** py-videocore6's `mov` on the add ALU (`bor dst, src, src`). */
const mov = (dst: string, src: string | number): string => `or ${dst}, ${src}, ${src}`;

/** The kernel as assembler text (`thread = 8`). Register roles as in the original. */
export function pv6SgemmSource(): string {
  const rf = (i: number): string => `rf${i}`;
  const [P, Q, R, aBase, aStride, bBase, bStride, cBase, cStride, alpha, beta] = Array.from({ length: 11 }, (_, i) => rf(32 + i));
  const [aCur, bCur, cCur, ri, rj, rk] = [rf(43), rf(44), rf(45), rf(46), rf(47), rf(48)];
  const L: string[] = [];
  // load_params(thread = 8): r3 = QPU number, one lookup of the thread's row of the parameter table.
  L.push('tidx r0 ; nop ; ldunifrf.rf0', 'shr r0, r0, 2', mov('r1', 15), 'and r3, r0, r1 ; nop ; ldunifrf.rf1', 'shl r0, rf1, 2',
    'nop ; umul24 r0, r0, r3', 'eidx r1 ; add r0, r0, rf0', 'shl r1, r1, 2', 'shl r3, 4, 4 ; add r0, r0, r1',
    `${mov('tmua', 'r0')} ; add r0, r0, r3 ; thrsw`, 'nop', 'nop', 'nop ; nop ; ldtmu.r1');
  const params = [P, Q, R, aBase, aStride, bBase, bStride, cBase, cStride, alpha, beta];
  params.forEach((reg, i) => {
    L.push(i === 0 ? mov('r5rep', 'r1') : rotate('r5rep', 'r1', -i), mov(reg, 'r5'));
  });
  // Bases moved to the block's far corner (rounded up to whole tiles); tiles are addressed backwards from it.
  L.push(`add r0, ${P}, 15`, 'shr r0, r0, 4', 'shl r0, r0, 4', `add r1, ${R}, 15`, 'shr r1, r1, 4', 'shl r1, r1, 6',
    `nop ; umul24 r3, r0, ${aStride}`, `add ${aBase}, ${aBase}, r3`, `add ${bBase}, ${bBase}, r1`,
    `nop ; umul24 r3, r0, ${cStride}`, `add ${cBase}, ${cBase}, r3`, `add ${cBase}, ${cBase}, r1`);
  for (let i = 0; i < 16; i++) L.push(`${mov(rf(i), 0)} ; mov ${rf(i + 16)}, 0`);
  const branch = (label: string): string[] => [`b.anyna ${label}`, 'nop', 'nop', 'nop'];
  L.push(`add r0, ${P}, 15`, `shr ${ri}, r0, 4`, 'li:');
  L.push(`add r0, ${R}, 15`, `shr ${rj}, r0, 4`, 'lj:');
  L.push(`shl r0, ${ri}, 4`, `nop ; umul24 r3, r0, ${cStride}`, `shl r1, ${rj}, 6`, `sub ${cCur}, ${cBase}, r3`, `sub ${cCur}, ${cCur}, r1`,
    `nop ; umul24 r3, r0, ${aStride}`, `sub ${aCur}, ${aBase}, r3`, `sub ${bCur}, ${bBase}, r1`, mov(rk, Q), 'lk:');
  // One k step: A column (lane = row) and B row, each lookup with a thread switch; then the 16 x 16 outer product.
  L.push('eidx r0', `nop ; umul24 r1, r0, ${aStride}`, `add r1, r1, ${aCur} ; add ${aCur}, ${aCur}, 4`, `${mov('tmua', 'r1')} ; nop ; thrsw`,
    'shl r1, r0, 2', `add r1, r1, ${bCur} ; add ${bCur}, ${bCur}, ${bStride}`, `${mov('tmua', 'r1')} ; nop ; thrsw`,
    'nop ; nop ; ldtmu.r0', mov('r5rep', 'r0'), 'nop ; nop ; ldtmu.r4', 'nop ; fmul r3, r5, r4');
  for (let i = 1; i < 16; i++) L.push(rotate('r5rep', 'r0', -i), `fadd ${rf(i - 1)}, ${rf(i - 1)}, r3 ; fmul r3, r5, r4`);
  L.push(`fadd ${rf(15)}, ${rf(15)}, r3`, `sub.pushz ${rk}, ${rk}, 1`, ...branch('lk'));
  // alpha * AB + beta * C: C's rows into rf16..rf31 (each lookup with a thread switch) while rf0..rf15 are scaled.
  L.push('eidx r0', 'shl r0, r0, 2', `add r1, ${cCur}, r0`, `${mov('tmua', 'r1')} ; add r1, r1, ${cStride} ; thrsw`, `nop ; fmul ${rf(0)}, ${rf(0)}, ${alpha}`);
  for (let i = 1; i < 16; i++) {
    L.push(`${mov('tmua', 'r1')} ; add r1, r1, ${cStride} ; thrsw`, `nop ; fmul ${rf(i)}, ${rf(i)}, ${alpha} ; ldtmu.${rf(i + 15)}`);
  }
  L.push(`${mov('r0', beta)} ; fmul r3, ${rf(16)}, ${beta} ; ldtmu.${rf(31)}`);
  for (let i = 0; i < 16; i++) L.push(`fadd ${rf(i)}, ${rf(i)}, r3 ; fmul r3, ${rf(i + 17)}, r0`);
  // Store row by row (each waits for its write) and clear the accumulators for the next tile.
  L.push('eidx r0', 'shl r0, r0, 2', `add r1, ${cCur}, r0`);
  for (let i = 0; i < 16; i++) {
    L.push(mov('tmud', rf(i)), `${mov('tmua', 'r1')} ; add r1, r1, ${cStride}`, `${mov(rf(i), 0)} ; mov ${rf(i + 16)}, 0`, 'tmuwt -');
  }
  L.push(`sub.pushz ${rj}, ${rj}, 1`, ...branch('lj'));
  L.push(`sub.pushz ${ri}, ${ri}, 1`, ...branch('li'));
  L.push(...END);
  return L.join('\n');
}

/** Assemble {@link pv6SgemmSource} for V3D 4.2, putting each `# rot N` amount into its instruction's raddr_b. */
export function assemblePv6Sgemm(): bigint[] {
  const src = pv6SgemmSource();
  const words = assembleV3d(src, 'sgemm-pv6.s', 42).words;
  const code = src.split('\n').filter((l) => !/^\w+:$/.test(l.trim()));
  if (code.length !== words.length) throw new Error(`sgemm-pv6: ${code.length} lines but ${words.length} instructions`);
  return words.map((w, i) => {
    const m = /# rot (-?\d+)/.exec(code[i] as string);
    if (!m) return w;
    const ins = decodeInstr(w, 42);
    if (ins.kind !== 'alu' || !ins.sig.rotate) throw new Error(`sgemm-pv6: instruction ${i} is not a rotate`);
    ins.raddrB = smallImmIndex(Number(m[1]) >>> 0) as number;
    return encodeInstr(ins, 42);
  });
}

/** One run of the kernel on the emulator: the result and the largest error against a plain-JS product. */
export interface Pv6SgemmRun {
  result: EmulatorResult;
  maxAbsError: number;
  /** flops as py-videocore6 counts them: 2pqr + 3pr. */
  flops: number;
}

/**
 * Run C = alpha A B + beta C for p x q times q x r as py-videocore6's example
 * does: 8 threads, thread t computing block (t / 4, t % 4) of a 2 x 4 split of
 * C, so p must be a multiple of 32 and r of 64 (whole 16 x 16 tiles per block;
 * the example asserts the same). Row-major A, B, C with the given row strides
 * in elements (default: tight). Data are deterministic pseudo-random values.
 */
export function runPv6Sgemm(p: number, q: number, r: number, options: Partial<RunCsdOptions> & { alpha?: number; beta?: number; lda?: number; ldb?: number; ldc?: number } = {}): Pv6SgemmRun {
  if (!Number.isInteger(p) || p <= 0 || p % 32 !== 0) throw new RangeError(`sgemm-pv6: p must be a positive multiple of 32 (2 blocks of whole 16-row tiles), got ${p}`);
  if (!Number.isInteger(r) || r <= 0 || r % 64 !== 0) throw new RangeError(`sgemm-pv6: r must be a positive multiple of 64 (4 blocks of whole 16-column tiles), got ${r}`);
  if (!Number.isInteger(q) || q <= 0) throw new RangeError(`sgemm-pv6: q must be a positive whole number, got ${q}`);
  const { alpha = 0.75, beta = -1.25, lda = q, ldb = r, ldc = r, ...runOptions } = options;
  const words = assemblePv6Sgemm();
  const mem = new GpuMemory();
  const code = new Uint8Array(words.length * 8 + 64);
  const cv = new DataView(code.buffer);
  words.forEach((w, i) => cv.setBigUint64(i * 8, w, true));
  const CODE = 0x10000, UNIF = 0x40000, TABLE = 0x41000, A = 0x1000000;
  mem.map(CODE, code);
  const page = (bytes: number): number => (bytes + 0xfff) & ~0xfff;
  const B = A + page(((p - 1) * lda + q) * 4);
  const C = B + page(((q - 1) * ldb + r) * 4);
  let seed = 1;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24 - 0.5;
  const a = new Float32Array((p - 1) * lda + q), b = new Float32Array((q - 1) * ldb + r), c = new Float32Array((p - 1) * ldc + r);
  a.forEach((_, i) => (a[i] = rnd()));
  b.forEach((_, i) => (b[i] = rnd()));
  c.forEach((_, i) => (c[i] = rnd()));
  const c0 = Float32Array.from(c);
  mem.map(A, new Uint8Array(a.buffer));
  mem.map(B, new Uint8Array(b.buffer));
  mem.map(C, new Uint8Array(c.buffer));
  const f32 = (x: number): number => new Uint32Array(new Float32Array([x]).buffer)[0] as number;
  // The parameter table: one row of 11 words per thread, in the original's order; lanes 11..15 of the
  // last row's lookup read past it, so the table is padded to a whole lookup.
  const ROW = 11;
  const table = new Uint32Array(PV6_SGEMM_THREADS * ROW + 16);
  const tileP = p / 2, tileR = r / 4;
  for (let t = 0; t < PV6_SGEMM_THREADS; t++) {
    const bi = Math.floor(t / 4), bj = t % 4;
    table.set([tileP, q, tileR, A + 4 * tileP * bi * lda, 4 * lda, B + 4 * tileR * bj, 4 * ldb, C + 4 * (tileP * bi * ldc + tileR * bj), 4 * ldc, f32(alpha), f32(beta)], t * ROW);
  }
  mem.map(TABLE, new Uint8Array(table.buffer));
  mem.map(UNIF, new Uint8Array(new Uint32Array([TABLE, ROW]).buffer));
  // pv6 Driver.execute: local_invocation (16, 1, 1), workgroup (1, 1, 1), wgs_per_sg 16, thread - 1 batches field.
  const wgsPerSg = 16, wgSize = 16;
  const cfg3 = ((Math.ceil((wgsPerSg * wgSize) / 16) - 1) << 12) | (wgsPerSg << 8) | wgSize;
  const result = runCsd(mem, [1 << 16, 1 << 16, 1 << 16, cfg3, PV6_SGEMM_THREADS - 1, CODE, UNIF], { version: 42, ...runOptions });
  let maxAbsError = 0;
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < r; j++) {
      let s = 0;
      for (let k = 0; k < q; k++) s += (a[i * lda + k] as number) * (b[k * ldb + j] as number);
      const want = alpha * s + beta * (c0[i * ldc + j] as number);
      maxAbsError = Math.max(maxAbsError, Math.abs((c[i * ldc + j] as number) - want));
    }
  }
  return { result, maxAbsError, flops: 2 * p * q * r + 3 * p * r };
}
