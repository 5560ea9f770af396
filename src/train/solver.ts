// CaptioningSolver: the CS231n training loop (captioning_solver.py), asynchronous so a page
// stays responsive. The loop is small; each part is a file of its own:
//   minibatch.ts   which caption rows an iteration trains on (seeded)
//   objective.ts   what it minimises: cross-entropy, or SCST (scst.ts), writing the minibatch
//                  into the model's wasm workspace for the packed training step
//   update.ts      the checks, the gradient norm and clipping, the update rule over the flat
//                  parameter block (one loop per optimizer state block), the rollback
//   validation.ts  evaluations during training, best parameters, plateau decay, early stopping
// An iteration: rows → objective.load → model.forwardBackward → update → bookkeeping (loss,
// gradient norm, objective.record) → validation when due. With a trainable encoder
// (encoder-part.ts, option `encoder`): its forward after objective.load (the features of the
// minibatch's images over the loaded ones), its backward after forwardBackward, its own update
// after the model's, its state in SolverState.encoder; validation reads its features.
import { checkMemory, checkNumber, checkPositiveInt } from '../core/check.js';
import { RecapError, fail } from '../core/errors.js';
import { DTYPE_BYTES } from '../core/tensor.js';
import { CaptioningRNN } from '../model/captioning-rnn.js';
import { UPDATE_RULES, type UpdateRuleName, checkUpdateRule, resolveHyper } from '../nn/update-rules.js';
import { LegacyRandom } from '../core/rng.js';
import type { CaptionData } from '../data/types.js';
import { checkCaptionData } from './check-data.js';
import { type CaptionReward, type ScstBaseline, type ScstState, checkScstOptions } from './scst.js';
import { Tensor } from '../core/tensor.js';
import { VALIDATION_KEYS, Validation, type EvalRecord, type ValidationOptions, type ValidationState } from './validation.js';
import { Minibatches, type Sampler, checkSampler, iterationsPerEpoch } from './minibatch.js';
import { type Objective, createObjective } from './objective.js';
import { ParamUpdate, type UpdateResult } from './update.js';
import { EncoderPart, type EncoderState } from './encoder-part.js';

export type SolverUpdateRule = UpdateRuleName;
export type { Sampler };

export interface StepInfo {
  /** 0-based iteration just completed. */
  iteration: number;
  numIterations: number;
  epoch: number;
  loss: number;
  /** Learning rate used by this iteration's update. */
  learningRate: number;
  /** Global L2 norm of all parameter gradients before clipping (also recorded in solver.gradNormHistory). */
  gradNorm: number;
  /** True when gradClip scaled this iteration's gradients down (counted in solver.clipCount). */
  clipped: boolean;
  /** Iterations per second over the run so far. */
  itersPerSecond: number;
  /** objective 'scst': the mean reward of this iteration's sampled captions. */
  reward?: number;
  /** True for an encoder's lead iteration (EncoderPartOptions.lead): the encoder trained alone; `loss` is its concept loss. */
  lead?: boolean;
}

/** What one iteration returns. */
export type StepResult = { loss: number } & UpdateResult;

/** Options of CaptioningSolver; the validation ones (evalEvery, ...) are documented in validation.ts. */
export interface SolverOptions extends ValidationOptions {
  updateRule?: SolverUpdateRule;
  optimConfig?: Record<string, number>;
  lrDecay?: number;
  batchSize?: number;
  numEpochs?: number;
  printEvery?: number;
  verbose?: boolean;
  seed?: number;
  sampler?: Sampler;
  gradClip?: number;
  onStep?: (info: StepInfo) => void;
  signal?: AbortSignal;
  /** Where verbose lines go (default console.log). */
  log?: (line: string) => void;
  /** 'xe' (default): cross-entropy. 'scst': self-critical training of a trained model (scst.ts): per iteration, the images of batchSize caption rows, scstSamples captions sampled per image. */
  objective?: 'xe' | 'scst';
  /** SCST: captions sampled per image (default 5); the baseline: 'greedy' (default) or 'mean' (of the other samples). */
  scstSamples?: number;
  scstBaseline?: ScstBaseline;
  /** SCST: the reward of a caption (default CIDEr-D against the image's training references). */
  scstReward?: CaptionReward;
  /** A trainable image encoder (EncoderPart over a SmallCnn): features of the minibatch's images, fine-tuned with the model ('xe' only). */
  encoder?: EncoderPart;
}

