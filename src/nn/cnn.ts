// SmallCnn: the image encoder that `recap train --encoder cnn` trains jointly with the
// captioning model, built from the CS231n layers (conv-layers.ts, layers.ts):
//   image (N, 3, S, S) → [conv 3x3 pad 1 → spatial batchnorm → ReLU → max pool 2x2] per block
//   → flatten (or, head 'max', a max over the remaining positions) → affine to outputDim (the
//   captioning model's D) → (output 'sigmoid') σ, so each feature is a probability
// Every call runs on the calling thread, one kernel call per layer, so its numbers do not depend
// on the thread count. Pixels enter as (v − 127.5) / 127.5, RGB in [−1, 1].
import { fail } from '../core/errors.js';
import { LegacyRandom } from '../core/rng.js';
import { Tensor, allocTyped, type FloatDType } from '../core/tensor.js';
import type { RgbImage } from '../data/features.js';
import { convBackward, convForward, maxPoolBackward, maxPoolForward, reluBackward, reluForward, sigmoidBackward, sigmoidForward,
  spatialBatchnormBackward, spatialBatchnormForward } from './conv-layers.js';
import { affineBackward, affineForward, type Cache } from './layers.js';
import { type FeatureRecipe, hashTensors } from '../data/recipe.js';

/** The architecture of a SmallCnn (a checkpoint's encoder config). */
export interface CnnSpec {
  /** Side of the square input images; divisible by 2^blocks. */
  imageSize: number;
  /** Filters of each conv-BN-ReLU-pool block. */
  channels: number[];
  /** Width of the output features (the captioning model's inputDim). */
  outputDim: number;
  dtype: FloatDType;
  /** What the affine reads: 'flatten' (default) every position of the last block, 'max' each channel's maximum over them. */
  head?: 'flatten' | 'max';
  /**
   * The features: 'linear' (default) the affine's outputs, 'sigmoid' their σ, probabilities (of the
   * caption concepts the encoder part's concept loss trains them to predict, concept-head.ts).
   */
  output?: 'linear' | 'sigmoid';
}

/** The names of the trainable parameters of a spec, in order (conv{i}.w/b, bn{i}.gamma/beta, fc.w/b). */
export function cnnParamShapes(spec: CnnSpec): [string, number[]][] {
  const out: [string, number[]][] = [];
  let c = 3;
  spec.channels.forEach((f, i) => {
    out.push([`conv${i}.w`, [f, c, 3, 3]], [`conv${i}.b`, [f]], [`bn${i}.gamma`, [f]], [`bn${i}.beta`, [f]]);
    c = f;
  });
  const side = spec.head === 'max' ? 1 : spec.imageSize >> spec.channels.length;
  out.push(['fc.w', [c * side * side, spec.outputDim]], ['fc.b', [spec.outputDim]]);
  return out;
}

/** Checks a spec (from options or a file); `where` names it in errors. */
export function checkCnnSpec(where: string, s: unknown): CnnSpec {
  if (!s || typeof s !== 'object') fail(where, 'a CNN spec { imageSize, channels, outputDim, dtype }', s);
  const { imageSize, channels, outputDim, dtype, head = 'flatten', output = 'linear' } = s as Record<string, unknown>;
  if (head !== 'flatten' && head !== 'max') fail(`${where}.head`, "'flatten' or 'max'", head);
  if (output !== 'linear' && output !== 'sigmoid') fail(`${where}.output`, "'linear' or 'sigmoid'", output);
  if (!Array.isArray(channels) || channels.length < 1 || channels.length > 6 || !channels.every((c) => Number.isInteger(c) && c >= 1 && c <= 1024)) {
    fail(`${where}.channels`, '1 to 6 filter counts in [1, 1024]', channels);
  }
  const k = 2 ** channels.length;
  if (!Number.isInteger(imageSize) || (imageSize as number) < k || (imageSize as number) > 1024 || (imageSize as number) % k !== 0) {
    fail(`${where}.imageSize`, `a multiple of ${k} (2^blocks) in [${k}, 1024]`, imageSize);
  }
  if (!Number.isInteger(outputDim) || (outputDim as number) < 1 || (outputDim as number) > 65536) fail(`${where}.outputDim`, 'an integer in [1, 65536]', outputDim);
  if (dtype !== 'float32' && dtype !== 'float64') fail(`${where}.dtype`, "'float32' or 'float64'", dtype);
  return { imageSize: imageSize as number, channels: [...(channels as number[])], outputDim: outputDim as number, dtype, head, ...(output === 'sigmoid' ? { output } : {}) };
}

