// The gates' exp (math.ts exp_neg / vexp_neg): accuracy against libm's Math.exp, and the SIMD
// twin equal to the scalar one bitwise on every lane, including the clamp, -0, 0 and NaN.
import { rnd, srand } from "./helpers";
import { exp_neg, vexp_neg, ftz, vftz } from "../math";

/** |exp_neg(x) - exp(x)| / exp(x), the reference in f64 (libm; ~0.5 ulp for f64). */
function relErr<F>(x: f64): f64 {
  const ref = Math.exp(x);
  return abs(<f64>exp_neg<F>(<F>x) - ref) / ref;
}

const TMP = heap.alloc(16);

/** Lane-for-lane comparison of vexp_neg with exp_neg on the same inputs; returns mismatches. */
function twinMismatches<F>(xs: StaticArray<f64>): i32 {
  let bad = 0;
  const L = 16 / sizeof<F>();
  for (let i = 0; i + L <= xs.length; i += L) {
    let v = v128.splat<F>(<F>0);
    if (sizeof<F>() == 4) {
      v = f32x4(<f32>xs[i], <f32>xs[i + 1], <f32>xs[i + 2], <f32>xs[i + 3]);
    } else {
      v = f64x2(xs[i], xs[i + 1]);
    }
    v128.store(TMP, vexp_neg<F>(v));
    for (let l = 0; l < L; l++) {
      const s = exp_neg<F>(<F>xs[i + l]);
      const lane = load<F>(TMP + <usize>l * sizeof<F>());
      if (sizeof<F>() == 4) { if (reinterpret<u32>(<f32>lane) != reinterpret<u32>(<f32>s)) bad++; }
      else if (reinterpret<u64>(<f64>lane) != reinterpret<u64>(<f64>s)) bad++;
    }
  }
  return bad;
}

describe("exp_neg (the gates' exp)", () => {
  it("f64: within 4 ulp (8.9e-16 relative) of Math.exp on [-700, 0]", () => {
    srand(7);
    let worst = 0.0;
    for (let i = 0; i < 20000; i++) {
      const x = i < 10000 ? -700.0 * (rnd() * 0.5 + 0.5) * <f64>(i % 100) / 100.0 : (rnd() - 1.0) * 2.0;
      worst = max(worst, relErr<f64>(x));
    }
    expect(worst).toBeLessThan(8.9e-16);
    expect(exp_neg<f64>(0.0)).toBe(1.0);
    expect(exp_neg<f64>(-0.0)).toBe(1.0);
  });
  it("f32: within 3 ulp (3.6e-7 relative) of Math.exp on [-87, 0]", () => {
    srand(8);
    let worst = 0.0;
    for (let i = 0; i < 20000; i++) {
      // x representable in f32, so the reference sees the same input
      const x = <f64><f32>(i < 10000 ? -87.0 * (rnd() * 0.5 + 0.5) : (rnd() - 1.0) * 3.0);
      worst = max(worst, relErr<f32>(x));
    }
    expect(worst).toBeLessThan(3.6e-7);
    expect(exp_neg<f32>(0.0)).toBe(<f32>1.0);
  });
  it("clamps below the normal range (a finite tiny value, never 0 or Inf) and never traps on NaN", () => {
    expect(exp_neg<f64>(-1e300)).toBeGreaterThan(0.0);
    expect(exp_neg<f64>(-1e300)).toBeLessThan(1e-300);
    expect(exp_neg<f32>(<f32>-1e30)).toBeGreaterThan(<f32>0);
    expect(isNaN(exp_neg<f64>(NaN))).toBe(true);
    expect(isNaN(exp_neg<f32>(<f32>NaN))).toBe(true);
  });
  it("the SIMD twin equals the scalar one bitwise on every lane (f32 and f64)", () => {
    srand(9);
    const xs = new StaticArray<f64>(4096 + 12);
    for (let i = 0; i < 4096; i++) xs[i] = (rnd() - 1.0) * (i % 3 == 0 ? 800.0 : i % 3 == 1 ? 90.0 : 2.0);
    xs[4096] = 0.0; xs[4097] = -0.0; xs[4098] = NaN; xs[4099] = -1e300;
    xs[4100] = -708.0; xs[4101] = -87.0; xs[4102] = -0.34657359; xs[4103] = -1e-30;
    xs[4104] = -745.2; xs[4105] = -103.9; xs[4106] = -1.0; xs[4107] = -Infinity;
    expect(twinMismatches<f64>(xs)).toBe(0);
    expect(twinMismatches<f32>(xs)).toBe(0);
  });
  it("the twin comparison sees a one-ulp difference (negative control)", () => {
    const a = exp_neg<f64>(-1.5), b = reinterpret<f64>(reinterpret<u64>(a) ^ 1);
    expect(reinterpret<u64>(a) != reinterpret<u64>(b)).toBe(true);
  });
});

describe("ftz (flush of underflowing gradients)", () => {
  it("zeroes |v| < 2^-100 (f32) / ~2^-996 (f64), keeps the rest, NaN and Inf; SIMD twin bitwise", () => {
    const xs = new StaticArray<f64>(16);
    xs[0] = 1e-31; xs[1] = -1e-31; xs[2] = 1e-40; xs[3] = 8e-31; xs[4] = -2e-30; xs[5] = NaN; xs[6] = Infinity;
    xs[7] = -0.0; xs[8] = 1e-301; xs[9] = 1e-299; xs[10] = 0.5; xs[11] = -1e-20; xs[12] = 5e-324; xs[13] = -Infinity;
    xs[14] = 1e-38; xs[15] = 7e-31;
    let bad = 0;
    for (let i = 0; i < 16; i += 4) {
      v128.store(TMP, vftz<f32>(f32x4(<f32>xs[i], <f32>xs[i + 1], <f32>xs[i + 2], <f32>xs[i + 3])));
      for (let l = 0; l < 4; l++) if (reinterpret<u32>(load<f32>(TMP + <usize>l * 4)) != reinterpret<u32>(ftz<f32>(<f32>xs[i + l]))) bad++;
    }
    for (let i = 0; i < 16; i += 2) {
      v128.store(TMP, vftz<f64>(f64x2(xs[i], xs[i + 1])));
      for (let l = 0; l < 2; l++) if (reinterpret<u64>(load<f64>(TMP + <usize>l * 8)) != reinterpret<u64>(ftz<f64>(xs[i + l]))) bad++;
    }
    expect(bad).toBe(0);
    expect(ftz<f32>(<f32>1e-31)).toBe(<f32>0);
    expect(ftz<f32>(<f32>-2e-30)).toBe(<f32>-2e-30);
    expect(ftz<f32>(<f32>1e-40)).toBe(<f32>0);
    expect(isNaN(ftz<f32>(<f32>NaN))).toBe(true);
    expect(ftz<f32>(<f32>Infinity)).toBe(<f32>Infinity);
    expect(ftz<f64>(1e-301)).toBe(0.0);
    expect(ftz<f64>(1e-299)).toBe(1e-299);
    expect(ftz<f64>(1e-31)).toBe(1e-31);
    expect(isNaN(ftz<f64>(NaN))).toBe(true);
  });
});
