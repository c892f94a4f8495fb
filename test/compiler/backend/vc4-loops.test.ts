// Loop and lookup shapes of the VC4 backend (compiler/backend/vc4: isel.ts fused compares and bottom-tested loops,
// emit.ts conditional delay slots, isel-memory.ts TMU choice, accfwd.ts r5 forwarding) on the vc4 emulator with the
// hazard checker in error mode, against plain JavaScript.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { compileFile, type CompiledKernel } from '../../../compiler/compile.ts';
import { Runtime } from '../../../runtime/index.ts';

const FIXTURE = fileURLToPath(new URL('../../fixtures/vc4-loops.ts', import.meta.url));
const kernels = compileFile(FIXTURE, { target: 'vc4' }).kernels;
const kernelNamed = (name: string): CompiledKernel | undefined => kernels.find((k) => k.name === name);
const open = () => Runtime.open({ target: 'vc4', backend: 'emulator', log: () => undefined, emulator: { hazards: 'error' } });

/** The five trip counts of Vc4Loops.counts, in plain JavaScript (i32 and u32 arithmetic as the kernel's). */
function counts(lo: number, hi: number, ulo: number, uhi: number): number[] {
  let a = 0;
  for (let i = lo; i < hi; i++) a++;
  let b = 0;
  for (let i = lo; i <= hi; i += 3) b++;
  let c = 0;
  for (let u = ulo; u < uhi; u++) c++;
  let d = 0;
  for (let v = uhi; v !== ulo; v = (v - 1) >>> 0) d += 2;
  let e = 0;
  let w = hi;
  do {
    w -= 2;
    e++;
  } while (w >= lo);
  return [a, b, c, d, e];
}

test('vc4: loops on signed, unsigned, equality and do-while tests run their trip counts; loops are bottom-tested', async (t) => {
  const k = kernelNamed('Vc4Loops.counts');
  if (!k) return t.fail('no kernel');
  const text = k.listing.map((l) => l.text);
  // The compares set the flags the branches test (no 0/1 value), and some loop closes with a conditional branch back.
  t.true(text.some((l) => /^brr\.(any|all)n?c -, -\d+/.test(l.replace(/^\S+: /, ''))), text.join('\n'));
  const rt = await open();
  try {
    const out = rt.alloc(Int32Array, 5 * 16);
    // Signed bounds across zero, unsigned ones across 2^31 (a signed test would run no iteration), empty ranges.
    for (const [lo, hi, ulo, uhi] of [[-3, 4, 2147483645, 2147483652], [5, 5, 7, 7], [-20, -11, 0, 3], [9, 2, 4294967290, 4294967295]] as const) {
      const r = await rt.launch(k, { qpus: 1 }, lo, hi, ulo, uhi, out);
      t.deepEqual(r.hazards, []);
      const want = counts(lo, hi, ulo, uhi);
      for (let l = 0; l < 16; l++) t.deepEqual([...out.subarray(5 * l, 5 * l + 5)], want, `lane ${l}, ${lo} ${hi} ${ulo} ${uhi}`);
    }
  } finally {
    rt.close();
  }
});

test('vc4: streams go to TMU1 and gathers to TMU0 (tmu_noswap set); results on 12 QPUs equal plain JS', async (t) => {
  const k = kernelNamed('Vc4Loops.mix');
  if (!k) return t.fail('no kernel');
  const text = k.listing.map((l) => l.text).join('\n');
  t.regex(text, /t1s/);
  t.regex(text, /t0s/);
  t.regex(text, /tmurs/);
  const rt = await open();
  try {
    const n = 16 * 12 * 5 + 7;
    const x = rt.alloc(Float32Array, n), idx = rt.alloc(Uint32Array, n), tab = rt.alloc(Float32Array, 64), out = rt.alloc(Float32Array, n);
    for (let i = 0; i < n; i++) (x[i] = (i % 9) - 4), (idx[i] = (i * 37) % 64);
    for (let j = 0; j < 64; j++) tab[j] = j / 8 - 3;
    const r = await rt.launch(k, { qpus: 12 }, n, x, idx, tab, out);
    t.deepEqual(r.hazards, []);
    // Multiples of 1/8 below 32 in magnitude: every product and sum is exact, whatever the rounding.
    for (let i = 0; i < n; i++) {
      const kk = idx[i] as number;
      t.is(out[i], (x[i] as number) * (tab[kk] as number) + (tab[(kk + 5) % 64] as number), `element ${i}`);
    }
  } finally {
    rt.close();
  }
});

test('vc4: a broadcast read by two multiplies is read from r5 by both; results equal plain JS', async (t) => {
  const k = kernelNamed('Vc4Loops.bcast2');
  if (!k) return t.fail('no kernel');
  const text = k.listing.map((l) => l.text);
  // Every multiply reads its broadcast from r5 (no copy of r5 to a register file).
  t.is(text.filter((l) => /fmul \w+, r5, \w+|fmul \w+, \w+, r5/.test(l)).length, 8, text.join('\n'));
  t.false(text.some((l) => /mov r[ab]\d+, r5/.test(l)), text.join('\n'));
  const rt = await open();
  try {
    const x = rt.alloc(Float32Array, 16), y = rt.alloc(Float32Array, 16), z = rt.alloc(Float32Array, 16), out = rt.alloc(Float32Array, 32);
    for (let l = 0; l < 16; l++) (x[l] = l / 4 - 2), (y[l] = (l % 5) - 2.5), (z[l] = l / 2 + 0.25);
    const r = await rt.launch(k, { qpus: 1 }, x, y, z, out);
    t.deepEqual(r.hazards, []);
    const sx = (x[0] as number) + (x[5] as number) + (x[10] as number) + (x[15] as number);
    for (let l = 0; l < 16; l++) {
      t.is(out[l], sx * (y[l] as number), `s0 lane ${l}`);
      t.is(out[16 + l], sx * (z[l] as number), `s1 lane ${l}`);
    }
  } finally {
    rt.close();
  }
});
