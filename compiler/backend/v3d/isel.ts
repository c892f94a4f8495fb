/**
 * Instruction selection for V3D (vc6, vc7): lowered SSA IR → machine IR over
 * virtual registers.
 *
 * Input contract (compiler/passes/pipeline.ts): every `condbr` condition is
 * uniform; divergence is carried by varying bool masks (0 or 1 per lane) on
 * loads, stores and any/all.
 *
 * Choices, with the hardware reason:
 * - Constants that are not small immediates and kernel parameters come from
 *   the uniform stream, read once at entry (V3D has no load-immediate).
 * - Bools in registers are 0 or 1. Compares set flag A (Mesa's choices:
 *   xor.pushz for ==, sub.pushc for unsigned <, min.pushc for signed <,
 *   fcmp.pushn/pushc/pushz for floats) and a conditional move materialises
 *   the result.
 * - Masked memory operations condition the `tmua` write: a conditional tmua
 *   touches memory only in selected lanes (py-videocore6
 *   test_tmu_vec_n_contiguous_write).
 * - Work-item ids come from the CSD payload: one 16-lane workgroup per batch,
 *   workgroup X in rf0 bits 15:0 (4.2) / rf3 (7.1).
 */
import type { V3dVersion, Cond } from '../../isa/v3d/instr.ts';
import { MAGIC, smallImmIndex } from '../../isa/v3d/instr.ts';
import type { Block, BlockRef, Instr, IrFunction, SourceLoc, Value } from '../../ir/types.ts';
import { elemSize, isPtr } from '../../ir/types.ts';
import type { MBlock, MDst, MFunction, MInstr, MSrc, UniformSlot, VReg } from './mir.ts';
import { imm, magic, rf, vreg } from './mir.ts';

/** A construct this backend cannot translate yet; becomes a QPU diagnostic. */
export class BackendError extends Error {
  constructor(message: string, readonly loc?: SourceLoc) {
    super(message);
  }
}

interface Ctx {
  ver: V3dVersion;
  fn: IrFunction;
  mf: MFunction;
  cur: MInstr[];
  /** IR value id → machine operand. */
  vals: Map<number, MSrc>;
  /** IR value id → defining instruction (for fusing any/all into branches). */
  defs: Map<number, Instr>;
  loc?: SourceLoc;
  blockOf: Map<number, MBlock>;
  /** IR value whose zero test flag A holds, if any. */
  flagsFrom?: number;
  /** A store may still be in flight (conservatively true at every block start once the kernel stores). */
  storesPending: boolean;
}

/**
 * Whether a load issued after a store by the same thread sees the stored
 * value without a `tmuwt` between them. Hardware evidence only covers the
 * case with `tmuwt` (py-videocore6 test_tmu_keeps_memory_consistency); the
 * TMU serves one thread's requests in order, so qpuc assumes yes. Set false
 * to make the backend wait for pending stores before every later load.
 */
export const TMU_LOADS_SEE_EARLIER_STORES = true;

function newVReg(c: Ctx): VReg {
  return vreg(c.mf.nextVReg++);
}

function emit(c: Ctx, i: MInstr): void {
  if (c.loc && !i.loc) i.loc = c.loc;
  if (i.pf || i.uf) c.flagsFrom = undefined;
  c.cur.push(i);
}

/** Machine operand of an IR value (small immediates stay immediates). */
function src(c: Ctx, v: Value): MSrc {
  const s = c.vals.get(v.id);
  if (!s) throw new BackendError(`value %${v.id} used before it is defined`, c.loc);
  return s;
}

/** A register operand of an IR value: immediates are copied into a register first. */
function reg(c: Ctx, v: Value): MSrc {
  const s = src(c, v);
  if (s.kind !== 'imm') return s;
  const d = newVReg(c);
  mov(c, d, s);
  return d;
}

function mov(c: Ctx, dst: MDst, s: MSrc, cond?: Cond): void {
  emit(c, { unit: 'add', op: 'mov', dst, srcs: [s], ...(cond ? { cond } : {}) });
}

