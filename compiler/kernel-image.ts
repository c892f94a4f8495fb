/**
 * A compiled kernel as data: what `qpuc compile` writes next to the machine
 * code (`NAME.TARGET.json`), what the on-disk compile cache keeps, and what
 * the runtime launches. Everything but the IR, so a Pi can launch a
 * precompiled kernel without the compiler (or ts-morph) installed.
 */
import type { CompiledKernel } from './backend/index.ts';
import type { UniformSlot } from './backend/contract.ts';
import type { ConstTable, SourceLoc } from './ir/types.ts';

/** A compiled kernel without its IR: enough to launch it and to name source lines in reports. */
export type KernelImage = Omit<CompiledKernel, 'ir'> & { ir?: CompiledKernel['ir'] };

/** Parameters the caller passes: all but the hidden ones at the end (constant tables, the private buffer) that the runtime supplies. */
export function userParamCount(k: { params: readonly unknown[]; tables?: readonly unknown[]; privateWords?: number }): number {
  return k.params.length - (k.tables?.length ?? 0) - (k.privateWords ? 1 : 0);
}

/** Version of the JSON layout below; a reader refuses other versions with a clear message. */
export const KERNEL_IMAGE_FORMAT = 1;

/** The JSON form of a {@link KernelImage}. Machine code is inline (base64) or in a file beside it. */
export interface KernelImageJson {
  format: number;
  kernel: string;
  target: string;
  /** Version of qpuc that compiled it. */
  compiler: string;
  instructions: number;
  registers: number;
  scratchBytesPerThread: number;
  usesBarrier: boolean;
  /** Absent in files of qpuc versions before workgroups: false, 16 and 0. */
  usesWorkgroupBarrier?: boolean;
  workgroupSize?: number;
  sharedBytes?: number;
  params: { name: string; type: string }[];
  uniforms: UniformSlot[];
  /** Constant tables the runtime uploads and passes after the caller's arguments (the last parameters). */
  tables?: ConstTable[];
  /** u32 words per work item of the private buffer the runtime allocates and passes last. */
  privateWords?: number;
  /** Machine code, base64; absent when it is in the file named by {@link codeFile}. */
  code?: string;
  /** Machine-code file name, relative to the JSON file. */
  codeFile?: string;
  /** Per instruction: disassembly and kernel source position [file index, line, col]. */
  listing?: { text: string; loc?: [number, number, number] }[];
  /** Source files the listing positions refer to. */
  sources?: string[];
}

/** Serialise a kernel (`codeFile`: name of the file the caller writes the code to; otherwise inline). */
export function kernelImageToJson(k: KernelImage, compilerVersion: string, codeFile?: string): KernelImageJson {
  const sources: string[] = [];
  const fileIndex = (loc: SourceLoc): number => {
    let i = sources.indexOf(loc.file);
    if (i < 0) i = sources.push(loc.file) - 1;
    return i;
  };
  const listing = k.listing.map((l) => (l.loc ? { text: l.text, loc: [fileIndex(l.loc), l.loc.line, l.loc.col] as [number, number, number] } : { text: l.text }));
  return {
    format: KERNEL_IMAGE_FORMAT,
    kernel: k.name,
    target: k.target,
    compiler: compilerVersion,
    instructions: k.instructionCount,
    registers: k.registersUsed,
    scratchBytesPerThread: k.scratchBytesPerThread,
    usesBarrier: k.usesBarrier,
    usesWorkgroupBarrier: k.usesWorkgroupBarrier,
    workgroupSize: k.workgroupSize,
    sharedBytes: k.sharedBytes,
    params: k.params,
    uniforms: k.uniforms,
    ...(k.tables?.length ? { tables: k.tables } : {}),
    ...(k.privateWords ? { privateWords: k.privateWords } : {}),
    ...(codeFile === undefined ? { code: toBase64(k.code) } : { codeFile }),
    listing,
    sources,
  };
}

/** A kernel image JSON that cannot be used; the message says why. */
export class KernelImageError extends Error {}

