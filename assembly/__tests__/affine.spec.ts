// Affine layer: forward bitwise against b + Σ_k x·w (naive, sequential k), backward dw/db bitwise
// against naive accumulation, dx (an nt GEMM) within (M+2)·eps·Σ|dout·w|; SIMD vs scalar twins
// swept over every tail of N, D, M; plus a centred finite-difference check in f64.
import { SIZES, srand, rand, alloc, free, copy, clone, bitDiff, get, set, epsOf, dot, gradError } from "./helpers";
import { affine_forward__scalar, affine_forward__wasmsimd, affine_backward__scalar, affine_backward__wasmsimd,
         colsum_acc__scalar, colsum_acc__wasmsimd } from "../affine";

let failures = 0;

function check<T>(N: i32, D: i32, M: i32): void {
  const x = rand<T>(N * D), w = rand<T>(D * M), b = rand<T>(M), dout = rand<T>(N * M);
  const outS = alloc<T>(N * M), outV = alloc<T>(N * M), outR = alloc<T>(N * M);
  affine_forward__scalar<T>(outS, x, w, b, N, D, M);
  affine_forward__wasmsimd<T>(outV, x, w, b, N, D, M);
  for (let n = 0; n < N; n++) for (let m = 0; m < M; m++) {
    let s = <T>0;
    for (let k = 0; k < D; k++) s += get<T>(x, n * D + k) * get<T>(w, k * M + m);
    set<T>(outR, n * M + m, get<T>(b, m) + s);
  }
  if (bitDiff<T>(outS, outR, N * M) != 0) failures++;
  if (bitDiff<T>(outV, outR, N * M) != 0) failures++;

  const dw0 = rand<T>(D * M), db0 = rand<T>(M);
  const dxS = alloc<T>(N * D), dxV = alloc<T>(N * D);
  const dwS = clone<T>(dw0, D * M), dwV = clone<T>(dw0, D * M), dbS = clone<T>(db0, M), dbV = clone<T>(db0, M);
  affine_backward__scalar<T>(dxS, dwS, dbS, dout, x, w, N, D, M);
  affine_backward__wasmsimd<T>(dxV, dwV, dbV, dout, x, w, N, D, M);
  // naive dw, db (sum from zero over n, then added)
  const dwR = clone<T>(dw0, D * M), dbR = clone<T>(db0, M), dxR = alloc<T>(N * D);
  for (let k = 0; k < D; k++) for (let m = 0; m < M; m++) {
    let s = <T>0;
    for (let n = 0; n < N; n++) s += get<T>(x, n * D + k) * get<T>(dout, n * M + m);
    set<T>(dwR, k * M + m, get<T>(dw0, k * M + m) + s);
  }
  for (let m = 0; m < M; m++) {
    let s = <T>0;
    for (let n = 0; n < N; n++) s += get<T>(dout, n * M + m);
    set<T>(dbR, m, get<T>(db0, m) + s);
  }
  for (let n = 0; n < N; n++) for (let k = 0; k < D; k++) {
    let s = <T>0;
    for (let m = 0; m < M; m++) s += get<T>(dout, n * M + m) * get<T>(w, k * M + m);
    set<T>(dxR, n * D + k, s);
  }
  if (bitDiff<T>(dwS, dwR, D * M) != 0) failures++;
  if (bitDiff<T>(dwV, dwR, D * M) != 0) failures++;
  if (bitDiff<T>(dbS, dbR, M) != 0) failures++;
  if (bitDiff<T>(dbV, dbR, M) != 0) failures++;
  if (bitDiff<T>(dxS, dxR, N * D) != 0) failures++;
  const eps = epsOf<T>();
  for (let n = 0; n < N; n++) for (let k = 0; k < D; k++) {
    let sabs = 0.0;
    for (let m = 0; m < M; m++) sabs += abs(<f64>get<T>(dout, n * M + m) * <f64>get<T>(w, k * M + m));
    if (abs(<f64>get<T>(dxV, n * D + k) - <f64>get<T>(dxS, n * D + k)) > <f64>(M + 2) * eps * sabs) failures++;
  }
  free(x); free(w); free(b); free(dout); free(outS); free(outV); free(outR); free(dw0); free(db0);
  free(dxS); free(dxV); free(dwS); free(dwV); free(dbS); free(dbV); free(dwR); free(dbR); free(dxR);
}

function sweep<T>(): void {
  for (let s = 0; s < SIZES.length; s++) {
    const n = SIZES[s];
    check<T>(n, 3, 5); check<T>(3, n, 5); check<T>(5, 3, n);
  }
  check<T>(33, 17, 65); check<T>(13, 127, 31); check<T>(65, 9, 127);
}

/** Centred finite differences of L = Σ out ⊙ dout in f64; returns the worst CS231n rel error. */
function gradcheck(N: i32, D: i32, M: i32): f64 {
  const x = rand<f64>(N * D), w = rand<f64>(D * M), b = rand<f64>(M), dout = rand<f64>(N * M);
  const out = alloc<f64>(N * M), dx = alloc<f64>(N * D), dw = alloc<f64>(D * M), db = alloc<f64>(M);
  memory.fill(dw, 0, <usize>(D * M) << 3); memory.fill(db, 0, <usize>M << 3);
  affine_backward__wasmsimd<f64>(dx, dw, db, dout, x, w, N, D, M);
  const h = 1e-5;
  let worst = 0.0;
  for (let which = 0; which < 3; which++) {
    const p = which == 0 ? x : which == 1 ? w : b;
    const g = which == 0 ? dx : which == 1 ? dw : db;
    const n = which == 0 ? N * D : which == 1 ? D * M : M;
    const num = alloc<f64>(n);
    for (let i = 0; i < n; i++) {
      const v = get<f64>(p, i);
      set<f64>(p, i, v + h); affine_forward__wasmsimd<f64>(out, x, w, b, N, D, M); const lp = dot<f64>(out, dout, N * M);
      set<f64>(p, i, v - h); affine_forward__wasmsimd<f64>(out, x, w, b, N, D, M); const lm = dot<f64>(out, dout, N * M);
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
  it("forward/backward: SIMD and scalar vs naive, f32 and f64, all tails", () => {
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
      colsum_acc__scalar<f32>(a, x, R, C, ld); colsum_acc__wasmsimd<f32>(b, x, R, C, ld);
      expect(bitDiff<f32>(a, b, C)).toBe(0);
      const y = rand<f64>(R * ld), e0 = rand<f64>(C);
      const c = clone<f64>(e0, C), d = clone<f64>(e0, C);
      colsum_acc__scalar<f64>(c, y, R, C, ld); colsum_acc__wasmsimd<f64>(d, y, R, C, ld);
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
