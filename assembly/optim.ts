// Optimizers (CS231n optim.py) as flat loops over n parameters, plus the gradient-clipping
// helpers. Hyperparameters arrive as f64 and are rounded to F once (numpy's weak-scalar rule
// for `float32_array * python_float`); α of adam is computed in f64 first. Per-element
// operation order follows optim.py; SIMD bodies vectorise the same operations, so SIMD ==
// scalar bitwise (sum_squares excepted: its f64 partial sums are reordered).

import { lanes } from "./math";

// w (n) accumulated: w = w − lr·dw; dw read.
export function sgd__scalar<F>(w: usize, dw: usize, n: i32, lr: f64): void {
  const S = alignof<F>();
  const a = <F>lr;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << S;
    store<F>(w + o, load<F>(w + o) - a * load<F>(dw + o));
  }
}
export function sgd__wasmsimd<F>(w: usize, dw: usize, n: i32, lr: f64): void {
  const L = lanes<F>();
  const S = alignof<F>();
  const a = <F>lr;
  const va = v128.splat<F>(a);
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = <usize>i << S;
    v128.store(w + o, v128.sub<F>(v128.load(w + o), v128.mul<F>(va, v128.load(dw + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i << S;
    store<F>(w + o, load<F>(w + o) - a * load<F>(dw + o));
  }
}

// v (n) written = mu·v − lr·dw; w (n) accumulated += v; dw read.
export function sgd_momentum__scalar<F>(w: usize, v: usize, dw: usize, n: i32, lr: f64, mu: f64): void {
  const S = alignof<F>();
  const a = <F>lr, m = <F>mu;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << S;
    const vi = m * load<F>(v + o) - a * load<F>(dw + o);
    store<F>(v + o, vi);
    store<F>(w + o, load<F>(w + o) + vi);
  }
}
export function sgd_momentum__wasmsimd<F>(w: usize, v: usize, dw: usize, n: i32, lr: f64, mu: f64): void {
  const L = lanes<F>();
  const S = alignof<F>();
  const a = <F>lr, m = <F>mu;
  const va = v128.splat<F>(a), vm = v128.splat<F>(m);
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = <usize>i << S;
    const vi = v128.sub<F>(v128.mul<F>(vm, v128.load(v + o)), v128.mul<F>(va, v128.load(dw + o)));
    v128.store(v + o, vi);
    v128.store(w + o, v128.add<F>(v128.load(w + o), vi));
  }
  for (; i < n; i++) {
    const o = <usize>i << S;
    const vi = m * load<F>(v + o) - a * load<F>(dw + o);
    store<F>(v + o, vi);
    store<F>(w + o, load<F>(w + o) + vi);
  }
}

// cache (n) written = decay·cache + (1−decay)·dw²; w (n) accumulated: w = w − (lr·dw)/(√cache + eps).
export function rmsprop__scalar<F>(w: usize, cache: usize, dw: usize, n: i32, lr: f64, decay: f64, eps: f64): void {
  const S = alignof<F>();
  const a = <F>lr, d = <F>decay, d1 = <F>(1.0 - decay), e = <F>eps;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << S;
    const g = load<F>(dw + o);
    const c = d * load<F>(cache + o) + d1 * (g * g);
    store<F>(cache + o, c);
    store<F>(w + o, load<F>(w + o) - (a * g) / (sqrt<F>(c) + e));
  }
}
export function rmsprop__wasmsimd<F>(w: usize, cache: usize, dw: usize, n: i32, lr: f64, decay: f64, eps: f64): void {
  const L = lanes<F>();
  const S = alignof<F>();
  const a = <F>lr, d = <F>decay, d1 = <F>(1.0 - decay), e = <F>eps;
  const va = v128.splat<F>(a), vd = v128.splat<F>(d), vd1 = v128.splat<F>(d1), ve = v128.splat<F>(e);
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = <usize>i << S;
    const g = v128.load(dw + o);
    const c = v128.add<F>(v128.mul<F>(vd, v128.load(cache + o)), v128.mul<F>(vd1, v128.mul<F>(g, g)));
    v128.store(cache + o, c);
    v128.store(w + o, v128.sub<F>(v128.load(w + o),
      v128.div<F>(v128.mul<F>(va, g), v128.add<F>(v128.sqrt<F>(c), ve))));
  }
  for (; i < n; i++) {
    const o = <usize>i << S;
    const g = load<F>(dw + o);
    const c = d * load<F>(cache + o) + d1 * (g * g);
    store<F>(cache + o, c);
    store<F>(w + o, load<F>(w + o) - (a * g) / (sqrt<F>(c) + e));
  }
}

