// CaptioningSolver: the reference trace (explicit batch schedule), every update rule against
// the public optim.* functions, divergence, abort, clipping, determinism, checkpoints and resume.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CaptioningRNN, CaptioningSolver, DivergenceError, FormatError, LegacyRandom, PARAM_NAMES, init, loadCheckpoint,
  optim, saveCheckpoint, tensor, type CaptionData, type Tensor,
} from '../src/index.js';
import { arr, expectClose, loadCases } from './helpers.js';

beforeAll(() => init());

const trace = loadCases('solver_trace.json')[0];
const vocabOf = (V: number) => Object.fromEntries(Array.from({ length: V }, (_, i) => [['<NULL>', '<START>', '<END>', '<UNK>'][i] ?? `w${i}`, i]));

function traceSetup(dtype: 'float64' | 'float32' = 'float64') {
  const { D, W, H, V } = trace.dims;
  const model = new CaptioningRNN({ wordToIdx: vocabOf(V), inputDim: D, wordvecDim: W, hiddenDim: H, cellType: trace.cell_type, dtype });
  const params: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(trace.inputs.init_params)) params[k] = arr(v as never, dtype);
  model.setParams(params);
  const d = trace.inputs.data;
  const data = {
    trainCaptions: arr(d.train_captions), trainImageIdxs: arr(d.train_image_idxs), trainFeatures: arr(d.train_features, dtype),
    idxToWord: Object.keys(vocabOf(V)), wordToIdx: vocabOf(V),
  } as unknown as CaptionData;
  const schedule: Int32Array[] = trace.inputs.batch_schedule.map((b: { data: number[] }) => Int32Array.from(b.data));
  return { model, data, schedule, params };
}

describe('reference trace', () => {
  it('rnn + adam with an explicit batch schedule: loss history, learning rates and final parameters', async () => {
    const { model, data, schedule } = traceSetup();
    const a = trace.solver_args;
    const lrs: number[] = [];
    const solver = new CaptioningSolver(model, data, {
      updateRule: 'adam', optimConfig: { learningRate: a.optim_config.learning_rate }, lrDecay: a.lr_decay,
      batchSize: a.batch_size, numEpochs: a.num_epochs, verbose: false, sampler: (t) => schedule[t],
      onStep: (info) => lrs.push(info.learningRate),
    });
    expect(solver.iterationsPerEpoch).toBe(trace.iterations_per_epoch);
    expect(solver.numIterations).toBe(trace.num_iterations);
    const history = await solver.train();
    expectClose('loss history', history, trace.outputs.loss_history, 1e-12);
    expect(lrs).toEqual(trace.outputs.learning_rate_used_each_iteration);
    expect(solver.optimConfig.learningRate).toBeCloseTo(trace.outputs.final_learning_rate, 15);
    expect(solver.epoch).toBe(trace.outputs.epochs_completed);
    const final = model.getParams();
    for (const name of PARAM_NAMES) expectClose(`final ${name}`, final[name], trace.outputs.final_params[name], 1e-10);
    solver.dispose();
    model.dispose();
  });

  it.each(['sgd', 'sgd_momentum', 'rmsprop', 'adam'] as const)('%s: the flat-block update equals optim.* per parameter', async (rule) => {
    const { model, data, schedule, params } = traceSetup();
    const reference = new CaptioningRNN({ wordToIdx: data.wordToIdx, inputDim: 5, wordvecDim: 6, hiddenDim: 7, dtype: 'float64' });
    reference.setParams(params);
    const solver = new CaptioningSolver(model, data, {
      updateRule: rule, optimConfig: { learningRate: 0.01 }, lrDecay: 0.9, batchSize: 3, numEpochs: 2, verbose: false,
      sampler: (t) => schedule[t],
    });
    await solver.train();
    // the same run through the public API, one parameter at a time (CS231n's loop)
    const fn = { sgd: optim.sgd, sgd_momentum: optim.sgdMomentum, rmsprop: optim.rmsprop, adam: optim.adam }[rule];
    const configs: Record<string, optim.OptimConfig> = Object.fromEntries(PARAM_NAMES.map((n) => [n, { learningRate: 0.01 }]));
    let w = reference.getParams();
    for (let t = 0; t < solver.numIterations; t++) {
      const rows = schedule[t];
      const caps = tensor(Array.from(rows).flatMap((r) => Array.from(data.trainCaptions.data.subarray(r * 6, r * 6 + 6))), [rows.length, 6], 'int32');
      const feats = tensor(Array.from(rows).flatMap((r) => {
        const img = data.trainImageIdxs.data[r];
        return Array.from(data.trainFeatures.data.subarray(img * 5, img * 5 + 5));
      }), [rows.length, 5], 'float64');
      const { grads } = reference.loss(feats, caps);
      const next: Record<string, Tensor> = {};
      for (const n of PARAM_NAMES) {
        const r = fn(w[n], grads[n], configs[n]);
        next[n] = r.w;
        configs[n] = r.config;
      }
      reference.setParams(next);
      w = next as typeof w;
      if ((t + 1) % solver.iterationsPerEpoch === 0) for (const n of PARAM_NAMES) configs[n].learningRate! *= 0.9;
    }
    const got = model.getParams();
    for (const n of PARAM_NAMES) expect(Array.from(got[n].data), n).toEqual(Array.from(w[n].data));
    solver.dispose();
    model.dispose();
    reference.dispose();
  });
});

