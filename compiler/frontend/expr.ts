/**
 * Expression lowering: types every expression (from annotations and the
 * rules of docs/language.md) and emits IR for it. Errors are reported and a
 * placeholder value flagged `bad` is returned, so one mistake does not cascade.
 */
import type { ts } from 'ts-morph';
import { typescript } from './typescript.ts';
import type { Value } from '../ir/types.ts';
import { isPtr } from '../ir/types.ts';
import { widenedType } from '../ir/eval.ts';
import { constantOf, LowerContext } from './context.ts';
import type { Binding } from './context.ts';
import type { LangType } from './types.ts';
import { isIntType, isNumericType, langTypeText, sameType } from './types.ts';
import { BINARY_OPS, QPU_INTRINSICS } from './intrinsics.ts';
import { WORKGROUP_INTRINSICS } from './workgroups.ts';
import type { MethodInfo } from './discover.ts';
import type { OpName } from '../ir/ops.ts';
import { moduleConstant, staticConstant, type ConstantLookup, type NamedConstant, type NamedTable } from './constants.ts';
import type { PrivateArray } from './arrays.ts';

/**
 * An element of a private array or a constant table being read or written: a constant element number `k`, or a
 * run-time `index`.
 */
export interface ElementRef {
  arr?: PrivateArray;
  table?: NamedTable;
  elem: 'f32' | 'i32' | 'u32';
  node: ts.Node;
  k?: number;
  index?: Typed;
  /** An error was reported: reads give a placeholder, writes do nothing. */
  bad?: boolean;
}

/** A lowered expression: its value and type; `bad` after an error. */
export interface Typed {
  v: Value;
  t: LangType;
  bad?: boolean;
}

const COMPOUND: Readonly<Record<number, string>> = {
  [typescript.SyntaxKind.PlusEqualsToken]: '+', [typescript.SyntaxKind.MinusEqualsToken]: '-', [typescript.SyntaxKind.AsteriskEqualsToken]: '*',
  [typescript.SyntaxKind.SlashEqualsToken]: '/', [typescript.SyntaxKind.PercentEqualsToken]: '%', [typescript.SyntaxKind.AmpersandEqualsToken]: '&',
  [typescript.SyntaxKind.BarEqualsToken]: '|', [typescript.SyntaxKind.CaretEqualsToken]: '^', [typescript.SyntaxKind.LessThanLessThanEqualsToken]: '<<',
  [typescript.SyntaxKind.GreaterThanGreaterThanEqualsToken]: '>>', [typescript.SyntaxKind.GreaterThanGreaterThanGreaterThanEqualsToken]: '>>>',
  [typescript.SyntaxKind.AsteriskAsteriskEqualsToken]: '**',
};

export { skipParens, literalValue, looksFloat } from './literals.ts';
import { skipParens, literalValue, looksFloat } from './literals.ts';

/** No side effects and no memory reads: safe to evaluate unconditionally (for `&&`, `||`, `?:`). */
export function isSimple(e: ts.Expression): boolean {
  e = skipParens(e);
  if (typescript.isIdentifier(e) || typescript.isNumericLiteral(e) || e.kind === typescript.SyntaxKind.TrueKeyword || e.kind === typescript.SyntaxKind.FalseKeyword) return true;
  if (typescript.isPropertyAccessExpression(e)) return true;
  if (typescript.isPrefixUnaryExpression(e)) return e.operator !== typescript.SyntaxKind.PlusPlusToken && e.operator !== typescript.SyntaxKind.MinusMinusToken && isSimple(e.operand);
  if (typescript.isBinaryExpression(e)) {
    const k = e.operatorToken.kind;
    if (k === typescript.SyntaxKind.EqualsToken || COMPOUND[k] !== undefined) return false;
    return isSimple(e.left) && isSimple(e.right);
  }
  if (typescript.isConditionalExpression(e)) return isSimple(e.condition) && isSimple(e.whenTrue) && isSimple(e.whenFalse);
  return false;
}

/** Ops that `fastMath` lets a backend do natively (with `cvt` from an integer to f32). */
const FAST_MATH_OPS: ReadonlySet<OpName> = new Set(['fadd', 'fsub', 'fmul']);

