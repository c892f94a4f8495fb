/**
 * The VideoCore IV (vc4) backend: selection (isel*.ts), register allocation,
 * legalisation and encoding (emit.ts). See docs/backend-vc4.md.
 */
import type { IrFunction, SourceLoc } from '../../ir/types.ts';
import { encodeVc4 } from '../../isa/vc4/encode.ts';
import { disassembleVc4 } from '../../isa/vc4/disasm.ts';
import { selectVc4 } from './isel.ts';
import { emitVc4 } from './emit.ts';
import { SCRATCH_SINK_BYTES } from './isel-memory.ts';
import type { Vc4UniformSlot } from './isel-ctx.ts';

export { BackendError, type Vc4UniformSlot } from './isel-ctx.ts';

/** What the vc4 backend produces for one kernel. */
export interface Vc4Output {
  code: Uint8Array;
  instructionCount: number;
  uniforms: Vc4UniformSlot[];
  listing: { text: string; loc?: SourceLoc }[];
  registersUsed: number;
  scratchBytesPerThread: number;
}

/** Compile one lowered IR function for VideoCore IV. Throws BackendError for what it cannot translate. */
export function compileVc4(ir: IrFunction): Vc4Output {
  const mf = selectVc4(ir);
  const code = emitVc4(mf);
  const bytes = new Uint8Array(code.instrs.length * 8);
  const dv = new DataView(bytes.buffer);
  code.instrs.forEach((ins, k) => dv.setBigUint64(k * 8, encodeVc4(ins), true));
  return {
    code: bytes,
    instructionCount: code.instrs.length,
    uniforms: mf.uniforms,
    listing: code.instrs.map((ins, k) => {
      const loc = code.locs[k];
      return loc ? { text: disassembleVc4(ins), loc } : { text: disassembleVc4(ins) };
    }),
    registersUsed: code.registersUsed,
    scratchBytesPerThread: mf.usesScratch ? SCRATCH_SINK_BYTES : 0,
  };
}
