/**
 * What the playground's worker does with a request: compile the editor's
 * kernel file with the compiler core (ts-morph's parser over one in-memory
 * file) or run a kernel on the emulator of the chosen target. Nothing here
 * touches Node (no file system, no koffi, no `node:` modules), so it runs in
 * a browser's worker (playground/worker.ts) and in Node's tests alike.
 */
import { rng } from '../compiler/testing/rng.ts';
import { compileFile, memoryHost, type CompiledKernel } from '../compiler/compile.ts';
import { codeText } from '../compiler/diagnostics.ts';
import { userParamCount } from '../compiler/kernel-image.ts';
import { TARGETS, isV3dTarget, type Target } from '../compiler/target/targets.ts';
import { decodeInstr } from '../compiler/isa/v3d/decode.ts';
import { decodeVc4 } from '../compiler/isa/vc4/index.ts';
import { launcherFor, uniformWords, type ResolvedArg } from '../runtime/launchers/index.ts';
import { V3dEmulatorDevice } from '../runtime/emulator/v3d/device.ts';
import { Vc4EmulatorDevice } from '../runtime/emulator/vc4/device.ts';
import type { Device, DeviceBuffer, HazardReport } from '../runtime/device.ts';
import { OUTPUT_ROWS, type InputSpec, type PageHazard, type PageKernel, type PageOutput, type Reply, type Request } from './protocol.ts';

/** The editor's file, as the compiler sees it. */
export const KERNEL_FILE = '/playground/kernel.ts';

/** The last compile, reused by a run of the same source and target. */
let last: { source: string; target: Target; kernels: CompiledKernel[]; diagnostics: number } | undefined;

function compile(source: string, target: Target): { kernels: CompiledKernel[]; diagnostics: ReturnType<typeof compileFile>['diagnostics'] } {
  const result = compileFile(KERNEL_FILE, { target, host: memoryHost(new Map([[KERNEL_FILE, source]])) });
  last = { source, target, kernels: result.kernels, diagnostics: result.diagnostics.length };
  return result;
}

/** Instructions of `k` that issue an operation on both ALUs (add and mul), from its machine code. */
export function dualIssued(k: CompiledKernel): number {
  const words = new DataView(k.code.buffer, k.code.byteOffset, k.code.byteLength);
  let n = 0;
  for (let i = 0; i + 8 <= k.code.byteLength; i += 8) {
    const word = words.getBigUint64(i, true);
    try {
      if (isV3dTarget(k.target)) {
        const ins = decodeInstr(word, TARGETS[k.target].version as 42 | 71);
        if (ins.kind === 'alu' && ins.add.op !== 'nop' && ins.mul.op !== 'nop') n++;
      } else {
        const ins = decodeVc4(word);
        if (ins.kind === 'alu' && ins.opAdd !== 'nop' && ins.opMul !== 'nop') n++;
      }
    } catch {
      // A word the decoder does not know counts as single-issue.
    }
  }
  return n;
}

function pageKernel(k: CompiledKernel): PageKernel {
  return {
    name: k.name,
    // Constant tables and the private buffer (the last parameters) are made here, not described by the user.
    params: k.params.slice(0, userParamCount(k)),
    instructionCount: k.instructionCount,
    registersUsed: k.registersUsed,
    listing: k.listing.map((l) => ({ text: l.text, line: l.loc && l.loc.file === KERNEL_FILE ? l.loc.line : 0 })),
    dualIssued: dualIssued(k),
  };
}

/** Element `i` of a buffer filled with `spec`'s pattern (random: a fixed-seed generator, so a link reproduces a run). */
function filler(spec: Extract<InputSpec, { kind: 'buffer' }>, seed: number): (i: number) => number {
  const c = spec.c;
  switch (spec.fill) {
    case 'zero':
      return () => 0;
    case 'const':
      return () => c;
    case 'index':
      return (i) => c * i;
    case 'sin':
      return (i) => c * Math.sin(i);
    case 'random': {
      const next = rng(seed);
      return () => next() * c;
    }
  }
}

