/**
 * Parses one line of vc4asm-syntax QPU code — up to two ALU operations, reads,
 * a signal, or a load immediate / semaphore / branch — into a Vc4Instr, with
 * every conflict reported at its column.
 *
 * qpuc extension: a `raw field=value, …` clause sets encoding fields directly
 * (names from VC4_FORMATS); the disassembler emits it for don't-care bits that
 * the plain syntax does not show, so every word round-trips.
 */
import { LineError, TokenStream, valueBits, type Scope, type Token, type Value } from './asm-lexer.ts';
import type { Vc4AddOp, Vc4AluInstr, Vc4BranchInstr, Vc4Cond, Vc4Instr, Vc4Mux, Vc4MulOp, Vc4Signal } from './instr.ts';
import { vc4Nop } from './instr.ts';
import {
  VC4_ADD_OPS, VC4_BRANCH_CONDS, VC4_CONDS, VC4_FORMATS, VC4_LDI_MODES, VC4_MUL_OPS, VC4_PACK_A, VC4_PACK_MUL,
  VC4_REGS, VC4_REG_ALIASES, VC4_SIGNALS, VC4_SMALL_IMMS, VC4_UNPACK, REG_NOP, SMI_ROTATE_BASE,
} from './table.ts';

const ADD_OPS = new Map<string, (typeof VC4_ADD_OPS)[number]>(VC4_ADD_OPS.map((o) => [o.name, o]));
const MUL_OPS = new Map<string, (typeof VC4_MUL_OPS)[number]>(VC4_MUL_OPS.map((o) => [o.name, o]));
const SIGNAL_BY_MNEMONIC = new Map<string, Vc4Signal>(VC4_SIGNALS.filter((s) => s.mnemonic).map((s) => [s.mnemonic, s.name]));
const COND_BY_SUFFIX = new Map<string, Vc4Cond>(VC4_CONDS.filter((c) => c.suffix).map((c) => [c.suffix.slice(1), c.name]));
const BCOND_BY_SUFFIX = new Map<string, Vc4BranchInstr['cond']>(VC4_BRANCH_CONDS.filter((c) => c.suffix).map((c) => [c.suffix.slice(1), c.name]));
const PACK_A = new Map<string, number>(VC4_PACK_A.filter((p) => p.suffix).map((p) => [p.suffix.slice(1), p.code]));
const PACK_MUL = new Map<string, number>(VC4_PACK_MUL.filter((p) => p.suffix).map((p) => [p.suffix.slice(1), p.code]));
const UNPACK = new Map<string, number>(VC4_UNPACK.filter((p) => p.suffix).map((p) => [p.suffix.slice(1), p.code]));
const LDI_MODES = new Map<string, (typeof VC4_LDI_MODES)[number]['name']>(VC4_LDI_MODES.map((m) => [m.mnemonic, m.name]));

function indexByName(list: readonly { name: string }[]): Map<string, number> {
  const m = new Map<string, number>();
  list.forEach((r, i) => m.set(r.name, i));
  return m;
}
const READ_A = indexByName(VC4_REGS.readA);
const READ_B = indexByName(VC4_REGS.readB);
const WRITE_A = indexByName(VC4_REGS.writeA);
const WRITE_B = indexByName(VC4_REGS.writeB);
const ACCS = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5'];

/** Canonical register name for a spelling (aliases resolved), lower case. */
export function canonicalRegName(name: string): string {
  const n = name.toLowerCase();
  return VC4_REG_ALIASES[n] ?? n;
}

/** Whether a word is a register name of either file (read or write side). */
export function isVc4RegisterName(name: string): boolean {
  const n = canonicalRegName(name);
  return ACCS.includes(n) || READ_A.has(n) || READ_B.has(n) || WRITE_A.has(n) || WRITE_B.has(n);
}

/** The assembled line: an instruction plus raw field overrides. */
export interface ParsedLine {
  instr: Vc4Instr;
  raw: Record<string, number>;
}

/** Context a line needs: names, and the byte address of the line (for relative branches). */
export interface LineContext extends Scope {
  address: number;
}

type Unit = 'add' | 'mul';

