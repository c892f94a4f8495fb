/**
 * Reads of r5 forwarded to their one use, for VC4. A broadcast leaves its
 * value in r5 (every element, through `r5rep`, isel-lanes.ts) and selection
 * copies it to a virtual register; when that register is read once, later in
 * the same block, and nothing in between writes r5, the reader takes r5
 * directly and the copy goes: `fmul d, x, r5` instead of `mov t, r5`, the
 * register-file write latency and often a port copy into r3. A reader that is
 * itself a plain copy becomes a copy of r5 and is forwarded in turn.
 *
 * Safe across the later stages: register allocation and its spill code never
 * write r5 (spill reloads go through r4), and the list scheduler orders every
 * read and write of r5 (compiler/backend/vc4/bundle.ts). Rotations are left
 * alone (only r0–r3 rotate across all 16 elements, notes §1.13). r4 is not
 * forwarded: spill reloads inserted after this pass load r4.
 */
import type { MOp, Src } from './mir.ts';
import { defOf, usesOf } from './mir.ts';
import type { Vc4MFunction } from './isel.ts';
import { IO } from './isel-ctx.ts';

/** Writes r5: as a destination, through `r5quad`/`r5rep`, or anything else that is not plain ALU/ldi work. */
function writesR5(o: MOp): boolean {
  if (o.k !== 'alu' && o.k !== 'ldi') return o.k !== 'nop';
  const d = o.dst;
  return (d?.k === 'acc' && d.n === 5) || (d?.k === 'io' && d.addr === IO.R5);
}

const isR5 = (s: Src | undefined): boolean => s?.k === 'acc' && s.n === 5;

/** Forwards single-use copies of r5 (see the file comment). Mutates `mf`. */
export function forwardR5Copies(mf: Vc4MFunction): void {
  const uses = new Map<number, number>();
  // Ops reading each register (an op naming it twice, like the copy `or d, v, v`, is one reader).
  for (const b of mf.blocks) for (const o of b.ops) for (const id of new Set(usesOf(o).map((u) => u.id))) uses.set(id, (uses.get(id) ?? 0) + 1);
  for (const b of mf.blocks) {
    const drop = new Set<MOp>();
    b.ops.forEach((o, k) => {
      if (o.k !== 'alu' || o.op !== 'or' || o.unit !== 'add' || o.sf || (o.cond && o.cond !== 'always') || !isR5(o.a) || !isR5(o.b)) return;
      const d = defOf(o);
      if (!d || uses.get(d.id) !== 1) return;
      for (let j = k + 1; j < b.ops.length; j++) {
        const u = b.ops[j] as MOp;
        const reads = u.k === 'alu' && (u.a?.k === 'v' && u.a.id === d.id || u.b?.k === 'v' && u.b.id === d.id);
        if (reads) {
          if (u.k !== 'alu' || u.rot !== undefined || (u.dst?.k === 'v' && u.dst.id === d.id)) return;
          if (u.a?.k === 'v' && u.a.id === d.id) u.a = { k: 'acc', n: 5 };
          if (u.b?.k === 'v' && u.b.id === d.id) u.b = { k: 'acc', n: 5 };
          drop.add(o);
          return;
        }
        if (writesR5(u) || defOf(u)?.id === d.id) return;
      }
    });
    if (drop.size > 0) b.ops = b.ops.filter((o) => !drop.has(o));
  }
}
