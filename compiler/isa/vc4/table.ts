/**
 * The VideoCore IV QPU instruction set as data: formats, opcodes, signals,
 * conditions, pack/unpack modes, register names and small immediates.
 *
 * Encoder, decoder, disassembler, assembler, validator and emulator all read
 * this file; nothing else lists opcodes. Facts from the VideoCore IV 3D
 * Architecture Reference Guide (ARG) tables cited per entry, restated in
 * shared/docs/vc4-isa-notes.md; mnemonics are vc4asm's (the syntax
 * hello_fft is written in).
 */

/** A bit field of the 64-bit word: [high bit, low bit], inclusive. */
export type BitRange = readonly [hi: number, lo: number];

/**
 * The four layouts, by the value of `sig` (bits 63:60) [ARG Tables 1, 4 and
 * Figs. 5–7]. Field names are the ones the `raw` assembler clause accepts.
 */
export const VC4_FORMATS = {
  /** sig 0–13: ALU instruction (sig 13: raddr_b holds a small immediate). */
  alu: {
    sig: [63, 60], unpack: [59, 57], pm: [56, 56], pack: [55, 52], cond_add: [51, 49], cond_mul: [48, 46],
    sf: [45, 45], ws: [44, 44], waddr_add: [43, 38], waddr_mul: [37, 32], op_mul: [31, 29], op_add: [28, 24],
    raddr_a: [23, 18], raddr_b: [17, 12], add_a: [11, 9], add_b: [8, 6], mul_a: [5, 3], mul_b: [2, 0],
  },
  /** sig 14, mode 0/1/3: load immediate (32-bit or per-element 2-bit values). */
  ldi: {
    sig: [63, 60], mode: [59, 57], pm: [56, 56], pack: [55, 52], cond_add: [51, 49], cond_mul: [48, 46],
    sf: [45, 45], ws: [44, 44], waddr_add: [43, 38], waddr_mul: [37, 32], imm: [31, 0],
  },
  /** sig 14, mode 4: semaphore; bits 31:5 are don't-care but kept for exact round trips. */
  sem: {
    sig: [63, 60], mode: [59, 57], pm: [56, 56], pack: [55, 52], cond_add: [51, 49], cond_mul: [48, 46],
    sf: [45, 45], ws: [44, 44], waddr_add: [43, 38], waddr_mul: [37, 32], sem_high: [31, 5], sa: [4, 4],
    semaphore: [3, 0],
  },
  /** sig 15: branch; bits 59:56 are unused by the hardware (kept as `unused`). */
  branch: {
    sig: [63, 60], unused: [59, 56], cond_br: [55, 52], rel: [51, 51], reg: [50, 50], raddr_a: [49, 45],
    ws: [44, 44], waddr_add: [43, 38], waddr_mul: [37, 32], imm: [31, 0],
  },
} as const satisfies Record<string, Record<string, BitRange>>;

/** Format names. */
export type Vc4Format = keyof typeof VC4_FORMATS;

/** sig values of the special formats [ARG Table 4]. */
export const SIG_SMALL_IMM = 13;
export const SIG_LOAD_IMM = 14;
export const SIG_BRANCH = 15;

/** Load-immediate modes, bits 59:57 of a sig-14 word [ARG p.33]; 2, 5–7 are undocumented. */
export const VC4_LDI_MODES = [
  { code: 0, name: 'u32', mnemonic: 'ldi' },
  { code: 1, name: 'pes', mnemonic: 'ldipes' }, // per-element signed, −2..1
  { code: 3, name: 'peu', mnemonic: 'ldipeu' }, // per-element unsigned, 0..3
] as const;
/** The mode value that makes a sig-14 word a semaphore instruction. */
export const LDI_MODE_SEMAPHORE = 4;

/**
 * Signals, sig 0–13 [ARG Table 4]. `mnemonic` is the vc4asm clause; `r4` marks
 * signals that load r4 (so an SFU result in flight conflicts with them).
 */
