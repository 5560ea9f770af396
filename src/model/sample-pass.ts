// The sampling pass of self-critical training as planned kernel calls over partitions of the
// images (the pattern of beam.ts): per image, k captions sampled at temperature 1 with uniforms
// drawn up front, and optionally the image's greedy caption, advanced together one step at a
// time on the rows still live (a row ends with <END> or <NULL> and is compacted out of later
// steps; the host plans each step from the words of the previous one). Every step's
// activations are kept, step-major, so that after the rewards `relayout` gathers them into the
// training batch's packed layout and the training step runs only its loss and backward
// (TrainBatch.forwardLoaded): the sampling pass is the loss's forward pass, as in
// self-critical.pytorch.
//
// The kernels are the training forward's (bias, then x·Wx — or the row of the folded table
// E = W_embed·Wx, the same sum — then h·Wh with packed weights, the cell, and the scores
// b_vocab + h·W_vocab), so the gathered activations are the bits the training forward computes;
// a sample row's word is log_softmax_rows then draw_rows with its uniform (drawWord's rule), a
// greedy row's argmax_rows: the captions of model.sample with temperature 1 and that seed, and
// of greedy decoding.
//
// Rows: sample row i = n·k + j (sample j of image n), greedy row N·k + n. Partition p takes
// images [n0, n1); in each step's block its live sample rows, then its live greedy rows, are
// contiguous. Shapes: N images, k samples, T steps, R = N·k (+ N) rows, D W H V G as usual.
import { type BufferSizes, BufferTable, type WasmBuffer } from '../core/memory.js';
import { scratch } from '../core/runtime.js';
import type { Call } from '../core/threads.js';
import type { TrainBatch } from './batch.js';
import { type ModelConfig, sizesOf } from './config.js';
import type { GreedyDecoder } from './greedy.js';
import type { PackedWeights } from './packed.js';
import type { ParamBlock, ParamName } from './params.js';

export interface PassInput {
  /** The N images' features (N·D), in image order. */
  features: Float32Array | Float64Array;
  N: number;
  k: number;
  T: number;
  /** (T, N·k): u[t·N·k + i], the uniform of sample row i at step t. */
  uniforms: Float64Array;
  /** Whether the N greedy rows run too (the greedy baseline). */
  greedy: boolean;
  tokens: { start: number; end: number; nul: number };
}

export interface PassPlan {
  /** Weight packing, run first on the calling thread. */
  pack: Call[];
  /** Rows of E per partition (empty when E is not built by this call). */
  fold: Call[][];
  /** h0 = features·W_proj + b_proj of each partition's images. */
  start: Call[][];
  /** The calls of step t (step t − 1 must have run); null when no row is live any more. */
  step(t: number): Call[][] | null;
  /** After the steps ran: records what the plan filled in greedy decoding's cache. */
  commit(): void;
  /** After steps 0..ran−1: every row's words (R, T) row-major, <NULL> after the row ended. */
  words(ran: number): Int32Array;
  /**
   * The gathers of the kept activations into `batch`, loaded (batch.load) with the N·k sample
   * rows' captions in row order, for P parts over the packed and the scored rows.
   */
  relayout(batch: TrainBatch, P: number): Call[][];
}

/** The buffer table for R rows of T steps of N images. */
function passSizes(c: ModelConfig, N: number, R: number, T: number) {
  const { D, W, H, V, G, lstm } = sizesOf(c);
  const f = c.dtype;
  const RT = R * T, lh = lstm ? RT * H : 0;
  return {
    features: [f, N * D], h0: [f, N * H], // (N, D), (N, H)
    // step-major, the rows that ran: (RT, ·)
    hprev: [f, RT * H], h: [f, RT * H], x: [f, RT * W], a: [f, RT * G], scores: [f, RT * V],
    c: [f, lh], cprev: [f, lh], dgates: [f, lstm ? RT * G : 0], tanhC: [f, lh], dtanhC: [f, lh],
    words: ['int32', RT], from: ['int32', RT], drawn: ['int32', RT], u: ['float64', RT], // per row that ran
    logp: [f, R * V], // (R, V): one step's log-probabilities, at the partition's first row
    idxR: ['int32', RT], idxS: ['int32', RT], // relayout: pass row of each packed / scored training row
  } as const satisfies BufferSizes;
}

type PassBufs = Record<keyof ReturnType<typeof passSizes>, WasmBuffer>;

export class SamplePass {
  private readonly table = new BufferTable<keyof PassBufs>();

