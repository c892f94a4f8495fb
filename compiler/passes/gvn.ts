/**
 * Common subexpression elimination over the dominator tree (hash-based GVN):
 * an instruction equal to one in a dominating position — same op, operands,
 * attributes and type — reuses that one's result. Loads are merged only
 * within a block and with no store or barrier between them.
 */
import type { Block, Instr, IrFunction, Value } from '../ir/types.ts';
import { typeText } from '../ir/types.ts';
import { opInfo } from '../ir/ops.ts';
import { dominators } from '../ir/cfg.ts';
import { numberText } from '../ir/print.ts';
import { replaceUses } from '../ir/values.ts';

function key(i: Instr, resolve: (v: Value) => Value): string {
  // The operands' ids, in ascending order for a commutative op of two (built without intermediate arrays: this runs per instruction).
  const args = i.args;
  let ids = '';
  if (args.length === 2 && opInfo(i.op)?.commutative) {
    const x = resolve(args[0] as Value).id;
    const y = resolve(args[1] as Value).id;
    ids = x <= y ? `${x},${y}` : `${y},${x}`;
  } else for (let k = 0; k < args.length; k++) ids += k === 0 ? `${resolve(args[k] as Value).id}` : `,${resolve(args[k] as Value).id}`;
  // numberText keeps -0 apart from 0 (String(-0) is "0").
  let attrs = '';
  if (i.attrs) {
    const names = Object.keys(i.attrs);
    if (names.length > 1) names.sort();
    attrs = names.map((k) => { const v = i.attrs![k]; return `${k}=${typeof v === 'number' ? numberText(v) : String(v)}`; }).join(',');
  }
  return `${i.op}|${ids}|${attrs}|${typeText(i.result!.type)}`;
}

/** Eliminates common subexpressions in place; returns the function. */
export function numberValues(fn: IrFunction): IrFunction {
  const idom = dominators(fn);
  const children = new Map<Block, Block[]>();
  for (const [b, d] of idom) {
    if (b === d) continue;
    const cs = children.get(d);
    if (cs) cs.push(b);
    else children.set(d, [b]);
  }
  const subst = new Map<Value, Value>();
  const resolve = (v: Value): Value => {
    while (subst.has(v)) v = subst.get(v)!;
    return v;
  };
  // One table with an undo log per dominator-tree node: entering a block adds, leaving it removes.
  // The walk keeps its own stack: a kernel of thousands of ifs has a dominator tree thousands deep.
  const table = new Map<string, Value>();
  const visit = (b: Block): string[] => {
    const added: string[] = [];
    let loads = new Map<string, Value>();
    for (const i of b.instrs) {
      // A new operand array only when an operand changes (the arrays may be shared).
      if (subst.size > 0 && i.args.some((a) => subst.has(a))) i.args = i.args.map(resolve);
      const info = opInfo(i.op);
      if (!i.result || !info) {
        if (info?.effect) loads = new Map();
        continue;
      }
      if (info.effect) continue;
      const k = key(i, resolve);
      const t = info.readsMemory ? loads : table;
      const prev = t.get(k);
      if (prev) subst.set(i.result, prev);
      else {
        t.set(k, i.result);
        if (t === table) added.push(k);
      }
    }
    return added;
  };
  const entry = fn.blocks[0];
  // Each frame: a block's undo log and its children still to visit (reversed, popped from the end).
  const stack: { added: string[]; todo: Block[] }[] = [];
  const enter = (b: Block) => stack.push({ added: visit(b), todo: [...(children.get(b) ?? [])].reverse() });
  if (entry) enter(entry);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const next = top.todo.pop();
    if (next) enter(next);
    else {
      for (const k of top.added) table.delete(k);
      stack.pop();
    }
  }
  replaceUses(fn, subst);
  for (const b of fn.blocks) b.instrs = b.instrs.filter((i) => !i.result || !subst.has(i.result));
  return fn;
}
