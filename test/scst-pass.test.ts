// SCST's sampling pass (model/sample-pass.ts): the SCST step, whose training forward is the
// sampling pass's kept activations, against the step written out with the public API (the k
// samples by model.sample at temperature 1 with the iteration's seed, the greedy captions,
// model.loss with the advantages as weights, then SGD) — bit for bit, for both cells and
// dtypes, both baselines, with and without the folded table E = W_embed·Wx, with captions that
// end early (<END>) and are cut by a sampled <NULL>; and the same on the threads.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CaptioningRNN, CaptioningSolver, LegacyRandom, PARAM_NAMES, init, tensor, type CaptionData, type CaptionReward, type CellType, type ParamName, type Tensor,
} from '../src/index.js';

beforeAll(() => init());

const D = 6;

/** Synthetic caption data: V words, 8 images of 2 captions of T words. */
function synthData(V: number, T: number, dtype: 'float32' | 'float64'): CaptionData {
  const words = Array.from({ length: V }, (_, i) => ['<NULL>', '<START>', '<END>'][i] ?? `w${i}`);
  const rng = new LegacyRandom(V * 31 + T);
  const Ni = 8, L = T + 1;
  const caps = new Int32Array(2 * Ni * L);
  for (let r = 0; r < 2 * Ni; r++) {
    const len = 1 + rng.randint(T - 1);
    caps[r * L] = 1;
    for (let t = 1; t <= len; t++) caps[r * L + t] = 3 + rng.randint(V - 3);
    caps[r * L + len + 1] = 2;
  }
  const feats = tensor(rng.randnArray(Ni * D), [Ni, D], dtype);
  const idxs = tensor(Array.from({ length: 2 * Ni }, (_, r) => r >> 1), [2 * Ni], 'int32');
  const captions = tensor(caps, [2 * Ni, L], 'int32');
  return {
    trainCaptions: captions, trainImageIdxs: idxs, trainFeatures: feats, valCaptions: captions, valImageIdxs: idxs, valFeatures: feats,
    idxToWord: words, wordToIdx: Object.fromEntries(words.map((w, i) => [w, i])),
  };
}

/** A model with weights large enough that captions end early, at random steps, and <NULL> is sometimes sampled. */
function model(data: CaptionData, cellType: CellType, dtype: 'float32' | 'float64', endBias: number): CaptioningRNN {
  const m = new CaptioningRNN({ wordToIdx: data.wordToIdx, inputDim: D, wordvecDim: 5, hiddenDim: 7, cellType, dtype, seed: 2 });
  const rng = new LegacyRandom(9);
  const p = m.getParams() as Record<ParamName, Tensor>;
  for (const name of PARAM_NAMES) p[name] = tensor(Array.from(rng.randnArray(p[name].size), (v) => 0.7 * v), [...p[name].shape], dtype);
  p.b_vocab.data[2] += endBias; // <END>
  p.b_vocab.data[0] += 0.5; // <NULL>
  m.setParams(p);
  return m;
}

const toyReward: CaptionReward = (image, words) => {
  let r = 0.1 * image;
  for (let i = 0; i < words.length; i++) r += ((words[i] * 5 + i) % 7) * 0.2;
  return r;
};

/** The caption row of sampled words and the words before <END>, as SCST forms them. */
function captionOf(s: ArrayLike<number>, L: number) {
  const row = new Array<number>(L).fill(0);
  row[0] = 1;
  const words: number[] = [];
  for (let t = 0; t < L - 1; t++) {
    if (s[t] === 0) break;
    row[t + 1] = s[t];
    if (s[t] === 2) break;
    words.push(s[t]);
  }
  return { row, words: Int32Array.from(words) };
}

const CASES = [
  // V large against the rows decoded: x·Wx from the packed Wx; V small: the folded table
  { V: 80, T: 4, rows: [0, 5, 9], k: 3, endBias: 4, note: 'x·Wx' },
  { V: 9, T: 7, rows: [0, 5, 9, 14, 3], k: 3, endBias: 1.5, note: 'folded E' },
];

