// Image resampling and the tensor conversion of torchvision's preprocessing, on 8-bit images
// stored row-major as (H, W, C) bytes (C interleaved channels).
//
// The resize is Pillow's `Image.resize(size, Image.BILINEAR)` for 8-bit modes, bit for bit
// (Pillow src/libImaging/Resample.c: precompute_coeffs, normalize_coeffs_8bpc,
// ImagingResampleHorizontal_8bpc / ImagingResampleVertical_8bpc, ImagingResampleInner):
//   - the triangle filter's support is 1 scaled by max(in/out, 1) (the antialiasing), each output
//     pixel's taps span [int(center − support + 0.5), int(center + support + 0.5)) clamped to
//     the image, the weights are divided by their sum (f64) and rounded to fixed point with
//     PRECISION_BITS = 22 (round half away from zero);
//   - the horizontal pass runs first, over only the rows the vertical pass reads, and its result
//     is clipped to uint8; the vertical pass then reads those rows. A pass whose size does not
//     change is skipped (an unchanged image is copied);
//   - each sum starts at 2^21 (rounding) and is clipped to [0, 255] after the arithmetic shift
//     by 22 (Pillow's clip8 table).
// No box (Pillow's default box (0, 0, W, H)); sizes are validated by the caller.

const PRECISION_BITS: i32 = 32 - 8 - 2;

// The number of taps per output sample of a resample from inSize to outSize samples:
// ceil(support)·2 + 1 with support = max(inSize / outSize, 1) (Pillow's ksize).
export function resample_ksize(inSize: i32, outSize: i32): i32 {
  let scale = <f64>inSize / <f64>outSize;
  if (scale < 1.0) scale = 1.0;
  return <i32>Math.ceil(scale) * 2 + 1;
}

// @ts-ignore: decorator
@inline function bilinear_filter(x: f64): f64 {
  if (x < 0.0) x = -x;
  return x < 1.0 ? 1.0 - x : 0.0;
}

