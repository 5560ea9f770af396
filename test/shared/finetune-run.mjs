// A tiny CNN + LSTM fine-tuned jointly (the solver's encoder part, with a warm-up and the word loss; or, with
// argument 5 'concepts', a σ-output CNN trained alone on the concept loss for 5 lead iterations, then frozen
// (its features read from the data), then fine-tuned from iteration 8 with the concept loss too) on N threads, optionally
// stopped after `resumeAt` iterations, saved to checkpoint bytes, loaded into a fresh model,
// CNN, encoder part and solver, and continued. Prints one JSON line: the thread count, the loss
// history, the validation history's losses, and CRC-32s of the final model and CNN parameters.
// Used by test/finetune.test.ts.
import { init, threads, CaptioningRNN, CaptioningSolver, EncoderPart, SmallCnn, Tensor, conceptCount, crc32, loadCheckpoint, saveCheckpoint, shapesData } from '../../dist/index.js';

const want = Number(process.argv[2] ?? 1);
const resumeAt = Number(process.argv[3] ?? 0);
await init({ threads: want });
const data = shapesData({ numTrain: 24, numVal: 6, seed: 3, imageSize: 16, captionsPerImage: 2 });
const concepts = process.argv[5] === 'concepts';
const D = concepts ? conceptCount(data) : 12;
const zeros = (n) => new Tensor(new Float32Array(n * D), [n, D]);
const d = { ...data, trainFeatures: zeros(24), valFeatures: zeros(6) };
const images = { train: data.trainImages, val: data.valImages };
// a warm-up and the word loss too (their state travels in the checkpoint; the word head's gradient joins the CNN's)
const partOptions = concepts
  ? { optimConfig: { learningRate: 2e-3 }, finetuneAfter: process.argv[4] === 'frozen' ? -1 : 8, conceptLoss: 2, lead: 5 }
  : { optimConfig: { learningRate: 2e-3 }, finetuneAfter: process.argv[4] === 'frozen' ? -1 : 2, warmup: 3, wordLoss: 0.5 };
const solverOptions = { updateRule: 'adam', optimConfig: { learningRate: 5e-3 }, lrDecay: 0.9, batchSize: 12, numEpochs: 3, verbose: false, evalEvery: 3, evalImages: 6 };
// the first part stops (its signal aborted) once `resumeAt` iterations have run
const stop = new AbortController();
const onStep = (info) => { if (resumeAt > 0 && info.iteration + 1 >= resumeAt) stop.abort(); };
const make = (cnn, first) => {
  const model = new CaptioningRNN({ wordToIdx: d.wordToIdx, inputDim: D, wordvecDim: 8, hiddenDim: 16, cellType: 'lstm', seed: 2 });
  const solver = new CaptioningSolver(model, d, { ...solverOptions, ...(first ? { signal: stop.signal, onStep } : {}), encoder: new EncoderPart(cnn, images, partOptions) });
  return { model, solver, cnn };
};
let run = make(new SmallCnn({ imageSize: 16, channels: [4, 6], outputDim: D, dtype: 'float32', ...(concepts ? { head: 'max', output: 'sigmoid' } : {}) }, 9), true);
if (resumeAt > 0) {
  await run.solver.train();
  if (run.solver.iteration !== resumeAt) throw new Error(`stopped at ${run.solver.iteration}`);
  const bytes = saveCheckpoint(run.model, run.solver, {}, null, run.cnn);
  run.model.dispose();
  const ck = loadCheckpoint(bytes);
  const next = make(ck.encoder, false);
  next.model.setParams(ck.model.getParams());
  next.solver.setState(ck.solverState);
  run = next;
}
await run.solver.train();
const bytesOf = (arrays) => new Uint8Array(Float32Array.from(Object.values(arrays).flatMap((a) => Array.from(a.data ?? a))).buffer);
console.log(JSON.stringify({
  threads: threads(), iteration: run.solver.iteration, loss: run.solver.lossHistory,
  valLoss: run.solver.evalHistory.map((r) => r.valLoss),
  model: crc32(bytesOf(run.model.getParams())), cnn: crc32(bytesOf(run.cnn.arrays())), D,
}));
