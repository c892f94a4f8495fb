/**
 * Executes one pre-decoded instruction for one thread: operand reads, both
 * ALUs, conditions and flags, signals, register and magic writes, branches and
 * thread-switch countdowns. Rules: shared/docs/v3d-semantics-notes.md 2-5.
 *
 * Within an instruction every read sees pre-instruction values and every write
 * lands at its end (pv6 `test_unifa`) [T]; TMU address writes go last so that
 * data written in the same instruction belong to that lookup.
 */
import { RuntimeError, RUNTIME_ERROR_CODES } from '../../errors.ts';
import type { V3dVersion } from '../../../compiler/isa/v3d/instr.ts';
import type { GpuMemory } from '../memory.ts';
import { AluScratch, LANES, type LaneVec } from './lanes.ts';
import { flushLanes, VFCMP_FLAG_HALF } from './alu-ops.ts';
import { BCOND, BDEST, DEST, ROW_ACC, type CompiledAlu, type CompiledBranch, type CompiledPart, type Dest, type Operand } from './compile.ts';
import { f16ToF32, f32ToF16, FLUSH_DENORMALS, flushBits, sfuTruncate, SFU_FUNCTIONS } from './numerics.ts';
import { issueLookup } from './tmu.ts';
import { UniformPath } from './uniform-path.ts';
import type { ThreadState } from './thread.ts';
import { ISSUE_CYCLES, SFU_LATENCY, type QpuClock, type SharedTiming } from './timing.ts';

/** What happened after an instruction, for the scheduler. */
export const STEP = { CONTINUE: 0, SWITCH: 1, END: 2 } as const;

/** A thread did something the hardware would hang on or that cannot be emulated. */
export class ExecutionError extends RuntimeError {
  constructor(message: string, readonly address: number, readonly qpu: number) {
    super(`${message} (instruction 0x${address.toString(16).padStart(8, '0')}, QPU ${qpu})`, RUNTIME_ERROR_CODES.EXECUTION);
  }
}

/** Job-wide counters for the profile. */
export interface ExecCounters {
  instructions: number;
  bytesRead: number;
  bytesWritten: number;
  flops: number;
}

const SFU_BY_WADDR = ['recip', 'rsqrt', 'exp', 'log', 'sin', 'rsqrt2'] as const;
/**
 * CHOICE (notes 2.7 give lane 1; docs/emulator-v3d.md "Register-form uniform branch"): the address a register-form
 * uniform branch (`ub`, bdu = reg) starts the main stream at. Three board-checked programs constrain it:
 * pv6/pv7 `test_uniform_branch_reg` (only lane 1 holds an address: lane 1), `test_unifa` case 3 (lanes hold
 * base + 12, base, base + 4, ...: the base, lane 1) and `test_unifa` case 2 (lane k holds base + 4k, the stream
 * starts at the base: lane 0, or lane 1 rounded down to 8 bytes). 'lane1-align8' (lane 1 with bits 2:0 cleared) is
 * the one fixed rule all three pass; 'lane1' and 'lane0' each fail one of them.
 */
export const UNIFORM_BRANCH_REG_ADDRESS: 'lane1-align8' | 'lane1' | 'lane0' = 'lane1-align8';

/** The main-stream address a register-form uniform branch sets, from lanes 0 and 1 of its register. */
export function uniformBranchRegAddress(lane0: number, lane1: number): number {
  if (UNIFORM_BRANCH_REG_ADDRESS === 'lane0') return lane0 >>> 0;
  return UNIFORM_BRANCH_REG_ADDRESS === 'lane1' ? lane1 >>> 0 : (lane1 & ~7) >>> 0;
}

/** Which predicate each UF-list entry tests: 0 z, 1 n, 2 c. */
const UF_PRED = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2];

