// Self-critical sequence training: the per-caption weighted loss against a float64 composition
// of the CS231n layers, gradient checks, the SCST step against a step written out by hand
// (samples, rewards, both baselines, the update), resume, thread invariance and errors.
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CaptioningRNN, CaptioningSolver, LegacyRandom, PARAM_NAMES, RecapError, ciderReward, evalNumericalGradient, init, layers,
  loadCheckpoint, relError, saveCheckpoint, shapesData, tensor, type CaptionReward, type CellType, type ParamName, type Tensor,
} from '../src/index.js';

beforeAll(() => init());

const vocab = { '<NULL>': 0, '<START>': 1, '<END>': 2, a: 3, b: 4, c: 5, d: 6 };
const N = 4, D = 5, W = 4, H = 6, T = 5, V = 7;

function setup(cellType: CellType, dtype: 'float64' | 'float32' = 'float64') {
  const model = new CaptioningRNN({ wordToIdx: vocab, inputDim: D, wordvecDim: W, hiddenDim: H, cellType, dtype, seed: 3 });
  const rng = new LegacyRandom(17);
  // larger weights than the CS231n init, so the scores are far from uniform
  const params: Partial<Record<ParamName, Tensor>> = {};
  for (const [name, t] of Object.entries(model.getParams())) params[name as ParamName] = tensor(Array.from(rng.randnArray(t.size), (v) => 0.4 * v), [...t.shape], dtype);
  model.setParams(params);
  const features = tensor(rng.randnArray(N * D), [N, D], dtype);
  // (N, T+1): <START> words <END> <NULL>…, one row padded early, one scoring every step
  const captions = tensor([[1, 3, 4, 2, 0, 0], [1, 5, 6, 3, 4, 2], [1, 2, 0, 0, 0, 0], [1, 6, 6, 5, 3, 4]], [N, T + 1], 'int32');
  return { model, features, captions };
}

/** −Σ_n w_n Σ_t mask·log softmax(scores)[y] / N and its gradient on the scores, in float64. */
function weightedSoftmax(scores: Tensor, captions: Tensor, w: number[]) {
  const s = scores.data, c = captions.data;
  const dscores = new Float64Array(s.length);
  let loss = 0;
  for (let n = 0; n < N; n++) {
    for (let t = 0; t < T; t++) {
      const y = c[n * (T + 1) + t + 1];
      if (y === vocab['<NULL>']) continue;
      const o = (n * T + t) * V;
      let m = -Infinity, z = 0;
      for (let v = 0; v < V; v++) m = Math.max(m, s[o + v]);
      for (let v = 0; v < V; v++) z += Math.exp(s[o + v] - m);
      loss -= w[n] * (s[o + y] - m - Math.log(z));
      for (let v = 0; v < V; v++) dscores[o + v] = (w[n] * (Math.exp(s[o + v] - m) / z - (v === y ? 1 : 0))) / N;
    }
  }
  return { loss: loss / N, dscores: tensor(dscores, [N, T, V], 'float64') };
}

/** The CaptioningRNN forward and backward written out with the layer functions (CS231n rnn.py). */
function reference(cellType: CellType, params: Record<ParamName, Tensor>, features: Tensor, captions: Tensor, w: number[]) {
  const cin = tensor(Array.from({ length: N * T }, (_, i) => captions.data[Math.floor(i / T) * (T + 1) + (i % T)]), [N, T], 'int32');
  const proj = layers.affineForward(features, params.W_proj, params.b_proj);
  const emb = layers.wordEmbeddingForward(cin, params.W_embed);
  const fwd = cellType === 'lstm' ? layers.lstmForward : layers.rnnForward;
  const rec = fwd(emb.out, proj.out, params.Wx, params.Wh, params.b);
  const voc = layers.temporalAffineForward(rec.h, params.W_vocab, params.b_vocab);
  const { loss, dscores } = weightedSoftmax(voc.out, captions, w);
  const dv = layers.temporalAffineBackward(dscores, voc.cache);
  const dr = (cellType === 'lstm' ? layers.lstmBackward : layers.rnnBackward)(dv.dx, rec.cache);
  const de = layers.wordEmbeddingBackward(dr.dx, emb.cache);
  const dp = layers.affineBackward(dr.dh0, proj.cache);
  const grads: Record<ParamName, Tensor> = {
    W_proj: dp.dw, b_proj: dp.db, W_embed: de.dW, Wx: dr.dWx, Wh: dr.dWh, b: dr.db, W_vocab: dv.dw, b_vocab: dv.db,
  };
  return { loss, grads };
}

