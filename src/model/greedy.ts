// Greedy decoding as kernel calls over partitions of the batch rows, and its caches.
//
// Partition p projects its rows' features to h0, then per step embeds the previous words,
// advances h (and c), scores the vocabulary and takes the argmax into column t+1 of a
// step-major token buffer (column 0 = <START>); with n-gram blocking, block_ngrams first sets
// the scores of the words that would repeat an n-gram of the row's words so far (read from
// the same token buffer, step-major) to −∞ — the step-wise path's rule, so the same captions. The step's weights are packed once and every
// step's GEMMs read them packed: the same sums as lstm_step_forward / rnn_step_forward and
// affine_forward, bit for bit.
//
// Caches, valid for one version of the parameter block: the packed Wh / W_vocab (and Wx), and
// the folded input projection E = W_embed·Wx (V, G), whose row w is x·Wx for word w — built
// once the rows decoded with these parameters reach V, so it costs at most what computing x·Wx
// directly would have; with E, x·Wx is a row add (the same sum, so the same bits). A plan only
// reads the cache state; `commit()`, called after the plan has run, records what it filled.
import { checkMemory } from '../core/check.js';
import { RecapError } from '../core/errors.js';
import { WasmBuffer } from '../core/memory.js';
import { scratch } from '../core/runtime.js';
import { Tensor } from '../core/tensor.js';
import type { Call } from '../core/threads.js';
import { type ModelConfig, sizesOf } from './config.js';
import type { PackedWeights } from './packed.js';
import type { ParamBlock, ParamName } from './params.js';
import type { Stepper } from './stepwise.js';

/** Largest folded input projection E = W_embed·Wx greedy decoding keeps (bytes). */
const FOLD_MAX_BYTES = 64 * 2 ** 20;

export interface GreedyPlan {
  /** Weight packing, run first on the calling thread. */
  pack: Call[];
  /** Rows of E per partition (empty when E is not built by this call). */
  fold: Call[][];
  /** The decoding of each partition's rows. */
  parts: Call[][];
  /** After every call list has run: records what the plan filled in the cache. */
  commit(): void;
  /** The (N, maxLength) captions. */
  result(): Tensor;
}

interface CacheState {
  version: number;
  packedWx: boolean;
  packedRest: boolean;
  folded: boolean;
  /** Rows decoded with this version. */
  rows: number;
}

export class GreedyDecoder {
  /** Step-major tokens, int32 ((maxLength+1)·N), grown when needed. */
  private tokens: WasmBuffer | null = null;
  private folded: WasmBuffer | null = null;
  private cache: CacheState = { version: -1, packedWx: false, packedRest: false, folded: false, rows: 0 };

  constructor(private readonly config: ModelConfig, private readonly params: ParamBlock,
    private readonly packed: PackedWeights, private readonly stepper: Stepper) {}

  /** Whether E is built for the current parameters (tests and diagnostics). */
  get foldedValid(): boolean {
    return this.cache.folded && this.cache.version === this.params.version;
  }

