/**
 * Compile-on-first-use: a kernel file is compiled once per runtime (per
 * target) and kept in memory while its files are unchanged, and the machine
 * code is also kept on disk (runtime/disk-cache.ts), so the next run of an
 * unchanged kernel does not compile at all. The compiler (and ts-morph) load
 * only on a miss: hosts that launch cached or precompiled kernels never pay
 * for them.
 */
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import type { Diagnostic } from '../compiler/diagnostics.ts';
import type { IrFunction } from '../compiler/ir/types.ts';
import type { KernelImage } from '../compiler/kernel-image.ts';
import type { Target } from './device.ts';
import { DiskCache } from './disk-cache.ts';
import { RuntimeError, RUNTIME_ERROR_CODES } from './errors.ts';

/** A kernel that does not compile: the message holds every diagnostic, formatted like tsc. */
export class KernelCompileError extends RuntimeError {
  constructor(message: string) {
    super(message, RUNTIME_ERROR_CODES.COMPILE);
  }
}

/** Which kernel of a file: by full name ('Class.method'), or by method name with the class name as seen at run time (maybe renamed by a bundler). */
export interface KernelWanted {
  /** 'Class.method' or 'method'. */
  name?: string;
  /** The class name the engine reports, used to choose between classes with a kernel of the same name. */
  classHint?: string;
}

interface FileEntry<T> {
  /** Modification times of every file the compile read. */
  stamps: Map<string, number>;
  kernels: Map<string, T>;
}

/** Seconds after which a compile says what it is doing. */
const PROGRESS_AFTER_MS = 500;

/** Compiled kernels and lowered IR per file, refreshed when any file they came from changes. */
export class KernelCache {
  private readonly machine = new Map<string, FileEntry<KernelImage>>();
  private readonly irs = new Map<string, FileEntry<IrFunction>>();
  private readonly disk: DiskCache | undefined;

  constructor(
    private readonly target: Target,
    private readonly log: (line: string) => void,
  ) {
    this.disk = DiskCache.open();
  }

  /** Machine code of every kernel of `file`. Throws KernelCompileError with formatted diagnostics. */
  async compiledFile(file: string): Promise<Map<string, KernelImage>> {
    const cached = this.machine.get(file);
    if (cached && unchanged(cached.stamps)) return cached.kernels;
    const options = { target: this.target };
    const fromDisk = this.disk?.get(file, options);
    if (fromDisk) {
      const entry = { stamps: stampsOf(fromDisk.files), kernels: new Map(fromDisk.kernels.map((k) => [k.name, k])) };
      this.machine.set(file, entry);
      return entry.kernels;
    }
    const result = await this.withProgress(file, true, async () => {
      const { compileFile } = await loadCompiler();
      await yieldToTimers();
      return compileFile(file, options);
    });
    if (result.diagnostics.length > 0) throw await compileError(file, result.diagnostics);
    const files = result.files ?? [file];
    this.disk?.put(file, options, files, result.kernels);
    const entry = { stamps: stampsOf(files), kernels: new Map<string, KernelImage>(result.kernels.map((k) => [k.name, k])) };
    this.machine.set(file, entry);
    return entry.kernels;
  }

  /** Lowered, optimised IR of every kernel of `file` (for the reference backend). */
  async irFile(file: string): Promise<Map<string, IrFunction>> {
    const cached = this.irs.get(file);
    if (cached && unchanged(cached.stamps)) return cached.kernels;
    const result = await this.withProgress(file, false, async () => {
      const { loadPreparedKernels } = await loadCompiler();
      await yieldToTimers();
      return loadPreparedKernels(file);
    });
    if (result.diagnostics.length > 0) throw await compileError(file, result.diagnostics);
    const entry = { stamps: stampsOf(result.files ?? [file]), kernels: result.kernels };
    this.irs.set(file, entry);
    return entry.kernels;
  }

  /** Runs a compile; when it takes longer than {@link PROGRESS_AFTER_MS}, says so on the log. */
  private withProgress<T>(file: string, toDisk: boolean, work: () => Promise<T>): Promise<T> {
    const shown = relative(process.cwd(), file);
    const name = shown.startsWith('..') || isAbsolute(shown) ? file : shown;
    const where = toDisk && this.disk ? ` (cached in ${this.disk.dir})` : '';
    return reportSlowWork(this.log, `compiling ${name} for ${this.target}`, `compiled ${name} for ${this.target}`, where, PROGRESS_AFTER_MS, work);
  }
}

