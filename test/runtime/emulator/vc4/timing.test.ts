/** The timing model's shared resources behave as their constants say (timing.ts). */
import test from 'ava';
import { MemoryPort, TmuTiming, VC4_TIMING } from '../../../../runtime/emulator/vc4/timing.ts';
import { BASE, DATA, EXIT, run } from './program.ts';

test('the memory port is shared: a second request waits for the first', (t) => {
  const port = new MemoryPort();
  const line = VC4_TIMING.lineBytes / VC4_TIMING.memoryBytesPerTick;
  // Ready ticks are whole ticks; the port's own clock keeps the fractions so small requests add up exactly.
  t.is(port.request(0, 64), Math.ceil(line));
  t.is(port.request(0, 64), Math.ceil(2 * line));
  t.is(port.request(100, 64), Math.ceil(100 + line), 'an idle port starts at once');
});

test('TMU: a miss fills lines from memory, the same 16 addresses then hit the 4 KB direct-mapped cache [ADD]', (t) => {
  const tmu = new TmuTiming(new MemoryPort());
  const addrs = new Uint32Array(16).map((_, e) => 0x1000 + 4 * e); // one 64-byte line
  const miss = tmu.lookup(0, addrs, 0);
  t.true(miss > VC4_TIMING.tmuHitLatencyTicks);
  t.is(tmu.lookup(1000, addrs, 0), 1000 + VC4_TIMING.tmuHitLatencyTicks);
  const thrash = new Uint32Array(16).map((_, e) => 0x1000 + 4096 * (e & 1)); // 4 KB apart: same cache slot
  t.true(tmu.lookup(2000, thrash, 0) > 2000 + VC4_TIMING.tmuHitLatencyTicks, 'addresses 4 KB apart evict each other');
});

test('one QPU runs one instruction per 4 clocks; ALU code takes exactly its instruction count', (t) => {
  const r = run(['ldi r0, 1', ...Array(20).fill('add r0, r0, r0'), EXIT].join('\n'));
  t.is(r.profile.instructions, 25);
  t.is(r.profile.cycles, 25 * VC4_TIMING.clocksPerInstruction);
  t.is(r.profile.seconds, r.profile.cycles / 250e6);
});

test('uniform reads wait for their line from memory; a TMU load waits at least the hit latency', (t) => {
  const r = run(['mov r1, unif', 'nop', 'mov t0s, r1', 'nop; ldtmu0', EXIT].join('\n'), { uniforms: () => [DATA], init: (m) => m.setUint32(DATA - BASE, 7, true) });
  t.true((r.profile.stalls.uniforms ?? 0) >= 4 * VC4_TIMING.missLatencyTicks);
  t.true((r.profile.stalls.tmu ?? 0) >= 4 * (VC4_TIMING.tmuHitLatencyTicks - 2));
});
