/**
 * Private arrays (docs/language.md, "Private arrays"): a local array of
 * f32, i32 or u32 with a length known at compile time, declared as
 * `const a: f32[] = [0, 0, 0]`, `new Array<f32>(n).fill(x)` or
 * `new Float32Array(n)` (also `Int32Array`, `Uint32Array`).
 *
 * Each element is a mutable local of its own (a `let` binding carried
 * through control flow like any other), so an array whose indices are all
 * constants lives in registers. An index the frontend cannot fold to a
 * constant becomes a chain of compares and selects over the elements (a
 * read picks the element whose number equals the index, 0 when none does;
 * a write replaces exactly that element): after loop unrolling (`for` loops
 * with constant bounds that index an array are unrolled here) and constant
 * folding, the chains disappear. A constant index out of range is QPU2032.
 *
 * Constant tables (module-level or `static readonly` arrays of numbers,
 * compiler/frontend/constants.ts) are read through the same element
 * references: a constant index gives the constant, a run-time index a load
 * through a hidden pointer parameter whose values the runtime uploads.
 */
import type { ts } from 'ts-morph';
import { typescript } from './typescript.ts';
import type { Value } from '../ir/types.ts';
import { constantOf } from './context.ts';
import type { Binding } from './context.ts';
import { ExprLowerer, literalValue, skipParens, type ElementRef, type Typed } from './expr.ts';
import { moduleTable, staticTable, type ConstantProblem, type NamedTable } from './constants.ts';
import type { LangType } from './types.ts';
import { isIntType, langTypeText, typeFromNode } from './types.ts';
import { MAX_PRIVATE_ARRAY, MAX_REGISTER_ARRAY, MAX_UNROLL, SMALL_ARRAY } from './limits.ts';

/** Number of elements of a private array. */
function lengthOf(arr: PrivateArray): number {
  return arr.memory ? arr.memory.length : arr.elems.length;
}

/** An integer table value as its type's 32 bits (u32 wraps negatives, i32 large values). */
function normalizeInt(t: 'i32' | 'u32', x: number): number {
  return t === 'u32' ? x >>> 0 : x | 0;
}

/** Element types of private arrays. */
export type ArrayElem = 'f32' | 'i32' | 'u32';

/** A private array: one mutable binding per element. */
export interface PrivateArray {
  name: string;
  elem: ArrayElem;
  elems: Binding[];
  /** Its declaration had an error (reported): element reads are placeholders that report nothing more. */
  bad?: boolean;
  /** Kept in per-work-item memory (see {@link ArrayLowerer.arrayDecl}): element i at words (offset + i)·count + g of the private buffer. */
  memory?: { offset: number; length: number };
}

const TYPED_ARRAYS: Readonly<Record<string, ArrayElem>> = { Float32Array: 'f32', Int32Array: 'i32', Uint32Array: 'u32' };

/** The element type of an array type annotation (`f32[]`, `Array<f32>`, `Float32Array`), 'bad' for another array type, undefined when it is no array type. */
export function arrayTypeFromNode(node: ts.TypeNode): ArrayElem | 'bad' | undefined {
  let inner: ts.TypeNode | undefined;
  if (typescript.isArrayTypeNode(node)) inner = node.elementType;
  else if (typescript.isTypeReferenceNode(node)) {
    const name = node.typeName.getText();
    if (TYPED_ARRAYS[name] && !node.typeArguments) return TYPED_ARRAYS[name];
    if ((name === 'Array' || name === 'ReadonlyArray') && node.typeArguments?.length === 1) inner = node.typeArguments[0];
  } else if (typescript.isTypeOperatorNode(node) && node.operator === typescript.SyntaxKind.ReadonlyKeyword) return arrayTypeFromNode(node.type);
  if (!inner) return undefined;
  const t = typeFromNode(typescript, inner);
  return t === 'f32' || t === 'i32' || t === 'u32' ? t : 'bad';
}

/** Expression lowering plus private arrays: declarations, element reads and writes. */
export abstract class ArrayLowerer extends ExprLowerer {
  /** The private array a name refers to in scope. */
  protected arrayNamed(e: ts.Expression): PrivateArray | undefined {
    const inner = skipParens(e);
    return typescript.isIdentifier(inner) ? this.scope.lookup(inner.text)?.array : undefined;
  }

