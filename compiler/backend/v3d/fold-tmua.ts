/**
 * Address folding into the TMU address write: instruction selection writes
 * every lookup's address with `mov tmua, a`, where `a` is often the result of
 * the op just before (`add a, base, offset`). When that op's result is read
 * by nothing else, the op itself writes `tmua` (`add tmua, base, offset`):
 * one ALU op fewer per lookup (a histogram's atomics, gathers), and a magic
 * write from any ALU op is as good as a move (notes 5.1).
 */
import { MAGIC } from '../../isa/v3d/instr.ts';
import { defOf, regKey, usesOf, type MFunction, type MInstr, type VReg } from './mir.ts';

/**
 * Integer ops that read nothing but their operands (no flags, no `rtop`: `umul24` consumes the `multop` before
 * it, so moving it down could pair it with another) and have no latency: they may compute an address straight
 * into `tmua` at the lookup's place.
 */
const FOLDABLE = new Set(['add', 'sub', 'shl', 'shr', 'asr', 'and', 'or', 'xor', 'umin', 'umax', 'min', 'max']);

/** Whether m is a plain address write (`mov tmua, vN`) whose register the fold may replace. */
function isAddressMove(m: MInstr): boolean {
  return m.unit === 'add' && m.op === 'mov' && m.dst?.kind === 'magic' && m.dst.addr === MAGIC.TMUA && m.srcs.length === 1 && m.srcs[0]?.kind === 'vreg' && m.tmu !== undefined;
}

/**
 * Fold, in place, each `mov tmua, a` whose `a` is defined once in the function, by a {@link FOLDABLE} op earlier
 * in the same block with no condition, flags or rotate, and read only by that move, when nothing between them
 * writes the op's sources: the op moves down to the move's place and writes `tmua` itself.
 */
export function foldTmuAddresses(mf: MFunction, maxRegisterReads = 2): void {
  const defs = new Map<string, number>();
  const uses = new Map<string, number>();
  for (const b of mf.blocks) {
    for (const m of b.instrs) {
      const d = defOf(m);
      if (d) defs.set(regKey(d), (defs.get(regKey(d)) ?? 0) + 1);
      for (const u of usesOf(m)) uses.set(regKey(u), (uses.get(regKey(u)) ?? 0) + 1);
    }
  }
  for (const b of mf.blocks) {
    const ins = b.instrs;
    for (let j = 0; j < ins.length; j++) {
      const mv = ins[j] as MInstr;
      if (!isAddressMove(mv)) continue;
      const a = regKey(mv.srcs[0] as VReg);
      if (defs.get(a) !== 1 || uses.get(a) !== 1) continue;
      const definesA = (m: MInstr): boolean => {
        const d = defOf(m);
        return d !== undefined && regKey(d) === a;
      };
      let i = j - 1;
      while (i >= 0 && !definesA(ins[i] as MInstr)) i--;
      if (i < 0) continue;
      const op = ins[i] as MInstr;
      if ((op.unit !== 'add' && op.unit !== 'mul') || !FOLDABLE.has(op.op) || op.cond || op.pf || op.uf || op.rotate) continue;
      if (op.srcs.some((s) => s.kind === 'acc')) continue;
      if (op.srcs.filter((s) => s.kind === 'vreg' || s.kind === 'rf').length > maxRegisterReads) continue;
      const read = new Set(op.srcs.flatMap((s) => (s.kind === 'vreg' || s.kind === 'rf' ? [regKey(s)] : [])));
      let clobbered = false;
      for (let k = i + 1; k < j && !clobbered; k++) {
        const d = defOf(ins[k] as MInstr);
        if (d && read.has(regKey(d))) clobbered = true;
      }
      if (clobbered) continue;
      const folded: MInstr = { ...mv, unit: op.unit, op: op.op, srcs: [...op.srcs] };
      ins[j] = folded;
      ins.splice(i, 1);
      j--;
    }
  }
}
