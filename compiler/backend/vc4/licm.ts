/**
 * Constants out of loops, for VC4: selection loads a 32-bit constant that is
 * no small immediate with `ldi` in each block that uses it (isel-ctx.ts
 * `k32`), so that constants never live through the whole kernel. Inside a
 * loop that costs the `ldi` (and often a nop after it) on every iteration.
 * This pass moves the loads of loop blocks into the prologue, one register
 * per value, for the values used most often in loops — at most
 * `MAX_HOISTED` of them, so that register pressure stays low (64 registers,
 * no spill-free assumption).
 *
 * A loop is found from a branch back to a block at or before it in layout
 * order; every block between the two in layout belongs to it (selection lays
 * out loop bodies contiguously, deferred copy blocks aside, which are left
 * alone). The prologue (the first block) dominates every block, so a value
 * loaded there is defined wherever the loop used its own copy.
 */
import type { MBlock, MOp, Src } from './mir.ts';
import type { Vc4MFunction } from './isel.ts';

/** Distinct constant values kept in registers for the whole kernel. */
export const MAX_HOISTED = 8;

function defId(o: MOp): number | undefined {
  if ((o.k === 'alu' || o.k === 'ldi') && o.dst?.k === 'v') return o.dst.id;
  return undefined;
}

/** Moves the constant loads of loop blocks into the prologue (see the file comment). Mutates `mf`. */
export function hoistLoopConstants(mf: Vc4MFunction): void {
  const blocks = mf.blocks;
  const index = new Map(blocks.map((b, k) => [b.id, k] as const));
  const inLoop = new Set<MBlock>();
  blocks.forEach((b, j) => {
    for (const o of b.ops) {
      if (o.k !== 'br') continue;
      const h = index.get(o.target);
      if (h !== undefined && h <= j && h > 0) for (let k = h; k <= j; k++) inLoop.add(blocks[k] as MBlock);
    }
  });
  if (inLoop.size === 0) return;
  const defs = new Map<number, number>();
  for (const b of blocks) for (const o of b.ops) {
    const d = defId(o);
    if (d !== undefined) defs.set(d, (defs.get(d) ?? 0) + 1);
  }
  // Candidate loads: unconditional, into a register defined nowhere else.
  const byValue = new Map<number, { block: MBlock; op: Extract<MOp, { k: 'ldi' }> }[]>();
  for (const b of inLoop) {
    for (const o of b.ops) {
      if (o.k !== 'ldi' || o.cond || o.dst.k !== 'v' || defs.get(o.dst.id) !== 1) continue;
      const list = byValue.get(o.value >>> 0) ?? [];
      list.push({ block: b, op: o });
      byValue.set(o.value >>> 0, list);
    }
  }
  const chosen = [...byValue.entries()].sort((a, b) => b[1].length - a[1].length).slice(0, MAX_HOISTED);
  if (chosen.length === 0) return;
  const rename = new Map<number, Src>();
  const prologue = blocks[0] as MBlock;
  for (const [, loads] of chosen) {
    const [keep, ...rest] = loads as [{ block: MBlock; op: Extract<MOp, { k: 'ldi' }> }, ...{ block: MBlock; op: Extract<MOp, { k: 'ldi' }> }[]];
    for (const l of loads) l.block.ops = l.block.ops.filter((o) => o !== l.op);
    const { loc: _loc, ...load } = keep.op;
    prologue.ops.push(load);
    const kept = keep.op.dst;
    if (kept.k !== 'v') continue;
    for (const r of rest) if (r.op.dst.k === 'v') rename.set(r.op.dst.id, kept);
  }
  if (rename.size === 0) return;
  const sub = (s: Src | undefined): Src | undefined => (s?.k === 'v' ? rename.get(s.id) ?? s : s);
  for (const b of blocks) {
    b.ops = b.ops.map((o) => {
      if (o.k !== 'alu') return o;
      const a = sub(o.a);
      const bb = sub(o.b);
      return a === o.a && bb === o.b ? o : { ...o, ...(a ? { a } : {}), ...(bb ? { b: bb } : {}) };
    });
  }
}
