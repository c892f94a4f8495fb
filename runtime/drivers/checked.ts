/**
 * Bounds-checked launches on real hardware, done at the device boundary:
 * each job first runs on the emulator over copies of the launch's buffers,
 * and goes to the GPU only if it stayed inside them.
 *
 * V3D (opt-in: `Runtime.open({ checked: true })`): the copies are mapped at
 * exactly their requested sizes, so the first read or write outside them is
 * an OutOfBoundsError with the buffer it missed and the kernel source line.
 * The emulated run costs far more than the GPU run, which is why it is off by
 * default there (V3D's MMU confines stray accesses to GPU buffers anyway).
 *
 * VideoCore IV (on by default). VC4 has no MMU: a write outside
 * the launch's buffers lands in Linux's memory. So, by default, every job
 * first runs on the VC4 emulator over a copy of GPU memory in which every
 * byte outside the buffers' exact ranges (the gaps between them and the
 * page tails past each allocation's requested size) holds a guard pattern;
 * the job goes to the real QPUs only if the emulated run changed no guard
 * byte and touched nothing outside the copy. Otherwise the launch fails with
 * the first (lowest) address written out of bounds and the buffer it missed,
 * and the hardware never runs it.
 *
 * The check is done at the device boundary — the kernel code is not
 * instrumented — so it catches writes (which corrupt memory) but not reads
 * (harmless on VC4), and it reports an address rather than a source line.
 * It costs one emulated run per launch; `Runtime.open({ checked: false })`
 * skips it.
 */
import type { CsdJob, Device, DeviceBuffer, JobResult, QpuJob, RunOptions } from '../device.ts';
import { describeAddress, OutOfBoundsError, type BufferRange } from '../bounds.ts';
import { runExecuteQpu } from '../emulator/vc4/execute.ts';
import { GpuMemory, MemoryFaultError } from '../emulator/memory.ts';
import { runCsd } from '../emulator/v3d/run.ts';
import { outOfBounds } from '../bounds.ts';
import { cfg4SubtractsOne } from './v3d-uapi.ts';
import { isV3dTarget, v3dTargetOf, v3dVersion } from '../../compiler/target/targets.ts';

const GUARD = 0xa5;
const physical = (bus: number) => (bus & 0x3fffffff) >>> 0;

/** A hardware device whose jobs are checked on the emulator before they run. */
export class CheckedHardwareDevice implements Device {
  readonly target: Device['target'];
  readonly backend = 'hardware' as const;
  readonly ident: Device['ident'];
  readonly numQpus: number;
  readonly description: string;
  readonly needsCompletionWord: boolean;
  sourceMap?: ReadonlyMap<number, { file: string; line: number; col: number }> | undefined;
  private readonly requested = new Map<number, { buffer: DeviceBuffer; length: number }>();

  constructor(private readonly inner: Device) {
    this.target = inner.target;
    this.ident = inner.ident;
    this.numQpus = inner.numQpus;
    this.needsCompletionWord = inner.needsCompletionWord === true;
    this.description = `${inner.description}, launches checked on the emulator first`;
  }

  allocate(size: number): DeviceBuffer {
    const b = this.inner.allocate(size);
    this.requested.set(b.handle, { buffer: b, length: size });
    return b;
  }

  free(buffer: DeviceBuffer): void {
    this.requested.delete(buffer.handle);
    this.inner.free(buffer);
  }

  async run(job: CsdJob | QpuJob, options: RunOptions = {}): Promise<JobResult> {
    if (job.kind === 'execute_qpu') this.checkQpu(job, options.kernel ?? 'the kernel');
    else this.checkCsd(job, options.kernel ?? 'the kernel');
    return this.inner.run(job, options);
  }

  /** Emulate a CSD job over exact-size copies of the buffers; the first access outside them throws. */
  private checkCsd(job: CsdJob, kernel: string): void {
    const memory = new GpuMemory();
    const ranges: BufferRange[] = [];
    for (const r of this.requested.values()) {
      memory.map(r.buffer.gpuAddress, r.buffer.bytes.slice(0, r.length));
      ranges.push({ gpuAddress: r.buffer.gpuAddress, length: r.length });
    }
    const version = this.ident?.version ?? (isV3dTarget(this.target) ? v3dVersion(this.target) : 42);
    const cfg = [...job.cfg] as [number, number, number, number, number, number, number];
    // The emulator reads cfg4 as 4.2 (minus one) or 7.1.6+ (not) does; a 7.1 before revision 6 is translated.
    if (version >= 71 && cfg4SubtractsOne(version, this.ident?.revision ?? 6)) cfg[4] = (cfg[4] + 1) >>> 0;
    try {
      runCsd(memory, cfg, { version: v3dVersion(v3dTargetOf(version)), numQpus: this.numQpus, hazards: 'off', ...(this.sourceMap ? { sourceMap: this.sourceMap } : {}) });
    } catch (e) {
      if (e instanceof MemoryFaultError) throw outOfBounds(e, ranges, kernel, this.sourceMap);
      throw new OutOfBoundsError(`${kernel}: the checked run on the emulator failed, so the GPU was not started: ${(e as Error).message}`);
    }
  }

  /** Emulate the job over a guarded copy of memory; throw if it wrote outside its buffers. */
  private checkQpu(job: QpuJob, kernel: string): void {
    const live = [...this.requested.values()];
    if (live.length === 0) return;
    const lo = Math.min(...live.map((r) => physical(r.buffer.gpuAddress)));
    const hi = Math.max(...live.map((r) => physical(r.buffer.gpuAddress) + r.buffer.size));
    const image = new Uint8Array(hi - lo).fill(GUARD);
    for (const r of live) image.set(r.buffer.bytes.subarray(0, r.length), physical(r.buffer.gpuAddress) - lo);
    const before = image.slice();
    const ranges: BufferRange[] = live.map((r) => ({ gpuAddress: physical(r.buffer.gpuAddress), length: r.length }));
    try {
      runExecuteQpu({ bytes: image, base: lo }, {
        numQpus: job.numQpus, controlAddress: job.controlAddress, clockHz: 250e6, maxCycles: Math.ceil((job.timeoutMs / 1000) * 250e6),
        sourceLine: (address) => {
          const l = this.sourceMap?.get(address) ?? this.sourceMap?.get(physical(address));
          return l ? `${l.file}:${l.line}:${l.col}` : undefined;
        },
      });
    } catch (e) {
      throw new OutOfBoundsError(`${kernel}: the checked run on the emulator failed, so the QPUs were not started: ${(e as Error).message}`);
    }
    const inside = (a: number) => ranges.some((r) => a >= r.gpuAddress && a < r.gpuAddress + r.length);
    for (let k = 0; k < image.length; k++) {
      if (image[k] === before[k]) continue;
      const a = lo + k;
      if (inside(a)) continue;
      throw new OutOfBoundsError(
        `${kernel}: out-of-bounds write at bus address 0x${a.toString(16).padStart(8, '0')} (physical), ${describeAddress(a, ranges)}, ` +
        'found by the checked run on the emulator; the QPUs were not started (VideoCore IV has no MMU: this write would have corrupted memory)',
      );
    }
  }

  close(): void {
    this.requested.clear();
    this.inner.close();
  }
}
