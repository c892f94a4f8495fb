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
import { imm, magic, vreg } from './mir.ts';
import { payloadIds } from './payload.ts';

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
  if (spilled.length === 0) return { blocks: blocks.map((b) => ({ ...b, instrs: [...b.instrs] })), temps };
  const fresh = (): VReg => {
    const r = vreg(mf.nextVReg++);
    temps.add(`v${r.id}`);
    return r;
  };
  // Constants are rebuilt where used (no slot); the rest live in memory.
  const rebuilt = new Map(spilled.flatMap((k): [string, number][] => {
    const value = constantOf(mf, k);
    return value === undefined ? [] : [[k, value]];
  }));
  const inMemory = spilled.filter((k) => !rebuilt.has(k));
  if (inMemory.length > MAX_SPILL_SLOTS) throw new RangeError(`more than ${MAX_SPILL_SLOTS} spill slots needed`);
  const slotOf = new Map(inMemory.map((k, s) => [k, s]));
  const base = fresh();

  // Prologue: this lane's spill base from the batch index (payload.ts), eidx and the scratch uniform.
  const pro = blocks[0] as MBlock;
  const q = fresh();
  const scratch = fresh();
  const qOff = fresh();
  const lane = fresh();
  const lane4 = fresh();
  const sum = fresh();
  // The scratch address is the first uniform word (the caller puts its slot first), so it is read before any other.
  const head: MInstr[] = [
    ...payloadIds(ver, mf.workgroupSize ?? 16, { qpuId: q }, fresh),
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

  const rewrite = (grouped: MInstr[]): MInstr[] => {
    const instrs = splitConfigGroups(grouped, fresh);
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
        if (k && (slotOf.has(k) || rebuilt.has(k))) readKeys.add(k);
      });
      const dk = keyOf(m.dst);
      if (m.cond && dk && (slotOf.has(dk) || rebuilt.has(dk))) readKeys.add(dk);
      const tempFor = new Map<string, VReg>();
      for (const k of readKeys) {
        const r = fresh();
        tempFor.set(k, r);
        const value = rebuilt.get(k);
        if (value !== undefined) {
          reload.push(...buildConstant(value, r, fresh));
          continue;
        }
        const addr = slotAddress(slotOf.get(k) as number, reload);
        reload.push({ unit: 'add', op: 'mov', dst: magic(MAGIC.TMUA), srcs: [addr], tmu: 'load' });
        reload.push({ unit: 'sig', op: 'ldtmu', dst: r, srcs: [] });
      }
      m.srcs = m.srcs.map((s) => tempFor.get(keyOf(s) ?? '') ?? s);
      // The constant's uniform word is still read (the stream is in order), into a register nothing reads.
      if (dk && rebuilt.has(dk)) m.dst = fresh();
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
  out.push({ id: pro.id, instrs: [...(inMemory.length > 0 ? head : []), ...rewrite(pro.instrs)] });
  for (const b of blocks.slice(1)) out.push({ id: b.id, instrs: rewrite(b.instrs) });
  return { blocks: out, temps };
}

/**
 * `instrs` with every `tmuc` write that serves several lookups (MInstr.tmuConfig) split: it configures its first
 * lookup alone, and each later lookup of its group whose byte is not the default 0xFF gets a `tmuc` write of its
 * own (its constant built from small immediates) before its data words. Spill code then may put its lookups
 * anywhere without taking a config byte meant for an atomic.
 */
export function splitConfigGroups(instrs: MInstr[], fresh: () => VReg): MInstr[] {
  if (!instrs.some((m) => m.tmuConfig)) return instrs;
  const res: MInstr[] = [];
  /** Config bytes still owed to the coming lookups of the group being split. */
  let owed: number[] = [];
  const single = (b: number): number => (0xffffff00 | b) >>> 0;
  const configWrite = (b: number, loc: MInstr['loc']): MInstr[] => {
    const r = fresh();
    return [...buildConstant(single(b), r, fresh), { unit: 'add', op: 'mov', dst: magic(MAGIC.TMUC), srcs: [r], ...(loc ? { loc } : {}) }];
  };
  for (const m of instrs) {
    if (m.tmuConfig) {
      res.push(...configWrite(m.tmuConfig[0] as number, m.loc));
      // The group's first lookup takes the byte just written; the others are owed theirs.
      owed = [0xff, ...m.tmuConfig.slice(1)];
      continue;
    }
    if (m.dst?.kind === 'magic' && m.dst.addr === MAGIC.TMUA && owed.length > 0) {
      const b = owed.shift() as number;
      if (b !== 0xff) {
        // Before this lookup's data words.
        let at = res.length;
        while (at > 0 && (res[at - 1] as MInstr).dst?.kind === 'magic' && ((res[at - 1] as MInstr).dst as { addr: number }).addr === MAGIC.TMUD) at--;
        res.splice(at, 0, ...configWrite(b, m.loc));
      }
    }
    res.push(m);
  }
  return res;
}

/** The 32 bits of a register holding a constant uniform word (`v12` keys), if it is one. */
export function constantOf(mf: MFunction, key: string): number | undefined {
  return key.startsWith('v') ? mf.constants?.get(Number(key.slice(1))) : undefined;
}

/**
 * Ops that leave the 32-bit constant `value` in `dst` from small immediates:
 * the first non-zero 4-bit group, then for each later non-zero group a shift
 * and an or (shift amounts 16..28 as their 5-bit two's complement: `shl`
 * reads the low 5 bits), a final shift for trailing zero groups; built as
 * the complement and inverted when that has fewer groups.
 */
export function buildConstant(value: number, dst: VReg, fresh: () => VReg): MInstr[] {
  const v = value >>> 0;
  if ((v | 0) >= -16 && (v | 0) <= 15) return [{ unit: 'add', op: 'mov', dst, srcs: [imm(v)] }];
  const groups = (x: number) => Array.from({ length: 8 }, (_, k) => (x >>> (28 - 4 * k)) & 15);
  const count = (x: number) => groups(x).filter((g) => g !== 0).length;
  const invert = count(~v >>> 0) < count(v);
  const target = invert ? ~v >>> 0 : v;
  const out: MInstr[] = [];
  let cur: VReg | undefined;
  let pending = 0;
  const shiftBy = (n: number) => imm(n >= 16 ? n - 32 : n);
  for (const g of groups(target)) {
    if (cur) pending += 4;
    if (g === 0) continue;
    const next = fresh();
    if (!cur) out.push({ unit: 'add', op: 'mov', dst: next, srcs: [imm(g)] });
    else {
      const shifted = fresh();
      out.push({ unit: 'add', op: 'shl', dst: shifted, srcs: [cur, shiftBy(pending)] });
      out.push({ unit: 'add', op: 'or', dst: next, srcs: [shifted, imm(g)] });
      pending = 0;
    }
    cur = next;
  }
  if (!cur) throw new Error(`buildConstant: ${v} is a small immediate`);
  if (pending > 0) {
    const shifted = fresh();
    out.push({ unit: 'add', op: 'shl', dst: shifted, srcs: [cur, shiftBy(pending)] });
    cur = shifted;
  }
  out.push(invert ? { unit: 'add', op: 'not', dst, srcs: [cur] } : { unit: 'add', op: 'mov', dst, srcs: [cur] });
  return out;
}
