/**
 * One VideoCore IV QPU's state — register files, accumulators, flags,
 * uniforms, TMU queues, SFU, VPM port, program flow — and the peripheral
 * reads and writes (I/O register addresses 32–63) that compiled instructions
 * call into. Instruction semantics live in compile.ts; this file holds what
 * an instruction acts on.
 */
import { VC4_SMALL_IMMS, type RegRole } from '../../../compiler/isa/vc4/table.ts';
import { bitsToFloat, floatToBits } from './alu.ts';
import { Vc4EmulatorError, type GpuMemory } from './memory.ts';
import { allocateRegisters, releaseRegisters } from './simd.ts';
import { MemoryPort, TmuTiming, VC4_TIMING } from './timing.ts';
import { Vpm, VpmPort } from './vpm.ts';

/**
 * Layout of a QPU's register array, in 16-word rows: compiled instructions
 * address operands and destinations as word offsets into it.
 */
export const ROW = {
  /** ra0–ra31. */
  RA: 0,
  /** rb0–rb31. */
  RB: 32,
  /** r0–r5. */
  ACC: 64,
  /** Values of I/O reads on the A and B ports (uniform, elem_num, vpm, …). */
  PORT_A: 70,
  PORT_B: 71,
  ADD_RES: 72,
  MUL_RES: 73,
  ROTATED: 74,
  /** Unpacked operands: add a, add b, mul a, mul b. */
  UNPACKED: 75,
  /** Load-immediate values and branch link addresses. */
  IMM: 79,
  /** Small-immediate codes 0–63 replicated (48–63 read as code − 64 [ADD]). */
  SMALL_IMM: 80,
  COUNT: 144,
} as const;

/** Offsets of the Z, N and C lanes in Qpu.flags. */
export const FLAG = { Z: 0, N: 16, C: 32 } as const;

/** Why a QPU could not issue an instruction: an index into Qpu.stalls (numbers keep the hot path free of keyed lookups). */
export const STALL = { TMU: 0, SEMAPHORE: 1, MUTEX: 2, DMA: 3, UNIFORMS: 4 } as const;
/** A STALL value. */
export type StallCause = (typeof STALL)[keyof typeof STALL];
/** A stall test's answer when the instruction can issue. */
export const NO_STALL = -1;
/** The profile's name of each stall cause. */
export const STALL_NAMES = ['tmu', 'semaphore', 'mutex', 'dma', 'uniforms'] as const;

/** R[o…o+15] = v (a loop: cheaper than TypedArray.prototype.fill for 16 words). */
function fill16(R: Uint32Array, o: number, v: number): void {
  for (let e = 0; e < 16; e++) R[o + e] = v;
}

/** Word offset of r4 in Qpu.R. */
const R4 = (ROW.ACC + 4) * 16;

/** TMU request FIFO depth per QPU per TMU: 8 request + 8 receive slots [ARG p.39]. */
const TMU_FIFO = 16;

/** State every QPU shares: memory, VPM, semaphores, mutex, the memory port and the slices' TMUs. */
export class Vc4Shared {
  readonly vpm = new Vpm();
  readonly semaphores = new Uint8Array(16);
  mutexOwner = -1;
  tick = 0;
  bytesRead = 0;
  bytesWritten = 0;
  flops = 0;
  readonly port = new MemoryPort();
  /** [slice][tmu]: 3 slices × 2 TMUs on the Pi [ARG IDENT1 defaults]. */
  readonly tmus: TmuTiming[][];
  /** Tick at which the VCD (DMA load) / VDW (DMA store) engine finishes its current transfer; engines are global [ARG §7]. */
  vcdFreeAt = 0;
  vdwFreeAt = 0;
  constructor(readonly memory: GpuMemory) {
    this.tmus = [0, 1, 2].map(() => [new TmuTiming(this.port), new TmuTiming(this.port)]);
  }
}

