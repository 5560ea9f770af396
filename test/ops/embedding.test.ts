// wordEmbeddingForward/Backward (CS231n word_embedding_*): every case of the reference vectors, forward and backward, in float64 (1e-9
// scale-relative) and float32 (the vectors' per-array tolerances), and centred-difference gradient
// checks in float64 with the exported evalNumericalGradient* helpers, as the notebook does them.
// Kernel specs: assembly/__tests__/embedding.spec.ts; fuzzing: test/fuzz/layers.test.ts; index: test/README.md.
import { beforeAll, describe, expect, it } from 'vitest';
import { evalNumericalGradientArray, init, layers, relError, type DType } from '../../src/index.js';
import { GRAD_H as H, GRAD_O4 as O4, arr, checkAll, gradCases, loadCases, type Case } from '../helpers.js';

beforeAll(() => init());

describe.each(['float64', 'float32'] as DType[])('reference vectors in %s', (dtype) => {
  it.each(loadCases('word_embedding.json').map((c) => [c.name, c]))('wordEmbedding %s', (_n, c: Case) => {
    const i = c.inputs;
    const { out, cache } = layers.wordEmbeddingForward(arr(i.x), arr(i.W, dtype));
    const { dW } = layers.wordEmbeddingBackward(arr(i.dout, dtype), cache);
    checkAll(c, dtype, { out, dW }, { out: 'out', dW: 'dW' });
    if (c.notebook_expected && dtype === 'float64') {
      expect(Math.abs(relError(out, arr(c.notebook_expected.out)) - c.notebook_expected.printed_rel_error)).toBeLessThan(1e-14);
    }
  });
});

describe.each(gradCases)('gradient checks (%s inputs)', (_label, pick) => {
  it('wordEmbeddingBackward', () => {
    const i = pick('word_embedding.json').inputs;
    const [x, W, dout] = [arr(i.x), arr(i.W), arr(i.dout)];
    const f = () => layers.wordEmbeddingForward(x, W).out;
    const { dW } = layers.wordEmbeddingBackward(dout, layers.wordEmbeddingForward(x, W).cache);
    expect(relError(dW, evalNumericalGradientArray(f, W, dout, H, O4))).toBeLessThan(1e-11);
    // and the notebook's own way (order 2, h = 1e-5), which asks for e-11
    expect(relError(dW, evalNumericalGradientArray(f, W, dout))).toBeLessThan(1e-11);
  });
});