const ARRAYS: Record<string, { BYTES_PER_ELEMENT: number; new (b: ArrayBuffer, o: number, n: number): ArrayLike<number> & { [i: number]: number } }> = {
  f32: Float32Array, i32: Int32Array, u32: Uint32Array, i16: Int16Array, u16: Uint16Array, i8: Int8Array, u8: Uint8Array,
};

class InputError extends Error {}

async function run(req: Extract<Request, { kind: 'run' }>): Promise<Reply> {
  const start = performance.now();
  if (!last || last.source !== req.source || last.target !== req.target) compile(req.source, req.target);
  const compiled = last?.kernels.find((k) => k.name === req.kernel);
  if (!compiled) return { kind: 'failed', id: req.id, what: 'run', message: last && last.diagnostics > 0 ? 'the kernel file has errors: fix them first' : `no kernel named ${req.kernel}` };
  if (!Number.isInteger(req.qpus) || req.qpus < 1 || req.qpus > 64) throw new InputError(`QPUs must be a whole number from 1 to 64, got ${req.qpus}`);
  if (compiled.usesBarrier && req.qpus > 16) throw new InputError('a kernel with qpu.barrier() runs on at most 16 QPU batches');
  const target = req.target;
  const device: Device = isV3dTarget(target) ? new V3dEmulatorDevice({ target, hazards: 'warn' }) : new Vc4EmulatorDevice({ hazards: 'warn' });
  try {
    const buffers: DeviceBuffer[] = [];
    const views = new Map<string, { type: string; array: ArrayLike<number> }>();
    const userParams = userParamCount(compiled);
    const args: ResolvedArg[] = compiled.params.map((p, k) => {
      const table = compiled.tables?.[k - userParams];
      if (k >= userParams && !table) {
        // The private buffer of private arrays kept in memory.
        const buf = device.allocate((compiled.privateWords ?? 0) * 16 * req.qpus * 4);
        buffers.push(buf);
        return { kind: 'pointer', address: buf.gpuAddress };
      }
      if (k >= userParams && table) {
        const Ctor = ARRAYS[table.elem]!;
        const buf = device.allocate(table.values.length * Ctor.BYTES_PER_ELEMENT);
        buffers.push(buf);
        const array = new Ctor(buf.bytes.buffer as ArrayBuffer, buf.bytes.byteOffset, table.values.length);
        table.values.forEach((x, i) => (array[i] = x));
        return { kind: 'pointer', address: buf.gpuAddress };
      }
      const spec = req.inputs[p.name];
      if (p.type.startsWith('ptr<')) {
        const elem = p.type.slice(4, -1);
        const Ctor = ARRAYS[elem];
        if (!Ctor) throw new InputError(`parameter ${p.name}: element type ${elem} is not supported here`);
        if (!spec || spec.kind !== 'buffer') throw new InputError(`parameter ${p.name} (${p.type}) needs a buffer size and fill`);
        if (!Number.isInteger(spec.size) || spec.size < 1 || spec.size > 1 << 22) throw new InputError(`parameter ${p.name}: size must be a whole number from 1 to ${1 << 22}, got ${spec.size}`);
        if (!Number.isFinite(spec.c)) throw new InputError(`parameter ${p.name}: the fill's number is not a number`);
        const buf = device.allocate(spec.size * Ctor.BYTES_PER_ELEMENT);
        buffers.push(buf);
        const array = new Ctor(buf.bytes.buffer as ArrayBuffer, buf.bytes.byteOffset, spec.size);
        const f = filler(spec, 0x9e3779b9 ^ (k * 0x85ebca6b));
        for (let i = 0; i < spec.size; i++) array[i] = f(i);
        views.set(p.name, { type: p.type, array });
        return { kind: 'pointer', address: buf.gpuAddress };
      }
      if (!spec || spec.kind !== 'scalar' || !Number.isFinite(spec.value)) throw new InputError(`parameter ${p.name} (${p.type}) needs a number`);
      if (p.type !== 'f32' && !Number.isInteger(spec.value)) throw new InputError(`parameter ${p.name} is ${p.type}: give a whole number, not ${spec.value}`);
      return { kind: 'scalar', type: p.type, value: spec.value };
    });
    const code = device.allocate(compiled.code.length);
    code.bytes.set(compiled.code);
    const lineOf = (address: number): { instruction: number; line: number } => {
      const instruction = (address - code.gpuAddress) / 8;
      const l = Number.isInteger(instruction) ? compiled.listing[instruction] : undefined;
      return l ? { instruction, line: l.loc?.line ?? 0 } : { instruction: -1, line: 0 };
    };
    const map = new Map<number, { file: string; line: number; col: number }>();
    compiled.listing.forEach((l, k) => {
      if (l.loc) map.set(code.gpuAddress + 8 * k, l.loc);
    });
    device.sourceMap = map;
    const scratch = compiled.scratchBytesPerThread > 0 ? device.allocate(compiled.scratchBytesPerThread * req.qpus) : undefined;
    const perQpu = compiled.uniforms.some((s) => s.kind === 'qpuId');
    const result = await launcherFor(target).run(device, {
      codeAddress: code.gpuAddress,
      qpus: req.qpus,
      uniforms: (q) => uniformWords(compiled.uniforms, args, req.qpus, scratch?.gpuAddress, perQpu ? q : 0),
      barrier: compiled.usesBarrier,
      consecutive: !compiled.usesBarrier,
      buffers: [code, ...buffers, ...(scratch ? [scratch] : [])],
      kernel: compiled.name,
    });
    const outputs: PageOutput[] = [...views].map(([name, v]) => ({ name, type: v.type, length: v.array.length, values: Array.from({ length: Math.min(OUTPUT_ROWS, v.array.length) }, (_, i) => v.array[i] as number) }));
    const hazards: PageHazard[] = result.hazards.map((h: HazardReport) => ({ rule: h.rule, severity: h.severity, message: h.message, qpu: h.qpu, ...lineOf(h.address) }));
    const p = result.profile;
    return {
      kind: 'ran', id: req.id, target, kernel: compiled.name, qpus: req.qpus, outputs, hazards, ms: performance.now() - start,
      profile: { cycles: p.cycles, clockHz: p.clockHz, seconds: p.seconds, instructions: p.instructions, bytesRead: p.bytesRead, bytesWritten: p.bytesWritten, flops: p.flops, stalls: p.stalls, perQpuCycles: p.perQpuCycles },
    };
  } finally {
    device.close();
  }
}

function lineInMessage(message: string): number | undefined {
  const m = new RegExp(`${KERNEL_FILE.replace(/\//g, '\\/').replace('.', '\\.')}:(\\d+)`).exec(message);
  return m ? Number(m[1]) : undefined;
}

/** What the user reads: the worker's file name is not theirs. */
const tidy = (message: string): string => message.split(KERNEL_FILE).join('kernel.ts');

/** Answer one request of the page. */
export async function handle(req: Request): Promise<Reply> {
  if (req.kind === 'compile') {
    const start = performance.now();
    const result = compile(req.source, req.target);
    return {
      kind: 'compiled',
      id: req.id,
      target: req.target,
      ms: performance.now() - start,
      kernels: result.kernels.map(pageKernel),
      diagnostics: result.diagnostics.map((d) => ({ code: codeText(d.code), message: tidy(d.message), hint: d.hint, line: d.line, col: d.col, length: d.length })),
    };
  }
  try {
    return await run(req);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const line = lineInMessage(message);
    return { kind: 'failed', id: req.id, what: 'run', message: tidy(message), ...(line !== undefined ? { line } : {}) };
  }
}

