// Vanilla RNN (CS231n rnn_step_forward / rnn_step_backward / rnn_forward / rnn_backward).
// Legend: N = batch, T = time, D = input, H = hidden. (N,T,·) arrays are row-major with the
// time axis inside the batch axis, so step t of row n is at (n·T + t)·width.
//
//   a = b + x·Wx + prev_h·Wh   (bias first, then each GEMM sum added: gemm acc path)
//   next_h = tanh(a), dtanh = tanh'(a) = 4e/(1+e)², e = exp(-2|a|)   (math.ts)
// The step and sequence kernels perform the same operations in the same order, so T step calls
// reproduce rnn_forward bit for bit.

import { lanes, tanh_exp, tanh_e, dtanh_e, vtanh_exp, vtanh_e, vdtanh_e, ftz, vftz } from "./math";
import { gemm_nn, gemm_tn, gemm_nt } from "./gemm";
import { bias_rows, colsum } from "./affine";

// a (R,H) row stride ld read; h (R,H) ld written = tanh(a); dtanh (R,H) ld written = tanh'(a).
// a may be the same buffer as h or as dtanh (each element is read before it is written).
// The SIMD twin does the same operations on lanes (math.ts), so the two agree bitwise.
export function tanh_rows__scalar<F>(h: usize, dtanh: usize, a: usize, R: i32, H: i32, ld: i32): void {
  const S = alignof<F>();
  for (let r = 0; r < R; r++) {
    const ro = <usize>r * <usize>ld << S;
    for (let j = 0; j < H; j++) tanh_elem<F>(h, dtanh, a, ro + (<usize>j << S));
  }
}
export function tanh_rows__wasmsimd<F>(h: usize, dtanh: usize, a: usize, R: i32, H: i32, ld: i32): void {
  const L = lanes<F>();
  const S = alignof<F>();
  for (let r = 0; r < R; r++) {
    const ro = <usize>r * <usize>ld << S;
    let j = 0;
    for (; j + L <= H; j += L) {
      const o = ro + (<usize>j << S);
      const v = v128.load(a + o);
      const e = vtanh_exp<F>(v);
      v128.store(h + o, vtanh_e<F>(v, e));
      v128.store(dtanh + o, vdtanh_e<F>(e));
    }
    for (; j < H; j++) tanh_elem<F>(h, dtanh, a, ro + (<usize>j << S));
  }
}
// @ts-ignore: decorator
@inline function tanh_elem<F>(h: usize, dtanh: usize, a: usize, o: usize): void {
  const v = load<F>(a + o);
  const e = tanh_exp<F>(v);
  store<F>(h + o, tanh_e<F>(v, e));
  store<F>(dtanh + o, dtanh_e<F>(e));
}

// da (R,H) written = (dh + run) ⊙ dtanh when has_run, else dh ⊙ dtanh, flushed to zero below
// 2^-100 (math.ts ftz).
// da, dh, dtanh have row stride ld; run has row stride ldr. SIMD == scalar bitwise.
export function rnn_da__scalar<F>(da: usize, dh: usize, run: usize, has_run: bool, dtanh: usize,
                           R: i32, H: i32, ld: i32, ldr: i32): void {
  const S = alignof<F>();
  for (let r = 0; r < R; r++) {
    const ro = <usize>r * <usize>ld << S;
    const rr = run + (<usize>r * <usize>ldr << S);
    for (let j = 0; j < H; j++) {
      const o = ro + (<usize>j << S);
      let g = load<F>(dh + o);
      if (has_run) g = g + load<F>(rr + (<usize>j << S));
      store<F>(da + o, ftz<F>(g * load<F>(dtanh + o)));
    }
  }
}
export function rnn_da__wasmsimd<F>(da: usize, dh: usize, run: usize, has_run: bool, dtanh: usize,
                             R: i32, H: i32, ld: i32, ldr: i32): void {
  const L = lanes<F>();
  const S = alignof<F>();
  for (let r = 0; r < R; r++) {
    const ro = <usize>r * <usize>ld << S;
    const rr = run + (<usize>r * <usize>ldr << S);
    let j = 0;
    for (; j + L <= H; j += L) {
      const o = ro + (<usize>j << S);
      let g = v128.load(dh + o);
      if (has_run) g = v128.add<F>(g, v128.load(rr + (<usize>j << S)));
      v128.store(da + o, vftz<F>(v128.mul<F>(g, v128.load(dtanh + o))));
    }
    for (; j < H; j++) {
      const o = ro + (<usize>j << S);
      let g = load<F>(dh + o);
      if (has_run) g = g + load<F>(rr + (<usize>j << S));
      store<F>(da + o, ftz<F>(g * load<F>(dtanh + o)));
    }
  }
}

