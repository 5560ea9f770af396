// Caption utilities with the semantics of CS231n's coco_utils.py: decode_captions and
// sample_coco_minibatch.
import { fail } from '../core/errors.js';
import { checkMemory } from '../core/check.js';
import { LegacyRandom } from '../core/rng.js';

const BYTES = { float32: 4, float64: 8, int32: 4 } as const;
import { allocTyped, Tensor } from '../core/tensor.js';
import type { CaptionData } from './types.js';

/**
 * Token ids → text, as CS231n's `decode_captions`: a 1-D input (T) gives one string, a 2-D input
 * (N, T) gives N strings. Per row: <NULL> is skipped, every other token is kept (including
 * <START>, <UNK> and <END>), decoding stops right after the first <END>, words are joined with
 * single spaces. Ids must be integers in [0, idxToWord.length).
 */
export function decodeCaptions(tokens: Tensor | Int32Array | readonly number[], idxToWord: readonly string[]): string | string[] {
  if (!Array.isArray(idxToWord)) fail('idxToWord', 'an array of words', typeof idxToWord);
  let data: ArrayLike<number>;
  let shape: readonly number[];
  if (tokens instanceof Tensor) {
    data = tokens.data;
    shape = tokens.shape;
  } else if (tokens instanceof Int32Array || Array.isArray(tokens)) {
    data = tokens as ArrayLike<number>;
    shape = [tokens.length];
  } else {
    return fail('tokens', 'a Tensor, Int32Array or number[]', tokens === null ? 'null' : typeof tokens);
  }
  if (shape.length !== 1 && shape.length !== 2) fail('tokens', 'a 1-D (T) or 2-D (N, T) tensor', `shape [${shape.join(', ')}]`);
  const single = shape.length === 1;
  const N = single ? 1 : shape[0];
  const T = single ? shape[0] : shape[1];
  const V = idxToWord.length;
  const decoded: string[] = [];
  for (let i = 0; i < N; i++) {
    const words: string[] = [];
    for (let t = 0; t < T; t++) {
      const id = data[i * T + t];
      if (!Number.isInteger(id) || id < 0 || id >= V) {
        fail(single ? `tokens[${t}]` : `tokens[${i}, ${t}]`, `a word id in [0, ${V})`, id);
      }
      const word = idxToWord[id];
      if (word !== '<NULL>') words.push(word);
      if (word === '<END>') break;
    }
    decoded.push(words.join(' '));
  }
  return single ? decoded[0] : decoded;
}

export interface MinibatchOptions {
  /** Rows to draw (default 100). */
  batchSize?: number;
  /** 'train' (default), 'val', or 'test' (Karpathy-split data have one). */
  split?: 'train' | 'val' | 'test';
  /** Seed of a fresh LegacyRandom stream (default 0) when `rng` is not given. */
  seed?: number;
  /** A stream to draw from (advanced by batchSize draws), e.g. a solver's. Wins over `seed`. */
  rng?: LegacyRandom;
}

export interface Minibatch {
  /** int32 (B, T) caption rows. */
  captions: Tensor;
  /** (B, D) image features of those captions, in the dataset's dtype. */
  features: Tensor;
  /** Image URLs of those captions, when the dataset has them. */
  urls?: string[];
}

/**
 * A random minibatch, as CS231n's `sample_coco_minibatch`: mask = choice(Nc, B) WITH
 * replacement (one `rng.randint(Nc)` per row, numpy's legacy draw), captions[mask],
 * features[imageIdxs[mask]], urls[imageIdxs[mask]].
 */
