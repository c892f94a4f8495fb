/**
 * 16-lane value buffers the execution core works on. Every register and every
 * ALU operand is one `Uint32Array(16)` with float and int views over the same
 * bytes, so ops never allocate and never box per lane.
 */

/** Lanes per QPU thread (Mesa V3D_CHANNELS). */
export const LANES = 16;

/** One 16-lane value with its three typed views (own storage, or a row of a register array). */
export class LaneVec {
  readonly u: Uint32Array;
  readonly f: Float32Array;
  readonly i: Int32Array;
  constructor(buffer?: ArrayBuffer, byteOffset = 0) {
    const b = buffer ?? new ArrayBuffer(LANES * 4);
    this.u = new Uint32Array(b, byteOffset, LANES);
    this.f = new Float32Array(b, byteOffset, LANES);
    this.i = new Int32Array(b, byteOffset, LANES);
  }
}

/**
 * Operands and result of one ALU (add or mul) for one instruction. `a` and `b`
 * point at the register rows themselves when no unpack, flush or rotate
 * changes the value (no copy), else at the private copies `ca`/`cb`.
 */
export class AluScratch {
  a = new LaneVec();
  b = new LaneVec();
  readonly ca = new LaneVec();
  readonly cb = new LaneVec();
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
  /**
   * 7.1 `v8dot` operand signedness set by `setnnmode_*`: bit 1 = operand a
   * signed, bit 0 = operand b signed (alu-ops.ts, CHOICE).
   */
  nnMode: number;
}
