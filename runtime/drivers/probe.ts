/**
 * Finding a real Raspberry Pi GPU without opening anything: DRM render nodes
 * whose driver is `v3d` (Pi 4 / Pi 5), or the VideoCore mailbox (Pi 0–3).
 * (shared/docs/hardware-interface.md 1.1, 2.1.)
 */
import { existsSync, readdirSync, readlinkSync, accessSync, constants, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { V3dTarget } from '../../compiler/target/targets.ts';

/** What the probe found. */
export interface HardwareProbe {
  /** A usable V3D node, with the target its compatible string says. */
  v3d?: { node: string; target: V3dTarget };
  /** Why no hardware is usable (for the "using the emulator because…" line). */
  reason: string;
}

function driverOf(node: string, sysfs: string): string | undefined {
  try {
    return basename(readlinkSync(join(sysfs, 'class/drm', basename(node), 'device/driver')));
  } catch {
    return undefined;
  }
}

function compatibleTarget(node: string, sysfs: string): V3dTarget | undefined {
  try {
    const compat = readFileSync(join(sysfs, 'class/drm', basename(node), 'device/of_node/compatible'), 'latin1');
    if (compat.includes('brcm,2712-v3d')) return 'vc7';
    if (compat.includes('brcm,2711-v3d')) return 'vc6';
  } catch {
    // no device tree (not a Pi): fall through
  }
  return undefined;
}

/** Look for a V3D render node; `root` lets tests point at a fake /dev and /sys. */
export function probeHardware(root = '/'): HardwareProbe {
  const dri = join(root, 'dev/dri');
  const sysfs = join(root, 'sys');
  if (!existsSync(dri)) {
    return { reason: existsSync(join(root, 'dev/vcio')) ? 'VideoCore IV (vc4) hardware launch is not implemented yet' : 'no GPU device nodes (/dev/dri) on this machine' };
  }
  const nodes = readdirSync(dri).filter((n) => n.startsWith('renderD') || n.startsWith('card')).sort((a, b) => (a.startsWith('render') ? -1 : 1) - (b.startsWith('render') ? -1 : 1));
  for (const n of nodes) {
    const node = join(dri, n);
    if (driverOf(node, sysfs) !== 'v3d') continue;
    try {
      accessSync(node, constants.R_OK | constants.W_OK);
    } catch {
      return { reason: `${node} (V3D) is not accessible: add your user to the 'render' and 'video' groups, or run as root` };
    }
    return { v3d: { node, target: compatibleTarget(node, sysfs) ?? 'vc6' }, reason: '' };
  }
  return { reason: 'no DRM device with the v3d driver (Pi 4/5 need dtoverlay=vc4-kms-v3d)' };
}
