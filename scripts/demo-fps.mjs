#!/usr/bin/env node
// Frames per second of the demo's "Bring your own model" panel in Chromium, captioning Chromium's
// fake camera (640×480) on 1 and 2 threads, with two models:
//   resnet18  a ResNet-18 encoder at 224² (resize 256, crop 224: torchvision's default) and an
//             LSTM of CS231n's COCO size (W=256, H=512, 1004 words), 16 words per caption
//   cnn       the pixel model of the built-in world (`recap train --encoder cnn`, the demo's
//             "Train from pixels"): the CLI's SmallCnn (cnnSpec of the shapes world; frames resized and
//             centre-cropped to its input) and the demo's LSTM (W=64, H=128, the shapes
//             vocabulary), 16 words per caption (the page's longest)
// Greedy; <END> never wins, so every caption runs its 16 words (the slowest case). The weights are
// seeded (the time does not depend on them). Prints the mean time of each step over the frames
// after a warm-up, and the CPU (README's demo section). Needs `npm run build` and Debian's Chromium.
//
//   node scripts/demo-fps.mjs [--frames 20] [--threads 1,2] [--models resnet18,cnn]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright';
import { startServer } from '../demo/server.mjs';
import { CaptioningRNN, SmallCnn, Tensor, cnnRecipe, init, loadEncoder, saveCheckpoint, shapesData, shapesVocab, writeSafetensors } from '../dist/index.js';
import { cnnSpec } from '../dist/cli/encoder.js';
import { TRAIN_FLAGS } from '../dist/cli/commands.js';

// as vitest.browser.config.ts (a .ts file Node does not import)
const CHROMIUM = process.env.RECAP_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

const arg = (name, d) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : d;
};
const FRAMES = Number(arg('frames', 20));
const WARMUP = 3;
const THREADS = arg('threads', '1,2').split(',').map(Number);
const MODELS = arg('models', 'resnet18,cnn').split(',');

/** A resnet18 state dict with torchvision's names and shapes (test/fixtures/vision/keys.json), LCG values. */
function stateDict() {
  const { keys } = JSON.parse(readFileSync(new URL('../test/fixtures/vision/keys.json', import.meta.url), 'utf8'));
  let s = 1;
  const u = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 31 - 1;
  const sd = {};
  for (const [name, shape] of keys.resnet18) {
    const n = shape.reduce((a, b) => a * b, 1);
    if (name.endsWith('num_batches_tracked')) { sd[name] = new Tensor(new Int32Array(n), shape); continue; }
    const scale = shape.length >= 2 ? 1 / Math.sqrt(n / shape[0]) : 0.1;
    const base = name.endsWith('running_var') || (shape.length === 1 && name.endsWith('.weight') && !name.startsWith('fc')) ? 1 : 0;
    sd[name] = new Tensor(Float32Array.from({ length: n }, () => base + scale * u()), shape);
  }
  return sd;
}

/** A seeded LSTM whose <END> never wins: every caption runs its 16 words (the slowest case). */
function endlessModel(wordToIdx, inputDim, wordvecDim, hiddenDim) {
  const model = new CaptioningRNN({ wordToIdx, inputDim, wordvecDim, hiddenDim, cellType: 'lstm', seed: 1 });
  const b = model.getParams().b_vocab;
  const bias = Float32Array.from(b.data);
  bias[wordToIdx['<END>']] = -100;
  model.setParams({ b_vocab: new Tensor(bias, b.shape) });
  return model;
}

