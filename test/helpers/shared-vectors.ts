/**
 * Access to the independent test vectors in ../shared/vectors (relative to
 * the repository root; transcribed from Mesa and other projects, never copied
 * into this repository). A missing file is an error that names the path and
 * what to do, never a silent skip: a CI run without the vectors must fail.
 */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The vector directory the tests read (relative to the repository root, where ava runs). */
export const SHARED_VECTORS = '../shared/vectors';

/** Path of one vector file under ../shared/vectors. */
export function sharedVectorPath(name: string): string {
  return `${SHARED_VECTORS}/${name}`;
}

/**
 * Parse one JSON vector file. Throws with the absolute path and the fix when
 * the file is missing, so every test that needs it fails with that message.
 */
export function readSharedVectors<T>(name: string): T {
  const path = sharedVectorPath(name);
  if (!existsSync(path)) {
    throw new Error(
      `test vectors ${path} not found (looked at ${resolve(path)}): check out the shared vectors next to this ` +
        'repository (../shared/vectors) and run the tests from the repository root; these tests do not skip',
    );
  }
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/**
 * Whether vector file `name` is present. When it is not, registers a test
 * that fails with the path and the fix (instead of skipping), and returns
 * false so the caller registers nothing else.
 */
export function haveSharedVectors(name: string): boolean {
  const path = sharedVectorPath(name);
  if (existsSync(path)) return true;
  test(`shared vectors ${name} are present`, (t) => {
    t.fail(
      `${path} not found (looked at ${resolve(path)}): check out the shared vectors next to this repository ` +
        '(../shared/vectors) and run the tests from the repository root; these tests do not skip',
    );
  });
  return false;
}
