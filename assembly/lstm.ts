// LSTM (CS231n lstm_step_forward / lstm_step_backward / lstm_forward / lstm_backward).
// Legend: N = batch, T = time, D = input, H = hidden. Gates along 4H are [i | f | o | g]
// (char-rnn / CS231n order). (N,T,·) arrays keep the time axis inside the batch axis.
//
//   a = b + x·Wx + prev_h·Wh                         (N,4H), bias first then each GEMM sum
//   i = σ(a_i), f = σ(a_f), o = σ(a_o), g = tanh(a_g)  gates; dgates = σ'/tanh' at a (math.ts)
//   next_c = f·prev_c + i·g; tanh_c = tanh(next_c), dtanh_c = tanh'(next_c); next_h = o·tanh_c
// Backward (per element, in this order of operations):
//   dc = dnext_c + (dnext_h·o)·dtanh_c
//   da = [(dc·g)·di, (dc·prev_c)·df, (dnext_h·tanh_c)·do, (dc·i)·dg],  dprev_c = dc·f
// lstm_forward at t = 0 uses prev_c = 0 (f·0 + i·g, bit-identical to a zero prev_c buffer).

import { lanes, sigmoid_exp, sigmoid_e, dsigmoid_e, tanh_exp, tanh_e, dtanh_e,
         vsigmoid_exp, vsigmoid_e, vdsigmoid_e, vtanh_exp, vtanh_e, vdtanh_e, ftz, vftz } from "./math";
import { gemm_nn, gemm_tn, gemm_nt } from "./gemm";
import { bias_rows, colsum } from "./affine";

// One cell at row offsets oh (H arrays) and oi (gate i; f, o, g follow H apart), scalar.
// @ts-ignore: decorator
@inline function lstm_cell_elem<F>(next_h: usize, next_c: usize, gates: usize, dgates: usize, tanh_c: usize,
                                   dtanh_c: usize, prev_c: usize, has_prev_c: bool, oh: usize, oi: usize, HB: usize): void {
  const ofg = oi + HB, oo = ofg + HB, og = oo + HB;
  const ai = load<F>(gates + oi), af = load<F>(gates + ofg);
  const ao = load<F>(gates + oo), ag = load<F>(gates + og);
  const ei = sigmoid_exp<F>(ai), ef = sigmoid_exp<F>(af), eo = sigmoid_exp<F>(ao), eg = tanh_exp<F>(ag);
  const i = sigmoid_e<F>(ai, ei), f = sigmoid_e<F>(af, ef), o = sigmoid_e<F>(ao, eo), g = tanh_e<F>(ag, eg);
  store<F>(gates + oi, i); store<F>(gates + ofg, f); store<F>(gates + oo, o); store<F>(gates + og, g);
  store<F>(dgates + oi, dsigmoid_e<F>(ei)); store<F>(dgates + ofg, dsigmoid_e<F>(ef));
  store<F>(dgates + oo, dsigmoid_e<F>(eo)); store<F>(dgates + og, dtanh_e<F>(eg));
  const fc = has_prev_c ? f * load<F>(prev_c + oh) : f * <F>0;
  const c = fc + i * g;
  const ec = tanh_exp<F>(c);
  const tc = tanh_e<F>(c, ec);
  store<F>(next_c + oh, c);
  store<F>(tanh_c + oh, tc);
  store<F>(dtanh_c + oh, dtanh_e<F>(ec));
  store<F>(next_h + oh, o * tc);
}

