// The on-disk compile cache: where it lives, that a new runtime uses it
// instead of compiling, and that a change to the kernel file or to a file it
// imports compiles again. Expected values are plain JS.
import test from 'ava';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runtime } from '../../runtime/index.ts';
import { cacheDirectory, compilerFingerprint } from '../../runtime/disk-cache.ts';

test('cache directory: QPUC_CACHE=off, QPUC_CACHE_DIR, the project node_modules, else XDG_CACHE_HOME', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'qpuc-cachedir-'));
  const project = join(root, 'project');
  mkdirSync(join(project, 'node_modules'), { recursive: true });
  mkdirSync(join(project, 'src', 'deep'), { recursive: true });
  t.is(cacheDirectory({ QPUC_CACHE: 'off' }, project), undefined);
  t.is(cacheDirectory({ QPUC_CACHE_DIR: 'c' }, project), join(project, 'c'));
  t.is(cacheDirectory({}, join(project, 'src', 'deep')), join(project, 'node_modules', '.cache', 'qpuc'));
  const lonely = join(root, 'elsewhere');
  mkdirSync(lonely);
  // tmpdir() has no node_modules above it on this machine; a path under / that has none is the point.
  t.is(cacheDirectory({ XDG_CACHE_HOME: join(root, 'xdg') }, lonely), join(root, 'xdg', 'qpuc'));
});

const helper = (factor: number) => `import { device, type f32 } from 'qpuc';
export class Helper {
  @device
  static scale(v: f32): f32 {
    return v * ${factor};
  }
}
`;
const kernels = `import { kernel, qpu, type u32, type Ptr } from 'qpuc';
import { Helper } from './helper.ts';
export class K {
  @kernel
  static scaled(n: u32, x: Ptr<f32>, y: Ptr<f32>): void {
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) y[i] = Helper.scale(x[i]!);
  }
  @kernel
  static negated(n: u32, x: Ptr<f32>, y: Ptr<f32>): void {
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) y[i] = -x[i]!;
  }
}
`.replace("type u32, type Ptr }", 'type u32, type f32, type Ptr }');

test('a new runtime takes kernels from the disk cache; changing the file or an import compiles again', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'qpuc-diskcache-'));
  const cache = join(dir, 'cache');
  process.env.QPUC_CACHE_DIR = cache;
  const file = join(dir, 'k.ts');
  writeFileSync(join(dir, 'helper.ts'), helper(2));
  writeFileSync(file, kernels);
  const x = Float32Array.from({ length: 32 }, (_, i) => i - 7.5);
  const run = async (): Promise<number[]> => {
    const rt = await Runtime.open({ backend: 'emulator', log: () => {} });
    const k = await rt.load(file, 'K.scaled');
    const gx = rt.alloc(Float32Array, x.length);
    gx.set(x);
    const gy = rt.alloc(Float32Array, x.length);
    await rt.launch(k, { qpus: 2 }, x.length, gx, gy);
    const out = Array.from(gy);
    rt.close();
    return out;
  };
  t.deepEqual(await run(), Array.from(x, (v) => v * 2));
  const entries = readdirSync(cache);
  t.is(entries.length, 1);
  // Swap the cached machine code of K.scaled for K.negated's: a runtime that uses the cache now negates.
  const path = join(cache, entries[0] as string);
  const entry = JSON.parse(readFileSync(path, 'utf8')) as { kernels: { kernel: string }[] };
  const negated = entry.kernels.find((k) => k.kernel === 'K.negated');
  entry.kernels = entry.kernels.map((k) => (k.kernel === 'K.scaled' && negated ? { ...negated, kernel: 'K.scaled' } : k));
  writeFileSync(path, JSON.stringify(entry));
  t.deepEqual(await run(), Array.from(x, (v) => -v), 'the second run used the cache');
  // A change in the imported helper invalidates the entry.
  writeFileSync(join(dir, 'helper.ts'), helper(3));
  t.deepEqual(await run(), Array.from(x, (v) => v * 3));
  // So does a change in the kernel file itself (a new key).
  writeFileSync(file, `${kernels}// edited\n`);
  t.deepEqual(await run(), Array.from(x, (v) => v * 3));
  t.is(readdirSync(cache).length, 2);
});

test('the key holds a fingerprint of the compiler files: an edited compiler does not reuse old machine code', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'qpuc-fingerprint-'));
  mkdirSync(join(dir, 'backend'));
  writeFileSync(join(dir, 'backend', 'emit.js'), 'export const a = 1;\n');
  const before = compilerFingerprint(dir);
  t.is(compilerFingerprint(dir), before);
  writeFileSync(join(dir, 'backend', 'emit.js'), 'export const a = 12;\n');
  t.not(compilerFingerprint(dir), before);
  t.regex(compilerFingerprint(), /^[0-9a-f]{64}$/);
});

test('a slow compile says so on the log while it runs and when it is done; a fast one says nothing', async (t) => {
  const { reportSlowWork } = await import('../../runtime/kernel-cache.ts');
  const lines: string[] = [];
  const log = (l: string) => void lines.push(l);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  t.is(await reportSlowWork(log, 'compiling k.ts for vc6', 'compiled k.ts for vc6', ' (cached in D)', 30, async () => (await sleep(120), 7)), 7);
  t.is(lines.length, 2);
  t.is(lines[0], 'qpuc: compiling k.ts for vc6…');
  t.regex(lines[1] as string, /^qpuc: compiled k\.ts for vc6 in \d+\.\d s \(cached in D\)$/);
  lines.length = 0;
  await reportSlowWork(log, 'compiling', 'compiled', '', 5_000, async () => 1);
  t.deepEqual(lines, []);
});
