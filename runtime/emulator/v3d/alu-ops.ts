/**
 * Semantics of every V3D ALU op the emulator runs, keyed by Mesa op name (the
 * names `compiler/isa/v3d/instr.ts` carries). Each entry is data plus one
 * 16-lane kernel with its own loop, so V8 keeps every loop monomorphic.
 * Behaviour: shared/docs/v3d-semantics-notes.md 3-4 and 2.8; choices the notes
 * leave open are marked CHOICE.
 */
import { type AluScratch, type OpContext, LANES } from './lanes.ts';
import { f16ToF32, f32ToF16, FLUSH_DENORMALS, roundHalfEven, sfuTruncate, SFU_FUNCTIONS, toInt32Saturating, toUint32Saturating } from './numerics.ts';

/** Side effect an op has beyond its result, handled by the instruction executor. */
export type OpEffect = 'none' | 'barrier' | 'tmuwt' | 'vpmwt';

/** How the flag predicates Z/N/C of a result are formed. */
export type FlagKind = 'int' | 'float' | 'fcmp' | 'vfcmp';

/** Typed view a lane value is read or written through (same 32 bits: unsigned, signed, f32). */
export type LaneView = 'u' | 'i' | 'f';

/**
 * A lane-local op as JavaScript source, the one definition both executors use:
 * `exec` is built from it once, and the instruction code generator
 * (codegen.ts) splices it into each instruction's fused 16-lane loop.
 * `body` assigns `r` from operands `a`, `b` (read through views `a`/`b`), may
 * use the lane index `i`, the thread context `c` ({@link OpContext}), the
 * helpers `H` ({@link LANE_HELPERS}) and `M` (smallest normal f32 or 0).
 */
export interface LaneSpec {
  readonly a: LaneView;
  readonly b: LaneView;
  readonly out: LaneView;
  readonly body: string;
  /** Expression for flag C from `a`, `b` (absent: C is 0). */
  readonly carry?: string;
}

/** One ALU op. */
export interface AluOpDef {
  readonly name: string;
  /** Number of register operands read (0, 1 or 2). */
  readonly srcs: 0 | 1 | 2;
  /** Operands are f32: f32 unpack applies and denormals flush. */
  readonly floatIn: boolean;
  /** Result is f32: denormals flush and f16 output pack applies. */
  readonly floatOut: boolean;
  readonly flags: FlagKind;
  /** SFU class (result latency, hazards 9/11/12): the op-form SFU ops and the 7.1 lane-exchange ops. */
  readonly sfu: boolean;
  /** Float operations per lane, for the profile. */
  readonly flops: number;
  readonly effect: OpEffect;
  /**
   * The op's interpreted kernel flushes denormal inputs and results itself
   * inside its lane loop (the hot float ops, to save two passes); the
   * interpreter then skips its passes. Generated code always flushes inline.
   */
  readonly selfFlushing: boolean;
  /** Lane-local semantics as source (absent for ops that mix lanes, e.g. fdx or rot). */
  readonly lane?: LaneSpec;
  /** Compute `s.d` from `s.a`/`s.b` for all 16 lanes. */
  exec(s: AluScratch, c: OpContext): void;
  /** Fill `s.carry` (flag C) when a push/update needs it; absent = C is 0. */
  carry?(s: AluScratch): void;
}

type Exec = (s: AluScratch, c: OpContext) => void;
interface OpOptions { selfFlushing?: boolean; floatIn?: boolean; floatOut?: boolean; flags?: FlagKind; sfu?: boolean; flops?: number; effect?: OpEffect; carry?: (s: AluScratch) => void }

/**
 * Smallest normal f32, or 0 when flushing is off: `x < M && x > -M` picks out
 * denormals, and `x * 0` turns one into a zero of the same sign.
 */
const M = FLUSH_DENORMALS ? 1.1754943508222875e-38 : 0;

