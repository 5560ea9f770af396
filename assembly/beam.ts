// Decoding helpers of beam search and sampling (src/model/beam.ts plans them): n-gram blocking
// and the per-image top-k selection of beam search (the row gathers around them are rows.ts').
// Scalar only (selection: no SIMD twin).
//
// R = rows (beams), V = vocab, L = caption length, ls = row stride of a sequence array,
// k = beam width. Sequences are i32 word ids, step t writes column t.

const NEG_INF: f64 = -Infinity;

// x (R,V) row stride ldx: x[r, w] = −∞ for every word w that would repeat an n-gram of row r's
// sequence seq i32 (read: word i of row r at seq[r·rs + i·cs], columns i in [0, t)): for each
// earlier n-gram seq[i .. i+n−1] whose first n−1 words equal the row's last n−1 words
// seq[t−n+1 .. t−1], its last word seq[i+n−1] is blocked (n = 1: every word already in the
// row). Other elements unchanged. Row-major sequences (beam search): rs = ls, cs = 1;
// step-major ones (greedy decoding's token buffer): rs = 1, cs = rows per step.
export function block_ngrams<F>(x: usize, seq: usize, R: i32, ldx: i32, rs: i32, cs: i32, t: i32, n: i32): void {
  for (let r = 0; r < R; r++) block_row<F>(x + (<usize>r * <usize>ldx << alignof<F>()), seq + (<usize>r * <usize>rs << 2), <usize>cs << 2, t, n);
}

// block_ngrams for one row: xr (V) written at the blocked words, sr (t words, cb bytes apart) read.
// @ts-ignore: decorator
@inline function block_row<F>(xr: usize, sr: usize, cb: usize, t: i32, n: i32): void {
  const m = n - 1;
  for (let i = 0; i + m < t; i++) {
    let same = true;
    for (let q = 0; q < m; q++) {
      if (load<i32>(sr + <usize>(i + q) * cb) != load<i32>(sr + <usize>(t - m + q) * cb)) { same = false; break; }
    }
    if (same) store<F>(xr + (<usize>load<i32>(sr + <usize>(i + m) * cb) << alignof<F>()), <F>NEG_INF);
  }
}

// One step of beam search for `images` images of k rows each (rows i·k .. i·k+k−1).
// Read: score_in f64 (R) summed log-probabilities (−∞: no beam in this row), len_in i32 (R)
// words generated (for finished beams, including <END>), done_in i32 (R), seq_in (R, ls)
// columns [0, t), live i32 (R) the row's index among the rows that ran this step (−1: the row
// did not run: finished or no beam), logp (·, V) the step's log-probabilities of the rows that
// ran (row live[r]; its blocked words are set to −∞ here when ngram > 0, see block_ngrams),
// lp f64 (L+1) the length penalties lp[len] (all 1 without a penalty).
// Candidates of image i: each finished row j carries over as itself (word −1); each row j that
// ran extends by every word v with score_in[j] + logp[live[j], v] > −∞. A candidate's key is
// score / lp[len] (len = t+1 for an extension, len_in for a carried row); the k best by key
// descending, then row, then word ascending (the first-seen order: rows and words are scanned
// in ascending order and only a strictly greater key overtakes) become rows i·k+j in that
// order. Written: score_out, len_out, done_out (1 after a carry or <END>), seq_out (R, ls)
// columns [0, t] (the parent's columns [0, t) and the word at t, <NULL> for a carry),
// words (R) i32 the word at t (<NULL> for finished rows), from (R) i32 the parent's index among
// the rows that ran (live[parent]; −1 for carried rows). An image with fewer than k candidates
// fills its last rows with no beam: score −∞, done, from −1, an all-<NULL> sequence.
// cand (R, 4) f64 is scratch: key, score, row, word of the kept candidates.
export function beam_select<F>(score_out: usize, len_out: usize, done_out: usize, seq_out: usize, from: usize, words: usize,
                               cand: usize, score_in: usize, len_in: usize, done_in: usize, seq_in: usize, live: usize,
                               logp: usize, lp: usize, images: i32, k: i32, V: i32, ls: i32, t: i32, end_id: i32,
                               null_id: i32, ngram: i32): void {
  const S = alignof<F>();
  const lpNext = load<f64>(lp + (<usize>(t + 1) << 3));
  for (let img = 0; img < images; img++) {
    const base = img * k;
    const cb = cand + (<usize>base << 5);
    let cnt = 0;
    for (let j = 0; j < k; j++) {
      const r = base + j;
      const s = load<f64>(score_in + (<usize>r << 3));
      const lr = load<i32>(live + (<usize>r << 2));
      if (load<i32>(done_in + (<usize>r << 2)) != 0) {
        if (s == NEG_INF) continue;
        const key = s / load<f64>(lp + (<usize>load<i32>(len_in + (<usize>r << 2)) << 3));
        cnt = insert(cb, cnt, k, key, s, j, -1);
        continue;
      }
      if (lr < 0 || s == NEG_INF) continue;
      const xr = logp + (<usize>lr * <usize>V << S);
      if (ngram > 0) block_row<F>(xr, seq_in + (<usize>r * <usize>ls << 2), 4, t, ngram);
      for (let v = 0; v < V; v++) {
        const c = s + <f64>load<F>(xr + (<usize>v << S));
        if (c == NEG_INF) continue;
        const key = c / lpNext;
        if (cnt == k && !(key > load<f64>(cb + (<usize>(k - 1) << 5)))) continue; // the common case, before the call
        cnt = insert(cb, cnt, k, key, c, j, v);
      }
    }
    for (let j = 0; j < k; j++) {
      const r = base + j;
      const ro = <usize>r << 2, rs = <usize>r * <usize>ls << 2;
      if (j >= cnt) {
        store<f64>(score_out + (<usize>r << 3), NEG_INF);
        store<i32>(len_out + ro, 0);
        store<i32>(done_out + ro, 1);
        store<i32>(from + ro, -1);
        store<i32>(words + ro, null_id);
        for (let q = 0; q < ls; q++) store<i32>(seq_out + rs + (<usize>q << 2), null_id);
        continue;
      }
      const e = cb + (<usize>j << 5);
      const src = base + <i32>load<f64>(e, 16);
      const word = <i32>load<f64>(e, 24);
      store<f64>(score_out + (<usize>r << 3), load<f64>(e, 8));
      store<i32>(from + ro, word >= 0 ? load<i32>(live + (<usize>src << 2)) : -1);
      memory.copy(seq_out + rs, seq_in + (<usize>src * <usize>ls << 2), <usize>t << 2);
      store<i32>(seq_out + rs + (<usize>t << 2), word >= 0 ? word : null_id);
      store<i32>(len_out + ro, word >= 0 ? t + 1 : load<i32>(len_in + (<usize>src << 2)));
      store<i32>(done_out + ro, word < 0 || word == end_id ? 1 : 0);
      store<i32>(words + ro, word >= 0 ? word : null_id);
    }
  }
}

