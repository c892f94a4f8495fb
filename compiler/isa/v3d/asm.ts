/**
 * Text assembler for V3D 4.2 / 7.1. It accepts exactly the syntax the
 * disassembler prints (Mesa's), so `assemble(disassemble(w)) == w`, plus:
 *
 *  - comments: `#` or `//` to the end of the line (`;` separates the parts of
 *    an instruction, so it cannot start a comment);
 *  - labels: `name:` at the start of a line, alone or before an instruction;
 *    a branch target may be a label (relative branch, offset counted from the
 *    instruction after the three delay slots, as Mesa's compiler does);
 *  - `.uniform v1, v2, ...`: 32-bit uniform values (integers, 0x-hex, or
 *    decimals with a point such as `1.5` stored as f32 bits), recorded in
 *    `AssembledProgram.data`; they emit no code;
 *  - `.word 0x...`: one raw 64-bit instruction word;
 *  - the mul part and signals may be left out (`fadd rf1, rf2, rf3` means
 *    `fadd rf1, rf2, rf3 ; nop`).
 *
 * On 4.2 the assembler chooses register-file ports itself: the first distinct
 * register read goes through port A, the second through port B (B is the
 * small-immediate port when an immediate is used). Unused port fields are 0.
 */
import { AsmError, type AssembledProgram } from '../isa.ts';
import {
  noSignals, nopPart, smallImmIndex, type Pack, type Unpack, type V3dAluInstr, type V3dAluPart, type V3dBranchInstr,
  type V3dFlags, type V3dInstr, type V3dVersion,
} from './instr.ts';
import {
  ADDRESS_SIGNALS, BRANCH_CONDS, CONDS, F16_UNPACK, F32_UNPACK, I32_UNPACK, PACKS, PUSH_FLAGS, SIGNAL_PRINT_ORDER,
  UPDATE_FLAGS, addOpInfo, isaTable, mulOpInfo, type SignalName, type V3dOpInfo,
} from './table.ts';
import { EncodeError, encodeInstr } from './encode.ts';
import { assignReads, type Src } from './operands.ts';
import { f32Bits } from '../../ir/f32.ts';

/** A piece of a source line with its 1-based column. */
interface Tok {
  text: string;
  col: number;
}

class Ctx {
  constructor(readonly file: string, readonly line: number, readonly ver: V3dVersion) {}
  fail(message: string, col: number): never {
    throw new AsmError(message, this.file, this.line, col);
  }
}

/** Split `t` on `sep`, keeping the trimmed pieces' columns. */
function split(t: Tok, sep: string): Tok[] {
  const out: Tok[] = [];
  let start = 0;
  for (;;) {
    const i = t.text.indexOf(sep, start);
    const raw = t.text.slice(start, i < 0 ? undefined : i);
    const lead = raw.length - raw.trimStart().length;
    out.push({ text: raw.trim(), col: t.col + start + lead });
    if (i < 0) return out;
    start = i + sep.length;
  }
}

/** Parse an integer literal (decimal, optionally negative, or 0x-hex); undefined if it is not one. */
function parseInt32(s: string): number | undefined {
  if (/^-?\d+$/.test(s)) return Number(s);
  if (/^-?0x[0-9a-f]+$/i.test(s)) return s.startsWith('-') ? -Number(s.slice(1)) : Number(s);
  return undefined;
}

const ALL_UNPACKS: readonly string[] = [...F32_UNPACK, ...F16_UNPACK, ...I32_UNPACK];

/** `base.suffix` → [base, suffix]; at the first dot (register and magic names have none). */
function baseAndSuffix(text: string): [string, string | undefined] {
  const i = text.indexOf('.');
  return i < 0 ? [text, undefined] : [text.slice(0, i), text.slice(i + 1)];
}

function parseRf(s: string): number | undefined {
  const m = /^rf(\d+)$/.exec(s);
  return m ? Number(m[1]) : undefined;
}