/** RGB(A) images of side imageSize as the network's input (N, 3, S, S). */
export function imagesToTensor(images: readonly RgbImage[], size: number, dtype: FloatDType): Tensor {
  const N = images.length;
  const P = size * size;
  const x = allocTyped(dtype, N * 3 * P) as Float32Array | Float64Array;
  images.forEach((im, n) => {
    if (!im || im.width !== size || im.height !== size) fail(`images[${n}]`, `a ${size}x${size} image (the encoder's imageSize)`, im ? `${im.width}x${im.height}` : im);
    const ch = im.data.length / P;
    if (ch !== 3 && ch !== 4) fail(`images[${n}].data`, `${3 * P} (RGB) or ${4 * P} (RGBA) bytes`, im.data.length);
    for (let p = 0; p < P; p++) {
      for (let c = 0; c < 3; c++) x[(n * 3 + c) * P + p] = (im.data[p * ch + c] - 127.5) / 127.5;
    }
  });
  return new Tensor(x, [N, 3, size, size]);
}

/** What backward needs from one forward pass. */
export interface CnnCaches {
  blocks: { conv: Cache; bn: Cache; relu: Cache; pool: Cache }[];
  fc: Cache;
  /** The global max pool of head 'max'. */
  head: Cache | null;
  /** The σ of output 'sigmoid'. */
  sigmoid: Cache | null;
  shape: number[];
}

export class SmallCnn {
  readonly spec: CnnSpec;
  /** Trainable parameters by name (cnnParamShapes order). */
  params: Record<string, Tensor>;
  /** Batchnorm running statistics (bn{i}.runningMean / bn{i}.runningVar), updated by forward in 'train' mode. */
  stats: Record<string, Tensor>;

