/**
 * Spilling for V3D: when graph colouring finds more live values than the 64
 * registers of a thread, chosen virtual registers live in memory instead.
 *
 * Each batch (one thread) owns SPILL_BYTES_PER_BATCH bytes of a scratch
 * buffer that the runtime allocates per launch; its address arrives in the
 * uniform stream (slot kind 'scratch'). Slot s of lane l of batch q lives at
 * scratch + q * SPILL_BYTES_PER_BATCH + s * 64 + l * 4, so a spill access is
 * an ordinary per-lane 32-bit TMU lookup.
 *
 * Reloads are inserted before the whole TMU sequence (tmuc/tmud/tmua) of the
 * instruction that needs them, in instruction-selection order (before the
 * list scheduler hoists loads): a reload between another lookup's `tmua` and
 * its `ldtmu` would take that lookup's data from the FIFO.
 */
import { MAGIC } from '../../isa/v3d/instr.ts';
import type { MBlock, MDst, MFunction, MInstr, MSrc, VReg } from './mir.ts';
import { imm, magic, rf, vreg } from './mir.ts';

/** Bytes of scratch per batch when a kernel spills: 64 slots of 16 lanes x 4 bytes. */
export const SPILL_BYTES_PER_BATCH = 4096;
/** Spill slots available per batch. */
export const MAX_SPILL_SLOTS = SPILL_BYTES_PER_BATCH / 64;

const TMU_WRITES = new Set<number>([MAGIC.TMUD, MAGIC.TMUA, MAGIC.TMUC]);
const isTmuWrite = (m: MInstr): boolean => m.dst?.kind === 'magic' && TMU_WRITES.has(m.dst.addr);

/** Result of rewriting a function's blocks for a set of spilled registers. */
export interface SpillRewrite {
  blocks: MBlock[];
  /** Registers created by the spill code (never spill candidates themselves). */
  temps: Set<string>;
}

/**
 * Copy `blocks` with every register in `spilled` (keys 'v12') kept in memory.
 * `blocks[0]` is the entry prologue; `mf.nextVReg` grows.
 */
