/**
 * Memory ops for VC4: loads through TMU0, stores through the VPM and the
 * DMA store engine (VDW) — VC4 has no TMU store (notes §3, §4).
 *
 * - Loads: per-lane byte addresses to `t0s` (a direct lookup), `ldtmu0`,
 *   the word arrives in r4. A conditional TMU write still issues a request
 *   for every lane (notes §4, [ADD]), so masked-off lanes read a harmless
 *   address instead: the launch's scratch area. 8/16-bit elements are
 *   shifted out of the word the TMU returns (it ignores address bits 1:0).
 * - Stores: each QPU owns VPM row `qpu_num` (one 16-word row of the 64 a
 *   user program can address; qpu_num is unique, so no mutex is needed).
 *   The value vector is written to that row, then:
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
 * - Store runs: the one DMA engine is busy a start-up time per DMA whatever
 *   its size (docs/kernels.md "VC4 stores"), so 2–3 unmasked lane-contiguous
 *   32-bit stores in one block whose addresses are provably 64 bytes apart
 *   (the same index terms, constants 16 elements apart), with no load,
 *   atomic or barrier between them, are one DMA of 2–3 rows: at the run's
 *   last store the values go to the QPU's run rows 24 + 3 qpu_num … (rows
 *   24–59, which nothing else uses), then one multi-row DMA and its wait.
 */
import type { Block, Instr, Value } from '../../ir/types.ts';
import { elemSize, isPtr } from '../../ir/types.ts';
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

/** Bytes of scratch each QPU's kernel may need: the sink for inactive lanes' loads and stores. */
export const SCRATCH_SINK_BYTES = 64;

/** Address inactive lanes use (the launch's scratch area). */
export function sink(c: Ctx): VReg {
  return uniformReg(c, { kind: 'scratch' });
}

/** `vw_setup` for QPU writes to this QPU's VPM row: horizontal, 32-bit, stride 1, ADDR = row [ARG Table 32]. */
function vpmWriteSetup(c: Ctx): VReg {
  return entryReg(c, 'vpmw', (cc, d) => alu(cc, 'or', d, QPU_NUM, k32(cc, 0x1a00)));
}

/** VDW setup [ARG Table 34]: UNITS 1, DEPTH `depth`, horizontal, VPMBASE {Y = row, X = 0}, MODEW. */
function dmaSetup(c: Ctx, depth: number, modew: number): VReg {
  const base = ((2 << 30) | (1 << 23) | (depth << 16) | (1 << 14) | modew) >>> 0;
  return entryReg(c, `dma${depth}.${modew}`, (cc, d) => alu(cc, 'or', d, op(cc, 'shl', QPU_NUM, simm(7)), k32(cc, base)));
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
  return ins.attrs?.access === 'contiguous' ? 1 : 0;
}

