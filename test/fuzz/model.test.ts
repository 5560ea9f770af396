// Fuzz: CaptioningRNN construction, loss, sample, sampleTopK and setParams. Every call works or
// throws RecapError; a failed call leaves the parameters bit-identical and the model usable
// (a valid batch afterwards gives the same loss as before the failure).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptioningRNN, LegacyRandom, PARAM_NAMES, RecapError, Tensor, init, tensor, type ParamName } from '../../src/index.js';
import { PROTO_NAMES, attempt, check, checkAsync, expectSameSnapshot, idsTensor, notATensor, randTensor, snapshot } from './fuzz.js';

beforeAll(() => init());

const VOCAB = { '<NULL>': 0, '<START>': 1, '<END>': 2, a: 3, cat: 4, sat: 5 };
const V = 6;
const D = 5;

const badInt = fc.constantFrom(0, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 40, '8', null, true, {});
const dimArb = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 9 }) }, { weight: 2, arbitrary: badInt }, { weight: 1, arbitrary: fc.constant(undefined) });

const vocabArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 12 }).chain((n) => fc.shuffledSubarray(['<START>', '<END>', 'x', 'y', 'z', 'w'], { minLength: 0, maxLength: 6 })
    .map((words) => Object.fromEntries(['<NULL>', ...words, ...Array.from({ length: n }, (_, i) => `v${i}`)].map((w, i) => [w, i])))) },
  { weight: 3, arbitrary: fc.record({ nullId: fc.integer({ min: -2, max: 6 }), startId: fc.oneof(fc.integer({ min: -2, max: 9 }), fc.double()), extra: fc.integer({ min: 0, max: 3 }) })
    .map(({ nullId, startId, extra }) => ({ '<NULL>': nullId, '<START>': startId, ...Object.fromEntries(Array.from({ length: extra }, (_, i) => [`w${i}`, i])) })) },
  { weight: 1, arbitrary: fc.oneof(fc.constantFrom(null, undefined, 'vocab', 3, [], { a: 0 }, { '<NULL>': '0' }), fc.dictionary(fc.string({ maxLength: 4 }), fc.anything({ maxDepth: 0 }), { maxKeys: 4 })) },
);

const optionsArb = fc.oneof(
  { weight: 12, arbitrary: fc.record({
    wordToIdx: vocabArb, inputDim: dimArb, wordvecDim: dimArb, hiddenDim: dimArb,
    cellType: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('rnn', 'lstm', undefined) }, { weight: 1, arbitrary: fc.constantFrom('gru', 'LSTM', '', ...PROTO_NAMES, 0) }),
    dtype: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('float32', 'float64', undefined) }, { weight: 1, arbitrary: fc.constantFrom('int32', 'float16', ...PROTO_NAMES) }),
    seed: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 2 ** 32 - 1 }) }, { weight: 1, arbitrary: fc.constantFrom(-1, 2 ** 32, 0.5, NaN, '1') }),
  }, { requiredKeys: ['wordToIdx'] }) },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined, 0, 'opts', []) },
);

describe('fuzz: new CaptioningRNN', () => {
  it('builds a model that works, or throws RecapError', () => {
    check('new CaptioningRNN', optionsArb, (opts) => {
      const r = attempt(() => new CaptioningRNN(opts as never));
      if (!r.ok) return;
      const m = r.value;
      try {
        // ids are non-negative integers; they may be sparse (the CS231n loss check's vocabulary is)
        const Vm = m.config.vocabSize;
        for (const id of Object.values(m.wordToIdx)) expect(Number.isInteger(id) && id >= 0).toBe(true);
        const feats = randTensor([2, m.config.inputDim], m.config.dtype, 1);
        const caps = idsTensor([2, 4], Vm, 2);
        expect(Number.isFinite(m.loss(feats, caps).loss)).toBe(true);
        const s = attempt(() => m.sample(feats, { maxLength: 3 }));
        if (s.ok) for (const v of s.value.data) expect(v >= 0 && v < Vm).toBe(true);
        else expect(m.startIdx === null || m.startIdx >= Vm).toBe(true);
        const b = attempt(() => m.sample(feats, { maxLength: 3, beamSize: 2 }));
        if (!b.ok) expect(m.startIdx === null || m.endIdx === null || m.startIdx >= Vm || m.nullIdx >= Vm).toBe(true);
      } finally {
        m.dispose();
      }
    }, 2);
  });

  it('regressions: sampling with <START> (or, in beam search, <NULL>) outside [0, V) is refused', () => {
    // <START> = 7 in a 3-word vocabulary used to index past W_embed in sample()
    const m = new CaptioningRNN({ wordToIdx: { '<NULL>': 0, '<START>': 7, '<END>': 1 }, inputDim: 2, wordvecDim: 2, hiddenDim: 2 });
    const f = tensor([[0.1, 0.2]]);
    expect(() => m.sample(f)).toThrow(/<START>.*\[0, 3\)/);
    m.dispose();
    const m2 = new CaptioningRNN({ wordToIdx: { '<NULL>': 9, '<START>': 0, '<END>': 1 }, inputDim: 2, wordvecDim: 2, hiddenDim: 2 });
    expect(m2.sample(f, { maxLength: 2 }).shape).toEqual([1, 2]);
    expect(() => m2.sample(f, { beamSize: 2 })).toThrow(/<NULL>/);
    expect(() => m2.sampleTopK(f)).toThrow(RecapError);
    m2.dispose();
  });
});

