/**
 * Structured V3D instruction → Mesa's disassembly text (what V3D_DEBUG=qpu
 * prints), character for character: add part padded to column 30, `; ` and
 * the mul part, then, if a printed signal exists, padding to column 60 and
 * `; sig` per signal (notes section 14).
 *
 * Deliberate differences, each for a word whose Mesa text would not assemble
 * back to the same word: magic waddr 44 prints `tmuhscm` (Mesa: `tmuscm`,
 * the name of 40); the `ucb` and `rotate` signals print as `; ucb` /
 * `; rotate` (Mesa prints nothing); a branch with bit 23 set prints `.link`
 * after its condition (Mesa ignores the bit).
 */
import { smallImmValue, type Unpack, type V3dAluInstr, type V3dAluPart, type V3dBranchInstr, type V3dInput, type V3dInstr, type V3dVersion } from './instr.ts';
import { addOpInfo, isaTable, mulOpInfo, SIGNAL_PRINT_ORDER, ADDRESS_SIGNALS, type V3dOpInfo } from './table.ts';
import { writesAddress } from './decode.ts';
import { decodeInstr } from './decode.ts';

/** Text of a small immediate as Mesa prints it: decimal within -16..15, else 0x%08x. */
export function smallImmText(index: number): string {
  const v = smallImmValue(index) | 0;
  return v >= -16 && v <= 15 ? String(v) : `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
}

/** Name of magic waddr `n` on `ver`, or undefined if it has none. */
export function magicName(n: number, ver: V3dVersion): string | undefined {
  return isaTable(ver).magic[n] ?? undefined;
}

function waddrText(n: number, magic: boolean, ver: V3dVersion): string {
  if (!magic) return `rf${n}`;
  return magicName(n, ver) ?? `waddr UNKNOWN ${n}`;
}

function suffix(u: Unpack): string {
  return u === 'none' ? '' : `.${u}`;
}

/** Which operand of the instruction an input is (decides its small-immediate signal on 7.1). */
type Slot = 'a' | 'b' | 'c' | 'd';

function inputText(instr: V3dAluInstr, input: V3dInput, slot: Slot, ver: V3dVersion): string {
  if (ver === 71) {
    const imm = { a: instr.sig.smallImmA, b: instr.sig.smallImmB, c: instr.sig.smallImmC, d: instr.sig.smallImmD }[slot];
    return imm ? smallImmText(input.raddr) : `rf${input.raddr}`;
  }
  if (input.mux === 6) return `rf${instr.raddrA}`;
  if (input.mux === 7) return instr.sig.smallImmB ? smallImmText(instr.raddrB) : `rf${instr.raddrB}`;
  return `r${input.mux}`;
}

function partText(instr: V3dAluInstr, part: V3dAluPart, info: V3dOpInfo, isAdd: boolean, ver: V3dVersion): string {
  const f = instr.flags;
  let s = part.op;
  if (!writesAddress(instr.sig)) s += (isAdd ? f.ac : f.mc) ? `.${isAdd ? f.ac : f.mc}` : '';
  const pf = isAdd ? f.apf : f.mpf;
  const uf = isAdd ? f.auf : f.muf;
  if (pf) s += `.${pf}`;
  if (uf) s += `.${uf}`;
  // Mesa prints a mul nop as just "nop", an add nop as "nop " (the padding hides the space).
  if (!isAdd && part.op === 'nop') return s;
  s += ' ';
  const ops: string[] = [];
  if (info.hasDestination) ops.push(waddrText(part.waddr, part.magic, ver) + (part.pack === 'none' ? '' : `.${part.pack}`));
  if (info.numSrc >= 1) ops.push(inputText(instr, part.a, isAdd ? 'a' : 'c', ver) + suffix(part.a.unpack));
  if (info.numSrc >= 2) ops.push(inputText(instr, part.b, isAdd ? 'b' : 'd', ver) + suffix(part.b.unpack));
  return s + ops.join(', ');
}

function sigAddrText(instr: V3dAluInstr, ver: V3dVersion): string {
  if (!instr.sigMagic) return `.rf${instr.sigAddr}`;
  const n = magicName(instr.sigAddr, ver);
  return n ? `.${n}` : `.UNKNOWN${instr.sigAddr}`;
}

function opInfoOrThrow(name: string, isAdd: boolean, ver: V3dVersion): V3dOpInfo {
  const info = isAdd ? addOpInfo(name, ver) : mulOpInfo(name, ver);
  if (!info) throw new RangeError(`V3D ${ver / 10} has no ${isAdd ? 'add' : 'mul'} op '${name}'`);
  return info;
}

function aluText(instr: V3dAluInstr, ver: V3dVersion): string {
  let s = partText(instr, instr.add, opInfoOrThrow(instr.add.op, true, ver), true, ver).padEnd(30);
  s += '; ' + partText(instr, instr.mul, opInfoOrThrow(instr.mul.op, false, ver), false, ver);
  const sigs = SIGNAL_PRINT_ORDER.filter((n) => instr.sig[n]);
  if (sigs.length === 0) return s;
  s = s.padEnd(60);
  for (const n of sigs) {
    s += `; ${n}`;
    if ((ADDRESS_SIGNALS as readonly string[]).includes(n)) s += sigAddrText(instr, ver);
  }
  return s;
}

const UNIFORM_DEST = { abs: 'a:unif', rel: 'r:unif', link: 'lri' } as const;

function branchText(b: V3dBranchInstr): string {
  let s = 'b' + (b.ub ? 'u' : '') + (b.cond === 'always' ? '' : `.${b.cond}`) + (b.msfign === 'none' ? '' : b.msfign);
  if (b.link) s += '.link';
  switch (b.bdi) {
    case 'abs': s += `  zero_addr+0x${(b.offset >>> 0).toString(16).padStart(8, '0')}`; break;
    case 'rel': s += `  ${b.offset | 0}`; break;
    case 'link': s += '  lri'; break;
    case 'reg': s += `  rf${b.raddrA}`; break;
  }
  if (b.ub) s += ', ' + (b.bdu === 'reg' ? `rf${b.raddrA}` : UNIFORM_DEST[b.bdu]);
  return s;
}

/** Mesa's text for one instruction. */
export function disassembleInstr(instr: V3dInstr, ver: V3dVersion): string {
  return instr.kind === 'branch' ? branchText(instr) : aluText(instr, ver);
}

/** Mesa's text for one word (decodes first; throws DecodeError for invalid words). */
export function disassembleWord(word: bigint, ver: V3dVersion): string {
  return disassembleInstr(decodeInstr(word, ver), ver);
}
