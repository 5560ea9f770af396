// Weighted softmax loss on scored rows: the policy-gradient loss of self-critical sequence
// training (Rennie et al. 2017), −Σ_r w_r·log softmax(x_r)[y_r] / norm, where row r is one
// sampled word and w_r its caption's advantage (reward − baseline).
// R = rows, V = vocab. Every row is scored (the training step's gathered scored steps).
//
// Per row, as temporal_softmax_loss (softmax.ts): m = max_j x_j (wasm max semantics),
// e_j = exp(x_j − m) in F, s = Σ_j e_j summed sequentially in f64,
// term = (x_y − m) − log s in f64. With w = weight[r] (f64, rounded to F once for dx):
//   row_loss[r] = 0 − w·term (f64);  dx_j = ftz(((e_j / s)·w) / norm),  dx_y = ((e_y / s − 1)·w) / norm
// (s rounded to F once). With w = 1 every bit equals softmax_loss_rows (multiplying by 1 is
// exact). The SIMD twin vectorises the scaling of dx; max and the exp/sum loop run in the same
// order in both twins, so SIMD == scalar bitwise.

import { lanes, exp_t, ftz, vftz } from "./math";

// Row maximum of x[0..V) (V ≥ 1); wasm max semantics, so any order of comparison agrees.
// @ts-ignore: decorator
@inline function row_max<F>(x: usize, V: i32): F {
  const S = alignof<F>();
  let m = load<F>(x);
  for (let j = 1; j < V; j++) m = max<F>(m, load<F>(x + (<usize>j << S)));
  return m;
}

// Writes e_j = exp(x_j − m) to out[0..V) and returns Σ_j e_j summed sequentially in f64.
// @ts-ignore: decorator
@inline function row_exp_sum<F>(out: usize, x: usize, m: F, V: i32): f64 {
  const S = alignof<F>();
  let s = 0.0;
  for (let j = 0; j < V; j++) {
    const o = <usize>j << S;
    const e = exp_t<F>(load<F>(x + o) - m);
    store<F>(out + o, e);
    s += <f64>e;
  }
  return s;
}

// dx (R,V) written; row_loss (R) f64 written = −w_r·log softmax(x_r)[y_r] (before / norm);
// x (R,V) read; y (R) i32 read; weight (R) f64 read. Returns Σ_r row_loss[r] / norm, summed in
// f64 in row order. norm: the full batch size (the caption count), so that a caller splitting
// the rows into ranges gets the same dx, and the same total by adding row_loss in order.
export function weighted_softmax_loss_rows__scalar<F>(dx: usize, row_loss: usize, x: usize, y: usize, weight: usize,
                                                      R: i32, V: i32, norm: i32): f64 {
  const S = alignof<F>();
  const nF = <F>norm;
  let loss = 0.0;
  for (let r = 0; r < R; r++) {
    const ro = <usize>r * <usize>V << S;
    const xr = x + ro, dr = dx + ro;
    const yr = load<i32>(y + (<usize>r << 2));
    const w = load<f64>(weight + (<usize>r << 3));
    const wF = <F>w;
    const m = row_max<F>(xr, V);
    const s = row_exp_sum<F>(dr, xr, m, V);
    const rl = 0.0 - w * (<f64>(load<F>(xr + (<usize>yr << S)) - m) - Math.log(s));
    store<f64>(row_loss + (<usize>r << 3), rl);
    loss += rl;
    const sF = <F>s;
    for (let j = 0; j < V; j++) {
      const o = <usize>j << S;
      store<F>(dr + o, ftz<F>(((load<F>(dr + o) / sF) * wF) / nF));
    }
    const oy = <usize>yr << S;
    const ey = exp_t<F>(load<F>(xr + oy) - m);
    store<F>(dr + oy, ((ey / sF - <F>1) * wF) / nF);
  }
  return loss / <f64>norm;
}
export function weighted_softmax_loss_rows__wasmsimd<F>(dx: usize, row_loss: usize, x: usize, y: usize, weight: usize,
                                                        R: i32, V: i32, norm: i32): f64 {
  const L = lanes<F>();
  const S = alignof<F>();
  const nF = <F>norm;
  const vn = v128.splat<F>(nF);
  let loss = 0.0;
  for (let r = 0; r < R; r++) {
    const ro = <usize>r * <usize>V << S;
    const xr = x + ro, dr = dx + ro;
    const yr = load<i32>(y + (<usize>r << 2));
    const w = load<f64>(weight + (<usize>r << 3));
    const wF = <F>w;
    const m = row_max<F>(xr, V);
    const s = row_exp_sum<F>(dr, xr, m, V);
    const rl = 0.0 - w * (<f64>(load<F>(xr + (<usize>yr << S)) - m) - Math.log(s));
    store<f64>(row_loss + (<usize>r << 3), rl);
    loss += rl;
    const sF = <F>s;
    const vs = v128.splat<F>(sF), vw = v128.splat<F>(wF);
    let j = 0;
    for (; j + L <= V; j += L) {
      const o = <usize>j << S;
      v128.store(dr + o, vftz<F>(v128.div<F>(v128.mul<F>(v128.div<F>(v128.load(dr + o), vs), vw), vn)));
    }
    for (; j < V; j++) {
      const o = <usize>j << S;
      store<F>(dr + o, ftz<F>(((load<F>(dr + o) / sF) * wF) / nF));
    }
    const oy = <usize>yr << S;
    const ey = exp_t<F>(load<F>(xr + oy) - m);
    store<F>(dr + oy, ((ey / sF - <F>1) * wF) / nF);
  }
  return loss / <f64>norm;
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
