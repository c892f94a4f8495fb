/**
 * The language's uniformity rules (docs/language.md, "SPMD intrinsics"),
 * checked on a kernel's IR before SPMD lowering so that breaking one is a
 * diagnostic at its span, not code whose meaning differs between targets:
 *
 * - the amount of `qpu.rotate(v, n)` and the lane of `qpu.broadcast(v, lane)`
 *   must be uniform (the same in every lane): the hardware takes one amount
 *   per instruction (a small immediate or lane 0 of r5 on 4.2 and VC4), while
 *   7.1's `shuffle` takes one per lane, so a varying amount would mean
 *   different things on different targets;
 * - `qpu.barrier()` must not be under a condition that differs between lanes
 *   (a branch on a varying value, or a loop that lanes leave at different
 *   iterations): every lane of every QPU must reach it together.
 */
import type { Block, IrFunction, SourceLoc } from '../ir/types.ts';
import { successors } from '../ir/cfg.ts';
import { analyzeUniformity } from './uniformity.ts';

/** One broken rule: which, where, and the intrinsic involved. */
export interface UniformityViolation {
  rule: 'varyingLaneArgument' | 'divergentBarrier';
  /** 'rotate' or 'broadcast' for varyingLaneArgument, 'barrier' otherwise. */
  op: string;
  loc?: SourceLoc;
}

/** Blocks reachable from `from`'s successors without passing through a block in `stop`. */
function reachableBefore(from: Block, stop: (b: Block) => boolean): Set<Block> {
  const seen = new Set<Block>();
  const work = [...successors(from)];
  while (work.length > 0) {
    const b = work.pop() as Block;
    if (seen.has(b) || stop(b)) continue;
    seen.add(b);
    work.push(...successors(b));
  }
  return seen;
}

/** Post-dominator sets (each block's set includes itself), by iteration to a fixed point over bitsets. */
function postDominators(fn: IrFunction): Map<Block, Uint32Array> {
  const n = fn.blocks.length;
  const words = Math.ceil(n / 32);
  const index = new Map(fn.blocks.map((b, k) => [b, k] as const));
  const all = () => new Uint32Array(words).fill(0xffffffff);
  const sets = new Map<Block, Uint32Array>();
  for (const b of fn.blocks) sets.set(b, successors(b).length === 0 ? new Uint32Array(words) : all());
  const set = (s: Uint32Array, k: number) => (s[k >>> 5] = (s[k >>> 5] as number) | (1 << (k & 31)));
  for (const b of fn.blocks) set(sets.get(b) as Uint32Array, index.get(b) as number);
  for (let changed = true; changed; ) {
    changed = false;
    for (let k = fn.blocks.length - 1; k >= 0; k--) {
      const b = fn.blocks[k] as Block;
      const succ = successors(b);
      if (succ.length === 0) continue;
      const next = all();
      for (const s of succ) {
        const ss = sets.get(s);
        if (ss) for (let w = 0; w < words; w++) next[w] = (next[w] as number) & (ss[w] as number);
      }
      set(next, k);
      const old = sets.get(b) as Uint32Array;
      for (let w = 0; w < words; w++) {
        if (next[w] !== old[w]) {
          changed = true;
          old[w] = next[w] as number;
        }
      }
    }
  }
  return sets;
}

/** The blocks that only some lanes of a QPU may reach: after a varying branch and before the points where its paths meet again (its post-dominators). */
function divergentBlocks(fn: IrFunction): Set<Block> {
  const varying = fn.blocks.filter((b) => b.term.kind === 'condbr' && !b.term.cond.uniform);
  const out = new Set<Block>();
  if (varying.length === 0) return out;
  const pdom = postDominators(fn);
  const index = new Map(fn.blocks.map((b, k) => [b, k] as const));
  for (const c of varying) {
    // The paths from c meet again at the blocks that post-dominate it: all lanes that reached c reach those.
    // c itself stays in the region (a loop back to c is re-entered by some lanes only).
    const p = pdom.get(c) as Uint32Array;
    const meets = (b: Block): boolean => {
      const k = index.get(b) as number;
      return b !== c && ((p[k >>> 5] as number) & (1 << (k & 31))) !== 0;
    };
    for (const b of reachableBefore(c, meets)) out.add(b);
  }
  return out;
}

/** Every use of a cross-lane intrinsic that breaks the uniformity rules, in block order. Marks `fn`'s values uniform or varying. */
export function uniformityViolations(fn: IrFunction): UniformityViolation[] {
  analyzeUniformity(fn);
  const out: UniformityViolation[] = [];
  const hasBarrier = fn.blocks.some((b) => b.instrs.some((i) => i.op === 'barrier'));
  const divergent = hasBarrier ? divergentBlocks(fn) : new Set<Block>();
  for (const b of fn.blocks) {
    for (const i of b.instrs) {
      const at = i.loc ? { loc: i.loc } : {};
      if ((i.op === 'rotate' || i.op === 'broadcast') && i.args[1] && !i.args[1].uniform) out.push({ rule: 'varyingLaneArgument', op: i.op, ...at });
      if (i.op === 'barrier' && divergent.has(b)) out.push({ rule: 'divergentBarrier', op: 'barrier', ...at });
    }
  }
  return out;
}
