// Fuzz: optim.sgd / sgdMomentum / rmsprop / adam with random shapes, dtypes, state tensors and
// config values. Each works (same shape and dtype out, inputs untouched) or throws RecapError.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Tensor, init, optim, type DType } from '../../src/index.js';
import { PROTO_NAMES, attempt, check, dataCopies, expectUnmodified, notATensor, randTensor } from './fuzz.js';

beforeAll(() => init());

const RULES = ['sgd', 'sgdMomentum', 'rmsprop', 'adam'] as const;
const shapeArb = fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 3 });
const numberish = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -2, max: 2, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, 1e308, -1, 0, '0.1', null, {}) },
);
const configArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 6, arbitrary: fc.record({
    learningRate: numberish, momentum: numberish, decayRate: numberish, beta1: numberish, beta2: numberish, epsilon: numberish,
    t: fc.oneof(fc.nat({ max: 100 }), fc.constantFrom(-1, 0.5, NaN)),
    velocity: fc.constantFrom('same', 'wrongShape', 'wrongDtype', 'junk'),
    cache: fc.constantFrom('same', 'wrongShape', 'wrongDtype', 'junk'),
    m: fc.constantFrom('same', 'wrongShape', 'wrongDtype', 'junk'),
    v: fc.constantFrom('same', 'wrongShape', 'wrongDtype', 'junk'),
  }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.constantFrom(null, 0, 'cfg', [] as unknown, Object.fromEntries(PROTO_NAMES.map((p) => [p, 1]))) },
);

describe('fuzz: optim.*', () => {
  it('works (w keeps shape and dtype, inputs untouched) or throws RecapError', () => {
    check('optim.*', fc.tuple(fc.constantFrom(...RULES), shapeArb, fc.constantFrom<DType>('float32', 'float64', 'int32'), fc.constantFrom<DType>('float32', 'float64'),
      fc.nat(), configArb, fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.record({ which: fc.constantFrom(0, 1), value: notATensor }) }),
      fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity) })),
    ([rule, shape, wDtype, dwDtype, seed, cfg, junk, nonfinite]) => {
      const w = randTensor(shape, wDtype, seed);
      const dw = randTensor(shape, dwDtype, seed + 1);
      if (nonfinite !== null && dw.size > 0) dw.data[seed % dw.size] = nonfinite;
      let config: unknown = cfg;
      if (cfg && typeof cfg === 'object' && !Array.isArray(cfg)) {
        const c: Record<string, unknown> = { ...cfg };
        for (const key of ['velocity', 'cache', 'm', 'v']) {
          const how = c[key];
          if (how === undefined) continue;
          c[key] = how === 'same' ? randTensor(shape, wDtype === 'int32' ? 'float32' : wDtype, seed + 2, 0.1)
            : how === 'wrongShape' ? randTensor([...shape, 2], 'float64', seed) : how === 'wrongDtype' ? randTensor(shape, 'int32', seed) : 'junk';
        }
        config = c;
      }
      const args: unknown[] = [w, dw, config];
      if (junk) args[junk.which] = junk.value;
      const before = dataCopies([args[0], args[1]]);
      const stateBefore = config && typeof config === 'object' ? dataCopies(Object.values(config)) : [];
      const r = attempt(() => (optim[rule] as (...a: unknown[]) => { w: Tensor; config: Record<string, unknown> })(...args));
      expectUnmodified([args[0], args[1]], before);
      if (config && typeof config === 'object') expectUnmodified(Object.values(config), stateBefore);
      if (!r.ok) return;
      expect(r.value.w).toBeInstanceOf(Tensor);
      expect(r.value.w.shape).toEqual((args[0] as Tensor).shape);
      expect(r.value.w.dtype).toBe((args[0] as Tensor).dtype);
      expect(r.value.w.dtype).not.toBe('int32');
    }, 6);
  });
});
