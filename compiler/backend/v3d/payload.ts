/**
 * Ids from the CSD payload registers (shared/docs/v3d-semantics-notes.md 1,
 * Payload), shared by the entry prologue (isel.ts) and the spill prologue
 * (spill.ts).
 */
import type { V3dVersion } from '../../isa/v3d/instr.ts';
import type { MInstr, VReg } from './mir.ts';
import { imm, rf } from './mir.ts';

/** B = log2(next_pow2(max(size, 64))): the width of the local-index field at the top of rf2. */
export function localIndexBits(size: number): number {
  let bits = 6;
  while (1 << bits < size) bits++;
  return bits;
}

/**
 * The entry's payload-derived ids (semantics notes 1, Payload): the workgroup
 * index is workgroup X (rf0 on 4.2, rf3 on 7.1, bits 15:0; the runtime
 * dispatches workgroups as one row), the local index is rf2 >> (32 − B) with
 * B = log2(next_pow2(max(size, 64))), and the batch index is workgroup ×
 * (size / 16) + local >> 4 — workgroup X itself for 16-lane workgroups.
 * Spilling's prologue (spill.ts) computes the batch index the same way.
 */
export function payloadIds(ver: V3dVersion, size: number, want: { qpuId?: VReg | undefined; groupId?: VReg | undefined; localId?: VReg | undefined }, fresh: () => VReg): MInstr[] {
  const out: MInstr[] = [];
  const perGroup = size / 16;
  const needGroup = want.groupId ?? want.qpuId;
  if (needGroup) {
    const g = perGroup === 1 && want.qpuId ? want.qpuId : (want.groupId ?? fresh());
    const t = fresh();
    out.push({ unit: 'add', op: 'shl', dst: t, srcs: [rf(ver === 42 ? 0 : 3), imm(-16)] });
    out.push({ unit: 'add', op: 'shr', dst: g, srcs: [t, imm(-16)] });
    if (want.groupId && want.groupId !== g) out.push({ unit: 'add', op: 'mov', dst: want.groupId, srcs: [g] });
    if (want.qpuId && want.qpuId !== g) {
      // perGroup > 1: workgroup × perGroup + (local >> 4); local = rf2 >> (32 − B), so local >> 4 = rf2 >> (36 − B).
      const bits = localIndexBits(size);
      const hi = fresh();
      const scaled = fresh();
      out.push({ unit: 'add', op: 'shr', dst: hi, srcs: [rf(2), imm(4 - bits)] });
      if ((perGroup & (perGroup - 1)) === 0) out.push({ unit: 'add', op: 'shl', dst: scaled, srcs: [g, imm(Math.log2(perGroup))] });
      else out.push({ unit: 'mul', op: 'umul24', dst: scaled, srcs: [g, imm(perGroup)] });
      out.push({ unit: 'add', op: 'add', dst: want.qpuId, srcs: [scaled, hi] });
    }
  }
  if (want.localId) {
    out.push({ unit: 'add', op: 'shr', dst: want.localId, srcs: [rf(2), imm(-localIndexBits(size))] });
  }
  return out;
}
