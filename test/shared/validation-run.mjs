// A seeded training run with validation (evalEvery, keepBest, plateauDecay) on N threads;
// prints a JSON line with the eval history and an FNV-1a hash of the final and best parameters.
// Used by test/validation.test.ts.
import { init, threads, CaptioningRNN, CaptioningSolver, shapesData } from '../../dist/index.js';

await init({ threads: Number(process.argv[2] ?? 1) });
const data = shapesData({ numTrain: 60, numVal: 10, seed: 3 });
const model = new CaptioningRNN({ wordToIdx: data.wordToIdx, inputDim: data.trainFeatures.shape[1], wordvecDim: 16, hiddenDim: 24, cellType: 'lstm', seed: 5 });
const solver = new CaptioningSolver(model, data, {
  updateRule: 'adam', optimConfig: { learningRate: 1e-2 }, batchSize: 25, numEpochs: 2, verbose: false, seed: 9,
  evalEvery: 5, evalImages: 10, evalBeam: 2, plateauDecay: 0.8,
});
await solver.train();
const hash = (h = 0x811c9dc5) => {
  for (const t of Object.values(model.getParams())) {
    const b = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193) >>> 0;
  }
  return h;
};
const final = hash();
solver.restoreBest();
console.log(JSON.stringify({ threads: threads(), history: solver.evalHistory, final, best: hash() }));
