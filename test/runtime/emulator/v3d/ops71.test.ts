import test from 'ava';
import { ALU_OPS } from '../../../../runtime/emulator/v3d/alu-ops.ts';
import { AluScratch } from '../../../../runtime/emulator/v3d/lanes.ts';
import { DATA, END, runAsm, words } from './builder.ts';

/**
 * Run `op rf3, rf1, rf2` (or `op rf3, rf1`) on 7.1 with rf1 = a and rf2 = b in
 * every lane, through the assembler, decoder and generated code; returns lane 0.
 */
function run71(op: string, a: number, b?: number): number {
  const src = b === undefined ? 'rf1' : 'rf1, rf2';
  const r = runAsm(71, `
    .uniform ${DATA}, ${a >>> 0}, ${(b ?? 0) >>> 0}
    nop ; nop ; ldunif
    mov rf10, rf0 ; nop ; ldunif
    mov rf1, rf0 ; nop ; ldunif
    mov rf2, rf0 ; nop
    ${MUL_ONLY.has(op) ? `nop ; ${op} rf3, ${src}` : `${op} rf3, ${src} ; nop`}
    eidx rf4 ; nop
    shl rf4, rf4, 2 ; nop
    add rf5, rf10, rf4 ; nop
    mov tmud, rf3 ; nop
    mov tmua, rf5 ; nop
    tmuwt - ; nop
    ${END}`);
  const w = words(r, 0, 16);
  // Same value in every lane, and the interpreted kernel of the op table agrees with the generated code.
  for (const x of w) if (x !== w[0]) throw new Error(`${op}: lanes differ`);
  const s = new AluScratch();
  s.a.u.fill(a >>> 0);
  s.b.u.fill((b ?? 0) >>> 0);
  const def = ALU_OPS.get(op);
  if (!def) throw new Error(op);
  def.exec(s, { flagA: new Uint8Array(16), flagB: new Uint8Array(16), rtop: new Uint32Array(16), tidx: 0, link: 0, exactSfu: false, nnMode: 0 });
  if (s.d.u[0] !== w[0]) throw new Error(`${op}: interpreter ${s.d.u[0]} vs generated ${w[0]}`);
  return w[0] as number;
}

/** Ops that only the 7.1 mul ALU has. */
const MUL_ONLY = new Set(['v8dot', 'funpackunormlo', 'funpackunormhi', 'funpacksnormlo', 'funpacksnormhi', 'ftounorm16', 'ftosnorm16', 'vftounorm8', 'vftosnorm8', 'vftounorm10lo', 'vftounorm10hi', 'vfmul']);

const f32 = (x: number): number => new Uint32Array(new Float32Array([x]).buffer)[0] as number;

test('vpack / v8pack / v10pack pack integer halves and bytes (Mesa pack_2x32_to_2x16, pack_4x16_to_4x8, pack_uint_32_to_r10g10b10a2)', (t) => {
  // dst = a[15:0] | b[15:0] << 16.
  t.is(run71('vpack', 0x1234abcd, 0x5678ef01), 0xef01abcd);
  // dst bytes = a[7:0], a[23:16], b[7:0], b[23:16].
  t.is(run71('v8pack', 0x11223344, 0x55667788), 0x66882244);
  // dst = a[9:0], a[25:16], b[9:0], b[17:16] in 10/10/10/2 bits.
  t.is(run71('v10pack', 0x03ff0155, 0x00020001), 0x801ffd55);
});

test('ftounorm16 / ftosnorm16: clamp, scale by 65535 / 32767, round half to even (Mesa _mesa_float_to_unorm/snorm)', (t) => {
  t.is(run71('ftounorm16', f32(0.5)), 32768, '32767.5 rounds to the even 32768');
  t.is(run71('ftounorm16', f32(1.5)), 65535, 'above 1 clamps');
  t.is(run71('ftounorm16', f32(-0.25)), 0, 'below 0 clamps');
  t.is(run71('ftounorm16', f32(0.25)), 16384, '16383.75 rounds to nearest');
  t.is(run71('ftosnorm16', f32(-1)), 0xffff8001, '-32767 as a 32-bit word');
  t.is(run71('ftosnorm16', f32(0.5)), 16384, '16383.5 rounds to the even 16384');
  t.is(run71('ftosnorm16', f32(-3)), 0xffff8001, 'below -1 clamps');
});

