/**
 * From selected VC4 machine IR to instruction words: register allocation,
 * operand legalisation, hazard spacing, branches and the program end.
 *
 * - Registers: graph colouring (common/regalloc.ts) over ra0–31 and rb0–31,
 *   each value preferring the file its ops' other operands leave free
 *   (`portOrder`), so that the two operands of an op sit in different files. Accumulators are not allocated: r0, r1
 *   and r5 carry fixed sequences (rotation, broadcast, per-lane DMA), r3 is
 *   the legaliser's, r4 receives SFU and TMU results.
 * - Ports: one regfile-A and one regfile-B read per instruction; a small
 *   immediate takes the B port. An op whose two operands need one port with
 *   different addresses first copies one of them to r3; a regfile value the
 *   block reads beside several immediates is the one copied, once, and later
 *   ops read r3 while it still holds it.
 * - Scheduling: each block's words are reordered and paired by bundle.ts.
 * - Hazards (notes §7): a regfile location is not read by the instruction
 *   right after the one writing it, and no rotation reads an accumulator (or
 *   r5 as amount) written by the instruction before; where blocks meet a nop
 *   goes between.
 * - Branches: relative, three delay slots filled with nops. The program ends
 *   with a host interrupt, `thrend` and two nops (py-videocore's ending).
 */
import type { SourceLoc } from '../../ir/types.ts';
import type { Vc4AluInstr, Vc4Instr, Vc4Mux } from '../../isa/vc4/instr.ts';
import { vc4Nop } from '../../isa/vc4/instr.ts';
import { validateVc4 } from '../../isa/vc4/validate.ts';
import { checkVc4Program } from '../../isa/vc4/check.ts';
import { vc4Access } from '../../isa/vc4/facts.ts';
import { SMI_ROTATE_BASE, VC4_PIPELINE } from '../../isa/vc4/table.ts';
import { allocateRegisters, RegisterPressureError, type RegisterFile } from '../common/regalloc.ts';
import { computeLiveness, type FlowBlock, type RegisterView } from '../common/liveness.ts';
import { BackendError, IO } from './isel-ctx.ts';
import { VPM_STORE_ROW_LIMIT } from './isel-memory.ts';
import type { Vc4MFunction } from './isel.ts';
import type { Dst, MBlock, MOp, Src, VReg } from './mir.ts';
import { acc, conditionalMulDst, copySource, defOf, usesOf, vreg } from './mir.ts';
import type { UniformSlot } from '../contract.ts';
import { bundleBlock, type Word } from './bundle.ts';

/** Encoded program: one instruction per word, with its source position. */
export interface Vc4Code {
  instrs: Vc4Instr[];
  locs: (SourceLoc | undefined)[];
  registersUsed: number;
  /** Values spilled to the scratch area (0: none; then `SPILL_STRIDE` bytes per QPU). */
  spillSlots: number;
}

/** Blocks split after every branch, so that each branch ends its block (liveness needs it). */
function splitAtBranches(mf: Vc4MFunction): MBlock[] {
  let next = Math.max(...mf.blocks.map((b) => b.id)) + 1;
  const out: MBlock[] = [];
  for (const b of mf.blocks) {
    let cur: MBlock = { id: b.id, ops: [] };
    out.push(cur);
    b.ops.forEach((o, k) => {
      cur.ops.push(o);
      if (o.k === 'br' && k < b.ops.length - 1) {
        cur = { id: next++, ops: [] };
        out.push(cur);
      }
    });
  }
  return out;
}

/** A plain copy between two virtual registers (the allocator's coalescing candidates), else undefined. */
function vregCopy(o: MOp): { dst: VReg; src: VReg } | undefined {
  const src = copySource(o);
  return src?.k === 'v' && o.k === 'alu' && o.dst?.k === 'v' ? { dst: o.dst, src } : undefined;
}

/** Register keys by number, made once: liveness and allocation hash the same strings again and again (a new string per use hashed each time). */
const VREG_KEYS: string[] = [];
const vkey = (id: number): string => (VREG_KEYS[id] ??= `v${id}`);
const VIEW: RegisterView<MOp> = {
  uses: (o) => usesOf(o).map((v) => vkey(v.id)),
  def: (o) => {
    const d = defOf(o);
    return d ? vkey(d.id) : undefined;
  },
};

/** ra0, rb0, ra1, rb1, …: colour c < 32 is ra c, else rb c − 32. */
const COLOURS = Array.from({ length: 64 }, (_, i) => (i % 2 === 0 ? i / 2 : 32 + (i - 1) / 2));

const FILE: RegisterFile = {
  colours: COLOURS,
  precoloured: () => undefined,
  copyOf: (i) => {
    const c = vregCopy(i as MOp);
    return c ? [vkey(c.dst.id), vkey(c.src.id)] : undefined;
  },
};

