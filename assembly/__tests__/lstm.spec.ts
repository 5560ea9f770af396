// LSTM kernels (gates [i|f|o|g]).
//  - step forward: SIMD == scalar bitwise for all six outputs (nn GEMMs + shared cell), every tail.
//  - step backward: da, dprev_c, dWx, dWh, db bitwise; dx, dprev_h (nt GEMMs) within
//    (K+2)·eps·Σ|da·W| of the scalar twin (helpers.ntOutside), K = 4H.
//  - in-place recurrence: next_h/next_c may alias prev_h/prev_c, dprev_h/dprev_c may alias
//    dnext_h/dnext_c (bitwise).
//  - lstm_forward == T calls of lstm_step_forward (prev_c = 0 at t = 0), bitwise.
//  - lstm_backward == T calls of lstm_step_backward: dx, dh0, da, dWh bitwise; dWx and db are
//    summed over N·T rows at once, so |seq − steps| <= (N·T+2)·eps·(N·T·max|x|·max|da| + max|dW0|).
//  - sequence kernels, SIMD vs scalar: forward bitwise; backward within 8·T·(N·T+4H+D+2)·eps
//    times each output's natural scale (the nt recurrence compounds over T steps).
//  - backward kernels vs centred finite differences in f64 (gradError < 1e-7, helpers.ts).
import { SIZES, srand, rand, alloc, zeros, free, copy, clone, bitDiff, get, set, epsOf, dot, gradError,
         maxAbsDiff, maxAbs, gather, scatter, ntOutside } from "./helpers";
import { lstm_step_forward__scalar, lstm_step_forward__wasmsimd, lstm_step_backward__scalar,
         lstm_step_backward__wasmsimd, lstm_forward__scalar, lstm_forward__wasmsimd,
         lstm_backward__scalar, lstm_backward__wasmsimd } from "../lstm";

let failures = 0;

