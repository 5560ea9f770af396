// pixelAttribution: which pixels each word's probability comes from, through a trainable image
// encoder (SmallCnn, `recap train --encoder cnn`) — a saliency map per word. The function
// attributed is F_t = log p(y_t | image, earlier words), as in attribution.ts; the input is the
// normalised image x (1, 3, S, S) that the CNN reads (its zero is mid-grey), the words are kept.
//   grad-input:  A = x ⊙ ∂F_t/∂x                    (Simonyan et al. 2014's gradient, times the input)
//   integrated:  A = x ⊙ ∫₀¹ ∂F_t/∂x (α·x) dα        (zero baseline, Simpson's rule over `steps`)
// The CNN runs in test mode (running statistics: batch norm is a fixed affine map), so Σ A =
// F_t(x) − F_t(0) up to the rule's error (larger at the ReLU and max-pool kinks than for smooth
// functions).
import { checkPositiveInt } from '../core/check.js';
import { fail } from '../core/errors.js';
import { Tensor, allocTyped, checkTensor } from '../core/tensor.js';
import type { CaptioningRNN } from '../model/captioning-rnn.js';
import type { SmallCnn } from '../nn/cnn.js';
import * as layers from '../nn/layers.js';
import { simpson, wordGradients, type AttributionOptions } from './attribution.js';
import { forwardTrace } from './trace.js';

export interface PixelAttribution {
  /** (T, 3, S, S) attribution of each step's target log-probability to every pixel channel. */
  pixels: Tensor;
  /** (T, S, S) the saliency map: `pixels` summed over the colour channels. */
  saliency: Tensor;
  /** (T) F_t at the image, and (integrated) at the zero (mid-grey) image. */
  logProb: Float64Array;
  baselineLogProb: Float64Array;
}

/**
 * Per word of `captions` (1, T+1), the attribution of its log-probability to the pixels of
 * `image` (1, 3, S, S), normalised as the CNN reads it (`imagesToTensor`), through `cnn` and `model`.
 */
export function pixelAttribution(model: CaptioningRNN, cnn: SmallCnn, image: Tensor, captions: Tensor, options: AttributionOptions = {}): PixelAttribution {
  const method = options?.method ?? 'grad-input';
  if (method !== 'grad-input' && method !== 'integrated') fail('options.method', "'grad-input' or 'integrated'", method);
  const steps = method === 'integrated' ? checkPositiveInt('options.steps', options?.steps ?? 64, 1 << 16) : 0;
  if (steps % 2 !== 0) fail('options.steps', 'an even number of intervals (Simpson\'s rule)', steps);
  checkTensor('image', image);
  const S = cnn.spec.imageSize;
  if (image.shape.length !== 4 || image.shape[0] !== 1 || image.shape[1] !== 3 || image.shape[2] !== S || image.shape[3] !== S) {
    fail('image', `shape (1, 3, ${S}, ${S}) (the CNN's input)`, `[${image.shape.join(', ')}]`);
  }
  if (image.dtype !== cnn.spec.dtype) fail('image', `${cnn.spec.dtype} (the CNN's dtype)`, image.dtype);
  if (cnn.spec.outputDim !== model.config.inputDim) fail('cnn', `an encoder of ${model.config.inputDim} features (the model's input)`, cnn.spec.outputDim);
  const features = cnn.forward(image, 'test').out;
  const tr = forwardTrace(model, features, captions); // checks the captions against the model
  const { T, P, dtype } = tr;
  const D = model.config.inputDim, W = model.config.wordvecDim, n = 3 * S * S;
  const weights = simpson(steps);
  const K = weights.length;
  const alphas = weights.map((_, k) => (K === 1 ? 1 : k / steps));
  // the CNN once for every point of the path: K scaled images
  const xs = allocTyped(dtype, K * n);
  for (let k = 0; k < K; k++) for (let i = 0; i < n; i++) xs[k * n + i] = alphas[k] * image.data[i];
  const enc = cnn.forward(new Tensor(xs, [K, 3, S, S]), 'test');
  const proj = layers.affineForward(enc.out, P.W_proj, P.b_proj);
  const attr = new Float64Array(T * n);
  const logProb = new Float64Array(T), baselineLogProb = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const L = t + 1;
    const X = allocTyped(dtype, K * L * W);
    for (let k = 0; k < K; k++) X.set(tr.x.data.subarray(0, L * W), k * L * W);
    const g = wordGradients(tr, proj, new Tensor(X, [K, L, W]), t);
    const dImg = cnn.inputGradient(g.dF, enc.caches).data; // (K, 3, S, S)
    for (let i = 0; i < n; i++) {
      let g = 0;
      for (let k = 0; k < K; k++) g += weights[k] * dImg[k * n + i];
      attr[t * n + i] = image.data[i] * g;
    }
    logProb[t] = g.last;
    baselineLogProb[t] = K === 1 ? NaN : g.first;
  }
  const sal = new Float64Array(T * S * S);
  for (let t = 0; t < T; t++) for (let c = 0; c < 3; c++) for (let p = 0; p < S * S; p++) sal[t * S * S + p] += attr[t * n + c * S * S + p];
  const cast = (a: Float64Array) => (dtype === 'float64' ? a : Float32Array.from(a));
  return { pixels: new Tensor(cast(attr), [T, 3, S, S]), saliency: new Tensor(cast(sal), [T, S, S]), logProb, baselineLogProb };
}
