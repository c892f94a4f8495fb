/**
 * 64-bit word → structured V3D instruction, driven by table.ts.
 *
 * Conventions of the decoded object (the encoder relies on them, so that
 * encode(decode(w)) == w for every word Mesa's packer can produce):
 *  - Inputs an op does not read are {mux: 0, raddr: 0, unpack: 'none'},
 *    except on 7.1 where add input a / mul input a always carry raddr_a /
 *    raddr_c (Mesa carries those fields through for zero-source ops).
 *  - Selector bits (mux or raddr fields that choose the op) are not kept:
 *    the op name and pack/unpack say everything they held.
 *  - On 4.2 raddrA/raddrB are the raw register-file ports; on 7.1 they mirror
 *    add.a.raddr / add.b.raddr.
 *  - stvpm* decode with waddr = their selector (0/1/2) and magic = false;
 *    ldvpm*_out have magic = false (the ma bit chose the op).
 */
import { DecodeError } from '../isa.ts';
import {
  noSignals, type Pack, type Unpack, type V3dAluInstr, type V3dAluPart, type V3dBranchInstr, type V3dFlags,
  type V3dInput, type V3dInstr, type V3dSignals, type V3dVersion,
} from './instr.ts';
import {
  ADDRESS_SIGNALS, BRANCH_CONDS, BRANCH_DESTS, CONDS, F16_UNPACK, F32_UNPACK, I32_UNPACK, MSFIGNS, PACKS,
  PUSH_FLAGS, UPDATE_FLAGS, isaTable, selectorModMask, type OpRow, type V3dIsaTable,
} from './table.ts';
import { F, get, inRanges } from './fields.ts';

/** Modifiers an op's encoding holds. */
export interface Mods {
  pack: Pack;
  ua: Unpack;
  ub: Unpack;
}

const NO_MODS: Mods = { pack: 'none', ua: 'none', ub: 'none' };

function f32(code: number, ver: V3dVersion): Unpack | undefined {
  if (code >= 4 && ver < 71) return undefined;
  return F32_UNPACK[code];
}

/** Decode the modifiers of a matched row; undefined if the bits are not a valid combination. */
export function decodeMods(row: OpRow, opcode: number, sel: number, ver: V3dVersion): Mods | undefined {
  const rel = opcode - (row.opc[0] as number);
  const pack = (code: number): Pack | undefined => PACKS[code];
  switch (row.mods ?? 'none') {
    case 'none':
      return NO_MODS;
    case 'f32ab':
    case 'fmul': {
      const p = pack(rel >> 4);
      const ua = f32((rel >> 2) & 3, ver);
      const ub = f32(rel & 3, ver);
      return p && ua && ub ? { pack: p, ua, ub } : undefined;
    }
    case 'f32ab_np': {
      const ua = f32((rel >> 2) & 3, ver);
      const ub = f32(rel & 3, ver);
      return ua && ub ? { pack: 'none', ua, ub } : undefined;
    }
    case 'vfpack': {
      const a = (opcode >> 2) & 3;
      const b = opcode & 3;
      if (a === 0 || b === 0) return undefined;
      return { pack: 'none', ua: F32_UNPACK[a] as Unpack, ub: F32_UNPACK[b] as Unpack };
    }
    case 'f16a': {
      const ua = F16_UNPACK[rel];
      return ua ? { pack: 'none', ua, ub: 'none' } : undefined;
    }
    case 'round42': {
      const p = row.pack ? pack(sel & 3) : 'none';
      const u = (opcode >> 2) & 3;
      return p && u !== 0 ? { pack: p, ua: F32_UNPACK[u] as Unpack, ub: 'none' } : undefined;
    }
    case 'round71': {
      const p = row.pack ? pack(sel & 3) : 'none';
      return p ? { pack: p, ua: F32_UNPACK[(sel >> 2) & 3] as Unpack, ub: 'none' } : undefined;
    }
    case 'cvt': {
      const p = pack(sel & 3);
      return p ? { pack: p, ua: 'none', ub: 'none' } : undefined;
    }
    case 'fmov42': {
      // Opcode 15 means pack .h; mux_b bit 2 means pack .l (both at once is not fmov).
      const p = pack(((opcode & 1) << 1) + ((sel >> 2) & 1));
      return p ? { pack: p, ua: F32_UNPACK[sel & 3] as Unpack, ub: 'none' } : undefined;
    }
    case 'fmov71': {
      const p = pack(sel & 3);
      const ua = f32((sel >> 2) & 7, ver);
      return p && ua ? { pack: p, ua, ub: 'none' } : undefined;
    }
    case 'mov71': {
      const ua = I32_UNPACK[(sel >> 2) & 7];
      return ua ? { pack: 'none', ua, ub: 'none' } : undefined;
    }
  }
}

