// Fine-tuning a CNN jointly with the LSTM (the solver's encoder part): the same bits on 1 and 2
// threads, and a run saved to a checkpoint mid-way and resumed (CNN parameters and running
// statistics, the encoder's Adam state, the solver's state) ends with the straight run's bits.
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { CaptioningRNN, CaptioningSolver, EncoderPart, SmallCnn, Tensor, init, loadCheckpoint, saveCheckpoint, shapesData } from '../src/index.js';

const script = new URL('./shared/finetune-run.mjs', import.meta.url).pathname;
const run = (threads: number, resumeAt: number, frozen = '', concepts = '') =>
  JSON.parse(execFileSync(process.execPath, [script, String(threads), String(resumeAt), frozen, concepts], { encoding: 'utf8' }).trim().split('\n').pop()!);

describe('joint CNN + LSTM training', () => {
  it('1 and 2 threads, straight and resumed after iteration 4 (past finetuneAfter 2, between evaluations), give the same bits', () => {
    const one = run(1, 0);
    expect(one.cnn).not.toBe(run(1, 0, 'frozen').cnn); // the CNN trains: a run whose CNN never trains ends elsewhere
    expect(one.threads).toBe(1);
    expect(one.iteration).toBe(12);
    expect(one.loss.length).toBe(12);
    expect(one.valLoss.length).toBe(4);
    expect(one.valLoss[3]).toBeLessThan(one.valLoss[0]);
    for (const [t, at] of [[2, 0], [1, 4], [2, 4]]) {
      const r = run(t, at);
      expect(r.threads).toBe(t);
      expect(r, `threads ${t}, resumed at ${at}`).toEqual({ ...one, threads: t });
    }
  });
});

describe('the concept loss with a lead', () => {
  it('1 and 2 threads, straight and resumed inside the lead (3), in the frozen stretch (6) and after fine-tuning starts (10), give the same bits', () => {
    const one = run(1, 0, '', 'concepts');
    expect(one.D).toBeGreaterThan(3);
    expect(one.iteration).toBe(12);
    // the lead's losses are the CNN's concept losses, and they fall; the model's loss follows
    expect(one.loss[4]).toBeLessThan(one.loss[0]);
    expect(one.valLoss.length).toBe(3); // no evaluation during the lead (iteration 3)
    expect(one.cnn).not.toBe(run(1, 0, 'frozen', 'concepts').cnn); // fine-tuning from 8 moves the CNN past the lead's
    for (const [t, at] of [[2, 0], [1, 3], [2, 6], [1, 10]]) {
      const r = run(t, at, '', 'concepts');
      expect(r, `threads ${t}, resumed at ${at}`).toEqual({ ...one, threads: t });
    }
  });
});

