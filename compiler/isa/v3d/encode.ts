/**
 * Structured V3D instruction → 64-bit word, driven by table.ts. Produces the
 * word Mesa's packer produces (v3d_qpu_instr_pack), including its choice of
 * operand order for fadd/faddnf and fmin/fmax (notes section 11): the caller
 * may give the operands in either order.
 *
 * The encoder checks only what it needs to produce bits (the op exists on the
 * version, modifiers and fields are encodable). Rules about which encodable
 * combinations make sense live in validate.ts.
 */
import type { Pack, Unpack, V3dAluInstr, V3dAluPart, V3dBranchInstr, V3dFlags, V3dInput, V3dInstr, V3dSignals, V3dVersion } from './instr.ts';
import {
  BRANCH_CONDS, BRANCH_DESTS, CONDS, F16_UNPACK, F32_UNPACK, I32_UNPACK, MSFIGNS, PACKS, PUSH_FLAGS, UPDATE_FLAGS,
  isaTable, type OpRow, type SignalName, type V3dIsaTable,
} from './table.ts';
import { F, WordBuilder } from './fields.ts';
import { orderKey, writesAddress } from './decode.ts';

/** An instruction object that has no encoding on the requested version. */
export class EncodeError extends Error {}

function code<T extends string>(list: readonly (T | null)[], value: string, what: string, max = list.length - 1): number {
  const i = list.indexOf(value as T);
  if (i < 0 || i > max) throw new EncodeError(`${what} '${value}' is not encodable here`);
  return i;
}

interface ModBits {
  opcode: number;
  sel: number;
}

/** Place pack/unpack modifiers into the opcode and selector (inverse of decodeMods). */
function encodeMods(row: OpRow, pack: Pack, ua: Unpack, ub: Unpack, ver: V3dVersion, what: string): ModBits {
  const lo = row.opc[0] as number;
  const none = (v: string, field: string) => {
    if (v !== 'none') throw new EncodeError(`${what}: ${row.op} has no ${field} (got '${v}')`);
  };
  const p = () => code(PACKS, pack, `${what}: output pack`);
  const f32 = (u: Unpack, max: number) => code(F32_UNPACK, u, `${what}: ${row.op} input unpack`, max);
  switch (row.mods ?? 'none') {
    case 'none':
      none(pack, 'output pack'), none(ua, 'unpack of a'), none(ub, 'unpack of b');
      return { opcode: lo, sel: 0 };
    case 'f32ab':
    case 'fmul':
      return { opcode: lo + p() * 16 + f32(ua, 3) * 4 + f32(ub, 3), sel: 0 };
    case 'f32ab_np':
      none(pack, 'output pack');
      return { opcode: lo + f32(ua, 3) * 4 + f32(ub, 3), sel: 0 };
    case 'vfpack': {
      none(pack, 'output pack');
      if (ua === 'abs' || ub === 'abs') throw new EncodeError(`${what}: vfpack inputs cannot take .abs`);
      return { opcode: (lo & ~15) | (f32(ua, 3) << 2) | f32(ub, 3), sel: 0 };
    }
    case 'f16a':
      none(pack, 'output pack'), none(ub, 'unpack of b');
      return { opcode: lo + code(F16_UNPACK, ua, `${what}: ${row.op} f16x2 unpack`), sel: 0 };
    case 'round42': {
      if (!row.pack) none(pack, 'output pack');
      if (ua === 'abs') throw new EncodeError(`${what}: ${row.op} cannot take .abs on V3D 4.2`);
      return { opcode: (lo & ~12) | (f32(ua, 3) << 2), sel: row.pack ? p() : 0 };
    }
    case 'round71':
      if (!row.pack) none(pack, 'output pack');
      return { opcode: lo, sel: (f32(ua, 3) << 2) | (row.pack ? p() : 0) };
    case 'cvt':
      none(ua, 'unpack of a');
      return { opcode: lo, sel: p() };
    case 'fmov42': {
      const pc = p();
      return { opcode: lo | (pc >> 1), sel: ((pc & 1) << 2) | f32(ua, 3) };
    }
    case 'fmov71':
      return { opcode: lo, sel: (f32(ua, ver === 71 ? 6 : 3) << 2) | p() };
    case 'mov71':
      none(pack, 'output pack');
      return { opcode: lo, sel: code(I32_UNPACK, ua, `${what}: mov int32 unpack`) << 2 };
  }
}

/** Per table: the first row of each op name, and the first signal-table index of each signal set (its sorted names). */
const LOOKUP = new WeakMap<V3dIsaTable, { add: Map<string, OpRow>; mul: Map<string, OpRow>; signals: Map<string, number> }>();

