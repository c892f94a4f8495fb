/**
 * The VC4 timing model against documented latencies (ARG: one instruction per
 * 4 clocks; VC4C's emulator: a TMU hit returns 9 instruction cycles after the
 * request) and the published sgemm figure; mechanism tests (port sharing, the
 * 4 KB direct-mapped cache) compare the model with itself, not with its constants.
 */
import test from 'ava';
import { MemoryPort, TmuTiming } from '../../../../runtime/emulator/vc4/timing.ts';
import { BASE, DATA, EXIT, run } from './program.ts';

test('the memory port is shared: a second request waits for the first', (t) => {
  const port = new MemoryPort();
  const first = port.request(0, 64);
  t.true(first > 0);
  // The second request of the same size queues behind the first: it ends about one transfer later.
  const second = port.request(0, 64);
  t.true(Math.abs(second - 2 * first) <= 1, `${second} vs 2 x ${first}`);
  const idle = new MemoryPort();
  t.is(idle.request(100, 64) - 100, first, 'an idle port starts at once');
});

test('TMU: a miss fills lines from memory, the same 16 addresses then hit the 4 KB direct-mapped cache [ADD]', (t) => {
  const tmu = new TmuTiming(new MemoryPort());
  const addrs = new Uint32Array(16).map((_, e) => 0x1000 + 4 * e); // one 64-byte line
  const miss = tmu.lookup(0, addrs, 0);
  // VC4C's emulator: 9 instruction cycles from "line present" to data [VC4C-E]; a miss takes longer.
  const HIT = 9;
  t.true(miss > HIT);
  t.is(tmu.lookup(1000, addrs, 0), 1000 + HIT);
  const thrash = new Uint32Array(16).map((_, e) => 0x1000 + 4096 * (e & 1)); // 4 KB apart: same cache slot
  t.true(tmu.lookup(2000, thrash, 0) > 2000 + HIT, 'addresses 4 KB apart evict each other');
});

test('one QPU runs one instruction per 4 clocks; ALU code takes exactly its instruction count', (t) => {
  const r = run(['ldi r0, 1', ...Array(20).fill('add r0, r0, r0'), EXIT].join('\n'));
  t.is(r.profile.instructions, 25);
  // ARG p.16: one instruction per 4 clocks; Pi 1-3 V3D clock 250 MHz.
  t.is(r.profile.cycles, 25 * 4);
  t.is(r.profile.seconds, (25 * 4) / 250e6);
});

test('uniform reads wait for their line from memory; a TMU load waits at least the hit latency', (t) => {
  const r = run(['mov r1, unif', 'nop', 'mov t0s, r1', 'nop; ldtmu0', EXIT].join('\n'), { uniforms: () => [DATA], init: (m) => m.setUint32(DATA - BASE, 7, true) });
  t.true((r.profile.stalls.uniforms ?? 0) > 0, 'the first uniform line comes from memory');
  // A TMU hit is 9 instruction cycles (36 clocks) [VC4C-E]; the two instructions after the request overlap it.
  t.true((r.profile.stalls.tmu ?? 0) >= 4 * (9 - 2));
});
