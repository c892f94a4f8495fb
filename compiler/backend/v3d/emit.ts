/**
 * From machine IR to V3D instructions: register allocation onto the
 * register file, operand encoding per version (4.2 muxes and two read ports;
 * 7.1 one address per operand), branch layout with the three delay slots,
 * and the thread-end sequence.
 */
import type { SourceLoc } from '../../ir/types.ts';
import type { V3dAluInstr, V3dBranchInstr, V3dInstr, V3dVersion } from '../../isa/v3d/instr.ts';
import { encodeInstr } from '../../isa/v3d/encode.ts';
import { MAGIC, nopInstr } from '../../isa/v3d/instr.ts';
import { buildBundle } from './bundle.ts';
import type { FlowBlock, RegisterView } from '../common/liveness.ts';
import { computeLiveness } from '../common/liveness.ts';
import { allocateRegisters, RegisterPressureError } from '../common/regalloc.ts';
import type { MBlock, MDst, MFunction, MInstr, MSrc, UniformSlot } from './mir.ts';
import { constantOf, MAX_SPILL_SLOTS, rewriteSpills, SPILL_BYTES_PER_BATCH } from './spill.ts';
import { acc, defOf, regKey, rf, usesOf } from './mir.ts';
import { OP_CLASS } from '../../isa/v3d/table.ts';
import { insertSwitches, isSwitch, pendingAfter } from './thrsw.ts';
import { deferLoadResults, orderSegment, scheduleSegment, sinkToUses, type ScheduledWord } from './schedule.ts';
import { BackendError } from './isel.ts';
import { carryLoadsAcrossBackEdges } from './carry.ts';

/** Machine code for one kernel, before encoding. */
export interface V3dCode {
  instrs: V3dInstr[];
  /** Source location per instruction (undefined for glue: delay-slot nops, the end sequence). */
  locs: (SourceLoc | undefined)[];
  /** What each uniform-stream word holds, in stream order. */
  uniforms: UniformSlot[];
  /** Number of register-file entries used. */
  registersUsed: number;
  /** Scratch bytes per batch for spilled values (0: no spilling). */
  scratchBytesPerThread: number;
}

const isReg = (r: { kind: string }): r is { kind: 'vreg'; id: number } | { kind: 'rf'; index: number } => r.kind === 'vreg' || r.kind === 'rf';
/** Whether two operands are the same rf entry or the same accumulator (an accumulator's write-address override aside). */
const sameReg = (a: MSrc | MDst, b: MSrc | MDst): boolean =>
  (a.kind === 'rf' && b.kind === 'rf' && a.index === b.index) ||
  (a.kind === 'acc' && b.kind === 'acc' && a.index === b.index && a.waddr === undefined && b.waddr === undefined);
/** Branches, barriers and thread switches end a straight-line segment. */
const isBoundary = (m: MInstr): boolean => m.unit === 'branch' || m.unit === 'sync' || isSwitch(m);


const view: RegisterView<MInstr> = {
  uses: (i) => usesOf(i).map(regKey),
  def: (i) => {
    const d = defOf(i);
    return d ? regKey(d) : undefined;
  },
};

/** Registers per thread with two threads per QPU (cfg5 THREADING = 0): rf0..rf63. */
const REGISTER_COUNT = 64;

/**
 * Order each straight-line run before allocation with `order` (branches and barriers stay where they are); a block's
 * first run gets its `pendingAtEntry` words.
 */
function orderBlocks(blocks: MBlock[], order: (run: MInstr[], pending: number) => MInstr[] = (run, pending) => orderSegment(run, false, pending)): void {
  for (const b of blocks) {
    const out: MInstr[] = [];
    let run: MInstr[] = [];
    let pending = b.pendingAtEntry ?? 0;
    // Appended one by one: a spread passes the whole segment (tens of thousands of ops) as call arguments.
    const append = (ops: MInstr[]): void => {
      for (const o of ops) out.push(o);
    };
    for (const m of b.instrs) {
      if (isBoundary(m)) {
        append(order(run, pending));
        pending = 0;
        out.push(m);
        run = [];
      } else run.push(m);
    }
    append(order(run, pending));
    b.instrs = out;
  }
}

