// Node module hooks that let qpuc's own TypeScript sources (and users' host
// programs) run without a build step: `.ts` files are transpiled by esbuild on
// load. Kernel files are also instrumented so that `@kernel` methods know the
// file they came from (see lang/instrument.js).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transformTypeScript } from './transform.js';

/** @type {import('node:module').LoadHook} */
export async function load(url, context, nextLoad) {
  if (url.startsWith('file:') && /\.(c|m)?ts$/.test(url) && !url.includes('/node_modules/')) {
    const path = fileURLToPath(url);
    const text = await readFile(path, 'utf8');
    return { format: 'module', source: transformTypeScript(text, path), shortCircuit: true };
  }
  return nextLoad(url, context);
}
