/**
 * f32 ops for V3D: the ALU's fadd/fsub/fmul/floor/ceil/trunc/fround, the
 * SFU's recip, rsqrt, exp2, log2 and sin(pi x) as raw ops, and the short
 * sequences for the language's fmin/fmax (NaN propagation), fneg, fabs and
 * Math.round. The accurate operations (fdiv, fsqrt, exp/log/pow/sin/cos)
 * arrive expanded into these (compiler/passes/expand-float.ts).
 *
 * No FMA exists (Mesa sets lower_ffma); denormal inputs and results are
 * flushed to zero by the float ALU (emulator choice, hardware unconfirmed).
 */
import type { Instr, Value } from '../../ir/types.ts';
import type { MSrc, VReg } from './mir.ts';
import { imm } from './mir.ts';
import { BackendError, alu, arg, flagOp, k32, mov, op, override, src, type Ctx, type OpHandler, type OpHandlers } from './isel-ctx.ts';

const ONE = imm(0x3f800000);
const HALF = imm(0x3f000000);
const NEG_ZERO = 0x80000000;

/** res, or x where x is NaN (fcmp of NaN sets no flag: A = (x == x) is false). */
function passNaN(c: Ctx, res: MSrc, x: MSrc): VReg {
  flagOp(c, 'fcmp', 'pushz', x, x);
  return override(c, res, 'ifna', x);
}

/** -x with the sign bit flipped exactly (-0 - x: also right for ±0 and NaN). */
function fneg(c: Ctx, x: MSrc): VReg {
  return op(c, 'fsub', k32(c, NEG_ZERO), x);
}

/** Whether IR value v is never NaN: a constant that is a number, or an integer converted to f32. */
function neverNaN(c: Ctx, v: Value): boolean {
  const d = c.defs.get(v.id);
  if (d?.op === 'const') return !Number.isNaN(Number(d.attrs?.['value']));
  return d?.op === 'cvt' && d.args[0] !== undefined && d.args[0].type !== 'f32';
}

/**
 * fmin/fmax with JavaScript's NaN propagation (the ALU returns the other operand): a NaN operand is passed
 * through, tested for each operand that could be NaN.
 */
const minMaxOp = (name: 'fmin' | 'fmax'): OpHandler => (c, ins, d) => {
  const [x, y] = [arg(c, ins, 0), arg(c, ins, 1)];
  const [a, b] = [src(c, x), src(c, y)];
  let r: MSrc = op(c, name, a, b);
  if (!neverNaN(c, x)) r = passNaN(c, r, a);
  if (!neverNaN(c, y)) r = passNaN(c, r, b);
  mov(c, d, r);
};

/** Math.round: floor(x), +1 where x - floor(x) ≥ 1/2 (exact), with x's sign (-0.3 → -0). */
function round(c: Ctx, x: MSrc): VReg {
  const fl = op(c, 'ffloor', x);
  const diff = op(c, 'fsub', x, fl);
  const up = op(c, 'fadd', fl, ONE);
  flagOp(c, 'fcmp', 'pushc', HALF, diff); // C: 0.5 <= diff
  const r = override(c, fl, 'ifa', up);
  const mag = op(c, 'shr', op(c, 'shl', r, imm(1)), imm(1));
  const sign = op(c, 'shl', op(c, 'shr', x, imm(-1)), imm(-1));
  return op(c, 'or', mag, sign);
}

const un = (f: (c: Ctx, x: MSrc) => MSrc): OpHandler => (c, ins, d) => mov(c, d, f(c, src(c, arg(c, ins, 0))));
const direct = (name: string, unit: 'add' | 'mul'): OpHandler => (c, ins: Instr, d) =>
  alu(c, unit, name, d, ins.args.map((a) => src(c, a)));

/** Float op handlers. */
export const FLOAT_OPS = {
  fadd: direct('fadd', 'add'),
  fsub: direct('fsub', 'add'),
  fmul: direct('fmul', 'mul'),
  ffloor: direct('ffloor', 'add'),
  fceil: direct('fceil', 'add'),
  ftrunc: direct('ftrunc', 'add'),
  fmin: minMaxOp('fmin'),
  fmax: minMaxOp('fmax'),
  fneg: un(fneg),
  fabs: un((c, x) => op(c, 'shr', op(c, 'shl', x, imm(1)), imm(1))),
  fround: un(round),
  // The raw SFU ops (qpu.fast.*, and the primitives of the math expansions): about 12 correct bits.
  frecip: un((c, x) => op(c, 'recip', x)),
  frsqrt: un((c, x) => op(c, 'rsqrt', x)),
  fsinpi: un((c, x) => op(c, 'sin', x)),
  fexp2: (c, ins, d) => {
    if (!ins.attrs?.fast) throw new BackendError('fexp2 arrives expanded (compiler/passes/expand-float.ts)', c.loc);
    mov(c, d, op(c, 'exp', src(c, arg(c, ins, 0))));
  },
  flog2: (c, ins, d) => {
    if (!ins.attrs?.fast) throw new BackendError('flog2 arrives expanded (compiler/passes/expand-float.ts)', c.loc);
    mov(c, d, op(c, 'log', src(c, arg(c, ins, 0))));
  },
} as const satisfies OpHandlers;
