// Long run: RECAP_LONG_STEPS (default 2000) training steps of a small LSTM through
// solver.train(), with greedy and beam-search sampling and an in-memory checkpoint every
// few hundred steps. After a warm-up, the wasm memory size and the bytes handed out by the
// allocator must not change at all, and the process's resident memory must not grow beyond
// a noise margin (median of the last third of the samples vs. the first third).
import { describe, expect, it } from 'vitest';
import { CaptioningRNN, CaptioningSolver, init, loadCheckpoint, memoryStats, saveCheckpoint, tensor, type CaptionData } from '../../src/index.js';
import { idsTensor, randTensor } from '../fuzz/fuzz.js';

const STEPS = Math.max(400, Number(process.env.RECAP_LONG_STEPS ?? 2000));
const SAMPLE_EVERY = Math.max(20, Math.floor(STEPS / 100));
const RSS_MARGIN = 32 * 2 ** 20;

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

describe('long run', () => {
  it(`${STEPS} training steps with flat memory`, async () => {
    await init({ threads: 1 });
    const V = 30;
    const wordToIdx = Object.fromEntries(Array.from({ length: V }, (_, i) => [['<NULL>', '<START>', '<END>'][i] ?? `w${i}`, i]));
    const data: CaptionData = {
      trainCaptions: idsTensor([100, 17], V, 1), trainImageIdxs: idsTensor([100], 20, 2), trainFeatures: randTensor([20, 16], 'float32', 3),
      idxToWord: Object.keys(wordToIdx), wordToIdx,
    };
    const model = new CaptioningRNN({ wordToIdx, inputDim: 16, wordvecDim: 16, hiddenDim: 32, cellType: 'lstm', seed: 4 });
    const batchSize = 25;
    const numEpochs = Math.ceil(STEPS / Math.floor(100 / batchSize));
    const feats = tensor(Array.from(data.trainFeatures.data.subarray(0, 3 * 16)), [3, 16]);
    const samples: Array<{ step: number; rss: number; wasm: number; inUse: number }> = [];
    const warmup = Math.floor(STEPS / 10);
    const solver = new CaptioningSolver(model, data, {
      updateRule: 'adam', optimConfig: { learningRate: 5e-3 }, batchSize, numEpochs, verbose: false, gradClip: 5,
      onStep: ({ iteration }) => {
        if (iteration % SAMPLE_EVERY !== 0) return;
        // exercise the other paths that allocate: sampling, beam search, checkpoints
        model.sample(feats, { maxLength: 8 });
        model.sample(feats, { maxLength: 8, temperature: 1, seed: iteration });
        model.sampleTopK(feats, { maxLength: 8, beamSize: 3 });
        if (iteration % (SAMPLE_EVERY * 5) === 0) loadCheckpoint(saveCheckpoint(model, solver)).model.dispose();
        if (iteration >= warmup) {
          const m = memoryStats();
          samples.push({ step: iteration, rss: process.memoryUsage().rss, wasm: m.memoryBytes, inUse: m.inUse });
        }
      },
    });
    const history = await solver.train();
    expect(history.length).toBeGreaterThanOrEqual(STEPS);
    expect(history.every(Number.isFinite)).toBe(true);
    // it learnt something (the run is real training, not idling)
    expect(median(history.slice(-50))).toBeLessThan(median(history.slice(0, 50)));

    expect(samples.length).toBeGreaterThanOrEqual(30);
    const wasm = new Set(samples.map((s) => s.wasm));
    const inUse = new Set(samples.map((s) => s.inUse));
    expect([...wasm], 'wasm memory size after warm-up').toHaveLength(1);
    expect([...inUse], 'bytes allocated in wasm memory at each sample point').toHaveLength(1);
    const third = Math.floor(samples.length / 3);
    const early = median(samples.slice(0, third).map((s) => s.rss));
    const late = median(samples.slice(-third).map((s) => s.rss));
    const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`;
    console.log(`long run: ${history.length} steps, rss ${mb(early)} -> ${mb(late)}, wasm ${mb([...wasm][0])}, in use ${mb([...inUse][0])}`);
    expect(late - early, `resident memory grew from ${mb(early)} to ${mb(late)}`).toBeLessThan(RSS_MARGIN);
    solver.dispose();
    model.dispose();
  });
});
