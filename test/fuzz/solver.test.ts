// Fuzz: CaptioningSolver construction (options and data), a few steps, and setState with
// damaged snapshots. Construction works or throws RecapError without touching the model;
// steps work or throw RecapError/DivergenceError; a refused setState changes nothing.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptioningRNN, CaptioningSolver, DivergenceError, RecapError, init, tensor, type CaptionData, type Tensor } from '../../src/index.js';
import { PROTO_NAMES, attempt, attemptAsync, check, checkAsync, expectSameSnapshot, idsTensor, notATensor, randTensor, snapshot } from './fuzz.js';

beforeAll(() => init());

const VOCAB = { '<NULL>': 0, '<START>': 1, '<END>': 2, a: 3, b: 4 };
const D = 4;
let model: CaptioningRNN;
beforeAll(() => {
  model = new CaptioningRNN({ wordToIdx: VOCAB, inputDim: D, wordvecDim: 3, hiddenDim: 5, cellType: 'lstm', seed: 1 });
});
afterAll(() => model.dispose());

function data(Nc: number, Ni: number, L: number, seed: number): CaptionData {
  return {
    trainCaptions: idsTensor([Nc, L], 5, seed), trainImageIdxs: idsTensor([Nc], Ni, seed + 1), trainFeatures: randTensor([Ni, D], 'float32', seed + 2),
    valCaptions: idsTensor([2, L], 5, seed + 3), valImageIdxs: idsTensor([2], Ni, seed + 4), valFeatures: randTensor([Ni, D], 'float32', seed + 5),
    idxToWord: Object.keys(VOCAB), wordToIdx: VOCAB,
  };
}

const dataMutation = fc.oneof(
  { weight: 5, arbitrary: fc.constant({ kind: 'none' as const }) },
  fc.record({ kind: fc.constant('capId' as const), at: fc.nat(), value: fc.constantFrom(-1, 5, 2 ** 31 - 1) }),
  fc.record({ kind: fc.constant('imgIdx' as const), at: fc.nat(), value: fc.constantFrom(-1, 99, 2 ** 31 - 1) }),
  fc.record({ kind: fc.constant('featNaN' as const), at: fc.nat(), value: fc.constantFrom(NaN, Infinity) }),
  fc.record({ kind: fc.constant('featDim' as const) }),
  fc.record({ kind: fc.constant('capShape' as const), shape: fc.constantFrom([3], [3, 1], [0, 5]) }),
  fc.record({ kind: fc.constant('field' as const), key: fc.constantFrom('trainCaptions', 'trainImageIdxs', 'trainFeatures', 'valCaptions', 'valFeatures'), value: notATensor }),
  fc.record({ kind: fc.constant('whole' as const), value: fc.constantFrom(null, undefined, 0, 'data', {}) }),
);

const badNum = fc.constantFrom(NaN, Infinity, -1, 0, 1.5, 2 ** 31, '10', null);
const optionsArb = fc.record({
  updateRule: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('sgd', 'sgd_momentum', 'rmsprop', 'adam', 'adam_a2', undefined) }, { weight: 1, arbitrary: fc.constantFrom('SGD', '', ...PROTO_NAMES) }),
  optimConfig: fc.oneof({ weight: 6, arbitrary: fc.record({ learningRate: fc.oneof(fc.double({ min: 1e-4, max: 0.1, noNaN: true }), badNum) }, { requiredKeys: [] }) },
    { weight: 1, arbitrary: fc.constantFrom(null, 'x', { nope: 1 }, { momentum: 0.9 }, { t: -1 }) }),
  lrDecay: fc.oneof({ weight: 6, arbitrary: fc.double({ min: 0.5, max: 1, noNaN: true }) }, { weight: 1, arbitrary: badNum }),
  batchSize: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 8 }) }, { weight: 1, arbitrary: fc.oneof(badNum, fc.constantFrom(2 ** 31 - 1, 1e8)) }),
  numEpochs: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: badNum }),
  printEvery: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: badNum }),
  verbose: fc.constant(false),
  seed: fc.oneof({ weight: 6, arbitrary: fc.nat() }, { weight: 1, arbitrary: badNum }),
  sampler: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('replacement', 'shuffle', undefined) },
    { weight: 2, arbitrary: fc.constantFrom<unknown>('random', 3, (t: number) => [t % 3, 0], () => [], () => [1.5], () => [-1], () => [99], () => null, () => 'ab', () => new Int32Array(4)) }),
  gradClip: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 3, arbitrary: fc.double({ min: 1e-3, max: 10, noNaN: true }) }, { weight: 1, arbitrary: badNum }),
  extra: fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('learningRate', 'lr', ...PROTO_NAMES) }),
}, { requiredKeys: [] });

function applyData(m: { kind: string; [k: string]: unknown }, d: CaptionData): unknown {
  switch (m.kind) {
    case 'capId': { const t = d.trainCaptions.clone(); t.data[(m.at as number) % t.size] = m.value as number; return { ...d, trainCaptions: t }; }
    case 'imgIdx': { const t = d.trainImageIdxs.clone(); t.data[(m.at as number) % t.size] = m.value as number; return { ...d, trainImageIdxs: t }; }
    case 'featNaN': { const t = d.trainFeatures.clone(); t.data[(m.at as number) % t.size] = m.value as number; return { ...d, trainFeatures: t }; }
    case 'featDim': return { ...d, trainFeatures: randTensor([d.trainFeatures.shape[0], D + 1], 'float32', 1) };
    case 'capShape': { const shape = m.shape as number[]; return { ...d, trainCaptions: tensor(new Array(shape.reduce((a, b) => a * b, 1)).fill(1), shape, 'int32') }; }
    case 'field': return { ...d, [m.key as string]: m.value };
    case 'whole': return m.value;
    default: return d;
  }
}

