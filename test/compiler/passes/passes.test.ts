/**
 * Each pass on hand-written IR, with the expected IR written by hand.
 */
import test from 'ava';
import { parseFunction } from '../../../compiler/ir/parse.ts';
import { printFunction } from '../../../compiler/ir/print.ts';
import { verifyFunction } from '../../../compiler/ir/verify.ts';
import type { IrFunction, Value } from '../../../compiler/ir/types.ts';
import { isPtr } from '../../../compiler/ir/types.ts';
import { foldConstants } from '../../../compiler/passes/fold.ts';
import { eliminateDeadCode } from '../../../compiler/passes/dce.ts';
import { numberValues } from '../../../compiler/passes/gvn.ts';
import { hoistInvariants } from '../../../compiler/passes/licm.ts';
import { propagateCopies } from '../../../compiler/passes/copyprop.ts';
import { reduceStrength, SHARED_POINTER_MIN } from '../../../compiler/passes/strength.ts';
import { classifyMemoryAccesses } from '../../../compiler/passes/memaccess.ts';
import { simplifyCfg } from '../../../compiler/passes/simplifycfg.ts';
import { reorderMemory } from '../../../compiler/passes/memorder.ts';
import { analyzeUniformity } from '../../../compiler/passes/uniformity.ts';
import { rebaseAddresses } from '../../../compiler/passes/rebase.ts';
import { ArrayMemory, interpretKernel } from '../../../compiler/ir/interpret.ts';

function check(t: import('ava').ExecutionContext, pass: (fn: IrFunction) => IrFunction, input: string, expected: string): void {
  const fn = pass(parseFunction(input));
  t.deepEqual(verifyFunction(fn), []);
  t.is(printFunction(fn), expected);
}

test('fold: constants fold with the documented semantics, condbr on a constant becomes br', (t) => {
  check(t, foldConstants, `func K.f(p %0: ptr<i32>) {
b0:
  %1: i32 = const 7
  %2: i32 = const 0
  %3: i32 = div %1, %2
  %4: i32 = const -2147483648
  %5: i32 = const -1
  %6: i32 = rem %4, %5
  %7: bool = cmp %3, %1 [pred=eq]
  condbr %7, b1, b2
b1:
  store %0, %6
  ret
b2:
  store %0, %3
  ret
}
`, `func K.f(p %0: ptr<i32>) {
b0:
  %1: i32 = const 7
  %2: i32 = const 0
  %3: i32 = const 7
  %4: i32 = const -2147483648
  %5: i32 = const -1
  %6: i32 = const 0
  %7: bool = const 1
  br b1
b1:
  store %0, %6
  ret
}
`);
});

test('fold: identities x+0, x*1, select of a constant', (t) => {
  check(t, foldConstants, `func K.f(p %0: ptr<u32>, x %1: u32, c %2: bool) {
b0:
  %3: u32 = const 0
  %4: u32 = const 1
  %5: u32 = add %1, %3
  %6: u32 = mul %4, %5
  %7: bool = const 1
  %8: u32 = select %7, %6, %3
  store %0, %8
  ret
}
`, `func K.f(p %0: ptr<u32>, x %1: u32, c %2: bool) {
b0:
  %3: u32 = const 0
  %4: u32 = const 1
  %5: u32 = add %1, %3
  %6: u32 = mul %4, %1
  %7: bool = const 1
  %8: u32 = select %7, %1, %3
  store %0, %1
  ret
}
`);
});

test('fold: any() of a uniform bool is that bool; condbr on a negation branches on what it negates, the arms swapped', (t) => {
  check(t, foldConstants, `func K.f(p %0: ptr<u32>, x %1: u32) {
b0:
  %2: u32 = const 0
  %3: bool = cmp %1, %2 [pred=ne]
  %4: bool = not %3
  %5: bool = any %4
  condbr %5, b1, b2
b1:
  store %0, %1
  ret
b2:
  ret
}
`, `func K.f(p %0: ptr<u32>, x %1: u32) {
b0:
  %2: u32 = const 0
  %3: bool = cmp %1, %2 [pred=ne]
  %4: bool = not %3
  %5: bool = any %4
  condbr %3, b2, b1
b2:
  ret
b1:
  store %0, %1
  ret
}
`);
  // Over a value that differs between lanes, any() stays.
  const varying = foldConstants(parseFunction(`func K.f(p %0: ptr<u32>) {
b0:
  %1: u32 varying = lane_id
  %2: u32 = const 3
  %3: bool varying = cmp %1, %2 [pred=lt]
  %4: bool = any %3
  condbr %4, b1, b2
b1:
  store %0, %2
  ret
b2:
  ret
}
`));
  t.is(varying.blocks[0]!.term.kind === 'condbr' ? varying.blocks[0]!.term.cond.id : -1, 4);
});

