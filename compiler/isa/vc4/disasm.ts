/**
 * VideoCore IV disassembler printing vc4asm's syntax as its 2014 vc4dis did
 * (the build that produced shared/vectors/vc4-disasm.json): `mov` for
 * `or x, x` / `v8min x, x`, conditions and `.setf` on the op, packs on the
 * destination, unpacks on the source, `.rot N,` for mul rotations.
 *
 * Bits that text cannot show (a don't-care mux, a semaphore's ignored
 * immediate bits, …) are appended as a `raw field=value` clause, found by
 * re-assembling the text, so `assemble(disassemble(w)) == w` for every word.
 */
import { tokenize } from './asm-lexer.ts';
import { parseVc4Line, type LineContext } from './asm-line.ts';
import { decodeVc4, unpackVc4Fields, vc4Fields, packVc4Fields } from './encode.ts';
import type { Vc4AluInstr, Vc4BranchInstr, Vc4Instr, Vc4LoadImmInstr, Vc4Mux, Vc4SemaphoreInstr } from './instr.ts';
import {
  VC4_ADD_OPS, VC4_BRANCH_CONDS, VC4_CONDS, VC4_FORMATS, VC4_LDI_MODES, VC4_PACK_A, VC4_PACK_MUL, VC4_REGS,
  VC4_SIGNALS, VC4_SMALL_IMMS, VC4_UNPACK, REG_NOP, SMI_ROTATE_BASE,
} from './table.ts';

const COND_SUFFIX = new Map<string, string>(VC4_CONDS.map((c) => [c.name, c.suffix]));
const BCOND_SUFFIX = new Map<string, string>(VC4_BRANCH_CONDS.map((c) => [c.name, c.suffix]));
const SIG_MNEMONIC = new Map<string, string>(VC4_SIGNALS.map((s) => [s.name, s.mnemonic]));
const ADD_ARITY = new Map<string, number>(VC4_ADD_OPS.map((o) => [o.name, o.arity]));
const PACK_A = VC4_PACK_A.map((p) => p.suffix);
const PACK_MUL = new Map<number, string>(VC4_PACK_MUL.map((p) => [p.code, p.suffix]));
const UNPACK = VC4_UNPACK.map((u) => u.suffix);
const LDI_MNEMONIC = new Map<string, string>(VC4_LDI_MODES.map((m) => [m.name, m.mnemonic]));

/** Write-register name of address `addr` in A space (or B space when `b`). */
function wreg(b: boolean, addr: number): string {
  return (b ? VC4_REGS.writeB : VC4_REGS.writeA)[addr]?.name ?? '?';
}

/** vc4dis's immediate format: decimal when |value| ≤ 256, else 0x%08x. */
export function formatImmediate(bits: number): string {
  const s = bits | 0;
  return Math.abs(s) <= 256 ? String(s) : `0x${(bits >>> 0).toString(16).padStart(8, '0')}`;
}

function source(i: Vc4AluInstr, mux: Vc4Mux): string {
  let s: string;
  if (mux === 'ra') s = VC4_REGS.readA[i.raddrA]?.name ?? '?';
  else if (mux === 'rb') {
    if (i.sig === 'smi') s = i.raddrB >= SMI_ROTATE_BASE ? String(i.raddrB - 64) : (VC4_SMALL_IMMS[i.raddrB]?.text ?? '?');
    else s = VC4_REGS.readB[i.raddrB]?.name ?? '?';
  } else s = mux;
  if ((i.pm && mux === 'r4') || (!i.pm && mux === 'ra')) s += UNPACK[i.unpack] ?? '';
  return s;
}

function addPart(i: Vc4AluInstr): string {
  if (i.opAdd === 'nop') return 'nop';
  const mov = i.opAdd === 'or' && i.addA === i.addB;
  let s = (mov ? 'mov' : i.opAdd) + (COND_SUFFIX.get(i.condAdd) ?? '') + (i.sf ? '.setf' : '') + ' ' + wreg(i.ws, i.waddrAdd);
  if (!i.pm && !i.ws && i.waddrAdd !== REG_NOP) s += PACK_A[i.pack] ?? '';
  s += ', ' + source(i, i.addA);
  if (!mov && ADD_ARITY.get(i.opAdd) === 2) s += ', ' + source(i, i.addB);
  return s;
}

