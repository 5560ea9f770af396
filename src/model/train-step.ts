// The training step as kernel calls: forward through time, the loss on the scored steps, and
// backward to every gradient, planned for P partitions so that any thread count gives
// bit-identical results.
//
// Phase `pack`: the recurrent weights in the packed layouts of gemm_nn_packed / gemm_nt_packed
// (once a step, on the calling thread). Phase `rows`: partition p takes the length-sorted
// workspace rows [S_p, S_{p+1}) — about equal shares of the running steps — through the forward
// pass, step by step on its running rows, the loss, and the recurrent backward down to da and
// dh0 (every row's numbers are independent of the others). Phase `cols`: partition p computes
// its share of the COLUMNS of dx and of every weight gradient, each a sum over all packed rows
// in one fixed order, and (batch.featureGrad) its columns of dfeatures = dh0 · W_projᵀ.
// When the batch already holds its forward pass (batch.forwardLoaded:
// self-critical training's sampling pass gathered its activations in, model/sample-pass.ts),
// only Whᵀ is packed and the rows phase starts at the loss.
//
// Shapes: N batch, T time, D feature, W word vector, H hidden, V vocabulary, G gate width,
// R packed (running) rows, Rs scored steps; see batch.ts for the buffers.
import type { WasmBuffer } from '../core/memory.js';
import { kernels, queueParts, rt, scratch } from '../core/runtime.js';
import { runCalls, type Call } from '../core/threads.js';
import { type ModelConfig, sizesOf } from './config.js';
import type { TrainBatch } from './batch.js';
import type { PackedWeights } from './packed.js';
import type { ParamBlock, ParamName } from './params.js';

/** What a step reads and writes. */
export interface StepState {
  config: ModelConfig;
  params: ParamBlock;
  batch: TrainBatch;
  packed: PackedWeights;
}

export interface StepPlan {
  pack: Call[];
  rows: Call[][];
  cols: Call[][];
}

/** Forward and backward over the loaded batch on this thread; writes the gradient block, returns the loss. */
export function forwardBackward(m: StepState, N: number, T: number): number {
  const ks = kernels();
  const plan = planStep(m, N, T, 1);
  m.params.grads.zero();
  runCalls(ks, plan.pack);
  runCalls(ks, plan.rows[0]);
  runCalls(ks, plan.cols[0]);
  return m.batch.totalLoss(N);
}

/** The same step split over the runtime's threads (bit-identical to forwardBackward). */
export async function forwardBackwardAsync(m: StepState, N: number, T: number): Promise<number> {
  const ks = kernels();
  const { pool, threads } = rt();
  if (!pool) return forwardBackward(m, N, T);
  const plan = planStep(m, N, T, queueParts(threads));
  m.params.grads.zero();
  runCalls(ks, plan.pack);
  await pool.runQueue(ks, plan.rows);
  await pool.runQueue(ks, plan.cols);
  return m.batch.totalLoss(N);
}

