/**
 * Finding a real Raspberry Pi GPU without opening anything: DRM nodes whose
 * driver is `v3d` (Pi 4 / Pi 5), or the VideoCore mailbox (Pi 0–3) while the
 * firmware still owns the GPU. (shared/docs/hardware-interface.md 1.1, 2.1.)
 * Everything is read under a root directory, so tests (and `qpuc doctor`'s
 * tests) can point it at a fake /dev, /sys and /proc.
 */
import { existsSync, readdirSync, readlinkSync, accessSync, constants, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Target, V3dTarget } from '../../compiler/target/targets.ts';

/** A DRM device node and the kernel driver behind it. */
export interface DrmNode {
  path: string;
  /** Driver name from sysfs (`v3d`, `vc4-drm`, `i915`, …), if known. */
  driver: string | undefined;
}

/** What the probe found. */
export interface HardwareProbe {
  /** A usable V3D node, with the target its compatible string says. */
  v3d?: { node: string; target: V3dTarget };
  /** The VideoCore IV mailbox is there and no KMS driver owns the GPU (the mailbox driver still needs /dev/mem). */
  vc4?: { mailbox: string };
  /** A VideoCore IV owned by vc4-kms-v3d, with its mailbox: usable only through the opt-in register launch. */
  vc4Kms?: { mailbox: string };
  /** Device-tree model string ("Raspberry Pi 4 Model B Rev 1.4"), if any. */
  board: string | undefined;
  /** The GPU generation the board has, from the model string (undefined: not a Pi, or unknown). */
  boardTarget: Target | undefined;
  /** Every DRM node with its driver. */
  drm: DrmNode[];
  /** Why no hardware is usable (for the "using the emulator because…" line); '' when some is. */
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

/** The device-tree model string under `root`, without its NUL. */
export function boardModel(root = '/'): string | undefined {
  for (const p of ['proc/device-tree/model', 'sys/firmware/devicetree/base/model']) {
    try {
      return readFileSync(join(root, p), 'latin1').replace(/\0+$/, '').trim();
    } catch {
      // try the next place
    }
  }
  return undefined;
}

/** The GPU generation of a Raspberry Pi model string: Pi 5 → vc7, Pi 4 / 400 / CM4 → vc6, Zero/1/2/3 → vc4. */
export function targetOfModel(model: string | undefined): Target | undefined {
  if (!model || !/Raspberry Pi/i.test(model)) return undefined;
  if (/Raspberry Pi (5|500)\b|Compute Module 5/i.test(model)) return 'vc7';
  if (/Raspberry Pi (4|400)\b|Compute Module 4/i.test(model)) return 'vc6';
  return 'vc4';
}

/** Whether a KMS driver owns a VideoCore IV (a DRM node with the vc4 driver, or a device bound to vc4_v3d). */
function vc4KmsActive(drm: readonly DrmNode[], sysfs: string): boolean {
  if (drm.some((n) => n.driver === 'vc4-drm' || n.driver === 'vc4_drm' || n.driver === 'vc4')) return true;
  try {
    return readdirSync(join(sysfs, 'bus/platform/drivers/vc4_v3d')).some((e) => /\.(v3d|gpu)$/.test(e) || /^[0-9a-f]+\./.test(e));
  } catch {
    return false;
  }
}

/** The message for a Pi 0–3 under the vc4-kms-v3d driver: what to change. */
export const VC4_KMS_REASON =
  'this Raspberry Pi (VideoCore IV) runs the vc4-kms-v3d display driver, which has no compute interface and makes the firmware refuse QPU jobs; ' +
  'to use the QPUs, edit /boot/firmware/config.txt (/boot/config.txt before Bookworm): replace dtoverlay=vc4-kms-v3d with dtoverlay=vc4-fkms-v3d ' +
  "(Bullseye and older) or remove it for legacy firmware graphics, reboot, and run as root; or, at your own risk and as root, let qpuc start QPU programs " +
  "through the V3D registers behind the display driver's back: Runtime.open({ vc4: { kmsRegisterLaunch: 'unsafe' } }) or QPUC_VC4_KMS_REGISTERS=unsafe (racy: docs/hardware.md, 'VC4 under KMS')";

/** Whether this process may open `path` for reading and writing. */
function readWritable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Look for a usable GPU; `root` lets tests point at a fake /dev, /sys and
 * /proc, and `canOpen` at a permission check other than this process's own
 * (root may open every node).
 */
export function probeHardware(root = '/', canOpen: (path: string) => boolean = readWritable): HardwareProbe {
  const dri = join(root, 'dev/dri');
  const sysfs = join(root, 'sys');
  const board = boardModel(root);
  const boardTarget = targetOfModel(board);
  let names: string[] = [];
  try {
    names = readdirSync(dri).filter((n) => n.startsWith('renderD') || n.startsWith('card'));
  } catch {
    // no /dev/dri
  }
  // renderD* first: no DRM master/authentication needed there.
  names.sort((a, b) => Number(b.startsWith('render')) - Number(a.startsWith('render')) || a.localeCompare(b));
  const drm = names.map((n) => ({ path: join(dri, n), driver: driverOf(join(dri, n), sysfs) }));
  const base = { board, boardTarget, drm };
  for (const n of drm) {
    if (n.driver !== 'v3d') continue;
    if (!canOpen(n.path)) {
      return { ...base, reason: `${n.path} (V3D) is not accessible: add your user to the 'render' and 'video' groups (sudo usermod -aG render,video $USER, then log in again), or run as root` };
    }
    return { ...base, v3d: { node: n.path, target: compatibleTarget(n.path, sysfs) ?? (boardTarget === 'vc7' ? 'vc7' : 'vc6') }, reason: '' };
  }
  const mailbox = join(root, 'dev/vcio');
  if (boardTarget === 'vc4' || (boardTarget === undefined && existsSync(mailbox))) {
    if (vc4KmsActive(drm, sysfs)) return { ...base, ...(existsSync(mailbox) ? { vc4Kms: { mailbox } } : {}), reason: VC4_KMS_REASON };
    if (existsSync(mailbox)) return { ...base, vc4: { mailbox }, reason: '' };
    return { ...base, reason: 'this Raspberry Pi (VideoCore IV) has no /dev/vcio mailbox device (is this Raspberry Pi OS with the firmware drivers?)' };
  }
  if (boardTarget === 'vc6' || boardTarget === 'vc7') {
    return { ...base, reason: `no DRM device with the v3d driver on this ${board}: enable the GPU driver with dtoverlay=vc4-kms-v3d in /boot/firmware/config.txt (the Raspberry Pi OS default) and reboot` };
  }
  const seen = drm.length > 0 ? `; its DRM devices are ${drm.map((n) => `${basename(n.path)} (${n.driver ?? 'unknown driver'})`).join(', ')}` : '';
  return { ...base, reason: `this machine is not a Raspberry Pi (no Raspberry Pi device-tree model)${seen}` };
}
