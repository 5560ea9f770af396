// A seeded training run on N threads; prints a JSON line with hashes of the loss history and
// the final parameters (FNV-1a over the bytes). Used by test/threads.test.ts.
import { init, threads, CaptioningRNN, CaptioningSolver, shapesData } from '../../dist/index.js';

const want = Number(process.argv[2] ?? 1);
const cellType = process.argv[3] ?? 'lstm';
const dtype = process.argv[4] ?? 'float32';
await init({ threads: want });
const data = shapesData({ numTrain: 60, numVal: 5, seed: 3 });
const model = new CaptioningRNN({ wordToIdx: data.wordToIdx, inputDim: data.trainFeatures.shape[1], wordvecDim: 24, hiddenDim: 32, cellType, dtype, seed: 5 });
const solver = new CaptioningSolver(model, data, { updateRule: 'adam', optimConfig: { learningRate: 1e-2 }, batchSize: 25, numEpochs: 2, verbose: false, seed: 9 });
const history = await solver.train();
function fnv(bytes, h = 0x811c9dc5) {
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return h;
}
let ph = 0x811c9dc5;
for (const t of Object.values(model.getParams())) ph = fnv(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), ph);
const lh = fnv(new Uint8Array(Float64Array.from(history).buffer));
console.log(JSON.stringify({ threads: threads(), steps: history.length, last: history[history.length - 1], params: ph, losses: lh }));
