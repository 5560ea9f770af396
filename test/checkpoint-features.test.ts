// A checkpoint carries how its training features were made (recipe + PCA projection), so that
// captioning new images can check the encoder and project its features the same way.
import { beforeAll, describe, expect, it } from 'vitest';
import { CaptioningRNN, FormatError, RecapError, Tensor, init, loadCheckpoint, saveCheckpoint } from '../src/index.js';
import type { FeatureRecipe } from '../src/data/recipe.js';

const wordToIdx = { '<NULL>': 0, '<START>': 1, '<END>': 2, a: 3, b: 4 };
const recipe: FeatureRecipe = {
  encoder: { arch: 'resnet18', output: 'pooled', resize: 256, crop: 224, weights: 'crc32:0badf00d:46827520', dtype: 'float32' },
  pca: { inputDim: 6, dim: 3, hash: 'crc32:12345678:192' },
};
const f64 = (n: number, k: number) => Float64Array.from({ length: n }, (_, i) => (i * 7 + k) / 13 - 1);
const pca = { mean: new Tensor(f64(6, 1), [6]), components: new Tensor(f64(18, 2), [6, 3]), variances: new Tensor(f64(3, 3), [3]) };

beforeAll(() => init());

describe('checkpoint features', () => {
  it('round-trips the recipe and the PCA projection bit for bit', () => {
    const model = new CaptioningRNN({ wordToIdx, inputDim: 3, wordvecDim: 4, hiddenDim: 5, seed: 1 });
    const ck = loadCheckpoint(saveCheckpoint(model, null, {}, { recipe, pca }));
    expect(ck.features?.recipe).toEqual(recipe);
    expect(Array.from(ck.features!.pca!.mean.data)).toEqual(Array.from(pca.mean.data));
    expect(ck.features!.pca!.components.shape).toEqual([6, 3]);
    expect(Array.from(ck.features!.pca!.components.data)).toEqual(Array.from(pca.components.data));
    expect(Array.from(ck.features!.pca!.variances.data)).toEqual(Array.from(pca.variances.data));
  });
  it('a recipe without PCA, and a checkpoint without features (null)', () => {
    const model = new CaptioningRNN({ wordToIdx, inputDim: 6, wordvecDim: 4, hiddenDim: 5, seed: 1 });
    const noPca = { ...recipe, pca: null };
    expect(loadCheckpoint(saveCheckpoint(model, null, {}, { recipe: noPca, pca: null })).features).toEqual({ recipe: noPca, pca: null });
    expect(loadCheckpoint(saveCheckpoint(model)).features).toBeNull();
  });
  it('refuses a projection that is not the recipe\'s, and one that does not fit the model', () => {
    const model = new CaptioningRNN({ wordToIdx, inputDim: 6, wordvecDim: 4, hiddenDim: 5, seed: 1 });
    expect(() => saveCheckpoint(model, null, {}, { recipe, pca: null })).toThrow(RecapError);
    expect(() => saveCheckpoint(model, null, {}, { recipe: { ...recipe, pca: { ...recipe.pca!, dim: 2 } }, pca })).toThrow(/features\.pca/);
    // the PCA projects to 3 but this model takes 6 inputs
    expect(() => loadCheckpoint(saveCheckpoint(model, null, {}, { recipe, pca }))).toThrow(FormatError);
    expect(() => loadCheckpoint(saveCheckpoint(model, null, {}, { recipe, pca }))).toThrow(/PCA projects to 3 but the model takes 6/);
  });
});