/**
 * The same test on a double before its f32 rounding: it rounds to an f32
 * denormal exactly when its magnitude is below M - 2^-150 (the midpoint
 * between the largest denormal and M; the tie rounds to M, whose significand
 * is even). Lets generated code flush without a Math.fround.
 */
const M2 = FLUSH_DENORMALS ? M - 2 ** -150 : 0;

/**
 * CHOICE (notes 4: fmin/fmax NaN and -0 unknown): a NaN operand loses to the
 * other operand (IEEE minNum/maxNum) and -0 orders below +0.
 */
function fmin2(x: number, y: number): number {
  if (x !== x) return y;
  if (y !== y) return x;
  if (x === y) return Object.is(x, -0) || Object.is(y, -0) ? -0 : x;
  return x < y ? x : y;
}
function fmax2(x: number, y: number): number {
  if (x !== x) return y;
  if (y !== y) return x;
  if (x === y) return Object.is(x, 0) || Object.is(y, 0) ? 0 : x;
  return x > y ? x : y;
}

/** Per-half f16 op on two f16x2 words. */
function halves(x: number, y: number, f: (p: number, q: number) => number): number {
  const lo = f32ToF16(f(f16ToF32(x & 0xffff), f16ToF32(y & 0xffff)));
  const hi = f32ToF16(f(f16ToF32(x >>> 16), f16ToF32(y >>> 16)));
  return (lo | (hi << 16)) >>> 0;
}

/**
 * f32 -> unorm with maximum `max` (Mesa _mesa_float_to_unorm: x < 0 -> 0, x > 1 -> max, else x * max rounded half
 * to even). NaN: CHOICE 0 (Mesa's rounding of NaN is undefined).
 */
function toUnorm(x: number, max: number): number {
  if (x !== x || x < 0) return 0;
  if (x > 1) return max;
  return roundHalfEven(Math.fround(x * max));
}

/** f32 -> snorm with maximum `max` (clamp to [-1, 1], scale, round half to even; NaN: CHOICE 0). */
function toSnorm(x: number, max: number): number {
  if (x !== x) return 0;
  if (x < -1) return -max;
  if (x > 1) return max;
  return roundHalfEven(Math.fround(x * max)) | 0;
}

/**
 * f16 bits -> unsigned small float with the f16 exponent and `mant` mantissa bits (11-bit: 6, 10-bit: 5), rounding
 * the dropped mantissa bits to nearest even (Mesa nir_opcodes.py pack_32_to_r11g11b10_v3d: "rounding to nearest
 * even"). These formats have no sign: negative values and -inf give 0 (CHOICE, as the GL packed-float formats
 * clamp); NaN stays NaN, +inf stays inf.
 */
function f16ToSmallFloat(h: number, mant: number): number {
  const drop = 10 - mant;
  const e = (h >>> 10) & 31;
  const m = h & 0x3ff;
  if (e === 31) return m !== 0 ? (31 << mant) | 1 : h & 0x8000 ? 0 : 31 << mant;
  if (h & 0x8000) return 0;
  const v = (e << 10) | m;
  let r = v >>> drop;
  const rem = v & ((1 << drop) - 1);
  const half = 1 << (drop - 1);
  if (rem > half || (rem === half && (r & 1) === 1)) r++;
  return r;
}

// ---- 7.1 ops no board test runs and Mesa never lowers to. Each behaviour that no source pins down is one named
// constant here (docs/emulator-v3d.md, "7.1 ops"); the ops below read them.

/**
 * CHOICE `vfcmp` flags: the op writes the per-half difference a - b like `vfsub` (as `fcmp` writes a - b), and a
 * flag push/update compares this f16 half of a and b (Z a == b, N a < b, C a <= b, as `fcmp`). No source says
 * how one lane flag summarises two halves.
 */
export const VFCMP_FLAG_HALF: 'lo' | 'hi' = 'lo';

/**
 * CHOICE `v8dot` / `setnnmode_*`: v8dot is the sum of the four byte products of a and b (a 4 x 8-bit dot
 * product, 32-bit wrapping result); the `setnnmode_XY` add ops (X for operand a, Y for b, s = signed) set the bytes'
 * signedness for later v8dots of the same thread; a thread starts in this mode (0 = `uu`).
 */
