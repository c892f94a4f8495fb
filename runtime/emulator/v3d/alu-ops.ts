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
export type FlagKind = 'int' | 'float' | 'fcmp';

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
   * The op flushes denormal inputs and results itself inside its lane loop
   * (the hot float ops, to save two passes), or its results cannot be new
   * denormals when its inputs are flushed; the executor then skips its passes.
   */
  readonly selfFlushing: boolean;
  /** Compute `s.d` from `s.a`/`s.b` for all 16 lanes. */
  exec(s: AluScratch, c: OpContext): void;
  /** Fill `s.carry` (flag C) when a push/update needs it; absent = C is 0. */
  carry?(s: AluScratch): void;
}

type Exec = (s: AluScratch, c: OpContext) => void;
interface OpOptions { selfFlushing?: boolean; floatIn?: boolean; floatOut?: boolean; flags?: FlagKind; sfu?: boolean; flops?: number; effect?: OpEffect; carry?: (s: AluScratch) => void }

function op(name: string, srcs: 0 | 1 | 2, exec: Exec, o: OpOptions = {}): AluOpDef {
  const floatIn = o.floatIn ?? false;
  const def: AluOpDef = {
    name, srcs, exec, floatIn, floatOut: o.floatOut ?? floatIn, flags: o.flags ?? (floatIn ? 'float' : 'int'),
    sfu: o.sfu ?? false, flops: o.flops ?? 0, effect: o.effect ?? 'none', selfFlushing: o.selfFlushing ?? false,
  };
  if (o.carry) def.carry = o.carry;
  return def;
}
const F = { floatIn: true, flops: 1 } as const;
/** Float op that flushes in its own loop. */
const FF = { floatIn: true, flops: 1, selfFlushing: true } as const;
/**
 * Smallest normal f32, or 0 when flushing is off: `x < M && x > -M` picks out
 * denormals, and `x * 0` turns one into a zero of the same sign.
 */
const M = FLUSH_DENORMALS ? 1.1754943508222875e-38 : 0;

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

function sfu(name: keyof typeof SFU_FUNCTIONS): AluOpDef {
  const fn = SFU_FUNCTIONS[name];
  return op(name, 1, (s, c) => {
    const a = s.a.f, d = s.d.f;
    if (c.exactSfu) for (let i = 0; i < LANES; i++) d[i] = fn(a[i] as number);
    else for (let i = 0; i < LANES; i++) d[i] = sfuTruncate(fn(a[i] as number));
  }, { floatIn: true, sfu: true, flops: 1 });
}

function vfl(flag: 'flagA' | 'flagB', want: number): Exec {
  return (s, c) => {
    const d = s.d.u, fl = c[flag];
    for (let i = 0; i < LANES; i++) d[i] = fl[i] === want ? 0x00010001 : 0;
  };
}

