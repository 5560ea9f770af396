// Convolution (conv.ts, over the GEMM twins pinned in gemm.spec.ts and add_row in rows.spec.ts):
// im2col, transpose and col2im against the definition bitwise; conv_forward bitwise
// against b + Σ_k w·x_pad (naive, k = (c,i,j) in order), with and without the GEMM packing
// scratch; conv_backward's dx bitwise against the naive dcols = Σ_f wᵀ·dout scattered back, dw
// within the nt-GEMM bound and db within rounding; shapes with padding 0..3, strides 1..3, 1x1 (the
// copy-free path) to 7x7; plus centred finite differences in f64.
import { srand, rand, alloc, free, clone, bitDiff, get, set, epsOf, dot, gradError } from "./helpers";
import { im2col, transpose, col2im, conv_forward, conv_backward } from "../conv";
import { GEMM_SCRATCH_BYTES } from "../gemm";

let bad = 0;

/** x_pad[c, h, w] (0 in the padding). */
function xp<F>(x: usize, C: i32, H: i32, W: i32, c: i32, h: i32, w: i32): F {
  return h < 0 || h >= H || w < 0 || w >= W ? <F>0 : get<F>(x, (c * H + h) * W + w);
}

function check<F>(N: i32, C: i32, H: i32, W: i32, Fo: i32, HH: i32, WW: i32, stride: i32, pad: i32): void {
  const Ho = (H + 2 * pad - HH) / stride + 1, Wo = (W + 2 * pad - WW) / stride + 1;
  const P = Ho * Wo, K = C * HH * WW, nx = N * C * H * W, no = N * Fo * P;
  const x = rand<F>(nx), w = rand<F>(Fo * K), b = rand<F>(Fo), dout = rand<F>(no);
  const cols = alloc<F>(K * P), dcols = alloc<F>(K * P), wt = alloc<F>(K * Fo);
  // im2col == the definition; col2im == its adjoint, element by element in (c,i,j,ho,wo) order
  im2col<F>(cols, x, C, H, W, HH, WW, stride, pad);
  const colsR = alloc<F>(K * P), dxR = rand<F>(C * H * W), dxV = clone<F>(dxR, C * H * W);
  for (let c = 0; c < C; c++) for (let i = 0; i < HH; i++) for (let j = 0; j < WW; j++) for (let p = 0; p < P; p++) {
    const ho = p / Wo, wo = p % Wo, r = (c * HH + i) * WW + j;
    set<F>(colsR, r * P + p, xp<F>(x, C, H, W, c, ho * stride + i - pad, wo * stride + j - pad));
  }
  bad += bitDiff<F>(cols, colsR, K * P);
  const rowsV = alloc<F>(P * K), rowsR = alloc<F>(P * K);
  for (let r = 0; r < K; r++) for (let p = 0; p < P; p++) set<F>(rowsR, p * K + r, get<F>(colsR, r * P + p));
  transpose<F>(rowsV, colsR, K, P);
  bad += bitDiff<F>(rowsV, rowsR, P * K);
  col2im<F>(dxV, colsR, C, H, W, HH, WW, stride, pad);
  for (let c = 0; c < C; c++) for (let i = 0; i < HH; i++) for (let j = 0; j < WW; j++) for (let p = 0; p < P; p++) {
    const h = (p / Wo) * stride + i - pad, ww = (p % Wo) * stride + j - pad;
    if (h >= 0 && h < H && ww >= 0 && ww < W) {
      const e = (c * H + h) * W + ww;
      set<F>(dxR, e, get<F>(dxR, e) + get<F>(colsR, ((c * HH + i) * WW + j) * P + p));
    }
  }
  bad += bitDiff<F>(dxV, dxR, C * H * W);

  // forward, without and with the packing scratch
  const outV = alloc<F>(no), outP = alloc<F>(no), outR = alloc<F>(no);
  const scratch = heap.alloc(<usize>GEMM_SCRATCH_BYTES);
  conv_forward<F>(outV, cols, wt, x, w, b, N, C, H, W, Fo, HH, WW, stride, pad, 0);
  conv_forward<F>(outP, cols, wt, x, w, b, N, C, H, W, Fo, HH, WW, stride, pad, scratch);
  for (let n = 0; n < N; n++) for (let f = 0; f < Fo; f++) for (let p = 0; p < P; p++) {
    let s = <F>0;
    for (let c = 0; c < C; c++) for (let i = 0; i < HH; i++) for (let j = 0; j < WW; j++) {
      s += get<F>(w, f * K + (c * HH + i) * WW + j) *
           xp<F>(x + (<usize>(n * C * H * W) << alignof<F>()), C, H, W, c, (p / Wo) * stride + i - pad, (p % Wo) * stride + j - pad);
    }
    set<F>(outR, (n * Fo + f) * P + p, get<F>(b, f) + s);
  }
  bad += bitDiff<F>(outV, outR, no) + bitDiff<F>(outP, outR, no);

  // backward: dx bitwise (dcols = Σ_f sequential, scattered in order), dw in the nt bound, db to rounding
  const dw0 = rand<F>(Fo * K), db0 = rand<F>(Fo);
  const dx = alloc<F>(nx), dw = clone<F>(dw0, Fo * K), db = clone<F>(db0, Fo);
  conv_backward<F>(dx, dw, db, cols, dcols, dout, x, w, N, C, H, W, Fo, HH, WW, stride, pad, scratch);
  const dxN = alloc<F>(nx);
  memory.fill(dxN, 0, <usize>nx << alignof<F>());
  const eps = epsOf<F>();
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) for (let p = 0; p < P; p++) {
      let s = <F>0;
      for (let f = 0; f < Fo; f++) s += get<F>(w, f * K + k) * get<F>(dout, (n * Fo + f) * P + p);
      set<F>(dcols, k * P + p, s);
    }
    col2im<F>(dxN + (<usize>(n * C * H * W) << alignof<F>()), dcols, C, H, W, HH, WW, stride, pad);
  }
  bad += bitDiff<F>(dx, dxN, nx);
  for (let f = 0; f < Fo; f++) for (let k = 0; k < K; k++) {
    const c = k / (HH * WW), i = (k / WW) % HH, j = k % WW;
    let s = 0.0, sabs = abs(<f64>get<F>(dw0, f * K + k));
    for (let n = 0; n < N; n++) for (let p = 0; p < P; p++) {
      const t = <f64>get<F>(dout, (n * Fo + f) * P + p) *
                <f64>xp<F>(x + (<usize>(n * C * H * W) << alignof<F>()), C, H, W, c, (p / Wo) * stride + i - pad, (p % Wo) * stride + j - pad);
      s += t; sabs += abs(t);
    }
    const want = <f64>get<F>(dw0, f * K + k) + s;
    if (abs(<f64>get<F>(dw, f * K + k) - want) > <f64>(N * P + N + 4) * eps * sabs) bad++;
  }
  for (let f = 0; f < Fo; f++) {
    let s = 0.0, sabs = 0.0;
    for (let n = 0; n < N; n++) for (let p = 0; p < P; p++) { const v = <f64>get<F>(dout, (n * Fo + f) * P + p); s += v; sabs += abs(v); }
    const want = <f64>get<F>(db0, f) + s;
    if (abs(<f64>get<F>(db, f) - want) > 4 * eps * (sabs + abs(want))) bad++;
  }
  heap.free(scratch);
  free(x); free(w); free(b); free(dout); free(cols); free(dcols); free(colsR); free(dxR); free(dxV);
  free(outV); free(outP); free(outR); free(dw0); free(db0); free(dx); free(dw); free(db); free(dxN);
  free(rowsV); free(rowsR); free(wt);
}