/** An ALU operand before the read ports are allocated. */
type Src = { acc: Vc4Mux } | { reg: string; col: number } | { smi: true };

interface AluPart {
  op: string;
  cond: Vc4Cond;
  setf: boolean;
  dest: number;
  a: Src;
  b: Src;
}

/** Accumulates the clauses of one ALU line. */
class AluBuilder {
  add?: AluPart;
  mul?: AluPart;
  reads: { name: string; col: number; needA: boolean }[] = [];
  smi?: number;
  imms: { v: Value; col: number }[] = [];
  rot?: { code: number; col: number };
  mulPack?: { suffix: string; col: number };
  sig?: { name: Vc4Signal; col: number };
  ws?: boolean;
  pm?: { v: boolean; col: number };
  pack?: number;
  unpack?: number;

  setWs(v: boolean, col: number, reg: string): void {
    if (this.ws !== undefined && this.ws !== v) {
      throw new LineError(`${reg}: both ALUs would write the same register file space (write swap conflict)`, col);
    }
    this.ws = v;
  }
  setPm(v: boolean, col: number, why: string): void {
    if (this.pm && this.pm.v !== v) {
      throw new LineError(`${why} needs PM = ${v ? 1 : 0}, but another pack/unpack on this line needs PM = ${this.pm.v ? 1 : 0}`, col);
    }
    this.pm = { v, col };
  }
  setPack(code: number, col: number): void {
    if (this.pack !== undefined && this.pack !== code) throw new LineError('only one pack mode per instruction', col);
    this.pack = code;
  }
  /** Fix the small-immediate field from the immediates and rotation the line uses. */
  resolveSmi(): void {
    const first = this.rot ?? this.imms[0];
    if (!first) return;
    if (this.sig) throw new LineError(`a small immediate cannot be combined with signal '${this.sig.name}'`, first.col);
    if (this.rot) {
      // Under a rotation a mux-7 operand reads code − 64 [ADD, PVC rotate tests].
      for (const m of this.imms) {
        if (m.v.t !== 'int' || m.v.v !== this.rot.code - 64) {
          throw new LineError(`with this rotation the immediate operand can only be ${this.rot.code - 64}`, m.col);
        }
      }
      this.smi = this.rot.code;
      return;
    }
    for (const m of this.imms) {
      const code = smallImmCode(m.v);
      if (code === undefined) throw new LineError(`${valueText(m.v)} is not a small immediate`, m.col);
      if (this.smi !== undefined && this.smi !== code) throw new LineError('only one small immediate per instruction', m.col);
      this.smi = code;
    }
  }
  /** Decide between a mul colour pack (pm = 1) and a regfile-A pack on the mul destination. */
  resolveMulPack(): void {
    if (!this.mulPack) return;
    const { suffix, col } = this.mulPack;
    if (this.pm && !this.pm.v && this.ws === true && PACK_A.has(suffix)) this.setPack(PACK_A.get(suffix) as number, col);
    else {
      this.setPm(true, col, 'mul pack');
      this.setPack(PACK_MUL.get(suffix) as number, col);
    }
  }
  setUnpack(code: number, col: number): void {
    if (this.unpack !== undefined && this.unpack !== code) throw new LineError('only one unpack mode per instruction', col);
    this.unpack = code;
  }
  /** A register operand: accumulators directly, register-file names allocated to ports at the end. */
  read(name: string, col: number, unpackSuffix: number | undefined): Src {
    if (ACCS.includes(name)) {
      if (unpackSuffix !== undefined) {
        if (name !== 'r4') throw new LineError(`unpack applies to regfile A or r4 reads, not ${name}`, col);
        this.setPm(true, col, 'r4 unpack');
        this.setUnpack(unpackSuffix, col);
      }
      return { acc: name as Vc4Mux };
    }
    if (!READ_A.has(name) && !READ_B.has(name)) throw new LineError(`'${name}' cannot be read`, col);
    if (unpackSuffix !== undefined) {
      if (!READ_A.has(name)) throw new LineError('unpack applies to regfile A or r4 reads only', col);
      this.setPm(false, col, 'regfile A unpack');
      this.setUnpack(unpackSuffix, col);
    }
    this.reads.push({ name, col, needA: unpackSuffix !== undefined });
    return { reg: name, col };
  }
  /** Give every register-file read a port: A-only and B-only names first, then names both files have. */
  allocate(): { a?: string; b?: string } {
    let a: string | undefined;
    let b: string | undefined;
    const take = (port: 'a' | 'b', r: { name: string; col: number }): void => {
      const cur = port === 'a' ? a : b;
      if (cur !== undefined && cur !== r.name) {
        throw new LineError(`regfile ${port.toUpperCase()} read port already reads ${cur}; cannot also read ${r.name}`, r.col);
      }
      if (port === 'b' && this.smi !== undefined) {
        throw new LineError(`${r.name} needs the regfile B read field, which holds the small immediate`, r.col);
      }
      if (port === 'a') a = r.name;
      else b = r.name;
    };
    for (const r of this.reads) if (r.needA || !READ_B.has(r.name)) take('a', r);
    for (const r of this.reads) if (!READ_A.has(r.name)) take('b', r);
    for (const r of this.reads) {
      if (r.name === a || r.name === b) continue;
      if (a === undefined) a = r.name;
      else take('b', r);
    }
    return { a, b };
  }
}

