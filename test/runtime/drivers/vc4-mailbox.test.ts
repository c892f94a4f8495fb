// The VC4 mailbox driver end to end against the fake kernel (fake /dev/vcio + /dev/mem backed by the VC4 emulator):
// real koffi calls, the property-tag buffers, /dev/mem mapping at bus & ~0xC0000000. Expected values are plain-JS
// computations; the numbers (ioctl request, tags, flags) are checked against the values documented in
// shared/docs/hardware-interface.md 2.2–2.4.
import test from 'ava';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Runtime } from '../../../runtime/index.ts';
import { Blas } from '../../../kernels/saxpy.ts';
import { Scale } from '../../fixtures/identity/scale.ts';
import { assembleVc4 } from '../../../compiler/isa/vc4/index.ts';
import { MBOX_TAG, MEM_FLAG, cacheFlagsFor, mailboxIoctl } from '../../../runtime/drivers/vc4-mailbox.ts';
import { fakeRoot, loadFakeKernel, type FakeKernel } from './fake/fake-kernel.ts';

let fake: FakeKernel;
test.before(() => {
  fake = loadFakeKernel(fakeRoot('pi3'));
});
test.beforeEach(() => {
  fake.reset();
  fake.install();
});
test.afterEach.always(() => fake.uninstall());
const serial = test.serial;

function program(lines: string[]): Uint8Array {
  const words = assembleVc4(lines.join('\n'), 'raw.qasm').words;
  const b = new Uint8Array(words.length * 8);
  words.forEach((w, i) => new DataView(b.buffer).setBigUint64(8 * i, w, true));
  return b;
}

// out[qpu*16 + lane] = 100*qpu + lane through the VPM and its DMA store engine (uniforms: address, 100*qpu).
const WRITER = program([
  'mov r1, unif', 'mov r2, unif', 'ldi r3, 0x1a00', 'add vw_setup, r3, qpu_num', 'add r0, elem_num, r2', 'mov vpm, r0',
  'mov r3, qpu_num', 'shl r3, r3, 7', 'ldi r0, 0x80904000', 'add vw_setup, r0, r3', 'mov vw_addr, r1', 'mov.never -, vw_wait',
  'mov.never -, vw_wait', 'mov -, vr_wait', 'ldi host_int, 1', 'nop; thrend', 'nop', 'nop',
]);

test('facts: the mailbox ioctl number per userland width, tags and flags', (t) => {
  t.is(mailboxIoctl(4), 0xc0046400); // _IOWR(100, 0, char *) on 32-bit userland
  t.is(mailboxIoctl(8), 0xc0086400); // … and on 64-bit
  t.deepEqual(MBOX_TAG, { ALLOCATE: 0x3000c, LOCK: 0x3000d, UNLOCK: 0x3000e, RELEASE: 0x3000f, EXECUTE_QPU: 0x30011, ENABLE_QPU: 0x30012 });
  t.is(MEM_FLAG.DIRECT, 0x4);
  t.is(MEM_FLAG.L1_NONALLOCATING, 0xc);
  t.is(cacheFlagsFor(0x20000000), 0xc | 0x10); // Pi 0/1: L2-cached alias, zeroed
  t.is(cacheFlagsFor(0x3f000000), 0x4 | 0x10); // Pi 2/3: uncached alias, zeroed
});

serial('a Pi 3 with firmware graphics runs a program on 3 QPUs through execute_qpu', async (t) => {
  const rt = await Runtime.open({ backend: 'hardware', log: () => {} });
  t.is(rt.backend, 'hardware');
  t.is(rt.target, 'vc4');
  t.regex(rt.description, /VideoCore IV \(12 QPUs\) through the firmware mailbox, memory flags 0x14/);
  const out = rt.alloc(Uint32Array, 48);
  const addr = rt.addressOf(out);
  t.is(addr >>> 30, 3, 'Pi 2/3 memory is in the uncached 0xC alias');
  const r = await rt.launchRaw({ code: WRITER, uniforms: (q) => Uint32Array.of(addr + 64 * q, 100 * q) }, { qpus: 3 });
  t.deepEqual(Array.from(out), Array.from({ length: 48 }, (_, i) => 100 * Math.floor(i / 16) + (i % 16)));
  t.is(r.profile?.source, 'wall-clock');
  t.is(fake.count('execute_qpu'), 1);
  rt.close();
  t.is(fake.count('live_allocs'), 0);
  t.is(out.length, 0, 'the view is detached at close');
});

