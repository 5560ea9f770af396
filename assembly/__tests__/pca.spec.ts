// PCA eigen-kernels (f64):
//  - the inner-loop twins (dot, rank-2 row update, axpy): SIMD == scalar bitwise over every tail;
//  - tridiagonalise + QL eigenvalues + inverse-iteration eigenvectors + back-transform on random
//    symmetric matrices: residual ‖A·v − λ·v‖ and ‖VᵀV − I‖ at rounding level, Σλ = trace(A),
//    Σλ² = ‖A‖_F² (with all K = n vectors, so the whole spectrum is checked);
//  - a cluster: the all-ones matrix J (eigenvalues n and 0 n−1 times): the n−1 vectors of the
//    zero eigenvalue come out orthonormal (re-orthogonalisation inside clusters).
import { SIZES, srand, rnd, alloc, free, clone, bitDiff, get, set } from "./helpers";
import { dot__scalar, dot__wasmsimd, dots4__scalar, dots4__wasmsimd, rank2_row__scalar, rank2_row__wasmsimd, axpy__scalar, axpy__wasmsimd,
         f64_sym_tridiagonalize, f64_tridiag_eigenvalues, f64_tridiag_eigenvectors, f64_householder_apply } from "../pca";

function randVec(n: i32): usize {
  const p = alloc<f64>(n);
  for (let i = 0; i < n; i++) set<f64>(p, i, rnd());
  return p;
}

/** Sorts n f64 in decreasing order (insertion sort). */
function sortDesc(p: usize, n: i32): void {
  for (let i = 1; i < n; i++) {
    const v = get<f64>(p, i);
    let j = i - 1;
    while (j >= 0 && get<f64>(p, j) < v) { set<f64>(p, j + 1, get<f64>(p, j)); j--; }
    set<f64>(p, j + 1, v);
  }
}

/** Full pipeline on a (n,n) (copied): returns the max of the residual and orthogonality errors, scaled by ‖A‖; checks trace and Frobenius norm. */
function eigenErrors(a0: usize, n: i32): f64 {
  const a = clone<f64>(a0, n * n);
  const d = alloc<f64>(n), e = alloc<f64>(n), tau = alloc<f64>(n), p = alloc<f64>(n), w = alloc<f64>(n);
  const lam = alloc<f64>(n), e2 = alloc<f64>(n), z = alloc<f64>(n * n), work = alloc<f64>(5 * n), s4 = alloc<f64>(4);
  f64_sym_tridiagonalize(d, e, tau, a, p, w, n);
  for (let i = 0; i < n; i++) { set<f64>(lam, i, get<f64>(d, i)); set<f64>(e2, i, get<f64>(e, i)); }
  expect(f64_tridiag_eigenvalues(lam, e2, n)).toBe(0);
  sortDesc(lam, n);
  expect(f64_tridiag_eigenvectors(z, work, d, e, lam, n, n)).toBe(0);
  f64_householder_apply(z, a, tau, s4, n, n);
  let norm = 0.0, trace = 0.0, fro = 0.0, sumL = 0.0, sumL2 = 0.0;
  for (let i = 0; i < n; i++) {
    trace += get<f64>(a0, i * n + i);
    sumL += get<f64>(lam, i);
    sumL2 += get<f64>(lam, i) * get<f64>(lam, i);
    let r = 0.0;
    for (let j = 0; j < n; j++) { r += abs(get<f64>(a0, i * n + j)); fro += get<f64>(a0, i * n + j) * get<f64>(a0, i * n + j); }
    norm = max(norm, r);
  }
  let err = abs(trace - sumL) / norm + abs(fro - sumL2) / (norm * norm);
  for (let k = 0; k < n; k++) {
    const v = z + (<usize>(k * n) << 3);
    for (let i = 0; i < n; i++) {                                   // (A·v − λ·v)_i
      let s = 0.0;
      for (let j = 0; j < n; j++) s += get<f64>(a0, i * n + j) * get<f64>(v, j);
      err = max(err, abs(s - get<f64>(lam, k) * get<f64>(v, i)) / norm);
    }
    for (let l = 0; l <= k; l++) {                                  // vₖ·vₗ − δₖₗ
      let s = 0.0;
      for (let j = 0; j < n; j++) s += get<f64>(v, j) * get<f64>(z + (<usize>(l * n) << 3), j);
      err = max(err, abs(s - (k == l ? 1.0 : 0.0)));
    }
  }
  free(a); free(d); free(e); free(tau); free(p); free(w); free(lam); free(e2); free(z); free(work); free(s4);
  return err;
}