/** Lowers expressions; statement lowering (needed to inline device bodies) comes from the subclass. */
export abstract class ExprLowerer extends LowerContext {
  /** Lowers an inlined device function's body (statement lowering). */
  protected abstract inlineBody(m: MethodInfo, call: ts.CallExpression): Typed;
  /** The element `e` names when `e` indexes a private array (compiler/frontend/arrays.ts), else undefined. */
  protected abstract elementRef(e: ts.ElementAccessExpression): ElementRef | undefined;
  /** Reads a private array's element. */
  protected abstract readElement(r: ElementRef): Typed;
  /** Writes a private array's element. */
  protected abstract writeElement(r: ElementRef, v: Value): void;
  /** The length of the private array or constant table `e` names, else undefined. */
  protected abstract arrayLength(e: ts.Expression): number | undefined;
  /** `TABLE[k]` with a literal-like k on a table of integer literals without annotation: the element, which reads like a literal. */
  protected abstract tableLiteral(e: ts.ElementAccessExpression): number | undefined;

  /** A placeholder after an error. */
  protected bad(t: LangType = 'i32'): Typed {
    const ty = t === 'void' ? 'i32' : t;
    return { v: this.w.const(ty, 0), t, bad: true };
  }

  /** Emits an instruction at `node`'s location. */
  protected emitAt(node: ts.Node, op: OpName, args: Value[], type: LangType, attrs?: Record<string, number | string | boolean>): Value {
    this.w.loc = this.locOf(node);
    // fastMath: the backend may use the target's native rounding for this op (docs/language.md).
    if (this.fastMath && type === 'f32' && (FAST_MATH_OPS.has(op) || (op === 'cvt' && args[0]?.type !== 'f32' && args[0]?.type !== 'bool'))) attrs = { ...attrs, fast: true };
    return this.w.emit(op, args, type === 'void' ? 'i32' : type, attrs);
  }

  /** Lowers a literal-like expression as type `t`, checking range. */
  protected literal(e: ts.Expression, x: number, t: LangType): Typed {
    if (t === 'bool' || t === 'void' || isPtr(t)) {
      this.error(e, 'typeMismatch', [looksFloat(e) ? 'f32' : 'i32', langTypeText(t)]);
      return this.bad(t);
    }
    if (t !== 'f32') {
      if (!Number.isInteger(x)) {
        this.error(e, 'literalNotInteger', [e.getText(this.file.sf), t]);
        return this.bad(t);
      }
      const [lo, hi] = t === 'i32' ? [-2147483648, 2147483647] : [0, 4294967295];
      if (x < lo || x > hi) {
        this.error(e, 'literalRange', [e.getText(this.file.sf), t]);
        return this.bad(t);
      }
    }
    this.w.loc = this.locOf(e);
    return { v: this.w.const(t, t === 'f32' ? Math.fround(x) : x), t };
  }

  /**
   * The value of a literal-like expression — a literal, `±literal`, a Math
   * constant, or a name bound by `const K = literal` — and whether it is
   * written as a float; undefined for anything else.
   */
  protected flex(e: ts.Expression): { value: number; float: boolean } | undefined {
    const x = literalValue(e);
    if (x !== undefined) return { value: x, float: looksFloat(e) };
    const inner = skipParens(e);
    if (typescript.isIdentifier(inner)) {
      const b = this.scope.lookup(inner.text);
      if (b) return b.literal;
    }
    if (typescript.isPropertyAccessExpression(inner) && inner.name.text === 'length') {
      const n = this.arrayLength(inner.expression);
      if (n !== undefined) return { value: n, float: false };
    }
    if (typescript.isElementAccessExpression(inner)) {
      const x = this.tableLiteral(inner);
      if (x !== undefined) return { value: x, float: false };
    }
    const named = this.namedConstant(inner);
    if (named && !('problem' in named) && !named.declared) return { value: named.value, float: named.float };
    if (typescript.isPrefixUnaryExpression(inner) && (inner.operator === typescript.SyntaxKind.MinusToken || inner.operator === typescript.SyntaxKind.PlusToken)) {
      const f = this.flex(inner.operand);
      if (f) return { value: inner.operator === typescript.SyntaxKind.MinusToken ? -f.value : f.value, float: f.float };
    }
    return undefined;
  }