/** Control-flow successors of each block (fall-through, branch targets). */
function flowOf(blocks: MBlock[]): FlowBlock<MInstr>[] {
  const END = -1;
  return blocks.map((b, k) => {
    const last = b.instrs[b.instrs.length - 1];
    const succs: number[] = [];
    const falls = !(last?.unit === 'branch' && last.branch?.cond === 'always');
    const next = blocks[k + 1];
    if (falls && next) succs.push(next.id);
    for (const i of b.instrs) if (i.branch && i.branch.target !== END) succs.push(i.branch.target);
    return { id: b.id, instrs: b.instrs, succs };
  });
}

/** Where the register file is most oversubscribed, and how long each register is live. */
interface Pressure {
  /** The live set where it is first largest (in the order the walk built it: it breaks ties between candidates). */
  peak: Set<string>;
  /** The block index (in `flow`) of that point, or -1 when nothing is live anywhere. */
  peakBlock: number;
  /** At how many instructions each register is live. */
  span: Map<string, number>;
}

/** The registers live just before instruction `stop` of block `b`: its live-out set walked back to there. */
function liveBefore(b: FlowBlock<MInstr>, liveOut: Map<number, Set<string>>, stop: number): Set<string> {
  const live = new Set(liveOut.get(b.id));
  for (let i = b.instrs.length - 1; i >= stop; i--) {
    const m = b.instrs[i] as MInstr;
    const d = view.def(m);
    if (d) live.delete(d);
    for (const u of view.uses(m)) live.add(u);
  }
  return live;
}

/**
 * Register pressure of a function: at how many instructions each register is
 * live (counted by when it enters and leaves the live set, not by visiting
 * every live register at every instruction), and the live set where it is
 * first largest.
 */
function measurePressure(flow: FlowBlock<MInstr>[], liveOut: Map<number, Set<string>>): Pressure {
  const span = new Map<string, number>();
  const since = new Map<string, number>();
  let t = 0;
  let peakSize = 0;
  let peakAt: { block: number; index: number } | undefined;
  for (let bi = 0; bi < flow.length; bi++) {
    const b = flow[bi] as FlowBlock<MInstr>;
    for (const k of liveOut.get(b.id) ?? []) since.set(k, t);
    const live = new Set(liveOut.get(b.id));
    for (let i = b.instrs.length - 1; i >= 0; i--) {
      const m = b.instrs[i] as MInstr;
      const d = view.def(m);
      if (d && live.delete(d)) span.set(d, (span.get(d) ?? 0) + t - (since.get(d) as number));
      for (const u of view.uses(m)) {
        if (!live.has(u)) {
          live.add(u);
          since.set(u, t);
        }
      }
      t++;
      if (live.size > peakSize) {
        peakSize = live.size;
        peakAt = { block: bi, index: i };
      }
    }
    for (const k of live) span.set(k, (span.get(k) ?? 0) + t - (since.get(k) as number));
  }
  // The live set at the peak, rebuilt by walking its block again.
  return peakAt ? { peak: liveBefore(flow[peakAt.block] as FlowBlock<MInstr>, liveOut, peakAt.index), peakBlock: peakAt.block, span } : { peak: new Set(), peakBlock: -1, span };
}

/**
 * The registers to spill next: at the point where the most values are live,
 * the allowed ones that are live at the most instructions (spilling the
 * longest ranges at the peak relieves it for the least reload traffic).
 */
