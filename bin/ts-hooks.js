// Node module hooks that let qpuc's own TypeScript sources and users' host
// programs run without a build step: `.ts` files are transpiled by esbuild on
// load, and a relative `./x.js` import finds `./x.ts` when only that exists
// (the convention tsc users write).
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transformTypeScript } from './transform.js';

// This qpuc's own package.json: 'qpuc' imports that find no installed copy resolve here (self-reference).
const QPUC_PACKAGE = new URL('../package.json', import.meta.url).href;
// In a checkout of qpuc (sources present, no build), package.json's 'qpuc-source' export condition
// points 'qpuc' and 'qpuc/runtime' at the TypeScript sources; an installed package uses dist/.
const FROM_SOURCE = existsSync(fileURLToPath(new URL('../lang/index.ts', import.meta.url)));

/** @type {import('node:module').ResolveHook} */
export async function resolve(specifier, context, nextResolve) {
  if (FROM_SOURCE && /^qpuc(\/|$)/.test(specifier)) context = { ...context, conditions: [...context.conditions, 'qpuc-source'] };
  try {
    return await nextResolve(specifier, context);
  } catch (e) {
    // A host program run by `qpuc run` outside a project that installs qpuc still gets this qpuc.
    if (/^qpuc(\/|$)/.test(specifier)) return nextResolve(specifier, { ...context, parentURL: QPUC_PACKAGE });
    if ((specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:')) && /\.(m|c)?js$/.test(specifier) && context.parentURL) {
      const tsUrl = new URL(specifier.replace(/\.(m|c)?js$/, '.$1ts'), context.parentURL);
      if (existsSync(fileURLToPath(tsUrl))) return nextResolve(tsUrl.href, context);
    }
    throw e;
  }
}

/** @type {import('node:module').LoadHook} */
export async function load(url, context, nextLoad) {
  if (url.startsWith('file:') && /\.(c|m)?ts$/.test(url)) {
    const path = fileURLToPath(url);
    const text = await readFile(path, 'utf8');
    return { format: 'module', source: transformTypeScript(text, path), shortCircuit: true };
  }
  return nextLoad(url, context);
}
