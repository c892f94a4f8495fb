/**
 * Post-allocation list scheduling for VC4, with add/mul dual issue: the
 * single-op instructions of one straight-line block (each an encoded word
 * with physical registers, as emit.ts legalised it) are reordered under
 * their dependences and packed two to a word where the encoding allows.
 *
 * Dependences, on physical locations (regfile A/B registers, accumulators
 * r0–r5, the flags) and on the order of I/O (notes §7):
 * - read after write: 2 instructions for a regfile register (a read right
 *   after the write sees the old value), 3 for r4 after an SFU write (the
 *   result arrives after two instructions in which r4 is not touched), 2 for
 *   an accumulator (or r5 as amount) a rotation reads, else 1;
 * - write after read: 0 (reads happen before writes in one word), 1 for r4
 *   (no read of an old r4 in the word whose signal loads it);
 * - write after write: 1; 3 after an SFU write for anything loading r4;
 * - every instruction with I/O side effects (uniform, VPM, DMA, TMU, SFU,
 *   mutex, semaphore, signals, host interrupt) stays in program order, one
 *   per word, so the TMU FIFO order, the VPM/DMA sequences and the uniform
 *   stream are as emitted.
 * Explicit nops are not scheduled: the latencies above stand for them.
 *
 * Pairing (notes §1, vc4asm's restrictions): an add-ALU op and a mul-ALU op
 * share a word when their regfile-A reads and their regfile-B reads are at
 * one address each, a small immediate (which takes the B read port and the
 * signal field) is the same for both or used by one that leaves the B port
 * alone, their write-swap needs agree (destinations that mean the same in
 * both spaces, like r0–r3, take either), at most one sets flags (and a
 * mul-ALU op that does so only alone: flags come from the add result when
 * there is one), neither packs or unpacks, and beside a rotation (whose
 * amount fills the small-immediate field) the add op reads no B port. A signal
 * without ALU work (`ldtmu0`) rides on a word whose ALU ops leave r4 and the
 * signal field alone. Every word formed passes the ISA validator.
 *
 * Which instruction goes first: the longest latency path to the block end,
 * then program order. A TMU pop counts {@link TMU_LOOKUP_LATENCY} after its
 * request, so the words between them are other work, not nops or a stall.
 */
import type { SourceLoc } from '../../ir/types.ts';
import type { Vc4AluInstr, Vc4Instr } from '../../isa/vc4/instr.ts';
import { vc4Nop } from '../../isa/vc4/instr.ts';
import { MOV_ADD_OP, MOV_MUL_OP, REG_NOP, VC4_PIPELINE, VC4_REGS, type RegRole } from '../../isa/vc4/table.ts';
import { VC4_R4_SIGNALS, vc4Access } from '../../isa/vc4/facts.ts';
import { validateVc4 } from '../../isa/vc4/validate.ts';

/** One instruction word to schedule, with its source position. */
export interface Word {
  instr: Vc4Instr;
  loc: SourceLoc | undefined;
}

/** I/O reads without side effects (any other I/O read is ordered). */
const PURE_READS: ReadonlySet<RegRole> = new Set(['nop', 'elem_num', 'qpu_num']);
/** Ready words tried as a partner for each word issued (bounds the work per cycle). */
const PARTNER_TRIES = 24;
/** Instructions the next I/O access waits after a write of these roles (the table's distances, notes §7). */
const IO_GAP: ReadonlyMap<RegRole, number> = new Map([
  ['unif_addr', VC4_PIPELINE.unifAddrGap + 1],
  ['tmu_noswap', VC4_PIPELINE.tmuNoswapGap + 1],
]);
/**
 * Instructions from a TMU request to the first one its result can be collected in without waiting, as far as the
 * scheduler assumes: the lookup's cache-hit latency (the emulator's timing model, `VC4_TIMING.tmuHitLatencyTicks`
 * in runtime/emulator/vc4/timing.ts; a test keeps the two equal). A miss takes longer, but a longer latency here
 * pushed other work behind the lookups and cost more than it saved (`npm run bench -- kernels`, vc4: 20 made
 * sgemv T 0.71 → 0.57, 32 most reductions 0.95 → 0.8).
 */
