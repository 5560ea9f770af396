// Shared @inline helpers for the kernels: element addressing, lane counts, exp in the kernel's
// dtype, the stable sigmoid/tanh forms (scalar and SIMD twins) and the multiply-add used by
// the GEMMs.
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

// ---- exp(x) for x <= 0, the gates' exp: one algorithm in scalar and SIMD form, so both twins
// give the same bits. Cody-Waite reduction x = n·ln2 + r (|r| <= ln2/2, ln2 split hi+lo as in
// fdlibm, n·ln2_hi exact), e^r by its Taylor polynomial in Horner form (degree 13 for f64,
// truncation < 0.03 ulp; degree 7 for f32, < 0.1 ulp), times 2^n built from the exponent bits.
// x is clamped to [XMIN, 0] so 2^n stays a normal number (exp(XMIN) ~ 1e-308 / 1e-38: the gates
// saturate long before). Separate mul and add throughout, never fused, in every build.

const LOG2E_64: f64 = 1.4426950408889634;
const LN2_HI_64: f64 = 6.93147180369123816490e-01; // 0x3fe62e42fee00000
const LN2_LO_64: f64 = 1.90821492927058770002e-10; // 0x3dea39ef35793c76
const XMIN_64: f64 = -708.0;
const LOG2E_32: f32 = 1.44269504;
const LN2_HI_32: f32 = 6.9314575195e-01; // 0x3f317200
const LN2_LO_32: f32 = 1.4286067653e-06; // 0x35bfbe8e
const XMIN_32: f32 = -87.0;

/** e^r ≈ Σ_k r^k/k! in Horner form (coefficients 1/k! rounded once to T), scalar. */
// @ts-ignore: decorator
@inline function exp_poly<T>(r: T): T {
  let p: T;
  if (sizeof<T>() == 8) {
    p = <T>(1.0 / 6227020800.0);
    p = p * r + <T>(1.0 / 479001600.0);
    p = p * r + <T>(1.0 / 39916800.0);
    p = p * r + <T>(1.0 / 3628800.0);
    p = p * r + <T>(1.0 / 362880.0);
    p = p * r + <T>(1.0 / 40320.0);
    p = p * r + <T>(1.0 / 5040.0);
  } else {
    p = <T>(1.0 / 5040.0);
  }
  p = p * r + <T>(1.0 / 720.0);
  p = p * r + <T>(1.0 / 120.0);
  p = p * r + <T>(1.0 / 24.0);
  p = p * r + <T>(1.0 / 6.0);
  p = p * r + <T>0.5;
  p = p * r + <T>1;
  return p * r + <T>1;
}

/** exp_poly on each lane: the same coefficients and order. */
// @ts-ignore: decorator
@inline function vexp_poly<T>(r: v128): v128 {
  let p: v128;
  if (sizeof<T>() == 8) {
    p = v128.splat<T>(<T>(1.0 / 6227020800.0));
    p = v128.add<T>(v128.mul<T>(p, r), v128.splat<T>(<T>(1.0 / 479001600.0)));
    p = v128.add<T>(v128.mul<T>(p, r), v128.splat<T>(<T>(1.0 / 39916800.0)));
    p = v128.add<T>(v128.mul<T>(p, r), v128.splat<T>(<T>(1.0 / 3628800.0)));
    p = v128.add<T>(v128.mul<T>(p, r), v128.splat<T>(<T>(1.0 / 362880.0)));
    p = v128.add<T>(v128.mul<T>(p, r), v128.splat<T>(<T>(1.0 / 40320.0)));
    p = v128.add<T>(v128.mul<T>(p, r), v128.splat<T>(<T>(1.0 / 5040.0)));
  } else {
    p = v128.splat<T>(<T>(1.0 / 5040.0));
  }
  p = v128.add<T>(v128.mul<T>(p, r), v128.splat<T>(<T>(1.0 / 720.0)));
  p = v128.add<T>(v128.mul<T>(p, r), v128.splat<T>(<T>(1.0 / 120.0)));
  p = v128.add<T>(v128.mul<T>(p, r), v128.splat<T>(<T>(1.0 / 24.0)));
  p = v128.add<T>(v128.mul<T>(p, r), v128.splat<T>(<T>(1.0 / 6.0)));
  p = v128.add<T>(v128.mul<T>(p, r), v128.splat<T>(<T>0.5));
  p = v128.add<T>(v128.mul<T>(p, r), v128.splat<T>(<T>1));
  return v128.add<T>(v128.mul<T>(p, r), v128.splat<T>(<T>1));
}

/** exp(x) for x <= 0 (see above); the scalar twin of vexp_neg, lane for lane the same bits. */
// @ts-ignore: decorator
@inline export function exp_neg<T>(v: T): T {
  const x = min<T>(max<T>(v, sizeof<T>() == 8 ? <T>XMIN_64 : <T>XMIN_32), <T>0);
  const nf = nearest<T>(x * (sizeof<T>() == 8 ? <T>LOG2E_64 : <T>LOG2E_32));
  const r = (x - nf * (sizeof<T>() == 8 ? <T>LN2_HI_64 : <T>LN2_HI_32)) - nf * (sizeof<T>() == 8 ? <T>LN2_LO_64 : <T>LN2_LO_32);
  const p = exp_poly<T>(r);
  const n = <i32>nf; // integral, in [-1022, 0] / [-126, 0] (nontrapping conversion: NaN -> 0)
  if (sizeof<T>() == 8) return <T>(<f64>p * reinterpret<f64>(<i64>(n + 1023) << 52));
  return <T>(<f32>p * reinterpret<f32>((n + 127) << 23));
}