/** One QPU. */
export class Qpu {
  /** The register array (simd.ts: in the shared WebAssembly memory when a slot is free), and its float view. */
  readonly R: Uint32Array;
  readonly F: Float32Array;
  /** Byte offset of R in the SIMD kernels' memory, −1 when R is an ordinary array (kernels unusable). */
  readonly simdBase: number;
  /** Per-lane Z, N, C flags (0/1) at FLAG.Z, FLAG.N, FLAG.C. */
  readonly flags = new Uint8Array(48);
  /** Carry of the current add op, computed only when it sets flags. */
  readonly addC = new Uint8Array(16);
  /** Bus address of the next instruction, as a signed 32-bit integer (alias bits make it ≥ 2^31; a small integer is never boxed). */
  pc: number;
  /** Bus address of the next uniform, signed 32-bit like `pc`. */
  unifPtr: number;
  /** Uniform stream timing: the line being read, and the next one, prefetched [ARG p.22 (uniform FIFO), guess on depth]. */
  private unifLine = -1;
  private nextUnifLine = -1;
  private nextUnifReady = 0;
  /** The word the last popUniform() read. */
  readonly uniform = new Uint32Array(1);
  /** The two cached lines' words, and masks of those inside memory. */
  private readonly unifData = new Uint32Array(16);
  private readonly nextUnifData = new Uint32Array(16);
  private unifValid = 0;
  private nextUnifValid = 0;
  /** TMU receive queues: ring of 16-lane results and ready ticks, per TMU. */
  readonly tmuData = [new Uint32Array(TMU_FIFO * 16), new Uint32Array(TMU_FIFO * 16)];
  readonly tmuReady = [new Float64Array(TMU_FIFO), new Float64Array(TMU_FIFO)];
  readonly tmuHead = [0, 0];
  readonly tmuCount = [0, 0];
  /** SFU result in flight: instructions until it lands in r4. */
  private readonly sfuData = new Uint32Array(16);
  private sfuLeft = 0;
  /** ldtmu result waiting to be written to r4 at the end of the instruction. */
  private readonly r4Next = new Uint32Array(16);
  private r4Pending = false;
  readonly vpmPort = new VpmPort();
  branchTarget = 0;
  branchDelay = 0;
  endDelay = -1;
  /**
   * Set with any countdown above (SFU result, ldtmu result, branch, program end): finish() looks at them only
   * then, so the usual instruction ends with a counter and a pc update. Whoever starts a countdown sets it.
   */
  pending = false;
  done = false;
  hostInterrupt = false;
  noswap = false;
  instructions = 0;
  /** Ticks this QPU spent stalled (its busy time is this plus its instruction count). */
  stallTicks = 0;
  /** Stall clocks per cause (index: StallCause). */
  readonly stalls = new Float64Array(STALL_NAMES.length);
  /** Causes in the order this QPU first stalled on them (the profile lists them so). */
  readonly stallOrder: StallCause[] = [];
  /** The QPU cannot issue before this tick (uniform fetch, DMA start while busy). */
  readyAt = 0;
  readyCause: StallCause = STALL.UNIFORMS;
  /** Physical regfile A / B register written by the current instruction (−1: none), and accumulators (bit mask). */
  wA = -1;
  wB = -1;
  accW = 0;
  /** Slice this QPU sits in: 4 QPUs per slice [ARG §2]. */
  readonly slice: number;

  constructor(readonly id: number, readonly shared: Vc4Shared, code: number, uniforms: number) {
    const file = allocateRegisters(this, ROW.COUNT * 16);
    this.R = file?.R ?? new Uint32Array(ROW.COUNT * 16);
    this.simdBase = file?.base ?? -1;
    this.F = new Float32Array(this.R.buffer, this.R.byteOffset, this.R.length);
    this.pc = code | 0;
    this.unifPtr = uniforms | 0;
    this.slice = (id >> 2) % 3;
    // Small-immediate rows [ARG Table 5]; rotation codes 48–63 read as code − 64 through mux 7 [ADD, PVC rotate tests].
    for (let code = 0; code < 64; code++) {
      const imm = VC4_SMALL_IMMS[code];
      const bits = imm ? (imm.kind === 'float' ? floatToBits(imm.value) : imm.value >>> 0) : (code - 64) >>> 0;
      this.R.fill(bits, (ROW.SMALL_IMM + code) * 16, (ROW.SMALL_IMM + code) * 16 + 16);
    }
  }

