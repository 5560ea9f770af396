import { describe, expect, it } from 'vitest';
import { decodeCaptions, sampleCocoMinibatch } from '../src/data/captions.js';
import type { CaptionData } from '../src/data/types.js';
import { RecapError } from '../src/core/errors.js';
import { LegacyRandom } from '../src/core/rng.js';
import { tensor } from '../src/core/tensor.js';

const vocab = ['<NULL>', '<START>', '<END>', '<UNK>', 'a', 'cat', 'sat'];

describe('decodeCaptions', () => {
  it('decodes a 1-D row to a string with CS231n semantics', () => {
    // <NULL> skipped; <START>, <UNK>, <END> kept; stops right after the first <END>.
    expect(decodeCaptions([1, 4, 3, 5, 2, 6, 2, 0], vocab)).toBe('<START> a <UNK> cat <END>');
    expect(decodeCaptions(new Int32Array([1, 0, 4, 0, 5, 0]), vocab)).toBe('<START> a cat');
    expect(decodeCaptions(tensor([2, 4], undefined, 'int32'), vocab)).toBe('<END>');
    expect(decodeCaptions([0, 0], vocab)).toBe('');
    expect(decodeCaptions([], vocab)).toBe('');
  });

  it('decodes a 2-D tensor to one string per row', () => {
    const t = tensor([[1, 4, 5, 6, 2, 0], [1, 6, 0, 0, 0, 0], [4, 2, 5, 5, 5, 5]], undefined, 'int32');
    expect(decodeCaptions(t, vocab)).toEqual(['<START> a cat sat <END>', '<START> sat', 'a <END>']);
    // float tensors holding integer ids are accepted (model outputs may be float)
    expect(decodeCaptions(tensor([[1, 5, 2]]), vocab)).toEqual(['<START> cat <END>']);
  });

  it('rejects ids out of range and bad shapes', () => {
    expect(() => decodeCaptions([1, 7], vocab)).toThrow(RecapError);
    expect(() => decodeCaptions([1, 7], vocab)).toThrow(/tokens\[1\].*\[0, 7\)/);
    expect(() => decodeCaptions(tensor([[1, -1]], undefined, 'int32'), vocab)).toThrow(/tokens\[0, 1\]/);
    expect(() => decodeCaptions([1.5], vocab)).toThrow(RecapError);
    expect(() => decodeCaptions(tensor([[[1]]], undefined, 'int32'), vocab)).toThrow(/1-D .* or 2-D/);
    expect(() => decodeCaptions('1 2' as unknown as number[], vocab)).toThrow(RecapError);
  });
});

function toyData(): CaptionData {
  // 10 train captions (row i = [1, i + 3, 2]) of 5 images (caption i → image ⌊i/2⌋), features (5, 2) float64.
  const caps = Array.from({ length: 10 }, (_, i) => [1, i + 3, 2]);
  return {
    trainCaptions: tensor(caps, undefined, 'int32'),
    trainImageIdxs: tensor(caps.map((_, i) => Math.floor(i / 2)), undefined, 'int32'),
    trainFeatures: tensor([[0, 0.5], [1, 1.5], [2, 2.5], [3, 3.5], [4, 4.5]], undefined, 'float64'),
    valCaptions: tensor([[1, 4, 2], [1, 5, 2]], undefined, 'int32'),
    valImageIdxs: tensor([1, 0], undefined, 'int32'),
    valFeatures: tensor([[7, 7, 7], [8, 8, 8]]),
    idxToWord: [],
    wordToIdx: {},
    trainUrls: ['u0', 'u1', 'u2', 'u3', 'u4'],
  };
}

