/**
 * Memory ops for VC4: loads through TMU0, stores through the VPM and the
 * DMA store engine (VDW) — VC4 has no TMU store (notes §3, §4).
 *
 * - Loads: per-lane byte addresses to `t0s` (a direct lookup), `ldtmu0`,
 *   the word arrives in r4. A conditional TMU write still issues a request
 *   for every lane (notes §4, [ADD]), so masked-off lanes read a harmless
 *   address instead: the launch's scratch area. 8/16-bit elements are
 *   shifted out of the word the TMU returns (it ignores address bits 1:0).
 * - Stores: each QPU owns four VPM rows from row 4 · qpu_num (rows 0–47 of
 *   the 64 a user program can address; qpu_num is unique, so no mutex is
 *   needed; the spill rows are 48 + qpu_num, emit.ts); a kernel with a
 *   store batch of more rows (loop shaping's `dmaRows`, the target's
 *   `DmaStore.wideRows`, for each array the batch stores: vpmRowsFor) owns
 *   that many from the row a uniform gives (`vpmRow`: its place in the job,
 *   which runs at most 48 / rows batches at once). A single store's value vector is written to the first, then:
 *   * a lane-contiguous 32-bit store with every lane active (the common
 *     grid-stride `y[i] = …`) is one DMA of the 16-word row to lane 0's
 *     address (vw_addr takes element 0);
 *   * a 32-bit store with every lane active whose addresses the analysis
 *     cannot prove contiguous (`c[lane * r + j]`: a run-time stride)
 *     first tests at run time whether lane l's address is lane 0's plus
 *     l · S for one S from 4 to 65 539 bytes; if so it is one DMA that
 *     takes the row vertically (HORIZ 0: memory row l is VPM column l,
 *     DEPTH 1, VDW stride S − 4 [ARG Tables 34–35]), else the lane-by-lane
 *     path below;
 *   * anything else — masked lanes, scattered addresses, u8/u16 — is 16
 *     one-element DMAs (DEPTH 1, VPM column = lane, MODEW 32/16/8-bit), each
 *     to its lane's address, rotated into element 0 with the mul ALU.
 *     Inactive lanes write to the scratch area, so memory outside the
 *     active lanes' elements is never touched, and a byte or half store
 *     writes exactly its own bytes (no read-modify-write race between
 *     lanes or QPUs).
 *   A contiguous store under a mask branches between the two at run time
 *   (`allnz`: every lane active). Each store waits for its DMA (`vw_wait`)
 *   before the row is reused, so a later load sees it and the kernel ends
 *   with memory written.
 * - Store groups (storeGroups): the one DMA engine is busy a start-up time
 *   per DMA whatever its size (docs/kernels.md "VC4 stores"), so unmasked
 *   lane-contiguous 32-bit stores of one block whose rows a DMA can step
 *   through go out as one DMA of up to four rows: a run (consecutive stores
 *   a constant distance apart) or a batch (a grid-stride loop's copies, one
 *   loop step apart, tagged by loop shaping). At the group's last store the
 *   values go to the QPU's rows, then one multi-row DMA; a run's DMA is
 *   waited for at once, a batch's runs on into the next pass (Ctx.pendingDma,
 *   BATCH_DMA_RUNS_ON).
 */
import type { Block, Instr, Value } from '../../ir/types.ts';
import { elemSize, isPtr } from '../../ir/types.ts';
import { opInfo } from '../../ir/ops.ts';
import { targets } from '../../ir/cfg.ts';
import { TARGETS } from '../../target/targets.ts';
import type { Src, VReg } from './mir.ts';
import { acc } from './mir.ts';
import {
  alu, arg, BackendError, branch, constValue, elemReg, emit, entryReg, flags, IO, k32, mov, newBlockId, newVReg, op, override, src, startBlock,
  uniformReg, zeroTest, type Ctx, type OpHandler,
} from './isel-ctx.ts';
import { broadcastLane, rotateBy } from './isel-lanes.ts';
import { simm } from './isel-int.ts';

const QPU_NUM = { k: 'io', file: 'B', addr: IO.QPU_NUM } as const;
const VW_SETUP = { k: 'io', file: 'B', addr: IO.VPM_SETUP } as const;
const VW_ADDR = { k: 'io', file: 'B', addr: IO.DMA_ADDR } as const;
const VW_WAIT = { k: 'io', file: 'B', addr: IO.VPM_WAIT } as const;
const VPM = { k: 'io', addr: IO.VPM } as const;

/** The target's VPM store layout (rows per QPU, for wide batches, below the spill rows; the VDW stride field). */
const DMA_STORE = TARGETS.vc4.dmaStore;

