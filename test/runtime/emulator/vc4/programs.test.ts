/** Whole programs in VC4 assembly through execute_qpu, with answers from documented hardware behaviour. */
import test from 'ava';
import { BASE, DATA, EXIT, f, run, storeVector } from './program.ts';

const words = (r: { word(a: number): number }, at: number, n = 16): number[] => Array.from({ length: n }, (_, i) => r.word(at + 4 * i));

test('uniforms are read in order and replicated; elem_num and qpu_num', (t) => {
  const r = run(['mov r1, unif', 'mov r2, unif', 'nop', 'add r0, elem_num, r2', storeVector('r0', 'r1'), EXIT].join('\n'), { uniforms: () => [DATA, 100] });
  t.deepEqual(words(r, DATA), Array.from({ length: 16 }, (_, i) => 100 + i));
  t.deepEqual(r.hostInterrupts, [true]);
  t.deepEqual(r.hazards, []);
});

test('branch: three delay slots run, the link register gets the return address', (t) => {
  const src = [
    'mov r1, unif', 'ldi r0, 0',
    'brr ra0, r:target', // at 0x10: link = 0x10 + 32
    'add r0, r0, 1', 'add r0, r0, 2', 'add r0, r0, 4',
    'add r0, r0, 8', // skipped
    ':target', 'mov r2, ra0', 'nop', storeVector('r0', 'r1'), 'mov vw_setup, 0x00001a00', 'mov vpm, r2', 'mov vw_setup, 0x80904000',
    'ldi r3, 64', 'add r1, r1, r3', 'mov vw_addr, r1', 'mov.never -, vw_wait', EXIT,
  ].join('\n');
  const r = run(src, { uniforms: () => [DATA] });
  t.is(r.word(DATA), 7);
  t.is(r.word(DATA + 64), (BASE + 0x10 + 32) >>> 0);
});

test('conditional branches on all/any flags; a loop counting down', (t) => {
  const src = [
    'mov r1, unif', 'ldi r0, 0', 'ldi ra1, 5', 'nop',
    ':loop', 'sub.setf ra1, ra1, 1', 'add r0, r0, 3', 'nop',
    'brr.anynz -, r:loop', 'nop', 'nop', 'nop',
    storeVector('r0', 'r1'), EXIT,
  ].join('\n');
  const r = run(src, { uniforms: () => [DATA] });
  t.is(r.word(DATA), 15);
});

test('per-lane conditions and set flags', (t) => {
  const src = ['mov r1, unif', 'and.setf -, elem_num, 1', 'ldi r0, 10', 'mov.ifzc r0, 20', 'nop', storeVector('r0', 'r1'), EXIT].join('\n');
  const r = run(src, { uniforms: () => [DATA] });
  t.deepEqual(words(r, DATA), Array.from({ length: 16 }, (_, i) => (i & 1 ? 20 : 10)));
});

test('TMU direct loads: per-lane addresses, ldtmu0 result in r4 next instruction', (t) => {
  const src = [
    'mov r1, unif', 'mov r2, unif', 'shl r3, elem_num, 2', 'nop',
    'add t0s, r1, r3', 'nop; ldtmu0', 'mul24 r0, r4, 2', 'nop',
    storeVector('r0', 'r2'), EXIT,
  ].join('\n');
  const r = run(src, { uniforms: () => [DATA + 0x400, DATA], init: (m) => { for (let i = 0; i < 16; i++) m.setUint32(DATA - BASE + 0x400 + 4 * i, 1000 + i * i, true); } });
  t.deepEqual(words(r, DATA), Array.from({ length: 16 }, (_, i) => 2 * (1000 + i * i)));
  t.true((r.profile.stalls.tmu ?? 0) > 0, 'ldtmu waits for the TMU latency');
});

test('SFU results reach r4 after two instructions, with ~12-bit accuracy [PVC-T sfu rtol 1e-4, log 1e-2]', (t) => {
  const src = [
    'mov r2, unif', 'itof r1, elem_num', 'ldi ra5, 64', 'fadd r1, r1, 1.0', 'nop',
    'mov recip, r1', 'nop', 'nop', 'mov r0, r4', 'nop', storeVector('r0', 'r2'),
    'mov exp, r1', 'nop', 'nop', 'mov r0, r4', 'add r2, r2, ra5', 'nop', storeVector('r0', 'r2'),
    'mov log, r1', 'nop', 'nop', 'mov r0, r4', 'add r2, r2, ra5', 'nop', storeVector('r0', 'r2'),
    'mov recipsqrt, r1', 'nop', 'nop', 'mov r0, r4', 'add r2, r2, ra5', 'nop', storeVector('r0', 'r2'), EXIT,
  ].join('\n');
  const r = run(src, { uniforms: () => [DATA] });
  for (let i = 0; i < 16; i++) {
    const x = i + 1;
    t.true(Math.abs(r.float(DATA + 4 * i) - 1 / x) <= 1e-4 / x, `recip ${x}`);
    t.true(Math.abs(r.float(DATA + 64 + 4 * i) - 2 ** x) <= 1e-4 * 2 ** x, `exp ${x}`);
    t.true(Math.abs(r.float(DATA + 128 + 4 * i) - Math.log2(x)) <= 1e-2 * Math.max(Math.log2(x), 1e-3) + 1e-6, `log ${x}`);
    t.true(Math.abs(r.float(DATA + 192 + 4 * i) - 1 / Math.sqrt(x)) <= 1e-4, `rsqrt ${x}`);
  }
  t.deepEqual(r.hazards, []);
});

