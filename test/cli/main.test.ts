import test from 'ava';
import { main } from '../../cli/main.ts';

function capture() {
  let out = '';
  let err = '';
  return { io: { out: (t: string) => void (out += t), err: (t: string) => void (err += t) }, get out() { return out; }, get err() { return err; } };
}

test('no command prints usage and exits 2', async (t) => {
  const c = capture();
  t.is(await main([], c.io), 2);
  t.regex(c.err, /usage: qpuc <command>/);
});

test('unknown command exits 2 with usage', async (t) => {
  const c = capture();
  t.is(await main(['frobnicate'], c.io), 2);
  t.regex(c.err, /unknown command 'frobnicate'/);
});

test('--version prints the version of package.json (the compile cache key uses the same)', async (t) => {
  const { readFileSync } = await import('node:fs');
  const { spawnSync } = await import('node:child_process');
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const c = capture();
  t.is(await main(['--version'], c.io), 0);
  t.is(c.out, `qpuc ${pkg.version}\n`);
  // The bin answers --version itself, before loading the CLI.
  const r = spawnSync(process.execPath, [new URL('../../bin/qpuc.js', import.meta.url).pathname, '--version'], { encoding: 'utf8' });
  t.is(r.stdout, `qpuc ${pkg.version}\n`);
});
