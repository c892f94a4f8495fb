/**
 * Instruction selection for VideoCore IV (vc4): lowered SSA IR → machine IR
 * over virtual registers (mir.ts).
 *
 * Input contract (compiler/passes/pipeline.ts): every `condbr` condition is
 * uniform; divergence is carried by varying bool masks (0 or 1 per lane) on
 * loads, stores and any/all.
 *
 * - Parameters, the QPU's logical number and the launch sizes come from the
 *   QPU's uniform stream, read once at entry; constants that are not small
 *   immediates are loaded once at entry with `ldi`.
 * - Bools are 0 or 1. A test sets Z where a bool is false (`or` with sf), so
 *   `zc` selects true lanes; branches use `anynz`/`allnz`/`allz`.
 */
import type { Block, Instr, IrFunction, Value } from '../../ir/types.ts';
import { onlyBranchConditions } from '../../ir/values.ts';
import { targets } from '../../ir/cfg.ts';
import type { Vc4AddOp, Vc4BranchCond, Vc4Cond } from '../../isa/vc4/instr.ts';
import type { MBlock, MOp, Src, VReg } from './mir.ts';
import {
  alu, BackendError, branch, emit, IO, mov, newBlockId, newVReg, op, src, startBlock, zeroTest,
  type Ctx, type OpHandler, type Vc4UniformSlot,
} from './isel-ctx.ts';
import { BYTE_OPS, INT_OPS, simm } from './isel-int.ts';
import { FLOAT_OPS, icmpFlags } from './isel-float.ts';
import { BATCH_DMA_RUNS_ON, MEMORY_OPS, runRoot, selectStore, STORE_ROWS, storeGroups, vpmRowsFor, waitForPendingDma, type StoreGroup } from './isel-memory.ts';
import { LANE_OPS, selectBarrier } from './isel-lanes.ts';
import { selectAtomic } from './isel-atomic.ts';
import { conditionalOps, flagOnlyCompares, type CondOp } from '../common/condops.ts';

export { BackendError } from './isel-ctx.ts';

const NEGATE: Partial<Record<Vc4Cond, Vc4Cond>> = { zs: 'zc', zc: 'zs', ns: 'nc', nc: 'ns', cs: 'cc', cc: 'cs' };

/**
 * The condition under which bool `v` is true, with the flags set for it: a lazy compare's own flags (redone only
 * when something wrote the flags since), else a zero test of the 0/1 value.
 */
function condition(c: Ctx, v: Value): Vc4Cond {
  const cmp = c.lazyCompares.get(v.id);
  if (!cmp) {
    zeroTest(c, src(c, v), v);
    return 'zc';
  }
  if (c.flagsFrom === v.id && c.flagsCond) return c.flagsCond;
  const held = equalityFromFlags(c, cmp);
  if (held) return held;
  const [a, b] = cmp.args as [Value, Value];
  const cond = icmpFlags(c, String(cmp.attrs?.pred ?? ''), a.type === 'i32', src(c, a), src(c, b));
  c.flagsFrom = v.id;
  c.flagsCond = cond;
  return cond;
}

/**
 * The condition for an integer `eq`/`ne` compare that the flags already answer: the flags hold an unsigned ordered
 * compare (or an equality) of the same two values, whose `sub` (or `xor`) set Z where they are equal. Packed counters
 * test `g < k` and `g == k` for two words from one `sub.setf -, g, k` (kernels/histogram.ts). Records the compare
 * as the one the flags hold.
 */
function equalityFromFlags(c: Ctx, cmp: Instr): Vc4Cond | undefined {
  const pred = String(cmp.attrs?.pred ?? '');
  const prev = c.flagsFrom === undefined ? undefined : c.lazyCompares.get(c.flagsFrom);
  if ((pred !== 'eq' && pred !== 'ne') || !prev || !cmp.result) return undefined;
  const [a, b] = cmp.args as [Value, Value];
  const [x, y] = prev.args as [Value, Value];
  const samePair = (a === x && b === y) || (a === y && b === x);
  // An i32 ordered compare sets the flags with `min` (no Z for equality); a u32 one and an equality with `sub`/`xor`.
  const zIsEqual = x.type === 'u32' || prev.attrs?.pred === 'eq' || prev.attrs?.pred === 'ne';
  if (!samePair || !zIsEqual || x.type === 'f32') return undefined;
  const cond: Vc4Cond = pred === 'eq' ? 'zs' : 'zc';
  c.flagsFrom = cmp.result.id;
  c.flagsCond = cond;
  return cond;
}

/**
 * A conditional op (compiler/backend/common/condops.ts): d := x, then d := x ∘ y where the condition holds. A per-byte
 * op runs on the mul ALU, whose write condition reads the flags as they were before its word: the add ALU of the same
 * word may set them for the next one (a compare beside the previous compare's conditional byte add).
 */
