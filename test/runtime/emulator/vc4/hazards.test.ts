/** Each hazard rule of the checker, triggered by a small program (rules: notes §7, ARG p.37). */
import test from 'ava';
import { assembleVc4 } from '../../../../compiler/isa/vc4/index.ts';
import { runExecuteQpu } from '../../../../runtime/emulator/vc4/execute.ts';
import { DATA, EXIT, run } from './program.ts';

function rules(src: string, uniforms: number[] = [DATA, DATA]): string[] {
  return run(src, { uniforms: () => uniforms }).hazards.map((h) => h.rule);
}

test('clean code reports nothing', (t) => {
  t.deepEqual(rules(['ldi ra1, 5', 'nop', 'add r0, ra1, 1', EXIT].join('\n')), []);
});

test('regfile read right after its write', (t) => {
  const r = run(['ldi ra1, 5', 'add r0, ra1, 1', EXIT].join('\n'));
  const h = r.hazards.find((x) => x.rule === 'regfile-read-after-write');
  t.truthy(h);
  t.is(h?.address, 0xc0000008);
  t.is(h?.severity, 'error');
  t.is(h?.qpu, 0);
});

test('r4 read one or two instructions after an SFU write', (t) => {
  t.true(rules(['mov recip, 1.0', 'nop', 'mov r0, r4', EXIT].join('\n')).includes('sfu-r4-too-soon'));
  t.false(rules(['mov recip, 1.0', 'nop', 'nop', 'mov r0, r4', EXIT].join('\n')).includes('sfu-r4-too-soon'));
});

test('rotation of an accumulator written by the previous instruction', (t) => {
  t.true(rules(['mov r1, elem_num', 'nop; mov.rot 3, r0, r1', EXIT].join('\n')).includes('rotate-after-write'));
});

test('more than 4 outstanding TMU requests', (t) => {
  const src = ['mov r1, unif', 'nop', ...Array(5).fill('mov t0s, r1'), ...Array(5).fill('nop; ldtmu0'), EXIT].join('\n');
  t.true(rules(src).includes('tmu-queue-overflow'));
  const ok = ['mov r1, unif', 'nop', ...Array(4).fill('mov t0s, r1'), ...Array(4).fill('nop; ldtmu0'), EXIT].join('\n');
  t.false(rules(ok).includes('tmu-queue-overflow'));
});

test('branch or thread end in branch delay slots', (t) => {
  // The second branch is not taken (allz on cleared flags is false), so execution stays well defined.
  const src = ['mov.setf -, 1', 'brr -, r:l', 'brr.allz -, r:l', 'nop', 'nop', ':l', EXIT].join('\n');
  const h = run(src, { uniforms: () => [DATA, DATA] }).hazards.find((x) => x.rule === 'branch-in-delay-slot');
  t.is(h?.address, 0xc0000010);
  t.regex(h?.message ?? '', /of the branch at 0xc0000008/);
  // A thread end two slots after a branch: the report names that branch, not a later instruction.
  const late = ['mov.setf -, 1', 'brr.allz -, r:l', 'nop', 'mov irq, 1', 'nop; thrend', 'nop', 'nop', ':l', EXIT].join('\n');
  const e = run(late, { uniforms: () => [DATA, DATA] }).hazards.find((x) => x.rule === 'thread-switch-in-delay-slot');
  t.is(e?.address, 0xc0000020);
});

test('thrend writing a register file, uniform read after thrend', (t) => {
  t.true(rules(['mov irq, 1', 'mov ra1, r0; thrend', 'nop', 'nop'].join('\n')).includes('thrend-regfile-write'));
  t.true(rules(['mov irq, 1', 'nop; thrend', 'mov r0, unif', 'nop'].join('\n')).includes('after-thrend-access'));
});

test('uniform read within 2 instructions of a uniforms_address write', (t) => {
  t.true(rules(['mov r0, unif', 'mov unif_addr, r0', 'nop', 'mov r1, unif', EXIT].join('\n'), [0xc0009000, 0, 0]).includes('uniform-after-unif-addr'));
});

