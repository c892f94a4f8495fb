/**
 * Register allocation by graph colouring, generic over the target: an
 * interference graph from liveness, precoloured physical registers, moves
 * coalesced by preference, colours chosen lowest-first.
 */
import { computeLiveness, type FlowBlock, type RegisterView } from './liveness.ts';

/** What the allocator needs to know about the target's register file. */
export interface RegisterFile {
  /** Allocatable colours (non-negative integers, e.g. rf0..rf63), in preference order. */
  colours: number[];
  /** Colour (a non-negative integer) of a physical register key ('rf3' → 3), or undefined for a virtual one. */
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
  /**
   * Whether `key` may take `colour` at all (default: every colour of
   * {@link colours}); e.g. only some values may live in a register with
   * restrictions. Copy preferences respect it too.
   */
  allows?(key: string, colour: number): boolean;
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
 * Interference edges between register numbers 0..n-1, gathered as a list of
 * pairs (repeats allowed) and then packed once into repeat-free neighbour
 * lists (compressed rows): a set per register, or a bit row per
 * register that meets many, cost a hash operation per pair and most of
 * allocation's time and garbage on big kernels. Neighbour counts are the
 * distinct neighbours.
 */
class Interference {
  private pairs = new Int32Array(1 << 12);
  private count = 0;
  /** Distinct neighbours of each register (after {@link pack}). */
  readonly degree: Int32Array;
  /** Register k's neighbours are adj[start[k]] .. adj[start[k] + degree[k] - 1]. */
  private readonly start: Int32Array;
  private adj = new Int32Array(0);

  constructor(readonly n: number) {
    this.degree = new Int32Array(n);
    this.start = new Int32Array(n + 1);
  }

  /** Record that `a` and `b` (different registers) interfere. */
  add(a: number, b: number): void {
    if (this.count + 2 > this.pairs.length) {
      const grown = new Int32Array(this.pairs.length * 2);
      grown.set(this.pairs);
      this.pairs = grown;
    }
    this.pairs[this.count++] = a;
    this.pairs[this.count++] = b;
  }

  /** Build the neighbour lists from the pairs added (once, after the last {@link add}). */
  pack(): void {
    const { n, pairs, count, start, degree } = this;
    // Bucket both directions of every pair by register; repeats are dropped below.
    const fill = new Int32Array(n + 1);
    for (let i = 0; i < count; i++) fill[(pairs[i] as number) + 1]++;
    for (let k = 0; k < n; k++) fill[k + 1] = (fill[k + 1] as number) + (fill[k] as number);
    const from = fill.slice();
    const all = new Int32Array(count);
    for (let i = 0; i < count; i += 2) {
      const a = pairs[i] as number;
      const b = pairs[i + 1] as number;
      all[from[a]++] = b;
      all[from[b]++] = a;
    }
    this.pairs = new Int32Array(0);
    // Repeats dropped in place: a neighbour is kept the first time it appears in k's bucket (marked k + 1).
    const mark = new Int32Array(n);
    let out = 0;
    for (let k = 0; k < n; k++) {
      const hi = fill[k + 1] as number;
      start[k] = out;
      for (let i = fill[k] as number; i < hi; i++) {
        const x = all[i] as number;
        if (mark[x] !== k + 1) {
          mark[x] = k + 1;
          all[out++] = x;
        }
      }
      degree[k] = out - (start[k] as number);
    }
    start[n] = out;
    this.adj = all;
  }

  /** Call `f` for every neighbour of `a` (after {@link pack}). */
  forEach(a: number, f: (b: number) => void): void {
    const adj = this.adj;
    const end = (this.start[a] as number) + (this.degree[a] as number);
    for (let i = this.start[a] as number; i < end; i++) f(adj[i] as number);
  }
}

/**
 * A set of register numbers 0..n-1 that iterates in insertion order, like a
 * Set (an element deleted and added again goes last), kept as a doubly linked
 * list in typed arrays: the interference walk iterates the live set at every
 * definition, which as a Set was most of colouring's time on big kernels.
 */
class LiveList {
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly member: Uint8Array;
  private head = -1;
  private tail = -1;

  constructor(n: number) {
    this.next = new Int32Array(n);
    this.prev = new Int32Array(n);
    this.member = new Uint8Array(n);
  }

  /** Empties the set (cost: its size). */
  clear(): void {
    for (let x = this.head; x !== -1; x = this.next[x] as number) this.member[x] = 0;
    this.head = this.tail = -1;
  }

  add(x: number): void {
    if (this.member[x] === 1) return;
    this.member[x] = 1;
    this.prev[x] = this.tail;
    this.next[x] = -1;
    if (this.tail === -1) this.head = x;
    else this.next[this.tail] = x;
    this.tail = x;
  }

  delete(x: number): void {
    if (this.member[x] === 0) return;
    this.member[x] = 0;
    const p = this.prev[x] as number;
    const q = this.next[x] as number;
    if (p === -1) this.head = q;
    else this.next[p] = q;
    if (q === -1) this.tail = p;
    else this.prev[q] = p;
  }

  /** The first element (-1 when empty); {@link after} gives the next. */
  first(): number {
    return this.head;
  }

  /** The element after `x` (-1 at the end). */
  after(x: number): number {
    return this.next[x] as number;
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
  // The same walk as `walk` with graph.add as onEdge, inlined (and the live set a LiveList: same order).
  const live = new LiveList(n);
  for (const c of code) {
    live.clear();
    for (const x of c.liveOut) live.add(x);
    for (let k = c.defs.length - 1; k >= 0; k--) {
      const d = c.defs[k] as number;
      const copy = c.copies[k];
      if (d !== NONE) {
        node(d);
        const skip = copy && d === copy[0] ? (copy[1] as number) : NONE;
        for (let l = live.first(); l !== -1; l = live.after(l)) {
          if (l === skip || l === d) continue;
          node(l);
          graph.add(d, l);
        }
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
  graph.pack();
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
  // The colours of k's neighbours: those whose mark is k's turn (no set to clear and refill per register).
  let turn = 0;
  let marks = new Int32Array(64);
  const taken = { has: (c: number): boolean => c >= 0 && c < marks.length && marks[c] === turn };
  const take = (m: number): void => {
    const c = colourOf[m] as number;
    if (c === NONE) return;
    if (c >= marks.length) {
      const grown = new Int32Array(Math.max(c + 1, 2 * marks.length));
      grown.set(marks);
      marks = grown;
    }
    marks[c] = turn;
  };
  for (const k of order) {
    turn++;
    graph.forEach(k, take);
    const key = keys[k] as string;
    const fits = (c: number): boolean => !taken.has(c) && allowed.has(c) && (!file.allows || file.allows(key, c));
    let chosen: number | undefined;
    for (const p of prefs.get(k) ?? []) {
      const c = colourOf[p] as number;
      if (c !== NONE && fits(c)) {
        chosen = c;
        break;
      }
    }
    if (chosen === undefined) chosen = (file.order?.(key, colourByKey) ?? file.colours).find(fits);
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
