// Consumer builds: the packed tarball installed into a temp app that imports 'recap' by name,
// bundled by esbuild (its defaults: --bundle --platform=browser), Vite, webpack 5 and rollup
// with no recap-specific configuration, then loaded in Chromium and Firefox: served
// cross-origin isolated, the page runs on 2 threads; served plain, on 1 thread with the
// one-line note. Either way the seeded run (test/shared/seeded-run.mjs) gives Node's hashes
// and the shipped checkpoint captions a canvas as in Node.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build as esbuild } from 'esbuild';
import { rollup } from 'rollup';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { build as vite } from 'vite';
import webpack from 'webpack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- plain JS module without types
import { startServer } from '../../demo/server.mjs';
import { BROWSERS, available, launch } from '../package/browsers.js';
import { installApp, pack, root } from '../package/pack.js';

type Bundler = 'esbuild' | 'vite' | 'webpack' | 'rollup';
const BUNDLERS: Bundler[] = ['esbuild', 'vite', 'webpack', 'rollup'];
/** Bundlers that emit the checkpoint from `new URL(…, import.meta.url)`; with the others the app serves it. */
const EMITS_ASSETS: Record<Bundler, boolean> = { esbuild: false, vite: true, webpack: true, rollup: false };

let app: string;
let node: { run: Record<string, unknown>; caption: string };
type Server = { port: number; close(): Promise<void> };
const servers: Record<string, { isolated: Server; plain: Server; noWorkers: Server }> = {};
/** A page that may not start workers: the threads fall back to 1, with a warning naming the worker URL. */
const NO_WORKERS = { 'Content-Security-Policy': "worker-src 'none'" };

function html(script: string, serveModel: boolean): string {
  const model = serveModel ? "<script>window.recapModelUrl = './shapes-lstm.recap';</script>" : '';
  return `<!doctype html><html><head><meta charset="utf-8"></head><body>${model}${script}</body></html>`;
}

async function bundle(kind: Bundler, out: string): Promise<void> {
  const entry = join(app, 'main.js');
  if (kind === 'esbuild') {
    await esbuild({ entryPoints: [entry], bundle: true, platform: 'browser', outfile: join(out, 'main.js'), logLevel: 'error' });
    writeFileSync(join(out, 'index.html'), html('<script src="main.js"></script>', true));
  } else if (kind === 'vite') {
    await vite({ root: app, configFile: false, logLevel: 'error', build: { outDir: out, emptyOutDir: true } });
  } else if (kind === 'webpack') {
    await new Promise<void>((resolve, reject) => {
      webpack({ mode: 'production', context: app, entry: './main.js', devtool: false, performance: { hints: false }, output: { path: out, filename: 'main.js' } },
        (err, stats) => (err ? reject(err) : stats?.hasErrors() ? reject(new Error(stats.toString('errors-only'))) : resolve()));
    });
    writeFileSync(join(out, 'index.html'), html('<script src="main.js"></script>', false));
  } else {
    const b = await rollup({ input: entry, plugins: [nodeResolve({ browser: true })], logLevel: 'silent' });
    await b.write({ file: join(out, 'main.js'), format: 'es' });
    await b.close();
    writeFileSync(join(out, 'index.html'), html('<script type="module" src="main.js"></script>', true));
  }
  if (!EMITS_ASSETS[kind]) copyFileSync(createRequire(join(app, 'package.json')).resolve('recap/models/shapes-lstm.recap'), join(out, 'shapes-lstm.recap'));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f)).filter((f) => statSync(f).isFile());
}

beforeAll(async () => {
  const packed = pack();
  app = installApp(packed.tarball);
  for (const f of ['main.js', 'caption.mjs', 'node-run.mjs', 'index.html']) copyFileSync(join(root, 'test/package/app', f), join(app, f));
  cpSync(join(root, 'test/shared/seeded-run.mjs'), join(app, 'seeded-run.mjs'));
  node = JSON.parse(execFileSync(process.execPath, ['node-run.mjs', '0'], { cwd: app, encoding: 'utf8' }).trim().split('\n').pop()!);
  for (const kind of BUNDLERS) {
    const out = join(app, 'out', kind);
    mkdirSync(out, { recursive: true });
    await bundle(kind, out);
    servers[kind] = {
      isolated: await startServer({ port: 0, mounts: { '/': out }, isolation: true }),
      plain: await startServer({ port: 0, mounts: { '/': out }, isolation: false }),
      noWorkers: await startServer({ port: 0, mounts: { '/': out }, isolation: true, headers: NO_WORKERS }),
    };
  }
}, 240_000);

