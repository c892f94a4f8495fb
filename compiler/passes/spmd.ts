/**
 * SPMD lowering: turns per-lane control flow into the QPU's execution model,
 * one instruction stream per QPU with an active-lane mask.
 *
 * Reducible CFGs only (the frontend builds nothing else). Blocks are laid out
 * in reverse postorder with each loop contiguous; each block runs under a
 * varying bool mask (the lanes that reach it), computed from its incoming
 * edges' masks. Block parameters become `select`s over the incoming edges.
 * Memory ops and lane reductions get the mask as their last operand. Each
 * loop becomes one uniform loop that iterates while `any(mask of lanes still
 * in it)`; its header carries the lanes' mask, the accumulated mask and
 * arguments of every exit edge (lanes leave at different iterations), and
 * the last value of every loop-defined value used after the loop.
 * Afterwards every `condbr` condition is uniform: see docs/language.md,
 * "Backend contract".
 */
import type { Block, Instr, IrFunction, IrType, Value } from '../ir/types.ts';
import { addParam, newBlock, newValue } from '../ir/builder.ts';
import { findLoops, predecessors, reversePostorder, targets } from '../ir/cfg.ts';
import { simplifyCfg } from './simplifycfg.ts';
import type { Loop } from '../ir/cfg.ts';
import { maskOperand, opInfo } from '../ir/ops.ts';
import { definitions, sameInBatchValues } from '../ir/values.ts';
import { analyzeUniformity, spreadThroughBlock } from './uniformity.ts';
import type { OpName } from '../ir/ops.ts';

/** An edge's lanes (undefined = every lane) and arguments, this iteration. */
interface EdgeState {
  from: Block;
  mask: Value | undefined;
  args: Value[];
  target: Block;
}

/**
 * The pending edges by key ('blockId:k'), in insertion order, also indexed by
 * target: looking up a block's incoming edges by scanning all of them made
 * the lowering quadratic in the number of blocks.
 */
class EdgeMap {
  private readonly all = new Map<string, { e: EdgeState; seq: number }>();
  private readonly byTarget = new Map<Block, Set<string>>();
  private seq = 0;

  get(key: string): EdgeState | undefined {
    return this.all.get(key)?.e;
  }

  set(key: string, e: EdgeState): void {
    const old = this.all.get(key);
    if (old && old.e.target !== e.target) this.byTarget.get(old.e.target)?.delete(key);
    // A key set again keeps its place in the order, as in a Map.
    this.all.set(key, { e, seq: old ? old.seq : this.seq++ });
    let keys = this.byTarget.get(e.target);
    if (!keys) this.byTarget.set(e.target, (keys = new Set()));
    keys.add(key);
  }

  /** The edges into `b`, in insertion order. */
  to(b: Block): EdgeState[] {
    const found: { e: EdgeState; seq: number }[] = [];
    for (const k of this.byTarget.get(b) ?? []) {
      const x = this.all.get(k);
      if (x && x.e.target === b) found.push(x);
    }
    return found.sort((x, y) => x.seq - y.seq).map((x) => x.e);
  }

  /** Forget every edge into `b`. */
  deleteTo(b: Block): void {
    for (const k of this.byTarget.get(b) ?? []) if (this.all.get(k)?.e.target === b) this.all.delete(k);
    this.byTarget.delete(b);
  }

  values(): IterableIterator<EdgeState> {
    return [...this.all.values()].map((x) => x.e).values();
  }
}

/**
 * A branch around blocks when none of their lanes is active (`condbr any(mask)`): pre ends with the test, exec is
 * the first block of its span, join comes after the last. Guards nest: a block whose lanes are a subset of the open
 * guard's (an `if` inside it, a loop inside it) stays in its span, with a guard of its own if it needs one.
 */
interface Guard {
  mask: Value;
  pre: Block;
  exec: Block;
  join: Block;
  anyActive: Value;
  /** The span's last block, which branches to join (set when the guard closes). */
  last?: Block;
}

