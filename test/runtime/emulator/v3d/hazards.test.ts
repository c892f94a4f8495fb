import test from 'ava';
import type { V3dVersion } from '../../../../compiler/isa/v3d/instr.ts';
import { alu, CODE, DATA, END, end, runAsm, runProgram, type Run } from './builder.ts';

const at = (i: number): number => CODE + 8 * i;

/** Run in warn mode and return the reports of `rule`. */
function reports(r: Run, rule: string): { address: number; severity: string; qpu: number }[] {
  return r.result.hazards.filter((h) => h.rule === rule);
}

function asm(ver: V3dVersion, src: string, opts: Parameters<typeof runAsm>[2] = {}): Run {
  return runAsm(ver, src, { ...opts, run: { hazards: 'warn', ...opts?.run } });
}

/** Assert exactly one report of `rule` at instruction `i` with `severity`; and that error mode throws for errors. */
function caught(t: import('ava').ExecutionContext, ver: V3dVersion, src: string, rule: string, i: number, severity: 'error' | 'warning', opts: Parameters<typeof runAsm>[2] = {}): void {
  const r = asm(ver, src, opts);
  const got = reports(r, rule);
  t.deepEqual(got.map((g) => [g.address, g.severity]), [[at(i), severity]], rule);
  if (severity === 'error') {
    t.throws(() => runAsm(ver, src, { ...opts, run: { ...opts.run, hazards: 'error' } }), { message: new RegExp(`${rule}.*0x${at(i).toString(16).padStart(8, '0')} on QPU 0`) });
  }
}

const SLOTS = 'nop ; nop\nnop ; nop\nnop ; nop';

test('r1: branch in the delay slots of a branch', (t) => {
  caught(t, 42, `b  l1\nb  l1\n${SLOTS}\nl1:\n${END}`, 'r1-branch-in-branch-slot', 1, 'error');
});

test('r2: thrsw in the delay slots of a branch', (t) => {
  caught(t, 42, `b  l1\nnop ; nop ; thrsw\n${SLOTS}\nl1:\n${END}`, 'r2-thrsw-in-branch-slot', 1, 'error');
});

test('r3: branch in the delay slots of a thrsw', (t) => {
  caught(t, 42, `nop ; nop ; thrsw\nb  l1\n${SLOTS}\nl1:\n${END}`, 'r3-branch-in-thrsw-slot', 1, 'error');
});

test('r4: thrsw two instructions after another (warning)', (t) => {
  caught(t, 42, `nop ; nop ; thrsw\nnop ; nop\nnop ; nop ; thrsw\nnop ; nop\nnop ; nop\n${END}`, 'r4-thrsw-in-thrsw-slot', 2, 'warning');
});

test('r5: a second last-thrsw marker', (t) => {
  caught(t, 42, `nop ; nop ; thrsw\nnop ; nop ; thrsw\nnop ; nop\nnop ; nop\nnop ; nop ; thrsw\nnop ; nop ; thrsw\nnop ; nop\nnop ; nop`, 'r5-two-last-thrsw-markers', 5, 'error');
});

test('r6 (4.2): register-file write in the end thrsw slots', (t) => {
  caught(t, 42, `nop ; nop ; thrsw\nnop ; nop ; thrsw\nnop ; nop\nnop ; nop\nnop ; nop ; thrsw\nnop ; mov rf1, r0\nnop ; nop\nnop ; nop`, 'r6-rf-write-at-end', 5, 'error');
});

test('r6b (7.1): ALU register-file write in the end thrsw instruction', (t) => {
  caught(t, 71, `nop ; nop ; thrsw\nnop ; nop ; thrsw\nnop ; nop\nnop ; nop\nmov rf1, rf2 ; nop ; thrsw\nnop ; nop\nnop ; nop\nnop ; nop`, 'r6b-rf-write-at-end', 4, 'error');
});

test('r7 (4.2): tmuwt in the final instruction', (t) => {
  caught(t, 42, `nop ; nop ; thrsw\nnop ; nop ; thrsw\nnop ; nop\nnop ; nop\nnop ; nop ; thrsw\nnop ; nop\ntmuwt - ; nop\nnop ; nop`, 'r7-tmuwt-last', 6, 'error');
});

