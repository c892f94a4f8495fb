/**
 * Test helpers: compile a kernel from source text, and run IR on the
 * reference interpreter over typed arrays laid out in one ArrayMemory.
 */
import { loadKernels } from '../../compiler/frontend/index.ts';
import type { KernelModule } from '../../compiler/frontend/index.ts';
import type { IrFunction } from '../../compiler/ir/types.ts';
import { ArrayMemory, interpretKernel } from '../../compiler/ir/interpret.ts';
import { formatDiagnostic } from '../../compiler/diagnostics.ts';

/** Compiles kernel source text (as if it were the file `name`); throws with formatted diagnostics on error. */
export function compileSource(source: string, name = '/virtual/kernel.ts'): KernelModule {
  const m = loadKernels(name, { source });
  if (m.diagnostics.length > 0) throw new Error(m.diagnostics.map((d) => formatDiagnostic(d, m.sources.get(d.file))).join('\n'));
  return m;
}

/** The only kernel of a module. */
export function onlyKernel(m: KernelModule): IrFunction {
  const fns = [...m.kernels.values()];
  if (fns.length !== 1) throw new Error(`expected one kernel, got ${fns.length}`);
  return fns[0]!;
}

type Typed = Float32Array | Int32Array | Uint32Array | Uint8Array | Uint16Array | Int8Array | Int16Array;

/**
 * Runs `fn` with `args`: typed arrays become pointer arguments (copied into a
 * fresh memory and copied back afterwards), numbers stay scalars.
 */
export function runKernel(fn: IrFunction, args: (number | Typed)[], qpus: number): void {
  let size = 0;
  const offsets = args.map((a) => {
    if (typeof a === 'number') return 0;
    const o = size;
    size += Math.ceil(a.byteLength / 16) * 16 + 16;
    return o;
  });
  const base = 0x1000;
  const mem = new ArrayMemory(new ArrayBuffer(size), base);
  const bytes = new Uint8Array(mem.buffer);
  args.forEach((a, i) => typeof a !== 'number' && bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offsets[i]!));
  interpretKernel(fn, args.map((a, i) => (typeof a === 'number' ? a : { address: base + offsets[i]! })), mem, { qpus });
  args.forEach((a, i) => typeof a !== 'number' && new Uint8Array(a.buffer, a.byteOffset, a.byteLength).set(bytes.subarray(offsets[i]!, offsets[i]! + a.byteLength)));
}

/** A deep copy of an IR function (through its text form). */
export { parseFunction } from '../../compiler/ir/parse.ts';
