// kernels/reduce.ts against plain JavaScript: exact integer sums (wrapping), f32 sums against an f64 sum within the
// documented bound, min/max by Math.min/Math.max, argmin/argmax as the first index of the extreme, on the reference
// interpreter and the vc4, vc6 and vc7 emulators (hazard checker in error mode, the emulator's default). One test
// per target, so each target compiles the kernel file once; sizes differ per target (every odd size somewhere, a
// multi-QPU size on each emulator).
import test, { type ExecutionContext } from 'ava';
import { Runtime, type Backend, type Target } from '../../runtime/index.ts';
import { argmax, argmin, max, min, reduceQpus, sum, sumErrorBound } from '../../kernels/reduce.ts';

/** Backend, target and sizes: above 1024 elements the first launch runs on more than one QPU. */
const RUNS: [Exclude<Backend, 'auto' | 'hardware'>, Target, number[]][] = [
  ['reference', 'vc6', [1, 15, 17, 1001]],
  ['emulator', 'vc4', [1, 17, 3001]],
  ['emulator', 'vc6', [15, 1001, 9003]],
  ['emulator', 'vc7', [17, 12_001]],
];

/** Deterministic pseudo-random words (xorshift32). */
function words(n: number, seed: number): Uint32Array {
  let s = seed >>> 0 || 1;
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    out[i] = s;
  }
  return out;
}

/** f32 values of mixed sign and magnitude (no NaN or infinity). */
function floats(n: number, seed: number): number[] {
  return Array.from(words(n, seed), (w) => Math.fround(((w & 0xffff) - 32768) / 256 * 2 ** ((w >>> 16) % 9 - 4)));
}

/** The index of the first element that `better` prefers over every earlier one (plain JS). */
function firstBest(a: ArrayLike<number>, better: (x: number, y: number) => boolean): number {
  let b = 0;
  for (let i = 1; i < a.length; i++) if (better(a[i] as number, a[b] as number)) b = i;
  return b;
}
/** −0 below +0 and NaN below everything, as Math.min orders them. */
const below = (x: number, y: number): boolean => (Number.isNaN(x) ? !Number.isNaN(y) : !Number.isNaN(y) && (x < y || (x === 0 && y === 0 && Object.is(x, -0) && Object.is(y, 0))));
const above = (x: number, y: number): boolean => (Number.isNaN(x) ? !Number.isNaN(y) : !Number.isNaN(y) && (x > y || (x === 0 && y === 0 && Object.is(x, 0) && Object.is(y, -0))));

/** Sums of f32, u32 and i32 arrays of n elements against plain JS. */
async function sums(t: ExecutionContext, rt: Runtime, n: number): Promise<void> {
  const f = rt.alloc(Float32Array, n);
  f.set(floats(n, n));
  const exact = Array.from(f).reduce((s, v) => s + v, 0);
  const abs = Array.from(f).reduce((s, v) => s + Math.abs(v), 0);
  const r = await sum(rt, { x: f });
  t.true(Math.abs(r.value - exact) <= sumErrorBound(n) * abs, `f32 n=${n}: ${r.value} vs ${exact}`);
  t.is(r.value, Math.fround(r.value));
  t.true(r.profile === undefined || r.profile.bytesRead >= n * 4, `every element read, n=${n}`);
  const u = rt.alloc(Uint32Array, n);
  u.set(words(n, 7 * n));
  t.is((await sum(rt, { x: u })).value, Array.from(u).reduce((s, v) => (s + v) >>> 0, 0), `u32 n=${n}`);
  const i = rt.alloc(Int32Array, n);
  i.set(words(n, 11 * n));
  t.is((await sum(rt, { x: i })).value, Array.from(i).reduce((s, v) => (s + v) | 0, 0), `i32 n=${n}`);
}

