/**
 * The V3D DRM user interface as data: ioctl request numbers and the byte
 * layouts of their argument structs (Linux include/uapi/drm/v3d_drm.h, as
 * restated in shared/docs/hardware-interface.md 1.2–1.4). Debian ships no
 * v3d_drm.h, so the project carries these numbers itself.
 */

const IOC_WRITE = 1;
const IOC_READ = 2;
const DRM_TYPE = 0x64; // 'd'
const DRM_COMMAND_BASE = 0x40;

/** Linux _IOC(dir, type, nr, size). */
export function ioc(dir: number, type: number, nr: number, size: number): number {
  return ((dir << 30) | (size << 16) | (type << 8) | nr) >>> 0;
}

/** Request numbers (identical on armhf, arm64 and x86-64: no pointer-sized fields). */
export const V3D_IOCTL = {
  GEM_CLOSE: ioc(IOC_WRITE, DRM_TYPE, 0x09, 8),
  WAIT_BO: ioc(IOC_READ | IOC_WRITE, DRM_TYPE, DRM_COMMAND_BASE + 0x01, 16),
  CREATE_BO: ioc(IOC_READ | IOC_WRITE, DRM_TYPE, DRM_COMMAND_BASE + 0x02, 16),
  MMAP_BO: ioc(IOC_READ | IOC_WRITE, DRM_TYPE, DRM_COMMAND_BASE + 0x03, 16),
  GET_PARAM: ioc(IOC_READ | IOC_WRITE, DRM_TYPE, DRM_COMMAND_BASE + 0x04, 16),
  SUBMIT_CSD: ioc(IOC_WRITE, DRM_TYPE, DRM_COMMAND_BASE + 0x07, 88),
} as const;

/** GET_PARAM ids. */
export const V3D_PARAM = {
  HUB_IDENT1: 1,
  HUB_IDENT3: 3,
  CORE0_IDENT1: 5,
  SUPPORTS_CSD: 8,
  CONTEXT_RESET_COUNTER: 16,
} as const;

/** struct drm_v3d_create_bo { u32 size, flags; u32 handle (out), offset (out) }. */
export function packCreateBo(size: number): Uint8Array {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setUint32(0, size, true);
  return b;
}
/** Handle and GPU address CREATE_BO returned. */
export function unpackCreateBo(b: Uint8Array): { handle: number; offset: number } {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { handle: v.getUint32(8, true), offset: v.getUint32(12, true) };
}

/** struct drm_v3d_mmap_bo { u32 handle, flags; u64 offset (out) }. */
export function packMmapBo(handle: number): Uint8Array {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setUint32(0, handle, true);
  return b;
}
/** The fake mmap offset MMAP_BO returned (≥ 4 GiB on 64-bit kernels, so a bigint). */
export function unpackMmapBo(b: Uint8Array): bigint {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(8, true);
}

/** struct drm_v3d_get_param { u32 param, pad; u64 value }. */
export function packGetParam(param: number): Uint8Array {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setUint32(0, param, true);
  return b;
}
/** The value GET_PARAM returned. */
export function unpackGetParam(b: Uint8Array): bigint {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(8, true);
}

/** struct drm_v3d_wait_bo { u32 handle, pad; u64 timeout_ns }. */
export function packWaitBo(handle: number, timeoutNs: bigint): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint32(0, handle, true);
  v.setBigUint64(8, timeoutNs, true);
  return b;
}

/** struct drm_gem_close { u32 handle, pad }. */
export function packGemClose(handle: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint32(0, handle, true);
  return b;
}

/**
 * struct drm_v3d_submit_csd (88 bytes): cfg[7] @0, coef[4] @28, bo_handles
 * (user pointer) @48, bo_handle_count @56, in_sync @60, out_sync @64,
 * perfmon_id @68, extensions @72, flags @80, pad @84.
 */
export function packSubmitCsd(cfg: readonly number[], boHandlesAddress: bigint, boHandleCount: number): Uint8Array {
  if (cfg.length !== 7) throw new RangeError(`SUBMIT_CSD takes 7 config words, got ${cfg.length}`);
  const b = new Uint8Array(88);
  const v = new DataView(b.buffer);
  cfg.forEach((w, k) => v.setUint32(4 * k, w >>> 0, true));
  v.setBigUint64(48, boHandlesAddress, true);
  v.setUint32(56, boHandleCount, true);
  return b;
}

/** V3D version from HUB_IDENT1 (bits 3:0 TVER, 7:4 REV → 42 on Pi 4, 71 on Pi 5). */
export function versionFromIdent1(ident1: number): number {
  return (ident1 & 0xf) * 10 + ((ident1 >> 4) & 0xf);
}

/** QPU count from CORE0_IDENT1 (bits 11:8 QPUs per slice, 7:4 slices). */
export function qpusFromCoreIdent1(ident1: number): number {
  return ((ident1 >> 8) & 0xf) * ((ident1 >> 4) & 0xf);
}
