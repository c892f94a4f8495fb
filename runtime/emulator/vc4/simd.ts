/**
 * WebAssembly SIMD kernels for the float ops that dominate real VC4 kernels
 * (fadd, fsub, fmul over 16 lanes), and the pool of register files they work
 * on: a QPU's register array lives in one shared WebAssembly memory so both
 * the generated JavaScript and these kernels address it. The module is
 * assembled here, byte by byte, from the WebAssembly SIMD binary encoding.
 *
 * The kernels do only the common case, finite operands. Each exported form
 * runs one or two kernels: it reads every operand and computes every result,
 * noting NaN and infinite operand lanes, then stores all results or, when it
 * saw one, nothing (the caller then runs its JavaScript lanes, alu.ts being
 * the definition). For finite operands: denormal inputs read as a zero of
 * their sign, denormal results are +0 [VC4C-HW]; `fmul` rounds to nearest;
 * `fadd`/`fsub` round toward zero: the sum s rounded to nearest plus its
 * error err is the exact sum, and s lies beyond it, away from zero, exactly
 * when err ≠ 0 has the opposite sign of s; then s steps one ulp toward zero
 * (its word minus 1), as it does when s overflowed to ±inf. err comes from
 * Fast2Sum on the operands ordered by magnitude, which stays exact and cannot
 * overflow. A test checks every kernel against the lane functions.
 */
/** Bytes reserved per register file (a QPU's register array, 144 rows of 16 words, fits). */
const SLOT_BYTES = 16384;

/**
 * The kernels' checked forms, `run_<kernel>` (d, a, b) and
 * `run_<kernel>_<kernel>` (d0, a0, b0, d1, a1, b1), byte offsets into the
 * shared memory of rows of 16 words (b the word itself for the uniform
 * forms): 0 when every operand lane was finite and the results are stored, 1
 * when one was not and nothing was written.
 */
export type SimdKernels = Readonly<Record<`run_${string}`, (...args: number[]) => number>>;

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

/** v128 locals of a kernel function after its i32 params: scratch, the special-lane mask, then the results. */
interface Locals { va: number; vb: number; s: number; hi: number; tmp: number; lo: number; special: number; result: (i: number) => number }

function locals(params: number): Locals {
  const p = params;
  return { va: p, vb: p + 1, s: p + 2, hi: p + 3, tmp: p + 4, lo: p + 5, special: p + 6, result: (i) => p + 7 + i };
}

/** The operand vector on the stack, its NaN/infinite lanes ORed into `special`, denormals flushed; leaves it in `to`. */
function operand(L: Locals, to: number): number[] {
  return [...set(L.tmp), ...get(L.tmp), ...EXP, ...simd(OP.and), ...EXP, ...simd(OP.i32x4Eq), ...get(L.special), ...simd(OP.or), ...set(L.special),
    ...get(L.tmp), ...flush(L.tmp), ...set(to)];
}

/**
 * Code of vector `off` (byte offset 0–48) of kernel `k` (index into KERNELS) whose params start at `p0`
 * (d, a, b): operands checked and flushed, the result left in local `out`, nothing stored.
 */
