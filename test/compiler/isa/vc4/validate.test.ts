/** validateVc4: impossible or undefined combinations get a clear message. */
import test from 'ava';
import { decodeVc4, validateVc4, vc4Nop, type Vc4Instr } from '../../../../compiler/isa/vc4/index.ts';

const has = (i: Vc4Instr, re: RegExp): boolean => validateVc4(i).some((m) => re.test(m));

test('the canonical nop is valid', (t) => {
  t.deepEqual(validateVc4(vc4Nop()), []);
});

test('two TMU/SFU writes in one instruction are rejected [ARG p.37]', (t) => {
  const i = { ...vc4Nop(), opAdd: 'or' as const, condAdd: 'always' as const, waddrAdd: 56, opMul: 'v8min' as const, condMul: 'always' as const, waddrMul: 52 };
  t.true(has(i, /more than one TMU\/SFU\/TLB/));
});

test('both ALUs writing one accumulator need inverse conditions', (t) => {
  const base = { ...vc4Nop(), opAdd: 'or' as const, waddrAdd: 32, opMul: 'v8min' as const, waddrMul: 32 };
  t.true(has({ ...base, condAdd: 'always', condMul: 'always' }, /both ALUs write r0/));
  t.false(has({ ...base, condAdd: 'zs', condMul: 'zc' }, /both ALUs write/));
});

test('reserved mul pack, field ranges, rotations and branch offsets', (t) => {
  t.true(has({ ...vc4Nop(), pm: true, pack: 9 }, /mul pack mode 9/));
  t.true(has({ ...vc4Nop(), raddrA: 64 }, /raddr_a 64/));
  t.true(has({ ...vc4Nop(), sig: 'smi', raddrB: 50, opMul: 'v8min', condMul: 'always', waddrMul: 32, mulA: 'ra', mulB: 'ra' }, /r0–r3/));
  const br = decodeVc4(0xf0f8012700000008n);
  t.deepEqual(validateVc4(br), []);
  t.true(has({ ...br, imm: 12 } as Vc4Instr, /multiple of 8/));
  t.true(has({ ...br, raddrA: 3 } as Vc4Instr, /odd values set flags/));
});

test('signals that load r4 cannot share an instruction with an SFU write', (t) => {
  const i = { ...vc4Nop(), sig: 'ldtmu0' as const, opAdd: 'or' as const, condAdd: 'always' as const, waddrAdd: 52 };
  t.true(has(i, /ldtmu0' together with a TMU or SFU write/));
});

test('semaphore instructions must not write TMU/SFU/TLB [ARG p.33]', (t) => {
  const s = decodeVc4(0xe80009e700000019n);
  t.deepEqual(validateVc4(s), []);
  t.true(has({ ...s, waddrAdd: 56 } as Vc4Instr, /semaphore instruction writes t0s/));
});

test('unpack without an operand it applies to is flagged', (t) => {
  t.true(has({ ...vc4Nop(), unpack: 3 }, /regfile A unpack without/));
});
