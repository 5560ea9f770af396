// The training batch: its activation buffers in wasm memory, and the length sorting that lets a
// step run each caption only up to its last scored word (the packed sequences of cuDNN and
// PyTorch).
//
// A batch row runs len = 1 + its last scored step (mask = captions_out ≠ <NULL>): later steps
// add nothing to the loss or any gradient, so they are not computed. Workspace row s is the
// s-th longest batch row (ties in batch order), so the rows still running at step t are a
// prefix, and the per-step buffers are packed time-major: step t holds rows
// [off[t], off[t] + active[t]). R = off[T] packed rows in all.
import { type BufferSizes, BufferTable, type WasmBuffer, bufferBytes } from '../core/memory.js';
import type { ModelConfig } from './config.js';

/** The activation table of a (N, T) batch; f = the model's float dtype. */
function activationSizes(c: ModelConfig, N: number, T: number) {
  const { inputDim: D, wordvecDim: W, hiddenDim: H, vocabSize: V, dtype: f } = c;
  const lstm = c.cellType === 'lstm';
  const G = (lstm ? 4 : 1) * H;
  const NT = N * T;
  return {
    features: [f, N * D], // (N, D), in workspace-row order
    dfeatures: [f, N * D], // (N, D): d loss / d features, workspace rows (steps with featureGrad)
    captionsIn: ['int32', NT], captionsOut: ['int32', NT], mask: ['int32', NT], // (N, T), workspace rows
    tokens: ['int32', NT], // (R): captions_in of the running steps, packed
    h0: [f, N * H], dh0: [f, N * H], // (N, H); dh0 also carries dnext_h backward through time
    x: [f, NT * W], dx: [f, NT * W], // (R, W) packed
    h: [f, NT * H], dh: [f, NT * H], hprev: [f, NT * H], // (R, H) packed; hprev = the h each step consumed
    da: [f, NT * G], // (R, G) packed: gradient of the gate pre-activations
    // the scored (unmasked) steps, compacted (Rs of them): their packed row, target, h, dh, scores
    rowIdx: ['int32', NT], yC: ['int32', NT], hc: [f, NT * H], dhc: [f, NT * H],
    scores: [f, NT * V], dscores: [f, NT * V], // (Rs, V)
    rowLoss: ['float64', NT], // (Rs): 0 − the log-probability term of each scored step
    weights: ['float64', NT], // (Rs): each scored step's weight when the batch is weighted (self-critical training)
    dtanh: [f, lstm ? 0 : NT * H], // RNN: (R, H) pre-activation, then 1 − h²
    c: [f, lstm ? NT * H : 0], gates: [f, lstm ? NT * G : 0], dgates: [f, lstm ? NT * G : 0], // LSTM: (R, H), (R, G)
    tanhC: [f, lstm ? NT * H : 0], dtanhC: [f, lstm ? NT * H : 0], dc: [f, lstm ? N * H : 0],
  } as const satisfies BufferSizes;
}

export type Activations = Record<keyof ReturnType<typeof activationSizes>, WasmBuffer>;

/** Bytes of wasm memory a training step on a (N, T) batch needs. */
export function batchBytes(c: ModelConfig, N: number, T: number): number {
  return bufferBytes(activationSizes(c, N, T));
}

export class TrainBatch {
  N = 0;
  T = 0;
  private readonly table = new BufferTable<keyof Activations>();
  /** rank[n] = the workspace row of batch row n (where its features go). */
  rank = new Int32Array(1);
  /** len[s] = the steps workspace row s runs (0 if it scores none). */
  len = new Int32Array(1);
  /** active[t] = the rows still running at step t (a prefix of the workspace rows). */
  active = new Int32Array(1);
  /** off[t] = the first packed row of step t (T+1 entries; off[T] = R). */
  off = new Int32Array(2);
  /** scoredStart[s] = the first compacted scored step of workspace row s (N+1 entries). */
  scoredStart = new Int32Array(1);
  /** Whether the loaded batch's loss is weighted per row (setRowWeights since the last load). */
  weighted = false;
  /** Whether the step also computes d loss / d features into `dfeatures` (a trainable encoder feeds the features). */
  featureGrad = false;
  /**
   * Whether the loaded batch already holds its forward pass (x, hprev, the cell's activations,
   * and the scored steps' h and scores, gathered from self-critical training's sampling pass,
   * model/sample-pass.ts): the training step then runs only the loss and the backward. Until
   * the next load or resize.
   */
  forwardLoaded = false;
  private count = new Int32Array(1);

