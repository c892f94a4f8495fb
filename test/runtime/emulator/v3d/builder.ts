/**
 * Test helper: write small V3D programs as data (op name, destination, sources)
 * without an assembler, encode them with the ISA layer's encoder into GPU
 * memory, and run them through runCsd.
 */
import type { Pack, Unpack, V3dAluInstr, V3dAluPart, V3dBranchInstr, V3dFlags, V3dInput, V3dSignals, V3dVersion, BranchCond, BranchDest } from '../../../../compiler/isa/v3d/instr.ts';
import { MAGIC, noSignals, nopInstr, nopPart, smallImmIndex } from '../../../../compiler/isa/v3d/instr.ts';
import { encodeInstr } from '../../../../compiler/isa/v3d/encode.ts';
import { decodeInstr } from '../../../../compiler/isa/v3d/decode.ts';
import { assembleV3d } from '../../../../compiler/isa/v3d/asm.ts';
import { GpuMemory } from '../../../../runtime/emulator/memory.ts';
import { runCsd, type EmulatorResult, type RunCsdOptions } from '../../../../runtime/emulator/v3d/run.ts';

/** A source: 'r0'..'r5', 'rfN', a 32-bit immediate pattern (must be a small immediate), with optional unpack. */
export type Src = string | number | { s: string | number; u: Unpack };
/** A destination: 'rfN', 'r0'..'r5', a magic name ('tmua', 'r5rep', 'quad', ...), with optional pack. */
export type Dst = string | { d: string; p: Pack };
/** [op, dst?, a?, b?]. */
export type PartSpec = [string, Dst?, Src?, Src?];

/** One ALU instruction's spec. */
export interface AluSpec {
  add?: PartSpec;
  mul?: PartSpec;
  sig?: Partial<V3dSignals>;
  /** Destination of ldtmu / ldunifrf / ldunifarf. */
  sigDst?: string;
  flags?: V3dFlags;
  /** 4.2 rotate signal amount (1..15 or -16..-1), or 'r5'. */
  rotate?: number | 'r5';
}

const MAGIC_NAMES: Record<string, number> = {
  nop: MAGIC.NOP, tlb: 7, unifa: 9, tmul: 10, tmud: 11, tmua: 12, tmuau: 13, sync: 16, syncu: 17, syncb: 18,
  recip: 19, rsqrt: 20, exp: 21, log: 22, sin: 23, rsqrt2: 24, tmuc: 32, tmudref: 38, tmuoff: 39, r5rep: 55, rep: 55, quad: 5,
};

function dest(d: Dst | undefined, ver: V3dVersion): { waddr: number; magic: boolean; pack: Pack } {
  const name = d === undefined ? 'nop' : typeof d === 'string' ? d : d.d;
  const pack = typeof d === 'object' ? d.p : 'none';
  const rf = /^rf(\d+)$/.exec(name);
  if (rf) return { waddr: Number(rf[1]), magic: false, pack };
  const acc = /^r([0-5])$/.exec(name);
  if (acc && ver === 42) return { waddr: Number(acc[1]), magic: true, pack };
  const m = MAGIC_NAMES[name];
  if (m === undefined) throw new Error(`unknown destination ${name}`);
  return { waddr: m, magic: true, pack };
}

/** Build an ALU instruction for `ver`. */
export function alu(ver: V3dVersion, spec: AluSpec): V3dAluInstr {
  const ins = nopInstr();
  ins.sig = { ...noSignals(), ...spec.sig };
  ins.flags = { ...spec.flags };
  const ports: number[] = [];
  let imm: number | undefined;
  const input = (s: Src | undefined, slot: 'smallImmA' | 'smallImmB' | 'smallImmC' | 'smallImmD'): V3dInput => {
    if (s === undefined) return { mux: 0, raddr: 0, unpack: 'none' };
    const src = typeof s === 'object' ? s.s : s;
    const unpack = typeof s === 'object' ? s.u : 'none';
    if (typeof src === 'number') {
      const idx = smallImmIndex(src);
      if (idx === undefined) throw new Error(`${src} is not a small immediate`);
      if (ver === 42) {
        if (imm !== undefined && imm !== idx) throw new Error('two different immediates');
        imm = idx;
        ins.sig.smallImmB = true;
        ins.raddrB = idx;
        return { mux: 7, raddr: 0, unpack };
      }
      ins.sig[slot] = true;
      return { mux: 0, raddr: idx, unpack };
    }
    const acc = /^r([0-5])$/.exec(src);
    if (acc) {
      if (ver !== 42) throw new Error('no accumulators on 7.1');
      return { mux: Number(acc[1]), raddr: 0, unpack };
    }
    const rf = /^rf(\d+)$/.exec(src);
    if (!rf) throw new Error(`bad source ${src}`);
    const n = Number(rf[1]);
    if (ver === 71) return { mux: 0, raddr: n, unpack };
    if (ports[0] === undefined || ports[0] === n) {
      ports[0] = n;
      ins.raddrA = n;
      return { mux: 6, raddr: 0, unpack };
    }
    if (imm !== undefined || (ports[1] !== undefined && ports[1] !== n)) throw new Error('out of register-file ports');
    ports[1] = n;
    ins.raddrB = n;
    return { mux: 7, raddr: 0, unpack };
  };
  const part = (p: PartSpec | undefined, isAdd: boolean): V3dAluPart => {
    if (!p) return nopPart();
    const [op, d, a, b] = p;
    const dd = dest(d, ver);
    const out: V3dAluPart = { op, a: input(a, isAdd ? 'smallImmA' : 'smallImmC'), b: input(b, isAdd ? 'smallImmB' : 'smallImmD'), waddr: dd.waddr, magic: dd.magic, pack: dd.pack };
    return out;
  };
  ins.add = part(spec.add, true);
  ins.mul = part(spec.mul, false);
  if (ver === 71) {
    ins.raddrA = ins.add.a.raddr;
    ins.raddrB = ins.add.b.raddr;
  }
  if (spec.rotate !== undefined) {
    ins.sig.rotate = true;
    ins.raddrB = spec.rotate === 'r5' ? 0 : (smallImmIndex(spec.rotate >>> 0) as number);
  }
  if (spec.sigDst !== undefined) {
    const d = dest(spec.sigDst, ver);
    ins.sigAddr = d.waddr;
    ins.sigMagic = d.magic;
  }
  return ins;
}

