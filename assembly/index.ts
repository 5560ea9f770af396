// recap kernels: the module's exports (see README.md for the ABI contract).
// Every kernel is exported as f32_<name> and f64_<name>, a one-line instance of its generic
// body; the leaf loops pick their SIMD or scalar twin at compile time (ASC_FEATURE_SIMD), so the
// scalar build contains no v128 instruction. scripts/kernel-types.mjs reads this file (and the
// files it re-exports from) to generate the TypeScript surface src/core/kernels.generated.ts.

export {
  scratch_bytes, f32_gemm_nn, f64_gemm_nn, f32_gemm_tn, f64_gemm_tn, f32_gemm_nt, f64_gemm_nt,
  f32_packed_b_bytes, f64_packed_b_bytes, f32_pack_b, f64_pack_b, f32_pack_bt, f64_pack_bt,
  f32_gemm_nn_packed, f64_gemm_nn_packed, f32_gemm_nt_packed, f64_gemm_nt_packed,
} from "./gemm";
export {
  f32_affine_forward, f64_affine_forward, f32_affine_backward, f64_affine_backward,
  f32_bias_rows, f64_bias_rows, f32_colsum, f64_colsum,
} from "./affine";
export {
  f32_rnn_step_forward, f64_rnn_step_forward, f32_rnn_step_backward, f64_rnn_step_backward,
  f32_rnn_forward, f64_rnn_forward, f32_rnn_backward, f64_rnn_backward,
  f32_tanh_forward, f64_tanh_forward, f32_rnn_da, f64_rnn_da,
} from "./rnn";
export {
  f32_lstm_step_forward, f64_lstm_step_forward, f32_lstm_step_backward, f64_lstm_step_backward,
  f32_lstm_forward, f64_lstm_forward, f32_lstm_backward, f64_lstm_backward,
  f32_lstm_cell_forward, f64_lstm_cell_forward, f32_lstm_cell_backward, f64_lstm_cell_backward,
} from "./lstm";
export {
  f32_word_embedding_forward, f64_word_embedding_forward, f32_word_embedding_backward, f64_word_embedding_backward,
} from "./embedding";
export {
  f32_zero_rows, f64_zero_rows, f32_copy_rows, f64_copy_rows, f32_gather_rows, f64_gather_rows,
  f32_gather_add_rows, f64_gather_add_rows, f32_scatter_add_rows, f64_scatter_add_rows,
} from "./rows";
export {
  f32_temporal_softmax_loss, f64_temporal_softmax_loss, f32_softmax_loss_rows, f64_softmax_loss_rows,
  f32_argmax_rows, f64_argmax_rows, f32_log_softmax_rows, f64_log_softmax_rows,
  f32_draw_rows, f64_draw_rows,
} from "./softmax";
export { f32_weighted_softmax_loss_rows, f64_weighted_softmax_loss_rows } from "./weighted-softmax";
export {
  f32_block_ngrams, f64_block_ngrams, f32_beam_select, f64_beam_select,
} from "./beam";
export {
  f32_sgd, f64_sgd, f32_sgd_momentum, f64_sgd_momentum, f32_rmsprop, f64_rmsprop,
  f32_adam, f64_adam, f32_adam_a2, f64_adam_a2, f32_clip_scale, f64_clip_scale,
  f32_sum_squares, f64_sum_squares, f32_all_finite, f64_all_finite,
} from "./optim";

export { f32_conv2d_nhwc, f64_conv2d_nhwc } from "./conv2d";
export { f32_dwconv2d_nhwc, f64_dwconv2d_nhwc } from "./dwconv";
export {
  f32_max_pool2d_nhwc, f64_max_pool2d_nhwc, f32_adaptive_avg_pool2d_nhwc, f64_adaptive_avg_pool2d_nhwc,
} from "./pool2d";
export {
  resample_ksize, resample_bilinear_u8,
  f32_crop_normalize, f64_crop_normalize,
} from "./resample";
// Convolutional layers (CS231n layers.py): convolution over im2col + GEMM, max pooling, ReLU,
// spatial batch normalization.
export {
  f32_conv_forward, f64_conv_forward, f32_conv_backward, f64_conv_backward,
} from "./conv";
export {
  f32_max_pool_forward, f64_max_pool_forward, f32_max_pool_backward, f64_max_pool_backward,
  f32_relu_forward, f64_relu_forward, f32_relu_backward, f64_relu_backward,
  f32_sigmoid_forward, f64_sigmoid_forward, f32_sigmoid_backward, f64_sigmoid_backward,
} from "./pool";
export {
  f32_spatial_batchnorm_forward, f64_spatial_batchnorm_forward, f32_spatial_batchnorm_backward, f64_spatial_batchnorm_backward,
} from "./batchnorm";

export { f64_sym_tridiagonalize, f64_tridiag_eigenvalues, f64_tridiag_eigenvectors, f64_householder_apply } from "./pca";

/** First free byte after the module's static data; the TypeScript layer lays out memory from here. */
export function heap_base(): usize { return __heap_base; }

// f64 libm for TypeScript code whose arithmetic must be bit-identical across engines (JS
// Math.exp/log may differ in the last bit between engines; sqrt is exact everywhere).
export function math_exp(x: f64): f64 { return Math.exp(x); }
export function math_log(x: f64): f64 { return Math.log(x); }
// x^y for the COCO caption metrics (BLEU's n-th roots, CIDEr-D's e^x taken as np.e ** x).
export function math_pow(x: f64, y: f64): f64 { return Math.pow(x, y); }