function spillCandidates({ peak, span }: Pressure, allowed: (key: string) => boolean, cheap: (key: string) => boolean): string[] {
  // A quarter of the excess over the register file (at least one), longest ranges first: spilling the whole
  // excess at once overshoots, since reload temporaries and the next peak differ.
  const want = Math.max(1, Math.floor((peak.size - REGISTER_COUNT) / 4));
  // Cheap ones (constants, rebuilt where used) before the rest.
  const rank = (k: string) => (cheap(k) ? 1 << 30 : 0) + (span.get(k) ?? 0);
  return [...peak].filter(allowed).sort((a, b) => rank(b) - rank(a)).slice(0, want);
}

/** The (dst, src) register keys of a copy the allocator may give one register, or undefined. */
function copyOf(m: MInstr): [string, string] | undefined {
  const s = m.srcs[0];
  if (m.op !== 'mov' || m.cond || m.rotate || !m.dst || !isReg(m.dst) || !s || !isReg(s)) return undefined;
  return [regKey(m.dst), regKey(s)];
}

/**
 * Whether colouring must fail, so that a spill round need not build the
 * interference graph to learn it. Values live at one point interfere
 * pairwise: on a path from the entry to that point, the later of two values'
 * last definitions sees the other live. Two exceptions: a value live into
 * the entry (defined on no path: a payload register) meets the others only
 * where they are defined, and a copy's destination does not meet its source.
 * So the peak's values less those live into the entry, less one per copy
 * pair among them, need that many distinct registers; if that is more than
 * the register file, no colouring exists. (When this says no, the allocator
 * decides.)
 */
function mustSpill(flow: FlowBlock<MInstr>[], liveIn: Map<number, Set<string>>, pressure: Pressure): boolean {
  if (pressure.peak.size <= REGISTER_COUNT || pressure.peakBlock < 0 || flow.length === 0) return false;
  // The argument needs a path from the entry to the peak.
  const index = new Map(flow.map((b, k) => [b.id, k]));
  const reached = new Uint8Array(flow.length);
  reached[0] = 1;
  for (const stack = [0]; stack.length > 0; ) {
    for (const s of (flow[stack.pop() as number] as FlowBlock<MInstr>).succs) {
      const k = index.get(s);
      if (k !== undefined && reached[k] === 0) stack.push((reached[k] = 1, k));
    }
  }
  if (reached[pressure.peakBlock] === 0) return false;
  const entryIn = liveIn.get((flow[0] as FlowBlock<MInstr>).id) ?? new Set<string>();
  const members = new Set([...pressure.peak].filter((k) => !entryIn.has(k)));
  let shared = 0;
  for (const b of flow) {
    for (const m of b.instrs) {
      const c = copyOf(m);
      if (c && members.has(c[0]) && members.has(c[1]) && c[0] !== c[1]) shared++;
    }
  }
  return members.size - shared > REGISTER_COUNT;
}

/**
 * CHOICE, measured: on 4.2 short-lived values may live in the accumulators
 * r1..r3 (colours ACC_BASE + 1 .. ACC_BASE + 3), and r0 in a function where
 * no rotate or broadcast sequence names it. An instruction reads at most two
 * register-file entries for both ALUs together (rule 18), so an add op and a
 * mul op on four different rf values cannot pair; accumulators are read
 * through their own muxes. r5 stays out (the broadcast sequences use it
 * explicitly, unseen by the allocator), r4 too (the legacy SFU result; no
 * source says an ALU may write it). Off: every value goes to the register file.
 */
export const ACCUMULATOR_ALLOCATION = true;
/** Colour of accumulator rN in an assignment: ACC_BASE + N (rf entries are 0..63). */
export const ACC_BASE = 64;
const ACC_COLOURS = [ACC_BASE + 1, ACC_BASE + 2, ACC_BASE + 3];
/**
 * Values live at no more than this many instructions (in the pre-allocation order) may take an accumulator.
 * CHOICE, measured with the choice by reads per instruction ({@link chooseAccumulators}): 16 / 32 / 64 gave vc6
 * yuvToRgba 0.862 / 0.891 / 0.891 of the memory limit, resize 0.794 / 0.781 / 0.793, conv2d 5 × 5 0.366 / 0.376 / 0.373.
 */
const ACC_SPAN = 32;

