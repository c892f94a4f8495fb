import test from 'ava';
import { loadKernels } from '../../../compiler/frontend/index.ts';
import { prepareForBackend } from '../../../compiler/passes/pipeline.ts';
import { printFunction } from '../../../compiler/ir/print.ts';
import { parseFunction } from '../../../compiler/ir/parse.ts';
import { verifyFunction } from '../../../compiler/ir/verify.ts';
import { runKernel } from '../../helpers/kernels.ts';

test('the 50-line benchmark kernel means the same before and after the pipeline, in every switch mode', (t) => {
  const m = loadKernels(new URL('../../../bench/fixtures/fifty.ts', import.meta.url).pathname);
  t.deepEqual(m.diagnostics, []);
  const pre = m.kernels.get('Bench.filter')!;
  const post = prepareForBackend(parseFunction(printFunction(pre)));
  t.deepEqual(verifyFunction(post, { lowered: true }), []);
  for (const mode of [0, 1, 2]) {
    const results = [pre, post].map((fn) => {
      const src = Float32Array.from({ length: 200 }, (_, i) => Math.fround(Math.sin(i * 0.37) * 1.3));
      const dst = new Float32Array(200);
      const hist = new Uint32Array(16);
      runKernel(fn, [200, 13, src, dst, hist, mode], 3);
      return [[...dst], [...hist]];
    });
    t.deepEqual(results[1], results[0], `mode ${mode}`);
  }
});
