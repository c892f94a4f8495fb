/**
 * List scheduling of one straight-line segment of allocated machine ops into
 * V3D instruction words, pairing add and mul ops and signals.
 *
 * Dependencies: registers (read-after-write waits one instruction; a reader
 * and a later writer may share an instruction, since reads see the values
 * from before it), flags and `rtop` as registers, the TMU write and `ldtmu`
 * orders, and the uniform stream order. Priority is the longest path of
 * true dependences (not register reuse) to the segment's end, with TMU round
 * trips weighted heavily so that loads are
 * issued early and their results collected late; at most MAX_PENDING_LOADS
 * lookups are in flight (the per-thread output FIFO, semantics notes 5.3).
 */
import type { V3dAluInstr, V3dVersion } from '../../isa/v3d/instr.ts';
import { MAGIC } from '../../isa/v3d/instr.ts';
import { buildBundle, canUseUnit, opKey, sharedBundle, type Bundle } from './bundle.ts';
import type { MDst, MInstr, MSrc, VReg } from './mir.ts';
import { BackendError } from './isel-ctx.ts';
import { isTmuWaddr, magicRole, OP_CLASS, SFU_RESULT_LATENCY } from '../../isa/v3d/table.ts';
import { TARGETS } from '../../target/targets.ts';

/** Words a thread may have waiting in the TMU output FIFO with two threads per QPU (16 / 2): the target table's. */
export const MAX_PENDING_LOADS = Math.min(TARGETS.vc6.tmuFifoDepth, TARGETS.vc7.tmuFifoDepth);
/** Cycles a TMU lookup takes, for priorities only (Mesa's scheduler uses 100 instructions). */
const TMU_LATENCY = 20;
/** Instructions a lookup that finds the output FIFO full is taken to wait, for priorities only (see buildGraph). */
const FIFO_WAIT = 50;
/**
 * Instructions after a lookup's issue from which its `ldtmu` is due: before that, other ready work goes first.
 * CHOICE, measured: 8 lets a step's independent work go ahead of the collection (V3D sgemm 27.6 GFLOP/s on vc7)
 * without holding back the FIFO room the next lookups of a streaming loop need (vc6 summation 0.992 x
 * hand-written as before; with 20 instructions 0.977). The timing model's 200 ns are 25 instructions on 4.2, 48 on 7.1.
 */
const LDTMU_DUE = 8;

/** A scheduled instruction word (shared and frozen when it came from the bundle cache) and the ops in it (for source maps). */
export interface ScheduledWord {
  word: V3dAluInstr;
  ops: MInstr[];
}

/** Whether `m` writes a TMU magic register (tmua, tmud, tmuc…). */
export function isTmuWrite(m: MInstr): boolean {
  // tmul too: ordering it with the lookups costs nothing, and the backend never writes it.
  return m.dst?.kind === 'magic' && (isTmuWaddr(m.dst.addr) || magicRole(m.dst.addr) === 'tmul');
}
/** Whether `m` issues a lookup that returns words for `ldtmu` (a load or an atomic: its `tmua` write). */
export function isLoadIssue(m: MInstr): boolean {
  return m.dst?.kind === 'magic' && m.dst.addr === MAGIC.TMUA && m.tmu === 'load';
}

/**
 * Registers (and flags, rtop) an op reads and writes, as numbers (strings built
 * per op and hashed per lookup were most of the dependence graph's cost): a
 * virtual register 4·id, rf entry 4·index + 1, accumulator 4·index + 2, the
 * flags 3, rtop 7. Appended to `reads` and `writes`.
 */
