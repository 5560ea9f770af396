// Validation-driven training for CaptioningSolver, as captioning codebases do it (neuraltalk2,
// self-critical.pytorch): every `evalEvery` iterations, the val loss and the COCO metrics of
// the model's captions for a fixed set of val images; the best parameters by one metric kept;
// optional learning-rate decay on a plateau and early stopping after `patience` evaluations
// without improvement.
//
// Deterministic for any thread count: decoding and the val loss run on the calling thread, the
// images are the first `evalImages` val images (ascending index), and nothing draws from the
// solver's RNG, so a run with evaluations trains exactly as one without.
import { checkNumber, checkPositiveInt } from '../core/check.js';
import { fail } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { decodeCaptions } from '../data/captions.js';
import type { CaptionData } from '../data/types.js';
import { evaluateCaptions } from '../eval/evaluate.js';
import { stripCaptionSpecials } from '../eval/ptb-tokenize.js';
import type { CaptioningRNN } from '../model/captioning-rnn.js';
import type { SmallCnn } from '../nn/cnn.js';

/** Metrics `keepBest` can follow; valLoss is better when lower, the others when higher. */
export const KEEP_BEST_METRICS = ['cider', 'bleu1', 'bleu2', 'bleu3', 'bleu4', 'rougeL', 'valLoss'] as const;
export type KeepBestMetric = (typeof KEEP_BEST_METRICS)[number];

/** One evaluation during training. */
export interface EvalRecord {
  /** Iterations completed when it ran. */
  iteration: number;
  epoch: number;
  /** Mean CS231n loss per caption over every val caption of the evaluated images. */
  valLoss: number;
  bleu: [number, number, number, number];
  rougeL: number;
  cider: number;
  /** Images evaluated. */
  images: number;
  /** Learning rate after this evaluation (a plateau decay applies here). */
  learningRate: number;
  /** True when this evaluation set a new best of `keepBest`. */
  improved: boolean;
  /** Whatever `evalExtra` returned (e.g. shapes-world scene accuracy). */
  extra?: Record<string, number>;
}

/** Validation options of CaptioningSolver (all off unless `evalEvery` is set). */
export interface ValidationOptions {
  /** Evaluate every this many iterations, and after the last one (default: never). */
  evalEvery?: number;
  /** How many val images (the first ones, ascending index; default 500, capped by the split). */
  evalImages?: number;
  /** Beam width for the evaluation captions (default 1: greedy). */
  evalBeam?: number;
  /** The metric whose best parameters are kept (default 'cider'). */
  keepBest?: KeepBestMetric;
  /** Stop training after this many evaluations in a row without a new best (default: never). */
  patience?: number;
  /** Multiply the learning rate by this factor after each evaluation without a new best. */
  plateauDecay?: number;
  /** Called after each evaluation. */
  onEval?: (record: EvalRecord) => void;
  /**
   * Extra scores of the evaluation captions (`captions[i]` of val image `images[i]`, special
   * tokens stripped), stored in each record's `extra`: the hook for shapes-world scene accuracy.
   */
  evalExtra?: (captions: string[], images: Int32Array) => Record<string, number>;
}

export const VALIDATION_KEYS = ['evalEvery', 'evalImages', 'evalBeam', 'keepBest', 'patience', 'plateauDecay', 'onEval', 'evalExtra'];

/** What checkpoints carry so that a resumed run continues identically. */
export interface ValidationState {
  history: EvalRecord[];
  /**
   * The best evaluation so far and the parameter block (flat, the model's layout) it had; with a
   * trainable encoder, also the CNN's parameters and running statistics then (SmallCnn.arrays();
   * absent in files from before they were kept: restoreBest then writes the model's only).
   */
  best: { iteration: number; value: number; params: Float32Array | Float64Array; encoder?: Record<string, Float32Array | Float64Array> } | null;
  /** Evaluations since the best one. */
  sinceBest: number;
  /** True once patience ran out. */
  stopped: boolean;
}

interface Host {
  model: CaptioningRNN;
  data: CaptionData;
  iteration: number;
  epoch: number;
  numIterations: number;
  batchSize: number;
  optimConfig: Record<string, number>;
  verbose: boolean;
}

/** The validation schedule and state of one solver. */
export class Validation {
  private readonly evalEvery: number;
  private readonly beam: number;
  private readonly keepBest: KeepBestMetric;
  private readonly patience: number;
  private readonly plateauDecay: number;
  private readonly onEval?: (r: EvalRecord) => void;
  private readonly evalExtra?: ValidationOptions['evalExtra'];
  /** The val images evaluated, and the val caption rows of each batch of the val loss. */
  readonly images: Int32Array;
  private readonly lossRows: Int32Array;
  private readonly refs: Record<string, string[]>;
  private state: ValidationState = { history: [], best: null, sinceBest: 0, stopped: false };

