// Weighted softmax loss on scored rows: the policy-gradient loss of self-critical sequence
// training (Rennie et al. 2017), −Σ_r w_r·log softmax(x_r)[y_r] / norm, where row r is one
// sampled word and w_r its caption's advantage (reward − baseline).
// R = rows, V = vocab. Every row is scored (the training step's gathered scored steps).
//
// Per row, as temporal_softmax_loss (softmax.ts, whose row_max and row_exp_sum it uses):
// m = max_j x_j, e_j = exp(x_j − m) in F, s = Σ_j e_j summed sequentially in f64,
// term = (x_y − m) − log s in f64. With w = weight[r] (f64, rounded to F once for dx):
//   row_loss[r] = 0 − w·term (f64);  dx_j = ftz(((e_j / s)·w) / norm),  dx_y = ((e_y / s − 1)·w) / norm
// (s rounded to F once). With w = 1 every bit equals softmax_loss_rows (multiplying by 1 is
// exact). Only the scaling of dx has twins; it is element-wise, so SIMD == scalar bitwise.

import { lanes, exp_t, ftz, vftz } from "./math";
import { row_max__scalar, row_exp_sum } from "./softmax";

// dr (V) written = ftz(((dr_j / s)·w) / n) for every j (the probabilities' part of dx).
// @ts-ignore: decorator
@inline export function scale_probs__scalar<F>(dr: usize, s: F, w: F, n: F, V: i32): void {
  const S = alignof<F>();
  for (let j = 0; j < V; j++) {
    const o = <usize>j << S;
    store<F>(dr + o, ftz<F>(((load<F>(dr + o) / s) * w) / n));
  }
}
// @ts-ignore: decorator
@inline export function scale_probs__wasmsimd<F>(dr: usize, s: F, w: F, n: F, V: i32): void {
  const L = lanes<F>();
  const S = alignof<F>();
  const vs = v128.splat<F>(s), vw = v128.splat<F>(w), vn = v128.splat<F>(n);
  let j = 0;
  for (; j + L <= V; j += L) {
    const o = <usize>j << S;
    v128.store(dr + o, vftz<F>(v128.div<F>(v128.mul<F>(v128.div<F>(v128.load(dr + o), vs), vw), vn)));
  }
  for (; j < V; j++) {
    const o = <usize>j << S;
    store<F>(dr + o, ftz<F>(((load<F>(dr + o) / s) * w) / n));
  }
}

// dx (R,V) written; row_loss (R) f64 written = 0 − w_r·log softmax(x_r)[y_r] (before / norm);
// x (R,V) read; y (R) i32 read; weight (R) f64 read. Returns Σ_r row_loss[r] / norm, summed in
// f64 in row order. norm: the full batch size (the caption count), so that a caller splitting
// the rows into ranges gets the same dx, and the same total by adding row_loss in order.
// `simd` (a constant at every call site) picks the scaling twin (the scalar build has only the scalar one).
// @ts-ignore: decorator
@inline function weighted_softmax_loss_rows_body<F>(dx: usize, row_loss: usize, x: usize, y: usize, weight: usize,
                                                     R: i32, V: i32, norm: i32, simd: bool): f64 {
  const S = alignof<F>();
  const nF = <F>norm;
  let loss = 0.0;
  for (let r = 0; r < R; r++) {
    const ro = <usize>r * <usize>V << S;
    const xr = x + ro, dr = dx + ro;
    const yr = load<i32>(y + (<usize>r << 2));
    const w = load<f64>(weight + (<usize>r << 3));
    const wF = <F>w;
    const m = row_max__scalar<F>(xr, V);
    const s = row_exp_sum<F>(dr, xr, m, V);
    const rl = 0.0 - w * (<f64>(load<F>(xr + (<usize>yr << S)) - m) - Math.log(s));
    store<f64>(row_loss + (<usize>r << 3), rl);
    loss += rl;
    const sF = <F>s;
    if (ASC_FEATURE_SIMD && simd) scale_probs__wasmsimd<F>(dr, sF, wF, nF, V);
    else scale_probs__scalar<F>(dr, sF, wF, nF, V);
    const oy = <usize>yr << S;
    const ey = exp_t<F>(load<F>(xr + oy) - m);
    store<F>(dr + oy, ((ey / sF - <F>1) * wF) / nF);
  }
  return loss / <f64>norm;
}
export function weighted_softmax_loss_rows__scalar<F>(dx: usize, row_loss: usize, x: usize, y: usize, weight: usize, R: i32, V: i32, norm: i32): f64 {
  return weighted_softmax_loss_rows_body<F>(dx, row_loss, x, y, weight, R, V, norm, false);
}
export function weighted_softmax_loss_rows__wasmsimd<F>(dx: usize, row_loss: usize, x: usize, y: usize, weight: usize, R: i32, V: i32, norm: i32): f64 {
  return weighted_softmax_loss_rows_body<F>(dx, row_loss, x, y, weight, R, V, norm, true);
}

// ---------------------------------------------------------------------------------------------
// The export: SIMD or scalar body, picked at compile time (README.md has the contract).
// @ts-ignore: decorator
@inline function weighted_softmax_loss_rows<F>(dx: usize, row_loss: usize, x: usize, y: usize, weight: usize, R: i32, V: i32, norm: i32): f64 {
  if (ASC_FEATURE_SIMD) return weighted_softmax_loss_rows__wasmsimd<F>(dx, row_loss, x, y, weight, R, V, norm);
  return weighted_softmax_loss_rows__scalar<F>(dx, row_loss, x, y, weight, R, V, norm);
}
export function f32_weighted_softmax_loss_rows(dx: usize, row_loss: usize, x: usize, y: usize, weight: usize, R: i32, V: i32, norm: i32): f64 { return weighted_softmax_loss_rows<f32>(dx, row_loss, x, y, weight, R, V, norm); }
export function f64_weighted_softmax_loss_rows(dx: usize, row_loss: usize, x: usize, y: usize, weight: usize, R: i32, V: i32, norm: i32): f64 { return weighted_softmax_loss_rows<f64>(dx, row_loss, x, y, weight, R, V, norm); }
