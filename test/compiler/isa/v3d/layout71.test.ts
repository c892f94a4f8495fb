/**
 * V3D 7.1 has only 7 Mesa vectors, so these cases come from the documented
 * 7.1 field layout (shared/docs/v3d-encoding-notes.md sections 2, 5, 6, 9, 10):
 * words are built here by plain bit arithmetic from those tables and must
 * assemble from, and disassemble to, Mesa-format text; then every op of the
 * 7.1 table is swept with every operand kind.
 */
import test from 'ava';
import { decodeInstr } from '../../../../compiler/isa/v3d/decode.ts';
import { encodeInstr } from '../../../../compiler/isa/v3d/encode.ts';
import { disassembleInstr, disassembleWord } from '../../../../compiler/isa/v3d/disasm.ts';
import { assembleInstr } from '../../../../compiler/isa/v3d/asm.ts';
import { noSignals, nopPart, type V3dAluInstr, type V3dSignals, type Unpack, type Pack } from '../../../../compiler/isa/v3d/instr.ts';
import { V3D71, addOpInfo, mulOpInfo } from '../../../../compiler/isa/v3d/table.ts';

interface W {
  opMul?: number; sig?: number; cond?: number; mm?: number; ma?: number; waddrM?: number; waddrA?: number;
  opAdd?: number; c?: number; d?: number; a?: number; b?: number;
}

/** A 7.1 ALU word from its fields (notes section 2). Defaults: add nop, mul nop, waddrs 0 non-magic. */
function w71(f: W): bigint {
  const v = { opMul: 14, sig: 0, cond: 0, mm: 0, ma: 0, waddrM: 0, waddrA: 0, opAdd: 187, c: 0, d: 63, a: 0, b: 0, ...f };
  return (BigInt(v.opMul) << 58n) | (BigInt(v.sig) << 53n) | (BigInt(v.cond) << 46n) | (BigInt(v.mm) << 45n) |
    (BigInt(v.ma) << 44n) | (BigInt(v.waddrM) << 38n) | (BigInt(v.waddrA) << 32n) | (BigInt(v.opAdd) << 24n) |
    (BigInt(v.c) << 18n) | (BigInt(v.d) << 12n) | (BigInt(v.a) << 6n) | BigInt(v.b);
}

/** Mesa's layout: add part padded to 30, '; ' mul part, signals from column 60. */
function line(add: string, mul = 'nop', sigs: string[] = []): string {
  const s = `${add.padEnd(30)}; ${mul}`;
  return sigs.length ? s.padEnd(60) + sigs.map((x) => `; ${x}`).join('') : s;
}

