// The inspection tools on models whose answers are known in closed form, integrated gradients'
// completeness, knockouts (nothing knocked out = the model's loss, bit for bit), determinism,
// and the typed errors of bad input.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CaptioningRNN, RecapError, activations, attribution, gateStats, gradientFlow, init, knockout, shapesData, decodeCaptions, stripSpecialTokens, sceneAccuracy, Tensor, tensor, type DType,
} from '../../src/index.js';

beforeAll(() => init());

const VOCAB = { '<NULL>': 0, '<START>': 1, '<END>': 2, a: 3 };

/** A scalar model (D = W = H = 1) with the given parameters. */
function scalar(cellType: 'rnn' | 'lstm', p: Record<string, number[]>, dtype: DType = 'float64'): CaptioningRNN {
  const m = new CaptioningRNN({ wordToIdx: VOCAB, inputDim: 1, wordvecDim: 1, hiddenDim: 1, cellType, dtype: dtype as 'float64' });
  const G = cellType === 'lstm' ? 4 : 1;
  const shapes: Record<string, number[]> = { W_proj: [1, 1], b_proj: [1], W_embed: [4, 1], Wx: [1, G], Wh: [1, G], b: [G], W_vocab: [1, 4], b_vocab: [4] };
  m.setParams(Object.fromEntries(Object.entries(p).map(([k, v]) => [k, tensor(v, shapes[k], dtype)])));
  return m;
}

const caption = (T: number) => tensor([1, ...Array(T - 1).fill(3), 2], [1, T + 1], 'int32');

