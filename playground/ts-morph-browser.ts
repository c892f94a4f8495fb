/**
 * What the playground's bundle gets for `import('ts-morph')`: only the
 * TypeScript compiler API ts-morph ships. The frontend uses nothing else of
 * ts-morph (it parses one file with `ts.createSourceFile`; no Project, no
 * type checker, so no lib files and no file system), and ts-morph's own code
 * reads the Node file system, which a browser does not have.
 */
// @ts-expect-error: the bundled compiler has no declarations of its own (ts-morph re-exports its types)
import typescript from '@ts-morph/common/dist/typescript.js';
import type { ts as Ts } from 'ts-morph';

/** The TypeScript compiler API. */
export const ts: typeof Ts = typescript as typeof Ts;
