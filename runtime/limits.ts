/**
 * Errors for a job the emulator stopped at its limit, as a user can act on
 * them: the kernel, where the QPU was (source line through the kernel's
 * source map), which QPU, and which limit struck — the launch's timeoutMs
 * (modelled GPU time: the emulator stops the job where the modelled clock
 * passes it, as the hardware's wait would) or the emulator's cycle limit.
 */
import { CycleLimitError, RuntimeError, RUNTIME_ERROR_CODES, TimeoutError } from './errors.ts';

/** What is known about the stop. */
export interface Stop {
  /** 'Class.method', or undefined for raw programs. */
  kernel?: string;
  /** The launch's timeout, when it had one, and the cycles it allowed at the modelled clock. */
  timeoutMs?: number;
  timeoutCycles?: number;
  /** The emulator's cycle limit. */
  maxCycles: number;
  clockHz: number;
  /** Where the QPU that crossed the limit was: a source position when known, else the address. */
  where: string;
  /** The address the QPU was at, when known. */
  pc?: number;
  qpu?: number;
}

/** The error for a job stopped at `s`: a TimeoutError when the launch's timeout was the limit that struck, else a CycleLimitError. */
export function stoppedError(s: Stop): RuntimeError {
  const kernel = s.kernel ?? 'the program';
  const at = `at ${s.where}${s.qpu !== undefined ? ` (QPU ${s.qpu})` : ''}`;
  if (s.timeoutCycles !== undefined && s.timeoutCycles <= s.maxCycles) {
    return new TimeoutError(`${kernel} would run longer than its timeout of ${s.timeoutMs} ms on the GPU: the emulator stopped it after ${s.timeoutCycles} cycles at ${s.clockHz / 1e6} MHz, ${at}; look for a loop that never ends there, or raise timeoutMs`);
  }
  return new CycleLimitError(`${kernel} reached the emulator's cycle limit of ${s.maxCycles} cycles ${at}: the kernel probably loops forever (raise emulator.maxCycles if it really needs longer)`, {
    ...(s.pc !== undefined ? { pc: s.pc } : {}),
    ...(s.qpu !== undefined ? { qpu: s.qpu } : {}),
    cycles: s.maxCycles,
  });
}

/** The nearest position at or before `pc` that `lineAt` knows (the QPU may have stopped on a delay-slot nop or a branch). */
export function nearestLine(pc: number, lineAt: (address: number) => string | undefined): string {
  for (let k = 0; k < 64; k++) {
    const l = lineAt(pc - 8 * k);
    if (l) return l;
  }
  return `0x${pc.toString(16)}`;
}

/** Kernel source positions by code address, as the runtime gives them to a device. */
export type SourcePositions = ReadonlyMap<number, { file: string; line: number; col: number }> | undefined;

/** `address → "file:line:col"` from a kernel's source map (a VC4 bus address also by its physical part), else `fallback`'s answer. */
export function sourceLines(map: SourcePositions, fallback?: (address: number) => string | undefined): (address: number) => string | undefined {
  return (a) => {
    const l = map?.get(a) ?? map?.get(a & 0x3fffffff);
    return l ? `${l.file}:${l.line}:${l.col}` : fallback?.(a);
  };
}

/** What a program did that the hardware would hang on (a deadlock…), as an execution error naming the kernel, the line and the QPU. */
export function programFault(kernel: string, what: string, where: string, qpu: number, cause: Error): RuntimeError {
  const err = new RuntimeError(`${kernel}: ${what} at ${where} (QPU ${qpu})`, RUNTIME_ERROR_CODES.EXECUTION);
  err.cause = cause;
  return err;
}
