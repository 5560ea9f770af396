// affineForward/Backward and temporalAffineForward/Backward (CS231n affine_*, temporal_affine_*): every case of the reference vectors, forward and backward, in float64 (1e-9
// scale-relative) and float32 (the vectors' per-array tolerances), and centred-difference gradient
// checks in float64 with the exported evalNumericalGradient* helpers, as the notebook does them.
// Kernel specs: assembly/__tests__/affine.spec.ts; fuzzing: test/fuzz/layers.test.ts; index: test/README.md.
import { beforeAll, describe, expect, it } from 'vitest';
import { evalNumericalGradientArray, init, layers, tensor, type DType } from '../../src/index.js';
import { GRAD_H as H, GRAD_O4 as O4, arr, checkAll, checkGrads, gradCases, loadCases, type Case } from '../helpers.js';

beforeAll(() => init());

describe.each(['float64', 'float32'] as DType[])('reference vectors in %s', (dtype) => {
  it.each(loadCases('temporal_affine.json').map((c) => [c.name, c]))('temporalAffine %s', (_n, c: Case) => {
    const i = c.inputs;
    const { out, cache } = layers.temporalAffineForward(arr(i.x, dtype), arr(i.w, dtype), arr(i.b, dtype));
    const back = layers.temporalAffineBackward(arr(i.dout, dtype), cache);
    checkAll(c, dtype, { out, ...back }, { out: 'out', dx: 'dx', dw: 'dw', db: 'db' });
  });
});

describe.each(gradCases)('gradient checks (%s inputs)', (_label, pick) => {
  it('temporalAffineBackward', () => {
    const i = pick('temporal_affine.json').inputs;
    const [x, w, b, dout] = [i.x, i.w, i.b, i.dout].map((v) => arr(v));
    const f = () => layers.temporalAffineForward(x, w, b).out;
    const g = layers.temporalAffineBackward(dout, layers.temporalAffineForward(x, w, b).cache);
    checkGrads(g, {
      dx: () => evalNumericalGradientArray(f, x, dout, H, O4), dw: () => evalNumericalGradientArray(f, w, dout, H, O4),
      db: () => evalNumericalGradientArray(f, b, dout, H, O4),
    });
  });
});

describe('affine (layers.py)', () => {
  it('matches a hand computation and reshapes x to (N, D)', () => {
    const x = tensor([[[1, 2], [3, 4]]], undefined, 'float64'); // (1, 2, 2) -> (1, 4)
    const w = tensor([[1], [0], [-1], [2]], undefined, 'float64');
    const b = tensor([0.5], undefined, 'float64');
    const { out, cache } = layers.affineForward(x, w, b);
    expect(out.toArray()).toEqual([[1 - 3 + 8 + 0.5]]);
    const { dx, dw, db } = layers.affineBackward(tensor([[2]], undefined, 'float64'), cache);
    expect(dx.shape).toEqual([1, 2, 2]);
    expect(dx.toArray()).toEqual([[[2, 0], [-2, 4]]]);
    expect(dw.toArray()).toEqual([[2], [4], [6], [8]]);
    expect(db.toArray()).toEqual([2]);
  });
});

it('affineBackward', () => {
  const i = gradCases[0][1]('temporal_affine.json').inputs;
  const [x3, w, b, dout3] = [i.x, i.w, i.b, i.dout].map((v) => arr(v));
  const x = x3.reshape([6, 4]);
  const dout = dout3.reshape([6, 5]);
  const f = () => layers.affineForward(x, w, b).out;
  const g = layers.affineBackward(dout, layers.affineForward(x, w, b).cache);
  checkGrads(g, {
    dx: () => evalNumericalGradientArray(f, x, dout, H, O4), dw: () => evalNumericalGradientArray(f, w, dout, H, O4),
    db: () => evalNumericalGradientArray(f, b, dout, H, O4),
  });
});
