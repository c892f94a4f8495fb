/**
 * One VideoCore IV QPU: register files, accumulators, flags, uniforms, TMU
 * queues, SFU, VPM port and program flow, executing decoded instructions one
 * at a time (a "tick" = one instruction slot = 4 clocks [ARG p.16]).
 */
import type { Vc4AluInstr, Vc4BranchInstr, Vc4Instr, Vc4LoadImmInstr, Vc4SemaphoreInstr } from '../../../compiler/isa/vc4/instr.ts';
import { VC4_ADD_OPS, VC4_MUL_OPS, VC4_REGS, VC4_SMALL_IMMS, type RegRole } from '../../../compiler/isa/vc4/table.ts';
import { ADD_LANE, MUL_LANE, bitsToFloat, carryOut, floatToBits, packA, packMul, unpack } from './alu.ts';
import { Vc4EmulatorError, physical, type GpuMemory } from './memory.ts';
import { Vpm, VpmError, VpmPort } from './vpm.ts';

const ADD_FLOAT_IN = new Map<string, boolean>(VC4_ADD_OPS.map((o) => [o.name, o.floatIn]));
const ADD_FLOAT_OUT = new Map<string, boolean>(VC4_ADD_OPS.map((o) => [o.name, o.floatOut]));
const MUL_FLOAT_IN = new Map<string, boolean>(VC4_MUL_OPS.map((o) => [o.name, o.floatIn]));
const MUL_FLOAT_OUT = new Map<string, boolean>(VC4_MUL_OPS.map((o) => [o.name, o.floatOut]));
const ACC_INDEX: Record<string, number> = { r0: 0, r1: 1, r2: 2, r3: 3, r4: 4, r5: 5 };

/** Timing constants of the model, in ticks (instruction slots of 4 clocks). */
export const VC4_TIMING = {
  /** TMU direct lookup: request to result (no published VC4 figure; VC4C's cache model ≈ 9–12). */
  tmuLatency: 12,
  /** DMA: fixed start-up plus 16 bytes per tick (VC4C: "12 cycles after the address write"). */
  dmaStartup: 12,
  dmaBytesPerTick: 16,
  /** SFU result in r4 two instructions after the write [ARG p.23]. */
  sfuLatency: 2,
} as const;

/** State every QPU shares: memory, VPM, semaphores, mutex. */
export class Vc4Shared {
  readonly vpm = new Vpm();
  readonly semaphores = new Uint8Array(16);
  mutexOwner = -1;
  tick = 0;
  bytesRead = 0;
  bytesWritten = 0;
  flops = 0;
  constructor(readonly memory: GpuMemory) {}
}

/** Why an instruction could not issue this tick. */
export type StallCause = 'tmu' | 'semaphore' | 'mutex' | 'dma';

/** Per-instruction facts the hazard checker looks at. */
export interface ExecInfo {
  address: number;
  instr: Vc4Instr;
  /** Physical regfile writes: 'a5', 'b7'. */
  regWrites: string[];
  /** Physical regfile reads. */
  regReads: string[];
  accWrites: number[];
  readsR4: boolean;
  sfuWrite: boolean;
  r4Signal: boolean;
  tmuWrite: boolean;
  unifRead: boolean;
  unifAddrWrite: boolean;
  noswapWrite: boolean;
  vpmAccess: boolean;
  vpmSetup: boolean;
  rotation: boolean;
  rotateByR5: boolean;
  rotatedAccs: number[];
  branch: boolean;
  thrend: boolean;
  thrsw: boolean;
}

const lanes = (): Uint32Array => new Uint32Array(16);

