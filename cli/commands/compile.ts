/** `qpuc compile FILE --target vc6 [-o DIR]`: machine code, listing and source map per kernel. */
import { basename, join, resolve } from 'node:path';
import type { Command } from '../command.ts';
import { CliError, UsageError, optionValue, parseArgs, parseTarget } from '../command.ts';
import { formatListing, listingSourceMap } from '../../compiler/listing.ts';
import { kernelImageToJson } from '../../compiler/kernel-image.ts';
import { QPUC_VERSION } from '../../compiler/version.ts';
import { TARGET_NAMES } from '../../compiler/target/targets.ts';
import { hasBackend } from '../../compiler/backend/index.ts';
import type { Target } from '../../compiler/target/targets.ts';
import type { KernelImage } from '../../compiler/kernel-image.ts';
import type { Diagnostic } from '../../compiler/diagnostics.ts';
import { ensureDir, readInput, writeOutput } from '../fs.ts';

/** Targets qpuc generates code for: from the backend registry, so help never lists one that does not work. */
const COMPILABLE = TARGET_NAMES.filter(hasBackend);

const usage = `usage: qpuc compile FILE.ts [--target ${COMPILABLE.join('|')}] [-o DIR] [--kernel Class.method] [--json]

Compiles every @kernel in FILE.ts (or only --kernel) and writes, per kernel,
into DIR (default ./build):
  NAME.TARGET.qpu       machine code (little-endian 64-bit words; 'qpuc disasm' reads it)
  NAME.TARGET.asm       listing: address, instruction, kernel source line
  NAME.TARGET.asm.map   source map from listing lines to the kernel source
  NAME.TARGET.json      parameters, uniform-stream layout and listing: what
                        rt.load('DIR/NAME.TARGET.json') launches (no compiler needed)

--target defaults to vc6 (targets without a code generator yet: ${TARGET_NAMES.filter((t) => !hasBackend(t)).join(', ') || 'none'}).
--json prints one JSON document on standard output instead of text: the
kernels written ({ kernel, target, instructions, registers, files }) and the
diagnostics ({ file, line, col, code, message, hint }).

Exit codes: 0 compiled, 1 the kernel has errors, 2 bad command line or unreadable file.
`;

/**
 * Compile, or take the kernels from the runtime's on-disk cache (the same
 * entries: an unchanged kernel compiles once, whether run or compiled).
 */
async function compileCached(file: string, target: Target, only: string[] | undefined): Promise<{ kernels: KernelImage[]; diagnostics: Diagnostic[] }> {
  const { DiskCache } = await import('../../runtime/disk-cache.ts');
  const cache = DiskCache.open();
  const options = { target };
  const hit = cache?.get(file, options);
  if (hit) return { kernels: only ? hit.kernels.filter((k) => only.includes(k.name)) : hit.kernels, diagnostics: [] };
  const { compileFile } = await import('../../compiler/compile.ts');
  const result = compileFile(file, { target, ...(only ? { only } : {}) });
  // Only a whole file's kernels make an entry (the runtime looks them up by file).
  if (!only && result.diagnostics.length === 0) cache?.put(file, options, result.files ?? [file], result.kernels);
  return result;
}

/** Write a file so that a reader never sees it half-written; a failure is one line and exit 2. */
const writeAtomic = (path: string, data: string | Uint8Array): void => writeOutput('compile', path, data);

export const command: Command = {
  name: 'compile',
  usage,
  async run(args, io) {
    const p = parseArgs(args, { target: { flag: false, short: 't' }, out: { flag: false, short: 'o' }, kernel: { flag: false, repeat: true }, json: { flag: true } });
    const json = p.flags.has('json');
    if (p.positionals.length !== 1) throw new UsageError(p.positionals.length === 0 ? 'missing input file' : 'exactly one input file, please');
    const file = resolve(p.positionals[0] as string);
    const target = parseTarget(optionValue(p, 'target'));
    // Read once up front: a missing, unreadable or directory input is one line and exit 2.
    const source = readInput('compile', file, 'utf8');
    const outDir = resolve(optionValue(p, 'out') ?? 'build');
    const only = p.options.get('kernel');
    const result = await compileCached(file, target, only);
    const { formatDiagnostic, codeText } = await import('../../compiler/diagnostics.ts');
    if (result.diagnostics.length > 0) {
      if (json) {
        const diagnostics = result.diagnostics.map((d) => ({ file: d.file, line: d.line, col: d.col, code: codeText(d.code), message: d.message, hint: d.hint }));
        io.out(`${JSON.stringify({ kernels: [], diagnostics }, null, 2)}\n`);
        return 1;
      }
      for (const d of result.diagnostics) io.err(`${formatDiagnostic(d, d.file === file ? source : undefined, { color: io.color === true })}\n`);
      io.err(`Found ${result.diagnostics.length} error${result.diagnostics.length === 1 ? '' : 's'}.\n`);
      return 1;
    }
    if (only) {
      const missing = only.filter((n) => !result.kernels.some((k) => k.name === n));
      if (missing.length > 0) throw new CliError(`qpuc compile: no @kernel named ${missing.join(', ')} in ${p.positionals[0]}`, 1);
    }
    // Not mkdirSync({ recursive: true }): it never returns for some paths (/proc/x).
    ensureDir('compile', outDir);
    const methodCount = new Map<string, number>();
    for (const k of result.kernels) {
      const m = k.name.split('.').pop() as string;
      methodCount.set(m, (methodCount.get(m) ?? 0) + 1);
    }
    const written: { kernel: string; target: string; instructions: number; registers: number; files: Record<string, string> }[] = [];
    for (const k of result.kernels) {
      const method = k.name.split('.').pop() as string;
      const base = join(outDir, `${(methodCount.get(method) ?? 0) > 1 ? k.name : method}.${k.target}`);
      writeAtomic(`${base}.qpu`, k.code);
      writeAtomic(`${base}.asm`, formatListing(k));
      writeAtomic(`${base}.asm.map`, listingSourceMap(k, `${base}.asm`));
      writeAtomic(`${base}.json`, `${JSON.stringify(kernelImageToJson(k, QPUC_VERSION, basename(`${base}.qpu`)), null, 2)}\n`);
      written.push({ kernel: k.name, target: k.target, instructions: k.instructionCount, registers: k.registersUsed, files: { qpu: `${base}.qpu`, asm: `${base}.asm`, map: `${base}.asm.map`, json: `${base}.json` } });
      if (!json) io.out(`${k.name}: ${base}.qpu (${k.instructionCount} instructions, ${k.registersUsed} registers)\n`);
    }
    if (json) io.out(`${JSON.stringify({ kernels: written, diagnostics: [] }, null, 2)}\n`);
    return 0;
  },
};