// gates (R,4H) row stride ldg: read as a, written = activations; dgates (R,4H) ldg written;
// next_h, next_c, tanh_c, dtanh_c (R,H) row stride ldh written; prev_c (R,H) row stride ldh
// read when has_prev_c (else taken as 0). The SIMD twin does the same operations on lanes
// (math.ts vexp_neg and friends), so the two agree bitwise.
export function lstm_cell_forward__scalar<F>(next_h: usize, next_c: usize, gates: usize, dgates: usize,
                                      tanh_c: usize, dtanh_c: usize, prev_c: usize, has_prev_c: bool,
                                      R: i32, H: i32, ldh: i32, ldg: i32): void {
  const S = alignof<F>();
  const HB = <usize>H << S;
  for (let r = 0; r < R; r++) {
    const rh = <usize>r * <usize>ldh << S;
    const rg = <usize>r * <usize>ldg << S;
    for (let j = 0; j < H; j++) {
      const oj = <usize>j << S;
      lstm_cell_elem<F>(next_h, next_c, gates, dgates, tanh_c, dtanh_c, prev_c, has_prev_c, rh + oj, rg + oj, HB);
    }
  }
}
export function lstm_cell_forward__wasmsimd<F>(next_h: usize, next_c: usize, gates: usize, dgates: usize,
                                        tanh_c: usize, dtanh_c: usize, prev_c: usize, has_prev_c: bool,
                                        R: i32, H: i32, ldh: i32, ldg: i32): void {
  const L = lanes<F>();
  const S = alignof<F>();
  const HB = <usize>H << S;
  for (let r = 0; r < R; r++) {
    const rh = <usize>r * <usize>ldh << S;
    const rg = <usize>r * <usize>ldg << S;
    let j = 0;
    for (; j + L <= H; j += L) {
      const oj = <usize>j << S;
      const oh = rh + oj, oi = rg + oj, ofg = oi + HB, oo = ofg + HB, og = oo + HB;
      const ai = v128.load(gates + oi), af = v128.load(gates + ofg);
      const ao = v128.load(gates + oo), ag = v128.load(gates + og);
      const ei = vsigmoid_exp<F>(ai), ef = vsigmoid_exp<F>(af), eo = vsigmoid_exp<F>(ao), eg = vtanh_exp<F>(ag);
      const i = vsigmoid_e<F>(ai, ei), f = vsigmoid_e<F>(af, ef), o = vsigmoid_e<F>(ao, eo), g = vtanh_e<F>(ag, eg);
      v128.store(gates + oi, i); v128.store(gates + ofg, f); v128.store(gates + oo, o); v128.store(gates + og, g);
      v128.store(dgates + oi, vdsigmoid_e<F>(ei)); v128.store(dgates + ofg, vdsigmoid_e<F>(ef));
      v128.store(dgates + oo, vdsigmoid_e<F>(eo)); v128.store(dgates + og, vdtanh_e<F>(eg));
      const fc = has_prev_c ? v128.mul<F>(f, v128.load(prev_c + oh)) : v128.mul<F>(f, v128.splat<F>(0));
      const c = v128.add<F>(fc, v128.mul<F>(i, g));
      const ec = vtanh_exp<F>(c);
      const tc = vtanh_e<F>(c, ec);
      v128.store(next_c + oh, c);
      v128.store(tanh_c + oh, tc);
      v128.store(dtanh_c + oh, vdtanh_e<F>(ec));
      v128.store(next_h + oh, v128.mul<F>(o, tc));
    }
    for (; j < H; j++) {
      const oj = <usize>j << S;
      lstm_cell_elem<F>(next_h, next_c, gates, dgates, tanh_c, dtanh_c, prev_c, has_prev_c, rh + oj, rg + oj, HB);
    }
  }
}

// One element of the cell backward at offsets oh (H arrays with row stride ldh), os (the lds
// arrays) and oi (gate i; f, o, g follow HB bytes apart), scalar.
// @ts-ignore: decorator
@inline function lstm_cell_backward_elem<F>(da: usize, dprev_c: usize, dnext_h: usize, run: usize, has_run: bool,
    dnext_c: usize, has_dnc: bool, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize, prev_c: usize, has_pc: bool,
    oh: usize, os: usize, oi: usize, HB: usize): void {
  const ofg = oi + HB, oo = ofg + HB, og = oo + HB;
  let dnh = load<F>(dnext_h + oh);
  if (has_run) dnh = dnh + load<F>(run + os);
  const dnc = has_dnc ? load<F>(dnext_c + os) : <F>0;
  const pc = has_pc ? load<F>(prev_c + oh) : <F>0;
  const i = load<F>(gates + oi), f = load<F>(gates + ofg), o = load<F>(gates + oo), g = load<F>(gates + og);
  const dc = dnc + (dnh * o) * load<F>(dtanh_c + oh);
  store<F>(da + oi, ftz<F>((dc * g) * load<F>(dgates + oi)));
  store<F>(da + ofg, ftz<F>((dc * pc) * load<F>(dgates + ofg)));
  store<F>(da + oo, ftz<F>((dnh * load<F>(tanh_c + oh)) * load<F>(dgates + oo)));
  store<F>(da + og, ftz<F>((dc * i) * load<F>(dgates + og)));
  store<F>(dprev_c + os, ftz<F>(dc * f));
}

