/**
 * The qpuc runtime: open a GPU (real, emulated, or the CPU reference), put
 * arrays in GPU-visible memory, launch kernels.
 *
 * ```ts
 * const rt = await Runtime.open();
 * const x = rt.alloc(Float32Array, 1024);
 * await rt.launch(Blas.saxpy, { qpus: 8 }, x.length, 2, x, y);
 * // or, from plain JavaScript: a kernel file by path, or what `qpuc compile` wrote
 * const k = await rt.load('kernels/saxpy.ts', 'Blas.saxpy');
 * await rt.launch(k, { qpus: 8 }, x.length, 2, x, y);
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelInfo } from '../lang/index.ts';
import type { ConstTable, IrFunction } from '../compiler/ir/types.ts';
import { type KernelImage, KernelImageError, kernelImageFromJson, userParamCount } from '../compiler/kernel-image.ts';
import type { Device, DeviceBuffer, HazardReport, JobProfile, JobResult, Target } from './device.ts';
import { BufferTable, type GpuArray, type TypedArrayConstructor, elemTypeOf } from './buffers.ts';
import { KernelCache, type KernelWanted, pickKernel } from './kernel-cache.ts';
import { kernelSourceOf } from './kernel-source.ts';
import { launcherFor, LaunchError, PER_BATCH_SLOTS, uniformWords, vpmBatchesAtOnce, vpmRowsOf, type LaunchJob, type ResolvedArg } from './launchers/index.ts';
import { isTarget, isV3dTarget, targetList, TARGETS, type IsaFamily } from '../compiler/target/targets.ts';
import { ReferenceMemory } from './reference-memory.ts';
import { probeHardware } from './drivers/probe.ts';
import { systemConfig } from './drivers/system.ts';

export type { Target, JobProfile, HazardReport } from './device.ts';
export type { GpuArray, TypedArrayConstructor } from './buffers.ts';
export type { KernelImage } from '../compiler/kernel-image.ts';
export { KernelCompileError } from './kernel-cache.ts';

/** Where kernels run: a real GPU, the emulator, the CPU reference interpreter, or the best available. */
export type Backend = 'auto' | 'hardware' | 'emulator' | 'reference';

/** Options of {@link Runtime.open}. */
export interface OpenOptions {
  /** GPU generation; default: `$QPUC_TARGET`, else the hardware's, or 'vc6' for the emulator and reference. */
  target?: Target;
  /** Default `$QPUC_BACKEND`, else 'auto': real hardware when its device node is usable, else the emulator. */
  backend?: Backend;
  /** Where to say which backend was chosen and why (default: standard error; pass `() => {}` for silence). */
  log?: (line: string) => void;
  /**
   * Bounds-checked launches on hardware: each job first runs on the emulator
   * over copies of its buffers and reaches the GPU only if every access stayed
   * inside them (runtime/drivers/checked.ts). Default: on for VideoCore IV
   * (no MMU: a stray write corrupts Linux's memory), off for V3D (slow; the
   * MMU keeps stray accesses in GPU buffers). The emulator's own check is
   * `emulator.checked`.
   */
  checked?: boolean;
  /** VideoCore IV (Pi 0–3) hardware settings. */
  vc4?: {
    /** Where GPU memory comes from: 'dev-mem' (the firmware's gpu_mem heap through /dev/mem, root) or 'vcsm-cma' (no root); default: /dev/mem when it opens, else /dev/vcsm-cma. */
    memory?: 'dev-mem' | 'vcsm-cma';
    /**
     * `'unsafe'`: under the vc4-kms-v3d display driver, where the firmware
     * refuses QPU jobs, start programs through the V3D user-program request
     * registers via /dev/mem (root). Racy: the display driver powers V3D down
     * when idle and resets it on its own hangs (docs/hardware.md, "VC4 under
     * KMS"). Also set by `QPUC_VC4_KMS_REGISTERS=unsafe`. Default: off.
     */
    kmsRegisterLaunch?: 'unsafe';
  };
  /** Emulator settings. */
  emulator?: {
    /** 'error' (default) rejects a launch whose code breaks a hardware rule; 'warn' reports it. */
    hazards?: 'error' | 'warn' | 'off';
    /** Exact special-function results instead of hardware-like approximations. */
    exactSfu?: boolean;
    /** QPUs of the emulated GPU (default 8 on vc6, 12 on vc7). */
    numQpus?: number;
    /**
     * Bounds-checked launches (default true on the V3D emulator): every buffer
     * is mapped at exactly its allocated size, and the first access outside
     * all of them fails the launch naming the buffer and the kernel source line.
     */
    checked?: boolean;
    /** Stop a job after this many GPU cycles with a RuntimeError (code 'cycle-limit'); default 1e9 (about 2 s of a Pi 4). */
    maxCycles?: number;
    /**
     * Emulated GPU memory in bytes, a multiple of 4096: VC4 default 64 MiB
     * (at most 1023 MiB), V3D default the whole 32-bit address space. When it
     * runs out, the runtime first frees kernels and constant tables no launch
     * is using (they are uploaded again when needed).
     */
    memoryBytes?: number;
  };
}

/** Whether the unsafe VC4 register launch under KMS was asked for (option, or QPUC_VC4_KMS_REGISTERS=unsafe). */
function vc4RegisterOptIn(options: OpenOptions): boolean {
  const env = typeof process === 'object' ? process.env['QPUC_VC4_KMS_REGISTERS'] : undefined;
  return options.vc4?.kmsRegisterLaunch === 'unsafe' || env === 'unsafe';
}

/** A launch's timeoutMs, when given, must be a positive number of milliseconds (at most about 24 days, setTimeout's limit). */
function checkTimeout(ms: unknown, what: string): void {
  if (ms === undefined) return;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0 || ms > 0x7fff_ffff) {
    throw new RuntimeError(`${what}: options.timeoutMs must be a positive number of milliseconds up to ${0x7fff_ffff}, got ${String(ms)}`, RUNTIME_ERROR_CODES.INVALID_ARGUMENT);
  }
}

