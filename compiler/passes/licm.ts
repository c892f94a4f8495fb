/**
 * Loop-invariant code motion: pure instructions of a loop whose operands are
 * all defined outside it move to the loop's preheader (created when the
 * header has no single outside predecessor ending in `br`). Loads, effects
 * and cross-lane ops stay put. Hoisting is speculative, which is safe
 * because no op traps (docs/language.md defines division by zero).
 */
import type { Block, IrFunction, Value } from '../ir/types.ts';
import { opInfo } from '../ir/ops.ts';
import { ensurePreheader, findLoops } from '../ir/cfg.ts';
import { definitions } from '../ir/values.ts';

/** Hoists loop-invariant instructions in place; returns the function. */
export function hoistInvariants(fn: IrFunction): IrFunction {
  const { loops } = findLoops(fn);
  // Outermost first, so an invariant climbs as far out as it can over successive loops.
  for (const loop of [...loops].reverse()) {
    const defs = definitions(fn);
    const inside = (v: Value) => {
      const d = defs.get(v);
      return d !== undefined && loop.blocks.has(d.block);
    };
    const hoisted = new Set<Value>();
    const moved: { block: Block; instr: (typeof loop.header.instrs)[number] }[] = [];
    for (const b of [...fn.blocks].filter((x) => loop.blocks.has(x))) {
      for (const i of b.instrs) {
        const info = opInfo(i.op);
        if (!i.result || !info?.hoistable) continue;
        if (i.args.every((a) => !inside(a) || hoisted.has(a))) {
          hoisted.add(i.result);
          moved.push({ block: b, instr: i });
        }
      }
    }
    if (moved.length === 0) continue;
    const pre = ensurePreheader(fn, loop);
    for (const { block, instr } of moved) {
      block.instrs.splice(block.instrs.indexOf(instr), 1);
      pre.instrs.push(instr);
    }
  }
  return fn;
}