describe("pca", () => {
  it("SIMD == scalar bitwise for dot, dots4 (= 4 dots), rank2_row, axpy (every tail)", () => {
    srand(7);
    for (let s = 0; s < SIZES.length; s++) {
      const n = SIZES[s];
      const x = randVec(n), y = randVec(n), a = randVec(n);
      expect(reinterpret<u64>(dot__scalar(x, y, n))).toBe(reinterpret<u64>(dot__wasmsimd(x, y, n)));
      const rows = randVec(4 * n), o1 = alloc<f64>(4), o2 = alloc<f64>(4);
      dots4__scalar(o1, rows, <usize>n << 3, x, 0.5, n);
      dots4__wasmsimd(o2, rows, <usize>n << 3, x, 0.5, n);
      expect(bitDiff<f64>(o1, o2, 4)).toBe(0);
      expect(reinterpret<u64>(get<f64>(o2, 3))).toBe(reinterpret<u64>(0.5 * dot__scalar(rows + (<usize>(3 * n) << 3), x, n)));
      free(rows); free(o1); free(o2);
      const a1 = clone<f64>(a, n), a2 = clone<f64>(a, n);
      rank2_row__scalar(a1, x, y, 0.3, -1.7, n);
      rank2_row__wasmsimd(a2, x, y, 0.3, -1.7, n);
      expect(bitDiff<f64>(a1, a2, n)).toBe(0);
      axpy__scalar(a1, x, 0.77, n);
      axpy__wasmsimd(a2, x, 0.77, n);
      expect(bitDiff<f64>(a1, a2, n)).toBe(0);
      free(x); free(y); free(a); free(a1); free(a2);
    }
  });

  it("random symmetric matrices: residuals, orthonormality, trace and Frobenius norm at rounding level", () => {
    srand(11);
    const ns: StaticArray<i32> = [1, 2, 3, 4, 5, 8, 17, 33, 64];
    for (let t = 0; t < ns.length; t++) {
      const n = ns[t];
      const a = alloc<f64>(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) { const v = rnd(); set<f64>(a, i * n + j, v); set<f64>(a, j * n + i, v); }
      expect(eigenErrors(a, n)).toBeLessThan(1e-12);
      free(a);
    }
  });

  it("a cluster of equal eigenvalues (all-ones matrix) gives orthonormal vectors", () => {
    const n = 24;
    const a = alloc<f64>(n * n);
    for (let i = 0; i < n * n; i++) set<f64>(a, i, 1.0);
    expect(eigenErrors(a, n)).toBeLessThan(1e-12);
    free(a);
  });

  it("a rank-deficient covariance (rank 12 in 160 dimensions: 148 eigenvalues at rounding level) converges", () => {
    srand(5);
    const n = 160, r = 12;
    const b = randVec(n * r);
    const a = alloc<f64>(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let s = 0.0;
      for (let k = 0; k < r; k++) s += get<f64>(b, i * r + k) * get<f64>(b, j * r + k) * <f64>(k + 1);
      set<f64>(a, i * n + j, s);
    }
    expect(eigenErrors(a, n)).toBeLessThan(1e-12);
    free(a); free(b);
  });

  it("a covariance-like matrix of rank 3 in 40 dimensions", () => {
    srand(3);
    const n = 40, r = 3;
    const b = randVec(n * r);
    const a = alloc<f64>(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let s = 0.0;
      for (let k = 0; k < r; k++) s += get<f64>(b, i * r + k) * get<f64>(b, j * r + k);
      set<f64>(a, i * n + j, s);
    }
    expect(eigenErrors(a, n)).toBeLessThan(1e-12);
    free(a); free(b);
  });
});
