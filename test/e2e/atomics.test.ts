// Atomics end to end (docs/language.md, "Atomics"): a histogram with many collisions, tickets from one counter,
// and every operation's returned old values, on the reference interpreter and on every target's emulator,
// against plain-JS models of the documented semantics (lanes of one instruction in lane order).
import test from 'ava';
import { E2E_BACKENDS, words } from '../helpers/e2e.ts';
import { Atomics } from '../fixtures/e2e/atomics.ts';

const BACKENDS = E2E_BACKENDS;

/** The documented meaning of operation `which` on one word, as i32 (signed) or u32 words. */
function combine(which: number, old: number, v: number, w: number, signed: boolean): number {
  const norm = (x: number) => (signed ? x | 0 : x >>> 0);
  switch (which) {
    case 0: return norm(old + v);
    case 1: return norm(old - v);
    case 2: return norm(Math.min(old, v));
    case 3: return norm(Math.max(old, v));
    case 4: return norm(old & v);
    case 5: return norm(old | v);
    case 6: return norm(old ^ v);
    case 7: return norm(v);
    default: return old === v ? norm(w) : old;
  }
}
const OP_NAMES = ['add', 'sub', 'min', 'max', 'and', 'or', 'xor', 'exchange', 'compare-exchange'];

for (const b of BACKENDS) {
  test(`${b.name}: a histogram with many collisions equals plain JS counts`, async (t) => {
    const rt = await b.open();
    try {
      for (const [n, nbins, qpus] of [[1000, 7, 3], [333, 1, 2], [4096, 64, 4]] as const) {
        const data = rt.alloc(Uint32Array, n);
        data.set(words(n, n + nbins).map((x) => x % 1000));
        const bins = rt.alloc(Uint32Array, nbins);
        await rt.launch(Atomics.histogram, { qpus }, n, nbins, data, bins);
        const want = new Array<number>(nbins).fill(0);
        for (const x of data) want[x % nbins]!++;
        t.deepEqual(Array.from(bins), want, `n=${n} nbins=${nbins}`);
      }
    } finally {
      rt.close();
    }
  });

  test(`${b.name}: tickets from one counter are 0..count-1, each exactly once`, async (t) => {
    const rt = await b.open();
    try {
      const qpus = 5;
      const counter = rt.alloc(Uint32Array, 1);
      const out = rt.alloc(Uint32Array, qpus * 16);
      await rt.launch(Atomics.tickets, { qpus }, counter, out);
      t.is(counter[0], qpus * 16);
      t.deepEqual(Array.from(out).sort((x, y) => x - y), Array.from({ length: qpus * 16 }, (_, i) => i));
    } finally {
      rt.close();
    }
  });

  for (const signed of [true, false]) {
    test(`${b.name}: every ${signed ? 'i32' : 'u32'} operation returns the old values of one QPU's lanes in lane order`, async (t) => {
      const rt = await b.open();
      try {
        const T = signed ? Int32Array : Uint32Array;
        const kernelFn = signed ? Atomics.opsI32 : Atomics.opsU32;
        for (let which = 0; which < 9; which++) {
          // Three slots: lanes collide on each; values mix signs (as i32) and large unsigned words.
          const init = [5, -3, 0x40000000].map((x) => (signed ? x | 0 : x >>> 0));
          const p = rt.alloc(T, 3);
          p.set(init);
          const slot = rt.alloc(Uint32Array, 16);
          slot.set(Array.from({ length: 16 }, (_, l) => (l * 7) % 3));
          const v = rt.alloc(T, 16);
          const w = rt.alloc(T, 16);
          const r = words(32, 11 + which);
          for (let l = 0; l < 16; l++) {
            // Compare-exchange: some lanes expect what the word will hold when their turn comes.
            v[l] = which === 8 ? (l % 2 === 0 ? init[slot[l]!]! : r[l]!) : which === 7 || which >= 4 ? r[l]! : (r[l]! % 2001) - 1000;
            w[l] = r[16 + l]!;
          }
          if (which === 8) {
            // Make lanes 0, 3, 6 chain on slot 0: each expects the previous one's desired value.
            let cur = init[0]!;
            for (let l = 0; l < 16; l++) if (slot[l] === 0) {
              if (l % 3 === 0) v[l] = cur;
              cur = v[l] === cur ? w[l]! : cur;
            }
          }
          const out = rt.alloc(T, 16);
          await rt.launch(kernelFn, { qpus: 1 }, which, p, slot, v, w, out);
          const mem = [...init];
          const want: number[] = [];
          for (let l = 0; l < 16; l++) {
            const s = slot[l]!;
            want.push(mem[s]!);
            mem[s] = combine(which, mem[s]!, v[l]!, w[l]!, signed);
          }
          t.deepEqual(Array.from(out), want, `${OP_NAMES[which]}: old values`);
          t.deepEqual(Array.from(p), mem, `${OP_NAMES[which]}: memory`);
        }
      } finally {
        rt.close();
      }
    });
  }

  test(`${b.name}: an atomic under a per-lane condition touches only the active lanes' words`, async (t) => {
    const rt = await b.open();
    try {
      const qpus = 1;
      const keys = rt.alloc(Uint32Array, 16);
      keys.set(words(16, 99).map((x) => x % 50));
      const sums = rt.alloc(Uint32Array, 4);
      const out = rt.alloc(Uint32Array, 16);
      await rt.launch(Atomics.masked, { qpus }, keys, sums, out);
      const mem = [0, 0, 0, 0];
      const want = Array.from(keys, (k) => {
        if ((k & 1) !== 1) return 7;
        const old = mem[k & 3]!;
        mem[k & 3] = old + k;
        return old;
      });
      t.deepEqual(Array.from(out), want);
      t.deepEqual(Array.from(sums), mem);
    } finally {
      rt.close();
    }
  });

  test(`${b.name}: adding or subtracting ±1 steps each word once per lane and returns the old values in lane order`, async (t) => {
    const rt = await b.open();
    try {
      const qpus = 2;
      const p = rt.alloc(Int32Array, 4);
      p.set([10, 20, 30, 40]);
      const out = rt.alloc(Int32Array, 4 * 16 * qpus);
      await rt.launch(Atomics.steps, { qpus }, p, out);
      const n = 16 * qpus;
      t.deepEqual(Array.from(p), [10 + n, 20 + n, 30 - n, 40 - n]);
      // Per word, the old values over all lanes are each start value ± k for k = 0 … n − 1, once.
      for (const [w, start, dir] of [[0, 10, 1], [1, 20, 1], [2, 30, -1], [3, 40, -1]] as const) {
        const olds = Array.from({ length: n }, (_, g) => out[4 * g + w] as number).sort((x, y) => x - y);
        const want = Array.from({ length: n }, (_, k) => start + dir * k).sort((x, y) => x - y);
        t.deepEqual(olds, want, `word ${w}`);
      }
      // Within one QPU the lanes go in lane order.
      for (let l = 1; l < 16; l++) t.is(out[4 * l], (out[0] as number) + l);
    } finally {
      rt.close();
    }
  });

  test(`${b.name}: ±1 steps with more values live than registers (spill code among the atomics) still step each word once per lane`, async (t) => {
    const rt = await b.open();
    try {
      const qpus = 2;
      const n = 16 * qpus;
      const p = rt.alloc(Int32Array, 4);
      p.set([10, 20, 30, 40]);
      const a = rt.alloc(Int32Array, 72 * n);
      for (let i = 0; i < a.length; i++) a[i] = ((i * 7919) % 1001) - 500;
      const out = rt.alloc(Int32Array, 5 * n);
      await rt.launch(Atomics.stepsSpilled, { qpus }, p, a, out);
      t.deepEqual(Array.from(p), [10 + n, 20 + n, 30 - n, 40 - n]);
      for (const [w, start, dir] of [[0, 10, 1], [1, 20, 1], [2, 30, -1], [3, 40, -1]] as const) {
        const olds = Array.from({ length: n }, (_, g) => out[5 * g + w] as number).sort((x, y) => x - y);
        t.deepEqual(olds, Array.from({ length: n }, (_, k) => start + dir * k).sort((x, y) => x - y), `word ${w}`);
      }
      for (let g = 0; g < n; g++) {
        const z = out[5 * g + 3] as number;
        let s = (out[5 * g] as number) ^ (out[5 * g + 1] as number) ^ (out[5 * g + 2] as number);
        for (let k = 0; k < 72; k++) s = (s + Math.imul((a[72 * g + k] as number) ^ z, k + 1)) | 0;
        t.is(out[5 * g + 4], s, `sum of item ${g}`);
      }
    } finally {
      rt.close();
    }
  });

  test(`${b.name}: atomics with loads and stores between them (V3D 4.2: one shared config word) apply in lane order`, async (t) => {
    const rt = await b.open();
    try {
      const p = rt.alloc(Int32Array, 4);
      p.set([10, 20, 30, 40]);
      const q = rt.alloc(Int32Array, 16);
      for (let l = 0; l < 16; l++) q[l] = ((l * 37) % 23) - 7;
      const bytes = rt.alloc(Uint8Array, 16);
      for (let l = 0; l < 16; l++) bytes[l] = 250 - 3 * l;
      const out = rt.alloc(Int32Array, 64);
      await rt.launch(Atomics.mixed, { qpus: 1 }, p, q, bytes, out);
      // One QPU's lanes apply in lane order: lane l sees the combined effect of lanes 0 … l − 1.
      let sum = 20;
      let max = 30;
      for (let l = 0; l < 16; l++) {
        const x = q[l] as number;
        t.is(out[4 * l], 10 + l, `increment, lane ${l}`);
        t.is(out[4 * l + 1], sum + max, `add + max, lane ${l}`);
        t.is(out[4 * l + 2], (bytes[l] as number) + 40 - l, `byte + decrement, lane ${l}`);
        t.is(out[4 * l + 3], x, `loaded word, lane ${l}`);
        sum += x;
        max = Math.max(max, x);
      }
      t.deepEqual(Array.from(p), [26, sum, max, 24]);
    } finally {
      rt.close();
    }
  });

  test(`${b.name}: two atomics in a row on one word: every lane finishes the first before any starts the second`, async (t) => {
    const rt = await b.open();
    try {
      const p = rt.alloc(Int32Array, 1);
      const out = rt.alloc(Int32Array, 16);
      await rt.launch(Atomics.twice, { qpus: 1 }, p, out);
      t.is(p[0], 16 * 101);
      t.deepEqual(Array.from(out), Array.from({ length: 16 }, (_, l) => l * 10000 + 16 + 100 * l));
    } finally {
      rt.close();
    }
  });
}
