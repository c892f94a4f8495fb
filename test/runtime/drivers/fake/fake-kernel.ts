/**
 * Test helper: builds fake-kernel.c with the C compiler into a temporary
 * directory, loads it with koffi, and points qpuc's drivers at it (through
 * runtime/drivers/system.ts) together with a fake file-system tree, so that
 * `Runtime.open({ backend: 'hardware' })` runs the real V3D DRM and VC4
 * mailbox drivers end to end. Jobs the fake kernel receives run on qpuc's
 * emulators through koffi callbacks registered here.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import koffi from 'koffi';
import { configureSystem } from '../../../../runtime/drivers/system.ts';
import { GpuMemory } from '../../../../runtime/emulator/memory.ts';
import { runCsd } from '../../../../runtime/emulator/v3d/run.ts';
import { CycleLimitError } from '../../../../runtime/errors.ts';
import { runExecuteQpu } from '../../../../runtime/emulator/vc4/execute.ts';

const SOURCE = join(dirname(fileURLToPath(import.meta.url)), 'fake-kernel.c');

type F = (...args: unknown[]) => unknown;

/** The fake kernel's controls (see fake-kernel.c). */
export interface FakeKernel {
  /** Path of the built shared library. */
  library: string;
  /** Fake file-system root (dev, sys, proc) that install() points the drivers at. */
  root: string;
  reset(): void;
  setIdent(hubIdent1: number, hubIdent3: number, coreIdent1: number): void;
  setFeatures(csd: boolean, perfmon: boolean, resetCounters: boolean): void;
  /** Make an operation fail with an errno name ('EACCES', …) or succeed again (undefined). */
  fail(op: 'open_v3d' | 'open_vcio' | 'open_mem' | 'open_vcsm' | 'create_bo' | 'wait_bo' | 'submit_csd' | 'mmap', errno?: string): void;
  setMboxKms(on: boolean): void;
  setWaitDelay(ms: number): void;
  /** Whether the VideoCore IV V3D block reads as powered (V3D_IDENT0 = 0x02443356) or runtime-suspended (0). */
  setV3dPowered(on: boolean): void;
  count(what: string): number;
  lastWaitTimeoutNs(): bigint;
  lastCfg(k: number): number;
  /** cfg[0] of the k-th SUBMIT_CSD since the last reset (workgroup count X << 16 | workgroup offset X). */
  cfg0OfSubmit(k: number): number;
  /** Cycle limit for the emulated jobs (past it the fake kernel's hang check resets the GPU). */
  maxCycles: number;
  /** The last error a job raised inside the emulator (a memory fault), if any. */
  lastJobError: Error | undefined;
  /** Point the drivers at the fake kernel and root. */
  install(): void;
  /** Point them back at the system. */
  uninstall(): void;
}

/** Compile fake-kernel.c; a missing compiler is an error that says what to install. */
export function buildFakeKernel(): string {
  const dir = mkdtempSync(join(tmpdir(), 'qpuc-fake-kernel-'));
  const out = join(dir, 'libqpuc-fake-kernel.so');
  const cc = process.env['CC'] ?? 'gcc';
  try {
    execFileSync(cc, ['-shared', '-fPIC', '-O1', '-Wall', '-Werror', '-o', out, SOURCE], { stdio: 'pipe' });
  } catch (e) {
    const err = e as { code?: string; stderr?: Buffer };
    if (err.code === 'ENOENT') {
      throw new Error(`the fake-kernel driver tests need a C compiler and '${cc}' was not found: install gcc (Debian/Raspberry Pi OS: sudo apt install gcc) or set CC`);
    }
    throw new Error(`building ${SOURCE} with ${cc} failed:\n${err.stderr?.toString() ?? String(e)}`);
  }
  return out;
}

