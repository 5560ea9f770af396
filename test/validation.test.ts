// Validation-driven training: CaptioningSolver's evalEvery / evalImages / evalBeam / keepBest /
// patience / plateauDecay / onEval / evalExtra, the eval history in checkpoints, and that
// evaluations do not change what is trained.
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CaptioningRNN, CaptioningSolver, PARAM_NAMES, RecapError, decodeCaptions, evaluateCaptions, init, loadCheckpoint, saveCheckpoint,
  shapesData, tensor, type EvalRecord, type SolverOptions,
} from '../src/index.js';

beforeAll(() => init());

const data = shapesData({ numTrain: 60, numVal: 12, seed: 3 });
const model = () => new CaptioningRNN({ wordToIdx: data.wordToIdx, inputDim: data.trainFeatures.shape[1], wordvecDim: 16, hiddenDim: 24, cellType: 'lstm', seed: 5 });
const base: SolverOptions = { updateRule: 'adam', optimConfig: { learningRate: 5e-3 }, batchSize: 25, numEpochs: 4, verbose: false, seed: 2 };
const bits = (m: CaptioningRNN) => Object.fromEntries(PARAM_NAMES.map((n) => [n, Array.from(m.getParams()[n].data)]));

/** The val captions of the first `n` val images (ascending) as evaluateCaptions references. */
function references(n: number): { images: number[]; refs: Record<string, string[]> } {
  const idxs = Array.from(data.valImageIdxs.data);
  const images = [...new Set(idxs)].sort((a, b) => a - b).slice(0, n);
  const decoded = decodeCaptions(data.valCaptions, data.idxToWord) as string[];
  const refs: Record<string, string[]> = {};
  idxs.forEach((img, r) => { if (images.includes(img)) (refs[img] ??= []).push(decoded[r]); });
  return { images, refs };
}

