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
import type { Block, IrFunction, Value } from '../../ir/types.ts';
import { onlyBranchConditions } from '../../ir/values.ts';
import type { Vc4BranchCond } from '../../isa/vc4/instr.ts';
import type { MBlock, MOp, Src, VReg } from './mir.ts';
import {
  BackendError, branch, emit, mov, newBlockId, newVReg, op, src, startBlock, zeroTest,
  type Ctx, type OpHandler, type Vc4UniformSlot,
} from './isel-ctx.ts';
import { INT_OPS, simm } from './isel-int.ts';
import { FLOAT_OPS } from './isel-float.ts';
import { MEMORY_OPS, selectStore, storeRuns } from './isel-memory.ts';
import { LANE_OPS, selectBarrier } from './isel-lanes.ts';
import { selectAtomic } from './isel-atomic.ts';

export { BackendError } from './isel-ctx.ts';

const GENERAL_OPS: Record<string, OpHandler> = {
  select: (c, ins, d) => {
    const [m, x, y] = ins.args as [Value, Value, Value];
    zeroTest(c, src(c, m), m);
    mov(c, d, src(c, x));
    mov(c, d, src(c, y), 'zs');
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

const INVERT: Record<string, Vc4BranchCond> = { anynz: 'allz', allnz: 'anyz' };

/** Translate one lowered IR function to VC4 machine IR. */
export function selectVc4(fn: IrFunction): Vc4MFunction {
  const irMax = Math.max(0, ...fn.blocks.map((b) => b.id));
  const first: MBlock = { id: irMax + 1, ops: [] };
  const c: Ctx = {
    fn, out: [], cur: first, vals: new Map(), defs: new Map(), nextVReg: 0, nextBlock: irMax + 2,
    uniforms: [], unifRegs: new Map(), constRegs: new Map(), entryRegs: new Map(),
  };
  const deferred: MBlock[] = [];

  fn.params.forEach((p, k) => {
    const r = newVReg(c);
    c.vals.set(p.value.id, r);
    c.unifRegs.set(JSON.stringify({ kind: 'param', index: k }), r);
    c.uniforms.push({ kind: 'param', index: k });
  });
  for (const b of fn.blocks) for (const p of b.params) c.vals.set(p.id, newVReg(c));

  fn.blocks.forEach((b, bi) => {
    startBlock(c, b.id);
    const runs = storeRuns(b, c.defs);
    for (const ins of b.instrs) {
      c.loc = ins.loc;
      if (ins.result) c.defs.set(ins.result.id, ins);
      if (ins.op === 'const') continue; // materialised where used (src)
      if ((ins.op === 'any' || ins.op === 'all') && ins.result && onlyBranchConditions(fn, ins.result)) continue;
      if (ins.op === 'store') {
        selectStore(c, ins, runs);
        continue;
      }
      if (ins.op === 'barrier') {
        selectBarrier(c, ins.attrs?.['scope'] === 'workgroup');
        continue;
      }
      const r = ins.result;
      if (!r) throw new BackendError(`'${ins.op}' without a result`, c.loc);
      const h = HANDLERS[ins.op];
      if (!h) throw new BackendError(`the vc4 backend cannot translate '${ins.op}' yet`, c.loc);
      const d = newVReg(c);
      c.vals.set(r.id, d);
      h(c, ins, d);
    }
    const t = b.term;
    c.loc = t.loc;
    const next = fn.blocks[bi + 1];
    if (t.kind === 'ret') {
      branch(c, 'always', -1);
    } else if (t.kind === 'br') {
      copyArgs(c, t.target.block, t.target.args);
      if (t.target.block !== next) branch(c, 'always', t.target.block.id);
    } else {
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
  first.ops = [...pro, ...entryOps];
  return {
    name: fn.name,
    blocks: [first, ...body, ...deferred],
    uniforms: c.uniforms,
    nextVReg: c.nextVReg,
    usesScratch: c.unifRegs.has(JSON.stringify({ kind: 'scratch' })),
  };
}

/** Branch condition for a uniform bool: fuses any()/all() of a mask; else tests the 0/1 value. */
function branchCondition(c: Ctx, cond: Value): 'anynz' | 'allnz' {
  const def = c.defs.get(cond.id);
  if (def && (def.op === 'any' || def.op === 'all') && c.vals.get(cond.id) === undefined) {
    const [v, mask] = def.args as [Value, Value | undefined];
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
