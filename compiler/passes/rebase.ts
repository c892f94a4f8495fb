/**
 * Address rebasing: in one block, geps of one pointer at indices `i + k`
 * for one index `i` and constants `k` (`p[i]`, `p[i + 16]`, `p[i - 1]`, …)
 * become one base `q = gep p, i` and `gep q, k` each. A gep costs a scale
 * and an add in the backends, while `gep q, k` is one add of a constant
 * byte offset (a uniform word or a small immediate), so n siblings cost
 * n + 2 ops instead of 3n, and the `i + k` adds die when nothing else reads
 * them. A gep with no sibling is left alone (the rewrite would not pay).
 */
import type { Block, Instr, IrFunction, Value } from '../ir/types.ts';
import { elemSize, isPtr } from '../ir/types.ts';
import { newValue } from '../ir/builder.ts';
import { definitions, useCounts } from '../ir/values.ts';
import { ensurePreheader, findLoops, targets, type Loop } from '../ir/cfg.ts';

/** A gep's pointer, base index and constant element offset. */
interface Site {
  instr: Instr;
  ptr: Value;
  base: Value;
  offset: number;
}

/**
 * In a loop, `gep p, (a + v)` with p and a defined outside it and v inside becomes `gep q, v` with `q = gep p, a`
 * in the preheader: the scale and add of `a` leave the loop, and the loop's geps of one v share its scale. Only
 * where the add has no other use and `a` no use in the loop but such adds (so no value is live across the loop
 * that was not before).
 */
function hoistInvariantParts(fn: IrFunction): void {
  const { innermost } = findLoops(fn);
  if (innermost.size === 0) return;
  const defs = definitions(fn);
  const uses = useCounts(fn);
  const outside = (v: Value, loop: Loop): boolean => {
    const d = defs.get(v);
    return d === undefined || !loop.blocks.has(d.block);
  };
  const isConst = (v: Value): boolean => defs.get(v)?.instr?.op === 'const';
  const inLoopUses = new Map<Loop, Map<Value, number>>();
  const loopUses = (loop: Loop): Map<Value, number> => {
    let m = inLoopUses.get(loop);
    if (!m) {
      m = new Map();
      for (const b of loop.blocks) {
        const t = b.term;
        for (const v of [...b.instrs.flatMap((i) => i.args), ...targets(t).flatMap((r) => r.args), ...(t.kind === 'condbr' ? [t.cond] : [])]) m.set(v, (m.get(v) ?? 0) + 1);
      }
      inLoopUses.set(loop, m);
    }
    return m;
  };
  // Candidates per loop and invariant part.
  const found: { loop: Loop; gep: Instr; ptr: Value; inv: Value; varying: Value }[] = [];
  for (const b of fn.blocks) {
    const loop = innermost.get(b);
    if (!loop) continue;
    for (const g of b.instrs) {
      const [ptr, x] = g.args;
      if (g.op !== 'gep' || !ptr || !x || !outside(ptr, loop) || uses.get(x) !== 1) continue;
      const add = defs.get(x)?.instr;
      if (add?.op !== 'add' || add.args.length !== 2) continue;
      const [a0, a1] = add.args as [Value, Value];
      if (isConst(a0) || isConst(a1) || outside(a0, loop) === outside(a1, loop)) continue;
      const [inv, varying] = outside(a0, loop) ? [a0, a1] : [a1, a0];
      found.push({ loop, gep: g, ptr, inv, varying });
    }
  }
  const adds = new Map<Loop, Map<Value, number>>();
  for (const f of found) {
    const m = adds.get(f.loop) ?? new Map<Value, number>();
    adds.set(f.loop, m.set(f.inv, (m.get(f.inv) ?? 0) + 1));
  }
  const made = new Map<Loop, Map<string, Value>>();
  const preheaders = new Map<Loop, Block>();
  for (const f of found) {
    if ((loopUses(f.loop).get(f.inv) ?? 0) !== adds.get(f.loop)?.get(f.inv)) continue;
    const key = `${f.ptr.id}:${f.inv.id}`;
    const inLoop = made.get(f.loop) ?? new Map<string, Value>();
    made.set(f.loop, inLoop);
    let q = inLoop.get(key);
    if (!q) {
      let pre = preheaders.get(f.loop);
      if (!pre) preheaders.set(f.loop, (pre = ensurePreheader(fn, f.loop)));
      q = newValue(fn, f.ptr.type, f.ptr.uniform && f.inv.uniform);
      pre.instrs.push({ op: 'gep', args: [f.ptr, f.inv], result: q, ...(f.gep.loc ? { loc: f.gep.loc } : {}) });
      inLoop.set(key, q);
    }
    f.gep.args = [q, f.varying];
  }
}

