/**
 * VC4 programs whose hardware results are published (py-videocore tests),
 * restated in vc4asm syntax with the same instruction sequence; expected
 * values are what the hardware test asserts, computed here in plain JS.
 */
import test from 'ava';
import { sfu } from '../../../../runtime/emulator/vc4/qpu.ts';
import { BASE, DATA, EXIT, run } from './program.ts';

const rows = (r: { word(a: number): number }, at: number, n: number): number[][] =>
  Array.from({ length: n }, (_, k) => Array.from({ length: 16 }, (_, i) => r.word(at + 64 * k + 4 * i)));
/** numpy's append(l[-n:], l[:-n]) for 0 <= n < 16. */
const fullRotate = (l: number[], n: number): number[] => [...l.slice(16 - n), ...l.slice(0, 16 - n)].slice(0, 16);
/** py-videocore's list_half_rotate: each quad rotated by n mod 4. */
const quadRotate = (l: number[], n: number): number[] =>
  [0, 1, 2, 3].flatMap((q) => { const quad = l.slice(4 * q, 4 * q + 4); const m = n % 4; return [...quad.slice(4 - m), ...quad.slice(0, 4 - m)].slice(0, 4); });

/** py-videocore test_rotate boilerplate: one row into the VPM, generic read/write setups, the code, `nout` rows out. */
function boilerplate(body: string[], nout: number): string {
  return [
    'ldi vr_setup, 0x83011000', // DMA load: 32-bit horizontal, 1 row, MPITCH 3, VPITCH 1 (ARG Table 36)
    'mov vr_addr, unif',
    'mov.never -, vr_wait',
    'ldi vr_setup, 0x00101a00', // generic read: 1 vector, stride 1, horizontal 32-bit (ARG Table 32)
    'ldi vw_setup, 0x00001a00', // generic write: stride 1, horizontal 32-bit
    ...body,
    `ldi vw_setup, ${0x80000000 | (nout << 23) | (16 << 16) | (1 << 14)}`, // DMA store: nout rows of 16 words
    'mov vw_addr, unif',
    'mov.never -, vw_wait',
    EXIT,
  ].join('\n');
}

const X = Array.from({ length: 16 }, (_, i) => (0x9e3779b9 * (i + 1)) >>> 0);
const init = (m: DataView) => X.forEach((v, i) => m.setUint32(DATA - BASE + 4 * i, v, true));

test('rotation of a regfile-A input rotates within each quad by n mod 4 (py-videocore test_rotate_ra)', (t) => {
  const body = ['mov ra0, vpm'];
  for (let i = 1; i < 16; i++) body.push('mov r1, 0', 'nop', `nop; mov.rot ${i}, r1, ra0`, 'nop', 'mov vpm, r1', 'nop');
  for (let i = 0; i < 16; i++) body.push('mov r1, 0', `mov r5rep, ${i}`, 'nop', 'nop; mov.rot r5, r1, ra0', 'nop', 'mov vpm, r1', 'nop');
  const r = run(boilerplate(body, 31), { uniforms: () => [DATA, DATA + 0x100], init });
  const y = rows(r, DATA + 0x100, 31);
  for (let i = 1; i < 16; i++) t.deepEqual(y[i - 1], quadRotate(X, i), `rotate by ${i}`);
  for (let i = 0; i < 16; i++) t.deepEqual(y[15 + i], quadRotate(X, i), `rotate by r5 = ${i}`);
});

test('rotation of r4 rotates within each quad by n mod 4 (py-videocore test_rotate_r4)', (t) => {
  // r4 from a TMU load: element e of the VPM row holds the address of word e of the data.
  const body = ['mov r0, vpm', 'mov t0s, r0', 'nop; ldtmu0', 'mov vpm, r4'];
  for (let i = 1; i < 16; i++) body.push('mov r1, 0', 'nop', `nop; mov.rot ${i}, r1, r4`, 'mov vpm, r1', 'nop');
  const r = run(boilerplate(body, 16), {
    uniforms: () => [DATA, DATA + 0x100],
    init: (m) => X.forEach((v, i) => { m.setUint32(DATA - BASE + 4 * i, DATA + 0x400 + 4 * i, true); m.setUint32(DATA + 0x400 - BASE + 4 * i, v, true); }),
  });
  const y = rows(r, DATA + 0x100, 16);
  t.deepEqual(y[0], X, 'r4 holds the loaded words');
  for (let i = 1; i < 16; i++) t.deepEqual(y[i], quadRotate(X, i), `r4 rotated by ${i}`);
});