/** One QPU. */
export class Qpu {
  readonly ra = new Uint32Array(32 * 16);
  readonly rb = new Uint32Array(32 * 16);
  readonly acc = [lanes(), lanes(), lanes(), lanes(), lanes(), lanes()];
  readonly z = new Uint8Array(16);
  readonly n = new Uint8Array(16);
  readonly c = new Uint8Array(16);
  pc: number;
  unifPtr: number;
  readonly tmu: { data: Uint32Array; readyAt: number }[][] = [[], []];
  sfu?: { data: Uint32Array; left: number };
  readonly vpmPort = new VpmPort();
  branchTarget = 0;
  branchDelay = 0;
  endDelay = -1;
  done = false;
  hostInterrupt = false;
  noswap = false;
  instructions = 0;
  busyTicks = 0;
  stalls: Record<string, number> = {};
  /** Pending r4 write from ldtmu, applied at the end of the instruction. */
  private r4Next?: Uint32Array;
  // Scratch lanes reused by every instruction (the emulator's hot path allocates nothing per lane).
  private readonly portA = lanes();
  private readonly portB = lanes();
  private readonly addRes = lanes();
  private readonly mulRes = lanes();
  private readonly addC = new Uint8Array(16);
  private readonly addWide = new Float64Array(16);
  private readonly maskAdd = new Uint8Array(16);
  private readonly maskMul = new Uint8Array(16);
  private readonly zero = lanes();

  constructor(readonly id: number, readonly shared: Vc4Shared, code: number, uniforms: number) {
    this.pc = code >>> 0;
    this.unifPtr = uniforms >>> 0;
  }

  fail(message: string): never {
    throw new Vc4EmulatorError(message, this.id, this.pc);
  }

  private popUniform(): number {
    const v = this.shared.memory.read32(this.unifPtr);
    if (v === undefined) this.fail(`uniform read from unmapped address 0x${this.unifPtr.toString(16)}`);
    this.unifPtr = (this.unifPtr + 4) >>> 0;
    this.shared.bytesRead += 4;
    return v;
  }

  /** Whether the instruction must wait this tick, and why. */
  stallCause(instr: Vc4Instr): StallCause | undefined {
    let may = MAY_STALL.get(instr);
    if (may === undefined) MAY_STALL.set(instr, (may = mayStall(instr)));
    return may ? this.stallCauseSlow(instr) : undefined;
  }

  private stallCauseSlow(instr: Vc4Instr): StallCause | undefined {
    const sh = this.shared;
    if (instr.kind === 'sem') {
      const v = sh.semaphores[instr.semaphore] as number;
      // Decrement at 0 or increment at 15 stalls [ARG p.33].
      if (instr.acquire ? v === 0 : v === 15) return 'semaphore';
      return undefined;
    }
    if (instr.kind !== 'alu') return undefined;
    const roleA = VC4_REGS.readA[instr.raddrA]?.role;
    const roleB = instr.sig === 'smi' ? undefined : VC4_REGS.readB[instr.raddrB]?.role;
    if ((roleA === 'mutex' || roleB === 'mutex') && sh.mutexOwner !== -1 && sh.mutexOwner !== this.id) return 'mutex';
    if (roleA === 'vpm_wait' && this.vpmPort.loadDoneAt > sh.tick) return 'dma';
    if (roleB === 'vpm_wait' && this.vpmPort.storeDoneAt > sh.tick) return 'dma';
    if (instr.sig === 'ldtmu0' || instr.sig === 'ldtmu1') {
      const q = this.tmu[instr.sig === 'ldtmu0' ? 0 : 1] as { readyAt: number }[];
      if (q.length > 0 && (q[0] as { readyAt: number }).readyAt > sh.tick) return 'tmu';
    }
    // A new DMA cannot start before the previous one of its kind completes [ARG p.56].
    const w = (mul: boolean, addr: number): RegRole | undefined => ((mul !== instr.ws) ? VC4_REGS.writeB : VC4_REGS.writeA)[addr]?.role;
    for (const [mul, addr, op] of [[false, instr.waddrAdd, instr.opAdd], [true, instr.waddrMul, instr.opMul]] as const) {
      if (op === 'nop' || w(mul, addr) !== 'dma_addr') continue;
      const isStore = mul !== instr.ws;
      if ((isStore ? this.vpmPort.storeDoneAt : this.vpmPort.loadDoneAt) > sh.tick) return 'dma';
    }
    return undefined;
  }