const OPTION_KEYS = ['updateRule', 'optimConfig', 'lrDecay', 'batchSize', 'numEpochs', 'printEvery', 'verbose', 'seed',
  'sampler', 'gradClip', 'onStep', 'signal', 'log', 'objective', 'scstSamples', 'scstBaseline', 'scstReward', 'encoder', ...VALIDATION_KEYS];

/** Everything needed to resume a run bit-identically (saved in checkpoints). */
export interface SolverState {
  updateRule: SolverUpdateRule;
  optimConfig: Record<string, number>;
  lrDecay: number;
  batchSize: number;
  numEpochs: number;
  seed: number;
  samplerKind: 'replacement' | 'shuffle' | 'function';
  iteration: number;
  epoch: number;
  lossHistory: number[];
  /** Global gradient L2 norm (before clipping) per iteration; absent in states of older versions (then NaN: not recorded). */
  gradNormHistory?: number[];
  /** Iterations whose gradients were clipped; absent in states of older versions (then 0). */
  clipCount?: number;
  rng: ReturnType<LegacyRandom['getState']>;
  /** Optimizer state blocks laid out like the parameters. */
  blocks: Record<string, Float32Array | Float64Array>;
  /** Current epoch's permutation (sampler 'shuffle'). */
  order: Int32Array | null;
  /** 'scst' runs: the objective's state (absent or null for 'xe'). */
  scst?: ScstState | null;
  /** Evaluation history and best parameters (solvers with evalEvery; absent or null otherwise). */
  validation?: ValidationState | null;
  /** Runs with an encoder part: its optimizer state (absent or null otherwise; its parameters are the checkpoint's encoder). */
  encoder?: EncoderState | null;
}

/** What a lead iteration (EncoderPartOptions.lead) reports of the model's update: none; its loss is the encoder's concept loss. */
const LEAD_UPDATE: UpdateResult = { gradNorm: 0, clipped: false, learningRate: 0 };

export class CaptioningSolver {
  readonly model: CaptioningRNN;
  readonly data: CaptionData;
  readonly updateRule: SolverUpdateRule;
  /** Hyperparameters with CS231n defaults filled in; learningRate decays each epoch. */
  readonly optimConfig: Record<string, number>;
  readonly lrDecay: number;
  readonly batchSize: number;
  readonly numEpochs: number;
  readonly printEvery: number;
  readonly verbose: boolean;
  readonly seed: number;
  readonly gradClip: number | undefined;
  readonly objective: 'xe' | 'scst';
  lossHistory: number[] = [];
  /** Global L2 norm of all parameter gradients before clipping, one per iteration (lossHistory's indices). */
  gradNormHistory: number[] = [];
  /** How many iterations gradClip scaled the gradients down. */
  clipCount = 0;
  /** Iterations completed so far (the next one to run). */
  iteration = 0;
  epoch = 0;
  /** True when the last train() stopped early because its signal was aborted. */
  aborted = false;
  readonly iterationsPerEpoch: number;
  readonly numIterations: number;

  private onStep?: (info: StepInfo) => void;
  private signal?: AbortSignal;
  private log: (line: string) => void;
  private rng: LegacyRandom;
  private running = false;
  private minibatches: Minibatches;
  private objectivePart: Objective;
  private updater: ParamUpdate;
  private validation: Validation | null;
  private encoder: EncoderPart | null;

