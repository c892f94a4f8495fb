/**
 * Loop shaping (after SPMD lowering and strength reduction): a counted loop
 *
 *     for (i = init; i < n; i += s) body        (also `<=`, `n > i`, `n >= i`)
 *
 * with `n` and `s` uniform and loop-invariant gets a **uniform main loop**
 * in front of it that runs `U` copies of the body per pass while every lane's
 * next `U` values of `i` are known to pass the test, and then enters the
 * original loop, which runs what is left (for a grid-stride loop: at most one
 * masked pass). In the copies the test `i < n` is the constant true and so
 * is the loop's lane mask (a header parameter that starts as true and stays
 * `mask and test`): folding removes every mask, `any` and exit edge from
 * them, and the `U` copies become one straight-line block in which the
 * backend's scheduler issues all TMU lookups before it collects the first.
 *
 * The test. The main loop carries `lo`/`hi`, the least and greatest value of
 * `i` over all 16 lanes (`reduce_min`/`reduce_max` of the initial value,
 * `global_id − lane_id` and that + 15 when it is `globalId()`; `i` itself
 * when uniform), both advanced by `U s` per pass. It runs a pass when
 * `lo <= hi` (no lane has wrapped past the type's range while another has
 * not), `hi <= hi + (U-1) s` (the pass's last values do not wrap) and
 * `hi + (U-1) s < n` (`<=` for `le`), in the compare's own signedness; the
 * main loop is entered only when `(U-1) s` fits in 32 bits (`s <= limit`).
 * Then every lane's values `i + j s`, j < U, lie in `[lo + j s, hi + (U-1) s]`
 * without wrapping, so each passes the original test: the copies are the
 * iterations the original loop would have run, in order.
 *
 * Which loops: the test is a `cmp` in the header on a header parameter whose
 * every back-edge value is `i + s`; values defined in the loop are not used
 * after it except through exit-block parameters (SPMD lowering routes them
 * so), unless the only exit is the header's branch on the test. Varying `i`:
 * always (U = 1 when the loop holds other loops or a long body). Uniform
 * `i`: only when unrolling (U > 1). `U` is the largest power of two up to
 * {@link MAX_UNROLL} with `loads x U <= loadBudget` (the target's TMU FIFO depth) and
 * `instructions x U <= BODY_BUDGET`; twice those limits when the loop's lanes
 * are regrouped for vector lookups (see {@link LanePlan}: four copies are one
 * lookup). On a target whose stores are DMAs (VC4, `dmaStore`), a loop that
 * stores `p[i]` gets as many copies as one DMA takes rows (within
 * {@link BATCH_BODY_BUDGET}), and its stores are tagged for one DMA per pass
 * ({@link storeBatch}); there, loads of i in other shapes (`p[4 i + t]`, other
 * element sizes) are proven apart from the stores by the arrays' whole
 * ranges ({@link rangeOf}).
 */
import { opInfo, type OpName } from '../ir/ops.ts';
import type { Block, Instr, IrFunction, Value } from '../ir/types.ts';
import { elemSize, isPtr } from '../ir/types.ts';
import { addParam, newBlock, newValue } from '../ir/builder.ts';
import { dominates, dominators, ensurePreheader, findLoops, predecessors, targets, type Loop } from '../ir/cfg.ts';
import { definitions } from '../ir/values.ts';
import { TARGETS } from '../target/targets.ts';
import { analyzeUniformity } from './uniformity.ts';
import { foldConstants } from './fold.ts';
import { propagateCopies } from './copyprop.ts';

/** Most copies of a body per main-loop pass. */
export const MAX_UNROLL = 8;
/**
 * Default TMU lookups the copies of one pass may have in flight when the
 * target is not known: the smallest per-thread TMU FIFO depth of any target,
 * so unrolling never asks for more than every TMU holds. The compiler passes
 * the target's own depth (compiler/compile.ts).
 */
export const LOAD_BUDGET = Math.min(...Object.values(TARGETS).map((t) => t.tmuFifoDepth));
/** IR instructions the copies of one pass may have together. */
export const BODY_BUDGET = 160;
/**
 * IR instructions the copies of a pass whose stores are batched into one DMA ({@link storeBatch}) may have: twice
 * {@link BODY_BUDGET}, so that a body of up to 80 instructions still gets the four copies a four-row DMA takes
 * (on the DMA engine's start-up per DMA, vc4 rgbaToLuma 640 × 480: two rows 0.85, four 0.98 of the memory limit).
 */
export const BATCH_BODY_BUDGET = 2 * BODY_BUDGET;
/** IR instructions of a loop holding other loops that loop shaping still copies. */
export const NEST_BUDGET = 48;

interface Candidate {
  loop: Loop;
  /** Index of the induction variable among the header's parameters. */
  ivIndex: number;
  /** The test `iv < bound` (or `<=`): true in every copy. */
  test: Value;
  bound: Value;
  step: Value;
  pred: 'lt' | 'le';
  /** Index of the lane-mask parameter (true in every copy), or -1. */
  maskIndex: number;
  unroll: number;
  /** Copies per pass when the lanes are regrouped for vector lookups ({@link laneShape}). */
  vectorUnroll: number;
  /** The loop's only exit is the header's branch on the test (no `break` or `return` in the body). */
  headerTestOnly: boolean;
  /** Address forms look through SPMD lowering's merges of a masked block's pointers (see addressForms; VC4's batching). */
  merges?: boolean;
}

/** The counted loop's shape, or undefined when the loop is not one (see the file comment). */
function match(fn: IrFunction, loop: Loop, defs: Map<Value, { block: Block; instr?: Instr }>, loadBudget: number): Candidate | undefined {
  const h = loop.header;
  const inLoop = (b: Block) => loop.blocks.has(b);
  const outside = (v: Value) => {
    const d = defs.get(v);
    return d === undefined || !inLoop(d.block);
  };
  const backs = [...loop.blocks].flatMap((b) => targets(b.term).filter((r) => r.block === h));
  const entries = fn.blocks.filter((b) => !inLoop(b)).flatMap((b) => targets(b.term).filter((r) => r.block === h));
  for (const c of h.instrs) {
    if (c.op !== 'cmp' || !c.result) continue;
    const pred0 = c.attrs?.['pred'];
    let [iv, bound] = c.args as [Value, Value];
    let pred: 'lt' | 'le';
    if (pred0 === 'lt' || pred0 === 'le') pred = pred0;
    else if (pred0 === 'gt' || pred0 === 'ge') {
      [iv, bound] = [bound, iv];
      pred = pred0 === 'gt' ? 'lt' : 'le';
    } else continue;
    const ivIndex = h.params.indexOf(iv);
    if (ivIndex < 0 || (iv.type !== 'u32' && iv.type !== 'i32') || !bound.uniform || !outside(bound)) continue;
    // Every back edge passes iv + s, one invariant uniform s.
    let step: Value | undefined;
    let ok = backs.length > 0;
    for (const r of backs) {
      const d = defs.get(r.args[ivIndex]!)?.instr;
      const s = d?.op !== 'add' ? undefined : d.args[0] === iv ? d.args[1] : d.args[1] === iv ? d.args[0] : undefined;
      if (!s || !s.uniform || !outside(s) || (step && step !== s)) ok = false;
      step = s;
    }
    if (!ok || !step) continue;
    const test = c.result;
    // Exits: either only the header's branch on the test, or no loop value used outside but through exit parameters.
    const t = h.term;
    const exits = [...loop.blocks].flatMap((b) => targets(b.term).filter((r) => !inLoop(r.block)));
    const headerTestOnly = t.kind === 'condbr' && t.cond === test && inLoop(t.then.block) && exits.length === 1 && exits[0] === t.else;
    // The lane mask: starts true, each back edge passes itself or itself and the test.
    const isTrue = (v: Value) => {
      const d = defs.get(v)?.instr;
      return d?.op === 'const' && Number(d.attrs?.['value']) === 1;
    };
    const maskIndex = h.params.findIndex((p, k) => p.type === 'bool' && entries.length > 0 && entries.every((r) => isTrue(r.args[k]!)) && backs.every((r) => {
      const a = r.args[k]!;
      if (a === p) return true;
      const d = defs.get(a)?.instr;
      return d?.op === 'and' && ((d.args[0] === p && d.args[1] === test) || (d.args[1] === p && d.args[0] === test));
    }));
    const size = [...loop.blocks].reduce((n, b) => n + b.instrs.length, 0);
    // TMU lookups per copy: uniform loads do not count (compiler/passes/lanegather.ts merges consecutive ones into one lookup).
    const all = [...loop.blocks].flatMap((b) => b.instrs.filter((i) => i.op === 'load'));
    const loads = all.filter((i) => !i.args[0]!.uniform).length;
    let unroll = 1;
    let vectorUnroll = 1;
    if (loop.children.length === 0) {
      while (unroll * 2 <= MAX_UNROLL && Math.max(1, loads) * unroll * 2 <= loadBudget && size * unroll * 2 <= BODY_BUDGET) unroll *= 2;
      // Regrouped for vector lookups (lanePlan), four copies make one lookup: twice the copies in the same budgets.
      while (vectorUnroll * 2 <= 2 * MAX_UNROLL && Math.max(1, loads) * vectorUnroll * 2 <= 2 * loadBudget && size * vectorUnroll * 2 <= 2 * BODY_BUDGET) vectorUnroll *= 2;
    }
    // One copy is worth it for a varying test (no masks in the copy), not for a uniform one; a big body is not copied,
    // and a loop holding loops only while small (their copies are shaped in turn: the code grows fast).
    if ((iv.uniform && unroll === 1) || size * unroll > (loop.children.length > 0 ? NEST_BUDGET : BODY_BUDGET)) continue;
    if (!headerTestOnly && !closeLoop(fn, loop, outside)) continue;
    return { loop, ivIndex, test, bound, step, pred, maskIndex, unroll, vectorUnroll, headerTestOnly };
  }
  return undefined;
}

