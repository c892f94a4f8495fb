/**
 * Removes trivial block parameters: a parameter whose incoming arguments are
 * all one value (or the parameter itself) is that value. The frontend passes
 * every mutable variable through every join; this leaves only the real ones
 * (Braun et al.'s trivial-phi removal, on block parameters).
 */
import type { Block, IrFunction, Value } from '../ir/types.ts';
import { predecessors, targets } from '../ir/cfg.ts';
import { replaceUses } from '../ir/values.ts';

/** Removes trivial block parameters in place; returns the function. */
export function removeTrivialParams(fn: IrFunction): IrFunction {
  const subst = new Map<Value, Value>();
  const resolve = (v: Value): Value => {
    while (subst.has(v)) v = subst.get(v)!;
    return v;
  };
  for (let changed = true; changed; ) {
    changed = false;
    const preds = predecessors(fn);
    for (const b of fn.blocks.slice(1)) {
      const refs = (preds.get(b) ?? []).flatMap((p: Block) => targets(p.term).filter((r) => r.block === b));
      for (let i = b.params.length - 1; i >= 0; i--) {
        const p = b.params[i]!;
        let only: Value | undefined;
        let trivial = true;
        for (const r of refs) {
          const a = resolve(r.args[i]!);
          if (a === p || a === only) continue;
          if (only) {
            trivial = false;
            break;
          }
          only = a;
        }
        if (!trivial || !only) continue;
        subst.set(p, only);
        b.params.splice(i, 1);
        for (const r of refs) r.args.splice(i, 1);
        changed = true;
      }
    }
  }
  replaceUses(fn, subst);
  return fn;
}
