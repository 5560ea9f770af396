// Beam search helpers: block_ngrams, beam_select (hand-worked cases: ties, a finished beam
// carried over or pushed out, the length penalty, fewer candidates than k).
import { alloc, free, get, set } from "./helpers";
import { block_ngrams, beam_select } from "../beam";

function ints(vals: i32[]): usize {
  const p = alloc<i32>(vals.length);
  for (let i = 0; i < vals.length; i++) set<i32>(p, i, vals[i]);
  return p;
}
function f64s(vals: f64[]): usize {
  const p = alloc<f64>(vals.length);
  for (let i = 0; i < vals.length; i++) set<f64>(p, i, vals[i]);
  return p;
}
function f32s(vals: f64[]): usize {
  const p = alloc<f32>(vals.length);
  for (let i = 0; i < vals.length; i++) set<f32>(p, i, <f32>vals[i]);
  return p;
}
/** Indices of the −∞ entries of x (V). */
function blockedOf(x: usize, V: i32): i32[] {
  const out: i32[] = [];
  for (let v = 0; v < V; v++) if (get<f32>(x, v) == -Infinity) out.push(v);
  return out;
}

describe("block_ngrams", () => {
  it("blocks the last word of every earlier n-gram that starts with the row's last n−1 words", () => {
    const V = 8;
    const seq = ints([5, 6, 5, 6, 0, 0]); // row 0; t = 4: last words ... 5, 6
    for (let n = 1; n <= 4; n++) {
      const x = f32s([0, 0, 0, 0, 0, 0, 0, 0]);
      block_ngrams<f32>(x, seq, 1, V, 6, 1, 4, n);
      const b = blockedOf(x, V);
      // the same words step-major (column stride 3, the row in lane 1 of 3 rows per step): the same blocks
      const cols = alloc<i32>(18);
      for (let i = 0; i < 6; i++) { set<i32>(cols, 3 * i, 99); set<i32>(cols, 3 * i + 1, get<i32>(seq, i)); set<i32>(cols, 3 * i + 2, 98); }
      const x2 = f32s([0, 0, 0, 0, 0, 0, 0, 0]);
      block_ngrams<f32>(x2, cols + 4, 1, V, 1, 3, 4, n);
      expect(blockedOf(x2, V)).toStrictEqual(b);
      free(x2); free(cols);
      if (n == 1) expect(b).toStrictEqual([5, 6]); // every word so far
      if (n == 2) expect(b).toStrictEqual([5]); // (6, 5) at 1
      if (n == 3) expect(b).toStrictEqual([5]); // (5, 6, 5) at 0
      if (n == 4) expect(b.length).toBe(0); // no earlier 4-gram starts with the last words 6, 5, 6
      free(x);
    }
    free(seq);
  });
});

// One image of k rows, V = 3, t = 2, <END> = 2, <NULL> = 0: the outputs score, len, done, seq, from, words.
// Row r's sequence so far is 7, 8 (row 1: 7, <END>).
function run(lpVals: f64[], logpVals: f64[], k: i32, live0: i32[], score: f64[], done: i32[], len: i32[]): usize[] {
  const R = k, V = 3, ls = 4, t = 2;
  const so = alloc<f64>(R), lo = alloc<i32>(R), dout = alloc<i32>(R), sqo = alloc<i32>(R * ls), from = alloc<i32>(R), words = alloc<i32>(R);
  const cand = alloc<f64>(4 * R);
  const si = f64s(score), li = ints(len), di = ints(done), live = ints(live0), lp = f64s(lpVals);
  const sqi = alloc<i32>(R * ls);
  for (let r = 0; r < R; r++) { set<i32>(sqi, r * ls, 7); set<i32>(sqi, r * ls + 1, r == 1 ? 2 : 8); set<i32>(sqi, r * ls + 2, 0); set<i32>(sqi, r * ls + 3, 0); }
  const logp = f32s(logpVals);
  beam_select<f32>(so, lo, dout, sqo, from, words, cand, si, li, di, sqi, live, logp, lp, 1, k, V, ls, t, 2, 0, 0);
  return [so, lo, dout, sqo, from, words];
}

