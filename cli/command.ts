/** The shape of a `qpuc` subcommand, and the argument parsing they share. */
import { isTarget, targetList, type Target } from '../compiler/target/targets.ts';

/** A subcommand: `qpuc NAME ...`. */
export interface Command {
  name: string;
  /** Full usage text, printed on misuse (exit 2) and for `qpuc NAME --help`. */
  usage: string;
  /** Run with the arguments after the command name; resolves to the exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}

/** Where a command writes. Tests pass their own. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether `err` may carry ANSI colours (a terminal, no NO_COLOR); default no. */
  color?: boolean;
}

/**
 * Colours only on a terminal: never when NO_COLOR is set (no-color.org) or
 * TERM is 'dumb'; FORCE_COLOR (not '0') asks for them anyway.
 */
export function useColor(stream: { isTTY?: boolean }, env: Record<string, string | undefined> = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** Misuse of the command line: printed with the usage text, exit code 2. */
export class UsageError extends Error {}

/** A user-facing failure (bad input file, failed run): printed without a stack, exit code 1 unless given. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

/** Option spec for {@link parseArgs}: `true` for flags, `false` for options taking a value. */
export type OptionSpec = Record<string, { flag: boolean; short?: string; repeat?: boolean }>;

/** Parsed command line. */
export interface ParsedArgs {
  options: Map<string, string[]>;
  flags: Set<string>;
  positionals: string[];
  /** Arguments after `--`. */
  rest: string[];
}

/** Parse `--name value`, `--name=value`, `-x value` and flags; unknown options are a {@link UsageError}. */
export function parseArgs(args: string[], spec: OptionSpec): ParsedArgs {
  const out: ParsedArgs = { options: new Map(), flags: new Set(), positionals: [], rest: [] };
  const byShort = new Map(Object.entries(spec).filter(([, s]) => s.short).map(([n, s]) => [s.short as string, n]));
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') {
      out.rest = args.slice(i + 1);
      break;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      inline = eq >= 0 ? a.slice(eq + 1) : undefined;
    } else if (a.startsWith('-') && a.length === 2) {
      name = byShort.get(a.slice(1));
      if (!name) throw new UsageError(`unknown option '${a}'`);
    } else {
      out.positionals.push(a);
      continue;
    }
    const s = spec[name];
    if (!s) throw new UsageError(`unknown option '--${name}'`);
    if (s.flag) {
      if (inline !== undefined) throw new UsageError(`option '--${name}' takes no value`);
      out.flags.add(name);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= args.length) throw new UsageError(`option '--${name}' needs a value`);
      value = args[++i] as string;
    }
    const prev = out.options.get(name);
    if (prev && !s.repeat) throw new UsageError(`option '--${name}' given twice`);
    out.options.set(name, [...(prev ?? []), value]);
  }
  return out;
}

/** The single value of an option, or undefined. */
export function optionValue(p: ParsedArgs, name: string): string | undefined {
  return p.options.get(name)?.[0];
}

/** Parse a target name or throw a UsageError. */
export function parseTarget(value: string | undefined, fallback: Target = 'vc6'): Target {
  if (value === undefined) return fallback;
  if (isTarget(value)) return value;
  throw new UsageError(`unknown target '${value}' (expected ${targetList()})`);
}

/** Parse an integer given in decimal or 0x-hex, or throw a UsageError naming the option. */
export function parseInteger(value: string, what: string): number {
  const n = /^0x[0-9a-f]+$/i.test(value) ? parseInt(value, 16) : /^-?\d+$/.test(value) ? parseInt(value, 10) : NaN;
  if (!Number.isSafeInteger(n)) throw new UsageError(`${what}: '${value}' is not an integer`);
  return n;
}

/**
 * Parse a whole number for a count or limit option (`--qpus`, `--max-cycles`):
 * decimal, 0x-hex or an integral exponent form (`1e9`), from `min` to `max`.
 * Zero, negatives, fractions and out-of-range values are a {@link UsageError}.
 */
export function parseCount(value: string, what: string, min: number, max: number): number {
  const text = value.trim();
  const n = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : /^\d+(\.\d+)?(e\+?\d+)?$/i.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${what}: '${value}' is not a whole number from ${min} to ${max}`);
  return n;
}
