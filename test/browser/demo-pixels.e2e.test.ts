// The demo's "Train from pixels" end to end: the page trains the LSTM jointly with a SmallCnn of
// `recap train --encoder cnn`'s architecture (cnnSpec: a σ feature per caption concept) on the rendered scenes for a few
// iterations (?iterations=N), bit for bit as the same run in Node; the composer's canvas is then
// captioned from its pixels (the CNN's features of them equal Node's for the scene drawn, and so
// does the caption), again after an edit, with the time of every step shown; the run saved from
// the page carries its CNN, and the "Bring your own model" panel captions with it alone (no
// encoder file): the canvas as the composer does, a photo as Node does. In Chromium, and the
// training and canvas in Firefox ESR.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright';
import puppeteer from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- plain JS module without types
import { startServer } from '../../demo/server.mjs';
import {
  CaptioningRNN, CaptioningSolver, EncoderPart, SmallCnn, Tensor, cnnRecipe, decodeCaptions, init, loadCheckpoint, renderScene, resizeAndCrop,
  shapesData, type CnnSpec, type RgbaImage, type Scene, type ShapesData,
} from '../../src/index.js';
import { cnnSpec } from '../../src/cli/encoder.js';
import { iterationsPerEpoch } from '../../src/train/minibatch.js';
import { TRAIN_FLAGS } from '../../src/cli/commands.js';
import { readImage } from '../../src/node.js';
import { BROWSERS, available } from '../package/browsers.js';
import { launchChromium } from './chromium.js';
import { placeShape } from './demo-compose.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const PHOTO = join(root, 'test/fixtures/images/land_rgb.png');
const FIREFOX = BROWSERS.find((b) => b.name === 'firefox')!;
const ITERATIONS = 30; // a few seconds of training
const MAX_WORDS = 16; // the page's caption length
/** The CNN of the page's pixel runs: the CLI's for the page's data (shapesData({ seed: 0 })). */
let SPEC: CnnSpec;

interface PixelConfig {
  model: { cellType: 'lstm' | 'rnn'; wordvecDim: number; hiddenDim: number };
  solver: Record<string, unknown>;
  pixels: { cnn: CnnSpec; encoder: { learningRate: number; finetuneAfter: number; warmup: number; wordLoss: number; conceptLoss: number; lead: number }; outputDim: number };
}
interface DemoState {
  ready: boolean; status: string; losses: number[]; iteration: number; numIterations: number; errors: string[];
  composeCaption: string; composeFeatures: number[] | null; composeTimes: { read: number; encode: number; caption: number } | null;
  inputSize: number; scene: Scene; config: PixelConfig;
  model: { name: string; source: string; input: string; cnn: { imageSize: number; channels: number[]; outputDim: number } | null } | null;
}

let server: { port: number; close(): Promise<void> };
let browser: Browser;
let page: Page;
let data: ShapesData;
let dir: string;
const pageErrors: string[] = [];
/** The page's run replayed in Node (same config, seed 0, same iterations). */
let ref: { model: CaptioningRNN; cnn: SmallCnn; losses: number[] };

const demo = (p: Page = page) => p.evaluate(() => (window as never as { recapDemo: DemoState }).recapDemo);
const until = (fn: string, timeout = 60_000) => page.waitForFunction(`(() => { const s = window.recapDemo; return ${fn}; })()`, null, { timeout, polling: 100 });
const panelUntil = (fn: string, timeout = 60_000) => page.waitForFunction(`(() => { const s = window.recapPhotos; return ${fn}; })()`, null, { timeout, polling: 100 });