/** The emulated device of each ISA family (loaded on first use). */
const EMULATORS: Record<IsaFamily, (target: Target, options: NonNullable<OpenOptions['emulator']>) => Promise<Device>> = {
  v3d: async (target, options) => {
    if (!isV3dTarget(target)) throw new RuntimeError(`${target} is not a V3D target`);
    const { V3dEmulatorDevice } = await import('./emulator/v3d/device.ts');
    return new V3dEmulatorDevice({
      target,
      ...(options.numQpus !== undefined ? { numQpus: options.numQpus } : {}),
      ...(options.hazards !== undefined ? { hazards: options.hazards } : {}),
      ...(options.exactSfu !== undefined ? { exactSfu: options.exactSfu } : {}),
      ...(options.checked !== undefined ? { checked: options.checked } : {}),
      ...(options.maxCycles !== undefined ? { maxCycles: options.maxCycles } : {}),
      ...(options.memoryBytes !== undefined ? { memoryBytes: options.memoryBytes } : {}),
    });
  },
  vc4: async (_target, options) => {
    const { Vc4EmulatorDevice } = await import('./emulator/vc4/device.ts');
    return new Vc4EmulatorDevice({
      hazards: options.hazards ?? 'error',
      ...(options.maxCycles !== undefined ? { maxCycles: options.maxCycles } : {}),
      ...(options.memoryBytes !== undefined ? { memoryBytes: options.memoryBytes } : {}),
    });
  },
};

/** Batches a kernel with `qpu.barrier()` may use: one supergroup (WGS_PER_SG ≤ 16), all resident (16 threads on a Pi 4). */
export const MAX_BARRIER_BATCHES = 16;

/**
 * Default time budget of one GPU job on V3D hardware: half of the Linux
 * scheduler's 500 ms hang check, which resets a job whose batches stop
 * showing progress (and the Pi 5 one whose batches are all resident for
 * over ~1 s, raspberrypi/linux#6660).
 */
export const DEFAULT_DISPATCH_BUDGET_MS = 250;

/** Options of {@link Runtime.launch}. */
export interface LaunchOptions {
  /**
   * Number of QPU batches (16 lanes each) to run the kernel on: a one-row
   * grid of `qpus × 16 / workgroupSize` workgroups. Give either this or {@link grid}.
   */
  qpus?: number;
  /**
   * Workgroups along X, Y and Z (`[x]`, `[x, y]` or `[x, y, z]`; missing ones
   * are 1): `qpu.groupId(dim)` runs over them, X fastest. Each workgroup is
   * the kernel's `workgroupSize` work items (`@kernel({ workgroupSize })`,
   * default 16). At most 65535 workgroups and 65535 batches in all.
   */
  grid?: readonly number[];
  /** Give up waiting after this long (hardware; default 10 s). */
  timeoutMs?: number;
  /**
   * Cut the launch into several GPU jobs (SUBMIT_CSD on V3D; kernels without
   * `qpu.barrier()`, whose batches never wait for each other). Each job runs
   * a consecutive range of batches with their own workgroup ids, so the
   * result is the same as one job's.
   * - `{ budgetMs }`: the first job is one wave of resident batches (QPUs × 2
   *   threads); each later one as many waves as fit in `budgetMs` at the time
   *   per wave the previous job measured. Default on V3D hardware:
   *   `{ budgetMs: 250 }` ({@link DEFAULT_DISPATCH_BUDGET_MS}).
   * - `{ maxBatches }`: at most this many batches per job (any V3D device, the emulator too).
   * - `false`: one job (the default on the emulators).
   * A job whose single wave runs longer than the hang check is still reset:
   * only more batches with less work each shorten a wave.
   */
  split?: false | { maxBatches?: number; budgetMs?: number };
}

/** The grid of a launch and its batch count, from `qpus` or `grid` (validated: a RuntimeError names what is wrong). */
function launchShape(what: string, options: LaunchOptions, workgroupSize: number): { grid: [number, number, number]; qpus: number; perGroup: number } {
  const perGroup = workgroupSize / 16;
  const { qpus, grid } = options ?? {};
  if ((qpus === undefined) === (grid === undefined)) {
    throw new RuntimeError(`${what}: give options.qpus (batches of 16 lanes) or options.grid (workgroups along X, Y, Z), ${qpus === undefined ? 'got neither' : 'not both'}`, RUNTIME_ERROR_CODES.INVALID_ARGUMENT);
  }
  let g: [number, number, number];
  if (grid !== undefined) {
    if (!Array.isArray(grid) || grid.length < 1 || grid.length > 3 || !grid.every((x) => Number.isInteger(x) && x >= 1 && x <= 0xffff)) {
      throw new RuntimeError(`${what}: options.grid must be 1 to 3 whole numbers of workgroups from 1 to 65535, got ${JSON.stringify(grid)}`, RUNTIME_ERROR_CODES.INVALID_ARGUMENT);
    }
    g = [grid[0] as number, grid[1] ?? 1, grid[2] ?? 1];
  } else {
    if (!Number.isInteger(qpus) || (qpus as number) < 1 || (qpus as number) > 0xffff) {
      throw new RuntimeError(`${what}: options.qpus must be an integer from 1 to 65535, got ${String(qpus)}`, RUNTIME_ERROR_CODES.INVALID_ARGUMENT);
    }
    if ((qpus as number) % perGroup !== 0) {
      throw new RuntimeError(`${what}: the kernel's workgroups are ${workgroupSize} work items (${perGroup} batches), so options.qpus must be a multiple of ${perGroup}, got ${String(qpus)}; or pass options.grid`, RUNTIME_ERROR_CODES.INVALID_ARGUMENT);
    }
    g = [(qpus as number) / perGroup, 1, 1];
  }
  const groups = g[0] * g[1] * g[2];
  const batches = groups * perGroup;
  if (groups > 0xffff || batches > 0xffff) {
    throw new RuntimeError(`${what}: a launch runs at most 65535 workgroups and 65535 batches of 16 lanes; grid [${g.join(', ')}] of ${workgroupSize}-item workgroups is ${groups} workgroups, ${batches} batches`, RUNTIME_ERROR_CODES.INVALID_ARGUMENT);
  }
  return { grid: g, qpus: batches, perGroup };
}

