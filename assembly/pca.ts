// PCA: the top-K eigenvectors of a symmetric D×D matrix (the features' covariance), exactly and
// deterministically, in f64 only (PCA is fitted once, at prepro time, and must not lose digits).
//
//   1. f64_sym_tridiagonalize   Householder reduction A = Q·T·Qᵀ (Golub & Van Loan §8.3.1;
//                               LAPACK dsytd2 'L'): on the lower triangle only, 4/3·D³ flops;
//   2. f64_tridiag_eigenvalues  all eigenvalues of T by implicit QL with Wilkinson shifts
//                               (Numerical Recipes tqli without vectors, EISPACK tql1's
//                               deflation test): O(D²);
//   3. f64_tridiag_eigenvectors the wanted K eigenvectors of T by inverse iteration with
//                               re-orthogonalisation inside clusters (LAPACK dstein): O(D·K)
//                               plus O(D·c²) for clusters of c close eigenvalues;
//   4. f64_householder_apply    back to A's basis, v = Q·z for each of the K vectors: 2·D²·K flops.
// So D = 4096 → K = 512 costs ~9e10 flops for step 1 and ~1.7e10 for step 4; a full
// eigendecomposition (tql2) would add ~3e11 more. Every step uses + − × ÷ and sqrt only, in a
// fixed order, so the results are the same bits in every engine. The inner loops (row dot
// products, rank-2 row updates, axpys) have a scalar and a SIMD (f64x2) twin with the same
// operation order per element: dot products keep two partial sums (even and odd indices) in both
// twins, so scalar and SIMD builds give the same bits too.
//
// Pointers are byte offsets of f64 arrays; sizes are i32. Nothing is allocated.

// ---- inner loops (scalar and SIMD twins; the exported kernels pick one at compile time)

/** Σ x[j]·y[j] over n elements as two partial sums (even j, odd j) added at the end, then the odd tail. */
export function dot__scalar(x: usize, y: usize, n: i32): f64 {
  let s0: f64 = 0, s1: f64 = 0;
  let j = 0;
  for (; j + 2 <= n; j += 2) {
    const o = <usize>j << 3;
    s0 += load<f64>(x + o) * load<f64>(y + o);
    s1 += load<f64>(x + o, 8) * load<f64>(y + o, 8);
  }
  let s = s0 + s1;
  if (j < n) s += load<f64>(x + (<usize>j << 3)) * load<f64>(y + (<usize>j << 3));
  return s;
}
export function dot__wasmsimd(x: usize, y: usize, n: i32): f64 {
  let acc = f64x2.splat(0);
  let j = 0;
  for (; j + 2 <= n; j += 2) {
    const o = <usize>j << 3;
    acc = f64x2.add(acc, f64x2.mul(v128.load(x + o), v128.load(y + o)));
  }
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  if (j < n) s += load<f64>(x + (<usize>j << 3)) * load<f64>(y + (<usize>j << 3));
  return s;
}

/**
 * out[r] = s·Σ_j a[r·lda + j]·x[j] for r < 4: four rows against one vector, each row summed
 * exactly as dot (two partial sums, even and odd j, then the odd tail), so the results are the
 * bits of four dot calls; the SIMD twin keeps four accumulators in flight and loads x once.
 */
export function dots4__scalar(out: usize, a: usize, lda: usize, x: usize, s: f64, n: i32): void {
  for (let r = 0; r < 4; r++) store<f64>(out + (<usize>r << 3), s * dot__scalar(a + <usize>r * lda, x, n));
}
export function dots4__wasmsimd(out: usize, a: usize, lda: usize, x: usize, s: f64, n: i32): void {
  const a1 = a + lda, a2 = a1 + lda, a3 = a2 + lda;
  let c0 = f64x2.splat(0), c1 = f64x2.splat(0), c2 = f64x2.splat(0), c3 = f64x2.splat(0);
  let j = 0;
  for (; j + 2 <= n; j += 2) {
    const o = <usize>j << 3;
    const xv = v128.load(x + o);
    c0 = f64x2.add(c0, f64x2.mul(v128.load(a + o), xv));
    c1 = f64x2.add(c1, f64x2.mul(v128.load(a1 + o), xv));
    c2 = f64x2.add(c2, f64x2.mul(v128.load(a2 + o), xv));
    c3 = f64x2.add(c3, f64x2.mul(v128.load(a3 + o), xv));
  }
  let s0 = f64x2.extract_lane(c0, 0) + f64x2.extract_lane(c0, 1);
  let s1 = f64x2.extract_lane(c1, 0) + f64x2.extract_lane(c1, 1);
  let s2 = f64x2.extract_lane(c2, 0) + f64x2.extract_lane(c2, 1);
  let s3 = f64x2.extract_lane(c3, 0) + f64x2.extract_lane(c3, 1);
  if (j < n) {
    const o = <usize>j << 3;
    const xj = load<f64>(x + o);
    s0 += load<f64>(a + o) * xj;
    s1 += load<f64>(a1 + o) * xj;
    s2 += load<f64>(a2 + o) * xj;
    s3 += load<f64>(a3 + o) * xj;
  }
  store<f64>(out, s * s0);
  store<f64>(out, s * s1, 8);
  store<f64>(out, s * s2, 16);
  store<f64>(out, s * s3, 24);
}