  /** Execute one instruction (the caller has checked stallCause). */
  execute(instr: Vc4Instr, info: ExecInfo): void {
    try {
      switch (instr.kind) {
        case 'alu': this.alu(instr, info); break;
        case 'ldi': this.loadImm(instr, info, this.ldiLanes(instr)); break;
        case 'sem': this.semaphore(instr, info); break;
        case 'branch': this.branch(instr, info); break;
      }
    } catch (e) {
      if (e instanceof VpmError) this.fail(e.message);
      throw e;
    }
    this.finishInstruction();
  }

  private finishInstruction(): void {
    this.instructions++;
    if (this.sfu && --this.sfu.left <= 0) {
      this.acc[4] = this.sfu.data;
      this.sfu = undefined;
    }
    if (this.r4Next) {
      this.acc[4] = this.r4Next;
      this.r4Next = undefined;
    }
    this.pc = (this.pc + 8) >>> 0;
    if (this.branchDelay > 0 && --this.branchDelay === 0) this.pc = this.branchTarget;
    if (this.endDelay > 0 && --this.endDelay === 0) this.done = true;
  }

  private ldiLanes(i: Vc4LoadImmInstr): Uint32Array {
    const out = lanes();
    for (let e = 0; e < 16; e++) {
      if (i.mode === 'u32') out[e] = i.imm;
      else {
        // Element e: LSB from bit e, MSB from bit 16 + e [ARG p.33].
        const v = (((i.imm >>> (16 + e)) & 1) << 1) | ((i.imm >>> e) & 1);
        out[e] = (i.mode === 'pes' && v >= 2 ? v - 4 : v) >>> 0;
      }
    }
    return out;
  }

  private condLane(cond: string, e: number): boolean {
    switch (cond) {
      case 'always': return true;
      case 'never': return false;
      case 'zs': return this.z[e] === 1;
      case 'zc': return this.z[e] === 0;
      case 'ns': return this.n[e] === 1;
      case 'nc': return this.n[e] === 0;
      case 'cs': return this.c[e] === 1;
      default: return this.c[e] === 0;
    }
  }

  private loadImm(i: Vc4LoadImmInstr | Vc4SemaphoreInstr, info: ExecInfo, v: Uint32Array): void {
    const addMask = this.mask(i.condAdd);
    const mulMask = this.mask(i.condMul);
    this.write(i.ws, false, i.waddrAdd, v, addMask, { pm: i.pm, pack: i.pack, float: false, isMul: false }, info);
    this.write(!i.ws, true, i.waddrMul, v, mulMask, { pm: i.pm, pack: i.pack, float: false, isMul: true }, info);
    if (i.sf) {
      // Load-immediate flags: N = bit 31, Z = zero, C = 0 [VC4C-E].
      for (let e = 0; e < 16; e++) {
        if (!addMask[e]) continue;
        const x = v[e] as number;
        this.z[e] = x === 0 ? 1 : 0;
        this.n[e] = x >>> 31;
        this.c[e] = 0;
      }
    }
  }

  private semaphore(i: Vc4SemaphoreInstr, info: ExecInfo): void {
    const sh = this.shared;
    sh.semaphores[i.semaphore] = (sh.semaphores[i.semaphore] as number) + (i.acquire ? -1 : 1);
    // ARG: otherwise behaves like a 32-bit load immediate of the low word.
    const bits = ((i.high << 5) | (i.acquire ? 16 : 0) | i.semaphore) >>> 0;
    this.loadImm(i, info, new Uint32Array(16).fill(bits));
  }

