/**
 * Control-flow graph queries over an IrFunction: successors, predecessors,
 * reverse postorder, dominators and natural loops. Passes compute these on
 * demand; nothing is cached in the IR itself.
 */
import type { Block, BlockRef, IrFunction, Terminator } from './types.ts';
import { addParam, newBlock } from './builder.ts';

/** Branch targets of a terminator, in order (then before else). */
export function targets(term: Terminator): BlockRef[] {
  switch (term.kind) {
    case 'br':
      return [term.target];
    case 'condbr':
      return [term.then, term.else];
    case 'ret':
      return [];
  }
}

/** Successor blocks of a block (may repeat when both arms go to one block). */
export function successors(b: Block): Block[] {
  return targets(b.term).map((t) => t.block);
}

/** Predecessor lists of every block (one entry per incoming edge). */
export function predecessors(fn: IrFunction): Map<Block, Block[]> {
  const preds = new Map<Block, Block[]>(fn.blocks.map((b) => [b, []]));
  for (const b of fn.blocks) for (const s of successors(b)) preds.get(s)?.push(b);
  return preds;
}

/** Blocks reachable from the entry, in reverse postorder. */
export function reversePostorder(fn: IrFunction): Block[] {
  const entry = fn.blocks[0];
  if (!entry) return [];
  // Blocks seen, by id (ids are unique and below nextBlockId: ir/verify.ts), any other in a set.
  const marks = new Uint8Array(fn.nextBlockId);
  const others = new Set<Block>();
  const byId = (b: Block): boolean => b.id >>> 0 === b.id && b.id < marks.length;
  const seen = {
    has: (b: Block): boolean => (byId(b) ? marks[b.id] === 1 : others.has(b)),
    add: (b: Block): void => void (byId(b) ? (marks[b.id] = 1) : others.add(b)),
  };
  seen.add(entry);
  const post: Block[] = [];
  // Iterative DFS: kernels can be long, recursion depth is not worth risking. Each frame: a block and how many of
  // its successors were taken (parallel stacks: no object per frame, successors listed once per block).
  const blocks: Block[] = [entry];
  const taken: number[] = [0];
  while (blocks.length > 0) {
    const top = blocks.length - 1;
    const b = blocks[top] as Block;
    const t = b.term;
    const n = t.kind === 'ret' ? 0 : t.kind === 'br' ? 1 : 2;
    const i = taken[top] as number;
    if (i < n) {
      taken[top] = i + 1;
      // Visiting the last successor first puts a condbr's `then` side before its `else` side in reverse postorder.
      const s = t.kind === 'br' ? t.target.block : t.kind === 'condbr' ? (i === 0 ? t.else.block : t.then.block) : b;
      if (!seen.has(s)) {
        seen.add(s);
        blocks.push(s);
        taken.push(0);
      }
    } else {
      post.push(b);
      blocks.pop();
      taken.pop();
    }
  }
  return post.reverse();
}

/** Removes blocks not reachable from the entry and puts the rest in reverse postorder (the order printed IR reads best in). */
export function removeUnreachable(fn: IrFunction): void {
  fn.blocks = reversePostorder(fn);
}

/**
 * Immediate dominators (Cooper, Harvey & Kennedy's iterative algorithm); the
 * entry maps to itself, unreachable blocks are absent, and the map lists the
 * blocks in reverse postorder. `order`: the function's reverse postorder, when
 * the caller has it. Works on reverse-postorder numbers (block-keyed maps in
 * the inner loop were most of its time on big kernels).
 */
export function dominators(fn: IrFunction, order?: Block[]): Map<Block, Block> {
  const rpo = order ?? reversePostorder(fn);
  const n = rpo.length;
  const index = new Map<Block, number>();
  for (let k = 0; k < n; k++) index.set(rpo[k] as Block, k);
  // Predecessors by number (edges from unreachable blocks never count).
  const preds: number[][] = [];
  for (let k = 0; k < n; k++) preds.push([]);
  for (let k = 0; k < n; k++) {
    for (const s of successors(rpo[k] as Block)) {
      const j = index.get(s);
      if (j !== undefined) (preds[j] as number[]).push(k);
    }
  }
  const idom = new Int32Array(n).fill(-1);
  if (n > 0) idom[0] = 0;
  const intersect = (a: number, b: number): number => {
    while (a !== b) {
      while (a > b) a = idom[a] as number;
      while (b > a) b = idom[b] as number;
    }
    return a;
  };
  for (let changed = n > 1; changed; ) {
    changed = false;
    for (let b = 1; b < n; b++) {
      let d = -1;
      for (const p of preds[b] as number[]) {
        if (idom[p] === -1) continue;
        d = d === -1 ? p : intersect(p, d);
      }
      if (d !== -1 && idom[b] !== d) {
        idom[b] = d;
        changed = true;
      }
    }
  }
  const out = new Map<Block, Block>();
  for (let k = 0; k < n; k++) if (idom[k] !== -1) out.set(rpo[k] as Block, rpo[idom[k] as number] as Block);
  return out;
}

