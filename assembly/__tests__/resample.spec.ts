// Resampling (resample.ts): Pillow's coefficients by hand, hand-resized rows that PIL gives
// (Image.resize(..., BILINEAR) on [0, 255] → [0, 64, 191, 255], [0, 255, 255, 0] → [146, 146]),
// the rows' SIMD bodies == their scalar twins (channels 1, 3, 4; tails and tap counts), the two passes
// agreeing through a transpose (a vertical-only resize of X is the horizontal-only resize of
// Xᵀ), a skipped pass, and crop_normalize against hand values and its zero padding.
import { srand, rndInt, alloc, free } from "./helpers";
import { resample_ksize, resample_coeffs, resample_bilinear_u8, resample_vertical_row__scalar,
         resample_vertical_row__wasmsimd, resample_horizontal_row__scalar,
         resample_horizontal_row__wasmsimd, crop_normalize } from "../resample";

function bytes(n: i32): usize { return alloc<u8>(n); }
function randBytes(n: i32): usize {
  const p = bytes(n);
  for (let i = 0; i < n; i++) store<u8>(p + <usize>i, <u8>rndInt(256));
  return p;
}
function byteDiff(p: usize, q: usize, n: i32): i32 {
  let bad = 0;
  for (let i = 0; i < n; i++) if (load<u8>(p + <usize>i) != load<u8>(q + <usize>i)) bad++;
  return bad;
}
function k(kk: usize, i: i32): i32 { return load<i32>(kk + (<usize>i << 2)); }
function b(bounds: usize, i: i32): i32 { return load<i32>(bounds + (<usize>i << 2)); }

/** out (Ho, Wo, C) of a resize of inp (H, W, C), with every scratch buffer allocated here. */
function resize(out: usize, inp: usize, H: i32, W: i32, Ho: i32, Wo: i32, C: i32): void {
  const ksh = resample_ksize(W, Wo), ksv = resample_ksize(H, Ho);
  const tmp = bytes(H * Wo * C), bh = alloc<i32>(Wo * 2), kh = alloc<i32>(Wo * ksh), bv = alloc<i32>(Ho * 2), kv = alloc<i32>(Ho * ksv);
  resample_bilinear_u8(out, inp, tmp, bh, kh, bv, kv, H, W, Ho, Wo, C, ksh, ksv);
  free(tmp); free(bh); free(kh); free(bv); free(kv);
}

function transpose(dst: usize, src: usize, R: i32, Cn: i32): void {
  for (let r = 0; r < R; r++) for (let c = 0; c < Cn; c++) store<u8>(dst + <usize>(c * R + r), load<u8>(src + <usize>(r * Cn + c)));
}