export const V8DOT_INITIAL_MODE = 0;

/**
 * CHOICE `funpack{unorm,snorm}{lo,hi}`: the inverse of `ftounorm16` / `ftosnorm16` (the sub-ops next to them in mul
 * op 14): the low or high 16 bits of a read as a unorm16 (c / 65535) or snorm16 (max(c / 32767, -1), GL's
 * normalized-integer rule) and give that f32. The other reading of the name, one byte of the half, is this
 * constant set to 8.
 */
export const FUNPACK_BITS: 8 | 16 = 16;

/**
 * CHOICE `ftoc` (Mesa: alpha to coverage; `setmsf(msf & ftoc(alpha))`): a sample mask of
 * round-half-even(clamp(alpha, 0, 1) x samples) low bits set, for this many samples (V3D's 4x MSAA); NaN gives 0.
 */
export const FTOC_SAMPLES = 4;

/** Per lane: 1 in the lowest lane whose flag `f` is `want`, 0 elsewhere (all 0 if none; CHOICE). */
function firstLane(f: Uint8Array, want: number, d: Uint32Array): void {
  let first = -1;
  for (let i = 0; i < LANES; i++) if (f[i] === want) { first = i; break; }
  for (let i = 0; i < LANES; i++) d[i] = i === first ? 1 : 0;
}

/** f32 from a normalized integer field of `x` (FUNPACK_BITS wide, low or high half of the word). */
function unpackNorm(x: number, hi: boolean, signed: boolean): number {
  const bits = FUNPACK_BITS;
  const field = (hi ? x >>> 16 : x) & ((1 << bits) - 1);
  if (!signed) return field / ((1 << bits) - 1);
  const v = field >= 1 << (bits - 1) ? field - (1 << bits) : field;
  return Math.max(v / ((1 << (bits - 1)) - 1), -1);
}

/** Four-byte dot product of a and b, signedness by `mode` (bit 1: a signed, bit 0: b signed). */
function dot8(a: number, b: number, mode: number): number {
  let sum = 0;
  for (let k = 0; k < 32; k += 8) {
    let x = (a >>> k) & 0xff, y = (b >>> k) & 0xff;
    if (mode & 2 && x > 127) x -= 256;
    if (mode & 1 && y > 127) y -= 256;
    sum += x * y;
  }
  return sum >>> 0;
}

/** ftoc: the coverage mask of an alpha value. */
function coverage(alpha: number): number {
  if (alpha !== alpha) return 0;
  const n = roundHalfEven(Math.min(Math.max(alpha, 0), 1) * FTOC_SAMPLES);
  return (1 << n) - 1;
}

/** What lane bodies may call as `H.name`. */
export const LANE_HELPERS = {
  M, M2, fmin2, fmax2, halves, unpackNorm, dot8, coverage, toUnorm, toSnorm, f16ToSmallFloat, f16ToF32, f32ToF16, roundHalfEven, sfuTruncate, toInt32Saturating, toUint32Saturating, SFU: SFU_FUNCTIONS,
  fadd: (p: number, q: number): number => p + q,
  fsub: (p: number, q: number): number => p - q,
  fmul: (p: number, q: number): number => p * q,
};

/**
 * Build the 16-lane kernel of a lane spec (once per op, at module load). A
 * self-flushing kernel flushes denormal inputs and its result in the same loop.
 */
function laneExec(l: LaneSpec, selfFlushing: boolean): Exec {
  const inFlush = selfFlushing ? 'if (a < M && a > -M) a *= 0; if (b < M && b > -M) b *= 0;' : '';
  const outFlush = selfFlushing ? 'r = Math.fround(r); if (r < M && r > -M) r *= 0;' : '';
  const src = `const M = H.M; return (s, c) => { const A = s.a.${l.a}, B = s.b.${l.b}, D = s.d.${l.out};
    for (let i = 0; i < 16; i++) { let a = A[i], b = B[i]; ${inFlush} let r = 0; ${l.body} ${outFlush} D[i] = r; } };`;
  return new Function('H', src)(LANE_HELPERS) as Exec;
}