// m, v (n) written = β1·m + (1−β1)·dw, β2·v + (1−β2)·dw²; w (n) accumulated:
// w = w − (α·m)/(√v + eps) with α = lr·√(1−β2ᵗ)/(1−β1ᵗ) computed in f64 then rounded to F.
// t is the already-incremented step count.
// @ts-ignore: decorator
@inline function adam_alpha(lr: f64, beta1: f64, beta2: f64, t: i32): f64 {
  return lr * Math.sqrt(1.0 - Math.pow(beta2, <f64>t)) / (1.0 - Math.pow(beta1, <f64>t));
}
export function adam__scalar<F>(w: usize, m: usize, v: usize, dw: usize, n: i32,
                                lr: f64, beta1: f64, beta2: f64, eps: f64, t: i32): void {
  const S = alignof<F>();
  const b1 = <F>beta1, c1 = <F>(1.0 - beta1), b2 = <F>beta2, c2 = <F>(1.0 - beta2);
  const al = <F>adam_alpha(lr, beta1, beta2, t), e = <F>eps;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << S;
    const g = load<F>(dw + o);
    const mi = b1 * load<F>(m + o) + c1 * g;
    const vi = b2 * load<F>(v + o) + c2 * (g * g);
    store<F>(m + o, mi);
    store<F>(v + o, vi);
    store<F>(w + o, load<F>(w + o) - (al * mi) / (sqrt<F>(vi) + e));
  }
}
export function adam__wasmsimd<F>(w: usize, m: usize, v: usize, dw: usize, n: i32,
                                  lr: f64, beta1: f64, beta2: f64, eps: f64, t: i32): void {
  const L = lanes<F>();
  const S = alignof<F>();
  const b1 = <F>beta1, c1 = <F>(1.0 - beta1), b2 = <F>beta2, c2 = <F>(1.0 - beta2);
  const al = <F>adam_alpha(lr, beta1, beta2, t), e = <F>eps;
  const vb1 = v128.splat<F>(b1), vc1 = v128.splat<F>(c1), vb2 = v128.splat<F>(b2), vc2 = v128.splat<F>(c2);
  const val = v128.splat<F>(al), ve = v128.splat<F>(e);
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = <usize>i << S;
    const g = v128.load(dw + o);
    const mi = v128.add<F>(v128.mul<F>(vb1, v128.load(m + o)), v128.mul<F>(vc1, g));
    const vi = v128.add<F>(v128.mul<F>(vb2, v128.load(v + o)), v128.mul<F>(vc2, v128.mul<F>(g, g)));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    v128.store(w + o, v128.sub<F>(v128.load(w + o),
      v128.div<F>(v128.mul<F>(val, mi), v128.add<F>(v128.sqrt<F>(vi), ve))));
  }
  for (; i < n; i++) {
    const o = <usize>i << S;
    const g = load<F>(dw + o);
    const mi = b1 * load<F>(m + o) + c1 * g;
    const vi = b2 * load<F>(v + o) + c2 * (g * g);
    store<F>(m + o, mi);
    store<F>(v + o, vi);
    store<F>(w + o, load<F>(w + o) - (al * mi) / (sqrt<F>(vi) + e));
  }
}

