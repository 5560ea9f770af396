// Vanilla RNN kernels.
//  - step forward: SIMD == scalar bitwise (nn GEMMs + shared tanh), every tail of N, D, H.
//  - in-place recurrence: next_h may alias prev_h and dprev_h may alias dnext_h (bitwise).
//  - step backward: da, dWx, dWh, db bitwise (element-wise, tn GEMMs, column sums); dx, dprev_h
//    are nt GEMMs: within (K+2)·eps·Σ|da·W| of the scalar twin (helpers.ntOutside).
//  - rnn_forward == T calls of rnn_step_forward, bitwise (same operations, same order).
//  - rnn_backward == T calls of rnn_step_backward: dx, dh0, dWh bitwise (same per-row schedules
//    and the same dWh accumulation order); dWx and db are summed over N·T rows in one GEMM
//    instead of N rows per step, so |seq − steps| <= (N·T+2)·eps·(N·T·max|x|·max|da| + max|dW|).
//  - sequence kernels, SIMD vs scalar: forward bitwise; backward within 8·T·(N·T+H+D+2)·eps
//    times the natural scale of each output (the nt recurrence compounds over T steps).
//  - backward kernels vs centred finite differences in f64 (gradError < 1e-7, helpers.ts).
import { SIZES, srand, rand, alloc, zeros, free, copy, clone, bitDiff, get, set, epsOf, dot, gradError,
         maxAbsDiff, maxAbs, gather, scatter, ntOutside } from "./helpers";
import { rnn_step_forward__scalar, rnn_step_forward__wasmsimd, rnn_step_backward__scalar,
         rnn_step_backward__wasmsimd, rnn_forward__scalar, rnn_forward__wasmsimd,
         rnn_backward__scalar, rnn_backward__wasmsimd } from "../rnn";

let failures = 0;

function stepTwins<T>(N: i32, D: i32, H: i32): void {
  const x = rand<T>(N * D), ph = rand<T>(N * H), Wx = rand<T>(D * H, 0.5), Wh = rand<T>(H * H, 0.5), b = rand<T>(H, 0.3);
  const hS = alloc<T>(N * H), hV = alloc<T>(N * H), dtS = alloc<T>(N * H), dtV = alloc<T>(N * H);
  rnn_step_forward__scalar<T>(hS, dtS, x, ph, Wx, Wh, b, N, D, H);
  rnn_step_forward__wasmsimd<T>(hV, dtV, x, ph, Wx, Wh, b, N, D, H);
  if (bitDiff<T>(hS, hV, N * H) != 0 || bitDiff<T>(dtS, dtV, N * H) != 0) failures++;

  const dn = rand<T>(N * H), dWx0 = rand<T>(D * H), dWh0 = rand<T>(H * H), db0 = rand<T>(H);
  const dxS = alloc<T>(N * D), dxV = alloc<T>(N * D), dpS = alloc<T>(N * H), dpV = alloc<T>(N * H);
  const daS = alloc<T>(N * H), daV = alloc<T>(N * H);
  const dWxS = clone<T>(dWx0, D * H), dWxV = clone<T>(dWx0, D * H), dWhS = clone<T>(dWh0, H * H), dWhV = clone<T>(dWh0, H * H);
  const dbS = clone<T>(db0, H), dbV = clone<T>(db0, H);
  rnn_step_backward__scalar<T>(dxS, dpS, dWxS, dWhS, dbS, daS, dn, dtS, x, ph, Wx, Wh, N, D, H);
  rnn_step_backward__wasmsimd<T>(dxV, dpV, dWxV, dWhV, dbV, daV, dn, dtS, x, ph, Wx, Wh, N, D, H);
  if (bitDiff<T>(daS, daV, N * H) != 0) failures++;
  if (bitDiff<T>(dWxS, dWxV, D * H) != 0 || bitDiff<T>(dWhS, dWhV, H * H) != 0 || bitDiff<T>(dbS, dbV, H) != 0) failures++;
  if (ntOutside<T>(dxV, dxS, 0, daS, Wx, N, D, H, H, H, D) != 0) failures++;
  if (ntOutside<T>(dpV, dpS, 0, daS, Wh, N, H, H, H, H, H) != 0) failures++;
  // in-place recurrence: next_h may alias prev_h, dprev_h may alias dnext_h
  const hh = clone<T>(ph, N * H), dd = clone<T>(dn, N * H);
  rnn_step_forward__wasmsimd<T>(hh, dtV, x, hh, Wx, Wh, b, N, D, H);
  if (bitDiff<T>(hh, hS, N * H) != 0) failures++;
  rnn_step_backward__wasmsimd<T>(dxV, dd, dWxV, dWhV, dbV, daV, dd, dtS, x, ph, Wx, Wh, N, D, H);
  if (bitDiff<T>(dd, dpV, N * H) != 0) failures++;
  free(hh); free(dd);
  free(x); free(ph); free(Wx); free(Wh); free(b); free(hS); free(hV); free(dtS); free(dtV);
  free(dn); free(dWx0); free(dWh0); free(db0); free(dxS); free(dxV); free(dpS); free(dpV); free(daS); free(daV);
  free(dWxS); free(dWxV); free(dWhS); free(dWhV); free(dbS); free(dbV);
}