/** The instruction executor shared by all threads of a job. */
export class QpuExecutor {
  /** Per-ALU scratch (results that go to flags or magic writes); generated code uses them too. */
  readonly addS = new AluScratch();
  readonly mulS = new AluScratch();
  private readonly pred = new Uint8Array(LANES);
  private readonly tmp = new Uint32Array(LANES);
  readonly counters: ExecCounters = { instructions: 0, bytesRead: 0, bytesWritten: 0, flops: 0 };

  /** What the uniform streams read: memory without this job's TMU writes. */
  private readonly uniformPath: UniformPath;

  constructor(
    private readonly mem: GpuMemory,
    readonly ver: V3dVersion,
    private readonly timing: SharedTiming,
  ) {
    this.uniformPath = new UniformPath(mem);
  }

  /**
   * Run `instr` (at `t.pc`) on thread `t` of the QPU whose clock is `q`; returns a {@link STEP} code.
   * The caller counts executed instructions into `counters.instructions` (once per run of steps, not per step).
   */
  step(t: ThreadState, instr: CompiledAlu | CompiledBranch, q: QpuClock): number {
    q.time += ISSUE_CYCLES;
    let next = t.pc + 8;
    let takenTarget = -1;
    if (instr.kind === 'alu') {
      // SFU results read by the next instruction stall until ready (M:sched read_stalls).
      if (t.sfuRow >= 0 && t.sfuReady > q.time - ISSUE_CYCLES && instr.reads.includes(t.sfuRow)) this.timing.stall(q, t.sfuReady + ISSUE_CYCLES, 'sfu');
      // An SFU-class op (recip..., 7.1 rot/shuffle/...) waits until its slice's shared SFU takes it.
      const add = instr.add;
      if (add !== null && add.op.sfu) {
        const issued = q.time - ISSUE_CYCLES;
        const taken = this.timing.sfu(t.qpu, issued);
        if (taken > issued) this.timing.stall(q, taken + ISSUE_CYCLES, 'sfu');
      }
      const run = instr.run;
      if (run !== null) run(t, this, q);
      else {
        this.alu(t, instr, q);
        if (instr.heat > 0 && --instr.heat === 0 && instr.generate !== undefined) instr.run = instr.generate();
      }
    } else takenTarget = this.branch(t, instr);
    // Delay slots: a branch takes effect after three more instructions, a switch after two.
    if (t.branchSlots > 0 && --t.branchSlots === 0) next = t.branchTarget;
    if (takenTarget >= 0) {
      t.branchTarget = takenTarget;
      t.branchSlots = 3;
    }
    t.pc = next;
    if (t.thrswSlots > 0 && --t.thrswSlots === 0) return t.thrswEnds ? STEP.END : STEP.SWITCH;
    return STEP.CONTINUE;
  }

  /** Next word of the main uniform stream (ldunif, tmuau, wrtmuc ...). */
  readUniform(t: ThreadState): number {
    const v = this.uniformPath.read32(t.unif);
    t.unif = (t.unif + 4) >>> 0;
    return v;
  }

  /** Next word of the unifa side stream (ldunifa). */
  readUnifa(t: ThreadState): number {
    const v = this.uniformPath.read32(t.unifa);
    t.unifa = (t.unifa + 4) >>> 0;
    return v;
  }

  /** ldtmu: the next returned word, after waiting for its data. */
  popTmu(t: ThreadState, q: QpuClock): Uint32Array {
    const got = t.tmu.pop();
    if (!got) throw new ExecutionError('hazard r26-ldtmu-empty: ldtmu with no TMU lookup outstanding hangs the QPU', t.pc, t.qpu);
    this.timing.stall(q, got.ready, 'tmu');
    return got.word;
  }

  /** tmuwt: wait until this thread's TMU work is done. */
  tmuwt(t: ThreadState, q: QpuClock): void {
    this.timing.stall(q, t.tmu.lastDone, 'tmu');
  }

  /** One value in all 16 lanes to a destination (uniform signals). */
  fillWrite(t: ThreadState, d: Dest, value: number, q: QpuClock): void {
    this.tmp.fill(value);
    this.write(t, d, this.tmp, 0xffff, q);
  }

