/**
 * The runtime's error classes: every failure of opening a device,
 * allocating, compiling for or running a kernel (on hardware, the emulators or
 * the reference interpreter) is a {@link RuntimeError}, whose `code` is stable
 * (programs may switch on it) and whose message says what happened and what
 * to do. No imports: the emulators and drivers import this module.
 */

/** Stable codes of {@link RuntimeError}s: one row per kind of failure. */
export const RUNTIME_ERROR_CODES = {
  /** A bad argument or option (a count of 0, a non-integer, an array from elsewhere…). */
  INVALID_ARGUMENT: 'invalid-argument',
  /** The runtime (or device) was closed. */
  CLOSED: 'closed',
  /** No usable device, or the device rejected a request. */
  DEVICE: 'device',
  /** The GPU address space (or memory) is exhausted. */
  OUT_OF_MEMORY: 'out-of-memory',
  /** A kernel read or wrote outside every buffer. */
  MEMORY_FAULT: 'memory-fault',
  /** A job ran past its cycle limit (probably an endless loop). */
  CYCLE_LIMIT: 'cycle-limit',
  /** A job would run longer than the launch's timeoutMs. */
  TIMEOUT: 'timeout',
  /** A word in the program is not a valid instruction. */
  DECODE: 'decode',
  /** A program did something the hardware would hang on, or that the emulator cannot model. */
  EXECUTION: 'execution',
  /** The hazard checker found a timing hazard (emulator, 'error' mode). */
  HAZARD: 'hazard',
  /** The kernel does not compile (its diagnostics are in the message). */
  COMPILE: 'compile',
} as const;

/** One of {@link RUNTIME_ERROR_CODES}. */
export type RuntimeErrorCode = (typeof RUNTIME_ERROR_CODES)[keyof typeof RUNTIME_ERROR_CODES];

/** A problem opening a device, allocating, or launching or running a kernel. */
export class RuntimeError extends Error {
  /** Stable machine-readable kind of failure (see {@link RUNTIME_ERROR_CODES}). */
  readonly code: RuntimeErrorCode;
  constructor(message: string, code: RuntimeErrorCode = RUNTIME_ERROR_CODES.INVALID_ARGUMENT) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * `e` as a RuntimeError: itself when it is one, else wrapped (code `kind`)
 * with `what` in front, so that nothing else escapes the runtime's API.
 */
export function asRuntimeError(e: unknown, what: string, kind: RuntimeErrorCode = RUNTIME_ERROR_CODES.EXECUTION): RuntimeError {
  if (e instanceof RuntimeError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const err = new RuntimeError(`${what}: ${message}`, kind);
  if (e instanceof Error) err.cause = e;
  return err;
}

/** A program word the decoder rejects, at a GPU address. */
export class InstructionDecodeError extends RuntimeError {
  constructor(
    /** Byte address of the word. */
    readonly address: number,
    /** The 64-bit word. */
    readonly word: bigint,
    reason: string,
  ) {
    super(`invalid instruction 0x${word.toString(16).padStart(16, '0')} at 0x${(address >>> 0).toString(16).padStart(8, '0')}: ${reason}`, RUNTIME_ERROR_CODES.DECODE);
  }
}

/** A job that would run longer than the launch's `timeoutMs` (on the emulators: in modelled GPU time). */
export class TimeoutError extends RuntimeError {
  constructor(message: string) {
    super(message, RUNTIME_ERROR_CODES.TIMEOUT);
  }
}

/**
 * A job that ran past its cycle limit, probably an endless loop (code
 * 'cycle-limit'). One class wherever the limit strikes: the V3D emulator
 * throws it from `runCsd` (what `qpuc sim` and the fake kernel catch), and the
 * runtime throws it for every emulator with the kernel and its source line
 * (runtime/limits.ts), with the emulator's own stop as its `cause`.
 */
export class CycleLimitError extends RuntimeError {
  /** Byte address the QPU that crossed the limit was at, when known. */
  readonly pc: number | undefined;
  /** Which QPU crossed it, when known. */
  readonly qpu: number | undefined;
  /** The limit in cycles, when known. */
  readonly cycles: number | undefined;
  constructor(message: string, where: { pc?: number; qpu?: number; cycles?: number } = {}) {
    super(message, RUNTIME_ERROR_CODES.CYCLE_LIMIT);
    this.pc = where.pc;
    this.qpu = where.qpu;
    this.cycles = where.cycles;
  }
}