/** Small-immediate code for a number, or undefined. */
export function smallImmCode(v: Value): number | undefined {
  if (v.t === 'reg') return undefined;
  const e = VC4_SMALL_IMMS.find((s) => s.kind === v.t && s.value === v.v);
  return e?.code;
}

function suffixError(s: { v: string; col: number }, where: string): never {
  throw new LineError(`unknown suffix '.${s.v}' on ${where}`, s.col);
}

/** Parse a destination register operand; returns write address and space constraint. */
function destination(ts: TokenStream, scope: Scope): { name: string; col: number; a?: number; b?: number; suffixes: { v: string; col: number }[] } {
  const col = ts.col();
  const t = ts.peek();
  if (t && t.t === 'op' && t.v === '-') {
    const next = ts.toks[ts.pos + 1];
    if (!next || (next.t === 'op' && (next.v === ',' || next.v === ';'))) {
      ts.pos++;
      return { name: '-', col, a: REG_NOP, b: REG_NOP, suffixes: [] };
    }
  }
  const v = ts.expr(scope);
  if (v.t !== 'reg') throw new LineError('expected a destination register', col);
  const name = canonicalRegName(v.name);
  const a = WRITE_A.get(name);
  const b = WRITE_B.get(name);
  if (a === undefined && b === undefined) throw new LineError(`'${v.name}' cannot be written`, col);
  // Suffixes come from the expression (register alias) and the tokens after it.
  return { name, col, a, b, suffixes: v.suffixes };
}

function placeDest(bld: { setWs(v: boolean, col: number, reg: string): void }, unit: Unit, d: { name: string; col: number; a?: number; b?: number }): number {
  // add writes A space unless ws; mul writes B space unless ws.
  if (d.a !== undefined && d.b !== undefined && d.a === d.b) return d.a;
  if (d.a !== undefined && d.b === undefined) {
    bld.setWs(unit === 'mul', d.col, d.name);
    return d.a;
  }
  if (d.b !== undefined && d.a === undefined) {
    bld.setWs(unit === 'add', d.col, d.name);
    return d.b;
  }
  throw new LineError(`'${d.name}' is ambiguous`, d.col);
}

interface Clause {
  mnemonic: string;
  col: number;
  suffixes: { v: string; col: number }[];
  ts: TokenStream;
}

function splitClauses(toks: Token[], endCol: number): Clause[] {
  const out: Clause[] = [];
  let cur: Token[] = [];
  const flush = (): void => {
    if (cur.length === 0) return;
    const head = cur[0] as Token;
    if (head.t !== 'ident') throw new LineError('expected an instruction mnemonic', head.col);
    const ts = new TokenStream(cur.slice(1), endCol);
    out.push({ mnemonic: head.v.toLowerCase(), col: head.col, suffixes: ts.suffixes(), ts });
    cur = [];
  };
  for (const t of toks) {
    if (t.t === 'op' && t.v === ';') flush();
    else cur.push(t);
  }
  flush();
  return out;
}

