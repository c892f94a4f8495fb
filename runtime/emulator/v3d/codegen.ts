/**
 * Instruction code generation: a pre-decoded ALU instruction becomes one
 * JavaScript function, built once per code address. Operand offsets,
 * immediates, unpack, denormal flushing, conditions and flag updates are
 * resolved while the source is written, and both ALUs run in one fused
 * 16-lane loop over the thread's typed register arrays, so the hot path has
 * no per-lane dispatch, no operand copies and no scratch passes.
 *
 * The op semantics are not restated here: each op's body comes from its
 * {@link LaneSpec} in alu-ops.ts, the same text its interpreted kernel is built
 * from. Instructions this generator does not cover (ops that mix lanes, f16
 * unpack/pack, the 4.2 rotate signal) return null and run in the interpreter
 * (qpu.ts `alu`), which defines the behaviour both must share.
 *
 * Ordering matches the interpreter: every read sees pre-instruction values
 * (each lane reads all its operands and flags before any write of that lane;
 * ALU ops here only touch their own lane), signal reads come first, register
 * writes and flag updates next, magic writes after, TMU address writes last.
 */
import { LANE_HELPERS, VFCMP_FLAG_HALF, type AluOpDef, type LaneSpec, type LaneView } from './alu-ops.ts';
import { DEST, type CompiledAlu, type CompiledPart, type Dest, type Operand } from './compile.ts';
import { bitsFloat, FLUSH_DENORMALS } from './numerics.ts';
import type { QpuExecutor } from './qpu.ts';
import type { ThreadState } from './thread.ts';
import { ISSUE_CYCLES, SFU_LATENCY, type QpuClock } from './timing.ts';

/** A generated instruction: runs the ALU part of one instruction on thread `t` (the executor does issue and slots). */
export type InstrFn = (t: ThreadState, x: QpuExecutor, q: QpuClock) => void;

/** Constants a generated function refers to (the objects its helper calls take). */
type Consts = readonly unknown[];
type Factory = (H: typeof LANE_HELPERS, K: Consts) => InstrFn;

/** Compiled factories by source text: identical instructions (and repeated jobs) share one V8 compile. */
const factories = new Map<string, Factory>();

const REG_VIEW: Record<LaneView, string> = { u: 'R', i: 'I', f: 'F' };
const COND_EXPR = ['', 'fa === 1', 'fb === 1', 'fa === 0', 'fb === 0'];

function laneOf(p: CompiledPart): LaneSpec | undefined {
  return p.op.lane;
}

/** Can {@link generateAlu} express this half? */
function partOk(p: CompiledPart | null): boolean {
  if (p === null) return true;
  if (!laneOf(p) || p.rotate || p.dest.pack !== 0) return false;
  // Only no unpack and .abs are resolved here; f16 and 7.1 float unpacks go through the interpreter.
  if (p.op.srcs >= 1 && p.a.unpack > 1) return false;
  if (p.op.srcs >= 2 && p.b.unpack > 1) return false;
  return true;
}

/** Source of a JS number literal that keeps -0. */
function lit(x: number): string {
  return Object.is(x, -0) ? '-0' : String(x);
}

class Writer {
  readonly consts: unknown[] = [];
  pre: string[] = [];
  loop: string[] = [];
  writes: string[] = [];
  post: string[] = [];

  k(value: unknown): string {
    this.consts.push(value);
    return `K[${this.consts.length - 1}]`;
  }
}

/**
 * Statements declaring `name` as operand `o` of op `op`, read through view `v`:
 * the register lane or the immediate, denormal-flushed for float ops that do
 * not flush themselves, then `.abs`.
 */
function operandCode(w: Writer, name: string, o: Operand, v: LaneView, op: AluOpDef, flushRows: boolean): string {
  const flush = FLUSH_DENORMALS && op.floatIn;
  const abs = o.unpack === 1;
  if (o.row < 0) {
    // Immediates are folded now: flush and abs on the bits, then the view's value.
    let bits = o.imm >>> 0;
    if (flush && (bits & 0x7f800000) === 0) bits = (bits & 0x80000000) >>> 0;
    if (abs) bits = (bits & 0x7fffffff) >>> 0;
    if (v === 'u') return `const ${name} = ${bits};`;
    if (v === 'i') return `const ${name} = ${bits | 0};`;
    const f = bitsFloat(bits);
    // A NaN keeps its payload only if read from an f32 array, as the interpreter does.
    if (f !== f) return `const ${name} = ${w.k(new Float32Array(new Uint32Array([bits]).buffer))}[0];`;
    return `const ${name} = ${lit(f)};`;
  }
  let s = `let ${name} = ${REG_VIEW[v]}[${o.row * 16} + i];`;
  if (flush && flushRows) s += v === 'f' ? ` if (${name} < M && ${name} > -M) ${name} *= 0;` : ` if ((${name} & 0x7f800000) === 0) ${name} = ${v === 'u' ? `(${name} & 0x80000000) >>> 0` : `${name} & 0x80000000`};`;
  if (abs) s += v === 'f' ? ` ${name} = Math.abs(${name});` : ` ${name} = ${v === 'u' ? `(${name} & 0x7fffffff) >>> 0` : `${name} & 0x7fffffff`};`;
  return s;
}

