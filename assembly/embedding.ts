// Word embedding (CS231n word_embedding_forward / word_embedding_backward).
// NT = number of tokens (N·T), V = vocab, D = wordvec. x holds i32 word ids, validated by the
// caller to lie in [0, V).

import { lanes } from "./math";

// out (NT,D) written = W[x[k]]; x (NT) i32, W (V,D) read.
export function word_embedding_forward<T>(out: usize, x: usize, W: usize, NT: i32, V: i32, D: i32): void {
  const S = alignof<T>();
  const row = <usize>D << S;
  for (let k = 0; k < NT; k++) {
    const id = load<i32>(x + (<usize>k << 2));
    memory.copy(out + <usize>k * row, W + <usize>id * row, row);
  }
}

// p (D) += q (D), element-wise (the SIMD twin adds lanes, then the tail: bitwise equal).
// @ts-ignore: decorator
@inline function add_row__scalar<T>(p: usize, q: usize, D: i32): void {
  const S = alignof<T>();
  for (let j = 0; j < D; j++) {
    const o = <usize>j << S;
    store<T>(p + o, load<T>(p + o) + load<T>(q + o));
  }
}
// @ts-ignore: decorator
@inline function add_row__wasmsimd<T>(p: usize, q: usize, D: i32): void {
  const L = lanes<T>();
  const S = alignof<T>();
  let j = 0;
  for (; j + L <= D; j += L) {
    const o = <usize>j << S;
    v128.store(p + o, v128.add<T>(v128.load(p + o), v128.load(q + o)));
  }
  for (; j < D; j++) {
    const o = <usize>j << S;
    store<T>(p + o, load<T>(p + o) + load<T>(q + o));
  }
}

// dW (V,D) accumulated: dW[x[k]] += dout[k] for k = 0..NT-1 in order (repeated ids accumulate);
// dout (NT,D), x (NT) i32 read; ld is the row stride of dW and dout (≥ D), so a column range
// [d0, d0+D) of wider arrays is one call (thread partitions). Each element's sum runs over k in
// order whatever the column range, and SIMD == scalar bitwise (element-wise adds).
export function word_embedding_backward__scalar<T>(dW: usize, dout: usize, x: usize, NT: i32, V: i32, D: i32, ld: i32): void {
  const S = alignof<T>();
  const row = <usize>ld << S;
  for (let k = 0; k < NT; k++) {
    const id = load<i32>(x + (<usize>k << 2));
    add_row__scalar<T>(dW + <usize>id * row, dout + <usize>k * row, D);
  }
}
export function word_embedding_backward__wasmsimd<T>(dW: usize, dout: usize, x: usize, NT: i32, V: i32, D: i32, ld: i32): void {
  const S = alignof<T>();
  const row = <usize>ld << S;
  for (let k = 0; k < NT; k++) {
    const id = load<i32>(x + (<usize>k << 2));
    add_row__wasmsimd<T>(dW + <usize>id * row, dout + <usize>k * row, D);
  }
}

export function f32_word_embedding_forward(out: usize, x: usize, W: usize, NT: i32, V: i32, D: i32): void {
  word_embedding_forward<f32>(out, x, W, NT, V, D);
}
export function f64_word_embedding_forward(out: usize, x: usize, W: usize, NT: i32, V: i32, D: i32): void {
  word_embedding_forward<f64>(out, x, W, NT, V, D);
}
export function f32_word_embedding_backward(dW: usize, dout: usize, x: usize, NT: i32, V: i32, D: i32): void {
  if (ASC_FEATURE_SIMD) word_embedding_backward__wasmsimd<f32>(dW, dout, x, NT, V, D, D);
  else word_embedding_backward__scalar<f32>(dW, dout, x, NT, V, D, D);
}
export function f64_word_embedding_backward(dW: usize, dout: usize, x: usize, NT: i32, V: i32, D: i32): void {
  if (ASC_FEATURE_SIMD) word_embedding_backward__wasmsimd<f64>(dW, dout, x, NT, V, D, D);
  else word_embedding_backward__scalar<f64>(dW, dout, x, NT, V, D, D);
}
export function f32_word_embedding_backward_cols(dW: usize, dout: usize, x: usize, NT: i32, V: i32, D: i32, ld: i32): void {
  if (ASC_FEATURE_SIMD) word_embedding_backward__wasmsimd<f32>(dW, dout, x, NT, V, D, ld); else word_embedding_backward__scalar<f32>(dW, dout, x, NT, V, D, ld);
}
export function f64_word_embedding_backward_cols(dW: usize, dout: usize, x: usize, NT: i32, V: i32, D: i32, ld: i32): void {
  if (ASC_FEATURE_SIMD) word_embedding_backward__wasmsimd<f64>(dW, dout, x, NT, V, D, ld); else word_embedding_backward__scalar<f64>(dW, dout, x, NT, V, D, ld);
}

// out (NT,D) accumulated: out[k] += W[x[k]] for k = 0..NT-1, rows contiguous; x (NT) i32,
// W (V,D) read. Element-wise adds: SIMD == scalar bitwise. Greedy decoding adds a row of the
// folded table W_embed·Wx (one row per word) instead of running x·Wx.
export function word_embedding_add__scalar<T>(out: usize, x: usize, W: usize, NT: i32, V: i32, D: i32): void {
  const S = alignof<T>();
  const row = <usize>D << S;
  for (let k = 0; k < NT; k++) {
    const id = load<i32>(x + (<usize>k << 2));
    add_row__scalar<T>(out + <usize>k * row, W + <usize>id * row, D);
  }
}
export function word_embedding_add__wasmsimd<T>(out: usize, x: usize, W: usize, NT: i32, V: i32, D: i32): void {
  const S = alignof<T>();
  const row = <usize>D << S;
  for (let k = 0; k < NT; k++) {
    const id = load<i32>(x + (<usize>k << 2));
    add_row__wasmsimd<T>(out + <usize>k * row, W + <usize>id * row, D);
  }
}
export function f32_word_embedding_add(out: usize, x: usize, W: usize, NT: i32, V: i32, D: i32): void {
  if (ASC_FEATURE_SIMD) word_embedding_add__wasmsimd<f32>(out, x, W, NT, V, D); else word_embedding_add__scalar<f32>(out, x, W, NT, V, D);
}
export function f64_word_embedding_add(out: usize, x: usize, W: usize, NT: i32, V: i32, D: i32): void {
  if (ASC_FEATURE_SIMD) word_embedding_add__wasmsimd<f64>(out, x, W, NT, V, D); else word_embedding_add__scalar<f64>(out, x, W, NT, V, D);
}