// bounds (outSize, 2) i32 written: [first tap, tap count] per output sample; kk (outSize, ksize)
// i32 written: the fixed-point weights, zero past the tap count. Pillow's precompute_coeffs
// followed by normalize_coeffs_8bpc; the weights are computed twice (once for their sum) so no
// f64 buffer is needed: the same expression gives the same bits.
export function resample_coeffs(bounds: usize, kk: usize, inSize: i32, outSize: i32, ksize: i32): void {
  const scale = <f64>inSize / <f64>outSize;
  const filterscale = scale < 1.0 ? 1.0 : scale;
  const support = 1.0 * filterscale;
  const ss = 1.0 / filterscale;
  const one = <f64>(1 << PRECISION_BITS);
  for (let xx = 0; xx < outSize; xx++) {
    const center = 0.0 + (<f64>xx + 0.5) * scale;
    let xmin = <i32>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = <i32>(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0.0;
    for (let x = 0; x < xmax; x++) ww += bilinear_filter((<f64>(x + xmin) - center + 0.5) * ss);
    const k = kk + (<usize>xx * <usize>ksize << 2);
    let x = 0;
    for (; x < xmax; x++) {
      let w = bilinear_filter((<f64>(x + xmin) - center + 0.5) * ss);
      if (ww != 0.0) w /= ww;
      store<i32>(k + (<usize>x << 2), w < 0 ? <i32>(-0.5 + w * one) : <i32>(0.5 + w * one));
    }
    for (; x < ksize; x++) store<i32>(k + (<usize>x << 2), 0);
    store<i32>(bounds + (<usize>xx << 3), xmin);
    store<i32>(bounds + (<usize>xx << 3) + 4, xmax);
  }
}

// @ts-ignore: decorator
@inline function clip8(ss: i32): i32 {
  const v = ss >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

// One output row of the horizontal pass: dst (Wo, C) u8 written from src (W, C) u8 read;
// dst[xx][c] = clip8(2^21 + Σ_x src[xmin + x][c]·k[x]) over the output pixel's taps.
// @ts-ignore: decorator
@inline export function resample_horizontal_row__scalar(dst: usize, src: usize, bounds: usize, kk: usize,
                                                        W: i32, Wo: i32, C: i32, ksize: i32): void {
  const half = 1 << (PRECISION_BITS - 1);
  for (let xx = 0; xx < Wo; xx++) {
    const xmin = load<i32>(bounds + (<usize>xx << 3));
    const xmax = load<i32>(bounds + (<usize>xx << 3) + 4);
    const k = kk + (<usize>xx * <usize>ksize << 2);
    for (let c = 0; c < C; c++) {
      let ss = half;
      for (let x = 0; x < xmax; x++) {
        ss += <i32>load<u8>(src + <usize>(x + xmin) * <usize>C + <usize>c) * load<i32>(k + (<usize>x << 2));
      }
      store<u8>(dst + <usize>xx * <usize>C + <usize>c, <u8>clip8(ss));
    }
  }
}
// The SIMD twin for 3 or 4 channels: a pixel's channels as the lanes of one i32x4 (4 bytes
// loaded from the pixel; for RGB the fourth lane is the next pixel's red, computed and not
// stored), the same integer sums. A pixel whose last tap is the row's last pixel, and other
// channel counts, take the scalar twin (no read past the row).
// @ts-ignore: decorator
@inline export function resample_horizontal_row__wasmsimd(dst: usize, src: usize, bounds: usize, kk: usize,
                                                          W: i32, Wo: i32, C: i32, ksize: i32): void {
  if (C != 3 && C != 4) {
    resample_horizontal_row__scalar(dst, src, bounds, kk, W, Wo, C, ksize);
    return;
  }
  const half = i32x4.splat(1 << (PRECISION_BITS - 1));
  const zero = i32x4.splat(0), top = i32x4.splat(255);
  for (let xx = 0; xx < Wo; xx++) {
    const xmin = load<i32>(bounds + (<usize>xx << 3));
    const xmax = load<i32>(bounds + (<usize>xx << 3) + 4);
    const k = kk + (<usize>xx * <usize>ksize << 2);
    const o = dst + <usize>xx * <usize>C;
    if (C == 3 && xmin + xmax >= W) {
      for (let c = 0; c < 3; c++) {
        let s = 1 << (PRECISION_BITS - 1);
        for (let x = 0; x < xmax; x++) s += <i32>load<u8>(src + <usize>(x + xmin) * 3 + <usize>c) * load<i32>(k + (<usize>x << 2));
        store<u8>(o + <usize>c, <u8>clip8(s));
      }
      continue;
    }
    let ss = half;
    let p = src + <usize>xmin * <usize>C;
    for (let x = 0; x < xmax; x++, p += <usize>C) {
      const px = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(p)));
      ss = i32x4.add(ss, i32x4.mul(px, i32x4.splat(load<i32>(k + (<usize>x << 2)))));
    }
    const v = i32x4.min_s(i32x4.max_s(i32x4.shr_s(ss, PRECISION_BITS), zero), top);
    const b = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(v, v), zero);
    if (C == 4) v128.store32_lane(o, b, 0);
    else {
      v128.store16_lane(o, b, 0);
      store<u8>(o + 2, i8x16.extract_lane_u(b, 2));
    }
  }
}
// @ts-ignore: decorator
@inline function resample_horizontal_row(dst: usize, src: usize, bounds: usize, kk: usize, W: i32, Wo: i32, C: i32, ksize: i32): void {
  if (ASC_FEATURE_SIMD) resample_horizontal_row__wasmsimd(dst, src, bounds, kk, W, Wo, C, ksize);
  else resample_horizontal_row__scalar(dst, src, bounds, kk, W, Wo, C, ksize);
}

