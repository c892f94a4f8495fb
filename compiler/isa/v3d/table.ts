/**
 * The V3D 4.2 and 7.1 instruction set as data: the one description that the
 * encoder, decoder, disassembler, assembler, validator, emulator and backend
 * all read. Facts from shared/docs/v3d-encoding-notes.md (a restatement of
 * Mesa's src/broadcom/qpu tables); names are Mesa's.
 *
 * How an op row is matched (see decode.ts):
 *  - `opc` lists inclusive opcode ranges as flat pairs [lo, hi, lo, hi, ...].
 *  - `sel` is the range of the *selector* field with the op's modifier bits
 *    cleared (modifier bits per `mods`, see {@link selectorModMask}). The
 *    selector field is the b input mux on 4.2 (add_b / mul_b) and the b
 *    address on 7.1 (raddr_b for add, raddr_d for mul). Absent = any value.
 *  - `asel` (4.2 only) is the range of the add_a mux for zero-source ops.
 *  - `ma` (ldvpm*): the op needs that value of the magic bit, which then is
 *    not a destination flag.
 *  - `waddr` (stvpm*): the op is selected by the destination field.
 *  - `order`: fadd/faddnf and fmin/fmax share opcodes; 'le' ops have
 *    key(a) <= key(b), 'gt' ops key(a) > key(b) (notes section 11).
 *  - `args`: 'd' destination, 'a' and 'b' sources (Mesa's add_op_args).
 */
import type { V3dVersion } from './instr.ts';

/**
 * How an op stores its output pack and input unpacks.
 * - none: no modifiers.
 * - f32ab: opcode = lo + pack*16 + unpack(a)*4 + unpack(b) (f32 codes).
 * - f32ab_np: the same without the pack bits (7.1 fcmp).
 * - fmul: opcode = lo + pack*16 + ..., lo = 16 so the field holds pack + 1.
 * - vfpack: opcode bits 3:2 / 1:0 = f32 unpack of a / b, abs not encodable.
 * - f16a: opcode = lo + f16x2 unpack code of a.
 * - round42: 4.2 fround family: pack in selector bits 1:0 (if `pack`), a unpack in opcode bits 3:2 (abs impossible).
 * - round71: 7.1 fround family: pack in selector bits 1:0 (if `pack`), a unpack in selector bits 3:2.
 * - cvt: itof/utof: pack in selector bits 1:0, no unpack.
 * - fmov42: 4.2 mul fmov: pack h = opcode bit 0, pack l = mul_b bit 2, a unpack = mul_b bits 1:0.
 * - fmov71: 7.1 fmov: selector = unpack(a) << 2 | pack, unpack 0..6 (includes sat/nsat/max0).
 * - mov71: 7.1 mov: selector = int32 unpack(a) << 2 | 3.
 */
export type ModForm =
  | 'none' | 'f32ab' | 'f32ab_np' | 'fmul' | 'vfpack' | 'f16a' | 'round42' | 'round71' | 'cvt' | 'fmov42' | 'fmov71' | 'mov71';

/** One row of an op table (see the module comment for the matching rules). */
export interface OpRow {
  readonly op: string;
  readonly opc: readonly number[];
  readonly args: '' | 'd' | 'da' | 'dab' | 'ab';
  readonly mods?: ModForm;
  readonly sel?: readonly [number, number];
  readonly asel?: readonly [number, number];
  readonly pack?: boolean;
  readonly ma?: boolean;
  readonly waddr?: number;
  readonly order?: 'le' | 'gt';
}

const ANYSRC = 'dab';

/** Add-ALU rows identical on 4.2 and 7.1 (integer min..ror, fmin..vsub, not..flpop). */
const SHARED_ADD_ROWS = [
  { op: 'min', opc: [120, 120], args: ANYSRC },
  { op: 'max', opc: [121, 121], args: ANYSRC },
  { op: 'umin', opc: [122, 122], args: ANYSRC },
  { op: 'umax', opc: [123, 123], args: ANYSRC },
  { op: 'shl', opc: [124, 124], args: ANYSRC },
  { op: 'shr', opc: [125, 125], args: ANYSRC },
  { op: 'asr', opc: [126, 126], args: ANYSRC },
  { op: 'ror', opc: [127, 127], args: ANYSRC },
  { op: 'fmin', opc: [128, 175], args: ANYSRC, mods: 'f32ab', order: 'le' },
  { op: 'fmax', opc: [128, 175], args: ANYSRC, mods: 'f32ab', order: 'gt' },
  { op: 'vfmin', opc: [176, 180], args: ANYSRC, mods: 'f16a' },
  { op: 'and', opc: [181, 181], args: ANYSRC },
  { op: 'or', opc: [182, 182], args: ANYSRC },
  { op: 'xor', opc: [183, 183], args: ANYSRC },
  { op: 'vadd', opc: [184, 184], args: ANYSRC },
  { op: 'vsub', opc: [185, 185], args: ANYSRC },
  { op: 'not', opc: [186, 186], sel: [0, 0], args: 'da' },
  { op: 'neg', opc: [186, 186], sel: [1, 1], args: 'da' },
  { op: 'flapush', opc: [186, 186], sel: [2, 2], args: 'da' },
  { op: 'flbpush', opc: [186, 186], sel: [3, 3], args: 'da' },
  { op: 'flpop', opc: [186, 186], sel: [4, 4], args: 'da' },
] as const;

