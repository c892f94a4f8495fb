/**
 * Reads of r5 forwarded to their uses, for VC4. A broadcast leaves its
 * value in r5 (every element, through `r5rep`, isel-lanes.ts) and selection
 * copies it to a virtual register; when every read of that register comes
 * later in the same block, and nothing before the last of them writes r5,
 * the readers take r5 directly and the copy goes: `fmul d, x, r5` instead of
 * `mov t, r5`, the register-file write latency and often a port copy into
 * r3 (a broadcast that feeds two multiplies reads r5 in both). A reader that
 * is itself a plain copy becomes a copy of r5 and is forwarded in turn.
 *
 * Safe across the later stages: register allocation and its spill code never
 * write r5 (spill reloads go through r4), and the list scheduler orders every
 * read and write of r5 (compiler/backend/vc4/bundle.ts). Rotations are left
 * alone (only r0–r3 rotate across all 16 elements, notes §1.13). r4 is not
 * forwarded: spill reloads inserted after this pass load r4.
 */
import type { Dst, MBlock, MOp, Src } from './mir.ts';
import { conditionalMulDst, copySource, defOf, definitionCounts, readerCounts, sameSrc, usesOf } from './mir.ts';
import type { Vc4MFunction } from './isel.ts';
import { IO } from './isel-ctx.ts';

/** Writes r5: as a destination, through `r5quad`/`r5rep`, or anything else that is not plain ALU/ldi work. */
function writesR5(o: MOp): boolean {
  if (o.k !== 'alu' && o.k !== 'ldi') return o.k !== 'nop';
  const d = o.dst;
  return (d?.k === 'acc' && d.n === 5) || (d?.k === 'io' && d.addr === IO.R5);
}

const isR5 = (s: Src | undefined): boolean => s?.k === 'acc' && s.n === 5;

/** Forwards copies of r5 whose readers all follow in the block (see the file comment). Mutates `mf`. */
export function forwardR5Copies(mf: Vc4MFunction): void {
  const uses = readerCounts(mf.blocks);
  for (const b of mf.blocks) {
    const drop = new Set<MOp>();
    b.ops.forEach((o, k) => {
      if (!isR5(copySource(o))) return;
      const d = defOf(o);
      const want = d ? uses.get(d.id) : undefined;
      if (!d || want === undefined) return;
      // Every reader must come later in this block, before r5 or the register is written again.
      const readers: MOp[] = [];
      for (let j = k + 1; j < b.ops.length && readers.length < want; j++) {
        const u = b.ops[j] as MOp;
        const reads = u.k === 'alu' && (u.a?.k === 'v' && u.a.id === d.id || u.b?.k === 'v' && u.b.id === d.id);
        if (reads) {
          if (u.k !== 'alu' || u.rot !== undefined || (u.dst?.k === 'v' && u.dst.id === d.id)) return;
          readers.push(u);
          continue;
        }
        if (writesR5(u) || defOf(u)?.id === d.id) return;
      }
      if (readers.length !== want) return;
      for (const u of readers) {
        if (u.k !== 'alu') continue;
        if (u.a?.k === 'v' && u.a.id === d.id) u.a = { k: 'acc', n: 5 };
        if (u.b?.k === 'v' && u.b.id === d.id) u.b = { k: 'acc', n: 5 };
      }
      drop.add(o);
    });
    if (drop.size > 0) b.ops = b.ops.filter((o) => !drop.has(o));
  }
}

const isAcc = (s: Src | Dst | undefined, n: number): boolean => s?.k === 'acc' && s.n === n;

/**
 * A value computed only to be copied into r0 for a rotation (`and t, x, k; mov r0, t; v8min.rot d, r0, r0`, the copy
 * its one reader, in the same block, nothing between reading or writing r0) is computed straight into r0: the copy
 * and the register-file write latency before it go. Mutates `mf`.
 */
export function computeIntoR0(mf: Vc4MFunction): void {
  const defs = definitionCounts(mf.blocks);
  const readers = readerCounts(mf.blocks);
  const readsR0 = (o: MOp): boolean => o.k === 'alu' && (isAcc(o.a, 0) || isAcc(o.b, 0));
  for (const b of mf.blocks) {
    const drop = new Set<MOp>();
    const defAt = new Map<number, number>();
    b.ops.forEach((o, k) => {
      const from = o.k === 'alu' && isAcc(o.dst, 0) && !o.cond ? copySource(o) : undefined;
      if (from?.k === 'v' && defs.get(from.id) === 1 && readers.get(from.id) === 1) {
        const at = defAt.get(from.id);
        const d = at === undefined ? undefined : (b.ops[at] as MOp);
        if (at !== undefined && d?.k === 'alu' && (!d.cond || d.cond === 'always') && d.rot === undefined && !d.sf) {
          const between = b.ops.slice(at + 1, k);
          if (!between.some((u) => writesAcc(u, 0) || readsR0(u))) {
            d.dst = { k: 'acc', n: 0 };
            drop.add(o);
          }
        }
      }
      const d = defOf(o);
      if (d) defAt.set(d.id, k);
    });
    if (drop.size > 0) b.ops = b.ops.filter((o) => !drop.has(o));
  }
}

