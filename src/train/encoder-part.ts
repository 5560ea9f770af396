// The solver's encoder part: a trainable image encoder (SmallCnn, nn/cnn.ts) whose features feed
// the captioning model, fine-tuned jointly with it (neuraltalk2's finetune_cnn_after, with its
// own update rule and learning rate). Per iteration, around the model's packed step:
//   forward   after the objective has loaded the minibatch: the images of its rows through the
//             CNN ('train' mode once fine-tuning, else 'test'), written over the workspace's
//             feature rows, and the step asked for d loss / d features
//   backward  after the model's step: dfeatures (batch-row order) back through the CNN
//   update    the encoder's own rule over each of its parameters (one t for all, as the solver)
// The CNN runs on the calling thread, so every thread count gives the same bits. Validation
// and the final scores read data.valFeatures / trainFeatures: refresh() writes them with the
// CNN in 'test' mode (running statistics).
import { DivergenceError, fail } from '../core/errors.js';
import { withScratch } from '../core/memory.js';
import { kernels } from '../core/runtime.js';
import { Tensor, allocTyped, precision } from '../core/tensor.js';
import { runCalls } from '../core/threads.js';
import type { RgbImage } from '../data/features.js';
import type { CaptionData } from '../data/types.js';
import type { CaptioningRNN } from '../model/captioning-rnn.js';
import { SmallCnn } from '../nn/cnn.js';
import { CnnPlan } from '../nn/cnn-plan.js';
import { addScaled, newWordHead, specialIds, wordLoss } from './word-head.js';
import { type Concepts, captionConcepts, conceptLoss } from './concept-head.js';
import { UPDATE_RULES, type UpdateRuleName, checkUpdateRule, resolveHyper, ruleCall } from '../nn/update-rules.js';

/** Images per encoding pass of refresh (as SmallCnn.encode's default chunk). */
const ENCODE_CHUNK = 250;

export interface EncoderPartOptions {
  /** The encoder's update rule (default 'adam'). */
  updateRule?: UpdateRuleName;
  /** Its hyperparameters (the rule's defaults otherwise; Adam: learningRate 1e-3). */
  optimConfig?: Record<string, number>;
  /** The first iteration whose gradients update the encoder (default 0; −1: never, the encoder only encodes). */
  finetuneAfter?: number;
  /**
   * Iterations from finetuneAfter over which the encoder's learning rate rises linearly from 0 to
   * its rate (default 0: none). A fresh CNN's features change fastest at the start, before the
   * model has learnt to read them; a warm-up lets the model lock on to them first.
   */
  warmup?: number;
  /**
   * Weight of the word loss (word-head.ts: the caption's words predicted from the features by a
   * head of its own, its gradient added to the captioning loss's on the features); default 0: none.
   */
  wordLoss?: number;
  /**
   * Weight of the concept loss (concept-head.ts): the CNN's features are the probabilities of the
   * words and pairs of adjacent words the image's captions hold (a CNN with output 'sigmoid' and
   * one feature per concept, conceptCount(data)); default 0: none.
   */
  conceptLoss?: number;
  /**
   * Iterations at the start in which the encoder trains alone, on the concept loss (needs
   * conceptLoss > 0): the model is not run, and the iteration's loss is the concept loss. A
   * recurrent net trained on a CNN's features while they are still taking shape locks on to what
   * they first showed (each colour and each shape apart) and binds them late; on features that
   * already hold "red circle" it learns the binding quickly. Default 0.
   */
  lead?: number;
}

/** The encoder's training state (checkpoints): rule, hyperparameters, and the optimizer's arrays by `${param}.${block}`. */
export interface EncoderState {
  updateRule: UpdateRuleName;
  optimConfig: Record<string, number>;
  finetuneAfter: number;
  /** Absent in files from before the warm-up existed: 0. */
  warmup?: number;
  /** The word loss's weight and head (absent when 0). The head's optimizer arrays are in blocks as words.w.* / words.b.*. */
  wordLoss?: number;
  words?: { w: Float32Array | Float64Array; b: Float32Array | Float64Array };
  /** The concept loss's weight (absent when 0; its concepts come from the data again on resume). */
  conceptLoss?: number;
  /** The lead iterations (absent when 0). */
  lead?: number;
  blocks: Record<string, Float32Array | Float64Array>;
}

