// Affine layer (written once over the GEMM twins, pinned in gemm.spec.ts, and the colsum twins,
// pinned here): forward bitwise against b + Σ_k x·w (naive, sequential k), backward dw/db
// bitwise against naive accumulation, dx (an nt GEMM) within (M+2)·eps·Σ|dout·w| of the naive
// sequential sum; swept over every tail of N, D, M; plus a centred finite-difference check in f64.
import { SIZES, srand, rand, alloc, free, copy, clone, bitDiff, get, set, epsOf, dot, gradError } from "./helpers";
import { affine_forward, affine_backward, colsum__scalar, colsum__wasmsimd } from "../affine";

let failures = 0;

function check<F>(N: i32, D: i32, M: i32): void {
  const x = rand<F>(N * D), w = rand<F>(D * M), b = rand<F>(M), dout = rand<F>(N * M);
  const outV = alloc<F>(N * M), outR = alloc<F>(N * M);
  affine_forward<F>(outV, x, w, b, N, D, M);
  for (let n = 0; n < N; n++) for (let m = 0; m < M; m++) {
    let s = <F>0;
    for (let k = 0; k < D; k++) s += get<F>(x, n * D + k) * get<F>(w, k * M + m);
    set<F>(outR, n * M + m, get<F>(b, m) + s);
  }
  if (bitDiff<F>(outV, outR, N * M) != 0) failures++;

  const dw0 = rand<F>(D * M), db0 = rand<F>(M);
  const dxV = alloc<F>(N * D), dwV = clone<F>(dw0, D * M), dbV = clone<F>(db0, M);
  affine_backward<F>(dxV, dwV, dbV, dout, x, w, N, D, M);
  // naive dw, db (sum from zero over n, then added)
  const dwR = clone<F>(dw0, D * M), dbR = clone<F>(db0, M), dxR = alloc<F>(N * D);
  for (let k = 0; k < D; k++) for (let m = 0; m < M; m++) {
    let s = <F>0;
    for (let n = 0; n < N; n++) s += get<F>(x, n * D + k) * get<F>(dout, n * M + m);
    set<F>(dwR, k * M + m, get<F>(dw0, k * M + m) + s);
  }
  for (let m = 0; m < M; m++) {
    let s = <F>0;
    for (let n = 0; n < N; n++) s += get<F>(dout, n * M + m);
    set<F>(dbR, m, get<F>(db0, m) + s);
  }
  for (let n = 0; n < N; n++) for (let k = 0; k < D; k++) {
    let s = <F>0;
    for (let m = 0; m < M; m++) s += get<F>(dout, n * M + m) * get<F>(w, k * M + m);
    set<F>(dxR, n * D + k, s);
  }
  if (bitDiff<F>(dwV, dwR, D * M) != 0) failures++;
  if (bitDiff<F>(dbV, dbR, M) != 0) failures++;
  const eps = epsOf<F>();
  for (let n = 0; n < N; n++) for (let k = 0; k < D; k++) {
    let sabs = 0.0;
    for (let m = 0; m < M; m++) sabs += abs(<f64>get<F>(dout, n * M + m) * <f64>get<F>(w, k * M + m));
    if (abs(<f64>get<F>(dxV, n * D + k) - <f64>get<F>(dxR, n * D + k)) > <f64>(M + 2) * eps * sabs) failures++;
  }
  free(x); free(w); free(b); free(dout); free(outV); free(outR); free(dw0); free(db0);
  free(dxV); free(dwV); free(dbV); free(dwR); free(dbR); free(dxR);
}

function sweep<F>(): void {
  for (let s = 0; s < SIZES.length; s++) {
    const n = SIZES[s];
    check<F>(n, 3, 5); check<F>(3, n, 5); check<F>(5, 3, n);
  }
  check<F>(33, 17, 65); check<F>(13, 127, 31); check<F>(65, 9, 127);
}

/** Centred finite differences of L = Σ out ⊙ dout in f64; returns the worst CS231n rel error. */
function gradcheck(N: i32, D: i32, M: i32): f64 {
  const x = rand<f64>(N * D), w = rand<f64>(D * M), b = rand<f64>(M), dout = rand<f64>(N * M);
  const out = alloc<f64>(N * M), dx = alloc<f64>(N * D), dw = alloc<f64>(D * M), db = alloc<f64>(M);
  memory.fill(dw, 0, <usize>(D * M) << 3); memory.fill(db, 0, <usize>M << 3);
  affine_backward<f64>(dx, dw, db, dout, x, w, N, D, M);
  const h = 1e-5;
  let worst = 0.0;
  for (let which = 0; which < 3; which++) {
    const p = which == 0 ? x : which == 1 ? w : b;
    const g = which == 0 ? dx : which == 1 ? dw : db;
    const n = which == 0 ? N * D : which == 1 ? D * M : M;
    const num = alloc<f64>(n);
    for (let i = 0; i < n; i++) {
      const v = get<f64>(p, i);
      set<f64>(p, i, v + h); affine_forward<f64>(out, x, w, b, N, D, M); const lp = dot<f64>(out, dout, N * M);
      set<f64>(p, i, v - h); affine_forward<f64>(out, x, w, b, N, D, M); const lm = dot<f64>(out, dout, N * M);
      set<f64>(p, i, v);
      set<f64>(num, i, (lp - lm) / (2 * h));
    }
    worst = max(worst, gradError<f64>(num, g, n));
    free(num);
  }
  free(x); free(w); free(b); free(dout); free(out); free(dx); free(dw); free(db);
  return worst;
}

describe("affine", () => {
  it("forward/backward vs naive, f32 and f64, all tails", () => {
    srand(11); failures = 0;
    sweep<f32>(); sweep<f64>();
    expect(failures).toBe(0);
  });
  it("colsum with a row stride: SIMD == scalar bitwise", () => {
    srand(12);
    for (let s = 0; s < SIZES.length; s++) {
      const C = SIZES[s], R = 7, ld = C + 3;
      const x = rand<f32>(R * ld), d0 = rand<f32>(C);
      const a = clone<f32>(d0, C), b = clone<f32>(d0, C);
      colsum__scalar<f32>(a, x, R, C, ld); colsum__wasmsimd<f32>(b, x, R, C, ld);
      expect(bitDiff<f32>(a, b, C)).toBe(0);
      const y = rand<f64>(R * ld), e0 = rand<f64>(C);
      const c = clone<f64>(e0, C), d = clone<f64>(e0, C);
      colsum__scalar<f64>(c, y, R, C, ld); colsum__wasmsimd<f64>(d, y, R, C, ld);
      expect(bitDiff<f64>(c, d, C)).toBe(0);
      free(x); free(d0); free(a); free(b); free(y); free(e0); free(c); free(d);
    }
  });
  it("backward matches centred finite differences (f64, gradError < 1e-7)", () => {
    srand(13);
    expect(gradcheck(3, 5, 7)).toBeLessThan(1e-7);
    expect(gradcheck(4, 9, 2)).toBeLessThan(1e-7);
  });
});