test('tmu_noswap written too close to a TMU write', (t) => {
  t.true(rules(['mov r1, unif', 'mov tmurs, 1', 'mov t0s, r1', 'nop; ldtmu0', EXIT].join('\n')).includes('tmu-noswap-too-late'));
});

test('VPM access combined with a setup write; reads left unconsumed', (t) => {
  t.true(rules(['ldi r1, 0x1a00', 'mov vw_setup, r1; mov vpm, r0', EXIT].join('\n')).includes('vpm-setup-misuse'));
  t.true(rules(['ldi vr_setup, 0x00201a00', 'nop', 'nop', 'nop', 'mov r0, vpm', EXIT].join('\n')).includes('vpm-reads-unconsumed'));
});

test('a VPM row or memory word used while the DMA store that reads or writes it still runs; a program ending before its DMA', (t) => {
  const dma = ['mov r1, unif', 'ldi vw_setup, 0x1a00', 'mov vpm, r1', 'ldi vw_setup, 0x80904000', 'mov vw_addr, r1'];
  // Row 0 again (the write setup reset to it) before the DMA reading row 0 is done.
  t.true(rules([...dma, 'ldi vw_setup, 0x1a00', 'mov vpm, r1', 'mov -, vw_wait', EXIT].join('\n')).includes('dma-store-conflict'));
  t.false(rules([...dma, 'mov -, vw_wait', 'ldi vw_setup, 0x1a00', 'mov vpm, r1', 'mov -, vw_wait', EXIT].join('\n')).includes('dma-store-conflict'));
  // Row 1 is not one the DMA reads.
  t.false(rules([...dma, 'mov vpm, r1', 'mov -, vw_wait', EXIT].join('\n')).includes('dma-store-conflict'));
  // A lookup of the first word the DMA writes, before and after the wait.
  t.true(rules([...dma, 'mov t0s, r1', 'nop; ldtmu0', 'mov -, vw_wait', EXIT].join('\n')).includes('dma-store-conflict'));
  t.false(rules([...dma, 'mov -, vw_wait', 'mov t0s, r1', 'nop; ldtmu0', EXIT].join('\n')).includes('dma-store-conflict'));
  t.true(rules([...dma, EXIT].join('\n')).includes('dma-store-running-at-end'));
  t.false(rules([...dma, 'mov -, vw_wait', EXIT].join('\n')).includes('dma-store-running-at-end'));
});

test('missing host interrupt and invalid combinations', (t) => {
  t.true(rules(['nop; thrend', 'nop', 'nop'].join('\n')).includes('no-host-interrupt'));
  t.true(rules(['mov r1, unif', 'nop', 'mov t0s, r1; mov recip, r1', 'nop; ldtmu0', 'nop', 'nop', EXIT].join('\n')).includes('invalid-combination'));
});

test('hazard messages name the source line the sourceLine map gives for the address', (t) => {
  const bytes = new Uint8Array(0x10000);
  const view = new DataView(bytes.buffer);
  assembleVc4(['ldi ra1, 5', 'add r0, ra1, 1', EXIT].join('\n'), 't.qasm').words.forEach((w, i) => {
    view.setUint32(i * 8, Number(w & 0xffffffffn), true);
    view.setUint32(i * 8 + 4, Number(w >> 32n), true);
  });
  view.setUint32(0x8000, 0xc0009000, true);
  view.setUint32(0x8004, 0xc0000000, true);
  const r = runExecuteQpu({ bytes, base: 0xc0000000 }, {
    numQpus: 1, controlAddress: 0xc0008000, sourceLine: (a) => (a === 0xc0000008 ? 'kernels/k.ts:12:5' : undefined),
  });
  const h = r.hazards.find((x) => x.rule === 'regfile-read-after-write');
  t.truthy(h?.message.includes('kernels/k.ts:12:5'));
});