/** Sequence kernels vs T step calls, and SIMD vs scalar sequence kernels. */
function sequence<T>(N: i32, T: i32, D: i32, H: i32): void {
  const NT = N * T;
  const x = rand<T>(NT * D), h0 = rand<T>(N * H), Wx = rand<T>(D * H, 0.5), Wh = rand<T>(H * H, 0.5), b = rand<T>(H, 0.3);
  const h = alloc<T>(NT * H), dt = alloc<T>(NT * H), hS = alloc<T>(NT * H), dtS = alloc<T>(NT * H);
  rnn_forward__wasmsimd<T>(h, dt, x, h0, Wx, Wh, b, N, T, D, H);
  rnn_forward__scalar<T>(hS, dtS, x, h0, Wx, Wh, b, N, T, D, H);
  if (bitDiff<T>(h, hS, NT * H) != 0 || bitDiff<T>(dt, dtS, NT * H) != 0) failures++;
  // T step calls
  const xt = alloc<T>(N * D), prev = clone<T>(h0, N * H), nh = alloc<T>(N * H), ndt = alloc<T>(N * H);
  const h2 = alloc<T>(NT * H), dt2 = alloc<T>(NT * H);
  for (let t = 0; t < T; t++) {
    gather<T>(xt, x, N, T, D, t);
    rnn_step_forward__wasmsimd<T>(nh, ndt, xt, prev, Wx, Wh, b, N, D, H);
    scatter<T>(h2, nh, N, T, H, t); scatter<T>(dt2, ndt, N, T, H, t);
    copy<T>(prev, nh, N * H);
  }
  if (bitDiff<T>(h, h2, NT * H) != 0 || bitDiff<T>(dt, dt2, NT * H) != 0) failures++;

  // backward: sequence kernel
  const dh = rand<T>(NT * H), dWx0 = rand<T>(D * H), dWh0 = rand<T>(H * H), db0 = rand<T>(H);
  const dx = alloc<T>(NT * D), dh0 = alloc<T>(N * H), da = alloc<T>(NT * H);
  const dWx = clone<T>(dWx0, D * H), dWh = clone<T>(dWh0, H * H), db = clone<T>(db0, H);
  rnn_backward__wasmsimd<T>(dx, dh0, dWx, dWh, db, da, dh, dt, x, h0, h, Wx, Wh, N, T, D, H);
  // scalar twin of the sequence kernel
  const dxS = alloc<T>(NT * D), dh0S = alloc<T>(N * H), daS = alloc<T>(NT * H);
  const dWxS = clone<T>(dWx0, D * H), dWhS = clone<T>(dWh0, H * H), dbS = clone<T>(db0, H);
  rnn_backward__scalar<T>(dxS, dh0S, dWxS, dWhS, dbS, daS, dh, dt, x, h0, h, Wx, Wh, N, T, D, H);
  // The running dh0 is an nt GEMM, so da and everything downstream differ by summation order,
  // compounded over T steps: |scalar − SIMD| <= 8·T·(N·T+H+D+2)·eps·scale (scale as below).
  const eps = epsOf<T>();
  const k = 8.0 * <f64>T * <f64>(NT + H + D + 2) * eps;
  const sda = maxAbs<T>(da, NT * H);
  if (maxAbsDiff<T>(daS, da, NT * H) > k * sda) failures++;
  if (maxAbsDiff<T>(dxS, dx, NT * D) > k * <f64>H * sda * maxAbs<T>(Wx, D * H)) failures++;
  if (maxAbsDiff<T>(dh0S, dh0, N * H) > k * <f64>H * sda * maxAbs<T>(Wh, H * H)) failures++;
  if (maxAbsDiff<T>(dWxS, dWx, D * H) > k * (<f64>NT * sda * maxAbs<T>(x, NT * D) + maxAbs<T>(dWx0, D * H))) failures++;
  if (maxAbsDiff<T>(dWhS, dWh, H * H) > k * (<f64>NT * sda * maxAbs<T>(h, NT * H) + maxAbs<T>(dWh0, H * H))) failures++;
  if (maxAbsDiff<T>(dbS, db, H) > k * (<f64>NT * sda + maxAbs<T>(db0, H))) failures++;
  // T step calls
  const dxt = alloc<T>(N * D), run = alloc<T>(N * H), dnext = alloc<T>(N * H), dat = alloc<T>(N * H), dtt = alloc<T>(N * H);
  const dx2 = alloc<T>(NT * D), da2 = alloc<T>(NT * H);
  const dWx2 = clone<T>(dWx0, D * H), dWh2 = clone<T>(dWh0, H * H), db2 = clone<T>(db0, H);
  for (let t = T - 1; t >= 0; t--) {
    gather<T>(dnext, dh, N, T, H, t);
    if (t < T - 1) for (let i = 0; i < N * H; i++) set<T>(dnext, i, get<T>(dnext, i) + get<T>(run, i));
    gather<T>(xt, x, N, T, D, t); gather<T>(dtt, dt, N, T, H, t);
    if (t == 0) copy<T>(prev, h0, N * H); else gather<T>(prev, h, N, T, H, t - 1);
    rnn_step_backward__wasmsimd<T>(dxt, run, dWx2, dWh2, db2, dat, dnext, dtt, xt, prev, Wx, Wh, N, D, H);
    scatter<T>(dx2, dxt, N, T, D, t); scatter<T>(da2, dat, N, T, H, t);
  }
  if (bitDiff<T>(dx, dx2, NT * D) != 0 || bitDiff<T>(dh0, run, N * H) != 0 || bitDiff<T>(da, da2, NT * H) != 0) failures++;
  if (bitDiff<T>(dWh, dWh2, H * H) != 0) failures++;
  const tolW = <f64>(NT + 2) * eps * (<f64>NT * maxAbs<T>(x, NT * D) * maxAbs<T>(da, NT * H) + maxAbs<T>(dWx0, D * H));
  const tolB = <f64>(NT + 2) * eps * (<f64>NT * maxAbs<T>(da, NT * H) + maxAbs<T>(db0, H));
  if (maxAbsDiff<T>(dWx, dWx2, D * H) > tolW || maxAbsDiff<T>(db, db2, H) > tolB) failures++;

  free(x); free(h0); free(Wx); free(Wh); free(b); free(h); free(dt); free(hS); free(dtS); free(xt); free(prev); free(nh);
  free(ndt); free(h2); free(dt2); free(dh); free(dWx0); free(dWh0); free(db0); free(dx); free(dh0); free(da);
  free(dWx); free(dWh); free(db); free(dxS); free(dh0S); free(daS); free(dWxS); free(dWhS); free(dbS);
  free(dxt); free(run); free(dnext); free(dat); free(dtt); free(dx2); free(da2); free(dWx2); free(dWh2); free(db2);
}