export const TMU_LOOKUP_LATENCY = 9;
/** Read after write of r4 behind an SFU write: the result is there for the instruction after the gap. */
const SFU_LATENCY = VC4_PIPELINE.sfuResultGap + 1;

/** What one word reads and writes, as the scheduler needs it. */
interface Facts {
  reads: Set<string>;
  writes: Set<string>;
  /** Has I/O side effects: ordered with every other such word. */
  effect: boolean;
  /** Instructions the next I/O word waits after this one. */
  gap: number;
  /** Writes an SFU register: r4 is loaded two instructions later. */
  sfu: boolean;
  /** Accumulators a mul-ALU rotation reads (`r0`…), and r5 as the amount. */
  rotated: Set<string>;
  /** Collects a TMU result (`ldtmu0/1`). */
  pop: boolean;
  /** Sends a TMU request (writes `t0s`/`t1s`): to TMU `pushTmu`. */
  push: boolean;
  pushTmu: number;
  /** The TMU a pop collects from (-1: none). */
  popTmu: number;
}

/** The scheduler's view of the instruction's access facts (compiler/isa/vc4/facts.ts). */
function factsOf(i: Vc4Instr): Facts {
  const f: Facts = { reads: new Set(), writes: new Set(), effect: false, gap: 1, sfu: false, rotated: new Set(), pop: false, push: false, pushTmu: -1, popTmu: -1 };
  if (i.kind === 'branch' || i.kind === 'sem') {
    f.effect = true;
    f.reads.add('flags');
    return f;
  }
  const a = vc4Access(i);
  for (const d of a.dests) {
    let key: string | undefined;
    if (d.role === 'regfile') key = `${d.bSpace ? 'B' : 'A'}${d.addr}`;
    else if (d.role === 'acc') key = `r${d.addr - 32}`;
    else if (d.role === 'r5quad' || d.role === 'r5rep') key = 'r5';
    else {
      f.effect = true;
      if (d.role === 'sfu') (f.sfu = true), (key = 'r4');
      f.gap = Math.max(f.gap, IO_GAP.get(d.role) ?? 1);
    }
    if (!key) continue;
    f.writes.add(key);
    // A conditional write keeps the old value in the other elements: it reads its destination, and the flags.
    if (d.cond !== 'always') f.reads.add(key).add('flags');
  }
  if (a.setsFlags) f.writes.add('flags');
  if (a.tmuPush >= 0) (f.push = true), (f.pushTmu = a.tmuPush);
  if (i.kind !== 'alu') return f;
  for (const m of a.accReads) f.reads.add(m);
  // An I/O read takes effect even when no mux selects the port.
  for (const p of a.ports) {
    if (p.role === 'regfile') f.reads.add(`${p.port}${p.addr}`);
    else if (!PURE_READS.has(p.role)) f.effect = true;
  }
  if (a.rotation) {
    for (let n = 0; n < 6; n++) if (a.rotation.accs & (1 << n)) f.rotated.add(`r${n}`);
    if (a.rotation.byR5) (f.rotated.add('r5'), f.reads.add('r5')); // the amount: r5
  }
  if (a.r4Signal) (f.effect = true), f.writes.add('r4');
  if (a.tmuPop >= 0) (f.pop = true), (f.popTmu = a.tmuPop);
  else if (i.sig !== 'none' && i.sig !== 'smi') f.effect = true;
  return f;
}

/** Cycles from `p` to a later `q` that depends on it through location `r`. */
function latency(kind: 'raw' | 'war' | 'waw', r: string, p: Facts, q: Facts): number {
  if (kind === 'war') return r === 'r4' ? 1 : 0;
  if (kind === 'waw') return r === 'r4' && p.sfu ? SFU_LATENCY : 1;
  if (r[0] === 'A' || r[0] === 'B') return 2;
  if (r === 'r4') return p.sfu ? SFU_LATENCY : 1;
  return q.rotated.has(r) ? 2 : 1;
}

