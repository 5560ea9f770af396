// GEMM kernels: SIMD vs scalar twin vs a naive triple loop, both dtypes, every tail.
//
// Bounds. nn and tn: the SIMD body, the scalar twin and the naive loop below all form
// s = Σ_k a_k·b_k sequentially from zero with separate mul/add, then C = s or C = C_old + s,
// so they must agree BITWISE. nt: the SIMD body sums k in lanes (different order); two
// orderings of the same sum each lie within γ_K·Σ|a_k·b_k| of the exact value (γ_K ≈ K·eps/2),
// so we assert |simd − scalar| <= (K+2)·eps·(Σ_k |a_k·b_k| + |C_old|), the +2 and |C_old| covering
// the final C_old + s rounding. The scalar nt twin is bitwise equal to the naive loop.
import { SIZES, srand, rand, alloc, free, copy, bitDiff, get, epsOf, rndInt } from "./helpers";
import { gemm_nn__scalar, gemm_nn__wasmsimd, gemm_tn__scalar, gemm_tn__wasmsimd,
         gemm_nt__scalar, gemm_nt__wasmsimd, GEMM_SCRATCH_BYTES, packed_b_bytes, pack_b__scalar, pack_b__wasmsimd,
         pack_bt__scalar, pack_bt__wasmsimd, gemm_nt_packed__scalar, gemm_nt_packed__wasmsimd,
         gemm_nn_packed__scalar, gemm_nn_packed__wasmsimd } from "../gemm";

const NN = 0, TN = 1, NT = 2;
const NAIVE = 0, SCALAR = 1, SIMD = 2, PACKED = 3; // PACKED: the SIMD body with packing scratch

// The packing scratch, refilled with garbage before every packed call: results must not depend
// on what it held.
const SCR = heap.alloc(GEMM_SCRATCH_BYTES);
function poisonScratch(): void {
  for (let o: usize = 0; o < <usize>GEMM_SCRATCH_BYTES; o += 8) store<u64>(SCR + o, 0x7ff8dead00000000 | <u64>(o * 2654435761));
}

// A(i,k), B(k,j) element offsets for each form
// @ts-ignore: decorator
@inline function aIdx(form: i32, i: i32, k: i32, lda: i32): i32 { return form == TN ? k * lda + i : i * lda + k; }
// @ts-ignore: decorator
@inline function bIdx(form: i32, k: i32, j: i32, ldb: i32): i32 { return form == NT ? j * ldb + k : k * ldb + j; }

function naive<F>(form: i32, c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, lda: i32, ldb: i32, ldc: i32, acc: i32): void {
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s = <F>0;
    for (let k = 0; k < K; k++) s += get<F>(a, aIdx(form, i, k, lda)) * get<F>(b, bIdx(form, k, j, ldb));
    const p = c + (<usize>(i * ldc + j) << alignof<F>());
    store<F>(p, acc ? load<F>(p) + s : s);
  }
}

function run<F>(form: i32, variant: i32, c: usize, a: usize, b: usize, M: i32, N: i32, K: i32,
                lda: i32, ldb: i32, ldc: i32, acc: i32): void {
  if (variant == NAIVE) { naive<F>(form, c, a, b, M, N, K, lda, ldb, ldc, acc); return; }
  let scr: usize = 0;
  if (variant == PACKED) { poisonScratch(); scr = SCR; }
  if (form == NN) {
    if (variant == SCALAR) gemm_nn__scalar<F>(c, a, b, M, N, K, lda, ldb, ldc, acc);
    else gemm_nn__wasmsimd<F>(c, a, b, M, N, K, lda, ldb, ldc, acc, scr);
  } else if (form == TN) {
    if (variant == SCALAR) gemm_tn__scalar<F>(c, a, b, M, N, K, lda, ldb, ldc, acc);
    else gemm_tn__wasmsimd<F>(c, a, b, M, N, K, lda, ldb, ldc, acc, scr);
  } else {
    if (variant == SCALAR) gemm_nt__scalar<F>(c, a, b, M, N, K, lda, ldb, ldc, acc);
    else gemm_nt__wasmsimd<F>(c, a, b, M, N, K, lda, ldb, ldc, acc);
  }
}

