/**
 * The TMU as general-memory load/store unit (shared/docs/v3d-semantics-notes.md 5):
 * per-thread pending config and data words, lookups at per-lane addresses, and
 * the FIFO of returned words that `ldtmu` pops in request order.
 *
 * Memory is touched when the lookup is issued (the `tmua` write). That is one
 * legal order of the hardware's: a thread's own loads after `tmuwt` see its
 * stores [T], and cross-thread visibility needs store + tmuwt + barrier [T],
 * which this order also satisfies.
 */
import type { UniformPath } from './uniform-path.ts';
import type { GpuMemory } from '../memory.ts';
import { LANES } from './lanes.ts';
import type { V3dVersion } from '../../../compiler/isa/v3d/instr.ts';

/** Config byte 0xFF: per-pixel, op 15 (load/store), type 7 (32-bit). */
export const DEFAULT_TMU_CONFIG = 0xffffffff;

/** Words returned by one lookup, waiting for `ldtmu`. */
export interface TmuResult {
  /** Words in component order, one 16-lane array each (the first `count` are this lookup's). */
  words: Uint32Array[];
  count: number;
  /** Next word `ldtmu` takes. */
  next: number;
  /** Cycle at which the data are back (set by the timing model). */
  ready: number;
}

/** What one lookup did, for the profile and the timing model. */
export interface LookupStats {
  bytesRead: number;
  bytesWritten: number;
  /** Words this lookup queues for `ldtmu` (0 for stores and prefetches). */
  returnWords: number;
  /** 64-byte memory lines the lookup's lanes touch (counted as changes of line from lane to lane). */
  lines: number;
}

/**
 * Per-thread TMU state. Data words and FIFO entries are pooled: a TMU-heavy
 * kernel issues a lookup every few instructions, and allocating their 16-lane
 * arrays each time made the garbage collector the emulator's largest cost.
 */
export class TmuState {
  /** Pending config word (its bits, as int32); each lookup takes the low byte and shifts in 0xFF [T pv6]. */
  config = DEFAULT_TMU_CONFIG | 0;
  /** Data words pushed by tmud (and 7.1 tmudref/tmuoff) for the next lookup: the first `dataCount` of `data`. */
  readonly data: Uint32Array[] = [];
  dataCount = 0;
  /**
   * Lookups whose words `ldtmu` has not taken yet, oldest first: entries
   * head..tail-1. (The array never shrinks: truncating it would free its
   * backing store and reallocate it on the next lookup.)
   */
  private readonly fifo: TmuResult[] = [];
  private head = 0;
  private tail = 0;
  private readonly pool: TmuResult[] = [];
  /** Words in the FIFO not yet taken. */
  pendingWords = 0;
  /** Completion cycle of the latest store / atomic / prefetch (for tmuwt). */
  lastDone = 0;
  /** What `pop` returns (reused). */
  private readonly popped: { word: Uint32Array; ready: number } = { word: new Uint32Array(0), ready: 0 };
  /** The latest lookup's figures (reused: no allocation per lookup). */
  readonly stats: LookupStats = { bytesRead: 0, bytesWritten: 0, returnWords: 0, lines: 0 };

  /** Push one data word (tmud): a copy of the 16 lanes. */
  pushData(lanes: Uint32Array): void {
    let w = this.data[this.dataCount];
    if (w === undefined) {
      w = new Uint32Array(LANES);
      this.data.push(w);
    }
    w.set(lanes);
    this.dataCount++;
  }

  /** A FIFO entry for `n` words, appended to the FIFO; the words are zeroed unless `full` (every lane will be written). */
  enqueue(n: number, full = false): TmuResult {
    const e = this.pool.pop() ?? { words: [], count: 0, next: 0, ready: 0 };
    while (e.words.length < n) e.words.push(new Uint32Array(LANES));
    if (!full) for (let k = 0; k < n; k++) (e.words[k] as Uint32Array).fill(0);
    e.count = n;
    e.next = 0;
    e.ready = 0;
    this.fifo[this.tail++] = e;
    this.pendingWords += n;
    return e;
  }

  /** The newest FIFO entry (the lookup just issued). */
  newest(): TmuResult | undefined {
    return this.tail > this.head ? this.fifo[this.tail - 1] : undefined;
  }

  /**
   * Take the next word for `ldtmu`, or undefined when nothing is queued. The
   * array stays valid until the next lookup is issued (callers copy it first).
   */
  pop(): { word: Uint32Array; ready: number } | undefined {
    if (this.head === this.tail) return undefined;
    const e = this.fifo[this.head] as TmuResult;
    const word = e.words[e.next++] as Uint32Array;
    if (e.next === e.count) {
      this.head++;
      this.pool.push(e);
      if (this.head === this.tail) {
        this.head = 0;
        this.tail = 0;
      }
    }
    this.pendingWords--;
    this.popped.word = word;
    this.popped.ready = e.ready;
    return this.popped;
  }

