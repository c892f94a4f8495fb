/**
 * The real Pi 4 / Pi 5 GPU through the Linux V3D DRM driver, called with
 * koffi: CREATE_BO + MMAP_BO for memory, SUBMIT_CSD + WAIT_BO to run
 * (shared/docs/hardware-interface.md sections 1 and 3). Every C call goes
 * through runtime/drivers/system.ts, so the tests run this file unchanged
 * against a fake kernel (test/runtime/drivers/fake/).
 *
 * What a launch does:
 * - SUBMIT_CSD with every live buffer in the BO list (the kernel fences them
 *   all with the job's completion), then ONE WAIT_BO on the first of them —
 *   the fence is shared, so one wait covers the job — on a koffi worker
 *   thread, so the event loop keeps running. `timeoutMs` bounds it.
 * - Hang detection: the kernel's scheduler resets the GPU when a CSD job
 *   makes no batch progress for ~0.5 s, and WAIT_BO still returns 0. Where
 *   the kernel has reset counters (GET_PARAM CONTEXT_RESET_COUNTER, else
 *   GLOBAL_RESET_COUNTER) a counter that moved during the job is reported as
 *   an error naming the kernel. Without counters the runtime launches
 *   compiled kernels with a completion word (compiler/passes/completion.ts)
 *   and checks it after each job; other jobs (raw programs) that ran past
 *   the hang-check window get a warning saying a reset cannot be ruled out.
 * - Profile: seconds are wall time from submit to completion; cycles come
 *   from the perfmon uapi's CYCLE_COUNT counter where the kernel supports
 *   performance monitors on V3D 4.2, and are 0 otherwise (`source` says which).
 */
import { RuntimeError, RUNTIME_ERROR_CODES, type RuntimeErrorCode } from '../errors.ts';
import koffi from 'koffi';
import type { CsdJob, Device, DeviceBuffer, JobResult, QpuJob, RunOptions, Target, V3dIdent } from '../device.ts';
import { TARGETS, v3dTargetOf } from '../../compiler/target/targets.ts';
import {
  V3D42_PERFCNT, V3D_IOCTL, V3D_PARAM, packCreateBo, packGemClose, packGetParam, packMmapBo, packPerfmonCreate, packPerfmonDestroy,
  packPerfmonGetValues, packSubmitCsd, packWaitBo, qpusFromCoreIdent1, revisionFromIdent3, unpackCreateBo, unpackGetParam,
  unpackMmapBo, unpackPerfmonCreate, versionFromIdent1,
} from './v3d-uapi.ts';
import { errnoName, libc } from './system.ts';
import { type HostMapping, MappingError, mapDeviceMemory, unmapDeviceMemory } from './mapping.ts';

/** A failed driver call, with what to do about it. */
export class DriverError extends RuntimeError {
  constructor(message: string, code: RuntimeErrorCode = RUNTIME_ERROR_CODES.DEVICE) {
    super(message, code);
  }
}

/** The GPU was reset while a job ran (hang check): its output is incomplete. */
export class GpuResetError extends DriverError {}

/** WAIT_BO gave up: the job did not finish within the timeout. */
export class GpuTimeoutError extends DriverError {}

const O_RDWR = 2;
const O_CLOEXEC = 0o2000000;

/** The kernel scheduler's per-job hang timeout (v3d_sched.c: 500 ms). */
export const HANG_CHECK_MS = 500;

interface Mapped {
  buffer: DeviceBuffer;
  mapping: HostMapping;
}

/** A V3D GPU opened through its DRM node. */
export class V3dDrmDevice implements Device {
  readonly backend = 'hardware' as const;
  readonly target: Target;
  readonly numQpus: number;
  readonly description: string;
  readonly ident: V3dIdent;
  /** Which reset counter the kernel offers (GET_PARAM id), or undefined on kernels without one. */
  readonly resetCounter: number | undefined;
  /** No reset counter: the runtime launches compiled kernels with a completion word instead. */
  readonly needsCompletionWord: boolean;
  /** Whether jobs are measured with a perfmon (V3D 4.2 with perfmon support). */
  readonly perfmon: boolean;
  private readonly fd: number;
  private readonly mapped = new Map<number, Mapped>();
  private closed = false;

