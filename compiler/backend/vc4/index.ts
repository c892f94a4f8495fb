/**
 * The VideoCore IV backend (vc4) behind the neutral Backend interface:
 * instruction selection (isel*.ts) → register allocation, legalisation and
 * hazard spacing (emit.ts) → the static hazard checker
 * (compiler/isa/vc4/check.ts) → encoding and listing (compiler/isa/vc4). See
 * docs/backend-vc4.md.
 */
import type { Backend } from '../contract.ts';
import { BackendError } from '../contract.ts';
import { encodeVc4 } from '../../isa/vc4/encode.ts';
import { disassembleVc4 } from '../../isa/vc4/disasm.ts';
import { checkVc4Program } from '../../isa/vc4/check.ts';
import { selectVc4 } from './isel.ts';
import { emitVc4, SPILL_STRIDE } from './emit.ts';
import { SCRATCH_SINK_BYTES } from './isel-memory.ts';

/** Code generation for the VC4 family. */
export const vc4Backend: Backend = {
  family: 'vc4',
  compile(ir, target) {
    if (target.family !== 'vc4') throw new BackendError(`the VC4 backend has no encoding for ${target.name}`);
    const mf = selectVc4(ir);
    const code = emitVc4(mf);
    // Every compiled program goes through the static hazard checker: an error there is a backend bug, reported at the op.
    const broken = checkVc4Program(code.instrs).find((i) => i.severity === 'error');
    if (broken) {
      throw new BackendError(`internal error: the generated code breaks hazard rule ${broken.rule} at instruction ${broken.index} (${broken.message}); please report it`, code.locs[broken.index]);
    }
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
      scratchBytesPerThread: code.spillSlots > 0 ? SPILL_STRIDE : mf.usesScratch ? SCRATCH_SINK_BYTES : 0,
    };
  },
};