export class EncoderPart {
  readonly updateRule: UpdateRuleName;
  readonly optimConfig: Record<string, number>;
  readonly finetuneAfter: number;
  readonly warmup: number;
  readonly wordWeight: number;
  readonly conceptWeight: number;
  readonly lead: number;
  private concepts: Concepts | null = null;
  private conceptBatch: { logits: Tensor; images: Int32Array } | null = null;
  /** The CNN's parameters and statistics whose test-mode features data.trainFeatures holds (frozen iterations read them there), or null. */
  private cachedFor: Tensor[] | null = null;
  /** The word loss's head (wordWeight > 0; made by checkData, which knows the vocabulary). */
  private words: { w: Tensor; b: Tensor } | null = null;
  private special = new Set<number>();
  private batch: { features: Tensor; captions: Int32Array; L: number } | null = null;
  private wordGrads: { w: Tensor; b: Tensor } | null = null;
  private blocks: Record<string, Float32Array | Float64Array> = {};
  /** The minibatch's forward and backward passes (wasm-resident, split over the threads), and refresh's encoding. */
  private readonly plan: CnnPlan;
  private readonly encodePlan: CnnPlan;
  private trained = false;
  /** The iteration of the last forward pass. */
  private t = 0;
  private grads: Record<string, Tensor> | null = null;
  private N = 0;

  /** `images`: the pictures of data's train and val feature rows, at the CNN's imageSize. */
  constructor(readonly cnn: SmallCnn, readonly images: { train: readonly RgbImage[]; val: readonly RgbImage[] }, options: EncoderPartOptions = {}) {
    if (!(cnn instanceof SmallCnn)) fail('encoder.cnn', 'a SmallCnn', typeof cnn);
    if (!options || typeof options !== 'object') fail('encoderOptions', 'an options object', options);
    const { updateRule = 'adam', optimConfig = {}, finetuneAfter = 0, warmup = 0, wordLoss: wordWeight = 0, conceptLoss: conceptWeight = 0, lead = 0 } = options;
    this.updateRule = checkUpdateRule('encoderOptions.updateRule', updateRule);
    this.optimConfig = resolveHyper(updateRule, optimConfig, 'encoderOptions.optimConfig');
    if (!Number.isInteger(finetuneAfter) || finetuneAfter < -1) fail('encoderOptions.finetuneAfter', 'an integer >= -1 (−1: never)', finetuneAfter);
    this.finetuneAfter = finetuneAfter;
    if (!Number.isInteger(warmup) || warmup < 0) fail('encoderOptions.warmup', 'an integer >= 0', warmup);
    this.warmup = warmup;
    if (typeof wordWeight !== 'number' || !Number.isFinite(wordWeight) || wordWeight < 0) fail('encoderOptions.wordLoss', 'a number >= 0', wordWeight);
    this.wordWeight = wordWeight;
    if (typeof conceptWeight !== 'number' || !Number.isFinite(conceptWeight) || conceptWeight < 0) fail('encoderOptions.conceptLoss', 'a number >= 0', conceptWeight);
    this.conceptWeight = conceptWeight;
    if (!Number.isInteger(lead) || lead < 0) fail('encoderOptions.lead', 'an integer >= 0', lead);
    if (lead > 0 && !(conceptWeight > 0)) fail('encoderOptions.lead', '0 without the concept loss (the lead trains the encoder on it)', lead);
    this.lead = lead;
    for (const [name, t] of Object.entries(cnn.params)) {
      for (const b of UPDATE_RULES[this.updateRule].state) this.blocks[`${name}.${b}`] = new (t.data.constructor as Float32ArrayConstructor)(t.size);
    }
    this.plan = new CnnPlan(cnn);
    this.encodePlan = new CnnPlan(cnn);
  }