function mulPart(i: Vc4AluInstr): string {
  if (i.opMul === 'nop') return '';
  const mov = i.opMul === 'v8min' && i.mulA === i.mulB;
  let s = '; ' + (mov ? 'mov' : i.opMul) + (COND_SUFFIX.get(i.condMul) ?? '') + (i.sf && i.opAdd === 'nop' ? '.setf' : '');
  if (i.sig === 'smi' && i.raddrB >= SMI_ROTATE_BASE) {
    s += `.rot ${i.raddrB === SMI_ROTATE_BASE ? 'r5' : i.raddrB - SMI_ROTATE_BASE},`;
  }
  s += ' ' + wreg(!i.ws, i.waddrMul);
  if (i.waddrMul !== REG_NOP) {
    if (i.pm) s += PACK_MUL.get(i.pack) ?? '';
    else if (i.ws) s += PACK_A[i.pack] ?? '';
  }
  if (!mov) s += ', ' + source(i, i.mulA);
  return s + ', ' + source(i, i.mulB);
}

/** The muxes the printed text shows (mov and unary ops print one source). */
function shownMuxes(i: Vc4AluInstr): Vc4Mux[] {
  const out: Vc4Mux[] = [];
  if (i.opAdd !== 'nop') {
    out.push(i.addA);
    if (!(i.opAdd === 'or' && i.addA === i.addB) && ADD_ARITY.get(i.opAdd) === 2) out.push(i.addB);
  }
  if (i.opMul !== 'nop') {
    out.push(i.mulB);
    if (!(i.opMul === 'v8min' && i.mulA === i.mulB)) out.push(i.mulA);
  }
  return out;
}

/** vc4asm's `read` clause for register-file reads (or a small immediate) no ALU operand uses: they still happen. */
function readClauses(i: Vc4AluInstr): string {
  const shown = shownMuxes(i);
  let s = '';
  if (i.raddrA !== REG_NOP && !shown.includes('ra')) s += '; read ' + (VC4_REGS.readA[i.raddrA]?.name ?? '?');
  if (!shown.includes('rb')) {
    if (i.sig === 'smi' && i.raddrB < SMI_ROTATE_BASE) s += '; read ' + (VC4_SMALL_IMMS[i.raddrB]?.text ?? '?');
    else if (i.sig !== 'smi' && i.raddrB !== REG_NOP) s += '; read ' + (VC4_REGS.readB[i.raddrB]?.name ?? '?');
  }
  return s;
}

function aluText(i: Vc4AluInstr): string {
  const sig = SIG_MNEMONIC.get(i.sig) ?? '';
  return addPart(i) + mulPart(i) + readClauses(i) + (sig ? '; ' + sig : '');
}

function loadDests(i: Vc4LoadImmInstr | Vc4SemaphoreInstr): string {
  let s = '';
  if (i.waddrAdd !== REG_NOP) s += wreg(i.ws, i.waddrAdd) + (i.pm ? '' : PACK_A[i.pack] ?? '') + (COND_SUFFIX.get(i.condAdd) ?? '') + ', ';
  if (i.waddrMul !== REG_NOP) s += wreg(!i.ws, i.waddrMul) + (i.pm ? PACK_MUL.get(i.pack) ?? '' : '') + (COND_SUFFIX.get(i.condMul) ?? '') + ', ';
  return s || '-, ';
}

function perElementText(imm: number, signed: boolean): string {
  const vals: number[] = [];
  for (let e = 0; e < 16; e++) {
    const v = (((imm >>> (16 + e)) & 1) << 1) | ((imm >>> e) & 1);
    vals.push(signed && v >= 2 ? v - 4 : v);
  }
  return `[${vals.join(',')}]`;
}