/** Parse one instruction line (tokens of everything but labels and comments). */
export function parseVc4Line(toks: Token[], ctx: LineContext, endCol: number): ParsedLine {
  const clauses = splitClauses(toks, endCol);
  if (clauses.length === 0) throw new LineError('empty instruction', endCol);
  const raw: Record<string, number> = {};
  const rest: Clause[] = [];
  for (const c of clauses) {
    if (c.mnemonic === 'raw') parseRaw(c, ctx, raw);
    else rest.push(c);
  }
  const special = rest.find((c) => LDI_MODES.has(c.mnemonic) || c.mnemonic === 'sacq' || c.mnemonic === 'srel' || c.mnemonic === 'bra' || c.mnemonic === 'brr');
  let instr: Vc4Instr;
  if (special) {
    const other = rest.find((c) => c !== special);
    if (other) throw new LineError(`'${special.mnemonic}' cannot be combined with '${other.mnemonic}' in one instruction`, other.col);
    instr = special.mnemonic === 'bra' || special.mnemonic === 'brr' ? parseBranch(special, ctx) : parseLoad(special, ctx);
  } else {
    instr = parseAlu(rest, ctx);
  }
  return { instr, raw };
}

function parseRaw(c: Clause, ctx: Scope, raw: Record<string, number>): void {
  const known = new Set(Object.values(VC4_FORMATS).flatMap((f) => Object.keys(f)));
  if (c.suffixes.length) suffixError(c.suffixes[0] as { v: string; col: number }, 'raw');
  do {
    const t = c.ts.peek();
    if (!t || t.t !== 'ident' || !known.has(t.v)) throw new LineError('expected an encoding field name', c.ts.col());
    c.ts.pos++;
    c.ts.expectOp('=');
    const col = c.ts.col();
    const v = c.ts.expr(ctx);
    if (v.t !== 'int') throw new LineError('raw field values are integers', col);
    raw[t.v] = v.v >>> 0;
  } while (c.ts.eatOp(','));
  if (!c.ts.atEnd()) throw new LineError("expected ',' or end of clause", c.ts.col());
}

function endOfClause(c: Clause): void {
  if (!c.ts.atEnd()) throw new LineError(`unexpected '${tokText(c.ts.peek() as Token)}' in '${c.mnemonic}'`, c.ts.col());
}
function tokText(t: Token): string {
  return t.t === 'num' ? String(t.v) : t.t === 'suffix' ? `.${t.v}` : t.v;
}

function parseAlu(clauses: Clause[], ctx: LineContext): Vc4Instr {
  const bld = new AluBuilder();
  for (const c of clauses) {
    const sig = SIGNAL_BY_MNEMONIC.get(c.mnemonic);
    if (sig) {
      if (c.suffixes.length) suffixError(c.suffixes[0] as { v: string; col: number }, c.mnemonic);
      endOfClause(c);
      if (bld.sig) throw new LineError(`only one signal per instruction ('${bld.sig.name}' already given)`, c.col);
      bld.sig = { name: sig, col: c.col };
      continue;
    }
    if (c.mnemonic === 'read') {
      if (c.suffixes.length) suffixError(c.suffixes[0] as { v: string; col: number }, 'read');
      const col = c.ts.col();
      const v = c.ts.expr(ctx);
      endOfClause(c);
      if (v.t === 'reg') {
        const name = canonicalRegName(v.name);
        if (ACCS.includes(name)) throw new LineError('read takes a register-file register or a small immediate', col);
        bld.read(name, col, undefined);
      } else {
        bld.imms.push({ v, col });
      }
      continue;
    }
    const ldi = aluClause(c, bld, ctx, clauses.length);
    if (ldi) return ldi;
  }
  bld.resolveSmi();
  bld.resolveMulPack();
  const ports = bld.allocate();
  const mux = (s: Src): Vc4Mux => ('acc' in s ? s.acc : 'smi' in s ? 'rb' : s.reg === ports.a ? 'ra' : 'rb');
  const i = vc4Nop();
  i.ws = bld.ws ?? false;
  i.pm = bld.pm?.v ?? false;
  i.pack = bld.pack ?? 0;
  i.unpack = bld.unpack ?? 0;
  i.raddrA = ports.a !== undefined ? (READ_A.get(ports.a) as number) : REG_NOP;
  i.raddrB = bld.smi ?? (ports.b !== undefined ? (READ_B.get(ports.b) as number) : REG_NOP);
  i.sig = bld.smi !== undefined ? 'smi' : bld.sig?.name ?? 'none';
  if (bld.add) {
    i.opAdd = bld.add.op as Vc4AddOp;
    i.condAdd = bld.add.cond;
    i.waddrAdd = bld.add.dest;
    i.addA = mux(bld.add.a);
    i.addB = mux(bld.add.b);
  }
  if (bld.mul) {
    i.opMul = bld.mul.op as Vc4MulOp;
    i.condMul = bld.mul.cond;
    i.waddrMul = bld.mul.dest;
    i.mulA = mux(bld.mul.a);
    i.mulB = mux(bld.mul.b);
  }
  i.sf = (bld.add?.setf ?? false) || (bld.mul?.setf ?? false);
  return i;
}

