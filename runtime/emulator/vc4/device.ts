/**
 * The VC4 emulator behind the Device interface: GPU memory is one arena of
 * bus addresses in the uncached 0xC0000000 alias (what QPULib/V3DLib
 * allocate with mailbox flag 0xC), jobs are execute_qpu control lists.
 *
 * Each buffer's host view is its own ArrayBuffer, copied into the arena
 * before a job and back after it, so that freeing a buffer (or closing the
 * device) can detach its view as the hardware drivers do: arrays over freed
 * memory then have length 0 and their methods throw, instead of silently
 * reaching arena bytes that another allocation may own by now.
 */
import type { CsdJob, Device, DeviceBuffer, JobResult, QpuJob, RunOptions } from '../../device.ts';
import { detachView } from '../../detach-view.ts';
import { AddressSpace } from '../../address-space.ts';
import { RuntimeError, RUNTIME_ERROR_CODES } from '../../errors.ts';
import { runExecuteQpu, VC4_NUM_QPUS } from './execute.ts';
import { TARGETS } from '../../../compiler/target/targets.ts';
import { Vc4CycleLimitError, Vc4EmulatorError } from './memory.ts';
import { nearestLine, programFault, sourceLines, stoppedError } from '../../limits.ts';

const PAGE = 4096;

/** Options of the emulated device. */
export interface Vc4EmulatorOptions {
  /** Arena size in bytes, a multiple of 4096 (default 64 MiB, a Pi's gpu_mem=64; at most 1023 MiB: the arena sits at bus address 0xC0100000). */
  memoryBytes?: number;
  /** V3D clock in Hz for time estimates (default 250 MHz). */
  clockHz?: number;
  /** Maps a code address to a source location for hazard messages. */
  sourceLine?: (address: number) => string | undefined;
  /**
   * What a hazard report does: 'error' (default for runtimes) fails the job
   * with the first error-level report, 'warn' returns them with the result,
   * 'off' drops them. Without this option the reports are returned.
   */
  hazards?: 'error' | 'warn' | 'off';
  /** Stop a job after this many cycles (default: the launch's timeout in modelled cycles, else execute.ts's limit). */
  maxCycles?: number;
}

/** A VideoCore IV (Pi 0–3) GPU emulated in-process. */
export class Vc4EmulatorDevice implements Device {
  /** Kernel source positions by code address (set by the runtime when it uploads compiled code). */
  sourceMap?: ReadonlyMap<number, { file: string; line: number; col: number }> | undefined;
  readonly target = 'vc4' as const;
  readonly backend = 'emulator' as const;
  readonly numQpus = VC4_NUM_QPUS;
  readonly description: string;
  /** Bus address of arena byte 0: physical 1 MiB in the 0xC alias, so no buffer is ever at address 0. */
  readonly base = 0xc0100000;
  private arena: Uint8Array;
  /** Which arena ranges are in use: freed ranges are merged with free neighbours and reused. */
  private readonly space: AddressSpace;
  private nextHandle = 1;
  private readonly live = new Map<number, DeviceBuffer>();
  private closed = false;

  constructor(private readonly options: Vc4EmulatorOptions = {}) {
    const most = 0x1_0000_0000 - this.base;
    const mb = options.memoryBytes ?? 64 * 1024 * 1024;
    if (!(Number.isInteger(mb) && mb >= PAGE && mb <= most && mb % PAGE === 0)) {
      throw new RuntimeError(`memoryBytes must be a multiple of ${PAGE} from ${PAGE} to ${most}, got ${String(options.memoryBytes)}`, RUNTIME_ERROR_CODES.INVALID_ARGUMENT);
    }
    this.arena = new Uint8Array(mb);
    this.space = new AddressSpace(this.base, this.base + this.arena.length, PAGE);
    this.description = `VideoCore IV emulator (${VC4_NUM_QPUS} QPUs, ${((options.clockHz ?? TARGETS.vc4.clockHz) / 1e6).toFixed(0)} MHz timing model)`;
  }

  private check(): void {
    if (this.closed) throw new Error('Vc4EmulatorDevice is closed');
  }

