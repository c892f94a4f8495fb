/**
 * Strength reduction (the QPU has no integer divider and only a 24-bit multiplier).
 * - Multiply by a constant with one or two set bits, or 2^k - 1: shifts and an add/sub.
 * - u32 divide and remainder by a constant: a shift/mask for 2^k, else one
 *   high multiply with a magic number; i32 divide and remainder by 2^k: the
 *   round-toward-zero shift sequence.
 * - Address induction variables: in a loop whose header parameter `i` steps
 *   by a loop-invariant amount (`i' = i + s`), each `gep base, i` with an
 *   invariant base becomes its own header parameter that steps by `gep p, s`,
 *   so the loop body adds instead of multiplying per access. Accesses whose
 *   indices differ only by constants (`b[k * r + j]` for j = 0 … 31 in an
 *   unrolled loop) share one pointer when there are at least
 *   {@link SHARED_POINTER_MIN} of them: each is the previous one of its block
 *   plus the constant difference (or the shared pointer plus its constant), so
 *   the loop carries one pointer instead of one per access — the same adds per
 *   iteration, far fewer registers live around the loop.
 */
import type { Block, Instr, IrFunction, Value } from '../ir/types.ts';
import { isPtr } from '../ir/types.ts';
import { ensurePreheader, findLoops, predecessors, targets } from '../ir/cfg.ts';
import { addParam, newValue } from '../ir/builder.ts';
import { definitions, replaceUses } from '../ir/values.ts';
import type { OpName } from '../ir/ops.ts';

function log2Exact(x: number | undefined): number | undefined {
  if (x === undefined || x <= 0 || x > 0x80000000 || (x & (x - 1)) !== 0) return undefined;
  return 31 - Math.clz32(x);
}

/** Emits replacement instructions for one op; `finish` writes the original result so its uses stay valid. */
interface Emitter {
  op(op: OpName, args: Value[]): Value;
  c(x: number): Value;
  finish(op: OpName, args: Value[]): void;
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v; v &= v - 1) n++;
  return n;
}

/** x * d with d's bits: one shift, two shifts and an add, or a shift and a subtract (2^k - 1). */
function mulByConst(e: Emitter, x: Value, d: number): boolean {
  const bits = d >>> 0;
  const k = log2Exact(bits);
  if (k !== undefined) return e.finish('shl', [x, e.c(k)]), true;
  if (popcount(bits) === 2) {
    const lo = 31 - Math.clz32(bits & -bits);
    const hi = 31 - Math.clz32(bits);
    const a = e.op('shl', [x, e.c(hi)]);
    return e.finish('add', [a, lo === 0 ? x : e.op('shl', [x, e.c(lo)])]), true;
  }
  const k1 = log2Exact(bits + 1);
  if (k1 !== undefined && k1 < 32) return e.finish('sub', [e.op('shl', [x, e.c(k1)]), x]), true;
  return false;
}

/**
 * u32 quotient by a constant d ≥ 2 that is not a power of two, with one
 * high multiply (Granlund & Montgomery 1994, fig. 4.1):
 * t = mulhi(m, x), q = (t + ((x - t) >> 1)) >> (l - 1), l = ceil(log2 d).
 */
function udivMagic(e: Emitter, x: Value, d: number): [Value, Value] {
  const l = 32 - Math.clz32(d - 1);
  const m = Number((((1n << 32n) * ((1n << BigInt(l)) - BigInt(d))) / BigInt(d) + 1n) & 0xffffffffn);
  const t = e.op('mulhi', [x, e.c(m)]);
  const half = e.op('shr', [e.op('sub', [x, t]), e.c(1)]);
  return [e.op('add', [t, half]), e.c(l - 1)]; // operands of the final shr
}

/** i32 quotient by 2^k, rounding toward zero: add 2^k - 1 to negative dividends before the arithmetic shift. */
function sdivPow2(e: Emitter, x: Value, k: number): [Value, Value] {
  const bias = e.op('shr', [e.op('sar', [x, e.c(31)]), e.c(32 - k)]);
  return [e.op('add', [x, bias]), e.c(k)]; // operands of the final sar
}

function reduce(i: Instr, e: Emitter, x: Value, d: number, t: 'i32' | 'u32'): boolean {
  const bits = d >>> 0;
  const k = log2Exact(bits);
  if (i.op === 'mul') return mulByConst(e, x, d);
  if (t === 'u32' && bits >= 2) {
    if (i.op === 'div') {
      e.finish('shr', k !== undefined ? [x, e.c(k)] : udivMagic(e, x, bits));
      return true;
    }
    if (i.op === 'rem') {
      if (k !== undefined) e.finish('and', [x, e.c(bits - 1)]);
      else e.finish('sub', [x, e.op('mul', [e.op('shr', udivMagic(e, x, bits)), e.c(bits)])]);
      return true;
    }
  }
  if (t === 'i32' && k !== undefined && k > 0 && k < 31) {
    if (i.op === 'div') return e.finish('sar', sdivPow2(e, x, k)), true;
    if (i.op === 'rem') return e.finish('sub', [x, e.op('shl', [e.op('sar', sdivPow2(e, x, k)), e.c(k)])]), true;
  }
  return false;
}

