/**
 * The documented scalar semantics (docs/language.md), checked end to end:
 * kernel source → IR → interpreter, before and after the backend pipeline,
 * against plain-JS computations of the documented rules.
 */
import test from 'ava';
import { prepareForBackend } from '../../../compiler/passes/pipeline.ts';
import { printFunction } from '../../../compiler/ir/print.ts';
import { parseFunction } from '../../../compiler/ir/parse.ts';
import { verifyFunction } from '../../../compiler/ir/verify.ts';
import { compileSource, onlyKernel, runKernel } from '../../helpers/kernels.ts';

const src = (body: string, params: string) => `import { kernel, qpu, f32, i32, u32, type Ptr } from 'qpuc';
export class S {
  @kernel
  static k(${params}): void {
    const l = qpu.laneId();
    ${body}
  }
}`;

/** Runs a one-QPU kernel whose lane l reads a[l], b[l] and writes out[l], per-lane and lowered. */
function run2<T extends Int32Array | Uint32Array | Float32Array>(ctor: new (n: number) => T, type: string, outType: string, expr: string, a: number[], b: number[]): number[][] {
  const fn = onlyKernel(compileSource(src(`out[l] = ${expr};`, `a: Ptr<${type}>, b: Ptr<${type}>, out: Ptr<${outType}>`)));
  const lowered = prepareForBackend(parseFunction(printFunction(fn)));
  if (verifyFunction(lowered, { lowered: true }).length > 0) throw new Error('lowered IR does not verify');
  return [fn, lowered].map((f) => {
    const A = new ctor(16);
    const B = new ctor(16);
    a.forEach((x, i) => (A[i] = x));
    b.forEach((x, i) => (B[i] = x));
    const out = outType === 'f32' ? new Float32Array(16) : outType === 'u32' ? new Uint32Array(16) : new Int32Array(16);
    runKernel(f, [A, B, out], 1);
    return [...out].slice(0, a.length);
  });
}

const I32 = [7, -7, 7, -7, -2147483648, -2147483648, 0, 5, 2147483647, 1, -1, 100];
const J32 = [2, 2, -2, -2, -1, 1, 3, 0, -1, 0, 0, 7];

test('i32 division truncates toward zero; x/0 = x; MIN/-1 = MIN', (t) => {
  const want = I32.map((x, i) => {
    const y = J32[i]!;
    if (y === 0) return x;
    if (x === -2147483648 && y === -1) return x;
    return Math.trunc(x / y) | 0;
  });
  for (const got of run2(Int32Array, 'i32', 'i32', 'a[l] / b[l]', I32, J32)) t.deepEqual(got, want);
});

test('i32 remainder takes the dividend sign; x%0 = 0; MIN%-1 = 0', (t) => {
  const want = I32.map((x, i) => {
    const y = J32[i]!;
    if (y === 0 || (x === -2147483648 && y === -1)) return 0;
    return x % y | 0;
  });
  for (const got of run2(Int32Array, 'i32', 'i32', 'a[l] % b[l]', I32, J32)) t.deepEqual(got, want);
});

test('u32 arithmetic wraps; >> is logical on u32', (t) => {
  const a = [0xffffffff, 0x80000000, 5, 3];
  const b = [1, 31, 33, 0];
  for (const got of run2(Uint32Array, 'u32', 'u32', '(a[l] + b[l]) ^ (a[l] >> b[l])', a, b)) {
    t.deepEqual(got, a.map((x, i) => (((x + b[i]!) >>> 0) ^ (x >>> (b[i]! & 31))) >>> 0));
  }
});

test('i32 >> is arithmetic, >>> logical, shift counts mod 32, multiply wraps', (t) => {
  const a = [-16, -16, 0x40000000, 123456789];
  const b = [2, 34, 3, 77];
  for (const got of run2(Int32Array, 'i32', 'i32', '(a[l] >> b[l]) + (a[l] >>> b[l]) + a[l] * b[l]', a, b)) {
    t.deepEqual(got, a.map((x, i) => ((x >> b[i]!) + (x >>> b[i]!) + Math.imul(x, b[i]!)) | 0));
  }
});

