/**
 * CFG simplification, so backends emit fewer branches:
 * - a `condbr` whose arms are the same block with the same arguments is a `br`;
 * - a branch to an empty block (no parameters, no instructions, ending in
 *   `br`) goes straight to that block's target;
 * - a block whose only predecessor ends in `br` to it is merged into that
 *   predecessor (its parameters become the branch's arguments).
 */
import type { Block, BlockRef, IrFunction, Value } from '../ir/types.ts';
import { predecessors, removeUnreachable, targets } from '../ir/cfg.ts';
import { replaceUses } from '../ir/values.ts';

function sameRef(a: BlockRef, b: BlockRef): boolean {
  return a.block === b.block && a.args.length === b.args.length && a.args.every((v, i) => v === b.args[i]);
}

/** Simplifies the CFG in place; returns the function. */
export function simplifyCfg(fn: IrFunction): IrFunction {
  const entry = fn.blocks[0];
  for (let changed = true; changed; ) {
    changed = false;
    for (const b of fn.blocks) {
      const t = b.term;
      if (t.kind === 'condbr' && sameRef(t.then, t.else)) {
        b.term = { kind: 'br', target: t.then, ...(t.loc ? { loc: t.loc } : {}) };
        changed = true;
      }
      for (const r of targets(b.term)) {
        const e = r.block;
        // Thread through an empty forwarding block (never the entry, never a self-loop).
        if (e !== entry && e !== b && e.params.length === 0 && e.instrs.length === 0 && e.term.kind === 'br' && e.term.target.block !== e && r.args.length === 0) {
          r.block = e.term.target.block;
          r.args = [...e.term.target.args];
          changed = true;
        }
      }
    }
    const preds = predecessors(fn);
    const subst = new Map<Value, Value>();
    const merged = new Set<Block>();
    for (const b of fn.blocks) {
      if (merged.has(b) || b.term.kind !== 'br') continue;
      const s = b.term.target.block;
      if (s === entry || s === b || merged.has(s) || (preds.get(s) ?? []).length !== 1) continue;
      s.params.forEach((p, i) => subst.set(p, (b.term as { target: BlockRef }).target.args[i]!));
      // One by one: a spread would pass a long block's instructions as call arguments (too many overflow the stack).
      for (const i of s.instrs) b.instrs.push(i);
      b.term = s.term;
      s.instrs = [];
      s.params = [];
      merged.add(s);
      changed = true;
    }
    if (merged.size > 0) {
      fn.blocks = fn.blocks.filter((x) => !merged.has(x));
      replaceUses(fn, subst);
    }
    removeUnreachable(fn);
  }
  return fn;
}
