/**
 * Address rebasing: in one block, geps of one pointer at indices `i + k`
 * for one index `i` and constants `k` (`p[i]`, `p[i + 16]`, `p[i - 1]`, …)
 * become one base `q = gep p, i` and `gep q, k` each. A gep costs a scale
 * and an add in the backends, while `gep q, k` is one add of a constant
 * byte offset (a uniform word or a small immediate), so n siblings cost
 * n + 2 ops instead of 3n, and the `i + k` adds die when nothing else reads
 * them. A gep with no sibling is left alone (the rewrite would not pay).
 */
import type { Instr, IrFunction, Value } from '../ir/types.ts';
import { isPtr } from '../ir/types.ts';
import { newValue } from '../ir/builder.ts';
import { definitions } from '../ir/values.ts';

/** A gep's pointer, base index and constant element offset. */
interface Site {
  instr: Instr;
  ptr: Value;
  base: Value;
  offset: number;
}

/** Rebases sibling geps in place (see the file comment); returns the function. */
export function rebaseAddresses(fn: IrFunction): IrFunction {
  const defs = definitions(fn);
  const constOf = (v: Value): number | undefined => {
    const d = defs.get(v)?.instr;
    return d?.op === 'const' ? Number(d.attrs?.['value']) | 0 : undefined;
  };
  // `x` as base + constant: `add i, k`, `add k, i` or `sub i, k`; else x + 0.
  const split = (x: Value): { base: Value; offset: number } => {
    const d = defs.get(x)?.instr;
    if (d && d.args.length === 2 && (d.op === 'add' || d.op === 'sub') && d.result && !isPtr(d.result.type)) {
      const [a, b] = d.args as [Value, Value];
      const kb = constOf(b);
      if (kb !== undefined && constOf(a) === undefined) return { base: a, offset: d.op === 'add' ? kb : -kb | 0 };
      const ka = constOf(a);
      if (d.op === 'add' && ka !== undefined && kb === undefined) return { base: b, offset: ka };
    }
    return { base: x, offset: 0 };
  };
  for (const b of fn.blocks) {
    const groups = new Map<string, Site[]>();
    for (const instr of b.instrs) {
      if (instr.op !== 'gep' || instr.args.length !== 2 || !instr.result) continue;
      const [ptr, index] = instr.args as [Value, Value];
      if (constOf(index) !== undefined) continue;
      const s = split(index);
      const key = `${ptr.id}:${s.base.id}`;
      groups.set(key, [...(groups.get(key) ?? []), { instr, ptr, ...s }]);
    }
    const inserts = new Map<Instr, Instr[]>();
    for (const sites of groups.values()) {
      if (sites.length < 2 || sites.every((s) => s.offset === 0)) continue;
      const first = sites[0]!;
      // The base: the group's own `gep p, i` when it has one, else a new one before the first site.
      let q = sites.find((s) => s.offset === 0)?.instr.result;
      const at: Instr[] = [];
      if (!q) {
        q = newValue(fn, first.ptr.type, first.ptr.uniform && first.base.uniform);
        at.push({ op: 'gep', args: [first.ptr, first.base], result: q, ...(first.instr.loc ? { loc: first.instr.loc } : {}) });
      }
      // A base gep defined later in the block than the first site moves up to the first site.
      const own = sites.find((s) => s.offset === 0);
      if (own && own !== first) {
        at.push(own.instr);
        b.instrs = b.instrs.filter((i) => i !== own.instr);
      }
      if (at.length > 0) inserts.set(first.instr, at);
      for (const s of sites) {
        if (s.offset === 0) continue;
        const k: Instr = { op: 'const', args: [], result: newValue(fn, s.base.type, true), attrs: { value: s.base.type === 'i32' ? s.offset : s.offset >>> 0 } };
        inserts.set(s.instr, [...(inserts.get(s.instr) ?? []), k]);
        s.instr.args = [q, k.result!];
      }
    }
    if (inserts.size === 0) continue;
    b.instrs = b.instrs.flatMap((i) => [...(inserts.get(i) ?? []), i]);
  }
  return fn;
}