function alu(c: Ctx, unit: 'add' | 'mul', op: string, dst: MDst, srcs: MSrc[], extra: Partial<MInstr> = {}): void {
  // Two different immediates cannot share one instruction (one small-immediate field).
  if (srcs.length === 2 && srcs[0]?.kind === 'imm' && srcs[1]?.kind === 'imm' && srcs[0].value !== srcs[1].value) {
    const t = newVReg(c);
    mov(c, t, srcs[0]);
    srcs = [t, srcs[1]];
  }
  // 7.1 allows one immediate operand per instruction.
  if (c.ver === 71 && srcs.length === 2 && srcs[0]?.kind === 'imm' && srcs[1]?.kind === 'imm') {
    const t = newVReg(c);
    mov(c, t, srcs[0]);
    srcs = [t, srcs[1]];
  }
  emit(c, { unit, op, dst, srcs, ...extra });
}

/**
 * Set flag A from a 0/1 bool register: A := (b == 0), so `ifna` selects lanes
 * where b is true. Testing the same SSA value again, with no flag write in
 * between, reuses the flags.
 */
function pushZeroTest(c: Ctx, b: MSrc, value?: Value): void {
  if (value && c.flagsFrom === value.id) return;
  emit(c, { unit: 'add', op: 'or', dst: magic(MAGIC.NOP), srcs: [b, b], pf: 'pushz' });
  if (value) c.flagsFrom = value.id;
}

/** dst := 1 where `cond` holds, else 0. */
function boolFromFlags(c: Ctx, dst: VReg, cond: Cond): void {
  mov(c, dst, imm(0));
  mov(c, dst, imm(1), cond);
}

const INT_BINOPS: Record<string, { op: string; unit: 'add' | 'mul' }> = {
  add: { op: 'add', unit: 'add' },
  sub: { op: 'sub', unit: 'add' },
  and: { op: 'and', unit: 'add' },
  or: { op: 'or', unit: 'add' },
  xor: { op: 'xor', unit: 'add' },
  shl: { op: 'shl', unit: 'add' },
  shr: { op: 'shr', unit: 'add' },
  sar: { op: 'asr', unit: 'add' },
  rotr: { op: 'ror', unit: 'add' },
};
const FLOAT_BINOPS: Record<string, { op: string; unit: 'add' | 'mul' }> = {
  fadd: { op: 'fadd', unit: 'add' },
  fsub: { op: 'fsub', unit: 'add' },
  fmul: { op: 'fmul', unit: 'mul' },
  fmin: { op: 'fmin', unit: 'add' },
  fmax: { op: 'fmax', unit: 'add' },
};

const SHIFTS = new Set(['shl', 'shr', 'sar', 'rotr']);

/** Shift amounts are taken mod 32, so 16..31 can be the small immediates -16..-1 (py-videocore6 summation.py). */
function shiftAmount(c: Ctx, v: Value): MSrc {
  const k = constValue(c, v);
  if (k !== undefined) {
    const n = k & 31;
    return imm(n >= 16 ? n - 32 : n);
  }
  return src(c, v);
}

/** The 32-bit value of a constant IR value, or undefined. */
function constValue(c: Ctx, v: Value): number | undefined {
  const def = c.defs.get(v.id);
  return def?.op === 'const' ? constBits(def) : undefined;
}

/** Flag-setting op and the condition that means "true" for a compare. */
function compare(c: Ctx, pred: string, a: Value, b: Value): Cond {
  const t = a.type;
  let x = src(c, a);
  let y = src(c, b);
  const nop = magic(MAGIC.NOP);
  let swapped = false;
  if (pred === 'gt' || pred === 'le') {
    [x, y] = [y, x];
    swapped = true;
  }
  const p = swapped ? (pred === 'gt' ? 'lt' : 'ge') : pred;
  if (t === 'f32') {
    switch (p) {
      case 'eq': alu(c, 'add', 'fcmp', nop, [x, y], { pf: 'pushz' }); return 'ifa';
      case 'ne': alu(c, 'add', 'fcmp', nop, [x, y], { pf: 'pushz' }); return 'ifna';
      case 'lt': alu(c, 'add', 'fcmp', nop, [x, y], { pf: 'pushn' }); return 'ifa';
      case 'ge': alu(c, 'add', 'fcmp', nop, [x, y], { pf: 'pushc' }); return 'ifa';
    }
  } else {
    const signed = t === 'i32';
    switch (p) {
      case 'eq': alu(c, 'add', 'xor', nop, [x, y], { pf: 'pushz' }); return 'ifa';
      case 'ne': alu(c, 'add', 'xor', nop, [x, y], { pf: 'pushz' }); return 'ifna';
      case 'lt': alu(c, 'add', signed ? 'min' : 'sub', nop, [x, y], { pf: 'pushc' }); return 'ifa';
      case 'ge': alu(c, 'add', signed ? 'min' : 'sub', nop, [x, y], { pf: 'pushc' }); return 'ifna';
    }
  }
  throw new BackendError(`compare predicate '${pred}' on ${String(t)}`, c.loc);
}