/** VPM rows below the spill rows (emit.ts: 48 + qpu_num): the store rows of every QPU must fit below them. */
export const VPM_STORE_ROW_LIMIT = DMA_STORE.storeRows;

/** Bytes of scratch each QPU's kernel may need: the sink for inactive lanes' loads and stores. */
export const SCRATCH_SINK_BYTES = 64;

/** Address inactive lanes use (the launch's scratch area). */
export function sink(c: Ctx): VReg {
  return uniformReg(c, { kind: 'scratch' });
}

// The store rows: `rows` VPM rows per QPU from row rows · qpu_num (rows 0–47 for 12 QPUs), or `wideRows` from the
// 'vpmRow' uniform; the spill rows 48 + qpu_num (12 of them) end at row 59, below the 64 a program can address.
if (!Number.isInteger(Math.log2(DMA_STORE.rows)) || DMA_STORE.rows * TARGETS.vc4.qpus > VPM_STORE_ROW_LIMIT
  || DMA_STORE.wideRows > VPM_STORE_ROW_LIMIT || VPM_STORE_ROW_LIMIT + TARGETS.vc4.qpus > 64) {
  throw new Error('vc4 target table: dmaStore.rows must be a power of two whose rows for every QPU fit below the spill rows');
}

/**
 * The first of this QPU's store rows, shifted left by `shift` (for the setups' row fields): rows · qpu_num, or the
 * 'vpmRow' uniform of a kernel with more rows per QPU (Ctx.vpmRows).
 */
export function storeRowShl(c: Ctx, shift: number): VReg {
  if (c.vpmRows === DMA_STORE.rows) return op(c, 'shl', QPU_NUM, simm(Math.log2(DMA_STORE.rows) + shift));
  const first = uniformReg(c, { kind: 'vpmRow', rows: c.vpmRows });
  return shift === 0 ? first : op(c, 'shl', first, simm(shift));
}

/** Most wide groups of a block that get rows of their own (a two-array wide batch: 16 rows, 3 batches per job). */
const WIDE_GROUPS = 2;

/**
 * VPM store rows per QPU of a function with these store groups (Ctx.vpmRows): the target's `DmaStore.wideRows`
 * for each wide group of a block (a wide batch, loop shaping's `dmaRows`: more stores than `DmaStore.rows`), else
 * `rows`. Up to {@link WIDE_GROUPS} wide groups of a block (a two-array wide batch: sswap) each get rows of their
 * own (StoreGroup.row), so the second group's rows are written while the first one's DMA runs.
 */
export function vpmRowsFor(blocks: readonly Block[], blockGroups: readonly ReadonlyMap<Instr, StoreGroup>[]): number {
  let most: number = DMA_STORE.rows;
  blocks.forEach((b, n) => {
    const m = blockGroups[n] as ReadonlyMap<Instr, StoreGroup>;
    // In the order the groups go out (at their last store): the first one waits for the pass before.
    const at = (g: StoreGroup) => b.instrs.indexOf(g.stores[g.stores.length - 1] as Instr);
    const wide = [...new Set(m.values())].filter((g) => g.stores.length > DMA_STORE.rows).sort((x, y) => at(x) - at(y));
    // Rows of their own for up to WIDE_GROUPS groups; more share the first eight (each waits for the one before).
    const own = wide.length <= WIDE_GROUPS;
    wide.forEach((g, k) => (g.row = own ? k * DMA_STORE.wideRows : 0));
    if (wide.length > 0) most = Math.max(most, (own ? wide.length : 1) * DMA_STORE.wideRows);
  });
  return most;
}

/** `vw_setup` for QPU writes from this QPU's first store row on: horizontal, 32-bit, stride 1, ADDR = row [ARG Table 32]. */
function vpmWriteSetup(c: Ctx): VReg {
  return entryReg(c, 'vpmw', (cc, d) => alu(cc, 'or', d, storeRowShl(cc, 0), k32(cc, 0x1a00)));
}

/** VDW setup [ARG Table 34]: UNITS 1, DEPTH `depth`, horizontal, VPMBASE {Y = the first store row, X = 0}, MODEW. */
function dmaSetup(c: Ctx, depth: number, modew: number): VReg {
  const base = ((2 << 30) | (1 << 23) | (depth << 16) | (1 << 14) | modew) >>> 0;
  return entryReg(c, `dma${depth}.${modew}`, (cc, d) => alu(cc, 'or', d, storeRowShl(cc, 7), k32(cc, base)));
}

function elemOf(c: Ctx, ins: Instr): string {
  const p = arg(c, ins, 0);
  if (!isPtr(p.type)) throw new BackendError(`${ins.op} through a non-pointer`, c.loc);
  return p.type.ptr;
}

