// The legacy MT19937 port against numpy's stream, and the temporal-softmax sanity check whose
// inputs only exist as numpy draws (N=5000, regenerated here from seed 231).
import { beforeAll, expect, it } from 'vitest';
import { LegacyRandom, init, layers, tensor } from '../src/index.js';
import { loadCases } from './helpers.js';

beforeAll(() => init());

it('reproduces np.random.seed(231) draws: raw words, randn, randint, rand, choice', () => {
  const c = loadCases('rng_legacy_mt19937.json')[0];
  const raw = new LegacyRandom(231);
  expect(Array.from({ length: 8 }, () => raw.nextU32())).toEqual(c.first_uint32);
  const rng = new LegacyRandom(231);
  for (const call of c.calls) {
    const n = call.result.data.length;
    let got: number[];
    if (call.call === 'randn') got = Array.from(rng.randnArray(n));
    else if (call.call === 'rand') got = Array.from({ length: n }, () => rng.rand());
    else got = Array.from(rng.randintArray(call.args[0], n)); // randint and choice (with replacement)
    expect(got, `${call.call}(${JSON.stringify(call.args)})`).toEqual(call.result.data);
  }
});

it('permutation is a permutation and depends on the seed', () => {
  const p = Array.from(new LegacyRandom(3).permutation(50));
  expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  expect(p).not.toEqual(Array.from(new LegacyRandom(4).permutation(50)));
});

it('notebook temporal softmax sanity checks, N up to 5000, from the regenerated RNG stream', () => {
  const rng = new LegacyRandom(231);
  rng.randnArray(2 * 3 * 4 + 4 * 5 + 5 + 2 * 3 * 5); // the temporal-affine cell before it
  const expected = loadCases('temporal_softmax_loss.json');
  const checkLoss = (N: number, T: number, V: number, p: number) => {
    const x = tensor(Array.from(rng.randnArray(N * T * V), (v) => 0.001 * v), [N, T, V], 'float64');
    const y = tensor(rng.randintArray(V, N * T), [N, T], 'int32');
    const mask = tensor(Array.from({ length: N * T }, () => (rng.rand() <= p ? 1 : 0)), [N, T], 'int32');
    return layers.temporalSoftmaxLoss(x, y, mask).loss;
  };
  // equal up to summation order (numpy sums pairwise)
  expect(Math.abs(checkLoss(100, 1, 10, 1.0) - expected[0].outputs.loss)).toBeLessThan(1e-13);
  expect(Math.abs(checkLoss(100, 10, 10, 1.0) - expected[1].outputs.loss)).toBeLessThan(1e-13);
  const big = checkLoss(5000, 10, 10, 0.1);
  expect(Math.abs(big - 2.2643611790293394)).toBeLessThan(1e-12);
});
