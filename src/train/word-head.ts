// The encoder part's word loss: an affine head on the encoder's features scores every word of the
// vocabulary, and each word of the image's caption is a target of one softmax over those scores
// (a bag of words, as the "semantic concept" heads of captioners): loss = Σ_words −log p(word) / N.
// Its gradient reaches the CNN directly rather than only through the recurrent net, which early
// in training reads little of the features: without it a CNN trained from scratch on the shapes
// world learns the colours, which its first random filters already separate, but never the
// shapes. The head is used in training only (solver state, not the model).
import { Tensor } from '../core/tensor.js';
import { affineBackward, affineForward, temporalSoftmaxLoss } from '../nn/layers.js';

/** The ids a caption row holds besides its words (<NULL>, <START>, <END>), from a vocabulary. */
export function specialIds(wordToIdx: Record<string, number>): Set<number> {
  return new Set(['<NULL>', '<START>', '<END>'].map((w) => wordToIdx[w]).filter((i) => Number.isInteger(i)));
}

export interface WordLoss {
  loss: number;
  /** d loss / d features (N, D). */
  dfeatures: Tensor;
  /** Gradients of the head's w (D, V) and b (V). */
  dw: Tensor;
  db: Tensor;
}

/**
 * The word loss of features (N, D) against caption rows `captions` (N·L ids, row n of `features`
 * ↔ row n), the head's w (D, V) and b (V); words are the ids after <START> not in `special`.
 */
export function wordLoss(features: Tensor, captions: Int32Array, L: number, w: Tensor, b: Tensor, special: Set<number>): WordLoss {
  const [N, D] = features.shape;
  const V = b.size;
  const T = L - 1;
  const { out: scores, cache } = affineForward(features, w, b);
  const x = new Tensor(features.dtype === 'float64' ? new Float64Array(N * T * V) : new Float32Array(N * T * V), [N, T, V]);
  const y = new Int32Array(N * T);
  const mask = new Int32Array(N * T);
  for (let n = 0; n < N; n++) {
    for (let t = 0; t < T; t++) {
      x.data.set(scores.data.subarray(n * V, (n + 1) * V), (n * T + t) * V);
      const id = captions[n * L + t + 1];
      y[n * T + t] = id;
      mask[n * T + t] = special.has(id) ? 0 : 1;
    }
  }
  const { loss, dx } = temporalSoftmaxLoss(x, new Tensor(y, [N, T]), new Tensor(mask, [N, T]));
  // the scores are shared by the row's T positions: their gradient is the sum over t (in order)
  const dscores = new Tensor(features.dtype === 'float64' ? new Float64Array(N * V) : new Float32Array(N * V), [N, V]);
  for (let n = 0; n < N; n++) {
    for (let t = 0; t < T; t++) {
      const at = (n * T + t) * V;
      for (let v = 0; v < V; v++) dscores.data[n * V + v] += dx.data[at + v];
    }
  }
  const g = affineBackward(dscores, cache);
  return { loss, dfeatures: g.dx, dw: g.dw, db: g.db };
}

/** Zero-initialised head parameters for features of width D and a vocabulary of V words. */
export function newWordHead(D: number, V: number, dtype: 'float32' | 'float64'): { w: Tensor; b: Tensor } {
  const make = (n: number) => (dtype === 'float64' ? new Float64Array(n) : new Float32Array(n));
  return { w: new Tensor(make(D * V), [D, V]), b: new Tensor(make(V), [V]) };
}

/** a + k·b as a new tensor (a and b of one shape). */
export function addScaled(a: Tensor, k: number, b: Tensor): Tensor {
  const out = new Tensor(a.data.slice(), a.shape);
  for (let i = 0; i < out.size; i++) out.data[i] += k * b.data[i];
  return out;
}