  /**
   * The 16 lanes an operand reads: the register row itself when nothing
   * changes it, else `copy` holding the flushed / unpacked / rotated value.
   */
  private operand(t: ThreadState, o: Operand, floatIn: boolean, copy: LaneVec, rotateBy: number): LaneVec {
    const un = o.unpack;
    const src = o.row < 0 ? (o.vec as LaneVec) : (t.rows[o.row] as LaneVec);
    const flush = floatIn && FLUSH_DENORMALS && un <= 1 && (o.row < 0 ? o.denormal : t.dirty[o.row] === 1 && hasDenormal(src.u));
    if (un === 0 && !flush && rotateBy === 0) return src;
    copy.u.set(src.u);
    if (flush) flushLanes(copy.u);
    if (un !== 0) unpackLanes(copy, un);
    if (rotateBy !== 0) this.rotate(copy, o, rotateBy);
    return copy;
  }

  /**
   * 4.2 rotate signal on a mul operand (pv6 test_full_rotate / test_quad_rotate):
   * an accumulator rotates by n over all lanes, a register-file read rotates
   * inside each quad; result lane j = src[(j - n) mod size].
   */
  private rotate(v: LaneVec, o: Operand, n: number): void {
    if (o.row < 0) return;
    const src = this.tmp;
    src.set(v.u);
    const u = v.u;
    if (o.row >= ROW_ACC) for (let j = 0; j < LANES; j++) u[j] = src[(j - n) & 15] as number;
    else for (let j = 0; j < LANES; j++) u[j] = src[(j & ~3) | ((j - n) & 3)] as number;
  }

  private compute(t: ThreadState, p: CompiledPart, s: AluScratch, rotateBy: number): void {
    const op = p.op;
    const rot = p.rotate ? rotateBy : 0;
    const flushIn = op.floatIn && !op.selfFlushing;
    if (op.srcs >= 1) s.a = this.operand(t, p.a, flushIn, s.ca, rot);
    if (op.srcs >= 2) s.b = this.operand(t, p.b, flushIn, s.cb, rot);
    op.exec(s, t);
    if (op.floatOut && FLUSH_DENORMALS && !op.selfFlushing) flushLanes(s.d.u);
    this.counters.flops += op.flops * LANES;
  }

  /** Lane mask (bit per lane) where condition `cond` holds on the pre-instruction flags. */
  condMask(t: ThreadState, cond: number): number {
    if (cond === 0) return 0xffff;
    const f = cond === 1 || cond === 3 ? t.flagA : t.flagB;
    const want = cond <= 2 ? 1 : 0;
    let m = 0;
    for (let i = 0; i < LANES; i++) if (f[i] === want) m |= 1 << i;
    return m;
  }

  /** Predicate z/n/c (0/1/2) of an ALU result into `this.pred`. */
  private predicate(p: CompiledPart, s: AluScratch, which: number): Uint8Array {
    const out = this.pred;
    const d = s.d.u;
    if (p.op.flags === 'fcmp') {
      const a = s.a.f, b = s.b.f;
      for (let i = 0; i < LANES; i++) {
        const x = a[i] as number, y = b[i] as number;
        out[i] = (which === 0 ? x === y : which === 1 ? x < y : x <= y) ? 1 : 0;
      }
    } else if (p.op.flags === 'vfcmp') {
      // CHOICE (alu-ops.ts VFCMP_FLAG_HALF): one f16 half of a and b decides, compared as fcmp compares.
      const a = s.a.u, b = s.b.u, sh = VFCMP_FLAG_HALF === 'lo' ? 0 : 16;
      for (let i = 0; i < LANES; i++) {
        const x = f16ToF32(((a[i] as number) >>> sh) & 0xffff), y = f16ToF32(((b[i] as number) >>> sh) & 0xffff);
        out[i] = (which === 0 ? x === y : which === 1 ? x < y : x <= y) ? 1 : 0;
      }
    } else if (which === 2) {
      if (p.op.carry) {
        p.op.carry(s);
        out.set(s.carry);
      } else out.fill(0);
    } else if (which === 0) {
      // CHOICE for float results: Z = +-0 (sign ignored), N = sign bit (notes 3 leave float Z/N open).
      const mask = p.op.flags === 'float' ? 0x7fffffff : 0xffffffff;
      for (let i = 0; i < LANES; i++) out[i] = ((d[i] as number) & mask) === 0 ? 1 : 0;
    } else for (let i = 0; i < LANES; i++) out[i] = (d[i] as number) >>> 31;
    return out;
  }