function laneCarry(l: LaneSpec, carry: string): (s: AluScratch) => void {
  const src = `return (s) => { const A = s.a.${l.a}, B = s.b.${l.b}, C = s.carry;
    for (let i = 0; i < 16; i++) { const a = A[i], b = B[i]; C[i] = (${carry}) ? 1 : 0; } };`;
  return new Function('H', src)(LANE_HELPERS) as (s: AluScratch) => void;
}

function op(name: string, srcs: 0 | 1 | 2, exec: Exec, o: OpOptions = {}): AluOpDef {
  const floatIn = o.floatIn ?? false;
  const def: AluOpDef = {
    name, srcs, exec, floatIn, floatOut: o.floatOut ?? floatIn, flags: o.flags ?? (floatIn ? 'float' : 'int'),
    sfu: o.sfu ?? false, flops: o.flops ?? 0, effect: o.effect ?? 'none', selfFlushing: o.selfFlushing ?? false,
  };
  if (o.carry) def.carry = o.carry;
  return def;
}

/** A lane-local op: views `'a b out'` (e.g. `'f f f'`) and a body assigning `r`. */
function lop(name: string, srcs: 0 | 1 | 2, views: string, body: string, o: OpOptions & { carryExpr?: string } = {}): AluOpDef {
  const [a, b, out] = views.split(' ') as [LaneView, LaneView, LaneView];
  const lane: LaneSpec = o.carryExpr === undefined ? { a, b, out, body } : { a, b, out, body, carry: o.carryExpr };
  const def = op(name, srcs, laneExec(lane, o.selfFlushing === true), o.carryExpr === undefined ? o : { ...o, carry: laneCarry(lane, o.carryExpr) });
  return { ...def, lane };
}

const F = { floatIn: true, flops: 1 } as const;
/** Float op that flushes in its own loop. */
const FF = { floatIn: true, flops: 1, selfFlushing: true } as const;
/**
 * Body of a binary float op. The double result rounds to f32 where it is
 * stored (a Float32Array store rounds to nearest even, and for + - * of two
 * f32 values double rounding is exact); flushing is the executors' job.
 */
const flushed = (e: string): string => `r = ${e.replace(/x/g, 'a').replace(/y/g, 'b')};`;

function sfu(name: keyof typeof SFU_FUNCTIONS): AluOpDef {
  return lop(name, 1, 'f u f', `r = c.exactSfu ? H.SFU.${name}(a) : H.sfuTruncate(H.SFU.${name}(a));`, { floatIn: true, sfu: true, flops: 1 });
}

