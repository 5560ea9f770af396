// CaptioningRNN: the CS231n image-captioning model (classifiers/rnn.py). A small facade over its
// parts, each in its own file: the parameter block (params.ts), the training batch (batch.ts)
// and step plan (train-step.ts), greedy decoding with its caches (greedy.ts), step-wise
// decoding (stepwise.ts), beam search (beam.ts) and self-critical training's sampling pass
// (sample-pass.ts). The API copies only at its edge.
//
// Shapes: N batch, T time, D image feature, W word vector, H hidden, V vocabulary.
import { Dims, checkFinite, checkIds } from '../core/check.js';
import { RecapError, fail } from '../core/errors.js';
import { LegacyRandom } from '../core/rng.js';
import { kernels, rt } from '../core/runtime.js';
import { runCalls } from '../core/threads.js';
import { Tensor, checkTensor } from '../core/tensor.js';
import { TrainBatch, batchBytes } from './batch.js';
import { BeamDecoder, type BeamResult } from './beam.js';
import { type CaptioningRNNOptions, type ModelConfig, type Vocabulary, checkSampleVocab, parseOptions } from './config.js';
import { type Decoding, type SampleOptions, type TopKOptions, parseSampleOptions } from './decoding.js';
import { GreedyDecoder } from './greedy.js';
import { PackedWeights } from './packed.js';
import { PARAM_NAMES, ParamBlock, type ParamName } from './params.js';
import { SamplePass } from './sample-pass.js';
import { Stepper, sampleStepwise } from './stepwise.js';
import { type StepState, forwardBackward, forwardBackwardAsync } from './train-step.js';

export type { CaptioningRNNOptions, CellType, ModelConfig } from './config.js';
export { PARAM_NAMES, type ParamName } from './params.js';
export type { SampleOptions, TopKOptions } from './decoding.js';

/** sampleTopK's result: the k best captions per image in rank order, with their scores. */
export interface TopKResult {
  /** int32 (N, k, maxLength), <NULL> after <END>. */
  captions: Tensor;
  /** float64 (N, k): summed log-probabilities of the captions (−∞ where an image has fewer than k). */
  scores: Tensor;
  /** float64 (N, k): the ranking keys, score / lp(len) (equal to scores without a length penalty). */
  rankScores: Tensor;
}

export interface LossOptions {
  /** Per-caption weights (N): the policy-gradient loss −Σ_n w_n·Σ_t mask·log p(y_nt) / N. Default: all 1. */
  weights?: Tensor | ArrayLike<number>;
  /** Also return dfeatures, d loss / d features (N, D): the gradient a trainable encoder backpropagates. */
  featureGrad?: boolean;
}

/** Validates per-row loss weights: N finite numbers (a float tensor of shape (N) or an array). */
function checkRowWeights(w: Tensor | ArrayLike<number>, N: number): ArrayLike<number> {
  if (w instanceof Tensor) {
    if (w.dtype === 'int32' || w.shape.length !== 1) fail('options.weights', `a float tensor of shape (${N})`, `${w.dtype} [${w.shape.join(', ')}]`);
    w = w.data;
  }
  if (!w || typeof w !== 'object' || typeof (w as ArrayLike<number>).length !== 'number') fail('options.weights', `${N} numbers`, w);
  if (w.length !== N) fail('options.weights', `${N} numbers (one per caption)`, `${w.length}`);
  for (let i = 0; i < N; i++) if (typeof w[i] !== 'number' || !Number.isFinite(w[i])) fail(`options.weights[${i}]`, 'a finite number', w[i]);
  return w;
}

export class CaptioningRNN {
  readonly config: ModelConfig;
  readonly wordToIdx: Record<string, number>;
  readonly idxToWord: string[];
  readonly nullIdx: number;
  readonly startIdx: number | null;
  readonly endIdx: number | null;