/** exp(x) on each lane, x <= 0: the SIMD twin of exp_neg. */
// @ts-ignore: decorator
@inline export function vexp_neg<T>(v: v128): v128 {
  const x = v128.min<T>(v128.max<T>(v, v128.splat<T>(sizeof<T>() == 8 ? <T>XMIN_64 : <T>XMIN_32)), v128.splat<T>(0));
  const nf = v128.nearest<T>(v128.mul<T>(x, v128.splat<T>(sizeof<T>() == 8 ? <T>LOG2E_64 : <T>LOG2E_32)));
  const r = v128.sub<T>(v128.sub<T>(x, v128.mul<T>(nf, v128.splat<T>(sizeof<T>() == 8 ? <T>LN2_HI_64 : <T>LN2_HI_32))),
                        v128.mul<T>(nf, v128.splat<T>(sizeof<T>() == 8 ? <T>LN2_LO_64 : <T>LN2_LO_32)));
  const p = vexp_poly<T>(r);
  if (sizeof<T>() == 8) {
    const n = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(nf));
    return v128.mul<T>(p, i64x2.shl(i64x2.add(n, i64x2.splat(1023)), 52));
  }
  const n = i32x4.trunc_sat_f32x4_s(nf);
  return v128.mul<T>(p, i32x4.shl(i32x4.add(n, i32x4.splat(127)), 23));
}

// ---- Flush to zero. x86 arithmetic on subnormal numbers takes a microcode assist (~100
// cycles each) and wasm has no flush-to-zero mode, so gradients that decay towards the subnormal
// range (softmax probabilities of confident predictions, saturated gates) slowed the backward
// GEMMs 2.4x over a 2000-step training run: not only subnormal inputs but subnormal PRODUCTS
// inside the GEMMs cost. The producers of those gradients (softmax dx, LSTM/RNN da, dprev_c)
// flush them: a value below 2^-100 (f32; ~2^-996 for f64), far below anything that moves a
// weight and high enough that its products with weights and activations stay normal, becomes
// +0; NaN and Inf pass unchanged (divergence is still detected).
const FTZ_32: f32 = 7.888609052210118e-31; // 2^-100
const FTZ_64: f64 = 1.488e-300; // ~2^-996

/** v, or +0 where |v| < FTZ (2^-100 f32, ~2^-996 f64). */
// @ts-ignore: decorator
@inline export function ftz<T>(v: T): T {
  return abs<T>(v) < (sizeof<T>() == 8 ? <T>FTZ_64 : <T>FTZ_32) ? <T>0 : v;
}

/** ftz on each lane (the same bits: all bits cleared where |v| < FTZ). */
// @ts-ignore: decorator
@inline export function vftz<T>(v: v128): v128 {
  return v128.andnot(v, v128.lt<T>(v128.abs<T>(v), v128.splat<T>(sizeof<T>() == 8 ? <T>FTZ_64 : <T>FTZ_32)));
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
@inline export function sigmoid_exp<T>(a: T): T { return exp_neg<T>(-abs<T>(a)); }

/** e = exp(-2|a|) for tanh. */
// @ts-ignore: decorator
@inline export function tanh_exp<T>(a: T): T { return exp_neg<T>(<T>-2 * abs<T>(a)); }

// SIMD twins of the stable forms: the same operations on each lane.

/** e = exp(-|a|) on each lane. */
// @ts-ignore: decorator
@inline export function vsigmoid_exp<T>(a: v128): v128 { return vexp_neg<T>(v128.neg<T>(v128.abs<T>(a))); }

/** e = exp(-2|a|) on each lane. */
// @ts-ignore: decorator
@inline export function vtanh_exp<T>(a: v128): v128 { return vexp_neg<T>(v128.mul<T>(v128.splat<T>(-2), v128.abs<T>(a))); }

/** σ(a) given e, on each lane: a >= 0 ? 1/(1+e) : e/(1+e). */
// @ts-ignore: decorator
@inline export function vsigmoid_e<T>(a: v128, e: v128): v128 {
  const d = v128.add<T>(v128.splat<T>(1), e);
  return v128.bitselect(v128.div<T>(v128.splat<T>(1), d), v128.div<T>(e, d), v128.ge<T>(a, v128.splat<T>(0)));
}

/** σ'(a) = e/(1+e)² given e, on each lane. */
// @ts-ignore: decorator
@inline export function vdsigmoid_e<T>(e: v128): v128 {
  const d = v128.add<T>(v128.splat<T>(1), e);
  return v128.div<T>(e, v128.mul<T>(d, d));
}

/** tanh(a) given e, on each lane: a < 0 ? -t : t, t = (1-e)/(1+e). */
// @ts-ignore: decorator
@inline export function vtanh_e<T>(a: v128, e: v128): v128 {
  const t = v128.div<T>(v128.sub<T>(v128.splat<T>(1), e), v128.add<T>(v128.splat<T>(1), e));
  return v128.bitselect(v128.neg<T>(t), t, v128.lt<T>(a, v128.splat<T>(0)));
}

/** tanh'(a) = 4e/(1+e)² given e, on each lane. */
// @ts-ignore: decorator
@inline export function vdtanh_e<T>(e: v128): v128 {
  const d = v128.add<T>(v128.splat<T>(1), e);
  return v128.div<T>(v128.mul<T>(v128.splat<T>(4), e), v128.mul<T>(d, d));
}

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