/** V3D 4.2 add ALU (notes section 8; Mesa's v3d42_add_ops without the 3.3-only vdwwt). */
const ADD42 = [
  { op: 'fadd', opc: [0, 47], args: ANYSRC, mods: 'f32ab', order: 'le' },
  { op: 'faddnf', opc: [0, 47], args: ANYSRC, mods: 'f32ab', order: 'gt' },
  { op: 'vfpack', opc: [53, 55, 57, 59, 61, 63], args: ANYSRC, mods: 'vfpack' },
  { op: 'add', opc: [56, 56], args: ANYSRC },
  { op: 'sub', opc: [60, 60], args: ANYSRC },
  { op: 'fsub', opc: [64, 111], args: ANYSRC, mods: 'f32ab' },
  ...SHARED_ADD_ROWS,
  { op: 'recip', opc: [186, 186], sel: [5, 5], args: 'da' },
  { op: 'setmsf', opc: [186, 186], sel: [6, 6], args: 'da' },
  { op: 'setrevf', opc: [186, 186], sel: [7, 7], args: 'da' },
  { op: 'nop', opc: [187, 187], sel: [0, 0], asel: [0, 0], args: '' },
  { op: 'tidx', opc: [187, 187], sel: [0, 0], asel: [1, 1], args: 'd' },
  { op: 'eidx', opc: [187, 187], sel: [0, 0], asel: [2, 2], args: 'd' },
  { op: 'lr', opc: [187, 187], sel: [0, 0], asel: [3, 3], args: 'd' },
  { op: 'vfla', opc: [187, 187], sel: [0, 0], asel: [4, 4], args: 'd' },
  { op: 'vflna', opc: [187, 187], sel: [0, 0], asel: [5, 5], args: 'd' },
  { op: 'vflb', opc: [187, 187], sel: [0, 0], asel: [6, 6], args: 'd' },
  { op: 'vflnb', opc: [187, 187], sel: [0, 0], asel: [7, 7], args: 'd' },
  { op: 'fxcd', opc: [187, 187], sel: [1, 1], asel: [0, 2], args: 'd' },
  { op: 'xcd', opc: [187, 187], sel: [1, 1], asel: [3, 3], args: 'd' },
  { op: 'fycd', opc: [187, 187], sel: [1, 1], asel: [4, 6], args: 'd' },
  { op: 'ycd', opc: [187, 187], sel: [1, 1], asel: [7, 7], args: 'd' },
  { op: 'msf', opc: [187, 187], sel: [2, 2], asel: [0, 0], args: 'd' },
  { op: 'revf', opc: [187, 187], sel: [2, 2], asel: [1, 1], args: 'd' },
  // Mesa decodes this as the 3.3 op vdwwt (quirk 15.1); on 4.x the hardware op is iid.
  { op: 'iid', opc: [187, 187], sel: [2, 2], asel: [2, 2], args: 'd' },
  { op: 'sampid', opc: [187, 187], sel: [2, 2], asel: [3, 3], args: 'd' },
  { op: 'barrierid', opc: [187, 187], sel: [2, 2], asel: [4, 4], args: 'd' },
  { op: 'tmuwt', opc: [187, 187], sel: [2, 2], asel: [5, 5], args: 'd' },
  { op: 'vpmwt', opc: [187, 187], sel: [2, 2], asel: [6, 6], args: 'd' },
  { op: 'flafirst', opc: [187, 187], sel: [2, 2], asel: [7, 7], args: 'd' },
  { op: 'flnafirst', opc: [187, 187], sel: [3, 3], asel: [0, 0], args: 'd' },
  // One source, but mux a = 0 (r0) would read as flnafirst: vpmsetup cannot read r0.
  { op: 'vpmsetup', opc: [187, 187], sel: [3, 3], asel: [1, 7], args: 'da' },
  { op: 'ldvpmv_in', opc: [188, 188], sel: [0, 0], args: 'da', ma: false },
  { op: 'ldvpmv_out', opc: [188, 188], sel: [0, 0], args: 'da', ma: true },
  { op: 'ldvpmd_in', opc: [188, 188], sel: [1, 1], args: 'da', ma: false },
  { op: 'ldvpmd_out', opc: [188, 188], sel: [1, 1], args: 'da', ma: true },
  { op: 'ldvpmp', opc: [188, 188], sel: [2, 2], args: 'da' },
  { op: 'rsqrt', opc: [188, 188], sel: [3, 3], args: 'da' },
  { op: 'exp', opc: [188, 188], sel: [4, 4], args: 'da' },
  { op: 'log', opc: [188, 188], sel: [5, 5], args: 'da' },
  { op: 'sin', opc: [188, 188], sel: [6, 6], args: 'da' },
  { op: 'rsqrt2', opc: [188, 188], sel: [7, 7], args: 'da' },
  { op: 'ldvpmg_in', opc: [189, 189], args: ANYSRC, ma: false },
  { op: 'ldvpmg_out', opc: [189, 189], args: ANYSRC, ma: true },
  { op: 'fcmp', opc: [192, 239], args: ANYSRC, mods: 'f32ab' },
  { op: 'vfmax', opc: [240, 244], args: ANYSRC, mods: 'f16a' },
  { op: 'fround', opc: [245, 245], sel: [0, 0], args: 'da', mods: 'round42', pack: true },
  { op: 'ftoin', opc: [245, 245], sel: [3, 3], args: 'da', mods: 'round42' },
  { op: 'ftrunc', opc: [245, 245], sel: [4, 4], args: 'da', mods: 'round42', pack: true },
  { op: 'ftoiz', opc: [245, 245], sel: [7, 7], args: 'da', mods: 'round42' },
  { op: 'ffloor', opc: [246, 246], sel: [0, 0], args: 'da', mods: 'round42', pack: true },
  { op: 'ftouz', opc: [246, 246], sel: [3, 3], args: 'da', mods: 'round42' },
  { op: 'fceil', opc: [246, 246], sel: [4, 4], args: 'da', mods: 'round42', pack: true },
  { op: 'ftoc', opc: [246, 246], sel: [7, 7], args: 'da', mods: 'round42' },
  { op: 'fdx', opc: [247, 247], sel: [0, 0], args: 'da', mods: 'round42', pack: true },
  { op: 'fdy', opc: [247, 247], sel: [4, 4], args: 'da', mods: 'round42', pack: true },
  { op: 'stvpmv', opc: [248, 248], args: 'ab', waddr: 0 },
  { op: 'stvpmd', opc: [248, 248], args: 'ab', waddr: 1 },
  { op: 'stvpmp', opc: [248, 248], args: 'ab', waddr: 2 },
  { op: 'itof', opc: [252, 252], sel: [0, 0], args: 'da', mods: 'cvt' },
  { op: 'clz', opc: [252, 252], sel: [3, 3], args: 'da' },
  { op: 'utof', opc: [252, 252], sel: [4, 4], args: 'da', mods: 'cvt' },
] as const satisfies readonly OpRow[];