describe('sampleCocoMinibatch', () => {
  it('draws np.random.choice(Nc, B) with replacement, like numpy with the same seed', () => {
    // np.random.seed(0); np.random.choice(10, 5) → [5, 0, 3, 3, 7]
    const data = toyData();
    const mb = sampleCocoMinibatch(data, { batchSize: 5, seed: 0 });
    expect(mb.captions.dtype).toBe('int32');
    expect(mb.captions.toArray()).toEqual([[1, 8, 2], [1, 3, 2], [1, 6, 2], [1, 6, 2], [1, 10, 2]]);
    // images ⌊row/2⌋ = [2, 0, 1, 1, 3]; features keep float64.
    expect(mb.features.dtype).toBe('float64');
    expect(mb.features.toArray()).toEqual([[2, 2.5], [0, 0.5], [1, 1.5], [1, 1.5], [3, 3.5]]);
    expect(mb.urls).toEqual(['u2', 'u0', 'u1', 'u1', 'u3']);
  });

  it('samples with replacement and matches LegacyRandom.randint per draw', () => {
    const data = toyData();
    const mb = sampleCocoMinibatch(data, { batchSize: 40, seed: 231 });
    const rng = new LegacyRandom(231);
    const rows = Array.from({ length: 40 }, () => rng.randint(10));
    expect(Array.from(mb.captions.data.filter((_, i) => i % 3 === 1))).toEqual(rows.map((r) => r + 3));
    expect(new Set(rows).size).toBeLessThan(40); // 40 draws from 10 rows must repeat
  });

  it('continues a shared rng stream across calls', () => {
    const data = toyData();
    const rng = new LegacyRandom(7);
    const a = sampleCocoMinibatch(data, { batchSize: 3, rng });
    const b = sampleCocoMinibatch(data, { batchSize: 3, rng });
    const both = sampleCocoMinibatch(data, { batchSize: 6, seed: 7 });
    expect([...a.captions.data, ...b.captions.data]).toEqual([...both.captions.data]);
  });

  it('samples the val split and omits urls when absent', () => {
    const mb = sampleCocoMinibatch(toyData(), { batchSize: 4, split: 'val', seed: 1 });
    expect(mb.features.shape).toEqual([4, 3]);
    expect(mb.features.dtype).toBe('float32');
    expect(mb.urls).toBeUndefined();
    for (let i = 0; i < 4; i++) {
      const word = mb.captions.data[i * 3 + 1];
      // caption [1, 4, 2] belongs to image 1 (features 8), [1, 5, 2] to image 0 (features 7)
      expect(mb.features.data[i * 3]).toBe(word === 4 ? 8 : 7);
    }
  });

  it('defaults to batchSize 100 from the train split', () => {
    const mb = sampleCocoMinibatch(toyData());
    expect(mb.captions.shape).toEqual([100, 3]);
    expect(mb.features.shape).toEqual([100, 2]);
    expect(mb.urls).toHaveLength(100);
  });

  it("draws from the test split of Karpathy-split data (split: 'test')", () => {
    const data = toyData();
    const test = { ...data, testCaptions: tensor([1, 3, 2, 1, 4, 2], [2, 3], 'int32'), testImageIdxs: tensor([1, 0], undefined, 'int32'), testFeatures: tensor([7, 8, 9, 10], [2, 2]) };
    const mb = sampleCocoMinibatch(test, { split: 'test', batchSize: 4, seed: 3 });
    const rng = new LegacyRandom(3);
    for (let b = 0; b < 4; b++) {
      const row = rng.randint(2);
      expect(Array.from(mb.captions.data.subarray(b * 3, b * 3 + 3))).toEqual(Array.from(test.testCaptions.data.subarray(row * 3, row * 3 + 3)));
      const img = test.testImageIdxs.data[row];
      expect(Array.from(mb.features.data.subarray(b * 2, b * 2 + 2))).toEqual(Array.from(test.testFeatures.data.subarray(img * 2, img * 2 + 2)));
    }
    expect(mb.urls).toBeUndefined();
    expect(() => sampleCocoMinibatch(data, { split: 'test' })).toThrow(/options.split: expected 'train' or 'val' \(these data have no test split\)/);
    expect(() => sampleCocoMinibatch(data, { split: 'dev' as 'val' })).toThrow(/options.split: expected 'train', 'val' or 'test'/);
  });

  it('rejects bad options and data', () => {
    const data = toyData();
    expect(() => sampleCocoMinibatch(data, { split: 'test' as 'val' })).toThrow(/options.split/);
    expect(() => sampleCocoMinibatch(data, { batchSize: 0 })).toThrow(/options.batchSize/);
    expect(() => sampleCocoMinibatch(data, { seed: -1 })).toThrow(RecapError);
    expect(() => sampleCocoMinibatch({ ...data, trainImageIdxs: tensor([0, 1], undefined, 'int32') })).toThrow(/trainImageIdxs/);
    expect(() => sampleCocoMinibatch({ ...data, trainImageIdxs: tensor(Array(10).fill(9), undefined, 'int32') }, { batchSize: 1 })).toThrow(/\[0, 5\)/);
  });
});