/**
 * Routes every loop value used after the loop through parameters of the
 * loop's exit block (when the loop has one exit block, entered only from the
 * loop, it dominates every such use), so that copies of the loop may exit
 * too. False when the loop's exits do not allow it.
 */
function closeLoop(fn: IrFunction, loop: Loop, outside: (v: Value) => boolean): boolean {
  const inLoop = (b: Block) => loop.blocks.has(b);
  const exits = [...loop.blocks].flatMap((b) => targets(b.term).filter((r) => !inLoop(r.block)));
  const x = exits[0]?.block;
  if (!x || exits.some((r) => r.block !== x)) return false;
  const leaked: Value[] = [];
  let shared = false;
  for (const b of fn.blocks) {
    if (inLoop(b)) continue;
    const refs = targets(b.term);
    if (refs.some((r) => r.block === x)) shared = true;
    const uses = [...b.instrs.flatMap((i) => i.args), ...refs.flatMap((r) => r.args), ...(b.term.kind === 'condbr' ? [b.term.cond] : [])];
    for (const v of uses) if (!outside(v) && !leaked.includes(v)) leaked.push(v);
  }
  if (leaked.length === 0) return true;
  if (shared) return false; // entered from outside the loop too: it need not dominate the uses
  const params = leaked.map((v) => addParam(fn, x, v.type, v.uniform, v.name));
  for (const r of exits) r.args = [...r.args, ...leaked];
  const by = new Map(leaked.map((v, k) => [v, params[k]!]));
  const sub = (v: Value) => by.get(v) ?? v;
  for (const b of fn.blocks) {
    if (inLoop(b)) continue;
    for (const i of b.instrs) i.args = i.args.map(sub);
    const t = b.term;
    if (t.kind === 'condbr') t.cond = sub(t.cond);
    for (const r of targets(t)) if (!(inLoop(b) && r.block === x)) r.args = r.args.map(sub);
  }
  return true;
}

/** A constant of type `ty`. */
function constant(fn: IrFunction, at: Block, ty: 'u32' | 'i32' | 'bool', value: number): Value {
  const v = newValue(fn, ty, true);
  at.instrs.push({ op: 'const', args: [], result: v, attrs: { value } });
  return v;
}

function emit(fn: IrFunction, at: Block, op: OpName, args: Value[], ty: Value['type'], attrs?: Instr['attrs']): Value {
  const v = newValue(fn, ty, args.every((a) => a.uniform));
  at.instrs.push({ op, args, result: v, ...(attrs ? { attrs } : {}) });
  return v;
}

/**
 * The smallest and largest of the 16 lanes' `iv0` (uniform values, emitted at the end of `at`): `reduce_min` and
 * `reduce_max`, except for `global_id` itself, whose lanes are the batch's 16 consecutive ids, base + lane: there
 * base = global_id − lane_id and base + 15, two ops instead of two cross-lane reductions (on 4.2 four rotate steps
 * each, about 40 instructions in every grid-stride kernel's set-up).
 */
function laneRange(fn: IrFunction, at: Block, iv0: Value, ty: Value['type']): [Value, Value] {
  const def = fn.blocks.flatMap((b) => b.instrs).find((i) => i.result === iv0);
  let lo: Value;
  let hi: Value;
  if (def?.op === 'global_id' && ty === 'u32') {
    lo = emit(fn, at, 'sub', [iv0, emit(fn, at, 'lane_id', [], ty)], ty);
    hi = emit(fn, at, 'add', [lo, constant(fn, at, ty, 15)], ty);
  } else {
    lo = emit(fn, at, 'reduce_min', [iv0], ty);
    hi = emit(fn, at, 'reduce_max', [iv0], ty);
  }
  lo.uniform = hi.uniform = true;
  return [lo, hi];
}

/**
 * Where a pointer points in one lane: `root + size * scale * x + k` at the loop's first iteration, `size * scale *
 * step` bytes further per iteration (`p[i]`: scale 1; `p[4 * i + t]`: scale 4).
 */
interface AddressForm {
  /** A uniform pointer defined outside the loop. */
  root: Value;
  /** The lane's element offset at the first iteration in units of `scale` (the induction variable's entry value), or none. */
  x: Value | undefined;
  /** Element size: the per-iteration step is `size * scale * step` bytes. */
  size: number;
  /** Elements per unit of the induction variable (a power of two, or a constant factor); 1 unless x is the induction variable's entry value. */
  scale: number;
  /** Constant byte offset. */
  k: number;
}

/** Largest factor of an index scaled by a constant that address forms follow (keeps `size * scale` small). */
const MAX_SCALE = 64;

/** Constant byte offsets beyond this are not analysed (keeps every distance far from wrapping). */
const MAX_OFFSET = 1 << 20;

/** The address form of each pointer in the loop (see {@link AddressForm}), or undefined where it has none. */
function addressForms(fn: IrFunction, c: Candidate, init: Value[]): (v: Value) => AddressForm | undefined {
  const { loop, step } = c;
  const h = loop.header;
  const defs = definitions(fn);
  const inLoop = (b: Block) => loop.blocks.has(b);
  const outside = (v: Value) => {
    const d = defs.get(v);
    return d === undefined || !inLoop(d.block);
  };
  const constOf = (v: Value): number | undefined => {
    const d = defs.get(v)?.instr;
    const x = d?.op === 'const' ? Number(d.attrs?.['value']) : NaN;
    return Number.isInteger(x) && Math.abs(x) <= MAX_OFFSET ? x : undefined;
  };
  const backs = [...loop.blocks].flatMap((b) => targets(b.term).filter((r) => r.block === h));
  const iv = h.params[c.ivIndex]!;
  const mask = c.maskIndex >= 0 ? h.params[c.maskIndex] : undefined;
  const trueInCopies = (v: Value, depth = 0): boolean => {
    if (v === c.test || v === mask) return true;
    const d = defs.get(v)?.instr;
    return d?.op === 'and' && depth < 8 && d.args.every((a) => trueInCopies(a, depth + 1));
  };
  // SPMD lowering passes a masked block's values on through the next block's parameters: the value from the block
  // that ran, or a constant on the edge taken when no lane is active (the else edge of `condbr any(m)`, m true in
  // every copy). In the copies that edge is never taken, so the parameter is the value (c.merges: VC4's batching).
  const merged = (v: Value): Value | undefined => {
    const d = defs.get(v);
    if (!c.merges || !d || d.instr || !inLoop(d.block) || d.block === h) return undefined;
    const k = d.block.params.indexOf(v);
    let x: Value | undefined;
    for (const b of loop.blocks) {
      const t = b.term;
      for (const r of targets(t)) {
        if (r.block !== d.block) continue;
        const a = r.args[k]!;
        if (defs.get(a)?.instr?.op !== 'const') {
          if (x !== undefined && x !== a) return undefined;
          x = a;
          continue;
        }
        const any = t.kind === 'condbr' && t.else === r && t.then.block !== r.block ? defs.get(t.cond)?.instr : undefined;
        if (any?.op !== 'any' || any.args.length !== 1 || !trueInCopies(any.args[0]!)) return undefined;
      }
    }
    return x;
  };
  // The constant m > 1 of `v = base << c` or `v = base * m` (m = 2^c), or undefined.
  const scaleOf = (v: Value, base: Value): number | undefined => {
    const d = defs.get(v)?.instr;
    if (!d || d.args.length !== 2) return undefined;
    const [a, b] = d.args as [Value, Value];
    let m: number | undefined;
    if (d.op === 'shl' && a === base) {
      const sh = constOf(b);
      m = sh !== undefined && sh > 0 && sh < 31 ? 2 ** sh : undefined;
    } else if (d.op === 'mul' && (a === base || b === base)) m = constOf(a === base ? b : a);
    return m !== undefined && m > 1 && m <= MAX_SCALE ? m : undefined;
  };
  // `m base + k` (m from scaleOf, or 1 for base itself; k constant): { m, k }, or undefined.
  const scaledPlus = (v: Value, base: Value): { m: number; k: number } | undefined => {
    const m = v === base ? 1 : scaleOf(v, base);
    if (m !== undefined) return { m, k: 0 };
    const d = defs.get(v)?.instr;
    if (d?.op !== 'add') return undefined;
    for (const [t, o] of [[d.args[0]!, d.args[1]!], [d.args[1]!, d.args[0]!]] as const) {
      const mt = t === base ? 1 : scaleOf(t, base);
      const k = constOf(o);
      if (mt !== undefined && k !== undefined) return { m: mt, k };
    }
    return undefined;
  };
  const form = (v: Value, depth = 0): AddressForm | undefined => {
    if (!isPtr(v.type) || depth > 16) return undefined;
    const through = merged(v);
    if (through) return form(through, depth + 1);
    const size = elemSize(v.type.ptr);
    const p = h.params.indexOf(v);
    if (p >= 0) {
      // A pointer induction variable: `gep v, step` on every back edge, or `gep v, m step` (m constant) from
      // `gep root, m x` with x the induction variable's entry value: root + size m i.
      let scale: number | undefined;
      if (!backs.every((r) => {
        const d = defs.get(r.args[p]!)?.instr;
        if (d?.op !== 'gep' || d.args[0] !== v) return false;
        const m = d.args[1] === step ? 1 : scaleOf(d.args[1]!, step);
        if (m === undefined || (scale !== undefined && scale !== m)) return false;
        scale = m;
        return true;
      }) || scale === undefined) return undefined;
      const e = init[p]!;
      const de = defs.get(e)?.instr;
      const base = de?.op === 'gep' ? de.args[0]! : undefined;
      const baseOk = base !== undefined && base.uniform && outside(base) && isPtr(base.type) && elemSize(base.type.ptr) === size;
      if (scale > 1) {
        const at = baseOk ? scaledPlus(de!.args[1]!, init[c.ivIndex]!) : undefined;
        return at?.m === scale && Math.abs(at.k * size) <= MAX_OFFSET ? { root: base!, x: init[c.ivIndex]!, size, scale, k: at.k * size } : undefined;
      }
      if (baseOk) return { root: base!, x: de!.args[1]!, size, scale: 1, k: 0 };
      return e.uniform && outside(e) ? { root: e, x: undefined, size, scale: 1, k: 0 } : undefined;
    }
    const d = defs.get(v)?.instr;
    if (d?.op !== 'gep') return undefined;
    const [b, i] = d.args as [Value, Value];
    const kc = constOf(i);
    if (kc !== undefined) {
      const f = form(b, depth + 1);
      return f && Math.abs(f.k + kc * size) <= MAX_OFFSET ? { ...f, k: f.k + kc * size } : undefined;
    }
    if (!b.uniform || !outside(b)) return undefined;
    // gep root, iv (+ c), or m iv (+ c): the induction variable's entry value, scaled, plus c.
    const at = scaledPlus(i, iv);
    return at && Math.abs(at.k * size) <= MAX_OFFSET ? { root: b, x: init[c.ivIndex]!, size, scale: at.m, k: at.k * size } : undefined;
  };
  return form;
}

