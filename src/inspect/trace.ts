// The forward pass of a CaptioningRNN with every intermediate kept (the inspection tools read
// them), and the state Jacobian of one step applied to vectors (J·v and Jᵀ·u), on wasm GEMMs.
//
// Shapes: N batch, T time, D image feature, W word vector, H hidden, G gate width (4H LSTM [i|f|o|g], H RNN).
// Row-vector convention as CS231n: a_t = b + x_t·Wx + h_{t−1}·Wh.
import { fail } from '../core/errors.js';
import { type Scratch, type WasmBuffer, withScratch } from '../core/memory.js';
import { floatKernels, scratch } from '../core/runtime.js';
import { type FloatDType, Tensor, type TypedArray, allocTyped } from '../core/tensor.js';
import type { CaptioningRNN, ParamName } from '../model/captioning-rnn.js';
import * as layers from '../nn/layers.js';

export interface Trace {
  N: number;
  T: number;
  H: number;
  lstm: boolean;
  dtype: FloatDType;
  P: Record<ParamName, Tensor>;
  /** int32 (N,T): captions[:, :-1] and captions[:, 1:]. */
  cin: Tensor;
  cout: Tensor;
  /** (N,T): 1 where captions_out ≠ <NULL> (the scored steps). */
  mask: Int32Array;
  /** (N,H) initial state; (N,T,W) word vectors. */
  h0: Tensor;
  x: Tensor;
  /** (N,T,H) hidden states; RNN: dtanh = 1 − h² (N,T,H). */
  h: TypedArray;
  dtanh: TypedArray | null;
  /** LSTM only: cells c, tanh(c), tanh'(c) (N,T,H); gate activations and their derivatives (N,T,4H). */
  c: TypedArray | null;
  tanhC: TypedArray | null;
  dtanhC: TypedArray | null;
  gates: TypedArray | null;
  dgates: TypedArray | null;
}

/** Splits captions (N, T+1) into the inputs, targets and mask of the CS231n loss. */
function splitCaptions(captions: Tensor, N: number, T: number, nullIdx: number) {
  const L = T + 1;
  const cin = new Int32Array(N * T), cout = new Int32Array(N * T), mask = new Int32Array(N * T);
  for (let n = 0; n < N; n++) {
    for (let t = 0; t < T; t++) {
      cin[n * T + t] = captions.data[n * L + t];
      cout[n * T + t] = captions.data[n * L + t + 1];
      mask[n * T + t] = cout[n * T + t] !== nullIdx ? 1 : 0;
    }
  }
  return { cin: new Tensor(cin, [N, T]), cout: new Tensor(cout, [N, T]), mask };
}

/** Runs the model on (features (N,D), captions (N,T+1)) teacher-forced, keeping every intermediate. */
export function forwardTrace(model: CaptioningRNN, features: Tensor, captions: Tensor): Trace {
  const { N, T } = model.checkBatch(features, captions);
  const { hiddenDim: H, wordvecDim: W, cellType, dtype } = model.config;
  const lstm = cellType === 'lstm';
  const P = model.getParams();
  const { cin, cout, mask } = splitCaptions(captions, N, T, model.nullIdx);
  const h0 = layers.affineForward(features, P.W_proj, P.b_proj).out;
  const x = layers.wordEmbeddingForward(cin, P.W_embed).out;
  const NTH = N * T * H;
  const r = withScratch((s) => {
    const k = floatKernels(dtype);
    const buf = (n: number) => s.alloc(dtype, n);
    const h = buf(NTH);
    if (!lstm) {
      const dtanh = buf(NTH);
      k.rnn_forward(h.ptr, dtanh.ptr, s.from(x).ptr, s.from(h0).ptr, s.from(P.Wx).ptr, s.from(P.Wh).ptr, s.from(P.b).ptr, N, T, W, H, scratch());
      return { h: copy(h), dtanh: copy(dtanh), c: null, tanhC: null, dtanhC: null, gates: null, dgates: null };
    }
    const c = buf(NTH), tanhC = buf(NTH), dtanhC = buf(NTH), gates = buf(4 * NTH), dgates = buf(4 * NTH);
    k.lstm_forward(h.ptr, c.ptr, gates.ptr, dgates.ptr, tanhC.ptr, dtanhC.ptr,
      s.from(x).ptr, s.from(h0).ptr, s.from(P.Wx).ptr, s.from(P.Wh).ptr, s.from(P.b).ptr, N, T, W, H, scratch());
    return { h: copy(h), dtanh: null, c: copy(c), tanhC: copy(tanhC), dtanhC: copy(dtanhC), gates: copy(gates), dgates: copy(dgates) };
  });
  return { N, T, H, lstm, dtype, P, cin, cout, mask, h0, x, ...r };
}

const copy = (b: WasmBuffer): TypedArray => b.view().slice();

/** Step t's slice (N, w) of an (N,T,w) array. */
export function stepSlice(a: TypedArray, N: number, T: number, w: number, t: number, dtype: FloatDType): TypedArray {
  const out = allocTyped(dtype, N * w);
  for (let n = 0; n < N; n++) out.set(a.subarray((n * T + t) * w, (n * T + t + 1) * w), n * w);
  return out;
}