export function rewriteSpills(mf: MFunction, blocks: MBlock[], spilled: string[], ver: 42 | 71): SpillRewrite {
  const temps = new Set<string>();
  if (spilled.length === 0) return { blocks: blocks.map((b) => ({ id: b.id, instrs: [...b.instrs] })), temps };
  if (spilled.length > MAX_SPILL_SLOTS) throw new RangeError(`more than ${MAX_SPILL_SLOTS} spill slots needed`);
  const fresh = (): VReg => {
    const r = vreg(mf.nextVReg++);
    temps.add(`v${r.id}`);
    return r;
  };
  const slotOf = new Map(spilled.map((k, s) => [k, s]));
  const base = fresh();

  // Prologue: this lane's spill base from the payload's workgroup X (rf0 on 4.2, rf3 on 7.1), eidx and the scratch uniform.
  const pro = blocks[0] as MBlock;
  const payload = rf(ver === 42 ? 0 : 3);
  const t = fresh();
  const q = fresh();
  const scratch = fresh();
  const qOff = fresh();
  const lane = fresh();
  const lane4 = fresh();
  const sum = fresh();
  // The scratch address is the first uniform word (the caller puts its slot first), so it is read before any other.
  const head: MInstr[] = [
    { unit: 'add', op: 'shl', dst: t, srcs: [payload, imm(-16)] },
    { unit: 'add', op: 'shr', dst: q, srcs: [t, imm(-16)] },
    { unit: 'sig', op: 'ldunifrf', dst: scratch, srcs: [] },
    { unit: 'add', op: 'shl', dst: qOff, srcs: [q, imm(12)] }, // q * SPILL_BYTES_PER_BATCH
    { unit: 'add', op: 'eidx', dst: lane, srcs: [] },
    { unit: 'add', op: 'shl', dst: lane4, srcs: [lane, imm(2)] },
    { unit: 'add', op: 'add', dst: sum, srcs: [scratch, qOff] },
    { unit: 'add', op: 'add', dst: base, srcs: [sum, lane4] },
  ];
  const out: MBlock[] = [];

  const slotAddress = (s: number, into: MInstr[]): MSrc => {
    if (s === 0) return base;
    const lo = fresh();
    const off = fresh();
    into.push({ unit: 'add', op: 'mov', dst: lo, srcs: [imm(s & 15)] });
    into.push({ unit: 'add', op: 'shl', dst: off, srcs: [lo, imm(6)] });
    let total: VReg = off;
    if (s >= 16) {
      const hi = fresh();
      const hiOff = fresh();
      total = fresh();
      into.push({ unit: 'add', op: 'mov', dst: hi, srcs: [imm(s >> 4)] });
      into.push({ unit: 'add', op: 'shl', dst: hiOff, srcs: [hi, imm(10)] });
      into.push({ unit: 'add', op: 'add', dst: total, srcs: [off, hiOff] });
    }
    const a = fresh();
    into.push({ unit: 'add', op: 'add', dst: a, srcs: [base, total] });
    return a;
  };
  const keyOf = (r: MSrc | MDst | undefined): string | undefined => (r?.kind === 'vreg' ? `v${r.id}` : undefined);

  const rewrite = (instrs: MInstr[]): MInstr[] => {
    const res: MInstr[] = [];
    /** Index in `res` where the current run of TMU writes started (reloads go there). */
    let tmuRunStart = -1;
    for (const m0 of instrs) {
      const m: MInstr = { ...m0, srcs: [...m0.srcs] };
      if (isTmuWrite(m)) {
        if (tmuRunStart < 0) tmuRunStart = res.length;
      } else tmuRunStart = -1;
      const reload: MInstr[] = [];
      const after: MInstr[] = [];
      const readKeys = new Set<string>();
      m.srcs.forEach((s) => {
        const k = keyOf(s);
        if (k && slotOf.has(k)) readKeys.add(k);
      });
      const dk = keyOf(m.dst);
      if (m.cond && dk && slotOf.has(dk)) readKeys.add(dk);
      const tempFor = new Map<string, VReg>();
      for (const k of readKeys) {
        const r = fresh();
        tempFor.set(k, r);
        const addr = slotAddress(slotOf.get(k) as number, reload);
        reload.push({ unit: 'add', op: 'mov', dst: magic(MAGIC.TMUA), srcs: [addr], tmu: 'load' });
        reload.push({ unit: 'sig', op: 'ldtmu', dst: r, srcs: [] });
      }
      m.srcs = m.srcs.map((s) => tempFor.get(keyOf(s) ?? '') ?? s);
      if (dk && slotOf.has(dk)) {
        const r = tempFor.get(dk) ?? fresh();
        m.dst = r;
        const addr = slotAddress(slotOf.get(dk) as number, after);
        after.push({ unit: 'add', op: 'mov', dst: magic(MAGIC.TMUD), srcs: [r] });
        after.push({ unit: 'add', op: 'mov', dst: magic(MAGIC.TMUA), srcs: [addr], tmu: 'store' });
      }
      if (reload.length > 0) {
        const at = tmuRunStart >= 0 && isTmuWrite(m) ? tmuRunStart : res.length;
        res.splice(at, 0, ...reload);
        if (tmuRunStart >= 0 && isTmuWrite(m)) tmuRunStart += reload.length;
      }
      res.push(m);
      if (after.length > 0) {
        res.push(...after);
        tmuRunStart = -1;
      }
    }
    return res;
  };
  out.push({ id: pro.id, instrs: [...head, ...rewrite(pro.instrs)] });
  for (const b of blocks.slice(1)) out.push({ id: b.id, instrs: rewrite(b.instrs) });
  return { blocks: out, temps };
}
