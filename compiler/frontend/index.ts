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
import { type CompilerHost, hostOrDefault } from '../host.ts';
import { checkDevice, lowerKernel } from './stmt.ts';
import { removeTrivialParams } from '../passes/params.ts';
import { analyzeUniformity } from '../passes/uniformity.ts';
import { DEFAULT_KERNEL_OPTIONS, readKernelOptions } from './options.ts';
import type { Target } from '../target/targets.ts';

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
  /** Where files are read from (default: Node's file system). */
  host?: CompilerHost;
  /** The target the kernels are for: `@kernel` options are checked against its limits (all targets' when absent). */
  target?: Target;
}

/** Parses `file` and the files it imports, and lowers every `@kernel` method to IR. */
export function loadKernels(file: string, options: LoadOptions = {}): KernelModule {
  const kernels = new Map<string, IrFunction>();
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, string>();
  try {
    const host = hostOrDefault(options.host);
    const prog = discover(file, options.source, host);
    for (const [path, sf] of prog.files) sources.set(path, sf.text);
    diagnostics.push(...prog.diagnostics);
    if (prog.diagnostics.some((d) => d.name === 'syntaxError' || d.name === 'fileNotFound' || d.name === 'nestingTooDeep')) return { kernels, diagnostics, sources };
    let found = 0;
    const called = new Set<string>();
    for (const [key, m] of prog.methods) {
      if (m.kind !== 'kernel') continue;
      found++;
      const fn = createFunction(key, m.file);
      const before = diagnostics.length;
      try {
        const opts = readKernelOptions(prog, m, options.target, diagnostics);
        if (opts.workgroupSize !== DEFAULT_KERNEL_OPTIONS.workgroupSize) fn.workgroupSize = opts.workgroupSize;
        for (const d of lowerKernel(prog, m, fn, diagnostics)) called.add(d);
        const barriers = fn.blocks.flatMap((b) => b.instrs.filter((i) => i.op === 'barrier'));
        const global = barriers.find((i) => i.attrs?.['scope'] === undefined);
        if (global && barriers.some((i) => i.attrs?.['scope'] === 'workgroup')) {
          diagnostics.push(makeDiagnostic('mixedBarriers', [], global.loc ?? { file: m.file, line: 1, col: 1 }));
        }
        removeUnreachable(fn);
        removeTrivialParams(fn);
        analyzeUniformity(fn);
      } catch (e) {
        const { line, character } = m.source.getLineAndCharacterOfPosition(m.decl.getStart(m.source));
        diagnostics.push(makeDiagnostic('internal', [e instanceof Error ? e.message : String(e)], { file: m.file, line: line + 1, col: character + 1 }));
      }
      if (diagnostics.length === before) kernels.set(key, fn);
    }
    // Device functions of the compiled file that no kernel calls are still checked.
    for (const [key, m] of prog.methods) {
      if (m.kind !== 'device' || called.has(key) || m.file !== host.resolve(file)) continue;
      try {
        checkDevice(prog, m, createFunction(key, m.file), diagnostics);
      } catch (e) {
        const { line, character } = m.source.getLineAndCharacterOfPosition(m.decl.getStart(m.source));
        diagnostics.push(makeDiagnostic('internal', [e instanceof Error ? e.message : String(e)], { file: m.file, line: line + 1, col: character + 1 }));
      }
    }
    if (found === 0 && options.requireKernels !== false) diagnostics.push(makeDiagnostic('noKernels', [], { file, line: 1, col: 1 }));
  } catch (e) {
    diagnostics.push(makeDiagnostic('internal', [e instanceof Error ? e.message : String(e)], { file, line: 1, col: 1 }));
  }
  return { kernels, diagnostics: dedupe(diagnostics), sources };
}

/** A device function inlined into several kernels reports each problem once. */
function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = `${d.file}:${d.line}:${d.col}:${d.code}:${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
