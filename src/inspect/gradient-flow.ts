// gradientFlow: how much of the loss's gradient reaches each step's state (Pascanu et al. 2013),
// and the largest singular value of each step's state Jacobian (power iteration), plus ‖W_h‖₂.
//
//   dh[t] = ‖∂L/∂h_t‖_F over (N,H): the total gradient, from step t's own scores and every later step
//   dc[t] = ‖∂L/∂c_t‖_F (LSTM): dc_t = ∂L/∂c_{t}|future + (∂L/∂h_t ⊙ o_t) ⊙ tanh'(c_t)
//   jacobianNorm[t−1] = mean over n of σ_max(∂s_t/∂s_{t−1}), t = 1 … T−1 (s = h, or [h | c])
import { fail } from '../core/errors.js';
import { Tensor, type TypedArray, allocTyped } from '../core/tensor.js';
import type { CaptioningRNN } from '../model/captioning-rnn.js';
import * as layers from '../nn/layers.js';
import { type Products, type Trace, forwardTrace, stepJacobian, stepSlice, sumSquares, withProducts } from './trace.js';

export interface GradientFlowOptions {
  /** 'all' (default): the CS231n loss; 'last': only its term at the last step T−1. */
  from?: 'last' | 'all';
  /** Compute jacobianNorm and whNorm (default true; false leaves them NaN: the power iterations are most of the cost). */
  jacobian?: boolean;
}

export interface GradientFlow {
  /** (T) ‖∂L/∂h_t‖₂ (Frobenius over the batch). */
  dh: Float64Array;
  /** (T) LSTM: ‖∂L/∂c_t‖₂. */
  dc?: Float64Array;
  /** (T−1) entry t−1: σ_max(∂s_t/∂s_{t−1}) averaged over the batch, t = 1 … T−1. */
  jacobianNorm: Float64Array;
  /** ‖W_h‖₂, the largest singular value of Wh (H,H) or (H,4H). */
  whNorm: number;
  /** The loss differentiated (the CS231n loss, or its last-step term). */
  loss: number;
}

/**
 * Power iteration stops when every row's σ² moved by at most this (relative) in one iteration
 * (float64; float32 arithmetic settles at ~1e-7, so float32 models stop at 1e-6)…
 */
const POWER_TOLERANCE = { float64: 1e-13, float32: 1e-6 } as const;
/** …or after this many iterations. */
const POWER_ITERATIONS = 500;

/**
 * σ_max of R independent linear maps at once by power iteration on AᵀA (rows of length S):
 * deterministic start v = 1/√S, σ² = ‖A v‖² with ‖v‖ = 1, v ← Aᵀ A v / ‖Aᵀ A v‖.
 */
function powerIteration(R: number, S: number, jvp: (v: TypedArray) => TypedArray, vjp: (u: TypedArray) => TypedArray, like: TypedArray): Float64Array {
  const dtype = like instanceof Float32Array ? 'float32' : 'float64';
  const tol = POWER_TOLERANCE[dtype];
  const v = allocTyped(dtype, R * S);
  v.fill(1 / Math.sqrt(S));
  const sigma2 = new Float64Array(R).fill(-1);
  const done = new Uint8Array(R);
  for (let it = 0; it < POWER_ITERATIONS; it++) {
    const u = jvp(v);
    const w = vjp(u);
    let all = true;
    for (let r = 0; r < R; r++) {
      const s2 = sumSquares(u, r * u.length / R, (r + 1) * u.length / R);
      if (!done[r] && Math.abs(s2 - sigma2[r]) <= tol * s2) done[r] = 1;
      sigma2[r] = s2;
      const nw = Math.sqrt(sumSquares(w, r * S, (r + 1) * S));
      if (nw === 0) done[r] = 1;
      for (let j = r * S; j < (r + 1) * S; j++) v[j] = nw === 0 ? 0 : w[j] / nw;
      if (!done[r]) all = false;
    }
    if (all) break;
  }
  return sigma2.map(Math.sqrt);
}

/** ‖W‖₂ of a (K,M) matrix in a Products. */
function spectralNorm(K: number, wh: Products, like: TypedArray): number {
  return powerIteration(1, K, (v) => wh.mul(v, 1), (u) => wh.mulT(u, 1), like)[0];
}

