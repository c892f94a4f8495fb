/** The V3D 4.2 (vc6) and 7.1 (vc7) instruction set layer: table, encoder, decoder, text tools. */
export * from './instr.ts';
export {
  V3D42, V3D71, isaTable, addOpInfo, mulOpInfo, ADDRESS_SIGNALS,
  type V3dIsaTable, type V3dOpInfo, type V3dAddOp, type V3dMulOp, type OpRow, type UnpackKind, type SignalName,
} from './table.ts';
export { decodeInstr, writesAddress } from './decode.ts';
export { encodeInstr, EncodeError } from './encode.ts';