  /** Open `node` (prefer a renderD* node: no DRM master/auth needed). */
  constructor(readonly node: string) {
    const c = libc();
    const fd = c.open(node, O_RDWR | O_CLOEXEC) as number;
    if (fd < 0) {
      const why = errnoName();
      throw new DriverError(
        why === 'EACCES' || why === 'EPERM'
          ? `cannot open ${node}: permission denied; add your user to the 'render' and 'video' groups (sudo usermod -aG render,video $USER, then log in again), or run as root`
          : `cannot open ${node}: ${why}`,
      );
    }
    this.fd = fd;
    try {
      if (this.param(V3D_PARAM.SUPPORTS_CSD) === 0n) {
        throw new DriverError(`${node}: this kernel's V3D driver has no compute (CSD) support; update the kernel (Raspberry Pi OS: sudo apt full-upgrade)`);
      }
      const version = versionFromIdent1(Number(this.param(V3D_PARAM.HUB_IDENT1)));
      const revision = revisionFromIdent3(Number(this.param(V3D_PARAM.HUB_IDENT3)));
      this.ident = { version, revision };
      this.numQpus = qpusFromCoreIdent1(Number(this.param(V3D_PARAM.CORE0_IDENT1)));
      this.resetCounter = [V3D_PARAM.CONTEXT_RESET_COUNTER, V3D_PARAM.GLOBAL_RESET_COUNTER].find((id) => this.tryParam(id) !== undefined);
      this.needsCompletionWord = this.resetCounter === undefined;
      this.perfmon = version === 42 && this.tryParam(V3D_PARAM.SUPPORTS_PERFMON) === 1n;
    } catch (e) {
      c.close(fd);
      throw e;
    }
    this.target = v3dTargetOf(this.ident.version);
    const { version, revision } = this.ident;
    this.description = `V3D ${Math.floor(version / 10)}.${version % 10}.${revision} with ${this.numQpus} QPUs at ${node}`;
  }

  private ioctl(request: number, arg: Uint8Array, what: string): void {
    const r = libc().ioctl(this.fd, request, arg) as number;
    if (r !== 0) {
      const why = errnoName();
      const hint =
        why === 'ENOMEM' || why === 'ENOSPC' ? ': out of GPU memory; free arrays you no longer need, or allocate less'
        : why === 'EACCES' ? ': not allowed on this node (another process is DRM master); use a renderD* node'
        : '';
      throw new DriverError(`${what} failed: ${why}${hint}`, why === 'ENOMEM' || why === 'ENOSPC' ? RUNTIME_ERROR_CODES.OUT_OF_MEMORY : RUNTIME_ERROR_CODES.DEVICE);
    }
  }

  private param(id: number): bigint {
    const b = packGetParam(id);
    this.ioctl(V3D_IOCTL.GET_PARAM, b, `GET_PARAM ${id}`);
    return unpackGetParam(b);
  }

  /** A parameter this kernel may not know (EINVAL → undefined). */
  private tryParam(id: number): bigint | undefined {
    const b = packGetParam(id);
    return (libc().ioctl(this.fd, V3D_IOCTL.GET_PARAM, b) as number) === 0 ? unpackGetParam(b) : undefined;
  }

  private assertOpen(): void {
    if (this.closed) throw new DriverError(`${this.node} is closed`);
  }

  /** CREATE_BO, MMAP_BO and mmap: GPU memory with a host view. */
  allocate(size: number): DeviceBuffer {
    this.assertOpen();
    if (!Number.isInteger(size) || size <= 0 || size > 0xffffffff) throw new RangeError(`buffer size must be an integer from 1 to 2^32 - 1, got ${size}`);
    const create = packCreateBo(size);
    this.ioctl(V3D_IOCTL.CREATE_BO, create, `allocating ${size} bytes of GPU memory`);
    const { handle, offset } = unpackCreateBo(create);
    let mapping: HostMapping;
    try {
      const mm = packMmapBo(handle);
      this.ioctl(V3D_IOCTL.MMAP_BO, mm, 'MMAP_BO');
      mapping = mapDeviceMemory(this.fd, size, unpackMmapBo(mm));
    } catch (e) {
      this.ioctl(V3D_IOCTL.GEM_CLOSE, packGemClose(handle), 'GEM_CLOSE');
      throw e instanceof MappingError ? new DriverError(`mapping GPU memory failed: ${e.message}`) : e;
    }
    const buffer: DeviceBuffer = { handle, gpuAddress: offset, size, bytes: mapping.bytes };
    this.mapped.set(handle, { buffer, mapping });
    return buffer;
  }

  /** Unmap (detaching the host view) and GEM_CLOSE. */
  free(buffer: DeviceBuffer): void {
    const m = this.mapped.get(buffer.handle);
    if (!m) return;
    this.mapped.delete(buffer.handle);
    unmapDeviceMemory(m.mapping);
    // A job still running keeps its own reference: the kernel frees the pages when it ends.
    this.ioctl(V3D_IOCTL.GEM_CLOSE, packGemClose(buffer.handle), 'GEM_CLOSE');
  }

