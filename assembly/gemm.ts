// GEMM microkernels: C (=, or += when acc ≠ 0) op(A)·op(B), row-major, F = f32 | f64.
// Sizes: C is (M,N); the contraction length is K; lda, ldb, ldc are row strides in elements.
//
//   gemm_nn: A (M,K), B (K,N)          C[i,j] = Σ_k A[i,k]·B[k,j]
//   gemm_tn: A stored (K,M), B (K,N)   C[i,j] = Σ_k A[k,i]·B[k,j]
//   gemm_nt: A (M,K), B stored (N,K)   C[i,j] = Σ_k A[i,k]·B[j,k]
//
// Summation order (the contract): every output element is s = 0; s += a_k·b_k for the k of a
// fixed schedule; then C = s (acc = 0) or C = C + s (acc ≠ 0). The schedule never depends on M,
// on the row block an element falls in, or on which caller computes which rows, so splitting the
// rows of C between threads gives bit-identical results.
//   nn, tn: k = 0, 1, ..., K-1 sequentially. The SIMD body vectorises over the N columns with a
//           separate mul and add per k, so it is bit-identical to the scalar twin.
//   nt:     the SIMD body vectorises over k: lane l accumulates k ≡ l (mod lanes) over the
//           vector part of K, the lanes are summed in a fixed order (math.ts hsum), then the
//           K mod lanes tail is added sequentially. It differs from the scalar twin (sequential
//           k) by summation order only.
// The relaxed build (ASC_FEATURE_RELAXED_SIMD) uses relaxed_madd in the vector loops.
//
// Tiles (XNNPACK naming): nn/tn 4x(2 vectors) = 4x8 f32 / 4x4 f64, then 1-row and 1-vector and
// scalar-column remainders; nt 4x2 dot products (4 rows of A against 2 rows of B), the last
// M mod 4 rows as 2x4 / 1x4 dot tiles, then single dot products.

import { lanes, vmadd, hsum } from "./math";

// ---------------------------------------------------------------------------------------------
// nn / tn share one body: A(i,k) is at a + (i·ars + k·aks) elements
// (nn: ars = lda, aks = 1; tn: ars = 1, aks = lda).

// c is (M,N) written or accumulated; a, b read.
function gemm_xn__scalar<F>(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32,
                            ars: i32, aks: i32, ldb: i32, ldc: i32, acc: i32): void {
  const S = alignof<F>();
  const ak = <usize>aks << S;
  const bk = <usize>ldb << S;
  for (let i = 0; i < M; i++) {
    const ai = a + (<usize>i * <usize>ars << S);
    const ci = c + (<usize>i * <usize>ldc << S);
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      let s0 = <F>0, s1 = <F>0, s2 = <F>0, s3 = <F>0;
      let pa = ai, pb = b + (<usize>j << S);
      for (let k = 0; k < K; k++) {
        const x = load<F>(pa);
        s0 += x * load<F>(pb, 0);
        s1 += x * load<F>(pb + sizeof<F>());
        s2 += x * load<F>(pb + 2 * sizeof<F>());
        s3 += x * load<F>(pb + 3 * sizeof<F>());
        pa += ak; pb += bk;
      }
      const pc = ci + (<usize>j << S);
      if (acc) {
        s0 = load<F>(pc) + s0;
        s1 = load<F>(pc + sizeof<F>()) + s1;
        s2 = load<F>(pc + 2 * sizeof<F>()) + s2;
        s3 = load<F>(pc + 3 * sizeof<F>()) + s3;
      }
      store<F>(pc, s0);
      store<F>(pc + sizeof<F>(), s1);
      store<F>(pc + 2 * sizeof<F>(), s2);
      store<F>(pc + 3 * sizeof<F>(), s3);
    }
    for (; j < N; j++) {
      let s = <F>0;
      let pa = ai, pb = b + (<usize>j << S);
      for (let k = 0; k < K; k++) { s += load<F>(pa) * load<F>(pb); pa += ak; pb += bk; }
      const pc = ci + (<usize>j << S);
      if (acc) s = load<F>(pc) + s;
      store<F>(pc, s);
    }
  }
}

// ---- SIMD microkernels (f32: 4 lanes, f64: 2). A tile computes C[i.., j..] from A(i,k) at
// pa + i·ar + k·ak and B(k,j) at pb + k·bk (+16 for the second vector), every k in order.
// pc is C(i,j), cr the C row stride in bytes. "v" = vectors of columns, "s" = one scalar column.

/** Broadcast of the F at p to every lane (v128.load32_splat / load64_splat: one load, no shuffle). */
// @ts-ignore: decorator
@inline function vsplat<F>(p: usize): v128 {
  if (sizeof<F>() == 4) return v128.load32_splat(p);
  return v128.load64_splat(p);
}

// 4 rows x 2 vectors (f32_gemm_4x8__wasmsimd, f64_gemm_4x4__wasmsimd).
// @ts-ignore: decorator
@inline function tile_4x2v<F>(pc: usize, pa: usize, pb: usize, K: i32, ar: usize, ak: usize, bk: usize,
                              cr: usize, acc: i32): void {
  let c00 = v128.splat<F>(0), c01 = v128.splat<F>(0);
  let c10 = v128.splat<F>(0), c11 = v128.splat<F>(0);
  let c20 = v128.splat<F>(0), c21 = v128.splat<F>(0);
  let c30 = v128.splat<F>(0), c31 = v128.splat<F>(0);
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    const x0 = vsplat<F>(pa);
    c00 = vmadd<F>(c00, x0, b0); c01 = vmadd<F>(c01, x0, b1);
    const x1 = vsplat<F>(pa + ar);
    c10 = vmadd<F>(c10, x1, b0); c11 = vmadd<F>(c11, x1, b1);
    const x2 = vsplat<F>(pa + 2 * ar);
    c20 = vmadd<F>(c20, x2, b0); c21 = vmadd<F>(c21, x2, b1);
    const x3 = vsplat<F>(pa + 3 * ar);
    c30 = vmadd<F>(c30, x3, b0); c31 = vmadd<F>(c31, x3, b1);
    pa += ak; pb += bk;
  }
  const p0 = pc, p1 = p0 + cr, p2 = p1 + cr, p3 = p2 + cr;
  if (acc) {
    c00 = v128.add<F>(v128.load(p0), c00); c01 = v128.add<F>(v128.load(p0, 16), c01);
    c10 = v128.add<F>(v128.load(p1), c10); c11 = v128.add<F>(v128.load(p1, 16), c11);
    c20 = v128.add<F>(v128.load(p2), c20); c21 = v128.add<F>(v128.load(p2, 16), c21);
    c30 = v128.add<F>(v128.load(p3), c30); c31 = v128.add<F>(v128.load(p3, 16), c31);
  }
  v128.store(p0, c00); v128.store(p0, c01, 16);
  v128.store(p1, c10); v128.store(p1, c11, 16);
  v128.store(p2, c20); v128.store(p2, c21, 16);
  v128.store(p3, c30); v128.store(p3, c31, 16);
}

