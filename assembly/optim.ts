// Optimizers (CS231n optim.py) as flat loops over n parameters, plus the gradient-clipping
// helpers. Hyperparameters arrive as f64 and are rounded to T once (numpy's weak-scalar rule
// for `float32_array * python_float`); α of adam is computed in f64 first. Per-element
// operation order follows optim.py; SIMD bodies vectorise the same operations, so SIMD ==
// scalar bitwise (sum_squares excepted: its f64 partial sums are reordered).

import { lanes } from "./math";

// w (n) accumulated: w = w − lr·dw; dw read.
export function sgd__scalar<T>(w: usize, dw: usize, n: i32, lr: f64): void {
  const S = alignof<T>();
  const a = <T>lr;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << S;
    store<T>(w + o, load<T>(w + o) - a * load<T>(dw + o));
  }
}
export function sgd__wasmsimd<T>(w: usize, dw: usize, n: i32, lr: f64): void {
  const L = lanes<T>();
  const S = alignof<T>();
  const a = <T>lr;
  const va = v128.splat<T>(a);
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = <usize>i << S;
    v128.store(w + o, v128.sub<T>(v128.load(w + o), v128.mul<T>(va, v128.load(dw + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i << S;
    store<T>(w + o, load<T>(w + o) - a * load<T>(dw + o));
  }
}

// v (n) written = mu·v − lr·dw; w (n) accumulated += v; dw read.
export function sgd_momentum__scalar<T>(w: usize, v: usize, dw: usize, n: i32, lr: f64, mu: f64): void {
  const S = alignof<T>();
  const a = <T>lr, m = <T>mu;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << S;
    const vi = m * load<T>(v + o) - a * load<T>(dw + o);
    store<T>(v + o, vi);
    store<T>(w + o, load<T>(w + o) + vi);
  }
}
export function sgd_momentum__wasmsimd<T>(w: usize, v: usize, dw: usize, n: i32, lr: f64, mu: f64): void {
  const L = lanes<T>();
  const S = alignof<T>();
  const a = <T>lr, m = <T>mu;
  const va = v128.splat<T>(a), vm = v128.splat<T>(m);
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = <usize>i << S;
    const vi = v128.sub<T>(v128.mul<T>(vm, v128.load(v + o)), v128.mul<T>(va, v128.load(dw + o)));
    v128.store(v + o, vi);
    v128.store(w + o, v128.add<T>(v128.load(w + o), vi));
  }
  for (; i < n; i++) {
    const o = <usize>i << S;
    const vi = m * load<T>(v + o) - a * load<T>(dw + o);
    store<T>(v + o, vi);
    store<T>(w + o, load<T>(w + o) + vi);
  }
}

// cache (n) written = decay·cache + (1−decay)·dw²; w (n) accumulated: w = w − (lr·dw)/(√cache + eps).
export function rmsprop__scalar<T>(w: usize, cache: usize, dw: usize, n: i32, lr: f64, decay: f64, eps: f64): void {
  const S = alignof<T>();
  const a = <T>lr, d = <T>decay, d1 = <T>(1.0 - decay), e = <T>eps;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << S;
    const g = load<T>(dw + o);
    const c = d * load<T>(cache + o) + d1 * (g * g);
    store<T>(cache + o, c);
    store<T>(w + o, load<T>(w + o) - (a * g) / (sqrt<T>(c) + e));
  }
}
export function rmsprop__wasmsimd<T>(w: usize, cache: usize, dw: usize, n: i32, lr: f64, decay: f64, eps: f64): void {
  const L = lanes<T>();
  const S = alignof<T>();
  const a = <T>lr, d = <T>decay, d1 = <T>(1.0 - decay), e = <T>eps;
  const va = v128.splat<T>(a), vd = v128.splat<T>(d), vd1 = v128.splat<T>(d1), ve = v128.splat<T>(e);
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = <usize>i << S;
    const g = v128.load(dw + o);
    const c = v128.add<T>(v128.mul<T>(vd, v128.load(cache + o)), v128.mul<T>(vd1, v128.mul<T>(g, g)));
    v128.store(cache + o, c);
    v128.store(w + o, v128.sub<T>(v128.load(w + o),
      v128.div<T>(v128.mul<T>(va, g), v128.add<T>(v128.sqrt<T>(c), ve))));
  }
  for (; i < n; i++) {
    const o = <usize>i << S;
    const g = load<T>(dw + o);
    const c = d * load<T>(cache + o) + d1 * (g * g);
    store<T>(cache + o, c);
    store<T>(w + o, load<T>(w + o) - (a * g) / (sqrt<T>(c) + e));
  }
}