describe('closed forms', () => {
  it('scalar RNN: ∂L_T/∂h_t = ∂L_T/∂h_T · Π_{k>t} w·tanh′(a_k), which tends to w^(T−1−t) as the inputs shrink', () => {
    const w = 0.8, T = 9;
    for (const scale of [1, 1e-4]) {
      const m = scalar('rnn', {
        W_proj: [scale], b_proj: [0], W_embed: [[0], [scale], [-scale], [0.5 * scale]].flat(), Wx: [1], Wh: [w], b: [0],
        W_vocab: [0.3, -0.2, 0.5, 0.1], b_vocab: [0, 0, 0, 0],
      });
      const f = tensor([1], [1, 1], 'float64');
      const flow = gradientFlow(m, f, caption(T), { from: 'last' });
      const h = activations(m, f, caption(T)).h.data;
      let maxH2 = 0;
      for (let t = T - 2; t >= 0; t--) {
        let prod = 1;
        for (let k = t + 1; k < T; k++) prod *= w * (1 - h[k] * h[k]);
        maxH2 = Math.max(maxH2, h[t + 1] * h[t + 1]);
        const ratio = flow.dh[t] / flow.dh[T - 1];
        expect(Math.abs(ratio - prod) / prod).toBeLessThan(1e-12);
        // tanh′ = 1 − h² ∈ [1 − max h², 1]: the ratio is w^(T−1−t) within a relative (T−1−t)·max h²
        const pure = w ** (T - 1 - t);
        expect(Math.abs(ratio - pure) / pure).toBeLessThanOrEqual((T - 1 - t) * maxH2 + 1e-12);
        if (scale < 1) expect(Math.abs(ratio - pure) / pure).toBeLessThan(1e-6);
      }
      // the state Jacobian of the scalar RNN is w·tanh′(a_t)
      for (let t = 1; t < T; t++) expect(Math.abs(flow.jacobianNorm[t - 1] - w * (1 - h[t] * h[t]))).toBeLessThan(1e-14);
      expect(flow.whNorm).toBeCloseTo(w, 14);
      m.dispose();
    }
  });

  it('LSTM with W_h = 0: the gradient on the cell path is the product of forget gates, σ_max = f·√(1 + (o·tanh′c)²)', () => {
    const T = 8;
    const m = scalar('lstm', {
      W_proj: [0.7], b_proj: [0.1], W_embed: [0, 0.4, -0.3, 0.9], Wx: [0.5, 1.2, -0.4, 0.8], Wh: [0, 0, 0, 0], b: [0.2, 1.5, 0.3, -0.1],
      W_vocab: [0.6, -0.5, 0.4, 0.2], b_vocab: [0, 0.1, 0, 0],
    });
    const feats = tensor([0.5], [1, 1], 'float64');
    const flow = gradientFlow(m, feats, caption(T), { from: 'last' });
    const a = activations(m, feats, caption(T));
    for (let t = T - 2; t >= 0; t--) {
      let prod = 1;
      for (let k = t + 1; k < T; k++) prod *= a.f!.data[k];
      expect(Math.abs(flow.dc![t] / flow.dc![T - 1] - prod) / prod).toBeLessThan(1e-12);
      expect(flow.dh[t]).toBe(0); // h_t reaches the last step's loss only through c
    }
    const all = gradientFlow(m, feats, caption(T));
    for (let t = 1; t < T; t++) {
      const c = a.c!.data[t], o = a.o!.data[t], f = a.f!.data[t];
      const th = Math.tanh(c);
      const want = f * Math.sqrt(1 + (o * (1 - th * th)) ** 2);
      expect(Math.abs(all.jacobianNorm[t - 1] - want) / want).toBeLessThan(1e-10);
    }
    expect(all.whNorm).toBe(0);
    m.dispose();
  });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const fixture: Record<string, any> = JSON.parse(readFileSync(new URL('../fixtures/inspect/lstm.json', import.meta.url), 'utf8'));
function fixtureModel(dtype: DType, cell: 'lstm' | 'rnn' = 'lstm') {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const f = cell === 'lstm' ? fixture : JSON.parse(readFileSync(new URL('../fixtures/inspect/rnn.json', import.meta.url), 'utf8')) as Record<string, any>;
  const model = new CaptioningRNN({ wordToIdx: f.wordToIdx, inputDim: f.D, wordvecDim: f.W, hiddenDim: f.H, cellType: cell, dtype: dtype as 'float64' });
  const params: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(f.params as Record<string, { shape: number[]; data: number[] }>)) params[k] = tensor(v.data, v.shape, dtype);
  model.setParams(params);
  return { model, features: tensor(f.features, [f.N, f.D], dtype), captions: tensor(f.captions, [f.N, f.T + 1], 'int32'), f };
}

describe('integrated gradients', () => {
  it('completeness: Σ attributions = log p(input) − log p(baseline) within 1e-6 (float64, 64 intervals)', () => {
    const { model, features, captions, f } = fixtureModel('float64');
    const one = tensor(Array.from(features.data.subarray(0, f.D)), [1, f.D], 'float64');
    const cap = tensor(Array.from(captions.data.subarray(0, f.T + 1)), [1, f.T + 1], 'int32');
    const ig = attribution(model, one, cap, { method: 'integrated', steps: 64 });
    for (let t = 0; t < f.T; t++) {
      let sum = 0;
      for (let d = 0; d < f.D; d++) sum += ig.features.data[t * f.D + d];
      for (let s = 0; s < f.T; s++) sum += ig.words.data[t * f.T + s];
      const delta = ig.logProb[t] - ig.baselineLogProb[t];
      expect(Math.abs(sum - delta)).toBeLessThan(1e-6);
      for (let s = t + 1; s < f.T; s++) expect(ig.words.data[t * f.T + s]).toBe(0); // later words cannot matter
    }
    model.dispose();
  });
});

describe('attribution gradients: centred differences (float64)', () => {
  it('∂ log p_t / ∂features and ∂ log p_t / ∂x_s match centred differences of logProb', () => {
    const { model, features, captions, f } = fixtureModel('float64');
    const feat = Array.from(features.data.subarray(0, f.D));
    const cap = tensor(Array.from(captions.data.subarray(0, f.T + 1)), [1, f.T + 1], 'int32');
    const logp = (fv: number[], t: number) => attribution(model, tensor(fv, [1, f.D], 'float64'), cap).logProb[t];
    const gi = attribution(model, tensor(feat, [1, f.D], 'float64'), cap);
    const h = 1e-5, t = 4;
    for (let d = 0; d < f.D; d++) {
      const up = feat.slice(), down = feat.slice();
      up[d] += h;
      down[d] -= h;
      const numeric = (logp(up, t) - logp(down, t)) / (2 * h);
      expect(Math.abs(gi.features.data[t * f.D + d] - feat[d] * numeric)).toBeLessThan(1e-8 * Math.max(1, Math.abs(feat[d] * numeric)));
    }
    // the word vector of step s is the row W_embed[w_s] (the caption's words are distinct)
    const P = model.getParams();
    for (let s = 0; s <= t; s++) {
      const w = cap.data[s];
      let want = 0;
      for (let k = 0; k < f.W; k++) {
        const at = (delta: number) => {
          const E = P.W_embed.clone();
          E.data[w * f.W + k] += delta;
          model.setParams({ W_embed: E });
          return logp(feat, t);
        };
        const numeric = (at(h) - at(-h)) / (2 * h);
        want += P.W_embed.data[w * f.W + k] * numeric;
      }
      model.setParams({ W_embed: P.W_embed });
      expect(Math.abs(gi.words.data[t * f.T + s] - want)).toBeLessThan(1e-8 * Math.max(1, Math.abs(want)));
    }
    model.dispose();
  });
});

describe('knockout', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: nothing knocked out is the model's loss bit for bit; each forced component changes it`, () => {
      const { model, features, captions } = fixtureModel(dtype);
      const rows = knockout(model, { features, captions });
      expect(rows.map((r) => r.component)).toEqual(['none', 'f', 'i', 'o', 'h0', 'features']);
      expect(rows[0].loss).toBe(model.loss(features, captions).loss);
      for (const r of rows.slice(1)) expect(r.loss).not.toBe(rows[0].loss);
      expect(rows.every((r) => r.sceneAccuracy === null)).toBe(true);
      // the model itself is untouched
      expect(knockout(model, { features, captions }, { components: [] })[0].loss).toBe(rows[0].loss);
      model.dispose();
    });
  }

  it('a forced gate is exactly 1: f ≡ 1 gives the loss of a model whose forget gates are 1 by construction', () => {
    const { model, features, captions } = fixtureModel('float64');
    const [, f] = knockout(model, { features, captions }, { components: ['f'] });
    const p = model.getParams();
    const H = model.config.hiddenDim;
    // the same model with the forget columns zeroed and a bias of 1e4: σ(1e4) = 1 in float64
    for (const name of ['Wx', 'Wh'] as const) for (let r = 0; r < p[name].shape[0]; r++) p[name].data.fill(0, r * 4 * H + H, r * 4 * H + 2 * H);
    p.b.data.fill(1e4, H, 2 * H);
    const copy = new CaptioningRNN({ wordToIdx: model.wordToIdx, ...model.config });
    copy.setParams(p);
    expect(f.loss).toBe(copy.loss(features, captions).loss);
    const g = gateStats(copy, features, captions);
    expect(Array.from(g.f!.right)).toEqual(Array(H).fill(1));
    copy.dispose();
    model.dispose();
  });

  it('scene accuracy on the shapes world: the greedy captions of the (forced) model scored against the scenes', () => {
    const data = shapesData({ numTrain: 1, numVal: 12, seed: 3 });
    const model = new CaptioningRNN({ wordToIdx: data.wordToIdx, inputDim: data.valFeatures.shape[1], hiddenDim: 8, wordvecDim: 8, cellType: 'rnn', seed: 1 });
    const D = data.valFeatures.shape[1];
    const perCaption = new Float32Array(data.valCaptions.shape[0] * D);
    data.valImageIdxs.data.forEach((img, r) => perCaption.set(data.valFeatures.data.subarray(img * D, (img + 1) * D), r * D));
    const rows = knockout(model, {
      features: new Tensor(perCaption, [data.valCaptions.shape[0], D]), captions: data.valCaptions,
      images: { features: data.valFeatures, scenes: data.valScenes },
    }, { maxLength: 8 });
    expect(rows.map((r) => r.component)).toEqual(['none', 'h0', 'features']);
    const caps = (decodeCaptions(model.sample(data.valFeatures, { maxLength: 8 }), model.idxToWord) as string[]).map((c) => stripSpecialTokens(c));
    expect(rows[0].sceneAccuracy).toBe(sceneAccuracy(caps, data.valScenes).all.accuracy);
    for (const r of rows) expect(r.sceneAccuracy).toBeGreaterThanOrEqual(0);
    model.dispose();
  });
});

