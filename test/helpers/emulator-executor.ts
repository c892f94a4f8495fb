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

const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** An executor running on the emulator of `target`. */
export async function emulatorExecutor(target: Target): Promise<DiffExecutor & { close(): void }> {
  const rt = await Runtime.open({ backend: 'emulator', target, log: () => undefined });
  return {
    name: `${target} backend on the emulator`,
    flushesDenormals: true,
    close: () => rt.close(),
    async run(k, arrays: DiffArrays, qpus) {
      const compiled = compileFunction('Gen.k', prepareForBackend(parseFunction(printFunction(k.ir)), prepareOptionsFor(TARGETS[target])), target);
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