/** A register or magic destination: [waddr, magic]. */
function parseWaddr(ctx: Ctx, t: Tok): [number, boolean] {
  const unknown = /^waddr UNKNOWN (\d+)$/.exec(t.text);
  if (unknown) return [Number(unknown[1]), true];
  const rf = parseRf(t.text);
  if (rf !== undefined) {
    if (rf > 63) ctx.fail(`register rf${rf} out of range rf0..rf63`, t.col);
    return [rf, false];
  }
  const magic = isaTable(ctx.ver).magic.indexOf(t.text);
  if (magic >= 0) return [magic, true];
  return ctx.fail(`unknown destination '${t.text}'`, t.col);
}


function parseSrc(ctx: Ctx, t: Tok): [Src, Unpack] {
  const [base, suf] = baseAndSuffix(t.text);
  let unpack: Unpack = 'none';
  if (suf !== undefined) {
    if (!ALL_UNPACKS.includes(suf) || suf === 'none') ctx.fail(`unknown input unpack '.${suf}'`, t.col + base.length + 1);
    unpack = suf as Unpack;
  }
  const rf = parseRf(base);
  if (rf !== undefined) {
    if (rf > 63) ctx.fail(`register rf${rf} out of range rf0..rf63`, t.col);
    return [{ kind: 'rf', n: rf }, unpack];
  }
  const acc = /^r([0-5])$/.exec(base);
  if (acc) {
    if (ctx.ver !== 42) ctx.fail(`V3D 7.1 has no accumulator ${base}`, t.col);
    return [{ kind: 'acc', n: Number(acc[1]) }, unpack];
  }
  const v = parseInt32(base);
  if (v === undefined) return ctx.fail(`unknown operand '${base}'`, t.col);
  const index = smallImmIndex(v);
  if (index === undefined) {
    ctx.fail(`${base} is not a small immediate (integers -16..15 or the floats 2^-8..2^7 as 0x3b800000..0x43000000)`, t.col);
  }
  return [{ kind: 'imm', index }, unpack];
}

/** Parsed operands of one ALU half, before port assignment. */
interface PartSyntax {
  op: string;
  info: V3dOpInfo;
  waddr: number;
  magic: boolean;
  pack: Pack;
  srcs: { src: Src; unpack: Unpack; tok: Tok }[];
}

function parsePart(ctx: Ctx, t: Tok, isAdd: boolean, flags: V3dFlags): PartSyntax {
  const sp = t.text.search(/\s/);
  const head: Tok = { text: sp < 0 ? t.text : t.text.slice(0, sp), col: t.col };
  const rest: Tok = { text: sp < 0 ? '' : t.text.slice(sp + 1), col: t.col + (sp < 0 ? t.text.length : sp + 1) };
  const [op, ...mods] = head.text.split('.');
  const info = (isAdd ? addOpInfo : mulOpInfo)(op as string, ctx.ver);
  if (!info) ctx.fail(`unknown ${isAdd ? 'add' : 'mul'} op '${op}' on V3D ${ctx.ver / 10}`, t.col);
  let col = t.col + (op as string).length + 1;
  for (const m of mods) {
    const [kind, key] = (CONDS as readonly string[]).includes(m) ? ['condition', isAdd ? 'ac' : 'mc'] as const
      : (PUSH_FLAGS as readonly (string | null)[]).includes(m) ? ['push flag', isAdd ? 'apf' : 'mpf'] as const
      : (UPDATE_FLAGS as readonly string[]).includes(m) ? ['update flag', isAdd ? 'auf' : 'muf'] as const
      : ctx.fail(`unknown suffix '.${m}' (expected a condition, push flag or update flag)`, col);
    if (flags[key] !== undefined) ctx.fail(`second ${kind} '.${m}' on one op`, col);
    (flags as Record<string, string>)[key] = m;
    col += m.length + 1;
  }
  const ops = rest.text.trim() === '' ? [] : split(rest, ',');
  const want = (info.hasDestination ? 1 : 0) + info.numSrc;
  if (ops.length !== want) ctx.fail(`${op} takes ${want} operand${want === 1 ? '' : 's'}, got ${ops.length}`, t.col);
  const part: PartSyntax = { op: op as string, info, waddr: 6, magic: true, pack: 'none', srcs: [] };
  // The unused waddr of ops without a destination is not in the text. Choose what Mesa's vectors hold:
  // nop on 4.2 writes magic '-' (6), everything else on 7.1 has waddr 0 non-magic; stvpm* select by it.
  if (!info.hasDestination && (op !== 'nop' || ctx.ver === 71)) [part.waddr, part.magic] = [info.waddrSelect ?? 0, false];
  let i = 0;
  if (info.hasDestination) {
    const d = ops[i++] as Tok;
    {
      const [base, suf] = baseAndSuffix(d.text);
      if (suf !== undefined) {
        if (!(PACKS as readonly string[]).includes(suf) || suf === 'none') ctx.fail(`unknown output pack '.${suf}'`, d.col + base.length + 1);
        part.pack = suf as Pack;
      }
      [part.waddr, part.magic] = parseWaddr(ctx, { text: base, col: d.col });
    }
  }
  for (; i < ops.length; i++) {
    const tok = ops[i] as Tok;
    const [src, unpack] = parseSrc(ctx, tok);
    part.srcs.push({ src, unpack, tok });
  }
  return part;
}

