// VC4 store batching (compiler/passes/loopshape.ts storeBatch, compiler/backend/vc4/isel-memory.ts storeGroups): the
// stores of a grid-stride loop's unrolled copies go out as one DMA of up to four rows, the grid stride apart; the
// remainder loop and the main loop's guards keep every size, step and layout right. Results against plain JS.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../../../compiler/compile.ts';
import { Runtime } from '../../../runtime/index.ts';

const FIXTURE = fileURLToPath(new URL('../../fixtures/store-batch.ts', import.meta.url));
const kernels = compileFile(FIXTURE, { target: 'vc4' }).kernels;
const get = (name: string) => {
  const k = kernels.find((x) => x.name.endsWith(name));
  if (!k) throw new Error(`no kernel ${name}`);
  return k;
};
const text = (name: string) => get(name).listing.map((l) => l.text).join('\n');

/** Deterministic floats in [-8, 8) with few bits (products exact). */
const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => (((i * 37 + seed * 11) % 64) - 32) / 4);

async function withRt<T>(f: (rt: Runtime) => Promise<T>): Promise<T> {
  const rt = await Runtime.open({ target: 'vc4', backend: 'emulator', log: () => undefined, emulator: { hazards: 'error' } });
  try {
    return await f(rt);
  } finally {
    rt.close();
  }
}

test('vc4: the copies of a grid-stride loop store through one four-row DMA strided by the grid stride', (t) => {
  const s = text('scale');
  // VDW setup [ARG Table 34]: ID 2, UNITS 4, DEPTH 16, HORIZ, VPMBASE from the QPU's first store row.
  t.regex(s, /ldi \w+, 0x82104000/);
  // VDW stride setup [ARG Table 35]: ID 3 plus 4 · globalCount − 64, the constant part (3 << 30) − 64.
  t.regex(s, /ldi \w+, 0xbfffffc0/);
  // Two arrays stored by a light body (split, swap) are a wide batch: one eight-row DMA per array per pass, the
  // second array's from the QPU's rows 8–15 (VPMBASE Y + 8).
  for (const name of ['split', 'swap']) {
    t.regex(text(name), /ldi \w+, 0x84104000/, name);
    t.regex(text(name), /ldi \w+, 0x84104400/, name);
  }
});

for (const qpus of [1, 3, 12]) {
  test(`vc4: batched stores of odd sizes on ${qpus} QPU(s) write what plain JS says, nothing past n`, async (t) => {
    await withRt(async (rt) => {
      const g = 16 * qpus;
      for (const n of [1, 15, 17, g - 1, g, g + 1, 4 * g - 1, 4 * g, 4 * g + 1, 5 * g + 3, 9 * g + 17, 1000]) {
        const x = rt.alloc(Float32Array, n + 20);
        const x0 = values(n + 20, n);
        x.set(x0);
        const r = await rt.launch(get('scale'), { qpus }, n, 0.5, x);
        const want = Float32Array.from(x0, (v, i) => (i < n ? 0.5 * v + 1 : v));
        t.deepEqual(Array.from(x), Array.from(want), `scale n = ${n}`);
        t.deepEqual(r.hazards, []);
        const y = rt.alloc(Float32Array, n + 20).fill(-1), z = rt.alloc(Float32Array, n + 20).fill(-1);
        await rt.launch(get('split'), { qpus }, n, x, y, z);
        t.deepEqual(Array.from(y), Array.from(want, (v, i) => (i < n ? v : -1)), `split y n = ${n}`);
        t.deepEqual(Array.from(z), Array.from(want, (v, i) => (i < n ? 2 * v : -1)), `split z n = ${n}`);
        rt.free(x);
        rt.free(y);
        rt.free(z);
      }
    });
  });
}

test('vc4: a parameter step, inside and outside what the VDW stride field holds, writes what plain JS says', async (t) => {
  await withRt(async (rt) => {
    // The guard admits 16 ≤ s ≤ 16399 (4 s − 64 < 2^16); the rest runs the remainder loop.
    for (const s of [1, 5, 15, 16, 17, 100, 16399, 16400, 20000]) {
      for (const qpus of [1, 2]) {
        const n = 5 * s + 37;
        const x = rt.alloc(Float32Array, n), y = rt.alloc(Float32Array, n + 16).fill(-1);
        const x0 = values(n, s);
        x.set(x0);
        await rt.launch(get('stepped'), { qpus }, n, s, x, y);
        const want = new Float32Array(n + 16).fill(-1);
        for (let id = 0; id < 16 * qpus; id++) for (let i = id; i < n; i += s) want[i] = (x0[i] as number) + 1;
        t.deepEqual(Array.from(y), Array.from(want), `s = ${s}, ${qpus} QPU(s)`);
        rt.free(x);
        rt.free(y);
      }
    }
  });
});

