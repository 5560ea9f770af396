// Every layer case of the CS231n reference vectors, forward and backward, in float64 (within
// 1e-9 scale-relative) and float32 (within the per-array tolerances the vectors give).
import { beforeAll, describe, expect, it } from 'vitest';
import { init, layers, relError, tensor, type DType } from '../src/index.js';
import { arr, expectClose, f32Tol, loadCases, type Case } from './helpers.js';

beforeAll(() => init());

const F64_TOL = 1e-9;
const dtypes: DType[] = ['float64', 'float32'];
const tolFor = (dtype: DType, c: Case, name: string) => (dtype === 'float64' ? F64_TOL : f32Tol(c, name));

function checkAll(c: Case, dtype: DType, got: Record<string, ReturnType<typeof tensor>>, map: Record<string, string>) {
  for (const [gotName, wantName] of Object.entries(map)) {
    expectClose(`${c.name} ${dtype} ${wantName}`, got[gotName], c.outputs[wantName], tolFor(dtype, c, wantName));
  }
}

describe.each(dtypes)('layers in %s', (dtype) => {
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

  it.each(loadCases('word_embedding.json').map((c) => [c.name, c]))('wordEmbedding %s', (_n, c: Case) => {
    const i = c.inputs;
    const { out, cache } = layers.wordEmbeddingForward(arr(i.x), arr(i.W, dtype));
    const { dW } = layers.wordEmbeddingBackward(arr(i.dout, dtype), cache);
    checkAll(c, dtype, { out, dW }, { out: 'out', dW: 'dW' });
    if (c.notebook_expected && dtype === 'float64') {
      expect(Math.abs(relError(out, arr(c.notebook_expected.out)) - c.notebook_expected.printed_rel_error)).toBeLessThan(1e-14);
    }
  });

  it.each(loadCases('temporal_affine.json').map((c) => [c.name, c]))('temporalAffine %s', (_n, c: Case) => {
    const i = c.inputs;
    const { out, cache } = layers.temporalAffineForward(arr(i.x, dtype), arr(i.w, dtype), arr(i.b, dtype));
    const back = layers.temporalAffineBackward(arr(i.dout, dtype), cache);
    checkAll(c, dtype, { out, ...back }, { out: 'out', dx: 'dx', dw: 'dw', db: 'db' });
  });

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