  /** Give the register file back to the SIMD pool: this QPU must not run again. */
  release(): void {
    releaseRegisters(this, this.simdBase);
  }

  /** Abort the run with a fault at the current instruction. */
  fail(message: string): never {
    throw new Vc4EmulatorError(message, this.id, this.pc >>> 0);
  }

  /**
   * Whether the next uniform read enters a line the uniform cache does not
   * hold: then it fetches through the memory port, an access other QPUs see.
   */
  unifFetchDue(): boolean {
    return ((this.unifPtr & 0x3fffffff) >>> 6) !== this.unifLine;
  }

  /**
   * Next uniform. The uniform cache holds the current 64-byte line and the
   * next one, prefetched; each line's words are read from memory when its
   * fetch is issued (later writes to a cached line are not seen, as with
   * any cache [ARG p.22: uniforms are read through a cache; depth a guess]).
   * The word lands in `uniform[0]`: a 32-bit word returned from a call V8
   * does not inline would be boxed on every read.
   */
  popUniform(): void {
    const sh = this.shared;
    const line = (this.unifPtr & 0x3fffffff) >>> 6;
    if (line !== this.unifLine) {
      // Entering a new line: it was prefetched if the stream is sequential, else fetch it now.
      let ready: number;
      if (line === this.nextUnifLine) {
        ready = this.nextUnifReady;
        this.unifData.set(this.nextUnifData);
        this.unifValid = this.nextUnifValid;
      } else {
        ready = sh.port.request(sh.tick, VC4_TIMING.lineBytes) + VC4_TIMING.missLatencyTicks;
        this.unifValid = this.readLine(line, this.unifData);
      }
      this.unifLine = line;
      this.nextUnifLine = line + 1;
      // The prefetch is queued now, behind whatever the port is already doing (not after this line arrives).
      this.nextUnifReady = (sh.port.request(sh.tick, VC4_TIMING.lineBytes) + VC4_TIMING.missLatencyTicks) | 0;
      this.nextUnifValid = this.readLine(line + 1, this.nextUnifData);
      this.delayUntil(ready, STALL.UNIFORMS);
    }
    const w = (this.unifPtr >>> 2) & 15;
    if (((this.unifValid >>> w) & 1) === 0) this.fail(`uniform read from unmapped address 0x${(this.unifPtr >>> 0).toString(16)}`);
    this.unifPtr = (this.unifPtr + 4) | 0;
    sh.bytesRead += 4;
    this.uniform[0] = this.unifData[w] as number;
  }

  /** Copy the 16 words of physical line `line` into `out`; returns a mask of the words inside memory. */
  private readLine(line: number, out: Uint32Array): number {
    const mem = this.shared.memory;
    const words = mem.words;
    const first = words === null ? -1 : mem.wordIndex(line * 64);
    if (first >= 0 && mem.wordIndex(line * 64 + 60) === first + 15) {
      // The whole line is in memory: copy it word for word (a word through read32 would be boxed when not inlined).
      for (let e = 0; e < 16; e++) out[e] = (words as Uint32Array)[first + e] as number;
      return 0xffff;
    }
    let valid = 0;
    for (let e = 0; e < 16; e++) {
      const v = mem.read32(line * 64 + 4 * e);
      out[e] = v ?? 0;
      if (v !== undefined) valid |= 1 << e;
    }
    return valid;
  }

  /** Hold the QPU's next issue until `tick` (the current instruction has already run). */
  delayUntil(tick: number, cause: StallCause): void {
    if (tick > this.readyAt) {
      this.readyAt = tick | 0; // whole ticks; `| 0` keeps the field unboxed
      this.readyCause = cause;
    }
  }