const MASKS = `func K.f(p %0: ptr<u32>, a %1: u32, b %2: u32, x %3: u32, y %4: u32) {
b0:
  %5: u32 = const 0
  %6: bool = cmp %1, %5 [pred=ne]
  %7: bool = cmp %2, %5 [pred=ne]
  %8: bool = not %7
  %9: bool = and %6, %7
  %10: bool = and %8, %6
  %11: bool = or %10, %9
  %12: bool = or %8, %7
  %13: bool = and %7, %8
  %14: u32 = select %8, %3, %4
  %15: u32 = select %11, %14, %5
  %16: u32 = select %12, %15, %5
  %17: u32 = select %13, %5, %16
  store %0, %17
  ret
}
`;

test('fold: lane-mask identities (m ∧ c) ∨ (m ∧ ¬c) = m, c ∨ ¬c = true, c ∧ ¬c = false, select(¬c, x, y) = select(c, y, x)', (t) => {
  check(t, foldConstants, MASKS, `func K.f(p %0: ptr<u32>, a %1: u32, b %2: u32, x %3: u32, y %4: u32) {
b0:
  %5: u32 = const 0
  %6: bool = cmp %1, %5 [pred=ne]
  %7: bool = cmp %2, %5 [pred=ne]
  %8: bool = not %7
  %9: bool = and %6, %7
  %10: bool = and %8, %6
  %11: bool = or %10, %9
  %12: bool = const 1
  %13: bool = const 0
  %14: u32 = select %7, %4, %3
  %15: u32 = select %6, %14, %5
  %16: u32 = select %12, %15, %5
  %17: u32 = select %13, %5, %15
  store %0, %15
  ret
}
`);
  // The same result before and after for every combination of the conditions (plain JS: a ≠ 0 ? (b ≠ 0 ? y : x) : 0).
  for (const [a, b] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) {
    for (const fn of [parseFunction(MASKS), foldConstants(parseFunction(MASKS))]) {
      const mem = new ArrayMemory(new ArrayBuffer(4));
      interpretKernel(fn, [{ address: 0 }, a, b, 10, 20], mem, { qpus: 1 });
      t.is(mem.view.getUint32(0, true), a ? (b ? 20 : 10) : 0, `a=${a} b=${b}`);
    }
  }
});

test('dce: removes unused pure instructions and dead loop-carried parameters, keeps stores', (t) => {
  check(t, eliminateDeadCode, `func K.f(p %0: ptr<u32>, n %1: u32) {
b0:
  %2: u32 = const 0
  %3: u32 = load %0
  br b1(%2, %2)
b1(%4: u32, %5: u32):
  %6: u32 = const 1
  %7: u32 = add %4, %6
  %8: u32 = add %5, %5
  %9: bool = cmp %7, %1 [pred=lt]
  condbr %9, b1(%7, %8), b2
b2:
  store %0, %7
  ret
}
`, `func K.f(p %0: ptr<u32>, n %1: u32) {
b0:
  %2: u32 = const 0
  br b1(%2)
b1(%4: u32):
  %6: u32 = const 1
  %7: u32 = add %4, %6
  %9: bool = cmp %7, %1 [pred=lt]
  condbr %9, b1(%7), b2
b2:
  store %0, %7
  ret
}
`);
});

test('gvn: equal expressions in dominating blocks merge (commutative operands too); loads only without a store between', (t) => {
  check(t, numberValues, `func K.f(p %0: ptr<u32>, a %1: u32, b %2: u32) {
b0:
  %3: u32 = add %1, %2
  %4: u32 = load %0
  store %0, %3
  %5: u32 = load %0
  %6: u32 = load %0
  br b1
b1:
  %7: u32 = add %2, %1
  %8: u32 = add %7, %5
  %9: u32 = add %8, %6
  %10: u32 = add %9, %4
  store %0, %10
  ret
}
`, `func K.f(p %0: ptr<u32>, a %1: u32, b %2: u32) {
b0:
  %3: u32 = add %1, %2
  %4: u32 = load %0
  store %0, %3
  %5: u32 = load %0
  br b1
b1:
  %8: u32 = add %3, %5
  %9: u32 = add %8, %5
  %10: u32 = add %9, %4
  store %0, %10
  ret
}
`);
});

