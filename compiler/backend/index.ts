/**
 * The backends' entry point: one lowered IR function in, machine code for a
 * target out. Backends are registered per ISA family (the target table's
 * `family` column); adding a family is one folder and one row in BACKENDS.
 */
import type { ConstTable, IrFunction, IrType, SourceLoc } from '../ir/types.ts';
import { typeText, workgroupSizeOf } from '../ir/types.ts';
import { TARGETS, type IsaFamily, type Target } from '../target/targets.ts';
import { BackendError, runBackend, type Backend, type BackendOutput, type ListingLine, type UniformSlot } from './contract.ts';
import { v3dBackend } from './v3d/index.ts';
import { vc4Backend } from './vc4/index.ts';
import { lowerForTarget } from '../passes/pipeline.ts';

export { BackendError, type Backend, type BackendOutput, type ListingLine, type UniformSlot } from './contract.ts';

/** The code generator of each ISA family that has one. */
const BACKENDS: Partial<Record<IsaFamily, Backend>> = {
  v3d: v3dBackend,
  vc4: vc4Backend,
};

/** One kernel compiled for one target. */
export interface CompiledKernel {
  /** 'Class.method'. */
  name: string;
  target: Target;
  /** Instruction words, little-endian, as the GPU fetches them. */
  code: Uint8Array;
  /** Number of 64-bit instructions. */
  instructionCount: number;
  /** Kernel parameters in order, with their IR types ('u32', 'ptr<f32>'…). */
  params: { name: string; type: string }[];
  /** What each uniform word holds, in stream order. */
  uniforms: UniformSlot[];
  /** Per instruction: disassembly and source position. */
  listing: ListingLine[];
  /** Register-file entries used. */
  registersUsed: number;
  /**
   * Bytes of scratch memory each batch needs for spilled values (0: none).
   * The runtime allocates `scratchBytesPerThread * qpus` bytes per launch and
   * passes the address in the uniform slot of kind 'scratch'.
   */
  scratchBytesPerThread: number;
  /**
   * Whether the kernel has a `qpu.barrier()`: the runtime must then launch all
   * batches in one supergroup (at most 16, all resident), since the hardware
   * barrier only waits for the supergroup.
   */
  usesBarrier: boolean;
  /**
   * Constant tables the kernel indexes at run time: its last `tables.length`
   * parameters point at them; the runtime uploads the values and passes them
   * after the caller's arguments (absent: none).
   */
  tables?: ConstTable[];
  /**
   * u32 words per work item of the private buffer (private arrays kept in
   * memory): when set, the kernel's last parameter points at a buffer of
   * `privateWords × 16 × qpus` words that the runtime allocates.
   */
  privateWords?: number;
  /**
   * Whether the kernel has a `qpu.workgroupBarrier()`: each workgroup's batches
   * wait for each other (V3D: one workgroup per supergroup; VC4: the launcher
   * starts one workgroup at a time).
   */
  usesWorkgroupBarrier: boolean;
  /** Work items per workgroup (the `@kernel` option; 16 by default). */
  workgroupSize: number;
  /** Bytes of `qpu.shared` memory per workgroup; the runtime allocates that times the workgroups of a launch. */
  sharedBytes: number;
  /** The IR after lowering and optimisation (for the reference backend and debugging). */
  ir: IrFunction;
}

/** The backend of `target`'s ISA family, if qpuc has one. */
export function backendFor(target: Target): Backend | undefined {
  return BACKENDS[TARGETS[target].family];
}

/** Whether qpuc can generate code for `target`. */
export function hasBackend(target: Target): boolean {
  return backendFor(target) !== undefined;
}

function firstLoc(ir: IrFunction): SourceLoc | undefined {
  for (const b of ir.blocks) for (const i of b.instrs) if (i.loc) return i.loc;
  return undefined;
}

/** Compile one prepared IR function. Throws BackendError for constructs the backend lacks. */
export function compileFunction(name: string, ir: IrFunction, target: Target): CompiledKernel {
  const backend = backendFor(target);
  if (!backend) {
    const have = (Object.keys(TARGETS) as Target[]).filter(hasBackend).join(', ');
    throw new BackendError(`the ${target} backend is not implemented yet (${have} have one)`);
  }
  let out: BackendOutput;
  try {
    out = runBackend(backend, lowerForTarget(ir, TARGETS[target]), TARGETS[target]);
  } catch (e) {
    // Whole-kernel limits (registers, encodings) have no op of their own: point at the kernel's first statement.
    if (e instanceof BackendError && !e.loc) throw new BackendError(e.message, firstLoc(ir));
    throw e;
  }
  return {
    name,
    target,
    code: out.code,
    instructionCount: out.instructionCount,
    params: ir.params.map((p) => ({ name: p.name, type: typeText(p.value.type as IrType) })),
    uniforms: out.uniforms,
    listing: out.listing,
    registersUsed: out.registersUsed,
    scratchBytesPerThread: out.scratchBytesPerThread,
    usesBarrier: ir.blocks.some((b) => b.instrs.some((i) => i.op === 'barrier' && i.attrs?.['scope'] === undefined)),
    usesWorkgroupBarrier: ir.blocks.some((b) => b.instrs.some((i) => i.op === 'barrier' && i.attrs?.['scope'] === 'workgroup')),
    workgroupSize: workgroupSizeOf(ir),
    sharedBytes: ir.sharedBytes ?? 0,
    ...(ir.tables?.length ? { tables: ir.tables } : {}),
    ...(ir.privateWords ? { privateWords: ir.privateWords } : {}),
    ir,
  };
}
