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
import { mapUses } from '../ir/values.ts';

/** Small numbers for the strings in keys (ops, types, attribute texts): compared and hashed as numbers. */
class Interner {
  private readonly ids = new Map<string, number>();

  id(s: string): number {
    let n = this.ids.get(s);
    if (n === undefined) this.ids.set(s, (n = this.ids.size));
    return n;
  }
}

/** An instruction's attributes as text, names sorted (numberText keeps -0 apart from 0: String(-0) is "0"). */
function attrsText(attrs: Record<string, number | string | boolean>): string {
  const names = Object.keys(attrs);
  if (names.length > 1) names.sort();
  return names.map((k) => { const v = attrs[k]; return `${k}=${typeof v === 'number' ? numberText(v) : String(v)}`; }).join(',');
}

/**
 * What makes two instructions the same computation: op, operand ids (in
 * ascending order for a commutative op of two), attributes and result type.
 * Strings become interned numbers, so a key is a few numbers and its hash
 * (text keys, built and hashed per instruction, were most of the pass's time).
 */
interface Key {
  op: number;
  attrs: number;
  type: number;
  ids: number[];
  hash: number;
}

/** A table from keys to values; entries with one hash are chained, the latest first. */
class ExprTable {
  private readonly heads = new Map<number, Entry>();

  get(k: Key): Value | undefined {
    for (let e = this.heads.get(k.hash); e; e = e.next) if (sameKey(e.key, k)) return e.value;
    return undefined;
  }

  /** Adds `k` (not in the table); returns the entry, for {@link remove}. */
  add(k: Key, value: Value): Entry {
    const e: Entry = { key: k, value, next: this.heads.get(k.hash) };
    this.heads.set(k.hash, e);
    return e;
  }

  /** Removes `e`, which must be the latest entry of its hash still present (entries are removed last-added first). */
  remove(e: Entry): void {
    if (e.next) this.heads.set(e.key.hash, e.next);
    else this.heads.delete(e.key.hash);
  }
}

interface Entry {
  key: Key;
  value: Value;
  next: Entry | undefined;
}

function sameKey(a: Key, b: Key): boolean {
  if (a.op !== b.op || a.attrs !== b.attrs || a.type !== b.type || a.ids.length !== b.ids.length) return false;
  for (let k = 0; k < a.ids.length; k++) if (a.ids[k] !== b.ids[k]) return false;
  return true;
}

function keyOf(i: Instr, resolve: (v: Value) => Value, strings: Interner): Key {
  const args = i.args;
  const ids: number[] = [];
  if (args.length === 2 && opInfo(i.op)?.commutative) {
    const x = resolve(args[0] as Value).id;
    const y = resolve(args[1] as Value).id;
    if (x <= y) ids.push(x, y);
    else ids.push(y, x);
  } else for (let k = 0; k < args.length; k++) ids.push(resolve(args[k] as Value).id);
  const op = strings.id(i.op);
  const attrs = i.attrs ? strings.id(attrsText(i.attrs)) : -1;
  const type = strings.id(typeText(i.result!.type));
  let h = Math.imul(op + 1, 0x9e3779b1) ^ Math.imul(attrs + 2, 0x85ebca6b) ^ Math.imul(type + 3, 0xc2b2ae35);
  for (let k = 0; k < ids.length; k++) h = Math.imul(h ^ (ids[k] as number), 0x27d4eb2f) + k;
  return { op, attrs, type, ids, hash: h | 0 };
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
  // Replacements by value id (ids are unique within a function: ir/verify.ts).
  const subst: (Value | undefined)[] = [];
  let substituted = 0;
  const resolve = (v: Value): Value => {
    for (let s = subst[v.id]; s !== undefined; s = subst[v.id]) v = s;
    return v;
  };
  const replaced = (a: Value): boolean => subst[a.id] !== undefined;
  // One table with an undo log per dominator-tree node: entering a block adds, leaving it removes.
  // The walk keeps its own stack: a kernel of thousands of ifs has a dominator tree thousands deep.
  const table = new ExprTable();
  const strings = new Interner();
  const visit = (b: Block): Entry[] => {
    const added: Entry[] = [];
    let loads = new ExprTable();
    for (const i of b.instrs) {
      // A new operand array only when an operand changes (the arrays may be shared).
      if (substituted > 0 && i.args.some(replaced)) i.args = i.args.map(resolve);
      const info = opInfo(i.op);
      if (!i.result || !info) {
        if (info?.effect) loads = new ExprTable();
        continue;
      }
      if (info.effect) continue;
      const k = keyOf(i, resolve, strings);
      const t = info.readsMemory ? loads : table;
      const prev = t.get(k);
      if (prev) {
        subst[i.result.id] = prev;
        substituted++;
      }
      else {
        const e = t.add(k, i.result);
        if (t === table) added.push(e);
      }
    }
    return added;
  };
  const entry = fn.blocks[0];
  // Each frame: a block's undo log and its children still to visit (reversed, popped from the end).
  const stack: { added: Entry[]; todo: Block[] }[] = [];
  const enter = (b: Block) => stack.push({ added: visit(b), todo: [...(children.get(b) ?? [])].reverse() });
  if (entry) enter(entry);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const next = top.todo.pop();
    if (next) enter(next);
    else {
      // Last added first: each is then the latest entry of its hash.
      for (let k = top.added.length - 1; k >= 0; k--) table.remove(top.added[k] as Entry);
      stack.pop();
    }
  }
  if (substituted > 0) mapUses(fn, resolve);
  for (const b of fn.blocks) b.instrs = b.instrs.filter((i) => !i.result || subst[i.result.id] === undefined);
  return fn;
}
