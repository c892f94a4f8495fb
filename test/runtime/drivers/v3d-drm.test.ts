// The V3D DRM driver end to end against a fake kernel (test/runtime/drivers/fake/fake-kernel.c, built here with gcc):
// real koffi calls, real ioctl struct packing and real mmap, jobs run on the V3D emulator. Expected values are plain-JS
// computations and the fake kernel's own view of the ioctls it received (its structs follow Linux's v3d_drm.h).
import test from 'ava';
import { Runtime } from '../../../runtime/index.ts';
import { Blas } from '../../../kernels/saxpy.ts';
import { assembleV3d } from '../../../compiler/isa/v3d/index.ts';
import { fakeRoot, loadFakeKernel, type FakeKernel } from './fake/fake-kernel.ts';
import { Spin } from '../../fixtures/hw/spin.ts';

let fake: FakeKernel;
test.before(() => {
  fake = loadFakeKernel(fakeRoot('pi4'));
});
test.beforeEach(() => {
  fake.reset();
  fake.install();
});
test.afterEach.always(() => fake.uninstall());

// All tests share one fake kernel (C globals): run them one after another.
const serial = test.serial;

function saxpyExpected(n: number, a: number, x: Float32Array, y: Float32Array): number[] {
  return Array.from(y, (v, i) => (i < n ? Math.fround(Math.fround(a * (x[i] as number)) + v) : v));
}

async function openHardware(): Promise<Runtime> {
  return Runtime.open({ backend: 'hardware', log: () => {} });
}

serial('a compiled kernel runs through open → alloc → launch → result on the fake V3D 4.2', async (t) => {
  const rt = await openHardware();
  t.is(rt.backend, 'hardware');
  t.is(rt.target, 'vc6');
  t.regex(rt.description, /V3D 4\.2\.0 with 8 QPUs at .*renderD128/);
  const n = 200;
  const x = rt.alloc(Float32Array, n);
  const y = rt.alloc(Float32Array, n);
  x.forEach((_, i) => (x[i] = i * 0.5 - 7));
  y.forEach((_, i) => (y[i] = 3 - i * 0.25));
  const want = saxpyExpected(n, 1.5, x, y);
  const r = await rt.launch(Blas.saxpy, { qpus: 4 }, n, 1.5, x, y);
  t.deepEqual(Array.from(y), want);
  t.is(r.backend, 'hardware');
  // One SUBMIT_CSD, one WAIT_BO for the whole job, with the default 10 s timeout; cfg4 = batches - 1 on 4.2.
  t.is(fake.count('submit_csd'), 1);
  t.is(fake.count('wait_bo'), 1);
  const waited = fake.lastWaitTimeoutNs();
  t.true(waited > 9_000_000_000n && waited <= 10_000_000_000n, `timeout ${waited}`);
  t.is(fake.lastCfg(4), 3);
  // The profile is measured, not modelled: perfmon cycles (the fake counts the emulator's) and wall time.
  t.is(r.profile?.source, 'perfmon');
  t.true((r.profile?.cycles ?? 0) > 0);
  t.true((r.profile?.seconds ?? 0) > 0);
  rt.close();
  t.is(fake.count('live_bos'), 0);
});

serial('timeoutMs reaches WAIT_BO, and an expired wait is reported with what it means', async (t) => {
  const rt = await openHardware();
  const x = rt.alloc(Float32Array, 16);
  await rt.launch(Blas.saxpy, { qpus: 1, timeoutMs: 2500 }, 16, 2, x, x);
  const waited = fake.lastWaitTimeoutNs();
  t.true(waited > 2_000_000_000n && waited <= 2_500_000_000n, `timeout ${waited}`);
  fake.fail('wait_bo', 'ETIME');
  await t.throwsAsync(rt.launch(Blas.saxpy, { qpus: 1, timeoutMs: 50 }, 16, 2, x, x), {
    message: /^Blas\.saxpy: the GPU job did not finish within 50 ms \(LaunchOptions\.timeoutMs\)\. It may still be running/,
  });
  await t.throwsAsync(rt.launch(Blas.saxpy, { qpus: 1, timeoutMs: -1 }, 16, 2, x, x), { message: /timeoutMs must be a positive number/ });
  rt.close();
});

