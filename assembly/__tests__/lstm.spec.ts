// LSTM kernels (gates [i|f|o|g]), written once over the leaf loops (GEMMs, the cell, colsum).
//  - leaf twins: lstm_cell_forward / lstm_cell_backward SIMD == scalar bitwise, every flag,
//    row strides, every tail.
//  - step forward == the same steps on the scalar twins (stepForwardScalar below), bitwise for
//    all six outputs (nn GEMMs + cell), every tail.
//  - step backward vs the scalar twins: da, dprev_c, dWx, dWh, db bitwise; dx, dprev_h (nt
//    GEMMs) within (K+2)·eps·Σ|da·W| (helpers.ntOutside), K = 4H.
//  - in-place recurrence: next_h/next_c may alias prev_h/prev_c, dprev_h/dprev_c may alias
//    dnext_h/dnext_c (bitwise).
//  - lstm_forward == T calls of lstm_step_forward (prev_c = 0 at t = 0), bitwise.
//  - lstm_backward == T calls of lstm_step_backward: dx, dh0, da, dWh bitwise; dWx and db are
//    summed over N·T rows at once, so |seq − steps| <= (N·T+2)·eps·(N·T·max|x|·max|da| + max|dW0|).
//  - backward kernels vs centred finite differences in f64 (gradError < 1e-7, helpers.ts).
import { SIZES, srand, rand, alloc, zeros, free, copy, clone, bitDiff, get, set, epsOf, dot, gradError,
         maxAbsDiff, maxAbs, gather, scatter, ntOutside } from "./helpers";
import { lstm_step_forward, lstm_step_backward, lstm_forward, lstm_backward, lstm_cell_forward__scalar,
         lstm_cell_forward__wasmsimd, lstm_cell_backward__scalar, lstm_cell_backward__wasmsimd } from "../lstm";
import { gemm_nn__scalar, gemm_nt__scalar, gemm_tn__scalar } from "../gemm";
import { bias_rows, colsum__scalar } from "../affine";

let failures = 0;

/** lstm_step_forward's steps on the scalar twins (the reference the kernel is pinned to). */
function stepForwardScalar<F>(next_h: usize, next_c: usize, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize,
    x: usize, prev_h: usize, prev_c: usize, Wx: usize, Wh: usize, b: usize, N: i32, D: i32, H: i32): void {
  const H4 = 4 * H;
  bias_rows<F>(gates, b, N, H4, H4);
  gemm_nn__scalar<F>(gates, x, Wx, N, H4, D, D, H4, H4, 1);
  gemm_nn__scalar<F>(gates, prev_h, Wh, N, H4, H, H, H4, H4, 1);
  lstm_cell_forward__scalar<F>(next_h, next_c, gates, dgates, tanh_c, dtanh_c, prev_c, true, N, H, H, H4);
}
/** lstm_step_backward's steps on the scalar twins. */
function stepBackwardScalar<F>(dx: usize, dprev_h: usize, dprev_c: usize, dWx: usize, dWh: usize, db: usize, da: usize,
    dnext_h: usize, dnext_c: usize, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize, x: usize, prev_h: usize,
    prev_c: usize, Wx: usize, Wh: usize, N: i32, D: i32, H: i32): void {
  const H4 = 4 * H;
  lstm_cell_backward__scalar<F>(da, dprev_c, dnext_h, 0, false, dnext_c, true, gates, dgates, tanh_c, dtanh_c,
                                prev_c, true, N, H, H, H4, H);
  gemm_nt__scalar<F>(dx, da, Wx, N, D, H4, H4, H4, D, 0);
  gemm_nt__scalar<F>(dprev_h, da, Wh, N, H, H4, H4, H4, H, 0);
  gemm_tn__scalar<F>(dWx, x, da, D, H4, N, D, H4, H4, 1);
  gemm_tn__scalar<F>(dWh, prev_h, da, H, H4, N, H, H4, H4, 1);
  colsum__scalar<F>(db, da, N, H4, H4);
}

/** Bit differences of the first C elements of R rows with row stride ld (in elements). */
function rowsDiff<F>(p: usize, q: usize, R: i32, C: i32, ld: i32): i32 {
  let d = 0;
  for (let r = 0; r < R; r++) { const o = <usize>(r * ld) << alignof<F>(); d += bitDiff<F>(p + o, q + o, C); }
  return d;
}