test('vc4: a load after the loop of what its last pass stored waits for the DMA (hazard checker in error mode)', async (t) => {
  // The listing: the load after the loop (the lookup before the multiply by 2) has a vw_wait before it since the
  // last branch. (In the
  // timing model the DMA has finished by then anyway, so the hazard checker alone would not see a missing wait.)
  const lines = get('readBack').listing.map((l) => l.text);
  const last = lines.slice(0, lines.findIndex((l) => /fmul \w+, \w+, 2\.0/.test(l))).findLastIndex((l) => /\bt[01]s\b/.test(l));
  const from = lines.slice(0, last).findLastIndex((l) => /\bbrr?\b/.test(l));
  t.true(lines.slice(from + 1, last).some((l) => /\bvw_wait\b/.test(l)), lines.join('\n'));
  await withRt(async (rt) => {
    for (const qpus of [1, 12]) {
      const g = 16 * qpus;
      // 4 g, 8 g, 12 g: one to three main-loop passes and no remainder, the last store in the pass whose DMA runs on;
      // g: the remainder loop alone.
      for (const n of [4 * g, 8 * g, 12 * g, g]) {
        const x = rt.alloc(Float32Array, n), y = rt.alloc(Float32Array, n), out = rt.alloc(Float32Array, g).fill(-1);
        const x0 = values(n, n);
        x.set(x0);
        const r = await rt.launch(get('readBack'), { qpus }, n, x, y, out);
        t.deepEqual(r.hazards, []);
        t.deepEqual(Array.from(y), Array.from(x0, (v) => v + 1), `y, n = ${n}`);
        const want = Array.from({ length: g }, (_, l) => ((x0[n - g + l] as number) + 1) * 2);
        t.deepEqual(Array.from(out), want, `out, n = ${n}, ${qpus} QPU(s)`);
        rt.free(x);
        rt.free(y);
        rt.free(out);
      }
    }
  });
});

test('vc4: swap of two views of one buffer, far apart and close (the guard falls back), as plain JS says', async (t) => {
  await withRt(async (rt) => {
    const n = 3001;
    for (const gap of [0, 1, 16, 100, 767, 768, 769, 5000]) {
      const buf = rt.alloc(Uint32Array, 2 * n + gap);
      const b0 = Uint32Array.from({ length: buf.length }, (_, i) => i * 7 + 1);
      buf.set(b0);
      const x = buf.subarray(0, n), y = buf.subarray(n + gap, 2 * n + gap);
      await rt.launch(get('swap'), { qpus: 12 }, n, x, y);
      const want = Uint32Array.from(b0);
      for (let i = 0; i < n; i++) [want[i], want[n + gap + i]] = [b0[n + gap + i] as number, b0[i] as number];
      t.deepEqual(Array.from(buf), Array.from(want), `gap ${gap}`);
      rt.free(buf);
    }
  });
});

/** Plain-JS MergedBatch.mix of one word. */
function mix(w: number): number {
  const rb = w & 0xff00ff;
  const g = w & 0xff00;
  const y = (Math.imul(rb, 0x4d001d) + Math.imul(g, 0x9600) + 0x800000) >>> 24;
  const c = Math.min(((Math.imul(rb ^ 0xff, 0x2b0080) + Math.imul(g ^ 0xff00, 0x5500)) >>> 0), 0xfeffffff);
  return (y | ((((c + 0x1000000) >>> 0) >>> 16) & 0xff00) | (w & 0xff000000)) >>> 0;
}