await init();
const dir = mkdtempSync(join(tmpdir(), 'recap-demo-fps-'));
// each model: its files (dropped on the panel in this order) and its description
const setups = {};
if (MODELS.includes('resnet18')) {
  const sd = stateDict();
  const encoder = await loadEncoder(sd, { arch: 'resnet18' });
  const words = ['<NULL>', '<START>', '<END>', '<UNK>', ...Array.from({ length: 1000 }, (_, i) => `w${i}`)];
  const model = endlessModel(Object.fromEntries(words.map((w, i) => [w, i])), 512, 256, 512);
  writeFileSync(join(dir, 'fps.recap'), saveCheckpoint(model, null, { maxLength: 16 }, { recipe: { encoder: encoder.recipe(), pca: null }, pca: null }));
  writeFileSync(join(dir, 'resnet18.safetensors'), writeSafetensors(sd));
  model.dispose();
  encoder.dispose();
  setups.resnet18 = { files: [['checkpoint', 'fps.recap'], ['encoder', 'resnet18.safetensors']], about: 'ResNet-18 224², LSTM W=256 H=512, 1004 words' };
}
if (MODELS.includes('cnn')) {
  const spec = cnnSpec(shapesData({ numTrain: 16000, numVal: 500 }), TRAIN_FLAGS.encoderConceptLoss.default); // recap train --encoder cnn's
  const cnn = new SmallCnn(spec, 1);
  const model = endlessModel(shapesVocab().wordToIdx, spec.outputDim, 64, 128);
  writeFileSync(join(dir, 'fps-pixels.recap'), saveCheckpoint(model, null, { maxLength: 16 }, { recipe: cnnRecipe(cnn), pca: null }, cnn));
  const V = model.idxToWord.length;
  model.dispose();
  const s = spec;
  setups.cnn = {
    files: [['checkpoint', 'fps-pixels.recap']],
    about: `pixel model: SmallCnn ${s.imageSize}² (${s.channels.join('-')} filters, ${s.outputDim} features), LSTM W=64 H=128, ${V} words`,
  };
}

const server = await startServer({ port: 0 });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'], headless: true });
const rows = [];
try {
  for (const name of MODELS) for (const threads of THREADS) {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.port}/?photos-threads=${threads}`);
    await page.waitForFunction(() => window.recapPhotos?.ready);
    // let the training panel's worker finish loading and evaluating its checkpoint first
    await page.waitForFunction(() => document.querySelector('#stat-scene')?.textContent?.endsWith('%'), null, { timeout: 120_000 });
    for (const [slot, file] of setups[name].files) await page.setInputFiles(`#photos-${slot}-file`, join(dir, file));
    await page.waitForFunction(() => window.recapPhotos.captionerReady, null, { timeout: 120_000 });
    await page.click('#photos-camera-start');
    await page.waitForFunction((n) => window.recapPhotos.camera.frames >= n, WARMUP + FRAMES, { timeout: 600_000, polling: 200 });
    const s = await page.evaluate(() => window.recapPhotos);
    const log = s.camera.log.slice(WARMUP, WARMUP + FRAMES);
    const mean = (k) => log.reduce((a, t) => a + t[k], 0) / log.length;
    const t = Object.fromEntries(['decode', 'preprocess', 'encode', 'caption'].map((k) => [k, mean(k)]));
    rows.push({ name, threads: s.threads, frames: log.length, ...t, modelFps: 1000 / (t.encode + t.caption), liveFps: s.camera.fps });
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
const cpu = execFileSync('lscpu', { encoding: 'utf8' }).split('\n').find((l) => l.startsWith('Model name'))?.split(':')[1].trim();
console.log(`Chromium ${browser.version()}, ${cpu}; 16-word greedy captions, fake camera 640×480`);
for (const name of MODELS) console.log(`  ${name}: ${setups[name].about}`);
console.log('| model | threads | decode | preprocess | encode | caption | encode + caption | frames/s (all steps) |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
const f = (v) => `${v.toFixed(1)} ms`;
for (const r of rows) {
  console.log(`| ${r.name} | ${r.threads} | ${f(r.decode)} | ${f(r.preprocess)} | ${f(r.encode)} | ${f(r.caption)} | **${r.modelFps.toFixed(1)} fps** | ${r.liveFps.toFixed(1)} |`);
}
