// Beam search of width k per image, stepping the recurrent state on this thread. Scores are
// summed log-probabilities; a beam that emits <END> is finished. Returns the best sequence per
// image (padded with <NULL> after <END>), and the top-k sequences with their scores.
import { Tensor } from '../core/tensor.js';
import { checkMemory } from '../core/check.js';
import type { Stepper } from './stepwise.js';

export interface BeamResult {
  captions: Tensor; // int32 (N, maxLength)
  topK: Tensor; // int32 (N, k, maxLength)
  scores: Float64Array; // (N·k)
}

export function beamSearch(s: Stepper, features: Tensor, N: number, maxLength: number, k: number,
  tokens: { start: number; end: number; nul: number }): BeamResult {
  const V = s.vocabSize;
  const { end, nul } = tokens;
  const rows = N * k;
  // the beams' sequences (JS) and candidates (k·V per image) on top of the step buffers
  checkMemory('features', rows * maxLength * 4 * 3 + k * V * 48, 'memory for beam search');
  const b = s.ensure(rows);
  s.project(features, N, k);
  const seqs = new Int32Array(rows * maxLength).fill(nul);
  const score = new Float64Array(rows);
  const done = new Uint8Array(rows);
  // only beam 0 of each image is live at the start, so the first step's k choices are distinct
  for (let n = 0; n < N; n++) for (let j = 1; j < k; j++) score[n * k + j] = -Infinity;
  const words = b.words.view() as Int32Array;
  words.fill(tokens.start);
  const cand: Array<{ score: number; beam: number; word: number }> = [];
  const newSeqs = new Int32Array(rows * maxLength);
  const newScore = new Float64Array(rows);
  const newDone = new Uint8Array(rows);
  const from = new Int32Array(rows);
  for (let t = 0; t < maxLength; t++) {
    s.step(rows);
    const logp = s.logSoftmax(rows);
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
      // stable order: higher score first, then lower beam, then lower word id
      cand.sort((a, b) => b.score - a.score || a.beam - b.beam || a.word - b.word);
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
    s.gather(from); // the recurrent state follows the surviving beams
    if (done.every((d) => d === 1)) break;
  }
  const best = new Int32Array(N * maxLength);
  const bestScores = new Float64Array(N * k);
  for (let n = 0; n < N; n++) {
    best.set(seqs.subarray(n * k * maxLength, (n * k + 1) * maxLength), n * maxLength);
    for (let j = 0; j < k; j++) bestScores[n * k + j] = score[n * k + j];
  }
  return { captions: new Tensor(best, [N, maxLength]), topK: new Tensor(seqs, [N, k, maxLength]), scores: bestScores };
}