test('licm: invariant arithmetic moves to the preheader; loads and loop-variant values stay', (t) => {
  check(t, hoistInvariants, `func K.f(p %0: ptr<u32>, n %1: u32) {
b0:
  %2: u32 = const 0
  br b1(%2)
b1(%3: u32):
  %4: u32 = const 3
  %5: u32 = mul %1, %4
  %6: u32 = load %0
  %7: u32 = add %3, %5
  %8: bool = cmp %7, %6 [pred=lt]
  condbr %8, b1(%7), b2
b2:
  ret
}
`, `func K.f(p %0: ptr<u32>, n %1: u32) {
b0:
  %2: u32 = const 0
  %4: u32 = const 3
  %5: u32 = mul %1, %4
  br b1(%2)
b1(%3: u32):
  %6: u32 = load %0
  %7: u32 = add %3, %5
  %8: bool = cmp %7, %6 [pred=lt]
  condbr %8, b1(%7), b2
b2:
  ret
}
`);
});

test('copyprop: a single-predecessor block takes its arguments directly', (t) => {
  check(t, propagateCopies, `func K.f(p %0: ptr<u32>, x %1: u32) {
b0:
  br b1(%1)
b1(%2: u32):
  store %0, %2
  ret
}
`, `func K.f(p %0: ptr<u32>, x %1: u32) {
b0:
  br b1
b1:
  store %0, %1
  ret
}
`);
});

test('strength: i32 division by 2^k rounds toward zero like div, for every sign', (t) => {
  for (const k of [1, 2, 5, 30]) {
    const src = `func K.f(p %0: ptr<i32>) {
b0:
  %1: u32 varying = lane_id
  %2: ptr<i32> varying = gep %0, %1
  %3: i32 varying = load %2
  %4: i32 = const ${2 ** k}
  %5: i32 varying = div %3, %4
  store %2, %5
  ret
}
`;
    const fn = reduceStrength(parseFunction(src));
    t.deepEqual(verifyFunction(fn), []);
    t.false(printFunction(fn).includes('div'));
    const xs = [0, 1, -1, 7, -7, 2 ** 30, -(2 ** 30), 2147483647, -2147483648, 12345, -12345, 3, -3, 2 ** k, -(2 ** k), -(2 ** k) - 1];
    const mem = new ArrayMemory(new ArrayBuffer(64));
    xs.forEach((x, i) => mem.view.setInt32(i * 4, x, true));
    interpretKernel(fn, [{ address: 0 }], mem, { qpus: 1 });
    xs.forEach((x, i) => t.is(mem.view.getInt32(i * 4, true), Math.trunc(x / 2 ** k) | 0, `${x} / ${2 ** k}`));
  }
});

test('memaccess: uniform, contiguous, strided and gather addresses', (t) => {
  const fn = classifyMemoryAccesses(analyzeUniformity(parseFunction(`func K.f(p %0: ptr<u16>, q %1: ptr<u32>) {
b0:
  %2: u32 varying = lane_id
  %3: u32 = const 5
  %4: ptr<u16> = gep %0, %3
  %5: u32 = load %4
  %6: ptr<u16> varying = gep %0, %2
  %7: u32 varying = load %6
  %8: u32 = const 2
  %9: u32 varying = shl %2, %8
  %10: ptr<u32> varying = gep %1, %9
  store %10, %7
  %11: ptr<u32> varying = gep %1, %7
  store %11, %5
  ret
}
`)));
  const access = fn.blocks[0]!.instrs.filter((i) => i.op === 'load' || i.op === 'store').map((i) => `${i.attrs?.['access']}${i.attrs?.['stride'] ? ` ${i.attrs['stride']}` : ''}`);
  t.deepEqual(access, ['uniform', 'contiguous', 'strided 16', 'gather']);
});

test('gvn keeps const -0 and const 0 apart (found by the differential test)', (t) => {
  const fn = numberValues(parseFunction(`func K.f(p %0: ptr<f32>) {
b0:
  %1: f32 = const 0
  %2: f32 = const -0
  %3: f32 = fdiv %1, %2
  store %0, %3
  ret
}
`));
  t.is(fn.blocks[0]!.instrs.length, 4);
});