serial('a Pi 1 allocates in the L2-cached alias', async (t) => {
  const root = fakeRoot('pi3');
  mkdirSync(join(root, 'proc/device-tree/soc'), { recursive: true });
  writeFileSync(join(root, 'proc/device-tree/soc/ranges'), Buffer.from([0x7e, 0, 0, 0, 0x20, 0, 0, 0, 0x01, 0, 0, 0]));
  writeFileSync(join(root, 'proc/device-tree/model'), 'Raspberry Pi Model B Rev 2\0');
  fake.root = root;
  fake.install();
  const rt = await Runtime.open({ backend: 'hardware', log: () => {} });
  const out = rt.alloc(Uint32Array, 16);
  t.is(rt.addressOf(out) >>> 30, 1, 'the 0x4 alias');
  await rt.launchRaw({ code: WRITER, uniforms: () => Uint32Array.of(rt.addressOf(out), 7) }, { qpus: 1 });
  t.deepEqual(Array.from(out), Array.from({ length: 16 }, (_, i) => 7 + i));
  rt.close();
  fake.root = fakeRoot('pi3');
});

serial('under vc4-kms-v3d the firmware refuses QPU jobs: the error says what to change in config.txt', async (t) => {
  fake.setMboxKms(true);
  await t.throwsAsync(Runtime.open({ backend: 'hardware', log: () => {} }), {
    message: /the firmware refused to run QPU programs: the vc4-kms-v3d display driver owns the GPU.*replace dtoverlay=vc4-kms-v3d with dtoverlay=vc4-fkms-v3d/,
  });
  // auto falls back to the emulator of this board's GPU, saying why.
  const lines: string[] = [];
  const rt = await Runtime.open({ log: (l) => lines.push(l) });
  t.is(rt.backend, 'emulator');
  t.is(rt.target, 'vc4');
  t.regex(lines.join('\n'), /no usable Raspberry Pi GPU \(the firmware refused.*\); using the emulator/);
  rt.close();
});

serial('without root: GPU memory comes from /dev/vcsm-cma (dma-buf fds, synced around each job)', async (t) => {
  fake.fail('open_mem', 'EACCES');
  const rt = await Runtime.open({ backend: 'hardware', log: () => {} });
  t.regex(rt.description, /memory from \/dev\/vcsm-cma/);
  const out = rt.alloc(Uint32Array, 48);
  const addr = rt.addressOf(out);
  t.is(addr >>> 30, 3, 'the bus address vc-sm-cma returned (dma_addr, the uncached alias on a Pi 3)');
  t.is(fake.count('dmabuf_sync_start'), 1, 'SYNC_START after mapping');
  const r = await rt.launchRaw({ code: WRITER, uniforms: (q) => Uint32Array.of(addr + 64 * q, 10 * q) }, { qpus: 3 });
  t.deepEqual(Array.from(out), Array.from({ length: 48 }, (_, i) => 10 * Math.floor(i / 16) + (i % 16)));
  t.is(r.backend, 'hardware');
  // START after each of the 6 mappings (out, code, 3 uniform streams, the control list); around execute_qpu END on all 6
  // before and START on all 6 after; END before each of the 5 temporary buffers is closed.
  t.is(fake.count('dmabuf_sync_start'), 6 + 6);
  t.is(fake.count('dmabuf_sync_end'), 6 + 5);
  t.is(fake.count('execute_qpu'), 1);
  t.is(fake.count('live_dmabufs'), 1, 'the job\'s code, uniforms and control list were closed (freed) after it');
  rt.close();
  t.is(fake.count('live_dmabufs'), 0, 'closing the runtime closes every dma-buf fd');
  t.is(out.length, 0);
});

serial('neither /dev/mem (root) nor /dev/vcsm-cma: the error names both and what to do', async (t) => {
  fake.fail('open_mem', 'EACCES');
  fake.fail('open_vcsm', 'ENOENT');
  await t.throwsAsync(Runtime.open({ backend: 'hardware', log: () => {} }), {
    message: /no way to map VideoCore IV GPU memory: \/dev\/mem needs root, and there is no \/dev\/vcsm-cma .*Run as root \(sudo\)/,
  });
});

