/**
 * Memory ops for V3D: address arithmetic and TMU loads and stores of every
 * element type.
 *
 * 8- and 16-bit elements use the TMU's own element types (config byte bits
 * 2:0: 0 i8, 1 i16, 5 u8, 6 u16; op 15 = load/store; bit 7 per-pixel,
 * semantics notes 5.1), written with `tmuc` before the lookup. A config word
 * serves four lookups from its low byte up and shifts in 0xFF, the default
 * (32-bit) config, so the word 0xFFFFFF_cc affects exactly the next lookup.
 * Sub-word stores cannot be done as 32-bit read-modify-write: two lanes
 * writing bytes of one word would race. Hardware evidence for 8/16-bit
 * lookups is missing (notes 5.1: "unknown"); the emulator models them.
 */
import type { Block, Instr, Value } from '../../ir/types.ts';
import type { AtomicRmw } from '../../ir/ops.ts';
import { elemSize, isPtr } from '../../ir/types.ts';
import { opInfo } from '../../ir/ops.ts';
import { MAGIC, type V3dVersion } from '../../isa/v3d/instr.ts';
import type { VReg } from './mir.ts';
import { imm, magic, type MInstr } from './mir.ts';
import { alu, arg, BackendError, constValue, emit, k32, maskCondition, mov, newVReg, reg, src, type Ctx, type OpHandlers, type TmuConfigGroup } from './isel-ctx.ts';

/**
 * Whether a load issued after a store by the same thread sees the stored
 * value without a `tmuwt` between them. Hardware evidence only covers the
 * case with `tmuwt` (py-videocore6 test_tmu_keeps_memory_consistency); the
 * TMU serves one thread's requests in order, so qpuc assumes yes. Set false
 * to make the backend wait for pending stores before every later load.
 */
export const TMU_LOADS_SEE_EARLIER_STORES = true;

/** TMU config type field per element type (notes 5.1). */
const TMU_TYPE: Record<string, number> = { i8: 0, i16: 1, u8: 5, u16: 6 };

/** Write `tmuc` so that the next lookup uses 8/16-bit element type `t` (nothing for 32-bit types). */
function subWordConfig(c: Ctx, elem: string): void {
  const type = TMU_TYPE[elem];
  if (type === undefined) return;
  const byte = 0x80 | (15 << 3) | type; // per-pixel, op 15 (load/store), type
  mov(c, magic(MAGIC.TMUC), k32(c, (0xffffff00 | byte) >>> 0));
}

function elemOf(c: Ctx, ins: Instr): string {
  const p = arg(c, ins, 0);
  if (!isPtr(p.type)) throw new BackendError(`${ins.op} through a non-pointer`, c.loc);
  return p.type.ptr;
}

function load(c: Ctx, ins: Instr, d: VReg): void {
  joinTmuGroup(c, elemOf(c, ins));
  const p = arg(c, ins, 0);
  if (c.storesPending && !TMU_LOADS_SEE_EARLIER_STORES) {
    emit(c, { unit: 'add', op: 'tmuwt', dst: magic(MAGIC.NOP), srcs: [] });
    c.storesPending = false;
  }
  const mask = ins.args[1];
  const addr = reg(c, p);
  const cond = mask ? maskCondition(c, mask) : undefined;
  subWordConfig(c, elemOf(c, ins));
  emit(c, { unit: 'add', op: 'mov', dst: magic(MAGIC.TMUA), srcs: [addr], tmu: 'load', ...(cond ? { cond } : {}) });
  // A masked load's result is varying here: expand-lanes spread uniform ones to every lane in IR.
  emit(c, { unit: 'sig', op: 'ldtmu', dst: d, srcs: [] });
}

/** A store: data word(s), then the (masked) address write. */
export function selectStore(c: Ctx, ins: Instr): void {
  const [p, v, mask] = ins.args;
  if (!p || !v) throw new BackendError('store: missing operands', c.loc);
  joinTmuGroup(c, elemOf(c, ins));
  const addr = reg(c, p);
  const cond = mask ? maskCondition(c, mask) : undefined;
  subWordConfig(c, elemOf(c, ins));
  mov(c, magic(MAGIC.TMUD), src(c, v));
  emit(c, { unit: 'add', op: 'mov', dst: magic(MAGIC.TMUA), srcs: [addr], tmu: 'store', ...(cond ? { cond } : {}) });
  c.storesPending = true;
}

