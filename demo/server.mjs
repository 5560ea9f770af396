#!/usr/bin/env node
// The demo's static server: no dependencies, cross-origin isolated (COOP/COEP) so a future
// threads build can share wasm memory with workers.
//
//   npm run demo                 # http://localhost:8231/
//   node demo/server.mjs --port 0   # any free port (printed)
//
// URL layout (stable paths the page and the worker import from):
//   /               demo/ (index.html, app.js, worker.js, style.css; the "Bring your own model"
//                   panel: photos.js, photos-worker.js, photos.css)
//   /recap/...      the built package, dist/ (the page imports /recap/index.js)
//   /assets/...     assets/ (the pretrained checkpoint, /assets/shapes-lstm.recap)
//   /vendor/NAME/   the package's browser dependencies from node_modules (fflate, for .npz). The
//                   page loads dist/ unbundled, so the bare imports of those dependencies in
//                   /recap/*.js are rewritten to these paths as they are served (what a bundler
//                   or an import map does for an app).
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Bare module specifiers in dist/ → the URL the demo serves them at. */
const BARE_IMPORTS = { fflate: '/vendor/fflate/esm/browser.js' };
const BARE_RE = new RegExp(`(from\\s*|import\\s*\\(?\\s*)'(${Object.keys(BARE_IMPORTS).join('|')})'`, 'g');

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.map': 'application/json', '.wasm': 'application/wasm',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.ico': 'image/x-icon', '.recap': 'application/octet-stream',
  '.d.ts': 'text/plain; charset=utf-8',
};

/** Headers that make the page cross-origin isolated (SharedArrayBuffer, shared wasm memory). */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * Starts the server. `mounts` maps URL prefixes to directories (longest prefix wins);
 * `isolation: false` leaves out the COOP/COEP headers; `headers` are added to every response
 * (tests: a Content-Security-Policy). Resolves to { server, port, url, close() }.
 */
export function startServer({ port = 8231, host = '127.0.0.1', mounts, isolation = true, headers: extra = {} } = {}) {
  const table = Object.entries(mounts ?? {
    '/recap/': join(root, 'dist'),
    '/vendor/fflate/': join(root, 'node_modules', 'fflate'),
    '/assets/': join(root, 'assets'),
    '/': join(root, 'demo'),
  }).sort((a, b) => b[0].length - a[0].length);

  const server = createServer((req, res) => {
    const headers = { ...(isolation ? ISOLATION_HEADERS : {}), ...extra, 'Cache-Control': 'no-store' };
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400, headers).end('bad request');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, headers).end('method not allowed');
      return;
    }
    const mount = table.find(([prefix]) => pathname.startsWith(prefix));
    if (!mount) {
      res.writeHead(404, headers).end('not found');
      return;
    }
    const [prefix, dir] = mount;
    let file = normalize(join(dir, pathname.slice(prefix.length)));
    if (file !== dir && !file.startsWith(dir + sep)) {
      res.writeHead(403, headers).end('forbidden');
      return;
    }
    let stat;
    try {
      stat = statSync(file);
      if (stat.isDirectory()) {
        file = join(file, 'index.html');
        stat = statSync(file);
      }
    } catch {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end(`not found: ${pathname}`);
      return;
    }
    const type = file.endsWith('.d.ts') ? TYPES['.d.ts'] : TYPES[extname(file)] ?? 'application/octet-stream';
    if (prefix === '/recap/' && file.endsWith('.js')) {
      const body = Buffer.from(readFileSync(file, 'utf8').replace(BARE_RE, (_, head, name) => `${head}'${BARE_IMPORTS[name]}'`));
      res.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': stat.size });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });

  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const actual = server.address().port;
      resolvePromise({
        server, port: actual, url: `http://localhost:${actual}/`,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--port');
  const port = Number(i > 0 ? process.argv[i + 1] : process.env.PORT ?? 8231);
  try {
    statSync(join(root, 'dist', 'index.js'));
  } catch {
    console.error('recap demo: dist/index.js is missing; run `npm run build` first');
    process.exit(1);
  }
  const { url } = await startServer({ port });
  console.log(`recap demo: ${url}  (Ctrl-C to stop)`);
}
