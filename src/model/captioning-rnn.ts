// CaptioningRNN: the CS231n image-captioning model (classifiers/rnn.py), with its parameters,
// gradients and activations in wasm memory. One table of (name, shape) lays out one parameter
// block and one gradient block; the API copies only at its edge.
//
// Shapes: N batch, T time, D image feature, W word vector, H hidden, V vocabulary.
import { Dims, checkFinite, checkIds, checkNumber, checkPositiveInt, checkMemory } from '../core/check.js';
import { RecapError, fail } from '../core/errors.js';
import { WasmBuffer, kname } from '../core/memory.js';
import { LegacyRandom } from '../core/rng.js';
import { kernels, queueParts, rt, scratch, type Kernels } from '../core/runtime.js';
import { runCalls, type Call } from '../core/threads.js';
import { type FloatDType, Tensor, checkTensor, sizeOf } from '../core/tensor.js';

export type CellType = 'rnn' | 'lstm';
/** Largest folded input projection E = W_embed·Wx greedy decoding keeps (bytes). */
const FOLD_MAX_BYTES = 64 * 2 ** 20;
export const PARAM_NAMES = ['W_proj', 'b_proj', 'W_embed', 'Wx', 'Wh', 'b', 'W_vocab', 'b_vocab'] as const;
export type ParamName = (typeof PARAM_NAMES)[number];

export interface CaptioningRNNOptions {
  wordToIdx: Record<string, number>;
  inputDim?: number;
  wordvecDim?: number;
  hiddenDim?: number;
  cellType?: CellType;
  dtype?: FloatDType;
  seed?: number;
}

export interface SampleOptions {
  /** Words to generate per image (no early stop, as CS231n). */
  maxLength?: number;
  /** 1 = greedy / temperature sampling; k > 1 = beam search of width k. */
  beamSize?: number;
  /** 0 = argmax; > 0 samples from softmax(scores / temperature). */
  temperature?: number;
  /** Seed of the sampling stream (temperature > 0). */
  seed?: number;
}

export interface ModelConfig {
  inputDim: number;
  wordvecDim: number;
  hiddenDim: number;
  cellType: CellType;
  dtype: FloatDType;
  vocabSize: number;
}

/** Activations for a batch shape (N, T); re-made only when a larger batch arrives. */
interface Workspace {
  N: number;
  T: number;
  bufs: Record<string, WasmBuffer>;
}

export class CaptioningRNN {
  readonly config: ModelConfig;
  readonly wordToIdx: Record<string, number>;
  readonly idxToWord: string[];
  readonly nullIdx: number;
  readonly startIdx: number | null;
  readonly endIdx: number | null;

  /** @internal parameter and gradient blocks, and each parameter's offset and shape */
  readonly params: WasmBuffer;
  /** @internal */
  readonly grads: WasmBuffer;
  /** @internal */
  readonly layout: Record<ParamName, { offset: number; shape: number[] }>;
  private ws: Workspace | null = null;
  private sampleWs: Workspace | null = null;
  /** The first compacted scored step of each sorted batch row (compactScored), N+1 entries. */
  private scoredStart = new Int32Array(1);
  /**
   * The length-sorted batch of the workspace (splitCaptions): rank[n] = the workspace row of
   * batch row n, len[s] = the steps workspace row s runs (1 + its last scored step, 0 if none),
   * active[t] = the rows still running at step t (a prefix), off[t] = the first packed row of
   * step t (T+1 entries). Grown only when a larger batch arrives.
   */
  private seq = { rank: new Int32Array(1), len: new Int32Array(1), active: new Int32Array(1), off: new Int32Array(2), count: new Int32Array(1) };
  /** Greedy decoding's step-major tokens, int32 ((maxLength+1)·N), grown when needed. */
  private tokens: WasmBuffer | null = null;
  /** Wx, Wh, W_vocab in the packed-B layout of gemm_nn_packed and Whᵀ in that of gemm_nt_packed (refreshed by every step and greedy call). */
  private packed: Record<'Wx' | 'Wh' | 'WhT' | 'W_vocab', WasmBuffer> | null = null;
  private disposed = false;
  /** Bumped by every write of the parameters (setParams, the solver's updates): the caches below are for one version. */
  private paramsVersion = 0;
  /**
   * Greedy decoding's caches for the parameters of `version`: whether the packed Wx / Wh /
   * W_vocab hold them, and the folded input projection E = W_embed·Wx (V, G), whose row w is
   * x·Wx for word w — built once `rows` decoded with these parameters reach V, so it costs at
   * most what computing x·Wx directly would have.
   */
  private decode = { version: -1, packedWx: false, packedRest: false, folded: false, rows: 0 };
  private folded: WasmBuffer | null = null;

  constructor(options: CaptioningRNNOptions) {
    if (!options || typeof options !== 'object') fail('options', 'an options object with wordToIdx', options);
    const { wordToIdx, inputDim = 512, wordvecDim = 128, hiddenDim = 128, cellType = 'rnn', dtype = 'float32', seed = 0 } = options;
    if (!wordToIdx || typeof wordToIdx !== 'object') fail('wordToIdx', 'an object mapping words to ids', wordToIdx);
    const V = Object.keys(wordToIdx).length;
    for (const [w, i] of Object.entries(wordToIdx)) {
      if (!Number.isInteger(i) || i < 0) fail(`wordToIdx[${JSON.stringify(w)}]`, 'a non-negative integer id', i);
    }
    if (!('<NULL>' in wordToIdx)) fail('wordToIdx', "a vocabulary containing '<NULL>'", `${V} words without it`);
    checkPositiveInt('inputDim', inputDim, 1 << 20);
    checkPositiveInt('wordvecDim', wordvecDim, 1 << 20);
    checkPositiveInt('hiddenDim', hiddenDim, 1 << 20);
    if (cellType !== 'rnn' && cellType !== 'lstm') fail('cellType', "'rnn' or 'lstm'", cellType);
    if (dtype !== 'float32' && dtype !== 'float64') fail('dtype', "'float32' or 'float64'", dtype);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) fail('seed', 'an integer in [0, 2^32)', seed);
    kernels(); // throws before init()

    this.wordToIdx = { ...wordToIdx };
    this.idxToWord = [];
    for (const [w, i] of Object.entries(wordToIdx)) this.idxToWord[i] = w;
    this.nullIdx = wordToIdx['<NULL>'];
    this.startIdx = wordToIdx['<START>'] ?? null;
    this.endIdx = wordToIdx['<END>'] ?? null;
    this.config = { inputDim, wordvecDim, hiddenDim, cellType, dtype, vocabSize: V };