function lookup(t: V3dIsaTable): { add: Map<string, OpRow>; mul: Map<string, OpRow>; signals: Map<string, number> } {
  let l = LOOKUP.get(t);
  if (!l) {
    const rows = (list: readonly OpRow[]) => {
      const m = new Map<string, OpRow>();
      for (const r of list) if (!m.has(r.op)) m.set(r.op, r);
      return m;
    };
    const signals = new Map<string, number>();
    t.signals.forEach((set, i) => {
      // A set that repeats a name would not match the linear search's length test: leave it to the search.
      if (set === null || new Set(set).size !== set.length) return;
      const key = [...set].sort().join(',');
      if (!signals.has(key)) signals.set(key, i);
    });
    LOOKUP.set(t, (l = { add: rows(t.add), mul: rows(t.mul), signals }));
  }
  return l;
}

function findRow(t: V3dIsaTable, isAdd: boolean, op: string): OpRow {
  const row = (isAdd ? lookup(t).add : lookup(t).mul).get(op);
  if (!row) throw new EncodeError(`V3D ${t.ver / 10} has no ${isAdd ? 'add' : 'mul'} op '${op}'`);
  return row;
}

function checkRange(v: number, max: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new EncodeError(`${what} ${v} out of range 0..${max}`);
  return v;
}

/** Encode one ALU half into `w`; may flip sig.smallImmA/B when it swaps 7.1 fadd/fmin operands. */
function encodePart(w: WordBuilder, t: V3dIsaTable, part: V3dAluPart, isAdd: boolean, sig: V3dSignals): void {
  const v71 = t.ver === 71;
  const which = isAdd ? 'add' : 'mul';
  const row = findRow(t, isAdd, part.op);
  const nsrc = row.args.includes('b') ? 2 : row.args.includes('a') ? 1 : 0;
  let a: V3dInput = part.a;
  let b: V3dInput = part.b;
  if (nsrc < 2 && b.unpack !== 'none') throw new EncodeError(`${which} ${part.op} reads no input b but b has unpack .${b.unpack}`);
  if (nsrc < 1 && a.unpack !== 'none') throw new EncodeError(`${which} ${part.op} reads no input a but a has unpack .${a.unpack}`);
  if (row.order) {
    const sel = (x: V3dInput) => (v71 ? x.raddr : x.mux);
    const ka = orderKey(t.ver, a.unpack, sel(a), isAdd && sig.smallImmA);
    const kb = orderKey(t.ver, b.unpack, sel(b), isAdd && sig.smallImmB);
    if (ka === kb && row.order === 'gt') {
      throw new EncodeError(`${part.op} with two identical operands cannot be encoded (it would read as ${part.op === 'fmax' ? 'fmin' : 'fadd'})`);
    }
    if ((ka > kb) !== (row.order === 'gt')) {
      [a, b] = [b, a];
      if (v71 && sig.smallImmA !== sig.smallImmB) [sig.smallImmA, sig.smallImmB] = [sig.smallImmB, sig.smallImmA];
    }
  }
  const m = encodeMods(row, part.pack, a.unpack, b.unpack, t.ver, which);
  const selBase = row.sel ? row.sel[0] : 0;
  let bField: number;
  let aField: number;
  if (v71) {
    bField = row.sel || row.mods === 'fmov71' || row.mods === 'mov71' ? selBase | m.sel : nsrc === 2 ? checkRange(b.raddr, 63, `${which} b raddr`) : 0;
    aField = checkRange(a.raddr, 63, `${which} a raddr`);
  } else {
    bField = row.sel || row.mods === 'fmov42' ? selBase | m.sel : nsrc === 2 ? checkRange(b.mux, 7, `${which} b mux`) : 0;
    aField = nsrc >= 1 ? checkRange(a.mux, 7, `${which} a mux`) : row.asel ? row.asel[0] : 0;
    if (row.asel && nsrc >= 1 && (aField < row.asel[0] || aField > row.asel[1])) {
      throw new EncodeError(`${which} ${part.op} cannot read mux ${aField} (that encoding is another op)`);
    }
  }
  if (row.ma !== undefined && part.magic) throw new EncodeError(`${part.op} writes the register file; magic destination not allowed`);
  const waddr = row.waddr ?? checkRange(part.waddr, 63, `${which} waddr`);
  const magic = row.waddr !== undefined ? false : row.ma ?? part.magic;
  w.put(m.opcode, isAdd ? F.opAdd : F.opMul, `${which} opcode`);
  w.put(bField, v71 ? (isAdd ? F.raddrB : F.raddrD) : isAdd ? F.addB : F.mulB, `${which} b`);
  w.put(aField, v71 ? (isAdd ? F.raddrA : F.raddrC) : isAdd ? F.addA : F.mulA, `${which} a`);
  w.put(waddr, isAdd ? F.waddrA : F.waddrM, `${which} waddr`);
  w.put(magic ? 1 : 0, isAdd ? F.ma : F.mm, `${which} magic`);
}

