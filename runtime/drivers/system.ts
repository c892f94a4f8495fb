/**
 * The one seam between qpuc's drivers and the operating system: the C
 * functions they call (open, close, ioctl, mmap64, munmap, getpagesize,
 * memset, usleep) and
 * the file-system root they look for device nodes under.
 *
 * By default the functions come from the system C library and the root is
 * `/`. Tests point both elsewhere — at a small shared library that plays the
 * kernel (test/runtime/drivers/fake/) and at a directory tree with fake
 * `/dev`, `/sys` and `/proc` entries — so that the real drivers run
 * unchanged, through koffi, against a kernel that is not there.
 */
import koffi from 'koffi';

/** A C function declared through koffi, with its asynchronous form (runs on a worker thread). */
export type CFunction = ((...args: unknown[]) => unknown) & { async: (...args: unknown[]) => void };

/** The C library functions the drivers use. */
export interface Libc {
  /** `int open(const char *path, int flags)`. */
  open: CFunction;
  /** `int close(int fd)`. */
  close: CFunction;
  /**
   * `int ioctl(int fd, unsigned long request, void *arg)`, declared with a
   * fixed third parameter rather than `...`: koffi cannot call variadic
   * functions asynchronously (koffi doc/load.md), and on the Linux ABIs of
   * armhf, arm64 and x86-64 a pointer passed as a fixed argument travels
   * exactly as a variadic one does.
   */
  ioctl: CFunction;
  /** `void *mmap64(void *addr, size_t len, int prot, int flags, int fd, int64_t offset)` (64-bit offsets even on 32-bit userland). */
  mmap64: CFunction;
  /** `int munmap(void *addr, size_t len)`. */
  munmap: CFunction;
  /** `int getpagesize(void)` (16 KiB on Pi 5 kernels). */
  getpagesize: CFunction;
  /**
   * `void *memset(void *s, int c, size_t n)`: with n = 0 it returns its
   * argument, which is how the drivers learn the address of JavaScript-owned
   * memory (koffi passes typed arrays by pointer, without a copy).
   */
  memset: CFunction;
  /**
   * `int usleep(unsigned int usec)`: the pause between two reads of a
   * polled device register (VC4 register launches; called with `.async`, so
   * the event loop keeps running).
   */
  usleep: CFunction;
}

/** Where the drivers find the operating system. */
export interface SystemConfig {
  /** Shared library providing the {@link Libc} functions (default: the system C library, `libc.so.6`). */
  libc: string;
  /** File-system root under which `/dev`, `/sys` and `/proc` are looked up (default `/`). */
  root: string;
}

const DEFAULT: SystemConfig = { libc: 'libc.so.6', root: '/' };
let config: SystemConfig = { ...DEFAULT };
let loaded: { path: string; libc: Libc } | undefined;

/**
 * Point the drivers at another C library and/or file-system root (tests and
 * diagnostics); `configureSystem({})` restores the defaults. Returns the
 * previous configuration.
 */
export function configureSystem(next: Partial<SystemConfig>): SystemConfig {
  const prev = config;
  config = { ...DEFAULT, ...next };
  return prev;
}

/** The current configuration. */
export function systemConfig(): SystemConfig {
  return config;
}

/** A path under the configured root: `systemPath('dev/vcio')`. */
export function systemPath(relative: string): string {
  const root = config.root.endsWith('/') ? config.root : `${config.root}/`;
  return root + relative.replace(/^\/+/, '');
}

/** The C functions, loaded (once per library) from the configured library. */
export function libc(): Libc {
  if (loaded && loaded.path === config.libc) return loaded.libc;
  const lib = koffi.load(config.libc);
  const f = (proto: string) => lib.func(proto) as CFunction;
  const fns: Libc = {
    open: f('int open(const char *path, int flags)'),
    close: f('int close(int fd)'),
    ioctl: f('int ioctl(int fd, unsigned long request, void *arg)'),
    mmap64: f('void *mmap64(void *addr, size_t len, int prot, int flags, int fd, int64_t off)'),
    munmap: f('int munmap(void *addr, size_t len)'),
    getpagesize: f('int getpagesize()'),
    memset: f('void *memset(void *s, int c, size_t n)'),
    usleep: f('int usleep(unsigned int usec)'),
  };
  loaded = { path: config.libc, libc: fns };
  return fns;
}

/** The symbolic name of the calling thread's last errno (e.g. 'EACCES'). */
export function errnoName(code = koffi.errno()): string {
  const name = Object.entries(koffi.os.errno).find(([, v]) => v === code)?.[0];
  return name ?? `errno ${code}`;
}

/** True when `ptr` (a koffi pointer) is MAP_FAILED, (void *) -1. */
export function isMapFailed(ptr: unknown): boolean {
  if (ptr === null) return true;
  const a = koffi.address(ptr);
  return a === 0xffffffffffffffffn || a === 0xffffffffn;
}

/** Lives with the emulators' code (no koffi there); re-exported for the drivers. */
export { detachView } from '../detach-view.ts';
