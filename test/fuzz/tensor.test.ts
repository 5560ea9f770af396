// Fuzz: tensor() and the Tensor class with random data, shapes, dtypes and wrong types.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecapError, Tensor, tensor } from '../../src/index.js';
import { PROTO_NAMES, attempt, check } from './fuzz.js';

const dtypeArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('float32', 'float64', 'int32', undefined) },
  { weight: 2, arbitrary: fc.constantFrom(...PROTO_NAMES, 'float16', 'Float32', '', 'int64') },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 1 }) },
);

const num = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
  { weight: 4, arbitrary: fc.integer({ min: -5, max: 5 }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, Number.MAX_VALUE) },
);

const nested = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, num, fc.array(tie('node'), { maxLength: 4 })),
})).node;

const dataArb = fc.oneof(
  { weight: 4, arbitrary: fc.array(num, { maxLength: 24 }) },
  { weight: 3, arbitrary: nested },
  { weight: 2, arbitrary: fc.array(num, { maxLength: 24 }).map((a) => Float32Array.from(a)) },
  { weight: 2, arbitrary: fc.array(num, { maxLength: 24 }).map((a) => Float64Array.from(a)) },
  { weight: 1, arbitrary: fc.array(fc.integer({ min: -100, max: 100 }), { maxLength: 24 }).map((a) => Int32Array.from(a)) },
  { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 24 }).map((a) => Uint8Array.from(a)) },
  { weight: 1, arbitrary: fc.array(fc.bigInt({ min: -9n, max: 9n }), { maxLength: 6 }).map((a) => BigInt64Array.from(a)) },
  { weight: 1, arbitrary: fc.constantFrom(new DataView(new ArrayBuffer(8)), { length: 2, 0: 1, 1: 2 }, { length: -1 }, { length: 1.5 }, { length: 2 ** 40 }) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
);

const dim = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 1.5, NaN, Infinity, 2 ** 32, 2 ** 53) });
const shapeArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 6, arbitrary: fc.array(dim, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 1 }) },
);

/** Every Tensor the API hands out keeps its invariants. */
function expectWellFormed(t: Tensor): void {
  expect(t).toBeInstanceOf(Tensor);
  expect(['float32', 'float64', 'int32']).toContain(t.dtype);
  const Ctor = { float32: Float32Array, float64: Float64Array, int32: Int32Array }[t.dtype];
  expect(t.data).toBeInstanceOf(Ctor);
  for (const d of t.shape) expect(Number.isInteger(d) && d >= 0).toBe(true);
  expect(t.shape.reduce((a, b) => a * b, 1)).toBe(t.data.length);
  expect(Object.isFrozen(t.shape)).toBe(true);
  // the other methods work on every well-formed tensor
  t.toArray();
  t.clone();
  String(t);
}

describe('fuzz: tensor()', () => {
  it('works (a well-formed tensor, data copied) or throws RecapError', () => {
    check('tensor()', fc.tuple(dataArb, shapeArb, dtypeArb), ([data, shape, dtype]) => {
      const r = attempt(() => tensor(data as never, shape as never, dtype as never));
      if (!r.ok) return;
      expectWellFormed(r.value);
      if (dtype === undefined || dtype === 'float32' || dtype === 'float64' || dtype === 'int32') return;
      throw new Error(`accepted dtype ${String(dtype)}`);
    }, 5);
  });

  it('the Tensor constructor, reshape and clone check their arguments', () => {
    check('Tensor', fc.tuple(dataArb, fc.array(dim, { maxLength: 4 }), shapeArb, dtypeArb), ([data, shape, reshapeTo, dtype]) => {
      const r = attempt(() => new Tensor(data as never, shape as never));
      if (!r.ok) return;
      expectWellFormed(r.value);
      const re = attempt(() => r.value.reshape(reshapeTo as never));
      if (re.ok) {
        expectWellFormed(re.value);
        expect(re.value.data).toBe(r.value.data);
      }
      const cl = attempt(() => r.value.clone(dtype as never));
      if (cl.ok) expectWellFormed(cl.value);
    }, 3);
  });

  it('regressions: prototype names are not dtypes; typed arrays of other kinds are refused by Tensor', () => {
    for (const name of PROTO_NAMES) expect(() => tensor([1], [1], name as never)).toThrow(RecapError);
    expect(() => new Tensor(Uint8Array.from([1, 2]) as never, [2])).toThrow(RecapError);
    expect(() => new Tensor([1, 2] as never, [2])).toThrow(RecapError);
    expect(() => new Tensor(new Float32Array(2), [-1, -2])).toThrow(RecapError);
    expect(() => tensor({ length: -1 } as never)).toThrow(RecapError);
    expect(() => tensor({ length: 2 ** 40 } as never)).toThrow(RecapError);
    // an empty tensor of shape [2^32, 0] crashed the process in toArray() (out of memory)
    expect(() => tensor([], [2 ** 32, 0])).toThrow(RecapError);
    expect(() => tensor([], [2 ** 20, 2 ** 20, 0]).toArray()).toThrow(RecapError);
    expect(tensor([], [3, 0, 2]).toArray()).toEqual([[], [], []]);
  });
});
