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
import type { Block, IrFunction, SourceLoc, Value } from '../ir/types.ts';
import { successors, targets } from '../ir/cfg.ts';
import { spreadThroughBlock } from './uniformity.ts';
import { sameInBatchValues } from '../ir/values.ts';
import { mapUses } from '../ir/values.ts';

/** One broken rule: which, where, and the intrinsic involved. */
export interface UniformityViolation {
  rule: 'varyingLaneArgument' | 'divergentBarrier';
  /** 'rotate' or 'broadcast' for varyingLaneArgument, 'barrier' or 'workgroupBarrier' otherwise. */
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

/**
 * The values that may differ between the lanes of a QPU, found more
 * precisely than the lowering's own analysis (uniformity.ts, which may
 * over-approximate: marking a value varying is always safe there, but here
 * it would reject correct kernels). To a fixed point:
 * - a lane-dependent op (`lane_id`, `global_id`, `rotate`) or an op with a
 *   lane-dependent operand (a load through a lane-dependent address) gives a
 *   lane-dependent value; so does a block parameter with one as an incoming
 *   argument;
 * - at a branch on a lane-dependent condition, lanes take different paths
 *   until the paths meet again at the branch's post-dominators: the
 *   parameters of the blocks where they meet differ per lane, and so does a
 *   value computed inside a loop of that region and read after it (lanes
 *   leave the loop at different iterations).
 * Also returns, per lane-dependent branch, its region (the blocks only some
 * lanes reach).
 */
function laneDependence(fn: IrFunction): { varying: Set<Value>; divergent: Set<Block> } {
  const varying = new Set<Value>();
  const divergent = new Set<Block>();
  const done = new Set<Block>();
  let pdom: Map<Block, Uint32Array> | undefined;
  const index = new Map(fn.blocks.map((b, k) => [b, k] as const));
  const defBlock = new Map<Value, Block>();
  const sameInBatch = sameInBatchValues(fn);
  for (const b of fn.blocks) {
    for (const v of b.params) defBlock.set(v, b);
    for (const i of b.instrs) if (i.result) defBlock.set(i.result, b);
  }
  for (let changed = true; changed; ) {
    changed = false;
    const mark = (v: Value) => {
      if (!varying.has(v)) (varying.add(v), (changed = true));
    };
    for (const b of fn.blocks) {
      spreadThroughBlock(b, varying, mark, sameInBatch);
      const t = b.term;
      if (t.kind !== 'condbr' || !varying.has(t.cond) || done.has(b)) continue;
      done.add(b);
      pdom ??= postDominators(fn);
      const p = pdom.get(b) as Uint32Array;
      const meets = (x: Block): boolean => {
        const k = index.get(x) as number;
        return x !== b && ((p[k >>> 5] as number) & (1 << (k & 31))) !== 0;
      };
      const region = reachableBefore(b, meets);
      for (const x of region) divergent.add(x);
      // Where the paths meet: targets of the branch or of a region block that lie outside the region.
      for (const x of [b, ...region]) for (const r of targets(x.term)) if (!region.has(r.block)) r.block.params.forEach(mark);
      // A loop inside the region (b reached again): its values read outside the region differ per lane.
      if (region.has(b)) {
        mapUses(fn, (v, where) => {
          const d = defBlock.get(v);
          if (d && region.has(d) && !region.has(where)) mark(v);
          return v;
        });
      }
    }
  }
  return { varying, divergent };
}

/** Every use of a cross-lane intrinsic that breaks the uniformity rules, in block order. */
export function uniformityViolations(fn: IrFunction): UniformityViolation[] {
  const out: UniformityViolation[] = [];
  const uses = fn.blocks.some((b) => b.instrs.some((i) => i.op === 'barrier' || i.op === 'rotate' || i.op === 'broadcast'));
  if (!uses) return out;
  const { varying, divergent } = laneDependence(fn);
  for (const b of fn.blocks) {
    for (const i of b.instrs) {
      const at = i.loc ? { loc: i.loc } : {};
      if ((i.op === 'rotate' || i.op === 'broadcast') && i.args[1] && varying.has(i.args[1])) out.push({ rule: 'varyingLaneArgument', op: i.op, ...at });
      if (i.op === 'barrier' && divergent.has(b)) out.push({ rule: 'divergentBarrier', op: i.attrs?.['scope'] === 'workgroup' ? 'workgroupBarrier' : 'barrier', ...at });
    }
  }
  return out;
}
