/**
 * WebAssembly SIMD kernels for the float ops that dominate real VC4 kernels
 * (fadd, fsub, fmul over 16 lanes), and the pool of register files they work
 * on: a QPU's register array lives in one shared WebAssembly memory so both
 * the generated JavaScript and these kernels address it. The module is
 * assembled here, byte by byte, from the WebAssembly SIMD binary encoding.
 *
 * The kernels do only the common case: finite operands. `chk` tells whether
 * any lane of the operand rows is NaN or infinite; then the caller runs its
 * JavaScript lanes instead (alu.ts, the definition). For finite operands:
 * denormal inputs read as zero of their sign, denormal results are +0
 * [VC4C-HW]; `fmul` rounds to nearest; `fadd`/`fsub` round toward zero: the
 * sum s rounded to nearest plus its TwoSum error err is the exact sum, and s
 * lies beyond it, away from zero, exactly when err ≠ 0 has the opposite sign
 * of s; then s steps one ulp toward zero (its word minus 1), as it does when s
 * overflowed to ±inf. err comes from Fast2Sum on the operands ordered by
 * magnitude, which stays exact and cannot overflow. A test checks every kernel against the lane functions.
 */
/** Bytes reserved per register file (a QPU's register array, 144 rows of 16 words, fits). */
const SLOT_BYTES = 16384;

/** The kernels: byte offsets into the shared memory, rows of 16 words. */
export interface SimdKernels {
  /** 1 when a lane of any of the four rows is NaN or infinite. */
  chk(a0: number, b0: number, a1: number, b1: number): number;
  fadd(d: number, a: number, b: number): void;
  fsub(d: number, a: number, b: number): void;
  fmul(d: number, a: number, b: number): void;
  /** The same with operand b one word `u` for every lane (a uniform). */
  faddu(d: number, a: number, u: number): void;
  fsubu(d: number, a: number, u: number): void;
  fmulu(d: number, a: number, u: number): void;
  /**
   * Checked forms, `run_<kernel>` and `run_<kernel>_<kernel>` (checkedName):
   * the finite check of every operand row, then the kernels in order; 0 when
   * they ran, 1 when a lane was special and nothing was written.
   */
  readonly [checked: `run_${string}`]: (...args: number[]) => number;
}

const PAGES = 64;

/** Unsigned LEB128. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** A SIMD instruction: the 0xfd prefix and its opcode [WebAssembly SIMD binary encoding]. */
const simd = (op: number): number[] => [0xfd, ...uleb(op)];
const OP = {
  load: 0x00, store: 0x0b, const: 0x0c, i32x4Eq: 0x37, f32x4Ne: 0x42, f32x4Ge: 0x46, and: 0x4e, andnot: 0x4f, or: 0x50,
  xor: 0x51, bitselect: 0x52, anyTrue: 0x53, i32x4Splat: 0x11, i32x4ShrS: 0xac, i32x4Add: 0xae, f32x4Add: 0xe4, f32x4Sub: 0xe5, f32x4Mul: 0xe6,
} as const;
const I32_CONST = 0x41;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const LOCAL_TEE = 0x22;
const END = 0x0b;
const V128 = 0x7b;
const I32 = 0x7f;

const get = (i: number): number[] => [LOCAL_GET, i];
const set = (i: number): number[] => [LOCAL_SET, i];
const tee = (i: number): number[] => [LOCAL_TEE, i];
/** v128.load / store of the address in local `p`, plus `off` bytes (align 2^4). */
const load = (p: number, off: number): number[] => [...get(p), ...simd(OP.load), 4, ...uleb(off)];
/** A v128 constant with the same 32-bit word in every lane. */
const splat32 = (w: number): number[] => {
  const b = [w & 255, (w >>> 8) & 255, (w >>> 16) & 255, (w >>> 24) & 255];
  return [...simd(OP.const), ...b, ...b, ...b, ...b];
};
const EXP = splat32(0x7f800000);
const ABS = splat32(0x7fffffff);
const SIGN = splat32(0x80000000);
const ZERO = splat32(0);

/** The value on the stack with denormals replaced by a zero of their sign (uses local `tmp`). */
function flush(tmp: number): number[] {
  // v & ~((v & EXP) == 0 ? ABS : 0)
  return [...tee(tmp), ...get(tmp), ...EXP, ...simd(OP.and), ...ZERO, ...simd(OP.i32x4Eq), ...ABS, ...simd(OP.and), ...simd(OP.andnot)];
}

/** `word & EXP == 0 ? 0 : word` for the word on the stack (uses local `tmp`). */
function flushResult(tmp: number): number[] {
  return [...tee(tmp), ...get(tmp), ...EXP, ...simd(OP.and), ...ZERO, ...simd(OP.i32x4Eq), ...simd(OP.andnot)];
}