  /** Flag push (B := A, A := P) or update (A := f(A, P)) from one ALU [T test_cond_push_*, test_cond_update]. */
  private flags(t: ThreadState, p: CompiledPart, s: AluScratch): void {
    const A = t.flagA;
    if (p.push) {
      const P = this.predicate(p, s, p.push - 1);
      t.flagB.set(A);
      A.set(P);
    } else if (p.update) {
      const k = p.update - 1;
      const P = this.predicate(p, s, UF_PRED[k] as number);
      const kind = k & 3;
      for (let i = 0; i < LANES; i++) {
        const a = A[i] as number, q = P[i] as number;
        A[i] = kind === 0 ? a & q : kind === 1 ? a & (q ^ 1) : kind === 2 ? (a | (q ^ 1)) ^ 1 : (a | q) ^ 1;
      }
    }
  }

  /** Write 16 lanes to a register row under `mask`, with optional f16 pack into one half. */
  private writeRow(t: ThreadState, row: number, v: Uint32Array, mask: number, pack: number, clean: boolean): void {
    const regs = t.regs;
    const base = row * LANES;
    // Track rows that may hold denormal bit patterns, so float reads of flushed rows skip the check.
    if (!clean || pack !== 0) t.dirty[row] = 1;
    else if (mask === 0xffff) t.dirty[row] = 0;
    if (pack === 0) {
      if (mask === 0xffff) regs.set(v, base);
      else for (let i = 0; i < LANES; i++) if (mask & (1 << i)) regs[base + i] = v[i] as number;
      return;
    }
    // CHOICE (notes 4: the other half after an f16 pack is unknown): it keeps its old value.
    const f = new Float32Array(v.buffer, v.byteOffset, LANES);
    for (let i = 0; i < LANES; i++) {
      if (!(mask & (1 << i))) continue;
      const h = f32ToF16(f[i] as number);
      const old = regs[base + i] as number;
      regs[base + i] = pack === 1 ? (old & 0xffff0000) | h : (old & 0xffff) | (h << 16);
    }
  }

  /** Deliver 16 lanes to a destination (register or magic) under `mask`. */
  write(t: ThreadState, d: Dest, v: Uint32Array, mask: number, q: QpuClock, clean = false): void {
    switch (d.kind) {
      case DEST.NONE: return;
      case DEST.ROW: this.writeRow(t, d.row, v, mask, d.pack, clean); return;
      case DEST.QUAD: {
        const tmp = this.tmp;
        for (let i = 0; i < LANES; i++) tmp[i] = v[i & ~3] as number;
        this.writeRow(t, d.row, tmp, mask, 0, clean);
        return;
      }
      case DEST.REP: {
        this.tmp.fill(v[0] as number);
        this.writeRow(t, d.row, this.tmp, mask, 0, clean);
        return;
      }
      case DEST.TMUD: t.tmu.pushData(v); return;
      case DEST.TMUC: t.tmu.config = (v[0] as number) | 0; return;
      case DEST.TMUA: case DEST.TMUAU: this.lookup(t, v, mask, q); return;
      // unifa takes lane 0 (pv6 test_unifa).
      case DEST.UNIFA: t.unifa = v[0] as number; return;
      case DEST.SYNCB: t.barrierPending = true; return;
      case DEST.SYNC: case DEST.SYNCU: return;
      case DEST.SFU: {
        // 4.2 SFU by write address: result lands in r4 (valid 2 instructions later; hazard rule 10).
        const name = SFU_BY_WADDR[d.magic - 19] as (typeof SFU_BY_WADDR)[number];
        const fn = SFU_FUNCTIONS[name];
        const r4 = this.tmp;
        const f = new Float32Array(r4.buffer);
        const x = new Float32Array(v.buffer, v.byteOffset, LANES);
        for (let i = 0; i < LANES; i++) {
          const val = fn(bitsToFlushedFloat(x, i));
          f[i] = t.exactSfu ? val : sfuTruncate(val);
        }
        flushLanes(r4);
        this.writeRow(t, ROW_ACC + 4, r4, 0xffff, 0, true);
        return;
      }
      default: throw new ExecutionError(`TMU texture write address ${d.magic} is not supported for general memory`, t.pc, t.qpu);
    }
  }