describe('EncoderPart and its checkpoint', () => {
  beforeAll(() => init());
  const data = shapesData({ numTrain: 8, numVal: 4, seed: 1, imageSize: 8, captionsPerImage: 1 });
  const zeros = (n: number, D: number) => new Tensor(new Float32Array(n * D), [n, D]);
  const spec = { imageSize: 8, channels: [2], outputDim: 5, dtype: 'float32' as const, head: 'flatten' as const };
  const images = { train: data.trainImages, val: data.valImages };

  it('refuses data without an image per feature row, a CNN of another width, and the scst objective, naming the argument', () => {
    const model = new CaptioningRNN({ wordToIdx: data.wordToIdx, inputDim: 5, hiddenDim: 6, wordvecDim: 4 });
    const d = { ...data, trainFeatures: zeros(8, 5), valFeatures: zeros(4, 5) };
    expect(() => new CaptioningSolver(model, d, { encoder: new EncoderPart(new SmallCnn(spec), { train: images.train.slice(1), val: images.val }) }))
      .toThrow(/encoder.images.train.*8 images/);
    expect(() => new CaptioningSolver(model, d, { encoder: new EncoderPart(new SmallCnn({ ...spec, outputDim: 7 }), images) })).toThrow(/encoder.*outputDim 5/);
    expect(() => new CaptioningSolver(model, d, { objective: 'scst', encoder: new EncoderPart(new SmallCnn(spec), images) })).toThrow(/encoder.*'xe'/);
    expect(() => new EncoderPart(new SmallCnn(spec), images, { finetuneAfter: -2 })).toThrow(/finetuneAfter/);
    expect(() => new SmallCnn({ ...spec, imageSize: 7 })).toThrow(/spec.imageSize/);
    model.dispose();
  });

  it('restoreBest writes the CNN of the best evaluation back too (its parameters and running statistics), also after a checkpoint round trip', async () => {
    const d = { ...data, trainFeatures: zeros(8, 5), valFeatures: zeros(4, 5) };
    const model = new CaptioningRNN({ wordToIdx: data.wordToIdx, inputDim: 5, hiddenDim: 6, wordvecDim: 4, seed: 1 });
    const cnn = new SmallCnn(spec, 2);
    const snapshots = new Map<number, { model: number[]; cnn: Record<string, Float32Array | Float64Array>; val: number[] }>();
    const solver = new CaptioningSolver(model, d, {
      updateRule: 'adam', optimConfig: { learningRate: 5e-2 }, batchSize: 4, numEpochs: 40, verbose: false, evalEvery: 4, evalImages: 4, keepBest: 'valLoss',
      encoder: new EncoderPart(cnn, images, { optimConfig: { learningRate: 5e-2 } }),
      onEval: (r) => { if (r.improved) snapshots.set(r.iteration, { model: Array.from(model.params.view()), cnn: cnn.arrays(), val: Array.from(d.valFeatures.data) }); },
    });
    await solver.train();
    const h = solver.evalHistory;
    const best = h.reduce((a, r) => (r.valLoss < a.valLoss ? r : a));
    expect(best.iteration).toBeLessThan(solver.numIterations); // the last evaluation is not the best: restoring changes the CNN
    const want = snapshots.get(best.iteration)!;
    expect(cnn.arrays()).not.toEqual(want.cnn);
    const bytes = saveCheckpoint(model, solver, {}, null, cnn);
    expect(solver.restoreBest()).toBe(true);
    expect(Array.from(model.params.view())).toEqual(want.model);
    expect(cnn.arrays()).toEqual(want.cnn);
    expect(Array.from(d.valFeatures.data)).toEqual(want.val); // the val features are the best CNN's again
    // the same from the checkpoint: the best CNN travels in the solver state
    const ck = loadCheckpoint(bytes);
    const m2 = new CaptioningRNN({ wordToIdx: data.wordToIdx, inputDim: 5, hiddenDim: 6, wordvecDim: 4, seed: 1 });
    const d2 = { ...data, trainFeatures: zeros(8, 5), valFeatures: zeros(4, 5) };
    const s2 = new CaptioningSolver(m2, d2, {
      updateRule: 'adam', optimConfig: { learningRate: 5e-2 }, batchSize: 4, numEpochs: 40, verbose: false, evalEvery: 4, evalImages: 4, keepBest: 'valLoss',
      encoder: new EncoderPart(ck.encoder!, images, { optimConfig: { learningRate: 5e-2 } }),
    });
    s2.setState(ck.solverState!);
    expect(s2.restoreBest()).toBe(true);
    expect(ck.encoder!.arrays()).toEqual(want.cnn);
    // a solver without an encoder refuses a state whose best holds CNN arrays
    const plain = new CaptioningSolver(new CaptioningRNN({ wordToIdx: data.wordToIdx, inputDim: 5, hiddenDim: 6, wordvecDim: 4 }), d2,
      { updateRule: 'adam', optimConfig: { learningRate: 5e-2 }, batchSize: 4, numEpochs: 40, verbose: false, evalEvery: 4, evalImages: 4, keepBest: 'valLoss' });
    expect(() => plain.setState({ ...ck.solverState!, encoder: null })).toThrow(/state.validation.best.encoder/);
    for (const s of [solver, s2, plain]) s.dispose();
    for (const m of [model, m2, ck.model, plain.model]) m.dispose();
  });

  it('warmup scales the first steps of the CNN\'s rate: Adam\'s first step moves each weight by rate·(t+1)/warmup', () => {
    const d = { ...data, trainFeatures: zeros(8, 5), valFeatures: zeros(4, 5) };
    const firstStep = (warmup: number) => {
      const model = new CaptioningRNN({ wordToIdx: data.wordToIdx, inputDim: 5, hiddenDim: 6, wordvecDim: 4, seed: 1 });
      const cnn = new SmallCnn(spec, 2);
      const before = cnn.params['fc.w'].data.slice();
      const s = new CaptioningSolver(model, d, { updateRule: 'adam', batchSize: 4, verbose: false, encoder: new EncoderPart(cnn, images, { optimConfig: { learningRate: 1e-2 }, warmup }) });
      s.step();
      const moved = Math.max(...Array.from(cnn.params['fc.w'].data, (v, i) => Math.abs(v - before[i])));
      s.dispose();
      model.dispose();
      return moved;
    };
    expect(firstStep(0)).toBeCloseTo(1e-2, 6);
    expect(firstStep(4)).toBeCloseTo(2.5e-3, 6);
    expect(() => new EncoderPart(new SmallCnn(spec), images, { warmup: -1 })).toThrow(/encoderOptions.warmup/);
    expect(() => new EncoderPart(new SmallCnn(spec), images, { wordLoss: -1 })).toThrow(/encoderOptions.wordLoss/);
  });

  it('a checkpoint holds the CNN (parameters, running statistics) and refuses a damaged one', () => {
    const cnn = new SmallCnn(spec, 4);
    cnn.forward(new Tensor(new Float32Array(2 * 3 * 64).map((_, i) => Math.sin(i)), [2, 3, 8, 8]), 'train'); // running statistics move
    const model = new CaptioningRNN({ wordToIdx: data.wordToIdx, inputDim: 5, hiddenDim: 6, wordvecDim: 4 });
    const ck = loadCheckpoint(saveCheckpoint(model, null, {}, null, cnn));
    expect(ck.encoder!.spec).toEqual(spec);
    expect(ck.encoder!.arrays()).toEqual(cnn.arrays());
    expect(Array.from(ck.encoder!.encode(data.valImages).data)).toEqual(Array.from(cnn.encode(data.valImages).data));
    const other = new CaptioningRNN({ wordToIdx: data.wordToIdx, inputDim: 6, hiddenDim: 6, wordvecDim: 4 });
    expect(() => loadCheckpoint(saveCheckpoint(other, null, {}, null, cnn))).toThrow(/encoder outputs 5 features but the model takes 6/);
    expect(() => cnn.setArrays({ ...cnn.arrays(), 'fc.b': new Float32Array(4) })).toThrow(/arrays.fc.b/);
    model.dispose();
    other.dispose();
    ck.model.dispose();
  });
});
