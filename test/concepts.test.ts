// The concept loss (src/train/concept-head.ts): the concepts of a caption set and each image's
// yes / no / left-out targets, its gradient on the CNN's logits against centred differences in
// float64, the sigmoid layer (layers.sigmoidForward / sigmoidBackward) and SmallCnn's σ output
// through the reference and the planned path (CnnPlan), and the refusals.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CaptioningRNN, CaptioningSolver, EncoderPart, LegacyRandom, SmallCnn, Tensor, captionConcepts, conceptCount, conceptLoss, evalNumericalGradient, evalNumericalGradientArray, init, layers, relError,
  shapesData,
} from '../src/index.js';
import type { CaptionData } from '../src/data/types.js';
import { CnnPlan } from '../src/nn/cnn-plan.js';
import { MIN_CONCEPT_IMAGES } from '../src/train/concept-head.js';
import { GRAD_LIMIT } from './helpers.js';

beforeAll(() => init());

const VOCAB = ['<NULL>', '<START>', '<END>', '<UNK>', 'a', 'red', 'circle', 'blue', 'square', 'big', 'large'];
const ID = Object.fromEntries(VOCAB.map((w, i) => [w, i]));

/** CaptionData of `captions[i]` (word lists) for image i, rows of length 8. */
function captionData(captions: string[][][]): CaptionData {
  const L = 8;
  const rows = captions.flat();
  const caps = new Int32Array(rows.length * L);
  rows.forEach((words, r) => {
    caps[r * L] = ID['<START>'];
    words.forEach((w, t) => (caps[r * L + 1 + t] = ID[w]));
    caps[r * L + 1 + words.length] = ID['<END>'];
  });
  const idxs = Int32Array.from(captions.flatMap((c, i) => c.map(() => i)));
  const f = (n: number) => new Tensor(new Float32Array(n), [n, 1]);
  return {
    trainCaptions: new Tensor(caps, [rows.length, L]), trainImageIdxs: new Tensor(idxs, [rows.length]), trainFeatures: f(captions.length),
    valCaptions: new Tensor(caps.slice(0, L), [1, L]), valImageIdxs: new Tensor(new Int32Array(1), [1]), valFeatures: f(1),
    idxToWord: [...VOCAB], wordToIdx: { ...ID },
  };
}

const SPECIAL = new Set([0, 1, 2]);
const name = (words: Int32Array, k: number) => VOCAB[words[2 * k]] + (words[2 * k + 1] >= 0 ? ` ${VOCAB[words[2 * k + 1]]}` : '');

