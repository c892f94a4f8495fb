/**
 * The launcher interface: how a job (code address, per-QPU uniform streams)
 * becomes what one ISA family's kernel interface takes (a CSD job on V3D, an
 * execute_qpu control list on VC4). The runtime picks the launcher through
 * runtime/launchers/index.ts by the target table's ISA family.
 */
import type { Device, DeviceBuffer, JobProfile, JobResult } from '../device.ts';

/**
 * How a launch may be cut into several GPU jobs (V3D: SUBMIT_CSD jobs over
 * consecutive workgroup ranges). Only for kernels whose batches never wait
 * for each other ({@link LaunchJob.consecutive}).
 */
export interface SplitPolicy {
  /** At most this many batches per job. */
  maxBatches?: number;
  /**
   * Aim for jobs of at most this many milliseconds: the first job is one
   * wave of resident batches, each later one as many waves as the previous
   * job's measured time per wave says fit in the budget.
   */
  budgetMs?: number;
}

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
  /**
   * Batches per workgroup (default 1): consecutive batches form a workgroup,
   * which V3D dispatches as one CSD workgroup of 16 × this many invocations.
   * `qpus` is a multiple of it.
   */
  perGroup?: number;
  /**
   * The kernel waits at workgroup barriers: each workgroup's batches must be
   * resident at once, and (VC4, whose barrier is one set of semaphores) a job
   * holds one workgroup.
   */
  workgroupBarrier?: boolean;
  /**
   * No batch waits for another (a compiled kernel without a barrier), so a
   * launcher may run more batches than the GPU has QPUs as consecutive jobs
   * (VC4). Hand-written programs leave it unset: they may synchronise.
   */
  consecutive?: boolean;
  /**
   * Most batches one job may run at once (VC4: a kernel whose batches own more VPM store rows than the GPU has for
   * all its QPUs, `vpmBatchesAtOnce`); more run as consecutive jobs. Absent: the GPU's QPUs.
   */
  atOnce?: number;
  /** Timing-model hint for the emulators (workgroup-shared memory): see {@link CsdJob.cacheResident}. */
  cacheResident?: readonly { gpuAddress: number; size: number }[];
  /** Buffers the job reads or writes (the launcher adds the ones it allocates). */
  buffers: readonly DeviceBuffer[];
  /** Cut the launch into several jobs (launchers that can: V3D); absent: one job. */
  split?: SplitPolicy;
  /**
   * Called after each job with the range of batches it ran; may throw (the
   * runtime's completion-word check), which stops the launch there.
   */
  afterDispatch?: (first: number, count: number) => void;
  /** Give up waiting after this long (default: the device's). */
  timeoutMs?: number;
  /** Kernel name for the device's error messages ('Class.method'). */
  kernel?: string;
}

/** The device run options of a job. */
export function runOptionsOf(job: LaunchJob): { timeoutMs?: number; kernel?: string; completionChecked?: boolean } {
  return {
    ...(job.timeoutMs !== undefined ? { timeoutMs: job.timeoutMs } : {}),
    ...(job.kernel !== undefined ? { kernel: job.kernel } : {}),
    ...(job.afterDispatch !== undefined ? { completionChecked: true } : {}),
  };
}

/** Two consecutive jobs' results as one: times and counts add, reports and warnings are kept in order. */
export function addResults(a: JobResult | undefined, b: JobResult): JobResult {
  if (!a) return { ...b, dispatches: b.dispatches ?? 1 };
  const warnings = [...(a.warnings ?? []), ...(b.warnings ?? [])];
  return {
    profile: addProfiles(a.profile, b.profile),
    hazards: [...a.hazards, ...b.hazards],
    ...(warnings.length > 0 ? { warnings } : {}),
    dispatches: (a.dispatches ?? 1) + (b.dispatches ?? 1),
  };
}

/** Two consecutive jobs' profiles as one: times and counts add. */
function addProfiles(a: JobProfile, b: JobProfile): JobProfile {
  const stalls: Record<string, number> = { ...a.stalls };
  for (const [k, v] of Object.entries(b.stalls)) stalls[k] = (stalls[k] ?? 0) + v;
  return {
    ...(a.source !== undefined ? { source: a.source } : {}),
    cycles: a.cycles + b.cycles, clockHz: a.clockHz, seconds: a.seconds + b.seconds, instructions: a.instructions + b.instructions,
    bytesRead: a.bytesRead + b.bytesRead, bytesWritten: a.bytesWritten + b.bytesWritten, flops: a.flops + b.flops, stalls,
    perQpuCycles: [...a.perQpuCycles, ...b.perQpuCycles],
  };
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