function selectInstr(c: Ctx, ins: Instr, d: VReg): void {
  const a = ins.args;
  const op = ins.op;
  const arg = (k: number): Value => {
    const v = a[k];
    if (!v) throw new BackendError(`${op}: missing operand ${k}`, c.loc);
    return v;
  };
  const intb = INT_BINOPS[op];
  const fb = FLOAT_BINOPS[op];
  if (intb) {
    alu(c, intb.unit, intb.op, d, [src(c, arg(0)), SHIFTS.has(op) ? shiftAmount(c, arg(1)) : src(c, arg(1))]);
    return;
  }
  if (fb) {
    alu(c, fb.unit, fb.op, d, [src(c, arg(0)), src(c, arg(1))]);
    return;
  }
  switch (op) {
    case 'mul': {
      // Full 32-bit product: multop fills rtop, umul24 consumes it (Mesa vir_UMUL).
      const x = src(c, arg(0));
      const y = src(c, arg(1));
      alu(c, 'mul', 'multop', magic(MAGIC.NOP), [x, y]);
      alu(c, 'mul', 'umul24', d, [x, y]);
      return;
    }
    case 'min': case 'max': {
      const signed = arg(0).type === 'i32';
      alu(c, 'add', signed ? op : `u${op}`, d, [src(c, arg(0)), src(c, arg(1))]);
      return;
    }
    case 'not':
      if (ins.result?.type === 'bool') alu(c, 'add', 'xor', d, [src(c, arg(0)), imm(1)]);
      else alu(c, 'add', 'not', d, [src(c, arg(0))]);
      return;
    case 'neg': alu(c, 'add', 'neg', d, [src(c, arg(0))]); return;
    case 'clz': alu(c, 'add', 'clz', d, [src(c, arg(0))]); return;
    case 'fneg': alu(c, 'add', 'fsub', d, [imm(0), src(c, arg(0))]); return;
    case 'ffloor': alu(c, 'add', 'ffloor', d, [src(c, arg(0))]); return;
    case 'fceil': alu(c, 'add', 'fceil', d, [src(c, arg(0))]); return;
    case 'ftrunc': alu(c, 'add', 'ftrunc', d, [src(c, arg(0))]); return;
    case 'fround': alu(c, 'add', 'fround', d, [src(c, arg(0))]); return;
    case 'cmp': {
      const cond = compare(c, String(ins.attrs?.pred ?? ''), arg(0), arg(1));
      boolFromFlags(c, d, cond);
      return;
    }
    case 'select': {
      pushZeroTest(c, src(c, arg(0)));
      mov(c, d, src(c, arg(2)));
      mov(c, d, src(c, arg(1)), 'ifna');
      return;
    }
    case 'cvt': {
      const from = arg(0).type;
      const to = ins.result?.type;
      const s = src(c, arg(0));
      if (to === 'f32' && from === 'i32') alu(c, 'add', 'itof', d, [s]);
      else if (to === 'f32' && (from === 'u32' || from === 'bool')) alu(c, 'add', 'utof', d, [s]);
      else if (to === 'i32' && from === 'f32') alu(c, 'add', 'ftoiz', d, [s]);
      else if (to === 'u32' && from === 'f32') alu(c, 'add', 'ftouz', d, [s]);
      else if (to === 'bool' && from === 'f32') boolFromFlags(c, d, compare(c, 'ne', arg(0), constantZero(c, arg(0))));
      else if (to === 'bool') {
        pushZeroTest(c, s);
        boolFromFlags(c, d, 'ifna');
      } else mov(c, d, s);
      return;
    }
    case 'gep': {
      const p = arg(0);
      if (!isPtr(p.type)) throw new BackendError('gep on a non-pointer', c.loc);
      const size = elemSize(p.type.ptr);
      const idx = src(c, arg(1));
      if (size === 1) {
        alu(c, 'add', 'add', d, [src(c, p), idx]);
      } else {
        const t = newVReg(c);
        alu(c, 'add', 'shl', t, [idx, imm(Math.log2(size))]);
        alu(c, 'add', 'add', d, [src(c, p), t]);
      }
      return;
    }
    case 'load': {
      const p = arg(0);
      if (c.storesPending && !TMU_LOADS_SEE_EARLIER_STORES) {
        emit(c, { unit: 'add', op: 'tmuwt', dst: magic(MAGIC.NOP), srcs: [] });
        c.storesPending = false;
      }
      if (isPtr(p.type) && elemSize(p.type.ptr) !== 4) {
        throw new BackendError(`loads of ${p.type.ptr} are not supported by the V3D backend yet`, c.loc);
      }
      const mask = a[1];
      if (mask) {
        pushZeroTest(c, src(c, mask), mask);
        emit(c, { unit: 'add', op: 'mov', dst: magic(MAGIC.TMUA), srcs: [reg(c, p)], cond: 'ifna', tmu: 'load' });
      } else emit(c, { unit: 'add', op: 'mov', dst: magic(MAGIC.TMUA), srcs: [reg(c, p)], tmu: 'load' });
      emit(c, { unit: 'sig', op: 'ldtmu', dst: d, srcs: [] });
      return;
    }
    case 'lane_id': emit(c, { unit: 'add', op: 'eidx', dst: d, srcs: [] }); return;
    case 'qpu_id': mov(c, d, qpuIdReg(c)); return;
    case 'global_id': {
      const t = newVReg(c);
      const e = newVReg(c);
      alu(c, 'add', 'shl', t, [qpuIdReg(c), imm(4)]);
      emit(c, { unit: 'add', op: 'eidx', dst: e, srcs: [] });
      alu(c, 'add', 'add', d, [t, e]);
      return;
    }
    case 'num_qpus': mov(c, d, uniformReg(c, { kind: 'numQpus' })); return;
    case 'global_count': mov(c, d, uniformReg(c, { kind: 'globalCount' })); return;
  }
  throw new BackendError(`the V3D backend cannot translate '${op}' yet`, c.loc);
}

