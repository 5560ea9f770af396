// The training worker's "from pixels" mode (worker.js): the model of `recap train --encoder cnn`,
// a SmallCnn trained jointly with the LSTM on the shapes world's rendered scenes, no hand-made
// features. The CNN's architecture is the CLI's own (cnnSpec, dist/cli/encoder.js: one σ feature
// per caption concept of the data) and so are its learning rate, lead, first fine-tuned
// iteration, warm-up, word loss and concept loss (recap train's --encoder-lr, --encoder-lead,
// --finetune-after, --encoder-warmup, --encoder-word-loss and --encoder-concept-loss defaults):
// a change there changes the page's runs too.
import {
  EncoderPart, FEATURE_DIM, SmallCnn, Tensor, cnnRecipe, extractFeatures, renderScene, resizeAndCrop, tensor,
} from '/recap/index.js';
import { cnnSpec } from '/recap/cli/encoder.js';
import { iterationsPerEpoch } from '/recap/train/minibatch.js';
import { TRAIN_FLAGS } from '/recap/cli/commands.js';

/** The encoder part's options of a new run on `data` in minibatches of `batchSize`: recap train --encoder cnn's defaults (the lead: one epoch). */
export function encoderOptions(data, batchSize) {
  return {
    learningRate: TRAIN_FLAGS.encoderLr.default, finetuneAfter: TRAIN_FLAGS.finetuneAfter.default,
    warmup: TRAIN_FLAGS.encoderWarmup.default, wordLoss: TRAIN_FLAGS.encoderWordLoss.default,
    conceptLoss: TRAIN_FLAGS.encoderConceptLoss.default, lead: iterationsPerEpoch(data.trainCaptions.shape[0], batchSize),
  };
}

/** The CNN a new run builds on `data` (recap train --encoder cnn's). */
export function pixelSpec(data) {
  return cnnSpec(data, TRAIN_FLAGS.encoderConceptLoss.default);
}

const cache = new Map(); // `${imageSize}/${outputDim}` -> { data, images }

/**
 * The shapes data as a CNN of `spec` trains on it: the same captions and scenes, the train and
 * val images at the CNN's input size, and feature arrays of its width (written by the encoder
 * part while training, zeros until then). Built once per size.
 */
export function pixelData(data, spec) {
  const key = `${spec.imageSize}/${spec.outputDim}`;
  let p = cache.get(key);
  if (!p) {
    const at = (images, scenes) => (data.imageSize === spec.imageSize ? images : scenes.map((s) => renderScene(s, spec.imageSize)));
    const zeros = (t) => new Tensor(new Float32Array(t.shape[0] * spec.outputDim), [t.shape[0], spec.outputDim]);
    p = {
      data: { ...data, trainFeatures: zeros(data.trainFeatures), valFeatures: zeros(data.valFeatures) },
      images: { train: at(data.trainImages, data.trainScenes), val: at(data.valImages, data.valScenes) },
    };
    cache.set(key, p);
  }
  return p;
}

/** A new run's CNN on `data` (seeded as recap train seeds it: --seed). */
export function newCnn(seed, data) {
  return new SmallCnn(pixelSpec(data), seed);
}

/** The solver's encoder part over `cnn`: a new run's options (minibatches of `batchSize`), or those of a saved state (setState restores the rest). */
export function encoderPart(cnn, data, batchSize, state = null) {
  const { images } = pixelData(data, cnn.spec);
  const o = encoderOptions(data, batchSize);
  const options = state
    ? { updateRule: state.updateRule, optimConfig: { learningRate: state.optimConfig.learningRate }, finetuneAfter: state.finetuneAfter,
      warmup: state.warmup ?? 0, wordLoss: state.wordLoss ?? 0, conceptLoss: state.conceptLoss ?? 0, lead: state.lead ?? 0 }
    : { optimConfig: { learningRate: o.learningRate }, finetuneAfter: o.finetuneAfter,
      warmup: o.warmup, wordLoss: o.wordLoss, conceptLoss: o.conceptLoss, lead: o.lead };
  return new EncoderPart(cnn, images, options);
}

/** The features a checkpoint of the page records: the CNN's recipe (what `recap eval`/`sample` check), or none. */
export function checkpointFeatures(cnn) {
  return cnn ? { recipe: cnnRecipe(cnn), pca: null } : null;
}

/**
 * The model's input for one image (RGBA pixels { data, width, height }): the CNN's features of it
 * (at the CNN's input size: other sizes are resized and centre-cropped first), else the hand-made
 * features of the shapes world.
 */
export function modelInput(cnn, pixels) {
  if (!cnn) return tensor(extractFeatures(pixels), [1, FEATURE_DIM]);
  const S = cnn.spec.imageSize;
  const image = pixels.width === S && pixels.height === S ? pixels : resizeAndCrop(pixels, { resize: S, crop: S });
  return cnn.encode([image]);
}

/** What the page shows of a model's encoder: its input size and filters, or null (hand-made features). */
export function describeCnn(cnn) {
  if (!cnn) return null;
  const s = cnn.spec;
  return { imageSize: s.imageSize, channels: s.channels, outputDim: s.outputDim, head: s.head, output: s.output ?? 'linear', params: Object.values(cnn.params).reduce((a, t) => a + t.size, 0) };
}
