import test from 'ava';
import { readFileSync } from 'node:fs';
import { loadKernels } from '../../../compiler/frontend/index.ts';
import { prepareForBackend } from '../../../compiler/passes/pipeline.ts';
import { verifyFunction } from '../../../compiler/ir/verify.ts';
import { printFunction } from '../../../compiler/ir/print.ts';
import { parseFunction } from '../../../compiler/ir/parse.ts';
import { runKernel } from '../../helpers/kernels.ts';

function saxpyExpected(n: number, a: number, x: Float32Array, y: Float32Array): Float32Array {
  const out = Float32Array.from(y);
  for (let i = 0; i < n; i++) out[i] = Math.fround(Math.fround(a * x[i]!) + y[i]!);
  return out;
}

function inputs(len: number) {
  const x = new Float32Array(len).map((_, i) => Math.fround(i * 0.37 - 3));
  const y = new Float32Array(len).map((_, i) => Math.fround(100 - i * 1.5));
  return { x, y };
}

const saxpy = () => {
  const m = loadKernels(new URL('../../../kernels/saxpy.ts', import.meta.url).pathname);
  const fn = m.kernels.get('Blas.saxpy');
  if (!fn || m.diagnostics.length > 0) throw new Error('saxpy did not compile');
  return fn;
};

for (const [qpus, len, n] of [[1, 100, 100], [8, 1000, 1000], [1, 16, 16], [8, 300, 257], [3, 10, 0]] as const) {
  test(`saxpy before and after lowering: ${qpus} QPUs, n=${n}`, (t) => {
    const pre = saxpy();
    const text = printFunction(pre);
    const post = prepareForBackend(parseFunction(text));
    t.deepEqual(verifyFunction(post, { lowered: true }), []);
    for (const fn of [pre, post]) {
      const { x, y } = inputs(len);
      const want = saxpyExpected(n, 2.5, x, y);
      runKernel(fn, [n, 2.5, x, y], qpus);
      t.deepEqual(y, want);
    }
  });
}

test('saxpy source file compiles without diagnostics', (t) => {
  const m = loadKernels(new URL('../../../kernels/saxpy.ts', import.meta.url).pathname);
  t.deepEqual(m.diagnostics, []);
  t.true(readFileSync(new URL('../../../kernels/saxpy.ts', import.meta.url), 'utf8').includes('@kernel'));
});