/** V3D 4.2 mul ALU (notes section 10; Mesa's umul24_rtop0 alias left out). */
const MUL42 = [
  { op: 'add', opc: [1, 1], args: ANYSRC },
  { op: 'sub', opc: [2, 2], args: ANYSRC },
  { op: 'umul24', opc: [3, 3], args: ANYSRC },
  { op: 'vfmul', opc: [4, 8], args: ANYSRC, mods: 'f16a' },
  { op: 'smul24', opc: [9, 9], args: ANYSRC },
  { op: 'multop', opc: [10, 10], args: ANYSRC },
  { op: 'fmov', opc: [14, 15], args: 'da', mods: 'fmov42', pack: true },
  { op: 'nop', opc: [15, 15], sel: [4, 4], asel: [0, 0], args: '' },
  { op: 'mov', opc: [15, 15], sel: [7, 7], args: 'da' },
  { op: 'fmul', opc: [16, 63], args: ANYSRC, mods: 'fmul' },
] as const satisfies readonly OpRow[];

/** V3D 7.1 add ALU (notes section 9). Selector = raddr_b. */
const ADD71 = [
  { op: 'fadd', opc: [0, 47], args: ANYSRC, mods: 'f32ab', order: 'le' },
  { op: 'faddnf', opc: [0, 47], args: ANYSRC, mods: 'f32ab', order: 'gt' },
  { op: 'vfadd', opc: [48, 52], args: ANYSRC, mods: 'f16a' },
  { op: 'vfpack', opc: [53, 55, 57, 59, 61, 63], args: ANYSRC, mods: 'vfpack' },
  { op: 'add', opc: [56, 56], args: ANYSRC },
  { op: 'sub', opc: [60, 60], args: ANYSRC },
  { op: 'fsub', opc: [64, 111], args: ANYSRC, mods: 'f32ab' },
  // Mesa's table says 112..119 but its unpack rejects 117..119.
  { op: 'vfsub', opc: [112, 116], args: ANYSRC, mods: 'f16a' },
  ...SHARED_ADD_ROWS,
  { op: 'clz', opc: [186, 186], sel: [5, 5], args: 'da' },
  { op: 'setmsf', opc: [186, 186], sel: [6, 6], args: 'da' },
  { op: 'setrevf', opc: [186, 186], sel: [7, 7], args: 'da' },
  { op: 'nop', opc: [187, 187], sel: [0, 0], args: '' },
  { op: 'tidx', opc: [187, 187], sel: [1, 1], args: 'd' },
  { op: 'eidx', opc: [187, 187], sel: [2, 2], args: 'd' },
  { op: 'lr', opc: [187, 187], sel: [3, 3], args: 'd' },
  { op: 'vfla', opc: [187, 187], sel: [4, 4], args: 'd' },
  { op: 'vflna', opc: [187, 187], sel: [5, 5], args: 'd' },
  { op: 'vflb', opc: [187, 187], sel: [6, 6], args: 'd' },
  { op: 'vflnb', opc: [187, 187], sel: [7, 7], args: 'd' },
  { op: 'xcd', opc: [187, 187], sel: [8, 8], args: 'd' },
  { op: 'ycd', opc: [187, 187], sel: [9, 9], args: 'd' },
  { op: 'msf', opc: [187, 187], sel: [10, 10], args: 'd' },
  { op: 'revf', opc: [187, 187], sel: [11, 11], args: 'd' },
  { op: 'iid', opc: [187, 187], sel: [12, 12], args: 'd' },
  { op: 'sampid', opc: [187, 187], sel: [13, 13], args: 'd' },
  { op: 'barrierid', opc: [187, 187], sel: [14, 14], args: 'd' },
  { op: 'tmuwt', opc: [187, 187], sel: [15, 15], args: 'd' },
  { op: 'vpmwt', opc: [187, 187], sel: [16, 16], args: 'd' },
  { op: 'flafirst', opc: [187, 187], sel: [17, 17], args: 'd' },
  { op: 'flnafirst', opc: [187, 187], sel: [18, 18], args: 'd' },
  { op: 'fxcd', opc: [187, 187], sel: [32, 34], args: 'd' },
  { op: 'fycd', opc: [187, 187], sel: [36, 38], args: 'd' },
  { op: 'setnnmode_uu', opc: [187, 187], sel: [48, 48], args: '' },
  { op: 'setnnmode_su', opc: [187, 187], sel: [49, 49], args: '' },
  { op: 'setnnmode_us', opc: [187, 187], sel: [50, 50], args: '' },
  { op: 'setnnmode_ss', opc: [187, 187], sel: [51, 51], args: '' },
  { op: 'ldvpmv_in', opc: [188, 188], sel: [0, 0], args: 'da', ma: false },
  { op: 'ldvpmv_out', opc: [188, 188], sel: [0, 0], args: 'da', ma: true },
  { op: 'ldvpmd_in', opc: [188, 188], sel: [1, 1], args: 'da', ma: false },
  { op: 'ldvpmd_out', opc: [188, 188], sel: [1, 1], args: 'da', ma: true },
  { op: 'ldvpmp', opc: [188, 188], sel: [2, 2], args: 'da' },
  { op: 'recip', opc: [188, 188], sel: [32, 32], args: 'da' },
  { op: 'rsqrt', opc: [188, 188], sel: [33, 33], args: 'da' },
  { op: 'exp', opc: [188, 188], sel: [34, 34], args: 'da' },
  { op: 'log', opc: [188, 188], sel: [35, 35], args: 'da' },
  { op: 'sin', opc: [188, 188], sel: [36, 36], args: 'da' },
  { op: 'rsqrt2', opc: [188, 188], sel: [37, 37], args: 'da' },
  { op: 'ballot', opc: [188, 188], sel: [38, 38], args: 'da' },
  { op: 'bcastf', opc: [188, 188], sel: [39, 39], args: 'da' },
  { op: 'alleq', opc: [188, 188], sel: [40, 40], args: 'da' },
  { op: 'allfeq', opc: [188, 188], sel: [41, 41], args: 'da' },
  { op: 'ldvpmg_in', opc: [189, 189], args: ANYSRC, ma: false },
  { op: 'ldvpmg_out', opc: [189, 189], args: ANYSRC, ma: true },
  { op: 'stvpmv', opc: [190, 190], args: 'ab', waddr: 0 },
  { op: 'stvpmd', opc: [190, 190], args: 'ab', waddr: 1 },
  { op: 'stvpmp', opc: [190, 190], args: 'ab', waddr: 2 },
  { op: 'vfmov', opc: [191, 191], sel: [0, 0], args: 'da' },
  { op: 'vfabs', opc: [191, 191], sel: [5, 5], args: 'da' },
  { op: 'vfneg', opc: [191, 191], sel: [10, 10], args: 'da' },
  { op: 'vfnab', opc: [191, 191], sel: [15, 15], args: 'da' },
  { op: 'fcmp', opc: [192, 207], args: ANYSRC, mods: 'f32ab_np' },
  // Mesa's table says 208..215 but its unpack rejects 213..215.
  { op: 'vfcmp', opc: [208, 212], args: ANYSRC, mods: 'f16a' },
  { op: 'vfmax', opc: [240, 244], args: ANYSRC, mods: 'f16a' },
  { op: 'fround', opc: [245, 245], sel: [0, 0], args: 'da', mods: 'round71', pack: true },
  { op: 'ftoin', opc: [245, 245], sel: [3, 3], args: 'da', mods: 'round71' },
  { op: 'ftrunc', opc: [245, 245], sel: [16, 16], args: 'da', mods: 'round71', pack: true },
  { op: 'ftoiz', opc: [245, 245], sel: [19, 19], args: 'da', mods: 'round71' },
  { op: 'ffloor', opc: [245, 245], sel: [32, 32], args: 'da', mods: 'round71', pack: true },
  { op: 'ftouz', opc: [245, 245], sel: [35, 35], args: 'da', mods: 'round71' },
  { op: 'fceil', opc: [245, 245], sel: [48, 48], args: 'da', mods: 'round71', pack: true },
  { op: 'ftoc', opc: [245, 245], sel: [51, 51], args: 'da', mods: 'round71' },
  { op: 'fdx', opc: [246, 246], sel: [0, 0], args: 'da', mods: 'round71', pack: true },
  { op: 'fdy', opc: [246, 246], sel: [16, 16], args: 'da', mods: 'round71', pack: true },
  { op: 'itof', opc: [246, 246], sel: [32, 32], args: 'da', mods: 'cvt' },
  { op: 'utof', opc: [246, 246], sel: [36, 36], args: 'da', mods: 'cvt' },
  { op: 'vpack', opc: [247, 247], args: ANYSRC },
  { op: 'v8pack', opc: [248, 248], args: ANYSRC },
  { op: 'fmov', opc: [249, 249], sel: [0, 0], args: 'da', mods: 'fmov71', pack: true },
  { op: 'mov', opc: [249, 249], sel: [3, 3], args: 'da', mods: 'mov71' },
  { op: 'v10pack', opc: [250, 250], args: ANYSRC },
  { op: 'v11fpack', opc: [251, 251], args: ANYSRC },
  { op: 'rotq', opc: [252, 252], args: ANYSRC },
  { op: 'rot', opc: [253, 253], args: ANYSRC },
  { op: 'shuffle', opc: [254, 254], args: ANYSRC },
] as const satisfies readonly OpRow[];

