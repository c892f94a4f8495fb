/**
 * Structured V3D (VideoCore VI = V3D 4.2, VideoCore VII = V3D 7.1) instructions.
 *
 * This is the shape every V3D layer shares: the backend emits it, the encoder
 * packs it into 64-bit words, the decoder unpacks words into it and the
 * emulator executes it. It mirrors the encoding's fields (see
 * shared/docs/v3d-encoding-notes.md) so that decode → encode is the identity.
 *
 * Op names are the ones Mesa's disassembler prints; the opcode table
 * (compiler/isa/v3d/table.ts) is the only list of them.
 */

/** V3D hardware version as Mesa's devinfo.ver: 42 (Pi 4) or 71 (Pi 5). */
export type V3dVersion = 42 | 71;

/** 4.2 input mux values: accumulators r0..r5, register-file ports A and B. */
export const MUX = { R0: 0, R1: 1, R2: 2, R3: 3, R4: 4, R5: 5, A: 6, B: 7 } as const;

/** Per-ALU condition: the write happens only in lanes where it holds. */
export type Cond = 'ifa' | 'ifb' | 'ifna' | 'ifnb';
/** Flag push: B := A, A := predicate of the result. */
export type PushFlag = 'pushz' | 'pushn' | 'pushc';
/** Flag update: A := f(A, predicate of the result). */
export type UpdateFlag =
  | 'andz' | 'andnz' | 'nornz' | 'norz' | 'andn' | 'andnn' | 'nornn' | 'norn' | 'andc' | 'andnc' | 'nornc' | 'norc';

/** Input unpack modifiers (which apply depends on the op: f32, f16x2 or int32 inputs). */
export type Unpack =
  | 'none' | 'abs' | 'l' | 'h' | 'sat' | 'nsat' | 'max0' // f32 inputs
  | 'ff' | 'll' | 'hh' | 'swp' // f16x2 inputs
  | 'ul' | 'uh' | 'il' | 'ih'; // 7.1 int32 mov
/** Output pack modifiers of f32 results. */
export type Pack = 'none' | 'l' | 'h';

/** One ALU input. On 4.2 `mux` selects it (raddr is 0); on 7.1 `raddr` names it (mux is 0). */
export interface V3dInput {
  mux: number;
  raddr: number;
  unpack: Unpack;
}

/** One half (add or mul) of an ALU instruction. `op` is a Mesa op name; `'nop'` when unused. */
export interface V3dAluPart {
  op: string;
  a: V3dInput;
  b: V3dInput;
  /** Destination: register-file index, or a magic address when `magic`. */
  waddr: number;
  magic: boolean;
  pack: Pack;
}

/** Signals of an ALU instruction (at most the combinations the signal table has). */
export interface V3dSignals {
  thrsw: boolean;
  ldunif: boolean;
  ldunifa: boolean;
  ldunifrf: boolean;
  ldunifarf: boolean;
  ldtmu: boolean;
  ldvary: boolean;
  ldvpm: boolean;
  ldtlb: boolean;
  ldtlbu: boolean;
  ucb: boolean;
  rotate: boolean;
  wrtmuc: boolean;
  /** 7.1 only: add input a is a small immediate (index in raddr). */
  smallImmA: boolean;
  /** Input b (4.2: port B; 7.1: add input b) is a small immediate. */
  smallImmB: boolean;
  /** 7.1 only: mul input a (raddr_c) is a small immediate. */
  smallImmC: boolean;
  /** 7.1 only: mul input b (raddr_d) is a small immediate. */
  smallImmD: boolean;
}

/** Conditions and flag updates of both ALUs (absent = none). */
export interface V3dFlags {
  ac?: Cond;
  mc?: Cond;
  apf?: PushFlag;
  mpf?: PushFlag;
  auf?: UpdateFlag;
  muf?: UpdateFlag;
}

/** A 64-bit ALU instruction: add and mul op issued together, plus signals. */
export interface V3dAluInstr {
  kind: 'alu';
  sig: V3dSignals;
  /** Destination of an address-writing signal (ldunifrf, ldtmu, …): rf index or magic address. */
  sigAddr: number;
  sigMagic: boolean;
  /** 4.2 register-file read ports (raddr_b holds the small-immediate index when one is used). On 7.1: add a/b addresses, mirrored in add.a.raddr / add.b.raddr. */
  raddrA: number;
  raddrB: number;
  flags: V3dFlags;
  add: V3dAluPart;
  mul: V3dAluPart;
}