/** TMU op field (config bits 6:3) of each atomic, by element signedness for min/max (semantics notes 5.2). */
const TMU_ATOMIC_OP: Record<AtomicRmw | 'cmpxchg', number | { i32: number; u32: number }> = {
  add: 0, sub: 1, xchg: 2, cmpxchg: 3, min: { u32: 4, i32: 6 }, max: { u32: 5, i32: 7 }, and: 8, or: 9, xor: 10,
};

/** TMU ops without a data word (notes 5.2): increment and decrement, what an add or subtract of the constant ±1 is. */
const TMU_OP_INC = 8;
const TMU_OP_DEC = 9;

/**
 * An atomic: the TMU's read-modify-write ops (notes 5.2: memory gets the
 * combined value, `ldtmu` returns the old one; 7.1 verified by py-videocore7,
 * 4.2 as Mesa's v3d 4.x compiler emits them). The config byte (per-pixel, op,
 * type 32-bit; vec2 for compare-exchange, whose two data words are the
 * expected and the desired value, as Mesa writes them) goes through `tmuc`;
 * the old value is always collected (pv7: atomics must be). An add or
 * subtract of the constant 1 or −1 is the increment or decrement op, which
 * takes no data word (one `tmud` fewer; Mesa's nir_to_vir replaces such an
 * atomic add the same way, `atomic_add_replaced`).
 */
function atomic(c: Ctx, ins: Instr, d: VReg): void {
  const cas = ins.op === 'atomic_cas';
  const p = arg(c, ins, 0);
  if (!isPtr(p.type) || (p.type.ptr !== 'i32' && p.type.ptr !== 'u32')) throw new BackendError(`${ins.op} needs a pointer to i32 or u32`, c.loc);
  const rmw = String(ins.attrs?.['rmw']);
  const spec = TMU_ATOMIC_OP[cas ? 'cmpxchg' : (rmw as AtomicRmw)];
  if (spec === undefined) throw new BackendError(`atomic: unknown operation '${rmw}'`, c.loc);
  // +1 or −1 as added (a subtract counts the other way); constValue gives the bits, so −1 is 0xffffffff.
  const amount = cas || (rmw !== 'add' && rmw !== 'sub') ? undefined : constValue(c, arg(c, ins, 1));
  const up = amount === 1 ? rmw === 'add' : amount === 0xffffffff ? rmw === 'sub' : undefined;
  const step = up === undefined ? undefined : up ? TMU_OP_INC : TMU_OP_DEC;
  const opc = step ?? (typeof spec === 'number' ? spec : spec[p.type.ptr]);
  const byte = 0x80 | (opc << 3) | (cas ? 2 : 7);
  const data = cas ? [arg(c, ins, 1), arg(c, ins, 2)] : step !== undefined ? [] : [arg(c, ins, 1)];
  const mask = ins.args[cas ? 3 : 2];
  const addr = reg(c, p);
  const cond = mask ? maskCondition(c, mask) : undefined;
  const g = groupWithRoom(c);
  if (g) g.bytes.push(byte);
  else {
    closeTmuGroup(c);
    const m: MInstr = { unit: 'add', op: 'mov', dst: magic(MAGIC.TMUC), srcs: [] };
    emit(c, m);
    c.tmuGroup = { mov: m, bytes: [byte], block: c.cur };
  }
  for (const v of data) mov(c, magic(MAGIC.TMUD), src(c, v));
  emit(c, { unit: 'add', op: 'mov', dst: magic(MAGIC.TMUA), srcs: [addr], tmu: 'load', ...(cond ? { cond } : {}) });
  emit(c, { unit: 'sig', op: 'ldtmu', dst: d, srcs: [] });
}

/**
 * Lookups one `tmuc` word configures, by V3D version (notes 5.1: a config word serves four lookups, low byte
 * first, 0xFF shifted in after): consecutive atomics of a block, and plain 32-bit loads and stores between them,
 * share one. 1 turns it off. On 4.2 the add ALU is the bottleneck of an atomic's address and config writes (vc6
 * histogram 0.802 -> 0.810 of the memory limit); on 7.1 a `tmuc` write pairs with the address arithmetic anyway,
 * and the group words, each a uniform register live from the prologue, pushed the histogram kernel past 64
 * registers (471 -> 637 instructions, 0.546 -> 0.493), so it stays off there.
 */