  /** Checks the data against the encoder: its images per feature row, features of the encoder's width and dtype. */
  checkData(data: CaptionData, model: CaptioningRNN): void {
    const { outputDim, dtype } = this.cnn.spec;
    if (model.config.inputDim !== outputDim) fail('encoder', `a CNN with outputDim ${model.config.inputDim} (the model's inputDim)`, outputDim);
    if (model.config.dtype !== dtype) fail('encoder', `a ${model.config.dtype} CNN (the model's dtype)`, dtype);
    for (const split of ['train', 'val'] as const) {
      const rows = (split === 'train' ? data.trainFeatures : data.valFeatures).shape[0];
      const ims = this.images[split];
      if (!Array.isArray(ims) || ims.length !== rows) fail(`encoder.images.${split}`, `${rows} images (one per ${split} feature row)`, Array.isArray(ims) ? ims.length : ims);
    }
    if (this.wordWeight > 0 && !this.words) {
      this.words = newWordHead(outputDim, model.config.vocabSize, dtype);
      this.special = specialIds(data.wordToIdx);
      for (const [name, t] of Object.entries(this.words)) {
        for (const b of UPDATE_RULES[this.updateRule].state) this.blocks[`words.${name}.${b}`] = new (t.data.constructor as Float32ArrayConstructor)(t.size);
      }
    }
    if (this.conceptWeight > 0 && !this.concepts) {
      const list = captionConcepts(data, specialIds(data.wordToIdx));
      const K = list.words.length / 2;
      if (this.cnn.spec.output !== 'sigmoid' || outputDim !== K) {
        fail('encoder', `a CNN with output 'sigmoid' and outputDim ${K} (one feature per concept of the training captions) for the concept loss`, `output '${this.cnn.spec.output ?? 'linear'}', outputDim ${outputDim}`);
      }
      this.concepts = list;
    }
  }

  /** Whether iteration t trains the encoder. */
  training(t: number): boolean {
    return this.finetuneAfter >= 0 && t >= this.finetuneAfter;
  }

  /**
   * The features of caption rows `rows` (images data.trainImageIdxs[rows]) written over the
   * model's loaded workspace rows. While the encoder does not train they are its test-mode
   * features of every training image, made once (refresh) into data.trainFeatures, where the
   * objective loads the rows from: only the iteration that makes them writes its rows again.
   */
  forward(model: CaptioningRNN, data: CaptionData, rows: Int32Array, t: number): void {
    const mode = this.begin(rows, t);
    if (mode === 'test') {
      const stale = !this.cached();
      if (stale) this.refresh(data, ['train']);
      this.place(model, data, rows, stale ? this.frozen(data, rows) : null);
    } else this.place(model, data, rows, this.plan.forward(this.batchImages(data, rows), mode));
  }

  /** forward with the CNN's work split over the runtime's threads (the same bits). */
  async forwardAsync(model: CaptioningRNN, data: CaptionData, rows: Int32Array, t: number): Promise<void> {
    const mode = this.begin(rows, t);
    if (mode === 'test') {
      const stale = !this.cached();
      if (stale) await this.refreshAsync(data, ['train']);
      this.place(model, data, rows, stale ? this.frozen(data, rows) : null);
    } else this.place(model, data, rows, await this.plan.forwardAsync(this.batchImages(data, rows), mode));
  }

  /** Whether iteration t is one of the lead's (the encoder trains alone: leadStep instead of the model's step). */
  leads(t: number): boolean {
    return t < this.lead;
  }

  /** A lead iteration: the encoder's forward in train mode, the concept loss, its backward and update; returns the loss. */
  leadStep(data: CaptionData, rows: Int32Array, t: number): number {
    this.beginLead(rows, t);
    this.plan.forward(this.batchImages(data, rows), 'train');
    const { loss, dlogits } = this.leadLoss(data, rows, t);
    this.check(this.plan.backward(this.zeros(), dlogits), t);
    this.update();
    return loss;
  }

