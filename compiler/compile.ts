/**
 * The compiler driver: a kernel source file in, machine code per kernel out,
 * for one target. Used by `qpuc compile` and by the runtime's compile cache.
 */
import { TARGETS, type Target } from './target/targets.ts';
import type { IrFunction } from './ir/types.ts';
import { loadKernels } from './frontend/index.ts';
import type { CompilerHost } from './host.ts';
export { type CompilerHost, memoryHost } from './host.ts';
import { prepareForBackend, prepareOptionsFor } from './passes/pipeline.ts';
import { uniformityViolations } from './passes/uniform-rules.ts';
import { type Diagnostic, makeDiagnostic } from './diagnostics.ts';
import { BackendError, compileFunction, hasBackend, type CompiledKernel } from './backend/index.ts';
import { RegisterPressureError } from './backend/common/regalloc.ts';

export type { CompiledKernel } from './backend/index.ts';

/** The result of compiling a file: kernels that compiled, and every diagnostic. */
export interface CompileResult {
  kernels: CompiledKernel[];
  diagnostics: Diagnostic[];
  /** Every source file the compile read (the file and the files it imports): what a cache of the result depends on. */
  files?: string[];
}

/** Options of {@link compileFile}. */
export interface CompileOptions {
  target: Target;
  /** The text of `file` (then it is not read from disk; its imports still are). */
  source?: string;
  /** Only these kernels ('Class.method'); default all. */
  only?: string[];
  /** Where source files are read from (default: Node's file system; pass one elsewhere, e.g. memoryHost). */
  host?: CompilerHost;
}

/** Load the kernels IR of a file, prepared for a backend (no machine code); for `target` when given (loop unrolling follows its TMU depth). */
export function loadPreparedKernels(file: string, source?: string, host?: CompilerHost, target?: Target): { kernels: Map<string, IrFunction>; diagnostics: Diagnostic[]; files: string[] } {
  const mod = loadKernels(file, { ...(source !== undefined ? { source } : {}), ...(host ? { host } : {}), ...(target ? { target } : {}) });
  const kernels = new Map<string, IrFunction>();
  const diagnostics = [...mod.diagnostics];
  const options = target ? prepareOptionsFor(TARGETS[target]) : {};
  for (const [name, fn] of mod.kernels) {
    const at = firstLoc(fn) ?? { file, line: 1, col: 1 };
    try {
      const broken = uniformityViolations(fn);
      if (broken.length > 0) {
        for (const v of broken) {
          const args = v.rule === 'varyingLaneArgument' ? [v.op === 'rotate' ? 'amount' : 'lane', v.op] : v.op === 'workgroupBarrier' ? ['workgroupBarrier', 'of the workgroup'] : ['barrier', 'of every QPU'];
          diagnostics.push(makeDiagnostic(v.rule, args, v.loc ?? at));
        }
        continue;
      }
      kernels.set(name, prepareForBackend(fn, options));
    } catch (e) {
      diagnostics.push(internalDiagnostic(e, at));
    }
  }
  return { kernels, diagnostics, files: [...mod.sources.keys()] };
}

function firstLoc(fn: IrFunction): { file: string; line: number; col: number } | undefined {
  for (const b of fn.blocks) for (const i of b.instrs) if (i.loc) return i.loc;
  return undefined;
}

/** A compiler bug (or an unforeseen limit) as a QPU9001 diagnostic at the kernel, never an escaping exception. */
function internalDiagnostic(e: unknown, at: { file: string; line: number; col: number }): Diagnostic {
  const text = e instanceof RangeError && /call stack/i.test(e.message) ? 'the kernel is too large or too deeply nested (stack overflow)' : e instanceof Error ? e.message : String(e);
  return makeDiagnostic('internal', [text], at);
}

/** Compile every `@kernel` of `file` for `options.target`. Never throws for bad input: see `diagnostics`. */
export function compileFile(file: string, options: CompileOptions): CompileResult {
  const { kernels: prepared, diagnostics, files } = loadPreparedKernels(file, options.source, options.host, options.target);
  const out: CompiledKernel[] = [];
  if (diagnostics.length > 0) return { kernels: out, diagnostics, files };
  for (const [name, ir] of prepared) {
    if (options.only && !options.only.includes(name)) continue;
    if (!hasBackend(options.target)) {
      const first = ir.blocks.flatMap((b) => b.instrs).find((i) => i.loc)?.loc;
      diagnostics.push(makeDiagnostic('noBackend', [name, options.target], first ?? { file, line: 1, col: 1 }));
      continue;
    }
    try {
      out.push(compileFunction(name, ir, options.target));
    } catch (e) {
      if (e instanceof BackendError || e instanceof RegisterPressureError) {
        const loc = e instanceof BackendError ? e.loc : undefined;
        diagnostics.push(
          makeDiagnostic('backendUnsupported', [options.target, e.message], loc ?? { file, line: 1, col: 1 }),
        );
      } else diagnostics.push(internalDiagnostic(e, firstLoc(ir) ?? { file, line: 1, col: 1 }));
    }
  }
  return { kernels: out, diagnostics, files };
}

