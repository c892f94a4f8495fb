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
