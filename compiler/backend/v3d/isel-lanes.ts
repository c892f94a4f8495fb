/**
 * SPMD intrinsics for V3D: ids, lane exchange, reductions as values, and
 * barriers.
 *
 * Lane exchange (semantics notes 2.8):
 * - 4.2: the `rotate` signal on a mul-ALU op reading an accumulator gives a
 *   full 16-lane rotate (from the register file only a quad rotate), so the
 *   value goes through r0; the amount is a small immediate or r5; neither
 *   may be written by the previous instruction (rule 21, kept by the
 *   scheduler). A write to r5rep (waddr 55) broadcasts lane 0.
 * - 7.1: `rot` (opposite direction to 4.2), `shuffle` (per-lane source lane).
 * Reductions are log-step trees of rotates (every lane ends with the
 * result), except f32 `reduceAdd`, which the language defines as the sum in
 * lane order: a chain of 16 additions into lane 0, then a broadcast.
 */
import type { Instr, Value } from '../../ir/types.ts';
import { MAGIC } from '../../isa/v3d/instr.ts';
import type { MSrc, VReg } from './mir.ts';
import { acc, imm, magic } from './mir.ts';
import { minMax } from './isel-float.ts';
import { alu, arg, constValue, emit, inReg, k32, mov, newVReg, op, override, pushZeroTest, qpuIdReg, src, uniformReg, type Ctx, type OpHandler, type OpHandlers } from './isel-ctx.ts';

/** Lane l of the result holds lane (l - n) mod 16 of v; n is a constant or a uniform register. */
export function rotateBy(c: Ctx, v: MSrc, n: number | MSrc): VReg {
  const d = newVReg(c);
  if (typeof n === 'number') {
    const k = n & 15;
    if (k === 0) {
      mov(c, d, v);
    } else if (c.ver === 71) {
      alu(c, 'add', 'rot', d, [inReg(c, v), imm((16 - k) & 15)]);
    } else {
      mov(c, acc(0), v);
      emit(c, { unit: 'mul', op: 'mov', dst: d, srcs: [acc(0)], rotate: imm(k) });
    }
    return d;
  }
  if (c.ver === 71) {
    alu(c, 'add', 'rot', d, [inReg(c, v), op(c, 'neg', n)]);
  } else {
    mov(c, acc(5), n);
    mov(c, acc(0), v);
    emit(c, { unit: 'mul', op: 'mov', dst: d, srcs: [acc(0)], rotate: acc(5) });
  }
  return d;
}

/** Every lane receives lane `lane mod 16` of v. */
function broadcastLane(c: Ctx, v: MSrc, lane: number | MSrc): VReg {
  if (c.ver === 71) {
    const d = newVReg(c);
    alu(c, 'add', 'shuffle', d, [inReg(c, v), typeof lane === 'number' ? imm(lane & 15) : lane]);
    return d;
  }
  if (typeof lane === 'number') {
    // One mul-ALU mov: the rotate signal brings lane `lane` to lane 0 as r5rep copies lane 0 to every lane of r5.
    const k = (16 - (lane & 15)) & 15;
    if (k === 0) mov(c, acc(5, MAGIC.R5REP), v);
    else {
      mov(c, acc(0), v);
      emit(c, { unit: 'mul', op: 'mov', dst: acc(5, MAGIC.R5REP), srcs: [acc(0)], rotate: imm(k) });
    }
    const d = newVReg(c);
    mov(c, d, acc(5));
    return d;
  }
  // Bring lane `lane` to lane 0, then r5rep copies lane 0 to every lane of r5.
  const at0 = rotateBy(c, v, op(c, 'neg', lane));
  mov(c, acc(5, MAGIC.R5REP), at0);
  const d = newVReg(c);
  mov(c, d, acc(5));
  return d;
}

/** Combine all 16 lanes with an associative, commutative op; every lane gets the result. */
function tree(c: Ctx, x: MSrc, combine: (a: MSrc, b: MSrc) => MSrc): MSrc {
  for (const s of [8, 4, 2, 1]) x = combine(x, rotateBy(c, x, s));
  return x;
}

/**
 * A uniform value loaded under a mask holds it in the active lanes only
 * (docs/language.md: "uniform" means the same in every active lane). Every
 * lane gets it here: zero in the inactive lanes, then the or of all 16 lanes.
 * Branches on uniform values (a fused compare tests any lane) and lane reads
 * then see the active lanes' value wherever they look.
 */
export function spreadActive(c: Ctx, v: MSrc, mask: Value): MSrc {
  pushZeroTest(c, src(c, mask), mask);
  return tree(c, override(c, imm(0), 'ifna', v), (a, b) => op(c, 'or', a, b));
}

/** 0/1: whether any lane of the 0/1 value x is 1. */
function anyOf(c: Ctx, x: MSrc): MSrc {
  return tree(c, x, (a, b) => op(c, 'or', a, b));
}

