// Temporal softmax loss (CS231n temporal_softmax_loss) and the row helpers used by sampling.
// N = batch, T = time, V = vocab; R = rows; ldx = row stride of x in elements.
//
// Per row: m = max_j x_j (wasm max semantics, so the SIMD and scalar maxima are identical),
// e_j = exp(x_j − m) in T, s = Σ_j e_j summed sequentially in f64, log p_y = (x_y − m) − log s
// in f64. The SIMD bodies vectorise the max and the final scaling; the exp/sum loop is scalar in
// both, so SIMD == scalar bitwise.

import { lanes, exp_t, ftz, vftz } from "./math";

// Row maximum of x[0..V) (V ≥ 1); wasm f32/f64.max semantics.
// @ts-ignore: decorator
@inline function row_max__scalar<T>(x: usize, V: i32): T {
  const S = alignof<T>();
  let m = load<T>(x);
  for (let j = 1; j < V; j++) m = max<T>(m, load<T>(x + (<usize>j << S)));
  return m;
}
// @ts-ignore: decorator
@inline function row_max__wasmsimd<T>(x: usize, V: i32): T {
  const L = lanes<T>();
  const S = alignof<T>();
  let m = load<T>(x);
  let j = 0;
  if (V >= L) {
    let v = v128.load(x);
    for (j = L; j + L <= V; j += L) v = v128.max<T>(v, v128.load(x + (<usize>j << S)));
    m = max<T>(m, v128.extract_lane<T>(v, 0));
    m = max<T>(m, v128.extract_lane<T>(v, 1));
    if (sizeof<T>() == 4) {
      m = max<T>(m, v128.extract_lane<T>(v, 2));
      m = max<T>(m, v128.extract_lane<T>(v, 3));
    }
  }
  for (; j < V; j++) m = max<T>(m, load<T>(x + (<usize>j << S)));
  return m;
}