  /**
   * A module-level constant (`NAME`, when no local or parameter has that
   * name) or a class's `static readonly` one (`Class.NAME`): see constants.ts.
   */
  protected namedConstant(e: ts.Expression): ConstantLookup {
    if (typescript.isIdentifier(e)) return this.scope.lookup(e.text) ? undefined : moduleConstant(this.prog, this.file.file, e.text);
    if (typescript.isPropertyAccessExpression(e) && typescript.isIdentifier(e.expression) && e.expression.text !== 'Math' && e.expression.text !== 'qpu' && !this.scope.lookup(e.expression.text)) {
      return staticConstant(this.prog, this.file.file, e.expression.text, e.name.text);
    }
    return undefined;
  }

  /** Lowers a named constant found by namedConstant: a literal of its declared type (or as a bare literal would be). */
  private constantValue(e: ts.Expression, c: NamedConstant, expected?: LangType): Typed {
    const t = c.declared ?? (expected && isNumericType(expected) ? expected : c.float ? 'f32' : 'i32');
    return this.literal(e, c.value, t);
  }

  /** The diagnostic for a name that refers to a module-level declaration kernels cannot read. */
  private constantProblem(e: ts.Expression, p: { problem: 'notConst' | 'notNumber'; name: string }): Typed {
    this.error(e, p.problem === 'notConst' ? 'moduleVariable' : 'constantNotNumber', [p.name]);
    return this.bad();
  }

  /**
   * peekType results by node, for the statement being lowered: a binary operator peeks down its left
   * operand, so without this a long chain `a + b + c + …` would be peeked in quadratic time.
   * Cleared at every statement (types of names cannot change within one).
   */
  protected readonly peeked = new Map<ts.Node, LangType | undefined>();

  /** The type an expression will have, when it can be told without lowering it (for contextual typing of literals). */
  protected peekType(e: ts.Expression): LangType | undefined {
    if (this.peeked.has(e)) return this.peeked.get(e);
    const t = this.peekTypeOnce(e);
    this.peeked.set(e, t);
    return t;
  }

  private peekTypeOnce(e: ts.Expression): LangType | undefined {
    e = skipParens(e);
    if (this.flex(e) !== undefined) return undefined;
    if (typescript.isIdentifier(e) || typescript.isPropertyAccessExpression(e)) {
      const b = typescript.isIdentifier(e) ? this.scope.lookup(e.text) : undefined;
      if (b) return b.type;
      const c = this.namedConstant(e);
      if (c && !('problem' in c)) return c.declared;
      if (typescript.isIdentifier(e)) return undefined;
    }
    if (typescript.isElementAccessExpression(e)) {
      const arr = typescript.isIdentifier(skipParens(e.expression)) ? this.scope.lookup((skipParens(e.expression) as ts.Identifier).text)?.array : undefined;
      if (arr) return arr.elem;
      const p = this.peekType(e.expression);
      return p && p !== 'void' && isPtr(p) ? widenedType(p.ptr) : undefined;
    }
    if (typescript.isCallExpression(e)) {
      const c = skipParens(e.expression);
      if (typescript.isIdentifier(c) && (c.text === 'f32' || c.text === 'i32' || c.text === 'u32')) return c.text;
      if (typescript.isPropertyAccessExpression(c) && typescript.isIdentifier(c.expression) && c.expression.text === 'qpu' && (QPU_INTRINSICS[c.name.text]?.shape === 'id' || (WORKGROUP_INTRINSICS.has(c.name.text) && c.name.text !== 'shared' && c.name.text !== 'workgroupBarrier'))) return 'u32';
      return undefined;
    }
    if (typescript.isConditionalExpression(e)) return this.peekType(e.whenTrue) ?? this.peekType(e.whenFalse);
    if (typescript.isPrefixUnaryExpression(e)) return e.operator === typescript.SyntaxKind.ExclamationToken ? 'bool' : this.peekType(e.operand);
    if (typescript.isBinaryExpression(e)) {
      const op = e.operatorToken.getText(this.file.sf);
      if (BINARY_OPS[op]?.pred || op === '&&' || op === '||') return 'bool';
      if (op === '<<' || op === '>>' || op === '>>>') return this.peekType(e.left);
      return this.peekType(e.left) ?? this.peekType(e.right);
    }
    return undefined;
  }

