/**
 * Instruction code generation for VC4: a decoded ALU instruction becomes one
 * JavaScript function over a QPU's register array. Write conditions, I/O,
 * flag updates and signals are resolved while the source is written, and both
 * ALUs run fused in one 16-lane loop, so the hot path has no per-lane
 * dispatch, no scratch rows and no closure calls. Operand and destination rows
 * and register numbers are parameters of the generated factory: instructions
 * of one shape share one source, which V8 compiles once for the whole kernel.
 * Float pairs call the WebAssembly SIMD kernels of simd.ts when their
 * operands are finite (simdSource).
 *
 * The op semantics are not restated here: each op's body is its lane spec in
 * alu.ts, the text the interpreter's kernels are built from. Instructions
 * this generator does not cover (unpack, pack, vector rotation, r5 quad /
 * replicate writes, tile-buffer signals) return null and keep the
 * interpreter's closures (compile.ts), which define the behaviour both share.
 *
 * Ordering matches the interpreter: I/O reads (and the uniform pop) first;
 * each lane reads its operands and flags before any write of that lane (ops
 * here are lane-local, so no lane reads another's result); register writes in
 * add-then-mul order, then that lane's flags; then the ldtmu / thrend
 * signals; I/O writes last, gated by element 0's pre-instruction condition.
 */
import type { Vc4AluInstr, Vc4Cond } from '../../../compiler/isa/vc4/instr.ts';
import { REG_NOP, SMI_ROTATE_BASE, VC4_ADD_OPS, VC4_MUL_OPS, VC4_REGS, type RegRole } from '../../../compiler/isa/vc4/table.ts';
import { LANE_HELPERS, VC4_ADD_LANE_SPECS, VC4_MUL_LANE_SPECS, type Vc4LaneSpec } from './alu.ts';
import { laneCond, readPorts, type IoRead } from './ports.ts';
import { SIMD, checkedName, type KernelName } from './simd.ts';
import { FLAG, ROW, type Qpu } from './qpu.ts';

/** A generated instruction: runs the whole instruction on QPU `q` (issue, stalls and finish stay with the executor). */
export type InstrFn = (q: Qpu) => void;

/** Makes the closure of one instruction from its numbers. */
type SharedFn = (P: Int32Array) => InstrFn;
type Factory = (H: typeof LANE_HELPERS, S: typeof SIMD) => SharedFn;

/** I/O reads with no side effect (Qpu.readIo): skipped when nothing uses the value. */
const PURE_READS = new Set<RegRole>(['nop', 'vpm_wait', 'elem_num', 'qpu_num', 'vpm_busy', 'undefined']);

/** I/O registers a write reaches with element 0 only [ARG p.37–38; Qpu.writeIo]. */
const LANE0_IO = new Set<RegRole>(['host_int', 'tmu_noswap', 'unif_addr', 'vpm_setup', 'dma_addr', 'mutex']);

/** Signals that need nothing here or only a call after the lanes; the rest keep the interpreter. */
const SIGNALS_OK = new Set<string>(['none', 'smi', 'ldtmu0', 'ldtmu1', 'thrend', 'thrsw', 'lthrsw', 'bkpt', 'sbwait', 'sbdone']);

const FLOAT_IN = new Map<string, boolean>([...VC4_ADD_OPS, ...VC4_MUL_OPS].filter((o) => o.floatIn).map((o) => [o.name, true]));

/** One ALU half of the instruction, resolved. */
interface Half {
  tag: 'A' | 'M';
  spec: Vc4LaneSpec;
  /** Rows of operands a and b. */
  a: number;
  b: number;
  /** The write condition. */
  when: Vc4Cond;
  /** Its source on lane 0 (`FL[k] === w`), '' for always; null when the write never happens. */
  cond: string | null;
  /** Destination: a register or accumulator row written in the lane loop, or an I/O register written after it. */
  row: number;
  io?: { role: RegRole; bSpace: boolean; name: string; lane0: string };
  /** Hazard-checker note of a register write (`q.wA = @;` …, `@` standing for `noteArg`). */
  note: string;
  noteArg?: number;
}