test('rotation of an accumulator loaded from the VPM is a full 16-element rotation (py-videocore test_rotate_r0123)', (t) => {
  const body = ['mov r0, vpm'];
  for (let i = 1; i < 16; i++) body.push('mov r1, 0', 'nop', `nop; mov.rot ${i}, r1, r0`, 'mov vpm, r1', 'nop');
  const r = run(boilerplate(body, 15), { uniforms: () => [DATA, DATA + 0x100], init });
  const y = rows(r, DATA + 0x100, 15);
  for (let i = 1; i < 16; i++) t.deepEqual(y[i - 1], fullRotate(X, i), `rotate by ${i}`);
});

test('vertical 32-bit DMA loads of 4 rows with VPITCH 0 fill one VPM column each (py-videocore test_vertical_32bit_load)', (t) => {
  const body = ['mov ra0, unif', 'ldi rb0, 256'];
  for (let x = 0; x < 16; x++) {
    // MODEW 32-bit, MPITCH 3 (64 bytes), ROWLEN 16, NROWS 4, VPITCH 0 (= 16), VERT, Y 0, X x.
    body.push(`ldi vr_setup, ${(0x80000000 | (3 << 24) | (4 << 16) | (1 << 11) | x) >>> 0}`, 'mov vr_addr, ra0', 'add ra0, ra0, rb0');
  }
  body.push('mov.never -, vr_wait', `ldi vw_setup, ${(0x80000000 | (64 << 23) | (16 << 16) | (1 << 14)) >>> 0}`, 'mov vw_addr, unif', 'mov.never -, vw_wait', EXIT);
  // X: 16 x 64 words, X[i][j] = 64 i + j; the test asserts Y (64 x 16) == X transposed.
  const r = run(body.join('\n'), {
    uniforms: () => [DATA, DATA + 0x1000],
    init: (m) => { for (let i = 0; i < 16 * 64; i++) m.setUint32(DATA - BASE + 4 * i, i, true); },
  });
  const y = rows(r, DATA + 0x1000, 64);
  const want = Array.from({ length: 64 }, (_, j) => Array.from({ length: 16 }, (_, i) => 64 * i + j));
  t.deepEqual(y, want);
});

test('SFU accuracy: recip, recipsqrt, exp within 1e-4 and log within 1e-2 relative for inputs in (0, 1) (py-videocore test_sfu bounds)', (t) => {
  const f32 = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0] as number;
  const val = (b: number) => new Float32Array(new Uint32Array([b]).buffer)[0] as number;
  const exact: Record<string, (x: number) => number> = { recip: (x) => 1 / x, recipsqrt: (x) => 1 / Math.sqrt(x), exp: (x) => 2 ** x, log: (x) => Math.log2(x) };
  const bound: Record<string, number> = { recip: 1e-4, recipsqrt: 1e-4, exp: 1e-4, log: 1e-2 };
  let inexact = 0;
  for (const name of Object.keys(exact)) {
    for (let k = 1; k < 1000; k++) {
      const x = Math.fround(k / 1000 + 0.000123);
      if (x >= 1) continue;
      const want = (exact[name] as (x: number) => number)(x);
      const got = val(sfu(name, f32(x)));
      t.true(Math.abs(got - want) <= (bound[name] as number) * Math.abs(want), `${name}(${x}) = ${got}, exact ${want}`);
      if (got !== Math.fround(want)) inexact++;
    }
  }
  t.true(inexact > 0, 'the SFU model is an approximation, not exact');
});