/** The operand for a colour: an rf entry or an accumulator. */
const physReg = (c: number): MSrc & MDst => (c >= ACC_BASE ? acc(c - ACC_BASE) : rf(c));

/**
 * Virtual registers that may live in an accumulator: every definition an
 * add- or mul-ALU op (not an SFU op: rule 22; not a signal), a rotate's
 * result included (the signal rotates the mul ALU's operands; pv6 rotates
 * into r1), every read by an ALU op without rotate (the 4.2 rotate signal's
 * effect on the add ALU is unknown), never live across a barrier's thread
 * switch or a thread switch (accumulators are undefined after one), and live at few instructions.
 */
function accumulatorCandidates(flow: FlowBlock<MInstr>[], liveOut: Map<number, Set<string>>, span: Map<string, number>): Set<string> {
  const bad = new Set<string>();
  const seen = new Set<string>();
  const alu = (m: MInstr): boolean => (m.unit === 'add' || m.unit === 'mul') && !m.rotate;
  for (const b of flow) {
    for (const m of b.instrs) {
      const d = defOf(m);
      if (d?.kind === 'vreg') {
        const k = regKey(d);
        seen.add(k);
        if (!(alu(m) || (m.unit === 'mul' && m.rotate)) || OP_CLASS[m.op] === 'sfu') bad.add(k);
      }
      if (!alu(m)) for (const u of usesOf(m)) bad.add(regKey(u));
    }
    // Values live across a barrier (one has no operands: live after it is live before it).
    b.instrs.forEach((m, i) => {
      if (m.unit === 'sync' || isSwitch(m)) for (const k of liveBefore(b, liveOut, i)) bad.add(k);
    });
  }
  const out = new Set<string>();
  for (const k of seen) if (!bad.has(k) && (span.get(k) ?? 0) <= ACC_SPAN) out.add(k);
  return out;
}

/**
 * Which accumulator each chosen candidate gets: the candidates that save the most register-file reads per
 * instruction they hold an accumulator (reads by ALU ops over the instructions live) go first, each into an
 * accumulator free at every instruction where it is live (live after its definition, and at the definition
 * itself), in the pre-allocation order. A greedy weighted interval packing.
 */
function chooseAccumulators(flow: FlowBlock<MInstr>[], liveOut: Map<number, Set<string>>, candidates: Set<string>, accs: number[]): Map<string, number> {
  const at = new Map<string, number[]>();
  const reads = new Map<string, number>();
  let t = 0;
  for (const b of flow) {
    const live = new Set(liveOut.get(b.id));
    for (let i = b.instrs.length - 1; i >= 0; i--) {
      const m = b.instrs[i] as MInstr;
      const d = view.def(m);
      const mark = (k: string): void => {
        if (!candidates.has(k)) return;
        let list = at.get(k);
        if (!list) at.set(k, (list = []));
        if (list[list.length - 1] !== t) list.push(t);
      };
      for (const k of live) mark(k);
      if (d) {
        mark(d);
        live.delete(d);
      }
      for (const u of view.uses(m)) {
        live.add(u);
        if (candidates.has(u)) reads.set(u, (reads.get(u) ?? 0) + 1);
      }
      t++;
    }
  }
  // A copy's two ends are one choice (the colouring coalesces them: apart, one would keep the accumulator and the
  // copy would stay, as a mov, in a 4.2 broadcast's r5 -> value copies of sgemm).
  const root = new Map<string, string>();
  const find = (k: string): string => {
    let r = k;
    while (root.has(r)) r = root.get(r) as string;
    return r;
  };
  for (const b of flow) {
    for (const m of b.instrs) {
      const c = copyOf(m);
      if (!c || !at.has(c[0]) || !at.has(c[1])) continue;
      const [x, y] = [find(c[0]), find(c[1])];
      if (x !== y) root.set(y, x);
    }
  }
  const groups = new Map<string, { members: string[]; at: Set<number>; reads: number }>();
  for (const [k, ts] of at) {
    const r = find(k);
    let g = groups.get(r);
    if (!g) groups.set(r, (g = { members: [], at: new Set(), reads: 0 }));
    g.members.push(k);
    for (const x of ts) g.at.add(x);
    g.reads += reads.get(k) ?? 0;
  }
  const list = [...groups.values()];
  const density = (g: { at: Set<number>; reads: number }): number => g.reads / Math.max(1, g.at.size);
  list.sort((a, b) => density(b) - density(a) || a.at.size - b.at.size);
  const busy = accs.map(() => new Uint8Array(t));
  const out = new Map<string, number>();
  for (const g of list) {
    const a = busy.findIndex((row) => [...g.at].every((x) => row[x] === 0));
    if (a < 0) continue;
    for (const x of g.at) (busy[a] as Uint8Array)[x] = 1;
    for (const k of g.members) out.set(k, accs[a] as number);
  }
  return out;
}