/** The demo worker's "from pixels" run, in Node: the CLI's CNN and encoder options, the page's LSTM and solver, seed 0, stopped after `iterations`. */
async function replay(config: PixelConfig, iterations: number) {
  const spec = config.pixels.cnn;
  const D = spec.outputDim;
  const at = (images: RgbaImage[], scenes: Scene[]) => (data.imageSize === spec.imageSize ? images : scenes.map((s) => renderScene(s, spec.imageSize)));
  const zeros = (t: Tensor) => new Tensor(new Float32Array(t.shape[0] * D), [t.shape[0], D]);
  const pixelData = { ...data, trainFeatures: zeros(data.trainFeatures), valFeatures: zeros(data.valFeatures) };
  const cnn = new SmallCnn(spec, 0);
  const model = new CaptioningRNN({ wordToIdx: data.wordToIdx, ...config.model, inputDim: D, seed: 0 });
  const encoder = new EncoderPart(cnn, { train: at(data.trainImages, data.trainScenes), val: at(data.valImages, data.valScenes) },
    { optimConfig: { learningRate: config.pixels.encoder.learningRate }, finetuneAfter: config.pixels.encoder.finetuneAfter,
      warmup: config.pixels.encoder.warmup, wordLoss: config.pixels.encoder.wordLoss, conceptLoss: config.pixels.encoder.conceptLoss, lead: config.pixels.encoder.lead });
  const controller = new AbortController();
  const losses: number[] = [];
  const solver = new CaptioningSolver(model, pixelData, {
    ...config.solver, seed: 0, verbose: false, signal: controller.signal, encoder,
    onStep: (info) => {
      losses.push(info.loss);
      if (info.iteration + 1 >= iterations) controller.abort();
    },
  });
  await solver.train();
  solver.dispose();
  return { model, cnn, losses };
}

/** Node's greedy caption of an image through a CNN and model, as the page cleans it. */
function caption(model: CaptioningRNN, cnn: SmallCnn, image: { width: number; height: number; data: Uint8Array | Uint8ClampedArray }): { features: number[]; caption: string } {
  const feats = cnn.encode([image]);
  const words = decodeCaptions(model.sample(feats, { maxLength: MAX_WORDS }), data.idxToWord)[0] as string;
  return { features: Array.from(feats.data), caption: words.split(' ').filter((w) => !['<START>', '<END>', '<NULL>'].includes(w)).join(' ') };
}

/** Places one shape on the page's composer (demo-compose.ts). */
const place = (shape: string, colour: string, size: string, x: number, y: number) => placeShape(page, shape, colour, size, x, y);

/** The composer's state once its latest caption request has been answered. */
async function composed(p: Page = page): Promise<DemoState> {
  await p.waitForFunction(() => !document.querySelector('#compose-caption')!.classList.contains('pending') && (window as never as { recapDemo: DemoState }).recapDemo.composeFeatures !== null, null, { timeout: 20_000 });
  return demo(p);
}

beforeAll(async () => {
  await init();
  data = shapesData({ seed: 0 });
  SPEC = cnnSpec(data, TRAIN_FLAGS.encoderConceptLoss.default);
  dir = mkdtempSync(join(tmpdir(), 'recap-demo-pixels-'));
  server = await startServer({ port: 0 });
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1320, height: 900 }, acceptDownloads: true })).newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`http://127.0.0.1:${server.port}/?iterations=${ITERATIONS}`);
  await until('s && s.ready && s.model && s.model.source === "pretrained"');
  // the pretrained model's evaluation first (it shares the worker)
  await page.waitForFunction(() => document.querySelector('#stat-scene')?.textContent?.endsWith('%'), null, { timeout: 60_000 });
}, 120_000);

