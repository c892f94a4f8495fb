// The VC4 scheduler (compiler/backend/vc4/bundle.ts) on hand-written blocks: what it pairs, what it keeps apart,
// and the latencies it keeps; every result passes the static hazard checker.
import test from 'ava';
import { assembleVc4 } from '../../../compiler/isa/vc4/index.ts';
import { decodeVc4 } from '../../../compiler/isa/vc4/encode.ts';
import { disassembleVc4 } from '../../../compiler/isa/vc4/disasm.ts';
import { checkVc4Program } from '../../../compiler/isa/vc4/check.ts';
import { bundleBlock, TMU_LOOKUP_LATENCY } from '../../../compiler/backend/vc4/bundle.ts';
import { VC4_TIMING } from '../../../runtime/emulator/vc4/timing.ts';

/** Schedules the assembled lines; returns the listing (one string per word). */
function schedule(lines: string[]): string[] {
  const words = assembleVc4(lines.join('\n'), 'block.qasm').words.map((w) => ({ instr: decodeVc4(w), loc: undefined }));
  const out = bundleBlock(words);
  const issues = checkVc4Program([...out.map((w) => w.instr), ...assembleVc4('mov irq, 1\nnop; thrend\nnop\nnop', 'end.qasm').words.map(decodeVc4)]);
  if (issues.length > 0) throw new Error(issues.map((i) => `${i.rule}: ${i.message}`).join('; '));
  return out.map((w) => disassembleVc4(w.instr));
}

test('independent add and mul ops share a word; a copy moves to the mul ALU to pair', (t) => {
  t.deepEqual(schedule(['fadd ra1, ra2, rb3', 'nop; fmul rb4, r0, r1']), ['fadd ra1, ra2, rb3; fmul rb4, r0, r1']);
  const two = schedule(['add ra1, ra2, rb3', 'mov rb5, r0']);
  t.is(two.length, 1);
  t.regex(two[0] ?? '', /^add ra1, ra2, rb3; (v8min|mov) rb5, r0/);
});

test('a regfile register is read two words after its write, with independent work between', (t) => {
  const out = schedule(['add ra1, ra2, rb3', 'add ra4, ra1, rb5', 'nop; fmul rb6, r0, r1', 'add ra7, r1, r2']);
  const w = out.findIndex((l) => l.startsWith('add ra1'));
  const r = out.findIndex((l) => l.includes('ra4, ra1'));
  t.true(r - w >= 2, out.join(' | '));
  t.true(out.length <= 3, out.join(' | '));
});

test('an SFU result is read three words after the write; r4 is not touched in between', (t) => {
  const out = schedule(['mov recip, ra1', 'nop', 'nop', 'mov ra2, r4', 'add ra3, ra4, rb5', 'add rb6, ra7, rb8']);
  const w = out.findIndex((l) => l.startsWith('mov recip'));
  const r = out.findIndex((l) => l.includes('r4'));
  t.true(r - w >= 3, out.join(' | '));
  t.true(out.length <= 4, `the nops carry independent work: ${out.join(' | ')}`);
});

test('ops writing different registers through one address (vw_setup in B space, an A-space mul result) stay apart', (t) => {
  // vw_setup needs the add write swapped into B space; rb7 from the mul ALU needs no swap: one word cannot do both.
  const out = schedule(['mov vw_setup, ra5', 'nop; fmul rb7, rb1, r3']);
  t.is(out.length, 2, out.join(' | '));
  t.true(out.some((l) => l.startsWith('mov vw_setup, ra5')));
});

test('a rotation by r5 stays after the r5 write, two words later; I/O keeps its order', (t) => {
  const out = schedule(['mov r5rep, ra1', 'mov r0, ra2', 'nop; mov.rot r5, ra3, r0', 'mov t0s, ra4', 'mov t0s, ra5']);
  const w = out.findIndex((l) => l.startsWith('mov r5rep'));
  const r = out.findIndex((l) => l.includes('rot'));
  t.true(r - w >= 2, out.join(' | '));
  t.true(out.findIndex((l) => l.includes('t0s, ra4')) < out.findIndex((l) => l.includes('t0s, ra5')));
});

