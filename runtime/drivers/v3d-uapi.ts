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
  PERFMON_CREATE: ioc(IOC_READ | IOC_WRITE, DRM_TYPE, DRM_COMMAND_BASE + 0x08, 40),
  PERFMON_DESTROY: ioc(IOC_READ | IOC_WRITE, DRM_TYPE, DRM_COMMAND_BASE + 0x09, 4),
  PERFMON_GET_VALUES: ioc(IOC_READ | IOC_WRITE, DRM_TYPE, DRM_COMMAND_BASE + 0x0a, 16),
} as const;

/** GET_PARAM ids. */
export const V3D_PARAM = {
  HUB_IDENT1: 1,
  HUB_IDENT3: 3,
  CORE0_IDENT1: 5,
  SUPPORTS_CSD: 8,
  SUPPORTS_PERFMON: 10,
  GLOBAL_RESET_COUNTER: 15,
  CONTEXT_RESET_COUNTER: 16,
} as const;

/** V3D 4.2 performance counter ids (the uapi enum; 7.1 numbers its counters differently). */
export const V3D42_PERFCNT = {
  CYCLE_COUNT: 32,
} as const;

/** struct drm_v3d_perfmon_create { u32 id (out), ncounters; u8 counters[32] }. */
export function packPerfmonCreate(counters: readonly number[]): Uint8Array {
  if (counters.length < 1 || counters.length > 32) throw new RangeError(`a perfmon takes 1..32 counters, got ${counters.length}`);
  const b = new Uint8Array(40);
  new DataView(b.buffer).setUint32(4, counters.length, true);
  b.set(counters, 8);
  return b;
}
/** The perfmon id PERFMON_CREATE returned. */
export function unpackPerfmonCreate(b: Uint8Array): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(0, true);
}
/** struct drm_v3d_perfmon_destroy { u32 id }. */
export function packPerfmonDestroy(id: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, id, true);
  return b;
}
/** struct drm_v3d_perfmon_get_values { u32 id, pad; u64 values_ptr (→ u64[ncounters]) }. */
export function packPerfmonGetValues(id: number, valuesAddress: bigint): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint32(0, id, true);
  v.setBigUint64(8, valuesAddress, true);
  return b;
}

/** IP revision from HUB_IDENT3 (bits 15:8, IPREV). */
export function revisionFromIdent3(ident3: number): number {
  return (ident3 >>> 8) & 0xff;
}

/**
 * Whether CSD cfg4 holds the batch count minus one: yes before V3D 7.1.6,
 * no from 7.1.6 on (the kernel's indirect-CSD path in v3d_sched.c:
 * `ver < 71 || (ver == 71 && rev < 6)`; Mesa v3dx_draw.c agrees).
 */
export function cfg4SubtractsOne(version: number, revision: number): boolean {
  return version < 71 || (version === 71 && revision < 6);
}

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
export function packSubmitCsd(cfg: readonly number[], boHandlesAddress: bigint, boHandleCount: number, perfmonId = 0): Uint8Array {
  if (cfg.length !== 7) throw new RangeError(`SUBMIT_CSD takes 7 config words, got ${cfg.length}`);
  const b = new Uint8Array(88);
  const v = new DataView(b.buffer);
  cfg.forEach((w, k) => v.setUint32(4 * k, w >>> 0, true));
  v.setBigUint64(48, boHandlesAddress, true);
  v.setUint32(56, boHandleCount, true);
  v.setUint32(68, perfmonId, true);
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