test('vftounorm8 / vftosnorm8: each f16 half to an 8-bit unorm / snorm in that half (Mesa pack_2x16_to_unorm_2x8 / snorm_2x8)', (t) => {
  // f16 0x3800 = 0.5, 0x3c00 = 1.0, 0xbc00 = -1.0.
  t.is(run71('vftounorm8', 0x3c003800), 0x00ff0080, '0.5 * 255 = 127.5 rounds to 128; 1.0 gives 255');
  t.is(run71('vftosnorm8', 0x3800bc00), 0x0040ff81, '-1.0 gives -127 (0xff81 in its half); 0.5 * 127 = 63.5 rounds to 64');
});

// ---- Independent oracles: IEEE half-float arithmetic written out in plain JS, not the emulator's helpers. ----

/** Value of an f16 bit pattern (IEEE 754 binary16: 1 sign, 5 exponent (bias 15), 10 mantissa bits). */
function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 31;
  const m = h & 1023;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** Nearest f16 (ties to even) of a finite number, by searching the binade (no bit tricks shared with the emulator). */
function toHalf(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00;
  let e = a < 2 ** -14 ? 0 : Math.floor(Math.log2(a)) + 15;
  if (e > 0 && (1 + 0) * 2 ** (e - 15) > a) e--;
  const ulp = e === 0 ? 2 ** -24 : 2 ** (e - 25);
  const q = a / ulp;
  let n = Math.floor(q);
  const frac = q - n;
  if (frac > 0.5 || (frac === 0.5 && n % 2 === 1)) n++;
  // n counts ulps from 0 (subnormal) or from 2^(e-15) scaled: rebuild the bits.
  if (e === 0) return sign | n;
  const m = n - 1024;
  return m === 1024 ? sign | ((e + 1) << 10) : sign | (e << 10) | m;
}

/** Unsigned float with 5 exponent bits and `mant` mantissa bits, from a non-negative number (ties to even). */
function toSmallFloat(x: number, mant: number): number {
  if (Number.isNaN(x)) return (31 << mant) | 1;
  if (x <= 0) return 0;
  if (x === Infinity) return 31 << mant;
  let e = x < 2 ** -14 ? 0 : Math.floor(Math.log2(x)) + 15;
  if (e > 0 && 2 ** (e - 15) > x) e--;
  const ulp = e === 0 ? 2 ** (-14 - mant) : 2 ** (e - 15 - mant);
  let n = Math.floor(x / ulp);
  const frac = x / ulp - n;
  if (frac > 0.5 || (frac === 0.5 && n % 2 === 1)) n++;
  if (e === 0) return n;
  return (e << mant) + (n - (1 << mant));
}

const H = (lo: number, hi: number): number => ((toHalf(hi) << 16) | toHalf(lo)) >>> 0;

test('vfadd / vfsub / vfmul / vfmin / vfmax work per f16 half with round-to-nearest-even (IEEE binary16, computed in the test)', (t) => {
  const pairs: [number, number, number, number][] = [[1.5, -2.25, 0.333, 1000], [65504, 1, -0.0001, 3.14159], [2048, 1, 0.1, 0.2]];
  const ops: [string, (x: number, y: number) => number][] = [
    ['vfadd', (x, y) => x + y], ['vfsub', (x, y) => x - y], ['vfmul', (x, y) => x * y],
    ['vfmin', (x, y) => Math.min(x, y)], ['vfmax', (x, y) => Math.max(x, y)],
  ];
  for (const [a0, a1, b0, b1] of pairs) {
    const a = H(a0, a1), b = H(b0, b1);
    for (const [op, f] of ops) {
      const lo = toHalf(f(halfValue(a & 0xffff), halfValue(b & 0xffff)));
      const hi = toHalf(f(halfValue(a >>> 16), halfValue(b >>> 16)));
      t.is(run71(op, a, b), ((hi << 16) | lo) >>> 0, `${op}(${a0}|${a1}, ${b0}|${b1})`);
    }
  }
  // 2048 + 1 is a tie in f16 (ulp 2 at 2048): rounds to even, 2048.
  t.is(run71('vfadd', H(2048, 0), H(1, 0)) & 0xffff, 0x6800);
});

