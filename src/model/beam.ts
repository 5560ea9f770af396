// Beam search of width k per image as planned kernel calls (the pattern of greedy.ts), over
// partitions of the images. A step runs only the rows whose beam is still live (not finished,
// and existing: at step 0 only beam 0 of each image), compacted: h·Wh once per distinct parent
// beam (beams that extend the same parent share it; the product is added to each child's
// gate sums, the same sum as the direct GEMM with accumulation, so the same bits), each running
// row's gates, cell, vocabulary scores (packed weights, and the folded table E = W_embed·Wx when
// greedy's cache holds it) and log-softmax, then the per-image top-k selection (beam_select)
// in wasm. Between steps the host reads the selection (done flags, parents, words) to plan the
// next step's rows, and stops once no beam is live.
//
// Scores are summed log-probabilities; a beam that emits <END> is finished and carries over
// unchanged. Candidates are ranked by score / lp(len) (lp = 1 without a length penalty), then
// lower beam, then lower word id. Every image's numbers depend only on that image, and a
// GEMM row's sums never depend on the other rows, so any partition (thread count) and any
// compaction give the same bits.
//
// State per row r (rows i·k .. i·k+k−1 belong to image i), double-buffered by step parity:
// score f64, len i32 (words generated), done i32, seq (R, L) i32 — read at step t from buffer
// t mod 2, written to the other. The recurrent state lives in the compact order of the rows
// that ran (hNext, cNext: running row q of the partition at its first row).
import { BufferTable, type BufferSizes, type WasmBuffer } from '../core/memory.js';
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
  /**
   * The calls of step t per partition, planned from the selection of step t − 1 (which must
   * have run); null when no beam is live any more (every later step would change nothing).
   */
  step(t: number): Call[][] | null;
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
    features: [f, R * D], x: [f, R * W], // (N, D); (running, W)
    hc: [f, R * H], hNext: [f, R * H], cPrev: [f, lh], cNext: [f, lh], // (parents, H); (running, H)
    hWh: [f, R * G], a: [f, R * G], dgates: [f, lstm ? R * G : 0], tanhC: [f, lh], dtanhC: [f, lh], // (parents, G); (running, G)
    scores: [f, R * V], logp: [f, R * V], // (running, V)
    score0: ['float64', R], score1: ['float64', R], len0: ['int32', R], len1: ['int32', R],
    done0: ['int32', R], done1: ['int32', R], seq0: ['int32', R * L], seq1: ['int32', R * L], // (R), (R, L)
    from: ['int32', R], words: ['int32', R], live: ['int32', R], // (R): the selection's parents and words; running index
    runWords: ['int32', R], runParent: ['int32', R], runSlot: ['int32', R], parents: ['int32', R], // (running), (parents)
    cand: ['float64', 4 * R], lp: ['float64', L + 1],
  } as const satisfies BufferSizes;
}

type BeamBufs = Record<keyof ReturnType<typeof beamSizes>, WasmBuffer>;

export class BeamDecoder {
  private readonly table = new BufferTable<keyof BeamBufs>();
  private capRows = 0;
  private capLen = 0;

  constructor(private readonly config: ModelConfig, private readonly params: ParamBlock,
    private readonly packed: PackedWeights, private readonly greedy: GreedyDecoder) {}

  /** Buffers for at least R rows of L words; re-made (larger) only when they do not fit. */
  private ensure(R: number, L: number): BeamBufs {
    const R2 = Math.max(R, this.capRows), L2 = Math.max(L, this.capLen);
    const bufs = this.table.ensure(`${R2}x${L2}`, () => beamSizes(this.config, R2, L2), 'features');
    this.capRows = R2;
    this.capLen = L2;
    return bufs;
  }