afterAll(async () => {
  for (const s of Object.values(servers)) for (const server of Object.values(s)) await server.close();
  if (app) rmSync(app, { recursive: true, force: true });
});

it.each(BUNDLERS)('%s: the browser bundle carries no Node-only code', (kind) => {
  const js = filesUnder(join(app, 'out', kind)).filter((f) => f.endsWith('.js')).map((f) => readFileSync(f, 'utf8')).join('\n');
  expect(js).toContain('recap');
  expect(js).not.toMatch(/["'`]node:[a-z_/]+["'`]/); // no literal Node built-in specifier
  expect(js).not.toMatch(/h5wasm|checkpoint-file|coco_captioning/); // nothing from recap/node
  expect(js).not.toMatch(/new URL\(["'][^"']*worker\.js/); // the worker is embedded, not a file
});

it('Node computes the reference run with the installed package', () => {
  expect(node.run).toMatchObject({ threads: 1, backend: 'simd' });
  expect(node.caption).toMatch(/red triangle/);
});

for (const spec of BROWSERS) {
  describe.skipIf(!available(spec))(spec.name, () => {
    let browser: Awaited<ReturnType<typeof launch>>;
    beforeAll(async () => { browser = await launch(spec); }, 60_000);
    afterAll(async () => { await browser?.close(); });

    async function visit(port: number) {
      const page = await browser.newPage();
      const errors: string[] = [];
      const notes: string[] = [];
      page.on('pageerror', (e) => errors.push(String((e as Error).message ?? e)));
      page.on('console', (m) => { if (m.text().startsWith('recap:')) notes.push(m.text()); });
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.waitForFunction(() => (window as never as { __recap?: unknown }).__recap, { timeout: 90_000 });
      const r = await page.evaluate(() => (window as never as { __recap: unknown }).__recap) as
        { error?: string; isolated: boolean; threads: number; run: Record<string, unknown>; caption: string };
      const cores = await page.evaluate(() => navigator.hardwareConcurrency);
      await page.close();
      return { r, errors, notes, cores };
    }

    const same = (run: Record<string, unknown>) => ({ ...run, variant: undefined, threads: undefined });

    it.each(BUNDLERS)('%s, cross-origin isolated: 2 threads, Node\'s bits', async (kind) => {
      const { r, errors, notes, cores } = await visit(servers[kind].isolated.port);
      expect(r.error).toBeUndefined();
      expect(errors).toEqual([]);
      expect(notes).toEqual([]); // no "could not start worker threads"
      expect(r.isolated).toBe(true);
      expect(cores).toBeGreaterThanOrEqual(2);
      expect(r.threads).toBe(cores);
      expect(r.run.threads).toBe(2);
      expect(same(r.run)).toEqual(same(node.run));
      expect(r.caption).toBe(node.caption);
    });

    it.each(BUNDLERS)('%s, not isolated: 1 thread with the note, Node\'s bits', async (kind) => {
      const { r, errors, notes, cores } = await visit(servers[kind].plain.port);
      expect(r.error).toBeUndefined();
      expect(errors).toEqual([]);
      expect(r.isolated).toBe(false);
      expect(r.threads).toBe(1);
      expect(notes).toEqual(cores > 1 ? [expect.stringMatching(/^recap: 1 thread \(this page is not cross-origin isolated; serve it with COOP\/COEP/)] : []);
      expect(r.run.threads).toBe(1);
      expect(same(r.run)).toEqual(same(node.run));
      expect(r.caption).toBe(node.caption);
    });

    it('a page whose CSP forbids workers: 1 thread, a warning that says why and names the worker URL', async () => {
      const { r, errors, notes } = await visit(servers.esbuild.noWorkers.port);
      expect(r.error).toBeUndefined();
      expect(errors.filter((e) => !e.startsWith('Content-Security-Policy'))).toEqual([]); // Firefox reports the violation itself
      console.log(`${spec.name}: ${notes[0]}`);
      expect(r.isolated).toBe(true);
      expect(r.threads).toBe(1);
      expect(notes.length).toBeGreaterThan(0);
      for (const note of notes) expect(note).toMatch(/^recap: could not start worker threads \(.+; worker script blob:http:\/\/127\.0\.0\.1:\d+\/.*\); using 1 thread$/);
      expect(same(r.run)).toEqual(same(node.run));
    });
  });
}
