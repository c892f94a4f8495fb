/** The V3D 4.2 (vc6) and 7.1 (vc7) instruction set layer: table, encoder, decoder, text tools. */
import type { IsaTextTools } from '../isa.ts';
import { isV3dTarget, v3dVersion, type Target } from '../../target/targets.ts';
import { assembleV3d } from './asm.ts';
import { disassembleWord } from './disasm.ts';

export * from './instr.ts';
export {
  V3D42, V3D71, isaTable, addOpInfo, mulOpInfo, ADDRESS_SIGNALS,
  type V3dIsaTable, type V3dOpInfo, type V3dAddOp, type V3dMulOp, type OpRow, type UnpackKind, type SignalName,
} from './table.ts';
export { decodeInstr, writesAddress } from './decode.ts';
export { encodeInstr, EncodeError } from './encode.ts';
export { disassembleInstr, disassembleWord, smallImmText, magicName } from './disasm.ts';
export { assembleV3d, assembleInstr } from './asm.ts';
export { validateInstr } from './validate.ts';
export * from './build.ts';

/** The text tools of a V3D target: 4.2 ('vc6') or 7.1 ('vc7'). */
export function v3dTools(target: Target): IsaTextTools {
  if (!isV3dTarget(target)) throw new Error(`${target} is not a V3D target`);
  const ver = v3dVersion(target);
  return {
    target,
    disassemble: (word) => disassembleWord(word, ver),
    assemble: (source, file) => assembleV3d(source, file, ver),
  };
}