function parseSignal(ctx: Ctx, t: Tok, instr: V3dAluInstr, addr: { set: boolean }): void {
  const [name, dst] = baseAndSuffix(t.text);
  if (!(SIGNAL_PRINT_ORDER as readonly string[]).includes(name)) ctx.fail(`unknown signal '${name}'`, t.col);
  const sig = name as SignalName;
  if (instr.sig[sig]) ctx.fail(`signal '${name}' given twice`, t.col);
  instr.sig[sig] = true;
  const writes = (ADDRESS_SIGNALS as readonly string[]).includes(name);
  if (!writes) {
    if (dst !== undefined) ctx.fail(`signal '${name}' takes no destination`, t.col + name.length);
    return;
  }
  if (dst === undefined) return ctx.fail(`signal '${name}' needs a destination (e.g. ${name}.rf0)`, t.col + name.length);
  const unknown = /^UNKNOWN(\d+)$/.exec(dst);
  const [n, magic] = unknown ? [Number(unknown[1]), true] : parseWaddr(ctx, { text: dst, col: t.col + name.length + 1 });
  if (addr.set && (n !== instr.sigAddr || magic !== instr.sigMagic)) {
    ctx.fail('address-writing signals of one instruction must share one destination', t.col);
  }
  [instr.sigAddr, instr.sigMagic, addr.set] = [n, magic, true];
}

/** Turn parsed sources into inputs (ports and muxes on 4.2, raddrs and small-immediate signals on 7.1). */
function assignInputs(ctx: Ctx, instr: V3dAluInstr, add: PartSyntax, mul: PartSyntax): void {
  const all = [
    ...add.srcs.map((s, i) => ({ ...s, alu: 'add' as const, input: i === 0 ? 'a' as const : 'b' as const })),
    ...mul.srcs.map((s, i) => ({ ...s, alu: 'mul' as const, input: i === 0 ? 'a' as const : 'b' as const })),
  ];
  const bad = assignReads(instr, all, ctx.ver);
  if (bad) ctx.fail(bad.message, (all[bad.at] as (typeof all)[number]).tok.col);
}

function parseAlu(ctx: Ctx, t: Tok): V3dAluInstr {
  const parts = split(t, ';');
  const flags: V3dFlags = {};
  const add = parsePart(ctx, parts[0] as Tok, true, flags);
  const mul = parts[1] && parts[1].text !== '' ? parsePart(ctx, parts[1], false, flags)
    : parsePart(ctx, { text: 'nop', col: t.col + t.text.length }, false, flags);
  const part = (p: PartSyntax): V3dAluPart => ({ ...nopPart(), op: p.op, waddr: p.waddr, magic: p.magic, pack: p.pack });
  const instr: V3dAluInstr = {
    kind: 'alu', sig: noSignals(), sigAddr: 0, sigMagic: false, raddrA: 0, raddrB: 0, flags, add: part(add), mul: part(mul),
  };
  const addr = { set: false };
  for (const s of parts.slice(2)) {
    if (s.text === '') ctx.fail('empty signal', s.col);
    parseSignal(ctx, s, instr, addr);
  }
  assignInputs(ctx, instr, add, mul);
  return instr;
}