let cases = 0;
let failures = 0;

/** One case: all three variants from the same C_old; returns the number of failed checks. */
function check<F>(form: i32, M: i32, N: i32, K: i32, pad: i32, acc: i32): void {
  // leading dimensions with padding (pad = 0 gives the packed strides)
  const lda = (form == TN ? M : K) + pad;
  const ldb = (form == NT ? K : N) + (pad > 0 ? pad + 1 : 0);
  const ldc = N + (pad > 0 ? pad + 2 : 0);
  const aRows = form == TN ? K : M, bRows = form == NT ? N : K;
  const a = rand<F>(aRows * lda), b = rand<F>(bRows * ldb), c0 = rand<F>(M * ldc);
  const cn = alloc<F>(M * ldc), cs = alloc<F>(M * ldc), cv = alloc<F>(M * ldc), cp = alloc<F>(M * ldc);
  copy<F>(cn, c0, M * ldc); copy<F>(cs, c0, M * ldc); copy<F>(cv, c0, M * ldc); copy<F>(cp, c0, M * ldc);
  run<F>(form, NAIVE, cn, a, b, M, N, K, lda, ldb, ldc, acc);
  run<F>(form, SCALAR, cs, a, b, M, N, K, lda, ldb, ldc, acc);
  run<F>(form, SIMD, cv, a, b, M, N, K, lda, ldb, ldc, acc);
  run<F>(form, PACKED, cp, a, b, M, N, K, lda, ldb, ldc, acc);
  cases++;
  // scalar twin == naive bitwise for every form (includes the untouched padding)
  if (bitDiff<F>(cn, cs, M * ldc) != 0) failures++;
  // packing only moves data: packed == unpacked SIMD bitwise, for every form and shape
  if (bitDiff<F>(cv, cp, M * ldc) != 0) failures++;
  if (form != NT) {
    if (bitDiff<F>(cn, cv, M * ldc) != 0) failures++;
  } else {
    const eps = epsOf<F>();
    for (let i = 0; i < M; i++) for (let j = 0; j < ldc; j++) {
      const e = i * ldc + j;
      let bound = 0.0;
      if (j < N) {
        let sabs = 0.0;
        for (let k = 0; k < K; k++) sabs += abs(<f64>get<F>(a, aIdx(form, i, k, lda)) * <f64>get<F>(b, bIdx(form, k, j, ldb)));
        bound = <f64>(K + 2) * eps * (sabs + (acc ? abs(<f64>get<F>(c0, e)) : 0.0));
      }
      if (abs(<f64>get<F>(cv, e) - <f64>get<F>(cs, e)) > bound) failures++;
    }
  }
  free(a); free(b); free(c0); free(cn); free(cs); free(cv); free(cp);
}

function sweep<F>(form: i32): void {
  for (let acc = 0; acc < 2; acc++) {
    for (let s = 0; s < SIZES.length; s++) {
      const n = SIZES[s];
      const pad = s % 3; // packed and padded leading dimensions
      check<F>(form, n, 5, 7, pad, acc);   // M sweep
      check<F>(form, 5, n, 3, pad, acc);   // N sweep
      check<F>(form, 3, 5, n, pad, acc);   // K sweep
      check<F>(form, n, n, 9, pad, acc);   // square in M,N
    }
    // mixed cases
    check<F>(form, 33, 65, 17, 1, acc);
    check<F>(form, 127, 31, 9, 0, acc);
    check<F>(form, 65, 127, 33, 2, acc);
    check<F>(form, 13, 17, 127, 1, acc);
    check<F>(form, 11, 9, 65, 0, acc);
    check<F>(form, 0, 5, 3, 0, acc);     // empty
    check<F>(form, 4, 8, 0, 0, acc);     // K = 0: C = 0 or C unchanged
  }
}