test('vector rotation: element i receives element (i − n) mod 16 [PVC-T rotate]', (t) => {
  const src = ['mov r2, unif', 'mov r1, elem_num', 'nop', 'nop; mov.rot 3, r0, r1', 'nop', storeVector('r0', 'r2'), EXIT].join('\n');
  const r = run(src, { uniforms: () => [DATA] });
  t.deepEqual(words(r, DATA), Array.from({ length: 16 }, (_, i) => (i - 3 + 16) % 16));
});

test('DMA load into the VPM, VPM read, and DMA store back (vertical read)', (t) => {
  const src = [
    'mov r1, unif', 'mov r2, unif',
    'mov vr_setup, 0x80011000', // DMA load: 1 row (NROWS 1) of 16 words (ROWLEN 0 = 16) into VPM row 0 (ARG Table 36; pitch 0)
    'mov vr_addr, r1', 'mov.never -, vr_wait',
    'mov vr_setup, 0x00101a00', // generic read: 1 vector, horizontal 32-bit, row 0
    'nop', 'nop', 'nop',
    'mov r0, vpm', 'nop',
    'add r0, r0, r0', 'nop',
    storeVector('r0', 'r2'), EXIT,
  ].join('\n');
  const r = run(src, { uniforms: () => [DATA + 0x800, DATA], init: (m) => { for (let i = 0; i < 16; i++) m.setUint32(DATA - BASE + 0x800 + 4 * i, 7 * i, true); } });
  t.deepEqual(words(r, DATA), Array.from({ length: 16 }, (_, i) => 14 * i));
  t.true(r.profile.bytesRead >= 64 && r.profile.bytesWritten === 64);
});

test('semaphores order 4 QPUs: each waits for the previous one', (t) => {
  // QPU k (uniform k) acquires semaphore k (k > 0), adds to a shared counter via TMU+DMA, releases k + 1.
  const src = [
    'mov ra2, unif', 'mov r1, unif', 'mov ra3, unif', 'nop',
    'mov.setf -, ra2', 'nop', 'brr.allz -, r:first', 'nop', 'nop', 'nop',
    'sacq -, 0', // semaphores are not indexable: chain via semaphore 0
    ':first',
    'mov t0s, r1', 'nop; ldtmu0', 'add r0, r4, ra3', 'nop',
    storeVector('r0', 'r1'),
    'srel -, 0', EXIT,
  ].join('\n');
  const r = run(src, { numQpus: 4, uniforms: (k) => [k, DATA, 1 << k] });
  t.is(r.word(DATA), 15, 'all four increments happened, none lost');
  t.true((r.profile.stalls.semaphore ?? 0) > 0);
});

test('both ALUs read their inputs before either writes (in-place results); carry comes from the old operands', (t) => {
  const src = [
    'mov ra1, unif', 'ldi r1, 3', 'ldi r2, 5', 'ldi r0, -1',
    'add r1, r1, r2; mul24 r2, r1, r1', // r1 = 3 + 5, r2 = 3 · 3: the mul reads the old r1
    'add.setf r0, r0, 1', // 0xffffffff + 1 wraps to 0: Z and C set [notes §6: C = unsigned carry]
    'ldi r3, 0', 'mov.ifcs r3, 7',
    'shl r1, r1, 8; nop', 'add r1, r1, r2', 'shl r1, r1, 8', 'add r1, r1, r3', 'nop',
    storeVector('r1', 'ra1'), EXIT,
  ].join('\n');
  const r = run(src, { uniforms: () => [DATA] });
  t.is(r.word(DATA), (8 << 16) | (9 << 8) | 7);
  t.deepEqual(r.hazards, []);
});

test('mul reading the add destination sees the old value when the emulator runs the mul first', (t) => {
  const src = [
    'mov ra1, unif', 'ldi r1, 3', 'ldi r3, 5',
    'add r1, r1, r3; mul24 r2, r1, r1', // r1 = 8, r2 = 9
    'shl r1, r1, 8', 'add r1, r1, r2', 'nop',
    storeVector('r1', 'ra1'), EXIT,
  ].join('\n');
  t.is(run(src, { uniforms: () => [DATA] }).word(DATA), (8 << 8) | 9);
});

test('a conditional mul-ALU op reads the flags from before its word (the add op beside it sets new ones); v8adds saturates each byte [notes §1.9, §6]', (t) => {
  const src = [
    'mov ra1, unif', 'and.setf -, elem_num, 1', // Z in the even lanes
    'ldi r1, 0x01ff807f', 'ldi r2, 0x01018080', 'ldi r0, 0',
    // The add op's flags (Z in lane 0 only) are for the next word; the mul's condition sees the even lanes'.
    'xor.setf -, elem_num, 0; v8adds.ifzs r0, r1, r2', 'nop',
    storeVector('r0', 'ra1'), EXIT,
  ].join('\n');
  const r = run(src, { uniforms: () => [DATA] });
  // Per byte: 0x01 + 0x01, 0xff + 0x01 → 0xff, 0x80 + 0x80 → 0xff, 0x7f + 0x80 = 0xff.
  t.deepEqual(words(r, DATA), Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? 0x02ffffff : 0)));
  t.deepEqual(r.hazards, []);
});
