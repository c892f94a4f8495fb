// VC4 store runs (compiler/backend/vc4/isel-memory.ts storeGroups): lane-contiguous stores a constant distance apart
// in one block go out as one DMA of up to four rows from the QPU's store rows; memory ends up as plain JS says.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../../../compiler/compile.ts';
import { Runtime } from '../../../runtime/index.ts';

const FIXTURE = fileURLToPath(new URL('../../fixtures/store-runs.ts', import.meta.url));
const kernels = compileFile(FIXTURE, { target: 'vc4' }).kernels;
const get = (name: string) => {
  const k = kernels.find((x) => x.name.endsWith(name));
  if (!k) throw new Error(`no kernel ${name}`);
  return k;
};
/** DMA starts: writes to vw_addr (B-file register 50). */
const dmaStarts = (name: string) => get(name).listing.filter((l) => /\bvw_addr\b|\bvdw_addr\b|dma_addr/i.test(l.text)).length;

test('vc4: four contiguous rows are one DMA; a load splits a run, a 17-word gap is a run of its own', (t) => {
  t.is(dmaStarts('four'), 1, get('four').listing.map((l) => l.text).join('\n'));
  // out[i]; (the load of out[i]) other[i]; out[i + 16] and out[i + 33] (68 bytes apart: VDW stride 4).
  t.is(dmaStarts('broken'), 3);
  // The four-row VDW setup [ARG Table 34: ID 2, UNITS 4, DEPTH 16, HORIZ, VPMBASE from the QPU's first store row].
  t.regex(get('four').listing.map((l) => l.text).join('\n'), /0x82104000/);
  // The 17-word gap's stride setup [ARG Table 35: ID 3, 68 − 64 bytes].
  t.regex(get('broken').listing.map((l) => l.text).join('\n'), /0xc0000004/);
});

for (const qpus of [1, 12]) {
  test(`vc4: a store run on ${qpus} QPU(s) writes what plain JS says, nothing else`, async (t) => {
    const rt = await Runtime.open({ target: 'vc4', backend: 'emulator', log: () => undefined });
    try {
      const at = 5;
      const out = rt.alloc(Float32Array, at + 64 * qpus + 3);
      out.fill(-1);
      const r = await rt.launch(get('four'), { qpus }, at, out);
      const want = new Float32Array(out.length).fill(-1);
      for (let q = 0; q < qpus; q++) {
        for (let l = 0; l < 16; l++) {
          const i = at + 64 * q + l;
          want[i] = i;
          want[i + 16] = i + 1000;
          want[i + 32] = 2 * i;
          want[i + 48] = i - 7;
        }
      }
      t.deepEqual(Array.from(out), Array.from(want));
      t.deepEqual(r.hazards, []);
    } finally {
      rt.close();
    }
  });
}

test('vc4: a load between two stores sees the first one', async (t) => {
  const rt = await Runtime.open({ target: 'vc4', backend: 'emulator', log: () => undefined });
  try {
    const out = rt.alloc(Float32Array, 64).fill(-1);
    const other = rt.alloc(Float32Array, 16).fill(-1);
    await rt.launch(get('broken'), { qpus: 1 }, out, other);
    t.deepEqual(Array.from(other), Array.from({ length: 16 }, (_, i) => i + 1));
    t.deepEqual(Array.from(out.subarray(16, 32)), Array.from({ length: 16 }, (_, i) => i + 2));
    t.deepEqual(Array.from(out.subarray(33, 49)), Array.from({ length: 16 }, (_, i) => i + 3));
  } finally {
    rt.close();
  }
});