  /** The constant table (module-level or `static readonly` array of numbers) `e` names, a problem, or undefined. */
  protected tableNamed(e: ts.Expression): NamedTable | ConstantProblem | undefined {
    const inner = skipParens(e);
    if (typescript.isIdentifier(inner)) return this.scope.lookup(inner.text) ? undefined : moduleTable(this.prog, this.file.file, inner.text);
    if (typescript.isPropertyAccessExpression(inner) && typescript.isIdentifier(inner.expression) && inner.expression.text !== 'Math' && inner.expression.text !== 'qpu' && !this.scope.lookup(inner.expression.text)) {
      return staticTable(this.prog, this.file.file, inner.expression.text, inner.name.text);
    }
    return undefined;
  }

  protected override arrayLength(e: ts.Expression): number | undefined {
    const arr = this.arrayNamed(e);
    if (arr) return lengthOf(arr);
    const t = this.tableNamed(e);
    return t && !('problem' in t) ? t.values.length : undefined;
  }

  protected override tableLiteral(e: ts.ElementAccessExpression): number | undefined {
    const t = this.tableNamed(e.expression);
    if (!t || 'problem' in t || !t.flexible) return undefined;
    const k = literalValue(e.argumentExpression);
    return k !== undefined && Number.isInteger(k) && k >= 0 && k < t.values.length ? t.values[k] : undefined;
  }

  protected override elementRef(e: ts.ElementAccessExpression): ElementRef | undefined {
    const arr = this.arrayNamed(e.expression);
    const found = arr ? undefined : this.tableNamed(e.expression);
    if (!arr && !found) return undefined;
    if (found && 'problem' in found) {
      this.error(e.expression, found.problem === 'notConst' ? 'moduleVariable' : 'constantNotNumber', [found.name]);
      this.expr(e.argumentExpression, 'i32');
      return { elem: 'f32', node: e, bad: true };
    }
    const table = found;
    const elem = arr ? arr.elem : table!.elem;
    const length = arr ? lengthOf(arr) : table!.values.length;
    const base = { ...(arr ? { arr } : { table: table! }), elem, node: e };
    const idx = this.expr(e.argumentExpression, 'i32');
    if (idx.bad) return { ...base, bad: true };
    if (!isIntType(idx.t)) {
      this.error(e.argumentExpression, 'indexType', [langTypeText(idx.t)]);
      return { ...base, bad: true };
    }
    const k = constantOf(this.fn, idx.v);
    if (k !== undefined) {
      const n = idx.t === 'i32' ? k | 0 : k >>> 0;
      if (n < 0 || n >= length) {
        if (this.unreachableArms === 0) this.error(e.argumentExpression, 'arrayIndexRange', [n, arr ? arr.name : table!.name, length]);
        return { ...base, bad: true };
      }
      return { ...base, k: n };
    }
    return { ...base, index: { v: idx.v, t: idx.t } };
  }

  protected override readElement(r: ElementRef): Typed {
    const t = r.elem;
    if (r.bad || r.arr?.bad) return this.bad(t);
    if (r.table) return this.readTable(r, r.table);
    const arr = r.arr!;
    if (arr.memory) return this.readMemory(r, arr, arr.memory);
    if (r.k !== undefined) return { v: arr.elems[r.k]!.value, t };
    const idx = r.index!;
    this.w.loc = this.locOf(r.node);
    // Element j where the index equals j; 0 where it matches none.
    let v = this.w.const(t, 0);
    arr.elems.forEach((b, j) => {
      const eq = this.w.emit('cmp', [idx.v, this.w.const(idx.t as 'i32' | 'u32', j)], 'bool', { pred: 'eq' });
      v = this.w.emit('select', [eq, b.value, v], t);
    });
    return { v, t };
  }

