// The recurrent and vocabulary weights in the packed layouts of gemm_nn_packed (Wx, Wh, W_vocab)
// and gemm_nt_packed (Whᵀ). The buffers are allocated once; the training step re-packs Wx, Wh
// and Whᵀ every step, greedy decoding packs what its cache says is stale.
import { type WasmBuffer, allocAll, freeAll } from '../core/memory.js';
import { kernels } from '../core/runtime.js';
import type { FloatDType } from '../core/tensor.js';
import { type ModelConfig, sizesOf } from './config.js';

export type PackedName = 'Wx' | 'Wh' | 'WhT' | 'W_vocab';

export class PackedWeights {
  private bufs: Record<PackedName, WasmBuffer> | null = null;

  constructor(private readonly config: ModelConfig) {}

  /** The buffers (allocated on first use). */
  get(): Record<PackedName, WasmBuffer> {
    if (!this.bufs) {
      const { W, H, V, G, e, f } = sizesOf(this.config);
      const bytes = kernels()[`${f}packed_b_bytes`];
      const size = (K: number, M: number) => [this.config.dtype, bytes(K, M) / e] as [FloatDType, number];
      this.bufs = allocAll({ Wx: size(W, G), Wh: size(H, G), WhT: size(G, H), W_vocab: size(H, V) });
    }
    return this.bufs;
  }

  dispose(): void {
    freeAll(this.bufs);
    this.bufs = null;
  }
}
