// kernels/sort.ts against Array.prototype.sort: f32 keys in TypedArray order (−0 before +0, NaN last), u32 and
// i32 keys as numbers, key–value pairs stably, on the reference interpreter and the vc4, vc6 and vc7 emulators
// (hazard checker in error mode, the emulator's default).
import test from 'ava';
import { Runtime, type Backend, type Target } from '../../runtime/index.ts';
import { sort } from '../../kernels/sort.ts';

const RUNS: [Exclude<Backend, 'auto' | 'hardware'>, Target, number[]][] = [
  ['reference', 'vc6', [1, 15, 17, 100]],
  ['emulator', 'vc4', [1, 15, 17, 300]],
  ['emulator', 'vc6', [1, 15, 17, 1001]],
  ['emulator', 'vc7', [2, 15, 17, 300]],
];

for (const [backend, target, sizes] of RUNS) {
  const name = backend === 'reference' ? 'reference' : target;
  test(`${name}: f32, u32 and i32 keys, and stable key–value pairs, of ${sizes.join(', ')} elements`, async (t) => {
    const rt = await Runtime.open({ backend, target, log: () => {} });
    try {
      for (const n of sizes) {
        const k = rt.alloc(Float32Array, n);
        for (let i = 0; i < n; i++) k[i] = Math.fround(Math.sin(i * 7) * 100);
        if (n > 6) { k[2] = -0; k[3] = 0; k[4] = NaN; k[5] = -Infinity; k[6] = Infinity; }
        // TypedArray.prototype.sort orders numbers with −0 before +0 and NaN last: the documented order for these keys.
        const want = Float32Array.from(k).sort();
        await sort(rt, { keys: k });
        t.true(want.every((v, i) => Object.is(v, k[i])), `f32 n=${n}`);
        const i32 = rt.alloc(Int32Array, n);
        for (let i = 0; i < n; i++) i32[i] = (i * 2654435761) | 0;
        const wi = Int32Array.from(i32).sort();
        await sort(rt, { keys: i32 });
        t.deepEqual(Array.from(i32), Array.from(wi), `i32 n=${n}`);
        // Few distinct keys: stability shows in the values.
        const u = rt.alloc(Uint32Array, n);
        for (let i = 0; i < n; i++) u[i] = (((i * 2654435761) >>> 0) % 7) * 0x20000001;
        const vals = rt.alloc(Float32Array, n);
        for (let i = 0; i < n; i++) vals[i] = i + 0.5;
        const pairs = Array.from(u, (key, i) => [key, vals[i] as number] as const).sort((p, q) => p[0] - q[0]); // Array sort is stable
        await sort(rt, { keys: u, values: vals });
        t.deepEqual(Array.from(u), pairs.map((p) => p[0]), `u32 keys n=${n}`);
        t.deepEqual(Array.from(vals), pairs.map((p) => p[1]), `values n=${n}`);
      }
    } finally {
      rt.close();
    }
  });
}

test('the n option sorts a prefix only; bad arguments are TypeError / RangeError', async (t) => {
  const rt = await Runtime.open({ backend: 'reference', log: () => {} });
  try {
    const k = rt.alloc(Uint32Array, 10);
    k.set([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    await sort(rt, { keys: k, n: 6 });
    t.deepEqual(Array.from(k), [4, 5, 6, 7, 8, 9, 3, 2, 1, 0]);
    await t.throwsAsync(sort(rt, { keys: new Float64Array(3) as unknown as Float32Array }), { instanceOf: TypeError, message: /sort: keys must be a Float32Array, Int32Array or Uint32Array/ });
    await t.throwsAsync(sort(rt, { keys: k, values: rt.alloc(Uint32Array, 5) }), { instanceOf: RangeError, message: /sort: n must be a whole number from 0 to 5/ });
    await t.throwsAsync(sort(rt, { keys: k, values: k }), { instanceOf: TypeError, message: /values must not overlap keys/ });
  } finally {
    rt.close();
  }
});
