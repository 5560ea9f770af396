// The decoding options: lengthPenalty and blockRepeatNgrams in beam search (against the oracle
// beam search written the plain way, test/support/beam-oracle.ts), blockRepeatNgrams in greedy
// decoding and sampling, topP beside temperature; each changes what it should and nothing
// else; bad values are RecapErrors naming the option.
import { beforeAll, describe, expect, it } from 'vitest';
import { CaptioningRNN, LegacyRandom, PARAM_NAMES, RecapError, init, tensor, type DType, type Tensor } from '../src/index.js';
import { kernels } from '../src/core/runtime.js';
import { drawWord } from '../src/model/decoding.js';
import { oracleBeamSearch } from './support/beam-oracle.js';

beforeAll(() => init());

const V = 40, D = 6, END = 2;
const vocab = Object.fromEntries(Array.from({ length: V }, (_, i) => [['<NULL>', '<START>', '<END>'][i] ?? `w${i}`, i]));

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
const rows = (a: ArrayLike<number>, width: number) => Array.from({ length: a.length / width }, (_, i) => Array.from(a).slice(i * width, (i + 1) * width));
/** The generated words up to and including the first <END> (the caption beam search scores). */
const caption = (r: number[]) => (r.includes(END) ? r.slice(0, r.indexOf(END) + 1) : r);
/** Whether some n-gram occurs twice in `words`. */
function repeats(words: number[], n: number): boolean {
  const seen = new Set<string>();
  for (let i = 0; i + n <= words.length; i++) {
    const g = words.slice(i, i + n).join(',');
    if (seen.has(g)) return true;
    seen.add(g);
  }
  return false;
}