describe('determinism and bad input', () => {
  it('the same call gives the same bits', () => {
    const { model, features, captions } = fixtureModel('float32');
    const a = gradientFlow(model, features, captions), b = gradientFlow(model, features, captions);
    expect(Array.from(a.dh)).toEqual(Array.from(b.dh));
    expect(Array.from(a.jacobianNorm)).toEqual(Array.from(b.jacobianNorm));
    // without the Jacobian: the same gradients, no singular values
    const c = gradientFlow(model, features, captions, { jacobian: false });
    expect(Array.from(c.dh)).toEqual(Array.from(a.dh));
    expect(c.jacobianNorm.every(Number.isNaN) && Number.isNaN(c.whNorm)).toBe(true);
    model.dispose();
  });

  it('typed errors naming the argument', () => {
    const rnn = fixtureModel('float64', 'rnn');
    const lstm = fixtureModel('float64');
    const err = (fn: () => unknown, arg: string) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(RecapError);
        expect((e as RecapError).argument.startsWith(arg)).toBe(true);
        return;
      }
      throw new Error('no error');
    };
    err(() => gateStats(rnn.model, rnn.features, rnn.captions, { units: 'gates' }), 'options.units');
    err(() => knockout(rnn.model, { features: rnn.features, captions: rnn.captions }, { components: ['f'] }), 'options.components');
    err(() => knockout(lstm.model, { features: lstm.features, captions: lstm.captions }, { components: ['x' as 'f'] }), 'options.components');
    err(() => gradientFlow(lstm.model, lstm.features, lstm.captions, { from: 'first' as 'all' }), 'options.from');
    err(() => gradientFlow(lstm.model, lstm.features, tensor([1, 99, 2, 0, 1, 3, 2, 0, 1, 3, 2, 0], [3, 4], 'int32')), 'captions');
    err(() => activations(lstm.model, lstm.features), 'features');
    const one = tensor(Array.from(lstm.features.data.subarray(0, 6)), [1, 6], 'float64');
    err(() => attribution(lstm.model, one, tensor([1, 3, 2], [1, 3], 'int32'), { method: 'integrated', steps: 5 }), 'options.steps');
    err(() => gradientFlow(lstm.model, tensor(Array.from(lstm.features.data), [3, 6], 'float32'), lstm.captions), 'features');
    rnn.model.dispose();
    lstm.model.dispose();
  });
});
