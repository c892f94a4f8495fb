/**
 * The VC6/VC7 emulator behind the runtime's `Device` interface: buffers are
 * page-aligned regions of one emulated GPU address space, and `run` executes a
 * CSD job with runCsd, like CREATE_BO + MMAP_BO + SUBMIT_CSD + WAIT_BO would.
 */
import type { CsdJob, Device, DeviceBuffer, JobResult, QpuJob } from '../../device.ts';
import type { V3dVersion } from '../../../compiler/isa/v3d/instr.ts';
import { GpuMemory } from '../memory.ts';
import { AddressSpace } from '../../address-space.ts';
import { CycleLimitError, RuntimeError, RUNTIME_ERROR_CODES } from '../../errors.ts';
import { nearestLine, programFault, sourceLines, stoppedError } from '../../limits.ts';
import { detachView } from '../../detach-view.ts';
import { MemoryFaultError } from '../memory.ts';
import { outOfBounds } from '../../bounds.ts';
import type { RunOptions } from '../../device.ts';
import type { HazardMode, SourceMap } from './hazards.ts';
import { DEFAULT_MAX_CYCLES, runCsd } from './run.ts';
import { ExecutionError } from './qpu.ts';
import { DEFAULT_CLOCK_HZ } from './timing.ts';
import { TARGETS, v3dVersion, type V3dTarget } from '../../../compiler/target/targets.ts';

/** Options of {@link V3dEmulatorDevice}. */
export interface V3dEmulatorOptions {
  target: V3dTarget;
  /** Default 8 (Pi 4: 2 slices x 4) for vc6 and 12 (Pi 5: 3 x 4, pv7 test_parallel_full) for vc7. */
  numQpus?: number;
  /** Default 500 MHz for vc6 (pv6 measured 500.53) and 960 MHz for vc7 (RPi v3d_freq; pv7's README assumes 800). */
  clockHz?: number;
  /** Default 'error': a hazard rejects the job. */
  hazards?: HazardMode;
  exactSfu?: boolean;
  /** Stop a job after this many cycles (default runCsd's). */
  maxCycles?: number;
  /**
   * GPU memory in bytes, a multiple of 4096 (default: the whole 32-bit
   * address space above 1 MiB); each buffer's guard page counts against it.
   */
  memoryBytes?: number;
  /**
   * Bounds-checked jobs (default true): each buffer is mapped at exactly the
   * size it was allocated with, and an access outside all of them is an
   * OutOfBoundsError naming the buffer and the kernel source line. Off: the
   * page-rounded buffers (with a guard page between them) are mapped, as the
   * hardware's MMU sees them.
   */
  checked?: boolean;
}

/** Page size of buffer allocations (Pi 4 kernels use 4 KiB pages). */
const PAGE = 4096;
/**
 * First GPU address handed out. CREATE_BO never returns 0 (hardware-interface
 * 1.3); starting above 0 also makes a null pointer in a kernel fault here.
 */
const FIRST_ADDRESS = 0x0010_0000;
/** End of the address range buffers are placed in (the last page stays unmapped). */
const LAST_ADDRESS = 0xffff_f000;

/** An emulated Pi 4 (vc6) or Pi 5 (vc7) GPU. */
export class V3dEmulatorDevice implements Device {
  readonly target: V3dTarget;
  readonly backend = 'emulator' as const;
  readonly numQpus: number;
  readonly clockHz: number;
  readonly memory = new GpuMemory();
  /** Source map for hazard reports of the next jobs (set by the runtime after compiling). */
  sourceMap: SourceMap | undefined;
  private readonly opts: V3dEmulatorOptions;
  private readonly buffers = new Map<number, DeviceBuffer>();
  private readonly requested = new Map<number, number>();
  private nextHandle = 1;
  /** Free and used bus-address ranges: freed buffers' addresses are reused. */
  private readonly space: AddressSpace;
  private closed = false;

  constructor(options: V3dEmulatorOptions) {
    this.opts = options;
    this.target = options.target;
    this.numQpus = options.numQpus ?? TARGETS[options.target].qpus;
    this.clockHz = options.clockHz ?? DEFAULT_CLOCK_HZ[this.version];
    if (!Number.isInteger(this.numQpus) || this.numQpus < 1 || this.numQpus > 16) throw new RuntimeError(`numQpus must be a whole number from 1 to 16, got ${this.numQpus}`);
    if (!(Number.isFinite(this.clockHz) && this.clockHz > 0)) throw new RuntimeError(`clockHz must be a positive number, got ${this.clockHz}`);
    const mc = options.maxCycles;
    if (mc !== undefined && !(Number.isSafeInteger(mc) && mc >= 1)) throw new RuntimeError(`maxCycles must be a whole number from 1 to 2^53, got ${mc}`);
    const most = LAST_ADDRESS - FIRST_ADDRESS;
    const mb = options.memoryBytes ?? most;
    if (!(Number.isInteger(mb) && mb >= PAGE && mb <= most && mb % PAGE === 0)) {
      throw new RuntimeError(`memoryBytes must be a multiple of ${PAGE} from ${PAGE} to ${most}, got ${String(options.memoryBytes)}`, RUNTIME_ERROR_CODES.INVALID_ARGUMENT);
    }
    this.space = new AddressSpace(FIRST_ADDRESS, FIRST_ADDRESS + mb, PAGE);
  }

  /** V3D version the target runs. */
  get version(): V3dVersion {
    return v3dVersion(this.target);
  }