const WEIGHTS = [0.75, -1.3, 0, 2.1];

describe.each(['lstm', 'rnn'] as CellType[])('weighted loss (%s)', (cell) => {
  it('equals the float64 composition of the layers (loss and all 8 gradients)', () => {
    const { model, features, captions } = setup(cell);
    const got = model.loss(features, captions, { weights: WEIGHTS });
    const want = reference(cell, model.getParams(), features, captions, WEIGHTS);
    expect(Math.abs(got.loss - want.loss) / Math.abs(want.loss)).toBeLessThan(1e-13);
    for (const name of PARAM_NAMES) expect(relError(got.grads[name], want.grads[name]), name).toBeLessThan(1e-11);
    // and the weights matter
    expect(got.loss).not.toBeCloseTo(model.loss(features, captions).loss, 3);
    model.dispose();
  });

  it('passes the gradient check (evalNumericalGradient, fourth order, every parameter, < 1e-7)', () => {
    const { model, features, captions } = setup(cell);
    const { grads } = model.loss(features, captions, { weights: tensor(WEIGHTS, [N], 'float64') });
    const params = model.getParams();
    for (const name of PARAM_NAMES) {
      const p = params[name];
      const num = evalNumericalGradient(() => {
        model.setParams({ [name]: p });
        return model.loss(features, captions, { weights: WEIGHTS }).loss;
      }, p, 1e-3, { order: 4 });
      model.setParams({ [name]: p }); // the last call left x − 2h in the model
      expect(relError(num, grads[name]), name).toBeLessThan(1e-7);
    }
    model.dispose();
  });
});

describe('weighted loss', () => {
  it('weights of 1 give the unweighted loss and gradients bit for bit (float32)', () => {
    const { model, features, captions } = setup('lstm', 'float32');
    const plain = model.loss(features, captions);
    const ones = model.loss(features, captions, { weights: [1, 1, 1, 1] });
    expect(ones.loss).toBe(plain.loss);
    for (const name of PARAM_NAMES) expect(Array.from(ones.grads[name].data), name).toEqual(Array.from(plain.grads[name].data));
    // and the next unweighted call is unweighted again
    expect(model.loss(features, captions).loss).toBe(plain.loss);
    model.dispose();
  });

  it('refuses bad weights before any work, naming the argument', () => {
    const { model, features, captions } = setup('rnn');
    expect(() => model.loss(features, captions, { weights: [1, 2, 3] })).toThrow(/options\.weights: expected 4 numbers/);
    expect(() => model.loss(features, captions, { weights: [1, NaN, 1, 1] })).toThrow(/options\.weights\[1\]: expected a finite number/);
    expect(() => model.loss(features, captions, { weights: tensor([1, 1, 1, 1], [4], 'int32') })).toThrow(RecapError);
    expect(() => model.loss(features, captions, { weights: tensor([1, 1, 1, 1], [2, 2], 'float64') })).toThrow(/float tensor of shape \(4\)/);
    model.dispose();
  });
});

// ---------------------------------------------------------------------------------------------
// The SCST step

const shapes = () => shapesData({ numTrain: 30, numVal: 5, seed: 2 });

