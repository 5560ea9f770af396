// The demo's training worker: owns the recap runtime, the shapes dataset and the current model,
// so training never blocks the page. It speaks a small message protocol with app.js:
//
//   page -> worker                          worker -> page
//   { type: 'init', pretrainedUrl }         { type: 'ready', backend, threads, gallery, ... }
//   { type: 'start', pixels, iterations }   { type: 'progress', losses, iteration, ... }
//     a new run: on hand-made features, or (pixels) from pixels with a CNN (pixels-worker.js);
//     iterations: stop after that many (the tests' short runs)
//   { type: 'pause' } / { type: 'resume' }  { type: 'status', status, model }
//   { type: 'stop' }                        { type: 'gallery', captions, iteration }
//   { type: 'caption', id, pixels, beamSize }     { type: 'caption', id, caption, features, times: { encode, caption } }
//     pixels: the composer's RGBA image { data, width, height } at the model's input size
//   { type: 'save' }                        { type: 'saved', bytes, name }
//   { type: 'load', bytes, name }           { type: 'error', message }
//   { type: 'pretrained' }
//   { type: 'inspect' | 'race' | 'raceStop', ... }  the "Inside the model" panel (inside-worker.js)
//
// Only the package's public API is used (imported from the built package the server exposes),
// and for pixel runs the CLI's CNN architecture (pixels-worker.js).
import {
  CaptioningRNN, CaptioningSolver, FEATURE_DIM, backend, decodeCaptions, evaluateCaptions, init, loadCheckpoint, saveCheckpoint,
  sceneEvalExtra, shapesData, tensor, threads,
} from '/recap/index.js';
import { inspectCaption, runRace, stopRace } from './inside-worker.js';
import { checkpointFeatures, encoderOptions, describeCnn, encoderPart, modelInput, newCnn, pixelData, pixelSpec } from './pixels-worker.js';

// The model of npm start and of the shipped checkpoint (scripts/pretrain.mjs); the page trains it
// on shapesData()'s 4000 scenes for 10 epochs (npm start: 16000 scenes, 2 epochs).
const MODEL = { cellType: 'lstm', inputDim: FEATURE_DIM, wordvecDim: 64, hiddenDim: 128 };
const SOLVER = { updateRule: 'adam', optimConfig: { learningRate: 5e-3 }, lrDecay: 0.85, batchSize: 50, numEpochs: 10 };
const GALLERY = 8; // val images shown
// Validation while training (the solver's evalEvery): val CIDEr-D and exact-scene accuracy on
// the first EVAL_IMAGES val images, greedy, every EVAL_EVERY iterations; also once for a model
// that is loaded (the shipped checkpoint, a file).
const EVAL_EVERY = 100;
const EVAL_IMAGES = 200;
const MAX_WORDS = 16;
// Threads the runtime runs (init's default: every core when the page is cross-origin isolated,
// else 1); training steps split over them, bit-identical to 1 thread. The page shows the number.
let THREADS = 1;

let data = null; // ShapesData
let galleryFeatures = null; // Tensor (GALLERY, FEATURE_DIM)
let galleryIdx = [];
let model = null; // the current model: captions come from it
let cnn = null; // its SmallCnn when it reads pixels (a "from pixels" run, a checkpoint of one), else null
let modelInfo = { name: '', source: 'none' };
let solver = null; // the current run (null for a checkpoint without solver state)
let controller = null; // aborts the running train()
let status = 'idle'; // idle | training | paused | done
let seed = 0;
let pretrainedUrl = null;
let stopAt = 0; // a run's iteration limit ('start' with iterations), 0: none

// Progress is batched: the page gets at most ~10 messages a second.
let pendingLosses = [];
let lastPost = 0;
let lastGallery = 0;
let rateWindow = []; // [time ms, iteration] samples for a sliding iterations/second

const post = (msg, transfer) => self.postMessage(msg, transfer ?? []);
const setStatus = (s) => {
  status = s;
  post({ type: 'status', status, model: modelInfo, iteration: solver?.iteration ?? 0, numIterations: solver?.numIterations ?? 0 });
};

function clean(caption) {
  return caption.split(' ').filter((w) => w !== '<START>' && w !== '<END>' && w !== '<NULL>').join(' ');
}