/** Source of the lane condition on lane `e` (flag offsets folded), '' for always, null for never. */
function condSource(cond: Vc4Cond, e: string): string | null {
  const c = laneCond(cond);
  if (c.kind === 'never') return null;
  return c.kind === 'always' ? '' : `FL[${at(c.flag, e)}] === ${c.want}`;
}

/** Index source of word `base` + lane `e` ('i' in the lane loop). */
function at(base: number, e: string): string {
  return base === 0 ? e : `${base} + ${e}`;
}

/** Resolve one half: null when its op is nop, undefined when its destination needs the interpreter. */
function resolveHalf(i: Vc4AluInstr, tag: 'A' | 'M', rowOf: (m: string) => number): Half | undefined | null {
  const isAdd = tag === 'A';
  const op = isAdd ? i.opAdd : i.opMul;
  if (op === 'nop') return null;
  const spec = (isAdd ? VC4_ADD_LANE_SPECS : VC4_MUL_LANE_SPECS)[op] as Vc4LaneSpec;
  const bSpace = isAdd ? i.ws : !i.ws;
  const addr = isAdd ? i.waddrAdd : i.waddrMul;
  const cond = isAdd ? i.condAdd : i.condMul;
  const a = rowOf(isAdd ? i.addA : i.mulA);
  const b = rowOf(isAdd ? i.addB : i.mulB);
  const half: Half = { tag, spec, a, b, when: cond, cond: condSource(cond, '0'), row: isAdd ? ROW.ADD_RES : ROW.MUL_RES, note: '' };
  if (addr === REG_NOP || half.cond === null) return { ...half, cond: null };
  const { name, role } = (bSpace ? VC4_REGS.writeB : VC4_REGS.writeA)[addr] as { name: string; role: RegRole };
  if (role === 'regfile') return { ...half, row: (bSpace ? ROW.RB : ROW.RA) + addr, note: bSpace ? 'q.wB = @;' : 'q.wA = @;', noteArg: addr };
  if (role === 'acc') return { ...half, row: ROW.ACC + addr - 32, note: 'q.accW |= @;', noteArg: 1 << (addr - 32) };
  if (role === 'r5quad' || role === 'r5rep') return undefined;
  return { ...half, io: { role, bSpace, name, lane0: half.cond === '' ? 'true' : half.cond } };
}

/**
 * Names the numbers an instruction's source depends on beyond its shape
 * (operand and destination rows, register numbers): each is an element of the
 * instruction's `Int32Array` P, so instructions of one shape share one source
 * and V8 compiles it once, however many registers a kernel uses.
 */
type Param = (value: number) => string;

/**
 * Statements of half `h` on lane `e`: operands, the op body, the result in `r${tag}` (and carry in `cA`).
 * An operand from a row in `uniformRows` is the uniform `u` (its float `fu`) on every lane.
 */
function laneOp(h: Half, e: string, carry: boolean, p: Param, uniformRows: readonly number[]): string {
  const s = h.spec;
  const word = (row: number): string => (uniformRows.includes(row) ? 'u' : `R[${p(row * 16)} + ${e}]`);
  const float = (row: number): string => (uniformRows.includes(row) ? 'fu' : `F[${p(row * 16)} + ${e}]`);
  const fl = s.float ? ` const fa = ${float(h.a)}, fb = ${float(h.b)};` : '';
  const c = carry && s.carry ? ` cA = (${s.carry}) | 0;` : '';
  return `{ const a = ${word(h.a)}, b = ${word(h.b)};${fl} let r = 0; ${s.body} r${h.tag} = r;${c} }`;
}

/** The write of half `h` on lane `e`. */
function laneWrite(h: Half, e: string, p: Param): string {
  if (h.cond === null) return '';
  const store = `R[${h.io ? h.row * 16 : p(h.row * 16)} + ${e}] = r${h.tag};`;
  if (h.io || h.cond === '') return store;
  return `if (${condSource(h.when, e) as string}) { ${store} w${h.tag} = 1; }`;
}