function selectCondOp(c: Ctx, f: CondOp, d: VReg): void {
  const x = src(c, f.x);
  const y = src(c, f.y);
  const cond = condition(c, f.cond);
  mov(c, d, x);
  alu(c, BYTE_OPS[f.op] ?? (f.op as Vc4AddOp), d, x, y, { cond: f.invert ? (NEGATE[cond] as Vc4Cond) : cond });
}

const GENERAL_OPS: Record<string, OpHandler> = {
  select: (c, ins, d) => {
    const [m, x, y] = ins.args as [Value, Value, Value];
    const xs = src(c, x);
    const ys = src(c, y);
    const cond = condition(c, m);
    mov(c, d, ys);
    mov(c, d, xs, cond);
  },
};

/** Every IR op with a result that the VC4 backend selects, by name. */
const HANDLERS: Record<string, OpHandler> = { ...INT_OPS, ...FLOAT_OPS, ...MEMORY_OPS, ...LANE_OPS, ...GENERAL_OPS, atomic: selectAtomic, atomic_cas: selectAtomic };

/** The selected machine function. */
export interface Vc4MFunction {
  name: string;
  /** Blocks in layout order; the first is the prologue. */
  blocks: MBlock[];
  uniforms: Vc4UniformSlot[];
  nextVReg: number;
  /** Whether the kernel needs the scratch area (the sink for inactive lanes). */
  usesScratch: boolean;
}

/** Parallel copy of block arguments into a target's parameters (arguments that are themselves parameters go through temporaries). */
function copyArgs(c: Ctx, target: Block, args: Value[]): void {
  const params = new Set(target.params.map((p) => p.id));
  const temps: Src[] = args.map((a) => {
    const s = src(c, a);
    if (s.k !== 'v' || !params.has(a.id)) return s;
    const t = newVReg(c);
    mov(c, t, s);
    return t;
  });
  target.params.forEach((p, k) => {
    const t = temps[k];
    const d = c.vals.get(p.id);
    if (!t || !d || d.k !== 'v') throw new BackendError('block argument mismatch', c.loc);
    mov(c, d, t);
  });
}

const INVERT: Record<string, Vc4BranchCond> = {
  anynz: 'allz', allnz: 'anyz', anyz: 'allnz', allz: 'anynz', anyc: 'allnc', allc: 'anync', anync: 'allc', allnc: 'anyc',
};
/** The branch on any()/all() of lanes whose flags meet a condition. */
const FLAG_BRANCH = {
  any: { zs: 'anyz', zc: 'anynz', cs: 'anyc', cc: 'anync' },
  all: { zs: 'allz', zc: 'allnz', cs: 'allc', cc: 'allnc' },
} as const;

/**
 * Integer compares that a block branches on, directly (uniform) or through
 * an `any`/`all` without a mask, and that nothing else reads: branchCondition
 * sets the flags from the compare itself and branches on them
 * (`sub.setf -, q, k; brr.anyc`) instead of a 0/1 value and a test of it.
 */
function fusableCompares(fn: IrFunction): Set<number> {
  const readers = new Map<number, number>();
  for (const b of fn.blocks) {
    for (const i of b.instrs) for (const a of i.args) readers.set(a.id, (readers.get(a.id) ?? 0) + 1);
    for (const t of targets(b.term)) for (const a of t.args) readers.set(a.id, (readers.get(a.id) ?? 0) + 2);
    if (b.term.kind === 'condbr') readers.set(b.term.cond.id, (readers.get(b.term.cond.id) ?? 0) + 1);
  }
  const out = new Set<number>();
  for (const b of fn.blocks) {
    if (b.term.kind !== 'condbr') continue;
    const cond = b.term.cond;
    const vote = b.instrs.find((i) => i.result?.id === cond.id);
    if (!vote || readers.get(cond.id) !== 1) continue;
    if (vote.op === 'cmp') {
      // A uniform compare branched on directly.
      if (vote.args[0]?.type !== 'f32') out.add(cond.id);
      continue;
    }
    if ((vote.op !== 'any' && vote.op !== 'all') || vote.args.length !== 1) continue;
    const tested = vote.args[0] as Value;
    const cmp = b.instrs.find((i) => i.result?.id === tested.id);
    if (!cmp || cmp.op !== 'cmp' || cmp.args[0]?.type === 'f32' || readers.get(tested.id) !== 1) continue;
    out.add(tested.id);
  }
  return out;
}