/** The cell twins on R rows with row strides ldh = H + 1, ldg = 4H + 2, lds = H + 3, every flag. */
function cellTwins<F>(R: i32, H: i32): i32 {
  const H4 = 4 * H, ldh = H + 1, ldg = H4 + 2, lds = H + 3;
  const a = rand<F>(R * ldg, 3.0), pc = rand<F>(R * ldh), dnh = rand<F>(R * ldh), run = rand<F>(R * lds), dnc = rand<F>(R * lds);
  const gS = clone<F>(a, R * ldg), gV = clone<F>(a, R * ldg), dgS = alloc<F>(R * ldg), dgV = alloc<F>(R * ldg);
  const hS = alloc<F>(R * ldh), hV = alloc<F>(R * ldh), cS = alloc<F>(R * ldh), cV = alloc<F>(R * ldh);
  const tS = alloc<F>(R * ldh), tV = alloc<F>(R * ldh), dtS = alloc<F>(R * ldh), dtV = alloc<F>(R * ldh);
  const daS = alloc<F>(R * ldg), daV = alloc<F>(R * ldg), dpS = alloc<F>(R * lds), dpV = alloc<F>(R * lds);
  let bad = 0;
  for (let k = 0; k < 8; k++) {
    const hasPc = (k & 1) != 0, hasRun = (k & 2) != 0, hasDnc = (k & 4) != 0;
    if (k < 2) {
      memory.copy(gS, a, <usize>(R * ldg) << alignof<F>()); memory.copy(gV, a, <usize>(R * ldg) << alignof<F>());
      lstm_cell_forward__scalar<F>(hS, cS, gS, dgS, tS, dtS, pc, hasPc, R, H, ldh, ldg);
      lstm_cell_forward__wasmsimd<F>(hV, cV, gV, dgV, tV, dtV, pc, hasPc, R, H, ldh, ldg);
      bad += rowsDiff<F>(hS, hV, R, H, ldh) + rowsDiff<F>(cS, cV, R, H, ldh) + rowsDiff<F>(tS, tV, R, H, ldh) +
             rowsDiff<F>(dtS, dtV, R, H, ldh) + rowsDiff<F>(gS, gV, R, H4, ldg) + rowsDiff<F>(dgS, dgV, R, H4, ldg);
    }
    lstm_cell_backward__scalar<F>(daS, dpS, dnh, run, hasRun, dnc, hasDnc, gS, dgS, tS, dtS, pc, hasPc, R, H, ldh, ldg, lds);
    lstm_cell_backward__wasmsimd<F>(daV, dpV, dnh, run, hasRun, dnc, hasDnc, gS, dgS, tS, dtS, pc, hasPc, R, H, ldh, ldg, lds);
    bad += rowsDiff<F>(daS, daV, R, H4, ldg) + rowsDiff<F>(dpS, dpV, R, H, lds);
  }
  free(a); free(pc); free(dnh); free(run); free(dnc); free(gS); free(gV); free(dgS); free(dgV); free(hS); free(hV);
  free(cS); free(cV); free(tS); free(tV); free(dtS); free(dtV); free(daS); free(daV); free(dpS); free(dpV);
  return bad;
}