/**
 * Whether a group's geps (in program order) should each step from the one before instead of from the base: when
 * their byte offsets from the base need more distinct constants that are no immediate operand than the steps
 * between them do. `p[i + 64 k + j]` for k < 4, j < 4 (a tile's rows) has twelve offsets from the base that need
 * building in registers (V3D: 256, 260, …) but only one such step (244; the others are 4).
 */
function chains(sites: readonly Site[], bytes: number, isImmediate: (bytes: number) => boolean): boolean {
  const costly = (offsets: readonly number[]): number => new Set(offsets.map((o) => (o * bytes) | 0).filter((b) => !isImmediate(b))).size;
  const own = sites.filter((s) => s.offset !== 0).map((s) => s.offset);
  const steps = own.map((o, n) => (o - (n === 0 ? 0 : own[n - 1]!)) | 0);
  return costly(own) - costly(steps) >= CHAIN_SAVING;
}

/**
 * Constants a chain must save to be made. CHOICE, measured: each costly constant takes a register (or, under
 * pressure, two or three instructions to rebuild), but a chain makes each address wait for the one before it;
 * vc6 yuvToRgba's three plane offsets chained (saving two) lost 1 % of its memory limit, while V3D scan's sixteen
 * tile words (saving eleven) lost 80 instructions of 576.
 */
const CHAIN_SAVING = 3;

/**
 * Rebases sibling geps in place (see the file comment), after moving loop-invariant index parts before their loop
 * when `hoistParts` ({@link hoistInvariantParts}); returns the function.
 */
export function rebaseAddresses(fn: IrFunction, hoistParts = false, isImmediate?: (bytes: number) => boolean): IrFunction {
  if (hoistParts) hoistInvariantParts(fn);
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
      const group = groups.get(key);
      if (group) group.push({ instr, ptr, ...s });
      else groups.set(key, [{ instr, ptr, ...s }]);
    }
    const inserts = new Map<Instr, Instr[]>();
    const moved = new Set<Instr>();
    for (const sites of groups.values()) {
      if (sites.length < 2 || sites.every((s) => s.offset === 0)) continue;
      const first = sites[0]!;
      // The base: the group's own `gep p, i` when it has one (moved up to the first site when it comes later),
      // else a new one before the first site.
      const own = sites.find((s) => s.offset === 0);
      let q = own?.instr.result;
      const at: Instr[] = [];
      if (!q) {
        q = newValue(fn, first.ptr.type, first.ptr.uniform && first.base.uniform);
        at.push({ op: 'gep', args: [first.ptr, first.base], result: q, ...(first.instr.loc ? { loc: first.instr.loc } : {}) });
      } else if (own && own !== first) {
        at.push(own.instr);
        moved.add(own.instr);
      }
      if (at.length > 0) inserts.set(first.instr, at);
      const chain = isImmediate !== undefined && isPtr(first.ptr.type) && chains(sites, elemSize(first.ptr.type.ptr), isImmediate);
      let prev = { at: q, offset: 0 };
      for (const s of sites) {
        if (s.offset === 0) continue;
        const from = chain ? prev : { at: q, offset: 0 };
        const delta = (s.offset - from.offset) | 0;
        const k: Instr = { op: 'const', args: [], result: newValue(fn, s.base.type, true), attrs: { value: s.base.type === 'i32' ? delta : delta >>> 0 } };
        inserts.set(s.instr, [...(inserts.get(s.instr) ?? []), k]);
        s.instr.args = [from.at, k.result!];
        prev = { at: s.instr.result!, offset: s.offset };
      }
    }
    if (inserts.size === 0) continue;
    b.instrs = b.instrs.flatMap((i) => (moved.has(i) ? [] : [...(inserts.get(i) ?? []), i]));
  }
  return fn;
}
