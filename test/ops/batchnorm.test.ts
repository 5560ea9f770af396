// spatialBatchnormForward/Backward (CS231n spatial_batchnorm_* through batchnorm_*): every case of
// test/fixtures/conv/batchnorm.json (scripts/make-conv-fixtures.py) in float64 (1e-9) and
// float32: train and test modes, the running statistics written back into bnParam (given or
// starting at zeros, as the assignment's dict), eps and momentum; float64 gradient checks in both
// modes; bad input (a failed call leaves bnParam as it was).
// Kernel specs: assembly/__tests__/batchnorm.spec.ts; fuzzing: test/fuzz/layers.test.ts; index: test/README.md.
import { beforeAll, describe, expect, it } from 'vitest';
import { RecapError, evalNumericalGradientArray, init, layers, tensor, type BatchnormParam, type DType } from '../../src/index.js';
import { GRAD_H as H, GRAD_O4 as O4, arr, checkAll, checkGrads, loadCases, type Case } from '../helpers.js';

beforeAll(() => init());

const cases = loadCases('conv/batchnorm.json');
const byName = (name: string) => cases.find((c) => c.name === name)!;

function bnParamOf(c: Case, dtype: DType = 'float64'): BatchnormParam {
  const p: BatchnormParam = { mode: c.params.mode };
  if (c.params.eps !== undefined) p.eps = c.params.eps;
  if (c.params.momentum !== undefined) p.momentum = c.params.momentum;
  if (c.inputs.running_mean) {
    p.runningMean = arr(c.inputs.running_mean, dtype);
    p.runningVar = arr(c.inputs.running_var, dtype);
  }
  return p;
}

describe.each(['float64', 'float32'] as DType[])('reference vectors in %s', (dtype) => {
  it.each(cases.map((c) => [c.name, c]))('spatial batchnorm %s', (_n, c: Case) => {
    const i = c.inputs;
    const bnParam = bnParamOf(c, dtype);
    const given = bnParam.runningMean;
    const givenCopy = given?.clone();
    const { out, cache } = layers.spatialBatchnormForward(arr(i.x, dtype), arr(i.gamma, dtype), arr(i.beta, dtype), bnParam);
    const back = layers.spatialBatchnormBackward(arr(i.dout, dtype), cache);
    checkAll(c, dtype, { out, ...back, runningMean: bnParam.runningMean!, runningVar: bnParam.runningVar! },
      { out: 'out', dx: 'dx', dgamma: 'dgamma', dbeta: 'dbeta', runningMean: 'running_mean', runningVar: 'running_var' });
    expect(bnParam.runningMean!.dtype).toBe(dtype);
    if (given) expect(Array.from(given.data)).toEqual(Array.from(givenCopy!.data)); // the tensors passed in are not written
  });
});

describe('running statistics', () => {
  it('accumulate over train calls as the assignment: momentum·running + (1 − momentum)·batch (biased variance)', () => {
    const c = byName('train_running_given');
    const x = arr(c.inputs.x);
    const [N, C, Hh, W] = x.shape;
    const bnParam: BatchnormParam = { mode: 'train', momentum: 0.75 };
    const gamma = tensor(new Array(C).fill(1), [C], 'float64');
    const beta = tensor(new Array(C).fill(0), [C], 'float64');
    const M = N * Hh * W;
    let rm = new Array(C).fill(0);
    let rv = new Array(C).fill(0);
    for (let step = 0; step < 3; step++) {
      layers.spatialBatchnormForward(x, gamma, beta, bnParam);
      rm = rm.map((r, ch) => {
        let s = 0;
        for (let n = 0; n < N; n++) for (let k = 0; k < Hh * W; k++) s += x.data[(n * C + ch) * Hh * W + k];
        return 0.75 * r + 0.25 * (s / M);
      });
      rv = rv.map((r, ch) => {
        let mean = 0;
        for (let n = 0; n < N; n++) for (let k = 0; k < Hh * W; k++) mean += x.data[(n * C + ch) * Hh * W + k];
        mean /= M;
        let s = 0;
        for (let n = 0; n < N; n++) for (let k = 0; k < Hh * W; k++) s += (x.data[(n * C + ch) * Hh * W + k] - mean) ** 2;
        return 0.75 * r + 0.25 * (s / M);
      });
      Array.from(bnParam.runningMean!.data).forEach((v, ch) => expect(Math.abs(v - rm[ch])).toBeLessThan(1e-12 * (1 + Math.abs(rm[ch]))));
      Array.from(bnParam.runningVar!.data).forEach((v, ch) => expect(Math.abs(v - rv[ch])).toBeLessThan(1e-12 * (1 + Math.abs(rv[ch]))));
    }
    // test mode normalises by them and leaves them unchanged
    const before = Array.from(bnParam.runningVar!.data);
    bnParam.mode = 'test';
    const { out } = layers.spatialBatchnormForward(x, gamma, beta, bnParam);
    expect(Array.from(bnParam.runningVar!.data)).toEqual(before);
    const want = (x.data[0] - rm[0]) / Math.sqrt(rv[0] + 1e-5);
    expect(Math.abs(out.data[0] - want)).toBeLessThan(1e-12 * Math.abs(want) + 1e-15);
  });
  it('train mode normalises each channel to mean 0, variance 1 (then gamma, beta)', () => {
    const c = byName('train_wide_hw');
    const { out } = layers.spatialBatchnormForward(arr(c.inputs.x), tensor([1, 1], [2], 'float64'), tensor([0, 0], [2], 'float64'), { mode: 'train' });
    const [N, C, Hh, W] = out.shape;
    for (let ch = 0; ch < C; ch++) {
      let s = 0, s2 = 0;
      for (let n = 0; n < N; n++) for (let k = 0; k < Hh * W; k++) { const v = out.data[(n * C + ch) * Hh * W + k]; s += v; s2 += v * v; }
      expect(Math.abs(s / (N * Hh * W))).toBeLessThan(1e-12);
      expect(Math.abs(s2 / (N * Hh * W) - 1)).toBeLessThan(1e-4); // eps = 1e-5 shrinks it slightly
    }
  });
});

