// Convolution (CS231n conv_forward_naive / conv_backward_naive) as GEMMs over an im2col buffer,
// one image at a time. Shapes: x (N,C,H,W), w (Fo,C,HH,WW), b (Fo), out (N,Fo,Ho,Wo) with
// Ho = (H + 2·pad − HH) / stride + 1 and Wo likewise (the caller checks the divisions are exact,
// as CS231n's assert). K = C·HH·WW, P = Ho·Wo.
//
//   cols (K,P):  cols[(c,i,j), (ho,wo)] = x[c, ho·stride + i − pad, wo·stride + j − pad] (0 outside)
//   forward:     out[n] (Fo,P) = b + w (Fo,K) · cols        (gemm_tn on wt = wᵀ (K,Fo), transposed once
//                                                            per call: the packed-A path, the same bits
//                                                            as gemm_nn, faster when K is long)
//   backward:    dw (Fo,K) += dout[n] · colsᵀ                (gemm_nt, images in order)
//                dcols (K,P) = wᵀ · dout[n]                  (gemm_tn), dx[n] = col2im(dcols)
//                db (Fo) += Σ_n Σ_p dout[n,f,p]              (reduce_runs, f64)
// A 1x1 kernel with stride 1 and no padding skips the copy: x[n] (C,HW) is cols itself, and
// dx[n] is written by the GEMM directly. Images are independent in the forward pass (a plan can split
// them); the backward pass accumulates dw and db over the images in order.

import { gemm_nt, gemm_tn } from "./gemm";
import { add_row } from "./rows";
import { reduce_runs } from "./batchnorm";

/** The output columns wo in [lo, hi) whose input column wo·stride + j − pad lies in [0, W). */
// @ts-ignore: decorator
@inline function span_lo(j: i32, stride: i32, pad: i32): i32 { return pad > j ? (pad - j + stride - 1) / stride : 0; }
// @ts-ignore: decorator
@inline function span_hi(j: i32, stride: i32, pad: i32, W: i32, Wo: i32): i32 {
  const t = W - 1 + pad - j;
  return t < 0 ? 0 : min<i32>(Wo, t / stride + 1);
}

// cols (C·HH·WW, Ho·Wo) written from one image x (C,H,W) read. Only moves data.
export function im2col<F>(cols: usize, x: usize, C: i32, H: i32, W: i32, HH: i32, WW: i32, stride: i32, pad: i32): void {
  const S = alignof<F>();
  const Ho = (H + 2 * pad - HH) / stride + 1, Wo = (W + 2 * pad - WW) / stride + 1;
  let dst = cols;
  for (let c = 0; c < C; c++) {
    for (let i = 0; i < HH; i++) {
      for (let j = 0; j < WW; j++) {
        const hi = span_hi(j, stride, pad, W, Wo), lo = min<i32>(span_lo(j, stride, pad), hi);
        for (let ho = 0; ho < Ho; ho++) {
          const h = ho * stride + i - pad;
          if (h < 0 || h >= H) {
            memory.fill(dst, 0, <usize>Wo << S);
          } else {
            const row = x + (<usize>((c * H + h) * W) << S), w0 = lo * stride + j - pad; // input column of wo = lo
            memory.fill(dst, 0, <usize>lo << S);
            if (stride == 1) memory.copy(dst + (<usize>lo << S), row + (<usize>w0 << S), <usize>(hi - lo) << S);
            else for (let wo = lo; wo < hi; wo++) store<F>(dst + (<usize>wo << S), load<F>(row + (<usize>(w0 + (wo - lo) * stride) << S)));
            memory.fill(dst + (<usize>hi << S), 0, <usize>(Wo - hi) << S);
          }
          dst += <usize>Wo << S;
        }
      }
    }
  }
}

// dst (C,R) written = src (R,C)ᵀ, read. Only moves data (the weights, once a forward call).
export function transpose<F>(dst: usize, src: usize, R: i32, C: i32): void {
  const S = alignof<F>();
  for (let r0 = 0; r0 < R; r0 += 8) { // 8-row strips: each source row is read in order, dst written 8 apart
    const r1 = min<i32>(R, r0 + 8);
    for (let c = 0; c < C; c++) {
      for (let r = r0; r < r1; r++) store<F>(dst + (<usize>(c * R + r) << S), load<F>(src + (<usize>(r * C + c) << S)));
    }
  }
}

// dx (C,H,W) accumulated += the columns of dcols (C·HH·WW, Ho·Wo) read, each added to the input
// element it was copied from (rows (c,i,j) in order, then ho, wo): the adjoint of im2col.
export function col2im<F>(dx: usize, dcols: usize, C: i32, H: i32, W: i32, HH: i32, WW: i32, stride: i32, pad: i32): void {
  const S = alignof<F>();
  const Ho = (H + 2 * pad - HH) / stride + 1, Wo = (W + 2 * pad - WW) / stride + 1;
  let src = dcols;
  for (let c = 0; c < C; c++) {
    for (let i = 0; i < HH; i++) {
      for (let j = 0; j < WW; j++) {
        const hi = span_hi(j, stride, pad, W, Wo), lo = min<i32>(span_lo(j, stride, pad), hi);
        for (let ho = 0; ho < Ho; ho++) {
          const h = ho * stride + i - pad;
          if (h >= 0 && h < H) {
            const row = dx + (<usize>((c * H + h) * W) << S), w0 = lo * stride + j - pad;
            if (stride == 1) add_row<F>(row + (<usize>w0 << S), src + (<usize>lo << S), hi - lo);
            else {
              for (let wo = lo; wo < hi; wo++) {
                const q = row + (<usize>(w0 + (wo - lo) * stride) << S);
                store<F>(q, load<F>(q) + load<F>(src + (<usize>wo << S)));
              }
            }
          }
          src += <usize>Wo << S;
        }
      }
    }
  }
}