/** A fake tree: a Pi 4 (or Pi 5) V3D render node with its sysfs links, and the device-tree model. */
export function fakeRoot(board: 'pi4' | 'pi5' | 'pi3' | 'pi3-kms' = 'pi4'): string {
  const root = mkdtempSync(join(tmpdir(), 'qpuc-fake-root-'));
  const model = board === 'pi4' ? 'Raspberry Pi 4 Model B Rev 1.4' : board === 'pi5' ? 'Raspberry Pi 5 Model B Rev 1.0' : 'Raspberry Pi 3 Model B Plus Rev 1.3';
  mkdirSync(join(root, 'proc/device-tree/soc'), { recursive: true });
  writeFileSync(join(root, 'proc/device-tree/model'), `${model}\0`);
  mkdirSync(join(root, 'proc/sys/kernel'), { recursive: true });
  writeFileSync(join(root, 'proc/sys/kernel/osrelease'), '6.12.25+rpt-rpi-v8\n');
  mkdirSync(join(root, 'dev'), { recursive: true });
  if (board === 'pi3' || board === 'pi3-kms') {
    // Peripheral base 0x3F000000 (soc/ranges: child 0x7E000000, parent 0x3F000000, size, big-endian).
    writeFileSync(join(root, 'proc/device-tree/soc/ranges'), Buffer.from([0x7e, 0, 0, 0, 0x3f, 0, 0, 0, 0x01, 0, 0, 0]));
    writeFileSync(join(root, 'dev/vcio'), '');
    writeFileSync(join(root, 'dev/mem'), '');
    writeFileSync(join(root, 'dev/vcsm-cma'), '');
    if (board === 'pi3-kms') {
      // vc4-kms-v3d: card0 is bound to the vc4-drm driver.
      const dev = join(root, 'sys/devices/platform/gpu');
      mkdirSync(dev, { recursive: true });
      mkdirSync(join(root, 'sys/bus/platform/drivers/vc4-drm'), { recursive: true });
      symlinkSync(join(root, 'sys/bus/platform/drivers/vc4-drm'), join(dev, 'driver'));
      mkdirSync(join(root, 'dev/dri'), { recursive: true });
      writeFileSync(join(root, 'dev/dri/card0'), '');
      mkdirSync(join(root, 'sys/class/drm/card0'), { recursive: true });
      symlinkSync(dev, join(root, 'sys/class/drm/card0/device'));
    }
    return root;
  }
  const dev = join(root, 'sys/devices/platform', board === 'pi4' ? 'fec00000.v3d' : '1002000000.v3d');
  mkdirSync(join(dev, 'of_node'), { recursive: true });
  mkdirSync(join(root, 'sys/bus/platform/drivers/v3d'), { recursive: true });
  symlinkSync(join(root, 'sys/bus/platform/drivers/v3d'), join(dev, 'driver'));
  writeFileSync(join(dev, 'of_node/compatible'), board === 'pi4' ? 'brcm,2711-v3d\0' : 'brcm,2712-v3d\0');
  mkdirSync(join(root, 'dev/dri'), { recursive: true });
  writeFileSync(join(root, 'dev/dri/renderD128'), '');
  mkdirSync(join(root, 'sys/class/drm/renderD128'), { recursive: true });
  symlinkSync(dev, join(root, 'sys/class/drm/renderD128/device'));
  return root;
}