// ---- finite differences (f64); the problem lives in globals because AS has no closures ----
let gN = 0, gT = 0, gD = 0, gH = 0;
let gx: usize = 0, gh0: usize = 0, gWx: usize = 0, gWh: usize = 0, gb: usize = 0, gdh: usize = 0;
let gout: usize = 0, gdt: usize = 0;
let gStep = false;

function loss(): f64 {
  if (gStep) {
    rnn_step_forward__wasmsimd<f64>(gout, gdt, gx, gh0, gWx, gWh, gb, gN, gD, gH);
    return dot<f64>(gout, gdh, gN * gH);
  }
  rnn_forward__wasmsimd<f64>(gout, gdt, gx, gh0, gWx, gWh, gb, gN, gT, gD, gH);
  return dot<f64>(gout, gdh, gN * gT * gH);
}

/** Worst rel error between g and the centred difference of loss() w.r.t. the n values at p. */
function fd(p: usize, g: usize, n: i32): f64 {
  const h = 1e-5;
  const num = alloc<f64>(n);
  for (let i = 0; i < n; i++) {
    const v = get<f64>(p, i);
    set<f64>(p, i, v + h); const lp = loss();
    set<f64>(p, i, v - h); const lm = loss();
    set<f64>(p, i, v);
    set<f64>(num, i, (lp - lm) / (2 * h));
  }
  const r = gradError<f64>(num, g, n);
  free(num);
  return r;
}

