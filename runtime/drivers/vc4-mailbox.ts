/**
 * The VideoCore IV GPU of a Pi Zero/1/2/3 through the firmware mailbox
 * (/dev/vcio) and /dev/mem (shared/docs/hardware-interface.md section 2):
 * enable_qpu once, GPU memory from the firmware's gpu_mem heap
 * (allocate + lock → bus address, mapped through /dev/mem at
 * bus & ~0xC0000000), jobs with execute_qpu. Without root, GPU memory comes
 * from /dev/vcsm-cma instead (hardware-interface 2.7): MEM_ALLOC hands out a
 * dma-buf fd (mapped at offset 0) and the VideoCore bus address, and
 * DMA_BUF_IOCTL_SYNC brackets each job. Every C call goes through
 * runtime/drivers/system.ts, so tests run this file unchanged against the
 * fake kernel (test/runtime/drivers/fake/).
 *
 * This only works while the firmware owns the GPU (legacy or fkms graphics):
 * under the vc4-kms-v3d driver the firmware refuses enable_qpu/execute_qpu,
 * and probe.ts says what to change before this file is ever reached.
 *
 * VideoCore IV has no MMU: a stray write lands in Linux's memory. The
 * runtime therefore checks VC4 launches by default (Runtime.open's
 * `checked` option): each job first runs on the emulator over copies of the
 * buffers, and only a job whose every access stays inside its buffers goes
 * to the real QPUs.
 */
import koffi from 'koffi';
import type { CsdJob, Device, DeviceBuffer, JobResult, QpuJob, RunOptions } from '../device.ts';
import { errnoName, libc, systemPath } from './system.ts';
import { type HostMapping, MappingError, mapDeviceMemory, unmapDeviceMemory, pageSize } from './mapping.ts';
import { DriverError } from './v3d-drm.ts';
import { RUNTIME_ERROR_CODES } from '../errors.ts';
import { ioc } from './v3d-uapi.ts';
import { readFileSync } from 'node:fs';

/** The mailbox property ioctl: _IOWR(100, 0, char *), so its size field is the userland pointer size [vcio.c]. */
export function mailboxIoctl(pointerBytes: number): number {
  return (0xc0000000 | (pointerBytes << 16) | (100 << 8) | 0) >>> 0;
}

/** Firmware property tags the driver uses (shared/docs/hardware-interface.md 2.3). */
export const MBOX_TAG = {
  ALLOCATE: 0x0003000c,
  LOCK: 0x0003000d,
  UNLOCK: 0x0003000e,
  RELEASE: 0x0003000f,
  EXECUTE_QPU: 0x00030011,
  ENABLE_QPU: 0x00030012,
} as const;

/**
 * vc-sm-cma MEM_ALLOC: `_IOR('J', 0x5A, struct vc_sm_cma_ioctl_alloc)`, 64
 * bytes: size @0, num @4, cached @8 (0 = VC_SM_CMA_CACHE_NONE), pad @12,
 * name[32] @16, handle @48 (out: a dma-buf fd), vc_handle @52 (out),
 * dma_addr u64 @56 (out: the VideoCore bus address) — Raspberry Pi's
 * include/uapi/linux/vc_sm_cma_ioctl.h; the same on 32- and 64-bit userland.
 */
export const VCSM_CMA_IOCTL_MEM_ALLOC = ioc(2, 0x4a, 0x5a, 64);
/** `DMA_BUF_IOCTL_SYNC = _IOW('b', 0, struct dma_buf_sync { u64 flags })` (Linux include/uapi/linux/dma-buf.h). */
export const DMA_BUF_IOCTL_SYNC = ioc(1, 0x62, 0, 8);
/** dma_buf_sync flags: READ 1, WRITE 2 (RW 3); START 0 (the CPU is about to access), END 4 (it is done). */
export const DMA_BUF_SYNC = { READ: 1, WRITE: 2, RW: 3, START: 0, END: 4 } as const;

/** Memory allocation flags (2.4): DIRECT = uncached 0xC alias, L1_NONALLOCATING = L2-cached 0x4 alias. */
export const MEM_FLAG = { DIRECT: 1 << 2, COHERENT: 2 << 2, L1_NONALLOCATING: 3 << 2, ZERO: 1 << 4 } as const;

