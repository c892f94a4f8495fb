/**
 * The completion word: a kernel variant that, as its very last action,
 * stores a known value for every lane it ran — `done[globalId] = COMPLETION_WORD`
 * — through one extra pointer parameter appended after the kernel's own.
 *
 * The runtime launches this variant on GPUs whose kernel driver cannot
 * report a reset (V3D kernels without GET_PARAM reset counters): the Linux
 * scheduler resets a hung V3D and WAIT_BO still returns 0, so a word left
 * unwritten is the only trace of a batch that never finished
 * (runtime/index.ts checks it after each dispatch).
 *
 * Runs on prepared IR (after passes/pipeline.ts prepareForBackend). Every
 * `ret` is reached by the whole batch (control flow is uniform there), and
 * the store has no lane mask, so all 16 lanes write their word whatever
 * their own path through the kernel was.
 */
import type { IrFunction, Value } from '../ir/types.ts';
import { cloneFunction, newValue } from '../ir/builder.ts';
import { analyzeUniformity } from './uniformity.ts';
import { classifyMemoryAccesses } from './memaccess.ts';

/** The value every lane writes (arbitrary, but never 0: the runtime's buffer starts zeroed). */
export const COMPLETION_WORD = 0x600d_d0e5;

/** Name of the appended parameter (a name no TypeScript kernel parameter can clash with at the launch interface). */
export const COMPLETION_PARAM = '__qpuc_done';

/** A copy of `fn` that writes {@link COMPLETION_WORD} to `done[globalId]` at every return; `done` is the last parameter. */
export function withCompletionWord(fn: IrFunction): IrFunction {
  const out = cloneFunction(fn);
  const done = newValue(out, { ptr: 'u32' }, true, COMPLETION_PARAM);
  out.params.push({ name: COMPLETION_PARAM, value: done });
  for (const b of out.blocks) {
    if (b.term.kind !== 'ret') continue;
    const loc = b.term.loc;
    const at = loc ? { loc } : {};
    const id: Value = newValue(out, 'u32', false);
    const addr: Value = newValue(out, { ptr: 'u32' }, false);
    const word: Value = newValue(out, 'u32', true);
    b.instrs.push(
      { op: 'global_id', args: [], result: id, ...at },
      { op: 'gep', args: [done, id], result: addr, ...at },
      { op: 'const', args: [], result: word, attrs: { value: COMPLETION_WORD }, ...at },
      { op: 'store', args: [addr, word], ...at },
    );
  }
  return classifyMemoryAccesses(analyzeUniformity(out));
}
