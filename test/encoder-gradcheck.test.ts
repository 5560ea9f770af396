// Fine-tuning's gradients: centred differences of the captioning loss through a small CNN
// (conv, spatial batchnorm in train mode, ReLU, max pool, affine) and the RNN / LSTM, in float64.
// The analytic path is the one the solver's encoder part takes: the model's step with
// featureGrad (dfeatures = dh0·W_projᵀ), then SmallCnn.backward.
import { beforeAll, describe, expect, it } from 'vitest';
import { CaptioningRNN, LegacyRandom, SmallCnn, Tensor, evalNumericalGradient, init, relError } from '../src/index.js';
import { GRAD_LIMIT } from './helpers.js';

beforeAll(() => init());

const vocab = { '<NULL>': 0, '<START>': 1, '<END>': 2, a: 3, b: 4, c: 5 };

function setup(cell: 'rnn' | 'lstm') {
  const rng = new LegacyRandom(7);
  // the RNN case reads the flattened last block, the LSTM case its global max ('max' head)
  const cnn = new SmallCnn({ imageSize: 8, channels: [3, 4], outputDim: 5, dtype: 'float64', head: cell === 'rnn' ? 'flatten' : 'max' }, 3);
  // a smooth random image batch: no max-pool ties or ReLU kinks within the finite-difference steps
  const x = new Tensor(rng.randnArray(3 * 3 * 8 * 8), [3, 3, 8, 8]);
  const model = new CaptioningRNN({ wordToIdx: vocab, inputDim: 5, wordvecDim: 4, hiddenDim: 6, cellType: cell, dtype: 'float64', seed: 5 });
  // captions of different lengths (the packed step's sorting and masking)
  const captions = new Tensor(Int32Array.from([1, 3, 4, 5, 2, 0, 1, 4, 2, 0, 0, 0, 1, 5, 5, 3, 4, 2]), [3, 6]);
  const loss = () => model.loss(cnn.forward(x, 'train').out, captions).loss;
  return { cnn, x, model, captions, loss };
}

describe.each(['rnn', 'lstm'] as const)('gradients through CNN + %s', (cell) => {
  it('conv weight, conv bias, BN gamma/beta, fc weight and the recurrent weights match centred differences (float64)', () => {
    const { cnn, x, model, captions, loss } = setup(cell);
    const { out, caches } = cnn.forward(x, 'train');
    const r = model.loss(out, captions, { featureGrad: true });
    expect(r.dfeatures!.shape).toEqual([3, 5]);
    const grads = cnn.backward(r.dfeatures!, caches);
    for (const name of ['conv0.w', 'conv1.w', 'conv0.b', 'bn0.gamma', 'bn1.beta', 'fc.w', 'fc.b']) {
      const num = evalNumericalGradient(loss, cnn.params[name], 1e-3, { order: 4 });
      const err = relError(grads[name], num);
      expect(err, `${name} rel error ${err}`).toBeLessThan(GRAD_LIMIT);
    }
    const params = model.getParams();
    for (const name of ['Wx', 'Wh', 'W_proj'] as const) {
      const p = params[name];
      const num = evalNumericalGradient(() => {
        model.setParams({ [name]: p });
        return loss();
      }, p, 2e-3, { order: 4 });
      model.setParams({ [name]: p });
      const err = relError(r.grads[name], num);
      // as test/model-gradcheck.test.ts: LSTM gradients with elements near 1e-9 reach 1e-6
      expect(err, `${name} rel error ${err}`).toBeLessThan(cell === 'rnn' ? GRAD_LIMIT : 1e-6);
    }
    model.dispose();
  });

  it('dfeatures is the gradient of the loss w.r.t. the features, and asking for it changes no other gradient bit', () => {
    const { cnn, x, model, captions } = setup(cell);
    const feats = cnn.forward(x, 'test').out;
    const plain = model.loss(feats, captions);
    const withGrad = model.loss(feats, captions, { featureGrad: true });
    expect(withGrad.loss).toBe(plain.loss);
    for (const k of Object.keys(plain.grads) as (keyof typeof plain.grads)[]) expect(withGrad.grads[k].data).toEqual(plain.grads[k].data);
    const num = evalNumericalGradient(() => model.loss(feats, captions).loss, feats, 2e-3, { order: 4 });
    expect(relError(withGrad.dfeatures!, num)).toBeLessThan(GRAD_LIMIT);
    expect(() => model.loss(feats, captions, { featureGrad: 1 as never })).toThrow(/options.featureGrad/);
    model.dispose();
  });
});
