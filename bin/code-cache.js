// Caches of compiled JavaScript that make a cold `qpuc` start cheaper. Both are
// keyed by content, never needed for correctness, and any failure to read or
// write them is a miss:
// - V8 code cache of big CommonJS dependencies (the TypeScript parser ts-morph
//   ships is 9 MB of JavaScript: compiling it was the largest part of a cold
//   `qpuc compile`). Node ≥ 22.1 does this itself (module.enableCompileCache);
//   this is the same for older Nodes.
// - esbuild's output for TypeScript files run through the load hook
//   (bin/ts-hooks.js): a checkout runs qpuc's own sources, about a hundred
//   files per `qpuc compile`.
// Both live in a directory private to the user, <tmpdir>/qpuc-code-cache-<uid>
// (or $NODE_COMPILE_CACHE/qpuc if set), which may be deleted at any time.
// NODE_DISABLE_COMPILE_CACHE=1 (Node's own switch) turns both off.
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import vm from 'node:vm';

/**
 * A cache directory only this user can write (a shared temporary directory must not let
 * another user plant code), created if missing; undefined when caching is off or impossible.
 * @param {string} name subdirectory
 * @returns {string | undefined}
 */
export function privateCacheDir(name) {
  const env = process.env;
  if (env.NODE_DISABLE_COMPILE_CACHE && env.NODE_DISABLE_COMPILE_CACHE !== '0') return undefined;
  const uid = process.getuid?.();
  const root = env.NODE_COMPILE_CACHE ? join(env.NODE_COMPILE_CACHE, 'qpuc') : join(tmpdir(), `qpuc-code-cache-${uid ?? 'user'}`);
  const dir = join(root, name);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const d of [root, dir]) {
      const s = lstatSync(d);
      if (!s.isDirectory() || (uid !== undefined && s.uid !== uid) || (s.mode & 0o022) !== 0) return undefined;
    }
    return dir;
  } catch {
    return undefined;
  }
}

/**
 * Write `data` to `file` atomically (another process may write the same entry); errors are ignored.
 * @param {string} file
 * @param {string | Uint8Array} data
 */
export function writeCacheFile(file, data) {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data, { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // A cache that cannot be written is a cache that misses next time.
  }
}

/** CommonJS files smaller than this are cheap to compile: not worth a cache file. */
const MIN_SIZE = 256 * 1024;

/**
 * Keep V8's compiled code of big CommonJS modules on disk (what Node ≥ 22.1's
 * module.enableCompileCache does for every module). Call once, before they load.
 */
export function enableCodeCache() {
  const dir = privateCacheDir(`v8-${process.version}-${process.arch}`);
  if (dir === undefined) return;
  const Module = /** @type {any} */ (createRequire(import.meta.url)('node:module'));
  const original = Module.prototype._compile;
  if (typeof original !== 'function' || typeof Module.wrap !== 'function') return;
  /** @type {{ file: string, script: vm.Script }[]} */
  const toWrite = [];
  /** @this {any} @param {string} content @param {string} filename @param {string | undefined} format */
  Module.prototype._compile = function compileWithCache(content, filename, format) {
    if (content.length < MIN_SIZE || (format !== undefined && format !== 'commonjs') || !/\.c?js$/.test(filename)) {
      return original.apply(this, arguments);
    }
    const file = join(dir, `${createHash('sha1').update(filename).update('\0').update(content).digest('hex')}.v8`);
    /** @type {Buffer | undefined} */
    let cachedData;
    try {
      cachedData = readFileSync(file);
    } catch {
      cachedData = undefined;
    }
    /** @type {vm.Script} */
    let script;
    try {
      script = new vm.Script(Module.wrap(content), {
        filename,
        cachedData,
        importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
      });
    } catch {
      // Not plain CommonJS (ES syntax, say): Node's own path decides what it is.
      return original.apply(this, arguments);
    }
    if (cachedData === undefined || script.cachedDataRejected) toWrite.push({ file, script });
    const mod = this;
    const require = Object.assign((/** @type {string} */ id) => mod.require(id), {
      resolve: Object.assign(
        (/** @type {string} */ request, /** @type {unknown} */ options) => Module._resolveFilename(request, mod, false, options),
        { paths: (/** @type {string} */ request) => Module._resolveLookupPaths(request, mod) },
      ),
      main: process.mainModule,
      extensions: Module._extensions,
      cache: Module._cache,
    });
    const wrapper = script.runInThisContext({ displayErrors: true });
    return wrapper.call(mod.exports, mod.exports, require, mod, filename, dirname(filename));
  };
  // Written at exit, so the cache also holds the functions this run compiled lazily.
  process.once('exit', () => {
    for (const { file, script } of toWrite) writeCacheFile(file, script.createCachedData());
  });
}