/**
 * Which loads of the loop's copies may be issued before the stores of earlier
 * copies (and of their own copy), and the run-time conditions that make it
 * safe: the no-alias guard of the main loop.
 *
 * Every access's address is `root + size * x + k + j * size * step` in copy
 * j, in one lane (x and step shared by the accesses compared). A load
 * and a store with the same root are disjoint in every later copy when the
 * load is ahead (`kL - kS >= size`) or at the same address and before the
 * store in its copy. With different roots the distance `D = (rootL + kL) -
 * (rootS + kS)` (uniform) is checked once at loop entry: `|D| >= (U-1) size
 * step + size` keeps every pair of copies apart. Guards also bound `step`
 * (1 ≤ step ≤ 2^30 / ((U-1) size)) so that no distance wraps. Only lanes'
 * own accesses are compared: the order of memory effects between lanes is
 * unspecified (docs/language.md), so the copies' loads may pass other lanes'
 * stores.
 *
 * With `reach` = 2U copies and `span` = (2U-1) step (VC4's batched stores,
 * {@link storeBatch}) the distances cover the next pass's copies too: a free
 * load is then also apart from every store of the pass before it.
 *
 * With `byRange` (batched stores), a load and a store of different arrays
 * both indexed by i in other shapes (`p[m i + c]` with another scale m, or
 * another element size: rgbaToLuma's `rgba[4 i + t]` against `grey4[i]`) are
 * apart when the bytes each array's accesses can touch over the whole loop
 * are ({@link rangeOf}; an unsigned `i < n` loop): one guard per pair of
 * arrays, which covers every copy and pass at once.
 *
 * Returns the loads found free (tagged `disjoint = group` in the copies, as
 * are all stores; compiler/passes/memorder.ts moves such loads up) and the
 * guards, or undefined when no load can move.
 */
function disjointAccesses(fn: IrFunction, c: Candidate, pre: Block, init: Value[], span: Value, reach = c.unroll, byRange = false): { guards: Value[]; free: Set<Instr>; group: number } | undefined {
  const { loop, step } = c;
  const inLoop = (b: Block) => loop.blocks.has(b);
  const form = addressForms(fn, c, init);
  const order = fn.blocks.filter(inLoop);
  const accesses = order.flatMap((b) => b.instrs.map((i, index) => ({ i, b, index })).filter((a) => a.i.op === 'load' || a.i.op === 'store'))
    .map((a) => ({ ...a, f: form(a.i.args[0]!) }));
  const stores = accesses.filter((a) => a.i.op === 'store');
  if (stores.length === 0 || stores.some((s) => !s.f)) return undefined;
  const iv0 = init[c.ivIndex]!;
  // Accesses indexed by i in other shapes (other scales or element sizes) are compared by the arrays' ranges.
  const ranged = byRange && c.pred === 'lt' && loop.header.params[c.ivIndex]!.type === 'u32';
  const free = new Set<Instr>();
  const pairs = new Map<string, [AddressForm, AddressForm]>();
  const spans = new Map<string, [AddressForm, AddressForm]>();
  const key = (a: AddressForm, b: AddressForm) => `${a.root.id}:${a.k}:${a.size}:${a.scale}:${b.root.id}:${b.k}:${b.size}:${b.scale}`;
  let size = 1;
  for (const l of accesses) {
    const fl = l.f;
    if (l.i.op !== 'load' || !fl) continue;
    const need: [AddressForm, AddressForm][] = [];
    const far: [AddressForm, AddressForm][] = [];
    const ok = stores.every((s) => {
      const fs = s.f!;
      if (fs.x === fl.x && fs.size === fl.size && fs.scale === 1 && fl.scale === 1) {
        if (fs.root !== fl.root) return need.push([fl, fs]), true;
        const d = fl.k - fs.k;
        return d >= fl.size || (d === 0 && l.b === s.b && l.index < s.index);
      }
      return ranged && fs.root !== fl.root && fs.x === iv0 && fl.x === iv0 && (far.push([fl, fs]), true);
    });
    if (!ok) continue;
    free.add(l.i);
    size = Math.max(size, fl.size);
    for (const [a, b] of need) pairs.set(key(a, b), [a, b]);
    for (const [a, b] of far) spans.set(key(a, b), [a, b]);
  }
  if (free.size === 0) return undefined;
  const ty = step.type as 'u32' | 'i32';
  const guards = [
    emit(fn, pre, 'cmp', [step, constant(fn, pre, ty, 1)], 'bool', { pred: 'ge' }),
    emit(fn, pre, 'cmp', [step, constant(fn, pre, ty, Math.floor(2 ** 30 / ((reach - 1) * size)))], 'bool', { pred: 'le' }),
  ];
  const apart = apartGuard(fn, pre, span, size);
  for (const [l, s] of pairs.values()) guards.push(apart(l, s));
  if (spans.size > 0) {
    // One range per array and bytes per unit of i, covering all its accesses' offsets; each pair apart.
    const groups = new Map<string, AddressForm[]>();
    const group = (f: AddressForm) => {
      const g = `${f.root.id}:${f.size * f.scale}`;
      groups.set(g, [...(groups.get(g) ?? []), f]);
      return g;
    };
    const compared = new Set<string>();
    for (const [l, s] of spans.values()) compared.add(`${group(l)}|${group(s)}`);
    const range = rangeOf(fn, pre, c.bound);
    const ranges = new Map<string, { start: Value; end: Value }>();
    for (const [g, fs] of groups) {
      const r = range(fs);
      guards.push(...r.guards);
      ranges.set(g, r);
    }
    for (const pair of compared) {
      const [a, b] = pair.split('|').map((g) => ranges.get(g)!) as [{ start: Value; end: Value }, { start: Value; end: Value }];
      const before = emit(fn, pre, 'cmp', [a.end, b.start], 'bool', { pred: 'le' });
      const after = emit(fn, pre, 'cmp', [b.end, a.start], 'bool', { pred: 'le' });
      guards.push(emit(fn, pre, 'or', [before, after], 'bool'));
    }
  }
  let group = 0;
  for (const b of fn.blocks) for (const i of b.instrs) group = Math.max(group, Number(i.attrs?.['disjoint'] ?? 0));
  return { guards, free, group: group + 1 };
}

/**
 * The bytes that accesses to one array, indexed by the loop's u32 induction
 * variable with one stride of B = size · scale bytes per unit of i, can touch
 * while `i < bound`: from `root + kmin` (i >= 0) to `root + kmax + B (bound -
 * 1) + size` (their least and greatest offsets k; `size` the widest element),
 * and the guards that nothing wraps: `1 <= bound <= 2^31 / B` and the end not
 * below `root + kmin`. Accesses whose ranges are apart never meet in any
 * iteration of the loop, whatever their shapes.
 */
