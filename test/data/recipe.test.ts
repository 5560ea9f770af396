// The feature recipe: the weights hash tells tensors apart, a mismatch names each difference.
import { beforeAll, describe, expect, it } from 'vitest';
import { RecapError, init, tensor } from '../../src/index.js';
import { type FeatureRecipe, checkRecipe, hashTensors, parseRecipe, recipeDifferences } from '../../src/data/recipe.js';

const base: FeatureRecipe = {
  encoder: { arch: 'resnet18', output: 'pooled', resize: 256, crop: 224, weights: 'crc32:00000001:8', dtype: 'float32' },
  pca: { inputDim: 512, dim: 128, hash: 'crc32:00000002:16' },
};

beforeAll(() => init());

describe('hashTensors', () => {
  const a = tensor([1, 2, 3, 4], [2, 2]);
  it('is the same for the same names, shapes and values', () => {
    expect(hashTensors([['w', a]])).toBe(hashTensors([['w', tensor([1, 2, 3, 4], [2, 2])]]));
    expect(hashTensors([['w', a]])).toMatch(/^crc32:[0-9a-f]{8}:16$/);
  });
  it('changes with any value, the name, the shape, the dtype or the order', () => {
    const h = hashTensors([['w', a], ['b', tensor([5])]]);
    const others = [
      hashTensors([['w', tensor([1, 2, 3, 4.000001], [2, 2])], ['b', tensor([5])]]),
      hashTensors([['v', a], ['b', tensor([5])]]),
      hashTensors([['w', a.reshape([4])], ['b', tensor([5])]]),
      hashTensors([['w', tensor([1, 2, 3, 4], [2, 2], 'float64')], ['b', tensor([5])]]),
      hashTensors([['b', tensor([5])], ['w', a]]),
    ];
    for (const o of others) expect(o).not.toBe(h);
  });
});

describe('recipes', () => {
  it('equal recipes pass', () => {
    expect(recipeDifferences(base, structuredClone(base))).toEqual([]);
    expect(() => checkRecipe('encoder', 'the checkpoint', base, structuredClone(base))).not.toThrow();
  });
  it('another architecture is named', () => {
    const other = structuredClone(base);
    other.encoder.arch = 'resnet50';
    other.encoder.weights = 'crc32:99999999:8';
    expect(recipeDifferences(base, other)).toEqual(['encoder arch resnet18 vs resnet50']);
    expect(() => checkRecipe('encoder', 'the checkpoint', base, other)).toThrow(RecapError);
    expect(() => checkRecipe('encoder', 'the checkpoint', base, other)).toThrow(/encoder arch resnet18 vs resnet50/);
  });
  it('the same architecture with other weights is named', () => {
    const other = structuredClone(base);
    other.encoder.weights = 'crc32:99999999:8';
    expect(recipeDifferences(base, other)).toEqual(['encoder weights crc32:00000001:8 vs crc32:99999999:8 (same architecture, other weights)']);
  });
  it('sizes, output, dtype and PCA differences are each listed', () => {
    const other = structuredClone(base);
    other.encoder.resize = [256, 256];
    other.encoder.crop = null;
    other.encoder.output = 'grid';
    other.encoder.dtype = 'float64';
    other.pca = null;
    expect(recipeDifferences(base, other)).toEqual([
      'encoder output pooled vs grid', 'encoder resize 256 vs [256, 256]', 'encoder crop 224 vs none',
      'encoder dtype float32 vs float64', 'PCA to 128 vs none',
    ]);
  });
  it('parseRecipe accepts a saved recipe and names a damaged field', () => {
    expect(parseRecipe('meta.recipe', JSON.parse(JSON.stringify(base)))).toEqual(base);
    const bad = JSON.parse(JSON.stringify(base));
    bad.encoder.output = 'pixels';
    expect(() => parseRecipe('meta.recipe', bad)).toThrow(/meta\.recipe\.encoder\.output/);
    expect(() => parseRecipe('meta.recipe', { encoder: 1 })).toThrow(RecapError);
  });
});