const FLAGS = 3;
const RTOP = 7;
const regKey = (r: MSrc | MDst): number => (r.kind === 'rf' ? 4 * r.index + 1 : r.kind === 'acc' ? 4 * r.index + 2 : 4 * (r as VReg).id);
const isRegOperand = (r: { kind: string }): boolean => r.kind !== 'imm' && r.kind !== 'magic';
function effects(m: MInstr, reads: number[], writes: number[]): void {
  const key = regKey;
  const isReg = isRegOperand;
  for (const s of m.srcs) if (isReg(s)) reads.push(key(s));
  if (m.rotate && m.rotate.kind === 'acc') reads.push(key(m.rotate));
  if (m.dst && isReg(m.dst)) writes.push(key(m.dst));
  if (m.cond) {
    reads.push(FLAGS);
    if (m.dst && isReg(m.dst)) reads.push(key(m.dst));
  }
  if (m.pf) writes.push(FLAGS);
  if (m.uf) {
    reads.push(FLAGS);
    writes.push(FLAGS);
  }
  if (m.op === 'multop') writes.push(RTOP);
  if (m.op === 'umul24') {
    // umul24 consumes and clears rtop: it both reads and writes it, so no other umul24 slips between a multop and its partner.
    reads.push(RTOP);
    writes.push(RTOP);
  }
}

/** A dependence edge: `weight` is the latency used for priorities (a TMU round trip), `latency` the distance the hardware needs; `order` when it only orders two ops (no value flows). */
interface Edge {
  node: Node;
  latency: number;
  weight: number;
  order: boolean;
}

interface Node {
  m: MInstr;
  index: number;
  /** The nodes this one depends on (one entry per edge). */
  preds: Node[];
  succs: Edge[];
  height: number;
  cycle?: number;
}

/**
 * The dependence graph of a segment. `pending`: result words of earlier lookups still in the output FIFO at the
 * segment's start (carried across a back edge, carry.ts), which its first `ldtmu`s collect.
 */
function buildGraph(ops: MInstr[], pending = 0): Node[] {
  const nodes: Node[] = ops.map((m, index) => ({ m, index, preds: [], succs: [], height: 0 }));
  const edge = (from: Node, to: Node, latency: number, weight = latency, order = false) => {
    from.succs.push({ node: to, latency, weight, order });
    to.preds.push(from);
  };
  const lastWrite = new Map<number, Node>();
  const readsSince = new Map<number, Node[]>();
  let lastTmuWrite: Node | undefined;
  const tmuWritesBefore: Node[] = [];
  /** Each word the segment's lookups return, by its lookup, in order. */
  const lookups: Node[] = [];
  /** The segment's `ldtmu`s so far: the first `pending` of them free the room of the words pending at its start. */
  const pops: Node[] = [];
  let lastLdtmu: Node | undefined;
  let lastUniform: Node | undefined;
  const reads: number[] = [];
  const writes: number[] = [];
  for (const n of nodes) {
    reads.length = 0;
    writes.length = 0;
    effects(n.m, reads, writes);
    for (const r of reads) {
      const w = lastWrite.get(r);
      // Rule 21 (4.2): a rotate's source and r5 amount must not be written by the previous instruction.
      if (w) edge(w, n, OP_CLASS[w.m.op] === 'sfu' || n.m.rotate ? SFU_RESULT_LATENCY : 1);
    }
    for (const r of writes) {
      // Write-after-write and write-after-read edges only order two ops (a register reused: r0 and r5 by every
      // 4.2 broadcast, a temporary by every copy of a loop body): no work has to follow, so they do not lengthen
      // the priority path. Counted, they made a chain of reuses look critical and pulled it ahead of the loads
      // and arithmetic it does not feed (a register-blocked sgemm issued all its loads, then all its math).
      const w = lastWrite.get(r);
      if (w) edge(w, n, 1, 1, true);
      const since = readsSince.get(r);
      if (since) for (const rd of since) if (rd !== n) edge(rd, n, 0, 0, true);
    }
    for (const r of reads) {
      const list = readsSince.get(r);
      if (list) list.push(n);
      else readsSince.set(r, [n]);
    }
    for (const r of writes) {
      lastWrite.set(r, n);
      const list = readsSince.get(r);
      if (list) list.length = 0;
    }
    if (isLoadIssue(n.m)) {
      // A lookup that finds the output FIFO full waits for the data of the one MAX_PENDING_LOADS words before it
      // (its ldtmu frees the room): weighted as a round trip, so that what leads up to the earlier lookup goes first.
      // A word pending at the segment's start leaves the FIFO at its ldtmu, which must come first.
      const full = pending + lookups.length + (n.m.tmuWords ?? 1) - MAX_PENDING_LOADS;
      if (full > 0 && full <= pending) {
        const pop = pops[full - 1];
        if (pop) edge(pop, n, 1);
      } else {
        const oldest = full > 0 ? lookups[full - pending - 1] : undefined;
        if (oldest) edge(oldest, n, 1, FIFO_WAIT);
      }
      for (let w = 0; w < (n.m.tmuWords ?? 1); w++) lookups.push(n);
    }
    if (isTmuWrite(n.m)) {
      if (lastTmuWrite) edge(lastTmuWrite, n, 1);
      lastTmuWrite = n;
      tmuWritesBefore.push(n);
    }
    if (n.m.op === 'ldtmu' || n.m.op === 'tmuwt') {
      if (n.m.op === 'ldtmu') pops.push(n);
      if (lastLdtmu) edge(lastLdtmu, n, 1);
      // ldtmu waits in hardware until its data arrive: legal one instruction later, but best much later.
      for (const w of tmuWritesBefore) edge(w, n, 1, TMU_LATENCY);
      tmuWritesBefore.length = 0;
      if (lastTmuWrite && !n.preds.includes(lastTmuWrite)) edge(lastTmuWrite, n, 1, TMU_LATENCY);
      lastLdtmu = n;
      if (n.m.op === 'tmuwt') lastTmuWrite = n; // later TMU traffic stays behind the wait
    }
    if (n.m.op === 'ldunifrf') {
      if (lastUniform) edge(lastUniform, n, 1);
      lastUniform = n;
    }
  }
  for (let k = nodes.length - 1; k >= 0; k--) {
    const n = nodes[k] as Node;
    let h = 0;
    for (const s of n.succs) h = Math.max(h, s.order ? s.node.height : s.node.height + Math.max(1, s.weight));
    n.height = h;
  }
  return nodes;
}

