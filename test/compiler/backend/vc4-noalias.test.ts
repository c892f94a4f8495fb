// The `noalias` kernel option on vc4 (docs/language.md "Kernel options", compiler/backend/vc4/isel-memory.ts): a
// store run's DMA through one pointer parameter is not waited for before loads through another, and still is before
// a load through the same one. Results against plain JS, on the emulator with its hazard checker in error mode (a
// load of words a running DMA writes is rule dma-store-conflict).
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { compileFile, loadPreparedKernels } from '../../../compiler/compile.ts';
import { parseFunction } from '../../../compiler/ir/parse.ts';
import { printFunction } from '../../../compiler/ir/print.ts';
import { Runtime } from '../../../runtime/index.ts';

const FIXTURE = fileURLToPath(new URL('../../fixtures/noalias.ts', import.meta.url));
const kernels = compileFile(FIXTURE, { target: 'vc4' }).kernels;
const get = (name: string) => {
  const k = kernels.find((x) => x.name === `Apart.${name}`);
  if (!k) throw new Error(`no kernel ${name}`);
  return k;
};
/** Whether the listing waits for the run's DMA between starting it (`vw_addr`) and the loop's branch back. */
const waitsAtOnce = (name: string) => {
  const l = get(name).listing.map((x) => x.text);
  const start = l.findIndex((x) => /vw_addr/.test(x));
  const back = l.findIndex((x, k) => k > start && /brr/.test(x));
  return start >= 0 && back > start && l.slice(start, back).some((x) => /vw_wait/.test(x));
};

test('noalias survives the IR text form', (t) => {
  const fn = loadPreparedKernels(FIXTURE).kernels.get('Apart.apart');
  t.is(fn?.noalias, true);
  const text = printFunction(fn!);
  t.regex(text, /^func Apart\.apart\(.*\) \[noalias\] \{/);
  t.is(parseFunction(text).noalias, true);
  t.is(loadPreparedKernels(FIXTURE).kernels.get('Apart.plain')?.noalias, undefined);
});

test('vc4: with noalias the store run is not waited for at once: the loads of the next block go out while its DMA runs', (t) => {
  t.true(waitsAtOnce('plain'));
  t.false(waitsAtOnce('apart'));
});

test('vc4: noalias and plain blocks write what plain JS says, no hazard; a load through the written pointer still waits for the run', async (t) => {
  const rt = await Runtime.open({ target: 'vc4', backend: 'emulator', log: () => undefined, emulator: { hazards: 'error' } });
  try {
    for (const n of [64, 640, 64 * 29]) {
      for (const name of ['plain', 'apart'] as const) {
        const src = rt.alloc(Uint32Array, n), dst = rt.alloc(Uint32Array, n + 16).fill(7);
        for (let i = 0; i < n; i++) src[i] = (i * 2654435761) >>> 8;
        const r = await rt.launch(get(name), { qpus: 12 }, n, src, dst);
        t.deepEqual(r.hazards, []);
        t.deepEqual(Array.from(dst), Array.from({ length: n + 16 }, (_, i) => (i < n ? (3 * (src[i] as number) + 1) >>> 0 : 7)), `${name} n = ${n}`);
        rt.free(src);
        rt.free(dst);
      }
      const x = rt.alloc(Uint32Array, n), sum = rt.alloc(Uint32Array, 12 * 16);
      const x0 = Uint32Array.from({ length: n }, (_, i) => i * 5 + 1);
      x.set(x0);
      const r = await rt.launch(get('readBack'), { qpus: 12 }, n, x, sum);
      t.deepEqual(r.hazards, []);
      const want = new Uint32Array(12 * 16);
      for (let k = 0; k < n >> 6; k++) for (let l = 0; l < 16; l++) want[(k % 12) * 16 + l] = ((want[(k % 12) * 16 + l] as number) + 3 * (x0[k * 64 + l] as number) + 1) >>> 0;
      t.deepEqual(Array.from(sum), Array.from(want), `readBack n = ${n}`);
      t.deepEqual(Array.from(x), Array.from(x0, (v) => (3 * v + 1) >>> 0));
      rt.free(x);
      rt.free(sum);
    }
  } finally {
    rt.close();
  }
});

test('yuvToRgba on vc4 runs the noalias blocks when src and dst are apart, the plain ones in place; both as the reference interpreter', async (t) => {
  const { yuvToRgba } = await import('../../../kernels/image.ts');
  const n = 64 * 7 + 5;
  const bytes = Uint8Array.from({ length: 4 * n }, (_, i) => (i * 2654435761) >>> 24);
  const ref = await Runtime.open({ target: 'vc4', backend: 'reference', log: () => undefined });
  let want: number[];
  try {
    const src = ref.alloc(Uint8Array, 4 * n), dst = ref.alloc(Uint8Array, 4 * n);
    src.set(bytes);
    await yuvToRgba(ref, { pixels: n, src, dst });
    want = Array.from(dst);
  } finally {
    ref.close();
  }
  const rt = await Runtime.open({ target: 'vc4', backend: 'emulator', log: () => undefined, emulator: { hazards: 'error' } });
  try {
    const src = rt.alloc(Uint8Array, 4 * n), dst = rt.alloc(Uint8Array, 4 * n);
    src.set(bytes);
    const apart = await yuvToRgba(rt, { pixels: n, src, dst });
    t.regex(apart.kernel, /^Image\.rgbApart\b/);
    t.deepEqual(Array.from(dst), want);
    const inPlace = await yuvToRgba(rt, { pixels: n, src, dst: src });
    t.regex(inPlace.kernel, /^Image\.rgb\b(?!Apart)/);
    t.deepEqual(Array.from(src), want);
  } finally {
    rt.close();
  }
});
