/**
 * A small API for building V3D ALU instructions in code, for the backend and
 * hand-written QPU snippets:
 *
 *   alu({ add: { op: 'fadd', dst: rf(3), a: rf(1), b: r(0) }, mul: { op: 'fmul', dst: r(1), a: 2, b: rf(1) }, sig: ['ldunif'] }, 42)
 *
 * Register ports (4.2) and small-immediate signals are chosen as the
 * assembler chooses them; the result is checked with validateInstr.
 */
import { nopPart, noSignals, smallImmIndex, type Cond, type Pack, type PushFlag, type Unpack, type UpdateFlag, type V3dAluInstr, type V3dVersion } from './instr.ts';
import { addOpInfo, mulOpInfo, type SignalName } from './table.ts';
import { assignReads, type Read, type Src } from './operands.ts';
import { validateInstr } from './validate.ts';

/** Register-file entry rfN, as a source or a destination. */
export function rf(n: number): { kind: 'rf'; n: number } {
  return { kind: 'rf', n };
}

/** Accumulator rN (4.2 only), as a source or a destination (magic waddr N). */
export function r(n: number): { kind: 'acc'; n: number } {
  return { kind: 'acc', n };
}

/** Magic write address by number (see MAGIC in instr.ts), as a destination. */
export function magic(waddr: number): { kind: 'magic'; n: number } {
  return { kind: 'magic', n: waddr };
}

/** A destination. */
export type Dest = ReturnType<typeof rf> | ReturnType<typeof r> | ReturnType<typeof magic>;
/** A source: a register, or a number meaning the small immediate with that 32-bit value. */
export type Operand = Src | number;

/** One ALU half. */
export interface OpSpec {
  op: string;
  dst?: Dest;
  a?: Operand;
  b?: Operand;
  pack?: Pack;
  ua?: Unpack;
  ub?: Unpack;
  cond?: Cond;
  pf?: PushFlag;
  uf?: UpdateFlag;
}

/** A whole ALU instruction; parts left out are nops. */
export interface AluSpec {
  add?: OpSpec;
  mul?: OpSpec;
  sig?: SignalName[];
  /** Destination of an address-writing signal (ldtmu, ldunifrf, ...). */
  sigDst?: Dest;
}

function src(o: Operand): Src {
  if (typeof o !== 'number') return o;
  const index = smallImmIndex(o);
  if (index === undefined) throw new RangeError(`${o} is not a small immediate`);
  return { kind: 'imm', index };
}

function dest(d: Dest): { waddr: number; magic: boolean } {
  return d.kind === 'rf' ? { waddr: d.n, magic: false } : { waddr: d.n, magic: true };
}

/** Build (and validate) one ALU instruction; throws RangeError with the problems if it is invalid on `ver`. */
export function alu(spec: AluSpec, ver: V3dVersion): V3dAluInstr {
  const instr: V3dAluInstr = {
    kind: 'alu', sig: noSignals(), sigAddr: 0, sigMagic: false, raddrA: 0, raddrB: 0, flags: {}, add: nopPart(), mul: nopPart(),
  };
  const reads: Read[] = [];
  for (const alu of ['add', 'mul'] as const) {
    const s = spec[alu];
    const info = s && (alu === 'add' ? addOpInfo : mulOpInfo)(s.op, ver);
    if (ver === 71 || (s && !info?.hasDestination && s.op !== 'nop')) Object.assign(instr[alu], { waddr: info?.waddrSelect ?? 0, magic: false });
    if (!s) continue;
    if (!info) throw new RangeError(`V3D ${ver / 10} has no ${alu} op '${s.op}'`);
    instr[alu].op = s.op;
    instr[alu].pack = s.pack ?? 'none';
    if (s.dst) Object.assign(instr[alu], dest(s.dst));
    if (s.a !== undefined) reads.push({ alu, input: 'a', src: src(s.a), unpack: s.ua ?? 'none' });
    if (s.b !== undefined) reads.push({ alu, input: 'b', src: src(s.b), unpack: s.ub ?? 'none' });
    const [c, p, u] = alu === 'add' ? (['ac', 'apf', 'auf'] as const) : (['mc', 'mpf', 'muf'] as const);
    if (s.cond) instr.flags[c] = s.cond;
    if (s.pf) instr.flags[p] = s.pf;
    if (s.uf) instr.flags[u] = s.uf;
  }
  const bad = assignReads(instr, reads, ver);
  if (bad) throw new RangeError(bad.message);
  for (const n of spec.sig ?? []) instr.sig[n] = true;
  if (spec.sigDst) [instr.sigAddr, instr.sigMagic] = [dest(spec.sigDst).waddr, dest(spec.sigDst).magic];
  const errs = validateInstr(instr, ver);
  if (errs.length) throw new RangeError(`invalid V3D ${ver / 10} instruction: ${errs.join('; ')}`);
  return instr;
}