/** a[j] −= vi·w[j] + wi·v[j] for j < n (one row of the symmetric rank-2 update). */
export function rank2_row__scalar(a: usize, v: usize, w: usize, vi: f64, wi: f64, n: i32): void {
  for (let j = 0; j < n; j++) {
    const o = <usize>j << 3;
    store<f64>(a + o, load<f64>(a + o) - (vi * load<f64>(w + o) + wi * load<f64>(v + o)));
  }
}
export function rank2_row__wasmsimd(a: usize, v: usize, w: usize, vi: f64, wi: f64, n: i32): void {
  const svi = f64x2.splat(vi), swi = f64x2.splat(wi);
  let j = 0;
  for (; j + 2 <= n; j += 2) {
    const o = <usize>j << 3;
    v128.store(a + o, f64x2.sub(v128.load(a + o), f64x2.add(f64x2.mul(svi, v128.load(w + o)), f64x2.mul(swi, v128.load(v + o)))));
  }
  if (j < n) {
    const o = <usize>j << 3;
    store<f64>(a + o, load<f64>(a + o) - (vi * load<f64>(w + o) + wi * load<f64>(v + o)));
  }
}

/** y[j] −= s·x[j] for j < n. */
export function axpy__scalar(y: usize, x: usize, s: f64, n: i32): void {
  for (let j = 0; j < n; j++) {
    const o = <usize>j << 3;
    store<f64>(y + o, load<f64>(y + o) - s * load<f64>(x + o));
  }
}
export function axpy__wasmsimd(y: usize, x: usize, s: f64, n: i32): void {
  const ss = f64x2.splat(s);
  let j = 0;
  for (; j + 2 <= n; j += 2) {
    const o = <usize>j << 3;
    v128.store(y + o, f64x2.sub(v128.load(y + o), f64x2.mul(ss, v128.load(x + o))));
  }
  if (j < n) {
    const o = <usize>j << 3;
    store<f64>(y + o, load<f64>(y + o) - s * load<f64>(x + o));
  }
}

// @ts-ignore: decorator
@inline function dot(x: usize, y: usize, n: i32): f64 {
  if (ASC_FEATURE_SIMD) return dot__wasmsimd(x, y, n);
  return dot__scalar(x, y, n);
}
// @ts-ignore: decorator
@inline function dots4(out: usize, a: usize, lda: usize, x: usize, s: f64, n: i32): void {
  if (ASC_FEATURE_SIMD) dots4__wasmsimd(out, a, lda, x, s, n); else dots4__scalar(out, a, lda, x, s, n);
}
// @ts-ignore: decorator
@inline function rank2_row(a: usize, v: usize, w: usize, vi: f64, wi: f64, n: i32): void {
  if (ASC_FEATURE_SIMD) rank2_row__wasmsimd(a, v, w, vi, wi, n); else rank2_row__scalar(a, v, w, vi, wi, n);
}
// @ts-ignore: decorator
@inline function axpy(y: usize, x: usize, s: f64, n: i32): void {
  if (ASC_FEATURE_SIMD) axpy__wasmsimd(y, x, s, n); else axpy__scalar(y, x, s, n);
}
// @ts-ignore: decorator
@inline function at(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 3)); }
// @ts-ignore: decorator
@inline function put(p: usize, i: i32, v: f64): void { store<f64>(p + (<usize>i << 3), v); }

// ---- 1. Householder tridiagonalisation

/**
 * a (n,n) symmetric, row-major: its lower triangle (j <= i) is read, and a is overwritten. On
 * exit d (n) holds T's diagonal, e (n) its off-diagonal (e[i] couples d[i] and d[i+1];
 * e[n−1] = 0), tau (n) the reflector scalars, and row k of a, columns k+1..n−1 (the unused upper
 * triangle), the reflector v_k of step k (H_k = I − tau[k]·v_k·v_kᵀ acting on coordinates
 * k+1..n−1; tau[k] = 0: no reflection), so that A = Q·T·Qᵀ with Q = H_0·H_1·…·H_{n−3}.
 * p, w (n) scratch. Only the lower triangle of the trailing matrix is updated, and its
 * matrix-vector product reads each lower row once (a dot product for p_i, an axpy into p_0..p_{i−1}),
 * so a step streams half the matrix twice.
 */
