// The beam search recap shipped before it ran as planned kernel calls (stepping h/c from
// TypeScript, candidates sorted in JS), kept as the test oracle of src/model/beam.ts, and
// extended the plain way with the decoding options: the GNMT length penalty (candidates ranked
// by score / ((5 + len)/6)^α, len = words including <END>) and n-gram blocking (a live beam
// never extends by a word that repeats one of its n-grams). It uses the model's parameters
// through its own Stepper (unpacked step kernels), so it shares no code path with the planned
// search beyond the layer kernels. Scores are summed log-probabilities; a beam that emits <END>
// is finished; ties: higher key, then lower beam, then lower word id.
import type { CaptioningRNN } from '../../src/index.js';
import { kernels } from '../../src/core/runtime.js';
import { Stepper } from '../../src/model/stepwise.js';
import type { Tensor } from '../../src/index.js';

export interface OracleResult {
  best: Int32Array; // (N, maxLength)
  seqs: Int32Array; // (N, k, maxLength)
  scores: Float64Array; // (N·k)
  lens: Int32Array; // (N·k) words generated, including <END>
}

export interface OracleOptions {
  lengthPenalty?: number;
  blockRepeatNgrams?: number;
}

export function oracleBeamSearch(model: CaptioningRNN, features: Tensor, maxLength: number, k: number, opts: OracleOptions = {}): OracleResult {
  const s = new Stepper(model.config, model.params);
  try {
    return search(s, features, features.shape[0], maxLength, k, model.endIdx!, model.nullIdx, model.startIdx!, opts);
  } finally {
    s.dispose();
  }
}

function gatherRows(v: Float32Array | Float64Array | Int32Array, from: Int32Array, width: number): void {
  const copy = v.slice(0, from.length * width);
  for (let r = 0; r < from.length; r++) v.set(copy.subarray(from[r] * width, (from[r] + 1) * width), r * width);
}

/** The words that would repeat an n-gram of seq[0 .. t). */
function blocked(seq: Int32Array, t: number, n: number): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i + n - 1 < t; i++) {
    let same = true;
    for (let q = 0; q < n - 1; q++) if (seq[i + q] !== seq[t - n + 1 + q]) same = false;
    if (same) out.add(seq[i + n - 1]);
  }
  return out;
}

function search(s: Stepper, features: Tensor, N: number, maxLength: number, k: number, end: number, nul: number, start: number,
  opts: OracleOptions): OracleResult {
  const V = s.vocabSize;
  const alpha = opts.lengthPenalty ?? 0, ngram = opts.blockRepeatNgrams ?? 0;
  const lp = (len: number) => (alpha === 0 ? 1 : kernels().math_exp(alpha * kernels().math_log((5 + len) / 6)));
  const rows = N * k;
  const b = s.ensure(rows);
  s.project(features, N, k);
  const seqs = new Int32Array(rows * maxLength).fill(nul);
  const score = new Float64Array(rows);
  const done = new Uint8Array(rows);
  const len = new Int32Array(rows);
  for (let n = 0; n < N; n++) for (let j = 1; j < k; j++) score[n * k + j] = -Infinity;
  (b.words.view() as Int32Array).fill(start);
  const cand: Array<{ key: number; score: number; beam: number; word: number }> = [];
  const newSeqs = new Int32Array(rows * maxLength);
  const newScore = new Float64Array(rows);
  const newDone = new Uint8Array(rows);
  const newLen = new Int32Array(rows);
  const from = new Int32Array(rows);
  for (let t = 0; t < maxLength; t++) {
    s.step(rows);
    const logp = s.logSoftmax(rows);
    const words = s.bufs!.words.view() as Int32Array;
    for (let n = 0; n < N; n++) {
      cand.length = 0;
      for (let j = 0; j < k; j++) {
        const r = n * k + j;
        if (score[r] === -Infinity) continue;
        if (done[r]) {
          cand.push({ key: score[r] / lp(len[r]), score: score[r], beam: r, word: -1 });
          continue;
        }
        const ban = ngram > 0 ? blocked(seqs.subarray(r * maxLength, (r + 1) * maxLength), t, ngram) : new Set<number>();
        for (let v = 0; v < V; v++) {
          if (ban.has(v)) continue;
          const sc = score[r] + logp[r * V + v];
          cand.push({ key: sc / lp(t + 1), score: sc, beam: r, word: v });
        }
      }
      cand.sort((a, c) => c.key - a.key || a.beam - c.beam || a.word - c.word);
      for (let j = 0; j < k; j++) {
        const r = n * k + j;
        const c = cand[j];
        if (!c) {
          newScore[r] = -Infinity;
          newDone[r] = 1;
          newLen[r] = 0;
          from[r] = n * k;
          newSeqs.fill(nul, r * maxLength, (r + 1) * maxLength);
          continue;
        }
        from[r] = c.beam;
        newScore[r] = c.score;
        newSeqs.set(seqs.subarray(c.beam * maxLength, (c.beam + 1) * maxLength), r * maxLength);
        if (c.word >= 0) newSeqs[r * maxLength + t] = c.word;
        newDone[r] = c.word === -1 || c.word === end ? 1 : 0;
        newLen[r] = c.word >= 0 ? t + 1 : len[c.beam];
        words[r] = c.word >= 0 ? c.word : nul;
      }
    }
    seqs.set(newSeqs);
    score.set(newScore);
    done.set(newDone);
    len.set(newLen);
    const bufs = s.bufs!;
    gatherRows(bufs.h.view() as Float32Array, from, s.config.hiddenDim);
    if (s.config.cellType === 'lstm') gatherRows(bufs.c.view() as Float32Array, from, s.config.hiddenDim);
    if (done.every((d) => d === 1)) break;
  }
  const best = new Int32Array(N * maxLength);
  for (let n = 0; n < N; n++) best.set(seqs.subarray(n * k * maxLength, (n * k + 1) * maxLength), n * maxLength);
  return { best, seqs, scores: Float64Array.from(score), lens: len };
}
