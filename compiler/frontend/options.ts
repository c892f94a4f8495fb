/**
 * `@kernel({ ... })` options (lang/index.ts `KernelOptions`): the one place
 * the frontend reads them. Each value must be known at compile time — a
 * literal or a named constant (compiler/frontend/constants.ts).
 */
import type { ts } from 'ts-morph';
import { typescript } from './typescript.ts';
import type { Diagnostic } from '../diagnostics.ts';
import type { MethodInfo, Program } from './discover.ts';
import { diagAt } from './discover.ts';
import { literalValue } from './expr.ts';
import { moduleConstant, staticConstant } from './constants.ts';
import { maxWorkgroupSize, TARGET_NAMES, type Target } from '../target/targets.ts';
import { KERNEL_OPTION_NAMES } from '../../lang/index.ts';
import { constantExpression } from './workgroups.ts';

/** The options of one kernel, with their defaults filled in. */
export interface ResolvedKernelOptions {
  /** Work items per workgroup (16: one batch). */
  workgroupSize: number;
}

/** Default options (a bare `@kernel`). */
export const DEFAULT_KERNEL_OPTIONS: ResolvedKernelOptions = { workgroupSize: 16 };

/** A literal or named number constant, or undefined. */
function constantOf(prog: Program, file: string, e: ts.Expression): number | undefined {
  const lit = literalValue(e);
  if (lit !== undefined) return lit;
  let inner = e;
  while (typescript.isParenthesizedExpression(inner)) inner = inner.expression;
  const c = typescript.isIdentifier(inner)
    ? moduleConstant(prog, file, inner.text)
    : typescript.isPropertyAccessExpression(inner) && typescript.isIdentifier(inner.expression)
      ? staticConstant(prog, file, inner.expression.text, inner.name.text)
      : undefined;
  return c && !('problem' in c) ? c.value : undefined;
}

/**
 * The options of kernel `m` from its decorator (`@kernel` or
 * `@kernel({ workgroupSize: 64 })`), checked for `target` (for every target
 * qpuc knows when none is given); problems are pushed to `diagnostics`.
 */
export function readKernelOptions(prog: Program, m: MethodInfo, target: Target | undefined, diagnostics: Diagnostic[]): ResolvedKernelOptions {
  const out = { ...DEFAULT_KERNEL_OPTIONS };
  const call = m.decorator && typescript.isCallExpression(m.decorator.expression) ? m.decorator.expression : undefined;
  if (!call) return out;
  const err = (node: ts.Node, name: Parameters<typeof diagAt>[3], args: (string | number)[] = []) => diagnostics.push(diagAt(m.source, m.file, node, name, args));
  const arg = call.arguments[0];
  if (call.arguments.length === 0) return out;
  if (call.arguments.length > 1 || !arg || !typescript.isObjectLiteralExpression(arg)) {
    err(arg ?? call, 'kernelOptions', [call.arguments.length > 1 ? `${call.arguments.length} arguments` : `'${arg?.getText(m.source) ?? ''}'`]);
    return out;
  }
  for (const p of arg.properties) {
    if (!typescript.isPropertyAssignment(p) || !(typescript.isIdentifier(p.name) || typescript.isStringLiteral(p.name))) {
      err(p, 'kernelOptions', [`'${p.getText(m.source)}'`]);
      continue;
    }
    const key = p.name.text;
    if (!(KERNEL_OPTION_NAMES as readonly string[]).includes(key)) {
      err(p.name, 'unknownKernelOption', [key, KERNEL_OPTION_NAMES.join(', ')]);
      continue;
    }
    // key === 'workgroupSize'
    const limit = target ? maxWorkgroupSize(target) : Math.max(...TARGET_NAMES.map(maxWorkgroupSize));
    const where = target ?? TARGET_NAMES.map((t) => `${t}: ${maxWorkgroupSize(t)}`).join(', ');
    const v = constantExpression(p.initializer, (x) => constantOf(prog, m.file, x));
    if (v === undefined || !Number.isInteger(v) || v < 16 || v % 16 !== 0 || v > limit) {
      err(p.initializer, 'workgroupSize', [v === undefined ? `'${p.initializer.getText(m.source)}'` : v, limit, where]);
      continue;
    }
    out.workgroupSize = v;
  }
  return out;
}
