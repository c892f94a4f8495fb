/**
 * The VC4 launcher (Pi 0–3): a job becomes what the mailbox execute_qpu call
 * takes, a control list of (uniforms address, code address) per QPU, each
 * QPU with its own uniform stream (shared/docs/hardware-interface.md 2).
 */
import type { Device, DeviceBuffer, JobResult } from '../device.ts';
import { addResults, LaunchError, putWords, runOptionsOf, type LaunchJob, type Launcher } from './launcher.ts';

/** Default execute_qpu timeout, as the firmware takes it. */
const DEFAULT_TIMEOUT_MS = 10_000;

/** Launches on VC4 devices: one program start per QPU, no batch queueing. */
export const vc4Launcher: Launcher = {
  perQpuUniforms: true,
  async run(device: Device, job: LaunchJob): Promise<JobResult> {
    // execute_qpu starts each QPU once: more batches than QPUs run as consecutive jobs of at most numQpus,
    // which a kernel waiting at a barrier cannot (every batch must be running at once).
    // A kernel whose batches own more VPM store rows runs fewer at once (job.atOnce: each batch of a job takes its
    // rows from a uniform by its place in the job, runtime/launchers/uniforms.ts vpmRowOf).
    const atOnce = Math.min(device.numQpus, job.atOnce ?? device.numQpus);
    const most = atOnce < device.numQpus ? `runs ${atOnce} batches of this kernel at once` : `has ${device.numQpus} QPUs`;
    if (job.qpus > atOnce && !job.consecutive) {
      throw new LaunchError(`VideoCore IV ${most}, asked for ${job.qpus}${job.barrier ? ' (a kernel with qpu.barrier() needs all its batches running at once)' : ''}`);
    }
    const perGroup = job.perGroup ?? 1;
    if (perGroup > atOnce) {
      throw new LaunchError(`a workgroup of ${perGroup * 16} work items needs ${perGroup} QPUs running at once, and VideoCore IV ${most}`);
    }
    // A kernel with workgroup barriers runs one workgroup per job: its barrier is one set of semaphores
    // counting the QPUs of the job (compiler/backend/vc4/isel-lanes.ts). Otherwise whole workgroups per job.
    const chunk = job.workgroupBarrier ? perGroup : Math.floor(atOnce / perGroup) * perGroup;
    let total: JobResult | undefined;
    for (let first = 0; first < job.qpus; first += chunk) {
      const count = Math.min(chunk, job.qpus - first);
      const temp: DeviceBuffer[] = [];
      try {
        const control = new Uint32Array(2 * count);
        for (let k = 0; k < count; k++) {
          control[2 * k] = putWords(device, job.uniforms(first + k), temp).gpuAddress;
          control[2 * k + 1] = job.codeAddress;
        }
        const list = putWords(device, control, temp);
        const r = await device.run({
          kind: 'execute_qpu', numQpus: count, controlAddress: list.gpuAddress, noflush: false, timeoutMs: job.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        }, runOptionsOf(job));
        total = addResults(total, r);
        job.afterDispatch?.(first, count);
      } finally {
        for (const b of temp) device.free(b);
      }
    }
    return total as JobResult;
  },
};
