// kernels/histogram.ts against counts in plain JavaScript, both methods (atomics, private counters), on the
// reference interpreter and the vc4, vc6 and vc7 emulators (hazard checker in error mode, the emulator's default).
import test from 'ava';
import { Runtime, type Backend, type Target } from '../../runtime/index.ts';
import { histogram } from '../../kernels/histogram.ts';

const RUNS: [Exclude<Backend, 'auto' | 'hardware'>, Target][] = [['reference', 'vc6'], ['emulator', 'vc4'], ['emulator', 'vc6'], ['emulator', 'vc7']];

for (const [backend, target] of RUNS) {
  const name = backend === 'reference' ? 'reference' : target;
  test(`${name}: histograms of 1, 17 and 1001 values into 1, 16 and 37 bins, values past the bins ignored`, async (t) => {
    const rt = await Runtime.open({ backend, target, log: () => {} });
    try {
      for (const [n, bins] of [[1, 1], [17, 16], [1001, 37]] as const) {
        const v = rt.alloc(Uint32Array, n);
        for (let i = 0; i < n; i++) v[i] = i === 0 ? 0xffffffff : ((i * 2654435761) >>> 0) % (bins + 3);
        const want = new Array<number>(bins).fill(0);
        for (const x of v) if (x < bins) want[x]!++;
        // Atomics cost ~3 200 cycles per instruction on vc4: only the small case there.
        for (const method of target === 'vc4' && n > 17 ? (['private'] as const) : (['atomic', 'private'] as const)) {
          const counts = rt.alloc(Uint32Array, bins + 2).fill(7);
          await histogram(rt, { values: v, counts, bins, method });
          t.deepEqual(Array.from(counts), [...want, 7, 7], `${method} n=${n} bins=${bins}`);
        }
      }
    } finally {
      rt.close();
    }
  });
}

for (const target of ['vc6', 'vc7'] as const) {
  test(`${target}: atomics through workgroup-shared memory up to 1024 bins, straight into counts past that (2100 values)`, async (t) => {
    const rt = await Runtime.open({ backend: 'emulator', target, log: () => {} });
    try {
      const n = 2100;
      for (const bins of [1024, 1025]) {
        const v = rt.alloc(Uint32Array, n);
        for (let i = 0; i < n; i++) v[i] = ((i * 2654435761) >>> 0) % (bins + 40);
        const want = new Array<number>(bins).fill(0);
        for (const x of v) if (x < bins) want[x]!++;
        const counts = rt.alloc(Uint32Array, bins + 1).fill(7);
        const r = await histogram(rt, { values: v, counts, bins, method: 'atomic' });
        t.deepEqual(Array.from(counts), [...want, 7], `bins=${bins}`);
        t.is(r.kernel.includes('Histogram.shared'), bins <= 1024, r.kernel);
      }
    } finally {
      rt.close();
    }
  });
}

test('bad arguments are TypeError / RangeError naming the argument', async (t) => {
  const rt = await Runtime.open({ backend: 'reference', log: () => {} });
  try {
    const v = rt.alloc(Uint32Array, 4);
    await t.throwsAsync(histogram(rt, { values: v, counts: rt.alloc(Int32Array, 4) as unknown as Uint32Array }), { instanceOf: TypeError, message: /histogram: counts must be a Uint32Array/ });
    await t.throwsAsync(histogram(rt, { values: v, counts: rt.alloc(Uint32Array, 4), bins: 5 }), { instanceOf: RangeError, message: /bins must be a whole number from 1 to counts.length \(4\)/ });
    await t.throwsAsync(histogram(rt, { values: v, counts: rt.alloc(Uint32Array, 4), n: -1 }), { instanceOf: RangeError, message: /n must be a whole number/ });
  } finally {
    rt.close();
  }
});
