// Self-critical sequence training (Rennie et al. 2017, "Self-critical Sequence Training for
// Image Captioning"): the minibatch of one SCST iteration, written into the model's training
// workspace so that the ordinary packed training step computes its loss and gradients.
//
// The samples come from one sampling pass of planned kernel calls over the runtime's threads
// (model/sample-pass.ts) that also decodes the greedy baseline and keeps its activations: they
// are gathered into the training workspace (batch.forwardLoaded), so the training step runs
// only the loss and the backward — the sampling pass is the loss's forward pass.
//
// Per image of the minibatch: k captions sampled from the model (multinomial, temperature 1,
// from the solver's seeded stream: one seed per iteration, then T·N·k uniforms drawn up front
// in step-major order, u[t·N·k + i] for sample row i at step t — the draws model.sample makes
// with that seed), each rewarded (default: CIDEr-D against the image's
// training references), minus a baseline b: the reward of the model's greedy caption
// ('greedy', Rennie et al.) or the mean reward of the image's other k − 1 samples ('mean', the
// "new self-critical" variant of Luo 2020). The step then minimises
//   −Σ_i (r_i − b_i)·Σ_t log p(w_it) / (N·k)
// over the sampled words up to and including <END> (a sampled <NULL> ends a caption and is not
// scored): the per-row weighted softmax loss of the training step (weighted_softmax_loss_rows).
//
// Shapes: N images, k samples per image, T words, D feature; rows are image-major (row n·k + j
// is sample j of image n).
import { fail } from '../core/errors.js';
import { LegacyRandom } from '../core/rng.js';
import { kernels, queueParts, rt } from '../core/runtime.js';
import { Tensor } from '../core/tensor.js';
import { runCalls } from '../core/threads.js';
import type { CaptioningRNN } from '../model/captioning-rnn.js';
import type { PassPlan } from '../model/sample-pass.js';
import type { CaptionData } from '../data/types.js';

export type ScstBaseline = 'greedy' | 'mean';

/**
 * A caption's reward: `image` is the train image (a row of trainFeatures), `words` its token
 * ids (no <START>, no <END>); `words` is a view that is reused after the call returns.
 */
export type CaptionReward = (image: number, words: Int32Array) => number;

/** Rewards of the last SCST iteration (for progress lines and histories). */
export interface ScstStats {
  /** Mean reward of the sampled captions. */
  reward: number;
  /** Mean baseline (the greedy captions' reward, or the mean of the other samples: then = reward). */
  baseline: number;
}

export const SCST_BASELINES: readonly ScstBaseline[] = ['greedy', 'mean'];

/** Validates the SCST options of the solver. */
export function checkScstOptions(samples: unknown, baseline: unknown, reward: unknown): void {
  if (!Number.isInteger(samples) || (samples as number) < 1 || (samples as number) > 1000) fail('scstSamples', 'an integer in [1, 1000]', samples);
  if (!SCST_BASELINES.includes(baseline as ScstBaseline)) fail('scstBaseline', "'greedy' or 'mean'", baseline);
  if (baseline === 'mean' && samples === 1) fail('scstSamples', "at least 2 with scstBaseline 'mean' (the baseline is the mean of the other samples)", samples);
  if (reward !== undefined && typeof reward !== 'function') fail('scstReward', 'a function (image, words) => number', typeof reward);
}

/** What a solver checkpoint keeps of an SCST run (the sampling stream is the solver's). */
export interface ScstState {
  samples: number;
  baseline: ScstBaseline;
  /** Mean sampled reward per iteration. */
  rewardHistory: number[];
}

export class ScstBatch {
  readonly stats: ScstStats = { reward: 0, baseline: 0 };
  rewardHistory: number[] = [];
  private N = 0;
  // buffers, grown (never shrunk) to the largest minibatch: (N·k, D), (N, D), (N·k, T+1), (N·k), (N)
  private featsK: Tensor | null = null;
  private featsN: Tensor | null = null;
  private captions = new Int32Array(0);
  private rewards = new Float64Array(0);
  private weights = new Float64Array(0);
  private images = new Int32Array(0);

  constructor(private readonly model: CaptioningRNN, private readonly data: CaptionData, readonly samples: number,
    readonly baseline: ScstBaseline, private readonly reward: CaptionReward) {}