export const VC4_SIGNALS = [
  { code: 0, name: 'bkpt', mnemonic: 'bkpt', r4: false },
  { code: 1, name: 'none', mnemonic: '', r4: false },
  { code: 2, name: 'thrsw', mnemonic: 'thrsw', r4: false },
  { code: 3, name: 'thrend', mnemonic: 'thrend', r4: false },
  { code: 4, name: 'sbwait', mnemonic: 'sbwait', r4: false },
  { code: 5, name: 'sbdone', mnemonic: 'sbdone', r4: false },
  { code: 6, name: 'lthrsw', mnemonic: 'lthrsw', r4: false },
  { code: 7, name: 'loadcv', mnemonic: 'loadcv', r4: true },
  { code: 8, name: 'loadc', mnemonic: 'loadc', r4: true },
  { code: 9, name: 'ldcend', mnemonic: 'ldcend', r4: true },
  { code: 10, name: 'ldtmu0', mnemonic: 'ldtmu0', r4: true },
  { code: 11, name: 'ldtmu1', mnemonic: 'ldtmu1', r4: true },
  { code: 12, name: 'loadam', mnemonic: 'loadam', r4: true },
  { code: 13, name: 'smi', mnemonic: '', r4: false }, // small immediate in raddr_b, no other signal possible
] as const;

/**
 * Add-ALU opcodes [ARG Table 12]. `arity` 1 = unary (uses mux A only [PVC]);
 * `floatIn`/`floatOut` drive unpack (half/byte → float for float consumers)
 * and regfile-A pack (float → half) [ARG p.30–32]. Codes 9–11 and 25–29 are
 * reserved and rejected by the decoder.
 */
export const VC4_ADD_OPS = [
  { code: 0, name: 'nop', arity: 0, floatIn: false, floatOut: false },
  { code: 1, name: 'fadd', arity: 2, floatIn: true, floatOut: true },
  { code: 2, name: 'fsub', arity: 2, floatIn: true, floatOut: true },
  { code: 3, name: 'fmin', arity: 2, floatIn: true, floatOut: true },
  { code: 4, name: 'fmax', arity: 2, floatIn: true, floatOut: true },
  { code: 5, name: 'fminabs', arity: 2, floatIn: true, floatOut: true },
  { code: 6, name: 'fmaxabs', arity: 2, floatIn: true, floatOut: true },
  { code: 7, name: 'ftoi', arity: 1, floatIn: true, floatOut: false },
  { code: 8, name: 'itof', arity: 1, floatIn: false, floatOut: true },
  { code: 12, name: 'add', arity: 2, floatIn: false, floatOut: false },
  { code: 13, name: 'sub', arity: 2, floatIn: false, floatOut: false },
  { code: 14, name: 'shr', arity: 2, floatIn: false, floatOut: false },
  { code: 15, name: 'asr', arity: 2, floatIn: false, floatOut: false },
  { code: 16, name: 'ror', arity: 2, floatIn: false, floatOut: false },
  { code: 17, name: 'shl', arity: 2, floatIn: false, floatOut: false },
  { code: 18, name: 'min', arity: 2, floatIn: false, floatOut: false },
  { code: 19, name: 'max', arity: 2, floatIn: false, floatOut: false },
  { code: 20, name: 'and', arity: 2, floatIn: false, floatOut: false },
  { code: 21, name: 'or', arity: 2, floatIn: false, floatOut: false },
  { code: 22, name: 'xor', arity: 2, floatIn: false, floatOut: false },
  { code: 23, name: 'not', arity: 1, floatIn: false, floatOut: false },
  { code: 24, name: 'clz', arity: 1, floatIn: false, floatOut: false },
  { code: 30, name: 'v8adds', arity: 2, floatIn: false, floatOut: false },
  { code: 31, name: 'v8subs', arity: 2, floatIn: false, floatOut: false },
] as const;

/** Mul-ALU opcodes [ARG Table 13]. */
export const VC4_MUL_OPS = [
  { code: 0, name: 'nop', arity: 0, floatIn: false, floatOut: false },
  { code: 1, name: 'fmul', arity: 2, floatIn: true, floatOut: true },
  { code: 2, name: 'mul24', arity: 2, floatIn: false, floatOut: false },
  { code: 3, name: 'v8muld', arity: 2, floatIn: false, floatOut: false },
  { code: 4, name: 'v8min', arity: 2, floatIn: false, floatOut: false },
  { code: 5, name: 'v8max', arity: 2, floatIn: false, floatOut: false },
  { code: 6, name: 'v8adds', arity: 2, floatIn: false, floatOut: false },
  { code: 7, name: 'v8subs', arity: 2, floatIn: false, floatOut: false },
] as const;

