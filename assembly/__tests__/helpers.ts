// Test helpers shared by the specs (not a spec itself): buffers from heap.alloc, a small
// deterministic LCG, element access, bitwise and tolerance comparisons.

/** Sizes that hit every SIMD tail: 1..9, primes, and 2^k ± 1. */
export const SIZES: StaticArray<i32> = [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 13, 17, 31, 33, 65, 127];

let seed: u32 = 12345;
/** Re-seeds the LCG. */
export function srand(s: u32): void { seed = s; }
/** Numerical Recipes LCG; returns a double in [-1, 1). */
export function rnd(): f64 {
  seed = seed * 1664525 + 1013904223;
  return <f64>(seed >>> 8) / <f64>(1 << 23) - 1.0;
}
/** Uniform integer in [0, n). */
export function rndInt(n: i32): i32 {
  seed = seed * 1664525 + 1013904223;
  return <i32>((<u64>(seed >>> 8) * <u64>n) >>> 24);
}

/** n elements of T (at least 16 bytes), 16-byte aligned by the allocator. */
export function alloc<F>(n: i32): usize { return heap.alloc(max<usize>(16, <usize>n << alignof<F>())); }
export function free(p: usize): void { heap.free(p); }

// @ts-ignore: decorator
@inline export function get<F>(p: usize, i: i32): F { return load<F>(p + (<usize>i << alignof<F>())); }
// @ts-ignore: decorator
@inline export function set<F>(p: usize, i: i32, v: F): void { store<F>(p + (<usize>i << alignof<F>()), v); }

/** Fills n elements with scale·U[-1,1), rounded to T. */
export function fill<F>(p: usize, n: i32, scale: f64 = 1.0): void {
  for (let i = 0; i < n; i++) set<F>(p, i, <F>(scale * rnd()));
}
/** Allocates and fills. */
export function rand<F>(n: i32, scale: f64 = 1.0): usize { const p = alloc<F>(n); fill<F>(p, n, scale); return p; }
export function zeros<F>(n: i32): usize { const p = alloc<F>(n); memory.fill(p, 0, <usize>n << alignof<F>()); return p; }
export function copy<F>(dst: usize, src: usize, n: i32): void { memory.copy(dst, src, <usize>n << alignof<F>()); }
export function clone<F>(src: usize, n: i32): usize { const p = alloc<F>(n); copy<F>(p, src, n); return p; }

/** Number of elements whose bit patterns differ. */
export function bitDiff<F>(p: usize, q: usize, n: i32): i32 {
  let d = 0;
  for (let i = 0; i < n; i++) {
    if (sizeof<F>() == 4) { if (load<u32>(p + (<usize>i << 2)) != load<u32>(q + (<usize>i << 2))) d++; }
    else { if (load<u64>(p + (<usize>i << 3)) != load<u64>(q + (<usize>i << 3))) d++; }
  }
  return d;
}

/** max |p − q| over n elements, in f64. */
export function maxAbsDiff<F>(p: usize, q: usize, n: i32): f64 {
  let m = 0.0;
  for (let i = 0; i < n; i++) m = max(m, abs(<f64>get<F>(p, i) - <f64>get<F>(q, i)));
  return m;
}

/** max |p| over n elements. */
export function maxAbs<F>(p: usize, n: i32): f64 {
  let m = 0.0;
  for (let i = 0; i < n; i++) m = max(m, abs(<f64>get<F>(p, i)));
  return m;
}

/** CS231n rel_error: max_i |a−b| / max(1e-8, |a|+|b|). */
export function relError<F>(a: usize, b: usize, n: i32): f64 {
  let m = 0.0;
  for (let i = 0; i < n; i++) {
    const x = <f64>get<F>(a, i), y = <f64>get<F>(b, i);
    m = max(m, abs(x - y) / max(1e-8, abs(x) + abs(y)));
  }
  return m;
}

/** Machine epsilon of T. */
export function epsOf<F>(): f64 { return sizeof<F>() == 4 ? <f64>f32.EPSILON : f64.EPSILON; }

/** Σ_i p[i]·q[i] in f64 (loss = <output, upstream gradient>). */
export function dot<F>(p: usize, q: usize, n: i32): f64 {
  let s = 0.0;
  for (let i = 0; i < n; i++) s += <f64>get<F>(p, i) * <f64>get<F>(q, i);
  return s;
}

/** dst (R,W) contiguous = src[:, t, :] of src (R,T,W). */
export function gather<F>(dst: usize, src: usize, R: i32, T: i32, W: i32, t: i32): void {
  for (let r = 0; r < R; r++) copy<F>(dst + (<usize>(r * W) << alignof<F>()), src + (<usize>((r * T + t) * W) << alignof<F>()), W);
}
/** dst[:, t, :] of dst (R,T,W) = src (R,W). */
export function scatter<F>(dst: usize, src: usize, R: i32, T: i32, W: i32, t: i32): void {
  for (let r = 0; r < R; r++) copy<F>(dst + (<usize>((r * T + t) * W) << alignof<F>()), src + (<usize>(r * W) << alignof<F>()), W);
}

/**
 * Checks an nt-GEMM result v against the scalar twin's s elementwise:
 * |v − s| <= (K+2)·eps·(Σ_k |A[i,k]·B[j,k]| + |c0|) where c0 is the accumulated-into value
 * (pass c0 = 0 for a written result). A (M,K) row stride lda, B (N,K) row stride ldb, C (M,N)
 * row stride ldc. Returns the number of elements outside the bound.
 */
export function ntOutside<F>(v: usize, s: usize, c0: usize, a: usize, b: usize, M: i32, N: i32, K: i32,
                             lda: i32, ldb: i32, ldc: i32): i32 {
  const eps = epsOf<F>();
  let bad = 0;
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let sabs = 0.0;
    for (let k = 0; k < K; k++) sabs += abs(<f64>get<F>(a, i * lda + k) * <f64>get<F>(b, j * ldb + k));
    const e = i * ldc + j;
    const base = c0 ? abs(<f64>get<F>(c0, e)) : 0.0;
    if (abs(<f64>get<F>(v, e) - <f64>get<F>(s, e)) > <f64>(K + 2) * eps * (sabs + base)) bad++;
  }
  return bad;
}

/**
 * Gradient-check error: max_i |a−b| / max(|a_i|+|b_i|, 1e-2·max_j(|a_j|+|b_j|)).
 * CS231n's rel_error for every element above 1% of the tensor's scale; below that the error is
 * measured against 1% of the scale, because a centred difference with h = 1e-5 carries
 * ~1e-11 absolute round-off and would report 1e-7 "relative" error on a 1e-5 gradient that is
 * in fact correct to 12 digits.
 */
export function gradError<F>(a: usize, b: usize, n: i32): f64 {
  let scale = 0.0;
  for (let i = 0; i < n; i++) scale = max(scale, abs(<f64>get<F>(a, i)) + abs(<f64>get<F>(b, i)));
  let m = 0.0;
  for (let i = 0; i < n; i++) {
    const x = <f64>get<F>(a, i), y = <f64>get<F>(b, i);
    m = max(m, abs(x - y) / max(1e-2 * scale, max(1e-300, abs(x) + abs(y))));
  }
  return m;
}