/**
 * The allocation flags per board: Pi 0/1 (peripheral base 0x20000000) see the
 * GPU's L2 from the ARM, so the L2-cached alias is coherent (flags 0xC);
 * Pi 2/3 do not, so memory must be uncached (0x4) — the hello_fft rule.
 */
export function cacheFlagsFor(peripheralBase: number): number {
  return (peripheralBase === 0x20000000 ? MEM_FLAG.L1_NONALLOCATING : MEM_FLAG.DIRECT) | MEM_FLAG.ZERO;
}

/**
 * Peripheral base from the device tree (`/proc/device-tree/soc/ranges`:
 * big-endian word at byte 4, or at byte 8 when that is 0), or undefined.
 */
export function peripheralBase(): number | undefined {
  try {
    const r = readFileSync(systemPath('proc/device-tree/soc/ranges'));
    if (r.length < 8) return undefined;
    const at4 = r.readUInt32BE(4);
    return at4 !== 0 ? at4 : r.length >= 12 ? r.readUInt32BE(8) : undefined;
  } catch {
    return undefined;
  }
}

const O_RDONLY = 0;
const O_RDWR = 2;
const O_SYNC = 0o4010000;
const O_CLOEXEC = 0o2000000;

/** The message for a firmware that refuses QPU jobs (vc4-kms-v3d owns V3D). */
export const KMS_OWNS_V3D =
  "the firmware refused to run QPU programs: the vc4-kms-v3d display driver owns the GPU. To run kernels on this Pi's QPUs, edit /boot/firmware/config.txt " +
  '(/boot/config.txt before Bookworm): replace dtoverlay=vc4-kms-v3d with dtoverlay=vc4-fkms-v3d (Bullseye and older) or remove it (legacy firmware graphics), then reboot';

/**
 * Open the memory device: /dev/mem (O_SYNC, root) or /dev/vcsm-cma; `auto`
 * (undefined) tries /dev/mem first. A string is the error to report.
 */
function openMemory(wanted: Vc4Memory | undefined): { fd: number; memory: Vc4Memory } | string {
  const c = libc();
  let memWhy = '';
  if (wanted !== 'vcsm-cma') {
    const fd = c.open(systemPath('dev/mem'), O_RDWR | O_SYNC | O_CLOEXEC) as number;
    if (fd >= 0) return { fd, memory: 'dev-mem' };
    memWhy = errnoName();
    if (wanted === 'dev-mem') {
      return memWhy === 'EACCES' || memWhy === 'EPERM'
        ? 'cannot open /dev/mem: VideoCore IV GPU memory is mapped through /dev/mem, which needs root: run with sudo (or leave memory to qpuc, which then uses /dev/vcsm-cma)'
        : `cannot open /dev/mem: ${memWhy}`;
    }
  }
  const fd = c.open(systemPath('dev/vcsm-cma'), O_RDWR | O_CLOEXEC) as number;
  if (fd >= 0) return { fd, memory: 'vcsm-cma' };
  const cmaWhy = errnoName();
  const cma =
    cmaWhy === 'ENOENT' ? 'there is no /dev/vcsm-cma (the vc-sm-cma driver of Raspberry Pi OS kernels 5.x and later)'
    : cmaWhy === 'EACCES' || cmaWhy === 'EPERM' ? 'cannot open /dev/vcsm-cma: permission denied (add your user to the video group)'
    : `cannot open /dev/vcsm-cma: ${cmaWhy}`;
  if (wanted === 'vcsm-cma') return cma;
  const mem = memWhy === 'EACCES' || memWhy === 'EPERM' ? '/dev/mem needs root' : `cannot open /dev/mem: ${memWhy}`;
  return `no way to map VideoCore IV GPU memory: ${mem}, and ${cma}. Run as root (sudo), or use a kernel with vc-sm-cma and join the video group`;
}

