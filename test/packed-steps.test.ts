// The training step runs each caption only up to its last scored step, on length-sorted rows
// packed time-major (src/model.ts splitCaptions / planStep). Checked here against the plain
// CS231n computation over all T steps, composed from the public layers: float64 loss and all
// 8 gradients agree to rounding (summation order), for batches with every kind of length —
// full, short, none scored, <NULL> holes inside a caption, ties — in any batch order.
import { beforeAll, describe, expect, it } from 'vitest';
import { CaptioningRNN, LegacyRandom, PARAM_NAMES, init, layers, tensor, type Tensor } from '../src/index.js';
import { scaleRelError } from './helpers.js';

beforeAll(() => init());

type Cell = 'rnn' | 'lstm';

/** loss and gradients of rnn.py's CaptioningRNN.loss, from the layer functions, all T steps */
function reference(model: CaptioningRNN, features: Tensor, captions: Tensor, cell: Cell) {
  const p = model.getParams();
  const [N, L] = captions.shape;
  const T = L - 1;
  const cin = new Int32Array(N * T), cout = new Int32Array(N * T), mask = new Int32Array(N * T);
  for (let n = 0; n < N; n++) for (let t = 0; t < T; t++) {
    cin[n * T + t] = captions.data[n * L + t];
    cout[n * T + t] = captions.data[n * L + t + 1];
    mask[n * T + t] = cout[n * T + t] !== 0 ? 1 : 0;
  }
  const h0 = layers.affineForward(features, p.W_proj, p.b_proj);
  const x = layers.wordEmbeddingForward(tensor(cin, [N, T], 'int32'), p.W_embed);
  const fwd = cell === 'lstm' ? layers.lstmForward : layers.rnnForward;
  const rec = fwd(x.out, h0.out, p.Wx, p.Wh, p.b);
  const sc = layers.temporalAffineForward(rec.h, p.W_vocab, p.b_vocab);
  const { loss, dx: dscores } = layers.temporalSoftmaxLoss(sc.out, tensor(cout, [N, T], 'int32'), tensor(mask, [N, T], 'int32'));
  const va = layers.temporalAffineBackward(dscores, sc.cache);
  const back = cell === 'lstm' ? layers.lstmBackward : layers.rnnBackward;
  const rb = back(va.dx, rec.cache);
  const emb = layers.wordEmbeddingBackward(rb.dx, x.cache);
  const pr = layers.affineBackward(rb.dh0, h0.cache);
  return {
    loss,
    grads: { W_proj: pr.dw, b_proj: pr.db, W_embed: emb.dW, Wx: rb.dWx, Wh: rb.dWh, b: rb.db, W_vocab: va.dw, b_vocab: va.db } as Record<string, Tensor>,
  };
}

/** captions (N, T+1): <START>, then per row a length from `lens`, words with some <NULL> holes */
function captionsWith(lens: number[], T: number, V: number, rng: LegacyRandom, holes: boolean): Tensor {
  const N = lens.length, L = T + 1;
  const c = new Int32Array(N * L);
  for (let n = 0; n < N; n++) {
    c[n * L] = 1;
    for (let t = 1; t <= lens[n]; t++) {
      const hole = holes && t < lens[n] && rng.randint(4) === 0;
      c[n * L + t] = hole ? 0 : 2 + rng.randint(V - 2);
    }
  }
  return tensor(c, [N, L], 'int32');
}

describe.each(['lstm', 'rnn'] as Cell[])('%s: the step on running rows only', (cell) => {
  const V = 11, D = 7, W = 5, H = 6, T = 9;
  const vocab = Object.fromEntries(Array.from({ length: V }, (_, i) => [['<NULL>', '<START>'][i] ?? `w${i}`, i]));
  const batches: [string, number[], boolean][] = [
    ['mixed lengths with ties', [9, 3, 0, 5, 9, 1, 5, 2], false],
    ['<NULL> holes inside captions', [8, 4, 9, 6, 2, 7], true],
    ['every row full length', [9, 9, 9, 9], false],
    ['one row, one step', [1], false],
    ['nothing scored in most rows', [0, 0, 4, 0, 0], false],
    ['nothing scored at all', [0, 0, 0], false],
  ];
  it.each(batches)('%s: loss and 8 gradients equal the all-steps computation (float64)', (_name, lens, holes) => {
    const rng = new LegacyRandom(lens.length * 7 + (holes ? 1 : 0));
    const model = new CaptioningRNN({ wordToIdx: vocab, inputDim: D, wordvecDim: W, hiddenDim: H, cellType: cell, dtype: 'float64', seed: 3 });
    // larger weights than the CS231n init, so every gradient is well away from zero
    const p = model.getParams();
    for (const name of PARAM_NAMES) p[name] = tensor(rng.randnArray(p[name].size).map((v) => v * 0.5), p[name].shape, 'float64');
    model.setParams(p);
    const N = lens.length;
    const features = tensor(rng.randnArray(N * D), [N, D], 'float64');
    const captions = captionsWith(lens, T, V, rng, holes);
    const got = model.loss(features, captions);
    const want = reference(model, features, captions, cell);
    if (want.loss === 0) expect(got.loss).toBe(0);
    else expect(Math.abs(got.loss - want.loss) / want.loss).toBeLessThan(1e-13);
    for (const name of PARAM_NAMES) {
      const err = scaleRelError(got.grads[name].data, want.grads[name].data);
      expect(err, `d${name}`).toBeLessThan(1e-12);
    }
    model.dispose();
  });

  it('the batch order changes nothing but rounding: a reversed batch gives the same loss and gradients', () => {
    const rng = new LegacyRandom(5);
    const model = new CaptioningRNN({ wordToIdx: vocab, inputDim: D, wordvecDim: W, hiddenDim: H, cellType: cell, dtype: 'float64', seed: 4 });
    const lens = [2, 9, 4, 4, 0, 7];
    const N = lens.length;
    const fa = rng.randnArray(N * D);
    const ca = captionsWith(lens, T, V, rng, true);
    const fr = new Float64Array(N * D), cr = new Int32Array(N * (T + 1));
    for (let n = 0; n < N; n++) {
      fr.set(fa.slice(n * D, (n + 1) * D), (N - 1 - n) * D);
      cr.set(ca.data.slice(n * (T + 1), (n + 1) * (T + 1)) as Int32Array, (N - 1 - n) * (T + 1));
    }
    const a = model.loss(tensor(fa, [N, D], 'float64'), ca);
    const b = model.loss(tensor(fr, [N, D], 'float64'), tensor(cr, [N, T + 1], 'int32'));
    expect(Math.abs(a.loss - b.loss) / a.loss).toBeLessThan(1e-14);
    for (const name of PARAM_NAMES) expect(scaleRelError(b.grads[name].data, a.grads[name].data), `d${name}`).toBeLessThan(1e-13);
    model.dispose();
  });
});
