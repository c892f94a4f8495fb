/**
 * What every backend (one per ISA family) promises the compiler driver and
 * the runtime: the neutral shape of its result, the uniform layout the
 * launchers fill, and the one error type for constructs it cannot translate.
 * Nothing here knows an instruction set.
 */
import type { IrFunction, SourceLoc } from '../ir/types.ts';
import type { IsaFamily, TargetInfo } from '../target/targets.ts';

/** A construct a backend cannot translate (yet); becomes diagnostic QPU5001 at `loc`. */
export class BackendError extends Error {
  constructor(message: string, readonly loc?: SourceLoc) {
    super(message);
  }
}

/**
 * How one word of a uniform stream is filled at launch. The runtime's
 * launchers turn a list of these into the words each QPU (or batch) reads.
 */
export type UniformSlot =
  /** Kernel parameter `index`: its bits, or a pointer's GPU address. */
  | { kind: 'param'; index: number }
  /** A fixed 32-bit word. */
  | { kind: 'const'; value: number }
  /** The number of QPU batches launched. */
  | { kind: 'numQpus' }
  /** Lanes launched in total: batches × 16. */
  | { kind: 'globalCount' }
  /** GPU address of the spill area: `scratchBytesPerThread` bytes per batch, batch k at k times that. */
  | { kind: 'scratch' }
  /** The batch's own number 0…qpus−1, for ISAs that give each QPU its own stream (VC4: a program cannot learn it otherwise). */
  | { kind: 'qpuId' }
  /** Workgroups of the launch's grid along dimension `dim` (0, 1, 2). */
  | { kind: 'numGroups'; dim: number }
  /** GPU address of the launch's workgroup-shared memory: `sharedBytes` per workgroup, workgroup g at g times that. */
  | { kind: 'sharedBase' }
  /** The batch's workgroup index (linear, X fastest), for ISAs with a stream per QPU (VC4). */
  | { kind: 'groupId' }
  /** The batch's first local index: 16 × its place in the workgroup, for ISAs with a stream per QPU (VC4). */
  | { kind: 'localBase' }
  /**
   * VC4: the first of the `rows` VPM store rows the batch owns, `rows` × its place in the job (a job runs at most
   * `DmaStore.storeRows / rows` batches at once: runtime/launchers/vc4.ts). Only kernels whose store rows are
   * more than the target's `DmaStore.rows` have it; the others use rows `rows` × qpu_num.
   */
  | { kind: 'vpmRow'; rows: number };

/** One line of a compiled kernel's listing: the instruction's disassembly and the kernel source position it came from. */
export interface ListingLine {
  text: string;
  loc?: SourceLoc;
}

/** What a backend gives for one kernel: machine code and what the runtime and tools need to know about it. */
export interface BackendOutput {
  /** Instruction words, little-endian, as the GPU fetches them. */
  code: Uint8Array;
  /** Number of 64-bit instructions. */
  instructionCount: number;
  /** What each uniform word holds, in stream order. */
  uniforms: UniformSlot[];
  /** Per instruction: disassembly (in the ISA's assembler syntax) and source position. */
  listing: ListingLine[];
  /** Register-file entries used. */
  registersUsed: number;
  /** Bytes of scratch memory each batch needs for spilled values (0: none). */
  scratchBytesPerThread: number;
}

/**
 * A code generator for one ISA family, as four stages the driver
 * (compiler/backend/index.ts) runs in order on one IR function that went
 * through the target-independent pipeline and the target lowering
 * (passes/pipeline.ts: `lowerForTarget`, so only primitive ops remain):
 *
 * 1. `select`: instruction selection into the backend's machine IR over
 *    virtual registers (`Selected`);
 * 2. `allocate`: register allocation with spilling, and any scheduling that
 *    must come before it (`Allocated`);
 * 3. `schedule`: scheduling, bundling and layout into the ISA's instruction
 *    words, then the ISA's static program checker (`Program`);
 * 4. `emit`: encoding and the listing.
 *
 * Each stage throws BackendError (or RegisterPressureError) for what it
 * cannot translate. The type parameters are the backend's own; the driver
 * only passes each stage's result to the next.
 */
export interface Backend<Selected = unknown, Allocated = unknown, Program = unknown> {
  readonly family: IsaFamily;
  select(ir: IrFunction, target: TargetInfo): Selected;
  allocate(selected: Selected, target: TargetInfo): Allocated;
  schedule(allocated: Allocated, target: TargetInfo): Program;
  emit(program: Program, target: TargetInfo): BackendOutput;
}

/** Runs a backend's four stages on one lowered IR function. */
export function runBackend<S, A, P>(backend: Backend<S, A, P>, ir: IrFunction, target: TargetInfo): BackendOutput {
  return backend.emit(backend.schedule(backend.allocate(backend.select(ir, target), target), target), target);
}
