/**
 * A device function's loop bounded by one of its parameters unrolls when the call gives that parameter a constant
 * (compiler/frontend/arrays.ts, countedLoop): its private-array indices become constants, so the array lives in
 * registers with no compare-and-select chains, as with a literal bound; a bound known only at run time keeps the
 * loop. Results against plain JS in the reference interpreter.
 */
import test from 'ava';
import { compileSource, runKernel } from '../../helpers/kernels.ts';
import type { IrFunction } from '../../../compiler/ir/types.ts';

const SOURCE = `
import { device, kernel, qpu, type u32, type Ptr } from 'qpuc';
const WIDE = 3;
export class K {
  /** out[lane] = x[lane] · 1 + x[16 + lane] · 2 + … over the first n of 4 vectors, through a private array. */
  @device
  static weighted(x: Ptr<u32>, n: u32): u32 {
    const lane = qpu.laneId();
    const v = new Uint32Array(4);
    for (let b: u32 = 0; b < n; b++) v[b] = x[16 * b + lane] * (b + 1);
    let s: u32 = 0;
    for (let b: u32 = 0; b < n; b++) s += v[b];
    return s;
  }
  @kernel static named(x: Ptr<u32>, out: Ptr<u32>): void { out[qpu.laneId()] = K.weighted(x, WIDE); }
  @kernel static literal(x: Ptr<u32>, out: Ptr<u32>): void { out[qpu.laneId()] = K.weighted(x, 2); }
  @kernel static runtime(x: Ptr<u32>, out: Ptr<u32>, n: u32): void { out[qpu.laneId()] = K.weighted(x, n); }
}
`;

const m = compileSource(SOURCE, '/virtual/constant-params.ts');
const kernel = (name: string): IrFunction => m.kernels.get(`K.${name}`)!;
const selects = (fn: IrFunction) => fn.blocks.reduce((k, b) => k + b.instrs.filter((i) => i.op === 'select').length, 0);
const x = Uint32Array.from({ length: 64 }, (_, i) => (i * 2654435761) >>> 12);
const weighted = (n: number) => Array.from({ length: 16 }, (_, l) => Array.from({ length: n }, (_, b) => (x[16 * b + l] as number) * (b + 1)).reduce((a, c) => (a + c) >>> 0, 0));

test('a loop bounded by a parameter the call gives a constant unrolls: no select chains, results as plain JS', (t) => {
  for (const [name, n] of [['named', 3], ['literal', 2]] as const) {
    const fn = kernel(name);
    t.is(selects(fn), 0, `${name}: constant indices`);
    const out = new Uint32Array(16);
    runKernel(fn, [x, out], 1);
    t.deepEqual([...out], weighted(n), name);
  }
  // A bound known only at run time keeps the loop, indexing the array through compare-and-select chains.
  const rt = kernel('runtime');
  t.true(selects(rt) > 0);
  const out = new Uint32Array(16);
  runKernel(rt, [x, out, 3], 1);
  t.deepEqual([...out], weighted(3));
});