  /** @internal the parameter and gradient blocks */
  readonly params: ParamBlock;
  /** @internal the training batch (activations, length sorting) */
  readonly batch: TrainBatch;
  /** @internal greedy decoding and its caches */
  readonly greedy: GreedyDecoder;
  /** @internal self-critical training's sampling pass (its activations are the training forward) */
  readonly samplePass: SamplePass;
  private readonly vocab: Vocabulary;
  private readonly packed: PackedWeights;
  private readonly stepper: Stepper;
  private readonly beams: BeamDecoder;
  private disposed = false;

  constructor(options: CaptioningRNNOptions) {
    const { config, vocab, seed } = parseOptions(options);
    kernels(); // throws before init()
    this.config = config;
    this.vocab = vocab;
    this.wordToIdx = vocab.wordToIdx;
    this.idxToWord = vocab.idxToWord;
    this.nullIdx = vocab.nullIdx;
    this.startIdx = vocab.startIdx;
    this.endIdx = vocab.endIdx;
    this.params = new ParamBlock(config, seed);
    this.batch = new TrainBatch(config, vocab.nullIdx);
    this.packed = new PackedWeights(config);
    this.stepper = new Stepper(config, this.params);
    this.greedy = new GreedyDecoder(config, this.params, this.packed, this.stepper);
    this.beams = new BeamDecoder(config, this.params, this.packed, this.greedy);
    this.samplePass = new SamplePass(config, this.params, this.packed, this.greedy);
  }

  private alive(): void {
    if (this.disposed) throw new RecapError('model', 'a live CaptioningRNN', 'one that has been disposed (dispose() frees its memory)');
    kernels();
  }

  /** @internal what a training step reads and writes (the plan's inputs) */
  get stepState(): StepState {
    return { config: this.config, params: this.params, batch: this.batch, packed: this.packed };
  }

  /** Copies of all parameters. */
  getParams(): Record<ParamName, Tensor> {
    this.alive();
    return this.params.copy();
  }