/** One ALU clause; returns a load-immediate instruction when `mov` needs one. */
function aluClause(c: Clause, bld: AluBuilder, ctx: LineContext, nClauses: number): Vc4Instr | undefined {
  let mn = c.mnemonic;
  let unit: Unit | undefined;
  if (mn === 'anop' || mn === 'mnop') {
    unit = mn === 'anop' ? 'add' : 'mul';
    mn = 'nop';
  }
  const isMov = mn === 'mov';
  let cond: Vc4Cond = 'always';
  let setf = false;
  let rot: { code: number; col: number } | undefined;
  for (const s of c.suffixes) {
    const cc = COND_BY_SUFFIX.get(s.v) ?? (s.v === 'never' ? 'never' : undefined);
    if (cc) cond = cc;
    else if (s.v === 'setf') setf = true;
    else if (s.v === 'rot') {
      const col = c.ts.col();
      const t = c.ts.peek();
      let code: number;
      if (t && t.t === 'ident' && t.v.toLowerCase() === 'r5') {
        c.ts.pos++;
        code = SMI_ROTATE_BASE;
      } else {
        const v = c.ts.expr(ctx);
        if (v.t !== 'int' || v.v < 1 || v.v > 15) throw new LineError('rotation must be 1–15 or r5', col);
        code = SMI_ROTATE_BASE + v.v;
      }
      c.ts.expectOp(',');
      rot = { code, col };
    } else suffixError(s, c.mnemonic);
  }
  const inAdd = mn === 'nop' || isMov || ADD_OPS.has(mn);
  const inMul = mn === 'nop' || isMov || MUL_OPS.has(mn);
  if (!inAdd && !inMul) throw new LineError(`unknown instruction '${c.mnemonic}'`, c.col);
  if (!unit) {
    if (rot) unit = 'mul';
    else if (inAdd && !bld.add) unit = 'add';
    else if (inMul && !bld.mul) unit = 'mul';
    else throw new LineError(`no ALU left for '${c.mnemonic}'`, c.col);
  }
  if (unit === 'add' ? bld.add : bld.mul) throw new LineError(`the ${unit} ALU is already used on this line`, c.col);
  if (unit === 'add' ? !inAdd : !inMul) throw new LineError(`'${mn}' is not a ${unit}-ALU operation`, c.col);
  if (rot && unit !== 'mul') throw new LineError('vector rotation is done by the mul ALU only', rot.col);
  if (rot) {
    if (bld.rot) throw new LineError('only one rotation per instruction', rot.col);
    bld.rot = rot;
  }
  if (mn === 'nop') {
    endOfClause(c);
    if (setf || cond !== 'always') throw new LineError('nop takes no condition or .setf', c.col);
    const part: AluPart = { op: 'nop', cond: 'never', setf: false, dest: REG_NOP, a: { acc: 'r0' }, b: { acc: 'r0' } };
    if (unit === 'add') bld.add = part;
    else bld.mul = part;
    return undefined;
  }
  const op = isMov ? (unit === 'add' ? 'or' : 'v8min') : mn;
  const arity = isMov ? 1 : (unit === 'add' ? ADD_OPS.get(op) : MUL_OPS.get(op))?.arity ?? 2;
  const d = destination(c.ts, ctx);
  const dest = placeDest(bld, unit, d);
  for (const s of d.suffixes.concat(c.ts.suffixes())) {
    if (unit === 'mul' && PACK_MUL.has(s.v)) {
      if (bld.mulPack) throw new LineError('only one pack mode per instruction', s.col);
      bld.mulPack = { suffix: s.v, col: s.col };
    } else if (PACK_A.has(s.v)) {
      bld.setPm(false, s.col, 'regfile A pack');
      bld.setPack(PACK_A.get(s.v) as number, s.col);
    } else suffixError(s, 'a destination');
  }
  const srcs: Src[] = [];
  for (let k = 0; k < arity; k++) {
    c.ts.expectOp(',');
    const col = c.ts.col();
    const v = c.ts.expr(ctx);
    if (v.t === 'reg') {
      let unpack: number | undefined;
      for (const s of v.suffixes) {
        const u = UNPACK.get(s.v);
        if (u === undefined) throw new LineError(`unknown unpack suffix '.${s.v}'`, s.col);
        unpack = u;
      }
      srcs.push(bld.read(canonicalRegName(v.name), col, unpack));
      continue;
    }
    if (smallImmCode(v) === undefined && !(rot && v.t === 'int' && v.v === rot.code - 64)) {
      if (isMov && nClauses === 1) return movAsLdi(v, d, cond, bld, col, setf);
      throw new LineError(`${valueText(v)} is not a small immediate (use ldi, or mov alone on a line)`, col);
    }
    bld.imms.push({ v, col });
    srcs.push({ smi: true });
  }
  endOfClause(c);
  const a = srcs[0] as Src;
  const part: AluPart = { op, cond, setf, dest, a, b: arity === 2 ? (srcs[1] as Src) : a };
  if (setf && unit === 'mul' && bld.add && bld.add.op !== 'nop') throw new LineError('flags come from the add ALU when it is in use; put .setf there', c.col);
  if (setf && unit === 'add' && bld.mul?.setf) throw new LineError('only one .setf per instruction', c.col);
  if (unit === 'add') bld.add = part;
  else bld.mul = part;
  return undefined;
}