  allocate(size: number): DeviceBuffer {
    this.check();
    if (!Number.isInteger(size) || size <= 0) throw new RangeError(`allocate: size must be a positive integer, got ${size}`);
    const rounded = Math.ceil(size / PAGE) * PAGE;
    const gpuAddress = this.space.allocate(rounded);
    if (gpuAddress === undefined) {
      throw new RuntimeError(
        `out of emulated GPU memory: no free range of ${rounded} bytes in the ${this.arena.length}-byte arena (${this.live.size} buffers live); free arrays you no longer need or raise memoryBytes`,
        RUNTIME_ERROR_CODES.OUT_OF_MEMORY,
      );
    }
    const offset = gpuAddress - this.base;
    const bytes = new Uint8Array(rounded);
    const buf: DeviceBuffer = { handle: this.nextHandle++, gpuAddress: (this.base + offset) >>> 0, size: rounded, bytes };
    this.live.set(buf.handle, buf);
    return buf;
  }

  free(buffer: DeviceBuffer): void {
    this.check();
    if (!this.live.delete(buffer.handle)) throw new RuntimeError(`free: unknown buffer handle ${buffer.handle}`, RUNTIME_ERROR_CODES.INVALID_ARGUMENT);
    this.space.free(buffer.gpuAddress);
    this.arena.fill(0, buffer.gpuAddress - this.base, buffer.gpuAddress - this.base + buffer.size);
    detachView(buffer.bytes);
  }

  async run(job: CsdJob | QpuJob, options?: RunOptions): Promise<JobResult> {
    this.check();
    if (job.kind !== 'execute_qpu') throw new Error('the VC4 emulator runs execute_qpu jobs; CSD jobs are for vc6/vc7');
    const clockHz = this.options.clockHz ?? TARGETS.vc4.clockHz;
    // The firmware's timeout is wall time on the GPU: convert it to emulated cycles.
    const timeoutMs = options?.timeoutMs ?? job.timeoutMs;
    // The host views are the buffers' memory between jobs: the arena takes them for the job and gives them back after it.
    for (const b of this.live.values()) this.arena.set(b.bytes, b.gpuAddress - this.base);
    let r: ReturnType<typeof runExecuteQpu>;
    const timeoutCycles = timeoutMs > 0 ? Math.ceil((timeoutMs / 1000) * clockHz) : undefined;
    const limit = Math.min(timeoutCycles ?? Infinity, this.options.maxCycles ?? Infinity);
    try {
      r = runExecuteQpu({ bytes: this.arena, base: this.base }, {
        numQpus: job.numQpus, controlAddress: job.controlAddress, clockHz,
        maxCycles: Number.isFinite(limit) ? limit : undefined,
        sourceLine: this.options.sourceLine,
      });
    } catch (e) {
      if (!(e instanceof Vc4EmulatorError)) throw e;
      const lineAt = sourceLines(this.sourceMap, this.options.sourceLine);
      if (!(e instanceof Vc4CycleLimitError)) {
        if (options?.kernel === undefined) throw e;
        // What the program did that the hardware would hang on (a deadlock on a semaphore…), with the kernel and its line.
        throw programFault(options.kernel, e.message.replace(/^QPU \d+ at 0x[0-9a-f]+: /, ''), nearestLine(e.address, lineAt), e.qpu, e);
      }
      const err = stoppedError({
        ...(options?.kernel !== undefined ? { kernel: options.kernel } : {}),
        ...(timeoutCycles !== undefined ? { timeoutMs, timeoutCycles } : {}),
        maxCycles: this.options.maxCycles ?? Infinity,
        clockHz,
        where: nearestLine(e.address, lineAt),
        qpu: e.qpu,
      });
      err.cause = e;
      throw err;
    } finally {
      for (const b of this.live.values()) b.bytes.set(this.arena.subarray(b.gpuAddress - this.base, b.gpuAddress - this.base + b.size));
    }
    const mode = this.options.hazards ?? 'warn';
    const first = r.hazards.find((h) => h.severity === 'error');
    if (mode === 'error' && first) {
      const n = r.hazards.filter((h) => h.severity === 'error').length;
      throw new Error(`hazard ${first.rule} on QPU ${first.qpu} at 0x${first.address.toString(16)}: ${first.message} (${n} error-level report(s); code that breaks this rule runs wrongly on hardware)`);
    }
    return { profile: r.profile, hazards: mode === 'off' ? [] : r.hazards };
  }

  /** Release every buffer (their views are detached) and the arena. */
  close(): void {
    if (this.closed) return;
    for (const b of this.live.values()) detachView(b.bytes);
    this.live.clear();
    this.arena = new Uint8Array(0);
    this.closed = true;
  }
}
