// The target's passLoadsFirst (VC4): loop shaping tags a main-loop pass's loads and memorder puts them, with their
// address arithmetic, ahead of the pass's other work, in passes without stores only. Results stay those of the
// frontend's IR, checked by the IR interpreter against plain JS.
import test from 'ava';
import { loadKernels } from '../../../compiler/frontend/index.ts';
import { prepareForBackend, prepareOptionsFor } from '../../../compiler/passes/pipeline.ts';
import { printFunction } from '../../../compiler/ir/print.ts';
import { parseFunction } from '../../../compiler/ir/parse.ts';
import { TARGETS } from '../../../compiler/target/targets.ts';
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

test('vc4: a pass with stores keeps its order (its DMAs must not go out later)', (t) => {
  const first = ops(pass(prepared('axpy', prepareOptionsFor(TARGETS.vc4))));
  const plain = ops(pass(prepared('axpy', { ...prepareOptionsFor(TARGETS.vc4), passLoadsFirst: false })));
  t.true(first.includes('store'));
  t.deepEqual(first, plain);
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