export const TMU_CONFIG_GROUP: Record<V3dVersion, number> = { 42: 4, 71: 1 };

/**
 * A plain 32-bit load or store takes the next byte of an open group's word as 0xFF (the default it would use
 * anyway: per-pixel, op 15, 32-bit), so that atomics and lookups may alternate under one `tmuc`; a sub-word
 * access writes its own config word, so the group closes first.
 */
function joinTmuGroup(c: Ctx, elem: string): void {
  const g = groupWithRoom(c);
  if (g && TMU_TYPE[elem] === undefined) g.bytes.push(0xff);
  else closeTmuGroup(c);
}

/** The open config group of the current block, if it has a byte left for one more lookup. */
function groupWithRoom(c: Ctx): TmuConfigGroup | undefined {
  const g = c.tmuGroup;
  return g && g.block === c.cur && g.bytes.length < TMU_CONFIG_GROUP[c.ver] ? g : undefined;
}

/** Give the open group of atomics ({@link TMU_CONFIG_GROUP}) its config word; before any other lookup and at a block's end. */
export function closeTmuGroup(c: Ctx): void {
  const g = c.tmuGroup;
  if (!g) return;
  let word = 0xffffffff;
  g.bytes.forEach((b, k) => {
    word = (word & ~(0xff << (8 * k))) | (b << (8 * k));
  });
  g.mov.srcs = [k32(c, word >>> 0)];
  if (g.bytes.length > 1) g.mov.tmuConfig = g.bytes;
  c.tmuGroup = undefined;
}

function gep(c: Ctx, ins: Instr, d: VReg): void {
  const p = arg(c, ins, 0);
  if (!isPtr(p.type)) throw new BackendError('gep on a non-pointer', c.loc);
  const size = elemSize(p.type.ptr);
  const i = arg(c, ins, 1);
  const idx = src(c, i);
  const k = constValue(c, i);
  const bytes = k === undefined ? undefined : Math.imul(k, size) >>> 0;
  if (size === 1) {
    alu(c, 'add', 'add', d, [src(c, p), idx]);
  } else if (bytes !== undefined) {
    // A constant index: one add of its byte offset (a small immediate or a uniform word).
    alu(c, 'add', 'add', d, [src(c, p), k32(c, bytes)]);
  } else {
    // Common subexpression: pointer steps of unrolled loops scale the same index in one block.
    const key = `${i.id}:${Math.log2(size)}`;
    let t = c.scaledIndex.get(key);
    if (!t) {
      t = newVReg(c);
      alu(c, 'add', 'shl', t, [idx, imm(Math.log2(size))]);
      c.scaledIndex.set(key, t);
    }
    alu(c, 'add', 'add', d, [src(c, p), t]);
  }
}

/** TMU config word for the next lookup only: per-pixel, op 15 (load/store), type 4 = vec4 (notes 5.1). */
const VEC4_CONFIG = 0xfffffffc;

/**
 * One vec4 lookup in place of 4 loads (or stores) of consecutive words per
 * lane: what loop shaping tags `vec = 4`, `part = t`, `vgroup` (compiler/passes/
 * loopshape.ts, lanePlan), checked again here.
 */
export interface VectorGroup {
  kind: 'load' | 'store';
  /** The parts in word order. */
  parts: Instr[];
}

/** What {@link vectorGroups} found in a block. */
export interface BlockVectors {
  /** The group to emit at this instruction (a load group's first part, a store group's last). */
  at: Map<Instr, VectorGroup>;
  /** Parts emitted with their group elsewhere, and address values no other instruction reads. */
  skip: Set<Instr>;
}

/**
 * The tagged groups of `b` that can be one vec4 lookup: four unmasked 32-bit
 * parts, part t's address `gep a0, t` of part 0's `a0`, loads in part order
 * with no store or effect between them but stores proven apart (the same
 * `disjoint` tag), stores in part order with no load between them but such
 * proven-apart loads. Anything else stays four scalar lookups (correct, slower).
 */
