// Beam search of width k per image as planned kernel calls (the pattern of greedy.ts), over
// partitions of the images: each partition's k·n rows run the step's GEMMs on the packed
// weights (and the folded table E = W_embed·Wx when greedy's cache holds it), the
// log-softmax, optional n-gram blocking, the per-image top-k selection (beam_select) and the
// gather that makes h (and c) follow the surviving beams, all in wasm. The host only checks
// between steps whether every beam has finished.
//
// Scores are summed log-probabilities; a beam that emits <END> is finished and carries over
// unchanged. Candidates are ranked by score / lp(len) (lp = 1 without a length penalty), then
// lower beam, then lower word id. Every image's numbers depend only on that image, so any
// partition (thread count) gives the same bits; steps run after every beam has finished
// change nothing (each row carries itself over), so stopping early is exact.
//
// State per row r (rows i·k .. i·k+k−1 belong to image i), double-buffered by step parity:
// score f64, len i32 (words generated), done i32, seq (R, L) i32 — read at step t from buffer
// t mod 2, written to the other.
import { checkMemory } from '../core/check.js';
import { type BufferSizes, type WasmBuffer, allocAll, bufferBytes, freeAll } from '../core/memory.js';
import { scratch } from '../core/runtime.js';
import { Tensor } from '../core/tensor.js';
import type { Call } from '../core/threads.js';
import { type ModelConfig, sizesOf } from './config.js';
import { type Decoding, lengthPenalties } from './decoding.js';
import type { GreedyDecoder } from './greedy.js';
import type { PackedWeights } from './packed.js';
import type { ParamBlock, ParamName } from './params.js';

export interface BeamResult {
  /** The best caption per image, int32 (N, maxLength), <NULL> after <END>. */
  captions: Tensor;
  /** The k captions per image in rank order, int32 (N, k, maxLength). */
  topK: Tensor;
  /** Their summed log-probabilities (N·k); −∞ where an image has fewer than k. */
  scores: Float64Array;
  /** The ranking keys score / lp(len) (N·k); equal to scores without a length penalty. */
  rankScores: Float64Array;
}

export interface BeamPlan {
  /** Weight packing, run first on the calling thread. */
  pack: Call[];
  /** Rows of E per partition (empty when E is not built by this call). */
  fold: Call[][];
  /** h0 = features·W_proj + b_proj for each partition's rows. */
  start: Call[][];
  /** The calls of step t per partition. */
  step(t: number): Call[][];
  /** Whether every beam has finished after step t. */
  finished(t: number): boolean;
  /** After the calls have run (steps 0..last): records what the plan filled in the cache. */
  commit(): void;
  /** The result once steps 0..last have run. */
  result(last: number): BeamResult;
}

/** The buffer table for R rows and captions of L words (f = the model's float dtype). */
function beamSizes(c: ModelConfig, R: number, L: number) {
  const { D, W, H, V, G, lstm } = sizesOf(c);
  const f = c.dtype;
  const lh = lstm ? R * H : 0;
  return {
    features: [f, R * D], words: ['int32', R], x: [f, R * W], // (R, D), (R), (R, W)
    h: [f, R * H], hNext: [f, R * H], c: [f, lh], cNext: [f, lh], // (R, H)
    a: [f, R * G], dgates: [f, lstm ? R * G : 0], tanhC: [f, lh], dtanhC: [f, lh], // (R, G): the gate sums
    scores: [f, R * V], logp: [f, R * V], // (R, V)
    score0: ['float64', R], score1: ['float64', R], len0: ['int32', R], len1: ['int32', R],
    done0: ['int32', R], done1: ['int32', R], seq0: ['int32', R * L], seq1: ['int32', R * L], // (R), (R, L)
    from: ['int32', R], cand: ['float64', 4 * R], lp: ['float64', L + 1],
  } as const satisfies BufferSizes;
}

type BeamBufs = Record<keyof ReturnType<typeof beamSizes>, WasmBuffer>;

