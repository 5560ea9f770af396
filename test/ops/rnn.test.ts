// rnnStepForward/Backward and rnnForward/Backward (CS231n rnn_step_*, rnn_*): every case of the reference vectors, forward and backward, in float64 (1e-9
// scale-relative) and float32 (the vectors' per-array tolerances), and centred-difference gradient
// checks in float64 with the exported evalNumericalGradient* helpers, as the notebook does them.
// Kernel specs: assembly/__tests__/rnn.spec.ts; fuzzing: test/fuzz/layers.test.ts; index: test/README.md.
import { beforeAll, describe, expect, it } from 'vitest';
import { evalNumericalGradientArray, init, layers, relError, type DType } from '../../src/index.js';
import { GRAD_H as H, GRAD_O4 as O4, arr, checkAll, checkGrads, gradCases, loadCases, type Case } from '../helpers.js';

beforeAll(() => init());

describe.each(['float64', 'float32'] as DType[])('reference vectors in %s', (dtype) => {
  it.each(loadCases('rnn_step.json').map((c) => [c.name, c]))('rnnStep %s', (_n, c: Case) => {
    const i = c.inputs;
    const { nextH, cache } = layers.rnnStepForward(arr(i.x, dtype), arr(i.prev_h, dtype), arr(i.Wx, dtype), arr(i.Wh, dtype), arr(i.b, dtype));
    const back = layers.rnnStepBackward(arr(i.dnext_h, dtype), cache);
    checkAll(c, dtype, { nextH, ...back }, { nextH: 'next_h', dx: 'dx', dprevH: 'dprev_h', dWx: 'dWx', dWh: 'dWh', db: 'db' });
    if (c.notebook_expected && dtype === 'float64') {
      expect(Math.abs(relError(nextH, arr(c.notebook_expected.next_h)) - c.notebook_expected.printed_rel_error)).toBeLessThan(1e-14);
    }
  });
  it.each(loadCases('rnn_seq.json').map((c) => [c.name, c]))('rnn %s', (_n, c: Case) => {
    const i = c.inputs;
    const { h, cache } = layers.rnnForward(arr(i.x, dtype), arr(i.h0, dtype), arr(i.Wx, dtype), arr(i.Wh, dtype), arr(i.b, dtype));
    const back = layers.rnnBackward(arr(i.dout, dtype), cache);
    checkAll(c, dtype, { h, ...back }, { h: 'h', dx: 'dx', dh0: 'dh0', dWx: 'dWx', dWh: 'dWh', db: 'db' });
    if (c.notebook_expected && dtype === 'float64') {
      expect(Math.abs(relError(h, arr(c.notebook_expected.h)) - c.notebook_expected.printed_rel_error)).toBeLessThan(1e-14);
    }
  });
});

describe.each(gradCases)('gradient checks (%s inputs)', (_label, pick) => {
  it('rnnStepBackward', () => {
    const i = pick('rnn_step.json').inputs;
    const [x, h, Wx, Wh, b, dout] = [i.x, i.prev_h, i.Wx, i.Wh, i.b, i.dnext_h].map((v) => arr(v));
    const f = () => layers.rnnStepForward(x, h, Wx, Wh, b).nextH;
    const g = layers.rnnStepBackward(dout, layers.rnnStepForward(x, h, Wx, Wh, b).cache);
    checkGrads(g, {
      dx: () => evalNumericalGradientArray(f, x, dout, H, O4), dprevH: () => evalNumericalGradientArray(f, h, dout, H, O4),
      dWx: () => evalNumericalGradientArray(f, Wx, dout, H, O4), dWh: () => evalNumericalGradientArray(f, Wh, dout, H, O4),
      db: () => evalNumericalGradientArray(f, b, dout, H, O4),
    });
  });
  it('rnnBackward', () => {
    const i = pick('rnn_seq.json').inputs;
    const [x, h0, Wx, Wh, b, dout] = [i.x, i.h0, i.Wx, i.Wh, i.b, i.dout].map((v) => arr(v));
    const f = () => layers.rnnForward(x, h0, Wx, Wh, b).h;
    const g = layers.rnnBackward(dout, layers.rnnForward(x, h0, Wx, Wh, b).cache);
    checkGrads(g, {
      dx: () => evalNumericalGradientArray(f, x, dout, H, O4), dh0: () => evalNumericalGradientArray(f, h0, dout, H, O4),
      dWx: () => evalNumericalGradientArray(f, Wx, dout, H, O4), dWh: () => evalNumericalGradientArray(f, Wh, dout, H, O4),
      db: () => evalNumericalGradientArray(f, b, dout, H, O4),
    });
  });
});
