// Calls whose working set would not fit the 4 GiB wasm address space (e.g. N·T·V scores) are
// refused up front with a RecapError that says how much memory they need — before any wasm
// memory is allocated or any model state changes.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CaptioningRNN, CaptioningSolver, RecapError, Tensor, init, layers, memoryStats, sampleCocoMinibatch, type CaptionData,
} from '../../src/index.js';

beforeAll(() => init());

const f32 = (shape: number[]) => new Tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
const i32 = (shape: number[]) => new Tensor(new Int32Array(shape.reduce((a, b) => a * b, 1)), shape);
const vocab = (V: number) => Object.fromEntries(Array.from({ length: V }, (_, i) => [['<NULL>', '<START>', '<END>'][i] ?? `w${i}`, i]));

/** Runs fn, expecting a refusal naming `argument` and the GiB needed; returns that figure. */
function refused(fn: () => unknown, argument: string): number {
  const before = memoryStats();
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a refusal').toBeInstanceOf(RecapError);
  const e = err as RecapError;
  expect(e.argument).toBe(argument);
  expect(e.message).toMatch(/expected a working set under 3\.5 GiB of .*, got [\d.]+ GiB needed/);
  // nothing was allocated (or grown) on the way to the refusal
  const after = memoryStats();
  expect(after.inUse).toBe(before.inUse);
  expect(after.memoryBytes).toBe(before.memoryBytes);
  return Number(/got ([\d.]+) GiB needed/.exec(e.message)![1]);
}

describe('wasm memory limits', () => {
  it('layers: outputs far larger than their inputs are refused with the size of the call', () => {
    // (1e5, 1) · (1, 1e5): 1e10 outputs, 40 GB
    const gib = refused(() => layers.affineForward(f32([100000, 1]), f32([1, 100000]), f32([100000])), 'affineForward');
    expect(gib).toBeGreaterThan(37);
    expect(gib).toBeLessThan(38);
    // N·T·4H gates of an LSTM: x (1e5, 10, 1), H = 1000
    refused(() => layers.lstmForward(f32([100000, 10, 1]), f32([100000, 1000]), f32([1, 4000]), f32([1000, 4000]), f32([4000])), 'lstmForward');
    // word embedding: 1e6 ids × D = 2000
    refused(() => layers.wordEmbeddingForward(i32([1000, 1000]), f32([1, 2000])), 'wordEmbeddingForward');
    refused(() => layers.temporalAffineForward(f32([1000, 100, 1]), f32([1, 20000]), f32([20000])), 'temporalAffineForward');
  });

  it('the model: a batch whose N·T·V scores exceed 4 GiB is refused; the model stays usable', () => {
    const model = new CaptioningRNN({ wordToIdx: vocab(1000), inputDim: 2, wordvecDim: 2, hiddenDim: 2 });
    const okF = f32([2, 2]);
    const okC = i32([2, 3]);
    const loss = model.loss(okF, okC).loss;
    const params = model.getParams();
    // N=20000, T=100, V=1000: scores and dscores alone are 16 GB
    const gib = refused(() => model.loss(f32([20000, 2]), i32([20000, 101])), 'captions');
    expect(gib).toBeGreaterThan(14);
    expect(model.loss(okF, okC).loss).toBe(loss);
    expect(Array.from(model.getParams().W_vocab.data)).toEqual(Array.from(params.W_vocab.data));
    // beam search: N·k rows × V candidates
    refused(() => model.sample(f32([20000, 2]), { beamSize: 1000, maxLength: 100 }), 'features');
    model.dispose();
  });

  it('the model: parameters that cannot fit are refused at construction', () => {
    refused(() => new CaptioningRNN({ wordToIdx: vocab(3), inputDim: 1 << 20, wordvecDim: 8, hiddenDim: 1 << 12 }), 'model');
  });

  it('the solver: a batch size whose workspace cannot fit is refused at construction', () => {
    const model = new CaptioningRNN({ wordToIdx: vocab(50), inputDim: 2, wordvecDim: 2, hiddenDim: 2 });
    const data = { trainCaptions: i32([4, 17]), trainImageIdxs: i32([4]), trainFeatures: f32([1, 2]), idxToWord: Object.keys(vocab(50)), wordToIdx: vocab(50) } as CaptionData;
    refused(() => new CaptioningSolver(model, data, { batchSize: 10_000_000, verbose: false }), 'batchSize');
    model.dispose();
  });

  it('minibatch sampling refuses batches beyond memory', () => {
    const data = { trainCaptions: i32([4, 17]), trainImageIdxs: i32([4]), trainFeatures: f32([1, 2]) } as CaptionData;
    expect(() => sampleCocoMinibatch(data, { batchSize: 1e11 })).toThrow(/GiB needed/);
  });
});
