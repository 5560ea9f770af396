// CaptioningSolver: the CS231n training loop (captioning_solver.py), asynchronous so a page
// stays responsive. Minibatches are written straight into the model's wasm workspace; the
// update is one flat loop over the parameter block per optimizer state block.
import { checkMemory, checkNumber, checkPositiveInt } from '../core/check.js';
import { DivergenceError, RecapError, fail } from '../core/errors.js';
import { WasmBuffer } from '../core/memory.js';
import { DTYPE_BYTES, precision } from '../core/tensor.js';
import { CaptioningRNN } from '../model/captioning-rnn.js';
import { UPDATE_RULES, type UpdateRuleName, checkHyper, checkUpdateRule, resolveHyper, ruleCall } from '../nn/update-rules.js';
import { LegacyRandom } from '../core/rng.js';
import { floatKernels, kernels, queueParts, rt } from '../core/runtime.js';
import { runCalls, type Call } from '../core/threads.js';
import type { CaptionData } from '../data/types.js';
import { checkCaptionData } from './check-data.js';
import { type CaptionReward, type ScstBaseline, ScstBatch, type ScstState, checkScstOptions } from './scst.js';
import { ciderReward } from './scst-reward.js';
import { Tensor } from '../core/tensor.js';
import { VALIDATION_KEYS, Validation, type EvalRecord, type ValidationOptions, type ValidationState } from './validation.js';

export type SolverUpdateRule = UpdateRuleName;
export type Sampler = 'replacement' | 'shuffle' | ((iteration: number) => Int32Array | ArrayLike<number>);

export interface StepInfo {
  /** 0-based iteration just completed. */
  iteration: number;
  numIterations: number;
  epoch: number;
  loss: number;
  /** Learning rate used by this iteration's update. */
  learningRate: number;
  /** Gradient L2 norm before clipping (computed only when gradClip is set; else NaN). */
  gradNorm: number;
  /** Iterations per second over the run so far. */
  itersPerSecond: number;
  /** objective 'scst': the mean reward of this iteration's sampled captions. */
  reward?: number;
}

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
}