test('v11fpack packs f16 halves into r11g11b10 unsigned floats, rounding to nearest even (Mesa pack_32_to_r11g11b10_v3d)', (t) => {
  const cases: [number, number, number][] = [[1, 0.5, 2], [0.1, 1000, 3.3], [-1, 65504, 0.0001], [1.0009765625, 1.03125, 1.015625]];
  for (const [r, g, b] of cases) {
    const a = H(r, g), c = H(b, 0);
    const want = (toSmallFloat(halfValue(a & 0xffff), 6) | (toSmallFloat(halfValue(a >>> 16), 6) << 11) | (toSmallFloat(halfValue(c & 0xffff), 5) << 22)) >>> 0;
    t.is(run71('v11fpack', a, c), want, `(${r}, ${g}, ${b})`);
  }
  // 1.0 is exponent 15, mantissa 0 in both formats: f11 0x3c0, f10 0x1e0.
  t.is(run71('v11fpack', H(1, 1), H(1, 0)), (0x3c0 | (0x3c0 << 11) | (0x1e0 << 22)) >>> 0);
});

test('vftounorm10lo / hi: f16 halves to 10-bit unorms (hi: the high half to a 2-bit unorm), clamped, x * max rounded half to even', (t) => {
  const unorm = (x: number, max: number) => { if (!(x > 0)) return 0; if (x >= 1) return max; const v = x * max; const n = Math.floor(v); return v - n > 0.5 || (v - n === 0.5 && n % 2 === 1) ? n + 1 : n; };
  for (const [lo, hi] of [[0.5, 0.25], [1.5, -3], [0.1, 0.9], [0, 1]] as const) {
    const a = H(lo, hi);
    const l = unorm(halfValue(a & 0xffff), 1023), h = halfValue(a >>> 16);
    t.is(run71('vftounorm10lo', a), (l | (unorm(h, 1023) << 16)) >>> 0, `lo(${lo}, ${hi})`);
    t.is(run71('vftounorm10hi', a), (l | (unorm(h, 3) << 16)) >>> 0, `hi(${lo}, ${hi})`);
  }
  // 0.5 * 1023 = 511.5 is a tie: even 512.
  t.is(run71('vftounorm10lo', H(0.5, 0)) & 0x3ff, 512);
});

// ---- The ops no board test runs (docs/emulator-v3d.md "7.1 ops"). Expected values follow the semantics written in
// each test, computed here in plain JS.

/**
 * Run `body` on `ver` (rf10 holds DATA; further uniforms follow it for `ldunif`) and return the 16 lanes of `reg`.
 * Hazard mode is the builder's default (error).
 */
function lanesOf(ver: 42 | 71, body: string, reg: string, uniforms: number[] = []): number[] {
  const implicit = ver === 42 ? 'r5' : 'rf0';
  const r = runAsm(ver, `
    .uniform ${[DATA, ...uniforms].map((u) => u >>> 0).join(', ')}
    nop ; nop ; ldunif
    or rf10, ${implicit}, ${implicit} ; nop
    ${body}
    eidx rf40 ; nop
    shl rf40, rf40, 2 ; nop
    add rf41, rf10, rf40 ; nop
    or tmud, ${reg}, ${reg} ; nop
    or tmua, rf41, rf41 ; nop
    tmuwt - ; nop
    ${END}`);
  return words(r, 0, 16);
}

const E = Array.from({ length: 16 }, (_, i) => i);
/** 1 in the lowest lane where `pred` holds, 0 elsewhere and everywhere if it holds nowhere. */
const firstWhere = (pred: (lane: number) => boolean): number[] => { const f = E.findIndex(pred); return E.map((i) => (i === f ? 1 : 0)); };

