/**
 * Copy propagation over block arguments: a parameter of a block with a
 * single incoming edge is just that edge's argument, and a parameter whose
 * incoming arguments are all one value is that value (compiler/passes/params.ts).
 * The IR has no copy instruction, so these are its only copies.
 */
import type { IrFunction, Value } from '../ir/types.ts';
import { predecessors, targets } from '../ir/cfg.ts';
import { replaceUses } from '../ir/values.ts';
import { removeTrivialParams } from './params.ts';

/** Propagates copies in place; returns the function. */
export function propagateCopies(fn: IrFunction): IrFunction {
  const preds = predecessors(fn);
  const subst = new Map<Value, Value>();
  for (const b of fn.blocks.slice(1)) {
    const refs = (preds.get(b) ?? []).flatMap((p) => targets(p.term).filter((r) => r.block === b));
    if (refs.length !== 1 || b.params.length === 0) continue;
    const ref = refs[0]!;
    b.params.forEach((p, k) => subst.set(p, ref.args[k]!));
    b.params = [];
    ref.args = [];
  }
  replaceUses(fn, subst);
  return removeTrivialParams(fn);
}
