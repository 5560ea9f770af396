// The CNN's training path (src/nn/cnn-plan.ts: planned kernel calls on wasm-resident buffers,
// split over the threads) against SmallCnn's layer-by-layer reference, and the encoder part's
// word loss (src/train/word-head.ts) against centred differences in float64. That 1 and 2
// threads give the same bits is test/finetune.test.ts's (whole runs in child processes).
import { beforeAll, describe, expect, it } from 'vitest';
import { LegacyRandom, SmallCnn, Tensor, evalNumericalGradient, init, relError, shapesData } from '../src/index.js';
import { CNN_CHUNK, CnnPlan, encodeImages } from '../src/nn/cnn-plan.js';
import { wordLoss } from '../src/train/word-head.js';
import { GRAD_LIMIT } from './helpers.js';

beforeAll(() => init());

describe('CnnPlan', () => {
  const data = shapesData({ numTrain: 20, numVal: 4, seed: 2, imageSize: 16, captionsPerImage: 1 });
  for (const head of ['max', 'flatten'] as const) {
    it(`${head} head: forward has the reference's bits (train and test mode, running statistics too); backward its gradients up to the chunked sums`, () => {
      const spec = { imageSize: 16, channels: [4, 6], outputDim: 7, dtype: 'float64' as const, head };
      const ref = new SmallCnn(spec, 3), fast = new SmallCnn(spec, 3);
      const plan = new CnnPlan(fast);
      const ims = data.trainImages.slice(0, CNN_CHUNK + 5); // two chunks, the second partial
      const x = new Tensor(new Float64Array(ims.length * 3 * 256), [ims.length, 3, 16, 16]);
      ims.forEach((im, n) => { for (let p = 0; p < 256; p++) for (let c = 0; c < 3; c++) x.data[(n * 3 + c) * 256 + p] = (im.data[p * 4 + c] - 127.5) / 127.5; });
      const r = ref.forward(x, 'train');
      const out = plan.forward(ims, 'train');
      expect(Array.from(out.data)).toEqual(Array.from(r.out.data));
      expect(fast.arrays()).toEqual(ref.arrays());
      const dout = new Tensor(new Float64Array(ims.length * 7).map((_, i) => Math.sin(i + 1)), [ims.length, 7]);
      const gr = ref.backward(dout, r.caches);
      const gp = plan.backward(dout);
      expect(Object.keys(gp).sort()).toEqual(Object.keys(gr).sort());
      for (const k of Object.keys(gr)) {
        if (k.startsWith('conv') && k.endsWith('.b')) continue; // zero up to rounding before batchnorm: no relative scale
        expect(relError(gp[k], gr[k]), k).toBeLessThan(1e-12);
      }
      expect(Array.from(plan.forward(data.valImages, 'test').data)).toEqual(Array.from(ref.encode(data.valImages).data));
      plan.dispose();
    });
  }

  it('encodeImages gives SmallCnn.encode\'s bits; backward without a train-mode forward is refused', async () => {
    const cnn = new SmallCnn({ imageSize: 16, channels: [3, 5], outputDim: 6, dtype: 'float32', head: 'max' }, 1);
    expect(Array.from((await encodeImages(cnn, data.trainImages, 7)).data)).toEqual(Array.from(cnn.encode(data.trainImages).data));
    const plan = new CnnPlan(cnn);
    plan.forward(data.valImages, 'test');
    expect(() => plan.backward(new Tensor(new Float32Array(4 * 6), [4, 6]))).toThrow(/train mode/);
    plan.dispose();
  });
});

describe('the word loss', () => {
  it('its gradients w.r.t. the features and the head match centred differences (float64); special ids are not targets', () => {
    const rng = new LegacyRandom(4);
    const N = 3, D = 4, V = 6, L = 5;
    const features = new Tensor(rng.randnArray(N * D), [N, D]);
    const w = new Tensor(rng.randnArray(D * V).map((v) => v * 0.5), [D, V]);
    const b = new Tensor(rng.randnArray(V), [V]);
    // <NULL> 0, <START> 1, <END> 2: rows of different lengths, a repeated word
    const captions = Int32Array.from([1, 3, 4, 2, 0, 1, 5, 5, 3, 2, 1, 4, 2, 0, 0]);
    const special = new Set([0, 1, 2]);
    const f = () => wordLoss(features, captions, L, w, b, special).loss;
    const r = wordLoss(features, captions, L, w, b, special);
    expect(relError(r.dfeatures, evalNumericalGradient(f, features, 1e-4, { order: 4 }))).toBeLessThan(GRAD_LIMIT);
    expect(relError(r.dw, evalNumericalGradient(f, w, 1e-4, { order: 4 }))).toBeLessThan(GRAD_LIMIT);
    expect(relError(r.db, evalNumericalGradient(f, b, 1e-4, { order: 4 }))).toBeLessThan(GRAD_LIMIT);
    // the loss by hand: Σ over the 6 words of −log softmax(scores of its row)[word], / N
    let want = 0;
    [[3, 4], [5, 5, 3], [4]].forEach((words, n) => {
      const z = Array.from({ length: V }, (_, v) => b.data[v] + Array.from({ length: D }, (_, k) => features.data[n * D + k] * w.data[k * V + v]).reduce((s, x) => s + x, 0));
      const m = Math.max(...z);
      const lse = m + Math.log(z.reduce((s, x) => s + Math.exp(x - m), 0));
      for (const id of words) want += lse - z[id];
    });
    expect(r.loss).toBeCloseTo(want / N, 10);
  });
});