/**
 * Products with one fixed matrix B (K,M) kept in wasm memory for the whole of `fn`:
 * mul(x) = x·B (rows,K)→(rows,M), mulT(u) = u·Bᵀ (rows,M)→(rows,K), rows ≤ maxRows.
 */
export interface Products {
  mul(x: TypedArray, rows: number): TypedArray;
  mulT(u: TypedArray, rows: number): TypedArray;
}

export function withProducts<R>(B: Tensor, maxRows: number, fn: (p: Products) => R): R {
  const [K, M] = B.shape;
  const dtype = B.dtype as FloatDType;
  return withScratch((s: Scratch) => {
    const k = floatKernels(dtype);
    const b = s.from(B);
    const inp = s.alloc(dtype, maxRows * Math.max(K, M));
    const out = s.alloc(dtype, maxRows * Math.max(K, M));
    const run = (a: TypedArray, rows: number, from: number, to: number, transposed: boolean): TypedArray => {
      if (rows > maxRows || a.length !== rows * from) fail('rows', `at most ${maxRows} rows of ${from}`, a.length);
      inp.view().set(a);
      if (transposed) k.gemm_nt(out.ptr, inp.ptr, b.ptr, rows, to, from, from, from, to, 0);
      else k.gemm_nn(out.ptr, inp.ptr, b.ptr, rows, to, from, from, to, to, 0, scratch());
      return out.view().slice(0, rows * to);
    };
    return fn({ mul: (x, rows) => run(x, rows, K, M, false), mulT: (u, rows) => run(u, rows, M, K, true) });
  });
}

/**
 * The state Jacobian of step t (1 ≤ t < T), s = h (RNN) or [h | c] (LSTM, (N, 2H) rows):
 * jvp(v) = (∂s_t/∂s_{t−1})·v per row and vjp(u) = its transpose applied to u. `wh` holds Wh.
 */
export function stepJacobian(tr: Trace, t: number, wh: Products) {
  const { N, T, H, lstm, dtype } = tr;
  const sl = (a: TypedArray, w: number, at = t) => stepSlice(a, N, T, w, at, dtype);
  if (!lstm) {
    const d = sl(tr.dtanh!, H);
    return {
      size: H,
      jvp(v: TypedArray): TypedArray {
        const a = wh.mul(v, N);
        for (let i = 0; i < a.length; i++) a[i] = a[i] * d[i];
        return a;
      },
      vjp(u: TypedArray): TypedArray {
        const da = allocTyped(dtype, N * H);
        for (let i = 0; i < da.length; i++) da[i] = u[i] * d[i];
        return wh.mulT(da, N);
      },
    };
  }
  const g = sl(tr.gates!, 4 * H), dg = sl(tr.dgates!, 4 * H);
  const tc = sl(tr.tanhC!, H), dtc = sl(tr.dtanhC!, H), cp = sl(tr.c!, H, t - 1);
  return {
    size: 2 * H,
    jvp(v: TypedArray): TypedArray {
      const vh = allocTyped(dtype, N * H);
      for (let n = 0; n < N; n++) vh.set(v.subarray(n * 2 * H, n * 2 * H + H), n * H);
      const a = wh.mul(vh, N);
      const out = allocTyped(dtype, N * 2 * H);
      for (let n = 0; n < N; n++) {
        for (let j = 0; j < H; j++) {
          const gi = n * 4 * H + j, gf = gi + H, go = gf + H, gg = go + H, e = n * H + j;
          const dc = dg[gf] * a[gf] * cp[e] + g[gf] * v[n * 2 * H + H + j] + dg[gi] * a[gi] * g[gg] + g[gi] * dg[gg] * a[gg];
          out[n * 2 * H + j] = dg[go] * a[go] * tc[e] + g[go] * dtc[e] * dc;
          out[n * 2 * H + H + j] = dc;
        }
      }
      return out;
    },
    vjp(u: TypedArray): TypedArray {
      const da = allocTyped(dtype, N * 4 * H);
      const dprevC = allocTyped(dtype, N * H);
      for (let n = 0; n < N; n++) {
        for (let j = 0; j < H; j++) {
          const gi = n * 4 * H + j, gf = gi + H, go = gf + H, gg = go + H, e = n * H + j;
          const uh = u[n * 2 * H + j];
          const dc = u[n * 2 * H + H + j] + uh * g[go] * dtc[e];
          da[gi] = dc * g[gg] * dg[gi];
          da[gf] = dc * cp[e] * dg[gf];
          da[go] = uh * tc[e] * dg[go];
          da[gg] = dc * g[gi] * dg[gg];
          dprevC[e] = dc * g[gf];
        }
      }
      const dprevH = wh.mulT(da, N);
      const out = allocTyped(dtype, N * 2 * H);
      for (let n = 0; n < N; n++) {
        out.set(dprevH.subarray(n * H, (n + 1) * H), n * 2 * H);
        out.set(dprevC.subarray(n * H, (n + 1) * H), n * 2 * H + H);
      }
      return out;
    },
  };
}

/** Σ of squares of `a` in float64 (the Frobenius norm² of a batch of vectors). */
export function sumSquares(a: ArrayLike<number>, from = 0, to = a.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i] * a[i];
  return s;
}
