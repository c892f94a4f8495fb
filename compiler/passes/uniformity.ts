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


/**
 * The blocks reachable from both ends of a varying branch, each returned
 * once. Every set returned is closed under successors (what a block of it
 * reaches, both ends reach), so the union of those already returned is too:
 * a block reachable from `a` is new exactly when some path to it avoids the
 * blocks already returned. Each call therefore searches only from `a` and
 * from `b` through blocks not yet returned, and a chain of varying branches
 * (whose joins reach the rest of the function) costs the function's size
 * once, not once per branch.
 */
class Joins {
  private readonly given = new Set<Block>();

  /** The blocks reachable from both `a` and `b` (each reaches itself) that no earlier call returned. */
  fresh(a: Block, b: Block): Block[] {
    const fromA = this.reach(a);
    const out = [...this.reach(b)].filter((x) => fromA.has(x));
    for (const x of out) this.given.add(x);
    return out;
  }

  /** Blocks reachable from `from` through blocks not yet returned (the blocks it reaches that are new). */
  private reach(from: Block): Set<Block> {
    const seen = new Set<Block>();
    if (this.given.has(from)) return seen;
    seen.add(from);
    const work = [from];
    while (work.length > 0) for (const s of successors(work.pop() as Block)) if (!seen.has(s) && !this.given.has(s)) (seen.add(s), work.push(s));
    return seen;
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
  const joins = new Joins();
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
