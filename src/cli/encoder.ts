// recap train --encoder cnn and the commands that read its checkpoints: the shapes world's
// rendered scenes as the CNN's input, the data's feature arrays as the CNN's output (written by
// the encoder part during training, by SmallCnn.encode for eval and sample), and the recipe
// that ties a checkpoint to its CNN.
import { Tensor, renderScene, SmallCnn, type RgbaImage, type Scene } from '../index.js';
import { cnnRecipe, type CnnSpec } from '../nn/cnn.js';
import { conceptCount } from '../train/concept-head.js';
import { encodeImages } from '../nn/cnn-plan.js';
import { UsageError } from './args.js';
import type { Loaded } from './data.js';
import type { CaptionData } from '../data/types.js';

/** recap train --encoder cnn's --epochs when not given (with its lead): the CNN alone first, then the model on its features. */
export const ENCODER_EPOCHS = 4;

/**
 * The CNN `recap train --encoder cnn` builds: 32x32 images, three conv-BN-ReLU-pool blocks, each
 * channel's maximum over the last block's positions, an affine to the features: with the concept
 * loss, one σ output per concept of the training captions; without, 64 plain features.
 */
export function cnnSpec(data: CaptionData, conceptLoss: number): CnnSpec {
  const base = { imageSize: 32, channels: [16, 32, 64], dtype: 'float32' as const, head: 'max' as const };
  return conceptLoss > 0 ? { ...base, outputDim: conceptCount(data), output: 'sigmoid' } : { ...base, outputDim: 64 };
}

/** --encoder cnn reads pixels: only the shapes world has them in the data the CLI loads. */
export function checkEncoderData(data: string, command: string): void {
  if (data !== 'shapes') {
    throw new UsageError(`--encoder cnn trains on pixels, but --data ${data} holds image features only (use --data shapes, or prepro --images for photos)`, command);
  }
}

/** The train and val images of shapes data at the CNN's input size. */
export function encoderImages(loaded: Loaded, size: number): { train: RgbaImage[]; val: RgbaImage[] } {
  const s = loaded.shapes!;
  const at = (images: RgbaImage[], scenes: Scene[]) => (s.imageSize === size ? images : scenes.map((scene) => renderScene(scene, size)));
  return { train: at(s.trainImages, s.trainScenes), val: at(s.valImages, s.valScenes) };
}

/** The loaded data with feature arrays of the CNN's width (zeros until written) and the CNN's recipe. */
export function withEncoderFeatures(loaded: Loaded, cnn: SmallCnn): Loaded {
  const D = cnn.spec.outputDim;
  const zeros = (t: Tensor) => new Tensor(new Float32Array(t.shape[0] * D), [t.shape[0], D]);
  const data = { ...loaded.data, trainFeatures: zeros(loaded.data.trainFeatures), valFeatures: zeros(loaded.data.valFeatures) };
  const shapes = loaded.shapes && { ...loaded.shapes, trainFeatures: data.trainFeatures, valFeatures: data.valFeatures };
  return {
    ...loaded, data, shapes, features: { recipe: cnnRecipe(cnn), pca: null },
    description: `${loaded.description.replace(/, D=\d+$/, '')}; pixels ${cnn.spec.imageSize}x${cnn.spec.imageSize} through a CNN (${cnn.spec.channels.join('-')} filters) to D=${D}`,
  };
}

/** For eval and sample: the checkpoint's CNN encodes the images of `split` into the data's features (the other split's stay zeros). */
export async function encodeWithCheckpointCnn(loaded: Loaded, cnn: SmallCnn, split: 'train' | 'val' | 'test', command: string): Promise<Loaded> {
  if (loaded.choice.data !== 'shapes') {
    throw new UsageError(`the checkpoint's model reads the features of its CNN (trained with --encoder cnn on pixels), but --data ${loaded.choice.data} holds image features only (use --data shapes)`, command);
  }
  const out = withEncoderFeatures(loaded, cnn);
  if (split === 'test') return out; // the shapes world has no test split: checkSplit refuses it
  const images = encoderImages(loaded, cnn.spec.imageSize)[split];
  (split === 'train' ? out.data.trainFeatures : out.data.valFeatures).data.set((await encodeImages(cnn, images)).data);
  return out;
}