/** min, max, argmin, argmax of n elements of each type, few distinct values (so the extremes repeat and the first index matters). */
async function extremes(t: ExecutionContext, rt: Runtime, n: number): Promise<void> {
  const src = words(n, 3 * n + 1);
  const arrays = [
    rt.alloc(Float32Array, n).fill(0).map((_, i) => ((src[i] as number) % 13) - 6.5),
    rt.alloc(Int32Array, n).fill(0).map((_, i) => ((src[i] as number) % 9) - 4),
    rt.alloc(Uint32Array, n).fill(0).map((_, i) => (src[i] as number) % 7),
    rt.alloc(Uint32Array, n).fill(0).map((_, i) => src[i] as number),
  ];
  for (const x of arrays) {
    // fill().map() on an rt.alloc array returns a new (non-GPU) array: copy the values back.
    const g = x instanceof Float32Array ? rt.alloc(Float32Array, n) : x instanceof Int32Array ? rt.alloc(Int32Array, n) : rt.alloc(Uint32Array, n);
    g.set(x);
    const what = `${g.constructor.name} n=${n}`;
    const lo = firstBest(g, below);
    const hi = firstBest(g, above);
    t.is((await min(rt, { x: g })).value, g[lo], `min ${what}`);
    t.is((await max(rt, { x: g })).value, g[hi], `max ${what}`);
    const a = await argmin(rt, { x: g });
    t.deepEqual([a.index, a.value], [lo, g[lo]], `argmin ${what}`);
    // No NaN and no zero: vc6/vc7 answer from the one-launch f32 kernel (its fallback is exercised by specials).
    if (g instanceof Float32Array && rt.target !== 'vc4') t.is(a.kernel, 'Reduce.argminF32', `argmin ${what} took the fast path`);
    const b = await argmax(rt, { x: g });
    t.deepEqual([b.index, b.value], [hi, g[hi]], `argmax ${what}`);
  }
}

/** f32 NaN, −0 and infinities; i32 and u32 extremes; the n option. */
async function specials(t: ExecutionContext, rt: Runtime): Promise<void> {
  const f = rt.alloc(Float32Array, 40);
  f.set(Array.from({ length: 40 }, (_, i) => (i % 5) + 1));
  f[3] = 0; f[21] = -0; f[30] = -0;
  // No NaN yet: −0 is the smallest (the first −0 is index 21), Math.max of the rest 5.
  t.true(Object.is((await min(rt, { x: f, n: 25 })).value, -0));
  t.deepEqual((await argmin(rt, { x: f, n: 25 })).index, 21);
  t.true(Object.is((await max(rt, { x: f.subarray(20, 31), n: 11 })).value, 5));
  f[33] = NaN; f[37] = NaN;
  t.true(Number.isNaN((await min(rt, { x: f })).value));
  t.true(Number.isNaN((await max(rt, { x: f })).value));
  t.is((await argmin(rt, { x: f })).index, 33);
  t.is((await argmax(rt, { x: f })).index, 33);
  t.true(Number.isNaN((await sum(rt, { x: f })).value));
  t.is((await argmin(rt, { x: f, n: 33 })).index, 21, 'n excludes the NaNs');
  f.fill(0);
  f[9] = -Infinity; f[10] = Infinity;
  t.deepEqual([(await argmin(rt, { x: f })).index, (await argmax(rt, { x: f })).index], [9, 10]);
  t.is((await max(rt, { x: f, n: 10 })).value, 0);
  t.is((await min(rt, { x: f })).value, -Infinity);
  // A positive NaN among negatives and a negative NaN (pattern 0xffc00000) among positives: NaN either way.
  const g = rt.alloc(Float32Array, 33).fill(-3);
  g[31] = NaN;
  t.true(Number.isNaN((await min(rt, { x: g })).value) && Number.isNaN((await max(rt, { x: g })).value), 'positive NaN among negatives');
  t.is((await argmax(rt, { x: g })).index, 31);
  g.fill(2);
  new Uint32Array(g.buffer, g.byteOffset, g.length)[20] = 0xffc00000;
  t.true(Number.isNaN((await min(rt, { x: g })).value) && Number.isNaN((await max(rt, { x: g })).value), 'negative NaN among positives');
  t.is((await argmin(rt, { x: g })).index, 20);
  // Every element negative (max is the one nearest zero, −0 above the others); every element +Infinity (argmin 0).
  g.fill(-5);
  g[7] = -0.25; g[12] = -0;
  t.true(Object.is((await max(rt, { x: g })).value, -0));
  t.deepEqual([(await argmax(rt, { x: g })).index, (await argmax(rt, { x: g, n: 12 })).index, (await max(rt, { x: g, n: 12 })).value], [12, 7, -0.25]);
  g.fill(Infinity);
  t.deepEqual([(await argmin(rt, { x: g })).index, (await argmax(rt, { x: g })).index, (await min(rt, { x: g })).value], [0, 0, Infinity]);
  const i = rt.alloc(Int32Array, 17);
  i[5] = -2147483648; i[6] = 2147483647; i[16] = -2147483648;
  t.deepEqual([(await min(rt, { x: i })).value, (await max(rt, { x: i })).value, (await argmin(rt, { x: i })).index], [-2147483648, 2147483647, 5]);
  t.is((await sum(rt, { x: i })).value, -2147483648 - 2147483648 + 2147483647 + 2 ** 32 - 2 ** 32 | 0);
  const u = rt.alloc(Uint32Array, 17).fill(0xffffffff);
  t.deepEqual([(await argmin(rt, { x: u })).index, (await argmax(rt, { x: u })).index, (await max(rt, { x: u })).value], [0, 0, 0xffffffff]);
  t.is((await sum(rt, { x: u })).value, (17 * 0xffffffff) % 2 ** 32);
  t.is((await sum(rt, { x: u, n: 0 })).value, 0);
}