/** The split policy of a launch (validated), or undefined for one job. */
function splitPolicy(what: string, split: LaunchOptions['split'], device: Device | undefined): { maxBatches?: number; budgetMs?: number } | undefined {
  if (split === false) return undefined;
  if (split === undefined) return device?.backend === 'hardware' && isV3dTarget(device.target) ? { budgetMs: DEFAULT_DISPATCH_BUDGET_MS } : undefined;
  if (typeof split !== 'object' || split === null) {
    throw new RuntimeError(`${what}: options.split must be false or { maxBatches?, budgetMs? }, got ${String(split)}`, RUNTIME_ERROR_CODES.INVALID_ARGUMENT);
  }
  const { maxBatches, budgetMs } = split;
  if (maxBatches !== undefined && !(Number.isInteger(maxBatches) && maxBatches >= 1 && maxBatches <= 0xffff)) {
    throw new RuntimeError(`${what}: options.split.maxBatches must be an integer from 1 to 65535, got ${String(maxBatches)}`, RUNTIME_ERROR_CODES.INVALID_ARGUMENT);
  }
  if (budgetMs !== undefined && !(typeof budgetMs === 'number' && Number.isFinite(budgetMs) && budgetMs > 0)) {
    throw new RuntimeError(`${what}: options.split.budgetMs must be a positive number of milliseconds, got ${String(budgetMs)}`, RUNTIME_ERROR_CODES.INVALID_ARGUMENT);
  }
  return { ...(maxBatches !== undefined ? { maxBatches } : {}), ...(budgetMs !== undefined ? { budgetMs } : {}) };
}

/** What a launch reports. */
export interface LaunchResult {
  /** 'Class.method'. */
  kernel: string;
  backend: Exclude<Backend, 'auto'>;
  target: Target;
  /** Timing (emulator: modelled; hardware: measured; reference: none). */
  profile?: JobProfile;
  /** Hazard-checker findings (emulator only). */
  hazards: HazardReport[];
  /** Things worth knowing that did not fail the launch (e.g. a GPU reset that could not be ruled out on hardware). */
  warnings?: string[];
  /** GPU jobs the launch ran as (more than 1 when it was split: {@link LaunchOptions.split}). */
  dispatches?: number;
  /** Machine instructions in the kernel (absent on the reference backend). */
  instructionCount?: number;
}

export { RuntimeError, InstructionDecodeError, CycleLimitError, TimeoutError, RUNTIME_ERROR_CODES, type RuntimeErrorCode } from './errors.ts';
import { RuntimeError, RUNTIME_ERROR_CODES, asRuntimeError } from './errors.ts';

/** A buffer the runtime keeps between launches, with the number of running launches using it (it may be freed only at 0). */
interface Resident<T> {
  value: T;
  pins: number;
}

/** Whether `e` says that GPU memory (or the emulated address space) ran out. */
function isOutOfMemory(e: unknown): boolean {
  return e instanceof RuntimeError && e.code === RUNTIME_ERROR_CODES.OUT_OF_MEMORY;
}

/** Where a loaded kernel comes from (module-private, so declarations show only the public fields). */
type KernelOrigin = { file: string; wanted: KernelWanted; image?: undefined } | { image: KernelImage; file?: undefined };
const origins = new WeakMap<LoadedKernel, KernelOrigin>();

/**
 * A kernel from {@link Runtime.load}, ready for {@link Runtime.launch}: a
 * kernel of a TypeScript file (recompiled when the file changes) or a
 * precompiled one from `qpuc compile`'s `.json`.
 */
export class LoadedKernel {
  /** @internal */
  constructor(
    /** 'Class.method'. */
    readonly name: string,
    /** The file it was loaded from (kernel source or `.json`). */
    readonly file: string,
    /** Parameters in order, with their types ('u32', 'ptr<f32>'…). */
    readonly params: readonly { readonly name: string; readonly type: string }[],
    origin: KernelOrigin,
  ) {
    origins.set(this, origin);
  }
}

/** A kernel to launch, once the runtime has worked out what was passed. */
type KernelRef = { name: string; file: string; wanted: KernelWanted } | { name: string; image: KernelImage };

/** The generation and backend from the environment (`QPUC_TARGET`, `QPUC_BACKEND`), which `qpuc run --target/--backend` set. */
function fromEnv(name: 'QPUC_TARGET' | 'QPUC_BACKEND'): string | undefined {
  const v = typeof process === 'object' ? process.env[name] : undefined;
  return v === undefined || v === '' ? undefined : v;
}

/** An open GPU (or stand-in) with its memory and compiled-kernel cache. */
export class Runtime {
  private readonly buffers = new BufferTable();
  private readonly cache: KernelCache;
  /** Uploaded machine code by image, least recently launched first (freed under memory pressure when no launch uses it). */
  private readonly codeBuffers = new Map<KernelImage, Resident<DeviceBuffer>>();
  /** Kernel source positions of every uploaded code word, shared with the device for its hazard and fault reports. */
  private readonly sourceMap = new Map<number, { file: string; line: number; col: number }>();
  /** Completion-word variants of compiled kernels (for drivers that cannot report GPU resets), with the word they write. */
  private readonly completionVariants = new Map<KernelImage, { image: KernelImage; word: number } | undefined>();
  private closed = false;

  private constructor(
    /** The generation kernels are compiled for. */
    readonly target: Target,
    /** Where kernels run. */
    readonly backend: Exclude<Backend, 'auto'>,
    /** One line describing the device. */
    readonly description: string,
    private readonly device: Device | undefined,
    private readonly refMemory: ReferenceMemory | undefined,
    log: (line: string) => void,
  ) {
    this.cache = new KernelCache(target, log);
  }

  /** Open a runtime. `auto` picks real hardware when usable and the emulator otherwise, and says which through `log`. */
  static async open(options: OpenOptions = {}): Promise<Runtime> {
    const envBackend = options.backend === undefined ? fromEnv('QPUC_BACKEND') : undefined;
    const envTarget = options.target === undefined ? fromEnv('QPUC_TARGET') : undefined;
    const backend = (options.backend ?? envBackend ?? 'auto') as Backend;
    const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
    if (!['auto', 'hardware', 'emulator', 'reference'].includes(backend)) {
      throw new RuntimeError(`unknown backend '${String(backend)}'${envBackend ? ' (from QPUC_BACKEND)' : ''} (expected auto, hardware, emulator or reference)`);
    }
    const vc4 = options.vc4;
    if (vc4?.kmsRegisterLaunch !== undefined && vc4.kmsRegisterLaunch !== 'unsafe') {
      throw new RuntimeError(`vc4.kmsRegisterLaunch must be 'unsafe' (the register launch under KMS is racy: say so to turn it on), got ${String(vc4.kmsRegisterLaunch)}`, RUNTIME_ERROR_CODES.INVALID_ARGUMENT);
    }
    if (vc4?.memory !== undefined && vc4.memory !== 'dev-mem' && vc4.memory !== 'vcsm-cma') {
      throw new RuntimeError(`vc4.memory must be 'dev-mem' or 'vcsm-cma', got ${String(vc4.memory)}`, RUNTIME_ERROR_CODES.INVALID_ARGUMENT);
    }
    const wanted = options.target ?? envTarget;
    if (wanted !== undefined && !isTarget(wanted)) {
      throw new RuntimeError(`unknown target '${String(wanted)}'${envTarget ? ' (from QPUC_TARGET)' : ''} (expected ${targetList()})`);
    }
    return Runtime.openWith(backend, wanted, log, options);
  }

