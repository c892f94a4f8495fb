/**
 * SPMD lowering's guards and join masks (compiler/passes/spmd.ts): blocks under one mask share one guard, and the two
 * sides of an `if` join under the mask before it. Each kernel also runs in the reference interpreter, lowered, against
 * plain JS.
 */
import test, { type ExecutionContext } from 'ava';
import { loadKernels } from '../../../compiler/frontend/index.ts';
import { lowerSpmd } from '../../../compiler/passes/spmd.ts';
import { maskOperand } from '../../../compiler/ir/ops.ts';
import { verifyFunction } from '../../../compiler/ir/verify.ts';
import type { IrFunction } from '../../../compiler/ir/types.ts';
import { runKernel } from '../../helpers/kernels.ts';
import { Runtime } from '../../../runtime/index.ts';
import { compileFile } from '../../../compiler/compile.ts';
import { Guards } from '../../fixtures/spmd-guards.ts';

const FIXTURE = new URL('../../fixtures/spmd-guards.ts', import.meta.url).pathname;
const m = loadKernels(FIXTURE);

function lowered(name: string, unguardedStores = false): IrFunction {
  const fn = m.kernels.get(name);
  if (!fn) throw new Error(`no kernel ${name}: ${JSON.stringify(m.diagnostics)}`);
  return lowerSpmd(structuredClone(fn), unguardedStores);
}

const count = (fn: IrFunction, op: string) => fn.blocks.reduce((k, b) => k + b.instrs.filter((i) => i.op === op).length, 0);

/** Guards.tiles, lowered, in the interpreter against plain JS: y and the flags of lanes below 3. */
function checkTiles(t: ExecutionContext, fn: IrFunction): void {
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
}