/**
 * Read a kernel from its JSON form. `code` is the machine code when the JSON
 * names a separate file (the caller reads it). Checks the shape, so a wrong
 * or truncated file is an error, never a wrong launch.
 */
export function kernelImageFromJson(json: unknown, code?: Uint8Array): KernelImage {
  const j = json as Partial<KernelImageJson> | null;
  if (typeof j !== 'object' || j === null || typeof j.kernel !== 'string' || !Array.isArray(j.params) || !Array.isArray(j.uniforms)) {
    throw new KernelImageError('not a qpuc kernel description (expected the .json that qpuc compile writes)');
  }
  if (j.format !== KERNEL_IMAGE_FORMAT) {
    throw new KernelImageError(`kernel description format ${String(j.format)} is not the one this qpuc reads (${KERNEL_IMAGE_FORMAT}); compile the kernel again with this qpuc`);
  }
  if (j.target !== 'vc4' && j.target !== 'vc6' && j.target !== 'vc7') throw new KernelImageError(`unknown target '${String(j.target)}'`);
  const bytes = code ?? (typeof j.code === 'string' ? fromBase64(j.code) : undefined);
  if (!bytes) throw new KernelImageError('the machine code is missing');
  if (bytes.length === 0 || bytes.length % 8 !== 0 || bytes.length / 8 !== j.instructions) {
    throw new KernelImageError(`the machine code is ${bytes.length} bytes, but the description says ${String(j.instructions)} instructions of 8 bytes`);
  }
  const tables = j.tables ?? [];
  if (!Array.isArray(tables) || tables.some((t) => typeof t !== 'object' || t === null || !['f32', 'i32', 'u32'].includes(t.elem) || !Array.isArray(t.values) || t.values.some((x) => typeof x !== 'number'))) {
    throw new KernelImageError('the constant tables are malformed');
  }
  const privateWords = j.privateWords ?? 0;
  if (!Number.isSafeInteger(privateWords) || privateWords < 0) throw new KernelImageError(`privateWords must be a non-negative integer, got ${String(j.privateWords)}`);
  if (tables.length + (privateWords ? 1 : 0) > j.params.length) throw new KernelImageError(`${tables.length} constant tables${privateWords ? ' and a private buffer' : ''} but only ${j.params.length} parameters`);
  const sources = j.sources ?? [];
  const listing = (j.listing ?? []).map((l) => {
    const f = l.loc ? sources[l.loc[0]] : undefined;
    return l.loc && f !== undefined ? { text: l.text, loc: { file: f, line: l.loc[1], col: l.loc[2] } } : { text: l.text };
  });
  return {
    name: j.kernel,
    target: j.target,
    code: bytes,
    instructionCount: bytes.length / 8,
    params: j.params,
    uniforms: j.uniforms,
    listing,
    registersUsed: j.registers ?? 0,
    scratchBytesPerThread: j.scratchBytesPerThread ?? 0,
    usesBarrier: j.usesBarrier ?? false,
    usesWorkgroupBarrier: j.usesWorkgroupBarrier ?? false,
    workgroupSize: j.workgroupSize ?? 16,
    sharedBytes: j.sharedBytes ?? 0,
    ...(tables.length > 0 ? { tables } : {}),
    ...(privateWords ? { privateWords } : {}),
  };
}

// Base64 without Node's Buffer, so this module bundles for a browser.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function toBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] as number;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += ALPHABET[(n >> 18) & 63] as string;
    out += ALPHABET[(n >> 12) & 63] as string;
    out += b === undefined ? '=' : (ALPHABET[(n >> 6) & 63] as string);
    out += c === undefined ? '=' : (ALPHABET[n & 63] as string);
  }
  return out;
}

function fromBase64(text: string): Uint8Array | undefined {
  const clean = text.replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(clean)) return undefined;
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let k = 0;
  for (const ch of clean) {
    acc = (acc << 6) | ALPHABET.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[k++] = (acc >> bits) & 255;
    }
  }
  return out;
}