/** The kernel calls of one training step for P partitions (pure: nothing runs or changes here). */
export function planStep(m: StepState, N: number, T: number, P: number): StepPlan {
  const { D, W, H, V, G, lstm, e, f } = sizesOf(m.config);
  const q = m.batch;
  const b = q.bufs!;
  const P_ = (name: ParamName) => m.params.addr(name);
  const dP = (name: ParamName) => m.params.gradAddr(name);
  const Rs = q.scored;
  const { len, active, off, scoredStart } = q;
  const R = off[T];
  const pk = m.packed.get();
  const fwd = !q.forwardLoaded; // else the forward's activations are in place (a sampling pass wrote them)
  const pack: Call[] = [
    ...(fwd ? [[`${f}pack_b`, pk.Wx.ptr, P_('Wx'), W, G, G], [`${f}pack_b`, pk.Wh.ptr, P_('Wh'), H, G, G]] as Call[] : []),
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
    const c0 = scoredStart[s0], rc = scoredStart[s1] - c0; // its scored steps
    const mAt = (t: number) => (t < T ? Math.max(0, Math.min(s1, active[t]) - s0) : 0); // its running rows at t
    let tp = 0; // its running steps
    while (tp < T && mAt(tp) > 0) tp++;
    const c: Call[] = [];
    if (n > 0) {
      const h0 = row(b.h0, s0, H), dh0 = row(b.dh0, s0, H), dc = row(b.dc, s0, H);
      if (fwd) c.push([`${f}affine_forward`, h0, row(b.features, s0, D), P_('W_proj'), P_('b_proj'), n, D, H, sp]);
      for (let t = 0; t < tp; t++) {
        if (!fwd) { c.push([`${f}zero_rows`, row(b.dh, off[t] + s0, H), mAt(t), H]); continue; }
        // a = b + x·Wx + prev_h·Wh on the running rows, then the cell; dh = 0 until the scores' gradient lands
        const m_ = mAt(t), r = off[t] + s0;
        const prevH = t === 0 ? h0 : row(b.h, off[t - 1] + s0, H);
        const prevC = t === 0 ? 0 : row(b.c, off[t - 1] + s0, H);
        const x = row(b.x, r, W), a = lstm ? row(b.gates, r, G) : row(b.dtanh, r, H), h = row(b.h, r, H);
        c.push([`${f}word_embedding_forward`, x, row(b.tokens, r, 1, 4), P_('W_embed'), m_, V, W]);
        c.push([`${f}bias_rows`, a, P_('b'), m_, G, G]);
        c.push([`${f}gemm_nn_packed`, a, x, pk.Wx.ptr, P_('Wx'), m_, G, W, W, G, G, 1]);
        c.push([`${f}gemm_nn_packed`, a, prevH, pk.Wh.ptr, P_('Wh'), m_, G, H, H, G, G, 1]);
        c.push([`${f}copy_rows`, row(b.hprev, r, H), prevH, m_, H]);
        if (lstm) {
          c.push([`${f}lstm_cell_forward`, h, row(b.c, r, H), a, row(b.dgates, r, G), row(b.tanhC, r, H),
            row(b.dtanhC, r, H), prevC, t === 0 ? 0 : 1, m_, H]);
        } else {
          c.push([`${f}tanh_forward`, h, a, a, m_, H]);
        }
        c.push([`${f}zero_rows`, row(b.dh, r, H), m_, H]);
      }
      // scores, loss and dh on the scored steps only: gather h, project, softmax, back to dh
      if (rc > 0) {
        const hc = row(b.hc, c0, H), dhc = row(b.dhc, c0, H), idx = row(b.rowIdx, c0, 1, 4);
        const scores = row(b.scores, c0, V), dscores = row(b.dscores, c0, V);
        if (fwd) {
          c.push([`${f}gather_rows`, hc, idx, b.h.ptr, rc, R, H]);
          c.push([`${f}affine_forward`, scores, hc, P_('W_vocab'), P_('b_vocab'), rc, H, V, sp]);
        }
        const rowLoss = row(b.rowLoss, c0, 1, 8), yC = row(b.yC, c0, 1, 4);
        c.push(q.weighted
          ? [`${f}weighted_softmax_loss_rows`, dscores, rowLoss, scores, yC, row(b.weights, c0, 1, 8), rc, V, N]
          : [`${f}softmax_loss_rows`, dscores, rowLoss, scores, yC, rc, V, N]);
        c.push([`${f}gemm_nt`, dhc, dscores, P_('W_vocab'), rc, H, V, V, V, H, 0]);
        c.push([`${f}scatter_add_rows`, b.dh.ptr, dhc, idx, rc, R, H]);
      }
      // backward through time on the running rows; a row's running dnext_h (dh0) and
      // dnext_c (dc) start at 0 on its last step
      for (let t = tp - 1; t >= 0; t--) {
        const m_ = mAt(t), mNext = mAt(t + 1), r = off[t] + s0;
        if (m_ > mNext) {
          c.push([`${f}zero_rows`, row(b.dh0, s0 + mNext, H), m_ - mNext, H]);
          if (lstm) c.push([`${f}zero_rows`, row(b.dc, s0 + mNext, H), m_ - mNext, H]);
        }
        const da = row(b.da, r, G), dh = row(b.dh, r, H);
        if (lstm) {
          const prevC = t === 0 ? 0 : row(b.c, off[t - 1] + s0, H);
          c.push([`${f}lstm_cell_backward`, da, dc, dh, dh0, 1, dc, 1, row(b.gates, r, G), row(b.dgates, r, G),
            row(b.tanhC, r, H), row(b.dtanhC, r, H), prevC, t === 0 ? 0 : 1, m_, H]);
        } else {
          c.push([`${f}rnn_da`, da, dh, dh0, 1, row(b.dtanh, r, H), m_, H]);
        }
        c.push([`${f}gemm_nt_packed`, dh0, da, pk.WhT.ptr, P_('Wh'), m_, H, G, G, G, H, 0]);
      }
      const m0 = mAt(0); // rows with no scored step: no gradient into h0
      if (m0 < n) c.push([`${f}zero_rows`, row(b.dh0, s0 + m0, H), n - m0, H]);
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
      k.push([`${f}gemm_nt`, b.dx.ptr + w0 * e, b.da.ptr, P_('Wx') + w0 * G * e, R, w1 - w0, G, G, G, W, 0]);
      k.push([`${f}word_embedding_backward`, dP('W_embed') + w0 * e, b.dx.ptr + w0 * e, b.tokens.ptr, R, V, w1 - w0, W]);
    }
    const [h0, h1] = span(H);
    if (h1 > h0) {
      k.push([`${f}gemm_tn`, dP('W_proj') + h0 * e, b.features.ptr, b.dh0.ptr + h0 * e, D, h1 - h0, N, D, H, H, 1, sp]);
      k.push([`${f}colsum`, dP('b_proj') + h0 * e, b.dh0.ptr + h0 * e, N, h1 - h0, H]);
    }
    const [d0, d1] = span(D);
    if (q.featureGrad && d1 > d0) {
      // dfeatures = dh0 · W_projᵀ (the backward of h0's projection), by feature columns
      k.push([`${f}gemm_nt`, b.dfeatures.ptr + d0 * e, b.dh0.ptr, P_('W_proj') + d0 * H * e, N, d1 - d0, H, H, H, D, 0]);
    }
    cols.push(k);
  }
  return { pack, rows, cols };
}
