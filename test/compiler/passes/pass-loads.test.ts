// The target's passLoadsFirst (VC4): loop shaping tags a main-loop pass's loads and memorder puts them, with their
// address arithmetic, ahead of the pass's other work, in passes without stores or compute-bound ones; a pass of one
// load and one batched store per copy gets each copy's address before the previous copy's load. Results stay those of the
// frontend's IR, checked by the IR interpreter against plain JS.
import test from 'ava';
import { loadKernels } from '../../../compiler/frontend/index.ts';
import { prepareForBackend, prepareOptionsFor } from '../../../compiler/passes/pipeline.ts';
import { printFunction } from '../../../compiler/ir/print.ts';
import { parseFunction } from '../../../compiler/ir/parse.ts';
import { TARGETS } from '../../../compiler/target/targets.ts';
import { verifyFunction } from '../../../compiler/ir/verify.ts';
import type { Block, IrFunction } from '../../../compiler/ir/types.ts';
import { runKernel } from '../../helpers/kernels.ts';

const mod = loadKernels(new URL('../../fixtures/pass-loads.ts', import.meta.url).pathname);
const prepared = (name: string, options: Parameters<typeof prepareForBackend>[1]): IrFunction =>
  prepareForBackend(parseFunction(printFunction(mod.kernels.get(`PassLoads.${name}`)!)), options);
/** The main loop's pass: the block with the most loads. */
const pass = (fn: IrFunction): Block => fn.blocks.reduce((a, b) => (b.instrs.filter((i) => i.op === 'load').length > a.instrs.filter((i) => i.op === 'load').length ? b : a));
const ops = (b: Block) => b.instrs.map((i) => i.op);

test('vc4: every load of a store-free pass comes before its first addition; without the option they alternate', (t) => {
  t.deepEqual(mod.diagnostics, []);
  const b = pass(prepared('sum', prepareOptionsFor(TARGETS.vc4)));
  const o = ops(b);
  t.is(o.filter((x) => x === 'load').length, 4);
  t.true(o.lastIndexOf('load') < o.indexOf('fadd'), o.join(' '));
  t.true(b.instrs.filter((i) => i.op === 'load').every((i) => i.attrs?.['pass'] === 1));
  const plain = ops(pass(prepared('sum', { ...prepareOptionsFor(TARGETS.vc4), passLoadsFirst: false })));
  t.true(plain.lastIndexOf('load') > plain.indexOf('fadd'), plain.join(' '));
});

test('vc6 and vc7 passes are not tagged or reordered', (t) => {
  for (const target of ['vc6', 'vc7'] as const) {
    const fn = prepared('sum', prepareOptionsFor(TARGETS[target]));
    t.false(fn.blocks.some((b) => b.instrs.some((i) => i.attrs?.['pass'] !== undefined)), target);
  }
});

test('vc4: a pass whose copies each load one word and store one batched row gets copy j + 1\'s address before copy j\'s load', (t) => {
  const b = pass(prepared('scale', prepareOptionsFor(TARGETS.vc4)));
  const o = b.instrs;
  const loads = o.flatMap((i, k) => (i.op === 'load' ? [k] : []));
  t.is(loads.length, 4);
  t.is(o.filter((i) => i.op === 'store' && i.attrs?.['batch'] !== undefined).length, 4);
  // The address of each load after the first is computed before the load before it (one run per load, the batched
  // stores no barrier): two lookups in flight in the backend.
  const defAt = (v: unknown) => o.findIndex((i) => i.result === v);
  for (let j = 1; j < 4; j++) t.true(defAt(o[loads[j] as number]!.args[0]) < (loads[j - 1] as number), ops(b).join(' '));
  // Without the option the address of copy j + 1 comes after copy j's store.
  const plain = pass(prepared('scale', { ...prepareOptionsFor(TARGETS.vc4), passLoadsFirst: false }));
  const pl = plain.instrs.flatMap((i, k) => (i.op === 'load' ? [k] : []));
  t.true(plain.instrs.findIndex((i) => i.result === plain.instrs[pl[1] as number]!.args[0]) > (pl[0] as number));
});

test('vc4: a pass with stores keeps its order (its DMAs must not go out later)', (t) => {
  const first = ops(pass(prepared('axpy', prepareOptionsFor(TARGETS.vc4))));
  const plain = ops(pass(prepared('axpy', { ...prepareOptionsFor(TARGETS.vc4), passLoadsFirst: false })));
  t.true(first.includes('store'));
  t.deepEqual(first, plain);
});

