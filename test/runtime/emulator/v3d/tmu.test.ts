import test from 'ava';
import { GpuMemory } from '../../../../runtime/emulator/memory.ts';
import { issueLookup, TmuState } from '../../../../runtime/emulator/v3d/tmu.ts';

function memory(): GpuMemory {
  const mem = new GpuMemory();
  const bytes = new Uint8Array(256);
  for (let i = 0; i < 256; i++) bytes[i] = i;
  mem.map(0x1000, bytes);
  return mem;
}
const lanes = (f: (l: number) => number): Uint32Array => Uint32Array.from({ length: 16 }, (_, l) => f(l) >>> 0);

test('FIFO entries are reused: results stay in request order, and a masked load after a full one reads 0 in its off lanes', (t) => {
  const mem = memory();
  const tmu = new TmuState();
  const word = (l: number, a: number): number => ((a + l * 4) & 0xff) | (((a + l * 4 + 1) & 0xff) << 8) | (((a + l * 4 + 2) & 0xff) << 16) | (((a + l * 4 + 3) & 0xff) << 24);
  // Two full loads in flight, then popped: their words are the bytes at 0x1000 + 4l and 0x1040 + 4l.
  issueLookup(mem, tmu, lanes((l) => 0x1000 + 4 * l), 0xffff, 42);
  issueLookup(mem, tmu, lanes((l) => 0x1040 + 4 * l), 0xffff, 42);
  t.is(tmu.pendingWords, 2);
  t.deepEqual([...(tmu.pop()?.word ?? [])], Array.from({ length: 16 }, (_, l) => word(l, 0) >>> 0));
  t.deepEqual([...(tmu.pop()?.word ?? [])], Array.from({ length: 16 }, (_, l) => word(l, 0x40) >>> 0));
  t.is(tmu.pop(), undefined);
  // The pooled entries now hold data; a load with only even lanes on must not show stale words in odd lanes.
  issueLookup(mem, tmu, lanes((l) => 0x1080 + 4 * l), 0x5555, 42);
  const got = [...(tmu.pop()?.word ?? [])];
  t.deepEqual(got, Array.from({ length: 16 }, (_, l) => (l % 2 === 0 ? word(l, 0x80) >>> 0 : 0)));
});

test('unaligned and cross-region 32-bit lookups read the same bytes as GpuMemory.read32; outside every buffer faults', (t) => {
  const mem = memory();
  mem.map(0x2000, new Uint8Array(64).fill(0xab));
  const tmu = new TmuState();
  // Lane 0 unaligned, lane 1 in the other region, the rest aligned.
  const addrs = lanes((l) => (l === 0 ? 0x1003 : l === 1 ? 0x2004 : 0x1000 + 8 * l));
  issueLookup(mem, tmu, addrs, 0xffff, 42);
  const got = [...(tmu.pop()?.word ?? [])];
  t.deepEqual(got, [...addrs].map((a) => mem.read32(a)));
  t.is(got[0], 0x06050403);
  t.is(got[1], 0xabababab);
  t.throws(() => issueLookup(mem, tmu, lanes((l) => (l === 5 ? 0x9000 : 0x1000)), 0xffff, 42), { message: /outside every mapped buffer/ });
});
