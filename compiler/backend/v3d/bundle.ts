/**
 * Building one V3D instruction word from up to one add op, one mul op and
 * signals, after register allocation: read-port assignment (4.2: two rf
 * ports and one small immediate; 7.1: one address per operand and one
 * immediate operand per instruction), and the legality check that pairing
 * relies on (the ISA layer's validator and encoder are the oracle).
 */
import type { Cond, PushFlag, UpdateFlag, V3dAluInstr, V3dAluPart, V3dInput, V3dVersion } from '../../isa/v3d/instr.ts';
import { MAGIC, MUX, nopInstr, smallImmIndex } from '../../isa/v3d/instr.ts';
import { validateInstr } from '../../isa/v3d/validate.ts';
import { BOTH_ALU_OPS } from '../../isa/v3d/table.ts';
import type { MInstr, MSrc } from './mir.ts';

/** Ops either ALU can run (the ISA table's ops of both ALUs, and mov: 4.2's add ALU moves with `or`); the bundler picks whichever half is free. */
const EITHER_UNIT = new Set([...BOTH_ALU_OPS, 'mov']);

/** Whether `m` can run on `unit`. */
export function canUseUnit(m: MInstr, unit: 'add' | 'mul'): boolean {
  return m.unit === unit || (EITHER_UNIT.has(m.op) && (m.unit === 'add' || m.unit === 'mul'));
}

/** The ops of one instruction word, with allocated registers (every register operand is `rf`). */
export interface Bundle {
  add?: MInstr;
  mul?: MInstr;
  sig?: MInstr;
}

const rfIndex = (s: MSrc | undefined): number | undefined => (s && s.kind === 'rf' ? s.index : undefined);

/** What {@link encodeBundle} reads of an op, as text: equal texts give equal words. */
export function opKey(m: MInstr | undefined): string {
  if (!m) return '';
  const r = (x: MSrc | MInstr['dst']): string =>
    x === undefined ? '' : x.kind === 'imm' ? `i${x.value}` : x.kind === 'magic' ? `m${x.addr}` : x.kind === 'acc' ? `a${x.index}/${x.waddr ?? ''}` : x.kind === 'rf' ? `r${x.index}` : `v${x.id}`;
  let k = `${m.op} ${r(m.dst)}`;
  for (const x of m.srcs) k += ` ${r(x)}`;
  return `${k} ${m.cond ?? ''} ${m.pf ?? ''} ${m.uf ?? ''} ${m.rotate ? r(m.rotate) : ''}`;
}

/**
 * Bundles already encoded, by version and the ops' keys ({@link opKey}: add,
 * then mul, then signal): the scheduler tries tens of thousands of pairings
 * on a big kernel, almost all of them seen before (the same ops on the same
 * registers), and validating one is most of its cost. Nested maps, so that a
 * caller holding the ops' keys looks a pairing up without building and
 * hashing a key for it. Cleared when it grows large.
 */
const BUNDLES = new Map<V3dVersion, Map<string, Map<string, Map<string, V3dAluInstr | null>>>>();
const MAX_BUNDLES = 1 << 15;
let bundleCount = 0;

/** A copy of an instruction word that shares no object with `w`. */
export function copyWord(w: V3dAluInstr): V3dAluInstr {
  const part = (p: V3dAluPart): V3dAluPart => ({ ...p, a: { ...p.a }, b: { ...p.b } });
  return { ...w, sig: { ...w.sig }, flags: { ...w.flags }, add: part(w.add), mul: part(w.mul) };
}

/** Freezes a cached word and its parts: it is shared by every place that word is used. */
function freezeWord(w: V3dAluInstr): void {
  for (const p of [w.add, w.mul]) {
    Object.freeze(p.a);
    Object.freeze(p.b);
    Object.freeze(p);
  }
  Object.freeze(w.sig);
  Object.freeze(w.flags);
  Object.freeze(w);
}

/**
 * The word of a bundle whose ops have the keys given ({@link opKey}; '' for
 * an empty slot), or undefined if the hardware cannot issue these ops
 * together. The word is the cache's own, frozen (copy it with {@link copyWord}
 * to change it): equal bundles give the same object, so encodings and listings
 * can be remembered per object.
 */