/** Shapes that take the packed path (M >= 8, N >= 2 vectors): every row remainder (M mod 4),
 *  one and several column blocks (N up to 200 > 64 f32 columns a block), the unpacked column
 *  tail after the last sliver, K past the scratch size (packing falls back), and for tn both
 *  ways of packing A (all 4-row blocks up front, or one at a time when they do not fit). */
function sweepPacked<F>(form: i32): void {
  const Ms: StaticArray<i32> = [8, 9, 10, 11, 12, 13, 14, 15, 17, 30, 33];
  const Ns: StaticArray<i32> = [8, 9, 16, 24, 63, 64, 65, 130, 200];
  const Ks: StaticArray<i32> = [1, 7, 33];
  for (let acc = 0; acc < 2; acc++) {
    for (let m = 0; m < Ms.length; m++) for (let n = 0; n < Ns.length; n++) {
      check<F>(form, Ms[m], Ns[n], Ks[(m + n) % 3], (m + n) % 3, acc);
    }
    check<F>(form, 8, 8, GEMM_SCRATCH_BYTES / 32 + 3, 0, acc); // K too long for one sliver: unpacked
    check<F>(form, 33, 8, 7000, 1, acc); // tn: the A blocks do not all fit, packed one at a time
    check<F>(form, 9, 11, 20000, 2, acc); // nt: B rows in L2 blocks of 2, an odd last block
  }
}

/** A·B with B packed once (pack_b): SIMD and scalar == naive bitwise, both pack layouts equal. */
function checkPrepacked<F>(M: i32, N: i32, K: i32, pad: i32, acc: i32): void {
  const lda = K + pad, ldb = N + pad, ldc = N + 2 * pad;
  const a = rand<F>(M * lda), b = rand<F>(max(K, 1) * ldb), c0 = rand<F>(M * ldc);
  const nb = <i32>(packed_b_bytes<F>(K, N) >> alignof<F>());
  const ps = alloc<F>(nb), pv = alloc<F>(nb);
  pack_b__scalar<F>(ps, b, K, N, ldb);
  pack_b__wasmsimd<F>(pv, b, K, N, ldb);
  if (bitDiff<F>(ps, pv, nb) != 0) failures++;
  const cn = alloc<F>(M * ldc), cs = alloc<F>(M * ldc), cv = alloc<F>(M * ldc);
  copy<F>(cn, c0, M * ldc); copy<F>(cs, c0, M * ldc); copy<F>(cv, c0, M * ldc);
  naive<F>(NN, cn, a, b, M, N, K, lda, ldb, ldc, acc);
  gemm_nn_packed__scalar<F>(cs, a, ps, b, M, N, K, lda, ldb, ldc, acc);
  gemm_nn_packed__wasmsimd<F>(cv, a, pv, b, M, N, K, lda, ldb, ldc, acc);
  cases++;
  if (bitDiff<F>(cn, cs, M * ldc) != 0) failures++;
  if (bitDiff<F>(cn, cv, M * ldc) != 0) failures++;
  free(a); free(b); free(c0); free(ps); free(pv); free(cn); free(cs); free(cv);
}

/**
 * pack_bt + gemm_nt_packed: the packed Bᵀ equals pack_b of the transposed B (both twins); the
 * scalar twin equals the naive nt bitwise; the SIMD twin equals naive on the whole-sliver
 * columns and the unpacked SIMD nt on the tail columns, bitwise.
 */
