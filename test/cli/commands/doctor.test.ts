// `qpuc doctor` on this machine (no Pi: it must say so and exit 0) and on fake Pi 3 / 4 / 5 trees with the fake kernel
// (test/runtime/drivers/fake/), where it reports the GPU and runs the smoke test through the real drivers.
import test from 'ava';
import { main } from '../../../cli/main.ts';
import { fakeRoot, loadFakeKernel, type FakeKernel } from '../../runtime/drivers/fake/fake-kernel.ts';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

function capture() {
  let out = '';
  let err = '';
  return { io: { out: (t: string) => void (out += t), err: (t: string) => void (err += t) }, get out() { return out; }, get err() { return err; } };
}

let fake: FakeKernel;
test.before(() => {
  fake = loadFakeKernel(fakeRoot('pi4'));
});
test.afterEach.always(() => fake.uninstall());

test.serial('on this machine: no Pi GPU, said plainly, with the backend that runs; exit 0', async (t) => {
  const c = capture();
  t.is(await main(['doctor'], c.io), 0);
  t.regex(c.out, /^qpuc doctor\n/);
  t.regex(c.out, /board +no device-tree model: not a Raspberry Pi/);
  t.regex(c.out, /koffi +\d+\.\d+\.\d+ loaded/);
  t.regex(c.out, /auto backend +emulator \(vc6\): no usable Raspberry Pi GPU \(this machine is not a Raspberry Pi/);
  t.regex(c.out, /\nNo Raspberry Pi GPU on this machine; kernels run on the emulator: V3D 4\.2 \(Pi 4, VideoCore VI\) emulator/);
});

test.serial('usage errors exit 2', async (t) => {
  const c = capture();
  t.is(await main(['doctor', 'extra'], c.io), 2);
  t.regex(c.err, /doctor takes no arguments/);
});

test.serial('a Pi 4: board, driver, V3D version and QPUs, and a smoke test that passes', async (t) => {
  fake.reset();
  fake.root = fakeRoot('pi4');
  fake.install();
  const c = capture();
  t.is(await main(['doctor'], c.io), 0);
  t.regex(c.out, /board +Raspberry Pi 4 Model B Rev 1\.4 \(GPU: VideoCore VI, V3D 4\.2\)/);
  t.regex(c.out, /kernel +Linux 6\.12\.25\+rpt-rpi-v8/);
  t.regex(c.out, /DRM devices +.*renderD128 \(driver v3d/);
  t.regex(c.out, /V3D +4\.2 revision 0, 8 QPUs \(vc6\); reset counter: yes; perfmon cycles: yes/);
  t.regex(c.out, /auto backend +hardware \(vc6\): running kernels on V3D 4\.2\.0 with 8 QPUs/);
  t.regex(c.out, /smoke test +ok: the GPU wrote the expected words \(\d+\.\d+ ms for the launch\)/);
  t.regex(c.out, /\nReady: kernels run on the GPU/);
  t.is(fake.count('submit_csd'), 1);
});

test.serial('a Pi 5 (V3D 7.1.6) runs the 7.1 smoke test', async (t) => {
  fake.reset();
  fake.setIdent(0x17, 6 << 8, 0x430);
  fake.root = fakeRoot('pi5');
  fake.install();
  const c = capture();
  t.is(await main(['doctor'], c.io), 0);
  t.regex(c.out, /V3D +7\.1 revision 6, 12 QPUs \(vc7\)/);
  t.regex(c.out, /smoke test +ok/);
});

test.serial('a broken GPU fails the smoke test: exit 1', async (t) => {
  fake.reset();
  fake.root = fakeRoot('pi4');
  fake.install();
  fake.fail('wait_bo', 'ETIME');
  const c = capture();
  t.is(await main(['doctor'], c.io), 1);
  t.regex(c.out, /smoke test +FAILED: \(raw program\): the GPU job did not finish within 2000 ms/);
});

test.serial('a Pi 3 under vc4-kms-v3d: what to change, and the emulator of its GPU', async (t) => {
  fake.reset();
  const root = fakeRoot('pi3');
  mkdirSync(join(root, 'sys/bus/platform/drivers/vc4_v3d/3fc00000.v3d'), { recursive: true });
  fake.root = root;
  fake.install();
  const c = capture();
  t.is(await main(['doctor'], c.io), 0);
  t.regex(c.out, /VC4 mailbox +this Raspberry Pi \(VideoCore IV\) runs the vc4-kms-v3d display driver/);
  t.regex(c.out, /auto backend +emulator \(vc4\)/);
  t.regex(c.out, /\nThis Raspberry Pi 3 Model B Plus Rev 1\.3 has a Raspberry Pi GPU that qpuc cannot use yet \(.*dtoverlay=vc4-fkms-v3d/);
});

test.serial('a Pi 3 with firmware graphics: the mailbox path and its smoke test', async (t) => {
  fake.reset();
  fake.root = fakeRoot('pi3');
  fake.install();
  const c = capture();
  t.is(await main(['doctor'], c.io), 0);
  t.regex(c.out, /VC4 mailbox +.*\/dev\/vcio present \(firmware graphics\); GPU memory through \/dev\/mem \(root\), or \/dev\/vcsm-cma without root/);
  t.regex(c.out, /auto backend +hardware \(vc4\)/);
  t.regex(c.out, /smoke test +ok/);
  t.is(fake.count('execute_qpu'), 1);
});