// ---------------------------------------------------------------------------------------------

type BatchMutation =
  | { kind: 'none' }
  | { kind: 'featDim'; delta: number }
  | { kind: 'rows'; delta: number }
  | { kind: 'capLen'; len: number }
  | { kind: 'empty' }
  | { kind: 'nonfinite'; at: number; value: number }
  | { kind: 'id'; at: number; value: number }
  | { kind: 'capDtype'; to: 'float32' | 'float64' }
  | { kind: 'featDtype' }
  | { kind: 'wrongType'; which: 'features' | 'captions'; value: unknown };

const batchMutation: fc.Arbitrary<BatchMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'none' } as BatchMutation) },
  fc.record({ kind: fc.constant('featDim' as const), delta: fc.constantFrom(-1, 1, 7) }),
  fc.record({ kind: fc.constant('rows' as const), delta: fc.constantFrom(-1, 1, 2) }),
  fc.record({ kind: fc.constant('capLen' as const), len: fc.constantFrom(0, 1) }),
  fc.constant({ kind: 'empty' } as BatchMutation),
  fc.record({ kind: fc.constant('nonfinite' as const), at: fc.nat(), value: fc.constantFrom(NaN, Infinity, -Infinity) }),
  fc.record({ kind: fc.constant('id' as const), at: fc.nat(), value: fc.constantFrom(-1, V, V + 1, 2 ** 31 - 1, -(2 ** 31)) }),
  fc.record({ kind: fc.constant('capDtype' as const), to: fc.constantFrom('float32' as const, 'float64' as const) }),
  fc.constant({ kind: 'featDtype' } as BatchMutation),
  fc.record({ kind: fc.constant('wrongType' as const), which: fc.constantFrom('features' as const, 'captions' as const), value: notATensor }),
) as fc.Arbitrary<BatchMutation>;

function batch(N: number, L: number, seed: number, m: BatchMutation, dtype: 'float32' | 'float64'): { features: unknown; captions: unknown } {
  let features: unknown = randTensor([N, D], dtype, seed);
  let captions: unknown = idsTensor([N, L], V, seed + 1);
  switch (m.kind) {
    case 'featDim': features = randTensor([N, Math.max(1, D + m.delta)], dtype, seed); break;
    case 'rows': features = randTensor([Math.max(1, N + m.delta), D], dtype, seed); break;
    case 'capLen': captions = idsTensor([N, m.len], V, seed); break;
    case 'empty': features = tensor([], [0, D], dtype); captions = tensor([], [0, L], 'int32'); break;
    case 'nonfinite': { const t = (features as Tensor).clone(); t.data[m.at % t.size] = m.value; features = t; break; }
    case 'id': { const t = (captions as Tensor).clone(); t.data[m.at % t.size] = m.value; captions = t; break; }
    case 'capDtype': captions = (captions as Tensor).clone(m.to); break;
    case 'featDtype': features = tensor(Array.from((features as Tensor).data, Math.round), [N, D], 'int32'); break;
    case 'wrongType': if (m.which === 'features') features = m.value; else captions = m.value; break;
  }
  return { features, captions };
}

const models: Array<{ name: string; model: CaptioningRNN; refLoss: number; ref: { features: Tensor; captions: Tensor } }> = [];
beforeAll(() => {
  for (const cellType of ['rnn', 'lstm'] as const) {
    for (const dtype of ['float32', 'float64'] as const) {
      const model = new CaptioningRNN({ wordToIdx: VOCAB, inputDim: D, wordvecDim: 4, hiddenDim: 6, cellType, dtype, seed: 3 });
      const ref = { features: randTensor([3, D], dtype, 11), captions: idsTensor([3, 5], V, 12) };
      models.push({ name: `${cellType} ${dtype}`, model, ref, refLoss: model.loss(ref.features, ref.captions).loss });
    }
  }
});
afterAll(() => models.forEach((m) => m.model.dispose()));