/** v where the mask holds, `identity` elsewhere. */
function masked(c: Ctx, ins: Instr, v: MSrc, identity: MSrc): MSrc {
  const m = ins.args[1];
  if (!m) return v;
  pushZeroTest(c, src(c, m), m);
  return override(c, identity, 'ifna', v);
}

function anyAll(c: Ctx, ins: Instr, d: VReg): void {
  const v = src(c, arg(c, ins, 0));
  const m = ins.args[1];
  if (ins.op === 'any') {
    mov(c, d, anyOf(c, m ? op(c, 'and', v, src(c, m)) : v));
  } else {
    // all(v over m) = all lanes of (v or not m)
    const x = m ? op(c, 'or', v, op(c, 'xor', src(c, m), imm(1))) : v;
    mov(c, d, tree(c, x, (a, b) => op(c, 'and', a, b)));
  }
}

const F32_INF = 0x7f800000;
const F32_NEG_INF = 0xff800000;

function reduce(c: Ctx, ins: Instr, d: VReg): void {
  const v = src(c, arg(c, ins, 0));
  const t = arg(c, ins, 0).type;
  let res: MSrc;
  if (ins.op === 'reduce_add' && t === 'f32') {
    // Lane order: lane 0 accumulates +0 + w0 + w1 + … (inactive lanes add -0, which changes nothing).
    const w = masked(c, ins, v, k32(c, 0x80000000));
    let s: MSrc = op(c, 'fadd', imm(0), w);
    for (let k = 1; k < 16; k++) s = op(c, 'fadd', s, rotateBy(c, w, 16 - k));
    res = broadcastLane(c, s, 0);
  } else if (ins.op === 'reduce_add') {
    res = tree(c, masked(c, ins, v, imm(0)), (a, b) => op(c, 'add', a, b));
  } else {
    const isMin = ins.op === 'reduce_min';
    const identity = t === 'f32' ? (isMin ? F32_INF : F32_NEG_INF) : t === 'i32' ? (isMin ? 0x7fffffff : 0x80000000) : isMin ? 0xffffffff : 0;
    const hw = t === 'f32' ? '' : t === 'i32' ? (isMin ? 'min' : 'max') : isMin ? 'umin' : 'umax';
    const combine = (a: MSrc, b: MSrc): MSrc => (t === 'f32' ? minMax(c, isMin ? 'fmin' : 'fmax', a, b) : op(c, hw, a, b));
    res = tree(c, masked(c, ins, v, k32(c, identity)), combine);
    const m = ins.args[1];
    if (m) {
      // Min/Max of no lanes is 0.
      pushZeroTest(c, anyOf(c, src(c, m)));
      res = override(c, res, 'ifa', imm(0));
    }
  }
  mov(c, d, res);
}

function laneArg(c: Ctx, n: Value): number | MSrc {
  const k = constValue(c, n);
  return k !== undefined ? k : inReg(c, src(c, n));
}

/** Barrier (notes 2.6): pending stores are drained first (no TMU work may be outstanding at a TSY wait). */
export function selectBarrier(c: Ctx): void {
  if (c.kernelStores) emit(c, { unit: 'add', op: 'tmuwt', dst: magic(MAGIC.NOP), srcs: [] });
  emit(c, { unit: 'sync', op: 'barrier', srcs: [] });
  c.flagsFrom = undefined; // flags do not survive a thread switch (notes 2.1)
  c.storesPending = false;
}

/** SPMD intrinsic handlers. */
export const LANE_OPS = {
  lane_id: (c, _ins, d) => emit(c, { unit: 'add', op: 'eidx', dst: d, srcs: [] }),
  qpu_id: (c, _ins, d) => mov(c, d, qpuIdReg(c)),
  global_id: (c, _ins, d) => {
    const e = newVReg(c);
    emit(c, { unit: 'add', op: 'eidx', dst: e, srcs: [] });
    alu(c, 'add', 'add', d, [op(c, 'shl', qpuIdReg(c), imm(4)), e]);
  },
  num_qpus: (c, _ins, d) => mov(c, d, uniformReg(c, { kind: 'numQpus' })),
  global_count: (c, _ins, d) => mov(c, d, uniformReg(c, { kind: 'globalCount' })),
  rotate: (c, ins, d) => mov(c, d, rotateBy(c, src(c, arg(c, ins, 0)), laneArg(c, arg(c, ins, 1)))),
  broadcast: (c, ins, d) => mov(c, d, broadcastLane(c, src(c, arg(c, ins, 0)), laneArg(c, arg(c, ins, 1)))),
  any: anyAll,
  all: anyAll,
  reduce_add: reduce,
  reduce_min: reduce,
  reduce_max: reduce,
} as const satisfies OpHandlers;