/**
 * Runs `work`; if it is still running after `afterMs` (at its next await), logs
 * `qpuc: <doing>…`, and when it took longer than that, `qpuc: <done> in N s<where>`.
 */
export async function reportSlowWork<T>(log: (line: string) => void, doing: string, done: string, where: string, afterMs: number, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  let announced = false;
  const timer = setTimeout(() => {
    announced = true;
    log(`qpuc: ${doing}…`);
  }, afterMs);
  try {
    return await work();
  } finally {
    clearTimeout(timer);
    const ms = performance.now() - start;
    if (announced || ms > afterMs) log(`qpuc: ${done} in ${(ms / 1000).toFixed(1)} s${where}`);
  }
}

/** The one kernel of `kernels` that `wanted` names; a clear error when there is none or several. */
export function pickKernel<T>(kernels: Map<string, T>, file: string, wanted: KernelWanted): [string, T] {
  const names = [...kernels.keys()];
  const available = names.length > 0 ? `its kernels: ${names.join(', ')}` : 'it has no kernels';
  const want = wanted.name;
  if (want === undefined) {
    if (names.length === 1) return [names[0] as string, kernels.get(names[0] as string) as T];
    throw new KernelCompileError(`${file} has ${names.length} kernels (${names.join(', ')}); say which one: 'Class.method'`);
  }
  if (want.includes('.')) {
    const k = kernels.get(want);
    if (k === undefined) throw new KernelCompileError(`${file}: no @kernel named ${want} (${available})`);
    return [want, k];
  }
  const candidates = names.filter((n) => n.slice(n.lastIndexOf('.') + 1) === want);
  if (candidates.length === 0) throw new KernelCompileError(`${file}: no @kernel named ${want} (${available})`);
  let chosen = candidates;
  const hint = wanted.classHint;
  if (chosen.length > 1 && hint) {
    const exact = chosen.filter((n) => n === `${hint}.${want}`);
    // Bundlers rename a class binding by adding '_' in front or a number at the end.
    const plain = hint.replace(/^_+/, '').replace(/\$?\d+$/, '');
    chosen = exact.length > 0 ? exact : chosen.filter((n) => n === `${plain}.${want}`);
  }
  if (chosen.length !== 1) {
    throw new KernelCompileError(`${file}: several classes have a kernel named ${want} (${candidates.join(', ')}); load it by its full name: rt.load(file, '${candidates[0]}')`);
  }
  const name = chosen[0] as string;
  return [name, kernels.get(name) as T];
}

async function loadCompiler(): Promise<typeof import('../compiler/compile.ts')> {
  try {
    return await import('../compiler/compile.ts');
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if ((err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND') && /ts-morph/.test(String(err.message))) {
      throw new KernelCompileError(
        "compiling kernels needs the compiler's dependency ts-morph, which is not installed (was qpuc installed with --omit=optional?): " +
          "install it with 'npm install ts-morph', or launch precompiled kernels: rt.load('build/NAME.TARGET.json') from 'qpuc compile'",
      );
    }
    throw e;
  }
}

/** Lets a due progress timer fire between the compiler's load and its work. */
function yieldToTimers(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function stampsOf(files: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of files) {
    try {
      out.set(f, statSync(f).mtimeMs);
    } catch {
      out.set(f, -1);
    }
  }
  return out;
}

function unchanged(stamps: Map<string, number>): boolean {
  for (const [f, t] of stamps) {
    let now: number;
    try {
      now = statSync(f).mtimeMs;
    } catch {
      now = -1;
    }
    if (now !== t) return false;
  }
  return true;
}

async function compileError(file: string, diagnostics: Diagnostic[]): Promise<KernelCompileError> {
  const { formatDiagnostic } = await import('../compiler/diagnostics.ts');
  const sources = new Map<string, string | undefined>();
  const sourceOf = (f: string): string | undefined => {
    if (!sources.has(f)) {
      try {
        sources.set(f, readFileSync(f, 'utf8'));
      } catch {
        sources.set(f, undefined);
      }
    }
    return sources.get(f);
  };
  const text = diagnostics.map((d) => formatDiagnostic(d, sourceOf(d.file))).join('\n');
  return new KernelCompileError(`${diagnostics.length} error${diagnostics.length === 1 ? '' : 's'} compiling ${file}:\n\n${text}`);
}