  /**
   * One SCST minibatch on this thread: the sampling pass (samples, greedy baseline), rewards,
   * and the training workspace holding the pass's forward. Returns the batch (N·k, T) for the
   * training step (model.forwardBackward).
   */
  loadSync(rows: ArrayLike<number>, rng: LegacyRandom): { N: number; T: number } {
    const plan = this.plan(rows, rng, 1);
    const ks = kernels();
    runCalls(ks, plan.pack);
    runCalls(ks, plan.fold[0]);
    runCalls(ks, plan.start[0]);
    let t = 0;
    for (let calls; t < this.T && (calls = plan.step(t)); t++) runCalls(ks, calls[0]);
    plan.commit();
    const words = plan.words(t);
    const out = this.load(words);
    runCalls(ks, plan.relayout(this.model.batch, 1)[0]);
    this.weigh(words);
    this.model.batch.forwardLoaded = true;
    return out;
  }

  /**
   * The same with the sampling pass split over the runtime's threads (bit-identical); the
   * workers gather the activations into the training workspace while this thread computes the
   * rewards.
   */
  async loadAsync(rows: ArrayLike<number>, rng: LegacyRandom): Promise<{ N: number; T: number }> {
    const { pool, threads } = rt();
    const P = Math.min(queueParts(threads), rows.length);
    if (!pool || P < 2) return this.loadSync(rows, rng);
    const ks = kernels();
    const plan = this.plan(rows, rng, P);
    runCalls(ks, plan.pack);
    if (plan.fold.some((c) => c.length > 0)) await pool.runQueue(ks, plan.fold);
    await pool.runQueue(ks, plan.start);
    let t = 0;
    for (let calls; t < this.T && (calls = plan.step(t)); t++) await pool.runQueue(ks, calls);
    plan.commit();
    const words = plan.words(t);
    const out = this.load(words);
    const gathers = pool.run(ks, [[], ...plan.relayout(this.model.batch, pool.size)]); // posted now, awaited below
    try {
      this.weigh(words);
    } finally {
      await gathers;
    }
    this.model.batch.forwardLoaded = true;
    return out;
  }

  /** Records the last iteration's mean reward (after its update succeeded). */
  record(): void {
    this.rewardHistory.push(this.stats.reward);
  }

  getState(): ScstState {
    return { samples: this.samples, baseline: this.baseline, rewardHistory: [...this.rewardHistory] };
  }

  /** Checks a saved state against this run (before anything is written); `apply` writes it. */
  checkState(s: unknown): void {
    const st = s as ScstState;
    if (!st || typeof st !== 'object') fail('state.scst', 'the SCST state of an SCST run', s);
    if (st.samples !== this.samples) fail('state.scst.samples', String(this.samples), st.samples);
    if (st.baseline !== this.baseline) fail('state.scst.baseline', this.baseline, st.baseline);
    if (!Array.isArray(st.rewardHistory) || st.rewardHistory.some((v) => typeof v !== 'number')) fail('state.scst.rewardHistory', 'an array of numbers', typeof st.rewardHistory);
  }

  apply(s: ScstState): void {
    this.rewardHistory = [...s.rewardHistory];
  }

  /** Caption words per sample (T) and the batch rows of N images (N·k). */
  private get T(): number {
    return this.data.trainCaptions.shape[1] - 1;
  }

  /**
   * The images of caption rows `rows` (one per row), their features, and the sampling pass
   * planned for P partitions: k samples per image with uniforms from the solver's stream, and
   * the greedy rows for the 'greedy' baseline.
   */
  private plan(rows: ArrayLike<number>, rng: LegacyRandom, P: number): PassPlan {
    const N = rows.length, k = this.samples, T = this.T;
    const D = this.model.config.inputDim;
    this.ensure(N);
    this.N = N;
    const src = this.data.trainFeatures.data, idxs = this.data.trainImageIdxs.data;
    const fk = this.featsK!.data, fn = this.featsN!.data;
    for (let n = 0; n < N; n++) {
      const img = idxs[rows[n]];
      this.images[n] = img;
      const f = src.subarray(img * D, (img + 1) * D);
      fn.set(f, n * D);
      for (let j = 0; j < k; j++) fk.set(f, (n * k + j) * D);
    }
    const draws = new LegacyRandom(rng.randint(0xffffffff));
    const uniforms = new Float64Array(T * N * k);
    for (let i = 0; i < uniforms.length; i++) uniforms[i] = draws.rand();
    const { startIdx, endIdx, nullIdx } = this.model;
    return this.model.samplePass.plan({
      features: fn.subarray(0, N * D) as Float32Array | Float64Array, N, k, T, uniforms, greedy: this.baseline === 'greedy',
      tokens: { start: startIdx!, end: endIdx!, nul: nullIdx },
    }, Math.min(P, N));
  }

