// Bad input gets a RecapError naming the argument and expected vs actual, thrown before any
// wasm call; a failed call leaves the model unchanged.
import { beforeAll, describe, expect, it } from 'vitest';
import { CaptioningRNN, RecapError, init, layers, optim, tensor, type Tensor } from '../src/index.js';

beforeAll(() => init());

function expectRecapError(fn: () => unknown, argument: string, pattern?: RegExp): RecapError {
  try {
    fn();
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(RecapError);
    const err = e as RecapError;
    expect(err.argument).toBe(argument);
    if (pattern) expect(err.message).toMatch(pattern);
    return err;
  }
  throw new Error('expected a RecapError');
}

const f64 = (shape: number[], fill = 0.1) => tensor(new Array(shape.reduce((a, b) => a * b, 1)).fill(fill), shape, 'float64');
const f32 = (shape: number[], fill = 0.1) => tensor(new Array(shape.reduce((a, b) => a * b, 1)).fill(fill), shape, 'float32');
const i32 = (data: number[], shape: number[]) => tensor(data, shape, 'int32');

describe('tensor()', () => {
  it('infers shapes, rejects ragged arrays, bad dtypes and non-integers for int32', () => {
    expect(tensor([[1, 2, 3], [4, 5, 6]]).shape).toEqual([2, 3]);
    expect(tensor([[1, 2, 3], [4, 5, 6]]).dtype).toBe('float32');
    expectRecapError(() => tensor([[1, 2], [3]]), 'data[1]', /length 2/);
    expectRecapError(() => tensor([1, 2, 3], [2, 2]), 'shape');
    expectRecapError(() => tensor([1.5], [1], 'int32'), 'data[0]', /int32/);
    expectRecapError(() => tensor([1], [1], 'float16' as never), 'dtype');
  });
});

describe('layers', () => {
  it('mismatched shapes name both sides', () => {
    const err = expectRecapError(() => layers.rnnStepForward(f64([3, 10]), f64([3, 4]), f64([11, 4]), f64([4, 4]), f64([4])), 'Wx');
    expect(err.expected).toMatch(/D=10 \(from x\)/);
    expect(err.actual).toBe('[11, 4]');
    expectRecapError(() => layers.rnnForward(f64([2, 3]), f64([2, 4]), f64([3, 4]), f64([4, 4]), f64([4])), 'x', /rank 3/);
    expectRecapError(() => layers.lstmStepForward(f64([2, 3]), f64([2, 4]), f64([2, 4]), f64([3, 12]), f64([4, 12]), f64([12])), 'Wx', /4H=16/);
  });
  it('mixed float dtypes', () => {
    expectRecapError(() => layers.affineForward(f64([2, 3]), f32([3, 4]), f64([4])), 'w', /float64/);
  });
  it('NaN inputs', () => {
    const x = f64([2, 3]);
    x.data[4] = NaN;
    expectRecapError(() => layers.affineForward(x, f64([3, 4]), f64([4])), 'x[4]', /finite/);
  });
  it('token ids out of range or of the wrong dtype', () => {
    expectRecapError(() => layers.wordEmbeddingForward(i32([0, 5], [1, 2]), f64([5, 3])), 'x[1]', /\[0, 5\)/);
    expectRecapError(() => layers.wordEmbeddingForward(i32([0, -1], [1, 2]), f64([5, 3])), 'x[1]');
    expectRecapError(() => layers.wordEmbeddingForward(f64([1, 2]), f64([5, 3])), 'x', /int32/);
    expectRecapError(() => layers.temporalSoftmaxLoss(f64([1, 2, 3]), i32([0, 3], [1, 2]), i32([1, 1], [1, 2])), 'y[1]');
    expectRecapError(() => layers.temporalSoftmaxLoss(f64([1, 2, 3]), i32([0, 1], [1, 2]), i32([1, 2], [1, 2])), 'mask[1]', /0 or 1/);
  });
  it('empty batches', () => {
    expectRecapError(() => layers.affineForward(tensor([], [0, 3], 'float64'), f64([3, 4]), f64([4])), 'x', /empty/);
  });
  it('a cache from another layer', () => {
    const { cache } = layers.affineForward(f64([2, 3]), f64([3, 4]), f64([4]));
    expectRecapError(() => layers.rnnStepBackward(f64([2, 4]), cache), 'cache', /rnnStepForward/);
    expectRecapError(() => layers.affineBackward(f64([2, 5]), cache), 'dout');
  });
});