test('f32 operations round to single precision after every step', (t) => {
  const a = [0.1, 1e30, 16777216, 3];
  const b = [0.2, 1e10, 1, 7];
  const f = Math.fround;
  for (const got of run2(Float32Array, 'f32', 'f32', '(a[l] + b[l]) * a[l] / b[l]', a, b)) {
    t.deepEqual(got, a.map((x, i) => f(f(f(f(x) + f(b[i]!)) * f(x)) / f(b[i]!))));
  }
});

test('comparisons with NaN are false except !=', (t) => {
  const a = [NaN, 1, NaN];
  const b = [1, NaN, NaN];
  const expr = 'u32(a[l] < b[l]) + u32(a[l] == b[l]) * 2 + u32(a[l] != b[l]) * 4 + u32(a[l] >= b[l]) * 8';
  for (const got of run2(Float32Array, 'f32', 'u32', expr, a, b)) t.deepEqual(got, [4, 4, 4]);
});

test('f32 → i32/u32 conversions truncate and saturate; NaN → 0', (t) => {
  const a = [2.9, -2.9, 3e9, -3e9, NaN, 4294967296, -0.5];
  const b = a.map(() => 0);
  const clampI = (x: number) => (Number.isNaN(x) ? 0 : Math.max(-2147483648, Math.min(2147483647, Math.trunc(x))) | 0);
  const clampU = (x: number) => (Number.isNaN(x) ? 0 : Math.max(0, Math.min(4294967295, Math.trunc(x))) >>> 0);
  for (const got of run2(Float32Array, 'f32', 'i32', 'i32(a[l])', a, b)) t.deepEqual(got, a.map((x) => clampI(Math.fround(x))));
  for (const got of run2(Float32Array, 'f32', 'u32', 'u32(a[l])', a, b)) t.deepEqual(got, a.map((x) => clampU(Math.fround(x))));
});

test('i32 ↔ u32 conversions reinterpret bits; u32 → f32 rounds to nearest', (t) => {
  const a = [-1, -2147483648, 16777217, 5];
  const b = a.map(() => 0);
  for (const got of run2(Int32Array, 'i32', 'u32', 'u32(a[l])', a, b)) t.deepEqual(got, a.map((x) => x >>> 0));
  for (const got of run2(Int32Array, 'i32', 'f32', 'f32(a[l])', a, b)) t.deepEqual(got, a.map((x) => Math.fround(x)));
});

test('Math functions: min/max on ints and floats, abs of i32 MIN wraps, clz32, imul', (t) => {
  const a = [-5, 7, -2147483648, 0];
  const b = [3, -9, 1, 0];
  const expr = 'Math.min(a[l], b[l]) * 1000 + Math.max(a[l], b[l]) + Math.abs(a[l]) + Math.clz32(b[l]) + Math.imul(a[l], 3)';
  for (const got of run2(Int32Array, 'i32', 'i32', expr, a, b)) {
    t.deepEqual(got, a.map((x, i) => {
      const y = b[i]!;
      return (Math.imul(Math.min(x, y), 1000) + Math.max(x, y) + (Math.abs(x) | 0) + Math.clz32(y) + Math.imul(x, 3)) | 0;
    }));
  }
});

test('qpu intrinsics: ids, broadcast, any/all and reductions over the active lanes', (t) => {
  const fn = onlyKernel(compileSource(src(`
    const g = qpu.globalId();
    out[g * 4] = qpu.qpuId() * 1000 + qpu.numQpus() * 100 + qpu.globalCount();
    out[g * 4 + 1] = qpu.broadcast(g, 3);
    let r: u32 = 0;
    if (l % 2 == 1) {
      r = qpu.reduceAdd(l) + (qpu.any(l == 5) ? 1000 : 0) + (qpu.all(l > 0) ? 2000 : 0);
    } else {
      r = qpu.reduceMax(l * 2) + qpu.reduceMin(l + 1) * 100;
    }
    out[g * 4 + 2] = r;
    out[g * 4 + 3] = qpu.rotate(g, 3);`, 'out: Ptr<u32>')));
  const lowered = prepareForBackend(parseFunction(printFunction(fn)));
  for (const f of [fn, lowered]) {
    const out = new Uint32Array(2 * 16 * 4);
    runKernel(f, [out], 2);
    for (let q = 0; q < 2; q++) {
      for (let l = 0; l < 16; l++) {
        const g = q * 16 + l;
        t.is(out[g * 4], q * 1000 + 200 + 32);
        t.is(out[g * 4 + 1], q * 16 + 3);
        // Odd lanes: sum of 1,3,…,15 = 64; lane 5 is odd; all odd lanes > 0. Even lanes: max 2*14 = 28, min 0+1 = 1.
        t.is(out[g * 4 + 2], l % 2 === 1 ? 64 + 1000 + 2000 : 28 + 100);
        t.is(out[g * 4 + 3], q * 16 + ((l - 3 + 16) % 16));
      }
    }
  }
});

