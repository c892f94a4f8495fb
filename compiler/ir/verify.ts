/**
 * The IR verifier: SSA form (single definitions, definitions dominate uses),
 * op arities and types from the op table, branch argument counts and types,
 * and — when asked — the post-SPMD-lowering invariant that every `condbr`
 * condition is uniform. Tests run it after every pass.
 */
import type { Block, IrFunction, Value } from './types.ts';
import { typeText } from './types.ts';
import { opInfo } from './ops.ts';
import { dominates, dominators, targets } from './cfg.ts';
import { checkInstrTypes } from './typing.ts';
import { sameInBatchValues } from './values.ts';

/** Options of {@link verifyFunction}. */
export interface VerifyOptions {
  /** Also check the backend contract: every condbr condition is uniform (see docs/language.md). */
  lowered?: boolean;
}

/** Checks a function; returns the problems found (empty when valid). */
export function verifyFunction(fn: IrFunction, opts: VerifyOptions = {}): string[] {
  const errors: string[] = [];
  const where = (b: Block, i?: number) => `${fn.name} b${b.id}${i === undefined ? ' terminator' : `[${i}]`}`;
  const entry = fn.blocks[0];
  if (!entry) return [`${fn.name}: no blocks`];
  if (entry.params.length > 0) errors.push(`${fn.name}: entry block b${entry.id} has parameters`);

  // Where each value is defined: block and position (-1 = block or function parameter).
  const defs = new Map<Value, { block: Block; pos: number }>();
  const ids = new Set<number>();
  const define = (v: Value, block: Block, pos: number, what: string) => {
    if (defs.has(v) || ids.has(v.id)) errors.push(`${what}: %${v.id} defined more than once`);
    if (v.id >= fn.nextValueId) errors.push(`${what}: %${v.id} >= nextValueId ${fn.nextValueId}`);
    defs.set(v, { block, pos });
    ids.add(v.id);
  };
  for (const p of fn.params) {
    define(p.value, entry, -1, `${fn.name} param ${p.name}`);
    if (!p.value.uniform) errors.push(`${fn.name} param ${p.name}: parameters are uniform`);
  }
  const blockIds = new Set<number>();
  for (const b of fn.blocks) {
    if (blockIds.has(b.id)) errors.push(`${fn.name}: block id b${b.id} used twice`);
    if (b.id >= fn.nextBlockId) errors.push(`${fn.name}: b${b.id} >= nextBlockId`);
    blockIds.add(b.id);
    for (const p of b.params) define(p, b, -1, `${fn.name} b${b.id} param`);
    b.instrs.forEach((ins, i) => {
      if (ins.result) define(ins.result, b, i, where(b, i));
    });
  }

  const idom = dominators(fn);
  const inFn = new Set(fn.blocks);
  const checkUse = (v: Value | undefined, b: Block, pos: number, what: string) => {
    if (!v) return errors.push(`${what}: missing operand`);
    const d = defs.get(v);
    if (!d) return errors.push(`${what}: %${v.id} is not defined in this function`);
    if (!idom.has(b)) return; // unreachable code: dominance is meaningless
    const ok = d.block === b ? d.pos < pos : dominates(idom, d.block, b);
    if (!ok) errors.push(`${what}: use of %${v.id} is not dominated by its definition`);
    return undefined;
  };

  const sameInBatch = sameInBatchValues(fn);
  for (const b of fn.blocks) {
    b.instrs.forEach((ins, i) => {
      const w = where(b, i);
      const info = opInfo(ins.op);
      if (!info) return errors.push(`${w}: unknown op '${ins.op}'`);
      if (ins.args.length < info.minArgs || ins.args.length > info.maxArgs) errors.push(`${w}: ${ins.op} takes ${info.minArgs}..${info.maxArgs} operands, got ${ins.args.length}`);
      if (info.result !== (ins.result !== undefined)) errors.push(`${w}: ${ins.op} ${info.result ? 'needs' : 'has no'} result`);
      ins.args.forEach((a) => checkUse(a, b, i, w));
      const te = ins.args.every((a) => a) ? checkInstrTypes(ins) : undefined;
      if (te) errors.push(`${w}: ${te}`);
      if (ins.result && info.varying && ins.result.uniform) errors.push(`${w}: ${ins.op} result must be varying`);
      if (ins.result?.uniform && !info.uniformResult) {
        // A uniform result needs uniform data operands (mask operands do not count).
        const maskAt = info.mask;
        const data = maskAt === undefined ? ins.args : ins.args.slice(0, maskAt);
        const bad = data.find((a) => a && !a.uniform);
        // local_id / 16k and local_id >> k (k >= 4) are the same in a batch (passes/uniformity.ts sameInBatchValues).
        if (bad && !sameInBatch.has(ins.result)) errors.push(`${w}: result marked uniform but operand %${bad.id} is varying`);
      }
      return undefined;
    });
    const w = where(b);
    const t = b.term;
    if (t.kind === 'condbr') {
      checkUse(t.cond, b, b.instrs.length, w);
      if (t.cond && t.cond.type !== 'bool') errors.push(`${w}: condbr condition must be bool`);
      if (opts.lowered && t.cond && !t.cond.uniform) errors.push(`${w}: condbr on varying %${t.cond.id} after SPMD lowering`);
    }
    for (const r of targets(t)) {
      if (!inFn.has(r.block)) errors.push(`${w}: branch to b${r.block.id} outside the function`);
      if (r.args.length !== r.block.params.length) errors.push(`${w}: b${r.block.id} takes ${r.block.params.length} arguments, got ${r.args.length}`);
      r.args.forEach((a, k) => {
        checkUse(a, b, b.instrs.length, w);
        const p = r.block.params[k];
        if (a && p && typeText(a.type) !== typeText(p.type)) errors.push(`${w}: argument ${k} to b${r.block.id} is ${typeText(a.type)}, parameter is ${typeText(p.type)}`);
      });
    }
    if (t.kind === 'br' && t.target.block === entry) errors.push(`${w}: branch to the entry block`);
    if (t.kind === 'condbr' && (t.then.block === entry || t.else.block === entry)) errors.push(`${w}: branch to the entry block`);
  }
  return errors;
}
