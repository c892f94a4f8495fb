/**
 * The WebAssembly SIMD kernels (runtime/emulator/vc4/simd.ts) against the
 * lane functions of alu.ts, the definition of VC4 float numerics, on seeded
 * random finite operands chosen to hit rounding, cancellation, overflow,
 * signed zeros and denormals; and `chk` on NaN and infinity.
 */
import test from 'ava';
import { ADD_LANE, MUL_LANE } from '../../../../runtime/emulator/vc4/alu.ts';
import { SIMD, allocateRegisters, checkedName, releaseRegisters } from '../../../../runtime/emulator/vc4/simd.ts';

/** xorshift32. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    return x >>> 0;
  };
}

/** A finite float word: nearby exponents (sums that round), wide exponents, denormals, zeros, extremes. */
function finiteWord(next: () => number): number {
  const x = next();
  const sign = x & 0x80000000;
  switch (x % 7) {
    case 0: return (sign | (0x3f000000 + (next() % 0x02000000))) >>> 0;
    case 1: return (sign | (next() % 0x7f800000)) >>> 0; // any finite magnitude, denormals included
    case 2: return (sign | (next() % 0x00800000)) >>> 0; // denormal or zero
    case 3: return (sign | (0x7f000000 + (next() % 0x00800000))) >>> 0; // near the top: sums overflow
    case 4: return [0, 0x80000000, 0x00800000, 0x80800000, 0x7f7fffff, 0xff7fffff, 0x3f800000, 0xbf800000][next() % 8] as number;
    case 5: return (sign | (0x00800000 + (next() % 0x01000000))) >>> 0; // smallest normals: results underflow
    default: return (sign | (0x4b000000 + (next() % 0x00800000))) >>> 0;
  }
}

test('fadd, fsub and fmul kernels, row and uniform forms, = the lane functions on finite operands', (t) => {
  if (!SIMD) return t.pass('no WebAssembly SIMD in this Node: the emulator runs its JavaScript lanes');
  const owner = {};
  const file = allocateRegisters(owner, 4 * 16);
  if (!file) return t.fail('no register file');
  const { R, base } = file;
  const next = rng(0xf00d);
  const kernels: [string, (d: number, a: number, b: number) => void, (a: number, b: number) => number][] = [
    ['fadd', SIMD.fadd, ADD_LANE.fadd!], ['fsub', SIMD.fsub, ADD_LANE.fsub!], ['fmul', SIMD.fmul, MUL_LANE.fmul!],
  ];
  // The uniform forms: operand b is one word for all lanes.
  const uniform: [string, (d: number, a: number, u: number) => void, (a: number, b: number) => number][] = [
    ['faddu', SIMD.faddu, ADD_LANE.fadd!], ['fsubu', SIMD.fsubu, ADD_LANE.fsub!], ['fmulu', SIMD.fmulu, MUL_LANE.fmul!],
  ];
  let checked = 0;
  for (let round = 0; round < 4000; round++) {
    for (let e = 0; e < 16; e++) {
      R[e] = finiteWord(next);
      // Operand b: often a near neighbour of a, negated or not, so sums cancel and round on the last bit.
      R[16 + e] = next() % 3 === 0 ? ((R[e] as number) ^ (next() % 2 ? 0x80000000 : 0) ^ (next() % 4)) >>> 0 : finiteWord(next);
    }
    if (SIMD.chk(base, base + 64, base, base + 64) !== 0) continue; // a random word hit exponent 255
    for (const [name, kernel, lane] of kernels) {
      kernel(base + 128, base, base + 64);
      for (let e = 0; e < 16; e++) {
        const a = R[e] as number;
        const b = R[16 + e] as number;
        const want = lane(a, b);
        if (R[32 + e] !== want) return t.fail(`${name}(0x${a.toString(16)}, 0x${b.toString(16)}) = 0x${(R[32 + e] as number).toString(16)}, lanes say 0x${want.toString(16)}`);
        checked++;
      }
    }
    const u = R[16] as number;
    for (const [name, kernel, lane] of uniform) {
      kernel(base + 128, base, u);
      for (let e = 0; e < 16; e++) {
        const want = lane(R[e] as number, u);
        if (R[32 + e] !== want) return t.fail(`${name}(0x${(R[e] as number).toString(16)}, 0x${u.toString(16)}) = 0x${(R[32 + e] as number).toString(16)}, lanes say 0x${want.toString(16)}`);
        checked++;
      }
    }
  }
  // The destination may be an operand row (fadd ra5, ra5, r0): each vector is read before it is written.
  for (let e = 0; e < 16; e++) R[e] = finiteWord(next);
  const before = Array.from(R.subarray(0, 32));
  SIMD.fadd(base, base, base + 64);
  for (let e = 0; e < 16; e++) t.is(R[e], ADD_LANE.fadd!(before[e] as number, before[16 + e] as number));
  releaseRegisters(owner, base);
  t.true(checked > 300000, `${checked} lanes`);
});

