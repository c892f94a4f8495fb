/**
 * The VideoCore IV (Pi 0–3) instruction set layer: table, instruction type,
 * encoder/decoder, disassembler, assembler and validator, plus the text tools
 * the CLI dispatches to for `--target vc4`.
 */
import type { IsaTextTools } from '../isa.ts';
import { assembleVc4 } from './assemble.ts';
import { disassembleVc4 } from './disasm.ts';

export * from './instr.ts';
export { encodeVc4, decodeVc4, Vc4EncodeError, vc4Fields, packVc4Fields, unpackVc4Fields } from './encode.ts';
export { disassembleVc4, formatImmediate, vc4PlainText } from './disasm.ts';
export { assembleVc4 } from './assemble.ts';
export { validateVc4 } from './validate.ts';

/** `qpuc disasm/asm --target vc4`: vc4asm syntax. */
export const vc4Tools: IsaTextTools = {
  target: 'vc4',
  // Branch texts print the raw offset as vc4dis does, so the address is not needed.
  disassemble: (word: bigint, _address?: number): string => disassembleVc4(word),
  assemble: (source: string, file: string) => assembleVc4(source, file),
};
