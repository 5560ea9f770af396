// Inference convolution and pooling over NHWC (conv2d.ts, dwconv.ts, pool2d.ts): the SIMD body,
// the scalar twin and a naive loop (zero padding, k = (ky, kx, c) in order, then + bias, + res,
// activation) agree BITWISE, over sizes through primes and remainders: channels in and out
// (every sliver tail), kernel 1/3/7, stride 1/2, padding 0-3, every activation, with and without
// the residual; and any split of the output into pixel or channel ranges gives the same bits.
import { SIZES, srand, rand, alloc, free, bitDiff, get, set, zeros } from "./helpers";
import { conv2d__scalar, conv2d__wasmsimd } from "../conv2d";
import { dwconv2d__scalar, dwconv2d__wasmsimd } from "../dwconv";
import { max_pool2d__scalar, max_pool2d__wasmsimd, adaptive_avg_pool2d__scalar, adaptive_avg_pool2d__wasmsimd } from "../pool2d";
import { lanes } from "../math";

/** Packs B (K,OC) row-major into the sliver layout of conv2d.ts (columns past OC zero). */
function packB<F>(w: usize, K: i32, OC: i32): usize {
  const V2 = 2 * lanes<F>();
  const ns = (OC + V2 - 1) / V2;
  const wp = alloc<F>(K * ns * V2);
  for (let s = 0; s < ns; s++) for (let k = 0; k < K; k++) for (let l = 0; l < V2; l++) {
    const j = s * V2 + l;
    set<F>(wp, (s * K + k) * V2 + l, j < OC ? get<F>(w, k * OC + j) : <F>0);
  }
  return wp;
}

// @ts-ignore: decorator
@inline function actRef<F>(s: F, act: i32): F {
  if (act != 0) s = max<F>(s, <F>0);
  if (act == 2) s = min<F>(s, <F>6);
  return s;
}

function naiveConv<F>(out: usize, inp: usize, w: usize, bias: usize, res: usize, N: i32, H: i32, W: i32, C: i32,
                      OH: i32, OW: i32, OC: i32, KH: i32, KW: i32, stride: i32, pad: i32, act: i32): void {
  for (let n = 0; n < N; n++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) for (let j = 0; j < OC; j++) {
    let s = <F>0;
    for (let ky = 0; ky < KH; ky++) for (let kx = 0; kx < KW; kx++) for (let c = 0; c < C; c++) {
      const iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
      const x = iy >= 0 && iy < H && ix >= 0 && ix < W ? get<F>(inp, ((n * H + iy) * W + ix) * C + c) : <F>0;
      s += x * get<F>(w, ((ky * KW + kx) * C + c) * OC + j);
    }
    const o = ((n * OH + oy) * OW + ox) * OC + j;
    s = s + get<F>(bias, j);
    if (res != 0) s = s + get<F>(res, o);
    set<F>(out, o, actRef<F>(s, act));
  }
}

let failures = 0;
let cases = 0;

