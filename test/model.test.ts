// CaptioningRNN against the reference: the two notebook losses to all printed digits, every
// model case's loss and 8 gradients, greedy samples, CS231n initialisation and determinism.
import { beforeAll, describe, expect, it } from 'vitest';
import { CaptioningRNN, LegacyRandom, PARAM_NAMES, RecapError, init, tensor, type DType, type Tensor } from '../src/index.js';
import { arr, expectClose, f32Tol, loadCases, type Case } from './helpers.js';

beforeAll(() => init());

function modelFor(c: Case, dtype: DType, wordToIdx?: Record<string, number>): CaptioningRNN {
  const { D, W, H, V } = c.dims;
  const vocab = wordToIdx ?? Object.fromEntries(Array.from({ length: V }, (_, i) => [['<NULL>', '<START>', '<END>', '<UNK>'][i] ?? `w${i}`, i]));
  const model = new CaptioningRNN({ wordToIdx: vocab, inputDim: D, wordvecDim: W, hiddenDim: H, cellType: c.cell_type, dtype: dtype as 'float32' });
  const params: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(c.inputs.params)) params[k] = arr(v as never, dtype);
  model.setParams(params);
  return model;
}

const notebookVocab = { '<NULL>': 0, cat: 2, dog: 3 };

describe('notebook loss checks', () => {
  it('rnn: 9.83235591003', () => {
    const c = loadCases('captioning_model.json').find((k) => k.name === 'notebook_linspace_rnn')!;
    const model = modelFor(c, 'float64', notebookVocab);
    const { loss } = model.loss(arr(c.inputs.features), arr(c.inputs.captions));
    expect(loss.toFixed(11)).toBe('9.83235591003');
    expect(Math.abs(loss - 9.832355910027388)).toBeLessThan(1e-13);
    model.dispose();
  });
  it('lstm: 9.82445935443', () => {
    const c = loadCases('captioning_model.json').find((k) => k.name === 'notebook_linspace_lstm')!;
    const model = modelFor(c, 'float64', notebookVocab);
    const { loss } = model.loss(arr(c.inputs.features), arr(c.inputs.captions));
    expect(loss.toFixed(11)).toBe('9.82445935443');
    expect(Math.abs(loss - 9.82445935443226)).toBeLessThan(1e-13);
    model.dispose();
  });
});

describe.each(['float64', 'float32'] as DType[])('model cases in %s', (dtype) => {
  it.each(loadCases('captioning_model.json').map((c) => [c.name, c]))('%s: loss and 8 gradients', (_n, c: Case) => {
    const vocab = c.name.startsWith('notebook') ? notebookVocab : undefined;
    const model = modelFor(c, dtype, vocab);
    const { loss, grads } = model.loss(arr(c.inputs.features, dtype), arr(c.inputs.captions));
    const tol = (name: string) => (dtype === 'float64' ? Math.max(1e-9, c.suggested_scale_relative_tolerance.float64[name]) : f32Tol(c, name));
    expect(Math.abs(loss - c.outputs.loss) / Math.abs(c.outputs.loss)).toBeLessThanOrEqual(tol('loss'));
    for (const name of PARAM_NAMES) {
      if (tol(name) > 0.1) continue; // numerically meaningless in float32 for this case (vector guidance)
      expectClose(`${c.name} ${dtype} d${name}`, grads[name], c.outputs.grads[name], tol(name));
    }
    model.dispose();
  });
});

describe('greedy sampling', () => {
  it.each(loadCases('sample.json').flatMap((c) => (['float64', 'float32'] as DType[]).map((d) => [`${c.name} ${d}`, c, d])))('%s', (_n, c: Case, dtype: DType) => {
    const model = modelFor(c, dtype);
    const out = model.sample(arr(c.inputs.features, dtype), { maxLength: c.max_length });
    expect(out.dtype).toBe('int32');
    expect(out.shape).toEqual(c.outputs.captions.shape);
    expect(Array.from(out.data)).toEqual(c.outputs.captions.data);
    model.dispose();
  });
});