/** `mov` is `or x, x` on the add ALU and `v8min x, x` on the mul ALU [VASM-I, PVC]. */
export const MOV_ADD_OP = 'or';
export const MOV_MUL_OP = 'v8min';

/** Write conditions, per element [ARG Table 2]; `suffix` is vc4asm's. */
export const VC4_CONDS = [
  { code: 0, name: 'never', suffix: '.never' },
  { code: 1, name: 'always', suffix: '' },
  { code: 2, name: 'zs', suffix: '.ifzs' },
  { code: 3, name: 'zc', suffix: '.ifzc' },
  { code: 4, name: 'ns', suffix: '.ifns' },
  { code: 5, name: 'nc', suffix: '.ifnc' },
  { code: 6, name: 'cs', suffix: '.ifcs' },
  { code: 7, name: 'cc', suffix: '.ifcc' },
] as const;

/**
 * Branch conditions over the 16 elements' flags [ARG Table 11]; 12–14 are
 * reserved (rejected by the decoder). `flag`/`set`/`all` drive the emulator.
 */
export const VC4_BRANCH_CONDS = [
  { code: 0, name: 'allz', suffix: '.allz', flag: 'z', set: true, all: true },
  { code: 1, name: 'allnz', suffix: '.allnz', flag: 'z', set: false, all: true },
  { code: 2, name: 'anyz', suffix: '.anyz', flag: 'z', set: true, all: false },
  { code: 3, name: 'anynz', suffix: '.anynz', flag: 'z', set: false, all: false },
  { code: 4, name: 'alln', suffix: '.alln', flag: 'n', set: true, all: true },
  { code: 5, name: 'allnn', suffix: '.allnn', flag: 'n', set: false, all: true },
  { code: 6, name: 'anyn', suffix: '.anyn', flag: 'n', set: true, all: false },
  { code: 7, name: 'anynn', suffix: '.anynn', flag: 'n', set: false, all: false },
  { code: 8, name: 'allc', suffix: '.allc', flag: 'c', set: true, all: true },
  { code: 9, name: 'allnc', suffix: '.allnc', flag: 'c', set: false, all: true },
  { code: 10, name: 'anyc', suffix: '.anyc', flag: 'c', set: true, all: false },
  { code: 11, name: 'anync', suffix: '.anync', flag: 'c', set: false, all: false },
  { code: 15, name: 'always', suffix: '', flag: 'z', set: true, all: false },
] as const;

/** Input muxes [ARG Table 3]: accumulators, then the regfile A and B read ports. */
export const VC4_MUXES = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'ra', 'rb'] as const;

/**
 * Regfile-A pack modes (pm = 0) [ARG Table 6 p.31]: applied to the result
 * written to a physical regfile-A register. `suffix` is vc4asm's.
 */
export const VC4_PACK_A = [
  { code: 0, suffix: '' }, { code: 1, suffix: '.16a' }, { code: 2, suffix: '.16b' }, { code: 3, suffix: '.8abcd' },
  { code: 4, suffix: '.8a' }, { code: 5, suffix: '.8b' }, { code: 6, suffix: '.8c' }, { code: 7, suffix: '.8d' },
  { code: 8, suffix: '.32s' }, { code: 9, suffix: '.16as' }, { code: 10, suffix: '.16bs' }, { code: 11, suffix: '.8abcds' },
  { code: 12, suffix: '.8as' }, { code: 13, suffix: '.8bs' }, { code: 14, suffix: '.8cs' }, { code: 15, suffix: '.8ds' },
] as const;

/**
 * Mul-ALU pack modes (pm = 1) [ARG Table 9 p.32]: float → u8 colour
 * (saturated, ×255). 1, 2 and 8–15 are reserved (rejected by the decoder).
 */
export const VC4_PACK_MUL = [
  { code: 0, suffix: '' }, { code: 3, suffix: '.8abcd' }, { code: 4, suffix: '.8a' }, { code: 5, suffix: '.8b' },
  { code: 6, suffix: '.8c' }, { code: 7, suffix: '.8d' },
] as const;

/**
 * Unpack modes [ARG Tables 7–8 p.31–32]: on regfile-A reads (pm = 0) or r4
 * reads (pm = 1). `bits`/`byte` describe the extracted field.
 */