function checkConv<F>(N: i32, H: i32, W: i32, C: i32, OC: i32, K: i32, stride: i32, pad: i32, act: i32, withRes: bool): void {
  const OH = (H + 2 * pad - K) / stride + 1, OW = (W + 2 * pad - K) / stride + 1;
  if (OH < 1 || OW < 1) return;
  const P = N * OH * OW, KK = K * K * C;
  const inp = rand<F>(N * H * W * C, 2.0), w = rand<F>(KK * OC), bias = rand<F>(OC);
  const res = withRes ? rand<F>(P * OC, 3.0) : 0;
  const zero = zeros<F>(K * C);
  const wp = packB<F>(w, KK, OC);
  const ref = alloc<F>(P * OC), sc = alloc<F>(P * OC), sv = alloc<F>(P * OC), parts = alloc<F>(P * OC);
  naiveConv<F>(ref, inp, w, bias, res, N, H, W, C, OH, OW, OC, K, K, stride, pad, act);
  conv2d__scalar<F>(sc, inp, wp, bias, res, zero, N, H, W, C, OH, OW, OC, K, K, stride, pad, 0, P, 0, OC, act);
  conv2d__wasmsimd<F>(sv, inp, wp, bias, res, zero, N, H, W, C, OH, OW, OC, K, K, stride, pad, 0, P, 0, OC, act);
  // a split into pixel ranges (any boundary) and channel ranges (sliver boundaries)
  const V2 = 2 * lanes<F>();
  const pc = P / 3, jc = (OC / V2 / 2) * V2;
  conv2d__wasmsimd<F>(parts, inp, wp, bias, res, zero, N, H, W, C, OH, OW, OC, K, K, stride, pad, 0, pc, 0, OC, act);
  conv2d__wasmsimd<F>(parts, inp, wp, bias, res, zero, N, H, W, C, OH, OW, OC, K, K, stride, pad, pc, P, 0, jc, act);
  conv2d__wasmsimd<F>(parts, inp, wp, bias, res, zero, N, H, W, C, OH, OW, OC, K, K, stride, pad, pc, P, jc, OC, act);
  cases++;
  if (bitDiff<F>(ref, sc, P * OC) != 0) failures++;
  if (bitDiff<F>(ref, sv, P * OC) != 0) failures++;
  if (bitDiff<F>(ref, parts, P * OC) != 0) failures++;
  free(inp); free(w); free(bias); if (res) free(res); free(zero); free(wp); free(ref); free(sc); free(sv); free(parts);
}

function sweepConv<F>(): void {
  for (let s = 0; s < SIZES.length; s++) {
    const n = SIZES[s];
    if (n > 33) continue;
    checkConv<F>(1, 5, 6, n, 9, 3, 1, 1, s % 3, s % 2 == 0);     // C sweep
    checkConv<F>(2, 4, 3, 5, n, 3, 2, 1, (s + 1) % 3, s % 2 == 1); // OC sweep: every sliver tail
    checkConv<F>(1, n, 7, 3, 8, 3, 1 + s % 2, s % 4, 1, false);   // H sweep, stride, padding 0-3
  }
  checkConv<F>(2, 11, 13, 3, 16, 7, 2, 3, 1, false); // the ResNet stem
  checkConv<F>(1, 9, 9, 17, 24, 1, 1, 0, 0, true);   // 1x1
  checkConv<F>(2, 9, 8, 16, 33, 1, 2, 0, 0, false);  // 1x1 stride 2 (downsample)
  checkConv<F>(3, 1, 1, 65, 31, 1, 1, 0, 2, false);  // fully connected, N = 3
  checkConv<F>(1, 5, 5, 4, 8, 5, 1, 2, 2, true);
}

function naiveDw<F>(out: usize, inp: usize, w: usize, bias: usize, N: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32,
                    K: i32, stride: i32, pad: i32, act: i32): void {
  for (let n = 0; n < N; n++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) for (let c = 0; c < C; c++) {
    let s = <F>0;
    for (let ky = 0; ky < K; ky++) for (let kx = 0; kx < K; kx++) {
      const iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
      const x = iy >= 0 && iy < H && ix >= 0 && ix < W ? get<F>(inp, ((n * H + iy) * W + ix) * C + c) : <F>0;
      s += x * get<F>(w, (ky * K + kx) * C + c);
    }
    set<F>(out, ((n * OH + oy) * OW + ox) * C + c, actRef<F>(s + get<F>(bias, c), act));
  }
}