// Textbook Adam (optim.py): m, v as in adam; m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ) (both bias
// corrections computed in f64, rounded to F); w = w − (lr·m̂)/(√v̂ + eps).
export function adam_a2__scalar<F>(w: usize, m: usize, v: usize, dw: usize, n: i32,
                                   lr: f64, beta1: f64, beta2: f64, eps: f64, t: i32): void {
  const S = alignof<F>();
  const b1 = <F>beta1, c1 = <F>(1.0 - beta1), b2 = <F>beta2, c2 = <F>(1.0 - beta2);
  const k1 = <F>(1.0 - Math.pow(beta1, <f64>t)), k2 = <F>(1.0 - Math.pow(beta2, <f64>t));
  const a = <F>lr, e = <F>eps;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << S;
    const g = load<F>(dw + o);
    const mi = b1 * load<F>(m + o) + c1 * g;
    const vi = b2 * load<F>(v + o) + c2 * (g * g);
    store<F>(m + o, mi);
    store<F>(v + o, vi);
    store<F>(w + o, load<F>(w + o) - (a * (mi / k1)) / (sqrt<F>(vi / k2) + e));
  }
}
export function adam_a2__wasmsimd<F>(w: usize, m: usize, v: usize, dw: usize, n: i32,
                                     lr: f64, beta1: f64, beta2: f64, eps: f64, t: i32): void {
  const L = lanes<F>();
  const S = alignof<F>();
  const b1 = <F>beta1, c1 = <F>(1.0 - beta1), b2 = <F>beta2, c2 = <F>(1.0 - beta2);
  const k1 = <F>(1.0 - Math.pow(beta1, <f64>t)), k2 = <F>(1.0 - Math.pow(beta2, <f64>t));
  const a = <F>lr, e = <F>eps;
  const vb1 = v128.splat<F>(b1), vc1 = v128.splat<F>(c1), vb2 = v128.splat<F>(b2), vc2 = v128.splat<F>(c2);
  const vk1 = v128.splat<F>(k1), vk2 = v128.splat<F>(k2), va = v128.splat<F>(a), ve = v128.splat<F>(e);
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = <usize>i << S;
    const g = v128.load(dw + o);
    const mi = v128.add<F>(v128.mul<F>(vb1, v128.load(m + o)), v128.mul<F>(vc1, g));
    const vi = v128.add<F>(v128.mul<F>(vb2, v128.load(v + o)), v128.mul<F>(vc2, v128.mul<F>(g, g)));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    v128.store(w + o, v128.sub<F>(v128.load(w + o), v128.div<F>(v128.mul<F>(va, v128.div<F>(mi, vk1)),
      v128.add<F>(v128.sqrt<F>(v128.div<F>(vi, vk2)), ve))));
  }
  for (; i < n; i++) {
    const o = <usize>i << S;
    const g = load<F>(dw + o);
    const mi = b1 * load<F>(m + o) + c1 * g;
    const vi = b2 * load<F>(v + o) + c2 * (g * g);
    store<F>(m + o, mi);
    store<F>(v + o, vi);
    store<F>(w + o, load<F>(w + o) - (a * (mi / k1)) / (sqrt<F>(vi / k2) + e));
  }
}

// w (n) accumulated: w = w·s (s rounded to F).
export function clip_scale__scalar<F>(w: usize, n: i32, s: f64): void {
  const S = alignof<F>();
  const k = <F>s;
  for (let i = 0; i < n; i++) { const o = <usize>i << S; store<F>(w + o, load<F>(w + o) * k); }
}
export function clip_scale__wasmsimd<F>(w: usize, n: i32, s: f64): void {
  const L = lanes<F>();
  const S = alignof<F>();
  const k = <F>s;
  const vk = v128.splat<F>(k);
  let i = 0;
  for (; i + L <= n; i += L) { const o = <usize>i << S; v128.store(w + o, v128.mul<F>(v128.load(w + o), vk)); }
  for (; i < n; i++) { const o = <usize>i << S; store<F>(w + o, load<F>(w + o) * k); }
}