function flow(blocks: MBlock[]): FlowBlock<MOp>[] {
  return blocks.map((b, i) => {
    const last = b.ops[b.ops.length - 1];
    const next = blocks[i + 1]?.id;
    const succs: number[] = [];
    if (last?.k === 'br') {
      if (last.target >= 0) succs.push(last.target);
      if (last.cond !== 'always' && next !== undefined) succs.push(next);
    } else if (next !== undefined) succs.push(next);
    return { id: b.id, instrs: b.ops, succs };
  });
}

/** Registers read and written by one encoded word (physical regfile 0–31, accumulator mask), from the ISA layer's access facts. */
interface Access {
  readA: number;
  readB: number;
  writeA: number;
  writeB: number;
  accWrites: number;
  rotAccs: number;
  rotByR5: boolean;
}

function access(i: Vc4Instr): Access {
  const f = vc4Access(i);
  return { readA: f.readA, readB: f.readB, writeA: f.writeA, writeB: f.writeB, accWrites: f.accWrites, rotAccs: f.rotation?.accs ?? 0, rotByR5: f.rotation?.byR5 ?? false };
}

/** The word stream under construction, inserting nops where a hazard needs one. */
class Stream {
  readonly instrs: Vc4Instr[] = [];
  readonly locs: (SourceLoc | undefined)[] = [];
  private prev: Access | undefined;

  push(i: Vc4Instr, loc: SourceLoc | undefined): void {
    const a = access(i);
    const p = this.prev;
    if (p) {
      const raw = (a.readA >= 0 && a.readA === p.writeA) || (a.readB >= 0 && a.readB === p.writeB);
      const rot = (a.rotAccs & p.accWrites) !== 0 || (a.rotByR5 && (p.accWrites & (1 << 5)) !== 0);
      if (raw || rot) this.raw(vc4Nop(), loc);
    }
    this.raw(i, loc);
  }

  /** Append without checks (delay slots, the end sequence). */
  raw(i: Vc4Instr, loc: SourceLoc | undefined): void {
    const problems = validateVc4(i);
    if (problems.length > 0) throw new BackendError(`internal: the vc4 backend built an invalid instruction (${problems.join('; ')})`, loc);
    this.instrs.push(i);
    this.locs.push(loc);
    this.prev = access(i);
  }
}

/** Where an operand is read from, once registers are known. */
type Operand = { mux: Vc4Mux } | { port: 'A'; addr: number } | { port: 'B'; addr: number } | { port: 'smi'; code: number };

/** A selected function after register allocation: its blocks (with spill code), each virtual register's register (0–31 ra, 32–63 rb). */
export interface Vc4Allocated {
  mf: Vc4MFunction;
  blocks: MBlock[];
  colour: Map<string, number>;
  /** Spill slots used. */
  spillSlots: number;
}

/**
 * Register allocation: colour in order of first definition over ra0–31 and
 * rb0–31; when colouring fails, spill the values live longest at the peak
 * (through the VPM and DMA, reloaded by TMU) and colour again.
 */
export function allocateVc4(mf: Vc4MFunction): Vc4Allocated {
  const blocks = splitAtBranches(mf);
  let colour: Map<string, number> | undefined;
  let spill: SpillState | undefined;
  while (!colour) {
    try {
      // Colour in order of first definition (program order): near-optimal on this mostly-SSA code.
      const first = new Map<string, number>();
      let pos = 0;
      for (const b of blocks) for (const o of b.ops) {
        const d = defOf(o);
        if (d && !first.has(vkey(d.id))) first.set(vkey(d.id), pos);
        pos++;
      }
      // Byte-op counters first (countingBlockValues), then in order of first definition.
      const counters = countingBlockValues(blocks);
      colour = allocateRegisters(flow(blocks), VIEW, { ...FILE, rank: (k) => (first.get(k) ?? -1) - (counters.has(k) ? pos : 0), order: portOrder(blocks) });
    } catch (e) {
      if (!(e instanceof RegisterPressureError)) throw e;
      spill ??= setupSpill(mf, blocks);
      const victims = spillChoice(blocks, spill.noSpill);
      if (victims.length === 0 || spill.next + victims.length > SPILL_SLOTS) {
        throw new BackendError(`${e.message} even after spilling ${spill.next} values: the vc4 backend has 64 registers (ra0–31, rb0–31) and ${SPILL_SLOTS} spill slots; split the kernel or keep fewer values live`);
      }
      for (const v of victims) spillVReg(mf, blocks, v, spill.next++, spill);
    }
  }
  return { mf, blocks, colour, spillSlots: spill?.next ?? 0 };
}

const isR5 = (s: Src): boolean => s.k === 'acc' && s.n === 5;
/**
 * The registers of the blocks with conditional mul-ALU ops (packed counters' byte adds, `v8adds.ifzs w, w, inc`:
 * the counting loop) and those copies join them with (the loop's parameters): coloured before the rest. The
 * counters vote for file A (portOrder), as each of those ops shares a word with a compare whose small immediate
 * takes the B port; the loop's other values then find the file their operands leave free. Coloured in program
 * order, kernels/histogram.ts's packed method (its byte counters, read beside constants in file B every 14
 * values, first) put the nibble words in file B (no pairs) or its loop's scalars there (a port copy into r3 for
 * most of their ops): 64.4 µs, and 60.9 µs with this order.
 */