/**
 * A register copy on the add ALU (`or d, a, a` without flags) as the same
 * copy on the mul ALU (`v8min d, a, a`: the bytewise minimum of a value with
 * itself is the value), writing the same register (the write swap flips).
 */
function copyOnMul(i: Vc4Instr): Vc4AluInstr | undefined {
  if (i.kind !== 'alu' || i.opAdd !== MOV_ADD_OP || i.opMul !== 'nop' || i.addA !== i.addB || i.sf || i.pm || i.pack !== 0) return undefined;
  return {
    ...vc4Nop(), sig: i.sig, unpack: i.unpack, raddrA: i.raddrA, raddrB: i.raddrB, ws: !i.ws,
    opMul: MOV_MUL_OP, mulA: i.addA, mulB: i.addB, waddrMul: i.waddrAdd, condMul: i.condAdd,
  };
}

/** Both ALU ops of one word, if `x` and `y` can share it, moving a copy to the mul ALU where that helps. */
function pair(x: Vc4Instr, y: Vc4Instr, fx: Facts, fy: Facts): Vc4AluInstr | undefined {
  const direct = pairAs(x, y, fx, fy);
  if (direct || x.kind !== 'alu' || y.kind !== 'alu' || x.opMul !== 'nop' || y.opMul !== 'nop') return direct;
  for (const [keep, copy] of [[x, y], [y, x]] as const) {
    const m = copyOnMul(copy);
    const w = m && pairAs(keep, m, fx, fy);
    if (w) return w;
  }
  return undefined;
}

/** Both ALU ops of one word as they are, if `x` and `y` can share it (see the file comment). */
function pairAs(x: Vc4Instr, y: Vc4Instr, fx: Facts, fy: Facts): Vc4AluInstr | undefined {
  if (x.kind !== 'alu' || y.kind !== 'alu') return undefined;
  if (x.pm || y.pm || x.pack !== 0 || y.pack !== 0 || x.unpack !== 0 || y.unpack !== 0) return undefined;
  const rotating = fx.rotated.size > 0 || fy.rotated.size > 0;
  const busy = (i: Vc4AluInstr) => ({ add: i.opAdd !== 'nop', mul: i.opMul !== 'nop' });
  const bx = busy(x);
  const by = busy(y);
  const signalOnly = (i: Vc4AluInstr, b: { add: boolean; mul: boolean }) => !b.add && !b.mul && VC4_R4_SIGNALS.has(i.sig);
  let out: Vc4AluInstr;
  if (signalOnly(x, bx) || signalOnly(y, by)) {
    const [sig, work] = signalOnly(x, bx) ? [x, y] : [y, x];
    if (work.sig !== 'none' || signalOnly(work, busy(work))) return undefined;
    out = { ...work, sig: sig.sig };
  } else {
    if ((bx.add && by.add) || (bx.mul && by.mul) || (!bx.add && !bx.mul) || (!by.add && !by.mul)) return undefined;
    const [a, m] = bx.add ? [x, y] : [y, x];
    // A rotation (mul ALU only) keeps its amount in the small-immediate field: the add op may not read the B port.
    if (rotating && (a.sig === 'smi' || a.raddrB !== REG_NOP)) return undefined;
    if (a.sig !== 'none' && a.sig !== 'smi') return undefined;
    if (m.sig !== 'none' && m.sig !== 'smi') return undefined;
    if (m.sf) return undefined; // flags would come from the add result
    if (a.raddrA !== REG_NOP && m.raddrA !== REG_NOP && a.raddrA !== m.raddrA) return undefined;
    const smi = a.sig === 'smi' || m.sig === 'smi';
    if (smi) {
      // The small immediate is the B read: the other op may read it too, but no regfile-B register.
      for (const [i, o] of [[a, m], [m, a]] as const) if (i.sig === 'smi' && o.raddrB !== REG_NOP && (o.sig !== 'smi' || o.raddrB !== i.raddrB)) return undefined;
    } else if (a.raddrB !== REG_NOP && m.raddrB !== REG_NOP && a.raddrB !== m.raddrB) return undefined;
    const wa = wsNeed(a, 'add');
    const wm = wsNeed(m, 'mul');
    if (wa !== undefined && wm !== undefined && wa !== wm) return undefined;
    out = {
      ...vc4Nop(),
      sig: smi ? 'smi' : 'none',
      raddrA: a.raddrA !== REG_NOP ? a.raddrA : m.raddrA,
      raddrB: a.raddrB !== REG_NOP ? a.raddrB : m.raddrB,
      ws: wa ?? wm ?? false,
      sf: a.sf,
      opAdd: a.opAdd, addA: a.addA, addB: a.addB, waddrAdd: a.waddrAdd, condAdd: a.condAdd,
      opMul: m.opMul, mulA: m.mulA, mulB: m.mulB, waddrMul: m.waddrMul, condMul: m.condMul,
    };
  }
  return validateVc4(out).length === 0 ? out : undefined;
}

