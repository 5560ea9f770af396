// The demo's "Bring your own model" panel end to end in Chromium: a checkpoint with a feature
// recipe and seeded ResNet-18 weights (made here, written as files the page loads), a photo
// captioned exactly as loadCaptioner captions it in Node, refused files and a mismatched encoder
// shown as messages in the panel, the fake camera captioned live with a frame rate, a denied
// camera named in the panel (the page keeps working); a screenshot in test-artifacts/. The
// photo, the fake camera and a blocked camera in Firefox ESR too.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright';
import puppeteer, { type ElementHandle, type Page as PuppeteerPage } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- plain JS module without types
import { startServer } from '../../demo/server.mjs';
import { CaptioningRNN, Tensor, applyPca, fitPca, hashTensors, init, loadCaptioner, loadEncoder, saveCheckpoint, writeNpz, writeSafetensors } from '../../src/index.js';
import { readImage } from '../../src/node.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../../vitest.browser.config.js';
import { BROWSERS, available } from '../package/browsers.js';
import { seededStateDict } from '../vision/seeded.js';

/** waitForFunction on a Firefox page's photos-panel state `s`, failing with what it waited for. */
function firefoxWait(p: PuppeteerPage) {
  return async (fn: string, timeout = 45_000) => {
    try {
      await p.waitForFunction(`(() => { const s = window.recapPhotos; return ${fn}; })()`, { timeout, polling: 100 });
    } catch (e) {
      throw new Error(`Firefox: waited ${timeout / 1000} s for ${fn}: ${(e as Error).message}`);
    }
  };
}

const root = fileURLToPath(new URL('../..', import.meta.url));
const artifacts = join(root, 'test-artifacts');
const PHOTO = join(root, 'test/fixtures/images/land_rgb.png');
const FIREFOX = BROWSERS.find((b) => b.name === 'firefox')!;
const CAMERA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];

interface PhotosState {
  ready: boolean; threads: number; captionerReady: boolean; message: string; messages: string[];
  photos: { name: string; caption?: string; error?: string; times?: Record<string, number> }[];
  camera: { running: boolean; frames: number; fps: number; modelFps: number; caption: string; error: string };
}

// 200 words: captions that change with the image (a mirrored or channel-swapped photo gets another)
const words = ['<NULL>', '<START>', '<END>', '<UNK>', ...Array.from({ length: 200 }, (_, i) => `w${i}`)];
let dir: string;
let files: { checkpoint: string; weights: string; other: string; junk: string; plain: string; f64: string };
let expected: string;
let server: { port: number; close(): Promise<void> };
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const panel = (p: Page = page) => p.evaluate(() => (window as never as { recapPhotos: PhotosState }).recapPhotos);
const until = (fn: string, timeout = 60_000, p: Page = page) =>
  p.waitForFunction(`(() => { const s = window.recapPhotos; return ${fn}; })()`, null, { timeout, polling: 100 });