test('a literal written as a float is f32 even when integral: u32(-7.0) saturates to 0, u32(-7) wraps', (t) => {
  const fn = onlyKernel(compileSource(src('out[l] = u32(-7.0) + u32(-7) * 2;', 'out: Ptr<u32>')));
  const out = new Uint32Array(16);
  runKernel(fn, [out], 1);
  t.is(out[0], Math.imul(4294967289, 2) >>> 0);
});

test('barrier: every QPU sees the others\' stores made before it', (t) => {
  const fn = onlyKernel(compileSource(src(`
    const g = qpu.globalId();
    out[g] = g * 10;
    qpu.barrier();
    const other = (g + 16) % qpu.globalCount();
    out[qpu.globalCount() + g] = out[other];`, 'out: Ptr<u32>')));
  for (const f of [fn, prepareForBackend(parseFunction(printFunction(fn)))]) {
    const out = new Uint32Array(2 * 3 * 16);
    runKernel(f, [out], 3);
    for (let g = 0; g < 48; g++) t.is(out[48 + g], ((g + 16) % 48) * 10);
  }
});

test('an endless loop stops at the step limit with an error, not a hang', async (t) => {
  const { interpretKernel, ArrayMemory } = await import('../../../compiler/ir/interpret.ts');
  const fn = onlyKernel(compileSource(src('let i: u32 = 0;\n    while (true) { i++; }', 'out: Ptr<u32>')));
  t.throws(() => interpretKernel(fn, [{ address: 0 }], new ArrayMemory(new ArrayBuffer(64)), { qpus: 1, maxSteps: 10_000 }), { message: /step limit/ });
});

test('an unannotated const literal takes each use site\'s type, including case labels', (t) => {
  const fn = onlyKernel(compileSource(src(`
    const K = 3;
    const H = 0.5;
    const BIG = 3000000000;
    let u: u32 = l * K + BIG;
    let i: i32 = -K * i32(l);
    let f: f32 = f32(l) * H;
    switch (l) {
      case K:
        u = 7;
        break;
    }
    out[l] = u + u32(i) + u32(f);`, 'out: Ptr<u32>')));
  const out = new Uint32Array(16);
  runKernel(fn, [out], 1);
  t.deepEqual([...out], Array.from({ length: 16 }, (_, l) => ((l === 3 ? 7 : l * 3 + 3000000000) + ((-3 * l) >>> 0) + Math.trunc(l * 0.5)) >>> 0));
});

test('labelled break and continue out of nested divergent loops; while with continue; do-while', (t) => {
  const fn = onlyKernel(compileSource(src(`
    let count: u32 = 0;
    outer: for (let i: u32 = 0; i < 6; i++) {
      for (let j: u32 = 0; j < 6; j++) {
        if (j > l % 4) continue outer;
        if (i * j > l) break outer;
        count += 1;
      }
    }
    let w: u32 = 0;
    let k: u32 = 0;
    while (k < l) {
      k++;
      if (k % 3 == 0) continue;
      w += k;
    }
    let d: u32 = 0;
    do {
      d += 2;
    } while (d < l);
    out[l] = count * 10000 + w * 100 + d;`, 'out: Ptr<u32>')));
  const want = Array.from({ length: 16 }, (_, l) => {
    let count = 0;
    outer: for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 6; j++) {
        if (j > l % 4) continue outer;
        if (i * j > l) break outer;
        count += 1;
      }
    }
    let w = 0;
    let k = 0;
    while (k < l) {
      k++;
      if (k % 3 === 0) continue;
      w += k;
    }
    let d = 0;
    do d += 2;
    while (d < l);
    return count * 10000 + w * 100 + d;
  });
  for (const f of [fn, prepareForBackend(parseFunction(printFunction(fn)))]) {
    const out = new Uint32Array(16);
    runKernel(f, [out], 1);
    t.deepEqual([...out], want);
  }
});
