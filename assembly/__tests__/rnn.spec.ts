// Vanilla RNN kernels, written once over the leaf loops (GEMMs, tanh_rows, rnn_da, colsum).
//  - leaf twins: tanh_rows and rnn_da SIMD == scalar bitwise, with row strides, every tail.
//  - step forward: the kernel == the same steps on the scalar twins (stepForwardScalar below)
//    bitwise (nn GEMMs + tanh), every tail of N, D, H.
//  - in-place recurrence: next_h may alias prev_h and dprev_h may alias dnext_h (bitwise).
//  - step backward vs the scalar twins: da, dWx, dWh, db bitwise (element-wise, tn GEMMs, column
//    sums); dx, dprev_h are nt GEMMs: within (K+2)·eps·Σ|da·W| (helpers.ntOutside).
//  - rnn_forward == T calls of rnn_step_forward, bitwise (same operations, same order).
//  - rnn_backward == T calls of rnn_step_backward: dx, dh0, dWh bitwise (same per-row schedules
//    and the same dWh accumulation order); dWx and db are summed over N·T rows in one GEMM
//    instead of N rows per step, so |seq − steps| <= (N·T+2)·eps·(N·T·max|x|·max|da| + max|dW|).
//  - backward kernels vs centred finite differences in f64 (gradError < 1e-7, helpers.ts).
import { SIZES, srand, rand, alloc, zeros, free, copy, clone, bitDiff, get, set, epsOf, dot, gradError,
         maxAbsDiff, maxAbs, gather, scatter, ntOutside } from "./helpers";
import { rnn_step_forward, rnn_step_backward, rnn_forward, rnn_backward, tanh_rows__scalar, tanh_rows__wasmsimd,
         rnn_da__scalar, rnn_da__wasmsimd } from "../rnn";
import { gemm_nn__scalar, gemm_nt__scalar, gemm_tn__scalar } from "../gemm";
import { bias_rows, colsum__scalar } from "../affine";

let failures = 0;

/** rnn_step_forward's steps on the scalar twins (the reference the kernel is pinned to). */
function stepForwardScalar<F>(next_h: usize, dtanh: usize, x: usize, prev_h: usize, Wx: usize, Wh: usize, b: usize,
                              N: i32, D: i32, H: i32): void {
  bias_rows<F>(dtanh, b, N, H, H);
  gemm_nn__scalar<F>(dtanh, x, Wx, N, H, D, D, H, H, 1);
  gemm_nn__scalar<F>(dtanh, prev_h, Wh, N, H, H, H, H, H, 1);
  tanh_rows__scalar<F>(next_h, dtanh, dtanh, N, H, H);
}
/** rnn_step_backward's steps on the scalar twins. */
function stepBackwardScalar<F>(dx: usize, dprev_h: usize, dWx: usize, dWh: usize, db: usize, da: usize, dnext_h: usize,
                               dtanh: usize, x: usize, prev_h: usize, Wx: usize, Wh: usize, N: i32, D: i32, H: i32): void {
  rnn_da__scalar<F>(da, dnext_h, 0, false, dtanh, N, H, H, H);
  gemm_nt__scalar<F>(dx, da, Wx, N, D, H, H, H, D, 0);
  gemm_nt__scalar<F>(dprev_h, da, Wh, N, H, H, H, H, H, 0);
  gemm_tn__scalar<F>(dWx, x, da, D, H, N, D, H, H, 1);
  gemm_tn__scalar<F>(dWh, prev_h, da, H, H, N, H, H, H, 1);
  colsum__scalar<F>(db, da, N, H, H);
}

/** tanh_rows and rnn_da twins on R rows of H with row strides (ld = H + 3, ldr = H + 1). */
function leafTwins<F>(R: i32, H: i32): i32 {
  const ld = H + 3, ldr = H + 1;
  const a = rand<F>(R * ld, 3.0), dh = rand<F>(R * ld), run = rand<F>(R * ldr);
  const hS = alloc<F>(R * ld), hV = alloc<F>(R * ld), dS = alloc<F>(R * ld), dV = alloc<F>(R * ld);
  tanh_rows__scalar<F>(hS, dS, a, R, H, ld); tanh_rows__wasmsimd<F>(hV, dV, a, R, H, ld);
  let bad = 0;
  for (let r = 0; r < R; r++) {
    const o = <usize>(r * ld) << alignof<F>();
    bad += bitDiff<F>(hS + o, hV + o, H) + bitDiff<F>(dS + o, dV + o, H);
  }
  for (let k = 0; k < 2; k++) {
    rnn_da__scalar<F>(hS, dh, run, k == 1, dS, R, H, ld, ldr); rnn_da__wasmsimd<F>(hV, dh, run, k == 1, dS, R, H, ld, ldr);
    for (let r = 0; r < R; r++) { const o = <usize>(r * ld) << alignof<F>(); bad += bitDiff<F>(hS + o, hV + o, H); }
  }
  free(a); free(dh); free(run); free(hS); free(hV); free(dS); free(dV);
  return bad;
}