  /** End of an instruction: SFU and ldtmu results land in r4, branch and program-end countdowns. */
  finish(): void {
    this.instructions++;
    this.pc = (this.pc + 8) | 0;
    if (this.pending) this.finishPending();
  }

  /** The countdowns of finish(), in the order they take effect. */
  private finishPending(): void {
    const R = this.R;
    // Plain loops: TypedArray.prototype.set costs more than 16 copies.
    if (this.sfuLeft > 0 && --this.sfuLeft === 0) for (let e = 0; e < 16; e++) R[R4 + e] = this.sfuData[e] as number;
    if (this.r4Pending) {
      for (let e = 0; e < 16; e++) R[R4 + e] = this.r4Next[e] as number;
      this.r4Pending = false;
    }
    if (this.branchDelay > 0 && --this.branchDelay === 0) this.pc = this.branchTarget;
    if (this.endDelay > 0 && --this.endDelay === 0) this.done = true;
    this.pending = this.sfuLeft > 0 || this.branchDelay > 0 || this.endDelay > 0;
  }

  /** The `ldtmu0/1` signal: pop the oldest result of TMU `t` into r4 at the end of this instruction. */
  loadTmu(t: number): void {
    if (this.tmuCount[t] === 0) this.fail(`ldtmu${t} with no outstanding TMU request`);
    const h = this.tmuHead[t] as number;
    const data = this.tmuData[t] as Uint32Array;
    for (let e = 0; e < 16; e++) this.r4Next[e] = data[h * 16 + e] as number;
    this.r4Pending = true;
    this.pending = true;
    this.tmuHead[t] = (h + 1) % TMU_FIFO;
    (this.tmuCount[t] as number)--;
  }

  /** Whether the oldest result of TMU `t` is still on its way (ldtmu stalls). */
  tmuPending(t: number): boolean {
    return this.tmuCount[t] !== 0 && ((this.tmuReady[t] as Float64Array)[this.tmuHead[t] as number] as number) > this.shared.tick;
  }

  /** Value of an I/O read (address ≥ 32) into row `row`, with its side effects. */
  readIo(role: RegRole, bFile: boolean, name: string, row: number, unif: number): void {
    const R = this.R;
    const o = row * 16;
    switch (role) {
      case 'unif': fill16(R, o, unif); return;
      case 'elem_num': for (let e = 0; e < 16; e++) R[o + e] = e; return;
      case 'qpu_num': fill16(R, o, this.id); return;
      case 'vpm': this.shared.vpm.readVector(this.vpmPort, R, o); return;
      case 'vpm_busy': fill16(R, o, this.vpmPort.busy(bFile, this.shared.tick) ? 1 : 0); return;
      case 'mutex': this.shared.mutexOwner = this.id; fill16(R, o, 0); return;
      case 'nop': case 'vpm_wait': fill16(R, o, 0); return;
      case 'vary': case 'x_coord': case 'y_coord': case 'ms_flags': case 'rev_flag':
        this.fail(`read of ${name}: fragment-shader input, not available to user programs`);
      // falls through (fail never returns)
      default:
        // Unmapped reads: element number on A, QPU number on B (inferred from ARG p.24 [?]).
        if (bFile) fill16(R, o, this.id);
        else for (let e = 0; e < 16; e++) R[o + e] = e;
    }
  }