describe("resample", () => {
  it("ksize: ceil(max(in/out, 1))·2 + 1", () => {
    expect(resample_ksize(4, 2)).toBe(5);
    expect(resample_ksize(2, 4)).toBe(3);
    expect(resample_ksize(401, 256)).toBe(5);
    expect(resample_ksize(1000, 3)).toBe(669);
  });

  it("coefficients as Pillow's precompute_coeffs + normalize_coeffs_8bpc (hand values)", () => {
    const bounds = alloc<i32>(8), kk = alloc<i32>(20);
    // 4 → 2: support 2, centre 1: taps 0..2 weigh 0.75, 0.75, 0.25 → 3/7, 3/7, 1/7 of 2^22
    resample_coeffs(bounds, kk, 4, 2, 5);
    expect(b(bounds, 0)).toBe(0); expect(b(bounds, 1)).toBe(3);
    expect(k(kk, 0)).toBe(1797559); expect(k(kk, 1)).toBe(1797559); expect(k(kk, 2)).toBe(599186);
    expect(k(kk, 3)).toBe(0); expect(k(kk, 4)).toBe(0);
    expect(b(bounds, 2)).toBe(1); expect(b(bounds, 3)).toBe(3); // centre 3: taps 1..3, 1/7 3/7 3/7
    expect(k(kk, 5)).toBe(599186); expect(k(kk, 6)).toBe(1797559); expect(k(kk, 7)).toBe(1797559);
    // 2 → 4 (upsampling, support 1): one tap of weight 1, then 0.75 / 0.25
    resample_coeffs(bounds, kk, 2, 4, 3);
    expect(b(bounds, 0)).toBe(0); expect(b(bounds, 1)).toBe(1); expect(k(kk, 0)).toBe(4194304);
    expect(b(bounds, 2)).toBe(0); expect(b(bounds, 3)).toBe(2); expect(k(kk, 3)).toBe(3145728); expect(k(kk, 4)).toBe(1048576);
    expect(b(bounds, 6)).toBe(1); expect(b(bounds, 7)).toBe(1); expect(k(kk, 9)).toBe(4194304);
    free(bounds); free(kk);
  });

  it("hand-resized rows, as PIL gives them", () => {
    const inp = bytes(4), out = bytes(4);
    store<u8>(inp, 0); store<u8>(inp + 1, 255);
    resize(out, inp, 1, 2, 1, 4, 1);
    expect(load<u8>(out)).toBe(0); expect(load<u8>(out + 1)).toBe(64); expect(load<u8>(out + 2)).toBe(191); expect(load<u8>(out + 3)).toBe(255);
    store<u8>(inp + 2, 255); store<u8>(inp + 3, 0);
    resize(out, inp, 1, 4, 1, 2, 1);
    expect(load<u8>(out)).toBe(146); expect(load<u8>(out + 1)).toBe(146);
    free(inp); free(out);
  });

  it("vertical row: SIMD == scalar bitwise over tails and tap counts", () => {
    srand(5);
    for (let n = 1; n <= 37; n += 3) {
      for (let taps = 1; taps <= 9; taps += 2) {
        const ld = n + 3;
        const src = randBytes(taps * ld), kk = alloc<i32>(taps), a = bytes(n), c = bytes(n);
        // weights that sum past 2^22 and below 0 exercise both clips
        for (let y = 0; y < taps; y++) store<i32>(kk + (<usize>y << 2), rndInt(3 << 22) - (1 << 22));
        resample_vertical_row__scalar(a, src, kk, taps, <usize>ld, n);
        resample_vertical_row__wasmsimd(c, src, kk, taps, <usize>ld, n);
        expect(byteDiff(a, c, n)).toBe(0);
        free(src); free(kk); free(a); free(c);
      }
    }
  });

  it("horizontal row: SIMD == scalar bitwise for 1, 3 and 4 channels, down- and upscaling, the row's last pixel", () => {
    srand(7);
    const widths: StaticArray<i32> = [1, 2, 3, 5, 9, 17, 40];
    for (let C = 1; C <= 4; C++) {
      if (C == 2) continue;
      for (let i = 0; i < widths.length; i++) {
        for (let j = 0; j < widths.length; j++) {
          const W = widths[i], Wo = widths[j], ks = resample_ksize(W, Wo);
          const bounds = alloc<i32>(Wo * 2), kk = alloc<i32>(Wo * ks);
          resample_coeffs(bounds, kk, W, Wo, ks);
          const src = randBytes(W * C), a = bytes(Wo * C), c = bytes(Wo * C);
          resample_horizontal_row__scalar(a, src, bounds, kk, W, Wo, C, ks);
          resample_horizontal_row__wasmsimd(c, src, bounds, kk, W, Wo, C, ks);
          expect(byteDiff(a, c, Wo * C)).toBe(0);
          free(bounds); free(kk); free(src); free(a); free(c);
        }
      }
    }
  });

  it("the vertical pass is the horizontal pass through a transpose; an unchanged size is a copy", () => {
    srand(9);
    const sizes: StaticArray<i32> = [1, 2, 3, 5, 8, 13, 31, 64];
    for (let i = 0; i < sizes.length; i++) {
      for (let j = 0; j < sizes.length; j++) {
        const H = sizes[i] + 2, W = 7, Ho = sizes[j];
        const x = randBytes(H * W), xt = bytes(H * W), v = bytes(Ho * W), h = bytes(Ho * W), ht = bytes(Ho * W);
        resize(v, x, H, W, Ho, W, 1);        // vertical only
        transpose(xt, x, H, W);
        resize(h, xt, W, H, W, Ho, 1);       // horizontal only, on (W, H)
        transpose(ht, h, W, Ho);
        expect(byteDiff(v, ht, Ho * W)).toBe(0);
        free(x); free(xt); free(v); free(h); free(ht);
      }
    }
    const x = randBytes(5 * 6 * 3), y = bytes(5 * 6 * 3);
    resize(y, x, 5, 6, 5, 6, 3);
    expect(byteDiff(x, y, 90)).toBe(0);
    free(x); free(y);
  });

  it("both passes of a 3-channel image equal one channel at a time", () => {
    srand(13);
    const H = 23, W = 17, Ho = 9, Wo = 30;
    const x = randBytes(H * W * 3), y = bytes(Ho * Wo * 3), plane = bytes(H * W), one = bytes(Ho * Wo);
    resize(y, x, H, W, Ho, Wo, 3);
    let bad = 0;
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < H * W; p++) store<u8>(plane + <usize>p, load<u8>(x + <usize>(p * 3 + c)));
      resize(one, plane, H, W, Ho, Wo, 1);
      for (let p = 0; p < Ho * Wo; p++) if (load<u8>(one + <usize>p) != load<u8>(y + <usize>(p * 3 + c))) bad++;
    }
    expect(bad).toBe(0);
    free(x); free(y); free(plane); free(one);
  });

  it("crop_normalize: (v/255 − mean)/std in F, zero outside the image", () => {
    const img = bytes(2 * 3 * 3);
    for (let i = 0; i < 18; i++) store<u8>(img + <usize>i, <u8>(i * 15));
    // image (2, 3): crop 4 × 2 starting at row -1, column 1: rows -1 and 2 are padding
    const out32 = alloc<f32>(3 * 8), out64 = alloc<f64>(3 * 8);
    crop_normalize<f32>(out32, img, 2, 3, -1, 1, 4, 2, 0.485, 0.456, 0.406, 0.229, 0.224, 0.225);
    crop_normalize<f64>(out64, img, 2, 3, -1, 1, 4, 2, 0.485, 0.456, 0.406, 0.229, 0.224, 0.225);
    const mean: StaticArray<f64> = [0.485, 0.456, 0.406], std: StaticArray<f64> = [0.229, 0.224, 0.225];
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 2; j++) {
          const y = i - 1, x = j + 1;
          const v: i32 = y >= 0 && y < 2 ? (y * 3 + x) * 3 * 15 + c * 15 : 0;
          const o = (c * 8 + i * 2 + j);
          expect(load<f32>(out32 + (<usize>o << 2))).toBe((<f32>v / <f32>255 - <f32>mean[c]) / <f32>std[c]);
          expect(load<f64>(out64 + (<usize>o << 3))).toBe((<f64>v / 255.0 - mean[c]) / std[c]);
        }
      }
    }
    free(img); free(out32); free(out64);
  });
});
