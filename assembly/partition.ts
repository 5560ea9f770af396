// Kernels for the training step as src/model.ts plans it (planStep): per-row work on the
// length-sorted, time-packed rows (forward, loss, and the recurrent backward down to da and
// dh0, which any row range computes exactly as the whole batch would), then weight gradients
// split by output COLUMN ranges, so each element's sum runs over the rows in one fixed order
// whatever the number of threads. The per-step cells (lstm_cell_forward / lstm_cell_backward,
// tanh_forward / rnn_da) and the packed GEMMs live with their op families; these are the
// reductions and data movement that only the step needs.

import { colsum_acc__scalar, colsum_acc__wasmsimd } from "./affine";

// db (C) accumulated += Σ over R rows of x (R,C) with row stride ldx (a column range of a wider array).
export function f32_colsum(db: usize, x: usize, R: i32, C: i32, ldx: i32): void {
  if (ASC_FEATURE_SIMD) colsum_acc__wasmsimd<f32>(db, x, R, C, ldx); else colsum_acc__scalar<f32>(db, x, R, C, ldx);
}
export function f64_colsum(db: usize, x: usize, R: i32, C: i32, ldx: i32): void {
  if (ASC_FEATURE_SIMD) colsum_acc__wasmsimd<f64>(db, x, R, C, ldx); else colsum_acc__scalar<f64>(db, x, R, C, ldx);
}

// dst (R,C) written = src (R,C), rows contiguous, distinct regions: the hidden states a step
// consumed (h0, or h at t−1) gathered into hprev, so dWh = hprevᵀ·da is ONE Aᵀ·B GEMM over all
// running rows. Data movement only.
export function f32_copy_rows(dst: usize, src: usize, R: i32, C: i32): void {
  memory.copy(dst, src, <usize>R * <usize>C << 2);
}
export function f64_copy_rows(dst: usize, src: usize, R: i32, C: i32): void {
  memory.copy(dst, src, <usize>R * <usize>C << 3);
}