/** V3D 7.1 mul ALU (notes section 10). Selector = raddr_d. */
const MUL71 = [
  { op: 'add', opc: [1, 1], args: ANYSRC },
  { op: 'sub', opc: [2, 2], args: ANYSRC },
  { op: 'umul24', opc: [3, 3], args: ANYSRC },
  { op: 'vfmul', opc: [4, 8], args: ANYSRC, mods: 'f16a' },
  { op: 'smul24', opc: [9, 9], args: ANYSRC },
  { op: 'multop', opc: [10, 10], args: ANYSRC },
  { op: 'v8dot', opc: [11, 11], args: ANYSRC },
  { op: 'fmov', opc: [14, 14], sel: [0, 0], args: 'da', mods: 'fmov71', pack: true },
  { op: 'mov', opc: [14, 14], sel: [3, 3], args: 'da', mods: 'mov71' },
  { op: 'ftounorm16', opc: [14, 14], sel: [32, 32], args: 'da' },
  { op: 'ftosnorm16', opc: [14, 14], sel: [33, 33], args: 'da' },
  { op: 'vftounorm8', opc: [14, 14], sel: [34, 34], args: 'da' },
  { op: 'vftosnorm8', opc: [14, 14], sel: [35, 35], args: 'da' },
  { op: 'funpackunormlo', opc: [14, 14], sel: [36, 36], args: 'da' },
  { op: 'funpackunormhi', opc: [14, 14], sel: [37, 37], args: 'da' },
  { op: 'funpacksnormlo', opc: [14, 14], sel: [38, 38], args: 'da' },
  { op: 'funpacksnormhi', opc: [14, 14], sel: [39, 39], args: 'da' },
  { op: 'vftounorm10lo', opc: [14, 14], sel: [48, 48], args: 'da' },
  { op: 'vftounorm10hi', opc: [14, 14], sel: [49, 49], args: 'da' },
  { op: 'nop', opc: [14, 14], sel: [63, 63], args: '' },
  { op: 'fmul', opc: [16, 63], args: ANYSRC, mods: 'fmul' },
] as const satisfies readonly OpRow[];