function stepTwins<T>(N: i32, D: i32, H: i32): void {
  const H4 = 4 * H;
  const x = rand<T>(N * D), ph = rand<T>(N * H), pc = rand<T>(N * H);
  const Wx = rand<T>(D * H4, 0.5), Wh = rand<T>(H * H4, 0.5), b = rand<T>(H4, 0.3);
  const hS = alloc<T>(N * H), cS = alloc<T>(N * H), gS = alloc<T>(N * H4), dgS = alloc<T>(N * H4), tcS = alloc<T>(N * H), dtcS = alloc<T>(N * H);
  const hV = alloc<T>(N * H), cV = alloc<T>(N * H), gV = alloc<T>(N * H4), dgV = alloc<T>(N * H4), tcV = alloc<T>(N * H), dtcV = alloc<T>(N * H);
  lstm_step_forward__scalar<T>(hS, cS, gS, dgS, tcS, dtcS, x, ph, pc, Wx, Wh, b, N, D, H);
  lstm_step_forward__wasmsimd<T>(hV, cV, gV, dgV, tcV, dtcV, x, ph, pc, Wx, Wh, b, N, D, H);
  if (bitDiff<T>(hS, hV, N * H) + bitDiff<T>(cS, cV, N * H) + bitDiff<T>(gS, gV, N * H4) +
      bitDiff<T>(dgS, dgV, N * H4) + bitDiff<T>(tcS, tcV, N * H) + bitDiff<T>(dtcS, dtcV, N * H) != 0) failures++;

  const dnh = rand<T>(N * H), dnc = rand<T>(N * H), dWx0 = rand<T>(D * H4), dWh0 = rand<T>(H * H4), db0 = rand<T>(H4);
  const dxS = alloc<T>(N * D), dxV = alloc<T>(N * D), dphS = alloc<T>(N * H), dphV = alloc<T>(N * H);
  const dpcS = alloc<T>(N * H), dpcV = alloc<T>(N * H), daS = alloc<T>(N * H4), daV = alloc<T>(N * H4);
  const dWxS = clone<T>(dWx0, D * H4), dWxV = clone<T>(dWx0, D * H4), dWhS = clone<T>(dWh0, H * H4), dWhV = clone<T>(dWh0, H * H4);
  const dbS = clone<T>(db0, H4), dbV = clone<T>(db0, H4);
  lstm_step_backward__scalar<T>(dxS, dphS, dpcS, dWxS, dWhS, dbS, daS, dnh, dnc, gS, dgS, tcS, dtcS, x, ph, pc, Wx, Wh, N, D, H);
  lstm_step_backward__wasmsimd<T>(dxV, dphV, dpcV, dWxV, dWhV, dbV, daV, dnh, dnc, gS, dgS, tcS, dtcS, x, ph, pc, Wx, Wh, N, D, H);
  if (bitDiff<T>(daS, daV, N * H4) != 0 || bitDiff<T>(dpcS, dpcV, N * H) != 0) failures++;
  if (bitDiff<T>(dWxS, dWxV, D * H4) != 0 || bitDiff<T>(dWhS, dWhV, H * H4) != 0 || bitDiff<T>(dbS, dbV, H4) != 0) failures++;
  if (ntOutside<T>(dxV, dxS, 0, daS, Wx, N, D, H4, H4, H4, D) != 0) failures++;
  if (ntOutside<T>(dphV, dphS, 0, daS, Wh, N, H, H4, H4, H4, H) != 0) failures++;
  // dprev_c may alias dnext_c
  const dc = clone<T>(dnc, N * H);
  lstm_step_backward__wasmsimd<T>(dxV, dphV, dc, dWxV, dWhV, dbV, daV, dnh, dc, gS, dgS, tcS, dtcS, x, ph, pc, Wx, Wh, N, D, H);
  if (bitDiff<T>(dc, dpcS, N * H) != 0) failures++;
  // in-place recurrence: next_h/next_c may alias prev_h/prev_c, dprev_h may alias dnext_h
  const hh = clone<T>(ph, N * H), cc = clone<T>(pc, N * H), dd = clone<T>(dnh, N * H);
  lstm_step_forward__wasmsimd<T>(hh, cc, gV, dgV, tcV, dtcV, x, hh, cc, Wx, Wh, b, N, D, H);
  if (bitDiff<T>(hh, hS, N * H) != 0 || bitDiff<T>(cc, cS, N * H) != 0) failures++;
  lstm_step_backward__wasmsimd<T>(dxV, dd, dpcV, dWxV, dWhV, dbV, daV, dd, dnc, gS, dgS, tcS, dtcS, x, ph, pc, Wx, Wh, N, D, H);
  if (bitDiff<T>(dd, dphV, N * H) != 0) failures++;
  free(hh); free(cc); free(dd);
  free(x); free(ph); free(pc); free(Wx); free(Wh); free(b);
  free(hS); free(cS); free(gS); free(dgS); free(tcS); free(dtcS); free(hV); free(cV); free(gV); free(dgV); free(tcV); free(dtcV);
  free(dnh); free(dnc); free(dWx0); free(dWh0); free(db0); free(dxS); free(dxV); free(dphS); free(dphV);
  free(dpcS); free(dpcV); free(daS); free(daV); free(dWxS); free(dWxV); free(dWhS); free(dWhV); free(dbS); free(dbV); free(dc);
}