  /** Lowers a bool condition. */
  cond(e: ts.Expression): Value {
    const c = this.expr(e, 'bool');
    if (c.t !== 'bool' && !c.bad) this.error(e, 'conditionType', [langTypeText(c.t)]);
    return c.t === 'bool' ? c.v : this.w.const('bool', 0);
  }

  /** Lowers `e` expecting type `want` (literals adopt it) and checks the result is that type. */
  exprOf(e: ts.Expression, want: LangType): Typed {
    const r = this.expr(e, want);
    if (!r.bad && !sameType(r.t, want)) {
      this.error(e, 'typeMismatch', [langTypeText(r.t), langTypeText(want)]);
      return { ...r, t: want, bad: true, v: this.bad(want).v };
    }
    return r;
  }

  /** Lowers an expression; `expected` is the context's type, which bare literals take. */
  expr(e: ts.Expression, expected?: LangType): Typed {
    const lit = this.flex(e);
    if (lit !== undefined) return this.literal(e, lit.value, expected && isNumericType(expected) ? expected : lit.float ? 'f32' : 'i32');
    e = skipParens(e);
    this.w.loc = this.locOf(e);
    if (e.kind === typescript.SyntaxKind.TrueKeyword || e.kind === typescript.SyntaxKind.FalseKeyword) return { v: this.w.const('bool', e.kind === typescript.SyntaxKind.TrueKeyword ? 1 : 0), t: 'bool' };
    if (typescript.isIdentifier(e)) return this.identifier(e);
    if (typescript.isBinaryExpression(e)) return this.binary(e, expected);
    if (typescript.isPrefixUnaryExpression(e)) return this.prefix(e, expected);
    if (typescript.isPostfixUnaryExpression(e)) return this.increment(e, e.operand, e.operator === typescript.SyntaxKind.PlusPlusToken ? '+' : '-', true);
    if (typescript.isElementAccessExpression(e)) {
      if (e.questionDotToken) return this.unsupported(e, 'optionalChaining');
      const r = this.elementRef(e);
      if (r) return this.readElement(r);
      const { addr, elem } = this.address(e);
      if (!elem) return this.bad();
      return { v: this.emitAt(e, 'load', [addr], widenedType(elem)), t: widenedType(elem) };
    }
    if (typescript.isCallExpression(e)) return this.call(e, expected);
    if (typescript.isConditionalExpression(e)) return this.conditional(e, expected);
    if (typescript.isPropertyAccessExpression(e)) {
      if (e.questionDotToken) return this.unsupported(e, 'optionalChaining');
      const c = this.namedConstant(e);
      if (c) return 'problem' in c ? this.constantProblem(e, c) : this.constantValue(e, c, expected);
      this.error(e, 'unsupportedExpression', [`property access '${e.getText(this.file.sf)}'`]);
      return this.bad();
    }
    if (typescript.isArrowFunction(e) || typescript.isFunctionExpression(e)) return this.unsupported(e, 'nestedFunction');
    this.error(e, 'unsupportedExpression', [describe(e)]);
    return this.bad(expected);
  }

  private unsupported(e: ts.Node, name: 'optionalChaining' | 'nestedFunction'): Typed {
    this.error(e, name);
    return this.bad();
  }

  private identifier(e: ts.Identifier): Typed {
    if (e.text === 'NaN' || e.text === 'Infinity') return { v: this.w.const('f32', e.text === 'NaN' ? NaN : Infinity), t: 'f32' };
    const b = this.scope.lookup(e.text);
    if (!b) {
      const c = this.namedConstant(e);
      if (c) return 'problem' in c ? this.constantProblem(e, c) : this.constantValue(e, c);
      this.error(e, 'unknownIdentifier', [e.text]);
      return this.bad();
    }
    if (b.array) {
      this.error(e, 'arrayValue', [e.text]);
      return this.bad(b.type);
    }
    return { v: b.value, t: b.type };
  }

