// The solver's update of the model's parameters: checks that the loss and every gradient are
// finite, measures the gradient's global L2 norm (before clipping), clips, keeps the last good
// parameters, and runs the update rule (nn/update-rules.ts) over element ranges of the one
// parameter block, on one thread or split over the runtime's threads (element-wise: every split
// gives the same bits). Owns the optimizer state blocks (laid out like the parameters).
import { DivergenceError, fail } from '../core/errors.js';
import { WasmBuffer } from '../core/memory.js';
import { floatKernels, kernels, queueParts, rt } from '../core/runtime.js';
import { DTYPE_BYTES, precision } from '../core/tensor.js';
import { runCalls, type Call } from '../core/threads.js';
import type { CaptioningRNN } from '../model/captioning-rnn.js';
import { UPDATE_RULES, type UpdateRuleName, checkHyper, ruleCall } from '../nn/update-rules.js';

/** What one update did. */
export interface UpdateResult {
  /** Global L2 norm of every parameter gradient before clipping: sqrt of Σ g² (f64 sum in wasm). */
  gradNorm: number;
  /** True when gradClip scaled the gradients down (gradNorm > gradClip). */
  clipped: boolean;
  /** Learning rate this update used. */
  learningRate: number;
}

export class ParamUpdate {
  private blocks: Record<string, WasmBuffer> = {};
  private backup: WasmBuffer;

  /** `optimConfig`: the resolved hyperparameters (the caller's object: learningRate decays in it). */
  constructor(private readonly model: CaptioningRNN, readonly rule: UpdateRuleName, readonly optimConfig: Record<string, number>,
    readonly gradClip: number | undefined) {
    const n = model.params.length;
    this.backup = new WasmBuffer(model.config.dtype, n);
    for (const name of UPDATE_RULES[rule].state) {
      this.blocks[name] = new WasmBuffer(model.config.dtype, n);
      this.blocks[name].zero();
    }
  }

  /** Checks, measures, clips and updates on this thread; `t` is the iteration (for errors). */
  run(loss: number, t: number): UpdateResult {
    const u = this.begin(loss, t, 1);
    runCalls(kernels(), u.parts[0]);
    this.end(t);
    return u.result;
  }

  /** `run` with the update rule split over the runtime's threads by element ranges (bit-identical). */
  async runAsync(loss: number, t: number): Promise<UpdateResult> {
    const { pool, threads } = rt();
    if (!pool) return this.run(loss, t);
    const u = this.begin(loss, t, queueParts(threads));
    await pool.runQueue(kernels(), u.parts);
    this.end(t);
    return u.result;
  }

  /** The checks, norm, clipping and backup before an update; returns the update rule's calls on P element ranges. */
  private begin(loss: number, t: number, P: number): { result: UpdateResult; parts: Call[][] } {
    const model = this.model;
    const k = floatKernels(model.config.dtype);
    const n = model.params.length;
    const grads = model.params.grads.ptr;
    if (!Number.isFinite(loss)) throw new DivergenceError(t, 'the loss');
    if (!k.all_finite(grads, n)) throw new DivergenceError(t, 'a gradient');
    const gradNorm = Math.sqrt(k.sum_squares(grads, n));
    const clipped = this.gradClip !== undefined && gradNorm > this.gradClip;
    if (clipped) k.clip_scale(grads, n, this.gradClip! / gradNorm);
    // keep the last good parameters: an update that overflows is rolled back
    const e = DTYPE_BYTES[model.config.dtype];
    const values = model.params.writable(); // the update writes them (the parameter version moves on)
    new Uint8Array(values.view().buffer).copyWithin(this.backup.ptr, values.ptr, values.ptr + n * e);
    const c = this.optimConfig;
    const learningRate = c.learningRate;
    const spec = UPDATE_RULES[this.rule];
    if (spec.countsSteps) c.t += 1;
    const ks = kernels(), f = precision(model.config.dtype);
    const parts: Call[][] = [];
    for (let p = 0; p < P; p++) {
      const lo = Math.floor((p * n) / P), len = Math.floor(((p + 1) * n) / P) - lo;
      if (len === 0) { parts.push([]); continue; }
      const at = (ptr: number) => ptr + lo * e;
      const state = spec.state.map((s) => at(this.blocks[s].ptr));
      parts.push([ruleCall(ks, f, this.rule, at(values.ptr), state, at(grads), len, c)]);
    }
    return { result: { gradNorm, clipped, learningRate }, parts };
  }

  /** After the update rule: rolls back parameters that overflowed (DivergenceError). */
  private end(t: number): void {
    const model = this.model;
    const n = model.params.length;
    if (!floatKernels(model.config.dtype).all_finite(model.params.ptr, n)) {
      const values = model.params.writable();
      new Uint8Array(values.view().buffer).copyWithin(values.ptr, this.backup.ptr, this.backup.ptr + n * DTYPE_BYTES[model.config.dtype]);
      throw new DivergenceError(t, 'the updated parameters (learning rate too high?)');
    }
  }

  /** Copies of the optimizer state blocks. */
  getBlocks(): Record<string, Float32Array | Float64Array> {
    const blocks: Record<string, Float32Array | Float64Array> = {};
    for (const [name, buf] of Object.entries(this.blocks)) blocks[name] = buf.view().slice() as Float32Array | Float64Array;
    return blocks;
  }

  /** Checks saved optimizer blocks (RecapError naming state.blocks.*); writes nothing. */
  checkBlocks(blocks: unknown): void {
    const n = this.model.params.length;
    const Block = this.model.config.dtype === 'float64' ? Float64Array : Float32Array;
    if (!blocks || typeof blocks !== 'object') fail('state.blocks', 'an object of optimizer blocks', blocks);
    for (const name of UPDATE_RULES[this.rule].state) {
      const blk = (blocks as Record<string, unknown>)[name];
      if (!(blk instanceof Float32Array || blk instanceof Float64Array) || blk.length !== n) {
        fail(`state.blocks.${name}`, `${n} values (a ${Block.name})`, blk && typeof blk === 'object' && 'length' in blk ? `${(blk as ArrayLike<number>).length} values` : blk);
      }
      for (let i = 0; i < n; i++) if (!Number.isFinite(blk[i])) fail(`state.blocks.${name}[${i}]`, 'a finite number', blk[i]);
    }
  }

  /** Checks saved hyperparameters (their keys must be this rule's); writes nothing. */
  checkConfig(optimConfig: unknown): void {
    if (!optimConfig || typeof optimConfig !== 'object') fail('state.optimConfig', 'an object', optimConfig);
    for (const [k, v] of Object.entries(optimConfig)) {
      if (!Object.hasOwn(this.optimConfig, k)) fail('state.optimConfig', `keys among ${Object.keys(this.optimConfig).join(', ')}`, k);
      checkHyper(`state.optimConfig.${k}`, k, v);
    }
  }

  /** Writes checked blocks and hyperparameters. */
  apply(blocks: Record<string, Float32Array | Float64Array>, optimConfig: Record<string, number>): void {
    Object.assign(this.optimConfig, optimConfig);
    for (const name of UPDATE_RULES[this.rule].state) this.blocks[name].view().set(blocks[name]);
  }

  /** Frees the optimizer state and the backup. */
  dispose(): void {
    for (const b of Object.values(this.blocks)) b.free();
    this.blocks = {};
    this.backup.free();
  }
}
