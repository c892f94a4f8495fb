/**
 * Constant folding and algebraic simplification. Folds with
 * compiler/ir/eval.ts, the interpreter's own semantics, so a folded program
 * means exactly what the unfolded one did. A `condbr` on a constant becomes
 * a `br`; blocks that become unreachable are removed.
 */
import type { Instr, IrFunction, Value } from '../ir/types.ts';
import { isPtr } from '../ir/types.ts';
import { opInfo } from '../ir/ops.ts';
import { evalOp } from '../ir/eval.ts';
import { removeUnreachable } from '../ir/cfg.ts';
import { replaceUses } from '../ir/values.ts';

function constOf(v: Value, consts: Map<Value, number>): number | undefined {
  return consts.get(v);
}

/** Folds constants and simplifies identities in place; returns the function. */
export function foldConstants(fn: IrFunction): IrFunction {
  const consts = new Map<Value, number>();
  const subst = new Map<Value, Value>();
  const resolve = (v: Value): Value => {
    while (subst.has(v)) v = subst.get(v)!;
    return v;
  };
  const makeConst = (i: Instr, x: number) => {
    i.op = 'const';
    i.args = [];
    i.attrs = { value: x };
    i.result!.uniform = true;
    consts.set(i.result!, x);
  };
  const localIds = new Set(fn.blocks.flatMap((b) => b.instrs.filter((i) => i.op === 'local_id' && i.result).map((i) => i.result as Value)));
  for (const b of fn.blocks) {
    for (const i of b.instrs) {
      // A new operand array only when an operand changes (the arrays may be shared).
      if (subst.size > 0 && i.args.some((a) => subst.has(a))) i.args = i.args.map(resolve);
      // A mask that is the constant true masks nothing.
      const at = opInfo(i.op)?.mask;
      if (at !== undefined && i.args.length > at && consts.get(i.args[at]!) === 1) i.args = i.args.slice(0, at);
      const r = i.result;
      if (!r) continue;
      if (i.op === 'const') {
        consts.set(r, Number(i.attrs?.['value'] ?? 0));
        continue;
      }
      if (i.op === 'any' || i.op === 'all') {
        // Over constant lanes: any(0) = 0 and all(1) = 1 whatever the mask; unmasked, any(c) = all(c) = c.
        const [c, m] = i.args.map((a) => constOf(a, consts));
        if (c === (i.op === 'any' ? 0 : 1) || (c !== undefined && (i.args.length === 1 || m === 1))) makeConst(i, c);
        continue;
      }
      const info = opInfo(i.op);
      if (!info?.foldable) continue;
      const cs = i.args.map((a) => constOf(a, consts));
      if (cs.every((c) => c !== undefined) && !isPtr(r.type)) {
        const t = info.evalInOperandType ? i.args[0]!.type : r.type;
        makeConst(i, evalOp(i.op, t, cs as number[], i.attrs, r.type));
        continue;
      }
      const simpler = simplify(i, cs);
      if (simpler) subst.set(r, simpler);
      else if (((i.op === 'rem' && cs[1] === 16) || (i.op === 'and' && cs[1] === 15)) && localIds.has(i.args[0]!)) {
        // localId() % 16 is the lane: a batch is 16 consecutive local ids from a multiple of 16.
        i.op = 'lane_id';
        i.args = [];
      }
    }
    const t = b.term;
    if (t.kind === 'condbr') {
      t.cond = resolve(t.cond);
      const c = consts.get(t.cond);
      if (c !== undefined) b.term = { kind: 'br', target: c ? t.then : t.else, ...(t.loc ? { loc: t.loc } : {}) };
    }
  }
  replaceUses(fn, subst);
  removeUnreachable(fn);
  return fn;
}

/** An existing value equal to the instruction's result, for identities like x+0, x*1, and(x,true). */
function simplify(i: Instr, cs: (number | undefined)[]): Value | undefined {
  const [a, b, c] = i.args;
  const [ca, cb, cc] = cs;
  const t = i.result!.type;
  const int = t === 'i32' || t === 'u32';
  switch (i.op) {
    case 'add': case 'or': case 'xor':
      if (t !== 'bool' && cb === 0) return a;
      if (t !== 'bool' && ca === 0) return b;
      if (i.op === 'or' && t === 'bool') return cb === 0 || ca === 1 ? a : ca === 0 || cb === 1 ? b : a === b ? a : undefined;
      return undefined;
    case 'sub': case 'shl': case 'shr': case 'sar':
      return int && cb === 0 ? a : undefined;
    case 'mul':
      return cb === 1 ? a : ca === 1 ? b : undefined;
    case 'div':
      return cb === 1 ? a : undefined;
    case 'fmul':
      return cb === 1 ? a : ca === 1 ? b : undefined;
    case 'and':
      if (t === 'bool') return cb === 1 || ca === 0 ? a : ca === 1 || cb === 0 ? b : a === b ? a : undefined;
      return a === b ? a : undefined;
    case 'select':
      if (ca !== undefined) return ca ? b : c;
      if (b === c) return b;
      return cb === 1 && cc === 0 && t === 'bool' ? a : undefined;
    case 'gep':
      return cb === 0 ? a : undefined;
  }
  return undefined;
}