/** Colour the registers of `flow` onto rf0..rf63 and, on 4.2, the accumulators (throws RegisterPressureError). */
function allocate(flow: FlowBlock<MInstr>[], liveOut: Map<number, Set<string>>, ver: V3dVersion, span: Map<string, number>): Map<string, number> {
  const rfColours = Array.from({ length: REGISTER_COUNT }, (_, k) => k);
  const useAcc = ACCUMULATOR_ALLOCATION && ver === 42;
  if (!useAcc) {
    return allocateRegisters(flow, view, { colours: rfColours, precoloured: (k) => (k.startsWith('rf') ? Number(k.slice(2)) : undefined), copyOf: (i) => copyOf(i as MInstr) }, liveOut);
  }
  const namesR0 = flow.some((b) => b.instrs.some((m) => [...m.srcs, m.dst, m.rotate].some((x) => x?.kind === 'acc' && x.index === 0)));
  const accs = namesR0 ? ACC_COLOURS : [ACC_BASE, ...ACC_COLOURS];
  const chosen = chooseAccumulators(flow, liveOut, accumulatorCandidates(flow, liveOut, span), accs);
  return allocateRegisters(flow, view, {
    colours: [...rfColours, ...accs],
    precoloured: (k) => (k.startsWith('rf') ? Number(k.slice(2)) : undefined),
    copyOf: (i) => copyOf(i as MInstr),
    // A chosen value tries its accumulator first (a neighbour may have taken it after all: then the register file).
    order: (k: string) => {
      const a = chosen.get(k);
      return a === undefined ? rfColours : [a, ...rfColours];
    },
    allows: (k: string, c: number) => c < ACC_BASE || chosen.get(k) === c,
  }, liveOut);
}

/** A machine function after register allocation: `mf.blocks` rewritten for spills, every virtual register assigned an rf entry. */
export interface V3dAllocated {
  mf: MFunction;
  /** rf entry of each register key ('v12', 'rf3'). */
  assignment: Map<string, number>;
  /** Virtual registers spilled to scratch memory. */
  spilled: string[];
}

/**
 * Register allocation: colour the virtual registers onto rf0..rf63 after the
 * pre-allocation order (loads hoisted); under pressure keep selection order,
 * then spill one more value at a time (rewriting the code) until it colours.
 */