const OPTION_KEYS = ['updateRule', 'optimConfig', 'lrDecay', 'batchSize', 'numEpochs', 'printEvery', 'verbose', 'seed',
  'sampler', 'gradClip', 'onStep', 'signal', 'log', 'objective', 'scstSamples', 'scstBaseline', 'scstReward', ...VALIDATION_KEYS];

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
  rng: ReturnType<LegacyRandom['getState']>;
  /** Optimizer state blocks laid out like the parameters. */
  blocks: Record<string, Float32Array | Float64Array>;
  /** Current epoch's permutation (sampler 'shuffle'). */
  order: Int32Array | null;
  /** 'scst' runs: the objective's state (absent or null for 'xe'). */
  scst?: ScstState | null;
  /** Evaluation history and best parameters (solvers with evalEvery; absent or null otherwise). */
  validation?: ValidationState | null;
}

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
  /** Iterations completed so far (the next one to run). */
  iteration = 0;
  epoch = 0;
  /** True when the last train() stopped early because its signal was aborted. */
  aborted = false;
  readonly iterationsPerEpoch: number;
  readonly numIterations: number;

  private sampler: Sampler;
  private onStep?: (info: StepInfo) => void;
  private signal?: AbortSignal;
  private log: (line: string) => void;
  private rng: LegacyRandom;
  private order: Int32Array | null = null;
  private blocks: Record<string, WasmBuffer> = {};
  private backup: WasmBuffer;
  private rows: Int32Array;
  private numTrain: number;
  private running = false;
  private scst: ScstBatch | null = null;
  private validation: Validation | null;

  constructor(model: CaptioningRNN, data: CaptionData, options: SolverOptions = {}) {
    if (!(model instanceof CaptioningRNN)) fail('model', 'a CaptioningRNN', typeof model);
    if (!options || typeof options !== 'object') fail('options', 'an options object', options);
    for (const key of Object.keys(options)) if (!OPTION_KEYS.includes(key)) fail('options', `keys among ${OPTION_KEYS.join(', ')}`, key);
    checkCaptionData(data, model);
    const {
      updateRule = 'sgd', optimConfig = {}, lrDecay = 1, batchSize = 100, numEpochs = 10, printEvery = 10,
      verbose = true, seed = 0, sampler = 'replacement', gradClip, onStep, signal, log,
      objective = 'xe', scstSamples = 5, scstBaseline = 'greedy', scstReward,
    } = options;
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
    if (sampler !== 'replacement' && sampler !== 'shuffle' && typeof sampler !== 'function') {
      fail('sampler', "'replacement', 'shuffle' or a function (iteration) => row indices", sampler);
    }
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
    this.sampler = sampler;
    this.gradClip = gradClip;
    this.objective = objective;
    this.onStep = onStep;
    this.signal = signal;
    this.log = log ?? ((line) => console.log(line));
    this.rng = new LegacyRandom(seed);
    this.numTrain = data.trainCaptions.shape[0];
    this.iterationsPerEpoch = Math.max(Math.floor(this.numTrain / batchSize), 1);
    this.numIterations = numEpochs * this.iterationsPerEpoch;
    this.rows = new Int32Array(batchSize);
    if (objective === 'scst') this.scst = new ScstBatch(model, data, scstSamples, scstBaseline, scstReward ?? ciderReward(data));
    const n = model.params.length;
    this.validation = Validation.create(this, options, (line) => this.log(line)); // checks its options before anything is allocated
    this.backup = new WasmBuffer(model.config.dtype, n);
    for (const name of UPDATE_RULES[updateRule].state) {
      this.blocks[name] = new WasmBuffer(model.config.dtype, n);
      this.blocks[name].zero();
    }
  }

  /** The evaluations so far (solvers with evalEvery). */
  get evalHistory(): readonly EvalRecord[] {
    return this.validation?.history ?? [];
  }

  /** True when the last train() stopped because `patience` evaluations brought no new best. */
  get stoppedEarly(): boolean {
    return this.validation?.stopped ?? false;
  }

  /** Writes the best parameters by `keepBest` into the model; false when there has been no evaluation. */
  restoreBest(): boolean {
    return this.validation?.restoreBest() ?? false;
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
        const { loss, gradNorm, learningRate } = await this.stepAsync();
        const elapsed = (now() - started) / 1000;
        if (this.verbose && t % this.printEvery === 0) {
          this.log(`(Iteration ${t + 1} / ${this.numIterations}) loss: ${loss.toFixed(6)}`);
        }
        this.onStep?.({
          iteration: t, numIterations: this.numIterations, epoch: this.epoch, loss, learningRate, gradNorm,
          itersPerSecond: elapsed > 0 ? (t + 1 - startIter) / elapsed : 0, reward: this.scst?.stats.reward,
        });
        if (this.validation?.due(this.iteration)) {
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
  step(): { loss: number; gradNorm: number; learningRate: number } {
    const { N, T } = this.scst ? this.scst.loadSync(this.nextRows(this.iteration), this.rng) : this.loadBatch();
    return this.update(this.model.forwardBackward(N, T));
  }

  /** The same iteration with the loss and gradients computed on the runtime's threads (bit-identical). */
  async stepAsync(): Promise<{ loss: number; gradNorm: number; learningRate: number }> {
    const { N, T } = this.scst ? await this.scst.loadAsync(this.nextRows(this.iteration), this.rng) : this.loadBatch();
    return this.updateAsync(await this.model.forwardBackwardAsync(N, T));
  }

  /** Writes the next minibatch into the model's workspace. */
  private loadBatch(): { N: number; T: number } {
    const t = this.iteration;
    const model = this.model;
    const rows = this.nextRows(t);
    const N = rows.length;
    const L = this.data.trainCaptions.shape[1];
    const T = L - 1;
    const bufs = model.batch.resize(N, T);
    const rank = model.batch.load(this.data.trainCaptions.data as Int32Array, 0, N, T, rows);
    const D = model.config.inputDim;
    const feats = bufs.features.view();
    const src = this.data.trainFeatures.data;
    const imageIdxs = this.data.trainImageIdxs.data;
    for (let n = 0; n < N; n++) {
      const img = imageIdxs[rows[n]];
      feats.set(src.subarray(img * D, (img + 1) * D), rank[n] * D); // the workspace row of batch row n
    }
    return { N, T };
  }

  /** Checks the loss and gradients, clips, applies the update rule, and advances the counters. */
  private update(loss: number): { loss: number; gradNorm: number; learningRate: number } {
    const u = this.beginUpdate(loss, 1);
    runCalls(kernels(), u.parts[0]);
    return this.endUpdate(loss, u.gradNorm, u.lr);
  }

  /** `update` with the update rule split over the runtime's threads by element ranges (element-wise: bit-identical). */
  private async updateAsync(loss: number): Promise<{ loss: number; gradNorm: number; learningRate: number }> {
    const { pool, threads } = rt();
    if (!pool) return this.update(loss);
    const u = this.beginUpdate(loss, queueParts(threads));
    await pool.runQueue(kernels(), u.parts);
    return this.endUpdate(loss, u.gradNorm, u.lr);
  }

  /** The checks, clipping and backup before an update; returns the update rule's calls on P element ranges. */
  private beginUpdate(loss: number, P: number): { gradNorm: number; lr: number; parts: Call[][] } {
    const t = this.iteration;
    const model = this.model;
    const k = floatKernels(model.config.dtype);
    const n = model.params.length;
    const grads = model.params.grads.ptr;
    if (!Number.isFinite(loss)) throw new DivergenceError(t, 'the loss');
    if (!k.all_finite(grads, n)) throw new DivergenceError(t, 'a gradient');
    let gradNorm = NaN;
    if (this.gradClip !== undefined) {
      gradNorm = Math.sqrt(k.sum_squares(grads, n));
      if (gradNorm > this.gradClip) k.clip_scale(grads, n, this.gradClip / gradNorm);
    }
    // keep the last good parameters: an update that overflows is rolled back
    const e = DTYPE_BYTES[model.config.dtype];
    const values = model.params.writable(); // the update writes them (the parameter version moves on)
    new Uint8Array(values.view().buffer).copyWithin(this.backup.ptr, values.ptr, values.ptr + n * e);
    const c = this.optimConfig;
    const lr = c.learningRate;
    const spec = UPDATE_RULES[this.updateRule];
    if (spec.countsSteps) c.t += 1;
    const ks = kernels(), f = precision(model.config.dtype);
    const parts: Call[][] = [];
    for (let p = 0; p < P; p++) {
      const lo = Math.floor((p * n) / P), len = Math.floor(((p + 1) * n) / P) - lo;
      if (len === 0) { parts.push([]); continue; }
      const at = (ptr: number) => ptr + lo * e;
      const state = spec.state.map((s) => at(this.blocks[s].ptr));
      parts.push([ruleCall(ks, f, this.updateRule, at(values.ptr), state, at(grads), len, c)]);
    }
    return { gradNorm, lr, parts };
  }

  /** After the update rule: rolls back parameters that overflowed, else records the step. */
  private endUpdate(loss: number, gradNorm: number, lr: number): { loss: number; gradNorm: number; learningRate: number } {
    const t = this.iteration;
    const model = this.model;
    const n = model.params.length;
    const c = this.optimConfig;
    if (!floatKernels(model.config.dtype).all_finite(model.params.ptr, n)) {
      const values = model.params.writable();
      new Uint8Array(values.view().buffer).copyWithin(values.ptr, this.backup.ptr, this.backup.ptr + n * DTYPE_BYTES[model.config.dtype]);
      throw new DivergenceError(t, 'the updated parameters (learning rate too high?)');
    }
    this.lossHistory.push(loss);
    this.scst?.record();
    this.iteration = t + 1;
    if ((t + 1) % this.iterationsPerEpoch === 0) {
      this.epoch += 1;
      c.learningRate *= this.lrDecay;
    }
    return { loss, gradNorm, learningRate: lr };
  }

  private nextRows(t: number): Int32Array {
    const N = this.numTrain;
    if (typeof this.sampler === 'function') {
      const r = this.sampler(t);
      if (!r || typeof r.length !== 'number' || r.length < 1) fail('sampler', `a non-empty array of caption rows at iteration ${t}`, r);
      const rows = Int32Array.from(r as ArrayLike<number>);
      for (let i = 0; i < rows.length; i++) {
        if (!Number.isInteger(r[i]) || r[i] < 0 || r[i] >= N) fail(`sampler(${t})[${i}]`, `a caption row in [0, ${N})`, r[i]);
      }
      return rows;
    }
    const B = this.batchSize;
    if (this.sampler === 'replacement') {
      for (let i = 0; i < B; i++) this.rows[i] = this.rng.randint(N);
      return this.rows;
    }
    // 'shuffle': a fresh permutation each epoch, consecutive chunks of it (wrapping if B > N)
    const within = t % this.iterationsPerEpoch;
    if (within === 0 || !this.order) this.order = this.rng.permutation(N);
    for (let i = 0; i < B; i++) this.rows[i] = this.order[(within * B + i) % N];
    return this.rows;
  }

  /** A snapshot of the solver's state (for checkpoints). */
  getState(): SolverState {
    const blocks: Record<string, Float32Array | Float64Array> = {};
    for (const [name, buf] of Object.entries(this.blocks)) blocks[name] = buf.view().slice() as Float32Array | Float64Array;
    return {
      updateRule: this.updateRule, optimConfig: { ...this.optimConfig }, lrDecay: this.lrDecay, batchSize: this.batchSize,
      numEpochs: this.numEpochs, seed: this.seed,
      samplerKind: typeof this.sampler === 'function' ? 'function' : this.sampler,
      iteration: this.iteration, epoch: this.epoch, lossHistory: [...this.lossHistory], rng: this.rng.getState(),
      blocks, order: this.order ? this.order.slice() : null, scst: this.scst ? this.scst.getState() : null,
      validation: this.validation?.getState() ?? null,
    };
  }

  /** Restores a snapshot taken from a solver with the same rule, model shapes and data size. */
  setState(s: SolverState): void {
    // every field is checked before any is written: a refused snapshot changes nothing
    if (!s || typeof s !== 'object') fail('state', 'a SolverState (from getState or a checkpoint)', s);
    if (s.updateRule !== this.updateRule) fail('state.updateRule', this.updateRule, s.updateRule);
    if (!this.scst !== !s.scst) fail('state.scst', this.scst ? 'the state of an SCST run' : 'none (an xe run)', s.scst ? 'an SCST state' : s.scst);
    if (this.scst) this.scst.checkState(s.scst);
    const n = this.model.params.length;
    const Block = this.model.config.dtype === 'float64' ? Float64Array : Float32Array;
    if (!s.blocks || typeof s.blocks !== 'object') fail('state.blocks', 'an object of optimizer blocks', s.blocks);
    for (const name of UPDATE_RULES[this.updateRule].state) {
      const blk = s.blocks[name];
      if (!(blk instanceof Float32Array || blk instanceof Float64Array) || blk.length !== n) {
        fail(`state.blocks.${name}`, `${n} values (a ${Block.name})`, blk && typeof blk === 'object' && 'length' in blk ? `${(blk as ArrayLike<number>).length} values` : blk);
      }
      for (let i = 0; i < n; i++) if (!Number.isFinite(blk[i])) fail(`state.blocks.${name}[${i}]`, 'a finite number', blk[i]);
    }
    if (!Number.isInteger(s.iteration) || s.iteration < 0 || s.iteration > this.numIterations) {
      fail('state.iteration', `an integer in [0, ${this.numIterations}]`, s.iteration);
    }
    if (!Number.isInteger(s.epoch) || s.epoch < 0) fail('state.epoch', 'a non-negative integer', s.epoch);
    if (!Array.isArray(s.lossHistory) || s.lossHistory.some((v) => typeof v !== 'number')) fail('state.lossHistory', 'an array of numbers', typeof s.lossHistory);
    if (!s.optimConfig || typeof s.optimConfig !== 'object') fail('state.optimConfig', 'an object', s.optimConfig);
    for (const [k, v] of Object.entries(s.optimConfig)) {
      if (!Object.hasOwn(this.optimConfig, k)) fail('state.optimConfig', `keys among ${Object.keys(this.optimConfig).join(', ')}`, k);
      checkHyper(`state.optimConfig.${k}`, k, v);
    }
    LegacyRandom.checkState(s.rng, 'state.rng');
    if (s.order !== null && s.order !== undefined) {
      if (!(s.order instanceof Int32Array) || s.order.length !== this.numTrain || s.order.some((v) => v < 0 || v >= this.numTrain)) {
        fail('state.order', `null or an Int32Array permutation of ${this.numTrain} rows`, s.order instanceof Int32Array ? `${s.order.length} rows` : s.order);
      }
    }
    if (s.validation != null && !this.validation) fail('state.validation', 'none (this solver has no evalEvery)', 'an evaluation history');
    if (this.validation) this.validation.setState(s.validation ?? { history: [], best: null, sinceBest: 0, stopped: false });
    Object.assign(this.optimConfig, s.optimConfig);
    this.iteration = s.iteration;
    this.epoch = s.epoch;
    this.lossHistory = [...s.lossHistory];
    this.rng.setState(s.rng);
    this.order = s.order ? s.order.slice() : null;
    if (this.scst) this.scst.apply(s.scst!);
    for (const name of UPDATE_RULES[this.updateRule].state) this.blocks[name].view().set(s.blocks[name]);
  }

  /** Frees the optimizer state (the model is the caller's to dispose). */
  dispose(): void {
    for (const b of Object.values(this.blocks)) b.free();
    this.blocks = {};
    this.backup.free();
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
