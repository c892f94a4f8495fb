/**
 * The real Pi 4 / Pi 5 GPU through the Linux V3D DRM driver, called with
 * koffi: CREATE_BO + MMAP_BO for memory, SUBMIT_CSD + WAIT_BO to run
 * (shared/docs/hardware-interface.md section 1 and 3). Nothing here runs
 * without a Pi; the struct layouts it uses are tested in v3d-uapi.ts.
 */
import koffi from 'koffi';
import type { CsdJob, Device, DeviceBuffer, JobResult, QpuJob, Target } from '../device.ts';
import { TARGETS, v3dTargetOf } from '../../compiler/target/targets.ts';
import {
  V3D_IOCTL, V3D_PARAM, packCreateBo, packGemClose, packGetParam, packMmapBo, packSubmitCsd, packWaitBo,
  qpusFromCoreIdent1, unpackCreateBo, unpackGetParam, unpackMmapBo, versionFromIdent1,
} from './v3d-uapi.ts';

/** A failed driver call, with what to do about it. */
export class DriverError extends Error {}

type Fn = (...args: unknown[]) => unknown;
interface Libc {
  open: Fn;
  close: Fn;
  ioctl: Fn & { async: (...args: unknown[]) => void };
  mmap64: Fn;
  munmap: Fn;
}

let libc: Libc | undefined;
function loadLibc(): Libc {
  if (libc) return libc;
  const lib = koffi.load('libc.so.6');
  libc = {
    open: lib.func('int open(const char *path, int flags)') as Fn,
    close: lib.func('int close(int fd)') as Fn,
    ioctl: lib.func('int ioctl(int fd, unsigned long request, ...)') as Libc['ioctl'],
    // 64-bit offsets: MMAP_BO offsets are above 4 GiB on 64-bit kernels, even under 32-bit userland.
    mmap64: lib.func('void *mmap64(void *addr, size_t len, int prot, int flags, int fd, int64_t off)') as Fn,
    munmap: lib.func('int munmap(void *addr, size_t len)') as Fn,
  };
  return libc;
}

const O_RDWR = 2;
const O_CLOEXEC = 0o2000000;
const PROT_RW = 3;
const MAP_SHARED = 1;

function errnoName(): string {
  const e = koffi.errno();
  const name = Object.entries(koffi.os.errno).find(([, v]) => v === e)?.[0];
  return name ?? `errno ${e}`;
}

interface Mapped {
  buffer: DeviceBuffer;
  ptr: unknown;
}

/** A V3D GPU opened through its DRM node. */
export class V3dDrmDevice implements Device {
  readonly backend = 'hardware' as const;
  readonly target: Target;
  readonly numQpus: number;
  readonly description: string;
  private readonly fd: number;
  private readonly version: number;
  private readonly mapped = new Map<number, Mapped>();

  /** Open `node` (prefer a renderD* node: no DRM master/auth needed). */
  constructor(readonly node: string) {
    const c = loadLibc();
    const fd = c.open(node, O_RDWR | O_CLOEXEC) as number;
    if (fd < 0) {
      const why = errnoName();
      throw new DriverError(
        why === 'EACCES'
          ? `cannot open ${node}: permission denied; add your user to the 'render' and 'video' groups, or run as root`
          : `cannot open ${node}: ${why}`,
      );
    }
    this.fd = fd;
    try {
      if (this.param(V3D_PARAM.SUPPORTS_CSD) === 0n) throw new DriverError(`${node}: this kernel's V3D driver has no compute (CSD) support`);
      this.version = versionFromIdent1(Number(this.param(V3D_PARAM.HUB_IDENT1)));
      this.numQpus = qpusFromCoreIdent1(Number(this.param(V3D_PARAM.CORE0_IDENT1)));
    } catch (e) {
      c.close(fd);
      throw e;
    }
    this.target = v3dTargetOf(this.version);
    this.description = `V3D ${Math.floor(this.version / 10)}.${this.version % 10} with ${this.numQpus} QPUs at ${node}`;
  }

  private ioctl(request: number, arg: Uint8Array, what: string): void {
    const r = loadLibc().ioctl(this.fd, request, 'void *', arg) as number;
    if (r !== 0) {
      const why = errnoName();
      const hint =
        why === 'ENOMEM' || why === 'ENOSPC' ? ': out of GPU memory; free buffers or allocate less'
        : why === 'EACCES' ? ': not allowed on this node (another process is DRM master); use a renderD* node'
        : '';
      throw new DriverError(`${what} failed: ${why}${hint}`);
    }
  }