function checkDw<F>(N: i32, H: i32, W: i32, C: i32, K: i32, stride: i32, act: i32, pad: i32 = (K - 1) / 2): void {
  const OH = (H + 2 * pad - K) / stride + 1, OW = (W + 2 * pad - K) / stride + 1;
  const P = N * OH * OW;
  const inp = rand<F>(N * H * W * C, 4.0), w = rand<F>(K * K * C), bias = rand<F>(C), zero = zeros<F>(C);
  // the kernels' layout: channel blocks of one vector, each block's K·K taps contiguous, lanes past C zero
  const L = <i32>(16 / sizeof<F>()), nb = (C + L - 1) / L;
  const wp = zeros<F>(nb * K * K * L);
  for (let t = 0; t < K * K; t++) for (let c = 0; c < C; c++) set<F>(wp, ((c / L) * K * K + t) * L + c % L, get<F>(w, t * C + c));
  const ref = alloc<F>(P * C), sc = alloc<F>(P * C), sv = alloc<F>(P * C);
  naiveDw<F>(ref, inp, w, bias, N, H, W, C, OH, OW, K, stride, pad, act);
  dwconv2d__scalar<F>(sc, inp, wp, bias, zero, H, W, C, OH, OW, K, K, stride, pad, 0, P, act);
  dwconv2d__wasmsimd<F>(sv, inp, wp, bias, zero, H, W, C, OH, OW, K, K, stride, pad, 0, P / 2, act);
  dwconv2d__wasmsimd<F>(sv, inp, wp, bias, zero, H, W, C, OH, OW, K, K, stride, pad, P / 2, P, act);
  cases++;
  if (bitDiff<F>(ref, sc, P * C) != 0) failures++;
  if (bitDiff<F>(ref, sv, P * C) != 0) failures++;
  // ranges that start and end inside rows (thread partitions), down to single pixels
  for (let i = 0; i < P * C; i++) set<F>(sv, i, <F>-1);
  for (let a = 0, b = 1; a < P; a = b, b = min<i32>(P, b + 1 + b % 7)) dwconv2d__wasmsimd<F>(sv, inp, wp, bias, zero, H, W, C, OH, OW, K, K, stride, pad, a, b, act);
  if (bitDiff<F>(ref, sv, P * C) != 0) failures++;
  free(inp); free(w); free(wp); free(bias); free(zero); free(ref); free(sc); free(sv);
}

function checkPools<F>(N: i32, H: i32, W: i32, C: i32, K: i32, stride: i32, pad: i32, OHa: i32, OWa: i32): void {
  const OH = (H + 2 * pad - K) / stride + 1, OW = (W + 2 * pad - K) / stride + 1;
  const inp = rand<F>(N * H * W * C);
  // ties: every third element equal to its neighbour
  for (let i = 3; i < N * H * W * C; i += 3) set<F>(inp, i, get<F>(inp, i - 1));
  const P = N * OH * OW;
  const ref = alloc<F>(P * C), sc = alloc<F>(P * C), sv = alloc<F>(P * C);
  for (let n = 0; n < N; n++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) for (let c = 0; c < C; c++) {
    let m = <F>-Infinity;
    for (let ky = 0; ky < K; ky++) for (let kx = 0; kx < K; kx++) {
      const iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
      if (iy >= 0 && iy < H && ix >= 0 && ix < W) m = max<F>(m, get<F>(inp, ((n * H + iy) * W + ix) * C + c));
    }
    set<F>(ref, ((n * OH + oy) * OW + ox) * C + c, m);
  }
  max_pool2d__scalar<F>(sc, inp, H, W, C, OH, OW, K, stride, pad, 0, P);
  max_pool2d__wasmsimd<F>(sv, inp, H, W, C, OH, OW, K, stride, pad, 0, P);
  cases++;
  if (bitDiff<F>(ref, sc, P * C) != 0) failures++;
  if (bitDiff<F>(ref, sv, P * C) != 0) failures++;
  // adaptive average: PyTorch's windows [floor(i·H/OH), ceil((i+1)·H/OH))
  const PA = N * OHa * OWa;
  const ra = alloc<F>(PA * C), ac = alloc<F>(PA * C), av = alloc<F>(PA * C);
  for (let n = 0; n < N; n++) for (let oy = 0; oy < OHa; oy++) for (let ox = 0; ox < OWa; ox++) for (let c = 0; c < C; c++) {
    const y0 = <i32>Math.floor(<f64>(oy * H) / OHa), y1 = <i32>Math.ceil(<f64>((oy + 1) * H) / OHa);
    const x0 = <i32>Math.floor(<f64>(ox * W) / OWa), x1 = <i32>Math.ceil(<f64>((ox + 1) * W) / OWa);
    let s = <F>0;
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) s += get<F>(inp, ((n * H + y) * W + x) * C + c);
    set<F>(ra, ((n * OHa + oy) * OWa + ox) * C + c, s / <F>((y1 - y0) * (x1 - x0)));
  }
  adaptive_avg_pool2d__scalar<F>(ac, inp, H, W, C, OHa, OWa, 0, PA);
  adaptive_avg_pool2d__wasmsimd<F>(av, inp, H, W, C, OHa, OWa, 0, PA - 1);
  adaptive_avg_pool2d__wasmsimd<F>(av, inp, H, W, C, OHa, OWa, PA - 1, PA);
  cases++;
  if (bitDiff<F>(ra, ac, PA * C) != 0) failures++;
  if (bitDiff<F>(ra, av, PA * C) != 0) failures++;
  free(inp); free(ref); free(sc); free(sv); free(ra); free(ac); free(av);
}

