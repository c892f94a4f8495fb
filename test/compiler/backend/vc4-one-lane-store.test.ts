// VC4 stores under a `lane_id == k` mask (compiler/backend/vc4/isel-memory.ts storeOneLane): one one-element DMA
// from lane k instead of 16. Memory ends up as plain JS says, nothing else is written, and masks that only look
// like one lane (`!=`, a lane number outside 0–15) keep their own meaning.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../../../compiler/compile.ts';
import { Runtime } from '../../../runtime/index.ts';

const FIXTURE = fileURLToPath(new URL('../../fixtures/one-lane-store.ts', import.meta.url));
const kernels = compileFile(FIXTURE, { target: 'vc4' }).kernels;
const get = (name: string) => {
  const k = kernels.find((x) => x.name.endsWith(`.${name}`));
  if (!k) throw new Error(`no kernel ${name}`);
  return k;
};
/** DMA starts in a kernel's listing (writes of the VDW address). */
const dmas = (name: string) => get(name).listing.filter((l) => /\bvw_addr\b/.test(l.text)).length;

async function withRt(f: (rt: Runtime) => Promise<void>): Promise<void> {
  const rt = await Runtime.open({ target: 'vc4', backend: 'emulator', log: () => undefined });
  try {
    await f(rt);
  } finally {
    rt.close();
  }
}

test('vc4: a lane-0 store of a reduction is one DMA, and each QPU writes its own partial', async (t) => {
  t.is(dmas('partial'), 1);
  await withRt(async (rt) => {
    const x = rt.alloc(Float32Array, 16);
    for (let l = 0; l < 16; l++) x[l] = l * 0.5 + 1;
    let want = 0;
    for (let l = 0; l < 16; l++) want = Math.fround(want + (x[l] as number));
    const out = rt.alloc(Float32Array, 16).fill(-1);
    const r = await rt.launch(get('partial'), { qpus: 4 }, x, out);
    t.deepEqual(Array.from(out), [...Array(4).fill(want), ...Array(12).fill(-1)]);
    t.deepEqual(r.hazards, []);
  });
});

test('vc4: lanes 3 and 15 (either operand order) write only their own elements', async (t) => {
  t.is(dmas('own'), 2);
  await withRt(async (rt) => {
    const out = rt.alloc(Uint32Array, 40).fill(7);
    const r = await rt.launch(get('own'), { qpus: 1 }, out);
    const want = new Array(40).fill(7);
    want[3] = 103;
    want[31] = 215;
    t.deepEqual(Array.from(out), want);
    t.deepEqual(r.hazards, []);
  });
});

test('vc4: a mask for lane 16 or 99 stores nothing', async (t) => {
  await withRt(async (rt) => {
    const out = rt.alloc(Uint32Array, 40).fill(7);
    await rt.launch(get('none'), { qpus: 1 }, out);
    t.deepEqual(Array.from(out), new Array(40).fill(7));
  });
});

test('vc4: lane_id != 5 stores the other fifteen lanes', async (t) => {
  await withRt(async (rt) => {
    const out = rt.alloc(Uint32Array, 20).fill(7);
    await rt.launch(get('allBut'), { qpus: 1 }, out);
    const want = new Array(20).fill(7);
    for (let l = 0; l < 16; l++) if (l !== 5) want[l] = l + 300;
    t.deepEqual(Array.from(out), want);
  });
});

test('vc4: one-lane byte and half-word stores write exactly their own bytes', async (t) => {
  t.is(dmas('narrow'), 2);
  await withRt(async (rt) => {
    const b = rt.alloc(Uint8Array, 32).fill(0xaa);
    const h = rt.alloc(Uint16Array, 32).fill(0xbbbb);
    const r = await rt.launch(get('narrow'), { qpus: 1 }, b, h);
    const wb = new Array(32).fill(0xaa);
    wb[6] = 46;
    const wh = new Array(32).fill(0xbbbb);
    wh[9] = 4009;
    t.deepEqual(Array.from(b), wb);
    t.deepEqual(Array.from(h), wh);
    t.deepEqual(r.hazards, []);
  });
});