// MR rows x 2 vectors, MR ∈ {2, 3} a compile-time constant after inlining: the row remainder
// of the packed path (M mod 4 = 1 runs its last 5 rows as 3 + 2, so no 1-row tile streams B).
// @ts-ignore: decorator
@inline function tile_rx2v<F>(MR: i32, pc: usize, pa: usize, pb: usize, K: i32, ar: usize, ak: usize,
                              bk: usize, cr: usize, acc: i32): void {
  let c00 = v128.splat<F>(0), c01 = v128.splat<F>(0);
  let c10 = v128.splat<F>(0), c11 = v128.splat<F>(0);
  let c20 = v128.splat<F>(0), c21 = v128.splat<F>(0);
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    const x0 = vsplat<F>(pa);
    c00 = vmadd<F>(c00, x0, b0); c01 = vmadd<F>(c01, x0, b1);
    const x1 = vsplat<F>(pa + ar);
    c10 = vmadd<F>(c10, x1, b0); c11 = vmadd<F>(c11, x1, b1);
    if (MR == 3) {
      const x2 = vsplat<F>(pa + 2 * ar);
      c20 = vmadd<F>(c20, x2, b0); c21 = vmadd<F>(c21, x2, b1);
    }
    pa += ak; pb += bk;
  }
  const p0 = pc, p1 = p0 + cr, p2 = p1 + cr;
  if (acc) {
    c00 = v128.add<F>(v128.load(p0), c00); c01 = v128.add<F>(v128.load(p0, 16), c01);
    c10 = v128.add<F>(v128.load(p1), c10); c11 = v128.add<F>(v128.load(p1, 16), c11);
    if (MR == 3) { c20 = v128.add<F>(v128.load(p2), c20); c21 = v128.add<F>(v128.load(p2, 16), c21); }
  }
  v128.store(p0, c00); v128.store(p0, c01, 16);
  v128.store(p1, c10); v128.store(p1, c11, 16);
  if (MR == 3) { v128.store(p2, c20); v128.store(p2, c21, 16); }
}

// 4 rows x 1 vector.
// @ts-ignore: decorator
@inline function tile_4x1v<F>(pc: usize, pa: usize, pb: usize, K: i32, ar: usize, ak: usize, bk: usize,
                              cr: usize, acc: i32): void {
  let c0 = v128.splat<F>(0), c1 = v128.splat<F>(0), c2 = v128.splat<F>(0), c3 = v128.splat<F>(0);
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(pb);
    c0 = vmadd<F>(c0, vsplat<F>(pa), b0);
    c1 = vmadd<F>(c1, vsplat<F>(pa + ar), b0);
    c2 = vmadd<F>(c2, vsplat<F>(pa + 2 * ar), b0);
    c3 = vmadd<F>(c3, vsplat<F>(pa + 3 * ar), b0);
    pa += ak; pb += bk;
  }
  const p0 = pc, p1 = p0 + cr, p2 = p1 + cr, p3 = p2 + cr;
  if (acc) {
    c0 = v128.add<F>(v128.load(p0), c0); c1 = v128.add<F>(v128.load(p1), c1);
    c2 = v128.add<F>(v128.load(p2), c2); c3 = v128.add<F>(v128.load(p3), c3);
  }
  v128.store(p0, c0); v128.store(p1, c1); v128.store(p2, c2); v128.store(p3, c3);
}

// 4 rows x 1 scalar column.
// @ts-ignore: decorator
@inline function tile_4x1s<F>(pc: usize, pa: usize, pb: usize, K: i32, ar: usize, ak: usize, bk: usize,
                              cr: usize, acc: i32): void {
  let s0 = <F>0, s1 = <F>0, s2 = <F>0, s3 = <F>0;
  for (let k = 0; k < K; k++) {
    const y = load<F>(pb);
    s0 += load<F>(pa) * y;
    s1 += load<F>(pa + ar) * y;
    s2 += load<F>(pa + 2 * ar) * y;
    s3 += load<F>(pa + 3 * ar) * y;
    pa += ak; pb += bk;
  }
  const p0 = pc, p1 = p0 + cr, p2 = p1 + cr, p3 = p2 + cr;
  if (acc) { s0 = load<F>(p0) + s0; s1 = load<F>(p1) + s1; s2 = load<F>(p2) + s2; s3 = load<F>(p3) + s3; }
  store<F>(p0, s0); store<F>(p1, s1); store<F>(p2, s2); store<F>(p3, s3);
}

// 1 row x 2 vectors.
// @ts-ignore: decorator
@inline function tile_1x2v<F>(pc: usize, pa: usize, pb: usize, K: i32, ak: usize, bk: usize, acc: i32): void {
  let c0 = v128.splat<F>(0), c1 = v128.splat<F>(0);
  for (let k = 0; k < K; k++) {
    const x = vsplat<F>(pa);
    c0 = vmadd<F>(c0, x, v128.load(pb));
    c1 = vmadd<F>(c1, x, v128.load(pb, 16));
    pa += ak; pb += bk;
  }
  if (acc) { c0 = v128.add<F>(v128.load(pc), c0); c1 = v128.add<F>(v128.load(pc, 16), c1); }
  v128.store(pc, c0); v128.store(pc, c1, 16);
}

// 1 row x 1 vector.
// @ts-ignore: decorator
@inline function tile_1x1v<F>(pc: usize, pa: usize, pb: usize, K: i32, ak: usize, bk: usize, acc: i32): void {
  let c0 = v128.splat<F>(0);
  for (let k = 0; k < K; k++) {
    c0 = vmadd<F>(c0, vsplat<F>(pa), v128.load(pb));
    pa += ak; pb += bk;
  }
  if (acc) c0 = v128.add<F>(v128.load(pc), c0);
  v128.store(pc, c0);
}