serial('Pi 5: cfg4 is the batch count from V3D 7.1.6 on, minus one before (HUB_IDENT3 revision)', async (t) => {
  for (const [revision, cfg4] of [[6, 5], [2, 4]] as const) {
    fake.reset();
    fake.setIdent(0x17, revision << 8, 0x430);
    const rt = await openHardware();
    t.is(rt.target, 'vc7');
    t.regex(rt.description, new RegExp(`V3D 7\\.1\\.${revision} with 12 QPUs`));
    const x = rt.alloc(Float32Array, 80);
    const y = rt.alloc(Float32Array, 80);
    x.fill(2);
    y.fill(1);
    await rt.launch(Blas.saxpy, { qpus: 5 }, 80, 3, x, y);
    t.is(fake.lastCfg(4), cfg4, `revision ${revision}`);
    // A wrong cfg4 runs one batch too few or too many: every element must be 3*2+1.
    t.deepEqual(Array.from(y), new Array(80).fill(7), `revision ${revision}`);
    rt.close();
  }
});

serial('no permission on the render node: the open error says which groups to join', async (t) => {
  fake.fail('open_v3d', 'EACCES');
  await t.throwsAsync(openHardware(), { message: /^cannot open .*renderD128: permission denied; add your user to the 'render' and 'video' groups/ });
});

serial('a kernel without compute support is named as such', async (t) => {
  fake.setFeatures(false, true, true);
  await t.throwsAsync(openHardware(), { message: /no compute \(CSD\) support; update the kernel/ });
});

serial('out of GPU memory: CREATE_BO ENOMEM is reported with what to do', async (t) => {
  const rt = await openHardware();
  fake.fail('create_bo', 'ENOMEM');
  t.throws(() => rt.alloc(Float32Array, 1024), { message: /allocating 4096 bytes of GPU memory failed: ENOMEM: out of GPU memory; free arrays/ });
  rt.close();
});

// An endless loop: `b` back to itself (with its three delay slots), never reaching thrend.
function endlessLoop(): Uint8Array {
  const words = assembleV3d(['loop: b loop', 'nop ; nop', 'nop ; nop', 'nop ; nop'].join('\n'), 'loop.s', 42).words;
  const b = new Uint8Array(words.length * 8);
  words.forEach((w, i) => new DataView(b.buffer).setBigUint64(8 * i, w, true));
  return b;
}

serial('a GPU reset during a job is an error naming the kernel (reset counter)', async (t) => {
  const rt = await openHardware();
  fake.maxCycles = 100_000;
  await t.throwsAsync(rt.launchRaw({ code: endlessLoop(), uniforms: new Uint32Array(1) }, { qpus: 1 }), {
    message: /^\(raw program\): the GPU was reset while it ran; its results are incomplete/,
  });
  t.is(fake.count('resets'), 1);
  fake.maxCycles = 2_000_000;
  rt.close();
});

serial('without reset counters a raw program (no completion word) past the hang-check window carries a warning', async (t) => {
  fake.setFeatures(true, false, false);
  const rt = await openHardware();
  fake.setWaitDelay(600);
  // A program that only ends its thread.
  const words = assembleV3d(['nop ; nop ; thrsw', 'nop ; nop', 'nop ; nop'].join('\n'), 'end.s', 42).words;
  const code = new Uint8Array(words.length * 8);
  words.forEach((w, i) => new DataView(code.buffer).setBigUint64(8 * i, w, true));
  const r = await rt.launchRaw({ code, uniforms: new Uint32Array(1) }, { qpus: 1 });
  t.regex(r.warnings?.join('\n') ?? '', /\(raw program\) ran \d+ ms; this kernel cannot report GPU resets/);
  // No perfmon: the profile says it only has wall time.
  t.is(r.profile?.source, 'wall-clock');
  t.is(r.profile?.cycles, 0);
  t.true((r.profile?.seconds ?? 0) >= 0.6);
  rt.close();
});

