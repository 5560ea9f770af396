// Depthwise convolution over NHWC (MobileNetV2's 3x3, stride 1 or 2), F = f32 | f64.
// Shape legend as conv2d.ts: inp (N,H,W,C), out (N,OH,OW,C), bias (C), and the weights packed
// at load (src/vision/weights.ts, from torch's (C,1,KH,KW) with the batch norm folded in) in
// channel blocks of one vector (L = 4 f32 / 2 f64 channels): wp[(b·KK + t)·L + l] = w[t, b·L + l]
// for tap t = ky·KW + kx (KK = KH·KW taps), lanes past C zero: ⌈C/L⌉·KK·L floats, so one
// channel vector's KK weights are one contiguous block (144 bytes for 3x3).
//
// out[p, c] = act(s + bias[c]), s = Σ_t inp[tap t of p, c]·w[t, c] summed from zero over the
// taps t = ky·KW + kx in order; a tap in the padding reads the `zero` row (at least C zeros), so
// every element sums all KH·KW products whichever pixels it is computed beside. Output pixels
// [p0,p1) are written. Every SIMD path vectorises over channels (vectors, then a scalar tail)
// with a separate mul and add per tap in tap order: bit-identical to the scalar twin.
import { lanes } from "./math";
import { act_hi, act_lo, act_scalar, clamp_vec, tap } from "./conv2d";

/** Channels [c0, C) of output pixel p (its first tap at input (iy0, ix0) of image n): the scalar schedule. */
// @ts-ignore: decorator
@inline function dw_pixel_scalar<F>(q: usize, inp: usize, wp: usize, bias: usize, zero: usize, n: i32, iy0: i32, ix0: i32,
                                    c0: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32,
                                    img: usize, row: usize, pix: usize, act: i32): void {
  const S = alignof<F>(), L = lanes<F>();
  for (let c = c0; c < C; c++) {
    const cb = <usize>c << S;
    const wb = wp + <usize>(c / L) * <usize>(KH * KW) * 16 + (<usize>(c % L) << S); // weight (0, c)
    let s = <F>0;
    for (let ky = 0; ky < KH; ky++) {
      for (let kx = 0; kx < KW; kx++) {
        const a = tap<F>(inp, zero, n, iy0 + ky, ix0 + kx, H, W, img, row, pix);
        s += load<F>(a + cb) * load<F>(wb + <usize>(ky * KW + kx) * 16);
      }
    }
    store<F>(q + cb, act_scalar<F>(s + load<F>(bias + cb), act));
  }
}

export function dwconv2d__scalar<F>(out: usize, inp: usize, wp: usize, bias: usize, zero: usize,
                                    H: i32, W: i32, C: i32, OH: i32, OW: i32, KH: i32, KW: i32,
                                    stride: i32, pad: i32, p0: i32, p1: i32, act: i32): void {
  const pix = <usize>C << alignof<F>(), row = <usize>W * pix, img = <usize>H * row;
  const OHW = OH * OW;
  for (let p = p0; p < p1; p++) {
    const n = p / OHW, r = p - n * OHW, oy = r / OW, ox = r - oy * OW;
    dw_pixel_scalar<F>(out + <usize>p * pix, inp, wp, bias, zero, n, oy * stride - pad, ox * stride - pad, 0, H, W, C, KH, KW, img, row, pix, act);
  }
}

// ---- SIMD body, 3x3 (MobileNetV2): pixels outer, channel vectors inner, so the input and output
// stream through memory in order (sweeping a row of pixels per channel vector instead, 16 bytes
// of each pixel, touched a new cache line per load and thrashed L1 at power-of-two strides). Per channel vector the 9 weights are one 144-byte block (the packed layout), loaded
// once for a group of output pixels: 4 at stride 1 (the 6 input columns of each of the 3 rows
// loaded once: 18 loads for 36 products), else 1, while all their taps lie inside the image
// (three row pointers, the columns at +j·pix); pixels with a tap in the padding take tap() per
// tap (the zero row). Every element still sums 0 + its 9 products in tap order.

/** s + x·w (separate mul and add). */
// @ts-ignore: decorator
@inline function mac<F>(s: v128, x: v128, w: v128): v128 { return v128.add<F>(s, v128.mul<F>(x, w)); }

/** act(s + bias) stored at q; lo, hi the activation's clamp (act_lo, act_hi) splatted. */
// @ts-ignore: decorator
@inline function put<F>(q: usize, s: v128, bv: v128, lo: v128, hi: v128): void { v128.store(q, clamp_vec<F>(v128.add<F>(s, bv), lo, hi)); }

