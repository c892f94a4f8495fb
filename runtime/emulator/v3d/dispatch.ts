/**
 * CSD dispatch: what the compute shader dispatcher makes of the seven
 * SUBMIT_CSD config words (shared/docs/hardware-interface.md 1.7,
 * v3d-semantics-notes.md 1): which batches run, with which workgroup ids and
 * payload registers, from which code and uniform addresses.
 */
import type { V3dVersion } from '../../../compiler/isa/v3d/instr.ts';

/** The seven cfg words of SUBMIT_CSD. */
export type CsdConfig = readonly [number, number, number, number, number, number, number];

/** Decoded cfg words. */
export interface CsdParams {
  /** Workgroup counts and base ids, per dimension. */
  count: [number, number, number];
  offset: [number, number, number];
  /** Invocations per workgroup (cfg3 bits 7:0). */
  wgSize: number;
  /** Workgroups per supergroup (cfg3 bits 11:8, 0 = 16). */
  wgsPerSg: number;
  /** 16-lane batches per supergroup: ceil(wgsPerSg * wgSize / 16). */
  batchesPerSg: number;
  /** Batches the CSD launches (cfg4, plus 1 before V3D 7.1.6). */
  batches: number;
  codeAddress: number;
  /** cfg5 bit 0: 4 threads per QPU instead of 2. */
  threading: boolean;
  /** cfg5 bit 1: the first thrsw ends the thread. */
  singleSeg: boolean;
  /** cfg5 bit 2 (Mesa sets it on 4.x; its effect on results is unknown). */
  propagateNans: boolean;
  uniformAddress: number;
}

/** Payload of one batch: per-lane values of the two payload registers. */
export interface BatchPayload {
  batch: number;
  supergroup: number;
  /** rf0 on 4.2, rf3 on 7.1: workgroup Y << 16 | X. */
  wgXY: Uint32Array;
  /** rf2: workgroup Z (15:0), workgroup in supergroup (16..31-B), local index (>> 32-B). */
  wgZ: Uint32Array;
}

/** Decode the cfg words for version `ver`. */
export function decodeCsd(cfg: CsdConfig, ver: V3dVersion): CsdParams {
  const dim = (w: number): [number, number] => [(w >>> 16) & 0xffff, w & 0xffff];
  const [cx, ox] = dim(cfg[0]);
  const [cy, oy] = dim(cfg[1]);
  const [cz, oz] = dim(cfg[2]);
  // CHOICE: WG_SIZE 0 means 256 (the 8-bit field cannot hold 256 otherwise; Mesa caps wg size at 256).
  const wgSize = cfg[3] & 0xff || 256;
  const wgsPerSg = (cfg[3] >>> 8) & 0xf || 16;
  // cfg4 holds batches - 1 before V3D 7.1.6 (k: v3d_sched.c; Mesa v3dx_draw.c); 7.1 here means >= 7.1.6 (Pi 5).
  const batches = ver === 42 ? (cfg[4] >>> 0) + 1 : cfg[4] >>> 0;
  return {
    count: [cx, cy, cz], offset: [ox, oy, oz], wgSize, wgsPerSg,
    batchesPerSg: Math.ceil((wgsPerSg * wgSize) / 16),
    batches,
    codeAddress: (cfg[5] & ~7) >>> 0,
    threading: (cfg[5] & 1) !== 0,
    singleSeg: (cfg[5] & 2) !== 0,
    propagateNans: (cfg[5] & 4) !== 0,
    uniformAddress: cfg[6] >>> 0,
  };
}

/** B = log2(next_pow2(max(wg_size, 64))): local-index field width (notes 1). */
export function localIndexBits(wgSize: number): number {
  let b = 6;
  while (1 << b < wgSize) b++;
  return b;
}

/**
 * Payload of batch `n`. Workgroups go X fastest, then Y, then Z; each
 * supergroup of `wgsPerSg` consecutive workgroups is cut into 16-lane batches
 * (pv7 test_parallel_with_workgroup) [T]. CHOICE: a batch past the grid's last
 * workgroup continues the same numbering (the CSD runs exactly cfg4 batches);
 * lanes of a partly filled batch run with the ids they would have (masking
 * unknown).
 */
export function batchPayload(p: CsdParams, n: number): BatchPayload {
  const sg = Math.floor(n / p.batchesPerSg);
  const inSg = n % p.batchesPerSg;
  const b = localIndexBits(p.wgSize);
  const wgXY = new Uint32Array(16);
  const wgZ = new Uint32Array(16);
  const cx = Math.max(p.count[0], 1), cy = Math.max(p.count[1], 1);
  for (let lane = 0; lane < 16; lane++) {
    const j = inSg * 16 + lane;
    const wgInSg = Math.floor(j / p.wgSize);
    const local = j % p.wgSize;
    const w = sg * p.wgsPerSg + wgInSg;
    const x = (w % cx) + p.offset[0];
    const y = (Math.floor(w / cx) % cy) + p.offset[1];
    const z = Math.floor(w / (cx * cy)) + p.offset[2];
    wgXY[lane] = (((y & 0xffff) << 16) | (x & 0xffff)) >>> 0;
    const sgMask = b >= 16 ? 0 : (2 ** (32 - b) - 1 - 0xffff);
    const sgBits = (wgInSg << 16) & sgMask;
    wgZ[lane] = ((z & 0xffff) | sgBits | (local << (32 - b))) >>> 0;
  }
  return { batch: n, supergroup: sg, wgXY, wgZ };
}

/** Register (rf index) holding workgroup X/Y at start: rf0 on 4.2, rf3 on 7.1 (M:ntv cs_payload). */
export function payloadXYRegister(ver: V3dVersion): number {
  return ver === 42 ? 0 : 3;
}