// m, v (n) written = β1·m + (1−β1)·dw, β2·v + (1−β2)·dw²; w (n) accumulated:
// w = w − (α·m)/(√v + eps) with α = lr·√(1−β2ᵗ)/(1−β1ᵗ) computed in f64 then rounded to T.
// t is the already-incremented step count.
// @ts-ignore: decorator
@inline function adam_alpha(lr: f64, beta1: f64, beta2: f64, t: i32): f64 {
  return lr * Math.sqrt(1.0 - Math.pow(beta2, <f64>t)) / (1.0 - Math.pow(beta1, <f64>t));
}
export function adam__scalar<T>(w: usize, m: usize, v: usize, dw: usize, n: i32,
                                lr: f64, beta1: f64, beta2: f64, eps: f64, t: i32): void {
  const S = alignof<T>();
  const b1 = <T>beta1, c1 = <T>(1.0 - beta1), b2 = <T>beta2, c2 = <T>(1.0 - beta2);
  const al = <T>adam_alpha(lr, beta1, beta2, t), e = <T>eps;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << S;
    const g = load<T>(dw + o);
    const mi = b1 * load<T>(m + o) + c1 * g;
    const vi = b2 * load<T>(v + o) + c2 * (g * g);
    store<T>(m + o, mi);
    store<T>(v + o, vi);
    store<T>(w + o, load<T>(w + o) - (al * mi) / (sqrt<T>(vi) + e));
  }
}
export function adam__wasmsimd<T>(w: usize, m: usize, v: usize, dw: usize, n: i32,
                                  lr: f64, beta1: f64, beta2: f64, eps: f64, t: i32): void {
  const L = lanes<T>();
  const S = alignof<T>();
  const b1 = <T>beta1, c1 = <T>(1.0 - beta1), b2 = <T>beta2, c2 = <T>(1.0 - beta2);
  const al = <T>adam_alpha(lr, beta1, beta2, t), e = <T>eps;
  const vb1 = v128.splat<T>(b1), vc1 = v128.splat<T>(c1), vb2 = v128.splat<T>(b2), vc2 = v128.splat<T>(c2);
  const val = v128.splat<T>(al), ve = v128.splat<T>(e);
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = <usize>i << S;
    const g = v128.load(dw + o);
    const mi = v128.add<T>(v128.mul<T>(vb1, v128.load(m + o)), v128.mul<T>(vc1, g));
    const vi = v128.add<T>(v128.mul<T>(vb2, v128.load(v + o)), v128.mul<T>(vc2, v128.mul<T>(g, g)));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    v128.store(w + o, v128.sub<T>(v128.load(w + o),
      v128.div<T>(v128.mul<T>(val, mi), v128.add<T>(v128.sqrt<T>(vi), ve))));
  }
  for (; i < n; i++) {
    const o = <usize>i << S;
    const g = load<T>(dw + o);
    const mi = b1 * load<T>(m + o) + c1 * g;
    const vi = b2 * load<T>(v + o) + c2 * (g * g);
    store<T>(m + o, mi);
    store<T>(v + o, vi);
    store<T>(w + o, load<T>(w + o) - (al * mi) / (sqrt<T>(vi) + e));
  }
}