function countingBlockValues(blocks: MBlock[]): Set<string> {
  const out = new Set<string>();
  for (const b of blocks) {
    if (!b.ops.some((o) => conditionalMulDst(o))) continue;
    for (const o of b.ops) {
      for (const u of usesOf(o)) out.add(vkey(u.id));
      const d = defOf(o);
      if (d) out.add(vkey(d.id));
    }
  }
  if (out.size === 0) return out;
  const copies: [string, string][] = [];
  for (const b of blocks) for (const o of b.ops) {
    const c = vregCopy(o);
    if (c) copies.push([vkey(c.dst.id), vkey(c.src.id)]);
  }
  for (let grew = true; grew; ) {
    grew = false;
    for (const [x, y] of copies) {
      if (out.has(x) === out.has(y)) continue;
      out.add(x).add(y);
      grew = true;
    }
  }
  return out;
}

/** The vote of a multiply by r5 (see portOrder): as a regfile-B read beside the value, it asks for file A. */
const R5_PARTNER: Src = { k: 'io', file: 'B', addr: IO.R5 };

/**
 * The vote of a conditional mul-ALU op for its destination (see portOrder): the word it shares is the next compare's
 * (`xor.setf -, g, k` beside `v8adds.ifzs w, w, inc`, accfwd.ts shareAccumulators), whose small immediate takes the
 * B port, so w asks for file A.
 */
const COMPARE_PARTNER: Src = { k: 'imm', code: 0 };

/** ra0–31 first, then rb0–31; and the reverse. */
const A_FIRST = [...Array.from({ length: 32 }, (_, i) => i), ...Array.from({ length: 32 }, (_, i) => 32 + i)];
const B_FIRST = [...A_FIRST.slice(32), ...A_FIRST.slice(0, 32)];

/**
 * Register-file preference per value, so that the two operands of an op can
 * be read in one instruction (one regfile-A and one regfile-B read; a small
 * immediate takes the B port): each operand read beside this value votes for
 * the file it leaves free — the other file of a coloured register, A beside
 * a small immediate or a regfile-B I/O read, B beside a regfile-A I/O read.
 * A value a mul-ALU op reads beside accumulator r5 (a multiply by a
 * broadcast) votes for A as well: the words around it are the rotations
 * that write the broadcast through `r5rep`, a regfile-B write, so the adds
 * that share a word with those rotations must write file A, and the adds
 * into file-B registers share a word with the multiply only if it leaves
 * the B read port free. The destination of a conditional mul-ALU op (a
 * packed counter's byte add) votes for A too, for the compare beside it.
 * Without votes, or a tie, the alternating default order.
 */
function portOrder(blocks: MBlock[]): (key: string, colourOf: (key: string) => number | undefined) => readonly number[] {
  const partners = new Map<string, Src[]>();
  const meet = (v: Src, other: Src): void => {
    if (v.k !== 'v') return;
    const key = root(vkey(v.id));
    const list = partners.get(key);
    if (list) list.push(other);
    else partners.set(key, [other]);
  };
  // Copies join their source's and destination's votes (a loop-carried value and the copies into it want one file).
  const joined = new Map<string, string>();
  const root = (key: string): string => {
    let r = key;
    for (let next = joined.get(r); next !== undefined; next = joined.get(r)) r = next;
    return r;
  };
  for (const b of blocks) {
    for (const o of b.ops) {
      const from = copySource(o);
      const d = defOf(o);
      if (from?.k !== 'v' || !d) continue;
      const x = root(vkey(from.id)), y = root(vkey(d.id));
      if (x !== y) joined.set(x, y);
    }
  }
  for (const b of blocks) {
    for (const o of b.ops) {
      const counter = conditionalMulDst(o);
      if (counter) meet(counter, COMPARE_PARTNER);
      if (o.k !== 'alu' || !o.a || !o.b || (o.a.k === 'v' && o.b.k === 'v' && o.a.id === o.b.id)) continue;
      if (o.unit === 'mul' && (isR5(o.a) || isR5(o.b))) {
        meet(isR5(o.a) ? o.b : o.a, R5_PARTNER);
        continue;
      }
      meet(o.a, o.b);
      meet(o.b, o.a);
    }
  }
  return (key, colourOf) => {
    let votes = 0; // > 0: file A is free more often
    for (const p of partners.get(root(key)) ?? []) {
      if (p.k === 'imm') votes++;
      else if (p.k === 'io') votes += p.file === 'B' ? 1 : -1;
      else if (p.k === 'v') {
        const c = colourOf(vkey(p.id));
        if (c !== undefined) votes += c >= 32 ? 1 : -1;
      }
    }
    return votes > 0 ? A_FIRST : votes < 0 ? B_FIRST : COLOURS;
  };
}