    const G = (cellType === 'lstm' ? 4 : 1) * hiddenDim;
    const shapes: Record<ParamName, number[]> = {
      W_proj: [inputDim, hiddenDim], b_proj: [hiddenDim], W_embed: [V, wordvecDim],
      Wx: [wordvecDim, G], Wh: [hiddenDim, G], b: [G], W_vocab: [hiddenDim, V], b_vocab: [V],
    };
    let total = 0;
    const layout = {} as Record<ParamName, { offset: number; shape: number[] }>;
    for (const name of PARAM_NAMES) {
      layout[name] = { offset: total, shape: shapes[name] };
      total += sizeOf(shapes[name]);
    }
    checkMemory('model', total * (dtype === 'float64' ? 8 : 4) * 4);
    this.layout = layout;
    this.params = new WasmBuffer(dtype, total);
    try {
      this.grads = new WasmBuffer(dtype, total);
    } catch (e) {
      this.params.free();
      throw e;
    }

    // CS231n init order and scales: W_embed/100, W_proj/√D, Wx/√W, Wh/√H, W_vocab/√H, biases 0.
    const rng = new LegacyRandom(seed);
    const p = this.params.view();
    p.fill(0);
    const draw = (name: ParamName, scale: number) => {
      const { offset, shape } = layout[name];
      const n = sizeOf(shape);
      for (let i = 0; i < n; i++) p[offset + i] = rng.randn() / scale;
    };
    draw('W_embed', 100);
    draw('W_proj', Math.sqrt(inputDim));
    draw('Wx', Math.sqrt(wordvecDim));
    draw('Wh', Math.sqrt(hiddenDim));
    draw('W_vocab', Math.sqrt(hiddenDim));
  }

  private alive(): Kernels {
    if (this.disposed) throw new RecapError('model', 'a live CaptioningRNN', 'one that has been disposed (dispose() frees its memory)');
    return kernels();
  }

  /** @internal byte address of a parameter (or its gradient with `grads`) */
  addr(name: ParamName, block: WasmBuffer = this.params): number {
    return block.at(this.layout[name].offset);
  }

  /** Copies of all parameters. */
  getParams(): Record<ParamName, Tensor> {
    this.alive();
    return this.copyBlock(this.params);
  }

  /** @internal copies of a block laid out like the parameters */
  copyBlock(block: WasmBuffer): Record<ParamName, Tensor> {
    const out = {} as Record<ParamName, Tensor>;
    for (const name of PARAM_NAMES) out[name] = block.toTensor(this.layout[name].shape, this.layout[name].offset);
    return out;
  }

  /** Replaces the given parameters; every one is checked (name, shape, dtype, finite) before any is written. */
  setParams(params: Partial<Record<ParamName, Tensor>>): void {
    this.alive();
    if (!params || typeof params !== 'object') fail('params', 'an object of tensors by parameter name', params);
    for (const [name, t] of Object.entries(params)) {
      if (!(PARAM_NAMES as readonly string[]).includes(name)) fail('params', `names among ${PARAM_NAMES.join(', ')}`, name);
      checkTensor(`params.${name}`, t);
      const want = this.layout[name as ParamName].shape;
      if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) {
        fail(`params.${name}`, `shape [${want.join(', ')}]`, `[${t.shape.join(', ')}]`);
      }
      if (t.dtype !== this.config.dtype) fail(`params.${name}`, `dtype ${this.config.dtype}`, t.dtype);
      checkFinite(`params.${name}`, t);
    }
    const p = this.params.view();
    for (const [name, t] of Object.entries(params) as [ParamName, Tensor][]) p.set(t.data, this.layout[name].offset);
    this.paramsChanged();
  }

  /** @internal every writer of the parameter block calls this (the decoding caches are per version) */
  paramsChanged(): void {
    this.paramsVersion++;
  }

  /** Checks features (N, D) and returns N. Float32 and float64 are both accepted. */
  private checkFeatures(features: Tensor, dims: Dims): number {
    dims.set('D', this.config.inputDim, 'the model (inputDim)');
    dims.bind('features', features, ['N', 'D']);
    if (features.dtype === 'int32') fail('features', 'dtype float32 or float64', features.dtype);
    checkFinite('features', features);
    return dims.get('N');
  }

  /**
   * The CS231n training loss and all 8 gradients: captions_in = captions[:, :-1],
   * captions_out = captions[:, 1:], mask = captions_out != <NULL>, h0 = features·W_proj + b_proj.
   */
  loss(features: Tensor, captions: Tensor): { loss: number; grads: Record<ParamName, Tensor> } {
    this.alive();
    const { N, T } = this.checkBatch(features, captions);
    const ws = this.workspace(N, T);
    const rank = this.splitCaptions(ws, captions.data as Int32Array, 0, N, T);
    const D = this.config.inputDim;
    const fv = ws.bufs.features.view();
    for (let n = 0; n < N; n++) fv.set(features.data.subarray(n * D, (n + 1) * D), rank[n] * D);
    const loss = this.forwardBackward(N, T);
    return { loss, grads: this.copyBlock(this.grads) };
  }

  /** @internal validates a (features, captions) batch; returns N and T */
  checkBatch(features: Tensor, captions: Tensor): { N: number; T: number } {
    checkTensor('features', features);
    checkTensor('captions', captions);
    const dims = new Dims();
    const N = this.checkFeatures(features, dims);
    dims.bind('captions', captions, ['N', 'L']);
    const L = dims.get('L');
    if (L < 2) fail('captions', 'shape (N, T+1) with T+1 >= 2', `[${captions.shape.join(', ')}]`);
    checkIds('captions', captions, this.config.vocabSize);
    return { N, T: L - 1 };
  }

  /** @internal the activation buffers for (N, T), grown when needed */
  workspace(N: number, T: number): Workspace {
    if (this.ws && this.ws.N === N && this.ws.T === T) return this.ws;
    const sizes = this.workspaceSizes(N, T);
    checkMemory('captions', this.workspaceBytes(N, T));
    // the old workspace goes only once the new one is allocated: a refused batch changes nothing
    const old = this.ws;
    this.ws = null;
    this.freeWorkspace(old);
    this.ws = { N, T, bufs: allocAll(sizes) };
    (this.ws.bufs.ones.view() as Int32Array).fill(1);
    this.ws.bufs.zeros.zero();
    return this.ws;
  }

  /** @internal bytes of wasm memory a training step on a (N, T) batch needs */
  workspaceBytes(N: number, T: number): number {
    let bytes = 0;
    for (const [dt, n] of Object.values(this.workspaceSizes(N, T))) bytes += n * (dt === 'float64' ? 8 : 4);
    return bytes;
  }

  private workspaceSizes(N: number, T: number): Record<string, [FloatDType | 'int32' | 'float64', number]> {
    const { inputDim: D, wordvecDim: W, hiddenDim: H, vocabSize: V, dtype, cellType } = this.config;
    const G = (cellType === 'lstm' ? 4 : 1) * H;
    const f = dtype;
    const sizes: Record<string, [FloatDType | 'int32' | 'float64', number]> = {
      features: [f, N * D], captionsIn: ['int32', N * T], captionsOut: ['int32', N * T], mask: ['int32', N * T],
      tokens: ['int32', N * T], // captionsIn of the running steps, in packed order
      h0: [f, N * H], x: [f, N * T * W], h: [f, N * T * H], scores: [f, N * T * V], dscores: [f, N * T * V],
      dh: [f, N * T * H], hprev: [f, N * T * H], dx: [f, N * T * W], dh0: [f, N * H], da: [f, N * T * G],
      // the scored (unmasked) steps, compacted: their row of (N·T), target, h, dh, loss term
      rowIdx: ['int32', N * T], yC: ['int32', N * T], ones: ['int32', N * T], hc: [f, N * T * H], dhc: [f, N * T * H],
      zeros: [f, H], rowLoss: ['float64', N * T],
      dtanh: [f, cellType === 'rnn' ? N * T * H : 0],
      c: [f, cellType === 'lstm' ? N * T * H : 0], gates: [f, cellType === 'lstm' ? N * T * G : 0],
      dgates: [f, cellType === 'lstm' ? N * T * G : 0], tanhC: [f, cellType === 'lstm' ? N * T * H : 0],
      dtanhC: [f, cellType === 'lstm' ? N * T * H : 0], dc: [f, cellType === 'lstm' ? N * H : 0],
    };
    return sizes;
  }

  private freeWorkspace(ws: Workspace | null): void {
    if (ws) for (const b of Object.values(ws.bufs)) b.free();
  }

  /**
   * @internal Splits caption rows [row0, row0+N) (or `rows`) of a (*, T+1) array into in/out/mask
   * and sorts the batch by length for the step. A row runs len = 1 + its last scored step
   * (mask = out ≠ <NULL>): later steps add nothing to the loss or any gradient, so they are not
   * computed (the packed sequences of cuDNN and PyTorch). Workspace row s is the s-th longest
   * batch row (ties in batch order), so the rows still running at step t are a prefix, and
   * the per-step buffers are packed time-major: step t holds rows [off[t], off[t] + active[t]).
   * Returns rank: the workspace row of each batch row (where its features go).
   */
  splitCaptions(ws: Workspace, captions: Int32Array, row0: number, N: number, T: number, rows?: ArrayLike<number>): Int32Array {
    const cin = ws.bufs.captionsIn.view() as Int32Array;
    const cout = ws.bufs.captionsOut.view() as Int32Array;
    const mask = ws.bufs.mask.view() as Int32Array;
    const tokens = ws.bufs.tokens.view() as Int32Array;
    const L = T + 1;
    const nul = this.nullIdx;
    const q = this.seq;
    if (q.rank.length < N) { q.rank = new Int32Array(N); q.len = new Int32Array(N); }
    if (q.active.length < T) { q.active = new Int32Array(T); q.off = new Int32Array(T + 1); q.count = new Int32Array(T + 1); }
    // lengths, then a stable counting sort by length, longest first
    const { rank, len, active, off, count } = q;
    count.fill(0, 0, T + 1);
    for (let n = 0; n < N; n++) {
      const src = (rows ? rows[n] : row0 + n) * L;
      let l = 0;
      for (let t = T - 1; t >= 0; t--) if (captions[src + t + 1] !== nul) { l = t + 1; break; }
      rank[n] = l; // the length, until the sort below replaces it
      count[l]++;
    }
    let first = 0;
    for (let l = T; l >= 0; l--) { const c = count[l]; count[l] = first; first += c; }
    active.fill(0, 0, T);
    for (let n = 0; n < N; n++) {
      const l = rank[n];
      rank[n] = count[l]++;
      len[rank[n]] = l;
      for (let t = 0; t < l; t++) active[t]++;
    }
    for (let n = 0; n < N; n++) {
      const s = rank[n];
      const src = (rows ? rows[n] : row0 + n) * L;
      for (let t = 0; t < T; t++) {
        const o = captions[src + t + 1];
        cin[s * T + t] = captions[src + t];
        cout[s * T + t] = o;
        mask[s * T + t] = o !== nul ? 1 : 0;
      }
    }
    off[0] = 0;
    for (let t = 0; t < T; t++) {
      off[t + 1] = off[t] + active[t];
      for (let s = 0; s < active[t]; s++) tokens[off[t] + s] = cin[s * T + t];
    }
    return rank;
  }

  /** @internal forward and backward over the workspace batch on this thread; writes the gradient block */
  forwardBackward(N: number, T: number): number {
    const ks = this.alive();
    const plan = this.planStep(N, T, 1);
    this.grads.zero();
    runCalls(ks, plan.pack);
    runCalls(ks, plan.rows[0]);
    runCalls(ks, plan.cols[0]);
    return this.totalLoss(N);
  }

  /** @internal the same step split over the runtime's threads (bit-identical to forwardBackward) */
  async forwardBackwardAsync(N: number, T: number): Promise<number> {
    const ks = this.alive();
    const { pool, threads } = rt();
    if (!pool) return this.forwardBackward(N, T);
    const plan = this.planStep(N, T, queueParts(threads));
    this.grads.zero();
    runCalls(ks, plan.pack);
    await pool.runQueue(ks, plan.rows);
    await pool.runQueue(ks, plan.cols);
    return this.totalLoss(N);
  }

  /**
   * The loss as the whole-batch softmax kernel sums it: per batch row, 0 − term of each scored
   * step in order (rowLoss holds 0 − term per compacted step), then the rows in batch order, / N.
   */
  private totalLoss(N: number): number {
    const terms = this.ws!.bufs.rowLoss.view();
    const start = this.scoredStart;
    const rank = this.seq.rank;
    let loss = 0;
    for (let n = 0; n < N; n++) {
      const s = rank[n];
      let rl = 0;
      for (let c = start[s]; c < start[s + 1]; c++) rl += terms[c];
      loss += rl;
    }
    return loss / N;
  }

  /**
   * Compacts the scored steps (mask ≠ 0) of the workspace batch: rowIdx[c] = the packed row of
   * (s, t) and yC[c] = the target, by workspace row s then t; scoredStart[s] = the first
   * compacted step of row s. Returns the number of scored steps. Masked steps add nothing to
   * the loss or any gradient, so the vocabulary projection, softmax and their backward run on
   * these rows only.
   */
  private compactScored(N: number, T: number): number {
    const b = this.ws!.bufs;
    const mask = b.mask.view() as Int32Array, out = b.captionsOut.view() as Int32Array;
    const idx = b.rowIdx.view() as Int32Array, yC = b.yC.view() as Int32Array;
    const off = this.seq.off;
    if (this.scoredStart.length < N + 1) this.scoredStart = new Int32Array(N + 1);
    let c = 0;
    for (let s = 0; s < N; s++) {
      this.scoredStart[s] = c;
      for (let t = 0; t < T; t++) {
        const r = s * T + t;
        if (mask[r] !== 0) { idx[c] = off[t] + s; yC[c] = out[r]; c++; }
      }
    }
    this.scoredStart[N] = c;
    return c;
  }

  /**
   * @internal The kernel calls of one training step for P partitions. Phase `pack`: the
   * recurrent weights in the packed layouts of gemm_nn_packed / gemm_nt_packed (once a step,
   * on the calling thread). Phase `rows`: partition p takes the length-sorted workspace rows
   * [S_p, S_{p+1}) — about equal shares of the running steps — through the forward pass, step
   * by step on its running rows, the loss, and the recurrent backward down to da and dh0 (every
   * row's numbers are independent of the others). Phase `cols`: partition p computes its share
   * of the COLUMNS of dx and of every weight gradient, each a sum over all packed rows in one
   * fixed order. Any P gives bit-identical results.
   */
  planStep(N: number, T: number, P: number): { pack: Call[]; rows: Call[][]; cols: Call[][] } {
    const { inputDim: D, wordvecDim: W, hiddenDim: H, vocabSize: V, dtype, cellType } = this.config;
    const lstm = cellType === 'lstm';
    const G = (lstm ? 4 : 1) * H;
    const e = dtype === 'float64' ? 8 : 4;
    const f = dtype === 'float64' ? 'f64_' : 'f32_';
    const b = this.ws!.bufs;
    const P_ = (name: ParamName) => this.addr(name);
    const dP = (name: ParamName) => this.addr(name, this.grads);
    const Rs = this.compactScored(N, T); // scored steps of the batch
    const { len, active, off } = this.seq;
    const R = off[T]; // running (packed) rows
    const pk = this.packedWeights(); // the current parameters: what greedy decoding's cache holds, or will after the update
    const pack: Call[] = [
      [`${f}pack_b`, pk.Wx.ptr, P_('Wx'), W, G, G], [`${f}pack_b`, pk.Wh.ptr, P_('Wh'), H, G, G],
      [`${f}pack_bt`, pk.WhT.ptr, P_('Wh'), G, H, G],
    ];
    const row = (buf: WasmBuffer, r: number, perRow: number, size = e) => buf.ptr + r * perRow * size;
    // partition bounds: the first row at which the running steps before it reach p/P of R
    const bounds = [0];
    for (let p = 1, s = 0, run = 0; p < P; p++) {
      while (s < N && run * P < p * R) run += len[s++];
      bounds.push(s);
    }
    bounds.push(N);
    const rows: Call[][] = [];
    const cols: Call[][] = [];
    for (let p = 0; p < P; p++) {
      const sp = scratch(p); // this part's packing scratch (whichever thread takes it)
      const s0 = bounds[p], s1 = bounds[p + 1], n = s1 - s0;
      const c0 = this.scoredStart[s0], rc = this.scoredStart[s1] - c0; // its scored steps
      const mAt = (t: number) => (t < T ? Math.max(0, Math.min(s1, active[t]) - s0) : 0); // its running rows at t
      let tp = 0; // its running steps
      while (tp < T && mAt(tp) > 0) tp++;
      const c: Call[] = [];
      if (n > 0) {
        c.push([`${f}affine_forward`, row(b.h0, s0, H), row(b.features, s0, D), P_('W_proj'), P_('b_proj'), n, D, H, sp]);
        for (let t = 0; t < tp; t++) {
          // a = b + x·Wx + prev_h·Wh on the running rows, then the cell; dh = 0 until the scores' gradient lands
          const m = mAt(t), r = off[t] + s0;
          const prevH = t === 0 ? row(b.h0, s0, H) : row(b.h, off[t - 1] + s0, H);
          const a = lstm ? row(b.gates, r, G) : row(b.dtanh, r, H);
          c.push([`${f}word_embedding_forward`, row(b.x, r, W), row(b.tokens, r, 1, 4), P_('W_embed'), m, V, W]);
          c.push([`${f}bias_rows`, a, P_('b'), m, G, G]);
          c.push([`${f}gemm_nn_packed`, a, row(b.x, r, W), pk.Wx.ptr, P_('Wx'), m, G, W, W, G, G, 1]);
          c.push([`${f}gemm_nn_packed`, a, prevH, pk.Wh.ptr, P_('Wh'), m, G, H, H, G, G, 1]);
          c.push([`${f}copy_rows`, row(b.hprev, r, H), prevH, m, H]);
          if (lstm) {
            c.push([`${f}lstm_cell_forward`, row(b.h, r, H), row(b.c, r, H), a, row(b.dgates, r, G), row(b.tanhC, r, H),
              row(b.dtanhC, r, H), t === 0 ? 0 : row(b.c, off[t - 1] + s0, H), t === 0 ? 0 : 1, m, H]);
          } else {
            c.push([`${f}tanh_forward`, row(b.h, r, H), a, a, m, H]);
          }
          c.push([`${f}bias_rows`, row(b.dh, r, H), b.zeros.ptr, m, H, H]);
        }
        // scores, loss and dh on the scored steps only: gather h, project, softmax, back to dh
        if (rc > 0) {
          c.push([`${f}word_embedding_forward`, row(b.hc, c0, H), row(b.rowIdx, c0, 1, 4), b.h.ptr, rc, R, H]);
          c.push([`${f}affine_forward`, row(b.scores, c0, V), row(b.hc, c0, H), P_('W_vocab'), P_('b_vocab'), rc, H, V, sp]);
          c.push([`${f}temporal_softmax_loss_rows`, row(b.dscores, c0, V), row(b.rowLoss, c0, 1, 8), row(b.scores, c0, V),
            row(b.yC, c0, 1, 4), b.ones.ptr, rc, 1, V, N]);
          c.push([`${f}gemm_nt`, row(b.dhc, c0, H), row(b.dscores, c0, V), P_('W_vocab'), rc, H, V, V, V, H, 0, sp]);
          c.push([`${f}word_embedding_backward`, b.dh.ptr, row(b.dhc, c0, H), row(b.rowIdx, c0, 1, 4), rc, R, H]);
        }
        // backward through time on the running rows; a row's running dnext_h (dh0) and
        // dnext_c (dc) start at 0 on its last step
        for (let t = tp - 1; t >= 0; t--) {
          const m = mAt(t), mNext = mAt(t + 1), r = off[t] + s0;
          if (m > mNext) {
            c.push([`${f}bias_rows`, row(b.dh0, s0 + mNext, H), b.zeros.ptr, m - mNext, H, H]);
            if (lstm) c.push([`${f}bias_rows`, row(b.dc, s0 + mNext, H), b.zeros.ptr, m - mNext, H, H]);
          }
          if (lstm) {
            c.push([`${f}lstm_cell_backward`, row(b.da, r, G), row(b.dc, s0, H), row(b.dh, r, H), row(b.dh0, s0, H), 1,
              row(b.dc, s0, H), 1, row(b.gates, r, G), row(b.dgates, r, G), row(b.tanhC, r, H), row(b.dtanhC, r, H),
              t === 0 ? 0 : row(b.c, off[t - 1] + s0, H), t === 0 ? 0 : 1, m, H]);
          } else {
            c.push([`${f}rnn_da`, row(b.da, r, G), row(b.dh, r, H), row(b.dh0, s0, H), 1, row(b.dtanh, r, H), m, H]);
          }
          c.push([`${f}gemm_nt_packed`, row(b.dh0, s0, H), row(b.da, r, G), pk.WhT.ptr, P_('Wh'), m, H, G, G, G, H, 0]);
        }
        const m0 = mAt(0); // rows with no scored step: no gradient into h0
        if (m0 < n) c.push([`${f}bias_rows`, row(b.dh0, s0 + m0, H), b.zeros.ptr, n - m0, H, H]);
      }
      rows.push(c);

      // dx and the weight gradients, by column ranges, each element summed over the packed rows in order
      const k: Call[] = [];
      const span = (total: number) => [Math.floor((p * total) / P), Math.floor(((p + 1) * total) / P)];
      const [v0, v1] = span(V);
      if (v1 > v0 && Rs > 0) {
        k.push([`${f}gemm_tn`, dP('W_vocab') + v0 * e, b.hc.ptr, b.dscores.ptr + v0 * e, H, v1 - v0, Rs, H, V, V, 1, sp]);
        k.push([`${f}colsum`, dP('b_vocab') + v0 * e, b.dscores.ptr + v0 * e, Rs, v1 - v0, V]);
      }
      const [g0, g1] = span(G);
      if (g1 > g0 && R > 0) {
        k.push([`${f}gemm_tn`, dP('Wh') + g0 * e, b.hprev.ptr, b.da.ptr + g0 * e, H, g1 - g0, R, H, G, G, 1, sp]);
        k.push([`${f}gemm_tn`, dP('Wx') + g0 * e, b.x.ptr, b.da.ptr + g0 * e, W, g1 - g0, R, W, G, G, 1, sp]);
        k.push([`${f}colsum`, dP('b') + g0 * e, b.da.ptr + g0 * e, R, g1 - g0, G]);
      }
      const [w0, w1] = span(W);
      if (w1 > w0 && R > 0) {
        k.push([`${f}gemm_nt`, b.dx.ptr + w0 * e, b.da.ptr, P_('Wx') + w0 * G * e, R, w1 - w0, G, G, G, W, 0, sp]);
        k.push([`${f}word_embedding_backward_cols`, dP('W_embed') + w0 * e, b.dx.ptr + w0 * e, b.tokens.ptr, R, V, w1 - w0, W]);
      }
      const [h0, h1] = span(H);
      if (h1 > h0) {
        k.push([`${f}gemm_tn`, dP('W_proj') + h0 * e, b.features.ptr, b.dh0.ptr + h0 * e, D, h1 - h0, N, D, H, H, 1, sp]);
        k.push([`${f}colsum`, dP('b_proj') + h0 * e, b.dh0.ptr + h0 * e, N, h1 - h0, H]);
      }
      cols.push(k);
    }
    return { pack, rows, cols };
  }

  /**
   * Generates captions: int32 (N, maxLength); column 0 is the first word after <START>.
   * Greedy argmax by default (runs maxLength steps, no early stop, as CS231n).
   */
  sample(features: Tensor, options: SampleOptions = {}): Tensor {
    const { N, maxLength, beamSize, temperature, seed } = this.checkSample(features, options);
    if (beamSize > 1) return this.beamSearch(features, N, maxLength, beamSize).captions;
    if (temperature === 0) {
      const plan = this.planGreedy(features, N, maxLength, 1);
      runCalls(kernels(), plan.pack);
      runCalls(kernels(), plan.fold[0]);
      runCalls(kernels(), plan.parts[0]);
      return plan.result();
    }
    const rows = N;
    const s = this.stepBuffers(rows);
    this.project(s, features, N, 1);
    const words = s.bufs.words.view() as Int32Array;
    words.fill(this.startIdx!); // checked by checkSample
    const out = new Int32Array(N * maxLength);
    const rng = new LegacyRandom(seed);
    for (let t = 0; t < maxLength; t++) {
      this.step(s, rows);
      this.drawWords(s, rows, temperature, rng);
      const w = s.bufs.words.view() as Int32Array;
      for (let n = 0; n < N; n++) out[n * maxLength + t] = w[n];
    }
    return new Tensor(out, [N, maxLength]);
  }

  /**
   * `sample` with greedy decoding split over the runtime's threads (batch rows; each row's
   * numbers are independent of the others), bit-identical to `sample` for any thread count.
   * Beam search and temperature sampling run on the calling thread, as in `sample`.
   */
  async sampleAsync(features: Tensor, options: SampleOptions = {}): Promise<Tensor> {
    const { N, maxLength, temperature, beamSize } = this.checkSample(features, options);
    const { pool, threads } = rt();
    if (!pool || temperature !== 0 || beamSize > 1) return this.sample(features, options);
    const plan = this.planGreedy(features, N, maxLength, threads);
    runCalls(kernels(), plan.pack);
    if (plan.fold.some((c) => c.length > 0)) await pool.run(kernels(), plan.fold);
    await pool.run(kernels(), plan.parts);
    return plan.result();
  }

  /** Validates the arguments of sample / sampleAsync. */
  private checkSample(features: Tensor, options: SampleOptions): Required<SampleOptions> & { N: number } {
    this.alive();
    const { maxLength = 30, beamSize = 1, temperature = 0, seed = 0 } = options ?? {};
    const N = this.checkFeatures(features, new Dims());
    checkPositiveInt('maxLength', maxLength, 10000);
    checkPositiveInt('beamSize', beamSize, 1000);
    checkNumber('temperature', temperature, 0, 1e6);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) fail('seed', 'an integer in [0, 2^32)', seed);
    this.checkSampleVocab(beamSize > 1);
    return { N, maxLength, beamSize, temperature, seed };
  }

  /**
   * Greedy decoding as kernel calls for P partitions of the batch rows: partition p projects
   * its rows' features to h0, then per step embeds the previous words, advances h (and c),
   * scores the vocabulary and takes the argmax into column t+1 of a step-major token buffer
   * (column 0 = <START>). The step's weights are packed once (`pack`, run first on the calling
   * thread) and every step's GEMMs read them packed: the same sums as lstm_step_forward /
   * rnn_step_forward and affine_forward, bit for bit. `result()` reads the (N, maxLength)
   * captions back.
   */
  private planGreedy(features: Tensor, N: number, maxLength: number, P: number): { pack: Call[]; fold: Call[][]; parts: Call[][]; result: () => Tensor } {
    const { inputDim: D, wordvecDim: W, hiddenDim: H, vocabSize: V, dtype, cellType } = this.config;
    const G = (cellType === 'lstm' ? 4 : 1) * H;
    const e = dtype === 'float64' ? 8 : 4;
    const f = dtype === 'float64' ? 'f64_' : 'f32_';
    checkMemory('maxLength', (maxLength + 1) * N * 4);
    const s = this.stepBuffers(N);
    const b = s.bufs;
    b.features.view().set(features.data);
    b.c.zero();
    if (!this.tokens || this.tokens.length < (maxLength + 1) * N) {
      const grown = new WasmBuffer('int32', (maxLength + 1) * N); // the old one goes once this one exists
      this.tokens?.free();
      this.tokens = grown;
    }
    const tokens = this.tokens;
    (tokens.view() as Int32Array).fill(this.startIdx!, 0, N);
    const A = (name: ParamName) => this.addr(name);
    const pk = this.packedWeights();
    // the weights, packed (and E folded) only when the parameters changed since they last were
    const dc = this.decode;
    if (dc.version !== this.paramsVersion) Object.assign(dc, { version: this.paramsVersion, packedWx: false, packedRest: false, folded: false, rows: 0 });
    const pack: Call[] = [];
    if (!dc.packedRest) pack.push([`${f}pack_b`, pk.Wh.ptr, A('Wh'), H, G, G], [`${f}pack_b`, pk.W_vocab.ptr, A('W_vocab'), H, V, V]);
    dc.packedRest = true;
    dc.rows += N * maxLength;
    const fold: Call[][] = Array.from({ length: P }, () => []);
    if (!dc.folded && dc.rows >= V && V * G * e <= FOLD_MAX_BYTES && this.foldBuffer(V * G)) {
      for (let p = 0; p < P; p++) { // rows of E split over the threads (rows are independent)
        const v0 = Math.floor((p * V) / P), v1 = Math.floor(((p + 1) * V) / P);
        if (v1 > v0) fold[p].push([`${f}gemm_nn`, this.folded!.ptr + v0 * G * e, A('W_embed') + v0 * W * e, A('Wx'), v1 - v0, G, W, W, G, G, 0, scratch(p)]);
      }
      dc.folded = true;
    }
    const useFold = dc.folded;
    if (!useFold && !dc.packedWx) pack.push([`${f}pack_b`, pk.Wx.ptr, A('Wx'), W, G, G]);
    dc.packedWx ||= !useFold;
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
      c.push([`${f}affine_forward`, at(h, H), at(b.features, D), A('W_proj'), A('b_proj'), n, D, H, sp]);
      for (let t = 0; t < maxLength; t++) {
        // a = b + x·Wx + h·Wh, formed in gates (LSTM) or dtanh (RNN), then the cell; x·Wx is
        // the word's row of E once E is folded (the same sum, so the same bits)
        const a = cellType === 'rnn' ? at(b.dtanh, H) : at(b.gates, G);
        c.push([`${f}bias_rows`, a, A('b'), n, G, G]);
        if (useFold) {
          c.push([`${f}word_embedding_add`, a, tokens.at(t * N + r0), this.folded!.ptr, n, V, G]);
        } else {
          c.push([`${f}word_embedding_forward`, at(b.x, W), tokens.at(t * N + r0), A('W_embed'), n, V, W]);
          c.push([`${f}gemm_nn_packed`, a, at(b.x, W), pk.Wx.ptr, A('Wx'), n, G, W, W, G, G, 1]);
        }
        c.push([`${f}gemm_nn_packed`, a, at(h, H), pk.Wh.ptr, A('Wh'), n, G, H, H, G, G, 1]);
        if (cellType === 'rnn') {
          c.push([`${f}tanh_forward`, at(hNext, H), a, a, n, H]);
        } else {
          c.push([`${f}lstm_cell_forward`, at(hNext, H), at(cNext, H), a, at(b.dgates, G), at(b.tanhC, H), at(b.dtanhC, H), at(cc, H), 1, n, H]);
          [cc, cNext] = [cNext, cc];
        }
        [h, hNext] = [hNext, h];
        c.push([`${f}bias_rows`, at(b.scores, V), A('b_vocab'), n, V, V]);
        c.push([`${f}gemm_nn_packed`, at(b.scores, V), at(h, H), pk.W_vocab.ptr, A('W_vocab'), n, V, H, H, V, V, 1]);
        c.push([`${f}argmax_rows`, tokens.at((t + 1) * N + r0), at(b.scores, V), n, V, V]);
      }
    }
    const result = () => {
      const tv = tokens.view() as Int32Array;
      const out = new Int32Array(N * maxLength);
      for (let t = 0; t < maxLength; t++) for (let n = 0; n < N; n++) out[n * maxLength + t] = tv[(t + 1) * N + n];
      return new Tensor(out, [N, maxLength]);
    };
    return { pack, fold, parts, result };
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

  /** The packed-weight buffers (allocated once; their contents are refreshed by every step or greedy call). */
  private packedWeights(): Record<'Wx' | 'Wh' | 'WhT' | 'W_vocab', WasmBuffer> {
    if (!this.packed) {
      const { wordvecDim: W, hiddenDim: H, vocabSize: V, dtype, cellType } = this.config;
      const G = (cellType === 'lstm' ? 4 : 1) * H;
      const bytes = kernels()[`${dtype === 'float64' ? 'f64_' : 'f32_'}packed_b_bytes`];
      const size = (K: number, M: number): [FloatDType, number] => [dtype, bytes(K, M) / (dtype === 'float64' ? 8 : 4)];
      this.packed = allocAll({ Wx: size(W, G), Wh: size(H, G), WhT: size(G, H), W_vocab: size(H, V) }) as Record<'Wx' | 'Wh' | 'WhT' | 'W_vocab', WasmBuffer>;
    }
    return this.packed;
  }

  /**
   * Sampling feeds <START> (and beam search <NULL> for finished beams) back in as words: they
   * must be rows of W_embed, i.e. ids below V (the CS231n loss-check vocabulary is sparse).
   */
  private checkSampleVocab(beam: boolean): void {
    const V = this.config.vocabSize;
    if (this.startIdx === null) fail('wordToIdx', "a vocabulary containing '<START>' (needed by sample)", 'none');
    if (this.startIdx >= V) fail("wordToIdx['<START>']", `an id in [0, ${V}) (a row of W_embed) to sample`, this.startIdx);
    if (!beam) return;
    if (this.endIdx === null) fail('wordToIdx', "a vocabulary containing '<END>' (needed by beam search)", 'none');
    if (this.nullIdx >= V) fail("wordToIdx['<NULL>']", `an id in [0, ${V}) (a row of W_embed) for beam search`, this.nullIdx);
  }

  private k(name: string): (...a: number[]) => number {
    return kernels()[kname(this.config.dtype, name)];
  }

  /** Buffers for stepping `rows` sequences one word at a time. */
  private stepBuffers(rows: number): Workspace {
    if (this.sampleWs && this.sampleWs.N === rows) return this.sampleWs;
    const { inputDim: D, wordvecDim: W, hiddenDim: H, vocabSize: V, dtype: f, cellType } = this.config;
    const G = (cellType === 'lstm' ? 4 : 1) * H;
    const sizes: Record<string, [FloatDType | 'int32', number]> = {
      features: [f, rows * D], words: ['int32', rows], x: [f, rows * W], h: [f, rows * H], hNext: [f, rows * H],
      c: [f, rows * H], cNext: [f, rows * H], scores: [f, rows * V], logp: [f, rows * V],
      gates: [f, rows * G], dgates: [f, rows * G], tanhC: [f, rows * H], dtanhC: [f, rows * H], dtanh: [f, rows * H],
    };
    let bytes = 0;
    for (const [dt, n] of Object.values(sizes)) bytes += n * (dt === 'float64' ? 8 : 4);
    checkMemory('features', bytes);
    const old = this.sampleWs;
    this.sampleWs = null;
    this.freeWorkspace(old);
    this.sampleWs = { N: rows, T: 1, bufs: allocAll(sizes) };
    return this.sampleWs;
  }

  /** h0 = features·W_proj + b_proj for each image, repeated `copies` times per image; c0 = 0. */
  private project(s: Workspace, features: Tensor, N: number, copies: number): void {
    const { inputDim: D, hiddenDim: H } = this.config;
    const fv = s.bufs.features.view();
    for (let n = 0; n < N; n++) {
      const row = features.data.subarray(n * D, (n + 1) * D);
      for (let r = 0; r < copies; r++) fv.set(row, (n * copies + r) * D);
    }
    this.k('affine_forward')(s.bufs.h.ptr, s.bufs.features.ptr, this.addr('W_proj'), this.addr('b_proj'), N * copies, D, H, scratch());
    s.bufs.c.zero();
  }

  /** One time step for every row: embeds `words`, advances h (and c), writes `scores`. */
  private step(s: Workspace, rows: number): void {
    const { wordvecDim: W, hiddenDim: H, vocabSize: V, cellType } = this.config;
    const b = s.bufs;
    this.k('word_embedding_forward')(b.x.ptr, b.words.ptr, this.addr('W_embed'), rows, V, W);
    if (cellType === 'rnn') {
      this.k('rnn_step_forward')(b.hNext.ptr, b.dtanh.ptr, b.x.ptr, b.h.ptr, this.addr('Wx'), this.addr('Wh'), this.addr('b'), rows, W, H, scratch());
    } else {
      this.k('lstm_step_forward')(b.hNext.ptr, b.cNext.ptr, b.gates.ptr, b.dgates.ptr, b.tanhC.ptr, b.dtanhC.ptr,
        b.x.ptr, b.h.ptr, b.c.ptr, this.addr('Wx'), this.addr('Wh'), this.addr('b'), rows, W, H, scratch());
      [b.c, b.cNext] = [b.cNext, b.c];
    }
    [b.h, b.hNext] = [b.hNext, b.h];
    this.k('affine_forward')(b.scores.ptr, b.h.ptr, this.addr('W_vocab'), this.addr('b_vocab'), rows, H, V, scratch());
  }

  /** Temperature sampling: one uniform draw per row against the cumulative softmax. */
  private drawWords(s: Workspace, rows: number, temperature: number, rng: LegacyRandom): void {
    const V = this.config.vocabSize;
    this.k('log_softmax_rows')(s.bufs.logp.ptr, s.bufs.scores.ptr, rows, V, V, 1 / temperature);
    const logp = s.bufs.logp.view();
    const words = s.bufs.words.view() as Int32Array;
    const ks = kernels();
    for (let r = 0; r < rows; r++) {
      const u = rng.rand();
      let acc = 0;
      let pick = V - 1;
      for (let v = 0; v < V; v++) {
        acc += ks.math_exp(logp[r * V + v]);
        if (u < acc) {
          pick = v;
          break;
        }
      }
      words[r] = pick;
    }
  }

  /**
   * Beam search of width k per image: scores are summed log-probabilities; a beam that emits
   * <END> is finished. Returns the best sequence per image (padded with <NULL> after <END>),
   * and the top-k sequences with their scores.
   */
  beamSearch(features: Tensor, N: number, maxLength: number, k: number): { captions: Tensor; topK: Tensor; scores: Float64Array } {
    const V = this.config.vocabSize;
    const end = this.endIdx!;
    const nul = this.nullIdx;
    const rows = N * k;
    // the beams' sequences (JS) and candidates (k·V per image) on top of the step buffers
    checkMemory('features', rows * maxLength * 4 * 3 + k * V * 48, 'memory for beam search');
    const s = this.stepBuffers(rows);
    this.project(s, features, N, k);
    const H = this.config.hiddenDim;
    const seqs = new Int32Array(rows * maxLength).fill(nul);
    const score = new Float64Array(rows);
    const done = new Uint8Array(rows);
    // only beam 0 of each image is live at the start, so the first step's k choices are distinct
    for (let n = 0; n < N; n++) for (let j = 1; j < k; j++) score[n * k + j] = -Infinity;
    const words = s.bufs.words.view() as Int32Array;
    words.fill(this.startIdx!);
    const cand: Array<{ score: number; beam: number; word: number }> = [];
    const newSeqs = new Int32Array(rows * maxLength);
    const newScore = new Float64Array(rows);
    const newDone = new Uint8Array(rows);
    const from = new Int32Array(rows);
    for (let t = 0; t < maxLength; t++) {
      this.step(s, rows);
      this.k('log_softmax_rows')(s.bufs.logp.ptr, s.bufs.scores.ptr, rows, V, V, 1);
      const logp = s.bufs.logp.view();
      for (let n = 0; n < N; n++) {
        cand.length = 0;
        for (let j = 0; j < k; j++) {
          const r = n * k + j;
          if (score[r] === -Infinity) continue;
          if (done[r]) {
            cand.push({ score: score[r], beam: r, word: -1 });
            continue;
          }
          for (let v = 0; v < V; v++) cand.push({ score: score[r] + logp[r * V + v], beam: r, word: v });
        }
        // stable order: higher score first, then lower beam, then lower word id
        cand.sort((a, b) => b.score - a.score || a.beam - b.beam || a.word - b.word);
        for (let j = 0; j < k; j++) {
          const r = n * k + j;
          const c = cand[j];
          if (!c) {
            newScore[r] = -Infinity;
            newDone[r] = 1;
            from[r] = n * k;
            newSeqs.fill(nul, r * maxLength, (r + 1) * maxLength);
            continue;
          }
          from[r] = c.beam;
          newScore[r] = c.score;
          newSeqs.set(seqs.subarray(c.beam * maxLength, (c.beam + 1) * maxLength), r * maxLength);
          if (c.word >= 0) newSeqs[r * maxLength + t] = c.word;
          newDone[r] = c.word === -1 || c.word === end ? 1 : 0;
          words[r] = c.word >= 0 ? c.word : nul;
        }
      }
      seqs.set(newSeqs);
      score.set(newScore);
      done.set(newDone);
      // reorder the recurrent state to follow the surviving beams
      this.gatherRows(s.bufs.h, from, H);
      if (this.config.cellType === 'lstm') this.gatherRows(s.bufs.c, from, H);
      if (done.every((d) => d === 1)) break;
    }
    const best = new Int32Array(N * maxLength);
    const bestScores = new Float64Array(N * k);
    for (let n = 0; n < N; n++) {
      best.set(seqs.subarray(n * k * maxLength, (n * k + 1) * maxLength), n * maxLength);
      for (let j = 0; j < k; j++) bestScores[n * k + j] = score[n * k + j];
    }
    return { captions: new Tensor(best, [N, maxLength]), topK: new Tensor(seqs, [N, k, maxLength]), scores: bestScores };
  }

  private gatherRows(buf: WasmBuffer, from: Int32Array, width: number): void {
    const v = buf.view();
    const copy = v.slice(0, from.length * width);
    for (let r = 0; r < from.length; r++) v.set(copy.subarray(from[r] * width, (from[r] + 1) * width), r * width);
  }

  /** Beam search returning the top-k captions per image with their log-probability scores. */
  sampleTopK(features: Tensor, options: { maxLength?: number; beamSize?: number } = {}): { captions: Tensor; scores: Tensor } {
    this.alive();
    const { maxLength = 30, beamSize = 3 } = options ?? {};
    const N = this.checkFeatures(features, new Dims());
    checkPositiveInt('maxLength', maxLength, 10000);
    checkPositiveInt('beamSize', beamSize, 1000);
    this.checkSampleVocab(true);
    const r = this.beamSearch(features, N, maxLength, beamSize);
    return { captions: r.topK, scores: new Tensor(r.scores, [N, beamSize]) };
  }

  /** Frees the wasm memory of this model; later calls throw. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.freeWorkspace(this.ws);
    this.freeWorkspace(this.sampleWs);
    this.tokens?.free();
    if (this.packed) for (const buf of Object.values(this.packed)) buf.free();
    this.packed = null;
    this.folded?.free();
    this.folded = null;
    this.ws = null;
    this.sampleWs = null;
    this.tokens = null;
    this.params.free();
    this.grads.free();
  }
}

/** Allocates every buffer of a size table, or none (a refused allocation frees the others). */
function allocAll(sizes: Record<string, [FloatDType | 'int32' | 'float64', number]>): Record<string, WasmBuffer> {
  const bufs: Record<string, WasmBuffer> = {};
  try {
    for (const [name, [dt, n]] of Object.entries(sizes)) bufs[name] = new WasmBuffer(dt, n);
  } catch (e) {
    for (const b of Object.values(bufs)) b.free();
    throw e;
  }
  return bufs;
}

export { RecapError };
