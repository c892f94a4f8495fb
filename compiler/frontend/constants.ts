/**
 * Named number constants a kernel may read besides its own locals
 * (docs/language.md, "Constants"): a module-level `const NAME = …` of the
 * kernel's file or of a file it imports (`import { NAME } from './k.js'`),
 * and a class's `static readonly NAME = …` (read as `Class.NAME`). The
 * initializer must be literal-like: a number literal, `±` one, a Math
 * constant, or another such constant. Without a type annotation a constant
 * behaves as its literal (it takes its context's type); with `: f32`, `: i32`
 * or `: u32` it has that type. An array literal of such constants is a
 * read-only table (moduleTable, staticTable; indexed in compiler/frontend/arrays.ts).
 */
import type { ts } from 'ts-morph';
import { typescript } from './typescript.ts';
import type { Program } from './discover.ts';
import { literalValue, looksFloat } from './literals.ts';
import { typeFromNode } from './types.ts';

/** A constant's value, whether it is written as a float, and its declared type when annotated. */
export interface NamedConstant {
  value: number;
  float: boolean;
  declared?: 'f32' | 'i32' | 'u32';
}

/** Why a name that refers to a module-level declaration cannot be used in a kernel. */
export interface ConstantProblem {
  problem: 'notConst' | 'notNumber';
  name: string;
}

/** A constant array of numbers (a read-only table): its elements, their type, and a key unique per declaration. */
export interface NamedTable {
  key: string;
  name: string;
  elem: 'f32' | 'i32' | 'u32';
  values: number[];
  /** Every element written as an integer literal and no type annotation: a literal index reads like a literal. */
  flexible: boolean;
}

/** A constant, a problem, or undefined when the name is no module-level declaration at all. */
export type ConstantLookup = NamedConstant | ConstantProblem | undefined;

/** Constants defined through other constants are followed this deep (a cycle is not a number). */
const MAX_DEPTH = 32;

const skipParens = (e: ts.Expression): ts.Expression => (typescript.isParenthesizedExpression(e) ? skipParens(e.expression) : e);

/** Most elements of a constant table (uploaded once per runtime; larger data belongs in a buffer). */
export const MAX_TABLE = 65536;

/** `[…]`, `[…] as const`, `Object.freeze([…])`: the array literal of a table declaration, or undefined. */
function tableLiteral(init: ts.Expression | undefined): ts.ArrayLiteralExpression | undefined {
  if (!init) return undefined;
  let e = skipParens(init);
  if (typescript.isAsExpression(e) && e.type.getText() === 'const') e = skipParens(e.expression);
  if (typescript.isCallExpression(e) && e.expression.getText() === 'Object.freeze' && e.arguments.length === 1) e = skipParens(e.arguments[0]!);
  return typescript.isArrayLiteralExpression(e) ? e : undefined;
}

/** The element type an array annotation declares (`f32[]`, `readonly f32[]`, `Array<f32>`, `ReadonlyArray<f32>`). */
function tableElemType(node: ts.TypeNode | undefined): 'f32' | 'i32' | 'u32' | undefined {
  if (!node) return undefined;
  let inner: ts.TypeNode | undefined;
  if (typescript.isTypeOperatorNode(node)) return tableElemType(node.type);
  if (typescript.isArrayTypeNode(node)) inner = node.elementType;
  else if (typescript.isTypeReferenceNode(node) && node.typeArguments?.length === 1) inner = node.typeArguments[0];
  const t = inner ? typeFromNode(typescript, inner) : undefined;
  return t === 'f32' || t === 'i32' || t === 'u32' ? t : undefined;
}

/** A table from its declaration, or a problem (an element that is no number constant). */
function table(prog: Program, file: string, key: string, name: string, lit: ts.ArrayLiteralExpression, type: ts.TypeNode | undefined, depth: number): NamedTable | ConstantProblem {
  const declared = tableElemType(type);
  if (lit.elements.length === 0 || lit.elements.length > MAX_TABLE) return { problem: 'notNumber', name };
  const values: number[] = [];
  let floats = false;
  for (const el of lit.elements) {
    const v = evaluate(prog, file, el, name, depth + 1);
    if ('problem' in v) return { problem: 'notNumber', name };
    values.push(v.value);
    floats ||= v.float || !Number.isInteger(v.value) || v.declared === 'f32';
  }
  const elem = declared ?? (floats ? 'f32' : values.every((x) => x >= -2147483648 && x <= 2147483647) ? 'i32' : 'u32');
  return { key, name, elem, values, flexible: declared === undefined && !floats };
}

/** The module-level `const NAME = [numbers]` of `file` (or the one it imports under that name), as a table. */
export function moduleTable(prog: Program, file: string, name: string, depth = 0): NamedTable | ConstantProblem | undefined {
  const sf = prog.files.get(file);
  if (!sf || depth > MAX_DEPTH) return undefined;
  for (const st of sf.statements) {
    if (!typescript.isVariableStatement(st)) continue;
    for (const d of st.declarationList.declarations) {
      if (!typescript.isIdentifier(d.name) || d.name.text !== name) continue;
      const lit = tableLiteral(d.initializer);
      if (!lit) return undefined;
      if ((st.declarationList.flags & typescript.NodeFlags.Const) === 0) return { problem: 'notConst', name };
      return table(prog, file, `${file}#${name}`, name, lit, d.type, depth);
    }
  }
  const imported = prog.importedNames.get(file)?.get(name);
  return imported ? moduleTable(prog, imported.file, imported.name, depth + 1) : undefined;
}