serial('a full gpu_mem heap is reported with the config.txt setting to raise', async (t) => {
  const rt = await Runtime.open({ backend: 'hardware', log: () => {} });
  t.throws(() => rt.alloc(Uint8Array, 64 << 20), { message: /gpu_mem heap is full; free arrays, or raise gpu_mem in config\.txt/ });
  rt.close();
});

serial('checked by default: a write past a buffer is caught on the emulator and the QPUs never start', async (t) => {
  const rt = await Runtime.open({ backend: 'hardware', log: () => {} });
  t.regex(rt.description, /launches checked on the emulator first/);
  const out = rt.alloc(Uint32Array, 16); // 64 bytes
  const keep = rt.alloc(Uint32Array, 16);
  keep.fill(0x1234);
  // Writes 16 words starting right after `out`.
  await t.throwsAsync(rt.launchRaw({ code: WRITER, uniforms: () => Uint32Array.of(rt.addressOf(out) + 64, 0) }, { qpus: 1 }), {
    message: /^\(raw program\): out-of-bounds write at bus address 0x[0-9a-f]{8} \(physical\), just past the end of the 64-byte buffer at 0x[0-9a-f]{8}, found by the checked run on the emulator; the QPUs were not started/,
  });
  t.is(fake.count('execute_qpu'), 0);
  // An endless loop is stopped on the emulator too, instead of hanging the QPUs until a reboot.
  await t.throwsAsync(rt.launchRaw({ code: program(['brr -, -32', 'nop', 'nop', 'nop']), uniforms: new Uint32Array(1) }, { qpus: 1, timeoutMs: 5 }), {
    message: /the checked run on the emulator failed, so the QPUs were not started: .*exceeded/,
  });
  t.is(fake.count('execute_qpu'), 0);
  t.deepEqual(Array.from(keep), new Array(16).fill(0x1234));
  rt.close();
});

serial('an execute_qpu timeout keeps the memory and refuses further launches (VideoCore IV has no MMU)', async (t) => {
  const rt = await Runtime.open({ backend: 'hardware', log: () => {}, checked: false });
  const out = rt.alloc(Uint32Array, 16);
  const loop = program(['brr -, -32', 'nop', 'nop', 'nop']);
  fake.maxCycles = 200_000;
  await t.throwsAsync(rt.launchRaw({ code: loop, uniforms: new Uint32Array(1) }, { qpus: 1, timeoutMs: 20 }), {
    message: /^\(raw program\): the QPUs did not finish within 20 ms \(execute_qpu returned 1\)\. They may still be running, and VideoCore IV has no MMU/,
  });
  await t.throwsAsync(rt.launchRaw({ code: WRITER, uniforms: () => Uint32Array.of(rt.addressOf(out), 0) }, { qpus: 1 }), { message: /timed out and may still be running: reboot/ });
  rt.close();
  t.true(fake.count('live_allocs') > 0, 'memory is not handed back to the firmware');
  fake.maxCycles = 2_000_000;
});

serial('compiled kernels run on the Pi 3 through the mailbox and /dev/mem, results checked against plain JS', async (t) => {
  const rt = await Runtime.open({ backend: 'hardware', target: 'vc4', log: () => {} });
  t.is(rt.backend, 'hardware');
  t.is(rt.target, 'vc4');
  const n = 333;
  const x = rt.alloc(Float32Array, n);
  const y = rt.alloc(Float32Array, n);
  x.forEach((_, i) => (x[i] = Math.fround(Math.sin(i) * 50)));
  y.forEach((_, i) => (y[i] = Math.fround((i % 17) - 8.5)));
  const want = Array.from(y, (v, i) => Math.fround(Math.fround(2.5 * (x[i] as number)) + v));
  // 16 batches on 12 QPUs: two execute_qpu calls (12 + 4), each batch with its own uniform stream.
  const r = await rt.launch(Blas.saxpy, { qpus: 16 }, n, 2.5, x, y);
  t.deepEqual(Array.from(y), want);
  t.is(r.backend, 'hardware');
  t.is(r.profile?.source, 'wall-clock');
  t.is(fake.count('execute_qpu'), 2);
  // A kernel that calls its own @device helper: y = 2x + 1.
  const before = fake.count('execute_qpu');
  await rt.launch(Scale.run, { qpus: 3 }, n, x, y);
  t.deepEqual(Array.from(y), Array.from(x, (v) => Math.fround(Math.fround(v * 2) + 1)));
  t.is(fake.count('execute_qpu'), before + 1);
  rt.close();
  t.is(fake.count('live_allocs'), 0);
});