beforeAll(async () => {
  await init();
  dir = mkdtempSync(join(tmpdir(), 'recap-demo-photos-'));
  const sd = seededStateDict('resnet18');
  const encoder = await loadEncoder(sd, { arch: 'resnet18' });
  // the photo, mirrored and as BGR: a PCA fitted on their features (with a noise image) makes
  // the model see what tells them apart, so pixels read mirrored or with swapped channels in the
  // page would give another caption (checked below: the test's power)
  const photo = await readImage(PHOTO);
  const { width: W, height: H, channels: C } = photo;
  const mirrored = new Uint8Array(photo.data.length), bgr = new Uint8Array(photo.data.length);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      for (let k = 0; k < C; k++) {
        mirrored[(y * W + x) * C + k] = photo.data[(y * W + W - 1 - x) * C + k];
        bgr[(y * W + x) * C + k] = photo.data[(y * W + x) * C + (k < 3 ? 2 - k : k)];
      }
    }
  }
  const variants = [photo, { ...photo, data: mirrored }, { ...photo, data: bgr }];
  const feats = await encoder.encode([...variants, await readImage(join(root, 'test/fixtures/images/noise.png'))]);
  const pca = fitPca(new Tensor(Float64Array.from(feats.data), feats.shape), 3);
  const projected = applyPca(pca, feats).data;
  const rms = Math.sqrt(projected.reduce((a, v) => a + v * v, 0) / projected.length);
  const model = new CaptioningRNN({ wordToIdx: Object.fromEntries(words.map((w, i) => [w, i])), inputDim: 3, wordvecDim: 16, hiddenDim: 24, cellType: 'lstm', seed: 5 });
  const params = model.getParams();
  // projected features of unit size, and <END> unlikely: captions run to maxLength
  const bias = Float32Array.from(params.b_vocab.data as Float32Array);
  bias[words.indexOf('<END>')] = -4;
  const proj = Float32Array.from(params.W_proj.data as Float32Array, (v) => v / rms);
  model.setParams({ b_vocab: new Tensor(bias, params.b_vocab.shape), W_proj: new Tensor(proj, params.W_proj.shape) });
  const recipe = { encoder: encoder.recipe(), pca: { inputDim: 512, dim: 3, hash: hashTensors([['mean', pca.mean], ['components', pca.components]]) } };
  const checkpoint = saveCheckpoint(model, null, { maxLength: 12 }, { recipe, pca });
  model.dispose();
  const c = await loadCaptioner({ model: checkpoint, encoder });
  const [want, ...others] = await c.caption(variants);
  expected = want;
  expect(others.every((o) => o !== expected), [expected, ...others].join(' | ')).toBe(true);
  c.dispose();
  encoder.dispose();
  const other = seededStateDict('resnet18');
  (other['layer4.1.conv2.weight'].data as Float32Array)[0] += 1e-3;
  files = {
    checkpoint: join(dir, 'photos-lstm.recap'), weights: join(dir, 'resnet18.safetensors'), other: join(dir, 'resnet18-other.npz'),
    junk: join(dir, 'junk.recap'), plain: join(dir, 'plain.recap'), f64: join(dir, 'photos-f64.recap'),
  };
  writeFileSync(files.checkpoint, checkpoint);
  writeFileSync(files.weights, writeSafetensors(sd));
  writeFileSync(files.other, writeNpz(other));
  writeFileSync(files.junk, 'this is not a checkpoint\n');
  const m64 = new CaptioningRNN({ wordToIdx: Object.fromEntries(words.map((w, i) => [w, i])), inputDim: 512, wordvecDim: 4, hiddenDim: 4, dtype: 'float64', seed: 2 });
  writeFileSync(files.f64, saveCheckpoint(m64, null, {}, { recipe: { encoder: { ...recipe.encoder, dtype: 'float64' }, pca: null }, pca: null }));
  m64.dispose();
  const plain = new CaptioningRNN({ wordToIdx: Object.fromEntries(words.map((w, i) => [w, i])), inputDim: 512, wordvecDim: 4, hiddenDim: 4, seed: 1 });
  writeFileSync(files.plain, saveCheckpoint(plain));
  plain.dispose();

  server = await startServer({ port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...CAMERA], headless: true });
  page = await (await browser.newContext({ viewport: { width: 1320, height: 900 } })).newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`http://127.0.0.1:${server.port}/`);
  await until('s && s.ready');
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('demo: bring your own model', () => {
  it('runs on every core of the cross-origin isolated page, and refuses files that are not what they claim', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect((await panel()).threads).toBe(cores);
    await page.setInputFiles('#photos-checkpoint-file', files.junk);
    await until('s.message.startsWith("Checkpoint refused")');
    expect(await page.textContent('#photos-message')).toMatch(/^Checkpoint refused: .*junk\.recap/);
    await page.setInputFiles('#photos-checkpoint-file', files.plain);
    await until('s.message.includes("no feature recipe")');
    await page.selectOption('#photos-arch', 'resnet18'); // no checkpoint names one now
    await page.setInputFiles('#photos-encoder-file', files.junk);
    await until('s.message.startsWith("Encoder weights refused")');
    expect((await panel()).captionerReady).toBe(false);
    await page.selectOption('#photos-arch', ''); // back to the checkpoint's
  });

  it('a mismatched encoder: the captioner\'s RecapError in the panel, then the right one works', async () => {
    await page.setInputFiles('#photos-checkpoint-file', files.checkpoint);
    await page.waitForFunction(() => document.querySelector('#photos-checkpoint-info')!.textContent!.includes('resnet18 pooled float32'));
    await page.setInputFiles('#photos-encoder-file', files.other);
    await until('s.message.startsWith("This encoder does not match the checkpoint")', 120_000);
    expect(await page.textContent('#photos-message')).toMatch(/same architecture, other weights/);
    expect((await panel()).captionerReady).toBe(false);
    await page.setInputFiles('#photos-encoder-file', files.weights);
    await until('s.captionerReady', 120_000);
    expect(await page.isHidden('#photos-message')).toBe(true);
  });

  it('captions a dropped photo as loadCaptioner does in Node, with every step\'s time', async () => {
    await page.setInputFiles('#photos-image-file', PHOTO);
    await until('s.photos.length === 1', 120_000);
    const [photo] = (await panel()).photos;
    expect(photo.error).toBeUndefined();
    expect(photo.caption).toBe(expected);
    expect(expected.split(' ').length).toBeGreaterThan(2);
    for (const k of ['decode', 'preprocess', 'encode', 'caption']) expect(photo.times![k]).toBeGreaterThan(0);
    expect(await page.textContent('#photos-results li .cap')).toBe(expected);
    expect(await page.textContent('#photos-results li .times')).toMatch(/^401×277 · decode [\d.]+ ms · preprocess [\d.]+ ms · encode [\d.]+ ms · caption [\d.]+ ms$/);
    // an unreadable "photo": named in its row and in the message; the panel carries on
    const bad = join(dir, 'broken.png');
    writeFileSync(bad, Buffer.concat([readFileSync(PHOTO).subarray(0, 40)]));
    await page.setInputFiles('#photos-image-file', bad);
    await until('s.photos.length === 2 && s.message.startsWith("Could not caption")');
    expect((await panel()).photos[1].error).toMatch(/^broken\.png: not an image this browser can decode \(image\/png, 40 bytes/);
    expect(await page.textContent('#photos-results li.bad .cap')).toBe((await panel()).photos[1].error);
  });

  it('on 1 thread (the worker restarts with the same files): the same caption', async () => {
    await page.selectOption('#photos-threads', '1');
    await until('s.threads === 1 && s.captionerReady', 120_000);
    expect(await page.textContent('#photos-status')).toBe('ready to caption');
    await page.setInputFiles('#photos-image-file', PHOTO);
    await until('s.photos.length === 3', 120_000);
    expect((await panel()).photos[2].caption).toBe(expected);
  });

  it('captionImage (the hook for captioning the composer\'s canvas): a canvas with the photo drawn on it gets the photo\'s caption', async () => {
    const bytes = readFileSync(PHOTO).toString('base64');
    // a string: vitest would rewrite a dynamic import() inside a function
    await page.evaluate(`(async () => {
      const blob = new Blob([Uint8Array.from(atob('${bytes}'), (c) => c.charCodeAt(0))], { type: 'image/png' });
      const bitmap = await createImageBitmap(blob, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
      const canvas = document.createElement('canvas');
      canvas.width = bitmap.width;
      canvas.height = bitmap.height;
      canvas.getContext('2d').drawImage(bitmap, 0, 0);
      const { captionImage } = await import('/photos.js');
      await captionImage(canvas, 'canvas');
    })()`);
    await until('s.photos.length === 4', 120_000);
    const last = (await panel()).photos[3];
    expect(last.name).toBe('canvas');
    expect(last.caption).toBe(expected);
    // a drawable without pixels (an <img> never loaded): named in its row, the panel carries on
    await page.evaluate(`import('/photos.js').then((m) => m.captionImage(new Image(), 'unloaded'))`);
    await until('s.photos.length === 5', 30_000);
    expect((await panel()).photos[4].error).toMatch(/^unloaded: no pixels to read \(InvalidStateError: /);
    expect((await panel()).captionerReady).toBe(true);
  });

  it('captions the (fake) camera live and shows the frame rate; the page stays responsive', async () => {
    await page.click('#photos-camera-start');
    await until('s.camera.running && s.camera.frames >= 3', 120_000);
    const frame = await page.evaluate(() => new Promise<number>((r) => { const t = performance.now(); requestAnimationFrame(() => r(performance.now() - t)); }));
    expect(frame).toBeLessThan(500);
    const s = await panel();
    expect(s.camera.fps).toBeGreaterThan(0);
    expect(s.camera.caption.split(' ').length).toBeGreaterThan(2);
    expect(await page.textContent('#photos-camera-caption')).toBe(s.camera.caption);
    expect(Number(await page.textContent('#photos-fps'))).toBeGreaterThan(0);
    expect(Number(await page.textContent('#photos-model-fps'))).toBeGreaterThan(0);
    for (const k of ['decode', 'preprocess', 'encode', 'caption']) expect(await page.textContent(`#photos-t-${k}`)).toMatch(/^[\d.]+ ms$/);
    mkdirSync(artifacts, { recursive: true });
    await page.locator('#photos').screenshot({ path: join(artifacts, 'demo-photos.png') });
    await page.click('#photos-camera-stop');
    await until('!s.camera.running');
    // a camera that goes away while running (unplugged): stopped, said, startable again
    await page.click('#photos-camera-start');
    await until('s.camera.running');
    await page.evaluate(() => ((document.getElementById('photos-video') as HTMLVideoElement).srcObject as MediaStream).getVideoTracks()[0].dispatchEvent(new Event('ended')));
    await until('!s.camera.running && s.message.startsWith("The camera stopped")');
    expect(await page.isEnabled('#photos-camera-start')).toBe(true);
    expect(pageErrors).toEqual([]);
  });

  it('not cross-origin isolated: one thread, the selector disabled and saying why; weights before a float64 checkpoint; a refused checkpoint replaces the good one', async () => {
    const plain = await startServer({ port: 0, isolation: false });
    try {
      const p = await browser.newPage();
      await p.goto(`http://127.0.0.1:${plain.port}/`);
      await until('s && s.ready', 60_000, p);
      expect(await p.evaluate(() => crossOriginIsolated)).toBe(false);
      expect((await panel(p)).threads).toBe(1);
      expect(await p.isDisabled('#photos-threads')).toBe(true);
      expect(await p.getAttribute('#photos-threads', 'title')).toMatch(/not cross-origin isolated \(COOP\/COEP\)/);
      // weights dropped first (architecture chosen), then a float64 checkpoint: the encoder is
      // read again in the checkpoint's dtype, and the pair connects
      await p.selectOption('#photos-arch', 'resnet18');
      await p.setInputFiles('#photos-encoder-file', files.weights);
      await p.waitForFunction(() => document.querySelector('#photos-encoder-info')!.textContent!.includes('resnet18 float32'));
      await p.setInputFiles('#photos-checkpoint-file', files.f64);
      await until('s.captionerReady', 120_000, p);
      expect(await p.textContent('#photos-encoder-info')).toMatch(/^resnet18\.safetensors: resnet18 float64, 512-d features/);
      // a refused checkpoint replaces the good one: not ready, then the good one again connects
      await p.setInputFiles('#photos-checkpoint-file', files.junk);
      await until('!s.captionerReady && s.message.startsWith("Checkpoint refused")', 30_000, p);
      await p.setInputFiles('#photos-checkpoint-file', files.f64);
      await until('s.captionerReady', 120_000, p);
      await p.close();
    } finally {
      await plain.close();
    }
  });

  it('a denied camera: the panel says so, photos still caption', async () => {
    const denied = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--deny-permission-prompts'], headless: true });
    try {
      const p = await (await denied.newContext()).newPage();
      await p.goto(`http://127.0.0.1:${server.port}/`);
      await until('s && s.ready', 60_000, p);
      await p.click('#photos-camera-start');
      await until('s.camera.error !== ""', 30_000, p);
      expect(await p.textContent('#photos-message')).toMatch(/^The camera was refused \(NotAllowedError: .*\)\. Photos still work/);
      expect((await panel(p)).camera.running).toBe(false);
      expect(await p.isEnabled('#photos-camera-start')).toBe(true);
      // the three files dropped on the panel at once: sorted by content (checkpoint magic, weights extension, photo)
      await p.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<input type="file" id="drag-source" multiple hidden>'));
      await p.setInputFiles('#drag-source', [PHOTO, files.weights, files.checkpoint]);
      await p.evaluate(() => {
        const dt = new DataTransfer();
        for (const f of (document.getElementById('drag-source') as HTMLInputElement).files!) dt.items.add(f);
        document.getElementById('photos')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      });
      await until('s.photos.length === 1', 120_000, p);
      expect((await panel(p)).photos[0].caption).toBe(expected);
    } finally {
      await denied.close();
    }
  });

  it('no camera at all: the panel says so', async () => {
    const none = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, '--use-fake-ui-for-media-stream'], headless: true });
    try {
      const p = await none.newPage();
      await p.goto(`http://127.0.0.1:${server.port}/`);
      await until('s && s.ready', 60_000, p);
      await p.click('#photos-camera-start');
      await until('s.camera.error !== ""', 30_000, p);
      expect(await p.textContent('#photos-message')).toMatch(/^No camera found \(NotFoundError\)\. Photos still work\.$/);
      expect(await p.isEnabled('#photos-camera-start')).toBe(true);
    } finally {
      await none.close();
    }
  });
});