export function allocateV3d(mf: MFunction, ver: V3dVersion): V3dAllocated {
  // Allocate; on failure spill one more register (rewriting the selection-order code again) and retry.
  const selected = mf.blocks.map((b) => ({ id: b.id, instrs: [...b.instrs] }));
  const spilled: string[] = [];
  let assignment: Map<string, number> | undefined;
  // The pre-allocation order hoists loads and so lengthens live ranges; under pressure, selection order is kept.
  let reorder = true;
  // First with loads carried across loop back edges (carry.ts), when some loop has them and that colours without
  // spilling (spill code's lookups would collect the carried words); else the code as selected.
  let carried = carryLoadsAcrossBackEdges(selected);
  for (;;) {
    const { blocks, temps } = rewriteSpills(mf, carried ?? selected, spilled, ver);
    // Selection order under pressure, but each load's result collected only where it is needed.
    orderBlocks(blocks, reorder ? (run, pending) => (ver === 42 ? sinkToUses(orderSegment(run, true, pending)) : orderSegment(run, false, pending)) : deferLoadResults);
    if (mf.threadSwitch) insertSwitches(blocks);
    const flow = flowOf(blocks);
    const { liveIn, liveOut } = computeLiveness(flow, view);
    const pressure = measurePressure(flow, liveOut);
    // Colouring is tried unless it certainly fails; its error, when it was tried (or is needed below).
    let failure: RegisterPressureError | undefined;
    const tryColouring = (): boolean => {
      try {
        assignment = allocate(flow, liveOut, ver, pressure.span);
        mf.blocks = blocks;
        return true;
      } catch (e) {
        if (!(e instanceof RegisterPressureError)) throw e;
        failure = e;
        return false;
      }
    };
    if (!mustSpill(flow, liveIn, pressure) && tryColouring()) break;
    if (carried) {
      carried = undefined;
      continue;
    }
    if (reorder) {
      reorder = false;
      continue;
    }
    const allowed = (k: string) => k.startsWith('v') && !temps.has(k) && !spilled.includes(k);
    // Constants first: they are rebuilt where used and take no spill slot.
    const isConstant = (k: string) => constantOf(mf, k) !== undefined;
    const constantsFirst = (ks: string[]) => [...ks.filter(isConstant), ...ks.filter((k) => !isConstant(k))];
    let picks = spillCandidates(pressure, allowed, isConstant);
    // While constants are left at the peak, rebuild only them this round.
    if (picks.some(isConstant)) picks = picks.filter(isConstant);
    if (picks.length === 0) {
      // No allowed value at the peak: the neighbours of the register colouring failed on (colouring is needed for them).
      if (!failure && tryColouring()) break;
      const e = failure as RegisterPressureError;
      picks = constantsFirst(e.candidates.filter((c) => allowed(c.key)).sort((a, b) => b.degree - a.degree).map((c) => c.key)).slice(0, 1);
    }
    const inMemory = spilled.filter((k) => !isConstant(k)).length;
    const pick = picks[0];
    if (!pick || (!isConstant(pick) && inMemory >= MAX_SPILL_SLOTS)) {
      throw new BackendError(`more than ${REGISTER_COUNT} values are live at once even after spilling ${inMemory} values to memory`);
    }
    let room = MAX_SPILL_SLOTS - inMemory;
    const take = picks.filter((k) => isConstant(k) || room-- > 0);
    if (inMemory === 0 && take.some((k) => !isConstant(k))) mf.uniforms.unshift({ kind: 'scratch' });
    spilled.push(...take);
  }
  return { mf, assignment: assignment as Map<string, number>, spilled };
}