describe('gradient checks (float64, order-4 centred differences)', () => {
  it.each(['notebook_seed231_train', 'train_eps_momentum', 'test_running_given', 'train_wide_hw'])('spatialBatchnormBackward on %s', (name) => {
    const c = byName(name);
    const [x, gamma, beta, dout] = [c.inputs.x, c.inputs.gamma, c.inputs.beta, c.inputs.dout].map((v) => arr(v));
    const bnParam = bnParamOf(c);
    const running = { m: bnParam.runningMean, v: bnParam.runningVar };
    // every evaluation starts from the same running statistics (test mode reads them)
    const f = () => layers.spatialBatchnormForward(x, gamma, beta, { ...bnParam, runningMean: running.m, runningVar: running.v }).out;
    const g = layers.spatialBatchnormBackward(dout, layers.spatialBatchnormForward(x, gamma, beta, { ...bnParam }).cache);
    checkGrads(g, {
      dx: () => evalNumericalGradientArray(f, x, dout, H, O4), dgamma: () => evalNumericalGradientArray(f, gamma, dout, H, O4),
      dbeta: () => evalNumericalGradientArray(f, beta, dout, H, O4),
    });
  });
});

describe('bad input', () => {
  const x = tensor(Array.from({ length: 2 * 3 * 2 * 2 }, (_, k) => Math.cos(k)), [2, 3, 2, 2], 'float64');
  const gamma = tensor([1, 2, 3], [3], 'float64');
  const beta = tensor([0, 0, 1], [3], 'float64');
  const refused = (fn: () => unknown, argument: string, text?: RegExp) => {
    let err: unknown;
    try { fn(); } catch (e) { err = e; }
    expect(err, `expected a RecapError naming ${argument}`).toBeInstanceOf(RecapError);
    expect((err as RecapError).argument).toBe(argument);
    if (text) expect((err as RecapError).message).toMatch(text);
  };
  it('bnParam: mode, eps, momentum, running statistics; nothing is written when refused', () => {
    const rm = tensor([0, 0, 0], [3], 'float64');
    const cases: [unknown, string][] = [
      [undefined, 'bnParam'], [{}, 'bnParam.mode'], [{ mode: 'eval' }, 'bnParam.mode'],
      [{ mode: 'train', eps: 0 }, 'bnParam.eps'], [{ mode: 'train', eps: NaN }, 'bnParam.eps'],
      [{ mode: 'train', momentum: 1.5 }, 'bnParam.momentum'],
      [{ mode: 'train', runningMean: tensor([0, 0], [2], 'float64') }, 'bnParam.runningMean'],
      [{ mode: 'test', runningMean: rm, runningVar: tensor([1, 1, 1], [3], 'float32') }, 'bnParam.runningVar'],
      [{ mode: 'test', runningMean: rm, runningVar: tensor([1, -1, 1], [3], 'float64') }, 'bnParam.runningVar[1]'],
      [{ mode: 'train', runningMean: tensor([0, NaN, 0], [3], 'float64') }, 'bnParam.runningMean[1]'],
      [{ mode: 'train', runningMean: [0, 0, 0] }, 'bnParam.runningMean'],
    ];
    refused(() => layers.spatialBatchnormForward(x, gamma, beta, { mode: 'train', runningMean: tensor([0, 0], [2], 'float64') }), 'bnParam.runningMean', /C=3 \(from x\)/);
    for (const [p, argument] of cases) {
      const before = p && typeof p === 'object' ? { ...p } : p;
      refused(() => layers.spatialBatchnormForward(x, gamma, beta, p as BatchnormParam), argument);
      if (p && typeof p === 'object') expect(p).toEqual(before);
    }
  });
  it('wrong shapes and dtypes; a cache of another layer', () => {
    refused(() => layers.spatialBatchnormForward(x.reshape([2, 3, 4]), gamma, beta, { mode: 'train' }), 'x', /rank 4/);
    refused(() => layers.spatialBatchnormForward(x, tensor([1, 2], [2], 'float64'), beta, { mode: 'train' }), 'gamma', /C=3 \(from x\)/);
    refused(() => layers.spatialBatchnormForward(x, gamma, beta.clone('float32'), { mode: 'train' }), 'beta', /float64/);
    const bnParam: BatchnormParam = { mode: 'train' };
    const { out, cache } = layers.spatialBatchnormForward(x, gamma, beta, bnParam);
    refused(() => layers.spatialBatchnormBackward(out.reshape([2, 3, 4, 1]), cache), 'dout', /H=2 \(from cache\)/);
    refused(() => layers.spatialBatchnormBackward(out, layers.reluForward(x).cache), 'cache', /spatialBatchnormForward/);
    refused(() => layers.convBackward(out, cache), 'cache', /convForward.*spatialBatchnormForward/);
  });
});