class SpmdLowering {
  private cur: Block;
  private readonly out: Block[] = [];
  private readonly edges = new EdgeMap();
  private readonly blockMask = new Map<Block, Value | undefined>();
  private readonly subst = new Map<Value, Value>();
  /** The open guards, outermost first. */
  private readonly stack: Guard[] = [];
  /** Closed guards, in closing order (inner before outer). */
  private readonly closed: Guard[] = [];
  /** The guards open around each emitted block (outermost first). */
  private readonly chain = new Map<Block, Guard[]>();
  /** Loop-defined values replaced after their loop: the accumulator and the mask of lanes that ran the loop. */
  private readonly aliasAfter = new Map<Value, { value: Value; mask: Value | undefined; loop: Loop }>();
  /**
   * Each edge mask a `condbr` made, as `parent ∧ cond` or `parent ∧ ¬cond` (parent undefined = every lane), so that
   * a join of both edges (or of edges that add up to both) gets the parent mask back, not an `or` of the parts.
   */
  private readonly split = new Map<Value, { parent: Value | undefined; cond: Value; neg: boolean }>();
  /**
   * A mask's lanes are a subset of this one's (undefined: of every lane), for the masks {@link split} does not hold:
   * joins and loop exits (an edge mask's is its split parent).
   */
  private readonly within = new Map<Value, Value | undefined>();
  private readonly rpo: Map<Block, number>;
  private readonly innermost: Map<Block, Loop>;
  /** Where each value of the original CFG is defined (needed for loops only: empty without them). */
  private readonly defs: Map<Value, { block: Block; instr?: Instr }>;

  /** Values of constants and of ops only constants feed, anywhere in the function (see {@link storeOnly}). */
  private readonly constants: Set<Value> = new Set();

  constructor(
    private readonly fn: IrFunction,
    private readonly unguardedStores: boolean,
  ) {
    const order = reversePostorder(fn);
    if (unguardedStores) this.constants = constantValues(fn);
    this.rpo = new Map(order.map((b, i) => [b, i]));
    const { innermost, irreducible } = findLoops(fn);
    if (irreducible) throw new Error('SPMD lowering needs a reducible CFG');
    this.innermost = innermost;
    this.defs = innermost.size > 0 ? definitions(fn) : new Map();
    this.cur = this.block();
  }


  private block(): Block {
    return this.place(newBlock(this.fn, false));
  }

  /** Lays out `b` next, inside the guards open now. */
  private place(b: Block): Block {
    this.out.push(b);
    this.chain.set(b, [...this.stack]);
    return b;
  }

  private emit(op: OpName, args: Value[], type: IrType, attrs?: Instr['attrs']): Value {
    const result = newValue(this.fn, type, args.every((a) => a.uniform));
    this.cur.instrs.push({ op, args, result, ...(attrs ? { attrs } : {}) });
    return result;
  }
  private and(m: Value | undefined, c: Value): Value {
    return m ? this.emit('and', [m, c], 'bool') : c;
  }
  private or(a: Value | undefined, b: Value | undefined): Value | undefined {
    return a && b ? this.emit('or', [a, b], 'bool') : undefined;
  }
  private maskValue(m: Value | undefined): Value {
    return m ?? this.emit('const', [], 'bool', { value: 1 });
  }
  private zero(t: IrType): Value {
    return this.emit('const', [], t, { value: 0 });
  }

  private edgesTo(b: Block): EdgeState[] {
    return this.edges.to(b);
  }

  /** The node (block, or the outermost loop strictly inside `region`) a block belongs to. */
  private nodeOf(b: Block, region: Loop | undefined): Block | Loop {
    let l = this.innermost.get(b);
    if (!l || l === region) return b;
    while (l.parent && l.parent !== region) l = l.parent;
    return l;
  }

  private headerOf(n: Block | Loop): Block {
    return 'header' in n ? n.header : n;
  }

