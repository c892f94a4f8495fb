/** Vc4EmulatorDevice and the vc4 sim CLI, end to end. */
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assembleVc4 } from '../../../../compiler/isa/vc4/index.ts';
import { Vc4EmulatorDevice } from '../../../../runtime/emulator/vc4/device.ts';
import { runVc4SimCli } from '../../../../runtime/emulator/vc4/sim-cli.ts';
import { EXIT, storeVector } from './program.ts';

const put = (bytes: Uint8Array, words: bigint[], at = 0): void => {
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  words.forEach((w, i) => {
    v.setUint32(at + i * 8, Number(w & 0xffffffffn), true);
    v.setUint32(at + i * 8 + 4, Number(w >> 32n), true);
  });
};
const SRC = ['mov r1, unif', 'mov r2, unif', 'nop', 'add r0, elem_num, r2', storeVector('r0', 'r1'), EXIT].join('\n');

test('allocate gives page-aligned, non-zero 0xC-alias buffers; run executes a control list on 3 QPUs', async (t) => {
  const dev = new Vc4EmulatorDevice();
  t.is(dev.target, 'vc4');
  const code = dev.allocate(1000);
  const data = dev.allocate(3 * 64);
  const ctl = dev.allocate(64);
  for (const b of [code, data, ctl]) {
    t.is(b.gpuAddress % 4096, 0);
    t.not(b.gpuAddress, 0);
    t.is(b.gpuAddress >>> 30, 3);
  }
  // Each QPU uses its own VPM row (qpu_num): the VPM is shared, programs must partition it.
  const multi = [
    'mov r1, unif', 'mov r2, unif', 'ldi r3, 0x1a00', 'add vw_setup, r3, qpu_num', 'add r0, elem_num, r2', 'mov vpm, r0',
    'mov r3, qpu_num', 'shl r3, r3, 7', 'ldi r0, 0x80904000', 'add vw_setup, r0, r3', 'mov vw_addr, r1', 'mov.never -, vw_wait', EXIT,
  ].join('\n');
  put(code.bytes, assembleVc4(multi, 'd.qasm').words);
  const cv = new DataView(ctl.bytes.buffer, ctl.bytes.byteOffset);
  for (let k = 0; k < 3; k++) {
    cv.setUint32(8 * k, ctl.gpuAddress + 32 + 8 * k, true); // uniforms of QPU k
    cv.setUint32(8 * k + 4, code.gpuAddress, true);
    cv.setUint32(32 + 8 * k, data.gpuAddress + 64 * k, true);
    cv.setUint32(32 + 8 * k + 4, 100 * k, true);
  }
  const r = await dev.run({ kind: 'execute_qpu', numQpus: 3, controlAddress: ctl.gpuAddress, noflush: false, timeoutMs: 1000 });
  const dv = new DataView(data.bytes.buffer, data.bytes.byteOffset);
  for (let k = 0; k < 3; k++) for (let e = 0; e < 16; e++) t.is(dv.getUint32(64 * k + 4 * e, true), 100 * k + e);
  t.deepEqual(r.hazards, []);
  t.is(r.profile.perQpuCycles.length, 3);
  t.is(r.profile.clockHz, 250e6);
  t.is(r.profile.seconds, r.profile.cycles / 250e6);
  dev.free(code);
  // Fill the rest of the 64 MiB arena: the freed page is then the only free range, and it is reused.
  dev.allocate(64 * 1024 * 1024 - 3 * 4096);
  t.is(dev.allocate(10).gpuAddress, code.gpuAddress, 'freed space is reused');
  t.throws(() => dev.allocate(10), { message: /out of emulated GPU memory/ });
  await t.throwsAsync(dev.run({ kind: 'csd', cfg: [0, 0, 0, 0, 0, 0, 0], buffers: [] }), { message: /execute_qpu/ });
  dev.close();
});

function io() {
  let out = '';
  let err = '';
  return { io: { out: (s: string) => void (out += s), err: (s: string) => void (err += s) }, get out() { return out; }, get err() { return err; } };
}

test('qpuc sim --target vc4 runs an image, writes --out and a JSON report', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vc4sim-'));
  const img = new Uint8Array(0x3000);
  put(img, assembleVc4(SRC, 's.qasm').words);
  const v = new DataView(img.buffer);
  v.setUint32(0x1000, 0x40001100, true); // control list: uniforms (0x4 alias), code (0x8 alias): all views of one memory
  v.setUint32(0x1004, 0x80000000, true);
  v.setUint32(0x1100, 0xc0002000, true);
  v.setUint32(0x1104, 5, true);
  writeFileSync(join(dir, 'm.bin'), img);
  const c = io();
  const code = await runVc4SimCli(['--target', 'vc4', '--memory', join(dir, 'm.bin'), '--base', '0xc0000000', '--execute-qpu', '1@0xc0001000', '--out', join(dir, 'o.bin'), '--report', 'json'], c.io);
  t.is(code, 0, c.err);
  const rep = JSON.parse(c.out) as { profile: { instructions: number }; hazards: unknown[] };
  t.true(rep.profile.instructions > 5);
  const o = new DataView(readFileSync(join(dir, 'o.bin')).buffer);
  t.is(o.getUint32(0x2000 + 4 * 15, true), 20);
});

test('qpuc sim --target vc4: misuse exits 2, faults exit 1 with a message', async (t) => {
  const c = io();
  t.is(await runVc4SimCli(['--memory', 'x'], c.io), 2);
  t.regex(c.err, /--base ADDR is required/);
  const dir = mkdtempSync(join(tmpdir(), 'vc4sim-'));
  writeFileSync(join(dir, 'z.bin'), new Uint8Array(64));
  const d = io();
  t.is(await runVc4SimCli(['--memory', join(dir, 'z.bin'), '--base', '0', '--execute-qpu', '1@0x1000'], d.io), 1);
  t.regex(d.err, /control list entry 0 .* outside memory/);
  const e = io();
  // All-zero code decodes as a breakpoint-signal nop loop until max cycles.
  writeFileSync(join(dir, 'y.bin'), new Uint8Array(256));
  t.is(await runVc4SimCli(['--memory', join(dir, 'y.bin'), '--base', '0', '--execute-qpu', '1@0x80', '--max-cycles', '400'], e.io), 1);
  t.regex(e.err, /exceeded 400 cycles|unmapped/);
});