  /** Address ranges the timing model treats as L2-resident (the job's workgroup-shared memory: CsdJob.cacheResident). */
  cacheResident: readonly { gpuAddress: number; size: number }[] = [];

  /** Whether every active lane's address lies in one of {@link cacheResident}'s ranges. */
  private resident(addrs: Uint32Array, mask: number): boolean {
    const ranges = this.cacheResident;
    if (ranges.length === 0) return false;
    for (let l = 0; l < 16; l++) {
      if ((mask & (1 << l)) === 0) continue;
      const a = addrs[l] as number;
      if (!ranges.some((r) => a >= r.gpuAddress && a < r.gpuAddress + r.size)) return false;
    }
    return true;
  }

  private lookup(t: ThreadState, addrs: Uint32Array, mask: number, q: QpuClock): void {
    const stats = issueLookup(this.mem, t.tmu, addrs, mask, this.ver, this.uniformPath);
    this.counters.bytesRead += stats.bytesRead;
    this.counters.bytesWritten += stats.bytesWritten;
    // An L2-resident lookup pays the TMU latency and per-line cost but none of the shared DRAM bandwidth (timing.ts).
    const dram = !this.resident(addrs, mask);
    const ready = this.timing.lookup(q, t.inflight, dram ? stats.bytesRead : 0, dram ? stats.bytesWritten : 0, stats.lines);
    if (stats.returnWords > 0) (t.tmu.newest() as { ready: number }).ready = ready;
    if (ready > t.tmu.lastDone) t.tmu.lastDone = ready;
  }

