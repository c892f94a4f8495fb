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
  /**
   * The module that applied the decorator, as the JavaScript engine names it
   * (a `file:` URL or a path; for compiled or bundled code, the `.js` file):
   * read from the call stack when the class is defined, so it does not depend
   * on how the host program was transpiled. Undefined when the engine gives no
   * stack positions.
   */
  readonly file: string | undefined;
  /** Line (1-based) in {@link file} of the code that applied the decorator, for source maps of bundles. */
  readonly line: number | undefined;
  /** Column (1-based) in {@link file}, with {@link line}. */
  readonly column: number | undefined;
  /**
   * Name of the class as the engine sees it once the class is defined. A
   * bundler may have renamed it (`_Scale`), so the runtime uses it only to
   * choose between same-named kernels of different classes in one file.
   */
  className: string;
  /** Name of the method (from the decorator context: never renamed). */
  readonly methodName: string;
  /** The options of `@kernel({ … })` (empty for a bare `@kernel` and for `@device`). */
  readonly options: KernelOptions;
}

/**
 * Options of `@kernel({ … })`. The compiler reads them from the source text
 * (an object literal of literal values), so they are part of the compile
 * cache key like the rest of the file.
 */
export interface KernelOptions {
  /**
   * Let `+`, `-`, `*` and int→float conversions written in the kernel (and
   * the device functions it calls) use the target's native float arithmetic
   * instead of exact IEEE round-to-nearest. On vc4 that is the hardware's
   * round-toward-zero `fadd`/`fsub`/`itof` and plain `fmul`, without the
   * fix-ups for NaN operands and signed zeros: each such op is within 1 ulp
   * of the IEEE result (docs/language.md, "fastMath"). On vc6/vc7 the
   * hardware is IEEE already and nothing changes. Default false.
   */
  readonly fastMath?: boolean;
  /**
   * Work items per workgroup: a constant multiple of 16 (one QPU batch per
   * 16), at most what the target keeps resident at once (256 on vc6/vc7, 192
   * on vc4; docs/language.md "Workgroups"). Default 16: one batch per
   * workgroup.
   */
  readonly workgroupSize?: number;
  /**
   * The kernel's pointer parameters never overlap: memory it writes through
   * one of them (or a pointer computed from it) it never reads or writes
   * through another during the launch, as C's `restrict` on every pointer
   * parameter. The compiler may then let a store's write still run while
   * later loads through other parameters go out (vc4: a store run's DMA is
   * not waited for before them). Breaking the promise gives undefined
   * results (on vc4 such a load may see the old data). Default false.
   */
  readonly noalias?: boolean;
  /**
   * vc6/vc7: before waiting for a memory lookup's data the kernel switches
   * to the other thread its QPU runs (V3D runs two batches per QPU when a
   * launch has more batches than QPUs), so that each thread's lookups are in
   * flight while the other computes: the way Mesa's shaders hide memory
   * latency. It pays off for kernels that wait on lookups, launched with at
   * least two batches per QPU; a switch costs a few instruction slots, and
   * no register value lives in an accumulator across one. vc4 and the
   * reference interpreter: no change. Default false.
   */
  readonly threadSwitch?: boolean;
}

/** The property under which decorated methods carry their {@link KernelInfo}. */
export const KERNEL_INFO: unique symbol = Symbol.for('qpuc.kernelInfo');

/** A function carrying qpuc kernel metadata. */
export type KernelFunction = ((...args: never[]) => unknown) & { [KERNEL_INFO]?: KernelInfo };

/** A V8 call site (`Error.prepareStackTrace`'s structured frames). */
interface CallSite {
  getFileName(): string | null | undefined;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
}

/** Where the code that applies a decorator is: the first stack frame outside this module and outside helper libraries. */
function decorationSite(wrappers = 0): { file: string; line: number | undefined; column: number | undefined } | undefined {
  const E = Error as unknown as { prepareStackTrace?: (e: Error, s: CallSite[]) => unknown; stackTraceLimit: number };
  const savedPrepare = E.prepareStackTrace;
  const savedLimit = E.stackTraceLimit;
  let frames: { file: string; line: number | undefined; column: number | undefined }[] = [];
  try {
    E.stackTraceLimit = 30;
    E.prepareStackTrace = (_e, sites) => sites;
    const sites = new Error().stack as unknown;
    if (Array.isArray(sites)) {
      frames = (sites as CallSite[]).flatMap((c) => {
        const file = c.getFileName();
        return file ? [{ file, line: c.getLineNumber() ?? undefined, column: c.getColumnNumber() ?? undefined }] : [];
      });
    } else if (typeof sites === 'string') {
      // Engines without structured call sites: parse "…(file:line:col)" or "…@file:line:col".
      for (const m of sites.matchAll(/(?:\(|@|at )((?:file|https?):\/\/[^\s()]+?|\/[^\s():]+?):(\d+):(\d+)\)?$/gm)) {
        frames.push({ file: m[1] as string, line: Number(m[2]), column: Number(m[3]) });
      }
    }
  } finally {
    E.prepareStackTrace = savedPrepare;
    E.stackTraceLimit = savedLimit;
  }
  // frames[0] is this function, frames[1] the decorator (after `wrappers` frames of qpuc's own that called it,
  // the bare `@kernel` entry point); then come decorator helpers (in the same
  // module as the class, or tslib's) and the module code defining the class. A bundle holds qpuc's
  // own code too, so frames are told apart by position, not by file.
  const outer = frames.slice(2 + wrappers).filter((f) => !f.file.startsWith('node:') && !/[\\/]node_modules[\\/]tslib[\\/]/.test(f.file));
  const first = outer[0];
  if (!first) return undefined;
  // The outermost consecutive frame of that file is the code defining the class (helpers sit at the top of a bundle).
  let site = first;
  for (const f of outer.slice(1)) {
    if (f.file !== first.file) break;
    site = f;
  }
  return { file: first.file, line: site.line, column: site.column };
}