// The leaf loops as the kernels below call them: SIMD or scalar body, picked at compile time.
// @ts-ignore: decorator
@inline function tanh_rows<F>(h: usize, dtanh: usize, a: usize, R: i32, H: i32, ld: i32): void {
  if (ASC_FEATURE_SIMD) tanh_rows__wasmsimd<F>(h, dtanh, a, R, H, ld); else tanh_rows__scalar<F>(h, dtanh, a, R, H, ld);
}
// @ts-ignore: decorator
@inline function rnn_da<F>(da: usize, dh: usize, run: usize, has_run: bool, dtanh: usize, R: i32, H: i32, ld: i32, ldr: i32): void {
  if (ASC_FEATURE_SIMD) rnn_da__wasmsimd<F>(da, dh, run, has_run, dtanh, R, H, ld, ldr); else rnn_da__scalar<F>(da, dh, run, has_run, dtanh, R, H, ld, ldr);
}

// ---------------------------------------------------------------------------------------------
// next_h (N,H) written = tanh(b + x·Wx + prev_h·Wh); dtanh (N,H) written = tanh'(same);
// x (N,D), prev_h (N,H), Wx (D,H), Wh (H,H), b (H) read. next_h may alias prev_h (a is formed
// in dtanh); dtanh must not alias an input.
export function rnn_step_forward<F>(next_h: usize, dtanh: usize, x: usize, prev_h: usize,
    Wx: usize, Wh: usize, b: usize, N: i32, D: i32, H: i32, scratch: usize = 0): void {
  bias_rows<F>(dtanh, b, N, H, H); // a is formed in dtanh, so next_h may alias prev_h
  gemm_nn<F>(dtanh, x, Wx, N, H, D, D, H, H, 1, scratch);
  gemm_nn<F>(dtanh, prev_h, Wh, N, H, H, H, H, H, 1, scratch);
  tanh_rows<F>(next_h, dtanh, dtanh, N, H, H);
}

// da (N,H) scratch written = dnext_h ⊙ dtanh; dx (N,D) written = da·Wxᵀ; dprev_h (N,H) written
// = da·Whᵀ; dWx (D,H) += xᵀ·da; dWh (H,H) += prev_hᵀ·da; db (H) += Σ_n da.
// dnext_h, dtanh, x, prev_h, Wx, Wh read. dprev_h may alias dnext_h (da is formed first).
export function rnn_step_backward<F>(dx: usize, dprev_h: usize, dWx: usize, dWh: usize, db: usize,
    da: usize, dnext_h: usize, dtanh: usize, x: usize, prev_h: usize, Wx: usize, Wh: usize,
    N: i32, D: i32, H: i32, scratch: usize = 0): void {
  rnn_da<F>(da, dnext_h, 0, false, dtanh, N, H, H, H);
  gemm_nt<F>(dx, da, Wx, N, D, H, H, H, D, 0);
  gemm_nt<F>(dprev_h, da, Wh, N, H, H, H, H, H, 0);
  gemm_tn<F>(dWx, x, da, D, H, N, D, H, H, 1, scratch);
  gemm_tn<F>(dWh, prev_h, da, H, H, N, H, H, H, 1, scratch);
  colsum<F>(db, da, N, H, H);
}