describe.each([['lstm', 'float64'], ['lstm', 'float32'], ['rnn', 'float64'], ['rnn', 'float32']] as const)('SCST sampling pass, %s %s', (cell, dtype) => {
  it.each(CASES.flatMap((c) => (['greedy', 'mean'] as const).map((baseline) => ({ ...c, baseline }))))(
    '$note, baseline $baseline: the step equals the one written out, bit for bit', ({ V, T, rows, k, endBias, baseline }) => {
      const data = synthData(V, T, dtype);
      const m = model(data, cell, dtype, endBias);
      const seed = 13, lr = 0.05, L = T + 1;
      const before = m.getParams();
      const images = rows.map((r) => data.trainImageIdxs.data[r]);
      const feat = (img: number) => Array.from(data.trainFeatures.data.subarray(img * D, (img + 1) * D));
      const featsK = tensor(images.flatMap((img) => Array.from({ length: k }, () => feat(img)).flat()), [rows.length * k, D], dtype);
      const samples = m.sample(featsK, { maxLength: T, temperature: 1, seed: new LegacyRandom(seed).randint(0xffffffff) });
      const caps = Array.from({ length: rows.length * k }, (_, i) => captionOf(samples.data.subarray(i * T, (i + 1) * T), L));
      // the pass must see captions that end at different steps, and a <NULL> cut
      const ends = new Set(caps.map((c) => c.row.indexOf(2)));
      expect(ends.size, JSON.stringify(caps.map((c) => c.row))).toBeGreaterThan(1);
      const r = caps.map((c, i) => toyReward(images[Math.floor(i / k)], c.words));
      const greedy = m.sample(tensor(images.flatMap(feat), [rows.length, D], dtype), { maxLength: T });
      const weights = r.map((ri, i) => {
        const n = Math.floor(i / k);
        if (baseline === 'greedy') return ri - toyReward(images[n], captionOf(greedy.data.subarray(n * T, (n + 1) * T), L).words);
        let others = 0;
        for (let j = 0; j < k; j++) if (j !== i % k) others += r[n * k + j];
        return ri - others / (k - 1);
      });
      const want = m.loss(featsK, tensor(caps.flatMap((c) => c.row), [rows.length * k, L], 'int32'), { weights });

      const solver = new CaptioningSolver(m, data, {
        objective: 'scst', scstSamples: k, scstBaseline: baseline, scstReward: toyReward, updateRule: 'sgd', optimConfig: { learningRate: lr },
        sampler: () => rows, batchSize: rows.length, numEpochs: 1, seed, verbose: false,
      });
      const { loss } = solver.step();
      expect(loss).toBe(want.loss);
      expect(m.batch.forwardLoaded).toBe(true); // the step ran only the loss and the backward
      const grads = m.params.copy('grads'); // the step's gradients, before the update used them
      for (const name of PARAM_NAMES) expect(Array.from(grads[name].data), name).toEqual(Array.from(want.grads[name].data));
      if (dtype === 'float64') {
        const after = m.getParams();
        for (const name of PARAM_NAMES) {
          expect(Array.from(after[name].data), name).toEqual(Array.from(before[name].data, (w, i) => w - lr * want.grads[name].data[i]));
        }
      }
      expect(solver.getState().scst!.rewardHistory).toEqual([r.reduce((a, b) => a + b, 0) / r.length]);
      // an ordinary loss afterwards runs its own forward again
      const again = m.loss(featsK, tensor(caps.flatMap((c) => c.row), [rows.length * k, L], 'int32'), { weights });
      expect(m.batch.forwardLoaded).toBe(false);
      expect(Number.isFinite(again.loss)).toBe(true);
      solver.dispose();
      m.dispose();
    });
});