/**
 * The unscheduled nodes whose predecessors are all scheduled, with the first
 * cycle each may issue at: kept up to date as nodes are scheduled, so that
 * finding the ready ones does not scan the whole segment at every cycle
 * (which made scheduling quadratic in the segment length).
 */
class ReadySet {
  private readonly waiting: number[];
  private readonly earliest: number[];
  private readonly candidates = new Set<Node>();

  /** `latencies`: false to order ops only by dependence (before allocation), true to respect issue distances. */
  constructor(nodes: Node[], private readonly latencies: boolean) {
    this.waiting = nodes.map((n) => n.preds.length);
    this.earliest = nodes.map(() => 0);
    for (const n of nodes) if (n.preds.length === 0) this.candidates.add(n);
  }

  /** Nodes that may issue at `cycle`, best first (height, then source order). */
  at(cycle: number): Node[] {
    const out: Node[] = [];
    for (const n of this.candidates) {
      if (this.latencies && (this.earliest[n.index] as number) > cycle) continue;
      // Insertion into place: the list is short, and Array.prototype.sort allocates on every call.
      let k = out.length;
      out.push(n);
      while (k > 0 && better(n, out[k - 1] as Node)) {
        out[k] = out[k - 1] as Node;
        k--;
      }
      out[k] = n;
    }
    return out;
  }

  /** Record that `n` issues at `cycle`. */
  schedule(n: Node, cycle: number): void {
    n.cycle = cycle;
    this.candidates.delete(n);
    for (const s of n.succs) {
      const k = s.node.index;
      this.earliest[k] = Math.max(this.earliest[k] as number, cycle + s.latency);
      if (--(this.waiting[k] as number) === 0) this.candidates.add(s.node);
    }
  }
}

const SIG_SLOT = ['sig'] as const;
const ADD_SLOT = ['add'] as const;
const MUL_SLOT = ['mul'] as const;
const ADD_MUL = ['add', 'mul'] as const;
const MUL_ADD = ['mul', 'add'] as const;

/** The parts of a word `m` may go in, its own unit first (constant lists: this is asked per candidate per trial). */
function slotsOf(m: MInstr): readonly ('add' | 'mul' | 'sig')[] {
  if (m.unit === 'sig') return SIG_SLOT;
  if (canUseUnit(m, 'add') && canUseUnit(m, 'mul')) return m.unit === 'add' ? ADD_MUL : MUL_ADD;
  return m.unit === 'add' ? ADD_SLOT : MUL_SLOT;
}