  /** What this device is, for users. */
  get description(): string {
    return `V3D ${this.version === 42 ? '4.2 (Pi 4, VideoCore VI)' : '7.1 (Pi 5, VideoCore VII)'} emulator, ${this.numQpus} QPUs at ${this.clockHz / 1e6} MHz`;
  }

  /** Allocate zeroed, page-rounded memory at a fresh page-aligned GPU address. */
  allocate(size: number): DeviceBuffer {
    this.assertOpen();
    if (!Number.isInteger(size) || size <= 0) throw new RuntimeError(`buffer size must be a positive integer, got ${size}`);
    const rounded = Math.ceil(size / PAGE) * PAGE;
    // One guard page after each buffer so that running off its end faults instead of reading a neighbour.
    const gpuAddress = this.space.allocate(rounded, PAGE);
    if (gpuAddress === undefined) {
      throw new RuntimeError(`emulated GPU address space exhausted: no free range of ${rounded} bytes (${this.buffers.size} buffers live); free arrays you no longer need`, RUNTIME_ERROR_CODES.OUT_OF_MEMORY);
    }
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(rounded);
    } catch {
      this.space.free(gpuAddress);
      throw new RuntimeError(`cannot allocate ${rounded} bytes of host memory for an emulated buffer`, RUNTIME_ERROR_CODES.OUT_OF_MEMORY);
    }
    this.memory.map(gpuAddress, this.opts.checked === false ? bytes : bytes.subarray(0, size));
    const buf: DeviceBuffer = { handle: this.nextHandle++, gpuAddress, size: rounded, bytes };
    this.buffers.set(buf.handle, buf);
    this.requested.set(buf.handle, size);
    return buf;
  }

  /** Unmap a buffer; later accesses to its addresses fault. */
  free(buffer: DeviceBuffer): void {
    this.assertOpen();
    if (!this.buffers.delete(buffer.handle)) throw new RuntimeError(`buffer ${buffer.handle} is not allocated on this device`);
    this.requested.delete(buffer.handle);
    this.memory.unmap(buffer.gpuAddress);
    this.space.free(buffer.gpuAddress);
    // As on hardware: arrays over freed memory become empty (their methods throw) instead of reaching stale memory.
    detachView(buffer.bytes);
  }

  /** Run a CSD job; a hazard in 'error' mode, a fault or the cycle limit rejects the promise. */
  async run(job: CsdJob | QpuJob, options: RunOptions = {}): Promise<JobResult> {
    this.assertOpen();
    if (job.kind !== 'csd') throw new Error(`${this.target} emulator runs SUBMIT_CSD jobs, not ${job.kind}`);
    // timeoutMs is GPU time: the emulator stops the job where the modelled clock passes it (as the hardware's
    // wait would), so a launch that fits the timeout on the emulator fits it on the GPU the model describes.
    const timeoutCycles = options.timeoutMs !== undefined ? Math.max(1, Math.ceil((options.timeoutMs / 1000) * this.clockHz)) : undefined;
    try {
      return this.runChecked(job, timeoutCycles);
    } catch (e) {
      const lineAt = sourceLines(this.sourceMap);
      if (e instanceof ExecutionError && options.kernel !== undefined) {
        // What the program did that the hardware would hang on (a barrier only some batches reach…), with the kernel and its line.
        throw programFault(options.kernel, e.message.replace(/ \(instruction 0x[0-9a-f]+, QPU \d+\)$/, ''), nearestLine(e.address, lineAt), e.qpu, e);
      }
      if (e instanceof CycleLimitError) {
        const err = stoppedError({
          ...(options.kernel !== undefined ? { kernel: options.kernel } : {}),
          ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
          ...(timeoutCycles !== undefined ? { timeoutCycles } : {}),
          maxCycles: this.opts.maxCycles ?? DEFAULT_MAX_CYCLES,
          clockHz: this.clockHz,
          where: e.pc !== undefined ? nearestLine(e.pc, lineAt) : 'an unknown address',
          ...(e.pc !== undefined ? { pc: e.pc } : {}),
          ...(e.qpu !== undefined ? { qpu: e.qpu } : {}),
        });
        err.cause = e;
        throw err;
      }
      if (e instanceof MemoryFaultError && this.opts.checked !== false) {
        const ranges = [...this.buffers.values()].map((b) => ({ gpuAddress: b.gpuAddress, length: this.requested.get(b.handle) ?? b.size }));
        throw outOfBounds(e, ranges, options.kernel ?? 'the kernel', this.sourceMap);
      }
      throw e;
    }
  }

  private runChecked(job: CsdJob, timeoutCycles?: number): JobResult {
    const opts = this.opts;
    const limit = Math.min(opts.maxCycles ?? DEFAULT_MAX_CYCLES, timeoutCycles ?? Infinity);
    const result = runCsd(this.memory, job.cfg, {
      version: this.version,
      numQpus: this.numQpus,
      clockHz: this.clockHz,
      hazards: opts.hazards ?? 'error',
      ...(opts.exactSfu !== undefined ? { exactSfu: opts.exactSfu } : {}),
      maxCycles: limit,
      ...(this.sourceMap ? { sourceMap: this.sourceMap } : {}),
      ...(job.cacheResident ? { cacheResident: job.cacheResident } : {}),
    });
    return { profile: result.profile, hazards: result.hazards };
  }

  /** Free everything. */
  close(): void {
    for (const b of [...this.buffers.values()]) this.free(b);
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new RuntimeError('device is closed', RUNTIME_ERROR_CODES.CLOSED);
  }
}

