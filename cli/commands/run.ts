/** `qpuc run HOST.ts [-- args]`: run a TypeScript host program that launches kernels. */
import { statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from '../command.ts';
import { CliError, UsageError, parseArgs } from '../command.ts';
import { fileError } from '../fs.ts';

/** Host programs 'qpuc run' loads: TypeScript or JavaScript modules. */
const PROGRAM_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];

/** esbuild's transform failure: the first message with its location, as one line. */
function esbuildFailure(e: unknown): string | undefined {
  const errors = (e as { errors?: { text?: string; location?: { file?: string; line?: number; column?: number } | null }[] }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  const first = errors[0]!;
  const loc = first.location;
  const where = loc ? `${loc.file ?? ''}:${loc.line ?? 0}:${(loc.column ?? 0) + 1} - ` : '';
  return `${where}error: ${first.text ?? 'syntax error'}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`;
}

const usage = `usage: qpuc run HOST.ts [-- ARGS...]

Runs a TypeScript host program. Its imports (kernels included) are
transpiled by esbuild as they load; Runtime.launch compiles kernels on first
use and caches them. Without a Raspberry Pi GPU the kernels run on the
emulator. ARGS reach the program as process.argv.slice(2).
`;

export const command: Command = {
  name: 'run',
  usage,
  async run(args) {
    const p = parseArgs(args, {});
    if (p.positionals.length !== 1) throw new UsageError(p.positionals.length === 0 ? 'missing host program' : 'exactly one host program, please (pass its arguments after --)');
    const file = resolve(p.positionals[0] as string);
    const shown = p.positionals[0] as string;
    try {
      if (statSync(file).isDirectory()) throw new CliError(`qpuc run: cannot run '${shown}': it is a directory (give the host program's .ts file)`, 2);
    } catch (e) {
      if (e instanceof CliError) throw e;
      throw fileError('run', 'read', shown, e);
    }
    if (!PROGRAM_EXTENSIONS.includes(extname(file).toLowerCase())) {
      throw new CliError(`qpuc run: cannot run '${shown}': not a host program (expected a ${PROGRAM_EXTENSIONS.join(' ')} file)`, 2);
    }
    const { KernelCompileError } = await import('../../runtime/kernel-cache.ts');
    const { RuntimeError } = await import('../../runtime/index.ts');
    process.argv = [process.argv[0] as string, file, ...p.rest];
    try {
      await import(pathToFileURL(file).href);
    } catch (e) {
      if (e instanceof KernelCompileError || e instanceof RuntimeError) throw new CliError(e.message, 1);
      // A syntax error in the program (or a module it imports): where, and what; no loader stack.
      const syntax = esbuildFailure(e);
      if (syntax !== undefined) throw new CliError(`qpuc run: ${syntax}`, 1);
      if (e instanceof SyntaxError) throw new CliError(`qpuc run: ${shown}: SyntaxError: ${e.message}`, 1);
      // Anything else is the host program's own failure, reported as node would report it.
      const err = e as { code?: string; message?: string; stack?: string };
      const text = err.code === 'ERR_MODULE_NOT_FOUND' || !err.stack ? String(err.message ?? e) : err.stack;
      throw new CliError(`qpuc run: ${p.positionals[0]} failed: ${text}`, 1);
    }
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  },
};
