/**
 * The workgroup intrinsics (docs/language.md "Workgroups"): `qpu.localId()`,
 * `groupId(dim)`, `numGroups(dim)`, `groupSize()`, `globalId(dim)`,
 * `globalCount(dim)`, `shared<T>(n)` and `workgroupBarrier()`, lowered to the
 * IR's primitives (`local_id`, the linear `group_id`, `num_groups [dim]`,
 * `shared_ptr [offset]`, `barrier [scope=workgroup]`). The grid position
 * along each dimension is arithmetic on the linear workgroup index here, once
 * for every target: a launch runs its workgroups in X-fastest order.
 */
import type { ts } from 'ts-morph';
import { typescript } from './typescript.ts';
import type { Value } from '../ir/types.ts';
import { elemSize, workgroupSizeOf } from '../ir/types.ts';
import type { LowerContext } from './context.ts';
import { ELEM_NAMES } from './types.ts';
import type { ElemType } from '../ir/types.ts';

/** The `qpu.*` names this file lowers. */
export const WORKGROUP_INTRINSICS = new Set(['localId', 'groupId', 'numGroups', 'groupSize', 'globalId', 'globalCount', 'shared', 'workgroupBarrier']);

/**
 * Most bytes of `qpu.shared` memory one workgroup may declare. CHOICE: 16 KiB,
 * what Mesa's V3D Vulkan driver reports as maxComputeSharedMemorySize; the
 * memory is ordinary GPU memory, so this bounds the per-launch allocation
 * (workgroups x bytes) rather than an on-chip store.
 */
export const MAX_SHARED_BYTES = 16384;

/** Alignment of each `qpu.shared` array: one 64-byte line, so a 16-lane contiguous access touches whole lines. */
export const SHARED_ALIGN = 64;

/**
 * The value of a constant integer expression: leaves are what `leaf` knows
 * (literals, named constants), combined with `+ - * / % << >>` and
 * parentheses (`/` truncates, as the sizes are integers). Undefined when
 * any part is not constant or a division is by zero.
 */
export function constantExpression(e: ts.Expression, leaf: (e: ts.Expression) => number | undefined): number | undefined {
  if (typescript.isParenthesizedExpression(e)) return constantExpression(e.expression, leaf);
  if (typescript.isBinaryExpression(e)) {
    const a = constantExpression(e.left, leaf);
    const b = constantExpression(e.right, leaf);
    if (a === undefined || b === undefined) return undefined;
    switch (e.operatorToken.kind) {
      case typescript.SyntaxKind.PlusToken: return a + b;
      case typescript.SyntaxKind.MinusToken: return a - b;
      case typescript.SyntaxKind.AsteriskToken: return a * b;
      case typescript.SyntaxKind.SlashToken: return b === 0 ? undefined : Math.trunc(a / b);
      case typescript.SyntaxKind.PercentToken: return b === 0 ? undefined : a % b;
      case typescript.SyntaxKind.LessThanLessThanToken: return a * 2 ** b;
      case typescript.SyntaxKind.GreaterThanGreaterThanToken: return Math.floor(a / 2 ** b);
      default: return undefined;
    }
  }
  return leaf(e);
}

/** What the lowering classes give this file. */
export interface WorkgroupLowering {
  readonly ctx: LowerContext;
  /** Emits an instruction at `node`. */
  emitAt(node: ts.Node, op: Parameters<LowerContext['w']['emit']>[0], args: Value[], type: Parameters<LowerContext['w']['emit']>[2], attrs?: Record<string, number | string | boolean>): Value;
  /** A literal-like constant's value (literals, named constants), or undefined. */
  constant(e: ts.Expression): number | undefined;
  /** Whether the code being lowered is a kernel body (not an inlined device function). */
  inKernelBody(): boolean;
}

/** Result of lowering one call: a value and its type, or a problem already reported. */
export type WorkgroupResult = { v: Value; t: 'u32' | 'void' | { ptr: ElemType } } | { bad: true };

