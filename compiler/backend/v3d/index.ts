/**
 * The V3D backend (vc6: V3D 4.2, vc7: V3D 7.1) behind the neutral Backend
 * interface's four stages: instruction selection (isel*.ts) → register
 * allocation with the pre-allocation order and spilling (emit.ts
 * `allocateV3d`) → scheduling and bundling (`scheduleV3d`) and the static
 * hazard checker (compiler/isa/v3d/check.ts) → encoding and listing
 * (compiler/isa/v3d).
 */
import type { Backend } from '../contract.ts';
import { BackendError } from '../contract.ts';
import type { TargetInfo } from '../../target/targets.ts';
import type { V3dInstr, V3dVersion } from '../../isa/v3d/instr.ts';
import { encodeInstr } from '../../isa/v3d/encode.ts';
import { disassembleInstr } from '../../isa/v3d/disasm.ts';
import { selectInstructions } from './isel.ts';
import { allocateV3d, scheduleV3d, type V3dAllocated, type V3dCode } from './emit.ts';
import type { MFunction } from './mir.ts';
import { checkV3dProgram } from '../../isa/v3d/check.ts';

/** The V3D encoding version of a target row of the v3d family. */
function versionOf(target: TargetInfo): V3dVersion {
  if (target.family !== 'v3d' || (target.version !== 42 && target.version !== 71)) {
    throw new BackendError(`the V3D backend has no encoding for ${target.name} (family ${target.family}, version ${target.version})`);
  }
  return target.version;
}

/** Code generation for the V3D family. */
export const v3dBackend: Backend<MFunction, V3dAllocated, V3dCode> = {
  family: 'v3d',
  select: (ir, target) => selectInstructions(ir, versionOf(target)),
  allocate: (mf, target) => allocateV3d(mf, versionOf(target)),
  schedule(allocated, target) {
    const ver = versionOf(target);
    const code = scheduleV3d(allocated, ver);
    // Every compiled program goes through the static hazard checker: an error there is a backend bug, reported at the op.
    const broken = checkV3dProgram(code.instrs, ver).find((i) => i.severity === 'error');
    if (broken) {
      throw new BackendError(`internal error: the generated code breaks hazard rule ${broken.rule} at instruction ${broken.index} (${broken.message}); please report it`, code.locs[broken.index]);
    }
    return code;
  },
  emit(code, target) {
    const ver = versionOf(target);
    const bytes = new Uint8Array(code.instrs.length * 8);
    const dv = new DataView(bytes.buffer);
    // Words from the bundle cache are frozen and shared: a big kernel has tens of thousands of words but a few
    // hundred distinct ones, so each shared word is encoded and disassembled once.
    const seen = new Map<V3dInstr, { bits: bigint; text: string }>();
    const encoded = (ins: V3dInstr): { bits: bigint; text: string } => {
      let e = Object.isFrozen(ins) ? seen.get(ins) : undefined;
      if (!e) {
        e = { bits: encodeInstr(ins, ver), text: disassembleInstr(ins, ver) };
        if (Object.isFrozen(ins)) seen.set(ins, e);
      }
      return e;
    };
    const words = code.instrs.map(encoded);
    words.forEach((w, k) => dv.setBigUint64(k * 8, w.bits, true));
    return {
      code: bytes,
      instructionCount: code.instrs.length,
      uniforms: code.uniforms,
      listing: words.map((w, k) => {
        const loc = code.locs[k];
        return loc ? { text: w.text, loc } : { text: w.text };
      }),
      registersUsed: code.registersUsed,
      scratchBytesPerThread: code.scratchBytesPerThread,
    };
  },
};