/** Map the V3D register page through /dev/mem (root). */
function mapRegisters(peripheral: number): { fd: number; mapping: HostMapping; words: Uint32Array } {
  const c = libc();
  const fd = c.open(systemPath('dev/mem'), O_RDWR | O_SYNC | O_CLOEXEC) as number;
  if (fd < 0) {
    const why = errnoName();
    throw new DriverError(
      why === 'EACCES' || why === 'EPERM'
        ? 'the register launch under KMS maps the V3D registers through /dev/mem, which needs root: run with sudo'
        : `cannot open /dev/mem for the V3D registers: ${why}`,
    );
  }
  try {
    const mapping = mapDeviceMemory(fd, 4096, peripheral + VC4_V3D.BASE_OFFSET);
    return { fd, mapping, words: new Uint32Array(mapping.bytes.buffer, mapping.bytes.byteOffset, 1024) };
  } catch (e) {
    c.close(fd);
    throw e instanceof MappingError ? new DriverError(`mapping the V3D registers through /dev/mem failed: ${e.message} (a kernel with CONFIG_STRICT_DEVMEM refuses it; boot with iomem=relaxed)`) : e;
  }
}

interface Allocation {
  buffer: DeviceBuffer;
  mapping: HostMapping;
  /** Mailbox handle (firmware memory through /dev/mem), or undefined for a vcsm-cma dma-buf. */
  mboxHandle?: number;
  /** The dma-buf fd of a vcsm-cma allocation. */
  dmabuf?: number;
}

/** Where GPU memory comes from: the firmware's gpu_mem heap through /dev/mem (root), or /dev/vcsm-cma (no root). */
export type Vc4Memory = 'dev-mem' | 'vcsm-cma';

/**
 * The VideoCore IV V3D registers the register launch uses (offsets from the
 * V3D base, peripheral base + 0xC00000): shared/docs/hardware-interface.md
 * 2.6, vc4-isa-notes.md 8; IDENT0's value from Linux
 * drivers/gpu/drm/vc4/vc4_regs.h (V3D_EXPECTED_IDENT0: tech version 2, "V3D").
 */
export const VC4_V3D = {
  /** Offset of the V3D block from the peripheral base. */
  BASE_OFFSET: 0xc00000,
  IDENT0: 0x000,
  /** Reads 0x02443356 while V3D is powered. */
  EXPECTED_IDENT0: 0x02443356,
  /** L2 cache control: bit 2 clears it. */
  L2CACTL: 0x020,
  /** Slice cache control: ones clear the slices' caches. */
  SLCACTL: 0x024,
  /** User program request: code address (the write queues the request). */
  SRQPC: 0x430,
  /** User program request: uniforms address. */
  SRQUA: 0x434,
  /** User program request: uniforms length (above 1023: unlimited). */
  SRQUL: 0x438,
  /** Control and status: 5:0 queued, 7 error (write 1 clears), 15:8 requests (bit 8 clears), 23:16 completed (bit 16 clears). */
  SRQCS: 0x43c,
} as const;

/**
 * The message for a Pi 0–3 under vc4-kms-v3d, with both ways out: firmware
 * graphics (safe), or the register launch (opt-in, unsafe).
 */
export const KMS_OPT_IN =
  'or, at your own risk and as root, let qpuc start QPU programs through the V3D registers behind the display driver\'s back: ' +
  "Runtime.open({ vc4: { kmsRegisterLaunch: 'unsafe' } }) or QPUC_VC4_KMS_REGISTERS=unsafe (racy: docs/hardware.md, 'VC4 under KMS')";

/** How jobs reach the QPUs: the firmware's execute_qpu, or the user-program request registers (the opt-in under KMS). */
export type Vc4Launch = 'mailbox' | 'registers';

/** Options of {@link Vc4MailboxDevice}. */
export interface Vc4MailboxOptions {
  /**
   * 'registers': queue each QPU's program through V3D_SRQUA/SRQPC and poll
   * V3D_SRQCS, through /dev/mem (root), without the firmware — the only way
   * while vc4-kms-v3d owns the GPU. Racy and unsafe: the display driver
   * powers V3D down when idle, resets it on its own hangs, and shares its
   * caches. Default 'mailbox'.
   */
  launch?: Vc4Launch;
  /** Allocation flags (default from the board: {@link cacheFlagsFor}). */
  memFlags?: number;
  /** Where GPU memory comes from; default: /dev/mem when it opens (root), else /dev/vcsm-cma. */
  memory?: Vc4Memory;
}

