// Word embedding: forward copies rows exactly; backward accumulates in token order with repeated
// ids (checked against a hand loop); SIMD == scalar bitwise over every tail of D.
import { SIZES, srand, rand, alloc, free, clone, bitDiff, get, set, rndInt } from "./helpers";
import { word_embedding_forward, word_embedding_backward__scalar, word_embedding_backward__wasmsimd,
         word_embedding_add__scalar, word_embedding_add__wasmsimd } from "../embedding";

function check<T>(NT: i32, V: i32, D: i32): i32 {
  let bad = 0;
  const W = rand<T>(V * D), x = alloc<i32>(NT), out = alloc<T>(NT * D), dout = rand<T>(NT * D);
  for (let k = 0; k < NT; k++) store<i32>(x + (<usize>k << 2), rndInt(V));
  store<i32>(x, V - 1); // last row of W
  word_embedding_forward<T>(out, x, W, NT, V, D);
  for (let k = 0; k < NT; k++) {
    const id = load<i32>(x + (<usize>k << 2));
    bad += bitDiff<T>(out + (<usize>(k * D) << alignof<T>()), W + (<usize>(id * D) << alignof<T>()), D);
  }
  const dW0 = rand<T>(V * D);
  const dS = clone<T>(dW0, V * D), dV = clone<T>(dW0, V * D), dR = clone<T>(dW0, V * D);
  word_embedding_backward__scalar<T>(dS, dout, x, NT, V, D, D);
  word_embedding_backward__wasmsimd<T>(dV, dout, x, NT, V, D, D);
  for (let k = 0; k < NT; k++) {
    const id = load<i32>(x + (<usize>k << 2));
    for (let j = 0; j < D; j++) set<T>(dR, id * D + j, get<T>(dR, id * D + j) + get<T>(dout, k * D + j));
  }
  bad += bitDiff<T>(dS, dR, V * D) + bitDiff<T>(dV, dR, V * D);
  // add: out[k] += W[x[k]] (the folded-table rows of greedy decoding)
  const aS = clone<T>(dout, NT * D), aV = clone<T>(dout, NT * D), aR = clone<T>(dout, NT * D);
  word_embedding_add__scalar<T>(aS, x, W, NT, V, D);
  word_embedding_add__wasmsimd<T>(aV, x, W, NT, V, D);
  for (let k = 0; k < NT; k++) {
    const id = load<i32>(x + (<usize>k << 2));
    for (let j = 0; j < D; j++) set<T>(aR, k * D + j, get<T>(aR, k * D + j) + get<T>(W, id * D + j));
  }
  bad += bitDiff<T>(aS, aR, NT * D) + bitDiff<T>(aV, aR, NT * D);
  free(W); free(x); free(out); free(dout); free(dW0); free(dS); free(dV); free(dR); free(aS); free(aV); free(aR);
  return bad;
}

describe("word embedding", () => {
  it("forward rows, backward accumulation and row adds, SIMD == scalar == hand loop, every tail", () => {
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
    word_embedding_backward__wasmsimd<f64>(dW, dout, x, 4, 3, 2, 2);
    // row 2 gets tokens 0, 2, 3: (1+5+7, 2+6+8); row 0 gets token 1: (3, 4); row 1 untouched
    expect(get<f64>(dW, 0)).toBe(3.0); expect(get<f64>(dW, 1)).toBe(4.0);
    expect(get<f64>(dW, 2)).toBe(0.0); expect(get<f64>(dW, 3)).toBe(0.0);
    expect(get<f64>(dW, 4)).toBe(13.0); expect(get<f64>(dW, 5)).toBe(16.0);
    free(dW); free(dout); free(x);
  });
});
