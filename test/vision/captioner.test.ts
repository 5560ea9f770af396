// loadCaptioner: a checkpoint's feature recipe ties it to one encoder; captions of images equal
// the model's own sampling of the same features (encoded, projected by the checkpoint's PCA).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CaptioningRNN, RecapError, Tensor, applyPca, decodeCaptions, fitPca, hashTensors, init, loadCaptioner, loadEncoder,
  saveCheckpoint, stripSpecialTokens, type FeatureRecipe, type ImageEncoder, type ImageInput,
} from '../../src/index.js';
import { seededStateDict } from './seeded.js';

const words = ['<NULL>', '<START>', '<END>', '<UNK>', 'a', 'red', 'blue', 'circle', 'square'];
const wordToIdx = Object.fromEntries(words.map((w, i) => [w, i]));
const SIZES = { resize: 40, crop: 32 } as const;

function image(seed: number, width: number, height: number, channels: 1 | 3 | 4): ImageInput {
  let s = seed;
  const data = new Uint8Array(width * height * channels).map(() => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24);
  return { data, width, height, channels };
}
const images = [image(1, 45, 37, 3), image(2, 36, 50, 4), image(3, 41, 41, 1), image(4, 60, 33, 3)];

let encoder: ImageEncoder;
let checkpoint: Uint8Array;
let expected: string[];

beforeAll(async () => {
  await init();
  encoder = await loadEncoder(seededStateDict('resnet18'), { arch: 'resnet18' });
  const feats = await encoder.encode(images, SIZES);
  const pca = fitPca(new Tensor(Float64Array.from(feats.data), feats.shape), 3);
  const recipe: FeatureRecipe = {
    encoder: encoder.recipe(SIZES),
    pca: { inputDim: 512, dim: 3, hash: hashTensors([['mean', pca.mean], ['components', pca.components]]) },
  };
  const model = new CaptioningRNN({ wordToIdx, inputDim: 3, wordvecDim: 6, hiddenDim: 7, cellType: 'lstm', seed: 3 });
  checkpoint = saveCheckpoint(model, null, { maxLength: 8 }, { recipe, pca });
  expected = (decodeCaptions(model.sample(applyPca(pca, feats), { maxLength: 8 }), words) as string[]).map((c) => stripSpecialTokens(c).join(' '));
  model.dispose();
});
afterAll(() => encoder?.dispose());

describe('loadCaptioner', () => {
  it('captions images as the model samples their features (greedy and beam)', async () => {
    const c = await loadCaptioner({ model: checkpoint, encoder });
    expect(c.maxLength).toBe(8);
    const got = await c.caption(images);
    expect(got).toEqual(expected);
    expect(got.every((s) => !s.includes('<'))).toBe(true);
    expect(await c.caption(images[1])).toEqual([expected[1]]);
    const beam = await c.caption(images, { beamSize: 3 });
    expect(beam).toHaveLength(4);
    c.dispose();
  });
  it('refuses the same architecture with other weights, naming the difference', async () => {
    const sd = seededStateDict('resnet18');
    const w = sd['fc.weight'] ? 'layer4.1.conv2.weight' : 'conv1.weight';
    (sd[w].data as Float32Array)[0] += 1e-3;
    const other = await loadEncoder(sd, { arch: 'resnet18' });
    await expect(loadCaptioner({ model: checkpoint, encoder: other })).rejects.toThrow(/same architecture, other weights/);
    other.dispose();
  });
  it('refuses another architecture and another dtype', async () => {
    const mobile = await loadEncoder(seededStateDict('mobilenet_v2'), { arch: 'mobilenet_v2' });
    await expect(loadCaptioner({ model: checkpoint, encoder: mobile })).rejects.toThrow(/encoder arch resnet18 vs mobilenet_v2/);
    mobile.dispose();
    const f64 = await loadEncoder(seededStateDict('resnet18'), { arch: 'resnet18', dtype: 'float64' });
    await expect(loadCaptioner({ model: checkpoint, encoder: f64 })).rejects.toThrow(/encoder dtype float32 vs float64/);
    f64.dispose();
  });
  it('refuses a checkpoint without a feature recipe, and bad arguments', async () => {
    const model = new CaptioningRNN({ wordToIdx, inputDim: 512, wordvecDim: 6, hiddenDim: 7, seed: 3 });
    const plain = saveCheckpoint(model);
    model.dispose();
    await expect(loadCaptioner({ model: plain, encoder })).rejects.toThrow(RecapError);
    await expect(loadCaptioner({ model: plain, encoder })).rejects.toThrow(/without a feature recipe/);
    await expect(loadCaptioner({ model: checkpoint, encoder: {} as ImageEncoder })).rejects.toThrow(/options\.encoder/);
    await expect(loadCaptioner({ model: 'x' as unknown as Uint8Array, encoder })).rejects.toThrow(/options\.model/);
  });
});