/** A VideoCore IV driven through the firmware mailbox. */
export class Vc4MailboxDevice implements Device {
  readonly target = 'vc4' as const;
  readonly backend = 'hardware' as const;
  readonly numQpus = 12;
  readonly description: string;
  readonly memFlags: number;
  /** Where GPU memory comes from. */
  readonly memory: Vc4Memory;
  /** How jobs reach the QPUs. */
  readonly launch: Vc4Launch;
  /** The V3D register page (register launch only). */
  private readonly regs: { fd: number; mapping: HostMapping; words: Uint32Array } | undefined;
  private readonly vcio: number;
  /** /dev/mem or /dev/vcsm-cma. */
  private readonly mem: number;
  private readonly request: number;
  private readonly live = new Map<number, Allocation>();
  /** After an execute_qpu timeout the QPUs may still write anywhere: memory is never handed back. */
  private poisoned = false;
  private closed = false;

  constructor(options: Vc4MailboxOptions = {}) {
    const c = libc();
    this.request = mailboxIoctl(koffi.sizeof('void *'));
    const vcio = c.open(systemPath('dev/vcio'), O_RDONLY | O_CLOEXEC) as number;
    if (vcio < 0) {
      const why = errnoName();
      throw new DriverError(
        why === 'ENOENT' ? 'no /dev/vcio: this is not a Raspberry Pi with the VideoCore mailbox driver'
        : why === 'EACCES' || why === 'EPERM' ? 'cannot open /dev/vcio: permission denied; add your user to the video group, or run as root'
        : `cannot open /dev/vcio: ${why}`,
      );
    }
    this.vcio = vcio;
    this.launch = options.launch ?? 'mailbox';
    const base = peripheralBase() ?? 0x3f000000;
    let regs: typeof this.regs;
    try {
      if (this.launch === 'mailbox') {
        const r = this.property(MBOX_TAG.ENABLE_QPU, [1]);
        if (r === undefined || (r !== 0 && r !== 0x80000000)) throw new DriverError(`${KMS_OWNS_V3D}; ${KMS_OPT_IN}`);
      } else {
        regs = mapRegisters(base);
      }
      const opened = openMemory(options.memory);
      if (typeof opened === 'string') {
        if (this.launch === 'mailbox') this.property(MBOX_TAG.ENABLE_QPU, [0]);
        throw new DriverError(opened);
      }
      this.mem = opened.fd;
      this.memory = opened.memory;
    } catch (e) {
      if (regs) {
        unmapDeviceMemory(regs.mapping);
        c.close(regs.fd);
      }
      c.close(vcio);
      throw e;
    }
    this.regs = regs;
    this.memFlags = options.memFlags ?? cacheFlagsFor(base);
    const how = this.launch === 'mailbox' ? 'through the firmware mailbox' : 'through the V3D registers under KMS (unsafe opt-in)';
    this.description = this.memory === 'dev-mem'
      ? `VideoCore IV (12 QPUs) ${how}, memory flags 0x${this.memFlags.toString(16)}`
      : `VideoCore IV (12 QPUs) ${how}, memory from /dev/vcsm-cma`;
  }

  /**
   * One property request with one tag; the first response word, or undefined
   * when the firmware (or the kernel) rejected the request.
   */
  private property(tag: number, values: readonly number[]): number | undefined {
    const words = new Uint32Array(6 + values.length);
    words[0] = words.length * 4; // total size in bytes, end tag included
    words[1] = 0; // process request
    words[2] = tag;
    words[3] = values.length * 4; // value buffer size
    words[4] = values.length * 4; // request size (bit 31 clear: a request)
    words.set(values, 5);
    words[5 + values.length] = 0; // end tag
    const r = libc().ioctl(this.vcio, this.request, words) as number;
    if (r !== 0 || words[1] !== 0x80000000) return undefined;
    return words[5];
  }

