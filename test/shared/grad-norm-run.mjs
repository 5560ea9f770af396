// A seeded training run with gradient clipping on N threads; prints a JSON line with the
// gradient-norm history (hex of its float64 bytes), the clip count and a hash of the final
// parameters. Used by test/grad-norm.test.ts.
import { init, threads, CaptioningRNN, CaptioningSolver, shapesData } from '../../dist/index.js';

const want = Number(process.argv[2] ?? 1);
await init({ threads: want });
const data = shapesData({ numTrain: 60, numVal: 5, seed: 3 });
const model = new CaptioningRNN({ wordToIdx: data.wordToIdx, inputDim: data.trainFeatures.shape[1], wordvecDim: 24, hiddenDim: 32, cellType: 'lstm', seed: 5 });
const solver = new CaptioningSolver(model, data, { updateRule: 'adam', optimConfig: { learningRate: 1e-2 }, batchSize: 25, numEpochs: 2, verbose: false, seed: 9, gradClip: 4 });
await solver.train();
function fnv(bytes, h = 0x811c9dc5) {
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return h;
}
let ph = 0x811c9dc5;
for (const t of Object.values(model.getParams())) ph = fnv(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), ph);
const norms = Buffer.from(Float64Array.from(solver.gradNormHistory).buffer).toString('hex');
console.log(JSON.stringify({ threads: threads(), steps: solver.lossHistory.length, norms, first: solver.gradNormHistory[0], clipCount: solver.clipCount, params: ph }));
