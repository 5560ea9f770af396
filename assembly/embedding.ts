// Word embedding (CS231n word_embedding_forward / word_embedding_backward): a row gather and a
// row scatter-add over the table (rows.ts). NT = number of tokens (N·T), V = vocab,
// D = wordvec. x holds i32 word ids, validated by the caller to lie in [0, V).

import { gather_rows, scatter_add_rows } from "./rows";

// out (NT,D) written = W[x[k]]; x (NT) i32, W (V,D) read.
// @ts-ignore: decorator
@inline export function word_embedding_forward<F>(out: usize, x: usize, W: usize, NT: i32, V: i32, D: i32): void {
  gather_rows<F>(out, x, W, NT, V, D);
}

// dW (V,D) accumulated: dW[x[k]] += dout[k] for k = 0..NT-1 in order (repeated ids accumulate);
// dout (NT,D), x (NT) i32 read. ld is the row stride of dW and dout (≥ D; D for whole rows), so
// a column range [d0, d0+D) of wider arrays is one call (the training step's column partitions).
// @ts-ignore: decorator
@inline export function word_embedding_backward<F>(dW: usize, dout: usize, x: usize, NT: i32, V: i32, D: i32, ld: i32): void {
  scatter_add_rows<F>(dW, dout, x, NT, V, D, ld);
}

// ---------------------------------------------------------------------------------------------
// Exports, one line each (README.md has the contracts).
export function f32_word_embedding_forward(out: usize, x: usize, W: usize, NT: i32, V: i32, D: i32): void { word_embedding_forward<f32>(out, x, W, NT, V, D); }
export function f64_word_embedding_forward(out: usize, x: usize, W: usize, NT: i32, V: i32, D: i32): void { word_embedding_forward<f64>(out, x, W, NT, V, D); }
export function f32_word_embedding_backward(dW: usize, dout: usize, x: usize, NT: i32, V: i32, D: i32, ld: i32): void { word_embedding_backward<f32>(dW, dout, x, NT, V, D, ld); }
export function f64_word_embedding_backward(dW: usize, dout: usize, x: usize, NT: i32, V: i32, D: i32, ld: i32): void { word_embedding_backward<f64>(dW, dout, x, NT, V, D, ld); }
