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
 * Votes and reductions arrive as rotate trees (compiler/passes/expand-lanes.ts).
 */
import type { Block, Instr, Value } from '../../ir/types.ts';
import { MAGIC } from '../../isa/v3d/instr.ts';
import type { MFunction, MInstr, MSrc, VReg } from './mir.ts';
import { acc, defOf, imm, magic, usesOf } from './mir.ts';
import { alu, arg, constValue, emit, entryReg, inReg, k32, mov, newVReg, op, qpuIdReg, src, uniformReg, type Ctx, type OpHandlers } from './isel-ctx.ts';

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
  local_id: (c, _ins, d) => mov(c, d, entryReg(c, 'localId')),
  group_id: (c, _ins, d) => mov(c, d, entryReg(c, 'groupId')),
  num_groups: (c, ins, d) => mov(c, d, uniformReg(c, { kind: 'numGroups', dim: Number(ins.attrs?.['dim'] ?? 0) })),
  // This workgroup's region of the launch's shared memory (runtime: sharedBytes per workgroup, by workgroup index):
  // base + workgroup × sharedBytes + offset. The product fits umul24: workgroups < 2^16, sharedBytes <= 16 KiB.
  shared_ptr: (c, ins, d) => {
    const bytes = c.fn.sharedBytes ?? 0;
    const offset = Number(ins.attrs?.['offset'] ?? 0);
    const region = op(c, 'add', uniformReg(c, { kind: 'sharedBase' }), op(c, 'umul24', entryReg(c, 'groupId'), k32(c, bytes)));
    if (offset === 0) mov(c, d, region);
    else alu(c, 'add', 'add', d, [region, k32(c, offset)]);
  },
  rotate: (c, ins, d) => mov(c, d, rotateBy(c, src(c, arg(c, ins, 0)), laneArg(c, arg(c, ins, 1)))),
  broadcast: (c, ins, d) => mov(c, d, broadcastLane(c, src(c, arg(c, ins, 0)), laneArg(c, arg(c, ins, 1)))),
} as const satisfies OpHandlers;

/**
 * 4.2: a rotate by a constant whose only use is a product with a lane-uniform factor goes into that product. The
 * rotate signal rotates both of the mul ALU's operands (semantics notes 2.8): r0 fully, a register-file operand
 * within quads, and a lane-uniform value is the same after either, so `fmul d, r0, w (rotate n)` is w times the
 * rotated r0 in one op where the rotate took a copy into r0, the rotating copy and the product. Selected at the
 * rotate, so the factor must be defined by then (`defined`) and in a register (the amount takes the small-immediate
 * port). Returns the fused product (its own selection is skipped), or undefined when the rotate is selected as
 * usual.
 */
export function rotateIntoProduct(c: Ctx, ins: Instr, block: Block, uses: Map<Value, number>, defined: (v: Value) => boolean): Instr | undefined {
  const r = ins.result;
  const n = constValue(c, arg(c, ins, 1));
  if (c.ver !== 42 || ins.op !== 'rotate' || !r || n === undefined || (n & 15) === 0 || uses.get(r) !== 1) return undefined;
  const user = block.instrs.find((i) => i.args.some((a) => a.id === r.id));
  if (!user || user.op !== 'fmul' || !user.result || user.args.length !== 2) return undefined;
  const [a, b] = user.args;
  const w = a?.id === r.id ? b : a;
  if (!w || w.id === r.id || !w.uniform || !defined(w)) return undefined;
  const factor = c.vals.get(w.id);
  if (!factor || (factor.kind !== 'vreg' && factor.kind !== 'rf')) return undefined;
  mov(c, acc(0), src(c, arg(c, ins, 0)));
  const d = newVReg(c);
  c.vals.set(user.result.id, d);
  emit(c, { unit: 'mul', op: 'fmul', dst: d, srcs: [acc(0), factor], rotate: imm(n & 15) });
  return user;
}

