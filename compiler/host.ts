/**
 * What the compiler needs from its surroundings: reading source files and
 * handling paths. The compiler core (frontend, IR, passes, backends, ISA
 * tables) imports no Node module, so it bundles for a browser; on Node it
 * uses the file system through `process.getBuiltinModule` (no import), and
 * anywhere else the caller passes a host, e.g. {@link memoryHost}.
 */

/** File access and path handling for one compilation. */
export interface CompilerHost {
  /** A file's text, or undefined when it cannot be read. */
  readFile(path: string): string | undefined;
  /** Whether a file exists. */
  fileExists(path: string): boolean;
  /** An absolute, normalised path from segments (as node:path's resolve). */
  resolve(...segments: string[]): string;
  /** The directory part of a path. */
  dirname(path: string): string;
  /** `to` relative to the directory `from`. */
  relative(from: string, to: string): string;
}

interface NodeFs {
  readFileSync(path: string, encoding: 'utf8'): string;
  existsSync(path: string): boolean;
}
interface NodePath {
  resolve(...segments: string[]): string;
  dirname(path: string): string;
  relative(from: string, to: string): string;
}

let nodeHostCache: CompilerHost | undefined;

/** The Node file system as a host, or undefined off Node (Node ≥ 20.16 has `process.getBuiltinModule`). */
export function nodeHost(): CompilerHost | undefined {
  if (nodeHostCache) return nodeHostCache;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const fs = proc?.getBuiltinModule?.('node:fs') as NodeFs | undefined;
  const path = proc?.getBuiltinModule?.('node:path') as NodePath | undefined;
  if (!fs || !path) return undefined;
  nodeHostCache = {
    readFile: (p) => {
      try {
        return fs.readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    },
    fileExists: (p) => fs.existsSync(p),
    resolve: (...s) => path.resolve(...s),
    dirname: (p) => path.dirname(p),
    relative: (a, b) => path.relative(a, b),
  };
  return nodeHostCache;
}

/** The host to use: the one given, else Node's; a clear error where there is neither. */
export function hostOrDefault(host: CompilerHost | undefined): CompilerHost {
  const h = host ?? nodeHost();
  if (!h) throw new Error('qpuc: no file system here; pass a CompilerHost (for example memoryHost(files)) to the compiler');
  return h;
}

/** POSIX path handling without Node (for browser hosts). */
export const posixPaths = {
  resolve(...segments: string[]): string {
    let path = '';
    for (const s of segments) path = s.startsWith('/') ? s : `${path}/${s}`;
    const out: string[] = [];
    for (const part of path.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') out.pop();
      else out.push(part);
    }
    return `/${out.join('/')}`;
  },
  dirname(path: string): string {
    const i = path.lastIndexOf('/');
    return i <= 0 ? '/' : path.slice(0, i);
  },
  relative(from: string, to: string): string {
    const a = posixPaths.resolve(from).split('/').filter(Boolean);
    const b = posixPaths.resolve(to).split('/').filter(Boolean);
    let k = 0;
    while (k < a.length && k < b.length && a[k] === b[k]) k++;
    return [...a.slice(k).map(() => '..'), ...b.slice(k)].join('/');
  },
};

/** A host over in-memory files (absolute POSIX paths → text): a browser playground, tests. */
export function memoryHost(files: ReadonlyMap<string, string>): CompilerHost {
  return {
    readFile: (p) => files.get(posixPaths.resolve(p)),
    fileExists: (p) => files.has(posixPaths.resolve(p)),
    ...posixPaths,
  };
}