export function vectorGroups(b: Block, uses: Map<Value, number>, defs: Map<Value, { instr?: Instr }>): BlockVectors {
  const at = new Map<Instr, VectorGroup>();
  const skip = new Set<Instr>();
  const byGroup = new Map<number, Instr[]>();
  for (const i of b.instrs) {
    const g = i.attrs?.['vgroup'];
    if ((i.op === 'load' || i.op === 'store') && typeof g === 'number' && i.attrs?.['vec'] === 4) byGroup.set(g, [...(byGroup.get(g) ?? []), i]);
  }
  const index = new Map(b.instrs.map((i, k) => [i, k]));
  const defOf = { get: (v: Value) => defs.get(v)?.instr };
  for (const parts of byGroup.values()) {
    if (parts.length !== 4 || parts.some((p, t) => p.attrs?.['part'] !== t || p.op !== parts[0]!.op)) continue;
    const kind = parts[0]!.op as 'load' | 'store';
    const masked = kind === 'load' ? 1 : 2;
    if (parts.some((p) => p.args.length > masked || !isPtr(p.args[0]!.type) || elemSize(p.args[0]!.type.ptr) !== 4)) continue;
    if (kind === 'load' && parts.some((p) => p.result?.uniform)) continue;
    const a0 = parts[0]!.args[0]!;
    const offsetOk = parts.every((p, t) => {
      if (t === 0) return true;
      const d = defOf.get(p.args[0]!);
      if (d?.op !== 'gep' || d.args[0] !== a0) return false;
      const k = defOf.get(d.args[1]!);
      return k?.op === 'const' && Number(k.attrs?.['value']) === t;
    });
    if (!offsetOk) continue;
    const first = index.get(parts[0]!)!;
    const last = index.get(parts[3]!)!;
    const tag = parts[0]!.attrs?.['disjoint'];
    const between = b.instrs.slice(first + 1, last);
    const other = kind === 'load' ? 'store' : 'load';
    if (between.some((i) => (i.op === other && (tag === undefined || i.attrs?.['disjoint'] !== tag)) || (i.op !== 'load' && i.op !== 'store' && opEffect(i)))) continue;
    const group: VectorGroup = { kind, parts };
    at.set(kind === 'load' ? parts[0]! : parts[3]!, group);
    for (const p of parts) if (p !== (kind === 'load' ? parts[0] : parts[3])) skip.add(p);
    // Part t's address (gep a0, t) is dead once the group is one lookup, unless something else reads it.
    for (const p of parts.slice(1)) {
      const d = defOf.get(p.args[0]!);
      if (d && index.has(d) && uses.get(p.args[0]!) === 1) skip.add(d);
    }
  }
  return { at, skip };
}

function opEffect(i: Instr): boolean {
  return opInfo(i.op)?.effect === true;
}

/** Four loads as one vec4 lookup: the results in part order. */
export function selectVectorLoad(c: Ctx, g: VectorGroup): void {
  closeTmuGroup(c);
  const addr = reg(c, arg(c, g.parts[0]!, 0));
  mov(c, magic(MAGIC.TMUC), k32(c, VEC4_CONFIG));
  emit(c, { unit: 'add', op: 'mov', dst: magic(MAGIC.TMUA), srcs: [addr], tmu: 'load', tmuWords: 4 });
  for (const p of g.parts) {
    const d = newVReg(c);
    c.vals.set(p.result!.id, d);
    emit(c, { unit: 'sig', op: 'ldtmu', dst: d, srcs: [] });
  }
}

/** Four stores as one vec4 lookup: four data words, then the address. */
export function selectVectorStore(c: Ctx, g: VectorGroup): void {
  closeTmuGroup(c);
  const addr = reg(c, arg(c, g.parts[0]!, 0));
  mov(c, magic(MAGIC.TMUC), k32(c, VEC4_CONFIG));
  for (const p of g.parts) mov(c, magic(MAGIC.TMUD), src(c, p.args[1]!));
  emit(c, { unit: 'add', op: 'mov', dst: magic(MAGIC.TMUA), srcs: [addr], tmu: 'store' });
  c.storesPending = true;
}

/** Memory op handlers (stores have no result: {@link selectStore}). */
export const MEMORY_OPS = { load, gep, atomic, atomic_cas: atomic } as const satisfies OpHandlers;