test('simplifycfg: threads empty blocks, merges a block into its only predecessor, folds condbr with equal arms', (t) => {
  check(t, simplifyCfg, `func K.f(p %0: ptr<u32>, c %1: bool) {
b0:
  condbr %1, b1, b1
b1:
  br b2
b2:
  %2: u32 = const 1
  br b3(%2)
b3(%3: u32):
  store %0, %3
  condbr %1, b4, b5
b4:
  br b5
b5:
  ret
}
`, `func K.f(p %0: ptr<u32>, c %1: bool) {
b0:
  %2: u32 = const 1
  store %0, %2
  ret
}
`);
});

test('simplifycfg: jump threading turns the SPMD loop shape (guarded body, join, latch on the same condition) into one test per iteration, with the same results', (t) => {
  // What SPMD lowering makes of a loop with a uniform condition: b1 tests c, b2 is the body, b3 joins (a default
  // for the skipped body) and tests c again. On the edge from b2, c is true (b2 is b1's true arm); on b1's false
  // edge it is false: both bypass b3.
  const src = `func K.f(p %0: ptr<u32>, n %1: u32) {
b0:
  %2: u32 = const 0
  br b1(%2, %2)
b1(%3: u32, %4: u32):
  %5: bool = cmp %3, %1 [pred=lt]
  %6: u32 = const 0
  condbr %5, b2, b3(%6)
b2:
  %7: u32 = add %4, %3
  br b3(%7)
b3(%8: u32):
  %9: u32 = const 1
  %10: u32 = add %3, %9
  condbr %5, b1(%10, %8), b4
b4:
  store %0, %4
  ret
}
`;
  check(t, simplifyCfg, src, `func K.f(p %0: ptr<u32>, n %1: u32) {
b0:
  %2: u32 = const 0
  br b1(%2, %2)
b1(%3: u32, %4: u32):
  %5: bool = cmp %3, %1 [pred=lt]
  %6: u32 = const 0
  condbr %5, b2, b4
b2:
  %7: u32 = add %4, %3
  %11: u32 = const 1
  %12: u32 = add %3, %11
  br b1(%12, %7)
b4:
  store %0, %4
  ret
}
`);
  // Same stores as the original (the sum 0 + 1 + … + n − 1) for several n, by the reference interpreter.
  for (const n of [0, 1, 2, 7, 30]) {
    const run = (fn: IrFunction): number => {
      const mem = new ArrayMemory(new ArrayBuffer(4));
      interpretKernel(fn, [{ address: 0 }, n], mem, { qpus: 1 });
      return mem.view.getUint32(0, true);
    };
    t.is(run(simplifyCfg(parseFunction(src))), run(parseFunction(src)));
    t.is(run(simplifyCfg(parseFunction(src))), (n * Math.max(n - 1, 0)) / 2);
  }
});

test('simplifycfg: no jump threading where the joined value is used past the block or the condition is not known on the edge', (t) => {
  // [IR, the test that must stay]. First: b3's parameter %8 is stored in b4 (used outside b3), so bypassing b3
  // would leave that use without a definition. Second: the edge into b2 comes from a test of another value.
  const cases: [string, string][] = [
    [`func K.f(p %0: ptr<u32>, c %1: bool) {
b0:
  %2: u32 = const 5
  condbr %1, b1, b2
b1:
  br b3(%2)
b2:
  br b3(%2)
b3(%8: u32):
  condbr %1, b4, b5
b4:
  store %0, %8
  ret
b5:
  ret
}
`, 'condbr %1, b4, b5'],
    [`func K.f(p %0: ptr<u32>, c %1: bool, d %2: bool) {
b0:
  condbr %2, b1, b2
b1:
  %3: u32 = const 1
  store %0, %3
  br b2
b2:
  condbr %1, b3, b4
b3:
  %4: u32 = const 2
  store %0, %4
  ret
b4:
  ret
}
`, 'condbr %1, b3, b4'],
  ];
  for (const [src, kept] of cases) {
    const fn = simplifyCfg(parseFunction(src));
    t.deepEqual(verifyFunction(fn), []);
    t.true(printFunction(fn).includes(kept), printFunction(fn));
  }
});