const LEGACY_DECORATOR_MESSAGE =
  'is a standard (TC39) decorator, but this code was compiled with TypeScript\'s experimentalDecorators: ' +
  "remove \"experimentalDecorators\" from tsconfig.json (or set it to false) so that TypeScript and esbuild emit standard decorators";

/** The message tsc shows (as a parameter type) when `experimentalDecorators` makes it check a legacy call. */
type StandardDecoratorsOnly = 'qpuc: @kernel and @device are standard decorators: remove "experimentalDecorators" from tsconfig.json';

/**
 * A qpuc method decorator. The second signature only exists so that, under
 * `experimentalDecorators`, tsc's error names the fix instead of a mismatch.
 */
export interface QpucDecorator {
  <F extends (...args: never[]) => unknown>(fn: F, context: ClassMethodDecoratorContext): F;
  (target: object, key: string | symbol, descriptor: StandardDecoratorsOnly): never;
}

/** A decorator applying `kind` and `options`; `wrappers`: frames of qpuc's own between the engine's call and it. */
function tag(kind: KernelInfo['kind'], options: KernelOptions = {}, wrappers = 0): QpucDecorator {
  return function <F extends (...args: never[]) => unknown>(fn: F, context: ClassMethodDecoratorContext): F {
    // Legacy decorators are called (prototype or class, key, descriptor): the second argument is a string, not a context.
    if (typeof context !== 'object' || context === null || typeof (context as { kind?: unknown }).kind !== 'string') {
      throw new TypeError(`@${kind} ${LEGACY_DECORATOR_MESSAGE}${typeof context === 'string' ? ` (on ${context})` : ''}`);
    }
    if (context.kind !== 'method' || !context.static) {
      throw new TypeError(`@${kind} applies to static methods only (on ${String(context.name)})`);
    }
    const site = decorationSite(wrappers);
    const info: KernelInfo = { kind, file: site?.file, line: site?.line, column: site?.column, className: '', methodName: String(context.name), options };
    context.addInitializer(function (this: unknown) {
      info.className = (this as { name?: string }).name ?? '';
    });
    Object.defineProperty(fn, KERNEL_INFO, { value: info, enumerable: false });
    return fn;
  } as QpucDecorator;
}

/** `@kernel` used bare or with options. */
export interface KernelDecorator extends QpucDecorator {
  /** `@kernel({ fastMath: true })`: a kernel decorator with {@link KernelOptions}. */
  (options: KernelOptions): QpucDecorator;
}

/** Bare `@kernel`, called through {@link kernel} (one frame more between the engine and the decorator). */
const bareKernel = tag('kernel', {}, 1);

/**
 * Marks a static method as a GPU kernel that `Runtime.launch` can run:
 * `@kernel`, or `@kernel({ … })` with {@link KernelOptions}. Needs standard
 * decorators (not `experimentalDecorators`).
 */