  /** Checks the options (RecapError); null when `evalEvery` is not set. `cnn`: the solver's trainable encoder, whose arrays the best evaluation keeps too (null: none). */
  static create(host: Host, o: ValidationOptions, log: (line: string) => void, cnn: SmallCnn | null = null): Validation | null {
    if (o.evalEvery === undefined) {
      for (const k of VALIDATION_KEYS) if (o[k as keyof ValidationOptions] !== undefined) fail(k, 'evalEvery to be set too (validation is off without it)', 'evalEvery unset');
      return null;
    }
    return new Validation(host, o, log, cnn);
  }

  private constructor(private readonly host: Host, o: ValidationOptions, private readonly log: (line: string) => void, private readonly cnn: SmallCnn | null) {
    this.evalEvery = checkPositiveInt('evalEvery', o.evalEvery);
    const evalImages = checkPositiveInt('evalImages', o.evalImages ?? 500);
    this.beam = checkPositiveInt('evalBeam', o.evalBeam ?? 1, 1000);
    this.keepBest = o.keepBest ?? 'cider';
    if (!KEEP_BEST_METRICS.includes(this.keepBest)) fail('keepBest', KEEP_BEST_METRICS.join(', '), this.keepBest);
    this.patience = o.patience === undefined ? Infinity : checkPositiveInt('patience', o.patience);
    this.plateauDecay = o.plateauDecay === undefined ? 1 : checkNumber('plateauDecay', o.plateauDecay, Number.MIN_VALUE, 1);
    if (o.onEval !== undefined && typeof o.onEval !== 'function') fail('onEval', 'a function', typeof o.onEval);
    if (o.evalExtra !== undefined && typeof o.evalExtra !== 'function') fail('evalExtra', 'a function', typeof o.evalExtra);
    this.onEval = o.onEval;
    this.evalExtra = o.evalExtra;
    const { data, model } = host;
    if (!data.valCaptions) fail('data.valCaptions', 'val captions (evalEvery needs a val split)', 'none');
    if (this.beam > 1 && model.endIdx === null) fail('evalBeam', 'a vocabulary with <END> for beam search', this.beam);
    const idxs = data.valImageIdxs.data as Int32Array;
    const all = [...new Set(idxs)].sort((a, b) => a - b);
    this.images = Int32Array.from(all.slice(0, evalImages));
    const chosen = new Set(this.images);
    const rows: number[] = [];
    this.refs = {};
    const decoded = decodeCaptions(data.valCaptions, data.idxToWord) as string[];
    idxs.forEach((img, r) => {
      if (!chosen.has(img)) return;
      rows.push(r);
      (this.refs[img] ??= []).push(decoded[r]);
    });
    this.lossRows = Int32Array.from(rows);
  }

  /** True when an evaluation is due after `iteration` completed iterations. */
  due(iteration: number): boolean {
    return !this.state.stopped && iteration > 0 && (iteration % this.evalEvery === 0 || iteration === this.host.numIterations)
      && this.state.history.at(-1)?.iteration !== iteration;
  }

  get history(): readonly EvalRecord[] {
    return this.state.history;
  }

  get stopped(): boolean {
    return this.state.stopped;
  }

  /** Writes the best parameters so far into the model (and the encoder's CNN); false (nothing written) before the first evaluation. */
  restoreBest(): boolean {
    const b = this.state.best;
    if (!b) return false;
    if (this.cnn && b.encoder) this.cnn.setArrays(b.encoder, 'best.encoder');
    this.host.model.params.writable().view().set(b.params);
    return true;
  }

  /** Runs one evaluation; returns its record (the solver stops when `stopped` became true). */
  run(): EvalRecord {
    const h = this.host;
    const { model, data } = h;
    const valLoss = this.valLoss();
    const feats = rowsOf(data.valFeatures, this.images);
    const maxLength = data.trainCaptions.shape[1] - 1;
    const captions = decodeCaptions(model.sample(feats, { maxLength, beamSize: this.beam }), data.idxToWord) as string[];
    const cands: Record<string, string> = {};
    this.images.forEach((img, i) => (cands[img] = captions[i]));
    const m = evaluateCaptions(cands, this.refs);
    const extra = this.evalExtra?.(captions.map(stripCaptionSpecials), this.images);
    const value = this.keepBest === 'valLoss' ? valLoss : this.keepBest === 'cider' ? m.cider : this.keepBest === 'rougeL' ? m.rougeL : m.bleu[Number(this.keepBest[4]) - 1];
    const s = this.state;
    const better = s.best === null || (this.keepBest === 'valLoss' ? value < s.best.value : value > s.best.value);
    if (better) {
      s.best = { iteration: h.iteration, value, params: model.params.view().slice(), ...(this.cnn ? { encoder: this.cnn.arrays() } : {}) };
      s.sinceBest = 0;
    } else {
      s.sinceBest++;
      h.optimConfig.learningRate *= this.plateauDecay;
      if (s.sinceBest >= this.patience) s.stopped = true;
    }
    const record: EvalRecord = {
      iteration: h.iteration, epoch: h.epoch, valLoss, bleu: m.bleu, rougeL: m.rougeL, cider: m.cider, images: this.images.length,
      learningRate: h.optimConfig.learningRate, improved: better, ...(extra ? { extra: { ...extra } } : {}),
    };
    s.history.push(record);
    if (h.verbose) {
      this.log(`(Eval at iteration ${h.iteration}) val loss ${valLoss.toFixed(4)}, BLEU-4 ${m.bleu[3].toFixed(3)}, ROUGE-L ${m.rougeL.toFixed(3)}, CIDEr-D ${m.cider.toFixed(3)}${better ? ' (best)' : ''}${s.stopped ? '; stopping early' : ''}`);
    }
    this.onEval?.(record);
    return record;
  }

