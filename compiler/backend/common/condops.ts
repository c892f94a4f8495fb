/**
 * Conditional integer ops: a select that chooses between an op's result and one of the op's own operands is one
 * conditional op. Both QPU ALUs write their result only in the lanes whose flags meet the op's condition, so
 *
 * - `x + (c ? y : 0)` (also `-`, `|`, `^` and the saturating byte sum and difference: 0 is their identity on the
 *   right) and
 * - `c ? x + y : x` (also `-`, `&`, `|`, `^`, the per-byte ops; VC4 only, see {@link conditionalOps})
 *
 * are `mov d, x; add.c d, x, y`: the move disappears when d and x share a register (x dies there), against a 0/1
 * or 0/y value made and tested, or an op and a conditional move. Counting (`n += hit ? 1 : 0`), a lane scan's
 * steps (`t = lane >= k ? t + r : t`) and packed counters are made of these.
 *
 * The analysis is the same for every backend (IR in, which instructions fuse out); each backend emits the
 * conditional op at {@link CondOp.at} with its own flags and skips {@link CondOp.skip}.
 */
import type { Instr, IrFunction, Value } from '../../ir/types.ts';
import { constBits, useCounts } from '../../ir/values.ts';

/**
 * Compares whose every use is a select's condition, or a memory op's lane mask where `maskOf` names it (by result
 * id): a backend tests the compare's own flags at each use and makes no 0/1 value. A value that is also a select's
 * data does not count. `floats`: f32 compares too.
 */
export function flagOnlyCompares(fn: IrFunction, floats: boolean, maskOf?: (i: Instr) => Value | undefined): Map<number, Instr> {
  const uses = useCounts(fn);
  const asCondition = new Map<Value, number>();
  for (const b of fn.blocks) {
    for (const i of b.instrs) {
      const [m, x, y] = i.args;
      if (i.op === 'select' && m && m !== x && m !== y) asCondition.set(m, (asCondition.get(m) ?? 0) + 1);
      const mask = maskOf?.(i);
      if (mask) asCondition.set(mask, (asCondition.get(mask) ?? 0) + 1);
    }
  }
  const out = new Map<number, Instr>();
  for (const b of fn.blocks) {
    for (const i of b.instrs) {
      if (i.op !== 'cmp' || !i.result || (!floats && i.args[0]?.type === 'f32')) continue;
      const n = uses.get(i.result) ?? 0;
      if (n > 0 && asCondition.get(i.result) === n) out.set(i.result.id, i);
    }
  }
  return out;
}

/**
 * The integer ops that fuse (each is one ALU op on VC4 and V3D; the per-byte ops are one on VC4, and V3D never sees
 * them: compiler/passes/expand-int.ts writes them with word ops first).
 */
const FUSABLE = new Set(['add', 'sub', 'and', 'or', 'xor', 'uaddsat8', 'usubsat8', 'umin8', 'umax8']);
/** The fusable ops for which 0 on the right leaves the left operand as it is. */
const ZERO_IDENTITY = new Set(['add', 'sub', 'or', 'xor', 'uaddsat8', 'usubsat8']);
/** The ops whose operands may be swapped. */
const COMMUTATIVE = new Set(['add', 'and', 'or', 'xor', 'uaddsat8', 'umin8', 'umax8']);

/** One fused op. */
export interface CondOp {
  /** The instruction whose result the conditional op writes (selected there). */
  at: Instr;
  /** The instruction that is not selected on its own (its single use is {@link CondOp.at}). */
  skip: Instr;
  /** The integer op: add, sub, and, or, xor, or a per-byte op (uaddsat8, usubsat8, umin8, umax8). */
  op: string;
  /** The value the result is where the op does not apply, and the op's left operand. */
  x: Value;
  /** The op's right operand. */
  y: Value;
  /** The select's condition. */
  cond: Value;
  /** The op applies where `cond` is false (the select's other arm). */
  invert: boolean;
}

const isWord = (v: Value | undefined): boolean => v?.type === 'u32' || v?.type === 'i32';

/**
 * Every fusable pair of `fn`, keyed by the instruction that emits the conditional op. `selectOfOp`: also the second
 * form (`c ? x + y : x`). The V3D backends leave it out: fused there, the lane scans of kernels/compact.ts's
 * CompactOnce ran faster and its look-back slower (its QPUs polled the tile status more often; vc6 compaction
 * 0.61 → 0.55 of the memory limit in the model, while vc6 scan went 0.951 → 0.960).
 */
export function conditionalOps(fn: IrFunction, selectOfOp: boolean): Map<Instr, CondOp> {
  const uses = useCounts(fn);
  const out = new Map<Instr, CondOp>();
  const skipped = new Set<Instr>();
  const zeros = new Set<Value>();
  for (const b of fn.blocks) for (const i of b.instrs) if (i.op === 'const' && i.result && constBits(i) === 0) zeros.add(i.result);
  for (const b of fn.blocks) {
    const defs = new Map<Value, Instr>();
    for (const i of b.instrs) if (i.result) defs.set(i.result, i);
    // The definition of v in this block when its one use is the instruction at hand.
    const single = (v: Value): Instr | undefined => (uses.get(v) === 1 ? defs.get(v) : undefined);
    for (const i of b.instrs) {
      if (skipped.has(i) || out.has(i)) continue;
      // x ∘ (c ? y : 0) and x ∘ (c ? 0 : y).
      if (ZERO_IDENTITY.has(i.op) && isWord(i.result) && i.args.length === 2) {
        const sides = COMMUTATIVE.has(i.op) ? [1, 0] : [1];
        for (const k of sides) {
          const s = i.args[k] as Value;
          const x = i.args[1 - k] as Value;
          const sel = single(s);
          if (!sel || sel.op !== 'select' || skipped.has(sel) || out.has(sel) || x === s) continue;
          const [cond, a, e] = sel.args as [Value, Value, Value];
          if (!isWord(a) || !isWord(e)) continue;
          const invert = zeros.has(a) && !zeros.has(e);
          if (!invert && !zeros.has(e)) continue;
          out.set(i, { at: i, skip: sel, op: i.op, x, y: invert ? e : a, cond, invert });
          skipped.add(sel);
          break;
        }
        if (out.has(i)) continue;
      }
      // c ? x ∘ y : x and c ? x : x ∘ y.
      if (selectOfOp && i.op === 'select' && isWord(i.result)) {
        const [cond, a, e] = i.args as [Value, Value, Value];
        for (const [opv, other, invert] of [[a, e, false], [e, a, true]] as const) {
          const o = single(opv);
          if (!o || !FUSABLE.has(o.op) || skipped.has(o) || out.has(o) || o.args.length !== 2) continue;
          const [l, r] = o.args as [Value, Value];
          let x: Value | undefined;
          let y: Value | undefined;
          if (l === other) [x, y] = [l, r];
          else if (r === other && COMMUTATIVE.has(o.op)) [x, y] = [r, l];
          if (!x || !y) continue;
          out.set(i, { at: i, skip: o, op: o.op, x, y, cond, invert });
          skipped.add(o);
          break;
        }
      }
    }
  }
  return out;
}