/** Branch conditions over flag A of the lanes. */
export type BranchCond = 'always' | 'a0' | 'na0' | 'alla' | 'anyna' | 'anya' | 'allna';
/** Where a branch (or its uniform-stream update) goes. */
export type BranchDest = 'abs' | 'rel' | 'link' | 'reg';

/** A 64-bit branch instruction. It has three delay slots. */
export interface V3dBranchInstr {
  kind: 'branch';
  cond: BranchCond;
  msfign: 'none' | 'p' | 'q';
  /** Code destination kind. */
  bdi: BranchDest;
  /** Also update the uniform stream. */
  ub: boolean;
  /** Uniform-stream destination kind (meaningful when ub). */
  bdu: BranchDest;
  /** Register read for bdi/bdu = 'reg'. */
  raddrA: number;
  /** Byte offset (rel: relative to the instruction after the three delay slots) or absolute byte address; multiple of 8. */
  offset: number;
  /**
   * Bit 23: also save the return address (branch + 32) in the link register
   * (py-videocore6 `set_link`; semantics notes 2.7). Mesa calls the bit unused
   * and never sets it. Absent = false.
   */
  link?: boolean;
}

/** Any V3D instruction. */
export type V3dInstr = V3dAluInstr | V3dBranchInstr;

/** Small-immediate index (0..47) → 32-bit pattern it reads as. */
export function smallImmValue(index: number): number {
  if (index < 16) return index;
  if (index < 32) return (index - 32) >>> 0;
  if (index < 48) return (0x3b800000 + (index - 32) * 0x00800000) >>> 0;
  throw new RangeError(`small immediate index ${index} out of range 0..47`);
}

/** 32-bit pattern → small-immediate index, or undefined if it has none. */
export function smallImmIndex(value: number): number | undefined {
  const v = value >>> 0;
  for (let i = 0; i < 48; i++) if (smallImmValue(i) === v) return i;
  return undefined;
}

/** Signals with every flag off. */
export function noSignals(): V3dSignals {
  return {
    thrsw: false, ldunif: false, ldunifa: false, ldunifrf: false, ldunifarf: false, ldtmu: false, ldvary: false,
    ldvpm: false, ldtlb: false, ldtlbu: false, ucb: false, rotate: false, wrtmuc: false,
    smallImmA: false, smallImmB: false, smallImmC: false, smallImmD: false,
  };
}

/** Magic write addresses shared by 4.2 and 7.1 (the full name table lives in table.ts). */
export const MAGIC = {
  R0: 0, R1: 1, R2: 2, R3: 3, R4: 4, R5: 5, QUAD: 5, NOP: 6, TLB: 7, TLBU: 8, UNIFA: 9,
  TMUL: 10, TMUD: 11, TMUA: 12, TMUAU: 13, VPM: 14, VPMU: 15, SYNC: 16, SYNCU: 17, SYNCB: 18,
  RECIP: 19, RSQRT: 20, EXP: 21, LOG: 22, SIN: 23, RSQRT2: 24,
  TMUC: 32, TMUS: 33, TMUT: 34, TMUR: 35, TMUI: 36, TMUB: 37, TMUDREF: 38, TMUOFF: 39,
  TMUSCM: 40, TMUSF: 41, TMUSLOD: 42, TMUHS: 43, TMUHSCM: 44, TMUHSF: 45, TMUHSLOD: 46,
  R5REP: 55, REP: 55,
} as const;

/** A nop ALU part writing nothing. */
export function nopPart(): V3dAluPart {
  return {
    op: 'nop',
    a: { mux: 0, raddr: 0, unpack: 'none' },
    b: { mux: 0, raddr: 0, unpack: 'none' },
    waddr: MAGIC.NOP,
    magic: true,
    pack: 'none',
  };
}

/** `nop ; nop` with no signal. */
export function nopInstr(): V3dAluInstr {
  return { kind: 'alu', sig: noSignals(), sigAddr: 0, sigMagic: false, raddrA: 0, raddrB: 0, flags: {}, add: nopPart(), mul: nopPart() };
}
