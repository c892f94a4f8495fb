/**
 * The executor lets each QPU run ahead alone until its next access to shared
 * state. These tests hold it to the plain definition it claims to match: a
 * lock-step machine that, every tick, offers QPUs 0, 1, … one issue slot each
 * (a stalled QPU loses its slot). The reference below is written from that
 * definition with the same QPU model, so any difference is the scheduler's.
 */
import test from 'ava';
import { assembleVc4 } from '../../../../compiler/isa/vc4/index.ts';
import { decodeVc4 } from '../../../../compiler/isa/vc4/encode.ts';
import { compileVc4, type CompiledInstr } from '../../../../runtime/emulator/vc4/compile.ts';
import { runExecuteQpu, type ExecuteQpuResult } from '../../../../runtime/emulator/vc4/execute.ts';
import { HazardChecker } from '../../../../runtime/emulator/vc4/hazards.ts';
import { GpuMemory } from '../../../../runtime/emulator/vc4/memory.ts';
import { NO_STALL, Qpu, STALL_NAMES, Vc4Shared } from '../../../../runtime/emulator/vc4/qpu.ts';
import { BASE, CONTROL, DATA, EXIT, SIZE, UNIFORMS, storeVector } from './program.ts';

/** Lock step, tick by tick: every QPU not done either issues or books one stalled tick. */
function lockStep(bytes: Uint8Array, numQpus: number): ExecuteQpuResult {
  const mem = new GpuMemory(bytes, BASE);
  const shared = new Vc4Shared(mem);
  const cache = new Map<number, CompiledInstr>();
  const fetch = (q: Qpu): CompiledInstr => {
    const key = q.pc >>> 0;
    let c = cache.get(key);
    if (!c) {
      const lo = mem.read32(key) as number;
      const hi = mem.read32(key + 4) as number;
      c = compileVc4(key, decodeVc4((BigInt(hi) << 32n) | BigInt(lo)));
      cache.set(key, c);
    }
    return c;
  };
  const qpus = Array.from({ length: numQpus }, (_, k) => new Qpu(k, shared, mem.read32(CONTROL + 8 * k + 4) as number, mem.read32(CONTROL + 8 * k) as number));
  const checkers = qpus.map((q) => new HazardChecker(q.id));
  const stallTick = (q: Qpu, cause: number): void => {
    if (q.stalls[cause] === 0) q.stallOrder.push(cause as 0);
    (q.stalls[cause] as number) += 4;
    q.stallTicks++;
  };
  let end = 0;
  for (let tick = 0; qpus.some((q) => !q.done); tick++) {
    if (tick > 1e6) throw new Error('reference: no end');
    shared.tick = tick;
    for (const q of qpus) {
      if (q.done) continue;
      const c = fetch(q);
      if (q.readyAt > tick) {
        stallTick(q, q.readyCause);
        continue;
      }
      const cause = c.stall ? c.stall(q) : NO_STALL;
      if (cause !== NO_STALL) {
        stallTick(q, cause);
        continue;
      }
      q.wA = -1;
      q.wB = -1;
      q.accW = 0;
      c.exec(q);
      q.finish();
      (checkers[q.id] as HazardChecker).check(c, q.wA, q.wB, q.accW);
      if (q.done) {
        end = tick + 1;
        if (!q.hostInterrupt) (checkers[q.id] as HazardChecker).report('no-host-interrupt', c.address, 'program ended without writing host_int (execute_qpu waits for one interrupt per QPU)');
      }
    }
  }
  const stalls: Record<string, number> = {};
  for (const q of qpus) for (const k of q.stallOrder) stalls[STALL_NAMES[k]] = (stalls[STALL_NAMES[k]] ?? 0) + (q.stalls[k] as number);
  const cycles = end * 4;
  return {
    profile: {
      cycles, clockHz: 250e6, seconds: cycles / 250e6, instructions: qpus.reduce((s, q) => s + q.instructions, 0),
      bytesRead: shared.bytesRead, bytesWritten: shared.bytesWritten, flops: shared.flops, stalls,
      perQpuCycles: qpus.map((q) => (q.instructions + q.stallTicks) * 4),
    },
    hazards: checkers.flatMap((c) => c.reports),
    hostInterrupts: qpus.map((q) => q.hostInterrupt),
  };
}

/**
 * Memory image: `src` at BASE (or QPU k's own program `own(k)` at BASE + 0x1000·(k + 1)), QPU k's uniforms
 * from `uniforms(k)`, control list for `numQpus`.
 */
function image(src: string, numQpus: number, uniforms: (k: number) => number[], init?: (m: DataView) => void, own?: (k: number) => string): Uint8Array {
  const bytes = new Uint8Array(SIZE);
  const m = new DataView(bytes.buffer);
  const place = (text: string, at: number): void => {
    assembleVc4(text, 'sched.qasm').words.forEach((w, i) => {
      m.setUint32(at + i * 8, Number(w & 0xffffffffn), true);
      m.setUint32(at + i * 8 + 4, Number(w >> 32n), true);
    });
  };
  place(src, 0);
  for (let k = 0; k < numQpus; k++) {
    if (own) place(own(k), 0x1000 * (k + 1));
    uniforms(k).forEach((v, i) => m.setUint32(UNIFORMS - BASE + 0x100 * k + 4 * i, v >>> 0, true));
    m.setUint32(CONTROL - BASE + 8 * k, UNIFORMS + 0x100 * k, true);
    m.setUint32(CONTROL - BASE + 8 * k + 4, own ? BASE + 0x1000 * (k + 1) : BASE, true);
  }
  init?.(m);
  return bytes;
}