  private branch(i: Vc4BranchInstr, info: ExecInfo): void {
    info.branch = true;
    // A branch in another's delay slots is undefined on hardware: the hazard checker reports it; the later one wins here.
    const cond = VC4_BRANCH_COND_EVAL[i.cond];
    const flags = cond ? (cond.flag === 'z' ? this.z : cond.flag === 'n' ? this.n : this.c) : this.z;
    let taken = true;
    if (cond) {
      let all = true;
      let any = false;
      for (let e = 0; e < 16; e++) {
        const hit = (flags[e] === 1) === cond.set;
        all &&= hit;
        any ||= hit;
      }
      taken = cond.all ? all : any;
    }
    if (!taken) return;
    const after = (this.pc + 32) >>> 0;
    // Register-added branches read element 15 of ra (hardware observation [ADD]; ARG says element 0).
    const reg = i.reg ? (this.ra[i.raddrA * 16 + 15] as number) : 0;
    this.branchTarget = ((i.rel ? after : 0) + i.imm + reg) >>> 0;
    // 3 delay slots [ARG p.34]; the count starts after this instruction's own step.
    this.branchDelay = 4;
    const link = new Uint32Array(16).fill(after);
    const all = new Uint8Array(16).fill(1);
    const noPack = { pm: false, pack: 0, float: false, isMul: false };
    this.write(i.ws, false, i.waddrAdd, link, all, noPack, info);
    this.write(!i.ws, true, i.waddrMul, link, all, noPack, info);
  }

  private mask(cond: string, into?: Uint8Array): Uint8Array {
    const m = into ?? new Uint8Array(16);
    if (cond === 'always') m.fill(1);
    else if (cond === 'never') m.fill(0);
    else for (let e = 0; e < 16; e++) m[e] = this.condLane(cond, e) ? 1 : 0;
    return m;
  }

  /** Value of a register-file read port, with its side effects. */
  private readPort(bFile: boolean, addr: number, info: ExecInfo, unifValue: () => number): Uint32Array {
    const out = bFile ? this.portB : this.portA;
    out.fill(0);
    if (addr < 32) {
      const f = bFile ? this.rb : this.ra;
      out.set(f.subarray(addr * 16, addr * 16 + 16));
      info.regReads.push(`${bFile ? 'b' : 'a'}${addr}`);
      return out;
    }
    const role = (bFile ? VC4_REGS.readB : VC4_REGS.readA)[addr]?.role;
    switch (role) {
      case 'unif': info.unifRead = true; out.fill(unifValue()); break;
      case 'elem_num': for (let e = 0; e < 16; e++) out[e] = e; break;
      case 'qpu_num': out.fill(this.id); break;
      case 'vpm': info.vpmAccess = true; this.shared.vpm.readVector(this.vpmPort, out); break;
      case 'vpm_busy': out.fill(bFile ? +(this.vpmPort.storeDoneAt > this.shared.tick) : +(this.vpmPort.loadDoneAt > this.shared.tick)); break;
      case 'mutex': this.shared.mutexOwner = this.id; break;
      case 'nop': case 'vpm_wait': break;
      case 'vary': case 'x_coord': case 'y_coord': case 'ms_flags': case 'rev_flag':
        this.fail(`read of ${(bFile ? VC4_REGS.readB : VC4_REGS.readA)[addr]?.name}: fragment-shader input, not available to user programs`);
      // falls through (fail never returns)
      default: out.fill(bFile ? this.id : 0);
    }
    return out;
  }

