// VC4 stores with a run-time stride (compiler/backend/vc4/isel-memory.ts storeStrided): equally spaced addresses go
// out as one vertical DMA, anything else lane by lane; either way memory ends up as plain JS says, and nothing
// outside the stored elements changes.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../../../compiler/compile.ts';
import { Runtime } from '../../../runtime/index.ts';

const FIXTURE = fileURLToPath(new URL('../../fixtures/strided-store.ts', import.meta.url));
const kernels = compileFile(FIXTURE, { target: 'vc4' }).kernels;
const get = (name: string) => {
  const k = kernels.find((x) => x.name.endsWith(name));
  if (!k) throw new Error(`no kernel ${name}`);
  return k;
};

test('vc4: a store whose lanes are a run-time stride apart is one vertical DMA, and the listing has both paths', (t) => {
  const text = get('columns').listing.map((l) => l.text).join('\n');
  // The vertical VDW setup [ARG Table 34: ID 2, UNITS 16, DEPTH 1, HORIZ 0, VPMBASE from qpu_num] and the stride
  // setup's ID bits [Table 35: ID 3] are both loaded.
  t.regex(text, /ldi \w+, 0x88010000/);
  t.regex(text, /ldi \w+, 0xc0000000/);
});

for (const pitch of [1, 2, 17, 100, 16384, 16385, 20000]) {
  test(`vc4: columns of a ${pitch}-word pitch land where plain JS puts them; other words untouched`, async (t) => {
    const rt = await Runtime.open({ target: 'vc4', backend: 'emulator', log: () => undefined });
    try {
      const cols = Math.min(pitch, 3);
      const out = rt.alloc(Float32Array, 16 * pitch + 8);
      out.fill(-1);
      const want = new Float32Array(16 * pitch + 8).fill(-1);
      // Later columns overwrite earlier ones where rows overlap (pitch 1 and 2: lane l's col c is lane l+c's col 0).
      for (let col = 0; col < cols; col++) for (let l = 0; l < 16; l++) want[l * pitch + col] = l + 100 * col;
      const r = await rt.launch(get('columns'), { qpus: 1 }, pitch, cols, out);
      t.deepEqual(Array.from(out), Array.from(want));
      t.deepEqual(r.hazards, []);
    } finally {
      rt.close();
    }
  });
}

test('vc4: addresses that are not equally spaced (two lanes swapped) still store lane by lane', async (t) => {
  const rt = await Runtime.open({ target: 'vc4', backend: 'emulator', log: () => undefined });
  try {
    const pitch = 3;
    const out = rt.alloc(Float32Array, 16 * pitch);
    out.fill(-1);
    await rt.launch(get('swapped'), { qpus: 1 }, pitch, out);
    const want = new Float32Array(16 * pitch).fill(-1);
    for (let l = 0; l < 16; l++) want[(l === 5 ? 6 : l === 6 ? 5 : l) * pitch] = l;
    t.deepEqual(Array.from(out), Array.from(want));
  } finally {
    rt.close();
  }
});