// Textbook Adam (optim.py): m, v as in adam; m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ) (both bias
// corrections computed in f64, rounded to T); w = w − (lr·m̂)/(√v̂ + eps).
export function adam_a2__scalar<T>(w: usize, m: usize, v: usize, dw: usize, n: i32,
                                   lr: f64, beta1: f64, beta2: f64, eps: f64, t: i32): void {
  const S = alignof<T>();
  const b1 = <T>beta1, c1 = <T>(1.0 - beta1), b2 = <T>beta2, c2 = <T>(1.0 - beta2);
  const k1 = <T>(1.0 - Math.pow(beta1, <f64>t)), k2 = <T>(1.0 - Math.pow(beta2, <f64>t));
  const a = <T>lr, e = <T>eps;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << S;
    const g = load<T>(dw + o);
    const mi = b1 * load<T>(m + o) + c1 * g;
    const vi = b2 * load<T>(v + o) + c2 * (g * g);
    store<T>(m + o, mi);
    store<T>(v + o, vi);
    store<T>(w + o, load<T>(w + o) - (a * (mi / k1)) / (sqrt<T>(vi / k2) + e));
  }
}
export function adam_a2__wasmsimd<T>(w: usize, m: usize, v: usize, dw: usize, n: i32,
                                     lr: f64, beta1: f64, beta2: f64, eps: f64, t: i32): void {
  const L = lanes<T>();
  const S = alignof<T>();
  const b1 = <T>beta1, c1 = <T>(1.0 - beta1), b2 = <T>beta2, c2 = <T>(1.0 - beta2);
  const k1 = <T>(1.0 - Math.pow(beta1, <f64>t)), k2 = <T>(1.0 - Math.pow(beta2, <f64>t));
  const a = <T>lr, e = <T>eps;
  const vb1 = v128.splat<T>(b1), vc1 = v128.splat<T>(c1), vb2 = v128.splat<T>(b2), vc2 = v128.splat<T>(c2);
  const vk1 = v128.splat<T>(k1), vk2 = v128.splat<T>(k2), va = v128.splat<T>(a), ve = v128.splat<T>(e);
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = <usize>i << S;
    const g = v128.load(dw + o);
    const mi = v128.add<T>(v128.mul<T>(vb1, v128.load(m + o)), v128.mul<T>(vc1, g));
    const vi = v128.add<T>(v128.mul<T>(vb2, v128.load(v + o)), v128.mul<T>(vc2, v128.mul<T>(g, g)));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    v128.store(w + o, v128.sub<T>(v128.load(w + o), v128.div<T>(v128.mul<T>(va, v128.div<T>(mi, vk1)),
      v128.add<T>(v128.sqrt<T>(v128.div<T>(vi, vk2)), ve))));
  }
  for (; i < n; i++) {
    const o = <usize>i << S;
    const g = load<T>(dw + o);
    const mi = b1 * load<T>(m + o) + c1 * g;
    const vi = b2 * load<T>(v + o) + c2 * (g * g);
    store<T>(m + o, mi);
    store<T>(v + o, vi);
    store<T>(w + o, load<T>(w + o) - (a * (mi / k1)) / (sqrt<T>(vi / k2) + e));
  }
}

// w (n) accumulated: w = w·s (s rounded to T).
export function clip_scale__scalar<T>(w: usize, n: i32, s: f64): void {
  const S = alignof<T>();
  const k = <T>s;
  for (let i = 0; i < n; i++) { const o = <usize>i << S; store<T>(w + o, load<T>(w + o) * k); }
}
export function clip_scale__wasmsimd<T>(w: usize, n: i32, s: f64): void {
  const L = lanes<T>();
  const S = alignof<T>();
  const k = <T>s;
  const vk = v128.splat<T>(k);
  let i = 0;
  for (; i + L <= n; i += L) { const o = <usize>i << S; v128.store(w + o, v128.mul<T>(v128.load(w + o), vk)); }
  for (; i < n; i++) { const o = <usize>i << S; store<T>(w + o, load<T>(w + o) * k); }
}