  /**
   * Write to an I/O address (≥ 32, not an accumulator) from row `src`; `mask`
   * lists the lanes whose condition holds (peripherals fire for all lanes
   * whatever the condition [ADD], except host_int and r5, gated by element 0).
   */
  writeIo(role: RegRole, bSpace: boolean, name: string, src: number, mask0: boolean): void {
    const R = this.R;
    const o = src * 16;
    const sh = this.shared;
    switch (role) {
      case 'host_int':
        if (mask0 && R[o] !== 0) this.hostInterrupt = true;
        return;
      case 'tmu_noswap':
        this.noswap = R[o] !== 0;
        return;
      case 'unif_addr':
        // The write flushes the uniform FIFO [VC4C-E]: the next read starts a new line fetch.
        this.unifPtr = (R[o] as number) | 0;
        this.unifLine = -1;
        this.nextUnifLine = -1;
        return;
      case 'vpm':
        this.vpmWrite(o);
        return;
      case 'vpm_setup':
        sh.vpm.setup(this.vpmPort, R[o] as number, bSpace);
        return;
      case 'dma_addr':
        this.startDma(bSpace, R[o] as number);
        return;
      case 'mutex':
        if (sh.mutexOwner === this.id) sh.mutexOwner = -1;
        return;
      case 'sfu':
        for (let e = 0; e < 16; e++) this.sfuData[e] = sfu(name, R[o + e] as number);
        this.sfuLeft = VC4_TIMING.sfuLatencyTicks + 1;
        this.pending = true;
        return;
      case 'tmu':
        this.tmuRequest(name, o);
        return;
      case 'tlb':
        this.fail(`write to ${name}: the tile buffer is for fragment shaders`);
      // falls through (fail never returns)
      default:
        return; // quad/ms/rev flags: no effect for user programs
    }
  }

  /** A direct TMU lookup: all 16 lanes are fetched whatever the condition [ADD]; each gets the word at address & ~3. */
  tmuRequest(name: string, o: number): void {
    if (name !== 't0s' && name !== 't1s') this.fail(`${name}: texture lookups are not emulated (direct lookups via t0s/t1s only)`);
    const t = name === 't0s' ? 0 : 1;
    if (this.tmuCount[t] === TMU_FIFO) this.fail(`TMU${t} request FIFO overflow (${TMU_FIFO} outstanding)`);
    const sh = this.shared;
    const slot = ((this.tmuHead[t] as number) + (this.tmuCount[t] as number)) % TMU_FIFO;
    const data = this.tmuData[t] as Uint32Array;
    const R = this.R;
    const mem = sh.memory;
    const words = mem.words;
    const at = slot * 16;
    if (this.vpmPort.storeDoneAt > sh.tick) this.checkTmuRead(o);
    for (let e = 0; e < 16; e++) {
      const bus = (R[o + e] as number) & ~3;
      // Word view first: no `undefined` in the hot loop's types.
      const i = words === null ? -1 : mem.wordIndex(bus);
      if (i >= 0) {
        data[at + e] = (words as Uint32Array)[i] as number;
        continue;
      }
      const w = mem.read32(bus);
      if (w === undefined) this.fail(`TMU read of unmapped address 0x${(bus >>> 0).toString(16)} (element ${e})`);
      data[at + e] = w;
    }
    sh.bytesRead += 64;
    // QPUs 2 and 3 of a slice use the other TMU unless tmu_noswap is set [ARG p.23]: invisible except in timing.
    const physicalTmu = !this.noswap && (this.id & 3) >= 2 ? 1 - t : t;
    (this.tmuReady[t] as Float64Array)[slot] = ((sh.tmus[this.slice] as TmuTiming[])[physicalTmu] as TmuTiming).lookup(sh.tick, R, o);
    (this.tmuCount[t] as number)++;
  }

  /** A QPU write of R[o…o+15] to the VPM under the write setup. */
  vpmWrite(o: number): void {
    if (this.vpmPort.storeDoneAt > this.shared.tick) this.checkVpmWrite();
    this.shared.vpm.writeVector(this.vpmPort, this.R, o);
  }

