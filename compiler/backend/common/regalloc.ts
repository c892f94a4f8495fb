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
  /**
   * Colours to try for `key`, in order, given the colours chosen so far
   * (e.g. to put an op's two operands on different read ports); default
   * {@link colours}. Preferences from copies still come first.
   */
  order?(key: string, colourOf: (key: string) => number | undefined): readonly number[];
}

/** Allocation failure: more values live at once than the register file holds. */
export class RegisterPressureError extends Error {
  private list: { key: string; degree: number }[] | (() => { key: string; degree: number }[]);

  constructor(message: string, candidates: { key: string; degree: number }[] | (() => { key: string; degree: number }[]) = []) {
    super(message);
    this.list = candidates;
  }

  /** The register that found no colour and its interference neighbours, with their degrees: spill candidates (worked out when first asked for). */
  get candidates(): { key: string; degree: number }[] {
    if (typeof this.list === 'function') this.list = this.list();
    return this.list;
  }
}

/**
 * Interference edges between register numbers 0..n-1: a set of neighbours per
 * register while it has few, a bit row once it has many (a value live across a
 * whole kernel meets most others: thousands of sets of thousands would cost
 * gigabytes). Neighbour counts are kept as edges are added.
 */
class Interference {
  private readonly sets: (Set<number> | undefined)[];
  private readonly rows: (Uint32Array | undefined)[];
  /** Distinct neighbours of each register. */
  readonly degree: Int32Array;
  private readonly words: number;
  private readonly dense: number;

  constructor(readonly n: number) {
    this.sets = new Array<Set<number> | undefined>(n);
    this.rows = new Array<Uint32Array | undefined>(n);
    this.degree = new Int32Array(n);
    this.words = (n + 31) >>> 5;
    // A bit row costs n/8 bytes, a set entry some 20: switch when the set would be the larger.
    this.dense = Math.max(32, n >>> 7);
  }

  private has(a: number, b: number): boolean {
    const row = this.rows[a];
    if (row) return ((row[b >>> 5] as number) & (1 << (b & 31))) !== 0;
    return this.sets[a]?.has(b) ?? false;
  }

  private put(a: number, b: number): void {
    const row = this.rows[a];
    if (row) {
      row[b >>> 5] = (row[b >>> 5] as number) | (1 << (b & 31));
      return;
    }
    let set = this.sets[a];
    if (!set) this.sets[a] = set = new Set();
    set.add(b);
    if (set.size >= this.dense) {
      const r = new Uint32Array(this.words);
      for (const x of set) r[x >>> 5] = (r[x >>> 5] as number) | (1 << (x & 31));
      this.rows[a] = r;
      this.sets[a] = undefined;
    }
  }

  /** Record that `a` and `b` interfere. */
  add(a: number, b: number): void {
    if (a === b || this.has(a, b)) return;
    this.put(a, b);
    this.put(b, a);
    this.degree[a]++;
    this.degree[b]++;
  }

  /**
   * Record that `d` interferes with every member of `live` but `d` and `skip`, calling `seen` for each
   * member in order first: {@link add} per member, in one loop over `d`'s bit row when it has one (the
   * innermost loop of allocation: a kernel with thousands of long-lived values spends its time here).
   */
  addAll(d: number, live: Set<number>, skip: number, seen: (l: number) => void): void {
    if (!this.rows[d] && live.size >= this.dense) {
      // d will meet at least this many: give it its bit row now.
      const r = new Uint32Array(this.words);
      for (const x of this.sets[d] ?? []) r[x >>> 5] = (r[x >>> 5] as number) | (1 << (x & 31));
      this.rows[d] = r;
      this.sets[d] = undefined;
    }
    const row = this.rows[d];
    if (!row) {
      for (const l of live) {
        if (l === skip || l === d) continue;
        seen(l);
        this.add(d, l);
      }
      return;
    }
    const degree = this.degree;
    for (const l of live) {
      if (l === skip || l === d) continue;
      seen(l);
      const wi = l >>> 5;
      const bit = 1 << (l & 31);
      const w = row[wi] as number;
      if ((w & bit) !== 0) continue;
      row[wi] = w | bit;
      this.put(l, d);
      degree[d]++;
      degree[l]++;
    }
  }

  /** Call `f` for every neighbour of `a` (in no particular order). */
  forEach(a: number, f: (b: number) => void): void {
    const row = this.rows[a];
    if (row) {
      for (let w = 0; w < row.length; w++) {
        let bits = row[w] as number;
        while (bits !== 0) {
          const low = bits & -bits;
          f((w << 5) + 31 - Math.clz32(low));
          bits ^= low;
        }
      }
    } else this.sets[a]?.forEach((b) => f(b));
  }
}

/**
 * Colour every register key; physical keys keep their own colour. `liveOut`:
 * the blocks' live-out sets when the caller has computed them already.
 */
