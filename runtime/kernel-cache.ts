/**
 * Compile-on-first-use cache: a kernel is compiled once per runtime (per
 * target), keyed by its file, name and the file's modification time.
 */
import { statSync } from 'node:fs';
import type { CompiledKernel } from '../compiler/backend/index.ts';
import type { Diagnostic } from '../compiler/diagnostics.ts';
import type { IrFunction } from '../compiler/ir/types.ts';
import type { Target } from './device.ts';
import { readFileSync } from 'node:fs';
import { RuntimeError, RUNTIME_ERROR_CODES } from './errors.ts';

/** A kernel to run: by source file and name, or already compiled. */
export type KernelRef = { name: string; file: string; compiled?: undefined } | { name: string; compiled: CompiledKernel; file?: undefined };

/** A kernel that does not compile: the message holds every diagnostic, formatted like tsc. */
export class KernelCompileError extends RuntimeError {
  constructor(message: string) {
    super(message, RUNTIME_ERROR_CODES.COMPILE);
  }
}

/** Compiled kernels and lowered IR per file, refreshed when the file changes. */
export class KernelCache {
  private readonly machine = new Map<string, { mtime: number; kernels: Map<string, CompiledKernel> }>();
  private readonly irs = new Map<string, { mtime: number; kernels: Map<string, IrFunction> }>();

  constructor(private readonly target: Target) {}

  /** Machine code of a kernel. Throws KernelCompileError with formatted diagnostics. */
  async compiled(ref: KernelRef): Promise<CompiledKernel> {
    if (ref.compiled) return ref.compiled;
    const mtime = statSync(ref.file).mtimeMs;
    let entry = this.machine.get(ref.file);
    if (!entry || entry.mtime !== mtime) {
      // The compiler (and ts-morph) load on first use: hosts that launch precompiled kernels never pay for them.
      const { compileFile } = await import('../compiler/compile.ts');
      const result = compileFile(ref.file, { target: this.target });
      if (result.diagnostics.length > 0) throw await compileError(ref.file, result.diagnostics);
      entry = { mtime, kernels: new Map(result.kernels.map((k) => [k.name, k])) };
      this.machine.set(ref.file, entry);
    }
    const k = entry.kernels.get(ref.name);
    if (!k) throw new KernelCompileError(`${ref.file}: no @kernel named ${ref.name}`);
    return k;
  }

  /** Lowered, optimised IR of a kernel (for the reference backend). */
  async ir(ref: KernelRef): Promise<IrFunction> {
    if (ref.compiled) return ref.compiled.ir;
    const mtime = statSync(ref.file).mtimeMs;
    let entry = this.irs.get(ref.file);
    if (!entry || entry.mtime !== mtime) {
      const { loadPreparedKernels } = await import('../compiler/compile.ts');
      const result = loadPreparedKernels(ref.file);
      if (result.diagnostics.length > 0) throw await compileError(ref.file, result.diagnostics);
      entry = { mtime, kernels: result.kernels };
      this.irs.set(ref.file, entry);
    }
    const k = entry.kernels.get(ref.name);
    if (!k) throw new KernelCompileError(`${ref.file}: no @kernel named ${ref.name}`);
    return k;
  }
}

async function compileError(file: string, diagnostics: Diagnostic[]): Promise<KernelCompileError> {
  const { formatDiagnostic } = await import('../compiler/diagnostics.ts');
  let source: string | undefined;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    source = undefined;
  }
  const text = diagnostics.map((d) => formatDiagnostic(d, d.file === file ? source : undefined)).join('\n');
  return new KernelCompileError(`${diagnostics.length} error${diagnostics.length === 1 ? '' : 's'} compiling ${file}:\n\n${text}`);
}