  run(): IrFunction {
    const blocks = this.fn.blocks.filter((b) => this.rpo.has(b));
    this.region(blocks, undefined, undefined);
    this.closeTo(0);
    this.cur.term = { kind: 'ret' };
    const fn = this.fn;
    fn.blocks = this.out;
    const resolve = (v: Value): Value => {
      for (let s = this.subst.get(v); s; s = this.subst.get(v)) v = s;
      return v;
    };
    for (const b of fn.blocks) {
      for (const i of b.instrs) i.args = i.args.map(resolve);
      const t = b.term;
      if (t.kind === 'condbr') t.cond = resolve(t.cond);
      for (const r of targets(t)) r.args = r.args.map(resolve);
    }
    this.passGuardValues();
    return fn;
  }

  /**
   * A value defined inside a guard's span and used after it passes through the join's parameters (zero when the
   * guard skipped its span: no lane reads it then), through each guard it leaves, innermost first.
   */
  private passGuardValues(): void {
    const fn = this.fn;
    const defBlock = new Map<Value, Block>();
    for (const b of fn.blocks) {
      for (const p of b.params) defBlock.set(p, b);
      for (const i of b.instrs) if (i.result) defBlock.set(i.result, b);
    }
    const params = new Map<Guard, Map<Value, Value>>();
    const cross = (v: Value, at: Block): Value => {
      for (;;) {
        const d = defBlock.get(v);
        const inside = d ? this.chain.get(d) : undefined;
        const g = inside?.[inside.length - 1];
        if (!g || (this.chain.get(at) ?? []).includes(g)) return v;
        let memo = params.get(g);
        if (!memo) params.set(g, (memo = new Map()));
        let p = memo.get(v);
        if (!p) {
          p = addParam(fn, g.join, v.type);
          memo.set(v, p);
          defBlock.set(p, g.join);
          const last = g.last!;
          const lt = last.term;
          if (lt.kind === 'br') lt.target.args.push(cross(v, last));
          const zero = newValue(fn, v.type, true);
          g.pre.instrs.push({ op: 'const', args: [], result: zero, attrs: { value: 0 } });
          defBlock.set(zero, g.pre);
          const pt = g.pre.term;
          if (pt.kind === 'condbr') pt.else.args.push(zero);
        }
        v = p;
      }
    };
    // A guard's own closing branch gets its arguments from cross, already passed through the guards inside.
    const closing = new Set(this.closed.map((g) => g.last));
    for (const b of [...fn.blocks]) {
      for (const i of b.instrs) i.args = i.args.map((a) => cross(a, b));
      const t = b.term;
      if (t.kind === 'condbr') t.cond = cross(t.cond, b);
      if (!closing.has(b)) for (const r of targets(t)) r.args = r.args.map((a) => cross(a, b));
    }
  }

  /** Emits the blocks of a region (the function, or a loop's body) under `entryMask`. */
  private region(blocks: Block[], region: Loop | undefined, entryMask: Value | undefined): void {
    const nodes: (Block | Loop)[] = [];
    const seen = new Set<Block | Loop>();
    for (const b of blocks) {
      const n = this.nodeOf(b, region);
      if (!seen.has(n)) nodes.push((seen.add(n), n));
    }
    nodes.sort((a, b) => this.rpo.get(this.headerOf(a))! - this.rpo.get(this.headerOf(b))!);
    // Guards opened in this region close in it; the enclosing ones stay open around it.
    const base = this.stack.length;
    nodes.forEach((n, k) => {
      const header = this.headerOf(n);
      const incoming = this.edgesTo(header);
      const isEntry = k === 0;
      // Close the guards this node's lanes are not within (before the join's or-masks and merged values).
      if (!isEntry) this.closeOutside(this.joinSplits(incoming.map((e) => e.mask)), base);
      if ('header' in n) return this.loop(n, incoming, isEntry ? entryMask : undefined, isEntry, entryMask);
      const mask = isEntry ? entryMask : this.incomingMask(incoming, entryMask);
      this.blockMask.set(n, mask);
      // A small block that closes the loop (the increment) runs after the region's guards, as it did alone: loop
      // shaping reads the loop's step there.
      const latch = region !== undefined && targets(n.term).some((r) => r.block === region.header) && !this.guardable(n, mask, entryMask);
      if (latch) this.closeTo(base);
      if (!isEntry) this.mergeParams(n.params, incoming);
      this.body(n, mask, entryMask, base);
    });
    this.closeTo(base);
  }

