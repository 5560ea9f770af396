// Temporal softmax loss, argmax_rows, log_softmax_rows.
//  - loss and dx against a hand computation written the numpy way (probs = exp(x − max)/Σ,
//    loss = −Σ mask·log probs[y] / N, dx = (probs − onehot)/N·mask) in f64, and against known
//    values (all-zero scores: loss = (#unmasked)·log V / N).
//  - dx against centred finite differences of the loss (f64).
//  - SIMD == scalar bitwise (dx, loss, argmax indices, log-probabilities), every tail of V.
import { SIZES, srand, rand, alloc, zeros, free, bitDiff, get, set, rndInt, gradError } from "./helpers";
import { temporal_softmax_loss__scalar, temporal_softmax_loss__wasmsimd, argmax_rows__scalar,
         argmax_rows__wasmsimd, log_softmax_rows__scalar, log_softmax_rows__wasmsimd, draw_rows } from "../softmax";

function labels(N: i32, T: i32, V: i32, y: usize, mask: usize): void {
  for (let r = 0; r < N * T; r++) {
    store<i32>(y + (<usize>r << 2), rndInt(V));
    store<i32>(mask + (<usize>r << 2), r % 3 == 1 ? 0 : 1);
  }
}

function twins<F>(N: i32, T: i32, V: i32): i32 {
  const R = N * T;
  const x = rand<F>(R * V, 4.0), y = alloc<i32>(R), mask = alloc<i32>(R);
  labels(N, T, V, y, mask);
  const dS = alloc<F>(R * V), dV = alloc<F>(R * V);
  const lS = temporal_softmax_loss__scalar<F>(dS, 0, x, y, mask, N, T, V, N);
  const lV = temporal_softmax_loss__wasmsimd<F>(dV, 0, x, y, mask, N, T, V, N);
  let bad = bitDiff<F>(dS, dV, R * V) + (reinterpret<u64>(lS) != reinterpret<u64>(lV) ? 1 : 0);
  const iS = alloc<i32>(R), iV = alloc<i32>(R), oS = alloc<F>(R * V), oV = alloc<F>(R * V);
  argmax_rows__scalar<F>(iS, x, R, V, V); argmax_rows__wasmsimd<F>(iV, x, R, V, V);
  bad += bitDiff<f32>(iS, iV, R); // i32 compared as 32-bit patterns
  log_softmax_rows__scalar<F>(oS, x, R, V, V, 1.25); log_softmax_rows__wasmsimd<F>(oV, x, R, V, V, 1.25);
  bad += bitDiff<F>(oS, oV, R * V);
  free(x); free(y); free(mask); free(dS); free(dV); free(iS); free(iV); free(oS); free(oV);
  return bad;
}

describe("softmax rows", () => {
  it("row ranges with norm = N and summed row losses reproduce the whole-batch call bitwise", () => {
    const N = 7, T = 5, V = 13;
    const x = rand<f64>(N * T * V, 3.0), y = alloc<i32>(N * T), mask = alloc<i32>(N * T);
    for (let i = 0; i < N * T; i++) { store<i32>(y + (<usize>i << 2), (i * 7) % V); store<i32>(mask + (<usize>i << 2), i % 4 == 3 ? 0 : 1); }
    const dA = alloc<f64>(N * T * V), dB = alloc<f64>(N * T * V), rows = alloc<f64>(N);
    const whole = temporal_softmax_loss__wasmsimd<f64>(dA, 0, x, y, mask, N, T, V, N);
    const split = 3;
    temporal_softmax_loss__scalar<f64>(dB, rows, x, y, mask, split, T, V, N);
    temporal_softmax_loss__wasmsimd<f64>(dB + (<usize>(split * T * V) << 3), rows + (<usize>split << 3),
      x + (<usize>(split * T * V) << 3), y + (<usize>(split * T) << 2), mask + (<usize>(split * T) << 2), N - split, T, V, N);
    let total = 0.0;
    for (let n = 0; n < N; n++) total += load<f64>(rows + (<usize>n << 3));
    expect(total / <f64>N).toBe(whole);
    expect(bitDiff<f64>(dA, dB, N * T * V)).toBe(0);
    free(x); free(y); free(mask); free(dA); free(dB); free(rows);
  });
  it("no mask (pointer 0, softmax_loss_rows) == an all-ones mask, bitwise, both twins and dtypes", () => {
    srand(50);
    for (let s = 0; s < SIZES.length; s++) {
      expect(unmasked<f32>(SIZES[s], 3, 11)).toBe(0); expect(unmasked<f64>(SIZES[s], 3, 11)).toBe(0);
      expect(unmasked<f32>(3, 2, SIZES[s])).toBe(0); expect(unmasked<f64>(3, 2, SIZES[s])).toBe(0);
    }
  });
});