/** The model's parameters are unchanged and a valid batch gives the reference loss. */
function expectIntact(entry: (typeof models)[number], before: Record<string, number[]>, what: string): void {
  expectSameSnapshot(before, snapshot(entry.model.getParams()), what);
  expect(entry.model.loss(entry.ref.features, entry.ref.captions).loss, `${what}: reference loss`).toBe(entry.refLoss);
}

describe('fuzz: CaptioningRNN.loss', () => {
  it('works (finite loss, 8 finite gradients) or throws RecapError; never changes the parameters', () => {
    check('model.loss', fc.tuple(fc.nat({ max: 3 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 2, max: 7 }), fc.nat(), batchMutation,
      fc.constantFrom('float32' as const, 'float64' as const)), ([mi, N, L, seed, m, featDtype]) => {
      const entry = models[mi];
      const before = snapshot(entry.model.getParams());
      const { features, captions } = batch(N, L, seed, m, featDtype);
      const r = attempt(() => entry.model.loss(features as Tensor, captions as Tensor));
      // the float inputs of one call share one dtype: features of the other float dtype are refused
      const dtypeOk = featDtype === entry.model.config.dtype;
      if (m.kind === 'none' && dtypeOk && !r.ok) throw new Error(`valid loss failed: ${r.error.message}`);
      const mustFail = !dtypeOk || (m.kind !== 'none' && !(m.kind === 'rows' && Math.max(1, N + m.delta) === N));
      if (mustFail && r.ok) throw new Error(`invalid batch accepted: ${JSON.stringify(m)}`);
      if (r.ok) {
        expect(Number.isFinite(r.value.loss)).toBe(true);
        expect(Object.keys(r.value.grads).sort()).toEqual([...PARAM_NAMES].sort());
        for (const g of Object.values(r.value.grads)) for (const v of g.data) expect(Number.isFinite(v)).toBe(true);
      }
      expectIntact(entry, before, `loss ${JSON.stringify(m)}`);
    }, 4);
  });
});

const sampleOptions = fc.oneof(
  { weight: 8, arbitrary: fc.record({
    maxLength: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 8 }) }, { weight: 1, arbitrary: badInt }, { weight: 1, arbitrary: fc.constantFrom(10001, 1e9) }),
    beamSize: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: badInt }),
    // tiny temperatures (scores / temperature overflow: the argmax limit) often enough for the default run count (issue 20)
    temperature: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 4, arbitrary: fc.double({ min: 1e-3, max: 10, noNaN: true }) },
      { weight: 2, arbitrary: fc.oneof(fc.constantFrom(Number.MIN_VALUE, 1e-40, 1e-310), fc.double({ min: Number.MIN_VALUE, max: 1e-30, noNaN: true })) },
      { weight: 1, arbitrary: fc.constantFrom(-1, NaN, Infinity, 1e7, '1') }),
    seed: fc.oneof({ weight: 6, arbitrary: fc.nat() }, { weight: 1, arbitrary: fc.constantFrom(-1, 0.5, 2 ** 32) }),
    lengthPenalty: fc.oneof({ weight: 6, arbitrary: fc.double({ min: 0, max: 5, noNaN: true }) }, { weight: 1, arbitrary: fc.constantFrom(-1, NaN, Infinity, 101, '1') }),
    blockRepeatNgrams: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 4 }) }, { weight: 1, arbitrary: badInt }),
    topP: fc.oneof({ weight: 6, arbitrary: fc.double({ min: 1e-6, max: 1, noNaN: true }) }, { weight: 1, arbitrary: fc.constantFrom(0, -1, NaN, 1.5, '1') }),
  }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.constantFrom(undefined, null, {}, 3, 'x') },
);

describe('fuzz: CaptioningRNN.sample and sampleTopK', () => {
  it('int32 (N, maxLength) ids in [0, V), or RecapError; the model is never changed', () => {
    check('model.sample', fc.tuple(fc.nat({ max: 3 }), fc.integer({ min: 1, max: 5 }), fc.nat(), batchMutation, sampleOptions, fc.boolean()),
      ([mi, N, seed, m, opts, topK]) => {
        const entry = models[mi];
        const before = snapshot(entry.model.getParams());
        const { features } = batch(N, 3, seed, m.kind === 'capDtype' || m.kind === 'capLen' || m.kind === 'id' ? { kind: 'none' } : m, 'float32');
        const r = attempt(() => (topK ? entry.model.sampleTopK(features as Tensor, opts as never).captions : entry.model.sample(features as Tensor, opts as never)));
        if (r.ok) {
          const t = r.value;
          expect(t.dtype).toBe('int32');
          expect(t.shape[0]).toBe((features as Tensor).shape[0]);
          for (const v of t.data) expect(v >= 0 && v < V).toBe(true);
        }
        expectIntact(entry, before, `sample ${JSON.stringify(m)} ${JSON.stringify(opts)}`);
      }, 3);
  });
});

