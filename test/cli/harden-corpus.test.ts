/**
 * The hardening corpus (test/fixtures/harden/cases.json): inputs that once
 * crashed, hung or misbehaved, each with the exit code and error text it must
 * give now — never a stack trace or an internal error.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main.ts';
import { pathologicalKernel } from '../helpers/pathological.ts';

interface Case {
  name: string;
  argv: string[];
  exit: number;
  stderr?: string;
  stdout?: string;
  generate?: { file: string; shape: string; n: number };
  bytes?: { file: string; fill: number; length: number };
  files?: string[];
}

const here = new URL('../fixtures/harden/', import.meta.url).pathname.replace(/\/$/, '');
const cases = JSON.parse(readFileSync(join(here, 'cases.json'), 'utf8')) as Case[];

test('the corpus covers the issue-17 cases', (t) => {
  t.true(cases.length >= 25, `${cases.length} cases`);
});

for (const c of cases) {
  test(`harden: ${c.name}`, async (t) => {
    const tmp = mkdtempSync(join(tmpdir(), 'qpuc-harden-'));
    t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
    if (c.generate) writeFileSync(join(tmp, c.generate.file), pathologicalKernel(c.generate.shape, c.generate.n));
    if (c.bytes) writeFileSync(join(tmp, c.bytes.file), Buffer.alloc(c.bytes.length, c.bytes.fill));
    for (const f of c.files ?? []) t.true(readFileSync(join(here, f)).length > 0);
    const argv = c.argv.map((a) => a.replaceAll('{tmp}', tmp).replaceAll('{here}', here));
    let out = '';
    let err = '';
    const code = await main(argv, { out: (s) => void (out += s), err: (s) => void (err += s) });
    t.is(code, c.exit, err);
    if (c.stderr) t.regex(err, new RegExp(c.stderr, 'm'));
    if (c.stdout) t.regex(out, new RegExp(c.stdout, 'm'));
    t.notRegex(err, /^\s+at /m, 'no stack trace');
    t.notRegex(err, /internal (compiler )?error|QPU9001/, 'no internal error');
  });
}