function kernelVector(k: number, p0: number, off: number, L: Locals, out: number): number[] {
  const scalar = k >= 3;
  const op = KERNELS[k % 3] as 'fadd' | 'fsub' | 'fmul';
  const code: number[] = [...load(p0 + 1, off), ...operand(L, L.va)];
  code.push(...(scalar ? [...get(p0 + 2), ...simd(OP.i32x4Splat)] : load(p0 + 2, off)), ...operand(L, L.vb));
  if (op === 'fmul') {
    code.push(...get(L.va), ...get(L.vb), ...simd(OP.f32x4Mul), ...flushResult(L.tmp), ...set(out));
    return code;
  }
  if (op === 'fsub') code.push(...get(L.vb), ...SIGN, ...simd(OP.xor), ...set(L.vb));
  code.push(...get(L.va), ...get(L.vb), ...simd(OP.f32x4Add), ...set(L.s));
  // Fast2Sum on the operands ordered by magnitude: err = lo − (s − hi), exact and free of overflow
  // (TwoSum's s − a can overflow when both operands are near the largest single).
  code.push(...get(L.va), ...ABS, ...simd(OP.and), ...get(L.vb), ...ABS, ...simd(OP.and), ...simd(OP.f32x4Ge), ...set(L.tmp)); // |a| ≥ |b|
  code.push(...get(L.va), ...get(L.vb), ...get(L.tmp), ...simd(OP.bitselect), ...set(L.hi));
  code.push(...get(L.vb), ...get(L.va), ...get(L.tmp), ...simd(OP.bitselect), ...set(L.lo));
  code.push(...get(L.lo), ...get(L.s), ...get(L.hi), ...simd(OP.f32x4Sub), ...simd(OP.f32x4Sub), ...set(L.tmp)); // err
  // m = (err ≠ 0 & (err ^ s) < 0) | (|s| == inf); word = s + m
  code.push(...get(L.tmp), ...ZERO, ...simd(OP.f32x4Ne));
  code.push(...get(L.tmp), ...get(L.s), ...simd(OP.xor), I32_CONST, 31, ...simd(OP.i32x4ShrS), ...simd(OP.and));
  code.push(...get(L.s), ...ABS, ...simd(OP.and), ...EXP, ...simd(OP.i32x4Eq), ...simd(OP.or));
  code.push(...get(L.s), ...simd(OP.i32x4Add), ...flushResult(L.tmp), ...set(out));
  return code;
}

/**
 * Body of the checked form of kernels `ks` (params d, a, b per kernel): every result is computed into locals
 * while the operands' special lanes are gathered; 1 and nothing stored when there is one, else all stored, 0.
 * Stores come last, so the second kernel reads what the first read: callers order a pair so that the second
 * never reads the first's destination.
 */
function checkedBody(ks: number[]): number[] {
  const L = locals(3 * ks.length);
  const code: number[] = [...ZERO, ...set(L.special)];
  ks.forEach((k, i) => {
    for (let v = 0; v < 4; v++) code.push(...kernelVector(k, 3 * i, 16 * v, L, L.result(4 * i + v)));
  });
  code.push(...get(L.special), ...simd(OP.anyTrue), 0x04, 0x40, I32_CONST, 1, 0x0f, END);
  ks.forEach((_, i) => {
    for (let v = 0; v < 4; v++) code.push(...get(3 * i), ...get(L.result(4 * i + v)), ...simd(OP.store), 4, ...uleb(16 * v));
  });
  code.push(I32_CONST, 0);
  return code;
}

const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
const fn = (locals: number[][], code: number[]): number[] => {
  const body = [...vec(locals), ...code, END];
  return [...uleb(body.length), ...body];
};

/** The six kernels: row forms, then uniform forms (operand b one word for all lanes). */
export const KERNELS = ['fadd', 'fsub', 'fmul', 'faddu', 'fsubu', 'fmulu'] as const;
/** A kernel's name. */
export type KernelName = (typeof KERNELS)[number];

/** Name of the checked form of kernels `ks` (one or two), as exported. */
export const checkedName = (ks: readonly KernelName[]): `run_${string}` => `run_${ks.join('_')}`;

/** The module's bytes: the checked form of every kernel and of every ordered pair of kernels. */
export function simdModuleBytes(): Uint8Array {
  const i32s = (n: number): number[][] => Array.from({ length: n }, () => [I32]);
  const types = vec([
    [0x60, ...vec(i32s(3)), ...vec([[I32]])], // one kernel (d, a, b) → i32
    [0x60, ...vec(i32s(6)), ...vec([[I32]])], // two kernels → i32
  ]);
  const imports = vec([[...name('e'), ...name('m'), 0x02, 0x00, ...uleb(PAGES)]]);
  const bodies: { type: number; name: string; body: number[] }[] = [];
  const add = (ks: number[]): void => {
    bodies.push({ type: ks.length - 1, name: checkedName(ks.map((k) => KERNELS[k] as KernelName)), body: fn([[7 + 4 * ks.length, V128]], checkedBody(ks)) });
  };
  for (let k = 0; k < KERNELS.length; k++) add([k]);
  for (let k0 = 0; k0 < KERNELS.length; k0++) for (let k1 = 0; k1 < KERNELS.length; k1++) add([k0, k1]);
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
