// Temporal softmax loss (CS231n temporal_softmax_loss) and the row helpers used by sampling.
// N = batch, T = time, V = vocab; R = rows; ldx = row stride of x in elements.
//
// Per row: m = max_j x_j (wasm max semantics, so the SIMD and scalar maxima are identical),
// e_j = exp(x_j − m) in F, s = Σ_j e_j summed sequentially in f64, log p_y = (x_y − m) − log s
// in f64. The SIMD bodies vectorise the max and the final scaling; the exp/sum loop is scalar in
// both, so SIMD == scalar bitwise.

import { lanes, exp_t, ftz, vftz } from "./math";

// Row maximum of x[0..V) (V ≥ 1); wasm f32/f64.max semantics.
// @ts-ignore: decorator
@inline export function row_max__scalar<F>(x: usize, V: i32): F {
  const S = alignof<F>();
  let m = load<F>(x);
  for (let j = 1; j < V; j++) m = max<F>(m, load<F>(x + (<usize>j << S)));
  return m;
}
// @ts-ignore: decorator
@inline function row_max__wasmsimd<F>(x: usize, V: i32): F {
  const L = lanes<F>();
  const S = alignof<F>();
  let m = load<F>(x);
  let j = 0;
  if (V >= L) {
    let v = v128.load(x);
    for (j = L; j + L <= V; j += L) v = v128.max<F>(v, v128.load(x + (<usize>j << S)));
    m = max<F>(m, v128.extract_lane<F>(v, 0));
    m = max<F>(m, v128.extract_lane<F>(v, 1));
    if (sizeof<F>() == 4) {
      m = max<F>(m, v128.extract_lane<F>(v, 2));
      m = max<F>(m, v128.extract_lane<F>(v, 3));
    }
  }
  for (; j < V; j++) m = max<F>(m, load<F>(x + (<usize>j << S)));
  return m;
}

