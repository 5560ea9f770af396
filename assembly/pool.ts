// Max pooling, ReLU (CS231n max_pool_forward_naive / _backward_naive, relu_forward /
// relu_backward) and the sigmoid (rnn_layers.py's sigmoid, as an output layer). Pooling works on `planes` = N·C planes of H x W (NCHW), so a plan can split the
// planes between threads; outputs are Ho x Wo with Ho = (H − ph) / stride + 1 (the caller checks
// the division is exact, as CS231n's assert).
//
// Ties: each window is scanned row-major (i, then j) and a value replaces the maximum only when
// it is strictly greater, so the first maximum wins (numpy's argmax over the flattened window).
// `idx` (i32, one per output) keeps that position as an offset into the input plane; the backward
// pass routes each dout to it (dx accumulated in output order, so overlapping windows add up).
// The SIMD body takes L = 4 (f32) / 2 (f64) neighbouring outputs of a row as lanes and makes the
// same strict comparisons lane by lane: the same maxima and positions as the scalar twin.

import { lanes, sigmoid_exp, sigmoid_e, vsigmoid_exp, vsigmoid_e } from "./math";

/** L values of F starting at p, `step` bytes apart (one load when contiguous). */
// @ts-ignore: decorator
@inline function gather<F>(p: usize, step: usize): v128 {
  if (step == sizeof<F>()) return v128.load(p);
  let v = v128.splat<F>(load<F>(p));
  v = v128.replace_lane<F>(v, 1, load<F>(p + step));
  if (sizeof<F>() == 4) {
    v = v128.replace_lane<F>(v, 2, load<F>(p + 2 * step));
    v = v128.replace_lane<F>(v, 3, load<F>(p + 3 * step));
  }
  return v;
}

// out (planes,Ho,Wo) written = the window maxima of x (planes,H,W) read; idx (planes,Ho,Wo) i32
// written = each maximum's offset in its plane.
export function max_pool_forward__scalar<F>(out: usize, idx: usize, x: usize, planes: i32, H: i32, W: i32,
                                            ph: i32, pw: i32, stride: i32): void {
  const S = alignof<F>();
  const Ho = (H - ph) / stride + 1, Wo = (W - pw) / stride + 1;
  for (let p = 0; p < planes; p++) {
    const xp = x + (<usize>p * <usize>(H * W) << S);
    const o = <usize>p * <usize>(Ho * Wo);
    for (let ho = 0; ho < Ho; ho++) {
      for (let wo = 0; wo < Wo; wo++) {
        const e0 = ho * stride * W + wo * stride;
        let best = load<F>(xp + (<usize>e0 << S)), bi = e0;
        for (let i = 0; i < ph; i++) {
          for (let j = 0; j < pw; j++) {
            const e = e0 + i * W + j;
            const v = load<F>(xp + (<usize>e << S));
            if (v > best) { best = v; bi = e; }
          }
        }
        const k = o + <usize>(ho * Wo + wo);
        store<F>(out + (k << S), best);
        store<i32>(idx + (k << 2), bi);
      }
    }
  }
}

export function max_pool_forward__wasmsimd<F>(out: usize, idx: usize, x: usize, planes: i32, H: i32, W: i32,
                                              ph: i32, pw: i32, stride: i32): void {
  const S = alignof<F>();
  const L = lanes<F>();
  const Ho = (H - ph) / stride + 1, Wo = (W - pw) / stride + 1;
  const step = <usize>stride << S;
  for (let p = 0; p < planes; p++) {
    const xp = x + (<usize>p * <usize>(H * W) << S);
    const o = <usize>p * <usize>(Ho * Wo);
    for (let ho = 0; ho < Ho; ho++) {
      const ko = o + <usize>(ho * Wo);
      let wo = 0;
      for (; wo + L <= Wo; wo += L) {
        const e0 = ho * stride * W + wo * stride;
        let best = gather<F>(xp + (<usize>e0 << S), step);
        let bq = v128.splat<i32>(0); // window position i·pw + j of each lane's maximum
        for (let i = 0; i < ph; i++) {
          for (let j = 0; j < pw; j++) {
            const v = gather<F>(xp + (<usize>(e0 + i * W + j) << S), step);
            const gt = v128.gt<F>(v, best);
            best = v128.bitselect(v, best, gt);
            const q = i * pw + j;
            bq = v128.bitselect(sizeof<F>() == 4 ? i32x4.splat(q) : i64x2.splat(<i64>q), bq, gt);
          }
        }
        v128.store(out + (ko + <usize>wo << S), best);
        const ip = idx + (ko + <usize>wo << 2);
        if (sizeof<F>() == 4) v128.store(ip, bq);
        else { store<i32>(ip, <i32>i64x2.extract_lane(bq, 0)); store<i32>(ip, <i32>i64x2.extract_lane(bq, 1), 4); }
        for (let l = 0; l < L; l++) { // window position -> offset in the plane
          const q = load<i32>(ip + (<usize>l << 2));
          store<i32>(ip + (<usize>l << 2), e0 + l * stride + (q / pw) * W + q % pw);
        }
      }
      for (; wo < Wo; wo++) {
        const e0 = ho * stride * W + wo * stride;
        let best = load<F>(xp + (<usize>e0 << S)), bi = e0;
        for (let i = 0; i < ph; i++) {
          for (let j = 0; j < pw; j++) {
            const e = e0 + i * W + j;
            const v = load<F>(xp + (<usize>e << S));
            if (v > best) { best = v; bi = e; }
          }
        }
        store<F>(out + (ko + <usize>wo << S), best);
        store<i32>(idx + (ko + <usize>wo << 2), bi);
      }
    }
  }
}

