// Beam search of a small seeded model on N threads: sample / sampleTopK on the calling thread
// and sampleAsync / sampleTopKAsync with the images split over the threads, plain and with the
// decoding options; prints one JSON line. Used by test/threads-beam.test.ts.
import { init, threads, CaptioningRNN, LegacyRandom, tensor, shapesData } from '../../dist/index.js';

const want = Number(process.argv[2] ?? 1);
const cellType = process.argv[3] ?? 'lstm';
const dtype = process.argv[4] ?? 'float32';
await init({ threads: want });
const data = shapesData({ numTrain: 40, numVal: 23, seed: 4 });
const model = new CaptioningRNN({ wordToIdx: data.wordToIdx, inputDim: data.valFeatures.shape[1], wordvecDim: 16, hiddenDim: 24, cellType, dtype, seed: 11 });
// larger weights than the init, and <END> likelier, so captions differ and some end early
const rng = new LegacyRandom(12);
const p = model.getParams();
for (const [name, t] of Object.entries(p)) p[name] = tensor(rng.randnArray(t.size).map((x) => x * 0.5), t.shape, dtype);
p.b_vocab.data[data.wordToIdx['<END>']] += 1.5;
model.setParams(p);
const f = data.valFeatures;
const out = { threads: threads() };
const cases = { plain: { beamSize: 3, maxLength: 9 }, options: { beamSize: 4, maxLength: 9, lengthPenalty: 1, blockRepeatNgrams: 2 } };
for (const [name, o] of Object.entries(cases)) {
  const top = model.sampleTopK(f, o), topAsync = await model.sampleTopKAsync(f, o);
  out[name] = {
    sync: model.sample(f, o).toArray(), async: (await model.sampleAsync(f, o)).toArray(),
    top: top.captions.toArray(), scores: Array.from(top.scores.data), topAsync: topAsync.captions.toArray(), scoresAsync: Array.from(topAsync.scores.data),
  };
}
console.log(JSON.stringify(out));
