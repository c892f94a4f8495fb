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

/**
 * 16 passes of: `lookups` loads, a thread switch, their collections (the loop's flags set after it: flags do not
 * survive a switch, notes 2.1).
 */
const lookupLoop = (ver: 42 | 71, lookups: number): string => `
  .uniform 16, ${DATA}
${ver === 42 ? '  nop ; nop ; ldunif\n  nop ; mov rf1, r5 ; ldunif\n  nop ; mov rf5, r5' : '  nop ; nop ; ldunifrf.rf1\n  nop ; nop ; ldunifrf.rf5'}
  eidx rf6 ; nop
  shl rf6, rf6, 2 ; nop
  add rf2, rf5, rf6 ; nop
  nop ; mov rf4, 1
  loop:
${Array.from({ length: lookups }, () => '  nop ; mov tmua, rf2').join('\n')}
  nop ; nop ; thrsw
  nop ; nop
  nop ; nop
${Array.from({ length: lookups }, () => '  nop ; nop ; ldtmu.rf3').join('\n')}
  sub.pushz rf1, rf1, rf4 ; nop
  b.anyna loop
  nop ; nop
  nop ; nop
  nop ; nop
  ${END}`;
const loadLoop = lookupLoop(42, 1);

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

// Eight lookups in flight per pass: a thread's whole share of the output FIFO (16 entries per QPU, 16 / threads
// per thread: Mesa's MAX_TMU_QUEUE_SIZE comment, semantics notes 5.3).
test('timing: each of a QPU\'s two threads keeps its own eight lookups in flight (16 / threads output FIFO entries each)', (t) => {
  for (const ver of [42, 71] as const) {
    const one = runAsm(ver, lookupLoop(ver, 8), { batches: 1 }).result;
    const two = runAsm(ver, lookupLoop(ver, 8), { batches: 2, run: { numQpus: 1 } }).result;
    t.deepEqual(two.hazards.filter((h) => h.severity === 'error'), [], `v${ver}: no FIFO overflow`);
    t.is(two.profile.instructions, 2 * one.profile.instructions);
    // The second thread's eight lookups do not wait for the first thread's: sixteen are in flight on the QPU.
    t.is(two.profile.stalls['tmu-queue'] ?? 0, 0, `v${ver}: no thread waits for the other's FIFO entries`);
    t.true(two.profile.cycles < 1.3 * one.profile.cycles, `v${ver}: two threads ${two.profile.cycles} clocks, one ${one.profile.cycles}`);
  }
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

test('timing: the QPUs of a slice share one SFU (ARG: one per slice; 4 QPUs per slice), which takes 4 lanes per clock', (t) => {
  // 32 back-to-back recips per thread, nothing reading them: 40 instructions in all.
  const src = `eidx rf2 ; nop\n${Array.from({ length: 32 }, () => 'recip rf1, rf2 ; nop').join('\n')}\n${END}`;
  const cycles = (batches: number) => runAsm(42, src, { batches }).result.profile.cycles;
  // One QPU: an op every 4 clocks is what one SFU at 4 lanes per clock takes: no stall, 40 x 4 clocks.
  t.is(cycles(1), 40 * 4);
  // Four QPUs of one slice: 4 x 32 ops x 4 clocks of SFU time = 512 clocks, plus the 8 other instructions at most.
  const four = cycles(4);
  t.true(four >= 4 * 32 * 4 && four <= 4 * 32 * 4 + 8 * 4, `4 QPUs in one slice: ${four} clocks`);
  // Eight QPUs are two slices with an SFU each: no slower than four.
  t.is(cycles(8), four);
  // Two QPUs of one slice: 2 x 32 x 4 = 256 clocks of SFU time at least.
  t.true(cycles(2) >= 2 * 32 * 4);
});

test('a thread switch clears rtop: multop, thrsw, umul24 gives the plain 24-bit product (Mesa; hazard r20 reported)', (t) => {
  const src = `.uniform ${DATA}, ${0x01000003}, 5
    nop ; nop ; ldunif
    nop ; mov rf1, r5 ; ldunif
    nop ; mov rf2, r5 ; ldunif
    nop ; mov rf3, r5
    nop ; multop -, rf2, rf3
    nop ; nop ; thrsw
    nop ; nop
    nop ; nop
    nop ; umul24 r1, rf2, rf3
    eidx r0 ; nop
    shl r0, r0, 2 ; nop
    add r0, r0, rf1 ; mov tmud, r1
    nop ; mov tmua, r0
    tmuwt - ; nop
    ${END}`;
  const r = runAsm(42, src, { run: { hazards: 'warn' } });
  // (0x01000003 mod 2^24) * 5 = 15; with rtop kept it would be the full low 32 bits, 0x0500000f.
  t.deepEqual(Array.from({ length: 16 }, (_, i) => r.data.getUint32(4 * i, true)), new Array(16).fill(15));
  t.true(r.result.hazards.some((h) => h.rule === 'r20-multop-across-switch'));
});