  /** Mean loss per caption over the val captions of the evaluated images, in batches of batchSize. */
  private valLoss(): number {
    const { model, data, batchSize } = this.host;
    let total = 0;
    for (let a = 0; a < this.lossRows.length; a += batchSize) {
      const rows = this.lossRows.subarray(a, a + batchSize);
      const imgs = Int32Array.from(rows, (r) => data.valImageIdxs.data[r]);
      const L = data.valCaptions.shape[1];
      const caps = new Int32Array(rows.length * L);
      rows.forEach((r, i) => caps.set(data.valCaptions.data.subarray(r * L, (r + 1) * L), i * L));
      total += model.loss(rowsOf(data.valFeatures, imgs, model.config.dtype), new Tensor(caps, [rows.length, L])).loss * rows.length;
    }
    return total / this.lossRows.length;
  }

  getState(): ValidationState {
    const s = this.state;
    return { history: s.history.map(copyRecord), best: copyBest(s.best), sinceBest: s.sinceBest, stopped: s.stopped };
  }

  /** Checks a saved state against this solver's model; writes nothing when it throws. */
  setState(v: ValidationState): void {
    if (!v || typeof v !== 'object' || !Array.isArray(v.history)) fail('state.validation', 'a validation state (history, best, sinceBest, stopped)', v);
    const n = this.host.model.params.length;
    const Block = this.host.model.config.dtype === 'float64' ? Float64Array : Float32Array;
    if (v.best !== null && (!v.best || !(v.best.params instanceof Block) || v.best.params.length !== n || typeof v.best.value !== 'number' || !Number.isInteger(v.best.iteration))) {
      fail('state.validation.best', `null or { iteration, value, params: ${n} values (${Block.name}) }`, v.best);
    }
    if (v.best?.encoder !== undefined) {
      if (!this.cnn) fail('state.validation.best.encoder', 'none (this solver has no encoder)', 'CNN arrays');
      this.cnn.checkArrays(v.best.encoder, 'state.validation.best.encoder');
    }
    v.history.forEach((r, i) => {
      if (!r || typeof r !== 'object' || !Number.isInteger(r.iteration) || !Array.isArray(r.bleu) || r.bleu.length !== 4
        || ![r.valLoss, r.rougeL, r.cider, r.learningRate, ...r.bleu].every((x) => typeof x === 'number')) {
        fail(`state.validation.history[${i}]`, 'an evaluation record { iteration, valLoss, bleu[4], rougeL, cider, ... }', r);
      }
    });
    if (!Number.isInteger(v.sinceBest) || v.sinceBest < 0) fail('state.validation.sinceBest', 'a non-negative integer', v.sinceBest);
    if (typeof v.stopped !== 'boolean') fail('state.validation.stopped', 'a boolean', v.stopped);
    this.state = { history: v.history.map(copyRecord), best: copyBest(v.best), sinceBest: v.sinceBest, stopped: v.stopped };
  }
}

function copyBest(b: ValidationState['best']): ValidationState['best'] {
  if (!b) return null;
  const { encoder, ...rest } = b;
  return { ...rest, params: b.params.slice(), ...(encoder ? { encoder: Object.fromEntries(Object.entries(encoder).map(([k, a]) => [k, a.slice()])) } : {}) };
}

function copyRecord(r: EvalRecord): EvalRecord {
  return { ...r, bleu: [...r.bleu] as EvalRecord['bleu'], ...(r.extra ? { extra: { ...r.extra } } : {}) };
}

/** Rows `rows` of a (Ni, D) feature tensor, in `dtype` (default: the tensor's). */
function rowsOf(features: Tensor, rows: ArrayLike<number>, dtype: 'float32' | 'float64' = features.dtype === 'float64' ? 'float64' : 'float32'): Tensor {
  const D = features.shape[1];
  const out = dtype === 'float64' ? new Float64Array(rows.length * D) : new Float32Array(rows.length * D);
  for (let i = 0; i < rows.length; i++) out.set(features.data.subarray(rows[i] * D, (rows[i] + 1) * D), i * D);
  return new Tensor(out, [rows.length, D]);
}
