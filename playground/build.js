// Builds the playground page (playground/*) into a static site: index.html,
// style.css, sw.js, app.js (page + CodeMirror) and worker.js (the compiler
// core with ts-morph's TypeScript parser, and the emulators). Used by
// `qpuc playground` in a source checkout and by the package build (npm's
// prepack), which ships the result in dist/playground/.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..');
/** Folders whose kernel files make the examples menu. */
const EXAMPLE_DIRS = ['kernels', 'examples'];
/** Copied as they are. */
const STATIC_FILES = ['index.html', 'style.css', 'sw.js'];

/** Kernel files (files declaring a `@kernel`) of examples/ and kernels/, saxpy first. @returns {{ name: string, source: string }[]} */
export function exampleFiles() {
  const out = [];
  for (const dir of EXAMPLE_DIRS) {
    let names = [];
    try {
      names = readdirSync(join(root, dir)).filter((n) => n.endsWith('.ts')).sort();
    } catch {
      continue;
    }
    for (const n of names) {
      const source = readFileSync(join(root, dir, n), 'utf8');
      if (/@kernel\b/.test(source)) out.push({ name: `${dir}/${n}`, source });
    }
  }
  return out.sort((a, b) => Number(b.name === 'kernels/saxpy.ts') - Number(a.name === 'kernels/saxpy.ts'));
}

/**
 * Build the site in memory.
 * @param {{ minify?: boolean }} [options]
 * @returns {Promise<Map<string, Uint8Array>>} file name → contents
 */
export async function buildPlayground(options = {}) {
  const { build } = await import('esbuild');
  const examples = exampleFiles();
  const result = await build({
    entryPoints: { app: join(here, 'app.ts'), worker: join(here, 'worker.ts') },
    bundle: true,
    write: false,
    outdir: '/out',
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: options.minify ?? true,
    legalComments: 'none',
    logLevel: 'silent',
    tsconfigRaw: { compilerOptions: { experimentalDecorators: false, verbatimModuleSyntax: true } },
    plugins: [
      {
        name: 'qpuc-examples',
        setup(b) {
          b.onResolve({ filter: /^qpuc:examples$/ }, () => ({ path: 'examples', namespace: 'qpuc-examples' }));
          b.onLoad({ filter: /.*/, namespace: 'qpuc-examples' }, () => ({ contents: `export const EXAMPLES = ${JSON.stringify(examples)};`, loader: 'js' }));
        },
      },
      {
        // ts-morph itself reads the Node file system; the frontend needs only the TypeScript API it ships.
        name: 'ts-morph-browser',
        setup(b) {
          b.onResolve({ filter: /^ts-morph$/ }, () => ({ path: join(here, 'ts-morph-browser.ts') }));
        },
      },
      {
        // The page runs in a browser: an import of a Node module anywhere in what it bundles is a build error.
        name: 'no-node',
        setup(b) {
          b.onResolve({ filter: /^node:|^koffi$/ }, (args) => ({ errors: [{ text: `${args.path} imported by ${relative(root, args.importer)}: the playground runs in a browser` }] }));
        },
      },
    ],
  });
  const files = new Map();
  for (const f of result.outputFiles) files.set(relative('/out', f.path), f.contents);
  for (const name of STATIC_FILES) files.set(name, new Uint8Array(readFileSync(join(here, name))));
  return files;
}