/** Bit differences between the loss with mask pointer 0 and with an all-ones mask (loss, dx, row sums). */
function unmasked<F>(N: i32, T: i32, V: i32): i32 {
  const R = N * T;
  const x = rand<F>(R * V, 4.0), y = alloc<i32>(R), ones = alloc<i32>(R);
  for (let r = 0; r < R; r++) { store<i32>(y + (<usize>r << 2), rndInt(V)); store<i32>(ones + (<usize>r << 2), 1); }
  const dA = alloc<F>(R * V), dB = alloc<F>(R * V), dC = alloc<F>(R * V), rA = alloc<f64>(N), rB = alloc<f64>(N);
  const lA = temporal_softmax_loss__wasmsimd<F>(dA, rA, x, y, ones, N, T, V, N + 2);
  const lB = temporal_softmax_loss__wasmsimd<F>(dB, rB, x, y, 0, N, T, V, N + 2);
  const lC = temporal_softmax_loss__scalar<F>(dC, 0, x, y, 0, N, T, V, N + 2);
  let bad = bitDiff<F>(dA, dB, R * V) + bitDiff<F>(dA, dC, R * V) + bitDiff<f64>(rA, rB, N);
  if (reinterpret<u64>(lA) != reinterpret<u64>(lB) || reinterpret<u64>(lA) != reinterpret<u64>(lC)) bad++;
  free(x); free(y); free(ones); free(dA); free(dB); free(dC); free(rA); free(rB);
  return bad;
}

describe("temporal softmax loss", () => {
  it("matches the numpy-style hand computation (f64)", () => {
    srand(51);
    const N = 3, T = 4, V = 7, R = N * T;
    const x = rand<f64>(R * V, 3.0), y = alloc<i32>(R), mask = alloc<i32>(R), dx = alloc<f64>(R * V);
    labels(N, T, V, y, mask);
    const loss = temporal_softmax_loss__wasmsimd<f64>(dx, 0, x, y, mask, N, T, V, N);
    let ref = 0.0, worst = 0.0;
    for (let r = 0; r < R; r++) {
      let m = -Infinity;
      for (let j = 0; j < V; j++) m = max(m, get<f64>(x, r * V + j));
      let s = 0.0;
      for (let j = 0; j < V; j++) s += Math.exp(get<f64>(x, r * V + j) - m);
      const yr = load<i32>(y + (<usize>r << 2)), mk = <f64>load<i32>(mask + (<usize>r << 2));
      ref += -mk * Math.log(Math.exp(get<f64>(x, r * V + yr) - m) / s);
      for (let j = 0; j < V; j++) {
        const p = Math.exp(get<f64>(x, r * V + j) - m) / s;
        const want = (p - (j == yr ? 1.0 : 0.0)) / <f64>N * mk;
        worst = max(worst, abs(get<f64>(dx, r * V + j) - want));
      }
    }
    ref /= <f64>N;
    expect(abs(loss - ref) / ref).toBeLessThan(1e-14);
    expect(worst).toBeLessThan(1e-16);
    free(x); free(y); free(mask); free(dx);
  });
  it("known values: zero scores give log V per unmasked row; masked rows give dx = 0", () => {
    const N = 2, T = 3, V = 10, R = N * T;
    const x = zeros<f32>(R * V), y = alloc<i32>(R), mask = alloc<i32>(R), dx = rand<f32>(R * V);
    for (let r = 0; r < R; r++) { store<i32>(y + (<usize>r << 2), r); store<i32>(mask + (<usize>r << 2), r < 4 ? 1 : 0); }
    const loss = temporal_softmax_loss__wasmsimd<f32>(dx, 0, x, y, mask, N, T, V, N);
    expect(abs(loss - 4.0 * Math.log(10.0) / 2.0)).toBeLessThan(1e-6);
    expect(get<f32>(dx, 0)).toBe(<f32>((<f32>0.1 - <f32>1) / <f32>2)); // row 0, j = y = 0
    expect(get<f32>(dx, 1)).toBe(<f32>(<f32>0.1 / <f32>2));
    for (let i = 4 * V; i < R * V; i++) expect(get<f32>(dx, i)).toBe(0);
    free(x); free(y); free(mask); free(dx);
  });
  it("dx matches centred finite differences of the loss (f64, gradError < 1e-7)", () => {
    srand(52);
    const N = 2, T = 3, V = 5, R = N * T;
    const x = rand<f64>(R * V, 2.0), y = alloc<i32>(R), mask = alloc<i32>(R), dx = alloc<f64>(R * V), tmp = alloc<f64>(R * V);
    labels(N, T, V, y, mask);
    temporal_softmax_loss__wasmsimd<f64>(dx, 0, x, y, mask, N, T, V, N);
    const num = alloc<f64>(R * V);
    const h = 1e-5;
    for (let i = 0; i < R * V; i++) {
      const v = get<f64>(x, i);
      set<f64>(x, i, v + h); const lp = temporal_softmax_loss__wasmsimd<f64>(tmp, 0, x, y, mask, N, T, V, N);
      set<f64>(x, i, v - h); const lm = temporal_softmax_loss__wasmsimd<f64>(tmp, 0, x, y, mask, N, T, V, N);
      set<f64>(x, i, v);
      set<f64>(num, i, (lp - lm) / (2 * h));
    }
    expect(gradError<f64>(num, dx, R * V)).toBeLessThan(1e-7);
    free(x); free(y); free(mask); free(dx); free(tmp); free(num);
  });
  it("SIMD == scalar bitwise (loss, dx, argmax, log-softmax), f32 and f64, every tail of V", () => {
    srand(53);
    for (let s = 0; s < SIZES.length; s++) {
      expect(twins<f32>(2, 3, SIZES[s])).toBe(0);
      expect(twins<f64>(2, 3, SIZES[s])).toBe(0);
    }
    expect(twins<f32>(3, 5, 1000)).toBe(0);
    expect(twins<f64>(3, 5, 1000)).toBe(0);
  });
});

