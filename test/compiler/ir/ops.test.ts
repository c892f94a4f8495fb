// The op table's facts agree with each other and with what reads them (eval.ts, the V3D backend).
import test from 'ava';
import { OPS, isOpName, maskOperand, opInfo, type OpName } from '../../../compiler/ir/ops.ts';
import { scalarOp } from '../../../compiler/ir/eval.ts';
import { checkInstrTypes } from '../../../compiler/ir/typing.ts';

const names = Object.keys(OPS) as OpName[];

test('foldable ops are exactly the lane-local ones eval.ts gives a meaning', (t) => {
  for (const name of names) {
    const info = OPS[name];
    let laneLocal = true;
    try {
      scalarOp(name, 'i32', { pred: 'eq', value: 0 });
    } catch {
      laneLocal = false;
    }
    t.is(laneLocal, info.foldable, name);
  }
});

test('cross-lane ops are neither folded nor hoisted; uniform-result ops are cross-lane', (t) => {
  for (const name of names) {
    const info = OPS[name];
    if (info.crossLane) t.false(info.foldable || info.hoistable, name);
    if (info.uniformResult) t.true(info.crossLane, name);
    if (info.effect || info.readsMemory) t.false(info.hoistable, name);
  }
});

test('masks: the mask operand is the optional last one, and typing rejects a non-bool mask', (t) => {
  for (const name of names) {
    const m = maskOperand(name);
    if (m === undefined) continue;
    t.is(m, OPS[name].maxArgs - 1, name);
    t.is(m, OPS[name].minArgs, name);
  }
  const v = (id: number, type: 'u32' | 'bool' | { ptr: 'f32' }) => ({ id, type, uniform: false });
  t.regex(checkInstrTypes({ op: 'load', args: [v(0, { ptr: 'f32' }), v(1, 'u32')], result: v(2, 'u32') }) ?? '', /mask must be bool/);
});

test('op names: lookups refuse what is not in the table', (t) => {
  t.true(isOpName('fadd'));
  t.false(isOpName('frobnicate'));
  t.false(isOpName('toString'));
  t.is(opInfo('constructor'), undefined);
});