describe('fuzz: tiny temperatures (issue 20: scores / temperature overflowed to token −1)', () => {
  it('sampling at a temperature whose scaled scores overflow gives the greedy captions (the argmax limit), ids in [0, V)', () => {
    check('model.sample tiny temperature', fc.record({
      mi: fc.nat({ max: 3 }), N: fc.integer({ min: 1, max: 5 }), seed: fc.nat(), maxLength: fc.integer({ min: 1, max: 7 }), // ≤ V + 2 − 1 with blocking
      temperature: fc.oneof(fc.constantFrom(Number.MIN_VALUE, 1e-40, 1e-310), fc.double({ min: Number.MIN_VALUE, max: 1e-300, noNaN: true }),
        fc.double({ min: 1e-45, max: 1e-38, noNaN: true })),
      topP: fc.constantFrom(1, 0.5), block: fc.boolean(), sampleSeed: fc.nat(),
    }), ({ mi, N, seed, maxLength, temperature, topP, block, sampleSeed }) => {
      const { model } = models[mi];
      const features = randTensor([N, D], model.config.dtype, seed);
      const blockRepeatNgrams = block ? Math.min(2, maxLength) : 0;
      const want = Array.from(model.sample(features, { maxLength, blockRepeatNgrams }).data);
      const got = Array.from(model.sample(features, { maxLength, temperature, topP, blockRepeatNgrams, seed: sampleSeed }).data);
      for (const v of got) expect(v >= 0 && v < V).toBe(true);
      // float64 scores scaled by 1/τ overflow only for the smallest τ; otherwise the draw is still all but certain to be the argmax
      expect(got).toEqual(want);
    });
  });
});

describe('fuzz: greedy decoding with blockRepeatNgrams (planned) against the step-wise path', () => {
  it('the same captions as step-wise decoding at the argmax limit (a temperature of Number.MIN_VALUE), on 1 thread and the pool', async () => {
    await checkAsync('greedy blockRepeatNgrams', fc.record({
      cell: fc.constantFrom('rnn' as const, 'lstm' as const), dtype: fc.constantFrom('float32' as const, 'float64' as const),
      V: fc.integer({ min: 4, max: 30 }), N: fc.integer({ min: 1, max: 9 }), n: fc.integer({ min: 1, max: 4 }),
      len: fc.integer({ min: 1, max: 14 }), scale: fc.constantFrom(0.1, 1, 3), seed: fc.nat(),
    }), async ({ cell, dtype, V: Vr, N, n, len, scale, seed }) => {
      const vocab = Object.fromEntries(Array.from({ length: Vr }, (_, i) => [['<NULL>', '<START>', '<END>'][i] ?? `w${i}`, i]));
      const m = new CaptioningRNN({ wordToIdx: vocab, inputDim: D, wordvecDim: 3, hiddenDim: 5, cellType: cell, dtype, seed });
      try {
        const rng = new LegacyRandom(seed);
        const p = m.getParams();
        for (const name of PARAM_NAMES) p[name] = tensor(Array.from(rng.randnArray(p[name].size), (x) => scale * x), [...p[name].shape], dtype);
        m.setParams(p);
        const f = tensor(rng.randnArray(N * D), [N, D], dtype);
        const maxLength = Math.max(n, Math.min(len, Vr + n - 1)); // n ≤ maxLength ≤ V + n − 1: the valid range
        const planned = Array.from(m.sample(f, { maxLength, blockRepeatNgrams: n }).data);
        const stepwise = Array.from(m.sample(f, { maxLength, blockRepeatNgrams: n, temperature: Number.MIN_VALUE }).data);
        expect(planned).toEqual(stepwise);
        expect(Array.from((await m.sampleAsync(f, { maxLength, blockRepeatNgrams: n })).data)).toEqual(planned);
      } finally {
        m.dispose();
      }
    });
  });
});

