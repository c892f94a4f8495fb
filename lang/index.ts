/**
 * The kernel-side API of qpuc: what kernel source files import from `qpuc`.
 *
 * Kernels are ordinary TypeScript that the qpuc compiler reads; on the host
 * these declarations exist so that editors and `tsc` understand kernel files,
 * and so that `@kernel` methods can be handed to `Runtime.launch`. Calling a
 * kernel or a `qpu.*` intrinsic directly on the CPU is an error: launch it.
 */

/** 32-bit IEEE float. Every operation rounds to single precision. */
export type f32 = number;
/** 32-bit signed integer; arithmetic wraps modulo 2^32. */
export type i32 = number;
/** 32-bit unsigned integer; arithmetic wraps modulo 2^32. */
export type u32 = number;
/** 8-bit unsigned integer (memory element type only). */
export type u8 = number;
/** 16-bit unsigned integer (memory element type only). */
export type u16 = number;
/** 8-bit signed integer (memory element type only). */
export type i8 = number;
/** 16-bit signed integer (memory element type only). */
export type i16 = number;
/** Boolean (a per-lane condition when it depends on varying values). */
export type bool = boolean;

/** A pointer to global GPU memory holding elements of type `T`; index it like an array. */
export interface Ptr<T extends number> {
  [index: number]: T;
}

/** Metadata the decorators attach to a kernel or device method. */
export interface KernelInfo {
  /** `'kernel'` for launchable entry points, `'device'` for helpers kernels call. */
  readonly kind: 'kernel' | 'device';
  /** Absolute path of the TypeScript file that declares the method (undefined if unknown). */
  readonly file: string | undefined;
  /** Name of the class that declares the method. */
  className: string;
  /** Name of the method. */
  readonly methodName: string;
}

/** The property under which decorated methods carry their {@link KernelInfo}. */
export const KERNEL_INFO: unique symbol = Symbol.for('qpuc.kernelInfo');

/** A function carrying qpuc kernel metadata. */
export type KernelFunction = ((...args: never[]) => unknown) & { [KERNEL_INFO]?: KernelInfo };

function tag(kind: KernelInfo['kind']) {
  return function <F extends (...args: never[]) => unknown>(fn: F, context: ClassMethodDecoratorContext): F {
    if (context.kind !== 'method' || !context.static) {
      throw new TypeError(`@${kind} applies to static methods only (on ${String(context.name)})`);
    }
    const g = globalThis as { __qpucKernelFile?: string };
    const info: KernelInfo = { kind, file: g.__qpucKernelFile, className: '', methodName: String(context.name) };
    context.addInitializer(function (this: unknown) {
      info.className = (this as { name?: string }).name ?? '';
    });
    Object.defineProperty(fn, KERNEL_INFO, { value: info, enumerable: false });
    return fn;
  };
}

/** Marks a static method as a GPU kernel that `Runtime.launch` can run. */
export const kernel = tag('kernel');
/** Marks a static method as a device helper that kernels may call (it is inlined). */
export const device = tag('device');

/** Reads the {@link KernelInfo} of a decorated method, or undefined. */
export function kernelInfo(fn: unknown): KernelInfo | undefined {
  return typeof fn === 'function' ? (fn as KernelFunction)[KERNEL_INFO] : undefined;
}

function gpuOnly(name: string): never {
  throw new Error(`qpu.${name}() only has meaning inside a kernel running on the GPU; launch the kernel with Runtime.launch`);
}

/** Convert to f32 (from integers: nearest float; from bool: 0 or 1). */
export function f32(x: number | boolean): f32 {
  return Math.fround(Number(x));
}
/** Convert to i32 (from f32: truncate toward zero, saturating; from u32: reinterpret). */
export function i32(x: number | boolean): i32 {
  const n = Number(x);
  if (Number.isNaN(n)) return 0;
  if (!Number.isInteger(n)) return Math.max(-2147483648, Math.min(2147483647, Math.trunc(n)));
  return n | 0;
}
/** Convert to u32 (from f32: truncate toward zero, saturating at 0; from i32: reinterpret). */
export function u32(x: number | boolean): u32 {
  const n = Number(x);
  if (Number.isNaN(n)) return 0;
  if (!Number.isInteger(n)) return Math.max(0, Math.min(4294967295, Math.trunc(n)));
  return n >>> 0;
}

/**
 * GPU intrinsics. Each lane of each QPU runs the kernel body as one work item;
 * these read where the lane is and move values between lanes.
 */
export const qpu = {
  /** This lane's index within its QPU, 0..15. */
  laneId(): u32 { return gpuOnly('laneId'); },
  /** Index of the QPU (batch) running this lane, 0..numQpus()-1. */
  qpuId(): u32 { return gpuOnly('qpuId'); },
  /** Number of QPUs the kernel was launched on. */
  numQpus(): u32 { return gpuOnly('numQpus'); },
  /** qpuId() * 16 + laneId(): a unique index per work item. */
  globalId(): u32 { return gpuOnly('globalId'); },
  /** numQpus() * 16: the number of work items. */
  globalCount(): u32 { return gpuOnly('globalCount'); },
  /** Lane l receives lane (l - n) mod 16's value of `v`. */
  rotate<T extends number>(_v: T, _n: number): T { return gpuOnly('rotate'); },
  /** Every lane receives lane `lane`'s value of `v`. */
  broadcast<T extends number>(_v: T, _lane: number): T { return gpuOnly('broadcast'); },
  /** True in every lane if `c` holds in any active lane of this QPU. */
  any(_c: boolean): boolean { return gpuOnly('any'); },
  /** True in every lane if `c` holds in all active lanes of this QPU. */
  all(_c: boolean): boolean { return gpuOnly('all'); },
  /** Sum of `v` over the lanes of this QPU, in every lane. */
  reduceAdd<T extends number>(_v: T): T { return gpuOnly('reduceAdd'); },
  /** Minimum of `v` over the lanes of this QPU, in every lane. */
  reduceMin<T extends number>(_v: T): T { return gpuOnly('reduceMin'); },
  /** Maximum of `v` over the lanes of this QPU, in every lane. */
  reduceMax<T extends number>(_v: T): T { return gpuOnly('reduceMax'); },
  /** Wait until every QPU of the launch reaches this barrier. */
  barrier(): void { gpuOnly('barrier'); },
  /** Raw special-function-unit results: fast, about 12 correct bits. */
  fast: {
    /** Approximate 1/x. */
    recip(_x: f32): f32 { return gpuOnly('fast.recip'); },
    /** Approximate 1/sqrt(x). */
    rsqrt(_x: f32): f32 { return gpuOnly('fast.rsqrt'); },
    /** Approximate 2^x. */
    exp2(_x: f32): f32 { return gpuOnly('fast.exp2'); },
    /** Approximate log2(x). */
    log2(_x: f32): f32 { return gpuOnly('fast.log2'); },
    /** Approximate sin(x) (radians). */
    sin(_x: f32): f32 { return gpuOnly('fast.sin'); },
  },
};
