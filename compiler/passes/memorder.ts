/**
 * Memory reordering within a block: a load tagged `disjoint = g` moves above
 * the stores tagged with the same `g` before it, as far as its operands
 * allow (loop shaping tags the copies of a main-loop pass whose guard proved
 * that no lane's load meets one of its own stores there:
 * compiler/passes/loopshape.ts, `disjointAccesses`). The backends issue TMU
 * lookups in IR order, so the copies' lookups are all in flight before the
 * first store waits for its data.
 *
 * Everything else keeps its order: stores among themselves, a load and any
 * later store, untagged loads and stores, and every other op with an effect
 * (a barrier) against all memory ops. The loads, and the pure ops computing
 * their addresses, come first; the rest follows in its original order.
 *
 * Where the target asks for it (`passLoadsFirst`, VC4), a block holding a
 * main-loop pass's loads (tagged `pass` by loop shaping) and no store or
 * other op with an effect is ordered the same way: every load of the pass
 * goes out before the first copy's arithmetic. Passes with stores keep their
 * order there: VC4's stores are DMAs, and with the loads first the batched
 * DMAs went out later (vc4 saxpy 0.98 → 0.91, scopy 0.83 → 0.73 of the
 * memory limit in `npm run bench -- kernels`) — except a compute-bound block
 * ({@link computeBound}: a scan's rotations per vector), where the lookups'
 * wait is what the pass waits for (vc4 inclusiveScan 0.41 → 0.54; the other
 * vc4 rows unchanged). With the same option, in every
 * block the pure ops between consecutive loads move above the first of them
 * when they do not use a loaded value ({@link addressesFirst}): every address
 * of such a run is computed before its first lookup goes out. In a block with
 * no more loads than stores tagged `batch` (a pass of one load and one row
 * per copy), not compute-bound, those stores do not end a run and runs are one load long: each
 * copy's address comes before the previous copy's load, so two lookups are in
 * flight, neither one at a time nor all four (vc4 sscal 0.878 → 0.900, scopy
 * 0.844 → 0.908; sswap 0.786 → 0.784). A pass whose loads loop shaping split
 * over both TMUs (a two-array wide batch, sswap: its loads tagged `tmu`) has
 * runs of twice the budget instead, eight lookups in flight on its three QPUs
 * (with the wide batch, sswap 0.784 → 0.928).
 */
import type { Block, Instr, IrFunction, Value } from '../ir/types.ts';
import { opInfo } from '../ir/ops.ts';
import { LOAD_BUDGET } from './loopshape.ts';

const tag = (i: Instr): number | undefined => {
  const g = i.attrs?.['disjoint'];
  return typeof g === 'number' ? g : undefined;
};

/** Whether some tagged load follows a store of its group in `b`. */
function movable(b: Block): boolean {
  const seen = new Set<number>();
  for (const i of b.instrs) {
    const g = tag(i);
    if (g === undefined) continue;
    if (i.op === 'store') seen.add(g);
    else if (i.op === 'load' && seen.has(g)) return true;
  }
  return false;
}

function reorderBlock(b: Block, crossStores: boolean): void {
  const n = b.instrs.length;
  const preds: Set<number>[] = b.instrs.map(() => new Set());
  const defAt = new Map<Value, number>();
  const memory: number[] = [];
  b.instrs.forEach((i, j) => {
    for (const a of i.args) {
      const d = defAt.get(a);
      if (d !== undefined) preds[j]!.add(d);
    }
    if (i.result) defAt.set(i.result, j);
    const info = opInfo(i.op);
    const isMem = i.op === 'load' || i.op === 'store' || info?.effect === true;
    if (!isMem) return;
    for (const k of memory) {
      const p = b.instrs[k]!;
      if (p.op === 'load' && i.op === 'load') continue;
      if (crossStores && p.op === 'store' && i.op === 'load' && tag(p) !== undefined && tag(p) === tag(i)) continue;
      preds[j]!.add(k);
    }
    memory.push(j);
  });
  // Loads and what their addresses need come first.
  const early = new Set<number>();
  for (let j = n - 1; j >= 0; j--) {
    if (b.instrs[j]!.op === 'load') early.add(j);
    if (!early.has(j)) continue;
    for (const p of preds[j]!) if (b.instrs[p]!.op !== 'store' && !opInfo(b.instrs[p]!.op)?.effect) early.add(p);
  }
  const placed = new Array<boolean>(n).fill(false);
  const out: Instr[] = [];
  while (out.length < n) {
    let pick = -1;
    for (let j = 0; j < n; j++) {
      if (placed[j] || [...preds[j]!].some((p) => !placed[p])) continue;
      if (pick < 0 || (early.has(j) && !early.has(pick))) pick = j;
      if (early.has(pick)) break;
    }
    placed[pick] = true;
    out.push(b.instrs[pick]!);
  }
  b.instrs = out;
}