test('vc4: a compute-bound pass with stores (a scan: rotations per vector) puts its loads first all the same', (t) => {
  const fn = prepared('scan', prepareOptionsFor(TARGETS.vc4));
  const o = ops(pass(fn));
  t.is(o.filter((x) => x === 'load').length, 4, o.join(' '));
  t.true(o.includes('store'));
  t.true(o.lastIndexOf('load') < o.indexOf('rotate'), o.join(' '));
  const n = 160;
  const x = Uint32Array.from({ length: n }, (_, i) => (i * 2654435761) >>> 22);
  const y = new Uint32Array(n);
  runKernel(fn, [n, x, y], 1);
  let s = 0;
  t.deepEqual([...y], [...x].map((v) => (s = (s + v) >>> 0)));
});

test('vc4: the reordered kernels compute what plain JS does (f32 sums in each lane\'s index order)', (t) => {
  const n = 1000;
  const x = Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i) * 1000));
  const lanes = 16;
  const qpus = 2;
  const g = lanes * qpus;
  const sum = prepared('sum', prepareOptionsFor(TARGETS.vc4));
  const out = new Float32Array(qpus);
  runKernel(sum, [n, x, out], qpus);
  for (let q = 0; q < qpus; q++) {
    let want = 0;
    for (let l = 0; l < lanes; l++) {
      let s = 0;
      for (let i = q * lanes + l; i < n; i += g) s = Math.fround(s + (x[i] as number));
      want = Math.fround(want + s);
    }
    t.is(out[q], want, `qpu ${q}`);
  }
  const axpy = prepared('axpy', prepareOptionsFor(TARGETS.vc4));
  const y = Float32Array.from({ length: n }, (_, i) => i * 0.25);
  const want = Float32Array.from(y, (v, i) => Math.fround(Math.fround(0.5 * (x[i] as number)) + v));
  runKernel(axpy, [n, 0.5, x, y], qpus);
  t.deepEqual(Array.from(y), Array.from(want));
});

const runs = loadKernels(new URL('../../fixtures/pass-loads.ts', import.meta.url).pathname);
const preparedRun = (name: string, options: Parameters<typeof prepareForBackend>[1]): IrFunction =>
  prepareForBackend(parseFunction(printFunction(runs.kernels.get(`RunLoads.${name}`)!)), options);

test('vc4: a run of loads gets its addresses computed before its first load; vc6 keeps the order', (t) => {
  const first = pass(preparedRun('four', prepareOptionsFor(TARGETS.vc4)));
  const o = ops(first);
  const loads = o.map((x, k) => (x === 'load' ? k : -1)).filter((k) => k >= 0);
  t.is(loads.length, 4);
  t.deepEqual(loads, [loads[0]!, loads[0]! + 1, loads[0]! + 2, loads[0]! + 3], o.join(' '));
  const v6 = ops(pass(preparedRun('four', prepareOptionsFor(TARGETS.vc6))));
  const l6 = v6.map((x, k) => (x === 'load' ? k : -1)).filter((k) => k >= 0);
  t.true(l6.some((k, n) => n > 0 && k !== (l6[n - 1] as number) + 1), v6.join(' '));
});

test('vc4: an address computed from a loaded value stays below that load, and the results are plain JS\'s', (t) => {
  const fn = preparedRun('chained', prepareOptionsFor(TARGETS.vc4));
  t.deepEqual(verifyFunction(fn, { lowered: true }), []);
  const n = 300;
  const idx = Uint32Array.from({ length: n }, (_, i) => (i * 7) % (n - 1));
  const src = Uint32Array.from({ length: n }, (_, i) => i * 1000 + 3);
  const dst = new Uint32Array(n);
  runKernel(fn, [n, idx, src, dst], 2);
  t.deepEqual(Array.from(dst), Array.from(idx, (j) => ((src[j] as number) + (src[j + 1] as number)) >>> 0));
  const four = preparedRun('four', prepareOptionsFor(TARGETS.vc4));
  const m = 5;
  const s = Uint32Array.from({ length: 64 * m }, (_, i) => i * 3 + 1);
  const d = new Uint32Array(16 * m);
  runKernel(four, [m, s, d], 2);
  t.deepEqual(Array.from(d), Array.from({ length: 16 * m }, (_, x) => {
    const k = x >> 4, l = x & 15, at = k * 64 + l;
    return ((s[at] as number) + 2 * (s[at + 16] as number) + 3 * (s[at + 32] as number) + 4 * (s[at + 48] as number)) >>> 0;
  }));
});
