// The demo page end to end in Chromium: it loads (pretrained checkpoint, gallery), the composer
// captions what was drawn, training starts in the worker and the loss falls, captions refresh,
// pause/resume/stop work, checkpoints save (download) and load (upload), and a screenshot is
// saved to test-artifacts/demo.png (and docs/demo.png with RECAP_UPDATE_DOCS=1).
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- plain JS module without types
import { startServer } from '../../demo/server.mjs';
import { describesSingleObject, namesScene, type Scene } from '../../dist/index.js';
import { launchChromium } from './chromium.js';
import { placeShape } from './demo-compose.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const artifacts = join(root, 'test-artifacts');

interface DemoState {
  ready: boolean; status: string; losses: number[]; iteration: number; numIterations: number;
  captions: string[]; galleryUpdates: number; composeCaption: string; errors: string[];
  model: { name: string; source: string } | null;
}

let browser: Browser;
let server: { port: number; close(): Promise<void> };
let page: Page;
const pageErrors: string[] = [];

const demo = () => page.evaluate(() => (window as never as { recapDemo: DemoState }).recapDemo);
const until = (fn: string, timeout = 30_000) => page.waitForFunction(`(() => { const s = window.recapDemo; return ${fn}; })()`, null, { timeout, polling: 100 });

/** Places one shape on the page's composer (demo-compose.ts). */
const place = (shape: string, colour: string, size: string, x: number, y: number) => placeShape(page, shape, colour, size, x, y);

/** The caption of the composed scene, once the latest request has been answered. */
async function composedCaption(): Promise<string> {
  await page.waitForFunction(() => !document.querySelector('#compose-caption')!.classList.contains('pending'), null, { timeout: 20_000 });
  return (await demo()).composeCaption;
}

const oneObject = (shape: string, colour: string, size: string): Scene =>
  ({ background: 238, objects: [{ shape, colour, size, x: 0.5, y: 0.5, r: 0.2, rgb: [0, 0, 0] }] }) as Scene;

