// Greedy captions of a small seeded model on N threads, from sample() and sampleAsync(); prints
// one JSON line with both (as arrays) and the thread count. Used by test/threads-sample.test.ts.
import { init, threads, CaptioningRNN, shapesData } from '../../dist/index.js';

const want = Number(process.argv[2] ?? 1);
const cellType = process.argv[3] ?? 'lstm';
const dtype = process.argv[4] ?? 'float32';
await init({ threads: want });
const data = shapesData({ numTrain: 40, numVal: 23, seed: 4 });
const make = () => new CaptioningRNN({ wordToIdx: data.wordToIdx, inputDim: data.valFeatures.shape[1], wordvecDim: 16, hiddenDim: 24, cellType, dtype, seed: 11 });
// a model whose first call is sampleAsync: its folded W_embed·Wx table is built on the threads
const parFirst = await make().sampleAsync(data.valFeatures, { maxLength: 9 });
const model = make();
const sync = model.sample(data.valFeatures, { maxLength: 9 });
const par = await model.sampleAsync(data.valFeatures, { maxLength: 9 });
const again = await model.sampleAsync(data.valFeatures, { maxLength: 5 }); // a shorter run reuses the buffers
console.log(JSON.stringify({ threads: threads(), sync: sync.toArray(), par: par.toArray(), parFirst: parFirst.toArray(), again: again.toArray() }));
