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
import { gemm_nn__scalar, gemm_nn__wasmsimd, gemm_tn__scalar, gemm_tn__wasmsimd,
         gemm_nt__scalar, gemm_nt__wasmsimd } from "./gemm";
import { bias_rows, colsum_acc__scalar, colsum_acc__wasmsimd } from "./affine";

// One cell at row offsets oh (H arrays) and oi (gate i; f, o, g follow H apart), scalar.
// @ts-ignore: decorator
@inline function lstm_cell_elem<T>(next_h: usize, next_c: usize, gates: usize, dgates: usize, tanh_c: usize,
                                   dtanh_c: usize, prev_c: usize, has_prev_c: bool, oh: usize, oi: usize, HB: usize): void {
  const ofg = oi + HB, oo = ofg + HB, og = oo + HB;
  const ai = load<T>(gates + oi), af = load<T>(gates + ofg);
  const ao = load<T>(gates + oo), ag = load<T>(gates + og);
  const ei = sigmoid_exp<T>(ai), ef = sigmoid_exp<T>(af), eo = sigmoid_exp<T>(ao), eg = tanh_exp<T>(ag);
  const i = sigmoid_e<T>(ai, ei), f = sigmoid_e<T>(af, ef), o = sigmoid_e<T>(ao, eo), g = tanh_e<T>(ag, eg);
  store<T>(gates + oi, i); store<T>(gates + ofg, f); store<T>(gates + oo, o); store<T>(gates + og, g);
  store<T>(dgates + oi, dsigmoid_e<T>(ei)); store<T>(dgates + ofg, dsigmoid_e<T>(ef));
  store<T>(dgates + oo, dsigmoid_e<T>(eo)); store<T>(dgates + og, dtanh_e<T>(eg));
  const fc = has_prev_c ? f * load<T>(prev_c + oh) : f * <T>0;
  const c = fc + i * g;
  const ec = tanh_exp<T>(c);
  const tc = tanh_e<T>(c, ec);
  store<T>(next_c + oh, c);
  store<T>(tanh_c + oh, tc);
  store<T>(dtanh_c + oh, dtanh_e<T>(ec));
  store<T>(next_h + oh, o * tc);
}

// gates (R,4H) row stride ldg: read as a, written = activations; dgates (R,4H) ldg written;
// next_h, next_c, tanh_c, dtanh_c (R,H) row stride ldh written; prev_c (R,H) row stride ldh
// read when has_prev_c (else taken as 0). The SIMD twin does the same operations on lanes
// (math.ts vexp_neg and friends), so the two agree bitwise.
function lstm_cell_forward__scalar<T>(next_h: usize, next_c: usize, gates: usize, dgates: usize,
                                      tanh_c: usize, dtanh_c: usize, prev_c: usize, has_prev_c: bool,
                                      R: i32, H: i32, ldh: i32, ldg: i32): void {
  const S = alignof<T>();
  const HB = <usize>H << S;
  for (let r = 0; r < R; r++) {
    const rh = <usize>r * <usize>ldh << S;
    const rg = <usize>r * <usize>ldg << S;
    for (let j = 0; j < H; j++) {
      const oj = <usize>j << S;
      lstm_cell_elem<T>(next_h, next_c, gates, dgates, tanh_c, dtanh_c, prev_c, has_prev_c, rh + oj, rg + oj, HB);
    }
  }
}
function lstm_cell_forward__wasmsimd<T>(next_h: usize, next_c: usize, gates: usize, dgates: usize,
                                        tanh_c: usize, dtanh_c: usize, prev_c: usize, has_prev_c: bool,
                                        R: i32, H: i32, ldh: i32, ldg: i32): void {
  const L = lanes<T>();
  const S = alignof<T>();
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
      const ei = vsigmoid_exp<T>(ai), ef = vsigmoid_exp<T>(af), eo = vsigmoid_exp<T>(ao), eg = vtanh_exp<T>(ag);
      const i = vsigmoid_e<T>(ai, ei), f = vsigmoid_e<T>(af, ef), o = vsigmoid_e<T>(ao, eo), g = vtanh_e<T>(ag, eg);
      v128.store(gates + oi, i); v128.store(gates + ofg, f); v128.store(gates + oo, o); v128.store(gates + og, g);
      v128.store(dgates + oi, vdsigmoid_e<T>(ei)); v128.store(dgates + ofg, vdsigmoid_e<T>(ef));
      v128.store(dgates + oo, vdsigmoid_e<T>(eo)); v128.store(dgates + og, vdtanh_e<T>(eg));
      const fc = has_prev_c ? v128.mul<T>(f, v128.load(prev_c + oh)) : v128.mul<T>(f, v128.splat<T>(0));
      const c = v128.add<T>(fc, v128.mul<T>(i, g));
      const ec = vtanh_exp<T>(c);
      const tc = vtanh_e<T>(c, ec);
      v128.store(next_c + oh, c);
      v128.store(tanh_c + oh, tc);
      v128.store(dtanh_c + oh, vdtanh_e<T>(ec));
      v128.store(next_h + oh, v128.mul<T>(o, tc));
    }
    for (; j < H; j++) {
      const oj = <usize>j << S;
      lstm_cell_elem<T>(next_h, next_c, gates, dgates, tanh_c, dtanh_c, prev_c, has_prev_c, rh + oj, rg + oj, HB);
    }
  }
}

