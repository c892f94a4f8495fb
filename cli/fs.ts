/**
 * File-system access for the commands: every failure becomes one line naming
 * the file and the reason, with the README's exit code 2 (a file that cannot
 * be read or written), never a Node stack.
 */
import { mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CliError } from './command.ts';

/** Exit code of a file that cannot be read or written (README exit-code table). */
export const EXIT_FILE = 2;

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory',
  ENOTDIR: 'a component of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EEXIST: 'exists and is not a directory',
  ENAMETOOLONG: 'name too long',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  EINVAL: 'invalid argument',
  EIO: 'input/output error',
  EBUSY: 'busy',
  ETXTBSY: 'busy',
  EFBIG: 'file too large',
};

/** Whether `e` is a Node system error (has a string `code` such as 'ENOENT'). */
export function isSystemError(e: unknown): e is NodeJS.ErrnoException & { code: string } {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && /^E[A-Z]+$/.test((e as NodeJS.ErrnoException).code as string);
}

/** The reason of a system error in words ('is a directory'), or its message. */
export function reasonOf(e: unknown): string {
  if (isSystemError(e)) return REASONS[e.code] ?? `${e.code}`;
  if (e instanceof RangeError) return 'file too large';
  return e instanceof Error ? e.message : String(e);
}

/** A one-line CLI error: `qpuc CMD: cannot VERB 'PATH': reason`. */
export function fileError(cmd: string, verb: 'read' | 'write' | 'create directory', path: string, e: unknown): CliError {
  return new CliError(`qpuc ${cmd}: cannot ${verb} '${path}': ${reasonOf(e)}`, EXIT_FILE);
}

/** Reads a regular file (a directory or unreadable file is a CliError). */
export function readInput(cmd: string, path: string): Buffer;
export function readInput(cmd: string, path: string, encoding: 'utf8'): string;
export function readInput(cmd: string, path: string, encoding?: 'utf8'): Buffer | string {
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    return encoding ? readFileSync(path, encoding) : readFileSync(path);
  } catch (e) {
    throw fileError(cmd, 'read', path, e);
  }
}

/**
 * `mkdir -p` one level at a time. (Node's recursive mkdirSync loops forever
 * on some paths, `/proc/x` for one.)
 */
export function ensureDir(cmd: string, dir: string): void {
  const abs = resolve(dir);
  const missing: string[] = [];
  for (let d = abs; ; d = dirname(d)) {
    let st;
    try {
      st = statSync(d);
    } catch (e) {
      if (isSystemError(e) && e.code === 'ENOENT' && dirname(d) !== d) {
        missing.push(d);
        continue;
      }
      throw fileError(cmd, 'create directory', dir, e);
    }
    if (!st.isDirectory()) throw fileError(cmd, 'create directory', dir, Object.assign(new Error(''), { code: d === abs ? 'EEXIST' : 'ENOTDIR' }));
    break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      if (!(isSystemError(e) && e.code === 'EEXIST')) throw fileError(cmd, 'create directory', dir, e);
    }
  }
}

/** Writes a file so that a reader never sees it half-written (temporary file, then rename). */
export function writeOutput(cmd: string, path: string, data: string | Uint8Array, atomic = true): void {
  try {
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) throw Object.assign(new Error(''), { code: 'EISDIR' });
    if (!atomic) {
      writeFileSync(path, data);
      return;
    }
    const tmp = `${path}.tmp-${process.pid}`;
    try {
      writeFileSync(tmp, data);
      renameSync(tmp, path);
    } catch (e) {
      try {
        unlinkSync(tmp);
      } catch {
        // Nothing was written.
      }
      throw e;
    }
  } catch (e) {
    throw fileError(cmd, 'write', path, e);
  }
}