  /**
   * Loads the sampled captions (rows [0, N·k) of `words`, (·, T)) and their features into the
   * model's training workspace. Returns the batch (N·k, T) for the training step.
   */
  private load(words: Int32Array): { N: number; T: number } {
    const N = this.N, k = this.samples, T = this.T;
    const rowsK = N * k;
    for (let i = 0; i < rowsK; i++) this.toCaption(i, words.subarray(i * T, (i + 1) * T));
    const model = this.model;
    const bufs = model.batch.resize(rowsK, T);
    const rank = model.batch.load(this.captions, 0, rowsK, T);
    const D = model.config.inputDim;
    const fv = bufs.features.view(), fk = this.featsK!.data;
    for (let i = 0; i < rowsK; i++) fv.set(fk.subarray(i * D, (i + 1) * D), rank[i] * D);
    return { N: rowsK, T };
  }

  /**
   * Rewards the loaded captions, forms the advantages (reward − baseline: the greedy rows
   * [N·k, N·k + N) of `words` for the 'greedy' baseline) and sets them as the batch's row weights.
   */
  private weigh(words: Int32Array): void {
    const N = this.N, k = this.samples, T = this.T;
    const greedy = this.baseline === 'greedy';
    for (let i = 0; i < N * k; i++) this.rewards[i] = this.reward(this.images[Math.floor(i / k)], this.toCaption(i, words.subarray(i * T, (i + 1) * T)));
    const w = this.weights;
    let rSum = 0, bSum = 0;
    for (let n = 0; n < N; n++) {
      // the greedy caption, written into the first spare row and scored as any caption
      const b = greedy ? this.reward(this.images[n], this.toCaption(N * k, words.subarray((N * k + n) * T, (N * k + n + 1) * T))) : 0;
      for (let j = 0; j < k; j++) {
        const i = n * k + j, r = this.rewards[i];
        const bi = greedy ? b : this.othersMean(n * k, j);
        w[i] = r - bi;
        rSum += r;
        bSum += bi;
      }
    }
    this.stats.reward = rSum / (N * k);
    this.stats.baseline = bSum / (N * k);
    this.model.batch.setRowWeights(w);
  }

  /** The mean reward of the samples [i0, i0 + k) other than j, summed in order. */
  private othersMean(i0: number, j: number): number {
    let sum = 0;
    for (let q = 0; q < this.samples; q++) if (q !== j) sum += this.rewards[i0 + q];
    return sum / (this.samples - 1);
  }

  /**
   * Writes caption row i = <START> w_1 … w_e <END> <NULL>… from sampled words (T) and returns
   * the words before <END> (a view). The caption ends at the first <END> (kept: it is scored)
   * or <NULL> (dropped), else runs all T words.
   */
  private toCaption(i: number, sampled: Int32Array): Int32Array {
    const T = this.T, L = T + 1;
    const { startIdx, endIdx, nullIdx } = this.model;
    const row = this.captions.subarray(i * L, (i + 1) * L);
    row[0] = startIdx!;
    let t = 0, words = T;
    for (; t < T; t++) {
      const w = sampled[t];
      if (w === nullIdx) { words = t; break; }
      row[t + 1] = w;
      if (w === endIdx) { words = t; t++; break; }
    }
    row.fill(nullIdx, t + 1);
    return row.subarray(1, 1 + words);
  }

  private ensure(N: number): void {
    if (this.featsN && this.featsN.shape[0] >= N) return;
    const k = this.samples, L = this.T + 1, D = this.model.config.inputDim;
    const Arr = this.model.config.dtype === 'float64' ? Float64Array : Float32Array;
    this.featsK = new Tensor(new Arr(N * k * D), [N * k, D]);
    this.featsN = new Tensor(new Arr(N * D), [N, D]);
    this.captions = new Int32Array((N * k + 1) * L); // + one row for scoring a greedy caption
    this.rewards = new Float64Array(N * k);
    this.weights = new Float64Array(N * k);
    this.images = new Int32Array(N);
  }
}