/** Writes accumulator `n` (as a destination; r5 also through r5quad/r5rep), or is not plain ALU/ldi/signal work. */
function writesAcc(o: MOp, n: number): boolean {
  if (n === 5) return writesR5(o);
  if (o.k !== 'alu' && o.k !== 'ldi') return o.k !== 'nop' || (n === 4 && (o.sig === 'ldtmu0' || o.sig === 'ldtmu1'));
  return o.dst?.k === 'acc' && o.dst.n === n;
}

/**
 * A copy into r0 of what r0 already holds (the source of the last copy into r0, not written since, and r0 not
 * written since): dropped. Broadcasts of one vector copy it into r0 before each rotation (isel-lanes.ts). Mutates `mf`.
 */
export function dropRepeatedR0Copies(mf: Vc4MFunction): void {
  for (const b of mf.blocks) {
    let holds: Src | undefined;
    const drop = new Set<MOp>();
    for (const o of b.ops) {
      const from = o.k === 'alu' && isAcc(o.dst, 0) ? copySource(o) : undefined;
      if (from) {
        if (holds && sameSrc(holds, from)) {
          drop.add(o);
          continue;
        }
        holds = from.k === 'v' || from.k === 'acc' ? from : undefined;
        continue;
      }
      if (writesAcc(o, 0)) holds = undefined;
      // The held value changes: a write of its register or accumulator.
      else if (holds?.k === 'v' && defOf(o)?.id === holds.id) holds = undefined;
      else if (holds?.k === 'acc' && writesAcc(o, holds.n)) holds = undefined;
    }
    if (drop.size > 0) b.ops = b.ops.filter((o) => !drop.has(o));
  }
}

/** Accumulators no selection sequence uses (r0: rotations, r3: port copies, r4: TMU/SFU results, r5: broadcasts). */
const FREE_ACCS = [1, 2] as const;

/**
 * Short-lived values in r1 and r2: a register written once, unconditionally, by an ALU op and read by exactly
 * one later op of the same block moves to a free accumulator for that interval (two intervals may not overlap
 * on one accumulator). Accumulators are read the instruction after their write and have no read-port limits,
 * so `fmul t, x, y; fadd s, s, t` needs neither the register-file latency nor an r3 port copy, and the
 * allocator has fewer values to place. A rotation's result goes there only when the next op reads it. Mutates `mf`.
 */
export function accumulateTemporaries(mf: Vc4MFunction): void {
  const defs = definitionCounts(mf.blocks);
  const readers = readerCounts(mf.blocks);
  // A value computed only to be copied once (`fmul t, …; or u, t, t`, selection's result copies) is computed
  // straight into the copy's register, when that register has no other definition.
  for (const b of mf.blocks) {
    const defAt = new Map<number, MOp>();
    const drop = new Set<MOp>();
    for (const o of b.ops) {
      const from = copySource(o);
      if (o.k === 'alu' && o.dst?.k === 'v' && from?.k === 'v') {
        const t = from.id;
        const u = o.dst.id;
        const d = defAt.get(t);
        if (d && d.k === 'alu' && d.dst?.k === 'v' && (!d.cond || d.cond === 'always') && defs.get(t) === 1 && readers.get(t) === 1 && defs.get(u) === 1) {
          d.dst = o.dst;
          drop.add(o);
          defs.set(t, 0);
          defAt.set(u, d);
          continue;
        }
      }
      const d = defOf(o);
      if (d) defAt.set(d.id, o);
    }
    if (drop.size > 0) b.ops = b.ops.filter((o) => !drop.has(o));
  }
  for (const b of mf.blocks) {
    // The ops of the block reading each register, in order (looked up per candidate: scanning the block from its
    // start for each was quadratic in the block length).
    const readAt = new Map<number, number[]>();
    b.ops.forEach((u, x) => {
      for (const r of usesOf(u)) {
        const list = readAt.get(r.id);
        if (!list) readAt.set(r.id, [x]);
        else if (list[list.length - 1] !== x) list.push(x);
      }
    });
    // Per accumulator, the intervals given out (first definition, last reader).
    const spans = shareAccumulators(b, defs, readers, readAt);
    const free = (a: number, from: number, to: number): boolean =>
      !(spans[a] as [number, number][]).some(([s, e]) => s < to && from < e) && !b.ops.slice(from + 1, to).some((u) => writesAcc(u, a));
    let next = 0;
    b.ops.forEach((o, k) => {
      if (o.k !== 'alu' || o.dst?.k !== 'v' || (o.cond && o.cond !== 'always')) return;
      const id = o.dst.id;
      if (defs.get(id) !== 1 || readers.get(id) !== 1) return;
      const j = readAt.get(id)?.find((x) => x > k) ?? -1;
      if (j < 0) return;
      // A rotation's result only where the next op reads it (`mov.rot 8, r1, r0; add z, y, r1`: no register-file
      // write latency between them; vc4 histogram 64 bins 0.851 -> 0.856). Held for longer, the accumulator kept
      // other temporaries out of it (vc4 scans 0.556 -> 0.541).
      if (o.rot !== undefined && j !== k + 1) return;
      const user = b.ops[j] as MOp;
      if (user.k !== 'alu' || user.rot !== undefined || (user.dst?.k === 'v' && user.dst.id === id)) return;
      // A value only copied on (a loop-carried update) stays: the allocator gives it the copy's register.
      if ((user.op === 'or' || user.op === 'v8min') && sameSrc(user.a, user.b)) return;
      // Alternate between the two so that neighbouring intervals do not wait for each other.
      const order = next === 0 ? FREE_ACCS : ([FREE_ACCS[1], FREE_ACCS[0]] as const);
      const n = order.find((a) => free(a, k, j));
      if (n === undefined) return;
      next = 1 - next;
      (spans[n] as [number, number][]).push([k, j]);
      const r = { k: 'acc', n } as const;
      o.dst = r;
      if (user.a?.k === 'v' && user.a.id === id) user.a = r;
      if (user.b?.k === 'v' && user.b.id === id) user.b = r;
    });
  }
}