export function sampleCocoMinibatch(data: CaptionData, options: MinibatchOptions = {}): Minibatch {
  const { batchSize = 100, split = 'train', seed = 0 } = options ?? {};
  if (split !== 'train' && split !== 'val' && split !== 'test') fail('options.split', "'train', 'val' or 'test'", split);
  if (split === 'test' && !data?.testCaptions) fail('options.split', "'train' or 'val' (these data have no test split)", split);
  if (!Number.isInteger(batchSize) || batchSize < 1) fail('options.batchSize', 'a positive integer', batchSize);
  if (options?.rng !== undefined && !(options.rng instanceof LegacyRandom)) fail('options.rng', 'a LegacyRandom', typeof options.rng);
  const captions = data?.[`${split}Captions`];
  const imageIdxs = data?.[`${split}ImageIdxs`];
  const features = data?.[`${split}Features`];
  const urls = split === 'train' ? data?.trainUrls : split === 'val' ? data?.valUrls : undefined;
  if (!(captions instanceof Tensor) || captions.shape.length !== 2) fail(`data.${split}Captions`, 'a 2-D Tensor (Nc, T)', String(captions));
  if (!(imageIdxs instanceof Tensor) || imageIdxs.shape.length !== 1 || imageIdxs.size !== captions.shape[0]) {
    fail(`data.${split}ImageIdxs`, `a 1-D Tensor of ${captions.shape[0]} image indices`, String(imageIdxs));
  }
  if (!(features instanceof Tensor) || features.shape.length !== 2) fail(`data.${split}Features`, 'a 2-D Tensor (Ni, D)', String(features));
  const [Nc, T] = captions.shape;
  const [Ni, D] = features.shape;
  if (Nc < 1) fail(`data.${split}Captions`, 'at least one caption', Nc);
  checkMemory('options.batchSize', batchSize * (T * BYTES[captions.dtype] + D * BYTES[features.dtype]), 'memory (the minibatch)');
  const rng = options?.rng ?? new LegacyRandom(seed);

  const outCaptions = allocTyped(captions.dtype, batchSize * T);
  const outFeatures = allocTyped(features.dtype, batchSize * D);
  const outUrls: string[] | undefined = urls ? [] : undefined;
  for (let b = 0; b < batchSize; b++) {
    const row = rng.randint(Nc);
    outCaptions.set(captions.data.subarray(row * T, (row + 1) * T), b * T);
    const img = imageIdxs.data[row];
    if (!Number.isInteger(img) || img < 0 || img >= Ni) fail(`data.${split}ImageIdxs[${row}]`, `an image index in [0, ${Ni})`, img);
    outFeatures.set(features.data.subarray(img * D, (img + 1) * D), b * D);
    if (outUrls) outUrls.push(urls![img]);
  }
  const out: Minibatch = { captions: new Tensor(outCaptions, [batchSize, T]), features: new Tensor(outFeatures, [batchSize, D]) };
  if (outUrls) out.urls = outUrls;
  return out;
}

/**
 * The training captions cut down to `maxTrain` rows drawn as CS231n's `load_coco_data(max_train)`:
 * `mask = np.random.randint(num_train, size=max_train)` (with replacement; seed 231 draws what the
 * notebooks draw), captions[mask], imageIdxs[mask]. Features and the other splits are kept.
 */
export function drawTrainCaptions<D extends CaptionData>(data: D, maxTrain: number, seed: number): D {
  const [numTrain, T] = data.trainCaptions.shape;
  if (!Number.isInteger(maxTrain) || maxTrain < 1) fail('maxTrain', 'a positive integer (or undefined for all captions)', maxTrain);
  if (numTrain === 0) fail('maxTrain', 'undefined (the training split has no captions)', maxTrain);
  // refused before the draw: the sub-sampled captions and image indices must fit in memory
  checkMemory('maxTrain', maxTrain * (T + 2) * 4, 'memory (the sub-sampled captions)');
  const mask = new LegacyRandom(seed).randintArray(numTrain, maxTrain);
  const caps = data.trainCaptions.data as Int32Array;
  const idxs = data.trainImageIdxs.data as Int32Array;
  const newCaps = new Int32Array(maxTrain * T);
  const newIdxs = new Int32Array(maxTrain);
  for (let i = 0; i < maxTrain; i++) {
    const k = mask[i];
    newCaps.set(caps.subarray(k * T, (k + 1) * T), i * T);
    newIdxs[i] = idxs[k];
  }
  return { ...data, trainCaptions: new Tensor(newCaps, [maxTrain, T]), trainImageIdxs: new Tensor(newIdxs, [maxTrain]) };
}
