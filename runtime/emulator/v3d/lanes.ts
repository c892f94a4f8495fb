/**
 * 16-lane value buffers the execution core works on. Every register and every
 * ALU operand is one `Uint32Array(16)` with float and int views over the same
 * bytes, so ops never allocate and never box per lane.
 */

/** Lanes per QPU thread (Mesa V3D_CHANNELS). */
export const LANES = 16;

/** One 16-lane value with its three typed views. */
export class LaneVec {
  readonly u = new Uint32Array(LANES);
  readonly f = new Float32Array(this.u.buffer);
  readonly i = new Int32Array(this.u.buffer);
}

/** Operands and result of one ALU (add or mul) for one instruction. */
export class AluScratch {
  readonly a = new LaneVec();
  readonly b = new LaneVec();
  readonly d = new LaneVec();
  /** Carry predicate per lane (flag C), filled only when a flag push/update asks. */
  readonly carry = new Uint8Array(LANES);
}

/** What ALU ops may read of the thread running them. */
export interface OpContext {
  readonly flagA: Uint8Array;
  readonly flagB: Uint8Array;
  /** Hidden multop → umul24 register, per lane. */
  readonly rtop: Uint32Array;
  /** tidx value: QPU number << 2 | thread slot. */
  readonly tidx: number;
  /** Link register (branch address + 32), set by a linking branch. */
  readonly link: number;
  /** SFU results exact (debug) rather than approximated. */
  readonly exactSfu: boolean;
}