function gradcheck(step: bool, N: i32, T: i32, D: i32, H: i32): f64 {
  gStep = step; gN = N; gT = step ? 1 : T; gD = D; gH = H;
  const R = N * gT;
  gx = rand<f64>(R * D); gh0 = rand<f64>(N * H); gWx = rand<f64>(D * H, 0.5); gWh = rand<f64>(H * H, 0.5);
  gb = rand<f64>(H, 0.3); gdh = rand<f64>(R * H); gout = alloc<f64>(R * H); gdt = alloc<f64>(R * H);
  const dx = alloc<f64>(R * D), dh0 = alloc<f64>(N * H), dWx = zeros<f64>(D * H), dWh = zeros<f64>(H * H), db = zeros<f64>(H);
  const da = alloc<f64>(R * H);
  loss(); // fills gout (h) and gdt (dtanh) at the unperturbed point
  if (step) rnn_step_backward__wasmsimd<f64>(dx, dh0, dWx, dWh, db, da, gdh, gdt, gx, gh0, gWx, gWh, N, D, H);
  else {
    const h = clone<f64>(gout, R * H), dt = clone<f64>(gdt, R * H);
    rnn_backward__wasmsimd<f64>(dx, dh0, dWx, dWh, db, da, gdh, dt, gx, gh0, h, gWx, gWh, N, T, D, H);
    free(h); free(dt);
  }
  let worst = fd(gx, dx, R * D);
  worst = max(worst, fd(gh0, dh0, N * H));
  worst = max(worst, fd(gWx, dWx, D * H));
  worst = max(worst, fd(gWh, dWh, H * H));
  worst = max(worst, fd(gb, db, H));
  free(gx); free(gh0); free(gWx); free(gWh); free(gb); free(gdh); free(gout); free(gdt);
  free(dx); free(dh0); free(dWx); free(dWh); free(db); free(da);
  return worst;
}

describe("rnn", () => {
  it("step forward/backward: SIMD vs scalar twins, f32 and f64, every tail", () => {
    srand(21); failures = 0;
    for (let s = 0; s < SIZES.length; s++) {
      const n = SIZES[s];
      stepTwins<f32>(n, 3, 5); stepTwins<f32>(3, n, 5); stepTwins<f32>(3, 5, n);
      stepTwins<f64>(n, 3, 5); stepTwins<f64>(3, n, 5); stepTwins<f64>(3, 5, n);
    }
    stepTwins<f32>(17, 33, 65); stepTwins<f64>(17, 33, 65);
    expect(failures).toBe(0);
  });
  it("sequence kernels == T step calls; SIMD vs scalar sequence kernels", () => {
    srand(22); failures = 0;
    sequence<f32>(2, 3, 4, 5); sequence<f64>(2, 3, 4, 5);
    sequence<f32>(3, 7, 9, 13); sequence<f64>(3, 7, 9, 13);
    sequence<f32>(5, 4, 17, 33); sequence<f64>(5, 4, 17, 33);
    sequence<f32>(1, 1, 1, 1); sequence<f64>(4, 2, 3, 8);
    expect(failures).toBe(0);
  });
  it("rnn_step_backward vs centred finite differences (f64, gradError < 1e-7)", () => {
    srand(23);
    expect(gradcheck(true, 3, 1, 4, 5)).toBeLessThan(1e-7);
    expect(gradcheck(true, 2, 1, 7, 3)).toBeLessThan(1e-7);
  });
  it("rnn_backward vs centred finite differences (f64, gradError < 1e-7)", () => {
    srand(24);
    expect(gradcheck(false, 2, 3, 4, 5)).toBeLessThan(1e-7);
    expect(gradcheck(false, 3, 4, 3, 7)).toBeLessThan(1e-7);
  });
});
