/**
 * Integer ops for V3D: the direct ALU mappings, the 32-bit multiply
 * (`multop` + `umul24`) and `umul24`. `div`, `rem` and `mulhi` arrive
 * expanded (compiler/passes/expand-int.ts).
 */
import type { Instr } from '../../ir/types.ts';
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

/** Integer op handlers. */
export const INT_OPS = {
  add: direct('add'), sub: direct('sub'), and: direct('and'), or: direct('or'), xor: direct('xor'),
  shl: direct('shl', true), shr: direct('shr', true), sar: direct('asr', true), rotr: direct('ror', true),
  mul: (c, ins, d) => void mul32(c, src(c, arg(c, ins, 0)), src(c, arg(c, ins, 1)), d),
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
