// Spatial batch normalization (CS231n spatial_batchnorm_forward / _backward: the vanilla
// batchnorm over the N·H·W values of each channel), and the run reductions it (and the
// convolution's db) is made of.
// Shapes: x, out, dout, dx are (N,C,HW) (NCHW with HW = H·W); gamma, beta, mean, inv_std,
// running_mean, running_var, dgamma, dbeta are (C). Kernels work on the channels [c0, c1), so a
// plan can split the channels between threads; every channel's numbers depend only on itself.
//
// The reductions sum in f64 for both F (float32 batches of 10⁵ values keep their digits) on one
// schedule, the contract both twins follow bitwise: the values of a channel are R runs of P
// contiguous F (one per image), four accumulators a[0..3]; in every run, value k goes to
// a[k mod 4] (k = 0..P-1 in order, runs in order); the result is (a0 + a2) + (a1 + a3). The SIMD
// body holds a[0..3] as two f64x2 (float32: one f32x4 promoted in halves), so it is the scalar
// twin's arithmetic exactly.
//
// Per element (train): xhat = (x − mean)·inv_std, out = gamma·xhat + beta, in F with mean and
// inv_std rounded to F once. mean = Σx / M and var = Σ(x − mean)² / M (biased, two passes, f64),
// inv_std = 1 / sqrt(var + eps); running = momentum·running + (1 − momentum)·batch stat (in f64,
// rounded to F). Test mode normalizes by the running statistics instead and leaves them as they
// are. Backward (train): dx = gamma·inv_std·(dout − Σdout/M − xhat·Σ(dout·xhat)/M); test mode:
// dx = gamma·inv_std·dout; dgamma += Σ dout·xhat, dbeta += Σ dout in both.

import { lanes } from "./math";

// Σ over R runs of P contiguous F (run r at p + r·ld elements) of g(value), in the 4-accumulator
// schedule above. MODE 0: g = v; MODE 1: g = (v − m64)² in f64; MODE 2: g = q·xhat with
// xhat = (v − m)·s in F (q at the same offsets from q as v from p), the product in f64.
export function reduce_runs__scalar<F>(mode: i32, p: usize, q: usize, R: i32, P: i32, ld: i32,
                                       m64: f64, m: F, s: F): f64 {
  const S = alignof<F>();
  let a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;
  for (let r = 0; r < R; r++) {
    const o = <usize>r * <usize>ld << S;
    const pr = p + o, qr = q + o;
    for (let k = 0; k < P; k++) {
      const v = load<F>(pr + (<usize>k << S));
      let g: f64;
      if (mode == 0) g = <f64>v;
      else if (mode == 1) { const d = <f64>v - m64; g = d * d; }
      else g = <f64>load<F>(qr + (<usize>k << S)) * <f64>((v - m) * s);
      const j = k & 3;
      if (j == 0) a0 += g; else if (j == 1) a1 += g; else if (j == 2) a2 += g; else a3 += g;
    }
  }
  return (a0 + a2) + (a1 + a3);
}

/** Lanes 0,1 (h = 0) or 2,3 (h = 1) of four F at v as an f64x2 (f32: v is one f32x4). */
// @ts-ignore: decorator
@inline function half64<F>(v: v128, h: i32): v128 {
  if (sizeof<F>() == 8) return v;
  return h == 0 ? f64x2.promote_low_f32x4(v) : f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
}

export function reduce_runs__wasmsimd<F>(mode: i32, p: usize, q: usize, R: i32, P: i32, ld: i32,
                                         m64: f64, m: F, s: F): f64 {
  const S = alignof<F>();
  const L = lanes<F>();
  const P4 = P & ~3;
  let lo = f64x2.splat(0), hi = f64x2.splat(0);
  const vm64 = f64x2.splat(m64), vm = v128.splat<F>(m), vs = v128.splat<F>(s);
  for (let r = 0; r < R; r++) {
    const o = <usize>r * <usize>ld << S;
    const pr = p + o, qr = q + o;
    for (let k = 0; k < P4; k += 4) {
      const pk = pr + (<usize>k << S), qk = qr + (<usize>k << S);
      // four F: one f32x4, or two f64x2 (the second 16 bytes on)
      const v0 = v128.load(pk), v1 = L == 4 ? v0 : v128.load(pk, 16);
      let g0: v128, g1: v128;
      if (mode == 0) { g0 = half64<F>(v0, 0); g1 = half64<F>(v1, 1); }
      else if (mode == 1) {
        const d0 = f64x2.sub(half64<F>(v0, 0), vm64), d1 = f64x2.sub(half64<F>(v1, 1), vm64);
        g0 = f64x2.mul(d0, d0); g1 = f64x2.mul(d1, d1);
      } else {
        const w0 = v128.load(qk), w1 = L == 4 ? w0 : v128.load(qk, 16);
        const x0 = v128.mul<F>(v128.sub<F>(v0, vm), vs), x1 = L == 4 ? x0 : v128.mul<F>(v128.sub<F>(v1, vm), vs);
        g0 = f64x2.mul(half64<F>(w0, 0), half64<F>(x0, 0)); g1 = f64x2.mul(half64<F>(w1, 1), half64<F>(x1, 1));
      }
      lo = f64x2.add(lo, g0); hi = f64x2.add(hi, g1);
    }
    for (let k = P4; k < P; k++) {
      const v = load<F>(pr + (<usize>k << S));
      let g: f64;
      if (mode == 0) g = <f64>v;
      else if (mode == 1) { const d = <f64>v - m64; g = d * d; }
      else g = <f64>load<F>(qr + (<usize>k << S)) * <f64>((v - m) * s);
      const j = k & 3;
      // a[j] += g, a[0..1] in lo and a[2] in hi (the order of the adds into each a[j] is the scalar's)
      if (j == 0) lo = f64x2.replace_lane(lo, 0, f64x2.extract_lane(lo, 0) + g);
      else if (j == 1) lo = f64x2.replace_lane(lo, 1, f64x2.extract_lane(lo, 1) + g);
      else hi = f64x2.replace_lane(hi, 0, f64x2.extract_lane(hi, 0) + g);
    }
  }
  const t = f64x2.add(lo, hi); // (a0 + a2, a1 + a3)
  return f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
}

