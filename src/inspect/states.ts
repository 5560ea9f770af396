// What the recurrent units do: gate saturation (Karpathy, Johnson & Fei-Fei 2015) and the
// per-step tracks of h, c and the gates along one caption (LSTMVis).
import { checkPositiveInt } from '../core/check.js';
import { fail } from '../core/errors.js';
import { Tensor, allocTyped, checkTensor } from '../core/tensor.js';
import type { CaptioningRNN } from '../model/captioning-rnn.js';
import { type Trace, forwardTrace } from './trace.js';

/** Karpathy et al.'s thresholds: a gate is left-saturated below 0.1 and right-saturated above 0.9. */
export const SATURATION_LEFT = 0.1;
export const SATURATION_RIGHT = 0.9;

export interface Saturation {
  /** (H) fraction of the unmasked steps where the unit is below the left threshold. */
  left: Float64Array;
  /** (H) fraction above the right threshold. */
  right: Float64Array;
}

export interface GateStats {
  /** LSTM gates (units 'gates'). */
  i?: Saturation;
  f?: Saturation;
  o?: Saturation;
  /** The tanh units h of the RNN (units 'tanh'), thresholds mapped to tanh's range: h < −0.8, h > 0.8. */
  h?: Saturation;
  /** Unmasked (row, step) pairs counted. */
  steps: number;
}

export interface GateStatsOptions {
  /** 'gates' (the LSTM's i, f, o; default for an LSTM) or 'tanh' (the RNN's h; default for an RNN). */
  units?: 'gates' | 'tanh';
}

function saturation(tr: Trace, values: ArrayLike<number>, width: number, offset: number, lo: number, hi: number): Saturation {
  const { N, T, H } = tr;
  const left = new Float64Array(H), right = new Float64Array(H);
  let count = 0;
  for (let r = 0; r < N * T; r++) {
    if (!tr.mask[r]) continue;
    count++;
    for (let j = 0; j < H; j++) {
      const v = values[r * width + offset + j];
      if (v < lo) left[j]++;
      else if (v > hi) right[j]++;
    }
  }
  for (let j = 0; j < H; j++) {
    left[j] = count === 0 ? NaN : left[j] / count;
    right[j] = count === 0 ? NaN : right[j] / count;
  }
  return { left, right };
}

/** Saturation of every unit over the unmasked steps of a teacher-forced batch. */
export function gateStats(model: CaptioningRNN, features: Tensor, captions: Tensor, options: GateStatsOptions = {}): GateStats {
  const lstm = model.config.cellType === 'lstm';
  const units = options?.units ?? (lstm ? 'gates' : 'tanh');
  if (units !== 'gates' && units !== 'tanh') fail('options.units', "'gates' or 'tanh'", units);
  if (units === 'gates' && !lstm) fail('options.units', "'tanh' for an rnn model (gates i, f, o are an lstm's)", units);
  const tr = forwardTrace(model, features, captions);
  let steps = 0;
  for (const m of tr.mask) steps += m;
  if (units === 'tanh') return { h: saturation(tr, tr.h, tr.H, 0, 2 * SATURATION_LEFT - 1, 2 * SATURATION_RIGHT - 1), steps };
  const G = 4 * tr.H;
  const sat = (k: number) => saturation(tr, tr.gates!, G, k * tr.H, SATURATION_LEFT, SATURATION_RIGHT);
  return { i: sat(0), f: sat(1), o: sat(2), steps };
}

export interface Activations {
  /** The input word of each step (captions[:, :-1]). */
  words: string[];
  /** The word each step is scored against (captions[:, 1:]). */
  targets: string[];
  /** (T,H) tracks; c and the gates (activations) for an LSTM. */
  h: Tensor;
  c?: Tensor;
  i?: Tensor;
  f?: Tensor;
  o?: Tensor;
  g?: Tensor;
}

export interface ActivationsOptions {
  /** Generated captions: at most this many words (default 16). */
  maxLength?: number;
}

/**
 * The tracks of one caption: teacher-forced on `captions` (1, T+1), or on the model's greedy
 * caption (<START> … <END>) when none is given.
 */
export function activations(model: CaptioningRNN, features: Tensor, captions?: Tensor, options: ActivationsOptions = {}): Activations {
  checkTensor('features', features);
  if (features.shape.length !== 2 || features.shape[0] !== 1) fail('features', 'shape (1, D): one image', `[${features.shape.join(', ')}]`);
  if (captions === undefined) captions = greedyCaption(model, features, options?.maxLength ?? 16);
  checkTensor('captions', captions);
  if (captions.shape.length !== 2 || captions.shape[0] !== 1) fail('captions', 'shape (1, T+1): one caption', `[${captions.shape.join(', ')}]`);
  const tr = forwardTrace(model, features, captions);
  const { T, H, dtype } = tr;
  const track = (a: ArrayLike<number>, width: number, offset: number) => {
    const out = allocTyped(dtype, T * H);
    for (let t = 0; t < T; t++) for (let j = 0; j < H; j++) out[t * H + j] = a[t * width + offset + j];
    return new Tensor(out, [T, H]);
  };
  const word = (id: number) => model.idxToWord[id] ?? `#${id}`;
  const out: Activations = { words: Array.from(tr.cin.data, word), targets: Array.from(tr.cout.data, word), h: track(tr.h, H, 0) };
  if (tr.lstm) {
    out.c = track(tr.c!, H, 0);
    out.i = track(tr.gates!, 4 * H, 0);
    out.f = track(tr.gates!, 4 * H, H);
    out.o = track(tr.gates!, 4 * H, 2 * H);
    out.g = track(tr.gates!, 4 * H, 3 * H);
  }
  return out;
}

/** <START>, the greedy caption's words, and <END> when it ended: int32 (1, T+1). */
function greedyCaption(model: CaptioningRNN, features: Tensor, maxLength: number): Tensor {
  checkPositiveInt('options.maxLength', maxLength, 1000);
  const tokens = model.sample(features, { maxLength }).data;
  const ids = [model.startIdx!];
  for (const id of tokens) {
    ids.push(id);
    if (id === model.endIdx) break;
  }
  return new Tensor(Int32Array.from(ids), [1, ids.length]);
}
