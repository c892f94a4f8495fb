// Where the kernel option `threadSwitch` puts thread switches (compiler/backend/v3d/thrsw.ts), on hand-built machine
// IR: a software-pipelined step that collects its carried loads while it issues its atomics and then collects the
// atomics. Every switch position is derived here from the rule as docs/backend-v3d.md states it, not read back from
// the compiler.
import test from 'ava';
import { MAGIC } from '../../../compiler/isa/v3d/instr.ts';
import type { MBlock, MInstr } from '../../../compiler/backend/v3d/mir.ts';
import { insertSwitches } from '../../../compiler/backend/v3d/thrsw.ts';
import { MAX_PENDING_LOADS } from '../../../compiler/backend/v3d/schedule.ts';

const pop = (id: number): MInstr => ({ unit: 'sig', op: 'ldtmu', dst: { kind: 'vreg', id }, srcs: [] });
const issue = (id: number): MInstr => ({ unit: 'add', op: 'mov', dst: { kind: 'magic', addr: MAGIC.TMUA }, srcs: [{ kind: 'vreg', id }], tmu: 'load' });

/**
 * A loop body entered with `ahead` carried words: each is collected and its atomic issued, then the atomics are
 * collected. Returns, for each `ldtmu` in order, whether a switch comes right before it.
 */
function switchesOfStep(ahead: number): boolean[] {
  const instrs: MInstr[] = [];
  for (let k = 0; k < ahead; k++) instrs.push(pop(k), issue(k));
  for (let k = 0; k < ahead; k++) instrs.push(pop(100 + k));
  const b: MBlock = { id: 0, instrs, pendingAtEntry: ahead };
  insertSwitches([b]);
  const out: boolean[] = [];
  b.instrs.forEach((m, i) => {
    if (m.op === 'ldtmu') out.push(b.instrs[i - 1]?.op === 'thrsw');
  });
  return out;
}

/**
 * The rule: a switch before the block's first collection (words are in flight), before every SWITCH_EVERY-th
 * (MAX_PENDING_LOADS) collection after the last switch, and before the first collection of a lookup issued since the
 * last switch once half that many were collected (its data cannot be back yet: the thread would wait with the QPU idle).
 */
function expectedSwitches(ahead: number): boolean[] {
  const out: boolean[] = [];
  let collected = 0;
  let lastSwitchAt = 0; // position among the pops; the atomics are issued between the first `ahead` pops
  for (let p = 0; p < 2 * ahead; p++) {
    // The p-th pop collects a carried word (p < ahead) or the atomic issued after pop p - ahead.
    const issuedThisTurn = p >= ahead && p - ahead >= lastSwitchAt;
    const sw = p === 0 || collected >= MAX_PENDING_LOADS || (issuedThisTurn && collected >= MAX_PENDING_LOADS / 2);
    if (sw) {
      collected = 0;
      lastSwitchAt = p;
    }
    out.push(sw);
    collected++;
  }
  return out;
}

test('thread switches of a pipelined step: 4, 6 and 8 values a step', (t) => {
  for (const ahead of [2, 4, 6, 8]) t.deepEqual(switchesOfStep(ahead), expectedSwitches(ahead), `${ahead} values a step`);
  // The case that was slow before (43.6 µs against 16.5 for the histogram at four values a step): the atomics were
  // collected in the same turn as they were issued, with no switch between.
  const four = switchesOfStep(4);
  t.true(four[4], 'a switch before the first atomic is collected');
});