// Returns Σ x² accumulated in f64 (each x promoted to f64 first); x (n) read.
// Scalar: one sequential sum. SIMD: two f64x2 accumulators (4 partial sums, element i goes to
// partial i mod 4), combined as (p0+p2)+(p1+p3), then the tail sequentially.
export function sum_squares__scalar<T>(x: usize, n: i32): f64 {
  const S = alignof<T>();
  let s = 0.0;
  for (let i = 0; i < n; i++) { const v = <f64>load<T>(x + (<usize>i << S)); s += v * v; }
  return s;
}
export function sum_squares__wasmsimd<T>(x: usize, n: i32): f64 {
  const S = alignof<T>();
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  let i = 0;
  if (sizeof<T>() == 4) {
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
  for (; i < n; i++) { const v = <f64>load<T>(x + (<usize>i << S)); s += v * v; }
  return s;
}

// y (n) accumulated += x (n); x read. Reduces per-shard gradients in a fixed order.
export function add_to__scalar<T>(y: usize, x: usize, n: i32): void {
  const S = alignof<T>();
  for (let i = 0; i < n; i++) {
    const o = <usize>i << S;
    store<T>(y + o, load<T>(y + o) + load<T>(x + o));
  }
}
export function add_to__wasmsimd<T>(y: usize, x: usize, n: i32): void {
  const L = lanes<T>();
  const S = alignof<T>();
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = <usize>i << S;
    v128.store(y + o, v128.add<T>(v128.load(y + o), v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << S;
    store<T>(y + o, load<T>(y + o) + load<T>(x + o));
  }
}

// Returns 1 if x (n) holds no NaN and no ±Inf, else 0; x read.
export function all_finite__scalar<T>(x: usize, n: i32): i32 {
  const S = alignof<T>();
  for (let i = 0; i < n; i++) if (!isFinite<T>(load<T>(x + (<usize>i << S)))) return 0;
  return 1;
}
export function all_finite__wasmsimd<T>(x: usize, n: i32): i32 {
  const L = lanes<T>();
  const S = alignof<T>();
  // v − v is 0 for finite v and NaN for NaN/±Inf; NaN survives the running sum.
  let z = v128.splat<T>(0);
  let i = 0;
  for (; i + L <= n; i += L) {
    const v = v128.load(x + (<usize>i << S));
    z = v128.add<T>(z, v128.sub<T>(v, v));
  }
  // a false f64 lane is two false i32 lanes, so the i32 test covers both dtypes
  if (!v128.all_true<i32>(v128.eq<T>(z, z))) return 0;
  for (; i < n; i++) if (!isFinite<T>(load<T>(x + (<usize>i << S)))) return 0;
  return 1;
}

// ---------------------------------------------------------------------------------------------
export function f32_sgd(w: usize, dw: usize, n: i32, lr: f64): void {
  if (ASC_FEATURE_SIMD) sgd__wasmsimd<f32>(w, dw, n, lr); else sgd__scalar<f32>(w, dw, n, lr);
}
export function f64_sgd(w: usize, dw: usize, n: i32, lr: f64): void {
  if (ASC_FEATURE_SIMD) sgd__wasmsimd<f64>(w, dw, n, lr); else sgd__scalar<f64>(w, dw, n, lr);
}
export function f32_sgd_momentum(w: usize, v: usize, dw: usize, n: i32, lr: f64, mu: f64): void {
  if (ASC_FEATURE_SIMD) sgd_momentum__wasmsimd<f32>(w, v, dw, n, lr, mu); else sgd_momentum__scalar<f32>(w, v, dw, n, lr, mu);
}
export function f64_sgd_momentum(w: usize, v: usize, dw: usize, n: i32, lr: f64, mu: f64): void {
  if (ASC_FEATURE_SIMD) sgd_momentum__wasmsimd<f64>(w, v, dw, n, lr, mu); else sgd_momentum__scalar<f64>(w, v, dw, n, lr, mu);
}
export function f32_rmsprop(w: usize, cache: usize, dw: usize, n: i32, lr: f64, decay: f64, eps: f64): void {
  if (ASC_FEATURE_SIMD) rmsprop__wasmsimd<f32>(w, cache, dw, n, lr, decay, eps); else rmsprop__scalar<f32>(w, cache, dw, n, lr, decay, eps);
}
export function f64_rmsprop(w: usize, cache: usize, dw: usize, n: i32, lr: f64, decay: f64, eps: f64): void {
  if (ASC_FEATURE_SIMD) rmsprop__wasmsimd<f64>(w, cache, dw, n, lr, decay, eps); else rmsprop__scalar<f64>(w, cache, dw, n, lr, decay, eps);
}
export function f32_adam(w: usize, m: usize, v: usize, dw: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, t: i32): void {
  if (ASC_FEATURE_SIMD) adam__wasmsimd<f32>(w, m, v, dw, n, lr, beta1, beta2, eps, t); else adam__scalar<f32>(w, m, v, dw, n, lr, beta1, beta2, eps, t);
}
export function f64_adam(w: usize, m: usize, v: usize, dw: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, t: i32): void {
  if (ASC_FEATURE_SIMD) adam__wasmsimd<f64>(w, m, v, dw, n, lr, beta1, beta2, eps, t); else adam__scalar<f64>(w, m, v, dw, n, lr, beta1, beta2, eps, t);
}
export function f32_adam_a2(w: usize, m: usize, v: usize, dw: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, t: i32): void {
  if (ASC_FEATURE_SIMD) adam_a2__wasmsimd<f32>(w, m, v, dw, n, lr, beta1, beta2, eps, t); else adam_a2__scalar<f32>(w, m, v, dw, n, lr, beta1, beta2, eps, t);
}
export function f64_adam_a2(w: usize, m: usize, v: usize, dw: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, t: i32): void {
  if (ASC_FEATURE_SIMD) adam_a2__wasmsimd<f64>(w, m, v, dw, n, lr, beta1, beta2, eps, t); else adam_a2__scalar<f64>(w, m, v, dw, n, lr, beta1, beta2, eps, t);
}
export function f32_clip_scale(w: usize, n: i32, s: f64): void {
  if (ASC_FEATURE_SIMD) clip_scale__wasmsimd<f32>(w, n, s); else clip_scale__scalar<f32>(w, n, s);
}
export function f64_clip_scale(w: usize, n: i32, s: f64): void {
  if (ASC_FEATURE_SIMD) clip_scale__wasmsimd<f64>(w, n, s); else clip_scale__scalar<f64>(w, n, s);
}
export function f32_sum_squares(x: usize, n: i32): f64 {
  if (ASC_FEATURE_SIMD) return sum_squares__wasmsimd<f32>(x, n); else return sum_squares__scalar<f32>(x, n);
}
export function f64_sum_squares(x: usize, n: i32): f64 {
  if (ASC_FEATURE_SIMD) return sum_squares__wasmsimd<f64>(x, n); else return sum_squares__scalar<f64>(x, n);
}
export function f32_all_finite(x: usize, n: i32): i32 {
  if (ASC_FEATURE_SIMD) return all_finite__wasmsimd<f32>(x, n); else return all_finite__scalar<f32>(x, n);
}
export function f64_all_finite(x: usize, n: i32): i32 {
  if (ASC_FEATURE_SIMD) return all_finite__wasmsimd<f64>(x, n); else return all_finite__scalar<f64>(x, n);
}
export function f32_add_to(y: usize, x: usize, n: i32): void {
  if (ASC_FEATURE_SIMD) add_to__wasmsimd<f32>(y, x, n); else add_to__scalar<f32>(y, x, n);
}
export function f64_add_to(y: usize, x: usize, n: i32): void {
  if (ASC_FEATURE_SIMD) add_to__wasmsimd<f64>(y, x, n); else add_to__scalar<f64>(y, x, n);
}
