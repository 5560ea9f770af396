// Centred-difference gradient checks in float64 of every backward pass, done the way a student
// does it in the notebook: with the exported evalNumericalGradient* helpers and relError.
import { beforeAll, describe, expect, it } from 'vitest';
import { CaptioningRNN, evalNumericalGradient, evalNumericalGradientArray, init, layers, relError, type Tensor } from '../src/index.js';
import { arr, loadCases } from './helpers.js';

beforeAll(() => init());

// The CS231n helpers take centred differences of order 2 with h = 1e-5 by default. Elements
// whose true gradient is tiny then carry rounding noise of ~eps·|f|/h relative to themselves, so
// the notebooks accept up to 1e-6 on some arrays. Order 4 (error O(h⁴)) with h = 1e-4 removes
// that noise and lets every backward pass be held to 1e-7.
const LIMIT = 1e-7;
const H = 1e-4;
const O4 = { order: 4 } as const;
const seed231 = (file: string) => loadCases(file).find((c) => c.name.startsWith('notebook_seed231'))!;
const odd = (file: string) => loadCases(file).find((c) => c.name.startsWith('odd'))!;

/** rel errors of every named gradient against its numerical estimate */
function check(grads: Record<string, Tensor>, numeric: Record<string, () => Tensor>) {
  for (const [name, num] of Object.entries(numeric)) {
    const err = relError(grads[name], num());
    expect(err, `${name} rel error ${err}`).toBeLessThan(LIMIT);
  }
}

describe.each([['seed231', seed231], ['odd', odd]] as const)('gradient checks (%s inputs)', (_label, pick) => {
  it('rnnStepBackward', () => {
    const i = pick('rnn_step.json').inputs;
    const [x, h, Wx, Wh, b, dout] = [i.x, i.prev_h, i.Wx, i.Wh, i.b, i.dnext_h].map((v) => arr(v));
    const f = () => layers.rnnStepForward(x, h, Wx, Wh, b).nextH;
    const g = layers.rnnStepBackward(dout, layers.rnnStepForward(x, h, Wx, Wh, b).cache);
    check(g, {
      dx: () => evalNumericalGradientArray(f, x, dout, H, O4), dprevH: () => evalNumericalGradientArray(f, h, dout, H, O4),
      dWx: () => evalNumericalGradientArray(f, Wx, dout, H, O4), dWh: () => evalNumericalGradientArray(f, Wh, dout, H, O4),
      db: () => evalNumericalGradientArray(f, b, dout, H, O4),
    });
  });

  it('rnnBackward', () => {
    const i = pick('rnn_seq.json').inputs;
    const [x, h0, Wx, Wh, b, dout] = [i.x, i.h0, i.Wx, i.Wh, i.b, i.dout].map((v) => arr(v));
    const f = () => layers.rnnForward(x, h0, Wx, Wh, b).h;
    const g = layers.rnnBackward(dout, layers.rnnForward(x, h0, Wx, Wh, b).cache);
    check(g, {
      dx: () => evalNumericalGradientArray(f, x, dout, H, O4), dh0: () => evalNumericalGradientArray(f, h0, dout, H, O4),
      dWx: () => evalNumericalGradientArray(f, Wx, dout, H, O4), dWh: () => evalNumericalGradientArray(f, Wh, dout, H, O4),
      db: () => evalNumericalGradientArray(f, b, dout, H, O4),
    });
  });

  it('lstmStepBackward', () => {
    const i = pick('lstm_step.json').inputs;
    const [x, h, c, Wx, Wh, b, dh, dc] = [i.x, i.prev_h, i.prev_c, i.Wx, i.Wh, i.b, i.dnext_h, i.dnext_c].map((v) => arr(v));
    // the notebook's trick: numerical gradients of next_h and next_c, summed
    const fh = () => layers.lstmStepForward(x, h, c, Wx, Wh, b).nextH;
    const fc = () => layers.lstmStepForward(x, h, c, Wx, Wh, b).nextC;
    const both = (t: Tensor) => {
      const a = evalNumericalGradientArray(fh, t, dh, H, O4);
      const bb = evalNumericalGradientArray(fc, t, dc, H, O4);
      for (let k = 0; k < a.size; k++) a.data[k] += bb.data[k];
      return a;
    };
    const g = layers.lstmStepBackward(dh, dc, layers.lstmStepForward(x, h, c, Wx, Wh, b).cache);
    check(g, { dx: () => both(x), dprevH: () => both(h), dprevC: () => both(c), dWx: () => both(Wx), dWh: () => both(Wh), db: () => both(b) });
  });

  // the LSTM's tanh/σ chains are smoother than the RNN's over 10 steps but its dWh has
  // elements of ~1e-6, so a larger step balances truncation and rounding best there
  it('lstmBackward', () => {
    const i = pick('lstm_seq.json').inputs;
    const [x, h0, Wx, Wh, b, dout] = [i.x, i.h0, i.Wx, i.Wh, i.b, i.dout].map((v) => arr(v));
    const f = () => layers.lstmForward(x, h0, Wx, Wh, b).h;
    const g = layers.lstmBackward(dout, layers.lstmForward(x, h0, Wx, Wh, b).cache);
    check(g, {
      dx: () => evalNumericalGradientArray(f, x, dout, 1e-3, O4), dh0: () => evalNumericalGradientArray(f, h0, dout, 1e-3, O4),
      dWx: () => evalNumericalGradientArray(f, Wx, dout, 1e-3, O4), dWh: () => evalNumericalGradientArray(f, Wh, dout, 1e-3, O4),
      db: () => evalNumericalGradientArray(f, b, dout, 1e-3, O4),
    });
  });

  it('wordEmbeddingBackward', () => {
    const i = pick('word_embedding.json').inputs;
    const [x, W, dout] = [arr(i.x), arr(i.W), arr(i.dout)];
    const f = () => layers.wordEmbeddingForward(x, W).out;
    const { dW } = layers.wordEmbeddingBackward(dout, layers.wordEmbeddingForward(x, W).cache);
    expect(relError(dW, evalNumericalGradientArray(f, W, dout, H, O4))).toBeLessThan(1e-11);
    // and the notebook's own way (order 2, h = 1e-5), which asks for e-11
    expect(relError(dW, evalNumericalGradientArray(f, W, dout))).toBeLessThan(1e-11);
  });

  it('temporalAffineBackward', () => {
    const i = pick('temporal_affine.json').inputs;
    const [x, w, b, dout] = [i.x, i.w, i.b, i.dout].map((v) => arr(v));
    const f = () => layers.temporalAffineForward(x, w, b).out;
    const g = layers.temporalAffineBackward(dout, layers.temporalAffineForward(x, w, b).cache);
    check(g, {
      dx: () => evalNumericalGradientArray(f, x, dout, H, O4), dw: () => evalNumericalGradientArray(f, w, dout, H, O4),
      db: () => evalNumericalGradientArray(f, b, dout, H, O4),
    });
  });
});