  protected override writeElement(r: ElementRef, v: Value): void {
    if (r.bad) return;
    if (r.table) {
      this.error(r.node, 'assignToConst', [r.table.name]);
      return;
    }
    const arr = r.arr!;
    if (arr.memory) return this.writeMemory(r, arr, arr.memory, v);
    if (r.k !== undefined) {
      arr.elems[r.k]!.value = v;
      return;
    }
    const idx = r.index!;
    this.w.loc = this.locOf(r.node);
    arr.elems.forEach((b, j) => {
      const eq = this.w.emit('cmp', [idx.v, this.w.const(idx.t as 'i32' | 'u32', j)], 'bool', { pred: 'eq' });
      b.value = this.w.emit('select', [eq, v, b.value], arr.elem);
    });
  }

  /** Parameters of the tables this function reads at run time, by table key (shared by inlined device functions). */
  private readonly tableParams = new Map<string, Value>();

  /**
   * A table element: a constant index gives the constant; a run-time one a load through the table's hidden
   * parameter (the runtime uploads the values), at index 0 when out of range, giving 0 there (as private arrays).
   */
  private readTable(r: ElementRef, table: NamedTable): Typed {
    const t = table.elem;
    this.w.loc = this.locOf(r.node);
    if (r.k !== undefined) return { v: this.w.const(t, t === 'f32' ? Math.fround(table.values[r.k]!) : normalizeInt(t, table.values[r.k]!)), t };
    let p = this.tableParams.get(table.key);
    if (!p) {
      p = { id: this.fn.nextValueId++, type: { ptr: t }, uniform: true, name: table.name };
      this.fn.params.push({ name: table.name, value: p });
      (this.fn.tables ??= []).push({ name: table.name, elem: t, values: table.values.map((x) => (t === 'f32' ? Math.fround(x) : normalizeInt(t, x))) });
      this.tableParams.set(table.key, p);
    }
    const idx = r.index!;
    const u = idx.t === 'u32' ? idx.v : this.w.emit('bitcast', [idx.v], 'u32');
    const inRange = this.w.emit('cmp', [u, this.w.const('u32', table.values.length)], 'bool', { pred: 'lt' });
    const at = this.w.emit('select', [inRange, u, this.w.const('u32', 0)], 'u32');
    const loaded = this.w.emit('load', [this.w.emit('gep', [p, at], { ptr: t })], t);
    return { v: this.w.emit('select', [inRange, loaded, this.w.const(t, 0)], t), t };
  }

  /**
   * A variable declaration that makes a private array: an array type
   * annotation, an array literal, `new Array<T>(n).fill(x)` or a typed-array
   * constructor. Returns false when `d` declares no array (a scalar).
   */
  protected arrayDecl(d: ts.VariableDeclaration, name: string): boolean {
    const init = d.initializer ? skipParens(d.initializer) : undefined;
    const annotated = d.type ? arrayTypeFromNode(d.type) : undefined;
    if (annotated === undefined && !(init && this.looksLikeArray(init))) return false;
    let values: { elem: ArrayElem; items: Value[]; bad?: boolean };
    if (annotated === 'bad') {
      // Reported once; the elements become placeholders so that uses do not report again.
      this.error(d.type!, 'arrayElementType', [d.type!.getText(this.file.sf)]);
      const n = init && typescript.isArrayLiteralExpression(init) ? Math.max(1, init.elements.length) : 1;
      values = { elem: 'f32', items: Array.from({ length: n }, () => this.bad('f32').v), bad: true };
    } else values = this.arrayInit(d, name, init, annotated);
    const elem = values.elem;
    const n = values.items.length;
    // Storage: registers up to SMALL_ARRAY elements, and up to MAX_REGISTER_ARRAY when every index is static; else memory.
    const inMemory = !values.bad && n > SMALL_ARRAY && (n > MAX_REGISTER_ARRAY || this.indexedAtRunTime(d, name));
    if (inMemory) {
      const arr: PrivateArray = { name, elem, elems: [], memory: { offset: this.privateWords, length: n } };
      this.privateWords += n;
      this.scope.vars.set(name, { name, type: elem, kind: 'const', value: this.w.const(elem, 0), array: arr });
      if (values.items.every((v) => v === values.items[0])) this.fillMemory(d, arr, values.items[0]!);
      else values.items.forEach((v, k) => this.writeMemory({ arr, elem, node: d, k }, arr, arr.memory!, v));
      return true;
    }
    const arr: PrivateArray = { name, elem, elems: [], ...(values.bad ? { bad: true } : {}) };
    values.items.forEach((v, k) => {
      const b: Binding = { name: `${name}[${k}]`, type: elem, kind: 'let', value: v };
      arr.elems.push(b);
      // Element bindings live in the scope under names no identifier can have, so joins carry them like `let`s.
      this.scope.vars.set(b.name, b);
    });
    this.scope.vars.set(name, { name, type: elem, kind: 'const', value: this.w.const(elem, 0), array: arr });
    return true;
  }

