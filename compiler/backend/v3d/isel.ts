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
import type { Block, BlockRef, Instr, IrFunction, IrType, Terminator, Value } from '../../ir/types.ts';
import { workgroupSizeOf } from '../../ir/types.ts';
import { constBits, definitions, onlyBranchConditions, useCounts } from '../../ir/values.ts';
import { opInfo, type OpName } from '../../ir/ops.ts';
import type { MBlock, MFunction, MInstr, MSrc, UniformSlot, VReg } from './mir.ts';
import { imm, magic, vreg } from './mir.ts';
import {
  alu, arg, BackendError, boolFromFlags, entryRegs, mov, newVReg, pushZeroTest, src, uniformReg, emit,
  type Ctx, type EntryRegs, type OpHandler, type OpHandlers,
} from './isel-ctx.ts';
import { INT_OPS } from './isel-int.ts';
import { FLOAT_OPS } from './isel-float.ts';
import { closeTmuGroup, MEMORY_OPS, selectStore, selectVectorLoad, selectVectorStore, vectorGroups } from './isel-memory.ts';
import { LANE_OPS, rotateIntoProduct, selectBarrier, selectsIntoRotates, valuesIntoRotates } from './isel-lanes.ts';
import { payloadIds } from './payload.ts';
import { foldTmuAddresses } from './fold-tmua.ts';
import { conditionalOps, flagOnlyCompares, type CondOp } from '../common/condops.ts';

export { BackendError } from './isel-ctx.ts';
export { TMU_LOADS_SEE_EARLIER_STORES } from './isel-memory.ts';

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
      case 'ge': alu(c, 'add', 'fcmp', nop, [y, x], { pf: 'pushc' }); return 'ifa'; // C: y <= x (false for NaN)
    }
  } else {
    const signed = t === 'i32';
    switch (p) {
      case 'eq': alu(c, 'add', 'xor', nop, [x, y], { pf: 'pushz' }); return 'ifa';
      case 'ne': alu(c, 'add', 'xor', nop, [x, y], { pf: 'pushz' }); return 'ifna';
      // sub a, b: C = a < b unsigned; min a, b: C = b < a signed (semantics notes 3), hence min y, x.
      case 'lt': alu(c, 'add', signed ? 'min' : 'sub', nop, signed ? [y, x] : [x, y], { pf: 'pushc' }); return 'ifa';
      case 'ge': alu(c, 'add', signed ? 'min' : 'sub', nop, signed ? [y, x] : [x, y], { pf: 'pushc' }); return 'ifna';
    }
  }
  throw new BackendError(`compare predicate '${pred}' on ${String(t)}`, c.loc);
}

/**
 * Compares whose every use is a `select` condition are not materialised as
 * 0/1: each select tests the compare's own flags, redoing the compare only
 * when something wrote the flags since (the math expansions are mostly
 * compare + select pairs, as the hand-written flag sequences were).
 */
interface LazyCompares {
  /** Compare result id → the compare. */
  ins: Map<number, Instr>;
  /** Compare result id → the condition its flag op yields (the same each time it is redone). */
  cond: Map<number, Cond>;
}
const lazyCompares = new WeakMap<Ctx, LazyCompares>();

/**
 * The lane mask of memory op `i` (a masked op that reads or writes memory: load, store, atomics), which takes its
 * condition from {@link selectCondition} (isel-memory.ts, maskCondition), unless it is also the op's data.
 */
function memoryMask(i: Instr): Value | undefined {
  const info = opInfo(i.op);
  const at = info?.mask;
  if (at === undefined || !(info?.readsMemory || info?.effect)) return undefined;
  const m = i.args[at];
  return m && i.args.indexOf(m) === at ? m : undefined;
}

/** The condition under which select condition `v` is true, with the flags set for it. */
function selectCondition(c: Ctx, v: Value): Cond {
  const lazy = lazyCompares.get(c);
  const cmpIns = lazy?.ins.get(v.id);
  if (!lazy || !cmpIns) {
    pushZeroTest(c, src(c, v), v);
    return 'ifna';
  }
  const cond = lazy.cond.get(v.id);
  if (c.flagsFrom === v.id && cond) return cond;
  const fresh = compare(c, String(cmpIns.attrs?.pred ?? ''), arg(c, cmpIns, 0), arg(c, cmpIns, 1));
  lazy.cond.set(v.id, fresh);
  c.flagsFrom = v.id;
  return fresh;
}