// Writes e_j = exp(x_j − m) to out[0..V) and returns Σ e_j summed sequentially in f64.
// @ts-ignore: decorator
@inline function row_exp_sum<T>(out: usize, x: usize, m: T, V: i32): f64 {
  const S = alignof<T>();
  let s = 0.0;
  for (let j = 0; j < V; j++) {
    const o = <usize>j << S;
    const e = exp_t<T>(load<T>(x + o) - m);
    store<T>(out + o, e);
    s += <f64>e;
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// dx (N,T,V) written = mask·(softmax(x) − onehot(y)) / norm; x (N,T,V) read; y, mask (N,T) i32
// read (mask ≠ 0 counts as 1). Returns −Σ mask·log softmax(x)[y] / norm, summed in f64 per
// batch row (over t) and then over rows in order; when row_loss ≠ 0 the per-row sums (before
// dividing by norm) are also written to row_loss (N) f64, so a caller that splits the batch
// into row ranges and adds the row sums in order gets the same total. norm is the full batch
// size (N when the call covers the whole batch). Masked steps contribute nothing and get dx = 0.
// dx_j = (e_j / s − [j = y]) / norm with s rounded to T once, flushed to zero below 2^-100
// (math.ts ftz: the probabilities of confident predictions underflow).
export function temporal_softmax_loss__scalar<T>(dx: usize, row_loss: usize, x: usize, y: usize, mask: usize,
                                                 N: i32, T: i32, V: i32, norm: i32): f64 {
  const S = alignof<T>();
  const nT = <T>norm;
  let loss = 0.0;
  for (let n = 0; n < N; n++) {
  let rl = 0.0;
  for (let r = n * T; r < (n + 1) * T; r++) {
    const ro = <usize>r * <usize>V << S;
    const xr = x + ro, dr = dx + ro;
    if (load<i32>(mask + (<usize>r << 2)) == 0) { memory.fill(dr, 0, <usize>V << S); continue; }
    const yr = load<i32>(y + (<usize>r << 2));
    const m = row_max__scalar<T>(xr, V);
    const s = row_exp_sum<T>(dr, xr, m, V);
    rl -= <f64>(load<T>(xr + (<usize>yr << S)) - m) - Math.log(s);
    const sT = <T>s;
    for (let j = 0; j < V; j++) {
      const o = <usize>j << S;
      store<T>(dr + o, ftz<T>((load<T>(dr + o) / sT) / nT));
    }
    const oy = <usize>yr << S;
    const ey = exp_t<T>(load<T>(xr + oy) - m);
    store<T>(dr + oy, (ey / sT - <T>1) / nT);
  }
  if (row_loss) store<f64>(row_loss + (<usize>n << 3), rl);
  loss += rl;
  }
  return loss / <f64>norm;
}
export function temporal_softmax_loss__wasmsimd<T>(dx: usize, row_loss: usize, x: usize, y: usize, mask: usize,
                                                   N: i32, T: i32, V: i32, norm: i32): f64 {
  const L = lanes<T>();
  const S = alignof<T>();
  const nT = <T>norm;
  const vn = v128.splat<T>(nT);
  let loss = 0.0;
  for (let n = 0; n < N; n++) {
  let rl = 0.0;
  for (let r = n * T; r < (n + 1) * T; r++) {
    const ro = <usize>r * <usize>V << S;
    const xr = x + ro, dr = dx + ro;
    if (load<i32>(mask + (<usize>r << 2)) == 0) { memory.fill(dr, 0, <usize>V << S); continue; }
    const yr = load<i32>(y + (<usize>r << 2));
    const m = row_max__wasmsimd<T>(xr, V);
    const s = row_exp_sum<T>(dr, xr, m, V);
    rl -= <f64>(load<T>(xr + (<usize>yr << S)) - m) - Math.log(s);
    const sT = <T>s;
    const vs = v128.splat<T>(sT);
    let j = 0;
    for (; j + L <= V; j += L) {
      const o = <usize>j << S;
      v128.store(dr + o, vftz<T>(v128.div<T>(v128.div<T>(v128.load(dr + o), vs), vn)));
    }
    for (; j < V; j++) {
      const o = <usize>j << S;
      store<T>(dr + o, ftz<T>((load<T>(dr + o) / sT) / nT));
    }
    const oy = <usize>yr << S;
    const ey = exp_t<T>(load<T>(xr + oy) - m);
    store<T>(dr + oy, (ey / sT - <T>1) / nT);
  }
  if (row_loss) store<f64>(row_loss + (<usize>n << 3), rl);
  loss += rl;
  }
  return loss / <f64>norm;
}

// idx (R) i32 written = first index of the maximum of row r of x (R,V) with row stride ldx;
// x read. Rows containing NaN: the scalar rule (strict `>` from x[0]) decides in both twins.
export function argmax_rows__scalar<T>(idx: usize, x: usize, R: i32, V: i32, ldx: i32): void {
  const S = alignof<T>();
  for (let r = 0; r < R; r++) {
    const xr = x + (<usize>r * <usize>ldx << S);
    let best = load<T>(xr);
    let bi = 0;
    for (let j = 1; j < V; j++) {
      const v = load<T>(xr + (<usize>j << S));
      if (v > best) { best = v; bi = j; }
    }
    store<i32>(idx + (<usize>r << 2), bi);
  }
}
export function argmax_rows__wasmsimd<T>(idx: usize, x: usize, R: i32, V: i32, ldx: i32): void {
  const S = alignof<T>();
  for (let r = 0; r < R; r++) {
    const xr = x + (<usize>r * <usize>ldx << S);
    const m = row_max__wasmsimd<T>(xr, V);
    let bi = -1;
    if (m == m) { // no NaN in the row: the first index equal to the maximum
      for (let j = 0; j < V; j++) if (load<T>(xr + (<usize>j << S)) == m) { bi = j; break; }
    }
    if (bi < 0) { // NaN somewhere: fall back to the scalar rule
      let best = load<T>(xr);
      bi = 0;
      for (let j = 1; j < V; j++) {
        const v = load<T>(xr + (<usize>j << S));
        if (v > best) { best = v; bi = j; }
      }
    }
    store<i32>(idx + (<usize>r << 2), bi);
  }
}

// out (R,V) written = log softmax(x·inv_temperature) per row; x (R,V) row stride ldx read.
// z_j = x_j·τ⁻¹ (τ⁻¹ rounded to T once), m = max z, s = Σ exp(z_j − m) in f64,
// out_j = (z_j − m) − log s (log s rounded to T once).
export function log_softmax_rows__scalar<T>(out: usize, x: usize, R: i32, V: i32, ldx: i32, inv_temperature: f64): void {
  const S = alignof<T>();
  const it = <T>inv_temperature;
  for (let r = 0; r < R; r++) {
    const xr = x + (<usize>r * <usize>ldx << S);
    const orow = out + (<usize>r * <usize>V << S);
    for (let j = 0; j < V; j++) { const o = <usize>j << S; store<T>(orow + o, load<T>(xr + o) * it); }
    const m = row_max__scalar<T>(orow, V);
    let s = 0.0;
    for (let j = 0; j < V; j++) s += <f64>exp_t<T>(load<T>(orow + (<usize>j << S)) - m);
    const ls = <T>Math.log(s);
    for (let j = 0; j < V; j++) { const o = <usize>j << S; store<T>(orow + o, (load<T>(orow + o) - m) - ls); }
  }
}
export function log_softmax_rows__wasmsimd<T>(out: usize, x: usize, R: i32, V: i32, ldx: i32, inv_temperature: f64): void {
  const L = lanes<T>();
  const S = alignof<T>();
  const it = <T>inv_temperature;
  const vit = v128.splat<T>(it);
  for (let r = 0; r < R; r++) {
    const xr = x + (<usize>r * <usize>ldx << S);
    const orow = out + (<usize>r * <usize>V << S);
    let j = 0;
    for (; j + L <= V; j += L) { const o = <usize>j << S; v128.store(orow + o, v128.mul<T>(v128.load(xr + o), vit)); }
    for (; j < V; j++) { const o = <usize>j << S; store<T>(orow + o, load<T>(xr + o) * it); }
    const m = row_max__wasmsimd<T>(orow, V);
    let s = 0.0;
    for (j = 0; j < V; j++) s += <f64>exp_t<T>(load<T>(orow + (<usize>j << S)) - m);
    const ls = <T>Math.log(s);
    const vm = v128.splat<T>(m), vls = v128.splat<T>(ls);
    for (j = 0; j + L <= V; j += L) {
      const o = <usize>j << S;
      v128.store(orow + o, v128.sub<T>(v128.sub<T>(v128.load(orow + o), vm), vls));
    }
    for (; j < V; j++) { const o = <usize>j << S; store<T>(orow + o, (load<T>(orow + o) - m) - ls); }
  }
}

// ---------------------------------------------------------------------------------------------
export function f32_temporal_softmax_loss_rows(dx: usize, row_loss: usize, x: usize, y: usize, mask: usize, N: i32, T: i32, V: i32, norm: i32): f64 {
  if (ASC_FEATURE_SIMD) return temporal_softmax_loss__wasmsimd<f32>(dx, row_loss, x, y, mask, N, T, V, norm);
  else return temporal_softmax_loss__scalar<f32>(dx, row_loss, x, y, mask, N, T, V, norm);
}
export function f64_temporal_softmax_loss_rows(dx: usize, row_loss: usize, x: usize, y: usize, mask: usize, N: i32, T: i32, V: i32, norm: i32): f64 {
  if (ASC_FEATURE_SIMD) return temporal_softmax_loss__wasmsimd<f64>(dx, row_loss, x, y, mask, N, T, V, norm);
  else return temporal_softmax_loss__scalar<f64>(dx, row_loss, x, y, mask, N, T, V, norm);
}
export function f32_temporal_softmax_loss(dx: usize, x: usize, y: usize, mask: usize, N: i32, T: i32, V: i32): f64 {
  if (ASC_FEATURE_SIMD) return temporal_softmax_loss__wasmsimd<f32>(dx, 0, x, y, mask, N, T, V, N);
  else return temporal_softmax_loss__scalar<f32>(dx, 0, x, y, mask, N, T, V, N);
}
export function f64_temporal_softmax_loss(dx: usize, x: usize, y: usize, mask: usize, N: i32, T: i32, V: i32): f64 {
  if (ASC_FEATURE_SIMD) return temporal_softmax_loss__wasmsimd<f64>(dx, 0, x, y, mask, N, T, V, N);
  else return temporal_softmax_loss__scalar<f64>(dx, 0, x, y, mask, N, T, V, N);
}
export function f32_argmax_rows(idx: usize, x: usize, R: i32, V: i32, ldx: i32): void {
  if (ASC_FEATURE_SIMD) argmax_rows__wasmsimd<f32>(idx, x, R, V, ldx);
  else argmax_rows__scalar<f32>(idx, x, R, V, ldx);
}
export function f64_argmax_rows(idx: usize, x: usize, R: i32, V: i32, ldx: i32): void {
  if (ASC_FEATURE_SIMD) argmax_rows__wasmsimd<f64>(idx, x, R, V, ldx);
  else argmax_rows__scalar<f64>(idx, x, R, V, ldx);
}
export function f32_log_softmax_rows(out: usize, x: usize, R: i32, V: i32, ldx: i32, inv_temperature: f64): void {
  if (ASC_FEATURE_SIMD) log_softmax_rows__wasmsimd<f32>(out, x, R, V, ldx, inv_temperature);
  else log_softmax_rows__scalar<f32>(out, x, R, V, ldx, inv_temperature);
}
export function f64_log_softmax_rows(out: usize, x: usize, R: i32, V: i32, ldx: i32, inv_temperature: f64): void {
  if (ASC_FEATURE_SIMD) log_softmax_rows__wasmsimd<f64>(out, x, R, V, ldx, inv_temperature);
  else log_softmax_rows__scalar<f64>(out, x, R, V, ldx, inv_temperature);
}
