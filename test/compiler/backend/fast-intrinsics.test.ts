// qpu.fast.* must reach the special function unit directly; Math.* keeps the accurate sequences.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../../../compiler/compile.ts';

const file = fileURLToPath(new URL('../../fixtures/e2e/math.ts', import.meta.url));

for (const target of ['vc6', 'vc7'] as const) {
  test(`${target}: qpu.fast.sin/exp2 use the SFU ops, Math.sin does not`, (t) => {
    const kernels = compileFile(file, { target, only: ['MathOps.fastSin', 'MathOps.fastExp2', 'MathOps.sin'] }).kernels;
    const text = (name: string) => kernels.find((k) => k.name === name)?.listing.map((l) => l.text).join('\n') ?? '';
    t.regex(text('MathOps.fastSin'), /^sin /m);
    t.regex(text('MathOps.fastExp2'), /^exp /m);
    t.notRegex(text('MathOps.sin'), /^sin /m);
  });
}
