/**
 * State of one QPU thread (one 16-lane batch): registers, flags, program
 * counter, uniform streams, TMU queue, pending branch and thread-switch
 * countdowns, and its timing bookkeeping.
 */
import { LaneVec, LANES, type OpContext } from './lanes.ts';
import { ROWS } from './compile.ts';
import { TmuState } from './tmu.ts';
import { V8DOT_INITIAL_MODE } from './alu-ops.ts';
import type { HazardHistory } from './hazards.ts';
import type { CompiledInstr } from './compile.ts';

/** What a thread is doing, for the scheduler. */
export type ThreadStatus = 'run' | 'barrier' | 'done';

/** One QPU thread. */
export class ThreadState implements OpContext {
  /** rf0..rf63 then r0..r5 (4.2), 16 lanes each, row-major. */
  readonly regs = new Uint32Array(ROWS * LANES);
  /** `regs` as f32 and i32 (same bytes), for generated instruction code. */
  readonly regsF = new Float32Array(this.regs.buffer);
  readonly regsI = new Int32Array(this.regs.buffer);
  /** Views of each register row, so that ALU ops read registers without copying. */
  readonly rows: LaneVec[] = Array.from({ length: ROWS }, (_, r) => new LaneVec(this.regs.buffer, r * LANES * 4));
  /** Per row: 1 if it may hold a denormal pattern (not written by a flushing float op). */
  readonly dirty = new Uint8Array(ROWS).fill(1);
  readonly flagA = new Uint8Array(LANES);
  readonly flagB = new Uint8Array(LANES);
  readonly rtop = new Uint32Array(LANES);
  readonly tmu = new TmuState();
  /** Completion times of this thread's lookups in flight (for the TMU queue depth, timing.ts). */
  readonly inflight: number[] = [];
  pc: number;
  /** Main uniform stream address (cfg6 at start). */
  unif: number;
  /** Side uniform stream (`unifa` / `ldunifa`). */
  unifa = 0;
  link = 0;
  /** `setnnmode_*` state for `v8dot` (OpContext.nnMode); CHOICE: a thread starts unsigned x unsigned. */
  nnMode = V8DOT_INITIAL_MODE;
  /** Branch target once the delay slots have run; slots left (0 = none pending). */
  branchTarget = 0;
  branchSlots = 0;
  /** Instructions left before a pending switch or end takes effect (0 = none). */
  thrswSlots = 0;
  thrswEnds = false;
  /** The previous instruction had `thrsw` (back-to-back = last-switch marker). */
  prevThrsw = false;
  /** The last-switch marker was seen: the next `thrsw` ends the thread. */
  lastThrsw = false;
  /** A `syncb` write waits for the next switch to block at the barrier. */
  barrierPending = false;
  status: ThreadStatus = 'run';
  /** Cycle before which the thread cannot continue (TMU data, barrier release). */
  wake = 0;
  /** Why `wake` lies ahead, for the stall breakdown. */
  waitCause: 'tmu' | 'barrier' | 'idle' = 'idle';
  /** Row written by the latest op-form SFU and the cycle its result is ready (timing). */
  sfuRow = -1;
  sfuReady = 0;
  /** The instruction at `pc` when the scheduler last paused this thread (saves a cache lookup). */
  resumeAt: CompiledInstr | undefined = undefined;
  /** The hazard checker's state for this thread (hazards.ts). */
  hazardHistory: HazardHistory | undefined = undefined;
  /** Switches taken (hazard rule 5 and the accumulator poisoning). */
  switches = 0;

  constructor(
    readonly qpu: number,
    readonly slot: number,
    /** Batch number in dispatch order. */
    readonly batch: number,
    /** Supergroup number (barrier scope). */
    readonly supergroup: number,
    codeAddress: number,
    uniformAddress: number,
    readonly exactSfu: boolean,
  ) {
    this.pc = codeAddress;
    this.unif = uniformAddress;
  }

  /** tidx: QPU number in bits 5:2, thread slot in bits 1:0 (notes 1). */
  get tidx(): number {
    return (this.qpu << 2) | this.slot;
  }

  /** Lane `lane` of register row `row`. */
  get(row: number, lane: number): number {
    return this.regs[row * LANES + lane] as number;
  }

  /** A copy of register row `row`. */
  row(row: number): Uint32Array {
    return this.regs.slice(row * LANES, row * LANES + LANES);
  }
}
