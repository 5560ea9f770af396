// The demo page: UI only. Training, sampling and checkpoints run in worker.js; this thread draws
// scenes with recap's own renderer and sends the worker the pixels of the small canvas (the
// worker makes the model's input of them: hand-made features, or a pixel model's CNN features).
// ?iterations=N stops every training run after N iterations (the tests' short runs).
import {
  COLOURS, COLOUR_RGB, FEATURE_SIZE, SHAPES, SIZES, SIZE_RADIUS, makeShapesScenes, renderScene,
} from '/recap/index.js';
import { createInside } from './inside.js';

const $ = (id) => document.getElementById(id);
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const send = (msg, transfer) => worker.postMessage(msg, transfer ?? []);

// State the tests (and curious users) can read: window.recapDemo.
const state = {
  ready: false,
  status: 'loading',
  losses: [], // one value per `every` iterations
  every: 1,
  iteration: 0,
  numIterations: 0,
  gallery: [], // { index, scene, truth[] }
  captions: [],
  galleryUpdates: 0,
  composeCaption: '',
  composeRequests: 0,
  composeTimes: null, // { read, encode, caption } ms of the last caption (read: the canvas's pixels, in the page)
  composeFeatures: null, // the model's input for the composed scene, as the worker computed it
  inputSize: FEATURE_SIZE, // side of the small canvas: the pixel model's input size, else the features'
  scene: null, // the composed scene (set below)
  errors: [],
  model: null,
};
window.recapDemo = state;
const inside = createInside({ $, send, state });

// ---------------------------------------------------------------------------------------------
// Worker messages

worker.onmessage = (e) => {
  const msg = e.data;
  switch (msg.type) {
    case 'ready': onReady(msg); break;
    case 'status': onStatus(msg); break;
    case 'history': onHistory(msg); break;
    case 'progress': onProgress(msg); break;
    case 'eval': onEval(msg); break;
    case 'gallery': onGallery(msg); break;
    case 'caption': onCaption(msg); break;
    case 'saved': download(msg.bytes, msg.name); break;
    case 'inspect': case 'race': inside.handle(msg); break;
    case 'error':
      state.errors.push(msg.message);
      note(msg.message, true);
      console.error('recap demo worker:', msg.message);
      break;
  }
};
worker.onerror = (e) => {
  state.errors.push(e.message);
  setStatusText('error', `worker error: ${e.message}`);
};

function onReady(msg) {
  state.ready = true;
  $('pill-backend').textContent = `wasm: ${msg.backend}`;
  $('pill-threads').textContent = `threads: ${msg.threads}`;
  $('stat-threads').textContent = String(msg.threads);
  const iso = msg.crossOriginIsolated;
  $('pill-isolated').textContent = `isolated: ${iso ? 'yes' : 'no'}`;
  $('pill-isolated').classList.toggle('ok', iso);
  const { model: m, solver: s } = msg.config;
  $('loss-caption').textContent =
    `Loss per minibatch (log scale): thin line raw, thick line smoothed. New runs: LSTM, W=${m.wordvecDim}, H=${m.hiddenDim}, ` +
    `Adam lr ${s.optimConfig.learningRate}, batch ${s.batchSize}, ${s.numEpochs} epochs of ${msg.numTrainCaptions} captions ` +
    `(${msg.numTrainImages} train images). From pixels: the same LSTM on the features of a CNN trained with it ` +
    `(${msg.config.pixels.cnn.imageSize}×${msg.config.pixels.cnn.imageSize} pixels, ${msg.config.pixels.cnn.channels.join('-')} filters, ` +
    `${msg.config.pixels.outputDim} features; Adam lr ${msg.config.pixels.encoder.learningRate}), as recap train --encoder cnn.`;
  state.config = msg.config;
  state.gallery = msg.gallery;
  buildGallery();
  for (const id of ['btn-start', 'btn-start-pixels', 'btn-save', 'btn-load', 'btn-pretrained']) $(id).disabled = false;
  requestCaption();
}