  private param(id: number): bigint {
    const b = packGetParam(id);
    this.ioctl(V3D_IOCTL.GET_PARAM, b, `GET_PARAM ${id}`);
    return unpackGetParam(b);
  }

  /** CREATE_BO, MMAP_BO and mmap: GPU memory with a host view. */
  allocate(size: number): DeviceBuffer {
    const create = packCreateBo(size);
    this.ioctl(V3D_IOCTL.CREATE_BO, create, `allocating ${size} bytes of GPU memory`);
    const { handle, offset } = unpackCreateBo(create);
    const mm = packMmapBo(handle);
    this.ioctl(V3D_IOCTL.MMAP_BO, mm, 'MMAP_BO');
    const ptr = loadLibc().mmap64(null, size, PROT_RW, MAP_SHARED, this.fd, unpackMmapBo(mm));
    if (koffi.address(ptr) === 0xffffffffffffffffn || koffi.address(ptr) === 0xffffffffn) {
      this.ioctl(V3D_IOCTL.GEM_CLOSE, packGemClose(handle), 'GEM_CLOSE');
      throw new DriverError(`mapping GPU memory failed: ${errnoName()}`);
    }
    const bytes = new Uint8Array(koffi.view(ptr, size));
    const buffer: DeviceBuffer = { handle, gpuAddress: offset, size, bytes };
    this.mapped.set(handle, { buffer, ptr });
    return buffer;
  }

  /** munmap and GEM_CLOSE. */
  free(buffer: DeviceBuffer): void {
    const m = this.mapped.get(buffer.handle);
    if (!m) return;
    loadLibc().munmap(m.ptr, buffer.size);
    this.ioctl(V3D_IOCTL.GEM_CLOSE, packGemClose(buffer.handle), 'GEM_CLOSE');
    this.mapped.delete(buffer.handle);
  }

  /** SUBMIT_CSD, then WAIT_BO on every listed buffer (on a worker thread, so the event loop keeps running). */
  async run(job: CsdJob | QpuJob, options: { timeoutMs?: number } = {}): Promise<JobResult> {
    if (job.kind !== 'csd') throw new DriverError('V3D runs compute-shader (CSD) jobs, not execute_qpu');
    const handles = koffi.alloc('uint32_t', Math.max(1, job.buffers.length));
    try {
      const view = new Uint32Array(koffi.view(handles, 4 * Math.max(1, job.buffers.length)));
      job.buffers.forEach((b, k) => (view[k] = b.handle));
      const start = process.hrtime.bigint();
      this.ioctl(V3D_IOCTL.SUBMIT_CSD, packSubmitCsd(job.cfg, koffi.address(handles), job.buffers.length), 'SUBMIT_CSD');
      const timeoutNs = BigInt(Math.round((options.timeoutMs ?? 10_000) * 1e6));
      for (const b of job.buffers) await this.waitBo(b.handle, timeoutNs);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const clockHz = TARGETS[this.target].clockHz;
      return {
        profile: {
          cycles: Math.round(seconds * clockHz), clockHz, seconds, instructions: 0, bytesRead: 0, bytesWritten: 0, flops: 0,
          stalls: {}, perQpuCycles: [],
        },
        hazards: [],
      };
    } finally {
      koffi.free(handles);
    }
  }

  private waitBo(handle: number, timeoutNs: bigint): Promise<void> {
    const arg = packWaitBo(handle, timeoutNs);
    return new Promise((resolve, reject) => {
      loadLibc().ioctl.async(this.fd, V3D_IOCTL.WAIT_BO, 'void *', arg, (err: unknown, r: number) => {
        if (err) reject(new DriverError(`WAIT_BO failed: ${String(err)}`));
        else if (r !== 0) {
          const why = errnoName();
          reject(
            new DriverError(
              why === 'ETIME' || why === 'EAGAIN'
                ? `the GPU job did not finish within ${Number(timeoutNs) / 1e6} ms; its memory stays allocated until it is confirmed dead (an endless loop in the kernel?)`
                : `WAIT_BO failed: ${why}`,
            ),
          );
        } else resolve();
      });
    });
  }

  /** Unmap and close everything. */
  close(): void {
    for (const m of [...this.mapped.values()]) this.free(m.buffer);
    loadLibc().close(this.fd);
  }
}
