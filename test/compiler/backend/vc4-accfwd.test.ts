// Accumulator forwarding on VC4 (compiler/backend/vc4/accfwd.ts): a broadcast read once by a multiply is read from r5
// by the multiply itself, with no copy to a register-file register, and a rotation's result read by the next op lives
// in r1 or r2; the results still equal plain JS.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../../../compiler/compile.ts';
import { Runtime } from '../../../runtime/index.ts';

const FIXTURE = fileURLToPath(new URL('../../fixtures/broadcast-mac.ts', import.meta.url));
const ROTATIONS = fileURLToPath(new URL('../../fixtures/rotate-sums.ts', import.meta.url));

test('vc4: a broadcast read once feeds fmul from r5 directly; results equal plain JS', async (t) => {
  const k = compileFile(FIXTURE, { target: 'vc4' }).kernels[0];
  if (!k) return t.fail('no kernel');
  const text = k.listing.map((l) => l.text);
  // Each copy of the loop body (main loop and remainder) multiplies by its four broadcasts straight from r5.
  t.true(text.filter((l) => /fmul \w+, \w+, r5|fmul \w+, r5, \w+/.test(l)).length >= 8, text.join('\n'));
  const rt = await Runtime.open({ target: 'vc4', backend: 'emulator', log: () => undefined, emulator: { hazards: 'error' } });
  try {
    // A multiple of 16 × QPUs: every lane is active where it broadcasts (an inactive lane gives an unspecified value).
    const n = 96;
    const x = rt.alloc(Float32Array, n);
    const w = rt.alloc(Float32Array, 16);
    const out = rt.alloc(Float32Array, n);
    for (let i = 0; i < n; i++) x[i] = (i % 7) - 2.5;
    for (let l = 0; l < 16; l++) w[l] = l * 0.25 + 1;
    await rt.launch(k, { qpus: 2 }, n, x, w, out);
    // Every term is exact in f32 (small multiples of 1/8), so the order and rounding mode do not matter.
    for (let i = 0; i < n; i++) t.is(out[i], (x[i] as number) * ((w[0] as number) + (w[3] as number) + (w[9] as number) + (w[15] as number)), `element ${i}`);
  } finally {
    rt.close();
  }
});

test('vc4: a rotation read by the next op writes r1 or r2, not a register-file register; results equal plain JS', async (t) => {
  const k = compileFile(ROTATIONS, { target: 'vc4' }).kernels[0];
  if (!k) return t.fail('no kernel');
  const text = k.listing.map((l) => l.text);
  // The four levels' rotations (by 8, 4, 2, 1, or as many lanes back) each into an accumulator the add reads.
  t.is(text.filter((l) => /mov\.rot \d+, r[12], r0/.test(l)).length, 4, text.join('\n'));
  const rt = await Runtime.open({ target: 'vc4', backend: 'emulator', log: () => undefined, emulator: { hazards: 'error' } });
  try {
    const x = rt.alloc(Uint32Array, 32);
    const y = rt.alloc(Uint32Array, 32);
    for (let i = 0; i < 32; i++) x[i] = ((i * 2654435761) >>> 0) % 100000;
    await rt.launch(k, { qpus: 2 }, x, y);
    // After the four levels every lane holds the sum of its QPU's sixteen lanes (whichever way the rotations turn).
    for (let q = 0; q < 2; q++) {
      let sum = 0;
      for (let l = 0; l < 16; l++) sum += x[16 * q + l] as number;
      for (let l = 0; l < 16; l++) t.is(y[16 * q + l], sum >>> 0, `QPU ${q} lane ${l}`);
    }
  } finally {
    rt.close();
  }
});