describe('CaptioningRNN', () => {
  const vocab = { '<NULL>': 0, '<START>': 1, '<END>': 2, cat: 3 };
  const make = (v: Record<string, number> = vocab) => new CaptioningRNN({ wordToIdx: v, inputDim: 4, wordvecDim: 3, hiddenDim: 5, dtype: 'float64' });

  it('rejects a vocabulary without <NULL> and bad options', () => {
    expectRecapError(() => new CaptioningRNN({ wordToIdx: { a: 0 } }), 'wordToIdx', /<NULL>/);
    expectRecapError(() => new CaptioningRNN({ wordToIdx: vocab, cellType: 'gru' as never }), 'cellType');
    expectRecapError(() => new CaptioningRNN({ wordToIdx: vocab, hiddenDim: 0 }), 'hiddenDim');
    expectRecapError(() => new CaptioningRNN({ wordToIdx: vocab, dtype: 'int32' as never }), 'dtype');
  });
  it('loss: bad features and captions', () => {
    const m = make();
    const caps = i32([1, 3, 2, 0, 1, 3, 3, 2], [2, 4]);
    expectRecapError(() => m.loss(f64([2, 5]), caps), 'features', /D=4/);
    const nan = f64([2, 4]);
    nan.data[7] = NaN;
    expectRecapError(() => m.loss(nan, caps), 'features[7]');
    expectRecapError(() => m.loss(f64([3, 4]), caps), 'captions', /N=3/);
    expectRecapError(() => m.loss(f64([2, 4]), i32([1, 3, 2, 0, 1, 3, 4, 2], [2, 4])), 'captions[6]', /\[0, 4\)/);
    expectRecapError(() => m.loss(f64([2, 4]), f64([2, 4])), 'captions', /int32/);
    expectRecapError(() => m.loss(f64([2, 4]), i32([1, 2], [2, 1])), 'captions', /T\+1 >= 2/);
    expectRecapError(() => m.loss(tensor([], [0, 4], 'float64'), i32([], [0, 4])), 'features', /empty/);
    m.dispose();
  });
  it('sample needs <START>, beam search needs <END>', () => {
    const m = make({ '<NULL>': 0, cat: 1 });
    expectRecapError(() => m.sample(f64([1, 4])), 'wordToIdx', /<START>/);
    m.dispose();
    const m2 = make({ '<NULL>': 0, '<START>': 1, cat: 2 });
    expect(m2.sample(f64([1, 4]), { maxLength: 3 }).shape).toEqual([1, 3]);
    expectRecapError(() => m2.sample(f64([1, 4]), { beamSize: 2 }), 'wordToIdx', /<END>/);
    expectRecapError(() => m2.sample(f64([1, 4]), { maxLength: 0 }), 'maxLength');
    m2.dispose();
  });
  it('a failed setParams leaves every parameter unchanged', () => {
    const m = make();
    const before = m.getParams();
    const good = f64([4, 5], 7);
    expectRecapError(() => m.setParams({ W_proj: good, Wx: f64([3, 6]) }), 'params.Wx', /\[3, 5\]/);
    expectRecapError(() => m.setParams({ W_proj: good, Wh: f32([5, 5]) }), 'params.Wh', /float64/);
    const bad = f64([5]);
    bad.data[2] = Infinity;
    expectRecapError(() => m.setParams({ W_proj: good, b: bad }), 'params.b[2]');
    expectRecapError(() => m.setParams({ W_proj: good, nope: good } as never), 'params');
    const after = m.getParams();
    for (const k of Object.keys(before) as (keyof typeof before)[]) expect(Array.from(after[k].data)).toEqual(Array.from(before[k].data));
    m.dispose();
  });
  it('a failed loss leaves the parameters unchanged and the model usable', () => {
    const m = make();
    const before = m.getParams().Wx.data.slice();
    expect(() => m.loss(f64([2, 4]), i32([1, 3, 2, 0, 1, 3, 9, 2], [2, 4]))).toThrow(RecapError);
    expect(Array.from(m.getParams().Wx.data)).toEqual(Array.from(before));
    expect(Number.isFinite(m.loss(f64([2, 4]), i32([1, 3, 2, 0, 1, 3, 3, 2], [2, 4])).loss)).toBe(true);
    m.dispose();
  });
});

describe('optim', () => {
  it('checks shapes, dtypes and config values', () => {
    expectRecapError(() => optim.sgd(f64([2, 3]), f64([3, 2])), 'dw');
    expectRecapError(() => optim.sgd(f64([2, 3]), f32([2, 3])), 'dw');
    expectRecapError(() => optim.adam(f64([2]), f64([2]), { learningRate: NaN }), 'config.learningRate');
    expectRecapError(() => optim.sgdMomentum(f64([2]), f64([2]), { velocity: f64([3]) as Tensor }), 'config.velocity');
  });
});

describe('contract holes found from outside (issue 14)', () => {
  it("a model's loss refuses features of the other float dtype (the float inputs of one call share one dtype), changing nothing", () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const m = new CaptioningRNN({ wordToIdx: { '<NULL>': 0, '<START>': 1, a: 2 }, inputDim: 3, wordvecDim: 2, hiddenDim: 2, dtype });
      const before = Array.from(m.getParams().W_proj.data);
      const other = dtype === 'float32' ? f64 : f32;
      const err = expectRecapError(() => m.loss(other([2, 3]), i32([1, 2, 0, 1, 2, 2], [2, 3])), 'features', new RegExp(`dtype ${dtype}`));
      expect(err.actual).toBe(`"${dtype === 'float32' ? 'float64' : 'float32'}"`);
      expect(Number.isFinite(m.loss((dtype === 'float32' ? f32 : f64)([2, 3]), i32([1, 2, 0, 1, 2, 2], [2, 3])).loss)).toBe(true);
      expect(Array.from(m.getParams().W_proj.data)).toEqual(before);
      m.dispose();
    }
  });

  it('update rules refuse a negative learning rate and out-of-range hyperparameters', () => {
    const w = f64([2, 2]), dw = f64([2, 2]);
    expectRecapError(() => optim.sgd(w, dw, { learningRate: -1e-3 }), 'config.learningRate', /\[0, Infinity\]/);
    expectRecapError(() => optim.adam(w, dw, { learningRate: -1 }), 'config.learningRate');
    expectRecapError(() => optim.sgdMomentum(w, dw, { momentum: 1.5 }), 'config.momentum');
    expectRecapError(() => optim.rmsprop(w, dw, { decayRate: -0.1 }), 'config.decayRate');
    expectRecapError(() => optim.adam(w, dw, { epsilon: -1 }), 'config.epsilon');
    expect(optim.sgd(w, dw, { learningRate: 0 }).w.data).toEqual(w.data); // a zero rate is a valid no-op
  });
});
