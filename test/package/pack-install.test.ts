// The package as a user gets it: `npm pack`, install the tarball into a fresh
// project in a temporary directory, and run a kernel whose class calls its own
// @device helper every way a host program runs — plain ESM with rt.load, tsx,
// `qpuc run`, tsc's output, Node's type stripping where this Node has it —
// then type-check the project with `tsc --init` defaults. Each host checks its
// result against plain JavaScript and prints "correct".
import test from 'ava';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
// tsx is a devDependency for this test only: it is how many TypeScript users run a host.
const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');

interface Run {
  code: number;
  out: string;
  err: string;
}

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, maxBuffer: 1 << 24, timeout: 180_000 }, (error, out, err) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out: String(out), err: String(err) });
    });
  });
}

/** Whether Node `version` (without the `v`) can run `.ts` files by type stripping (22.6 and later). */
function hasTypeStripping(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 6);
}

/** Installs Node 22 from the npm registry (package node-<platform>-<arch>) under `dir`; returns its binary. */
async function registryNode(dir: string, log: (message: string) => void): Promise<string> {
  const where = join(dir, 'node22');
  const name = `node-${process.platform}-${process.arch}`;
  mkdirSync(where, { recursive: true });
  writeFileSync(join(where, 'package.json'), JSON.stringify({ name: 'node22', private: true }));
  const got = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', `${name}@22.12.0`], where);
  const binary = join(where, 'node_modules', name, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (got.code !== 0 || !existsSync(binary)) {
    throw new Error(`could not install ${name}@22.12.0 from the npm registry to test Node's type stripping (set QPUC_TEST_NODE to a Node >= 22.6 binary instead):\n${got.err}`);
  }
  log(`Node 22.12.0 for the type-stripping step: ${name} from the npm registry`);
  return binary;
}

const check = (what: string) => `
let wrong = 0;
for (let i = 0; i < n; i++) if (y[i] !== Math.fround(Math.fround(x[i] * 2) + 1)) wrong++;
console.log(\`${what}: \${wrong === 0 ? 'correct' : \`\${wrong} wrong\`}\`);
rt.close();
`;
const setup = `
const n = 1000;
const x = rt.alloc(Float32Array, n);
const y = rt.alloc(Float32Array, n);
for (let i = 0; i < n; i++) x[i] = Math.fround(i / 7 - 40);
`;

/** A host in plain JavaScript: the kernel by path. */
const hostMjs = `import { Runtime } from 'qpuc/runtime';
const rt = await Runtime.open({ log: () => {} });
const k = await rt.load(new URL('./kernels/scale.ts', import.meta.url), 'Scale.run');
${setup}
await rt.launch(k, { qpus: 4 }, n, x, y);
${check('mjs')}`;

/** A TypeScript host that imports the kernel class (tsx, qpuc run, tsc output). */
const hostTs = `import { Runtime } from 'qpuc/runtime';
import { Scale } from './kernels/scale.js';
const rt = await Runtime.open({ log: () => {} });
${setup}
await rt.launch(Scale.run, { qpus: 4 }, n, x, y);
${check(`ts`).replace('x[i] * 2', 'x[i]! * 2')}`;

/** A TypeScript host for Node's type stripping: V8 cannot run decorators, so the kernel is loaded by path, not imported. */
const hostStrip = `import { Runtime } from 'qpuc/runtime';
const rt = await Runtime.open({ log: () => {} });
const k = await rt.load(new URL('./kernels/scale.ts', import.meta.url), 'Scale.run');
${setup}
await rt.launch(k, { qpus: 4 }, n, x, y);
${check('strip').replace('x[i] * 2', 'x[i]! * 2')}`;

/**
 * A host of the kernel library (\`qpuc/kernels\`): its kernels are defined in the package's compiled JavaScript,
 * whose source maps lead the runtime to the kernel sources the package ships (kernels/*.ts).
 */
const hostLibrary = (what: string, bang: string) => `import { Runtime } from 'qpuc/runtime';
import { saxpy, sdot } from 'qpuc/kernels';
const rt = await Runtime.open({ log: () => {} });
${setup}
for (let i = 0; i < n; i++) y[i] = 1;
const r = await saxpy(rt, { n, alpha: 2, x, y });
const d = await sdot(rt, { n, x, y: x });
let want = 0;
for (let i = 0; i < n; i++) want += x[i]${bang} * x[i]${bang};
if (r.kernel !== 'Blas1.axpy' || Math.abs(d.value - want) > 1e-4 * want) throw new Error(\`\${r.kernel}: dot \${d.value}, want \${want}\`);
${check(what).replace('x[i] * 2', `x[i]${bang} * 2`)}`;

/** A host on a Pi without the compiler: what \`qpuc compile\` wrote. */
const hostPrecompiled = `import { Runtime } from 'qpuc/runtime';
const rt = await Runtime.open({ log: () => {} });
const k = await rt.load('build/Scale.run.vc6.json');
${setup}
await rt.launch(k, { qpus: 4 }, n, x, y);
${check('precompiled')}`;

test('pack, install into a fresh project, run hosts every way, type-check', async (t) => {
  t.timeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), 'qpuc-pack-'));
  try {
    // 1. Pack (prepack builds dist/, postpack removes it).
    const pack = await run('npm', ['pack', '--json', '--pack-destination', dir], root);
    t.is(pack.code, 0, pack.err);
    const [info] = JSON.parse(pack.out.slice(pack.out.indexOf('['))) as { filename: string; entryCount: number; files: { path: string }[] }[];
    const files = (info?.files ?? []).map((f) => f.path);
    t.log(`tarball: ${info?.filename}, ${info?.entryCount} files`);
    t.deepEqual(files.filter((f) => /(^|\/)(test|tests|fixtures|bench)\/|\.test\./.test(f)), [], 'no tests in the tarball');
    // The kernel library's sources are shipped (kernels compile from source at run time), beside dist/, not in it.
    t.deepEqual(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !/^kernels\/[^/]+\.ts$/.test(f)), [], 'JavaScript and declarations, no TypeScript sources but the kernel library');
    for (const f of ['dist/lang/index.js', 'dist/lang/index.d.ts', 'dist/runtime/index.js', 'dist/runtime/index.d.ts', 'dist/kernels/index.js', 'dist/kernels/index.d.ts', 'dist/kernels/blas1.js.map', 'kernels/blas1.ts', 'bin/qpuc.js']) t.true(files.includes(f), f);
    // The playground's page is built at prepack: an installed qpuc serves it without esbuild or CodeMirror.
    for (const f of ['index.html', 'style.css', 'sw.js', 'app.js', 'worker.js']) t.true(files.includes(`dist/playground/${f}`), `dist/playground/${f}`);
    t.false(existsSync(join(root, 'dist')), 'postpack removed dist/');

    // 2. Install the tarball into a fresh project (dependencies from npm's cache when it has them).
    const project = join(dir, 'project');
    mkdirSync(join(project, 'kernels'), { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
    const install = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(dir, info?.filename ?? '')], project);
    t.is(install.code, 0, install.err);
    cpSync(join(root, 'test/fixtures/identity/scale.ts'), join(project, 'kernels/scale.ts'));
    writeFileSync(join(project, 'host.mjs'), hostMjs);
    writeFileSync(join(project, 'host.ts'), hostTs);
    writeFileSync(join(project, 'host-strip.ts'), hostStrip);
    writeFileSync(join(project, 'host-pi.mjs'), hostPrecompiled);
    writeFileSync(join(project, 'host-lib.mjs'), hostLibrary('library', ''));
    writeFileSync(join(project, 'host-lib.ts'), hostLibrary('library', '!'));
    const qpuc = join(project, 'node_modules', '.bin', 'qpuc');
    const site = await run(qpuc, ['playground', '--build', 'site'], project);
    t.is(site.code, 0, site.err);
    t.deepEqual(readdirSync(join(project, 'site')).sort(), ['app.js', 'index.html', 'style.css', 'sw.js', 'worker.js']);

    // 3. Every way to run a host.
    const expectCorrect = (r: Run, what: string) => t.is(`${r.code} ${r.out.trim()}`, `0 ${what}: correct`, `${what}\n${r.err}`);
    expectCorrect(await run('node', ['host.mjs'], project), 'mjs');
    // The library from plain JavaScript and from TypeScript (its declarations are type-checked in step 4).
    expectCorrect(await run('node', ['host-lib.mjs'], project), 'library');
    expectCorrect(await run('node', [tsx, 'host-lib.ts'], project), 'library');
    expectCorrect(await run('node', [tsx, 'host.ts'], project), 'ts');
    expectCorrect(await run(qpuc, ['run', 'host.ts'], project), 'ts');
    expectCorrect(await run('node', ['--import', 'qpuc/register', 'host.ts'], project), 'ts');
    // tsc's output (decorators lowered: no JavaScript engine runs them natively yet), source maps lead back to kernels/scale.ts.
    const emitted = await run('node', [tsc, '--outDir', 'out', '--sourceMap', '--target', 'es2022', '--module', 'nodenext', '--strict', '--skipLibCheck', 'false', 'host.ts'], project);
    t.is(emitted.code, 0, emitted.out);
    expectCorrect(await run('node', ['out/host.js'], project), 'ts');
    // Node's type stripping (22.6+): this Node, and QPUC_TEST_NODE (another Node binary) when given. When neither
    // has it (CI runs Node 20), a Node 22 comes from the npm registry: Node's own binaries are published there as
    // node-<platform>-<arch>, so the step runs everywhere the registry is reachable.
    const extra = process.env.QPUC_TEST_NODE ?? (hasTypeStripping(process.versions.node) ? undefined : await registryNode(dir, t.log.bind(t)));
    const nodes = [process.execPath, ...(extra ? [extra] : [])];
    let stripped = 0;
    for (const node of nodes) {
      const version = (await run(node, ['--version'], project)).out.trim().replace(/^v/, '');
      const [major = 0, minor = 0] = version.split('.').map(Number);
      if (major < 22 || (major === 22 && minor < 6)) {
        t.log(`node ${version} has no type stripping (22.6+); 'node host-strip.ts' not run with it`);
        continue;
      }
      const flags = major === 22 && minor < 18 ? ['--experimental-strip-types'] : [];
      expectCorrect(await run(node, [...flags, 'host-strip.ts'], project), 'strip');
      t.log(`node ${version}: node host-strip.ts ran`);
      stripped++;
    }
    t.true(stripped >= 1, 'node host-strip.ts ran on at least one Node with type stripping');
    t.is(stripped, (extra ? 1 : 0) + (hasTypeStripping(process.versions.node) ? 1 : 0));

    // 4. tsc --init defaults (strict, nodenext, noUncheckedIndexedAccess, exactOptionalPropertyTypes), with qpuc's declarations checked too.
    const init = await run('node', [tsc, '--init'], project);
    t.is(init.code, 0, init.out);
    rmSync(join(project, 'out'), { recursive: true, force: true });
    const typecheck = await run('node', [tsc, '--noEmit', '--skipLibCheck', 'false'], project);
    t.is(typecheck.code, 0, typecheck.out);
    t.is(typecheck.out.trim(), '');

    // 5. Precompiled kernels run without the compiler: hide ts-morph, as on a Pi installed with --omit=optional.
    const compiled = await run(qpuc, ['compile', 'kernels/scale.ts', '--target', 'vc6', '-o', 'build'], project);
    t.is(compiled.code, 0, compiled.err);
    renameSync(join(project, 'node_modules', 'ts-morph'), join(project, 'node_modules', 'ts-morph.hidden'));
    expectCorrect(await run('node', ['host-pi.mjs'], project, { QPUC_CACHE: 'off' }), 'precompiled');
    const noCompiler = await run('node', ['host.mjs'], project, { QPUC_CACHE: 'off' });
    t.is(noCompiler.code, 1);
    t.regex(noCompiler.err, /compiling kernels needs the compiler's dependency ts-morph, which is not installed/);
    renameSync(join(project, 'node_modules', 'esbuild'), join(project, 'node_modules', 'esbuild.hidden'));
    const noEsbuild = await run(qpuc, ['run', 'host.ts'], project);
    t.is(noEsbuild.code, 1);
    t.regex(noEsbuild.err, /running TypeScript needs esbuild, one of qpuc's optional dependencies/);
    t.log(`project: ${readdirSync(join(project, 'node_modules')).length} top-level packages`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