// da (R,4H) row stride ldg written; dprev_c (R,H) row stride lds written (may alias dnext_c);
// dnext_h (R,H) ldh read (+ run (R,H) lds when has_run); dnext_c (R,H) lds read when has_dnc
// (else 0); gates, dgates (R,4H) ldg, tanh_c, dtanh_c (R,H) ldh, prev_c (R,H) ldh (when
// has_pc, else 0) read. Element-wise with no transcendental: SIMD == scalar bitwise. da and
// dprev_c are flushed to zero below 2^-100 (math.ts ftz: saturated gates).
export function lstm_cell_backward__scalar<F>(da: usize, dprev_c: usize, dnext_h: usize, run: usize, has_run: bool,
    dnext_c: usize, has_dnc: bool, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize,
    prev_c: usize, has_pc: bool, R: i32, H: i32, ldh: i32, ldg: i32, lds: i32): void {
  const S = alignof<F>();
  const HB = <usize>H << S;
  for (let r = 0; r < R; r++) {
    const rh = <usize>r * <usize>ldh << S;
    const rg = <usize>r * <usize>ldg << S;
    const rs = <usize>r * <usize>lds << S;
    for (let j = 0; j < H; j++) {
      const oj = <usize>j << S;
      lstm_cell_backward_elem<F>(da, dprev_c, dnext_h, run, has_run, dnext_c, has_dnc, gates, dgates, tanh_c, dtanh_c, prev_c, has_pc, rh + oj, rs + oj, rg + oj, HB);
    }
  }
}
export function lstm_cell_backward__wasmsimd<F>(da: usize, dprev_c: usize, dnext_h: usize, run: usize, has_run: bool,
    dnext_c: usize, has_dnc: bool, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize,
    prev_c: usize, has_pc: bool, R: i32, H: i32, ldh: i32, ldg: i32, lds: i32): void {
  const L = lanes<F>();
  const S = alignof<F>();
  const HB = <usize>H << S;
  for (let r = 0; r < R; r++) {
    const rh = <usize>r * <usize>ldh << S;
    const rg = <usize>r * <usize>ldg << S;
    const rs = <usize>r * <usize>lds << S;
    let j = 0;
    for (; j + L <= H; j += L) {
      const oj = <usize>j << S;
      const oh = rh + oj, os = rs + oj;
      const oi = rg + oj, ofg = oi + HB, oo = ofg + HB, og = oo + HB;
      let dnh = v128.load(dnext_h + oh);
      if (has_run) dnh = v128.add<F>(dnh, v128.load(run + os));
      const dnc = has_dnc ? v128.load(dnext_c + os) : v128.splat<F>(0);
      const pc = has_pc ? v128.load(prev_c + oh) : v128.splat<F>(0);
      const dc = v128.add<F>(dnc, v128.mul<F>(v128.mul<F>(dnh, v128.load(gates + oo)), v128.load(dtanh_c + oh)));
      const f = v128.load(gates + ofg);
      v128.store(da + oi, vftz<F>(v128.mul<F>(v128.mul<F>(dc, v128.load(gates + og)), v128.load(dgates + oi))));
      v128.store(da + ofg, vftz<F>(v128.mul<F>(v128.mul<F>(dc, pc), v128.load(dgates + ofg))));
      v128.store(da + oo, vftz<F>(v128.mul<F>(v128.mul<F>(dnh, v128.load(tanh_c + oh)), v128.load(dgates + oo))));
      v128.store(da + og, vftz<F>(v128.mul<F>(v128.mul<F>(dc, v128.load(gates + oi)), v128.load(dgates + og))));
      v128.store(dprev_c + os, vftz<F>(v128.mul<F>(dc, f)));
    }
    for (; j < H; j++) {
      const oj = <usize>j << S;
      lstm_cell_backward_elem<F>(da, dprev_c, dnext_h, run, has_run, dnext_c, has_dnc, gates, dgates, tanh_c, dtanh_c, prev_c, has_pc, rh + oj, rs + oj, rg + oj, HB);
    }
  }
}