  /** u32 words per work item of the private buffer (memory arrays of this kernel, each declaration its own region). */
  private privateWords = 0;
  /** The hidden parameter pointing at the private buffer, once a memory array needs it. */
  private privateParam: Value | undefined;

  /** The private buffer's word address of element `index` (u32) of `mem`: (offset + index)·globalCount + globalId, lanes side by side. */
  private privateAddress(mem: { offset: number }, index: Value): Value {
    if (!this.privateParam) {
      this.privateParam = { id: this.fn.nextValueId++, type: { ptr: 'u32' }, uniform: true, name: 'private' };
      this.fn.params.push({ name: 'private', value: this.privateParam });
    }
    const count = this.w.emit('global_count', [], 'u32');
    const word = this.w.emit('add', [this.w.emit('mul', [this.w.emit('add', [index, this.w.const('u32', mem.offset)], 'u32'), count], 'u32'), this.w.emit('global_id', [], 'u32')], 'u32');
    return this.w.emit('gep', [this.privateParam, word], { ptr: 'u32' });
  }

  /** The element index as u32 (0 where out of range) and whether it is in range (undefined: a constant in range). */
  private memoryIndex(r: ElementRef, length: number): { index: Value; inRange?: Value } {
    if (r.k !== undefined) return { index: this.w.const('u32', r.k) };
    const idx = r.index!;
    const u = idx.t === 'u32' ? idx.v : this.w.emit('bitcast', [idx.v], 'u32');
    const inRange = this.w.emit('cmp', [u, this.w.const('u32', length)], 'bool', { pred: 'lt' });
    return { index: this.w.emit('select', [inRange, u, this.w.const('u32', 0)], 'u32'), inRange };
  }

  private readMemory(r: ElementRef, arr: PrivateArray, mem: { offset: number; length: number }): Typed {
    this.w.loc = this.locOf(r.node);
    const { index, inRange } = this.memoryIndex(r, mem.length);
    const word = this.w.emit('load', [this.privateAddress(mem, index)], 'u32');
    const v = arr.elem === 'u32' ? word : this.w.emit('bitcast', [word], arr.elem);
    return { v: inRange ? this.w.emit('select', [inRange, v, this.w.const(arr.elem, 0)], arr.elem) : v, t: arr.elem };
  }

  private writeMemory(r: ElementRef, arr: PrivateArray, mem: { offset: number; length: number }, v: Value): void {
    this.w.loc = this.locOf(r.node);
    const { index, inRange } = this.memoryIndex(r, mem.length);
    const word = arr.elem === 'u32' ? v : this.w.emit('bitcast', [v], 'u32');
    // Out of range: the store is masked off (writes nothing).
    this.w.effect('store', inRange ? [this.privateAddress(mem, index), word, inRange] : [this.privateAddress(mem, index), word]);
  }

  /** Every element of a memory array set to `v` by a loop (one store per iteration instead of one per element). */
  private fillMemory(node: ts.Node, arr: PrivateArray, v: Value): void {
    const mem = arr.memory!;
    this.w.loc = this.locOf(node);
    const vars = this.mutables();
    const header = this.join(vars, ['u32']);
    const body = this.join([]);
    const exit = this.join(vars);
    this.jump(header, vars, [this.w.const('u32', 0)]);
    this.enter(header, vars);
    const i = header.params[vars.length]!;
    this.branch(this.w.emit('cmp', [i, this.w.const('u32', mem.length)], 'bool', { pred: 'lt' }), body, [], exit, vars);
    this.enter(body);
    const word = arr.elem === 'u32' ? v : this.w.emit('bitcast', [v], 'u32');
    this.w.effect('store', [this.privateAddress(mem, i), word]);
    this.jump(header, vars, [this.w.emit('add', [i, this.w.const('u32', 1)], 'u32')]);
    this.enter(exit, vars);
  }