/** Reduces strength in place; returns the function. */
export function reduceStrength(fn: IrFunction): IrFunction {
  const consts = new Map<Value, number>();
  for (const b of fn.blocks) for (const i of b.instrs) if (i.op === 'const' && i.result) consts.set(i.result, Number(i.attrs?.['value']));
  for (const b of fn.blocks) {
    const out: Instr[] = [];
    for (const i of b.instrs) {
      const r = i.result;
      const t = r?.type;
      let [x, y] = i.args;
      if (i.op === 'mul' && x && y && consts.has(x) && !consts.has(y)) [x, y] = [y, x];
      const d = y ? consts.get(y) : undefined;
      if (!r || (t !== 'i32' && t !== 'u32') || !x || d === undefined || (i.op !== 'mul' && i.op !== 'div' && i.op !== 'rem')) {
        out.push(i);
        continue;
      }
      const e: Emitter = {
        op: (op, args) => {
          const v = newValue(fn, t, args.every((a) => a.uniform));
          out.push({ op, args, result: v, ...(i.loc ? { loc: i.loc } : {}) });
          return v;
        },
        c: (v) => {
          const cv = newValue(fn, t, true);
          out.push({ op: 'const', args: [], result: cv, attrs: { value: t === 'i32' ? v | 0 : v >>> 0 } });
          return cv;
        },
        finish: (op, args) => void out.push({ ...i, op, args }),
      };
      if (!reduce(i, e, x, d, t)) out.push(i);
    }
    b.instrs = out;
  }
  return addressInductionVariables(fn);
}

/**
 * Accesses of one base and step that differ only by constants, from this many
 * on, share one pointer (fewer would each keep their own: their code is what
 * it was before sharing existed, and a few extra registers cost nothing).
 */
export const SHARED_POINTER_MIN = 4;

/** An index `iv * scale + sum(offsets)`: scale one, a power of two (`shl` amount), or an invariant value; offsets invariant. */
interface Affine {
  scale: 'one' | { shift: number } | Value;
  offsets: Value[];
}

/** `v` as an affine function of the induction variable `iv` (only forms strength reduction can step), or undefined. */
function affine(v: Value, iv: Value, invariant: (v: Value) => boolean, defs: Map<Value, { block: Block; instr?: Instr }>, depth: number): Affine | undefined {
  if (v === iv) return { scale: 'one', offsets: [] };
  const d = defs.get(v)?.instr;
  if (!d || depth <= 0 || d.result?.type !== iv.type) return undefined;
  const [x, y] = d.args as [Value, Value];
  if (d.op === 'add') {
    for (const [a, b] of [[x, y], [y, x]] as const) {
      if (!invariant(b)) continue;
      const inner = affine(a, iv, invariant, defs, depth - 1);
      if (inner) return { scale: inner.scale, offsets: [...inner.offsets, b] };
    }
    return undefined;
  }
  if (d.op === 'mul' && x === iv && invariant(y)) return { scale: y, offsets: [] };
  if (d.op === 'mul' && y === iv && invariant(x)) return { scale: x, offsets: [] };
  if (d.op === 'shl' && x === iv) {
    const c = defs.get(y)?.instr;
    const k = c?.op === 'const' ? Number(c.attrs?.['value']) : NaN;
    if (Number.isInteger(k) && k > 0 && k < 32) return { scale: { shift: k }, offsets: [] };
  }
  return undefined;
}