const CASES: [string, bigint, string][] = [
  ['clz: op 186 raddr_b 5', w71({ opAdd: 186, b: 5, a: 7, waddrA: 3 }), line('clz rf3, rf7')],
  ['xcd: op 187 raddr_b 8', w71({ opAdd: 187, b: 8, waddrA: 9 }), line('xcd rf9')],
  ['fxcd: op 187 raddr_b 32', w71({ opAdd: 187, b: 32, waddrA: 1 }), line('fxcd rf1')],
  ['setnnmode_ss: op 187 raddr_b 51', w71({ opAdd: 187, b: 51 }), line('setnnmode_ss ')],
  ['recip: op 188 raddr_b 32', w71({ opAdd: 188, b: 32, a: 2, waddrA: 1 }), line('recip rf1, rf2')],
  ['allfeq: op 188 raddr_b 41', w71({ opAdd: 188, b: 41, a: 4, waddrA: 5 }), line('allfeq rf5, rf4')],
  ['ldvpmv_out: op 188 raddr_b 0 with ma', w71({ opAdd: 188, b: 0, a: 4, waddrA: 5, ma: 1 }), line('ldvpmv_out rf5, rf4')],
  ['stvpmd: op 190 waddr_a 1', w71({ opAdd: 190, waddrA: 1, a: 3, b: 4 }), line('stvpmd rf3, rf4')],
  ['vfneg: op 191 raddr_b 10', w71({ opAdd: 191, b: 10, a: 6, waddrA: 2 }), line('vfneg rf2, rf6')],
  ['fcmp: 192 + a*4 + b, no pack', w71({ opAdd: 192 + 0 * 4 + 3, a: 1, b: 2, waddrA: 3 }), line('fcmp rf3, rf1.abs, rf2.h')],
  ['vfcmp: 208 + f16 unpack of a', w71({ opAdd: 208 + 4, a: 1, b: 2, waddrA: 3 }), line('vfcmp rf3, rf1.swp, rf2')],
  ['vfsub: 112 + f16 unpack', w71({ opAdd: 112 + 2, a: 1, b: 2, waddrA: 3 }), line('vfsub rf3, rf1.ll, rf2')],
  ['ftoin: 245 raddr_b 0b00UU11, unpack h', w71({ opAdd: 245, b: (3 << 2) | 3, a: 4, waddrA: 3 }), line('ftoin rf3, rf4.h')],
  ['ftrunc: 245 raddr_b 0b01UUPP, .l pack, .l unpack', w71({ opAdd: 245, b: (1 << 4) | (2 << 2) | 1, a: 4, waddrA: 3 }), line('ftrunc rf3.l, rf4.l')],
  ['ftoc: 245 raddr_b 0b11UU11', w71({ opAdd: 245, b: (3 << 4) | (1 << 2) | 3, a: 4, waddrA: 3 }), line('ftoc rf3, rf4')],
  ['fdy: 246 raddr_b 0b01UUPP', w71({ opAdd: 246, b: (1 << 4) | (1 << 2) | 2, a: 4, waddrA: 3 }), line('fdy rf3.h, rf4')],
  ['itof: 246 raddr_b 32 + pack', w71({ opAdd: 246, b: 32 | 1, a: 4, waddrA: 3 }), line('itof rf3.l, rf4')],
  ['utof: 246 raddr_b 36', w71({ opAdd: 246, b: 36, a: 4, waddrA: 3 }), line('utof rf3, rf4')],
  ['add fmov: 249 raddr_b unpack<<2 | pack (nsat = 5)', w71({ opAdd: 249, b: (5 << 2) | 2, a: 8, waddrA: 7 }), line('fmov rf7.h, rf8.nsat')],
  ['add mov: 249 raddr_b int32 unpack<<2 | 3 (il = 3)', w71({ opAdd: 249, b: (3 << 2) | 3, a: 8, waddrA: 7 }), line('mov rf7, rf8.il')],
  ['shuffle: 254', w71({ opAdd: 254, a: 1, b: 2, waddrA: 3 }), line('shuffle rf3, rf1, rf2')],
  ['v11fpack: 251', w71({ opAdd: 251, a: 1, b: 2, waddrA: 3 }), line('v11fpack rf3, rf1, rf2')],
  ['mul mov: 14 raddr_d 0b1011 (uh)', w71({ opMul: 14, d: (2 << 2) | 3, c: 5, waddrM: 6 }), line('nop ', 'mov rf6, rf5.uh')],
  ['mul fmov: 14 raddr_d max0<<2 | l', w71({ opMul: 14, d: (6 << 2) | 1, c: 5, waddrM: 6 }), line('nop ', 'fmov rf6.l, rf5.max0')],
  ['vftounorm10hi: 14 raddr_d 49', w71({ opMul: 14, d: 49, c: 5, waddrM: 6 }), line('nop ', 'vftounorm10hi rf6, rf5')],
  ['funpacksnormlo: 14 raddr_d 38', w71({ opMul: 14, d: 38, c: 5, waddrM: 6 }), line('nop ', 'funpacksnormlo rf6, rf5')],
  ['vfmul .swp: op_mul 8', w71({ opMul: 8, c: 1, d: 2, waddrM: 3 }), line('nop ', 'vfmul rf3, rf1.swp, rf2')],
  ['fmul .h pack: op_mul 16 + (2+1)... field holds pack+1', w71({ opMul: 16 + 2 * 16 + 1 * 4 + 2, c: 1, d: 2, waddrM: 3 }), line('nop ', 'fmul rf3.h, rf1, rf2.l')],
  ['small immediate on mul b: sig 31', w71({ opMul: 11, sig: 31, c: 1, d: 16, waddrM: 3 }), line('nop ', 'v8dot rf3, rf1, -16')],
  ['small immediate on mul a: sig 30, float', w71({ opMul: 1, sig: 30, c: 40, d: 2, waddrM: 3 }), line('nop ', 'add rf3, 0x3f800000, rf2')],
  // fadd needs key(a) <= key(b) with key = small_imm*256 + unpack*64 + raddr (section 11): the immediate goes to b.
  ['fadd rf1, 1, rf2 is packed with the immediate in b (sig 15)', w71({ opAdd: 0 + 1 * 4 + 1, sig: 15, a: 2, b: 1, waddrA: 1 }), line('fadd rf1, rf2, 1')],
  ['faddnf needs key(a) > key(b): immediate in a (sig 14)', w71({ opAdd: 5, sig: 14, a: 1, b: 2, waddrA: 1 }), line('faddnf rf1, 1, rf2')],
  ['fmax rf1, rf9, rf3: larger raddr in a', w71({ opAdd: 128 + 5, a: 9, b: 3, waddrA: 1 }), line('fmax rf1, rf9, rf3')],
  ['magic quad (5) and rep (55) names on 7.1', w71({ opAdd: 56, a: 1, b: 2, waddrA: 5, ma: 1, opMul: 1, c: 1, d: 2, waddrM: 55, mm: 1 }), line('add quad, rf1, rf2', 'add rep, rf1, rf2')],
  ['ldtmu+wrtmuc (sig 26) with signal address rf7', w71({ sig: 26, cond: 7 }), line('nop ', 'nop', ['ldtmu.rf7', 'wrtmuc'])],
  ['thrsw+ldtmu+wrtmuc (sig 27) to magic tmua', w71({ sig: 27, cond: 64 | 12 }), line('nop ', 'nop', ['thrsw', 'ldtmu.tmua', 'wrtmuc'])],
];