/**
 * NP = 1 or 4 neighbouring interior output pixels (NP = 4 at stride 1: their taps are 6 input
 * columns), the first tap at r0 and rows r1, r2 below (a tap row's taps at +0, +pix, +2pix),
 * outputs from q, all nv channel vectors.
 */
// @ts-ignore: decorator
@inline function dw_group<F>(NP: i32, q: usize, r0: usize, r1: usize, r2: usize, wp: usize, bias: usize,
                             nv: i32, pix: usize, lo: v128, hi: v128): void {
  const p1 = pix, p2 = pix << 1, p3 = pix * 3, p4 = pix << 2, p5 = pix * 5;
  const z = v128.splat<F>(0);
  let pw = wp, cb: usize = 0;
  for (let v = 0; v < nv; v++) {
    let s0 = z, s1 = z, s2 = z, s3 = z;
    { // tap row 0
      const r = r0 + cb;
      const wa = v128.load(pw, 0), wb = v128.load(pw, 16), wc = v128.load(pw, 32);
      const x0 = v128.load(r), x1 = v128.load(r + p1), x2 = v128.load(r + p2);
      s0 = mac<F>(mac<F>(mac<F>(z, x0, wa), x1, wb), x2, wc);
      if (NP == 4) {
        const x3 = v128.load(r + p3), x4 = v128.load(r + p4), x5 = v128.load(r + p5);
        s1 = mac<F>(mac<F>(mac<F>(z, x1, wa), x2, wb), x3, wc);
        s2 = mac<F>(mac<F>(mac<F>(z, x2, wa), x3, wb), x4, wc);
        s3 = mac<F>(mac<F>(mac<F>(z, x3, wa), x4, wb), x5, wc);
      }
    }
    // park the partial sums in the outputs: V8 issues wasm loads in program order but sinks the
    // arithmetic to its first use, so without a use here all three rows' loads would be live at
    // once (and spill); the stores pin each row's arithmetic before the next row's loads
    v128.store(q + cb, s0);
    if (NP == 4) { v128.store(q + p1 + cb, s1); v128.store(q + p2 + cb, s2); v128.store(q + p3 + cb, s3); }
    { // tap row 1
      const r = r1 + cb;
      const wa = v128.load(pw, 48), wb = v128.load(pw, 64), wc = v128.load(pw, 80);
      const x0 = v128.load(r), x1 = v128.load(r + p1), x2 = v128.load(r + p2);
      s0 = mac<F>(mac<F>(mac<F>(s0, x0, wa), x1, wb), x2, wc);
      if (NP == 4) {
        const x3 = v128.load(r + p3), x4 = v128.load(r + p4), x5 = v128.load(r + p5);
        s1 = mac<F>(mac<F>(mac<F>(s1, x1, wa), x2, wb), x3, wc);
        s2 = mac<F>(mac<F>(mac<F>(s2, x2, wa), x3, wb), x4, wc);
        s3 = mac<F>(mac<F>(mac<F>(s3, x3, wa), x4, wb), x5, wc);
      }
    }
    v128.store(q + cb, s0);
    if (NP == 4) { v128.store(q + p1 + cb, s1); v128.store(q + p2 + cb, s2); v128.store(q + p3 + cb, s3); }
    { // tap row 2
      const r = r2 + cb;
      const wa = v128.load(pw, 96), wb = v128.load(pw, 112), wc = v128.load(pw, 128);
      const x0 = v128.load(r), x1 = v128.load(r + p1), x2 = v128.load(r + p2);
      s0 = mac<F>(mac<F>(mac<F>(s0, x0, wa), x1, wb), x2, wc);
      if (NP == 4) {
        const x3 = v128.load(r + p3), x4 = v128.load(r + p4), x5 = v128.load(r + p5);
        s1 = mac<F>(mac<F>(mac<F>(s1, x1, wa), x2, wb), x3, wc);
        s2 = mac<F>(mac<F>(mac<F>(s2, x2, wa), x3, wb), x4, wc);
        s3 = mac<F>(mac<F>(mac<F>(s3, x3, wa), x4, wb), x5, wc);
      }
    }
    const bv = v128.load(bias + cb);
    put<F>(q + cb, s0, bv, lo, hi);
    if (NP == 4) { put<F>(q + p1 + cb, s1, bv, lo, hi); put<F>(q + p2 + cb, s2, bv, lo, hi); put<F>(q + p3 + cb, s3, bv, lo, hi); }
    pw += 144; cb += 16;
  }
}

