/**
 * Operand and result typing rules of each op, as data-driven checks shared by
 * the verifier and the IR builder's users. Returns an error text or undefined.
 */
import type { Instr, IrType } from './types.ts';
import { isPtr, typeText } from './types.ts';
import { CMP_PREDICATES } from './ops.ts';
import { widenedType } from './eval.ts';

const INT_OPS = new Set(['add', 'sub', 'mul', 'div', 'rem', 'shl', 'shr', 'sar', 'rotr', 'min', 'max', 'mulhi', 'umul24']);
const BITWISE_OPS = new Set(['and', 'or', 'xor']);
const FLOAT_BIN = new Set(['fadd', 'fsub', 'fmul', 'fdiv', 'fmin', 'fmax', 'fpow']);
const FLOAT_UN = new Set(['fneg', 'fabs', 'fsqrt', 'ffloor', 'fceil', 'fround', 'ftrunc', 'fexp', 'fexp2', 'flog', 'flog2', 'fsin', 'fcos', 'frecip', 'frsqrt', 'frint', 'fsinpi']);
const ID_OPS = new Set(['lane_id', 'qpu_id', 'num_qpus', 'global_id', 'global_count']);
/** Ops whose optional last operand is the active-lane mask. */
export const MASKED_OPS: Readonly<Record<string, number>> = { load: 1, store: 2, any: 1, all: 1, reduce_add: 1, reduce_min: 1, reduce_max: 1 };

const isInt = (t: IrType | undefined) => t === 'i32' || t === 'u32';
const same = (a: IrType | undefined, b: IrType | undefined) => a !== undefined && b !== undefined && typeText(a) === typeText(b);

/** Checks the types of one instruction's operands and result. */
export function checkInstrTypes(i: Instr): string | undefined {
  const t = i.args.map((a) => a.type);
  const r = i.result?.type;
  const want = (ok: boolean, what: string) => (ok ? undefined : `${i.op}: ${what} (operands ${t.map(typeText).join(', ') || 'none'}${r ? `, result ${typeText(r)}` : ''})`);
  const maskAt = MASKED_OPS[i.op];
  if (maskAt !== undefined && t.length > maskAt && t[maskAt] !== 'bool') return want(false, 'mask must be bool');
  if (INT_OPS.has(i.op)) return want(isInt(t[0]) && same(t[0], t[1]) && same(r, t[0]), 'expects two equal int operands and that result type');
  if (BITWISE_OPS.has(i.op)) return want((isInt(t[0]) || t[0] === 'bool') && same(t[0], t[1]) && same(r, t[0]), 'expects two equal int or bool operands');
  if (i.op === 'not') return want((isInt(t[0]) || t[0] === 'bool') && same(r, t[0]), 'expects an int or bool operand');
  if (i.op === 'neg' || i.op === 'clz') return want(isInt(t[0]) && same(r, t[0]), 'expects an int operand');
  if (FLOAT_BIN.has(i.op)) return want(t[0] === 'f32' && t[1] === 'f32' && r === 'f32', 'expects f32 operands');
  if (FLOAT_UN.has(i.op)) return want(t[0] === 'f32' && r === 'f32', 'expects an f32 operand');
  if (ID_OPS.has(i.op)) return want(r === 'u32', 'gives u32');
  switch (i.op) {
    case 'const':
      return want(r !== undefined && typeof i.attrs?.['value'] === 'number', 'needs a result and a numeric value');
    case 'cmp': {
      const pred = String(i.attrs?.['pred']);
      if (!(CMP_PREDICATES as readonly string[]).includes(pred)) return `cmp: unknown predicate '${pred}'`;
      const boolOk = t[0] === 'bool' && (pred === 'eq' || pred === 'ne');
      return want((isInt(t[0]) || t[0] === 'f32' || boolOk) && same(t[0], t[1]) && r === 'bool', 'expects two equal scalar operands and a bool result');
    }
    case 'select':
      return want(t[0] === 'bool' && same(t[1], t[2]) && same(r, t[1]), 'expects (bool, T, T) -> T');
    case 'cvt':
      return want(t[0] !== undefined && !isPtr(t[0]) && r !== undefined && !isPtr(r), 'converts scalars');
    case 'bitcast':
      return want((isInt(t[0]) || t[0] === 'f32') && (isInt(r) || r === 'f32'), 'reinterprets the bits of an f32, i32 or u32');
    case 'gep':
      return want(t[0] !== undefined && isPtr(t[0]) && isInt(t[1]) && same(r, t[0]), 'expects (ptr<T>, int) -> ptr<T>');
    case 'load': {
      const p = t[0];
      return want(p !== undefined && isPtr(p) && r === widenedType(p.ptr), 'expects ptr<T> and gives T widened');
    }
    case 'store': {
      const p = t[0];
      return want(p !== undefined && isPtr(p) && t[1] === widenedType(p.ptr), 'expects ptr<T> and a value of T widened');
    }
    case 'rotate':
    case 'broadcast':
      return want(t[0] !== undefined && !isPtr(t[0]) && t[0] !== 'bool' && isInt(t[1]) && same(r, t[0]), 'expects (T, int) -> T');
    case 'any':
    case 'all':
      return want(t[0] === 'bool' && r === 'bool', 'expects a bool');
    case 'reduce_add':
    case 'reduce_min':
    case 'reduce_max':
      return want((isInt(t[0]) || t[0] === 'f32') && same(r, t[0]), 'expects a number');
    case 'barrier':
      return undefined;
  }
  return `unknown op '${i.op}'`;
}