export function f64_sym_tridiagonalize(d: usize, e: usize, tau: usize, a: usize, p: usize, w: usize, n: i32): void {
  const rowStride = <usize>n << 3;
  for (let k = 0; k < n; k++) { put(e, k, 0); put(tau, k, 0); }
  for (let k = 0; k + 2 < n; k++) {
    const m = n - k - 1;                                      // length of x = a[k+1..n, k]
    const v = a + ((<usize>k * <usize>n + <usize>(k + 1)) << 3); // row k right of the diagonal: v_k goes here
    const col = a + ((<usize>(k + 1) * <usize>n + <usize>k) << 3); // x_i at col + i·rowStride
    put(d, k, at(a, k * n + k));
    for (let i = 0; i < m; i++) put(v, i, load<f64>(col + <usize>i * rowStride));
    const x0 = at(v, 0);
    const sigma = dot(v + 8, v + 8, m - 1);                   // Σ x[1..]²
    if (sigma == 0) { put(e, k, x0); continue; }              // already tridiagonal in this column
    const mu = Math.sqrt(x0 * x0 + sigma);
    const alpha = x0 <= 0 ? mu : -mu;                         // −sign(x0)·‖x‖: no cancellation in v0
    const v0 = x0 - alpha;
    const t = 2.0 / (v0 * v0 + sigma);
    put(v, 0, v0);
    put(e, k, alpha);
    put(tau, k, t);
    // p = t·A22·v from the lower triangle of A22 = a[k+1.., k+1..]; K = t/2·vᵀp; w = p − K·v;
    // A22 −= v·wᵀ + w·vᵀ on the lower triangle
    const a22 = a + ((<usize>(k + 1) * <usize>n + <usize>(k + 1)) << 3);
    for (let i = 0; i < m; i++) put(p, i, 0);
    for (let i = 0; i < m; i++) {
      const row = a22 + <usize>i * rowStride;                 // a22[i, 0..i]
      const vi = at(v, i);
      put(p, i, at(p, i) + (dot(row, v, i) + at(row, i) * vi));
      axpy(p, row, -vi, i);                                   // p[j] += a22[i, j]·v_i for j < i
    }
    for (let i = 0; i < m; i++) put(p, i, t * at(p, i));
    const K = 0.5 * t * dot(v, p, m);
    for (let i = 0; i < m; i++) put(w, i, at(p, i) - K * at(v, i));
    for (let i = 0; i < m; i++) rank2_row(a22 + <usize>i * rowStride, v, w, at(v, i), at(w, i), i + 1);
  }
  if (n >= 2) {
    put(d, n - 2, at(a, (n - 2) * n + n - 2));
    put(e, n - 2, at(a, (n - 1) * n + n - 2));
  }
  if (n >= 1) put(d, n - 1, at(a, (n - 1) * n + n - 1));
}

// ---- 2. eigenvalues of T

/** √(a² + b²) without destructive overflow or underflow (Numerical Recipes pythag). */
function pythag(a: f64, b: f64): f64 {
  const x = Math.abs(a), y = Math.abs(b);
  if (x > y) { const r = y / x; return x * Math.sqrt(1.0 + r * r); }
  if (y == 0) return 0;
  const r = x / y;
  return y * Math.sqrt(1.0 + r * r);
}

/**
 * All eigenvalues of the symmetric tridiagonal T (d (n) diagonal, e (n) off-diagonal as
 * f64_sym_tridiagonalize leaves them) by implicit QL with Wilkinson shifts. d written: the
 * eigenvalues, unordered; e destroyed. Returns 0, or 1 + the index whose eigenvalue did not
 * converge in 60 iterations (never seen on symmetric input).
 */
