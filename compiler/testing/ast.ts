/**
 * The small AST of generated differential-test kernels. It is printed as
 * TypeScript source for the compiler, and evaluated directly by
 * compiler/testing/evaluate.ts: the two never share code with the compiler.
 */

/** Scalar types of generated code. */
export type GenType = 'i32' | 'u32' | 'f32' | 'bool';

/** A generated expression. */
export type GenExpr =
  | { k: 'lit'; t: GenType; value: number }
  | { k: 'var'; t: GenType; name: string }
  | { k: 'bin'; t: GenType; op: string; a: GenExpr; b: GenExpr }
  | { k: 'un'; t: GenType; op: '-' | '~' | '!'; a: GenExpr }
  | { k: 'cvt'; t: GenType; a: GenExpr }
  | { k: 'load'; t: GenType; array: 'a' | 'b' | 'f'; index: GenExpr }
  | { k: 'sel'; t: GenType; c: GenExpr; a: GenExpr; b: GenExpr }
  | { k: 'math'; t: GenType; fn: string; args: GenExpr[] }
  | { k: 'id'; t: 'u32'; which: 'laneId' | 'globalId' | 'qpuId' }
  | { k: 'call'; t: GenType; helper: string; args: GenExpr[] }
  /** Version 2: `array[counter + offset]` inside a grid-stride loop (in bounds: the loop's bound leaves room). */
  | { k: 'elem'; t: GenType; array: 'a' | 'b' | 'f' | 'w'; counter: string; offset: number }
  /** Version 3: `pa[index]`, the kernel's private i32 array of PRIVATE_LEN (an index past it reads 0). */
  | { k: 'pelem'; t: 'i32'; index: GenExpr }
  /** Version 4: `qpu.<fn>(a, b)`, a per-byte op on the four u8 lanes of two u32 words. */
  | { k: 'bytes'; t: 'u32'; fn: BytesFn; a: GenExpr; b: GenExpr };

/** Version 4: the per-byte intrinsics (docs/language.md). */
export type BytesFn = 'addBytesSat' | 'subBytesSat' | 'minBytes' | 'maxBytes';

/** A generated statement. */
export type GenStmt =
  | { k: 'assign'; name: string; value: GenExpr }
  | { k: 'store'; array: 'out' | 'outf'; slot: number; value: GenExpr }
  | { k: 'if'; c: GenExpr; then: GenStmt[]; else: GenStmt[] }
  | { k: 'for'; counter: string; bound: GenExpr; body: GenStmt[] }
  | { k: 'do'; counter: string; bound: number; c: GenExpr; body: GenStmt[] }
  | { k: 'switch'; on: GenExpr; cases: { value: number; body: GenStmt[]; brk: boolean }[]; dflt: GenStmt[] }
  | { k: 'break' }
  | { k: 'continue' }
  | { k: 'return'; value?: GenExpr }
  /** Version 2: `for (let counter = globalId(); counter < n; counter += globalCount()) body` (a loop with a remainder). */
  | { k: 'stride'; counter: string; n: number; body: GenStmt[] }
  /** Version 2: `w[counter] = value` (each lane writes only its own grid-stride elements). */
  | { k: 'wstore'; counter: string; value: GenExpr }
  /** Version 3: `pa[index] = value` (an index past the array changes nothing). */
  | { k: 'pstore'; index: GenExpr; value: GenExpr }
  /**
   * Version 3: `[assign =] qpu.atomicOp(out, g * OUT_SLOTS + slot, value [, desired])` on the lane's own output
   * slot (op: add sub min max and or xor xchg cas; for cas `value` is the expected value).
   */
  | { k: 'atomic'; op: string; slot: number; value: GenExpr; desired?: GenExpr; assign?: string }
  /**
   * Version 5: a software-pipelined loop: `let counter: u32 = 0; let limit: u32 = bound;`, each of `loads` (`let
   * name: t = first`), then in form 'for' `for (; counter · n + n <= limit; counter++) { body; name = next; … }`
   * (the shape compiler/backend/v3d/carry.ts carries loads across: a header computing its test, as in
   * kernels/histogram.ts), in form 'while' `while (limit > 0) { body; limit--; counter++; name = next; … }` (whose
   * test the IR passes thread into a guarded, bottom-tested loop); then `after`, which reads the values past the
   * loop. The next iteration's values load at the end of the body; the body is assignments only.
   */
  | { k: 'pipe'; form: 'for' | 'while'; counter: string; limit: string; bound: GenExpr; loads: PipeLoad[]; body: GenStmt[]; after: GenStmt[] };

/** Version 5: one value of a software-pipelined loop, loaded before it (`first`) and at the end of each iteration (`next`). */
export interface PipeLoad {
  name: string;
  t: 'i32' | 'u32' | 'f32';
  first: Extract<GenExpr, { k: 'load' }>;
  next: Extract<GenExpr, { k: 'load' }>;
}

/** A `@device` helper: parameters copied into locals, a body that may return early, and a final return. */
export interface GenHelper {
  name: string;
  params: { name: string; t: GenType }[];
  ret: GenType;
  /** Locals initialised from the parameters (parameters themselves are immutable). */
  locals: { name: string; t: GenType; param: string }[];
  body: GenStmt[];
  result: GenExpr;
}

/** The generator's versions (compiler/testing/generate.ts GenOptions): each maps a seed to its own kernel. */
export const GEN_VERSIONS = [1, 2, 3, 4, 5] as const;
/** A generator version. */
export type GenVersion = (typeof GEN_VERSIONS)[number];

/** A generated kernel: typed local variables (initialised from the inputs) and a body. */
export interface GenKernel {
  /**
   * Generator version (1 when absent): version 2 kernels take a sixth array `w` and use the version 2 constructs;
   * version 3 ones use atomics and a private array; version 4 ones the per-byte intrinsics; version 5 ones
   * software-pipelined loops.
   */
  version?: Exclude<GenVersion, 1>;
  helpers: GenHelper[];
  vars: { name: string; t: GenType; init: GenExpr }[];
  body: GenStmt[];
}

/** Output slots per lane: `out[g * OUT_SLOTS + j]` and `outf[g * OUT_SLOTS + j]`. */
export const OUT_SLOTS = 4;
/** Length of each input array a (i32), b (u32), f (f32); loads index them with `& (INPUT_LEN - 1)`. */
export const INPUT_LEN = 64;
/** Version 3: length of the private array `pa` (initialised to 0, 1, 2, …). */
export const PRIVATE_LEN = 4;
/** Version 2: length of a, b, f and w (grid-stride loops index them without a mask, up to STREAM_LEN - 4). */
export const STREAM_LEN = 512;
