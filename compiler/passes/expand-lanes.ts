/**
 * Cross-lane votes and reductions as rotate trees, for every target: after
 * this pass a backend selects only `rotate` and `broadcast` among the
 * cross-lane ops (plus `any`/`all` whose only uses are branch conditions,
 * which backends fuse into a branch on the flags).
 *
 * - `any(x [, m])`: the or of all 16 lanes of `x and m` by a log-step tree
 *   (rotate by 8, 4, 2, 1 and combine; then a broadcast of lane 0, which
 *   changes no value but gives the IR a uniform result);
 *   `all(x [, m])` likewise the and of `x or not m`.
 * - `reduce_add/min/max(x [, m])`: the same tree over `m ? x : identity`
 *   (0, the type's largest or smallest value, ±inf); min/max of no active
 *   lanes is 0 (docs/language.md).
 * - f32 `reduce_add` is the sum in lane order, as the language defines it:
 *   lane 0 accumulates +0 + w0 + w1 + … + w15, then a broadcast of lane 0.
 *   Inactive lanes add +0, which changes nothing: the running sum starts at
 *   +0 and a round-to-nearest sum is −0 only when both addends are.
 *
 * - A uniform result of a masked op (`load p, m` with a uniform address):
 *   the op runs with a varying result, which holds the value in the active
 *   lanes only; `m ? r : 0` then goes through the or tree, so every lane
 *   holds the active lanes' value (or 0 when none is active). "Uniform"
 *   means the same in every active lane (docs/language.md), but a backend
 *   may test any lane (a fused compare-and-branch on a bound computed from
 *   the value): with the inactive lanes' don't-care value a loop never
 *   ended (fuzz seed 1434 on every target).
 *
 * Rotation by k: lane l of the result holds lane (l − k) mod 16, so
 * `rotate(w, 16 − k)` brings lane k to lane 0.
 */
import type { Instr, IrFunction, Value } from '../ir/types.ts';
import { Expander, expandInstrs } from '../ir/expander.ts';
import { opInfo, type OpName } from '../ir/ops.ts';
import { onlyBranchConditions } from '../ir/values.ts';

const F32_INF = Infinity;

/**
 * Combines all 16 lanes of x with `combine` (associative and commutative).
 * Every lane holds the result after the four steps; a closing broadcast of
 * lane 0 says so in the IR (its result is uniform, so a branch may test it).
 */
function tree(e: Expander, x: Value, combine: (a: Value, b: Value) => Value): Value {
  for (const s of [8, 4, 2, 1]) x = combine(x, e.op('rotate', [x, e.u(s)], x.type));
  return e.op('broadcast', [x, e.u(0)], x.type);
}

/** The identity of a min or max reduction over `x`'s type. */
function minMaxIdentity(e: Expander, x: Value, isMin: boolean): Value {
  if (x.type === 'f32') return e.f(isMin ? F32_INF : -F32_INF);
  if (x.type === 'i32') return e.i(isMin ? 0x7fffffff : -0x80000000);
  return e.u(isMin ? 0xffffffff : 0);
}

function vote(fn: IrFunction, ins: Instr): Instr[] {
  const e = new Expander(fn, ins);
  const [x, m] = ins.args as [Value, Value | undefined];
  if (ins.op === 'any') return e.finishWith(tree(e, m ? e.bin('and', x, m) : x, (a, b) => e.bin('or', a, b)));
  // all(x over m) = all lanes of (x or not m)
  return e.finishWith(tree(e, m ? e.bin('or', x, e.un('not', m)) : x, (a, b) => e.bin('and', a, b)));
}

function reduce(fn: IrFunction, ins: Instr): Instr[] {
  const e = new Expander(fn, ins);
  const [x, m] = ins.args as [Value, Value | undefined];
  const masked = (identity: Value): Value => (m ? e.select(m, x, identity) : x);
  if (ins.op === 'reduce_add' && x.type === 'f32') {
    const w = masked(e.f(0));
    let s = e.bin('fadd', e.f(0), w);
    for (let k = 1; k < 16; k++) s = e.bin('fadd', s, e.op('rotate', [w, e.u(16 - k)], 'f32'));
    return e.finishWith(e.op('broadcast', [s, e.u(0)], 'f32'));
  }
  if (ins.op === 'reduce_add') return e.finishWith(tree(e, masked(e.const(x.type, 0)), (a, b) => e.bin('add', a, b)));
  const isMin = ins.op === 'reduce_min';
  const op: OpName = x.type === 'f32' ? (isMin ? 'fmin' : 'fmax') : isMin ? 'min' : 'max';
  const res = tree(e, masked(minMaxIdentity(e, x, isMin)), (a, b) => e.bin(op, a, b));
  if (!m) return e.finishWith(res);
  // Min/max of no active lanes is 0.
  const anyActive = tree(e, m, (a, b) => e.bin('or', a, b));
  return e.finishWith(e.select(anyActive, res, e.const(x.type, 0)));
}

/** A masked op with a uniform result, done with a varying result and spread to every lane (see the file comment). */
function spreadMasked(fn: IrFunction, ins: Instr): Instr[] | undefined {
  const maskAt = opInfo(ins.op)?.mask;
  const r = ins.result;
  const m = maskAt === undefined ? undefined : ins.args[maskAt];
  if (!m || !r?.uniform || opInfo(ins.op)?.uniformResult) return undefined;
  const e = new Expander(fn, ins);
  const v = e.op(ins.op, ins.args, r.type, ins.attrs);
  // The or tree works on integer bits: an f32 goes through as u32.
  const bits = r.type === 'f32' ? e.cast(v, 'u32') : v;
  const spread = tree(e, e.select(m, bits, e.const(bits.type, 0)), (a, b) => e.bin('or', a, b));
  return e.finishWith(e.cast(spread, r.type));
}

/**
 * Expands `any`, `all` (unless only branch conditions use them) and the
 * reductions into rotate trees, and spreads uniform results of masked ops
 * to every lane. Mutates and returns `fn`.
 */
export function expandLaneOps(fn: IrFunction): IrFunction {
  return expandInstrs(fn, (ins) => {
    switch (ins.op) {
      case 'any':
      case 'all':
        return ins.result && onlyBranchConditions(fn, ins.result) ? undefined : vote(fn, ins);
      case 'reduce_add':
      case 'reduce_min':
      case 'reduce_max':
        return reduce(fn, ins);
    }
    return spreadMasked(fn, ins);
  });
}