const OPS: AluOpDef[] = [
  // Float arithmetic (IEEE single precision; Float32Array stores round to nearest even).
  op('fadd', 2, (s) => { const a = s.a.f, b = s.b.f, d = s.d.f; for (let i = 0; i < LANES; i++) { let x = a[i] as number, y = b[i] as number; if (x < M && x > -M) x *= 0; if (y < M && y > -M) y *= 0; const r = Math.fround(x + y); d[i] = r < M && r > -M ? r * 0 : r; } }, FF),
  // faddnf behaves as fadd in pv6/pv7 tests; its difference (NaN handling?) is unknown (notes 4).
  op('faddnf', 2, (s) => { const a = s.a.f, b = s.b.f, d = s.d.f; for (let i = 0; i < LANES; i++) { let x = a[i] as number, y = b[i] as number; if (x < M && x > -M) x *= 0; if (y < M && y > -M) y *= 0; const r = Math.fround(x + y); d[i] = r < M && r > -M ? r * 0 : r; } }, FF),
  op('fsub', 2, (s) => { const a = s.a.f, b = s.b.f, d = s.d.f; for (let i = 0; i < LANES; i++) { let x = a[i] as number, y = b[i] as number; if (x < M && x > -M) x *= 0; if (y < M && y > -M) y *= 0; const r = Math.fround(x - y); d[i] = r < M && r > -M ? r * 0 : r; } }, FF),
  op('fmul', 2, (s) => { const a = s.a.f, b = s.b.f, d = s.d.f; for (let i = 0; i < LANES; i++) { let x = a[i] as number, y = b[i] as number; if (x < M && x > -M) x *= 0; if (y < M && y > -M) y *= 0; const r = Math.fround(x * y); d[i] = r < M && r > -M ? r * 0 : r; } }, FF),
  op('fmin', 2, (s) => { const a = s.a.f, b = s.b.f, d = s.d.f; for (let i = 0; i < LANES; i++) d[i] = fmin2(a[i] as number, b[i] as number); }, { ...F, flops: 0 }),
  op('fmax', 2, (s) => { const a = s.a.f, b = s.b.f, d = s.d.f; for (let i = 0; i < LANES; i++) d[i] = fmax2(a[i] as number, b[i] as number); }, { ...F, flops: 0 }),
  // fcmp writes a - b and sets Z: a == b, N: a < b, C: a <= b (Mesa feq/flt/fge); unordered (NaN) sets none (CHOICE).
  op('fcmp', 2, (s) => { const a = s.a.f, b = s.b.f, d = s.d.f; for (let i = 0; i < LANES; i++) d[i] = (a[i] as number) - (b[i] as number); }, { floatIn: true, flags: 'fcmp', flops: 1 }),
  op('fmov', 1, (s) => { s.d.u.set(s.a.u); }, { floatIn: true }),
  op('fround', 1, (s) => { const a = s.a.f, d = s.d.f; for (let i = 0; i < LANES; i++) d[i] = roundHalfEven(a[i] as number); }, { floatIn: true }),
  op('ftrunc', 1, (s) => { const a = s.a.f, d = s.d.f; for (let i = 0; i < LANES; i++) d[i] = Math.trunc(a[i] as number); }, { floatIn: true }),
  op('ffloor', 1, (s) => { const a = s.a.f, d = s.d.f; for (let i = 0; i < LANES; i++) d[i] = Math.floor(a[i] as number); }, { floatIn: true }),
  op('fceil', 1, (s) => { const a = s.a.f, d = s.d.f; for (let i = 0; i < LANES; i++) d[i] = Math.ceil(a[i] as number); }, { floatIn: true }),
  op('ftoin', 1, (s) => { const a = s.a.f, d = s.d.i; for (let i = 0; i < LANES; i++) d[i] = toInt32Saturating(roundHalfEven(a[i] as number)); }, { floatIn: true, floatOut: false, flags: 'int' }),
  op('ftoiz', 1, (s) => { const a = s.a.f, d = s.d.i; for (let i = 0; i < LANES; i++) d[i] = toInt32Saturating(Math.trunc(a[i] as number)); }, { floatIn: true, floatOut: false, flags: 'int' }),
  op('ftouz', 1, (s) => { const a = s.a.f, d = s.d.u; for (let i = 0; i < LANES; i++) d[i] = toUint32Saturating(a[i] as number); }, { floatIn: true, floatOut: false, flags: 'int' }),
  // itof/utof rounding unknown (notes 9): CHOICE round to nearest even (the Float32Array store).
  op('itof', 1, (s) => { const a = s.a.i, d = s.d.f; for (let i = 0; i < LANES; i++) d[i] = a[i] as number; }, { floatOut: true, flags: 'float' }),
  op('utof', 1, (s) => { const a = s.a.u, d = s.d.f; for (let i = 0; i < LANES; i++) d[i] = a[i] as number; }, { floatOut: true, flags: 'float' }),
  // fdx/fdy work in compute (pv6/pv7 test_alu): differences inside 2x2 quads.
  op('fdx', 1, (s) => { const a = s.a.f, d = s.d.f; for (let i = 0; i < LANES; i++) { const k = i & ~1; d[i] = (a[k + 1] as number) - (a[k] as number); } }, F),
  op('fdy', 1, (s) => { const a = s.a.f, d = s.d.f; for (let i = 0; i < LANES; i++) { const k = (i & ~3) + (i & 1); d[i] = (a[k + 2] as number) - (a[k] as number); } }, F),
  // Integer ops: 32-bit wrapping [T].
  op('add', 2, (s) => { const a = s.a.u, b = s.b.u, d = s.d.u; for (let i = 0; i < LANES; i++) d[i] = (a[i] as number) + (b[i] as number); },
    { carry: (s) => { const a = s.a.u, b = s.b.u, c = s.carry; for (let i = 0; i < LANES; i++) c[i] = (a[i] as number) + (b[i] as number) > 0xffffffff ? 1 : 0; } }),
  op('sub', 2, (s) => { const a = s.a.u, b = s.b.u, d = s.d.u; for (let i = 0; i < LANES; i++) d[i] = (a[i] as number) - (b[i] as number); },
    { carry: (s) => { const a = s.a.u, b = s.b.u, c = s.carry; for (let i = 0; i < LANES; i++) c[i] = (a[i] as number) < (b[i] as number) ? 1 : 0; } }),
  op('neg', 1, (s) => { const a = s.a.u, d = s.d.u; for (let i = 0; i < LANES; i++) d[i] = -(a[i] as number); }),
  op('not', 1, (s) => { const a = s.a.u, d = s.d.u; for (let i = 0; i < LANES; i++) d[i] = ~(a[i] as number); }),
  op('and', 2, (s) => { const a = s.a.u, b = s.b.u, d = s.d.u; for (let i = 0; i < LANES; i++) d[i] = (a[i] as number) & (b[i] as number); }),
  op('or', 2, (s) => { const a = s.a.u, b = s.b.u, d = s.d.u; for (let i = 0; i < LANES; i++) d[i] = (a[i] as number) | (b[i] as number); }),
  op('xor', 2, (s) => { const a = s.a.u, b = s.b.u, d = s.d.u; for (let i = 0; i < LANES; i++) d[i] = (a[i] as number) ^ (b[i] as number); }),
  op('min', 2, (s) => { const a = s.a.i, b = s.b.i, d = s.d.i; for (let i = 0; i < LANES; i++) d[i] = Math.min(a[i] as number, b[i] as number); },
    { carry: (s) => { const a = s.a.i, b = s.b.i, c = s.carry; for (let i = 0; i < LANES; i++) c[i] = (b[i] as number) < (a[i] as number) ? 1 : 0; } }),
  op('max', 2, (s) => { const a = s.a.i, b = s.b.i, d = s.d.i; for (let i = 0; i < LANES; i++) d[i] = Math.max(a[i] as number, b[i] as number); }),
  op('umin', 2, (s) => { const a = s.a.u, b = s.b.u, d = s.d.u; for (let i = 0; i < LANES; i++) d[i] = Math.min(a[i] as number, b[i] as number); }),
  op('umax', 2, (s) => { const a = s.a.u, b = s.b.u, d = s.d.u; for (let i = 0; i < LANES; i++) d[i] = Math.max(a[i] as number, b[i] as number); }),
  // Shift counts and rotates are modulo 32 (pv6 summation.py) [T]; JS shifts already take count & 31.
  op('shl', 2, (s) => { const a = s.a.u, b = s.b.u, d = s.d.u; for (let i = 0; i < LANES; i++) d[i] = (a[i] as number) << (b[i] as number); }),
  op('shr', 2, (s) => { const a = s.a.u, b = s.b.u, d = s.d.u; for (let i = 0; i < LANES; i++) d[i] = (a[i] as number) >>> (b[i] as number); }),
  op('asr', 2, (s) => { const a = s.a.i, b = s.b.u, d = s.d.i; for (let i = 0; i < LANES; i++) d[i] = (a[i] as number) >> (b[i] as number); }),
  op('ror', 2, (s) => { const a = s.a.u, b = s.b.u, d = s.d.u; for (let i = 0; i < LANES; i++) { const x = a[i] as number, n = (b[i] as number) & 31; d[i] = (x >>> n) | (x << (32 - n)); } }),
  op('clz', 1, (s) => { const a = s.a.u, d = s.d.u; for (let i = 0; i < LANES; i++) d[i] = Math.clz32(a[i] as number); }),
  // 24-bit multiplies: low 32 bits of the product of the low 24 bits (smul24 sign-extends them) [U beyond 24 bits].
  // multop leaves (a*b - umul24(a,b)) in rtop so that `multop; umul24` gives the full low 32 bits of a*b (Mesa vir_UMUL).
  op('umul24', 2, (s, c) => { const a = s.a.u, b = s.b.u, d = s.d.u, r = c.rtop; for (let i = 0; i < LANES; i++) { d[i] = Math.imul((a[i] as number) & 0xffffff, (b[i] as number) & 0xffffff) + (r[i] as number); r[i] = 0; } }),
  op('smul24', 2, (s) => { const a = s.a.i, b = s.b.i, d = s.d.i; for (let i = 0; i < LANES; i++) d[i] = Math.imul(((a[i] as number) << 8) >> 8, ((b[i] as number) << 8) >> 8); }),
  op('multop', 2, (s, c) => { const a = s.a.u, b = s.b.u, d = s.d.u, r = c.rtop; for (let i = 0; i < LANES; i++) { const x = a[i] as number, y = b[i] as number; r[i] = Math.imul(x, y) - Math.imul(x & 0xffffff, y & 0xffffff); d[i] = r[i] as number; } }),
  op('mov', 1, (s) => { s.d.u.set(s.a.u); }),
  // Packed 16-bit ops [T 7.1 vadd/vsub; vfpack, vfmin/vfmax/vfmul per half].
  op('vadd', 2, (s) => { const a = s.a.u, b = s.b.u, d = s.d.u; for (let i = 0; i < LANES; i++) { const x = a[i] as number, y = b[i] as number; d[i] = ((x + y) & 0xffff) | (((x >>> 16) + (y >>> 16)) << 16); } }),
  op('vsub', 2, (s) => { const a = s.a.u, b = s.b.u, d = s.d.u; for (let i = 0; i < LANES; i++) { const x = a[i] as number, y = b[i] as number; d[i] = ((x - y) & 0xffff) | (((x >>> 16) - (y >>> 16)) << 16); } }),
  op('vfpack', 2, (s) => { const a = s.a.f, b = s.b.f, d = s.d.u; for (let i = 0; i < LANES; i++) d[i] = f32ToF16(a[i] as number) | (f32ToF16(b[i] as number) << 16); }, { floatIn: true, floatOut: false }),
  op('vfmin', 2, (s) => { const a = s.a.u, b = s.b.u, d = s.d.u; for (let i = 0; i < LANES; i++) d[i] = halves(a[i] as number, b[i] as number, fmin2); }),
  op('vfmax', 2, (s) => { const a = s.a.u, b = s.b.u, d = s.d.u; for (let i = 0; i < LANES; i++) d[i] = halves(a[i] as number, b[i] as number, fmax2); }),
  op('vfmul', 2, (s) => { const a = s.a.u, b = s.b.u, d = s.d.u; for (let i = 0; i < LANES; i++) d[i] = halves(a[i] as number, b[i] as number, (p, q) => p * q); }, { flops: 2 }),
  op('vfadd', 2, (s) => { const a = s.a.u, b = s.b.u, d = s.d.u; for (let i = 0; i < LANES; i++) d[i] = halves(a[i] as number, b[i] as number, (p, q) => p + q); }, { flops: 2 }),
  op('vfsub', 2, (s) => { const a = s.a.u, b = s.b.u, d = s.d.u; for (let i = 0; i < LANES; i++) d[i] = halves(a[i] as number, b[i] as number, (p, q) => p - q); }, { flops: 2 }),
  // Flag read-outs [T test_cond_vflx, test_cond_flx].
  op('vfla', 0, vfl('flagA', 1)),
  op('vflna', 0, vfl('flagA', 0)),
  op('vflb', 0, vfl('flagB', 1)),
  op('vflnb', 0, vfl('flagB', 0)),
  op('flapush', 1, (s, c) => { const a = s.a.u, d = s.d.u, f = c.flagA; for (let i = 0; i < LANES; i++) d[i] = ((a[i] as number) << 2) | (f[i] ? 3 : 0); }),
  op('flbpush', 1, (s, c) => { const a = s.a.u, d = s.d.u, f = c.flagB; for (let i = 0; i < LANES; i++) d[i] = ((a[i] as number) << 2) | (f[i] ? 3 : 0); }),
  // flpop's flag effect is unknown (notes 3); it only shifts here.
  op('flpop', 1, (s) => { const a = s.a.u, d = s.d.u; for (let i = 0; i < LANES; i++) d[i] = (a[i] as number) >>> 2; }),
  // Ids: eidx = lane number; tidx = QPU << 2 | slot (notes 1).
  op('eidx', 0, (s) => { const d = s.d.u; for (let i = 0; i < LANES; i++) d[i] = i; }),
  op('tidx', 0, (s, c) => { s.d.u.fill(c.tidx); }),
  op('lr', 0, (s, c) => { s.d.u.fill(c.link); }),
  // CHOICE: the fragment-shader ids read 0 in compute (their compute values are unknown, notes 1).
  ...['msf', 'revf', 'iid', 'sampid', 'xcd', 'ycd', 'fxcd', 'fycd'].map((n) => op(n, 0, (s) => { s.d.u.fill(0); })),
  op('barrierid', 0, (s) => { s.d.u.fill(0); }, { effect: 'barrier' }),
  op('tmuwt', 0, (s) => { s.d.u.fill(0); }, { effect: 'tmuwt' }),
  op('vpmwt', 0, (s) => { s.d.u.fill(0); }, { effect: 'vpmwt' }),
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