  constructor(model: CaptioningRNN, data: CaptionData, options: SolverOptions = {}) {
    if (!(model instanceof CaptioningRNN)) fail('model', 'a CaptioningRNN', typeof model);
    if (!options || typeof options !== 'object') fail('options', 'an options object', options);
    for (const key of Object.keys(options)) if (!OPTION_KEYS.includes(key)) fail('options', `keys among ${OPTION_KEYS.join(', ')}`, key);
    checkCaptionData(data, model);
    const {
      updateRule = 'sgd', optimConfig = {}, lrDecay = 1, batchSize = 100, numEpochs = 10, printEvery = 10,
      verbose = true, seed = 0, sampler = 'replacement', gradClip, onStep, signal, log,
      objective = 'xe', scstSamples = 5, scstBaseline = 'greedy', scstReward, encoder,
    } = options;
    if (encoder !== undefined) {
      if (!(encoder instanceof EncoderPart)) fail('encoder', 'an EncoderPart', typeof encoder);
      if (objective !== 'xe') fail('encoder', "objective 'xe' (a trainable encoder trains with cross-entropy)", objective);
      encoder.checkData(data, model);
    }
    if (objective !== 'xe' && objective !== 'scst') fail('objective', "'xe' or 'scst'", objective);
    if (objective === 'scst') checkScstOptions(scstSamples, scstBaseline, scstReward);
    checkUpdateRule('updateRule', updateRule);
    if (!optimConfig || typeof optimConfig !== 'object') fail('optimConfig', 'an object', optimConfig);
    const cfg = resolveHyper(updateRule, optimConfig, 'optimConfig');
    checkNumber('lrDecay', lrDecay, 0);
    checkPositiveInt('batchSize', batchSize);
    checkPositiveInt('numEpochs', numEpochs);
    checkPositiveInt('printEvery', printEvery);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) fail('seed', 'an integer in [0, 2^32)', seed);
    checkSampler(sampler);
    if (gradClip !== undefined) checkNumber('gradClip', gradClip, Number.MIN_VALUE);
    if (onStep !== undefined && typeof onStep !== 'function') fail('onStep', 'a function', typeof onStep);

    // the minibatch workspace (and the optimizer blocks) must fit before anything is allocated
    const L = data.trainCaptions.shape[1];
    const paramBytes = model.params.length * DTYPE_BYTES[model.config.dtype];
    const rowsPerStep = objective === 'scst' ? batchSize * scstSamples : batchSize;
    checkMemory('batchSize', model.workspaceBytes(rowsPerStep, L - 1) + paramBytes * (1 + UPDATE_RULES[updateRule].state.length) + batchSize * 4);

