/** The 16-lane ALU kernels agree with the per-element reference functions (alu.ts) on random and special inputs. */
import test from 'ava';
import { VC4_ADD_OPS, VC4_MUL_OPS } from '../../../../compiler/isa/vc4/table.ts';
import { addCarryOp, addLaneOp, addVectorOp, mulLaneOp, mulVectorOp } from '../../../../runtime/emulator/vc4/alu-vector.ts';
import { ADD_LANE, LANE_HELPERS, MUL_LANE, carryOut } from '../../../../runtime/emulator/vc4/alu.ts';
import { f } from './program.ts';

// Specials: ±0, denormals, ±inf, NaNs, extremes, values whose sum needs rounding toward zero [VC4C-HW rows].
const SPECIAL = [
  0, 0x80000000, 1, 0x807fffff, 0x00800000, 0x80800000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001, 0x7f7fffff, 0xff7fffff,
  f(1), f(-1), f(2 ** 97), f(-(2 ** 97)), f(1.5), f(1e-38), f(3e38), 0x7fffffff, 0xffffffff, 0x00ffffff, 0x01000000, 0xff000000, 16777217,
];

/** Deterministic pseudo-random words (xorshift), biased towards floats of nearby exponents so sums round. */
function words(seed: number, n: number): number[] {
  let x = seed;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out.push(i % 3 === 0 ? (x >>> 0) : ((0x3f000000 + ((x >>> 0) % 0x02000000)) ^ (i & 4 ? 0x80000000 : 0)) >>> 0);
  }
  return out;
}

function compare(kernel: (R: Uint32Array, F: Float32Array, o: number, a: number, b: number) => void,
  reference: (R: Uint32Array, F: Float32Array, o: number, a: number, b: number) => void, xs: number[], ys: number[]): string | undefined {
  const R1 = new Uint32Array(48);
  const R2 = new Uint32Array(48);
  for (let k = 0; k < xs.length; k += 16) {
    for (let e = 0; e < 16; e++) {
      R1[e] = R2[e] = xs[(k + e) % xs.length] as number;
      R1[16 + e] = R2[16 + e] = ys[(k + e) % ys.length] as number;
    }
    kernel(R1, new Float32Array(R1.buffer), 32, 0, 16);
    reference(R2, new Float32Array(R2.buffer), 32, 0, 16);
    for (let e = 0; e < 16; e++) {
      if (R1[32 + e] !== R2[32 + e]) return `0x${R1[e]!.toString(16)}, 0x${R1[16 + e]!.toString(16)}: 0x${R1[32 + e]!.toString(16)} ≠ 0x${R2[32 + e]!.toString(16)}`;
    }
  }
  return undefined;
}

const xs = [...SPECIAL.flatMap((a) => SPECIAL.map(() => a)), ...words(1, 4096)];
const ys = [...SPECIAL.flatMap(() => SPECIAL), ...words(7, 4096)];

for (const op of VC4_ADD_OPS) {
  test(`add op ${op.name}: kernel = per-element reference`, (t) => {
    t.is(compare(addVectorOp(op.name), addLaneOp(op.name), xs, ys), undefined);
  });
}
for (const op of VC4_MUL_OPS) {
  test(`mul op ${op.name}: kernel = per-element reference`, (t) => {
    t.is(compare(mulVectorOp(op.name), mulLaneOp(op.name), xs, ys), undefined);
  });
}

test('add carry kernels = per-element carry', (t) => {
  let compared = 0;
  for (const op of VC4_ADD_OPS) {
    const R = new Uint32Array(32);
    const C = new Uint8Array(16);
    for (let k = 0; k < xs.length; k += 16) {
      for (let e = 0; e < 16; e++) { R[e] = xs[k + e] ?? 0; R[16 + e] = ys[k + e] ?? 0; }
      addCarryOp(op.name)(R, 0, 16, C);
      for (let e = 0; e < 16; e++) {
        (ADD_LANE[op.name] as (a: number, b: number) => number)(R[e] as number, R[16 + e] as number);
        if (C[e] !== carryOut.c) { t.fail(`${op.name} carry of 0x${R[e]!.toString(16)}, 0x${R[16 + e]!.toString(16)}`); return; }
        compared++;
      }
    }
  }
  t.is(compared, VC4_ADD_OPS.length * Math.ceil(xs.length / 16) * 16, 'every element of every op was compared');
});

test('documented fadd rows hold in the kernel too [VC4C-HW]', (t) => {
  const R = new Uint32Array(48);
  R.fill(f(1.0), 0, 16);
  R.fill(f(-(2 ** 97)), 16, 32);
  addVectorOp('fadd')(R, new Float32Array(R.buffer), 32, 0, 16);
  t.is(R[32], 0xefffffff);
  R.fill(f(2 ** 97), 0, 16);
  R.fill(f(1.0), 16, 32);
  addVectorOp('fsub')(R, new Float32Array(R.buffer), 32, 0, 16);
  t.is(R[32], 0x6fffffff);
});

test('lane-spec fast paths = the full-precision reference functions they fall back to', (t) => {
  const H = LANE_HELPERS;
  const fpos = (r: number): number => (r !== 0 && r < 0x80000000 ? 1 : 0);
  const bytes = (x: number, y: number, g: (p: number, q: number) => number): number => {
    let r = 0;
    for (let k = 0; k < 32; k += 8) r |= g((x >>> k) & 255, (y >>> k) & 255) << k;
    return r >>> 0;
  };
  const cases: [string, (x: number, y: number) => number, (x: number, y: number) => number][] = [
    ['fadd', ADD_LANE.fadd!, H.fadd],
    ['fsub', ADD_LANE.fsub!, (x, y) => H.fadd(x, (y ^ 0x80000000) >>> 0)],
    ['itof', ADD_LANE.itof!, (x) => H.itof(x | 0)],
    ['fmul', MUL_LANE.fmul!, H.fmul],
    ['v8adds', MUL_LANE.v8adds!, (x, y) => bytes(x, y, (p, q) => Math.min(p + q, 255))],
    ['v8subs', MUL_LANE.v8subs!, (x, y) => bytes(x, y, (p, q) => Math.max(p - q, 0))],
    ['v8min', MUL_LANE.v8min!, (x, y) => bytes(x, y, Math.min)],
  ];
  let compared = 0;
  for (const [name, fast, ref] of cases) {
    for (let k = 0; k < xs.length; k++) {
      const x = xs[k] as number;
      const y = ys[k] as number;
      const got = fast(x, y);
      if (got !== ref(x, y)) return t.fail(`${name}(0x${x.toString(16)}, 0x${y.toString(16)}) = 0x${got.toString(16)}, reference 0x${ref(x, y).toString(16)}`);
      if ((name === 'fadd' || name === 'fsub') && carryOut.c !== fpos(got)) return t.fail(`${name} carry`);
      compared++;
    }
  }
  t.is(compared, cases.length * xs.length, 'every case of every op was compared');
});
