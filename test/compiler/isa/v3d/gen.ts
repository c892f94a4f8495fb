/**
 * Seeded random V3D instruction objects in the decoder's conventions (see
 * compiler/isa/v3d/decode.ts), for round-trip property tests. The allowed
 * modifiers per encoding form restate notes section 7-10 independently of
 * the encoder.
 */
import {
  noSignals, type Pack, type Unpack, type V3dAluInstr, type V3dAluPart, type V3dBranchInstr, type V3dFlags,
  type V3dInput, type V3dInstr, type V3dVersion,
} from '../../../../compiler/isa/v3d/instr.ts';
import { isaTable, type OpRow } from '../../../../compiler/isa/v3d/table.ts';
import { rng as prng } from '../../../../compiler/testing/rng.ts';

export { rng as prng } from '../../../../compiler/testing/rng.ts';

/** Random helpers over one PRNG. */
export class Rand {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }
  bool(): boolean {
    return this.next() < 0.5;
  }
}

const F32: Unpack[] = ['abs', 'none', 'l', 'h'];
const PACK3: Pack[] = ['none', 'l', 'h'];

/** Unpacks of inputs a and b and packs each encoding form allows (notes sections 7-10). */
function modChoices(row: OpRow, ver: V3dVersion): { ua: Unpack[]; ub: Unpack[]; pack: Pack[] } {
  const none: Unpack[] = ['none'];
  switch (row.mods ?? 'none') {
    case 'f32ab': case 'fmul': return { ua: F32, ub: F32, pack: PACK3 };
    case 'f32ab_np': return { ua: F32, ub: F32, pack: ['none'] };
    case 'vfpack': return { ua: ['none', 'l', 'h'], ub: ['none', 'l', 'h'], pack: ['none'] };
    case 'f16a': return { ua: ['none', 'ff', 'll', 'hh', 'swp'], ub: none, pack: ['none'] };
    case 'round42': return { ua: ['none', 'l', 'h'], ub: none, pack: row.pack ? PACK3 : ['none'] };
    case 'round71': return { ua: F32, ub: none, pack: row.pack ? PACK3 : ['none'] };
    case 'cvt': return { ua: none, ub: none, pack: PACK3 };
    case 'fmov42': return { ua: F32, ub: none, pack: PACK3 };
    case 'fmov71': return { ua: ver === 71 ? [...F32, 'sat', 'nsat', 'max0'] : F32, ub: none, pack: PACK3 };
    case 'mov71': return { ua: ['none', 'ul', 'uh', 'il', 'ih'], ub: none, pack: ['none'] };
    case 'none': return { ua: none, ub: none, pack: ['none'] };
  }
}

const ZERO: V3dInput = { mux: 0, raddr: 0, unpack: 'none' };

function nsrc(row: OpRow): number {
  return row.args.includes('b') ? 2 : row.args.includes('a') ? 1 : 0;
}

function part(r: Rand, row: OpRow, ver: V3dVersion, isAdd: boolean, imm: { a: boolean; b: boolean }): V3dAluPart {
  const n = nsrc(row);
  const m = modChoices(row, ver);
  const reg = (isImm: boolean) => (isImm ? r.int(48) : r.int(64));
  let a: V3dInput;
  if (ver === 71) a = { mux: 0, raddr: reg(imm.a), unpack: n >= 1 ? r.pick(m.ua) : 'none' };
  else if (n >= 1) a = { mux: row.asel ? row.asel[0] + r.int(row.asel[1] - row.asel[0] + 1) : r.int(8), raddr: 0, unpack: r.pick(m.ua) };
  else a = { ...ZERO };
  const b: V3dInput = n < 2 ? { ...ZERO } : ver === 71 ? { mux: 0, raddr: reg(imm.b), unpack: r.pick(m.ub) } : { mux: r.int(8), raddr: 0, unpack: r.pick(m.ub) };
  let waddr = r.int(64);
  let magic = r.bool();
  if (row.waddr !== undefined) [waddr, magic] = [row.waddr, false];
  if (row.ma !== undefined) magic = false;
  void isAdd;
  return { op: row.op, a, b, waddr, magic, pack: r.pick(m.pack) };
}

