/**
 * SPMD lowering's guards and join masks (compiler/passes/spmd.ts): blocks under one mask share one guard, and the two
 * sides of an `if` join under the mask before it. Each kernel also runs in the reference interpreter, lowered, against
 * plain JS.
 */
import test from 'ava';
import { loadKernels } from '../../../compiler/frontend/index.ts';
import { lowerSpmd } from '../../../compiler/passes/spmd.ts';
import { maskOperand } from '../../../compiler/ir/ops.ts';
import { verifyFunction } from '../../../compiler/ir/verify.ts';
import type { IrFunction } from '../../../compiler/ir/types.ts';
import { runKernel } from '../../helpers/kernels.ts';

const m = loadKernels(new URL('../../fixtures/spmd-guards.ts', import.meta.url).pathname);

function lowered(name: string): IrFunction {
  const fn = m.kernels.get(name);
  if (!fn) throw new Error(`no kernel ${name}: ${JSON.stringify(m.diagnostics)}`);
  return lowerSpmd(fn);
}

const count = (fn: IrFunction, op: string) => fn.blocks.reduce((k, b) => k + b.instrs.filter((i) => i.op === op).length, 0);

test("a uniform loop holding a lane-dependent if: the blocks of its body share one guard, with the if's guard nested in it", (t) => {
  const fn = lowered('Guards.tiles');
  t.deepEqual(verifyFunction(fn), []);
  // One guard around the loop body (its loads, one block per unrolled step, and the store after the if), the if's
  // guard nested in it. Each block under the body's mask had its own guard before (eight \`any\`s in all).
  t.is(count(fn, 'any'), 3); // the body's guard (the if's guard nested in it), the if's, and the loop's continue test
  const n = 5;
  const x = Uint32Array.from({ length: 16 * (n + 3) }, (_, i) => (i * 2654435761) >>> 20);
  const y = new Uint32Array(16 * n);
  const flags = new Uint32Array(16 * n).fill(7);
  runKernel(fn, [n, x, y, flags], 1);
  for (let tile = 0; tile < n; tile++) {
    for (let l = 0; l < 16; l++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s = (s + (x[16 * (tile + k) + l] as number)) >>> 0;
      t.is(y[16 * tile + l], s, `y tile ${tile} lane ${l}`);
      t.is(flags[16 * tile + l], l < 3 ? s : 7, `flags tile ${tile} lane ${l}`);
    }
  }
});

test('after an if-else, the store runs under the mask before the if (every lane): no mask operand, no guard', (t) => {
  const fn = lowered('Guards.diamond');
  t.deepEqual(verifyFunction(fn), []);
  const stores = fn.blocks.flatMap((b) => b.instrs.filter((i) => i.op === 'store'));
  t.is(stores.length, 1);
  t.is(stores[0]!.args.length, maskOperand('store') ?? -1, 'the store has no mask operand');
  t.is(count(fn, 'or'), 0, 'no mask is built by or-ing the two sides');
  const x = Uint32Array.from({ length: 16 }, (_, i) => i * 3 + 1);
  const y = new Uint32Array(16);
  runKernel(fn, [x, y], 1);
  t.deepEqual([...y], [...x].map((v, l) => (l < 5 ? v * 2 : v + 1)));
});