test('flafirst / flnafirst: 1 in the first lane whose flag A is set / clear, else 0 (Mesa nir_intrinsic_elect), on 4.2 and 7.1', (t) => {
  for (const ver of [42, 71] as const) {
    // A := (eidx & 3) == 2: lanes 2, 6, 10, 14.
    const setA = 'eidx rf1 ; nop\n    and rf2, rf1, 3 ; nop\n    sub.pushz rf3, rf2, 2 ; nop';
    t.deepEqual(lanesOf(ver, `${setA}\n    flafirst rf4 ; nop`, 'rf4'), firstWhere((e) => (e & 3) === 2), `${ver} flafirst`);
    t.deepEqual(lanesOf(ver, `${setA}\n    flnafirst rf4 ; nop`, 'rf4'), firstWhere((e) => (e & 3) !== 2), `${ver} flnafirst`);
    // A := eidx < 7 (unsigned borrow of eidx - 7): the first clear lane is 7.
    const lt7 = 'eidx rf1 ; nop\n    sub.pushc rf3, rf1, 7 ; nop';
    t.deepEqual(lanesOf(ver, `${lt7}\n    flnafirst rf4 ; nop`, 'rf4'), firstWhere((e) => !(e < 7)), `${ver} flnafirst after lanes 0..6`);
    // No lane has A: flafirst is 0 everywhere.
    const none = 'eidx rf1 ; nop\n    sub.pushz rf3, rf1, -1 ; nop';
    t.deepEqual(lanesOf(ver, `${none}\n    flafirst rf4 ; nop`, 'rf4'), E.map(() => 0), `${ver} flafirst with no A`);
  }
  // Mesa's elect: flnafirst, then xor with 1 under pushz marks exactly the first lane whose A is clear.
  const elect = lanesOf(71, `eidx rf1 ; nop
    sub.pushc rf3, rf1, 3 ; nop
    flnafirst rf4 ; nop
    xor.pushz rf5, rf4, 1 ; nop
    vfla rf6 ; nop`, 'rf6');
  t.deepEqual(elect, E.map((e) => (e === 3 ? 0x00010001 : 0)));
});

test('vfmov / vfabs / vfneg / vfnab: move, |x|, -x, -|x| of each f16 half as sign-bit operations (raddr_b sign override / xor bits)', (t) => {
  const neg = (h: number) => toHalf(-halfValue(h));
  const abs = (h: number) => toHalf(Math.abs(halfValue(h)));
  for (const [lo, hi] of [[1.5, -2.25], [-0.0001, 65504], [0, -0], [-3.14159, 0.333]] as const) {
    const a = H(lo, hi), l = a & 0xffff, h = a >>> 16;
    const pack = (x: number, y: number) => ((y << 16) | x) >>> 0;
    t.is(run71('vfmov', a), a, `vfmov(${lo}, ${hi})`);
    t.is(run71('vfabs', a), pack(abs(l), abs(h)), `vfabs(${lo}, ${hi})`);
    t.is(run71('vfneg', a), pack(neg(l), neg(h)), `vfneg(${lo}, ${hi})`);
    t.is(run71('vfnab', a), pack(neg(abs(l)), neg(abs(h))), `vfnab(${lo}, ${hi})`);
  }
  // Bit operations: a NaN keeps its payload, only its sign changes.
  t.is(run71('vfabs', 0xfd01fd01), 0x7d017d01);
  t.is(run71('vfneg', 0x7d01fd01), 0xfd017d01);
});

/** The flag pushed by `op.push` on a, b read back through vfla (0x00010001 where A is set). */
function flagOf(op: string, push: string, a: number, b: number): boolean {
  const w = lanesOf(71, `nop ; nop ; ldunif
    or rf1, rf0, rf0 ; nop ; ldunif
    or rf2, rf0, rf0 ; nop
    ${op}.${push} rf3, rf1, rf2 ; nop
    vfla rf4 ; nop`, 'rf4', [a, b]);
  return w[0] === 0x00010001;
}

test('vfcmp writes the per-half f16 difference and pushes flags from the low halves as fcmp compares (CHOICE)', (t) => {
  for (const [a0, a1, b0, b1] of [[1.5, -2.25, 0.5, 1000], [-3, 7, -3, 7], [0.1, 2, 0.2, 1]] as const) {
    const a = H(a0, a1), b = H(b0, b1);
    const lo = toHalf(halfValue(a & 0xffff) - halfValue(b & 0xffff)), hi = toHalf(halfValue(a >>> 16) - halfValue(b >>> 16));
    t.is(run71('vfcmp', a, b), ((hi << 16) | lo) >>> 0, `vfcmp(${a0}|${a1}, ${b0}|${b1})`);
    const x = halfValue(a & 0xffff), y = halfValue(b & 0xffff);
    t.is(flagOf('vfcmp', 'pushz', a, b), x === y, `Z (${a0} == ${b0})`);
    t.is(flagOf('vfcmp', 'pushn', a, b), x < y, `N (${a0} < ${b0})`);
    t.is(flagOf('vfcmp', 'pushc', a, b), x <= y, `C (${a0} <= ${b0})`);
  }
  // The high halves do not decide: equal low halves with different high halves push Z.
  t.true(flagOf('vfcmp', 'pushz', H(2, 1), H(2, -1)));
});

