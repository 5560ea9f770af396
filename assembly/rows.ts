// Row movement: the gathers, scatters, copies and zero fills that the training step and greedy
// decoding plan around the GEMMs (src/model/), and that the word embedding is made of.
// Rows are C elements of F; R = rows moved; idx holds i32 row ids, validated by the caller to
// lie in [0, Rsrc) or [0, Rdst). The only arithmetic is `add_row` (element-wise adds: the SIMD
// twin gives the scalar bits).

import { lanes } from "./math";

// p (C) accumulated += q (C), element-wise; q read.
// @ts-ignore: decorator
@inline export function add_row__scalar<F>(p: usize, q: usize, C: i32): void {
  const S = alignof<F>();
  for (let j = 0; j < C; j++) {
    const o = <usize>j << S;
    store<F>(p + o, load<F>(p + o) + load<F>(q + o));
  }
}
// @ts-ignore: decorator
@inline export function add_row__wasmsimd<F>(p: usize, q: usize, C: i32): void {
  const L = lanes<F>();
  const S = alignof<F>();
  let j = 0;
  for (; j + L <= C; j += L) {
    const o = <usize>j << S;
    v128.store(p + o, v128.add<F>(v128.load(p + o), v128.load(q + o)));
  }
  for (; j < C; j++) {
    const o = <usize>j << S;
    store<F>(p + o, load<F>(p + o) + load<F>(q + o));
  }
}
// @ts-ignore: decorator
@inline export function add_row<F>(p: usize, q: usize, C: i32): void {
  if (ASC_FEATURE_SIMD) add_row__wasmsimd<F>(p, q, C); else add_row__scalar<F>(p, q, C);
}

// out (R,C) written = 0, rows contiguous (a running gradient that starts at zero).
// @ts-ignore: decorator
@inline export function zero_rows<F>(out: usize, R: i32, C: i32): void {
  memory.fill(out, 0, <usize>R * <usize>C << alignof<F>());
}

// dst (R,C) written = src (R,C), rows contiguous, distinct regions.
// @ts-ignore: decorator
@inline export function copy_rows<F>(dst: usize, src: usize, R: i32, C: i32): void {
  memory.copy(dst, src, <usize>R * <usize>C << alignof<F>());
}

// out (R,C) written: out[k] = src[idx[k]] for k = 0..R-1; idx (R) i32, src (Rsrc,C) read.
export function gather_rows<F>(out: usize, idx: usize, src: usize, R: i32, Rsrc: i32, C: i32): void {
  const row = <usize>C << alignof<F>();
  for (let k = 0; k < R; k++) {
    const id = load<i32>(idx + (<usize>k << 2));
    memory.copy(out + <usize>k * row, src + <usize>id * row, row);
  }
}

// out (R,C) accumulated: out[k] += src[idx[k]] for k = 0..R-1; idx (R) i32, src (Rsrc,C) read.
export function gather_add_rows<F>(out: usize, idx: usize, src: usize, R: i32, Rsrc: i32, C: i32): void {
  const row = <usize>C << alignof<F>();
  for (let k = 0; k < R; k++) {
    const id = load<i32>(idx + (<usize>k << 2));
    add_row<F>(out + <usize>k * row, src + <usize>id * row, C);
  }
}

// dst (Rdst,C) accumulated: dst[idx[k]] += src[k] for k = 0..R-1 in order (repeated ids
// accumulate); src (R,C), idx (R) i32 read. ld is the row stride of dst and src (≥ C), so a
// column range [c0, c0+C) of wider arrays is one call (thread partitions): each element's sum
// still runs over k in order.
export function scatter_add_rows<F>(dst: usize, src: usize, idx: usize, R: i32, Rdst: i32, C: i32, ld: i32): void {
  const row = <usize>ld << alignof<F>();
  for (let k = 0; k < R; k++) {
    const id = load<i32>(idx + (<usize>k << 2));
    add_row<F>(dst + <usize>id * row, src + <usize>k * row, C);
  }
}

// ---------------------------------------------------------------------------------------------
// Exports, one line each (README.md has the contracts).
export function f32_zero_rows(out: usize, R: i32, C: i32): void { zero_rows<f32>(out, R, C); }
export function f64_zero_rows(out: usize, R: i32, C: i32): void { zero_rows<f64>(out, R, C); }
export function f32_copy_rows(dst: usize, src: usize, R: i32, C: i32): void { copy_rows<f32>(dst, src, R, C); }
export function f64_copy_rows(dst: usize, src: usize, R: i32, C: i32): void { copy_rows<f64>(dst, src, R, C); }
export function f32_gather_rows(out: usize, idx: usize, src: usize, R: i32, Rsrc: i32, C: i32): void { gather_rows<f32>(out, idx, src, R, Rsrc, C); }
export function f64_gather_rows(out: usize, idx: usize, src: usize, R: i32, Rsrc: i32, C: i32): void { gather_rows<f64>(out, idx, src, R, Rsrc, C); }
export function f32_gather_add_rows(out: usize, idx: usize, src: usize, R: i32, Rsrc: i32, C: i32): void { gather_add_rows<f32>(out, idx, src, R, Rsrc, C); }
export function f64_gather_add_rows(out: usize, idx: usize, src: usize, R: i32, Rsrc: i32, C: i32): void { gather_add_rows<f64>(out, idx, src, R, Rsrc, C); }
export function f32_scatter_add_rows(dst: usize, src: usize, idx: usize, R: i32, Rdst: i32, C: i32): void { scatter_add_rows<f32>(dst, src, idx, R, Rdst, C, C); }
export function f64_scatter_add_rows(dst: usize, src: usize, idx: usize, R: i32, Rdst: i32, C: i32): void { scatter_add_rows<f64>(dst, src, idx, R, Rdst, C, C); }
