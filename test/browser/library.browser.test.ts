// The library itself in Chromium: the built package (dist/index.js, wasm embedded) passes the
// CS231n reference vectors in float64 (the recurrent layers, the model, the convolution), and a
// seeded training run is bit-identical to Node's.
import { beforeAll, describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import { CaptioningRNN, PARAM_NAMES, backend, init, layers, type Tensor } from '../../dist/index.js';
import { VARIANTS } from '../shared/seeded-run.mjs';
import { arr, expectClose, type Case } from './helpers.js';
import modelCases from '../fixtures/captioning_model.json';
import lstmSeq from '../fixtures/lstm_seq.json';
import rnnSeq from '../fixtures/rnn_seq.json';
import sampleCases from '../fixtures/sample.json';
import convCases from '../fixtures/conv/conv.json';

interface RunResult { variant: string; threads: number; backend: string; steps: number; firstLoss: number; lastLoss: number; lossHash: string; paramHash: string; paramHashes: Record<string, string>; sampleHash: string; encoderHash: string }
declare module 'vitest/browser' {
  interface BrowserCommands {
    nodeSeededRun: (variant: number) => Promise<RunResult>;
  }
}

const cases = (file: { cases: Case[] }) => file.cases;

beforeAll(async () => {
  await init();
});

describe('in Chromium', () => {
  it('runs the SIMD build, cross-origin isolated', () => {
    expect(backend()).toBe('simd');
    expect(crossOriginIsolated).toBe(true);
  });

  it('captioning_model.json: loss and gradients in float64 within 1e-9', () => {
    const list = cases(modelCases as never);
    expect(list.length).toBeGreaterThan(0);
    for (const c of list) {
      const { D, W, H, V } = c.dims;
      const vocab = c.name.startsWith('notebook')
        ? { '<NULL>': 0, cat: 2, dog: 3 }
        : Object.fromEntries(Array.from({ length: V }, (_, i) => [i === 0 ? '<NULL>' : `w${i}`, i]));
      const m = new CaptioningRNN({ wordToIdx: vocab, inputDim: D, wordvecDim: W, hiddenDim: H, cellType: c.cell_type, dtype: 'float64' });
      const params: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(c.inputs.params)) params[k] = arr(v as never);
      m.setParams(params);
      const { loss, grads } = m.loss(arr(c.inputs.features), arr(c.inputs.captions));
      expect(Math.abs(loss - c.outputs.loss) / c.outputs.loss, `${c.name} loss`).toBeLessThan(1e-12);
      for (const n of PARAM_NAMES) {
        expectClose(`${c.name} d${n}`, grads[n], c.outputs.grads[n], Math.max(1e-9, c.suggested_scale_relative_tolerance.float64[n]));
      }
      m.dispose();
    }
  });

  it('lstm_seq.json and rnn_seq.json: forward and backward in float64 within 1e-9', () => {
    const seq = [
      ['lstm', cases(lstmSeq as never), layers.lstmForward, layers.lstmBackward],
      ['rnn', cases(rnnSeq as never), layers.rnnForward, layers.rnnBackward],
    ] as const;
    for (const [name, list, forward, backward] of seq) {
      expect(list.length).toBeGreaterThan(0);
      for (const c of list) {
        const i = c.inputs;
        const { h, cache } = forward(arr(i.x), arr(i.h0), arr(i.Wx), arr(i.Wh), arr(i.b));
        const g = backward(arr(i.dout), cache);
        expectClose(`${name} ${c.name} h`, h, c.outputs.h, 1e-9);
        for (const k of ['dx', 'dh0', 'dWx', 'dWh', 'db'] as const) expectClose(`${name} ${c.name} ${k}`, g[k], c.outputs[k], 1e-9);
      }
    }
  });

  it('conv/conv.json: convolution forward and backward in float64 within 1e-9, the notebook digits', () => {
    const list = cases(convCases as never);
    expect(list.length).toBeGreaterThan(0);
    for (const c of list) {
      const i = c.inputs;
      const { out, cache } = layers.convForward(arr(i.x), arr(i.w), arr(i.b), c.params);
      expectClose(`conv ${c.name} out`, out, c.outputs.out, 1e-9);
      const g = layers.convBackward(arr(i.dout), cache);
      for (const k of ['dx', 'dw', 'db'] as const) expectClose(`conv ${c.name} ${k}`, g[k], c.outputs[k], 1e-9);
      if (c.name === 'notebook_linspace') {
        [-0.08759809, -0.10987781, -0.18387192, -0.2109216].forEach((d, k) => expect(Math.abs(out.data[k] - d)).toBeLessThan(1e-8));
      }
    }
  });

  it('sample.json: greedy samples in float32 and float64', () => {
    const list = cases(sampleCases as never);
    expect(list.length).toBeGreaterThan(0);
    for (const c of list) {
      for (const dtype of ['float32', 'float64'] as const) {
        const { D, W, H, V } = c.dims;
        const vocab = Object.fromEntries(Array.from({ length: V }, (_, i) => [['<NULL>', '<START>', '<END>', '<UNK>'][i] ?? `w${i}`, i]));
        const m = new CaptioningRNN({ wordToIdx: vocab, inputDim: D, wordvecDim: W, hiddenDim: H, cellType: c.cell_type, dtype });
        const params: Record<string, Tensor> = {};
        for (const [k, v] of Object.entries(c.inputs.params)) params[k] = arr(v as never, dtype);
        m.setParams(params);
        expect(Array.from(m.sample(arr(c.inputs.features, dtype), { maxLength: c.max_length }).data), `${c.name} ${dtype}`).toEqual(c.outputs.captions.data);
        m.dispose();
      }
    }
  });
});

/** One variant of test/shared/seeded-run.mjs in a fresh Web Worker (a fresh recap runtime). */
function browserSeededRun(variant: number): Promise<RunResult> {
  const worker = new Worker(new URL('./seeded-run.worker.js', import.meta.url), { type: 'module' });
  return new Promise<RunResult>((resolve, reject) => {
    worker.onmessage = (e) => (e.data.ok ? resolve(e.data.result) : reject(new Error(e.data.error)));
    worker.onerror = (e) => reject(new Error(`worker: ${e.message}`));
    worker.postMessage(variant);
  }).finally(() => worker.terminate());
}

describe('seeded training run: Chromium and Node bit-identical', () => {
  VARIANTS.forEach((variant, index) => {
    it(`${variant.name}: same loss history, parameters and samples`, async () => {
      const [browser, node] = await Promise.all([browserSeededRun(index), commands.nodeSeededRun(index)]);
      expect(browser.steps).toBeGreaterThanOrEqual(24);
      expect(browser.lastLoss).toBeLessThan(browser.firstLoss); // it trained
      expect(browser.backend).toBe(node.backend);
      expect(browser.threads).toBe(variant.threads); // really on worker threads, no silent fallback
      expect(browser).toEqual(node); // every hash, and the first and last loss exactly
      if (index > 0) {
        // and the same numbers as one thread
        const one = await commands.nodeSeededRun(0);
        const strip = ({ variant: _v, threads: _t, ...rest }: RunResult) => rest;
        expect(strip(browser)).toEqual(strip(one));
      }
    });
  });
});