// Inserts a candidate into the kept list cb (cnt entries sorted by key descending, at most k):
// after every entry with a key >= key; a full list keeps it only if its key beats the last
// entry's. Returns the new count.
// @ts-ignore: decorator
@inline function insert(cb: usize, cnt: i32, k: i32, key: f64, score: f64, row: i32, word: i32): i32 {
  if (cnt == k && !(key > load<f64>(cb + (<usize>(k - 1) << 5)))) return cnt;
  let p = cnt < k ? cnt : k - 1;
  while (p > 0 && key > load<f64>(cb + (<usize>(p - 1) << 5))) {
    memory.copy(cb + (<usize>p << 5), cb + (<usize>(p - 1) << 5), 32);
    p--;
  }
  const e = cb + (<usize>p << 5);
  store<f64>(e, key);
  store<f64>(e, score, 8);
  store<f64>(e, <f64>row, 16);
  store<f64>(e, <f64>word, 24);
  return cnt < k ? cnt + 1 : k;
}

// ---------------------------------------------------------------------------------------------
export function f32_block_ngrams(x: usize, seq: usize, R: i32, ldx: i32, rs: i32, cs: i32, t: i32, n: i32): void {
  block_ngrams<f32>(x, seq, R, ldx, rs, cs, t, n);
}
export function f64_block_ngrams(x: usize, seq: usize, R: i32, ldx: i32, rs: i32, cs: i32, t: i32, n: i32): void {
  block_ngrams<f64>(x, seq, R, ldx, rs, cs, t, n);
}
export function f32_beam_select(score_out: usize, len_out: usize, done_out: usize, seq_out: usize, from: usize, words: usize,
                                cand: usize, score_in: usize, len_in: usize, done_in: usize, seq_in: usize, live: usize,
                                logp: usize, lp: usize, images: i32, k: i32, V: i32, ls: i32, t: i32, end_id: i32,
                                null_id: i32, ngram: i32): void {
  beam_select<f32>(score_out, len_out, done_out, seq_out, from, words, cand, score_in, len_in, done_in, seq_in, live, logp, lp,
    images, k, V, ls, t, end_id, null_id, ngram);
}
export function f64_beam_select(score_out: usize, len_out: usize, done_out: usize, seq_out: usize, from: usize, words: usize,
                                cand: usize, score_in: usize, len_in: usize, done_in: usize, seq_in: usize, live: usize,
                                logp: usize, lp: usize, images: i32, k: i32, V: i32, ls: i32, t: i32, end_id: i32,
                                null_id: i32, ngram: i32): void {
  beam_select<f64>(score_out, len_out, done_out, seq_out, from, words, cand, score_in, len_in, done_in, seq_in, live, logp, lp,
    images, k, V, ls, t, end_id, null_id, ngram);
}
