/**
 * Uniformity analysis: marks each value uniform (the same in every active
 * lane of a QPU) or varying. Sources of variance are lane-dependent ops
 * (lane_id, global_id, rotate) and loads through varying addresses; it spreads
 * through operands, and through control: a block parameter at a join of a
 * varying branch is varying, and so is a value that leaves a loop with a
 * varying branch (lanes leave it at different iterations).
 */
import type { Block, IrFunction, Value } from '../ir/types.ts';
import { opInfo } from '../ir/ops.ts';
import { findLoops, successors, targets } from '../ir/cfg.ts';
import { definitions, sameInBatchValues, mapUses } from '../ir/values.ts';


function reach(from: Block): Set<Block> {
  const seen = new Set<Block>([from]);
  const work = [from];
  while (work.length > 0) for (const s of successors(work.pop()!)) if (!seen.has(s)) (seen.add(s), work.push(s));
  return seen;
}

/** Above this many blocks the reachability bitsets (blocks² bits) are not built; joins are found by search. */
const MAX_BITSET_BLOCKS = 16384;

/**
 * The blocks reachable from both `a` and `b` (each reaches itself). With
 * many varying branches, one search per branch made the analysis quadratic;
 * instead every block's reachable set is computed once as a bitset (a
 * fixed point over the CFG) and a join is an intersection.
 */
class Joins {
  private sets: Uint32Array[] | undefined;
  private index: Map<Block, number> | undefined;
  /** Blocks already returned by {@link fresh}, as bits over fn.blocks (and as a set for blocks outside it). */
  private given: Uint32Array | undefined;
  private readonly givenOutside = new Set<Block>();
  constructor(private readonly fn: IrFunction) {}

  /**
   * The blocks reachable from both `a` and `b` that no earlier call returned: a chain of varying branches
   * has joins that reach most of the function, and marking their parameters once is enough.
   */
  fresh(a: Block, b: Block): Block[] {
    const blocks = this.fn.blocks;
    if (blocks.length <= MAX_BITSET_BLOCKS && (!this.sets || !this.index)) this.build();
    const ia = this.index?.get(a);
    const ib = this.index?.get(b);
    // A target outside fn.blocks (never the case after removeUnreachable) falls back to the search.
    if (!this.sets || !this.given || ia === undefined || ib === undefined) {
      const ra = reach(a);
      return [...reach(b)].filter((x) => ra.has(x) && !this.isGiven(x) && (this.give(x), true));
    }
    const sa = this.sets[ia] as Uint32Array;
    const sb = this.sets[ib] as Uint32Array;
    const given = this.given;
    const out: Block[] = [];
    for (let w = 0; w < sa.length; w++) {
      let bits = (sa[w] as number) & (sb[w] as number) & ~(given[w] as number);
      given[w] = (given[w] as number) | bits;
      while (bits !== 0) {
        const low = bits & -bits;
        out.push(blocks[w * 32 + (31 - Math.clz32(low))] as Block);
        bits ^= low;
      }
    }
    return out;
  }

  private isGiven(x: Block): boolean {
    const i = this.index?.get(x);
    return i !== undefined && this.given ? ((this.given[i >>> 5] as number) & (1 << (i & 31))) !== 0 : this.givenOutside.has(x);
  }

  private give(x: Block): void {
    const i = this.index?.get(x);
    if (i !== undefined && this.given) this.given[i >>> 5] = (this.given[i >>> 5] as number) | (1 << (i & 31));
    else this.givenOutside.add(x);
  }

  private build(): void {
    const blocks = this.fn.blocks;
    const index = new Map(blocks.map((b, i) => [b, i]));
    const words = (blocks.length + 31) >>> 5;
    const sets = blocks.map((_, i) => {
      const s = new Uint32Array(words);
      s[i >>> 5] = (1 << (i & 31)) >>> 0;
      return s;
    });
    const succs = blocks.map((b) => successors(b).map((x) => index.get(x)).filter((x): x is number => x !== undefined));
    // Reverse block order is close to reverse topological order: a few passes reach the fixed point.
    for (let changed = true; changed; ) {
      changed = false;
      for (let i = blocks.length - 1; i >= 0; i--) {
        const s = sets[i] as Uint32Array;
        for (const j of succs[i] as number[]) {
          const t = sets[j] as Uint32Array;
          for (let w = 0; w < words; w++) {
            const v = ((s[w] as number) | (t[w] as number)) >>> 0;
            if (v !== s[w]) {
              s[w] = v;
              changed = true;
            }
          }
        }
      }
    }
    this.sets = sets;
    this.index = index;
    this.given = new Uint32Array(words);
  }
}

/**
 * Data dependence within one block, for the uniformity analyses: a
 * lane-dependent op (the op table's `varying`) or an op with a varying data
 * operand (not its mask; not for ops whose result is uniform whatever the
 * operands) gives a varying result, and a varying branch argument makes the
 * parameter it feeds varying. Calls `mark` for each.
 */
export function spreadThroughBlock(b: Block, varying: ReadonlySet<Value>, mark: (v: Value) => void, sameInBatch?: ReadonlySet<Value>): void {
  for (const i of b.instrs) {
    if (!i.result || sameInBatch?.has(i.result)) continue;
    const info = opInfo(i.op);
    const maskAt = info?.mask;
    const data = maskAt === undefined ? i.args : i.args.slice(0, maskAt);
    if (info?.varying || (!info?.uniformResult && data.some((a) => varying.has(a)))) mark(i.result);
  }
  for (const r of targets(b.term)) r.args.forEach((a, k) => varying.has(a) && mark(r.block.params[k] as Value));
}

/** Recomputes `uniform` on every value of the function (parameters stay uniform). */
export function analyzeUniformity(fn: IrFunction): IrFunction {
  const varying = new Set<Value>();
  const { loops } = findLoops(fn);
  const defs = definitions(fn);
  const sameInBatch = sameInBatchValues(fn);
  const joinsDone = new Set<Block>();
  const joins = new Joins(fn);
  const loopsDone = new Set<object>();
  for (let changed = true; changed; ) {
    changed = false;
    const mark = (v: Value) => {
      if (!varying.has(v)) (varying.add(v), (changed = true));
    };
    for (const b of fn.blocks) {
      spreadThroughBlock(b, varying, mark, sameInBatch);
      const t = b.term;
      if (t.kind === 'condbr' && varying.has(t.cond) && !joinsDone.has(b)) {
        joinsDone.add(b);
        for (const x of joins.fresh(t.then.block, t.else.block)) x.params.forEach(mark);
        for (const loop of loops) {
          if (!loop.blocks.has(b) || loopsDone.has(loop)) continue;
          loopsDone.add(loop);
          // Values defined in the loop and used after it differ per lane.
          mapUses(fn, (v, where) => {
            const d = defs.get(v);
            if (d && loop.blocks.has(d.block) && !loop.blocks.has(where)) mark(v);
            return v;
          });
          for (const x of loop.blocks) for (const r of targets(x.term)) if (!loop.blocks.has(r.block)) r.block.params.forEach(mark);
        }
      }
    }
  }
  const params = new Set(fn.params.map((p) => p.value));
  for (const [v] of defs) v.uniform = !varying.has(v);
  for (const p of params) p.uniform = true;
  return fn;
}