/** Operand b of vector `off`: the row at param 2, or (`scalar`) the word in param 2 on every lane. */
const operandB = (scalar: boolean, off: number): number[] => (scalar ? [...get(2), ...simd(OP.i32x4Splat)] : load(2, off));

// Kernel locals: params d=0, a=1, b=2; v128 locals va=3, vb=4, s=5, hi=6, tmp=7, lo=8.
function addBody(negate: boolean, scalar: boolean): number[] {
  const code: number[] = [];
  for (let off = 0; off < 64; off += 16) {
    code.push(...get(0)); // store address, first on the stack
    code.push(...load(1, off), ...flush(7), ...set(3));
    code.push(...operandB(scalar, off), ...(negate ? [...SIGN, ...simd(OP.xor)] : []), ...flush(7), ...set(4));
    code.push(...get(3), ...get(4), ...simd(OP.f32x4Add), ...set(5)); // s
    // Fast2Sum on the operands ordered by magnitude: err = lo − (s − hi), exact and free of overflow
    // (TwoSum's s − a can overflow when both operands are near the largest single).
    code.push(...get(3), ...ABS, ...simd(OP.and), ...get(4), ...ABS, ...simd(OP.and), ...simd(OP.f32x4Ge), ...set(7)); // |a| ≥ |b|
    code.push(...get(3), ...get(4), ...get(7), ...simd(OP.bitselect), ...set(6)); // hi
    code.push(...get(4), ...get(3), ...get(7), ...simd(OP.bitselect), ...set(8)); // lo
    code.push(...get(8), ...get(5), ...get(6), ...simd(OP.f32x4Sub), ...simd(OP.f32x4Sub), ...set(7)); // err
    // m = (err ≠ 0 & (err ^ s) < 0) | (|s| == inf); word = s + m
    code.push(...get(7), ...ZERO, ...simd(OP.f32x4Ne));
    code.push(...get(7), ...get(5), ...simd(OP.xor), I32_CONST, 31, ...simd(OP.i32x4ShrS), ...simd(OP.and));
    code.push(...get(5), ...ABS, ...simd(OP.and), ...EXP, ...simd(OP.i32x4Eq), ...simd(OP.or));
    code.push(...get(5), ...simd(OP.i32x4Add), ...flushResult(7));
    code.push(...simd(OP.store), 4, ...uleb(off));
  }
  return code;
}

function mulBody(scalar: boolean): number[] {
  const code: number[] = [];
  for (let off = 0; off < 64; off += 16) {
    code.push(...get(0), ...load(1, off), ...flush(7), ...operandB(scalar, off), ...flush(7), ...simd(OP.f32x4Mul), ...flushResult(7));
    code.push(...simd(OP.store), 4, ...uleb(off));
  }
  return code;
}

function chkBody(): number[] {
  // any lane of rows p0..p3 with exponent 255; acc in local 4 (v128)
  const code: number[] = [...ZERO, ...set(4)];
  for (let p = 0; p < 4; p++) {
    for (let off = 0; off < 64; off += 16) {
      code.push(...get(4), ...load(p, off), ...EXP, ...simd(OP.and), ...EXP, ...simd(OP.i32x4Eq), ...simd(OP.or), ...set(4));
    }
  }
  code.push(...get(4), ...simd(OP.anyTrue));
  return code;
}

const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
const fn = (locals: number[][], code: number[]): number[] => {
  const body = [...vec(locals), ...code, END];
  return [...uleb(body.length), ...body];
};

/** The six kernels, in function-index order: row forms, then uniform forms. */
export const KERNELS = ['fadd', 'fsub', 'fmul', 'faddu', 'fsubu', 'fmulu'] as const;
/** A kernel's name. */
export type KernelName = (typeof KERNELS)[number];
const CHK = KERNELS.length;

/** `chk` over `rows` (param indices; a uniform form's b is no row), and return 1 when it finds a special. */
function checked(rows: number[]): number[] {
  const four = [...rows, ...rows, ...rows, ...rows].slice(0, 4);
  return [...four.flatMap((r) => get(r)), 0x10, CHK, 0x04, 0x40, I32_CONST, 1, 0x0f, END];
}

/** Body of the checked form of kernels `ks`: params d, a, b per kernel, in order; 0 when they ran, 1 (nothing written) else. */
function checkedBody(ks: number[]): number[] {
  const rows = ks.flatMap((k, i) => (k >= 3 ? [3 * i + 1] : [3 * i + 1, 3 * i + 2]));
  const calls = ks.flatMap((k, i) => [...get(3 * i), ...get(3 * i + 1), ...get(3 * i + 2), 0x10, k]);
  return [...checked(rows), ...calls, I32_CONST, 0];
}

