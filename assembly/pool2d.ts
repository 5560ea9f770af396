// Pooling over NHWC, F = f32 | f64: inp (N,H,W,C), out (N,OH,OW,C); output pixels [p0,p1)
// (p = (n·OH + oy)·OW + ox) written. The SIMD bodies vectorise over channels (a vector, then
// a scalar tail) and take the same steps per element as their scalar twins: bit-identical.
//
// max_pool2d_nhwc: out = the max (wasm max: NaN propagates) over the K×K window at
//   (oy·stride − pad, ox·stride − pad), taps in the padding skipped (PyTorch pads with −inf);
//   the ResNet stem is K=3, stride 2, pad 1.
// adaptive_avg_pool2d_nhwc: PyTorch's AdaptiveAvgPool2d: the window of output (oy, ox) is rows
//   [⌊oy·H/OH⌋, ⌈(oy+1)·H/OH⌉) × columns likewise; out = (Σ over the window, rows then columns,
//   from zero) / count. OH = OW = 1 is the global average pool; VGG's (7,7).
import { lanes } from "./math";

export function max_pool2d__scalar<F>(out: usize, inp: usize, H: i32, W: i32, C: i32, OH: i32, OW: i32,
                                      K: i32, stride: i32, pad: i32, p0: i32, p1: i32): void {
  const S = alignof<F>();
  const pix = <usize>C << S, row = <usize>W * pix, img = <usize>H * row;
  const OHW = OH * OW;
  for (let p = p0; p < p1; p++) {
    const n = p / OHW, r = p - n * OHW, oy = r / OW, ox = r - oy * OW;
    const y0 = max<i32>(oy * stride - pad, 0), y1 = min<i32>(oy * stride - pad + K, H);
    const x0 = max<i32>(ox * stride - pad, 0), x1 = min<i32>(ox * stride - pad + K, W);
    const q = out + <usize>p * pix;
    for (let c = 0; c < C; c++) {
      const cb = <usize>c << S;
      let m = <F>-Infinity;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) {
        m = max<F>(m, load<F>(inp + <usize>n * img + <usize>y * row + <usize>x * pix + cb));
      }
      store<F>(q + cb, m);
    }
  }
}

export function max_pool2d__wasmsimd<F>(out: usize, inp: usize, H: i32, W: i32, C: i32, OH: i32, OW: i32,
                                        K: i32, stride: i32, pad: i32, p0: i32, p1: i32): void {
  const L = lanes<F>();
  const S = alignof<F>();
  const pix = <usize>C << S, row = <usize>W * pix, img = <usize>H * row;
  const OHW = OH * OW;
  const C1 = C - C % L;
  for (let p = p0; p < p1; p++) {
    const n = p / OHW, r = p - n * OHW, oy = r / OW, ox = r - oy * OW;
    const y0 = max<i32>(oy * stride - pad, 0), y1 = min<i32>(oy * stride - pad + K, H);
    const x0 = max<i32>(ox * stride - pad, 0), x1 = min<i32>(ox * stride - pad + K, W);
    const q = out + <usize>p * pix;
    const base = inp + <usize>n * img;
    let c = 0;
    for (; c < C1; c += L) {
      const cb = <usize>c << S;
      let m = v128.splat<F>(<F>-Infinity);
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) {
        m = v128.max<F>(m, v128.load(base + <usize>y * row + <usize>x * pix + cb));
      }
      v128.store(q + cb, m);
    }
    for (; c < C; c++) {
      const cb = <usize>c << S;
      let m = <F>-Infinity;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) {
        m = max<F>(m, load<F>(base + <usize>y * row + <usize>x * pix + cb));
      }
      store<F>(q + cb, m);
    }
  }
}

export function adaptive_avg_pool2d__scalar<F>(out: usize, inp: usize, H: i32, W: i32, C: i32, OH: i32, OW: i32,
                                               p0: i32, p1: i32): void {
  const S = alignof<F>();
  const pix = <usize>C << S, row = <usize>W * pix, img = <usize>H * row;
  const OHW = OH * OW;
  for (let p = p0; p < p1; p++) {
    const n = p / OHW, r = p - n * OHW, oy = r / OW, ox = r - oy * OW;
    const y0 = oy * H / OH, y1 = ((oy + 1) * H + OH - 1) / OH;
    const x0 = ox * W / OW, x1 = ((ox + 1) * W + OW - 1) / OW;
    const cnt = <F>((y1 - y0) * (x1 - x0));
    const q = out + <usize>p * pix;
    for (let c = 0; c < C; c++) {
      const cb = <usize>c << S;
      let s = <F>0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) {
        s += load<F>(inp + <usize>n * img + <usize>y * row + <usize>x * pix + cb);
      }
      store<F>(q + cb, s / cnt);
    }
  }
}