describe.each([['lstm', 'float32'], ['lstm', 'float64'], ['rnn', 'float32'], ['rnn', 'float64']] as const)('%s %s', (cell, dtype) => {
  it('beam search with lengthPenalty and blockRepeatNgrams equals the oracle (captions, scores, ranking keys)', () => {
    const { math_exp: exp, math_log: log } = kernels();
    let changedByPenalty = 0, changedByBlock = 0;
    for (const seed of [1, 2, 3]) {
      const m = randomModel(cell, dtype, seed);
      const N = 4, L = 10, k = 3;
      const f = feats(N, seed, dtype);
      const plain = m.sampleTopK(f, { beamSize: k, maxLength: L });
      for (const opts of [{ lengthPenalty: 0.7 }, { lengthPenalty: 3 }, { blockRepeatNgrams: 1 }, { blockRepeatNgrams: 2 }, { blockRepeatNgrams: 3, lengthPenalty: 1 }]) {
        const want = oracleBeamSearch(m, f, L, k, opts);
        const got = m.sampleTopK(f, { beamSize: k, maxLength: L, ...opts });
        expect(rows(got.captions.data, L)).toEqual(rows(want.seqs, L));
        expect(Array.from(got.scores.data)).toEqual(Array.from(want.scores));
        const alpha = opts.lengthPenalty ?? 0;
        const keys = Array.from(want.scores, (s, r) => (s === -Infinity ? s : s / (alpha === 0 ? 1 : exp(alpha * log((5 + want.lens[r]) / 6)))));
        expect(Array.from(got.rankScores.data)).toEqual(keys);
        // ranked by the key within each image
        for (let n = 0; n < N; n++) for (let j = 1; j < k; j++) expect(keys[n * k + j]).toBeLessThanOrEqual(keys[n * k + j - 1]);
        // sample() returns the best of the same search
        expect(rows(m.sample(f, { beamSize: k, maxLength: L, ...opts }).data, L)).toEqual(rows(want.best, L));
        const same = JSON.stringify(Array.from(got.captions.data)) === JSON.stringify(Array.from(plain.captions.data));
        if (opts.blockRepeatNgrams) {
          for (const r of rows(got.captions.data, L)) expect(repeats(caption(r), opts.blockRepeatNgrams)).toBe(false);
          if (!same) changedByBlock++;
        } else if (!same) changedByPenalty++;
      }
      // lengthPenalty 0 and blockRepeatNgrams 0 are the plain search, bit for bit
      const zero = m.sampleTopK(f, { beamSize: k, maxLength: L, lengthPenalty: 0, blockRepeatNgrams: 0 });
      expect(Array.from(zero.captions.data)).toEqual(Array.from(plain.captions.data));
      expect(Array.from(zero.scores.data)).toEqual(Array.from(plain.scores.data));
      m.dispose();
    }
    expect(changedByPenalty).toBeGreaterThan(0);
    expect(changedByBlock).toBeGreaterThan(0);
  });

  it('greedy decoding and sampling with blockRepeatNgrams never repeat an n-gram; greedy rows that did not repeat one are unchanged', () => {
    const m = randomModel(cell, dtype, 5, 0);
    const N = 8, L = 12;
    const f = feats(N, 5, dtype);
    for (const base of [{}, { temperature: 1, seed: 3 }, { temperature: 0.7, topP: 0.9, seed: 4 }]) {
      const plain = rows(m.sample(f, { maxLength: L, ...base }).data, L);
      for (const n of [1, 2, 3]) {
        const got = rows(m.sample(f, { maxLength: L, ...base, blockRepeatNgrams: n }).data, L);
        let changed = 0;
        for (let r = 0; r < N; r++) {
          expect(repeats(got[r], n)).toBe(false);
          if (!repeats(plain[r], n)) {
            // greedy: the argmax was never blocked (sampling renormalises over the allowed words, so its draws may move)
            if (!('temperature' in base)) expect(got[r]).toEqual(plain[r]);
          } else changed++;
        }
        if (n === 1) expect(changed).toBeGreaterThan(0); // the plain captions repeat words: blocking has work to do
      }
    }
    m.dispose();
  });

  it('topP: 1 is plain temperature sampling, a tiny topP is greedy decoding, in between it changes the draws', () => {
    const m = randomModel(cell, dtype, 6, 0);
    const N = 8, L = 10;
    const f = feats(N, 6, dtype);
    const plain = Array.from(m.sample(f, { maxLength: L, temperature: 1.3, seed: 9 }).data);
    expect(Array.from(m.sample(f, { maxLength: L, temperature: 1.3, seed: 9, topP: 1 }).data)).toEqual(plain);
    expect(Array.from(m.sample(f, { maxLength: L, temperature: 1, seed: 9, topP: 1e-9 }).data)).toEqual(Array.from(m.sample(f, { maxLength: L }).data));
    const mid = Array.from(m.sample(f, { maxLength: L, temperature: 1.3, seed: 9, topP: 0.5 }).data);
    expect(mid).not.toEqual(plain);
    expect(Array.from(m.sample(f, { maxLength: L, temperature: 1.3, seed: 9, topP: 0.5 }).data)).toEqual(mid); // seeded
    m.dispose();
  });

  it('a temperature so small that scores / temperature overflow is the argmax (the limit), never token −1', async () => {
    // issue 20: on a float32 model temperature 1e-40 gave −1 at every step (1/τ overflowed, the log-probabilities were NaN)
    const m = randomModel(cell, dtype, 7, 0);
    const N = 6, L = 9;
    const f = feats(N, 7, dtype);
    const greedy = Array.from(m.sample(f, { maxLength: L }).data);
    const blocked = Array.from(m.sample(f, { maxLength: L, blockRepeatNgrams: 2 }).data);
    for (const temperature of [1e-40, Number.MIN_VALUE, 1e-300, dtype === 'float32' ? 1e-37 : 1e-307]) {
      expect(Array.from(m.sample(f, { maxLength: L, temperature, seed: 3 }).data), `T=${temperature}`).toEqual(greedy);
      expect(Array.from(m.sample(f, { maxLength: L, temperature, seed: 3, topP: 0.5 }).data), `T=${temperature} topP`).toEqual(greedy);
      expect(Array.from((await m.sampleAsync(f, { maxLength: L, temperature, seed: 3 })).data), `T=${temperature} async`).toEqual(greedy);
      expect(Array.from(m.sample(f, { maxLength: L, temperature, seed: 3, blockRepeatNgrams: 2 }).data), `T=${temperature} blocked`).toEqual(blocked);
    }
    m.dispose();
  });
});