/** The ordering key of one fadd/fmin operand (notes section 11). */
export function orderKey(ver: V3dVersion, unpack: Unpack, muxOrRaddr: number, smallImm: boolean): number {
  const code = F32_UNPACK.indexOf(unpack as (typeof F32_UNPACK)[number]);
  return ver === 42 ? code * 8 + muxOrRaddr : (smallImm ? 256 : 0) + code * 64 + muxOrRaddr;
}

interface PartFields {
  opcode: number;
  /** Selector / b field: 4.2 b mux, 7.1 raddr_b or raddr_d. */
  b: number;
  /** 4.2 a mux, 7.1 raddr_a or raddr_c. */
  a: number;
  waddr: number;
  magicBit: boolean;
  smallImmA: boolean;
  smallImmB: boolean;
}

function matchRow(
  t: V3dIsaTable, rows: readonly OpRow[], isAdd: boolean, p: PartFields,
): { row: OpRow; mods: Mods } | undefined {
  let lookup = p.opcode;
  if (isAdd) for (const [lo, hi, to] of t.addOpcodeFold) if (lookup >= lo && lookup <= hi) lookup = lookup - lo + to;
  for (const row of rows) {
    if (!inRanges(lookup, row.opc)) continue;
    if (row.sel && !inRanges(p.b & ~selectorModMask(row, t.ver), row.sel)) continue;
    if (row.asel && !inRanges(p.a, row.asel)) continue;
    if (row.ma !== undefined && row.ma !== p.magicBit) continue;
    if (row.waddr !== undefined && row.waddr !== p.waddr) continue;
    const mods = decodeMods(row, p.opcode, p.b, t.ver);
    if (!mods) continue;
    if (row.order) {
      const ka = orderKey(t.ver, mods.ua, p.a, p.smallImmA);
      const kb = orderKey(t.ver, mods.ub, p.b, p.smallImmB);
      if ((ka > kb) !== (row.order === 'gt')) continue;
    }
    return { row, mods };
  }
  return undefined;
}

function input(mux: number, raddr: number, unpack: Unpack): V3dInput {
  return { mux, raddr, unpack };
}

function decodePart(t: V3dIsaTable, word: bigint, isAdd: boolean, sig: V3dSignals): V3dAluPart {
  const v71 = t.ver === 71;
  const p: PartFields = {
    opcode: get(word, isAdd ? F.opAdd : F.opMul),
    b: get(word, v71 ? (isAdd ? F.raddrB : F.raddrD) : isAdd ? F.addB : F.mulB),
    a: get(word, v71 ? (isAdd ? F.raddrA : F.raddrC) : isAdd ? F.addA : F.mulA),
    waddr: get(word, isAdd ? F.waddrA : F.waddrM),
    magicBit: get(word, isAdd ? F.ma : F.mm) === 1,
    smallImmA: isAdd && sig.smallImmA,
    smallImmB: isAdd && sig.smallImmB,
  };
  const m = matchRow(t, isAdd ? t.add : t.mul, isAdd, p);
  const which = isAdd ? 'add' : 'mul';
  if (!m) {
    throw new DecodeError(
      `invalid V3D ${t.ver / 10} ${which} op: opcode ${p.opcode} with ${v71 ? 'raddr' : 'mux'} a=${p.a} b=${p.b}` +
        (isAdd ? ` waddr=${p.waddr}` : ''),
      word,
    );
  }
  const { row, mods } = m;
  const nsrc = row.args.includes('b') ? 2 : row.args.includes('a') ? 1 : 0;
  const a = v71 ? input(0, p.a, nsrc >= 1 ? mods.ua : 'none') : nsrc >= 1 ? input(p.a, 0, mods.ua) : input(0, 0, 'none');
  const b = nsrc === 2 ? (v71 ? input(0, p.b, mods.ub) : input(p.b, 0, mods.ub)) : input(0, 0, 'none');
  const fixedDest = row.ma !== undefined || row.waddr !== undefined;
  return { op: row.op, a, b, waddr: p.waddr, magic: fixedDest ? false : p.magicBit, pack: mods.pack };
}

/** Decode the cond field as flags (notes section 4). */
function decodeFlags(c: number, word: bigint): V3dFlags {
  const f: V3dFlags = {};
  const cond = (i: number) => CONDS[i & 3] as (typeof CONDS)[number];
  const uf = (code: number) => UPDATE_FLAGS[code - 4] as (typeof UPDATE_FLAGS)[number];
  const pf = (code: number) => PUSH_FLAGS[code & 3] ?? undefined;
  if (c === 0) return f;
  if (c < 4) f.apf = pf(c);
  else if (c < 16) f.auf = uf(c);
  else if (c === 16) throw new DecodeError('invalid V3D cond field 0x10', word);
  else if (c < 20) f.mpf = pf(c);
  else if (c < 32) f.muf = uf(c & 15);
  else if (c < 48) {
    f.ac = cond(c >> 2);
    const p = pf(c);
    if (p) f.mpf = p;
  } else if (c < 64) {
    f.mc = cond(c >> 2);
    const p = pf(c);
    if (p) f.apf = p;
  } else {
    f.mc = cond(c >> 4);
    if (((c >> 2) & 3) === 0) f.ac = cond(c);
    else f.auf = uf(c & 15);
  }
  return f;
}

