// Shared @inline helpers for the kernels: element addressing, lane counts, exp in the kernel's
// dtype, the stable sigmoid/tanh forms and the multiply-add used by the GEMMs.
// Nothing here touches memory except `ld`/`st` (one element at p + i·sizeof<T>).
//
// Stable forms (README contract):
//   sigmoid: e = exp(-|a|), σ = a >= 0 ? 1/(1+e) : e/(1+e), σ' = e/(1+e)²
//   tanh:    e = exp(-2|a|), tanh = sign(a)·(1-e)/(1+e),   tanh' = 4e/(1+e)²
// Both never overflow (e ∈ (0,1]) and keep full relative precision in the tails.

/** Number of T lanes in a v128 (4 for f32, 2 for f64); a compile-time constant. */
// @ts-ignore: decorator
@inline export function lanes<T>(): i32 { return <i32>(16 / sizeof<T>()); }

/** Byte offset of element i of a T array. */
// @ts-ignore: decorator
@inline export function off<T>(i: i32): usize { return <usize>i << alignof<T>(); }

/** Reads element i of the T array at p. */
// @ts-ignore: decorator
@inline export function ld<T>(p: usize, i: i32): T { return load<T>(p + (<usize>i << alignof<T>())); }

/** Writes element i of the T array at p. */
// @ts-ignore: decorator
@inline export function st<T>(p: usize, i: i32, v: T): void { store<T>(p + (<usize>i << alignof<T>()), v); }

/** exp in the kernel's own dtype: Mathf.exp for f32, Math.exp for f64 (AssemblyScript libm). */
// @ts-ignore: decorator
@inline export function exp_t<T>(x: T): T {
  if (sizeof<T>() == 4) return <T>Mathf.exp(<f32>x);
  return <T>Math.exp(<f64>x);
}

/** σ(a) given e = exp(-|a|). */
// @ts-ignore: decorator
@inline export function sigmoid_e<T>(a: T, e: T): T {
  const d = <T>1 + e;
  return a >= <T>0 ? <T>1 / d : e / d;
}

/** σ'(a) = e/(1+e)² given e = exp(-|a|). */
// @ts-ignore: decorator
@inline export function dsigmoid_e<T>(e: T): T {
  const d = <T>1 + e;
  return e / (d * d);
}

/** tanh(a) given e = exp(-2|a|). */
// @ts-ignore: decorator
@inline export function tanh_e<T>(a: T, e: T): T {
  const t = (<T>1 - e) / (<T>1 + e);
  return a < <T>0 ? -t : t;
}

/** tanh'(a) = 4e/(1+e)² given e = exp(-2|a|). */
// @ts-ignore: decorator
@inline export function dtanh_e<T>(e: T): T {
  const d = <T>1 + e;
  return (<T>4 * e) / (d * d);
}

/** e = exp(-|a|) for the sigmoid. */
// @ts-ignore: decorator
@inline export function sigmoid_exp<T>(a: T): T { return exp_t<T>(-abs<T>(a)); }

/** e = exp(-2|a|) for tanh. */
// @ts-ignore: decorator
@inline export function tanh_exp<T>(a: T): T { return exp_t<T>(<T>-2 * abs<T>(a)); }

/**
 * acc + x·y on T lanes. Plain build: separate mul then add (bit-identical to the scalar twin).
 * Relaxed build: relaxed_madd (fused where the hardware has it).
 */
// @ts-ignore: decorator
@inline export function vmadd<T>(acc: v128, x: v128, y: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return v128.relaxed_madd<T>(x, y, acc);
  return v128.add<T>(acc, v128.mul<T>(x, y));
}

/** Horizontal sum of the T lanes of v in a fixed order: (l0+l1)+(l2+l3) for f32, l0+l1 for f64. */
// @ts-ignore: decorator
@inline export function hsum<T>(v: v128): T {
  if (sizeof<T>() == 4) {
    return (v128.extract_lane<T>(v, 0) + v128.extract_lane<T>(v, 1)) +
           (v128.extract_lane<T>(v, 2) + v128.extract_lane<T>(v, 3));
  }
  return v128.extract_lane<T>(v, 0) + v128.extract_lane<T>(v, 1);
}