  /** leadStep with the CNN's work split over the runtime's threads (the same bits). */
  async leadStepAsync(data: CaptionData, rows: Int32Array, t: number): Promise<number> {
    this.beginLead(rows, t);
    await this.plan.forwardAsync(this.batchImages(data, rows), 'train');
    const { loss, dlogits } = this.leadLoss(data, rows, t);
    this.check(await this.plan.backwardAsync(this.zeros(), dlogits), t);
    this.update();
    return loss;
  }

  private beginLead(rows: Int32Array, t: number): void {
    this.t = t;
    this.N = rows.length;
    this.trained = false;
    this.grads = null;
    this.wordGrads = null;
  }

  private leadLoss(data: CaptionData, rows: Int32Array, t: number): { loss: number; dlogits: Tensor } {
    const r = conceptLoss(this.plan.logits(), imagesOf(data, rows), this.concepts!, this.conceptWeight);
    if (!Number.isFinite(r.loss)) throw new DivergenceError(t, "the encoder's concept loss");
    return r;
  }

  private zeros(): Tensor {
    const D = this.cnn.spec.outputDim;
    return new Tensor(allocTyped(this.cnn.spec.dtype, this.N * D), [this.N, D]);
  }

  private state(): Tensor[] {
    return [...Object.values(this.cnn.params), ...Object.values(this.cnn.stats)];
  }

  private cached(): boolean {
    const now = this.state();
    return this.cachedFor !== null && now.length === this.cachedFor.length && now.every((t, i) => t === this.cachedFor![i]);
  }

  /** The rows' features from data.trainFeatures (the frozen encoder's, written by refresh). */
  private frozen(data: CaptionData, rows: Int32Array): Tensor {
    const D = this.cnn.spec.outputDim;
    const out = new Tensor(allocTyped(this.cnn.spec.dtype, rows.length * D), [rows.length, D]);
    imagesOf(data, rows).forEach((img, n) => out.data.set(data.trainFeatures.data.subarray(img * D, (img + 1) * D), n * D));
    return out;
  }

  private begin(rows: Int32Array, t: number): 'train' | 'test' {
    this.t = t;
    this.trained = this.training(t);
    this.N = rows.length;
    return this.trained ? 'train' : 'test';
  }

  private batchImages(data: CaptionData, rows: Int32Array): RgbImage[] {
    const idx = data.trainImageIdxs.data;
    return Array.from(rows, (r) => this.images.train[idx[r]]);
  }

  /** Writes `out` (batch-row order) over the workspace's feature rows (null: the loaded rows stand) and keeps what the losses need. */
  private place(model: CaptioningRNN, data: CaptionData, rows: Int32Array, out: Tensor | null): void {
    if (out) {
      const D = this.cnn.spec.outputDim;
      const feats = model.batch.bufs!.features.view();
      const rank = model.batch.rank;
      for (let n = 0; n < this.N; n++) feats.set(out.data.subarray(n * D, (n + 1) * D), rank[n] * D);
    }
    model.batch.featureGrad = this.trained;
    this.batch = null;
    this.conceptBatch = null;
    if (this.trained && this.concepts) this.conceptBatch = { logits: this.plan.logits(), images: imagesOf(data, rows) };
    if (this.trained && this.words) {
      const L = data.trainCaptions.shape[1];
      const captions = new Int32Array(rows.length * L);
      rows.forEach((r, n) => captions.set((data.trainCaptions.data as Int32Array).subarray(r * L, (r + 1) * L), n * L));
      this.batch = { features: out!, captions, L }; // trained: the CNN's forward just made `out`
    }
  }

  /** After the model's step (iteration t): dfeatures back through the CNN; throws before any update when a gradient is not finite. */
  backward(model: CaptioningRNN, t: number): void {
    const g = this.endStep(model);
    if (g) this.check(this.plan.backward(g.dout, g.dlogits), t);
  }

  /** backward with the CNN's work split over the runtime's threads (the same bits). */
  async backwardAsync(model: CaptioningRNN, t: number): Promise<void> {
    const g = this.endStep(model);
    if (g) this.check(await this.plan.backwardAsync(g.dout, g.dlogits), t);
  }

