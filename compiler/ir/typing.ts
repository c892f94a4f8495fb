/**
 * Operand and result typing rules, one per op signature of the op table
 * (compiler/ir/ops.ts), shared by the verifier and the IR builder's users.
 * Returns an error text or undefined.
 */
import type { Instr, IrType } from './types.ts';
import { isPtr, typeText } from './types.ts';
import { ATOMIC_RMW, CMP_PREDICATES, opInfo, type OpSignature } from './ops.ts';
import { widenedType } from './eval.ts';

const isInt = (t: IrType | undefined) => t === 'i32' || t === 'u32';
const same = (a: IrType | undefined, b: IrType | undefined) => a !== undefined && b !== undefined && typeText(a) === typeText(b);

type Want = (ok: boolean, what: string) => string | undefined;

/** One typing rule per op signature (the Record makes the type checker demand every signature). */
const RULES: Record<OpSignature, (i: Instr, t: (IrType | undefined)[], r: IrType | undefined, want: Want) => string | undefined> = {
  const: (i, t, r, want) => want(r !== undefined && typeof i.attrs?.['value'] === 'number', 'needs a result and a numeric value'),
  int2: (i, t, r, want) => want(isInt(t[0]) && same(t[0], t[1]) && same(r, t[0]), 'expects two equal int operands and that result type'),
  bits2: (i, t, r, want) => want((isInt(t[0]) || t[0] === 'bool') && same(t[0], t[1]) && same(r, t[0]), 'expects two equal int or bool operands'),
  not: (i, t, r, want) => want((isInt(t[0]) || t[0] === 'bool') && same(r, t[0]), 'expects an int or bool operand'),
  int1: (i, t, r, want) => want(isInt(t[0]) && same(r, t[0]), 'expects an int operand'),
  float2: (i, t, r, want) => want(t[0] === 'f32' && t[1] === 'f32' && r === 'f32', 'expects f32 operands'),
  float1: (i, t, r, want) => want(t[0] === 'f32' && r === 'f32', 'expects an f32 operand'),
  cmp: (i, t, r, want) => {
    const pred = String(i.attrs?.['pred']);
    if (!(CMP_PREDICATES as readonly string[]).includes(pred)) return `cmp: unknown predicate '${pred}'`;
    const boolOk = t[0] === 'bool' && (pred === 'eq' || pred === 'ne');
    return want((isInt(t[0]) || t[0] === 'f32' || boolOk) && same(t[0], t[1]) && r === 'bool', 'expects two equal scalar operands and a bool result');
  },
  select: (i, t, r, want) => want(t[0] === 'bool' && same(t[1], t[2]) && same(r, t[1]), 'expects (bool, T, T) -> T'),
  cvt: (i, t, r, want) => want(t[0] !== undefined && !isPtr(t[0]) && r !== undefined && !isPtr(r), 'converts scalars'),
  // A pointer may be read as its byte address (loop shaping's no-alias guard), never made from one.
  bitcast: (i, t, r, want) => want((isInt(t[0]) || t[0] === 'f32' || (t[0] !== undefined && isPtr(t[0]) && isInt(r))) && (isInt(r) || r === 'f32'), 'reinterprets the bits of an f32, i32 or u32, or a pointer as an int'),
  gep: (i, t, r, want) => want(t[0] !== undefined && isPtr(t[0]) && isInt(t[1]) && same(r, t[0]), 'expects (ptr<T>, int) -> ptr<T>'),
  load: (i, t, r, want) => {
    const p = t[0];
    return want(p !== undefined && isPtr(p) && r === widenedType(p.ptr), 'expects ptr<T> and gives T widened');
  },
  store: (i, t, r, want) => {
    const p = t[0];
    return want(p !== undefined && isPtr(p) && t[1] === widenedType(p.ptr), 'expects ptr<T> and a value of T widened');
  },
  id: (i, t, r, want) => want(r === 'u32', 'gives u32'),
  lanes: (i, t, r, want) => want(t[0] !== undefined && !isPtr(t[0]) && t[0] !== 'bool' && isInt(t[1]) && same(r, t[0]), 'expects (T, int) -> T'),
  vote: (i, t, r, want) => want(t[0] === 'bool' && r === 'bool', 'expects a bool'),
  reduce: (i, t, r, want) => want((isInt(t[0]) || t[0] === 'f32') && same(r, t[0]), 'expects a number'),
  barrier: (i) => (i.attrs?.['scope'] === undefined || i.attrs['scope'] === 'workgroup' ? undefined : `barrier: unknown scope '${String(i.attrs['scope'])}'`),
  shared: (i, t, r, want) => want(r !== undefined && isPtr(r) && Number.isInteger(i.attrs?.['offset']), 'gives ptr<T> and needs attrs.offset'),
  atomic: (i, t, r, want) => {
    const rmw = String(i.attrs?.['rmw']);
    if (!(ATOMIC_RMW as readonly string[]).includes(rmw)) return `atomic: unknown operation '${rmw}'`;
    return want(atomicWord(t[0], r) && same(t[1], r), 'expects ptr<i32|u32> and a value of that type, and gives it');
  },
  atomic_cas: (i, t, r, want) => want(atomicWord(t[0], r) && same(t[1], r) && same(t[2], r), 'expects ptr<i32|u32> and two values of that type, and gives it'),
};

/** A pointer to a 32-bit integer word (what atomics work on); the result type is the element type. */
function atomicWord(p: IrType | undefined, r: IrType | undefined): boolean {
  return p !== undefined && isPtr(p) && (p.ptr === 'i32' || p.ptr === 'u32') && r === p.ptr;
}

/** Checks the types of one instruction's operands and result. */
export function checkInstrTypes(i: Instr): string | undefined {
  const info = opInfo(i.op);
  if (!info) return `unknown op '${i.op}'`;
  const t = i.args.map((a) => a.type);
  const r = i.result?.type;
  const want: Want = (ok, what) => (ok ? undefined : `${i.op}: ${what} (operands ${t.map(typeText).join(', ') || 'none'}${r ? `, result ${typeText(r)}` : ''})`);
  if (info.mask !== undefined && t.length > info.mask && t[info.mask] !== 'bool') return want(false, 'mask must be bool');
  return RULES[info.sig](i, t, r, want);
}