/** The data the current model trains on: the shapes world's hand-made features, or its pixels' (the CNN's, rewritten as it trains). */
function trainData() {
  return cnn ? pixelData(data, cnn.spec).data : data;
}

/** The model's input for the first n val images: their hand-made features, or what the CNN makes of their pixels now. */
function valInput(n) {
  if (cnn) return cnn.encode(pixelData(data, cnn.spec).images.val.slice(0, n));
  const D = data.valFeatures.shape[1];
  return tensor(data.valFeatures.data.slice(0, n * D), [n, D], data.valFeatures.dtype);
}

function galleryCaptions() {
  const out = model.sample(cnn ? valInput(GALLERY) : galleryFeatures, { maxLength: MAX_WORDS });
  return decodeCaptions(out, data.idxToWord).map(clean);
}

function postGallery() {
  post({ type: 'gallery', captions: galleryCaptions(), iteration: solver?.iteration ?? null, model: modelInfo });
  lastGallery = performance.now();
}

/** The solver's validation options: val CIDEr-D and scene accuracy every EVAL_EVERY iterations. */
function evalOptions() {
  return { evalEvery: EVAL_EVERY, evalImages: EVAL_IMAGES, evalExtra: sceneEvalExtra(data.valScenes), onEval: postEval };
}

/** The page's metrics line: val CIDEr-D and exact-scene accuracy (overall and by object count). */
function postEval(r) {
  post({ type: 'eval', iteration: r.iteration, images: r.images, cider: r.cider, bleu4: r.bleu[3], extra: r.extra ?? {} });
}

/** The same figures for the current model outside training (a loaded or the shipped checkpoint). */
function evaluateModel() {
  const n = Math.min(EVAL_IMAGES, data.valFeatures.shape[0]);
  const images = Int32Array.from({ length: n }, (_, i) => i);
  const feats = valInput(n);
  const captions = decodeCaptions(model.sample(feats, { maxLength: MAX_WORDS }), data.idxToWord).map(clean);
  const refs = {};
  const gt = decodeCaptions(data.valCaptions, data.idxToWord);
  for (let r = 0; r < gt.length; r++) {
    const img = data.valImageIdxs.data[r];
    if (img < n) (refs[img] ??= []).push(clean(gt[r]));
  }
  const cands = Object.fromEntries(captions.map((c, i) => [i, c]));
  const m = evaluateCaptions(cands, refs, { metrics: ['bleu', 'cider'] });
  postEval({ iteration: solver?.iteration ?? 0, images: n, cider: m.cider, bleu: m.bleu, extra: sceneEvalExtra(data.valScenes)(captions, images) });
}

function flushProgress(force = false) {
  const t = performance.now();
  if (!force && t - lastPost < 100) return;
  lastPost = t;
  const it = solver.iteration;
  rateWindow.push([t, it]);
  while (rateWindow.length > 2 && t - rateWindow[0][0] > 3000) rateWindow.shift();
  const [t0, i0] = rateWindow[0];
  const rate = t > t0 ? ((it - i0) * 1000) / (t - t0) : 0;
  post({
    type: 'progress', losses: pendingLosses, iteration: it, numIterations: solver.numIterations, epoch: solver.epoch,
    itersPerSecond: rate, learningRate: solver.optimConfig.learningRate, threads: THREADS,
  });
  pendingLosses = [];
}

function replaceModel(next, info, nextCnn = null) {
  if (controller) controller.abort();
  solver?.dispose();
  solver = null;
  stopAt = 0;
  if (model && model !== next) model.dispose();
  model = next;
  cnn = nextCnn;
  modelInfo = { ...info, input: cnn ? 'pixels' : 'features', cnn: describeCnn(cnn) };
}

/** Runs (or resumes) the current solver until done, paused or stopped. */
async function run() {
  controller = new AbortController();
  // The solver's signal is fixed at construction: resuming continues from a snapshot.
  const state = solver.getState();
  const opts = solverOptions(state);
  solver.dispose();
  const mine = new CaptioningSolver(model, trainData(), { ...opts, signal: controller.signal });
  mine.setState(state);
  solver = mine;
  rateWindow = [[performance.now(), solver.iteration]];
  setStatus('training');
  try {
    await mine.train();
  } catch (e) {
    if (solver !== mine) return;
    post({ type: 'error', message: `training stopped: ${e.message}` });
    setStatus('done');
    return;
  }
  if (solver !== mine) return; // replaced by a new run or a loaded checkpoint meanwhile
  flushProgress(true);
  postGallery();
  if (solver.iteration >= solver.numIterations) setStatus('done');
  else setStatus(status === 'training' ? 'paused' : status);
}