function sequence<T>(N: i32, T: i32, D: i32, H: i32): void {
  const H4 = 4 * H, NT = N * T;
  const x = rand<T>(NT * D), h0 = rand<T>(N * H), Wx = rand<T>(D * H4, 0.5), Wh = rand<T>(H * H4, 0.5), b = rand<T>(H4, 0.3);
  const h = alloc<T>(NT * H), c = alloc<T>(NT * H), g = alloc<T>(NT * H4), dg = alloc<T>(NT * H4), tc = alloc<T>(NT * H), dtc = alloc<T>(NT * H);
  lstm_forward__wasmsimd<T>(h, c, g, dg, tc, dtc, x, h0, Wx, Wh, b, N, T, D, H);
  const hS = alloc<T>(NT * H), cS = alloc<T>(NT * H), gS = alloc<T>(NT * H4), dgS = alloc<T>(NT * H4), tcS = alloc<T>(NT * H), dtcS = alloc<T>(NT * H);
  lstm_forward__scalar<T>(hS, cS, gS, dgS, tcS, dtcS, x, h0, Wx, Wh, b, N, T, D, H);
  if (bitDiff<T>(h, hS, NT * H) + bitDiff<T>(c, cS, NT * H) + bitDiff<T>(g, gS, NT * H4) + bitDiff<T>(dg, dgS, NT * H4) +
      bitDiff<T>(tc, tcS, NT * H) + bitDiff<T>(dtc, dtcS, NT * H) != 0) failures++;
  // T step calls
  const xt = alloc<T>(N * D), ph = clone<T>(h0, N * H), pc = zeros<T>(N * H);
  const nh = alloc<T>(N * H), nc = alloc<T>(N * H), ng = alloc<T>(N * H4), ndg = alloc<T>(N * H4), ntc = alloc<T>(N * H), ndtc = alloc<T>(N * H);
  const h2 = alloc<T>(NT * H), c2 = alloc<T>(NT * H), g2 = alloc<T>(NT * H4), dg2 = alloc<T>(NT * H4), tc2 = alloc<T>(NT * H), dtc2 = alloc<T>(NT * H);
  for (let t = 0; t < T; t++) {
    gather<T>(xt, x, N, T, D, t);
    lstm_step_forward__wasmsimd<T>(nh, nc, ng, ndg, ntc, ndtc, xt, ph, pc, Wx, Wh, b, N, D, H);
    scatter<T>(h2, nh, N, T, H, t); scatter<T>(c2, nc, N, T, H, t); scatter<T>(g2, ng, N, T, H4, t);
    scatter<T>(dg2, ndg, N, T, H4, t); scatter<T>(tc2, ntc, N, T, H, t); scatter<T>(dtc2, ndtc, N, T, H, t);
    copy<T>(ph, nh, N * H); copy<T>(pc, nc, N * H);
  }
  if (bitDiff<T>(h, h2, NT * H) + bitDiff<T>(c, c2, NT * H) + bitDiff<T>(g, g2, NT * H4) + bitDiff<T>(dg, dg2, NT * H4) +
      bitDiff<T>(tc, tc2, NT * H) + bitDiff<T>(dtc, dtc2, NT * H) != 0) failures++;

  // backward: sequence kernel (SIMD) and its scalar twin
  const dh = rand<T>(NT * H), dWx0 = rand<T>(D * H4), dWh0 = rand<T>(H * H4), db0 = rand<T>(H4);
  const dx = alloc<T>(NT * D), dh0 = alloc<T>(N * H), da = alloc<T>(NT * H4), dcs = alloc<T>(N * H);
  const dWx = clone<T>(dWx0, D * H4), dWh = clone<T>(dWh0, H * H4), db = clone<T>(db0, H4);
  lstm_backward__wasmsimd<T>(dx, dh0, dWx, dWh, db, da, dcs, dh, h, c, g, dg, tc, dtc, x, h0, Wx, Wh, N, T, D, H);
  const dxS = alloc<T>(NT * D), dh0S = alloc<T>(N * H), daS = alloc<T>(NT * H4), dcS = alloc<T>(N * H);
  const dWxS = clone<T>(dWx0, D * H4), dWhS = clone<T>(dWh0, H * H4), dbS = clone<T>(db0, H4);
  lstm_backward__scalar<T>(dxS, dh0S, dWxS, dWhS, dbS, daS, dcS, dh, h, c, g, dg, tc, dtc, x, h0, Wx, Wh, N, T, D, H);
  const eps = epsOf<T>();
  const k = 8.0 * <f64>T * <f64>(NT + H4 + D + 2) * eps;
  const sda = maxAbs<T>(da, NT * H4);
  if (maxAbsDiff<T>(daS, da, NT * H4) > k * sda) failures++;
  if (maxAbsDiff<T>(dxS, dx, NT * D) > k * <f64>H4 * sda * maxAbs<T>(Wx, D * H4)) failures++;
  if (maxAbsDiff<T>(dh0S, dh0, N * H) > k * <f64>H4 * sda * maxAbs<T>(Wh, H * H4)) failures++;
  if (maxAbsDiff<T>(dWxS, dWx, D * H4) > k * (<f64>NT * sda * maxAbs<T>(x, NT * D) + maxAbs<T>(dWx0, D * H4))) failures++;
  if (maxAbsDiff<T>(dWhS, dWh, H * H4) > k * (<f64>NT * sda * maxAbs<T>(h, NT * H) + maxAbs<T>(dWh0, H * H4))) failures++;
  if (maxAbsDiff<T>(dbS, db, H4) > k * (<f64>NT * sda + maxAbs<T>(db0, H4))) failures++;
  // T step calls
  const dxt = alloc<T>(N * D), runh = alloc<T>(N * H), runc = zeros<T>(N * H), dnext = alloc<T>(N * H), dat = alloc<T>(N * H4);
  const gt = alloc<T>(N * H4), dgt = alloc<T>(N * H4), tct = alloc<T>(N * H), dtct = alloc<T>(N * H);
  const dx2 = alloc<T>(NT * D), da2 = alloc<T>(NT * H4);
  const dWx2 = clone<T>(dWx0, D * H4), dWh2 = clone<T>(dWh0, H * H4), db2 = clone<T>(db0, H4);
  for (let t = T - 1; t >= 0; t--) {
    gather<T>(dnext, dh, N, T, H, t);
    if (t < T - 1) for (let i = 0; i < N * H; i++) set<T>(dnext, i, get<T>(dnext, i) + get<T>(runh, i));
    gather<T>(xt, x, N, T, D, t); gather<T>(gt, g, N, T, H4, t); gather<T>(dgt, dg, N, T, H4, t);
    gather<T>(tct, tc, N, T, H, t); gather<T>(dtct, dtc, N, T, H, t);
    if (t == 0) { copy<T>(ph, h0, N * H); memory.fill(pc, 0, <usize>(N * H) << alignof<T>()); }
    else { gather<T>(ph, h, N, T, H, t - 1); gather<T>(pc, c, N, T, H, t - 1); }
    lstm_step_backward__wasmsimd<T>(dxt, runh, runc, dWx2, dWh2, db2, dat, dnext, runc, gt, dgt, tct, dtct, xt, ph, pc, Wx, Wh, N, D, H);
    scatter<T>(dx2, dxt, N, T, D, t); scatter<T>(da2, dat, N, T, H4, t);
  }
  if (bitDiff<T>(dx, dx2, NT * D) != 0 || bitDiff<T>(dh0, runh, N * H) != 0 || bitDiff<T>(da, da2, NT * H4) != 0) failures++;
  if (bitDiff<T>(dWh, dWh2, H * H4) != 0) failures++;
  const tolW = <f64>(NT + 2) * eps * (<f64>NT * maxAbs<T>(x, NT * D) * sda + maxAbs<T>(dWx0, D * H4));
  const tolB = <f64>(NT + 2) * eps * (<f64>NT * sda + maxAbs<T>(db0, H4));
  if (maxAbsDiff<T>(dWx, dWx2, D * H4) > tolW || maxAbsDiff<T>(db, db2, H4) > tolB) failures++;

  free(x); free(h0); free(Wx); free(Wh); free(b); free(h); free(c); free(g); free(dg); free(tc); free(dtc);
  free(hS); free(cS); free(gS); free(dgS); free(tcS); free(dtcS); free(xt); free(ph); free(pc);
  free(nh); free(nc); free(ng); free(ndg); free(ntc); free(ndtc); free(h2); free(c2); free(g2); free(dg2); free(tc2); free(dtc2);
  free(dh); free(dWx0); free(dWh0); free(db0); free(dx); free(dh0); free(da); free(dcs); free(dWx); free(dWh); free(db);
  free(dxS); free(dh0S); free(daS); free(dcS); free(dWxS); free(dWhS); free(dbS);
  free(dxt); free(runh); free(runc); free(dnext); free(dat); free(gt); free(dgt); free(tct); free(dtct);
  free(dx2); free(da2); free(dWx2); free(dWh2); free(db2);
}