/** The address where the mask holds, the sink elsewhere. */
export function maskedAddr(c: Ctx, ins: Instr, p: Src, maskAt: number): Src {
  const m = ins.args[maskAt];
  if (!m) return p;
  zeroTest(c, src(c, m), m);
  return override(c, p, 'zs', sink(c));
}

/**
 * The TMU of a load: lane-contiguous lookups (streams: each line read once,
 * by one lookup) on TMU1, every other lookup (gathers, uniform and strided
 * ones: lines that later lookups of the loop read again) on TMU0. Each TMU
 * has its own L1 cache, so a stream's lines never evict a gather's; the
 * prologue sets `tmu_noswap` when a kernel uses TMU1 (isel.ts), so the
 * four QPUs of a slice share each cache by kind too.
 */
export function tmuOf(ins: Instr): 0 | 1 {
  // Loop shaping puts one array's loads of a two-array wide batch on TMU0 (loopshape.ts WIDE_TMU).
  if (ins.attrs?.['tmu'] === 0) return 0;
  return ins.attrs?.access === 'contiguous' ? 1 : 0;
}

/**
 * Waits for a store batch's or a `noalias` kernel's store run's DMA that may still run (Ctx.pendingDma,
 * Ctx.runRoots) before what could meet its rows: a VPM or DMA use, an atomic, a barrier, the program end, or a load
 * (`ins`) that loop shaping did not prove apart from the batches, or that reads through a pointer parameter a run
 * writes through (or through a pointer not computed from a parameter).
 */
export function waitForPendingDma(c: Ctx, ins?: Instr): void {
  if (c.pendingDma.size === 0 && c.runRoots.size === 0) return;
  if (ins?.op === 'load') {
    const t = ins.attrs?.['disjoint'];
    const apartFromBatches = c.pendingDma.size === 0 || (typeof t === 'number' && c.pendingDma.has(t));
    const root = c.runRoots.size === 0 ? undefined : paramRoot(c, c.allDefs, ins.args[0] as Value);
    const apartFromRuns = c.runRoots.size === 0 || (root !== undefined && !c.runRoots.has(root));
    if (apartFromBatches && apartFromRuns) return;
  }
  mov(c, { k: 'io', addr: IO.NOP }, VW_WAIT);
}

/**
 * The pointer parameter (its value id) that address `p` is computed from by `gep`s, also through block parameters
 * (a loop-carried pointer: every incoming value computed from the same parameter, or from the block parameter
 * itself), or undefined.
 */
function paramRoot(c: Ctx, defs: ReadonlyMap<number, Instr>, p: Value): number | undefined {
  const incoming = new Map<number, Value[]>();
  for (const b of c.fn.blocks) {
    for (const t of targets(b.term)) {
      t.block.params.forEach((q, k) => {
        const a = t.args[k];
        if (!a) return;
        const list = incoming.get(q.id);
        if (list) list.push(a);
        else incoming.set(q.id, [a]);
      });
    }
  }
  const seen = new Set<number>();
  // undefined: no parameter; null: only the block parameters being walked (a cycle), which add no root.
  const walk = (v: Value): number | undefined | null => {
    const root = linearAddress(defs, v).root;
    const q = c.fn.params.find((x) => x.value.id === root);
    if (q) return isPtr(q.value.type) ? root : undefined;
    const ins = incoming.get(root);
    if (!ins) return undefined;
    if (seen.has(root)) return null;
    seen.add(root);
    let found: number | null = null;
    for (const a of ins) {
      const r = walk(a);
      if (r === undefined || (r !== null && found !== null && r !== found)) return undefined;
      if (r !== null) found = r;
    }
    return found;
  };
  const r = walk(p);
  return r === null ? undefined : r;
}

/**
 * The pointer parameter a store run (a group without a batch tag) of a `noalias` kernel writes through: its DMA is
 * not waited for (Ctx.runRoots). Undefined for a batch, outside `noalias` kernels, or when the run's address is not
 * computed from a parameter.
 */
export function runRoot(c: Ctx, g: StoreGroup, defs: ReadonlyMap<number, Instr>): number | undefined {
  const first = g.stores[0];
  if (!c.fn.noalias || g.tag !== undefined || !first) return undefined;
  return paramRoot(c, defs, first.args[0] as Value);
}