function addressInductionVariables(fn: IrFunction): IrFunction {
  const { loops } = findLoops(fn);
  for (const loop of loops) {
    const h = loop.header;
    const latches = (predecessors(fn).get(h) ?? []).filter((p) => loop.blocks.has(p));
    const latch = latches[0];
    if (latches.length !== 1 || !latch) continue;
    const pre = ensurePreheader(fn, loop);
    if (pre.term.kind !== 'br') continue;
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
      const it = iv.type;
      if (it !== 'u32' && it !== 'i32') return;
      // Preheader arithmetic in the index type.
      const emit = (op: OpName, args: Value[], attrs?: Record<string, number>): Value => {
        const v = newValue(fn, it, args.every((a) => a.uniform));
        pre.instrs.push({ op, args, result: v, ...(attrs ? { attrs } : {}) });
        return v;
      };
      const scaled = (x: Value, a: Affine['scale']): Value => (a === 'one' ? x : 'shift' in a ? emit('shl', [x, emit('const', [], { value: a.shift })]) : emit('mul', [x, a]));
      const constOf = (v: Value): number | undefined => {
        const d = defs.get(v)?.instr;
        return d?.op === 'const' && (v.type === 'u32' || v.type === 'i32') ? Number(d.attrs?.['value']) : undefined;
      };
      /** The group of an access: base, scale and the offsets that are not constants; and the sum of those that are. */
      const groupOf = (g: Instr, aff: Affine): { key: string; c: number; rest: Value[] } => {
        let c = 0;
        const rest: Value[] = [];
        for (const o of aff.offsets) {
          const k = constOf(o);
          if (k === undefined) rest.push(o);
          else c = (c + k) | 0;
        }
        const sc = aff.scale === 'one' ? '1' : 'shift' in aff.scale ? `<<${aff.scale.shift}` : `*${aff.scale.id}`;
        return { key: `${g.args[0]!.id}:${sc}:${rest.map((o) => o.id).sort((x, y) => x - y).join(',')}`, c, rest };
      };
      const candidates: { g: Instr; b: Block; aff: Affine; key: string; c: number; rest: Value[] }[] = [];
      for (const b of fn.blocks) {
        if (!loop.blocks.has(b)) continue;
        for (const g of b.instrs) {
          if (g.op !== 'gep' || !invariant(g.args[0]!) || !g.result || !isPtr(g.result.type) || subst.has(g.result)) continue;
          const aff = affine(g.args[1]!, iv, invariant, defs, 3);
          if (aff) candidates.push({ g, b, aff, ...groupOf(g, aff) });
        }
      }
      const members = new Map<string, Set<number>>();
      for (const m of candidates) members.set(m.key, (members.get(m.key) ?? new Set()).add(m.c));
      // Shared pointers of the groups with enough distinct constants; the last access of each block per group.
      const groupPointer = new Map<string, Value>();
      const lastInBlock = new Map<string, { block: Block; at: Value; c: number }>();
      const constant = (type: Value['type'], value: number): Value => {
        const v = newValue(fn, type, true);
        pre.instrs.push({ op: 'const', args: [], result: v, attrs: { value } });
        return v;
      };
      /** A pointer carried around the loop: start = base + (init * scale + offsets), step = s * scale (elements). */
      const pointerIv = (g: Instr, res: Value, scale: Affine['scale'], offsets: readonly Value[]): Value => {
        const p = addParam(fn, h, res.type, res.uniform);
        let idx = scaled(entryRef.args[k]!, scale);
        for (const o of offsets) idx = emit('add', [idx, o]);
        const start = newValue(fn, res.type, g.args[0]!.uniform && idx.uniform);
        pre.instrs.push({ op: 'gep', args: [g.args[0]!, idx], result: start });
        entryRef.args.push(start);
        const by = scaled(step, scale);
        const stepped = newValue(fn, res.type, p.uniform && by.uniform);
        latch.instrs.push({ op: 'gep', args: [p, by], result: stepped });
        backRef.args.push(stepped);
        return p;
      };
      // One pointer per (base, index) pair: accesses with the same base and index share it.
      const shared = new Map<string, Value>();
      for (const { g, b, aff, key, c, rest } of candidates) {
        const res = g.result as Value;
        if (subst.has(res)) continue;
        if ((members.get(key)?.size ?? 0) >= SHARED_POINTER_MIN) {
          let p = groupPointer.get(key);
          if (!p) groupPointer.set(key, (p = pointerIv(g, res, aff.scale, rest)));
          // This access: the previous one of the group in this block plus the difference, else the pointer plus c.
          const last = lastInBlock.get(key);
          const from = last && last.block === b ? last.at : p;
          const by = last && last.block === b ? (c - last.c) | 0 : c;
          g.args = [from, constant(it, it === 'u32' ? by >>> 0 : by | 0)];
          lastInBlock.set(key, { block: b, at: res, c });
          continue;
        }
        const pairKey = `${g.args[0]!.id}:${g.args[1]!.id}`;
        const have = shared.get(pairKey);
        if (have) {
          subst.set(res, have);
          continue;
        }
        const p = pointerIv(g, res, aff.scale, aff.offsets);
        subst.set(res, p);
        shared.set(pairKey, p);
      }
    });
    replaceUses(fn, subst);
    for (const b of fn.blocks as Block[]) b.instrs = b.instrs.filter((i) => !i.result || !subst.has(i.result));
  }
  return fn;
}