function checkPrepackedT<F>(M: i32, N: i32, K: i32, pad: i32, acc: i32): void {
  const S = alignof<F>();
  const lda = K + pad, ldb = K + pad, ldc = N + 2 * pad;
  const a = rand<F>(M * lda), b = rand<F>(N * ldb), c0 = rand<F>(M * ldc);
  const bt = alloc<F>(max(K, 1) * N); // b transposed, (K,N)
  for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) store<F>(bt + (<usize>(k * N + j) << S), get<F>(b, j * ldb + k));
  const nb = <i32>(packed_b_bytes<F>(K, N) >> S);
  const pn = alloc<F>(nb), ps = alloc<F>(nb), pv = alloc<F>(nb);
  pack_b__scalar<F>(pn, bt, K, N, N);
  pack_bt__scalar<F>(ps, b, K, N, ldb);
  pack_bt__wasmsimd<F>(pv, b, K, N, ldb);
  if (bitDiff<F>(pn, ps, nb) != 0) failures++;
  if (bitDiff<F>(pn, pv, nb) != 0) failures++;
  const L2 = 2 * <i32>(16 / sizeof<F>());
  const Nv = K == 0 ? 0 : N - N % L2;
  const ce = alloc<F>(M * ldc), cs = alloc<F>(M * ldc), cv = alloc<F>(M * ldc), cn = alloc<F>(M * ldc);
  copy<F>(ce, c0, M * ldc); copy<F>(cs, c0, M * ldc); copy<F>(cv, c0, M * ldc); copy<F>(cn, c0, M * ldc);
  naive<F>(NT, cn, a, b, M, N, K, lda, ldb, ldc, acc);
  naive<F>(NT, ce, a, b, M, Nv, K, lda, ldb, ldc, acc);
  gemm_nt__wasmsimd<F>(ce + (<usize>Nv << S), a, b + (<usize>(Nv * ldb) << S), M, N - Nv, K, lda, ldb, ldc, acc);
  gemm_nt_packed__scalar<F>(cs, a, ps, b, M, N, K, lda, ldb, ldc, acc);
  gemm_nt_packed__wasmsimd<F>(cv, a, pv, b, M, N, K, lda, ldb, ldc, acc);
  cases++;
  if (bitDiff<F>(cn, cs, M * ldc) != 0) failures++;
  if (bitDiff<F>(ce, cv, M * ldc) != 0) failures++;
  free(a); free(b); free(c0); free(bt); free(pn); free(ps); free(pv); free(ce); free(cs); free(cv); free(cn);
}

/** Row-partition invariance: rows [0,r) and [r,M) in two calls == one call, bitwise. */
function partition<F>(form: i32, M: i32, N: i32, K: i32): i32 {
  const lda = form == TN ? M : K, ldb = form == NT ? K : N, ldc = N;
  const a = rand<F>((form == TN ? K : M) * lda), b = rand<F>((form == NT ? N : K) * ldb);
  const c1 = alloc<F>(M * N), c2 = alloc<F>(M * N);
  let bad = 0;
  run<F>(form, PACKED, c1, a, b, M, N, K, lda, ldb, ldc, 0);
  for (let r = 1; r < M; r += 2) {
    const aoff = <usize>(form == TN ? r : r * lda) << alignof<F>();
    run<F>(form, r & 2 ? PACKED : SIMD, c2, a, b, r, N, K, lda, ldb, ldc, 0);
    run<F>(form, PACKED, c2 + (<usize>(r * ldc) << alignof<F>()), a + aoff, b, M - r, N, K, lda, ldb, ldc, 0);
    bad += bitDiff<F>(c1, c2, M * N);
  }
  free(a); free(b); free(c1); free(c2);
  return bad;
}