test('strength: multiply, u32 divide/remainder by constants and i32 remainder by 2^k agree with plain JS', (t) => {
  const xsU = [0, 1, 2, 3, 6, 7, 99, 100, 101, 1000, 65535, 65536, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff, 123456789, 987654321, 3000000000];
  const run = (type: 'u32' | 'i32', op: string, d: number, xs: number[]): number[] => {
    const fn = reduceStrength(parseFunction(`func K.f(p %0: ptr<${type}>) {
b0:
  %1: u32 varying = lane_id
  %2: ptr<${type}> varying = gep %0, %1
  %3: ${type} varying = load %2
  %4: ${type} = const ${d}
  %5: ${type} varying = ${op} %3, %4
  store %2, %5
  ret
}
`));
    t.deepEqual(verifyFunction(fn), []);
    t.false(printFunction(fn).includes(` ${op} `), `${type} ${op} ${d} was not reduced`);
    const out: number[] = [];
    for (let base = 0; base < xs.length; base += 16) {
      const chunk = xs.slice(base, base + 16);
      const mem = new ArrayMemory(new ArrayBuffer(64));
      chunk.forEach((x, i) => mem.view.setUint32(i * 4, x >>> 0, true));
      interpretKernel(fn, [{ address: 0 }], mem, { qpus: 1 });
      chunk.forEach((_, i) => out.push(type === 'u32' ? mem.view.getUint32(i * 4, true) : mem.view.getInt32(i * 4, true)));
    }
    return out;
  };
  for (const d of [3, 5, 6, 7, 10, 11, 25, 100, 641, 1000, 65535, 65537, 0x7fffffff, 0x80000001, 0xfffffffe, 0xffffffff]) {
    t.deepEqual(run('u32', 'div', d, xsU), xsU.map((x) => Math.floor(x / d)), `u32 / ${d}`);
    t.deepEqual(run('u32', 'rem', d, xsU), xsU.map((x) => x % d), `u32 % ${d}`);
  }
  for (const d of [3, 5, 6, 10, 12, 31, 0x80000001, 0x7fffffff]) {
    t.deepEqual(run('u32', 'mul', d, xsU), xsU.map((x) => Math.imul(x, d) >>> 0), `u32 * ${d}`);
  }
  const xsI = xsU.map((x) => x | 0).concat([-1, -2, -3, -7, -8, -9, -2147483648, -2147483647]);
  for (const k of [1, 3, 8, 30]) {
    t.deepEqual(run('i32', 'rem', 2 ** k, xsI), xsI.map((x) => x % 2 ** k | 0), `i32 % ${2 ** k}`);
  }
  for (const d of [3, 24, 96, 2147483647, -2147483648]) {
    t.deepEqual(run('i32', 'mul', d, xsI), xsI.map((x) => Math.imul(x, d)), `i32 * ${d}`);
  }
});

test('memorder: a tagged load moves above the stores of its group (with its address), not above other stores or a barrier', (t) => {
  check(t, reorderMemory, `func K.f(p %0: ptr<i32>, q %1: ptr<i32>, r %2: ptr<i32>) {
b0:
  %3: i32 = load %0 [disjoint=1]
  store %1, %3 [disjoint=1]
  %4: u32 = const 1
  %5: ptr<i32> = gep %0, %4
  %6: i32 = load %5 [disjoint=1]
  store %2, %6
  %7: ptr<i32> = gep %5, %4
  %8: i32 = load %7 [disjoint=1]
  %9: i32 = load %1 [disjoint=2]
  barrier
  %10: i32 = load %5 [disjoint=1]
  store %1, %10 [disjoint=1]
  %11: i32 = load %7 [disjoint=1]
  ret
}
`, `func K.f(p %0: ptr<i32>, q %1: ptr<i32>, r %2: ptr<i32>) {
b0:
  %3: i32 = load %0 [disjoint=1]
  %4: u32 = const 1
  %5: ptr<i32> = gep %0, %4
  %6: i32 = load %5 [disjoint=1]
  %7: ptr<i32> = gep %5, %4
  store %1, %3 [disjoint=1]
  store %2, %6
  %8: i32 = load %7 [disjoint=1]
  %9: i32 = load %1 [disjoint=2]
  barrier
  %10: i32 = load %5 [disjoint=1]
  %11: i32 = load %7 [disjoint=1]
  store %1, %10 [disjoint=1]
  ret
}
`);
});

/**
 * A loop over k reading x[k·r + c] for the constants `cs` (in this order; constants defined before the loop, as LICM leaves them) and storing their weighted sum to out[k]:
 * the shape of an unrolled inner loop of a blocked matrix product.
 */
