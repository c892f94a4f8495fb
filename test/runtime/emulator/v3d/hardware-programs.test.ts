/**
 * Programs whose results on real boards are published (py-videocore6 /
 * py-videocore7 tests and examples), restated in qpuc's assembler text with
 * the same instruction sequence, run on the emulator with hazards in error
 * mode. Expected values are what the hardware test asserts.
 */
import test from 'ava';
import { assembleV3d } from '../../../../compiler/isa/v3d/asm.ts';
import { decodeInstr } from '../../../../compiler/isa/v3d/decode.ts';
import { smallImmIndex, type V3dInstr } from '../../../../compiler/isa/v3d/instr.ts';
import { runPv6Sgemm } from '../../../../bench/programs/sgemm-pv6.ts';
import { runPv7Sgemm } from '../../../../bench/programs/sgemm-pv7.ts';
import { DATA, END, UNIF, runProgram } from './builder.ts';

/** Assemble 4.2 text; a line ending in `# rot N` gets rotate amount N (the text syntax has none). */
function assemble42(src: string): V3dInstr[] {
  const lines = src.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('.') && !/^\w+:$/.test(l));
  return assembleV3d(src, 'hw.s', 42).words.map((w, i) => {
    const ins = decodeInstr(w, 42);
    const m = /# rot (-?\d+)/.exec(lines[i] ?? '');
    if (m && ins.kind === 'alu') ins.raddrB = smallImmIndex(Number(m[1]) >>> 0) as number;
    return ins;
  });
}

// pv6 `cost`: a busy loop of 2^16 passes (here 2^11: shl r0, 8, 8 without the second shift).
const COST = `shl r0, 8, 8
loop:
sub.pushn r0, r0, 1
b.anyna loop
nop ; nop
nop ; nop
nop ; nop`;

/**
 * pv6 test_parallel_16 / test_barrier prologue: id = (qpu << 1) | (thread slot >> 1), then row `id` of a
 * uniform table (unif[id][2] = x row, unif[id][3] = y row) read with a TMU load and two broadcasts.
 */
const ROW_PROLOGUE = (idReg: string) => `tidx r0 ; nop ; ldunifrf.rf0
shr r2, r0, 2 ; nop
and r1, r0, 3 ; nop
and r2, r2, 15 ; nop
shr r1, r1, 1 ; nop
shl r2, r2, 1 ; nop
add ${idReg}, r1, r2 ; nop
nop ; nop ; ldunifrf.rf1
shl r0, rf1, 2 ; nop
nop ; umul24 r0, r0, ${idReg}
add r1, rf0, 8 ; nop
add r0, r0, r1 ; nop
eidx r1 ; nop
shl r1, r1, 2 ; nop
add tmua, r0, r1 ; nop ; thrsw
nop ; nop
nop ; nop
nop ; nop ; ldtmu.r0
nop ; mov r5rep, r0
or rf2, r5, r5 ; mov r5rep, r0 ; rotate # rot -1
or rf3, r5, r5 ; nop`;

/** Uniform table of `threads` rows [row address, 4, x row, y row] at UNIF, x rows at DATA, y rows at DATA + 0x1000. */
function table(threads: number): { uniforms: number[]; x: Uint32Array; data: Uint8Array } {
  const uniforms: number[] = [];
  for (let th = 0; th < threads; th++) uniforms.push(UNIF + 16 * th, 4, DATA + 64 * th, DATA + 0x1000 + 64 * th);
  const data = new Uint8Array(0x2000);
  const x = new Uint32Array(data.buffer, 0, 16 * threads);
  for (let i = 0; i < x.length; i++) x[i] = (i * 2654435761) >>> 0;
  new Uint32Array(data.buffer, 0x1000, 16 * threads).fill(0xffffffff);
  return { uniforms, x: Uint32Array.from(x), data };
}

test('tidx with 2 threads per QPU: pv6 test_parallel_16 copies every row (16 batches on 8 QPUs)', (t) => {
  const src = `${ROW_PROLOGUE('rf31')}
eidx r2 ; nop
shl r2, r2, 2 ; nop
add tmua, rf2, r2 ; nop ; thrsw
nop ; nop
nop ; nop
nop ; nop ; ldtmu.rf32
eidx r2 ; nop
shl r2, r2, 2 ; nop
nop ; mov tmud, rf32
add tmua, rf3, r2 ; nop
tmuwt - ; nop
${COST}
${END}`;
  const { uniforms, x, data } = table(16);
  const r = runProgram(42, assemble42(src), { uniforms, data, batches: 16 });
  const y = Array.from({ length: 16 * 16 }, (_, i) => r.data.getUint32(0x1000 + 4 * i, true));
  t.deepEqual(y, [...x], 'yp == x');
});