  constructor(private readonly config: ModelConfig, private readonly params: ParamBlock,
    private readonly packed: PackedWeights, private readonly greedy: GreedyDecoder) {}

  /** Plans the pass for P partitions of the images; fills the inputs, runs nothing. */
  plan(input: PassInput, P: number): PassPlan {
    const { D, W, H, V, G, lstm, e, f } = sizesOf(this.config);
    const { N, k, T, uniforms, tokens } = input;
    const NK = N * k, R = NK + (input.greedy ? N : 0), RT = R * T;
    const b = this.table.ensure(`${N}x${k}x${T}x${R}`, () => passSizes(this.config, N, R, T), 'batchSize');
    b.features.view().set(input.features);
    const A = (name: ParamName) => this.params.addr(name);
    const pk = this.packed.get();
    const cache = this.greedy.cachePlan(RT, P);
    const at = (buf: WasmBuffer, row: number, perRow: number) => buf.ptr + row * perRow * (buf.dtype === 'int32' ? 4 : buf.dtype === 'float64' ? 8 : e);
    const parts = Array.from({ length: P }, (_, p) => {
      const n0 = Math.floor((p * N) / P), n1 = Math.floor(((p + 1) * N) / P);
      return { n0, n1 };
    });
    const start = parts.map(({ n0, n1 }, p): Call[] =>
      n1 > n0 ? [[`${f}affine_forward`, at(b.h0, n0, H), at(b.features, n0, D), A('W_proj'), A('b_proj'), n1 - n0, D, H, scratch(p)]] : []);

    // host state: each row's words, whether it ended, and where it ran at each step
    const out = new Int32Array(RT).fill(tokens.nul);
    const ended = new Uint8Array(R);
    const pos = new Int32Array(RT).fill(-1); // pos[i·T + t] = the pass row of row i at step t
    const ran: { rows: Int32Array; t: number } = { rows: new Int32Array(R), t: -1 }; // the rows of the last planned step, in block order
    let ranCount = 0, next = 0, collected = -1; // next: the first free pass row
    const imageOf = (i: number) => (i < NK ? Math.floor(i / k) : i - NK);

    /** Reads the words drawn at the last planned step into `out`; marks the rows that ended. */
    const collect = () => {
      if (ran.t < 0 || collected === ran.t) return;
      const drawn = b.drawn.view() as Int32Array;
      for (let q = 0; q < ranCount; q++) {
        const i = ran.rows[q], w = drawn[pos[i * T + ran.t]];
        out[i * T + ran.t] = w;
        if (w === tokens.end || w === tokens.nul) ended[i] = 1;
      }
      collected = ran.t;
    };

    const step = (t: number): Call[][] | null => {
      collect();
      const words = b.words.view() as Int32Array, from = b.from.view() as Int32Array, u = b.u.view() as Float64Array;
      const q0 = next;
      ranCount = 0;
      const blocks = parts.map(({ n0, n1 }) => {
        const first = next;
        const add = (i: number) => {
          if (ended[i]) return;
          const q = next++;
          ran.rows[ranCount++] = i;
          pos[i * T + t] = q;
          words[q] = t === 0 ? tokens.start : out[i * T + t - 1];
          from[q] = t === 0 ? imageOf(i) : pos[i * T + t - 1];
          u[q] = i < NK ? uniforms[t * NK + i] : 0;
        };
        for (let i = n0 * k; i < n1 * k; i++) add(i);
        const ms = next - first;
        if (input.greedy) for (let n = n0; n < n1; n++) add(NK + n);
        return { first, ms, mg: next - first - ms };
      });
      ran.t = t;
      if (next === q0) return null;
      return blocks.map(({ first: q, ms, mg }, p): Call[] => {
        const m = ms + mg;
        if (m === 0) return [];
        const c: Call[] = [];
        const a = at(b.a, q, G), h = at(b.h, q, H), hprev = at(b.hprev, q, H), from_ = at(b.from, q, 1), words_ = at(b.words, q, 1);
        c.push([`${f}gather_rows`, hprev, from_, t === 0 ? b.h0.ptr : b.h.ptr, m, t === 0 ? N : RT, H]);
        if (lstm && t > 0) c.push([`${f}gather_rows`, at(b.cprev, q, H), from_, b.c.ptr, m, RT, H]);
        c.push([`${f}bias_rows`, a, A('b'), m, G, G]);
        if (cache.useFold) {
          c.push([`${f}gather_add_rows`, a, words_, cache.folded, m, V, G]);
        } else {
          c.push([`${f}word_embedding_forward`, at(b.x, q, W), words_, A('W_embed'), m, V, W]);
          c.push([`${f}gemm_nn_packed`, a, at(b.x, q, W), pk.Wx.ptr, A('Wx'), m, G, W, W, G, G, 1]);
        }
        c.push([`${f}gemm_nn_packed`, a, hprev, pk.Wh.ptr, A('Wh'), m, G, H, H, G, G, 1]);
        if (lstm) {
          c.push([`${f}lstm_cell_forward`, h, at(b.c, q, H), a, at(b.dgates, q, G), at(b.tanhC, q, H), at(b.dtanhC, q, H),
            t === 0 ? 0 : at(b.cprev, q, H), t === 0 ? 0 : 1, m, H]);
        } else {
          c.push([`${f}tanh_forward`, h, a, a, m, H]);
        }
        const scores = at(b.scores, q, V);
        c.push([`${f}bias_rows`, scores, A('b_vocab'), m, V, V]);
        c.push([`${f}gemm_nn_packed`, scores, h, pk.W_vocab.ptr, A('W_vocab'), m, V, H, H, V, V, 1]);
        if (ms > 0) {
          const logp = at(b.logp, parts[p].n0 * k, V); // this partition's first sample row: no overlap
          c.push([`${f}log_softmax_rows`, logp, scores, ms, V, V, 1]);
          c.push([`${f}draw_rows`, at(b.drawn, q, 1), logp, at(b.u, q, 1), ms, V]);
        }
        if (mg > 0) c.push([`${f}argmax_rows`, at(b.drawn, q + ms, 1), at(b.scores, q + ms, V), mg, V, V]);
        return c;
      });
    };

    const words = (): Int32Array => {
      collect();
      return out;
    };

    const relayout = (batch: TrainBatch, Pr: number): Call[][] => {
      const tb = batch.bufs!;
      const { rank, active, off } = batch;
      const Rp = off[T], Rs = batch.scored;
      const inv = new Int32Array(NK);
      for (let i = 0; i < NK; i++) inv[rank[i]] = i;
      const idxR = b.idxR.view() as Int32Array, idxS = b.idxS.view() as Int32Array;
      for (let t = 0; t < T; t++) {
        for (let s = 0; s < active[t]; s++) {
          const q = pos[inv[s] * T + t];
          if (q < 0) throw new Error(`recap: sampling pass: row ${inv[s]} did not run step ${t}`); // a bug, never the caller's
          idxR[off[t] + s] = q;
        }
      }
      const rowIdx = tb.rowIdx.view() as Int32Array;
      for (let c = 0; c < Rs; c++) idxS[c] = idxR[rowIdx[c]];
      return Array.from({ length: Pr }, (_, p): Call[] => {
        const r0 = Math.floor((p * Rp) / Pr), r1 = Math.floor(((p + 1) * Rp) / Pr);
        const c0 = Math.floor((p * Rs) / Pr), c1 = Math.floor(((p + 1) * Rs) / Pr);
        const c: Call[] = [];
        const g = (dst: WasmBuffer, src: WasmBuffer, width: number) =>
          c.push([`${f}gather_rows`, at(dst, r0, width), at(b.idxR, r0, 1), src.ptr, r1 - r0, RT, width]);
        if (r1 > r0) {
          g(tb.hprev, b.hprev, H);
          if (lstm) {
            g(tb.c, b.c, H); g(tb.gates, b.a, G); g(tb.dgates, b.dgates, G); g(tb.tanhC, b.tanhC, H); g(tb.dtanhC, b.dtanhC, H);
          } else {
            g(tb.dtanh, b.a, H);
          }
          c.push([`${f}word_embedding_forward`, at(tb.x, r0, W), at(tb.tokens, r0, 1), A('W_embed'), r1 - r0, V, W]);
        }
        if (c1 > c0) {
          c.push([`${f}gather_rows`, at(tb.hc, c0, H), at(b.idxS, c0, 1), b.h.ptr, c1 - c0, RT, H]);
          c.push([`${f}gather_rows`, at(tb.scores, c0, V), at(b.idxS, c0, 1), b.scores.ptr, c1 - c0, RT, V]);
        }
        return c;
      });
    };

    return { pack: cache.pack, fold: cache.fold, start, step, commit: cache.commit, words, relayout };
  }

  dispose(): void {
    this.table.dispose();
  }
}