function load(c: Ctx, ins: Instr, d: VReg): void {
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

/** VDW setup for a strided row: UNITS 16 memory rows of DEPTH 1, vertical (memory row l = VPM column l of this QPU's row), 32-bit. */
function dmaColumnsSetup(c: Ctx): VReg {
  const base = ((2 << 30) | (16 << 23) | (1 << 16)) >>> 0;
  return entryReg(c, 'dmacols', (cc, d) => alu(cc, 'or', d, op(cc, 'shl', QPU_NUM, simm(7)), k32(cc, base)));
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
  // Lane 0's difference wraps around (lane 0 − lane 15): leave it out; S − 4 must fit the 16-bit VDW stride field
  // (notes §3.2) as an unsigned number, so (S − 4) >> 16 is 0.
  flags(c, 'or', elemReg(c));
  const off = override(c, op(c, 'xor', diff, step), 'zs', simm(0));
  const bad = op(c, 'or', off, op(c, 'shr', gap, simm(16)));
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

/** Most stores one DMA of a store run carries (3 rows per QPU: rows 24 … 59 for 12 QPUs). */
export const RUN_ROWS = 3;
/** First VPM row of the store runs' rows. */
const RUN_ROW0 = 24;

/** An index as constant + Σ terms (SSA values), through `add`s and constants; undefined past a few levels. */
function linearIndex(defs: ReadonlyMap<number, Instr>, v: Value, depth = 0): { k: number; terms: number[] } | undefined {
  const d = defs.get(v.id);
  if (d?.op === 'const') return { k: Number(d.attrs?.['value']) | 0, terms: [] };
  if (d?.op === 'add' && depth < 4 && d.args.length === 2) {
    const a = linearIndex(defs, d.args[0] as Value, depth + 1);
    const b = linearIndex(defs, d.args[1] as Value, depth + 1);
    if (a && b) return { k: (a.k + b.k) | 0, terms: [...a.terms, ...b.terms] };
  }
  return { k: 0, terms: [v.id] };
}

/** A run-eligible store: unmasked, 32-bit, lane-contiguous, its address `gep base, index`. */
function runKey(defs: ReadonlyMap<number, Instr>, ins: Instr): { base: number; k: number; terms: string } | undefined {
  const [pv, , mv] = ins.args;
  if (!pv || mv || ins.attrs?.access !== 'contiguous' || !isPtr(pv.type) || elemSize(pv.type.ptr) !== 4) return undefined;
  const g = defs.get(pv.id);
  if (g?.op !== 'gep' || g.args.length !== 2) return undefined;
  const lin = linearIndex(defs, g.args[1] as Value);
  if (!lin) return undefined;
  return { base: (g.args[0] as Value).id, k: lin.k, terms: [...lin.terms].sort((x, y) => x - y).join(',') };
}

/**
 * The store runs of block `b` (see the file comment), with `earlier` the definitions of the blocks before it: each run's stores in order, keyed by every member. Only
 * pure ops (no load, store outside the run, atomic, barrier or call) may sit between a run's stores.
 */
export function storeRuns(b: Block, earlier: ReadonlyMap<number, Instr>): Map<Instr, Instr[]> {
  // Definitions of earlier blocks (hoisted constants among them) and of this one.
  const defs = new Map<number, Instr>(earlier);
  for (const i of b.instrs) if (i.result) defs.set(i.result.id, i);
  const out = new Map<Instr, Instr[]>();
  let run: Instr[] = [];
  let last: { base: number; k: number; terms: string } | undefined;
  const close = () => {
    if (run.length >= 2) for (const i of run) out.set(i, run);
    run = [];
    last = undefined;
  };
  for (const i of b.instrs) {
    if (i.op === 'store') {
      const key = runKey(defs, i);
      const follows = key && last && key.base === last.base && key.terms === last.terms && key.k === last.k + 16 && run.length < RUN_ROWS;
      if (!follows) close();
      if (key) {
        run.push(i);
        last = key;
      }
      continue;
    }
    if (i.op === 'load' || i.op === 'barrier' || i.op.startsWith('atomic')) close();
  }
  close();
  return out;
}

/** Store run `run` at its last member: its values into this QPU's run rows, one DMA of run.length rows, the wait. */
function storeRun(c: Ctx, run: Instr[]): void {
  const rows = run.length;
  const setup = entryReg(c, 'vpmw-run', (cc, d) => {
    const three = op(cc, 'add', op(cc, 'shl', QPU_NUM, simm(1)), QPU_NUM);
    alu(cc, 'add', d, three, k32(cc, 0x1a00 + RUN_ROW0));
  });
  mov(c, VW_SETUP, setup);
  for (const i of run) mov(c, VPM, src(c, i.args[1] as Value));
  const base = ((2 << 30) | (rows << 23) | (16 << 16) | (1 << 14) | (RUN_ROW0 << 7)) >>> 0;
  const dma = entryReg(c, `dma-run${rows}`, (cc, d) => {
    const three = op(cc, 'add', op(cc, 'shl', QPU_NUM, simm(1)), QPU_NUM);
    alu(cc, 'add', d, op(cc, 'shl', three, simm(7)), k32(cc, base));
  });
  mov(c, VW_SETUP, dma);
  mov(c, VW_SETUP, k32(c, (3 << 30) >>> 0)); // VDW stride 0: the rows are consecutive in memory
  mov(c, VW_ADDR, src(c, run[0]?.args[0] as Value));
  mov(c, { k: 'io', addr: IO.NOP }, VW_WAIT);
}

/** A store: see the file comment. `runs` are the block's {@link storeRuns}. */
export function selectStore(c: Ctx, ins: Instr, runs?: ReadonlyMap<Instr, Instr[]>): void {
  const run = runs?.get(ins);
  if (run) {
    if (run[run.length - 1] === ins) storeRun(c, run);
    return;
  }
  const [pv, vv, mv] = ins.args;
  if (!pv || !vv) throw new BackendError('store: missing operands', c.loc);
  const elem = elemOf(c, ins);
  const size = elemSize(elem as Parameters<typeof elemSize>[0]);
  const p = src(c, pv);
  const v = src(c, vv);
  const modew = size === 4 ? 0 : size === 2 ? 2 : 4;
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
