/**
 * Encoder and decoder between Vc4Instr objects and 64-bit words, driven by the
 * field layouts of table.ts.
 */
import { DecodeError } from '../isa.ts';
import type { Vc4Instr, Vc4AluInstr, Vc4WriteFields } from './instr.ts';
import {
  VC4_ADD_OPS, VC4_BRANCH_CONDS, VC4_CONDS, VC4_FORMATS, VC4_LDI_MODES, VC4_MUL_OPS, VC4_MUXES, VC4_PACK_MUL,
  VC4_SIGNALS, LDI_MODE_SEMAPHORE, SIG_BRANCH, SIG_LOAD_IMM, type Vc4Format,
} from './table.ts';

/** Field values of one word, by the field names of its format. */
export type Vc4Fields = Record<string, number>;

/** Thrown for an instruction object that cannot be encoded (a field out of range or an unknown name). */
export class Vc4EncodeError extends Error {}

function byName<T extends { name: string; code: number }>(list: readonly T[]): Map<string, number> {
  return new Map(list.map((e) => [e.name, e.code]));
}
function byCode<T extends { code: number }>(list: readonly T[]): Map<number, T> {
  return new Map(list.map((e) => [e.code, e]));
}

const ADD_CODE = byName(VC4_ADD_OPS);
const MUL_CODE = byName(VC4_MUL_OPS);
const COND_CODE = byName(VC4_CONDS);
const BCOND_CODE = byName(VC4_BRANCH_CONDS);
const SIG_CODE = byName(VC4_SIGNALS);
const LDI_CODE = byName(VC4_LDI_MODES);
/** Decoder lookups by code (exported for the disassembler and emulator). */
export const ADD_BY_CODE = byCode(VC4_ADD_OPS);
export const MUL_BY_CODE = byCode(VC4_MUL_OPS);
export const COND_BY_CODE = byCode(VC4_CONDS);
export const BCOND_BY_CODE = byCode(VC4_BRANCH_CONDS);
export const SIG_BY_CODE = byCode(VC4_SIGNALS);
export const LDI_BY_CODE = byCode(VC4_LDI_MODES);
const MUL_PACKS = new Set<number>(VC4_PACK_MUL.map((p) => p.code));

function code(map: Map<string, number>, name: string, what: string): number {
  const c = map.get(name);
  if (c === undefined) throw new Vc4EncodeError(`unknown ${what} '${name}'`);
  return c;
}
function muxCode(m: string): number {
  const c = (VC4_MUXES as readonly string[]).indexOf(m);
  if (c < 0) throw new Vc4EncodeError(`unknown input mux '${m}'`);
  return c;
}
const b = (x: boolean): number => (x ? 1 : 0);

function writeFields(i: Vc4WriteFields): Vc4Fields {
  return {
    pm: b(i.pm), pack: i.pack, cond_add: code(COND_CODE, i.condAdd, 'condition'),
    cond_mul: code(COND_CODE, i.condMul, 'condition'), sf: b(i.sf), ws: b(i.ws), waddr_add: i.waddrAdd, waddr_mul: i.waddrMul,
  };
}

/** The format and field values of an instruction object. */
export function vc4Fields(instr: Vc4Instr): { format: Vc4Format; fields: Vc4Fields } {
  switch (instr.kind) {
    case 'alu':
      return {
        format: 'alu',
        fields: {
          sig: code(SIG_CODE, instr.sig, 'signal'), unpack: instr.unpack, ...writeFields(instr),
          op_mul: code(MUL_CODE, instr.opMul, 'mul op'), op_add: code(ADD_CODE, instr.opAdd, 'add op'),
          raddr_a: instr.raddrA, raddr_b: instr.raddrB, add_a: muxCode(instr.addA), add_b: muxCode(instr.addB),
          mul_a: muxCode(instr.mulA), mul_b: muxCode(instr.mulB),
        },
      };
    case 'ldi':
      return { format: 'ldi', fields: { sig: SIG_LOAD_IMM, mode: code(LDI_CODE, instr.mode, 'ldi mode'), ...writeFields(instr), imm: instr.imm >>> 0 } };
    case 'sem':
      return {
        format: 'sem',
        fields: { sig: SIG_LOAD_IMM, mode: LDI_MODE_SEMAPHORE, ...writeFields(instr), sem_high: instr.high, sa: b(instr.acquire), semaphore: instr.semaphore },
      };
    case 'branch':
      return {
        format: 'branch',
        fields: {
          sig: SIG_BRANCH, unused: instr.unused, cond_br: code(BCOND_CODE, instr.cond, 'branch condition'), rel: b(instr.rel),
          reg: b(instr.reg), raddr_a: instr.raddrA, ws: b(instr.ws), waddr_add: instr.waddrAdd, waddr_mul: instr.waddrMul,
          imm: instr.imm >>> 0,
        },
      };
  }
}

/** A field of a format: name, highest and lowest bit, width and 2^width (the first value that does not fit). */
interface FieldSpec {
  name: string;
  hi: number;
  lo: number;
  width: number;
  limit: number;
}

/** Each format's fields in table order (worked out once: packing runs per instruction). */
const FIELD_LISTS = new Map<Vc4Format, FieldSpec[]>();

