// Inference convolution over NHWC as an implicit ("indirect") GEMM, F = f32 | f64.
// Shape legend: N=batch H,W=input height/width C=input channels OH,OW=output size OC=output
// channels KH,KW=kernel size; P = N·OH·OW output pixels, K = KH·KW·C the contraction length.
//
//   inp (N,H,W,C), out (N,OH,OW,OC), res (N,OH,OW,OC) or 0, bias (OC)
//   wp: the weights B (K,OC), k = (ky·KW + kx)·C + c, in slivers of V2 = 2 vectors of columns
//       (8 f32 / 4 f64): sliver s holds B[k, s·V2 .. s·V2+V2) for k = 0..K-1, V2 floats a row,
//       columns past OC zero; K·⌈OC/V2⌉·V2 floats in all. Packed once at load (src/vision/
//       weights.ts, from torch's (OC,C,KH,KW) with the batch norm folded in), read by every call.
//
// out[p, j] = act(s + bias[j] (+ res[p, j])), s = Σ_k A[p,k]·B[k,j] summed from zero over
// k = 0..K-1 in order, where A[p, (t,c)] is input pixel (iy, ix) = (oy·stride − pad + ky,
// ox·stride − pad + kx) channel c, or 0 outside the image. The GEMM's A is never formed
// (XNNPACK's igemm): a tile of output pixels takes, per tap t, one pointer per pixel to its
// C input channels (the `zero` row when the tap falls in the padding; it holds at least KW·C
// zeros, as a whole tap row inside the image is read as one run of KW·C floats) and runs
// the register-blocked 4x(2 vectors) tile of gemm.ts over them. 1x1 convolutions and fully
// connected layers (H = W = 1, P = N) are the same call.
// act: 0 none, 1 ReLU, 2 ReLU6, as a clamp (act_scalar below; the same selects in both twins).
//
// Each call computes the output pixels [p0,p1) × channels [j0,j1) (j0 a multiple of V2), so a
// plan splits a layer over threads by pixels or by channels. The SIMD body vectorises over
// channels with a separate mul and add per k, so it equals the scalar twin bit for bit, and no
// element depends on the tile or the range it falls in: any split gives the same bits.
import { lanes, vmadd } from "./math";

/** Output pixels per block: every sliver sweeps a block while its input rows stay in L2. */
const PIX_BLOCK = 64;

/**
 * The activation as a clamp to [lo, hi]: none (−∞, ∞), ReLU [0, ∞), ReLU6 [0, 6], applied as
 * s = s < lo ? lo : s, then s = hi < s ? hi : s (wasm's pmax/pmin on vectors: one instruction
 * each and no branch, where wasm min/max need ~8 to order −0 and NaN). NaN passes unchanged; −0
 * would pass as −0, but no sum here is −0 (each starts from +0, and x + y is −0 only when both are).
 */
// @ts-ignore: decorator
@inline export function act_lo<F>(act: i32): F { return act != 0 ? <F>0 : <F>-Infinity; }
// @ts-ignore: decorator
@inline export function act_hi<F>(act: i32): F { return act == 2 ? <F>6 : <F>Infinity; }
// @ts-ignore: decorator
@inline export function act_scalar<F>(s: F, act: i32): F {
  const lo = act_lo<F>(act), hi = act_hi<F>(act);
  s = s < lo ? lo : s;
  return hi < s ? hi : s;
}
/** act_scalar on each lane, given lo and hi splatted. */
// @ts-ignore: decorator
@inline export function clamp_vec<F>(v: v128, lo: v128, hi: v128): v128 {
  return v128.pmin<F>(v128.pmax<F>(v, lo), hi);
}
// @ts-ignore: decorator
@inline export function act_vec<F>(v: v128, act: i32): v128 {
  return clamp_vec<F>(v, v128.splat<F>(act_lo<F>(act)), v128.splat<F>(act_hi<F>(act)));
}

