// Max pooling and ReLU (pool.ts): the max_pool_forward twins give the same maxima and positions
// bitwise over every tail of Wo, strides 1..3 and windows up to 3x3, on data full of ties; both
// against a naive first-maximum scan; max_pool_backward against a hand scatter; the ReLU twins
// bitwise over every tail, against x > 0 ? x : 0; the sigmoid twins bitwise over every tail, against
// the LSTM's scalar σ and dout·(s·(1 − s)), and within rounding of 1/(1 + exp(−x)).
import { SIZES, srand, rand, alloc, free, bitDiff, get, set, rndInt } from "./helpers";
import { max_pool_forward__scalar, max_pool_forward__wasmsimd, max_pool_backward,
         relu_forward__scalar, relu_forward__wasmsimd, relu_backward__scalar, relu_backward__wasmsimd,
         sigmoid_forward__scalar, sigmoid_forward__wasmsimd, sigmoid_backward__scalar, sigmoid_backward__wasmsimd } from "../pool";
import { sigmoid_exp, sigmoid_e } from "../math";

/** x (planes,H,W) with values in {−1, 0, 1} (ties == true) or uniform. */
function input<F>(n: i32, ties: bool): usize {
  const x = rand<F>(n);
  if (ties) for (let i = 0; i < n; i++) set<F>(x, i, <F>(rndInt(3) - 1));
  return x;
}

/** Differences between the twins and the naive scan (maxima bits and positions). */
function pool<F>(planes: i32, Ho: i32, Wo: i32, ph: i32, pw: i32, stride: i32, ties: bool): i32 {
  const H = (Ho - 1) * stride + ph, W = (Wo - 1) * stride + pw;
  const x = input<F>(planes * H * W, ties);
  const n = planes * Ho * Wo;
  const oS = alloc<F>(n), oV = alloc<F>(n), oR = alloc<F>(n);
  const iS = alloc<i32>(n), iV = alloc<i32>(n), iR = alloc<i32>(n);
  max_pool_forward__scalar<F>(oS, iS, x, planes, H, W, ph, pw, stride);
  max_pool_forward__wasmsimd<F>(oV, iV, x, planes, H, W, ph, pw, stride);
  for (let p = 0; p < planes; p++) for (let ho = 0; ho < Ho; ho++) for (let wo = 0; wo < Wo; wo++) {
    let best = -Infinity, at = -1;
    for (let i = 0; i < ph; i++) for (let j = 0; j < pw; j++) {
      const e = (ho * stride + i) * W + wo * stride + j;
      const v = <f64>get<F>(x, p * H * W + e);
      if (v > best) { best = v; at = e; }
    }
    const k = (p * Ho + ho) * Wo + wo;
    set<F>(oR, k, <F>best); set<i32>(iR, k, at);
  }
  const bad = bitDiff<F>(oS, oR, n) + bitDiff<F>(oV, oR, n) + bitDiff<i32>(iS, iR, n) + bitDiff<i32>(iV, iR, n);
  free(x); free(oS); free(oV); free(oR); free(iS); free(iV); free(iR);
  return bad;
}

function backward<F>(planes: i32, Ho: i32, Wo: i32, ph: i32, pw: i32, stride: i32): i32 {
  const H = (Ho - 1) * stride + ph, W = (Wo - 1) * stride + pw;
  const x = input<F>(planes * H * W, true), n = planes * Ho * Wo;
  const o = alloc<F>(n), idx = alloc<i32>(n), dout = rand<F>(n);
  max_pool_forward__scalar<F>(o, idx, x, planes, H, W, ph, pw, stride);
  const dx = rand<F>(planes * H * W), dr = alloc<F>(planes * H * W); // dx is written, whatever it held
  max_pool_backward<F>(dx, dout, idx, planes, H * W, Ho * Wo);
  for (let i = 0; i < planes * H * W; i++) set<F>(dr, i, 0);
  for (let p = 0; p < planes; p++) for (let k = 0; k < Ho * Wo; k++) {
    const e = p * H * W + get<i32>(idx, p * Ho * Wo + k);
    set<F>(dr, e, get<F>(dr, e) + get<F>(dout, p * Ho * Wo + k));
  }
  const bad = bitDiff<F>(dx, dr, planes * H * W);
  free(x); free(o); free(idx); free(dout); free(dx); free(dr);
  return bad;
}

function relu<F>(n: i32): i32 {
  const x = rand<F>(n), dout = rand<F>(n);
  if (n > 2) { set<F>(x, 1, <F>0); set<F>(x, 2, <F>-0.0); }
  const a = alloc<F>(n), b = alloc<F>(n), r = alloc<F>(n), da = alloc<F>(n), db = alloc<F>(n), dr = alloc<F>(n);
  relu_forward__scalar<F>(a, x, n); relu_forward__wasmsimd<F>(b, x, n);
  relu_backward__scalar<F>(da, dout, x, n); relu_backward__wasmsimd<F>(db, dout, x, n);
  for (let i = 0; i < n; i++) {
    const v = get<F>(x, i);
    set<F>(r, i, v > <F>0 ? v : <F>0);
    set<F>(dr, i, v > <F>0 ? get<F>(dout, i) : <F>0);
  }
  const bad = bitDiff<F>(a, r, n) + bitDiff<F>(b, r, n) + bitDiff<F>(da, dr, n) + bitDiff<F>(db, dr, n);
  free(x); free(dout); free(a); free(b); free(r); free(da); free(db); free(dr);
  return bad;
}