function movAsLdi(v: Value, d: { name: string; col: number; a?: number; b?: number; suffixes: { v: string; col: number }[] }, cond: Vc4Cond, bld: AluBuilder, col: number, setf = false): Vc4Instr {
  if (bld.sig) throw new LineError(`${valueText(v)} needs a load immediate, which cannot carry signal '${bld.sig.name}'`, col);
  const ws = { ws: undefined as boolean | undefined, setWs(x: boolean, c: number, r: string) {
    if (this.ws !== undefined && this.ws !== x) throw new LineError(`${r}: write swap conflict`, c);
    this.ws = x;
  } };
  const dest = placeDest(ws, 'add', d);
  let pack = 0;
  for (const s of d.suffixes) {
    const p = PACK_A.get(s.v);
    if (p === undefined) suffixError(s, 'a destination');
    pack = p;
  }
  return {
    kind: 'ldi', mode: 'u32', imm: valueBits(v), pm: false, pack, condAdd: cond, condMul: 'never', sf: setf, ws: ws.ws ?? false,
    waddrAdd: dest, waddrMul: REG_NOP,
  };
}

function valueText(v: Value): string {
  return v.t === 'reg' ? v.name : String(v.v);
}

/** `ldi`, `ldipes`, `ldipeu`, `sacq`, `srel`. */
function parseLoad(c: Clause, ctx: LineContext): Vc4Instr {
  let cond: Vc4Cond = 'always';
  let setf = false;
  for (const s of c.suffixes) {
    const cc = COND_BY_SUFFIX.get(s.v) ?? (s.v === 'never' ? 'never' : undefined);
    if (cc) cond = cc;
    else if (s.v === 'setf') setf = true;
    else suffixError(s, c.mnemonic);
  }
  const ws = { ws: undefined as boolean | undefined, setWs(x: boolean, col: number, r: string) {
    if (this.ws !== undefined && this.ws !== x) throw new LineError(`${r}: both destinations are in the same register file space`, col);
    this.ws = x;
  } };
  const dests: { addr: number; cond: Vc4Cond; pack?: number }[] = [];
  let pm = false;
  let pack = 0;
  let value: Value | undefined;
  let valueCol = 0;
  for (;;) {
    const col = c.ts.col();
    const t = c.ts.peek();
    const isDash = t && t.t === 'op' && t.v === '-' && (c.ts.toks[c.ts.pos + 1] === undefined || (c.ts.toks[c.ts.pos + 1] as Token).t === 'op');
    const isReg = t && t.t === 'ident' && (isVc4RegisterName(t.v) || ctx.lookup(t.v)?.t === 'reg');
    if (!isDash && !isReg) {
      if (t && t.t === 'op' && t.v === '[') {
        value = perElement(c, ctx);
      } else value = c.ts.expr(ctx);
      valueCol = col;
      break;
    }
    const d = destination(c.ts, ctx);
    if (d.name !== '-') {
      const unit: Unit = dests.length === 0 ? 'add' : 'mul';
      if (dests.length === 2) throw new LineError('at most two destinations', col);
      const addr = placeDest(ws, unit, d);
      let dc = cond;
      for (const s of d.suffixes.concat(c.ts.suffixes())) {
        const cc = COND_BY_SUFFIX.get(s.v) ?? (s.v === 'never' ? 'never' : undefined);
        if (cc) dc = cc;
        else if (unit === 'add' && PACK_A.has(s.v)) {
          pack = PACK_A.get(s.v) as number;
        } else if (unit === 'mul' && PACK_MUL.has(s.v)) {
          pm = true;
          pack = PACK_MUL.get(s.v) as number;
        } else suffixError(s, 'a load-immediate destination');
      }
      dests.push({ addr, cond: dc });
    }
    c.ts.expectOp(',');
  }
  endOfClause(c);
  if (value.t === 'reg') throw new LineError('expected a constant', valueCol);
  const add = dests[0];
  const mul = dests[1];
  const w = {
    pm, pack, condAdd: add ? add.cond : 'never' as Vc4Cond, condMul: mul ? mul.cond : 'never' as Vc4Cond, sf: setf,
    ws: ws.ws ?? false, waddrAdd: add ? add.addr : REG_NOP, waddrMul: mul ? mul.addr : REG_NOP,
  };
  if (c.mnemonic === 'sacq' || c.mnemonic === 'srel') {
    if (value.t !== 'int') throw new LineError('semaphore number must be an integer', valueCol);
    const bits = value.v >>> 0;
    return { kind: 'sem', acquire: c.mnemonic === 'sacq', semaphore: bits & 15, high: bits >>> 5, ...w };
  }
  const mode = LDI_MODES.get(c.mnemonic) as 'u32' | 'pes' | 'peu';
  if (mode !== 'u32' && !Array.isArray((value as { elems?: unknown }).elems) && value.t === 'float') {
    throw new LineError('per-element load immediates take integers', valueCol);
  }
  return { kind: 'ldi', mode, imm: valueBits(value), ...w };
}