// The leaf loops as the kernels below call them: SIMD or scalar body, picked at compile time.
// @ts-ignore: decorator
@inline function lstm_cell_forward<F>(next_h: usize, next_c: usize, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize,
                                      prev_c: usize, has_prev_c: bool, R: i32, H: i32, ldh: i32, ldg: i32): void {
  if (ASC_FEATURE_SIMD) lstm_cell_forward__wasmsimd<F>(next_h, next_c, gates, dgates, tanh_c, dtanh_c, prev_c, has_prev_c, R, H, ldh, ldg);
  else lstm_cell_forward__scalar<F>(next_h, next_c, gates, dgates, tanh_c, dtanh_c, prev_c, has_prev_c, R, H, ldh, ldg);
}
// @ts-ignore: decorator
@inline function lstm_cell_backward<F>(da: usize, dprev_c: usize, dnext_h: usize, run: usize, has_run: bool,
    dnext_c: usize, has_dnc: bool, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize,
    prev_c: usize, has_pc: bool, R: i32, H: i32, ldh: i32, ldg: i32, lds: i32): void {
  if (ASC_FEATURE_SIMD) lstm_cell_backward__wasmsimd<F>(da, dprev_c, dnext_h, run, has_run, dnext_c, has_dnc, gates, dgates, tanh_c, dtanh_c, prev_c, has_pc, R, H, ldh, ldg, lds);
  else lstm_cell_backward__scalar<F>(da, dprev_c, dnext_h, run, has_run, dnext_c, has_dnc, gates, dgates, tanh_c, dtanh_c, prev_c, has_pc, R, H, ldh, ldg, lds);
}

// ---------------------------------------------------------------------------------------------
// next_h, next_c, tanh_c, dtanh_c (N,H) written; gates, dgates (N,4H) written;
// x (N,D), prev_h (N,H), prev_c (N,H), Wx (D,4H), Wh (H,4H), b (4H) read.
// next_h may alias prev_h and next_c may alias prev_c (a is formed in gates).
export function lstm_step_forward<F>(next_h: usize, next_c: usize, gates: usize, dgates: usize,
    tanh_c: usize, dtanh_c: usize, x: usize, prev_h: usize, prev_c: usize, Wx: usize, Wh: usize, b: usize,
    N: i32, D: i32, H: i32, scratch: usize = 0): void {
  const H4 = 4 * H;
  bias_rows<F>(gates, b, N, H4, H4);
  gemm_nn<F>(gates, x, Wx, N, H4, D, D, H4, H4, 1, scratch);
  gemm_nn<F>(gates, prev_h, Wh, N, H4, H, H, H4, H4, 1, scratch);
  lstm_cell_forward<F>(next_h, next_c, gates, dgates, tanh_c, dtanh_c, prev_c, true, N, H, H, H4);
}

// da (N,4H) scratch written; dx (N,D), dprev_h (N,H), dprev_c (N,H) written;
// dWx (D,4H), dWh (H,4H), db (4H) accumulated; dnext_h, dnext_c (N,H), gates, dgates (N,4H),
// tanh_c, dtanh_c (N,H), x (N,D), prev_h, prev_c (N,H), Wx, Wh read.
// dprev_c may alias dnext_c and dprev_h may alias dnext_h (each is read before it is written).
export function lstm_step_backward<F>(dx: usize, dprev_h: usize, dprev_c: usize, dWx: usize, dWh: usize,
    db: usize, da: usize, dnext_h: usize, dnext_c: usize, gates: usize, dgates: usize, tanh_c: usize,
    dtanh_c: usize, x: usize, prev_h: usize, prev_c: usize, Wx: usize, Wh: usize, N: i32, D: i32, H: i32, scratch: usize = 0): void {
  const H4 = 4 * H;
  lstm_cell_backward<F>(da, dprev_c, dnext_h, 0, false, dnext_c, true, gates, dgates, tanh_c, dtanh_c,
                        prev_c, true, N, H, H, H4, H);
  gemm_nt<F>(dx, da, Wx, N, D, H4, H4, H4, D, 0);
  gemm_nt<F>(dprev_h, da, Wh, N, H, H4, H4, H4, H, 0);
  gemm_tn<F>(dWx, x, da, D, H4, N, D, H4, H4, 1, scratch);
  gemm_tn<F>(dWh, prev_h, da, H, H4, N, H, H4, H4, 1, scratch);
  colsum<F>(db, da, N, H4, H4);
}