test('vc4: a loop whose store pointer SPMD lowering passes through a merge is batched too, and computes what plain JS does', async (t) => {
  // The four-row VDW setup: the stores of the copies go out as one DMA; `twice`'s body is more than a quarter of
  // the plain copy budget (BODY_BUDGET), within a quarter of a DMA batch's (it had two-row DMAs).
  t.regex(text('MergedBatch.mix'), /ldi \w+, 0x82104000/);
  t.regex(text('MergedBatch.twice'), /ldi \w+, 0x82104000/);
  await withRt(async (rt) => {
    for (const [name, f] of [['mix', mix], ['twice', (w: number) => mix((mix(w) + 1) >>> 0)]] as const) {
      for (const [n, qpus] of [[4096, 12], [1000, 3], [37, 1]] as const) {
        const src = rt.alloc(Uint32Array, n);
        for (let i = 0; i < n; i++) src[i] = Math.imul(i + 1, 2654435761) >>> 0;
        const dst = rt.alloc(Uint32Array, n + 16).fill(7);
        const want = Array.from(src, f);
        await rt.launch(get(`MergedBatch.${name}`), { qpus }, n, src, dst);
        t.deepEqual(Array.from(dst.subarray(0, n)), want, `${name} n ${n}`);
        t.deepEqual(Array.from(dst.subarray(n)), new Array(16).fill(7));
        // In place: the main loop's guard sees src and dst overlap and leaves it to the plain loop.
        await rt.launch(get(`MergedBatch.${name}`), { qpus }, n, src, src);
        t.deepEqual(Array.from(src), want, `${name} in place, n ${n}`);
        rt.free(src);
        rt.free(dst);
      }
    }
  });
});

/** Plain-JS ScaledBatch kernels, iteration by iteration in index order over one memory (`mem`, word offsets). */
const scaled = {
  pairs: (mem: Uint32Array, n: number, src: number, dst: number) => {
    for (let i = 0; i < n; i++) mem[dst + i] = ((mem[src + 2 * i] as number) + 3 * (mem[src + 2 * i + 1] as number)) >>> 0;
  },
  quads: (mem: Uint32Array, n: number, src: number, dst: number) => {
    for (let i = 0; i < n; i++) {
      const w = (t: number) => mem[src + 4 * i + t] as number;
      mem[dst + i] = ((w(0) & 255) | ((w(1) & 255) << 8) | ((w(2) & 255) << 16) | (w(3) << 24)) >>> 0;
    }
  },
};

test('vc4: loads indexed by 2 i or 4 i do not keep the stores of i from one four-row DMA', (t) => {
  // Without comparing the arrays' ranges the loads were not known apart from the stores: one row per DMA.
  for (const name of ['ScaledBatch.pairs', 'ScaledBatch.quads']) {
    t.regex(text(name), /ldi \w+, 0x82104000/, name);
  }
});

test('vc4: scaled loads with batched stores write what plain JS says, the arrays apart in either order', async (t) => {
  await withRt(async (rt) => {
    for (const name of ['pairs', 'quads'] as const) {
      const m = name === 'pairs' ? 2 : 4;
      for (const [n, qpus] of [[1, 1], [37, 1], [200, 1], [1000, 3], [4096, 12], [4099, 12]] as const) {
        // Word offsets of src and dst in one buffer: dst right after src, and right before it.
        for (const [src, dst] of [[0, m * n], [n, 0]] as const) {
          const words = Math.max(src + m * n, dst + n) + 16;
          const buf = rt.alloc(Uint32Array, words);
          for (let i = 0; i < words; i++) buf[i] = Math.imul(i + 1, 2654435761) >>> 0;
          const want = Uint32Array.from(buf);
          scaled[name](want, n, src, dst);
          const r = await rt.launch(get(`ScaledBatch.${name}`), { qpus }, n, buf.subarray(src, src + m * n), buf.subarray(dst, dst + n));
          t.deepEqual(r.hazards, []);
          t.deepEqual(Array.from(buf), Array.from(want), `${name} n = ${n}, ${qpus} QPU(s), src ${src}, dst ${dst}`);
          rt.free(buf);
        }
      }
    }
  });
});

test('vc4: with the arrays overlapping the ranges\' guard keeps the plain loop (no load meets a running DMA)', async (t) => {
  // One QPU, dst 64 m words into src: a main-loop pass (4 copies, 64 iterations) writes dst[0 … 63], the words
  // src[64 m …] that the next pass loads; batched, that DMA would still run when those loads go out (the hazard
  // checker, in error mode, reports it). Which value a lane reads there is unspecified (another lane's store), so
  // only the hazards are checked.
  await withRt(async (rt) => {
    for (const name of ['pairs', 'quads'] as const) {
      const m = name === 'pairs' ? 2 : 4;
      const n = 256;
      const buf = rt.alloc(Uint32Array, m * n + 16);
      buf.fill(5);
      const r = await rt.launch(get(`ScaledBatch.${name}`), { qpus: 1 }, n, buf.subarray(0, m * n), buf.subarray(64 * m, 64 * m + n));
      t.deepEqual(r.hazards, [], name);
      rt.free(buf);
    }
  });
});