serial('freed and closed arrays are detached: a late read throws instead of touching unmapped memory', async (t) => {
  for (const backend of ['hardware', 'emulator'] as const) {
    const rt = await Runtime.open({ backend, log: () => {} });
    const x = rt.alloc(Float32Array, 64);
    const y = rt.alloc(Float32Array, 64);
    x.fill(5);
    rt.free(x);
    t.is(x.length, 0, backend);
    t.throws(() => x.slice(), { instanceOf: TypeError }, backend);
    rt.close();
    t.is(y.length, 0, backend);
    t.throws(() => y.slice(), { instanceOf: TypeError }, backend);
  }
  t.is(fake.count('live_bos'), 0);
});

serial('opt-in checked launches on V3D: an out-of-bounds access is found on the emulator and never submitted', async (t) => {
  const rt = await Runtime.open({ backend: 'hardware', log: () => {}, checked: true });
  const x = rt.alloc(Float32Array, 16);
  const y = rt.alloc(Float32Array, 16);
  await t.throwsAsync(rt.launch(Blas.saxpy, { qpus: 2 }, 17, 1, x, y), {
    message: /^Blas\.saxpy: out-of-bounds read of 4 bytes at 0x[0-9a-f]{8}, just past the end of the 64-byte buffer at 0x[0-9a-f]{8} at .*saxpy\.ts:\d+:\d+/,
  });
  t.is(fake.count('submit_csd'), 0);
  x.fill(1);
  await rt.launch(Blas.saxpy, { qpus: 2 }, 16, 2, x, y);
  t.deepEqual(Array.from(y), new Array(16).fill(2));
  t.is(fake.count('submit_csd'), 1);
  rt.close();
});

// cfg[0] of one SUBMIT_CSD: [workgroup count X, workgroup offset X].
const countAndOffset = (cfg0: number): [number, number] => [cfg0 >>> 16, cfg0 & 0xffff];

serial('a large launch is split into several SUBMIT_CSD jobs over consecutive workgroup ranges, with the same result', async (t) => {
  const rt = await openHardware();
  const n = 40 * 16 + 5; // every batch of 40 has work
  const x = rt.alloc(Float32Array, n);
  const y = rt.alloc(Float32Array, n);
  x.forEach((_, i) => (x[i] = i % 13));
  y.forEach((_, i) => (y[i] = 1 - (i % 7)));
  const want = saxpyExpected(n, 0.5, x, y);
  // A batch cap: 16 + 16 + 8.
  const r = await rt.launch(Blas.saxpy, { qpus: 40, split: { maxBatches: 16 } }, n, 0.5, x, y);
  t.deepEqual(Array.from(y), want);
  t.is(r.dispatches, 3);
  t.is(fake.count('submit_csd'), 3);
  t.deepEqual([0, 1, 2].map((k) => countAndOffset(fake.cfg0OfSubmit(k))), [[16, 0], [16, 16], [8, 32]]);
  t.is(fake.lastCfg(4), 7, 'cfg4 is the job\'s own batch count minus one on 4.2');
  t.is(fake.count('wait_bo'), 3, 'one WAIT_BO per job');
  rt.close();
});

