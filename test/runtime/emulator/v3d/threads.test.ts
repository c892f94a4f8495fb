import test from 'ava';
import { DATA, END, runAsm, words } from './builder.ts';

const barrierKernel = (barrier: boolean): string => `
  .uniform ${DATA}
  tidx r0 ; nop ; ldunif
  shr r0, r0, 2 ; nop
  nop ; mov rf5, r5
  nop ; mov rf2, r0
  shl r1, r0, 6 ; nop
  eidx r2 ; nop
  shl r2, r2, 2 ; nop
  add r1, r1, r2 ; nop
  add rf1, r1, rf5 ; nop
  add r3, r0, 1 ; nop
  shl r2, r0, 6 ; nop
  add r2, r2, 1 ; nop
  spin:
  sub.pushz r2, r2, 1 ; nop
  b.anyna spin
  nop ; nop
  nop ; nop
  nop ; nop
  nop ; mov tmud, r3
  nop ; mov tmua, rf1
  tmuwt - ; nop
  ${barrier ? 'barrierid syncb ; nop ; thrsw' : 'nop ; nop ; thrsw'}
  nop ; nop
  nop ; nop
  add r0, rf2, 1 ; nop
  and r0, r0, 7 ; nop
  shl r0, r0, 6 ; nop
  eidx r1 ; nop
  shl r1, r1, 2 ; nop
  add r0, r0, r1 ; nop
  add r0, r0, rf5 ; nop
  nop ; mov tmua, r0
  nop ; mov r2, 1 ; ldtmu.r3
  shl r2, r2, 9 ; nop
  add r2, r2, rf1 ; mov tmud, r3
  nop ; mov tmua, r2
  tmuwt - ; nop
  ${END}`;

test('barrier: syncb + thrsw holds every thread of the supergroup until all arrive (pv6 test_barrier)', (t) => {
  // QPU q spins 64q+1 times, stores q+1 in its block, then reads its neighbour's block.
  const r = runAsm(42, barrierKernel(true), { batches: 8 });
  for (let q = 0; q < 8; q++) t.deepEqual(words(r, 512 + q * 64), new Array(16).fill(((q + 1) & 7) + 1), `QPU ${q}`);
  t.deepEqual(r.result.hazards.filter((h) => h.severity === 'error'), []);
  t.true((r.result.profile.stalls['barrier'] ?? 0) > 0);
  // Without the barrier the fast QPUs read their slower neighbours' blocks before they are written.
  const racy = runAsm(42, barrierKernel(false), { batches: 8 });
  t.deepEqual(words(racy, 512), new Array(16).fill(0));
});

const loadLoop = `
  .uniform 16, ${DATA}
  nop ; nop ; ldunif
  nop ; mov rf1, r5 ; ldunif
  eidx r1 ; nop
  shl r1, r1, 2 ; nop
  add rf2, r5, r1 ; mov rf4, 1
  loop:
  nop ; mov tmua, rf2
  nop ; nop ; thrsw
  nop ; nop
  nop ; nop
  nop ; nop ; ldtmu.rf3
  sub.pushz rf1, rf1, rf4 ; nop
  b.anyna loop
  nop ; nop
  nop ; nop
  nop ; nop
  ${END}`;

// Flags do not survive a switch (notes 2.1): the loop sets them after resuming.
test('timing: a second thread on the QPU hides TMU latency behind thrsw', (t) => {
  const one = runAsm(42, loadLoop, { batches: 1 }).result.profile;
  const two = runAsm(42, loadLoop, { batches: 2, run: { numQpus: 1 } }).result.profile;
  t.is(two.instructions, 2 * one.instructions);
  // Each pass waits for TMU latency; with two threads their waits overlap.
  // One instruction per 4 clocks (notes 7): issue alone would take instructions x 4 clocks; the loads' waits dominate.
  t.true(one.cycles > 2 * 4 * one.instructions, `one thread waits for each load (${one.cycles} clocks, ${one.instructions} instructions)`);
  t.true(two.cycles < 1.3 * one.cycles, `two threads: ${two.cycles} vs one: ${one.cycles}`);
});

test('timing: an SFU-op result read by the next instruction stalls (rule 11), one instruction later does not', (t) => {
  const k = (gap: boolean): string => `
    eidx r0 ; nop
    recip rf1, r0 ; nop
    ${gap ? 'nop ; nop' : ''}
    fadd rf2, rf1, rf1 ; nop
    ${END}`;
  t.is(runAsm(42, k(false)).result.profile.stalls['sfu'], 4);
  t.is(runAsm(42, k(true)).result.profile.stalls['sfu'], 0);
});
