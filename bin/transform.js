// One TypeScript → JavaScript transform shared by the load hook (bin/ts-hooks.js)
// (used by `qpuc run`, the tests and the benches). Kernel files need nothing
// special: `@kernel` finds its own file from the call stack (lang/index.ts).
import { transformSync } from 'esbuild';

/** esbuild options every qpuc transform uses: Node 20 target, so TC39 decorators are lowered. */
export const esbuildTsOptions = {
  target: 'node20',
  tsconfigRaw: { compilerOptions: { experimentalDecorators: false, verbatimModuleSyntax: true } },
};

/**
 * Transpile one TypeScript file to an ES module with an inline source map.
 * @param {string} text
 * @param {string} path
 */
export function transformTypeScript(text, path) {
  const out = transformSync(text, {
    ...esbuildTsOptions,
    loader: 'ts',
    format: 'esm',
    sourcefile: path,
    sourcemap: 'inline',
  });
  return out.code;
}