function sweep<F>(): void {
  check<F>(2, 3, 4, 4, 3, 4, 4, 2, 1);   // the notebook's shape
  check<F>(2, 5, 4, 6, 7, 1, 1, 1, 0);   // 1x1, the copy-free path
  check<F>(1, 3, 5, 7, 9, 1, 1, 2, 0);   // 1x1 strided
  check<F>(1, 2, 3, 4, 2, 1, 1, 1, 1);   // 1x1 padded
  check<F>(2, 3, 11, 13, 4, 7, 7, 2, 3); // 7x7 stride 2 pad 3
  check<F>(1, 2, 9, 8, 3, 7, 7, 1, 0);
  check<F>(2, 2, 5, 6, 3, 3, 3, 1, 0);
  check<F>(1, 2, 4, 4, 3, 3, 3, 1, 3);   // padding wider than the kernel reach
  check<F>(2, 3, 7, 9, 5, 3, 3, 2, 0);
  check<F>(1, 3, 9, 7, 4, 5, 5, 2, 2);
  check<F>(3, 5, 6, 5, 7, 2, 3, 1, 1);
  check<F>(2, 2, 7, 10, 3, 3, 3, 3, 1);
  check<F>(2, 4, 10, 11, 9, 3, 3, 1, 1); // F ≥ 8: the packed GEMM path
  check<F>(1, 3, 17, 19, 12, 3, 3, 1, 2);
}

