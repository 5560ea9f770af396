// lstmStepForward/Backward and lstmForward/Backward (CS231n lstm_step_*, lstm_*): every case of the reference vectors, forward and backward, in float64 (1e-9
// scale-relative) and float32 (the vectors' per-array tolerances), and centred-difference gradient
// checks in float64 with the exported evalNumericalGradient* helpers, as the notebook does them.
// Kernel specs: assembly/__tests__/lstm.spec.ts; fuzzing: test/fuzz/layers.test.ts; index: test/README.md.
import { beforeAll, describe, expect, it } from 'vitest';
import { evalNumericalGradientArray, init, layers, relError, type DType, type Tensor } from '../../src/index.js';
import { GRAD_H as H, GRAD_O4 as O4, arr, checkAll, checkGrads, gradCases, loadCases, type Case } from '../helpers.js';

beforeAll(() => init());

describe.each(['float64', 'float32'] as DType[])('reference vectors in %s', (dtype) => {
  it.each(loadCases('lstm_step.json').map((c) => [c.name, c]))('lstmStep %s', (_n, c: Case) => {
    const i = c.inputs;
    const { nextH, nextC, cache } = layers.lstmStepForward(arr(i.x, dtype), arr(i.prev_h, dtype), arr(i.prev_c, dtype),
      arr(i.Wx, dtype), arr(i.Wh, dtype), arr(i.b, dtype));
    const back = layers.lstmStepBackward(arr(i.dnext_h, dtype), arr(i.dnext_c, dtype), cache);
    checkAll(c, dtype, { nextH, nextC, ...back },
      { nextH: 'next_h', nextC: 'next_c', dx: 'dx', dprevH: 'dprev_h', dprevC: 'dprev_c', dWx: 'dWx', dWh: 'dWh', db: 'db' });
    if (c.notebook_expected && dtype === 'float64') {
      // the notebook prints next_h 5.7054131967097955e-09 and next_c 5.8143123088804145e-09
      expect(Math.abs(relError(nextH, arr(c.notebook_expected.next_h)) - c.notebook_expected.printed_rel_error_h)).toBeLessThan(1e-14);
      expect(Math.abs(relError(nextC, arr(c.notebook_expected.next_c)) - c.notebook_expected.printed_rel_error_c)).toBeLessThan(1e-14);
    }
  });
  it.each(loadCases('lstm_seq.json').map((c) => [c.name, c]))('lstm %s', (_n, c: Case) => {
    const i = c.inputs;
    const { h, cache } = layers.lstmForward(arr(i.x, dtype), arr(i.h0, dtype), arr(i.Wx, dtype), arr(i.Wh, dtype), arr(i.b, dtype));
    const back = layers.lstmBackward(arr(i.dout, dtype), cache);
    checkAll(c, dtype, { h, ...back }, { h: 'h', dx: 'dx', dh0: 'dh0', dWx: 'dWx', dWh: 'dWh', db: 'db' });
    if (c.notebook_expected && dtype === 'float64') {
      expect(Math.abs(relError(h, arr(c.notebook_expected.h)) - c.notebook_expected.printed_rel_error)).toBeLessThan(1e-14);
    }
  });
});

describe.each(gradCases)('gradient checks (%s inputs)', (_label, pick) => {
  it('lstmStepBackward', () => {
    const i = pick('lstm_step.json').inputs;
    const [x, h, c, Wx, Wh, b, dh, dc] = [i.x, i.prev_h, i.prev_c, i.Wx, i.Wh, i.b, i.dnext_h, i.dnext_c].map((v) => arr(v));
    // the notebook's trick: numerical gradients of next_h and next_c, summed
    const fh = () => layers.lstmStepForward(x, h, c, Wx, Wh, b).nextH;
    const fc = () => layers.lstmStepForward(x, h, c, Wx, Wh, b).nextC;
    const both = (t: Tensor) => {
      const a = evalNumericalGradientArray(fh, t, dh, H, O4);
      const bb = evalNumericalGradientArray(fc, t, dc, H, O4);
      for (let k = 0; k < a.size; k++) a.data[k] += bb.data[k];
      return a;
    };
    const g = layers.lstmStepBackward(dh, dc, layers.lstmStepForward(x, h, c, Wx, Wh, b).cache);
    checkGrads(g, { dx: () => both(x), dprevH: () => both(h), dprevC: () => both(c), dWx: () => both(Wx), dWh: () => both(Wh), db: () => both(b) });
  });
  it('lstmBackward', () => {
    const i = pick('lstm_seq.json').inputs;
    const [x, h0, Wx, Wh, b, dout] = [i.x, i.h0, i.Wx, i.Wh, i.b, i.dout].map((v) => arr(v));
    const f = () => layers.lstmForward(x, h0, Wx, Wh, b).h;
    const g = layers.lstmBackward(dout, layers.lstmForward(x, h0, Wx, Wh, b).cache);
    checkGrads(g, {
      dx: () => evalNumericalGradientArray(f, x, dout, 1e-3, O4), dh0: () => evalNumericalGradientArray(f, h0, dout, 1e-3, O4),
      dWx: () => evalNumericalGradientArray(f, Wx, dout, 1e-3, O4), dWh: () => evalNumericalGradientArray(f, Wh, dout, 1e-3, O4),
      db: () => evalNumericalGradientArray(f, b, dout, 1e-3, O4),
    });
  });
});