/** Legalisation (read ports, r3 copies), hazard spacing and layout of allocated code into instruction words. */
export function scheduleVc4(allocated: Vc4Allocated, bundle = true): Vc4Code {
  const { mf, blocks, colour, spillSlots } = allocated;
  const regOf = (id: number): number => {
    const c = colour.get(vkey(id));
    if (c === undefined) throw new BackendError(`internal: v${id} has no register`);
    return c;
  };
  const operand = (s: Src): Operand => {
    switch (s.k) {
      case 'acc': return { mux: `r${s.n}` as Vc4Mux };
      case 'imm': return { port: 'smi', code: s.code };
      case 'io': return { port: s.file, addr: s.addr };
      case 'v': {
        const r = regOf(s.id);
        return r < 32 ? { port: 'A', addr: r } : { port: 'B', addr: r - 32 };
      }
    }
  };

  const st = new Stream();
  const fixups: { at: number; target: number }[] = [];
  const starts = new Map<number, number>();

  /** Write address and space of a destination for a unit; ws says whether the write is swapped. */
  const dest = (d: Dst | undefined, unit: 'add' | 'mul'): { waddr: number; ws: boolean } => {
    const natural = unit === 'add' ? 'A' : 'B';
    if (!d) return { waddr: IO.NOP, ws: false };
    let waddr: number;
    let space: 'A' | 'B' | undefined;
    if (d.k === 'v') {
      const r = regOf(d.id);
      waddr = r < 32 ? r : r - 32;
      space = r < 32 ? 'A' : 'B';
    } else if (d.k === 'acc') {
      waddr = IO.ACC0 + d.n;
    } else {
      waddr = d.addr;
      space = d.file;
    }
    return { waddr, ws: space !== undefined && space !== natural };
  };

  /**
   * The regfile register (`A5`, `B19`) whose copy r3 holds, in program order within the block: a value read beside
   * several small immediates (`xor.setf -, g, 0 … 7`) is copied once, not each immediate. Any write to r3 or to that
   * register, any other kind of op and each block start forget it.
   */
  let r3Holds: string | undefined;
  /** The register a regfile operand reads, as {@link r3Holds} names it. */
  const fileKey = (op: Operand): string | undefined => ('port' in op && op.port !== 'smi' ? `${op.port}${op.addr}` : undefined);
  /** Per value (vreg id): the ALU ops of the current block that read it beside a small immediate. */
  let immPartners = new Map<number, number>();
  const encodeAlu = (o: Extract<MOp, { k: 'alu' }>): void => {
    const srcs: Src[] = o.a ? [o.a, o.b ?? o.a] : [];
    let raddrA: number | undefined;
    let raddrB: number | undefined;
    let smi: number | undefined = o.rot !== undefined ? SMI_ROTATE_BASE + o.rot : undefined;
    const ops = srcs.map(operand);
    // A small immediate beside a regfile-B register that other ops of the block also read beside an immediate takes
    // the B port first, so that the register is the operand that goes through r3 (one copy the later ops share);
    // otherwise the immediate goes (its copy reads no register: copying the register instead cost vc4 yuvToRgba
    // 0.92 -> 0.86 of the memory limit).
    const s0 = srcs[0];
    const shared = s0?.k === 'v' && (immPartners.get(s0.id) ?? 0) > 1;
    const order = shared && 'port' in ops[0]! && ops[0].port === 'B' && 'port' in ops[1]! && ops[1].port === 'smi' ? [1, 0] : ops.map((_, k) => k);
    const muxes: Vc4Mux[] = [];
    for (const k of order) {
      const s = srcs[k] as Src;
      const op = ops[k] as Operand;
      let mux: Vc4Mux | undefined;
      if ('mux' in op) mux = op.mux;
      else if (op.port === 'A') {
        if (raddrA === undefined || raddrA === op.addr) (raddrA = op.addr), (mux = 'ra');
      } else if (op.port === 'B') {
        if (smi === undefined && (raddrB === undefined || raddrB === op.addr)) (raddrB = op.addr), (mux = 'rb');
      } else if (raddrB === undefined && (smi === undefined || smi === op.code)) (smi = op.code), (mux = 'rb');
      if (!mux) {
        // Port conflict: copy this operand to r3 first (a register r3 already holds is not copied again).
        const key = s.k === 'v' ? fileKey(op) : undefined;
        if (key === undefined || key !== r3Holds) {
          encodeAlu({ k: 'alu', unit: 'add', op: 'or', dst: { k: 'acc', n: 3 }, a: s, b: s, ...(o.loc ? { loc: o.loc } : {}) });
          r3Holds = key;
        }
        mux = 'r3';
      }
      muxes[k] = mux;
    }
    const { waddr, ws } = dest(o.dst, o.unit);
    if (o.dst?.k === 'acc' && o.dst.n === 3) r3Holds = undefined;
    else if (o.dst?.k === 'v' && r3Holds !== undefined && fileKey(operand(o.dst)) === r3Holds) r3Holds = undefined;
    const i: Vc4AluInstr = {
      ...vc4Nop(),
      sig: smi !== undefined ? 'smi' : 'none',
      raddrA: raddrA ?? IO.NOP,
      raddrB: smi ?? raddrB ?? IO.NOP,
      sf: o.sf ?? false,
      ws,
    };
    const [ma, mb] = [muxes[0] ?? 'r0', muxes[1] ?? muxes[0] ?? 'r0'];
    if (o.unit === 'add') {
      i.opAdd = o.op as Vc4AluInstr['opAdd'];
      i.addA = ma;
      i.addB = mb;
      i.waddrAdd = waddr;
      i.condAdd = o.cond ?? 'always';
    } else {
      i.opMul = o.op as Vc4AluInstr['opMul'];
      i.mulA = ma;
      i.mulB = mb;
      i.waddrMul = waddr;
      i.condMul = o.cond ?? 'always';
    }
    body.push({ instr: i, loc: o.loc });
  };
  /** The words of the current block before its branch, scheduled and paired when the block ends. */
  let body: Word[] = [];
  const flush = (): void => {
    for (const w of bundle ? bundleBlock(body) : body) st.push(w.instr, w.loc);
    body = [];
  };

  const base = { pm: false, pack: 0, sf: false, condMul: 'never', waddrMul: IO.NOP } as const;
  blocks.forEach((b, bi) => {
    flush();
    starts.set(b.id, st.instrs.length);
    r3Holds = undefined;
    immPartners = new Map();
    for (const o of b.ops) {
      if (o.k !== 'alu' || !o.a || !o.b) continue;
      const v = o.a.k === 'v' && o.b.k === 'imm' ? o.a : o.b.k === 'v' && o.a.k === 'imm' ? o.b : undefined;
      if (v) immPartners.set(v.id, (immPartners.get(v.id) ?? 0) + 1);
    }
    b.ops.forEach((o, k) => {
      if (o.k !== 'alu') r3Holds = undefined;
      switch (o.k) {
        case 'alu':
          // A copy whose source and destination were coalesced into one register does nothing.
          {
            const c = vregCopy(o);
            if (c && regOf(c.dst.id) === regOf(c.src.id)) break;
          }
          encodeAlu(o);
          break;
        case 'ldi': {
          const { waddr, ws } = dest(o.dst, 'add');
          body.push({ instr: { kind: 'ldi', mode: 'u32', imm: o.value >>> 0, ...base, condAdd: o.cond ?? 'always', ws, waddrAdd: waddr }, loc: o.loc });
          break;
        }
        case 'sem':
          body.push({ instr: { kind: 'sem', acquire: o.acquire, semaphore: o.n, high: 0, ...base, condAdd: 'never', ws: false, waddrAdd: IO.NOP }, loc: o.loc });
          break;
        case 'nop':
          // A plain nop spaces an SFU write from its r4 read: the scheduler drops it and keeps that latency itself.
          body.push({ instr: { ...vc4Nop(), ...(o.sig ? { sig: o.sig } : {}) }, loc: o.loc });
          break;
        case 'br': {
          // A conditional branch's delay slots take words of its block that may run after it (delaySlotWords).
          const words = bundle ? bundleBlock(body) : body;
          body = [];
          const { keep, slots } = o.cond === 'always' ? { keep: words, slots: [] } : delaySlotWords(words);
          for (const w of keep) st.push(w.instr, w.loc);
          const last = k === b.ops.length - 1;
          const next = blocks[bi + 1];
          // An unconditional branch to the block that follows anyway (or to the end from the last block) is dropped.
          if (o.cond === 'always' && last && ((next && o.target === next.id) || (!next && o.target === -1))) break;
          fixups.push({ at: st.instrs.length, target: o.target });
          st.push({ kind: 'branch', cond: o.cond, rel: true, reg: false, raddrA: 0, ws: false, waddrAdd: IO.NOP, waddrMul: IO.NOP, imm: 0, unused: 0 }, o.loc);
          for (const w of slots) st.raw(w.instr, w.loc);
          for (let s = slots.length; s < DELAY_SLOTS; s++) st.raw(vc4Nop(), o.loc);
          break;
        }
      }
    });
  });
  // Program end: host interrupt, thrend, two nops.
  flush();
  starts.set(-1, st.instrs.length);
  st.push({ ...vc4Nop(), opAdd: 'or', sig: 'smi', raddrB: 1, addA: 'rb', addB: 'rb', waddrAdd: IO.HOST_INT, condAdd: 'always' }, undefined);
  st.raw({ ...vc4Nop(), sig: 'thrend' }, undefined);
  st.raw(vc4Nop(), undefined);
  st.raw(vc4Nop(), undefined);
  for (const f of fixups) {
    const to = starts.get(f.target);
    if (to === undefined) throw new BackendError(`internal: branch to unknown block ${f.target}`);
    const br = st.instrs[f.at];
    if (br?.kind === 'branch') br.imm = ((to - (f.at + 4)) * 8) | 0;
  }
  const filled = fillDelaySlots(st.instrs, st.locs, fixups.map((f) => f.at));
  return { ...(filled ?? { instrs: st.instrs, locs: st.locs }), registersUsed: new Set(colour.values()).size, spillSlots };
}