// @ts-ignore: decorator
@inline export function reduce_runs<F>(mode: i32, p: usize, q: usize, R: i32, P: i32, ld: i32, m64: f64, m: F, s: F): f64 {
  if (ASC_FEATURE_SIMD) return reduce_runs__wasmsimd<F>(mode, p, q, R, P, ld, m64, m, s);
  return reduce_runs__scalar<F>(mode, p, q, R, P, ld, m64, m, s);
}

// Per element of one run of P: MODE 0 (forward) y = g·((x − m)·s) + b;
// MODE 1 (backward) y = k·((dy − a) − ((x − m)·s)·c), dy at q. y written, x (and dy) read.
export function bn_run__scalar<F>(mode: i32, y: usize, x: usize, q: usize, P: i32, m: F, s: F, g: F, b: F, a: F, c: F): void {
  const S = alignof<F>();
  for (let k = 0; k < P; k++) {
    const o = <usize>k << S;
    const xh = (load<F>(x + o) - m) * s;
    store<F>(y + o, mode == 0 ? g * xh + b : g * ((load<F>(q + o) - a) - xh * c));
  }
}
export function bn_run__wasmsimd<F>(mode: i32, y: usize, x: usize, q: usize, P: i32, m: F, s: F, g: F, b: F, a: F, c: F): void {
  const S = alignof<F>();
  const L = lanes<F>();
  const vm = v128.splat<F>(m), vs = v128.splat<F>(s), vg = v128.splat<F>(g), vb = v128.splat<F>(b);
  const va = v128.splat<F>(a), vc = v128.splat<F>(c);
  let k = 0;
  for (; k + L <= P; k += L) {
    const o = <usize>k << S;
    const xh = v128.mul<F>(v128.sub<F>(v128.load(x + o), vm), vs);
    const r = mode == 0
      ? v128.add<F>(v128.mul<F>(vg, xh), vb)
      : v128.mul<F>(vg, v128.sub<F>(v128.sub<F>(v128.load(q + o), va), v128.mul<F>(xh, vc)));
    v128.store(y + o, r);
  }
  for (; k < P; k++) {
    const o = <usize>k << S;
    const xh = (load<F>(x + o) - m) * s;
    store<F>(y + o, mode == 0 ? g * xh + b : g * ((load<F>(q + o) - a) - xh * c));
  }
}
// @ts-ignore: decorator
@inline function bn_run<F>(mode: i32, y: usize, x: usize, q: usize, P: i32, m: F, s: F, g: F, b: F, a: F, c: F): void {
  if (ASC_FEATURE_SIMD) bn_run__wasmsimd<F>(mode, y, x, q, P, m, s, g, b, a, c);
  else bn_run__scalar<F>(mode, y, x, q, P, m, s, g, b, a, c);
}

// @ts-ignore: decorator
@inline function at<F>(p: usize, i: i32): usize { return p + (<usize>i << alignof<F>()); }