describe("gemm", () => {
  it("nn: SIMD == scalar == naive bitwise, f32 and f64, all tails, acc 0/1, padded ld", () => {
    srand(1); cases = 0; failures = 0;
    sweep<f32>(NN); sweep<f64>(NN);
    expect(failures).toBe(0);
    expect(cases).toBe(2 * 2 * (16 * 4 + 7));
  });
  it("tn: SIMD == scalar == naive bitwise", () => {
    srand(2); failures = 0;
    sweep<f32>(TN); sweep<f64>(TN);
    expect(failures).toBe(0);
  });
  it("nt: scalar == naive bitwise, SIMD within (K+2)·eps·(Σ|a·b| + |C_old|)", () => {
    srand(3); failures = 0;
    sweep<f32>(NT); sweep<f64>(NT);
    expect(failures).toBe(0);
  });
  it("packed path (scratch given): == unpacked SIMD bitwise, == naive for nn/tn, every remainder", () => {
    srand(6); cases = 0; failures = 0;
    for (let form = 0; form < 3; form++) { sweepPacked<f32>(form); sweepPacked<f64>(form); }
    expect(failures).toBe(0);
    expect(cases).toBe(3 * 2 * 2 * (11 * 9 + 3));
  });
  it("prepacked A·B (pack_b + gemm_nn_packed): == naive bitwise for any M, every column tail, K = 0", () => {
    srand(7); cases = 0; failures = 0;
    const Ms: StaticArray<i32> = [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 25, 33];
    const Ns: StaticArray<i32> = [1, 3, 4, 7, 8, 9, 16, 63, 64, 65, 130, 200];
    const Ks: StaticArray<i32> = [1, 5, 33, 0];
    for (let acc = 0; acc < 2; acc++) for (let m = 0; m < Ms.length; m++) for (let n = 0; n < Ns.length; n++) {
      const K = Ks[(m + 2 * n + acc) % 4];
      checkPrepacked<f32>(Ms[m], Ns[n], K, (m + n) % 3, acc);
      checkPrepacked<f64>(Ms[m], Ns[n], K, (m + n) % 3, acc);
    }
    expect(failures).toBe(0);
    expect(cases).toBe(2 * 2 * 12 * 12);
  });
  it("prepacked A·Bᵀ (pack_bt + gemm_nt_packed): pack_bt(B) == pack_b(Bᵀ); slivers == naive, tail == SIMD nt, bitwise", () => {
    srand(8); cases = 0; failures = 0;
    const Ms: StaticArray<i32> = [1, 2, 3, 4, 5, 7, 9, 13, 25];
    const Ns: StaticArray<i32> = [1, 3, 4, 8, 9, 16, 65, 130];
    const Ks: StaticArray<i32> = [1, 6, 33, 0, 64];
    for (let acc = 0; acc < 2; acc++) for (let m = 0; m < Ms.length; m++) for (let n = 0; n < Ns.length; n++) {
      const K = Ks[(m + 2 * n + acc) % 5];
      checkPrepackedT<f32>(Ms[m], Ns[n], K, (m + n) % 3, acc);
      checkPrepackedT<f64>(Ms[m], Ns[n], K, (m + n) % 3, acc);
    }
    expect(failures).toBe(0);
    expect(cases).toBe(2 * 2 * 9 * 8);
  });
  it("row-partitioned calls are bit-identical to one call (thread contract)", () => {
    srand(4);
    for (let form = 0; form < 3; form++) {
      expect(partition<f32>(form, 13, 11, 37)).toBe(0);
      expect(partition<f64>(form, 13, 11, 37)).toBe(0);
      expect(partition<f32>(form, 9, 33, 5)).toBe(0);
      expect(partition<f64>(form, 9, 33, 5)).toBe(0);
      expect(partition<f32>(form, 29, 70, 19)).toBe(0);
      expect(partition<f64>(form, 29, 70, 19)).toBe(0);
    }
  });
  it("the comparison catches a one-ulp change (negative control)", () => {
    const p = rand<f64>(8), q = alloc<f64>(8);
    copy<f64>(q, p, 8);
    expect(bitDiff<f64>(p, q, 8)).toBe(0);
    store<u64>(q + 24, load<u64>(q + 24) ^ 1);
    expect(bitDiff<f64>(p, q, 8)).toBe(1);
    free(p); free(q);
  });
  it("random shapes", () => {
    srand(5); failures = 0;
    for (let r = 0; r < 40; r++) {
      const M = 1 + rndInt(40), N = 1 + rndInt(40), K = 1 + rndInt(40), pad = rndInt(3), acc = rndInt(2);
      for (let form = 0; form < 3; form++) { check<f32>(form, M, N, K, pad, acc); check<f64>(form, M, N, K, pad, acc); }
    }
    expect(failures).toBe(0);
  });
});