  /**
   * Plans beam search of width k over `features` (N, D) for P partitions of the images; fills
   * the inputs and the start state, runs nothing.
   */
  plan(features: Tensor, N: number, opts: Decoding, tokens: { start: number; end: number; nul: number }, P: number): BeamPlan {
    const { D, W, H, V, G, lstm, e, f } = sizesOf(this.config);
    const { maxLength, beamSize: k, blockRepeatNgrams: ngram } = opts;
    const R = N * k;
    const b = this.ensure(R, maxLength);
    const L = this.capLen; // row stride of the sequences
    b.features.view().set(features.data);
    // only beam 0 of each image exists at the start, so the first step's k choices are distinct
    const score0 = b.score0.view() as Float64Array;
    score0.fill(-Infinity, 0, R);
    for (let n = 0; n < N; n++) score0[n * k] = 0;
    (b.len0.view() as Int32Array).fill(0, 0, R);
    (b.done0.view() as Int32Array).fill(0, 0, R);
    (b.seq0.view() as Int32Array).fill(tokens.nul);
    (b.seq1.view() as Int32Array).fill(tokens.nul);
    (b.words.view() as Int32Array).fill(tokens.start, 0, R);
    if (lstm) b.cNext.zero(); // c0 = 0
    (b.lp.view() as Float64Array).set(lengthPenalties(opts.lengthPenalty, maxLength));

    const A = (name: ParamName) => this.params.addr(name);
    const pk = this.packed.get();
    const cache = this.greedy.cachePlan(R * maxLength, P);
    const state = [
      { score: b.score0, len: b.len0, done: b.done0, seq: b.seq0 },
      { score: b.score1, len: b.len1, done: b.done1, seq: b.seq1 },
    ];
    // partition p: images [i0, i1), rows [r0, r0 + n); its compact buffers start at row r0
    const parts = Array.from({ length: P }, (_, p) => {
      const i0 = Math.floor((p * N) / P), i1 = Math.floor(((p + 1) * N) / P);
      return { i0, r0: i0 * k, images: i1 - i0, n: (i1 - i0) * k };
    });
    // step 0's parents: h0 of image i is running row i of its partition (beam 0 of each image runs)
    const from0 = b.from.view() as Int32Array;
    from0.fill(-1, 0, R);
    for (const { r0, images } of parts) for (let i = 0; i < images; i++) from0[r0 + i * k] = i;
    const at = (buf: WasmBuffer, row: number, perRow: number) => buf.ptr + row * perRow * (buf.dtype === 'int32' ? 4 : buf.dtype === 'float64' ? 8 : e);
    const start = parts.map(({ i0, r0, images }, p): Call[] =>
      images === 0 ? [] : [[`${f}affine_forward`, at(b.hNext, r0, H), at(b.features, i0, D), A('W_proj'), A('b_proj'), images, D, H, scratch(p)]]);
    const parentSlot = new Int32Array(R);
    const stamp = new Int32Array(R).fill(-1);

    /** The running rows of step t in partition p: writes live, runWords, runParent, runSlot, parents; returns their counts. */
    const compact = (t: number, r0: number, n: number) => {
      const si = state[t % 2];
      const score = si.score.view() as Float64Array, done = si.done.view() as Int32Array;
      const live = b.live.view() as Int32Array, words = b.words.view() as Int32Array, from = b.from.view() as Int32Array;
      const runWords = b.runWords.view() as Int32Array, runParent = b.runParent.view() as Int32Array;
      const runSlot = b.runSlot.view() as Int32Array, parents = b.parents.view() as Int32Array;
      let running = 0, distinct = 0;
      for (let r = r0; r < r0 + n; r++) {
        if (done[r] !== 0 || score[r] === -Infinity) { live[r] = -1; continue; }
        const q = r0 + running++, par = from[r];
        live[r] = q - r0;
        runWords[q] = words[r];
        runParent[q] = par;
        if (stamp[r0 + par] !== t) { stamp[r0 + par] = t; parentSlot[r0 + par] = distinct; parents[r0 + distinct++] = par; }
        runSlot[q] = parentSlot[r0 + par];
      }
      return { running, distinct };
    };

    const step = (t: number): Call[][] | null => {
      let any = false;
      const calls = parts.map(({ r0, images, n }, p) => {
        const c: Call[] = [];
        if (images === 0) return c;
        const { running: m, distinct: u } = compact(t, r0, n);
        any ||= m > 0;
        const si = state[t % 2], so = state[(t + 1) % 2];
        const a = at(b.a, r0, G), runWords = at(b.runWords, r0, 1), logp = at(b.logp, r0, V);
        if (m > 0) {
          // h·Wh once per distinct parent, added to each running row's gate sums
          c.push([`${f}gather_rows`, at(b.hc, r0, H), at(b.parents, r0, 1), at(b.hNext, r0, H), u, n, H]);
          c.push([`${f}gemm_nn_packed`, at(b.hWh, r0, G), at(b.hc, r0, H), pk.Wh.ptr, A('Wh'), u, G, H, H, G, G, 0]);
          if (lstm) c.push([`${f}gather_rows`, at(b.cPrev, r0, H), at(b.runParent, r0, 1), at(b.cNext, r0, H), m, n, H]);
          c.push([`${f}bias_rows`, a, A('b'), m, G, G]);
          if (cache.useFold) {
            c.push([`${f}gather_add_rows`, a, runWords, cache.folded, m, V, G]);
          } else {
            c.push([`${f}word_embedding_forward`, at(b.x, r0, W), runWords, A('W_embed'), m, V, W]);
            c.push([`${f}gemm_nn_packed`, a, at(b.x, r0, W), pk.Wx.ptr, A('Wx'), m, G, W, W, G, G, 1]);
          }
          c.push([`${f}gather_add_rows`, a, at(b.runSlot, r0, 1), at(b.hWh, r0, G), m, u, G]);
          if (lstm) {
            c.push([`${f}lstm_cell_forward`, at(b.hNext, r0, H), at(b.cNext, r0, H), a, at(b.dgates, r0, G), at(b.tanhC, r0, H),
              at(b.dtanhC, r0, H), at(b.cPrev, r0, H), 1, m, H]);
          } else {
            c.push([`${f}tanh_forward`, at(b.hNext, r0, H), a, a, m, H]);
          }
          const scores = at(b.scores, r0, V);
          c.push([`${f}bias_rows`, scores, A('b_vocab'), m, V, V]);
          c.push([`${f}gemm_nn_packed`, scores, at(b.hNext, r0, H), pk.W_vocab.ptr, A('W_vocab'), m, V, H, H, V, V, 1]);
          c.push([`${f}log_softmax_rows`, logp, scores, m, V, V, 1]);
        }
        c.push([`${f}beam_select`, at(so.score, r0, 1), at(so.len, r0, 1), at(so.done, r0, 1), at(so.seq, r0, L), at(b.from, r0, 1),
          at(b.words, r0, 1), at(b.cand, r0, 4), at(si.score, r0, 1), at(si.len, r0, 1), at(si.done, r0, 1), at(si.seq, r0, L),
          at(b.live, r0, 1), logp, b.lp.ptr, images, k, V, L, t, tokens.end, tokens.nul, ngram]);
        return c;
      });
      return any ? calls : null;
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
    return { pack: cache.pack, fold: cache.fold, start, step, commit: cache.commit, result };
  }

  dispose(): void {
    this.table.dispose();
    this.capRows = 0;
    this.capLen = 0;
  }
}