// out (N,C,HW) written for channels [c0,c1); mean, inv_std (C) written there. train ≠ 0: the batch
// statistics, and running_mean, running_var (C) updated in place; train = 0: the running
// statistics (read only) normalize. x, gamma, beta read.
export function spatial_batchnorm_forward<F>(out: usize, mean: usize, inv_std: usize, running_mean: usize, running_var: usize,
                                             x: usize, gamma: usize, beta: usize, N: i32, C: i32, HW: i32, c0: i32, c1: i32,
                                             eps: f64, momentum: f64, train: i32): void {
  const ld = C * HW;
  const M = <f64>N * <f64>HW;
  for (let c = c0; c < c1; c++) {
    const xc = at<F>(x, c * HW);
    let m64: f64, is64: f64;
    if (train) {
      m64 = reduce_runs<F>(0, xc, 0, N, HW, ld, 0, 0, 0) / M;
      const v64 = reduce_runs<F>(1, xc, 0, N, HW, ld, m64, 0, 0) / M;
      is64 = 1.0 / Math.sqrt(v64 + eps);
      store<F>(at<F>(running_mean, c), <F>(momentum * <f64>load<F>(at<F>(running_mean, c)) + (1.0 - momentum) * m64));
      store<F>(at<F>(running_var, c), <F>(momentum * <f64>load<F>(at<F>(running_var, c)) + (1.0 - momentum) * v64));
    } else {
      m64 = <f64>load<F>(at<F>(running_mean, c));
      is64 = 1.0 / Math.sqrt(<f64>load<F>(at<F>(running_var, c)) + eps);
    }
    const m = <F>m64, s = <F>is64;
    store<F>(at<F>(mean, c), m);
    store<F>(at<F>(inv_std, c), s);
    const g = load<F>(at<F>(gamma, c)), b = load<F>(at<F>(beta, c));
    for (let n = 0; n < N; n++) {
      const o = n * ld + c * HW;
      bn_run<F>(0, at<F>(out, o), at<F>(x, o), 0, HW, m, s, g, b, 0, 0);
    }
  }
}

// dx (N,C,HW) written for channels [c0,c1); dgamma, dbeta (C) accumulated there; dout, x read;
// gamma, mean, inv_std (C) read (from the forward pass; train as in the forward pass).
export function spatial_batchnorm_backward<F>(dx: usize, dgamma: usize, dbeta: usize, dout: usize, x: usize,
                                              gamma: usize, mean: usize, inv_std: usize, N: i32, C: i32, HW: i32,
                                              c0: i32, c1: i32, train: i32): void {
  const ld = C * HW;
  const M = <f64>N * <f64>HW;
  for (let c = c0; c < c1; c++) {
    const xc = at<F>(x, c * HW), dc = at<F>(dout, c * HW);
    const m = load<F>(at<F>(mean, c)), s = load<F>(at<F>(inv_std, c)), g = load<F>(at<F>(gamma, c));
    const sdy = reduce_runs<F>(0, dc, 0, N, HW, ld, 0, 0, 0);
    const sdyx = reduce_runs<F>(2, xc, dc, N, HW, ld, 0, m, s);
    store<F>(at<F>(dbeta, c), load<F>(at<F>(dbeta, c)) + <F>sdy);
    store<F>(at<F>(dgamma, c), load<F>(at<F>(dgamma, c)) + <F>sdyx);
    const k = g * s;
    const a = train ? <F>(sdy / M) : <F>0, cc = train ? <F>(sdyx / M) : <F>0;
    for (let n = 0; n < N; n++) {
      const o = n * ld + c * HW;
      bn_run<F>(1, at<F>(dx, o), at<F>(x, o), at<F>(dout, o), HW, m, s, k, 0, a, cc);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Exports, one line each (README.md has the contracts).
export function f32_spatial_batchnorm_forward(out: usize, mean: usize, inv_std: usize, running_mean: usize, running_var: usize, x: usize, gamma: usize, beta: usize, N: i32, C: i32, HW: i32, c0: i32, c1: i32, eps: f64, momentum: f64, train: i32): void { spatial_batchnorm_forward<f32>(out, mean, inv_std, running_mean, running_var, x, gamma, beta, N, C, HW, c0, c1, eps, momentum, train); }
export function f64_spatial_batchnorm_forward(out: usize, mean: usize, inv_std: usize, running_mean: usize, running_var: usize, x: usize, gamma: usize, beta: usize, N: i32, C: i32, HW: i32, c0: i32, c1: i32, eps: f64, momentum: f64, train: i32): void { spatial_batchnorm_forward<f64>(out, mean, inv_std, running_mean, running_var, x, gamma, beta, N, C, HW, c0, c1, eps, momentum, train); }
export function f32_spatial_batchnorm_backward(dx: usize, dgamma: usize, dbeta: usize, dout: usize, x: usize, gamma: usize, mean: usize, inv_std: usize, N: i32, C: i32, HW: i32, c0: i32, c1: i32, train: i32): void { spatial_batchnorm_backward<f32>(dx, dgamma, dbeta, dout, x, gamma, mean, inv_std, N, C, HW, c0, c1, train); }
export function f64_spatial_batchnorm_backward(dx: usize, dgamma: usize, dbeta: usize, dout: usize, x: usize, gamma: usize, mean: usize, inv_std: usize, N: i32, C: i32, HW: i32, c0: i32, c1: i32, train: i32): void { spatial_batchnorm_backward<f64>(dx, dgamma, dbeta, dout, x, gamma, mean, inv_std, N, C, HW, c0, c1, train); }