export function sharedBundle(b: Bundle, ver: V3dVersion, addKey: string, mulKey: string, sigKey: string): V3dAluInstr | undefined {
  let byAdd = BUNDLES.get(ver);
  if (!byAdd) BUNDLES.set(ver, (byAdd = new Map()));
  let byMul = byAdd.get(addKey);
  if (!byMul) byAdd.set(addKey, (byMul = new Map()));
  let bySig = byMul.get(mulKey);
  if (!bySig) byMul.set(mulKey, (bySig = new Map()));
  let w = bySig.get(sigKey);
  if (w === undefined) {
    if (bundleCount >= MAX_BUNDLES) {
      BUNDLES.clear();
      bundleCount = 0;
      return sharedBundle(b, ver, addKey, mulKey, sigKey);
    }
    w = encodeBundle(b, ver) ?? null;
    if (w) freezeWord(w);
    bySig.set(sigKey, w);
    bundleCount++;
  }
  return w ?? undefined;
}

/** Encode a bundle, or return undefined if the hardware cannot issue these ops together. */
export function buildBundle(b: Bundle, ver: V3dVersion): V3dAluInstr | undefined {
  const w = sharedBundle(b, ver, opKey(b.add), opKey(b.mul), opKey(b.sig));
  return w ? copyWord(w) : undefined;
}