/**
 * 4.2: a select whose only use is a rotate writes r0 itself. The select is `mov d, a; mov.cond d, b` and the
 * rotate `mov r0, d; mov x, r0 (rotate)`: when the rotate's copy follows the select's two writes with nothing
 * touching r0 or d in between, and nothing else reads d, the two writes go to r0 and the copy goes (blur7 rotates
 * 14 selected values per row step, conv3 8, conv5 4 per vector).
 */
export function selectsIntoRotates(mf: MFunction): void {
  const reads = new Map<number, number>();
  const writes = new Map<number, number>();
  for (const b of mf.blocks) {
    for (const m of b.instrs) {
      for (const u of usesOf(m)) if (u.kind === 'vreg') reads.set(u.id, (reads.get(u.id) ?? 0) + 1);
      const d = defOf(m);
      if (d?.kind === 'vreg') writes.set(d.id, (writes.get(d.id) ?? 0) + 1);
    }
  }
  const isMov = (m: MInstr | undefined): m is MInstr => !!m && m.op === 'mov' && (m.unit === 'add' || m.unit === 'mul') && !m.pf && !m.uf && !m.rotate;
  for (const b of mf.blocks) {
    const ins = b.instrs;
    for (let j = 2; j + 1 < ins.length; j++) {
      const copy = ins[j];
      const rot = ins[j + 1];
      if (!isMov(copy) || copy.cond || copy.dst?.kind !== 'acc' || copy.dst.index !== 0 || copy.dst.waddr !== undefined) continue;
      if (!rot || rot.unit !== 'mul' || !rot.rotate || rot.rotate.kind !== 'imm' || rot.srcs[0]?.kind !== 'acc') continue;
      const s = copy.srcs[0];
      if (s?.kind !== 'vreg') continue;
      const first = ins[j - 2];
      const second = ins[j - 1];
      if (!isMov(first) || first.cond || first.dst?.kind !== 'vreg' || first.dst.id !== s.id) continue;
      if (!isMov(second) || !second.cond || second.dst?.kind !== 'vreg' || second.dst.id !== s.id) continue;
      // d: written by the two movs, read by the conditional one (its old value) and the copy only.
      if (writes.get(s.id) !== 2 || reads.get(s.id) !== 2) continue;
      if ([first, second].some((m) => m.srcs.some((x) => x.kind === 'acc' || (x.kind === 'vreg' && x.id === s.id)))) continue;
      ins[j - 2] = { ...first, dst: acc(0) };
      ins[j - 1] = { ...second, dst: acc(0) };
      ins.splice(j, 1);
    }
  }
}

/**
 * Ops that may write a rotate's source into r0 directly: integer add-ALU arithmetic. CHOICE, measured: with the float
 * ops and min/max too, vc6 min/max f32 went 0.979 → 0.977 of the memory limit, isamax and sgemv by 0.0004.
 */
const INTO_R0 = new Set(['add', 'sub', 'and', 'or', 'xor', 'shl', 'shr', 'asr']);

/**
 * 4.2: a value that a rotate's copy into r0 takes, and that ALU ops after the rotate read, is made in r0 itself.
 * The rotate is `mov r0, d; mov q, r0 (rotate)`, and in a chain of rotate-and-add levels (`t = t + rotate(t, k)`,
 * lane sums; `t = t + (lane >= k ? rotate(t, k) : 0)`, a conditional op `mov d, x; add.ifa d, x, y`, lane scans) d
 * is also the next level's operand. When d is written by one plain integer op (or a move and a conditional integer
 * op), read by the copy and by ALU ops after the rotate, and nothing else between its write and its last read names
 * r0, rotates, switches threads or branches, those ops write r0 (a move from r0 goes), the copy goes and the readers
 * read r0: one instruction fewer per level (the rotate still waits an instruction after r0's write, rule 21).
 */
