#!/usr/bin/env node
// The package build (npm's prepack): qpuc's TypeScript sources to JavaScript
// and declarations in dist/, one output file per source file so the module
// structure (and lazy loading of the compiler) stays as it is. Development
// needs no build: bin/ts-hooks.js runs the sources directly.
//
//   node scripts/build.js          build dist/
//   node scripts/build.js --clean  remove dist/ (npm's postpack)
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';
import { esbuildTsOptions } from '../bin/transform.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
/** Source folders that make up the package; compiler/testing is for the tests only. */
const SOURCES = ['lang', 'compiler', 'runtime', 'cli'];
const EXCLUDED = [join('compiler', 'testing')];

rmSync(dist, { recursive: true, force: true });
if (process.argv.includes('--clean')) process.exit(0);

/** @param {string} dir @returns {string[]} */
function tsFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (EXCLUDED.includes(relative(root, path))) return [];
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/**
 * The kernel library (`qpuc/kernels`): its JavaScript goes to dist/kernels like the rest, and its TypeScript
 * sources ship too (package.json "files": kernels/*.ts), since kernels compile from their source at run time.
 * Each dist/kernels/*.js gets a linked source map naming its kernels/*.ts, which is how the runtime finds the
 * source of a `@kernel` defined in compiled JavaScript (runtime/kernel-source.ts). The sources stay out of
 * dist/ so that TypeScript resolves the package's imports to the declarations, not to the sources.
 */
const LIBRARY = 'kernels';
const entryPoints = SOURCES.flatMap((s) => tsFiles(join(root, s)));
const libraryEntryPoints = tsFiles(join(root, LIBRARY));
const start = performance.now();

// Transpile per file: every import stays an import, with `.ts` specifiers renamed to `.js`.
const common = {
  ...esbuildTsOptions,
  outdir: dist,
  outbase: root,
  bundle: true,
  format: /** @type {const} */ ('esm'),
  platform: /** @type {const} */ ('node'),
  logLevel: /** @type {const} */ ('warning'),
  plugins: [
    {
      name: 'keep-modules',
      /** @param {import('esbuild').PluginBuild} b */
      setup(b) {
        b.onResolve({ filter: /.*/ }, (args) => {
          if (args.kind === 'entry-point') return undefined;
          const path = /^\.\.?\//.test(args.path) ? args.path.replace(/\.ts$/, '.js') : args.path;
          return { path, external: true };
        });
      },
    },
  ],
};
await build({ ...common, entryPoints });
await build({ ...common, entryPoints: libraryEntryPoints, sourcemap: 'linked', sourcesContent: false });

// Declarations by tsc; relative `.ts` specifiers become `.js` as in the JavaScript.
const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

let declarations = 0;
/** @param {string} dir */
function fixDeclarations(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) fixDeclarations(path);
    else if (name.endsWith('.d.ts')) {
      const text = readFileSync(path, 'utf8');
      writeFileSync(path, text.replace(/((?:from|import)\s*\(?\s*)(['"])(\.\.?\/[^'"]*?)\.ts\2/g, '$1$2$3.js$2'));
      declarations++;
    }
  }
}
fixDeclarations(dist);

// The playground page, built once here: an installed qpuc serves it without esbuild or CodeMirror (development dependencies).
const { buildPlayground } = await import('../playground/build.js');
const site = await buildPlayground();
mkdirSync(join(dist, 'playground'), { recursive: true });
let siteBytes = 0;
for (const [name, data] of site) {
  writeFileSync(join(dist, 'playground', name), data);
  siteBytes += data.length;
}
console.error(
  `qpuc build: ${entryPoints.length + libraryEntryPoints.length} modules and ${declarations} declaration files in dist/, the playground (${site.size} files, ${(siteBytes / 1024).toFixed(0)} KiB) in dist/playground/ ` +
    `(${((performance.now() - start) / 1000).toFixed(1)} s)`,
);