/** Translate one lowered IR function to VC4 machine IR. */
export function selectVc4(fn: IrFunction): Vc4MFunction {
  const fusedCompares = fusableCompares(fn);
  const irMax = Math.max(0, ...fn.blocks.map((b) => b.id));
  const first: MBlock = { id: irMax + 1, ops: [] };
  const c: Ctx = {
    fn, out: [], cur: first, vals: new Map(), defs: new Map(), nextVReg: 0, nextBlock: irMax + 2,
    uniforms: [], unifRegs: new Map(), constRegs: new Map(), entryRegs: new Map(), pendingDma: new Set(), runRoots: new Set(), allDefs: new Map(),
    vpmRows: STORE_ROWS,
    lazyCompares: flagOnlyCompares(fn, false),
  };
  const condOps = conditionalOps(fn, true);
  const condSkips = new Set([...condOps.values()].map((f) => f.skip));
  const deferred: MBlock[] = [];

  fn.params.forEach((p, k) => {
    const r = newVReg(c);
    c.vals.set(p.value.id, r);
    c.unifRegs.set(JSON.stringify({ kind: 'param', index: k }), r);
    c.uniforms.push({ kind: 'param', index: k });
  });
  for (const b of fn.blocks) for (const p of b.params) c.vals.set(p.id, newVReg(c));

  /** The two-way branch of `t` at the end of the current block (`next`: the block laid out after it). */
  const condBranch = (t: Extract<Block['term'], { kind: 'condbr' }>, next: Block | undefined): void => {
    const cond = branchCondition(c, t.cond);
    const viaCopies = (target: Block, args: Value[]): number => {
      if (args.length === 0) return target.id;
      const id = newBlockId(c);
      const saved = c.cur;
      const savedConsts = c.constRegs;
      const savedFlags = c.flagsFrom;
      const cb: MBlock = { id, ops: [] };
      // The copy block is a block of its own: constants it loads are not available in the block it branches
      // from (they were reused there before: seed 2717 read a constant never loaded on its path).
      c.cur = cb;
      c.constRegs = new Map();
      copyArgs(c, target, args);
      emit(c, { k: 'br', cond: 'always', target: target.id });
      c.cur = saved;
      c.constRegs = savedConsts;
      c.flagsFrom = savedFlags;
      deferred.push(cb);
      return id;
    };
    if (t.then.block === next && t.then.args.length === 0) {
      branch(c, INVERT[cond] as Vc4BranchCond, viaCopies(t.else.block, t.else.args));
    } else {
      branch(c, cond, viaCopies(t.then.block, t.then.args));
      copyArgs(c, t.else.block, t.else.args);
      if (t.else.block !== next) branch(c, 'always', t.else.block.id);
    }
  };

  const layout = new Map(fn.blocks.map((b, i) => [b.id, i]));
  /** A block with nothing to select but its branch: constants and a fused compare (with its any/all). */
  const testOnly = (h: Block): boolean =>
    h.instrs.every((i) => i.op === 'const' || (i.result !== undefined && fusedCompares.has(i.result.id)) || ((i.op === 'any' || i.op === 'all') && fusedCompares.has((i.args[0] as Value).id)));

  // Store groups of every block (definitions are SSA: all of the function's serve every block), and the batches whose
  // DMA runs on while the next pass starts (isel-memory.ts storeGroup).
  const allDefs = new Map<number, Instr>();
  for (const b of fn.blocks) for (const i of b.instrs) if (i.result) allDefs.set(i.result.id, i);
  c.allDefs = allDefs;
  const blockGroups = fn.blocks.map((b) => storeGroups(b, allDefs, fn.params.map((p) => p.value)));
  c.vpmRows = vpmRowsFor(fn.blocks, blockGroups);
  if (BATCH_DMA_RUNS_ON) c.pendingDma = new Set(blockGroups.flatMap((m) => [...m.values()].flatMap((g) => (g.tag === undefined ? [] : [g.tag]))));
  if (BATCH_DMA_RUNS_ON && fn.noalias) c.runRoots = new Set(blockGroups.flatMap((m) => [...m.values()].flatMap((g) => runRoot(c, g, allDefs) ?? [])));

  fn.blocks.forEach((b, bi) => {
    startBlock(c, b.id);
    const groups = blockGroups[bi] as Map<Instr, StoreGroup>;
    for (const ins of b.instrs) {
      c.loc = ins.loc;
      if (ins.result) c.defs.set(ins.result.id, ins);
      if (ins.op === 'const') continue; // materialised where used (src)
      if ((ins.op === 'any' || ins.op === 'all') && ins.result && onlyBranchConditions(fn, ins.result)) continue;
      if (ins.result && fusedCompares.has(ins.result.id)) continue; // selected at the branch (branchCondition)
      if (ins.result && c.lazyCompares.has(ins.result.id)) continue; // each select compares (condition)
      if (condSkips.has(ins)) continue; // selected with the op it fuses into
      if (ins.op === 'store') {
        selectStore(c, ins, groups);
        continue;
      }
      if (ins.op === 'barrier') {
        waitForPendingDma(c);
        selectBarrier(c, ins.attrs?.['scope'] === 'workgroup');
        continue;
      }
      const r = ins.result;
      if (!r) throw new BackendError(`'${ins.op}' without a result`, c.loc);
      const condOp = condOps.get(ins);
      const h: OpHandler | undefined = condOp ? (cc, _i, d) => selectCondOp(cc, condOp, d) : HANDLERS[ins.op];
      if (!h) throw new BackendError(`the vc4 backend cannot translate '${ins.op}' yet`, c.loc);
      const d = newVReg(c);
      c.vals.set(r.id, d);
      h(c, ins, d);
    }
    const t = b.term;
    c.loc = t.loc;
    const next = fn.blocks[bi + 1];
    if (t.kind === 'ret') {
      waitForPendingDma(c);
      branch(c, 'always', -1);
    } else if (t.kind === 'br') {
      copyArgs(c, t.target.block, t.target.args);
      const h = t.target.block;
      if (h.term.kind === 'condbr' && (layout.get(h.id) ?? Infinity) <= bi && testOnly(h)) {
        // A back edge to a header that only tests: the test itself ends this block (the loop runs bottom-tested).
        c.loc = h.term.loc;
        condBranch(h.term, next);
      } else if (t.target.block !== next) branch(c, 'always', t.target.block.id);
    } else {
      condBranch(t, next);
    }
  });

  // Prologue: uniforms in stream order, then constants, then the registers computed once.
  const body = c.out;
  const entryOps: MOp[] = [];
  c.cur = { id: -2, ops: entryOps };
  c.constRegs = new Map();
  c.loc = undefined;
  for (const e of c.entryRegs.values()) e.ops(c, e.reg);
  const pro: MOp[] = [];
  c.uniforms.forEach((slot) => {
    const r = c.unifRegs.get(JSON.stringify(slot)) as VReg;
    pro.push({ k: 'alu', unit: 'add', op: 'or', dst: r, a: { k: 'io', file: 'A', addr: 32 }, b: { k: 'io', file: 'A', addr: 32 } });
  });
  // A kernel with TMU1 lookups (isel-memory.ts tmuOf) keeps each QPU's TMU0 and TMU1 requests on the slice's TMU0 and TMU1.
  const usesTmu1 = body.some((b) => b.ops.some((o) => o.k === 'alu' && o.dst?.k === 'io' && o.dst.addr === IO.TMU1_S));
  if (usesTmu1) pro.push({ k: 'alu', unit: 'add', op: 'or', dst: { k: 'io', addr: IO.TMU_NOSWAP }, a: simm(1), b: simm(1) });
  first.ops = [...pro, ...entryOps];
  return {
    name: fn.name,
    blocks: [first, ...body, ...deferred],
    uniforms: c.uniforms,
    nextVReg: c.nextVReg,
    usesScratch: c.unifRegs.has(JSON.stringify({ kind: 'scratch' })),
  };
}