/** Name of the checked form of kernels `ks` (one or two), as exported. */
export const checkedName = (ks: readonly KernelName[]): `run_${string}` => `run_${ks.join('_')}`;

/** The module's bytes. */
export function simdModuleBytes(): Uint8Array {
  const i32s = (n: number): number[][] => Array.from({ length: n }, () => [I32]);
  const types = vec([
    [0x60, ...vec(i32s(3)), ...vec([])], // kernel (d, a, b) → ()
    [0x60, ...vec(i32s(4)), ...vec([[I32]])], // chk (a0, b0, a1, b1) → i32
    [0x60, ...vec(i32s(3)), ...vec([[I32]])], // checked single → i32
    [0x60, ...vec(i32s(6)), ...vec([[I32]])], // checked pair → i32
  ]);
  const imports = vec([[...name('e'), ...name('m'), 0x02, 0x00, ...uleb(PAGES)]]);
  const kernelLocals = [[6, V128]];
  const bodies: { type: number; name: string; body: number[] }[] = [
    { type: 0, name: 'fadd', body: fn(kernelLocals, addBody(false, false)) },
    { type: 0, name: 'fsub', body: fn(kernelLocals, addBody(true, false)) },
    { type: 0, name: 'fmul', body: fn(kernelLocals, mulBody(false)) },
    { type: 0, name: 'faddu', body: fn(kernelLocals, addBody(false, true)) },
    { type: 0, name: 'fsubu', body: fn(kernelLocals, addBody(true, true)) },
    { type: 0, name: 'fmulu', body: fn(kernelLocals, mulBody(true)) },
    { type: 1, name: 'chk', body: fn([[1, V128]], chkBody()) },
  ];
  // Checked forms: one call per instruction does the finite check and runs one or two kernels in order.
  for (let k = 0; k < KERNELS.length; k++) bodies.push({ type: 2, name: checkedName([KERNELS[k] as KernelName]), body: fn([], checkedBody([k])) });
  for (let k0 = 0; k0 < KERNELS.length; k0++) {
    for (let k1 = 0; k1 < KERNELS.length; k1++) {
      bodies.push({ type: 3, name: checkedName([KERNELS[k0] as KernelName, KERNELS[k1] as KernelName]), body: fn([], checkedBody([k0, k1])) });
    }
  }
  const funcs = vec(bodies.map((b) => [b.type]));
  const exports = vec(bodies.map((b, k) => [...name(b.name), 0x00, ...uleb(k)]));
  const code = vec(bodies.map((b) => b.body));
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types), ...section(2, imports), ...section(3, funcs), ...section(7, exports), ...section(10, code),
  ]);
}

/** The part of the WebAssembly JavaScript API used here (TypeScript's ES library does not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (limits: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}

/** The shared memory, the kernels and the free register files; null where WebAssembly SIMD is missing. */
const state = ((): { memory: { readonly buffer: ArrayBuffer }; kernels: SimdKernels; free: number[] } | null => {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  try {
    const bytes = simdModuleBytes();
    if (!wasm || !wasm.validate(bytes)) return null;
    const memory = new wasm.Memory({ initial: PAGES, maximum: PAGES });
    const instance = new wasm.Instance(new wasm.Module(bytes), { e: { m: memory } });
    const count = (PAGES * 65536) / SLOT_BYTES;
    const free = Array.from({ length: count }, (_, k) => (count - 1 - k) * SLOT_BYTES);
    return { memory, kernels: instance.exports as unknown as SimdKernels, free };
  } catch {
    return null;
  }
})();

/** The kernels, or null when this Node has no WebAssembly SIMD (everything then runs in JavaScript). */
export const SIMD: SimdKernels | null = state?.kernels ?? null;

const registry = state ? new FinalizationRegistry<number>((base) => state.free.push(base)) : null;

/**
 * A register file in the shared memory for `owner` (returned when it is
 * collected, or by releaseRegisters), or null when the pool is used up.
 */
export function allocateRegisters(owner: object, words: number): { R: Uint32Array; base: number } | null {
  if (!state || !registry || words * 4 > SLOT_BYTES) return null;
  const base = state.free.pop();
  if (base === undefined) return null;
  const R = new Uint32Array(state.memory.buffer, base, words);
  R.fill(0);
  registry.register(owner, base, owner);
  return { R, base };
}

/** Give `owner`'s register file back now (it must not run again). */
export function releaseRegisters(owner: object, base: number): void {
  if (!state || !registry || base < 0) return;
  if (registry.unregister(owner)) state.free.push(base);
}
