/**
 * Writing the replacement of one instruction as a sequence of primitive ops
 * (the math expansions in compiler/passes/expand-*.ts): typed shorthands
 * over a list of new instructions, each stamped with the original's source
 * position; {@link Expander.finish} makes the last one define the original
 * result, so its uses stay valid.
 */
import type { Instr, IrFunction, IrType, Value } from './types.ts';
import { newValue } from './builder.ts';
import { opInfo, type OpName } from './ops.ts';

/** Builds the instructions that replace `orig`. */
export class Expander {
  readonly out: Instr[] = [];

  constructor(
    readonly fn: IrFunction,
    readonly orig: Instr,
  ) {}

  /** Appends `op args` with a result of `type`: uniform as the op table says (a broadcast always; a lane-local op when every operand is). */
  op(op: OpName, args: Value[], type: IrType, attrs?: Instr['attrs']): Value {
    const info = opInfo(op);
    const uniform = info?.uniformResult === true || (info?.varying !== true && args.every((a) => a.uniform));
    const result = newValue(this.fn, type, uniform);
    this.out.push({ op, args, result, ...(attrs ? { attrs } : {}), ...(this.orig.loc ? { loc: this.orig.loc } : {}) });
    return result;
  }

  /** A constant of `type` (f32 constants by value, ints by value). */
  const(type: IrType, value: number): Value {
    const result = newValue(this.fn, type, true);
    this.out.push({ op: 'const', args: [], result, attrs: { value }, ...(this.orig.loc ? { loc: this.orig.loc } : {}) });
    return result;
  }

  /** f32 constant. */
  f(x: number): Value {
    return this.const('f32', Math.fround(x));
  }
  /** u32 constant. */
  u(x: number): Value {
    return this.const('u32', x >>> 0);
  }
  /** i32 constant. */
  i(x: number): Value {
    return this.const('i32', x | 0);
  }

  /** Binary op whose result has the first operand's type. */
  bin(op: OpName, a: Value, b: Value): Value {
    return this.op(op, [a, b], a.type);
  }
  /** Unary op keeping the operand's type. */
  un(op: OpName, a: Value): Value {
    return this.op(op, [a], a.type);
  }
  /** `cmp.pred a, b`. */
  cmp(pred: string, a: Value, b: Value): Value {
    return this.op('cmp', [a, b], 'bool', { pred });
  }
  /** `c ? a : b` per lane. */
  select(c: Value, a: Value, b: Value): Value {
    return this.op('select', [c, a, b], a.type);
  }
  /** Conversion to `type` (`cvt`). */
  cvt(a: Value, type: IrType): Value {
    return a.type === type ? a : this.op('cvt', [a], type);
  }
  /** The same bits as `type`. */
  cast(a: Value, type: IrType): Value {
    return a.type === type ? a : this.op('bitcast', [a], type);
  }

  /** Ends the sequence: the original instruction now computes `op args` (its result, location and identity kept). */
  finish(op: OpName, args: Value[], attrs?: Instr['attrs']): Instr[] {
    const last: Instr = { ...this.orig, op, args };
    if (attrs) last.attrs = attrs;
    else delete last.attrs;
    this.out.push(last);
    return this.out;
  }

  /** Ends the sequence with a copy of `v` into the original result (as `bitcast` to its own type, which backends treat as a copy). */
  finishWith(v: Value): Instr[] {
    const t = this.orig.result?.type;
    if (!t) throw new Error(`${this.orig.op} has no result to define`);
    return this.finish('bitcast', [v]);
  }
}

/** Rewrites every instruction `expand` returns a replacement for (undefined: keep it). */
export function expandInstrs(fn: IrFunction, expand: (ins: Instr) => Instr[] | undefined): IrFunction {
  for (const b of fn.blocks) {
    const out: Instr[] = [];
    for (const ins of b.instrs) {
      const r = expand(ins);
      if (r) out.push(...r);
      else out.push(ins);
    }
    b.instrs = out;
  }
  return fn;
}
