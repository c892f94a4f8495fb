/** `qpuc run HOST.ts [--target T] [--backend B] [--json] [-- args]`: run a TypeScript host program that launches kernels. */
import { statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from '../command.ts';
import { CliError, UsageError, optionValue, parseArgs, parseTarget } from '../command.ts';
import { TARGET_NAMES } from '../../compiler/target/targets.ts';
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

const BACKENDS = ['auto', 'hardware', 'emulator', 'reference'] as const;

/** The global through which every copy of the runtime reports launches to `qpuc run --json` (lang/runtime copies may differ). */
export const LAUNCH_OBSERVER = Symbol.for('qpuc.launchObserver');

const usage = `usage: qpuc run HOST.ts [--target ${TARGET_NAMES.join('|')}] [--backend ${BACKENDS.join('|')}] [--json] [-- ARGS...]

Runs a TypeScript (or JavaScript) host program. Its imports (kernels
included) are transpiled by esbuild as they load; Runtime.launch compiles
kernels on first use and caches them (in memory and on disk: 'qpuc cache').
Without a Raspberry Pi GPU the kernels run on the emulator. ARGS reach the
program as process.argv.slice(2).

  --target T    the GPU generation Runtime.open() uses when the program does
                not name one (default: the hardware's, else vc6); also QPUC_TARGET
  --backend B   where kernels run when the program does not say: auto
                (hardware if usable, else the emulator), hardware, emulator or
                reference (the CPU interpreter); also QPUC_BACKEND
  --json        after the program ends, print one line of JSON on standard
                output: every launch with its profile ({ "launches": [...] })

Exit codes: 0 the program ended normally (or its own process.exitCode),
1 a kernel failed to compile or launch or the program threw, 2 bad command line.
`;

export const command: Command = {
  name: 'run',
  usage,
  async run(args, io) {
    const p = parseArgs(args, { target: { flag: false, short: 't' }, backend: { flag: false, short: 'b' }, json: { flag: true } });
    if (p.positionals.length !== 1) throw new UsageError(p.positionals.length === 0 ? 'missing host program' : 'exactly one host program, please (pass its arguments after --)');
    const target = optionValue(p, 'target');
    const backend = optionValue(p, 'backend');
    if (target !== undefined) process.env.QPUC_TARGET = parseTarget(target);
    if (backend !== undefined) {
      if (!(BACKENDS as readonly string[]).includes(backend)) throw new UsageError(`unknown backend '${backend}' (expected ${BACKENDS.join(', ')})`);
      process.env.QPUC_BACKEND = backend;
    }
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
    const launches: unknown[] = [];
    if (p.flags.has('json')) (globalThis as Record<symbol, unknown>)[LAUNCH_OBSERVER] = (r: unknown) => launches.push(r);
    process.argv = [process.argv[0] as string, file, ...p.rest];
    try {
      await import(pathToFileURL(file).href);
    } catch (e) {
      // By name as well as class: the program may use another copy of qpuc (its own node_modules).
      const name = (e as { constructor?: { name?: string } })?.constructor?.name;
      if (e instanceof KernelCompileError || e instanceof RuntimeError || name === 'KernelCompileError' || name === 'RuntimeError') {
        throw new CliError((e as Error).message, 1);
      }
      // A syntax error in the program (or a module it imports): where, and what; no loader stack.
      const syntax = esbuildFailure(e);
      if (syntax !== undefined) throw new CliError(`qpuc run: ${syntax}`, 1);
      if (e instanceof SyntaxError) throw new CliError(`qpuc run: ${shown}: SyntaxError: ${e.message}`, 1);
      // Anything else is the host program's own failure, reported as node would report it.
      const err = e as { code?: string; message?: string; stack?: string };
      const text = err.code === 'ERR_MODULE_NOT_FOUND' || !err.stack ? String(err.message ?? e) : err.stack;
      throw new CliError(`qpuc run: ${p.positionals[0]} failed: ${text}`, 1);
    } finally {
      if (p.flags.has('json')) {
        delete (globalThis as Record<symbol, unknown>)[LAUNCH_OBSERVER];
        io.out(`${JSON.stringify({ launches })}\n`);
      }
    }
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  },
};
