#!/usr/bin/env node
// The qpuc command. In a checkout of qpuc it runs the TypeScript sources through
// the load hook (no build step); an installed package runs the JavaScript in dist/.
// `qpuc run` always registers the hook: host programs are TypeScript.
import { existsSync, readFileSync } from 'node:fs';
import * as nodeModule from 'node:module';

const argv = process.argv.slice(2);
// Answered before loading anything else: a version check should cost no more than starting Node.
if (argv[0] === '--version' || argv[0] === '-v') {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`qpuc ${version}\n`);
  process.exit(0);
}
// Node ≥ 22.1 keeps V8's compiled code of loaded modules on disk: loading the TypeScript parser the
// compiler needs (most of a cold 'qpuc compile') then costs a fraction after the first run. Older Nodes lack it.
// Older Nodes get the same for the big CommonJS dependencies (the TypeScript parser) from bin/code-cache.js.
const { enableCompileCache } = /** @type {{ enableCompileCache?: () => unknown }} */ (nodeModule);
if (enableCompileCache) enableCompileCache();
else (await import('./code-cache.js')).enableCodeCache();
const fromSource = existsSync(new URL('../cli/main.ts', import.meta.url));
if (fromSource || argv[0] === 'run') {
  try {
    import.meta.resolve('esbuild');
  } catch {
    process.stderr.write(
      "qpuc: running TypeScript needs esbuild, one of qpuc's optional dependencies, which is not installed (was qpuc installed with --omit=optional?): " +
        "install it with 'npm install esbuild', or run a JavaScript host with node\n",
    );
    process.exit(1);
  }
  nodeModule.register('./ts-hooks.js', import.meta.url);
}
const { main } = await import(fromSource ? '../cli/main.ts' : '../dist/cli/main.js');
process.exitCode = await main(argv);