  private alu(i: Vc4AluInstr, info: ExecInfo): void {
    const addOn = i.opAdd !== 'nop';
    const mulOn = i.opMul !== 'nop';
    const used = (m: string): boolean => (addOn && (i.addA === m || i.addB === m)) || (mulOn && (i.mulA === m || i.mulB === m));
    // One uniform pop per instruction even when both ports name it (VC4C's model; hardware unconfirmed).
    let unif: number | undefined;
    const unifValue = (): number => (unif ??= this.popUniform());
    const a = i.raddrA !== 39 || used('ra') ? this.readPort(false, i.raddrA, info, unifValue) : this.zero;
    let b: Uint32Array;
    if (i.sig === 'smi') {
      const code = i.raddrB;
      const imm = VC4_SMALL_IMMS[code];
      const bits = imm ? (imm.kind === 'float' ? floatToBits(imm.value) : imm.value >>> 0) : (code - 64) >>> 0;
      b = this.portB.fill(bits);
    } else b = i.raddrB !== 39 || used('rb') ? this.readPort(true, i.raddrB, info, unifValue) : this.zero;
    info.readsR4 = used('r4');
    const operand = (m: string, floatIn: boolean): Uint32Array => {
      let v: Uint32Array;
      if (m === 'ra') v = a;
      else if (m === 'rb') v = b;
      else v = this.acc[ACC_INDEX[m] as number] as Uint32Array;
      const unpackHere = i.unpack !== 0 && ((!i.pm && m === 'ra') || (i.pm && m === 'r4'));
      if (!unpackHere) return v;
      const out = lanes();
      for (let e = 0; e < 16; e++) out[e] = unpack(i.unpack, v[e] as number, floatIn);
      return out;
    };
    const addRes = this.addRes;
    const addC = this.addC;
    let addWide: Float64Array | undefined;
    if (i.opAdd !== 'nop') {
      const fin = ADD_FLOAT_IN.get(i.opAdd) ?? false;
      const x = operand(i.addA, fin);
      const y = operand(i.addB, fin);
      const fn = ADD_LANE[i.opAdd] as (a: number, b: number) => number;
      if (i.opAdd === 'add' || i.opAdd === 'sub') addWide = this.addWide;
      for (let e = 0; e < 16; e++) {
        addRes[e] = fn(x[e] as number, y[e] as number);
        addC[e] = carryOut.c;
        if (addWide) addWide[e] = carryOut.wide;
      }
      if (fin && i.opAdd !== 'ftoi') this.shared.flops += 16;
    }
    let mulRes = this.mulRes;
    if (i.opMul !== 'nop') {
      const fin = MUL_FLOAT_IN.get(i.opMul) ?? false;
      const x = operand(i.mulA, fin);
      const y = operand(i.mulB, fin);
      const fn = MUL_LANE[i.opMul] as (a: number, b: number) => number;
      for (let e = 0; e < 16; e++) mulRes[e] = fn(x[e] as number, y[e] as number);
      if (fin) this.shared.flops += 16;
      if (i.sig === 'smi' && i.raddrB >= 48) {
        // Output element e = element (e − n) mod 16 [ARG p.20, PVC rotate tests].
        const n = i.raddrB === 48 ? ((this.acc[5] as Uint32Array)[0] as number) & 15 : i.raddrB - 48;
        info.rotation = true;
        info.rotateByR5 = i.raddrB === 48;
        info.rotatedAccs = [i.mulA, i.mulB].filter((m) => m in ACC_INDEX).map((m) => ACC_INDEX[m] as number);
        const rot = lanes();
        for (let e = 0; e < 16; e++) rot[e] = mulRes[(e - n + 16) % 16] as number;
        mulRes = rot;
      }
    }
    const addMask = this.mask(i.opAdd !== 'nop' ? i.condAdd : 'never', this.maskAdd);
    const mulMask = this.mask(i.opMul !== 'nop' ? i.condMul : 'never', this.maskMul);
    // Signals that read units happen before the writes of this instruction take effect.
    if (i.sig === 'ldtmu0' || i.sig === 'ldtmu1') {
      const q = this.tmu[i.sig === 'ldtmu0' ? 0 : 1] as { data: Uint32Array }[];
      const r = q.shift();
      if (!r) this.fail(`${i.sig} with no outstanding TMU request`);
      this.r4Next = r.data;
      info.r4Signal = true;
    } else if (i.sig === 'thrend') {
      info.thrend = true;
      // thrend: two more instructions run [ARG p.21]; the count starts after this one.
      this.endDelay = 3;
    } else if (i.sig === 'thrsw' || i.sig === 'lthrsw') {
      info.thrsw = true;
    } else if (i.sig === 'loadcv' || i.sig === 'loadc' || i.sig === 'ldcend' || i.sig === 'loadam') {
      this.fail(`signal ${i.sig} needs the tile buffer (fragment shaders only)`);
    }
    if (i.opAdd !== 'nop') {
      this.write(i.ws, false, i.waddrAdd, addRes, addMask, { pm: i.pm, pack: i.pack, float: ADD_FLOAT_OUT.get(i.opAdd) ?? false, isMul: false, wide: addWide }, info);
    }
    if (i.opMul !== 'nop') {
      this.write(!i.ws, true, i.waddrMul, mulRes, mulMask, { pm: i.pm, pack: i.pack, float: MUL_FLOAT_OUT.get(i.opMul) ?? false, isMul: true }, info);
    }
    if (i.sf) {
      // Flags from the add ALU unless its op is nop, then from the mul ALU; only lanes whose write condition holds [ADD, VC4C].
      const fromAdd = i.opAdd !== 'nop';
      const res = fromAdd ? addRes : mulRes;
      const m = fromAdd ? addMask : mulMask;
      for (let e = 0; e < 16; e++) {
        if (!m[e]) continue;
        const x = res[e] as number;
        this.z[e] = x === 0 ? 1 : 0;
        this.n[e] = x >>> 31;
        this.c[e] = fromAdd ? (addC[e] as number) : 0;
      }
    }
  }