/** The write swap a unit's destination needs, or undefined when its address means the same in both spaces. */
function wsNeed(i: Vc4AluInstr, unit: 'add' | 'mul'): boolean | undefined {
  const waddr = unit === 'add' ? i.waddrAdd : i.waddrMul;
  const cond = unit === 'add' ? i.condAdd : i.condMul;
  if (cond === 'never' || waddr === REG_NOP) return undefined;
  // The same register in both spaces (r0–r3, the TMU and SFU addresses…): either space will do.
  const a = VC4_REGS.writeA[waddr];
  const b = VC4_REGS.writeB[waddr];
  return a && b && a.name === b.name ? undefined : i.ws;
}

/** Schedules the words of one straight-line block (no branches; plain nops are dropped); returns the new words, nops where nothing is ready. */
export function bundleBlock(block: readonly Word[]): Word[] {
  // Plain nops only space words out: the latencies stand for them.
  const words = block.filter((w) => !(w.instr.kind === 'alu' && w.instr.opAdd === 'nop' && w.instr.opMul === 'nop' && w.instr.sig === 'none'));
  const n = words.length;
  if (n <= 1) return [...words];
  const facts = words.map((w) => factsOf(w.instr));
  // Edges, in plain arrays (two maps per word were much of the cost on long blocks): succs[p] lists each later
  // word depending on p once, in order, with the largest latency asked for (succLat). Every edge into q is added
  // while q is the word being read, so `edgeTo[p] === q` tells whether p → q exists (at succs[p][edgeAt[p]]).
  const succs: number[][] = words.map(() => []);
  const succLat: number[][] = words.map(() => []);
  const predCount = new Int32Array(n);
  const edgeTo = new Int32Array(n).fill(-1);
  const edgeAt = new Int32Array(n);
  const edge = (p: number, q: number, lat: number): void => {
    if (p === q) return;
    const lats = succLat[p] as number[];
    if (edgeTo[p] === q) {
      const k = edgeAt[p] as number;
      lats[k] = Math.max(lat, lats[k] as number);
      return;
    }
    edgeTo[p] = q;
    edgeAt[p] = lats.length;
    (succs[p] as number[]).push(q);
    lats.push(Math.max(lat, -1));
    predCount[q]++;
  };
  const lastWrite = new Map<string, number>();
  const readers = new Map<string, number[]>();
  let lastEffect = -1;
  for (let q = 0; q < n; q++) {
    const f = facts[q] as Facts;
    for (const r of f.reads) {
      const w = lastWrite.get(r);
      if (w !== undefined) edge(w, q, latency('raw', r, facts[w] as Facts, f));
    }
    for (const r of f.writes) {
      const w = lastWrite.get(r);
      if (w !== undefined) edge(w, q, latency('waw', r, facts[w] as Facts, f));
      for (const p of readers.get(r) ?? []) edge(p, q, latency('war', r, facts[p] as Facts, f));
    }
    for (const r of f.reads) {
      const list = readers.get(r);
      if (list) list.push(q);
      else readers.set(r, [q]);
    }
    for (const r of f.writes) (lastWrite.set(r, q), readers.set(r, []));
    if (f.effect) {
      if (lastEffect >= 0) edge(lastEffect, q, (facts[lastEffect] as Facts).gap);
      lastEffect = q;
    }
  }
  // A lookup's result is there TMU_LOOKUP_LATENCY after its request: its pop waits that long, so other work fills
  // the gap instead of the pop following its request at once (the k-th pop of a TMU in the block collects the
  // block's k-th request to it: the selection puts every load's request and pop in one block, compiler/backend/vc4/tmu.ts).
  const pushes: number[][] = [[], []];
  const popped = [0, 0];
  for (let q = 0; q < n; q++) {
    const f = facts[q] as Facts;
    if (f.push) (pushes[f.pushTmu] as number[]).push(q);
    if (f.pop) {
      const r = (pushes[f.popTmu] as number[])[(popped[f.popTmu] as number)++];
      if (r !== undefined) edge(r, q, TMU_LOOKUP_LATENCY);
    }
  }
  // Priority: the longest latency path to the end of the block, then program order.
  const height: number[] = new Array<number>(n).fill(0);
  for (let p = n - 1; p >= 0; p--) {
    const qs = succs[p] as number[];
    const ls = succLat[p] as number[];
    for (let k = 0; k < qs.length; k++) height[p] = Math.max(height[p] as number, (height[qs[k] as number] as number) + Math.max(ls[k] as number, 1));
  }
  const order = Array.from({ length: n }, (_, k) => k).sort((x, y) => (height[y] as number) - (height[x] as number) || x - y);
  const rank: number[] = new Array<number>(n);
  order.forEach((q, r) => (rank[q] = r));
  // Words whose predecessors are all scheduled, with the first cycle they may issue in.
  const waiting = Array.from(predCount);
  const earliest: number[] = new Array<number>(n).fill(0);
  // Kept sorted by rank (binary insertion), so the best ready words come first in a walk.
  const avail: number[] = [];
  const at = (q: number): number => {
    let lo = 0;
    let hi = avail.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((rank[avail[mid] as number] as number) < (rank[q] as number)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  for (let q = 0; q < n; q++) if (waiting[q] === 0) avail.splice(at(q), 0, q);
  const take = (q: number, cycle: number): void => {
    avail.splice(at(q), 1);
    const qs = succs[q] as number[];
    const ls = succLat[q] as number[];
    for (let k = 0; k < qs.length; k++) {
      const s = qs[k] as number;
      const l = ls[k] as number;
      earliest[s] = Math.max(earliest[s] as number, cycle + l);
      waiting[s] = (waiting[s] as number) - 1;
      if (waiting[s] === 0) avail.splice(at(s), 0, s);
    }
  };
  const out: Word[] = [];
  for (let cycle = 0, left = n; left > 0; cycle++) {
    const first = avail.find((q) => (earliest[q] as number) <= cycle) ?? -1;
    if (first < 0) {
      out.push({ instr: vc4Nop(), loc: undefined });
      continue;
    }
    take(first, cycle);
    left--;
    let word: Vc4Instr = (words[first] as Word).instr;
    // A partner: the best few ready words (including those `first` just released with latency 0).
    const partners: number[] = [];
    // A TMU pop is no partner: it waits for its lookup, so it issues as late as the block's other work allows.
    for (const q of avail) {
      if ((earliest[q] as number) <= cycle && !(facts[q] as Facts).pop) partners.push(q);
      if (partners.length === PARTNER_TRIES) break;
    }
    for (const q of partners) {
      const both = pair(word, (words[q] as Word).instr, facts[first] as Facts, facts[q] as Facts);
      if (!both) continue;
      word = both;
      take(q, cycle);
      left--;
      break;
    }
    out.push({ instr: word, loc: (words[first] as Word).loc });
  }
  return out;
}