function constantZero(c: Ctx, like: Value): Value {
  const v: Value = { id: -1 - c.vals.size, type: like.type, uniform: true };
  c.vals.set(v.id, imm(0));
  return v;
}

/** Registers read at entry: uniforms in stream order, then the payload-derived qpu id. */
interface EntryRegs {
  qpuId?: VReg;
  uniforms: Map<string, VReg>;
}
const entryRegs = new WeakMap<MFunction, EntryRegs>();

function uniformReg(c: Ctx, slot: UniformSlot): VReg {
  const e = entryRegs.get(c.mf);
  if (!e) throw new BackendError('entry state missing', c.loc);
  const key = JSON.stringify(slot);
  let r = e.uniforms.get(key);
  if (!r) {
    r = newVReg(c);
    e.uniforms.set(key, r);
    c.mf.uniforms.push(slot);
  }
  return r;
}

function qpuIdReg(c: Ctx): VReg {
  const e = entryRegs.get(c.mf);
  if (!e) throw new BackendError('entry state missing', c.loc);
  if (!e.qpuId) e.qpuId = newVReg(c);
  return e.qpuId;
}

/** Parallel copy of block arguments into a target's parameters (through temporaries, so cycles are safe). */
function copyArgs(c: Ctx, target: Block, args: Value[]): void {
  const temps: MSrc[] = args.map((a) => {
    const s = src(c, a);
    if (s.kind === 'imm') return s;
    const t = newVReg(c);
    mov(c, t, s);
    return t;
  });
  target.params.forEach((p, k) => {
    const t = temps[k];
    const d = c.vals.get(p.id);
    if (!t || !d || d.kind !== 'vreg') throw new BackendError('block argument mismatch', c.loc);
    mov(c, d, t);
  });
}

const INVERT = { anyna: 'alla', allna: 'anya' } as const;

/** Value id → ids of the blocks that use it (operands, conditions, branch arguments). */
function valueUses(fn: IrFunction): Map<number, Set<number>> {
  const uses = new Map<number, Set<number>>();
  const use = (v: Value, b: Block) => {
    let s = uses.get(v.id);
    if (!s) uses.set(v.id, (s = new Set()));
    s.add(b.id);
  };
  for (const b of fn.blocks) {
    for (const i of b.instrs) for (const a of i.args) use(a, b);
    const t = b.term;
    if (t.kind === 'br') for (const a of t.target.args) use(a, b);
    if (t.kind === 'condbr') {
      use(t.cond, b);
      for (const a of [...t.then.args, ...t.else.args]) use(a, b);
    }
  }
  return uses;
}