/** The sig field value of a signal set on a version. */
export function encodeSignals(t: V3dIsaTable, sig: V3dSignals): number {
  const on = (Object.keys(sig) as SignalName[]).filter((k) => sig[k]);
  const i = lookup(t).signals.get([...on].sort().join(',')) ?? t.signals.findIndex((s) => s !== null && s.length === on.length && on.every((n) => s.includes(n)));
  if (i < 0) throw new EncodeError(`signals {${on.join(', ')}} cannot be combined in one V3D ${t.ver / 10} instruction`);
  return i;
}

/** The cond field value of a flag set (Mesa's v3d_qpu_flags_pack). */
export function encodeFlags(f: V3dFlags): number {
  const cond = (c: string) => code(CONDS, c, 'condition');
  const pf = (p: string | undefined) => (p === undefined ? 0 : code(PUSH_FLAGS, p, 'push flag'));
  const uf = (u: string) => code(UPDATE_FLAGS, u, 'update flag') + 4;
  const key = ['ac', 'mc', 'apf', 'mpf', 'auf', 'muf'].filter((k) => f[k as keyof V3dFlags] !== undefined).join(',');
  switch (key) {
    case '': return 0;
    case 'apf': return pf(f.apf);
    case 'auf': return uf(f.auf as string);
    case 'mpf': return 0x10 | pf(f.mpf);
    case 'muf': return 0x10 | uf(f.muf as string);
    case 'ac': case 'ac,mpf': return 0x20 | (cond(f.ac as string) << 2) | pf(f.mpf);
    case 'mc': case 'mc,apf': return 0x30 | (cond(f.mc as string) << 2) | pf(f.apf);
    case 'ac,mc': return 0x40 | (cond(f.mc as string) << 4) | cond(f.ac as string);
    case 'mc,auf': return 0x40 | (cond(f.mc as string) << 4) | uf(f.auf as string);
    default:
      throw new EncodeError(`flag combination {${key}} cannot be encoded (see the cond field table)`);
  }
}

function encodeAlu(t: V3dIsaTable, instr: V3dAluInstr): bigint {
  const sig = { ...instr.sig };
  const w = new WordBuilder();
  if (t.ver === 42) {
    w.put(checkRange(instr.raddrA, 63, 'raddr_a'), F.raddrA, 'raddr_a');
    w.put(checkRange(instr.raddrB, 63, 'raddr_b'), F.raddrB, 'raddr_b');
  }
  encodePart(w, t, instr.add, true, sig);
  encodePart(w, t, instr.mul, false, sig);
  w.put(encodeSignals(t, sig), F.sig, 'sig');
  let cond: number;
  if (writesAddress(instr.sig)) {
    if (Object.values(instr.flags).some((v) => v !== undefined)) {
      throw new EncodeError('an address-writing signal uses the cond field: the instruction cannot have conditions or flag updates');
    }
    cond = checkRange(instr.sigAddr, 63, 'signal address') | (instr.sigMagic ? 64 : 0);
  } else {
    cond = encodeFlags(instr.flags);
  }
  w.put(cond, F.cond, 'cond');
  return w.word();
}

function encodeBranch(b: V3dBranchInstr): bigint {
  const off = b.offset;
  if (!Number.isInteger(off) || off < -(2 ** 31) || off >= 2 ** 32 || (off & 7) !== 0) {
    throw new EncodeError(`branch offset ${off} must be a 32-bit multiple of 8`);
  }
  const u = off >>> 0;
  const w = new WordBuilder();
  w.put(16, F.sig, 'sig');
  w.put(code(BRANCH_CONDS, b.cond, 'branch condition'), F.brCond, 'cond');
  w.put(code(MSFIGNS, b.msfign, 'msfign'), F.brMsfign, 'msfign');
  w.put(code(BRANCH_DESTS, b.bdi, 'branch destination'), F.brBdi, 'bdi');
  w.put(b.ub ? 1 : 0, F.brUb, 'ub');
  w.put(code(BRANCH_DESTS, b.bdu, 'uniform destination'), F.brBdu, 'bdu');
  w.put(checkRange(b.raddrA, 63, 'branch raddr_a'), F.raddrA, 'raddr_a');
  w.put((u & 0x00ffffff) >>> 3, F.brAddrLow, 'offset');
  w.put(u >>> 24, F.brAddrHigh, 'offset');
  w.put(b.link ? 1 : 0, F.brLink, 'link');
  return w.word();
}

/** Encode one instruction for `ver`; throws EncodeError if it has no encoding there. */
export function encodeInstr(instr: V3dInstr, ver: V3dVersion): bigint {
  const t = isaTable(ver);
  return instr.kind === 'branch' ? encodeBranch(instr) : encodeAlu(t, instr);
}
