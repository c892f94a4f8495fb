/** `qpuc playground [--port N]` serves the playground page; `qpuc playground --build DIR` writes it as a static site. */
import { createServer, type Server } from 'node:http';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Command } from '../command.ts';
import { CliError, UsageError, optionValue, parseArgs, parseCount } from '../command.ts';
import { ensureDir, writeOutput } from '../fs.ts';

/** Port `qpuc playground` listens on unless told. */
export const DEFAULT_PORT = 8090;

const usage = `usage: qpuc playground [--port N]
       qpuc playground --build DIR

Serves the playground on http://127.0.0.1:N/ (default port ${DEFAULT_PORT}; 0 picks
a free one) until Ctrl-C: a page where you edit a kernel file, see its
diagnostics and QPU listing (source lines and instructions mapped both ways),
and run it on the vc4, vc6 or vc7 emulator with its profile drawn as charts.
The compiler and the emulators run in the page: nothing is sent anywhere.

--build DIR writes the page as a static site into DIR (index.html, style.css,
sw.js, app.js, worker.js) for any static web server, and prints its size.

Exit codes: 0 stopped or built, 1 the port is in use or the page's files are
missing, 2 bad command line or DIR cannot be written.
`;

/** The qpuc package folder (the nearest package.json named qpuc above this module). */
function packageRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'qpuc') return dir;
    if (dirname(dir) === dir) throw new CliError('qpuc playground: cannot find the qpuc package folder');
  }
}

/**
 * The site's files: built from playground/ in a source checkout (esbuild and
 * CodeMirror are development dependencies there), else the copy the package
 * build put in dist/playground/.
 */
async function siteFiles(err: (text: string) => void): Promise<Map<string, Uint8Array>> {
  const root = packageRoot();
  const builder = join(root, 'playground', 'build.js');
  if (existsSync(builder)) {
    const start = performance.now();
    const { buildPlayground } = (await import(pathToFileURL(builder).href)) as { buildPlayground(): Promise<Map<string, Uint8Array>> };
    let files: Map<string, Uint8Array>;
    try {
      files = await buildPlayground();
    } catch (e) {
      const first = (e as { errors?: { text: string }[] }).errors?.[0]?.text ?? (e as Error).message;
      throw new CliError(`qpuc playground: building the page failed: ${first}\n(in a checkout of qpuc, run 'npm install' first: the page needs the development dependencies)`);
    }
    err(`qpuc playground: built the page from playground/ in ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
    return files;
  }
  const dist = join(root, 'dist', 'playground');
  if (!existsSync(join(dist, 'index.html'))) throw new CliError(`qpuc playground: the page's files are missing from this qpuc installation (expected ${dist}); reinstall qpuc`);
  return new Map(readdirSync(dist).map((name) => [name, new Uint8Array(readFileSync(join(dist, name)))]));
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  json: 'application/json',
  png: 'image/png',
  svg: 'image/svg+xml',
};

/** A content type by file extension. */
export function contentType(name: string): string {
  return TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
}

/** An HTTP server for `files` (GET and HEAD; `/` is index.html). */
export function siteServer(files: ReadonlyMap<string, Uint8Array>): Server {
  return createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname).replace(/^\/+/, '') || 'index.html';
    const body = files.get(path);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (!body) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`not found: /${path}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': contentType(path), 'content-length': body.length, 'cache-control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
}

const kb = (n: number): string => `${(n / 1024).toFixed(0)} KiB`;

export const command: Command = {
  name: 'playground',
  usage,
  async run(args, io) {
    const p = parseArgs(args, { port: { flag: false, short: 'p' }, build: { flag: false } });
    if (p.positionals.length > 0 || p.rest.length > 0) throw new UsageError(`unexpected argument '${[...p.positionals, ...p.rest][0]}'`);
    const out = optionValue(p, 'build');
    const portText = optionValue(p, 'port');
    if (out !== undefined && portText !== undefined) throw new UsageError('--build writes files and serves nothing: give --port or --build, not both');
    const port = portText === undefined ? DEFAULT_PORT : parseCount(portText, '--port', 0, 65535);
    if (out !== undefined) {
      ensureDir('playground', out);
      const files = await siteFiles(io.err);
      let total = 0;
      let gz = 0;
      const lines: string[] = [];
      for (const [name, data] of files) {
        writeOutput('playground', join(out, name), data);
        const z = gzipSync(data).length;
        total += data.length;
        gz += z;
        lines.push(`  ${name.padEnd(12)} ${kb(data.length).padStart(9)}  (${kb(z)} gzipped)`);
      }
      io.out(`qpuc playground: wrote ${files.size} files to ${out}\n${lines.join('\n')}\n  ${'total'.padEnd(12)} ${kb(total).padStart(9)}  (${kb(gz)} gzipped)\nServe the folder with any static web server; the page needs nothing else.\n`);
      return 0;
    }

    // The port first (a port in use is reported at once), then the page.
    const site = new Map<string, Uint8Array>();
    const server = siteServer(site);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'EADDRINUSE') reject(new CliError(`qpuc playground: port ${port} is in use; pick another with --port N (--port 0: any free port)`));
        else if (e.code === 'EACCES') reject(new CliError(`qpuc playground: not allowed to listen on port ${port}; pick one above 1023 with --port N`));
        else reject(e);
      });
      server.listen(port, '127.0.0.1', () => resolve());
    });
    try {
      for (const [name, data] of await siteFiles(io.err)) site.set(name, data);
    } catch (e) {
      server.close();
      throw e;
    }
    const address = server.address();
    const actual = typeof address === 'object' && address ? address.port : port;
    io.out(`qpuc playground: serving http://127.0.0.1:${actual}/ (Ctrl-C stops it)\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        server.close(() => resolve());
        server.closeAllConnections();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  },
};