  /** Write a 16-lane result to address `addr` of A space (`bSpace` false) or B space. */
  private write(
    bSpace: boolean, isMulUnit: boolean, addr: number, v: Uint32Array, mask: Uint8Array,
    p: { pm: boolean; pack: number; float: boolean; isMul: boolean; wide?: Float64Array | undefined }, info: ExecInfo,
  ): void {
    void isMulUnit;
    if (addr === 39) return;
    const any = mask.some((x) => x === 1);
    const reg = (bSpace ? VC4_REGS.writeB : VC4_REGS.writeA)[addr] as { name: string; role: RegRole };
    const mulPack = p.pm && p.isMul && p.pack !== 0;
    if (addr < 32) {
      if (!any) return;
      const f = bSpace ? this.rb : this.ra;
      for (let e = 0; e < 16; e++) {
        if (!mask[e]) continue;
        const k = addr * 16 + e;
        let x = v[e] as number;
        if (mulPack) x = packMul(p.pack, x, f[k] as number);
        else if (!p.pm && !bSpace && p.pack !== 0) x = packA(p.pack, x, f[k] as number, p.float, p.wide?.[e]);
        f[k] = x;
      }
      info.regWrites.push(`${bSpace ? 'b' : 'a'}${addr}`);
      return;
    }
    switch (reg.role) {
      case 'acc': {
        const r = this.acc[addr - 32] as Uint32Array;
        for (let e = 0; e < 16; e++) if (mask[e]) r[e] = mulPack ? packMul(p.pack, v[e] as number, r[e] as number) : (v[e] as number);
        if (any) info.accWrites.push(addr - 32);
        return;
      }
      case 'r5quad': case 'r5rep': {
        // Gated by element 0's condition; A: elements 0, 4, 8, 12 across their quads; B: element 0 to all [ADD, VC4C-E].
        if (!mask[0]) return;
        const r = this.acc[5] as Uint32Array;
        for (let e = 0; e < 16; e++) r[e] = reg.role === 'r5rep' ? (v[0] as number) : (v[e & ~3] as number);
        info.accWrites.push(5);
        return;
      }
      case 'host_int':
        if (mask[0] && v[0] !== 0) this.hostInterrupt = true;
        return;
      case 'tmu_noswap':
        info.noswapWrite = true;
        this.noswap = v[0] !== 0;
        return;
      case 'unif_addr':
        info.unifAddrWrite = true;
        this.unifPtr = v[0] as number;
        return;
      case 'vpm':
        info.vpmAccess = true;
        this.shared.vpm.writeVector(this.vpmPort, v);
        return;
      case 'vpm_setup':
        info.vpmSetup = true;
        this.shared.vpm.setup(this.vpmPort, v[0] as number, bSpace);
        return;
      case 'dma_addr': {
        const sh = this.shared;
        const bytes = bSpace ? sh.vpm.store(this.vpmPort, sh.memory, v[0] as number) : sh.vpm.load(this.vpmPort, sh.memory, v[0] as number);
        const done = sh.tick + VC4_TIMING.dmaStartup + Math.ceil(bytes / VC4_TIMING.dmaBytesPerTick);
        if (bSpace) {
          this.vpmPort.storeDoneAt = done;
          sh.bytesWritten += bytes;
        } else {
          this.vpmPort.loadDoneAt = done;
          sh.bytesRead += bytes;
        }
        return;
      }
      case 'mutex':
        if (this.shared.mutexOwner === this.id) this.shared.mutexOwner = -1;
        return;
      case 'sfu': {
        info.sfuWrite = true;
        const out = lanes();
        for (let e = 0; e < 16; e++) out[e] = sfu(reg.name, v[e] as number);
        this.sfu = { data: out, left: VC4_TIMING.sfuLatency + 1 };
        return;
      }
      case 'tmu': {
        info.tmuWrite = true;
        if (reg.name !== 't0s' && reg.name !== 't1s') this.fail(`${reg.name}: texture lookups are not emulated (direct lookups via t0s/t1s only)`);
        // A direct lookup fetches all 16 elements whatever the condition [ADD]; each gets the word at address & ~3.
        const data = lanes();
        for (let e = 0; e < 16; e++) {
          const bus = (v[e] as number) & ~3;
          const w = this.shared.memory.read32(bus);
          if (w === undefined) this.fail(`TMU read of unmapped address 0x${(bus >>> 0).toString(16)} (element ${e})`);
          data[e] = w;
        }
        this.shared.bytesRead += 64;
        (this.tmu[reg.name === 't0s' ? 0 : 1] as { data: Uint32Array; readyAt: number }[]).push({ data, readyAt: this.shared.tick + VC4_TIMING.tmuLatency });
        return;
      }
      case 'tlb':
        this.fail(`write to ${reg.name}: the tile buffer is for fragment shaders`);
      // falls through (fail never returns)
      default:
        return; // quad/ms/rev flags: no effect for user programs
    }
  }

