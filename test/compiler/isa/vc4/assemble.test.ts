/** The text assembler: syntax, labels, directives and error positions. */
import test from 'ava';
import { AsmError } from '../../../../compiler/isa/isa.ts';
import { assembleVc4, decodeVc4, disassembleVc4 } from '../../../../compiler/isa/vc4/index.ts';

const one = (src: string): bigint => assembleVc4(src, 't.qasm').words[0] as bigint;

test('mov of a constant picks ldi or a small immediate like vc4asm (words from the hello_fft vectors)', (t) => {
  t.is(one('mov ra30, 0x5555'), 0xe00207a700005555n);
  t.is(one('mov rb27, 16'), 0xe00216e700000010n); // 16 is not a small immediate
  t.is(one('ldi rb31, 255'), 0xe00217e7000000ffn);
  t.is(one('add r1, r0, 4'), 0xd00208670c9c41c0n);
  t.is(one('mov.never -, vw_wait'), 0x100009e7159f2fc0n);
  t.is(one('srel -, 1'), 0xe80009e700000001n);
  t.is(one('sacq -, 9'), 0xe80009e700000019n); // bit 4 comes from sacq
  t.is(one('nop; thrend'), 0x300009e7009e7000n);
});

test('brr to a label is relative to the instruction after the three delay slots', (t) => {
  const p = assembleVc4(['start:', '  nop', ':loop', '  sub.setf r0, r0, 1', '  brr.anynz -, r:loop', '  nop', '  nop', '  nop', '  brr -, start'].join('\n'), 'l.qasm');
  t.is(p.labels.get('loop'), 8);
  t.is(p.labels.get('start'), 0);
  const b1 = decodeVc4(p.words[2] as bigint);
  // branch at 16: target = imm + 16 + 32 → imm = 8 − 48 = −40
  t.true(b1.kind === 'branch' && b1.imm === -40 && b1.cond === 'anynz' && b1.rel);
  const b2 = decodeVc4(p.words[6] as bigint);
  t.true(b2.kind === 'branch' && b2.imm === 0 - (48 + 32));
  t.is(disassembleVc4(p.words[2] as bigint), 'brr.anynz -, -40');
});

test('.set aliases registers and constants; expressions evaluate like C', (t) => {
  const p = assembleVc4([
    '.set ra_link, ra4', '.set N, 3', '.const MASK, (1 << N) - 1 | 0x100',
    'mov ra_link, MASK', 'add ra_link, ra_link, N * 2 - 1',
  ].join('\n'), 's.qasm');
  const l = decodeVc4(p.words[0] as bigint);
  t.true(l.kind === 'ldi' && l.imm === 0x107 && l.waddrAdd === 4 && !l.ws);
  const a = decodeVc4(p.words[1] as bigint);
  t.true(a.kind === 'alu' && a.sig === 'smi' && a.raddrB === 5 && a.raddrA === 4 && a.opAdd === 'add');
});

test('.macro, .rep and .if expand as vc4asm does', (t) => {
  const p = assembleVc4([
    '.macro addn, reg, n', '  add reg, reg, n', '.endm',
    '.rep i, 3', '  addn r0, i', '.endr',
    '.set FAST, 0',
    '.if FAST', '  nop', '.elseif 1', '  mov r1, 2', '.else', '  mov r1, 3', '.endif',
    '.align 64',
  ].join('\n'), 'm.qasm');
  t.is(p.words.length, 8);
  t.deepEqual(p.words.slice(0, 4).map((w) => disassembleVc4(w)), ['add r0, r0, 0', 'add r0, r0, 1', 'add r0, r0, 2', 'mov r1, 2']);
  t.is(disassembleVc4(p.words[7] as bigint), 'nop');
});

test('data directives are recorded, not emitted as code', (t) => {
  const p = assembleVc4('nop\n.long 1, 0x10\n.float 1.5', 'd.qasm');
  t.is(p.words.length, 1);
  t.deepEqual(p.data, [{ directive: 'long', values: [1, 16], line: 2 }, { directive: 'float', values: [0x3fc00000], line: 3 }]);
});

test('per-element load immediates pack element i into bits i and 16+i', (t) => {
  const w = one('ldipeu r0, [3,0,1,2,0,0,0,0,0,0,0,0,0,0,0,3]');
  const i = decodeVc4(w);
  // element 0 = 3: bits 0, 16; element 2 = 1: bit 2; element 3 = 2: bit 19; element 15 = 3: bits 15, 31.
  t.true(i.kind === 'ldi' && i.mode === 'peu' && i.imm === ((1 | 4 | 0x8000 | (1 << 16) | (1 << 19) | (2 ** 31)) >>> 0));
});

function err(t: import('ava').ExecutionContext, src: string, re: RegExp, line: number, col: number): void {
  const e = t.throws(() => assembleVc4(src, 'bad.qasm'), { instanceOf: AsmError }) as AsmError;
  t.regex(e.message, re);
  t.is(e.line, line, e.message);
  t.is(e.col, col, e.message);
  t.regex(e.message, new RegExp(`^bad\\.qasm:${line}:${col} - error: `));
}

test('errors carry file, line and column', (t) => {
  err(t, 'nop\n  frob r0, r1', /unknown instruction 'frob'/, 2, 3);
  err(t, 'add r0, ra1, ra2', /regfile A read port already reads ra1; cannot also read ra2/, 1, 14);
  err(t, 'add r0, r1, 3; ldtmu0', /small immediate cannot be combined with signal 'ldtmu0'/, 1, 13);
  err(t, 'ldi r0, 5; add r1, r1, r1', /'ldi' cannot be combined with 'add'/, 1, 12);
  err(t, 'brr -, r:nowhere', /undefined label or symbol 'nowhere'/, 1, 10);
  err(t, 'fadd ra1.16a, ra2, r0; fmul r0.8a, r1, r1', /mul pack needs PM = 1/, 1, 31);
  err(t, 'fmin r0, ra2.16a, r1; fmul r1.8a, r1, r1', /mul pack needs PM = 1, but another pack\/unpack on this line needs PM = 0/, 1, 30);
  err(t, 'add r0, r1, 99', /99 is not a small immediate/, 1, 13);
  err(t, 'mov ra1, r0; mov ra2, r1', /write swap conflict/, 1, 18);
  err(t, 'fadd r0, r1, r2; fsub r1, r1, r2', /no ALU left for 'fsub'/, 1, 18);
  err(t, '.macro m, a\nnop', /without .endm/, 1, 1);
  err(t, '.if 1\nnop', /.if without .endif/, 1, 1);
  err(t, 'nop\n.bogus 1', /unknown directive '.bogus'/, 2, 1);
  err(t, 'mov r0, r1 # fine\nmov r0, @', /unexpected character '@'/, 2, 9);
  err(t, 'mov.rot 16, r0, r1', /rotation must be 1–15 or r5/, 1, 9);
});
