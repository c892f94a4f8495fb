// kernels/histogram.ts against counts in plain JavaScript, all three methods (atomics, private counters, packed byte
// counters), on the
// reference interpreter and the vc4, vc6 and vc7 emulators (hazard checker in error mode, the emulator's default).
import test from 'ava';
import { Runtime, type Backend, type Target } from '../../runtime/index.ts';
import { histogram } from '../../kernels/histogram.ts';

// The reference for vc6 and for vc4, whose packed kernel differs (byte adds: Histogram.packed, else packedWords).
const RUNS: [Exclude<Backend, 'auto' | 'hardware'>, Target][] = [['reference', 'vc6'], ['reference', 'vc4'], ['emulator', 'vc4'], ['emulator', 'vc6'], ['emulator', 'vc7']];

for (const [backend, target] of RUNS) {
  const name = backend === 'reference' ? `reference (${target})` : target;
  test(`${name}: histograms of 1, 17 and 1001 values into 1, 16 and 37 bins, values past the bins ignored`, async (t) => {
    const rt = await Runtime.open({ backend, target, log: () => {} });
    try {
      for (const [n, bins] of [[1, 1], [17, 16], [1001, 37]] as const) {
        const v = rt.alloc(Uint32Array, n);
        for (let i = 0; i < n; i++) v[i] = i === 0 ? 0xffffffff : ((i * 2654435761) >>> 0) % (bins + 3);
        const want = new Array<number>(bins).fill(0);
        for (const x of v) if (x < bins) want[x]!++;
        // Atomics cost ~3 200 cycles per instruction on vc4: only the small case there.
        for (const method of target === 'vc4' && n > 17 ? (['private', 'packed'] as const) : (['atomic', 'private', 'packed'] as const)) {
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

/** Counts in plain JavaScript: want[b] = #{i < n : v[i] = b}. */
function countJs(v: ArrayLike<number>, n: number, bins: number): number[] {
  const want = new Array<number>(bins).fill(0);
  for (let i = 0; i < n; i++) {
    const x = v[i] as number;
    if (x < bins) want[x]!++;
  }
  return want;
}

for (const [backend, target] of RUNS) {
  const name = backend === 'reference' ? `reference (${target})` : target;
  test(`${name}: packed byte counters: bins not a multiple of 4, values past the bins (64, 128, 2^32 - 1), tiny and ragged n`, async (t) => {
    const rt = await Runtime.open({ backend, target, log: () => {} });
    try {
      // Values ≥ 64 whose word index wraps a shift (128 = word 32, 4·16 + 3) must count nowhere, and values in bins
      // [bins, 64) land in bytes the merge ignores.
      const odd = [64, 67, 128, 131, 0xffffffff, 0x80000000, 1 << 30, 255, 256];
      for (const [n, bins] of [[1, 1], [3, 5], [17, 37], [1001, 64], [1600, 63]] as const) {
        const v = rt.alloc(Uint32Array, n);
        for (let i = 0; i < n; i++) v[i] = i % 7 === 6 ? (odd[i % odd.length] as number) : ((i * 2654435761) >>> 0) % 70;
        const counts = rt.alloc(Uint32Array, bins + 2).fill(7);
        const r = await histogram(rt, { values: v, counts, bins, method: 'packed' });
        t.deepEqual(Array.from(counts), [...countJs(v, n, bins), 7, 7], `n=${n} bins=${bins}`);
        // Fewer than 16 values: no whole vector, no launch (the host counts them).
        // Byte adds on vc4, word adds on the others.
        t.is(r.kernel, rt.target === 'vc4' ? 'Histogram.packed' : 'Histogram.packedWords', `n=${n}`);
        // (The reference backend counts no dispatches.)
        if (backend !== 'reference') t.is(r.dispatches, n >= 16 ? 1 : 0, `n=${n}`);
      }
    } finally {
      rt.close();
    }
  });
}

for (const [backend, target] of RUNS) {
  const name = backend === 'reference' ? `reference (${target})` : target;
  test(`${name}: packed byte counters: a QPU's last round of 13 to 15 values, the groups the host subtracts, every lane`, async (t) => {
    const rt = await Runtime.open({ backend, target, log: () => {} });
    try {
      // Three QPUs (n / 1024 rounded up) with 61, 62 or 63 vectors each (five rounds of 12 and a last one of 13 to
      // 15), one of them with a vector more, and values past the last whole vector.
      for (const n of [16 * 3 * 61, 16 * 3 * 62 + 5, 16 * (3 * 63 + 1) + 15, 16 * (3 * 60 + 2)]) {
        const v = rt.alloc(Uint32Array, n);
        // Groups 2, 4 and 6 (bins 16-23, 32-39, 48-55: the nibble words that also count the two groups before them),
        // their neighbours, a lane-dependent bin (each lane's counters) and values past the bins.
        for (let i = 0; i < n; i++) {
          const h = ((i * 2654435761) >>> 0) % 97;
          v[i] = i % 4 === 0 ? 16 * (1 + (h % 3)) + (h % 8) : i % 4 === 1 ? (i % 16) * 4 + ((i >> 4) % 4) : h;
        }
        for (const bins of [64, 50]) {
          const counts = rt.alloc(Uint32Array, bins + 1).fill(7);
          await histogram(rt, { values: v, counts, bins, method: 'packed' });
          t.deepEqual(Array.from(counts), [...countJs(v, n, bins), 7], `n=${n} bins=${bins}`);
        }
      }
    } finally {
      rt.close();
    }
  });
}

for (const target of ['vc4', 'vc6', 'vc7'] as const) {
  test(`${target}: packed byte counters flush before a byte overflows: > 255 values per lane, all in one bin and spread`, async (t) => {
    const rt = await Runtime.open({ backend: 'emulator', target, log: () => {} });
    try {
      const q = rt.numQpus;
      // 16 lanes × numQpus × 255 values fill every lane's bytes once; past that every lane flushes mid-way. The first
      // n gives every QPU the same even number of vectors and 5 values past them, the second an odd number (a pair
      // half counted nowhere at the end) and one more vector to the first 3 QPUs.
      for (const n of [16 * q * 264 + 5, 16 * (q * 255 + 3) + 7]) {
        const v = rt.alloc(Uint32Array, n);
        const counts = rt.alloc(Uint32Array, 64);
        // The top nibble and byte of a word (bin 8k + 7) and bin 3: a carry out of either would corrupt a neighbour or
        // vanish.
        for (const bin of [3, 63]) {
          v.fill(bin);
          await histogram(rt, { values: v, counts, method: 'packed' });
          t.deepEqual(Array.from(counts), countJs(v, n, 64), `n=${n}, all ${bin}`);
        }
        for (let i = 0; i < n; i++) v[i] = i % 5 === 0 ? 35 : ((i * 2654435761) >>> 0) % 80;
        const r = await histogram(rt, { values: v, counts, bins: 61 });
        t.deepEqual(Array.from(counts).slice(0, 61), countJs(v, n, 61), `n=${n}, spread, 61 bins`);
        t.is(r.kernel.includes('Histogram.packed'), target === 'vc4', r.kernel);
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

for (const target of ['vc6', 'vc7'] as const) {
  // Whole steps of 16 vectors per batch, the pipelined loop's loads carried across its back edge (the last step's
  // from shared memory), odd and even step counts, a partial last step, none at all (n = 0: no launch).
  test(`${target}: atomics over whole steps and ragged tails (n from 0 to 70 001; 64, 1000 and 1100 bins)`, async (t) => {
    const rt = await Runtime.open({ backend: 'emulator', target, log: () => {} });
    try {
      for (const n of [0, 255, 256, 257, 4095, 4096, 4097, 12 * 4096 + 300, 70001]) {
        for (const bins of [64, 1000, 1100]) {
          const v = rt.alloc(Uint32Array, Math.max(n, 1));
          for (let i = 0; i < v.length; i++) v[i] = ((i * 2654435761) >>> 0) % (bins + 100 + (i % 7 === 0 ? 0xffff0000 : 0));
          const want = new Array<number>(bins).fill(0);
          for (let i = 0; i < n; i++) if ((v[i] as number) < bins) want[v[i] as number]!++;
          const counts = rt.alloc(Uint32Array, bins + 1).fill(7);
          await histogram(rt, { values: v, counts, bins, n });
          t.deepEqual(Array.from(counts), [...want, 7], `n=${n} bins=${bins}`);
        }
      }
    } finally {
      rt.close();
    }
  });
}

for (const backend of ['reference', 'emulator'] as const) {
  // vc7 up to 64 bins: a histogram per batch, no barrier; the merge takes the last step's dummy loads as the counts
  // when the loop ran and nothing was left for the rest, else loads the bins again. Batches whose loop never runs
  // (n < 128 per batch), whose loop ends on a whole step (n = 3072: one step per batch of 24), with a rest of one to
  // eight vectors, values past the bins and past 2^31, and a launch on one QPU (n = 1).
  test(`vc7 ${backend}: a histogram per batch up to 64 bins (Histogram.batchSwitch), 65 bins through the workgroup's`, async (t) => {
    const rt = await Runtime.open({ backend, target: 'vc7', log: () => {} });
    try {
      for (const n of [1, 100, 128, 129, 3072, 3088, 3202, 3 * 3072 + 5, ...(backend === 'emulator' ? [65536 + 17] : [])]) {
        for (const bins of [1, 16, 37, 64, 65]) {
          const v = rt.alloc(Uint32Array, n);
          for (let i = 0; i < n; i++) v[i] = i % 11 === 0 ? 0x80000000 + i : ((i * 2654435761) >>> 0) % (bins + 20);
          const want = new Array<number>(bins).fill(0);
          for (const x of v) if (x < bins) want[x]!++;
          const counts = rt.alloc(Uint32Array, bins + 2).fill(7);
          const r = await histogram(rt, { values: v, counts, bins });
          t.deepEqual(Array.from(counts), [...want, 7, 7], `n=${n} bins=${bins}`);
          t.is(r.kernel, bins <= 64 ? 'Histogram.batchSwitch' : 'Histogram.sharedSwitch', `n=${n} bins=${bins}`);
        }
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
    await t.throwsAsync(histogram(rt, { values: v, counts: rt.alloc(Uint32Array, 65), method: 'packed' }), { instanceOf: RangeError, message: /method 'packed' counts up to 64 bins, got bins = 65/ });
  } finally {
    rt.close();
  }
});
