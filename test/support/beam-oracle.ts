// The beam search recap shipped before it ran as planned kernel calls (stepping h/c from
// TypeScript, candidates sorted in JS), kept as the test oracle of src/model/beam.ts. It uses
// the model's parameters through its own Stepper (unpacked step kernels), so it shares no code
// path with the planned search beyond the layer kernels. Scores are summed log-probabilities;
// a beam that emits <END> is finished; ties: higher score, then lower beam, then lower word id.
import type { CaptioningRNN } from '../../src/index.js';
import { Stepper } from '../../src/model/stepwise.js';
import type { Tensor } from '../../src/index.js';

export interface OracleResult {
  best: Int32Array; // (N, maxLength)
  seqs: Int32Array; // (N, k, maxLength)
  scores: Float64Array; // (N·k)
}

export function oracleBeamSearch(model: CaptioningRNN, features: Tensor, maxLength: number, k: number): OracleResult {
  const s = new Stepper(model.config, model.params);
  try {
    return search(s, features, features.shape[0], maxLength, k, model.endIdx!, model.nullIdx, model.startIdx!);
  } finally {
    s.dispose();
  }
}

function gatherRows(v: Float32Array | Float64Array | Int32Array, from: Int32Array, width: number): void {
  const copy = v.slice(0, from.length * width);
  for (let r = 0; r < from.length; r++) v.set(copy.subarray(from[r] * width, (from[r] + 1) * width), r * width);
}

function search(s: Stepper, features: Tensor, N: number, maxLength: number, k: number, end: number, nul: number, start: number): OracleResult {
  const V = s.vocabSize;
  const rows = N * k;
  const b = s.ensure(rows);
  s.project(features, N, k);
  const seqs = new Int32Array(rows * maxLength).fill(nul);
  const score = new Float64Array(rows);
  const done = new Uint8Array(rows);
  for (let n = 0; n < N; n++) for (let j = 1; j < k; j++) score[n * k + j] = -Infinity;
  (b.words.view() as Int32Array).fill(start);
  const cand: Array<{ score: number; beam: number; word: number }> = [];
  const newSeqs = new Int32Array(rows * maxLength);
  const newScore = new Float64Array(rows);
  const newDone = new Uint8Array(rows);
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
          cand.push({ score: score[r], beam: r, word: -1 });
          continue;
        }
        for (let v = 0; v < V; v++) cand.push({ score: score[r] + logp[r * V + v], beam: r, word: v });
      }
      cand.sort((a, c) => c.score - a.score || a.beam - c.beam || a.word - c.word);
      for (let j = 0; j < k; j++) {
        const r = n * k + j;
        const c = cand[j];
        if (!c) {
          newScore[r] = -Infinity;
          newDone[r] = 1;
          from[r] = n * k;
          newSeqs.fill(nul, r * maxLength, (r + 1) * maxLength);
          continue;
        }
        from[r] = c.beam;
        newScore[r] = c.score;
        newSeqs.set(seqs.subarray(c.beam * maxLength, (c.beam + 1) * maxLength), r * maxLength);
        if (c.word >= 0) newSeqs[r * maxLength + t] = c.word;
        newDone[r] = c.word === -1 || c.word === end ? 1 : 0;
        words[r] = c.word >= 0 ? c.word : nul;
      }
    }
    seqs.set(newSeqs);
    score.set(newScore);
    done.set(newDone);
    const bufs = s.bufs!;
    gatherRows(bufs.h.view() as Float32Array, from, s.config.hiddenDim);
    if (s.config.cellType === 'lstm') gatherRows(bufs.c.view() as Float32Array, from, s.config.hiddenDim);
    if (done.every((d) => d === 1)) break;
  }
  const best = new Int32Array(N * maxLength);
  for (let n = 0; n < N; n++) best.set(seqs.subarray(n * k * maxLength, (n * k + 1) * maxLength), n * maxLength);
  return { best, seqs, scores: Float64Array.from(score) };
}