/** Flag predicate (z/n/c = 1/2/3) of half `p` whose result bits are in `bits`, inside its lane block. */
function predicateCode(p: CompiledPart, which: number, bits: string): string {
  const l = laneOf(p) as LaneSpec;
  if (p.op.flags === 'fcmp') return which === 1 ? '(a === b ? 1 : 0)' : which === 2 ? '(a < b ? 1 : 0)' : '(a <= b ? 1 : 0)';
  if (p.op.flags === 'vfcmp') {
    const h = (v: string): string => `H.f16ToF32(${VFCMP_FLAG_HALF === 'lo' ? `${v} & 0xffff` : `${v} >>> 16`})`;
    return `(${h('a')} ${which === 1 ? '===' : which === 2 ? '<' : '<='} ${h('b')} ? 1 : 0)`;
  }
  if (which === 3) return l.carry ? `((${l.carry}) ? 1 : 0)` : '0';
  // CHOICE for float results (as the interpreter): Z = +-0 (sign ignored), N = sign bit.
  if (which === 1) return p.op.flags === 'float' ? `((${bits} & 0x7fffffff) === 0 ? 1 : 0)` : `(${bits} === 0 ? 1 : 0)`;
  return `(${bits} >>> 31)`;
}

/** Which predicate each UF-list entry tests: 1 z, 2 n, 3 c (as in qpu.ts). */
const UF_WHICH = [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3];

/** Code of one half: its lane block, its register write, its flag update (applied after both halves). */
interface HalfCode {
  block: string;
  write: string;
  flag: string;
}

/**
 * Emit one half. `flushRows`: flush denormal register operands of float ops
 * (the generated function skips that when no operand row can hold one).
 */
function half(w: Writer, p: CompiledPart, tag: 'A' | 'M', flushRows: boolean, first: boolean): HalfCode {
  const l = laneOf(p) as LaneSpec;
  const op = p.op;
  const d = p.dest;
  const flagWhich = p.push ? p.push : p.update ? (UF_WHICH[p.update - 1] as number) : 0;
  const rowDest = d.kind === DEST.ROW;
  const needScratch = flagWhich !== 0 || !(rowDest || d.kind === DEST.NONE);
  const lines: string[] = [];
  lines.push(op.srcs >= 1 ? operandCode(w, 'a', p.a, l.a, op, flushRows) : 'const a = 0;');
  lines.push(op.srcs >= 2 ? operandCode(w, 'b', p.b, l.b, op, flushRows) : 'const b = 0;');
  lines.push('let r = 0;', l.body);
  if (FLUSH_DENORMALS && op.floatOut) {
    // An f32 result is tested before rounding (see M2 in alu-ops.ts); the typed-array store rounds it.
    lines.push(l.out === 'f' ? 'if (r < M2 && r > -M2) r *= 0;' : `if ((r & 0x7f800000) === 0) r = ${l.out === 'u' ? '(r & 0x80000000) >>> 0' : 'r & 0x80000000'};`);
  }
  if (needScratch) {
    if (first) w.pre.push(`const S${tag} = x.${tag === 'A' ? 'addS' : 'mulS'}.d, S${tag}u = S${tag}.u, S${tag}v = S${tag}.${l.out};`);
    lines.push(`S${tag}v[i] = r;`);
    if (flagWhich) lines.push(`p${tag} = ${predicateCode(p, flagWhich, `S${tag}u[i]`)};`);
  }
  // The other half may read this row: its write waits until both halves have read their operands.
  const store = needScratch ? `R[${d.row * 16} + i] = S${tag}u[i];` : `${REG_VIEW[l.out]}[${d.row * 16} + i] = r${tag};`;
  if (!needScratch && rowDest) {
    if (first) w.pre.push(`let r${tag} = 0;`);
    lines.push(`r${tag} = r;`);
  }
  const write = rowDest ? (p.cond ? `if (${COND_EXPR[p.cond]}) ${store}` : store) : '';
  if (rowDest && first) {
    // Rows that may hold denormal patterns (qpu.ts writeRow): a conditional clean write keeps the old mark.
    if (!op.floatOut) w.post.push(`t.dirty[${d.row}] = 1;`);
    else if (!p.cond) w.post.push(`t.dirty[${d.row}] = 0;`);
  }
  let flag = '';
  if (flagWhich) {
    if (p.push) flag = `FB[i] = FA[i]; FA[i] = p${tag};`;
    else {
      const kind = (p.update - 1) & 3;
      const upd = ['FA[i] & q', 'FA[i] & (q ^ 1)', '(FA[i] | (q ^ 1)) ^ 1', '(FA[i] | q) ^ 1'][kind] as string;
      flag = `{ const q = p${tag}; FA[i] = ${upd}; }`;
    }
  }
  return { block: `{ ${lines.join(' ')} }`, write, flag };
}

