// The VC4 legaliser's r3 copies (compiler/backend/vc4/emit.ts): a small immediate takes the B read port, so a
// regfile-B value read beside one goes through r3. A value read beside several immediates in a block is copied once
// and the copy is shared until r3 or the value is written again; a value read beside one immediate keeps the old
// way (the immediate is copied). Checked on the emitted words (disassembled); results of whole kernels that
// use it against plain JS are in test/kernels/histogram.test.ts (the packed counters compare a word index so).
import test from 'ava';
import { scheduleVc4, type Vc4Allocated } from '../../../compiler/backend/vc4/emit.ts';
import type { MOp } from '../../../compiler/backend/vc4/mir.ts';
import { disassembleVc4 } from '../../../compiler/isa/vc4/disasm.ts';

const v = (id: number) => ({ k: 'v' as const, id });
const imm = (code: number) => ({ k: 'imm' as const, code });

/** The unbundled words of one block, with v1 in rb5, v2 in rb3, v10… in ra10…. */
function words(ops: MOp[]): string[] {
  const colour = new Map<string, number>([['v1', 32 + 5], ['v2', 32 + 3]]);
  for (let k = 10; k < 30; k++) colour.set(`v${k}`, k);
  const allocated: Vc4Allocated = {
    mf: { name: 't', blocks: [], uniforms: [], nextVReg: 40, usesScratch: false },
    blocks: [{ id: 0, ops }],
    colour,
    spillSlots: 0,
  };
  return scheduleVc4(allocated, false).instrs.map((i) => disassembleVc4(i));
}
const compare = (x: number, k: number): MOp => ({ k: 'alu', unit: 'add', op: 'xor', a: v(x), b: imm(k), sf: true });
const condAdd = (d: number): MOp => ({ k: 'alu', unit: 'add', op: 'add', dst: v(d), a: v(d), b: v(2), cond: 'zs' });
const r3Writes = (ws: string[]) => ws.filter((w) => /\b(mov|or) r3, /.test(w));

test('a regfile-B value compared with eight immediates is copied to r3 once', (t) => {
  const ops: MOp[] = [];
  for (let k = 0; k < 8; k++) ops.push(compare(1, k), condAdd(10 + k));
  const ws = words(ops);
  t.deepEqual(r3Writes(ws).map((w) => w.replace(/;.*$/, '')), ['mov r3, rb5']);
  t.is(ws.filter((w) => /xor\.setf -, r3, \d+/.test(w)).length, 8);
});

test('a write to the value between its compares makes a second copy', (t) => {
  const ops: MOp[] = [compare(1, 0), condAdd(10), compare(1, 1), { k: 'alu', unit: 'add', op: 'add', dst: v(1), a: v(1), b: v(11) }, compare(1, 2), compare(1, 3)];
  t.is(r3Writes(words(ops)).length, 2);
});

test('a value read beside one immediate only: the immediate is copied, as before', (t) => {
  const ws = words([compare(1, 7), condAdd(10), compare(2, 3)]);
  t.deepEqual(r3Writes(ws).map((w) => w.replace(/;.*$/, '')), ['mov r3, 7', 'mov r3, 3']);
});