export function valuesIntoRotates(mf: MFunction): void {
  const reads = new Map<number, number>();
  const writes = new Map<number, number>();
  for (const b of mf.blocks) {
    for (const m of b.instrs) {
      for (const s of m.srcs) if (s.kind === 'vreg') reads.set(s.id, (reads.get(s.id) ?? 0) + 1);
      const d = defOf(m);
      if (d?.kind === 'vreg') writes.set(d.id, (writes.get(d.id) ?? 0) + 1);
    }
  }
  const namesR0 = (m: MInstr): boolean => [...m.srcs, m.dst, m.rotate].some((x) => x?.kind === 'acc' && x.index === 0);
  const plainAlu = (m: MInstr): boolean => (m.unit === 'add' || m.unit === 'mul') && !m.rotate && !m.uf && !m.branch;
  const isV = (x: MSrc | undefined, id: number): boolean => x?.kind === 'vreg' && x.id === id;
  for (const b of mf.blocks) {
    const ins = b.instrs;
    for (let j = 1; j + 2 < ins.length; j++) {
      const copy = ins[j] as MInstr;
      const rot = ins[j + 1] as MInstr;
      if (copy.op !== 'mov' || !plainAlu(copy) || copy.cond || copy.pf) continue;
      if (copy.dst?.kind !== 'acc' || copy.dst.index !== 0 || copy.dst.waddr !== undefined) continue;
      if (rot.unit !== 'mul' || !rot.rotate || rot.srcs[0]?.kind !== 'acc' || rot.srcs[0].index !== 0) continue;
      const s = copy.srcs[0];
      if (s?.kind !== 'vreg') continue;
      const id = s.id;
      const nw = writes.get(id) ?? 0;
      if (nw !== 1 && nw !== 2) continue;
      // Its writes, earlier in the block: one plain integer op, or a move and a conditional integer op.
      const ws: number[] = [];
      for (let k = j - 1; k >= 0 && ws.length < nw; k--) if (isV(defOf(ins[k] as MInstr), id)) ws.unshift(k);
      if (ws.length !== nw) continue;
      const last = ins[ws[nw - 1] as number] as MInstr;
      if (!plainAlu(last) || !INTO_R0.has(last.op) || last.srcs.some((x) => isV(x, id))) continue;
      if (nw === 1 && last.cond) continue;
      const first = ins[ws[0] as number] as MInstr;
      if (nw === 2 && (!last.cond || first.op !== 'mov' || !plainAlu(first) || first.cond || first.pf)) continue;
      // Nothing else naming r0 (or a signal, a rotate) from its first write to the copy.
      let clear = true;
      for (let k = (ws[0] as number) + 1; k < j && clear; k++) {
        const m = ins[k] as MInstr;
        if (ws.includes(k)) continue;
        if (namesR0(m) || m.unit === 'sig' || m.rotate || m.branch) clear = false;
      }
      if (!clear) continue;
      // Its readers after the rotate (every read but the copy), nothing else naming r0 between.
      const want = (reads.get(id) ?? 0) - 1;
      const readers: number[] = [];
      let got = 0;
      for (let k = j + 2; k < ins.length && got < want; k++) {
        const m = ins[k] as MInstr;
        const n = m.srcs.filter((x) => isV(x, id)).length;
        if (n > 0) {
          if (!plainAlu(m) || m.dst?.kind === 'magic' || (m.dst?.kind === 'acc' && m.dst.index === 0) || namesR0(m)) break;
          readers.push(k);
          got += n;
        } else if (namesR0(m) || m.unit === 'sig' || m.rotate || m.branch) break;
      }
      if (got !== want || readers.length === 0) continue;
      for (const k of readers) {
        const m = ins[k] as MInstr;
        ins[k] = { ...m, srcs: m.srcs.map((x) => (isV(x, id) ? acc(0) : x)) };
      }
      for (const k of ws) ins[k] = { ...(ins[k] as MInstr), dst: acc(0) };
      ins.splice(j, 1);
      // A move from r0 into r0 (the chain's previous level already there) goes.
      const f = ins[ws[0] as number] as MInstr;
      if (nw === 2 && f.srcs[0]?.kind === 'acc' && f.srcs[0].index === 0 && f.srcs[0].waddr === undefined) ins.splice(ws[0] as number, 1);
      j = Math.max(0, (ws[0] as number) - 1);
    }
  }
}
