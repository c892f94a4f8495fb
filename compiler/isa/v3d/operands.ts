/**
 * Source operands before they become encoding fields, and how they become
 * them: on 4.2 through the two register-file ports and the input muxes, on
 * 7.1 as one address per input plus per-input small-immediate signals. The
 * assembler and the builder API share this so both choose ports the same way.
 */
import type { Unpack, V3dAluInstr, V3dVersion } from './instr.ts';

/** A source operand: accumulator (4.2), register-file entry, or small immediate (by index 0..47). */
export type Src = { kind: 'acc'; n: number } | { kind: 'rf'; n: number } | { kind: 'imm'; index: number };

/** One read of an instruction: which ALU, which input, what and how unpacked. */
export interface Read {
  alu: 'add' | 'mul';
  input: 'a' | 'b';
  src: Src;
  unpack: Unpack;
}

/**
 * Fill the inputs, raddrA/raddrB and small-immediate signals of `instr` from
 * `reads`. On 4.2 the first distinct register goes through port A and the
 * second through port B (B holds the immediate when there is one); unused
 * ports are 0. Returns the index of the first read that does not fit, with a
 * message, or undefined on success.
 */
export function assignReads(instr: V3dAluInstr, reads: readonly Read[], ver: V3dVersion): { at: number; message: string } | undefined {
  if (ver === 71) {
    const immSig = { add: { a: 'smallImmA', b: 'smallImmB' }, mul: { a: 'smallImmC', b: 'smallImmD' } } as const;
    for (const [i, r] of reads.entries()) {
      if (r.src.kind === 'acc') return { at: i, message: `V3D 7.1 has no accumulator r${r.src.n}` };
      const raddr = r.src.kind === 'imm' ? r.src.index : r.src.n;
      if (r.src.kind === 'imm') instr.sig[immSig[r.alu][r.input]] = true;
      instr[r.alu][r.input] = { mux: 0, raddr, unpack: r.unpack };
    }
    [instr.raddrA, instr.raddrB] = [instr.add.a.raddr, instr.add.b.raddr];
    return undefined;
  }
  let imm: number | undefined;
  const ports: number[] = [];
  for (const [i, r] of reads.entries()) {
    let mux: number;
    if (r.src.kind === 'acc') mux = r.src.n;
    else if (r.src.kind === 'imm') {
      if (imm !== undefined && imm !== r.src.index) return { at: i, message: 'V3D 4.2 instructions hold one small immediate value' };
      imm = r.src.index;
      mux = 7;
    } else {
      if (!ports.includes(r.src.n)) ports.push(r.src.n);
      mux = ports.indexOf(r.src.n) === 0 ? 6 : 7;
    }
    if (ports.length > 2 || (ports.length > 1 && imm !== undefined)) {
      return { at: i, message: 'V3D 4.2 instructions read at most two register-file entries (one with a small immediate)' };
    }
    instr[r.alu][r.input] = { mux, raddr: 0, unpack: r.unpack };
  }
  instr.raddrA = ports[0] ?? 0;
  instr.raddrB = imm ?? ports[1] ?? 0;
  if (imm !== undefined) instr.sig.smallImmB = true;
  return undefined;
}