/** Build a branch. `offset` is a byte offset (rel) or address (abs). */
export function branch(cond: BranchCond, bdi: BranchDest, offset = 0, extra: Partial<V3dBranchInstr> = {}): V3dBranchInstr {
  return { kind: 'branch', cond, msfign: 'none', bdi, ub: false, bdu: 'abs', raddrA: 0, offset, ...extra };
}

/** The program end every pv6/pv7 kernel uses: thrsw, thrsw (marker), nop, nop, thrsw (end), nop, nop, nop. */
export function end(ver: V3dVersion): V3dAluInstr[] {
  const t = () => alu(ver, { sig: { thrsw: true } });
  const n = () => alu(ver, {});
  return [t(), t(), n(), n(), t(), n(), n(), n()];
}

/** Memory layout of {@link runProgram}. */
export const CODE = 0x10000;
export const UNIF = 0x20000;
export const DATA = 0x30000;

/** A program run's memory and result. */
export interface Run {
  mem: GpuMemory;
  data: DataView;
  result: EmulatorResult;
}

/**
 * Encode `code` at CODE, uniforms at UNIF, a 64 KiB zero-filled (or `data`-initialised)
 * buffer at DATA, and run `batches` batches (default 1) through runCsd.
 */
export function runProgram(ver: V3dVersion, code: (V3dAluInstr | V3dBranchInstr)[], opts: { uniforms?: number[]; data?: Uint8Array; batches?: number; cfg5Flags?: number; cfg3?: number; cfg0?: number; run?: Partial<RunCsdOptions> } = {}): Run {
  const mem = new GpuMemory();
  const codeBytes = new Uint8Array(0x10000);
  const cv = new DataView(codeBytes.buffer);
  code.forEach((ins, i) => cv.setBigUint64(i * 8, encodeInstr(ins, ver), true));
  mem.map(CODE, codeBytes);
  const unif = new Uint8Array(0x10000);
  const uv = new DataView(unif.buffer);
  (opts.uniforms ?? []).forEach((u, i) => uv.setUint32(i * 4, u >>> 0, true));
  mem.map(UNIF, unif);
  const data = new Uint8Array(0x10000);
  if (opts.data) data.set(opts.data);
  mem.map(DATA, data);
  const batches = opts.batches ?? 1;
  const cfg = [
    opts.cfg0 ?? (batches << 16), 1 << 16, 1 << 16, opts.cfg3 ?? ((16 << 8) | 16 | (15 << 12)),
    ver === 42 ? batches - 1 : batches, CODE | (opts.cfg5Flags ?? 0), UNIF,
  ] as const;
  const result = runCsd(mem, cfg, { version: ver, ...opts.run });
  return { mem, data: new DataView(data.buffer), result };
}

/** Bits of an f32. */
export function f32(x: number): number {
  const b = new Float32Array([x]);
  return new Uint32Array(b.buffer)[0] as number;
}

/** The standard program end in assembler text. */
export const END = `
nop ; nop ; thrsw
nop ; nop ; thrsw
nop ; nop
nop ; nop
nop ; nop ; thrsw
nop ; nop
nop ; nop
nop ; nop
`;

/** Assemble `source` (its `.uniform` values become the uniform stream) and run it like {@link runProgram}. */
export function runAsm(ver: V3dVersion, source: string, opts: Omit<Parameters<typeof runProgram>[2] & object, 'uniforms'> & { uniforms?: number[] } = {}): Run {
  const prog = assembleV3d(source, 'test.s', ver);
  const code = prog.words.map((w) => decodeInstr(w, ver));
  const uniforms = opts.uniforms ?? prog.data.filter((d) => d.directive === 'uniform').flatMap((d) => d.values);
  return runProgram(ver, code, { ...opts, uniforms });
}

/** The 16 u32 words at DATA + offset. */
export function words(r: Run, offset: number, n = 16): number[] {
  return Array.from({ length: n }, (_, i) => r.data.getUint32(offset + 4 * i, true));
}

/** The 16 f32 values at DATA + offset. */
export function floats(r: Run, offset: number, n = 16): number[] {
  return Array.from({ length: n }, (_, i) => r.data.getFloat32(offset + 4 * i, true));
}
