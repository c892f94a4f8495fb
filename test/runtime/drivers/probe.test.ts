import test from 'ava';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, chmodSync } from 'node:fs';
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

test('ignores DRM nodes of other drivers and says why', (t) => {
  const p = probeHardware(fakeRoot('i915'));
  t.is(p.v3d, undefined);
  t.regex(p.reason, /no DRM device with the v3d driver/);
});

test('no /dev/dri at all', (t) => {
  const p = probeHardware(mkdtempSync(join(tmpdir(), 'qpuc-empty-')));
  t.is(p.v3d, undefined);
  t.regex(p.reason, /no GPU device nodes/);
});

// As root every node is accessible, so this can only be checked as another user.
(process.getuid?.() === 0 ? test.skip : test)('an inaccessible node is reported with the fix', (t) => {
  const root = fakeRoot('v3d');
  chmodSync(join(root, 'dev/dri/renderD128'), 0);
  t.regex(probeHardware(root).reason, /render.*video/);
});