const DELAY_SLOTS = VC4_PIPELINE.branchDelaySlots;
/** Delay slots of a conditional branch filled from its block: the last stays a nop (see delaySlotWords). */
const COND_SLOTS = DELAY_SLOTS - 1;
/** Words back from a conditional branch searched for delay-slot work. */
const SLOT_WINDOW = 8;

/**
 * Words of a block ending in a conditional branch (its scheduled words, in
 * order) that run in the branch's delay slots instead of before it: they
 * run on both paths either way, and the branch reads only the flags. A word
 * moves when it is plain ALU or load-immediate work (no signal, no I/O, no
 * flags set, no condition where a word it moves past sets flags) and
 * neither reads nor writes what a word it moves past writes or reads; at
 * most COND_SLOTS of them, in their order, with no read of a register the
 * word before it in the slots writes (the one-word regfile latency). The
 * last slot stays a nop, so no moved word is right before either successor's
 * first word (whose reads are not known here).
 */
function delaySlotWords(words: readonly Word[]): { keep: Word[]; slots: Word[] } {
  const moved = new Set<number>();
  const from = Math.max(0, words.length - SLOT_WINDOW);
  for (let j = words.length - 1; j >= from && moved.size < COND_SLOTS; j--) {
    const w = (words[j] as Word).instr;
    if (w.kind === 'branch' || w.kind === 'sem') continue;
    const f = vc4Access(w);
    if (f.setsFlags || f.ioWrites.size > 0 || f.ioReads.size > 0 || (f.signal !== undefined && f.signal !== 'none' && f.signal !== 'smi')) continue;
    const conditional = w.kind === 'alu' ? (w.condAdd !== 'always' && w.condAdd !== 'never') || (w.condMul !== 'always' && w.condMul !== 'never') : w.condAdd !== 'always';
    let free = true;
    for (let q = j + 1; q < words.length && free; q++) {
      if (moved.has(q)) continue;
      const g = vc4Access((words[q] as Word).instr);
      const reads = (x: typeof f, reg: number, file: 'A' | 'B'): boolean => (file === 'A' ? x.readA === reg : x.readB === reg);
      if (
        (f.writeA >= 0 && (reads(g, f.writeA, 'A') || g.writeA === f.writeA)) ||
        (f.writeB >= 0 && (reads(g, f.writeB, 'B') || g.writeB === f.writeB)) ||
        (g.writeA >= 0 && reads(f, g.writeA, 'A')) ||
        (g.writeB >= 0 && reads(f, g.writeB, 'B')) ||
        (f.accWrites & (g.accWrites | accMask(g.accReads))) !== 0 ||
        (g.accWrites & accMask(f.accReads)) !== 0 ||
        g.ioWrites.size > 0 || g.ioReads.size > 0 || g.r4Signal ||
        (conditional && g.setsFlags)
      ) free = false;
    }
    if (free) moved.add(j);
  }
  const slots = [...moved].sort((x, y) => x - y);
  // One-word regfile latency and rotation inputs between neighbouring slot words: drop the earlier word's move.
  for (let s = slots.length - 1; s > 0; s--) {
    const p = access((words[slots[s - 1] as number] as Word).instr);
    const a = access((words[slots[s] as number] as Word).instr);
    const raw = (a.readA >= 0 && a.readA === p.writeA) || (a.readB >= 0 && a.readB === p.writeB);
    const rot = (a.rotAccs & p.accWrites) !== 0 || (a.rotByR5 && (p.accWrites & (1 << 5)) !== 0);
    if (raw || rot) return delayWordsNone(words);
  }
  return { keep: words.filter((_, q) => !moved.has(q)), slots: slots.map((q) => words[q] as Word) };
}