describe('captionConcepts', () => {
  // 6 images, 2 captions each: "red circle" in both captions of 5 images (a yes 5 times: kept);
  // "blue square" in one of 2 captions (half: a yes) of 4 images and both of 1 (kept); "big" a yes
  // in 4 images only (dropped)
  const images = [
    ...Array.from({ length: 4 }, () => [['a', 'big', 'red', 'circle'], ['a', 'large', 'red', 'circle', 'a', 'blue', 'square']]),
    [['a', 'red', 'circle'], ['red', 'circle']],
    [['a', 'blue', 'square'], ['a', 'blue', 'square']],
  ];
  const data = captionData(images);
  const c = captionConcepts(data, SPECIAL);
  const names = Array.from({ length: c.words.length / 2 }, (_, k) => name(c.words, k));

  it('keeps the words and neighbour pairs that half of the captions of at least MIN_CONCEPT_IMAGES images hold, in key order', () => {
    expect(MIN_CONCEPT_IMAGES).toBe(5);
    // "a": a yes for all 6; "red", "circle", "red circle": 5; "blue", "square", "blue square", "a blue": images 0-3 (1 of 2) and 5;
    // "a red" (image 4 only), "big", "large", "a big", "circle a" (images 0-3): dropped
    expect(names).toEqual(['a', 'a blue', 'red', 'red circle', 'circle', 'blue', 'blue square', 'square']);
    expect(conceptCount(data)).toBe(8);
  });

  it("lists each image's concepts with how many of its captions hold each; gradient: yes 1, none 0, fewer than half left out", () => {
    expect(Array.from(c.captions)).toEqual([2, 2, 2, 2, 2, 2]);
    const of = (i: number) => Object.fromEntries(Array.from(c.targets.subarray(c.offsets[i], c.offsets[i + 1]), (k, j) => [names[k], c.counts[c.offsets[i] + j]]));
    expect(of(4)).toEqual({ a: 1, red: 2, 'red circle': 2, circle: 2 });
    const K = names.length;
    const z = new Tensor(new Float64Array(2 * K).fill(Math.log(1 / 3)), [2, K]); // σ(z) = 0.25
    const d = conceptLoss(z, [4, 5], c, 2).dlogits;
    // image 4: every concept it holds is in at least one of its 2 captions (half): yes → 2·(0.25 − 1)/2; the rest no → 2·0.25/2
    for (let k = 0; k < K; k++) expect(d.data[k], names[k]).toBeCloseTo(['a', 'red', 'red circle', 'circle'].includes(names[k]) ? -0.75 : 0.25, 15);
    // a 3-caption image whose concept is in 1 of 3 is left out: gradient 0 whatever p
    const three = captionConcepts(captionData([...images.slice(0, 5), [['a', 'red', 'circle'], ['a', 'blue', 'square'], ['a', 'blue', 'square']]]), SPECIAL);
    const n3 = Array.from({ length: three.words.length / 2 }, (_, k) => name(three.words, k));
    const d3 = conceptLoss(new Tensor(new Float64Array(n3.length), [1, n3.length]), [5], three).dlogits;
    expect(d3.data[n3.indexOf('red')]).toBe(0);
    expect(d3.data[n3.indexOf('a')]).toBe(-0.5);
  });

  it('is weight·Σ mask·BCE(σ(z), y) / N, and its gradient matches centred differences (float64)', () => {
    const rng = new LegacyRandom(5);
    const K = names.length, N = 3;
    const z = new Tensor(rng.randnArray(N * K).map((v) => 2 * v), [N, K]);
    const imgs = [0, 4, 5];
    const yOf = (n: number, k: number) => {
      const i = imgs[n];
      for (let j = c.offsets[i]; j < c.offsets[i + 1]; j++) if (c.targets[j] === k) return 2 * c.counts[j] >= c.captions[i] ? 1 : -1;
      return 0;
    };
    const loss = () => {
      let s = 0;
      for (let n = 0; n < N; n++) {
        for (let k = 0; k < K; k++) {
          const y = yOf(n, k), p = 1 / (1 + Math.exp(-z.data[n * K + k]));
          if (y >= 0) s -= y ? Math.log(p) : Math.log(1 - p);
        }
      }
      return (3 * s) / N;
    };
    const r = conceptLoss(z, imgs, c, 3);
    expect(r.loss).toBeCloseTo(loss(), 12);
    expect(relError(r.dlogits, evalNumericalGradient(() => conceptLoss(z, imgs, c, 3).loss, z, 1e-5, { order: 4 }))).toBeLessThan(GRAD_LIMIT);
    expect(relError(r.dlogits, evalNumericalGradient(loss, z, 1e-5, { order: 4 }))).toBeLessThan(GRAD_LIMIT);
  });

  it('refuses logits of another width and a wrong number of images, naming the argument', () => {
    const K = names.length;
    expect(() => conceptLoss(new Tensor(new Float32Array(K + 1), [1, K + 1]), [0], c)).toThrow(/logits.*8 columns/);
    expect(() => conceptLoss(new Tensor(new Float32Array(2 * K), [2, K]), [0], c)).toThrow(/images.*2 image indices/);
    expect(() => conceptLoss(new Tensor(new Float32Array(K), [1, K]), [6], c)).toThrow(/images\[0\]/);
  });

  it('the shapes world: every colour-shape pair is a concept (the pairs the captions bind)', () => {
    const shapes = shapesData({ numTrain: 400, numVal: 2 });
    const s = captionConcepts(shapes, SPECIAL);
    const all = Array.from({ length: s.words.length / 2 }, (_, k) => shapes.idxToWord[s.words[2 * k]] + (s.words[2 * k + 1] >= 0 ? ` ${shapes.idxToWord[s.words[2 * k + 1]]}` : ''));
    for (const colour of ['red', 'green', 'blue', 'yellow', 'purple']) for (const shape of ['circle', 'square', 'triangle', 'diamond', 'cross']) expect(all).toContain(`${colour} ${shape}`);
  });
});

