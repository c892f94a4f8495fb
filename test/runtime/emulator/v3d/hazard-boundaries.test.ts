/**
 * Hazard rules at their boundaries: for each rule with a distance window
 * (semantics notes 6), the offending instruction is placed at every distance
 * from the last one that must be flagged to the first one that must not. The
 * windows come from the notes (branch: 3 delay slots, thrsw: 2, unifa ->
 * ldunifa: at least 3 between, legacy SFU r4: valid 2 later), not from the
 * checker's constants.
 */
import test from 'ava';
import type { V3dVersion } from '../../../../compiler/isa/v3d/instr.ts';
import { CODE, DATA, END, runAsm } from './builder.ts';

const NOPS = (n: number): string => Array.from({ length: n }, () => 'nop ; nop').join('\n');

/** Instruction indices where `rule` is reported when `src` runs in warn mode. */
function flagged(ver: V3dVersion, src: string, rule: string, opts: Parameters<typeof runAsm>[2] = {}): number[] {
  const r = runAsm(ver, src, { ...opts, run: { hazards: 'warn', ...opts.run } });
  return r.result.hazards.filter((h) => h.rule === rule).map((h) => (h.address - CODE) / 8);
}

/** For distances 1..last+1: the rule fires at the offending instruction exactly for d <= last. */
function window(
  t: import('ava').ExecutionContext, ver: V3dVersion, rule: string, last: number,
  program: (d: number) => { src: string; at: number }, first = 1,
): void {
  for (let d = first; d <= last + 1; d++) {
    const { src, at } = program(d);
    t.deepEqual(flagged(ver, src, rule), d <= last ? [at] : [], `${rule} at distance ${d} ${d <= last ? 'flagged' : 'not flagged'}`);
  }
}

// Flags A start clear, so `b.anya` is a branch that is not taken but still has its three delay slots.
const FAR = `far:\n${END}`;

for (const ver of [42, 71] as const) {
  test(`${ver / 10} r1: a branch 1..3 instructions after a branch is in its delay slots, 4 is not`, (t) => {
    window(t, ver, 'r1-branch-in-branch-slot', 3, (d) => ({ src: `b.anya far\n${NOPS(d - 1)}\nb far\n${NOPS(3)}\n${FAR}`, at: d }));
  });

  test(`${ver / 10} r3: a branch 1..2 after a thrsw is in its slots, 3 is not`, (t) => {
    window(t, ver, 'r3-branch-in-thrsw-slot', 2, (d) => ({ src: `nop ; nop ; thrsw\n${NOPS(d - 1)}\nb far\n${NOPS(3)}\n${FAR}`, at: d }));
  });

  test(`${ver / 10} r4: a thrsw 2 after a thrsw warns, 3 does not (1 is the last-thrsw marker)`, (t) => {
    window(t, ver, 'r4-thrsw-in-thrsw-slot', 2, (d) => ({ src: `nop ; nop ; thrsw\n${NOPS(d - 1)}\nnop ; nop ; thrsw\n${NOPS(2)}\n${END}`, at: d }), 2);
    t.deepEqual(flagged(ver, `nop ; nop ; thrsw\nnop ; nop ; thrsw\n${NOPS(2)}\nnop ; nop ; thrsw\n${NOPS(3)}`, 'r4-thrsw-in-thrsw-slot'), []);
  });

  test(`${ver / 10} r13: ldunifa 1..3 instructions after the unifa write is too soon, 4 is not`, (t) => {
    const w = ver === 42 ? 'nop ; mov unifa, r5' : 'mov unifa, rf0 ; nop';
    window(t, ver, 'r13-ldunifa-too-soon', 3, (d) => ({ src: `.uniform ${DATA}\nnop ; nop ; ldunif\n${w}\n${NOPS(d - 1)}\nnop ; nop ; ldunifa\n${END}`, at: 1 + d }));
  });

  test(`${ver / 10} r15: a branch 1..3 after a unifa write warns, 4 does not`, (t) => {
    const w = ver === 42 ? 'nop ; mov unifa, r5' : 'mov unifa, rf0 ; nop';
    window(t, ver, 'r15-branch-after-unifa', 3, (d) => ({ src: `.uniform ${DATA}\nnop ; nop ; ldunif\n${w}\n${NOPS(d - 1)}\nb.anya far\n${NOPS(3)}\n${FAR}`, at: 1 + d }));
  });

  test(`${ver / 10} r16: ldunif 1..3 after a branch is in its slots (warning), 4 is not`, (t) => {
    window(t, ver, 'r16-ldunif-in-branch-slot', 3, (d) => ({ src: `.uniform 1\nb.anya far\n${NOPS(d - 1)}\nnop ; nop ; ldunif\n${NOPS(3)}\n${FAR}`, at: d }));
  });
}