/** True when block `a` dominates block `b` (every block dominates itself). */
export function dominates(idom: Map<Block, Block>, a: Block, b: Block): boolean {
  for (let x: Block | undefined = b; x; ) {
    if (x === a) return true;
    const up: Block | undefined = idom.get(x);
    if (up === x) return false;
    x = up;
  }
  return false;
}

/** A natural loop: its header, every block in it (header included), and its parent loop. */
export interface Loop {
  header: Block;
  blocks: Set<Block>;
  parent?: Loop;
  children: Loop[];
}

/**
 * Natural loops, innermost first in `byBlock`. Back edges are edges to a
 * dominator; an edge to a non-dominating block already seen in the DFS means
 * the CFG is irreducible (the frontend never produces that) and is reported.
 */
export function findLoops(fn: IrFunction): { loops: Loop[]; innermost: Map<Block, Loop>; irreducible: boolean } {
  const rpo = reversePostorder(fn);
  const order = new Map(rpo.map((b, i) => [b, i]));
  // Loops (and irreducibility) need an edge back to a block no later in reverse postorder; without one, the
  // dominator tree is not needed.
  let back = false;
  for (const b of rpo) {
    const at = order.get(b) as number;
    const t = b.term;
    if (t.kind === 'br') back ||= (order.get(t.target.block) as number) <= at;
    else if (t.kind === 'condbr') back ||= (order.get(t.then.block) as number) <= at || (order.get(t.else.block) as number) <= at;
    if (back) break;
  }
  if (!back) return { loops: [], innermost: new Map(), irreducible: false };
  const idom = dominators(fn, rpo);
  const preds = predecessors(fn);
  const byHeader = new Map<Block, Loop>();
  let irreducible = false;
  for (const b of rpo) {
    for (const s of successors(b)) {
      if (order.get(s)! > order.get(b)!) continue;
      if (!dominates(idom, s, b)) {
        irreducible = true;
        continue;
      }
      let loop = byHeader.get(s);
      if (!loop) byHeader.set(s, (loop = { header: s, blocks: new Set([s]), children: [] }));
      const work = [b];
      while (work.length > 0) {
        const x = work.pop()!;
        if (loop.blocks.has(x)) continue;
        loop.blocks.add(x);
        for (const p of preds.get(x) ?? []) if (order.has(p)) work.push(p);
      }
    }
  }
  const loops = [...byHeader.values()].sort((a, b) => a.blocks.size - b.blocks.size);
  const innermost = new Map<Block, Loop>();
  for (const loop of loops) {
    for (const b of loop.blocks) if (!innermost.has(b)) innermost.set(b, loop);
    // The parent is the smallest strictly larger loop containing the header.
    const parent = loops.find((o) => o !== loop && o.blocks.size > loop.blocks.size && o.blocks.has(loop.header));
    if (parent) {
      loop.parent = parent;
      parent.children.push(loop);
    }
  }
  return { loops, innermost, irreducible };
}

/**
 * The loop's preheader: its single outside predecessor when that ends in
 * `br`, else a new block (with the header's parameters) that every outside
 * edge now enters through.
 */
export function ensurePreheader(fn: IrFunction, loop: Loop): Block {
  const outside = (predecessors(fn).get(loop.header) ?? []).filter((p) => !loop.blocks.has(p));
  const only = outside[0];
  if (outside.length === 1 && only && only.term.kind === 'br') return only;
  const pre = newBlock(fn, false);
  const h = loop.header;
  const args = h.params.map((p) => addParam(fn, pre, p.type, p.uniform));
  pre.term = { kind: 'br', target: { block: h, args } };
  for (const p of new Set(outside)) for (const r of targets(p.term)) if (r.block === h) r.block = pre;
  fn.blocks.splice(fn.blocks.indexOf(h), 0, pre);
  // The new block belongs to every enclosing loop, so their block sets stay right for later queries.
  for (let p = loop.parent; p; p = p.parent) p.blocks.add(pre);
  return pre;
}