// @ts-ignore: decorator
@inline function direct(HH: i32, WW: i32, stride: i32, pad: i32): bool { return HH == 1 && WW == 1 && stride == 1 && pad == 0; }

// out (N,Fo,Ho,Wo) written = b + w·im2col(x[n]); cols (K,P) and wt (K,Fo) scratch written (cols
// unused by 1x1 stride-1 unpadded kernels); x, w, b read; scratch: the GEMM packing region (or 0).
export function conv_forward<F>(out: usize, cols: usize, wt: usize, x: usize, w: usize, b: usize, N: i32, C: i32, H: i32, W: i32,
                                Fo: i32, HH: i32, WW: i32, stride: i32, pad: i32, scratch: usize = 0): void {
  const S = alignof<F>();
  const Ho = (H + 2 * pad - HH) / stride + 1, Wo = (W + 2 * pad - WW) / stride + 1;
  const P = Ho * Wo, K = C * HH * WW;
  const dir = direct(HH, WW, stride, pad);
  transpose<F>(wt, w, Fo, K);
  for (let n = 0; n < N; n++) {
    const xn = x + (<usize>n * <usize>(C * H * W) << S);
    const on = out + (<usize>n * <usize>(Fo * P) << S);
    if (!dir) im2col<F>(cols, xn, C, H, W, HH, WW, stride, pad);
    for (let f = 0; f < Fo; f++) {
      const bf = load<F>(b + (<usize>f << S));
      const row = on + (<usize>f * <usize>P << S);
      for (let p = 0; p < P; p++) store<F>(row + (<usize>p << S), bf);
    }
    gemm_tn<F>(on, wt, dir ? xn : cols, Fo, P, K, Fo, P, P, 1, scratch);
  }
}

// dx (N,C,H,W) written; dw (Fo,C,HH,WW) and db (Fo) accumulated; cols, dcols (K,P) scratch
// written (unused by 1x1 stride-1 unpadded kernels); dout (N,Fo,Ho,Wo), x, w read.
export function conv_backward<F>(dx: usize, dw: usize, db: usize, cols: usize, dcols: usize, dout: usize, x: usize, w: usize,
                                 N: i32, C: i32, H: i32, W: i32, Fo: i32, HH: i32, WW: i32, stride: i32, pad: i32,
                                 scratch: usize = 0): void {
  const S = alignof<F>();
  const Ho = (H + 2 * pad - HH) / stride + 1, Wo = (W + 2 * pad - WW) / stride + 1;
  const P = Ho * Wo, K = C * HH * WW;
  const dir = direct(HH, WW, stride, pad);
  for (let f = 0; f < Fo; f++) {
    const q = db + (<usize>f << S);
    store<F>(q, load<F>(q) + <F>reduce_runs<F>(0, dout + (<usize>f * <usize>P << S), 0, N, P, Fo * P, 0, 0, 0));
  }
  for (let n = 0; n < N; n++) {
    const xn = x + (<usize>n * <usize>(C * H * W) << S);
    const dxn = dx + (<usize>n * <usize>(C * H * W) << S);
    const dn = dout + (<usize>n * <usize>(Fo * P) << S);
    if (!dir) im2col<F>(cols, xn, C, H, W, HH, WW, stride, pad);
    gemm_nt<F>(dw, dn, dir ? xn : cols, Fo, K, P, P, P, K, 1);
    if (dir) {
      gemm_tn<F>(dxn, w, dn, K, P, Fo, K, P, P, 0, scratch);
    } else {
      gemm_tn<F>(dcols, w, dn, K, P, Fo, K, P, P, 0, scratch);
      memory.fill(dxn, 0, <usize>(C * H * W) << S);
      col2im<F>(dxn, dcols, C, H, W, HH, WW, stride, pad);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Exports, one line each (README.md has the contracts).
export function f32_conv_forward(out: usize, cols: usize, wt: usize, x: usize, w: usize, b: usize, N: i32, C: i32, H: i32, W: i32, Fo: i32, HH: i32, WW: i32, stride: i32, pad: i32, scratch: usize): void { conv_forward<f32>(out, cols, wt, x, w, b, N, C, H, W, Fo, HH, WW, stride, pad, scratch); }
export function f64_conv_forward(out: usize, cols: usize, wt: usize, x: usize, w: usize, b: usize, N: i32, C: i32, H: i32, W: i32, Fo: i32, HH: i32, WW: i32, stride: i32, pad: i32, scratch: usize): void { conv_forward<f64>(out, cols, wt, x, w, b, N, C, H, W, Fo, HH, WW, stride, pad, scratch); }
export function f32_conv_backward(dx: usize, dw: usize, db: usize, cols: usize, dcols: usize, dout: usize, x: usize, w: usize, N: i32, C: i32, H: i32, W: i32, Fo: i32, HH: i32, WW: i32, stride: i32, pad: i32, scratch: usize): void { conv_backward<f32>(dx, dw, db, cols, dcols, dout, x, w, N, C, H, W, Fo, HH, WW, stride, pad, scratch); }
export function f64_conv_backward(dx: usize, dw: usize, db: usize, cols: usize, dcols: usize, dout: usize, x: usize, w: usize, N: i32, C: i32, H: i32, W: i32, Fo: i32, HH: i32, WW: i32, stride: i32, pad: i32, scratch: usize): void { conv_backward<f64>(dx, dw, db, cols, dcols, dout, x, w, N, C, H, W, Fo, HH, WW, stride, pad, scratch); }