  /** Bus address → physical, for reports. */
  static physical = physical;
}

/** Per decoded instruction: whether it can ever stall (most cannot; skip the checks for them). */
const MAY_STALL = new WeakMap<Vc4Instr, boolean>();
function mayStall(i: Vc4Instr): boolean {
  if (i.kind === 'sem') return true;
  if (i.kind !== 'alu') return false;
  const stallRoles: readonly RegRole[] = ['mutex', 'vpm_wait'];
  if (stallRoles.includes(VC4_REGS.readA[i.raddrA]?.role ?? 'nop')) return true;
  if (i.sig !== 'smi' && stallRoles.includes(VC4_REGS.readB[i.raddrB]?.role ?? 'nop')) return true;
  if (i.sig === 'ldtmu0' || i.sig === 'ldtmu1') return true;
  const w = (mul: boolean, addr: number): RegRole | undefined => ((mul !== i.ws) ? VC4_REGS.writeB : VC4_REGS.writeA)[addr]?.role;
  return w(false, i.waddrAdd) === 'dma_addr' || w(true, i.waddrMul) === 'dma_addr';
}

const VC4_BRANCH_COND_EVAL: Record<string, { flag: string; set: boolean; all: boolean } | undefined> = {
  allz: { flag: 'z', set: true, all: true }, allnz: { flag: 'z', set: false, all: true },
  anyz: { flag: 'z', set: true, all: false }, anynz: { flag: 'z', set: false, all: false },
  alln: { flag: 'n', set: true, all: true }, allnn: { flag: 'n', set: false, all: true },
  anyn: { flag: 'n', set: true, all: false }, anynn: { flag: 'n', set: false, all: false },
  allc: { flag: 'c', set: true, all: true }, allnc: { flag: 'c', set: false, all: true },
  anyc: { flag: 'c', set: true, all: false }, anync: { flag: 'c', set: false, all: false },
  always: undefined,
};

/**
 * SFU functions [ARG p.23; PVC-T sfu, APPENDIX]: recip(0) = recipsqrt(0) = +inf,
 * recipsqrt(x) = 1/√|x|, log = log2|x|, exp = 2^x. Hardware gives ≈ 12
 * correct bits; like VC4C's emulator, clear the low 10 mantissa bits.
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
  return Number.isFinite(r) ? (out & ~0x3ff) >>> 0 : out;
}
