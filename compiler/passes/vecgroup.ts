/**
 * Vector lookups for sibling loads: in one block, four unmasked 32-bit loads of one base pointer at consecutive
 * elements k, k + 1, k + 2, k + 3 — geps of one base by constants, or steps from each other
 * (what address rebasing makes of `p[i + 4 lane + j]`) — become one vec4 group: part t's address is `gep a0, t`
 * of part 0's address a0, and the four are tagged `vec = 4`, `part = t`, `vgroup` as loop shaping tags its
 * regrouped copies (compiler/passes/loopshape.ts); the V3D backend then issues one lookup for the four
 * (compiler/backend/v3d/isel-memory.ts, vectorGroups, which also checks that no store comes between them). Stores
 * stay single words: as vec4 stores, V3D scan's tile stores measured slower (vc7 0.872 → 0.856 of the memory limit,
 * loads alone 0.882). Only for targets whose vector lookup reads consecutive words from any 4-byte address
 * (V3D 7.1; 4.2 wraps inside the aligned 16 bytes, semantics notes 5.1): the target's `tmuVectorAlignment` is 4.
 */
import type { Block, Instr, IrFunction, Value } from '../ir/types.ts';
import { elemSize, isPtr } from '../ir/types.ts';
import { newValue } from '../ir/builder.ts';
import { definitions } from '../ir/values.ts';

/** An access's pointer as a root value plus a constant element offset. */
interface Place {
  root: Value;
  offset: number;
}

/** Loads of `b` grouped into fours by root and consecutive offsets; each group in part order. */
function quads(b: Block, placeOf: (p: Value) => Place): Instr[][] {
  const byRoot = new Map<Value, { instr: Instr; offset: number; at: number }[]>();
  b.instrs.forEach((i, at) => {
    const ptr = i.args[0];
    const masked = i.args.length > 1;
    if (i.op !== 'load' || !ptr || masked || !isPtr(ptr.type) || elemSize(ptr.type.ptr) !== 4) return;
    if (i.attrs?.['vgroup'] !== undefined || i.result?.uniform) return;
    const p = placeOf(ptr);
    const key = p.root;
    const list = byRoot.get(key) ?? [];
    list.push({ instr: i, offset: p.offset, at });
    byRoot.set(key, list);
  });
  const out: Instr[][] = [];
  for (const list of byRoot.values()) {
    const taken = new Set<Instr>();
    for (const first of list) {
      if (taken.has(first.instr)) continue;
      const parts = [first];
      for (let t = 1; t < 4; t++) {
        const next = list.find((e) => e.offset === first.offset + t && !taken.has(e.instr));
        if (!next || next.at < parts[t - 1]!.at) break;
        parts.push(next);
      }
      if (parts.length !== 4) continue;
      // Nothing between the parts that the group's one lookup would move the later parts above: a store or another
      // effect (the backend keeps the same rule).
      const between = b.instrs.slice(parts[0]!.at + 1, parts[3]!.at);
      if (between.some((i) => i.op === 'store' || i.op === 'atomic' || i.op === 'atomic_cas' || i.op === 'barrier')) continue;
      for (const p of parts) taken.add(p.instr);
      out.push(parts.map((p) => p.instr));
    }
  }
  return out;
}

/** Tags sibling loads as vec4 groups in place (see the file comment); returns the function. */
export function groupVectorLoads(fn: IrFunction): IrFunction {
  const defs = definitions(fn);
  const constOf = (v: Value): number | undefined => {
    const d = defs.get(v)?.instr;
    return d?.op === 'const' ? Number(d.attrs?.['value']) | 0 : undefined;
  };
  const placeOf = (p: Value): Place => {
    let offset = 0;
    let root = p;
    for (;;) {
      const d = defs.get(root)?.instr;
      const k = d?.op === 'gep' && d.args.length === 2 ? constOf(d.args[1]!) : undefined;
      if (!d || k === undefined) return { root, offset };
      offset = (offset + k) | 0;
      root = d.args[0]!;
    }
  };
  let vgroup = 0;
  for (const b of fn.blocks) for (const i of b.instrs) vgroup = Math.max(vgroup, Number(i.attrs?.['vgroup'] ?? 0));
  for (const b of fn.blocks) {
    const inserts = new Map<Instr, Instr[]>();
    for (const parts of quads(b, placeOf)) {
      const g = ++vgroup;
      const a0 = parts[0]!.args[0]!;
      parts.forEach((p, t) => {
        p.attrs = { ...p.attrs, vec: 4, part: t, vgroup: g };
        if (t === 0) return;
        const k: Instr = { op: 'const', args: [], result: newValue(fn, 'u32', true), attrs: { value: t } };
        const at: Instr = { op: 'gep', args: [a0, k.result!], result: newValue(fn, a0.type, a0.uniform), ...(p.loc ? { loc: p.loc } : {}) };
        inserts.set(p, [k, at]);
        p.args = [at.result!, ...p.args.slice(1)];
      });
    }
    if (inserts.size > 0) b.instrs = b.instrs.flatMap((i) => [...(inserts.get(i) ?? []), i]);
  }
  return fn;
}