/** Lowers `qpu.name(...)` for a name in {@link WORKGROUP_INTRINSICS}. */
export function lowerWorkgroupCall(l: WorkgroupLowering, e: ts.CallExpression, name: string): WorkgroupResult {
  const c = l.ctx;
  const fn = c.fn;
  const n = workgroupSizeOf(fn);
  const u32 = (op: Parameters<LowerContext['w']['emit']>[0], args: Value[], attrs?: Record<string, number | string | boolean>): Value => l.emitAt(e, op, args, 'u32', attrs);
  const k = (x: number): Value => c.w.const('u32', x);
  const args = e.arguments;
  const argCount = (max: number): boolean => {
    if (args.length <= max) return true;
    c.error(e, 'argumentCount', [max, args.length]);
    return false;
  };
  /** The optional constant dimension argument. */
  const dim = (): number | undefined => {
    const a = args[0];
    if (!a) return undefined;
    const d = constantExpression(a, (x) => l.constant(x));
    if (d === 0 || d === 1 || d === 2) return d;
    c.error(a, 'dimensionArgument', [name, a.getText(c.file.sf)]);
    return -1;
  };
  const local = (): Value => (n === 16 ? u32('lane_id', []) : u32('local_id', []));
  const numGroups = (d: number): Value => u32('num_groups', [], { dim: d });
  const groupId = (d: number): Value => {
    const g = u32('group_id', []);
    if (d === 0) return u32('rem', [g, numGroups(0)]);
    if (d === 1) return u32('rem', [u32('div', [g, numGroups(0)]), numGroups(1)]);
    return u32('div', [g, u32('mul', [numGroups(0), numGroups(1)])]);
  };
  switch (name) {
    case 'localId':
    case 'groupSize':
      if (!argCount(0)) return { bad: true };
      return { v: name === 'localId' ? local() : k(n), t: 'u32' };
    case 'groupId':
    case 'numGroups':
    case 'globalId':
    case 'globalCount': {
      if (!argCount(1)) return { bad: true };
      const d = dim();
      if (d === -1) return { bad: true };
      if (d === undefined && (name === 'globalId' || name === 'globalCount')) return { v: u32(name === 'globalId' ? 'global_id' : 'global_count', []), t: 'u32' };
      const dd = d ?? 0;
      if (name === 'groupId') return { v: groupId(dd), t: 'u32' };
      if (name === 'numGroups') return { v: numGroups(dd), t: 'u32' };
      if (name === 'globalCount') return { v: dd === 0 ? u32('mul', [numGroups(0), k(n)]) : numGroups(dd), t: 'u32' };
      return { v: dd === 0 ? u32('add', [u32('mul', [groupId(0), k(n)]), local()]) : groupId(dd), t: 'u32' };
    }
    case 'workgroupBarrier':
      if (!argCount(0)) return { bad: true };
      c.w.loc = c.locOf(e);
      c.w.effect('barrier', [], { scope: 'workgroup' });
      return { v: c.w.const('i32', 0), t: 'void' };
    case 'shared':
      return shared(l, e);
  }
  return { bad: true };
}

/** `const tile = qpu.shared<T>(length)`: a new region of this workgroup's shared memory. */
function shared(l: WorkgroupLowering, e: ts.CallExpression): WorkgroupResult {
  const c = l.ctx;
  const decl = e.parent;
  const isConstInit = decl !== undefined && typescript.isVariableDeclaration(decl) && decl.initializer === e &&
    typescript.isVariableDeclarationList(decl.parent) && (decl.parent.flags & typescript.NodeFlags.Const) !== 0;
  if (!isConstInit || !l.inKernelBody()) {
    c.error(e, 'sharedDeclaration');
    return { bad: true };
  }
  const ta = e.typeArguments?.[0];
  const elem = ta && typescript.isTypeReferenceNode(ta) && typescript.isIdentifier(ta.typeName) && !ta.typeArguments ? (ELEM_NAMES as readonly string[]).find((x) => x === (ta.typeName as ts.Identifier).text) as ElemType | undefined : undefined;
  if (!elem || (e.typeArguments?.length ?? 0) !== 1) {
    c.error(ta ?? e, 'sharedElementType', [ta ? ta.getText(c.file.sf) : 'none']);
    return { bad: true };
  }
  const a = e.arguments[0];
  if (e.arguments.length !== 1 || !a) {
    c.error(e, 'argumentCount', [1, e.arguments.length]);
    return { bad: true };
  }
  const length = constantExpression(a, (x) => l.constant(x));
  if (length === undefined || !Number.isInteger(length) || length <= 0) {
    c.error(a, 'sharedLength', [a.getText(c.file.sf)]);
    return { bad: true };
  }
  const fn = c.fn;
  const offset = Math.ceil((fn.sharedBytes ?? 0) / SHARED_ALIGN) * SHARED_ALIGN;
  const end = offset + length * elemSize(elem);
  if (end > MAX_SHARED_BYTES) {
    c.error(e, 'sharedTooLarge', [end, MAX_SHARED_BYTES]);
    return { bad: true };
  }
  fn.sharedBytes = end;
  const t = { ptr: elem };
  return { v: l.emitAt(e, 'shared_ptr', [], t, { offset }), t };
}
