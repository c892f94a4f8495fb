// The playground in a real browser (Debian's headless Chromium driven by
// playwright-core): the page served by `qpuc playground`, and the static site
// of `qpuc playground --build` behind a plain file server, each go through the
// same steps — an error typed into saxpy shows inline, the fix brings the
// listing back, a source line highlights its instructions and an instruction
// its line, and runs on vc6 and vc4 give the values plain JavaScript computes,
// with the stall chart drawn. Screenshots of every step: test-output/playground/.
import test, { type ExecutionContext } from 'ava';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const root = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const shots = join(root, 'test-output', 'playground');
/** Waits are on conditions; this only bounds them on a loaded machine. */
const WAIT = { timeout: 90_000 };

const saxpySource = readFileSync(join(root, 'kernels/saxpy.ts'), 'utf8');
const bodyText = 'y[i] = a * x[i] + y[i];';
const bodyLine = saxpySource.split('\n').findIndex((l) => l.includes(bodyText)) + 1;
const loopLine = saxpySource.split('\n').findIndex((l) => l.includes('for (let i')) + 1;

let context: BrowserContext | undefined;
let served: { child: ChildProcess; url: string } | undefined;
let staticServer: { server: Server; url: string } | undefined;
const temp = mkdtempSync(join(tmpdir(), 'qpuc-playground-'));