// Horizontal pass: out (R, Wo, C) u8 written from input rows [row0, row0 + R) of inp (·, W, C)
// u8 read; bounds (Wo, 2) / kk (Wo, ksize) from resample_coeffs(·, ·, W, Wo, ksize).
export function resample_horizontal_u8(out: usize, inp: usize, bounds: usize, kk: usize,
                                       row0: i32, R: i32, W: i32, Wo: i32, C: i32, ksize: i32): void {
  for (let yy = 0; yy < R; yy++) {
    resample_horizontal_row(out + <usize>yy * <usize>Wo * <usize>C, inp + <usize>(yy + row0) * <usize>W * <usize>C,
                            bounds, kk, W, Wo, C, ksize);
  }
}

// One output row of the vertical pass: dst (n) u8 written = clip8(2^21 + Σ_y src[y·ld + e]·k[y]),
// y < taps; src rows of stride ld bytes, k (taps) i32 read. The SIMD twin runs 4 elements as
// i32x4 (the same integer sums, so the same bits).
// @ts-ignore: decorator
@inline export function resample_vertical_row__scalar(dst: usize, src: usize, k: usize, taps: i32, ld: usize, n: i32): void {
  const half = 1 << (PRECISION_BITS - 1);
  for (let e = 0; e < n; e++) {
    let ss = half;
    for (let y = 0; y < taps; y++) ss += <i32>load<u8>(src + <usize>y * ld + <usize>e) * load<i32>(k + (<usize>y << 2));
    store<u8>(dst + <usize>e, <u8>clip8(ss));
  }
}
// @ts-ignore: decorator
@inline export function resample_vertical_row__wasmsimd(dst: usize, src: usize, k: usize, taps: i32, ld: usize, n: i32): void {
  const half = i32x4.splat(1 << (PRECISION_BITS - 1));
  const zero = i32x4.splat(0), top = i32x4.splat(255);
  let e = 0;
  for (; e + 4 <= n; e += 4) {
    let ss = half;
    for (let y = 0; y < taps; y++) {
      const px = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(src + <usize>y * ld + <usize>e)));
      ss = i32x4.add(ss, i32x4.mul(px, i32x4.splat(load<i32>(k + (<usize>y << 2)))));
    }
    const v = i32x4.min_s(i32x4.max_s(i32x4.shr_s(ss, PRECISION_BITS), zero), top);
    v128.store32_lane(dst + <usize>e, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(v, v), zero), 0);
  }
  if (e < n) resample_vertical_row__scalar(dst + <usize>e, src + <usize>e, k, taps, ld, n - e);
}
// @ts-ignore: decorator
@inline function resample_vertical_row(dst: usize, src: usize, k: usize, taps: i32, ld: usize, n: i32): void {
  if (ASC_FEATURE_SIMD) resample_vertical_row__wasmsimd(dst, src, k, taps, ld, n);
  else resample_vertical_row__scalar(dst, src, k, taps, ld, n);
}

// Vertical pass: out (Ho, W, C) u8 written from inp (·, W, C) u8 read, input row of output row
// yy's first tap = bounds[yy][0] − row0; bounds (Ho, 2) / kk (Ho, ksize) from
// resample_coeffs(·, ·, H, Ho, ksize).
export function resample_vertical_u8(out: usize, inp: usize, bounds: usize, kk: usize,
                                     row0: i32, Ho: i32, W: i32, C: i32, ksize: i32): void {
  const ld = <usize>W * <usize>C;
  for (let yy = 0; yy < Ho; yy++) {
    const ymin = load<i32>(bounds + (<usize>yy << 3)) - row0;
    const ymax = load<i32>(bounds + (<usize>yy << 3) + 4);
    resample_vertical_row(out + <usize>yy * ld, inp + <usize>ymin * ld, kk + (<usize>yy * <usize>ksize << 2), ymax, ld, <i32>ld);
  }
}