  /** Whether mask a's lanes are within b's (b undefined: every lane), by the recorded subsets. */
  private isWithin(a: Value | undefined, b: Value | undefined): boolean {
    if (b === undefined) return true;
    for (let x = a; x !== undefined; ) {
      if (x === b) return true;
      const s = this.split.get(x);
      if (s) x = s.parent;
      else if (this.within.has(x)) x = this.within.get(x);
      else return false;
    }
    return false;
  }

  /** Closes open guards above `base` until the innermost holds every one of `parts`' lanes. */
  private closeOutside(parts: (Value | undefined)[], base: number): void {
    while (this.stack.length > base && !parts.every((m) => this.isWithin(m, this.stack[this.stack.length - 1]!.mask))) this.closeTop();
  }

  /** Closes open guards down to `depth`. */
  private closeTo(depth: number): void {
    while (this.stack.length > depth) this.closeTop();
  }

  /** Closes the innermost guard: its span's last block branches to the join, which comes next. */
  private closeTop(): void {
    const g = this.stack.pop()!;
    g.last = this.cur;
    this.cur.term = { kind: 'br', target: { block: g.join, args: [] } };
    g.pre.term = { kind: 'condbr', cond: g.anyActive, then: { block: g.exec, args: [] }, else: { block: g.join, args: [] } };
    this.closed.push(g);
    this.cur = this.place(g.join);
  }

  /** The lanes that reach a block: its incoming edges' masks, joined (within the innermost open guard, else the region's). */
  private incomingMask(incoming: EdgeState[], regionMask: Value | undefined): Value | undefined {
    if (incoming.length === 0) return this.emit('const', [], 'bool', { value: 0 });
    const parts = this.joinSplits(incoming.map((e) => e.mask));
    let m = parts[0];
    for (const p of parts.slice(1)) m = this.or(m, p);
    if (parts.length > 1 && m && !this.within.has(m) && !this.split.has(m)) this.within.set(m, this.stack[this.stack.length - 1]?.mask ?? regionMask);
    return m;
  }

  /**
   * The masks of a join with every pair `P ∧ c`, `P ∧ ¬c` replaced by P, repeatedly (the two sides of an if meet
   * again under the mask before it); undefined (every lane) absorbs the rest. Duplicates are dropped.
   */
  private joinSplits(masks: (Value | undefined)[]): (Value | undefined)[] {
    if (masks.some((m) => m === undefined)) return [undefined];
    const set = [...new Set(masks as Value[])];
    for (let merged = true; merged; ) {
      merged = false;
      for (let i = 0; i < set.length && !merged; i++) {
        const a = this.split.get(set[i]!);
        if (!a) continue;
        for (let j = i + 1; j < set.length; j++) {
          const b = this.split.get(set[j]!);
          if (!b || b.parent !== a.parent || b.cond !== a.cond || b.neg === a.neg) continue;
          if (a.parent === undefined) return [undefined];
          set.splice(j, 1);
          set.splice(i, 1);
          if (!set.includes(a.parent)) set.push(a.parent);
          merged = true;
          break;
        }
      }
    }
    return set;
  }