describe('fuzz: CaptioningSolver', () => {
  it('constructs and steps, or throws RecapError / DivergenceError; a refused construction leaves the model unchanged', async () => {
    await checkAsync('CaptioningSolver', fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 6 }), fc.nat(), dataMutation, optionsArb, fc.boolean()),
      async ([Nc, Ni, L, seed, dm, opts, threaded]) => {
        const saved = model.getParams();
        const before = snapshot(saved);
        const d = applyData(dm, data(Nc, Ni, L, seed));
        const { extra, ...options } = opts as Record<string, unknown>;
        if (extra !== undefined) options[extra as string] = 1;
        const r = attempt(() => new CaptioningSolver(model, d as CaptionData, options));
        if (!r.ok) {
          expectSameSnapshot(before, snapshot(model.getParams()), 'refused solver');
          return;
        }
        const solver = r.value;
        try {
          for (let i = 0; i < 2 && solver.iteration < solver.numIterations; i++) {
            const it = solver.iteration;
            const s = await attemptAsync(async () => (threaded ? solver.stepAsync() : solver.step()), [RecapError, DivergenceError]);
            if (!s.ok) {
              expect(solver.iteration).toBe(it);
              break;
            }
            expect(Number.isFinite(s.value.loss)).toBe(true);
            expect(solver.iteration).toBe(it + 1);
          }
        } finally {
          solver.dispose();
          model.setParams(saved);
        }
      }, 2);
  });

  const stateMutation = fc.oneof(
    fc.record({ kind: fc.constant('field' as const), key: fc.constantFrom('updateRule', 'iteration', 'epoch', 'lossHistory', 'rng', 'blocks', 'order', 'optimConfig', 'seed'), value: fc.oneof(notATensor, fc.constantFrom(-1, 1e9, NaN, 'adam', [], {})) }),
    fc.record({ kind: fc.constant('rng' as const), key: fc.constantFrom('key', 'pos', 'hasGauss', 'gauss'), value: fc.constantFrom(-1, 625, 0.5, NaN, 'x', null, new Uint32Array(3), new Uint32Array(624)) }),
    fc.record({ kind: fc.constant('block' as const), value: fc.constantFrom(null, new Float32Array(3), new Float64Array(1), 'x') }),
    fc.record({ kind: fc.constant('config' as const), value: fc.constantFrom(NaN, -1, 'x', null, Infinity) }),
    fc.record({ kind: fc.constant('whole' as const), value: fc.constantFrom(null, undefined, 0, 'state', {}) }),
  );

  it('setState with a damaged snapshot throws RecapError and changes nothing', () => {
    const d = data(6, 3, 5, 7);
    const solver = new CaptioningSolver(model, d, { updateRule: 'adam', batchSize: 2, numEpochs: 3, verbose: false, sampler: 'shuffle' });
    solver.step();
    const good = solver.getState();
    try {
      check('solver.setState', stateMutation, (m) => {
        const s: Record<string, unknown> = { ...good, rng: { ...good.rng }, blocks: { ...good.blocks }, optimConfig: { ...good.optimConfig } };
        let state: unknown = s;
        if (m.kind === 'field') s[m.key] = m.value;
        else if (m.kind === 'rng') (s.rng as Record<string, unknown>)[m.key] = m.value;
        else if (m.kind === 'block') (s.blocks as Record<string, unknown>).m = m.value;
        else if (m.kind === 'config') (s.optimConfig as Record<string, unknown>).learningRate = m.value;
        else state = m.value;
        const before = JSON.stringify(solver.getState(), (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v));
        const r = attempt(() => solver.setState(state as never));
        const after = JSON.stringify(solver.getState(), (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v));
        if (!r.ok) expect(after).toBe(before);
        else solver.setState(good);
        // the solver still steps
        const it = solver.iteration;
        if (it < solver.numIterations) {
          solver.step();
          solver.setState(good);
        }
      }, 2);
    } finally {
      solver.dispose();
    }
  });

  it('regressions: batchSize 2^31-1 is refused up front with the memory it needs; setState checks before it writes', () => {
    const d = data(6, 3, 5, 7);
    expect(() => new CaptioningSolver(model, d, { batchSize: 2 ** 31 - 1, verbose: false })).toThrow(/batchSize: expected a working set under .* GiB needed/);
    const solver = new CaptioningSolver(model, d, { updateRule: 'adam', batchSize: 2, verbose: false });
    const s = solver.getState();
    const before = solver.getState();
    expect(() => solver.setState({ ...s, optimConfig: { learningRate: 99 }, rng: { ...s.rng, key: new Uint32Array(3) } })).toThrow(RecapError);
    expect(solver.getState().optimConfig).toEqual(before.optimConfig);
    expect(() => solver.setState(null as never)).toThrow(RecapError);
    solver.dispose();
  });
});

export type { Tensor };
