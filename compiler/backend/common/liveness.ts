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

/** Classic backward dataflow to a fixed point. */
export function computeLiveness<I>(blocks: FlowBlock<I>[], view: RegisterView<I>): Liveness {
  const liveIn = new Map<number, Set<string>>();
  const liveOut = new Map<number, Set<string>>();
  const gen = new Map<number, Set<string>>();
  const kill = new Map<number, Set<string>>();
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
  }
  let changed = true;
  while (changed) {
    changed = false;
    for (let bi = blocks.length - 1; bi >= 0; bi--) {
      const b = blocks[bi] as FlowBlock<I>;
      const out = liveOut.get(b.id) as Set<string>;
      for (const s of b.succs) for (const r of liveIn.get(s) ?? []) out.add(r);
      const inn = new Set(gen.get(b.id));
      const k = kill.get(b.id) as Set<string>;
      for (const r of out) if (!k.has(r)) inn.add(r);
      const prev = liveIn.get(b.id) as Set<string>;
      if (inn.size !== prev.size) {
        liveIn.set(b.id, inn);
        changed = true;
      }
    }
  }
  return { liveIn, liveOut };
}
