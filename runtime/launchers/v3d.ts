/**
 * The V3D launcher (vc6, vc7): a job becomes what SUBMIT_CSD takes, one
 * uniform stream shared by every batch and the seven CSD config words
 * (shared/docs/hardware-interface.md 1.7).
 */
import type { Device, DeviceBuffer, JobResult } from '../device.ts';
import { isV3dTarget, v3dVersion } from '../../compiler/target/targets.ts';
import { LaunchError, putWords, runOptionsOf, type LaunchJob, type Launcher } from './launcher.ts';
import { cfg4SubtractsOne } from '../drivers/v3d-uapi.ts';

/**
 * The CSD config words for `batches` 16-lane batches, one 16-invocation
 * workgroup each, `wgsPerSg` workgroups per supergroup (a TSY barrier waits
 * for its supergroup only, semantics notes 2.6: kernels with `qpu.barrier()`
 * put every batch in one supergroup). `revision` is the V3D IP revision
 * (HUB_IDENT3 bits 15:8): on 7.1 it decides whether cfg4 holds the batch
 * count or the count minus one (default 6: every Pi 5 so far, and the emulator).
 */
export function csdConfig(
  version: 42 | 71,
  batches: number,
  codeAddress: number,
  uniformsAddress: number,
  wgsPerSg = 1,
  revision = 6,
): [number, number, number, number, number, number, number] {
  if (!Number.isInteger(batches) || batches < 1 || batches > 0xffff) {
    throw new RangeError(`qpus must be an integer from 1 to 65535, got ${batches}`);
  }
  if (codeAddress % 8 !== 0) throw new RangeError('code must be 8-byte aligned (cfg5 keeps flags in bits 2:0)');
  if (!Number.isInteger(wgsPerSg) || wgsPerSg < 1 || wgsPerSg > 16) throw new RangeError(`workgroups per supergroup must be 1..16, got ${wgsPerSg}`);
  const wgSize = 16;
  const batchesPerSgM1 = Math.ceil((wgsPerSg * wgSize) / 16) - 1;
  return [
    (batches << 16) >>> 0, // workgroup count X, offset 0
    (1 << 16) >>> 0,
    (1 << 16) >>> 0,
    ((batchesPerSgM1 << 12) | ((wgsPerSg & 15) << 8) | wgSize) >>> 0, // WGS_PER_SG: 0 means 16
    cfg4SubtractsOne(version, revision) ? batches - 1 : batches, // minus one before V3D 7.1.6
    // PROPAGATE_NANS as Mesa sets it before 7.1; THREADING = 0 (two threads, 64 registers each); not SINGLE_SEG.
    (codeAddress | (version < 71 ? 4 : 0)) >>> 0,
    uniformsAddress >>> 0,
  ];
}

/** Launches on V3D devices: one CSD job, all batches in one supergroup when the kernel has a barrier. */
export const v3dLauncher: Launcher = {
  perQpuUniforms: false,
  async run(device: Device, job: LaunchJob): Promise<JobResult> {
    if (!isV3dTarget(device.target)) throw new LaunchError(`the V3D launcher cannot run on a ${device.target} device`);
    const temp: DeviceBuffer[] = [];
    try {
      const uniforms = putWords(device, job.uniforms(0), temp);
      const cfg = csdConfig(v3dVersion(device.target), job.qpus, job.codeAddress, uniforms.gpuAddress, job.barrier ? job.qpus : 1, device.ident?.revision);
      return await device.run({ kind: 'csd', cfg, buffers: [...job.buffers, ...temp] }, runOptionsOf(job));
    } finally {
      for (const b of temp) device.free(b);
    }
  },
};
