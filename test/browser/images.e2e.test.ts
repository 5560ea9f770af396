// The image preprocessing gives the same bits in Chromium and Firefox as in Node: a page loads
// dist/ as plain ES modules, reads a PNG through createImageBitmap + toImageInput, runs torchvision's
// default Resize(256) + CenterCrop(224) + Normalize in float32 and float64, and returns SHA-256s
// of the tensors, compared with Node's (readImage, then the same call).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSERS, available, launch } from '../package/browsers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.html': 'text/html', '.png': 'image/png' };

const PAGE = `<!doctype html><meta charset="utf-8">
<script type="importmap">{ "imports": { "fflate": "/node_modules/fflate/esm/browser.js" } }</script>
<script type="module">
import { init, preprocessImages, toImageInput } from '/dist/index.js';
const hex = async (t) => [...new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(t.data.buffer)))]
  .map((b) => b.toString(16).padStart(2, '0')).join('');
window.run = async () => {
  await init();
  const blob = await (await fetch('/test/fixtures/images/land_rgb.png')).blob();
  const img = toImageInput(await createImageBitmap(blob, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' }));
  return { f32: await hex(preprocessImages([img])), f64: await hex(preprocessImages([img], { dtype: 'float64' })) };
};
window.ready = true;
</script>`;

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      return;
    }
    const file = normalize(join(root, path));
    if (!file.startsWith(root)) { res.writeHead(403).end(); return; }
    const body = await readFile(file).catch(() => null); // e.g. the favicon
    if (body) res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    else res.writeHead(404).end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

async function nodeHashes(): Promise<{ f32: string; f64: string }> {
  const { init, preprocessImages } = await import('../../dist/index.js');
  const { readImage } = await import('../../dist/node.js');
  await init();
  const img = await readImage(join(root, 'test/fixtures/images/land_rgb.png'));
  const hex = (t: { data: Float32Array | Float64Array | Int32Array }) => createHash('sha256').update(new Uint8Array(t.data.buffer)).digest('hex');
  return { f32: hex(preprocessImages([img])), f64: hex(preprocessImages([img], { dtype: 'float64' })) };
}

describe('image preprocessing: the same bits in browsers as in Node', () => {
  for (const spec of BROWSERS) {
    it.skipIf(!available(spec))(spec.name, async () => {
      const want = await nodeHashes();
      const browser = await launch(spec);
      try {
        const page = await browser.newPage();
        await page.goto(base);
        await page.waitForFunction('window.ready === true');
        const got = await page.evaluate('window.run()');
        expect(got).toEqual(want);
      } finally {
        await browser.close();
      }
    });
  }
});