test('4.2 r9: a magic SFU write 1..2 after a thrsw is in its slots, 3 is not', (t) => {
  window(t, 42, 'r9-sfu-in-thrsw-slot', 2, (d) => ({ src: `nop ; nop ; thrsw\n${NOPS(d - 1)}\nnop ; mov recip, r0\n${NOPS(2)}\n${END}`, at: d }));
});

test('r9 counts magic SFU writes only (Mesa qpu_validate): SFU-class ops in thrsw slots are legal', (t) => {
  // py-videocore7's sgemm puts `rot` in the second slot of a thrsw and runs on a Pi 5.
  t.deepEqual(flagged(71, `nop ; nop ; thrsw\nnop ; nop\nrot rf1, rf1, 1 ; mov rep, rf1\n${END}`, 'r9-sfu-in-thrsw-slot'), []);
  t.deepEqual(flagged(71, `nop ; nop ; thrsw\nrecip rf1, rf2\nnop ; nop\n${END}`, 'r9-sfu-in-thrsw-slot'), []);
  t.deepEqual(flagged(42, `nop ; nop ; thrsw\nrecip rf1, rf2 ; nop\nnop ; nop\n${END}`, 'r9-sfu-in-thrsw-slot'), []);
});

test('4.2 r10: r4 read 1 after a legacy SFU write is too soon, 2 is not', (t) => {
  window(t, 42, 'r10-r4-too-soon', 1, (d) => ({ src: `nop ; mov recip, r0\n${NOPS(d - 1)}\nnop ; mov r1, r4\n${END}`, at: d }));
});

test('4.2 r27: an accumulator write 1..2 after a (non-final) thrsw warns, 3 does not', (t) => {
  window(t, 42, 'r27-thrsw-slot-use', 2, (d) => ({ src: `nop ; nop ; thrsw\n${NOPS(d - 1)}\nnop ; mov r1, 1\n${NOPS(2)}\n${END}`, at: d }));
});

test('4.2 r21: a rotate source written 1 instruction before is too new, 2 is not', (t) => {
  window(t, 42, 'r21-rotate-input-too-new', 1, (d) => ({ src: `nop ; mov r0, 1\n${NOPS(d - 1)}\nnop ; mov r1, r0 ; rotate\n${END}`, at: d }));
});

test('4.2 r6: rf writes are banned from the end thrsw through its 2 slots, allowed just before it', (t) => {
  const prog = (i: number) => {
    const lines = ['nop ; nop ; thrsw', 'nop ; nop ; thrsw', 'nop ; nop', 'nop ; nop', 'nop ; nop ; thrsw', 'nop ; nop', 'nop ; nop', 'nop ; nop'];
    lines[i] = i === 4 ? 'nop ; mov rf1, r0 ; thrsw' : 'nop ; mov rf1, r0';
    return lines.join('\n');
  };
  t.deepEqual(flagged(42, prog(3), 'r6-rf-write-at-end'), [], 'before the end thrsw');
  for (const i of [4, 5, 6]) t.deepEqual(flagged(42, prog(i), 'r6-rf-write-at-end'), [i], `end thrsw + ${i - 4}`);
});
