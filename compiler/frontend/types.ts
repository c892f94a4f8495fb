/**
 * Kernel-language types as the frontend sees them, and how type annotations
 * in the TypeScript source map to them. To tsc all scalars are `number`, so
 * qpuc types kernels from the annotations' names itself.
 */
import type { ElemType, IrType, ScalarType } from '../ir/types.ts';
import { typeText } from '../ir/types.ts';
import type { ts as TS } from 'ts-morph';

/** A kernel-language type: an IR type, or void for device functions without a result. */
export type LangType = IrType | 'void';

/** Scalar names a local variable or parameter may have. */
export const SCALAR_NAMES: readonly ScalarType[] = ['f32', 'i32', 'u32', 'bool'];
/** Element types Ptr<T> accepts. */
export const ELEM_NAMES: readonly ElemType[] = ['f32', 'i32', 'u32', 'u8', 'u16', 'i8', 'i16'];

/** Printable type name, as diagnostics show it. */
export function langTypeText(t: LangType): string {
  return t === 'void' ? 'void' : typeText(t).replace(/^ptr</, 'Ptr<');
}

/** True when two types are the same. */
export function sameType(a: LangType, b: LangType): boolean {
  return langTypeText(a) === langTypeText(b);
}

/** True for i32 and u32. */
export function isIntType(t: LangType): t is 'i32' | 'u32' {
  return t === 'i32' || t === 'u32';
}

/** True for i32, u32 and f32. */
export function isNumericType(t: LangType): t is 'i32' | 'u32' | 'f32' {
  return t === 'i32' || t === 'u32' || t === 'f32';
}

/** Maps a type annotation to a LangType, or undefined when it is not a kernel type. */
export function typeFromNode(typescript: typeof TS, node: TS.TypeNode): LangType | undefined {
  if (node.kind === typescript.SyntaxKind.VoidKeyword) return 'void';
  if (node.kind === typescript.SyntaxKind.BooleanKeyword) return 'bool';
  if (!typescript.isTypeReferenceNode(node)) return undefined;
  const name = node.typeName.getText();
  const args = node.typeArguments ?? [];
  if (args.length === 0 && (SCALAR_NAMES as readonly string[]).includes(name)) return name as ScalarType;
  if (name === 'Ptr' && args.length === 1) {
    const inner = args[0]!.getText();
    if ((ELEM_NAMES as readonly string[]).includes(inner)) return { ptr: inner as ElemType };
  }
  return undefined;
}