  /** SUBMIT_CSD, then one WAIT_BO (on a worker thread, so the event loop keeps running). */
  async run(job: CsdJob | QpuJob, options: RunOptions = {}): Promise<JobResult> {
    this.assertOpen();
    if (job.kind !== 'csd') throw new DriverError('V3D runs compute-shader (CSD) jobs, not execute_qpu');
    if (job.buffers.length === 0) throw new DriverError('SUBMIT_CSD needs at least one buffer to fence');
    const kernel = options.kernel ?? 'the kernel';
    const timeoutMs = options.timeoutMs ?? 10_000;
    const c = libc();
    const handles = Uint32Array.from(job.buffers, (b) => b.handle);
    const handlesAddress = koffi.address(c.memset(handles, 0, 0)); // the array stays referenced through the call
    let perfmonId = 0;
    if (this.perfmon) {
      const create = packPerfmonCreate([V3D42_PERFCNT.CYCLE_COUNT]);
      if ((c.ioctl(this.fd, V3D_IOCTL.PERFMON_CREATE, create) as number) === 0) perfmonId = unpackPerfmonCreate(create);
    }
    try {
      const resetsBefore = this.resetCounter !== undefined ? this.param(this.resetCounter) : undefined;
      const start = process.hrtime.bigint();
      this.ioctl(V3D_IOCTL.SUBMIT_CSD, packSubmitCsd(job.cfg, handlesAddress, handles.length, perfmonId), `SUBMIT_CSD (${kernel})`);
      await this.waitBo(handles[0] as number, timeoutMs, kernel);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const warnings: string[] = [];
      if (resetsBefore !== undefined && this.resetCounter !== undefined) {
        const resetsAfter = this.param(this.resetCounter);
        if (resetsAfter !== resetsBefore) {
          const whose = this.resetCounter === V3D_PARAM.CONTEXT_RESET_COUNTER ? 'while it ran' : 'while it ran (the counter is system-wide: another process may have hung it)';
          throw new GpuResetError(
            `${kernel}: the GPU was reset ${whose}; its results are incomplete. The kernel's hang check resets V3D when a job makes no progress for ~${HANG_CHECK_MS} ms: ` +
            `look for an endless loop, or launch with more QPU batches so that each one finishes sooner (see dmesg for "Resetting GPU")`,
          );
        }
      } else if (seconds * 1000 > HANG_CHECK_MS && options.completionChecked !== true) {
        warnings.push(
          `${kernel} ran ${(seconds * 1000).toFixed(0)} ms; this kernel cannot report GPU resets (no reset counter), and V3D is reset when a job makes no progress for ~${HANG_CHECK_MS} ms: check dmesg for "Resetting GPU" before trusting the results`,
        );
      }
      let cycles = 0;
      if (perfmonId !== 0) {
        const values = new BigUint64Array(1);
        const addr = koffi.address(c.memset(values, 0, 0));
        if ((c.ioctl(this.fd, V3D_IOCTL.PERFMON_GET_VALUES, packPerfmonGetValues(perfmonId, addr)) as number) === 0) cycles = Number(values[0]);
      }
      const clockHz = TARGETS[this.target].clockHz;
      return {
        profile: {
          source: perfmonId !== 0 ? 'perfmon' : 'wall-clock',
          cycles, clockHz, seconds, instructions: 0, bytesRead: 0, bytesWritten: 0, flops: 0, stalls: {}, perQpuCycles: [],
        },
        hazards: [],
        ...(warnings.length > 0 ? { warnings } : {}),
      };
    } finally {
      if (perfmonId !== 0) c.ioctl(this.fd, V3D_IOCTL.PERFMON_DESTROY, packPerfmonDestroy(perfmonId));
    }
  }

  /** One WAIT_BO for the job's fence; EINTR and an early EAGAIN retry with the time that is left. */
  private async waitBo(handle: number, timeoutMs: number, kernel: string): Promise<void> {
    const deadline = process.hrtime.bigint() + BigInt(Math.round(timeoutMs * 1e6));
    for (;;) {
      const left = deadline - process.hrtime.bigint();
      const arg = packWaitBo(handle, left > 0n ? left : 0n);
      const { r, errno } = await new Promise<{ r: number; errno: number }>((resolve, reject) => {
        libc().ioctl.async(this.fd, V3D_IOCTL.WAIT_BO, arg, (err: unknown, r: number) => {
          if (err) reject(new DriverError(`WAIT_BO failed: ${String(err)}`));
          else resolve({ r, errno: koffi.errno() });
        });
      });
      if (r === 0) return;
      const why = errnoName(errno);
      if (why === 'EINTR' || (why === 'EAGAIN' && process.hrtime.bigint() < deadline)) continue;
      if (why === 'ETIME' || why === 'EAGAIN' || why === 'ETIMEDOUT') {
        throw new GpuTimeoutError(
          `${kernel}: the GPU job did not finish within ${timeoutMs} ms (LaunchOptions.timeoutMs). It may still be running — the Linux driver keeps the memory it uses alive until it ends, ` +
          `and resets the GPU if it stops making progress — so the results in its arrays are incomplete. Raise timeoutMs for a long launch, or look for an endless loop`,
        );
      }
      throw new DriverError(`WAIT_BO failed: ${why}`);
    }
  }

  /** Unmap and close everything (closing the DRM fd frees every buffer). */
  close(): void {
    if (this.closed) return;
    for (const m of [...this.mapped.values()]) this.free(m.buffer);
    libc().close(this.fd);
    this.closed = true;
  }
}