/** Signal combinations by sig field value (notes section 5); null = reserved. Names are keys of V3dSignals. */
const SIGS42 = [
  [], ['thrsw'], ['ldunif'], ['thrsw', 'ldunif'], ['ldtmu'], ['thrsw', 'ldtmu'], ['ldtmu', 'ldunif'],
  ['thrsw', 'ldtmu', 'ldunif'], ['ldvary'], ['thrsw', 'ldvary'], ['ldvary', 'ldunif'], ['thrsw', 'ldvary', 'ldunif'],
  ['ldunifrf'], ['thrsw', 'ldunifrf'], ['smallImmB', 'ldvary'], ['smallImmB'], ['ldtlb'], ['ldtlbu'], ['wrtmuc'],
  ['thrsw', 'wrtmuc'], ['ldvary', 'wrtmuc'], ['thrsw', 'ldvary', 'wrtmuc'], ['ucb'], ['rotate'], ['ldunifa'],
  ['ldunifarf'], null, null, null, null, null, ['smallImmB', 'ldtmu'],
] as const;

const SIGS71 = [
  [], ['thrsw'], ['ldunif'], ['thrsw', 'ldunif'], ['ldtmu'], ['thrsw', 'ldtmu'], ['ldtmu', 'ldunif'],
  ['thrsw', 'ldtmu', 'ldunif'], ['ldvary'], ['thrsw', 'ldvary'], ['ldvary', 'ldunif'], ['thrsw', 'ldvary', 'ldunif'],
  ['ldunifrf'], ['thrsw', 'ldunifrf'], ['smallImmA'], ['smallImmB'], ['ldtlb'], ['ldtlbu'], ['wrtmuc'],
  ['thrsw', 'wrtmuc'], ['ldvary', 'wrtmuc'], ['thrsw', 'ldvary', 'wrtmuc'], ['ucb'], null, ['ldunifa'],
  ['ldunifarf'], ['ldtmu', 'wrtmuc'], ['thrsw', 'ldtmu', 'wrtmuc'], null, null, ['smallImmC'], ['smallImmD'],
] as const;

