/**
 * SPMD intrinsics for VC4: ids, lane exchange, reductions as values, and
 * barriers.
 *
 * - Ids: the launcher gives every QPU its own uniform stream (execute_qpu
 *   style), so `qpuId` is a uniform word; `laneId` is `elem_num`.
 * - Rotation (notes §1.13): the mul ALU rotates its result when both inputs
 *   are accumulators (from a register file it only rotates within quads), so
 *   the value goes through r0; the amount is the small-immediate field
 *   (1–15) or r5 element 0 for a register amount, written through `r5rep`.
 *   Output lane i = input lane (i − n) mod 16, the language's direction.
 *   emit.ts keeps r0/r5 unwritten by the instruction before the rotation.
 * - Broadcast: rotate the lane to element 0, write `r5rep` (element 0 to all).
 * - Reductions: log-step trees of rotates; f32 `reduceAdd` is the sum in lane
 *   order (the language fixes it), a chain of 16 additions, then a broadcast.
 * - `barrier()`: semaphores (16 global 4-bit counters, notes §7). QPU 0
 *   acquires semaphore 0 once per other QPU, then releases semaphore 1 as
 *   often; every other QPU releases 0 and acquires 1. All counts return to
 *   0. Stores have already waited for their DMA, so memory is written.
 */
import type { Instr, Value } from '../../ir/types.ts';
import type { Src, VReg } from './mir.ts';
import { acc } from './mir.ts';
import {
  alu, arg, branch, constValue, elemReg, emit, IO, k32, mov, newBlockId, newVReg, op, override, qpuIdReg, src,
  startBlock, uniformReg, zeroTest, type Ctx, type OpHandler,
} from './isel-ctx.ts';
import { faddRne, minMax } from './isel-float.ts';
import { simm } from './isel-int.ts';

const R5REP = { k: 'io', file: 'B', addr: IO.R5 } as const;

/** Lane l of the result holds lane (l − n) mod 16 of v; n is a constant or a uniform register. */
export function rotateBy(c: Ctx, v: Src, n: number | Src): VReg {
  const d = newVReg(c);
  if (typeof n === 'number') {
    const k = n & 15;
    if (k === 0) {
      mov(c, d, v);
      return d;
    }
    mov(c, acc(0), v);
    emit(c, { k: 'alu', unit: 'mul', op: 'v8min', dst: d, a: acc(0), b: acc(0), rot: k });
    return d;
  }
  mov(c, R5REP, n);
  mov(c, acc(0), v);
  emit(c, { k: 'alu', unit: 'mul', op: 'v8min', dst: d, a: acc(0), b: acc(0), rot: 0 });
  return d;
}

/** Every lane receives lane `lane mod 16` of v. */
function broadcastLane(c: Ctx, v: Src, lane: number | Src): VReg {
  const at0 = typeof lane === 'number' ? rotateBy(c, v, (16 - (lane & 15)) & 15) : rotateBy(c, v, op(c, 'sub', simm(0), lane));
  mov(c, R5REP, at0);
  const d = newVReg(c);
  mov(c, d, acc(5));
  return d;
}

/** Combine all 16 lanes with an associative, commutative op; every lane gets the result. */
function tree(c: Ctx, x: Src, combine: (a: Src, b: Src) => Src): Src {
  for (const s of [8, 4, 2, 1]) x = combine(x, rotateBy(c, x, s));
  return x;
}

/** 0/1: whether any lane of the 0/1 value x is 1. */
function anyOf(c: Ctx, x: Src): Src {
  return tree(c, x, (a, b) => op(c, 'or', a, b));
}

/** v where the mask holds, `identity` elsewhere. */
function masked(c: Ctx, ins: Instr, v: Src, identity: Src): Src {
  const m = ins.args[1];
  if (!m) return v;
  zeroTest(c, src(c, m), m);
  return override(c, v, 'zs', identity);
}

function anyAll(c: Ctx, ins: Instr, d: VReg): void {
  const v = src(c, arg(c, ins, 0));
  const m = ins.args[1];
  if (ins.op === 'any') {
    mov(c, d, anyOf(c, m ? op(c, 'and', v, src(c, m)) : v));
  } else {
    // all(v over m) = all lanes of (v or not m)
    const x = m ? op(c, 'or', v, op(c, 'xor', src(c, m), simm(1))) : v;
    mov(c, d, tree(c, x, (a, b) => op(c, 'and', a, b)));
  }
}