  private static async openWith(backend: Backend, wantedTarget: Target | undefined, log: (line: string) => void, options: OpenOptions): Promise<Runtime> {
    if (backend === 'reference') {
      const target = wantedTarget ?? 'vc6';
      log(`qpuc: running kernels on the CPU reference interpreter (${target} semantics)`);
      return new Runtime(target, 'reference', 'CPU reference interpreter', undefined, new ReferenceMemory(), log);
    }
    let boardTarget: Target | undefined;
    if (backend === 'hardware' || backend === 'auto') {
      const probe = probeHardware(systemConfig().root);
      boardTarget = probe.boardTarget;
      let reason = probe.reason;
      if (probe.v3d) {
        try {
          const { V3dDrmDevice } = await import('./drivers/v3d-drm.ts');
          const raw = new V3dDrmDevice(probe.v3d.node);
          const device = options.checked === true ? new (await import('./drivers/checked.ts')).CheckedHardwareDevice(raw) : raw;
          if (wantedTarget && wantedTarget !== device.target) {
            device.close();
            throw new RuntimeError(`this GPU is ${device.target}, but target '${wantedTarget}' was asked for`);
          }
          log(`qpuc: running kernels on ${device.description}`);
          return new Runtime(device.target, 'hardware', device.description, device, undefined, log);
        } catch (e) {
          if (backend === 'hardware' || e instanceof RuntimeError) throw e instanceof RuntimeError ? e : new RuntimeError((e as Error).message);
          reason = (e as Error).message;
        }
      } else if ((probe.vc4 || (probe.vc4Kms && vc4RegisterOptIn(options))) && (wantedTarget === undefined || wantedTarget === 'vc4')) {
        try {
          const { Vc4MailboxDevice } = await import('./drivers/vc4-mailbox.ts');
          const { CheckedHardwareDevice } = await import('./drivers/checked.ts');
          const raw = new Vc4MailboxDevice({
            ...(probe.vc4 ? {} : { launch: 'registers' as const }),
            ...(options.vc4?.memory !== undefined ? { memory: options.vc4.memory } : {}),
          });
          const device = options.checked === false ? raw : new CheckedHardwareDevice(raw);
          log(`qpuc: running kernels on ${device.description}`);
          return new Runtime('vc4', 'hardware', device.description, device, undefined, log);
        } catch (e) {
          if (backend === 'hardware') throw new RuntimeError((e as Error).message);
          reason = (e as Error).message;
        }
      }
      if (backend === 'hardware') throw new RuntimeError(`no usable Raspberry Pi GPU: ${reason}`);
      log(`qpuc: no usable Raspberry Pi GPU (${reason}); using the emulator`);
    }
    const nq = options.emulator?.numQpus;
    if (nq !== undefined && !(Number.isInteger(nq) && nq >= 1 && nq <= 16)) {
      throw new RuntimeError(`emulator.numQpus must be a whole number from 1 to 16, got ${String(nq)}`, RUNTIME_ERROR_CODES.INVALID_ARGUMENT);
    }
    const mc = options.emulator?.maxCycles;
    if (mc !== undefined && !(Number.isSafeInteger(mc) && mc >= 1)) {
      throw new RuntimeError(`emulator.maxCycles must be a whole number from 1 to 2^53, got ${String(mc)}`, RUNTIME_ERROR_CODES.INVALID_ARGUMENT);
    }
    // On a Pi whose GPU cannot be used, emulate that Pi's GPU.
    const target = wantedTarget ?? boardTarget ?? 'vc6';
    const device = await EMULATORS[TARGETS[target].family](target, options.emulator ?? {});
    return new Runtime(target, 'emulator', device.description, device, undefined, log);
  }

  /**
   * QPUs of the device kernels run on: the GPU's own count on hardware, the
   * emulator's (`emulator.numQpus`, default the target table's), the target
   * table's on the reference backend. Library functions size their launches by it.
   */
  get numQpus(): number {
    return this.device?.numQpus ?? TARGETS[this.target].qpus;
  }

  private check(): void {
    if (this.closed) throw new RuntimeError('this runtime is closed', RUNTIME_ERROR_CODES.CLOSED);
  }

  /** Allocate a zeroed typed array of `length` elements in GPU-visible memory. */
  alloc<C extends TypedArrayConstructor>(ctor: C, length: number): InstanceType<C> {
    this.check();
    if (!Number.isInteger(length) || length <= 0) throw new RuntimeError(`alloc length must be a positive integer, got ${length}`);
    const bytesPer = ctor.BYTES_PER_ELEMENT;
    if (!Number.isSafeInteger(length * bytesPer) || length * bytesPer > 0xffff_ffff) {
      throw new RuntimeError(`alloc of ${length} elements (${length * bytesPer} bytes) is larger than the 4 GiB GPU address space`, RUNTIME_ERROR_CODES.OUT_OF_MEMORY);
    }
    let buf: ReturnType<Device['allocate']>;
    try {
      const device = this.device;
      buf = device ? this.whenMemoryShort(() => device.allocate(length * bytesPer)) : (this.refMemory as ReferenceMemory).allocate(length * bytesPer);
    } catch (e) {
      throw asRuntimeError(e, `alloc of ${length * bytesPer} bytes`, RUNTIME_ERROR_CODES.OUT_OF_MEMORY);
    }
    buf.bytes.fill(0);
    this.buffers.add(buf);
    return new ctor(buf.bytes.buffer as ArrayBuffer, buf.bytes.byteOffset, length) as InstanceType<C>;
  }

  /** The GPU address of an array from {@link alloc} (or a subarray of one), for hand-written programs' uniforms. */
  addressOf(array: GpuArray): number {
    const a = this.buffers.gpuAddress(array);
    if (a === undefined) throw new RuntimeError('addressOf: this array was not allocated by this runtime');
    return a;
  }

