// Spatial batchnorm (batchnorm.ts): the reduce_runs twins (three modes) and the bn_run twins
// (forward and backward element passes) bitwise over every tail of the run length; the forward
// kernel against a naive two-pass f64 computation, its running statistics, test mode, a channel
// range; the backward kernel against centred finite differences in f64, both modes.
import { SIZES, srand, rnd, rndInt, rand, alloc, free, clone, bitDiff, get, set, dot, gradError } from "./helpers";
import { reduce_runs__scalar, reduce_runs__wasmsimd, bn_run__scalar, bn_run__wasmsimd,
         spatial_batchnorm_forward, spatial_batchnorm_backward } from "../batchnorm";

/** n values of F with exponents over 2^±30, so an f64 sum of them rounds (a change of order shows). */
function wide<F>(n: i32): usize {
  const p = alloc<F>(n);
  for (let i = 0; i < n; i++) set<F>(p, i, <F>(rnd() * Math.pow(2, <f64>(rndInt(61) - 30))));
  return p;
}

function reduceTwins<F>(R: i32, P: i32): i32 {
  const ld = P + 5;
  const p = wide<F>(R * ld), q = wide<F>(R * ld);
  let bad = 0;
  for (let mode = 0; mode < 3; mode++) {
    const a = reduce_runs__scalar<F>(mode, p, q, R, P, ld, 0.25, <F>0.125, <F>1.5);
    const b = reduce_runs__wasmsimd<F>(mode, p, q, R, P, ld, 0.25, <F>0.125, <F>1.5);
    if (reinterpret<u64>(a) != reinterpret<u64>(b)) bad++;
    // and the value: the same sum in plain sequential f64, within rounding
    let s = 0.0, sabs = 0.0;
    for (let r = 0; r < R; r++) for (let k = 0; k < P; k++) {
      const v = get<F>(p, r * ld + k);
      const g = mode == 0 ? <f64>v : mode == 1 ? (<f64>v - 0.25) * (<f64>v - 0.25) : <f64>get<F>(q, r * ld + k) * <f64>((v - <F>0.125) * <F>1.5);
      s += g; sabs += abs(g);
    }
    if (abs(a - s) > <f64>(R * P + 2) * f64.EPSILON * sabs) bad++;
  }
  free(p); free(q);
  return bad;
}

function runTwins<F>(P: i32): i32 {
  const x = rand<F>(P), q = rand<F>(P), a = alloc<F>(P), b = alloc<F>(P);
  let bad = 0;
  for (let mode = 0; mode < 2; mode++) {
    bn_run__scalar<F>(mode, a, x, q, P, <F>0.1, <F>1.7, <F>0.6, <F>-0.3, <F>0.05, <F>0.2);
    bn_run__wasmsimd<F>(mode, b, x, q, P, <F>0.1, <F>1.7, <F>0.6, <F>-0.3, <F>0.05, <F>0.2);
    bad += bitDiff<F>(a, b, P);
  }
  free(x); free(q); free(a); free(b);
  return bad;
}

/** Forward in f64 against naive two-pass statistics; returns the worst relative difference. */
function forwardVsNaive(N: i32, C: i32, HW: i32, train: i32): f64 {
  const n = N * C * HW;
  const x = rand<f64>(n, 3.0), g = rand<f64>(C), b = rand<f64>(C), rm = rand<f64>(C), rv = rand<f64>(C);
  for (let c = 0; c < C; c++) set<f64>(rv, c, abs(get<f64>(rv, c)) + 0.5);
  const rm0 = clone<f64>(rm, C), rv0 = clone<f64>(rv, C);
  const out = alloc<f64>(n), mean = alloc<f64>(C), istd = alloc<f64>(C);
  spatial_batchnorm_forward<f64>(out, mean, istd, rm, rv, x, g, b, N, C, HW, 0, C, 1e-5, 0.9, train);
  let worst = 0.0;
  const M = <f64>(N * HW);
  for (let c = 0; c < C; c++) {
    let m = 0.0, v = 0.0;
    for (let i = 0; i < N; i++) for (let k = 0; k < HW; k++) m += get<f64>(x, (i * C + c) * HW + k);
    m /= M;
    for (let i = 0; i < N; i++) for (let k = 0; k < HW; k++) { const d = get<f64>(x, (i * C + c) * HW + k) - m; v += d * d; }
    v /= M;
    const mu = train ? m : get<f64>(rm0, c), va = train ? v : get<f64>(rv0, c);
    for (let i = 0; i < N; i++) for (let k = 0; k < HW; k++) {
      const e = (i * C + c) * HW + k;
      const want = get<f64>(g, c) * ((get<f64>(x, e) - mu) / Math.sqrt(va + 1e-5)) + get<f64>(b, c);
      worst = max(worst, abs(get<f64>(out, e) - want) / (1 + abs(want)));
    }
    const wm = train ? 0.9 * get<f64>(rm0, c) + 0.1 * m : get<f64>(rm0, c);
    const wv = train ? 0.9 * get<f64>(rv0, c) + 0.1 * v : get<f64>(rv0, c);
    worst = max(worst, abs(get<f64>(rm, c) - wm) / (1 + abs(wm)));
    worst = max(worst, abs(get<f64>(rv, c) - wv) / (1 + abs(wv)));
  }
  free(x); free(g); free(b); free(rm); free(rv); free(rm0); free(rv0); free(out); free(mean); free(istd);
  return worst;
}

