// Packaging: a tiny app that imports 'recap', built by Vite with no configuration at all, loads
// the wasm and computes a loss in Chromium, equal to the same computation in Node.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright';
// @ts-expect-error -- plain JS module without types
import { startServer } from '../../demo/server.mjs';
import { launchChromium } from './chromium.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let dir: string;
let browser: Browser;

// The app: what a user writes after `npm install recap`.
const MAIN_JS = `
import { CaptioningRNN, backend, init, tensor } from 'recap';

await init();
const model = new CaptioningRNN({ wordToIdx: { '<NULL>': 0, '<START>': 1, '<END>': 2, cat: 3, dog: 4 },
  inputDim: 6, wordvecDim: 4, hiddenDim: 5, cellType: 'lstm', seed: 1 });
const features = tensor([[0.1, -0.2, 0.3, 0.4, -0.5, 0.6], [0.6, 0.5, -0.4, 0.3, 0.2, -0.1]]);
const captions = tensor([[1, 3, 4, 2, 0], [1, 4, 2, 0, 0]], undefined, 'int32');
const { loss } = model.loss(features, captions);
window.__recapResult = { loss, backend: backend() };
document.body.textContent = 'loss ' + loss;
`;

beforeAll(async () => {
  // A consumer project with recap installed as npm would lay it out ("files" of package.json).
  dir = mkdtempSync(join(tmpdir(), 'recap-vite-'));
  const pkg = join(dir, 'node_modules', 'recap');
  mkdirSync(pkg, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
  expect(manifest.files).toContain('dist');
  cpSync(join(root, 'dist'), join(pkg, 'dist'), { recursive: true }); // the wasm is embedded in dist
  // npm installs recap's dependencies beside it (fflate for .npz): link the ones this checkout has
  for (const dep of Object.keys(manifest.dependencies ?? {})) {
    mkdirSync(dirname(join(dir, 'node_modules', dep)), { recursive: true }); // a scoped package's @scope/ folder
    symlinkSync(join(root, 'node_modules', dep), join(dir, 'node_modules', dep), 'dir');
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'tiny-app', private: true, type: 'module' }));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html><body><script type="module" src="./main.js"></script></body></html>');
  writeFileSync(join(dir, 'main.js'), MAIN_JS);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('vite build of an app importing recap runs in Chromium with no extra configuration', async () => {
  await build({ root: dir, configFile: false, logLevel: 'warn', build: { outDir: 'out', emptyOutDir: true } });
  const assets = readdirSync(join(dir, 'out', 'assets'));
  const js = assets.filter((f) => f.endsWith('.js'));
  expect(js.length).toBeGreaterThan(0);
  const bundle = js.map((f) => readFileSync(join(dir, 'out', 'assets', f), 'utf8')).join('\n');
  expect(bundle).not.toMatch(/from\s*["']node:/); // no Node built-ins leak into the browser bundle

  // a plain static server: no COOP/COEP headers needed for the single-threaded build
  const server = await startServer({ port: 0, mounts: { '/': join(dir, 'out') }, isolation: false });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    const notes: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.text().startsWith('recap:')) notes.push(m.text()); });
    await page.goto(`http://127.0.0.1:${server.port}/`);
    await page.waitForFunction(() => (window as never as { __recapResult?: unknown }).__recapResult, null, { timeout: 30_000 });
    const result = await page.evaluate(() => (window as never as { __recapResult: { loss: number; backend: string } }).__recapResult);
    expect(errors).toEqual([]);
    expect(result.backend).toBe('simd');
    // not isolated: one thread, and one line that says so and how to get more
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(notes).toEqual(cores > 1 ? [expect.stringMatching(/^recap: 1 thread \(this page is not cross-origin isolated; serve it with COOP\/COEP/)] : []);

    // The same computation in Node with the same built package: the same number, bit for bit.
    const recap = await import(join(root, 'dist', 'index.js'));
    await recap.init();
    const model = new recap.CaptioningRNN({ wordToIdx: { '<NULL>': 0, '<START>': 1, '<END>': 2, cat: 3, dog: 4 },
      inputDim: 6, wordvecDim: 4, hiddenDim: 5, cellType: 'lstm', seed: 1 });
    const { loss } = model.loss(
      recap.tensor([[0.1, -0.2, 0.3, 0.4, -0.5, 0.6], [0.6, 0.5, -0.4, 0.3, 0.2, -0.1]]),
      recap.tensor([[1, 3, 4, 2, 0], [1, 4, 2, 0, 0]], undefined, 'int32'),
    );
    expect(Number.isFinite(result.loss) && result.loss > 0).toBe(true);
    expect(result.loss).toBe(loss);
  } finally {
    await server.close();
  }
});