/**
 * Magic write addresses by waddr (notes section 12); null = no name. 44 is
 * `tmuhscm` here although Mesa prints `tmuscm` (quirk 15.2): with Mesa's text
 * 40 and 44 could not be told apart and assembling would not round-trip.
 */
const MAGIC42 = [
  'r0', 'r1', 'r2', 'r3', 'r4', 'r5', '-', 'tlb', 'tlbu', 'unifa', 'tmul', 'tmud', 'tmua', 'tmuau', 'vpm', 'vpmu',
  'sync', 'syncu', 'syncb', 'recip', 'rsqrt', 'exp', 'log', 'sin', 'rsqrt2', null, null, null, null, null, null, null,
  'tmuc', 'tmus', 'tmut', 'tmur', 'tmui', 'tmub', 'tmudref', 'tmuoff', 'tmuscm', 'tmusf', 'tmuslod', 'tmuhs',
  'tmuhscm', 'tmuhsf', 'tmuhslod', null, null, null, null, null, null, null, null, 'r5rep',
  null, null, null, null, null, null, null, null,
] as const;

/** 7.1 renames 5 (quad) and 55 (rep); Mesa still prints the 4.2 names of the reserved r0..r4 and SFU addresses. */
const MAGIC71 = MAGIC42.map((n, i) => (i === 5 ? 'quad' : i === 55 ? 'rep' : n));

/** Everything about one hardware version's instruction encoding. */
export interface V3dIsaTable {
  readonly ver: V3dVersion;
  readonly add: readonly OpRow[];
  readonly mul: readonly OpRow[];
  /** 4.2: add opcodes 249..251 and 253..255 repeat 245..247 with the a unpack in bits 3:2 (Mesa's map_op). */
  readonly addOpcodeFold: readonly (readonly [number, number, number])[];
  readonly signals: readonly (readonly SignalName[] | null)[];
  readonly magic: readonly (string | null)[];
  /** Magic waddrs that exist as names but are reserved on this version (writes the validator rejects). */
  readonly reservedMagic: readonly number[];
}

/** Keys of V3dSignals the signal tables use. */
export type SignalName =
  | 'thrsw' | 'ldunif' | 'ldunifa' | 'ldunifrf' | 'ldunifarf' | 'ldtmu' | 'ldvary' | 'ldvpm' | 'ldtlb' | 'ldtlbu'
  | 'ucb' | 'rotate' | 'wrtmuc' | 'smallImmA' | 'smallImmB' | 'smallImmC' | 'smallImmD';

/** Signals that write the address held in the cond field (V3D >= 4.1). */
export const ADDRESS_SIGNALS = ['ldunifrf', 'ldunifarf', 'ldvary', 'ldtmu', 'ldtlb', 'ldtlbu'] as const satisfies readonly SignalName[];

/** Order in which Mesa prints signals; the address-writing ones get `.dst`. ucb/rotate are printed by qpuc only (Mesa prints nothing, quirk 15.7). */
export const SIGNAL_PRINT_ORDER = [
  'thrsw', 'ldvary', 'ldvpm', 'ldtmu', 'ldtlb', 'ldtlbu', 'ldunif', 'ldunifrf', 'ldunifa', 'ldunifarf', 'wrtmuc', 'ucb', 'rotate',
] as const satisfies readonly SignalName[];

/** The V3D 4.2 (Pi 4, vc6) description. */
export const V3D42: V3dIsaTable = {
  ver: 42, add: ADD42, mul: MUL42, addOpcodeFold: [[249, 251, 245], [253, 255, 245]],
  signals: SIGS42, magic: MAGIC42, reservedMagic: [],
};

/** The V3D 7.1 (Pi 5, vc7) description. */
export const V3D71: V3dIsaTable = {
  ver: 71, add: ADD71, mul: MUL71, addOpcodeFold: [],
  signals: SIGS71, magic: MAGIC71, reservedMagic: [0, 1, 2, 3, 4, 19, 20, 21, 22, 23, 24],
};

