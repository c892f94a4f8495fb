// A constant passed to a loop parameter on both edges out of a block (differential seed 2717 on vc4): every target
// agrees with plain JS on 4 QPUs, whose loops run 0–3 times.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../../compiler/compile.ts';
import { Runtime } from '../../runtime/index.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/copy-block-constant.ts', import.meta.url));

/** The kernel in plain JS, each f32 operation rounded. */
function expected(f: Float32Array, qpus: number): Float32Array {
  const out = new Float32Array(16 * qpus);
  for (let g = 0; g < 16 * qpus; g++) {
    const q = Math.floor(g / 16);
    const lane = g % 16;
    let q0 = -7;
    let q2 = f[g] as number;
    for (let k = 0; k < (q & 7); k++) {
      if (lane < 8) {
        q2 = -Math.fround(q0 * 100.125);
        q0 = q2 > 1000 ? q2 : Math.fround(q0 - q2);
      } else q0 = 31;
    }
    out[g] = q2;
  }
  return out;
}

for (const target of ['vc4', 'vc6', 'vc7'] as const) {
  test(`${target}: a constant copied to a loop parameter on both edges of a branch`, async (t) => {
    const k = compileFile(FIXTURE, { target }).kernels[0];
    if (!k) return t.fail('no kernel');
    const rt = await Runtime.open({ target, backend: 'emulator', log: () => undefined });
    try {
      const qpus = 4;
      const f = rt.alloc(Float32Array, 16 * qpus);
      const out = rt.alloc(Float32Array, 16 * qpus);
      for (let i = 0; i < f.length; i++) f[i] = i * 0.5 - 3;
      await rt.launch(k, { qpus }, f, out);
      t.deepEqual(Array.from(out), Array.from(expected(f, qpus)));
    } finally {
      rt.close();
    }
  });
}