function rangeOf(fn: IrFunction, pre: Block, bound: Value): (fs: AddressForm[]) => { start: Value; end: Value; guards: Value[] } {
  const u = (v: Value) => (v.type === 'u32' ? v : emit(fn, pre, 'bitcast', [v], 'u32'));
  const plus = (v: Value, k: number) => (k === 0 ? v : emit(fn, pre, 'add', [v, constant(fn, pre, 'u32', k >>> 0)], 'u32'));
  return (fs) => {
    const f0 = fs[0]!;
    const b = f0.size * f0.scale;
    const kmin = Math.min(...fs.map((f) => f.k));
    const kmax = Math.max(...fs.map((f) => f.k));
    const size = Math.max(...fs.map((f) => f.size));
    const start = plus(u(f0.root), kmin);
    const bytes = Number.isInteger(Math.log2(b))
      ? emit(fn, pre, 'shl', [bound, constant(fn, pre, 'u32', Math.log2(b))], 'u32')
      : emit(fn, pre, 'mul', [bound, constant(fn, pre, 'u32', b)], 'u32');
    // root + kmax + B (bound - 1) + size = start + B bound + (kmax - kmin + size - B): the last term is at most 2^21
    // and B bound + it is at least size.
    const end = plus(emit(fn, pre, 'add', [start, bytes], 'u32'), kmax - kmin + size - b);
    const guards = [
      emit(fn, pre, 'cmp', [bound, constant(fn, pre, 'u32', 1)], 'bool', { pred: 'ge' }),
      emit(fn, pre, 'cmp', [bound, constant(fn, pre, 'u32', Math.floor(2 ** 31 / b))], 'bool', { pred: 'le' }),
      emit(fn, pre, 'cmp', [end, start], 'bool', { pred: 'ge' }),
    ];
    return { start, end, guards };
  };
}

/**
 * The guard that two accesses with uniform addresses (`root + k`) are at least
 * K = span · size + size bytes apart (span = (U-1) step: no lane's access in
 * one copy meets the other's in another), emitted in `pre`: |D| >= K as one
 * unsigned compare, D + (K-1) > 2 (K-1). K - 1 and 2 (K - 1) are emitted at
 * the first guard and shared by the rest.
 */
function apartGuard(fn: IrFunction, pre: Block, span: Value, size: number): (a: AddressForm, b: AddressForm) => Value {
  const u = (v: Value) => (v.type === 'u32' ? v : emit(fn, pre, 'bitcast', [v], 'u32'));
  const at = (f: AddressForm) => (f.k === 0 ? u(f.root) : emit(fn, pre, 'add', [u(f.root), constant(fn, pre, 'u32', f.k >>> 0)], 'u32'));
  let km1: Value | undefined;
  let lim: Value | undefined;
  return (a, b) => {
    km1 ??= emit(fn, pre, 'add', [emit(fn, pre, 'shl', [u(span), constant(fn, pre, 'u32', Math.log2(size))], 'u32'), constant(fn, pre, 'u32', size - 1)], 'u32');
    lim ??= emit(fn, pre, 'shl', [km1, constant(fn, pre, 'u32', 1)], 'u32');
    const dist = emit(fn, pre, 'sub', [at(a), at(b)], 'u32');
    return emit(fn, pre, 'cmp', [emit(fn, pre, 'add', [dist, km1], 'u32'), lim], 'bool', { pred: 'gt' });
  };
}

/**
 * Multi-row DMA stores of the target (VC4): rows per DMA, rows per DMA of a loop whose batches qualify for more
 * ({@link wideBatch}; absent: `rows`), and the VDW stride field's width (PrepareOptions.dmaStore, the target table's
 * `DmaStore`).
 */
export interface DmaStoreInfo {
  readonly rows: number;
  readonly wideRows?: number;
  readonly strideBits: number;
}

/** Bytes of one VPM row, the unit a DMA store writes per memory row (16 lanes of 32 bits). */
const DMA_ROW_BYTES = 64;

/**
 * Whether the loop has a store a multi-row DMA could batch across copies: `p[i (+ c)]` of a 32-bit element, its
 * address `size * step` bytes further in each copy (see {@link storeBatch}).
 */
function batchableStores(fn: IrFunction, c: Candidate, init: Value[]): boolean {
  if (c.loop.children.length > 0) return false;
  const form = addressForms(fn, c, init);
  const stores = [...c.loop.blocks].flatMap((b) => b.instrs.filter((i) => i.op === 'store'));
  return stores.some((s) => {
    const f = form(s.args[0]!);
    return f !== undefined && f.size === 4 && f.scale === 1 && f.x === init[c.ivIndex];
  });
}

/** Ops of a {@link wideBatch} loop body: one or two instructions each on VC4 (loop control, address and integer work). */
const WIDE_OPS: ReadonlySet<string> = new Set(['const', 'gep', 'load', 'store', 'cmp', 'not', 'and', 'or', 'xor', 'add', 'sub', 'shl', 'shr', 'sar', 'select', 'bitcast', 'any', 'all', 'min', 'max']);
/** Float ops a wide loop body may have with `fast` (fastMath: one hardware op; the exact `+` is ~30 instructions on VC4). */
const WIDE_FAST_OPS: ReadonlySet<string> = new Set(['fadd', 'fsub', 'fmul', 'fmin', 'fmax']);
/** Ops other than const, gep, load and store a wide loop body may have per store (the grid-stride loop's own seven, and one more). */
const WIDE_WORK_PER_STORE = 8;

/**
 * Whether a batchable loop's DMAs may carry `wideRows` rows (DmaStoreInfo.wideRows): a streaming body that
 * stores one array or two, loads no more often than it stores and does little else ({@link WIDE_OPS}, at most
 * {@link WIDE_WORK_PER_STORE} ops per store: sscal, scopy, sswap, fills), in a kernel without barriers or workgroups
 * of more than one batch. Such a kernel runs fewer batches at once, each with more VPM rows (the target table's
 * `DmaStore.wideRows` per array stored, docs/backend-vc4.md "Conventions"), so a body with more work would lose
 * QPUs it needs. Returns the store roots (in the order of their first store), or undefined.
 * Measured on vc4 (fraction of the memory limit, 8 rows per DMA on 6 QPUs against 4 rows on 12): sscal
 * 0.900 → 0.99, scopy 0.908 → 0.95; saxpy (two loads per store) 0.98 → 0.92, so it keeps `rows`. sswap (two
 * arrays, each its own 8 rows, 3 QPUs, the arrays' loads on the two TMUs: {@link WIDE_TMU}) 0.784 → 0.928.
 */
function wideBatch(fn: IrFunction, c: Candidate, init: Value[]): Value[] | undefined {
  if ((fn.workgroupSize ?? 16) > 16) return undefined;
  if (fn.blocks.some((b) => b.instrs.some((i) => i.op === 'barrier'))) return undefined;
  const body = [...c.loop.blocks].flatMap((b) => b.instrs);
  if (!body.every((i) => WIDE_OPS.has(i.op) || (WIDE_FAST_OPS.has(i.op) && i.attrs?.['fast'] === true))) return undefined;
  const stores = body.filter((i) => i.op === 'store');
  const work = body.filter((i) => i.op !== 'const' && i.op !== 'gep' && i.op !== 'load' && i.op !== 'store').length;
  if (stores.length === 0 || work > WIDE_WORK_PER_STORE * stores.length) return undefined;
  const form = addressForms(fn, c, init);
  const roots = [...new Set(stores.map((st) => form(st.args[0]!)?.root))];
  if (body.filter((i) => i.op === 'load').length > stores.length || roots.length > WIDE_ROOTS || roots.includes(undefined)) return undefined;
  return roots as Value[];
}

/** Most arrays a wide batch stores (each has `wideRows` VPM rows of its own: 16 rows per QPU, 3 batches at once). */
const WIDE_ROOTS = 2;

/**
 * The TMU (`tmu` attribute, compiler/backend/vc4/isel-memory.ts tmuOf) of a wide batch's loads through the first of
 * two store roots: TMU0, while the other loads stay on TMU1, so that each QPU has twice the lookups in flight (a
 * TMU's FIFO takes 4). The few batches of a two-array wide batch need them: a hand-written sswap of that shape (8-row
 * DMAs, 3 QPUs) reached 0.913 of the memory limit with 8 lookups in flight and 0.753 with 4 in the vc4 timing model.
 */
const WIDE_TMU = 0;

