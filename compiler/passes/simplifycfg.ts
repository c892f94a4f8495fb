/**
 * CFG simplification, so backends emit fewer branches:
 * - a `condbr` whose arms are the same block with the same arguments is a `br`;
 * - a branch to an empty block (no parameters, no instructions, ending in
 *   `br`) goes straight to that block's target;
 * - a block whose only predecessor ends in `br` to it is merged into that
 *   predecessor (its parameters become the branch's arguments);
 * - a block that ends in `condbr c` is bypassed on an edge where c is already
 *   known (the edge leaves a `condbr c`, or its block is reached from one
 *   through blocks with one predecessor each): the edge goes to a copy of the
 *   block's few pure instructions that the known target needs, ending in a
 *   `br` there (jump threading). SPMD lowering leaves such blocks at the end of
 *   a loop body with a uniform condition: `if (c) body; join; if (c) loop`.
 */
import type { Block, BlockRef, Instr, IrFunction, Value } from '../ir/types.ts';
import { predecessors, removeUnreachable, targets } from '../ir/cfg.ts';
import { replaceUses } from '../ir/values.ts';
import { newBlock, newValue } from '../ir/builder.ts';
import { opInfo } from '../ir/ops.ts';

/** Instructions a threaded block may have (they are copied onto each threaded edge). */
const THREAD_MAX_INSTRS = 8;

function sameRef(a: BlockRef, b: BlockRef): boolean {
  return a.block === b.block && a.args.length === b.args.length && a.args.every((v, i) => v === b.args[i]);
}

/** The value of `c` on the edge `p` → `b`, if `p` ends in `condbr c` with one arm to `b` or is reached from one through blocks of one predecessor (none of them, nor `b`, defining c). */
function knownOnEdge(p: Block, b: Block, c: Value, preds: Map<Block, Block[]>, defBlock: Map<Value, Block>): boolean | undefined {
  const onArm = (q: Block, to: Block): boolean | undefined => {
    if (q.term.kind !== 'condbr' || q.term.cond !== c) return undefined;
    const t = q.term.then.block === to;
    const e = q.term.else.block === to;
    return t === e ? undefined : t;
  };
  const d = defBlock.get(c);
  if (d === b) return undefined;
  if (p.term.kind === 'condbr') return onArm(p, b);
  for (let cur = p, hops = 0; hops < 16; hops++) {
    if (d === cur) return undefined;
    const ps = preds.get(cur) ?? [];
    if (ps.length !== 1) return undefined;
    const q = ps[0] as Block;
    const k = onArm(q, cur);
    if (k !== undefined || q.term.kind === 'condbr') return k;
    cur = q;
  }
  return undefined;
}

/**
 * Jump threading (see the file comment): blocks ending in `condbr` on a value from elsewhere, with at most
 * THREAD_MAX_INSTRS pure instructions whose results (and the block's parameters) nothing outside the block uses;
 * each predecessor edge where the condition is known goes to a copy. Returns whether anything changed.
 */
function threadKnownConditions(fn: IrFunction, entry: Block | undefined): boolean {
  const preds = predecessors(fn);
  const defBlock = new Map<Value, Block>();
  for (const b of fn.blocks) {
    for (const p of b.params) defBlock.set(p, b);
    for (const i of b.instrs) if (i.result) defBlock.set(i.result, b);
  }
  // Values used outside the block that defines them (a threaded block's values must have no such use).
  const usedElsewhere = new Set<Value>();
  for (const b of fn.blocks) {
    const note = (v: Value): void => {
      if (defBlock.get(v) !== b) usedElsewhere.add(v);
    };
    for (const i of b.instrs) i.args.forEach(note);
    for (const r of targets(b.term)) r.args.forEach(note);
    if (b.term.kind === 'condbr') note(b.term.cond);
  }
  let changed = false;
  for (const b of [...fn.blocks]) {
    const t = b.term;
    if (b === entry || t.kind !== 'condbr' || b.instrs.length > THREAD_MAX_INSTRS) continue;
    const copyable = (i: Instr): boolean => {
      const info = opInfo(i.op);
      return info !== undefined && !info.effect && !info.readsMemory && !info.crossLane && !(i.result && usedElsewhere.has(i.result));
    };
    if (b.params.some((v) => usedElsewhere.has(v)) || !b.instrs.every(copyable)) continue;
    for (const p of preds.get(b) ?? []) {
      if (p === b) continue;
      const k = knownOnEdge(p, b, t.cond, preds, defBlock);
      if (k === undefined) continue;
      for (const r of targets(p.term)) {
        if (r.block !== b) continue;
        const to = k ? t.then : t.else;
        // The copy: b's parameters are the edge's arguments; only what the known target's arguments need.
        const map = new Map<Value, Value>(b.params.map((v, n) => [v, r.args[n] as Value]));
        const needed = new Set<Value>(to.args);
        const keep: Instr[] = [];
        for (let n = b.instrs.length - 1; n >= 0; n--) {
          const i = b.instrs[n] as Instr;
          if (!i.result || !needed.has(i.result)) continue;
          keep.unshift(i);
          i.args.forEach((a) => needed.add(a));
        }
        // Laid out right after p: where p falls through, the copy does (one jump fewer).
        const copy = newBlock(fn, false);
        fn.blocks.splice(fn.blocks.indexOf(p) + 1, 0, copy);
        for (const i of keep) {
          const result = newValue(fn, (i.result as Value).type, (i.result as Value).uniform);
          copy.instrs.push({ ...i, args: i.args.map((a) => map.get(a) ?? a), result, ...(i.attrs ? { attrs: { ...i.attrs } } : {}) });
          map.set(i.result as Value, result);
        }
        copy.term = { kind: 'br', target: { block: to.block, args: to.args.map((a) => map.get(a) ?? a) }, ...(t.loc ? { loc: t.loc } : {}) };
        r.block = copy;
        r.args = [];
        changed = true;
      }
    }
  }
  return changed;
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
    if (!changed && threadKnownConditions(fn, entry)) changed = true;
  }
  return fn;
}