describe('the sigmoid layer', () => {
  it('forward is 1 / (1 + exp(−x)) to rounding (float64, saturated tails too); backward matches centred differences', () => {
    const x = new Tensor(Float64Array.from([-40, -3.5, -1e-3, 0, 2e-3, 0.7, 5, 40, 745]), [3, 3]);
    const { out, cache } = layers.sigmoidForward(x);
    x.data.forEach((v, i) => expect(Math.abs(out.data[i] - 1 / (1 + Math.exp(-v)))).toBeLessThan(1e-16));
    const rng = new LegacyRandom(6);
    const xs = new Tensor(rng.randnArray(12).map((v) => 3 * v), [3, 4]);
    const dout = new Tensor(rng.randnArray(12), [3, 4]);
    const { dx } = layers.sigmoidBackward(dout, layers.sigmoidForward(xs).cache);
    expect(relError(dx, evalNumericalGradientArray(() => layers.sigmoidForward(xs).out, xs, dout, 1e-5, { order: 4 }))).toBeLessThan(GRAD_LIMIT);
    expect(() => layers.sigmoidBackward(new Tensor(new Float64Array(8), [2, 4]), cache)).toThrow(/dout/);
    expect(() => layers.sigmoidBackward(dout, layers.reluForward(xs).cache)).toThrow(/cache.*sigmoidForward/);
  });
});

describe("SmallCnn output 'sigmoid'", () => {
  const data = shapesData({ numTrain: 12, numVal: 2, seed: 4, imageSize: 8, captionsPerImage: 1 });
  const spec = { imageSize: 8, channels: [3, 4], outputDim: 5, dtype: 'float64' as const, head: 'max' as const, output: 'sigmoid' as const };
  const input = (n: number) => {
    const x = new Tensor(new Float64Array(n * 3 * 64), [n, 3, 8, 8]);
    data.trainImages.slice(0, n).forEach((im, i) => { for (let p = 0; p < 64; p++) for (let ch = 0; ch < 3; ch++) x.data[(i * 3 + ch) * 64 + p] = (im.data[p * 4 + ch] - 127.5) / 127.5; });
    return x;
  };

  it('features are σ of the affine; dout on them and dlogits on the logits reach the parameters as centred differences say (float64)', () => {
    const cnn = new SmallCnn(spec, 7);
    const x = input(4);
    const rng = new LegacyRandom(8);
    const dout = new Tensor(rng.randnArray(20), [4, 5]), dlogits = new Tensor(rng.randnArray(20), [4, 5]);
    // L = Σ dout·p + Σ dlogits·z, z = log(p / (1 − p)) the logits; batchnorm in test mode so each image is its own
    const loss = () => {
      const p = cnn.forward(x, 'test').out.data;
      let s = 0;
      for (let i = 0; i < 20; i++) s += dout.data[i] * p[i] + dlogits.data[i] * Math.log(p[i] / (1 - p[i]));
      return s;
    };
    const { out, caches } = cnn.forward(x, 'test');
    for (const v of out.data) expect(v > 0 && v < 1).toBe(true);
    const grads = cnn.backward(dout, caches, dlogits);
    for (const k of ['fc.w', 'fc.b', 'conv1.w', 'bn0.gamma']) expect(relError(grads[k], evalNumericalGradient(loss, cnn.params[k], 1e-5, { order: 4 })), k).toBeLessThan(GRAD_LIMIT);
    expect(() => new SmallCnn({ ...spec, output: 'linear' }).backward(dout, new SmallCnn({ ...spec, output: 'linear' }).forward(x, 'test').caches, dlogits)).toThrow(/dlogits.*'sigmoid'/);
    expect(() => new SmallCnn({ ...spec, output: 'softmax' as never })).toThrow(/spec.output/);
  });

  it('CnnPlan has the reference bits: features, running statistics, and gradients with dlogits (up to the chunked sums)', () => {
    const ref = new SmallCnn(spec, 3), fast = new SmallCnn(spec, 3);
    const plan = new CnnPlan(fast);
    const ims = data.trainImages.slice(0, 11);
    const r = ref.forward(input(11), 'train');
    expect(Array.from(plan.forward(ims, 'train').data)).toEqual(Array.from(r.out.data));
    expect(fast.arrays()).toEqual(ref.arrays());
    const dout = new Tensor(new Float64Array(55).map((_, i) => Math.sin(i + 1)), [11, 5]);
    const dlogits = new Tensor(new Float64Array(55).map((_, i) => Math.cos(i)), [11, 5]);
    const gr = ref.backward(dout, r.caches, dlogits), gp = plan.backward(dout, dlogits);
    expect(Array.from(gp['fc.w'].data)).toEqual(Array.from(gr['fc.w'].data));
    for (const k of Object.keys(gr)) if (!(k.startsWith('conv') && k.endsWith('.b'))) expect(relError(gp[k], gr[k]), k).toBeLessThan(1e-12);
    plan.forward(ims, 'train');
    expect(() => plan.backward(dout, new Tensor(new Float64Array(10), [2, 5]))).toThrow(/dlogits/);
    const linear = new CnnPlan(new SmallCnn({ ...spec, output: 'linear' }, 3));
    linear.forward(ims, 'train');
    expect(() => linear.backward(dout, dlogits)).toThrow(/dlogits.*'sigmoid'/);
    plan.dispose();
    linear.dispose();
  });
});