function rowLoop(cs: readonly number[]): string {
  const lines: string[] = [];
  const consts: string[] = [];
  let id = 10;
  let sum = '%9';
  cs.forEach((c, m) => {
    const [kc, idx, p, v, w, prod, s] = [id++, id++, id++, id++, id++, id++, id++];
    consts.push(`  %${kc}: u32 = const ${c}`, `  %${w}: u32 = const ${m + 1}`);
    lines.push(`  %${idx}: u32 = add %7, %${kc}`, `  %${p}: ptr<u32> = gep %0, %${idx}`, `  %${v}: u32 = load %${p}`);
    lines.push(`  %${prod}: u32 = mul %${v}, %${w}`, `  %${s}: u32 = add ${sum}, %${prod}`);
    sum = `%${s}`;
  });
  return `func K.f(x %0: ptr<u32>, out %1: ptr<u32>, n %2: u32, r %3: u32) {
b0:
  %4: u32 = const 0
  %5: u32 = const 1
  %9: u32 = const 0
${consts.join('\n')}
  br b1(%4)
b1(%6: u32):
  %8: bool = cmp %6, %2 [pred=lt]
  condbr %8, b2, b3
b2:
  %7: u32 = mul %6, %3
${lines.join('\n')}
  %${id}: ptr<u32> = gep %1, %6
  store %${id}, ${sum}
  %${id + 1}: u32 = add %6, %5
  br b1(%${id + 1})
b3:
  ret
}
`;
}

test('strength: accesses of one base that differ by constants share one pointer from SHARED_POINTER_MIN on; results unchanged', (t) => {
  const n = 5;
  const r = 11;
  const run = (fn: IrFunction): number[] => {
    const mem = new ArrayMemory(new ArrayBuffer(4 * (n * r + 16) + 4 * n));
    for (let i = 0; i < n * r + 16; i++) mem.view.setUint32(4 * i, (i * 2654435761) >>> 8, true);
    interpretKernel(fn, [{ address: 0 }, { address: 4 * (n * r + 16) }, n, r], mem, { qpus: 1 });
    return Array.from({ length: n }, (_, k) => mem.view.getUint32(4 * (n * r + 16) + 4 * k, true));
  };
  const pointersCarried = (fn: IrFunction): number => fn.blocks[1]!.params.filter((p) => isPtr(p.type)).length;
  for (const cs of [[0, 1, 2, 3, 4, 5, 6, 7], [5, 0, 3, 9, 1, 3], [2, 7, 15, 1], [0, 1, 2], [4, 9]]) {
    const before = parseFunction(rowLoop(cs));
    const after = reduceStrength(parseFunction(rowLoop(cs)));
    t.deepEqual(verifyFunction(after), []);
    const distinct = new Set(cs).size;
    // x: one pointer for the group, or one per distinct index below the threshold; out: one more.
    t.is(pointersCarried(after), (distinct >= SHARED_POINTER_MIN ? 1 : distinct) + 1, `constants ${cs.join(',')}`);
    // Plain-JS expectation, independent of both IR versions.
    const x = (i: number) => ((i * 2654435761) >>> 8) >>> 0;
    const want = Array.from({ length: n }, (_, k) => cs.reduce((s, c, m) => (s + Math.imul(x(k * r + c), m + 1)) >>> 0, 0));
    t.deepEqual(run(before), want);
    t.deepEqual(run(after), want, `constants ${cs.join(',')}`);
  }
});

const SIBLINGS = `func K.f(x %0: ptr<u32>, y %1: ptr<u32>, out %2: ptr<u32>, i %3: u32) {
b0:
  %4: u32 = const 16
  %5: u32 = add %3, %4
  %6: ptr<u32> = gep %0, %5
  %7: u32 = load %6
  %8: u32 = const 3
  %9: u32 = sub %3, %8
  %10: ptr<u32> = gep %0, %9
  %11: u32 = load %10
  %12: u32 = const 5
  %13: u32 = add %12, %3
  %14: ptr<u32> = gep %0, %13
  %15: u32 = load %14
  %16: ptr<u32> = gep %0, %3
  %17: u32 = load %16
  %18: ptr<u32> = gep %1, %5
  %19: u32 = load %18
  %20: u32 = add %7, %11
  %21: u32 = add %20, %15
  %22: u32 = add %21, %17
  %23: u32 = add %22, %19
  %24: ptr<u32> = gep %2, %5
  store %24, %23
  %25: ptr<u32> = gep %2, %3
  store %25, %7
  ret
}
`;

