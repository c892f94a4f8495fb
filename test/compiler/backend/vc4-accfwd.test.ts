// r5 forwarding on VC4 (compiler/backend/vc4/accfwd.ts): a broadcast read once by a multiply is read from r5 by the
// multiply itself, with no copy to a register-file register; the results still equal plain JS.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../../../compiler/compile.ts';
import { Runtime } from '../../../runtime/index.ts';

const FIXTURE = fileURLToPath(new URL('../../fixtures/broadcast-mac.ts', import.meta.url));

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