describe('EncoderPart with the concept loss', () => {
  it("refuses a lead without the concept loss, and a CNN without a σ output of one feature per concept, naming the argument", () => {
    const data = shapesData({ numTrain: 40, numVal: 4, seed: 1, imageSize: 8, captionsPerImage: 3 });
    const K = conceptCount(data);
    expect(K).toBeGreaterThan(5);
    const images = { train: data.trainImages, val: data.valImages };
    const spec = { imageSize: 8, channels: [2], outputDim: K, dtype: 'float32' as const, head: 'max' as const, output: 'sigmoid' as const };
    const withD = (D: number) => ({ ...data, trainFeatures: new Tensor(new Float32Array(40 * D), [40, D]), valFeatures: new Tensor(new Float32Array(4 * D), [4, D]) });
    const model = (D: number) => new CaptioningRNN({ wordToIdx: data.wordToIdx, inputDim: D, hiddenDim: 6, wordvecDim: 4 });
    expect(() => new EncoderPart(new SmallCnn(spec), images, { lead: 3 })).toThrow(/encoderOptions.lead.*concept loss/);
    expect(() => new EncoderPart(new SmallCnn(spec), images, { conceptLoss: -1 })).toThrow(/encoderOptions.conceptLoss/);
    const m1 = model(K);
    expect(() => new CaptioningSolver(m1, withD(K), { encoder: new EncoderPart(new SmallCnn({ ...spec, output: 'linear' }), images, { conceptLoss: 1 }) })).toThrow(/encoder.*'sigmoid' and outputDim/);
    const m2 = model(K + 1);
    expect(() => new CaptioningSolver(m2, withD(K + 1), { encoder: new EncoderPart(new SmallCnn({ ...spec, outputDim: K + 1 }), images, { conceptLoss: 1 }) })).toThrow(new RegExp(`encoder.*outputDim ${K}`));
    const m3 = model(K);
    const ok = new CaptioningSolver(m3, withD(K), { encoder: new EncoderPart(new SmallCnn(spec), images, { conceptLoss: 1, lead: 2 }), verbose: false });
    expect(ok.getState().encoder).toMatchObject({ conceptLoss: 1, lead: 2 });
    for (const m of [m1, m2, m3]) m.dispose();
  });
});