export function f64_tridiag_eigenvalues(d: usize, e: usize, n: i32): i32 {
  if (n < 1) return 0;
  put(e, n - 1, 0);
  // Deflation test relative to ‖T‖ (EISPACK tql1): |e[m]| <= eps·‖T‖. A test relative to
  // |d[m]| + |d[m+1]| alone (Numerical Recipes) can stall on the many tiny eigenvalues of a
  // rank-deficient covariance (N < D); eigenvalues stay accurate to eps·‖T‖, all that PCA needs.
  let anorm: f64 = 0;
  for (let i = 0; i < n; i++) anorm = Math.max(anorm, Math.abs(at(d, i)) + Math.abs(at(e, i)));
  const tol = 2.220446049250313e-16 * anorm;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    let m = l;
    do {
      for (m = l; m < n - 1; m++) if (Math.abs(at(e, m)) <= tol) break;
      if (m != l) {
        if (iter++ == 60) return l + 1;
        let g = (at(d, l + 1) - at(d, l)) / (2.0 * at(e, l));
        let r = pythag(g, 1.0);
        g = at(d, m) - at(d, l) + at(e, l) / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
        let s: f64 = 1, c: f64 = 1, p: f64 = 0;
        let i = m - 1;
        let deflated = false;
        for (; i >= l; i--) {
          const f = s * at(e, i), b = c * at(e, i);
          r = pythag(f, g);
          put(e, i + 1, r);
          if (r == 0) {                                      // underflow: deflate and restart
            put(d, i + 1, at(d, i + 1) - p);
            put(e, m, 0);
            deflated = true;
            break;
          }
          s = f / r;
          c = g / r;
          g = at(d, i + 1) - p;
          r = (at(d, i) - g) * s + 2.0 * c * b;
          p = s * r;
          put(d, i + 1, g + p);
          g = c * r - b;
        }
        if (deflated) continue;
        put(d, l, at(d, l) - p);
        put(e, l, g);
        put(e, m, 0);
      }
    } while (m != l);
  }
  return 0;
}

// ---- 3. eigenvectors of T by inverse iteration

/**
 * Eigenvectors of T (d, e (n) as f64_sym_tridiagonalize leaves them, read only) for the K
 * eigenvalues lam (K), which must be sorted in decreasing order (as from f64_tridiag_eigenvalues
 * then a sort). z (K, n) written: row j = the unit eigenvector of lam[j], its largest-magnitude
 * element positive. work (5·n) scratch. Follows LAPACK dstein: eigenvalues closer than
 * 1e-3·‖T‖₁ form a cluster whose vectors are re-orthogonalised (modified Gram-Schmidt) at each
 * iteration; equal eigenvalues are perturbed apart by 10·eps·|λ|; iterations until 2 more
 * after the growth test (‖x‖∞ ≥ √(0.1/n) after scaling) passes, 5 in all. The start vectors come from a
 * fixed LCG. Returns the number of vectors that did not pass the growth test (0 normally).
 */
