/** Entry point of the `qpuc` command line. */
import { CliError, UsageError, type CliIo, useColor } from './command.ts';
import { COMMANDS } from './commands/index.ts';
import { QPUC_VERSION } from '../compiler/version.ts';
import { EXIT_FILE, isSystemError, reasonOf } from './fs.ts';
import { RuntimeError } from '../runtime/errors.ts';

const stdio: CliIo = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  color: useColor(process.stderr),
};

/** Help topics besides the commands. */
const TOPICS: Record<string, { summary: string; text: () => Promise<string> }> = {
  language: { summary: 'the kernel language on one screen', text: async () => (await import('./help/language.ts')).LANGUAGE_HELP },
};

/** Top-level usage text. */
export function usage(): string {
  const width = Math.max(...[...Object.keys(COMMANDS), ...Object.keys(TOPICS).map((n) => `help ${n}`), 'help COMMAND'].map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`);
  const topics = Object.entries(TOPICS).map(([n, c]) => `  ${`help ${n}`.padEnd(width)}  ${c.summary}`);
  return (
    `usage: qpuc <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nhelp:\n${topics.join('\n')}\n  ${'help COMMAND'.padEnd(width)}  ` +
    `a command's options (also 'qpuc COMMAND --help')\n  ${'--version'.padEnd(width)}  the version of qpuc\n`
  );
}

/** `qpuc help [TOPIC | COMMAND]`. */
async function help(topic: string | undefined, io: CliIo): Promise<number> {
  if (topic === undefined) {
    io.out(usage());
    return 0;
  }
  const t = TOPICS[topic];
  if (t) {
    io.out(await t.text());
    return 0;
  }
  const c = COMMANDS[topic];
  if (c) {
    io.out((await c.load()).usage);
    return 0;
  }
  io.err(`qpuc help: no help on '${topic}' (topics: ${[...Object.keys(TOPICS), ...Object.keys(COMMANDS)].join(', ')})\n`);
  return 2;
}

/** Run the CLI with `argv` (without node and script); resolves to the process exit code. */
export async function main(argv: string[], io: CliIo = stdio): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    (name === undefined ? io.err : io.out)(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === 'help') return help(args[0], io);
  if (name === '--version' || name === '-v') {
    io.out(`qpuc ${QPUC_VERSION}\n`);
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