  /** Replaces the given parameters; every one is checked (name, shape, dtype, finite) before any is written. */
  setParams(params: Partial<Record<ParamName, Tensor>>): void {
    this.alive();
    if (!params || typeof params !== 'object') fail('params', 'an object of tensors by parameter name', params);
    for (const [name, t] of Object.entries(params)) {
      if (!(PARAM_NAMES as readonly string[]).includes(name)) fail('params', `names among ${PARAM_NAMES.join(', ')}`, name);
      checkTensor(`params.${name}`, t);
      const want = this.params.layout[name as ParamName].shape;
      if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) {
        fail(`params.${name}`, `shape [${want.join(', ')}]`, `[${t.shape.join(', ')}]`);
      }
      if (t.dtype !== this.config.dtype) fail(`params.${name}`, `dtype ${this.config.dtype}`, t.dtype);
      checkFinite(`params.${name}`, t);
    }
    this.params.write(params);
  }

  /** Checks features (N, D) and returns N; `dtype`: the float dtype they must have (any float when omitted). */
  private checkFeatures(features: Tensor, dims: Dims, dtype?: string): number {
    dims.set('D', this.config.inputDim, 'the model (inputDim)');
    dims.bind('features', features, ['N', 'D']);
    if (features.dtype === 'int32') fail('features', 'dtype float32 or float64', features.dtype);
    if (dtype !== undefined && features.dtype !== dtype) fail('features', `dtype ${dtype} (the model's: the float inputs of one call share one dtype)`, features.dtype);
    checkFinite('features', features);
    return dims.get('N');
  }

  /**
   * The CS231n training loss and all 8 gradients: captions_in = captions[:, :-1],
   * captions_out = captions[:, 1:], mask = captions_out != <NULL>, h0 = features·W_proj + b_proj.
   */
  loss(features: Tensor, captions: Tensor, options: LossOptions = {}): { loss: number; grads: Record<ParamName, Tensor>; dfeatures?: Tensor } {
    this.alive();
    const { N, T } = this.checkBatch(features, captions);
    const weights = options?.weights === undefined ? null : checkRowWeights(options.weights, N);
    const featureGrad = options?.featureGrad ?? false;
    if (typeof featureGrad !== 'boolean') fail('options.featureGrad', 'a boolean', featureGrad);
    const bufs = this.batch.resize(N, T);
    const rank = this.batch.load(captions.data as Int32Array, 0, N, T);
    if (weights) this.batch.setRowWeights(weights);
    const D = this.config.inputDim;
    const fv = bufs.features.view();
    for (let n = 0; n < N; n++) fv.set(features.data.subarray(n * D, (n + 1) * D), rank[n] * D);
    this.batch.featureGrad = featureGrad;
    let loss: number;
    try {
      loss = this.forwardBackward(N, T);
    } finally {
      this.batch.featureGrad = false;
    }
    const grads = this.params.copy('grads');
    if (!featureGrad) return { loss, grads };
    return { loss, grads, dfeatures: this.featureGradient(N) };
  }

  /** @internal d loss / d features of the last step with batch.featureGrad, in batch-row order (N, D) */
  featureGradient(N: number): Tensor {
    const D = this.config.inputDim;
    const src = this.batch.bufs!.dfeatures.view();
    const rank = this.batch.rank;
    const out = new Tensor(this.config.dtype === 'float64' ? new Float64Array(N * D) : new Float32Array(N * D), [N, D]);
    for (let n = 0; n < N; n++) out.data.set(src.subarray(rank[n] * D, (rank[n] + 1) * D), n * D);
    return out;
  }

  /** @internal validates a (features, captions) batch; returns N and T */
  checkBatch(features: Tensor, captions: Tensor): { N: number; T: number } {
    checkTensor('features', features);
    checkTensor('captions', captions);
    const dims = new Dims();
    const N = this.checkFeatures(features, dims, this.config.dtype);
    dims.bind('captions', captions, ['N', 'L']);
    const L = dims.get('L');
    if (L < 2) fail('captions', 'shape (N, T+1) with T+1 >= 2', `[${captions.shape.join(', ')}]`);
    checkIds('captions', captions, this.config.vocabSize);
    return { N, T: L - 1 };
  }

  /** @internal bytes of wasm memory a training step on a (N, T) batch needs */
  workspaceBytes(N: number, T: number): number {
    return batchBytes(this.config, N, T);
  }

  /** @internal forward and backward over the loaded batch on this thread; writes the gradient block */
  forwardBackward(N: number, T: number): number {
    this.alive();
    return forwardBackward(this.stepState, N, T);
  }

  /** @internal the same step split over the runtime's threads (bit-identical to forwardBackward) */
  forwardBackwardAsync(N: number, T: number): Promise<number> {
    this.alive();
    return forwardBackwardAsync(this.stepState, N, T);
  }

  /**
   * Generates captions: int32 (N, maxLength); column 0 is the first word after <START>.
   * Greedy argmax by default (runs maxLength steps, no early stop, as CS231n); `temperature`
   * (and `topP`) sample, `beamSize` > 1 runs beam search (stops at <END>, <NULL> after it);
   * `blockRepeatNgrams` and `lengthPenalty` as documented on SampleOptions.
   */
  sample(features: Tensor, options: SampleOptions = {}): Tensor {
    const { N, opts } = this.checkSample(features, options, 1);
    if (opts.beamSize > 1) return this.beamSync(features, N, opts).captions;
    if (opts.temperature > 0) return sampleStepwise(this.stepper, features, N, this.startIdx!, opts, new LegacyRandom(opts.seed));
    const plan = this.greedy.plan(features, N, opts.maxLength, this.startIdx!, 1, opts.blockRepeatNgrams);
    const ks = kernels();
    runCalls(ks, plan.pack);
    runCalls(ks, plan.fold[0]);
    runCalls(ks, plan.parts[0]);
    plan.commit();
    return plan.result();
  }

  /**
   * `sample` with greedy decoding (batch rows, with or without n-gram blocking) and beam search
   * (images) split over the runtime's threads (each image's numbers are independent of the
   * others), bit-identical to `sample` for any thread count. Temperature sampling runs on the
   * calling thread, as in `sample`.
   */
  async sampleAsync(features: Tensor, options: SampleOptions = {}): Promise<Tensor> {
    const { N, opts } = this.checkSample(features, options, 1);
    const { pool, threads } = rt();
    if (opts.beamSize > 1) return (await this.beamAsync(features, N, opts)).captions;
    if (!pool || opts.temperature !== 0) return this.sample(features, options);
    const plan = this.greedy.plan(features, N, opts.maxLength, this.startIdx!, threads, opts.blockRepeatNgrams);
    runCalls(kernels(), plan.pack);
    if (plan.fold.some((c) => c.length > 0)) await pool.run(kernels(), plan.fold);
    await pool.run(kernels(), plan.parts);
    plan.commit();
    return plan.result();
  }

  /** Validates the arguments of the sampling calls; `beam`: beam search (sampleTopK) whatever beamSize says. */
  private checkSample(features: Tensor, options: SampleOptions, defaultBeam: number, beam = false): { N: number; opts: Decoding } {
    this.alive();
    const opts = parseSampleOptions(options, this.config.vocabSize, defaultBeam);
    const N = this.checkFeatures(features, new Dims());
    checkSampleVocab(this.vocab, this.config.vocabSize, beam || opts.beamSize > 1);
    return { N, opts };
  }

  private get specialTokens() {
    return { start: this.startIdx!, end: this.endIdx!, nul: this.nullIdx };
  }

  /** Beam search on the calling thread; stops once no beam is live. */
  private beamSync(features: Tensor, N: number, opts: Decoding): BeamResult {
    const plan = this.beams.plan(features, N, opts, this.specialTokens, 1);
    const ks = kernels();
    runCalls(ks, plan.pack);
    runCalls(ks, plan.fold[0]);
    runCalls(ks, plan.start[0]);
    let t = 0;
    for (let calls; t < opts.maxLength && (calls = plan.step(t)); t++) runCalls(ks, calls[0]);
    plan.commit();
    return plan.result(t - 1);
  }

  /** Beam search with the images split over the runtime's threads (the same bits as beamSync). */
  private async beamAsync(features: Tensor, N: number, opts: Decoding): Promise<BeamResult> {
    const { pool, threads } = rt();
    const P = Math.min(threads, N);
    if (!pool || P < 2) return this.beamSync(features, N, opts);
    const ks = kernels();
    const plan = this.beams.plan(features, N, opts, this.specialTokens, P);
    runCalls(ks, plan.pack);
    if (plan.fold.some((c) => c.length > 0)) await pool.run(ks, plan.fold);
    await pool.run(ks, plan.start);
    let t = 0;
    for (let calls; t < opts.maxLength && (calls = plan.step(t)); t++) await pool.run(ks, calls);
    plan.commit();
    return plan.result(t - 1);
  }

  /**
   * Beam search (default width 3) returning the k best captions per image in rank order, with
   * their scores; honours lengthPenalty and blockRepeatNgrams.
   */
  sampleTopK(features: Tensor, options: TopKOptions = {}): TopKResult {
    const { N, opts } = this.checkSample(features, options, 3, true);
    return this.topK(this.beamSync(features, N, opts), N, opts.beamSize);
  }

  /** `sampleTopK` with the images split over the runtime's threads; the same result for any thread count. */
  async sampleTopKAsync(features: Tensor, options: TopKOptions = {}): Promise<TopKResult> {
    const { N, opts } = this.checkSample(features, options, 3, true);
    return this.topK(await this.beamAsync(features, N, opts), N, opts.beamSize);
  }

  private topK(r: BeamResult, N: number, k: number): TopKResult {
    return { captions: r.topK, scores: new Tensor(r.scores, [N, k]), rankScores: new Tensor(r.rankScores, [N, k]) };
  }

  /** Frees the wasm memory of this model; later calls throw. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.batch.dispose();
    this.stepper.dispose();
    this.greedy.dispose();
    this.beams.dispose();
    this.samplePass.dispose();
    this.packed.dispose();
    this.params.free();
  }
}

export { RecapError };