  /** Address and element type of `p[i]`. */
  protected address(e: ts.ElementAccessExpression): { addr: Value; elem?: import('../ir/types.ts').ElemType } {
    const p = this.expr(e.expression);
    const idx = this.expr(e.argumentExpression, 'i32');
    if (!isPtr(p.t === 'void' ? 'i32' : p.t)) {
      if (!p.bad) this.error(e.expression, 'notAPointer', [langTypeText(p.t)]);
      return { addr: p.v };
    }
    if (!isIntType(idx.t)) {
      if (!idx.bad) this.error(e.argumentExpression, 'indexType', [langTypeText(idx.t)]);
      return { addr: p.v };
    }
    const pt = p.t as { ptr: import('../ir/types.ts').ElemType };
    return { addr: this.emitAt(e, 'gep', [p.v, idx.v], pt), elem: pt.ptr };
  }

  /** Applies binary operator `op` to typed operands (shared by `a op b` and `a op= b`). */
  protected applyBinary(node: ts.Node, op: string, l: Typed, r: Typed): Typed {
    const info = BINARY_OPS[op];
    if (!info) {
      this.error(node, 'unsupportedOperator', [op]);
      return this.bad();
    }
    if (l.bad || r.bad) return this.bad(info.pred ? 'bool' : l.t);
    if (isPtr(l.t === 'void' ? 'i32' : l.t) || isPtr(r.t === 'void' ? 'i32' : r.t)) {
      this.error(node, 'pointerArithmetic');
      return this.bad();
    }
    if ((op === '<<' || op === '>>' || op === '>>>') && isIntType(l.t) && isIntType(r.t) && l.t !== r.t) {
      // A shift count only uses its low 5 bits, so its signedness cannot matter: reinterpret it.
      r = { v: this.emitAt(node, 'cvt', [r.v], l.t), t: l.t };
    }
    if (!sameType(l.t, r.t)) {
      this.error(node, 'operandMismatch', [op, langTypeText(l.t), langTypeText(r.t)]);
      return this.bad(info.pred ? 'bool' : l.t);
    }
    const t = l.t;
    if (info.pred) {
      const okBool = t === 'bool' && (info.pred === 'eq' || info.pred === 'ne');
      if (!isNumericType(t) && !okBool) {
        this.error(node, 'operandType', [op, langTypeText(t)]);
        return this.bad('bool');
      }
      return { v: this.emitAt(node, 'cmp', [l.v, r.v], 'bool', { pred: info.pred }), t: 'bool' };
    }
    const irOp = t === 'f32' ? info.f32 : isIntType(t) ? (op === '>>' && t === 'u32' ? 'shr' : info.int) : undefined;
    if (!irOp) {
      this.error(node, 'operandType', [op, langTypeText(t)]);
      return this.bad(t);
    }
    return { v: this.emitAt(node, irOp, [l.v, r.v], t), t };
  }

  private binary(e: ts.BinaryExpression, expected?: LangType): Typed {
    const k = e.operatorToken.kind;
    const op = e.operatorToken.getText(this.file.sf);
    if (k === typescript.SyntaxKind.EqualsToken) return this.assign(e.left, e.right);
    const compound = COMPOUND[k];
    if (compound !== undefined) return this.compoundAssign(e, compound);
    if (k === typescript.SyntaxKind.AmpersandAmpersandToken || k === typescript.SyntaxKind.BarBarToken) return this.logical(e, k === typescript.SyntaxKind.AmpersandAmpersandToken);
    if (k === typescript.SyntaxKind.CommaToken || k === typescript.SyntaxKind.InKeyword || k === typescript.SyntaxKind.InstanceOfKeyword || k === typescript.SyntaxKind.QuestionQuestionToken) {
      this.error(e.operatorToken, 'unsupportedOperator', [op]);
      return this.bad();
    }
    // Literals take the other operand's type (contextual typing), else the context's.
    const fl = this.flex(e.left);
    const fr = this.flex(e.right);
    const litL = fl !== undefined;
    const litR = fr !== undefined;
    const isCmp = BINARY_OPS[op]?.pred !== undefined;
    const isShift = op === '<<' || op === '>>' || op === '>>>';
    let l: Typed;
    let r: Typed;
    if (litL && litR) {
      const t = !isCmp && expected && isNumericType(expected) ? expected : fl?.float || fr?.float ? 'f32' : 'i32';
      l = this.expr(e.left, t);
      r = this.expr(e.right, t);
    } else if (litL) {
      r = this.expr(e.right);
      l = this.expr(e.left, r.t);
    } else {
      const ctx = isCmp || isShift ? undefined : expected;
      l = this.expr(e.left, this.peekType(e.left) ?? (isShift ? undefined : this.peekType(e.right)) ?? ctx);
      r = this.expr(e.right, l.t);
    }
    return this.applyBinary(e.operatorToken, op, l, r);
  }