/** No delay-slot work. */
function delayWordsNone(words: readonly Word[]): { keep: Word[]; slots: Word[] } {
  return { keep: [...words], slots: [] };
}

/** Bits of the accumulators r0–r5 among `muxes`. */
function accMask(muxes: ReadonlySet<Vc4Mux>): number {
  let m = 0;
  for (const x of muxes) if (x !== 'ra' && x !== 'rb') m |= 1 << Number(x.slice(1));
  return m;
}

/** A canonical nop (what emission puts in delay slots). */
function isNop(i: Vc4Instr | undefined): boolean {
  return i?.kind === 'alu' && i.opAdd === 'nop' && i.opMul === 'nop' && i.sig === 'none' && i.condAdd === 'never' && i.condMul === 'never';
}

/**
 * The delay slots of unconditional branches filled with the first three
 * words of their target, which the branch then skips (`brr` to target + 3):
 * the same words run in the same order, three fewer issue a nop. Only where
 * those words are no branch or thread end and the words around the branch
 * still pass the static checker (else that branch keeps its nops).
 */
function fillDelaySlots(instrs: Vc4Instr[], locs: (SourceLoc | undefined)[], branches: number[]): { instrs: Vc4Instr[]; locs: (SourceLoc | undefined)[] } | undefined {
  const out = [...instrs];
  const outLocs = [...locs];
  let changed = false;
  for (const k of branches) {
    const br = out[k];
    if (br?.kind !== 'branch' || br.cond !== 'always' || br.reg || !br.rel) continue;
    if (![1, 2, 3].every((s) => isNop(instrs[k + s]))) continue;
    const t = k + DELAY_SLOTS + 1 + br.imm / 8;
    if (!Number.isInteger(t) || t < 0 || t + DELAY_SLOTS >= instrs.length) continue;
    const words = instrs.slice(t, t + DELAY_SLOTS);
    if (words.some((w) => w.kind === 'branch' || (w.kind === 'alu' && (w.sig === 'thrend' || w.sig === 'thrsw' || w.sig === 'lthrsw')))) continue;
    const before = out.slice(k, k + DELAY_SLOTS + 1);
    words.forEach((w, s) => {
      out[k + 1 + s] = { ...w };
      outLocs[k + 1 + s] = locs[t + s];
    });
    out[k] = { ...br, imm: br.imm + DELAY_SLOTS * 8 };
    // The rules that span words reach at most 3 back (an SFU write before the branch and r4 in a slot): check around it.
    const from = Math.max(0, k - DELAY_SLOTS);
    if (checkVc4Program(out.slice(from, k + DELAY_SLOTS + 2)).some((i) => i.severity === 'error')) {
      before.forEach((w, s) => ((out[k + s] = w), (outLocs[k + s] = locs[k + s])));
      continue;
    }
    changed = true;
  }
  if (!changed) return undefined;
  return { instrs: out, locs: outLocs };
}

