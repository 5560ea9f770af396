// Optimizers and clipping helpers.
//  - each update against its optim.py formula written out per element in the spec (bitwise in
//    f64: same operations in the same order, hyperparameters rounded to T once);
//  - SIMD == scalar bitwise for every update, f32 and f64, n over every tail;
//  - sum_squares: SIMD reorders the f64 partial sums, so |simd − scalar| <= n·eps64·Σx²;
//  - all_finite with a NaN / +Inf / −Inf planted at every position.
import { SIZES, srand, rand, alloc, free, clone, bitDiff, get, set } from "./helpers";
import { sgd__scalar, sgd__wasmsimd, sgd_momentum__scalar, sgd_momentum__wasmsimd, rmsprop__scalar,
         rmsprop__wasmsimd, adam__scalar, adam__wasmsimd, adam_a2__scalar, adam_a2__wasmsimd,
         clip_scale__scalar, clip_scale__wasmsimd, sum_squares__scalar, sum_squares__wasmsimd,
         all_finite__scalar, all_finite__wasmsimd } from "../optim";

const LR = 1e-2, MU = 0.9, DECAY = 0.99, EPS = 1e-8, B1 = 0.9, B2 = 0.999;

/** Runs one optimizer on fresh copies with the scalar (simd = false) or SIMD body. */
function step<F>(which: i32, simd: bool, w: usize, s1: usize, s2: usize, dw: usize, n: i32): void {
  if (which == 0) { if (simd) sgd__wasmsimd<F>(w, dw, n, LR); else sgd__scalar<F>(w, dw, n, LR); }
  else if (which == 1) { if (simd) sgd_momentum__wasmsimd<F>(w, s1, dw, n, LR, MU); else sgd_momentum__scalar<F>(w, s1, dw, n, LR, MU); }
  else if (which == 2) { if (simd) rmsprop__wasmsimd<F>(w, s1, dw, n, LR, DECAY, EPS); else rmsprop__scalar<F>(w, s1, dw, n, LR, DECAY, EPS); }
  else if (which == 3) { if (simd) adam__wasmsimd<F>(w, s1, s2, dw, n, LR, B1, B2, EPS, 3); else adam__scalar<F>(w, s1, s2, dw, n, LR, B1, B2, EPS, 3); }
  else if (which == 4) { if (simd) adam_a2__wasmsimd<F>(w, s1, s2, dw, n, LR, B1, B2, EPS, 3); else adam_a2__scalar<F>(w, s1, s2, dw, n, LR, B1, B2, EPS, 3); }
  else { if (simd) clip_scale__wasmsimd<F>(w, n, 0.37); else clip_scale__scalar<F>(w, n, 0.37); }
}

function twins<F>(which: i32, n: i32): i32 {
  const w = rand<F>(n), s1 = rand<F>(n), s2 = rand<F>(n), dw = rand<F>(n);
  for (let i = 0; i < n; i++) set<F>(s2, i, abs<F>(get<F>(s2, i))); // second moments are >= 0
  if (which == 2) for (let i = 0; i < n; i++) set<F>(s1, i, abs<F>(get<F>(s1, i)));
  const wa = clone<F>(w, n), s1a = clone<F>(s1, n), s2a = clone<F>(s2, n);
  const wb = clone<F>(w, n), s1b = clone<F>(s1, n), s2b = clone<F>(s2, n);
  step<F>(which, false, wa, s1a, s2a, dw, n);
  step<F>(which, true, wb, s1b, s2b, dw, n);
  const bad = bitDiff<F>(wa, wb, n) + bitDiff<F>(s1a, s1b, n) + bitDiff<F>(s2a, s2b, n);
  free(w); free(s1); free(s2); free(dw); free(wa); free(s1a); free(s2a); free(wb); free(s1b); free(s2b);
  return bad;
}