  private logical(e: ts.BinaryExpression, isAnd: boolean): Typed {
    const l = this.cond(e.left);
    if (isSimple(e.right)) {
      const r = this.cond(e.right);
      return { v: this.emitAt(e, isAnd ? 'and' : 'or', [l, r], 'bool'), t: 'bool' };
    }
    // Short-circuit: the right side may have effects, so it runs only when needed.
    const vars = this.mutables();
    const rhs = this.join([]);
    const merge = this.join(vars, ['bool']);
    if (isAnd) this.branch(l, rhs, [], merge, vars, [l]);
    else {
      this.markLive(merge);
      this.markLive(rhs);
      this.w.terminate({ kind: 'condbr', cond: l, then: { block: merge, args: [...vars.map((v) => v.value), l] }, else: { block: rhs, args: [] } });
      this.startDead();
    }
    this.enter(rhs);
    const r = this.cond(e.right);
    this.jump(merge, vars, [r]);
    this.enter(merge, vars);
    return { v: merge.params[merge.params.length - 1]!, t: 'bool' };
  }

  private conditional(e: ts.ConditionalExpression, expected?: LangType): Typed {
    const c = this.cond(e.condition);
    const litT = this.flex(e.whenTrue) !== undefined;
    const litF = this.flex(e.whenFalse) !== undefined;
    // A constant condition (after unrolling) leaves one arm unreachable: lowered as usual (its diagnostics stand),
    // but its constant indices are not checked against array lengths, as in an `if` arm (stmt.ts ifStmt).
    const k = constantOf(this.fn, c);
    const arm = (x: ts.Expression, t: LangType | undefined): Typed & { unchecked?: boolean } => {
      const dead = k !== undefined && (k === 0) === (x === e.whenTrue);
      const before = this.diagnostics.length;
      const r = this.unreachableIf(dead, () => this.expr(x, t));
      // An arm that never runs and is bad only because an index was left unchecked gives no value: not an error.
      return dead && r.bad && this.diagnostics.length === before ? { v: this.w.const(r.t === 'void' ? 'i32' : r.t, 0), t: r.t, unchecked: true } : r;
    };
    if (isSimple(e.whenTrue) && isSimple(e.whenFalse)) {
      let a: Typed & { unchecked?: boolean };
      let b: Typed & { unchecked?: boolean };
      if (litT && !litF) {
        b = arm(e.whenFalse, expected);
        a = arm(e.whenTrue, b.t);
      } else {
        a = arm(e.whenTrue, expected);
        b = arm(e.whenFalse, a.t);
      }
      if (a.bad || b.bad) return this.bad(a.t);
      if (a.unchecked || b.unchecked) return a.unchecked ? b : a;
      if (!sameType(a.t, b.t)) {
        this.error(e, 'operandMismatch', ['?:', langTypeText(a.t), langTypeText(b.t)]);
        return this.bad(a.t);
      }
      return { v: this.emitAt(e, 'select', [c, a.v, b.v], a.t), t: a.t };
    }
    // Arms with effects: real control flow, merged through a block parameter.
    const vars = this.mutables();
    const saved = vars.map((v) => v.value);
    const thenB = this.join([]);
    const elseB = this.join([]);
    this.branch(c, thenB, [], elseB, []);
    const first = litT && !litF ? e.whenFalse : e.whenTrue;
    const second = first === e.whenTrue ? e.whenFalse : e.whenTrue;
    this.enter(first === e.whenTrue ? thenB : elseB);
    const a = arm(first, expected);
    const aBlock = this.w.block;
    const aLive = !this.dead;
    const aVals = vars.map((v) => v.value);
    vars.forEach((v, i) => (v.value = saved[i]!));
    this.enter(first === e.whenTrue ? elseB : thenB);
    const b = arm(second, a.t);
    if (!a.bad && !b.bad && !a.unchecked && !b.unchecked && !sameType(a.t, b.t)) this.error(e, 'operandMismatch', ['?:', langTypeText(a.t), langTypeText(b.t)]);
    const t = a.t === 'void' ? 'i32' : a.t;
    const merge = this.join(vars, [t]);
    const bv = sameType(a.t, b.t) ? b.v : this.w.const(t, 0);
    this.jump(merge, vars, [bv]);
    aBlock.term = { kind: 'br', target: { block: merge, args: [...aVals, a.v] } };
    if (aLive) {
      this.dead = false;
      this.markLive(merge);
    }
    this.enter(merge, vars);
    return { v: merge.params[merge.params.length - 1]!, t: a.t, ...(a.bad || b.bad ? { bad: true } : {}) };
  }

