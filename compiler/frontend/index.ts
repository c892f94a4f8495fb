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
import { type CompilerHost, hostOrDefault } from '../host.ts';
import { checkDevice, lowerKernel } from './stmt.ts';
import { removeTrivialParams } from '../passes/params.ts';
import { analyzeUniformity } from '../passes/uniformity.ts';
import { diagAt, discover, type MethodInfo } from './discover.ts';
import { typescript } from './typescript.ts';
import type { ts } from 'ts-morph';
import { maxWorkgroupSize, type Target } from '../target/targets.ts';

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
        const size = m.options.workgroupSize;
        if (size !== undefined && size !== 16) fn.workgroupSize = size;
        if (m.options.noalias === true) fn.noalias = true;
        if (m.options.threadSwitch === true) fn.threadSwitch = true;
        // discover.ts checked the value against every target's limit; the target compiled for may hold fewer.
        if (size !== undefined && options.target && size > maxWorkgroupSize(options.target)) {
          const at = workgroupSizeNode(m) ?? m.decl;
          diagnostics.push(diagAt(m.source, m.file, at, 'workgroupSizeTooLarge', [size, maxWorkgroupSize(options.target), options.target]));
        }
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

/** The value of `workgroupSize` in a kernel's `@kernel({ … })`, for diagnostics. */
function workgroupSizeNode(m: MethodInfo): ts.Node | undefined {
  const call = m.decorator?.expression;
  const arg = call && typescript.isCallExpression(call) ? call.arguments[0] : undefined;
  if (!arg || !typescript.isObjectLiteralExpression(arg)) return undefined;
  for (const p of arg.properties) {
    if (typescript.isPropertyAssignment(p) && (typescript.isIdentifier(p.name) || typescript.isStringLiteral(p.name)) && p.name.text === 'workgroupSize') return p.initializer;
  }
  return undefined;
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