// ---- finite differences (f64); globals because AS has no closures ----
let gN = 0, gT = 0, gD = 0, gH = 0;
let gx: usize = 0, gh0: usize = 0, gc0: usize = 0, gWx: usize = 0, gWh: usize = 0, gb: usize = 0;
let gdh: usize = 0, gdc: usize = 0;
let gh: usize = 0, gc: usize = 0, gg: usize = 0, gdg: usize = 0, gtc: usize = 0, gdtc: usize = 0;
let gStep = false;

function loss(): f64 {
  if (gStep) {
    lstm_step_forward__wasmsimd<f64>(gh, gc, gg, gdg, gtc, gdtc, gx, gh0, gc0, gWx, gWh, gb, gN, gD, gH);
    return dot<f64>(gh, gdh, gN * gH) + dot<f64>(gc, gdc, gN * gH);
  }
  lstm_forward__wasmsimd<f64>(gh, gc, gg, gdg, gtc, gdtc, gx, gh0, gWx, gWh, gb, gN, gT, gD, gH);
  return dot<f64>(gh, gdh, gN * gT * gH);
}

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
  const H4 = 4 * H, R = N * gT;
  gx = rand<f64>(R * D); gh0 = rand<f64>(N * H); gc0 = rand<f64>(N * H);
  gWx = rand<f64>(D * H4, 0.5); gWh = rand<f64>(H * H4, 0.5); gb = rand<f64>(H4, 0.3);
  gdh = rand<f64>(R * H); gdc = rand<f64>(N * H);
  gh = alloc<f64>(R * H); gc = alloc<f64>(R * H); gg = alloc<f64>(R * H4); gdg = alloc<f64>(R * H4);
  gtc = alloc<f64>(R * H); gdtc = alloc<f64>(R * H);
  const dx = alloc<f64>(R * D), dh0 = alloc<f64>(N * H), dc0 = alloc<f64>(N * H);
  const dWx = zeros<f64>(D * H4), dWh = zeros<f64>(H * H4), db = zeros<f64>(H4), da = alloc<f64>(R * H4);
  loss(); // caches at the unperturbed point
  const h = clone<f64>(gh, R * H), c = clone<f64>(gc, R * H), g = clone<f64>(gg, R * H4), dg = clone<f64>(gdg, R * H4);
  const tc = clone<f64>(gtc, R * H), dtc = clone<f64>(gdtc, R * H);
  let worst = 0.0;
  if (step) {
    lstm_step_backward__wasmsimd<f64>(dx, dh0, dc0, dWx, dWh, db, da, gdh, gdc, g, dg, tc, dtc, gx, gh0, gc0, gWx, gWh, N, D, H);
    worst = fd(gc0, dc0, N * H);
  } else {
    lstm_backward__wasmsimd<f64>(dx, dh0, dWx, dWh, db, da, dc0, gdh, h, c, g, dg, tc, dtc, gx, gh0, gWx, gWh, N, T, D, H);
  }
  worst = max(worst, fd(gx, dx, R * D));
  worst = max(worst, fd(gh0, dh0, N * H));
  worst = max(worst, fd(gWx, dWx, D * H4));
  worst = max(worst, fd(gWh, dWh, H * H4));
  worst = max(worst, fd(gb, db, H4));
  free(gx); free(gh0); free(gc0); free(gWx); free(gWh); free(gb); free(gdh); free(gdc);
  free(gh); free(gc); free(gg); free(gdg); free(gtc); free(gdtc);
  free(dx); free(dh0); free(dc0); free(dWx); free(dWh); free(db); free(da);
  free(h); free(c); free(g); free(dg); free(tc); free(dtc);
  return worst;
}