function stepTwins<F>(N: i32, D: i32, H: i32): void {
  const x = rand<F>(N * D), ph = rand<F>(N * H), Wx = rand<F>(D * H, 0.5), Wh = rand<F>(H * H, 0.5), b = rand<F>(H, 0.3);
  const hS = alloc<F>(N * H), hV = alloc<F>(N * H), dtS = alloc<F>(N * H), dtV = alloc<F>(N * H);
  stepForwardScalar<F>(hS, dtS, x, ph, Wx, Wh, b, N, D, H);
  rnn_step_forward<F>(hV, dtV, x, ph, Wx, Wh, b, N, D, H);
  if (bitDiff<F>(hS, hV, N * H) != 0 || bitDiff<F>(dtS, dtV, N * H) != 0) failures++;

  const dn = rand<F>(N * H), dWx0 = rand<F>(D * H), dWh0 = rand<F>(H * H), db0 = rand<F>(H);
  const dxS = alloc<F>(N * D), dxV = alloc<F>(N * D), dpS = alloc<F>(N * H), dpV = alloc<F>(N * H);
  const daS = alloc<F>(N * H), daV = alloc<F>(N * H);
  const dWxS = clone<F>(dWx0, D * H), dWxV = clone<F>(dWx0, D * H), dWhS = clone<F>(dWh0, H * H), dWhV = clone<F>(dWh0, H * H);
  const dbS = clone<F>(db0, H), dbV = clone<F>(db0, H);
  stepBackwardScalar<F>(dxS, dpS, dWxS, dWhS, dbS, daS, dn, dtS, x, ph, Wx, Wh, N, D, H);
  rnn_step_backward<F>(dxV, dpV, dWxV, dWhV, dbV, daV, dn, dtS, x, ph, Wx, Wh, N, D, H);
  if (bitDiff<F>(daS, daV, N * H) != 0) failures++;
  if (bitDiff<F>(dWxS, dWxV, D * H) != 0 || bitDiff<F>(dWhS, dWhV, H * H) != 0 || bitDiff<F>(dbS, dbV, H) != 0) failures++;
  if (ntOutside<F>(dxV, dxS, 0, daS, Wx, N, D, H, H, H, D) != 0) failures++;
  if (ntOutside<F>(dpV, dpS, 0, daS, Wh, N, H, H, H, H, H) != 0) failures++;
  // in-place recurrence: next_h may alias prev_h, dprev_h may alias dnext_h
  const hh = clone<F>(ph, N * H), dd = clone<F>(dn, N * H);
  rnn_step_forward<F>(hh, dtV, x, hh, Wx, Wh, b, N, D, H);
  if (bitDiff<F>(hh, hS, N * H) != 0) failures++;
  rnn_step_backward<F>(dxV, dd, dWxV, dWhV, dbV, daV, dd, dtS, x, ph, Wx, Wh, N, D, H);
  if (bitDiff<F>(dd, dpV, N * H) != 0) failures++;
  free(hh); free(dd);
  free(x); free(ph); free(Wx); free(Wh); free(b); free(hS); free(hV); free(dtS); free(dtV);
  free(dn); free(dWx0); free(dWh0); free(db0); free(dxS); free(dxV); free(dpS); free(dpV); free(daS); free(daV);
  free(dWxS); free(dWxV); free(dWhS); free(dWhV); free(dbS); free(dbV);
}