export const VC4_UNPACK = [
  { code: 0, suffix: '', kind: 'none' },
  { code: 1, suffix: '.16a', kind: 'half', part: 0 },
  { code: 2, suffix: '.16b', kind: 'half', part: 1 },
  { code: 3, suffix: '.8dr', kind: 'replicate' },
  { code: 4, suffix: '.8a', kind: 'byte', part: 0 },
  { code: 5, suffix: '.8b', kind: 'byte', part: 1 },
  { code: 6, suffix: '.8c', kind: 'byte', part: 2 },
  { code: 7, suffix: '.8d', kind: 'byte', part: 3 },
] as const;

/**
 * Small immediates, sig 13 raddr_b codes 0–47 [ARG Table 5 p.29–30]; codes
 * 48–63 are vector rotations of the mul result (48: by r5 element 0, else by
 * code − 48), and a mux-7 operand then reads code − 64 [ADD, PVC rotate tests].
 */
export const VC4_SMALL_IMMS: readonly { code: number; kind: 'int' | 'float'; value: number; text: string }[] = [
  ...Array.from({ length: 16 }, (_, i) => ({ code: i, kind: 'int' as const, value: i, text: String(i) })),
  ...Array.from({ length: 16 }, (_, i) => ({ code: 16 + i, kind: 'int' as const, value: i - 16, text: String(i - 16) })),
  ...Array.from({ length: 8 }, (_, i) => ({ code: 32 + i, kind: 'float' as const, value: 2 ** i, text: `${2 ** i}.0` })),
  ...Array.from({ length: 8 }, (_, i) => ({ code: 40 + i, kind: 'float' as const, value: 2 ** (i - 8), text: `1./${2 ** (8 - i)}` })),
];
/** Small-immediate code of a 32-bit pattern, if it has one (integers −16…15, floats 2^−8…2^7). */
export function smallImmCode(bits: number): number | undefined {
  const b = bits | 0;
  if (b >= -16 && b <= 15) return b >= 0 ? b : b + 32;
  const u = bits >>> 0;
  for (const s of VC4_SMALL_IMMS) {
    if (s.kind === 'float' && f32BitsOf(s.value) === u) return s.code;
  }
  return undefined;
}

/** The 32-bit pattern a small immediate code reads as. */
export function smallImmBits(code: number): number {
  const s = VC4_SMALL_IMMS.find((x) => x.code === code);
  if (!s) throw new Error(`small immediate code ${code}`);
  return s.kind === 'int' ? s.value >>> 0 : f32BitsOf(s.value);
}

const F1 = new Float32Array(1);
const U1 = new Uint32Array(F1.buffer);
function f32BitsOf(x: number): number {
  F1[0] = x;
  return U1[0] as number;
}

/** First small-immediate code that means a rotation. */
export const SMI_ROTATE_BASE = 48;

/** What a register address does, for the emulator and the hazard checker. */
export type RegRole =
  | 'regfile' | 'acc' | 'unif' | 'vary' | 'elem_num' | 'qpu_num' | 'nop' | 'x_coord' | 'y_coord' | 'ms_flags'
  | 'rev_flag' | 'vpm' | 'vpm_busy' | 'vpm_wait' | 'mutex' | 'tmu_noswap' | 'r5quad' | 'r5rep' | 'host_int'
  | 'unif_addr' | 'tlb' | 'vpm_setup' | 'dma_addr' | 'sfu' | 'tmu' | 'undefined';

interface RegName { readonly name: string; readonly role: RegRole }

function regs(prefix: string, tail: Record<number, readonly [string, RegRole]>, undef: string): RegName[] {
  return Array.from({ length: 64 }, (_, i): RegName => {
    if (i < 32) return { name: `${prefix}${i}`, role: 'regfile' };
    const t = tail[i];
    return t ? { name: t[0], role: t[1] } : { name: `${undef}${i}`, role: 'undefined' };
  });
}