/** Differences of the sigmoid twins from the scalar σ and from dout·(s·(1 − s)); x spans ±40 (saturated tails included). */
function sigmoid<F>(n: i32, tol: f64): i32 {
  const x = rand<F>(n), dout = rand<F>(n);
  for (let i = 0; i < n; i++) set<F>(x, i, get<F>(x, i) * <F>40);
  if (n > 2) { set<F>(x, 1, <F>0); set<F>(x, 2, <F>-0.0); }
  const a = alloc<F>(n), b = alloc<F>(n), r = alloc<F>(n), da = alloc<F>(n), db = alloc<F>(n), dr = alloc<F>(n);
  sigmoid_forward__scalar<F>(a, x, n); sigmoid_forward__wasmsimd<F>(b, x, n);
  sigmoid_backward__scalar<F>(da, dout, a, n); sigmoid_backward__wasmsimd<F>(db, dout, a, n);
  let far = 0;
  for (let i = 0; i < n; i++) {
    const v = get<F>(x, i);
    const s = sigmoid_e<F>(v, sigmoid_exp<F>(v));
    set<F>(r, i, s);
    set<F>(dr, i, get<F>(dout, i) * (s * (<F>1 - s)));
    if (Math.abs(<f64>s - 1 / (1 + Math.exp(-<f64>v))) > tol) far++;
  }
  const bad = bitDiff<F>(a, r, n) + bitDiff<F>(b, r, n) + bitDiff<F>(da, dr, n) + bitDiff<F>(db, dr, n) + far;
  free(x); free(dout); free(a); free(b); free(r); free(da); free(db); free(dr);
  return bad;
}

describe("max pool", () => {
  it("forward twins == naive first-maximum scan, every Wo tail, strides 1..3, windows to 3x3, ties", () => {
    srand(41);
    let bad = 0;
    for (let s = 0; s < 12; s++) {
      const Wo = SIZES[s];
      for (let stride = 1; stride <= 3; stride++) for (let ph = 1; ph <= 3; ph++) for (let pw = 1; pw <= 3; pw++) {
        bad += pool<f32>(2, 3, Wo, ph, pw, stride, true) + pool<f64>(2, 3, Wo, ph, pw, stride, true);
        bad += pool<f32>(1, 2, Wo, ph, pw, stride, false) + pool<f64>(1, 2, Wo, ph, pw, stride, false);
      }
    }
    expect(bad).toBe(0);
  });
  it("backward routes each dout to the recorded maximum (overlapping windows add up in output order)", () => {
    srand(42);
    let bad = 0;
    for (let s = 0; s < 9; s++) {
      bad += backward<f32>(2, 3, SIZES[s], 3, 3, 1) + backward<f64>(2, 3, SIZES[s], 3, 3, 1);
      bad += backward<f32>(1, 2, SIZES[s], 2, 2, 2) + backward<f64>(1, 2, SIZES[s], 2, 3, 2);
    }
    expect(bad).toBe(0);
  });
  it("hand values: the first of equal maxima wins", () => {
    const x = alloc<f32>(8), o = alloc<f32>(4), idx = alloc<i32>(4);
    // one plane 2x4: [1 3 3 0 / 3 2 5 5], 2x2 windows with stride 2 (positions 1 and 6), then stride 1
    const v: StaticArray<f32> = [1, 3, 3, 0, 3, 2, 5, 5];
    for (let i = 0; i < 8; i++) set<f32>(x, i, v[i]);
    max_pool_forward__wasmsimd<f32>(o, idx, x, 1, 2, 4, 2, 2, 2);
    expect(get<i32>(idx, 0)).toBe(1); expect(get<i32>(idx, 1)).toBe(6);
    max_pool_forward__wasmsimd<f32>(o, idx, x, 1, 2, 4, 2, 2, 1);
    expect(get<i32>(idx, 0)).toBe(1); expect(get<i32>(idx, 1)).toBe(6); expect(get<i32>(idx, 2)).toBe(6);
    expect(get<f32>(o, 1)).toBe(5);
    free(x); free(o); free(idx);
  });
});

describe("relu", () => {
  it("twins bitwise == x > 0 ? x : 0 and x > 0 ? dout : 0, every tail (±0 give +0)", () => {
    srand(43);
    let bad = 0;
    for (let s = 0; s < SIZES.length; s++) bad += relu<f32>(SIZES[s]) + relu<f64>(SIZES[s]);
    expect(bad).toBe(0);
  });
});

describe("sigmoid", () => {
  it("twins bitwise == the LSTM's σ and dout·(s·(1 − s)), every tail, within rounding of 1/(1 + exp(−x))", () => {
    srand(44);
    let bad = 0;
    for (let s = 0; s < SIZES.length; s++) bad += sigmoid<f32>(SIZES[s], 1e-6) + sigmoid<f64>(SIZES[s], 1e-15);
    expect(bad).toBe(0);
  });
});