const F32_INF = 0x7f800000;
const F32_NEG_INF = 0xff800000;

function reduce(c: Ctx, ins: Instr, d: VReg): void {
  const v = src(c, arg(c, ins, 0));
  const t = arg(c, ins, 0).type;
  let res: Src;
  if (ins.op === 'reduce_add' && t === 'f32') {
    // Lane order: lane 0 accumulates +0 + w0 + w1 + … (inactive lanes add −0, which changes nothing).
    const w = masked(c, ins, v, k32(c, 0x80000000));
    let s: Src = faddRne(c, simm(0), w);
    for (let k = 1; k < 16; k++) s = faddRne(c, s, rotateBy(c, w, 16 - k));
    res = broadcastLane(c, s, 0);
  } else if (ins.op === 'reduce_add') {
    res = tree(c, masked(c, ins, v, simm(0)), (a, b) => op(c, 'add', a, b));
  } else {
    const isMin = ins.op === 'reduce_min';
    const identity = t === 'f32' ? (isMin ? F32_INF : F32_NEG_INF) : t === 'i32' ? (isMin ? 0x7fffffff : 0x80000000) : isMin ? 0xffffffff : 0;
    const combine = (a: Src, b: Src): Src => {
      if (t === 'f32') return minMax(c, !isMin, a, b);
      if (t === 'i32') return op(c, isMin ? 'min' : 'max', a, b);
      // u32: sub sets C where a < b (unsigned).
      alu(c, 'sub', { k: 'io', addr: IO.NOP }, a, b, { sf: true });
      return override(c, isMin ? b : a, 'cs', isMin ? a : b);
    };
    res = tree(c, masked(c, ins, v, k32(c, identity)), combine);
    const m = ins.args[1];
    if (m) {
      // Min/Max of no lanes is 0.
      zeroTest(c, anyOf(c, src(c, m)));
      res = override(c, res, 'zs', simm(0));
    }
  }
  mov(c, d, res);
}

function laneArg(c: Ctx, n: Value): number | Src {
  const k = constValue(c, n);
  return k !== undefined ? k : src(c, n);
}

/** Barrier across the launched QPUs (see the file comment). */
export function selectBarrier(c: Ctx): void {
  const others = op(c, 'sub', uniformReg(c, { kind: 'numQpus' }), simm(1));
  const master = newBlockId(c);
  const join = newBlockId(c);
  zeroTest(c, qpuIdReg(c));
  branch(c, 'allz', master);
  emit(c, { k: 'sem', acquire: false, n: 0 });
  emit(c, { k: 'sem', acquire: true, n: 1 });
  branch(c, 'always', join);
  startBlock(c, master);
  for (const [sem, acquire] of [[0, true], [1, false]] as const) {
    const cnt = newVReg(c);
    mov(c, cnt, others);
    const loop = newBlockId(c);
    const done = newBlockId(c);
    startBlock(c, loop);
    zeroTest(c, cnt);
    branch(c, 'allz', done);
    emit(c, { k: 'sem', acquire, n: sem });
    alu(c, 'sub', cnt, cnt, simm(1));
    branch(c, 'always', loop);
    startBlock(c, done);
  }
  startBlock(c, join);
}

/** SPMD intrinsic handlers. */
export const LANE_OPS: Record<string, OpHandler> = {
  lane_id: (c, _ins, d) => mov(c, d, elemReg(c)),
  qpu_id: (c, _ins, d) => mov(c, d, qpuIdReg(c)),
  global_id: (c, _ins, d) => alu(c, 'add', d, op(c, 'shl', qpuIdReg(c), simm(4)), elemReg(c)),
  num_qpus: (c, _ins, d) => mov(c, d, uniformReg(c, { kind: 'numQpus' })),
  global_count: (c, _ins, d) => mov(c, d, uniformReg(c, { kind: 'globalCount' })),
  rotate: (c, ins, d) => mov(c, d, rotateBy(c, src(c, arg(c, ins, 0)), laneArg(c, arg(c, ins, 1)))),
  broadcast: (c, ins, d) => mov(c, d, broadcastLane(c, src(c, arg(c, ins, 0)), laneArg(c, arg(c, ins, 1)))),
  any: anyAll,
  all: anyAll,
  reduce_add: reduce,
  reduce_min: reduce,
  reduce_max: reduce,
};
