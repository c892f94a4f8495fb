/**
 * Integer ops for V3D: the direct ALU mappings, the 32-bit multiply
 * (`multop` + `umul24`) and `umul24`. `div`, `rem` and `mulhi` arrive
 * expanded (compiler/passes/expand-int.ts).
 */
import type { Instr, Value } from '../../ir/types.ts';
import type { MSrc } from './mir.ts';
import { imm } from './mir.ts';
import { alu, arg, constValue, mul32, src, type Ctx, type OpHandler, type OpHandlers } from './isel-ctx.ts';

/** One add-ALU op of the same name's operands (shift amounts may be small immediates). */
const direct = (hw: string, shift = false): OpHandler => (c, ins, d) =>
  alu(c, 'add', hw, d, [src(c, arg(c, ins, 0)), shift ? shiftAmount(c, ins) : src(c, arg(c, ins, 1))]);

/** Shift amounts are taken mod 32, so 16..31 can be the small immediates -16..-1 (py-videocore6 summation.py). */
function shiftAmount(c: Ctx, ins: Instr): MSrc {
  const k = constValue(c, arg(c, ins, 1));
  if (k !== undefined) {
    const n = k & 31;
    return imm(n >= 16 ? n - 32 : n);
  }
  return src(c, arg(c, ins, 1));
}

/**
 * Whether `v` is provably below 2^24 as an unsigned word, from its definition: a constant, an `and` with such a
 * value, a logical right shift by 8 or more, or an `or`/`xor` of two such values (a few levels deep).
 */
function below24(c: Ctx, v: Value, depth = 0): boolean {
  const k = constValue(c, v);
  if (k !== undefined) return k >>> 0 < 0x1000000;
  const d = c.defs.get(v.id);
  if (!d || depth > 3) return false;
  const [a, b] = d.args;
  if (!a || !b) return false;
  if (d.op === 'and') return below24(c, a, depth + 1) || below24(c, b, depth + 1);
  if (d.op === 'shr') {
    const s = constValue(c, b);
    return s !== undefined && (s & 31) >= 8;
  }
  if (d.op === 'or' || d.op === 'xor') return below24(c, a, depth + 1) && below24(c, b, depth + 1);
  return false;
}

/** Integer op handlers. */
export const INT_OPS = {
  add: direct('add'), sub: direct('sub'), and: direct('and'), or: direct('or'), xor: direct('xor'),
  shl: direct('shl', true), shr: direct('shr', true), sar: direct('asr', true), rotr: direct('ror', true),
  // Both factors below 2^24: `umul24` alone is the product mod 2^32 (one mul-ALU op instead of two).
  mul: (c, ins, d) => {
    const [a, b] = [arg(c, ins, 0), arg(c, ins, 1)];
    if (below24(c, a) && below24(c, b)) alu(c, 'mul', 'umul24', d, [src(c, a), src(c, b)]);
    else mul32(c, src(c, a), src(c, b), d);
  },
  min: (c, ins, d) => alu(c, 'add', arg(c, ins, 0).type === 'i32' ? 'min' : 'umin', d, [src(c, arg(c, ins, 0)), src(c, arg(c, ins, 1))]),
  max: (c, ins, d) => alu(c, 'add', arg(c, ins, 0).type === 'i32' ? 'max' : 'umax', d, [src(c, arg(c, ins, 0)), src(c, arg(c, ins, 1))]),
  not: (c, ins, d) => {
    if (ins.result?.type === 'bool') alu(c, 'add', 'xor', d, [src(c, arg(c, ins, 0)), imm(1)]);
    else alu(c, 'add', 'not', d, [src(c, arg(c, ins, 0))]);
  },
  neg: (c, ins, d) => alu(c, 'add', 'neg', d, [src(c, arg(c, ins, 0))]),
  clz: (c, ins, d) => alu(c, 'add', 'clz', d, [src(c, arg(c, ins, 0))]),
  umul24: (c, ins, d) => alu(c, 'mul', 'umul24', d, [src(c, arg(c, ins, 0)), src(c, arg(c, ins, 1))]),
} as const satisfies OpHandlers;
