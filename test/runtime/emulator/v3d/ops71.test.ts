import test from 'ava';
import { ALU_OPS } from '../../../../runtime/emulator/v3d/alu-ops.ts';
import { AluScratch } from '../../../../runtime/emulator/v3d/lanes.ts';
import { CODE, DATA, END, runAsm, words } from './builder.ts';

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
  def.exec(s, { flagA: new Uint8Array(16), flagB: new Uint8Array(16), rtop: new Uint32Array(16), tidx: 0, link: 0, exactSfu: false });
  if (s.d.u[0] !== w[0]) throw new Error(`${op}: interpreter ${s.d.u[0]} vs generated ${w[0]}`);
  return w[0] as number;
}

/** Ops that only the 7.1 mul ALU has. */
const MUL_ONLY = new Set(['ftounorm16', 'ftosnorm16', 'vftounorm8', 'vftosnorm8', 'vftounorm10lo', 'vftounorm10hi', 'vfmul']);

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

test('7.1 ops without documented behaviour stop with a clear error naming the address', (t) => {
  for (const op of ['flafirst rf1 ; nop', 'vfcmp rf1, rf2, rf3 ; nop', 'nop ; v8dot rf1, rf2, rf3', 'vfmov rf1, rf2 ; nop', 'nop ; funpackunormlo rf1, rf2', 'ftoc rf1, rf2 ; nop']) {
    const name = op.replace(/^nop ; /, '').split(' ')[0] as string;
    t.throws(() => runAsm(71, `nop ; nop\n${op}\n${END}`), { message: new RegExp(`'${name}' is not supported: its behaviour is undocumented.*0x${(CODE + 8).toString(16).padStart(8, '0')}`) }, op);
  }
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
