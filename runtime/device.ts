/**
 * The one device interface at the kernel-driver boundary. The real drivers
 * (runtime/drivers) and the emulators (runtime/emulator) both implement it,
 * so the runtime above cannot tell them apart — the shape Mesa gives its own
 * simulator.
 */

import type { Target } from '../compiler/target/targets.ts';

export type { Target } from '../compiler/target/targets.ts';

/** A buffer object: GPU-visible memory with a GPU (bus) address and a host view. */
export interface DeviceBuffer {
  /** Driver handle (DRM GEM handle, mailbox handle, or the emulator's own). */
  readonly handle: number;
  /** Address the GPU uses for byte 0 of the buffer. */
  readonly gpuAddress: number;
  /** Size in bytes (at least what was asked, page-rounded). */
  readonly size: number;
  /** Host view of the memory; valid until the buffer is freed. */
  readonly bytes: Uint8Array;
}

/** A V3D compute job exactly as DRM_IOCTL_V3D_SUBMIT_CSD takes it. */
export interface CsdJob {
  kind: 'csd';
  /** The seven CSD config words (shared/docs/hardware-interface.md 1.7). */
  cfg: readonly [number, number, number, number, number, number, number];
  /** Buffers the job uses (DRM fences them; the emulator may ignore it). */
  buffers: readonly DeviceBuffer[];
  /**
   * Not part of SUBMIT_CSD (drivers ignore it): address ranges the emulator's
   * timing model treats as resident in the L2 cache — the launch's
   * workgroup-shared memory, small and rewritten by every workgroup
   * (docs/timing-model.md, "Workgroup-shared memory").
   */
  cacheResident?: readonly { gpuAddress: number; size: number }[];
}

/** A VC4 job exactly as the mailbox execute_qpu call takes it. */
export interface QpuJob {
  kind: 'execute_qpu';
  numQpus: number;
  /** Bus address of the control list: per QPU (uniforms address, code address). */
  controlAddress: number;
  noflush: boolean;
  timeoutMs: number;
}

/** Where time went, for a job the emulator ran (hardware fills what it can measure). */
export interface JobProfile {
  /**
   * Where the figures come from: 'model' (the emulator's timing model),
   * 'perfmon' (hardware: cycles from the GPU's performance counters, seconds
   * from the wall clock), 'wall-clock' (hardware without performance
   * counters: only `seconds` is measured — submit to completion, including
   * the kernel's overhead — and the cycle and instruction counts are 0).
   * Absent means 'model'.
   */
  source?: 'model' | 'perfmon' | 'wall-clock';
  /** GPU clock cycles from dispatch to the last QPU ending (0 when not measured). */
  cycles: number;
  /** Clock the cycles were counted at, in Hz. */
  clockHz: number;
  /** Estimated (emulator) or measured (hardware) seconds. */
  seconds: number;
  /** Instructions issued, summed over QPU threads. */
  instructions: number;
  /** Bytes read and written through the TMU (and VPM/DMA on VC4). */
  bytesRead: number;
  bytesWritten: number;
  /** Float operations executed (lanes × ops). */
  flops: number;
  /** Stall cycles by cause, summed over QPUs (e.g. tmu, sfu, barrier). */
  stalls: Record<string, number>;
  /** Per-QPU busy cycles. */
  perQpuCycles: number[];
}

/** A problem the hazard checker found in code real hardware would run wrongly. */
export interface HazardReport {
  /** Rule identifier, e.g. 'sfu-read-too-soon'. */
  rule: string;
  severity: 'error' | 'warning';
  message: string;
  /** Byte address of the instruction. */
  address: number;
  qpu: number;
}

/** What a finished job reports. */
export interface JobResult {
  profile: JobProfile;
  hazards: HazardReport[];
  /** Things the user should know that did not make the job fail (e.g. a reset that could not be ruled out). */
  warnings?: string[];
  /** GPU jobs the launch was cut into (absent: one). */
  dispatches?: number;
}

/** Options of {@link Device.run}. */
export interface RunOptions {
  /** Give up waiting after this long (default 10 s). */
  timeoutMs?: number;
  /** Kernel name for error messages ('Class.method'). */
  kernel?: string;
  /** The job carries a completion word the runtime checks afterwards (so a driver without reset counters need not warn). */
  completionChecked?: boolean;
}

/** A V3D's identity as its registers give it. */
export interface V3dIdent {
  /** 42 (Pi 4) or 71 (Pi 5): TVER * 10 + REV from HUB_IDENT1. */
  version: number;
  /** IP revision from HUB_IDENT3 bits 15:8 (decides cfg4's meaning on 7.1). */
  revision: number;
}

/** Allocate, map, submit and wait: all the runtime needs from a GPU. */
export interface Device {
  readonly target: Target;
  /** 'hardware' for a real GPU behind a kernel driver, 'emulator' otherwise. */
  readonly backend: 'hardware' | 'emulator';
  /** One line saying what this device is, for users. */
  readonly description: string;
  /** Number of QPUs. */
  readonly numQpus: number;
  /** Kernel source position of code words by GPU address, for hazard reports (emulators use it; hardware ignores it). */
  sourceMap?: ReadonlyMap<number, { file: string; line: number; col: number }> | undefined;
  /** Allocate GPU-visible memory (CREATE_BO + MMAP_BO, or the VC4 mailbox). */
  allocate(size: number): DeviceBuffer;
  /** Release a buffer; its host view must not be used afterwards. */
  free(buffer: DeviceBuffer): void;
  /** The V3D's version and revision (hardware V3D devices; emulators run 4.2 or 7.1.6+). */
  readonly ident?: V3dIdent;
  /**
   * The kernel driver cannot tell that the GPU was reset during a job (V3D
   * kernels without reset counters): compiled kernels should be launched with
   * a completion word (compiler/passes/completion.ts) that the runtime checks.
   */
  readonly needsCompletionWord?: boolean;
  /** Run a job to completion (SUBMIT_CSD + WAIT_BO, or execute_qpu). */
  run(job: CsdJob | QpuJob, options?: RunOptions): Promise<JobResult>;
  /** Release every buffer and the device itself. */
  close(): void;
}