  private async propertyAsync(tag: number, values: readonly number[]): Promise<number | undefined> {
    const words = new Uint32Array(6 + values.length);
    words[0] = words.length * 4;
    words[2] = tag;
    words[3] = values.length * 4;
    words[4] = values.length * 4;
    words.set(values, 5);
    const r = await new Promise<number>((resolve, reject) => {
      libc().ioctl.async(this.vcio, this.request, words, (err: unknown, res: number) => (err ? reject(new DriverError(String(err))) : resolve(res)));
    });
    if (r !== 0 || words[1] !== 0x80000000) return undefined;
    return words[5];
  }

  private assertOpen(): void {
    if (this.closed) throw new DriverError('the VC4 mailbox device is closed');
  }

  /** allocate + lock (bus address) + map through /dev/mem; or MEM_ALLOC + mmap of the dma-buf through /dev/vcsm-cma. */
  allocate(size: number): DeviceBuffer {
    this.assertOpen();
    if (!Number.isInteger(size) || size <= 0) throw new RangeError(`buffer size must be a positive integer, got ${size}`);
    const page = pageSize();
    const rounded = Math.ceil(size / page) * page;
    if (this.memory === 'vcsm-cma') return this.allocateCma(size, rounded);
    const handle = this.property(MBOX_TAG.ALLOCATE, [rounded, page, this.memFlags]) ?? 0;
    if (handle === 0) {
      throw new DriverError(`allocating ${size} bytes of GPU memory failed: the firmware's gpu_mem heap is full; free arrays, or raise gpu_mem in config.txt (e.g. gpu_mem=128)`, RUNTIME_ERROR_CODES.OUT_OF_MEMORY);
    }
    const bus = this.property(MBOX_TAG.LOCK, [handle]) ?? 0;
    if (bus === 0) {
      this.property(MBOX_TAG.RELEASE, [handle]);
      throw new DriverError('locking GPU memory failed (the firmware returned no bus address)');
    }
    let mapping: HostMapping;
    try {
      mapping = mapDeviceMemory(this.mem, size, (bus & ~0xc0000000) >>> 0);
    } catch (e) {
      this.property(MBOX_TAG.UNLOCK, [handle]);
      this.property(MBOX_TAG.RELEASE, [handle]);
      throw e instanceof MappingError ? new DriverError(`mapping GPU memory through /dev/mem failed: ${e.message}`) : e;
    }
    const buffer: DeviceBuffer = { handle, gpuAddress: bus >>> 0, size: rounded, bytes: mapping.bytes };
    this.live.set(handle, { buffer, mapping, mboxHandle: handle });
    return buffer;
  }

  /** vcsm-cma: MEM_ALLOC (a dma-buf fd and its bus address), mmap of the fd, DMA_BUF sync START. */
  private allocateCma(size: number, rounded: number): DeviceBuffer {
    const c = libc();
    const arg = new Uint8Array(64);
    const v = new DataView(arg.buffer);
    v.setUint32(0, rounded, true);
    v.setUint32(4, 1, true); // num
    v.setUint32(8, 0, true); // VC_SM_CMA_CACHE_NONE
    arg.set(new TextEncoder().encode('qpuc'), 16);
    if ((c.ioctl(this.mem, VCSM_CMA_IOCTL_MEM_ALLOC, arg) as number) !== 0) {
      const why = errnoName();
      throw new DriverError(
        `allocating ${size} bytes of GPU memory through /dev/vcsm-cma failed: ${why}` +
          (why === 'ENOMEM' ? '; the CMA pool is full: free arrays, or enlarge it (e.g. dtoverlay=vc4-fkms-v3d,cma-256 in config.txt, or cma=256M on the kernel command line)' : ''),
        why === 'ENOMEM' ? RUNTIME_ERROR_CODES.OUT_OF_MEMORY : RUNTIME_ERROR_CODES.DEVICE,
      );
    }
    const fd = v.getInt32(48, true);
    const dma = v.getBigUint64(56, true);
    if (fd < 0 || dma === 0n || dma > 0xffffffffn) {
      if (fd >= 0) c.close(fd);
      throw new DriverError(`/dev/vcsm-cma returned an unusable allocation (fd ${fd}, bus address 0x${dma.toString(16)})`);
    }
    let mapping: HostMapping;
    try {
      mapping = mapDeviceMemory(fd, size, 0);
    } catch (e) {
      c.close(fd);
      throw e instanceof MappingError ? new DriverError(`mapping GPU memory from /dev/vcsm-cma failed: ${e.message}`) : e;
    }
    this.sync(fd, DMA_BUF_SYNC.START);
    const buffer: DeviceBuffer = { handle: fd, gpuAddress: Number(dma), size: rounded, bytes: mapping.bytes };
    this.live.set(fd, { buffer, mapping, dmabuf: fd });
    return buffer;
  }

