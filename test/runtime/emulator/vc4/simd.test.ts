/**
 * The WebAssembly SIMD kernels (runtime/emulator/vc4/simd.ts) against the
 * lane functions of alu.ts, the definition of VC4 float numerics, on seeded
 * random finite operands chosen to hit rounding, cancellation, overflow,
 * signed zeros and denormals; and their all-or-nothing check on NaN and
 * infinity.
 */
import test from 'ava';
import { ADD_LANE, MUL_LANE } from '../../../../runtime/emulator/vc4/alu.ts';
import { KERNELS, SIMD, allocateRegisters, checkedName, releaseRegisters, simdModuleBytes, type KernelName } from '../../../../runtime/emulator/vc4/simd.ts';

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

/** The lane function a kernel computes. */
const LANE: Record<KernelName, (a: number, b: number) => number> = {
  fadd: ADD_LANE.fadd!, fsub: ADD_LANE.fsub!, fmul: MUL_LANE.fmul!, faddu: ADD_LANE.fadd!, fsubu: ADD_LANE.fsub!, fmulu: MUL_LANE.fmul!,
};

/** A register file of `rows` rows in the kernels' memory, released after `body`. */
function withRows(rows: number, body: (R: Uint32Array, row: (k: number) => number) => void): boolean {
  const owner = {};
  const file = allocateRegisters(owner, rows * 16);
  if (!file) return false;
  body(file.R, (k) => file.base + 64 * k);
  releaseRegisters(owner, file.base);
  return true;
}

test('the module validates: Node ≥ 20 (package.json engines) has WebAssembly SIMD, so the kernels must load', (t) => {
  const wasm = (globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } }).WebAssembly;
  t.true(wasm.validate(simdModuleBytes()));
  t.not(SIMD, null);
});

test('every kernel, row and uniform forms, = the lane functions on finite operands', (t) => {
  const S = SIMD;
  if (!S) return t.fail('no kernels');
  const next = rng(0xf00d);
  let checked = 0;
  const ok = withRows(3, (R, row) => {
    for (let round = 0; round < 3000; round++) {
      for (let e = 0; e < 16; e++) {
        R[e] = finiteWord(next);
        // Operand b: often a near neighbour of a, negated or not, so sums cancel and round on the last bit.
        R[16 + e] = next() % 3 === 0 ? ((R[e] as number) ^ (next() % 2 ? 0x80000000 : 0) ^ (next() % 4)) >>> 0 : finiteWord(next);
      }
      const u = R[16] as number;
      for (const k of KERNELS) {
        const uniform = k.endsWith('u');
        const status = (S[checkedName([k])] as (...x: number[]) => number)(row(2), row(0), uniform ? u : row(1));
        t.is(status, 0);
        for (let e = 0; e < 16; e++) {
          const a = R[e] as number;
          const b = uniform ? u : (R[16 + e] as number);
          const want = (LANE[k] as (a: number, b: number) => number)(a, b);
          if (R[32 + e] !== want) {
            t.fail(`${k}(0x${a.toString(16)}, 0x${b.toString(16)}) = 0x${(R[32 + e] as number).toString(16)}, lanes say 0x${want.toString(16)}`);
            return;
          }
          checked++;
        }
      }
    }
    // The destination may be an operand row (fadd ra5, ra5, r0): operands are read before results are stored.
    for (let e = 0; e < 16; e++) R[e] = finiteWord(next);
    const before = Array.from(R.subarray(0, 32));
    (S[checkedName(['fadd'])] as (...x: number[]) => number)(row(0), row(0), row(1));
    for (let e = 0; e < 16; e++) t.is(R[e], ADD_LANE.fadd!(before[e] as number, before[16 + e] as number));
  });
  if (!ok) return t.fail('no register file');
  t.true(checked > 250000, `${checked} lanes`);
});

test('a pair: a NaN or infinity in any operand lane writes nothing and returns 1; else both run, the second reading what the first read', (t) => {
  if (!SIMD) return t.fail('no kernels');
  const pair = SIMD[checkedName(['fadd', 'fmulu'])] as (...args: number[]) => number;
  const ok = withRows(6, (R, row) => {
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
    // fadd row 3 ← row 0 + row 1, then fmul row 4 ← row 2 × 0.5 (a uniform word).
    t.is(pair(row(3), row(0), row(1), row(4), row(2), 0x3f000000), 0);
    for (let e = 0; e < 16; e++) {
      t.is(R[48 + e], ADD_LANE.fadd!(0x3f800000 + e, 0x40000000));
      t.is(R[64 + e], MUL_LANE.fmul!(0x40400000, 0x3f000000));
    }
    for (const special of [0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001]) {
      for (const [at, label] of [[5, 'first kernel, operand a'], [20, 'first kernel, operand b'], [47, 'second kernel, operand a']] as const) {
        reset();
        R[at] = special;
        t.is(pair(row(3), row(0), row(1), row(4), row(2), 0x3f000000), 1, `0x${special.toString(16)}, ${label}`);
        t.true(R.subarray(48, 80).every((w) => w === 0), `${label}: nothing written`);
      }
      reset();
      t.is(pair(row(3), row(0), row(1), row(4), row(2), special), 1, `0x${special.toString(16)} as the uniform`);
    }
    // fmul row 0 ← row 0 × 0.5 second: it reads row 0 as the fadd did, before either result is stored.
    reset();
    t.is(pair(row(3), row(0), row(1), row(0), row(0), 0x3f000000), 0);
    t.is(R[48], ADD_LANE.fadd!(0x3f800000, 0x40000000));
    t.is(R[0], MUL_LANE.fmul!(0x3f800000, 0x3f000000));
  });
  if (!ok) t.fail('no register file');
});