/** Build, load and wire up the fake kernel. */
export function loadFakeKernel(root: string = fakeRoot()): FakeKernel {
  const library = buildFakeKernel();
  const lib = koffi.load(library);
  const fn = (proto: string) => lib.func(proto) as F;
  const qfk = {
    reset: fn('void qfk_reset()'),
    setIdent: fn('void qfk_set_ident(uint32_t, uint32_t, uint32_t)'),
    setFeatures: fn('void qfk_set_features(int, int, int)'),
    fail: fn('int qfk_fail(const char *, int)'),
    setMboxKms: fn('void qfk_set_mbox_kms(int)'),
    setWaitDelay: fn('void qfk_set_wait_delay(uint32_t)'),
    setV3dPowered: fn('void qfk_set_v3d_powered(int)'),
    count: fn('uint32_t qfk_count(const char *)'),
    lastWait: fn('uint64_t qfk_last_wait_timeout()'),
    lastCfg: fn('uint32_t qfk_last_cfg(int)'),
    cfg0OfSubmit: fn('uint32_t qfk_cfg0_of_submit(int)'),
    boNext: fn('uint32_t qfk_bo_next(uint32_t)'),
    boGpu: fn('uint32_t qfk_bo_gpu(uint32_t)'),
    boSize: fn('uint32_t qfk_bo_size(uint32_t)'),
    boHost: fn('void *qfk_bo_host(uint32_t)'),
    arenaHost: fn('void *qfk_arena_host()'),
    arenaPhys: fn('uint32_t qfk_arena_phys()'),
    arenaSize: fn('uint32_t qfk_arena_size()'),
    setRunner: fn('void qfk_set_runner(void *)'),
    setQpuRunner: fn('void qfk_set_qpu_runner(void *)'),
  };
  let ident = { ident1: 0x24, ident3: 0 };
  const fake: FakeKernel = {
    library,
    root,
    maxCycles: 2_000_000,
    lastJobError: undefined,
    reset() {
      qfk.reset();
      ident = { ident1: 0x24, ident3: 0 };
      fake.lastJobError = undefined;
    },
    setIdent(ident1, ident3, core1) {
      ident = { ident1, ident3 };
      qfk.setIdent(ident1, ident3, core1);
    },
    setFeatures: (csd, perfmon, resets) => void qfk.setFeatures(csd ? 1 : 0, perfmon ? 1 : 0, resets ? 1 : 0),
    fail(op, errno) {
      const code = errno === undefined ? 0 : koffi.os.errno[errno];
      if (code === undefined) throw new Error(`unknown errno ${errno}`);
      if (qfk.fail(op, code) !== 0) throw new Error(`the fake kernel has no failure switch '${op}'`);
    },
    setMboxKms: (on) => void qfk.setMboxKms(on ? 1 : 0),
    setWaitDelay: (ms) => void qfk.setWaitDelay(ms),
    setV3dPowered: (on) => void qfk.setV3dPowered(on ? 1 : 0),
    count: (what) => qfk.count(what) as number,
    lastWaitTimeoutNs: () => BigInt(qfk.lastWait() as number | bigint),
    lastCfg: (k) => qfk.lastCfg(k) as number,
    cfg0OfSubmit: (k) => qfk.cfg0OfSubmit(k) as number,
    install: () => void configureSystem({ libc: library, root: fake.root }),
    uninstall: () => void configureSystem({}),
  };

  // SUBMIT_CSD → the V3D emulator, over every live BO mapped at its GPU address.
  const csdProto = koffi.proto('int64_t QfkRunCsd(uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t)');
  const runner = koffi.register((...cfgArgs: number[]) => {
    const memory = new GpuMemory();
    for (let h = qfk.boNext(0) as number; h !== 0; h = qfk.boNext(h) as number) {
      const size = qfk.boSize(h) as number;
      memory.map(qfk.boGpu(h) as number, new Uint8Array(koffi.view(qfk.boHost(h), size)));
    }
    const version = (ident.ident1 & 0xf) * 10 + ((ident.ident1 >> 4) & 0xf);
    const revision = (ident.ident3 >> 8) & 0xff;
    const cfg = cfgArgs.map((w) => w >>> 0) as [number, number, number, number, number, number, number];
    // The emulator reads cfg4 as 4.2 does (minus one) or as 7.1.6+ does (not): translate a 7.1 before revision 6.
    if (version === 71 && revision < 6) cfg[4] = (cfg[4] + 1) >>> 0;
    try {
      const r = runCsd(memory, cfg, { version: version >= 71 ? 71 : 42, hazards: 'error', maxCycles: fake.maxCycles });
      fake.lastJobError = undefined;
      return BigInt(Math.round(r.profile.cycles)); // the timing model's clock is fractional
    } catch (e) {
      fake.lastJobError = e as Error;
      // A job stuck past the cycle limit is what the kernel's hang check resets; anything else the GPU survives.
      return e instanceof CycleLimitError ? -1n : -2n;
    }
  }, koffi.pointer(csdProto));
  qfk.setRunner(runner);

  // execute_qpu → the VC4 emulator over the mailbox arena.
  const qpuProto = koffi.proto('int32_t QfkRunQpu(uint32_t, uint32_t, uint32_t, uint32_t)');
  const qpuRunner = koffi.register((numQpus: number, control: number, _noflush: number, timeoutMs: number) => {
    const size = qfk.arenaSize() as number;
    const bytes = new Uint8Array(koffi.view(qfk.arenaHost(), size));
    // The control list's bus address tells which alias the driver allocated in; the arena answers in that alias.
    const base = ((control & 0xc0000000) | (qfk.arenaPhys() as number)) >>> 0;
    try {
      runExecuteQpu({ bytes, base }, { numQpus, controlAddress: control, clockHz: 250e6, maxCycles: Math.min(fake.maxCycles, timeoutMs * 250e3) });
      fake.lastJobError = undefined;
      return 0;
    } catch (e) {
      fake.lastJobError = e as Error;
      return 1; // the firmware reports a timeout as a non-zero value
    }
  }, koffi.pointer(qpuProto));
  qfk.setQpuRunner(qpuRunner);
  return fake;
}
