// Node module hooks that let qpuc's own TypeScript sources and users' host
// programs run without a build step: `.ts` files are transpiled by esbuild on
// load, and a relative `./x.js` import finds `./x.ts` when only that exists
// (the convention tsc users write).
//
// esbuild's output is kept on disk by content (bin/code-cache.js): a checkout
// runs about a hundred source files per `qpuc compile`, and transpiling them
// all again at every start was most of its cold start. esbuild itself is
// loaded only when a file is not in that cache.
import { readFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { privateCacheDir, writeCacheFile } from './code-cache.js';

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

/**
 * The transpiled-output cache: its directory and what every key includes besides a file's path
 * and text (the esbuild version and this transform's code, so a change to either misses).
 * @type {{ dir: string, salt: string } | undefined | null} null until first used
 */
let cache = null;

function openCache() {
  try {
    const esbuildMain = createRequire(import.meta.url).resolve('esbuild');
    const esbuildPackage = readFileSync(join(dirname(esbuildMain), '..', 'package.json'), 'utf8');
    const transform = readFileSync(new URL('./transform.js', import.meta.url), 'utf8');
    const salt = createHash('sha1').update(esbuildPackage).update('\0').update(transform).digest('hex');
    const dir = privateCacheDir('ts');
    return dir === undefined ? undefined : { dir, salt };
  } catch {
    return undefined;
  }
}

/** @type {typeof import('./transform.js').transformTypeScript | undefined} */
let transformTypeScript;

/**
 * esbuild's JavaScript for one TypeScript file, from the cache when it has it.
 * @param {string} text
 * @param {string} path
 */
async function transpile(text, path) {
  if (cache === null) cache = openCache();
  const entry = cache && join(cache.dir, `${createHash('sha1').update(cache.salt).update('\0').update(path).update('\0').update(text).digest('hex')}.js`);
  if (entry) {
    try {
      return await readFile(entry, 'utf8');
    } catch {
      // Not cached yet.
    }
  }
  transformTypeScript ??= (await import('./transform.js')).transformTypeScript;
  const code = transformTypeScript(text, path);
  if (entry) writeCacheFile(entry, code);
  return code;
}

/** @type {import('node:module').LoadHook} */
export async function load(url, context, nextLoad) {
  if (url.startsWith('file:') && /\.(c|m)?ts$/.test(url)) {
    const path = fileURLToPath(url);
    const text = await readFile(path, 'utf8');
    return { format: 'module', source: await transpile(text, path), shortCircuit: true };
  }
  return nextLoad(url, context);
}