/** The table of a version. */
export function isaTable(ver: V3dVersion): V3dIsaTable {
  return ver === 42 ? V3D42 : V3D71;
}

/** Every add op name of either version (derived from the tables). */
export type V3dAddOp = (typeof ADD42)[number]['op'] | (typeof ADD71)[number]['op'];
/** Every mul op name of either version (derived from the tables). */
export type V3dMulOp = (typeof MUL42)[number]['op'] | (typeof MUL71)[number]['op'];

/** f32 unpack codes (notes section 7); code 1 is "none". */
export const F32_UNPACK = ['abs', 'none', 'l', 'h', 'sat', 'nsat', 'max0'] as const;
/** f16x2 unpack codes. */
export const F16_UNPACK = ['none', 'ff', 'll', 'hh', 'swp'] as const;
/** int32 unpack codes (7.1 mov). */
export const I32_UNPACK = ['none', 'ul', 'uh', 'il', 'ih'] as const;
/** f32 output pack codes. */
export const PACKS = ['none', 'l', 'h'] as const;
/** Conditions by index in the cond field. */
export const CONDS = ['ifa', 'ifb', 'ifna', 'ifnb'] as const;
/** Push flags by code (1..3; 0 = none). */
export const PUSH_FLAGS = [null, 'pushz', 'pushn', 'pushc'] as const;
/** Update flags by index (cond code - 4). */
export const UPDATE_FLAGS = ['andz', 'andnz', 'nornz', 'norz', 'andn', 'andnn', 'nornn', 'norn', 'andc', 'andnc', 'nornc', 'norc'] as const;
/** Branch conditions by field value; 1 is reserved (Mesa decodes it as always, quirk 15.4; qpuc rejects it). */
export const BRANCH_CONDS = ['always', null, 'a0', 'na0', 'alla', 'anyna', 'anya', 'allna'] as const;
/** Branch destination kinds by field value (bdi, bdu). */
export const BRANCH_DESTS = ['abs', 'rel', 'link', 'reg'] as const;
/** msfign by field value; 3 is invalid. */
export const MSFIGNS = ['none', 'p', 'q'] as const;

/** Which unpack code table an op's inputs use. */
export type UnpackKind = 'f32' | 'f16x2' | 'int32' | 'none';

/** Selector bits that hold modifiers rather than choose the op (cleared before matching `sel`). */
export function selectorModMask(row: OpRow, ver: V3dVersion): number {
  switch (row.mods) {
    case 'round42':
      return row.pack ? 0b11 : 0;
    case 'cvt':
      return 0b11;
    case 'round71':
      return row.pack ? 0b1111 : 0b1100;
    case 'fmov71':
      return 0b11111;
    case 'mov71':
      return 0b11100;
    case 'fmov42':
      return ver === 42 ? 0b111 : 0;
    default:
      return 0;
  }
}

/** The unpack code table of an op's input a (b uses f32 only for f32ab/fmul/vfpack). */
export function unpackKind(row: OpRow): UnpackKind {
  switch (row.mods) {
    case 'f32ab': case 'f32ab_np': case 'fmul': case 'vfpack': case 'round42': case 'round71': case 'fmov42': case 'fmov71':
      return 'f32';
    case 'f16a':
      return 'f16x2';
    case 'mov71':
      return 'int32';
    default:
      return 'none';
  }
}

/** What other layers need to know about one op on one version. */
export interface V3dOpInfo {
  readonly name: string;
  /** Number of source operands (0..2). */
  readonly numSrc: 0 | 1 | 2;
  /** Whether the op writes its waddr (false for nop, stvpm*, setnnmode_*). */
  readonly hasDestination: boolean;
  /** Unpack codes input a accepts ('none': no unpack). */
  readonly inputKind: UnpackKind;
  /** Whether input b takes an f32 unpack (two-source float ops). */
  readonly bUnpack: boolean;
  /** Whether the op has an f32 output pack (.l / .h). */
  readonly hasPack: boolean;
  /** For stvpm*: the waddr value that selects the op. */
  readonly waddrSelect?: number;
  /** The table row. */
  readonly row: OpRow;
}

const infoCache = new Map<string, V3dOpInfo | undefined>();

function opInfo(rows: readonly OpRow[], name: string, key: string): V3dOpInfo | undefined {
  if (infoCache.has(key)) return infoCache.get(key);
  const row = rows.find((r) => r.op === name);
  let info: V3dOpInfo | undefined;
  if (row) {
    const numSrc = row.args.includes('b') ? 2 : row.args.includes('a') ? 1 : 0;
    const m = row.mods ?? 'none';
    info = {
      name, numSrc, hasDestination: row.args.includes('d'), inputKind: unpackKind(row),
      bUnpack: m === 'f32ab' || m === 'f32ab_np' || m === 'fmul' || m === 'vfpack',
      hasPack: m === 'f32ab' || m === 'fmul' || m === 'fmov42' || m === 'fmov71' || m === 'cvt' || !!row.pack,
      ...(row.waddr !== undefined ? { waddrSelect: row.waddr } : {}),
      row,
    };
  }
  infoCache.set(key, info);
  return info;
}