describe("argmax_rows / log_softmax_rows", () => {
  it("argmax: first index of the maximum, strided rows, ties and NaN", () => {
    const V = 9, ld = 12;
    const x = zeros<f64>(4 * ld), idx = alloc<i32>(4);
    set<f64>(x, 3, 2.0); set<f64>(x, 7, 2.0);                 // row 0: tie -> 3
    set<f64>(x, ld + 8, 1.0); set<f64>(x, ld + 9, 5.0);       // row 1: 5.0 is past V (padding) -> 8
    for (let j = 0; j < V; j++) set<f64>(x, 2 * ld + j, -1.0); // row 2: all equal -> 0
    set<f64>(x, 3 * ld + 2, NaN); set<f64>(x, 3 * ld + 5, 3.0); // row 3: NaN skipped -> 5
    argmax_rows__wasmsimd<f64>(idx, x, 4, V, ld);
    expect(load<i32>(idx)).toBe(3); expect(load<i32>(idx, 4)).toBe(8);
    expect(load<i32>(idx, 8)).toBe(0); expect(load<i32>(idx, 12)).toBe(5);
    const idx2 = alloc<i32>(4);
    argmax_rows__scalar<f64>(idx2, x, 4, V, ld);
    expect(bitDiff<f32>(idx, idx2, 4)).toBe(0);
    free(x); free(idx); free(idx2);
  });
  it("log_softmax_rows matches (z − m) − log Σ exp(z − m), z = x/τ (f64)", () => {
    srand(54);
    const R = 3, V = 11, ld = 13;
    const x = rand<f64>(R * ld, 3.0), out = alloc<f64>(R * V);
    log_softmax_rows__wasmsimd<f64>(out, x, R, V, ld, 1.0 / 0.7);
    let worst = 0.0;
    for (let r = 0; r < R; r++) {
      let m = -Infinity;
      for (let j = 0; j < V; j++) m = max(m, get<f64>(x, r * ld + j) * (1.0 / 0.7));
      let s = 0.0, ps = 0.0;
      for (let j = 0; j < V; j++) s += Math.exp(get<f64>(x, r * ld + j) * (1.0 / 0.7) - m);
      for (let j = 0; j < V; j++) {
        const want = get<f64>(x, r * ld + j) * (1.0 / 0.7) - m - Math.log(s);
        worst = max(worst, abs(get<f64>(out, r * V + j) - want));
        ps += Math.exp(get<f64>(out, r * V + j));
      }
      expect(abs(ps - 1.0)).toBeLessThan(1e-14);
    }
    expect(worst).toBeLessThan(1e-14);
    free(x); free(out);
  });
  it("draw_rows: the first word whose cumulative probability passes u, skipping p = 0, the last positive on rounding", () => {
    const V = 5;
    // p = 0.1, 0, 0.4, 0.5, 0 (log 0 = −∞)
    const lp = alloc<f64>(5 * V);
    const p: f64[] = [0.1, 0.0, 0.4, 0.5, 0.0];
    for (let r = 0; r < 5; r++) for (let v = 0; v < V; v++) set<f64>(lp, r * V + v, p[v] > 0 ? Math.log(p[v]) : -Infinity);
    const us: f64[] = [0.0, 0.0999, 0.3, 0.95, 0.99999999999999];
    const u = alloc<f64>(5), w = alloc<i32>(5);
    for (let r = 0; r < 5; r++) set<f64>(u, r, us[r]);
    draw_rows<f64>(w, lp, u, 5, V);
    expect(get<i32>(w, 0)).toBe(0); expect(get<i32>(w, 1)).toBe(0); expect(get<i32>(w, 2)).toBe(2);
    expect(get<i32>(w, 3)).toBe(3); expect(get<i32>(w, 4)).toBe(3); // past the rounded sum: the last word with p > 0
    // f32 log-probabilities: the walk in f64 over the widened values
    const lf = alloc<f32>(V), u1 = alloc<f64>(1), w1 = alloc<i32>(1);
    for (let v = 0; v < V; v++) set<f32>(lf, v, <f32>get<f64>(lp, v));
    let acc = 0.0;
    for (let v = 0; v < 3; v++) acc += Math.exp(<f64>get<f32>(lf, v));
    set<f64>(u1, 0, acc); // exactly the sum through word 2: not below it, so word 3
    draw_rows<f32>(w1, lf, u1, 1, V);
    expect(get<i32>(w1, 0)).toBe(3);
    free(lp); free(u); free(w); free(lf); free(u1); free(w1);
  });
  it("log_softmax_rows: a τ so small that x/τ overflows gives the τ → 0 limit (one-hot at the first maximum), both twins", () => {
    const V = 7, ld = 8;
    const x = zeros<f32>(3 * ld), oS = alloc<f32>(3 * V), oV = alloc<f32>(3 * V);
    for (let j = 0; j < V; j++) { set<f32>(x, j, <f32>(j % 3) * 3.0 - 1.0); set<f32>(x, ld + j, -2.0 - <f32>j); set<f32>(x, 2 * ld + j, 5.0); }
    set<f32>(x, 2 * ld + 3, 0.0); // row 0: maximum 5 first at 2 (also at 5); row 1: all negative, maximum at 0; row 2: a zero (0·∞ = NaN)
    const cases: f64[] = [1e40, Infinity, 1e38]; // 1/1e-40 (∞ in f32), 1/MIN_VALUE, and a finite τ⁻¹ whose products overflow
    const want: i32[] = [2, 0, 0];
    for (let c = 0; c < cases.length; c++) {
      log_softmax_rows__scalar<f32>(oS, x, 3, V, ld, cases[c]); log_softmax_rows__wasmsimd<f32>(oV, x, 3, V, ld, cases[c]);
      expect(bitDiff<f32>(oS, oV, 3 * V)).toBe(0);
      for (let r = 0; r < 3; r++) {
        if (c == 2 && r == 1) continue; // −2·1e38 .. finite: an ordinary row (checked below)
        for (let j = 0; j < V; j++) expect(get<f32>(oS, r * V + j)).toBe(j == want[r] ? <f32>0 : <f32>-Infinity);
      }
    }
    // a finite τ⁻¹ whose products do not overflow: ordinary log-probabilities, the largest finite and ≤ 0
    for (let j = 0; j < V; j++) expect(get<f32>(oS, V + j) <= <f32>0).toBe(true);
    expect(get<f32>(oS, V)).toBe(<f32>0);
    free(x); free(oS); free(oV);
  });
});
