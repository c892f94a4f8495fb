/**
 * The launcher interface: how a job (code address, per-QPU uniform streams)
 * becomes what one ISA family's kernel interface takes (a CSD job on V3D, an
 * execute_qpu control list on VC4). The runtime picks the launcher through
 * runtime/launchers/index.ts by the target table's ISA family.
 */
import type { Device, DeviceBuffer, JobResult } from '../device.ts';

/** One job, in target-neutral terms. */
export interface LaunchJob {
  /** GPU address of the first instruction (8-byte aligned). */
  codeAddress: number;
  /** QPU batches of 16 lanes to run. */
  qpus: number;
  /**
   * The uniform stream of batch `q`. A launcher whose hardware gives every
   * batch the same stream (V3D CSD) asks only for `q = 0`.
   */
  uniforms: (q: number) => Uint32Array;
  /** The kernel waits at a barrier: every batch must be resident at once. */
  barrier: boolean;
  /** Buffers the job reads or writes (the launcher adds the ones it allocates). */
  buffers: readonly DeviceBuffer[];
  /** Give up waiting after this long (default: the device's). */
  timeoutMs?: number;
  /** Kernel name for the device's error messages ('Class.method'). */
  kernel?: string;
}

/** The device run options of a job. */
export function runOptionsOf(job: LaunchJob): { timeoutMs?: number; kernel?: string } {
  return { ...(job.timeoutMs !== undefined ? { timeoutMs: job.timeoutMs } : {}), ...(job.kernel !== undefined ? { kernel: job.kernel } : {}) };
}

/** A problem with a launch request the hardware cannot take (too many QPUs, …). */
export class LaunchError extends Error {}

/** Runs jobs on the devices of one ISA family. */
export interface Launcher {
  /** Whether every batch reads its own uniform stream (VC4) rather than one shared stream (V3D). */
  readonly perQpuUniforms: boolean;
  /** Put the job's uniform streams (and any control list) in GPU memory, run it, free them. */
  run(device: Device, job: LaunchJob): Promise<JobResult>;
}

/** Copy `words` into a fresh device buffer (at least 8 bytes), recorded in `temp` for freeing. */
export function putWords(device: Device, words: Uint32Array, temp: DeviceBuffer[]): DeviceBuffer {
  const b = device.allocate(Math.max(8, words.byteLength));
  b.bytes.set(new Uint8Array(words.buffer, words.byteOffset, words.byteLength));
  temp.push(b);
  return b;
}
