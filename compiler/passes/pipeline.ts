/**
 * The pass pipeline between the frontend and the backends.
 */
import type { IrFunction } from '../ir/types.ts';
import { lowerSpmd } from './spmd.ts';
import { analyzeUniformity } from './uniformity.ts';
import { removeTrivialParams } from './params.ts';

/** A named IR-to-IR pass. */
export interface Pass {
  name: string;
  run: (fn: IrFunction) => IrFunction;
}

/** The passes {@link prepareForBackend} runs, in order (tests verify the IR after each). */
export const BACKEND_PASSES: readonly Pass[] = [
  { name: 'spmd', run: lowerSpmd },
  { name: 'params', run: removeTrivialParams },
  { name: 'uniformity', run: analyzeUniformity },
];

/**
 * SPMD lowering plus optimisations: the IR every backend receives. Mutates
 * and returns `fn`. Afterwards every `condbr` condition is uniform (the
 * backend contract in docs/language.md).
 */
export function prepareForBackend(fn: IrFunction): IrFunction {
  for (const p of BACKEND_PASSES) fn = p.run(fn);
  return fn;
}