/**
 * Store batching for targets whose stores are DMAs (VC4, `dmaStore`): in the
 * main loop's copies, the store of copy j to `p[i]` writes `root + size * (x +
 * j step) + k`, one 16-lane row `size * step` bytes after copy j-1's, so the
 * backend can write the U copies' rows with one DMA of U rows whose VDW stride
 * is `size * step - 64` (compiler/backend/vc4/isel-memory.ts, storeGroups).
 * That DMA goes out at the last copy's store: every copy's store moves below
 * the loads and stores that follow it in the pass. Loads tagged `disjoint`
 * ({@link disjointAccesses}) are apart from every earlier store of the pass;
 * this adds what the other stores need, as main-loop guards:
 *
 * - `64 / size <= step <= (2^strideBits - 1 + 64) / size`: the VDW stride
 *   (bytes from one row's end to the next row's start) is not negative and
 *   fits its field;
 * - stores to different roots: `|D| >= (U-1) size step + size` for their
 *   distance D (uniform, as in disjointAccesses), so no lane's store in one
 *   copy meets its store to the other root in another;
 * - stores to one root at different offsets: `size * step > |kA - kB|`.
 *
 * Every store of the loop gets `batch = tag` in the copies: the backend may
 * move a store tagged t below another store tagged t and below a load tagged
 * `disjoint = t`, nothing else; and since shape() compares the free loads
 * with two passes' stores, a pass's DMA may still be running while the next
 * pass's loads tagged `disjoint = t` go out. Only lanes' own accesses are compared (the
 * order of memory effects between lanes is unspecified, docs/language.md).
 * Undefined (nothing tagged, no guard) when a store has no address form, the
 * stores' element sizes differ, two stores write one address, or none is a
 * 32-bit `p[i]`.
 */
