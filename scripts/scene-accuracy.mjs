#!/usr/bin/env node
// Measures how well a model captions the built-in shapes world: exact-scene accuracy (the caption
// names exactly the scene's objects by colour and shape; src/eval/scene.ts) on the val split with
// greedy decoding, by number of objects, and the wall time of training. Trains the way
// `recap train` does (CaptioningSolver.train() on every thread), or scores a checkpoint.
//
//   npm run build && node scripts/scene-accuracy.mjs [--hidden 128] [--wordvec 64] [--epochs 2]
//       [--batch 50] [--lr 5e-3] [--lr-decay 0.85] [--num-train 16000] [--num-val 500]
//       [--seed 0] [--data-seed 0] [--threads N] [--cell lstm]
//   node scripts/scene-accuracy.mjs --checkpoint assets/shapes-lstm.recap
//   node scripts/scene-accuracy.mjs --checkpoint out-cnn/model.recap   # a --encoder cnn run: its CNN's features
//
// Prints one line per setting and a JSON line (for tables) with every figure.
import { readFileSync } from 'node:fs';
import {
  CaptioningRNN, CaptioningSolver, decodeCaptions, formatAccuracy, init, loadCheckpoint, renderScene, sceneAccuracy, shapesData, Tensor, threads,
} from '../dist/index.js';

const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const num = (name, fallback) => Number(arg(name, String(fallback)));

const checkpoint = arg('checkpoint', null);
await init({ threads: arg('threads', undefined) === undefined ? undefined : num('threads', 1) });
const t0 = performance.now();
const data = shapesData({ numTrain: num('num-train', 16000), numVal: num('num-val', 500), seed: num('data-seed', 0) });
const tData = (performance.now() - t0) / 1000;

let model, config, trainSeconds = 0, finalLoss = NaN;
if (checkpoint) {
  const ck = loadCheckpoint(new Uint8Array(readFileSync(checkpoint)), { wordToIdx: data.wordToIdx });
  model = ck.model;
  config = { checkpoint };
  if (ck.encoder) {
    // a model trained with --encoder cnn reads its CNN's features of the rendered scenes
    const size = ck.encoder.spec.imageSize;
    const at = (images, scenes) => (data.imageSize === size ? images : scenes.map((s) => renderScene(s, size)));
    data.trainFeatures = ck.encoder.encode(at(data.trainImages, data.trainScenes));
    data.valFeatures = ck.encoder.encode(at(data.valImages, data.valScenes));
  }
} else {
  config = {
    cell: arg('cell', 'lstm'), hidden: num('hidden', 128), wordvec: num('wordvec', 64), epochs: num('epochs', 2), batch: num('batch', 50),
    lr: num('lr', 5e-3), lrDecay: num('lr-decay', 0.85), seed: num('seed', 0), numTrain: data.trainFeatures.shape[0],
  };
  model = new CaptioningRNN({
    wordToIdx: data.wordToIdx, inputDim: data.trainFeatures.shape[1], wordvecDim: config.wordvec, hiddenDim: config.hidden,
    cellType: config.cell, seed: config.seed,
  });
  const solver = new CaptioningSolver(model, data, {
    updateRule: 'adam', optimConfig: { learningRate: config.lr }, lrDecay: config.lrDecay, batchSize: config.batch,
    numEpochs: config.epochs, seed: config.seed, verbose: false,
  });
  const t1 = performance.now();
  await solver.train();
  trainSeconds = (performance.now() - t1) / 1000;
  const h = solver.lossHistory;
  finalLoss = h.slice(-50).reduce((s, v) => s + v, 0) / Math.min(50, h.length);
  config.iterations = solver.numIterations;
  solver.dispose();
}

const maxLength = data.trainCaptions.shape[1] - 1;
const split = (features, scenes) => {
  const captions = decodeCaptions(model.sample(features, { maxLength }), data.idxToWord);
  return { captions, acc: sceneAccuracy(captions, scenes) };
};
const val = split(data.valFeatures, data.valScenes);
// the first 1000 train images (as `recap train` scores them)
const nTrain = Math.min(1000, data.trainFeatures.shape[0]), d = data.trainFeatures.shape[1];
const train = split(new Tensor(data.trainFeatures.data.slice(0, nTrain * d), [nTrain, d]), data.trainScenes.slice(0, nTrain));

const line = (name, a) => `${name.padEnd(6)} all ${formatAccuracy(a.all)}  1: ${formatAccuracy(a.byObjects[1])}  2: ${formatAccuracy(a.byObjects[2])}  3: ${formatAccuracy(a.byObjects[3])}`;
console.log(`${JSON.stringify(config)}  threads ${threads()}  data ${tData.toFixed(1)} s  train ${trainSeconds.toFixed(1)} s  loss(last 50) ${finalLoss.toFixed(3)}`);
console.log(line('train', train.acc));
console.log(line('val', val.acc));
if (argv.includes('--show-wrong')) {
  val.acc.correct.forEach((ok, i) => {
    if (ok) return;
    const truth = data.valScenes[i].objects.map((o) => `${o.size} ${o.colour} ${o.shape}`).join(', ');
    console.log(`  ${String(i).padStart(4)}  ${val.captions[i].replace(/<START> | <END>.*/g, '')}  | ${truth}`);
  });
}
const pct = (a) => Number((100 * a.accuracy).toFixed(1));
console.log(JSON.stringify({
  ...config, threads: threads(), trainSeconds: Number(trainSeconds.toFixed(1)), loss: Number(finalLoss.toFixed(4)),
  val: { all: pct(val.acc.all), 1: pct(val.acc.byObjects[1]), 2: pct(val.acc.byObjects[2]), 3: pct(val.acc.byObjects[3]) },
  train: { all: pct(train.acc.all), 3: pct(train.acc.byObjects[3]) },
}));
model.dispose();