export const kernel: KernelDecorator = function (this: unknown, ...args: unknown[]): unknown {
  // Two or more arguments: applied as a decorator (bare `@kernel`, or a legacy call it reports).
  if (args.length !== 1) return (bareKernel as (...a: unknown[]) => unknown).apply(this, args);
  const [first] = args;
  if (typeof first !== 'object' || first === null) {
    throw new TypeError('@kernel takes an options object, @kernel({ fastMath: true }), or nothing: @kernel');
  }
  return tag('kernel', { ...(first as KernelOptions) });
} as KernelDecorator;
/** Marks a static method as a device helper that kernels may call (it is inlined). Needs standard decorators. */
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
  /**
   * Without `dim`: qpuId() * 16 + laneId(), a unique index per work item (the
   * linear index over the whole grid). With `dim` (0, 1 or 2, a constant):
   * the work item's position along that grid dimension, groupId(0) *
   * groupSize() + localId() for 0, groupId(dim) for 1 and 2 (workgroups are
   * one-dimensional).
   */
  globalId(_dim?: 0 | 1 | 2): u32 { return gpuOnly('globalId'); },
  /** Without `dim`: numQpus() * 16, the number of work items; with `dim`: numGroups(0) * groupSize() for 0, numGroups(dim) otherwise. */
  globalCount(_dim?: 0 | 1 | 2): u32 { return gpuOnly('globalCount'); },
  /** This work item's index within its workgroup, 0..groupSize()-1. */
  localId(): u32 { return gpuOnly('localId'); },
  /** The workgroup's index along grid dimension `dim` (0, 1 or 2, a constant; default 0). */
  groupId(_dim?: 0 | 1 | 2): u32 { return gpuOnly('groupId'); },
  /** Workgroups of the launch along grid dimension `dim` (0, 1 or 2, a constant; default 0). */
  numGroups(_dim?: 0 | 1 | 2): u32 { return gpuOnly('numGroups'); },
  /** Work items per workgroup: the kernel's `workgroupSize` option (16 when not given), a constant. */
  groupSize(): u32 { return gpuOnly('groupSize'); },
  /**
   * Workgroup-shared memory: `length` elements of `T` (a constant), one array
   * per workgroup, shared by its work items and alive for the launch. Write it
   * as `const tile = qpu.shared<f32>(256)` in a kernel body; it starts with
   * unspecified contents. Accesses from different work items are ordered only
   * by {@link workgroupBarrier}.
   */
  shared<T extends number>(_length: number): Ptr<T> { return gpuOnly('shared'); },
  /**
   * Wait until every work item of this workgroup reaches this barrier; memory
   * writes before it (global and shared) are visible to the workgroup's loads
   * after it. Only in uniform control flow (QPU3014 otherwise).
   */
  workgroupBarrier(): void { gpuOnly('workgroupBarrier'); },
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
  /** Atomically `p[i] += v` (wrapping); returns the value `p[i]` held before. */
  atomicAdd<T extends i32 | u32>(_p: Ptr<T>, _i: number, _v: T): T { return gpuOnly('atomicAdd'); },
  /** Atomically `p[i] -= v` (wrapping); returns the old value. */
  atomicSub<T extends i32 | u32>(_p: Ptr<T>, _i: number, _v: T): T { return gpuOnly('atomicSub'); },
  /** Atomically `p[i] = min(p[i], v)` (signed for Ptr<i32>, unsigned for Ptr<u32>); returns the old value. */
  atomicMin<T extends i32 | u32>(_p: Ptr<T>, _i: number, _v: T): T { return gpuOnly('atomicMin'); },
  /** Atomically `p[i] = max(p[i], v)` (signed for Ptr<i32>, unsigned for Ptr<u32>); returns the old value. */
  atomicMax<T extends i32 | u32>(_p: Ptr<T>, _i: number, _v: T): T { return gpuOnly('atomicMax'); },
  /** Atomically `p[i] &= v`; returns the old value. */
  atomicAnd<T extends i32 | u32>(_p: Ptr<T>, _i: number, _v: T): T { return gpuOnly('atomicAnd'); },
  /** Atomically `p[i] |= v`; returns the old value. */
  atomicOr<T extends i32 | u32>(_p: Ptr<T>, _i: number, _v: T): T { return gpuOnly('atomicOr'); },
  /** Atomically `p[i] ^= v`; returns the old value. */
  atomicXor<T extends i32 | u32>(_p: Ptr<T>, _i: number, _v: T): T { return gpuOnly('atomicXor'); },
  /** Atomically `p[i] = v`; returns the old value. */
  atomicExchange<T extends i32 | u32>(_p: Ptr<T>, _i: number, _v: T): T { return gpuOnly('atomicExchange'); },
  /** Atomically: if `p[i] === expected` then `p[i] = desired`; returns the old value (equal to `expected` when it swapped). */
  atomicCompareExchange<T extends i32 | u32>(_p: Ptr<T>, _i: number, _expected: T, _desired: T): T { return gpuOnly('atomicCompareExchange'); },
  /**
   * Per byte of two u32 words (four u8 lanes each, byte k = bits 8k..8k+7): min(a_k + b_k, 255). One mul-ALU op on
   * VC4 (`v8adds`); about 16 word ops on V3D.
   */
  addBytesSat(_a: u32, _b: u32): u32 { return gpuOnly('addBytesSat'); },
  /** Per byte: max(a_k − b_k, 0) (see {@link qpu.addBytesSat}; VC4 `v8subs`). */
  subBytesSat(_a: u32, _b: u32): u32 { return gpuOnly('subBytesSat'); },
  /** Per byte: min(a_k, b_k), unsigned (see {@link qpu.addBytesSat}; VC4 `v8min`). */
  minBytes(_a: u32, _b: u32): u32 { return gpuOnly('minBytes'); },
  /** Per byte: max(a_k, b_k), unsigned (see {@link qpu.addBytesSat}; VC4 `v8max`). */
  maxBytes(_a: u32, _b: u32): u32 { return gpuOnly('maxBytes'); },
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