/**
 * Source of an I/O write: the frequent peripherals call the unit Qpu.writeIo
 * would dispatch to (same arguments, no role switch per call); the rest go
 * through writeIo, which defines them all.
 */
function ioWrite(role: RegRole, bSpace: boolean, name: string, row: number, lane0: string): string {
  const o = row * 16;
  switch (role) {
    case 'vpm': return `q.vpmWrite(${o});`;
    case 'vpm_setup': return `q.shared.vpm.setup(q.vpmPort, R[${o}], ${bSpace});`;
    case 'dma_addr': return `q.startDma(${bSpace}, R[${o}]);`;
    case 'tmu': return `q.tmuRequest(${JSON.stringify(name)}, ${o});`;
    default: return `q.writeIo(${JSON.stringify(role)}, ${bSpace}, ${JSON.stringify(name)}, ${row}, ${lane0});`;
  }
}

/** Bodies by source: instructions of one shape, at any address and in any run, share one V8 compile. */
const cache = new Map<string, SharedFn>();

/** The simd.ts kernel of a half's op, or null. */
function kernelOf(h: Half): 'fadd' | 'fsub' | 'fmul' | null {
  if (h.spec === VC4_ADD_LANE_SPECS.fadd) return 'fadd';
  if (h.spec === VC4_ADD_LANE_SPECS.fsub) return 'fsub';
  return h.spec === VC4_MUL_LANE_SPECS.fmul ? 'fmul' : null;
}

/**
 * The SIMD form of the lanes (simd.ts), or null: every live half a float op
 * SIMD covers, written on all lanes to a register, no flags, except halves
 * that feed an element-0 I/O register (`once`: they read their operands and
 * write only their scratch row, so they go first). It runs when the QPU's
 * registers are in the kernels' memory and every operand lane is finite,
 * else the JavaScript lanes do.
 */
function simdSource(
  live: readonly Half[], once: readonly string[], onceHalf: (h: Half) => boolean, uniformRows: readonly number[],
  setFlags: boolean, p: Param, loop: string,
): string | null {
  if (!SIMD || setFlags) return null;
  const vector = live.filter((h) => !onceHalf(h));
  if (vector.length === 0 || !vector.every((h) => kernelOf(h) !== null && h.cond === '' && !h.io)) return null;
  const byteAt = (row: number): string => `q.simdBase + ${p(row * 64)}`;
  const isUniform = (row: number): boolean => uniformRows.includes(row);
  // A uniform operand is one word: the kernels' uniform forms take it as b (fadd and fmul commute for finite
  // operands); else it is spread over its port row. The kernels read every operand before storing any result,
  // add then mul (its write lands last), as the JavaScript lanes do.
  const kernels: KernelName[] = [];
  const args: string[] = [];
  const rows: number[] = [];
  for (const h of vector) {
    const k = kernelOf(h) as 'fadd' | 'fsub' | 'fmul';
    const [a, b] = isUniform(h.a) && !isUniform(h.b) && k !== 'fsub' ? [h.b, h.a] : [h.a, h.b];
    if (isUniform(b) && !isUniform(a)) {
      kernels.push(`${k}u`);
      args.push(byteAt(h.row), byteAt(a), 'u');
      rows.push(a);
    } else {
      kernels.push(k);
      args.push(byteAt(h.row), byteAt(a), byteAt(b));
      rows.push(a, b);
    }
  }
  const fills = uniformRows.filter((row) => rows.includes(row)).map((row) => `for (let i = 0; i < 16; i++) R[${row * 16} + i] = u;`);
  // One call: the kernels' finite check, then the kernels; 1 (nothing written) sends the lanes to JavaScript.
  // Lane-0 halves run first either way: they only read their operands and write their scratch row.
  return `${once.join(' ')}
  let simd = false;
  if (q.simdBase >= 0) { ${fills.join(' ')} simd = S.${checkedName(kernels)}(${args.join(', ')}) === 0; }
  if (!simd) ${loop}`;
}

/**
 * The generated function of ALU instruction `i`, or null when it needs the
 * interpreter. Running it does what the interpreter's steps for `i` do.
 */
