// Constant tables end to end (docs/language.md, "Constant tables"): module-level and static readonly arrays of
// numbers indexed at run time (the runtime uploads them) and at constant indices, on the reference interpreter and
// every target's emulator, against plain JS; and the tables travel through the kernel's JSON image.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { Runtime } from '../../runtime/index.ts';
import { compileFile } from '../../compiler/compile.ts';
import { kernelImageFromJson, kernelImageToJson } from '../../compiler/kernel-image.ts';
import { Tables } from '../fixtures/e2e/tables.ts';
import { E2E_BACKENDS } from '../helpers/e2e.ts';

const FILE = fileURLToPath(new URL('../fixtures/e2e/tables.ts', import.meta.url));
const BACKENDS = E2E_BACKENDS;
const SQUARES = [0, 1, 4, 9, 16, 25, 36, 49];
const PRIMES = [2, 3, 5, 7, 11, 13];
const BIG = [4000000000, 1, 0xffffffff];
const QPUS = 2;
const G = QPUS * 16;

for (const b of BACKENDS) {
  test(`${b.name}: constant tables agree with plain JS`, async (t) => {
    const rt = await b.open();
    try {
      const x = rt.alloc(Uint32Array, G);
      for (let g = 0; g < G; g++) x[g] = (g * 2654435761) >>> 0;
      const out = rt.alloc(Uint32Array, G);
      await rt.launch(Tables.lookup, { qpus: QPUS }, x, out);
      t.deepEqual(Array.from(out), Array.from(x, (v, g) => (SQUARES[v & 7]! + PRIMES[g % 6]! * 100 + Math.imul(v, 9) + BIG[v % 3]!) >>> 0), 'lookup');

      const k = rt.alloc(Int32Array, G);
      k.set(Array.from({ length: G }, (_, g) => [-1, 0, 7, 8, 3, -2147483648, 1000][g % 7]!));
      const o2 = rt.alloc(Int32Array, G);
      await rt.launch(Tables.outOfRange, { qpus: QPUS }, k, o2);
      t.deepEqual(Array.from(o2), Array.from(k, (i) => (i >= 0 && i < 8 ? SQUARES[i]! : 0) + 6000), 'out of range');

      const n = 100;
      const xs = rt.alloc(Float32Array, n + 2);
      xs.set(Array.from({ length: n + 2 }, (_, i) => Math.fround(Math.sin(i) * 10)));
      const ys = rt.alloc(Float32Array, n);
      await rt.launch(Tables.stencil, { qpus: QPUS }, n, xs, ys);
      const w = [0.25, 0.5, 0.25];
      t.deepEqual(Array.from(ys), Array.from({ length: n }, (_, i) => {
        let s = 0;
        for (let j = 0; j < 3; j++) s = Math.fround(s + Math.fround(w[j]! * xs[i + j]!));
        return s;
      }), 'stencil');
    } finally {
      rt.close();
    }
  });
}

test('tables: only run-time indices make a hidden parameter; the image JSON keeps the tables and launches', async (t) => {
  const r = compileFile(FILE, { target: 'vc6' });
  t.deepEqual(r.diagnostics.map((d) => d.message), []);
  const lookup = r.kernels.find((k) => k.name === 'Tables.lookup')!;
  t.deepEqual(lookup.tables?.map((x) => [x.name, x.elem, x.values]), [['SQUARES', 'i32', SQUARES], ['Tables.PRIMES', 'i32', PRIMES], ['Tables.BIG', 'u32', BIG]]);
  t.deepEqual(lookup.params.map((p) => p.name), ['x', 'out', 'SQUARES', 'Tables.PRIMES', 'Tables.BIG']);
  const stencil = r.kernels.find((k) => k.name === 'Tables.stencil')!;
  t.is(stencil.tables, undefined, 'the unrolled loop reads the weights as constants');
  const image = kernelImageFromJson(JSON.parse(JSON.stringify(kernelImageToJson(lookup, 'test'))));
  t.deepEqual(image.tables, lookup.tables);
  const rt = await Runtime.open({ backend: 'emulator', target: 'vc6', log: () => undefined });
  try {
    const x = rt.alloc(Uint32Array, 16).fill(5);
    const out = rt.alloc(Uint32Array, 16);
    await rt.launch(image, { qpus: 1 }, x, out);
    t.deepEqual(Array.from(out), Array.from({ length: 16 }, (_, g) => (25 + PRIMES[g % 6]! * 100 + 45 + BIG[2]!) >>> 0));
    await t.throwsAsync(rt.launch(image, { qpus: 1 }, x), { message: /expected 2 arguments, got 1/ });
  } finally {
    rt.close();
  }
});