/**
 * Values to spill: at the point where the most values are live, those live
 * over the most instructions (as the V3D backend chooses), as many as the
 * excess over the register count (several per round: allocation is the slow
 * part), skipping the spill code's own registers.
 */
function spillChoice(blocks: MBlock[], noSpill: Set<number>): number[] {
  const { liveOut } = computeLiveness(flow(blocks), VIEW);
  const span = new Map<string, number>();
  let peak: Set<string> = new Set();
  for (const b of blocks) {
    const live = new Set(liveOut.get(b.id));
    for (let k = b.ops.length - 1; k >= 0; k--) {
      const o = b.ops[k] as MOp;
      const d = VIEW.def(o);
      if (d) live.delete(d);
      for (const u of VIEW.uses(o)) live.add(u);
      for (const l of live) span.set(l, (span.get(l) ?? 0) + 1);
      if (live.size > peak.size) peak = new Set(live);
    }
  }
  const ids = [...peak].map((k) => Number(k.slice(1))).filter((id) => !noSpill.has(id));
  ids.sort((x, y) => (span.get(`v${y}`) ?? 0) - (span.get(`v${x}`) ?? 0));
  return ids.slice(0, Math.max(1, peak.size - 60));
}

/** Spill slots per QPU. */
export const SPILL_SLOTS = 128;
/** Scratch bytes per QPU when spilling: the sink row (64 bytes, shared), then one 16-lane slot of 64 bytes each. */
export const SPILL_STRIDE = 64 * (SPILL_SLOTS + 1);
/** VPM row of QPU n's spill stores: 48 + n (rows 0–47 are the QPUs' store rows, isel-memory.ts storeRowReg). */
const SPILL_ROW0 = VPM_STORE_ROW_LIMIT;

/** Registers the spill code uses, computed once at entry. */
interface SpillState {
  /** Per lane: scratch + qpuId · SPILL_STRIDE + 64 + 4 · lane (slot 0 of this QPU). */
  base: VReg;
  /** vw_setup for QPU writes to the spill row, and the DMA setup storing it. */
  vpmw: VReg;
  dma: VReg;
  next: number;
  /** Registers never to spill (the spill code's own). */
  noSpill: Set<number>;
  /** Ops at the start of block 0 (uniform reads and this setup): stores of values they define wait until after them. */
  prefix: number;
}

const io = (addr: number, file?: 'A' | 'B'): Dst => (file ? { k: 'io', addr, file } : { k: 'io', addr });
const rd = (addr: number, file: 'A' | 'B'): Src => ({ k: 'io', addr, file });
const mov = (dst: Dst, a: Src): MOp => ({ k: 'alu', unit: 'add', op: 'or', dst, a, b: a });