describe("conv2d_nhwc", () => {
  it("SIMD == scalar == naive bitwise, any pixel/channel split, f32 and f64", () => {
    srand(31); failures = 0; cases = 0;
    sweepConv<f32>(); sweepConv<f64>();
    expect(failures).toBe(0);
    expect(cases).toBeGreaterThan(60);
  });
});

describe("dwconv2d_nhwc", () => {
  it("SIMD == scalar == naive bitwise over channel tails, stride 1/2, padding 0/1, ReLU6, any split of the pixels", () => {
    srand(32); failures = 0; cases = 0;
    for (let s = 0; s < SIZES.length; s++) {
      checkDw<f32>(1 + s % 2, 5, 7, SIZES[s], 3, 1 + s % 2, 2); checkDw<f64>(1, 6, 5, SIZES[s], 3, 2 - s % 2, s % 3);
    }
    checkDw<f32>(2, 9, 9, 24, 5, 2, 1);
    // maps wide enough for the 3x3 interior path (three rows inside, taps at +0/+pix/+2pix), odd
    // and even sizes, no padding (every pixel interior), images smaller than the kernel's reach
    checkDw<f32>(2, 11, 13, 36, 3, 1, 2); checkDw<f32>(1, 12, 15, 20, 3, 2, 1); checkDw<f64>(2, 10, 9, 6, 3, 1, 2);
    checkDw<f64>(1, 9, 12, 7, 3, 2, 0); checkDw<f32>(1, 8, 7, 12, 3, 1, 1, 0); checkDw<f32>(2, 9, 10, 9, 3, 2, 2, 0);
    checkDw<f32>(1, 2, 1, 8, 3, 1, 2); checkDw<f64>(1, 1, 3, 4, 3, 2, 1); checkDw<f32>(1, 3, 3, 5, 3, 1, 0, 0);
    expect(failures).toBe(0);
    expect(cases).toBe(2 * SIZES.length + 10);
  });
});

describe("pooling", () => {
  it("max (ResNet stem 3/2 pad 1, VGG 2/2) and adaptive average (global, 7x7 of a larger map, upsampling) bitwise", () => {
    srand(33); failures = 0; cases = 0;
    for (let s = 0; s < SIZES.length; s++) {
      checkPools<f32>(2, 7, 6, SIZES[s], 3, 2, 1, 1, 1); checkPools<f64>(1, 8, 9, SIZES[s], 2, 2, 0, 3, 2);
    }
    checkPools<f32>(1, 14, 15, 5, 3, 2, 1, 7, 7);
    checkPools<f64>(1, 3, 2, 6, 2, 1, 0, 7, 7); // smaller than 7x7: windows overlap
    expect(failures).toBe(0);
  });
});