function fieldList(format: Vc4Format): FieldSpec[] {
  let list = FIELD_LISTS.get(format);
  if (!list) {
    list = (Object.entries(VC4_FORMATS[format]) as [string, readonly [number, number]][]).map(([name, [hi, lo]]) => ({ name, hi, lo, width: hi - lo + 1, limit: 2 ** (hi - lo + 1) }));
    FIELD_LISTS.set(format, list);
  }
  return list;
}

/**
 * Pack field values into a word; every value must fit its field. Built in two
 * 32-bit halves with one BigInt at the end (a BigInt per field was most of the
 * cost of encoding and of the disassembler's round-trip check).
 */
export function packVc4Fields(format: Vc4Format, fields: Vc4Fields): bigint {
  let low = 0;
  let high = 0;
  for (const { name, lo, width, limit } of fieldList(format)) {
    const v = fields[name] ?? 0;
    if (!Number.isInteger(v) || v < 0 || v >= limit) {
      throw new Vc4EncodeError(`field ${name} = ${v} does not fit in ${width} bits`);
    }
    // Fields are at most 32 bits wide; `<<` keeps the bits that land in the low half, `>>>` brings down the rest.
    if (lo >= 32) high |= v << (lo - 32);
    else {
      low |= v << lo;
      if (lo + width > 32) high |= v >>> (32 - lo);
    }
  }
  return (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
}

/** Unpack a word into the field values of a format. */
export function unpackVc4Fields(format: Vc4Format, word: bigint): Vc4Fields {
  const out: Vc4Fields = {};
  for (const [name, [hi, lo]] of Object.entries(VC4_FORMATS[format]) as [string, readonly [number, number]][]) {
    out[name] = Number((word >> BigInt(lo)) & ((1n << BigInt(hi - lo + 1)) - 1n));
  }
  return out;
}

/** The format a word is in; throws DecodeError for undocumented load-immediate modes. */
export function vc4FormatOf(word: bigint): Vc4Format {
  const sig = Number(word >> 60n);
  if (sig === SIG_BRANCH) return 'branch';
  if (sig !== SIG_LOAD_IMM) return 'alu';
  const mode = Number((word >> 57n) & 7n);
  if (mode === LDI_MODE_SEMAPHORE) return 'sem';
  if (LDI_BY_CODE.has(mode)) return 'ldi';
  throw new DecodeError(`load immediate mode ${mode} (bits 59:57) is undocumented`, word);
}

/** Encode an instruction into its 64-bit word. Throws Vc4EncodeError on out-of-range fields. */
export function encodeVc4(instr: Vc4Instr): bigint {
  const { format, fields } = vc4Fields(instr);
  return packVc4Fields(format, fields);
}

function name<T extends { name: string }>(map: Map<number, T>, c: number, what: string, word: bigint): T['name'] {
  const e = map.get(c);
  if (!e) throw new DecodeError(`${what} ${c} is reserved`, word);
  return e.name;
}

/** Decode a 64-bit word. Throws DecodeError for reserved opcodes, conditions, pack or ldi modes. */
export function decodeVc4(word: bigint): Vc4Instr {
  if (word < 0n || word >= 1n << 64n) throw new DecodeError(`not a 64-bit word: ${word}`, word);
  const format = vc4FormatOf(word);
  const f = unpackVc4Fields(format, word);
  const g = (k: string): number => f[k] as number;
  if (format === 'branch') {
    const imm = g('imm') | 0;
    return {
      kind: 'branch', cond: name(BCOND_BY_CODE, g('cond_br'), 'branch condition', word), rel: g('rel') === 1, reg: g('reg') === 1,
      raddrA: g('raddr_a'), ws: g('ws') === 1, waddrAdd: g('waddr_add'), waddrMul: g('waddr_mul'), imm, unused: g('unused'),
    };
  }
  const pm = g('pm') === 1;
  if (pm && !MUL_PACKS.has(g('pack'))) throw new DecodeError(`mul pack mode ${g('pack')} (pm = 1) is reserved`, word);
  const w: Vc4WriteFields = {
    pm, pack: g('pack'), condAdd: name(COND_BY_CODE, g('cond_add'), 'condition', word),
    condMul: name(COND_BY_CODE, g('cond_mul'), 'condition', word), sf: g('sf') === 1, ws: g('ws') === 1,
    waddrAdd: g('waddr_add'), waddrMul: g('waddr_mul'),
  };
  if (format === 'ldi') return { kind: 'ldi', mode: name(LDI_BY_CODE, g('mode'), 'ldi mode', word), imm: g('imm'), ...w };
  if (format === 'sem') return { kind: 'sem', acquire: g('sa') === 1, semaphore: g('semaphore'), high: g('sem_high'), ...w };
  const alu: Vc4AluInstr = {
    kind: 'alu', sig: name(SIG_BY_CODE, g('sig'), 'signal', word), unpack: g('unpack'), ...w,
    opAdd: name(ADD_BY_CODE, g('op_add'), 'add opcode', word), opMul: name(MUL_BY_CODE, g('op_mul'), 'mul opcode', word),
    raddrA: g('raddr_a'), raddrB: g('raddr_b'), addA: VC4_MUXES[g('add_a')] as Vc4AluInstr['addA'],
    addB: VC4_MUXES[g('add_b')] as Vc4AluInstr['addB'], mulA: VC4_MUXES[g('mul_a')] as Vc4AluInstr['mulA'],
    mulB: VC4_MUXES[g('mul_b')] as Vc4AluInstr['mulB'],
  };
  return alu;
}