function load(c: Ctx, ins: Instr, d: VReg): void {
  waitForPendingDma(c, ins);
  const p = src(c, arg(c, ins, 0));
  const elem = elemOf(c, ins);
  const addr = maskedAddr(c, ins, p, 1);
  const t = tmuOf(ins);
  mov(c, { k: 'io', addr: t === 1 ? IO.TMU1_S : IO.TMU0_S }, addr);
  emit(c, { k: 'nop', sig: t === 1 ? 'ldtmu1' : 'ldtmu0' });
  const size = elemSize(elem as Parameters<typeof elemSize>[0]);
  if (size === 4) {
    mov(c, d, acc(4));
    return;
  }
  const w = newVReg(c);
  mov(c, w, acc(4));
  // Bit offset of the element in its word: (addr & 3) * 8, or (addr & 2) * 8.
  const off = op(c, 'shl', op(c, 'and', p, simm(size === 1 ? 3 : 2)), simm(3));
  const bits = size * 8;
  const signed = elem === 'i8' || elem === 'i16';
  // Move the element to the top of the word, then shift it down (arithmetic for signed types).
  const top = op(c, 'shl', w, op(c, 'sub', simm(-bits), off)); // (32 - bits - off) mod 32
  alu(c, signed ? 'asr' : 'shr', d, top, simm(32 - bits >= 16 ? -bits : 32 - bits)); // by 32 - bits
}

/** Store the whole row (every lane active, addresses lane-contiguous): one DMA from lane 0's address. */
function storeRow(c: Ctx, p: Src, v: Src): void {
  mov(c, VW_SETUP, vpmWriteSetup(c));
  mov(c, VPM, v);
  mov(c, VW_SETUP, dmaSetup(c, 16, 0));
  mov(c, VW_ADDR, p);
  mov(c, { k: 'io', addr: IO.NOP }, VW_WAIT);
}

/** Store lane by lane: 16 one-element DMAs, inactive lanes into the sink. */
function storeLanes(c: Ctx, ins: Instr, p: Src, v: Src, modew: number): void {
  storeLanesAt(c, maskedAddr(c, ins, p, 2), v, modew);
}

/** 16 one-element DMAs of v's lanes, each to its lane's `addr` (MODEW 0: 32-bit), then the wait. */
export function storeLanesAt(c: Ctx, addr: Src, v: Src, modew: number): void {
  mov(c, VW_SETUP, vpmWriteSetup(c));
  mov(c, VPM, v);
  const t = newVReg(c);
  mov(c, t, dmaSetup(c, 1, modew));
  mov(c, acc(0), addr);
  for (let l = 0; l < 16; l++) {
    mov(c, VW_SETUP, t);
    mov(c, VW_ADDR, acc(0)); // element 0: lane l's address
    if (l === 15) break;
    alu(c, 'add', t, t, simm(8)); // VPMBASE X + 1
    // Rotate by 15: element 0 receives lane l + 1.
    emit(c, { k: 'alu', unit: 'mul', op: 'v8min', dst: acc(0), a: acc(0), b: acc(0), rot: 15 });
  }
  mov(c, { k: 'io', addr: IO.NOP }, VW_WAIT);
}

/** The lane l of a store mask `lane_id == l` (either operand order), l in 0–15: the only lane it lets store. */
function maskLane(c: Ctx, m: Value): number | undefined {
  const d = c.defs.get(m.id);
  if (d?.op !== 'cmp' || d.attrs?.['pred'] !== 'eq' || d.args.length !== 2) return undefined;
  const [x, y] = d.args as [Value, Value];
  const lane = c.defs.get(x.id)?.op === 'lane_id' ? constValue(c, y) : c.defs.get(y.id)?.op === 'lane_id' ? constValue(c, x) : undefined;
  return lane !== undefined && lane >= 0 && lane < 16 ? lane : undefined;
}

/**
 * A store only lane `lane` makes (its mask is `lane_id == lane`, the usual `if (qpu.laneId() == 0) out[…] = r`):
 * one one-element DMA from that lane's VPM column to its address, instead of 16 with the other 15 into the sink.
 * The DMA engine's start-up is paid once, not 16 times (12 QPUs ending together queue 192 DMAs at the one engine).
 */
function storeOneLane(c: Ctx, p: Src, v: Src, lane: number, modew: number): void {
  // VW_ADDR takes element 0: lane `lane`'s address rotated there (rotation by n: element 0 receives lane −n).
  const addr = lane === 0 ? p : rotateBy(c, p, 16 - lane);
  const setup = lane === 0 ? dmaSetup(c, 1, modew) : op(c, 'add', dmaSetup(c, 1, modew), k32(c, lane << 3)); // VPMBASE X = lane
  mov(c, VW_SETUP, vpmWriteSetup(c));
  mov(c, VPM, v);
  mov(c, VW_SETUP, setup);
  mov(c, VW_ADDR, addr);
  mov(c, { k: 'io', addr: IO.NOP }, VW_WAIT);
}

