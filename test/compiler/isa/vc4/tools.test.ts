/** vc4Tools: what `qpuc disasm/asm --target vc4` call. */
import test from 'ava';
import { AsmError, DecodeError } from '../../../../compiler/isa/isa.ts';
import { vc4Tools } from '../../../../compiler/isa/vc4/index.ts';

test('target and disassembly of hello_fft words', (t) => {
  t.is(vc4Tools.target, 'vc4');
  t.is(vc4Tools.disassemble(0x100246e0cc9e7081n), 'add ra27, r0, r2; v8adds r0, r0, r1');
  t.is(vc4Tools.disassemble(0xf0f80127000000c8n, 0x1e8), 'brr ra4, +200');
});

test('reserved encodings are a DecodeError, not garbage text', (t) => {
  // add op 9 is reserved [ARG Table 12]; ldi mode 2 is undocumented.
  const e = t.throws(() => vc4Tools.disassemble(0x100009e7099e7000n), { instanceOf: DecodeError });
  t.regex(e?.message ?? '', /add opcode 9 is reserved/);
  t.throws(() => vc4Tools.disassemble(0xe40009e700000000n), { message: /mode 2/ });
  t.throws(() => vc4Tools.disassemble(0xf0c809e700000000n), { message: /branch condition 12 is reserved/ });
});

test('assemble a small program and read it back', (t) => {
  const src = ['mov r0, unif', 'shl r2, elem_num, 3', 'add t0s, r0, r2', 'nop; ldtmu0', 'mov ra10, r4', 'mov irq, 1', 'nop; thrend', 'nop', 'nop'].join('\n');
  const p = vc4Tools.assemble(src, 'prog.qasm');
  t.is(p.words.length, 9);
  t.deepEqual(p.words.slice(0, 5), [0x1002082715827d80n, 0xd00208a711983dc0n, 0x10020e270c9e7080n, 0xa00009e7009e7000n, 0x100202a7159e7900n]);
  t.deepEqual(p.words.map((w) => vc4Tools.disassemble(w)), src.split('\n'));
});

test('assembly errors are AsmError with position', (t) => {
  const e = t.throws(() => vc4Tools.assemble('nop\nmov r0,', 'e.qasm'), { instanceOf: AsmError });
  t.is(e?.line, 2);
  t.regex(e?.message ?? '', /^e\.qasm:2:\d+ - error: expected an operand/);
});
