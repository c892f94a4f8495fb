// Private arrays end to end (docs/language.md, "Private arrays"): constant indices after unrolling (registers),
// run-time indices (compare/select chains), out-of-range run-time indices, a sorting network, on the reference
// interpreter and every target's emulator, against plain JS.
import test from 'ava';
import { E2E_BACKENDS, words } from '../helpers/e2e.ts';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../../compiler/compile.ts';
import { Arrays } from '../fixtures/e2e/arrays.ts';

const BACKENDS = E2E_BACKENDS;
const QPUS = 2;
const G = QPUS * 16;

for (const b of BACKENDS) {
  test(`${b.name}: private arrays agree with plain JS`, async (t) => {
    const rt = await b.open();
    try {
      {
        const x = rt.alloc(Float32Array, G * 4);
        x.set(words(G * 4, 1).map((w) => (w % 200) / 64 - 1));
        const y = rt.alloc(Float32Array, G);
        await rt.launch(Arrays.unrolled, { qpus: QPUS }, x, y);
        const want = Array.from({ length: G }, (_, g) => {
          let s = 0;
          for (let k = 0; k < 4; k++) {
            const a = Math.fround(x[g * 4 + k]! * (k + 1));
            if (a > 2) s = Math.fround(s + a);
          }
          return s;
        });
        t.deepEqual(Array.from(y), want, 'unrolled');
      }
      {
        const x = rt.alloc(Int32Array, G * 4);
        x.set(words(G * 4, 9).map((w) => (w % 2001) - 1000));
        const out = rt.alloc(Int32Array, G * 4);
        await rt.launch(Arrays.shifted, { qpus: QPUS }, x, out);
        const want: number[] = [];
        for (let g = 0; g < G; g++) {
          const v = Array.from(x.subarray(g * 4, g * 4 + 4));
          const w = [0, 0, 0, 0];
          for (let k = 0; k < 6; k++) {
            if (k >= 2) w[k - 2]! += v[k - 2]! * 3;
            else w[k + 2]! += v[k + 2]!;
          }
          want.push(...w);
        }
        t.deepEqual(Array.from(out), want, 'unreachable arms past the arrays');
      }
      {
        const x = rt.alloc(Int32Array, G * 4);
        x.set(words(G * 4, 11).map((w) => (w % 2001) - 1000));
        const out = rt.alloc(Int32Array, G * 4);
        await rt.launch(Arrays.shiftedArms, { qpus: QPUS }, x, out);
        const want: number[] = [];
        for (let g = 0; g < G; g++) {
          const v = Array.from(x.subarray(g * 4, g * 4 + 4));
          const w = [0, 0, 0, 0];
          let s = 0;
          for (let k = 0; k < 6; k++) {
            s = (s + (k >= 2 ? v[k - 2]! * 3 : v[k + 2]!)) | 0;
            s = (s + (k < 4 ? (w[k]! += v[k]! - 5) : (w[k - 4]! -= v[k - 4]!))) | 0;
            if (k === 0 || k === 1) w[k + 2]! ^= v[k + 1]!;
            else if (k === 3) w[3]! += v[0]!;
            else w[k - 2]! += v[k - 2]! << 1;
          }
          want.push(...w.map((e) => (e + s) | 0));
        }
        t.deepEqual(Array.from(out), want, 'unreachable ?: arms and switch clauses past the arrays');
      }
      {
        const n = 13;
        const keys = rt.alloc(Uint32Array, G * n);
        keys.set(words(G * n, 2).map((w) => w % 1000));
        const out = rt.alloc(Uint32Array, G * 8);
        await rt.launch(Arrays.histogram, { qpus: QPUS }, n, keys, out);
        const want = new Array<number>(G * 8).fill(0);
        for (let g = 0; g < G; g++) for (let i = 0; i < n; i++) want[g * 8 + (keys[g * n + i]! % 8)]!++;
        t.deepEqual(Array.from(out), want, 'histogram');
      }
      {
        const w = rt.alloc(Int32Array, G);
        const r = rt.alloc(Int32Array, G);
        const picks = [-1, 0, 1, 2, 3, 100, -2147483648];
        for (let g = 0; g < G; g++) {
          w[g] = picks[g % picks.length]!;
          r[g] = picks[(g * 3 + 1) % picks.length]!;
        }
        const out = rt.alloc(Int32Array, G);
        await rt.launch(Arrays.outOfRange, { qpus: QPUS }, w, r, out);
        const want = Array.from({ length: G }, (_, g) => {
          const a = [10, 20, 30];
          if (w[g]! >= 0 && w[g]! < 3) a[w[g]!] = -1;
          const rv = r[g]! >= 0 && r[g]! < 3 ? a[r[g]!]! : 0;
          return rv + a[0]! * 1000 + a[1]! * 100 + a[2]!;
        });
        t.deepEqual(Array.from(out), want, 'out of range');
      }
      {
        const x = rt.alloc(Float32Array, G * 8);
        x.set(words(G * 8, 3).map((w) => (w % 2000) / 8 - 125));
        const y = rt.alloc(Float32Array, G * 8);
        await rt.launch(Arrays.sort8, { qpus: QPUS }, x, y);
        const want: number[] = [];
        for (let g = 0; g < G; g++) want.push(...Array.from(x.subarray(g * 8, g * 8 + 8)).sort((p, q) => p - q));
        t.deepEqual(Array.from(y), want, 'sort8');
      }
      {
        const x = rt.alloc(Int32Array, G);
        x.set(words(G, 4).map((w) => (w % 21) - 10));
        const out = rt.alloc(Int32Array, G);
        await rt.launch(Arrays.masked, { qpus: QPUS }, x, out);
        const want = Array.from(x, (v) => {
          const c = [1, -2, 3];
          if (v > 0) {
            c[1]! *= v;
            c[2]!--;
          }
          return c[0]! * 100 + c[1]! * 10 + c[2]!;
        });
        t.deepEqual(Array.from(out), want, 'masked');
      }
      {
        const x = rt.alloc(Int32Array, G);
        x.set(words(G, 5).map((w) => (w % 40) - 5));
        const out = rt.alloc(Int32Array, G);
        await rt.launch(Arrays.control, { qpus: QPUS }, x, out);
        const windowOf = (v: number, k: number) => {
          const w = [v & 1, v & 2, v & 4];
          let s = 0;
          for (let j = 0; j < 3; j++) s += w[j]! * (j + k);
          const idx = (v >> 3) & 3;
          return s + (idx < 3 ? w[idx]! : 0);
        };
        const want = Array.from(x, (v) => {
          const a = [0, 0, 0, 0, 0, 0];
          for (let k = 0; k < 6; k++) {
            if (k === 1) continue;
            if (v < k * 3) break;
            a[k] = v - k + windowOf(v, k);
            if (a[k]! > 40) continue;
            a[k]! *= 2;
          }
          return a[0]! + a[1]! * 3 + a[2]! * 5 + a[3]! * 7 + a[4]! * 11 + a[5]! * 13;
        });
        t.deepEqual(Array.from(out), want, 'control');
      }
      {
        const n = 40;
        const keys = rt.alloc(Uint32Array, G * n);
        keys.set(words(G * n, 6).map((w) => w % 1000));
        const out = rt.alloc(Uint32Array, G * 8);
        await rt.launch(Arrays.bigHistogram, { qpus: QPUS }, n, keys, out);
        const want: number[] = [];
        for (let g = 0; g < G; g++) {
          const h = new Array<number>(100).fill(0);
          for (let i = 0; i < n; i++) h[keys[g * n + i]! % 100]!++;
          for (let j = 0; j < 100; j += 13) want.push(h[j]! + (j + 95 < 100 ? h[j + 95]! : 0));
        }
        t.deepEqual(Array.from(out), want, 'bigHistogram');
      }
      {
        const x = rt.alloc(Float32Array, G);
        x.set(words(G, 7).map((w) => (w % 100) / 8));
        const k = rt.alloc(Uint32Array, G);
        k.set(words(G, 8).map((w) => w % 28));
        const y = rt.alloc(Float32Array, G * 2);
        await rt.launch(Arrays.medium, { qpus: QPUS }, x, k, y);
        const f = Math.fround;
        const want: number[] = [];
        for (let g = 0; g < G; g++) {
          const a = Array.from({ length: 20 }, (_, i) => f(x[g]! * i));
          const b = Array.from({ length: 20 }, (_, i) => f(x[g]! + i));
          let s = 0;
          for (let i = 0; i < 20; i++) s = f(s + a[i]!);
          const j = k[g]!;
          if (j < 20) b[j] = -1;
          const at = (i: number) => (i < 20 ? b[i]! : 0);
          want.push(s, f(f(at(j & 15) + at((j + 1) & 31)) + at(j ^ 40)));
        }
        t.deepEqual(Array.from(y), want, 'medium');
      }
    } finally {
      rt.close();
    }
  });
}

test('storage: small arrays and static indices in registers, run-time indices into longer arrays in memory', (t) => {
  const r = compileFile(fileURLToPath(new URL('../fixtures/e2e/arrays.ts', import.meta.url)), { target: 'vc6' });
  t.deepEqual(r.diagnostics.map((d) => d.message), []);
  const words = Object.fromEntries(r.kernels.map((k) => [k.name, k.privateWords ?? 0]));
  // histogram (8 bins, run-time indices) and sort8 stay in registers; medium keeps a (static) in registers and b in memory.
  t.like(words, { 'Arrays.histogram': 0, 'Arrays.sort8': 0, 'Arrays.unrolled': 0, 'Arrays.bigHistogram': 100, 'Arrays.medium': 20 });
  const medium = r.kernels.find((k) => k.name === 'Arrays.medium')!;
  t.deepEqual(medium.params.map((p) => p.name), ['x', 'k', 'y', 'private']);
});