serial('the time budget: the first job is one wave of resident batches, later ones as many waves as the measured time allows', async (t) => {
  const rt = await openHardware();
  const n = 40 * 16;
  const x = rt.alloc(Float32Array, n);
  const y = rt.alloc(Float32Array, n);
  x.fill(2);
  y.fill(1);
  // Each job takes at least 120 ms (the fake's WAIT_BO sleeps): one 16-batch wave (8 QPUs × 2 threads) is already over a
  // 100 ms budget, so every job is one wave.
  fake.setWaitDelay(120);
  const r = await rt.launch(Blas.saxpy, { qpus: 40, split: { budgetMs: 100 } }, n, 3, x, y);
  t.deepEqual(Array.from(y), new Array(n).fill(7));
  t.deepEqual([0, 1, 2].map((k) => countAndOffset(fake.cfg0OfSubmit(k))), [[16, 0], [16, 16], [8, 32]]);
  t.is(r.dispatches, 3);
  t.true((r.profile?.seconds ?? 0) >= 0.36, 'the profile adds the jobs\' times');
  rt.close();
  // Default on hardware ({ budgetMs: 250 }): a fast first wave lets the rest go in one job.
  fake.reset();
  fake.install();
  const rt2 = await openHardware();
  const a = rt2.alloc(Float32Array, n);
  const b = rt2.alloc(Float32Array, n);
  a.fill(1);
  const r2 = await rt2.launch(Blas.saxpy, { qpus: 40 }, n, 4, a, b);
  t.deepEqual(Array.from(b), new Array(n).fill(4));
  t.deepEqual(countAndOffset(fake.cfg0OfSubmit(0)), [16, 0]);
  t.true((r2.dispatches ?? 0) >= 2);
  rt2.close();
  // split: false is one job of all 40 batches; a barrier kernel is never split.
  fake.reset();
  fake.install();
  const rt3 = await openHardware();
  const c = rt3.alloc(Float32Array, n);
  await rt3.launch(Blas.saxpy, { qpus: 40, split: false }, n, 4, c, c);
  t.deepEqual(countAndOffset(fake.cfg0OfSubmit(0)), [40, 0]);
  t.is(fake.count('submit_csd'), 1);
  await t.throwsAsync(rt3.launch(Blas.saxpy, { qpus: 4, split: { maxBatches: 0 } }, n, 4, c, c), { message: /options\.split\.maxBatches must be an integer from 1 to 65535, got 0/ });
  await t.throwsAsync(rt3.launch(Blas.saxpy, { qpus: 4, split: { budgetMs: -5 } }, n, 4, c, c), { message: /options\.split\.budgetMs must be a positive number/ });
  rt3.close();
});

serial('no reset counter: compiled kernels write a completion word, and a reset that leaves it unwritten is an error naming the kernel', async (t) => {
  fake.setFeatures(true, false, false); // GET_PARAM GLOBAL/CONTEXT_RESET_COUNTER → EINVAL, no perfmon
  const rt = await openHardware();
  const out = rt.alloc(Uint32Array, 3 * 16);
  // A short run finishes: every batch wrote its word, no error and no "cannot report resets" warning even past 500 ms.
  fake.setWaitDelay(550);
  const ok = await rt.launch(Spin.sum, { qpus: 3 }, 10, out);
  t.deepEqual(Array.from(out), new Array(48).fill(45));
  t.is(ok.warnings, undefined);
  fake.setWaitDelay(0);
  // A run past the fake kernel's hang check: the GPU is reset, WAIT_BO returns 0, no counter moves — the word is missing.
  fake.maxCycles = 50_000;
  await t.throwsAsync(rt.launch(Spin.sum, { qpus: 3 }, 1_000_000, out), {
    message: /^Spin\.sum: 3 of the 3 batches of its GPU job \(batches 0…2\) never wrote their completion word, so they did not finish: the GPU was most likely reset/,
  });
  t.is(fake.count('resets'), 1);
  fake.maxCycles = 2_000_000;
  // With reset counters the kernel runs as compiled (no completion word) and the counter reports the reset.
  rt.close();
  fake.reset();
  fake.install();
  const rt2 = await openHardware();
  const out2 = rt2.alloc(Uint32Array, 16);
  fake.maxCycles = 50_000;
  await t.throwsAsync(rt2.launch(Spin.sum, { qpus: 1 }, 1_000_000, out2), { message: /^Spin\.sum: the GPU was reset while it ran/ });
  fake.maxCycles = 2_000_000;
  rt2.close();
});