  private prefix(e: ts.PrefixUnaryExpression, expected?: LangType): Typed {
    switch (e.operator) {
      case typescript.SyntaxKind.PlusPlusToken:
        return this.increment(e, e.operand, '+', false);
      case typescript.SyntaxKind.MinusMinusToken:
        return this.increment(e, e.operand, '-', false);
      case typescript.SyntaxKind.ExclamationToken: {
        const c = this.cond(e.operand);
        return { v: this.emitAt(e, 'not', [c], 'bool'), t: 'bool' };
      }
      case typescript.SyntaxKind.PlusToken: {
        const x = this.expr(e.operand, expected);
        if (!x.bad && !isNumericType(x.t)) this.error(e, 'operandType', ['+', langTypeText(x.t)]);
        return x;
      }
      case typescript.SyntaxKind.MinusToken: {
        const x = this.expr(e.operand, expected);
        if (x.bad) return x;
        if (!isNumericType(x.t)) {
          this.error(e, 'operandType', ['-', langTypeText(x.t)]);
          return this.bad();
        }
        return { v: this.emitAt(e, x.t === 'f32' ? 'fneg' : 'neg', [x.v], x.t), t: x.t };
      }
      case typescript.SyntaxKind.TildeToken: {
        const x = this.expr(e.operand, expected);
        if (x.bad) return x;
        if (!isIntType(x.t)) {
          this.error(e, 'operandType', ['~', langTypeText(x.t)]);
          return this.bad();
        }
        return { v: this.emitAt(e, 'not', [x.v], x.t), t: x.t };
      }
    }
    this.error(e, 'unsupportedExpression', [describe(e)]);
    return this.bad();
  }

  /** The binding an assignment writes, or undefined after reporting why it cannot be written. */
  private target(e: ts.Expression): Binding | undefined {
    e = skipParens(e);
    if (!typescript.isIdentifier(e)) {
      this.error(e, 'invalidAssignTarget');
      return undefined;
    }
    const b = this.scope.lookup(e.text);
    if (!b) this.error(e, 'unknownIdentifier', [e.text]);
    else if (b.array) this.error(e, 'arrayValue', [e.text]);
    else if (b.kind === 'const') this.error(e, 'assignToConst', [e.text]);
    else if (b.kind === 'param') this.error(e, 'assignToParam', [e.text]);
    else return b;
    return undefined;
  }

  private assign(left: ts.Expression, right: ts.Expression): Typed {
    const l = skipParens(left);
    const r = typescript.isElementAccessExpression(l) ? this.elementRef(l) : undefined;
    if (r) {
      const v = this.exprOf(right, r.elem);
      if (!v.bad) this.writeElement(r, v.v);
      return v;
    }
    if (typescript.isElementAccessExpression(l)) {
      const { addr, elem } = this.address(l);
      if (!elem) {
        this.expr(right);
        return this.bad();
      }
      const v = this.exprOf(right, widenedType(elem));
      this.w.loc = this.locOf(l);
      this.w.effect('store', [addr, v.v]);
      return v;
    }
    const b = this.target(l);
    if (!b) {
      this.expr(right);
      return this.bad();
    }
    const v = this.exprOf(right, b.type);
    b.value = v.v;
    return v;
  }

