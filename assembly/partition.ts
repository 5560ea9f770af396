// Kernels for thread partitions of a training step (src/parallel.ts, src/model.ts).
// A step splits into (1) per-batch-row work — forward, loss, and the recurrent backward that
// produces da and dh0 — which any row range computes exactly as the whole batch would, and
// (2) weight gradients, which sum over all rows and are split by output COLUMN ranges, so each
// element's sum runs over the rows in one fixed order whatever the number of threads.
// The recurrent backward here is lstm_backward / rnn_backward without their weight-gradient
// GEMMs (the caller issues those per column range, in the same order), so results are
// bit-identical to the whole-batch kernels.
// Legend: N = rows of this call, T = time, H = hidden, G = 4H (LSTM) or H (RNN).

import { lstm_cell_backward__scalar, lstm_cell_backward__wasmsimd } from "./lstm";
import { rnn_da__scalar, rnn_da__wasmsimd } from "./rnn";
import { gemm_nt__scalar, gemm_nt__wasmsimd } from "./gemm";
import { colsum_acc__scalar, colsum_acc__wasmsimd } from "./affine";

// da (N,T,4H) written; dc (N,H) scratch (running dnext_c); dh0 (N,H) written (the running
// dnext_h, ending as the gradient into h0); dh (N,T,H) upstream, gates, dgates (N,T,4H),
// tanh_c, dtanh_c, c (N,T,H), Wh (H,4H) read.
export function lstm_backward_data__scalar<T>(dh0: usize, da: usize, dc: usize, dh: usize, c: usize, gates: usize,
    dgates: usize, tanh_c: usize, dtanh_c: usize, Wh: usize, N: i32, T: i32, H: i32): void {
  const S = alignof<T>();
  const H4 = 4 * H, TH = T * H, TH4 = T * H4;
  if (T == 0) memory.fill(dh0, 0, <usize>N * <usize>H << S);
  for (let t = T - 1; t >= 0; t--) {
    const ot = <usize>t * <usize>H << S, og = <usize>t * <usize>H4 << S;
    const prevo = ot - (<usize>H << S);
    lstm_cell_backward__scalar<T>(da + og, dc, dh + ot, dh0, t < T - 1, dc, t < T - 1, gates + og, dgates + og,
                                  tanh_c + ot, dtanh_c + ot, c + prevo, t > 0, N, H, TH, TH4, H);
    gemm_nt__scalar<T>(dh0, da + og, Wh, N, H, H4, TH4, H4, H, 0);
  }
}
export function lstm_backward_data__wasmsimd<T>(dh0: usize, da: usize, dc: usize, dh: usize, c: usize, gates: usize,
    dgates: usize, tanh_c: usize, dtanh_c: usize, Wh: usize, N: i32, T: i32, H: i32): void {
  const S = alignof<T>();
  const H4 = 4 * H, TH = T * H, TH4 = T * H4;
  if (T == 0) memory.fill(dh0, 0, <usize>N * <usize>H << S);
  for (let t = T - 1; t >= 0; t--) {
    const ot = <usize>t * <usize>H << S, og = <usize>t * <usize>H4 << S;
    const prevo = ot - (<usize>H << S);
    lstm_cell_backward__wasmsimd<T>(da + og, dc, dh + ot, dh0, t < T - 1, dc, t < T - 1, gates + og, dgates + og,
                                    tanh_c + ot, dtanh_c + ot, c + prevo, t > 0, N, H, TH, TH4, H);
    gemm_nt__wasmsimd<T>(dh0, da + og, Wh, N, H, H4, TH4, H4, H, 0);
  }
}

// da (N,T,H) written; dh0 (N,H) written (running dnext_h); dh (N,T,H), dtanh (N,T,H), Wh (H,H) read.
export function rnn_backward_data__scalar<T>(dh0: usize, da: usize, dh: usize, dtanh: usize, Wh: usize,
                                             N: i32, T: i32, H: i32): void {
  const S = alignof<T>();
  const TH = T * H;
  if (T == 0) memory.fill(dh0, 0, <usize>N * <usize>H << S);
  for (let t = T - 1; t >= 0; t--) {
    const ot = <usize>t * <usize>H << S;
    rnn_da__scalar<T>(da + ot, dh + ot, dh0, t < T - 1, dtanh + ot, N, H, TH, H);
    gemm_nt__scalar<T>(dh0, da + ot, Wh, N, H, H, TH, H, H, 0);
  }
}
export function rnn_backward_data__wasmsimd<T>(dh0: usize, da: usize, dh: usize, dtanh: usize, Wh: usize,
                                               N: i32, T: i32, H: i32): void {
  const S = alignof<T>();
  const TH = T * H;
  if (T == 0) memory.fill(dh0, 0, <usize>N * <usize>H << S);
  for (let t = T - 1; t >= 0; t--) {
    const ot = <usize>t * <usize>H << S;
    rnn_da__wasmsimd<T>(da + ot, dh + ot, dh0, t < T - 1, dtanh + ot, N, H, TH, H);
    gemm_nt__wasmsimd<T>(dh0, da + ot, Wh, N, H, H, TH, H, H, 0);
  }
}