export function allocateRegisters<I>(blocks: FlowBlock<I>[], view: RegisterView<I>, file: RegisterFile, liveOut: Map<number, Set<string>> = computeLiveness(blocks, view).liveOut): Map<string, number> {
  // Keys become numbers (in any order) and each instruction's def and uses are read once.
  const ids = new Map<string, number>();
  const keys: string[] = [];
  const intern = (k: string): number => {
    let n = ids.get(k);
    if (n === undefined) {
      n = keys.length;
      ids.set(k, n);
      keys.push(k);
    }
    return n;
  };
  const NONE = -1;
  const code = blocks.map((b) => ({
    liveOut: [...(liveOut.get(b.id) ?? [])].map(intern),
    defs: b.instrs.map((i) => {
      const d = view.def(i);
      return d === undefined ? NONE : intern(d);
    }),
    uses: b.instrs.map((i) => view.uses(i).map(intern)),
    copies: b.instrs.map((i) => {
      const c = file.copyOf?.(i);
      return c ? [intern(c[0]), intern(c[1])] : undefined;
    }),
  }));
  const n = keys.length;
  const graph = new Interference(n);
  // The order in which keys first enter the graph: it breaks ties in the colouring order.
  const inGraph = new Uint8Array(n);
  const nodes: number[] = [];
  const node = (k: number): void => {
    if (inGraph[k] === 0) {
      inGraph[k] = 1;
      nodes.push(k);
    }
  };
  const prefs = new Map<number, Set<number>>();
  const pref = (x: number, y: number): void => {
    let s = prefs.get(x);
    if (!s) prefs.set(x, (s = new Set()));
    s.add(y);
  };
  /**
   * Walk every block backwards from its live-out set: `onEdge(d, l)` for each value `l` live where `d` is
   * written (a copy's source excepted: the two may share a register); `onNode` when a key is seen.
   */
  const walk = (onEdge: (d: number, l: number) => void, onNode: (k: number) => void): void => {
    for (const c of code) {
      const live = new Set(c.liveOut);
      for (let k = c.defs.length - 1; k >= 0; k--) {
        const d = c.defs[k] as number;
        const copy = c.copies[k];
        if (d !== NONE) {
          onNode(d);
          for (const l of live) {
            if (copy && l === copy[1] && d === copy[0]) continue;
            if (l === d) continue;
            onNode(l);
            onEdge(d, l);
          }
          live.delete(d);
        }
        for (const u of c.uses[k] as number[]) {
          onNode(u);
          live.add(u);
        }
      }
    }
  };
  // The same walk as `walk` with graph.add as onEdge, in the form the inner loop runs fastest in.
  for (const c of code) {
    const live = new Set(c.liveOut);
    for (let k = c.defs.length - 1; k >= 0; k--) {
      const d = c.defs[k] as number;
      const copy = c.copies[k];
      if (d !== NONE) {
        node(d);
        graph.addAll(d, live, copy && d === copy[0] ? (copy[1] as number) : NONE, node);
        live.delete(d);
      }
      for (const u of c.uses[k] as number[]) {
        node(u);
        live.add(u);
      }
      if (copy) {
        const [x, y] = copy as [number, number];
        if (!prefs.has(x)) prefs.set(x, new Set());
        if (!prefs.has(y)) prefs.set(y, new Set());
        pref(x, y);
        pref(y, x);
      }
    }
  }
  const colourOf = new Int32Array(n).fill(NONE);
  const colour = new Map<string, number>();
  for (const k of nodes) {
    const c = file.precoloured(keys[k] as string);
    if (c !== undefined) {
      colourOf[k] = c;
      colour.set(keys[k] as string, c);
    }
  }
  // Most-constrained first keeps the greedy choice from painting itself into a corner.
  const rank = file.rank;
  const degree = graph.degree;
  const order = nodes
    .filter((k) => colourOf[k] === NONE)
    .sort(rank ? (a, b) => rank(keys[a] as string) - rank(keys[b] as string) : (a, b) => (degree[b] as number) - (degree[a] as number));
  const allowed = new Set(file.colours);
  const colourByKey = (key: string): number | undefined => colour.get(key);
  const taken = new Set<number>();
  const take = (m: number): void => {
    const c = colourOf[m] as number;
    if (c !== NONE) taken.add(c);
  };
  for (const k of order) {
    taken.clear();
    graph.forEach(k, take);
    let chosen: number | undefined;
    for (const p of prefs.get(k) ?? []) {
      const c = colourOf[p] as number;
      if (c !== NONE && !taken.has(c) && allowed.has(c)) {
        chosen = c;
        break;
      }
    }
    if (chosen === undefined) chosen = (file.order?.(keys[k] as string, colourByKey) ?? file.colours).find((c) => !taken.has(c) && allowed.has(c));
    if (chosen === undefined) {
      // The neighbours in the order they met `k` (spill choices between equal degrees follow it): another walk, so only when asked for.
      const candidates = (): { key: string; degree: number }[] => {
        const met: number[] = [];
        const seen = new Set<number>();
        const meet = (x: number): void => {
          if (!seen.has(x)) met.push((seen.add(x), x));
        };
        walk((d, l) => (d === k ? meet(l) : l === k ? meet(d) : undefined), () => undefined);
        return [k, ...met].map((m) => ({ key: keys[m] as string, degree: degree[m] as number }));
      };
      throw new RegisterPressureError(`more than ${file.colours.length} values are live at once`, candidates);
    }
    colourOf[k] = chosen;
    colour.set(keys[k] as string, chosen);
  }
  return colour;
}