/**
 * Address of input pixel (iy, ix) of image n (C floats), or `zero` when it lies in the padding.
 * img, row, pix are the bytes of an image, an input row and a pixel.
 */
// @ts-ignore: decorator
@inline export function tap<F>(inp: usize, zero: usize, n: i32, iy: i32, ix: i32, H: i32, W: i32,
                               img: usize, row: usize, pix: usize): usize {
  if (<u32>iy >= <u32>H || <u32>ix >= <u32>W) return zero;
  return inp + <usize>n * img + <usize>iy * row + <usize>ix * pix;
}

// ---- scalar twin: out rows [p0,p1) x columns [j0,j1) written; everything else read.
export function conv2d__scalar<F>(out: usize, inp: usize, wp: usize, bias: usize, res: usize, zero: usize,
                                  N: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32, OC: i32,
                                  KH: i32, KW: i32, stride: i32, pad: i32,
                                  p0: i32, p1: i32, j0: i32, j1: i32, act: i32): void {
  const V2 = 2 * lanes<F>();
  const S = alignof<F>();
  const K = KH * KW * C;
  const pix = <usize>C << S, row = <usize>W * pix, img = <usize>H * row;
  const OHW = OH * OW;
  for (let p = p0; p < p1; p++) {
    const n = p / OHW, r = p - n * OHW, oy = r / OW, ox = r - oy * OW;
    const iy0 = oy * stride - pad, ix0 = ox * stride - pad;
    for (let j = j0; j < j1; j++) {
      let pw = wp + (<usize>(j / V2) * <usize>K * <usize>V2 + <usize>(j % V2) << S);
      let s = <F>0;
      for (let ky = 0; ky < KH; ky++) {
        for (let kx = 0; kx < KW; kx++) {
          let a = tap<F>(inp, zero, n, iy0 + ky, ix0 + kx, H, W, img, row, pix);
          for (let c = 0; c < C; c++) {
            s += load<F>(a) * load<F>(pw);
            a += sizeof<F>(); pw += <usize>V2 << S;
          }
        }
      }
      const o = (<usize>p * <usize>OC + <usize>j) << S;
      s = s + load<F>(bias + (<usize>j << S));
      if (res != 0) s = s + load<F>(res + o);
      store<F>(out + o, act_scalar<F>(s, act));
    }
  }
}

// ---- SIMD body.

// @ts-ignore: decorator
@inline function vsplat<F>(p: usize): v128 {
  if (sizeof<F>() == 4) return v128.load32_splat(p);
  return v128.load64_splat(p);
}

/** act(acc + bias (+ res)) stored at q (2 vectors); bv0/bv1 the bias vectors. */
// @ts-ignore: decorator
@inline function store2<F>(q: usize, r: usize, c0: v128, c1: v128, bv0: v128, bv1: v128, hasRes: bool, act: i32): void {
  c0 = v128.add<F>(c0, bv0); c1 = v128.add<F>(c1, bv1);
  if (hasRes) { c0 = v128.add<F>(c0, v128.load(r)); c1 = v128.add<F>(c1, v128.load(r, 16)); }
  v128.store(q, act_vec<F>(c0, act)); v128.store(q, act_vec<F>(c1, act), 16);
}

/** The epilogue of a tile: MR pixels from p, columns j..j+V2 of OC, each row of accumulators through store2. */
// @ts-ignore: decorator
@inline function store_tile<F>(MR: i32, out: usize, bias: usize, res: usize, p: i32, j: i32, OC: i32, act: i32,
                               c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128): void {
  const S = alignof<F>();
  const bv0 = v128.load(bias + (<usize>j << S)), bv1 = v128.load(bias + (<usize>j << S), 16);
  const cr = <usize>OC << S;
  const o = (<usize>p * <usize>OC + <usize>j) << S;
  const hasRes = res != 0;
  store2<F>(out + o, res + o, c00, c01, bv0, bv1, hasRes, act);
  if (MR >= 2) store2<F>(out + o + cr, res + o + cr, c10, c11, bv0, bv1, hasRes, act);
  if (MR >= 3) store2<F>(out + o + 2 * cr, res + o + 2 * cr, c20, c21, bv0, bv1, hasRes, act);
  if (MR >= 4) store2<F>(out + o + 3 * cr, res + o + 3 * cr, c30, c31, bv0, bv1, hasRes, act);
}