// ---------------------------------------------------------------------------------------------
// h, c, tanh_c, dtanh_c (N,T,H) written; gates, dgates (N,T,4H) written;
// x (N,T,D), h0 (N,H), Wx (D,4H), Wh (H,4H), b (4H) read. c0 = 0.
export function lstm_forward<F>(h: usize, c: usize, gates: usize, dgates: usize, tanh_c: usize,
    dtanh_c: usize, x: usize, h0: usize, Wx: usize, Wh: usize, b: usize, N: i32, T: i32, D: i32, H: i32, scratch: usize = 0): void {
  const S = alignof<F>();
  const H4 = 4 * H, TH = T * H, TH4 = T * H4;
  bias_rows<F>(gates, b, N * T, H4, H4);
  gemm_nn<F>(gates, x, Wx, N * T, H4, D, D, H4, H4, 1, scratch);
  for (let t = 0; t < T; t++) {
    const ot = <usize>t * <usize>H << S, og = <usize>t * <usize>H4 << S;
    const prev = t == 0 ? h0 : h + ot - (<usize>H << S);
    gemm_nn<F>(gates + og, prev, Wh, N, H4, H, t == 0 ? H : TH, H4, TH4, 1, scratch);
    lstm_cell_forward<F>(h + ot, c + ot, gates + og, dgates + og, tanh_c + ot, dtanh_c + ot,
                         c + ot - (<usize>H << S), t > 0, N, H, TH, TH4);
  }
}

// dh (N,T,H) read (upstream); da (N,T,4H) scratch written; dc (N,H) scratch (running dnext_c);
// dx (N,T,D) written; dh0 (N,H) written (doubles as the running dnext_h from step t+1);
// dWx (D,4H), dWh (H,4H), db (4H) accumulated; h, c, tanh_c, dtanh_c (N,T,H), gates, dgates
// (N,T,4H), x (N,T,D), h0 (N,H), Wx, Wh read. The gradient into c0 is discarded.
export function lstm_backward<F>(dx: usize, dh0: usize, dWx: usize, dWh: usize, db: usize, da: usize,
    dc: usize, dh: usize, h: usize, c: usize, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize,
    x: usize, h0: usize, Wx: usize, Wh: usize, N: i32, T: i32, D: i32, H: i32, scratch: usize = 0): void {
  const S = alignof<F>();
  const H4 = 4 * H, TH = T * H, TH4 = T * H4;
  if (T == 0) memory.fill(dh0, 0, <usize>N * <usize>H << S);
  for (let t = T - 1; t >= 0; t--) {
    const ot = <usize>t * <usize>H << S, og = <usize>t * <usize>H4 << S;
    const prevo = ot - (<usize>H << S);
    lstm_cell_backward<F>(da + og, dc, dh + ot, dh0, t < T - 1, dc, t < T - 1, gates + og, dgates + og,
                          tanh_c + ot, dtanh_c + ot, c + prevo, t > 0, N, H, TH, TH4, H);
    gemm_nt<F>(dh0, da + og, Wh, N, H, H4, TH4, H4, H, 0);
    gemm_tn<F>(dWh, t == 0 ? h0 : h + prevo, da + og, H, H4, N, t == 0 ? H : TH, TH4, H4, 1, scratch);
  }
  gemm_nt<F>(dx, da, Wx, N * T, D, H4, H4, H4, D, 0);
  gemm_tn<F>(dWx, x, da, D, H4, N * T, D, H4, H4, 1, scratch);
  colsum<F>(db, da, N * T, H4, H4);
}

