// Peak memory of one training run, in a fresh process (so nothing else in the bench counts):
//   node bench/memrun.mjs recap|tfjs '{"cell":"lstm","dtype":"float32","N":25,...,"steps":10}'
// Prints one JSON line: peak RSS (process.resourceUsage().maxRSS), RSS before the model was
// made, and the wasm linear memory (recap: memoryStats(); TF.js: its backend's heap).
import { syntheticData, makeVocab, recapData, batchRows } from './common.mjs';

const [impl, specJson] = process.argv.slice(2);
const spec = JSON.parse(specJson);
const { cell, dtype, N, T, D, W, H, V, steps } = spec;
const out = { impl, ...spec };

if (impl === 'recap') {
  const R = await import('../dist/index.js');
  await R.init({ threads: 1 }); // steps on the calling thread
  let Solver = R.CaptioningSolver;
  if (!Solver) Solver = (await import('../dist/train/solver.js')).CaptioningSolver;
  out.rssBeforeModelBytes = process.memoryUsage().rss;
  const wordToIdx = makeVocab(V);
  const d = syntheticData(N, T, D, V, 0);
  const model = new R.CaptioningRNN({ wordToIdx, inputDim: D, wordvecDim: W, hiddenDim: H, cellType: cell, dtype, seed: 0 });
  const solver = new Solver(model, recapData(R, d, D, wordToIdx), {
    updateRule: 'adam', optimConfig: { learningRate: 1e-3 }, batchSize: N, numEpochs: 1000, verbose: false,
    sampler: (it) => batchRows(it, N, d.numCaptions),
  });
  // RSS and wasm memory after warm-up (10 steps) and then every `every` steps: a flat run
  // allocates nothing per step, so neither grows
  const every = spec.every ?? 0;
  out.samples = [];
  for (let i = 1; i <= steps; i++) {
    solver.step();
    if (every && i >= 10 && (i === 10 || i % every === 0 || i === steps)) {
      out.samples.push({ step: i, rssBytes: process.memoryUsage().rss, wasmBytes: R.memoryStats().memoryBytes });
    }
  }
  const ms = R.memoryStats();
  out.wasmMemoryBytes = ms.memoryBytes;
  out.wasmInUseBytes = ms.inUse;
} else if (impl === 'tfjs') {
  const { initTfjs, makeTfjsModel, tfjsWasmMemoryBytes } = await import('./tfjs_model.mjs');
  out.tfjs = await initTfjs({ threads: 1 });
  out.rssBeforeModelBytes = process.memoryUsage().rss;
  const model = makeTfjsModel({ cell, N, T, D, W, H, V, variant: spec.variant ?? 'hand' });
  for (let i = 0; i < steps; i++) model.step();
  out.wasmMemoryBytes = tfjsWasmMemoryBytes();
} else {
  throw new Error(`unknown implementation ${impl}`);
}
out.rssEndBytes = process.memoryUsage().rss;
out.maxRssBytes = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify(out));
