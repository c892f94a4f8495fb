// kernels/reduce.ts against plain JavaScript: exact integer sums (wrapping), f32 sums against an f64 sum within the
// documented bound, min/max by Math.min/Math.max, argmin/argmax as the first index of the extreme, on the reference
// interpreter and the vc4, vc6 and vc7 emulators (hazard checker in error mode, the emulator's default).
import test from 'ava';
import { Runtime, type Backend, type Target } from '../../runtime/index.ts';
import { argmax, argmin, max, min, sum, sumErrorBound } from '../../kernels/reduce.ts';

const RUNS: [Exclude<Backend, 'auto' | 'hardware'>, Target][] = [['reference', 'vc6'], ['emulator', 'vc4'], ['emulator', 'vc6'], ['emulator', 'vc7']];
const SIZES = [1, 15, 17, 1001];

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

for (const [backend, target] of RUNS) {
  const name = backend === 'reference' ? 'reference' : target;
  const open = () => Runtime.open({ backend, target, log: () => {} });

  test(`${name}: f32, i32 and u32 sums of 1, 15, 17 and 1001 elements`, async (t) => {
    const rt = await open();
    try {
      for (const n of SIZES) {
        const f = rt.alloc(Float32Array, n);
        f.set(floats(n, n));
        const exact = Array.from(f).reduce((s, v) => s + v, 0);
        const abs = Array.from(f).reduce((s, v) => s + Math.abs(v), 0);
        const r = await sum(rt, { x: f });
        t.true(Math.abs(r.value - exact) <= sumErrorBound(n) * abs, `f32 n=${n}: ${r.value} vs ${exact}`);
        t.is(r.value, Math.fround(r.value));
        const u = rt.alloc(Uint32Array, n);
        u.set(words(n, 7 * n));
        t.is((await sum(rt, { x: u })).value, Array.from(u).reduce((s, v) => (s + v) >>> 0, 0), `u32 n=${n}`);
        const i = rt.alloc(Int32Array, n);
        i.set(words(n, 11 * n));
        t.is((await sum(rt, { x: i })).value, Array.from(i).reduce((s, v) => (s + v) | 0, 0), `i32 n=${n}`);
      }
    } finally {
      rt.close();
    }
  });

  test(`${name}: min, max, argmin and argmax of 1, 15, 17 and 1001 elements, ties to the first index`, async (t) => {
    const rt = await open();
    try {
      for (const n of SIZES) {
        // Few distinct values, so the extremes repeat and the first index matters.
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
          const b = await argmax(rt, { x: g });
          t.deepEqual([b.index, b.value], [hi, g[hi]], `argmax ${what}`);
        }
      }
    } finally {
      rt.close();
    }
  });

  test(`${name}: f32 NaN, −0 and infinities; i32 and u32 extremes; the n option`, async (t) => {
    const rt = await open();
    try {
      const f = rt.alloc(Float32Array, 40);
      f.set(Array.from({ length: 40 }, (_, i) => (i % 5) + 1));
      f[3] = 0; f[21] = -0; f[30] = -0;
      // No NaN yet: −0 is the smallest (the first −0 is index 21), Math.max of the rest 5.
      t.true(Object.is((await min(rt, { x: f, n: 25 })).value, -0));
      t.deepEqual((await argmin(rt, { x: f, n: 25 })).index, 21);
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
      const i = rt.alloc(Int32Array, 17);
      i[5] = -2147483648; i[6] = 2147483647; i[16] = -2147483648;
      t.deepEqual([(await min(rt, { x: i })).value, (await max(rt, { x: i })).value, (await argmin(rt, { x: i })).index], [-2147483648, 2147483647, 5]);
      t.is((await sum(rt, { x: i })).value, -2147483648 - 2147483648 + 2147483647 + 2 ** 32 - 2 ** 32 | 0);
      const u = rt.alloc(Uint32Array, 17).fill(0xffffffff);
      t.deepEqual([(await argmin(rt, { x: u })).index, (await argmax(rt, { x: u })).index, (await max(rt, { x: u })).value], [0, 0, 0xffffffff]);
      t.is((await sum(rt, { x: u })).value, (17 * 0xffffffff) % 2 ** 32);
      t.is((await sum(rt, { x: u, n: 0 })).value, 0);
    } finally {
      rt.close();
    }
  });
}

test('vc6: 200 003-element sums, min and argmax on every QPU', async (t) => {
  const rt = await Runtime.open({ backend: 'emulator', target: 'vc6', log: () => {} });
  try {
    const n = 200_003;
    const f = rt.alloc(Float32Array, n);
    f.set(floats(n, 5));
    const exact = Array.from(f).reduce((s, v) => s + v, 0);
    const abs = Array.from(f).reduce((s, v) => s + Math.abs(v), 0);
    const r = await sum(rt, { x: f });
    t.true(Math.abs(r.value - exact) <= sumErrorBound(n) * abs, `${r.value} vs ${exact}`);
    t.is(r.profile?.bytesRead !== undefined && r.profile.bytesRead >= n * 4, true, 'every element read');
    t.is((await min(rt, { x: f })).value, f.reduce((a, b) => Math.min(a, b), Infinity));
    const u = rt.alloc(Uint32Array, n);
    u.set(words(n, 9));
    t.is((await argmax(rt, { x: u })).index, firstBest(u, (a, b) => a > b));
  } finally {
    rt.close();
  }
});

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
