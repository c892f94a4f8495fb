// The compiler core (frontend, IR, passes, backends, ISA tables, emulators)
// bundles for a browser: esbuild with platform 'browser' finds no import of a
// Node built-in module in any of it, and the only packages it needs are the
// compiler's own dependencies. The compiler then runs from in-memory files.
import test from 'ava';
import { builtinModules } from 'node:module';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { compileFile, memoryHost } from '../../compiler/compile.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** The core: everything under these folders, but the command-line front of `qpuc sim` (it reads files; it is CLI code). */
const CORE = ['lang', 'compiler', 'runtime/emulator'];
const NOT_CORE = ['runtime/emulator/vc4/sim-cli.ts', 'compiler/testing'];
/** Packages the core may import (the playground supplies them): the TypeScript parser and the source-map writer. */
const ALLOWED_PACKAGES = ['ts-morph', 'source-map'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (NOT_CORE.includes(relative(root, path))) return [];
    return statSync(path).isDirectory() ? tsFiles(path) : name.endsWith('.ts') ? [path] : [];
  });
}

test('the compiler core bundles for platform browser without any Node built-in', async (t) => {
  const entryPoints = CORE.flatMap((d) => tsFiles(join(root, d)));
  t.true(entryPoints.length > 50, `${entryPoints.length} core modules`);
  const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
  const nodeImports: string[] = [];
  const packages = new Set<string>();
  const result = await build({
    entryPoints,
    bundle: true,
    write: false,
    outdir: 'out',
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    logLevel: 'silent',
    tsconfigRaw: { compilerOptions: { experimentalDecorators: false } },
    plugins: [
      {
        name: 'watch-imports',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) => {
            if (builtins.has(args.path) || args.path.startsWith('node:')) nodeImports.push(`${relative(root, args.importer)} imports ${args.path}`);
            else packages.add(args.path.split('/')[0] as string);
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  t.deepEqual(result.errors, []);
  t.deepEqual(nodeImports, [], 'no Node built-ins in the core');
  t.deepEqual([...packages].filter((p) => !ALLOWED_PACKAGES.includes(p)), []);
});

test('the compiler reads kernel sources through a host: in-memory files that do not exist on disk', (t) => {
  const files = new Map([
    ['/virtual/kernels/scale.ts', "import { kernel, qpu, type f32, type u32, type Ptr } from 'qpuc';\nimport { Twice } from './twice.ts';\nexport class Scale {\n  @kernel\n  static run(n: u32, x: Ptr<f32>, y: Ptr<f32>): void {\n    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) y[i] = Twice.of(x[i]!);\n  }\n}\n"],
    ['/virtual/kernels/twice.ts', "import { device, type f32 } from 'qpuc';\nexport class Twice {\n  @device\n  static of(v: f32): f32 {\n    return v * 2;\n  }\n}\n"],
  ]);
  const result = compileFile('/virtual/kernels/scale.ts', { target: 'vc6', host: memoryHost(files) });
  t.deepEqual(result.diagnostics, []);
  t.deepEqual(result.kernels.map((k) => k.name), ['Scale.run']);
  t.deepEqual(result.files, ['/virtual/kernels/scale.ts', '/virtual/kernels/twice.ts']);
  const missing = compileFile('/virtual/kernels/none.ts', { target: 'vc6', host: memoryHost(files) });
  t.deepEqual(missing.diagnostics.map((d) => d.code), [3006]);
});

test('the whole compiler, ts-morph included, bundled for a browser, compiles a kernel with no Node globals', async (t) => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { spawnSync } = await import('node:child_process');
  const dir = mkdtempSync(join(tmpdir(), 'qpuc-browser-'));
  const entry = join(dir, 'entry.ts');
  writeFileSync(entry, `export { compileFile, memoryHost } from ${JSON.stringify(join(root, 'compiler/compile.ts'))};\n`);
  const out = await build({ entryPoints: [entry], bundle: true, write: false, platform: 'browser', format: 'esm', target: 'es2022', logLevel: 'silent' });
  t.deepEqual(out.errors, []);
  const bundle = join(dir, 'core.mjs');
  writeFileSync(bundle, out.outputFiles[0]?.text ?? '');
  // A fresh Node process with `process` hidden while the bundle loads: TypeScript and qpuc see no Node.
  const runner = join(dir, 'run.mjs');
  writeFileSync(
    runner,
    `const saved = globalThis.process;
globalThis.process = undefined;
const m = await import(${JSON.stringify(bundle)});
globalThis.process = saved;
const source = "import { kernel, device, qpu, type f32, type u32, type Ptr } from 'qpuc';\\nexport class S {\\n  @device static twice(v: f32): f32 { return v * 2; }\\n  @kernel static run(n: u32, x: Ptr<f32>): void { for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) x[i] = S.twice(x[i]!); }\\n}\\n";
const r = m.compileFile('/k/s.ts', { target: 'vc6', host: m.memoryHost(new Map([['/k/s.ts', source]])) });
console.log(JSON.stringify({ diagnostics: r.diagnostics.length, kernels: r.kernels.map((k) => k.name), words: r.kernels[0]?.code.length / 8 }));
`,
  );
  const r = spawnSync(process.execPath, [runner], { encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout) as { diagnostics: number; kernels: string[]; words: number };
  t.deepEqual([res.diagnostics, res.kernels], [0, ['S.run']]);
  t.true(res.words > 10);
});