  private alu(t: ThreadState, ins: CompiledAlu, q: QpuClock): void {
    const add = ins.add, mul = ins.mul;
    if (ins.plain) {
      // Fast path (most compute code): register-to-register ALU work, no signals, flags or magic writes.
      if (add) this.compute(t, add, this.addS, 0);
      if (mul) this.compute(t, mul, this.mulS, 0);
      if (add && add.dest.kind === DEST.ROW) this.writeRow(t, add.dest.row, this.addS.d.u, 0xffff, 0, add.op.floatOut);
      if (mul && mul.dest.kind === DEST.ROW) this.writeRow(t, mul.dest.row, this.mulS.d.u, 0xffff, 0, mul.op.floatOut);
      t.prevThrsw = false;
      return;
    }
    const rotateBy = ins.rotateAmount === -1 ? (t.get(ROW_ACC + 5, 0) & 15) : ins.rotateAmount;
    if (add) this.compute(t, add, this.addS, 0);
    if (mul) this.compute(t, mul, this.mulS, rotateBy);
    const addMask = add ? this.condMask(t, add.cond) : 0;
    const mulMask = mul ? this.condMask(t, mul.cond) : 0;
    // Signals that read (uniform streams, TMU FIFO) before any write lands.
    let unifVal = 0;
    if (ins.ldunif || ins.ldunifrf) unifVal = this.readUniform(t);
    let unifaVal = 0;
    if (ins.ldunifa || ins.ldunifarf) unifaVal = this.readUnifa(t);
    let tmuWord: Uint32Array | undefined;
    if (ins.ldtmu) tmuWord = this.popTmu(t, q);
    // wrtmuc: texture config from the uniform stream; general-memory lookups do not use it.
    if (ins.wrtmuc) this.readUniform(t);
    // Flags: both ALUs' conditions used the old flags above; now update.
    if (add) this.flags(t, add, this.addS);
    if (mul) this.flags(t, mul, this.mulS);
    // Register and non-address magic writes, then TMU address writes.
    let addrPart: CompiledPart | null = null;
    let addrMask = 0;
    if (add) {
      const k = add.dest.kind;
      if (k === DEST.TMUA || k === DEST.TMUAU) { addrPart = add; addrMask = addMask; } else this.write(t, add.dest, this.addS.d.u, addMask, q, add.op.floatOut);
      if (add.op.sfu) { t.sfuRow = add.dest.kind === DEST.ROW ? add.dest.row : -1; t.sfuReady = q.time + SFU_LATENCY - ISSUE_CYCLES; }
    }
    let mulAddr = false;
    if (mul) {
      const k = mul.dest.kind;
      if (k === DEST.TMUA || k === DEST.TMUAU) mulAddr = true; else this.write(t, mul.dest, this.mulS.d.u, mulMask, q, mul.op.floatOut);
    }
    if (ins.ldunif || ins.ldunifa) {
      this.tmp.fill(ins.ldunif ? unifVal : unifaVal);
      this.write(t, ins.implicitDest, this.tmp, 0xffff, q);
    }
    if (ins.sigDest) {
      const sd = ins.sigDest;
      if (tmuWord) this.write(t, sd, tmuWord, 0xffff, q);
      else {
        this.tmp.fill(ins.ldunifrf ? unifVal : unifaVal);
        if (sd.kind === DEST.TMUA || sd.kind === DEST.TMUAU) throw new ExecutionError('uniform signal writing a TMU address is not supported', t.pc, t.qpu);
        this.write(t, sd, this.tmp, 0xffff, q);
      }
    }
    if (addrPart) this.address(t, addrPart, this.addS.d.u, addrMask, q);
    if (mulAddr && mul) this.address(t, mul, this.mulS.d.u, mulMask, q);
    // Side effects of ops.
    if (add && add.op.effect === 'tmuwt') this.tmuwt(t, q);
    // Thread switch bookkeeping: back-to-back thrsw = last-switch marker (notes 1).
    if (ins.thrsw) {
      if (t.prevThrsw) t.lastThrsw = true;
      else {
        t.thrswSlots = 3;
        t.thrswEnds = t.lastThrsw;
      }
    }
    t.prevThrsw = ins.thrsw;
  }

  /** A TMU address write; `tmuau` first takes its config word from the uniform stream. */
  address(t: ThreadState, p: CompiledPart, v: Uint32Array, mask: number, q: QpuClock): void {
    if (p.dest.kind === DEST.TMUAU) t.tmu.config = this.readUniform(t) | 0;
    this.write(t, p.dest, v, mask, q);
  }

