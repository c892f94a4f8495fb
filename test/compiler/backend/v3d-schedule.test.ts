// The V3D list scheduler's priorities (compiler/backend/v3d/schedule.ts): register reuse (write after write,
// write after read) orders ops but is not work that must follow, so a long run of reuses of one register does
// not outrank a TMU lookup whose result is needed.
import test from 'ava';
import { orderSegment } from '../../../compiler/backend/v3d/schedule.ts';
import { acc, magic, vreg, type MInstr } from '../../../compiler/backend/v3d/mir.ts';
import { MAGIC } from '../../../compiler/isa/v3d/instr.ts';

test('a run of reuses of one register does not go before a load whose result is used', (t) => {
  const ops: MInstr[] = [];
  // 32 writes of r0, each reading a value of its own: only the reuse of r0 orders them.
  for (let i = 0; i < 32; i++) ops.push({ unit: 'mul', op: 'mov', dst: acc(0), srcs: [vreg(100 + i)] });
  // A lookup and a use of its result.
  const issue: MInstr = { unit: 'add', op: 'mov', dst: magic(MAGIC.TMUA), srcs: [vreg(1)], tmu: 'load' };
  const collect: MInstr = { unit: 'sig', op: 'ldtmu', dst: vreg(2), srcs: [] };
  const use: MInstr = { unit: 'add', op: 'fadd', dst: vreg(3), srcs: [vreg(2), vreg(2)] };
  ops.push(issue, collect, use);
  const order = orderSegment(ops);
  t.is(order.length, ops.length);
  // The lookup goes first, so that its latency passes while the moves run; its result is collected after them.
  t.is(order.indexOf(issue), 0);
  t.true(order.indexOf(collect) > order.indexOf(issue));
  // The writes of r0 keep their order.
  const r0 = order.filter((m) => m.dst?.kind === 'acc');
  t.deepEqual(r0, ops.slice(0, 32));
});