/**
 * Schedule `ops` (no branches) into instruction words. `urgent` ops (the flag
 * write a following branch reads) go as early as their operands allow, so that
 * the branch can issue early and the rest fills its delay slots. `pending`:
 * result words of earlier lookups in the output FIFO at the start (a block
 * after a back edge that carries loads, carry.ts), collected by the first
 * `ldtmu`s; lookups wait for the room those free.
 */
export function scheduleSegment(ops: MInstr[], ver: V3dVersion, urgent?: MInstr, pending = 0): ScheduledWord[] {
  const nodes = buildGraph(ops, pending);
  // The urgent op and everything it depends on go first (an explicit stack: dependence chains can be thousands long).
  const u = nodes.find((n) => n.m === urgent);
  if (u) {
    const seen = new Set<Node>([u]);
    for (const stack = [u]; stack.length > 0; ) {
      const n = stack.pop() as Node;
      n.height += 1000;
      for (const p of n.preds) if (!seen.has(p)) stack.push((seen.add(p), p));
    }
  }
  const ready = new ReadySet(nodes, true);
  const out: ScheduledWord[] = [];
  let remaining = nodes.length;
  let pendingLoads = pending;
  let cycle = 0;
  let idle = 0;
  // Each op's bundle key (opKey), made once: the op is tried in many pairings.
  const keys: (string | undefined)[] = [];
  const keyOf = (n: Node): string => (keys[n.index] ??= opKey(n.m));
  // Issue cycle of each word this segment's lookups return, oldest first (`collected` of them taken): an `ldtmu`
  // waits in hardware until its data are back, so it is taken only once due (LDTMU_DUE after its lookup; at once
  // for a lookup of an earlier segment), or when nothing else can go in the word, or when a lookup waits for the
  // FIFO room it frees; other work fills the time meanwhile instead of the stall.
  // Words pending at the start were issued before it: due at once.
  const issued: number[] = new Array<number>(pending).fill(-LDTMU_DUE);
  let collected = 0;
  /** A lookup the output FIFO has no room for yet (its words would pass MAX_PENDING_LOADS). */
  const waitsForRoom = (n: Node): boolean => isLoadIssue(n.m) && pendingLoads + (n.m.tmuWords ?? 1) > MAX_PENDING_LOADS;
  while (remaining > 0) {
    const bundle: Bundle = {};
    const slotKeys = { add: '', mul: '', sig: '' };
    const inBundle: Node[] = [];
    /** The word of the last trial that fitted: the bundle as it now stands (later trials that failed left it as it was). */
    let word: V3dAluInstr | undefined;
    let added = true;
    let lazy = collected < issued.length && cycle < (issued[collected] as number) + LDTMU_DUE;
    while (added) {
      added = false;
      const candidates = ready.at(cycle);
      if (lazy && !candidates.some((n) => n.m.op !== 'ldtmu' && !waitsForRoom(n))) lazy = false;
      if (lazy && candidates.some(waitsForRoom)) lazy = false;
      for (const n of candidates) {
        if (waitsForRoom(n)) continue;
        if (lazy && n.m.op === 'ldtmu') continue;
        let slots = slotsOf(n.m);
        // An op either ALU runs takes the mul half of an empty word when a ready op that only the add ALU runs
        // (shifts, masks, min/max, conversions) could have the add half: taking the add half first left that op
        // for a later word (vc6 resize 0.709 -> 0.750 of the memory limit, vc7 0.723 -> 0.771).
        // Likewise for a conditional op that makes such a flag push ready in this very word (the push may join the
        // op that reads the flags before it: `xor.pushz -, g, 1 ; add.ifa c0, c0, inc`, a counter per word).
        if (slots === ADD_MUL && !bundle.add && !bundle.mul && (candidates.some((o) => o !== n && slotsOf(o.m) === ADD_SLOT && !waitsForRoom(o)) || (n.m.cond !== undefined && n.m.op !== 'mov' && n.succs.some((s) => s.latency === 0 && s.node.m.pf !== undefined && slotsOf(s.node.m) === ADD_SLOT)))) slots = MUL_ADD;
        for (const slot of slots) {
          if (bundle[slot]) continue;
          const trial: Bundle = { ...bundle };
          trial[slot] = n.m;
          const key = keyOf(n);
          const fitted = sharedBundle(
            trial,
            ver,
            slot === 'add' ? key : slotKeys.add,
            slot === 'mul' ? key : slotKeys.mul,
            slot === 'sig' ? key : slotKeys.sig,
          );
          if (!fitted) continue;
          word = fitted;
          bundle[slot] = n.m;
          slotKeys[slot] = key;
          inBundle.push(n);
          ready.schedule(n, cycle);
          remaining--;
          if (isLoadIssue(n.m)) {
            pendingLoads += n.m.tmuWords ?? 1;
            for (let w = 0; w < (n.m.tmuWords ?? 1); w++) issued.push(cycle);
          }
          if (n.m.op === 'ldtmu') {
            pendingLoads--;
            if (collected < issued.length) collected++;
          }
          added = true;
          break;
        }
        if (added) break; // readiness may have changed (a write may now join its reader)
      }
      // Nothing else fitted: a waiting ldtmu may take the word after all.
      if (!added && lazy && inBundle.length === 0) {
        lazy = false;
        added = true;
      }
    }
    if (inBundle.length > 0) idle = 0;
    else if (++idle > 16) {
      // No latency is that long: some ready op fits no instruction word at all.
      const stuck = nodes.find((n) => n.cycle === undefined && n.preds.every((p) => p.cycle !== undefined));
      throw new BackendError(`cannot encode '${stuck?.m.op ?? '?'}' (${JSON.stringify(stuck?.m.srcs ?? [])}) on V3D ${ver === 42 ? '4.2' : '7.1'}`, stuck?.m.loc);
    }
    if (inBundle.length > 0) {
      // The bundle cache's frozen word: equal words are one object (the emitter encodes each once).
      out.push({ word: word as V3dAluInstr, ops: inBundle.map((n) => n.m) });
    } else if (remaining > 0) {
      // Nothing can issue yet (an SFU result is on its way): a nop keeps the distance.
      out.push({ word: buildBundle({}, ver) as V3dAluInstr, ops: [] });
    }
    cycle++;
  }
  return out;
}