describe('drawWord (one nucleus draw)', () => {
  it('draws only from the nucleus, in proportion to the renormalised probabilities', () => {
    const probs = [0.05, 0.4, 0.1, 0.3, 0.15]; // sorted: 1 (0.4), 3 (0.3), 4 (0.15), 2, 0
    const logp = probs.map((p) => Math.log(p));
    const rng = new LegacyRandom(1);
    const p = new Float64Array(5), order = new Int32Array(5);
    const count = (topP: number, draws: number) => {
      const c = [0, 0, 0, 0, 0];
      for (let i = 0; i < draws; i++) c[drawWord(logp, 5, 0, topP, rng, p, order)]++;
      return c;
    };
    const c = count(0.6, 20000); // 0.4 + 0.3 reaches 0.6: words 1 and 3, as 4 : 3
    expect(c[0] + c[2] + c[4]).toBe(0);
    expect(c[1] / 20000).toBeCloseTo(4 / 7, 1);
    expect(count(0.7, 2000).filter((x) => x > 0).length).toBe(2); // reaching topP exactly stops there
    expect(count(0.71, 2000).filter((x) => x > 0).length).toBe(3);
    expect(count(1e-9, 500)).toEqual([0, 500, 0, 0, 0]);
    expect(count(1, 5000).every((x) => x > 0)).toBe(true);
  });
});

describe('option errors', () => {
  const m = () => randomModel('lstm', 'float32', 1);
  const f = () => feats(2, 1, 'float32');
  const bad: Array<[string, Record<string, unknown>, RegExp?]> = [
    ['lengthPenalty', { beamSize: 3, lengthPenalty: -1 }],
    ['lengthPenalty', { beamSize: 3, lengthPenalty: Number.NaN }],
    ['blockRepeatNgrams', { blockRepeatNgrams: 1.5 }],
    ['blockRepeatNgrams', { blockRepeatNgrams: -1 }],
    ['blockRepeatNgrams', { maxLength: 5, blockRepeatNgrams: 6 }],
    ['blockRepeatNgrams', { maxLength: 41, blockRepeatNgrams: 1 }, /maxLength ≤ V \+ n − 1 = 40/],
    ['topP', { temperature: 1, topP: 0 }],
    ['topP', { temperature: 1, topP: 1.5 }],
    ['topP', { topP: 0.9 }, /temperature > 0/],
    ['topP', { temperature: 1, beamSize: 2, topP: 0.9 }, /beamSize 1/],
  ];
  it.each(bad)('%s: %j', (arg, opts, pattern) => {
    const model = m();
    for (const call of [() => model.sample(f(), opts), () => model.sampleTopK(f(), opts)]) {
      try {
        call();
        throw new Error('expected a RecapError');
      } catch (e) {
        expect(e, String(e)).toBeInstanceOf(RecapError);
        expect((e as RecapError).argument).toBe(arg);
        if (pattern) expect((e as RecapError).message).toMatch(pattern);
      }
    }
    model.dispose();
  });
  it('blockRepeatNgrams up to maxLength = V + n − 1 is allowed', () => {
    const model = m();
    expect(model.sample(f(), { maxLength: 40, blockRepeatNgrams: 1 }).shape).toEqual([2, 40]);
    const words = rows(model.sample(f(), { maxLength: 40, blockRepeatNgrams: 1 }).data, 40);
    for (const r of words) expect(new Set(r).size).toBe(40); // every word once
    model.dispose();
  });
});