/** `qpuc playground ARGS` as a child process. */
function qpuc(args: string[]): ChildProcess {
  return spawn(process.execPath, [join(root, 'bin/qpuc.js'), 'playground', ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A plain static file server over `dir` (what any web host does: files with their MIME types). */
function fileServer(dir: string): Promise<{ server: Server; url: string }> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = join(dir, path === '/' ? 'index.html' : path.slice(1));
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    resolve({ server, url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/` });
  }));
}

test.before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium; .ci/run does it)`);
  rmSync(shots, { recursive: true, force: true });
  // The static site (`qpuc playground --build DIR`) and the served page (`qpuc playground --port 0`, whose URL
  // is on its standard output) are built at the same time.
  const site = join(temp, 'site');
  const building = new Promise<{ code: number; out: string; err: string }>((resolve) => {
    execFile(process.execPath, [join(root, 'bin/qpuc.js'), 'playground', '--build', site], { cwd: root }, (e, out, err) => resolve({ code: e ? Number(e.code ?? 1) : 0, out, err }));
  });
  const child = qpuc(['--port', '0']);
  const serving = new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += String(d);
      const m = /serving (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.stderr?.on('data', (d: Buffer) => (err += String(d)));
    child.on('exit', (code) => reject(new Error(`qpuc playground exited with ${code}: ${err}`)));
  });
  const built = await building;
  if (built.code !== 0) throw new Error(`qpuc playground --build failed (${built.code}): ${built.err}`);
  staticServer = await fileServer(site);
  const url = await serving;
  served = { child, url };
  context = await chromium.launchPersistentContext(join(temp, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

test.after.always(async () => {
  await context?.close();
  served?.child.kill('SIGTERM');
  staticServer?.server.close();
  rmSync(temp, { recursive: true, force: true });
});

/** The page's state from its URL hash (base64url of JSON), read here independently of the page's code. */
function hashState(hash: string): { target?: string } {
  try {
    return JSON.parse(Buffer.from(hash.slice(1), 'base64url').toString('utf8')) as { target?: string };
  } catch {
    return {};
  }
}

/** Expected saxpy results in plain JavaScript: x[i] = 0.5 i, y[i] = 100 sin(i), a = 2.5, each f32 operation rounded. */
function expectedSaxpy(i: number): { x: number; y: number } {
  const x = Math.fround(0.5 * i);
  const y = Math.fround(100 * Math.sin(i));
  return { x, y: Math.fround(Math.fround(2.5 * x) + y) };
}

/** Run with the inputs set and check the output table and the charts. */
async function runAndCheck(t: ExecutionContext, page: Page, target: string, qpus: number, shot: (name: string) => Promise<void>): Promise<void> {
  await page.click('#run');
  await page.locator('#status', { hasText: `${target} emulator in` }).waitFor(WAIT);
  const table = await page.$$eval('#output tr', (rows) => rows.map((r) => [...r.children].map((c) => c.textContent ?? '')));
  t.deepEqual(table[0], ['i', 'x', 'y'], `${target}: output columns`);
  const rows = table.slice(1);
  t.is(rows.length, 256, `${target}: the first 256 of 300 elements are shown`);
  let wrong = 0;
  rows.forEach((r, i) => {
    const e = expectedSaxpy(i);
    // The table shows each f32 as the shortest decimal that reads back as it.
    if (Number(r[0]) !== i || Math.fround(Number(r[1])) !== e.x || Math.fround(Number(r[2])) !== e.y) wrong++;
  });
  t.is(wrong, 0, `${target}: y = a·x + y as plain JavaScript computes it`);
  const stalls = await page.$$eval('#stalls g.bar', (gs) => gs.map((g) => [g.getAttribute('data-label'), Number(g.getAttribute('data-value'))] as [string, number]));
  t.true(stalls.length > 0 && stalls.every(([, v]) => v > 0), `${target}: stall bars ${JSON.stringify(stalls)}`);
  t.true(stalls.some(([k]) => k === 'tmu'), `${target}: saxpy waits for its TMU loads`);
  t.is(await page.locator('#qpu-cycles g.bar').count(), qpus, `${target}: one bar per QPU`);
  await shot(`run-${target}`);
}

async function scenario(t: ExecutionContext, url: string, name: string, offline: boolean): Promise<void> {
  t.timeout(240_000);
  const page = await (context as BrowserContext).newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  mkdirSync(join(shots, name), { recursive: true });
  let step = 0;
  const shot = async (what: string) => void (await page.screenshot({ path: join(shots, name, `${String(++step).padStart(2, '0')}-${what}.png`) }));
  const start = Date.now();

  await page.goto(url);
  await page.waitForSelector('#listing .lst-row', WAIT);
  t.is(await page.inputValue('#example'), 'kernels/saxpy.ts');
  t.is(await page.inputValue('#target'), 'vc6');
  await shot('loaded');

  // An error typed into the kernel: its code and message appear under the line, the span underlined.
  const body = page.locator('.cm-line', { hasText: bodyText });
  await body.click();
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await page.keyboard.type('let b: i32 = a;');
  // (On a slow machine a compile may start between keystrokes and show a syntax error first: wait for this one.)
  const diag = page.locator('.cm-diag', { hasText: 'QPU2001' });
  await diag.waitFor(WAIT);
  t.is(await page.locator('.cm-diag').count(), 1);
  t.regex((await diag.textContent()) ?? '', /QPU2001: type 'f32' is not assignable to type 'i32' \(10:20\)/);
  t.is(await page.locator('.cm-diag-span').textContent(), 'a');
  t.regex((await page.textContent('#status')) ?? '', /1 error/);
  await shot('diagnostic');

  // The fix: delete what was typed; the diagnostic goes, the listing is there.
  await page.keyboard.press('Shift+Home');
  await page.keyboard.press('Backspace');
  await page.locator('#status', { hasText: /^compiled/ }).waitFor(WAIT);
  t.is(await page.locator('.cm-diag').count(), 0);
  t.true((await page.locator('#listing .lst-row').count()) > 20);
  await shot('fixed');

  // A source line selects its instructions.
  await body.click();
  await page.waitForSelector('#listing .lst-row.hl', WAIT);
  const rows = await page.$$eval('#listing .lst-row', (rs) => rs.map((r) => ({ line: Number(r.getAttribute('data-line')), hl: r.classList.contains('hl'), text: r.querySelector('.asm')?.textContent ?? '' })));
  const lit = rows.filter((r) => r.hl);
  t.deepEqual(rows.filter((r) => r.line === bodyLine).length, lit.length, 'every instruction of the line, and only those');
  t.true(lit.every((r) => r.line === bodyLine));
  t.true(lit.some((r) => /\bfmul\b/.test(r.text)) && lit.some((r) => /\bfadd\b/.test(r.text)), 'a·x + y is a float multiply and add');
  await shot('line-selected');

  // An instruction selects its source line.
  await page.locator(`#listing .lst-row[data-line="${loopLine}"]`).first().click();
  await page.waitForSelector('.cm-line.src-hl', WAIT);
  t.regex((await page.locator('.cm-line.src-hl').textContent()) ?? '', /for \(let i = qpu\.globalId\(\)/);
  await shot('instruction-selected');

  // Inputs: n = 300, a = 2.5, x[i] = 0.5 i, y[i] = 100 sin(i).
  await page.fill('#in-n-value', '300');
  await page.fill('#in-a-value', '2.5');
  await page.fill('#in-x-size', '300');
  await page.selectOption('#in-x-fill', 'index');
  await page.fill('#in-x-c', '0.5');
  await page.fill('#in-y-size', '300');
  await page.selectOption('#in-y-fill', 'sin');
  await page.fill('#in-y-c', '100');
  await runAndCheck(t, page, 'vc6', 8, shot);

  // A run that fails says why, with a link to the line: x shorter than n is read past its end.
  await page.fill('#in-x-size', '100');
  await page.click('#run');
  const failure = page.locator('#run-error');
  await failure.waitFor(WAIT);
  t.regex((await failure.textContent()) ?? '', new RegExp(`out-of-bounds read .* past the end of the 400-byte buffer .* kernel\\.ts:${bodyLine}:\\d+ .*→ line ${bodyLine}`));
  await failure.locator('a').click();
  t.regex((await page.locator('.cm-line.src-hl').textContent()) ?? '', /y\[i\] = a \* x\[i\] \+ y\[i\];/);
  await shot('run-error');
  await page.fill('#in-x-size', '300');

  await page.selectOption('#target', 'vc4');
  await page.locator('#status', { hasText: /^compiled for vc4/ }).waitFor(WAIT);
  t.is(await page.inputValue('#qpus'), '12');
  await runAndCheck(t, page, 'vc4', 12, shot);

  // The URL holds the state: a fresh page from it has the same kernel, target and inputs.
  await page.waitForURL((u) => hashState(u.hash).target === 'vc4', WAIT);
  const again = await (context as BrowserContext).newPage();
  await again.goto(page.url());
  await again.waitForSelector('#listing .lst-row', WAIT);
  t.is(await again.inputValue('#target'), 'vc4');
  t.is(await again.inputValue('#in-a-value'), '2.5');
  t.is(await again.inputValue('#in-y-fill'), 'sin');
  await again.close();

  // Offline once loaded: with the network gone, the page opens again from the service worker's cache, compiles and runs.
  if (offline) {
    t.true(await page.evaluate('navigator.serviceWorker.ready.then(() => true)'));
    await (context as BrowserContext).setOffline(true);
    try {
      const off = await (context as BrowserContext).newPage();
      await off.goto(page.url());
      await off.waitForSelector('#listing .lst-row', WAIT);
      await off.click('#run');
      await off.locator('#status', { hasText: 'vc4 emulator in' }).waitFor(WAIT);
      await off.screenshot({ path: join(shots, name, `${String(++step).padStart(2, '0')}-offline.png`) });
      await off.close();
    } finally {
      await (context as BrowserContext).setOffline(false);
    }
  }

  t.deepEqual(errors, [], 'no uncaught errors in the page');
  t.log(`${name}: ${((Date.now() - start) / 1000).toFixed(1)} s in the browser`);
  await page.close();
}

test.serial('the page from `qpuc playground`: diagnostics, listing, source mapping, runs on vc6 and vc4', async (t) => {
  await scenario(t, (served as { url: string }).url, 'served', false);
});

test.serial('the static site from `qpuc playground --build` on a plain file server passes the same steps, and works offline once loaded', async (t) => {
  await scenario(t, (staticServer as { url: string }).url, 'static', true);
});