const READ_COMMON = { 32: ['unif', 'unif'], 35: ['vary', 'vary'], 39: ['nop', 'nop'], 48: ['vpm', 'vpm'], 51: ['mutex', 'mutex'] } as const;
const WRITE_COMMON = {
  32: ['r0', 'acc'], 33: ['r1', 'acc'], 34: ['r2', 'acc'], 35: ['r3', 'acc'], 36: ['tmurs', 'tmu_noswap'],
  38: ['irq', 'host_int'], 39: ['-', 'nop'], 43: ['stencil', 'tlb'], 44: ['tlbz', 'tlb'], 45: ['tlbm', 'tlb'],
  46: ['tlbc', 'tlb'], 47: ['tlbam', 'tlb'], 48: ['vpm', 'vpm'], 51: ['mutex', 'mutex'], 52: ['recip', 'sfu'],
  53: ['recipsqrt', 'sfu'], 54: ['exp', 'sfu'], 55: ['log', 'sfu'], 56: ['t0s', 'tmu'], 57: ['t0t', 'tmu'],
  58: ['t0r', 'tmu'], 59: ['t0b', 'tmu'], 60: ['t1s', 'tmu'], 61: ['t1t', 'tmu'], 62: ['t1r', 'tmu'], 63: ['t1b', 'tmu'],
} as const;

/**
 * Register addresses 0–63 of each file, for reads and writes [ARG Table 14
 * p.37–38]; names are vc4asm's. Unmapped reads are named `ra33`, `rb40`, ….
 */
export const VC4_REGS = {
  readA: regs('ra', {
    ...READ_COMMON, 38: ['elem_num', 'elem_num'], 41: ['x_coord', 'x_coord'], 42: ['ms_mask', 'ms_flags'],
    49: ['vr_busy', 'vpm_busy'], 50: ['vr_wait', 'vpm_wait'],
  }, 'ra'),
  readB: regs('rb', {
    ...READ_COMMON, 38: ['qpu_num', 'qpu_num'], 41: ['y_coord', 'y_coord'], 42: ['rev_flag', 'rev_flag'],
    49: ['vw_busy', 'vpm_busy'], 50: ['vw_wait', 'vpm_wait'],
  }, 'rb'),
  writeA: regs('ra', {
    ...WRITE_COMMON, 37: ['r5quad', 'r5quad'], 40: ['unif_addr', 'unif_addr'], 41: ['x_coord', 'x_coord'],
    42: ['ms_mask', 'ms_flags'], 49: ['vr_setup', 'vpm_setup'], 50: ['vr_addr', 'dma_addr'],
  }, 'ra'),
  writeB: regs('rb', {
    ...WRITE_COMMON, 37: ['r5rep', 'r5rep'], 40: ['unif_addr_rel', 'unif_addr'], 41: ['y_coord', 'y_coord'],
    42: ['rev_flag', 'rev_flag'], 49: ['vw_setup', 'vpm_setup'], 50: ['vw_addr', 'dma_addr'],
  }, 'rb'),
} as const;

/** Register address of "no register" in every file (reads and writes) [ARG Table 14]. */
export const REG_NOP = 39;

/** Other spellings the assembler accepts (ARG / py-videocore / Mesa names) → vc4asm name. */
export const VC4_REG_ALIASES: Readonly<Record<string, string>> = {
  host_int: 'irq', tmu_noswap: 'tmurs', element_number: 'elem_num', qpu_number: 'qpu_num',
  uniform: 'unif', uniforms_address: 'unif_addr', sfu_recip: 'recip', sfu_recipsqrt: 'recipsqrt',
  sfu_exp: 'exp', sfu_log: 'log', tmu0_s: 't0s', tmu0_t: 't0t', tmu0_r: 't0r', tmu0_b: 't0b',
  tmu1_s: 't1s', tmu1_t: 't1t', tmu1_r: 't1r', tmu1_b: 't1b', vpm_read: 'vpm', vpm_write: 'vpm',
};

/**
 * Distances, in instructions, that the pipeline does not interlock
 * (shared/docs/vc4-isa-notes.md §1.5, §5, §7). The static program checker,
 * the backend's scheduler and delay-slot filler, and the emulator (its
 * execution and its hazard checker) all read these.
 */
export const VC4_PIPELINE = {
  /** Instructions after a branch that still run [ARG p.34]. */
  branchDelaySlots: 3,
  /** Instructions after `thrend` that still run [ARG p.21]. */
  threndSlots: 2,
  /** Instructions after an SFU write that must not touch r4; the result is there for the next one [ARG p.23, 37]. */
  sfuResultGap: 2,
  /** Instructions after a `uniforms_address` write that must not read a uniform [ARG p.22]. */
  unifAddrGap: 2,
  /** Instructions after a `tmu_noswap` write that must not write a TMU [ARG p.37]. */
  tmuNoswapGap: 2,
  /** Register address of A and B that `thrend` and its slots must not touch [ARG p.37]. */
  threndForbiddenReg: 14,
} as const;