/** Scheduling and bundling of allocated code into instruction words (add/mul pairing, delay slots, the thread end). */
export function scheduleV3d(allocated: V3dAllocated, ver: V3dVersion): V3dCode {
  const END = -1;
  const { mf, assignment, spilled } = allocated;
  const phys = (r: { kind: 'vreg'; id: number } | { kind: 'rf'; index: number }): number => {
    const c = assignment.get(regKey(r));
    if (c === undefined) throw new BackendError(`register ${regKey(r)} has no allocation`);
    return c;
  };

  // Registers are allocated: rewrite every operand to its rf entry.
  const physOp = (m: MInstr): MInstr => {
    const r = { ...m, srcs: m.srcs.map((x) => (isReg(x) ? physReg(phys(x)) : x)) };
    if (m.dst && isReg(m.dst)) r.dst = physReg(phys(m.dst));
    // fmin and fmax share an opcode and are told apart by operand order, so fmax of one register with itself has
    // no encoding; two values in one register are equal (coalesced copies), and fmax(x, x) = x.
    const [s0, s1] = r.srcs;
    if (r.op === 'fmax' && s0 && s1 && sameReg(s0, s1)) return { ...r, op: 'mov', srcs: [s0] };
    return r;
  };
  const isSelfMove = (m: MInstr): boolean => {
    const s0 = m.srcs[0];
    return m.op === 'mov' && !m.cond && !m.pf && !m.rotate && m.dst !== undefined && s0 !== undefined && sameReg(m.dst, s0);
  };

  // Segments: straight-line runs ending in at most one branch.
  interface Segment { blockId?: number; ops: MInstr[]; branch?: MInstr; barrier?: boolean; switches?: boolean; pending?: number }
  const segments: Segment[] = [];
  for (const b of mf.blocks) {
    let seg: Segment = { blockId: b.id, ops: [], pending: b.pendingAtEntry ?? 0 };
    for (const m of b.instrs) {
      if (m.unit === 'sync') {
        seg.barrier = true;
        segments.push(seg);
        seg = { ops: [] };
      } else if (isSwitch(m)) {
        // The lookups the segment leaves outstanding are collected after the switch: the next segment's scheduler
        // counts their words against the output FIFO.
        seg.switches = true;
        segments.push(seg);
        seg = { ops: [], pending: pendingAfter(seg.ops, seg.pending ?? 0) };
      } else if (m.unit === 'branch') {
        seg.branch = m;
        segments.push(seg);
        seg = { ops: [] };
      } else {
        const p = physOp(m);
        if (!isSelfMove(p)) seg.ops.push(p);
      }
    }
    if (seg.ops.length > 0 || seg.blockId !== undefined) segments.push(seg);
  }

  const instrs: V3dInstr[] = [];
  const locs: (SourceLoc | undefined)[] = [];
  const blockStart = new Map<number, number>();
  const fixups: { at: number; target: number }[] = [];
  const push = (i: V3dInstr, loc?: SourceLoc) => {
    instrs.push(i);
    locs.push(loc);
  };
  const scheduled = segments.map((seg) => {
    const flagWriter = seg.branch && seg.branch.branch?.cond !== 'always' ? [...seg.ops].reverse().find((o) => o.pf || o.uf) : undefined;
    return scheduleSegment(seg.ops, ver, flagWriter, seg.pending ?? 0);
  });
  segments.forEach((seg, si) => {
    if (seg.blockId !== undefined) blockStart.set(seg.blockId, instrs.length);
    const words = scheduled[si] as ScheduledWord[];
    const br = seg.branch;
    if (seg.barrier) {
      // Barrier (notes 2.6): barrierid to syncb in the same instruction as a thrsw; the two delay slots stay
      // empty (no SFU there, rule 9; nothing that should run after the switch, rule 27).
      for (const w of words) push(w.word, w.ops.find((o) => o.loc)?.loc);
      const bw = buildBundle(
        { add: { unit: 'add', op: 'barrierid', dst: { kind: 'magic', addr: MAGIC.SYNCB }, srcs: [] }, sig: { unit: 'sig', op: 'thrsw', srcs: [] } },
        ver,
      );
      if (!bw) throw new BackendError('the barrier instruction does not encode');
      push(bw);
      push(nopInstr());
      push(nopInstr());
      return;
    }
    if (seg.switches) {
      // Thread switch (thrsw.ts): the signal on the segment's last word where it encodes there, else a word of its
      // own; its two delay slots take the next segment's first words where rule 27 allows them there (that segment
      // continues the block: no branch lands between), else nops.
      for (const w of words) push(w.word, w.ops.find((o) => o.loc)?.loc);
      const last = instrs[instrs.length - 1];
      const signalled = last?.kind === 'alu' && words.length > 0 ? withThrsw(last, ver) : undefined;
      if (signalled) instrs[instrs.length - 1] = signalled;
      else {
        const t = nopInstr();
        t.sig.thrsw = true;
        push(t);
      }
      const next = scheduled[si + 1];
      const continues = segments[si + 1] !== undefined && segments[si + 1]!.blockId === undefined;
      for (let k = 0; k < 2; k++) {
        const w = continues && next !== undefined && next.length > 1 && fitsSwitchSlot(next[0]!) ? next.shift() : undefined;
        if (w) push(w.word, w.ops.find((o) => o.loc)?.loc);
        else push(nopInstr());
      }
      return;
    }
    // A jump to the code that follows anyway is dropped.
    const nextSeg = segments[si + 1];
    const target = br?.branch?.target;
    const fallsInto = nextSeg === undefined ? target === END : nextSeg.blockId === target && nextSeg.blockId !== undefined;
    if (!br || (br.branch?.cond === 'always' && fallsInto)) {
      for (const w of words) push(w.word, w.ops.find((o) => o.loc)?.loc);
      return;
    }
    // The branch issues as early as its flags and the uniform stream allow, so that up to three of the
    // segment's own words fill its delay slots (they run on both paths anyway).
    let earliest = 0;
    words.forEach((w, k) => {
      if (w.ops.some((o) => o.pf || o.uf || o.op === 'ldunifrf' || o.op === 'tmuwt')) earliest = k + 1;
    });
    const at = Math.max(earliest, words.length - 3);
    words.slice(0, at).forEach((w) => push(w.word, w.ops.find((o) => o.loc)?.loc));
    fixups.push({ at: instrs.length, target: target ?? END });
    push(
      { kind: 'branch', cond: br.branch?.cond ?? 'always', msfign: 'none', bdi: 'rel', ub: false, bdu: 'rel', raddrA: 0, offset: 0 },
      br.loc,
    );
    const slots = words.slice(at);
    slots.forEach((w) => push(w.word, w.ops.find((o) => o.loc)?.loc));
    for (let k = slots.length; k < 3; k++) push(nopInstr());
  });
  // Thread end (py-videocore6/7 and Mesa): a thrsw pair marks the last switch, the next thrsw ends the thread after its two delay slots.
  blockStart.set(END, instrs.length);
  const sig = (thrsw: boolean): V3dInstr => {
    const n = nopInstr();
    n.sig.thrsw = thrsw;
    return n;
  };
  for (const t of [true, true, false, false, true, false, false, false]) push(sig(t));
  for (const f of fixups) {
    const target = blockStart.get(f.target);
    if (target === undefined) throw new BackendError(`branch to unknown block ${f.target}`);
    (instrs[f.at] as V3dBranchInstr).offset = (target - (f.at + 4)) * 8;
  }
  const used = new Set([...assignment.values()].filter((c) => c < ACC_BASE));
  return { instrs, locs, uniforms: mf.uniforms, registersUsed: used.size, scratchBytesPerThread: spilled.some((k) => constantOf(mf, k) === undefined) ? SPILL_BYTES_PER_BATCH : 0 };
}


/** The word with the thread-switch signal added, if that still encodes (its other signals allow it); else undefined. */
function withThrsw(w: V3dAluInstr, ver: V3dVersion): V3dAluInstr | undefined {
  const t: V3dAluInstr = { ...w, sig: { ...w.sig, thrsw: true } };
  try {
    encodeInstr(t, ver);
    return t;
  } catch {
    return undefined;
  }
}

/**
 * Whether a scheduled word may sit in a thread switch's delay slots (semantics notes rule 27: no TMU write, `ldtmu`,
 * accumulator or flag write there; rule 9: no SFU op): plain ALU ops writing the register file, no signals, no
 * conditions.
 */
function fitsSwitchSlot(w: ScheduledWord): boolean {
  if (w.word.kind !== 'alu' || Object.values(w.word.sig).some((v) => v === true)) return false;
  return w.ops.every(
    (m) => (m.unit === 'add' || m.unit === 'mul') && m.dst?.kind === 'rf' && !m.pf && !m.uf && !m.cond && !m.rotate && m.op !== 'multop' && OP_CLASS[m.op] === undefined,
  );
}