  /** Moves the private buffer's parameter (if any) after every other: the runtime passes it last. Records its size. */
  protected finishHiddenParams(): void {
    const p = this.privateParam;
    if (!p) return;
    this.fn.params = [...this.fn.params.filter((x) => x.value !== p), { name: 'private', value: p }];
    this.fn.privateWords = this.privateWords;
  }

  /**
   * Whether some `name[i]` after declaration `d` (in its block) has an index that is not static: not a literal or
   * named constant, not the counter of a loop the frontend unrolls, nor arithmetic on those. Syntactic and
   * conservative (a shadowing name counts too): it only chooses memory over registers.
   */
  private indexedAtRunTime(d: ts.VariableDeclaration, name: string): boolean {
    const stmt = d.parent.parent;
    const block = stmt.parent;
    const stmts: readonly ts.Node[] = typescript.isBlock(block) || typescript.isSourceFile(block) ? block.statements : typescript.isCaseClause(block) || typescript.isDefaultClause(block) ? block.statements : [stmt];
    const rest = stmts.slice(stmts.indexOf(stmt as ts.Statement));
    const counters = new Set<string>();
    const isStatic = (e: ts.Expression): boolean => {
      const x = skipParens(e);
      if (this.flex(x) !== undefined) return true;
      if (typescript.isIdentifier(x)) return counters.has(x.text);
      if (typescript.isBinaryExpression(x)) return ['+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>', '>>>'].includes(x.operatorToken.getText()) && isStatic(x.left) && isStatic(x.right);
      if (typescript.isPrefixUnaryExpression(x)) return isStatic(x.operand);
      if (typescript.isCallExpression(x) && typescript.isIdentifier(x.expression) && ['i32', 'u32', 'f32'].includes(x.expression.text)) return x.arguments.length === 1 && isStatic(x.arguments[0]!);
      return false;
    };
    let dynamic = false;
    const visit = (n: ts.Node): void => {
      if (dynamic) return;
      if (typescript.isForStatement(n) && this.countedLoop(n)) {
        const c = ((n.initializer as ts.VariableDeclarationList).declarations[0]!.name as ts.Identifier).text;
        const had = counters.has(c);
        counters.add(c);
        n.forEachChild(visit);
        if (!had) counters.delete(c);
        return;
      }
      if (typescript.isElementAccessExpression(n) && typescript.isIdentifier(skipParens(n.expression)) && (skipParens(n.expression) as ts.Identifier).text === name && !isStatic(n.argumentExpression)) dynamic = true;
      n.forEachChild(visit);
    };
    for (const st of rest) visit(st);
    return dynamic;
  }

  /**
   * The value of a device function's parameter that its call gives a constant (`Image.conv5Strips(…, STRIP5)`):
   * a loop bounded by it unrolls like one bounded by a literal (parameters are never assigned, so the value holds
   * through the loop). Not a literal for typing: the parameter keeps its declared type.
   */
  private constantParameter(e: ts.Expression): { value: number; float: boolean } | undefined {
    const inner = skipParens(e);
    if (!typescript.isIdentifier(inner)) return undefined;
    const b = this.scope.lookup(inner.text);
    if (!b || b.kind !== 'param' || !isIntType(b.type)) return undefined;
    const k = constantOf(this.fn, b.value);
    return k === undefined ? undefined : { value: k, float: false };
  }

