// Greedy decoding keeps the packed weights and the folded input projection E = W_embed·Wx (row
// w = x·Wx for word w) between calls while the parameters stay the same, and builds E once the
// rows decoded with those parameters reach V. Its captions are the direct computation's, bit for
// bit, and every write of the parameters (setParams, the solver's steps) invalidates the caches.
import { beforeAll, describe, expect, it } from 'vitest';
import { CaptioningRNN, CaptioningSolver, LegacyRandom, PARAM_NAMES, init, tensor, type DType, type Tensor } from '../src/index.js';

beforeAll(() => init());

const V = 40, D = 6, N = 3, LEN = 5; // N·LEN = 15 rows a call: the third call folds (45 ≥ V)
const vocab = Object.fromEntries(Array.from({ length: V }, (_, i) => [['<NULL>', '<START>', '<END>'][i] ?? `w${i}`, i]));
const make = (cell: 'rnn' | 'lstm', dtype: DType, seed = 2) =>
  new CaptioningRNN({ wordToIdx: vocab, inputDim: D, wordvecDim: 5, hiddenDim: 7, cellType: cell, dtype: dtype as 'float32', seed });
/** the captions a fresh model with these parameters gives (first call: no cache, no fold) */
function fresh(m: CaptioningRNN, cell: 'rnn' | 'lstm', dtype: DType, feats: Tensor): number[] {
  const f = make(cell, dtype, 9);
  f.setParams(m.getParams());
  const out = Array.from(f.sample(feats, { maxLength: LEN }).data);
  f.dispose();
  return out;
}
/** larger weights than the CS231n init, so that captions depend on every parameter */
function randomParams(m: CaptioningRNN, rng: LegacyRandom, dtype: DType): Record<string, Tensor> {
  const p = m.getParams() as Record<string, Tensor>;
  for (const name of PARAM_NAMES) p[name] = tensor(rng.randnArray(p[name].size), p[name].shape, dtype);
  return p;
}

describe.each([['lstm', 'float32'], ['lstm', 'float64'], ['rnn', 'float32'], ['rnn', 'float64']] as const)('%s %s', (cell, dtype) => {
  it('captions before and after the fold, and across calls, are bit-identical to the direct computation', () => {
    const rng = new LegacyRandom(3);
    const m = make(cell, dtype);
    m.setParams(randomParams(m, rng, dtype));
    const feats = tensor(rng.randnArray(N * D), [N, D], 'float64');
    const want = fresh(m, cell, dtype, feats);
    expect(new Set(want).size).toBeGreaterThan(2); // captions that can tell a wrong table apart
    for (let call = 0; call < 5; call++) {
      expect(Array.from(m.sample(feats, { maxLength: LEN }).data), `call ${call}`).toEqual(want);
      // 15 rows a call: the table is built by the third call (45 >= V), and used from then on
      expect(m.greedy.foldedValid, `folded after call ${call}`).toBe(call >= 2);
    }
    m.dispose();
  });

  it('setParams and solver steps invalidate the cached weights and table', () => {
    const rng = new LegacyRandom(4);
    const m = make(cell, dtype);
    m.setParams(randomParams(m, rng, dtype));
    const feats = tensor(rng.randnArray(N * D), [N, D], 'float64');
    for (let call = 0; call < 4; call++) m.sample(feats, { maxLength: LEN }); // folded by now
    expect(m.greedy.foldedValid).toBe(true);
    const before = Array.from(m.sample(feats, { maxLength: LEN }).data);
    m.setParams(randomParams(m, rng, dtype));
    expect(m.greedy.foldedValid).toBe(false); // the write made the table stale
    const afterSet = Array.from(m.sample(feats, { maxLength: LEN }).data);
    expect(afterSet).not.toEqual(before);
    expect(afterSet).toEqual(fresh(m, cell, dtype, feats));
    for (let call = 0; call < 4; call++) m.sample(feats, { maxLength: LEN });
    // a few solver steps with a large learning rate change every parameter
    const caps = new Int32Array(4 * (LEN + 1));
    for (let i = 0; i < caps.length; i++) caps[i] = i % (LEN + 1) === 0 ? 1 : 3 + rng.randint(V - 3);
    const data = {
      trainCaptions: tensor(caps, [4, LEN + 1], 'int32'), trainImageIdxs: tensor([0, 1, 2, 0], [4], 'int32'),
      trainFeatures: tensor(rng.randnArray(N * D), [N, D], dtype),
      idxToWord: Object.keys(vocab), wordToIdx: vocab,
    };
    const solver = new CaptioningSolver(m, data, { updateRule: 'sgd', optimConfig: { learningRate: 2 }, batchSize: 4, numEpochs: 3, verbose: false });
    const beforeSteps = Array.from(m.sample(feats, { maxLength: LEN }).data);
    expect(m.greedy.foldedValid).toBe(true);
    for (let s = 0; s < 3; s++) solver.step();
    expect(m.greedy.foldedValid).toBe(false);
    const afterSteps = Array.from(m.sample(feats, { maxLength: LEN }).data);
    expect(afterSteps).not.toEqual(beforeSteps);
    expect(afterSteps).toEqual(fresh(m, cell, dtype, feats));
    solver.dispose();
    m.dispose();
  });
});