for (const [backend, target, sizes] of RUNS) {
  const name = backend === 'reference' ? 'reference' : target;
  test(`${name}: sums, min, max, argmin and argmax of ${sizes.join(', ')} elements; NaN, −0, infinities, integer extremes, n`, async (t) => {
    const rt = await Runtime.open({ backend, target, log: () => {} });
    try {
      for (const n of sizes) {
        await sums(t, rt, n);
        await extremes(t, rt, n);
      }
      await specials(t, rt);
    } finally {
      rt.close();
    }
  });
}

test('bad arguments are TypeError / RangeError naming the argument', async (t) => {
  const rt = await Runtime.open({ backend: 'reference', log: () => {} });
  try {
    const x = rt.alloc(Float32Array, 4);
    await t.throwsAsync(sum(rt, { x: new Float64Array(4) as unknown as Float32Array }), { instanceOf: TypeError, message: /sum: x must be a Float32Array, Int32Array or Uint32Array/ });
    await t.throwsAsync(min(rt, { x, n: 0 }), { instanceOf: RangeError, message: /min: n must be a whole number from 1 to x.length \(4\), got 0/ });
    await t.throwsAsync(argmax(rt, { x, n: 5 }), { instanceOf: RangeError, message: /argmax: n must be/ });
    await t.throwsAsync(sum(rt, { x, n: 1.5 }), { instanceOf: RangeError });
  } finally {
    rt.close();
  }
});

test('sum of f32 on vc4: each lane\'s elements in index order, the lanes in order, the QPUs in order, bit for bit (the lookups one element ahead)', async (t) => {
  const rt = await Runtime.open({ target: 'vc4', backend: 'emulator', log: () => {} });
  try {
    for (const n of [5, 3001, 12 * 64 * 3 + 5]) {
      const f = rt.alloc(Float32Array, n);
      f.set(floats(n, n));
      const q = reduceQpus(rt, n);
      // Plain JS of the documented order, every addition rounded to f32.
      const lanes = (x: ArrayLike<number>, count: number, batches: number, b: number): number => {
        let total = 0;
        for (let l = 0; l < 16; l++) {
          let s = 0;
          for (let i = 16 * b + l; i < count; i += 16 * batches) s = Math.fround(s + (x[i] as number));
          total = l === 0 ? s : Math.fround(total + s);
        }
        return total;
      };
      const partials = Array.from({ length: q }, (_, b) => lanes(f, n, q, b));
      const want = lanes(partials, q, 1, 0);
      const r = await sum(rt, { x: f });
      t.regex(r.kernel, /^Reduce\.sumF32Ahead\b/);
      t.true(Object.is(r.value, want), `n=${n}: ${r.value} vs ${want}`);
      rt.free(f);
    }
  } finally {
    rt.close();
  }
});