  /** DMA_BUF_IOCTL_SYNC with `when` (START before the CPU touches the memory, END after) for reads and writes. */
  private sync(fd: number, when: number): void {
    const arg = new BigUint64Array([BigInt(DMA_BUF_SYNC.RW | when)]);
    if ((libc().ioctl(fd, DMA_BUF_IOCTL_SYNC, arg) as number) !== 0) throw new DriverError(`DMA_BUF_IOCTL_SYNC failed: ${errnoName()}`);
  }

  /** Unmap (detaching the view), unlock and release — unless a timed-out job may still be using the memory. */
  free(buffer: DeviceBuffer): void {
    const a = this.live.get(buffer.handle);
    if (!a) return;
    this.live.delete(buffer.handle);
    unmapDeviceMemory(a.mapping);
    if (this.poisoned) return; // never hand memory back while QPUs may still write to it
    if (a.dmabuf !== undefined) {
      this.sync(a.dmabuf, DMA_BUF_SYNC.END);
      libc().close(a.dmabuf); // the last reference: vc-sm-cma frees the memory
      return;
    }
    if (a.mboxHandle === undefined) return;
    this.property(MBOX_TAG.UNLOCK, [a.mboxHandle]);
    this.property(MBOX_TAG.RELEASE, [a.mboxHandle]);
  }

  /** execute_qpu on a worker thread; a non-zero result is a timeout. */
  async run(job: CsdJob | QpuJob, options: RunOptions = {}): Promise<JobResult> {
    this.assertOpen();
    if (job.kind !== 'execute_qpu') throw new DriverError('VideoCore IV runs execute_qpu jobs, not SUBMIT_CSD');
    if (this.poisoned) throw new DriverError('an earlier job on this VideoCore IV timed out and may still be running: reboot before launching again');
    const kernel = options.kernel ?? 'the kernel';
    const timeoutMs = Math.max(1, Math.round(options.timeoutMs ?? job.timeoutMs));
    // vcsm-cma memory: the CPU's writes are done (END), and it will read the GPU's results afterwards (START).
    const dmabufs = [...this.live.values()].flatMap((a) => (a.dmabuf !== undefined ? [a.dmabuf] : []));
    for (const fd of dmabufs) this.sync(fd, DMA_BUF_SYNC.END);
    const start = process.hrtime.bigint();
    const r = this.regs
      ? await this.runThroughRegisters(this.regs.words, job, timeoutMs, kernel)
      : await this.propertyAsync(MBOX_TAG.EXECUTE_QPU, [job.numQpus, job.controlAddress, job.noflush ? 1 : 0, timeoutMs]);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    for (const fd of dmabufs) this.sync(fd, DMA_BUF_SYNC.START);
    if (r === undefined) throw new DriverError(`${kernel}: ${KMS_OWNS_V3D}`);
    if (r !== 0) {
      this.poisoned = true;
      const how = this.regs ? 'V3D_SRQCS counted fewer completed programs than were queued' : `execute_qpu returned ${r}`;
      throw new DriverError(
        `${kernel}: the QPUs did not finish within ${timeoutMs} ms (${how}). They may still be running, and VideoCore IV has no MMU: ` +
        'qpuc keeps all of this runtime\'s GPU memory allocated from now on and refuses further launches; reboot if the system misbehaves',
      );
    }
    return {
      profile: { source: 'wall-clock', cycles: 0, clockHz: 250e6, seconds, instructions: 0, bytesRead: 0, bytesWritten: 0, flops: 0, stalls: {}, perQpuCycles: [] },
      hazards: [],
    };
  }