test('rebase: geps of one pointer at i + k share one base gep p, i; a lone gep stays; results unchanged', (t) => {
  const after = rebaseAddresses(parseFunction(SIBLINGS));
  t.deepEqual(verifyFunction(after), []);
  const geps = after.blocks[0]!.instrs.filter((i) => i.op === 'gep');
  const x = after.params[0]!.value;
  const out = after.params[2]!.value;
  const i = after.params[3]!.value;
  // x: p[i] moved up to the first access and the three others step from it by constants 16, -3 and 5.
  const xBase = geps.find((g) => g.args[0] === x)!;
  t.is(xBase.args[1], i);
  t.is(after.blocks[0]!.instrs.indexOf(xBase) < after.blocks[0]!.instrs.findIndex((k) => k.op === 'load'), true);
  const offsets = geps.filter((g) => g.args[0] === xBase.result).map((g) => Number(after.blocks[0]!.instrs.find((k) => k.result === g.args[1])!.attrs?.['value']) | 0);
  t.deepEqual(offsets, [16, -3, 5]);
  // out: its own p[i] comes first in the block as the base (the store of p[i + 16] steps from it).
  t.is(geps.filter((g) => g.args[0] === out).length, 1);
  // y[i + 16] has no sibling: untouched.
  t.is(geps.filter((g) => g.args[0] === after.params[1]!.value)[0]!.args[1]!.id, 5);
  // Both versions compute what plain JS does.
  const xs = Array.from({ length: 40 }, (_, k) => (k * 2654435761) >>> 8);
  const ys = Array.from({ length: 40 }, (_, k) => (k * 40503 + 7) >>> 0);
  for (const fn of [parseFunction(SIBLINGS), after]) {
    const mem = new ArrayMemory(new ArrayBuffer(4 * 120));
    xs.forEach((v, k) => mem.view.setUint32(4 * k, v, true));
    ys.forEach((v, k) => mem.view.setUint32(160 + 4 * k, v, true));
    interpretKernel(fn, [{ address: 0 }, { address: 160 }, { address: 320 }, 10], mem, { qpus: 1 });
    t.is(mem.view.getUint32(320 + 4 * 26, true), (xs[26]! + xs[7]! + xs[15]! + xs[10]! + ys[26]!) >>> 0);
    t.is(mem.view.getUint32(320 + 4 * 10, true), xs[26]);
  }
});

/** Eight loads of a tile's words as kernels/scan.ts reads them (p[i + 64 (k >> 2) + (k & 3)]), summed into out[i]. */
const TILE_WORDS = (() => {
  const offsets = Array.from({ length: 8 }, (_, k) => 64 * (k >> 2) + (k & 3));
  let v = 4;
  const lines: string[] = [];
  const loads: number[] = [];
  for (const o of offsets) {
    lines.push(`  %${v}: u32 = const ${o}`, `  %${v + 1}: u32 = add %2, %${v}`, `  %${v + 2}: ptr<u32> = gep %0, %${v + 1}`, `  %${v + 3}: u32 = load %${v + 2}`);
    loads.push(v + 3);
    v += 4;
  }
  let sum = loads[0]!;
  for (const l of loads.slice(1)) {
    lines.push(`  %${v}: u32 = add %${sum}, %${l}`);
    sum = v++;
  }
  lines.push(`  %${v}: ptr<u32> = gep %1, %2`, `  store %${v}, %${sum}`);
  return `func K.f(p %0: ptr<u32>, out %1: ptr<u32>, i %2: u32, n %3: u32) {\nb0:\n${lines.join('\n')}\n  ret\n}\n`;
})();