function storeBatch(fn: IrFunction, c: Candidate, pre: Block, init: Value[], span: Value, dma: DmaStoreInfo, disjointGroup: number | undefined): { guards: Value[]; tag: number } | undefined {
  const { loop, step } = c;
  if (!batchableStores(fn, c, init)) return undefined;
  const form = addressForms(fn, c, init);
  const forms: AddressForm[] = [];
  for (const b of loop.blocks) {
    for (const i of b.instrs) {
      if (i.op !== 'store') continue;
      const f = form(i.args[0]!);
      // Two stores to one address: which one lands last would depend on where each one's DMA goes out.
      if (!f || forms.some((g) => g.root === f.root && g.k === f.k)) return undefined;
      forms.push(f);
    }
  }
  const size = forms[0]!.size;
  if (forms.some((f) => f.size !== size || f.scale !== 1 || f.x !== forms[0]!.x)) return undefined;
  const ty = step.type as 'u32' | 'i32';
  const minStep = Math.ceil(DMA_ROW_BYTES / size);
  const maxStep = Math.floor((2 ** dma.strideBits - 1 + DMA_ROW_BYTES) / size);
  const guards = [
    emit(fn, pre, 'cmp', [step, constant(fn, pre, ty, minStep)], 'bool', { pred: 'ge' }),
    emit(fn, pre, 'cmp', [step, constant(fn, pre, ty, maxStep)], 'bool', { pred: 'le' }),
  ];
  // (U-1) size step + size - 1 stays below 2^20 with step <= maxStep: no wrapping below.
  const apart = apartGuard(fn, pre, span, size);
  const seen = new Set<string>();
  for (let a = 0; a < forms.length; a++) {
    for (let b = a + 1; b < forms.length; b++) {
      const fa = forms[a]!;
      const fb = forms[b]!;
      const key = `${fa.root.id}:${fa.k}:${fb.root.id}:${fb.k}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (fa.root === fb.root) {
        // size step > |kA - kB|: every copy's two rows are apart, and so are any two copies' (step >= 64 / size).
        const need = Math.floor(Math.abs(fa.k - fb.k) / size) + 1;
        if (need > minStep) guards.push(emit(fn, pre, 'cmp', [step, constant(fn, pre, ty, need)], 'bool', { pred: 'ge' }));
        continue;
      }
      guards.push(apart(fa, fb));
    }
  }
  let tag = disjointGroup ?? 0;
  if (disjointGroup === undefined) {
    for (const b of fn.blocks) for (const i of b.instrs) tag = Math.max(tag, Number(i.attrs?.['disjoint'] ?? 0), Number(i.attrs?.['batch'] ?? 0));
    tag++;
  }
  return { guards, tag };
}

/**
 * Lane regrouping for vector TMU lookups (targets whose TMU returns up to 4
 * consecutive words per lane in one lookup). In a grid-stride loop
 *
 *     for (i = global_id (+ c); i < n; i += global_count) body(i)
 *
 * whose iterations are independent (no loop-carried value but `i`, its
 * pointers and the lane mask; no lane- or QPU-dependent op, no cross-lane op,
 * no effect but loads and stores; every access `p[i]` of a 32-bit element;
 * loads proven apart from stores, see {@link disjointAccesses}), a main-loop
 * pass of U = 4 M copies covers the window `[B, B + U G)` (G = global_count:
 * every lane of every QPU). Copy `4 m + t` of a lane with global id `g`
 * normally runs `i = B + g + (4 m + t) G`; regrouped it runs
 * `i = B + 4 m G + 4 g + t` instead: the same iterations of the window, each
 * once, but a lane's copies `4 m .. 4 m + 3` now touch 4 consecutive words of
 * each array, which the backend fetches (or stores) with one vec4 lookup
 * (attrs `vec = 4`, `part = t`, `vgroup`: one id per access and `m`).
 * Regrouped copy `4 m + t` computes its `i` as the normal copy's `i` plus
 * `3 g + 4 m G + t - (4 m + t) G = 3 g + t (1 - G)`: the copies' chain and the
 * values passed to the remainder loop stay as they are.
 *
 * Because a lane now runs iterations other QPUs' lanes would have run, every
 * QPU must run the same passes: the main loop's test is on the window, `B + U
 * G - 1 < n` (uniform and equal on every QPU), instead of on the QPU's own
 * lanes. The V3D 4.2 TMU wraps a vector inside its aligned 16 bytes, so the
 * main loop is also guarded by 16-byte-aligned arrays and `B` a multiple of 4.
 */
interface LanePlan {
  /** The window's first index B at loop entry (uniform). */
  b0: Value;
  /** 3 g: the regrouping offset of copy 4m (varying, loop-invariant). */
  e0: Value;
  /** Header parameters that are pointer induction variables. */
  pointers: number[];
  /** The increments of `i` and of the pointers: they keep the normal copy's values. */
  increments: Set<Instr>;
  /** Main-loop guards (alignment, no wrapping, stores apart). */
  guards: Value[];
  /** The main loop runs a pass while B < limit. */
  limit: Value;
}

/** What {@link laneShape} found in a loop that qualifies for regrouping. */
interface LaneShape {
  /** The `global_id` value i starts from. */
  gid: Value;
  /** The uniform c of `i = global_id + c`, or undefined for 0. */
  b0: Value | undefined;
  pointers: number[];
  increments: Set<Instr>;
  /** The loop's loads (each must be proven apart from the stores). */
  loads: Instr[];
  /** Arrays stored to. */
  stores: Value[];
  /** Every array accessed. */
  roots: Value[];
}

/** Whether the loop qualifies for lanes regrouped for vector lookups (see {@link LanePlan}); nothing is emitted. */
function laneShape(fn: IrFunction, c: Candidate, init: Value[], vectorWords: number): LaneShape | undefined {
  const { loop, ivIndex, step, unroll, maskIndex, bound } = c;
  if (vectorWords < 4 || unroll % 4 !== 0 || c.pred !== 'lt') return undefined;
  const h = loop.header;
  const iv = h.params[ivIndex]!;
  if (iv.type !== 'u32') return undefined;
  const defs = definitions(fn);
  const inLoop = (b: Block) => loop.blocks.has(b);
  // No exit but the test's (no `break` or `return`): every exit is taken only where the test or the mask is false,
  // both true in the copies.
  const mask = maskIndex >= 0 ? h.params[maskIndex] : undefined;
  const trueInCopies = (v: Value, depth = 0): boolean => {
    if (v === c.test || v === mask) return true;
    const d = defs.get(v)?.instr;
    if (!d || depth > 8) return false;
    if (d.op === 'and') return d.args.every((a) => trueInCopies(a, depth + 1));
    if (d.op === 'any' || d.op === 'all') return d.args.length === 1 && trueInCopies(d.args[0]!, depth + 1);
    return false;
  };
  for (const b of loop.blocks) {
    const t = b.term;
    if (t.kind === 'ret') return undefined;
    if (t.kind === 'br' && !inLoop(t.target.block)) return undefined;
    if (t.kind === 'condbr' && (!inLoop(t.then.block) || (!inLoop(t.else.block) && !trueInCopies(t.cond)))) return undefined;
  }
  const outside = (v: Value) => {
    const d = defs.get(v);
    return d === undefined || !inLoop(d.block);
  };
  // i starts at global_id (+ c) and steps by global_count.
  const iv0 = init[ivIndex]!;
  const d0 = defs.get(iv0)?.instr;
  let gid: Value | undefined;
  let b0: Value | undefined;
  let b0zero = false;
  if (d0?.op === 'global_id') [gid, b0zero] = [iv0, true];
  else if (d0?.op === 'add') {
    for (const [x, y] of [[d0.args[0]!, d0.args[1]!], [d0.args[1]!, d0.args[0]!]] as const) {
      if (defs.get(x)?.instr?.op === 'global_id' && y.uniform && y.type === 'u32') [gid, b0] = [x, y];
    }
  }
  if (!gid || (!b0 && !b0zero) || defs.get(step)?.instr?.op !== 'global_count') return undefined;
  // Header parameters: i, the mask, and pointers p[i] of 32-bit elements; nothing else is carried.
  const form = addressForms(fn, c, init);
  const backs = [...loop.blocks].flatMap((b) => targets(b.term).filter((r) => r.block === h));
  const increments = new Set<Instr>();
  const pointers: number[] = [];
  // Values computed from a parameter and used by nothing but the loop's own back edges (SPMD lowering's exited-lanes
  // mask): carried, but never observed.
  const unobserved = (p: Value): boolean => {
    const seen = new Set<Value>([p]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const b of loop.blocks) for (const i of b.instrs) if (i.result && !seen.has(i.result) && i.args.some((a) => seen.has(a))) (seen.add(i.result), (grew = true));
    }
    for (const b of loop.blocks) {
      for (const i of b.instrs) if (!i.result && i.args.some((a) => seen.has(a))) return false;
      for (const i of b.instrs) if ((i.op === 'load' || i.op === 'store') && i.args.some((a) => seen.has(a))) return false;
      const t = b.term;
      if (t.kind === 'condbr' && seen.has(t.cond)) return false;
      if (targets(t).some((r) => r.block !== h && r.args.some((a) => seen.has(a)))) return false;
    }
    return true;
  };
  for (const [k, p] of h.params.entries()) {
    if (k === maskIndex) continue;
    if (k !== ivIndex) {
      const f = form(p);
      if (!f || f.x !== iv0 || f.size !== 4 || f.scale !== 1 || f.k !== 0) {
        if (unobserved(p)) continue;
        return undefined;
      }
      pointers.push(k);
    }
    for (const r of backs) {
      const d = defs.get(r.args[k]!)?.instr;
      if (!d) return undefined;
      increments.add(d);
    }
  }
  // The increments feed only the back edges.
  for (const b of loop.blocks) {
    for (const i of b.instrs) if (i.args.some((a) => [...increments].some((x) => x.result === a))) return undefined;
    if (b.term.kind === 'condbr' && [...increments].some((x) => x.result === (b.term as { cond: Value }).cond)) return undefined;
  }
  // Values equal in every lane of every QPU: parameters, constants, launch counts, and pure ops of them.
  const everywhere = new Map<Value, boolean>();
  const sameEverywhere = (v: Value, depth = 0): boolean => {
    const known = everywhere.get(v);
    if (known !== undefined) return known;
    const d = defs.get(v);
    let same: boolean;
    if (!d) same = fn.params.some((p) => p.value === v);
    else if (!d.instr || depth > 32) same = false;
    else {
      const i = d.instr;
      const info = opInfo(i.op);
      same = i.op === 'global_count' || i.op === 'num_qpus' || (!!info && info.hoistable && !info.crossLane && !info.varying && info.sig !== 'id' && i.args.every((a) => sameEverywhere(a, depth + 1)));
    }
    everywhere.set(v, same);
    return same;
  };
  // The body: pure lane-local ops, loads and stores of p[i].
  const stores: AddressForm[] = [];
  const loads: Instr[] = [];
  for (const b of loop.blocks) {
    // A value from outside the loop that differs between lanes or QPUs (a hoisted lane or QPU id) belongs to the lane,
    // not to i: the iteration would see another lane's.
    const t = b.term;
    const operands = [...b.instrs.flatMap((i) => i.args), ...(t.kind === 'condbr' ? [t.cond] : []), ...targets(t).flatMap((r) => r.args)];
    if (operands.some((v) => outside(v) && !sameEverywhere(v))) return undefined;
    for (const i of b.instrs) {
      if (i.op === 'load' || i.op === 'store') {
        const f = form(i.args[0]!);
        if (!f || f.x !== iv0 || f.size !== 4 || f.scale !== 1 || f.k !== 0) return undefined;
        if (i.op === 'store') stores.push(f);
        else if (!outside(i.args[0]!)) loads.push(i);
        else return undefined;
        continue;
      }
      // The exit test's `any` (true in every copy, folded away there).
      if (i.result && trueInCopies(i.result)) continue;
      const info = opInfo(i.op);
      if (!info) return undefined;
      const pure = info.hoistable && !info.crossLane && !info.effect && !info.varying && info.sig !== 'id';
      if (!pure && i.op !== 'global_count' && i.op !== 'num_qpus') return undefined;
    }
  }
  if (loads.length + stores.length === 0) return undefined;
  const roots = new Set<Value>();
  for (const k of pointers) roots.add(form(h.params[k]!)!.root);
  for (const b of loop.blocks) for (const i of b.instrs) if (i.op === 'load' || i.op === 'store') roots.add(form(i.args[0]!)!.root);
  // An array that starts elsewhere on each QPU (p + qpu_id) would put another QPU's iterations at other addresses.
  if ([...roots, b0 ?? gid].some((r) => r !== gid && !sameEverywhere(r))) return undefined;
  return { gid, b0, pointers, increments, loads, stores: [...new Set(stores.map((f) => f.root))], roots: [...roots] };
}

/** The plan for a loop {@link laneShape} accepted, its guards emitted into `pre`; undefined when a load is not proven apart from the stores. */
function lanePlan(fn: IrFunction, c: Candidate, pre: Block, shape: LaneShape, disjoint: { free: Set<Instr> } | undefined): LanePlan | undefined {
  const { step, unroll, bound } = c;
  const { gid, pointers, increments } = shape;
  if (shape.stores.length > 0 && shape.loads.some((i) => !disjoint?.free.has(i))) return undefined;
  const b0 = shape.b0 ?? constant(fn, pre, 'u32', 0);
  // Guards: U G fits, the window's end does not wrap, aligned arrays and window, stores to different arrays apart.
  const guards: Value[] = [];
  guards.push(emit(fn, pre, 'cmp', [step, constant(fn, pre, 'u32', Math.floor(0xffffffff / unroll))], 'bool', { pred: 'le' }));
  let w1: Value = step;
  for (let j = 1; j < unroll; j++) w1 = emit(fn, pre, 'add', [w1, step], 'u32');
  w1 = emit(fn, pre, 'sub', [w1, constant(fn, pre, 'u32', 1)], 'u32');
  const limit = emit(fn, pre, 'sub', [bound, w1], 'u32');
  guards.push(emit(fn, pre, 'cmp', [limit, bound], 'bool', { pred: 'le' }));
  const low = (v: Value, mask: number) => emit(fn, pre, 'cmp', [emit(fn, pre, 'and', [v.type === 'u32' ? v : emit(fn, pre, 'bitcast', [v], 'u32'), constant(fn, pre, 'u32', mask)], 'u32'), constant(fn, pre, 'u32', 0)], 'bool', { pred: 'eq' });
  for (const r of shape.roots) guards.push(low(r, 15));
  guards.push(low(b0, 3));
  const storeRoots = shape.stores;
  if (storeRoots.length > 1) {
    // |D| >= K = U G 4 bytes for every two store arrays, as one unsigned compare: D + (K-1) > 2 (K-1).
    const km1 = emit(fn, pre, 'add', [emit(fn, pre, 'shl', [w1, constant(fn, pre, 'u32', 2)], 'u32'), constant(fn, pre, 'u32', 3)], 'u32');
    const lim = emit(fn, pre, 'shl', [km1, constant(fn, pre, 'u32', 1)], 'u32');
    const u = (v: Value) => emit(fn, pre, 'bitcast', [v], 'u32');
    for (let a = 0; a < storeRoots.length; a++) {
      for (let b = a + 1; b < storeRoots.length; b++) {
        const dist = emit(fn, pre, 'sub', [u(storeRoots[a]!), u(storeRoots[b]!)], 'u32');
        guards.push(emit(fn, pre, 'cmp', [emit(fn, pre, 'add', [dist, km1], 'u32'), lim], 'bool', { pred: 'gt' }));
      }
    }
  }
  const e0 = emit(fn, pre, 'add', [emit(fn, pre, 'add', [gid, gid], 'u32'), gid], 'u32');
  e0.uniform = false;
  return { b0, e0, pointers, increments, guards, limit };
}

/** Builds the main loop in front of `c.loop` (see the file comment). */
function shape(fn: IrFunction, c1In: Candidate, vectorWords: number, dma: DmaStoreInfo | undefined, loadsFirst: boolean): void {
  const c1: Candidate = dma ? { ...c1In, merges: true } : c1In;
  const pre = ensurePreheader(fn, c1.loop);
  if (pre.term.kind !== 'br') return;
  const init = pre.term.target.args;
  // Stores batched into multi-row DMAs (storeBatch): as many copies as one DMA takes rows, when the body allows.
  let c0 = c1;
  const batchable = dma !== undefined && batchableStores(fn, c1, init);
  const wideRoots = batchable && dma.wideRows !== undefined ? wideBatch(fn, c1, init) : undefined;
  const wide = wideRoots !== undefined;
  // Two arrays stored: the loads through the first one's root go to the other TMU (WIDE_TMU).
  const form1 = wideRoots && wideRoots.length > 1 ? addressForms(fn, c1, init) : undefined;
  const otherTmu = (i: Instr) => form1 !== undefined && i.op === 'load' && form1(i.args[0]!)?.root === wideRoots?.[0];
  const dmaRows = dma ? (wide ? (dma.wideRows as number) : dma.rows) : 0;
  if (batchable && c1.unroll < dmaRows) {
    const size = [...c1.loop.blocks].reduce((n, b) => n + b.instrs.length, 0);
    let unroll = c1.unroll;
    while (unroll < dmaRows && unroll * 2 <= MAX_UNROLL && size * unroll * 2 <= BATCH_BODY_BUDGET) unroll *= 2;
    c0 = { ...c1, unroll };
  }
  const regroup = laneShape(fn, { ...c0, unroll: c0.vectorUnroll }, init, vectorWords);
  const c = regroup ? { ...c0, unroll: c0.vectorUnroll } : c0;
  const { loop, ivIndex, test, bound, step, pred, maskIndex, unroll } = c;
  const h = loop.header;
  const ty = h.params[ivIndex]!.type as 'u32' | 'i32';
  const iv0 = init[ivIndex]!;
  // Preheader: (U-1) s and U s; below, the guards of the main loop and the lanes' lo (and hi).
  let span: Value = constant(fn, pre, ty, 0);
  for (let j = 1; j < unroll; j++) span = emit(fn, pre, 'add', [span, step], ty);
  const advance = emit(fn, pre, 'add', [span, step], ty);
  const mh = newBlock(fn, false);
  const mainParams = h.params.map((p) => addParam(fn, mh, p.type, p.uniform, p.name));
  // Which form of the test (see the file comment): a uniform i is its own lo and hi (the back edges pass it already);
  // a varying u32 i carries lo only (one range check); a varying i32 i carries lo and hi (three compares).
  const form = iv0.uniform && h.params[ivIndex]!.uniform ? 'uniform' : ty === 'u32' ? 'lo' : 'lohi';
  // The vector-lookup regrouping (lanePlan) decides after the guards below; a uniform i never qualifies.
  const lo = form === 'uniform' ? mainParams[ivIndex]! : addParam(fn, mh, ty, true);
  const hi = form === 'lohi' ? addParam(fn, mh, ty, true) : lo;
  const entry = { block: mh, args: [...init] };
  const guards: Value[] = [];
  if (unroll > 1) {
    // (U-1) s < 2^32 as an unsigned amount (a signed step must also be positive; its limit is 2^31 / (U-1)).
    const limit = constant(fn, pre, ty, Math.floor((ty === 'u32' ? 0xffffffff : 0x7fffffff) / (unroll - 1)));
    guards.push(emit(fn, pre, 'cmp', [step, limit], 'bool', { pred: 'le' }));
    if (ty === 'i32') guards.push(emit(fn, pre, 'cmp', [step, constant(fn, pre, ty, 0)], 'bool', { pred: 'gt' }));
  }
  // Loads of later copies may go before stores of earlier ones when no lane's accesses overlap (see disjointAccesses).
  // With stores batched into one DMA per pass (VC4), the backend does not wait for that DMA before the next pass's
  // tagged loads (compiler/backend/vc4/isel-memory.ts): they are compared with this pass's stores as well.
  const batching = dma !== undefined && unroll > 1 && !regroup && batchableStores(fn, c, init);
  const reach = batching ? emit(fn, pre, 'add', [span, advance], ty) : span;
  const disjoint = unroll > 1 ? disjointAccesses(fn, c, pre, init, reach, batching ? 2 * unroll : unroll, batching) : undefined;
  if (disjoint) guards.push(...disjoint.guards);
  const batch = batching ? storeBatch(fn, c, pre, init, span, dma, disjoint?.group) : undefined;
  if (batch) guards.push(...batch.guards);
  const lanes = regroup ? lanePlan(fn, c, pre, regroup, disjoint) : undefined;
  let go: Value;
  if (lanes) {
    // Every QPU runs the same passes: the test is on the window [B, B + U G), not on this QPU's lanes.
    guards.push(...lanes.guards);
    entry.args.push(lanes.b0);
    go = emit(fn, mh, 'cmp', [lo, lanes.limit], 'bool', { pred: 'lt' });
  } else if (form === 'lohi') {
    const [lo0, hi0] = laneRange(fn, pre, iv0, ty);
    entry.args.push(lo0, hi0);
    // Run a pass when lo <= hi, hi <= hi + (U-1) s, and hi + (U-1) s passes the test.
    const last = emit(fn, mh, 'add', [hi, span], ty);
    const c1 = emit(fn, mh, 'cmp', [lo, hi], 'bool', { pred: 'le' });
    const c2 = emit(fn, mh, 'cmp', [hi, last], 'bool', { pred: 'le' });
    const c3 = emit(fn, mh, 'cmp', [last, bound], 'bool', { pred });
    go = emit(fn, mh, 'and', [emit(fn, mh, 'and', [c1, c2], 'bool'), c3], 'bool');
  } else {
    // limit = n - (U-1) s, which must not wrap: then hi + (U-1) s < n (or <=) is hi < limit (<=) without overflow.
    let limit = emit(fn, pre, 'sub', [bound, span], ty);
    guards.push(emit(fn, pre, 'cmp', [limit, bound], 'bool', { pred: 'le' }));
    if (form === 'lo') {
      // D <= hi < limit (every lane i = hi - d, 0 <= d <= D, unwrapped) is one unsigned range check: lo = hi - D < limit - D.
      const [lo0, hi0] = laneRange(fn, pre, iv0, ty);
      const d = emit(fn, pre, 'sub', [hi0, lo0], ty);
      guards.push(emit(fn, pre, 'cmp', [d, limit], 'bool', { pred: 'le' }));
      limit = emit(fn, pre, 'sub', [limit, d], ty);
      entry.args.push(lo0);
    }
    go = emit(fn, mh, 'cmp', [lo, limit], 'bool', { pred });
  }
  const ok = guards.reduce<Value | undefined>((x, g) => (x ? emit(fn, pre, 'and', [x, g], 'bool') : g), undefined);
  pre.term = ok ? { kind: 'condbr', cond: ok, then: entry, else: { block: h, args: init } } : { kind: 'br', target: entry };
  const yes = constant(fn, mh, 'bool', 1);
  // The copies. Copy j's header gets the values through parameters (a loop may have several back edges).
  const order = fn.blocks.filter((b) => loop.blocks.has(b));
  const copies: Block[][] = [];
  const headers: Block[] = [];
  // Regrouped lanes (lanePlan): copy 4m's i and pointers, which copies 4m+1..4m+3 offset by 1..3 elements.
  let groupBase: { iv: Value; ptrs: Value[] } | undefined;
  const accesses = order.flatMap((b) => b.instrs.filter((i) => i.op === 'load' || i.op === 'store'));
  let vgroup = 0;
  for (const b of fn.blocks) for (const i of b.instrs) vgroup = Math.max(vgroup, Number(i.attrs?.['vgroup'] ?? 0));
  for (let j = 0; j < unroll; j++) {
    const map = new Map<Value, Value>();
    const blocks = new Map<Block, Block>();
    for (const b of order) {
      const nb = newBlock(fn, false);
      blocks.set(b, nb);
      nb.params = b.params.map((p) => {
        const np = newValue(fn, p.type, p.uniform, p.name);
        map.set(p, np);
        return np;
      });
    }
    if (maskIndex >= 0) map.set(h.params[maskIndex]!, yes);
    const sub = (v: Value) => map.get(v) ?? v;
    // With regrouped lanes the body sees copy j's i and pointers moved (lanePlan); the increments keep the chain's.
    const remap = new Map<Value, Value>();
    const head: Instr[] = [];
    if (lanes) {
      const t = j & 3;
      const made = (op: OpName, args: Value[], ty: Value['type'], attrs?: Instr['attrs']) => {
        const v = newValue(fn, ty, false);
        head.push({ op, args, result: v, ...(attrs ? { attrs } : {}) });
        return v;
      };
      const iv = map.get(h.params[ivIndex]!)!;
      if (t === 0) {
        groupBase = { iv: made('add', [iv, lanes.e0], ty), ptrs: lanes.pointers.map((k) => made('gep', [map.get(h.params[k]!)!, lanes.e0], h.params[k]!.type)) };
      } else {
        const kt = newValue(fn, 'u32', true);
        head.push({ op: 'const', args: [], result: kt, attrs: { value: t } });
        const g = groupBase!;
        remap.set(iv, made('add', [g.iv, kt], ty));
        lanes.pointers.forEach((k, n) => remap.set(map.get(h.params[k]!)!, made('gep', [g.ptrs[n]!, kt], h.params[k]!.type)));
      }
      if (t === 0) {
        remap.set(iv, groupBase!.iv);
        lanes.pointers.forEach((k, n) => remap.set(map.get(h.params[k]!)!, groupBase!.ptrs[n]!));
      }
    }
    const subR = (v: Value) => {
      const x = sub(v);
      return remap.get(x) ?? x;
    };
    for (const b of order) {
      const nb = blocks.get(b)!;
      for (const i of b.instrs) {
        const ni: Instr = { op: i.op, args: [], ...(i.attrs ? { attrs: { ...i.attrs } } : {}), ...(i.loc ? { loc: i.loc } : {}) };
        if (disjoint && (i.op === 'store' || disjoint.free.has(i))) ni.attrs = { ...ni.attrs, disjoint: disjoint.group };
        // dmaRows (wide batches): most rows of one DMA of the batch (compiler/backend/vc4/isel-memory.ts storeGroups).
        if (batch && i.op === 'store') ni.attrs = { ...ni.attrs, batch: batch.tag, ...(wide ? { dmaRows } : {}) };
        if (batch && otherTmu(i)) ni.attrs = { ...ni.attrs, tmu: WIDE_TMU };
        // The pass's loads go ahead of its other work (compiler/passes/memorder.ts, the target's passLoadsFirst).
        if (loadsFirst && i.op === 'load') ni.attrs = { ...ni.attrs, pass: 1 };
        if (lanes && (i.op === 'load' || i.op === 'store')) {
          ni.attrs = { ...ni.attrs, vec: 4, part: j & 3, vgroup: vgroup + 1 + (j >> 2) * accesses.length + accesses.indexOf(i) };
        }
        if (i.result) {
          ni.result = newValue(fn, i.result.type, i.result.uniform, i.result.name);
          map.set(i.result, i.result === test ? yes : ni.result);
        }
        nb.instrs.push(ni);
      }
    }
    for (const b of order) {
      const nb = blocks.get(b)!;
      b.instrs.forEach((i, k) => (nb.instrs[k]!.args = i.args.map(lanes?.increments.has(i) ? sub : subR)));
      const t = b.term;
      const ref = (r: { block: Block; args: Value[] }) => ({ block: blocks.get(r.block) ?? r.block, args: r.args.map(subR) });
      const loc = t.loc ? { loc: t.loc } : {};
      if (b === h && t.kind === 'condbr' && t.cond === test && loop.blocks.has(t.then.block)) nb.term = { kind: 'br', target: ref(t.then), ...loc };
      else if (t.kind === 'br') nb.term = { kind: 'br', target: ref(t.target), ...loc };
      else if (t.kind === 'condbr') nb.term = { kind: 'condbr', cond: subR(t.cond), then: ref(t.then), else: ref(t.else), ...loc };
      else nb.term = { kind: 'ret', ...loc };
    }
    if (head.length > 0) blocks.get(h)!.instrs.unshift(...head);
    copies.push(order.map((b) => blocks.get(b)!));
    headers.push(blocks.get(h)!);
  }
  // Back edges: copy j -> copy j+1's header; the last copy -> the main header with lo/hi advanced.
  for (let j = 0; j < unroll; j++) {
    for (const nb of copies[j]!) {
      for (const r of targets(nb.term)) {
        if (r.block !== headers[j]) continue;
        if (j + 1 < unroll) r.block = headers[j + 1]!;
        else {
          r.block = mh;
          if (form !== 'uniform') r.args.push(emit(fn, nb, 'add', [lo, advance], ty));
          if (form === 'lohi') r.args.push(emit(fn, nb, 'add', [hi, advance], ty));
        }
      }
    }
  }
  mh.term = { kind: 'condbr', cond: go, then: { block: headers[0]!, args: mainParams }, else: { block: h, args: mainParams } };
  fn.blocks.splice(fn.blocks.indexOf(h), 0, mh, ...copies.flat());
}

/**
 * In a loop whose lane mask (a header parameter) is passed back as itself or
 * as `mask and t`, `t` uniform, on back edges taken only when `any` of that
 * value (or the value itself) holds, the mask never changes: `t` is true whenever the edge is
 * taken. Such a mask is its entry value throughout (SPMD lowering gives
 * uniform loops these masks). Returns whether anything changed.
 */
function fixUniformLoopMasks(fn: IrFunction): boolean {
  let changed = false;
  const { loops } = findLoops(fn);
  const defs = definitions(fn);
  for (const loop of loops) {
    const h = loop.header;
    const entries = fn.blocks.filter((b) => !loop.blocks.has(b)).flatMap((b) => targets(b.term).filter((r) => r.block === h));
    if (entries.length !== 1) continue;
    const backs = [...loop.blocks].flatMap((b) => targets(b.term).filter((r) => r.block === h).map((r) => ({ b, r })));
    h.params.forEach((p, k) => {
      if (p.type !== 'bool' || backs.length === 0) return;
      const same = backs.every(({ b, r }) => {
        const a = r.args[k]!;
        if (a === p) return true;
        const d = defs.get(a)?.instr;
        const other = d?.op !== 'and' ? undefined : d.args[0] === p ? d.args[1] : d.args[1] === p ? d.args[0] : undefined;
        const t = b.term;
        const guard = t.kind === 'condbr' && t.then === r ? defs.get(t.cond)?.instr : undefined;
        // The back edge's condition: any(a), or a itself (folding drops an `any` of a uniform value).
        const taken = (guard?.op === 'any' && guard.args.length === 1 && guard.args[0] === a) || (t.kind === 'condbr' && t.then === r && t.cond === a);
        return other !== undefined && other.uniform && taken;
      });
      if (!same) return;
      const m0 = entries[0]!.args[k]!;
      const sub = (v: Value) => (v === p ? m0 : v);
      for (const b of loop.blocks) {
        for (const i of b.instrs) i.args = i.args.map(sub);
        const t = b.term;
        if (t.kind === 'condbr') t.cond = sub(t.cond);
        for (const r of targets(t)) r.args = r.args.map(sub);
      }
      changed = true;
    });
  }
  return changed;
}

/**
 * Below the true side of `condbr any(x)` (or `condbr x`) with `x` a uniform
 * bool, `x` is true: uses of `x` in blocks the true side dominates (entered
 * only from that branch) become the constant true. Uniform loops' masks are
 * such values after SPMD lowering. Returns whether anything changed.
 */
function propagateUniformGuards(fn: IrFunction): boolean {
  const idom = dominators(fn);
  const defs = definitions(fn);
  const preds = predecessors(fn);
  const facts: { x: Value; at: Block }[] = [];
  for (const b of fn.blocks) {
    const t = b.term;
    if (t.kind !== 'condbr' || t.then.block === t.else.block || (preds.get(t.then.block) ?? []).length !== 1) continue;
    const d = defs.get(t.cond)?.instr;
    const x = d?.op === 'any' && d.args.length === 1 ? d.args[0]! : t.cond;
    if (x.type === 'bool' && x.uniform && defs.get(x)?.instr?.op !== 'const') facts.push({ x, at: t.then.block });
  }
  if (facts.length === 0) return false;
  let yes: Value | undefined;
  let changed = false;
  for (const b of fn.blocks) {
    const known = facts.filter((f) => dominates(idom, f.at, b)).map((f) => f.x);
    if (known.length === 0) continue;
    const sub = (v: Value) => {
      if (!known.includes(v)) return v;
      if (!yes) yes = constant(fn, fn.blocks[0]!, 'bool', 1);
      changed = true;
      return yes;
    };
    for (const i of b.instrs) i.args = i.args.map(sub);
    const t = b.term;
    if (t.kind === 'condbr') t.cond = sub(t.cond);
    for (const r of targets(t)) r.args = r.args.map(sub);
  }
  return changed;
}

/**
 * Gives every matching counted loop a uniform main loop (see the file
 * comment), with at most `loadBudget` TMU lookups per pass (except where
 * `dmaStore` batching asks for more copies); with `loadsFirst` the copies'
 * loads are tagged `pass = 1` for compiler/passes/memorder.ts. Returns the function.
 */
export function shapeLoops(fn: IrFunction, loadBudget = LOAD_BUDGET, vectorWords = 1, dmaStore?: DmaStoreInfo, loadsFirst = false): IrFunction {
  analyzeUniformity(fn);
  // Each round's folding can expose the next fact (a mask that is `true and t` is `t`, known true below its guard).
  for (let round = 0; round < 4; round++) {
    const masks = fixUniformLoopMasks(fn);
    if (masks) foldConstants(fn);
    if (!propagateUniformGuards(fn) && !masks) break;
    foldConstants(fn);
    propagateCopies(fn);
    analyzeUniformity(fn);
  }
  const done = new Set<Block>();
  // Shape one loop at a time and find loops again: copies of an outer loop hold new inner loops, shaped in turn.
  for (;;) {
    const { loops } = findLoops(fn);
    const defs = definitions(fn);
    let c: Candidate | undefined;
    // Outermost first: a loop's size limit is judged before its inner loops are unrolled.
    const depth = (l: Loop) => {
      let d = 0;
      for (let p = l.parent; p; p = p.parent) d++;
      return d;
    };
    for (const l of [...loops].sort((a, b) => depth(a) - depth(b))) {
      if (done.has(l.header)) continue;
      done.add(l.header);
      c = match(fn, l, defs, loadBudget);
      if (c) break;
    }
    if (!c) {
      if (loops.every((l) => done.has(l.header))) break;
      continue;
    }
    // New values carry their uniformity (copies keep the originals', compares and reductions set theirs).
    shape(fn, c, vectorWords, dmaStore, loadsFirst);
  }
  return analyzeUniformity(fn);
}
