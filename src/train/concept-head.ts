// The encoder part's concept loss: the encoder's features are the probabilities (σ outputs,
// SmallCnn output 'sigmoid') of the "concepts" an image's captions hold, each a yes/no trained by
// its binary cross-entropy: the multi-label visual concepts of Fang et al. 2015, fed to the
// captioning model as its image features as in Wu et al. 2016 ("What value do explicit high level
// concepts have in vision to language problems?"). The concepts are the words and the pairs of
// adjacent words of the training captions: a word says what is in the picture, a pair of
// neighbours which things go together ("red circle" where the words alone say "red" and
// "circle"), so each object's attributes stay bound to it in features the recurrent net reads
// one by one.
import { fail } from '../core/errors.js';
import { Tensor, allocTyped } from '../core/tensor.js';
import type { CaptionData } from '../data/types.js';
import { specialIds } from './word-head.js';
import { temporalSoftmaxLoss } from '../nn/layers.js';

/** The most concepts a head predicts (the most frequent first). */
export const MAX_CONCEPTS = 1000;
/** A concept is kept when it is a yes (in at least half of the captions) for at least this many training images. */
export const MIN_CONCEPT_IMAGES = 5;

/** The concepts of a training set and each image's targets. */
export interface Concepts {
  /** (K, 2) word ids of each concept: [w, −1] a word, [w1, w2] a pair of neighbours. */
  words: Int32Array;
  /** Image i's concepts are targets[offsets[i] .. offsets[i+1]) (indices into the K concepts, ascending). */
  offsets: Int32Array;
  targets: Int32Array;
  /** How many of the image's captions hold each of its concepts (parallel to targets). */
  counts: Int32Array;
  /** Captions of each image. */
  captions: Int32Array;
}

/**
 * The concepts of data's training captions: every word and pair of adjacent words (<NULL>,
 * <START>, <END> and the like in `special` excluded) that at least half of the captions of at
 * least MIN_CONCEPT_IMAGES images hold, the MAX_CONCEPTS most frequent (ties by word ids, the
 * list then in key order), and per image its concepts with how many of its captions hold each.
 */
export function captionConcepts(data: CaptionData, special: Set<number>): Concepts {
  const caps = data.trainCaptions.data as Int32Array;
  const [rows, L] = data.trainCaptions.shape;
  const imageOf = data.trainImageIdxs.data as Int32Array;
  const images = data.trainFeatures.shape[0];
  const V = data.idxToWord.length;
  // the concepts of each image as keys w1·(V+1) + (w2+1), w2 = −1 for a word
  const perImage: Map<number, number>[] = Array.from({ length: images }, () => new Map());
  const captions = new Int32Array(images);
  for (let r = 0; r < rows; r++) {
    const img = imageOf[r];
    if (!(img >= 0 && img < images)) fail(`data.trainImageIdxs[${r}]`, `an image index in [0, ${images})`, img);
    captions[img]++;
    const set = new Set<number>();
    let prev = -1;
    for (let t = 0; t < L; t++) {
      const w = caps[r * L + t];
      if (special.has(w) || w < 0 || w >= V) {
        prev = -1;
        continue;
      }
      set.add(w * (V + 1));
      if (prev >= 0) set.add(prev * (V + 1) + w + 1);
      prev = w;
    }
    const m = perImage[img];
    for (const key of set) m.set(key, (m.get(key) ?? 0) + 1);
  }
  // a concept's frequency: the images for which it is a yes (in at least half of their captions)
  const count = new Map<number, number>();
  perImage.forEach((m, i) => {
    for (const [key, n] of m) if (2 * n >= captions[i]) count.set(key, (count.get(key) ?? 0) + 1);
  });
  const kept = [...count].filter(([, n]) => n >= MIN_CONCEPT_IMAGES).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, MAX_CONCEPTS).map(([key]) => key);
  kept.sort((a, b) => a - b);
  const index = new Map(kept.map((key, k) => [key, k]));
  const words = new Int32Array(kept.length * 2);
  kept.forEach((key, k) => {
    words[2 * k] = Math.floor(key / (V + 1));
    words[2 * k + 1] = (key % (V + 1)) - 1;
  });
  const offsets = new Int32Array(images + 1);
  const list: number[] = [];
  const counts: number[] = [];
  perImage.forEach((m, i) => {
    const ks = [...m].map(([key, n]) => [index.get(key), n]).filter((e): e is [number, number] => e[0] !== undefined).sort((a, b) => a[0] - b[0]);
    for (const [k, n] of ks) {
      list.push(k);
      counts.push(n);
    }
    offsets[i + 1] = list.length;
  });
  return { words, offsets, targets: Int32Array.from(list), counts: Int32Array.from(counts), captions };
}

/**
 * The concept loss of logits z (N, K) of features p = σ(z), row n showing image `images[n]`:
 * weight·Σ_n Σ_k mask·binary cross-entropy(σ(z_nk), y_nk) / N, and its gradient on z,
 * weight·mask·(σ(z) − y) / N. A concept in at least half of the image's captions is a yes
 * (y = 1), one in none a no (y = 0); one in fewer than half is left out (mask 0): the captions
 * disagree on it ("large" or "big", which object is named first), so it is not something the
 * image shows. Each yes/no is the kernels' softmax loss over the two scores (0, z), which is the
 * sigmoid's cross-entropy exactly.
 */
export function conceptLoss(logits: Tensor, images: ArrayLike<number>, concepts: Concepts, weight = 1): { loss: number; dlogits: Tensor } {
  const [N, K] = logits.shape;
  if (K !== concepts.words.length / 2) fail('logits', `${concepts.words.length / 2} columns (one per concept)`, K);
  if (images.length !== N) fail('images', `${N} image indices (one per row)`, images.length);
  const x = new Tensor(allocTyped(logits.dtype, N * K * 2), [N, K, 2]);
  const y = new Int32Array(N * K);
  const mask = new Int32Array(N * K).fill(1);
  for (let n = 0; n < N; n++) {
    const img = images[n];
    if (!(img >= 0 && img < concepts.captions.length)) fail(`images[${n}]`, `an image index in [0, ${concepts.captions.length})`, img);
    for (let k = 0; k < K; k++) x.data[(n * K + k) * 2 + 1] = logits.data[n * K + k];
    for (let j = concepts.offsets[img]; j < concepts.offsets[img + 1]; j++) {
      if (2 * concepts.counts[j] >= concepts.captions[img]) y[n * K + concepts.targets[j]] = 1;
      else mask[n * K + concepts.targets[j]] = 0;
    }
  }
  const { loss, dx } = temporalSoftmaxLoss(x, new Tensor(y, [N, K]), new Tensor(mask, [N, K]));
  const dlogits = new Tensor(allocTyped(logits.dtype, N * K), [N, K]);
  for (let i = 0; i < N * K; i++) dlogits.data[i] = weight * dx.data[2 * i + 1];
  return { loss: weight * loss, dlogits };
}

/** The number of concepts of data's training captions (captionConcepts'): the features a CNN trained with the concept loss gives. */
export function conceptCount(data: CaptionData): number {
  return captionConcepts(data, specialIds(data.wordToIdx)).words.length / 2;
}
