// Shared @inline helpers for the kernels: lane counts, exp in the kernel's float type F (f32 or
// f64), the stable sigmoid/tanh forms (scalar and SIMD twins), flush to zero, and the
// multiply-add and horizontal sum used by the GEMMs. Nothing here touches memory.
//
// Stable forms (README contract):
//   sigmoid: e = exp(-|a|), σ = a >= 0 ? 1/(1+e) : e/(1+e), σ' = e/(1+e)²
//   tanh:    e = exp(-2|a|), tanh = sign(a)·(1-e)/(1+e),   tanh' = 4e/(1+e)²
// Both never overflow (e ∈ (0,1]) and keep full relative precision in the tails.

/** Number of F lanes in a v128 (4 for f32, 2 for f64); a compile-time constant. */
// @ts-ignore: decorator
@inline export function lanes<F>(): i32 { return <i32>(16 / sizeof<F>()); }

/** exp in the kernel's own dtype: Mathf.exp for f32, Math.exp for f64 (AssemblyScript libm). */
// @ts-ignore: decorator
@inline export function exp_t<F>(x: F): F {
  if (sizeof<F>() == 4) return <F>Mathf.exp(<f32>x);
  return <F>Math.exp(<f64>x);
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

/** e^r ≈ Σ_k r^k/k! in Horner form (coefficients 1/k! rounded once to F), scalar. */
// @ts-ignore: decorator
@inline function exp_poly<F>(r: F): F {
  let p: F;
  if (sizeof<F>() == 8) {
    p = <F>(1.0 / 6227020800.0);
    p = p * r + <F>(1.0 / 479001600.0);
    p = p * r + <F>(1.0 / 39916800.0);
    p = p * r + <F>(1.0 / 3628800.0);
    p = p * r + <F>(1.0 / 362880.0);
    p = p * r + <F>(1.0 / 40320.0);
    p = p * r + <F>(1.0 / 5040.0);
  } else {
    p = <F>(1.0 / 5040.0);
  }
  p = p * r + <F>(1.0 / 720.0);
  p = p * r + <F>(1.0 / 120.0);
  p = p * r + <F>(1.0 / 24.0);
  p = p * r + <F>(1.0 / 6.0);
  p = p * r + <F>0.5;
  p = p * r + <F>1;
  return p * r + <F>1;
}

/** exp_poly on each lane: the same coefficients and order. */
// @ts-ignore: decorator
@inline function vexp_poly<F>(r: v128): v128 {
  let p: v128;
  if (sizeof<F>() == 8) {
    p = v128.splat<F>(<F>(1.0 / 6227020800.0));
    p = v128.add<F>(v128.mul<F>(p, r), v128.splat<F>(<F>(1.0 / 479001600.0)));
    p = v128.add<F>(v128.mul<F>(p, r), v128.splat<F>(<F>(1.0 / 39916800.0)));
    p = v128.add<F>(v128.mul<F>(p, r), v128.splat<F>(<F>(1.0 / 3628800.0)));
    p = v128.add<F>(v128.mul<F>(p, r), v128.splat<F>(<F>(1.0 / 362880.0)));
    p = v128.add<F>(v128.mul<F>(p, r), v128.splat<F>(<F>(1.0 / 40320.0)));
    p = v128.add<F>(v128.mul<F>(p, r), v128.splat<F>(<F>(1.0 / 5040.0)));
  } else {
    p = v128.splat<F>(<F>(1.0 / 5040.0));
  }
  p = v128.add<F>(v128.mul<F>(p, r), v128.splat<F>(<F>(1.0 / 720.0)));
  p = v128.add<F>(v128.mul<F>(p, r), v128.splat<F>(<F>(1.0 / 120.0)));
  p = v128.add<F>(v128.mul<F>(p, r), v128.splat<F>(<F>(1.0 / 24.0)));
  p = v128.add<F>(v128.mul<F>(p, r), v128.splat<F>(<F>(1.0 / 6.0)));
  p = v128.add<F>(v128.mul<F>(p, r), v128.splat<F>(<F>0.5));
  p = v128.add<F>(v128.mul<F>(p, r), v128.splat<F>(<F>1));
  return v128.add<F>(v128.mul<F>(p, r), v128.splat<F>(<F>1));
}

/** exp(x) for x <= 0 (see above); the scalar twin of vexp_neg, lane for lane the same bits. */
// @ts-ignore: decorator
@inline export function exp_neg<F>(v: F): F {
  const x = min<F>(max<F>(v, sizeof<F>() == 8 ? <F>XMIN_64 : <F>XMIN_32), <F>0);
  const nf = nearest<F>(x * (sizeof<F>() == 8 ? <F>LOG2E_64 : <F>LOG2E_32));
  const r = (x - nf * (sizeof<F>() == 8 ? <F>LN2_HI_64 : <F>LN2_HI_32)) - nf * (sizeof<F>() == 8 ? <F>LN2_LO_64 : <F>LN2_LO_32);
  const p = exp_poly<F>(r);
  const n = <i32>nf; // integral, in [-1022, 0] / [-126, 0] (nontrapping conversion: NaN -> 0)
  if (sizeof<F>() == 8) return <F>(<f64>p * reinterpret<f64>(<i64>(n + 1023) << 52));
  return <F>(<f32>p * reinterpret<f32>((n + 127) << 23));
}

/** exp(x) on each lane, x <= 0: the SIMD twin of exp_neg. */
// @ts-ignore: decorator
@inline export function vexp_neg<F>(v: v128): v128 {
  const x = v128.min<F>(v128.max<F>(v, v128.splat<F>(sizeof<F>() == 8 ? <F>XMIN_64 : <F>XMIN_32)), v128.splat<F>(0));
  const nf = v128.nearest<F>(v128.mul<F>(x, v128.splat<F>(sizeof<F>() == 8 ? <F>LOG2E_64 : <F>LOG2E_32)));
  const r = v128.sub<F>(v128.sub<F>(x, v128.mul<F>(nf, v128.splat<F>(sizeof<F>() == 8 ? <F>LN2_HI_64 : <F>LN2_HI_32))),
                        v128.mul<F>(nf, v128.splat<F>(sizeof<F>() == 8 ? <F>LN2_LO_64 : <F>LN2_LO_32)));
  const p = vexp_poly<F>(r);
  if (sizeof<F>() == 8) {
    const n = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(nf));
    return v128.mul<F>(p, i64x2.shl(i64x2.add(n, i64x2.splat(1023)), 52));
  }
  const n = i32x4.trunc_sat_f32x4_s(nf);
  return v128.mul<F>(p, i32x4.shl(i32x4.add(n, i32x4.splat(127)), 23));
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
@inline export function ftz<F>(v: F): F {
  return abs<F>(v) < (sizeof<F>() == 8 ? <F>FTZ_64 : <F>FTZ_32) ? <F>0 : v;
}

/** ftz on each lane (the same bits: all bits cleared where |v| < FTZ). */
// @ts-ignore: decorator
@inline export function vftz<F>(v: v128): v128 {
  return v128.andnot(v, v128.lt<F>(v128.abs<F>(v), v128.splat<F>(sizeof<F>() == 8 ? <F>FTZ_64 : <F>FTZ_32)));
}

/** σ(a) given e = exp(-|a|). */
// @ts-ignore: decorator
@inline export function sigmoid_e<F>(a: F, e: F): F {
  const d = <F>1 + e;
  return a >= <F>0 ? <F>1 / d : e / d;
}

/** σ'(a) = e/(1+e)² given e = exp(-|a|). */
// @ts-ignore: decorator
@inline export function dsigmoid_e<F>(e: F): F {
  const d = <F>1 + e;
  return e / (d * d);
}

/** tanh(a) given e = exp(-2|a|). */
// @ts-ignore: decorator
@inline export function tanh_e<F>(a: F, e: F): F {
  const t = (<F>1 - e) / (<F>1 + e);
  return a < <F>0 ? -t : t;
}

/** tanh'(a) = 4e/(1+e)² given e = exp(-2|a|). */
// @ts-ignore: decorator
@inline export function dtanh_e<F>(e: F): F {
  const d = <F>1 + e;
  return (<F>4 * e) / (d * d);
}

/** e = exp(-|a|) for the sigmoid. */
// @ts-ignore: decorator
@inline export function sigmoid_exp<F>(a: F): F { return exp_neg<F>(-abs<F>(a)); }

/** e = exp(-2|a|) for tanh. */
// @ts-ignore: decorator
@inline export function tanh_exp<F>(a: F): F { return exp_neg<F>(<F>-2 * abs<F>(a)); }

// SIMD twins of the stable forms: the same operations on each lane.

/** e = exp(-|a|) on each lane. */
// @ts-ignore: decorator
@inline export function vsigmoid_exp<F>(a: v128): v128 { return vexp_neg<F>(v128.neg<F>(v128.abs<F>(a))); }

/** e = exp(-2|a|) on each lane. */
// @ts-ignore: decorator
@inline export function vtanh_exp<F>(a: v128): v128 { return vexp_neg<F>(v128.mul<F>(v128.splat<F>(-2), v128.abs<F>(a))); }

/** σ(a) given e, on each lane: a >= 0 ? 1/(1+e) : e/(1+e). */
// @ts-ignore: decorator
@inline export function vsigmoid_e<F>(a: v128, e: v128): v128 {
  const d = v128.add<F>(v128.splat<F>(1), e);
  return v128.bitselect(v128.div<F>(v128.splat<F>(1), d), v128.div<F>(e, d), v128.ge<F>(a, v128.splat<F>(0)));
}

/** σ'(a) = e/(1+e)² given e, on each lane. */
// @ts-ignore: decorator
@inline export function vdsigmoid_e<F>(e: v128): v128 {
  const d = v128.add<F>(v128.splat<F>(1), e);
  return v128.div<F>(e, v128.mul<F>(d, d));
}

/** tanh(a) given e, on each lane: a < 0 ? -t : t, t = (1-e)/(1+e). */
// @ts-ignore: decorator
@inline export function vtanh_e<F>(a: v128, e: v128): v128 {
  const t = v128.div<F>(v128.sub<F>(v128.splat<F>(1), e), v128.add<F>(v128.splat<F>(1), e));
  return v128.bitselect(v128.neg<F>(t), t, v128.lt<F>(a, v128.splat<F>(0)));
}

/** tanh'(a) = 4e/(1+e)² given e, on each lane. */
// @ts-ignore: decorator
@inline export function vdtanh_e<F>(e: v128): v128 {
  const d = v128.add<F>(v128.splat<F>(1), e);
  return v128.div<F>(v128.mul<F>(v128.splat<F>(4), e), v128.mul<F>(d, d));
}

/**
 * acc + x·y on F lanes. Plain build: separate mul then add (bit-identical to the scalar twin).
 * Relaxed build: relaxed_madd (fused where the hardware has it).
 */
// @ts-ignore: decorator
@inline export function vmadd<F>(acc: v128, x: v128, y: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return v128.relaxed_madd<F>(x, y, acc);
  return v128.add<F>(acc, v128.mul<F>(x, y));
}

/** Horizontal sum of the F lanes of v in a fixed order: (l0+l1)+(l2+l3) for f32, l0+l1 for f64. */
// @ts-ignore: decorator
@inline export function hsum<F>(v: v128): F {
  if (sizeof<F>() == 4) {
    return (v128.extract_lane<F>(v, 0) + v128.extract_lane<F>(v, 1)) +
           (v128.extract_lane<F>(v, 2) + v128.extract_lane<F>(v, 3));
  }
  return v128.extract_lane<F>(v, 0) + v128.extract_lane<F>(v, 1);
}