  /** Release an array from {@link alloc}; it must not be used afterwards. */
  free(array: GpuArray): void {
    const b = this.buffers.find(array);
    if (!b) throw new RuntimeError('free: this array was not allocated by this runtime');
    this.buffers.remove(b);
    if (this.device) this.device.free(b);
    else this.refMemory?.free(b);
  }

  /**
   * Load a kernel without importing its module (plain JavaScript hosts,
   * Node's type stripping, which cannot run decorators):
   *
   * - `rt.load('kernels/saxpy.ts', 'Blas.saxpy')` compiles a kernel file
   *   (cached in memory and on disk; recompiled when the file changes). The
   *   name is 'Class.method' or 'method', and may be left out when the file
   *   has one kernel.
   * - `rt.load('build/saxpy.vc6.json')` loads what `qpuc compile` wrote: no
   *   compiler needed, so a Pi can run kernels compiled elsewhere.
   *
   * A relative path is resolved against the current directory; pass
   * `new URL('./kernels/saxpy.ts', import.meta.url)` for one relative to the host module.
   */
  async load(source: string | URL, name?: string): Promise<LoadedKernel> {
    this.check();
    const file = typeof source === 'string' && !source.startsWith('file:') ? resolve(source) : fileURLToPath(source);
    if (file.endsWith('.json')) {
      const image = loadImage(file);
      if (name !== undefined && name !== image.name && !image.name.endsWith(`.${name}`)) {
        throw new RuntimeError(`load: ${file} holds kernel ${image.name}, not ${name}`);
      }
      if (image.target !== this.target) {
        throw new RuntimeError(`load: ${file} was compiled for ${image.target}, but this runtime runs ${this.target} kernels; compile it with 'qpuc compile --target ${this.target}'`);
      }
      if (this.backend === 'reference') {
        throw new RuntimeError(`load: the reference backend interprets a kernel's IR, which ${file} does not hold; load the kernel's .ts source instead`);
      }
      return new LoadedKernel(image.name, file, image.params, { image });
    }
    if (!existsSync(file)) throw new RuntimeError(`load: cannot read kernel file ${file}`);
    const wanted: KernelWanted = name === undefined ? {} : { name };
    if (this.backend === 'reference') {
      const [full, ir] = pickKernel(await this.cache.irFile(file), file, wanted);
      return new LoadedKernel(full, file, ir.params.map((p) => ({ name: p.name, type: typeName(p.value.type) })), { file, wanted: { name: full } });
    }
    const [full, image] = pickKernel(await this.cache.compiledFile(file), file, wanted);
    return new LoadedKernel(full, file, image.params, { file, wanted: { name: full } });
  }

  /**
   * Run a kernel: `kernel` is a `@kernel` static method, a kernel from
   * {@link load} (or a compiled kernel object), `args` its arguments — numbers
   * for scalars, arrays from {@link alloc} for `Ptr<T>` parameters. Kernels
   * compile on first use and are cached (in memory and on disk).
   */
  async launch(kernel: unknown, options: LaunchOptions, ...args: unknown[]): Promise<LaunchResult> {
    this.check();
    checkTimeout(options?.timeoutMs, 'launch');
    const ref = this.kernelRef(kernel);
    if (this.backend === 'reference') {
      const [name, ir] = await this.irOf(ref);
      ref.name = name;
      const { grid, qpus } = launchShape(`launch ${ref.name}`, options, ir.workgroupSize ?? 16);
      const hidden = this.withHidden(ref.name, ir, qpus, args);
      let shared: ReturnType<ReferenceMemory['allocate']> | undefined;
      const memory = this.refMemory as ReferenceMemory;
      try {
        const resolved = this.resolveArgs(ref.name, ir.params.map((p) => ({ name: p.name, type: typeName(p.value.type) })), hidden.args);
        const { interpretKernel } = await import('../compiler/ir/interpret.ts');
        const sharedBytes = ir.sharedBytes ?? 0;
        shared = sharedBytes > 0 ? memory.allocate(sharedBytes * grid[0] * grid[1] * grid[2]) : undefined;
        interpretKernel(ir, resolved.map((a) => (a.kind === 'pointer' ? { address: a.address } : a.value)), memory, { qpus, grid, ...(shared ? { sharedBase: shared.gpuAddress } : {}) });
      } catch (e) {
        throw asRuntimeError(e, `launch ${ref.name}`);
      } finally {
        if (shared) memory.free(shared);
        hidden.release();
      }
      return report({ kernel: ref.name, backend: 'reference', target: this.target, hazards: [] }, qpus);
    }
    const compiled = await this.imageOf(ref);
    ref.name = compiled.name;
    const { grid, qpus, perGroup } = launchShape(`launch ${ref.name}`, options, compiled.workgroupSize);
    const hidden = this.withHidden(ref.name, compiled, qpus, args);
    const pinned: Resident<unknown>[] = [];
    let scratch: DeviceBuffer | undefined;
    let shared: DeviceBuffer | undefined;
    let done: DeviceBuffer | undefined;
    const device = this.device as Device;
    try {
      const resolved = this.resolveArgs(ref.name, compiled.params, hidden.args);
      // A barrier waits for its supergroup only: put every batch in one (WGS_PER_SG is 1..16, and all of them must be resident).
      if (compiled.usesBarrier && qpus > MAX_BARRIER_BATCHES) {
        throw new RuntimeError(`launch ${ref.name}: a kernel with qpu.barrier() runs on at most ${MAX_BARRIER_BATCHES} QPU batches, got qpus = ${qpus}`);
      }
      const split = splitPolicy(`launch ${ref.name}`, options.split, device);
      // A driver that cannot report GPU resets: launch the variant that writes a completion word per lane, and check it.
      const variant = device.needsCompletionWord ? await this.completionVariant(ref, compiled) : undefined;
      const image = variant?.image ?? compiled;
      const codeAddress = this.codeAddress(image, device, pinned);
      // Spilled values live in a per-launch scratch area: scratchBytesPerThread bytes per batch.
      if (image.scratchBytesPerThread > 0) scratch = this.whenMemoryShort(() => device.allocate(image.scratchBytesPerThread * qpus));
      // Workgroup-shared memory: sharedBytes per workgroup, workgroup g (linear, X fastest) at g times that.
      if (image.sharedBytes > 0) shared = this.whenMemoryShort(() => device.allocate(image.sharedBytes * grid[0] * grid[1] * grid[2]));
      const sharedBuf = shared;
      const shape = { grid, perGroup, ...(sharedBuf ? { sharedAddress: sharedBuf.gpuAddress } : {}) };
      if (variant) {
        done = this.whenMemoryShort(() => device.allocate(qpus * 16 * 4));
        done.bytes.fill(0);
      }
      const args: ResolvedArg[] = done ? [...resolved, { kind: 'pointer', address: done.gpuAddress }] : resolved;
      const scratchAddress = scratch?.gpuAddress;
      const words = uniformWords(image.uniforms, args, qpus, scratchAddress, 0, shape);
      const perQpu = image.uniforms.some((s) => PER_BATCH_SLOTS.has(s.kind));
      const completion = done && variant ? { buffer: done, word: variant.word } : undefined;
      const extra = [scratch, shared, done].filter((b): b is DeviceBuffer => b !== undefined);
      // VC4 kernels whose batches own more VPM store rows run fewer of them at once (compiler: DmaStore.wideRows).
      const vpmRows = vpmRowsOf(image.uniforms);
      const job = (): LaunchJob => ({
        codeAddress, qpus, uniforms: (q) => (perQpu && q > 0 ? uniformWords(image.uniforms, args, qpus, scratchAddress, q, shape) : words), barrier: image.usesBarrier, consecutive: !image.usesBarrier,
        perGroup, workgroupBarrier: image.usesWorkgroupBarrier,
        ...(vpmRows !== undefined ? { atOnce: vpmBatchesAtOnce(vpmRows) } : {}),
        ...(sharedBuf ? { cacheResident: [{ gpuAddress: sharedBuf.gpuAddress, size: sharedBuf.size }] } : {}),
        buffers: [...this.buffers.all(), ...extra],
        ...(split ? { split } : {}),
        ...(completion ? { afterDispatch: (first: number, count: number) => checkCompletion(ref.name, completion.buffer.bytes, completion.word, first, count) } : {}),
        ...runOptions(ref.name, options),
      });
      // The launcher allocates its own buffers (uniform streams, control list): those may find the memory short too.
      const result = await this.whenMemoryShortAsync(() => this.runJob(`launch ${ref.name}`, job()));
      return report(
        {
          kernel: ref.name,
          backend: this.backend,
          target: this.target,
          profile: result.profile,
          hazards: result.hazards,
          ...(result.warnings ? { warnings: result.warnings } : {}),
          ...(result.dispatches !== undefined ? { dispatches: result.dispatches } : {}),
          instructionCount: compiled.instructionCount,
        },
        qpus,
      );
    } finally {
      if (scratch) device.free(scratch);
      if (shared) device.free(shared);
      if (done) device.free(done);
      for (const r of pinned) r.pins--;
      hidden.release();
    }
  }