test("a uniform loop holding a lane-dependent if: the blocks of its body share one guard, with the if's guard nested in it", (t) => {
  const fn = lowered('Guards.tiles');
  t.deepEqual(verifyFunction(fn), []);
  // One guard around the loop body (its loads, one block per unrolled step, and the store after the if), the if's
  // guard nested in it. Each block under the body's mask had its own guard before (eight \`any\`s in all).
  t.is(count(fn, 'any'), 3); // the body's guard (the if's guard nested in it), the if's, and the loop's continue test
  checkTiles(t, fn);
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

test('where stores are masked per lane (V3D), an if on a lane pattern around a small store-only block is its masked store, and nothing is lowered', (t) => {
  // Guards.tiles's \`if (lane < 3) flags[…] = s\`: folded into the loop body, its store masked by lane < 3. No other branch
  // varies, so the loop keeps its shape: no mask, no guard, no \`any\` (lowered, the body was a guarded span whose join
  // carried every loop-carried value, and the loop tested its condition twice per pass).
  const fn = lowered('Guards.tiles', true);
  t.deepEqual(verifyFunction(fn), []);
  t.is(count(fn, 'any'), 0);
  const masked = fn.blocks.flatMap((b) => b.instrs.filter((i) => i.op === 'store' && i.args.length > (maskOperand('store') ?? 0)));
  t.is(count(fn, 'store'), 2);
  t.is(masked.length, 1, 'only the flags store carries a mask (lane < 3)');
  checkTiles(t, fn);
});

test('where stores are masked per lane, an if on loaded data is lowered as before (its loop masked and guarded)', (t) => {
  const fn = lowered('Guards.sparse', true);
  t.deepEqual(verifyFunction(fn), []);
  t.true(count(fn, 'any') >= 1, 'the loop runs while any lane is in it');
  const n = 4;
  const x = Uint32Array.from({ length: 16 * n }, (_, i) => (i * 2654435761) >>> 24);
  const y = new Uint32Array(16 * n).fill(7);
  runKernel(fn, [n, 100, x, y], 1);
  t.deepEqual([...y], [...x].map((v) => (v > 100 ? v : 7)));
});

for (const target of ['vc6', 'vc7'] as const) {
  test(`${target}: the folded lane-pattern store writes only its lanes`, async (t) => {
    const rt = await Runtime.open({ backend: 'emulator', target, log: () => {} });
    try {
      const n = 5;
      const x = rt.alloc(Uint32Array, 16 * (n + 3));
      for (let i = 0; i < x.length; i++) x[i] = (i * 2654435761) >>> 20;
      const y = rt.alloc(Uint32Array, 16 * n);
      const flags = rt.alloc(Uint32Array, 16 * n);
      flags.fill(7);
      await rt.launch(Guards.tiles, { qpus: 1 }, n, x, y, flags);
      const sum = (tile: number, l: number) => [0, 1, 2, 3].reduce((s, k) => (s + (x[16 * (tile + k) + l] as number)) >>> 0, 0);
      t.deepEqual([...y], Array.from({ length: 16 * n }, (_, i) => sum(Math.floor(i / 16), i % 16)));
      t.deepEqual([...flags], Array.from({ length: 16 * n }, (_, i) => (i % 16 < 3 ? sum(Math.floor(i / 16), i % 16) : 7)));
    } finally {
      rt.close();
    }
  });
}

for (const target of ['vc6', 'vc7'] as const) {
  test(`${target}: a masked store tests its compare's own flags: no 0/1 made and tested again`, (t) => {
    const r = compileFile(FIXTURE, { target });
    const k = r.kernels.find((x) => x.name === 'Guards.sparse');
    if (!k) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
    const text = k.listing.map((l) => l.text.replace(/\/\/.*$/, ''));
    // Each conditional TMU write's flags come straight from the compare (`sub.pushc floor, v`); a materialised mask
    // would be a 0/1 made by conditional moves and tested again by a zero test (`or.pushz m, m`) before the write.
    const pushers: string[] = [];
    text.forEach((l, i) => {
      if (!/(mov|or)\.if\w* tmua/.test(l)) return;
      let j = i - 1;
      while (j >= 0 && !/\.push/.test(text[j] as string)) j--;
      pushers.push((text[j] as string).trim());
    });
    t.true(pushers.length >= 1, 'the stores are conditional TMU writes');
    t.deepEqual(pushers.filter((l) => !/sub\.pushc/.test(l)), []);
  });

  test(`${target}: an unguarded masked store writes only its lanes, and nothing in a tile where no lane stores`, async (t) => {
    const rt = await Runtime.open({ backend: 'emulator', target, log: () => {} });
    try {
      const n = 6;
      const x = rt.alloc(Uint32Array, 16 * n);
      // Tiles 1 and 4 have no word above the floor (no lane active at the store); the others some.
      for (let i = 0; i < x.length; i++) x[i] = Math.floor(i / 16) % 3 === 1 ? i % 50 : (i * 2654435761) >>> 24;
      const y = rt.alloc(Uint32Array, 16 * n);
      y.fill(0xdeadbeef);
      await rt.launch(Guards.sparse, { qpus: 1 }, n, 100, x, y);
      t.deepEqual([...y], [...x].map((v) => (v > 100 ? v : 0xdeadbeef)));
    } finally {
      rt.close();
    }
  });
}

for (const target of ['vc6', 'vc7'] as const) {
  test(`${target}: a uniform wait loop after a lane-dependent if tests its all() in the branch, with no lane reduction`, async (t) => {
    // Its `if` on a lane pattern is a masked store (no lowering; lowered, the wait loop got a mask and its condition an
    // any(), which loop shaping and folding took off again), so the branch itself tests all lanes.
    const r = compileFile(FIXTURE, { target });
    const k = r.kernels.find((x) => x.name === 'Guards.wait');
    if (!k) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
    const text = k.listing.map((l) => l.text.replace(/\/\/.*$/, ''));
    t.deepEqual(text.filter((l) => /\brot(ate)?\b|shuffle/.test(l)), [], 'no rotation reduces the condition');
    const rt = await Runtime.open({ backend: 'emulator', target, log: () => {} });
    try {
      const n = 5;
      const x = rt.alloc(Uint32Array, 16 * 8);
      x.fill(1);
      x[3] = 0;
      x[16 + 15] = 0;
      x[32 + 7] = 0;
      const y = rt.alloc(Uint32Array, 32);
      y.fill(9);
      await rt.launch(Guards.wait, { qpus: 1 }, n, x, y);
      t.deepEqual([...y], [...Array<number>(16).fill(3), ...Array<number>(n).fill(0), ...Array<number>(16 - n).fill(9)]);
    } finally {
      rt.close();
    }
  });
}
