/** The builder API produces the words the assembler produces for the same instruction. */
import test from 'ava';
import { alu, magic, r, rf } from '../../../../compiler/isa/v3d/build.ts';
import { encodeInstr } from '../../../../compiler/isa/v3d/encode.ts';
import { assembleInstr } from '../../../../compiler/isa/v3d/asm.ts';
import { MAGIC } from '../../../../compiler/isa/v3d/instr.ts';

test('4.2 builder = assembler', (t) => {
  const i = alu({ add: { op: 'fadd', dst: rf(3), a: rf(1), b: r(0) }, mul: { op: 'fmul', dst: r(1), a: 2, b: rf(1), ub: 'abs' }, sig: ['ldtmu'], sigDst: rf(9) }, 42);
  t.is(encodeInstr(i, 42), assembleInstr('fadd rf3, rf1, r0 ; fmul r1, 2, rf1.abs ; ldtmu.rf9', 42));
});


test('builder rejects invalid instructions', (t) => {
  t.throws(() => alu({ add: { op: 'add', dst: rf(1), a: rf(1), b: rf(2) }, mul: { op: 'add', dst: rf(2), a: rf(3), b: rf(4) } }, 42), { message: /at most two register-file/ });
  t.throws(() => alu({ add: { op: 'add', dst: magic(MAGIC.TMUA), a: rf(4), b: rf(8), pf: 'pushz' }, sig: ['ldtmu'], sigDst: rf(5) }, 71), { message: /conditions or flag/ });
  t.throws(() => alu({ add: { op: 'add', dst: rf(1), a: 17, b: rf(2) } }, 71), { message: /not a small immediate/ });
  const ok = alu({ add: { op: 'add', dst: magic(MAGIC.TMUA), a: rf(4), b: rf(8) }, sig: ['ldtmu'], sigDst: rf(5) }, 71);
  t.is(encodeInstr(ok, 71), assembleInstr('add tmua, rf4, rf8 ; nop ; ldtmu.rf5', 71));
  const imm = alu({ add: { op: 'sub', dst: rf(11), a: rf(3), b: -2 } }, 71);
  t.is(encodeInstr(imm, 71), 0x39e0000b3c03f0den, 'Mesa vector: sub rf11, rf3, -2 ; nop');
});