test('barrier across 16 threads on 8 QPUs: pv6 test_barrier gives y = roll(x, -1)', (t) => {
  const src = `${ROW_PROLOGUE('rf31')}
eidx r2 ; nop
shl r2, r2, 2 ; nop
add tmua, rf2, r2 ; nop ; thrsw
nop ; nop
nop ; nop
nop ; nop ; ldtmu.r0
nop ; mov r1, rf31
shl r1, r1, 8 ; nop
wait:
sub.pushn r1, r1, 1 ; nop
b.anyna wait
nop ; nop
nop ; nop
nop ; nop
eidx r2 ; nop
shl r2, r2, 2 ; nop
nop ; mov tmud, r0
add tmua, rf3, r2 ; nop
tmuwt - ; nop
barrierid syncb ; nop ; thrsw
add rf32, rf31, 1 ; nop
and rf32, rf32, 15 ; nop
shl r0, rf1, 2 ; nop
nop ; umul24 r0, r0, rf32
add r1, rf0, 8 ; nop
add r0, r0, r1 ; nop
eidx r1 ; nop
shl r1, r1, 2 ; nop
add tmua, r0, r1 ; nop ; thrsw
nop ; nop
nop ; nop
nop ; nop ; ldtmu.r0
nop ; mov r5rep, r0
or rf4, r5, r5 ; mov r5rep, r0 ; rotate # rot -1
or rf5, r5, r5 ; nop
eidx r2 ; nop
shl r2, r2, 2 ; nop
add tmua, rf5, r2 ; nop ; thrsw
nop ; nop
nop ; nop
nop ; nop ; ldtmu.r0
eidx r2 ; nop
shl r2, r2, 2 ; nop
nop ; mov tmud, r0
add tmua, rf3, r2 ; nop
tmuwt - ; nop
${END}`.replace(/^loop:/m, 'loop0:');
  const { uniforms, x, data } = table(16);
  const r = runProgram(42, assemble42(src), { uniforms, data, batches: 16 });
  const y = Array.from({ length: 16 * 16 }, (_, i) => r.data.getUint32(0x1000 + 4 * i, true));
  t.deepEqual(y, [...x.slice(16), ...x.slice(0, 16)], 'y == concatenate(x[1:], x[:1])');
});

test('py-videocore7 sgemm with 2 threads per QPU (24 batches on 12 QPUs) runs hazard-free and matches the product', (t) => {
  // Before: `rot` in the B load's thrsw slot was reported as r9, and rtop poisoned at the switch made the first
  // umul24 after it (c_stride * tile_i) garbage: a C address like 0xebdc2ef0 and a fault.
  const r = runPv7Sgemm(48, 16, 128, { hazards: 'error' });
  t.deepEqual(r.result.hazards, []);
  t.true(r.maxAbsError < 1e-5, `max |error| ${r.maxAbsError}`);
});

test('py-videocore6 sgemm (8 threads, 2 x 4 blocks of 16 x 16 tiles, alpha/beta) matches the product, warnings only', (t) => {
  // 64 x 16 times 16 x 128 with padded row strides: every thread walks 2 x 2 tiles and reads C (beta != 0).
  const r = runPv6Sgemm(64, 16, 128, { hazards: 'warn', lda: 20, ldb: 132, ldc: 136 });
  t.true(r.maxAbsError < 1e-5, `max |error| ${r.maxAbsError}`);
  t.deepEqual(r.result.hazards.filter((h) => h.severity === 'error'), []);
  // What the published kernel does by design with one thread per QPU: accumulators kept across its own
  // switches, ldtmu/accumulator use in thrsw slots, and the C loads' thrsw two instructions apart.
  t.deepEqual([...new Set(r.result.hazards.map((h) => h.rule))].sort(), ['acc-after-switch', 'r27-thrsw-slot-use', 'r4-thrsw-in-thrsw-slot']);
  t.is(r.flops, 2 * 64 * 16 * 128 + 3 * 64 * 128);
});

test('py-videocore6 sgemm refuses sizes its 2 x 4 block split cannot tile', (t) => {
  t.throws(() => runPv6Sgemm(48, 16, 64), { instanceOf: RangeError, message: /p must be a positive multiple of 32/ });
  t.throws(() => runPv6Sgemm(32, 16, 96), { instanceOf: RangeError, message: /r must be a positive multiple of 64/ });
  t.throws(() => runPv6Sgemm(32, 0, 64), { instanceOf: RangeError, message: /q must be a positive whole number/ });
});