function solverOptions(state) {
  return {
    updateRule: state.updateRule, optimConfig: { learningRate: state.optimConfig.learningRate }, lrDecay: state.lrDecay,
    batchSize: state.batchSize, numEpochs: state.numEpochs, seed: state.seed, verbose: false,
    ...evalOptions(),
    ...(cnn ? { encoder: encoderPart(cnn, data, SOLVER.batchSize, state.encoder) } : {}),
    onStep: (info) => {
      pendingLosses.push(info.loss);
      if (stopAt && info.iteration + 1 >= stopAt && status === 'training') {
        status = 'done'; // run() sees it after train() returns
        controller.abort();
      }
      flushProgress();
      if (performance.now() - lastGallery > 1500) postGallery();
    },
  };
}

async function loadPretrained() {
  const res = await fetch(pretrainedUrl);
  if (!res.ok) throw new Error(`could not fetch the pretrained checkpoint ${pretrainedUrl}: HTTP ${res.status}`);
  loadBytes(new Uint8Array(await res.arrayBuffer()), 'shapes-lstm.recap (pretrained)', 'pretrained');
}

function loadBytes(bytes, name, source) {
  const ck = loadCheckpoint(bytes, { wordToIdx: data.wordToIdx, name });
  // a model of `recap train --encoder cnn` (or of the page's "from pixels" runs) carries its CNN
  if (!ck.encoder && ck.model.config.inputDim !== FEATURE_DIM) {
    ck.model.dispose();
    throw new Error(`${name}: this model takes ${ck.model.config.inputDim}-d features, the shapes world has ${FEATURE_DIM}`);
  }
  const c = ck.model.config;
  const iterations = ck.solverState?.iteration ?? ck.meta?.iteration ?? ck.meta?.solver?.iterations ?? null;
  replaceModel(ck.model, { name, source, cellType: c.cellType, hiddenDim: c.hiddenDim, wordvecDim: c.wordvecDim, iterations }, ck.encoder);
  // Loss history: the solver's (checkpoints saved here) or the pretrain script's curve in meta.
  let losses = ck.lossHistory;
  let every = 1;
  const curve = ck.meta?.lossCurve;
  if (!losses.length && curve && Array.isArray(curve.values)) {
    losses = curve.values;
    every = curve.every ?? 1;
  }
  if (ck.solverState) {
    const s = ck.solverState;
    solver = new CaptioningSolver(model, trainData(), solverOptions(s));
    solver.setState(s);
  }
  post({ type: 'history', losses, every, model: modelInfo, iterations, epoch: ck.solverState?.epoch ?? ck.meta?.solver?.numEpochs ?? null });
  postGallery();
  evaluateModel();
  setStatus(solver && solver.iteration < solver.numIterations ? 'paused' : 'idle');
}