  /** He-initialised weights (randn·√(2/fan-in)) from `seed`, zero biases, unit gammas; zero mean / unit variance running statistics. */
  constructor(spec: CnnSpec, seed = 0) {
    this.spec = checkCnnSpec('spec', spec);
    const rng = new LegacyRandom(seed);
    const { dtype } = this.spec;
    this.params = {};
    for (const [name, shape] of cnnParamShapes(this.spec)) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = allocTyped(dtype, n) as Float32Array | Float64Array;
      if (name.endsWith('.w')) {
        const fanIn = name === 'fc.w' ? shape[0] : shape[1] * 9;
        const scale = Math.sqrt(2 / fanIn);
        for (let i = 0; i < n; i++) data[i] = rng.randn() * scale;
      } else if (name.endsWith('.gamma')) data.fill(1);
      this.params[name] = new Tensor(data, shape);
    }
    this.stats = {};
    this.spec.channels.forEach((f, i) => {
      this.stats[`bn${i}.runningMean`] = new Tensor(allocTyped(dtype, f), [f]);
      this.stats[`bn${i}.runningVar`] = new Tensor((allocTyped(dtype, f) as Float32Array).fill(1), [f]);
    });
  }

  /** Features (N, outputDim) of x (N, 3, S, S); 'train' normalises with batch statistics and updates the running ones. */
  forward(x: Tensor, mode: 'train' | 'test'): { out: Tensor; caches: CnnCaches } {
    const p = this.params;
    const blocks: CnnCaches['blocks'] = [];
    let h = x;
    this.spec.channels.forEach((_, i) => {
      const conv = convForward(h, p[`conv${i}.w`], p[`conv${i}.b`], { stride: 1, pad: 1 });
      const bnParam = { mode, runningMean: this.stats[`bn${i}.runningMean`], runningVar: this.stats[`bn${i}.runningVar`] };
      const bn = spatialBatchnormForward(conv.out, p[`bn${i}.gamma`], p[`bn${i}.beta`], bnParam);
      this.stats[`bn${i}.runningMean`] = bnParam.runningMean;
      this.stats[`bn${i}.runningVar`] = bnParam.runningVar;
      const relu = reluForward(bn.out);
      const pool = maxPoolForward(relu.out, { poolHeight: 2, poolWidth: 2, stride: 2 });
      blocks.push({ conv: conv.cache, bn: bn.cache, relu: relu.cache, pool: pool.cache });
      h = pool.out;
    });
    let head: Cache | null = null;
    if (this.spec.head === 'max') {
      const side = h.shape[2];
      const g = maxPoolForward(h, { poolHeight: side, poolWidth: side, stride: side });
      head = g.cache;
      h = g.out;
    }
    const shape = [...h.shape];
    const flat = new Tensor(h.data, [shape[0], h.size / shape[0]]);
    const fc = affineForward(flat, p['fc.w'], p['fc.b']);
    const sig = this.spec.output === 'sigmoid' ? sigmoidForward(fc.out) : null;
    return { out: sig ? sig.out : fc.out, caches: { blocks, fc: fc.cache, head, sigmoid: sig ? sig.cache : null, shape } };
  }

  /**
   * Gradients of every parameter from dout = d loss / d features (N, outputDim); with output
   * 'sigmoid', `dlogits` (N, outputDim), a loss's gradient on the σ's inputs, is added to what dout
   * gives there (CnnPlan.backward does the same, in the same order).
   */
  backward(dout: Tensor, caches: CnnCaches, dlogits?: Tensor): Record<string, Tensor> {
    return this.backprop(dout, caches, dlogits).grads;
  }

  /** d loss / d x (N, 3, S, S), the gradient reaching the pixels, from dout = d loss / d features: saliency maps. */
  inputGradient(dout: Tensor, caches: CnnCaches): Tensor {
    return this.backprop(dout, caches).dx;
  }

  private backprop(dout: Tensor, caches: CnnCaches, dlogits?: Tensor): { grads: Record<string, Tensor>; dx: Tensor } {
    const grads: Record<string, Tensor> = {};
    let dz = dout;
    if (caches.sigmoid) {
      dz = sigmoidBackward(dout, caches.sigmoid).dx;
      if (dlogits) addLogitGradient(dz, dlogits);
    } else if (dlogits) fail('dlogits', "a CNN with output 'sigmoid'", this.spec.output ?? 'linear');
    const fc = affineBackward(dz, caches.fc);
    grads['fc.w'] = fc.dw;
    grads['fc.b'] = fc.db;
    let dh = new Tensor(fc.dx.data, caches.shape);
    if (caches.head) dh = maxPoolBackward(dh, caches.head).dx;
    for (let i = caches.blocks.length - 1; i >= 0; i--) {
      const c = caches.blocks[i];
      const dpool = maxPoolBackward(dh, c.pool).dx;
      const drelu = reluBackward(dpool, c.relu).dx;
      const bn = spatialBatchnormBackward(drelu, c.bn);
      const conv = convBackward(bn.dx, c.conv);
      grads[`conv${i}.w`] = conv.dw;
      grads[`conv${i}.b`] = conv.db;
      grads[`bn${i}.gamma`] = bn.dgamma;
      grads[`bn${i}.beta`] = bn.dbeta;
      dh = conv.dx;
    }
    return { grads, dx: dh };
  }

  /** Features of `images` in test mode (running statistics), in chunks of `chunk` images. */
  encode(images: readonly RgbImage[], chunk = 250): Tensor {
    const D = this.spec.outputDim;
    const out = allocTyped(this.spec.dtype, images.length * D) as Float32Array | Float64Array;
    for (let a = 0; a < images.length; a += chunk) {
      const part = images.slice(a, a + chunk);
      out.set(this.forward(imagesToTensor(part, this.spec.imageSize, this.spec.dtype), 'test').out.data, a * D);
    }
    return new Tensor(out, [images.length, D]);
  }

  /** Every parameter and running statistic by name (copies). */
  arrays(): Record<string, Float32Array | Float64Array> {
    const out: Record<string, Float32Array | Float64Array> = {};
    for (const [k, t] of [...Object.entries(this.params), ...Object.entries(this.stats)]) out[k] = (t.data as Float32Array).slice();
    return out;
  }

  /** Replaces every parameter and running statistic; all are checked (checkArrays) before any is written. */
  setArrays(arrays: Record<string, ArrayLike<number> & { length: number }>, where = 'arrays'): void {
    const want = this.checkArrays(arrays, where);
    for (const [k, shape] of want) {
      const t = new Tensor((arrays[k] as Float32Array).slice(), shape);
      if (k in this.params) this.params[k] = t;
      else this.stats[k] = t;
    }
  }

  /** Checks arrays for setArrays (each present, sized, of the spec's dtype, finite; variances >= 0); returns the names and shapes. */
  checkArrays(arrays: Record<string, ArrayLike<number> & { length: number }>, where = 'arrays'): [string, number[]][] {
    if (!arrays || typeof arrays !== 'object') fail(where, "the CNN's arrays by name", arrays);
    const want: [string, number[]][] = [...cnnParamShapes(this.spec), ...Object.entries(this.stats).map(([k, t]) => [k, [...t.shape]] as [string, number[]])];
    const ctor = this.spec.dtype === 'float64' ? Float64Array : Float32Array;
    for (const [k, shape] of want) {
      const a = arrays[k];
      const n = shape.reduce((x, y) => x * y, 1);
      if (!(a instanceof ctor) || a.length !== n) fail(`${where}.${k}`, `${n} ${this.spec.dtype} values`, a ? `${a.length} values (${a.constructor.name})` : 'none');
      for (let i = 0; i < n; i++) if (!Number.isFinite(a[i])) fail(`${where}.${k}[${i}]`, 'a finite number', a[i]);
      if (k.endsWith('runningVar') && Array.prototype.some.call(a, (v: number) => v < 0)) fail(`${where}.${k}`, 'variances >= 0', 'a negative value');
    }
    return want;
  }
}

/** dz += dlogits, in place (shapes checked): the same additions in SmallCnn.backward and CnnPlan.backward. */
export function addLogitGradient(dz: Tensor, dlogits: Tensor): void {
  if (!(dlogits instanceof Tensor) || dlogits.size !== dz.size || dlogits.dtype !== dz.dtype) fail('dlogits', `a ${dz.dtype} tensor (${dz.shape.join(', ')})`, dlogits instanceof Tensor ? `${dlogits.dtype} (${dlogits.shape.join(', ')})` : typeof dlogits);
  for (let i = 0; i < dz.size; i++) dz.data[i] += dlogits.data[i];
}

/** The feature recipe of a SmallCnn's features: arch 'cnn', its input size, a hash of its parameters and running statistics. */
export function cnnRecipe(cnn: SmallCnn): FeatureRecipe {
  const entries = [...Object.entries(cnn.params), ...Object.entries(cnn.stats)] as [string, Tensor][];
  return {
    encoder: { arch: 'cnn', output: 'pooled', resize: cnn.spec.imageSize, crop: null, weights: hashTensors(entries), dtype: cnn.spec.dtype },
    pca: null,
  };
}