function toyData(seed = 1, numCaptions = 40, numImages = 10, D = 6, V = 9, L = 7): CaptionData {
  const rng = new LegacyRandom(seed);
  const caps = new Int32Array(numCaptions * L);
  for (let i = 0; i < numCaptions; i++) {
    const len = 1 + rng.randint(L - 2);
    caps[i * L] = 1;
    for (let t = 1; t <= len; t++) caps[i * L + t] = 3 + rng.randint(V - 3);
    if (len + 1 < L) caps[i * L + len + 1] = 2;
  }
  const vocab = vocabOf(V);
  const features = tensor(rng.randnArray(numImages * D), [numImages, D], 'float32');
  const idxs = tensor(rng.randintArray(numImages, numCaptions), [numCaptions], 'int32');
  const captions = tensor(caps, [numCaptions, L], 'int32');
  return {
    trainCaptions: captions, trainImageIdxs: idxs, trainFeatures: features, valCaptions: captions, valImageIdxs: idxs,
    valFeatures: features, idxToWord: Object.keys(vocab), wordToIdx: vocab,
  };
}
const toyModel = (data: CaptionData, cellType: 'rnn' | 'lstm' = 'lstm', seed = 0) =>
  new CaptioningRNN({ wordToIdx: data.wordToIdx, inputDim: 6, wordvecDim: 5, hiddenDim: 8, cellType, seed });

describe('training behaviour', () => {
  it('is deterministic for a seed, and the default sampler draws CS231n\'s choice(numTrain, batchSize)', async () => {
    const data = toyData();
    const run = async (seed: number) => {
      const m = toyModel(data);
      const rowsSeen: number[][] = [];
      const s = new CaptioningSolver(m, data, { updateRule: 'adam', batchSize: 5, numEpochs: 2, verbose: false, seed });
      const h = await s.train();
      const p = m.getParams();
      s.dispose();
      m.dispose();
      return { h, p, rowsSeen };
    };
    const a = await run(3);
    const b = await run(3);
    const c = await run(4);
    expect(a.h).toEqual(b.h);
    expect(Array.from(a.p.Wx.data)).toEqual(Array.from(b.p.Wx.data));
    expect(a.h).not.toEqual(c.h);
    expect(a.h.length).toBe(2 * Math.floor(40 / 5));
  });

  it('the loss falls when overfitting a small batch', async () => {
    const data = toyData(2, 10, 10);
    const m = toyModel(data);
    const s = new CaptioningSolver(m, data, { updateRule: 'adam', optimConfig: { learningRate: 2e-2 }, batchSize: 10, numEpochs: 150, verbose: false, sampler: 'shuffle' });
    const h = await s.train();
    expect(h[h.length - 1]).toBeLessThan(0.1 * h[0]);
    s.dispose();
    m.dispose();
  });

  it('prints CS231n progress lines and reports steps', async () => {
    const data = toyData();
    const m = toyModel(data);
    const lines: string[] = [];
    const infos: number[] = [];
    const s = new CaptioningSolver(m, data, { batchSize: 8, numEpochs: 3, printEvery: 5, log: (l) => lines.push(l), onStep: (i) => infos.push(i.iteration) });
    await s.train();
    expect(lines[0]).toMatch(/^\(Iteration 1 \/ 15\) loss: \d+\.\d{6}$/);
    expect(lines.length).toBe(3);
    expect(infos).toEqual(Array.from({ length: 15 }, (_, i) => i));
    s.dispose();
    m.dispose();
  });

  it('stops after the current step on abort, with a consistent state that resumes', async () => {
    const data = toyData();
    const m = toyModel(data);
    const ctl = new AbortController();
    const s = new CaptioningSolver(m, data, { batchSize: 5, numEpochs: 2, verbose: false, signal: ctl.signal, onStep: (i) => i.iteration === 2 && ctl.abort() });
    const h = await s.train();
    expect(h.length).toBe(3);
    expect(s.aborted).toBe(true);
    expect(s.iteration).toBe(3);
    s.dispose();
    m.dispose();
  });

  it('a diverging run stops with DivergenceError naming the iteration; parameters are the last good ones', async () => {
    const data = toyData();
    const m = toyModel(data, 'rnn');
    let good: Record<string, Tensor> | null = null;
    const s = new CaptioningSolver(m, data, { updateRule: 'sgd', optimConfig: { learningRate: 1e300 }, batchSize: 5, numEpochs: 2, verbose: false, onStep: () => (good = m.getParams()) });
    const before = m.getParams();
    const err = await s.train().catch((e) => e);
    expect(err).toBeInstanceOf(DivergenceError);
    expect(err.message).toMatch(/iteration \d+/);
    const expected = good ?? before;
    const now = m.getParams();
    for (const n of PARAM_NAMES) expect(Array.from(now[n].data)).toEqual(Array.from(expected[n].data));
    for (const n of PARAM_NAMES) for (const v of now[n].data) expect(Number.isFinite(v)).toBe(true);
    s.dispose();
    m.dispose();
  });

  it('gradient clipping bounds the update and reports the norm', async () => {
    const data = toyData();
    const m = toyModel(data, 'rnn');
    const before = m.getParams();
    const norms: number[] = [];
    const s = new CaptioningSolver(m, data, { updateRule: 'sgd', optimConfig: { learningRate: 1 }, gradClip: 1e-3, batchSize: 5, numEpochs: 1, verbose: false, onStep: (i) => norms.push(i.gradNorm) });
    s.step();
    expect(norms.length).toBe(0);
    const after = m.getParams();
    let sq = 0;
    for (const n of PARAM_NAMES) for (let i = 0; i < after[n].size; i++) sq += (after[n].data[i] - before[n].data[i]) ** 2;
    expect(Math.sqrt(sq)).toBeLessThan(1e-3 * 1.0001);
    expect(Math.sqrt(sq)).toBeGreaterThan(1e-3 * 0.999);
    await s.train();
    expect(norms.every((x) => x > 0)).toBe(true);
    s.dispose();
    m.dispose();
  });

  it('rejects bad options and data with RecapError', () => {
    const data = toyData();
    const m = toyModel(data);
    expect(() => new CaptioningSolver(m, data, { updateRule: 'nesterov' as never })).toThrow(/updateRule/);
    expect(() => new CaptioningSolver(m, data, { batchSize: 0 })).toThrow(/batchSize/);
    expect(() => new CaptioningSolver(m, data, { learning_rate: 1 } as never)).toThrow(/options/);
    expect(() => new CaptioningSolver(m, data, { updateRule: 'sgd', optimConfig: { beta1: 0.9 } })).toThrow(/optimConfig/);
    const bad = { ...data, trainFeatures: tensor(new Float32Array(10 * 7), [10, 7]) };
    expect(() => new CaptioningSolver(m, bad)).toThrow(/trainFeatures/);
    m.dispose();
  });
});

