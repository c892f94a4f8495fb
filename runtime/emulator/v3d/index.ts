/**
 * The VC6 (V3D 4.2, Pi 4) / VC7 (V3D 7.1, Pi 5) emulator: run SUBMIT_CSD jobs
 * on emulated GPU memory with a hazard checker and a timing model.
 *
 * - {@link runCsd}: one job from the seven cfg words (the `qpuc sim` engine).
 * - {@link V3dEmulatorDevice}: the runtime `Device` backed by it.
 */
export { runCsd, DEFAULT_MAX_CYCLES, type EmulatorResult, type RunCsdOptions } from './run.ts';
export { CycleLimitError } from '../../errors.ts';
export { V3dEmulatorDevice, type V3dEmulatorOptions } from './device.ts';
export { HazardChecker, HazardError, type HazardMode, type SourceMap } from './hazards.ts';
export { ExecutionError } from './qpu.ts';
export { UnsupportedInstrError } from './compile.ts';
export { decodeCsd, batchPayload, type CsdConfig, type CsdParams } from './dispatch.ts';
export { FLUSH_DENORMALS, SFU_MANTISSA_BITS } from './numerics.ts';
export { ISSUE_CYCLES, TMU_LATENCY, READ_BYTES_PER_CYCLE, WRITE_BYTES_PER_CYCLE, TMU_QUEUE_DEPTH, SFU_LATENCY, DEFAULT_CLOCK_HZ } from './timing.ts';
export { GpuMemory, MemoryFaultError, type MemoryRegion } from '../memory.ts';