  /**
   * The register launch (hardware-interface 2.6, hello_fft's sequence): clear
   * the L2 and slice caches, reset SRQCS's counts and error flag, queue each
   * QPU's (uniforms, code) pair from the control list — waiting until SRQCS
   * counts each request, so a full queue never drops one — then poll SRQCS
   * until every program completed or `timeoutMs` passed. 0 on success, 1 on
   * a timeout (as execute_qpu answers).
   */
  private async runThroughRegisters(regs: Uint32Array, job: QpuJob, timeoutMs: number, kernel: string): Promise<number> {
    const reg = (offset: number) => offset >>> 2;
    const ident = regs[reg(VC4_V3D.IDENT0)] as number;
    if (ident !== VC4_V3D.EXPECTED_IDENT0) {
      throw new DriverError(
        `${kernel}: V3D_IDENT0 reads 0x${ident.toString(16).padStart(8, '0')} instead of 0x02443356: the vc4 display driver has powered V3D down (it does so whenever the GPU is idle), ` +
          'so its registers cannot take QPU programs; keep the GPU busy (e.g. a running desktop or GL program) while launching, or switch to firmware graphics (dtoverlay=vc4-fkms-v3d or none) for the safe mailbox path',
      );
    }
    const list = this.words(job.controlAddress, 2 * job.numQpus);
    const deadline = performance.now() + timeoutMs;
    const pause = () =>
      new Promise<void>((resolve, reject) => {
        libc().usleep.async(100, (err: unknown) => (err ? reject(new DriverError(String(err))) : resolve()));
      });
    regs[reg(VC4_V3D.L2CACTL)] = 1 << 2;
    regs[reg(VC4_V3D.SLCACTL)] = 0xffffffff;
    regs[reg(VC4_V3D.SRQCS)] = (1 << 7) | (1 << 8) | (1 << 16);
    while (((regs[reg(VC4_V3D.SRQCS)] as number) & 0xffff00) !== 0) {
      if (performance.now() > deadline) return 1;
      await pause();
    }
    for (let k = 0; k < job.numQpus; k++) {
      regs[reg(VC4_V3D.SRQUA)] = list[2 * k] as number;
      regs[reg(VC4_V3D.SRQUL)] = 1024;
      regs[reg(VC4_V3D.SRQPC)] = list[2 * k + 1] as number;
      while ((((regs[reg(VC4_V3D.SRQCS)] as number) >>> 8) & 0xff) < k + 1) {
        if (((regs[reg(VC4_V3D.SRQCS)] as number) & (1 << 7)) !== 0) throw new DriverError(`${kernel}: the V3D user-program queue overflowed (SRQCS error bit)`);
        if (performance.now() > deadline) return 1;
        await pause();
      }
    }
    while ((((regs[reg(VC4_V3D.SRQCS)] as number) >>> 16) & 0xff) < job.numQpus) {
      if (performance.now() > deadline) return 1;
      await pause();
    }
    return 0;
  }

  /** `count` words of device memory at bus address `bus` (inside one live allocation). */
  private words(bus: number, count: number): Uint32Array {
    const phys = (bus & 0x3fffffff) >>> 0;
    for (const a of this.live.values()) {
      const start = (a.buffer.gpuAddress & 0x3fffffff) >>> 0;
      if (phys >= start && phys + 4 * count <= start + a.buffer.bytes.byteLength) {
        const b = a.buffer.bytes;
        return new Uint32Array(b.buffer, b.byteOffset + (phys - start), count);
      }
    }
    throw new DriverError(`the control list at 0x${bus.toString(16)} is not in GPU memory this device allocated`);
  }

  /** Free everything, disable the QPUs, close the files. */
  close(): void {
    if (this.closed) return;
    for (const a of [...this.live.values()]) this.free(a.buffer);
    if (!this.poisoned && this.launch === 'mailbox') this.property(MBOX_TAG.ENABLE_QPU, [0]);
    if (this.regs) {
      unmapDeviceMemory(this.regs.mapping);
      libc().close(this.regs.fd);
    }
    const c = libc();
    c.close(this.mem);
    c.close(this.vcio);
    this.closed = true;
  }
}