/** VDW setup for a strided row: UNITS 16 memory rows of DEPTH 1, vertical (memory row l = VPM column l of this QPU's first store row), 32-bit. */
function dmaColumnsSetup(c: Ctx): VReg {
  const base = ((2 << 30) | (16 << 23) | (1 << 16)) >>> 0;
  return entryReg(c, 'dmacols', (cc, d) => alu(cc, 'or', d, storeRowShl(cc, 7), k32(cc, base)));
}

/**
 * A 32-bit store of every lane to addresses that may be equally spaced: tested at run time (lane l − lane l−1 =
 * lane 1 − lane 0 = S for every l ≥ 1, and S − 4 within the VDW stride field), then one vertical DMA, else 16
 * one-element DMAs (see the file comment).
 */
function storeStrided(c: Ctx, ins: Instr, p: Src, v: Src): void {
  const prev = rotateBy(c, p, 1); // lane l: lane l − 1's address
  const diff = op(c, 'sub', p, prev);
  const step = broadcastLane(c, diff, 1);
  const gap = op(c, 'sub', step, simm(4)); // the VDW stride: bytes from one row's end to the next row's start
  // Lane 0's difference wraps around (lane 0 − lane 15): leave it out; S − 4 must fit the VDW stride field
  // (the target table's strideBits; notes §3.2) as an unsigned number, so (S − 4) >> strideBits is 0.
  flags(c, 'or', elemReg(c));
  const off = override(c, op(c, 'xor', diff, step), 'zs', simm(0));
  const bad = op(c, 'or', off, op(c, 'shr', gap, simm(DMA_STORE.strideBits)));
  const colsId = newBlockId(c);
  const joinId = newBlockId(c);
  zeroTest(c, bad);
  branch(c, 'allz', colsId);
  storeLanes(c, ins, p, v, 0);
  branch(c, 'always', joinId);
  startBlock(c, colsId);
  mov(c, VW_SETUP, vpmWriteSetup(c));
  mov(c, VPM, v);
  mov(c, VW_SETUP, dmaColumnsSetup(c));
  mov(c, VW_SETUP, op(c, 'or', gap, k32(c, (3 << 30) >>> 0)));
  mov(c, VW_ADDR, p);
  mov(c, { k: 'io', addr: IO.NOP }, VW_WAIT);
  startBlock(c, joinId);
}

/** Most rows one DMA of a store group carries unless its batch is wide: the VPM rows each QPU owns (rows ROWS · qpu_num …). */
export const STORE_ROWS = DMA_STORE.rows;
/**
 * Whether a batch's DMA (the stores of a grid-stride loop pass) runs on while the next pass starts, instead of being
 * waited for at once: its QPU issues the next pass's loads during the DMA (loop shaping proved those loads apart
 * from the pass's rows), and waits (`vw_wait`) only before anything that could meet the rows (Ctx.pendingDma). It
 * relies on VDW setups and TMU lookups being accepted while a DMA runs, which py-videocore's back-to-back DMAs show
 * for the setups [PVC-T dma]; false: every DMA is waited for at once, as before.
 */
export const BATCH_DMA_RUNS_ON = true;
/** Most rows of a run (untagged stores, see storeGroups). */
export const RUN_ROWS = STORE_ROWS;
/** Bytes of one VPM row: a 16-lane store of 32-bit elements. */
const ROW_BYTES = 64;
/** Largest distance in bytes between the starts of two rows of one DMA: 64 plus the VDW stride field's largest value. */
const MAX_PITCH = ROW_BYTES + 2 ** DMA_STORE.strideBits - 1;

/** A store address as root + k bytes + Σ size · terms (SSA values): through `gep`s and `add`s of their indices. */
interface Linear {
  root: number;
  k: number;
  /** Term value ids, sorted (a term added twice appears twice). */
  terms: number[];
}

/** An index as constant + Σ terms (SSA values), through `add`s and constants, at most `depth` levels. */
function linearIndex(defs: ReadonlyMap<number, Instr>, v: Value, depth: number): { k: number; terms: number[] } {
  const d = defs.get(v.id);
  if (d?.op === 'const') return { k: Number(d.attrs?.['value']) | 0, terms: [] };
  if (d?.op === 'add' && depth > 0 && d.args.length === 2) {
    const a = linearIndex(defs, d.args[0] as Value, depth - 1);
    const b = linearIndex(defs, d.args[1] as Value, depth - 1);
    return { k: (a.k + b.k) | 0, terms: [...a.terms, ...b.terms] };
  }
  return { k: 0, terms: [v.id] };
}