function onStatus(msg) {
  state.status = msg.status;
  setModel(msg.model);
  const label = { idle: 'ready', training: 'training', paused: 'paused', done: 'finished' }[msg.status] ?? msg.status;
  setStatusText(msg.status, label);
  $('btn-pause').disabled = !(msg.status === 'training' || msg.status === 'paused');
  $('btn-pause').textContent = msg.status === 'paused' ? 'Resume' : 'Pause';
  $('btn-stop').disabled = !(msg.status === 'training' || msg.status === 'paused');
  $('btn-start').textContent = msg.status === 'training' || msg.status === 'paused' ? 'Restart' : 'Train new model';
  if (msg.status !== 'training') $('stat-rate').textContent = '–';
  if (msg.numIterations) {
    state.iteration = msg.iteration;
    state.numIterations = msg.numIterations;
    showProgress();
  }
  requestCaption();
}

function onHistory(msg) {
  // a new model: a fresh run (empty history) or a checkpoint (its saved loss history)
  state.losses = [...msg.losses];
  state.every = msg.every;
  state.iteration = msg.iterations ?? 0;
  state.numIterations = 0;
  setModel(msg.model);
  $('stat-iter').textContent = msg.iterations === null ? '–' : String(msg.iterations);
  $('stat-epoch').textContent = msg.epoch === null ? '–' : String(msg.epoch);
  $('stat-loss').textContent = '–';
  $('stat-rate').textContent = '–';
  $('stat-lr').textContent = '–';
  $('progress-bar').style.width = msg.losses.length ? '100%' : '0%';
  drawLoss();
}

function onProgress(msg) {
  state.losses.push(...msg.losses);
  state.iteration = msg.iteration;
  state.numIterations = msg.numIterations;
  $('stat-epoch').textContent = String(msg.epoch);
  $('stat-rate').textContent = msg.itersPerSecond.toFixed(1);
  $('stat-threads').textContent = String(msg.threads);
  $('stat-lr').textContent = msg.learningRate.toExponential(2);
  if (msg.losses.length) $('stat-loss').textContent = msg.losses[msg.losses.length - 1].toFixed(3);
  showProgress();
  scheduleLossDraw();
}

/** Val CIDEr-D and exact-scene accuracy (the share of val scenes whose caption names exactly their objects). */
function onEval(msg) {
  const pct = (v) => (v === undefined ? '–' : `${(100 * v).toFixed(1)}%`);
  const x = msg.extra;
  $('stat-cider').textContent = msg.cider.toFixed(3);
  $('stat-scene').textContent = pct(x.scene);
  $('stat-scene').title = `exact scenes on ${msg.images} val images at iteration ${msg.iteration}: 1 object ${pct(x.scene1)}, 2 objects ${pct(x.scene2)}, 3 objects ${pct(x.scene3)}`;
  $('stat-cider').title = `val CIDEr-D (coco-caption) on ${msg.images} images at iteration ${msg.iteration}; BLEU-4 ${msg.bleu4.toFixed(3)}`;
}

function showProgress() {
  $('stat-iter').textContent = `${state.iteration} / ${state.numIterations}`;
  $('progress-bar').style.width = `${state.numIterations ? (100 * state.iteration) / state.numIterations : 0}%`;
}

function setModel(model) {
  if (!model) return;
  state.model = model;
  const shape = model.cellType ? ` (${model.cellType.toUpperCase()}, W=${model.wordvecDim}, H=${model.hiddenDim})` : '';
  const trained = model.source !== 'training' && model.iterations ? `, trained ${model.iterations} iterations` : '';
  const c = model.cnn;
  const input = c ? ` It reads pixels: a CNN (${c.imageSize}×${c.imageSize}, ${c.channels.join('-')} filters, ${c.outputDim} features, ${c.params} parameters) trained with it.`
    : ' It reads hand-made colour features.';
  $('model-name').textContent = `Model: ${model.name}${shape}${trained}.${input} Gallery and canvas captions come from this model.`;
  setInputSize(c ? c.imageSize : FEATURE_SIZE);
}