test('r8: uniform read in the end slots', (t) => {
  caught(t, 42, `nop ; nop ; thrsw\nnop ; nop ; thrsw\nnop ; nop\nnop ; nop\nnop ; nop ; thrsw\nnop ; nop ; ldunif\nnop ; nop\nnop ; nop`, 'r8-uniform-in-end-slot', 5, 'error', { uniforms: [0] });
});

test('r9: SFU started in thrsw delay slots', (t) => {
  caught(t, 42, `nop ; nop ; thrsw\nnop ; mov recip, r0\nnop ; nop\nnop ; nop\n${END}`, 'r9-sfu-in-thrsw-slot', 1, 'error');
});

test('r10 (4.2): r4 read right after a legacy SFU write', (t) => {
  caught(t, 42, `nop ; mov recip, r0\nnop ; mov r1, r4\n${END}`, 'r10-r4-too-soon', 1, 'error');
});

test('r12 (4.2): SFU and TMU write in one instruction; ldtmu + TMU write only warns', (t) => {
  caught(t, 42, `or tmud, r0, r0 ; mov recip, r0\n${END}`, 'r12-peripherals', 0, 'error');
  const src = `.uniform ${DATA}\nnop ; nop ; ldunif\nnop ; mov tmua, r5\nnop ; mov tmua, r5 ; ldtmu.r1\nnop ; nop ; ldtmu.r1\n${END}`;
  t.deepEqual(reports(asm(42, src), 'r12-ldtmu-with-tmu-write').map((r) => r.address), [at(2)]);
});

test('r12b (7.1): SFU op and TMU write in one instruction', (t) => {
  caught(t, 71, `recip rf1, rf2 ; mov tmud, rf3\n${END}`, 'r12b-peripherals', 0, 'error');
});

test('r13: ldunifa within 3 instructions of the unifa write', (t) => {
  caught(t, 42, `.uniform ${DATA}\nnop ; nop ; ldunif\nnop ; mov unifa, r5\nnop ; nop\nnop ; nop ; ldunifa\n${END}`, 'r13-ldunifa-too-soon', 3, 'error');
});

test('r14: unifa written by a thrsw instruction', (t) => {
  caught(t, 42, `.uniform ${DATA}\nnop ; nop ; ldunif\nnop ; mov unifa, r5 ; thrsw\nnop ; nop\nnop ; nop\n${END}`, 'r14-unifa-at-thrsw', 1, 'error');
});

test('r15: unifa write in branch slots, branch right after a unifa write (warnings)', (t) => {
  caught(t, 42, `.uniform ${DATA}\nnop ; nop ; ldunif\nb  l1\nnop ; mov unifa, r5\n${SLOTS.split('\n').slice(1).join('\n')}\nl1:\n${END}`, 'r15-unifa-in-branch-slot', 2, 'warning');
  caught(t, 42, `.uniform ${DATA}\nnop ; nop ; ldunif\nnop ; mov unifa, r5\nb  l1\n${SLOTS}\nl1:\n${END}`, 'r15-branch-after-unifa', 2, 'warning');
});

test('r16: ldunif in branch delay slots (warning)', (t) => {
  caught(t, 42, `.uniform 1\nb  l1\nnop ; nop ; ldunif\nnop ; nop\nnop ; nop\nl1:\n${END}`, 'r16-ldunif-in-branch-slot', 1, 'warning');
});

test('r18 (4.2): rotate with register-file port B in use', (t) => {
  const v = 42;
  const r = runProgram(v, [alu(v, { mul: ['add', 'r2', 'rf1', 'rf2'], rotate: 3 }), ...end(v)], { run: { hazards: 'warn' } });
  t.deepEqual(reports(r, 'r18-rotate-port-b').map((h) => h.address), [at(0)]);
});

test('r18b (7.1): small immediate without the op that reads it', (t) => {
  const v = 71;
  const r = runProgram(v, [alu(v, { mul: ['mov', 'rf1', 'rf2'], sig: { smallImmA: true } }), ...end(v)], { run: { hazards: 'warn' } });
  t.deepEqual(reports(r, 'r18b-small-immediate').map((h) => h.address), [at(0)]);
});