export function f64_tridiag_eigenvectors(z: usize, work: usize, d: usize, e: usize, lam: usize, K: i32, n: i32): i32 {
  if (K < 1 || n < 1) return 0;
  const EPS: f64 = 2.220446049250313e-16;
  const nb = <usize>n << 3;
  const dg = work, up = work + nb, up2 = work + 2 * nb, lo = work + 3 * nb, piv = work + 4 * nb; // factor of T − σI
  let onenrm: f64 = 0;
  for (let i = 0; i < n; i++) {
    const r = Math.abs(at(d, i)) + (i > 0 ? Math.abs(at(e, i - 1)) : 0) + (i < n - 1 ? Math.abs(at(e, i)) : 0);
    if (r > onenrm) onenrm = r;
  }
  if (onenrm == 0) onenrm = 1;
  const ortol = 1e-3 * onenrm;
  const dtpcrt = Math.sqrt(0.1 / <f64>n);
  const tiny = EPS * onenrm;
  let seed: u32 = 0x2545f491;
  let failures = 0;
  let gpind = 0;
  let xjm: f64 = 0;
  for (let j = 0; j < K; j++) {
    const x = z + <usize>j * nb;
    let xj = at(lam, j);
    if (j > 0) {
      if (xjm - xj > ortol) gpind = j;
      else {
        const pertol = 10.0 * Math.abs(EPS * xj);
        if (xjm - xj < pertol) xj = xjm - pertol;
      }
    }
    // LU with partial pivoting of the tridiagonal T − xj·I (LAPACK dgttrf): dg diagonal of U,
    // up / up2 its first / second superdiagonals, lo the multipliers, piv 1 where rows swapped.
    for (let i = 0; i < n; i++) { put(dg, i, at(d, i) - xj); put(up2, i, 0); put(piv, i, 0); }
    for (let i = 0; i < n - 1; i++) { put(up, i, at(e, i)); put(lo, i, at(e, i)); }
    for (let i = 0; i < n - 1; i++) {
      const di = at(dg, i), li = at(lo, i);
      if (Math.abs(di) >= Math.abs(li)) {
        const f = di != 0 ? li / di : 0;
        put(lo, i, f);
        put(dg, i + 1, at(dg, i + 1) - f * at(up, i));
      } else {
        const f = di / li;
        put(dg, i, li);
        put(lo, i, f);
        const tmp = at(up, i);
        put(up, i, at(dg, i + 1));
        put(dg, i + 1, tmp - f * at(dg, i + 1));
        if (i < n - 2) {
          put(up2, i, at(up, i + 1));
          put(up, i + 1, -f * at(up, i + 1));
        }
        put(piv, i, 1);
      }
    }
    for (let i = 0; i < n; i++) {                            // zero or tiny pivots: perturb (dlagts job −1)
      const u = at(dg, i);
      if (Math.abs(u) < tiny) put(dg, i, u < 0 ? -tiny : tiny);
    }
    for (let i = 0; i < n; i++) {                            // start vector in [−1, 1)
      seed = seed * 1664525 + 1013904223;
      put(x, i, <f64>(seed >>> 8) / <f64>(1 << 23) - 1.0);
    }
    let its = 0, passed = 0, jmax = 0;
    let converged = false;
    while (++its <= 5) {
      let asum: f64 = 0;
      for (let i = 0; i < n; i++) asum += Math.abs(at(x, i));
      const scl = <f64>n * onenrm * Math.max(EPS, Math.abs(at(dg, n - 1))) / asum;
      for (let i = 0; i < n; i++) put(x, i, at(x, i) * scl);
      // solve (T − xj·I)·y = x: forward with L and the swaps, then back with U
      for (let i = 0; i < n - 1; i++) {
        if (at(piv, i) == 0) put(x, i + 1, at(x, i + 1) - at(lo, i) * at(x, i));
        else {
          const tmp = at(x, i);
          put(x, i, at(x, i + 1));
          put(x, i + 1, tmp - at(lo, i) * at(x, i));
        }
      }
      put(x, n - 1, at(x, n - 1) / at(dg, n - 1));
      if (n > 1) put(x, n - 2, (at(x, n - 2) - at(up, n - 2) * at(x, n - 1)) / at(dg, n - 2));
      for (let i = n - 3; i >= 0; i--) put(x, i, (at(x, i) - at(up, i) * at(x, i + 1) - at(up2, i) * at(x, i + 2)) / at(dg, i));
      // re-orthogonalise against the cluster's earlier vectors
      for (let i = gpind; i < j; i++) {
        const zi = z + <usize>i * nb;
        axpy(x, zi, dot(x, zi, n), n);
      }
      jmax = 0;
      for (let i = 1; i < n; i++) if (Math.abs(at(x, i)) > Math.abs(at(x, jmax))) jmax = i;
      if (Math.abs(at(x, jmax)) < dtpcrt) continue;          // not grown enough yet
      if (++passed == 3) { converged = true; break; }        // grown, plus 2 extra iterations
    }
    if (!converged) failures++;
    let nrm = Math.sqrt(dot(x, x, n));
    if (nrm == 0) nrm = 1;
    const s = at(x, jmax) < 0 ? -1.0 / nrm : 1.0 / nrm;
    for (let i = 0; i < n; i++) put(x, i, at(x, i) * s);
    xjm = xj;
  }
  return failures;
}

// ---- 4. back to A's basis

/**
 * z (K, n) read and overwritten: each row y becomes Q·y = H_0·(H_1·(…(H_{n−3}·y))) with the
 * reflectors f64_sym_tridiagonalize left in a (n,n) (read) and tau (n) (read). s4 (4) scratch.
 */
export function f64_householder_apply(z: usize, a: usize, tau: usize, s4: usize, K: i32, n: i32): void {
  const nb = <usize>n << 3;
  let j = 0;
  for (; j + 4 <= K; j += 4) {                               // four vectors share each reflector's loads
    const y = z + <usize>j * nb;
    for (let k = n - 3; k >= 0; k--) {
      const t = at(tau, k);
      if (t == 0) continue;
      const m = n - k - 1;
      const v = a + ((<usize>k * <usize>n + <usize>(k + 1)) << 3);
      const yk = y + (<usize>(k + 1) << 3);
      dots4(s4, yk, nb, v, t, m);
      for (let r = 0; r < 4; r++) axpy(yk + <usize>r * nb, v, at(s4, r), m);
    }
  }
  for (; j < K; j++) {
    const y = z + <usize>j * nb;
    for (let k = n - 3; k >= 0; k--) {
      const t = at(tau, k);
      if (t == 0) continue;
      const m = n - k - 1;
      const v = a + ((<usize>k * <usize>n + <usize>(k + 1)) << 3);
      const yk = y + (<usize>(k + 1) << 3);
      axpy(yk, v, t * dot(v, yk, m), m);
    }
  }
}
