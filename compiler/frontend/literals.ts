/**
 * Literal-like expressions (literals, ±literals, Math constants) as numbers:
 * shared by expression lowering, named constants and decorator options, in a
 * module of its own so that kernel discovery can use it without the lowering
 * classes.
 */
import type { ts } from 'ts-morph';
import { typescript } from './typescript.ts';
import { MATH_CONSTANTS } from './intrinsics.ts';

/** Strips parentheses and non-null assertions, which mean nothing in kernels. */
export function skipParens(e: ts.Expression): ts.Expression {
  while (typescript.isParenthesizedExpression(e) || typescript.isNonNullExpression(e)) e = e.expression;
  return e;
}

/** Numeric value of a literal-like expression (literal, ±literal, Math constant), or undefined. */
export function literalValue(e: ts.Expression): number | undefined {
  e = skipParens(e);
  if (typescript.isNumericLiteral(e)) return Number(e.text.replace(/_/g, ''));
  if (typescript.isPrefixUnaryExpression(e) && (e.operator === typescript.SyntaxKind.MinusToken || e.operator === typescript.SyntaxKind.PlusToken)) {
    const x = literalValue(e.operand);
    return x === undefined ? undefined : e.operator === typescript.SyntaxKind.MinusToken ? -x : x;
  }
  if (typescript.isPropertyAccessExpression(e) && typescript.isIdentifier(e.expression) && e.expression.text === 'Math') return MATH_CONSTANTS[e.name.text];
  return undefined;
}

/** True when a literal-like expression is written as a float (decimal point, exponent, Math constant). */
export function looksFloat(e: ts.Expression): boolean {
  e = skipParens(e);
  // The source text, not `e.text`: TypeScript normalises `7.0` to "7".
  if (typescript.isNumericLiteral(e)) {
    const src = e.getText();
    return /^[0-9._]*[.eE]/.test(src) && !/^0[xXbBoO]/.test(src);
  }
  if (typescript.isPrefixUnaryExpression(e)) return looksFloat(e.operand);
  return typescript.isPropertyAccessExpression(e);
}