const FLAG_SETS: V3dFlags[] = [
  {}, { apf: 'pushz' }, { auf: 'norc' }, { mpf: 'pushc' }, { muf: 'andz' }, { ac: 'ifb' }, { ac: 'ifnb', mpf: 'pushn' },
  { mc: 'ifa' }, { mc: 'ifna', apf: 'pushz' }, { mc: 'ifb', ac: 'ifnb' }, { mc: 'ifnb', auf: 'andnc' },
];

/** Key of notes section 11, computed here from the field layout. */
function key(ver: V3dVersion, x: V3dInput, imm: boolean): number {
  const u = ['abs', 'none', 'l', 'h'].indexOf(x.unpack);
  return ver === 42 ? u * 8 + x.mux : (imm ? 256 : 0) + u * 64 + x.raddr;
}

/** A random valid ALU instruction in the decoder's conventions. */
export function randomAlu(r: Rand, ver: V3dVersion): V3dAluInstr {
  const t = isaTable(ver);
  const sigIndex = r.pick(t.signals.map((s, i) => (s ? i : -1)).filter((i) => i >= 0 && !(t.signals[i] as string[]).includes('ldvpm')));
  const sig = noSignals();
  for (const n of t.signals[sigIndex] ?? []) sig[n] = true;
  let addRow = r.pick(t.add);
  const mulRow = r.pick(t.mul);
  const add = part(r, addRow, ver, true, { a: sig.smallImmA, b: sig.smallImmB });
  const mul = part(r, mulRow, ver, false, { a: sig.smallImmC, b: sig.smallImmD });
  if (addRow.order) {
    let ka = key(ver, add.a, sig.smallImmA);
    let kb = key(ver, add.b, sig.smallImmB);
    if ((ka > kb) !== (addRow.order === 'gt')) {
      [add.a, add.b] = [add.b, add.a];
      if (ver === 71) [sig.smallImmA, sig.smallImmB] = [sig.smallImmB, sig.smallImmA];
      [ka, kb] = [kb, ka];
    }
    if (ka === kb) add.op = add.op === 'faddnf' ? 'fadd' : add.op === 'fmax' ? 'fmin' : add.op;
    addRow = t.add.find((x) => x.op === add.op) as OpRow;
  }
  const writes = ['ldunifrf', 'ldunifarf', 'ldvary', 'ldtmu', 'ldtlb', 'ldtlbu'].some((n) => sig[n as keyof typeof sig]);
  const raddrA = ver === 71 ? add.a.raddr : r.int(64);
  const raddrB = ver === 71 ? add.b.raddr : sig.smallImmB ? r.int(48) : r.int(64);
  return {
    kind: 'alu', sig,
    sigAddr: writes ? r.int(64) : 0, sigMagic: writes ? r.bool() : false,
    raddrA, raddrB, flags: writes ? {} : { ...r.pick(FLAG_SETS) }, add, mul,
  };
}

/** A random valid branch instruction (canonical: unused offset/raddr fields 0). */
export function randomBranch(r: Rand): V3dBranchInstr {
  const bdi = r.pick(['abs', 'rel', 'link', 'reg'] as const);
  const ub = r.bool();
  const bdu = ub ? r.pick(['abs', 'rel', 'link', 'reg'] as const) : 'abs';
  const off = r.int(2 ** 29) * 8;
  const b: V3dBranchInstr = {
    kind: 'branch', cond: r.pick(['always', 'a0', 'na0', 'alla', 'anyna', 'anya', 'allna'] as const),
    msfign: r.pick(['none', 'p', 'q'] as const), bdi, ub, bdu,
    raddrA: bdi === 'reg' || bdu === 'reg' ? r.int(64) : 0,
    offset: bdi === 'abs' ? off : bdi === 'rel' ? off - 2 ** 31 : 0,
  };
  if (r.int(8) === 0) b.link = true;
  return b;
}

/** A random instruction (mostly ALU). */
export function randomInstr(r: Rand, ver: V3dVersion): V3dInstr {
  return r.int(10) === 0 ? randomBranch(r) : randomAlu(r, ver);
}