  private compoundAssign(e: ts.BinaryExpression, op: string): Typed {
    const l = skipParens(e.left);
    const r = typescript.isElementAccessExpression(l) ? this.elementRef(l) : undefined;
    if (r) {
      const res = this.applyBinary(e.operatorToken, op, this.readElement(r), this.expr(e.right, r.elem));
      if (!res.bad && sameType(res.t, r.elem)) this.writeElement(r, res.v);
      return res;
    }
    if (typescript.isElementAccessExpression(l)) {
      const { addr, elem } = this.address(l);
      if (!elem) return this.bad();
      const t = widenedType(elem);
      const old = { v: this.emitAt(l, 'load', [addr], t), t };
      const res = this.applyBinary(e.operatorToken, op, old, this.expr(e.right, t));
      if (!res.bad && sameType(res.t, t)) this.w.effect('store', [addr, res.v]);
      return res;
    }
    const b = this.target(l);
    if (!b) return this.bad();
    const res = this.applyBinary(e.operatorToken, op, { v: b.value, t: b.type }, this.expr(e.right, b.type));
    if (!res.bad) b.value = res.v;
    return res;
  }

  private increment(e: ts.Expression, operand: ts.Expression, op: '+' | '-', postfix: boolean): Typed {
    const o = skipParens(operand);
    const step = (old: Typed): Typed => {
      if (!isNumericType(old.t)) {
        this.error(e, 'operandType', [op + op, langTypeText(old.t)]);
        return this.bad();
      }
      return this.applyBinary(e, op, old, { v: this.w.const(old.t, 1), t: old.t });
    };
    const r = typescript.isElementAccessExpression(o) ? this.elementRef(o) : undefined;
    if (r) {
      const old = this.readElement(r);
      const res = step(old);
      if (!res.bad) this.writeElement(r, res.v);
      return postfix ? old : res;
    }
    if (typescript.isElementAccessExpression(o)) {
      const { addr, elem } = this.address(o);
      if (!elem) return this.bad();
      const t = widenedType(elem);
      const old: Typed = { v: this.emitAt(o, 'load', [addr], t), t };
      const res = step(old);
      if (!res.bad) this.w.effect('store', [addr, res.v]);
      return postfix ? old : res;
    }
    const b = this.target(o);
    if (!b) return this.bad();
    const old: Typed = { v: b.value, t: b.type };
    const res = step(old);
    if (!res.bad) b.value = res.v;
    return postfix ? old : res;
  }

  /** Lowers a call: conversions, intrinsics and device functions (compiler/frontend/calls.ts). */
  protected abstract call(e: ts.CallExpression, expected?: LangType): Typed;
}
function describe(e: ts.Node): string {
  const names: Partial<Record<ts.SyntaxKind, string>> = {
    [typescript.SyntaxKind.StringLiteral]: 'a string', [typescript.SyntaxKind.NoSubstitutionTemplateLiteral]: 'a template string', [typescript.SyntaxKind.TemplateExpression]: 'a template string',
    [typescript.SyntaxKind.ObjectLiteralExpression]: 'an object literal', [typescript.SyntaxKind.ArrayLiteralExpression]: 'an array literal', [typescript.SyntaxKind.NewExpression]: "'new'",
    [typescript.SyntaxKind.ThisKeyword]: "'this'", [typescript.SyntaxKind.NullKeyword]: "'null'", [typescript.SyntaxKind.TypeOfExpression]: "'typeof'", [typescript.SyntaxKind.DeleteExpression]: "'delete'",
    [typescript.SyntaxKind.AwaitExpression]: "'await'", [typescript.SyntaxKind.AsExpression]: "a type assertion ('as')", [typescript.SyntaxKind.BigIntLiteral]: 'a bigint literal',
    [typescript.SyntaxKind.VoidExpression]: "'void'", [typescript.SyntaxKind.RegularExpressionLiteral]: 'a regular expression', [typescript.SyntaxKind.TaggedTemplateExpression]: 'a tagged template',
    [typescript.SyntaxKind.ClassExpression]: 'a class expression', [typescript.SyntaxKind.YieldExpression]: "'yield'", [typescript.SyntaxKind.SpreadElement]: 'spread', [typescript.SyntaxKind.SatisfiesExpression]: "'satisfies'",
  };
  return names[e.kind] ?? `'${typescript.SyntaxKind[e.kind]}'`;
}