describe("optim", () => {
  it("SIMD == scalar bitwise for sgd, momentum, rmsprop, adam, adam_a2, clip_scale (f32, f64, all tails)", () => {
    srand(61);
    for (let which = 0; which < 6; which++) for (let s = 0; s < SIZES.length; s++) {
      expect(twins<f32>(which, SIZES[s])).toBe(0);
      expect(twins<f64>(which, SIZES[s])).toBe(0);
    }
  });
  it("updates match the optim.py formulas (f64, bitwise)", () => {
    srand(62);
    const n = 7;
    const w0 = rand<f64>(n), dw = rand<f64>(n), m0 = rand<f64>(n), v0 = rand<f64>(n);
    for (let i = 0; i < n; i++) set<f64>(v0, i, abs(get<f64>(v0, i)));
    for (let which = 0; which < 6; which++) {
      const w = clone<f64>(w0, n), m = clone<f64>(m0, n), v = clone<f64>(v0, n);
      if (which == 2) for (let i = 0; i < n; i++) set<f64>(m, i, abs(get<f64>(m, i))); // rmsprop cache >= 0
      step<f64>(which, true, w, m, v, dw, n);
      for (let i = 0; i < n; i++) {
        const x = get<f64>(w0, i), g = get<f64>(dw, i), vi = get<f64>(v0, i);
        const mi = which == 2 ? abs(get<f64>(m0, i)) : get<f64>(m0, i);
        let want = 0.0, want1 = mi, want2 = vi;
        if (which == 0) want = x - LR * g;
        else if (which == 1) { want1 = MU * mi - LR * g; want = x + want1; }
        else if (which == 2) { want1 = DECAY * mi + (1 - DECAY) * (g * g); want = x - LR * g / (Math.sqrt(want1) + EPS); }
        else if (which == 3) {
          want1 = B1 * mi + (1 - B1) * g; want2 = B2 * vi + (1 - B2) * (g * g);
          const alpha = LR * Math.sqrt(1 - Math.pow(B2, 3)) / (1 - Math.pow(B1, 3));
          want = x - alpha * want1 / (Math.sqrt(want2) + EPS);
        } else if (which == 4) {
          want1 = B1 * mi + (1 - B1) * g; want2 = B2 * vi + (1 - B2) * (g * g);
          const mb = want1 / (1 - Math.pow(B1, 3)), vb = want2 / (1 - Math.pow(B2, 3));
          want = x - LR * mb / (Math.sqrt(vb) + EPS);
        } else want = x * 0.37;
        expect(get<f64>(w, i)).toBe(want);
        if (which >= 1 && which <= 4) expect(get<f64>(m, i)).toBe(want1);
        if (which >= 3 && which <= 4) expect(get<f64>(v, i)).toBe(want2);
      }
      free(w); free(m); free(v);
    }
    free(w0); free(dw); free(m0); free(v0);
  });
  it("sum_squares: scalar exact sum, SIMD within n·eps·Σx²", () => {
    srand(63);
    for (let s = 0; s < SIZES.length; s++) {
      const n = SIZES[s];
      const a = rand<f32>(n), b = rand<f64>(n);
      let ra = 0.0, rb = 0.0;
      for (let i = 0; i < n; i++) { const u = <f64>get<f32>(a, i), v = get<f64>(b, i); ra += u * u; rb += v * v; }
      expect(sum_squares__scalar<f32>(a, n)).toBe(ra);
      expect(sum_squares__scalar<f64>(b, n)).toBe(rb);
      expect(abs(sum_squares__wasmsimd<f32>(a, n) - ra)).toBeLessThanOrEqual(<f64>n * f64.EPSILON * ra);
      expect(abs(sum_squares__wasmsimd<f64>(b, n) - rb)).toBeLessThanOrEqual(<f64>n * f64.EPSILON * rb);
      free(a); free(b);
    }
  });
  it("all_finite finds a NaN, +Inf or -Inf at every position", () => {
    srand(64);
    for (let s = 0; s < SIZES.length; s++) {
      const n = SIZES[s];
      const a = rand<f32>(n), b = rand<f64>(n);
      expect(all_finite__scalar<f32>(a, n)).toBe(1); expect(all_finite__wasmsimd<f32>(a, n)).toBe(1);
      expect(all_finite__scalar<f64>(b, n)).toBe(1); expect(all_finite__wasmsimd<f64>(b, n)).toBe(1);
      for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) {
        const bad = k == 0 ? NaN : k == 1 ? Infinity : -Infinity;
        const ka = get<f32>(a, i), kb = get<f64>(b, i);
        set<f32>(a, i, <f32>bad); set<f64>(b, i, bad);
        expect(all_finite__scalar<f32>(a, n)).toBe(0); expect(all_finite__wasmsimd<f32>(a, n)).toBe(0);
        expect(all_finite__scalar<f64>(b, n)).toBe(0); expect(all_finite__wasmsimd<f64>(b, n)).toBe(0);
        set<f32>(a, i, ka); set<f64>(b, i, kb);
      }
      free(a); free(b);
    }
    const big = alloc<f32>(4);
    set<f32>(big, 0, f32.MAX_VALUE); set<f32>(big, 1, -f32.MAX_VALUE); set<f32>(big, 2, 0); set<f32>(big, 3, -0.0);
    expect(all_finite__wasmsimd<f32>(big, 4)).toBe(1);
    free(big);
  });
});