/** Centred finite differences of L = Σ out·dout (f64) for x, w, b. */
function gradcheck(N: i32, C: i32, H: i32, W: i32, Fo: i32, HH: i32, WW: i32, stride: i32, pad: i32): f64 {
  const Ho = (H + 2 * pad - HH) / stride + 1, Wo = (W + 2 * pad - WW) / stride + 1;
  const P = Ho * Wo, K = C * HH * WW, nx = N * C * H * W, no = N * Fo * P;
  const x = rand<f64>(nx), w = rand<f64>(Fo * K), b = rand<f64>(Fo), dout = rand<f64>(no);
  const cols = alloc<f64>(K * P), dcols = alloc<f64>(K * P), out = alloc<f64>(no), wt = alloc<f64>(K * Fo);
  const dx = alloc<f64>(nx), dw = alloc<f64>(Fo * K), db = alloc<f64>(Fo);
  memory.fill(dw, 0, <usize>(Fo * K) << 3); memory.fill(db, 0, <usize>Fo << 3);
  conv_backward<f64>(dx, dw, db, cols, dcols, dout, x, w, N, C, H, W, Fo, HH, WW, stride, pad, 0);
  const h = 1e-5;
  let worst = 0.0;
  for (let which = 0; which < 3; which++) {
    const p = which == 0 ? x : which == 1 ? w : b;
    const g = which == 0 ? dx : which == 1 ? dw : db;
    const n = which == 0 ? nx : which == 1 ? Fo * K : Fo;
    const num = alloc<f64>(n);
    for (let i = 0; i < n; i++) {
      const v = get<f64>(p, i);
      set<f64>(p, i, v + h); conv_forward<f64>(out, cols, wt, x, w, b, N, C, H, W, Fo, HH, WW, stride, pad, 0); const lp = dot<f64>(out, dout, no);
      set<f64>(p, i, v - h); conv_forward<f64>(out, cols, wt, x, w, b, N, C, H, W, Fo, HH, WW, stride, pad, 0); const lm = dot<f64>(out, dout, no);
      set<f64>(p, i, v);
      set<f64>(num, i, (lp - lm) / (2 * h));
    }
    worst = max(worst, gradError<f64>(num, g, n));
    free(num);
  }
  free(x); free(w); free(b); free(dout); free(cols); free(dcols); free(out); free(dx); free(dw); free(db); free(wt);
  return worst;
}

describe("conv", () => {
  it("im2col, col2im, forward, backward against the definition, f32 and f64", () => {
    srand(61); bad = 0;
    sweep<f32>(); sweep<f64>();
    expect(bad).toBe(0);
  });
  it("backward matches centred finite differences (f64, gradError < 1e-7)", () => {
    srand(62);
    expect(gradcheck(2, 2, 5, 5, 3, 3, 3, 2, 1)).toBeLessThan(1e-7);
    expect(gradcheck(1, 3, 4, 3, 2, 1, 1, 1, 0)).toBeLessThan(1e-7);
  });
});
