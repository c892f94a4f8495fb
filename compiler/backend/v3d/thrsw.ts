/**
 * Thread switches that hide memory latency (the kernel option `threadSwitch`, docs/backend-v3d.md "Thread
 * switches"): a `thrsw` before a block's first collection (`ldtmu`) of a lookup it issued (or of a word carried into
 * it over a back edge, carry.ts), again before every SWITCH_EVERY-th collection after that, and before the first
 * collection of a lookup issued since the last switch once SWITCH_EVERY / 2 were collected (its data cannot be back
 * yet), lets the QPU's other thread run while this one's data are on their way
 * (Mesa puts one before the TMU results it waits for); the thread resumes once its oldest lookup's data are back
 * (semantics notes 2.1, 4), and each thread has its own 8 of the QPU's 16 output FIFO entries (notes 5.3), so two
 * threads keep up to 16 lookups in flight. The switch is placed in the machine IR before register allocation, after
 * the pre-allocation order, as a segment boundary: across it the allocator keeps no value in an accumulator (r0–r5
 * do not survive when the other thread ran, notes 2.1), the scheduler moves nothing across it and counts the words
 * left in the FIFO, and emit.ts puts the signal on the segment's last word (or a word of its own) with the next
 * segment's first words in the two delay slots where rule 27 allows them. A switch moves earlier in its block where
 * the flags would be live across it (they do not survive either; also into a later block, as isel reuses a compare's
 * flags across blocks), a lookup is half assembled (`tmud`/`tmuc` written, its `tmua` not yet) or a `multop` waits
 * for its `umul24` (rtop does not survive); a block with no such place keeps none. `QPUC_FUZZ_SWITCH=1 npm run fuzz
 * -- diff` compiles every generated kernel with the option and runs its batches as two threads of one QPU.
 */
import { MAGIC } from '../../isa/v3d/instr.ts';
import type { MBlock, MInstr } from './mir.ts';
import { isLoadIssue, isTmuWrite, MAX_PENDING_LOADS } from './schedule.ts';

/** The thread switch pseudo-op (a segment boundary: emit.ts). */
export const isSwitch = (m: MInstr): boolean => m.unit === 'sig' && m.op === 'thrsw';

/** A lookup's `tmua` write (a load, an atomic or a store), which ends the lookup's assembly. */
const isIssue = (m: MInstr): boolean => m.dst?.kind === 'magic' && (m.dst.addr === MAGIC.TMUA || m.dst.addr === MAGIC.TMUAU);
/** A TMU write that assembles a lookup before its `tmua` (`tmud`, `tmuc`, …). */
const isFeed = (m: MInstr): boolean => isTmuWrite(m) && !isIssue(m);
const readsFlags = (m: MInstr): boolean => m.cond !== undefined || m.uf !== undefined || (m.unit === 'branch' && m.branch !== undefined && m.branch.cond !== 'always');
const writesFlags = (m: MInstr): boolean => m.pf !== undefined || m.uf !== undefined;

/** Per block id: whether a block after it may read the flags it leaves (a backward fixpoint over the layout's edges). */
function flagsLiveOut(blocks: MBlock[]): Map<number, boolean> {
  const index = new Map(blocks.map((b, i) => [b.id, i]));
  const succ = blocks.map((b, i) => {
    const out: number[] = [];
    for (const m of b.instrs) if (m.unit === 'branch' && m.branch && index.has(m.branch.target)) out.push(index.get(m.branch.target) as number);
    const last = b.instrs[b.instrs.length - 1];
    const jumps = last?.unit === 'branch' && last.branch?.cond === 'always';
    if (!jumps && i + 1 < blocks.length) out.push(i + 1);
    return out;
  });
  // Per block: reads the flags before writing them (gen), writes them (kill).
  const gen = blocks.map((b) => {
    for (const m of b.instrs) {
      if (readsFlags(m)) return true;
      if (writesFlags(m)) return false;
    }
    return false;
  });
  const kill = blocks.map((b) => b.instrs.some(writesFlags));
  const liveIn = blocks.map(() => false);
  const liveOut = blocks.map(() => false);
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = blocks.length - 1; i >= 0; i--) {
      const out = (succ[i] as number[]).some((j) => liveIn[j]);
      const inn = (gen[i] as boolean) || (!(kill[i] as boolean) && out);
      if (out !== liveOut[i] || inn !== liveIn[i]) {
        liveOut[i] = out;
        liveIn[i] = inn;
        changed = true;
      }
    }
  }
  return new Map(blocks.map((b, i) => [b.id, liveOut[i] as boolean]));
}