  constructor(private readonly config: ModelConfig, private readonly nullIdx: number) {}

  /** The activation buffers for (N, T), re-made only when the shape changes; a refused batch changes nothing. */
  resize(N: number, T: number): Activations {
    const bufs = this.table.ensure(`${N}x${T}`, () => activationSizes(this.config, N, T), 'captions');
    this.forwardLoaded = false;
    this.N = N;
    this.T = T;
    return bufs;
  }

  /**
   * Splits caption rows [row0, row0+N) (or `rows`) of a (*, T+1) array into in/out/mask,
   * sorts them by length and packs the running steps' input tokens; compacts the scored steps.
   * Call `resize(N, T)` first. Returns rank (where batch row n's features go).
   */
  load(captions: Int32Array, row0: number, N: number, T: number, rows?: ArrayLike<number>): Int32Array {
    const b = this.bufs!;
    const cin = b.captionsIn.view() as Int32Array;
    const cout = b.captionsOut.view() as Int32Array;
    const mask = b.mask.view() as Int32Array;
    const tokens = b.tokens.view() as Int32Array;
    const L = T + 1;
    const nul = this.nullIdx;
    if (this.rank.length < N) { this.rank = new Int32Array(N); this.len = new Int32Array(N); }
    if (this.active.length < T) { this.active = new Int32Array(T); this.off = new Int32Array(T + 1); this.count = new Int32Array(T + 1); }
    // lengths, then a stable counting sort by length, longest first
    const { rank, len, active, off, count } = this;
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
    this.compactScored(N, T);
    this.weighted = false;
    this.forwardLoaded = false;
    return rank;
  }

  /**
   * Weights the loaded batch's loss per batch row: every scored step of row n counts
   * weight[n] times (−Σ weight·log p / N, self-critical training's advantages). Until the next
   * load. weight (N) in batch-row order.
   */
  setRowWeights(weight: ArrayLike<number>): void {
    const wv = this.bufs!.weights.view() as Float64Array;
    const start = this.scoredStart;
    for (let n = 0; n < this.N; n++) {
      const s = this.rank[n];
      wv.fill(weight[n], start[s], start[s + 1]);
    }
    this.weighted = true;
  }

  /** Scored steps of the loaded batch. */
  get scored(): number {
    return this.scoredStart[this.N];
  }

  /**
   * Compacts the scored steps (mask ≠ 0): rowIdx[c] = the packed row of (s, t) and yC[c] = the
   * target, by workspace row s then t. Masked steps add nothing to the loss or any gradient,
   * so the vocabulary projection, softmax and their backward run on these rows only.
   */
  private compactScored(N: number, T: number): void {
    const b = this.bufs!;
    const mask = b.mask.view() as Int32Array, out = b.captionsOut.view() as Int32Array;
    const idx = b.rowIdx.view() as Int32Array, yC = b.yC.view() as Int32Array;
    if (this.scoredStart.length < N + 1) this.scoredStart = new Int32Array(N + 1);
    let c = 0;
    for (let s = 0; s < N; s++) {
      this.scoredStart[s] = c;
      for (let t = 0; t < T; t++) {
        const r = s * T + t;
        if (mask[r] !== 0) { idx[c] = this.off[t] + s; yC[c] = out[r]; c++; }
      }
    }
    this.scoredStart[N] = c;
  }

  /**
   * The loss as the whole-batch softmax kernel sums it: per batch row, 0 − term of each scored
   * step in order (rowLoss holds 0 − term per compacted step), then the rows in batch order, / N.
   */
  totalLoss(N: number): number {
    const terms = this.bufs!.rowLoss.view();
    const start = this.scoredStart;
    let loss = 0;
    for (let n = 0; n < N; n++) {
      const s = this.rank[n];
      let rl = 0;
      for (let c = start[s]; c < start[s + 1]; c++) rl += terms[c];
      loss += rl;
    }
    return loss / N;
  }

  /** The buffers of the current shape (null before the first resize). */
  get bufs(): Activations | null {
    return this.table.bufs;
  }

  dispose(): void {
    this.table.dispose();
  }
}
