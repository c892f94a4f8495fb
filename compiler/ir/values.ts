/**
 * Value-level utilities: walking every use, substituting values, and finding
 * where values are defined. Passes rewrite uses through {@link replaceUses}
 * rather than patching instructions by hand.
 */
import type { Block, Instr, IrFunction, Value } from './types.ts';
import { targets } from './cfg.ts';
import { f32Bits } from './f32.ts';

/** Calls `f` for every operand slot of the function (instruction args, branch args, conditions), letting it replace the value. */
export function mapUses(fn: IrFunction, f: (v: Value, where: Block) => Value): void {
  for (const b of fn.blocks) {
    for (const i of b.instrs) {
      // An instruction's operand array is replaced (it may be shared) only when an operand changes: most calls
      // change few or none, and a new array per instruction per call was much of the passes' garbage.
      const args = i.args;
      let out: Value[] | undefined;
      for (let k = 0; k < args.length; k++) {
        const a = args[k] as Value;
        const v = f(a, b);
        if (out) out.push(v);
        else if (v !== a) (out = args.slice(0, k)).push(v);
      }
      if (out) i.args = out;
    }
    const t = b.term;
    if (t.kind === 'condbr') t.cond = f(t.cond, b);
    for (const r of targets(t)) r.args = r.args.map((a) => f(a, b));
  }
}

/** Replaces uses according to `subst`, following chains (a → b → c). */
export function replaceUses(fn: IrFunction, subst: Map<Value, Value>): void {
  if (subst.size === 0) return;
  const resolve = (v: Value): Value => {
    let x = v;
    for (let n = 0; subst.has(x) && n < 1_000_000; n++) x = subst.get(x)!;
    return x;
  };
  mapUses(fn, resolve);
}

/** Where each value is defined: its block and the instruction (undefined for parameters). */
export function definitions(fn: IrFunction): Map<Value, { block: Block; instr?: Instr }> {
  const defs = new Map<Value, { block: Block; instr?: Instr }>();
  for (const b of fn.blocks) {
    for (const p of b.params) defs.set(p, { block: b });
    for (const i of b.instrs) if (i.result) defs.set(i.result, { block: b, instr: i });
  }
  return defs;
}

/** Number of uses of each value. */
export function useCounts(fn: IrFunction): Map<Value, number> {
  const n = new Map<Value, number>();
  mapUses(fn, (v) => {
    n.set(v, (n.get(v) ?? 0) + 1);
    return v;
  });
  return n;
}

/** Whether every use of `v` is as a `condbr` condition (no instruction or branch argument reads it). */
export function onlyBranchConditions(fn: IrFunction, v: Value): boolean {
  for (const b of fn.blocks) {
    if (b.instrs.some((i) => i.args.some((a) => a.id === v.id))) return false;
    for (const r of targets(b.term)) if (r.args.some((a) => a.id === v.id)) return false;
  }
  return true;
}

/** The 32-bit pattern a `const` instruction puts in a register (f32 bits, bool 0/1, ints mod 2^32). */
export function constBits(ins: Instr): number {
  const v = Number(ins.attrs?.value ?? 0);
  const t = ins.result?.type;
  if (t === 'f32') return f32Bits(v);
  if (t === 'bool') return v ? 1 : 0;
  return v >>> 0;
}

/**
 * Values the same in every lane of a batch although computed from
 * `local_id`: `local_id / c` with c a power of two >= 16 and `local_id >> k`
 * with 4 <= k < 32. A batch is 16 consecutive local ids starting at a
 * multiple of 16, so these drop the lane (`localId() / 16` in a 16-wide tile
 * is the row: uniform, so its loads are uniform loads). Also `global_id −
 * lane_id`, the batch's first id (loop shaping's lane range of `globalId()`).
 */
export function sameInBatchValues(fn: IrFunction): Set<Value> {
  const local = new Set<Value>();
  const global = new Set<Value>();
  const lane = new Set<Value>();
  for (const b of fn.blocks) {
    for (const i of b.instrs) {
      if (!i.result) continue;
      if (i.op === 'local_id') local.add(i.result);
      else if (i.op === 'global_id') global.add(i.result);
      else if (i.op === 'lane_id') lane.add(i.result);
    }
  }
  const out = new Set<Value>();
  // global_id − lane_id: the batch's first id (its lanes' ids are 16 consecutive ones; loop shaping's lane range).
  for (const b of fn.blocks) {
    for (const i of b.instrs) {
      const [x, y] = i.args;
      if (i.op === 'sub' && i.result && x && y && global.has(x) && lane.has(y)) out.add(i.result);
    }
  }
  if (local.size === 0) return out;
  const consts = new Map<Value, number>();
  for (const b of fn.blocks) for (const i of b.instrs) if (i.op === 'const' && i.result) consts.set(i.result, Number(i.attrs?.['value']));
  for (const b of fn.blocks) {
    for (const i of b.instrs) {
      const [x, y] = i.args;
      if (!i.result || !x || !y || !local.has(x)) continue;
      const k = consts.get(y);
      if (k === undefined) continue;
      // Powers of two only: strength reduction turns such a division into a shift of local_id itself, which stays
      // recognisable; another multiple of 16 would become a multiply-high sequence this rule cannot see (and a
      // branch SPMD lowering left as uniform would then look varying).
      if ((i.op === 'div' && k >= 16 && (k & (k - 1)) === 0) || ((i.op === 'shr' || i.op === 'sar') && k >= 4 && k < 32)) out.add(i.result);
    }
  }
  return out;
}