for (const [what, word, text] of CASES) {
  test(`7.1 layout: ${what}`, (t) => {
    t.is(disassembleWord(word, 71), text);
    t.is(encodeInstr(decodeInstr(word, 71), 71), word);
    const asmText = what.startsWith('fadd rf1, 1') ? line('fadd rf1, 1, rf2') : text;
    t.is(assembleInstr(asmText, 71), word);
  });
}

test('7.1 rejects what the layout reserves: sig 23, 28, 29; op_mul 15; vfcmp 213; fmov unpack 7; 4.2 nop word', (t) => {
  for (const w of [w71({ sig: 23 }), w71({ sig: 28 }), w71({ sig: 29 }), w71({ opMul: 15 }), w71({ opAdd: 213 }),
    w71({ opMul: 14, d: (7 << 2) | 0 }), 0x3c003186bb800000n]) {
    t.throws(() => decodeInstr(w, 71), undefined, `0x${w.toString(16)}`);
  }
});

const F32: Unpack[] = ['none', 'abs', 'l', 'h'];

/** Every add and mul op of the 7.1 table, every operand kind (register, small immediate per slot), unpack and pack. */
test('7.1 sweep: every op x operand kinds x modifiers encodes, decodes back and prints in Mesa format', (t) => {
  let n = 0;
  for (const isAdd of [true, false]) {
    for (const row of isAdd ? V3D71.add : V3D71.mul) {
      const info = (isAdd ? addOpInfo : mulOpInfo)(row.op, 71);
      if (!info) throw new Error(row.op);
      // vfpack cannot take .abs (its abs codes are the add/sub opcodes); fmov has the 3-bit 7.1 codes.
      const unpacks: Unpack[] = row.mods === 'vfpack' ? ['none', 'l', 'h']
        : info.inputKind === 'f32' ? (row.mods === 'fmov71' ? [...F32, 'sat', 'nsat', 'max0'] : F32)
        : info.inputKind === 'f16x2' ? ['none', 'ff', 'll', 'hh', 'swp'] : info.inputKind === 'int32' ? ['none', 'ul', 'uh', 'il', 'ih'] : ['none'];
      const packs: Pack[] = info.hasPack ? ['none', 'l', 'h'] : ['none'];
      const immSlots = [-1, ...Array.from({ length: info.numSrc }, (_, i) => i)];
      for (const imm of immSlots) for (const ua of info.numSrc ? unpacks : ['none' as Unpack]) for (const pack of packs) {
        if (row.op === 'faddnf' || row.op === 'fmax') continue; // covered by the ordering cases above
        const ub: Unpack = info.bUnpack ? 'l' : 'none';
        const sig: V3dSignals = noSignals();
        const slot = isAdd ? (imm === 0 ? 'smallImmA' : 'smallImmB') : imm === 0 ? 'smallImmC' : 'smallImmD';
        if (imm >= 0) sig[slot] = true;
        const a = { mux: 0, raddr: imm === 0 ? 33 : 12, unpack: info.numSrc >= 1 ? ua : 'none' as Unpack };
        const b = { mux: 0, raddr: info.numSrc === 2 ? (imm === 1 ? 40 : 20) : 0, unpack: info.numSrc === 2 ? ub : 'none' as Unpack };
        const p = { op: row.op, a, b, waddr: info.waddrSelect ?? 17, magic: false, pack };
        const nop = { ...nopPart(), waddr: 0, magic: false };
        const x: V3dAluInstr = {
          kind: 'alu', sig, sigAddr: 0, sigMagic: false, raddrA: isAdd ? a.raddr : 0, raddrB: isAdd ? b.raddr : 0, flags: {},
          add: isAdd ? p : nop, mul: isAdd ? { ...nopPart(), op: 'nop', waddr: 0, magic: false } : p,
        };
        if (row.op === 'fadd' || row.op === 'fmin') {
          // Only the operand orders fadd/fmin keep: key(a) <= key(b), key = imm*256 + f32 code*64 + raddr (section 11).
          const key = (u: Unpack, raddr: number, isImm: boolean) => (isImm ? 256 : 0) + ['abs', 'none', 'l', 'h'].indexOf(u) * 64 + raddr;
          if (key(a.unpack, a.raddr, imm === 0) > key(b.unpack, b.raddr, imm === 1)) continue;
        }
        const y = decodeInstr(encodeInstr(x, 71), 71);
        t.deepEqual(y, x, `${row.op} imm=${imm} ua=${ua} pack=${pack}`);
        const opnd = (raddr: number, isImm: boolean, u: Unpack) => {
          const v = isImm ? (raddr === 33 ? '0x3c000000' : raddr === 40 ? '0x3f800000' : String(raddr)) : `rf${raddr}`;
          return v + (u === 'none' ? '' : `.${u}`);
        };
        const ops: string[] = [];
        if (info.hasDestination) ops.push(`rf17${pack === 'none' ? '' : `.${pack}`}`);
        if (info.numSrc >= 1) ops.push(opnd(a.raddr, imm === 0, a.unpack));
        if (info.numSrc === 2) ops.push(opnd(b.raddr, imm === 1, b.unpack));
        const part = `${row.op} ${ops.join(', ')}`;
        const expected = isAdd ? line(part) : line('nop ', ops.length || row.op !== 'nop' ? part : 'nop');
        t.is(disassembleInstr(x, 71), expected);
        n++;
      }
    }
  }
  t.log(`${n} cases`);
  t.true(n > 300, `${n} cases`);
});