// @ts-ignore: decorator
@inline export function max_pool_forward<F>(out: usize, idx: usize, x: usize, planes: i32, H: i32, W: i32, ph: i32, pw: i32, stride: i32): void {
  if (ASC_FEATURE_SIMD) max_pool_forward__wasmsimd<F>(out, idx, x, planes, H, W, ph, pw, stride);
  else max_pool_forward__scalar<F>(out, idx, x, planes, H, W, ph, pw, stride);
}

// dx (planes,HW) written: zero, then dx[idx[k]] += dout[k] for every output k of a plane in
// order; dout, idx (planes,HoWo) read. A scatter: scalar only.
export function max_pool_backward<F>(dx: usize, dout: usize, idx: usize, planes: i32, HW: i32, HoWo: i32): void {
  const S = alignof<F>();
  memory.fill(dx, 0, <usize>planes * <usize>HW << S);
  for (let p = 0; p < planes; p++) {
    const dp = dx + (<usize>p * <usize>HW << S);
    const o = <usize>p * <usize>HoWo;
    for (let k = 0; k < HoWo; k++) {
      const q = dp + (<usize>load<i32>(idx + (o + <usize>k << 2)) << S);
      store<F>(q, load<F>(q) + load<F>(dout + (o + <usize>k << S)));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// ReLU: out = x > 0 ? x : 0 (so −0 and negatives give +0); dx = x > 0 ? dout : 0.

// out (n) written; x (n) read (out may alias x).
export function relu_forward__scalar<F>(out: usize, x: usize, n: i32): void {
  const S = alignof<F>();
  for (let k = 0; k < n; k++) {
    const v = load<F>(x + (<usize>k << S));
    store<F>(out + (<usize>k << S), v > <F>0 ? v : <F>0);
  }
}
export function relu_forward__wasmsimd<F>(out: usize, x: usize, n: i32): void {
  const S = alignof<F>();
  const L = lanes<F>();
  const z = v128.splat<F>(0);
  let k = 0;
  for (; k + L <= n; k += L) {
    const o = <usize>k << S;
    const v = v128.load(x + o);
    v128.store(out + o, v128.and(v, v128.gt<F>(v, z)));
  }
  for (; k < n; k++) {
    const v = load<F>(x + (<usize>k << S));
    store<F>(out + (<usize>k << S), v > <F>0 ? v : <F>0);
  }
}

// dx (n) written; dout, x (n) read (dx may alias dout).
export function relu_backward__scalar<F>(dx: usize, dout: usize, x: usize, n: i32): void {
  const S = alignof<F>();
  for (let k = 0; k < n; k++) {
    const o = <usize>k << S;
    store<F>(dx + o, load<F>(x + o) > <F>0 ? load<F>(dout + o) : <F>0);
  }
}
export function relu_backward__wasmsimd<F>(dx: usize, dout: usize, x: usize, n: i32): void {
  const S = alignof<F>();
  const L = lanes<F>();
  const z = v128.splat<F>(0);
  let k = 0;
  for (; k + L <= n; k += L) {
    const o = <usize>k << S;
    v128.store(dx + o, v128.and(v128.load(dout + o), v128.gt<F>(v128.load(x + o), z)));
  }
  for (; k < n; k++) {
    const o = <usize>k << S;
    store<F>(dx + o, load<F>(x + o) > <F>0 ? load<F>(dout + o) : <F>0);
  }
}

// ---------------------------------------------------------------------------------------------
// Sigmoid: out = σ(x) in the LSTM's stable form (math.ts: e = exp(−|x|), x ≥ 0 ? 1/(1+e) :
// e/(1+e)); dx = dout·(out·(1 − out)), from the forward's output.

// out (n) written; x (n) read (out may alias x).
export function sigmoid_forward__scalar<F>(out: usize, x: usize, n: i32): void {
  const S = alignof<F>();
  for (let k = 0; k < n; k++) {
    const a = load<F>(x + (<usize>k << S));
    store<F>(out + (<usize>k << S), sigmoid_e<F>(a, sigmoid_exp<F>(a)));
  }
}
export function sigmoid_forward__wasmsimd<F>(out: usize, x: usize, n: i32): void {
  const S = alignof<F>();
  const L = lanes<F>();
  let k = 0;
  for (; k + L <= n; k += L) {
    const o = <usize>k << S;
    const a = v128.load(x + o);
    v128.store(out + o, vsigmoid_e<F>(a, vsigmoid_exp<F>(a)));
  }
  for (; k < n; k++) {
    const a = load<F>(x + (<usize>k << S));
    store<F>(out + (<usize>k << S), sigmoid_e<F>(a, sigmoid_exp<F>(a)));
  }
}

// dx (n) written; dout, out (n) read (dx may alias dout).
export function sigmoid_backward__scalar<F>(dx: usize, dout: usize, out: usize, n: i32): void {
  const S = alignof<F>();
  for (let k = 0; k < n; k++) {
    const o = <usize>k << S;
    const s = load<F>(out + o);
    store<F>(dx + o, load<F>(dout + o) * (s * (<F>1 - s)));
  }
}
export function sigmoid_backward__wasmsimd<F>(dx: usize, dout: usize, out: usize, n: i32): void {
  const S = alignof<F>();
  const L = lanes<F>();
  const one = v128.splat<F>(1);
  let k = 0;
  for (; k + L <= n; k += L) {
    const o = <usize>k << S;
    const s = v128.load(out + o);
    v128.store(dx + o, v128.mul<F>(v128.load(dout + o), v128.mul<F>(s, v128.sub<F>(one, s))));
  }
  for (; k < n; k++) {
    const o = <usize>k << S;
    const s = load<F>(out + o);
    store<F>(dx + o, load<F>(dout + o) * (s * (<F>1 - s)));
  }
}

// @ts-ignore: decorator
@inline export function relu_forward<F>(out: usize, x: usize, n: i32): void {
  if (ASC_FEATURE_SIMD) relu_forward__wasmsimd<F>(out, x, n); else relu_forward__scalar<F>(out, x, n);
}
// @ts-ignore: decorator
@inline export function relu_backward<F>(dx: usize, dout: usize, x: usize, n: i32): void {
  if (ASC_FEATURE_SIMD) relu_backward__wasmsimd<F>(dx, dout, x, n); else relu_backward__scalar<F>(dx, dout, x, n);
}

// @ts-ignore: decorator
@inline export function sigmoid_forward<F>(out: usize, x: usize, n: i32): void {
  if (ASC_FEATURE_SIMD) sigmoid_forward__wasmsimd<F>(out, x, n); else sigmoid_forward__scalar<F>(out, x, n);
}
// @ts-ignore: decorator
@inline export function sigmoid_backward<F>(dx: usize, dout: usize, out: usize, n: i32): void {
  if (ASC_FEATURE_SIMD) sigmoid_backward__wasmsimd<F>(dx, dout, out, n); else sigmoid_backward__scalar<F>(dx, dout, out, n);
}

// ---------------------------------------------------------------------------------------------
// Exports, one line each (README.md has the contracts).
export function f32_max_pool_forward(out: usize, idx: usize, x: usize, planes: i32, H: i32, W: i32, ph: i32, pw: i32, stride: i32): void { max_pool_forward<f32>(out, idx, x, planes, H, W, ph, pw, stride); }
export function f64_max_pool_forward(out: usize, idx: usize, x: usize, planes: i32, H: i32, W: i32, ph: i32, pw: i32, stride: i32): void { max_pool_forward<f64>(out, idx, x, planes, H, W, ph, pw, stride); }
export function f32_max_pool_backward(dx: usize, dout: usize, idx: usize, planes: i32, HW: i32, HoWo: i32): void { max_pool_backward<f32>(dx, dout, idx, planes, HW, HoWo); }
export function f64_max_pool_backward(dx: usize, dout: usize, idx: usize, planes: i32, HW: i32, HoWo: i32): void { max_pool_backward<f64>(dx, dout, idx, planes, HW, HoWo); }
export function f32_relu_forward(out: usize, x: usize, n: i32): void { relu_forward<f32>(out, x, n); }
export function f64_relu_forward(out: usize, x: usize, n: i32): void { relu_forward<f64>(out, x, n); }
export function f32_relu_backward(dx: usize, dout: usize, x: usize, n: i32): void { relu_backward<f32>(dx, dout, x, n); }
export function f64_relu_backward(dx: usize, dout: usize, x: usize, n: i32): void { relu_backward<f64>(dx, dout, x, n); }
export function f32_sigmoid_forward(out: usize, x: usize, n: i32): void { sigmoid_forward<f32>(out, x, n); }
export function f64_sigmoid_forward(out: usize, x: usize, n: i32): void { sigmoid_forward<f64>(out, x, n); }
export function f32_sigmoid_backward(dx: usize, dout: usize, out: usize, n: i32): void { sigmoid_backward<f32>(dx, dout, out, n); }
export function f64_sigmoid_backward(dx: usize, dout: usize, out: usize, n: i32): void { sigmoid_backward<f64>(dx, dout, out, n); }