for (const ver of [42, 71] as const) {
  test(`${ver / 10} uniform path does not see the job's TMU writes: pv6/pv7 test_tmu_read_tmu_write_uniform_read gives 2, not 3`, (t) => {
    // data = 1 everywhere; load it, store data + 1, tmuwt, point the uniform stream at data, ldunif, store it + 1.
    const src42 = `.uniform ${DATA}, ${DATA + 0x100}
eidx r0 ; nop ; ldunifrf.rf0
shl r0, r0, 2 ; nop
add rf0, rf0, r0 ; nop ; ldunifrf.rf1
add rf1, rf1, r0 ; nop
nop ; mov tmua, rf0 ; thrsw
nop ; nop
nop ; nop
nop ; nop ; ldtmu.r0
add tmud, r0, 1 ; nop
nop ; mov tmua, rf0
tmuwt - ; nop
bu there, rf0
nop ; nop
nop ; nop
nop ; nop
there:
nop ; nop ; ldunifrf.r0
add tmud, r0, 1 ; nop
nop ; mov tmua, rf1
tmuwt - ; nop
${END}`;
    const src71 = src42.replace(/^shl r0, r0, 2 ; nop$/m, 'shl rf5, rf5, 2').replace('eidx r0 ; nop ; ldunifrf.rf0', 'eidx rf5 ; nop ; ldunifrf.rf0')
      .replace(/rf0, rf0, r0/, 'rf0, rf0, rf5').replace(/rf1, rf1, r0/, 'rf1, rf1, rf5').replace(/nop ; mov tmua, (rf\d)/g, 'mov tmua, $1 ; nop')
      .replace(/ldtmu\.r0/, 'ldtmu.rf6').replace(/add tmud, r0, 1/, 'add tmud, rf6, 1').replace('ldunifrf.r0', 'ldunifrf.rf7')
      .replace(/add tmud, r0, 1/, 'add tmud, rf7, 1');
    const data = new Uint8Array(0x200);
    new Uint32Array(data.buffer, 0, 16).fill(1);
    const prog = assembleV3d(ver === 42 ? src42 : src71, 'coh.s', ver);
    const r = runProgram(ver, prog.words.map((w) => decodeInstr(w, ver)), { uniforms: prog.data.flatMap((d) => d.values), data });
    t.deepEqual(Array.from({ length: 16 }, (_, i) => r.data.getUint32(4 * i, true)), new Array(16).fill(2), 'data == 2');
    t.deepEqual(Array.from({ length: 16 }, (_, i) => r.data.getUint32(0x100 + 4 * i, true)), new Array(16).fill(2), 'result == 2 (the old word + 1)');
  });
}

/** pv6 `test_unifa` (4.2) restated: n = rf0, src0 = rf1, src1 = rf2, dst = rf3, inc = rf4. */
const UNIFA42 = `nop ; nop ; ldunifrf.rf0
nop ; nop ; ldunifrf.rf1
nop ; nop ; ldunifrf.rf2
nop ; nop ; ldunifrf.rf3
eidx r0 ; nop
shl r0, r0, 2 ; nop
add rf1, rf1, r0 ; nop
add rf2, rf2, r0 ; nop
add rf3, rf3, r0 ; nop
shl rf4, 4, 4 ; nop
nop ; mov unifa, rf1
nop ; nop
nop ; nop
sub.pushz r0, rf0, 1 ; nop
l0:
nop ; nop ; ldunifa
b.na0 l0
nop ; mov tmud, r5
add rf3, rf3, rf4 ; mov tmua, rf3
sub.pushz r0, r0, 1 ; nop
bu l1, rf1
nop ; mov unifa, rf2
sub.pushz r0, rf0, 1 ; nop
nop ; nop
l1:
nop ; nop ; ldunif
nop ; mov tmud, r5 ; ldunifa
add rf3, rf3, rf4 ; mov tmua, rf3
b.na0 l1
nop ; mov tmud, r5
add rf3, rf3, rf4 ; mov tmua, rf3
sub.pushz r0, r0, 1 ; nop
nop ; mov rf2, rf2 ; rotate # rot 1
shr r0, rf0, 1 ; nop
add rf1, rf1, 4 ; mov unifa, rf1
l2:
bu l3, rf2
add rf2, rf2, 8 ; nop
sub.pushz r0, r0, 1 ; nop
nop ; nop
l3:
nop ; nop ; ldunif
nop ; mov tmud, r5
or tmua, rf3, rf3 ; mov unifa, rf1 ; ldunifa
nop ; mov tmud, r5
add rf3, rf3, rf4 ; nop
add rf1, rf1, 8 ; nop
or tmua, rf3, rf3 ; add rf3, rf3, rf4 ; ldunifa
nop ; mov tmud, r5 ; ldunif
b.na0 l2
add rf3, rf3, rf4 ; mov tmua, rf3
nop ; mov tmud, r5
add rf3, rf3, rf4 ; mov tmua, rf3
${END}`;