serial('VC4 under KMS: refused with both ways out; the unsafe register opt-in runs compiled kernels through SRQUA/SRQPC/SRQCS', async (t) => {
  fake.root = fakeRoot('pi3-kms');
  fake.install();
  fake.setMboxKms(true);
  // No opt-in: the message says what to change in config.txt, and how to opt in.
  await t.throwsAsync(Runtime.open({ backend: 'hardware', log: () => {} }), {
    message: /vc4-kms-v3d display driver.*replace dtoverlay=vc4-kms-v3d with dtoverlay=vc4-fkms-v3d.*kmsRegisterLaunch: 'unsafe' \} \}\) or QPUC_VC4_KMS_REGISTERS=unsafe/,
  });
  await t.throwsAsync(Runtime.open({ backend: 'hardware', log: () => {}, vc4: { kmsRegisterLaunch: true as unknown as 'unsafe' } }), { message: /vc4\.kmsRegisterLaunch must be 'unsafe'/ });
  const rt = await Runtime.open({ backend: 'hardware', log: () => {}, vc4: { kmsRegisterLaunch: 'unsafe' } });
  t.is(rt.backend, 'hardware');
  t.regex(rt.description, /through the V3D registers under KMS \(unsafe opt-in\)/);
  const n = 300;
  const x = rt.alloc(Float32Array, n);
  const y = rt.alloc(Float32Array, n);
  x.forEach((_, i) => (x[i] = (i % 11) - 5));
  y.forEach((_, i) => (y[i] = i * 0.125));
  const want = Array.from(y, (v, i) => Math.fround(Math.fround(1.5 * (x[i] as number)) + v));
  await rt.launch(Blas.saxpy, { qpus: 16 }, n, 1.5, x, y);
  t.deepEqual(Array.from(y), want);
  t.is(fake.count('execute_qpu'), 0, 'the firmware was not asked');
  t.is(fake.count('register_jobs'), 16, 'every batch was queued through SRQPC and counted complete in SRQCS');
  t.is(fake.count('l2_clears'), 2, 'the L2 cache is cleared before each of the two jobs (12 + 4 batches)');
  // V3D powered down by the display driver: the IDENT0 check says so instead of writing to dead registers.
  fake.setV3dPowered(false);
  await t.throwsAsync(rt.launch(Blas.saxpy, { qpus: 1 }, n, 1.5, x, y), {
    message: /^Blas\.saxpy: V3D_IDENT0 reads 0x00000000 instead of 0x02443356: the vc4 display driver has powered V3D down/,
  });
  fake.setV3dPowered(true);
  rt.close();
  // A program that never ends (unchecked, so it reaches the QPUs): SRQCS never counts it complete, and the launch times out.
  const raw = await Runtime.open({ backend: 'hardware', log: () => {}, checked: false, vc4: { kmsRegisterLaunch: 'unsafe' } });
  fake.maxCycles = 100_000;
  await t.throwsAsync(raw.launchRaw({ code: program(['brr -, -32', 'nop', 'nop', 'nop']), uniforms: new Uint32Array(1) }, { qpus: 1, timeoutMs: 200 }), {
    message: /^\(raw program\): the QPUs did not finish within 200 ms \(V3D_SRQCS counted fewer completed programs than were queued\)/,
  });
  fake.maxCycles = 2_000_000;
  raw.close();
  // The registers need /dev/mem: without root the opt-in says so.
  fake.fail('open_mem', 'EACCES');
  await t.throwsAsync(Runtime.open({ backend: 'hardware', log: () => {}, vc4: { kmsRegisterLaunch: 'unsafe' } }), { message: /maps the V3D registers through \/dev\/mem, which needs root: run with sudo/ });
  fake.root = fakeRoot('pi3');
});
