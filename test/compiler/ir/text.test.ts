import test from 'ava';
import { parseFunction } from '../../../compiler/ir/parse.ts';
import { printFunction } from '../../../compiler/ir/print.ts';
import { verifyFunction } from '../../../compiler/ir/verify.ts';

const loop = `func K.sum(n %0: u32, out %1: ptr<u32>) {
b0:
  %2: u32 = const 0
  br b1(%2, %2)
b1(%3: u32, %4: u32):
  %5: bool = cmp %3, %0 [pred=lt]
  condbr %5, b2, b3
b2:
  %6: u32 = add %4, %3
  %7: u32 = const 1
  %8: u32 = add %3, %7
  br b1(%8, %6)
b3:
  %9: u32 varying = lane_id
  %10: ptr<u32> varying = gep %1, %9
  store %10, %4
  ret
}
`;

test('print(parse(text)) reproduces the text', (t) => {
  t.is(printFunction(parseFunction(loop)), loop);
});

test('a well-formed function verifies', (t) => {
  t.deepEqual(verifyFunction(parseFunction(loop)), []);
});

test('constants print and parse NaN, infinities and -0 exactly', (t) => {
  const text = `func K.c() {\nb0:\n  %0: f32 = const nan\n  %1: f32 = const -inf\n  %2: f32 = const -0\n  %3: f32 = const 0.1\n  ret\n}\n`;
  const fn = parseFunction(text);
  t.is(printFunction(fn), text);
  const v = fn.blocks[0]!.instrs.map((i) => i.attrs?.['value']);
  t.true(Number.isNaN(v[0]));
  t.is(v[1], -Infinity);
  t.true(Object.is(v[2], -0));
});

const broken: [string, string, RegExp][] = [
  ['use before definition', loop.replace('%6: u32 = add %4, %3', '%6: u32 = add %4, %8'), /not dominated/],
  ['wrong branch arity', loop.replace('br b1(%8, %6)', 'br b1(%8)'), /takes 2 arguments, got 1/],
  ['operand type mismatch', loop.replace('%6: u32 = add %4, %3', '%6: f32 = add %4, %3'), /add: expects two equal int operands/],
  ['too many operands', loop.replace('%9: u32 varying = lane_id', '%9: u32 varying = lane_id %2'), /lane_id takes 0..0 operands/],
  ['bad compare predicate', loop.replace('[pred=lt]', '[pred=less]'), /unknown predicate 'less'/],
  ['store of the wrong type', loop.replace('store %10, %4', 'store %10, %5'), /store: expects ptr<T> and a value/],
  ['condbr on a non-bool', loop.replace('condbr %5,', 'condbr %3,'), /condition must be bool/],
  ['varying op marked uniform', loop.replace('%9: u32 varying = lane_id', '%9: u32 = lane_id'), /lane_id result must be varying/],
];
for (const [what, text, msg] of broken) {
  test(`verifier reports ${what}`, (t) => {
    const errors = verifyFunction(parseFunction(text));
    t.true(errors.some((e) => msg.test(e)), errors.join('\n'));
  });
}

test('the parser refuses an op the op table does not have, naming the line', (t) => {
  t.throws(() => parseFunction(loop.replace('add %4, %3', 'frobnicate %4, %3')), { message: /^line \d+: unknown op 'frobnicate'$/ });
});

test('lowered check rejects a varying branch condition', (t) => {
  const text = loop.replace('%5: bool = cmp %3, %0', '%5: bool varying = cmp %3, %0');
  t.deepEqual(verifyFunction(parseFunction(text)), []);
  t.true(verifyFunction(parseFunction(text), { lowered: true }).some((e) => /condbr on varying %5/.test(e)));
});

test('parser errors name the line', (t) => {
  t.throws(() => parseFunction('func K.f() {\nb0:\n  %1: u32 = add %0, %0\n  ret\n}\n'), { message: /%0 is never defined/ });
  t.throws(() => parseFunction('func K.f() {\nb0:\n  %1: u33 = const 1\n}\n'), { message: /line 3: unknown type 'u33'/ });
});
