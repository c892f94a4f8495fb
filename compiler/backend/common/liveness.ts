/**
 * Liveness of virtual registers over a machine CFG, generic over the
 * instruction type: each target says what an instruction reads and writes.
 */

/** How a target's machine code looks to the generic passes. */
export interface RegisterView<I> {
  /** Register keys an instruction reads ('v12', 'rf0'…). */
  uses(i: I): string[];
  /** Register key an instruction writes, if any. */
  def(i: I): string | undefined;
}

/** A block as the liveness analysis sees it. */
export interface FlowBlock<I> {
  id: number;
  instrs: I[];
  succs: number[];
}

/** Live-in and live-out sets per block id. */
export interface Liveness {
  liveIn: Map<number, Set<string>>;
  liveOut: Map<number, Set<string>>;
}

/**
 * Classic backward dataflow to a fixed point, blocks visited last to first.
 * A block's live-in is recomputed only when its live-out grew, and a
 * successor's live-in is merged only when it changed since the block last
 * merged it (each set only grows, so skipping either changes nothing, not
 * even the sets' order): each round costs the blocks whose sets moved, not
 * the whole function again.
 */
export function computeLiveness<I>(blocks: FlowBlock<I>[], view: RegisterView<I>): Liveness {
  const liveIn = new Map<number, Set<string>>();
  const liveOut = new Map<number, Set<string>>();
  const gen = new Map<number, Set<string>>();
  const kill = new Map<number, Set<string>>();
  /** How often each block's live-in was replaced; per block, the successors' counts it last merged. */
  const version = new Map<number, number>();
  const merged = blocks.map((b) => b.succs.map(() => -1));
  for (const b of blocks) {
    const g = new Set<string>();
    const k = new Set<string>();
    for (const i of b.instrs) {
      for (const u of view.uses(i)) if (!k.has(u)) g.add(u);
      const d = view.def(i);
      if (d) k.add(d);
    }
    gen.set(b.id, g);
    kill.set(b.id, k);
    liveIn.set(b.id, new Set());
    liveOut.set(b.id, new Set());
    version.set(b.id, 0);
  }
  let first = true;
  let changed = true;
  while (changed) {
    changed = false;
    for (let bi = blocks.length - 1; bi >= 0; bi--) {
      const b = blocks[bi] as FlowBlock<I>;
      const out = liveOut.get(b.id) as Set<string>;
      const before = out.size;
      const seen = merged[bi] as number[];
      b.succs.forEach((s, j) => {
        const v = version.get(s);
        if (v === undefined || v === seen[j]) return;
        seen[j] = v;
        for (const r of liveIn.get(s) as Set<string>) out.add(r);
      });
      if (!first && out.size === before) continue;
      const inn = new Set(gen.get(b.id));
      const k = kill.get(b.id) as Set<string>;
      for (const r of out) if (!k.has(r)) inn.add(r);
      const prev = liveIn.get(b.id) as Set<string>;
      if (inn.size !== prev.size) {
        liveIn.set(b.id, inn);
        version.set(b.id, (version.get(b.id) as number) + 1);
        changed = true;
      }
    }
    first = false;
  }
  return { liveIn, liveOut };
}
