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
  // The instruction defining each value seen so far (for identities that look through an operand's definition).
  const defs = new Map<Value, Instr>();
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
      defs.set(r, i);
      if (i.op === 'const') {
        consts.set(r, Number(i.attrs?.['value'] ?? 0));
        continue;
      }
      if (i.op === 'any' || i.op === 'all') {
        // Over constant lanes: any(0) = 0 and all(1) = 1 whatever the mask; unmasked, any(c) = all(c) = c.
        const [c, m] = i.args.map((a) => constOf(a, consts));
        if (c === (i.op === 'any' ? 0 : 1) || (c !== undefined && (i.args.length === 1 || m === 1))) makeConst(i, c);
        // Unmasked over a value every lane holds alike, it is that value (SPMD lowering wraps a uniform loop
        // condition such as `!qpu.all(…)` in one more `any`, which kept the `all` from fusing into the branch).
        else if (i.args.length === 1 && i.args[0]!.uniform && i.args[0]!.type === 'bool') subst.set(r, i.args[0]!);
        continue;
      }
      if (i.op === 'select') {
        // select(¬c, x, y) = select(c, y, x): the negation goes unused (and dead code elimination takes it).
        const dc = defs.get(i.args[0]!);
        if (dc?.op === 'not' && dc.result!.type === 'bool') i.args = [dc.args[0]!, i.args[2]!, i.args[1]!];
      }
      const info = opInfo(i.op);
      if (!info?.foldable) continue;
      const cs = i.args.map((a) => constOf(a, consts));
      if (cs.every((c) => c !== undefined) && !isPtr(r.type)) {
        const t = info.evalInOperandType ? i.args[0]!.type : r.type;
        makeConst(i, evalOp(i.op, t, cs as number[], i.attrs, r.type));
        continue;
      }
      const simpler = simplify(i, cs) ?? simplifyMask(i, defs);
      if (simpler === TRUE) makeConst(i, 1);
      else if (simpler === FALSE) makeConst(i, 0);
      else if (simpler) subst.set(r, simpler);
      else if (((i.op === 'rem' && cs[1] === 16) || (i.op === 'and' && cs[1] === 15)) && localIds.has(i.args[0]!)) {
        // localId() % 16 is the lane: a batch is 16 consecutive local ids from a multiple of 16.
        i.op = 'lane_id';
        i.args = [];
      }
    }
    const t = b.term;
    if (t.kind === 'condbr') {
      t.cond = resolve(t.cond);
      // condbr ¬c, A, B = condbr c, B, A: the negation goes unused (a backend fuses an any/all only as the condition).
      const neg = defs.get(t.cond);
      if (neg?.op === 'not' && neg.result!.type === 'bool') {
        t.cond = neg.args[0]!;
        [t.then, t.else] = [t.else, t.then];
      }
      const c = consts.get(t.cond);
      if (c !== undefined) b.term = { kind: 'br', target: c ? t.then : t.else, ...(t.loc ? { loc: t.loc } : {}) };
    }
  }
  replaceUses(fn, subst);
  removeUnreachable(fn);
  return fn;
}

const TRUE = Symbol('true');
const FALSE = Symbol('false');

/**
 * Identities of lane masks, which SPMD lowering builds at every join of a
 * varying branch: the lanes that took either arm of `if (c)` under mask m are
 * (m ∧ c) ∨ (m ∧ ¬c) = m, and the two arms of a branch on the entry mask are
 * c ∨ ¬c = true. Left in, each if/else carried three mask ops into the
 * machine code and every later mask was computed from them. Bool only
 * (for integers `not` is bitwise and these do not hold as written).
 */
function simplifyMask(i: Instr, defs: Map<Value, Instr>): Value | typeof TRUE | typeof FALSE | undefined {
  if (i.result!.type !== 'bool' || (i.op !== 'or' && i.op !== 'and')) return undefined;
  const [a, b] = i.args as [Value, Value];
  const negates = (x: Value, y: Value): boolean => {
    const d = defs.get(x);
    return d?.op === 'not' && d.args[0] === y;
  };
  // x ∨ ¬x = true, x ∧ ¬x = false.
  if (negates(a, b) || negates(b, a)) return i.op === 'or' ? TRUE : FALSE;
  // (m ∧ c) ∨ (m ∧ ¬c) = m, in any operand order.
  const da = defs.get(a);
  const db = defs.get(b);
  if (i.op === 'or' && da?.op === 'and' && db?.op === 'and') {
    const [a0, a1] = da.args as [Value, Value];
    const [b0, b1] = db.args as [Value, Value];
    for (const [m, c] of [[a0, a1], [a1, a0]] as const) {
      for (const [n, d] of [[b0, b1], [b1, b0]] as const) {
        if (m === n && (negates(c, d) || negates(d, c))) return m;
      }
    }
  }
  return undefined;
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
