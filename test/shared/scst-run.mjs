// A seeded SCST run on N threads (XE warm-up, then self-critical steps with the default CIDEr-D
// reward); prints a JSON line with FNV-1a hashes of the loss and reward histories and the final
// parameters. Used by test/scst.test.ts.
import { init, threads, CaptioningRNN, CaptioningSolver, shapesData } from '../../dist/index.js';

const want = Number(process.argv[2] ?? 1);
const baseline = process.argv[3] ?? 'greedy';
await init({ threads: want });
const data = shapesData({ numTrain: 60, numVal: 5, seed: 3 });
const model = new CaptioningRNN({ wordToIdx: data.wordToIdx, inputDim: data.trainFeatures.shape[1], wordvecDim: 24, hiddenDim: 32, cellType: 'lstm', seed: 5 });
await new CaptioningSolver(model, data, { updateRule: 'adam', optimConfig: { learningRate: 1e-2 }, batchSize: 25, numEpochs: 2, verbose: false, seed: 9 }).train();
const solver = new CaptioningSolver(model, data, {
  objective: 'scst', scstSamples: 4, scstBaseline: baseline, updateRule: 'adam', optimConfig: { learningRate: 1e-3 },
  batchSize: 10, numEpochs: 1, sampler: 'shuffle', verbose: false, seed: 2,
});
const stop = 8;
while (solver.iteration < stop) await solver.stepAsync();
function fnv(bytes, h = 0x811c9dc5) {
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return h;
}
let ph = 0x811c9dc5;
for (const t of Object.values(model.getParams())) ph = fnv(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), ph);
const lh = fnv(new Uint8Array(Float64Array.from(solver.lossHistory).buffer));
const rh = fnv(new Uint8Array(Float64Array.from(solver.getState().scst.rewardHistory).buffer));
console.log(JSON.stringify({ threads: threads(), steps: solver.lossHistory.length, params: ph, losses: lh, rewards: rh }));
