// Weighted softmax loss rows (self-critical training's policy-gradient loss).
//  - weight 1 reproduces the unweighted temporal softmax loss on all-scored rows bitwise.
//  - loss and dx against a hand computation written the numpy way, with weights of both signs
//    and zero (f64), and dx against centred finite differences of the loss.
//  - row ranges with the full norm and summed row losses reproduce the whole call bitwise.
//  - SIMD == scalar bitwise (loss, row losses, dx), every tail of V.
import { SIZES, srand, rand, alloc, free, bitDiff, get, set, rndInt, rnd, gradError } from "./helpers";
import { temporal_softmax_loss__scalar } from "../softmax";
import { weighted_softmax_loss_rows__scalar, weighted_softmax_loss_rows__wasmsimd } from "../weighted-softmax";

function targets(R: i32, V: i32): usize {
  const y = alloc<i32>(R);
  for (let r = 0; r < R; r++) store<i32>(y + (<usize>r << 2), rndInt(V));
  return y;
}

function weights(R: i32, scale: f64): usize {
  const w = alloc<f64>(R);
  for (let r = 0; r < R; r++) set<f64>(w, r, r % 5 == 2 ? 0.0 : scale * rnd());
  return w;
}

function twins<F>(R: i32, V: i32): i32 {
  const x = rand<F>(R * V, 4.0), y = targets(R, V), w = weights(R, 2.0);
  const dS = alloc<F>(R * V), dV = alloc<F>(R * V), rS = alloc<f64>(R), rV = alloc<f64>(R);
  const lS = weighted_softmax_loss_rows__scalar<F>(dS, rS, x, y, w, R, V, R + 3);
  const lV = weighted_softmax_loss_rows__wasmsimd<F>(dV, rV, x, y, w, R, V, R + 3);
  const bad = bitDiff<F>(dS, dV, R * V) + bitDiff<f64>(rS, rV, R) + (reinterpret<u64>(lS) != reinterpret<u64>(lV) ? 1 : 0);
  free(x); free(y); free(w); free(dS); free(dV); free(rS); free(rV);
  return bad;
}

function unitWeight<F>(R: i32, V: i32): i32 {
  const x = rand<F>(R * V, 4.0), y = targets(R, V), w = alloc<f64>(R), ones = alloc<i32>(R);
  for (let r = 0; r < R; r++) { set<f64>(w, r, 1.0); store<i32>(ones + (<usize>r << 2), 1); }
  const dA = alloc<F>(R * V), dB = alloc<F>(R * V), rA = alloc<f64>(R), rB = alloc<f64>(R);
  const lA = temporal_softmax_loss__scalar<F>(dA, rA, x, y, ones, R, 1, V, 7);
  const lB = weighted_softmax_loss_rows__wasmsimd<F>(dB, rB, x, y, w, R, V, 7);
  const bad = bitDiff<F>(dA, dB, R * V) + bitDiff<f64>(rA, rB, R) + (reinterpret<u64>(lA) != reinterpret<u64>(lB) ? 1 : 0);
  free(x); free(y); free(w); free(ones); free(dA); free(dB); free(rA); free(rB);
  return bad;
}