function ldiText(i: Vc4LoadImmInstr): string {
  const value = i.mode === 'u32' ? formatImmediate(i.imm) : perElementText(i.imm, i.mode === 'pes');
  return `${LDI_MNEMONIC.get(i.mode)}${i.sf ? '.setf' : ''} ${loadDests(i)}${value}`;
}

function semText(i: Vc4SemaphoreInstr): string {
  const bits = ((i.high << 5) | (i.acquire ? 16 : 0) | i.semaphore) >>> 0;
  return `s${i.acquire ? 'acq' : 'rel'}${i.sf ? '.setf' : ''} ${loadDests(i)}${formatImmediate(bits)}`;
}

function branchText(i: Vc4BranchInstr): string {
  let s = `${i.rel ? 'brr' : 'bra'}${BCOND_SUFFIX.get(i.cond) ?? ''} `;
  const two = i.waddrMul !== REG_NOP;
  if (i.waddrAdd !== REG_NOP || two) s += wreg(i.ws, i.waddrAdd) + ', ';
  if (two) s += wreg(!i.ws, i.waddrMul) + ', ';
  if (i.waddrAdd === REG_NOP && !two) s += '-, ';
  const num = i.rel ? (i.imm >= 0 ? `+${i.imm}` : String(i.imm)) : String(i.imm);
  if (i.reg) {
    s += `ra${i.raddrA}`;
    if (i.imm !== 0 || two) s += ', ' + num;
  } else {
    if (two) s += '-, ';
    s += num;
  }
  return s;
}

/** The plain vc4asm text of an instruction, without the `raw` clause. */
export function vc4PlainText(instr: Vc4Instr): string {
  switch (instr.kind) {
    case 'alu': return aluText(instr);
    case 'ldi': return ldiText(instr);
    case 'sem': return semText(instr);
    case 'branch': return branchText(instr);
  }
}

const FALLBACK = { alu: 'nop', ldi: 'ldi -, 0', sem: 'srel -, 0', branch: 'brr -, +0' } as const;

const EMPTY_SCOPE: LineContext = {
  address: 0,
  lookup: () => undefined,
  label: () => undefined,
  isRegister: () => true,
};

/** Words of texts parsed back already (a kernel repeats the same few thousand instructions); cleared when large. */
const REASSEMBLED = new Map<string, bigint>();

/** The word a plain text assembles to on its own (no labels), or -1n if it does not. */
function reassembled(text: string): bigint {
  let word = REASSEMBLED.get(text);
  if (word === undefined) {
    try {
      const line = parseVc4Line(tokenize(text), EMPTY_SCOPE, text.length + 1);
      const f = vc4Fields(line.instr);
      word = packVc4Fields(f.format, f.fields);
    } catch {
      word = -1n;
    }
    if (REASSEMBLED.size >= 1 << 15) REASSEMBLED.clear();
    REASSEMBLED.set(text, word);
  }
  return word;
}

/**
 * Disassemble one instruction (object or 64-bit word) to vc4asm text. Throws
 * DecodeError for a word the decoder rejects.
 */
export function disassembleVc4(instrOrWord: Vc4Instr | bigint): string {
  const instr = typeof instrOrWord === 'bigint' ? decodeVc4(instrOrWord) : instrOrWord;
  const text = vc4PlainText(instr);
  const { format, fields } = vc4Fields(instr);
  const word = packVc4Fields(format, fields);
  const reparsed = reassembled(text);
  if (reparsed === word) return text;
  // Name every field the plain text does not reproduce; if the text does not
  // even parse back (a combination only raw fields can express), start from a
  // plain instruction of the same format.
  const base = reparsed >= 0n ? text : FALLBACK[format];
  const back = reparsed >= 0n ? unpackVc4Fields(format, reparsed) : undefined;
  const diffs = Object.keys(VC4_FORMATS[format])
    .filter((k) => (format === 'alu' || k !== 'sig') && (k !== 'mode' || format === 'ldi') && (back === undefined || back[k] !== fields[k]))
    .map((k) => `${k}=${fields[k]}`);
  return `${base}; raw ${diffs.join(', ')}`;
}
