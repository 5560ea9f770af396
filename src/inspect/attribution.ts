// attribution: which inputs each word's probability comes from. The function attributed is
// F_t = log p(y_t | image, earlier words) of step t's target word; the inputs are the image
// features (D) and the word vectors x_s = W_embed[w_s] of the steps s ≤ t (a word's score is
// the sum over its W dimensions).
//   grad-input:  A = input ⊙ ∂F_t/∂input
//   integrated:  A = input ⊙ ∫₀¹ ∂F_t/∂input (α·input) dα (zero baseline, Sundararajan et al. 2017),
//                the integral by composite Simpson's rule over `steps` intervals (even), so
//                Σ A = F_t(input) − F_t(0) (completeness) up to the rule's O(steps⁻⁴) error.
import { checkPositiveInt } from '../core/check.js';
import { fail } from '../core/errors.js';
import { Tensor, allocTyped, checkTensor } from '../core/tensor.js';
import type { CaptioningRNN } from '../model/captioning-rnn.js';
import * as layers from '../nn/layers.js';
import { type Trace, forwardTrace } from './trace.js';

export interface AttributionOptions {
  method?: 'grad-input' | 'integrated';
  /** Integrated gradients: Simpson intervals along the path (even, default 64). */
  steps?: number;
}

export interface Attribution {
  /** (T,D) attribution of each step's target log-probability to the image features. */
  features: Tensor;
  /** (T,T) row t: attribution to the word vectors of steps s ≤ t (0 for s > t). */
  words: Tensor;
  /** (T) F_t at the input, and (integrated) at the zero baseline. */
  logProb: Float64Array;
  baselineLogProb: Float64Array;
}

/** Simpson weights of `steps` intervals on [0, 1] (steps even), or [1] for one point. */
export function simpson(steps: number): number[] {
  if (steps === 0) return [1];
  return Array.from({ length: steps + 1 }, (_, k) => (k === 0 || k === steps ? 1 : k % 2 === 1 ? 4 : 2) / (3 * steps));
}

/**
 * Step t's target word through the recurrent net for K rows at once: the initial states from
 * `proj` (the affine projection of K feature rows), the word vectors X (K, t+1, W). Returns
 * ∂(Σ_k log p_k(y_t))/∂features (K, D) and ∂/∂X (K, t+1, W), and F_t of the first and last row
 * (the path's baseline and input).
 */
export function wordGradients(tr: Trace, proj: { out: Tensor; cache: layers.Cache }, X: Tensor, t: number):
  { dF: Tensor; dX: Tensor; first: number; last: number } {
  const { P } = tr;
  const [K, L] = X.shape;
  const rec = tr.lstm ? layers.lstmForward(X, proj.out, P.Wx, P.Wh, P.b) : layers.rnnForward(X, proj.out, P.Wx, P.Wh, P.b);
  const aff = layers.temporalAffineForward(rec.h, P.W_vocab, P.b_vocab);
  const y = tr.cout.data[t];
  const ys = new Int32Array(K * L), mask = new Int32Array(K * L);
  for (let k = 0; k < K; k++) {
    ys[k * L + t] = y;
    mask[k * L + t] = 1;
  }
  const { dx } = layers.temporalSoftmaxLoss(aff.out, new Tensor(ys, [K, L]), new Tensor(mask, [K, L]));
  for (let i = 0; i < dx.size; i++) dx.data[i] = -K * dx.data[i]; // ∂(Σ_k log p_k)/∂scores
  const dh = layers.temporalAffineBackward(dx, aff.cache).dx;
  const back = tr.lstm ? layers.lstmBackward(dh, rec.cache) : layers.rnnBackward(dh, rec.cache);
  const dF = layers.affineBackward(back.dh0, proj.cache).dx;
  return { dF, dX: back.dx, first: -negLogProb(aff.out, 0, t, L, y), last: -negLogProb(aff.out, K - 1, t, L, y) };
}

/** −log softmax(scores)[y] of one (1,1,V) row: the kernel's loss. */
function negLogProb(scores: Tensor, row: number, step: number, T: number, y: number): number {
  const V = scores.shape[2];
  const one = allocTyped(scores.dtype, V);
  one.set(scores.data.subarray((row * T + step) * V, (row * T + step + 1) * V));
  return layers.temporalSoftmaxLoss(new Tensor(one, [1, 1, V]), new Tensor(Int32Array.of(y), [1, 1]), new Tensor(Int32Array.of(1), [1, 1])).loss;
}

export function attribution(model: CaptioningRNN, features: Tensor, captions: Tensor, options: AttributionOptions = {}): Attribution {
  const method = options?.method ?? 'grad-input';
  if (method !== 'grad-input' && method !== 'integrated') fail('options.method', "'grad-input' or 'integrated'", method);
  const steps = method === 'integrated' ? checkPositiveInt('options.steps', options?.steps ?? 64, 1 << 16) : 0;
  if (steps % 2 !== 0) fail('options.steps', 'an even number of intervals (Simpson\'s rule)', steps);
  checkTensor('features', features);
  if (features.shape.length !== 2 || features.shape[0] !== 1) fail('features', 'shape (1, D): one image', `[${features.shape.join(', ')}]`);
  const tr = forwardTrace(model, features, captions); // checks every argument
  const { T, P, dtype } = tr;
  const D = model.config.inputDim, W = model.config.wordvecDim;
  const weights = simpson(steps);
  const K = weights.length;
  const alphas = weights.map((_, k) => (K === 1 ? 1 : k / steps));
  const fa = allocTyped(dtype, T * D), wa = new Float64Array(T * T);
  const logProb = new Float64Array(T), baselineLogProb = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const L = t + 1; // steps 0..t decide F_t
    const F = allocTyped(dtype, K * D), X = allocTyped(dtype, K * L * W);
    for (let k = 0; k < K; k++) {
      for (let d = 0; d < D; d++) F[k * D + d] = alphas[k] * features.data[d];
      for (let i = 0; i < L * W; i++) X[k * L * W + i] = alphas[k] * tr.x.data[i];
    }
    const proj = layers.affineForward(new Tensor(F, [K, D]), P.W_proj, P.b_proj);
    const g = wordGradients(tr, proj, new Tensor(X, [K, L, W]), t);
    const dF = g.dF.data, dX = g.dX.data;
    for (let d = 0; d < D; d++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += weights[k] * dF[k * D + d];
      fa[t * D + d] = features.data[d] * s;
    }
    for (let s = 0; s <= t; s++) {
      let a = 0;
      for (let w = 0; w < W; w++) {
        let g = 0;
        for (let k = 0; k < K; k++) g += weights[k] * dX[(k * L + s) * W + w];
        a += tr.x.data[s * W + w] * g;
      }
      wa[t * T + s] = a;
    }
    logProb[t] = g.last;
    baselineLogProb[t] = K === 1 ? NaN : g.first;
  }
  return { features: new Tensor(fa, [T, D]), words: new Tensor(dtype === 'float64' ? wa : Float32Array.from(wa), [T, T]), logProb, baselineLogProb };
}
