// Beam search as planned kernel calls (src/model/beam.ts) against the TypeScript beam search it
// replaced (test/support/beam-oracle.ts, extended there with the length penalty and n-gram
// blocking written the plain way): the same captions and the same scores, bit for bit, on
// random models of both cells and dtypes, several widths, captions that end early and ones cut
// at maxLength, before and after greedy's cache builds the folded table; beam 1 is greedy.
import { beforeAll, describe, expect, it } from 'vitest';
import { CaptioningRNN, LegacyRandom, PARAM_NAMES, init, tensor, type DType, type Tensor } from '../src/index.js';
import { oracleBeamSearch } from './support/beam-oracle.js';

beforeAll(() => init());

const V = 40, D = 6;
const vocab = Object.fromEntries(Array.from({ length: V }, (_, i) => [['<NULL>', '<START>', '<END>'][i] ?? `w${i}`, i]));
const END = 2, NUL = 0;

/** A model with larger weights than the CS231n init (captions depend on every parameter); `endBias` makes <END> likelier. */
function randomModel(cell: 'rnn' | 'lstm', dtype: DType, seed: number, endBias = 3): CaptioningRNN {
  const m = new CaptioningRNN({ wordToIdx: vocab, inputDim: D, wordvecDim: 5, hiddenDim: 7, cellType: cell, dtype: dtype as 'float32', seed });
  const rng = new LegacyRandom(seed + 100);
  const p = m.getParams() as Record<string, Tensor>;
  for (const name of PARAM_NAMES) p[name] = tensor(rng.randnArray(p[name].size), p[name].shape, dtype);
  p.b_vocab.data[END] += endBias;
  m.setParams(p);
  return m;
}
const feats = (N: number, seed: number, dtype: DType) => tensor(new LegacyRandom(seed).randnArray(N * D), [N, D], dtype);
const rows = (a: Int32Array, width: number) => Array.from({ length: a.length / width }, (_, i) => Array.from(a.subarray(i * width, (i + 1) * width)));

describe.each([['lstm', 'float32'], ['lstm', 'float64'], ['rnn', 'float32'], ['rnn', 'float64']] as const)('%s %s', (cell, dtype) => {
  let ended = 0, cut = 0;
  it.each([1, 2, 3, 5])('beam %i equals the TypeScript beam search (captions and scores, bitwise)', (k) => {
    for (const [seed, N, L] of [[1, 2, 5], [2, 3, 8], [3, 4, 12]] as const) {
      const m = randomModel(cell, dtype, seed);
      const f = feats(N, seed, dtype);
      for (let call = 0; call < 3; call++) { // the first calls without the folded table, later ones with it
        const want = oracleBeamSearch(m, f, L, k);
        const got = m.sampleTopK(f, { beamSize: k, maxLength: L });
        expect(rows(got.captions.data as Int32Array, L)).toEqual(rows(want.seqs, L));
        expect(Array.from(got.scores.data)).toEqual(Array.from(want.scores));
        expect(Array.from(got.rankScores.data)).toEqual(Array.from(want.scores));
        if (k > 1) expect(Array.from(m.sample(f, { beamSize: k, maxLength: L }).data)).toEqual(Array.from(want.best));
        for (const r of rows(want.best, L)) (r.includes(END) ? ended++ : cut++);
      }
      m.dispose();
    }
  });

  it('the cases above cover captions that end early and ones cut at maxLength', () => {
    expect(ended).toBeGreaterThan(0);
    expect(cut).toBeGreaterThan(0);
  });

  it('beam 1 is greedy decoding up to and including the first <END>', () => {
    const m = randomModel(cell, dtype, 7, 0.5);
    const f = feats(6, 7, dtype);
    const L = 10;
    const greedy = rows(m.sample(f, { maxLength: L }).data as Int32Array, L);
    const beam1 = rows(m.sampleTopK(f, { beamSize: 1, maxLength: L }).captions.data as Int32Array, L);
    for (let n = 0; n < greedy.length; n++) {
      const e = greedy[n].indexOf(END);
      const upto = e < 0 ? L : e + 1;
      expect(beam1[n].slice(0, upto)).toEqual(greedy[n].slice(0, upto));
      expect(beam1[n].slice(upto).every((w) => w === NUL)).toBe(true);
    }
    m.dispose();
  });
});