beforeAll(async () => {
  server = await startServer({ port: 0 });
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1320, height: 900 }, acceptDownloads: true });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('demo page', () => {
  it('loads: cross-origin isolated, wasm SIMD, pretrained captions in the gallery', async () => {
    await page.goto(`http://127.0.0.1:${server.port}/`);
    await until('s && s.ready && s.galleryUpdates > 0 && s.model && s.model.source === "pretrained"');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.textContent('#pill-backend')).toBe('wasm: simd');
    // isolated, so the worker trains on every core (worker threads inside the page's worker)
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(await page.textContent('#pill-threads')).toBe(`threads: ${cores}`);
    const s = await demo();
    expect(s.captions).toHaveLength(8);
    expect(s.captions.every((c) => c.split(' ').length >= 3)).toBe(true);
    expect(await page.locator('#gallery canvas').count()).toBe(8);
    expect(s.losses.length).toBeGreaterThan(10); // the pretrained run's loss curve
    expect(await page.locator('#loss-svg polyline.smooth').count()).toBe(1);
    // the loaded model's val CIDEr-D and exact-scene accuracy (200 val images, greedy)
    await page.waitForFunction(() => document.querySelector('#stat-scene')?.textContent?.endsWith('%'));
    expect(Number(await page.textContent('#stat-cider'))).toBeGreaterThan(1);
    expect(parseFloat((await page.textContent('#stat-scene'))!)).toBeGreaterThan(80);
    expect(await page.getAttribute('#stat-scene', 'title')).toMatch(/1 object [\d.]+%, 2 objects [\d.]+%, 3 objects [\d.]+%/);
  });

  it('captions a scene composed on the canvas with the pretrained checkpoint (greedy and beam)', async () => {
    await page.click('#btn-clear');
    await place('square', 'green', 'big', 0.5, 0.5);
    const greedy = await composedCaption();
    expect(describesSingleObject(greedy, oneObject('square', 'green', 'big')), greedy).toBe(true);

    await page.click('#btn-clear');
    await place('triangle', 'purple', 'small', 0.3, 0.65);
    await page.check('input[name="decode"][value="3"]');
    const beam = await composedCaption();
    expect(describesSingleObject(beam, oneObject('triangle', 'purple', 'small')), beam).toBe(true);
    await page.check('input[name="decode"][value="1"]');

    // three shapes: the caption binds each colour to its own shape (the pretrained model names
    // exactly the objects of 98% of val scenes; this one is checked exactly)
    await page.click('#btn-clear');
    await place('cross', 'purple', 'big', 0.27, 0.3);
    await place('triangle', 'red', 'small', 0.75, 0.3);
    await place('circle', 'blue', 'small', 0.5, 0.75);
    const three = await composedCaption();
    const drawn = { background: 238, objects: [['cross', 'purple'], ['triangle', 'red'], ['circle', 'blue']].map(([shape, colour]) => ({ shape, colour, size: 'small', x: 0.5, y: 0.5, r: 0.1, rgb: [0, 0, 0] })) } as Scene;
    expect(namesScene(three, drawn), three).toBe(true);
  });

  it('Inside the model: hovering a word of the caption shows its step, gates and most active cells', async () => {
    const caption = await composedCaption(); // the three-shape scene above
    await page.waitForFunction((c) => {
      const w = (window as never as { recapDemo: { inside: { words: string[] } } }).recapDemo.inside.words;
      return w.slice(1).join(' ') === c;
    }, caption, { timeout: 20_000 });
    const s = (await demo()) as DemoState & { inside: { words: string[]; cell: string; H: number; tracks: Record<string, Record<string, number>> } };
    expect(s.inside.cell).toBe('lstm');
    expect(s.inside.words[0]).toBe('<START>');
    const T = s.inside.words.length, H = s.inside.H;
    for (const k of ['i', 'f', 'o']) {
      const v = Object.values(s.inside.tracks[k]);
      expect(v).toHaveLength(T * H);
      expect(v.every((x) => x >= 0 && x <= 1)).toBe(true);
    }
    const k = s.inside.words.indexOf('red');
    expect(k).toBeGreaterThan(0);
    await page.hover(`#inside-words .word:nth-child(${k + 1})`);
    await page.waitForFunction(() => document.querySelector('#inside-step')?.textContent?.includes('reads red'));
    expect(await page.locator('#inside-words .word.on').textContent()).toBe('red');
    expect(await page.locator('#inside-step table.units tr').count()).toBe(9); // header + 8 cells
    expect(await page.locator('#inside-step table.units th').allTextContents()).toEqual(['unit', 'i', 'f', 'o', 'g', 'c', 'h']);
    expect(await page.textContent('#inside-step')).toMatch(/mean gates over the 128 units: i 0\.\d\d, f 0\.\d\d, o 0\.\d\d/);
  });

  it('Inside the model: an RNN and an LSTM trained side by side, their losses, gradient norms and gradient flow', async () => {
    await page.click('#btn-race');
    await page.waitForFunction(() => (window as never as { recapDemo: { inside: { race: { done: boolean } | null } } }).recapDemo.inside.race?.done === true, null, { timeout: 180_000, polling: 250 });
    const s = (await demo()) as DemoState & { inside: { race: { iteration: number; T: number; runs: Record<string, { losses: number[]; gradNorms: number[]; flow: number[] }> } } };
    const r = s.inside.race;
    expect(r.iteration).toBe(400);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    for (const cell of ['rnn', 'lstm']) {
      const run = r.runs[cell];
      expect(run.losses).toHaveLength(400);
      expect(run.gradNorms).toHaveLength(400);
      expect(run.gradNorms.filter((g) => !(g > 0 && Number.isFinite(g))), `${cell} gradient norms`).toEqual([]);
      expect(mean(run.losses.slice(-20)), `${cell} loss`).toBeLessThan(mean(run.losses.slice(0, 20)) * 0.6);
      expect(run.flow).toHaveLength(r.T);
      expect(run.flow.filter((g) => !(g >= 0 && Number.isFinite(g))), `${cell} flow`).toEqual([]);
    }
    // the two models differ: same data and minibatches, different cells
    expect(r.runs.rnn.losses[399]).not.toBe(r.runs.lstm.losses[399]);
    for (const id of ['race-loss', 'race-gradnorm', 'race-flow']) {
      expect(await page.locator(`#${id} polyline.series.rnn`).count()).toBe(1);
      expect(await page.locator(`#${id} polyline.series.lstm`).count()).toBe(1);
      expect(await page.locator(`#${id} .x-label`).textContent()).not.toBe('');
    }
    expect(await page.textContent('#race-status')).toBe('done: 400 iterations');
  });

  it('trains in the worker: the loss falls, it/s and threads show, captions refresh', async () => {
    const before = (await demo()).galleryUpdates;
    await page.click('#btn-start');
    await until('s.status === "training" && s.model.source === "training"');
    // the page stays responsive while the worker trains: a frame renders within a few ms
    const frame = await page.evaluate(() => new Promise<number>((r) => { const t = performance.now(); requestAnimationFrame(() => r(performance.now() - t)); }));
    expect(frame).toBeLessThan(500);
    await until('s.iteration >= 120 && s.galleryUpdates >= ' + (before + 3), 60_000);
    const s = await demo();
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(s.losses.slice(0, 10)), last = mean(s.losses.slice(-10));
    expect(last).toBeLessThan(first * 0.5);
    expect(Number(await page.textContent('#stat-rate'))).toBeGreaterThan(0);
    expect(await page.textContent('#stat-threads')).toBe(String(await page.evaluate(() => navigator.hardwareConcurrency)));
    expect(s.captions.every((c) => c.length > 0)).toBe(true);
    // the gallery shows the worker's latest captions (read together: training refreshes them)
    const { shown, latest } = await page.evaluate(() => ({
      shown: [...document.querySelectorAll('#gallery .gen')].map((e) => e.textContent),
      latest: (window as never as { recapDemo: DemoState }).recapDemo.captions,
    }));
    expect(shown).toEqual(latest);
    // validation while training: the metrics line comes from the run's own evaluations (every 100 iterations)
    await page.waitForFunction(() => /at iteration [1-9]\d*$/.test(document.querySelector('#stat-cider')?.getAttribute('title')?.split(';')[0] ?? ''), null, { timeout: 60_000 });
    expect(Number(await page.textContent('#stat-cider'))).toBeGreaterThanOrEqual(0);
  });

  it('pauses, resumes and stops', async () => {
    await page.click('#btn-pause');
    await until('s.status === "paused"');
    const at = (await demo()).iteration;
    await page.waitForTimeout(400);
    expect((await demo()).iteration).toBe(at);
    await page.click('#btn-pause'); // now "Resume"
    await until(`s.status === "training" && s.iteration > ${at}`);
    await page.click('#btn-stop');
    await until('s.status === "done"');
  });

  it('saves a checkpoint (download) and loads it back (upload)', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#btn-save')]);
    const name = download.suggestedFilename();
    expect(name).toMatch(/^shapes-lstm-iter\d+\.recap$/);
    mkdirSync(artifacts, { recursive: true });
    const saved = join(artifacts, 'demo-checkpoint.recap');
    await download.saveAs(saved);
    const bytes = readFileSync(saved);
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('RCAPCKPT');
    expect(bytes.length).toBeGreaterThan(100_000);
    await page.setInputFiles('#file-load', saved);
    await until('s.model.source === "file" && s.model.name === "demo-checkpoint.recap"');
    expect((await demo()).losses.length).toBeGreaterThan(100); // its loss history came along
  });

  it('goes back to the pretrained checkpoint; screenshot', async () => {
    const before = (await demo()).galleryUpdates;
    await page.click('#btn-pretrained');
    await until(`s.model.source === "pretrained" && s.galleryUpdates > ${before}`);
    await page.click('#btn-clear');
    await place('circle', 'red', 'big', 0.32, 0.4);
    const caption = await composedCaption();
    expect(describesSingleObject(caption, oneObject('circle', 'red', 'big')), caption).toBe(true);
    await place('square', 'blue', 'small', 0.75, 0.72);
    await composedCaption();
    expect((await demo()).errors).toEqual([]);
    expect(pageErrors).toEqual([]);
    mkdirSync(artifacts, { recursive: true });
    const shot = join(artifacts, 'demo.png');
    await page.screenshot({ path: shot, fullPage: true });
    if (process.env.RECAP_UPDATE_DOCS === '1') copyFileSync(shot, join(root, 'docs', 'demo.png'));
  });
});