function scstModel(data: ReturnType<typeof shapes>, dtype: 'float64' | 'float32' = 'float64') {
  return new CaptioningRNN({ wordToIdx: data.wordToIdx, inputDim: data.trainFeatures.shape[1], wordvecDim: 8, hiddenDim: 12, cellType: 'lstm', dtype, seed: 4 });
}

/** A reward that depends on every word and the image (any deterministic function will do). */
const toyReward: CaptionReward = (image, words) => {
  let r = 0.05 * image;
  for (let i = 0; i < words.length; i++) r += ((words[i] * 7 + i) % 5) * 0.3;
  return r;
};

/** <START> words… up to and including the first <END> (a <NULL> ends it, unscored); the words before <END>. */
function captionOf(sampled: ArrayLike<number>, L: number, ids: { start: number; end: number; nul: number }) {
  const row = new Array<number>(L).fill(ids.nul);
  row[0] = ids.start;
  const words: number[] = [];
  for (let t = 0; t < L - 1; t++) {
    if (sampled[t] === ids.nul) break;
    row[t + 1] = sampled[t];
    if (sampled[t] === ids.end) break;
    words.push(sampled[t]);
  }
  return { row, words: Int32Array.from(words) };
}

describe.each(['greedy', 'mean'] as const)('SCST step, baseline %s', (baseline) => {
  it('is the weighted loss of k seeded samples per image with advantages reward − baseline, then the update', () => {
    const data = shapes();
    const model = scstModel(data);
    const k = 3, rows = [0, 7, 12, 7], seed = 11, lr = 0.1;
    const L = data.trainCaptions.shape[1], Dd = data.trainFeatures.shape[1];
    const before = model.getParams();
    // the step written out: sample seed from the solver's stream (a function sampler draws nothing)
    const sampleSeed = new LegacyRandom(seed).randint(0xffffffff);
    const images = rows.map((r) => data.trainImageIdxs.data[r]);
    const feat = (img: number) => Array.from(data.trainFeatures.data.subarray(img * Dd, (img + 1) * Dd));
    const featsK = tensor(images.flatMap((img) => Array.from({ length: k }, () => feat(img)).flat()), [rows.length * k, Dd], 'float64');
    const samples = model.sample(featsK, { maxLength: L - 1, temperature: 1, seed: sampleSeed });
    const ids = { start: data.wordToIdx['<START>'], end: data.wordToIdx['<END>'], nul: data.wordToIdx['<NULL>'] };
    const caps = Array.from({ length: rows.length * k }, (_, i) => captionOf(samples.data.subarray(i * (L - 1), (i + 1) * (L - 1)), L, ids));
    const r = caps.map((c, i) => toyReward(images[Math.floor(i / k)], c.words));
    const greedy = model.sample(tensor(images.flatMap(feat), [rows.length, Dd], 'float64'), { maxLength: L - 1 });
    const weights = r.map((ri, i) => {
      const n = Math.floor(i / k);
      if (baseline === 'greedy') return ri - toyReward(images[n], captionOf(greedy.data.subarray(n * (L - 1), (n + 1) * (L - 1)), L, ids).words);
      let others = 0;
      for (let j = 0; j < k; j++) if (j !== i % k) others += r[n * k + j];
      return ri - others / (k - 1);
    });
    expect(weights.some((w) => w !== 0)).toBe(true);
    const want = model.loss(featsK, tensor(caps.flatMap((c) => c.row), [rows.length * k, L], 'int32'), { weights });

    const solver = new CaptioningSolver(model, data, {
      objective: 'scst', scstSamples: k, scstBaseline: baseline, scstReward: toyReward, updateRule: 'sgd', optimConfig: { learningRate: lr },
      sampler: () => rows, batchSize: rows.length, numEpochs: 1, seed, verbose: false,
    });
    const { loss } = solver.step();
    expect(loss).toBe(want.loss);
    const after = model.getParams();
    for (const name of PARAM_NAMES) {
      const expected = Array.from(before[name].data, (w, i) => w - lr * want.grads[name].data[i]);
      expect(Array.from(after[name].data), name).toEqual(expected);
    }
    expect(solver.getState().scst!.rewardHistory).toEqual([r.reduce((a, b) => a + b, 0) / r.length]);
    solver.dispose();
    model.dispose();
  });
});