/** Decode the signal field; throws for reserved values. */
export function decodeSignals(t: V3dIsaTable, code: number, word: bigint): V3dSignals {
  const names = t.signals[code];
  if (!names) throw new DecodeError(`reserved V3D ${t.ver / 10} signal value ${code}`, word);
  const sig = noSignals();
  for (const n of names) sig[n] = true;
  return sig;
}

/** Whether the signals write the address held in the cond field. */
export function writesAddress(sig: V3dSignals): boolean {
  return ADDRESS_SIGNALS.some((n) => sig[n]);
}

function decodeAlu(t: V3dIsaTable, word: bigint): V3dAluInstr {
  const sig = decodeSignals(t, get(word, F.sig), word);
  const c = get(word, F.cond);
  const addr = writesAddress(sig);
  const add = decodePart(t, word, true, sig);
  const mul = decodePart(t, word, false, sig);
  const raddrA = t.ver === 42 ? get(word, F.raddrA) : add.a.raddr;
  const raddrB = t.ver === 42 ? get(word, F.raddrB) : add.b.raddr;
  // An immediate index above 47 has no value; only operands the ops read matter (Mesa does not check).
  const readsA = (rows: readonly OpRow[], op: string) => (rows.find((r) => r.op === op)?.args.includes('a') ?? false);
  const imm: [boolean, number][] = t.ver === 42
    ? [[sig.smallImmB && [add.a, add.b, mul.a, mul.b].some((i) => i.mux === 7), raddrB]]
    : [[sig.smallImmA && readsA(t.add, add.op), add.a.raddr], [sig.smallImmB, add.b.raddr],
      [sig.smallImmC && readsA(t.mul, mul.op), mul.a.raddr], [sig.smallImmD, mul.b.raddr]];
  for (const [on, idx] of imm) {
    if (on && idx >= 48) throw new DecodeError(`small immediate index ${idx} out of range 0..47`, word);
  }
  return {
    kind: 'alu', sig,
    sigAddr: addr ? c & 63 : 0,
    sigMagic: addr ? (c & 64) !== 0 : false,
    raddrA, raddrB,
    flags: addr ? {} : decodeFlags(c, word),
    add, mul,
  };
}

function decodeBranch(word: bigint): V3dBranchInstr {
  const condCode = get(word, F.brCond);
  const cond = BRANCH_CONDS[condCode];
  if (!cond) throw new DecodeError(`reserved branch condition ${condCode}`, word);
  const msfign = MSFIGNS[get(word, F.brMsfign)];
  if (!msfign) throw new DecodeError('invalid branch msfign 3', word);
  const bdu = BRANCH_DESTS[get(word, F.brBdu)];
  if (!bdu) throw new DecodeError(`undefined branch uniform destination ${get(word, F.brBdu)}`, word);
  if (get(word, F.brUnused) !== 0 || get(word, F.brUnusedLow) !== 0) {
    throw new DecodeError('branch word has bits set in its unused fields (20:18, 5:0)', word);
  }
  const bdi = BRANCH_DESTS[get(word, F.brBdi)] as (typeof BRANCH_DESTS)[number];
  const raw = ((get(word, F.brAddrLow) << 3) | (get(word, F.brAddrHigh) << 24)) >>> 0;
  const b: V3dBranchInstr = {
    kind: 'branch', cond, msfign, bdi,
    ub: get(word, F.brUb) === 1, bdu,
    raddrA: get(word, F.raddrA),
    offset: bdi === 'rel' ? raw | 0 : raw,
  };
  if (get(word, F.brLink) === 1) b.link = true;
  return b;
}

/** Decode one 64-bit instruction word; throws DecodeError for a word that is not a valid instruction of `ver`. */
export function decodeInstr(word: bigint, ver: V3dVersion): V3dInstr {
  if (word < 0n || word >= 1n << 64n) throw new DecodeError(`not a 64-bit word: ${word}`, word);
  const t = isaTable(ver);
  if (get(word, F.opMul) !== 0) return decodeAlu(t, word);
  if ((get(word, F.sig) & 0b11000) === 0b10000) return decodeBranch(word);
  throw new DecodeError(
    `invalid V3D instruction 0x${word.toString(16).padStart(16, '0')}: mul opcode 0 but not a branch (sig ${get(word, F.sig)})`,
    word,
  );
}