function usedOnlyIn(uses: Map<number, Set<number>>, v: Value, blockId: number): boolean {
  const s = uses.get(v.id);
  return !s || (s.size === 1 && s.has(blockId));
}

/** The block a branch with arguments goes to: the target itself, or a new block that copies the arguments and jumps on. */
function argsBlock(c: Ctx, target: Block, args: Value[], body: MBlock[], newId: () => number): number {
  if (args.length === 0) return target.id;
  const cb: MBlock = { id: newId(), instrs: [] };
  const saved = c.cur;
  c.cur = cb.instrs;
  copyArgs(c, target, args);
  emit(c, { unit: 'branch', op: 'b', srcs: [], branch: { cond: 'always', target: target.id } });
  c.cur = saved;
  body.push(cb);
  return cb.id;
}

/** Translate one lowered IR function to machine IR for V3D version `ver`. */
export function selectInstructions(fn: IrFunction, ver: V3dVersion): MFunction {
  const mf: MFunction = { name: fn.name, blocks: [], uniforms: [], nextVReg: 0 };
  const entry: EntryRegs = { uniforms: new Map() };
  entryRegs.set(mf, entry);
  const c: Ctx = { ver, fn, mf, cur: [], vals: new Map(), defs: new Map(), blockOf: new Map(), storesPending: false };
  const uses = valueUses(fn);
  const kernelStores = fn.blocks.some((b) => b.instrs.some((i) => i.op === 'store'));

  // Parameters: one uniform each, in order.
  fn.params.forEach((p, k) => c.vals.set(p.value.id, uniformReg(c, { kind: 'param', index: k })));
  // Block parameters get their vregs up front (branches copy into them).
  for (const b of fn.blocks) for (const p of b.params) c.vals.set(p.id, newVReg(c));

  let nextBlockId = Math.max(0, ...fn.blocks.map((b) => b.id)) + 1;
  const body: MBlock[] = [];
  for (const b of fn.blocks) {
    const mb: MBlock = { id: b.id, instrs: [] };
    c.blockOf.set(b.id, mb);
    body.push(mb);
  }
  fn.blocks.forEach((b, bi) => {
    const mb = c.blockOf.get(b.id) as MBlock;
    c.cur = mb.instrs;
    c.storesPending = kernelStores;
    c.flagsFrom = undefined;
    for (const ins of b.instrs) {
      c.loc = ins.loc;
      if (ins.result) c.defs.set(ins.result.id, ins);
      if (ins.op === 'const') {
        const r = ins.result as Value;
        const bits = constBits(ins);
        if (smallImmIndex(bits) !== undefined) c.vals.set(r.id, imm(bits));
        else c.vals.set(r.id, uniformReg(c, { kind: 'const', value: bits }));
        continue;
      }
      if (ins.op === 'any' || ins.op === 'all') {
        // Only as a branch condition for now (fused below): record, emit nothing.
        continue;
      }
      if (ins.op === 'store') {
        const [p, v, mask] = ins.args;
        if (!p || !v) throw new BackendError('store: missing operands', c.loc);
        if (isPtr(p.type) && elemSize(p.type.ptr) !== 4) {
          throw new BackendError(`stores of ${p.type.ptr} are not supported by the V3D backend yet`, c.loc);
        }
        mov(c, magic(MAGIC.TMUD), src(c, v));
        if (mask) {
          pushZeroTest(c, src(c, mask), mask);
          emit(c, { unit: 'add', op: 'mov', dst: magic(MAGIC.TMUA), srcs: [reg(c, p)], cond: 'ifna', tmu: 'store' });
        } else emit(c, { unit: 'add', op: 'mov', dst: magic(MAGIC.TMUA), srcs: [reg(c, p)], tmu: 'store' });
        c.storesPending = true;
        continue;
      }
      if (ins.op === 'barrier') throw new BackendError('qpu.barrier() is not supported by the V3D backend yet', c.loc);
      const r = ins.result;
      if (!r) throw new BackendError(`'${ins.op}' without a result`, c.loc);
      const d = newVReg(c);
      c.vals.set(r.id, d);
      selectInstr(c, ins, d);
    }
    const t = b.term;
    c.loc = t.loc;
    const next = fn.blocks[bi + 1];
    const jump = (target: number) => emit(c, { unit: 'branch', op: 'b', srcs: [], branch: { cond: 'always', target } });
    if (t.kind === 'ret') {
      jump(-1); // -1 = the program end sequence
    } else if (t.kind === 'br') {
      copyArgs(c, t.target.block, t.target.args);
      if (t.target.block !== next) jump(t.target.block.id);
    } else {
      const cond = branchCondition(c, t.cond);
      // Arguments for a block whose parameters are used only inside that block can be copied before the
      // branch: on the other path nothing reads them. That saves a copy block and a jump (loop back edges).
      const hoist = (side: BlockRef, other: BlockRef) =>
        side.args.length > 0 && side.block !== other.block && side.block.params.every((p) => usedOnlyIn(uses, p, side.block.id));
      const hoistThen = hoist(t.then, t.else);
      const hoistElse = hoist(t.else, t.then);
      if (hoistThen) copyArgs(c, t.then.block, t.then.args);
      if (hoistElse) copyArgs(c, t.else.block, t.else.args);
      const thenArgs = hoistThen ? [] : t.then.args;
      const elseArgs = hoistElse ? [] : t.else.args;
      if (t.then.block === next && thenArgs.length === 0) {
        // The then-block follows: branch to the else side on the inverted condition and fall through.
        const elseId = argsBlock(c, t.else.block, elseArgs, body, () => nextBlockId++);
        emit(c, { unit: 'branch', op: 'b', srcs: [], branch: { cond: INVERT[cond], target: elseId } });
      } else {
        const takenId = argsBlock(c, t.then.block, thenArgs, body, () => nextBlockId++);
        emit(c, { unit: 'branch', op: 'b', srcs: [], branch: { cond, target: takenId } });
        copyArgs(c, t.else.block, elseArgs);
        if (t.else.block !== next) jump(t.else.block.id);
      }
    }
  });

  // Entry prologue: payload first (before anything can overwrite rf0..rf3), then the uniform stream in slot order.
  const pro: MInstr[] = [];
  if (entry.qpuId) {
    const payload = rf(ver === 42 ? 0 : 3);
    const t = vreg(mf.nextVReg++);
    pro.push({ unit: 'add', op: 'shl', dst: t, srcs: [payload, imm(-16)] });
    pro.push({ unit: 'add', op: 'shr', dst: entry.qpuId, srcs: [t, imm(-16)] });
  }
  for (const [key, r] of entry.uniforms) {
    void key;
    pro.push({ unit: 'sig', op: 'ldunifrf', dst: r, srcs: [] });
  }
  // Uniform slots were pushed in first-use order, which is the Map's insertion order: the prologue reads them in that order.
  mf.blocks = [{ id: nextBlockId++, instrs: pro }, ...body];
  return mf;
}

