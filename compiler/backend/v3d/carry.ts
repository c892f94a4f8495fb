/**
 * Loads carried across a loop's back edge: the last lookups of a loop body whose results only become the next
 * iteration's values stay in the TMU output FIFO over the back edge, and their `ldtmu`s move to the top of the body
 * (the next iteration) and to the loop's exit.
 *
 * A segment is scheduled on its own, and without this every block starts and ends with an empty FIFO: a body whose
 * last lookups are loads for the next iteration (a software-pipelined loop, kernels/histogram.ts) waited for all of
 * them at its end, then issued its first lookups with the FIFO empty (on vc6 about a round trip per step lost). With
 * the pops at the top, the scheduler interleaves them with the next iteration's first lookups, so the FIFO stays full.
 *
 * The shape handled (anything else is left alone): a header block H whose only work is ALU ops and a conditional
 * branch to the exit E, falling through into the body B, which ends with `b H`; H's other predecessor is the block
 * before it, P, which falls into it with no branch of its own; E is reached only from H. The last lookups of B and of
 * P (at most the FIFO's MAX_PENDING_LOADS words, the same number in both) must be loads whose every result word is
 * copied by one `mov` of the branch's parallel copy into a block parameter of H, the same parameter in the same FIFO
 * position in P and B, read nowhere after that copy (H included). Then those `ldtmu`s and copies leave P and B, and
 * `ldtmu` into the parameters, in FIFO order, starts B and E (each with `pendingAtEntry` set, for the schedulers).
 * No thread switch, barrier or `tmuwt` may follow the carried lookups in P or B.
 *
 * Spill code adds lookups of its own, which would pop the carried words: the allocator uses this form only when it
 * colours without spilling (emit.ts allocateV3d), and falls back to the code as selected otherwise.
 */
import type { MBlock, MInstr, VReg } from './mir.ts';
import { isLoadIssue, isTmuWrite, MAX_PENDING_LOADS } from './schedule.ts';

/** Ops after which words may not stay pending: a wait for the TMU, a thread switch, a barrier. */
function isFence(m: MInstr): boolean {
  return m.op === 'tmuwt' || m.unit === 'sync' || (m.unit === 'sig' && m.op !== 'ldtmu' && m.op !== 'ldunifrf');
}
const isPop = (m: MInstr): boolean => m.unit === 'sig' && m.op === 'ldtmu';
const vregId = (x: { kind: string } | undefined): number | undefined => (x?.kind === 'vreg' ? (x as VReg).id : undefined);

/** Whether `m` reads vreg `id` (a conditional write reads its destination). */
function reads(m: MInstr, id: number): boolean {
  return m.srcs.some((s) => vregId(s) === id) || (m.rotate !== undefined && vregId(m.rotate) === id) || (m.cond !== undefined && vregId(m.dst) === id);
}

/** A block's carried tail: the parameters its last K result words are copied into (FIFO order), and what to remove. */
interface Tail {
  params: number[];
  /** The `ldtmu`s and copies that go. */
  remove: Set<MInstr>;
}

/**
 * The last `words` result words of block `b` as a carried tail, or undefined when they are not all loads copied
 * straight into parameters (see the file comment). `words` undefined: as many as qualify, up to MAX_PENDING_LOADS.
 */
function carriedTail(b: MBlock, uses: Map<number, number>, words?: number): Tail | undefined {
  const ins = b.instrs;
  // The block's lookups in order, and its pops: every word issued here must be popped here (nothing pending at entry).
  const lookups: number[] = [];
  const pops: number[] = [];
  ins.forEach((m, k) => {
    if (isLoadIssue(m)) lookups.push(k);
    if (isPop(m)) pops.push(k);
  });
  const wordsOf = (k: number): number => (ins[k] as MInstr).tmuWords ?? 1;
  if (lookups.reduce((s, k) => s + wordsOf(k), 0) !== pops.length) return undefined;
  // Whole lookups from the end, while they qualify and fit.
  const params: number[] = [];
  const remove = new Set<MInstr>();
  let taken = 0;
  let firstLookup = ins.length;
  for (let l = lookups.length - 1; l >= 0; l--) {
    const at = lookups[l] as number;
    const n = wordsOf(at);
    if (taken + n > (words ?? MAX_PENDING_LOADS)) break;
    const mine: number[] = [];
    let ok = true;
    for (let w = 0; w < n && ok; w++) {
      const popAt = pops[pops.length - taken - n + w] as number;
      const pop = ins[popAt] as MInstr;
      const x = vregId(pop.dst);
      // The word's register: read once, by a plain copy into a parameter, after which only copies and the branch follow.
      if (pop.cond || x === undefined || uses.get(x) !== 1) ok = false;
      const copyAt = ok ? ins.findIndex((m, k) => k > popAt && reads(m, x as number)) : -1;
      const copy = ins[copyAt];
      const p = vregId(copy?.dst);
      if (!copy || copy.op !== 'mov' || copy.cond || copy.pf || copy.uf || copy.rotate || copy.srcs.length !== 1 || p === undefined) ok = false;
      else {
        for (let k = copyAt + 1; k < ins.length && ok; k++) {
          const m = ins[k] as MInstr;
          if (m.unit === 'branch') continue;
          if (m.op !== 'mov' || reads(m, p) || vregId(m.dst) === p) ok = false;
        }
        // Nothing else in the block writes the parameter.
        if (ins.some((m, k) => k !== copyAt && vregId(m.dst) === p)) ok = false;
        if (ok) {
          mine.push(p);
          remove.add(pop).add(copy);
        }
      }
    }
    if (!ok) break;
    params.unshift(...mine);
    taken += n;
    firstLookup = at;
  }
  if (taken === 0 || (words !== undefined && taken !== words)) return undefined;
  // No fence after the carried lookups (the words must still be pending at the block's end), and no parameter twice.
  if (ins.slice(firstLookup).some(isFence) || new Set(params).size !== params.length) return undefined;
  return { params, remove };
}