// Returns Σ x² accumulated in f64 (each x promoted to f64 first); x (n) read.
// Scalar: one sequential sum. SIMD: two f64x2 accumulators (4 partial sums, element i goes to
// partial i mod 4), combined as (p0+p2)+(p1+p3), then the tail sequentially.
export function sum_squares__scalar<F>(x: usize, n: i32): f64 {
  const S = alignof<F>();
  let s = 0.0;
  for (let i = 0; i < n; i++) { const v = <f64>load<F>(x + (<usize>i << S)); s += v * v; }
  return s;
}
export function sum_squares__wasmsimd<F>(x: usize, n: i32): f64 {
  const S = alignof<F>();
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  let i = 0;
  if (sizeof<F>() == 4) {
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(x + (<usize>i << S));
      const lo = f64x2.promote_low_f32x4(v);
      const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
      s0 = f64x2.add(s0, f64x2.mul(lo, lo));
      s1 = f64x2.add(s1, f64x2.mul(hi, hi));
    }
  } else {
    for (; i + 4 <= n; i += 4) {
      const lo = v128.load(x + (<usize>i << S));
      const hi = v128.load(x + (<usize>i << S), 16);
      s0 = f64x2.add(s0, f64x2.mul(lo, lo));
      s1 = f64x2.add(s1, f64x2.mul(hi, hi));
    }
  }
  const t = f64x2.add(s0, s1);
  let s = f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
  for (; i < n; i++) { const v = <f64>load<F>(x + (<usize>i << S)); s += v * v; }
  return s;
}

// Returns 1 if x (n) holds no NaN and no ±Inf, else 0; x read.
export function all_finite__scalar<F>(x: usize, n: i32): i32 {
  const S = alignof<F>();
  for (let i = 0; i < n; i++) if (!isFinite<F>(load<F>(x + (<usize>i << S)))) return 0;
  return 1;
}
export function all_finite__wasmsimd<F>(x: usize, n: i32): i32 {
  const L = lanes<F>();
  const S = alignof<F>();
  // v − v is 0 for finite v and NaN for NaN/±Inf; NaN survives the running sum.
  let z = v128.splat<F>(0);
  let i = 0;
  for (; i + L <= n; i += L) {
    const v = v128.load(x + (<usize>i << S));
    z = v128.add<F>(z, v128.sub<F>(v, v));
  }
  // a false f64 lane is two false i32 lanes, so the i32 test covers both dtypes
  if (!v128.all_true<i32>(v128.eq<F>(z, z))) return 0;
  for (; i < n; i++) if (!isFinite<F>(load<F>(x + (<usize>i << S)))) return 0;
  return 1;
}