describe('checkpoints', () => {
  it('round trip: config, vocabulary, parameters, solver state; resume is bit-identical', async () => {
    const data = toyData();
    const opts = { updateRule: 'adam' as const, batchSize: 5, numEpochs: 2, lrDecay: 0.9, verbose: false, seed: 11 };
    // uninterrupted
    const m1 = toyModel(data);
    const s1 = new CaptioningSolver(m1, data, opts);
    const full = await s1.train();
    // interrupted after 5 steps, saved, loaded, resumed
    const m2 = toyModel(data);
    const ctl = new AbortController();
    const s2 = new CaptioningSolver(m2, data, { ...opts, signal: ctl.signal, onStep: (i) => i.iteration === 4 && ctl.abort() });
    await s2.train();
    const bytes = saveCheckpoint(m2, s2, { note: 'half way' });
    const ck = loadCheckpoint(bytes, { wordToIdx: data.wordToIdx });
    expect(ck.meta).toEqual({ note: 'half way' });
    expect(ck.model.config).toEqual(m2.config);
    const s3 = new CaptioningSolver(ck.model, data, opts);
    s3.setState(ck.solverState!);
    const resumed = await s3.train();
    expect(resumed).toEqual(full);
    const a = m1.getParams();
    const b = ck.model.getParams();
    for (const n of PARAM_NAMES) expect(Array.from(b[n].data), n).toEqual(Array.from(a[n].data));
    // saving again gives the same bytes (deterministic format)
    expect(Array.from(saveCheckpoint(ck.model, s3))).toEqual(Array.from(saveCheckpoint(m1, s1)));
    for (const x of [s1, s2, s3]) x.dispose();
    for (const x of [m1, m2, ck.model]) x.dispose();
  });

  it('detects truncation, bit flips, foreign files, future versions and vocabulary mismatches', () => {
    const data = toyData();
    const m = toyModel(data);
    const bytes = saveCheckpoint(m);
    expect(() => loadCheckpoint(bytes.subarray(0, bytes.length - 10))).toThrow(FormatError);
    expect(() => loadCheckpoint(bytes.subarray(0, 10))).toThrow(/truncated/);
    for (const pos of [20, Math.floor(bytes.length / 2), bytes.length - 5]) {
      const flipped = bytes.slice();
      flipped[pos] ^= 0x10;
      expect(() => loadCheckpoint(flipped)).toThrow(/checksum/);
    }
    const foreign = bytes.slice();
    foreign[0] = 0x50;
    expect(() => loadCheckpoint(foreign)).toThrow(/not a recap checkpoint/);
    const future = bytes.slice();
    new DataView(future.buffer).setUint32(8, 99, true);
    expect(() => loadCheckpoint(future)).toThrow(/version 99 is newer/);
    const other = { ...data.wordToIdx, w8: 4, w4: 8 };
    expect(() => loadCheckpoint(bytes, { wordToIdx: other })).toThrow(/vocabulary mismatch/);
    m.dispose();
  });
});
