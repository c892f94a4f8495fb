/**
 * What an ALU instruction reads and the lane test of its write conditions:
 * the operand facts the interpreter (compile.ts) and the code generator
 * (codegen.ts) both build from, so the two read exactly the same ports.
 */
import type { Vc4AluInstr, Vc4Cond, Vc4Mux } from '../../../compiler/isa/vc4/instr.ts';
import { REG_NOP, VC4_REGS, type RegRole } from '../../../compiler/isa/vc4/table.ts';
import { FLAG, ROW } from './qpu.ts';

/** Offset of each flag's 16 lanes in Qpu.flags. */
export const FLAG_OFFSET = { z: FLAG.Z, n: FLAG.N, c: FLAG.C } as const;

/** A per-lane condition: the offset of the flag's lanes in Qpu.flags and the value that passes ('zs' = Z set, 'nc' = N clear, …) [ARG Table 2]. */
export type LaneCond = { kind: 'always' } | { kind: 'never' } | { kind: 'test'; flag: number; want: number };
/** The lane test of a write condition. */
export function laneCond(cond: Vc4Cond): LaneCond {
  if (cond === 'always' || cond === 'never') return { kind: cond };
  return { kind: 'test', flag: FLAG_OFFSET[cond[0] as 'z' | 'n' | 'c'], want: cond[1] === 's' ? 1 : 0 };
}

/** An I/O register read on a port. */
export interface IoRead { role: RegRole; name: string }

/**
 * What an ALU instruction's two read ports deliver: the row each mux `ra` /
 * `rb` reads, the I/O register read into PORT_A / PORT_B (with its side
 * effects), and the physical registers read (−1: none). Shared by the
 * interpreter and the code generator so both read exactly the same ports.
 */
export function readPorts(i: Vc4AluInstr): { rowA: number; rowB: number; ioA?: IoRead; ioB?: IoRead; readA: number; readB: number } {
  const addOn = i.opAdd !== 'nop';
  const mulOn = i.opMul !== 'nop';
  const used = (m: Vc4Mux): boolean => (addOn && (i.addA === m || i.addB === m)) || (mulOn && (i.mulA === m || i.mulB === m));
  let readA = -1;
  let readB = -1;
  // Physical registers are read in place; I/O reads fill PORT_A / PORT_B.
  let rowA: number = ROW.PORT_A;
  let rowB: number = ROW.PORT_B;
  let ioA: IoRead | undefined;
  let ioB: IoRead | undefined;
  if (i.raddrA !== REG_NOP || used('ra')) {
    if (i.raddrA < 32) {
      rowA = ROW.RA + i.raddrA;
      readA = i.raddrA;
    } else ioA = VC4_REGS.readA[i.raddrA] as IoRead;
  }
  if (i.sig === 'smi') rowB = ROW.SMALL_IMM + i.raddrB;
  else if (i.raddrB !== REG_NOP || used('rb')) {
    if (i.raddrB < 32) {
      rowB = ROW.RB + i.raddrB;
      readB = i.raddrB;
    } else ioB = VC4_REGS.readB[i.raddrB] as IoRead;
  }
  return { rowA, rowB, readA, readB, ...(ioA ? { ioA } : {}), ...(ioB ? { ioB } : {}) };
}