const NEGATE: Record<Cond, Cond> = { ifa: 'ifna', ifna: 'ifa', ifb: 'ifnb', ifnb: 'ifb' };

/** A conditional op (compiler/backend/common/condops.ts): d := x, then d := x ∘ y where the condition holds. */
function selectCondOp(c: Ctx, f: CondOp, d: VReg): void {
  const x = src(c, f.x);
  const y = src(c, f.y);
  const cond = selectCondition(c, f.cond);
  mov(c, d, x);
  alu(c, 'add', f.op, d, [x, y], { cond: f.invert ? NEGATE[cond] : cond });
}

const GENERAL_OPS = {
  cmp: (c, ins, d) => boolFromFlags(c, d, compare(c, String(ins.attrs?.pred ?? ''), arg(c, ins, 0), arg(c, ins, 1))),
  select: (c, ins, d) => {
    const cond = selectCondition(c, arg(c, ins, 0));
    mov(c, d, src(c, arg(c, ins, 2)));
    mov(c, d, src(c, arg(c, ins, 1)), cond);
  },
  frint: (c, ins, d) => alu(c, 'add', 'fround', d, [src(c, arg(c, ins, 0))]),
  cvt: (c, ins, d) => {
    const from = arg(c, ins, 0).type;
    const to = ins.result?.type;
    const s = src(c, arg(c, ins, 0));
    if (to === 'f32' && from === 'i32') alu(c, 'add', 'itof', d, [s]);
    else if (to === 'f32' && (from === 'u32' || from === 'bool')) alu(c, 'add', 'utof', d, [s]);
    else if (to === 'i32' && from === 'f32') alu(c, 'add', 'ftoiz', d, [s]);
    else if (to === 'u32' && from === 'f32') alu(c, 'add', 'ftouz', d, [s]);
    else if (to === 'bool' && from === 'f32') {
      // f32 → bool: x != 0 (NaN is true, as fcmp of NaN sets no Z).
      alu(c, 'add', 'fcmp', magic(MAGIC.NOP), [s, imm(0)], { pf: 'pushz' });
      boolFromFlags(c, d, 'ifna');
    } else if (to === 'bool') {
      pushZeroTest(c, s);
      boolFromFlags(c, d, 'ifna');
    } else mov(c, d, s);
  },
} as const satisfies OpHandlers;

/**
 * How the V3D backend selects every IR op: a handler, 'inline' (selectInstructions
 * itself: no result register, or no instruction), or 'expanded' (the target passes
 * rewrite it before any backend sees it). A Record over all op names, so a new op
 * in the op table is a type error here until the backend says what it does with it.
 */
const HANDLERS: Record<OpName, OpHandler | 'inline' | 'expanded'> = {
  ...INT_OPS, ...FLOAT_OPS, ...MEMORY_OPS, ...LANE_OPS, ...GENERAL_OPS,
  const: 'inline', store: 'inline', barrier: 'inline', bitcast: 'inline',
  any: 'inline', all: 'inline', // only as branch conditions (fused into the branch); expand-lanes rewrote the rest
  reduce_add: 'expanded', reduce_min: 'expanded', reduce_max: 'expanded',
  div: 'expanded', rem: 'expanded', mulhi: 'expanded', uaddsat8: 'expanded', usubsat8: 'expanded', umin8: 'expanded', umax8: 'expanded',
  fdiv: 'expanded', fsqrt: 'expanded', fexp: 'expanded', flog: 'expanded', fpow: 'expanded', fsin: 'expanded', fcos: 'expanded',
  ftan: 'expanded', fatan: 'expanded', fasin: 'expanded', facos: 'expanded', fsinh: 'expanded', fcosh: 'expanded', ftanh: 'expanded',
  fsign: 'expanded', fcbrt: 'expanded', fexpm1: 'expanded', flog1p: 'expanded', flog10: 'expanded', fatan2: 'expanded', fhypot: 'expanded', frem: 'expanded',
};

function selectInstr(c: Ctx, ins: Instr, d: VReg): void {
  const h = HANDLERS[ins.op];
  if (typeof h !== 'function') throw new BackendError(`the V3D backend expects '${ins.op}' ${h === 'expanded' ? 'expanded by the target passes' : 'handled inline'}`, c.loc);
  h(c, ins, d);
}

