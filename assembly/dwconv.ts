// Depthwise convolution over NHWC (MobileNetV2's 3x3, stride 1 or 2), F = f32 | f64.
// Shape legend as conv2d.ts: inp (N,H,W,C), out (N,OH,OW,C), w (KH·KW, C) (tap-major: the
// torch weight (C,1,KH,KW) transposed at load), bias (C).
//
// out[p, c] = act(s + bias[c]), s = Σ_t inp[tap t of p, c]·w[t, c] summed from zero over the
// taps t = ky·KW + kx in order; a tap in the padding reads the `zero` row (at least C zeros), so
// every element sums all KH·KW products whichever pixels it is computed beside. Output pixels
// [p0,p1) are written (and used for the running sums). The SIMD body vectorises over channels
// (a vector, then a scalar tail) with a separate mul and add per tap: bit-identical to the
// scalar twin.
import { lanes } from "./math";
import { act_scalar, act_vec, tap } from "./conv2d";

export function dwconv2d__scalar<F>(out: usize, inp: usize, w: usize, bias: usize, zero: usize,
                                    H: i32, W: i32, C: i32, OH: i32, OW: i32, KH: i32, KW: i32,
                                    stride: i32, pad: i32, p0: i32, p1: i32, act: i32): void {
  const S = alignof<F>();
  const pix = <usize>C << S, row = <usize>W * pix, img = <usize>H * row;
  const OHW = OH * OW;
  for (let p = p0; p < p1; p++) {
    const n = p / OHW, r = p - n * OHW, oy = r / OW, ox = r - oy * OW;
    const iy0 = oy * stride - pad, ix0 = ox * stride - pad;
    const q = out + <usize>p * pix;
    for (let c = 0; c < C; c++) {
      const cb = <usize>c << S;
      let s = <F>0;
      for (let ky = 0; ky < KH; ky++) {
        for (let kx = 0; kx < KW; kx++) {
          const a = tap<F>(inp, zero, n, iy0 + ky, ix0 + kx, H, W, img, row, pix);
          s += load<F>(a + cb) * load<F>(w + <usize>(ky * KW + kx) * pix + cb);
        }
      }
      store<F>(q + cb, act_scalar<F>(s + load<F>(bias + cb), act));
    }
  }
}

// Taps outer, channels inner: the output row holds the running sums (0 + the first product,
// then += each tap's product in tap order, then + bias and the activation), so each tap's input
// pointer is computed once per pixel, and every element takes the scalar twin's steps.
export function dwconv2d__wasmsimd<F>(out: usize, inp: usize, w: usize, bias: usize, zero: usize,
                                      H: i32, W: i32, C: i32, OH: i32, OW: i32, KH: i32, KW: i32,
                                      stride: i32, pad: i32, p0: i32, p1: i32, act: i32): void {
  const L = lanes<F>();
  const S = alignof<F>();
  const pix = <usize>C << S, row = <usize>W * pix, img = <usize>H * row;
  const OHW = OH * OW;
  const C1 = C - C % L;
  const cend = <usize>C1 << S;
  for (let p = p0; p < p1; p++) {
    const n = p / OHW, r = p - n * OHW, oy = r / OW, ox = r - oy * OW;
    const iy0 = oy * stride - pad, ix0 = ox * stride - pad;
    const q = out + <usize>p * pix;
    let pw = w;
    for (let t = 0; t < KH * KW; t++) {
      const ky = t / KW, kx = t - ky * KW;
      const a = tap<F>(inp, zero, n, iy0 + ky, ix0 + kx, H, W, img, row, pix);
      let cb: usize = 0;
      if (t == 0) {
        for (; cb < cend; cb += 16) v128.store(q + cb, v128.add<F>(v128.splat<F>(0), v128.mul<F>(v128.load(a + cb), v128.load(pw + cb))));
        for (; cb < pix; cb += sizeof<F>()) store<F>(q + cb, <F>0 + load<F>(a + cb) * load<F>(pw + cb));
      } else {
        for (; cb < cend; cb += 16) v128.store(q + cb, v128.add<F>(v128.load(q + cb), v128.mul<F>(v128.load(a + cb), v128.load(pw + cb))));
        for (; cb < pix; cb += sizeof<F>()) store<F>(q + cb, load<F>(q + cb) + load<F>(a + cb) * load<F>(pw + cb));
      }
      pw += pix;
    }
    let cb: usize = 0;
    for (; cb < cend; cb += 16) v128.store(q + cb, act_vec<F>(v128.add<F>(v128.load(q + cb), v128.load(bias + cb)), act));
    for (; cb < pix; cb += sizeof<F>()) store<F>(q + cb, act_scalar<F>(load<F>(q + cb) + load<F>(bias + cb), act));
  }
}

// @ts-ignore: decorator
@inline export function dwconv2d<F>(out: usize, inp: usize, w: usize, bias: usize, zero: usize,
                                    H: i32, W: i32, C: i32, OH: i32, OW: i32, KH: i32, KW: i32,
                                    stride: i32, pad: i32, p0: i32, p1: i32, act: i32): void {
  if (ASC_FEATURE_SIMD) dwconv2d__wasmsimd<F>(out, inp, w, bias, zero, H, W, C, OH, OW, KH, KW, stride, pad, p0, p1, act);
  else dwconv2d__scalar<F>(out, inp, w, bias, zero, H, W, C, OH, OW, KH, KW, stride, pad, p0, p1, act);
}

// Exports, one line each (README.md has the contracts).
export function f32_dwconv2d_nhwc(out: usize, inp: usize, w: usize, bias: usize, zero: usize, H: i32, W: i32, C: i32, OH: i32, OW: i32, KH: i32, KW: i32, stride: i32, pad: i32, p0: i32, p1: i32, act: i32): void { dwconv2d<f32>(out, inp, w, bias, zero, H, W, C, OH, OW, KH, KW, stride, pad, p0, p1, act); }
export function f64_dwconv2d_nhwc(out: usize, inp: usize, w: usize, bias: usize, zero: usize, H: i32, W: i32, C: i32, OH: i32, OW: i32, KH: i32, KW: i32, stride: i32, pad: i32, p0: i32, p1: i32, act: i32): void { dwconv2d<f64>(out, inp, w, bias, zero, H, W, C, OH, OW, KH, KW, stride, pad, p0, p1, act); }