// ---------------------------------------------------------------------------------------------
// h (N,T,H) written; dtanh (N,T,H) written; x (N,T,D), h0 (N,H), Wx (D,H), Wh (H,H), b (H) read.
// b + x·Wx for all N·T rows in one GEMM, then per step += h[:,t-1]·Wh (h[:,-1] = h0) and tanh.
export function rnn_forward<F>(h: usize, dtanh: usize, x: usize, h0: usize, Wx: usize, Wh: usize,
    b: usize, N: i32, T: i32, D: i32, H: i32, scratch: usize = 0): void {
  const S = alignof<F>();
  const TH = T * H;
  bias_rows<F>(h, b, N * T, H, H);
  gemm_nn<F>(h, x, Wx, N * T, H, D, D, H, H, 1, scratch);
  for (let t = 0; t < T; t++) {
    const ot = <usize>t * <usize>H << S;
    const prev = t == 0 ? h0 : h + ot - (<usize>H << S);
    gemm_nn<F>(h + ot, prev, Wh, N, H, H, t == 0 ? H : TH, H, TH, 1, scratch);
    tanh_rows<F>(h + ot, dtanh + ot, h + ot, N, H, TH);
  }
}

// dh (N,T,H) read (upstream gradient of every h); da (N,T,H) scratch written;
// dx (N,T,D) written; dh0 (N,H) written (it doubles as the running dnext_h from step t+1);
// dWx (D,H), dWh (H,H), db (H) accumulated; dtanh, x, h0, h, Wx, Wh read.
// Per step t = T-1..0: da_t = (dh_t + dh0) ⊙ dtanh_t (dh_t alone at t = T-1), dh0 = da_t·Whᵀ,
// dWh += h_{t-1}ᵀ·da_t. Then dx = da·Wxᵀ, dWx += xᵀ·da, db += Σ da over all N·T rows.
export function rnn_backward<F>(dx: usize, dh0: usize, dWx: usize, dWh: usize, db: usize, da: usize,
    dh: usize, dtanh: usize, x: usize, h0: usize, h: usize, Wx: usize, Wh: usize,
    N: i32, T: i32, D: i32, H: i32, scratch: usize = 0): void {
  const S = alignof<F>();
  const TH = T * H;
  if (T == 0) memory.fill(dh0, 0, <usize>N * <usize>H << S);
  for (let t = T - 1; t >= 0; t--) {
    const ot = <usize>t * <usize>H << S;
    rnn_da<F>(da + ot, dh + ot, dh0, t < T - 1, dtanh + ot, N, H, TH, H);
    gemm_nt<F>(dh0, da + ot, Wh, N, H, H, TH, H, H, 0);
    const prev = t == 0 ? h0 : h + ot - (<usize>H << S);
    gemm_tn<F>(dWh, prev, da + ot, H, H, N, t == 0 ? H : TH, TH, H, 1, scratch);
  }
  gemm_nt<F>(dx, da, Wx, N * T, D, H, H, H, D, 0);
  gemm_tn<F>(dWx, x, da, D, H, N * T, D, H, H, 1, scratch);
  colsum<F>(db, da, N * T, H, H);
}