// 1 row x 1 scalar column.
// @ts-ignore: decorator
@inline function tile_1x1s<F>(pc: usize, pa: usize, pb: usize, K: i32, ak: usize, bk: usize, acc: i32): void {
  let s = <F>0;
  for (let k = 0; k < K; k++) { s += load<F>(pa) * load<F>(pb); pa += ak; pb += bk; }
  if (acc) s = load<F>(pc) + s;
  store<F>(pc, s);
}

/**
 * Packing scratch of the SIMD nn/tn GEMMs, in bytes (per thread): B is copied in slivers of
 * K rows x 2 vectors (32 bytes a row), up to 8 slivers at a time, and for tn the 4-row blocks of
 * A into K x 4 contiguous F (all of them once when they fit, else one block at a time).
 * Packing only moves data: every C element is still one sequential
 * sum over k, so results do not depend on whether (or how much) was packed.
 */
export const GEMM_SCRATCH_BYTES: i32 = 1024 * 1024;
const PACK_SLIVERS_MAX = 8; // 64 f32 / 32 f64 columns of B per packed block

/**
 * Copies B[0..K, 0..ns·2 vectors) (rows bk bytes apart) into ns slivers at dst, sliver s at
 * dst + s·K·32 holding K rows of 32 bytes; each row of B is read as one contiguous run.
 */
// @ts-ignore: decorator
@inline function pack_slivers(dst: usize, src: usize, K: i32, ns: i32, bk: usize): void {
  const SL = <usize>K << 5;
  for (let k = 0; k < K; k++) {
    let q = dst;
    for (let s = 0; s < ns; s++) {
      const p = src + (<usize>s << 5);
      v128.store(q, v128.load(p)); v128.store(q, v128.load(p, 16), 16);
      q += SL;
    }
    src += bk; dst += 32;
  }
}

/** The last `rows` (1, 2, 3 or 5 = 3 + 2) rows of a sliver sweep: C rows at pc, A rows at ai. */
// @ts-ignore: decorator
@inline function tail_rows_2v<F>(rows: i32, pc: usize, ai: usize, pb: usize, K: i32, ar: usize, ak: usize,
                                 cr: usize, acc: i32): void {
  if (rows == 5) {
    tile_rx2v<F>(3, pc, ai, pb, K, ar, ak, 32, cr, acc);
    tile_rx2v<F>(2, pc + 3 * cr, ai + 3 * ar, pb, K, ar, ak, 32, cr, acc);
  }
  else if (rows == 3) tile_rx2v<F>(3, pc, ai, pb, K, ar, ak, 32, cr, acc);
  else if (rows == 2) tile_rx2v<F>(2, pc, ai, pb, K, ar, ak, 32, cr, acc);
  else if (rows == 1) tile_1x2v<F>(pc, ai, pb, K, ak, 32, acc);
}

/** Packs A(i..i+3, k) of tn (4 contiguous F at src + k·ak) into dst + k·4·sizeof<F>, k < K. */
// @ts-ignore: decorator
@inline function pack_a4<F>(dst: usize, src: usize, K: i32, ak: usize): void {
  for (let k = 0; k < K; k++) {
    v128.store(dst, v128.load(src));
    if (sizeof<F>() == 8) v128.store(dst, v128.load(src, 16), 16);
    src += ak; dst += 4 * sizeof<F>();
  }
}

// Unpacked body: C rows [0,M) x columns [0,N). A(i,k) at a + i·ar + k·ak (bytes).
function gemm_xn_direct__wasmsimd<F>(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32,
                                     ar: usize, ak: usize, bk: usize, cr: usize, acc: i32): void {
  const L = lanes<F>();
  const S = alignof<F>();
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const ai = a + <usize>i * ar, ci = c + <usize>i * cr;
    let j = 0;
    for (; j + 2 * L <= N; j += 2 * L) tile_4x2v<F>(ci + (<usize>j << S), ai, b + (<usize>j << S), K, ar, ak, bk, cr, acc);
    if (j + L <= N) { tile_4x1v<F>(ci + (<usize>j << S), ai, b + (<usize>j << S), K, ar, ak, bk, cr, acc); j += L; }
    for (; j < N; j++) tile_4x1s<F>(ci + (<usize>j << S), ai, b + (<usize>j << S), K, ar, ak, bk, cr, acc);
  }
  for (; i < M; i++) {
    const ai = a + <usize>i * ar, ci = c + <usize>i * cr;
    let j = 0;
    for (; j + 2 * L <= N; j += 2 * L) tile_1x2v<F>(ci + (<usize>j << S), ai, b + (<usize>j << S), K, ak, bk, acc);
    if (j + L <= N) { tile_1x1v<F>(ci + (<usize>j << S), ai, b + (<usize>j << S), K, ak, bk, acc); j += L; }
    for (; j < N; j++) tile_1x1s<F>(ci + (<usize>j << S), ai, b + (<usize>j << S), K, ak, bk, acc);
  }
}