function setStatusText(status, text) {
  $('status').dataset.status = status;
  $('status').textContent = text;
}

// ---------------------------------------------------------------------------------------------
// Controls

const ITERATIONS = Number(new URLSearchParams(location.search).get('iterations')) || undefined;
$('btn-start').onclick = () => send({ type: 'start', iterations: ITERATIONS });
$('btn-start-pixels').onclick = () => send({ type: 'start', pixels: true, iterations: ITERATIONS });
$('btn-pause').onclick = () => send({ type: state.status === 'paused' ? 'resume' : 'pause' });
$('btn-stop').onclick = () => send({ type: 'stop' });
$('btn-save').onclick = () => send({ type: 'save' });
$('btn-pretrained').onclick = () => send({ type: 'pretrained' });
$('btn-load').onclick = () => $('file-load').click();
$('file-load').onchange = async () => {
  const file = $('file-load').files[0];
  if (!file) return;
  const bytes = await file.arrayBuffer();
  send({ type: 'load', bytes, name: file.name }, [bytes]);
  $('file-load').value = '';
};

function download(bytes, name) {
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---------------------------------------------------------------------------------------------
// Loss curve: a small hand-made SVG chart, log-scale y, raw and smoothed lines.

const SVG_NS = 'http://www.w3.org/2000/svg';
let lossDrawPending = false;
function scheduleLossDraw() {
  if (lossDrawPending) return;
  lossDrawPending = true;
  requestAnimationFrame(() => {
    lossDrawPending = false;
    drawLoss();
  });
}

function el(name, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function drawLoss() {
  const svg = $('loss-svg');
  const W = 640, H = 300, L = 52, R = 14, T = 12, B = 36;
  const pw = W - L - R, ph = H - T - B;
  svg.replaceChildren();
  const losses = state.losses;
  const every = state.every;
  if (losses.length < 2) {
    svg.append(el('rect', { class: 'frame', x: L, y: T, width: pw, height: ph, rx: 4 }));
    svg.append(el('text', { class: 'empty', x: L + pw / 2, y: T + ph / 2, 'text-anchor': 'middle' }, 'press “Train new model” to watch the loss fall'));
    return;
  }
  const n = losses.length;
  const xMax = Math.max(state.numIterations, n * every);
  let lo = Infinity, hi = -Infinity;
  for (const v of losses) {
    if (v > 0 && Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  const yLo = Math.log10(lo * 0.9), yHi = Math.log10(hi * 1.1);
  const sx = (i) => L + (pw * i) / xMax;
  const sy = (v) => T + ph * (1 - (Math.log10(v) - yLo) / (yHi - yLo || 1));

  // grid and axes: y ticks at 1, 2, 5 × 10^k inside the range
  const grid = el('g', { class: 'grid' });
  const axis = el('g', { class: 'axis' });
  for (let k = Math.floor(yLo) - 1; k <= Math.ceil(yHi); k++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** k;
      const lv = Math.log10(v);
      if (lv < yLo || lv > yHi) continue;
      const y = sy(v);
      grid.append(el('line', { x1: L, x2: L + pw, y1: y, y2: y }));
      axis.append(el('text', { x: L - 6, y: y + 4, 'text-anchor': 'end' }, String(v)));
    }
  }
  const step = niceStep(xMax / 6);
  for (let x = 0; x <= xMax; x += step) {
    const px = sx(x);
    grid.append(el('line', { x1: px, x2: px, y1: T, y2: T + ph }));
    axis.append(el('text', { x: px, y: T + ph + 16, 'text-anchor': 'middle' }, String(x)));
  }
  svg.append(grid, axis);
  svg.append(el('text', { class: 'axis-label', x: L + pw / 2, y: H - 4, 'text-anchor': 'middle' }, 'iteration'));
  svg.append(el('text', { class: 'axis-label', x: 12, y: T + ph / 2, transform: `rotate(-90 12 ${T + ph / 2})`, 'text-anchor': 'middle' }, 'loss'));

  // raw: averaged per horizontal pixel; smoothed: exponential moving average
  const buckets = Math.min(n, Math.floor(pw));
  const raw = [];
  for (let b = 0; b < buckets; b++) {
    const i0 = Math.floor((b * n) / buckets), i1 = Math.max(i0 + 1, Math.floor(((b + 1) * n) / buckets));
    let s = 0;
    for (let i = i0; i < i1; i++) s += losses[i];
    raw.push(`${sx(((i0 + i1 - 1) / 2) * every).toFixed(1)},${sy(s / (i1 - i0)).toFixed(1)}`);
  }
  const alpha = Math.min(0.5, 20 / n + 2 / Math.sqrt(n)) * every ** 0.5;
  const smooth = [];
  let ema = losses[0];
  const stride = Math.max(1, Math.floor(n / pw));
  for (let i = 0; i < n; i++) {
    ema = i === 0 ? losses[0] : ema + Math.min(1, alpha) * (losses[i] - ema);
    if (i % stride === 0 || i === n - 1) smooth.push(`${sx(i * every).toFixed(1)},${sy(ema).toFixed(1)}`);
  }
  svg.append(el('polyline', { class: 'raw', points: raw.join(' ') }));
  svg.append(el('polyline', { class: 'smooth', points: smooth.join(' ') }));
  svg.append(el('rect', { class: 'frame', x: L, y: T, width: pw, height: ph, rx: 2 }));
  const last = losses[n - 1];
  $('stat-loss').textContent = last.toFixed(3);
}

function niceStep(raw) {
  const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

// ---------------------------------------------------------------------------------------------
// Gallery

const GALLERY_PX = 128;
function buildGallery() {
  const root = $('gallery');
  root.replaceChildren();
  for (const item of state.gallery) {
    const fig = document.createElement('figure');
    fig.className = 'item';
    fig.style.margin = '0';
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = GALLERY_PX;
    const img = renderScene(item.scene, GALLERY_PX);
    canvas.getContext('2d').putImageData(new ImageData(img.data, GALLERY_PX, GALLERY_PX), 0, 0);
    const gen = document.createElement('div');
    gen.className = 'gen';
    gen.textContent = '…';
    const truth = document.createElement('div');
    truth.className = 'truth';
    truth.textContent = item.truth[0];
    truth.title = item.truth.join('\n');
    fig.append(canvas, gen, truth);
    root.append(fig);
  }
}

function onGallery(msg) {
  state.captions = msg.captions;
  state.galleryUpdates++;
  const items = $('gallery').children;
  let matches = 0;
  msg.captions.forEach((c, i) => {
    const gen = items[i].querySelector('.gen');
    const match = namesObjects(c, state.gallery[i].scene);
    if (match) matches++;
    gen.textContent = c || '(empty)';
    gen.classList.toggle('match', match);
  });
  const when = msg.iteration === null ? msg.model.name : `iteration ${msg.iteration}`;
  $('gallery-meta').textContent = `greedy captions from ${when} · ✓ ${matches}/${msg.captions.length} name every object's colour and shape, and nothing else`;
  requestCaption();
}

/**
 * Does a caption name exactly the scene's objects, each by its colour and shape ("red circle",
 * or "circle that is red")? Sizes, counts and relations are not checked.
 */
function namesObjects(caption, scene) {
  const w = caption.split(' ');
  const named = new Set();
  for (let i = 0; i < w.length; i++) {
    if (COLOURS.includes(w[i]) && SHAPES.includes(w[i + 1])) named.add(`${w[i]} ${w[i + 1]}`);
    if (SHAPES.includes(w[i]) && w[i + 1] === 'that' && w[i + 2] === 'is' && COLOURS.includes(w[i + 3])) named.add(`${w[i + 3]} ${w[i]}`);
  }
  const want = scene.objects.map((o) => `${o.colour} ${o.shape}`);
  return named.size === want.length && want.every((p) => named.has(p));
}

// ---------------------------------------------------------------------------------------------
// Scene composer: a Scene object drawn by recap's renderScene, so drawn scenes are rendered
// exactly like the dataset's; features come from the 32×32 canvas's ImageData.

const BIG = 320;
const MARGIN = 0.03; // as the dataset: centres keep r + 0.03 from the border
const pick = { shape: 'circle', colour: 'red', size: 'big' };
const scene = {
  background: 238,
  objects: [makeObject('triangle', 'blue', 'big', 0.32, 0.36), makeObject('circle', 'yellow', 'small', 0.72, 0.7)],
};
state.scene = scene;

function radius(size) {
  const [lo, hi] = SIZE_RADIUS[size];
  return (lo + hi) / 2;
}

function makeObject(shape, colour, size, x, y) {
  const r = radius(size);
  const c = (v) => Math.min(1 - r - MARGIN, Math.max(r + MARGIN, v));
  return { shape, colour, size, x: c(x), y: c(y), r, rgb: [...COLOUR_RGB[colour]] };
}

function icon(shape, colour) {
  const c = document.createElement('canvas');
  c.width = c.height = 40;
  const img = renderScene({ background: 255, objects: [{ shape, colour, size: 'big', x: 0.5, y: 0.5, r: 0.38, rgb: [...COLOUR_RGB[colour]] }] }, 40);
  c.getContext('2d').putImageData(new ImageData(img.data, 40, 40), 0, 0);
  return c;
}

function radioGroup(rootId, key, values, content) {
  const root = $(rootId);
  for (const v of values) {
    const b = document.createElement('button');
    b.type = 'button';
    b.setAttribute('role', 'radio');
    b.dataset[key] = v;
    b.id = `pick-${key}-${v}`;
    b.append(...content(v));
    b.onclick = () => {
      pick[key] = v;
      syncPalette();
    };
    root.append(b);
  }
}

function syncPalette() {
  for (const key of ['shape', 'colour', 'size']) {
    for (const b of document.querySelectorAll(`[data-${key}]`)) b.setAttribute('aria-checked', String(b.dataset[key] === pick[key]));
  }
  const iconColour = pick.colour;
  for (const b of document.querySelectorAll('[data-shape]')) {
    b.querySelector('canvas').replaceWith(icon(b.dataset.shape, iconColour));
  }
}

radioGroup('pick-shape', 'shape', SHAPES, (s) => [icon(s, pick.colour), document.createTextNode(s)]);
radioGroup('pick-colour', 'colour', COLOURS, (c) => {
  const sw = document.createElement('span');
  sw.className = 'swatch';
  sw.style.background = `rgb(${COLOUR_RGB[c].join(',')})`;
  return [sw, document.createTextNode(c)];
});
radioGroup('pick-size', 'size', SIZES, (s) => [document.createTextNode(s)]);
syncPalette();

function note(text, warn = false) {
  $('compose-note').textContent = text;
  $('compose-note').style.color = warn ? '' : 'var(--muted)';
}

$('compose-canvas').addEventListener('click', (e) => {
  const rect = e.currentTarget.getBoundingClientRect();
  const x = (e.clientX - rect.left) / rect.width;
  const y = (e.clientY - rect.top) / rect.height;
  const hit = scene.objects.findIndex((o) => (o.x - x) ** 2 + (o.y - y) ** 2 <= o.r * o.r);
  if (hit >= 0) {
    const [o] = scene.objects.splice(hit, 1);
    note(`removed the ${o.colour} ${o.shape}`);
    return redraw();
  }
  if (scene.objects.length >= 3) return note('The dataset has at most 3 shapes per scene: click a shape to remove it.', true);
  if (scene.objects.some((o) => o.colour === pick.colour)) return note(`There is already a ${pick.colour} shape: each colour appears once per scene.`, true);
  const o = makeObject(pick.shape, pick.colour, pick.size, x, y);
  const clash = scene.objects.find((p) => Math.hypot(o.x - p.x, o.y - p.y) < (o.r + p.r) * 1.15 + 0.02);
  if (clash) return note(`Too close to the ${clash.colour} ${clash.shape}: shapes in the dataset never overlap.`, true);
  scene.objects.push(o);
  note(`placed a ${o.size} ${o.colour} ${o.shape}`);
  // move on to a colour not used yet, so the next click just works
  const free = COLOURS.find((c) => !scene.objects.some((p) => p.colour === c));
  if (free) {
    pick.colour = free;
    syncPalette();
  }
  redraw();
});

$('btn-clear').onclick = () => {
  scene.objects.length = 0;
  note('');
  redraw();
};
$('btn-random').onclick = () => {
  const [s] = makeShapesScenes(1, (Math.random() * 2 ** 31) >>> 0);
  scene.objects.splice(0, scene.objects.length, ...s.objects);
  scene.background = s.background;
  note('a random scene from the dataset generator');
  redraw();
};
for (const r of document.querySelectorAll('input[name="decode"]')) r.onchange = () => requestCaption();

const smallCtx = $('compose-small').getContext('2d', { willReadFrequently: true });
function redraw() {
  const big = renderScene(scene, BIG);
  $('compose-canvas').getContext('2d').putImageData(new ImageData(big.data, BIG, BIG), 0, 0);
  const S = state.inputSize;
  const small = renderScene(scene, S);
  smallCtx.putImageData(new ImageData(small.data, S, S), 0, 0);
  requestCaption();
}

/** The small canvas at the current model's input size (a pixel model's CNN may read another size than the features' 32). */
function setInputSize(S) {
  if (S === state.inputSize) return;
  state.inputSize = S;
  $('compose-small').width = $('compose-small').height = S;
  $('compose-small-label').textContent = `what the model sees (${S}×${S})`;
  redraw();
}

let captionId = 0;
let readMs = 0; // reading the small canvas's pixels for the last request
function requestCaption() {
  if (!state.ready || !state.model) return;
  if (scene.objects.length === 0) {
    state.composeCaption = '';
    $('compose-caption').textContent = '(place a shape)';
    return;
  }
  // The model's input comes from the pixels on the small canvas (the worker encodes them)
  const S = state.inputSize;
  const t0 = performance.now();
  const { data } = smallCtx.getImageData(0, 0, S, S);
  readMs = performance.now() - t0;
  const beamSize = Number(document.querySelector('input[name="decode"]:checked').value);
  $('compose-caption').classList.add('pending');
  state.composeRequests++;
  inside.request({ data: data.slice(), width: S, height: S });
  send({ type: 'caption', id: ++captionId, pixels: { data, width: S, height: S }, beamSize }, [data.buffer]);
}

const ms = (v) => `${v < 10 ? v.toFixed(1) : v.toFixed(0)} ms`;
function onCaption(msg) {
  if (msg.id !== captionId) return; // a newer request is on its way
  state.composeCaption = msg.caption;
  state.composeFeatures = Array.from(msg.features);
  state.composeTimes = { read: readMs, ...msg.times };
  $('compose-caption').textContent = msg.caption;
  $('compose-caption').classList.remove('pending');
  const what = msg.model.input === 'pixels' ? 'encode (CNN)' : 'encode (hand-made features)';
  $('compose-times').textContent = `read pixels ${ms(readMs)} · ${what} ${ms(msg.times.encode)} · caption ${ms(msg.times.caption)}`;
}

redraw();
drawLoss();
send({ type: 'init', pretrainedUrl: new URL('/assets/shapes-lstm.recap', location.href).href });
