/**
 * Register allocation by graph colouring, generic over the target: an
 * interference graph from liveness, precoloured physical registers, moves
 * coalesced by preference, colours chosen lowest-first.
 */
import { computeLiveness, type FlowBlock, type RegisterView } from './liveness.ts';

/** What the allocator needs to know about the target's register file. */
export interface RegisterFile {
  /** Allocatable colours (e.g. rf0..rf63), in preference order. */
  colours: number[];
  /** Colour of a physical register key ('rf3' → 3), or undefined for a virtual one. */
  precoloured(key: string): number | undefined;
  /** For a copy instruction, the (dst, src) keys: the allocator tries to give them one colour. */
  copyOf?(i: unknown): [string, string] | undefined;
  /**
   * Colouring order: keys with a smaller rank first (e.g. the position of
   * their first definition, which colours an SSA-like program's interval
   * graph without wasting colours). Without it, most-constrained first.
   */
  rank?(key: string): number;
}

/** Allocation failure: more values live at once than the register file holds. */
export class RegisterPressureError extends Error {
  constructor(
    message: string,
    /** The register that found no colour and its interference neighbours, with their degrees: spill candidates. */
    readonly candidates: { key: string; degree: number }[] = [],
  ) {
    super(message);
  }
}

/** Colour every register key; physical keys keep their own colour. */
export function allocateRegisters<I>(blocks: FlowBlock<I>[], view: RegisterView<I>, file: RegisterFile): Map<string, number> {
  const { liveOut } = computeLiveness(blocks, view);
  const adj = new Map<string, Set<string>>();
  const node = (k: string): Set<string> => {
    let s = adj.get(k);
    if (!s) adj.set(k, (s = new Set()));
    return s;
  };
  const edge = (a: string, b: string) => {
    if (a === b) return;
    node(a).add(b);
    node(b).add(a);
  };
  const prefs = new Map<string, Set<string>>();
  for (const b of blocks) {
    const live = new Set(liveOut.get(b.id));
    for (let k = b.instrs.length - 1; k >= 0; k--) {
      const i = b.instrs[k] as I;
      const d = view.def(i);
      const copy = file.copyOf?.(i);
      if (d) {
        node(d);
        for (const l of live) if (!(copy && l === copy[1] && d === copy[0])) edge(d, l);
        live.delete(d);
      }
      for (const u of view.uses(i)) {
        node(u);
        live.add(u);
      }
      if (copy) {
        const [x, y] = copy;
        if (!prefs.has(x)) prefs.set(x, new Set());
        if (!prefs.has(y)) prefs.set(y, new Set());
        prefs.get(x)?.add(y);
        prefs.get(y)?.add(x);
      }
    }
  }
  const colour = new Map<string, number>();
  for (const k of adj.keys()) {
    const c = file.precoloured(k);
    if (c !== undefined) colour.set(k, c);
  }
  // Most-constrained first keeps the greedy choice from painting itself into a corner.
  const rank = file.rank;
  const order = [...adj.keys()]
    .filter((k) => !colour.has(k))
    .sort(rank ? (a, b) => rank(a) - rank(b) : (a, b) => (adj.get(b)?.size ?? 0) - (adj.get(a)?.size ?? 0));
  for (const k of order) {
    const taken = new Set<number>();
    for (const n of adj.get(k) ?? []) {
      const c = colour.get(n);
      if (c !== undefined) taken.add(c);
    }
    let chosen: number | undefined;
    for (const p of prefs.get(k) ?? []) {
      const c = colour.get(p);
      if (c !== undefined && !taken.has(c) && file.colours.includes(c)) {
        chosen = c;
        break;
      }
    }
    if (chosen === undefined) chosen = file.colours.find((c) => !taken.has(c));
    if (chosen === undefined) {
      const cands = [k, ...(adj.get(k) ?? [])].map((key) => ({ key, degree: adj.get(key)?.size ?? 0 }));
      throw new RegisterPressureError(`more than ${file.colours.length} values are live at once`, cands);
    }
    colour.set(k, chosen);
  }
  return colour;
}