const BRANCH_RE = /^b(u?)(?:\.(a0|na0|alla|anyna|anya|allna))?([pq]?)(\.link)?$/;

function parseBranch(ctx: Ctx, t: Tok, pc: number, labels: Map<string, number>): V3dBranchInstr | undefined {
  const sp = t.text.search(/\s/);
  const m = BRANCH_RE.exec(sp < 0 ? t.text : t.text.slice(0, sp));
  if (!m) return undefined;
  const b: V3dBranchInstr = {
    kind: 'branch', cond: (m[2] ?? 'always') as V3dBranchInstr['cond'], msfign: m[3] === '' ? 'none' : (m[3] as 'p' | 'q'),
    bdi: 'abs', ub: m[1] === 'u', bdu: 'abs', raddrA: 0, offset: 0,
  };
  if (!(BRANCH_CONDS as readonly (string | null)[]).includes(b.cond)) ctx.fail(`unknown branch condition ${b.cond}`, t.col);
  if (m[4]) b.link = true;
  const ops = sp < 0 ? [] : split({ text: t.text.slice(sp + 1), col: t.col + sp + 1 }, ',');
  if (ops.length !== (b.ub ? 2 : 1)) ctx.fail(`${b.ub ? 'bu' : 'b'} takes ${b.ub ? 'a code and a uniform target' : 'one target'}`, t.col);
  const target = ops[0] as Tok;
  const reg = (tok: Tok): number => {
    const n = parseRf(tok.text) as number;
    if (n > 63) ctx.fail(`register rf${n} out of range rf0..rf63`, tok.col);
    if (b.bdi === 'reg' && b.raddrA !== n) ctx.fail('code and uniform register targets must be the same register', tok.col);
    return n;
  };
  const abs = /^zero_addr\+(.+)$/.exec(target.text);
  const num = parseInt32(target.text);
  if (abs) {
    const v = parseInt32(abs[1] as string);
    if (v === undefined || v < 0 || v >= 2 ** 32) ctx.fail(`bad absolute address '${abs[1]}'`, target.col);
    b.offset = v;
  } else if (target.text === 'lri') b.bdi = 'link';
  else if (parseRf(target.text) !== undefined) [b.raddrA, b.bdi] = [reg(target), 'reg'];
  else if (num !== undefined) [b.bdi, b.offset] = ['rel', num];
  else if (/^[A-Za-z_]\w*$/.test(target.text)) {
    const addr = labels.get(target.text);
    if (addr === undefined) ctx.fail(`unknown label '${target.text}'`, target.col);
    [b.bdi, b.offset] = ['rel', addr - (pc + 32)];
  } else ctx.fail(`bad branch target '${target.text}'`, target.col);
  if ((b.offset & 7) !== 0 || b.offset < -(2 ** 31) || b.offset >= 2 ** 32) {
    ctx.fail(`branch offset ${b.offset} must be a 32-bit multiple of 8`, target.col);
  }
  if (b.ub) {
    const u = ops[1] as Tok;
    const dests = { 'a:unif': 'abs', 'r:unif': 'rel', lri: 'link' } as const;
    if (u.text in dests) b.bdu = dests[u.text as keyof typeof dests];
    else if (parseRf(u.text) !== undefined) [b.raddrA, b.bdu] = [reg(u), 'reg'];
    else ctx.fail(`bad uniform target '${u.text}' (expected a:unif, r:unif, lri or rfN)`, u.col);
  }
  return b;
}

/** Remove a `#` or `//` comment. */
function stripComment(line: string): string {
  const h = line.indexOf('#');
  const s = line.indexOf('//');
  const cut = Math.min(h < 0 ? Infinity : h, s < 0 ? Infinity : s);
  return cut === Infinity ? line : line.slice(0, cut);
}

const LABEL_RE = /^\s*([A-Za-z_]\w*)\s*:(?!unif)/;

