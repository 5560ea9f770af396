// coco-caption's BLEU-1..4 (pycocoevalcap bleu/bleu.py + bleu_scorer.py, after Papineni et al.
// 2002), reproduced with its quirks:
// - captions split on whitespace (Python's str.split());
// - the effective reference length of a candidate is the CLOSEST reference length, ties going
//   to the shorter ('closest' option, which Bleu.compute_score passes);
// - every precision is (matches + 1e-15) / (candidate n-grams + 1e-9), so an order with no
//   match gives a tiny positive BLEU (not 0), and a candidate shorter than n words counts 0
//   n-grams (max(0, len - n + 1));
// - BLEU-n = (Π_{k≤n} p_k)^(1/n) · BP with BP = exp(1 − 1/ratio) when ratio < 1, where ratio =
//   (c + 1e-15) / (r + 1e-9): even c = r gives ratio < 1 and BP = exp(−1e-9/r·…) ≈ 1 − 1e-9/r.
// Per-image scores are the same formula on one image (the per-image list of bleu_scorer.py).
import { NgramIndex } from './ngrams.js';
import type { EvalMath } from './numeric.js';

const SMALL = 1e-9;
const TINY = 1e-15;

/** BLEU-1..4. */
export type Bleu4 = [number, number, number, number];

/** Corpus and per-image coco-caption BLEU-1..4. */
export interface CocoBleuResult {
  bleu: Bleu4;
  perImage: Bleu4[];
  /** Σ clipped n-gram matches (n = 1..4) and Σ candidate n-grams over the corpus. */
  correct: Bleu4;
  guess: Bleu4;
  /** Σ candidate lengths (c) and Σ closest reference lengths (r). */
  testLength: number;
  refLength: number;
}

function bleuOf(correct: readonly number[], guess: readonly number[], testlen: number, reflen: number, math: EvalMath): Bleu4 {
  const out: Bleu4 = [0, 0, 0, 0];
  let prod = 1;
  for (let k = 0; k < 4; k++) {
    prod *= (correct[k] + TINY) / (guess[k] + SMALL);
    out[k] = math.pow(prod, 1 / (k + 1));
  }
  const ratio = (testlen + TINY) / (reflen + SMALL);
  if (ratio < 1) {
    const bp = math.exp(1 - 1 / ratio);
    for (let k = 0; k < 4; k++) out[k] *= bp;
  }
  return out;
}

/**
 * coco-caption BLEU of tokenised captions: `candidates[i]` against `references[i]` (one or
 * more strings each). Inputs are assumed checked (evaluateCaptions checks them).
 */
export function cocoBleu(candidates: readonly string[][], references: readonly string[][][], math: EvalMath): CocoBleuResult {
  const index = new NgramIndex();
  const correct = [0, 0, 0, 0], guess = [0, 0, 0, 0];
  let testLength = 0, refLength = 0;
  const perImage: Bleu4[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const maxRef = new Map<number, number>();
    let reflen = -1;
    const testlen = candidates[i].length;
    for (const ref of references[i]) {
      for (const [id, c] of index.count(index.tokenIds(ref), 4)) if (c > (maxRef.get(id) ?? 0)) maxRef.set(id, c);
      // closest: min over (|l − c|, l)
      const l = ref.length, d = Math.abs(l - testlen), db = Math.abs(reflen - testlen);
      if (reflen < 0 || d < db || (d === db && l < reflen)) reflen = l;
    }
    const imgCorrect = [0, 0, 0, 0];
    for (const [id, c] of index.count(index.tokenIds(candidates[i]), 4)) {
      imgCorrect[index.order[id] - 1] += Math.min(maxRef.get(id) ?? 0, c);
    }
    const imgGuess = [0, 1, 2, 3].map((k) => Math.max(0, testlen - k));
    for (let k = 0; k < 4; k++) {
      correct[k] += imgCorrect[k];
      guess[k] += imgGuess[k];
    }
    testLength += testlen;
    refLength += reflen;
    perImage.push(bleuOf(imgCorrect, imgGuess, testlen, reflen, math));
  }
  return {
    bleu: bleuOf(correct, guess, testLength, refLength, math), perImage,
    correct: correct as Bleu4, guess: guess as Bleu4, testLength, refLength,
  };
}