const OPS: AluOpDef[] = [
  // Float arithmetic (IEEE single precision; Float32Array stores round to nearest even).
  lop('fadd', 2, 'f f f', flushed('x + y'), FF),
  // faddnf behaves as fadd in pv6/pv7 tests; its difference (NaN handling?) is unknown (notes 4).
  lop('faddnf', 2, 'f f f', flushed('x + y'), FF),
  lop('fsub', 2, 'f f f', flushed('x - y'), FF),
  lop('fmul', 2, 'f f f', flushed('x * y'), FF),
  lop('fmin', 2, 'f f f', 'r = H.fmin2(a, b);', { ...F, flops: 0 }),
  lop('fmax', 2, 'f f f', 'r = H.fmax2(a, b);', { ...F, flops: 0 }),
  // fcmp writes a - b and sets Z: a == b, N: a < b, C: a <= b (Mesa feq/flt/fge); unordered (NaN) sets none (CHOICE).
  lop('fcmp', 2, 'f f f', 'r = a - b;', { floatIn: true, flags: 'fcmp', flops: 1 }),
  lop('fmov', 1, 'u u u', 'r = a;', { floatIn: true }),
  lop('fround', 1, 'f u f', 'r = H.roundHalfEven(a);', { floatIn: true }),
  lop('ftrunc', 1, 'f u f', 'r = Math.trunc(a);', { floatIn: true }),
  lop('ffloor', 1, 'f u f', 'r = Math.floor(a);', { floatIn: true }),
  lop('fceil', 1, 'f u f', 'r = Math.ceil(a);', { floatIn: true }),
  lop('ftoin', 1, 'f u i', 'r = H.toInt32Saturating(H.roundHalfEven(a));', { floatIn: true, floatOut: false, flags: 'int' }),
  lop('ftoiz', 1, 'f u i', 'r = H.toInt32Saturating(Math.trunc(a));', { floatIn: true, floatOut: false, flags: 'int' }),
  lop('ftouz', 1, 'f u u', 'r = H.toUint32Saturating(a);', { floatIn: true, floatOut: false, flags: 'int' }),
  // itof/utof rounding unknown (notes 9): CHOICE round to nearest even (the Float32Array store).
  lop('itof', 1, 'i u f', 'r = a;', { floatOut: true, flags: 'float' }),
  lop('utof', 1, 'u u f', 'r = a;', { floatOut: true, flags: 'float' }),
  // fdx/fdy work in compute (pv6/pv7 test_alu): differences inside 2x2 quads.
  op('fdx', 1, (s) => { const a = s.a.f, d = s.d.f; for (let i = 0; i < LANES; i++) { const k = i & ~1; d[i] = (a[k + 1] as number) - (a[k] as number); } }, F),
  op('fdy', 1, (s) => { const a = s.a.f, d = s.d.f; for (let i = 0; i < LANES; i++) { const k = (i & ~3) + (i & 1); d[i] = (a[k + 2] as number) - (a[k] as number); } }, F),
  // Integer ops: 32-bit wrapping [T].
  lop('add', 2, 'u u u', 'r = a + b;', { carryExpr: 'a + b > 0xffffffff' }),
  lop('sub', 2, 'u u u', 'r = a - b;', { carryExpr: 'a < b' }),
  lop('neg', 1, 'u u u', 'r = -a;'),
  lop('not', 1, 'u u u', 'r = ~a;'),
  lop('and', 2, 'u u u', 'r = a & b;'),
  lop('or', 2, 'u u u', 'r = a | b;'),
  lop('xor', 2, 'u u u', 'r = a ^ b;'),
  lop('min', 2, 'i i i', 'r = Math.min(a, b);', { carryExpr: 'b < a' }),
  lop('max', 2, 'i i i', 'r = Math.max(a, b);'),
  lop('umin', 2, 'u u u', 'r = Math.min(a, b);'),
  lop('umax', 2, 'u u u', 'r = Math.max(a, b);'),
  // Shift counts and rotates are modulo 32 (pv6 summation.py) [T]; JS shifts already take count & 31.
  lop('shl', 2, 'u u u', 'r = a << b;'),
  lop('shr', 2, 'u u u', 'r = a >>> b;'),
  lop('asr', 2, 'i u i', 'r = a >> b;'),
  lop('ror', 2, 'u u u', 'const n = b & 31; r = (a >>> n) | (a << (32 - n));'),
  lop('clz', 1, 'u u u', 'r = Math.clz32(a);'),
  // 24-bit multiplies: low 32 bits of the product of the low 24 bits (smul24 sign-extends them) [U beyond 24 bits].
  // multop leaves (a*b - umul24(a,b)) in rtop so that `multop; umul24` gives the full low 32 bits of a*b (Mesa vir_UMUL).
  lop('umul24', 2, 'u u u', 'r = Math.imul(a & 0xffffff, b & 0xffffff) + c.rtop[i]; c.rtop[i] = 0;'),
  lop('smul24', 2, 'i i i', 'r = Math.imul((a << 8) >> 8, (b << 8) >> 8);'),
  lop('multop', 2, 'u u u', 'c.rtop[i] = Math.imul(a, b) - Math.imul(a & 0xffffff, b & 0xffffff); r = c.rtop[i];'),
  lop('mov', 1, 'u u u', 'r = a;'),
  // Packed 16-bit ops [T 7.1 vadd/vsub; vfpack, vfmin/vfmax/vfmul per half].
  lop('vadd', 2, 'u u u', 'r = ((a + b) & 0xffff) | (((a >>> 16) + (b >>> 16)) << 16);'),
  lop('vsub', 2, 'u u u', 'r = ((a - b) & 0xffff) | (((a >>> 16) - (b >>> 16)) << 16);'),
  lop('vfpack', 2, 'f f u', 'r = H.f32ToF16(a) | (H.f32ToF16(b) << 16);', { floatIn: true, floatOut: false }),
  lop('vfmin', 2, 'u u u', 'r = H.halves(a, b, H.fmin2);'),
  lop('vfmax', 2, 'u u u', 'r = H.halves(a, b, H.fmax2);'),
  lop('vfmul', 2, 'u u u', 'r = H.halves(a, b, H.fmul);', { flops: 2 }),
  lop('vfadd', 2, 'u u u', 'r = H.halves(a, b, H.fadd);', { flops: 2 }),
  lop('vfsub', 2, 'u u u', 'r = H.halves(a, b, H.fsub);', { flops: 2 }),
  // Flag read-outs [T test_cond_vflx, test_cond_flx].
  lop('vfla', 0, 'u u u', 'r = c.flagA[i] === 1 ? 0x00010001 : 0;'),
  lop('vflna', 0, 'u u u', 'r = c.flagA[i] === 0 ? 0x00010001 : 0;'),
  lop('vflb', 0, 'u u u', 'r = c.flagB[i] === 1 ? 0x00010001 : 0;'),
  lop('vflnb', 0, 'u u u', 'r = c.flagB[i] === 0 ? 0x00010001 : 0;'),
  lop('flapush', 1, 'u u u', 'r = (a << 2) | (c.flagA[i] ? 3 : 0);'),
  lop('flbpush', 1, 'u u u', 'r = (a << 2) | (c.flagB[i] ? 3 : 0);'),
  // flpop's flag effect is unknown (notes 3); it only shifts here.
  lop('flpop', 1, 'u u u', 'r = a >>> 2;'),
  // Ids: eidx = lane number; tidx = QPU << 2 | slot (notes 1).
  lop('eidx', 0, 'u u u', 'r = i;'),
  lop('tidx', 0, 'u u u', 'r = c.tidx;'),
  lop('lr', 0, 'u u u', 'r = c.link;'),
  // CHOICE: the fragment-shader ids read 0 in compute (their compute values are unknown, notes 1).
  ...['msf', 'revf', 'iid', 'sampid', 'xcd', 'ycd', 'fxcd', 'fycd'].map((n) => lop(n, 0, 'u u u', 'r = 0;')),
  lop('barrierid', 0, 'u u u', 'r = 0;', { effect: 'barrier' }),
  lop('tmuwt', 0, 'u u u', 'r = 0;', { effect: 'tmuwt' }),
  lop('vpmwt', 0, 'u u u', 'r = 0;', { effect: 'vpmwt' }),
  // 7.1 pack / conversion ops. Meaning from Mesa: nir_opcodes.py constant-folding definitions of the NIR ops that
  // nir_to_vir.c lowers to them (pack_2x32_to_2x16 -> vpack, pack_4x16_to_4x8 -> v8pack,
  // pack_uint_32_to_r10g10b10a2 -> v10pack, f2unorm_16/f2snorm_16 -> ftounorm16/ftosnorm16,
  // pack_2x16_to_unorm_2x8/snorm_2x8 -> vftounorm8/vftosnorm8). Untested on boards (notes 8: "ops (untested)").
  lop('vpack', 2, 'u u u', 'r = (a & 0xffff) | (b << 16);'),
  lop('v8pack', 2, 'u u u', 'r = (a & 0xff) | ((a & 0xff0000) >>> 8) | ((b & 0xff) << 16) | ((b & 0xff0000) << 8);'),
  lop('v10pack', 2, 'u u u', 'r = (a & 0x3ff) | (((a >>> 16) & 0x3ff) << 10) | ((b & 0x3ff) << 20) | (((b >>> 16) & 0x3ff) << 30);'),
  // f32 -> 16-bit unorm / snorm (Mesa _mesa_float_to_unorm/snorm: clamp, scale, round half to even). snorm's result is
  // the int16 value as a 32-bit two's complement word (Mesa folds an int into the uint32 result). NaN: CHOICE 0.
  lop('ftounorm16', 1, 'f u u', 'r = H.toUnorm(a, 65535);', { floatIn: true, floatOut: false, flags: 'int' }),
  lop('ftosnorm16', 1, 'f u i', 'r = H.toSnorm(a, 32767);', { floatIn: true, floatOut: false, flags: 'int' }),
  // f16x2 -> two 8-bit unorm / snorm values, one in the low byte of each 16-bit half. CHOICE (Mesa's fold ORs a
  // sign-extended int, which would spill into the high half): a negative snorm8 value is sign-extended within its half.
  lop('vftounorm8', 1, 'u u u', 'r = H.toUnorm(H.f16ToF32(a & 0xffff), 255) | (H.toUnorm(H.f16ToF32(a >>> 16), 255) << 16);'),
  lop('vftosnorm8', 1, 'u u u', 'r = (H.toSnorm(H.f16ToF32(a & 0xffff), 127) & 0xffff) | (H.toSnorm(H.f16ToF32(a >>> 16), 127) << 16);'),
  // v11fpack (pack_32_to_r11g11b10_v3d): bits 10:0 / 21:11 = a's low / high f16 as f11, bits 31:22 = b's low f16
  // as f10. vftounorm10lo / hi (pack_2x16_to_unorm_2x10_v3d / _unorm_10_2_v3d, the inputs of v10pack): each f16 half
  // to a 10-bit unorm in the low bits of that half; hi makes the high half a 2-bit unorm (v10pack takes its bits 17:16
  // as alpha). Mesa nir_opcodes.py / nir_to_vir.c; the 2x10 / 10_2 layout is read off v10pack's operand bits.
  lop('v11fpack', 2, 'u u u', 'r = H.f16ToSmallFloat(a & 0xffff, 6) | (H.f16ToSmallFloat(a >>> 16, 6) << 11) | (H.f16ToSmallFloat(b & 0xffff, 5) << 22);'),
  lop('vftounorm10lo', 1, 'u u u', 'r = H.toUnorm(H.f16ToF32(a & 0xffff), 1023) | (H.toUnorm(H.f16ToF32(a >>> 16), 1023) << 16);'),
  lop('vftounorm10hi', 1, 'u u u', 'r = H.toUnorm(H.f16ToF32(a & 0xffff), 1023) | (H.toUnorm(H.f16ToF32(a >>> 16), 3) << 16);'),
  // The ops the constants above choose for. flafirst / flnafirst (4.2 and 7.1): Mesa's `elect` pushes flag A and
  // then XORs the op's result with 1 under pushz to mark the elected lane, so the result is 1 in the first lane
  // whose A is set (flafirst) / clear (flnafirst) and 0 elsewhere (nir_to_vir.c, nir_intrinsic_elect).
  op('flafirst', 0, (s, c) => firstLane(c.flagA, 1, s.d.u)),
  op('flnafirst', 0, (s, c) => firstLane(c.flagA, 0, s.d.u)),
  // vfmov / vfabs / vfneg / vfnab: add op 191 with raddr_b 0 / 5 / 10 / 15, whose bits are per f16 half a sign
  // override (clear) and a sign xor (v3d-encoding-notes 9): move, |x|, -x, -|x| of each half, as bit operations.
  lop('vfmov', 1, 'u u u', 'r = a;'),
  lop('vfabs', 1, 'u u u', 'r = a & 0x7fff7fff;'),
  lop('vfneg', 1, 'u u u', 'r = a ^ 0x80008000;'),
  lop('vfnab', 1, 'u u u', 'r = a | 0x80008000;'),
  lop('vfcmp', 2, 'u u u', 'r = H.halves(a, b, H.fsub);', { flags: 'vfcmp', flops: 2 }),
  lop('v8dot', 2, 'u u u', 'r = H.dot8(a, b, c.nnMode);', { flops: 0 }),
  op('setnnmode_uu', 0, (_s, c) => { c.nnMode = 0; }),
  op('setnnmode_us', 0, (_s, c) => { c.nnMode = 1; }),
  op('setnnmode_su', 0, (_s, c) => { c.nnMode = 2; }),
  op('setnnmode_ss', 0, (_s, c) => { c.nnMode = 3; }),
  lop('funpackunormlo', 1, 'u u f', 'r = H.unpackNorm(a, false, false);', { floatOut: true, flags: 'float' }),
  lop('funpackunormhi', 1, 'u u f', 'r = H.unpackNorm(a, true, false);', { floatOut: true, flags: 'float' }),
  lop('funpacksnormlo', 1, 'u u f', 'r = H.unpackNorm(a, false, true);', { floatOut: true, flags: 'float' }),
  lop('funpacksnormhi', 1, 'u u f', 'r = H.unpackNorm(a, true, true);', { floatOut: true, flags: 'float' }),
  lop('ftoc', 1, 'f u u', 'r = H.coverage(a);', { floatIn: true, floatOut: false, flags: 'int' }),
  // SFU (op form on both versions; 4.2's write-address form reuses these functions).
  sfu('recip'), sfu('rsqrt'), sfu('rsqrt2'), sfu('exp'), sfu('log'), sfu('sin'),
  // 7.1 lane exchange (pv7 test_alu) [T]; SFU class (M:instr). Inactive lanes: all lanes run here.
  op('rot', 2, (s) => { const a = s.a.u, d = s.d.u, n = s.b.u[0] as number; for (let i = 0; i < LANES; i++) d[i] = a[(i + n) & 15] as number; }, { sfu: true }),
  op('rotq', 2, (s) => { const a = s.a.u, b = s.b.u, d = s.d.u; for (let i = 0; i < LANES; i++) { const q = i & ~3; d[i] = a[q + (((i - q) + (b[q] as number)) & 3)] as number; } }, { sfu: true }),
  op('shuffle', 2, (s) => { const a = s.a.u, b = s.b.u, d = s.d.u; for (let i = 0; i < LANES; i++) d[i] = a[(b[i] as number) & 15] as number; }, { sfu: true }),
  op('bcastf', 1, (s) => { s.d.u.fill(s.a.u[0] as number); }, { sfu: true }),
  op('ballot', 1, (s) => { const a = s.a.u; let m = 0; for (let i = 0; i < LANES; i++) if (a[i] !== 0) m |= 1 << i; s.d.u.fill(m); }, { sfu: true }),
  op('alleq', 1, (s) => { const a = s.a.u; let r = 1; for (let i = 1; i < LANES; i++) if (a[i] !== a[0]) r = 0; s.d.u.fill(r); }, { sfu: true }),
  op('allfeq', 1, (s) => { const a = s.a.f; let r = 1; for (let i = 1; i < LANES; i++) if (a[i] !== a[0]) r = 0; s.d.u.fill(r); }, { sfu: true }),
  op('nop', 0, () => {}),
];

/** Op name → semantics. */
export const ALU_OPS: ReadonlyMap<string, AluOpDef> = new Map(OPS.map((o) => [o.name, o]));

/** Flush denormal results of a float op in place (see numerics.FLUSH_DENORMALS). */
export function flushLanes(u: Uint32Array): void {
  if (!FLUSH_DENORMALS) return;
  for (let i = 0; i < LANES; i++) {
    const x = u[i] as number;
    if ((x & 0x7f800000) === 0 && (x & 0x7fffff) !== 0) u[i] = x & 0x80000000;
  }
}
