// Row movement (rows.ts): the add_row twins bitwise over every tail; zero_rows, copy_rows,
// gather_rows, gather_add_rows and scatter_add_rows against hand loops, bitwise (only copies
// and element-wise adds), with repeated ids.
import { SIZES, srand, rand, alloc, free, clone, bitDiff, get, set, rndInt } from "./helpers";
import { add_row__scalar, add_row__wasmsimd, zero_rows, copy_rows, gather_rows, gather_add_rows,
         scatter_add_rows } from "../rows";

function addRowTwins<F>(C: i32): i32 {
  const p = rand<F>(C), q = rand<F>(C), a = clone<F>(p, C), b = clone<F>(p, C), r = clone<F>(p, C);
  add_row__scalar<F>(a, q, C); add_row__wasmsimd<F>(b, q, C);
  for (let j = 0; j < C; j++) set<F>(r, j, get<F>(r, j) + get<F>(q, j));
  const bad = bitDiff<F>(a, r, C) + bitDiff<F>(b, r, C);
  free(p); free(q); free(a); free(b); free(r);
  return bad;
}

function moves<F>(R: i32, Rsrc: i32, C: i32): i32 {
  let bad = 0;
  const src = rand<F>(Rsrc * C), idx = alloc<i32>(R), out = rand<F>(R * C);
  for (let k = 0; k < R; k++) store<i32>(idx + (<usize>k << 2), rndInt(Rsrc));
  // gather_add_rows: out[k] += src[idx[k]]
  const ga = clone<F>(out, R * C), gr = clone<F>(out, R * C);
  gather_add_rows<F>(ga, idx, src, R, Rsrc, C);
  for (let k = 0; k < R; k++) {
    const id = load<i32>(idx + (<usize>k << 2));
    for (let j = 0; j < C; j++) set<F>(gr, k * C + j, get<F>(gr, k * C + j) + get<F>(src, id * C + j));
  }
  bad += bitDiff<F>(ga, gr, R * C);
  // gather_rows: out[k] = src[idx[k]]
  gather_rows<F>(ga, idx, src, R, Rsrc, C);
  for (let k = 0; k < R; k++) {
    const id = load<i32>(idx + (<usize>k << 2));
    bad += bitDiff<F>(ga + (<usize>(k * C) << alignof<F>()), src + (<usize>(id * C) << alignof<F>()), C);
  }
  // scatter_add_rows: src[idx[k]] += out[k], k in order (repeated ids accumulate)
  const sa = clone<F>(src, Rsrc * C), sr = clone<F>(src, Rsrc * C);
  scatter_add_rows<F>(sa, out, idx, R, Rsrc, C, C);
  for (let k = 0; k < R; k++) {
    const id = load<i32>(idx + (<usize>k << 2));
    for (let j = 0; j < C; j++) set<F>(sr, id * C + j, get<F>(sr, id * C + j) + get<F>(out, k * C + j));
  }
  bad += bitDiff<F>(sa, sr, Rsrc * C);
  // copy_rows, then zero_rows on all but the first row
  copy_rows<F>(ga, out, R, C);
  bad += bitDiff<F>(ga, out, R * C);
  zero_rows<F>(ga + (<usize>C << alignof<F>()), R - 1, C);
  bad += bitDiff<F>(ga, out, C);
  for (let i = C; i < R * C; i++) if (sizeof<F>() == 4 ? load<u32>(ga + (<usize>i << 2)) != 0 : load<u64>(ga + (<usize>i << 3)) != 0) bad++;
  free(src); free(idx); free(out); free(ga); free(gr); free(sa); free(sr);
  return bad;
}

describe("rows", () => {
  it("add_row: SIMD == scalar == hand loop bitwise, every tail", () => {
    srand(71);
    for (let s = 0; s < SIZES.length; s++) {
      expect(addRowTwins<f32>(SIZES[s])).toBe(0);
      expect(addRowTwins<f64>(SIZES[s])).toBe(0);
    }
  });
  it("zero, copy, gather, gather-add and scatter-add == hand loops, repeated ids, every tail", () => {
    srand(72);
    for (let s = 0; s < SIZES.length; s++) {
      const n = SIZES[s];
      expect(moves<f32>(7, 3, n)).toBe(0); expect(moves<f64>(7, 3, n)).toBe(0); // 7 rows from 3: repeats
      expect(moves<f32>(n, 5, 9)).toBe(0); expect(moves<f64>(n, 5, 9)).toBe(0);
    }
  });
});
