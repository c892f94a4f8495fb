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
 * - Votes and reductions arrive as rotate trees (compiler/passes/expand-lanes.ts).
 * - `barrier()`: semaphores (16 global 4-bit counters, notes §7). QPU 0
 *   acquires semaphore 0 once per other QPU, then releases semaphore 1 as
 *   often; every other QPU releases 0 and acquires 1. All counts return to
 *   0. Stores have already waited for their DMA, so memory is written.
 */
import type { Value } from '../../ir/types.ts';
import type { Src, VReg } from './mir.ts';
import { acc } from './mir.ts';
import {
  alu, arg, branch, constValue, elemReg, emit, IO, k32, mov, newBlockId, newVReg, op, qpuIdReg, src,
  startBlock, uniformReg, zeroTest, type Ctx, type OpHandler,
} from './isel-ctx.ts';
import { simm } from './isel-int.ts';
import { workgroupSizeOf } from '../../ir/types.ts';

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
export function broadcastLane(c: Ctx, v: Src, lane: number | Src): VReg {
  const k = typeof lane === 'number' ? (16 - (lane & 15)) & 15 : undefined;
  if (k !== undefined && k !== 0) {
    // A constant lane: the rotation writes r5rep itself (its element 0 goes to every element of r5).
    mov(c, acc(0), v);
    emit(c, { k: 'alu', unit: 'mul', op: 'v8min', dst: R5REP, a: acc(0), b: acc(0), rot: k });
  } else {
    const at0 = k === 0 ? v : rotateBy(c, v, op(c, 'sub', simm(0), lane as Src));
    mov(c, R5REP, at0);
  }
  const d = newVReg(c);
  mov(c, d, acc(5));
  return d;
}

function laneArg(c: Ctx, n: Value): number | Src {
  const k = constValue(c, n);
  return k !== undefined ? k : src(c, n);
}

/**
 * Barrier across the launched QPUs (see the file comment), or with
 * `workgroup` across the QPUs of one workgroup: the launcher then starts one
 * workgroup per job (runtime/launchers/vc4.ts), its first batch is the master
 * and the others are workgroupSize / 16 − 1.
 */
export function selectBarrier(c: Ctx, workgroup = false): void {
  if (workgroup) {
    selectWorkgroupBarrier(c);
    return;
  }
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

/**
 * Workgroup barrier: the workgroup's batches are one job (the launcher starts
 * one workgroup per job), batch 0 the master. Arrivals count up semaphore 0
 * as in `barrier()`, but the master then releases each other batch i on its
 * own semaphore i (1…batches − 1, at most 11 of the 16): a barrier in a loop
 * runs again and again, and with one shared release semaphore a batch that
 * left early could take a release meant for a slower one at the next
 * barrier. The batch count is the constant workgroupSize / 16.
 */
function selectWorkgroupBarrier(c: Ctx): void {
  const others = workgroupSizeOf(c.fn) / 16 - 1;
  if (others === 0) return;
  const local = uniformReg(c, { kind: 'localBase' });
  const master = newBlockId(c);
  const join = newBlockId(c);
  const mine = Array.from({ length: others }, () => newBlockId(c));
  zeroTest(c, local);
  branch(c, 'allz', master);
  emit(c, { k: 'sem', acquire: false, n: 0 });
  mine.forEach((b, i) => {
    zeroTest(c, op(c, 'sub', local, k32(c, 16 * (i + 1))));
    branch(c, 'allz', b);
  });
  branch(c, 'always', join);
  mine.forEach((b, i) => {
    startBlock(c, b);
    emit(c, { k: 'sem', acquire: true, n: i + 1 });
    branch(c, 'always', join);
  });
  startBlock(c, master);
  for (let i = 0; i < others; i++) emit(c, { k: 'sem', acquire: true, n: 0 });
  for (let i = 0; i < others; i++) emit(c, { k: 'sem', acquire: false, n: i + 1 });
  startBlock(c, join);
}

/** SPMD intrinsic handlers. */
export const LANE_OPS: Record<string, OpHandler> = {
  lane_id: (c, _ins, d) => mov(c, d, elemReg(c)),
  qpu_id: (c, _ins, d) => mov(c, d, qpuIdReg(c)),
  global_id: (c, _ins, d) => alu(c, 'add', d, op(c, 'shl', qpuIdReg(c), simm(4)), elemReg(c)),
  num_qpus: (c, _ins, d) => mov(c, d, uniformReg(c, { kind: 'numQpus' })),
  global_count: (c, _ins, d) => mov(c, d, uniformReg(c, { kind: 'globalCount' })),
  // Workgroup ids come in each QPU's own uniform stream (runtime/launchers/uniforms.ts).
  local_id: (c, _ins, d) => alu(c, 'add', d, uniformReg(c, { kind: 'localBase' }), elemReg(c)),
  group_id: (c, _ins, d) => mov(c, d, uniformReg(c, { kind: 'groupId' })),
  num_groups: (c, ins, d) => mov(c, d, uniformReg(c, { kind: 'numGroups', dim: Number(ins.attrs?.['dim'] ?? 0) })),
  // This workgroup's shared region: base + workgroup × sharedBytes + offset (mul24: workgroups < 2^16, bytes <= 16 KiB).
  shared_ptr: (c, ins, d) => {
    const offset = Number(ins.attrs?.['offset'] ?? 0);
    const region = op(c, 'add', uniformReg(c, { kind: 'sharedBase' }), op(c, 'mul24', uniformReg(c, { kind: 'groupId' }), k32(c, c.fn.sharedBytes ?? 0)));
    if (offset === 0) mov(c, d, region);
    else alu(c, 'add', d, region, k32(c, offset));
  },
  rotate: (c, ins, d) => mov(c, d, rotateBy(c, src(c, arg(c, ins, 0)), laneArg(c, arg(c, ins, 1)))),
  broadcast: (c, ins, d) => mov(c, d, broadcastLane(c, src(c, arg(c, ins, 0)), laneArg(c, arg(c, ins, 1)))),
};