/**
 * Parallel copy of block arguments into a target's parameters. Only arguments
 * that are themselves parameters of the target (loop back edges: a swap, a
 * rotation) go through temporaries; the rest are moved directly, so a merge
 * of many values does not double the live set.
 */
function copyArgs(c: Ctx, target: Block, args: Value[]): void {
  // The registers the copies write: an argument read from one of them is saved first (by register, not by IR value:
  // an i32 <-> u32 cvt or a bitcast of a parameter is the parameter's register).
  const written = new Set(target.params.map((p) => c.vals.get(p.id)).flatMap((r) => (r?.kind === 'vreg' ? [r.id] : [])));
  const temps: MSrc[] = args.map((a) => {
    const s = src(c, a);
    if (s.kind !== 'vreg' || !written.has(s.id)) return s;
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

const INVERT = { anyna: 'alla', allna: 'anya', anya: 'allna', alla: 'anyna' } as const;

/** Branch arguments copied before a conditional branch at most (more would lengthen too many live ranges). */
const MAX_HOISTED_ARGS = 8;

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
  const mf: MFunction = { name: fn.name, blocks: [], uniforms: [], nextVReg: 0, workgroupSize: workgroupSizeOf(fn), ...(fn.threadSwitch ? { threadSwitch: true } : {}) };
  const entry: EntryRegs = { uniforms: new Map() };
  entryRegs.set(mf, entry);
  const kernelStores = fn.blocks.some((b) => b.instrs.some((i) => i.op === 'store' || i.op === 'atomic' || i.op === 'atomic_cas'));
  const c: Ctx = { ver, fn, mf, cur: [], vals: new Map(), defs: new Map(), blockOf: new Map(), storesPending: false, kernelStores, scaledIndex: new Map() };
  const liveIn = irLiveIn(fn);
  const lazy = flagOnlyCompares(fn, true, memoryMask);
  const uses = useCounts(fn);
  const irDefs = definitions(fn);
  lazyCompares.set(c, { ins: lazy, cond: new Map() });
  const condOps = conditionalOps(fn, false);
  const condSkips = new Set([...condOps.values()].map((f) => f.skip));
  c.condition = (v) => selectCondition(c, v);

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
  // Flag A at the end of each selected block: a block with a single predecessor starts with it (copies of branch
  // arguments between them write no flags).
  const preds = new Map<number, number[]>();
  for (const b of fn.blocks) {
    const t = b.term;
    const targets = t.kind === 'br' ? [t.target.block] : t.kind === 'condbr' ? [t.then.block, t.else.block] : [];
    for (const x of new Set(targets)) preds.set(x.id, [...(preds.get(x.id) ?? []), b.id]);
  }
  const flagsAtEnd = new Map<number, number | undefined>();
  const layout = new Map(fn.blocks.map((b, i) => [b.id, i]));
  /** A block with nothing to select but its branch: constants, and a compare or any/all fused into the branch. */
  const testOnly = (h: Block): boolean =>
    h.instrs.every(
      (i) =>
        i.op === 'const' ||
        (i.result !== undefined && i.result === (h.term.kind === 'condbr' ? h.term.cond : undefined) && onlyBranchConditions(fn, i.result) && ((i.op === 'cmp' && i.result.uniform) || i.op === 'any' || i.op === 'all')),
    );
  // Blocks whose parameters and instructions have machine operands by now (a fused product reads only those).
  const visited = new Set<number>();
  const defined = (v: Value): boolean => {
    const at = irDefs.get(v);
    if (!at) return fn.params.some((p) => p.value.id === v.id);
    return at.instr ? c.defs.get(v.id) === at.instr : visited.has(at.block.id);
  };
  const fused = new Set<Instr>();
  fn.blocks.forEach((b, bi) => {
    visited.add(b.id);
    const mb = c.blockOf.get(b.id) as MBlock;
    c.cur = mb.instrs;
    c.storesPending = kernelStores;
    c.scaledIndex = new Map();
    const ps = preds.get(b.id) ?? [];
    c.flagsFrom = ps.length === 1 && bi > 0 ? flagsAtEnd.get(ps[0] as number) : undefined;
    const vectors = vectorGroups(b, uses, irDefs);
    for (const ins of b.instrs) {
      c.loc = ins.loc;
      if (ins.result) c.defs.set(ins.result.id, ins);
      if (vectors.skip.has(ins) || fused.has(ins) || condSkips.has(ins)) continue;
      if (ins.op === 'rotate') {
        const product = rotateIntoProduct(c, ins, b, uses, defined);
        if (product) {
          fused.add(product);
          continue;
        }
      }
      const group = vectors.at.get(ins);
      if (group) {
        if (group.kind === 'load') selectVectorLoad(c, group);
        else selectVectorStore(c, group);
        continue;
      }
      if (ins.op === 'const') {
        const r = ins.result as Value;
        const bits = constBits(ins);
        if (smallImmIndex(bits) !== undefined) c.vals.set(r.id, imm(bits));
        else c.vals.set(r.id, uniformReg(c, { kind: 'const', value: bits }));
        continue;
      }
      if (ins.op === 'cmp' && ins.result?.uniform && b.term.kind === 'condbr' && b.term.cond === ins.result && onlyBranchConditions(fn, ins.result)) {
        // Compare and branch: a uniform compare used only by this block's branch sets the flags at the branch (no 0/1 value).
        continue;
      }
      if ((ins.op === 'any' || ins.op === 'all') && ins.result && onlyBranchConditions(fn, ins.result)) {
        // Used only as branch conditions: each branch tests the mask itself (flags + anyna/allna), no cross-lane reduction.
        continue;
      }
      if (ins.op === 'store') {
        selectStore(c, ins);
        continue;
      }
      if (ins.op === 'barrier') {
        selectBarrier(c);
        continue;
      }
      if ((ins.op === 'bitcast' || (ins.op === 'cvt' && isIntWord(ins.args[0]?.type) && isIntWord(ins.result?.type))) && ins.result) {
        // The same 32 bits under another type (an i32 ↔ u32 conversion too): no instruction.
        c.vals.set(ins.result.id, src(c, arg(c, ins, 0)));
        continue;
      }
      if (ins.op === 'cmp' && ins.result && lazy.has(ins.result.id)) continue; // each select compares (selectCondition)
      const r = ins.result;
      if (!r) throw new BackendError(`'${ins.op}' without a result`, c.loc);
      const d = newVReg(c);
      c.vals.set(r.id, d);
      const condOp = condOps.get(ins);
      if (condOp) selectCondOp(c, condOp, d);
      else selectInstr(c, ins, d);
    }
    closeTmuGroup(c);
    const t = b.term;
    c.loc = t.loc;
    const next = fn.blocks[bi + 1];
    const recordFlags = () => flagsAtEnd.set(b.id, c.flagsFrom);
    const jump = (target: number) => emit(c, { unit: 'branch', op: 'b', srcs: [], branch: { cond: 'always', target } });
    /** Whether a branch from this block to `to` goes back (to a block laid out here or before: a loop's back edge). */
    const goesBack = (to: Block) => (layout.get(to.id) ?? Infinity) <= bi;
    const condBranch = (t: CondBr): void => {
      const cond = branchCondition(c, t.cond);
      recordFlags();
      // Arguments for a block whose parameters are used only inside that block can be copied before the
      // branch: on the other path nothing reads them. That saves a copy block and a jump (loop back edges).
      // Not for wide merges: the hoisted copies stay live across the other path and add to its register pressure.
      // Not either when the other side is a loop's back edge: the copies would run on every pass, for the exit.
      const hoist = (side: BlockRef, other: BlockRef) =>
        side.args.length > 0 &&
        !goesBack(other.block) &&
        side.args.length <= MAX_HOISTED_ARGS &&
        side.block !== other.block &&
        side.block.params.every((p) => !liveIn.get(other.block.id)?.has(p.id) && !other.args.some((a) => a.id === p.id));
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
        // Hoisted else-arguments were already copied before the branch.
        if (elseArgs.length > 0) copyArgs(c, t.else.block, elseArgs);
        if (t.else.block !== next) jump(t.else.block.id);
      }
    };
    if (t.kind === 'ret') {
      jump(-1); // -1 = the program end sequence
    } else if (t.kind === 'br') {
      recordFlags();
      copyArgs(c, t.target.block, t.target.args);
      const h = t.target.block;
      if (h.term.kind === 'condbr' && goesBack(h) && testOnly(h)) {
        // A back edge to a header that only tests: the test itself ends this block (the loop runs bottom-tested,
        // with no jump back to the test and no branch delay slots left empty there). The copies just made changed
        // what any flags were computed from.
        c.flagsFrom = undefined;
        c.loc = h.term.loc;
        condBranch(h.term);
      } else if (h !== next) jump(h.id);
    } else condBranch(t);
  });

  // Entry prologue: payload first (before anything can overwrite rf0..rf3), then the uniform stream in slot order.
  const pro: MInstr[] = [...payloadIds(ver, workgroupSizeOf(fn), entry, () => vreg(mf.nextVReg++))];
  mf.constants = new Map();
  for (const [key, r] of entry.uniforms) {
    const slot = JSON.parse(key) as UniformSlot;
    if (slot.kind === 'const') mf.constants.set(r.id, slot.value >>> 0);
    pro.push({ unit: 'sig', op: 'ldunifrf', dst: r, srcs: [] });
  }
  // Uniform slots were pushed in first-use order, which is the Map's insertion order: the prologue reads them in that order.
  mf.blocks = [{ id: nextBlockId++, instrs: pro }, ...body];
  if (ver === 42) selectsIntoRotates(mf);
  if (ver === 42) valuesIntoRotates(mf);
  foldTmuAddresses(mf, ver === 42 ? 1 : 2);
  return mf;
}

/** A conditional branch terminator. */
type CondBr = Extract<Terminator, { kind: 'condbr' }>;

/** Whether t is a 32-bit integer type (i32 ↔ u32 conversions keep the bits). */
function isIntWord(t: IrType | undefined): boolean {
  return t === 'i32' || t === 'u32';
}

/** Whether every use of v is as a `condbr` condition. */
/** Values live on entry to each block (IR level), by block id. */
function irLiveIn(fn: IrFunction): Map<number, Set<number>> {
  const gen = new Map<number, Set<number>>();
  const kill = new Map<number, Set<number>>();
  const succs = new Map<number, number[]>();
  for (const b of fn.blocks) {
    const g = new Set<number>();
    const k = new Set<number>(b.params.map((p) => p.id));
    const use = (v: Value) => {
      if (!k.has(v.id)) g.add(v.id);
    };
    for (const i of b.instrs) {
      i.args.forEach(use);
      if (i.result) k.add(i.result.id);
    }
    const t = b.term;
    if (t.kind === 'br') t.target.args.forEach(use);
    if (t.kind === 'condbr') {
      use(t.cond);
      [...t.then.args, ...t.else.args].forEach(use);
    }
    gen.set(b.id, g);
    kill.set(b.id, k);
    succs.set(b.id, t.kind === 'br' ? [t.target.block.id] : t.kind === 'condbr' ? [t.then.block.id, t.else.block.id] : []);
  }
  const liveIn = new Map<number, Set<number>>(fn.blocks.map((b) => [b.id, new Set(gen.get(b.id))]));
  for (let changed = true; changed; ) {
    changed = false;
    for (const b of [...fn.blocks].reverse()) {
      const inn = liveIn.get(b.id) as Set<number>;
      const k = kill.get(b.id) as Set<number>;
      for (const s of succs.get(b.id) ?? []) {
        for (const v of liveIn.get(s) ?? []) {
          if (!k.has(v) && !inn.has(v)) {
            inn.add(v);
            changed = true;
          }
        }
      }
    }
  }
  return liveIn;
}

/** Branch condition for a uniform bool: fuses any()/all() of a mask; else tests the 0/1 value. */
function branchCondition(c: Ctx, cond: Value): 'anyna' | 'allna' | 'anya' | 'alla' {
  const def = c.defs.get(cond.id);
  if (def && def.op === 'cmp' && c.vals.get(cond.id) === undefined) {
    // Fused compare (its selection was deferred to here): every lane computes the same uniform result.
    const [a, b2] = def.args;
    if (!a || !b2) throw new BackendError('cmp: missing operand', c.loc);
    return compare(c, String(def.attrs?.['pred'] ?? ''), a, b2) === 'ifa' ? 'anya' : 'anyna';
  }
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