  /**
   * The completion-word variant of a compiled kernel (compiler/passes/completion.ts),
   * compiled from its IR — the image's own, or the kernel file's — or undefined
   * for a precompiled kernel without IR (its launches then carry the driver's warning).
   */
  private async completionVariant(ref: KernelRef, compiled: KernelImage): Promise<{ image: KernelImage; word: number } | undefined> {
    if (this.completionVariants.has(compiled)) return this.completionVariants.get(compiled);
    let ir = compiled.ir;
    if (!ir && 'file' in ref) {
      const { loadPreparedKernels } = await import('../compiler/compile.ts');
      ir = loadPreparedKernels(ref.file, undefined, undefined, this.target).kernels.get(compiled.name);
    }
    let variant: { image: KernelImage; word: number } | undefined;
    if (ir) {
      const { withCompletionWord, COMPLETION_WORD } = await import('../compiler/passes/completion.ts');
      const { compileFunction } = await import('../compiler/backend/index.ts');
      try {
        variant = { image: compileFunction(compiled.name, withCompletionWord(ir), this.target), word: COMPLETION_WORD };
      } catch {
        // The variant needs one more register and a store; if that does not compile, launch the kernel as it is (with the driver's warning).
        variant = undefined;
      }
    }
    this.completionVariants.set(compiled, variant);
    return variant;
  }

  /** Run a job through the launcher of this runtime's ISA family; launch-request problems become RuntimeErrors naming `what`. */
  private async runJob(what: string, job: LaunchJob): Promise<JobResult> {
    try {
      return await launcherFor(this.target).run(this.device as Device, job);
    } catch (e) {
      if (e instanceof LaunchError) throw new RuntimeError(`${what}: ${e.message}`);
      // Emulator and driver failures are RuntimeError subclasses already; anything else is wrapped (never a bare Error).
      throw asRuntimeError(e, what);
    }
  }

  /**
   * Run hand-written machine code (from `qpuc asm` or any assembler) on
   * `qpus` QPUs. V3D targets: one uniform stream shared by every batch, as
   * SUBMIT_CSD gives it. VC4: `uniforms(qpu)` gives each QPU its own stream,
   * as the execute_qpu control list does.
   */
  async launchRaw(
    program: { code: Uint8Array; uniforms: Uint32Array | ((qpu: number) => Uint32Array) },
    options: LaunchOptions & { qpus: number },
  ): Promise<LaunchResult> {
    this.check();
    checkTimeout(options?.timeoutMs, 'launchRaw');
    if (!this.device) throw new RuntimeError('launchRaw needs a GPU or the emulator, not the reference backend');
    const device = this.device;
    const qpus: number = options?.qpus;
    if (!Number.isInteger(qpus) || qpus < 1 || qpus > 0xffff) throw new RuntimeError(`launchRaw: options.qpus must be an integer from 1 to 65535, got ${String(qpus)}`);
    if (program.code.length === 0 || program.code.length % 8 !== 0) {
      throw new RuntimeError(`launchRaw: code must be whole 64-bit instructions, got ${program.code.length} bytes`);
    }
    const streamOf = (q: number) => (typeof program.uniforms === 'function' ? program.uniforms(q) : program.uniforms);
    const code = this.whenMemoryShort(() => device.allocate(program.code.length));
    try {
      code.bytes.set(program.code);
      const result = await this.runJob('launchRaw', {
        codeAddress: code.gpuAddress, qpus, uniforms: streamOf, barrier: false, buffers: [code, ...this.buffers.all()],
        ...runOptions('(raw program)', options),
      });
      return {
        kernel: '(raw program)', backend: this.backend, target: this.target, profile: result.profile, hazards: result.hazards,
        ...(result.warnings ? { warnings: result.warnings } : {}), instructionCount: program.code.length / 8,
      };
    } catch (e) {
      throw asRuntimeError(e, 'launchRaw');
    } finally {
      device.free(code);
    }
  }