const paramMutation = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'none' as const }) },
  fc.record({ kind: fc.constant('shape' as const), axis: fc.nat({ max: 1 }), delta: fc.constantFrom(-1, 1) }),
  fc.record({ kind: fc.constant('rank' as const) }),
  fc.record({ kind: fc.constant('dtype' as const) }),
  fc.record({ kind: fc.constant('nonfinite' as const), at: fc.nat(), value: fc.constantFrom(NaN, Infinity) }),
  fc.record({ kind: fc.constant('name' as const), name: fc.constantFrom('W', 'w_proj', 'Wx ', ...PROTO_NAMES) }),
  fc.record({ kind: fc.constant('wrongType' as const), value: notATensor }),
);

const NO_JUNK = Symbol('params');
describe('fuzz: CaptioningRNN.setParams', () => {
  it('sets exactly the given parameters, or throws RecapError and changes nothing', () => {
    check('model.setParams', fc.tuple(fc.nat({ max: 3 }), fc.subarray([...PARAM_NAMES]), fc.nat(), fc.nat({ max: 7 }), paramMutation,
      fc.oneof({ weight: 9, arbitrary: fc.constant(NO_JUNK) }, { weight: 1, arbitrary: fc.constantFrom(undefined, null, 0, 'p', [] as unknown) })),
    ([mi, names, seed, victim, m, junk]) => {
      const entry = models[mi];
      const model = entry.model;
      const before = snapshot(model.getParams());
      const current = model.getParams();
      const params: Record<string, unknown> = {};
      for (const [i, name] of names.entries()) params[name] = randTensor([...current[name].shape], model.config.dtype, seed + i, 0.1);
      const target = names.length ? names[victim % names.length] : null;
      let mustFail = false;
      if (target && m.kind !== 'none') {
        const t = params[target] as Tensor;
        mustFail = true;
        if (m.kind === 'shape') {
          const shape = [...t.shape];
          const ax = m.axis % shape.length;
          shape[ax] = Math.max(0, shape[ax] + m.delta);
          params[target] = randTensor(shape, t.dtype, seed);
        } else if (m.kind === 'rank') params[target] = t.reshape([...t.shape, 1]);
        else if (m.kind === 'dtype') params[target] = t.clone(t.dtype === 'float32' ? 'float64' : 'float32');
        else if (m.kind === 'nonfinite') { const c = t.clone(); c.data[m.at % c.size] = m.value; params[target] = c; }
        else if (m.kind === 'name') { params[m.name] = t; mustFail = m.name !== '__proto__'; }
        else if (m.kind === 'wrongType') { params[target] = m.value; mustFail = !(m.value instanceof Tensor); }
      }
      const arg = junk === NO_JUNK ? params : junk;
      if (junk !== NO_JUNK) mustFail = !(junk !== null && typeof junk === 'object');
      const r = attempt(() => model.setParams(arg as never));
      if (mustFail && r.ok) throw new Error(`invalid params accepted: ${JSON.stringify(m)}`);
      if (!r.ok || junk !== NO_JUNK) {
        expectIntact(entry, before, `setParams ${JSON.stringify(m)}`);
        return;
      }
      const after = model.getParams();
      for (const name of PARAM_NAMES) {
        const want = name in params && (params[name] as Tensor) instanceof Tensor ? (params[name] as Tensor) : current[name];
        expect(Array.from(after[name].data), name).toEqual(Array.from(want.data));
      }
      model.setParams(current); // restore for the next case
      expectIntact(entry, before, 'restored');
    }, 2);
  });
});

describe('regressions', () => {
  it('a batch refused for its size leaves the previous workspace usable (it used to be freed but kept)', () => {
    const entry = models[0];
    const before = snapshot(entry.model.getParams());
    // N·T·V far beyond wasm memory: refused up front with how much it needs
    const N = 40000;
    const caps = new Tensor(new Int32Array(N * 3000), [N, 3000]);
    const feats = new Tensor(new Float32Array(N * D), [N, D]);
    const big = new CaptioningRNN({ wordToIdx: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [i === 0 ? '<NULL>' : `w${i}`, i])), inputDim: D, wordvecDim: 4, hiddenDim: 4 });
    expect(() => big.loss(feats, caps)).toThrow(/GiB/);
    big.dispose();
    entry.model.loss(entry.ref.features, entry.ref.captions);
    expect(() => entry.model.loss(new Tensor(new Float32Array(N * D), [N, D]), new Tensor(new Int32Array(N * 3000), [N, 3000]))).toThrow(/expected a working set under .* GiB needed/);
    expectIntact(entry, before, 'after a refused batch');
  });

  it('sampleTopK(features, null) is a valid call with defaults', () => {
    const entry = models[1];
    expect(entry.model.sampleTopK(entry.ref.features, null as never).captions.shape).toEqual([3, 3, 30]);
  });
});