test('r20: thread switch between multop and umul24', (t) => {
  const v = 42;
  const code = [
    alu(v, { mul: ['multop', 'nop', 'r0', 'r1'], sig: { thrsw: true } }),
    alu(v, {}), alu(v, {}),
    alu(v, { mul: ['umul24', 'r2', 'r0', 'r1'] }),
    ...end(v),
  ];
  const r = runProgram(v, code, { run: { hazards: 'warn' } });
  t.deepEqual(reports(r, 'r20-multop-across-switch').map((h) => h.address), [at(2)]);
});

test('r21 (4.2): rotate source written by the previous instruction', (t) => {
  const v = 42;
  const code = [alu(v, { add: ['eidx', 'r1'] }), alu(v, { mul: ['mov', 'r2', 'r1'], rotate: 1 }), ...end(v)];
  const r = runProgram(v, code, { run: { hazards: 'warn' } });
  t.deepEqual(reports(r, 'r21-rotate-input-too-new').map((h) => h.address), [at(1)]);
});

test('r22 (4.2): SFU op writing an accumulator (warning)', (t) => {
  caught(t, 42, `recip r1, r0 ; nop\nnop ; nop\n${END}`, 'r22-sfu-op-to-accumulator', 0, 'warning');
});

test('r24: TMU work outstanding at a barrier (warning)', (t) => {
  caught(t, 42, `.uniform ${DATA}\nnop ; nop ; ldunif\nnop ; mov tmua, r5\nbarrierid syncb ; nop ; thrsw\nnop ; nop\nnop ; nop\nnop ; nop ; ldtmu.r1\n${END}`, 'r24-tmu-at-barrier', 4, 'warning');
});

test('r25: more TMU words queued than a thread may hold', (t) => {
  // Two threads per QPU: 8 output words each; three vec4 loads queue 12.
  const src = `.uniform ${DATA}, 0xfcfcfcfc
    nop ; nop ; ldunif
    or tmuau, r5, r5 ; nop
    nop ; mov tmua, r5
    nop ; mov tmua, r5
    nop ; nop
    ${Array.from({ length: 12 }, () => 'nop ; nop ; ldtmu.r1').join('\n')}
    ${END}`;
  caught(t, 42, src, 'r25-tmu-fifo-overflow', 3, 'error');
});

test('r26: ldtmu with nothing queued; barrier whose supergroup is not resident', (t) => {
  const hang = `nop ; nop\nnop ; nop ; ldtmu.r0\n${END}`;
  t.throws(() => runAsm(42, hang), { message: new RegExp(`r26-ldtmu-empty.*0x${at(1).toString(16).padStart(8, '0')} on QPU 0`) });
  // The hardware would hang, so even warn mode cannot go on.
  t.throws(() => asm(42, hang), { message: /r26-ldtmu-empty.*instruction 0x00010008, QPU 0/ });
  // One QPU = 2 thread slots; a 4-batch supergroup can never all reach the barrier.
  const src = `barrierid syncb ; nop ; thrsw\nnop ; nop\nnop ; nop\n${END}`;
  t.throws(() => runAsm(42, src, { batches: 4, run: { numQpus: 1 } }), { message: /barrier deadlock: supergroup 0 has 4 batches/ });
});

test('r27: accumulator write in the delay slots of a (non-final) thrsw (warning)', (t) => {
  caught(t, 42, `nop ; nop ; thrsw\neidx r0 ; nop\nnop ; nop\n${END}`, 'r27-thrsw-slot-use', 1, 'warning');
});

test('flags read after a switch before any flag write are warned: vfla and flafirst / flnafirst (flags do not survive a switch)', (t) => {
  for (const ver of [42, 71] as const) {
    for (const op of ['vfla', 'flafirst', 'flnafirst']) {
      caught(t, ver, `nop ; nop ; thrsw\nnop ; nop\nnop ; nop\n${op} rf1 ; nop\n${END}`, 'acc-after-switch', 3, 'warning');
    }
  }
});

