/** Per-instruction validation: each rule rejects the combination it names, and valid code passes. */
import test from 'ava';
import { validateInstr } from '../../../../compiler/isa/v3d/validate.ts';
import { decodeInstr } from '../../../../compiler/isa/v3d/decode.ts';
import { assembleV3d } from '../../../../compiler/isa/v3d/asm.ts';
import { nopInstr, type V3dAluInstr, type V3dVersion } from '../../../../compiler/isa/v3d/instr.ts';

function instr(text: string, ver: V3dVersion): V3dAluInstr {
  const i = decodeInstr(assembleV3d(text, 't.s', ver).words[0] as bigint, ver);
  if (i.kind !== 'alu') throw new Error('not alu');
  return i;
}

function has(t: import('ava').ExecutionContext, errs: string[], re: RegExp): void {
  t.true(errs.some((e) => re.test(e)), `expected ${re} in ${JSON.stringify(errs)}`);
}

test('valid instructions give no messages', (t) => {
  t.deepEqual(validateInstr(nopInstr(), 42), []);
  t.deepEqual(validateInstr(instr('fadd rf1, rf2, r3 ; fmul r1, rf2, 4 ; ldtmu.rf4', 42), 42), []);
  t.deepEqual(validateInstr(instr('add rf1, rf2, 3 ; fmul rf4, rf5, rf6', 71), 71), []);
});

test('signals that cannot combine', (t) => {
  const i = nopInstr();
  i.sig.ldunif = true;
  i.sig.ldunifa = true;
  has(t, validateInstr(i, 42), /cannot be combined/);
  const j = nopInstr();
  j.sig.ldtmu = true;
  j.sig.wrtmuc = true;
  has(t, validateInstr(j, 42), /cannot be combined/);
  t.deepEqual(validateInstr(j, 71).filter((e) => /combined/.test(e)), [], 'ldtmu + wrtmuc is signal 26 on 7.1');
});

test('small immediates: 7.1-only signals on 4.2, an unread immediate, 7.1 immediate on an input the op does not read', (t) => {
  const i = nopInstr();
  i.sig.smallImmA = true;
  has(t, validateInstr(i, 42), /smallImmA\/C\/D do not exist|cannot be combined/);
  const j = nopInstr();
  j.sig.smallImmB = true;
  has(t, validateInstr(j, 42), /no input reads port B/);
  const k = instr('not rf1, rf2', 71);
  k.sig.smallImmB = true;
  has(t, validateInstr(k, 71), /does not read add input b/);
});

test('4.2: rotate leaves no port B register', (t) => {
  const i = instr('add rf1, rf2, rf3', 42);
  i.sig.rotate = true;
  has(t, validateInstr(i, 42), /rotate/);
});

test('magic writes the version lacks', (t) => {
  const i = instr('add rf1, rf2, rf3', 71);
  i.add.waddr = 0;
  i.add.magic = true; // r0: no accumulators on 7.1
  has(t, validateInstr(i, 71), /does not have/);
  const j = instr('add rf1, rf2, rf3', 42);
  j.add.waddr = 30;
  j.add.magic = true;
  has(t, validateInstr(j, 42), /does not exist/);
});

test('address-writing signal with a condition; impossible flag combinations', (t) => {
  const i = instr('nop ; nop ; ldtmu.rf3', 42);
  i.flags.ac = 'ifa';
  has(t, validateInstr(i, 42), /cannot have conditions/);
  const j = nopInstr();
  j.flags = { apf: 'pushz', mpf: 'pushn' };
  has(t, validateInstr(j, 42), /cannot be encoded/);
});

test('faddnf/fmax with identical operands, vpmsetup reading r0, .abs on 4.2 ftoin', (t) => {
  const i = instr('fadd rf1, r2, r2', 42);
  i.add.op = 'faddnf';
  has(t, validateInstr(i, 42), /identical operands/);
  const j = instr('vpmsetup -, r1', 42);
  j.add.a.mux = 0;
  has(t, validateInstr(j, 42), /another op/);
  const k = instr('ftoin rf1, r1', 42);
  k.add.a.unpack = 'abs';
  has(t, validateInstr(k, 42), /abs/);
});

test('two peripherals in one instruction', (t) => {
  has(t, validateInstr(instr('add tmua, rf1, rf2 ; add recip, rf1, rf2', 42), 42), /one peripheral/);
  t.deepEqual(validateInstr(instr('add tmua, rf1, rf2 ; nop ; ldtmu.rf3', 42), 42), [], 'ldtmu with a TMU write works (py-videocore6)');
});

test('7.1 raddr mirrors and 4.2 mux-only inputs', (t) => {
  const i = instr('add rf1, rf2, rf3', 71);
  i.raddrA = 9;
  has(t, validateInstr(i, 71), /mirror/);
  const j = instr('add rf1, rf2, rf3', 42);
  j.add.a.raddr = 4;
  has(t, validateInstr(j, 42), /raddr must be 0/);
});

test('unknown ops', (t) => {
  const i = nopInstr();
  i.add.op = 'v8dot';
  has(t, validateInstr(i, 42), /no add op 'v8dot'/);
});