/**
 * Values that conditional mul-ALU ops read (packed counters: `v8adds.ifzs w, w, inc` for eight words w), and the
 * values their flags come from (the `xor.setf -, g, k` compares before them), go to r1 or r2 from their first
 * definition to their last reader, every definition and reader in this block (the definitions before the readers,
 * the first unconditional: a select's `mov` and conditional `mov` too), where the accumulator is free; before the
 * single-reader temporaries, which take what is left. Each compare can then share a word with the previous word's
 * byte add: the compare's small immediate takes the B port and w the A port, so g and inc must come from
 * accumulators. Returns the intervals per accumulator.
 */
function shareAccumulators(b: MBlock, defs: ReadonlyMap<number, number>, readers: ReadonlyMap<number, number>, readAt: ReadonlyMap<number, number[]>): [number, number][][] {
  const spans: [number, number][][] = [[], [], []];
  const wanted = new Set<number>();
  b.ops.forEach((o, k) => {
    const dst = conditionalMulDst(o);
    if (!dst || o.k !== 'alu') return;
    // `mov d, x; op.cond d, x, y` (isel.ts selectCondOp): y, the increment; x is the counter's old value.
    if (o.b?.k === 'v' && o.b.id !== dst.id) wanted.add(o.b.id);
    // The compare whose flags it reads: the last flag-setting op before it.
    for (let j = k - 1; j >= 0; j--) {
      const f = b.ops[j] as MOp;
      if (f.k !== 'alu' || !f.sf) continue;
      for (const s of [f.a, f.b]) if (s?.k === 'v') wanted.add(s.id);
      break;
    }
  });
  if (wanted.size === 0) return spans;
  const defAt = new Map<number, number[]>();
  b.ops.forEach((o, k) => {
    const d = defOf(o);
    if (d && wanted.has(d.id)) defAt.set(d.id, [...(defAt.get(d.id) ?? []), k]);
  });
  for (const [id, ds] of defAt) {
    // A conditional definition reads the register too (the lanes it keeps): not a reader here.
    const all = readAt.get(id) ?? [];
    const at = all.filter((x) => !ds.includes(x));
    const first = ds[0] as number;
    const head = b.ops[first] as MOp;
    if (ds.length !== defs.get(id) || at.length < 2 || all.length !== readers.get(id) || (at[0] as number) <= (ds[ds.length - 1] as number)) continue;
    if (head.k !== 'alu' || (head.cond && head.cond !== 'always') || all.includes(first)) continue;
    const last = at[at.length - 1] as number;
    const ops = [...ds, ...at].map((x) => b.ops[x] as MOp);
    if (ops.some((u) => u.k !== 'alu' || u.rot !== undefined)) continue;
    const n = FREE_ACCS.find((a) => !(spans[a] as [number, number][]).some(([s, e]) => s < last && first < e) && !b.ops.slice(first + 1, last).some((u, x) => !ds.includes(first + 1 + x) && writesAcc(u, a)));
    if (n === undefined) continue;
    (spans[n] as [number, number][]).push([first, last]);
    const r = { k: 'acc', n } as const;
    for (const u of ops) {
      if (u.k !== 'alu') continue;
      if (u.dst?.k === 'v' && u.dst.id === id) u.dst = r;
      if (u.a?.k === 'v' && u.a.id === id) u.a = r;
      if (u.b?.k === 'v' && u.b.id === id) u.b = r;
    }
  }
  return spans;
}
