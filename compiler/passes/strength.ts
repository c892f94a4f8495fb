/**
 * Strength reduction.
 * - Integer multiply, u32 divide and u32 remainder by a power-of-two
 *   constant become shifts and masks; i32 divide by 2^k becomes the
 *   round-toward-zero shift sequence.
 * - Address induction variables: in a loop whose header parameter `i` steps
 *   by a loop-invariant amount (`i' = i + s`), each `gep base, i` with an
 *   invariant base becomes its own header parameter that steps by `gep p, s`,
 *   so the loop body adds instead of multiplying per access.
 */
import type { Block, Instr, IrFunction, Value } from '../ir/types.ts';
import { isPtr } from '../ir/types.ts';
import { findLoops, predecessors, targets } from '../ir/cfg.ts';
import { addParam, newValue } from '../ir/builder.ts';
import { definitions, replaceUses } from '../ir/values.ts';

function log2Exact(x: number | undefined): number | undefined {
  if (x === undefined || x <= 0 || x > 0x80000000 || (x & (x - 1)) !== 0) return undefined;
  return 31 - Math.clz32(x);
}

/** Reduces strength in place; returns the function. */
export function reduceStrength(fn: IrFunction): IrFunction {
  const consts = new Map<Value, number>();
  for (const b of fn.blocks) for (const i of b.instrs) if (i.op === 'const' && i.result) consts.set(i.result, Number(i.attrs?.['value']));
  for (const b of fn.blocks) {
    const out: Instr[] = [];
    const c = (t: 'i32' | 'u32', x: number): Value => {
      const v = newValue(fn, t, true);
      out.push({ op: 'const', args: [], result: v, attrs: { value: x } });
      return v;
    };
    for (const i of b.instrs) {
      const r = i.result;
      const t = r?.type;
      if (!r || (t !== 'i32' && t !== 'u32')) {
        out.push(i);
        continue;
      }
      let [x, y] = i.args;
      if (i.op === 'mul' && x && y && consts.has(x) && !consts.has(y)) [x, y] = [y, x];
      const k = y ? log2Exact(consts.get(y) === undefined ? undefined : consts.get(y)! >>> 0) : undefined;
      if (k === undefined || !x) {
        out.push(i);
        continue;
      }
      if (i.op === 'mul') out.push({ ...i, op: 'shl', args: [x, c(t, k)] });
      else if (i.op === 'div' && t === 'u32') out.push({ ...i, op: 'shr', args: [x, c(t, k)] });
      else if (i.op === 'rem' && t === 'u32') out.push({ ...i, op: 'and', args: [x, c(t, (2 ** k - 1) >>> 0)] });
      else if (i.op === 'div' && t === 'i32' && k > 0 && k < 31) {
        // Round toward zero: add 2^k - 1 to negative dividends before the arithmetic shift.
        const sign = newValue(fn, t, x.uniform);
        out.push({ op: 'sar', args: [x, c(t, 31)], result: sign });
        const bias = newValue(fn, t, x.uniform);
        out.push({ op: 'shr', args: [sign, c(t, 32 - k)], result: bias });
        const sum = newValue(fn, t, x.uniform);
        out.push({ op: 'add', args: [x, bias], result: sum });
        out.push({ ...i, op: 'sar', args: [sum, c(t, k)] });
      } else out.push(i);
    }
    b.instrs = out;
  }
  return addressInductionVariables(fn);
}

function addressInductionVariables(fn: IrFunction): IrFunction {
  const { loops } = findLoops(fn);
  for (const loop of loops) {
    const h = loop.header;
    const preds = (predecessors(fn).get(h) ?? []);
    const outside = preds.filter((p) => !loop.blocks.has(p));
    const latches = preds.filter((p) => loop.blocks.has(p));
    const pre = outside[0];
    const latch = latches[0];
    if (outside.length !== 1 || latches.length !== 1 || !pre || !latch || pre.term.kind !== 'br') continue;
    const entryRef = pre.term.target;
    const backRef = targets(latch.term).find((r) => r.block === h);
    if (!backRef || targets(latch.term).filter((r) => r.block === h).length !== 1) continue;
    const defs = definitions(fn);
    const invariant = (v: Value) => {
      const d = defs.get(v);
      return !d || !loop.blocks.has(d.block);
    };
    const subst = new Map<Value, Value>();
    h.params.forEach((iv, k) => {
      const next = defs.get(backRef.args[k]!)?.instr;
      if (!next || next.op !== 'add' || next.args[0] !== iv || !invariant(next.args[1]!)) return;
      const step = next.args[1]!;
      for (const b of fn.blocks) {
        if (!loop.blocks.has(b)) continue;
        for (const g of b.instrs) {
          if (g.op !== 'gep' || g.args[1] !== iv || !invariant(g.args[0]!) || !g.result || !isPtr(g.result.type) || subst.has(g.result)) continue;
          const p = addParam(fn, h, g.result.type, g.result.uniform);
          const start = newValue(fn, g.result.type, g.args[0]!.uniform && entryRef.args[k]!.uniform);
          pre.instrs.push({ op: 'gep', args: [g.args[0]!, entryRef.args[k]!], result: start });
          entryRef.args.push(start);
          const stepped = newValue(fn, g.result.type, p.uniform && step.uniform);
          latch.instrs.push({ op: 'gep', args: [p, step], result: stepped });
          backRef.args.push(stepped);
          subst.set(g.result, p);
        }
      }
    });
    replaceUses(fn, subst);
    for (const b of fn.blocks as Block[]) b.instrs = b.instrs.filter((i) => !i.result || !subst.has(i.result));
  }
  return fn;
}
