/**
 * The pass pipeline between the frontend and the backends.
 */
import type { IrFunction } from '../ir/types.ts';
import { lowerSpmd } from './spmd.ts';
import { shapeLoops } from './loopshape.ts';
import { gatherUniformLoads } from './lanegather.ts';
import { analyzeUniformity } from './uniformity.ts';
import { propagateCopies } from './copyprop.ts';
import { foldConstants } from './fold.ts';
import { numberValues } from './gvn.ts';
import { hoistInvariants } from './licm.ts';
import { reduceStrength } from './strength.ts';
import { eliminateDeadCode } from './dce.ts';
import { classifyMemoryAccesses } from './memaccess.ts';
import { simplifyCfg } from './simplifycfg.ts';
import { reorderMemory } from './memorder.ts';
import { expandIntegerOps } from './expand-int.ts';
import { expandLaneOps } from './expand-lanes.ts';
import { expandFloatOps } from './expand-float.ts';
import type { DmaStore, TargetInfo } from '../target/targets.ts';
import { cloneFunction } from '../ir/builder.ts';
import { expandTrig } from './trig-reduce.ts';
import { rebaseAddresses } from './rebase.ts';
import { groupVectorLoads } from './vecgroup.ts';
import { smallImmIndex as v3dSmallImm } from '../isa/v3d/instr.ts';
import { smallImmCode as vc4SmallImm } from '../isa/vc4/table.ts';

/** What the passes may know of the target (the IR is otherwise target-neutral). */
export interface PrepareOptions {
  /** TMU lookups one pass of a loop may keep in flight: the target's TMU FIFO depth (default: the smallest of all targets). */
  loadBudget?: number;
  /** Words one TMU lookup can move per lane (the target's `tmuVectorWords`; default 1: no regrouping for vector lookups). */
  vectorWords?: number;
  /** Whether tagged loads move above the main loop's stores (the target's `tmuStores`; default true). */
  reorderLoads?: boolean;
  /** Whether each main-loop pass's loads go ahead of its other work (the target's `passLoadsFirst`; default false). */
  passLoadsFirst?: boolean;
  /**
   * Stores through multi-row DMAs (the target's `dmaStore`, VC4): loop shaping unrolls grid-stride loops that store
   * to `rows` copies (`wideRows` where the kernel's batches qualify) and tags their stores for one DMA per pass
   * (compiler/passes/loopshape.ts, storeBatch).
   */
  dmaStore?: DmaStore;
  /** Whether address rebasing also moves loop-invariant index parts before their loop (the target's `hoistAddressParts`; default false). */
  hoistAddressParts?: boolean;
  /**
   * Whether a 32-bit value is an immediate operand of the target's ALU ops (its small immediates); address rebasing
   * chains sibling addresses whose offsets are not (compiler/passes/rebase.ts). Default: no chaining.
   */
  isImmediate?: (value: number) => boolean;
  /** Whether small store-only blocks under a lane mask run unguarded, their stores masked (the target's `tmuStores`; default false; compiler/passes/spmd.ts). */
  unguardedStores?: boolean;
  /** Whether four sibling 32-bit loads of consecutive words become one vector lookup (a target whose `tmuVectorWords` is 4 and `tmuVectorAlignment` 4: vc7; compiler/passes/vecgroup.ts). */
  vectorSiblings?: boolean;
}

/** The options {@link prepareForBackend} takes for `target`. */
export function prepareOptionsFor(target: TargetInfo): PrepareOptions {
  const isImmediate = target.family === 'vc4' ? (v: number) => vc4SmallImm(v) !== undefined : (v: number) => v3dSmallImm(v) !== undefined;
  return { loadBudget: target.tmuFifoDepth, vectorWords: target.tmuVectorWords, reorderLoads: target.tmuStores, passLoadsFirst: target.passLoadsFirst, hoistAddressParts: target.hoistAddressParts, isImmediate, unguardedStores: target.tmuStores, vectorSiblings: target.tmuVectorWords >= 4 && target.tmuVectorAlignment === 4, ...(target.dmaStore ? { dmaStore: target.dmaStore } : {}) };
}

/** A named IR-to-IR pass. */
export interface Pass {
  name: string;
  run: (fn: IrFunction, options?: PrepareOptions) => IrFunction;
}

/** The passes {@link prepareForBackend} runs, in order (tests verify the IR after each). */
export const BACKEND_PASSES: readonly Pass[] = [
  { name: 'spmd', run: (fn, o) => lowerSpmd(fn, o?.unguardedStores === true) },
  { name: 'copyprop', run: propagateCopies },
  { name: 'fold', run: foldConstants },
  { name: 'gvn', run: numberValues },
  { name: 'licm', run: hoistInvariants },
  { name: 'strength', run: reduceStrength },
  { name: 'licm2', run: hoistInvariants },
  { name: 'loopshape', run: (fn, o) => shapeLoops(fn, o?.loadBudget, o?.vectorWords, o?.dmaStore, o?.passLoadsFirst) },
  { name: 'rebase', run: (fn, o) => rebaseAddresses(fn, o?.hoistAddressParts === true, o?.isImmediate) },
  { name: 'fold2', run: foldConstants },
  { name: 'gvn2', run: numberValues },
  { name: 'vecgroup', run: (fn, o) => (o?.vectorSiblings === true ? groupVectorLoads(fn) : fn) },
  { name: 'dce', run: eliminateDeadCode },
  { name: 'simplifycfg', run: simplifyCfg },
  { name: 'memorder', run: (fn, o) => reorderMemory(fn, o?.reorderLoads !== false, o?.passLoadsFirst === true, o?.loadBudget) },
  { name: 'lanegather', run: gatherUniformLoads },
  { name: 'uniformity', run: analyzeUniformity },
  { name: 'memaccess', run: classifyMemoryAccesses },
];

/**
 * SPMD lowering plus optimisations: the IR every backend receives. Mutates
 * and returns `fn`. Afterwards every `condbr` condition is uniform (the
 * backend contract in docs/language.md).
 */
export function prepareForBackend(fn: IrFunction, options: PrepareOptions = {}): IrFunction {
  for (const p of BACKEND_PASSES) fn = p.run(fn, options);
  return fn;
}

/** A pass that lowers for one target's capabilities. */
export interface TargetPass {
  name: string;
  run: (fn: IrFunction, target: TargetInfo) => IrFunction;
}

/** The passes {@link lowerForTarget} runs, in order: expansions of ops no QPU has into primitive ops. */
export const TARGET_PASSES: readonly TargetPass[] = [
  { name: 'expand-int', run: expandIntegerOps },
  { name: 'expand-trig', run: (fn) => expandTrig(fn) },
  { name: 'expand-float', run: expandFloatOps },
  { name: 'expand-lanes', run: (fn) => expandLaneOps(fn) },
  // The expansions compute values some uses do not need (a division's remainder): drop them.
  { name: 'dce', run: (fn) => eliminateDeadCode(fn) },
];

/**
 * The IR a backend selects from: a copy of the prepared IR (which stays the
 * reference's input) with the math expansions for `target` applied, so only
 * primitive ops remain (docs/language.md, "Backend contract").
 */
export function lowerForTarget(fn: IrFunction, target: TargetInfo): IrFunction {
  let out = cloneFunction(fn);
  for (const p of TARGET_PASSES) out = p.run(out, target);
  return out;
}