// c is (M,N) written or accumulated; a, b read; scratch (GEMM_SCRATCH_BYTES, 16-byte aligned)
// is clobbered, or 0 for no packing. Column blocks of up to 8 slivers of B are packed once and
// swept by every 4-row block (for tn the A block is packed too: its rows are lda apart), so B
// and A stream from L1/L2 without the cache-set conflicts of power-of-two strides; the columns
// after the last whole sliver (N mod 2·lanes) and small M run unpacked.
function gemm_xn__wasmsimd<F>(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32,
                              ars: i32, aks: i32, ldb: i32, ldc: i32, acc: i32, scratch: usize): void {
  const L = lanes<F>();
  const S = alignof<F>();
  const ak = <usize>aks << S;
  const ar = <usize>ars << S;
  const bk = <usize>ldb << S;
  const cr = <usize>ldc << S;
  const SL = <usize>K << 5;                      // bytes of one packed sliver
  const packA = aks != 1;                        // tn: A(i..i+3, k) is one 4-element run per k
  const PA = packA ? <usize>K << (S + 2) : 0;    // bytes of the packed 4-row A block
  const rem = M & 3;
  const M4 = rem == 1 ? M - 5 : M - rem;         // rows in 4-row blocks (when M ≥ 8)
  // tn: all 4-row A blocks packed once up front when they fit beside a sliver, else one at a time
  const allA = packA && <usize>(M4 >> 2) * PA + SL <= <usize>GEMM_SCRATCH_BYTES;
  const PAT = allA ? <usize>(M4 >> 2) * PA : PA;  // bytes of packed A in the scratch
  let NB = 0;
  if (scratch != 0 && M >= 8 && K > 0 && PAT + SL <= <usize>GEMM_SCRATCH_BYTES) {
    NB = min<i32>(PACK_SLIVERS_MAX, <i32>((<usize>GEMM_SCRATCH_BYTES - PAT) / SL));
  }
  const Nv = N - N % (2 * L);                    // columns covered by whole slivers
  if (NB < 1 || Nv == 0) {
    gemm_xn_direct__wasmsimd<F>(c, a, b, M, N, K, ar, ak, bk, cr, acc);
    return;
  }
  const pA = scratch, pB = scratch + PAT;
  if (allA) for (let i = 0; i < M4; i += 4) pack_a4<F>(pA + <usize>(i >> 2) * PA, a + <usize>i * ar, K, ak);
  for (let j0 = 0; j0 < Nv; j0 += NB * 2 * L) {
    const ns = min<i32>(NB, (Nv - j0) / (2 * L));
    pack_slivers(pB, b + (<usize>j0 << S), K, ns, bk);
    const cj = c + (<usize>j0 << S);
    let i = 0;
    for (; i < M4; i += 4) {
      let pa = a + <usize>i * ar, par = ar, pak = ak;
      if (packA) {
        if (allA) pa = pA + <usize>(i >> 2) * PA;
        else { pack_a4<F>(pA, pa, K, ak); pa = pA; }
        par = sizeof<F>(); pak = 4 * sizeof<F>();
      }
      const ci = cj + <usize>i * cr;
      for (let s = 0; s < ns; s++) {
        tile_4x2v<F>(ci + (<usize>(s * 2 * L) << S), pa, pB + <usize>s * SL, K, par, pak, 32, cr, acc);
      }
    }
    if (rem != 0) {
      // the last 5 (as 3 + 2), 2 or 3 rows, A unpacked
      const ai = a + <usize>i * ar, ci = cj + <usize>i * cr;
      for (let s = 0; s < ns; s++) tail_rows_2v<F>(M - i, ci + (<usize>(s * 2 * L) << S), ai, pB + <usize>s * SL, K, ar, ak, cr, acc);
    }
  }
  if (Nv < N) {
    gemm_xn_direct__wasmsimd<F>(c + (<usize>Nv << S), a, b + (<usize>Nv << S), M, N - Nv, K, ar, ak, bk, cr, acc);
  }
}

// ---- A·B with B packed once and reused (the weights of a sampling step, 16+ calls a caption):
// bp holds B's whole slivers (columns [0, N - N mod 2·lanes)) in the packed layout above, from
// pack_b; the remaining columns are read from b. Any M. Bit-identical to gemm_nn.

/** Bytes pack_b writes for a (K,N) B of F: K · (N - N mod 2·lanes) · sizeof<F>. */
// @ts-ignore: decorator
@inline export function packed_b_bytes<F>(K: i32, N: i32): usize {
  const L2 = 2 * lanes<F>();
  return <usize>K * <usize>(N - N % L2) * sizeof<F>();
}

// bp (packed_b_bytes) written from b (K,N) row stride ldb, read.
export function pack_b__scalar<F>(bp: usize, b: usize, K: i32, N: i32, ldb: i32): void {
  const L2 = 2 * lanes<F>();
  const S = alignof<F>();
  const ns = N / L2, SL = <usize>K * <usize>L2 << S;
  for (let s = 0; s < ns; s++) {
    for (let k = 0; k < K; k++) {
      for (let l = 0; l < L2; l++) {
        store<F>(bp + <usize>s * SL + (<usize>(k * L2 + l) << S), load<F>(b + (<usize>(k * ldb + s * L2 + l) << S)));
      }
    }
  }
}
export function pack_b__wasmsimd<F>(bp: usize, b: usize, K: i32, N: i32, ldb: i32): void {
  const L2 = 2 * lanes<F>();
  const ns = N / L2, bk = <usize>ldb << alignof<F>();
  for (let s0 = 0; s0 < ns; s0 += PACK_SLIVERS_MAX) {
    const n = min<i32>(PACK_SLIVERS_MAX, ns - s0);
    pack_slivers(bp + <usize>s0 * (<usize>K << 5), b + (<usize>(s0 * L2) << alignof<F>()), K, n, bk);
  }
}

// c (M,N) written or accumulated = a (M,K) · b (K,N), B's slivers read from bp (pack_b of b).
export function gemm_nn_packed__scalar<F>(c: usize, a: usize, bp: usize, b: usize, M: i32, N: i32, K: i32,
                                          lda: i32, ldb: i32, ldc: i32, acc: i32): void {
  gemm_xn__scalar<F>(c, a, b, M, N, K, lda, 1, ldb, ldc, acc);
}
export function gemm_nn_packed__wasmsimd<F>(c: usize, a: usize, bp: usize, b: usize, M: i32, N: i32, K: i32,
                                            lda: i32, ldb: i32, ldc: i32, acc: i32): void {
  const L = lanes<F>();
  const S = alignof<F>();
  const ar = <usize>lda << S, ak = sizeof<F>(), bk = <usize>ldb << S, cr = <usize>ldc << S;
  const Nv = N - N % (2 * L);
  if (K == 0) { // C = 0 or unchanged
    gemm_xn_direct__wasmsimd<F>(c, a, b, M, N, K, ar, ak, bk, cr, acc);
    return;
  }
  sweep_packed<F>(c, a, bp, M, Nv / (2 * L), K, ar, cr, acc);
  if (Nv < N) gemm_xn_direct__wasmsimd<F>(c + (<usize>Nv << S), a, b + (<usize>Nv << S), M, N - Nv, K, ar, ak, bk, cr, acc);
}