/**
 * The 16 lanes, unrolled (each lane a block with a constant `i`, which V8
 * folds into the register offsets).
 */
function lanes(w: Writer, parts: readonly [CompiledPart, 'A' | 'M'][], flushRows: boolean, first: boolean): string {
  const hs = parts.map(([p, tag]) => half(w, p, tag, flushRows, first));
  const usesCond = parts.some(([p]) => p.cond !== 0);
  const one = [usesCond ? 'const fa = FA[i], fb = FB[i];' : '', ...hs.map((h) => h.block), ...hs.map((h) => h.write), ...hs.map((h) => h.flag)].filter((x) => x !== '').join(' ');
  return Array.from({ length: 16 }, (_, i) => `{ const i = ${i}; ${one} }`).join('\n    ');
}

/**
 * Generate the function for an ALU instruction, or null when it needs the
 * interpreter. The result is what `QpuExecutor.alu` would do for it.
 */
export function generateAlu(ins: CompiledAlu): InstrFn | null {
  const { add, mul } = ins;
  if (!partOk(add) || !partOk(mul)) return null;
  const sd = ins.sigDest;
  if (sd && !ins.ldtmu && (sd.kind === DEST.TMUA || sd.kind === DEST.TMUAU)) return null;
  // Add writing rep/quad (after the loop here) and mul writing the same row directly would land in the other order
  // than the interpreter's add-then-mul. (Undefined on hardware, notes 2.1; kept identical anyway.)
  if (add && mul && (add.dest.kind === DEST.QUAD || add.dest.kind === DEST.REP) && mul.dest.kind === DEST.ROW && mul.dest.row === add.dest.row) return null;
  const w = new Writer();
  // Signals that read (uniform streams, TMU FIFO) go before any write lands.
  if (ins.ldunif || ins.ldunifrf) w.pre.push('const uv = x.readUniform(t);');
  if (ins.ldunifa || ins.ldunifarf) w.pre.push('const av = x.readUnifa(t);');
  if (ins.ldtmu) w.pre.push('const tw = x.popTmu(t, q);');
  // wrtmuc: texture config from the uniform stream; general-memory lookups do not use it.
  if (ins.wrtmuc) w.pre.push('x.readUniform(t);');
  const parts: [CompiledPart, 'A' | 'M'][] = [];
  if (add) parts.push([add, 'A']);
  if (mul) parts.push([mul, 'M']);
  const magic = (p: CompiledPart): boolean => p.dest.kind !== DEST.ROW && p.dest.kind !== DEST.NONE;
  // Masks for magic writes use the pre-instruction flags.
  for (const [p, tag] of parts) if (magic(p)) w.pre.push(`const m${tag} = ${p.cond ? `x.condMask(t, ${p.cond})` : '0xffff'};`);
  let flops = 0;
  for (const [p, tag] of parts) {
    if (p.push || p.update) w.pre.push(`let p${tag} = 0;`);
    flops += p.op.flops * 16;
  }
  // Register operands of float ops need the denormal flush only if their row may hold one (ThreadState.dirty).
  const floatRows = new Set<number>();
  for (const [p] of parts) {
    if (!p.op.floatIn) continue;
    if (p.op.srcs >= 1 && p.a.row >= 0) floatRows.add(p.a.row);
    if (p.op.srcs >= 2 && p.b.row >= 0) floatRows.add(p.b.row);
  }
  const plainLanes = lanes(w, parts, false, true);
  const body = floatRows.size === 0 || !FLUSH_DENORMALS
    ? plainLanes
    : `if ((${[...floatRows].map((r) => `D[${r}]`).join(' | ')}) === 0) {\n    ${plainLanes}\n  } else {\n    ${lanes(w, parts, true, false)}\n  }`;
  const post: string[] = [...w.post];
  // Magic (non-address) writes, in add, mul order.
  const addrs: string[] = [];
  for (const [p, tag] of parts) {
    if (!magic(p)) continue;
    const call = `(t, ${w.k(p)}, S${tag}u, m${tag}, q)`;
    if (p.dest.kind === DEST.TMUA || p.dest.kind === DEST.TMUAU) addrs.push(`x.address${call};`);
    else post.push(`x.write(t, ${w.k(p.dest)}, S${tag}u, m${tag}, q, ${p.op.floatOut});`);
  }
  if (add && add.op.sfu) post.push(`t.sfuRow = ${add.dest.kind === DEST.ROW ? add.dest.row : -1}; t.sfuReady = q.time + ${SFU_LATENCY - ISSUE_CYCLES};`);
  if (ins.ldunif || ins.ldunifa) post.push(fill(w, ins.implicitDest, ins.ldunif ? 'uv' : 'av'));
  if (sd) post.push(ins.ldtmu ? `x.write(t, ${w.k(sd)}, tw, 0xffff, q, false);` : fill(w, sd, ins.ldunifrf ? 'uv' : 'av'));
  post.push(...addrs);
  if (add && add.op.effect === 'tmuwt') post.push('x.tmuwt(t, q);');
  if (flops) post.push(`x.counters.flops += ${flops};`);
  // Thread switch bookkeeping: back-to-back thrsw = last-switch marker (notes 1).
  if (ins.thrsw) post.push('if (t.prevThrsw) t.lastThrsw = true; else { t.thrswSlots = 3; t.thrswEnds = t.lastThrsw; }');
  post.push(`t.prevThrsw = ${ins.thrsw};`);
  const src = `"use strict"; const M = H.M, M2 = H.M2; return function qpuInstr(t, x, q) {
  ${w.pre.join('\n  ')}
  const R = t.regs, F = t.regsF, I = t.regsI, FA = t.flagA, FB = t.flagB, D = t.dirty, c = t;
  ${body}
  ${post.join('\n  ')}
};`;
  let factory = factories.get(src);
  if (!factory) {
    factory = new Function('H', 'K', src) as Factory;
    factories.set(src, factory);
  }
  return factory(LANE_HELPERS, w.consts);
}

