import test from 'ava';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeHardware } from '../../../runtime/drivers/probe.ts';

function fakeRoot(driver: string, compatible?: string): string {
  const root = mkdtempSync(join(tmpdir(), 'qpuc-probe-'));
  mkdirSync(join(root, 'dev/dri'), { recursive: true });
  writeFileSync(join(root, 'dev/dri/renderD128'), '');
  const dev = join(root, 'sys/devices/platform/fec00000.v3d');
  mkdirSync(join(dev, 'of_node'), { recursive: true });
  mkdirSync(join(root, 'sys/bus/platform/drivers', driver), { recursive: true });
  symlinkSync(join(root, 'sys/bus/platform/drivers', driver), join(dev, 'driver'));
  if (compatible) writeFileSync(join(dev, 'of_node/compatible'), compatible);
  mkdirSync(join(root, 'sys/class/drm/renderD128'), { recursive: true });
  symlinkSync(dev, join(root, 'sys/class/drm/renderD128/device'));
  return root;
}

test('finds a v3d render node and its generation from the device tree', (t) => {
  t.deepEqual(probeHardware(fakeRoot('v3d', 'brcm,2712-v3d\0')).v3d?.target, 'vc7');
  t.deepEqual(probeHardware(fakeRoot('v3d', 'brcm,2711-v3d\0')).v3d?.target, 'vc6');
});

test('ignores DRM nodes of other drivers and says plainly that this is not a Pi', (t) => {
  const p = probeHardware(fakeRoot('i915'));
  t.is(p.v3d, undefined);
  t.deepEqual(p.drm.map((n) => n.driver), ['i915']);
  t.is(p.reason, 'this machine is not a Raspberry Pi (no Raspberry Pi device-tree model); its DRM devices are renderD128 (i915)');
});

test('no /dev/dri at all', (t) => {
  const p = probeHardware(mkdtempSync(join(tmpdir(), 'qpuc-empty-')));
  t.is(p.v3d, undefined);
  t.is(p.reason, 'this machine is not a Raspberry Pi (no Raspberry Pi device-tree model)');
});

function piRoot(model: string, opts: { vcio?: boolean; kms?: boolean } = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'qpuc-pi-'));
  mkdirSync(join(root, 'proc/device-tree'), { recursive: true });
  writeFileSync(join(root, 'proc/device-tree/model'), `${model}\0`);
  mkdirSync(join(root, 'dev'), { recursive: true });
  if (opts.vcio) writeFileSync(join(root, 'dev/vcio'), '');
  if (opts.kms) mkdirSync(join(root, 'sys/bus/platform/drivers/vc4_v3d/3fc00000.v3d'), { recursive: true });
  return root;
}

test('Pi 0–3 under vc4-kms-v3d: the reason says what to change in config.txt, not to enable the overlay that is already on', (t) => {
  const p = probeHardware(piRoot('Raspberry Pi 3 Model B Plus Rev 1.3', { vcio: true, kms: true }));
  t.is(p.boardTarget, 'vc4');
  t.is(p.vc4, undefined);
  t.regex(p.reason, /runs the vc4-kms-v3d display driver, which has no compute interface.*replace dtoverlay=vc4-kms-v3d with dtoverlay=vc4-fkms-v3d/);
  t.notRegex(p.reason, /need dtoverlay=vc4-kms-v3d/);
});

test('Pi 0–3 with firmware graphics: the mailbox is offered', (t) => {
  const p = probeHardware(piRoot('Raspberry Pi Zero 2 W Rev 1.0', { vcio: true }));
  t.truthy(p.vc4);
  t.is(p.reason, '');
});

test('Pi 4 without a v3d node: enable the driver', (t) => {
  const p = probeHardware(piRoot('Raspberry Pi 4 Model B Rev 1.4'));
  t.is(p.boardTarget, 'vc6');
  t.regex(p.reason, /no DRM device with the v3d driver on this Raspberry Pi 4 Model B Rev 1\.4: enable the GPU driver with dtoverlay=vc4-kms-v3d/);
});

test('an inaccessible node is reported with the fix', (t) => {
  const root = fakeRoot('v3d');
  // As root every node is accessible, so the permission check is the one a user without the groups would get.
  const p = probeHardware(root, (path) => !path.endsWith('renderD128'));
  t.is(p.v3d, undefined);
  t.regex(p.reason, /renderD128 \(V3D\) is not accessible: add your user to the 'render' and 'video' groups/);
});