// C columns [0, ns·2·lanes) from ns packed slivers at bp, sliver by sliver, every row block
// sweeping it while it is in L1. A (M,K) rows ar bytes apart, C rows cr bytes apart.
// @ts-ignore: decorator
@inline function sweep_packed<F>(c: usize, a: usize, bp: usize, M: i32, ns: i32, K: i32, ar: usize, cr: usize, acc: i32): void {
  const L = lanes<F>();
  const S = alignof<F>();
  const ak = sizeof<F>();
  const SL = <usize>K << 5;
  const rem = M & 3;
  const M4 = rem == 1 && M >= 5 ? M - 5 : M - rem;
  for (let s = 0; s < ns; s++) {
    const cs = c + (<usize>(s * 2 * L) << S), ps = bp + <usize>s * SL;
    let i = 0;
    for (; i < M4; i += 4) tile_4x2v<F>(cs + <usize>i * cr, a + <usize>i * ar, ps, K, ar, ak, 32, cr, acc);
    if (i < M) tail_rows_2v<F>(M - i, cs + <usize>i * cr, a + <usize>i * ar, ps, K, ar, ak, cr, acc);
  }
}

// ---- A·Bᵀ with B packed once (the recurrent weights in a training step's backward, one call
// per time step): pack_bt writes b stored (N,K) as the slivers of its transpose (K,N), the
// layout of pack_b, so gemm_nt_packed runs the nn tiles on them. Columns in whole slivers get
// the nn schedule (k sequential, SIMD == scalar bitwise); the N mod 2·lanes tail columns are
// dot products with the nt schedule. The schedule of a column never depends on M.