test('rebase: with the target\'s immediates, siblings whose offsets are no immediates step from the one before; results unchanged', (t) => {
  // V3D's small immediates: the integers -16..15. Byte offsets 0, 4, 8, 12, 256, 260, 264, 268: four are no
  // immediate from the base, one step (244) from the one before.
  const isImmediate = (v: number) => (v | 0) >= -16 && (v | 0) <= 15;
  const plain = rebaseAddresses(parseFunction(TILE_WORDS));
  const chained = rebaseAddresses(parseFunction(TILE_WORDS), false, isImmediate);
  for (const fn of [plain, chained]) t.deepEqual(verifyFunction(fn), []);
  const constOf = (fn: typeof plain, v: Value) => Number(fn.blocks[0]!.instrs.find((k) => k.result === v)!.attrs?.['value']) | 0;
  const steps = (fn: typeof plain) => fn.blocks[0]!.instrs.filter((g) => g.op === 'gep' && g.args[0] !== fn.params[0]!.value && g.args[0] !== fn.params[1]!.value).map((g) => constOf(fn, g.args[1]!));
  t.deepEqual(steps(plain), [1, 2, 3, 64, 65, 66, 67]);
  t.deepEqual(steps(chained), [1, 1, 1, 61, 1, 1, 1]);
  // Each chained gep steps from the previous one.
  const geps = chained.blocks[0]!.instrs.filter((g) => g.op === 'gep' && g.args[0] !== chained.params[1]!.value);
  for (let k = 1; k < geps.length; k++) t.is(geps[k]!.args[0]!.id, geps[k - 1]!.result!.id, `gep ${k}`);
  // Three plane offsets (16, 32, 48 words) would save two costly constants only: left as they are.
  const planes = SIBLINGS.replace('const 3\n', 'const 32\n').replace('sub %3, %8', 'add %3, %8').replace('const 5\n', 'const 48\n');
  t.deepEqual(rebaseAddresses(parseFunction(planes), false, isImmediate).blocks[0]!.instrs.filter((g) => g.op === 'gep').map((g) => g.args[0]!.id), rebaseAddresses(parseFunction(planes)).blocks[0]!.instrs.filter((g) => g.op === 'gep').map((g) => g.args[0]!.id));
  const xs = Array.from({ length: 80 }, (_, k) => (k * 2654435761) >>> 8);
  for (const fn of [parseFunction(TILE_WORDS), chained]) {
    const mem = new ArrayMemory(new ArrayBuffer(4 * 100));
    xs.forEach((v, k) => mem.view.setUint32(4 * k, v, true));
    interpretKernel(fn, [{ address: 0 }, { address: 360 }, 5, 0], mem, { qpus: 1 });
    let want = 0;
    for (let k = 0; k < 8; k++) want = (want + xs[5 + 64 * (k >> 2) + (k & 3)]!) >>> 0;
    t.is(mem.view.getUint32(360 + 4 * 5, true), want);
  }
});

/** out = Σ p[r + x0] for r = 0, 4, … below n; with `extra`, the loop also adds x0 itself each pass. */
const invariantPart = (extra: boolean): string => `func K.f(p %0: ptr<u32>, out %1: ptr<u32>, x0 %2: u32, n %3: u32) {
b0:
  %4: u32 = const 0
  br b1(%4, %4)
b1(%5: u32, %6: u32):
  %7: u32 = add %5, %2
  %8: ptr<u32> = gep %0, %7
  %9: u32 = load %8
  %10: u32 = add %6, %9
${extra ? '  %15: u32 = add %10, %2\n' : ''}  %11: u32 = const 4
  %12: u32 = add %5, %11
  %13: bool = cmp %12, %3 [pred=lt]
  condbr %13, b1(%12, ${extra ? '%15' : '%10'}), b2(${extra ? '%15' : '%10'})
b2(%14: u32):
  store %1, %14
  ret
}
`;

test('rebase: a loop-invariant index part moves before the loop as (p + x0)[r] when it has no other use in the loop; results unchanged', (t) => {
  const xs = Array.from({ length: 64 }, (_, k) => (k * 2654435761) >>> 8);
  const x0 = 3;
  const n = 37;
  for (const extra of [false, true]) {
    let want = 0;
    for (let r = 0; ; r += 4) {
      want = (want + xs[r + x0]! + (extra ? x0 : 0)) >>> 0;
      if (!(r + 4 < n)) break;
    }
    for (const hoist of [true, false]) {
      const fn = rebaseAddresses(parseFunction(invariantPart(extra)), hoist);
      t.deepEqual(verifyFunction(fn), []);
      const loopGep = fn.blocks[1]!.instrs.find((i) => i.op === 'gep')!;
      const moved = hoist && !extra;
      t.is(fn.blocks[0]!.instrs.some((i) => i.op === 'gep' && i.args[1] === fn.params[2]!.value), moved, `extra ${extra}, hoist ${hoist}`);
      t.is(loopGep.args[1] === fn.blocks[1]!.params[0], moved);
      const mem = new ArrayMemory(new ArrayBuffer(4 * 64 + 4));
      xs.forEach((v, k) => mem.view.setUint32(4 * k, v, true));
      interpretKernel(fn, [{ address: 0 }, { address: 256 }, x0, n], mem, { qpus: 1 });
      t.is(mem.view.getUint32(256, true), want);
    }
  }
});