test('v8dot: the sum of the four byte products, bytes unsigned or signed per setnnmode_XY (X: a, Y: b; start uu)', (t) => {
  const bytes = (x: number, signed: boolean) => [0, 8, 16, 24].map((k) => { const v = (x >>> k) & 0xff; return signed && v > 127 ? v - 256 : v; });
  const dot = (a: number, b: number, sa: boolean, sb: boolean) => { const p = bytes(a, sa), q = bytes(b, sb); return (p[0]! * q[0]! + p[1]! * q[1]! + p[2]! * q[2]! + p[3]! * q[3]!) >>> 0; };
  const cases: [number, number][] = [[0x80ff0102, 0x03fe7f80], [0x01020304, 0x05060708], [0xffffffff, 0xffffffff], [0x000000ff, 0x00000003], [0x00000003, 0x000000ff]];
  for (const [a, b] of cases) {
    t.is(run71('v8dot', a, b), dot(a, b, false, false), `uu by default ${a.toString(16)} . ${b.toString(16)}`);
    for (const [mode, sa, sb] of [['uu', false, false], ['us', false, true], ['su', true, false], ['ss', true, true]] as const) {
      const w = lanesOf(71, `setnnmode_${mode} ; nop ; ldunif
    or rf1, rf0, rf0 ; nop ; ldunif
    or rf2, rf0, rf0 ; nop
    nop ; v8dot rf3, rf1, rf2`, 'rf3', [a, b]);
      t.is(w[0], dot(a, b, sa, sb), `${mode} ${a.toString(16)} . ${b.toString(16)}`);
    }
  }
  // setnnmode has no destination: the rf0 its waddr field names keeps the uniform loaded before it.
  t.deepEqual(lanesOf(71, `nop ; nop ; ldunif
    nop ; nop
    setnnmode_ss ; nop
    or rf1, rf0, rf0 ; nop`, 'rf1', [0x1234567]), E.map(() => 0x1234567));
  // 4 x 255 x 255 = 260100; 4 x (-1) x (-1) = 4.
  t.is(dot(0xffffffff, 0xffffffff, false, false), 260100);
});

test('funpack{unorm,snorm}{lo,hi}: one 16-bit half as unorm16 (c / 65535) or snorm16 (max(c / 32767, -1)) to f32 (CHOICE)', (t) => {
  const f = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0] as number;
  const s16 = (x: number) => (x >= 0x8000 ? x - 0x10000 : x);
  for (const a of [0xffff0000, 0x80007fff, 0x00018001, 0x40004000, 0x12345678]) {
    const lo = a & 0xffff, hi = a >>> 16;
    t.is(run71('funpackunormlo', a), f(lo / 65535), `unorm lo ${a.toString(16)}`);
    t.is(run71('funpackunormhi', a), f(hi / 65535), `unorm hi ${a.toString(16)}`);
    t.is(run71('funpacksnormlo', a), f(Math.max(s16(lo) / 32767, -1)), `snorm lo ${a.toString(16)}`);
    t.is(run71('funpacksnormhi', a), f(Math.max(s16(hi) / 32767, -1)), `snorm hi ${a.toString(16)}`);
  }
  // The ends: 0xffff is 1.0, 0x7fff is +1.0, both 0x8000 (-32768) and 0x8001 (-32767) are -1.0.
  t.is(run71('funpackunormhi', 0xffff0000), f(1));
  t.is(run71('funpacksnormlo', 0x80008000), f(-1));
  t.is(run71('funpacksnormhi', 0x80010000), f(-1));
  t.is(run71('funpacksnormlo', 0x7fff), f(1));
});

test('ftoc: alpha to a 4-sample coverage mask, round-half-even(clamp(alpha, 0, 1) x 4) low bits (Mesa alpha to coverage; CHOICE), 4.2 and 7.1', (t) => {
  const f = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0] as number;
  const cases: [number, number][] = [[0, 0], [0.1, 0], [0.3, 0b1], [0.5, 0b11], [0.625, 0b11], [0.875, 0b1111], [0.8, 0b111], [1, 0b1111], [7, 0b1111], [-2, 0], [NaN, 0]];
  for (const [alpha, mask] of cases) {
    t.is(run71('ftoc', f(alpha)), mask, `7.1 ftoc(${alpha})`);
    const w = lanesOf(42, `nop ; nop ; ldunif
    or rf1, r5, r5 ; nop
    ftoc rf2, rf1 ; nop`, 'rf2', [f(alpha)]);
    t.is(w[0], mask, `4.2 ftoc(${alpha})`);
  }
});