/** pv7 `test_unifa` (7.1) restated: n = rf1, src0 = rf2, src1 = rf3, dst = rf4, inc = rf5; `rotq -1` for 4.2's rotate 1. */
const UNIFA71 = `nop ; nop ; ldunifrf.rf1
nop ; nop ; ldunifrf.rf2
nop ; nop ; ldunifrf.rf3
nop ; nop ; ldunifrf.rf4
eidx rf10 ; nop
shl rf10, rf10, 2 ; nop
add rf2, rf2, rf10 ; nop
add rf3, rf3, rf10 ; nop
add rf4, rf4, rf10 ; nop
mov rf5, 4 ; nop
shl rf5, rf5, 4 ; nop
mov unifa, rf2 ; nop
nop ; nop
nop ; nop
sub.pushz rf10, rf1, 1 ; nop
l0:
nop ; nop ; ldunifa
b.na0 l0
mov tmud, rf0 ; nop
mov tmua, rf4 ; add rf4, rf4, rf5
sub.pushz rf10, rf10, 1 ; nop
bu l1, rf2
mov unifa, rf3 ; nop
sub.pushz rf10, rf1, 1 ; nop
nop ; nop
l1:
nop ; nop ; ldunif
mov tmud, rf0 ; nop ; ldunifa
mov tmua, rf4 ; add rf4, rf4, rf5
b.na0 l1
mov tmud, rf0 ; nop
mov tmua, rf4 ; add rf4, rf4, rf5
sub.pushz rf10, rf10, 1 ; nop
rotq rf3, rf3, -1 ; nop
shr rf10, rf1, 1 ; nop
mov unifa, rf2 ; add rf2, rf2, 4
l2:
bu l3, rf3
add rf3, rf3, 8 ; nop
sub.pushz rf10, rf10, 1 ; nop
nop ; nop
l3:
nop ; nop ; ldunif
mov tmud, rf0 ; nop
mov tmua, rf4 ; mov unifa, rf2 ; ldunifa
mov tmud, rf0 ; nop
add rf4, rf4, rf5 ; nop
add rf2, rf2, 8 ; nop
mov tmua, rf4 ; add rf4, rf4, rf5 ; ldunifa
mov tmud, rf0 ; nop ; ldunif
b.na0 l2
mov tmua, rf4 ; add rf4, rf4, rf5
mov tmud, rf0 ; nop
mov tmua, rf4 ; add rf4, rf4, rf5
${END}`;

for (const ver of [42, 71] as const) {
  test(`sideband uniform stream and register-form uniform branch: ${ver === 42 ? 'pv6' : 'pv7'} test_unifa, all three cases`, (t) => {
    const n = 12;
    // As in pv6/pv7 (Driver.alloc packs buffers after a 16-byte uniform block), src0 and src1 start 8-byte aligned.
    const SRC0 = DATA, SRC1 = DATA + 0x100, DST = DATA + 0x200;
    const data = new Uint8Array(0x200 + 5 * n * 64);
    const dv = new DataView(data.buffer);
    const s0 = Array.from({ length: n }, (_, i) => (0x1000 + i * 7919) >>> 0);
    const s1 = Array.from({ length: n }, (_, i) => (0x9000 + i * 104729) >>> 0);
    s0.forEach((v, i) => dv.setUint32(0 + 4 * i, v, true));
    s1.forEach((v, i) => dv.setUint32(0x100 + 4 * i, v, true));
    const src = `.uniform ${n}, ${SRC0}, ${SRC1}, ${DST}\n${ver === 42 ? UNIFA42 : UNIFA71}`;
    const prog = ver === 42 ? assemble42(src) : assembleV3d(src, 'unifa.s', 71).words.map((w) => decodeInstr(w, 71));
    const r = runProgram(ver, prog, { uniforms: [n, SRC0, SRC1, DST], data });
    const row = (k: number) => Array.from({ length: 16 }, (_, l) => r.data.getUint32(0x200 + k * 64 + 4 * l, true));
    for (let i = 0; i < n; i++) {
      // Case 1: unifa takes lane 0.
      t.deepEqual(row(i), new Array(16).fill(s0[i]), `dst[${i}] == src0[${i}]`);
      // Case 2: `bu l1, src0` (lane k = src0 + 4k) starts the main stream at src0; unifa (src1, lane 0) runs beside it.
      t.deepEqual(row(n + 2 * i), new Array(16).fill(s0[i]), `dst[n + 2i] == src0[${i}]`);
      t.deepEqual(row(n + 2 * i + 1), new Array(16).fill(s1[i]), `dst[n + 2i + 1] == src1[${i}]`);
      // Case 3: after a quad rotation lane 1 holds src1 ("Branch takes the second element").
      t.deepEqual(row(3 * n + 2 * i + (i % 2)), new Array(16).fill(s1[i]), `dst[3n + 2i + i%2] == src1[${i}]`);
      t.deepEqual(row(3 * n + 2 * i + (1 - (i % 2))), new Array(16).fill(s0[i]), `dst[3n + 2i + 1 - i%2] == src0[${i}]`);
    }
  });
}
