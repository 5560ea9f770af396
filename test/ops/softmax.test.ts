// temporalSoftmaxLoss (CS231n temporal_softmax_loss): every case of the reference vectors, forward and backward, in float64 (1e-9
// scale-relative) and float32 (the vectors' per-array tolerances), and centred-difference gradient
// checks in float64 with the exported evalNumericalGradient* helpers, as the notebook does them.
// Kernel specs: assembly/__tests__/softmax.spec.ts; fuzzing: test/fuzz/layers.test.ts; index: test/README.md.
import { beforeAll, describe, expect, it } from 'vitest';
import { evalNumericalGradient, init, layers, relError, type DType } from '../../src/index.js';
import { expectClose, F64_TOL, GRAD_H as H, GRAD_LIMIT as LIMIT, GRAD_O4 as O4, arr, loadCases, tolFor, type Case } from '../helpers.js';

beforeAll(() => init());

describe.each(['float64', 'float32'] as DType[])('reference vectors in %s', (dtype) => {
  it.each(loadCases('temporal_softmax_loss.json').filter((c) => c.inputs.x).map((c) => [c.name, c]))('temporalSoftmaxLoss %s', (_n, c: Case) => {
    const i = c.inputs;
    const { loss, dx } = layers.temporalSoftmaxLoss(arr(i.x, dtype), arr(i.y), arr(i.mask));
    const tol = dtype === 'float64' ? F64_TOL : 1e-5;
    expect(Math.abs(loss - c.outputs.loss) / Math.abs(c.outputs.loss)).toBeLessThanOrEqual(tol);
    expectClose(`${c.name} dx`, dx, c.outputs.dx, tolFor(dtype, c, 'dx'));
    if (c.notebook_printed_loss !== undefined && dtype === 'float64') {
      // the notebook's sanity check prints the loss itself
      expect(Math.abs(loss - c.notebook_printed_loss)).toBeLessThan(1e-13 * Math.abs(loss));
    }
  });
});

it('temporalSoftmaxLoss dx (notebook 7x8x9 case)', () => {
  const c = loadCases('temporal_softmax_loss.json').find((k) => k.name === 'notebook_gradcheck_N7_T8_V9')!;
  const [x, y, mask] = [arr(c.inputs.x), arr(c.inputs.y), arr(c.inputs.mask)];
  const { dx } = layers.temporalSoftmaxLoss(x, y, mask);
  const num = evalNumericalGradient(() => layers.temporalSoftmaxLoss(x, y, mask).loss, x, H, O4);
  expect(relError(dx, num)).toBeLessThan(LIMIT);
  // the notebook's way: order 2, h = 1e-5, "should be around e-7 or less"
  expect(relError(dx, evalNumericalGradient(() => layers.temporalSoftmaxLoss(x, y, mask).loss, x))).toBeLessThan(1e-7);
});