  /**
   * Plans greedy decoding of `features` (N, D) for P partitions, blocking repeated n-grams when
   * `ngram` > 0 (SampleOptions.blockRepeatNgrams); fills the inputs, runs nothing.
   */
  plan(features: Tensor, N: number, maxLength: number, startIdx: number, P: number, ngram = 0): GreedyPlan {
    const { D, W, H, V, G, lstm, e, f } = sizesOf(this.config);
    checkMemory('maxLength', (maxLength + 1) * N * 4);
    const b = this.stepper.ensure(N);
    b.features.view().set(features.data);
    b.c.zero();
    if (!this.tokens || this.tokens.length < (maxLength + 1) * N) {
      const grown = new WasmBuffer('int32', (maxLength + 1) * N); // the old one goes once this one exists
      this.tokens?.free();
      this.tokens = grown;
    }
    const tokens = this.tokens;
    (tokens.view() as Int32Array).fill(startIdx, 0, N);
    const A = (name: ParamName) => this.params.addr(name);
    const pk = this.packed.get();
    const cache = this.cachePlan(N * maxLength, P);
    const { pack, fold, useFold } = cache;
    const parts: Call[][] = [];
    for (let p = 0; p < P; p++) {
      const r0 = Math.floor((p * N) / P);
      const n = Math.floor(((p + 1) * N) / P) - r0;
      const c: Call[] = [];
      parts.push(c);
      if (n === 0) continue;
      const sp = scratch(p);
      const at = (buf: WasmBuffer, perRow: number) => buf.ptr + r0 * perRow * e;
      let [h, hNext, cc, cNext] = [b.h, b.hNext, b.c, b.cNext];
      const a = lstm ? at(b.gates, G) : at(b.dtanh, H); // (n, G): b + x·Wx + h·Wh
      const x = at(b.x, W), scores = at(b.scores, V);
      c.push([`${f}affine_forward`, at(h, H), at(b.features, D), A('W_proj'), A('b_proj'), n, D, H, sp]);
      for (let t = 0; t < maxLength; t++) {
        const words = tokens.at(t * N + r0);
        c.push([`${f}bias_rows`, a, A('b'), n, G, G]);
        if (useFold) {
          c.push([`${f}gather_add_rows`, a, words, this.folded!.ptr, n, V, G]);
        } else {
          c.push([`${f}word_embedding_forward`, x, words, A('W_embed'), n, V, W]);
          c.push([`${f}gemm_nn_packed`, a, x, pk.Wx.ptr, A('Wx'), n, G, W, W, G, G, 1]);
        }
        c.push([`${f}gemm_nn_packed`, a, at(h, H), pk.Wh.ptr, A('Wh'), n, G, H, H, G, G, 1]);
        if (lstm) {
          c.push([`${f}lstm_cell_forward`, at(hNext, H), at(cNext, H), a, at(b.dgates, G), at(b.tanhC, H), at(b.dtanhC, H), at(cc, H), 1, n, H]);
          [cc, cNext] = [cNext, cc];
        } else {
          c.push([`${f}tanh_forward`, at(hNext, H), a, a, n, H]);
        }
        [h, hNext] = [hNext, h];
        c.push([`${f}bias_rows`, scores, A('b_vocab'), n, V, V]);
        c.push([`${f}gemm_nn_packed`, scores, at(h, H), pk.W_vocab.ptr, A('W_vocab'), n, V, H, H, V, V, 1]);
        if (ngram > 0 && t > 0) c.push([`${f}block_ngrams`, scores, tokens.at(N + r0), n, V, 1, N, t, ngram]);
        c.push([`${f}argmax_rows`, tokens.at((t + 1) * N + r0), scores, n, V, V]);
      }
    }
    const commit = cache.commit;
    const result = () => {
      const tv = tokens.view() as Int32Array;
      const out = new Int32Array(N * maxLength);
      for (let t = 0; t < maxLength; t++) for (let n = 0; n < N; n++) out[n * maxLength + t] = tv[(t + 1) * N + n];
      return new Tensor(out, [N, maxLength]);
    };
    return { pack, fold, parts, commit, result };
  }

  /**
   * The cache part of a decoding plan that decodes `rows` row-steps on P partitions: the weight
   * packing (run first, on the calling thread), the rows of E per partition when this call
   * builds it, and whether the steps add rows of E (`folded`, the table) instead of running
   * x·Wx with the packed Wx. Reads the cache state only; `commit()` records what it filled.
   */
  cachePlan(rows: number, P: number): { pack: Call[]; fold: Call[][]; useFold: boolean; folded: number; commit(): void } {
    const { W, H, V, G, e, f } = sizesOf(this.config);
    const A = (name: ParamName) => this.params.addr(name);
    const pk = this.packed.get();
    // what this version's cache holds; the plan fills the rest
    const version = this.params.version;
    const was: CacheState = this.cache.version === version ? this.cache : { version, packedWx: false, packedRest: false, folded: false, rows: 0 };
    const now: CacheState = { ...was, packedRest: true, rows: was.rows + rows };
    const pack: Call[] = [];
    if (!was.packedRest) pack.push([`${f}pack_b`, pk.Wh.ptr, A('Wh'), H, G, G], [`${f}pack_b`, pk.W_vocab.ptr, A('W_vocab'), H, V, V]);
    const fold: Call[][] = Array.from({ length: P }, () => []);
    if (!was.folded && now.rows >= V && V * G * e <= FOLD_MAX_BYTES && this.foldBuffer(V * G)) {
      for (let p = 0; p < P; p++) { // rows of E split over the threads (rows are independent)
        const v0 = Math.floor((p * V) / P), v1 = Math.floor(((p + 1) * V) / P);
        if (v1 > v0) fold[p].push([`${f}gemm_nn`, this.folded!.ptr + v0 * G * e, A('W_embed') + v0 * W * e, A('Wx'), v1 - v0, G, W, W, G, G, 0, scratch(p)]);
      }
      now.folded = true;
    }
    const useFold = now.folded;
    if (!useFold && !was.packedWx) pack.push([`${f}pack_b`, pk.Wx.ptr, A('Wx'), W, G, G]);
    now.packedWx ||= !useFold;
    const commit = () => {
      this.cache = now;
    };
    return { pack, fold, useFold, folded: useFold ? this.folded!.ptr : 0, commit };
  }

  /** The folded table's buffer, allocated once; false (decode without it) when memory cannot grow that far. */
  private foldBuffer(n: number): boolean {
    if (!this.folded) {
      try {
        this.folded = new WasmBuffer(this.config.dtype, n);
      } catch (e) {
        if (e instanceof RecapError) return false;
        throw e;
      }
    }
    return true;
  }

  dispose(): void {
    this.tokens?.free();
    this.tokens = null;
    this.folded?.free();
    this.folded = null;
  }
}