/** Metadata of add op `name` on `ver`, or undefined if the version has no such add op. */
export function addOpInfo(name: string, ver: V3dVersion): V3dOpInfo | undefined {
  return opInfo(isaTable(ver).add, name, `a${ver}${name}`);
}

/** Metadata of mul op `name` on `ver`, or undefined if the version has no such mul op. */
export function mulOpInfo(name: string, ver: V3dVersion): V3dOpInfo | undefined {
  return opInfo(isaTable(ver).mul, name, `m${ver}${name}`);
}

/**
 * What a magic write address reaches, by waddr (the same addresses on 4.2
 * and 7.1; 7.1 reserves the accumulator and legacy SFU ones, see
 * `reservedMagic`). Rule 12 of the semantics notes counts these classes as
 * peripherals: one per instruction.
 */
export type MagicRole = 'accumulator' | 'nop' | 'tlb' | 'unifa' | 'tmul' | 'tmu' | 'tmuc' | 'vpm' | 'sync' | 'sfu' | 'rep';

const ROLE_OF_NAME: Readonly<Record<string, MagicRole>> = {
  r0: 'accumulator', r1: 'accumulator', r2: 'accumulator', r3: 'accumulator', r4: 'accumulator', r5: 'accumulator',
  '-': 'nop', tlb: 'tlb', tlbu: 'tlb', unifa: 'unifa', tmul: 'tmul', tmud: 'tmu', tmua: 'tmu', tmuau: 'tmu',
  vpm: 'vpm', vpmu: 'vpm', sync: 'sync', syncu: 'sync', syncb: 'sync',
  recip: 'sfu', rsqrt: 'sfu', exp: 'sfu', log: 'sfu', sin: 'sfu', rsqrt2: 'sfu',
  tmuc: 'tmuc', tmus: 'tmu', tmut: 'tmu', tmur: 'tmu', tmui: 'tmu', tmub: 'tmu', tmudref: 'tmu', tmuoff: 'tmu', tmuscm: 'tmu',
  tmusf: 'tmu', tmuslod: 'tmu', tmuhs: 'tmu', tmuhscm: 'tmu', tmuhsf: 'tmu', tmuhslod: 'tmu', r5rep: 'rep',
};

/** The role of magic write address `waddr` (undefined: no such address). */
export function magicRole(waddr: number): MagicRole | undefined {
  const name = MAGIC42[waddr];
  return name === undefined || name === null ? undefined : ROLE_OF_NAME[name];
}

/** Whether a magic write to `waddr` starts or feeds a TMU lookup (tmuc config included, tmul not: Mesa's v3d_qpu_magic_waddr_is_tmu). */
export function isTmuWaddr(waddr: number): boolean {
  const r = magicRole(waddr);
  return r === 'tmu' || r === 'tmuc';
}

/**
 * Op classes beyond plain ALU ops: 'sfu' ops use the special-function unit
 * (the op forms of recip … sin, and the 7.1 lane ops that run through it),
 * 'vpm' ops access the VPM. Both count as a peripheral access (rule 12).
 */
export const OP_CLASS: Readonly<Record<string, 'sfu' | 'vpm'>> = {
  recip: 'sfu', rsqrt: 'sfu', exp: 'sfu', log: 'sfu', sin: 'sfu', rsqrt2: 'sfu',
  ballot: 'sfu', bcastf: 'sfu', alleq: 'sfu', allfeq: 'sfu', rotq: 'sfu', rot: 'sfu', shuffle: 'sfu',
  vpmsetup: 'vpm', ldvpmv_in: 'vpm', ldvpmv_out: 'vpm', ldvpmd_in: 'vpm', ldvpmd_out: 'vpm', ldvpmp: 'vpm',
  ldvpmg_in: 'vpm', ldvpmg_out: 'vpm', stvpmv: 'vpm', stvpmd: 'vpm', stvpmp: 'vpm',
};

/** Instructions from an SFU-class op (or a magic SFU write) to the first that may read its result (Mesa's scheduler: 2). */
export const SFU_RESULT_LATENCY = 2;

const namesOf = (rows: readonly OpRow[]) => new Set(rows.map((r) => r.op));
const ADD_ANY = new Set([...namesOf(ADD42), ...namesOf(ADD71)]);

/** Ops only the mul ALU has, on both versions (derived from the op rows). */
export const MUL_ONLY_OPS: ReadonlySet<string> = new Set([...namesOf(MUL42)].filter((o) => namesOf(MUL71).has(o) && !ADD_ANY.has(o)));

/** Ops both ALUs have on both versions (derived from the op rows). */
export const BOTH_ALU_OPS: ReadonlySet<string> = new Set(
  [...namesOf(MUL42)].filter((o) => namesOf(MUL71).has(o) && namesOf(ADD42).has(o) && namesOf(ADD71).has(o)),
);