describe('initialisation', () => {
  it('draws in CS231n order from numpy\'s legacy stream (notebook seed-231 construction)', () => {
    // np.random.seed(231); captions = randint(3, (2,3)); features = randn(2,4); then the model's draws
    for (const cell of ['rnn', 'lstm'] as const) {
      const c = loadCases('captioning_model.json').find((k) => k.name === `notebook_seed231_gradcheck_${cell}`)!;
      const rng = new LegacyRandom(231);
      expect(Array.from(rng.randintArray(3, 6))).toEqual(c.inputs.captions.data);
      const feats = rng.randnArray(8);
      expectClose('features', feats, c.inputs.features.data, 0);
      // the model seeds its own stream; continuing this one reproduces the notebook's init
      const { D, W, H, V } = c.dims;
      const G = (cell === 'lstm' ? 4 : 1) * H;
      const want = c.inputs.params;
      const scale = (name: string, n: number, s: number) => expectClose(name, Array.from(rng.randnArray(n), (v) => v / s), want[name].data, 1e-15);
      scale('W_embed', V * W, 100);
      scale('W_proj', D * H, Math.sqrt(D));
      scale('Wx', W * G, Math.sqrt(W));
      scale('Wh', H * G, Math.sqrt(H));
      scale('W_vocab', H * V, Math.sqrt(H));
    }
  });

  it('is deterministic: same seed, same parameters, losses and samples', () => {
    const vocab = { '<NULL>': 0, '<START>': 1, '<END>': 2, a: 3, b: 4, c: 5 };
    const run = () => {
      const m = new CaptioningRNN({ wordToIdx: vocab, inputDim: 8, wordvecDim: 6, hiddenDim: 5, cellType: 'lstm', seed: 7 });
      const rng = new LegacyRandom(1);
      const feats = tensor(rng.randnArray(3 * 8), [3, 8], 'float32');
      const caps = tensor(rng.randintArray(6, 3 * 5), [3, 5], 'int32');
      const { loss, grads } = m.loss(feats, caps);
      const sample = m.sample(feats, { maxLength: 7 });
      const params = m.getParams();
      m.dispose();
      return { loss, grads, sample, params };
    };
    const a = run();
    const b = run();
    expect(a.loss).toBe(b.loss);
    expect(Array.from(a.sample.data)).toEqual(Array.from(b.sample.data));
    for (const name of PARAM_NAMES) {
      expect(Array.from(a.params[name].data)).toEqual(Array.from(b.params[name].data));
      expect(Array.from(a.grads[name].data)).toEqual(Array.from(b.grads[name].data));
    }
    const other = new CaptioningRNN({ wordToIdx: vocab, inputDim: 8, wordvecDim: 6, hiddenDim: 5, cellType: 'lstm', seed: 8 });
    expect(Array.from(other.getParams().W_embed.data)).not.toEqual(Array.from(a.params.W_embed.data));
    other.dispose();
  });

  it('initial loss is close to log(V) per unmasked token on random data (sanity)', () => {
    const V = 50;
    const vocab = Object.fromEntries(Array.from({ length: V }, (_, i) => [i === 0 ? '<NULL>' : `w${i}`, i]));
    const m = new CaptioningRNN({ wordToIdx: vocab, inputDim: 16, wordvecDim: 8, hiddenDim: 8, seed: 3 });
    const rng = new LegacyRandom(5);
    const N = 20, T = 10;
    const caps = tensor(Array.from(rng.randintArray(V - 1, N * (T + 1)), (v) => v + 1), [N, T + 1], 'int32');
    const { loss } = m.loss(tensor(rng.randnArray(N * 16), [N, 16], 'float32'), caps);
    expect(Math.abs(loss / T - Math.log(V))).toBeLessThan(0.1);
    m.dispose();
  });
});

describe('parameters', () => {
  it('getParams returns copies; setParams round-trips; shapes follow CS231n', () => {
    const m = new CaptioningRNN({ wordToIdx: { '<NULL>': 0, x: 1, y: 2 }, inputDim: 4, wordvecDim: 3, hiddenDim: 2, cellType: 'lstm', dtype: 'float64' });
    const p = m.getParams();
    expect(p.Wx.shape).toEqual([3, 8]);
    expect(p.Wh.shape).toEqual([2, 8]);
    expect(p.b.shape).toEqual([8]);
    expect(p.W_vocab.shape).toEqual([2, 3]);
    p.W_proj.data[0] = 123;
    expect(m.getParams().W_proj.data[0]).not.toBe(123);
    m.setParams({ W_proj: p.W_proj });
    expect(m.getParams().W_proj.data[0]).toBe(123);
    m.dispose();
    expect(() => m.getParams()).toThrow(/disposed/);
    expect(() => m.getParams()).toThrow(RecapError);
  });

  it('masked steps cost nothing and count for nothing: all-<NULL> targets give loss 0 and zero vocabulary gradients; the scored steps alone give the same loss as the full batch', () => {
    const wordToIdx = { '<NULL>': 0, '<START>': 1, a: 2, b: 3 };
    const m = new CaptioningRNN({ wordToIdx, inputDim: 3, wordvecDim: 4, hiddenDim: 5, cellType: 'lstm', dtype: 'float64', seed: 1 });
    const f = tensor([[0.1, -0.2, 0.3], [0.5, 0.1, -0.4]], [2, 3], 'float64');
    const none = m.loss(f, tensor([[1, 0, 0, 0], [1, 0, 0, 0]], [2, 4], 'int32'));
    expect(none.loss).toBe(0);
    expect(Array.from(none.grads.W_vocab.data).every((v) => v === 0)).toBe(true);
    expect(Array.from(none.grads.b_vocab.data).every((v) => v === 0)).toBe(true);
    expect(Array.from(none.grads.Wx.data).every((v) => v === 0)).toBe(true);
    // row 0 scores 3 steps, row 1 one step; the loss is the mean over rows of their summed terms
    const both = m.loss(f, tensor([[1, 2, 3, 2], [1, 3, 0, 0]], [2, 4], 'int32'));
    const r0 = m.loss(f.reshape([2, 3]), tensor([[1, 2, 3, 2], [1, 0, 0, 0]], [2, 4], 'int32'));
    const r1 = m.loss(f, tensor([[1, 0, 0, 0], [1, 3, 0, 0]], [2, 4], 'int32'));
    expect(both.loss).toBeCloseTo(r0.loss + r1.loss, 14);
    expect(both.loss).toBeGreaterThan(0);
    m.dispose();
  });
});