  /** Cycle at which the oldest queued read has its data (or undefined). */
  oldestReady(): number | undefined {
    return this.head < this.tail ? this.fifo[this.head]?.ready : undefined;
  }

  /** Forget everything (thread end: stores already reached memory). */
  reset(): void {
    this.config = DEFAULT_TMU_CONFIG | 0;
    this.dataCount = 0;
    this.head = 0;
    this.tail = 0;
    this.pendingWords = 0;
  }
}

/** Components per lane for type codes 2/3/4 (vec2/3/4); 1 otherwise. */
function components(type: number): number {
  return type >= 2 && type <= 4 ? type : 1;
}

/**
 * Address of component k of a vector access: 4.2 wraps inside the aligned
 * 16-byte block, 7.1 is contiguous (notes 5.1, pv6 `test_tmu_vec_write`, pv7).
 */
function componentAddress(a: number, k: number, ver: V3dVersion): number {
  if (ver === 42) return ((a & ~15) | ((a + 4 * k) & 15)) >>> 0;
  return (a + 4 * k) >>> 0;
}

/**
 * 32-bit loads of the lanes in `mask` into `words` (element k of lane l at
 * componentAddress(addrs[l], k)). Lanes inside the region of lane 0's address,
 * 4-aligned, read its word view directly; any other lane goes through
 * GpuMemory's checked accessor, which faults outside every buffer.
 */
function load32(mem: GpuMemory, addrs: Uint32Array, mask: number, n: number, ver: V3dVersion, words: Uint32Array[]): void {
  const r = mem.regionFor(addrs[0] as number, 4);
  const base = r === undefined ? 0 : r.base;
  const limit = r === undefined ? 0 : r.end - 4;
  const view = r === undefined ? undefined : r.words;
  for (let k = 0; k < n; k++) {
    const w = words[k] as Uint32Array;
    for (let l = 0; l < LANES; l++) {
      if (!(mask & (1 << l))) continue;
      const a = addrs[l] as number;
      const ak = k === 0 ? a : componentAddress(a, k, ver);
      const off = ak - base;
      if (view !== undefined && off >= 0 && ak <= limit && (off & 3) === 0) w[l] = view[off >>> 2] as number;
      else w[l] = mem.read32(ak);
    }
  }
}

/** 32-bit stores of `words` for the lanes in `mask`: as {@link load32}, lane-major so a fault leaves earlier lanes stored. */
function store32(mem: GpuMemory, addrs: Uint32Array, mask: number, n: number, ver: V3dVersion, words: Uint32Array[]): void {
  const r = mem.regionFor(addrs[0] as number, 4);
  const base = r === undefined ? 0 : r.base;
  const limit = r === undefined ? 0 : r.end - 4;
  const view = r === undefined ? undefined : r.words;
  for (let l = 0; l < LANES; l++) {
    if (!(mask & (1 << l))) continue;
    const a = addrs[l] as number;
    for (let k = 0; k < n; k++) {
      const ak = k === 0 ? a : componentAddress(a, k, ver);
      const off = ak - base;
      const v = (words[k] as Uint32Array)[l] as number;
      if (view !== undefined && off >= 0 && ak <= limit && (off & 3) === 0) view[off >>> 2] = v;
      else mem.write32(ak, v);
    }
  }
}

/** Lanes set in a 16-bit mask. */
function lanesIn(mask: number): number {
  let m = mask & 0xffff;
  let c = 0;
  while (m !== 0) {
    m &= m - 1;
    c++;
  }
  return c;
}

function loadScalar(mem: GpuMemory, a: number, type: number): number {
  switch (type) {
    case 0: return (mem.read8(a) << 24) >> 24;
    case 5: return mem.read8(a);
    case 1: return (mem.read16(a) << 16) >> 16;
    case 6: return mem.read16(a);
    default: return mem.read32(a);
  }
}

function storeScalar(mem: GpuMemory, a: number, type: number, v: number): void {
  if (type === 0 || type === 5) mem.write8(a, v);
  else if (type === 1 || type === 6) mem.write16(a, v);
  else mem.write32(a, v);
}

/** Atomic combine for TMU ops 0..10 with data (7.1 [T]; 4.2 assumed the same). */
function combine(opc: number, old: number, d0: number, d1: number): number {
  switch (opc) {
    case 0: return (old + d0) >>> 0;
    case 1: return (old - d0) >>> 0;
    case 2: return d0 >>> 0;
    case 3: return old === d0 >>> 0 ? d1 >>> 0 : old;
    case 4: return Math.min(old, d0 >>> 0);
    case 5: return Math.max(old, d0 >>> 0);
    case 6: return Math.min(old | 0, d0 | 0) >>> 0;
    case 7: return Math.max(old | 0, d0 | 0) >>> 0;
    case 8: return (old & d0) >>> 0;
    case 9: return (old | d0) >>> 0;
    case 10: return (old ^ d0) >>> 0;
    default: return old;
  }
}

