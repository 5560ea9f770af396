// What the solver minimises: each iteration the objective writes its minibatch (captions,
// features and, for SCST, per-row weights) into the model's training workspace; the packed
// training step then computes the loss and gradients the same way for every objective.
//   'xe'   cross-entropy on the training captions of the drawn rows (CS231n)
//   'scst' self-critical training (scst.ts): captions sampled from the model, weighted by
//          reward − baseline
import { fail } from '../core/errors.js';
import type { LegacyRandom } from '../core/rng.js';
import type { CaptioningRNN } from '../model/captioning-rnn.js';
import type { CaptionData } from '../data/types.js';
import { type CaptionReward, type ScstBaseline, ScstBatch, type ScstState } from './scst.js';
import { ciderReward } from './scst-reward.js';

export type ObjectiveName = 'xe' | 'scst';

/** The minibatch of one iteration as the training step reads it: N rows of T steps. */
export interface Loaded {
  N: number;
  T: number;
}

export interface Objective {
  readonly name: ObjectiveName;
  /** Writes the minibatch of caption rows `rows` into the model's workspace (may draw from `rng`). */
  load(rows: Int32Array, rng: LegacyRandom): Loaded;
  /** The same, with any decoding on the runtime's threads (bit-identical). */
  loadAsync(rows: Int32Array, rng: LegacyRandom): Promise<Loaded>;
  /** Bookkeeping after the iteration's update succeeded. */
  record(): void;
  /** The mean reward of the last minibatch (SCST), for progress lines. */
  readonly reward: number | undefined;
  /** The state a checkpoint keeps (null for 'xe'). */
  getState(): ScstState | null;
  /** Checks a saved state against this objective (RecapError naming state.scst); writes nothing. */
  checkState(s: unknown): void;
  /** Writes a checked state. */
  apply(s: ScstState | null | undefined): void;
}

/** Cross-entropy on the drawn training captions. */
export class CrossEntropy implements Objective {
  readonly name = 'xe';
  readonly reward = undefined;

  constructor(private readonly model: CaptioningRNN, private readonly data: CaptionData) {}

  load(rows: Int32Array): Loaded {
    const { model, data } = this;
    const N = rows.length;
    const T = data.trainCaptions.shape[1] - 1;
    const bufs = model.batch.resize(N, T);
    const rank = model.batch.load(data.trainCaptions.data as Int32Array, 0, N, T, rows);
    const D = model.config.inputDim;
    const feats = bufs.features.view();
    const src = data.trainFeatures.data;
    const imageIdxs = data.trainImageIdxs.data;
    for (let n = 0; n < N; n++) {
      const img = imageIdxs[rows[n]];
      feats.set(src.subarray(img * D, (img + 1) * D), rank[n] * D); // the workspace row of batch row n
    }
    return { N, T };
  }

  async loadAsync(rows: Int32Array): Promise<Loaded> {
    return this.load(rows);
  }

  record(): void {}

  getState(): null {
    return null;
  }

  checkState(s: unknown): void {
    if (s) fail('state.scst', 'none (an xe run)', 'an SCST state');
  }

  apply(): void {}
}

/** Self-critical training through ScstBatch (scst.ts). */
export class SelfCritical implements Objective {
  readonly name = 'scst';
  private readonly batch: ScstBatch;

  constructor(model: CaptioningRNN, data: CaptionData, samples: number, baseline: ScstBaseline, reward: CaptionReward | undefined) {
    this.batch = new ScstBatch(model, data, samples, baseline, reward ?? ciderReward(data));
  }

  load(rows: Int32Array, rng: LegacyRandom): Loaded {
    return this.batch.loadSync(rows, rng);
  }

  loadAsync(rows: Int32Array, rng: LegacyRandom): Promise<Loaded> {
    return this.batch.loadAsync(rows, rng);
  }

  record(): void {
    this.batch.record();
  }

  get reward(): number {
    return this.batch.stats.reward;
  }

  getState(): ScstState {
    return this.batch.getState();
  }

  checkState(s: unknown): void {
    if (!s) fail('state.scst', 'the state of an SCST run', s);
    this.batch.checkState(s);
  }

  apply(s: ScstState): void {
    this.batch.apply(s);
  }
}

/** The objective of a solver's options (checked by the solver before). */
export function createObjective(model: CaptioningRNN, data: CaptionData, o: { objective: ObjectiveName; scstSamples: number;
  scstBaseline: ScstBaseline; scstReward?: CaptionReward }): Objective {
  return o.objective === 'scst' ? new SelfCritical(model, data, o.scstSamples, o.scstBaseline, o.scstReward) : new CrossEntropy(model, data);
}