// ---------------------------------------------------------------------------------------------
// Exports, one line each (README.md has the contracts). lstm_cell_forward / lstm_cell_backward
// are the cell alone, rows contiguous (ldh = lds = H, ldg = 4H), for callers that formed
// a = b + x·Wx + prev_h·Wh in gates themselves (greedy decoding and the length-sorted training
// step, with packed weights): lstm_step_forward = bias_rows, two nn GEMMs, then the cell.
export function f32_lstm_step_forward(next_h: usize, next_c: usize, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize, x: usize, prev_h: usize, prev_c: usize, Wx: usize, Wh: usize, b: usize, N: i32, D: i32, H: i32, scratch: usize): void { lstm_step_forward<f32>(next_h, next_c, gates, dgates, tanh_c, dtanh_c, x, prev_h, prev_c, Wx, Wh, b, N, D, H, scratch); }
export function f64_lstm_step_forward(next_h: usize, next_c: usize, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize, x: usize, prev_h: usize, prev_c: usize, Wx: usize, Wh: usize, b: usize, N: i32, D: i32, H: i32, scratch: usize): void { lstm_step_forward<f64>(next_h, next_c, gates, dgates, tanh_c, dtanh_c, x, prev_h, prev_c, Wx, Wh, b, N, D, H, scratch); }
export function f32_lstm_step_backward(dx: usize, dprev_h: usize, dprev_c: usize, dWx: usize, dWh: usize, db: usize, da: usize, dnext_h: usize, dnext_c: usize, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize, x: usize, prev_h: usize, prev_c: usize, Wx: usize, Wh: usize, N: i32, D: i32, H: i32, scratch: usize): void { lstm_step_backward<f32>(dx, dprev_h, dprev_c, dWx, dWh, db, da, dnext_h, dnext_c, gates, dgates, tanh_c, dtanh_c, x, prev_h, prev_c, Wx, Wh, N, D, H, scratch); }
export function f64_lstm_step_backward(dx: usize, dprev_h: usize, dprev_c: usize, dWx: usize, dWh: usize, db: usize, da: usize, dnext_h: usize, dnext_c: usize, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize, x: usize, prev_h: usize, prev_c: usize, Wx: usize, Wh: usize, N: i32, D: i32, H: i32, scratch: usize): void { lstm_step_backward<f64>(dx, dprev_h, dprev_c, dWx, dWh, db, da, dnext_h, dnext_c, gates, dgates, tanh_c, dtanh_c, x, prev_h, prev_c, Wx, Wh, N, D, H, scratch); }
export function f32_lstm_forward(h: usize, c: usize, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize, x: usize, h0: usize, Wx: usize, Wh: usize, b: usize, N: i32, T: i32, D: i32, H: i32, scratch: usize): void { lstm_forward<f32>(h, c, gates, dgates, tanh_c, dtanh_c, x, h0, Wx, Wh, b, N, T, D, H, scratch); }
export function f64_lstm_forward(h: usize, c: usize, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize, x: usize, h0: usize, Wx: usize, Wh: usize, b: usize, N: i32, T: i32, D: i32, H: i32, scratch: usize): void { lstm_forward<f64>(h, c, gates, dgates, tanh_c, dtanh_c, x, h0, Wx, Wh, b, N, T, D, H, scratch); }
export function f32_lstm_backward(dx: usize, dh0: usize, dWx: usize, dWh: usize, db: usize, da: usize, dc: usize, dh: usize, h: usize, c: usize, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize, x: usize, h0: usize, Wx: usize, Wh: usize, N: i32, T: i32, D: i32, H: i32, scratch: usize): void { lstm_backward<f32>(dx, dh0, dWx, dWh, db, da, dc, dh, h, c, gates, dgates, tanh_c, dtanh_c, x, h0, Wx, Wh, N, T, D, H, scratch); }
export function f64_lstm_backward(dx: usize, dh0: usize, dWx: usize, dWh: usize, db: usize, da: usize, dc: usize, dh: usize, h: usize, c: usize, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize, x: usize, h0: usize, Wx: usize, Wh: usize, N: i32, T: i32, D: i32, H: i32, scratch: usize): void { lstm_backward<f64>(dx, dh0, dWx, dWh, db, da, dc, dh, h, c, gates, dgates, tanh_c, dtanh_c, x, h0, Wx, Wh, N, T, D, H, scratch); }
export function f32_lstm_cell_forward(next_h: usize, next_c: usize, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize, prev_c: usize, has_prev_c: i32, N: i32, H: i32): void { lstm_cell_forward<f32>(next_h, next_c, gates, dgates, tanh_c, dtanh_c, prev_c, has_prev_c != 0, N, H, H, 4 * H); }
export function f64_lstm_cell_forward(next_h: usize, next_c: usize, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize, prev_c: usize, has_prev_c: i32, N: i32, H: i32): void { lstm_cell_forward<f64>(next_h, next_c, gates, dgates, tanh_c, dtanh_c, prev_c, has_prev_c != 0, N, H, H, 4 * H); }
export function f32_lstm_cell_backward(da: usize, dprev_c: usize, dnext_h: usize, run: usize, has_run: i32, dnext_c: usize, has_dnc: i32, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize, prev_c: usize, has_pc: i32, N: i32, H: i32): void { lstm_cell_backward<f32>(da, dprev_c, dnext_h, run, has_run != 0, dnext_c, has_dnc != 0, gates, dgates, tanh_c, dtanh_c, prev_c, has_pc != 0, N, H, H, 4 * H, H); }
export function f64_lstm_cell_backward(da: usize, dprev_c: usize, dnext_h: usize, run: usize, has_run: i32, dnext_c: usize, has_dnc: i32, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize, prev_c: usize, has_pc: i32, N: i32, H: i32): void { lstm_cell_backward<f64>(da, dprev_c, dnext_h, run, has_run != 0, dnext_c, has_dnc != 0, gates, dgates, tanh_c, dtanh_c, prev_c, has_pc != 0, N, H, H, 4 * H, H); }
