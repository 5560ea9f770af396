// The parameter table (llm.c's ParameterTensors): one (name, shape, init) table lays out one
// block of parameter values and one of gradients in wasm memory. The block owns a version
// number: every write of the values goes through it and bumps the version, so caches built
// from the values (packed weights, greedy decoding's folded table) know when they are stale.
import { checkMemory } from '../core/check.js';
import { WasmBuffer } from '../core/memory.js';
import { LegacyRandom } from '../core/rng.js';
import { DTYPE_BYTES, Tensor, sizeOf } from '../core/tensor.js';
import type { ModelConfig } from './config.js';

export const PARAM_NAMES = ['W_proj', 'b_proj', 'W_embed', 'Wx', 'Wh', 'b', 'W_vocab', 'b_vocab'] as const;
export type ParamName = (typeof PARAM_NAMES)[number];

interface ParamSpec {
  /** CS231n shape; G = 4H for the LSTM. */
  shape(c: ModelConfig): number[];
  /** randn / scale (CS231n's init); null: zeros. */
  scale: ((c: ModelConfig) => number) | null;
}

const G = (c: ModelConfig) => (c.cellType === 'lstm' ? 4 : 1) * c.hiddenDim;

/** In block order. */
export const PARAM_TABLE: Readonly<Record<ParamName, ParamSpec>> = {
  W_proj: { shape: (c) => [c.inputDim, c.hiddenDim], scale: (c) => Math.sqrt(c.inputDim) }, // (D, H)
  b_proj: { shape: (c) => [c.hiddenDim], scale: null }, // (H)
  W_embed: { shape: (c) => [c.vocabSize, c.wordvecDim], scale: () => 100 }, // (V, W)
  Wx: { shape: (c) => [c.wordvecDim, G(c)], scale: (c) => Math.sqrt(c.wordvecDim) }, // (W, G)
  Wh: { shape: (c) => [c.hiddenDim, G(c)], scale: (c) => Math.sqrt(c.hiddenDim) }, // (H, G)
  b: { shape: (c) => [G(c)], scale: null }, // (G)
  W_vocab: { shape: (c) => [c.hiddenDim, c.vocabSize], scale: (c) => Math.sqrt(c.hiddenDim) }, // (H, V)
  b_vocab: { shape: (c) => [c.vocabSize], scale: null }, // (V)
};

/** CS231n's draw order (rnn.py __init__), which the seeded init follows. */
const INIT_ORDER: readonly ParamName[] = ['W_embed', 'W_proj', 'Wx', 'Wh', 'W_vocab'];

export class ParamBlock {
  /** Parameter values, PARAM_NAMES in order. Read through `addr`; write only through `write` / `writable`. */
  private readonly values: WasmBuffer;
  /** Gradients, laid out like the values (the training step writes them). */
  readonly grads: WasmBuffer;
  readonly layout: Readonly<Record<ParamName, { offset: number; shape: number[] }>>;
  /** Number of scalars in the block. */
  readonly length: number;
  private _version = 0;

  constructor(readonly config: ModelConfig, seed: number) {
    let total = 0;
    const layout = {} as Record<ParamName, { offset: number; shape: number[] }>;
    for (const name of PARAM_NAMES) {
      const shape = PARAM_TABLE[name].shape(config);
      layout[name] = { offset: total, shape };
      total += sizeOf(shape);
    }
    checkMemory('model', total * DTYPE_BYTES[config.dtype] * 4);
    this.layout = layout;
    this.length = total;
    this.values = new WasmBuffer(config.dtype, total);
    try {
      this.grads = new WasmBuffer(config.dtype, total);
    } catch (e) {
      this.values.free();
      throw e;
    }
    const rng = new LegacyRandom(seed);
    const p = this.values.view();
    p.fill(0);
    for (const name of INIT_ORDER) {
      const { offset, shape } = layout[name];
      const scale = PARAM_TABLE[name].scale!(config);
      const n = sizeOf(shape);
      for (let i = 0; i < n; i++) p[offset + i] = rng.randn() / scale;
    }
  }

  /** Bumped by every write of the values: a cache made from version v is valid while version === v. */
  get version(): number {
    return this._version;
  }

  /** Byte address of a parameter's values (read-only use). */
  addr(name: ParamName): number {
    return this.values.at(this.layout[name].offset);
  }

  /** Byte address of a parameter's gradient. */
  gradAddr(name: ParamName): number {
    return this.grads.at(this.layout[name].offset);
  }

  /** Byte address of the whole value block, for reading (checks, backups). */
  get ptr(): number {
    return this.values.ptr;
  }

  /**
   * The value block for an in-place write (an optimizer step, a rollback). Bumps the version
   * first, so every cache of the old values is stale from this call on.
   */
  writable(): WasmBuffer {
    this._version++;
    return this.values;
  }

  /** Writes whole parameters (already checked by the caller). */
  write(tensors: Partial<Record<ParamName, Tensor>>): void {
    const p = this.writable().view();
    for (const [name, t] of Object.entries(tensors) as [ParamName, Tensor][]) p.set(t.data, this.layout[name].offset);
  }

  /** Copies of every parameter (`grads`: of every gradient). */
  copy(which: 'values' | 'grads' = 'values'): Record<ParamName, Tensor> {
    const block = which === 'values' ? this.values : this.grads;
    const out = {} as Record<ParamName, Tensor>;
    for (const name of PARAM_NAMES) out[name] = block.toTensor(this.layout[name].shape, this.layout[name].offset);
    return out;
  }

  /** A view of the values (reading). */
  view(): Float32Array | Float64Array {
    return this.values.view() as Float32Array | Float64Array;
  }

  free(): void {
    this.values.free();
    this.grads.free();
  }
}
