// One TypeScript → JavaScript transform shared by the load hook (bin/ts-hooks.js)
// and the esbuild plugin that `qpuc run` bundles host programs with.
import { transformSync } from 'esbuild';

/** esbuild options every qpuc transform uses: Node 20 target, so TC39 decorators are lowered. */
export const esbuildTsOptions = {
  target: 'node20',
  tsconfigRaw: { compilerOptions: { experimentalDecorators: false, verbatimModuleSyntax: true } },
};

/**
 * Code that tells the `@kernel` / `@device` decorators which file they are in.
 * Module bodies run one at a time, so a global set at the top of a module is
 * still current when that module's class decorators run.
 * @param {string} text
 * @param {string} path
 */
export function kernelFilePrologue(text, path) {
  return /@(kernel|device)\b/.test(text) ? `globalThis.__qpucKernelFile = ${JSON.stringify(path)};\n` : '';
}

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
  return kernelFilePrologue(text, path) + out.code;
}
