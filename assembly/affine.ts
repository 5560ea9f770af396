// Affine layer (CS231n affine_forward / affine_backward); temporal affine is the same kernel
// with N·T rows. Also the two row helpers the recurrent kernels share: the bias broadcast that
// starts a step's sums, and column sums (db).
//
// Order of operations: out = b + x·w, i.e. the GEMM sum s = Σ_k x[n,k]·w[k,m] is formed from
// zero and then added to the bias (gemm acc path: C + s), which is the numpy `x.dot(w) + b`.

import { lanes } from "./math";
import { gemm_nn, gemm_tn, gemm_nt } from "./gemm";

// out (R,C) with row stride ldo written = b (C) on every row; b read.
export function bias_rows<F>(out: usize, b: usize, R: i32, C: i32, ldo: i32): void {
  const S = alignof<F>();
  const bytes = <usize>C << S;
  for (let r = 0; r < R; r++) memory.copy(out + (<usize>r * <usize>ldo << S), b, bytes);
}

// db (C) accumulated: db[j] = db[j] + Σ_r x[r,j] (the sum formed from zero, r = 0..R-1 in order);
// x (R,C) with row stride ldx read. SIMD and scalar are bit-identical (vectorised over columns).
export function colsum__scalar<F>(db: usize, x: usize, R: i32, C: i32, ldx: i32): void {
  const S = alignof<F>();
  const xr = <usize>ldx << S;
  for (let j = 0; j < C; j++) {
    let s = <F>0;
    let p = x + (<usize>j << S);
    for (let r = 0; r < R; r++) { s += load<F>(p); p += xr; }
    const q = db + (<usize>j << S);
    store<F>(q, load<F>(q) + s);
  }
}
export function colsum__wasmsimd<F>(db: usize, x: usize, R: i32, C: i32, ldx: i32): void {
  const L = lanes<F>();
  const S = alignof<F>();
  const xr = <usize>ldx << S;
  let j = 0;
  for (; j + 4 * L <= C; j += 4 * L) {
    let s0 = v128.splat<F>(0), s1 = v128.splat<F>(0), s2 = v128.splat<F>(0), s3 = v128.splat<F>(0);
    let p = x + (<usize>j << S);
    for (let r = 0; r < R; r++) {
      s0 = v128.add<F>(s0, v128.load(p));
      s1 = v128.add<F>(s1, v128.load(p, 16));
      s2 = v128.add<F>(s2, v128.load(p, 32));
      s3 = v128.add<F>(s3, v128.load(p, 48));
      p += xr;
    }
    const q = db + (<usize>j << S);
    v128.store(q, v128.add<F>(v128.load(q), s0));
    v128.store(q, v128.add<F>(v128.load(q, 16), s1), 16);
    v128.store(q, v128.add<F>(v128.load(q, 32), s2), 32);
    v128.store(q, v128.add<F>(v128.load(q, 48), s3), 48);
  }
  for (; j + L <= C; j += L) {
    let s0 = v128.splat<F>(0);
    let p = x + (<usize>j << S);
    for (let r = 0; r < R; r++) { s0 = v128.add<F>(s0, v128.load(p)); p += xr; }
    const q = db + (<usize>j << S);
    v128.store(q, v128.add<F>(v128.load(q), s0));
  }
  for (; j < C; j++) {
    let s = <F>0;
    let p = x + (<usize>j << S);
    for (let r = 0; r < R; r++) { s += load<F>(p); p += xr; }
    const q = db + (<usize>j << S);
    store<F>(q, load<F>(q) + s);
  }
}

// @ts-ignore: decorator
@inline export function colsum<F>(db: usize, x: usize, R: i32, C: i32, ldx: i32): void {
  if (ASC_FEATURE_SIMD) colsum__wasmsimd<F>(db, x, R, C, ldx); else colsum__scalar<F>(db, x, R, C, ldx);
}

// out is (N,M) written = x (N,D) · w (D,M) + b (M); x, w, b read.
export function affine_forward<F>(out: usize, x: usize, w: usize, b: usize, N: i32, D: i32, M: i32, scratch: usize = 0): void {
  bias_rows<F>(out, b, N, M, M);
  gemm_nn<F>(out, x, w, N, M, D, D, M, M, 1, scratch);
}

// dx (N,D) written = dout (N,M) · wᵀ; dw (D,M) accumulated += xᵀ · dout; db (M) accumulated
// += Σ_rows dout; dout, x (N,D), w (D,M) read.
export function affine_backward<F>(dx: usize, dw: usize, db: usize, dout: usize, x: usize, w: usize,
                                   N: i32, D: i32, M: i32, scratch: usize = 0): void {
  gemm_nt<F>(dx, dout, w, N, D, M, M, M, D, 0);
  gemm_tn<F>(dw, x, dout, D, M, N, D, M, M, 1, scratch);
  colsum<F>(db, dout, N, M, M);
}

// ---------------------------------------------------------------------------------------------
// Exports, one line each (README.md has the contracts).
export function f32_affine_forward(out: usize, x: usize, w: usize, b: usize, N: i32, D: i32, M: i32, scratch: usize): void { affine_forward<f32>(out, x, w, b, N, D, M, scratch); }
export function f64_affine_forward(out: usize, x: usize, w: usize, b: usize, N: i32, D: i32, M: i32, scratch: usize): void { affine_forward<f64>(out, x, w, b, N, D, M, scratch); }
export function f32_affine_backward(dx: usize, dw: usize, db: usize, dout: usize, x: usize, w: usize, N: i32, D: i32, M: i32, scratch: usize): void { affine_backward<f32>(dx, dw, db, dout, x, w, N, D, M, scratch); }
export function f64_affine_backward(dx: usize, dw: usize, db: usize, dout: usize, x: usize, w: usize, N: i32, D: i32, M: i32, scratch: usize): void { affine_backward<f64>(dx, dw, db, dout, x, w, N, D, M, scratch); }
export function f32_bias_rows(out: usize, b: usize, R: i32, C: i32, ldo: i32): void { bias_rows<f32>(out, b, R, C, ldo); }
export function f64_bias_rows(out: usize, b: usize, R: i32, C: i32, ldo: i32): void { bias_rows<f64>(out, b, R, C, ldo); }
export function f32_colsum(db: usize, x: usize, R: i32, C: i32, ldx: i32): void { colsum<f32>(db, x, R, C, ldx); }
export function f64_colsum(db: usize, x: usize, R: i32, C: i32, ldx: i32): void { colsum<f64>(db, x, R, C, ldx); }