/** Run `bytes` both ways; the results and the memory they leave must be identical. */
function same(t: import('ava').ExecutionContext, bytes: Uint8Array, numQpus: number): ExecuteQpuResult {
  const ref = bytes.slice();
  const want = lockStep(ref, numQpus);
  const got = runExecuteQpu({ bytes, base: BASE }, { numQpus, controlAddress: CONTROL });
  t.deepEqual(got, want);
  t.true(Buffer.from(bytes).equals(Buffer.from(ref)), 'same memory afterwards');
  return got;
}

test('12 QPUs contending for the TMUs, the memory port and the DMA store engine: same timing as lock step', (t) => {
  const src = [
    'mov ra0, unif', 'mov ra1, unif', 'mov ra2, unif', 'mov ra3, unif',
    'ldi ra4, 6', 'shl r3, elem_num, 2', 'ldi rb5, 64', 'itof r1, elem_num', 'ldi rb6, 1',
    ':loop',
    'add t0s, ra0, r3', 'add ra0, ra0, rb5', 'sub.setf ra4, ra4, rb6; nop; ldtmu0',
    'fadd r0, r4, r1; mov vw_setup, ra2', 'mov vpm, r0', 'mov vw_setup, ra3', 'mov vw_addr, ra1',
    'brr.anynz -, r:loop', 'mov.never -, vw_wait', 'nop', 'nop',
    EXIT,
  ].join('\n');
  const bytes = image(src, 12, (k) => [DATA, DATA + 0x8000 + 0x100 * k, 0x00001a00 | k, (0x80904000 | (k << 7)) >>> 0]);
  const r = same(t, bytes, 12);
  t.true((r.profile.stalls.tmu ?? 0) > 0 && (r.profile.stalls.dma ?? 0) > 0, 'the run does contend');
});

test('a QPU that ran ahead to the tick where a lower-numbered QPU waits to use the memory port goes second, as in lock step', (t) => {
  // QPU 0: a TMU load, a stall for its result, then a second load that misses. QPU 4 (another slice, same
  // memory port): n nops, then a load that misses. For some n both misses reach the port on the same tick.
  const qpu0 = ['ldi r1, ' + (DATA + 0x1000), 'ldi r2, ' + (DATA + 0x2000), 'mov t0s, r1', 'nop; ldtmu0', 'mov t0s, r2', 'nop; ldtmu0', EXIT].join('\n');
  let contended = 0;
  for (let n = 0; n < 40; n++) {
    const qpu4 = ['ldi r1, ' + (DATA + 0x3000), ...Array.from({ length: n }, () => 'nop'), 'mov t0s, r1', 'nop; ldtmu0', EXIT].join('\n');
    const bytes = image(qpu0, 5, () => [], undefined, (k) => (k === 4 ? qpu4 : k === 0 ? qpu0 : EXIT));
    const r = same(t, bytes, 5);
    if ((r.profile.stalls.tmu ?? 0) > 0) contended++;
  }
  t.true(contended > 0);
});

test('a semaphore chain over 4 QPUs: same order, stalls and result as lock step', (t) => {
  const src = [
    'mov ra2, unif', 'mov r1, unif', 'mov ra3, unif', 'nop',
    'mov.setf -, ra2', 'nop', 'brr.allz -, r:first', 'nop', 'nop', 'nop',
    'sacq -, 0',
    ':first',
    'mov t0s, r1', 'nop; ldtmu0', 'add r0, r4, ra3', 'nop',
    storeVector('r0', 'r1'),
    'srel -, 0', EXIT,
  ].join('\n');
  const bytes = image(src, 4, (k) => [k, DATA, 1 << k]);
  const r = same(t, bytes, 4);
  t.is(new DataView(bytes.buffer).getUint32(DATA - BASE, true), 15, 'every increment landed');
  t.true((r.profile.stalls.semaphore ?? 0) > 0);
});

test('a mutex-protected read-modify-write on 6 QPUs: same as lock step, no update lost', (t) => {
  const src = [
    'mov r1, unif', 'mov ra3, unif',
    'mov.never -, mutex', // acquire: the read waits while another QPU holds the mutex [ARG p.38]
    'mov t0s, r1', 'nop; ldtmu0', 'add r0, r4, ra3', 'nop',
    storeVector('r0', 'r1'),
    'mov mutex, 0', // release
    EXIT,
  ].join('\n');
  const bytes = image(src, 6, (k) => [DATA, k + 1]);
  const r = same(t, bytes, 6);
  t.is(new DataView(bytes.buffer).getUint32(DATA - BASE, true), 21, '1 + 2 + … + 6');
  t.true((r.profile.stalls.mutex ?? 0) > 0);
});

test('QPUs that all wait on semaphores nobody signals: a deadlock error at once, naming the waits', (t) => {
  const bytes = image(['sacq -, 3', EXIT].join('\n'), 2, () => []);
  const e = t.throws(() => runExecuteQpu({ bytes, base: BASE }, { numQpus: 2, controlAddress: CONTROL }));
  t.regex(e?.message ?? '', /deadlock: .*QPU 0 on the semaphore at 0xc0000000, QPU 1 on the semaphore at 0xc0000000/);
});