  /** The value each parameter takes: the argument of whichever incoming edge the lane took. */
  private mergedValues(params: Value[], incoming: EdgeState[]): Value[] {
    return params.map((p, i) => {
      if (incoming.length === 0) return this.zero(p.type);
      let v = incoming[0]!.args[i]!;
      for (const e of incoming.slice(1)) {
        const a = e.args[i]!;
        if (a !== v) v = this.emit('select', [this.maskValue(e.mask), a, v], p.type);
      }
      return v;
    });
  }

  private mergeParams(params: Value[], incoming: EdgeState[]): void {
    this.mergedValues(params, incoming).forEach((v, i) => this.subst.set(params[i]!, v));
  }

  /**
   * A block under a mask that may be empty gets a branch around it when no
   * lane is active: `condbr any(mask)`. Under a uniform condition that is
   * exactly the original branch. Its values used later pass through the
   * join block's parameters (zero when skipped: no lane reads them then).
   */
  private guardable(b: Block, mask: Value | undefined, regionMask: Value | undefined): boolean {
    if (!mask || mask === regionMask) return false;
    if (this.unguardedStores && storeOnly(b, this.constants)) return false;
    return b.instrs.length >= 3 || b.instrs.some((i) => maskOperand(i.op) !== undefined || i.op === 'store');
  }

  private body(b: Block, mask: Value | undefined, regionMask: Value | undefined, base: number): void {
    const top = this.stack.length > base ? this.stack[this.stack.length - 1] : undefined;
    if (mask && mask !== top?.mask && this.guardable(b, mask, regionMask)) {
      const anyActive = this.emit('any', [mask], 'bool');
      anyActive.uniform = true;
      const pre = this.cur;
      const g: Guard = { mask, pre, exec: pre, join: pre, anyActive };
      this.stack.push(g);
      g.exec = this.cur = this.block();
      g.join = newBlock(this.fn, false);
    }
    for (const i of b.instrs) {
      const at = maskOperand(i.op);
      if (mask && at !== undefined) {
        if (i.args.length > at) i.args = [...i.args.slice(0, at), this.and(i.args[at]!, mask)];
        else i.args = [...i.args, mask];
      }
      this.cur.instrs.push(i);
    }
    const t = b.term;
    if (t.kind === 'br') this.edges.set(`${b.id}:0`, { from: b, mask, args: t.target.args, target: t.target.block });
    else if (t.kind === 'condbr') {
      const notC = this.emit('not', [t.cond], 'bool');
      const yes = this.and(mask, t.cond);
      const no = this.and(mask, notC);
      for (const [m, neg] of [[yes, false], [no, true]] as const) if (!this.split.has(m)) this.split.set(m, { parent: mask, cond: t.cond, neg });
      this.edges.set(`${b.id}:0`, { from: b, mask: yes, args: t.then.args, target: t.then.block });
      this.edges.set(`${b.id}:1`, { from: b, mask: no, args: t.else.args, target: t.else.block });
    }
  }