// The whole resize, Pillow's ImagingResampleInner: out (Ho, Wo, C) u8 written from inp (H, W, C)
// u8 read. Scratch, all written: bh (Wo, 2) i32, kh (Wo, ksh) i32 with ksh = resample_ksize(W, Wo);
// bv (Ho, 2) i32, kv (Ho, ksv) i32 with ksv = resample_ksize(H, Ho); tmp (H, Wo, C) u8 (the
// horizontal pass's rows; only the rows the vertical pass reads are computed).
export function resample_bilinear_u8(out: usize, inp: usize, tmp: usize, bh: usize, kh: usize, bv: usize, kv: usize,
                                     H: i32, W: i32, Ho: i32, Wo: i32, C: i32, ksh: i32, ksv: i32): void {
  const horizontal = Wo != W, vertical = Ho != H;
  if (!horizontal && !vertical) {
    memory.copy(out, inp, <usize>H * <usize>W * <usize>C);
    return;
  }
  resample_coeffs(bv, kv, H, Ho, ksv);
  const first = load<i32>(bv);
  const last = load<i32>(bv + (<usize>(Ho - 1) << 3)) + load<i32>(bv + (<usize>(Ho - 1) << 3) + 4);
  if (horizontal) {
    resample_coeffs(bh, kh, W, Wo, ksh);
    if (!vertical) {
      resample_horizontal_u8(out, inp, bh, kh, 0, H, W, Wo, C, ksh);
      return;
    }
    resample_horizontal_u8(tmp, inp, bh, kh, first, last - first, W, Wo, C, ksh);
    resample_vertical_u8(out, tmp, bv, kv, first, Ho, Wo, C, ksv);
  } else {
    resample_vertical_u8(out, inp, bv, kv, 0, Ho, W, C, ksv);
  }
}

// The crop, ToTensor and Normalize of torchvision: out (3, ch, cw) F written; out[c][i][j] =
// (v / 255 − mean_c) / std_c with v = img[i + top][j + left][c] (img (H, W, 3) u8 read), or v = 0
// where that lies outside the image (torchvision pads a smaller image with zeros before its
// centre crop; top/left are then negative). Each operation is rounded to F, as torch does in
// that dtype (mean and std rounded to F first).
export function crop_normalize<F>(out: usize, img: usize, H: i32, W: i32, top: i32, left: i32, ch: i32, cw: i32,
                                  mean0: f64, mean1: f64, mean2: f64, std0: f64, std1: f64, std2: f64): void {
  const S = alignof<F>();
  const plane = <usize>ch * <usize>cw;
  for (let c = 0; c < 3; c++) {
    const m = <F>(c == 0 ? mean0 : c == 1 ? mean1 : mean2);
    const s = <F>(c == 0 ? std0 : c == 1 ? std1 : std2);
    const dst = out + (<usize>c * plane << S);
    for (let i = 0; i < ch; i++) {
      const y = i + top;
      for (let j = 0; j < cw; j++) {
        const x = j + left;
        const v: u8 = y >= 0 && y < H && x >= 0 && x < W ? load<u8>(img + (<usize>y * <usize>W + <usize>x) * 3 + <usize>c) : 0;
        store<F>(dst + (<usize>(i * cw + j) << S), (<F>v / <F>255 - m) / s);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Exports, one line each (README.md has the contracts). The resize works on bytes, so it has
// one export; the tensor conversion one per precision.
export function f32_crop_normalize(out: usize, img: usize, H: i32, W: i32, top: i32, left: i32, ch: i32, cw: i32, mean0: f64, mean1: f64, mean2: f64, std0: f64, std1: f64, std2: f64): void { crop_normalize<f32>(out, img, H, W, top, left, ch, cw, mean0, mean1, mean2, std0, std1, std2); }
export function f64_crop_normalize(out: usize, img: usize, H: i32, W: i32, top: i32, left: i32, ch: i32, cw: i32, mean0: f64, mean1: f64, mean2: f64, std0: f64, std1: f64, std2: f64): void { crop_normalize<f64>(out, img, H, W, top, left, ch, cw, mean0, mean1, mean2, std0, std1, std2); }