describe('SCST solver', () => {
  const opts = (extra = {}) => ({
    objective: 'scst' as const, scstSamples: 3, updateRule: 'adam' as const, optimConfig: { learningRate: 5e-3 }, batchSize: 25, numEpochs: 1,
    seed: 5, verbose: false, ...extra,
  });

  it('resumes from a checkpoint bit-identically (parameters, Adam state, loss and reward histories)', async () => {
    const data = shapes();
    const a = scstModel(data, 'float32');
    const whole = new CaptioningSolver(a, data, opts());
    await whole.train();
    expect(whole.iteration).toBe(6);

    const b = scstModel(data, 'float32');
    const first = new CaptioningSolver(b, data, opts());
    for (let i = 0; i < 3; i++) await first.stepAsync();
    const ckpt = loadCheckpoint(saveCheckpoint(b, first));
    expect(ckpt.solverState!.scst!.rewardHistory).toHaveLength(3);
    const rest = new CaptioningSolver(ckpt.model, data, opts());
    rest.setState(ckpt.solverState!);
    await rest.train();
    expect(rest.lossHistory).toEqual(whole.lossHistory);
    expect(rest.getState().scst).toEqual(whole.getState().scst);
    const pa = a.getParams(), pc = ckpt.model.getParams();
    for (const name of PARAM_NAMES) expect(Array.from(pc[name].data), name).toEqual(Array.from(pa[name].data));
    expect(Array.from(rest.getState().blocks.m)).toEqual(Array.from(whole.getState().blocks.m));
    for (const s of [whole, first, rest]) s.dispose();
    for (const m of [a, b, ckpt.model]) m.dispose();
  });

  it('evaluates on val and keeps the best parameters as an XE run does (evalEvery, keepBest)', async () => {
    const data = shapes();
    const model = scstModel(data, 'float32');
    const records: number[] = [];
    const solver = new CaptioningSolver(model, data, opts({ evalEvery: 3, evalImages: 5, onEval: (r: { iteration: number }) => records.push(r.iteration) }));
    await solver.train();
    expect(records).toEqual([3, 6]);
    const v = solver.getState().validation!;
    expect(v.history.map((r) => r.iteration)).toEqual([3, 6]);
    expect(v.history.every((r) => Number.isFinite(r.cider) && Number.isFinite(r.valLoss))).toBe(true);
    expect(v.best).not.toBeNull();
    expect(solver.getState().scst!.rewardHistory).toHaveLength(6);
    solver.dispose();
    model.dispose();
  });

  it('the default reward is CIDEr-D against the training references: a reference scores high, nonsense 0', () => {
    const data = shapes();
    const reward = ciderReward(data);
    const L = data.trainCaptions.shape[1];
    const img = data.trainImageIdxs.data[0];
    const ref = Array.from(data.trainCaptions.data.subarray(1, L)).filter((w) => w > 2);
    const cider = reward(img, Int32Array.from(ref));
    expect(cider).toBeGreaterThan(1);
    expect(reward(img, Int32Array.from([data.wordToIdx['<START>']]))).toBe(0);
    // another image's caption scores lower against this image's references (unless identical)
    expect(reward(data.trainImageIdxs.data[L * 5] ?? img, Int32Array.from(ref))).toBeLessThanOrEqual(cider);
  });

  it('refuses bad options and mismatched states before changing anything', async () => {
    const data = shapes();
    const model = scstModel(data);
    const bad = (extra: object, msg: RegExp) => expect(() => new CaptioningSolver(model, data, opts(extra))).toThrow(msg);
    bad({ objective: 'rl' }, /objective: expected 'xe' or 'scst'/);
    bad({ scstSamples: 0 }, /scstSamples: expected an integer in \[1, 1000\]/);
    bad({ scstSamples: 2.5 }, /scstSamples/);
    bad({ scstBaseline: 'max' }, /scstBaseline: expected 'greedy' or 'mean'/);
    bad({ scstBaseline: 'mean', scstSamples: 1 }, /scstSamples: expected at least 2/);
    bad({ scstReward: 3 }, /scstReward: expected a function/);
    const xe = new CaptioningSolver(model, data, { updateRule: 'adam', batchSize: 25, numEpochs: 1, verbose: false });
    const scst = new CaptioningSolver(model, data, opts());
    await scst.stepAsync();
    expect(() => scst.setState(xe.getState())).toThrow(/state\.scst/);
    expect(() => xe.setState(scst.getState())).toThrow(/state\.scst/);
    const other = new CaptioningSolver(model, data, opts({ scstSamples: 4 }));
    expect(() => other.setState(scst.getState())).toThrow(/state\.scst\.samples: expected 4/);
    expect(other.iteration).toBe(0);
    expect(xe.iteration).toBe(0);
    for (const s of [xe, scst, other]) s.dispose();
    model.dispose();
  });
});