    this.model = model;
    this.data = data;
    this.updateRule = updateRule;
    this.optimConfig = cfg;
    this.lrDecay = lrDecay;
    this.batchSize = batchSize;
    this.numEpochs = numEpochs;
    this.printEvery = printEvery;
    this.verbose = verbose;
    this.seed = seed;
    this.gradClip = gradClip;
    this.objective = objective;
    this.onStep = onStep;
    this.signal = signal;
    this.log = log ?? ((line) => console.log(line));
    this.rng = new LegacyRandom(seed);
    const numTrain = data.trainCaptions.shape[0];
    this.iterationsPerEpoch = iterationsPerEpoch(numTrain, batchSize);
    this.numIterations = numEpochs * this.iterationsPerEpoch;
    this.minibatches = new Minibatches(sampler, batchSize, numTrain, this.iterationsPerEpoch, this.rng);
    this.objectivePart = createObjective(model, data, { objective, scstSamples, scstBaseline, scstReward });
    this.validation = Validation.create(this, options, (line) => this.log(line), encoder?.cnn ?? null); // checks its options before anything is allocated
    this.updater = new ParamUpdate(model, updateRule, cfg, gradClip);
    this.encoder = encoder ?? null;
  }

  /** The evaluations so far (solvers with evalEvery). */
  get evalHistory(): readonly EvalRecord[] {
    return this.validation?.history ?? [];
  }

  /** True when the last train() stopped because `patience` evaluations brought no new best. */
  get stoppedEarly(): boolean {
    return this.validation?.stopped ?? false;
  }

  /**
   * Writes the best parameters by `keepBest` into the model and, with an encoder part, its CNN
   * (then data.valFeatures are that CNN's again); false when there has been no evaluation.
   */
  restoreBest(): boolean {
    if (!this.validation?.restoreBest()) return false;
    this.encoder?.refresh(this.data);
    return true;
  }

  /** Runs the remaining iterations; resolves to the loss history. */
  async train(): Promise<number[]> {
    if (this.running) throw new Error('recap: train() is already running on this solver');
    this.running = true;
    this.aborted = false;
    const started = now();
    const startIter = this.iteration;
    let lastYield = now();
    try {
      while (this.iteration < this.numIterations && !this.stoppedEarly) {
        if (this.signal?.aborted) {
          this.aborted = true;
          break;
        }
        const t = this.iteration;
        const lead = this.encoder?.leads(t) ?? false;
        const { loss, gradNorm, clipped, learningRate } = await this.stepAsync();
        const elapsed = (now() - started) / 1000;
        if (this.verbose && t % this.printEvery === 0) {
          this.log(`(Iteration ${t + 1} / ${this.numIterations}) loss: ${loss.toFixed(6)}`);
        }
        this.onStep?.({
          iteration: t, numIterations: this.numIterations, epoch: this.epoch, loss, learningRate, gradNorm, clipped,
          itersPerSecond: elapsed > 0 ? (t + 1 - startIter) / elapsed : 0, reward: this.objectivePart.reward, ...(lead ? { lead } : {}),
        });
        if (!lead && this.validation?.due(this.iteration)) { // the model has not trained during a lead: nothing to evaluate
          await this.encoder?.refreshAsync(this.data);
          this.validation.run();
          lastYield = 0; // an evaluation takes a while: let the event loop run
        }
        if (now() - lastYield > 12) {
          await yieldToEventLoop();
          lastYield = now();
        }
      }
    } finally {
      this.running = false;
    }
    return this.lossHistory;
  }

  /** One iteration on this thread: minibatch, loss and gradients, checks, update, bookkeeping. */
  step(): StepResult {
    const t = this.iteration;
    const rows = this.minibatches.next(t);
    if (this.encoder?.leads(t)) return this.record(this.encoder.leadStep(this.data, rows, t), LEAD_UPDATE);
    const { N, T } = this.objectivePart.load(rows, this.rng);
    this.encoder?.forward(this.model, this.data, rows, t);
    const loss = this.model.forwardBackward(N, T);
    this.encoder?.backward(this.model, t);
    const u = this.updater.run(loss, t);
    this.encoder?.update();
    return this.record(loss, u);
  }

  /** The same iteration with the loss, gradients and update on the runtime's threads (bit-identical). */
  async stepAsync(): Promise<StepResult> {
    const t = this.iteration;
    const rows = this.minibatches.next(t);
    if (this.encoder?.leads(t)) return this.record(await this.encoder.leadStepAsync(this.data, rows, t), LEAD_UPDATE);
    const { N, T } = await this.objectivePart.loadAsync(rows, this.rng);
    await this.encoder?.forwardAsync(this.model, this.data, rows, t);
    const loss = await this.model.forwardBackwardAsync(N, T);
    await this.encoder?.backwardAsync(this.model, t);
    const u = await this.updater.runAsync(loss, t);
    this.encoder?.update();
    return this.record(loss, u);
  }

  /** After a successful update: the histories, the counters, and the learning-rate decay at an epoch's end. */
  private record(loss: number, u: UpdateResult): StepResult {
    const t = this.iteration;
    this.lossHistory.push(loss);
    this.gradNormHistory.push(u.gradNorm);
    if (u.clipped) this.clipCount++;
    this.objectivePart.record();
    this.iteration = t + 1;
    if ((t + 1) % this.iterationsPerEpoch === 0) {
      this.epoch += 1;
      this.optimConfig.learningRate *= this.lrDecay;
      this.encoder?.decay(this.lrDecay);
    }
    return { loss, ...u };
  }

  /** A snapshot of the solver's state (for checkpoints). */
  getState(): SolverState {
    return {
      updateRule: this.updateRule, optimConfig: { ...this.optimConfig }, lrDecay: this.lrDecay, batchSize: this.batchSize,
      numEpochs: this.numEpochs, seed: this.seed, samplerKind: this.minibatches.kind,
      iteration: this.iteration, epoch: this.epoch, lossHistory: [...this.lossHistory],
      gradNormHistory: [...this.gradNormHistory], clipCount: this.clipCount, rng: this.rng.getState(),
      blocks: this.updater.getBlocks(), order: this.minibatches.order ? this.minibatches.order.slice() : null,
      scst: this.objectivePart.getState(), validation: this.validation?.getState() ?? null,
      encoder: this.encoder?.getState() ?? null,
    };
  }

  /** Restores a snapshot taken from a solver with the same rule, model shapes and data size. */
  setState(s: SolverState): void {
    // every part's state is checked before any is written: a refused snapshot changes nothing
    if (!s || typeof s !== 'object') fail('state', 'a SolverState (from getState or a checkpoint)', s);
    if (s.updateRule !== this.updateRule) fail('state.updateRule', this.updateRule, s.updateRule);
    this.objectivePart.checkState(s.scst);
    if (this.encoder) this.encoder.checkState(s.encoder);
    else if (s.encoder) fail('state.encoder', 'none (this solver has no encoder)', 'an encoder state');
    this.updater.checkBlocks(s.blocks);
    if (!Number.isInteger(s.iteration) || s.iteration < 0 || s.iteration > this.numIterations) {
      fail('state.iteration', `an integer in [0, ${this.numIterations}]`, s.iteration);
    }
    if (!Number.isInteger(s.epoch) || s.epoch < 0) fail('state.epoch', 'a non-negative integer', s.epoch);
    if (!Array.isArray(s.lossHistory) || s.lossHistory.some((v) => typeof v !== 'number')) fail('state.lossHistory', 'an array of numbers', typeof s.lossHistory);
    // states of older versions have no gradient norms: NaN (not recorded) for each iteration they ran
    const norms = s.gradNormHistory ?? s.lossHistory.map(() => NaN);
    if (!Array.isArray(norms) || norms.length !== s.lossHistory.length || norms.some((v) => typeof v !== 'number' || v < 0)) {
      fail('state.gradNormHistory', `${s.lossHistory.length} non-negative numbers (one per lossHistory entry; NaN: not recorded)`, Array.isArray(norms) ? `${norms.length} values` : typeof norms);
    }
    const clips = s.clipCount ?? 0;
    if (!Number.isInteger(clips) || clips < 0 || clips > s.lossHistory.length) fail('state.clipCount', `an integer in [0, ${s.lossHistory.length}] (iterations clipped)`, clips);
    this.updater.checkConfig(s.optimConfig);
    LegacyRandom.checkState(s.rng, 'state.rng');
    this.minibatches.checkOrder(s.order);
    if (s.validation != null && !this.validation) fail('state.validation', 'none (this solver has no evalEvery)', 'an evaluation history');
    if (this.validation) this.validation.setState(s.validation ?? { history: [], best: null, sinceBest: 0, stopped: false });
    this.updater.apply(s.blocks, s.optimConfig);
    this.iteration = s.iteration;
    this.epoch = s.epoch;
    this.lossHistory = [...s.lossHistory];
    this.gradNormHistory = [...norms];
    this.clipCount = clips;
    this.rng.setState(s.rng);
    this.minibatches.order = s.order ? s.order.slice() : null;
    this.objectivePart.apply(s.scst);
    if (this.encoder) this.encoder.apply(s.encoder!);
  }

  /** Frees the optimizer state (the model is the caller's to dispose). */
  dispose(): void {
    this.updater.dispose();
    this.encoder?.dispose();
  }
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** Lets timers, I/O and rendering run: setImmediate in Node, a MessageChannel hop in browsers. */
function yieldToEventLoop(): Promise<void> {
  const g = globalThis as unknown as { setImmediate?: (f: () => void) => void };
  if (typeof g.setImmediate === 'function') return new Promise((r) => g.setImmediate!(r));
  if (typeof MessageChannel !== 'undefined') {
    return new Promise((r) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        r();
      };
      ch.port2.postMessage(0);
    });
  }
  return new Promise((r) => setTimeout(r, 0));
}

export { RecapError, Tensor, checkCaptionData };