test('accumulators do not survive a switch when another thread ran: warned and poisoned', (t) => {
  const src = `.uniform ${DATA}
    eidx r0 ; nop
    nop ; nop ; thrsw
    nop ; nop
    nop ; nop
    eidx r1 ; nop ; ldunif
    shl r1, r1, 2 ; nop
    add r1, r1, r5 ; mov tmud, r0
    tidx r2 ; nop
    and.pushz r2, r2, 2 ; nop
    nop ; mov.ifa tmua, r1
    tmuwt - ; nop
    ${END}`;
  // Two batches on one QPU: thread slot 0 reads r0 after thread 2 ran; it sees garbage, not eidx.
  const r = asm(42, src, { batches: 2, run: { numQpus: 1 } });
  t.true(reports(r, 'acc-after-switch').length >= 1);
  const out = Array.from({ length: 16 }, (_, i) => r.data.getUint32(4 * i, true));
  t.notDeepEqual(out, Array.from({ length: 16 }, (_, i) => i));
  // Alone on its QPU the same kernel keeps r0 (pv6 test_alu keeps r3 across thrsw with one batch).
  const alone = asm(42, src, { batches: 1 });
  t.deepEqual(Array.from({ length: 16 }, (_, i) => alone.data.getUint32(4 * i, true)), Array.from({ length: 16 }, (_, i) => i));
});

test('a source map makes reports name the source line', (t) => {
  const sourceMap = new Map([[at(1), { file: 'kernels/k.ts', line: 12, col: 7 }]]);
  t.throws(() => runAsm(42, `nop ; nop\nnop ; nop ; ldtmu.r0\n${END}`, { run: { sourceMap } }), { message: /kernels\/k\.ts:12:7/ });
});

test('4 threads per QPU (cfg5 THREADING): rf32..rf63 are not the thread\'s', (t) => {
  caught(t, 42, `eidx rf40 ; nop\n${END}`, 'rf-beyond-thread-share', 0, 'error', { cfg5Flags: 1 });
  t.deepEqual(asm(42, `eidx rf40 ; nop\n${END}`).result.hazards, []);
});

/** 7.1: rf0 = DATA, two loads queued, then `pre` (instruction 6), a thrsw, and `slot2` as its last delay slot. */
function r28Program(pre: string, slot2: string): string {
  return `
    eidx rf1 ; nop ; ldunif
    shl rf1, rf1, 2 ; nop
    add rf2, rf0, rf1 ; nop
    mov tmua, rf2 ; nop
    mov tmua, rf2 ; nop
    nop ; nop
    ${pre}
    nop ; nop ; thrsw
    nop ; nop
    ${slot2}
    mov rf5, rf0 ; nop
    ${END}`;
}

test('r28 (7.1): implicit rf0 write alongside ldtmu, then an rf-writing signal in the last thrsw slot', (t) => {
  const opts = { uniforms: [DATA] };
  // The rule's three conditions (Mesa qpu_schedule.c, quoting the hardware docs) all hold: the report names slot 2.
  caught(t, 71, r28Program('nop ; nop ; ldtmu.rf3 ; ldunif', 'nop ; nop ; ldtmu.rf4'), 'r28-rf0-undefined-after-switch', 9, 'error', { uniforms: [DATA, 0] });
  // Each condition missing in turn: no report.
  const none = (src: string, u: number[]): number => reports(asm(71, src, { uniforms: u }), 'r28-rf0-undefined-after-switch').length;
  t.is(none(r28Program('nop ; nop ; ldtmu.rf3', 'nop ; nop ; ldtmu.rf4'), opts.uniforms), 0, 'rf0 last written explicitly (by the payload/ldunif alone)');
  t.is(none(r28Program('nop ; nop ; ldtmu.rf3 ; ldunif', 'nop ; nop'), [DATA, 0]), 0, 'no rf-writing signal in the last slot');
  t.is(none(r28Program('nop ; nop ; ldtmu.rf3 ; ldunif\n    mov rf0, rf1 ; nop', 'nop ; nop ; ldtmu.rf4'), [DATA, 0]), 0, 'an explicit rf0 write clears it');
  t.is(none(r28Program('nop ; nop ; ldtmu.rf3 ; ldunif', 'nop ; nop ; ldtmu.rf4').replace('nop ; nop ; thrsw', 'nop ; nop ; thrsw\n    nop ; nop'), [DATA, 0]), 0, 'slot 2 is then a plain nop');
});