/** A signal's value into all 16 lanes of `d` (ldunif / ldunifa / ldunifrf / ldunifarf). */
function fill(w: Writer, d: Dest, value: string): string {
  if (d.kind === DEST.ROW) return `R.fill(${value}, ${d.row * 16}, ${d.row * 16 + 16}); t.dirty[${d.row}] = 1;`;
  return `x.fillWrite(t, ${w.k(d)}, ${value}, q);`;
}

/** Generated code by version and instruction word: the same word always compiles to the same function. */
const byWord = new Map<string, InstrFn | null>();

/**
 * Interpreted runs of an instruction word before its code is generated (run.ts): generating and compiling one
 * function costs about as much as interpreting the word this many times (`npm run bench -- emulator-v3d`).
 */
export const HOT_AFTER = 64;

/** The function already generated for `word` (and not given up on), if any. */
export function codeFor(word: bigint, ver: number): InstrFn | undefined {
  return byWord.get(`${ver}:${word}`) ?? undefined;
}

/**
 * The generated function for `ins` (decoded from `word`), shared by every
 * address and job holding that word so V8 optimises it once. `customDecoder`:
 * the word was decoded by a caller-supplied decoder, so it is not shared.
 */
export function generatedCode(ins: CompiledAlu, word: bigint, ver: number, customDecoder: boolean): InstrFn | null {
  if (customDecoder) return generateAlu(ins);
  const key = `${ver}:${word}`;
  let fn = byWord.get(key);
  if (fn === undefined) {
    // Bounded: a long-lived process running many different kernels starts over rather than growing.
    if (byWord.size >= 1 << 16) byWord.clear();
    fn = generateAlu(ins);
    byWord.set(key, fn);
  }
  return fn;
}