/** Sequence kernels vs T step calls. */
function sequence<F>(N: i32, T: i32, D: i32, H: i32): void {
  const NT = N * T;
  const x = rand<F>(NT * D), h0 = rand<F>(N * H), Wx = rand<F>(D * H, 0.5), Wh = rand<F>(H * H, 0.5), b = rand<F>(H, 0.3);
  const h = alloc<F>(NT * H), dt = alloc<F>(NT * H);
  rnn_forward<F>(h, dt, x, h0, Wx, Wh, b, N, T, D, H);
  // T step calls
  const xt = alloc<F>(N * D), prev = clone<F>(h0, N * H), nh = alloc<F>(N * H), ndt = alloc<F>(N * H);
  const h2 = alloc<F>(NT * H), dt2 = alloc<F>(NT * H);
  for (let t = 0; t < T; t++) {
    gather<F>(xt, x, N, T, D, t);
    rnn_step_forward<F>(nh, ndt, xt, prev, Wx, Wh, b, N, D, H);
    scatter<F>(h2, nh, N, T, H, t); scatter<F>(dt2, ndt, N, T, H, t);
    copy<F>(prev, nh, N * H);
  }
  if (bitDiff<F>(h, h2, NT * H) != 0 || bitDiff<F>(dt, dt2, NT * H) != 0) failures++;

  // backward: sequence kernel
  const dh = rand<F>(NT * H), dWx0 = rand<F>(D * H), dWh0 = rand<F>(H * H), db0 = rand<F>(H);
  const dx = alloc<F>(NT * D), dh0 = alloc<F>(N * H), da = alloc<F>(NT * H);
  const dWx = clone<F>(dWx0, D * H), dWh = clone<F>(dWh0, H * H), db = clone<F>(db0, H);
  rnn_backward<F>(dx, dh0, dWx, dWh, db, da, dh, dt, x, h0, h, Wx, Wh, N, T, D, H);
  // T step calls
  const dxt = alloc<F>(N * D), run = alloc<F>(N * H), dnext = alloc<F>(N * H), dat = alloc<F>(N * H), dtt = alloc<F>(N * H);
  const dx2 = alloc<F>(NT * D), da2 = alloc<F>(NT * H);
  const dWx2 = clone<F>(dWx0, D * H), dWh2 = clone<F>(dWh0, H * H), db2 = clone<F>(db0, H);
  for (let t = T - 1; t >= 0; t--) {
    gather<F>(dnext, dh, N, T, H, t);
    if (t < T - 1) for (let i = 0; i < N * H; i++) set<F>(dnext, i, get<F>(dnext, i) + get<F>(run, i));
    gather<F>(xt, x, N, T, D, t); gather<F>(dtt, dt, N, T, H, t);
    if (t == 0) copy<F>(prev, h0, N * H); else gather<F>(prev, h, N, T, H, t - 1);
    rnn_step_backward<F>(dxt, run, dWx2, dWh2, db2, dat, dnext, dtt, xt, prev, Wx, Wh, N, D, H);
    scatter<F>(dx2, dxt, N, T, D, t); scatter<F>(da2, dat, N, T, H, t);
  }
  if (bitDiff<F>(dx, dx2, NT * D) != 0 || bitDiff<F>(dh0, run, N * H) != 0 || bitDiff<F>(da, da2, NT * H) != 0) failures++;
  if (bitDiff<F>(dWh, dWh2, H * H) != 0) failures++;
  const eps = epsOf<F>();
  const tolW = <f64>(NT + 2) * eps * (<f64>NT * maxAbs<F>(x, NT * D) * maxAbs<F>(da, NT * H) + maxAbs<F>(dWx0, D * H));
  const tolB = <f64>(NT + 2) * eps * (<f64>NT * maxAbs<F>(da, NT * H) + maxAbs<F>(db0, H));
  if (maxAbsDiff<F>(dWx, dWx2, D * H) > tolW || maxAbsDiff<F>(db, db2, H) > tolB) failures++;

  free(x); free(h0); free(Wx); free(Wh); free(b); free(h); free(dt); free(xt); free(prev); free(nh);
  free(ndt); free(h2); free(dt2); free(dh); free(dWx0); free(dWh0); free(db0); free(dx); free(dh0); free(da);
  free(dWx); free(dWh); free(db);
  free(dxt); free(run); free(dnext); free(dat); free(dtt); free(dx2); free(da2); free(dWx2); free(dWh2); free(db2);
}

// ---- finite differences (f64); the problem lives in globals because AS has no closures ----
let gN = 0, gT = 0, gD = 0, gH = 0;
let gx: usize = 0, gh0: usize = 0, gWx: usize = 0, gWh: usize = 0, gb: usize = 0, gdh: usize = 0;
let gout: usize = 0, gdt: usize = 0;
let gStep = false;

function loss(): f64 {
  if (gStep) {
    rnn_step_forward<f64>(gout, gdt, gx, gh0, gWx, gWh, gb, gN, gD, gH);
    return dot<f64>(gout, gdh, gN * gH);
  }
  rnn_forward<f64>(gout, gdt, gx, gh0, gWx, gWh, gb, gN, gT, gD, gH);
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
  if (step) rnn_step_backward<f64>(dx, dh0, dWx, dWh, db, da, gdh, gdt, gx, gh0, gWx, gWh, N, D, H);
  else {
    const h = clone<f64>(gout, R * H), dt = clone<f64>(gdt, R * H);
    rnn_backward<f64>(dx, dh0, dWx, dWh, db, da, gdh, dt, gx, gh0, h, gWx, gWh, N, T, D, H);
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
  it("tanh_rows and rnn_da: SIMD == scalar bitwise, row strides, every tail", () => {
    srand(20);
    for (let s = 0; s < SIZES.length; s++) {
      expect(leafTwins<f32>(3, SIZES[s])).toBe(0); expect(leafTwins<f64>(3, SIZES[s])).toBe(0);
    }
  });
  it("step forward/backward == the same steps on the scalar twins, f32 and f64, every tail", () => {
    srand(21); failures = 0;
    for (let s = 0; s < SIZES.length; s++) {
      const n = SIZES[s];
      stepTwins<f32>(n, 3, 5); stepTwins<f32>(3, n, 5); stepTwins<f32>(3, 5, n);
      stepTwins<f64>(n, 3, 5); stepTwins<f64>(3, n, 5); stepTwins<f64>(3, 5, n);
    }
    stepTwins<f32>(17, 33, 65); stepTwins<f64>(17, 33, 65);
    expect(failures).toBe(0);
  });
  it("sequence kernels == T step calls", () => {
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