describe("beam_select", () => {
  it("a full list keeps the first-seen of equal keys, and a finished beam must beat the last entry", () => {
    // candidates: (row 0, word 0) −1.5, (row 0, word 1) −3, (row 0, word 2) −1.5, (row 1 carried) −2.2
    const o = run([1, 1, 1, 1, 1], [-0.5, -2, -0.5], 2, [0, -1], [-1, -2.2], [0, 1], [2, 2]);
    expect(get<f64>(o[0], 0)).toBe(-1.5);
    expect(get<f64>(o[0], 1)).toBe(-1.5);
    expect(get<i32>(o[5], 0)).toBe(0); // word 0 first (lower id)
    expect(get<i32>(o[5], 1)).toBe(2); // word 2 = <END>: done
    expect(get<i32>(o[2], 0)).toBe(0);
    expect(get<i32>(o[2], 1)).toBe(1);
    expect(get<i32>(o[4], 0)).toBe(0); // parent: running row 0
    expect(get<i32>(o[4], 1)).toBe(0);
    expect(get<i32>(o[1], 0)).toBe(3); // len t+1
    expect(get<i32>(o[3], 0)).toBe(7); expect(get<i32>(o[3], 1)).toBe(8); expect(get<i32>(o[3], 2)).toBe(0); // parent's words, then word 0
    expect(get<i32>(o[3], 6)).toBe(2); // row 1: 7, 8, <END>
  });

  it("a finished beam that beats the extensions carries over unchanged; the length penalty can rank it first", () => {
    // logp −2 everywhere: extensions −3, the finished beam −2.2 ranks first
    let o = run([1, 1, 1, 1, 1], [-2, -2, -2], 2, [0, -1], [-1, -2.2], [0, 1], [2, 2]);
    expect(get<f64>(o[0], 0)).toBe(-2.2);
    expect(get<i32>(o[2], 0)).toBe(1); // done
    expect(get<i32>(o[4], 0)).toBe(-1); // carried: no parent
    expect(get<i32>(o[1], 0)).toBe(2); // its length
    expect(get<i32>(o[3], 0)).toBe(7); expect(get<i32>(o[3], 1)).toBe(2); expect(get<i32>(o[3], 2)).toBe(0); // <NULL> at t
    expect(get<i32>(o[5], 0)).toBe(0); // <NULL> as the next word
    expect(get<f64>(o[0], 1)).toBe(-3);
    // extensions −1.5 beat −2.2 raw (first case); with lp[2] = 2 the finished beam's key −1.1 beats
    // their −1.5 (lp[3] = 1), and its score stays −2.2
    o = run([1, 1, 2, 1, 1], [-0.5, -2, -0.5], 2, [0, -1], [-1, -2.2], [0, 1], [2, 2]);
    expect(get<f64>(o[0], 0)).toBe(-2.2);
    expect(get<f64>(o[0], 1)).toBe(-1.5);
  });

  it("fewer candidates than k leave rows with no beam", () => {
    // k = 4 rows, only row 0 exists (V = 3 candidates)
    const o = run([1, 1, 1, 1, 1], [-1, -2, -3], 4, [0, -1, -1, -1], [0, -Infinity, -Infinity, -Infinity], [0, 0, 0, 0], [0, 0, 0, 0]);
    expect(get<f64>(o[0], 2)).toBe(-3);
    expect(get<f64>(o[0], 3)).toBe(-Infinity);
    expect(get<i32>(o[2], 3)).toBe(1);
    expect(get<i32>(o[4], 3)).toBe(-1);
    for (let q = 0; q < 4; q++) expect(get<i32>(o[3], 3 * 4 + q)).toBe(0);
  });
});
