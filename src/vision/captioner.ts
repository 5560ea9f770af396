// loadCaptioner / Captioner: photos in, captions out. A checkpoint trained on features recap made
// records their recipe (src/data/recipe.ts: the encoder's architecture, output, sizes, weights
// hash, dtype, and the PCA projection); the captioner checks the encoder it is given against
// it, then encodes images the same way, projects them with the same PCA and decodes with the
// model. A checkpoint that carries its own CNN (`recap train --encoder cnn`) needs no encoder:
// images are resized (shorter side) and centre-cropped to the CNN's input size and go through
// it. Browser-safe.
import { RecapError, fail } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { decodeCaptions } from '../data/captions.js';
import { applyPca } from '../data/pca.js';
import { checkRecipe, type FeatureRecipe } from '../data/recipe.js';
import { stripSpecialTokens } from '../eval/bleu.js';
import type { CaptioningRNN } from '../model/captioning-rnn.js';
import type { SampleOptions } from '../model/decoding.js';
import { type Checkpoint, loadCheckpoint } from '../train/checkpoint.js';
import { cnnRecipe, type SmallCnn } from '../nn/cnn.js';
import { ImageEncoder } from './encoder.js';
import type { ImageInput } from './image.js';
import { resizeAndCrop } from './preprocess.js';

export interface CaptionerOptions {
  /** A `.recap` checkpoint (bytes) trained on features recap made, or one already loaded. */
  model: Uint8Array | ArrayBuffer | Checkpoint;
  /**
   * The encoder the training features came from (same architecture and weights). None for a
   * checkpoint that carries its own CNN (`recap train --encoder cnn`), which makes its features.
   */
  encoder?: ImageEncoder;
}

/**
 * A captioner from a checkpoint and the encoder its features were made with (none when the
 * checkpoint carries its own CNN). Refuses, before anything else, a checkpoint without a feature
 * recipe and an encoder that does not match it (RecapError naming each difference:
 * architecture, weights, dtype), and an encoder given for a checkpoint with its own CNN.
 */
export async function loadCaptioner(options: CaptionerOptions): Promise<Captioner> {
  if (options === null || typeof options !== 'object') fail('options', '{ model, encoder }', options);
  const { model, encoder } = options;
  const given = model && typeof model === 'object' && 'model' in model && 'features' in model;
  if (encoder !== undefined && !(encoder instanceof ImageEncoder)) fail('options.encoder', 'an ImageEncoder (loadEncoder)', encoder);
  const ckpt = model instanceof Uint8Array || model instanceof ArrayBuffer ? loadCheckpoint(model, { name: 'model' })
    : given ? model : fail('options.model', 'the bytes of a .recap checkpoint, or a loaded Checkpoint', model);
  try {
    if (ckpt.encoder) {
      if (encoder) {
        fail('options.encoder', 'none: the checkpoint carries its own CNN (recap train --encoder cnn), which makes its features',
          `an ImageEncoder (${encoder.arch})`);
      }
      return new Captioner(ckpt, null);
    }
    const f = ckpt.features;
    if (!f) {
      throw new RecapError('options.model', 'a checkpoint trained on features recap made (it records their recipe)',
        'a checkpoint without a feature recipe', 'caption its own features with model.sample, or train on `recap prepro --images` data');
    }
    if (!encoder) fail('options.encoder', `the encoder its features were made with (${f.recipe.encoder.arch}: loadEncoder)`, encoder);
    const e = f.recipe.encoder;
    checkRecipe('options.encoder', 'the checkpoint', f.recipe, { encoder: encoder.recipe({ output: e.output, resize: e.resize, crop: e.crop }), pca: f.recipe.pca });
    if (e.output !== 'pooled') fail('options.model', "a model trained on 'pooled' features (the RNN takes one vector per image)", `'${e.output}'`);
    return new Captioner(ckpt, encoder);
  } catch (err) {
    if (!given) ckpt.model.dispose();
    throw err;
  }
}

export class Captioner {
  readonly model: CaptioningRNN;
  readonly recipe: FeatureRecipe;
  /** The longest caption decoded by default: the training captions' length when the checkpoint records it. */
  readonly maxLength: number;

  /** The checkpoint's own CNN, which makes the features when there is no encoder. */
  readonly cnn: SmallCnn | null;

  /** @internal use loadCaptioner */
  constructor(readonly checkpoint: Checkpoint, readonly encoder: ImageEncoder | null) {
    this.model = checkpoint.model;
    this.cnn = checkpoint.encoder ?? null;
    this.recipe = checkpoint.features?.recipe ?? cnnRecipe(this.cnn!);
    const m = checkpoint.meta.maxLength;
    this.maxLength = Number.isInteger(m) && (m as number) > 0 ? (m as number) : 30;
  }

  /** The model's input features of `images`: encoded as the recipe says, projected with its PCA, in the model's dtype. */
  async features(images: ImageInput | ImageInput[] | readonly unknown[]): Promise<Tensor> {
    const e = this.recipe.encoder;
    let x: Tensor;
    if (this.cnn) {
      const S = this.cnn.spec.imageSize;
      const list = Array.isArray(images) ? images : [images];
      x = this.cnn.encode(list.map((img, i) => resizeAndCrop(img, { resize: S, crop: S }, `images[${i}]`)));
    } else {
      x = await this.encoder!.encode(images, { output: e.output, resize: e.resize, crop: e.crop });
    }
    const pca = this.checkpoint.features?.pca;
    if (pca) x = applyPca(pca, x);
    const dtype = this.model.config.dtype;
    return x.dtype === dtype ? x : new Tensor(dtype === 'float64' ? Float64Array.from(x.data) : Float32Array.from(x.data), x.shape);
  }

  /**
   * One caption per image (words joined by spaces, without <START>/<END>), decoded with the model's
   * sampling options (greedy by default; beamSize, lengthPenalty, blockRepeatNgrams, temperature,
   * topP, seed as `model.sample`), split over the runtime's threads.
   */
  async caption(images: ImageInput | ImageInput[] | readonly unknown[], options: SampleOptions = {}): Promise<string[]> {
    const feats = await this.features(images);
    const tokens = await this.model.sampleAsync(feats, { maxLength: this.maxLength, ...options });
    return (decodeCaptions(tokens, this.model.idxToWord) as string[]).map((c) => stripSpecialTokens(c).join(' '));
  }

  /** Frees the model (an encoder is the caller's: dispose it separately). */
  dispose(): void {
    this.model.dispose();
  }
}
