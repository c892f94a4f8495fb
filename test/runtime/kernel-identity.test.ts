// A launched @kernel method is found in its TypeScript source however the host
// was transpiled: esbuild per file (as tsx does), an esbuild bundle with a
// source map (classes renamed to _Scale), compiled JavaScript beside its
// source; and legacy decorators fail loudly. Expected values are plain JS.
import test from 'ava';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, transform } from 'esbuild';
import { Runtime } from '../../runtime/index.ts';
import { kernelInfo } from '../../lang/index.ts';
import { pickKernel } from '../../runtime/kernel-cache.ts';

const fixtures = fileURLToPath(new URL('../fixtures/identity/', import.meta.url));
const lang = fileURLToPath(new URL('../../lang/index.ts', import.meta.url));
const quiet = { backend: 'emulator' as const, log: () => {} };

type Kernels = Record<string, unknown>;

/** Launches Scale.run, Shift.run and Fill.run as `mod` exports them and checks the results against plain JS. */
async function checkAll(t: import('ava').ExecutionContext, mod: Kernels, names: string[]): Promise<void> {
  const rt = await Runtime.open(quiet);
  const n = 40;
  const x = rt.alloc(Float32Array, n);
  for (let i = 0; i < n; i++) x[i] = Math.fround(i * 0.75 - 5);
  for (const cls of names) {
    const run = (mod[cls] as { run: unknown }).run;
    if (cls === 'Fill') {
      const y = rt.alloc(Uint32Array, n);
      const r = await rt.launch(run, { qpus: 1 }, n, y);
      t.is(r.kernel, 'Fill.run');
      t.deepEqual(Array.from(y), Array.from({ length: n }, (_, i) => i * 7));
      continue;
    }
    const y = rt.alloc(Float32Array, n);
    const r = await rt.launch(run, { qpus: 2 }, n, x, y);
    t.is(r.kernel, `${cls}.run`);
    const expected = Array.from(x, (v) => (cls === 'Scale' ? Math.fround(Math.fround(v * 2) + 1) : Math.fround(v - 3)));
    t.deepEqual(Array.from(y), expected, cls);
  }
  rt.close();
}

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'qpuc-identity-'));
}

test('esbuild per-file transpile (as tsx runs a host): the class is renamed, the kernel is still found', async (t) => {
  const dir = scratch();
  // The transpiled module sits in another directory than its source; an inline source map leads back.
  const out = join(dir, 'out');
  mkdirSync(out);
  const src = join(fixtures, 'scale.ts');
  const { readFileSync } = await import('node:fs');
  const r = await transform(readFileSync(src, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20', sourcemap: 'inline', sourcefile: src });
  writeFileSync(join(out, 'scale.js'), r.code.replace("from 'qpuc'", `from ${JSON.stringify(pathToFileURL(lang).href)}`).replace('from "qpuc"', `from ${JSON.stringify(pathToFileURL(lang).href)}`));
  const mod = (await import(pathToFileURL(join(out, 'scale.js')).href)) as Kernels;
  const info = kernelInfo((mod.Scale as { run: unknown }).run);
  t.truthy(info);
  t.not(info?.className, 'Scale', 'esbuild renamed the class binding, as in the bug report');
  await checkAll(t, mod, ['Scale', 'Shift']);
});

test('an esbuild bundle of two kernel files with an external source map', async (t) => {
  const dir = scratch();
  const outfile = join(dir, 'bundle.js');
  await build({
    entryPoints: [join(fixtures, 'entry.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'external',
    outfile,
    logLevel: 'silent',
    alias: { qpuc: lang },
  });
  const mod = (await import(pathToFileURL(outfile).href)) as Kernels;
  await checkAll(t, mod, ['Scale', 'Shift', 'Fill']);
});

test('compiled JavaScript with its .ts beside it, and without: found, or a clear error', async (t) => {
  const dir = scratch();
  const src = join(fixtures, 'other.ts');
  const { readFileSync } = await import('node:fs');
  const r = await transform(readFileSync(src, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20' });
  const code = r.code.replace(/from ["']qpuc["']/, `from ${JSON.stringify(pathToFileURL(lang).href)}`);
  writeFileSync(join(dir, 'other.js'), code);
  copyFileSync(src, join(dir, 'other.ts'));
  await checkAll(t, (await import(pathToFileURL(join(dir, 'other.js')).href)) as Kernels, ['Fill']);

  const lonely = join(dir, 'lonely');
  mkdirSync(lonely);
  writeFileSync(join(lonely, 'other.js'), code);
  const mod = (await import(pathToFileURL(join(lonely, 'other.js')).href)) as Kernels;
  const rt = await Runtime.open(quiet);
  await t.throwsAsync(rt.launch((mod.Fill as { run: unknown }).run, { qpus: 1 }, 1, rt.alloc(Uint32Array, 1)), {
    message: /compiled JavaScript with no source map and no \.ts file beside it.*sourceMap.*rt\.load\('path\/to\/kernel\.ts', 'run'\)/s,
  });
  rt.close();
});

test('experimentalDecorators: @kernel throws a clear error when the class is defined', async (t) => {
  const dir = scratch();
  const src = join(fixtures, 'other.ts');
  const { readFileSync } = await import('node:fs');
  const r = await transform(readFileSync(src, 'utf8'), {
    loader: 'ts',
    format: 'esm',
    target: 'node20',
    tsconfigRaw: { compilerOptions: { experimentalDecorators: true } },
  });
  writeFileSync(join(dir, 'legacy.js'), r.code.replace(/from ["']qpuc["']/, `from ${JSON.stringify(pathToFileURL(lang).href)}`));
  await t.throwsAsync(import(pathToFileURL(join(dir, 'legacy.js')).href), {
    instanceOf: TypeError,
    message: /@kernel is a standard \(TC39\) decorator, but this code was compiled with TypeScript's experimentalDecorators: remove "experimentalDecorators"/,
  });
});

test('choosing among kernels of one file: by full name, by method, by a renamed class name', (t) => {
  const ks = new Map([
    ['Scale.run', 1],
    ['Shift.run', 2],
    ['Shift.other', 3],
  ]);
  t.deepEqual(pickKernel(ks, 'f.ts', { name: 'Shift.run' }), ['Shift.run', 2]);
  t.deepEqual(pickKernel(ks, 'f.ts', { name: 'other' }), ['Shift.other', 3]);
  t.deepEqual(pickKernel(ks, 'f.ts', { name: 'run', classHint: '_Scale' }), ['Scale.run', 1]);
  t.deepEqual(pickKernel(ks, 'f.ts', { name: 'run', classHint: 'Shift2' }), ['Shift.run', 2]);
  t.throws(() => pickKernel(ks, 'f.ts', { name: 'run' }), { message: /several classes have a kernel named run \(Scale\.run, Shift\.run\)/ });
  t.throws(() => pickKernel(ks, 'f.ts', {}), { message: /has 3 kernels .*say which one/ });
  t.throws(() => pickKernel(ks, 'f.ts', { name: 'Nope.run' }), { message: /no @kernel named Nope\.run \(its kernels: Scale\.run, Shift\.run, Shift\.other\)/ });
});