/** Branch condition for a uniform bool: fuses any()/all() of a mask; else tests the 0/1 value. */
function branchCondition(c: Ctx, cond: Value): 'anyna' | 'allna' {
  const def = c.defs.get(cond.id);
  if (def && (def.op === 'any' || def.op === 'all')) {
    const [v, mask] = def.args;
    if (!v) throw new BackendError(`${def.op}: missing operand`, c.loc);
    let s = src(c, v);
    let tested: Value | undefined = v;
    if (mask) {
      tested = undefined;
      const t = newVReg(c);
      if (def.op === 'any') alu(c, 'add', 'and', t, [s, src(c, mask)]);
      else {
        // all(v over mask) = all lanes (v or not mask)
        const nm = newVReg(c);
        alu(c, 'add', 'xor', nm, [src(c, mask), imm(1)]);
        alu(c, 'add', 'or', t, [s, nm]);
      }
      s = t;
    }
    pushZeroTest(c, s, tested);
    return def.op === 'any' ? 'anyna' : 'allna';
  }
  if (c.vals.get(cond.id) === undefined) throw new BackendError('branch on an any()/all() value that is not available', c.loc);
  pushZeroTest(c, src(c, cond), cond);
  return 'allna';
}

/** The 32-bit pattern of a `const` instruction. */
function constBits(ins: Instr): number {
  const v = Number(ins.attrs?.value ?? 0);
  const t = ins.result?.type;
  if (t === 'f32') {
    const f = new Float32Array([v]);
    return new Uint32Array(f.buffer)[0] as number;
  }
  if (t === 'bool') return v ? 1 : 0;
  return v >>> 0;
}