/**
 * In a run of loads with only pure ops between them (`a = gep p, i; load a; b = gep a, 16; load b; …`), those ops
 * move above the run's first load when they do not use a load's result: every address is then computed before the
 * first lookup, which a backend that sends requests in program order and cannot move one above its address's
 * computation needs to have them in flight together (VC4, compiler/backend/vc4/tmu.ts). A run is at most `most`
 * loads (the TMU FIFO depth: more addresses ahead than lookups in flight only keep registers busy).
 */
function addressesFirst(b: Block, most: number, bound: boolean): void {
  // A pass whose loads are at most its batched stores (a main-loop pass of one load and one store per copy: sscal,
  // scopy, sswap) and not compute-bound (those have their loads first already): the backend writes a batch's rows at
  // its last store, so those stores are no barrier here, and runs are one load long: each copy's address is ready
  // before the copy before it looks up, and two lookups are in flight (see the file comment).
  const batched = b.instrs.filter((i) => i.op === 'store' && i.attrs?.['batch'] !== undefined).length;
  const loads = b.instrs.filter((i) => i.op === 'load').length;
  // A two-array wide batch (sswap) looks up through both TMUs (loop shaping tags one array's loads `tmu`): runs of
  // twice the FIFO depth, so that both FIFOs fill (its few QPUs need every lookup in flight: loopshape.ts WIDE_TMU).
  const twoTmus = b.instrs.some((i) => i.op === 'load' && i.attrs?.['tmu'] !== undefined);
  const oneEach = batched > 0 && loads <= batched && !bound;
  if (oneEach) most = twoTmus ? 2 * most : 1;
  const out: Instr[] = [];
  let run: { at: number; loads: Set<Value>; count: number } | undefined;
  const uses = (i: Instr, vs: ReadonlySet<Value>) => i.args.some((a) => vs.has(a));
  for (const i of b.instrs) {
    const info = opInfo(i.op);
    if (i.op === 'load') {
      if (!run || run.count >= most) run = { at: out.length, loads: new Set(), count: 0 };
      run.count++;
      out.push(i);
      if (i.result) run.loads.add(i.result);
      continue;
    }
    const pure = !!info && info.hoistable && !info.effect && !info.crossLane;
    if (run && oneEach && i.op === 'store' && i.attrs?.['batch'] !== undefined) {
      out.push(i);
      continue;
    }
    if (run && pure && !uses(i, run.loads)) {
      out.splice(run.at, 0, i);
      run.at++;
      continue;
    }
    if (run && !pure) run = undefined;
    else if (run && i.result) run.loads.add(i.result); // depends on a load: later ops using it stay below
    out.push(i);
  }
  b.instrs = out;
}

/** Ops per load in a block above which its pass is compute-bound (see {@link computeBound}). */
const COMPUTE_PER_LOAD = 16;

/**
 * Whether a block's loads are few against its other work (more than {@link COMPUTE_PER_LOAD} ops each): there a
 * VC4 pass's loads go out first even when it stores (a scan's lane rotations per vector), since the lookups' wait,
 * not the DMA's start, is what the pass waits for.
 */
function computeBound(b: Block): boolean {
  const loads = b.instrs.filter((i) => i.op === 'load').length;
  return loads > 0 && b.instrs.length - loads > COMPUTE_PER_LOAD * loads;
}

/**
 * Moves tagged loads above the stores they were proven apart from (`crossStores`), and with `passLoadsFirst` a
 * main-loop pass's loads ahead of its other work and every block's load addresses ahead of its loads, `runLoads`
 * at a time (see the file comment and {@link addressesFirst}); returns the function.
 */
export function reorderMemory(fn: IrFunction, crossStores = true, passLoadsFirst = false, runLoads = LOAD_BUDGET): IrFunction {
  for (const b of fn.blocks) {
    // Reordering keeps the block's ops, so whether it is compute-bound is decided once.
    const bound = passLoadsFirst && computeBound(b);
    if ((crossStores || bound) && movable(b)) reorderBlock(b, true);
    else if (passLoadsFirst && b.instrs.some((i) => i.op === 'load' && i.attrs?.['pass'] !== undefined) && !b.instrs.some((i) => i.op === 'store' || opInfo(i.op)?.effect === true)) reorderBlock(b, false);
    if (passLoadsFirst) addressesFirst(b, runLoads, bound);
  }
  return fn;
}