  /**
   * Batches of `kernel` that run at once: {@link numQpus}, or fewer on vc4 for a kernel whose batches own more VPM
   * store rows than the GPU has for all its QPUs (a streaming copy or scale: docs/backend-vc4.md "Conventions",
   * stores); a launch of more batches runs them as consecutive jobs. Compiles the kernel (cached) on vc4.
   */
  async batchesAtOnce(kernel: unknown): Promise<number> {
    this.check();
    if (this.backend === 'reference' || TARGETS[this.target].family !== 'vc4') return this.numQpus;
    const rows = vpmRowsOf((await this.compile(kernel)).uniforms);
    return rows === undefined ? this.numQpus : Math.min(this.numQpus, vpmBatchesAtOnce(rows));
  }

  /** Compile (or fetch from the cache) a kernel without running it. */
  async compile(kernel: unknown): Promise<KernelImage> {
    this.check();
    return this.imageOf(this.kernelRef(kernel));
  }

  /** Release all memory and the device. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.device?.close();
  }

  private kernelRef(kernel: unknown): KernelRef {
    if (kernel instanceof LoadedKernel) {
      const origin = origins.get(kernel) as KernelOrigin;
      return origin.image ? { name: kernel.name, image: origin.image } : { name: kernel.name, file: origin.file, wanted: origin.wanted };
    }
    if (typeof kernel === 'object' && kernel !== null && 'code' in kernel && 'listing' in kernel) {
      const k = kernel as KernelImage;
      return { name: k.name, image: k };
    }
    const info = kernelInfo(kernel);
    if (!info) throw new RuntimeError('launch: the first argument must be a @kernel static method or a kernel from rt.load');
    const name = `${info.className}.${info.methodName}`;
    if (info.kind !== 'kernel') throw new RuntimeError(`launch: ${name} is a @device helper, not a @kernel`);
    const source = kernelSourceOf(info);
    if (source.error !== undefined) throw new RuntimeError(`launch: ${source.error}`);
    return { name, file: source.file, wanted: { name: info.methodName, classHint: info.className } };
  }

  /** Machine code of a kernel (compiled now, or from the caches). */
  private async imageOf(ref: KernelRef): Promise<KernelImage> {
    if ('image' in ref) return ref.image;
    return pickKernel(await this.cache.compiledFile(ref.file), ref.file, ref.wanted)[1];
  }

  /** IR of a kernel, for the reference backend. */
  private async irOf(ref: KernelRef): Promise<[string, IrFunction]> {
    if ('image' in ref) {
      if (ref.image.ir) return [ref.name, ref.image.ir];
      throw new RuntimeError(`launch ${ref.name}: the reference backend interprets a kernel's IR, which a precompiled kernel does not hold; load the kernel's .ts source`);
    }
    return pickKernel(await this.cache.irFile(ref.file), ref.file, ref.wanted);
  }

  /** The GPU address of a kernel's code, uploaded on first use; pinned (not evictable) until `release`. */
  private codeAddress(compiled: KernelImage, device: Device, pinned: Resident<unknown>[]): number {
    let r = this.codeBuffers.get(compiled);
    if (r === undefined) {
      const buf = this.whenMemoryShort(() => device.allocate(compiled.code.length));
      buf.bytes.set(compiled.code);
      r = { value: buf, pins: 0 };
      // Hazard reports name the kernel source line of the offending word.
      compiled.listing.forEach((l, k) => {
        if (l.loc) this.sourceMap.set(buf.gpuAddress + 8 * k, l.loc);
      });
      device.sourceMap = this.sourceMap;
    }
    this.codeBuffers.delete(compiled);
    this.codeBuffers.set(compiled, r);
    r.pins++;
    pinned.push(r);
    return r.value.gpuAddress;
  }

  /** Uploaded constant tables, by element type and values (one GPU array each), least recently used first. */
  private readonly tableArrays = new Map<string, Resident<GpuArray>>();

  /**
   * Free every uploaded kernel and constant table that no launch is using
   * (they are uploaded again when next launched); returns how many buffers
   * were freed. Runs when GPU memory runs out, so that a long-lived runtime
   * launching ever new kernels (a fuzzer, a REPL) does not fill the memory
   * with code it will never run again.
   */
  private evictUnused(): number {
    let freed = 0;
    for (const [image, r] of this.codeBuffers) {
      if (r.pins > 0) continue;
      this.codeBuffers.delete(image);
      for (let k = 0; k < image.listing.length; k++) this.sourceMap.delete(r.value.gpuAddress + 8 * k);
      this.device?.free(r.value);
      freed++;
    }
    for (const [key, r] of this.tableArrays) {
      if (r.pins > 0) continue;
      this.tableArrays.delete(key);
      this.free(r.value);
      freed++;
    }
    return freed;
  }

  /** Whether a failure `e` is worth one more try: GPU memory ran out, and {@link evictUnused} freed something. */
  private evictedAfter(e: unknown): boolean {
    return isOutOfMemory(e) && this.evictUnused() > 0;
  }

  /** Run `allocate`; if GPU memory is short, free unused uploads ({@link evictUnused}) and try once more. */
  private whenMemoryShort<T>(allocate: () => T): T {
    try {
      return allocate();
    } catch (e) {
      if (!this.evictedAfter(e)) throw e;
      return allocate();
    }
  }

