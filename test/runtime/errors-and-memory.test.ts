/**
 * Runtime hardening: every failure is a RuntimeError subclass with a stable
 * code; numeric options are validated; the address allocator reuses freed
 * ranges; scalar arguments are range-checked.
 */
import test from 'ava';
import { CycleLimitError, Runtime, RuntimeError, RUNTIME_ERROR_CODES } from '../../runtime/index.ts';
import { runCsd } from '../../runtime/emulator/v3d/run.ts';
import { GpuMemory } from '../../runtime/emulator/memory.ts';
import { AddressSpace } from '../../runtime/address-space.ts';
import { assembleV3d } from '../../compiler/isa/v3d/index.ts';
import { Blas } from '../../kernels/saxpy.ts';

const quiet = { log: () => {} };

function wordsToBytes(words: bigint[]): Uint8Array {
  const b = new Uint8Array(words.length * 8);
  const v = new DataView(b.buffer);
  words.forEach((w, i) => v.setBigUint64(i * 8, w, true));
  return b;
}

test('AddressSpace: 3 × (1 GiB alloc + free) then everything is free again; ranges never overlap', (t) => {
  const page = 4096;
  const s = new AddressSpace(0x10_0000, 0xffff_f000, page);
  for (let k = 0; k < 3; k++) {
    const a = s.allocate(2 ** 30, page);
    t.not(a, undefined);
    t.true(s.free(a as number));
  }
  // The whole space is one range again: it can be handed out in one piece.
  const all = s.allocate(0xffff_f000 - 0x10_0000);
  t.is(all, 0x10_0000);
  t.false(s.free(12345), 'freeing an address that was never allocated is refused');
});

test('AddressSpace: random allocations and frees against a plain model — no overlap, no loss', (t) => {
  const page = 4096;
  const first = 0x1000;
  const limit = first + 256 * page;
  const s = new AddressSpace(first, limit, page);
  const live = new Map<number, number>(); // start → bytes incl. guard
  let seed = 12345;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
  for (let step = 0; step < 5000; step++) {
    if (live.size > 0 && rnd(3) === 0) {
      const keys = [...live.keys()];
      const k = keys[rnd(keys.length)] as number;
      t.true(s.free(k));
      live.delete(k);
    } else {
      const bytes = (1 + rnd(8)) * page - rnd(page);
      const a = s.allocate(bytes, page);
      const need = Math.ceil(bytes / page) * page + page;
      const used = [...live.values()].reduce((x, y) => x + y, 0);
      if (a === undefined) {
        // Refusal is only allowed when no gap in the model is large enough.
        const spans = [...live.entries()].sort((x, y) => x[0] - y[0]);
        let cursor = first;
        let biggest = 0;
        for (const [st, sz] of spans) {
          biggest = Math.max(biggest, st - cursor);
          cursor = st + sz;
        }
        biggest = Math.max(biggest, limit - cursor);
        t.true(biggest < need, `refused ${need} bytes with a ${biggest}-byte gap (used ${used})`);
        continue;
      }
      t.true(a >= first && a + need <= limit);
      for (const [st, sz] of live) t.false(a < st + sz && st < a + need, `0x${a.toString(16)} overlaps 0x${st.toString(16)}`);
      live.set(a, need);
    }
  }
  for (const k of live.keys()) s.free(k);
  t.is(s.allocate(limit - first), first, 'all space merged back into one range');
});

test('the emulator reuses freed address space: 40 000 alloc/free pairs of 64 KiB exceed 4 GiB of addresses', async (t) => {
  const rt = await Runtime.open({ backend: 'emulator', ...quiet });
  for (let k = 0; k < 40_000; k++) rt.free(rt.alloc(Uint8Array, 65536));
  const a = rt.alloc(Uint8Array, 16);
  t.true(rt.addressOf(a) > 0);
  rt.close();
});

test('Runtime.open rejects emulator.numQpus and maxCycles that are 0, negative, fractional or huge', async (t) => {
  for (const numQpus of [0, -1, 2.5, 1e300, Number.NaN]) {
    const e = await t.throwsAsync(Runtime.open({ backend: 'emulator', emulator: { numQpus }, ...quiet }), { instanceOf: RuntimeError });
    t.is(e?.code, RUNTIME_ERROR_CODES.INVALID_ARGUMENT);
    t.regex(e?.message ?? '', /numQpus must be a whole number from 1 to 16/);
  }
  for (const maxCycles of [0, -5, 0.5, 1e300]) {
    const e = await t.throwsAsync(Runtime.open({ backend: 'emulator', emulator: { maxCycles }, ...quiet }), { instanceOf: RuntimeError });
    t.regex(e?.message ?? '', /maxCycles must be a whole number/);
  }
});