/** The address `p` of 32-bit elements as a {@link Linear} form, walking `gep`s (pointer steps and indices) up to 16 deep. */
function linearAddress(defs: ReadonlyMap<number, Instr>, p: Value): Linear {
  let k = 0;
  const terms: number[] = [];
  let at = p;
  for (let depth = 0; depth < 16; depth++) {
    const g = defs.get(at.id);
    if (g?.op !== 'gep' || g.args.length !== 2) break;
    const lin = linearIndex(defs, g.args[1] as Value, 8);
    k = (k + 4 * lin.k) | 0;
    terms.push(...lin.terms);
    at = g.args[0] as Value;
  }
  return { root: at.id, k, terms: terms.sort((x, y) => x - y) };
}

/**
 * The distance from row `a` to row `b` when it is one a DMA can step: a constant number of bytes (the same terms), or
 * 4 · s bytes for one more uniform term s of `b` (`b` is `a` stepped by s elements); else undefined.
 */
function pitchBetween(defs: ReadonlyMap<number, Instr>, params: ReadonlySet<number>, a: Linear, b: Linear): { bytes: number } | { term: number } | undefined {
  if (a.root !== b.root) return undefined;
  if (a.terms.length === b.terms.length) {
    const d = (b.k - a.k) | 0;
    return a.terms.every((t, n) => t === b.terms[n]) && d >= ROW_BYTES && d <= MAX_PITCH ? { bytes: d } : undefined;
  }
  if (b.k !== a.k || b.terms.length !== a.terms.length + 1) return undefined;
  const extra = [...b.terms];
  for (const t of a.terms) {
    const n = extra.indexOf(t);
    if (n < 0) return undefined;
    extra.splice(n, 1);
  }
  const s = extra[0] as number;
  // A uniform step: a kernel parameter or a uniform value (a constant would have been folded into k).
  return params.has(s) || defs.get(s)?.result?.uniform ? { term: s } : undefined;
}

/** Stores that one DMA writes: rows `pitch` apart in memory, written into this QPU's store rows at the last of them. */
export interface StoreGroup {
  stores: Instr[];
  /** Loop shaping's `batch` tag of a batch (its DMA is not waited for: Ctx.pendingDma); undefined for a run. */
  tag: number | undefined;
  /** Bytes between rows, or the id of a uniform u32 s: the rows are 4 · s bytes apart (checked by loop shaping's guards). */
  pitch: { bytes: number } | { term: number };
  /**
   * The group's first row among the QPU's store rows (vpmRowsFor): 0, or for the second wide group of a block the
   * rows after the first one's, which the first group's wait for the previous pass's DMAs already freed.
   */
  row: number;
}

/** The `batch` tag of a store loop shaping marked for DMA batching, when the store is one a row DMA can write. */
function batchTag(ins: Instr): number | undefined {
  const t = ins.attrs?.['batch'];
  return typeof t === 'number' && rowStore(ins) ? t : undefined;
}

/** An unmasked, lane-contiguous store of 32-bit elements: one whole VPM row. */
function rowStore(ins: Instr): boolean {
  const [pv, , mv] = ins.args;
  return !!pv && !mv && ins.attrs?.access === 'contiguous' && isPtr(pv.type) && elemSize(pv.type.ptr) === 4;
}

/**
 * The store groups of block `b` (see the file comment), with `earlier` the definitions of the blocks before it: each
 * group's stores in order, keyed by every member (groups of one store are left out). A group's stores all go out at
 * its last one, so each earlier member moves below what follows it up to there. That is allowed
 *
 * - for a run (untagged stores): past pure ops only, each next store in the block joining the run, its row a
 *   constant distance from the previous one (the first distance sets it; rows never overlap);
 * - for stores tagged `batch = t` by loop shaping (compiler/passes/loopshape.ts, storeBatch: a grid-stride
 *   loop's copies, rows one loop step apart): past pure ops, other stores tagged t (guarded apart) and loads
 *   tagged `disjoint = t` (apart from every earlier store of the pass); several such groups may be open at once.
 *
 * Anything else (an untagged load or store, an atomic, a barrier) closes every open group in front of it.
 */