afterAll(async () => {
  ref?.model.dispose();
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('demo: train from pixels', () => {
  it('trains the LSTM with the CLI\'s CNN on the rendered scenes, progress shown, bit for bit as Node', async () => {
    const config = (await demo()).config;
    expect(config.pixels.cnn).toEqual(SPEC);
    const f = TRAIN_FLAGS;
    expect(config.pixels.encoder).toEqual({
      learningRate: f.encoderLr.default, finetuneAfter: f.finetuneAfter.default, warmup: f.encoderWarmup.default, wordLoss: f.encoderWordLoss.default,
      conceptLoss: f.encoderConceptLoss.default, lead: iterationsPerEpoch(data.trainCaptions.shape[0], config.solver.batchSize as number),
    });
    await page.click('#btn-start-pixels');
    await until('s.status === "training" && s.model.source === "training" && s.model.input === "pixels"');
    await until(`s.status === "done" && s.iteration === ${ITERATIONS}`, 90_000);
    const s = await demo();
    expect(s.numIterations).toBeGreaterThan(ITERATIONS); // stopped by ?iterations, not the end of the run
    expect(await page.textContent('#stat-iter')).toBe(`${ITERATIONS} / ${s.numIterations}`);
    expect(await page.textContent('#status')).toBe('finished');
    expect(await page.textContent('#model-name')).toContain(`It reads pixels: a CNN (${SPEC.imageSize}×${SPEC.imageSize}, ${SPEC.channels.join('-')} filters, ${SPEC.outputDim} features`);
    expect(s.inputSize).toBe(SPEC.imageSize);
    ref = await replay(config, ITERATIONS);
    expect(ref.losses).toHaveLength(ITERATIONS);
    expect(s.losses).toEqual(ref.losses);
    expect(ref.losses[ITERATIONS - 1]).toBeLessThan(ref.losses[0]);
  });

  it('captions the composer\'s canvas from its pixels, live as it is edited, with every step\'s time', async () => {
    let s = await composed();
    const S = SPEC.imageSize;
    let want = caption(ref.model, ref.cnn, renderScene(s.scene, S));
    expect(s.composeFeatures).toHaveLength(SPEC.outputDim);
    expect(s.composeFeatures).toEqual(want.features);
    expect(s.composeCaption).toBe(want.caption);
    expect(await page.textContent('#compose-caption')).toBe(want.caption);
    expect(await page.textContent('#compose-times')).toMatch(/^read pixels [\d.]+ ms · encode \(CNN\) [\d.]+ ms · caption [\d.]+ ms$/);
    expect(s.composeTimes!.encode).toBeGreaterThan(0);
    expect(s.composeTimes!.caption).toBeGreaterThan(0);
    // an edit: the new scene's pixels, encoded again
    await page.click('#btn-clear');
    await place('square', 'green', 'big', 0.4, 0.45);
    await page.waitForFunction(() => (window as never as { recapDemo: DemoState }).recapDemo.scene.objects.length === 1);
    s = await composed();
    const before = want.features;
    want = caption(ref.model, ref.cnn, renderScene(s.scene, S));
    expect(want.features).not.toEqual(before);
    expect(s.composeFeatures).toEqual(want.features);
    expect(s.composeCaption).toBe(want.caption);
  });

  it('saves the run with its CNN; the "Bring your own model" panel captions with that checkpoint alone', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#btn-save')]);
    expect(download.suggestedFilename()).toBe(`shapes-pixels-lstm-iter${ITERATIONS}.recap`);
    const saved = join(dir, 'pixels.recap');
    await download.saveAs(saved);
    const ck = loadCheckpoint(readFileSync(saved), { name: 'pixels.recap' });
    expect(ck.encoder!.spec).toEqual(SPEC);
    expect(ck.features!.recipe).toEqual(cnnRecipe(ref.cnn)); // what recap eval / sample check: the same CNN as Node's
    expect(ck.solverState!.iteration).toBe(ITERATIONS);
    for (const [k, t] of Object.entries(ref.model.getParams())) expect(ck.model.getParams()[k as keyof ReturnType<CaptioningRNN['getParams']>].data, k).toEqual(t.data);
    ck.model.dispose();

    await page.setInputFiles('#photos-checkpoint-file', saved);
    await panelUntil('s.captionerReady', 60_000);
    expect(await page.textContent('#photos-encoder-info')).toBe('not needed: the checkpoint carries its CNN');
    const c = SPEC;
    expect(await page.textContent('#photos-checkpoint-info')).toMatch(new RegExp(`^pixels\\.recap: LSTM H=128, \\d+ words; its own CNN: ${c.imageSize}×${c.imageSize} pixels, ${c.channels.join('-')} filters, ${c.outputDim} features`));
    // the composer's small canvas (what the model sees), captioned in the panel's worker: the composer's caption
    const { composeCaption } = await composed();
    await page.evaluate(`import('/photos.js').then((m) => m.captionImage(document.getElementById('compose-small'), 'canvas'))`);
    await panelUntil('s.photos.length === 1');
    let photos = (await page.evaluate(() => (window as never as { recapPhotos: { photos: { caption?: string; error?: string; times?: Record<string, number> }[] } }).recapPhotos.photos));
    expect(photos[0].error).toBeUndefined();
    expect(photos[0].caption).toBe(composeCaption);
    for (const k of ['decode', 'preprocess', 'encode', 'caption']) expect(photos[0].times![k]).toBeGreaterThan(0);
    // a photo: resized (shorter side) and centre-cropped to the CNN's input, as Node's resizeAndCrop
    await page.setInputFiles('#photos-image-file', PHOTO);
    await panelUntil('s.photos.length === 2');
    photos = (await page.evaluate(() => (window as never as { recapPhotos: { photos: { caption?: string; error?: string }[] } }).recapPhotos.photos));
    const S = SPEC.imageSize;
    expect(photos[1].caption).toBe(caption(ref.model, ref.cnn, resizeAndCrop(await readImage(PHOTO), { resize: S, crop: S })).caption);
    expect((await demo()).errors).toEqual([]);
    expect(pageErrors).toEqual([]);
    mkdirSync(join(root, 'test-artifacts'), { recursive: true });
    await page.locator('section.compose').screenshot({ path: join(root, 'test-artifacts', 'demo-pixels.png') });
  });

  it('loads the saved run back into the training panel: its CNN captions the canvas, Inside the model traces it, and it resumes as Node continues it', async () => {
    await page.click('#btn-pretrained');
    await until('s.model.source === "pretrained" && s.model.input === "features"');
    await page.setInputFiles('#file-load', join(dir, 'pixels.recap'));
    await until('s.model.source === "file" && s.model.input === "pixels" && s.status === "paused"');
    const s = await composed();
    const want = caption(ref.model, ref.cnn, renderScene(s.scene, SPEC.imageSize));
    expect(s.composeFeatures).toEqual(want.features);
    expect(s.composeCaption).toBe(want.caption);
    await page.waitForFunction((c) => {
      const w = (window as never as { recapDemo: { inside: { words: string[] } } }).recapDemo.inside.words;
      return w.slice(1).join(' ') === c;
    }, want.caption, { timeout: 20_000 });
    // resumed (the solver's and the CNN's optimizer state came along): the losses go on as in Node
    await page.click('#btn-pause'); // "Resume"
    await until(`s.status === "training" && s.iteration >= ${ITERATIONS + 10}`, 60_000);
    await page.click('#btn-stop');
    await until('s.status === "done"');
    const losses = (await demo()).losses;
    const more = await replay((await demo()).config, ITERATIONS + 10);
    expect(losses.slice(0, ITERATIONS + 10)).toEqual(more.losses);
    more.model.dispose();
    expect((await demo()).errors).toEqual([]);
  });
});

// Firefox ESR (WebDriver BiDi through puppeteer-core): the same short run, bit for bit, and the
// canvas captioned from its pixels.
describe.skipIf(!available(FIREFOX))('demo: train from pixels in Firefox', () => {
  it('trains as Node does and captions the canvas from its pixels', { retry: 1, timeout: 200_000 }, async () => {
    const ff = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX.path, headless: true });
    try {
      const p = await ff.newPage();
      await p.goto(`http://127.0.0.1:${server.port}/?iterations=${ITERATIONS}`);
      const wait = async (fn: string, timeout = 60_000) => {
        try {
          await p.waitForFunction(`(() => { const s = window.recapDemo; return ${fn}; })()`, { timeout, polling: 100 });
        } catch (e) {
          throw new Error(`Firefox: waited ${timeout / 1000} s for ${fn}: ${(e as Error).message}`);
        }
      };
      const state = () => p.evaluate(() => (window as never as { recapDemo: DemoState }).recapDemo);
      await wait('s && s.ready && s.model && s.model.source === "pretrained"');
      await wait('document.querySelector("#stat-scene").textContent.endsWith("%")');
      await p.click('#btn-start-pixels');
      await wait(`s.status === "done" && s.iteration === ${ITERATIONS} && s.model.input === "pixels"`, 120_000);
      expect((await state()).losses).toEqual(ref.losses);
      await p.click('#btn-random'); // a scene of the dataset's generator
      await wait('!document.querySelector("#compose-caption").classList.contains("pending") && s.composeFeatures !== null');
      const s = await state();
      const want = caption(ref.model, ref.cnn, renderScene(s.scene, SPEC.imageSize));
      expect(s.composeFeatures).toEqual(want.features);
      expect(s.composeCaption).toBe(want.caption);
      expect(s.errors).toEqual([]);
    } finally {
      await ff.close();
    }
  });
});
