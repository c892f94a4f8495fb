/**
 * The V3D backend (vc6: V3D 4.2, vc7: V3D 7.1) behind the neutral Backend
 * interface: instruction selection (isel*.ts) → scheduling, register
 * allocation and bundling (emit.ts) → the static hazard checker
 * (compiler/isa/v3d/check.ts) → encoding and listing (compiler/isa/v3d).
 */
import type { Backend } from '../contract.ts';
import { BackendError } from '../contract.ts';
import type { TargetInfo } from '../../target/targets.ts';
import type { V3dVersion } from '../../isa/v3d/instr.ts';
import { encodeInstr } from '../../isa/v3d/encode.ts';
import { disassembleInstr } from '../../isa/v3d/disasm.ts';
import { selectInstructions } from './isel.ts';
import { emitV3d } from './emit.ts';
import { checkV3dProgram } from '../../isa/v3d/check.ts';

/** The V3D encoding version of a target row of the v3d family. */
function versionOf(target: TargetInfo): V3dVersion {
  if (target.family !== 'v3d' || (target.version !== 42 && target.version !== 71)) {
    throw new BackendError(`the V3D backend has no encoding for ${target.name} (family ${target.family}, version ${target.version})`);
  }
  return target.version;
}

/** Code generation for the V3D family. */
export const v3dBackend: Backend = {
  family: 'v3d',
  compile(ir, target) {
    const ver = versionOf(target);
    const code = emitV3d(selectInstructions(ir, ver), ver);
    // Every compiled program goes through the static hazard checker: an error there is a backend bug, reported at the op.
    const broken = checkV3dProgram(code.instrs, ver).find((i) => i.severity === 'error');
    if (broken) {
      throw new BackendError(`internal error: the generated code breaks hazard rule ${broken.rule} at instruction ${broken.index} (${broken.message}); please report it`, code.locs[broken.index]);
    }
    const bytes = new Uint8Array(code.instrs.length * 8);
    const dv = new DataView(bytes.buffer);
    code.instrs.forEach((ins, k) => dv.setBigUint64(k * 8, encodeInstr(ins, ver), true));
    return {
      code: bytes,
      instructionCount: code.instrs.length,
      uniforms: code.uniforms,
      listing: code.instrs.map((ins, k) => {
        const loc = code.locs[k];
        return loc ? { text: disassembleInstr(ins, ver), loc } : { text: disassembleInstr(ins, ver) };
      }),
      registersUsed: code.registersUsed,
      scratchBytesPerThread: code.scratchBytesPerThread,
    };
  },
};
