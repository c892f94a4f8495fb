/**
 * Integer ops for VC4: the direct add-ALU mappings, the per-byte ops on the
 * mul ALU, unsigned min/max from a flag-setting `sub`, and the 32-bit multiply built from `mul24` (the mul
 * ALU multiplies the low 24 bits of each operand, unsigned, notes §6):
 * a·b mod 2^32 = lo24(a)·lo24(b) + ((a>>24)·b + a·(b>>24)) << 24.
 */
import type { Instr } from '../../ir/types.ts';
import type { Vc4AddOp, Vc4MulOp } from '../../isa/vc4/instr.ts';
import type { Src, VReg } from './mir.ts';
import { alu, arg, constValue, flags, mov, src, type Ctx, type OpHandler } from './isel-ctx.ts';

const DIRECT: Record<string, Vc4AddOp> = {
  add: 'add', sub: 'sub', and: 'and', or: 'or', xor: 'xor', shl: 'shl', shr: 'shr', sar: 'asr', rotr: 'ror',
};
const SHIFTS = new Set(['shl', 'shr', 'sar', 'rotr']);
/**
 * The per-byte IR ops: one mul-ALU op each (notes §6: byte lanes unsigned, v8adds/v8subs saturating to 0..255). The
 * add ALU has v8adds and v8subs too; the mul ALU's leave the add ALU to the compares and address arithmetic that
 * the byte ops' users (packed counters) pair them with.
 */
export const BYTE_OPS: Readonly<Record<string, Vc4MulOp>> = { uaddsat8: 'v8adds', usubsat8: 'v8subs', umin8: 'v8min', umax8: 'v8max' };

/** Small immediate −16…15 (shift amounts are taken mod 32, so 16…31 are −16…−1). */
export const simm = (n: number): Src => {
  const v = n | 0;
  return { k: 'imm', code: v >= 0 ? v : v + 32 };
};

function shiftAmount(c: Ctx, ins: Instr): Src {
  const k = constValue(c, arg(c, ins, 1));
  if (k !== undefined) {
    const n = k & 31;
    return simm(n >= 16 ? n - 32 : n);
  }
  return src(c, arg(c, ins, 1));
}

/** Unsigned min/max: `sub` sets C where a < b (unsigned). */
function umm(c: Ctx, a: Src, b: Src, d: VReg, max: boolean): void {
  flags(c, 'sub', a, b);
  mov(c, d, max ? a : b);
  mov(c, d, max ? b : a, 'cs');
}

/** Integer op handlers. */
export const INT_OPS: Record<string, OpHandler> = {
  ...Object.fromEntries(
    Object.entries(BYTE_OPS).map(([name, hw]): [string, OpHandler] => [name, (c, ins, d) => alu(c, hw, d, src(c, arg(c, ins, 0)), src(c, arg(c, ins, 1)))]),
  ),
  ...Object.fromEntries(
    Object.entries(DIRECT).map(([name, hw]): [string, OpHandler] => [
      name,
      (c, ins, d) => alu(c, hw, d, src(c, arg(c, ins, 0)), SHIFTS.has(name) ? shiftAmount(c, ins) : src(c, arg(c, ins, 1))),
    ]),
  ),
  min: (c, ins, d) => {
    const [a, b] = [src(c, arg(c, ins, 0)), src(c, arg(c, ins, 1))];
    if (arg(c, ins, 0).type === 'i32') alu(c, 'min', d, a, b);
    else umm(c, a, b, d, false);
  },
  max: (c, ins, d) => {
    const [a, b] = [src(c, arg(c, ins, 0)), src(c, arg(c, ins, 1))];
    if (arg(c, ins, 0).type === 'i32') alu(c, 'max', d, a, b);
    else umm(c, a, b, d, true);
  },
  not: (c, ins, d) => {
    if (ins.result?.type === 'bool') alu(c, 'xor', d, src(c, arg(c, ins, 0)), simm(1));
    else alu(c, 'not', d, src(c, arg(c, ins, 0)));
  },
  neg: (c, ins, d) => alu(c, 'sub', d, simm(0), src(c, arg(c, ins, 0))),
  clz: (c, ins, d) => alu(c, 'clz', d, src(c, arg(c, ins, 0))),
  umul24: (c, ins, d) => alu(c, 'mul24', d, src(c, arg(c, ins, 0)), src(c, arg(c, ins, 1))),
};
