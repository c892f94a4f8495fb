/**
 * The backends' entry point: one lowered IR function in, machine code for a
 * target out.
 */
import type { Target } from '../../runtime/device.ts';
import type { IrFunction, IrType, SourceLoc } from '../ir/types.ts';
import { typeText } from '../ir/types.ts';
import { selectInstructions, BackendError } from './v3d/isel.ts';
import { emitV3d } from './v3d/emit.ts';
import type { UniformSlot } from './v3d/mir.ts';
import { encodeInstr } from '../isa/v3d/encode.ts';
import { disassembleInstr } from '../isa/v3d/disasm.ts';
import { compileVc4, type Vc4UniformSlot } from './vc4/index.ts';
import { BackendError as Vc4BackendError } from './vc4/isel-ctx.ts';

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
  uniforms: (UniformSlot | Vc4UniformSlot)[];
  /** Per instruction: disassembly and source position. */
  listing: { text: string; loc?: SourceLoc }[];
  /** Register-file entries used. */
  registersUsed: number;
  /**
   * Bytes of scratch memory each batch needs for spilled values (0: none).
   * The runtime allocates `scratchBytesPerThread * qpus` bytes per launch and
   * passes the address in the uniform slot of kind 'scratch'.
   */
  scratchBytesPerThread: number;
  /**
   * Whether the kernel has a `qpu.barrier()`: the runtime must then launch all
   * batches in one supergroup (at most 16, all resident), since the hardware
   * barrier only waits for the supergroup.
   */
  usesBarrier: boolean;
  /** The IR after lowering and optimisation (for the reference backend and debugging). */
  ir: IrFunction;
}

const VERSION: Partial<Record<Target, 42 | 71>> = { vc6: 42, vc7: 71 };

/** Whether qpuc can generate code for `target`. */
export function hasBackend(target: Target): boolean {
  return VERSION[target] !== undefined || target === 'vc4';
}

function firstLoc(ir: IrFunction): SourceLoc | undefined {
  for (const b of ir.blocks) for (const i of b.instrs) if (i.loc) return i.loc;
  return undefined;
}

/** Compile one prepared IR function. Throws BackendError for constructs the backend lacks. */
export function compileFunction(name: string, ir: IrFunction, target: Target): CompiledKernel {
  if (target === 'vc4') {
    let out: ReturnType<typeof compileVc4>;
    try {
      out = compileVc4(ir);
    } catch (e) {
      if (e instanceof Vc4BackendError) throw new BackendError(e.message, e.loc ?? firstLoc(ir));
      throw e;
    }
    const params = ir.params.map((p) => ({ name: p.name, type: typeText(p.value.type as IrType) }));
    return { name, target, ...out, params, usesBarrier: ir.blocks.some((b) => b.instrs.some((i) => i.op === 'barrier')), ir };
  }
  const ver = VERSION[target];
  if (!ver) throw new BackendError(`the ${target} backend is not implemented yet (vc6 and vc7 are)`);
  let code: ReturnType<typeof emitV3d>;
  try {
    code = emitV3d(selectInstructions(ir, ver), ver);
  } catch (e) {
    // Whole-kernel limits (registers, encodings) have no op of their own: point at the kernel's first statement.
    if (e instanceof BackendError && !e.loc) throw new BackendError(e.message, firstLoc(ir));
    throw e;
  }
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
    scratchBytesPerThread: code.scratchBytesPerThread,
    usesBarrier: ir.blocks.some((b) => b.instrs.some((i) => i.op === 'barrier')),
    ir,
  };
}
