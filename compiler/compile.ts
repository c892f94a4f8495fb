/**
 * The compiler driver: a kernel source file in, machine code per kernel out,
 * for one target. Used by `qpuc compile` and by the runtime's compile cache.
 */
import type { Target } from '../runtime/device.ts';
import type { IrFunction, IrType, SourceLoc } from './ir/types.ts';
import { typeText } from './ir/types.ts';
import { loadKernels } from './frontend/index.ts';
import { prepareForBackend } from './passes/pipeline.ts';
import { type Diagnostic, makeDiagnostic } from './diagnostics.ts';
import { selectInstructions, BackendError } from './backend/v3d/isel.ts';
import { emitV3d } from './backend/v3d/emit.ts';
import type { UniformSlot } from './backend/v3d/mir.ts';
import { encodeInstr } from './isa/v3d/encode.ts';
import { disassembleInstr } from './isa/v3d/disasm.ts';
import { RegisterPressureError } from './backend/common/regalloc.ts';

/** One kernel compiled for one target. */
export interface CompiledKernel {
  /** 'Class.method'. */
  name: string;
  target: Target;
  /** Instruction words, little-endian, as the GPU fetches them. */
  code: Uint8Array;
  /** Number of 64-bit instructions. */
  instructionCount: number;
  /** Kernel parameters in order, with their IR types ('u32', 'ptr<f32>'…). */
  params: { name: string; type: string }[];
  /** What each uniform word holds, in stream order. */
  uniforms: UniformSlot[];
  /** Per instruction: disassembly and source position. */
  listing: { text: string; loc?: SourceLoc }[];
  /** Register-file entries used. */
  registersUsed: number;
  /** The IR after lowering and optimisation (for the reference backend and debugging). */
  ir: IrFunction;
}

/** The result of compiling a file: kernels that compiled, and every diagnostic. */
export interface CompileResult {
  kernels: CompiledKernel[];
  diagnostics: Diagnostic[];
}

/** Options of {@link compileFile}. */
export interface CompileOptions {
  target: Target;
  /** Only these kernels ('Class.method'); default all. */
  only?: string[];
}

const VERSION: Partial<Record<Target, 42 | 71>> = { vc6: 42, vc7: 71 };

/** Load the kernels IR of a file, prepared for a backend (no machine code). */
export function loadPreparedKernels(file: string): { kernels: Map<string, IrFunction>; diagnostics: Diagnostic[] } {
  const mod = loadKernels(file);
  const kernels = new Map<string, IrFunction>();
  for (const [name, fn] of mod.kernels) kernels.set(name, prepareForBackend(fn));
  return { kernels, diagnostics: mod.diagnostics };
}

/** Compile every `@kernel` of `file` for `options.target`. Never throws for bad input: see `diagnostics`. */
export function compileFile(file: string, options: CompileOptions): CompileResult {
  const { kernels: prepared, diagnostics } = loadPreparedKernels(file);
  const out: CompiledKernel[] = [];
  if (diagnostics.length > 0) return { kernels: out, diagnostics };
  for (const [name, ir] of prepared) {
    if (options.only && !options.only.includes(name)) continue;
    try {
      out.push(compileFunction(name, ir, options.target));
    } catch (e) {
      if (e instanceof BackendError || e instanceof RegisterPressureError) {
        const loc = e instanceof BackendError ? e.loc : undefined;
        diagnostics.push(
          makeDiagnostic('backendUnsupported', [options.target, e.message], loc ?? { file, line: 1, col: 1 }),
        );
      } else throw e;
    }
  }
  return { kernels: out, diagnostics };
}

/** Compile one prepared IR function. Throws BackendError for constructs the backend lacks. */
export function compileFunction(name: string, ir: IrFunction, target: Target): CompiledKernel {
  const ver = VERSION[target];
  if (!ver) throw new BackendError(`the ${target} backend is not implemented yet (vc6 and vc7 are)`);
  const mf = selectInstructions(ir, ver);
  const code = emitV3d(mf, ver);
  const bytes = new Uint8Array(code.instrs.length * 8);
  const dv = new DataView(bytes.buffer);
  code.instrs.forEach((ins, k) => dv.setBigUint64(k * 8, encodeInstr(ins, ver), true));
  return {
    name,
    target,
    code: bytes,
    instructionCount: code.instrs.length,
    params: ir.params.map((p) => ({ name: p.name, type: typeText(p.value.type as IrType) })),
    uniforms: code.uniforms,
    listing: code.instrs.map((ins, k) => {
      const loc = code.locs[k];
      return loc ? { text: disassembleInstr(ins, ver), loc } : { text: disassembleInstr(ins, ver) };
    }),
    registersUsed: code.registersUsed,
    ir,
  };
}
