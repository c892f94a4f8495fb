/**
 * Dead code elimination: removes instructions whose results are unused and
 * that have no effect, and block parameters that nothing reads (a parameter
 * only passed back to itself round a loop is dead too).
 */
import type { Block, IrFunction, Value } from '../ir/types.ts';
import { opInfo } from '../ir/ops.ts';
import { predecessors, removeUnreachable, targets } from '../ir/cfg.ts';

/** Removes dead instructions and parameters in place; returns the function. */
export function eliminateDeadCode(fn: IrFunction): IrFunction {
  removeUnreachable(fn);
  // Mark live values from the roots (effects, branch conditions), following operands.
  // Live values by id (ids are unique and below nextValueId: ir/verify.ts; any other id in a set).
  const n = fn.nextValueId;
  const inRange = (v: Value): boolean => v.id >>> 0 === v.id && v.id < n;
  const liveIds = new Uint8Array(n);
  const liveOthers = new Set<Value>();
  const live = {
    has: (v: Value): boolean => (inRange(v) ? liveIds[v.id] === 1 : liveOthers.has(v)),
    add: (v: Value): void => void (inRange(v) ? (liveIds[v.id] = 1) : liveOthers.add(v)),
  };
  const work: Value[] = [];
  const use = (v: Value) => {
    if (!live.has(v)) (live.add(v), work.push(v));
  };
  const defInstr = new Map<Value, { args: Value[] }>();
  const paramOf = new Map<Value, { block: Block; index: number }>();
  for (const b of fn.blocks) {
    b.params.forEach((p, index) => paramOf.set(p, { block: b, index }));
    for (const i of b.instrs) {
      if (i.result) defInstr.set(i.result, i);
      if (opInfo(i.op)?.effect || !i.result) i.args.forEach(use);
    }
    if (b.term.kind === 'condbr') use(b.term.cond);
  }
  const preds = predecessors(fn);
  while (work.length > 0) {
    const v = work.pop()!;
    const d = defInstr.get(v);
    if (d) d.args.forEach(use);
    const p = paramOf.get(v);
    if (p) for (const pred of preds.get(p.block) ?? []) for (const r of targets(pred.term)) if (r.block === p.block) use(r.args[p.index]!);
  }
  for (const b of fn.blocks) {
    b.instrs = b.instrs.filter((i) => !i.result || live.has(i.result) || opInfo(i.op)?.effect);
    if (b === fn.blocks[0]) continue;
    const keep = b.params.map((p) => live.has(p));
    if (keep.every(Boolean)) continue;
    b.params = b.params.filter((_, k) => keep[k]);
    for (const pred of preds.get(b) ?? []) for (const r of targets(pred.term)) if (r.block === b && r.args.length === keep.length) r.args = r.args.filter((_, k) => keep[k]);
  }
  return fn;
}
