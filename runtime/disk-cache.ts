/**
 * The on-disk compile cache: compiled kernels of a file, keyed by the
 * compiler options, the qpuc version and the file's path and text, and valid
 * while every file the compile read still has the same content.
 *
 * The key also holds a fingerprint of the compiler's files, so a changed
 * compiler (a qpuc checkout) never reuses what an older one compiled.
 *
 * Where: `$QPUC_CACHE_DIR` if set; else `node_modules/.cache/qpuc` of the
 * nearest project (the directory convention of babel, eslint and others);
 * else `$XDG_CACHE_HOME/qpuc` (default `~/.cache/qpuc`). `QPUC_CACHE=off`
 * turns it off. Clearing it is deleting the directory (`qpuc cache clear`).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { QPUC_VERSION } from '../compiler/version.ts';
import { type KernelImage, type KernelImageJson, kernelImageFromJson, kernelImageToJson } from '../compiler/kernel-image.ts';

/** What one cache entry holds. */
interface Entry {
  /** Content hash of every file the compile read. */
  files: [string, string][];
  kernels: KernelImageJson[];
}

/** The cache directory this process uses, or undefined when caching is off. */
export function cacheDirectory(env: Record<string, string | undefined> = process.env, cwd: string = process.cwd()): string | undefined {
  const off = env.QPUC_CACHE?.toLowerCase();
  if (off === 'off' || off === '0' || off === 'false' || off === 'no') return undefined;
  if (env.QPUC_CACHE_DIR) return resolve(cwd, env.QPUC_CACHE_DIR);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules'))) return join(dir, 'node_modules', '.cache', 'qpuc');
    if (dirname(dir) === dir) break;
  }
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'qpuc');
}

/** Compiled kernels on disk. All failures to read or write are misses: the cache never breaks a run. */
export class DiskCache {
  private constructor(
    /** Where the entries are. */
    readonly dir: string,
  ) {}

  /** The cache of this process (from the environment), or undefined when it is off. */
  static open(dir: string | undefined = cacheDirectory()): DiskCache | undefined {
    return dir === undefined ? undefined : new DiskCache(dir);
  }

  /** The kernels compiled from `file` with `options`, if an entry exists and no file it depends on changed. */
  get(file: string, options: object): { kernels: KernelImage[]; files: string[] } | undefined {
    let entry: Entry;
    try {
      entry = JSON.parse(readFileSync(this.entryPath(file, options), 'utf8')) as Entry;
    } catch {
      return undefined;
    }
    try {
      for (const [path, hash] of entry.files) if (hashFile(path) !== hash) return undefined;
      return { kernels: entry.kernels.map((k) => kernelImageFromJson(k)), files: entry.files.map(([f]) => f) };
    } catch {
      return undefined;
    }
  }

  /** Remember the kernels compiled from `file` (which read `files`). */
  put(file: string, options: object, files: readonly string[], kernels: readonly KernelImage[]): void {
    try {
      const entry: Entry = {
        files: files.map((f) => [f, hashFile(f)]),
        kernels: kernels.map((k) => kernelImageToJson(k, QPUC_VERSION)),
      };
      const path = this.entryPath(file, options);
      mkdirSync(this.dir, { recursive: true });
      // Another process may write the same entry: write aside, then rename (atomic on one file system).
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(entry));
      renameSync(tmp, path);
    } catch {
      // A read-only or full disk only costs the next run a compile.
    }
  }

  /** Delete every entry. */
  clear(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private entryPath(file: string, options: object): string {
    const key = createHash('sha256').update(JSON.stringify({ qpuc: QPUC_VERSION, compiler: compilerFingerprint(), options, file, text: hashFile(file) })).digest('hex');
    return join(this.dir, `${key.slice(0, 32)}.json`);
  }
}

let fingerprint: string | undefined;

/**
 * The compiler's own files (names, sizes, modification times): part of the
 * key besides the version, so a compiler changed without a version bump (a
 * checkout of qpuc, `npm link`) never gets machine code of its older self.
 */
export function compilerFingerprint(dir?: string): string {
  if (dir === undefined && fingerprint !== undefined) return fingerprint;
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else hash.update(`${path}\0${st.size}\0${st.mtimeMs}\n`);
    }
  };
  walk(dir ?? fileURLToPath(new URL('../compiler/', import.meta.url)));
  const digest = hash.digest('hex');
  if (dir === undefined) fingerprint = digest;
  return digest;
}

function hashFile(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