// da (R,4H) row stride ldg written; dprev_c (R,H) row stride lds written (may alias dnext_c);
// dnext_h (R,H) ldh read (+ run (R,H) lds when has_run); dnext_c (R,H) lds read when has_dnc
// (else 0); gates, dgates (R,4H) ldg, tanh_c, dtanh_c (R,H) ldh, prev_c (R,H) ldh (when
// has_pc, else 0) read. Element-wise with no transcendental: SIMD == scalar bitwise. da and
// dprev_c are flushed to zero below 2^-100 (math.ts ftz: saturated gates).
export function lstm_cell_backward__scalar<T>(da: usize, dprev_c: usize, dnext_h: usize, run: usize, has_run: bool,
    dnext_c: usize, has_dnc: bool, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize,
    prev_c: usize, has_pc: bool, R: i32, H: i32, ldh: i32, ldg: i32, lds: i32): void {
  const S = alignof<T>();
  const HB = <usize>H << S;
  for (let r = 0; r < R; r++) {
    const rh = <usize>r * <usize>ldh << S;
    const rg = <usize>r * <usize>ldg << S;
    const rs = <usize>r * <usize>lds << S;
    for (let j = 0; j < H; j++) {
      const oj = <usize>j << S;
      const oh = rh + oj, os = rs + oj;
      const oi = rg + oj, ofg = oi + HB, oo = ofg + HB, og = oo + HB;
      let dnh = load<T>(dnext_h + oh);
      if (has_run) dnh = dnh + load<T>(run + os);
      const dnc = has_dnc ? load<T>(dnext_c + os) : <T>0;
      const pc = has_pc ? load<T>(prev_c + oh) : <T>0;
      const i = load<T>(gates + oi), f = load<T>(gates + ofg), o = load<T>(gates + oo), g = load<T>(gates + og);
      const dc = dnc + (dnh * o) * load<T>(dtanh_c + oh);
      store<T>(da + oi, ftz<T>((dc * g) * load<T>(dgates + oi)));
      store<T>(da + ofg, ftz<T>((dc * pc) * load<T>(dgates + ofg)));
      store<T>(da + oo, ftz<T>((dnh * load<T>(tanh_c + oh)) * load<T>(dgates + oo)));
      store<T>(da + og, ftz<T>((dc * i) * load<T>(dgates + og)));
      store<T>(dprev_c + os, ftz<T>(dc * f));
    }
  }
}
export function lstm_cell_backward__wasmsimd<T>(da: usize, dprev_c: usize, dnext_h: usize, run: usize, has_run: bool,
    dnext_c: usize, has_dnc: bool, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize,
    prev_c: usize, has_pc: bool, R: i32, H: i32, ldh: i32, ldg: i32, lds: i32): void {
  const L = lanes<T>();
  const S = alignof<T>();
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
      if (has_run) dnh = v128.add<T>(dnh, v128.load(run + os));
      const dnc = has_dnc ? v128.load(dnext_c + os) : v128.splat<T>(0);
      const pc = has_pc ? v128.load(prev_c + oh) : v128.splat<T>(0);
      const dc = v128.add<T>(dnc, v128.mul<T>(v128.mul<T>(dnh, v128.load(gates + oo)), v128.load(dtanh_c + oh)));
      const f = v128.load(gates + ofg);
      v128.store(da + oi, vftz<T>(v128.mul<T>(v128.mul<T>(dc, v128.load(gates + og)), v128.load(dgates + oi))));
      v128.store(da + ofg, vftz<T>(v128.mul<T>(v128.mul<T>(dc, pc), v128.load(dgates + ofg))));
      v128.store(da + oo, vftz<T>(v128.mul<T>(v128.mul<T>(dnh, v128.load(tanh_c + oh)), v128.load(dgates + oo))));
      v128.store(da + og, vftz<T>(v128.mul<T>(v128.mul<T>(dc, v128.load(gates + oi)), v128.load(dgates + og))));
      v128.store(dprev_c + os, vftz<T>(v128.mul<T>(dc, f)));
    }
    for (; j < H; j++) {
      const oj = <usize>j << S;
      const oh = rh + oj, os = rs + oj;
      const oi = rg + oj, ofg = oi + HB, oo = ofg + HB, og = oo + HB;
      let dnh = load<T>(dnext_h + oh);
      if (has_run) dnh = dnh + load<T>(run + os);
      const dnc = has_dnc ? load<T>(dnext_c + os) : <T>0;
      const pc = has_pc ? load<T>(prev_c + oh) : <T>0;
      const i = load<T>(gates + oi), f = load<T>(gates + ofg), o = load<T>(gates + oo), g = load<T>(gates + og);
      const dc = dnc + (dnh * o) * load<T>(dtanh_c + oh);
      store<T>(da + oi, ftz<T>((dc * g) * load<T>(dgates + oi)));
      store<T>(da + ofg, ftz<T>((dc * pc) * load<T>(dgates + ofg)));
      store<T>(da + oo, ftz<T>((dnh * load<T>(tanh_c + oh)) * load<T>(dgates + oo)));
      store<T>(da + og, ftz<T>((dc * i) * load<T>(dgates + og)));
      store<T>(dprev_c + os, ftz<T>(dc * f));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// next_h, next_c, tanh_c, dtanh_c (N,H) written; gates, dgates (N,4H) written;
// x (N,D), prev_h (N,H), prev_c (N,H), Wx (D,4H), Wh (H,4H), b (4H) read.
// next_h may alias prev_h and next_c may alias prev_c (a is formed in gates).
export function lstm_step_forward__scalar<T>(next_h: usize, next_c: usize, gates: usize, dgates: usize,
    tanh_c: usize, dtanh_c: usize, x: usize, prev_h: usize, prev_c: usize, Wx: usize, Wh: usize, b: usize,
    N: i32, D: i32, H: i32, scratch: usize = 0): void {
  const H4 = 4 * H;
  bias_rows<T>(gates, b, N, H4, H4);
  gemm_nn__scalar<T>(gates, x, Wx, N, H4, D, D, H4, H4, 1, scratch);
  gemm_nn__scalar<T>(gates, prev_h, Wh, N, H4, H, H, H4, H4, 1, scratch);
  lstm_cell_forward__scalar<T>(next_h, next_c, gates, dgates, tanh_c, dtanh_c, prev_c, true, N, H, H, H4);
}
export function lstm_step_forward__wasmsimd<T>(next_h: usize, next_c: usize, gates: usize, dgates: usize,
    tanh_c: usize, dtanh_c: usize, x: usize, prev_h: usize, prev_c: usize, Wx: usize, Wh: usize, b: usize,
    N: i32, D: i32, H: i32, scratch: usize = 0): void {
  const H4 = 4 * H;
  bias_rows<T>(gates, b, N, H4, H4);
  gemm_nn__wasmsimd<T>(gates, x, Wx, N, H4, D, D, H4, H4, 1, scratch);
  gemm_nn__wasmsimd<T>(gates, prev_h, Wh, N, H4, H, H, H4, H4, 1, scratch);
  lstm_cell_forward__wasmsimd<T>(next_h, next_c, gates, dgates, tanh_c, dtanh_c, prev_c, true, N, H, H, H4);
}

// da (N,4H) scratch written; dx (N,D), dprev_h (N,H), dprev_c (N,H) written;
// dWx (D,4H), dWh (H,4H), db (4H) accumulated; dnext_h, dnext_c (N,H), gates, dgates (N,4H),
// tanh_c, dtanh_c (N,H), x (N,D), prev_h, prev_c (N,H), Wx, Wh read.
// dprev_c may alias dnext_c and dprev_h may alias dnext_h (each is read before it is written).
export function lstm_step_backward__scalar<T>(dx: usize, dprev_h: usize, dprev_c: usize, dWx: usize, dWh: usize,
    db: usize, da: usize, dnext_h: usize, dnext_c: usize, gates: usize, dgates: usize, tanh_c: usize,
    dtanh_c: usize, x: usize, prev_h: usize, prev_c: usize, Wx: usize, Wh: usize, N: i32, D: i32, H: i32, scratch: usize = 0): void {
  const H4 = 4 * H;
  lstm_cell_backward__scalar<T>(da, dprev_c, dnext_h, 0, false, dnext_c, true, gates, dgates, tanh_c, dtanh_c,
                                prev_c, true, N, H, H, H4, H);
  gemm_nt__scalar<T>(dx, da, Wx, N, D, H4, H4, H4, D, 0);
  gemm_nt__scalar<T>(dprev_h, da, Wh, N, H, H4, H4, H4, H, 0);
  gemm_tn__scalar<T>(dWx, x, da, D, H4, N, D, H4, H4, 1, scratch);
  gemm_tn__scalar<T>(dWh, prev_h, da, H, H4, N, H, H4, H4, 1, scratch);
  colsum_acc__scalar<T>(db, da, N, H4, H4);
}
export function lstm_step_backward__wasmsimd<T>(dx: usize, dprev_h: usize, dprev_c: usize, dWx: usize, dWh: usize,
    db: usize, da: usize, dnext_h: usize, dnext_c: usize, gates: usize, dgates: usize, tanh_c: usize,
    dtanh_c: usize, x: usize, prev_h: usize, prev_c: usize, Wx: usize, Wh: usize, N: i32, D: i32, H: i32, scratch: usize = 0): void {
  const H4 = 4 * H;
  lstm_cell_backward__wasmsimd<T>(da, dprev_c, dnext_h, 0, false, dnext_c, true, gates, dgates, tanh_c, dtanh_c,
                                  prev_c, true, N, H, H, H4, H);
  gemm_nt__wasmsimd<T>(dx, da, Wx, N, D, H4, H4, H4, D, 0);
  gemm_nt__wasmsimd<T>(dprev_h, da, Wh, N, H, H4, H4, H4, H, 0);
  gemm_tn__wasmsimd<T>(dWx, x, da, D, H4, N, D, H4, H4, 1, scratch);
  gemm_tn__wasmsimd<T>(dWh, prev_h, da, H, H4, N, H, H4, H4, 1, scratch);
  colsum_acc__wasmsimd<T>(db, da, N, H4, H4);
}

// ---------------------------------------------------------------------------------------------
// h, c, tanh_c, dtanh_c (N,T,H) written; gates, dgates (N,T,4H) written;
// x (N,T,D), h0 (N,H), Wx (D,4H), Wh (H,4H), b (4H) read. c0 = 0.
export function lstm_forward__scalar<T>(h: usize, c: usize, gates: usize, dgates: usize, tanh_c: usize,
    dtanh_c: usize, x: usize, h0: usize, Wx: usize, Wh: usize, b: usize, N: i32, T: i32, D: i32, H: i32, scratch: usize = 0): void {
  const S = alignof<T>();
  const H4 = 4 * H, TH = T * H, TH4 = T * H4;
  bias_rows<T>(gates, b, N * T, H4, H4);
  gemm_nn__scalar<T>(gates, x, Wx, N * T, H4, D, D, H4, H4, 1, scratch);
  for (let t = 0; t < T; t++) {
    const ot = <usize>t * <usize>H << S, og = <usize>t * <usize>H4 << S;
    const prev = t == 0 ? h0 : h + ot - (<usize>H << S);
    gemm_nn__scalar<T>(gates + og, prev, Wh, N, H4, H, t == 0 ? H : TH, H4, TH4, 1, scratch);
    lstm_cell_forward__scalar<T>(h + ot, c + ot, gates + og, dgates + og, tanh_c + ot, dtanh_c + ot,
                         c + ot - (<usize>H << S), t > 0, N, H, TH, TH4);
  }
}
export function lstm_forward__wasmsimd<T>(h: usize, c: usize, gates: usize, dgates: usize, tanh_c: usize,
    dtanh_c: usize, x: usize, h0: usize, Wx: usize, Wh: usize, b: usize, N: i32, T: i32, D: i32, H: i32, scratch: usize = 0): void {
  const S = alignof<T>();
  const H4 = 4 * H, TH = T * H, TH4 = T * H4;
  bias_rows<T>(gates, b, N * T, H4, H4);
  gemm_nn__wasmsimd<T>(gates, x, Wx, N * T, H4, D, D, H4, H4, 1, scratch);
  for (let t = 0; t < T; t++) {
    const ot = <usize>t * <usize>H << S, og = <usize>t * <usize>H4 << S;
    const prev = t == 0 ? h0 : h + ot - (<usize>H << S);
    gemm_nn__wasmsimd<T>(gates + og, prev, Wh, N, H4, H, t == 0 ? H : TH, H4, TH4, 1, scratch);
    lstm_cell_forward__wasmsimd<T>(h + ot, c + ot, gates + og, dgates + og, tanh_c + ot, dtanh_c + ot,
                         c + ot - (<usize>H << S), t > 0, N, H, TH, TH4);
  }
}

// dh (N,T,H) read (upstream); da (N,T,4H) scratch written; dc (N,H) scratch (running dnext_c);
// dx (N,T,D) written; dh0 (N,H) written (doubles as the running dnext_h from step t+1);
// dWx (D,4H), dWh (H,4H), db (4H) accumulated; h, c, tanh_c, dtanh_c (N,T,H), gates, dgates
// (N,T,4H), x (N,T,D), h0 (N,H), Wx, Wh read. The gradient into c0 is discarded.
export function lstm_backward__scalar<T>(dx: usize, dh0: usize, dWx: usize, dWh: usize, db: usize, da: usize,
    dc: usize, dh: usize, h: usize, c: usize, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize,
    x: usize, h0: usize, Wx: usize, Wh: usize, N: i32, T: i32, D: i32, H: i32, scratch: usize = 0): void {
  const S = alignof<T>();
  const H4 = 4 * H, TH = T * H, TH4 = T * H4;
  if (T == 0) memory.fill(dh0, 0, <usize>N * <usize>H << S);
  for (let t = T - 1; t >= 0; t--) {
    const ot = <usize>t * <usize>H << S, og = <usize>t * <usize>H4 << S;
    const prevo = ot - (<usize>H << S);
    lstm_cell_backward__scalar<T>(da + og, dc, dh + ot, dh0, t < T - 1, dc, t < T - 1, gates + og, dgates + og,
                                  tanh_c + ot, dtanh_c + ot, c + prevo, t > 0, N, H, TH, TH4, H);
    gemm_nt__scalar<T>(dh0, da + og, Wh, N, H, H4, TH4, H4, H, 0);
    gemm_tn__scalar<T>(dWh, t == 0 ? h0 : h + prevo, da + og, H, H4, N, t == 0 ? H : TH, TH4, H4, 1, scratch);
  }
  gemm_nt__scalar<T>(dx, da, Wx, N * T, D, H4, H4, H4, D, 0);
  gemm_tn__scalar<T>(dWx, x, da, D, H4, N * T, D, H4, H4, 1, scratch);
  colsum_acc__scalar<T>(db, da, N * T, H4, H4);
}
export function lstm_backward__wasmsimd<T>(dx: usize, dh0: usize, dWx: usize, dWh: usize, db: usize, da: usize,
    dc: usize, dh: usize, h: usize, c: usize, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize,
    x: usize, h0: usize, Wx: usize, Wh: usize, N: i32, T: i32, D: i32, H: i32, scratch: usize = 0): void {
  const S = alignof<T>();
  const H4 = 4 * H, TH = T * H, TH4 = T * H4;
  if (T == 0) memory.fill(dh0, 0, <usize>N * <usize>H << S);
  for (let t = T - 1; t >= 0; t--) {
    const ot = <usize>t * <usize>H << S, og = <usize>t * <usize>H4 << S;
    const prevo = ot - (<usize>H << S);
    lstm_cell_backward__wasmsimd<T>(da + og, dc, dh + ot, dh0, t < T - 1, dc, t < T - 1, gates + og, dgates + og,
                                    tanh_c + ot, dtanh_c + ot, c + prevo, t > 0, N, H, TH, TH4, H);
    gemm_nt__wasmsimd<T>(dh0, da + og, Wh, N, H, H4, TH4, H4, H, 0);
    gemm_tn__wasmsimd<T>(dWh, t == 0 ? h0 : h + prevo, da + og, H, H4, N, t == 0 ? H : TH, TH4, H4, 1, scratch);
  }
  gemm_nt__wasmsimd<T>(dx, da, Wx, N * T, D, H4, H4, H4, D, 0);
  gemm_tn__wasmsimd<T>(dWx, x, da, D, H4, N * T, D, H4, H4, 1, scratch);
  colsum_acc__wasmsimd<T>(db, da, N * T, H4, H4);
}

// ---------------------------------------------------------------------------------------------
export function f32_lstm_step_forward(next_h: usize, next_c: usize, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize, x: usize, prev_h: usize, prev_c: usize, Wx: usize, Wh: usize, b: usize, N: i32, D: i32, H: i32, scratch: usize): void {
  if (ASC_FEATURE_SIMD) lstm_step_forward__wasmsimd<f32>(next_h, next_c, gates, dgates, tanh_c, dtanh_c, x, prev_h, prev_c, Wx, Wh, b, N, D, H, scratch);
  else lstm_step_forward__scalar<f32>(next_h, next_c, gates, dgates, tanh_c, dtanh_c, x, prev_h, prev_c, Wx, Wh, b, N, D, H, scratch);
}
export function f64_lstm_step_forward(next_h: usize, next_c: usize, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize, x: usize, prev_h: usize, prev_c: usize, Wx: usize, Wh: usize, b: usize, N: i32, D: i32, H: i32, scratch: usize): void {
  if (ASC_FEATURE_SIMD) lstm_step_forward__wasmsimd<f64>(next_h, next_c, gates, dgates, tanh_c, dtanh_c, x, prev_h, prev_c, Wx, Wh, b, N, D, H, scratch);
  else lstm_step_forward__scalar<f64>(next_h, next_c, gates, dgates, tanh_c, dtanh_c, x, prev_h, prev_c, Wx, Wh, b, N, D, H, scratch);
}
export function f32_lstm_step_backward(dx: usize, dprev_h: usize, dprev_c: usize, dWx: usize, dWh: usize, db: usize, da: usize, dnext_h: usize, dnext_c: usize, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize, x: usize, prev_h: usize, prev_c: usize, Wx: usize, Wh: usize, N: i32, D: i32, H: i32, scratch: usize): void {
  if (ASC_FEATURE_SIMD) lstm_step_backward__wasmsimd<f32>(dx, dprev_h, dprev_c, dWx, dWh, db, da, dnext_h, dnext_c, gates, dgates, tanh_c, dtanh_c, x, prev_h, prev_c, Wx, Wh, N, D, H, scratch);
  else lstm_step_backward__scalar<f32>(dx, dprev_h, dprev_c, dWx, dWh, db, da, dnext_h, dnext_c, gates, dgates, tanh_c, dtanh_c, x, prev_h, prev_c, Wx, Wh, N, D, H, scratch);
}
export function f64_lstm_step_backward(dx: usize, dprev_h: usize, dprev_c: usize, dWx: usize, dWh: usize, db: usize, da: usize, dnext_h: usize, dnext_c: usize, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize, x: usize, prev_h: usize, prev_c: usize, Wx: usize, Wh: usize, N: i32, D: i32, H: i32, scratch: usize): void {
  if (ASC_FEATURE_SIMD) lstm_step_backward__wasmsimd<f64>(dx, dprev_h, dprev_c, dWx, dWh, db, da, dnext_h, dnext_c, gates, dgates, tanh_c, dtanh_c, x, prev_h, prev_c, Wx, Wh, N, D, H, scratch);
  else lstm_step_backward__scalar<f64>(dx, dprev_h, dprev_c, dWx, dWh, db, da, dnext_h, dnext_c, gates, dgates, tanh_c, dtanh_c, x, prev_h, prev_c, Wx, Wh, N, D, H, scratch);
}
export function f32_lstm_forward(h: usize, c: usize, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize, x: usize, h0: usize, Wx: usize, Wh: usize, b: usize, N: i32, T: i32, D: i32, H: i32, scratch: usize): void {
  if (ASC_FEATURE_SIMD) lstm_forward__wasmsimd<f32>(h, c, gates, dgates, tanh_c, dtanh_c, x, h0, Wx, Wh, b, N, T, D, H, scratch);
  else lstm_forward__scalar<f32>(h, c, gates, dgates, tanh_c, dtanh_c, x, h0, Wx, Wh, b, N, T, D, H, scratch);
}
export function f64_lstm_forward(h: usize, c: usize, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize, x: usize, h0: usize, Wx: usize, Wh: usize, b: usize, N: i32, T: i32, D: i32, H: i32, scratch: usize): void {
  if (ASC_FEATURE_SIMD) lstm_forward__wasmsimd<f64>(h, c, gates, dgates, tanh_c, dtanh_c, x, h0, Wx, Wh, b, N, T, D, H, scratch);
  else lstm_forward__scalar<f64>(h, c, gates, dgates, tanh_c, dtanh_c, x, h0, Wx, Wh, b, N, T, D, H, scratch);
}
export function f32_lstm_backward(dx: usize, dh0: usize, dWx: usize, dWh: usize, db: usize, da: usize, dc: usize, dh: usize, h: usize, c: usize, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize, x: usize, h0: usize, Wx: usize, Wh: usize, N: i32, T: i32, D: i32, H: i32, scratch: usize): void {
  if (ASC_FEATURE_SIMD) lstm_backward__wasmsimd<f32>(dx, dh0, dWx, dWh, db, da, dc, dh, h, c, gates, dgates, tanh_c, dtanh_c, x, h0, Wx, Wh, N, T, D, H, scratch);
  else lstm_backward__scalar<f32>(dx, dh0, dWx, dWh, db, da, dc, dh, h, c, gates, dgates, tanh_c, dtanh_c, x, h0, Wx, Wh, N, T, D, H, scratch);
}
export function f64_lstm_backward(dx: usize, dh0: usize, dWx: usize, dWh: usize, db: usize, da: usize, dc: usize, dh: usize, h: usize, c: usize, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize, x: usize, h0: usize, Wx: usize, Wh: usize, N: i32, T: i32, D: i32, H: i32, scratch: usize): void {
  if (ASC_FEATURE_SIMD) lstm_backward__wasmsimd<f64>(dx, dh0, dWx, dWh, db, da, dc, dh, h, c, gates, dgates, tanh_c, dtanh_c, x, h0, Wx, Wh, N, T, D, H, scratch);
  else lstm_backward__scalar<f64>(dx, dh0, dWx, dWh, db, da, dc, dh, h, c, gates, dgates, tanh_c, dtanh_c, x, h0, Wx, Wh, N, T, D, H, scratch);
}

// The cell alone, for callers that formed a = b + x·Wx + prev_h·Wh in gates themselves (greedy
// sampling and the length-sorted training step, with packed weights): lstm_step_forward =
// bias_rows, two nn GEMMs, then this. next_h, next_c, tanh_c, dtanh_c (N,H) written; gates
// (N,4H) read as a, written; dgates (N,4H) written; prev_c (N,H) read when has_prev_c (else
// taken as 0, the t = 0 of lstm_forward).
export function f32_lstm_cell_forward(next_h: usize, next_c: usize, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize, prev_c: usize, has_prev_c: i32, N: i32, H: i32): void {
  if (ASC_FEATURE_SIMD) lstm_cell_forward__wasmsimd<f32>(next_h, next_c, gates, dgates, tanh_c, dtanh_c, prev_c, has_prev_c != 0, N, H, H, 4 * H);
  else lstm_cell_forward__scalar<f32>(next_h, next_c, gates, dgates, tanh_c, dtanh_c, prev_c, has_prev_c != 0, N, H, H, 4 * H);
}
export function f64_lstm_cell_forward(next_h: usize, next_c: usize, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize, prev_c: usize, has_prev_c: i32, N: i32, H: i32): void {
  if (ASC_FEATURE_SIMD) lstm_cell_forward__wasmsimd<f64>(next_h, next_c, gates, dgates, tanh_c, dtanh_c, prev_c, has_prev_c != 0, N, H, H, 4 * H);
  else lstm_cell_forward__scalar<f64>(next_h, next_c, gates, dgates, tanh_c, dtanh_c, prev_c, has_prev_c != 0, N, H, H, 4 * H);
}
// Its backward for rows stored contiguously (lstm_cell_backward above with ldh = lds = H,
// ldg = 4H): da (N,4H), dprev_c (N,H) written; dnext_h (N,H) read, plus run (N,H) when has_run;
// dnext_c (N,H) when has_dnc; gates, dgates, tanh_c, dtanh_c, and prev_c when has_pc, read.
export function f32_lstm_cell_backward(da: usize, dprev_c: usize, dnext_h: usize, run: usize, has_run: i32, dnext_c: usize, has_dnc: i32, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize, prev_c: usize, has_pc: i32, N: i32, H: i32): void {
  if (ASC_FEATURE_SIMD) lstm_cell_backward__wasmsimd<f32>(da, dprev_c, dnext_h, run, has_run != 0, dnext_c, has_dnc != 0, gates, dgates, tanh_c, dtanh_c, prev_c, has_pc != 0, N, H, H, 4 * H, H);
  else lstm_cell_backward__scalar<f32>(da, dprev_c, dnext_h, run, has_run != 0, dnext_c, has_dnc != 0, gates, dgates, tanh_c, dtanh_c, prev_c, has_pc != 0, N, H, H, 4 * H, H);
}
export function f64_lstm_cell_backward(da: usize, dprev_c: usize, dnext_h: usize, run: usize, has_run: i32, dnext_c: usize, has_dnc: i32, gates: usize, dgates: usize, tanh_c: usize, dtanh_c: usize, prev_c: usize, has_pc: i32, N: i32, H: i32): void {
  if (ASC_FEATURE_SIMD) lstm_cell_backward__wasmsimd<f64>(da, dprev_c, dnext_h, run, has_run != 0, dnext_c, has_dnc != 0, gates, dgates, tanh_c, dtanh_c, prev_c, has_pc != 0, N, H, H, 4 * H, H);
  else lstm_cell_backward__scalar<f64>(da, dprev_c, dnext_h, run, has_run != 0, dnext_c, has_dnc != 0, gates, dgates, tanh_c, dtanh_c, prev_c, has_pc != 0, N, H, H, 4 * H, H);
}
