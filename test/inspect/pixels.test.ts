// pixelAttribution: saliency maps through a trainable CNN encoder. grad-input against centred
// differences of the model's own log-probability, integrated gradients' completeness, the map as
// the channel sum, and typed errors.
import { beforeAll, describe, expect, it } from 'vitest';
import { CaptioningRNN, RecapError, SmallCnn, Tensor, init, pixelAttribution } from '../../src/index.js';

const wordToIdx = { '<NULL>': 0, '<START>': 1, '<END>': 2, a: 3, red: 4, circle: 5, blue: 6 };
const S = 8;
let cnn: SmallCnn;
let model: CaptioningRNN;
let image: Tensor;
const captions = new Tensor(Int32Array.of(1, 3, 4, 5, 2), [1, 5], 'int32');

beforeAll(async () => {
  await init();
  cnn = new SmallCnn({ imageSize: S, channels: [3, 4], outputDim: 6, dtype: 'float64', head: 'flatten' }, 1);
  model = new CaptioningRNN({ wordToIdx, inputDim: 6, wordvecDim: 5, hiddenDim: 7, cellType: 'lstm', dtype: 'float64', seed: 2 });
  let s = 9;
  image = new Tensor(Float64Array.from({ length: 3 * S * S }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1), [1, 3, S, S]);
});

describe('pixelAttribution', () => {
  it('grad-input: x ⊙ ∂F_t/∂x equals centred differences of the log-probability (float64)', () => {
    const a = pixelAttribution(model, cnn, image, captions);
    const T = 4;
    expect(a.pixels.shape).toEqual([T, 3, S, S]);
    expect(a.saliency.shape).toEqual([T, S, S]);
    const h = 1e-6;
    for (const i of [0, 17, 70, 129, 191]) {
      const at = (d: number) => {
        const x = Float64Array.from(image.data);
        x[i] += d;
        return pixelAttribution(model, cnn, new Tensor(x, image.shape), captions).logProb;
      };
      const up = at(h), down = at(-h);
      for (let t = 0; t < T; t++) {
        const want = image.data[i] * (up[t] - down[t]) / (2 * h);
        expect(Math.abs(a.pixels.data[t * 3 * S * S + i] - want), `pixel ${i} word ${t}`).toBeLessThan(1e-7 * Math.max(1, Math.abs(want)));
      }
    }
    // the map is the channel sum
    for (let t = 0; t < T; t++) for (const p of [0, 9, 63]) {
      const sum = [0, 1, 2].reduce((acc, c) => acc + a.pixels.data[t * 3 * S * S + c * S * S + p], 0);
      expect(a.saliency.data[t * S * S + p]).toBeCloseTo(sum, 14);
    }
  });

  it('integrated gradients: Σ A = F_t(x) − F_t(mid-grey), up to the rule', () => {
    const a = pixelAttribution(model, cnn, image, captions, { method: 'integrated', steps: 512 });
    for (let t = 0; t < 4; t++) {
      let sum = 0;
      for (let i = 0; i < 3 * S * S; i++) sum += a.pixels.data[t * 3 * S * S + i];
      const gap = a.logProb[t] - a.baselineLogProb[t];
      expect(Math.abs(sum - gap), `word ${t}: Σ ${sum} vs ${gap}`).toBeLessThan(1e-3 * Math.max(1, Math.abs(gap)));
    }
    // F_t at the image is the grad-input call's
    expect(Array.from(a.logProb)).toEqual(Array.from(pixelAttribution(model, cnn, image, captions).logProb));
  });

  it('typed errors: the image shape and dtype, the encoder width, the method', () => {
    expect(() => pixelAttribution(model, cnn, new Tensor(new Float64Array(3 * 4 * 4), [1, 3, 4, 4]), captions)).toThrow(RecapError);
    expect(() => pixelAttribution(model, cnn, new Tensor(new Float32Array(3 * S * S), [1, 3, S, S]), captions)).toThrow(/float64/);
    const other = new SmallCnn({ imageSize: S, channels: [2], outputDim: 5, dtype: 'float64', head: 'max' }, 1);
    expect(() => pixelAttribution(model, other, image, captions)).toThrow(/6 features/);
    expect(() => pixelAttribution(model, cnn, image, captions, { method: 'integrated', steps: 3 })).toThrow(/even/);
  });
});