  private branch(t: ThreadState, b: CompiledBranch): number {
    t.prevThrsw = false;
    const A = t.flagA;
    let taken: boolean;
    switch (b.cond) {
      case BCOND.always: taken = true; break;
      // a0/na0 read lane 0 (notes 2.7: name only, lane 0 assumed).
      case BCOND.a0: taken = A[0] === 1; break;
      case BCOND.na0: taken = A[0] === 0; break;
      case BCOND.alla: taken = countA(A) === LANES; break;
      case BCOND.anyna: taken = countA(A) < LANES; break;
      case BCOND.anya: taken = countA(A) > 0; break;
      default: taken = countA(A) === 0; break;
    }
    // A uniform-stream branch takes its uniform whether taken or not (M).
    const unifVal = b.ub && (b.bdu === BDEST.abs || b.bdu === BDEST.rel) ? this.readUniform(t) : 0;
    if (!taken) return -1;
    if (b.ub) {
      if (b.bdu === BDEST.abs) t.unif = unifVal >>> 0;
      else if (b.bdu === BDEST.rel) t.unif = (t.unif + unifVal) >>> 0;
      else if (b.bdu === BDEST.reg) t.unif = uniformBranchRegAddress(t.get(b.raddrA, 0), t.get(b.raddrA, 1));
      else t.unif = t.link;
    }
    let target: number;
    if (b.bdi === BDEST.abs) target = b.offset >>> 0;
    else if (b.bdi === BDEST.rel) target = (b.address + 32 + b.offset) >>> 0;
    else if (b.bdi === BDEST.link) target = t.link;
    else target = t.get(b.raddrA, 0);
    if (b.source.link === true) t.link = (b.address + 32) >>> 0;
    return target;
  }
}

/** Lanes whose flag is set. */
function countA(A: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < LANES; i++) n += A[i] as number;
  return n;
}

/** Apply input unpack `un` (compile.UNPACK codes) in place. */
function unpackLanes(dst: LaneVec, un: number): void {
  const u = dst.u;
  const f = dst.f;
  switch (un) {
    case 1: for (let i = 0; i < LANES; i++) u[i] = (u[i] as number) & 0x7fffffff; break; // abs
    case 2: for (let i = 0; i < LANES; i++) f[i] = f16ToF32((u[i] as number) & 0xffff); break; // .l
    case 3: for (let i = 0; i < LANES; i++) f[i] = f16ToF32((u[i] as number) >>> 16); break; // .h
    case 4: for (let i = 0; i < LANES; i++) f[i] = Math.min(1, Math.max(0, f[i] as number)); break; // sat
    case 5: for (let i = 0; i < LANES; i++) f[i] = Math.min(1, Math.max(-1, f[i] as number)); break; // nsat
    case 6: for (let i = 0; i < LANES; i++) f[i] = Math.max(0, f[i] as number); break; // max0
    case 7: for (let i = 0; i < LANES; i++) { const h = f32ToF16(f[i] as number); u[i] = h | (h << 16); } break; // ff
    case 8: for (let i = 0; i < LANES; i++) { const h = (u[i] as number) & 0xffff; u[i] = h | (h << 16); } break; // ll
    case 9: for (let i = 0; i < LANES; i++) { const h = (u[i] as number) >>> 16; u[i] = h | (h << 16); } break; // hh
    case 10: for (let i = 0; i < LANES; i++) { const x = u[i] as number; u[i] = (x >>> 16) | (x << 16); } break; // swp
    case 11: for (let i = 0; i < LANES; i++) u[i] = (u[i] as number) & 0xffff; break; // ul
    case 12: for (let i = 0; i < LANES; i++) u[i] = (u[i] as number) >>> 16; break; // uh
    case 13: for (let i = 0; i < LANES; i++) u[i] = ((u[i] as number) << 16) >> 16; break; // il
    case 14: for (let i = 0; i < LANES; i++) u[i] = (u[i] as number) >> 16; break; // ih
  }
}

/** Any lane a denormal (non-zero mantissa, zero exponent)? */
function hasDenormal(u: Uint32Array): boolean {
  for (let i = 0; i < LANES; i++) {
    const x = u[i] as number;
    if ((x & 0x7f800000) === 0 && (x & 0x7fffff) !== 0) return true;
  }
  return false;
}

function bitsToFlushedFloat(x: Float32Array, i: number): number {
  if (!FLUSH_DENORMALS) return x[i] as number;
  const u = new Uint32Array(x.buffer, x.byteOffset, LANES);
  const b = flushBits(u[i] as number);
  return b === u[i] ? (x[i] as number) : b === 0 ? 0 : -0;
}