/**
 * Order a segment's ops before register allocation: the same priorities as
 * {@link scheduleSegment}, without pairing, so that TMU lookups are issued
 * before earlier results are collected even when allocation would later make
 * them share registers. With `sumsAfterProducts` (4.2), an add-ALU op that a
 * mul op's result has just made ready goes next when its priority is at most
 * one below the best: a product and its sum then sit together, the product
 * lives at one instruction and can take an accumulator, and the sum pairs with
 * the next product (4.2 reads at most two register-file entries per word).
 * Without it, a multiply-accumulate's products all came first and waited in
 * the register file (vc6 separableBlur 0.443 -> 0.53 of the memory limit).
 * `pending` as for {@link scheduleSegment}.
 */
export function orderSegment(ops: MInstr[], sumsAfterProducts = false, pending = 0): MInstr[] {
  const nodes = buildGraph(ops, pending);
  // The ready nodes in two heaps, best first: load issues (which wait while MAX_PENDING_LOADS are in flight)
  // and the rest. Each step takes the better of the two tops: the same choice as scanning every ready
  // node for the best, which made long segments with many ready ops quadratic.
  const waiting = nodes.map((n) => n.preds.length);
  const loads = new NodeHeap();
  const others = new NodeHeap();
  const ready = (n: Node) => (isLoadIssue(n.m) ? loads : others).push(n);
  for (const n of nodes) if (n.preds.length === 0) ready(n);
  const out: MInstr[] = [];
  let pendingLoads = pending;
  let preferred: Node | undefined;
  for (let step = 0; step < nodes.length; step++) {
    const top = loads.top();
    const load = top && pendingLoads + (top.m.tmuWords ?? 1) <= MAX_PENDING_LOADS ? top : undefined;
    const other = others.top();
    const takeLoad = load !== undefined && (!other || better(load, other));
    const best = takeLoad ? load : other;
    let n: Node | undefined;
    if (preferred && (!best || preferred.height + 1 >= best.height)) {
      n = preferred;
      preferred = undefined;
    } else n = takeLoad ? loads.pop() : others.pop();
    if (!n) throw new Error('scheduler: dependency cycle');
    if (preferred) {
      ready(preferred);
      preferred = undefined;
    }
    n.cycle = step;
    for (const s of n.succs) {
      if (--(waiting[s.node.index] as number) !== 0) continue;
      if (sumsAfterProducts && !s.order && n.m.unit === 'mul' && s.node.m.unit === 'add' && !isLoadIssue(s.node.m) && (!preferred || better(s.node, preferred))) {
        if (preferred) ready(preferred);
        preferred = s.node;
      } else ready(s.node);
    }
    if (isLoadIssue(n.m)) pendingLoads += n.m.tmuWords ?? 1;
    if (n.m.op === 'ldtmu') pendingLoads--;
    out.push(n.m);
  }
  return out;
}