// Writes e_j = exp(x_j − m) to out[0..V) and returns Σ e_j summed sequentially in f64.
// @ts-ignore: decorator
@inline export function row_exp_sum<F>(out: usize, x: usize, m: F, V: i32): f64 {
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

// ---------------------------------------------------------------------------------------------
// dx (N,T,V) written = mask·(softmax(x) − onehot(y)) / norm; x (N,T,V) read; y, mask (N,T) i32
// read (mask ≠ 0 counts as 1; a mask pointer of 0 scores every step). Returns −Σ mask·log softmax(x)[y] / norm, summed in f64 per
// batch row (over t) and then over rows in order; when row_loss ≠ 0 the per-row sums (before
// dividing by norm) are also written to row_loss (N) f64, so a caller that splits the batch
// into row ranges and adds the row sums in order gets the same total. norm is the full batch
// size (N when the call covers the whole batch). Masked steps contribute nothing and get dx = 0.
// dx_j = (e_j / s − [j = y]) / norm with s rounded to F once, flushed to zero below 2^-100
// (math.ts ftz: the probabilities of confident predictions underflow).
export function temporal_softmax_loss__scalar<F>(dx: usize, row_loss: usize, x: usize, y: usize, mask: usize,
                                                 N: i32, T: i32, V: i32, norm: i32): f64 {
  const S = alignof<F>();
  const nT = <F>norm;
  let loss = 0.0;
  for (let n = 0; n < N; n++) {
  let rl = 0.0;
  for (let r = n * T; r < (n + 1) * T; r++) {
    const ro = <usize>r * <usize>V << S;
    const xr = x + ro, dr = dx + ro;
    if (mask != 0 && load<i32>(mask + (<usize>r << 2)) == 0) { memory.fill(dr, 0, <usize>V << S); continue; }
    const yr = load<i32>(y + (<usize>r << 2));
    const m = row_max__scalar<F>(xr, V);
    const s = row_exp_sum<F>(dr, xr, m, V);
    rl -= <f64>(load<F>(xr + (<usize>yr << S)) - m) - Math.log(s);
    const sT = <F>s;
    for (let j = 0; j < V; j++) {
      const o = <usize>j << S;
      store<F>(dr + o, ftz<F>((load<F>(dr + o) / sT) / nT));
    }
    const oy = <usize>yr << S;
    const ey = exp_t<F>(load<F>(xr + oy) - m);
    store<F>(dr + oy, (ey / sT - <F>1) / nT);
  }
  if (row_loss) store<f64>(row_loss + (<usize>n << 3), rl);
  loss += rl;
  }
  return loss / <f64>norm;
}
export function temporal_softmax_loss__wasmsimd<F>(dx: usize, row_loss: usize, x: usize, y: usize, mask: usize,
                                                   N: i32, T: i32, V: i32, norm: i32): f64 {
  const L = lanes<F>();
  const S = alignof<F>();
  const nT = <F>norm;
  const vn = v128.splat<F>(nT);
  let loss = 0.0;
  for (let n = 0; n < N; n++) {
  let rl = 0.0;
  for (let r = n * T; r < (n + 1) * T; r++) {
    const ro = <usize>r * <usize>V << S;
    const xr = x + ro, dr = dx + ro;
    if (mask != 0 && load<i32>(mask + (<usize>r << 2)) == 0) { memory.fill(dr, 0, <usize>V << S); continue; }
    const yr = load<i32>(y + (<usize>r << 2));
    const m = row_max__wasmsimd<F>(xr, V);
    const s = row_exp_sum<F>(dr, xr, m, V);
    rl -= <f64>(load<F>(xr + (<usize>yr << S)) - m) - Math.log(s);
    const sT = <F>s;
    const vs = v128.splat<F>(sT);
    let j = 0;
    for (; j + L <= V; j += L) {
      const o = <usize>j << S;
      v128.store(dr + o, vftz<F>(v128.div<F>(v128.div<F>(v128.load(dr + o), vs), vn)));
    }
    for (; j < V; j++) {
      const o = <usize>j << S;
      store<F>(dr + o, ftz<F>((load<F>(dr + o) / sT) / nT));
    }
    const oy = <usize>yr << S;
    const ey = exp_t<F>(load<F>(xr + oy) - m);
    store<F>(dr + oy, (ey / sT - <F>1) / nT);
  }
  if (row_loss) store<f64>(row_loss + (<usize>n << 3), rl);
  loss += rl;
  }
  return loss / <f64>norm;
}

// idx (R) i32 written = first index of the maximum of row r of x (R,V) with row stride ldx;
// x read. Rows containing NaN: the scalar rule (strict `>` from x[0]) decides in both twins.
export function argmax_rows__scalar<F>(idx: usize, x: usize, R: i32, V: i32, ldx: i32): void {
  const S = alignof<F>();
  for (let r = 0; r < R; r++) {
    const xr = x + (<usize>r * <usize>ldx << S);
    let best = load<F>(xr);
    let bi = 0;
    for (let j = 1; j < V; j++) {
      const v = load<F>(xr + (<usize>j << S));
      if (v > best) { best = v; bi = j; }
    }
    store<i32>(idx + (<usize>r << 2), bi);
  }
}
export function argmax_rows__wasmsimd<F>(idx: usize, x: usize, R: i32, V: i32, ldx: i32): void {
  const S = alignof<F>();
  for (let r = 0; r < R; r++) {
    const xr = x + (<usize>r * <usize>ldx << S);
    const m = row_max__wasmsimd<F>(xr, V);
    let bi = -1;
    if (m == m) { // no NaN in the row: the first index equal to the maximum
      for (let j = 0; j < V; j++) if (load<F>(xr + (<usize>j << S)) == m) { bi = j; break; }
    }
    if (bi < 0) { // NaN somewhere: fall back to the scalar rule
      let best = load<F>(xr);
      bi = 0;
      for (let j = 1; j < V; j++) {
        const v = load<F>(xr + (<usize>j << S));
        if (v > best) { best = v; bi = j; }
      }
    }
    store<i32>(idx + (<usize>r << 2), bi);
  }
}

// out (R,V) written = log softmax(x·inv_temperature) per row; x (R,V) row stride ldx read.
// z_j = x_j·τ⁻¹ (τ⁻¹ rounded to F once), m = max z, s = Σ exp(z_j − m) in f64,
// out_j = (z_j − m) − log s (log s rounded to F once). A row whose m is not finite (τ so small
// that the scaled scores overflow F, or τ⁻¹ itself infinite) gets the limit τ → 0: out = 0 at
// the first maximum of x (argmax_rows' rule) and −∞ elsewhere (one_hot_row).
// The limit of log softmax(x/τ) as τ → 0 for row xr (V): orow (V) written = 0 at the first
// maximum of xr (strict `>` from x[0], as argmax_rows__scalar), −∞ elsewhere.
// @ts-ignore: decorator
@inline function one_hot_row<F>(orow: usize, xr: usize, V: i32): void {
  const S = alignof<F>();
  let best = load<F>(xr);
  let bi = 0;
  for (let j = 1; j < V; j++) {
    const v = load<F>(xr + (<usize>j << S));
    if (v > best) { best = v; bi = j; }
  }
  for (let j = 0; j < V; j++) store<F>(orow + (<usize>j << S), j == bi ? <F>0 : <F>-Infinity);
}
export function log_softmax_rows__scalar<F>(out: usize, x: usize, R: i32, V: i32, ldx: i32, inv_temperature: f64): void {
  const S = alignof<F>();
  const it = <F>inv_temperature;
  for (let r = 0; r < R; r++) {
    const xr = x + (<usize>r * <usize>ldx << S);
    const orow = out + (<usize>r * <usize>V << S);
    for (let j = 0; j < V; j++) { const o = <usize>j << S; store<F>(orow + o, load<F>(xr + o) * it); }
    const m = row_max__scalar<F>(orow, V);
    if (!(m - m == <F>0)) { one_hot_row<F>(orow, xr, V); continue; }
    let s = 0.0;
    for (let j = 0; j < V; j++) s += <f64>exp_t<F>(load<F>(orow + (<usize>j << S)) - m);
    const ls = <F>Math.log(s);
    for (let j = 0; j < V; j++) { const o = <usize>j << S; store<F>(orow + o, (load<F>(orow + o) - m) - ls); }
  }
}
export function log_softmax_rows__wasmsimd<F>(out: usize, x: usize, R: i32, V: i32, ldx: i32, inv_temperature: f64): void {
  const L = lanes<F>();
  const S = alignof<F>();
  const it = <F>inv_temperature;
  const vit = v128.splat<F>(it);
  for (let r = 0; r < R; r++) {
    const xr = x + (<usize>r * <usize>ldx << S);
    const orow = out + (<usize>r * <usize>V << S);
    let j = 0;
    for (; j + L <= V; j += L) { const o = <usize>j << S; v128.store(orow + o, v128.mul<F>(v128.load(xr + o), vit)); }
    for (; j < V; j++) { const o = <usize>j << S; store<F>(orow + o, load<F>(xr + o) * it); }
    const m = row_max__wasmsimd<F>(orow, V);
    if (!(m - m == <F>0)) { one_hot_row<F>(orow, xr, V); continue; }
    let s = 0.0;
    for (j = 0; j < V; j++) s += <f64>exp_t<F>(load<F>(orow + (<usize>j << S)) - m);
    const ls = <F>Math.log(s);
    const vm = v128.splat<F>(m), vls = v128.splat<F>(ls);
    for (j = 0; j + L <= V; j += L) {
      const o = <usize>j << S;
      v128.store(orow + o, v128.sub<F>(v128.sub<F>(v128.load(orow + o), vm), vls));
    }
    for (; j < V; j++) { const o = <usize>j << S; store<F>(orow + o, (load<F>(orow + o) - m) - ls); }
  }
}

// words (R) i32 written: row r's word drawn with the uniform u[r] (f64 in [0, 1), read) from
// p_v = exp(logp[r, v]) (logp (R,V) read; F widened to f64, exp in f64 as the math_exp export):
// the first v in id order with u < Σ_{w ≤ v, p_w > 0} p_w (summed in f64 in id order); when
// rounding leaves the whole sum ≤ u, the last v with p_v > 0. The rule of drawWord (src/model/
// decoding.ts) with topP = 1, the same bits. Scalar only (a sequential walk).
export function draw_rows<F>(words: usize, logp: usize, u: usize, R: i32, V: i32): void {
  const S = alignof<F>();
  for (let r = 0; r < R; r++) {
    const lr = logp + (<usize>r * <usize>V << S);
    const ur = load<f64>(u + (<usize>r << 3));
    let acc = 0.0;
    let last = -1;
    for (let v = 0; v < V; v++) {
      const q = Math.exp(<f64>load<F>(lr + (<usize>v << S)));
      if (!(q > 0)) continue;
      acc += q;
      last = v;
      if (ur < acc) break;
    }
    store<i32>(words + (<usize>r << 2), last);
  }
}

// ---------------------------------------------------------------------------------------------
// The leaf loops as the exports call them: SIMD or scalar body, picked at compile time.
// @ts-ignore: decorator
@inline function temporal_softmax_loss<F>(dx: usize, row_loss: usize, x: usize, y: usize, mask: usize, N: i32, T: i32, V: i32, norm: i32): f64 {
  if (ASC_FEATURE_SIMD) return temporal_softmax_loss__wasmsimd<F>(dx, row_loss, x, y, mask, N, T, V, norm);
  return temporal_softmax_loss__scalar<F>(dx, row_loss, x, y, mask, N, T, V, norm);
}
// @ts-ignore: decorator
@inline function argmax_rows<F>(idx: usize, x: usize, R: i32, V: i32, ldx: i32): void {
  if (ASC_FEATURE_SIMD) argmax_rows__wasmsimd<F>(idx, x, R, V, ldx); else argmax_rows__scalar<F>(idx, x, R, V, ldx);
}
// @ts-ignore: decorator
@inline function log_softmax_rows<F>(out: usize, x: usize, R: i32, V: i32, ldx: i32, inv_temperature: f64): void {
  if (ASC_FEATURE_SIMD) log_softmax_rows__wasmsimd<F>(out, x, R, V, ldx, inv_temperature); else log_softmax_rows__scalar<F>(out, x, R, V, ldx, inv_temperature);
}

// ---------------------------------------------------------------------------------------------
// Exports, one line each (README.md has the contracts). softmax_loss_rows is the loss on R rows
// that are all scored (the training step's gathered scored steps: T = 1, no mask), with the
// per-row sums in row_loss and norm the full batch size.
export function f32_temporal_softmax_loss(dx: usize, x: usize, y: usize, mask: usize, N: i32, T: i32, V: i32): f64 { return temporal_softmax_loss<f32>(dx, 0, x, y, mask, N, T, V, N); }
export function f64_temporal_softmax_loss(dx: usize, x: usize, y: usize, mask: usize, N: i32, T: i32, V: i32): f64 { return temporal_softmax_loss<f64>(dx, 0, x, y, mask, N, T, V, N); }
export function f32_softmax_loss_rows(dx: usize, row_loss: usize, x: usize, y: usize, R: i32, V: i32, norm: i32): f64 { return temporal_softmax_loss<f32>(dx, row_loss, x, y, 0, R, 1, V, norm); }
export function f64_softmax_loss_rows(dx: usize, row_loss: usize, x: usize, y: usize, R: i32, V: i32, norm: i32): f64 { return temporal_softmax_loss<f64>(dx, row_loss, x, y, 0, R, 1, V, norm); }
export function f32_argmax_rows(idx: usize, x: usize, R: i32, V: i32, ldx: i32): void { argmax_rows<f32>(idx, x, R, V, ldx); }
export function f64_argmax_rows(idx: usize, x: usize, R: i32, V: i32, ldx: i32): void { argmax_rows<f64>(idx, x, R, V, ldx); }
export function f32_log_softmax_rows(out: usize, x: usize, R: i32, V: i32, ldx: i32, inv_temperature: f64): void { log_softmax_rows<f32>(out, x, R, V, ldx, inv_temperature); }
export function f64_log_softmax_rows(out: usize, x: usize, R: i32, V: i32, ldx: i32, inv_temperature: f64): void { log_softmax_rows<f64>(out, x, R, V, ldx, inv_temperature); }
export function f32_draw_rows(words: usize, logp: usize, u: usize, R: i32, V: i32): void { draw_rows<f32>(words, logp, u, R, V); }
export function f64_draw_rows(words: usize, logp: usize, u: usize, R: i32, V: i32): void { draw_rows<f64>(words, logp, u, R, V); }