// bp (packed_b_bytes(K, N)) written from b (N,K) row stride ldb, read.
export function pack_bt__scalar<F>(bp: usize, b: usize, K: i32, N: i32, ldb: i32): void {
  const L2 = 2 * lanes<F>();
  const S = alignof<F>();
  const ns = N / L2, SL = <usize>K * <usize>L2 << S;
  for (let s = 0; s < ns; s++) {
    for (let k = 0; k < K; k++) {
      for (let l = 0; l < L2; l++) {
        store<F>(bp + <usize>s * SL + (<usize>(k * L2 + l) << S), load<F>(b + (<usize>((s * L2 + l) * ldb + k) << S)));
      }
    }
  }
}
// 4x4 (f32) / 2x2 (f64) register transposes of the sliver's rows of b, then the K tail.
export function pack_bt__wasmsimd<F>(bp: usize, b: usize, K: i32, N: i32, ldb: i32): void {
  const L = lanes<F>(), L2 = 2 * L;
  const S = alignof<F>();
  const ns = N / L2, SL = <usize>K << 5, br = <usize>ldb << S;
  const Kv = K - K % L;
  for (let s = 0; s < ns; s++) {
    const src = b + <usize>(s * L2) * br, dst = bp + <usize>s * SL;
    for (let k = 0; k < Kv; k += L) {
      const o = <usize>k << S, q = dst + (<usize>k << 5);
      if (sizeof<F>() == 4) {
        for (let h = 0; h < 2; h++) { // B rows 4h..4h+3 -> lanes 4h..4h+3 of output rows k..k+3
          const p = src + <usize>(4 * h) * br + o;
          const r0 = v128.load(p), r1 = v128.load(p + br), r2 = v128.load(p + 2 * br), r3 = v128.load(p + 3 * br);
          const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
          const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
          const qh = q + (<usize>h << 4);
          v128.store(qh, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
          v128.store(qh + 32, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
          v128.store(qh + 64, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
          v128.store(qh + 96, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
        }
      } else {
        for (let h = 0; h < 2; h++) { // B rows 2h, 2h+1 -> lanes 2h, 2h+1 of output rows k, k+1
          const p = src + <usize>(2 * h) * br + o;
          const r0 = v128.load(p), r1 = v128.load(p + br);
          const qh = q + (<usize>h << 4);
          v128.store(qh, v128.shuffle<f64>(r0, r1, 0, 2));
          v128.store(qh + 32, v128.shuffle<f64>(r0, r1, 1, 3));
        }
      }
    }
    for (let k = Kv; k < K; k++) {
      for (let l = 0; l < L2; l++) {
        store<F>(dst + (<usize>k << 5) + (<usize>l << S), load<F>(src + <usize>l * br + (<usize>k << S)));
      }
    }
  }
}

// c (M,N) written or accumulated = a (M,K) · bᵀ, b stored (N,K); its slivers read from bp
// (pack_bt of b), the tail columns from b.
export function gemm_nt_packed__scalar<F>(c: usize, a: usize, bp: usize, b: usize, M: i32, N: i32, K: i32,
                                          lda: i32, ldb: i32, ldc: i32, acc: i32): void {
  gemm_nt__scalar<F>(c, a, b, M, N, K, lda, ldb, ldc, acc);
}
export function gemm_nt_packed__wasmsimd<F>(c: usize, a: usize, bp: usize, b: usize, M: i32, N: i32, K: i32,
                                            lda: i32, ldb: i32, ldc: i32, acc: i32): void {
  const L = lanes<F>();
  const S = alignof<F>();
  const Nv = K == 0 ? 0 : N - N % (2 * L);
  sweep_packed<F>(c, a, bp, M, Nv / (2 * L), K, <usize>lda << S, <usize>ldc << S, acc);
  if (Nv < N) gemm_nt__wasmsimd<F>(c + (<usize>Nv << S), a, b + (<usize>Nv * <usize>ldb << S), M, N - Nv, K, lda, ldb, ldc, acc);
}

// c (M,N) written (acc = 0) or accumulated (acc ≠ 0) = a (M,K) · b (K,N); a, b read.
export function gemm_nn__scalar<F>(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32,
                                   lda: i32, ldb: i32, ldc: i32, acc: i32): void {
  gemm_xn__scalar<F>(c, a, b, M, N, K, lda, 1, ldb, ldc, acc);
}
export function gemm_nn__wasmsimd<F>(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32,
                                     lda: i32, ldb: i32, ldc: i32, acc: i32, scratch: usize = 0): void {
  gemm_xn__wasmsimd<F>(c, a, b, M, N, K, lda, 1, ldb, ldc, acc, scratch);
}

// c (M,N) written or accumulated = aᵀ · b; a stored (K,M), b (K,N); a, b read.
export function gemm_tn__scalar<F>(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32,
                                   lda: i32, ldb: i32, ldc: i32, acc: i32): void {
  gemm_xn__scalar<F>(c, a, b, M, N, K, 1, lda, ldb, ldc, acc);
}
export function gemm_tn__wasmsimd<F>(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32,
                                     lda: i32, ldb: i32, ldc: i32, acc: i32, scratch: usize = 0): void {
  gemm_xn__wasmsimd<F>(c, a, b, M, N, K, 1, lda, ldb, ldc, acc, scratch);
}

// ---------------------------------------------------------------------------------------------
// nt: dot products along k.

// c (M,N) written or accumulated = a (M,K) · bᵀ; b stored (N,K); a, b read.
export function gemm_nt__scalar<F>(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32,
                                   lda: i32, ldb: i32, ldc: i32, acc: i32): void {
  const S = alignof<F>();
  const br = <usize>ldb << S;
  for (let i = 0; i < M; i++) {
    const ai = a + (<usize>i * <usize>lda << S);
    const ci = c + (<usize>i * <usize>ldc << S);
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      const b0 = b + (<usize>j * <usize>ldb << S), b1 = b0 + br, b2 = b1 + br, b3 = b2 + br;
      let s0 = <F>0, s1 = <F>0, s2 = <F>0, s3 = <F>0;
      for (let k = 0; k < K; k++) {
        const o = <usize>k << S;
        const x = load<F>(ai + o);
        s0 += x * load<F>(b0 + o);
        s1 += x * load<F>(b1 + o);
        s2 += x * load<F>(b2 + o);
        s3 += x * load<F>(b3 + o);
      }
      const pc = ci + (<usize>j << S);
      if (acc) {
        s0 = load<F>(pc) + s0;
        s1 = load<F>(pc + sizeof<F>()) + s1;
        s2 = load<F>(pc + 2 * sizeof<F>()) + s2;
        s3 = load<F>(pc + 3 * sizeof<F>()) + s3;
      }
      store<F>(pc, s0);
      store<F>(pc + sizeof<F>(), s1);
      store<F>(pc + 2 * sizeof<F>(), s2);
      store<F>(pc + 3 * sizeof<F>(), s3);
    }
    for (; j < N; j++) {
      const bj = b + (<usize>j * <usize>ldb << S);
      let s = <F>0;
      for (let k = 0; k < K; k++) {
        const o = <usize>k << S;
        s += load<F>(ai + o) * load<F>(bj + o);
      }
      const pc = ci + (<usize>j << S);
      if (acc) s = load<F>(pc) + s;
      store<F>(pc, s);
    }
  }
}

// One dot product with the nt schedule (vector part by lanes, fixed hsum, sequential tail);
// the 4x2 tile below computes each of its elements exactly this way.
// @ts-ignore: decorator
@inline function dot_nt__wasmsimd<F>(x: usize, y: usize, K: i32): F {
  const L = lanes<F>();
  const S = alignof<F>();
  let v = v128.splat<F>(0);
  let k = 0;
  for (; k + L <= K; k += L) {
    const o = <usize>k << S;
    v = vmadd<F>(v, v128.load(x + o), v128.load(y + o));
  }
  let s = hsum<F>(v);
  for (; k < K; k++) {
    const o = <usize>k << S;
    s += load<F>(x + o) * load<F>(y + o);
  }
  return s;
}

// @ts-ignore: decorator
@inline function store_acc<F>(p: usize, s: F, acc: i32): void {
  store<F>(p, acc ? load<F>(p) + s : s);
}

// B rows (columns of C) are taken in blocks of about NT_BLOCK_BYTES, and every 4-row block of
// A sweeps one B block before the next, so B streams from L2 once instead of once per row block
// of A. Blocking only reorders whole C elements: results equal the unblocked sweep bitwise.
const NT_BLOCK_BYTES: usize = 128 * 1024;
export function gemm_nt__wasmsimd<F>(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32,
                                     lda: i32, ldb: i32, ldc: i32, acc: i32): void {
  const S = alignof<F>();
  const jb = K > 0 ? max<i32>(2, <i32>(NT_BLOCK_BYTES / (<usize>K << S)) & ~1) : N;
  for (let j0 = 0; j0 < N; j0 += jb) {
    gemm_nt_block__wasmsimd<F>(c + (<usize>j0 << S), a, b + (<usize>j0 * <usize>ldb << S), M, min<i32>(jb, N - j0), K,
                               lda, ldb, ldc, acc);
  }
}
function gemm_nt_block__wasmsimd<F>(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32,
                                    lda: i32, ldb: i32, ldc: i32, acc: i32): void {
  const L = lanes<F>();
  const S = alignof<F>();
  const ar = <usize>lda << S;
  const br = <usize>ldb << S;
  const cr = <usize>ldc << S;
  const Kv = K - K % L; // vector part of K
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const a0 = a + (<usize>i * <usize>lda << S), a1 = a0 + ar, a2 = a1 + ar, a3 = a2 + ar;
    const c0 = c + (<usize>i * <usize>ldc << S), c1 = c0 + cr, c2 = c1 + cr, c3 = c2 + cr;
    let j = 0;
    for (; j + 2 <= N; j += 2) {
      const b0 = b + (<usize>j * <usize>ldb << S), b1 = b0 + br;
      let v00 = v128.splat<F>(0), v01 = v128.splat<F>(0);
      let v10 = v128.splat<F>(0), v11 = v128.splat<F>(0);
      let v20 = v128.splat<F>(0), v21 = v128.splat<F>(0);
      let v30 = v128.splat<F>(0), v31 = v128.splat<F>(0);
      for (let k = 0; k < Kv; k += L) {
        const o = <usize>k << S;
        const y0 = v128.load(b0 + o), y1 = v128.load(b1 + o);
        const x0 = v128.load(a0 + o);
        v00 = vmadd<F>(v00, x0, y0); v01 = vmadd<F>(v01, x0, y1);
        const x1 = v128.load(a1 + o);
        v10 = vmadd<F>(v10, x1, y0); v11 = vmadd<F>(v11, x1, y1);
        const x2 = v128.load(a2 + o);
        v20 = vmadd<F>(v20, x2, y0); v21 = vmadd<F>(v21, x2, y1);
        const x3 = v128.load(a3 + o);
        v30 = vmadd<F>(v30, x3, y0); v31 = vmadd<F>(v31, x3, y1);
      }
      let s00 = hsum<F>(v00), s01 = hsum<F>(v01), s10 = hsum<F>(v10), s11 = hsum<F>(v11);
      let s20 = hsum<F>(v20), s21 = hsum<F>(v21), s30 = hsum<F>(v30), s31 = hsum<F>(v31);
      for (let k = Kv; k < K; k++) {
        const o = <usize>k << S;
        const y0 = load<F>(b0 + o), y1 = load<F>(b1 + o);
        const x0 = load<F>(a0 + o), x1 = load<F>(a1 + o), x2 = load<F>(a2 + o), x3 = load<F>(a3 + o);
        s00 += x0 * y0; s01 += x0 * y1;
        s10 += x1 * y0; s11 += x1 * y1;
        s20 += x2 * y0; s21 += x2 * y1;
        s30 += x3 * y0; s31 += x3 * y1;
      }
      const o = <usize>j << S;
      store_acc<F>(c0 + o, s00, acc); store_acc<F>(c0 + o + sizeof<F>(), s01, acc);
      store_acc<F>(c1 + o, s10, acc); store_acc<F>(c1 + o + sizeof<F>(), s11, acc);
      store_acc<F>(c2 + o, s20, acc); store_acc<F>(c2 + o + sizeof<F>(), s21, acc);
      store_acc<F>(c3 + o, s30, acc); store_acc<F>(c3 + o + sizeof<F>(), s31, acc);
    }
    if (j < N) {
      const bj = b + (<usize>j * <usize>ldb << S);
      const o = <usize>j << S;
      store_acc<F>(c0 + o, dot_nt__wasmsimd<F>(a0, bj, K), acc);
      store_acc<F>(c1 + o, dot_nt__wasmsimd<F>(a1, bj, K), acc);
      store_acc<F>(c2 + o, dot_nt__wasmsimd<F>(a2, bj, K), acc);
      store_acc<F>(c3 + o, dot_nt__wasmsimd<F>(a3, bj, K), acc);
    }
  }
  // the last M mod 4 rows: 2 (or 1) rows against 4 B rows at a time, so the remainder still
  // keeps 8 (or 4) independent accumulators instead of one latency-bound dot product
  for (; i < M; i += 2) {
    const MR = M - i >= 2 ? 2 : 1;
    const a0 = a + (<usize>i * <usize>lda << S), a1 = a0 + ar;
    const c0 = c + (<usize>i * <usize>ldc << S), c1 = c0 + cr;
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      if (MR == 2) tile_nt_rx4<F>(2, c0 + (<usize>j << S), a0, b + (<usize>j * <usize>ldb << S), K, Kv, ar, br, cr, acc);
      else tile_nt_rx4<F>(1, c0 + (<usize>j << S), a0, b + (<usize>j * <usize>ldb << S), K, Kv, ar, br, cr, acc);
    }
    for (; j < N; j++) {
      const bj = b + (<usize>j * <usize>ldb << S);
      store_acc<F>(c0 + (<usize>j << S), dot_nt__wasmsimd<F>(a0, bj, K), acc);
      if (MR == 2) store_acc<F>(c1 + (<usize>j << S), dot_nt__wasmsimd<F>(a1, bj, K), acc);
    }
  }
}

// MR (1 or 2, a constant after inlining) rows of A against 4 rows of B, each element with the
// nt schedule of dot_nt__wasmsimd (lanes over [0, Kv), fixed hsum, sequential tail).
// @ts-ignore: decorator
@inline function tile_nt_rx4<F>(MR: i32, pc: usize, a0: usize, b0: usize, K: i32, Kv: i32,
                                ar: usize, br: usize, cr: usize, acc: i32): void {
  const L = lanes<F>();
  const S = alignof<F>();
  const a1 = a0 + ar, b1 = b0 + br, b2 = b1 + br, b3 = b2 + br;
  let v00 = v128.splat<F>(0), v01 = v128.splat<F>(0), v02 = v128.splat<F>(0), v03 = v128.splat<F>(0);
  let v10 = v128.splat<F>(0), v11 = v128.splat<F>(0), v12 = v128.splat<F>(0), v13 = v128.splat<F>(0);
  for (let k = 0; k < Kv; k += L) {
    const o = <usize>k << S;
    const y0 = v128.load(b0 + o), y1 = v128.load(b1 + o), y2 = v128.load(b2 + o), y3 = v128.load(b3 + o);
    const x0 = v128.load(a0 + o);
    v00 = vmadd<F>(v00, x0, y0); v01 = vmadd<F>(v01, x0, y1); v02 = vmadd<F>(v02, x0, y2); v03 = vmadd<F>(v03, x0, y3);
    if (MR == 2) {
      const x1 = v128.load(a1 + o);
      v10 = vmadd<F>(v10, x1, y0); v11 = vmadd<F>(v11, x1, y1); v12 = vmadd<F>(v12, x1, y2); v13 = vmadd<F>(v13, x1, y3);
    }
  }
  let s00 = hsum<F>(v00), s01 = hsum<F>(v01), s02 = hsum<F>(v02), s03 = hsum<F>(v03);
  let s10 = hsum<F>(v10), s11 = hsum<F>(v11), s12 = hsum<F>(v12), s13 = hsum<F>(v13);
  for (let k = Kv; k < K; k++) {
    const o = <usize>k << S;
    const y0 = load<F>(b0 + o), y1 = load<F>(b1 + o), y2 = load<F>(b2 + o), y3 = load<F>(b3 + o);
    const x0 = load<F>(a0 + o);
    s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
    if (MR == 2) {
      const x1 = load<F>(a1 + o);
      s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
    }
  }
  const E = sizeof<F>();
  store_acc<F>(pc, s00, acc); store_acc<F>(pc + E, s01, acc); store_acc<F>(pc + 2 * E, s02, acc); store_acc<F>(pc + 3 * E, s03, acc);
  if (MR == 2) {
    const p1 = pc + cr;
    store_acc<F>(p1, s10, acc); store_acc<F>(p1 + E, s11, acc); store_acc<F>(p1 + 2 * E, s12, acc); store_acc<F>(p1 + 3 * E, s13, acc);
  }
}

// ---------------------------------------------------------------------------------------------
// The GEMMs as the other kernels call them: the SIMD or the scalar body, picked at compile time
// (ASC_FEATURE_SIMD, never a runtime branch). `scratch` is the optional packing region
// (scratch_bytes() bytes, 16-byte aligned, one per thread); 0 selects the unpacked path, with
// bit-identical results. The scalar bodies ignore it.

// @ts-ignore: decorator
@inline export function gemm_nn<F>(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, lda: i32, ldb: i32, ldc: i32, acc: i32, scratch: usize = 0): void {
  if (ASC_FEATURE_SIMD) gemm_nn__wasmsimd<F>(c, a, b, M, N, K, lda, ldb, ldc, acc, scratch); else gemm_nn__scalar<F>(c, a, b, M, N, K, lda, ldb, ldc, acc);
}
// @ts-ignore: decorator
@inline export function gemm_tn<F>(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, lda: i32, ldb: i32, ldc: i32, acc: i32, scratch: usize = 0): void {
  if (ASC_FEATURE_SIMD) gemm_tn__wasmsimd<F>(c, a, b, M, N, K, lda, ldb, ldc, acc, scratch); else gemm_tn__scalar<F>(c, a, b, M, N, K, lda, ldb, ldc, acc);
}
// @ts-ignore: decorator
@inline export function gemm_nt<F>(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, lda: i32, ldb: i32, ldc: i32, acc: i32): void {
  if (ASC_FEATURE_SIMD) gemm_nt__wasmsimd<F>(c, a, b, M, N, K, lda, ldb, ldc, acc); else gemm_nt__scalar<F>(c, a, b, M, N, K, lda, ldb, ldc, acc);
}
// @ts-ignore: decorator
@inline export function pack_b<F>(bp: usize, b: usize, K: i32, N: i32, ldb: i32): void {
  if (ASC_FEATURE_SIMD) pack_b__wasmsimd<F>(bp, b, K, N, ldb); else pack_b__scalar<F>(bp, b, K, N, ldb);
}
// @ts-ignore: decorator
@inline export function pack_bt<F>(bp: usize, b: usize, K: i32, N: i32, ldb: i32): void {
  if (ASC_FEATURE_SIMD) pack_bt__wasmsimd<F>(bp, b, K, N, ldb); else pack_bt__scalar<F>(bp, b, K, N, ldb);
}
// @ts-ignore: decorator
@inline export function gemm_nn_packed<F>(c: usize, a: usize, bp: usize, b: usize, M: i32, N: i32, K: i32, lda: i32, ldb: i32, ldc: i32, acc: i32): void {
  if (ASC_FEATURE_SIMD) gemm_nn_packed__wasmsimd<F>(c, a, bp, b, M, N, K, lda, ldb, ldc, acc); else gemm_nn_packed__scalar<F>(c, a, bp, b, M, N, K, lda, ldb, ldc, acc);
}
// @ts-ignore: decorator
@inline export function gemm_nt_packed<F>(c: usize, a: usize, bp: usize, b: usize, M: i32, N: i32, K: i32, lda: i32, ldb: i32, ldc: i32, acc: i32): void {
  if (ASC_FEATURE_SIMD) gemm_nt_packed__wasmsimd<F>(c, a, bp, b, M, N, K, lda, ldb, ldc, acc); else gemm_nt_packed__scalar<F>(c, a, bp, b, M, N, K, lda, ldb, ldc, acc);
}

// ---------------------------------------------------------------------------------------------
// Exports, one line each (README.md has the contracts).

/** Bytes of packing scratch each thread passes as the trailing `scratch` argument. */
export function scratch_bytes(): i32 { return GEMM_SCRATCH_BYTES; }
export function f32_gemm_nn(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, lda: i32, ldb: i32, ldc: i32, acc: i32, scratch: usize): void { gemm_nn<f32>(c, a, b, M, N, K, lda, ldb, ldc, acc, scratch); }
export function f64_gemm_nn(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, lda: i32, ldb: i32, ldc: i32, acc: i32, scratch: usize): void { gemm_nn<f64>(c, a, b, M, N, K, lda, ldb, ldc, acc, scratch); }
export function f32_gemm_tn(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, lda: i32, ldb: i32, ldc: i32, acc: i32, scratch: usize): void { gemm_tn<f32>(c, a, b, M, N, K, lda, ldb, ldc, acc, scratch); }
export function f64_gemm_tn(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, lda: i32, ldb: i32, ldc: i32, acc: i32, scratch: usize): void { gemm_tn<f64>(c, a, b, M, N, K, lda, ldb, ldc, acc, scratch); }
export function f32_gemm_nt(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, lda: i32, ldb: i32, ldc: i32, acc: i32): void { gemm_nt<f32>(c, a, b, M, N, K, lda, ldb, ldc, acc); }
export function f64_gemm_nt(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, lda: i32, ldb: i32, ldc: i32, acc: i32): void { gemm_nt<f64>(c, a, b, M, N, K, lda, ldb, ldc, acc); }
export function f32_packed_b_bytes(K: i32, N: i32): usize { return packed_b_bytes<f32>(K, N); }
export function f64_packed_b_bytes(K: i32, N: i32): usize { return packed_b_bytes<f64>(K, N); }
export function f32_pack_b(bp: usize, b: usize, K: i32, N: i32, ldb: i32): void { pack_b<f32>(bp, b, K, N, ldb); }
export function f64_pack_b(bp: usize, b: usize, K: i32, N: i32, ldb: i32): void { pack_b<f64>(bp, b, K, N, ldb); }
export function f32_pack_bt(bp: usize, b: usize, K: i32, N: i32, ldb: i32): void { pack_bt<f32>(bp, b, K, N, ldb); }
export function f64_pack_bt(bp: usize, b: usize, K: i32, N: i32, ldb: i32): void { pack_bt<f64>(bp, b, K, N, ldb); }
export function f32_gemm_nn_packed(c: usize, a: usize, bp: usize, b: usize, M: i32, N: i32, K: i32, lda: i32, ldb: i32, ldc: i32, acc: i32): void { gemm_nn_packed<f32>(c, a, bp, b, M, N, K, lda, ldb, ldc, acc); }
export function f64_gemm_nn_packed(c: usize, a: usize, bp: usize, b: usize, M: i32, N: i32, K: i32, lda: i32, ldb: i32, ldc: i32, acc: i32): void { gemm_nn_packed<f64>(c, a, bp, b, M, N, K, lda, ldb, ldc, acc); }
export function f32_gemm_nt_packed(c: usize, a: usize, bp: usize, b: usize, M: i32, N: i32, K: i32, lda: i32, ldb: i32, ldc: i32, acc: i32): void { gemm_nt_packed<f32>(c, a, bp, b, M, N, K, lda, ldb, ldc, acc); }
export function f64_gemm_nt_packed(c: usize, a: usize, bp: usize, b: usize, M: i32, N: i32, K: i32, lda: i32, ldb: i32, ldc: i32, acc: i32): void { gemm_nt_packed<f64>(c, a, bp, b, M, N, K, lda, ldb, ldc, acc); }