test('launch options: qpus 0 and a bad timeout are RuntimeErrors with code invalid-argument', async (t) => {
  const rt = await Runtime.open({ backend: 'emulator', ...quiet });
  const x = rt.alloc(Float32Array, 16);
  for (const opts of [{ qpus: 0 }, { qpus: 1.5 }, { qpus: 1, timeoutMs: -5 }, { qpus: 1, timeoutMs: 1e300 }]) {
    const e = await t.throwsAsync(rt.launch(Blas.saxpy, opts, 16, 1, x, x), { instanceOf: RuntimeError });
    t.is(e?.code, 'invalid-argument');
  }
  rt.close();
});

test('the i32 argument range check: 2^31 and -2^31-1 are refused, the extremes accepted', async (t) => {
  const { Ints } = await import('../fixtures/harden/int-arg.ts');
  const rt = await Runtime.open({ backend: 'emulator', ...quiet });
  const out = rt.alloc(Int32Array, 16);
  await t.throwsAsync(rt.launch(Ints.store, { qpus: 1 }, 2 ** 31, out), { instanceOf: RuntimeError, message: /out of i32 range: 2147483648/ });
  await t.throwsAsync(rt.launch(Ints.store, { qpus: 1 }, -(2 ** 31) - 1, out), { instanceOf: RuntimeError, message: /out of i32 range: -2147483649/ });
  await t.throwsAsync(rt.launch(Ints.store, { qpus: 1 }, 1.5, out), { instanceOf: RuntimeError, message: /must be an integer/ });
  await rt.launch(Ints.store, { qpus: 1 }, -(2 ** 31), out);
  t.is(out[0], -(2 ** 31));
  await rt.launch(Ints.store, { qpus: 1 }, 2 ** 31 - 1, out);
  t.is(out[3], 2 ** 31 - 1);
  rt.close();
});

test('launchRaw failures are RuntimeError subclasses with stable codes: decode, memory fault, cycle limit', async (t) => {
  const rt = await Runtime.open({ backend: 'emulator', target: 'vc6', ...quiet });
  // An all-zero word is no V3D instruction.
  const bad = await t.throwsAsync(rt.launchRaw({ code: new Uint8Array(8), uniforms: new Uint32Array(1) }, { qpus: 1 }), { instanceOf: RuntimeError });
  t.is(bad?.code, 'decode');
  t.regex(bad?.message ?? '', /^invalid instruction 0x0000000000000000 at 0x[0-9a-f]{8}: /);
  // A TMU read from address 0 (no buffer there) faults.
  const fault = assembleV3d(['nop ; nop ; ldunifrf.rf0', 'nop ; mov tmua, rf0', 'nop ; nop ; ldtmu.rf1', 'nop ; nop ; thrsw', 'nop ; nop', 'nop ; nop'].join('\n'), 'f.s', 42).words;
  const e2 = await t.throwsAsync(rt.launchRaw({ code: wordsToBytes(fault), uniforms: Uint32Array.of(0) }, { qpus: 1 }), { instanceOf: RuntimeError });
  t.is(e2?.code, 'memory-fault');
  // b -8 loops forever (the 3 delay slots then the branch again).
  const loop = assembleV3d(['l: nop ; nop', 'b l', 'nop ; nop', 'nop ; nop', 'nop ; nop'].join('\n'), 'l.s', 42).words;
  const rt2 = await Runtime.open({ backend: 'emulator', target: 'vc6', emulator: { maxCycles: 20_000 }, ...quiet });
  const e3 = await t.throwsAsync(rt2.launchRaw({ code: wordsToBytes(loop), uniforms: new Uint32Array(1) }, { qpus: 1 }), { instanceOf: CycleLimitError });
  t.is(e3?.code, 'cycle-limit');
  t.is(e3?.cycles, 20_000);
  // The emulator itself (what `qpuc sim` and the fake kernel run) stops with the same class, saying where.
  const mem = new GpuMemory();
  const at = 0x10000;
  mem.map(at, wordsToBytes(loop));
  const raw = t.throws(() => runCsd(mem, [1 << 16, 1 << 16, 1 << 16, (16 << 8) | 16, 0, at, at], { version: 42, maxCycles: 5000 }), { instanceOf: CycleLimitError });
  t.is(raw?.code, 'cycle-limit');
  t.is(raw?.qpu, 0);
  t.true(raw !== undefined && raw.pc !== undefined && raw.pc >= at && raw.pc < at + 40, String(raw?.pc));
  rt.close();
  rt2.close();
});
