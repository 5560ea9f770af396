// Word embedding (a row gather and a row scatter-add, rows.ts): forward copies rows exactly;
// backward accumulates in token order with repeated ids (checked against a hand loop), also on
// a column range of wider arrays (the training step's column partitions), every tail of D.
import { SIZES, srand, rand, alloc, free, clone, bitDiff, get, set, rndInt } from "./helpers";
import { word_embedding_forward, word_embedding_backward } from "../embedding";

function check<F>(NT: i32, V: i32, D: i32): i32 {
  let bad = 0;
  const W = rand<F>(V * D), x = alloc<i32>(NT), out = alloc<F>(NT * D), dout = rand<F>(NT * D);
  for (let k = 0; k < NT; k++) store<i32>(x + (<usize>k << 2), rndInt(V));
  store<i32>(x, V - 1); // last row of W
  word_embedding_forward<F>(out, x, W, NT, V, D);
  for (let k = 0; k < NT; k++) {
    const id = load<i32>(x + (<usize>k << 2));
    bad += bitDiff<F>(out + (<usize>(k * D) << alignof<F>()), W + (<usize>(id * D) << alignof<F>()), D);
  }
  const dW0 = rand<F>(V * D);
  const dV = clone<F>(dW0, V * D), dR = clone<F>(dW0, V * D);
  word_embedding_backward<F>(dV, dout, x, NT, V, D, D);
  for (let k = 0; k < NT; k++) {
    const id = load<i32>(x + (<usize>k << 2));
    for (let j = 0; j < D; j++) set<F>(dR, id * D + j, get<F>(dR, id * D + j) + get<F>(dout, k * D + j));
  }
  bad += bitDiff<F>(dV, dR, V * D);
  // columns [1, D) of the same arrays as one call with ld = D: column 0 untouched, the rest as above
  const dC = clone<F>(dW0, V * D);
  if (D > 1) word_embedding_backward<F>(dC + sizeof<F>(), dout + sizeof<F>(), x, NT, V, D - 1, D);
  for (let v = 0; v < V; v++) {
    if (get<F>(dC, v * D) != get<F>(dW0, v * D)) bad++;
    if (D > 1) bad += bitDiff<F>(dC + (<usize>(v * D + 1) << alignof<F>()), dR + (<usize>(v * D + 1) << alignof<F>()), D - 1);
  }
  free(W); free(x); free(out); free(dout); free(dW0); free(dV); free(dR); free(dC);
  return bad;
}

describe("word embedding", () => {
  it("forward rows and backward accumulation (whole rows and a column range) == hand loop, every tail", () => {
    srand(41);
    for (let s = 0; s < SIZES.length; s++) {
      const n = SIZES[s];
      expect(check<f32>(7, 3, n)).toBe(0);   // 7 tokens over 3 ids: repeats guaranteed
      expect(check<f64>(7, 3, n)).toBe(0);
      expect(check<f32>(n, 5, 9)).toBe(0);
      expect(check<f64>(n, 5, 9)).toBe(0);
    }
  });
  it("repeated ids accumulate in token order (hand values)", () => {
    const dW = alloc<f64>(3 * 2), dout = alloc<f64>(4 * 2), x = alloc<i32>(4);
    memory.fill(dW, 0, 48);
    store<i32>(x, 2); store<i32>(x, 0, 4); store<i32>(x, 2, 8); store<i32>(x, 2, 12);
    for (let i = 0; i < 8; i++) set<f64>(dout, i, <f64>(i + 1));
    word_embedding_backward<f64>(dW, dout, x, 4, 3, 2, 2);
    // row 2 gets tokens 0, 2, 3: (1+5+7, 2+6+8); row 0 gets token 1: (3, 4); row 1 untouched
    expect(get<f64>(dW, 0)).toBe(3.0); expect(get<f64>(dW, 1)).toBe(4.0);
    expect(get<f64>(dW, 2)).toBe(0.0); expect(get<f64>(dW, 3)).toBe(0.0);
    expect(get<f64>(dW, 4)).toBe(13.0); expect(get<f64>(dW, 5)).toBe(16.0);
    free(dW); free(dout); free(x);
  });
});