describe('CaptioningSolver validation', () => {
  it('evaluates every evalEvery iterations and after the last, with the metrics of the model at that point', async () => {
    const m = model();
    const seen: EvalRecord[] = [];
    const s = new CaptioningSolver(m, data, { ...base, numEpochs: 1, evalEvery: 5, evalImages: 8, onEval: (r) => seen.push(r) });
    await s.train();
    const its = s.evalHistory.map((r) => r.iteration);
    const expected = [];
    for (let t = 5; t <= s.numIterations; t += 5) expected.push(t);
    if (expected.at(-1) !== s.numIterations) expected.push(s.numIterations);
    expect(its).toEqual(expected);
    expect(seen).toEqual(s.evalHistory);
    // the last record scores the final model: recompute independently
    const { images, refs } = references(8);
    const D = data.valFeatures.shape[1];
    const feats = tensor(images.flatMap((i) => Array.from(data.valFeatures.data.subarray(i * D, (i + 1) * D))), [images.length, D]);
    const caps = decodeCaptions(m.sample(feats, { maxLength: data.trainCaptions.shape[1] - 1 }), data.idxToWord) as string[];
    const cands = Object.fromEntries(images.map((img, i) => [img, caps[i]]));
    const e = evaluateCaptions(cands, refs);
    const last = s.evalHistory.at(-1)!;
    expect(last.images).toBe(8);
    expect(last.bleu).toEqual(e.bleu);
    expect(last.cider).toBe(e.cider);
    expect(last.rougeL).toBe(e.rougeL);
    expect(Number.isFinite(last.valLoss) && last.valLoss > 0).toBe(true);
    s.dispose();
    m.dispose();
  });

  it('does not change what is trained (same loss history and parameters as without evaluations)', async () => {
    const m1 = model(), m2 = model();
    const s1 = new CaptioningSolver(m1, data, base);
    const s2 = new CaptioningSolver(m2, data, { ...base, evalEvery: 2, evalImages: 6, evalBeam: 2 });
    expect(await s2.train()).toEqual(await s1.train());
    expect(bits(m2)).toEqual(bits(m1));
    expect(s2.evalHistory.length).toBeGreaterThan(0);
    for (const x of [s1, s2]) x.dispose();
    for (const x of [m1, m2]) x.dispose();
  });

  it('keeps the parameters of the best evaluation by keepBest, and restoreBest writes them', async () => {
    const m = model();
    const snapshots = new Map<number, ReturnType<typeof bits>>();
    const s = new CaptioningSolver(m, data, {
      ...base, evalEvery: 2, evalImages: 12, keepBest: 'valLoss',
      onEval: (r) => { if (r.improved) snapshots.set(r.iteration, bits(m)); },
    });
    await s.train();
    const h = s.evalHistory;
    const bestLoss = Math.min(...h.map((r) => r.valLoss));
    const best = h.find((r) => r.valLoss === bestLoss)!;
    expect(best.improved).toBe(true);
    expect(h.filter((r) => r.improved).every((r, i, a) => i === 0 || r.valLoss < a[i - 1].valLoss)).toBe(true);
    expect(s.restoreBest()).toBe(true);
    expect(bits(m)).toEqual(snapshots.get(best.iteration));
    s.dispose();
    m.dispose();
  });

  it('stops after patience evaluations without a new best, and decays the learning rate on a plateau', async () => {
    const m = model();
    // learning rate 0: nothing changes, so only the first evaluation improves
    const s = new CaptioningSolver(m, data, { ...base, optimConfig: { learningRate: 0 }, evalEvery: 2, evalImages: 4, patience: 2 });
    await s.train();
    expect(s.stoppedEarly).toBe(true);
    expect(s.evalHistory.map((r) => [r.iteration, r.improved])).toEqual([[2, true], [4, false], [6, false]]);
    expect(s.iteration).toBe(6);
    await s.train(); // a stopped run stays stopped
    expect(s.iteration).toBe(6);
    s.dispose();
    const d = new CaptioningSolver(m, data, { ...base, optimConfig: { learningRate: 1e-20 }, evalEvery: 3, evalImages: 4, plateauDecay: 0.5 });
    await d.train();
    const lrs = d.evalHistory.map((r) => r.learningRate);
    expect(lrs[0]).toBe(1e-20);
    for (let i = 1; i < lrs.length; i++) expect(lrs[i]).toBe(lrs[i - 1] * 0.5);
    d.dispose();
    m.dispose();
  });

  it('passes the captions to evalExtra and stores what it returns', async () => {
    const m = model();
    const calls: Array<[string[], number[]]> = [];
    const s = new CaptioningSolver(m, data, {
      ...base, numEpochs: 1, evalEvery: 100, evalImages: 5,
      evalExtra: (caps, imgs) => { calls.push([caps, Array.from(imgs)]); return { words: caps.join(' ').split(' ').length }; },
    });
    await s.train();
    expect(calls.length).toBe(1);
    expect(calls[0][1]).toEqual(references(5).images);
    expect(calls[0][0].every((c) => !c.includes('<START>') && !c.includes('<END>') && !c.includes('<NULL>'))).toBe(true);
    expect(s.evalHistory[0].extra).toEqual({ words: calls[0][0].join(' ').split(' ').length });
    s.dispose();
    m.dispose();
  });

  it('carries the eval history and best parameters in checkpoints; resume is bit-identical', async () => {
    const opts: SolverOptions = { ...base, evalEvery: 2, evalImages: 6, patience: 3, plateauDecay: 0.7 };
    const m1 = model();
    const s1 = new CaptioningSolver(m1, data, opts);
    await s1.train();
    const m2 = model();
    const ctl = new AbortController();
    const s2 = new CaptioningSolver(m2, data, { ...opts, signal: ctl.signal, onStep: (i) => i.iteration === 4 && ctl.abort() });
    await s2.train();
    expect(s2.evalHistory.length).toBe(2);
    const ck = loadCheckpoint(saveCheckpoint(m2, s2), { wordToIdx: data.wordToIdx });
    const s3 = new CaptioningSolver(ck.model, data, opts);
    s3.setState(ck.solverState!);
    expect(s3.evalHistory).toEqual(s2.evalHistory);
    await s3.train();
    expect(s3.evalHistory).toEqual(s1.evalHistory);
    expect(bits(ck.model)).toEqual(bits(m1));
    expect(s3.restoreBest() && s1.restoreBest()).toBe(true);
    expect(bits(ck.model)).toEqual(bits(m1));
    expect(Array.from(saveCheckpoint(ck.model, s3))).toEqual(Array.from(saveCheckpoint(m1, s1)));
    // a solver without evalEvery refuses a state with an eval history
    const plain = new CaptioningSolver(model(), data, base);
    expect(() => plain.setState(ck.solverState!)).toThrow(RecapError);
    for (const x of [s1, s2, s3, plain]) x.dispose();
    for (const x of [m1, m2, ck.model, plain.model]) x.dispose();
  });

  it('refuses bad validation options with RecapError before training', () => {
    const m = model();
    for (const bad of [{ evalEvery: 0 }, { evalEvery: 1.5 }, { evalEvery: 2, keepBest: 'meteor' }, { evalEvery: 2, patience: 0 },
      { evalEvery: 2, plateauDecay: 1.5 }, { evalEvery: 2, plateauDecay: 0 }, { evalEvery: 2, evalImages: 0 }, { evalEvery: 2, evalBeam: 0 },
      { evalEvery: 2, onEval: 3 }, { patience: 2 }, { keepBest: 'cider' }]) {
      expect(() => new CaptioningSolver(m, data, { ...base, ...(bad as SolverOptions) }), JSON.stringify(bad)).toThrow(RecapError);
    }
    const noVal = { ...data, valCaptions: undefined, valImageIdxs: undefined, valFeatures: undefined } as never;
    expect(() => new CaptioningSolver(m, noVal, { ...base, evalEvery: 2 })).toThrow(/valCaptions/);
    m.dispose();
  });
});

describe('validation and threads', () => {
  const script = new URL('./shared/validation-run.mjs', import.meta.url).pathname;
  const run = (threads: number) => JSON.parse(execFileSync(process.execPath, [script, String(threads)], { encoding: 'utf8' }).trim().split('\n').pop()!);
  it('gives the same eval history, final and best parameters on 1 and 2 threads', () => {
    const one = run(1), two = run(2);
    expect([one.threads, two.threads]).toEqual([1, 2]);
    expect(one.history.length).toBe(5); // 24 iterations: at 5, 10, 15, 20, 24
    expect(two.history).toEqual(one.history);
    expect(two.final).toBe(one.final);
    expect(two.best).toBe(one.best);
  });
});
