// The per-byte intrinsics (qpu.addBytesSat, subBytesSat, minBytes, maxBytes) end to end, on the reference interpreter
// and every target's emulator (VC4: one mul-ALU op each; V3D: expanded into word ops), against per-byte plain JS.
import test from 'ava';
import { Bytes } from '../fixtures/e2e/bytes.ts';
import { E2E_BACKENDS, words } from '../helpers/e2e.ts';

/** The word whose byte k is f(byte k of a, byte k of b). */
function bytewise(a: number, b: number, f: (x: number, y: number) => number): number {
  let r = 0;
  for (let k = 0; k < 4; k++) r += f(Math.floor(a / 256 ** k) % 256, Math.floor(b / 256 ** k) % 256) * 256 ** k;
  return r;
}
const add = (a: number, b: number): number => bytewise(a, b, (x, y) => Math.min(x + y, 255));
const sub = (a: number, b: number): number => bytewise(a, b, (x, y) => Math.max(x - y, 0));
const min = (a: number, b: number): number => bytewise(a, b, Math.min);
const max = (a: number, b: number): number => bytewise(a, b, Math.max);

/** Bytes at the edges (0, 1, 0x7f, 0x80, 0x81, 0xfe, 0xff) in every position, and random words. */
function inputs(n: number, seed: number): number[] {
  const edges = [0, 1, 0x7f, 0x80, 0x81, 0xfe, 0xff];
  const r = words(n, seed);
  return r.map((w, i) => (i % 3 === 0 ? w : bytewise(w, 0, (x) => edges[x % edges.length]!)));
}

const QPUS = 2;
const N = 1000;

for (const be of E2E_BACKENDS) {
  test(`${be.name}: per-byte ops agree with plain JS (edge bytes, random words, constants)`, async (t) => {
    const rt = await be.open();
    try {
      const a = rt.alloc(Uint32Array, N);
      const b = rt.alloc(Uint32Array, N);
      a.set(inputs(N, 11));
      b.set(inputs(N, 29));
      // The named edges: 0xff + 1, 0x80 + 0x80, 0 - 1, equal bytes.
      a.set([0x000000ff, 0x80808080, 0x00000000, 0x12345678], 0);
      b.set([0x00000001, 0x80808080, 0x01010101, 0x12345678], 0);
      const out = rt.alloc(Uint32Array, 4 * N);
      const folded = rt.alloc(Uint32Array, 4);
      await rt.launch(Bytes.ops, { qpus: QPUS }, N, a, b, out, folded);
      const want = Array.from(a).flatMap((x, i) => [add(x, b[i]!), sub(x, b[i]!), min(x, b[i]!), max(x, b[i]!)]);
      t.deepEqual(Array.from(out), want);
      t.is(out[0], 0xff, '0xff + 1 saturates');
      t.is(out[4], 0xffffffff, '0x80 + 0x80 saturates');
      t.is(out[9], 0, '0 - 1 saturates at 0');
      const [x, y] = [0x80ff7f01, 0x8001807f];
      t.deepEqual(Array.from(folded), [add(x, y), sub(x, y), min(x, y), max(x, y)], 'constant operands');
    } finally {
      rt.close();
    }
  });

  test(`${be.name}: per-byte ops under per-lane conditions and as packed counters agree with plain JS`, async (t) => {
    const rt = await be.open();
    try {
      const a = rt.alloc(Uint32Array, N);
      const b = rt.alloc(Uint32Array, N);
      a.set(inputs(N, 5));
      b.set(inputs(N, 7));
      const out = rt.alloc(Uint32Array, 6 * N);
      const more = rt.alloc(Uint32Array, N);
      await rt.launch(Bytes.conditional, { qpus: QPUS }, N, a, b, out, more);
      t.deepEqual(Array.from(more), Array.from(a).map((x, i) => {
        const y = b[i]!;
        const [p, q] = [x % 8, y % 8];
        return add(add(x, p < q ? y : 0), p === q ? 0x01010101 : 0);
      }), 'an order and an equality of the same values');
      t.deepEqual(Array.from(out), Array.from(a).flatMap((x, i) => {
        const y = b[i]!;
        const c = x % 4 !== 0;
        return [c ? add(x, y) : x, add(x, y % 2 === 0 ? y : 0), c ? x : sub(x, y), sub(x, Math.floor(y / 2) % 2 !== 0 ? 0 : y),
          Math.floor(y / 2 ** 30) === 1 ? min(x, y) : x, Math.floor(y / 2 ** 30) === 2 ? max(x, y) : x];
      }));

      const G = QPUS * 16;
      const values = rt.alloc(Uint32Array, 16 * G);
      const incs = rt.alloc(Uint32Array, 16 * G);
      values.set(words(16 * G, 3));
      // Increments of 0..255 per byte, so some counters saturate.
      incs.set(words(16 * G, 13).map((w, i) => (i % 2 === 0 ? w : w & 0x1f1f1f1f)));
      const counts = rt.alloc(Uint32Array, 8 * G);
      await rt.launch(Bytes.counters, { qpus: QPUS }, values, incs, counts);
      const want: number[] = [];
      for (let g = 0; g < G; g++) {
        const w = new Array<number>(8).fill(0);
        for (let s = 0; s < 16; s++) {
          const k = Math.floor(values[16 * g + s]! / 8) % 8;
          w[k] = add(w[k]!, incs[16 * g + s]!);
        }
        want.push(...w);
      }
      t.deepEqual(Array.from(counts), want);
    } finally {
      rt.close();
    }
  });
}
