/**
 * The V3D launcher (vc6, vc7): a job becomes what SUBMIT_CSD takes, one
 * uniform stream shared by every batch and the seven CSD config words
 * (shared/docs/hardware-interface.md 1.7).
 */
import type { Device, DeviceBuffer, JobResult } from '../device.ts';
import { isV3dTarget, v3dVersion } from '../../compiler/target/targets.ts';
import { addResults, LaunchError, putWords, runOptionsOf, type LaunchJob, type Launcher } from './launcher.ts';
import { cfg4SubtractsOne } from '../drivers/v3d-uapi.ts';

/**
 * The CSD config words for `batches` workgroups of `wgSize` invocations
 * (default 16: one 16-lane batch each; a multiple of 16 up to 256, so a
 * workgroup is whole batches), `wgsPerSg` workgroups per supergroup (a TSY barrier waits
 * for its supergroup only, semantics notes 2.6: kernels with `qpu.barrier()`
 * put every batch in one supergroup). `revision` is the V3D IP revision
 * (HUB_IDENT3 bits 15:8): on 7.1 it decides whether cfg4 holds the batch
 * count or the count minus one (default 6: every Pi 5 so far, and the emulator).
 * `firstBatch` is the workgroup X offset (cfg0 bits 15:0, the base id the
 * first workgroup gets: hardware-interface 1.7, Mesa v3d_csd.h
 * WG_OFFSET_SHIFT): a launch cut into several jobs gives each job its range
 * of workgroup ids, so every batch still sees the id it would have had.
 */
export function csdConfig(
  version: 42 | 71,
  batches: number,
  codeAddress: number,
  uniformsAddress: number,
  wgsPerSg = 1,
  revision = 6,
  firstBatch = 0,
  wgSize = 16,
): [number, number, number, number, number, number, number] {
  if (!Number.isInteger(wgSize) || wgSize < 16 || wgSize > 256 || wgSize % 16 !== 0) throw new RangeError(`workgroup size must be a multiple of 16 from 16 to 256, got ${wgSize}`);
  if (!Number.isInteger(batches) || batches < 1 || batches > 0xffff) {
    throw new RangeError(`qpus must be an integer from 1 to 65535, got ${batches}`);
  }
  if (!Number.isInteger(firstBatch) || firstBatch < 0 || firstBatch + batches > 0x10000) {
    throw new RangeError(`the first batch must be an integer from 0 with first + count <= 65536, got ${firstBatch} + ${batches}`);
  }
  if (codeAddress % 8 !== 0) throw new RangeError('code must be 8-byte aligned (cfg5 keeps flags in bits 2:0)');
  if (!Number.isInteger(wgsPerSg) || wgsPerSg < 1 || wgsPerSg > 16) throw new RangeError(`workgroups per supergroup must be 1..16, got ${wgsPerSg}`);
  const batchesPerSgM1 = Math.ceil((wgsPerSg * wgSize) / 16) - 1;
  if (batchesPerSgM1 > 255) throw new RangeError(`a supergroup of ${batchesPerSgM1 + 1} batches does not fit cfg3's 8-bit field`);
  const totalBatches = (batches * wgSize) / 16;
  return [
    ((batches << 16) | firstBatch) >>> 0, // workgroup count X, workgroup offset X (the first batch's workgroup id)
    (1 << 16) >>> 0,
    (1 << 16) >>> 0,
    ((batchesPerSgM1 << 12) | ((wgsPerSg & 15) << 8) | (wgSize & 0xff)) >>> 0, // WGS_PER_SG: 0 means 16; WG_SIZE: 0 means 256
    cfg4SubtractsOne(version, revision) ? totalBatches - 1 : totalBatches, // minus one before V3D 7.1.6
    // PROPAGATE_NANS as Mesa sets it before 7.1; THREADING = 0 (two threads, 64 registers each); not SINGLE_SEG.
    (codeAddress | (version < 71 ? 4 : 0)) >>> 0,
    uniformsAddress >>> 0,
  ];
}

/** Threads each QPU runs at once (cfg5 THREADING = 0: two; v3d-semantics-notes 1). */
const THREADS_PER_QPU = 2;

/**
 * Launches on V3D devices: one CSD job, all batches in one supergroup when
 * the kernel has a barrier. A kernel whose batches never wait for each other
 * may be cut into several jobs over consecutive workgroup ranges
 * ({@link LaunchJob.split}): the first job is one wave of resident batches
 * (QPUs × 2 threads), each later one as many waves as fit in the budget at
 * the previous job's measured time per wave, and `maxBatches` caps them all.
 */
export const v3dLauncher: Launcher = {
  perQpuUniforms: false,
  async run(device: Device, job: LaunchJob): Promise<JobResult> {
    if (!isV3dTarget(device.target)) throw new LaunchError(`the V3D launcher cannot run on a ${device.target} device`);
    const temp: DeviceBuffer[] = [];
    const version = v3dVersion(device.target);
    const split = job.consecutive === true && !job.barrier ? job.split : undefined;
    const perGroup = job.perGroup ?? 1;
    if (!Number.isInteger(perGroup) || perGroup < 1 || job.qpus % perGroup !== 0) throw new LaunchError(`${job.qpus} batches are not whole workgroups of ${perGroup} batches`);
    // A workgroup's batches wait for each other at its barrier: all of them must be resident (semantics notes 2.6).
    if (perGroup > device.numQpus * THREADS_PER_QPU) {
      throw new LaunchError(`a workgroup of ${perGroup * 16} work items needs ${perGroup} resident batches, and this GPU holds ${device.numQpus * THREADS_PER_QPU} (${device.numQpus} QPUs x ${THREADS_PER_QPU} threads)`);
    }
    const groups = job.qpus / perGroup;
    // Jobs are cut at whole waves of workgroups (a workgroup never straddles two jobs).
    const wave = Math.max(1, Math.floor((device.numQpus * THREADS_PER_QPU) / perGroup));
    try {
      const uniforms = putWords(device, job.uniforms(0), temp);
      const buffers = [...job.buffers, ...temp];
      let total: JobResult | undefined;
      let msPerWave: number | undefined;
      for (let first = 0; first < groups; ) {
        let count = groups - first;
        if (split?.maxBatches !== undefined) count = Math.min(count, Math.max(1, Math.floor(split.maxBatches / perGroup)));
        if (split?.budgetMs !== undefined) {
          const waves = msPerWave === undefined ? 1 : Math.max(1, Math.floor(split.budgetMs / Math.max(msPerWave, 1e-3)));
          count = Math.min(count, waves * wave);
        }
        const cfg = csdConfig(version, count, job.codeAddress, uniforms.gpuAddress, job.barrier ? groups : 1, device.ident?.revision, first, perGroup * 16);
        const r = await device.run({ kind: 'csd', cfg, buffers, ...(job.cacheResident ? { cacheResident: job.cacheResident } : {}) }, runOptionsOf(job));
        job.afterDispatch?.(first * perGroup, count * perGroup);
        msPerWave = (r.profile.seconds * 1000) / Math.ceil(count / wave);
        total = addResults(total, r);
        first += count;
      }
      return total as JobResult;
    } finally {
      for (const b of temp) device.free(b);
    }
  },
};