// ---------------------------------------------------------------------------------------------
export function f32_lstm_backward_data(dh0: usize, da: usize, dc: usize, dh: usize, c: usize, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize, Wh: usize, N: i32, T: i32, H: i32): void {
  if (ASC_FEATURE_SIMD) lstm_backward_data__wasmsimd<f32>(dh0, da, dc, dh, c, gates, dgates, tanh_c, dtanh_c, Wh, N, T, H);
  else lstm_backward_data__scalar<f32>(dh0, da, dc, dh, c, gates, dgates, tanh_c, dtanh_c, Wh, N, T, H);
}
export function f64_lstm_backward_data(dh0: usize, da: usize, dc: usize, dh: usize, c: usize, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize, Wh: usize, N: i32, T: i32, H: i32): void {
  if (ASC_FEATURE_SIMD) lstm_backward_data__wasmsimd<f64>(dh0, da, dc, dh, c, gates, dgates, tanh_c, dtanh_c, Wh, N, T, H);
  else lstm_backward_data__scalar<f64>(dh0, da, dc, dh, c, gates, dgates, tanh_c, dtanh_c, Wh, N, T, H);
}
export function f32_rnn_backward_data(dh0: usize, da: usize, dh: usize, dtanh: usize, Wh: usize, N: i32, T: i32, H: i32): void {
  if (ASC_FEATURE_SIMD) rnn_backward_data__wasmsimd<f32>(dh0, da, dh, dtanh, Wh, N, T, H);
  else rnn_backward_data__scalar<f32>(dh0, da, dh, dtanh, Wh, N, T, H);
}
export function f64_rnn_backward_data(dh0: usize, da: usize, dh: usize, dtanh: usize, Wh: usize, N: i32, T: i32, H: i32): void {
  if (ASC_FEATURE_SIMD) rnn_backward_data__wasmsimd<f64>(dh0, da, dh, dtanh, Wh, N, T, H);
  else rnn_backward_data__scalar<f64>(dh0, da, dh, dtanh, Wh, N, T, H);
}
// db (C) accumulated += Σ over R rows of x (R,C) with row stride ldx (a column range of a wider array).
export function f32_colsum(db: usize, x: usize, R: i32, C: i32, ldx: i32): void {
  if (ASC_FEATURE_SIMD) colsum_acc__wasmsimd<f32>(db, x, R, C, ldx); else colsum_acc__scalar<f32>(db, x, R, C, ldx);
}
export function f64_colsum(db: usize, x: usize, R: i32, C: i32, ldx: i32): void {
  if (ASC_FEATURE_SIMD) colsum_acc__wasmsimd<f64>(db, x, R, C, ldx); else colsum_acc__scalar<f64>(db, x, R, C, ldx);
}

// hprev (N,T,H) written: the hidden state each step consumed (h0 at t = 0, h at t-1 after), so
// the recurrent weight gradient dWh = Σ_{n,t} hprev(n,t)ᵀ·da(n,t) is ONE Aᵀ·B GEMM over all N·T
// rows instead of T GEMMs of N rows. h (N,T,H), h0 (N,H) read. Data movement only.
// @ts-ignore: decorator
@inline function prev_h_rows<T>(hprev: usize, h: usize, h0: usize, N: i32, T: i32, H: i32): void {
  const S = alignof<T>();
  const HB = <usize>H << S, TH = <usize>T * HB;
  for (let n = 0; n < N; n++) {
    const dst = hprev + <usize>n * TH;
    memory.copy(dst, h0 + <usize>n * HB, HB);
    if (T > 1) memory.copy(dst + HB, h + <usize>n * TH, TH - HB);
  }
}
export function f32_prev_h_rows(hprev: usize, h: usize, h0: usize, N: i32, T: i32, H: i32): void {
  prev_h_rows<f32>(hprev, h, h0, N, T, H);
}
export function f64_prev_h_rows(hprev: usize, h: usize, h0: usize, N: i32, T: i32, H: i32): void {
  prev_h_rows<f64>(hprev, h, h0, N, T, H);
}
