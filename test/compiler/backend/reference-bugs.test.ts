// Bugs the V3D differential tests found in the reference interpreter, kept as regression tests.
import test from 'ava';
import { evalOp } from '../../../compiler/ir/eval.ts';

test('reference: i32(-0.5) is the integer 0, so f32(i32(-0.5)) is +0, not -0 (compiler/ir/eval.ts convert)', (t) => {
  const i = evalOp('cvt', 'f32', [-0.5], undefined, 'i32');
  const back = evalOp('cvt', 'i32', [i], undefined, 'f32');
  // An i32 has no negative zero: the V3D backend (ftoiz, then itof) gives +0.
  t.true(Object.is(back, 0), `f32(i32(-0.5)) = ${Object.is(back, -0) ? '-0' : back}`);
});
