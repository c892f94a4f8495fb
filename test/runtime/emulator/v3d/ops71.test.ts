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
const MUL_ONLY = new Set(['ftounorm16', 'ftosnorm16', 'vftounorm8', 'vftosnorm8']);

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
  for (const op of ['flafirst rf1 ; nop', 'vfcmp rf1, rf2, rf3 ; nop', 'nop ; v8dot rf1, rf2, rf3', 'v11fpack rf1, rf2, rf3 ; nop']) {
    const name = op.replace(/^nop ; /, '').split(' ')[0] as string;
    t.throws(() => runAsm(71, `nop ; nop\n${op}\n${END}`), { message: new RegExp(`'${name}' is not supported: its behaviour is undocumented.*0x${(CODE + 8).toString(16).padStart(8, '0')}`) }, op);
  }
});