export class BeamDecoder {
  private bufs: BeamBufs | null = null;
  private capRows = 0;
  private capLen = 0;

  constructor(private readonly config: ModelConfig, private readonly params: ParamBlock,
    private readonly packed: PackedWeights, private readonly greedy: GreedyDecoder) {}

  /** Buffers for at least R rows of L words; re-made (larger) only when they do not fit. */
  private ensure(R: number, L: number): BeamBufs {
    if (this.bufs && R <= this.capRows && L <= this.capLen) return this.bufs;
    const R2 = Math.max(R, this.capRows), L2 = Math.max(L, this.capLen);
    const sizes = beamSizes(this.config, R2, L2);
    checkMemory('features', bufferBytes(sizes), 'wasm memory', 'beam search buffers');
    const fresh = allocAll(sizes); // the old ones go once these exist
    freeAll(this.bufs);
    this.bufs = fresh;
    this.capRows = R2;
    this.capLen = L2;
    return fresh;
  }

  /**
   * Plans beam search of width k over `features` (N, D) for P partitions of the images; fills
   * the inputs (features repeated k times, the start state), runs nothing.
   */
  plan(features: Tensor, N: number, opts: Decoding, tokens: { start: number; end: number; nul: number }, P: number): BeamPlan {
    const { D, W, H, V, G, lstm, e, f } = sizesOf(this.config);
    const { maxLength, beamSize: k, blockRepeatNgrams: ngram } = opts;
    const R = N * k;
    const b = this.ensure(R, maxLength);
    const L = this.capLen; // row stride of the sequences
    const fv = b.features.view();
    for (let n = 0; n < N; n++) {
      const row = features.data.subarray(n * D, (n + 1) * D);
      for (let j = 0; j < k; j++) fv.set(row, (n * k + j) * D);
    }
    // only beam 0 of each image is live at the start, so the first step's k choices are distinct
    const score0 = b.score0.view() as Float64Array;
    score0.fill(-Infinity, 0, R);
    for (let n = 0; n < N; n++) score0[n * k] = 0;
    (b.len0.view() as Int32Array).fill(0, 0, R);
    (b.done0.view() as Int32Array).fill(0, 0, R);
    (b.seq0.view() as Int32Array).fill(tokens.nul);
    (b.seq1.view() as Int32Array).fill(tokens.nul);
    (b.words.view() as Int32Array).fill(tokens.start, 0, R);
    if (lstm) b.c.zero();
    (b.lp.view() as Float64Array).set(lengthPenalties(opts.lengthPenalty, maxLength));

    const A = (name: ParamName) => this.params.addr(name);
    const pk = this.packed.get();
    const cache = this.greedy.cachePlan(R * maxLength, P);
    const state = [
      { score: b.score0, len: b.len0, done: b.done0, seq: b.seq0 },
      { score: b.score1, len: b.len1, done: b.done1, seq: b.seq1 },
    ];
    // partition p: images [i0, i1), rows [i0·k, i1·k)
    const parts = Array.from({ length: P }, (_, p) => {
      const i0 = Math.floor((p * N) / P), i1 = Math.floor(((p + 1) * N) / P);
      return { r0: i0 * k, images: i1 - i0, n: (i1 - i0) * k };
    });
    const start = parts.map(({ r0, n }, p) => {
      if (n === 0) return [];
      const c: Call[] = [[`${f}affine_forward`, b.h.ptr + r0 * H * e, b.features.ptr + r0 * D * e, A('W_proj'), A('b_proj'), n, D, H, scratch(p)]];
      return c;
    });
    const step = (t: number): Call[][] => parts.map(({ r0, images, n }) => {
      const c: Call[] = [];
      if (n === 0) return c;
      const at = (buf: WasmBuffer, perRow: number) => buf.ptr + r0 * perRow * e;
      const ati = (buf: WasmBuffer, perRow: number) => buf.ptr + r0 * perRow * (buf.dtype === 'float64' ? 8 : 4);
      const a = at(b.a, G), words = ati(b.words, 1), from = ati(b.from, 1);
      const si = state[t % 2], so = state[(t + 1) % 2];
      c.push([`${f}bias_rows`, a, A('b'), n, G, G]);
      if (cache.useFold) {
        c.push([`${f}word_embedding_add`, a, words, cache.folded, n, V, G]);
      } else {
        c.push([`${f}word_embedding_forward`, at(b.x, W), words, A('W_embed'), n, V, W]);
        c.push([`${f}gemm_nn_packed`, a, at(b.x, W), pk.Wx.ptr, A('Wx'), n, G, W, W, G, G, 1]);
      }
      c.push([`${f}gemm_nn_packed`, a, at(b.h, H), pk.Wh.ptr, A('Wh'), n, G, H, H, G, G, 1]);
      if (lstm) {
        c.push([`${f}lstm_cell_forward`, at(b.hNext, H), at(b.cNext, H), a, at(b.dgates, G), at(b.tanhC, H), at(b.dtanhC, H), at(b.c, H), 1, n, H]);
      } else {
        c.push([`${f}tanh_forward`, at(b.hNext, H), a, a, n, H]);
      }
      const scores = at(b.scores, V), logp = at(b.logp, V);
      c.push([`${f}bias_rows`, scores, A('b_vocab'), n, V, V]);
      c.push([`${f}gemm_nn_packed`, scores, at(b.hNext, H), pk.W_vocab.ptr, A('W_vocab'), n, V, H, H, V, V, 1]);
      c.push([`${f}log_softmax_rows`, logp, scores, n, V, V, 1]);
      if (ngram > 0) c.push([`${f}block_ngrams`, logp, ati(si.seq, L), n, V, L, t, ngram]);
      c.push([`${f}beam_select`, ati(so.score, 1), ati(so.len, 1), ati(so.done, 1), ati(so.seq, L), from, words,
        ati(b.cand, 4), ati(si.score, 1), ati(si.len, 1), ati(si.done, 1), ati(si.seq, L), logp,
        b.lp.ptr, images, k, V, L, t, tokens.end, tokens.nul]);
      // the recurrent state follows the surviving beams
      c.push([`${f}beam_gather_rows`, at(b.h, H), at(b.hNext, H), from, n, H]);
      if (lstm) c.push([`${f}beam_gather_rows`, at(b.c, H), at(b.cNext, H), from, n, H]);
      return c;
    });
    const finished = (t: number) => {
      const done = state[(t + 1) % 2].done.view() as Int32Array;
      for (let r = 0; r < R; r++) if (done[r] === 0) return false;
      return true;
    };
    const result = (last: number): BeamResult => {
      const s = state[(last + 1) % 2];
      const seq = s.seq.view() as Int32Array, score = s.score.view() as Float64Array, len = s.len.view() as Int32Array;
      const lp = b.lp.view() as Float64Array;
      const top = new Int32Array(R * maxLength), best = new Int32Array(N * maxLength);
      for (let r = 0; r < R; r++) top.set(seq.subarray(r * L, r * L + maxLength), r * maxLength);
      for (let n = 0; n < N; n++) best.set(top.subarray(n * k * maxLength, (n * k + 1) * maxLength), n * maxLength);
      const scores = Float64Array.from(score.subarray(0, R));
      const rankScores = scores.map((x, r) => (x === -Infinity ? x : x / lp[len[r]]));
      return { captions: new Tensor(best, [N, maxLength]), topK: new Tensor(top, [N, k, maxLength]), scores, rankScores };
    };
    return { pack: cache.pack, fold: cache.fold, start, step, finished, commit: cache.commit, result };
  }

  dispose(): void {
    freeAll(this.bufs);
    this.bufs = null;
    this.capRows = 0;
    this.capLen = 0;
  }
}