function dw3x3__wasmsimd<F>(out: usize, inp: usize, wp: usize, bias: usize, zero: usize,
                            H: i32, W: i32, C: i32, OH: i32, OW: i32,
                            stride: i32, pad: i32, p0: i32, p1: i32, act: i32): void {
  const S = alignof<F>();
  const pix = <usize>C << S, row = <usize>W * pix, img = <usize>H * row;
  const nv = C / lanes<F>();
  const OHW = OH * OW;
  // output columns whose three taps lie inside the row: [xa, xb)
  const xa = min<i32>(OW, (pad + stride - 1) / stride);
  const xb = max<i32>(xa, min<i32>(OW, W + pad >= 3 ? (W + pad - 3) / stride + 1 : 0));
  const lo = v128.splat<F>(act_lo<F>(act)), hi = v128.splat<F>(act_hi<F>(act));
  let p = p0;
  while (p < p1) {
    const n = p / OHW, r = p - n * OHW, oy = r / OW, xs = r - oy * OW;
    const xe = min<i32>(OW, xs + (p1 - p));
    const iy0 = oy * stride - pad;
    const q0 = out + <usize>(p - xs) * pix; // output pixel (n, oy, 0)
    const rowsIn = iy0 >= 0 && iy0 + 3 <= H;
    // interior pixels [ia, ib) of the segment; with a tap row outside the image, every pixel is an edge
    const ia = rowsIn ? min<i32>(xe, max<i32>(xs, xa)) : xe;
    const ib = rowsIn ? min<i32>(xe, max<i32>(ia, xb)) : xe;
    const r0 = inp + <usize>n * img + <usize>max<i32>(iy0, 0) * row;
    for (let ox = xs; ox < xe;) {
      if (ox >= ia && ox < ib) {
        const a = r0 + <usize>(ox * stride - pad) * pix, q = q0 + <usize>ox * pix;
        if (stride == 1 && ox + 4 <= ib) { dw_group<F>(4, q, a, a + row, a + 2 * row, wp, bias, nv, pix, lo, hi); ox += 4; continue; }
        dw_group<F>(1, q, a, a + row, a + 2 * row, wp, bias, nv, pix, lo, hi);
      } else {
        const ix0 = ox * stride - pad;
        const t0 = tap<F>(inp, zero, n, iy0, ix0, H, W, img, row, pix), t1 = tap<F>(inp, zero, n, iy0, ix0 + 1, H, W, img, row, pix);
        const t2 = tap<F>(inp, zero, n, iy0, ix0 + 2, H, W, img, row, pix), t3 = tap<F>(inp, zero, n, iy0 + 1, ix0, H, W, img, row, pix);
        const t4 = tap<F>(inp, zero, n, iy0 + 1, ix0 + 1, H, W, img, row, pix), t5 = tap<F>(inp, zero, n, iy0 + 1, ix0 + 2, H, W, img, row, pix);
        const t6 = tap<F>(inp, zero, n, iy0 + 2, ix0, H, W, img, row, pix), t7 = tap<F>(inp, zero, n, iy0 + 2, ix0 + 1, H, W, img, row, pix);
        const t8 = tap<F>(inp, zero, n, iy0 + 2, ix0 + 2, H, W, img, row, pix);
        const q = q0 + <usize>ox * pix;
        let pw = wp;
        for (let cb: usize = 0; cb < <usize>nv << 4; cb += 16) {
          let s = mac<F>(v128.splat<F>(0), v128.load(t0 + cb), v128.load(pw));
          s = mac<F>(s, v128.load(t1 + cb), v128.load(pw, 16)); s = mac<F>(s, v128.load(t2 + cb), v128.load(pw, 32));
          s = mac<F>(s, v128.load(t3 + cb), v128.load(pw, 48)); s = mac<F>(s, v128.load(t4 + cb), v128.load(pw, 64));
          s = mac<F>(s, v128.load(t5 + cb), v128.load(pw, 80)); s = mac<F>(s, v128.load(t6 + cb), v128.load(pw, 96));
          s = mac<F>(s, v128.load(t7 + cb), v128.load(pw, 112)); s = mac<F>(s, v128.load(t8 + cb), v128.load(pw, 128));
          put<F>(q + cb, s, v128.load(bias + cb), lo, hi);
          pw += 144;
        }
      }
      ox++;
    }
    // the channels past the last whole vector: the scalar schedule
    if (nv * lanes<F>() < C) {
      for (let ox = xs; ox < xe; ox++) {
        dw_pixel_scalar<F>(q0 + <usize>ox * pix, inp, wp, bias, zero, n, iy0, ox * stride - pad, nv * lanes<F>(), H, W, C, 3, 3, img, row, pix, act);
      }
    }
    p += xe - xs;
  }
}