export function generateAlu(i: Vc4AluInstr): InstrFn | null {
  if (i.unpack !== 0 || i.pack !== 0 || !SIGNALS_OK.has(i.sig)) return null;
  if (i.sig === 'smi' && i.opMul !== 'nop' && i.raddrB >= SMI_ROTATE_BASE) return null;
  const ports = readPorts(i);
  const rowOf = (m: string): number => (m === 'ra' ? ports.rowA : m === 'rb' ? ports.rowB : ROW.ACC + Number(m.slice(1)));
  const add = resolveHalf(i, 'A', rowOf);
  const mul = resolveHalf(i, 'M', rowOf);
  if (add === undefined || mul === undefined) return null;
  const halves = [add, mul].filter((h): h is Half => h !== null);
  // Flags come from the add ALU unless its op is nop, then from the mul ALU, on lanes whose condition holds [ADD, VC4C].
  const flagHalf = i.sf ? halves[0] : undefined;
  const flagCond = flagHalf ? (flagHalf.tag === 'A' ? i.condAdd : i.condMul) : 'never';
  const setFlags = flagHalf !== undefined && flagCond !== 'never';
  const carry = setFlags && flagHalf?.tag === 'A';
  // Halves whose result goes nowhere (write condition never, no flags) are not computed.
  const live = halves.filter((h) => h.cond !== null || (setFlags && h === flagHalf));
  const reads = (row: number): boolean => live.some((h) => h.a === row || h.b === row);
  const pre: string[] = [];
  const post: string[] = [];
  const { ioA, ioB } = ports;
  // A uniform read is one word for all lanes: the lanes read it as a value (`u`, `fu`), not from a filled port row.
  const uniformRows: number[] = [];
  if (ioA || ioB) {
    // One uniform pop per instruction even when both ports name it (as the interpreter).
    const unif = ioA?.role === 'unif' || ioB?.role === 'unif';
    pre.push(unif ? 'q.popUniform(); const u = q.uniform[0];' : 'const u = 0;');
    // Reads without side effects whose value no live half uses are skipped.
    const needed = (io: IoRead, row: number): boolean => !PURE_READS.has(io.role) || reads(row);
    if (ioA?.role === 'unif') uniformRows.push(ROW.PORT_A);
    else if (ioA && needed(ioA, ROW.PORT_A)) pre.push(`q.readIo(${JSON.stringify(ioA.role)}, false, ${JSON.stringify(ioA.name)}, ${ROW.PORT_A}, u);`);
    if (ioB?.role === 'unif') uniformRows.push(ROW.PORT_B);
    else if (ioB && needed(ioB, ROW.PORT_B)) pre.push(`q.readIo(${JSON.stringify(ioB.role)}, true, ${JSON.stringify(ioB.name)}, ${ROW.PORT_B}, u);`);
  }
  for (const h of live) {
    pre.push(`let r${h.tag} = 0;`);
    if (h.cond !== null && h.cond !== '' && !h.io) pre.push(`let w${h.tag} = 0;`);
    // I/O writes fire on element 0's condition as it was before this instruction's flag update.
    if (h.io) pre.push(`const l0${h.tag} = ${h.io.lane0};`);
  }
  if (carry) pre.push('let cA = 0;');
  const e = 'i';
  const params: number[] = [];
  // Numbers the lane loop uses become locals declared where the loop starts; the others are read in place
  // (`P[k]`), so a path that does not run them (the SIMD one, say) does not load them.
  const loopParams: number[] = [];
  const p: Param = (v) => {
    params.push(v);
    loopParams.push(params.length - 1);
    return `p${params.length - 1}`;
  };
  const inline: Param = (v) => {
    params.push(v);
    return `P[${params.length - 1}]`;
  };
  // A half whose result only feeds an I/O register that takes element 0 (setups, addresses, host_int, …) runs
  // for lane 0 alone, before the loop, unless its result also sets the flags of every lane.
  const laneZero = (h: Half): boolean => h.io !== undefined && LANE0_IO.has(h.io.role) && !(setFlags && flagHalf === h);
  const once = live.filter(laneZero).map((h) => `{ const i = 0; ${laneOp(h, e, false, inline, uniformRows)} ${laneWrite(h, e, inline)} }`);
  const looped = live.filter((h) => !laneZero(h));
  const parts = looped.map((h) => laneOp(h, e, carry && h === flagHalf, p, uniformRows));
  parts.push(...looped.map((h) => laneWrite(h, e, p)));
  if (setFlags && flagHalf) {
    const r = `r${flagHalf.tag}`;
    // `(x) | 0` rather than `x ? 1 : 0`: a flag set, not a jump that mispredicts on data.
    const set = `FL[${at(FLAG.Z, e)}] = (${r} === 0) | 0; FL[${at(FLAG.N, e)}] = ${r} >>> 31; FL[${at(FLAG.C, e)}] = ${carry ? 'cA' : '0'};`;
    const c = condSource(flagCond, e);
    parts.push(c ? `if (${c}) { ${set} }` : set);
  }
  const body = parts.filter((x) => x !== '').join(' ');
  // A lane loop, not 16 unrolled copies: unrolled float code runs ~20 % faster once optimized, but costs V8
  // 16 times the compile time, and a kernel of a few hundred distinct instructions then runs unoptimized for seconds.
  const decls = loopParams.length ? `const ${loopParams.map((k) => `p${k} = P[${k}]`).join(', ')}; ` : '';
  // The float of the uniform word is only needed by JavaScript lanes: in the loop's block, or up front when a
  // lane-0 half (which runs outside the loop) may read it too.
  const fuSrc = uniformRows.length ? 'H.U1[0] = u; const fu = H.F1[0]; ' : '';
  if (once.length) pre.push(fuSrc);
  const loop = body === '' ? '' : `{ ${decls}${once.length ? '' : fuSrc}for (let i = 0; i < 16; i++) { ${body} } }`;
  const jsLanes = `${once.join(' ')} ${loop}`;
  const laneSrc = simdSource(live, once, laneZero, uniformRows, setFlags, inline, loop) ?? jsLanes;
  if (i.sig === 'ldtmu0' || i.sig === 'ldtmu1') post.push(`q.loadTmu(${i.sig === 'ldtmu0' ? 0 : 1});`);
  // thrend: two more instructions run [ARG p.21]; the count starts after this one.
  if (i.sig === 'thrend') post.push('q.endDelay = 3; q.pending = true;');
  for (const h of halves) {
    if (h.cond === null) continue;
    const note = h.noteArg === undefined ? h.note : h.note.replace('@', inline(h.noteArg));
    if (h.io) post.push(ioWrite(h.io.role, h.io.bSpace, h.io.name, h.row, `l0${h.tag}`));
    else if (h.cond === '') post.push(note);
    else post.push(`if (w${h.tag} === 1) ${note}`);
  }
  const flops = halves.reduce((n, h) => n + (FLOAT_IN.get(h.tag === 'A' ? i.opAdd : i.opMul) && !(h.tag === 'A' && i.opAdd === 'ftoi') ? 16 : 0), 0);
  if (flops) post.push(`q.shared.flops += ${flops};`);
  // One body per shape, reading its numbers from an Int32Array; each instruction gets a small closure binding its
  // own array. The closure's one call site sees one body, so V8 inlines it; measured faster than numbers captured
  // in a context (no Smi untagging) and, for kernels with many registers, than distinct specialised bodies.
  // Named after its ops and signal, so profiles tell the shapes apart.
  const name = `vc4_${i.opAdd}_${i.opMul}_${i.sig}`;
  const src = `"use strict"; function ${name}(q, P) {
  const R = q.R, F = q.F, FL = q.flags;
  ${pre.join('\n  ')}
  ${laneSrc}
  ${post.join('\n  ')}
}
return (P) => (q) => ${name}(q, P);`;
  let shared = cache.get(src);
  if (!shared) {
    // Bounded: a long-lived process running many different kernels starts over rather than growing.
    if (cache.size >= 1 << 14) cache.clear();
    shared = (new Function('H', 'S', src) as Factory)(LANE_HELPERS, SIMD);
    cache.set(src, shared);
  }
  return shared(Int32Array.from(params));
}