/** `Class.NAME` where the class has `static readonly NAME = [numbers]`, as a table. */
export function staticTable(prog: Program, file: string, classLocal: string, name: string): NamedTable | ConstantProblem | undefined {
  const cls = prog.classes.get(prog.classAliases.get(file)?.get(classLocal) ?? classLocal);
  if (!cls) return undefined;
  for (const m of cls.decl.members) {
    if (!typescript.isPropertyDeclaration(m) || !typescript.isIdentifier(m.name) || m.name.text !== name) continue;
    const lit = tableLiteral(m.initializer);
    const mods = m.modifiers ?? [];
    if (!lit || !mods.some((x) => x.kind === typescript.SyntaxKind.StaticKeyword)) return undefined;
    if (!mods.some((x) => x.kind === typescript.SyntaxKind.ReadonlyKeyword)) return { problem: 'notConst', name: `${classLocal}.${name}` };
    return table(prog, cls.file, `${cls.file}#${cls.decl.name?.text ?? classLocal}.${name}`, `${classLocal}.${name}`, lit, m.type, 0);
  }
  return undefined;
}

function declaredType(node: ts.TypeNode | undefined): NamedConstant['declared'] {
  if (!node) return undefined;
  const t = typeFromNode(typescript, node);
  return t === 'f32' || t === 'i32' || t === 'u32' ? t : undefined;
}

/** The value of a constant's initializer, written in `file`. */
function evaluate(prog: Program, file: string, init: ts.Expression | undefined, name: string, depth: number): NamedConstant | ConstantProblem {
  if (!init || depth > MAX_DEPTH) return { problem: 'notNumber', name };
  const x = literalValue(init);
  if (x !== undefined) return { value: x, float: looksFloat(init) };
  const e = skipParens(init);
  if (typescript.isPrefixUnaryExpression(e) && (e.operator === typescript.SyntaxKind.MinusToken || e.operator === typescript.SyntaxKind.PlusToken)) {
    const inner = evaluate(prog, file, e.operand, name, depth + 1);
    if ('problem' in inner) return { problem: 'notNumber', name };
    return { value: e.operator === typescript.SyntaxKind.MinusToken ? -inner.value : inner.value, float: inner.float };
  }
  let ref: ConstantLookup;
  if (typescript.isIdentifier(e)) ref = moduleConstant(prog, file, e.text, depth + 1);
  else if (typescript.isPropertyAccessExpression(e) && typescript.isIdentifier(e.expression)) ref = staticConstant(prog, file, e.expression.text, e.name.text, depth + 1);
  if (!ref || 'problem' in ref) return { problem: 'notNumber', name };
  // A constant defined by another keeps that one's value and float-ness; its own annotation (if any) applies on top.
  return { value: ref.value, float: ref.float || ref.declared === 'f32' };
}

/** The module-level declaration `name` of `file` (or the one it imports under that name), as a constant. */
export function moduleConstant(prog: Program, file: string, name: string, depth = 0): ConstantLookup {
  const sf = prog.files.get(file);
  if (!sf || depth > MAX_DEPTH) return undefined;
  for (const st of sf.statements) {
    if (!typescript.isVariableStatement(st)) continue;
    const isConst = (st.declarationList.flags & typescript.NodeFlags.Const) !== 0;
    for (const d of st.declarationList.declarations) {
      if (!typescript.isIdentifier(d.name) || d.name.text !== name) continue;
      if (!isConst) return { problem: 'notConst', name };
      const v = evaluate(prog, file, d.initializer, name, depth);
      if ('problem' in v) return v;
      const declared = declaredType(d.type);
      return declared ? { ...v, declared } : v;
    }
  }
  const imported = prog.importedNames.get(file)?.get(name);
  return imported ? moduleConstant(prog, imported.file, imported.name, depth + 1) : undefined;
}

/** `Class.name` where the class (as `classLocal` is known in `file`) has `static readonly name = …`. */
export function staticConstant(prog: Program, file: string, classLocal: string, name: string, depth = 0): ConstantLookup {
  const cls = prog.classes.get(prog.classAliases.get(file)?.get(classLocal) ?? classLocal);
  if (!cls || depth > MAX_DEPTH) return undefined;
  for (const m of cls.decl.members) {
    if (!typescript.isPropertyDeclaration(m) || !typescript.isIdentifier(m.name) || m.name.text !== name) continue;
    const mods = m.modifiers ?? [];
    const isStatic = mods.some((x) => x.kind === typescript.SyntaxKind.StaticKeyword);
    const isReadonly = mods.some((x) => x.kind === typescript.SyntaxKind.ReadonlyKeyword);
    if (!isStatic) return undefined;
    if (!isReadonly) return { problem: 'notConst', name: `${classLocal}.${name}` };
    const v = evaluate(prog, cls.file, m.initializer, `${classLocal}.${name}`, depth);
    if ('problem' in v) return v;
    const declared = declaredType(m.type);
    return declared ? { ...v, declared } : v;
  }
  return undefined;
}