test('chk finds a NaN or an infinity in any lane of any of its four rows', (t) => {
  if (!SIMD) return t.pass('no WebAssembly SIMD');
  const owner = {};
  const file = allocateRegisters(owner, 4 * 16);
  if (!file) return t.fail('no register file');
  const { R, base } = file;
  R.fill(0x3f800000);
  t.is(SIMD.chk(base, base + 64, base + 128, base + 192), 0);
  for (const special of [0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001]) {
    for (const at of [0, 21, 47, 63]) {
      R.fill(0x3f800000);
      R[at] = special;
      t.is(SIMD.chk(base, base + 64, base + 128, base + 192), 1, `0x${special.toString(16)} in word ${at}`);
    }
  }
  releaseRegisters(owner, base);
});

test('checked forms: a special lane in any operand row writes nothing and returns 1; else both kernels run in order', (t) => {
  if (!SIMD) return t.pass('no WebAssembly SIMD');
  const owner = {};
  const file = allocateRegisters(owner, 6 * 16);
  if (!file) return t.fail('no register file');
  const { R, base } = file;
  const row = (k: number): number => base + 64 * k;
  const pair = SIMD[checkedName(['fadd', 'fmulu'])] as (...args: number[]) => number;
  const reset = (): void => {
    for (let e = 0; e < 16; e++) {
      R[e] = 0x3f800000 + e; // a: 1.0…
      R[16 + e] = 0x40000000; // b: 2.0
      R[32 + e] = 0x40400000; // mul operand: 3.0
      R[48 + e] = 0;
      R[64 + e] = 0;
    }
  };
  reset();
  // fadd row 3 ← row 0 + row 1, then fmul row 4 ← row 2 × 0.5 (uniform word).
  t.is(pair(row(3), row(0), row(1), row(4), row(2), 0x3f000000), 0);
  for (let e = 0; e < 16; e++) {
    t.is(R[48 + e], ADD_LANE.fadd!(0x3f800000 + e, 0x40000000));
    t.is(R[64 + e], MUL_LANE.fmul!(0x40400000, 0x3f000000));
  }
  for (const [at, label] of [[5, 'first kernel, operand a'], [20, 'first kernel, operand b'], [41, 'second kernel, operand a']] as const) {
    reset();
    R[at] = 0x7fc00000;
    t.is(pair(row(3), row(0), row(1), row(4), row(2), 0x3f000000), 1, label);
    t.true(R.subarray(48, 80).every((w) => w === 0), `${label}: nothing written`);
  }
  // In the same instruction, the second kernel reads what the first wrote only if the caller orders them so: here
  // fmul row 0 ← row 0 × 0.5 runs after fadd read row 0.
  reset();
  t.is(pair(row(3), row(0), row(1), row(0), row(0), 0x3f000000), 0);
  t.is(R[48], ADD_LANE.fadd!(0x3f800000, 0x40000000));
  t.is(R[0], MUL_LANE.fmul!(0x3f800000, 0x3f000000));
  releaseRegisters(owner, base);
});