it('temporalSoftmaxLoss dx (notebook 7x8x9 case)', () => {
  const c = loadCases('temporal_softmax_loss.json').find((k) => k.name === 'notebook_gradcheck_N7_T8_V9')!;
  const [x, y, mask] = [arr(c.inputs.x), arr(c.inputs.y), arr(c.inputs.mask)];
  const { dx } = layers.temporalSoftmaxLoss(x, y, mask);
  const num = evalNumericalGradient(() => layers.temporalSoftmaxLoss(x, y, mask).loss, x, H, O4);
  expect(relError(dx, num)).toBeLessThan(LIMIT);
  // the notebook's way: order 2, h = 1e-5, "should be around e-7 or less"
  expect(relError(dx, evalNumericalGradient(() => layers.temporalSoftmaxLoss(x, y, mask).loss, x))).toBeLessThan(1e-7);
});

it('affineBackward', () => {
  const i = seed231('temporal_affine.json').inputs;
  const [x3, w, b, dout3] = [i.x, i.w, i.b, i.dout].map((v) => arr(v));
  const x = x3.reshape([6, 4]);
  const dout = dout3.reshape([6, 5]);
  const f = () => layers.affineForward(x, w, b).out;
  const g = layers.affineBackward(dout, layers.affineForward(x, w, b).cache);
  check(g, {
    dx: () => evalNumericalGradientArray(f, x, dout, H, O4), dw: () => evalNumericalGradientArray(f, w, dout, H, O4),
    db: () => evalNumericalGradientArray(f, b, dout, H, O4),
  });
});

/** Numerical gradients of the model loss for every parameter, compared with the analytic ones. */
function modelGradErrors(caseName: string, cell: 'rnn' | 'lstm', h: number, order: 2 | 4): Record<string, number> {
  const c = loadCases('captioning_model.json').find((k) => k.name === caseName)!;
  const { D, W, H: Hd, V } = c.dims;
  const vocab = caseName.startsWith('notebook')
    ? { '<NULL>': 0, cat: 2, dog: 3 }
    : Object.fromEntries(Array.from({ length: V }, (_, i) => [i === 0 ? '<NULL>' : `w${i}`, i]));
  const model = new CaptioningRNN({ wordToIdx: vocab, inputDim: D, wordvecDim: W, hiddenDim: Hd, cellType: cell, dtype: 'float64' });
  const params: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(c.inputs.params)) params[k] = arr(v as never);
  const features = arr(c.inputs.features);
  const captions = arr(c.inputs.captions);
  model.setParams(params);
  const { grads } = model.loss(features, captions);
  const errors: Record<string, number> = {};
  for (const [name, p] of Object.entries(params)) {
    const num = evalNumericalGradient(() => {
      model.setParams({ [name]: p });
      return model.loss(features, captions).loss;
    }, p, h, { order });
    model.setParams({ [name]: p });
    errors[name] = relError(grads[name as keyof typeof grads], num);
  }
  model.dispose();
  return errors;
}

describe.each(['rnn', 'lstm'] as const)('CaptioningRNN %s model gradients', (cell) => {
  it('odd-sized case: every parameter below 1e-7 (order 4, h = 2e-3)', () => {
    for (const [name, err] of Object.entries(modelGradErrors(`odd_N3_D5_W7_H7_T6_V11_${cell}`, cell, 2e-3, 4))) {
      expect(err, `${name} rel error ${err}`).toBeLessThan(LIMIT);
    }
  });
  it('notebook seed-231 construction', () => {
    if (cell === 'rnn') {
      // exactly the notebook cell: eval_numerical_gradient with h = 1e-6; it prints up to 6.9e-07
      for (const [name, err] of Object.entries(modelGradErrors('notebook_seed231_gradcheck_rnn', cell, 1e-6, 2))) {
        expect(err, `${name} rel error ${err}`).toBeLessThan(1e-6);
      }
    }
    // order 4: the rnn case to 1e-7; the lstm case (saturated gates, some gradients ~1e-9) to 1e-6
    const limit = cell === 'rnn' ? LIMIT : 1e-6;
    for (const [name, err] of Object.entries(modelGradErrors(`notebook_seed231_gradcheck_${cell}`, cell, cell === 'rnn' ? 1e-3 : 3e-3, 4))) {
      expect(err, `${name} rel error ${err}`).toBeLessThan(limit);
    }
  });
});