  private loop(loop: Loop, incoming: EdgeState[], entryMask: Value | undefined, isEntry: boolean, regionMask: Value | undefined): void {
    const h = loop.header;
    const inLoop = (b: Block) => loop.blocks.has(b);
    const mIn = isEntry ? entryMask : this.incomingMask(incoming, regionMask);
    const init = isEntry ? h.params.map((p) => p) : this.mergedValues(h.params, incoming);
    // Exit edges and loop-defined values used after the loop.
    const exits: { key: string; from: Block; target: Block }[] = [];
    for (const b of loop.blocks) targets(b.term).forEach((r, k) => !inLoop(r.block) && exits.push({ key: `${b.id}:${k}`, from: b, target: r.block }));
    const liveOut: Value[] = [];
    for (const b of this.fn.blocks) {
      if (inLoop(b) || !this.rpo.has(b)) continue;
      const uses = [...b.instrs.flatMap((i) => i.args), ...targets(b.term).flatMap((r) => r.args), ...(b.term.kind === 'condbr' ? [b.term.cond] : [])];
      for (const v of uses) {
        const d = this.defs.get(v);
        if (d && inLoop(d.block) && !liveOut.includes(v)) liveOut.push(v);
      }
    }
    const nh = this.block();
    const mask = addParam(this.fn, nh, 'bool');
    const xs = exits.map(() => addParam(this.fn, nh, 'bool'));
    const as = exits.map((e) => e.target.params.map((p) => addParam(this.fn, nh, p.type)));
    const accs = liveOut.map((v) => addParam(this.fn, nh, v.type));
    nh.params.unshift(...h.params);
    // The exit block is laid out after the body, but exists now: a loop no lane enters is skipped straight to it.
    const lx = newBlock(this.fn, false);
    const xsOut = xs.map(() => addParam(this.fn, lx, 'bool'));
    const asOut = as.map((a) => a.map((v) => addParam(this.fn, lx, v.type)));
    const accsOut = accs.map((v) => addParam(this.fn, lx, v.type));
    const exitInit = [...xs.map(() => this.zero('bool')), ...as.flatMap((a) => a.map((p) => this.zero(p.type))), ...accs.map((p) => this.zero(p.type))];
    const entryArgs = [...init, this.maskValue(mIn), ...exitInit];
    if (mIn && mIn !== regionMask) {
      const anyIn = this.emit('any', [mIn], 'bool');
      anyIn.uniform = true;
      this.cur.term = { kind: 'condbr', cond: anyIn, then: { block: nh, args: entryArgs }, else: { block: lx, args: exitInit } };
    } else this.cur.term = { kind: 'br', target: { block: nh, args: entryArgs } };
    this.cur = nh;

    this.region([...loop.blocks].sort((a, b) => this.rpo.get(a)! - this.rpo.get(b)!), loop, mask);

    const back = this.edgesTo(h).filter((e) => inLoop(e.from));
    let cont: Value | undefined = back.length === 0 ? this.zero('bool') : back[0]!.mask;
    for (const e of back.slice(1)) cont = this.or(cont, e.mask);
    const contMask = this.maskValue(cont);
    const next = h.params.map((p, i) => {
      let v: Value = back[0]?.args[i] ?? p;
      for (const e of back.slice(1)) if (e.args[i] !== v) v = this.emit('select', [this.maskValue(e.mask), e.args[i]!, v], p.type);
      return v;
    });
    const xs2 = exits.map((e, k) => this.emit('or', [xs[k]!, this.maskValue(this.edges.get(e.key)?.mask)], 'bool'));
    const as2 = exits.map((e, k) => {
      const st = this.edges.get(e.key);
      return as[k]!.map((acc, j) => (st ? this.emit('select', [this.maskValue(st.mask), st.args[j]!, acc], acc.type) : acc));
    });
    const accs2 = liveOut.map((v, k) => {
      const alias = this.aliasAfter.get(v);
      const src = alias && alias.loop.parent === loop ? alias : { value: v, mask: this.blockMask.get(this.defs.get(v)!.block) };
      return this.emit('select', [this.maskValue(src.mask), src.value, accs[k]!], v.type);
    });
    const anyCont = this.emit('any', [contMask], 'bool');
    anyCont.uniform = true;
    this.place(lx);
    this.cur.term = {
      kind: 'condbr',
      cond: anyCont,
      then: { block: nh, args: [...next, contMask, ...xs2, ...as2.flat(), ...accs2] },
      else: { block: lx, args: [...xs2, ...as2.flat(), ...accs2] },
    };
    this.cur = lx;
    // For the enclosing region the loop is one node: its exit edges carry the accumulated masks and arguments.
    // A loop with one exit edge: every lane that entered leaves through it, so after the loop the mask is the entry mask
    // (the same lanes, and a value folding can see through; the accumulated one is not).
    exits.forEach((e, k) => this.edges.set(e.key, { from: e.from, mask: exits.length === 1 ? mIn : xsOut[k], args: asOut[k]!, target: e.target }));
    // Lanes leave a loop only if they entered it.
    if (exits.length > 1) for (const x of xsOut) this.within.set(x, mIn);
    liveOut.forEach((v, k) => {
      const inner = this.aliasAfter.get(v);
      if (inner && inner.loop.parent === loop) this.replaceOutside(inner.value, accsOut[k]!, loop);
      this.aliasAfter.set(v, { value: accsOut[k]!, mask: mIn, loop });
      this.replaceOutside(v, accsOut[k]!, loop);
    });
    this.edges.deleteTo(h);
  }