describe('SCST and threads', () => {
  const script = new URL('./shared/scst-run.mjs', import.meta.url).pathname;
  const run = (threads: number, baseline: string) =>
    JSON.parse(execFileSync(process.execPath, [script, String(threads), baseline], { encoding: 'utf8' }).trim().split('\n').pop()!);
  it.each(['greedy', 'mean'])('baseline %s: the same losses, rewards and parameters on 1, 2 and 3 threads', (baseline) => {
    const one = run(1, baseline), two = run(2, baseline), three = run(3, baseline);
    expect([one.threads, two.threads, three.threads]).toEqual([1, 2, 3]);
    expect(one.steps).toBe(8);
    for (const r of [two, three]) {
      expect(r.losses).toBe(one.losses);
      expect(r.rewards).toBe(one.rewards);
      expect(r.params).toBe(one.params);
    }
  });
});

describe('CiderD.scoreIds (the allocation-free reward path)', () => {
  it('gives scoreImage\'s bits for reference-like, shuffled, repeated and unknown-word captions', async () => {
    const { CiderD } = await import('../src/eval/cider.js');
    const data = shapes();
    const L = data.trainCaptions.shape[1];
    const refs: string[][][] = [[], [], []];
    for (let r = 0; r < 15; r++) {
      const words = Array.from(data.trainCaptions.data.subarray(r * L + 1, (r + 1) * L)).filter((w) => w > 2).map((w) => data.idxToWord[w]);
      refs[r % 3].push(words);
    }
    const scorer = new CiderD(refs);
    const rng = new LegacyRandom(8);
    const pool = [...new Set(refs.flat(2))].concat(['zebra', 'unicorn']);
    const unknown = new Map<string, number>();
    const idOf = (w: string) => {
      const id = scorer.tokenId(w);
      if (id >= 0) return id;
      if (!unknown.has(w)) unknown.set(w, -1 - unknown.size);
      return unknown.get(w)!;
    };
    let checked = 0;
    for (let trial = 0; trial < 300; trial++) {
      const image = trial % 3;
      const base = refs[image][trial % 5] ?? refs[image][0];
      const words = trial % 3 === 0 ? [...base] : Array.from({ length: 1 + rng.randint(18) }, () => pool[rng.randint(pool.length)]);
      if (trial % 7 === 0) words.push(...words.slice(0, 3)); // repeated n-grams
      const ids = new Int32Array(words.length + 5).fill(99999); // longer buffer: only `length` ids count
      ids.set(words.map(idOf));
      expect(scorer.scoreIds(ids, words.length, image), words.join(' ')).toBe(scorer.scoreImage(words, image));
      checked++;
    }
    expect(checked).toBe(300);
    expect(scorer.scoreIds(new Int32Array(0), 0, 1)).toBe(scorer.scoreImage([], 1));
  });
});