/** Centred finite differences of L = Σ out·dout in f64 (x, gamma, beta); the worst gradError. */
function gradcheck(N: i32, C: i32, HW: i32, train: i32): f64 {
  const n = N * C * HW;
  const x = rand<f64>(n, 2.0), g = rand<f64>(C), b = rand<f64>(C), dout = rand<f64>(n);
  const rm = rand<f64>(C), rv = alloc<f64>(C);
  for (let c = 0; c < C; c++) set<f64>(rv, c, 0.7 + 0.1 * <f64>c);
  const out = alloc<f64>(n), mean = alloc<f64>(C), istd = alloc<f64>(C);
  const dx = alloc<f64>(n), dg = alloc<f64>(C), db = alloc<f64>(C);
  memory.fill(dg, 0, <usize>C << 3); memory.fill(db, 0, <usize>C << 3);
  const rmc = clone<f64>(rm, C), rvc = clone<f64>(rv, C);
  spatial_batchnorm_forward<f64>(out, mean, istd, rmc, rvc, x, g, b, N, C, HW, 0, C, 1e-5, 0.9, train);
  spatial_batchnorm_backward<f64>(dx, dg, db, dout, x, g, mean, istd, N, C, HW, 0, C, train);
  const h = 1e-5;
  let worst = 0.0;
  for (let which = 0; which < 3; which++) {
    const p = which == 0 ? x : which == 1 ? g : b;
    const grad = which == 0 ? dx : which == 1 ? dg : db;
    const m = which == 0 ? n : C;
    const num = alloc<f64>(m);
    for (let i = 0; i < m; i++) {
      const v = get<f64>(p, i);
      set<f64>(p, i, v + h);
      memory.copy(rmc, rm, <usize>C << 3); memory.copy(rvc, rv, <usize>C << 3);
      spatial_batchnorm_forward<f64>(out, mean, istd, rmc, rvc, x, g, b, N, C, HW, 0, C, 1e-5, 0.9, train);
      const lp = dot<f64>(out, dout, n);
      set<f64>(p, i, v - h);
      memory.copy(rmc, rm, <usize>C << 3); memory.copy(rvc, rv, <usize>C << 3);
      spatial_batchnorm_forward<f64>(out, mean, istd, rmc, rvc, x, g, b, N, C, HW, 0, C, 1e-5, 0.9, train);
      const lm = dot<f64>(out, dout, n);
      set<f64>(p, i, v);
      set<f64>(num, i, (lp - lm) / (2 * h));
    }
    worst = max(worst, gradError<f64>(num, grad, m));
    free(num);
  }
  free(x); free(g); free(b); free(dout); free(rm); free(rv); free(out); free(mean); free(istd);
  free(dx); free(dg); free(db); free(rmc); free(rvc);
  return worst;
}

describe("spatial batchnorm", () => {
  it("reduce_runs twins bitwise (sum, squared deviation, dout·xhat), every run-length tail", () => {
    srand(51);
    let bad = 0;
    for (let s = 0; s < SIZES.length; s++) bad += reduceTwins<f32>(3, SIZES[s]) + reduceTwins<f64>(3, SIZES[s]) + reduceTwins<f32>(1, SIZES[s]);
    expect(bad).toBe(0);
  });
  it("bn_run twins bitwise (forward and backward passes), every tail", () => {
    srand(52);
    let bad = 0;
    for (let s = 0; s < SIZES.length; s++) bad += runTwins<f32>(SIZES[s]) + runTwins<f64>(SIZES[s]);
    expect(bad).toBe(0);
  });
  it("forward == naive two-pass statistics and running averages (train), running statistics (test)", () => {
    srand(53);
    expect(forwardVsNaive(3, 4, 7, 1)).toBeLessThan(1e-13);
    expect(forwardVsNaive(2, 3, 16, 1)).toBeLessThan(1e-13);
    expect(forwardVsNaive(2, 3, 5, 0)).toBeLessThan(1e-13);
  });
  it("a channel range writes only its channels", () => {
    srand(54);
    const N = 2, C = 4, HW = 5, n = N * C * HW;
    const x = rand<f32>(n), g = rand<f32>(C), b = rand<f32>(C), rm = rand<f32>(C), rv = rand<f32>(C);
    const whole = alloc<f32>(n), part = rand<f32>(n), part0 = clone<f32>(part, n);
    const m1 = alloc<f32>(C), s1 = alloc<f32>(C), m2 = alloc<f32>(C), s2 = alloc<f32>(C);
    const rm1 = clone<f32>(rm, C), rv1 = clone<f32>(rv, C), rm2 = clone<f32>(rm, C), rv2 = clone<f32>(rv, C);
    spatial_batchnorm_forward<f32>(whole, m1, s1, rm1, rv1, x, g, b, N, C, HW, 0, C, 1e-5, 0.9, 1);
    spatial_batchnorm_forward<f32>(part, m2, s2, rm2, rv2, x, g, b, N, C, HW, 1, 3, 1e-5, 0.9, 1);
    let bad = 0;
    for (let i = 0; i < N; i++) for (let c = 0; c < C; c++) {
      const o = (i * C + c) * HW;
      bad += bitDiff<f32>(part + (<usize>o << 2), (c >= 1 && c < 3 ? whole : part0) + (<usize>o << 2), HW);
    }
    bad += bitDiff<f32>(rm2 + 4, rm1 + 4, 2) + bitDiff<f32>(rm2, rm, 1) + bitDiff<f32>(rm2 + 12, rm + 12, 1);
    expect(bad).toBe(0);
  });
  it("backward matches centred finite differences (f64, gradError < 1e-7), train and test", () => {
    srand(55);
    expect(gradcheck(2, 3, 5, 1)).toBeLessThan(1e-7);
    expect(gradcheck(3, 2, 4, 0)).toBeLessThan(1e-7);
  });
});