  /** Replaces uses of `v` outside `loop` (in blocks not yet emitted or being built) by `by`. */
  private replaceOutside(v: Value, by: Value, loop: Loop): void {
    for (const b of this.fn.blocks) {
      if (loop.blocks.has(b)) continue;
      for (const i of b.instrs) i.args = i.args.map((a) => (a === v ? by : a));
      const t = b.term;
      if (t.kind === 'condbr' && t.cond === v) t.cond = by;
      for (const r of targets(t)) r.args = r.args.map((a) => (a === v ? by : a));
    }
    for (const e of this.edges.values()) e.args = e.args.map((a) => (a === v ? by : a));
  }
}

/** True when some branch depends on a varying condition (so SPMD lowering has work to do). */
export function hasVaryingBranch(fn: IrFunction): boolean {
  return fn.blocks.some((b) => b.term.kind === 'condbr' && !b.term.cond.uniform);
}

/**
 * Most instructions of a block whose only memory ops are stores that runs without a guard where stores are masked
 * per lane (`unguardedStores`): `if (kept) y[i] = v` costs a masked store, not a vote and a branch.
 */
const UNGUARDED_STORE_BLOCK = 6;

/**
 * Whether `b` is small, stores, and has no other memory or cross-lane op: at most {@link UNGUARDED_STORE_BLOCK}
 * instructions besides constants and what only constants feed (index arithmetic of unrolled loops, which folding
 * removes).
 */
function storeOnly(b: Block, constants: ReadonlySet<Value>): boolean {
  let work = 0;
  let stores = 0;
  for (const i of b.instrs) {
    if (i.op === 'store') stores++;
    else if (maskOperand(i.op) !== undefined || opInfo(i.op)?.effect) return false;
    if (!i.result || !constants.has(i.result)) work++;
  }
  return stores > 0 && work <= UNGUARDED_STORE_BLOCK;
}

/**
 * Lowers varying control flow to masks in place (see the file comment); returns the function. With
 * `unguardedStores` (targets whose stores touch memory only in the lanes of their mask, and nothing when no lane
 * is active: V3D's conditional TMU writes), a small block whose only memory ops are stores gets no
 * `condbr any(mask)` around it: its stores carry the mask, its other ops run in every lane (nothing else reads
 * them where the mask is off). A branch also ends a backend block, which collects every load in flight.
 */
export function lowerSpmd(fn: IrFunction, unguardedStores = false): IrFunction {
  analyzeUniformity(fn);
  if (!hasVaryingBranch(fn)) return fn;
  if (unguardedStores && maskStoreBlocks(fn)) return analyzeUniformity(fn);
  new SpmdLowering(fn, unguardedStores).run();
  return analyzeUniformity(fn);
}

/**
 * Where every varying branch of `fn` is an `if` on a lane pattern around a small store-only block ({@link storeOnly};
 * `if (lane - 1 < 14) y[i] = v` with no `else`), folds each such block into the block that branches to it, its stores masked by the
 * condition, and returns true; otherwise changes nothing and returns false. With no varying branch left the
 * function needs no lowering at all, so its loops keep their shape: the lowering proper would run a loop holding
 * such an `if` as a masked loop, its body a guarded span with a join that carries every loop-carried value
 * (a second test of the loop's condition and the copies of those values on every pass).
 */
