import test from 'ava';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../../../compiler/compile.ts';
import type { CompiledKernel } from '../../../compiler/backend/index.ts';
import { differential } from '../../helpers/differential.ts';

// Address rebasing (compiler/passes/rebase.ts), i32 <-> u32 conversions without a mov, f32 min/max without the
// NaN test of an operand that cannot be NaN and bottom-tested loops (compiler/backend/v3d): results against the
// reference interpreter, and the listing for the instructions that should be gone.

const FIXTURE = fileURLToPath(new URL('../../fixtures/addressing.ts', import.meta.url));

function compiled(target: 'vc6' | 'vc7', name: string): CompiledKernel {
  const r = compileFile(FIXTURE, { target });
  const k = r.kernels.find((x) => x.name === name);
  if (!k) throw new Error(`${name}: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return k;
}

/** Listing lines whose ALU halves use op `name`. */
const uses = (k: CompiledKernel, name: string): number => k.listing.filter((l) => l.text.split(';').slice(0, 2).some((h) => h.trim().split(/[\s.]/)[0] === name)).length;

for (const target of ['vc6', 'vc7'] as const) {
  test(`${target}: siblings at constant distances share a base address; results agree with the reference`, async (t) => {
    const k = compiled(target, 'Addr.siblings');
    for (const seed of [1, 2]) {
      const res = await differential(k, target, { qpus: 2, n: 300 }, seed);
      t.deepEqual(res.mismatches, []);
    }
  });

  test(`${target}: a clamp to [0, f32(n)] tests only the data for NaN; NaN, infinities and -0 agree with the reference`, async (t) => {
    const k = compiled(target, 'Addr.clamp');
    // One NaN test per min/max: the data operand of max, the max's result in min (0 and f32(n) are never NaN).
    t.is(uses(k, 'fcmp'), 2, k.listing.map((l) => l.text).join('\n'));
    for (const seed of [1, 2, 3]) {
      const res = await differential(k, target, { qpus: 2, n: 150 }, seed);
      t.deepEqual(res.mismatches, []);
    }
  });

  test(`${target}: a loop-invariant index part leaves the loop; the loop is bottom-tested; results agree with the reference`, async (t) => {
    const k = compiled(target, 'Addr.column');
    // Some loop closes with a conditional branch back (the header's test repeated at the back edge).
    t.true(k.listing.some((l) => /^b\.(any|all)n?a\s+-\d+/.test(l.text.replace(/^\S+:\s*/, ''))), k.listing.map((l) => l.text).join('\n'));
    for (const seed of [1, 2]) {
      const res = await differential(k, target, { qpus: 2, n: 40, scalars: { w: 7 } }, seed);
      t.deepEqual(res.mismatches, []);
    }
  });
}

for (const target of ['vc6', 'vc7'] as const) {
  test(`${target}: loop-carried values trading places through i32 <-> u32 conversions keep their values (found by the differential fuzzer)`, async (t) => {
    const k = compiled(target, 'Addr.trade');
    for (const n of [0, 1, 2, 5]) {
      const res = await differential(k, target, { qpus: 1, n }, 1);
      t.deepEqual(res.mismatches, [], `n = ${n}`);
    }
  });
}
