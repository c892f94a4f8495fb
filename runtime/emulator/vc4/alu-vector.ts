/**
 * 16-lane versions of the add and mul ALU ops, working in place on a QPU's
 * register array (one Uint32Array with a Float32Array view of the same
 * memory). Each kernel is built once, at module load, from its op's lane spec
 * in alu.ts (the one definition of the op's numerics), as its own loop so V8
 * keeps every loop monomorphic. The interpreter (compile.ts) runs these; the
 * instruction code generator (codegen.ts) splices the same specs into one
 * function per instruction instead.
 */
import type { Vc4AddOp, Vc4MulOp } from '../../../compiler/isa/vc4/instr.ts';
import { ADD_LANE, LANE_HELPERS, MUL_LANE, VC4_ADD_LANE_SPECS, VC4_MUL_LANE_SPECS, type Vc4LaneSpec } from './alu.ts';

/**
 * An op on 16 lanes: reads words a..a+15 and b..b+15 of R, writes o..o+15.
 * o may equal a or b (each lane is read before it is written) but must not
 * overlap them otherwise. F is a float view of R's buffer.
 */
export type VectorOp = (R: Uint32Array, F: Float32Array, o: number, a: number, b: number) => void;

/** Carry flags of an add op for 16 lanes into C (only needed when the instruction sets flags). */
export type CarryOp = (R: Uint32Array, a: number, b: number, C: Uint8Array) => void;

type LaneFn = (a: number, b: number) => number;

/** Operand declarations of a lane body reading rows at offsets `xa`, `xb`. */
function operands(spec: Vc4LaneSpec): string {
  return `const a = R[xa + i], b = R[xb + i];${spec.float ? ' const fa = F[xa + i], fb = F[xb + i];' : ''}`;
}

function vectorOf(spec: Vc4LaneSpec): VectorOp {
  const src = `return function kernel(R, F, o, xa, xb) {
    for (let i = 0; i < 16; i++) { ${operands(spec)} let r = 0; ${spec.body} R[o + i] = r; } };`;
  return new Function('H', src)(LANE_HELPERS) as VectorOp;
}

function carryOf(spec: Vc4LaneSpec): CarryOp {
  if (!spec.carry) return (_R, _a, _b, C) => { C.fill(0); };
  // Carry of a float op depends on its result, so the body runs here too (this path is the interpreter's, not the hot one).
  const view = spec.float ? 'const F = new Float32Array(R.buffer, R.byteOffset, R.length);' : '';
  const src = `return function carry(R, xa, xb, C) { ${view}
    for (let i = 0; i < 16; i++) { ${operands(spec)} let r = 0; ${spec.body} C[i] = (${spec.carry}) | 0; } };`;
  return new Function('H', src)(LANE_HELPERS) as CarryOp;
}

const build = <T>(specs: Readonly<Record<string, Vc4LaneSpec>>, f: (s: Vc4LaneSpec) => T): Map<string, T> =>
  new Map(Object.entries(specs).map(([k, v]) => [k, f(v)]));

const ADD_KERNELS = build(VC4_ADD_LANE_SPECS, vectorOf);
const MUL_KERNELS = build(VC4_MUL_LANE_SPECS, vectorOf);
const ADD_CARRIES = build(VC4_ADD_LANE_SPECS, carryOf);

/** The per-element function applied to each lane (the scalar build of the same spec). */
function lift(fn: LaneFn): VectorOp {
  return (R, _F, o, a, b) => {
    for (let e = 0; e < 16; e++) R[o + e] = fn(R[a + e] as number, R[b + e] as number);
  };
}

/** The 16-lane kernel of an add op (named as in the ISA table). */
export function addVectorOp(op: Vc4AddOp): VectorOp {
  return ADD_KERNELS.get(op) as VectorOp;
}

/** The 16-lane kernel of a mul op. */
export function mulVectorOp(op: Vc4MulOp): VectorOp {
  return MUL_KERNELS.get(op) as VectorOp;
}

/** The per-element (scalar) function of an add op applied lane by lane. */
export function addLaneOp(op: Vc4AddOp): VectorOp {
  return lift(ADD_LANE[op] as LaneFn);
}

/** The per-element (scalar) function of a mul op applied lane by lane. */
export function mulLaneOp(op: Vc4MulOp): VectorOp {
  return lift(MUL_LANE[op] as LaneFn);
}

/** Carry of an add op per lane. */
export function addCarryOp(op: Vc4AddOp): CarryOp {
  return ADD_CARRIES.get(op) as CarryOp;
}
