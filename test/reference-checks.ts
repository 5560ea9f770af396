// A compact pass over the reference vectors, reused by the per-build test files.
import { expect, it } from 'vitest';
import { CaptioningRNN, PARAM_NAMES, layers, type Tensor } from '../src/index.js';
import { arr, expectClose, loadCases } from './helpers.js';

export function runReferenceChecks(): void {
  it('model cases: loss and gradients in float64 within 1e-9', () => {
    for (const c of loadCases('captioning_model.json')) {
      const { D, W, H, V } = c.dims;
      const vocab = c.name.startsWith('notebook')
        ? { '<NULL>': 0, cat: 2, dog: 3 }
        : Object.fromEntries(Array.from({ length: V }, (_, i) => [i === 0 ? '<NULL>' : `w${i}`, i]));
      const m = new CaptioningRNN({ wordToIdx: vocab, inputDim: D, wordvecDim: W, hiddenDim: H, cellType: c.cell_type, dtype: 'float64' });
      const params: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(c.inputs.params)) params[k] = arr(v as never);
      m.setParams(params);
      const { loss, grads } = m.loss(arr(c.inputs.features), arr(c.inputs.captions));
      expect(Math.abs(loss - c.outputs.loss) / c.outputs.loss).toBeLessThan(1e-12);
      for (const n of PARAM_NAMES) {
        expectClose(`${c.name} d${n}`, grads[n], c.outputs.grads[n], Math.max(1e-9, c.suggested_scale_relative_tolerance.float64[n]));
      }
      m.dispose();
    }
  });
  it('sequence layers in float64 within 1e-9', () => {
    for (const c of loadCases('lstm_seq.json')) {
      const i = c.inputs;
      const { h, cache } = layers.lstmForward(arr(i.x), arr(i.h0), arr(i.Wx), arr(i.Wh), arr(i.b));
      const g = layers.lstmBackward(arr(i.dout), cache);
      expectClose('h', h, c.outputs.h, 1e-9);
      for (const k of ['dx', 'dh0', 'dWx', 'dWh', 'db'] as const) expectClose(k, g[k], c.outputs[k], 1e-9);
    }
    for (const c of loadCases('rnn_seq.json')) {
      const i = c.inputs;
      const { h, cache } = layers.rnnForward(arr(i.x), arr(i.h0), arr(i.Wx), arr(i.Wh), arr(i.b));
      const g = layers.rnnBackward(arr(i.dout), cache);
      expectClose('h', h, c.outputs.h, 1e-9);
      for (const k of ['dx', 'dh0', 'dWx', 'dWh', 'db'] as const) expectClose(k, g[k], c.outputs[k], 1e-9);
    }
  });
  it('greedy samples in float32 and float64', () => {
    for (const c of loadCases('sample.json')) {
      for (const dtype of ['float32', 'float64'] as const) {
        const { D, W, H, V } = c.dims;
        const vocab = Object.fromEntries(Array.from({ length: V }, (_, i) => [['<NULL>', '<START>', '<END>', '<UNK>'][i] ?? `w${i}`, i]));
        const m = new CaptioningRNN({ wordToIdx: vocab, inputDim: D, wordvecDim: W, hiddenDim: H, cellType: c.cell_type, dtype });
        const params: Record<string, Tensor> = {};
        for (const [k, v] of Object.entries(c.inputs.params)) params[k] = arr(v as never, dtype);
        m.setParams(params);
        expect(Array.from(m.sample(arr(c.inputs.features, dtype), { maxLength: c.max_length }).data)).toEqual(c.outputs.captions.data);
        m.dispose();
      }
    }
  });
  it('convolutional layers in float64 within 1e-9', () => {
    for (const c of loadCases('conv/conv.json')) {
      const i = c.inputs;
      const { out, cache } = layers.convForward(arr(i.x), arr(i.w), arr(i.b), c.params);
      expectClose(`conv ${c.name} out`, out, c.outputs.out, 1e-9);
      const g = layers.convBackward(arr(i.dout), cache);
      for (const k of ['dx', 'dw', 'db'] as const) expectClose(`conv ${c.name} ${k}`, g[k], c.outputs[k], 1e-9);
    }
    for (const c of loadCases('conv/pool.json')) {
      const p = { poolHeight: c.params.pool_height, poolWidth: c.params.pool_width, stride: c.params.stride };
      const { out, cache } = layers.maxPoolForward(arr(c.inputs.x), p);
      expectClose(`pool ${c.name} out`, out, c.outputs.out, 1e-9);
      expectClose(`pool ${c.name} dx`, layers.maxPoolBackward(arr(c.inputs.dout), cache).dx, c.outputs.dx, 1e-9);
    }
    for (const c of loadCases('conv/relu.json')) {
      const { out, cache } = layers.reluForward(arr(c.inputs.x));
      expectClose(`relu ${c.name} out`, out, c.outputs.out, 1e-9);
      expectClose(`relu ${c.name} dx`, layers.reluBackward(arr(c.inputs.dout), cache).dx, c.outputs.dx, 1e-9);
    }
    for (const c of loadCases('conv/batchnorm.json')) {
      const i = c.inputs;
      const bnParam = { ...c.params, ...(i.running_mean ? { runningMean: arr(i.running_mean), runningVar: arr(i.running_var) } : {}) };
      const { out, cache } = layers.spatialBatchnormForward(arr(i.x), arr(i.gamma), arr(i.beta), bnParam);
      expectClose(`batchnorm ${c.name} out`, out, c.outputs.out, 1e-9);
      expectClose(`batchnorm ${c.name} running_var`, bnParam.runningVar!, c.outputs.running_var, 1e-9);
      const g = layers.spatialBatchnormBackward(arr(i.dout), cache);
      for (const k of ['dx', 'dgamma', 'dbeta'] as const) expectClose(`batchnorm ${c.name} ${k}`, g[k], c.outputs[k], 1e-9);
    }
  });
}