  /** A VPM write while this QPU's DMA store runs: a conflict when it writes a row the DMA reads. */
  private checkVpmWrite(): void {
    const acc = this.vpmPort.write;
    const shift = acc.size === 2 ? 0 : acc.size === 1 ? 1 : 2;
    const first = acc.horiz ? (acc.addr >>> shift) & 0x3f : (acc.addr >>> shift) & 0x30;
    const rows = acc.horiz ? 1 : 16;
    for (let r = 0; r < rows; r++) {
      if (!this.vpmPort.storeReadsRow(first + r)) continue;
      this.vpmPort.dmaConflict = `VPM row ${first + r} written while this QPU's DMA store, which reads it, still runs (vw_wait first)`;
      return;
    }
  }

  /** A TMU lookup while this QPU's DMA store runs: a conflict when a lane reads a word the DMA writes. */
  private checkTmuRead(o: number): void {
    for (let e = 0; e < 16; e++) {
      const bus = ((this.R[o + e] as number) & ~3) >>> 0;
      if (!this.vpmPort.storeWrites(bus)) continue;
      this.vpmPort.dmaConflict = `TMU lookup of 0x${bus.toString(16)} (element ${e}) while this QPU's DMA store to it still runs (vw_wait first)`;
      return;
    }
  }

  /**
   * Start a VCD load (`store` false) or VDW store. A start while the engine is
   * busy waits for it: py-videocore issues DMAs back to back with one final
   * wait and they all land on hardware [PVC-T dma; ARG p.56 "cannot be started
   * until the previous one is complete"], so the QPU stalls rather than drops it.
   */
  startDma(store: boolean, addr: number): void {
    const sh = this.shared;
    const busyUntil = store ? sh.vdwFreeAt : sh.vcdFreeAt;
    const start = busyUntil > sh.tick ? busyUntil : sh.tick;
    if (busyUntil > sh.tick) this.delayUntil(busyUntil, STALL.DMA);
    let bytes: number;
    try {
      bytes = store ? sh.vpm.store(this.vpmPort, sh.memory, addr) : sh.vpm.load(this.vpmPort, sh.memory, addr);
    } catch (e) {
      if (e instanceof Error && e.name === 'VpmError') this.fail(e.message);
      throw e;
    }
    const vpmSide = start + VC4_TIMING.dmaStartupTicks + Math.ceil(bytes / VC4_TIMING.dmaVpmBytesPerTick);
    const memSide = sh.port.request(start + VC4_TIMING.dmaStartupTicks, bytes);
    const done = vpmSide > memSide ? vpmSide : memSide;
    if (store) {
      sh.vdwFreeAt = done | 0;
      this.vpmPort.storeDoneAt = done | 0;
      this.vpmPort.recordStore(addr);
      sh.bytesWritten += bytes;
    } else {
      sh.vcdFreeAt = done | 0;
      this.vpmPort.loadDoneAt = done | 0;
      sh.bytesRead += bytes;
    }
  }
}

/**
 * SFU functions [ARG p.23; PVC-T sfu, APPENDIX]: recip(0) = recipsqrt(0) = +inf,
 * recipsqrt(x) = 1/√|x|, log = log2|x|, exp = 2^x. Accuracy: py-videocore's
 * hardware test passes recip, recipsqrt and exp with rtol 1e-4 and log with
 * 1e-2 (notes 5). VC4C's emulator clears the low 10 mantissa bits, which can be
 * off by 2^-13 = 1.2e-4 and so fails that bound; CHOICE: clear the low 9 bits
 * (truncation toward zero, at most 2^-14 = 6.1e-5 relative), the coarsest
 * truncation inside the measured bound.
 */
export function sfu(name: string, bits: number): number {
  const x = bitsToFloat((bits & 0x7f800000) === 0 ? 0 : bits);
  let r: number;
  switch (name) {
    case 'recip': r = x === 0 ? Infinity : 1 / x; break;
    case 'recipsqrt': r = x === 0 ? Infinity : 1 / Math.sqrt(Math.abs(x)); break;
    case 'exp': r = 2 ** x; break;
    default: r = Math.log2(Math.abs(x)); break;
  }
  const out = floatToBits(Math.fround(r));
  return Number.isFinite(r) ? (out & ~0x1ff) >>> 0 : out;
}