/**
 * conv_tile for a 1x1 convolution at stride 1 without padding (every expand and project layer
 * of MobileNetV2): output pixel p reads input pixel p, so the MR input rows are pix apart and
 * the tile needs no coordinates, taps or zero row. The same k order: the same bits.
 */
// @ts-ignore: decorator
@inline function conv1x1_tile<F>(MR: i32, out: usize, inp: usize, pb: usize, bias: usize, res: usize,
                                 p: i32, j: i32, C: i32, OC: i32, pix: usize, act: i32): void {
  let a0 = inp + <usize>p * pix, a1 = a0 + pix, a2 = a1 + pix, a3 = a2 + pix;
  let c00 = v128.splat<F>(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  let pw = pb;
  for (let c = 0; c < C; c++) {
    const b0 = v128.load(pw), b1 = v128.load(pw, 16);
    const x0 = vsplat<F>(a0);
    c00 = vmadd<F>(c00, x0, b0); c01 = vmadd<F>(c01, x0, b1);
    if (MR >= 2) { const x1 = vsplat<F>(a1); c10 = vmadd<F>(c10, x1, b0); c11 = vmadd<F>(c11, x1, b1); a1 += sizeof<F>(); }
    if (MR >= 3) { const x2 = vsplat<F>(a2); c20 = vmadd<F>(c20, x2, b0); c21 = vmadd<F>(c21, x2, b1); a2 += sizeof<F>(); }
    if (MR >= 4) { const x3 = vsplat<F>(a3); c30 = vmadd<F>(c30, x3, b0); c31 = vmadd<F>(c31, x3, b1); a3 += sizeof<F>(); }
    a0 += sizeof<F>(); pw += 32;
  }
  store_tile<F>(MR, out, bias, res, p, j, OC, act, c00, c01, c10, c11, c20, c21, c30, c31);
}

/**
 * MR (1..4, a constant after inlining) consecutive output pixels from p x one sliver (columns
 * j..j+V2) at pb: per tap, one input pointer per pixel; k in order; then the epilogue.
 */
// @ts-ignore: decorator
@inline function conv_tile<F>(MR: i32, out: usize, inp: usize, pb: usize, bias: usize, res: usize, zero: usize,
                              p: i32, j: i32, H: i32, W: i32, C: i32, OW: i32, OHW: i32, OC: i32,
                              KH: i32, KW: i32, stride: i32, pad: i32, img: usize, row: usize, pix: usize, act: i32): void {
  // pixel coordinates (n, iy0, ix0) of the MR pixels
  const n0 = p / OHW, r0 = p - n0 * OHW, y0 = r0 / OW;
  const iy0 = y0 * stride - pad, ix0 = (r0 - y0 * OW) * stride - pad;
  let n1 = 0, iy1 = 0, ix1 = 0, n2 = 0, iy2 = 0, ix2 = 0, n3 = 0, iy3 = 0, ix3 = 0;
  if (MR >= 2) { const q = p + 1; n1 = q / OHW; const r = q - n1 * OHW, y = r / OW; iy1 = y * stride - pad; ix1 = (r - y * OW) * stride - pad; }
  if (MR >= 3) { const q = p + 2; n2 = q / OHW; const r = q - n2 * OHW, y = r / OW; iy2 = y * stride - pad; ix2 = (r - y * OW) * stride - pad; }
  if (MR >= 4) { const q = p + 3; n3 = q / OHW; const r = q - n3 * OHW, y = r / OW; iy3 = y * stride - pad; ix3 = (r - y * OW) * stride - pad; }
  let c00 = v128.splat<F>(0), c01 = v128.splat<F>(0);
  let c10 = v128.splat<F>(0), c11 = v128.splat<F>(0);
  let c20 = v128.splat<F>(0), c21 = v128.splat<F>(0);
  let c30 = v128.splat<F>(0), c31 = v128.splat<F>(0);
  // a tap row whose KW pixels all lie inside the image (or all in the padding, reading the zero
  // row) is one contiguous run of KW·C floats in the order of k: one segment instead of KW
  const xin0 = ix0 >= 0 && ix0 + KW <= W, xin1 = MR < 2 || (ix1 >= 0 && ix1 + KW <= W);
  const xin2 = MR < 3 || (ix2 >= 0 && ix2 + KW <= W), xin3 = MR < 4 || (ix3 >= 0 && ix3 + KW <= W);
  const KWC = KW * C;
  let pw = pb;
  for (let ky = 0; ky < KH; ky++) {
    const run = (xin0 || <u32>(iy0 + ky) >= <u32>H) && (MR < 2 || xin1 || <u32>(iy1 + ky) >= <u32>H) &&
                (MR < 3 || xin2 || <u32>(iy2 + ky) >= <u32>H) && (MR < 4 || xin3 || <u32>(iy3 + ky) >= <u32>H);
    const segs = run ? 1 : KW, len = run ? KWC : C;
    for (let kx = 0; kx < segs; kx++) {
      let a0 = tap<F>(inp, zero, n0, iy0 + ky, ix0 + kx, H, W, img, row, pix);
      let a1: usize = 0, a2: usize = 0, a3: usize = 0;
      if (MR >= 2) a1 = tap<F>(inp, zero, n1, iy1 + ky, ix1 + kx, H, W, img, row, pix);
      if (MR >= 3) a2 = tap<F>(inp, zero, n2, iy2 + ky, ix2 + kx, H, W, img, row, pix);
      if (MR >= 4) a3 = tap<F>(inp, zero, n3, iy3 + ky, ix3 + kx, H, W, img, row, pix);
      for (let c = 0; c < len; c++) {
        const b0 = v128.load(pw), b1 = v128.load(pw, 16);
        const x0 = vsplat<F>(a0);
        c00 = vmadd<F>(c00, x0, b0); c01 = vmadd<F>(c01, x0, b1);
        if (MR >= 2) { const x1 = vsplat<F>(a1); c10 = vmadd<F>(c10, x1, b0); c11 = vmadd<F>(c11, x1, b1); a1 += sizeof<F>(); }
        if (MR >= 3) { const x2 = vsplat<F>(a2); c20 = vmadd<F>(c20, x2, b0); c21 = vmadd<F>(c21, x2, b1); a2 += sizeof<F>(); }
        if (MR >= 4) { const x3 = vsplat<F>(a3); c30 = vmadd<F>(c30, x3, b0); c31 = vmadd<F>(c31, x3, b1); a3 += sizeof<F>(); }
        a0 += sizeof<F>(); pw += 32;
      }
    }
  }
  store_tile<F>(MR, out, bias, res, p, j, OC, act, c00, c01, c10, c11, c20, c21, c30, c31);
}

export function conv2d__wasmsimd<F>(out: usize, inp: usize, wp: usize, bias: usize, res: usize, zero: usize,
                                    N: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32, OC: i32,
                                    KH: i32, KW: i32, stride: i32, pad: i32,
                                    p0: i32, p1: i32, j0: i32, j1: i32, act: i32): void {
  const V2 = 2 * lanes<F>();
  const S = alignof<F>();
  const K = KH * KW * C;
  const SL = <usize>K << 5; // bytes of one sliver
  const pix = <usize>C << S, row = <usize>W * pix, img = <usize>H * row;
  const OHW = OH * OW;
  const jv = j0 + (j1 - j0) / V2 * V2; // end of the whole slivers
  const direct = KH == 1 && KW == 1 && stride == 1 && pad == 0 && H == OH && W == OW;
  for (let q0 = p0; q0 < p1; q0 += PIX_BLOCK) {
    const q1 = min<i32>(p1, q0 + PIX_BLOCK);
    for (let j = j0; j < jv; j += V2) {
      const pb = wp + <usize>(j / V2) * SL;
      let p = q0;
      if (direct) {
        for (; p + 4 <= q1; p += 4) conv1x1_tile<F>(4, out, inp, pb, bias, res, p, j, C, OC, pix, act);
        for (; p < q1; p++) conv1x1_tile<F>(1, out, inp, pb, bias, res, p, j, C, OC, pix, act);
        continue;
      }
      for (; p + 4 <= q1; p += 4) conv_tile<F>(4, out, inp, pb, bias, res, zero, p, j, H, W, C, OW, OHW, OC, KH, KW, stride, pad, img, row, pix, act);
      const rest = q1 - p;
      if (rest == 3) conv_tile<F>(3, out, inp, pb, bias, res, zero, p, j, H, W, C, OW, OHW, OC, KH, KW, stride, pad, img, row, pix, act);
      else if (rest == 2) conv_tile<F>(2, out, inp, pb, bias, res, zero, p, j, H, W, C, OW, OHW, OC, KH, KW, stride, pad, img, row, pix, act);
      else if (rest == 1) conv_tile<F>(1, out, inp, pb, bias, res, zero, p, j, H, W, C, OW, OHW, OC, KH, KW, stride, pad, img, row, pix, act);
    }
    // columns of a partial last sliver: the scalar schedule (the same sum)
    if (jv < j1) conv2d__scalar<F>(out, inp, wp, bias, res, zero, N, H, W, C, OH, OW, OC, KH, KW, stride, pad, q0, q1, jv, j1, act);
  }
}

// @ts-ignore: decorator
@inline export function conv2d<F>(out: usize, inp: usize, wp: usize, bias: usize, res: usize, zero: usize,
                                  N: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32, OC: i32,
                                  KH: i32, KW: i32, stride: i32, pad: i32,
                                  p0: i32, p1: i32, j0: i32, j1: i32, act: i32): void {
  if (ASC_FEATURE_SIMD) conv2d__wasmsimd<F>(out, inp, wp, bias, res, zero, N, H, W, C, OH, OW, OC, KH, KW, stride, pad, p0, p1, j0, j1, act);
  else conv2d__scalar<F>(out, inp, wp, bias, res, zero, N, H, W, C, OH, OW, OC, KH, KW, stride, pad, p0, p1, j0, j1, act);
}

// ---------------------------------------------------------------------------------------------
// Exports, one line each (README.md has the contracts).
export function f32_conv2d_nhwc(out: usize, inp: usize, wp: usize, bias: usize, res: usize, zero: usize, N: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32, OC: i32, KH: i32, KW: i32, stride: i32, pad: i32, p0: i32, p1: i32, j0: i32, j1: i32, act: i32): void { conv2d<f32>(out, inp, wp, bias, res, zero, N, H, W, C, OH, OW, OC, KH, KW, stride, pad, p0, p1, j0, j1, act); }
export function f64_conv2d_nhwc(out: usize, inp: usize, wp: usize, bias: usize, res: usize, zero: usize, N: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32, OC: i32, KH: i32, KW: i32, stride: i32, pad: i32, p0: i32, p1: i32, j0: i32, j1: i32, act: i32): void { conv2d<f64>(out, inp, wp, bias, res, zero, N, H, W, C, OH, OW, OC, KH, KW, stride, pad, p0, p1, j0, j1, act); }