/** One line after comment and label removal. */
interface Line {
  no: number;
  body: Tok;
  label?: Tok;
}

function lines(source: string): Line[] {
  return source.split(/\r?\n/).map((raw, i) => {
    let text = stripComment(raw);
    let col = 1;
    const m = LABEL_RE.exec(text);
    const line: Line = { no: i + 1, body: { text: '', col: 1 } };
    if (m) {
      line.label = { text: m[1] as string, col: text.indexOf(m[1] as string) + 1 };
      col += m[0].length;
      text = text.slice(m[0].length);
    }
    const lead = text.length - text.trimStart().length;
    line.body = { text: text.trim(), col: col + lead };
    return line;
  });
}

function parseUniformValue(ctx: Ctx, t: Tok): number {
  const i = parseInt32(t.text);
  if (i !== undefined) {
    if (i < -(2 ** 31) || i >= 2 ** 32) ctx.fail(`value ${t.text} does not fit in 32 bits`, t.col);
    return i >>> 0;
  }
  if (/^-?\d*\.\d+(e-?\d+)?$|^-?\d+\.\d*(e-?\d+)?$/i.test(t.text)) {
    return f32Bits(Number(t.text));
  }
  return ctx.fail(`bad .uniform value '${t.text}'`, t.col);
}

/** Assemble V3D source text for `ver`; throws AsmError with file, line and column. */
export function assembleV3d(source: string, file: string, ver: V3dVersion): AssembledProgram {
  const all = lines(source);
  const labels = new Map<string, number>();
  let pc = 0;
  const registerNames = new Set<string>(['lri', ...isaTable(ver).magic.filter((n): n is string => n !== null && n !== '-')]);
  for (const l of all) {
    if (l.label) {
      // A label spelled like a register would turn 'b name' into a register branch: refuse it.
      if (parseRf(l.label.text) !== undefined || registerNames.has(l.label.text)) {
        new Ctx(file, l.no, ver).fail(`'${l.label.text}' is a register name, not usable as a label`, l.label.col);
      }
      if (labels.has(l.label.text)) new Ctx(file, l.no, ver).fail(`label '${l.label.text}' defined twice`, l.label.col);
      labels.set(l.label.text, pc);
    }
    if (l.body.text !== '' && !l.body.text.startsWith('.uniform')) pc += 8;
  }
  const out: AssembledProgram = { words: [], labels, data: [] };
  for (const l of all) {
    const ctx = new Ctx(file, l.no, ver);
    const t = l.body;
    if (t.text === '') continue;
    if (t.text.startsWith('.')) {
      const [dir, ...restParts] = t.text.split(/\s+/);
      const rest: Tok = { text: restParts.join(' '), col: t.col + (dir as string).length + 1 };
      if (dir === '.uniform') {
        const values = split(rest, ',').map((v) => parseUniformValue(ctx, v));
        out.data.push({ directive: 'uniform', values, line: l.no });
      } else if (dir === '.word') {
        const v = /^0x[0-9a-f]{1,16}$/i.test(rest.text) ? BigInt(rest.text) : undefined;
        if (v === undefined) return ctx.fail(`.word takes one 64-bit hex value, got '${rest.text}'`, rest.col);
        out.words.push(v);
      } else ctx.fail(`unknown directive '${dir}' (expected .uniform or .word)`, t.col);
      continue;
    }
    const pcHere = out.words.length * 8;
    const instr: V3dInstr = parseBranch(ctx, t, pcHere, labels) ?? parseAlu(ctx, t);
    try {
      out.words.push(encodeInstr(instr, ver));
    } catch (e) {
      if (e instanceof EncodeError) ctx.fail(e.message, t.col);
      throw e;
    }
  }
  return out;
}

/** Assemble one instruction's text (no labels or directives) to its word. */
export function assembleInstr(text: string, ver: V3dVersion): bigint {
  const p = assembleV3d(text, '<instr>', ver);
  if (p.words.length !== 1) throw new AsmError(`expected one instruction, got ${p.words.length}`, '<instr>', 1, 1);
  return p.words[0] as bigint;
}