function encodeBundle(b: Bundle, ver: V3dVersion): V3dAluInstr | undefined {
  const ins = nopInstr();
  // 4.2 read ports: raddr_a, raddr_b (raddr_b doubles as the small-immediate index).
  const ports: (number | undefined)[] = [undefined, undefined];
  let imm: number | undefined;
  const writes = new Set<string>();

  // Two writes to one register in one instruction: undefined on hardware.
  const claim = (key: string): boolean => !writes.has(key) && (writes.add(key), true);
  const dstOf = (m: MInstr): { waddr: number; magic: boolean } | undefined => {
    if (!m.dst) return { waddr: MAGIC.NOP, magic: true };
    if (m.dst.kind === 'magic') return { waddr: m.dst.addr, magic: true };
    if (m.dst.kind === 'acc') {
      if (ver !== 42) return undefined;
      if (m.dst.waddr === undefined && !claim(`acc${m.dst.index}`)) return undefined;
      return { waddr: m.dst.waddr ?? m.dst.index, magic: true };
    }
    if (m.dst.kind !== 'rf') return undefined;
    if (!claim(`rf${m.dst.index}`)) return undefined;
    return { waddr: m.dst.index, magic: false };
  };

  const input = (s: MSrc, unit: 'add' | 'mul', k: number): V3dInput | undefined => {
    const inp: V3dInput = { mux: 0, raddr: 0, unpack: 'none' };
    if (s.kind === 'imm') {
      const idx = smallImmIndex(s.value);
      if (idx === undefined) return undefined;
      if (ver === 42) {
        if (imm !== undefined && imm !== idx) return undefined;
        if (imm === undefined && ports[1] !== undefined) return undefined;
        imm = idx;
        ins.sig.smallImmB = true;
        ins.raddrB = idx;
        inp.mux = MUX.B;
      } else {
        if (imm !== undefined) return undefined; // one immediate operand per instruction on 7.1
        imm = idx;
        inp.raddr = idx;
        const which = unit === 'add' ? (k === 0 ? 'smallImmA' : 'smallImmB') : k === 0 ? 'smallImmC' : 'smallImmD';
        ins.sig[which] = true;
      }
      return inp;
    }
    if (s.kind === 'acc') {
      if (ver !== 42) return undefined;
      inp.mux = s.index;
      return inp;
    }
    const r = rfIndex(s);
    if (r === undefined) return undefined;
    if (ver === 42) {
      if (ports[0] === undefined || ports[0] === r) {
        ports[0] = r;
        ins.raddrA = r;
        inp.mux = MUX.A;
      } else if (imm === undefined && (ports[1] === undefined || ports[1] === r)) {
        ports[1] = r;
        ins.raddrB = r;
        inp.mux = MUX.B;
      } else return undefined;
    } else inp.raddr = r;
    return inp;
  };

  const part = (m: MInstr, unit: 'add' | 'mul'): V3dAluPart | undefined => {
    let op = m.op;
    let srcs = m.srcs;
    if (op === 'mov' && unit === 'add' && ver === 42) {
      // 4.2's add ALU has no mov: or x, x copies.
      op = 'or';
      srcs = [m.srcs[0] as MSrc, m.srcs[0] as MSrc];
    }
    const d = dstOf(m);
    if (!d) return undefined;
    const a = srcs[0] ? input(srcs[0], unit, 0) : { mux: 0, raddr: 0, unpack: 'none' as const };
    const bIn = srcs[1] ? input(srcs[1], unit, 1) : { mux: 0, raddr: 0, unpack: 'none' as const };
    if (!a || !bIn) return undefined;
    return { op, a, b: bIn, ...d, pack: 'none' };
  };

  // 4.2 rule 12: ldtmu with a TMU write in one instruction is a Mesa-forbidden pair (warning level): avoid it.
  const tmuWrite = (m?: MInstr) => m?.dst?.kind === 'magic' && (m.dst.addr === MAGIC.TMUD || m.dst.addr === MAGIC.TMUA || m.dst.addr === MAGIC.TMUAU || (m.dst.addr >= 32 && m.dst.addr <= 46));
  if (ver === 42 && b.sig?.op === 'ldtmu' && (tmuWrite(b.add) || tmuWrite(b.mul))) return undefined;
  // The 4.2 rotate signal's effect on the add ALU is unknown (semantics notes 2.8): no accumulator read there with it.
  if (b.mul?.rotate && b.add?.srcs.some((x) => x.kind === 'acc')) return undefined;
  if (b.mul?.rotate) {
    // 4.2 rotate signal: raddr_b holds the amount (a small-immediate index, 0 = r5), so port B and the
    // small immediate are taken (rule 18).
    if (ver !== 42 || b.sig) return undefined;
    const amt = b.mul.rotate;
    const idx = amt.kind === 'imm' ? smallImmIndex(amt.value) : 0;
    if (idx === undefined || (amt.kind === 'imm' && idx === 0)) return undefined;
    ports[1] = -1;
    ins.sig.rotate = true;
    ins.raddrB = idx;
  } else if (b.add?.rotate) return undefined;
  if (b.sig) {
    const s = b.sig;
    if (s.op === 'thrsw') ins.sig.thrsw = true;
    else {
      if (s.op === 'ldunifrf') ins.sig.ldunifrf = true;
      else if (s.op === 'ldtmu') ins.sig.ldtmu = true;
      else return undefined;
      const d = dstOf(s);
      if (!d) return undefined;
      ins.sigAddr = d.waddr;
      ins.sigMagic = d.magic;
    }
  }
  const flags = (m: MInstr, c: 'a' | 'm') => {
    const f = ins.flags as Record<string, Cond | PushFlag | UpdateFlag | undefined>;
    if (m.cond) f[`${c}c`] = m.cond;
    if (m.pf) f[`${c}pf`] = m.pf;
    if (m.uf) f[`${c}uf`] = m.uf;
  };
  if (b.add) {
    const p = part(b.add, 'add');
    if (!p) return undefined;
    ins.add = p;
    flags(b.add, 'a');
  }
  if (b.mul) {
    const p = part(b.mul, 'mul');
    if (!p) return undefined;
    ins.mul = p;
    flags(b.mul, 'm');
  }
  if (ver === 71) {
    // On 7.1 raddr_a/raddr_b are the add ALU's operand addresses.
    ins.raddrA = ins.add.a.raddr;
    ins.raddrB = ins.add.b.raddr;
  }
  // validateInstr includes everything the encoder rejects (it encodes the word itself).
  if (validateInstr(ins, ver).length > 0) return undefined;
  return ins;
}
