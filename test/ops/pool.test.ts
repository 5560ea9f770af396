// maxPoolForward/Backward (CS231n max_pool_forward_naive / backward): every case of
// test/fixtures/conv/pool.json (scripts/make-conv-fixtures.py) in float64 (1e-9) and float32,
// ties to the first maximum in row-major order (numpy's argmax) in both passes, the notebook's
// digits, float64 gradient checks, bad input.
// Kernel specs: assembly/__tests__/pool.spec.ts; fuzzing: test/fuzz/layers.test.ts; index: test/README.md.
import { beforeAll, describe, expect, it } from 'vitest';
import { RecapError, evalNumericalGradientArray, init, layers, tensor, type DType } from '../../src/index.js';
import { GRAD_H as H, GRAD_O4 as O4, arr, checkAll, checkGrads, loadCases, type Case } from '../helpers.js';

beforeAll(() => init());

const cases = loadCases('conv/pool.json');
const byName = (name: string) => cases.find((c) => c.name === name)!;
const param = (c: Case) => ({ poolHeight: c.params.pool_height, poolWidth: c.params.pool_width, stride: c.params.stride });

describe.each(['float64', 'float32'] as DType[])('reference vectors in %s', (dtype) => {
  it.each(cases.map((c) => [c.name, c]))('max pool %s', (_n, c: Case) => {
    const { out, cache } = layers.maxPoolForward(arr(c.inputs.x, dtype), param(c));
    const { dx } = layers.maxPoolBackward(arr(c.inputs.dout, dtype), cache);
    expect(out.dtype).toBe(dtype);
    checkAll(c, dtype, { out, dx }, { out: 'out', dx: 'dx' });
  });
});

describe('ties and the notebook', () => {
  it('max_pool_forward_naive check digits', () => {
    const c = byName('notebook_linspace');
    const { out } = layers.maxPoolForward(arr(c.inputs.x), param(c));
    (c.notebook_correct_out.flat(3) as number[]).forEach((d, k) => expect(Math.abs(out.data[k] - d)).toBeLessThan(1e-8));
  });
  it('equal values: every window routes its gradient to its first (top-left) element', () => {
    // x all equal, 2x2 windows with stride 1 over one row pair: window k's first element is column k
    const x = tensor(new Array(2 * 5).fill(0.5), [1, 1, 2, 5], 'float32');
    const { out, cache } = layers.maxPoolForward(x, { poolHeight: 2, poolWidth: 2, stride: 1 });
    expect(Array.from(out.data)).toEqual([0.5, 0.5, 0.5, 0.5]);
    const { dx } = layers.maxPoolBackward(tensor([1, 10, 100, 1000], [1, 1, 1, 4], 'float32'), cache);
    expect(Array.from(dx.data)).toEqual([1, 10, 100, 1000, 0, 0, 0, 0, 0, 0]);
  });
  it('a later equal value does not replace the maximum; a larger one does (row-major scan)', () => {
    // window rows [1, 3] / [3, 2]: the first 3 (row 0, column 1) wins over the 3 below-left
    const x = tensor([1, 3, 3, 2], [1, 1, 2, 2], 'float64');
    const { dx } = layers.maxPoolBackward(tensor([7], [1, 1, 1, 1], 'float64'), layers.maxPoolForward(x, { poolHeight: 2, poolWidth: 2, stride: 2 }).cache);
    expect(Array.from(dx.data)).toEqual([0, 7, 0, 0]);
  });
});

describe('gradient checks (float64, order-4 centred differences)', () => {
  it.each(['notebook_seed231_backward', '3x3_stride2', '2x3_stride3'])('maxPoolBackward on %s', (name) => {
    const c = byName(name);
    const x = arr(c.inputs.x);
    const dout = arr(c.inputs.dout);
    const g = layers.maxPoolBackward(dout, layers.maxPoolForward(x, param(c)).cache);
    checkGrads(g, { dx: () => evalNumericalGradientArray(() => layers.maxPoolForward(x, param(c)).out, x, dout, H, O4) });
  });
});

describe('bad input', () => {
  const x = tensor(Array.from({ length: 2 * 3 * 5 * 4 }, (_, k) => Math.sin(k)), [2, 3, 5, 4], 'float64');
  const refused = (fn: () => unknown, argument: string, text?: RegExp) => {
    let err: unknown;
    try { fn(); } catch (e) { err = e; }
    expect(err, `expected a RecapError naming ${argument}`).toBeInstanceOf(RecapError);
    expect((err as RecapError).argument).toBe(argument);
    if (text) expect((err as RecapError).message).toMatch(text);
  };
  it('a non-integer output size, a window larger than the input, bad parameters', () => {
    refused(() => layers.maxPoolForward(x, { poolHeight: 2, poolWidth: 2, stride: 2 }), 'poolParam', /1 \+ \(5 \+ 0 − 2\) \/ 2 = 2\.5/);
    refused(() => layers.maxPoolForward(x, { poolHeight: 6, poolWidth: 1, stride: 1 }), 'poolParam', /integer output size/);
    expect(layers.maxPoolForward(x, { poolHeight: 3, poolWidth: 2, stride: 2 }).out.shape).toEqual([2, 3, 2, 2]);
    refused(() => layers.maxPoolForward(x, { poolHeight: 0, poolWidth: 2, stride: 1 }), 'poolParam.poolHeight');
    refused(() => layers.maxPoolForward(x, { poolHeight: 2, poolWidth: 2 } as never), 'poolParam.stride');
    refused(() => layers.maxPoolForward(x, undefined as never), 'poolParam');
  });
  it('wrong rank, dtype, a foreign cache', () => {
    refused(() => layers.maxPoolForward(x.reshape([6, 5, 4]), { poolHeight: 1, poolWidth: 1, stride: 1 }), 'x', /rank 4/);
    refused(() => layers.maxPoolForward(x.clone('int32'), { poolHeight: 1, poolWidth: 1, stride: 1 }), 'x', /float32 or float64/);
    const { out, cache } = layers.maxPoolForward(x, { poolHeight: 1, poolWidth: 2, stride: 2 });
    refused(() => layers.maxPoolBackward(out.clone('float32'), cache), 'dout', /float64/);
    refused(() => layers.maxPoolBackward(x, cache), 'dout', /Ho=3 \(from cache\)/);
    refused(() => layers.maxPoolBackward(out, layers.reluForward(x).cache), 'cache', /maxPoolForward/);
    const conv = layers.convForward(x, tensor([1, 1, 1], [1, 3, 1, 1], 'float64'), tensor([0], [1], 'float64'));
    refused(() => layers.maxPoolBackward(out, conv.cache), 'cache', /maxPoolForward.*convForward/);
  });
});
