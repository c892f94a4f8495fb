/**
 * The TypeScript compiler API the frontend parses kernels with (the copy
 * ts-morph ships). Frontend files import its types as `ts` from ts-morph and
 * its values from here as `typescript`.
 *
 * On Node it is loaded with `require`: an ES import of this CommonJS package
 * makes Node scan its (large) source for export names first, which took about
 * 40 % of a cold `qpuc compile`. No Node module is imported for that
 * (`process.getBuiltinModule`), so the frontend still bundles for a browser,
 * where the ES import is used.
 */
import type { ts } from 'ts-morph';

type TsMorph = { ts: typeof ts };

function requireOnNode(): TsMorph | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const nodeModule = proc?.getBuiltinModule?.('node:module') as { createRequire(url: string): (id: string) => unknown } | undefined;
  return nodeModule ? (nodeModule.createRequire(import.meta.url)('ts-morph') as TsMorph) : undefined;
}

/** The TypeScript API (values: `typescript.isIdentifier`, `typescript.SyntaxKind`…). */
export const typescript: typeof ts = (requireOnNode() ?? ((await import('ts-morph')) as TsMorph)).ts;
