/** `qpuc run HOST.ts [-- args]`: run a TypeScript host program that launches kernels. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from '../command.ts';
import { CliError, UsageError, parseArgs } from '../command.ts';

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
    if (!existsSync(file)) throw new CliError(`qpuc run: cannot read '${p.positionals[0]}': no such file`, 2);
    const { KernelCompileError } = await import('../../runtime/kernel-cache.ts');
    const { RuntimeError } = await import('../../runtime/index.ts');
    process.argv = [process.argv[0] as string, file, ...p.rest];
    try {
      await import(pathToFileURL(file).href);
    } catch (e) {
      if (e instanceof KernelCompileError || e instanceof RuntimeError) throw new CliError(e.message, 1);
      // Anything else is the host program's own failure, reported as node would report it.
      const err = e as { code?: string; message?: string; stack?: string };
      const text = err.code === 'ERR_MODULE_NOT_FOUND' || !err.stack ? String(err.message ?? e) : err.stack;
      throw new CliError(`qpuc run: ${p.positionals[0]} failed: ${text}`, 1);
    }
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  },
};