const handlers = {
  async init(msg) {
    pretrainedUrl = msg.pretrainedUrl;
    const t0 = performance.now();
    await init();
    THREADS = threads();
    data = shapesData({ seed: 0 });
    // a fixed mix of val images: the first GALLERY of them
    galleryIdx = Array.from({ length: GALLERY }, (_, i) => i);
    const D = FEATURE_DIM;
    galleryFeatures = tensor(data.valFeatures.data.slice(0, GALLERY * D), [GALLERY, D]);
    const cpi = data.valCaptions.shape[0] / data.valFeatures.shape[0];
    const L = data.valCaptions.shape[1];
    const gallery = galleryIdx.map((i) => ({
      index: i,
      scene: data.valScenes[i],
      truth: Array.from({ length: cpi }, (_, c) => clean(decodeCaptions(data.valCaptions.data.subarray((i * cpi + c) * L, (i * cpi + c + 1) * L), data.idxToWord))),
    }));
    post({
      type: 'ready', backend: backend(), threads: THREADS, crossOriginIsolated: self.crossOriginIsolated === true,
      gallery, numTrainCaptions: data.trainCaptions.shape[0], numTrainImages: data.trainFeatures.shape[0],
      numValImages: data.valFeatures.shape[0], setupMs: performance.now() - t0,
      config: { model: MODEL, solver: SOLVER, pixels: { cnn: pixelSpec(data), encoder: encoderOptions(data, SOLVER.batchSize), outputDim: pixelSpec(data).outputDim } },
    });
    await loadPretrained();
  },
  async start(msg) {
    // from pixels: a CNN (the CLI's architecture) feeds the model its features of the rendered scenes, trained with it
    const net = msg.pixels ? newCnn(seed, data) : null;
    const m = new CaptioningRNN({ wordToIdx: data.wordToIdx, ...MODEL, inputDim: net ? net.spec.outputDim : FEATURE_DIM, seed });
    const what = net ? 'from pixels' : 'on features';
    replaceModel(m, { name: `training run ${what} (seed ${seed})`, source: 'training', cellType: MODEL.cellType, hiddenDim: MODEL.hiddenDim, wordvecDim: MODEL.wordvecDim }, net);
    solver = new CaptioningSolver(model, trainData(), {
      ...SOLVER, seed, verbose: false, ...evalOptions(), ...(net ? { encoder: encoderPart(net, data, SOLVER.batchSize) } : {}),
    });
    stopAt = Number.isInteger(msg.iterations) && msg.iterations > 0 ? msg.iterations : 0;
    seed++;
    pendingLosses = [];
    post({ type: 'history', losses: [], every: 1, model: modelInfo, iterations: 0, epoch: 0 });
    postGallery();
    await run();
  },
  pause() {
    if (status === 'training') {
      status = 'paused'; // run() sees it after train() returns
      controller.abort();
    }
  },
  async resume() {
    if (status === 'paused' && solver) await run();
  },
  stop() {
    if (status === 'training') {
      status = 'done';
      controller.abort();
    } else if (status === 'paused') {
      setStatus('done');
    }
  },
  caption(msg) {
    if (!model) return; // the page asks again once a model is loaded
    const t0 = performance.now();
    const feats = modelInput(cnn, msg.pixels); // the CNN's features of the pixels, or the hand-made ones
    const t1 = performance.now();
    const out = model.sample(feats, { maxLength: MAX_WORDS, beamSize: msg.beamSize ?? 1 });
    const caption = clean(decodeCaptions(out, data.idxToWord)[0]);
    const t2 = performance.now();
    post({ type: 'caption', id: msg.id, caption, model: modelInfo, features: Float32Array.from(feats.data), times: { encode: t1 - t0, caption: t2 - t1 } });
  },
  save() {
    const meta = { name: modelInfo.name, dataset: { name: 'shapes', seed: 0 }, createdBy: 'recap demo', maxLength: MAX_WORDS, iteration: solver?.iteration ?? modelInfo.iterations ?? 0 };
    const bytes = saveCheckpoint(model, solver, meta, checkpointFeatures(cnn), cnn);
    const it = solver ? `-iter${solver.iteration}` : '';
    post({ type: 'saved', bytes, name: `shapes-${cnn ? 'pixels-' : ''}${model.config.cellType}${it}.recap` }, [bytes.buffer]);
  },
  load(msg) {
    if (status === 'training') handlers.pause();
    loadBytes(new Uint8Array(msg.bytes), msg.name, 'file');
  },
  async pretrained() {
    if (status === 'training') handlers.pause();
    await loadPretrained();
  },
  inspect(msg) {
    if (model) inspectCaption(model, { id: msg.id, features: modelInput(cnn, msg.pixels) }, MAX_WORDS, post);
  },
  async race(msg) {
    if (status === 'training') handlers.pause(); // two cores at most: one run at a time
    await runRace(data, msg, post);
  },
  raceStop() {
    stopRace();
  },
};

// Handlers are not queued: while a run awaits inside train() (it yields every ~12 ms), pause,
// stop, caption and save messages are handled between two iterations.
self.onmessage = async (e) => {
  const msg = e.data;
  try {
    await handlers[msg.type](msg);
  } catch (err) {
    post({ type: 'error', message: err?.message ?? String(err), request: msg.type, id: msg.id });
  }
};
