/**
 * The frontend: TypeScript kernel source → SSA IR, one IrFunction per
 * `@kernel` method (device helpers inlined), with diagnostics for anything
 * outside the kernel language. Never throws on bad input.
 */
import type { IrFunction } from '../ir/types.ts';
import type { Diagnostic } from '../diagnostics.ts';
import { makeDiagnostic } from '../diagnostics.ts';
import { createFunction } from '../ir/builder.ts';
import { removeUnreachable } from '../ir/cfg.ts';
import { discover } from './discover.ts';
import { lowerKernel } from './stmt.ts';
import { removeTrivialParams } from '../passes/params.ts';
import { analyzeUniformity } from '../passes/uniformity.ts';

/** Kernels of a file and the problems found. Kernels with errors are left out of `kernels`. */
export interface KernelModule {
  /** IR per kernel, keyed `Class.method`. */
  kernels: Map<string, IrFunction>;
  diagnostics: Diagnostic[];
  /** Source text of every file read, by path (for printing code frames). */
  sources: Map<string, string>;
}

/** Options of {@link loadKernels}. */
export interface LoadOptions {
  /** Source text of `file` (then it is not read from disk; imports still are). */
  source?: string;
  /** Report QPU3007 when the file has no kernels (default true). */
  requireKernels?: boolean;
}

/** Parses `file` and the files it imports, and lowers every `@kernel` method to IR. */
export function loadKernels(file: string, options: LoadOptions = {}): KernelModule {
  const kernels = new Map<string, IrFunction>();
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, string>();
  try {
    const prog = discover(file, options.source);
    for (const [path, sf] of prog.files) sources.set(path, sf.text);
    diagnostics.push(...prog.diagnostics);
    if (prog.diagnostics.some((d) => d.name === 'syntaxError' || d.name === 'fileNotFound')) return { kernels, diagnostics, sources };
    let found = 0;
    for (const [key, m] of prog.methods) {
      if (m.kind !== 'kernel') continue;
      found++;
      const fn = createFunction(key, m.file);
      const before = diagnostics.length;
      try {
        lowerKernel(prog, m, fn, diagnostics);
        removeUnreachable(fn);
        removeTrivialParams(fn);
        analyzeUniformity(fn);
      } catch (e) {
        const { line, character } = m.source.getLineAndCharacterOfPosition(m.decl.getStart(m.source));
        diagnostics.push(makeDiagnostic('internal', [e instanceof Error ? e.message : String(e)], { file: m.file, line: line + 1, col: character + 1 }));
      }
      if (diagnostics.length === before) kernels.set(key, fn);
    }
    if (found === 0 && options.requireKernels !== false) diagnostics.push(makeDiagnostic('noKernels', [], { file, line: 1, col: 1 }));
  } catch (e) {
    diagnostics.push(makeDiagnostic('internal', [e instanceof Error ? e.message : String(e)], { file, line: 1, col: 1 }));
  }
  return { kernels, diagnostics, sources };
}