  /** {@link whenMemoryShort} for an asynchronous `run` (a launch, whose launcher allocates as it goes). */
  private async whenMemoryShortAsync<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      if (!this.evictedAfter(e)) throw e;
      return run();
    }
  }

  /**
   * The caller's arguments followed by the kernel's hidden ones: its
   * constant tables, each uploaded once and pinned for the launch, and a
   * private buffer for this launch (`privateWords` per work item;
   * compiler/frontend/arrays.ts). `release` unpins and frees them.
   */
  private withHidden(name: string, k: { params: readonly unknown[]; tables?: readonly ConstTable[]; privateWords?: number }, qpus: number, args: unknown[]): { args: unknown[]; release: () => void } {
    const tables = k.tables ?? [];
    if (tables.length === 0 && !k.privateWords) return { args, release: () => undefined };
    const userCount = userParamCount(k);
    if (args.length !== userCount) throw new RuntimeError(`launch ${name}: expected ${userCount} arguments, got ${args.length}`);
    const pinned: Resident<GpuArray>[] = [];
    let privateArray: Uint32Array | undefined;
    const release = () => {
      for (const r of pinned) r.pins--;
      if (privateArray) this.free(privateArray);
    };
    try {
      const hidden: unknown[] = tables.map((t) => {
        const key = `${t.elem}:${t.values.join(',')}`;
        let r = this.tableArrays.get(key);
        if (!r) {
          const a = this.alloc(t.elem === 'f32' ? Float32Array : t.elem === 'i32' ? Int32Array : Uint32Array, t.values.length);
          a.set(t.values);
          r = { value: a, pins: 0 };
        }
        this.tableArrays.delete(key);
        this.tableArrays.set(key, r);
        r.pins++;
        pinned.push(r);
        return r.value;
      });
      if (k.privateWords) {
        privateArray = this.alloc(Uint32Array, k.privateWords * 16 * qpus);
        hidden.push(privateArray);
      }
      return { args: [...args, ...hidden], release };
    } catch (e) {
      release();
      throw e;
    }
  }

  private resolveArgs(name: string, params: { name: string; type: string }[], args: unknown[]): ResolvedArg[] {
    if (args.length !== params.length) {
      throw new RuntimeError(`launch ${name}: expected ${params.length} arguments (${params.map((p) => `${p.name}: ${p.type}`).join(', ')}), got ${args.length}`);
    }
    return params.map((p, k) => {
      const a = args[k];
      const what = `launch ${name}: argument ${k + 1} (${p.name}: ${p.type})`;
      if (p.type.startsWith('ptr<')) {
        if (!ArrayBuffer.isView(a)) throw new RuntimeError(`${what} must be an array from rt.alloc`);
        const address = this.buffers.gpuAddress(a);
        if (address === undefined) throw new RuntimeError(`${what} is not GPU memory: allocate it with rt.alloc`);
        const elem = p.type.slice(4, -1);
        const actual = elemTypeOf(a as GpuArray);
        if (elem !== actual) throw new RuntimeError(`${what} expects ${elem} elements, got a ${a.constructor.name}`);
        return { kind: 'pointer', address };
      }
      if (typeof a === 'boolean' && p.type === 'bool') return { kind: 'scalar', type: p.type, value: a ? 1 : 0 };
      if (typeof a !== 'number' || Number.isNaN(a) && p.type !== 'f32') throw new RuntimeError(`${what} must be a number`);
      if ((p.type === 'i32' || p.type === 'u32') && !Number.isInteger(a)) throw new RuntimeError(`${what} must be an integer, got ${a}`);
      if (p.type === 'i32' && (a < -2147483648 || a > 2147483647)) throw new RuntimeError(`${what} is out of i32 range: ${a}`);
      if (p.type === 'u32' && (a < 0 || a > 4294967295)) throw new RuntimeError(`${what} is out of u32 range: ${a}`);
      return { kind: 'scalar', type: p.type, value: a };
    });
  }
}

/**
 * After a GPU job of a completion-word launch: every lane of batches
 * `first`…`first + count − 1` must have written `word`; a batch that did not
 * never reached its end — the driver reset the GPU while it ran.
 */
function checkCompletion(kernel: string, bytes: Uint8Array, word: number, first: number, count: number): void {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset + first * 64, count * 16);
  const missing: number[] = [];
  for (let b = 0; b < count; b++) {
    for (let lane = 0; lane < 16; lane++) {
      if (words[b * 16 + lane] !== word) {
        missing.push(first + b);
        break;
      }
    }
  }
  if (missing.length === 0) return;
  const which = missing.length === 1 ? `batch ${missing[0]}` : `batches ${missing[0]}…${missing[missing.length - 1]}`;
  throw new RuntimeError(
    `${kernel}: ${missing.length} of the ${count} batches of its GPU job (${which}) never wrote their completion word, so they did not finish: ` +
      'the GPU was most likely reset by the kernel driver\'s hang check (this Linux kernel has no reset counter to say so), and the results are incomplete. ' +
      'Look for an endless loop, or launch with more QPU batches so that each one finishes sooner; dmesg shows "Resetting GPU"',
    RUNTIME_ERROR_CODES.DEVICE,
  );
}

function runOptions(kernel: string, options: LaunchOptions): { kernel: string; timeoutMs?: number } {
  if (options.timeoutMs !== undefined && !(Number.isFinite(options.timeoutMs) && options.timeoutMs > 0)) {
    throw new RuntimeError(`launch ${kernel}: options.timeoutMs must be a positive number of milliseconds, got ${String(options.timeoutMs)}`);
  }
  return options.timeoutMs !== undefined ? { kernel, timeoutMs: options.timeoutMs } : { kernel };
}

function typeName(t: unknown): string {
  return typeof t === 'object' && t !== null && 'ptr' in t ? `ptr<${String((t as { ptr: string }).ptr)}>` : String(t);
}

/** Tells `qpuc run --json` (through a global, so any copy of the runtime reaches it) about a launch. */
function report(result: LaunchResult, qpus: number): LaunchResult {
  const observer = (globalThis as Record<symbol, unknown>)[Symbol.for('qpuc.launchObserver')];
  if (typeof observer === 'function') observer({ ...result, qpus });
  return result;
}

/** A kernel that `qpuc compile` wrote: the `.json` description and the machine code it names. */
function loadImage(file: string): KernelImage {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new RuntimeError(`load: cannot read ${file}: ${(e as Error).message}`);
  }
  const codeFile = (json as { codeFile?: unknown }).codeFile;
  let code: Uint8Array | undefined;
  if (typeof codeFile === 'string') {
    const path = resolve(dirname(file), codeFile);
    try {
      code = new Uint8Array(readFileSync(path));
    } catch {
      throw new RuntimeError(`load: cannot read ${path}, the machine code ${file} names; copy it along with the .json`);
    }
  }
  try {
    return kernelImageFromJson(json, code);
  } catch (e) {
    if (e instanceof KernelImageError) throw new RuntimeError(`load: ${file}: ${e.message}`);
    throw e;
  }
}