// Any other kernel size: taps outer, channel vectors inner, the output row holding the running
// sums (0 + the first product, then += each tap's product in tap order, then + bias and the
// activation), so each tap's input pointer is computed once per pixel.
export function dwconv2d__wasmsimd<F>(out: usize, inp: usize, wp: usize, bias: usize, zero: usize,
                                      H: i32, W: i32, C: i32, OH: i32, OW: i32, KH: i32, KW: i32,
                                      stride: i32, pad: i32, p0: i32, p1: i32, act: i32): void {
  if (KH == 3 && KW == 3) {
    dw3x3__wasmsimd<F>(out, inp, wp, bias, zero, H, W, C, OH, OW, stride, pad, p0, p1, act);
    return;
  }
  const S = alignof<F>();
  const pix = <usize>C << S, row = <usize>W * pix, img = <usize>H * row;
  const OHW = OH * OW, KK = KH * KW;
  const nv = C / lanes<F>();
  const cend = <usize>nv << 4, blk = <usize>KK << 4;
  const lo = v128.splat<F>(act_lo<F>(act)), hi = v128.splat<F>(act_hi<F>(act));
  for (let p = p0; p < p1; p++) {
    const n = p / OHW, r = p - n * OHW, oy = r / OW, ox = r - oy * OW;
    const iy0 = oy * stride - pad, ix0 = ox * stride - pad;
    const q = out + <usize>p * pix;
    for (let t = 0; t < KK; t++) {
      const ky = t / KW, kx = t - ky * KW;
      const a = tap<F>(inp, zero, n, iy0 + ky, ix0 + kx, H, W, img, row, pix);
      let pw = wp + (<usize>t << 4);
      for (let cb: usize = 0; cb < cend; cb += 16) {
        v128.store(q + cb, mac<F>(t == 0 ? v128.splat<F>(0) : v128.load(q + cb), v128.load(a + cb), v128.load(pw)));
        pw += blk;
      }
    }
    for (let cb: usize = 0; cb < cend; cb += 16) put<F>(q + cb, v128.load(q + cb), v128.load(bias + cb), lo, hi);
    if (cend < pix) dw_pixel_scalar<F>(q, inp, wp, bias, zero, n, iy0, ix0, nv * lanes<F>(), H, W, C, KH, KW, img, row, pix, act);
  }
}

// @ts-ignore: decorator
@inline export function dwconv2d<F>(out: usize, inp: usize, wp: usize, bias: usize, zero: usize,
                                    H: i32, W: i32, C: i32, OH: i32, OW: i32, KH: i32, KW: i32,
                                    stride: i32, pad: i32, p0: i32, p1: i32, act: i32): void {
  if (ASC_FEATURE_SIMD) dwconv2d__wasmsimd<F>(out, inp, wp, bias, zero, H, W, C, OH, OW, KH, KW, stride, pad, p0, p1, act);
  else dwconv2d__scalar<F>(out, inp, wp, bias, zero, H, W, C, OH, OW, KH, KW, stride, pad, p0, p1, act);
}

// Exports, one line each (README.md has the contracts).
export function f32_dwconv2d_nhwc(out: usize, inp: usize, wp: usize, bias: usize, zero: usize, H: i32, W: i32, C: i32, OH: i32, OW: i32, KH: i32, KW: i32, stride: i32, pad: i32, p0: i32, p1: i32, act: i32): void { dwconv2d<f32>(out, inp, wp, bias, zero, H, W, C, OH, OW, KH, KW, stride, pad, p0, p1, act); }
export function f64_dwconv2d_nhwc(out: usize, inp: usize, wp: usize, bias: usize, zero: usize, H: i32, W: i32, C: i32, OH: i32, OW: i32, KH: i32, KW: i32, stride: i32, pad: i32, p0: i32, p1: i32, act: i32): void { dwconv2d<f64>(out, inp, wp, bias, zero, H, W, C, OH, OW, KH, KW, stride, pad, p0, p1, act); }