  /**
   * d loss / d features of the step: the model's, plus the word loss's times its weight; and the
   * concept loss's times its weight on the logits of the CNN's σ.
   */
  private endStep(model: CaptioningRNN): { dout: Tensor; dlogits?: Tensor } | null {
    model.batch.featureGrad = false;
    this.grads = null;
    this.wordGrads = null;
    if (!this.trained) return null;
    this.trained = false;
    let dout = model.featureGradient(this.N);
    let dlogits: Tensor | undefined;
    if (this.conceptBatch && this.concepts) {
      const { logits, images } = this.conceptBatch;
      this.conceptBatch = null;
      dlogits = conceptLoss(logits, images, this.concepts, this.conceptWeight).dlogits;
    }
    if (this.batch && this.words) {
      const { features, captions, L } = this.batch;
      this.batch = null;
      const w = wordLoss(features, captions, L, this.words.w, this.words.b, this.special);
      this.wordGrads = { w: w.dw, b: w.db };
      dout = addScaled(dout, this.wordWeight, w.dfeatures);
    }
    return { dout, dlogits };
  }

  private check(grads: Record<string, Tensor>, t: number): void {
    const all = { ...grads, ...(this.wordGrads ? { 'words.w': this.wordGrads.w, 'words.b': this.wordGrads.b } : {}) };
    for (const [name, g] of Object.entries(all)) {
      for (let i = 0; i < g.size; i++) if (!Number.isFinite(g.data[i])) throw new DivergenceError(t, `the encoder's gradient ${name}`);
    }
    this.grads = all;
  }

  /** After the model's update succeeded: the encoder's own rule over each of its parameters (one t for all). */
  update(): void {
    const grads = this.grads;
    if (!grads) return;
    this.grads = null;
    const spec = UPDATE_RULES[this.updateRule];
    if (spec.countsSteps) this.optimConfig.t += 1;
    const rate = this.warmup > 0 ? Math.min(1, (this.t - this.finetuneAfter + 1) / this.warmup) : 1;
    const cfg = rate < 1 ? { ...this.optimConfig, learningRate: this.optimConfig.learningRate * rate } : this.optimConfig;
    const ks = kernels();
    const p = precision(this.cnn.spec.dtype);
    const params: Record<string, Tensor> = { ...this.cnn.params, ...(this.words && grads['words.w'] ? { 'words.w': this.words.w, 'words.b': this.words.b } : {}) };
    for (const [name, w] of Object.entries(params)) {
      const next = withScratch((s) => {
        const wb = s.from(w);
        const state = spec.state.map((b) => s.from(new Tensor(this.blocks[`${name}.${b}`], [w.size])));
        runCalls(ks, [ruleCall(ks, p, this.updateRule, wb.ptr, state.map((b) => b.ptr), s.from(grads[name]).ptr, w.size, cfg)]);
        spec.state.forEach((b, i) => (this.blocks[`${name}.${b}`] = state[i].view().slice() as Float32Array));
        return wb.toTensor(w.shape);
      });
      if (name === 'words.w' || name === 'words.b') this.words![name === 'words.w' ? 'w' : 'b'] = next;
      else this.cnn.params[name] = next;
    }
  }

  /** At an epoch's end: the encoder's learning rate decays as the model's. */
  decay(lrDecay: number): void {
    this.optimConfig.learningRate *= lrDecay;
  }

  /** Writes data's train and/or val features with the CNN in 'test' mode (SmallCnn.encode's bits). */
  refresh(data: CaptionData, splits: readonly ('train' | 'val')[] = ['val']): void {
    for (const split of splits) {
      const dst = split === 'train' ? data.trainFeatures : data.valFeatures;
      const ims = this.images[split];
      for (let a = 0; a < ims.length; a += ENCODE_CHUNK) dst.data.set(this.encodePlan.forward(ims.slice(a, a + ENCODE_CHUNK), 'test').data, a * this.cnn.spec.outputDim);
      if (split === 'train') this.cachedFor = this.state();
    }
  }