/** The gradient of the loss (all steps, or the last step's term) with respect to each h_t through its own scores: (N,T,H). */
function scoresGradient(tr: Trace, from: 'last' | 'all'): { loss: number; dhOut: TypedArray } {
  const { N, T, P } = tr;
  const { out: scores, cache } = layers.temporalAffineForward(new Tensor(tr.h, [N, T, tr.H]), P.W_vocab, P.b_vocab);
  const mask = tr.mask.slice();
  if (from === 'last') for (let i = 0; i < mask.length; i++) if (i % T !== T - 1) mask[i] = 0;
  const { loss, dx } = layers.temporalSoftmaxLoss(scores, tr.cout, new Tensor(mask, [N, T]));
  return { loss, dhOut: layers.temporalAffineBackward(dx, cache).dx.data };
}

export function gradientFlow(model: CaptioningRNN, features: Tensor, captions: Tensor, options: GradientFlowOptions = {}): GradientFlow {
  const from = options?.from ?? 'all';
  if (from !== 'all' && from !== 'last') fail('options.from', "'all' or 'last'", from);
  const withJacobian = options?.jacobian ?? true;
  if (typeof withJacobian !== 'boolean') fail('options.jacobian', 'true or false', withJacobian);
  const tr = forwardTrace(model, features, captions);
  const { N, T, H, lstm, dtype, P } = tr;
  const { loss, dhOut } = scoresGradient(tr, from);
  const dh = new Float64Array(T);
  const dc = lstm ? new Float64Array(T) : undefined;
  const jacobianNorm = new Float64Array(Math.max(T - 1, 0)).fill(withJacobian ? 0 : NaN);
  let whNorm = NaN;
  withProducts(P.Wh, N, (wh) => {
    // backward through time: g = total gradient at h_t, gc = the later steps' gradient at c_t
    let g = stepSlice(dhOut, N, T, H, T - 1, dtype);
    let gc = allocTyped(dtype, N * H);
    for (let t = T - 1; t >= 0; t--) {
      dh[t] = Math.sqrt(sumSquares(g));
      let prev: TypedArray;
      if (!lstm) {
        const d = stepSlice(tr.dtanh!, N, T, H, t, dtype);
        const da = allocTyped(dtype, N * H);
        for (let i = 0; i < da.length; i++) da[i] = g[i] * d[i];
        prev = wh.mulT(da, N);
      } else {
        const gt = stepSlice(tr.gates!, N, T, 4 * H, t, dtype), dgt = stepSlice(tr.dgates!, N, T, 4 * H, t, dtype);
        const tc = stepSlice(tr.tanhC!, N, T, H, t, dtype), dtc = stepSlice(tr.dtanhC!, N, T, H, t, dtype);
        const cp = t > 0 ? stepSlice(tr.c!, N, T, H, t - 1, dtype) : allocTyped(dtype, N * H);
        const da = allocTyped(dtype, N * 4 * H);
        const dcT = allocTyped(dtype, N * H);
        for (let n = 0; n < N; n++) {
          for (let j = 0; j < H; j++) {
            const gi = n * 4 * H + j, gf = gi + H, go = gf + H, gg = go + H, e = n * H + j;
            const dcv = gc[e] + g[e] * gt[go] * dtc[e];
            dcT[e] = dcv;
            da[gi] = dcv * gt[gg] * dgt[gi];
            da[gf] = dcv * cp[e] * dgt[gf];
            da[go] = g[e] * tc[e] * dgt[go];
            da[gg] = dcv * gt[gi] * dgt[gg];
            gc[e] = dcv * gt[gf];
          }
        }
        dc![t] = Math.sqrt(sumSquares(dcT));
        prev = wh.mulT(da, N);
      }
      if (t > 0) {
        const own = stepSlice(dhOut, N, T, H, t - 1, dtype);
        for (let i = 0; i < prev.length; i++) prev[i] = own[i] + prev[i];
        g = prev;
      }
    }
    if (!withJacobian) return;
    for (let t = 1; t < T; t++) {
      const J = stepJacobian(tr, t, wh);
      const s = powerIteration(N, J.size, J.jvp, J.vjp, tr.h);
      let sum = 0;
      for (let n = 0; n < N; n++) sum += s[n];
      jacobianNorm[t - 1] = sum / N;
    }
    whNorm = spectralNorm(H, wh, tr.h);
  });
  return { dh, ...(dc ? { dc } : {}), jacobianNorm, whNorm, loss };
}