  /**
   * The counter values of `for (let k = a; k < b; k += s)` (also `<=`, `>`, `>=`, `!=`, `++`, `--`, `-=`) with
   * constant a, b, s, at most MAX_UNROLL iterations and a body that never assigns `k`; else undefined. Such a loop
   * whose body indexes a private array or a constant table is unrolled (stmt.ts), so its indices become constants.
   */
  protected countedLoop(s: ts.ForStatement): number[] | undefined {
    const init = s.initializer;
    if (!init || !typescript.isVariableDeclarationList(init) || init.declarations.length !== 1 || !(init.flags & typescript.NodeFlags.Let)) return undefined;
    const d = init.declarations[0]!;
    if (!typescript.isIdentifier(d.name) || !d.initializer || !s.condition || !s.incrementor) return undefined;
    const name = d.name.text;
    const isName = (e: ts.Expression) => typescript.isIdentifier(skipParens(e)) && (skipParens(e) as ts.Identifier).text === name;
    const start = this.flex(d.initializer);
    const cond = skipParens(s.condition);
    if (!start || !Number.isInteger(start.value) || !typescript.isBinaryExpression(cond) || !isName(cond.left)) return undefined;
    const bound = this.flex(cond.right) ?? this.constantParameter(cond.right);
    if (!bound || !Number.isInteger(bound.value)) return undefined;
    const inc = skipParens(s.incrementor);
    let step: number | undefined;
    if ((typescript.isPostfixUnaryExpression(inc) || typescript.isPrefixUnaryExpression(inc)) && isName(inc.operand)) {
      step = inc.operator === typescript.SyntaxKind.PlusPlusToken ? 1 : inc.operator === typescript.SyntaxKind.MinusMinusToken ? -1 : undefined;
    } else if (typescript.isBinaryExpression(inc) && isName(inc.left)) {
      const k = this.flex(inc.right)?.value;
      const op = inc.operatorToken.kind;
      if (k !== undefined && Number.isInteger(k)) step = op === typescript.SyntaxKind.PlusEqualsToken ? k : op === typescript.SyntaxKind.MinusEqualsToken ? -k : undefined;
    }
    if (!step) return undefined;
    const test: Partial<Record<ts.SyntaxKind, (k: number) => boolean>> = {
      [typescript.SyntaxKind.LessThanToken]: (k) => k < bound.value, [typescript.SyntaxKind.LessThanEqualsToken]: (k) => k <= bound.value,
      [typescript.SyntaxKind.GreaterThanToken]: (k) => k > bound.value, [typescript.SyntaxKind.GreaterThanEqualsToken]: (k) => k >= bound.value,
      [typescript.SyntaxKind.ExclamationEqualsToken]: (k) => k !== bound.value, [typescript.SyntaxKind.ExclamationEqualsEqualsToken]: (k) => k !== bound.value,
    };
    const holds = test[cond.operatorToken.kind];
    if (!holds) return undefined;
    const counts: number[] = [];
    for (let k = start.value; holds(k); k += step) {
      if (counts.length >= MAX_UNROLL) return undefined;
      counts.push(k);
    }
    let writesCounter = false;
    const visit = (n: ts.Node): void => {
      if (typescript.isBinaryExpression(n) && n.operatorToken.kind >= typescript.SyntaxKind.FirstAssignment && n.operatorToken.kind <= typescript.SyntaxKind.LastAssignment && isName(n.left)) writesCounter = true;
      if ((typescript.isPostfixUnaryExpression(n) || typescript.isPrefixUnaryExpression(n)) && (n.operator === typescript.SyntaxKind.PlusPlusToken || n.operator === typescript.SyntaxKind.MinusMinusToken) && isName(n.operand)) writesCounter = true;
      n.forEachChild(visit);
    };
    visit(s.statement);
    return writesCounter ? undefined : counts;
  }