/** Scheduling priority: the longer path to the segment's end first, then source order. */
function better(a: Node, b: Node): boolean {
  return a.height > b.height || (a.height === b.height && a.index < b.index);
}

/** A binary heap of nodes, best ({@link better}) on top. */
class NodeHeap {
  private readonly items: Node[] = [];

  top(): Node | undefined {
    return this.items[0];
  }

  push(n: Node): void {
    const items = this.items;
    let k = items.length;
    items.push(n);
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (!better(n, items[parent] as Node)) break;
      items[k] = items[parent] as Node;
      k = parent;
    }
    items[k] = n;
  }

  pop(): Node | undefined {
    const items = this.items;
    const first = items[0];
    const last = items.pop();
    if (first === undefined || last === undefined || items.length === 0) return first;
    let k = 0;
    for (;;) {
      const l = 2 * k + 1;
      if (l >= items.length) break;
      const r = l + 1;
      const c = r < items.length && better(items[r] as Node, items[l] as Node) ? r : l;
      if (!better(items[c] as Node, last)) break;
      items[k] = items[c] as Node;
      k = c;
    }
    items[k] = last;
    return first;
  }
}

/**
 * Move each `ldtmu` of a segment down to just before the first op that needs it: what reads or writes its
 * register, a `tmuwt`, a signal other than `ldtmu`, or a lookup that would find the TMU output FIFO full
 * (MAX_PENDING_LOADS words). `ldtmu`s keep their order (the FIFO's), lookups and all other ops theirs. Used when
 * register pressure keeps selection order: a value loaded ahead in the source then occupies a register only
 * from where it is used, not from where its lookup is issued (the data wait in the FIFO meanwhile).
 */
export function deferLoadResults(ops: MInstr[]): MInstr[] {
  const out: MInstr[] = [];
  const queue: MInstr[] = [];
  const queued = new Map<string, number>();
  const keyOf = (r: MSrc | MDst): string | undefined => (r.kind === 'vreg' ? `v${r.id}` : r.kind === 'rf' ? `rf${r.index}` : r.kind === 'acc' ? `r${r.index}` : undefined);
  let pending = 0;
  let taken = 0;
  const flush = (count: number): void => {
    for (let k = 0; k < count; k++) {
      const m = queue[taken + k] as MInstr;
      out.push(m);
      const d = m.dst && keyOf(m.dst);
      if (d !== undefined && queued.get(d) === taken + k) queued.delete(d);
      pending--;
    }
    taken += count;
  };
  for (const m of ops) {
    const dst = m.dst && keyOf(m.dst);
    if (m.op === 'ldtmu' && m.unit === 'sig' && !m.cond && m.dst?.kind === 'vreg' && dst !== undefined) {
      queue.push(m);
      queued.set(dst, queue.length - 1);
      continue;
    }
    // The deferred ldtmus this op must follow: all of them before a wait or another signal, else through the
    // last one whose register it touches.
    let through = -1;
    if (m.op === 'tmuwt' || m.unit === 'sig' || m.unit === 'sync' || m.unit === 'branch') through = queue.length - 1;
    else {
      const touched = [...m.srcs, ...(m.dst ? [m.dst] : []), ...(m.rotate ? [m.rotate] : [])];
      for (const r of touched) {
        const k = keyOf(r);
        const at = k === undefined ? undefined : queued.get(k);
        if (at !== undefined && at > through) through = at;
      }
    }
    if (through >= taken) flush(through + 1 - taken);
    if (isLoadIssue(m)) {
      const words = m.tmuWords ?? 1;
      while (pending + words > MAX_PENDING_LOADS && taken < queue.length) flush(1);
      pending += words;
    }
    out.push(m);
  }
  flush(queue.length - taken);
  return out;
}