function stepTwins<F>(N: i32, D: i32, H: i32): void {
  const H4 = 4 * H;
  const x = rand<F>(N * D), ph = rand<F>(N * H), pc = rand<F>(N * H);
  const Wx = rand<F>(D * H4, 0.5), Wh = rand<F>(H * H4, 0.5), b = rand<F>(H4, 0.3);
  const hS = alloc<F>(N * H), cS = alloc<F>(N * H), gS = alloc<F>(N * H4), dgS = alloc<F>(N * H4), tcS = alloc<F>(N * H), dtcS = alloc<F>(N * H);
  const hV = alloc<F>(N * H), cV = alloc<F>(N * H), gV = alloc<F>(N * H4), dgV = alloc<F>(N * H4), tcV = alloc<F>(N * H), dtcV = alloc<F>(N * H);
  stepForwardScalar<F>(hS, cS, gS, dgS, tcS, dtcS, x, ph, pc, Wx, Wh, b, N, D, H);
  lstm_step_forward<F>(hV, cV, gV, dgV, tcV, dtcV, x, ph, pc, Wx, Wh, b, N, D, H);
  if (bitDiff<F>(hS, hV, N * H) + bitDiff<F>(cS, cV, N * H) + bitDiff<F>(gS, gV, N * H4) +
      bitDiff<F>(dgS, dgV, N * H4) + bitDiff<F>(tcS, tcV, N * H) + bitDiff<F>(dtcS, dtcV, N * H) != 0) failures++;

  const dnh = rand<F>(N * H), dnc = rand<F>(N * H), dWx0 = rand<F>(D * H4), dWh0 = rand<F>(H * H4), db0 = rand<F>(H4);
  const dxS = alloc<F>(N * D), dxV = alloc<F>(N * D), dphS = alloc<F>(N * H), dphV = alloc<F>(N * H);
  const dpcS = alloc<F>(N * H), dpcV = alloc<F>(N * H), daS = alloc<F>(N * H4), daV = alloc<F>(N * H4);
  const dWxS = clone<F>(dWx0, D * H4), dWxV = clone<F>(dWx0, D * H4), dWhS = clone<F>(dWh0, H * H4), dWhV = clone<F>(dWh0, H * H4);
  const dbS = clone<F>(db0, H4), dbV = clone<F>(db0, H4);
  stepBackwardScalar<F>(dxS, dphS, dpcS, dWxS, dWhS, dbS, daS, dnh, dnc, gS, dgS, tcS, dtcS, x, ph, pc, Wx, Wh, N, D, H);
  lstm_step_backward<F>(dxV, dphV, dpcV, dWxV, dWhV, dbV, daV, dnh, dnc, gS, dgS, tcS, dtcS, x, ph, pc, Wx, Wh, N, D, H);
  if (bitDiff<F>(daS, daV, N * H4) != 0 || bitDiff<F>(dpcS, dpcV, N * H) != 0) failures++;
  if (bitDiff<F>(dWxS, dWxV, D * H4) != 0 || bitDiff<F>(dWhS, dWhV, H * H4) != 0 || bitDiff<F>(dbS, dbV, H4) != 0) failures++;
  if (ntOutside<F>(dxV, dxS, 0, daS, Wx, N, D, H4, H4, H4, D) != 0) failures++;
  if (ntOutside<F>(dphV, dphS, 0, daS, Wh, N, H, H4, H4, H4, H) != 0) failures++;
  // dprev_c may alias dnext_c
  const dc = clone<F>(dnc, N * H);
  lstm_step_backward<F>(dxV, dphV, dc, dWxV, dWhV, dbV, daV, dnh, dc, gS, dgS, tcS, dtcS, x, ph, pc, Wx, Wh, N, D, H);
  if (bitDiff<F>(dc, dpcS, N * H) != 0) failures++;
  // in-place recurrence: next_h/next_c may alias prev_h/prev_c, dprev_h may alias dnext_h
  const hh = clone<F>(ph, N * H), cc = clone<F>(pc, N * H), dd = clone<F>(dnh, N * H);
  lstm_step_forward<F>(hh, cc, gV, dgV, tcV, dtcV, x, hh, cc, Wx, Wh, b, N, D, H);
  if (bitDiff<F>(hh, hS, N * H) != 0 || bitDiff<F>(cc, cS, N * H) != 0) failures++;
  lstm_step_backward<F>(dxV, dd, dpcV, dWxV, dWhV, dbV, daV, dd, dnc, gS, dgS, tcS, dtcS, x, ph, pc, Wx, Wh, N, D, H);
  if (bitDiff<F>(dd, dphV, N * H) != 0) failures++;
  free(hh); free(cc); free(dd);
  free(x); free(ph); free(pc); free(Wx); free(Wh); free(b);
  free(hS); free(cS); free(gS); free(dgS); free(tcS); free(dtcS); free(hV); free(cV); free(gV); free(dgV); free(tcV); free(dtcV);
  free(dnh); free(dnc); free(dWx0); free(dWh0); free(db0); free(dxS); free(dxV); free(dphS); free(dphV);
  free(dpcS); free(dpcV); free(daS); free(daV); free(dWxS); free(dWxV); free(dWhS); free(dWhV); free(dbS); free(dbV); free(dc);
}

