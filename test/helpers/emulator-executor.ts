/**
 * A differential-test executor that compiles with a real backend and runs the
 * machine code on the emulator through the runtime (opt-in: it exercises the
 * backend, which has its own issue).
 */
import type { DiffArrays, DiffExecutor } from '../../compiler/testing/differential.ts';
import { prepareForBackend, prepareOptionsFor } from '../../compiler/passes/pipeline.ts';
import { printFunction } from '../../compiler/ir/print.ts';
import { parseFunction } from '../../compiler/ir/parse.ts';
import { compileFunction } from '../../compiler/backend/index.ts';
import { Runtime } from '../../runtime/index.ts';
import { TARGETS, type Target } from '../../compiler/target/targets.ts';
import type { IrFunction } from '../../compiler/ir/types.ts';

const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * An executor running on the emulator of `target`. With `threadSwitch` (V3D) every kernel is compiled with the kernel
 * option of that name and the emulator has one QPU, so that a launch's batches share it as two threads that switch
 * (docs/backend-v3d.md, thread switches): accumulators, flags and rtop then do not survive a switch.
 */
export async function emulatorExecutor(target: Target, options: { threadSwitch?: boolean } = {}): Promise<DiffExecutor & { close(): void }> {
  const rt = await Runtime.open({ backend: 'emulator', target, log: () => undefined, ...(options.threadSwitch ? { emulator: { numQpus: 1 } } : {}) });
  const prepare = (ir: IrFunction): IrFunction => {
    const fn = parseFunction(printFunction(ir));
    if (options.threadSwitch) fn.threadSwitch = true;
    return fn;
  };
  return {
    name: `${target} backend on the emulator${options.threadSwitch ? ' (threadSwitch, one QPU)' : ''}`,
    flushesDenormals: true,
    close: () => rt.close(),
    async run(k, arrays: DiffArrays, qpus) {
      const compiled = compileFunction('Gen.k', prepareForBackend(prepare(k.ir), prepareOptionsFor(TARGETS[target])), target);
      const gpu = [rt.alloc(Int32Array, arrays[0].length), rt.alloc(Uint32Array, arrays[1].length), rt.alloc(Float32Array, arrays[2].length), rt.alloc(Int32Array, arrays[3].length), rt.alloc(Float32Array, arrays[4].length),
        ...(arrays[5] ? [rt.alloc(Int32Array, arrays[5].length)] : [])];
      try {
        gpu.forEach((g, i) => bytes(g).set(bytes(arrays[i]!)));
        await rt.launch(compiled, { qpus }, ...gpu);
        arrays.forEach((a, i) => bytes(a).set(bytes(gpu[i]!)));
      } finally {
        for (const g of gpu) rt.free(g);
      }
    },
  };
}