/** Branch condition for a uniform bool: fuses compares and any()/all() of a mask; else tests the 0/1 value. */
function branchCondition(c: Ctx, cond: Value): Vc4BranchCond {
  const def = c.defs.get(cond.id);
  if (def?.op === 'cmp' && c.vals.get(cond.id) === undefined) {
    // A fused uniform compare (fusableCompares): every lane's flags agree.
    const [x, y] = def.args as [Value, Value];
    return FLAG_BRANCH.any[icmpFlags(c, String(def.attrs?.pred ?? ''), x.type === 'i32', src(c, x), src(c, y))];
  }
  if (def && (def.op === 'any' || def.op === 'all') && c.vals.get(cond.id) === undefined) {
    const [v, mask] = def.args as [Value, Value | undefined];
    const cmp = c.defs.get(v.id);
    if (!mask && cmp?.op === 'cmp' && c.vals.get(v.id) === undefined) {
      // A fused compare (fusableCompares): the flags of the compare itself.
      const [x, y] = cmp.args as [Value, Value];
      const lane = icmpFlags(c, String(cmp.attrs?.pred ?? ''), x.type === 'i32', src(c, x), src(c, y));
      return FLAG_BRANCH[def.op][lane];
    }
    let s = src(c, v);
    let tested: Value | undefined = v;
    if (mask) {
      tested = undefined;
      s = def.op === 'any' ? op(c, 'and', s, src(c, mask)) : op(c, 'or', s, op(c, 'xor', src(c, mask), simm(1)));
    }
    zeroTest(c, s, tested);
    return def.op === 'any' ? 'anynz' : 'allnz';
  }
  if (c.vals.get(cond.id) === undefined && c.defs.get(cond.id)?.op !== 'const') throw new BackendError('branch on an any()/all() value that is not available', c.loc);
  zeroTest(c, src(c, cond), cond);
  return 'anynz';
}