function sequence<F>(N: i32, T: i32, D: i32, H: i32): void {
  const H4 = 4 * H, NT = N * T;
  const x = rand<F>(NT * D), h0 = rand<F>(N * H), Wx = rand<F>(D * H4, 0.5), Wh = rand<F>(H * H4, 0.5), b = rand<F>(H4, 0.3);
  const h = alloc<F>(NT * H), c = alloc<F>(NT * H), g = alloc<F>(NT * H4), dg = alloc<F>(NT * H4), tc = alloc<F>(NT * H), dtc = alloc<F>(NT * H);
  lstm_forward<F>(h, c, g, dg, tc, dtc, x, h0, Wx, Wh, b, N, T, D, H);
  // T step calls
  const xt = alloc<F>(N * D), ph = clone<F>(h0, N * H), pc = zeros<F>(N * H);
  const nh = alloc<F>(N * H), nc = alloc<F>(N * H), ng = alloc<F>(N * H4), ndg = alloc<F>(N * H4), ntc = alloc<F>(N * H), ndtc = alloc<F>(N * H);
  const h2 = alloc<F>(NT * H), c2 = alloc<F>(NT * H), g2 = alloc<F>(NT * H4), dg2 = alloc<F>(NT * H4), tc2 = alloc<F>(NT * H), dtc2 = alloc<F>(NT * H);
  for (let t = 0; t < T; t++) {
    gather<F>(xt, x, N, T, D, t);
    lstm_step_forward<F>(nh, nc, ng, ndg, ntc, ndtc, xt, ph, pc, Wx, Wh, b, N, D, H);
    scatter<F>(h2, nh, N, T, H, t); scatter<F>(c2, nc, N, T, H, t); scatter<F>(g2, ng, N, T, H4, t);
    scatter<F>(dg2, ndg, N, T, H4, t); scatter<F>(tc2, ntc, N, T, H, t); scatter<F>(dtc2, ndtc, N, T, H, t);
    copy<F>(ph, nh, N * H); copy<F>(pc, nc, N * H);
  }
  if (bitDiff<F>(h, h2, NT * H) + bitDiff<F>(c, c2, NT * H) + bitDiff<F>(g, g2, NT * H4) + bitDiff<F>(dg, dg2, NT * H4) +
      bitDiff<F>(tc, tc2, NT * H) + bitDiff<F>(dtc, dtc2, NT * H) != 0) failures++;

  // backward: sequence kernel
  const dh = rand<F>(NT * H), dWx0 = rand<F>(D * H4), dWh0 = rand<F>(H * H4), db0 = rand<F>(H4);
  const dx = alloc<F>(NT * D), dh0 = alloc<F>(N * H), da = alloc<F>(NT * H4), dcs = alloc<F>(N * H);
  const dWx = clone<F>(dWx0, D * H4), dWh = clone<F>(dWh0, H * H4), db = clone<F>(db0, H4);
  lstm_backward<F>(dx, dh0, dWx, dWh, db, da, dcs, dh, h, c, g, dg, tc, dtc, x, h0, Wx, Wh, N, T, D, H);
  const eps = epsOf<F>();
  const sda = maxAbs<F>(da, NT * H4);
  // T step calls
  const dxt = alloc<F>(N * D), runh = alloc<F>(N * H), runc = zeros<F>(N * H), dnext = alloc<F>(N * H), dat = alloc<F>(N * H4);
  const gt = alloc<F>(N * H4), dgt = alloc<F>(N * H4), tct = alloc<F>(N * H), dtct = alloc<F>(N * H);
  const dx2 = alloc<F>(NT * D), da2 = alloc<F>(NT * H4);
  const dWx2 = clone<F>(dWx0, D * H4), dWh2 = clone<F>(dWh0, H * H4), db2 = clone<F>(db0, H4);
  for (let t = T - 1; t >= 0; t--) {
    gather<F>(dnext, dh, N, T, H, t);
    if (t < T - 1) for (let i = 0; i < N * H; i++) set<F>(dnext, i, get<F>(dnext, i) + get<F>(runh, i));
    gather<F>(xt, x, N, T, D, t); gather<F>(gt, g, N, T, H4, t); gather<F>(dgt, dg, N, T, H4, t);
    gather<F>(tct, tc, N, T, H, t); gather<F>(dtct, dtc, N, T, H, t);
    if (t == 0) { copy<F>(ph, h0, N * H); memory.fill(pc, 0, <usize>(N * H) << alignof<F>()); }
    else { gather<F>(ph, h, N, T, H, t - 1); gather<F>(pc, c, N, T, H, t - 1); }
    lstm_step_backward<F>(dxt, runh, runc, dWx2, dWh2, db2, dat, dnext, runc, gt, dgt, tct, dtct, xt, ph, pc, Wx, Wh, N, D, H);
    scatter<F>(dx2, dxt, N, T, D, t); scatter<F>(da2, dat, N, T, H4, t);
  }
  if (bitDiff<F>(dx, dx2, NT * D) != 0 || bitDiff<F>(dh0, runh, N * H) != 0 || bitDiff<F>(da, da2, NT * H4) != 0) failures++;
  if (bitDiff<F>(dWh, dWh2, H * H4) != 0) failures++;
  const tolW = <f64>(NT + 2) * eps * (<f64>NT * maxAbs<F>(x, NT * D) * sda + maxAbs<F>(dWx0, D * H4));
  const tolB = <f64>(NT + 2) * eps * (<f64>NT * sda + maxAbs<F>(db0, H4));
  if (maxAbsDiff<F>(dWx, dWx2, D * H4) > tolW || maxAbsDiff<F>(db, db2, H4) > tolB) failures++;

  free(x); free(h0); free(Wx); free(Wh); free(b); free(h); free(c); free(g); free(dg); free(tc); free(dtc);
  free(xt); free(ph); free(pc);
  free(nh); free(nc); free(ng); free(ndg); free(ntc); free(ndtc); free(h2); free(c2); free(g2); free(dg2); free(tc2); free(dtc2);
  free(dh); free(dWx0); free(dWh0); free(db0); free(dx); free(dh0); free(da); free(dcs); free(dWx); free(dWh); free(db);
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
    lstm_step_forward<f64>(gh, gc, gg, gdg, gtc, gdtc, gx, gh0, gc0, gWx, gWh, gb, gN, gD, gH);
    return dot<f64>(gh, gdh, gN * gH) + dot<f64>(gc, gdc, gN * gH);
  }
  lstm_forward<f64>(gh, gc, gg, gdg, gtc, gdtc, gx, gh0, gWx, gWh, gb, gN, gT, gD, gH);
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
    lstm_step_backward<f64>(dx, dh0, dc0, dWx, dWh, db, da, gdh, gdc, g, dg, tc, dtc, gx, gh0, gc0, gWx, gWh, N, D, H);
    worst = fd(gc0, dc0, N * H);
  } else {
    lstm_backward<f64>(dx, dh0, dWx, dWh, db, da, dc0, gdh, h, c, g, dg, tc, dtc, gx, gh0, gWx, gWh, N, T, D, H);
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
  it("lstm_cell_forward / lstm_cell_backward: SIMD == scalar bitwise, every flag, row strides, every tail", () => {
    srand(30);
    for (let s = 0; s < SIZES.length; s++) {
      expect(cellTwins<f32>(3, SIZES[s])).toBe(0); expect(cellTwins<f64>(3, SIZES[s])).toBe(0);
    }
  });
  it("step forward/backward == the same steps on the scalar twins, f32 and f64, every tail", () => {
    srand(31); failures = 0;
    for (let s = 0; s < SIZES.length; s++) {
      const n = SIZES[s];
      stepTwins<f32>(n, 3, 5); stepTwins<f32>(3, n, 5); stepTwins<f32>(3, 5, n);
      stepTwins<f64>(n, 3, 5); stepTwins<f64>(3, n, 5); stepTwins<f64>(3, 5, n);
    }
    stepTwins<f32>(17, 33, 65); stepTwins<f64>(17, 33, 65);
    expect(failures).toBe(0);
  });
  it("sequence kernels == T step calls", () => {
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