/**
 * Issue one lookup (a `tmua`/`tmuau` write) for the lanes in `mask` at the
 * per-lane `addrs`. Consumes the pending data words and one config byte;
 * returned words go to the FIFO (ready time filled in by the caller).
 */
export function issueLookup(mem: GpuMemory, tmu: TmuState, addrs: Uint32Array, mask: number, ver: V3dVersion, uniformPath?: UniformPath): LookupStats {
  const cfgByte = tmu.config & 0xff;
  // Kept as a signed int32: an unsigned value above 2^31 would be a boxed double in V8.
  tmu.config = (tmu.config >>> 8) | 0xff000000;
  // Bit 7 selects per-pixel vs per-quad; per-quad lookups are untested (notes 5.1), run per lane here.
  const opc = (cfgByte >>> 3) & 15;
  const type = cfgByte & 7;
  const data = tmu.data;
  const dataCount = tmu.dataCount;
  tmu.dataCount = 0;
  const n = components(type);
  const size = type === 0 || type === 5 ? 1 : type === 1 || type === 6 ? 2 : 4;
  const stats = tmu.stats;
  // Writes (stores, atomics, increment/decrement/not) are not seen by the uniform streams (uniform-path.ts).
  if (uniformPath !== undefined && (dataCount > 0 || (opc >= 8 && opc <= 10))) {
    const writes = opc === 15 ? Math.min(n, dataCount) : 1;
    for (let l = 0; l < LANES; l++) {
      if (!(mask & (1 << l))) continue;
      for (let k = 0; k < writes; k++) uniformPath.beforeWrite(componentAddress(addrs[l] as number, k, ver));
    }
  }
  stats.bytesRead = 0;
  stats.bytesWritten = 0;
  stats.returnWords = 0;
  let lines = 0;
  let prevLine = -1;
  for (let l = 0; l < LANES; l++) {
    if (!(mask & (1 << l))) continue;
    const line = (addrs[l] as number) >>> 6;
    if (line !== prevLine) lines++;
    prevLine = line;
  }
  stats.lines = lines;
  if (opc === 15 && dataCount > 0) {
    // Store: one data word per component; stores return nothing (M:h).
    const comps = Math.min(n, dataCount);
    if (size === 4) {
      store32(mem, addrs, mask, comps, ver, data);
      stats.bytesWritten = lanesIn(mask) * comps * 4;
      return stats;
    }
    for (let l = 0; l < LANES; l++) {
      if (!(mask & (1 << l))) continue;
      const a = addrs[l] as number;
      for (let k = 0; k < comps; k++) storeScalar(mem, componentAddress(a, k, ver), type, (data[k] as Uint32Array)[l] as number);
      stats.bytesWritten += comps * size;
    }
    return stats;
  }
  if (opc === 15) {
    const words = tmu.enqueue(n, size === 4 && mask === 0xffff).words;
    if (size === 4) {
      load32(mem, addrs, mask, n, ver, words);
      stats.bytesRead = lanesIn(mask) * n * 4;
      stats.returnWords = n;
      return stats;
    }
    for (let l = 0; l < LANES; l++) {
      // Lanes a condition switched off read nothing; their words stay 0 (CHOICE: value unknown).
      if (!(mask & (1 << l))) continue;
      const a = addrs[l] as number;
      for (let k = 0; k < n; k++) (words[k] as Uint32Array)[l] = loadScalar(mem, componentAddress(a, k, ver), type);
      stats.bytesRead += n * size;
    }
    stats.returnWords = n;
    return stats;
  }
  if (dataCount === 0 && opc < 8) {
    // Prefetch (op 0) and the cache ops 1..7 without data return nothing (pv6/pv7 scopy 0x80 prefetch).
    for (let l = 0; l < LANES; l++) if (mask & (1 << l)) stats.bytesRead += 4 * n;
    return stats;
  }
  // Atomics: memory gets the combined value, ldtmu returns the old one (pv7 test_tmu_op_write_*).
  // Without data, ops 8/9/10 are increment / decrement / not (Mesa).
  const result = tmu.enqueue(1).words[0] as Uint32Array;
  for (let l = 0; l < LANES; l++) {
    if (!(mask & (1 << l))) continue;
    const a = addrs[l] as number;
    const old = mem.read32(a);
    let v: number;
    if (dataCount === 0) v = opc === 8 ? (old + 1) >>> 0 : opc === 9 ? (old - 1) >>> 0 : ~old >>> 0;
    else v = combine(opc, old, (data[0] as Uint32Array)[l] as number, dataCount > 1 ? ((data[1] as Uint32Array)[l] as number) : 0);
    mem.write32(a, v);
    result[l] = old;
    stats.bytesRead += 4;
    stats.bytesWritten += 4;
  }
  stats.returnWords = 1;
  return stats;
}