describe("lstm", () => {
  it("step forward/backward: SIMD vs scalar twins, f32 and f64, every tail", () => {
    srand(31); failures = 0;
    for (let s = 0; s < SIZES.length; s++) {
      const n = SIZES[s];
      stepTwins<f32>(n, 3, 5); stepTwins<f32>(3, n, 5); stepTwins<f32>(3, 5, n);
      stepTwins<f64>(n, 3, 5); stepTwins<f64>(3, n, 5); stepTwins<f64>(3, 5, n);
    }
    stepTwins<f32>(17, 33, 65); stepTwins<f64>(17, 33, 65);
    expect(failures).toBe(0);
  });
  it("sequence kernels == T step calls; SIMD vs scalar sequence kernels", () => {
    srand(32); failures = 0;
    sequence<f32>(2, 3, 4, 5); sequence<f64>(2, 3, 4, 5);
    sequence<f32>(3, 7, 9, 13); sequence<f64>(3, 7, 9, 13);
    sequence<f32>(5, 4, 17, 33); sequence<f64>(5, 4, 17, 33);
    sequence<f32>(1, 1, 1, 1); sequence<f64>(4, 2, 3, 8);
    expect(failures).toBe(0);
  });
  it("lstm_step_backward vs centred finite differences (f64, gradError < 1e-7)", () => {
    srand(33);
    expect(gradcheck(true, 3, 1, 4, 5)).toBeLessThan(1e-7);
    expect(gradcheck(true, 2, 1, 7, 3)).toBeLessThan(1e-7);
  });
  it("lstm_backward vs centred finite differences (f64, gradError < 1e-7)", () => {
    srand(34);
    expect(gradcheck(false, 2, 3, 4, 5)).toBeLessThan(1e-7);
    expect(gradcheck(false, 3, 4, 3, 7)).toBeLessThan(1e-7);
  });
});