export function storeGroups(b: Block, earlier: ReadonlyMap<number, Instr>, params: readonly Value[]): Map<Instr, StoreGroup> {
  const paramIds = new Set(params.map((p) => p.id));
  const defs = new Map<number, Instr>(earlier);
  for (const i of b.instrs) if (i.result) defs.set(i.result.id, i);
  const out = new Map<Instr, StoreGroup>();
  interface Open { group: StoreGroup; last: Linear; tag: number | undefined; pitch: StoreGroup['pitch'] | undefined }
  let open: Open[] = [];
  const close = (keep: (g: Open) => boolean) => {
    open = open.filter((g) => {
      if (keep(g)) return true;
      if (g.group.stores.length >= 2 && g.pitch) {
        g.group.pitch = g.pitch;
        for (const s of g.group.stores) out.set(s, g.group);
      }
      return false;
    });
  };
  const samePitch = (x: StoreGroup['pitch'], y: StoreGroup['pitch']) =>
    'bytes' in x ? 'bytes' in y && x.bytes === y.bytes : 'term' in y && x.term === y.term;
  for (const i of b.instrs) {
    if (i.op === 'store') {
      const row = rowStore(i);
      const tag = batchTag(i);
      const at = row ? linearAddress(defs, i.args[0] as Value) : undefined;
      // The group it continues: a run for an untagged store, a group of its own tag for a tagged one.
      let joins: { g: Open; p: StoreGroup['pitch'] } | undefined;
      // A batch's DMA takes up to the rows loop shaping gave it (`dmaRows`: a wide batch), at most `wideRows`.
      const most = tag === undefined ? RUN_ROWS : Math.min(DMA_STORE.wideRows, Number(i.attrs?.['dmaRows'] ?? STORE_ROWS));
      for (const g of open) {
        if (!at || g.tag !== tag || g.group.stores.length >= most) continue;
        const p = pitchBetween(defs, paramIds, g.last, at);
        // A step term is a loop step only within a tagged loop (its guards bound it).
        if (!p || ('term' in p && tag === undefined) || (g.pitch && !samePitch(g.pitch, p))) continue;
        joins = { g, p };
        break;
      }
      // Groups this store may not pass: every other one when it has no tag, those of other tags when it has one.
      close((g) => g === joins?.g || (tag !== undefined && g.tag === tag));
      if (!at) continue;
      if (joins) {
        joins.g.group.stores.push(i);
        joins.g.last = at;
        joins.g.pitch = joins.p;
      } else open.push({ group: { stores: [i], tag, pitch: { bytes: ROW_BYTES }, row: 0 }, last: at, tag, pitch: undefined });
      continue;
    }
    if (i.op === 'load') {
      const d = i.attrs?.['disjoint'];
      close((g) => g.tag !== undefined && g.tag === d);
      continue;
    }
    const info = opInfo(i.op);
    if (!info || info.effect || info.readsMemory) close(() => false);
  }
  close(() => false);
  return out;
}

/** The VDW stride setup of a group [ARG Table 35]: ID 3, bytes from one row's end to the next row's start. */
function groupStride(c: Ctx, pitch: StoreGroup['pitch']): Src {
  const id = (3 << 30) >>> 0;
  if ('bytes' in pitch) return k32(c, (id + pitch.bytes - ROW_BYTES) >>> 0);
  // 4 s - 64 for the loop step s, which loop shaping's guard keeps within [0, 2^strideBits).
  const def = c.defs.get(pitch.term);
  const param = c.fn.params.findIndex((q) => q.value.id === pitch.term);
  const step = def?.result ?? c.fn.params[param]?.value;
  if (!step) throw new BackendError('store group: its step is not defined', c.loc);
  const compute = (cc: Ctx, d: VReg, s: Src) => alu(cc, 'add', d, op(cc, 'shl', s, simm(2)), k32(cc, (id - ROW_BYTES) >>> 0));
  // A launch count or a parameter is in a register from the prologue on: the stride word is computed there, once.
  const unif = def?.op === 'global_count' ? uniformReg(c, { kind: 'globalCount' }) : param >= 0 ? uniformReg(c, { kind: 'param', index: param }) : undefined;
  if (unif) return entryReg(c, `vdwstride:${unif.id}`, (cc, d) => compute(cc, d, unif));
  const d = newVReg(c);
  compute(c, d, src(c, step));
  return d;
}

/**
 * Store group `g` at its last member: its values into this QPU's store rows, one DMA of as many rows, and for a run
 * the wait; a batch's DMA runs on into the next pass (Ctx.pendingDma: whatever could meet its rows waits first).
 */
