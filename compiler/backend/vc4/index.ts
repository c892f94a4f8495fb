/**
 * The VideoCore IV backend (vc4) behind the neutral Backend interface:
 * instruction selection (isel*.ts) → register allocation with spilling
 * (emit.ts `allocateVc4`) → legalisation, hazard spacing and layout
 * (`scheduleVc4`) and the static hazard checker
 * (compiler/isa/vc4/check.ts) → encoding and listing (compiler/isa/vc4). See
 * docs/backend-vc4.md.
 */
import type { Backend } from '../contract.ts';
import { BackendError } from '../contract.ts';
import { encodeVc4 } from '../../isa/vc4/encode.ts';
import { disassembleVc4 } from '../../isa/vc4/disasm.ts';
import type { Vc4Instr } from '../../isa/vc4/instr.ts';
import { checkVc4Program } from '../../isa/vc4/check.ts';
import { selectVc4, type Vc4MFunction } from './isel.ts';
import { hoistTmuRequests } from './tmu.ts';
import { hoistLoopConstants } from './licm.ts';
import { accumulateTemporaries, computeIntoR0, dropRepeatedR0Copies, forwardR5Copies } from './accfwd.ts';
import { allocateVc4, scheduleVc4, SPILL_STRIDE, type Vc4Allocated, type Vc4Code } from './emit.ts';
import type { TargetInfo } from '../../target/targets.ts';
import { SCRATCH_SINK_BYTES } from './isel-memory.ts';

/** The VC4 backend refuses target rows of another family. */
function vc4Only(target: TargetInfo): void {
  if (target.family !== 'vc4') throw new BackendError(`the VC4 backend has no encoding for ${target.name}`);
}

/** Code generation for the VC4 family. */
export const vc4Backend: Backend<Vc4MFunction, Vc4Allocated, Vc4Code & { mf: Vc4MFunction }> = {
  family: 'vc4',
  select(ir, target) {
    vc4Only(target);
    const mf = selectVc4(ir);
    hoistLoopConstants(mf);
    forwardR5Copies(mf);
    dropRepeatedR0Copies(mf);
    computeIntoR0(mf);
    accumulateTemporaries(mf);
    return mf;
  },
  allocate: (mf) => allocateVc4(mf),
  schedule(allocated, target) {
    hoistTmuRequests(allocated.blocks, target.tmuFifoDepth);
    const code = scheduleVc4(allocated);
    // Every compiled program goes through the static hazard checker: an error there is a backend bug, reported at the op.
    const broken = checkVc4Program(code.instrs).find((i) => i.severity === 'error');
    if (broken) {
      throw new BackendError(`internal error: the generated code breaks hazard rule ${broken.rule} at instruction ${broken.index} (${broken.message}); please report it`, code.locs[broken.index]);
    }
    return { ...code, mf: allocated.mf };
  },
  emit(code) {
    const bytes = new Uint8Array(code.instrs.length * 8);
    const dv = new DataView(bytes.buffer);
    const words = code.instrs.map((ins) => encodeVc4(ins));
    words.forEach((w, k) => dv.setBigUint64(k * 8, w, true));
    // An ALU instruction's every field is in its word, so equal words disassemble alike: a big kernel has tens of
    // thousands of instructions but a few hundred distinct words, each disassembled once.
    const texts = new Map<bigint, string>();
    const textOf = (ins: Vc4Instr, w: bigint): string => {
      if (ins.kind !== 'alu') return disassembleVc4(ins);
      let t = texts.get(w);
      if (t === undefined) texts.set(w, (t = disassembleVc4(ins)));
      return t;
    };
    return {
      code: bytes,
      instructionCount: code.instrs.length,
      uniforms: code.mf.uniforms,
      listing: code.instrs.map((ins, k) => {
        const loc = code.locs[k];
        const text = textOf(ins, words[k] as bigint);
        return loc ? { text, loc } : { text };
      }),
      registersUsed: code.registersUsed,
      scratchBytesPerThread: code.spillSlots > 0 ? SPILL_STRIDE : code.mf.usesScratch ? SCRATCH_SINK_BYTES : 0,
    };
  },
};