test('flags: a conditional write reads the flags of the setf before it, never of one after', (t) => {
  const out = schedule(['mov.setf -, ra1', 'mov.ifzs ra2, rb3', 'mov.setf -, rb4', 'mov.ifns ra5, rb6']);
  const idx = (s: string) => out.findIndex((l) => l.includes(s));
  t.true(idx('setf -, ra1') < idx('ifzs ra2'));
  t.true(idx('ifzs ra2') <= idx('setf -, rb4'));
  t.true(idx('setf -, rb4') < idx('ifns ra5'));
});

test('an unconditional branch back to a loop head carries the head\'s first words in its delay slots (compiled sgemm loop)', async (t) => {
  const { compileFile } = await import('../../../compiler/compile.ts');
  const file = new URL('../../../bench/fixtures/sgemm-fast.ts', import.meta.url).pathname;
  const k = compileFile(file, { target: 'vc4' }).kernels[0]!;
  const dv = new DataView(k.code.buffer, k.code.byteOffset, k.code.byteLength);
  const instrs = Array.from({ length: k.code.byteLength / 8 }, (_, i) => decodeVc4(dv.getBigUint64(8 * i, true)));
  let filled = 0;
  instrs.forEach((br, at) => {
    if (br.kind !== 'branch' || br.cond !== 'always') return;
    const target = at + 4 + br.imm / 8;
    const slots = instrs.slice(at + 1, at + 4).map(disassembleVc4);
    if (slots.every((s) => s === 'nop')) return;
    // The slots are the three words before the target: the branch skips exactly what its slots ran.
    t.deepEqual(slots, instrs.slice(target - 3, target).map(disassembleVc4));
    filled++;
  });
  t.true(filled > 0);
  t.deepEqual(checkVc4Program(instrs).filter((i) => i.severity === 'error'), []);
});

test('a rotation pairs with an add op that leaves the B port alone (its amount is in the small-immediate field)', (t) => {
  t.deepEqual(schedule(['fadd ra1, ra1, r1', 'nop; mov.rot 3, r5rep, r0']), ['fadd ra1, ra1, r1; mov.rot 3, r5rep, r0']);
  // An add reading a regfile-B register, or a small immediate, would read the rotation code instead.
  t.is(schedule(['fadd ra1, rb1, r1', 'nop; mov.rot 3, r5rep, r0']).length, 2);
  t.is(schedule(['add ra1, ra1, 2', 'nop; mov.rot 3, r5rep, r0']).length, 2);
});

test('a TMU pop goes TMU_LOOKUP_LATENCY words after its request, independent work between (the model\'s hit latency)', (t) => {
  t.is(TMU_LOOKUP_LATENCY, VC4_TIMING.tmuHitLatencyTicks);
  // Program order collects the lookup at once; the independent chain of adds can fill the wait instead.
  const work = Array.from({ length: 12 }, (_, k) => `add ra${k + 2}, ra${k + 1}, rb1`);
  const out = schedule(['mov t1s, ra20', 'nop; ldtmu1', 'mov rb2, r4', ...work]);
  const push = out.findIndex((l) => l.includes('t1s'));
  const pop = out.findIndex((l) => l.includes('ldtmu1'));
  t.true(pop - push >= TMU_LOOKUP_LATENCY, out.join(' | '));
  t.true(out.slice(push + 1, pop).filter((l) => l.startsWith('add')).length >= 4, `the wait carries the adds: ${out.join(' | ')}`);
});

test('pops match their own TMU\'s requests: a TMU0 request does not hold back a TMU1 pop', (t) => {
  const out = schedule(['mov t1s, ra20', 'nop', 'nop', 'nop', 'nop', 'nop', 'nop', 'nop', 'nop', 'nop', 'mov t0s, ra21', 'nop; ldtmu1', 'mov rb2, r4', 'nop; ldtmu0', 'mov rb3, r4']);
  const idx = (s: string) => out.findIndex((l) => l.includes(s));
  t.true(idx('ldtmu1') - idx('t1s') >= TMU_LOOKUP_LATENCY, out.join(' | '));
  t.true(idx('ldtmu0') - idx('t0s') >= TMU_LOOKUP_LATENCY, out.join(' | '));
  t.true(idx('ldtmu1') < idx('ldtmu0'), out.join(' | '));
});