function storeGroup(c: Ctx, g: StoreGroup): void {
  const rows = g.stores.length;
  // Everything the sequence reads is computed before its first VPM or VDW write: a value defined inside it could be
  // spilled, and a spill store between these words would change the VPM and VDW setups (emit.ts spillVReg).
  const stride = groupStride(c, g.pitch);
  // VPMBASE Y (bits 13:7) and the write setup's ADDR (bits 5:0) start at the group's row; the QPU's first store row
  // is a multiple of its rows, so adding `g.row` carries into nothing.
  const base = ((2 << 30) | (rows << 23) | (16 << 16) | (1 << 14) | (g.row << 7)) >>> 0;
  const dma = entryReg(c, `dma-rows${rows}@${g.row}`, (cc, d) => alu(cc, 'or', d, storeRowShl(cc, 7), k32(cc, base)));
  const values = g.stores.map((i) => src(c, i.args[1] as Value));
  const addr = src(c, g.stores[0]?.args[0] as Value);
  // The same word as vpmw, in a register of its own: sharing vpmw moved Blas3Vc4's register allocation so that its
  // inner loop's TMU requests lost their pairing slots and went out late (the vc4 sgemm 20 % slower in the timing
  // model; docs/backend-vc4.md "Not yet").
  mov(c, VW_SETUP, entryReg(c, g.row === 0 ? 'vpmw-group' : `vpmw-group@${g.row}`, (cc, d) => alu(cc, 'or', d, storeRowShl(cc, 0), k32(cc, 0x1a00 + g.row))));
  for (const v of values) mov(c, VPM, v);
  mov(c, VW_SETUP, dma);
  mov(c, VW_SETUP, stride);
  mov(c, VW_ADDR, addr);
  const root = runRoot(c, g, c.allDefs);
  const runsOn = g.tag === undefined ? root !== undefined && c.runRoots.has(root) : c.pendingDma.has(g.tag);
  if (!runsOn) mov(c, { k: 'io', addr: IO.NOP }, VW_WAIT);
}

/** A store: see the file comment. `groups` are the block's {@link storeGroups}. */
export function selectStore(c: Ctx, ins: Instr, groups?: ReadonlyMap<Instr, StoreGroup>): void {
  const g = groups?.get(ins);
  if (g && g.stores[g.stores.length - 1] !== ins) return;
  // The store rows may still be read by a batch's DMA. A group of rows after the first (StoreGroup.row) follows the
  // block's first group, whose wait outlasted every earlier DMA of these rows (the engine runs a QPU's DMAs in order).
  if (!g || g.row === 0) waitForPendingDma(c);
  if (g) return storeGroup(c, g);
  const [pv, vv, mv] = ins.args;
  if (!pv || !vv) throw new BackendError('store: missing operands', c.loc);
  const elem = elemOf(c, ins);
  const size = elemSize(elem as Parameters<typeof elemSize>[0]);
  const p = src(c, pv);
  const v = src(c, vv);
  const modew = size === 4 ? 0 : size === 2 ? 2 : 4;
  const lane = mv ? maskLane(c, mv) : undefined;
  if (lane !== undefined) return storeOneLane(c, p, v, lane, modew);
  if (ins.attrs?.access === 'contiguous' && size === 4) {
    if (!mv) return storeRow(c, p, v);
    const rowId = newBlockId(c);
    const joinId = newBlockId(c);
    zeroTest(c, src(c, mv), mv);
    branch(c, 'allnz', rowId);
    storeLanes(c, ins, p, v, modew);
    branch(c, 'always', joinId);
    startBlock(c, rowId);
    storeRow(c, p, v);
    startBlock(c, joinId);
    return;
  }
  if (size === 4 && !mv && ins.attrs?.access === 'gather') return storeStrided(c, ins, p, v);
  storeLanes(c, ins, p, v, modew);
}

function gep(c: Ctx, ins: Instr, d: VReg): void {
  const p = arg(c, ins, 0);
  if (!isPtr(p.type)) throw new BackendError('gep on a non-pointer', c.loc);
  const size = elemSize(p.type.ptr);
  const i = arg(c, ins, 1);
  const idx = src(c, i);
  const k = constValue(c, i);
  const shift = Math.log2(size);
  if (size === 1) alu(c, 'add', d, src(c, p), idx);
  // A constant index: its byte offset is a constant (a small immediate when it fits).
  else if (k !== undefined) alu(c, 'add', d, src(c, p), k32(c, Math.imul(k, size) >>> 0));
  // A kernel parameter (a pointer step `p += n`): scaled once, in the prologue.
  else if (c.fn.params.some((q) => q.value.id === i.id)) alu(c, 'add', d, src(c, p), entryReg(c, `scaled:${i.id}:${shift}`, (cc, t) => alu(cc, 'shl', t, src(cc, i), simm(shift))));
  else alu(c, 'add', d, src(c, p), op(c, 'shl', idx, simm(shift)));
}

/** Memory op handlers (stores have no result: {@link selectStore}). */
export const MEMORY_OPS: Record<string, OpHandler> = { load, gep };