// Firefox ESR (WebDriver BiDi through puppeteer-core), its fake camera; without VideoFrame (as
// in browsers that lack WebCodecs) so frames take the ImageBitmap path.
// One full run in four of this session's hung here once (120 s, not reproduced in isolation): each
// wait now names its step when it times out, and a hung browser gets one fresh launch.
describe.skipIf(!available(FIREFOX))('demo: bring your own model in Firefox', () => {
  it('captions a photo as Node does and the fake camera through ImageBitmaps', { retry: 1, timeout: 200_000 }, async () => {
    const ff = await puppeteer.launch({
      browser: 'firefox', executablePath: FIREFOX.path, headless: true,
      extraPrefsFirefox: { 'media.navigator.streams.fake': true, 'media.navigator.permission.disabled': true },
    });
    try {
      const p = await ff.newPage();
      await p.evaluateOnNewDocument(() => { delete (globalThis as { VideoFrame?: unknown }).VideoFrame; });
      await p.goto(`http://127.0.0.1:${server.port}/`);
      const wait = firefoxWait(p);
      await wait('s && s.ready');
      expect(await p.evaluate(() => [crossOriginIsolated, typeof (globalThis as { VideoFrame?: unknown }).VideoFrame])).toEqual([true, 'undefined']);
      const input = async (id: string) => (await p.$(`#${id}`)) as ElementHandle<HTMLInputElement>;
      await (await input('photos-checkpoint-file')).uploadFile(files.checkpoint);
      await (await input('photos-encoder-file')).uploadFile(files.weights);
      await wait('s.captionerReady');
      await (await input('photos-image-file')).uploadFile(PHOTO);
      await wait('s.photos.length === 1');
      expect(await p.evaluate(() => (window as never as { recapPhotos: PhotosState }).recapPhotos.photos[0].caption)).toBe(expected);
      await p.click('#photos-camera-start');
      await wait('s.camera.frames >= 3');
      const cam = await p.evaluate(() => (window as never as { recapPhotos: PhotosState }).recapPhotos.camera);
      expect(cam.error).toBe('');
      expect(cam.fps).toBeGreaterThan(0);
      expect(cam.caption.split(' ').length).toBeGreaterThan(2);
    } finally {
      await ff.close();
    }
  });

  it('a camera the site may not use: the panel says so, photos still caption', { retry: 1, timeout: 200_000 }, async () => {
    const ff = await puppeteer.launch({
      browser: 'firefox', executablePath: FIREFOX.path, headless: true,
      extraPrefsFirefox: { 'media.navigator.streams.fake': true, 'permissions.default.camera': 2 }, // 2: block
    });
    try {
      const p = await ff.newPage();
      await p.goto(`http://127.0.0.1:${server.port}/`);
      const wait = firefoxWait(p);
      await wait('s && s.ready');
      await p.click('#photos-camera-start');
      await wait('s.camera.error !== ""');
      expect(await p.$eval('#photos-message', (e) => e.textContent)).toMatch(/^The camera was refused \(NotAllowedError: .*\)\. Photos still work/);
      expect(await p.$eval('#photos-camera-start', (e) => (e as HTMLButtonElement).disabled)).toBe(false);
      const input = async (id: string) => (await p.$(`#${id}`)) as ElementHandle<HTMLInputElement>;
      await (await input('photos-checkpoint-file')).uploadFile(files.checkpoint);
      await (await input('photos-encoder-file')).uploadFile(files.weights);
      await wait('s.captionerReady');
      await (await input('photos-image-file')).uploadFile(PHOTO);
      await wait('s.photos.length === 1');
      expect(await p.evaluate(() => (window as never as { recapPhotos: PhotosState }).recapPhotos.photos[0].caption)).toBe(expected);
    } finally {
      await ff.close();
    }
  });
});