// ---------------------------------------------------------------------------------------------
// The loops as the exports call them: SIMD or scalar body, picked at compile time.
// @ts-ignore: decorator
@inline function sgd<F>(w: usize, dw: usize, n: i32, lr: f64): void { if (ASC_FEATURE_SIMD) sgd__wasmsimd<F>(w, dw, n, lr); else sgd__scalar<F>(w, dw, n, lr); }
// @ts-ignore: decorator
@inline function sgd_momentum<F>(w: usize, v: usize, dw: usize, n: i32, lr: f64, mu: f64): void { if (ASC_FEATURE_SIMD) sgd_momentum__wasmsimd<F>(w, v, dw, n, lr, mu); else sgd_momentum__scalar<F>(w, v, dw, n, lr, mu); }
// @ts-ignore: decorator
@inline function rmsprop<F>(w: usize, cache: usize, dw: usize, n: i32, lr: f64, decay: f64, eps: f64): void { if (ASC_FEATURE_SIMD) rmsprop__wasmsimd<F>(w, cache, dw, n, lr, decay, eps); else rmsprop__scalar<F>(w, cache, dw, n, lr, decay, eps); }
// @ts-ignore: decorator
@inline function adam<F>(w: usize, m: usize, v: usize, dw: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, t: i32): void { if (ASC_FEATURE_SIMD) adam__wasmsimd<F>(w, m, v, dw, n, lr, beta1, beta2, eps, t); else adam__scalar<F>(w, m, v, dw, n, lr, beta1, beta2, eps, t); }
// @ts-ignore: decorator
@inline function adam_a2<F>(w: usize, m: usize, v: usize, dw: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, t: i32): void { if (ASC_FEATURE_SIMD) adam_a2__wasmsimd<F>(w, m, v, dw, n, lr, beta1, beta2, eps, t); else adam_a2__scalar<F>(w, m, v, dw, n, lr, beta1, beta2, eps, t); }
// @ts-ignore: decorator
@inline function clip_scale<F>(w: usize, n: i32, s: f64): void { if (ASC_FEATURE_SIMD) clip_scale__wasmsimd<F>(w, n, s); else clip_scale__scalar<F>(w, n, s); }
// @ts-ignore: decorator
@inline function sum_squares<F>(x: usize, n: i32): f64 { return ASC_FEATURE_SIMD ? sum_squares__wasmsimd<F>(x, n) : sum_squares__scalar<F>(x, n); }
// @ts-ignore: decorator
@inline function all_finite<F>(x: usize, n: i32): i32 { return ASC_FEATURE_SIMD ? all_finite__wasmsimd<F>(x, n) : all_finite__scalar<F>(x, n); }

// ---------------------------------------------------------------------------------------------
// Exports, one line each (README.md has the contracts).
export function f32_sgd(w: usize, dw: usize, n: i32, lr: f64): void { sgd<f32>(w, dw, n, lr); }
export function f64_sgd(w: usize, dw: usize, n: i32, lr: f64): void { sgd<f64>(w, dw, n, lr); }
export function f32_sgd_momentum(w: usize, v: usize, dw: usize, n: i32, lr: f64, mu: f64): void { sgd_momentum<f32>(w, v, dw, n, lr, mu); }
export function f64_sgd_momentum(w: usize, v: usize, dw: usize, n: i32, lr: f64, mu: f64): void { sgd_momentum<f64>(w, v, dw, n, lr, mu); }
export function f32_rmsprop(w: usize, cache: usize, dw: usize, n: i32, lr: f64, decay: f64, eps: f64): void { rmsprop<f32>(w, cache, dw, n, lr, decay, eps); }
export function f64_rmsprop(w: usize, cache: usize, dw: usize, n: i32, lr: f64, decay: f64, eps: f64): void { rmsprop<f64>(w, cache, dw, n, lr, decay, eps); }
export function f32_adam(w: usize, m: usize, v: usize, dw: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, t: i32): void { adam<f32>(w, m, v, dw, n, lr, beta1, beta2, eps, t); }
export function f64_adam(w: usize, m: usize, v: usize, dw: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, t: i32): void { adam<f64>(w, m, v, dw, n, lr, beta1, beta2, eps, t); }
export function f32_adam_a2(w: usize, m: usize, v: usize, dw: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, t: i32): void { adam_a2<f32>(w, m, v, dw, n, lr, beta1, beta2, eps, t); }
export function f64_adam_a2(w: usize, m: usize, v: usize, dw: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, t: i32): void { adam_a2<f64>(w, m, v, dw, n, lr, beta1, beta2, eps, t); }
export function f32_clip_scale(w: usize, n: i32, s: f64): void { clip_scale<f32>(w, n, s); }
export function f64_clip_scale(w: usize, n: i32, s: f64): void { clip_scale<f64>(w, n, s); }
export function f32_sum_squares(x: usize, n: i32): f64 { return sum_squares<f32>(x, n); }
export function f64_sum_squares(x: usize, n: i32): f64 { return sum_squares<f64>(x, n); }
export function f32_all_finite(x: usize, n: i32): i32 { return all_finite<f32>(x, n); }
export function f64_all_finite(x: usize, n: i32): i32 { return all_finite<f64>(x, n); }
