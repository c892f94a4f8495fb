/**
 * Uniformity analysis: marks each value uniform (the same in every active
 * lane of a QPU) or varying. Sources of variance are lane-dependent ops
 * (lane_id, global_id, rotate) and loads through varying addresses; it spreads
 * through operands, and through control: a block parameter at a join of a
 * varying branch is varying, and so is a value that leaves a loop with a
 * varying branch (lanes leave it at different iterations).
 */
import type { Block, BlockRef, IrFunction, Value } from '../ir/types.ts';
import { opInfo } from '../ir/ops.ts';
import { findLoops, targets, type Loop } from '../ir/cfg.ts';
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
    const visit = (s: Block): void => {
      if (!seen.has(s) && !this.given.has(s)) (seen.add(s), work.push(s));
    };
    while (work.length > 0) {
      // The successors in order (then before else), read off the terminator.
      const t = (work.pop() as Block).term;
      if (t.kind === 'br') visit(t.target.block);
      else if (t.kind === 'condbr') (visit(t.then.block), visit(t.else.block));
    }
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
    if (info?.varying) {
      mark(i.result);
      continue;
    }
    if (info?.uniformResult) continue;
    // The data operands: those before the mask, if any.
    const args = i.args;
    const n = info?.mask === undefined ? args.length : Math.min(info.mask, args.length);
    for (let k = 0; k < n; k++) {
      if (varying.has(args[k] as Value)) {
        mark(i.result);
        break;
      }
    }
  }
  const t = b.term;
  if (t.kind === 'ret') return;
  spreadThroughEdge(t.kind === 'br' ? t.target : t.then, varying, mark);
  if (t.kind === 'condbr') spreadThroughEdge(t.else, varying, mark);
}

function spreadThroughEdge(r: BlockRef, varying: ReadonlySet<Value>, mark: (v: Value) => void): void {
  const args = r.args;
  for (let k = 0; k < args.length; k++) if (varying.has(args[k] as Value)) mark(r.block.params[k] as Value);
}

/** Recomputes `uniform` on every value of the function (parameters stay uniform). */
export function analyzeUniformity(fn: IrFunction): IrFunction {
  const varying = new Set<Value>();
  // Loops and definitions are needed only once a varying branch is found (and definitions only inside a loop).
  let loops: Loop[] | undefined;
  let defs: Map<Value, { block: Block }> | undefined;
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
        loops ??= findLoops(fn).loops;
        for (const loop of loops) {
          if (!loop.blocks.has(b) || loopsDone.has(loop)) continue;
          loopsDone.add(loop);
          const defsOf = (defs ??= definitions(fn));
          // Values defined in the loop and used after it differ per lane.
          mapUses(fn, (v, where) => {
            const d = defsOf.get(v);
            if (d && loop.blocks.has(d.block) && !loop.blocks.has(where)) mark(v);
            return v;
          });
          for (const x of loop.blocks) for (const r of targets(x.term)) if (!loop.blocks.has(r.block)) r.block.params.forEach(mark);
        }
      }
    }
  }
  for (const b of fn.blocks) {
    for (const p of b.params) p.uniform = !varying.has(p);
    for (const i of b.instrs) if (i.result) i.result.uniform = !varying.has(i.result);
  }
  for (const p of fn.params) p.value.uniform = true;
  return fn;
}