/** Block that control reaches after `b` when it does not branch (undefined past the last or after `b always`). */
function fallsInto(blocks: MBlock[], k: number): MBlock | undefined {
  const last = (blocks[k] as MBlock).instrs.at(-1);
  return last?.unit === 'branch' && last.branch?.cond === 'always' ? undefined : blocks[k + 1];
}

/**
 * Rewrite `blocks` (selected code, virtual registers) so that the loads of each loop of the handled shape (file
 * comment) stay pending across its back edge. Returns undefined when no loop qualifies; otherwise new blocks (the
 * input is not modified), those that start with pending words carrying `pendingAtEntry`.
 */
export function carryLoadsAcrossBackEdges(blocks: MBlock[]): MBlock[] | undefined {
  const uses = new Map<number, number>();
  for (const b of blocks) {
    for (const m of b.instrs) {
      for (const s of m.srcs) {
        const id = vregId(s);
        if (id !== undefined) uses.set(id, (uses.get(id) ?? 0) + 1);
      }
      const r = vregId(m.rotate);
      if (r !== undefined) uses.set(r, (uses.get(r) ?? 0) + 1);
      const d = m.cond ? vregId(m.dst) : undefined;
      if (d !== undefined) uses.set(d, (uses.get(d) ?? 0) + 1);
    }
  }
  /** Blocks that can reach block `id`: by fall-through or a branch. */
  const preds = (id: number): number[] => {
    const out: number[] = [];
    blocks.forEach((b, k) => {
      if (fallsInto(blocks, k)?.id === id || b.instrs.some((m) => m.branch?.target === id)) out.push(k);
    });
    return out;
  };
  const out = blocks.map((b) => ({ ...b, instrs: [...b.instrs] }));
  let changed = false;
  for (let h = 1; h + 1 < out.length; h++) {
    const head = out[h] as MBlock;
    const body = out[h + 1] as MBlock;
    const pre = out[h - 1] as MBlock;
    const hBranch = head.instrs.at(-1);
    const bBranch = body.instrs.at(-1);
    if (hBranch?.unit !== 'branch' || hBranch.branch === undefined || hBranch.branch.cond === 'always') continue;
    if (bBranch?.unit !== 'branch' || bBranch.branch?.cond !== 'always' || bBranch.branch.target !== head.id) continue;
    const exitId = hBranch.branch.target;
    const exitAt = out.findIndex((b) => b.id === exitId);
    if (exitAt < 0 || exitId === body.id || exitId === head.id) continue;
    // H: ALU work only; P falls into H with no branch; H is reached from P and B only, E from H only.
    if (!head.instrs.slice(0, -1).every((m) => (m.unit === 'add' || m.unit === 'mul') && !isTmuWrite(m))) continue;
    if (pre.instrs.some((m) => m.unit === 'branch')) continue;
    const hp = preds(head.id);
    if (hp.length !== 2 || !hp.includes(h - 1) || !hp.includes(h + 1)) continue;
    const ep = preds(exitId);
    if (ep.length !== 1 || ep[0] !== h) continue;
    const bodyTail = carriedTail(body, uses);
    if (!bodyTail) continue;
    const preTail = carriedTail(pre, uses, bodyTail.params.length);
    if (!preTail || preTail.params.some((p, k) => p !== bodyTail.params[k])) continue;
    // The parameters are read nowhere in H (their words are still in the FIFO there).
    if (bodyTail.params.some((p) => head.instrs.some((m) => reads(m, p)))) continue;
    const popsInto = (): MInstr[] => bodyTail.params.map((p): MInstr => ({ unit: 'sig', op: 'ldtmu', dst: { kind: 'vreg', id: p }, srcs: [] }));
    pre.instrs = pre.instrs.filter((m) => !preTail.remove.has(m));
    body.instrs = [...popsInto(), ...body.instrs.filter((m) => !bodyTail.remove.has(m))];
    body.pendingAtEntry = bodyTail.params.length;
    const exit = out[exitAt] as MBlock;
    exit.instrs = [...popsInto(), ...exit.instrs];
    exit.pendingAtEntry = bodyTail.params.length;
    changed = true;
  }
  return changed ? out : undefined;
}
