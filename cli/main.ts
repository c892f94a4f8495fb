/** Entry point of the `qpuc` command line. */
import { CliError, UsageError, type CliIo } from './command.ts';
import { COMMANDS } from './commands/index.ts';
import { EXIT_FILE, isSystemError, reasonOf } from './fs.ts';
import { RuntimeError } from '../runtime/errors.ts';

const stdio: CliIo = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

/** Top-level usage text. */
export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`);
  return `usage: qpuc <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'qpuc <command> --help' for a command's options.\n`;
}

/** Run the CLI with `argv` (without node and script); resolves to the process exit code. */
export async function main(argv: string[], io: CliIo = stdio): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.err : io.out)(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.out('qpuc 0.1.0\n');
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    io.err(`qpuc: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const command = await entry.load();
  if (args.includes('--help') || args.includes('-h')) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`qpuc ${name}: ${e.message}\n\n${command.usage}`);
      return 2;
    }
    if (e instanceof CliError) {
      io.err(e.message.endsWith('\n') ? e.message : `${e.message}\n`);
      return e.exitCode;
    }
    // A file-system failure no command foresaw is still one line and the README's exit code.
    if (isSystemError(e) && typeof e.path === 'string') {
      io.err(`qpuc ${name}: cannot access '${e.path}': ${reasonOf(e)}\n`);
      return EXIT_FILE;
    }
    // The runtime's errors carry a stable code and a message meant for users.
    if (e instanceof RuntimeError) {
      io.err(`qpuc ${name}: ${e.message}\n`);
      return 1;
    }
    const err = e as Error;
    io.err(`qpuc ${name}: internal error: ${err.message}\n${err.stack ?? ''}\nThis is a bug in qpuc; please report it with the input that caused it.\n`);
    return 70;
  }
}