/** `[v0, …, v15]` per-element 2-bit values: element i → bit i (LSB) and bit 16+i (MSB) [ARG p.33]. */
function perElement(c: Clause, ctx: Scope): Value {
  const open = c.ts.col();
  c.ts.expectOp('[');
  let lo = 0;
  let hi = 0;
  let n = 0;
  const signed = c.mnemonic === 'ldipes';
  do {
    const col = c.ts.col();
    const v = c.ts.expr(ctx);
    if (v.t !== 'int') throw new LineError('per-element values are integers', col);
    const ok = signed ? v.v >= -2 && v.v <= 1 : v.v >= 0 && v.v <= 3;
    if (!ok) throw new LineError(`per-element value ${v.v} out of range ${signed ? '-2..1' : '0..3'}`, col);
    if (n >= 16) throw new LineError('more than 16 per-element values', col);
    lo |= (v.v & 1) << n;
    hi |= ((v.v >> 1) & 1) << n;
    n++;
  } while (c.ts.eatOp(','));
  c.ts.expectOp(']');
  if (n !== 16) throw new LineError(`expected 16 per-element values, got ${n}`, open);
  return { t: 'int', v: (lo | (hi << 16)) | 0 };
}

/** `bra`/`brr` [.cond] dest…, target1[, target2]. */
function parseBranch(c: Clause, ctx: LineContext): Vc4BranchInstr {
  let cond: Vc4BranchInstr['cond'] = 'always';
  for (const s of c.suffixes) {
    const bc = BCOND_BY_SUFFIX.get(s.v);
    if (!bc) suffixError(s, c.mnemonic);
    cond = bc;
  }
  const rel = c.mnemonic === 'brr';
  const ops: { col: number; toks: Token[] }[] = [];
  let cur: Token[] = [];
  let depth = 0;
  for (const t of c.ts.toks.slice(c.ts.pos)) {
    if (t.t === 'op' && (t.v === '(' || t.v === '[')) depth++;
    if (t.t === 'op' && (t.v === ')' || t.v === ']')) depth--;
    if (t.t === 'op' && t.v === ',' && depth === 0) {
      ops.push({ col: cur[0]?.col ?? t.col, toks: cur });
      cur = [];
    } else cur.push(t);
  }
  ops.push({ col: cur[0]?.col ?? c.ts.endCol, toks: cur });
  if (ops.length < 2 || ops.length > 4) throw new LineError(`'${c.mnemonic}' takes destination(s) and target(s)`, c.col);
  const nDest = ops.length === 4 ? 2 : 1;
  const ws = { ws: undefined as boolean | undefined, setWs(x: boolean, col: number, r: string) {
    if (this.ws !== undefined && this.ws !== x) throw new LineError(`${r}: both link destinations are in the same register file space`, col);
    this.ws = x;
  } };
  const links: number[] = [];
  for (let k = 0; k < nDest; k++) {
    const o = ops[k] as { col: number; toks: Token[] };
    const ts = new TokenStream(o.toks, c.ts.endCol);
    const d = destination(ts, ctx);
    if (!ts.atEnd()) throw new LineError('unexpected text after the link register', ts.col());
    if (d.suffixes.length) suffixError(d.suffixes[0] as { v: string; col: number }, 'a link register');
    links.push(d.name === '-' ? REG_NOP : placeDest(ws, k === 0 ? 'add' : 'mul', d));
  }
  let reg: number | undefined;
  let imm: number | undefined;
  for (const o of ops.slice(nDest)) {
    const ts = new TokenStream(o.toks, c.ts.endCol);
    if (o.toks.length === 1 && o.toks[0]?.t === 'op' && o.toks[0].v === '-') continue;
    if (o.toks.length === 0) throw new LineError('missing branch target', o.col);
    const v = ts.expr(ctx);
    if (!ts.atEnd()) throw new LineError('unexpected text in branch target', ts.col());
    if (v.t === 'reg') {
      const a = READ_A.get(canonicalRegName(v.name));
      if (a === undefined || a > 31 || reg !== undefined) throw new LineError('a branch adds one register ra0–ra31', o.col);
      reg = a;
    } else {
      if (v.t !== 'int' || imm !== undefined) throw new LineError('a branch adds one integer offset or label', o.col);
      // A label target of a relative branch is relative to the instruction after the 3 delay slots [ARG p.34].
      imm = v.label && rel ? (v.v - (ctx.address + 32)) | 0 : v.v | 0;
    }
  }
  const sole = links.length === 1;
  return {
    kind: 'branch', cond, rel, reg: reg !== undefined, raddrA: reg ?? 0, ws: ws.ws ?? false,
    waddrAdd: links[0] ?? REG_NOP, waddrMul: sole ? REG_NOP : (links[1] ?? REG_NOP), imm: imm ?? 0, unused: 0,
  };
}