  /** refresh over the runtime's threads (the same bits). */
  async refreshAsync(data: CaptionData, splits: readonly ('train' | 'val')[] = ['val']): Promise<void> {
    for (const split of splits) {
      const dst = split === 'train' ? data.trainFeatures : data.valFeatures;
      const ims = this.images[split];
      for (let a = 0; a < ims.length; a += ENCODE_CHUNK) dst.data.set((await this.encodePlan.forwardAsync(ims.slice(a, a + ENCODE_CHUNK), 'test')).data, a * this.cnn.spec.outputDim);
      if (split === 'train') this.cachedFor = this.state();
    }
  }

  /** Frees the CNN's wasm workspaces (the part can still run: they are made again on use). */
  dispose(): void {
    this.plan.dispose();
    this.encodePlan.dispose();
  }

  getState(): EncoderState {
    const blocks: EncoderState['blocks'] = {};
    for (const [k, b] of Object.entries(this.blocks)) blocks[k] = b.slice();
    return {
      updateRule: this.updateRule, optimConfig: { ...this.optimConfig }, finetuneAfter: this.finetuneAfter, ...(this.warmup ? { warmup: this.warmup } : {}),
      ...(this.words ? { wordLoss: this.wordWeight, words: { w: this.words.w.data.slice() as Float32Array, b: this.words.b.data.slice() as Float32Array } } : {}),
      ...(this.conceptWeight ? { conceptLoss: this.conceptWeight } : {}), ...(this.lead ? { lead: this.lead } : {}), blocks,
    };
  }

  /** Checks a saved state against this part (RecapError naming state.encoder); writes nothing. */
  checkState(s: unknown): void {
    if (!s || typeof s !== 'object') fail('state.encoder', 'the state of an encoder part', s);
    const e = s as EncoderState;
    if (e.updateRule !== this.updateRule) fail('state.encoder.updateRule', this.updateRule, e.updateRule);
    resolveHyper(this.updateRule, e.optimConfig ?? {}, 'state.encoder.optimConfig');
    if (e.finetuneAfter !== this.finetuneAfter) fail('state.encoder.finetuneAfter', String(this.finetuneAfter), e.finetuneAfter);
    if ((e.warmup ?? 0) !== this.warmup) fail('state.encoder.warmup', String(this.warmup), e.warmup ?? 0);
    if ((e.wordLoss ?? 0) !== this.wordWeight) fail('state.encoder.wordLoss', String(this.wordWeight), e.wordLoss ?? 0);
    if ((e.conceptLoss ?? 0) !== this.conceptWeight) fail('state.encoder.conceptLoss', String(this.conceptWeight), e.conceptLoss ?? 0);
    if ((e.lead ?? 0) !== this.lead) fail('state.encoder.lead', String(this.lead), e.lead ?? 0);
    if (this.words) {
      for (const k of ['w', 'b'] as const) {
        const got = e.words?.[k];
        const want = this.words[k].data;
        if (!got || got.constructor !== want.constructor || got.length !== want.length) fail(`state.encoder.words.${k}`, `${want.length} values`, got ? got.length : 'none');
      }
    }
    for (const [k, b] of Object.entries(this.blocks)) {
      const got = e.blocks?.[k];
      if (!got || got.constructor !== b.constructor || got.length !== b.length) fail(`state.encoder.blocks.${k}`, `${b.length} values`, got ? got.length : 'none');
    }
  }

  apply(s: EncoderState): void {
    Object.assign(this.optimConfig, s.optimConfig);
    if (this.words && s.words) this.words = { w: new Tensor(s.words.w.slice(), this.words.w.shape), b: new Tensor(s.words.b.slice(), this.words.b.shape) };
    for (const k of Object.keys(this.blocks)) this.blocks[k] = s.blocks[k].slice();
  }
}

/** The training images of caption rows `rows`. */
function imagesOf(data: CaptionData, rows: Int32Array): Int32Array {
  const idx = data.trainImageIdxs.data as Int32Array;
  return Int32Array.from(rows, (r) => idx[r]);
}