function maskStoreBlocks(fn: IrFunction): boolean {
  const constants = constantValues(fn);
  const preds = predecessors(fn);
  // Lane dependence through data alone: what stays varying once no branch is (the analysis proper also counts a
  // block parameter at a join of a varying branch, which here would be every loop-carried value of a loop around
  // the `if`).
  const varying = new Set<Value>();
  const sameInBatch = sameInBatchValues(fn);
  for (let changed = true; changed; ) {
    changed = false;
    const mark = (v: Value) => {
      if (!varying.has(v)) (varying.add(v), (changed = true));
    };
    for (const b of fn.blocks) spreadThroughBlock(b, varying, mark, sameInBatch);
  }
  // A lane pattern: a value of lane_id and lane-independent values by pure ops (the same lanes on every pass, as
  // `lane - 1 < 14`). Only such conditions are folded: with a condition from loaded data (V3D compaction's kept
  // elements) the folded form measured slower than the lowering's (vc6 compaction 0.610 → 0.576 of the memory limit).
  const defs = definitions(fn);
  const pattern = new Map<Value, boolean>();
  const isPattern = (v: Value): boolean => {
    if (!varying.has(v)) return true;
    let known = pattern.get(v);
    if (known !== undefined) return known;
    pattern.set(v, false);
    const i = defs.get(v)?.instr;
    known = i !== undefined && (i.op === 'lane_id' || (!opInfo(i.op)?.effect && maskOperand(i.op) === undefined && !opInfo(i.op)?.readsMemory && !opInfo(i.op)?.varying && i.args.every(isPattern)));
    pattern.set(v, known);
    return known;
  };
  const folds: { from: Block; side: Block; join: Block; cond: Value; negate: boolean }[] = [];
  for (const b of fn.blocks) {
    const t = b.term;
    if (t.kind !== 'condbr' || !varying.has(t.cond)) continue;
    if (!isPattern(t.cond)) return false;
    const fold = ([side, join, negate]: [Block, Block, boolean]) => {
      const st = side.term;
      const ok =
        side !== join &&
        side !== b &&
        t.then.args.length === 0 &&
        t.else.args.length === 0 &&
        side.params.length === 0 &&
        (preds.get(side) ?? []).length === 1 &&
        st.kind === 'br' &&
        st.target.block === join &&
        st.target.args.length === 0 &&
        storeOnly(side, constants) &&
        side.instrs.every((i) => i.op !== 'store' || i.args.length === 2);
      return ok ? { from: b, side, join, cond: t.cond, negate } : undefined;
    };
    const f = fold([t.then.block, t.else.block, false]) ?? fold([t.else.block, t.then.block, true]);
    if (!f) return false;
    folds.push(f);
  }
  for (const f of folds) {
    let mask = f.cond;
    if (f.negate) {
      mask = newValue(fn, 'bool', false);
      f.from.instrs.push({ op: 'not', args: [f.cond], result: mask });
    }
    for (const i of f.side.instrs) f.from.instrs.push(i.op === 'store' ? { ...i, args: [...i.args, mask] } : i);
    f.from.term = { kind: 'br', target: { block: f.join, args: [] } };
  }
  const gone = new Set(folds.map((f) => f.side));
  fn.blocks = fn.blocks.filter((b) => !gone.has(b));
  // Each fold leaves its block and the join in a straight line: one block again, as the passes that work within a
  // block (address rebasing) would have seen it without the `if`.
  simplifyCfg(fn);
  return true;
}

/** Values of constants and of ops only constants feed, anywhere in `fn` (see {@link storeOnly}). */
function constantValues(fn: IrFunction): Set<Value> {
  const constants = new Set<Value>();
  for (const b of reversePostorder(fn)) {
    for (const i of b.instrs) {
      if (i.result && !opInfo(i.op)?.effect && maskOperand(i.op) === undefined && i.args.every((a) => constants.has(a))) constants.add(i.result);
    }
  }
  return constants;
}
