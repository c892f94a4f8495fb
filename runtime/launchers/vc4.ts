/**
 * The VC4 launcher (Pi 0–3): a job becomes what the mailbox execute_qpu call
 * takes, a control list of (uniforms address, code address) per QPU, each
 * QPU with its own uniform stream (shared/docs/hardware-interface.md 2).
 */
import type { Device, DeviceBuffer, JobResult } from '../device.ts';
import { LaunchError, putWords, runOptionsOf, type LaunchJob, type Launcher } from './launcher.ts';

/** Default execute_qpu timeout, as the firmware takes it. */
const DEFAULT_TIMEOUT_MS = 10_000;

/** Launches on VC4 devices: one program start per QPU, no batch queueing. */
export const vc4Launcher: Launcher = {
  perQpuUniforms: true,
  async run(device: Device, job: LaunchJob): Promise<JobResult> {
    // execute_qpu starts each QPU once; there is no queue for more programs than QPUs.
    if (job.qpus > device.numQpus) throw new LaunchError(`VideoCore IV has ${device.numQpus} QPUs, asked for ${job.qpus}`);
    const temp: DeviceBuffer[] = [];
    try {
      const control = new Uint32Array(2 * job.qpus);
      for (let q = 0; q < job.qpus; q++) {
        control[2 * q] = putWords(device, job.uniforms(q), temp).gpuAddress;
        control[2 * q + 1] = job.codeAddress;
      }
      const list = putWords(device, control, temp);
      return await device.run({
        kind: 'execute_qpu', numQpus: job.qpus, controlAddress: list.gpuAddress, noflush: false, timeoutMs: job.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      }, runOptionsOf(job));
    } finally {
      for (const b of temp) device.free(b);
    }
  },
};
