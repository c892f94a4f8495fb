/**
 * Consecutive uniform loads become one lane load and broadcasts: in one
 * block, loads of a uniform pointer at elements `o, o + 1, …, o + n - 1` of
 * one root pointer (through `gep` chains with constant indices, as loop
 * shaping's copies of `a[i * q + k]` have them), unmasked and with no store
 * or barrier between the first and the last, are replaced by one load in
 * which lane `l < n` reads element `o + l` (the other lanes are masked off,
 * so nothing beyond the last element is read), and `broadcast(v, j)` in place
 * of load j. Every lane of a uniform load reads the same word, so this moves
 * n x 16 TMU words for n words as one 16-lane lookup.
 */
import { opInfo, type OpName } from '../ir/ops.ts';
import type { Instr, IrFunction, Value } from '../ir/types.ts';
import { isPtr } from '../ir/types.ts';
import { newValue } from '../ir/builder.ts';
import { definitions, replaceUses } from '../ir/values.ts';

/** Most loads merged into one lookup (lanes of a QPU). */
const LANES = 16;

interface Site {
  instr: Instr;
  index: number;
  root: Value;
  offset: number;
}

/** Merges runs of consecutive uniform loads in place (see the file comment); returns the function. */
export function gatherUniformLoads(fn: IrFunction): IrFunction {
  const defs = definitions(fn);
  const constOf = (v: Value): number | undefined => {
    const d = defs.get(v)?.instr;
    return d?.op === 'const' ? Number(d.attrs?.['value']) : undefined;
  };
  // Root pointer and constant element offset of a pointer (gep chains with constant indices).
  const split = (p: Value): { root: Value; offset: number } => {
    let offset = 0;
    for (let n = 0; n < 64; n++) {
      const d = defs.get(p)?.instr;
      const k = d?.op === 'gep' ? constOf(d.args[1]!) : undefined;
      if (!d || k === undefined) break;
      offset += k | 0;
      p = d.args[0]!;
    }
    return { root: p, offset };
  };
  const subst = new Map<Value, Value>();
  for (const b of fn.blocks) {
    const sites: Site[] = [];
    b.instrs.forEach((i, index) => {
      const p = i.args[0];
      if (i.op !== 'load' || i.args.length !== 1 || !p || !p.uniform || !i.result || !isPtr(p.type)) return;
      sites.push({ instr: i, index, ...split(p) });
    });
    const used = new Set<Instr>();
    const inserts: { at: number; instrs: Instr[] }[] = [];
    for (const first of sites) {
      if (used.has(first.instr)) continue;
      const run = [first];
      for (let j = 1; j < LANES; j++) {
        const next = sites.find((s) => !used.has(s.instr) && s.root === first.root && s.offset === first.offset + j && s.index > first.index && s.instr.result!.type === first.instr.result!.type);
        if (!next) break;
        run.push(next);
      }
      if (run.length < 2) continue;
      const last = Math.max(...run.map((s) => s.index));
      // Any effect between them (a store, an atomic, a barrier) may change what the later loads read.
      if (b.instrs.slice(first.index, last).some((i) => opInfo(i.op)?.effect)) continue;
      run.forEach((s) => used.add(s.instr));
      // At the first load: lane = lane_id; v = load (root + offset + lane) where lane < n (every lane when n = 16).
      const ptrType = first.instr.args[0]!.type;
      const mk = (op: OpName, args: Value[], type: Value['type'], uniform: boolean, attrs?: Instr['attrs']): Instr => ({
        op,
        args,
        result: newValue(fn, type, uniform),
        ...(attrs ? { attrs } : {}),
        ...(first.instr.loc ? { loc: first.instr.loc } : {}),
      });
      const lane = mk('lane_id', [], 'u32', false);
      const off = mk('const', [], 'u32', true, { value: first.offset >>> 0 });
      const n = mk('const', [], 'u32', true, { value: run.length });
      const idx = mk('add', [lane.result!, off.result!], 'u32', false);
      const addr = mk('gep', [first.root, idx.result!], ptrType, false);
      // A run of 16 takes every lane: no mask.
      const mask = run.length < LANES ? mk('cmp', [lane.result!, n.result!], 'bool', false, { pred: 'lt' }) : undefined;
      const v = mk('load', mask ? [addr.result!, mask.result!] : [addr.result!], first.instr.result!.type, false);
      inserts.push({ at: first.index, instrs: mask ? [lane, off, n, idx, addr, mask, v] : [lane, off, idx, addr, v] });
      run.forEach((s, j) => {
        const lj = mk('const', [], 'u32', true, { value: j });
        const bc = mk('broadcast', [v.result!, lj.result!], s.instr.result!.type, true);
        subst.set(s.instr.result!, bc.result!);
        inserts.push({ at: s.index, instrs: [lj, bc] });
      });
    }
    if (inserts.length === 0) continue;
    const out: Instr[] = [];
    b.instrs.forEach((i, index) => {
      for (const ins of inserts) if (ins.at === index) out.push(...ins.instrs);
      if (!used.has(i)) out.push(i);
    });
    b.instrs = out;
  }
  replaceUses(fn, subst);
  return fn;
}