describe("weighted softmax loss rows", () => {
  it("weight 1 gives the unweighted loss, row losses and dx bitwise (f32, f64)", () => {
    srand(61);
    for (let s = 0; s < SIZES.length; s++) {
      expect(unitWeight<f32>(5, SIZES[s])).toBe(0);
      expect(unitWeight<f64>(5, SIZES[s])).toBe(0);
    }
  });
  it("matches the numpy-style hand computation with weights of both signs and zero (f64)", () => {
    srand(62);
    const R = 9, V = 7, norm = 4;
    const x = rand<f64>(R * V, 3.0), y = targets(R, V), w = weights(R, 1.5);
    const dx = alloc<f64>(R * V), rl = alloc<f64>(R);
    const loss = weighted_softmax_loss_rows__wasmsimd<f64>(dx, rl, x, y, w, R, V, norm);
    let ref = 0.0, worst = 0.0, worstRow = 0.0;
    for (let r = 0; r < R; r++) {
      let m = -Infinity;
      for (let j = 0; j < V; j++) m = max(m, get<f64>(x, r * V + j));
      let s = 0.0;
      for (let j = 0; j < V; j++) s += Math.exp(get<f64>(x, r * V + j) - m);
      const yr = load<i32>(y + (<usize>r << 2)), wr = get<f64>(w, r);
      const term = -wr * Math.log(Math.exp(get<f64>(x, r * V + yr) - m) / s);
      ref += term;
      worstRow = max(worstRow, abs(get<f64>(rl, r) - term));
      for (let j = 0; j < V; j++) {
        const p = Math.exp(get<f64>(x, r * V + j) - m) / s;
        const want = wr * (p - (j == yr ? 1.0 : 0.0)) / <f64>norm;
        worst = max(worst, abs(get<f64>(dx, r * V + j) - want));
      }
    }
    ref /= <f64>norm;
    expect(abs(loss - ref)).toBeLessThan(1e-14 * max(1.0, abs(ref)));
    expect(worstRow).toBeLessThan(1e-14);
    expect(worst).toBeLessThan(1e-16);
    free(x); free(y); free(w); free(dx); free(rl);
  });
  it("dx matches centred finite differences of the loss (f64, gradError < 1e-8)", () => {
    srand(63);
    const R = 6, V = 5, norm = 6;
    const x = rand<f64>(R * V, 2.0), y = targets(R, V), w = weights(R, 2.0);
    const dx = alloc<f64>(R * V), tmp = alloc<f64>(R * V), rl = alloc<f64>(R), num = alloc<f64>(R * V);
    weighted_softmax_loss_rows__scalar<f64>(dx, rl, x, y, w, R, V, norm);
    const h = 1e-5;
    for (let i = 0; i < R * V; i++) {
      const v = get<f64>(x, i);
      set<f64>(x, i, v + h); const lp = weighted_softmax_loss_rows__scalar<f64>(tmp, rl, x, y, w, R, V, norm);
      set<f64>(x, i, v - h); const lm = weighted_softmax_loss_rows__scalar<f64>(tmp, rl, x, y, w, R, V, norm);
      set<f64>(x, i, v);
      set<f64>(num, i, (lp - lm) / (2 * h));
    }
    expect(gradError<f64>(num, dx, R * V)).toBeLessThan(1e-8);
    free(x); free(y); free(w); free(dx); free(tmp); free(rl); free(num);
  });
  it("row ranges with the full norm and summed row losses reproduce the whole call bitwise", () => {
    srand(64);
    const R = 11, V = 13, split = 4;
    const x = rand<f32>(R * V, 3.0), y = targets(R, V), w = weights(R, 1.0);
    const dA = alloc<f32>(R * V), dB = alloc<f32>(R * V), rA = alloc<f64>(R), rB = alloc<f64>(R);
    const whole = weighted_softmax_loss_rows__wasmsimd<f32>(dA, rA, x, y, w, R, V, R);
    weighted_softmax_loss_rows__scalar<f32>(dB, rB, x, y, w, split, V, R);
    weighted_softmax_loss_rows__wasmsimd<f32>(dB + (<usize>(split * V) << 2), rB + (<usize>split << 3), x + (<usize>(split * V) << 2),
      y + (<usize>split << 2), w + (<usize>split << 3), R - split, V, R);
    let total = 0.0;
    for (let r = 0; r < R; r++) total += get<f64>(rB, r);
    expect(total / <f64>R).toBe(whole);
    expect(bitDiff<f32>(dA, dB, R * V)).toBe(0);
    free(x); free(y); free(w); free(dA); free(dB); free(rA); free(rB);
  });
  it("SIMD == scalar bitwise (loss, row losses, dx), f32 and f64, every tail of V", () => {
    srand(65);
    for (let s = 0; s < SIZES.length; s++) {
      expect(twins<f32>(3, SIZES[s])).toBe(0);
      expect(twins<f64>(3, SIZES[s])).toBe(0);
    }
    expect(twins<f32>(4, 1000)).toBe(0);
    expect(twins<f64>(4, 1000)).toBe(0);
  });
});
