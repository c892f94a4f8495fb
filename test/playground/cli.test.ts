// `qpuc playground` on the command line: misuse exits 2 with the usage, a port
// in use and an unwritable --build folder are one line each, and the server
// answers with the site's files and their types.
import test from 'ava';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { main } from '../../cli/main.ts';
import { siteServer } from '../../cli/commands/playground.ts';

async function qpuc(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['playground', ...args], { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

test('misuse of qpuc playground exits 2 with the usage', async (t) => {
  for (const args of [['--port', 'x'], ['--port', '70000'], ['--port', '-1'], ['extra'], ['--build'], ['--build', 'd', '--port', '9000'], ['--bogus']]) {
    const r = await qpuc(...args);
    t.is(r.code, 2, args.join(' '));
    t.regex(r.err, /^qpuc playground: .+\n\nusage: qpuc playground \[--port N\]/, args.join(' '));
  }
  const help = await qpuc('--help');
  t.is(help.code, 0);
  t.regex(help.out, /--build DIR writes the page as a static site/);
});

test('a port in use is one line and exit 1, before anything is built', async (t) => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
  const port = (blocker.address() as AddressInfo).port;
  try {
    const r = await qpuc('--port', String(port));
    t.is(r.code, 1);
    t.is(r.err, `qpuc playground: port ${port} is in use; pick another with --port N (--port 0: any free port)\n`);
  } finally {
    blocker.close();
  }
});

test('a --build folder that cannot be made is one line and exit 2', async (t) => {
  const r = await qpuc('--build', '/proc/self/no-such-dir/site');
  t.is(r.code, 2);
  t.regex(r.err, /^qpuc playground: cannot create directory '\/proc\/self\/no-such-dir\/site': .+\n$/);
});

test('the server sends the files with their types, index.html for /, 404 and 405 otherwise', async (t) => {
  const files = new Map([
    ['index.html', new TextEncoder().encode('<!doctype html>')],
    ['app.js', new TextEncoder().encode('export {};')],
  ]);
  const server = siteServer(files);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const root = await fetch(`${base}/`);
    t.is(root.status, 200);
    t.is(root.headers.get('content-type'), 'text/html; charset=utf-8');
    t.is(await root.text(), '<!doctype html>');
    const js = await fetch(`${base}/app.js?v=1`);
    t.is(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    t.is(await js.text(), 'export {};');
    t.is((await fetch(`${base}/../package.json`)).status, 404);
    t.is((await fetch(`${base}/nope.js`)).status, 404);
    t.is((await fetch(`${base}/app.js`, { method: 'POST' })).status, 405);
  } finally {
    server.close();
  }
});