// ---------------------------------------------------------------------------------------------
// Exports, one line each (README.md has the contracts). tanh_forward and rnn_da are the step's
// nonlinearity and its backward alone, rows contiguous, for the length-sorted training step and
// greedy decoding (rnn_step_forward = bias_rows, two nn GEMMs into a, then tanh_forward).
export function f32_rnn_step_forward(next_h: usize, dtanh: usize, x: usize, prev_h: usize, Wx: usize, Wh: usize, b: usize, N: i32, D: i32, H: i32, scratch: usize): void { rnn_step_forward<f32>(next_h, dtanh, x, prev_h, Wx, Wh, b, N, D, H, scratch); }
export function f64_rnn_step_forward(next_h: usize, dtanh: usize, x: usize, prev_h: usize, Wx: usize, Wh: usize, b: usize, N: i32, D: i32, H: i32, scratch: usize): void { rnn_step_forward<f64>(next_h, dtanh, x, prev_h, Wx, Wh, b, N, D, H, scratch); }
export function f32_rnn_step_backward(dx: usize, dprev_h: usize, dWx: usize, dWh: usize, db: usize, da: usize, dnext_h: usize, dtanh: usize, x: usize, prev_h: usize, Wx: usize, Wh: usize, N: i32, D: i32, H: i32, scratch: usize): void { rnn_step_backward<f32>(dx, dprev_h, dWx, dWh, db, da, dnext_h, dtanh, x, prev_h, Wx, Wh, N, D, H, scratch); }
export function f64_rnn_step_backward(dx: usize, dprev_h: usize, dWx: usize, dWh: usize, db: usize, da: usize, dnext_h: usize, dtanh: usize, x: usize, prev_h: usize, Wx: usize, Wh: usize, N: i32, D: i32, H: i32, scratch: usize): void { rnn_step_backward<f64>(dx, dprev_h, dWx, dWh, db, da, dnext_h, dtanh, x, prev_h, Wx, Wh, N, D, H, scratch); }
export function f32_rnn_forward(h: usize, dtanh: usize, x: usize, h0: usize, Wx: usize, Wh: usize, b: usize, N: i32, T: i32, D: i32, H: i32, scratch: usize): void { rnn_forward<f32>(h, dtanh, x, h0, Wx, Wh, b, N, T, D, H, scratch); }
export function f64_rnn_forward(h: usize, dtanh: usize, x: usize, h0: usize, Wx: usize, Wh: usize, b: usize, N: i32, T: i32, D: i32, H: i32, scratch: usize): void { rnn_forward<f64>(h, dtanh, x, h0, Wx, Wh, b, N, T, D, H, scratch); }
export function f32_rnn_backward(dx: usize, dh0: usize, dWx: usize, dWh: usize, db: usize, da: usize, dh: usize, dtanh: usize, x: usize, h0: usize, h: usize, Wx: usize, Wh: usize, N: i32, T: i32, D: i32, H: i32, scratch: usize): void { rnn_backward<f32>(dx, dh0, dWx, dWh, db, da, dh, dtanh, x, h0, h, Wx, Wh, N, T, D, H, scratch); }
export function f64_rnn_backward(dx: usize, dh0: usize, dWx: usize, dWh: usize, db: usize, da: usize, dh: usize, dtanh: usize, x: usize, h0: usize, h: usize, Wx: usize, Wh: usize, N: i32, T: i32, D: i32, H: i32, scratch: usize): void { rnn_backward<f64>(dx, dh0, dWx, dWh, db, da, dh, dtanh, x, h0, h, Wx, Wh, N, T, D, H, scratch); }
export function f32_tanh_forward(h: usize, dtanh: usize, a: usize, N: i32, H: i32): void { tanh_rows<f32>(h, dtanh, a, N, H, H); }
export function f64_tanh_forward(h: usize, dtanh: usize, a: usize, N: i32, H: i32): void { tanh_rows<f64>(h, dtanh, a, N, H, H); }
export function f32_rnn_da(da: usize, dh: usize, run: usize, has_run: i32, dtanh: usize, N: i32, H: i32): void { rnn_da<f32>(da, dh, run, has_run != 0, dtanh, N, H, H, H); }
export function f64_rnn_da(da: usize, dh: usize, run: usize, has_run: i32, dtanh: usize, N: i32, H: i32): void { rnn_da<f64>(da, dh, run, has_run != 0, dtanh, N, H, H, H); }