/** Compute the spill registers after the prologue's uniform reads (adding the scratch and qpuId uniforms if missing). */
function setupSpill(mf: Vc4MFunction, blocks: MBlock[]): SpillState {
  const pro = (blocks[0] as MBlock).ops;
  const fresh = (): VReg => vreg(mf.nextVReg++);
  const noSpill = new Set<number>();
  const reg = (): VReg => {
    const r = fresh();
    noSpill.add(r.id);
    return r;
  };
  // The prologue starts with one read per uniform slot, in order.
  const unif = (slot: UniformSlot): VReg => {
    const key = JSON.stringify(slot);
    const k = mf.uniforms.findIndex((u) => JSON.stringify(u) === key);
    if (k >= 0) {
      const o = pro[k];
      if (o?.k === 'alu' && o.dst?.k === 'v') return o.dst;
      throw new BackendError('internal: the vc4 prologue does not start with the uniform reads');
    }
    const r = reg();
    pro.splice(mf.uniforms.length, 0, mov(r, rd(32, 'A')));
    mf.uniforms.push(slot);
    return r;
  };
  const scratch = unif({ kind: 'scratch' });
  const qpuId = unif({ kind: 'qpuId' });
  noSpill.add(scratch.id);
  noSpill.add(qpuId.id);
  mf.usesScratch = true;
  const [k1, t1, t2, t3, t4, k2, base, k3, vpmw, t5, k4, dma] = Array.from({ length: 12 }, reg);
  const alu = (op: 'add' | 'shl' | 'mul24', dst: VReg, a: Src, b: Src): MOp => ({ k: 'alu', unit: op === 'mul24' ? 'mul' : 'add', op, dst, a, b });
  const qpuNum = rd(38, 'B');
  const ops: MOp[] = [
    { k: 'ldi', dst: k1 as VReg, value: SPILL_STRIDE },
    alu('mul24', t1 as VReg, qpuId, k1 as VReg),
    alu('add', t2 as VReg, t1 as VReg, scratch),
    alu('shl', t3 as VReg, rd(38, 'A'), { k: 'imm', code: 2 }),
    alu('add', t4 as VReg, t2 as VReg, t3 as VReg),
    { k: 'ldi', dst: k2 as VReg, value: 64 },
    alu('add', base as VReg, t4 as VReg, k2 as VReg),
    { k: 'ldi', dst: k3 as VReg, value: 0x1a00 + SPILL_ROW0 },
    alu('add', vpmw as VReg, qpuNum, k3 as VReg),
    alu('shl', t5 as VReg, qpuNum, { k: 'imm', code: 7 }),
    { k: 'ldi', dst: k4 as VReg, value: (0x80904000 + (SPILL_ROW0 << 7)) >>> 0 },
    alu('add', dma as VReg, t5 as VReg, k4 as VReg),
  ];
  pro.splice(mf.uniforms.length, 0, ...ops);
  return { base: base as VReg, vpmw: vpmw as VReg, dma: dma as VReg, next: 0, noSpill, prefix: mf.uniforms.length + ops.length };
}

/**
 * Keep vreg `id` in spill slot `slot`: a TMU load into a fresh register before
 * each use, a VPM write and 16-word DMA store after each definition (the
 * QPU's own VPM row 48 + qpu_num, so no kernel store's row is touched). None
 * of it sets flags or uses r0–r3.
 */
function spillVReg(mf: Vc4MFunction, blocks: MBlock[], id: number, slot: number, st: SpillState): void {
  const reg = (): VReg => {
    const r = vreg(mf.nextVReg++);
    st.noSpill.add(r.id);
    return r;
  };
  const addr = (): { ops: MOp[]; a: VReg } => {
    const k = reg();
    const a = reg();
    return { ops: [{ k: 'ldi', dst: k, value: 64 * slot }, { k: 'alu', unit: 'add', op: 'add', dst: a, a: st.base, b: k }], a };
  };
  const reload = (t: VReg): MOp[] => {
    const { ops, a } = addr();
    return [...ops, mov(io(56), a), { k: 'nop', sig: 'ldtmu0' }, mov(t, acc(4))];
  };
  const store = (t: VReg): MOp[] => {
    const { ops, a } = addr();
    return [mov(io(49, 'B'), st.vpmw), mov(io(48), t), mov(io(49, 'B'), st.dma), ...ops, mov(io(50, 'B'), a), mov(io(39), rd(50, 'B'))];
  };
  blocks.forEach((b, bi) => {
    const out: MOp[] = [];
    const pending: MOp[] = [];
    b.ops.forEach((o, k) => {
      if (bi === 0 && k === st.prefix) out.push(...pending.splice(0));
      const uses = usesOf(o).some((v) => v.id === id);
      const defs = defOf(o)?.id === id;
      if (!uses && !defs) return void out.push(o);
      const t = reg();
      const swap = <T extends Src | Dst | undefined>(x: T): T => (x && x.k === 'v' && x.id === id ? (t as T) : x);
      if (uses) out.push(...reload(t));
      const o2: MOp = o.k === 'alu' ? { ...o, ...(o.dst ? { dst: swap(o.dst) } : {}), ...(o.a ? { a: swap(o.a) } : {}), ...(o.b ? { b: swap(o.b) } : {}) } : o.k === 'ldi' ? { ...o, dst: swap(o.dst) } : o;
      out.push(o2);
      if (defs) (bi === 0 && k < st.prefix ? pending : out).push(...store(t));
    });
    out.push(...pending);
    b.ops = out;
  });
}
