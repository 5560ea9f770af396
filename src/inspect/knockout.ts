// knockout: what each part of the model is worth — the validation loss and scene accuracy with
// one component forced, each on a copy of the model (the model itself is not touched):
//   f, i, o  the LSTM gate ≡ 1: its columns of Wx and Wh set to 0 and its bias to FORCE_PREACTIVATION,
//            so a = 1e4 exactly and σ(a) = 1/(1 + e^(−1e4)) = 1 exactly in float32 and float64
//   h0       the initial state 0 (W_proj = 0, b_proj = 0)
//   features the image features 0 (h0 = b_proj)
// 'none' (always the first row) runs the same loss, so it is the model's loss bit for bit.
import { fail } from '../core/errors.js';
import { Tensor, allocTyped, checkTensor } from '../core/tensor.js';
import { decodeCaptions } from '../data/captions.js';
import type { Scene } from '../data/shapes-base.js';
import { stripSpecialTokens } from '../eval/bleu.js';
import { sceneAccuracy } from '../eval/scene.js';
import { CaptioningRNN, type ParamName } from '../model/captioning-rnn.js';

export const KNOCKOUT_COMPONENTS = ['f', 'i', 'o', 'h0', 'features'] as const;
export type KnockoutComponent = (typeof KNOCKOUT_COMPONENTS)[number];
const GATE_INDEX: Partial<Record<string, number>> = { i: 0, f: 1, o: 2 };
/** The pre-activation a forced gate gets: σ(1e4) rounds to exactly 1. */
const FORCE_PREACTIVATION = 1e4;

export interface KnockoutData {
  /** (N,D) one row per caption, and the captions (N,T+1): the loss. */
  features: Tensor;
  captions: Tensor;
  /** Shapes world: features (M,D) of M images and their scenes: greedy captions' scene accuracy. */
  images?: { features: Tensor; scenes: readonly Scene[] };
}

export interface KnockoutOptions {
  /** Default: every component the cell has (f, i, o for an LSTM, then h0 and features). */
  components?: readonly KnockoutComponent[];
  /** Greedy caption length for the scene accuracy (default 16). */
  maxLength?: number;
}

export interface KnockoutRow {
  component: 'none' | KnockoutComponent;
  /** The CS231n loss (mean over captions of the summed −log p). */
  loss: number;
  /** Fraction of images whose greedy caption names the scene exactly (null without images). */
  sceneAccuracy: number | null;
}

function zeros(t: Tensor): Tensor {
  return new Tensor(allocTyped(t.dtype, t.size), t.shape);
}

/** The model's parameters with `component` forced. */
function forcedParams(model: CaptioningRNN, component: 'none' | KnockoutComponent): Record<ParamName, Tensor> {
  const p = model.getParams();
  const gate = GATE_INDEX[component];
  if (gate !== undefined) {
    const H = model.config.hiddenDim, G = 4 * H;
    for (const name of ['Wx', 'Wh'] as const) {
      const rows = p[name].shape[0];
      for (let r = 0; r < rows; r++) p[name].data.fill(0, r * G + gate * H, r * G + (gate + 1) * H);
    }
    p.b.data.fill(FORCE_PREACTIVATION, gate * H, (gate + 1) * H);
  }
  if (component === 'h0') {
    p.W_proj.data.fill(0);
    p.b_proj.data.fill(0);
  }
  return p;
}

export function knockout(model: CaptioningRNN, data: KnockoutData, options: KnockoutOptions = {}): KnockoutRow[] {
  if (!(model instanceof CaptioningRNN)) fail('model', 'a CaptioningRNN', typeof model);
  if (!data || typeof data !== 'object') fail('data', '{ features, captions, images? }', data);
  model.checkBatch(data.features, data.captions);
  const lstm = model.config.cellType === 'lstm';
  const components = options?.components ?? KNOCKOUT_COMPONENTS.filter((c) => lstm || GATE_INDEX[c] === undefined);
  if (!Array.isArray(components)) fail('options.components', `an array of ${KNOCKOUT_COMPONENTS.join(', ')}`, components);
  for (const c of components) {
    if (!(KNOCKOUT_COMPONENTS as readonly string[]).includes(c)) fail('options.components', `names among ${KNOCKOUT_COMPONENTS.join(', ')}`, c);
    if (!lstm && GATE_INDEX[c] !== undefined) fail('options.components', `h0 or features for an rnn model (gate ${c} is an lstm's)`, c);
  }
  const images = data.images;
  if (images) {
    checkTensor('data.images.features', images.features);
    if (!Array.isArray(images.scenes) || images.scenes.length !== images.features.shape[0]) {
      fail('data.images.scenes', `${images.features.shape[0]} scenes (one per feature row)`, Array.isArray(images.scenes) ? images.scenes.length : typeof images.scenes);
    }
  }
  const maxLength = options?.maxLength ?? 16;
  const rows: KnockoutRow[] = [];
  for (const component of ['none', ...components] as const) {
    const copy = new CaptioningRNN({ wordToIdx: model.wordToIdx, ...model.config });
    try {
      copy.setParams(forcedParams(model, component));
      const feats = component === 'features' ? zeros(data.features) : data.features;
      const loss = copy.loss(feats, data.captions).loss;
      let acc: number | null = null;
      if (images) {
        const f = component === 'features' ? zeros(images.features) : images.features;
        const caps = (decodeCaptions(copy.sample(f, { maxLength }), copy.idxToWord) as string[]).map((c) => stripSpecialTokens(c));
        acc = sceneAccuracy(caps, images.scenes).all.accuracy;
      }
      rows.push({ component, loss, sceneAccuracy: acc });
    } finally {
      copy.dispose();
    }
  }
  return rows;
}