/** Whether a switch before `b.instrs[at]` would lose the flags, a half-assembled lookup or rtop (a `multop` waiting for its `umul24`). */
function blocked(b: MBlock, at: number, flagsOut: boolean): boolean {
  let written = false;
  for (let k = at; k < b.instrs.length && !written; k++) {
    const m = b.instrs[k] as MInstr;
    if (readsFlags(m)) return true;
    written = writesFlags(m);
  }
  // Flags a later block reads (isel reuses a compare's flags across blocks).
  if (!written && flagsOut) return true;
  for (let k = at - 1; k >= 0; k--) {
    const m = b.instrs[k] as MInstr;
    if (isIssue(m)) break;
    if (isFeed(m)) return true;
  }
  // rtop: a `multop` whose `umul24` comes after the switch (the pair need not be adjacent in this order).
  for (let k = at - 1; k >= 0; k--) {
    const op = (b.instrs[k] as MInstr).op;
    if (op === 'umul24') break;
    if (op === 'multop') return true;
  }
  return false;
}

/**
 * Collections between two switches: a thread's whole share of the output FIFO (MAX_PENDING_LOADS), so that a turn
 * collects what the thread had in flight and issues as much again. CHOICE, measured on the V3D histogram (64K values,
 * 2 batches per QPU, vc6 / vc7): every 4 collections 44.4 / –, 6 43.8 / –, 8 43.4 / 17.8, 12 45.3 / –, 16 47.2 / 19.9 µs,
 * once per block 52.1 µs on vc6.
 */
const SWITCH_EVERY = MAX_PENDING_LOADS;

/** Puts thread switches into each block that collects lookups it issued (in place; see the file comment). */
export function insertSwitches(blocks: MBlock[]): void {
  const flagsOut = flagsLiveOut(blocks);
  for (const b of blocks) {
    // Words carried in over a back edge (carry.ts) were issued before the block.
    let issued = (b.pendingAtEntry ?? 0) > 0;
    let collected = 0;
    // The words in the output FIFO, oldest first: the lookup that issued each (undefined: carried in).
    const words: (MInstr | undefined)[] = new Array<MInstr | undefined>(b.pendingAtEntry ?? 0).fill(undefined);
    /** Lookups issued since the last switch: their data cannot be back by the time this turn collects them. */
    const thisTurn = new Set<MInstr>();
    // The first switch may go at the block's very start (a block entered with words in flight); later ones after the last.
    let floor = -1;
    for (let at = 0; at < b.instrs.length; at++) {
      const m = b.instrs[at] as MInstr;
      if (isIssue(m)) issued = true;
      if (isLoadIssue(m)) {
        thisTurn.add(m);
        for (let w = 0; w < (m.tmuWords ?? 1); w++) words.push(m);
      }
      if (m.unit !== 'sig' || m.op !== 'ldtmu') continue;
      const from = words.shift();
      // A lookup of this turn: a pipelined step of four values collected its atomics right after issuing them, with
      // the QPU idle for their round trip (the vc7 histogram with four values a step: 30.4 µs, 21.7 with this switch;
      // six 23.2 -> 16.5; from the first such collection, not only half-way, the ragged tail loops switched more
      // often and lost: 64 bins, 5000 values 2.61 -> 2.77 µs).
      const fresh = from !== undefined && thisTurn.has(from) && collected >= SWITCH_EVERY / 2;
      if (issued && (collected === 0 || collected >= SWITCH_EVERY || fresh)) {
        let k = at;
        const out = flagsOut.get(b.id) === true;
        while (k > floor && blocked(b, k, out)) k--;
        if (k > floor && !blocked(b, k, out)) {
          b.instrs.splice(k, 0, { unit: 'sig', op: 'thrsw', srcs: [] });
          at++;
          floor = k + 1;
          collected = 0;
          issued = b.instrs.slice(floor, at).some(isIssue);
          thisTurn.clear();
          for (const x of b.instrs.slice(floor, at)) if (isLoadIssue(x)) thisTurn.add(x);
        }
      }
      collected++;
    }
  }
}

/** TMU result words still to collect after `ops` (lookups issued minus `ldtmu`s), starting from `pending`. */
export function pendingAfter(ops: readonly MInstr[], pending: number): number {
  let p = pending;
  for (const m of ops) {
    if (isLoadIssue(m)) p += m.tmuWords ?? 1;
    if (m.unit === 'sig' && m.op === 'ldtmu') p--;
  }
  return Math.max(p, 0);
}