/** How far {@link sinkToUses} looks for a value's first reader (ops). */
const SINK_WINDOW = 48;
/**
 * A value whose first reader is this many ops away or nearer stays. CHOICE, measured: moving values next to
 * readers a few ops on made dependent chains adjacent, whose values then share the few accumulators and serialise
 * the words (vc6 test/fixtures/e2e/math.ts 30 770 -> 31 523 instructions); from 4 on, 30 777, and vc6 yuvToRgba
 * keeps its gain (8: 0.891 again).
 */
const SINK_MIN_DISTANCE = 4;

/**
 * 4.2: move each pure ALU op down to just before the first op that reads its result, when that lengthens no
 * operand's live range (each register operand defined in the segment is read again at or after the new place)
 * and that reader is an ALU op (not a TMU write: address arithmetic stays where the order put it; moved, vc6
 * resize lost 1.5 %). {@link orderSegment} puts an op where its priority says; a value made early and read late
 * holds a register all the while, which on 4.2 keeps it out of the accumulators (few, and given to short lives),
 * and then its readers cannot pair (two register-file reads per word): vc6 yuvToRgba 0.876 -> 0.891.
 */
export function sinkToUses(ops: MInstr[]): MInstr[] {
  const out = [...ops];
  const id = (r: MSrc | MDst | undefined): number | undefined => (r?.kind === 'vreg' ? r.id : undefined);
  const defCount = new Map<number, number>();
  for (const m of out) {
    const d = id(m.dst);
    if (d !== undefined) defCount.set(d, (defCount.get(d) ?? 0) + 1);
  }
  const reads = (m: MInstr, v: number): boolean => m.srcs.some((s) => id(s) === v) || (m.cond !== undefined && id(m.dst) === v);
  const pure = (m: MInstr): boolean =>
    (m.unit === 'add' || m.unit === 'mul') && !m.rotate && m.dst?.kind === 'vreg' && !m.cond && !m.pf && !m.uf && m.op !== 'multop' && m.op !== 'umul24' &&
    OP_CLASS[m.op] !== 'sfu' && m.srcs.every((s) => s.kind === 'vreg' || s.kind === 'imm' || s.kind === 'rf');
  for (let p = out.length - 1; p >= 0; p--) {
    const m = out[p] as MInstr;
    if (!pure(m)) continue;
    const d = id(m.dst) as number;
    if (defCount.get(d) !== 1) continue;
    let q = -1;
    for (let k = p + 1; k < out.length && k <= p + SINK_WINDOW; k++) {
      if (reads(out[k] as MInstr, d)) {
        q = k;
        break;
      }
    }
    if (q - p <= SINK_MIN_DISTANCE || (out[q] as MInstr).dst?.kind === 'magic') continue;
    const sources = m.srcs.map(id).filter((v): v is number => v !== undefined);
    let ok = true;
    // No source is written in between (a vreg with several definitions: a block argument, a select).
    for (let k = p + 1; k < q && ok; k++) {
      const od = id((out[k] as MInstr).dst);
      if (od !== undefined && sources.includes(od)) ok = false;
    }
    // A source defined in the segment must be read again at q or later, or moving lengthens its life.
    for (const v of sources) {
      if (!ok || !defCount.has(v)) continue;
      let later = false;
      for (let k = q; k < out.length && !later; k++) if (reads(out[k] as MInstr, v)) later = true;
      if (!later) ok = false;
    }
    if (!ok) continue;
    out.splice(p, 1);
    out.splice(q - 1, 0, m);
  }
  return out;
}