export function adaptive_avg_pool2d__wasmsimd<F>(out: usize, inp: usize, H: i32, W: i32, C: i32, OH: i32, OW: i32,
                                                 p0: i32, p1: i32): void {
  const L = lanes<F>();
  const S = alignof<F>();
  const pix = <usize>C << S, row = <usize>W * pix, img = <usize>H * row;
  const OHW = OH * OW;
  const C1 = C - C % L;
  for (let p = p0; p < p1; p++) {
    const n = p / OHW, r = p - n * OHW, oy = r / OW, ox = r - oy * OW;
    const y0 = oy * H / OH, y1 = ((oy + 1) * H + OH - 1) / OH;
    const x0 = ox * W / OW, x1 = ((ox + 1) * W + OW - 1) / OW;
    const cnt = <F>((y1 - y0) * (x1 - x0));
    const vcnt = v128.splat<F>(cnt);
    const q = out + <usize>p * pix;
    const base = inp + <usize>n * img;
    let c = 0;
    for (; c < C1; c += L) {
      const cb = <usize>c << S;
      let s = v128.splat<F>(0);
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) {
        s = v128.add<F>(s, v128.load(base + <usize>y * row + <usize>x * pix + cb));
      }
      v128.store(q + cb, v128.div<F>(s, vcnt));
    }
    for (; c < C; c++) {
      const cb = <usize>c << S;
      let s = <F>0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) {
        s += load<F>(base + <usize>y * row + <usize>x * pix + cb);
      }
      store<F>(q + cb, s / cnt);
    }
  }
}

// @ts-ignore: decorator
@inline export function max_pool2d<F>(out: usize, inp: usize, H: i32, W: i32, C: i32, OH: i32, OW: i32, K: i32, stride: i32, pad: i32, p0: i32, p1: i32): void {
  if (ASC_FEATURE_SIMD) max_pool2d__wasmsimd<F>(out, inp, H, W, C, OH, OW, K, stride, pad, p0, p1); else max_pool2d__scalar<F>(out, inp, H, W, C, OH, OW, K, stride, pad, p0, p1);
}
// @ts-ignore: decorator
@inline export function adaptive_avg_pool2d<F>(out: usize, inp: usize, H: i32, W: i32, C: i32, OH: i32, OW: i32, p0: i32, p1: i32): void {
  if (ASC_FEATURE_SIMD) adaptive_avg_pool2d__wasmsimd<F>(out, inp, H, W, C, OH, OW, p0, p1); else adaptive_avg_pool2d__scalar<F>(out, inp, H, W, C, OH, OW, p0, p1);
}

// Exports, one line each (README.md has the contracts).
export function f32_max_pool2d_nhwc(out: usize, inp: usize, H: i32, W: i32, C: i32, OH: i32, OW: i32, K: i32, stride: i32, pad: i32, p0: i32, p1: i32): void { max_pool2d<f32>(out, inp, H, W, C, OH, OW, K, stride, pad, p0, p1); }
export function f64_max_pool2d_nhwc(out: usize, inp: usize, H: i32, W: i32, C: i32, OH: i32, OW: i32, K: i32, stride: i32, pad: i32, p0: i32, p1: i32): void { max_pool2d<f64>(out, inp, H, W, C, OH, OW, K, stride, pad, p0, p1); }
export function f32_adaptive_avg_pool2d_nhwc(out: usize, inp: usize, H: i32, W: i32, C: i32, OH: i32, OW: i32, p0: i32, p1: i32): void { adaptive_avg_pool2d<f32>(out, inp, H, W, C, OH, OW, p0, p1); }
export function f64_adaptive_avg_pool2d_nhwc(out: usize, inp: usize, H: i32, W: i32, C: i32, OH: i32, OW: i32, p0: i32, p1: i32): void { adaptive_avg_pool2d<f64>(out, inp, H, W, C, OH, OW, p0, p1); }