  /** Whether `body` indexes a private array in registers or a constant table (a counted loop over it is unrolled). */
  protected indexesArray(body: ts.Node): boolean {
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found) return;
      if (typescript.isElementAccessExpression(n)) {
        const arr = this.arrayNamed(n.expression);
        if ((arr && !arr.memory) || (!arr && this.tableNamed(n.expression))) found = true;
      }
      n.forEachChild(visit);
    };
    visit(body);
    return found;
  }

  /** The element values of an array's initialiser (reported problems give an empty array). */
  private arrayInit(d: ts.VariableDeclaration, name: string, init: ts.Expression | undefined, declared: ArrayElem | undefined): { elem: ArrayElem; items: Value[] } {
    const fail = (elem: ArrayElem) => ({ elem, items: [] as Value[] });
    if (!init) {
      this.error(d.name, 'missingInitializer', [name]);
      return fail(declared ?? 'f32');
    }
    if (typescript.isArrayLiteralExpression(init)) {
      const els = init.elements;
      const elem = declared ?? this.literalElemType(els);
      if (els.length === 0 || els.length > MAX_PRIVATE_ARRAY) {
        this.error(init, 'arrayLength', [name, els.length, MAX_PRIVATE_ARRAY]);
        return fail(elem);
      }
      const items: Value[] = [];
      for (const el of els) {
        if (typescript.isSpreadElement(el) || typescript.isOmittedExpression(el)) {
          this.error(el, 'unsupportedExpression', [typescript.isSpreadElement(el) ? 'spread' : 'an array hole']);
          items.push(this.bad(elem).v);
          continue;
        }
        items.push(this.exprOf(el, elem).v);
      }
      return { elem, items };
    }
    const made = this.newArray(init);
    if (!made) {
      this.error(init, 'arrayInit', [name]);
      return fail(declared ?? 'f32');
    }
    const elem = made.elem ?? declared ?? (made.fill ? this.literalElemType([made.fill]) : undefined);
    if (!elem) {
      this.error(init, 'arrayInit', [name]);
      return fail('f32');
    }
    if (declared && made.elem && declared !== made.elem) this.error(init, 'typeMismatch', [`${made.elem}[]`, `${declared}[]`]);
    const n = this.flex(made.length);
    if (!n || !Number.isInteger(n.value) || n.value < 1 || n.value > MAX_PRIVATE_ARRAY) {
      this.error(made.length, 'arrayLength', [name, made.length.getText(this.file.sf), MAX_PRIVATE_ARRAY]);
      return fail(elem);
    }
    const fill = made.fill ? this.exprOf(made.fill, elem).v : this.w.const(elem, 0);
    return { elem, items: Array.from({ length: n.value }, () => fill) };
  }

  /** An array literal, or `new` of Array or a typed array (with or without `.fill(x)`): an attempt at a private array. */
  private looksLikeArray(e: ts.Expression): boolean {
    if (typescript.isArrayLiteralExpression(e)) return true;
    if (typescript.isCallExpression(e) && typescript.isPropertyAccessExpression(e.expression) && e.expression.name.text === 'fill') e = skipParens(e.expression.expression);
    return typescript.isNewExpression(e) && typescript.isIdentifier(e.expression) && (e.expression.text === 'Array' || TYPED_ARRAYS[e.expression.text] !== undefined);
  }

  /** The element type an unannotated array literal gets: the first element's own type, else f32 if any literal is written as a float, else i32. */
  private literalElemType(els: readonly ts.Expression[]): ArrayElem {
    for (const el of els) {
      const t: LangType | undefined = this.peekType(el);
      if (t === 'f32' || t === 'i32' || t === 'u32') return t;
    }
    return els.some((el) => this.flex(el)?.float) ? 'f32' : 'i32';
  }

  /** `new Array<T>(n).fill(x)`, `new Array(n).fill(x)` or `new Float32Array(n)` (and Int32Array, Uint32Array). */
  private newArray(e: ts.Expression): { elem?: ArrayElem; length: ts.Expression; fill?: ts.Expression } | undefined {
    let fill: ts.Expression | undefined;
    let ne = e;
    if (typescript.isCallExpression(e) && typescript.isPropertyAccessExpression(e.expression) && e.expression.name.text === 'fill' && e.arguments.length === 1) {
      fill = e.arguments[0];
      ne = skipParens(e.expression.expression);
    }
    if (!typescript.isNewExpression(ne) || !typescript.isIdentifier(ne.expression) || ne.arguments?.length !== 1) return undefined;
    const length = ne.arguments[0]!;
    const cls = ne.expression.text;
    if (TYPED_ARRAYS[cls] && !fill) return { elem: TYPED_ARRAYS[cls], length };
    if (cls !== 'Array' || !fill) return undefined;
    const targ = ne.typeArguments?.[0];
    const t = targ ? typeFromNode(typescript, targ) : undefined;
    return { ...(t === 'f32' || t === 'i32' || t === 'u32' ? { elem: t } : {}), length, fill };
  }
}
