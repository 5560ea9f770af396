import { describe, expect, it } from 'vitest';
import {
  corpusBleu, cs231nBleu, meanCs231nBleu, sentenceBleu, stripSpecialTokens, type BleuMath,
} from '../src/eval/bleu.js';
import { RecapError } from '../src/core/errors.js';
import { init, kernels } from '../src/core/runtime.js';

// The wasm runtime may not be initialised here: inject the engine's log/exp.
const math: BleuMath = { log: Math.log, exp: Math.exp };
const opts = { math };
const toks = (s: string) => s.split(' ');

// Papineni et al. (2002), Example 1 / NLTK's docstring (tokens as NLTK gives them).
const hyp1 = toks('It is a guide to action which ensures that the military always obeys the commands of the party');
const ref1 = toks('It is a guide to action that ensures that the military will forever heed Party commands');
const ref2 = toks('It is the guiding principle which guarantees the military forces always being under the command of the Party');
const ref3 = toks('It is the practical guide for the army always to heed the directions of the party');

describe('corpusBleu / sentenceBleu', () => {
  it('reproduces the BLEU paper example 1 (NLTK: 0.5045…)', () => {
    const r = sentenceBleu([ref1, ref2, ref3], hyp1, opts);
    // Unigrams: 18 in the hypothesis; all but "obeys" occur in some reference ("the" ×3 ≤ 4 in ref2) → 17/18.
    // Bigrams (17): It is, is a, a guide, guide to, to action, ensures that, that the, the military,
    //   of the, the party match → 10/17.
    // Trigrams (16): It is a, is a guide, a guide to, guide to action, ensures that the,
    //   that the military, of the party → 7/16.
    // 4-grams (15): It is a guide, is a guide to, a guide to action, ensures that the military → 4/15.
    expect(r.matches).toEqual([17, 10, 7, 4]);
    expect(r.totals).toEqual([18, 17, 16, 15]);
    // c = 18, reference lengths 16, 18, 16 → r = 18, BP = 1.
    expect(r.hypothesisLength).toBe(18);
    expect(r.referenceLength).toBe(18);
    expect(r.brevityPenalty).toBe(1);
    // BLEU-4 = (17/18 · 10/17 · 7/16 · 4/15)^(1/4) = (4760/73440)^(1/4) = 0.50456…
    expect(r.bleu4).toBeCloseTo(Math.pow(4760 / 73440, 0.25), 12);
    expect(r.bleu4).toBeCloseTo(0.5045666840058485, 12);
    expect(r.bleu1).toBe(17 / 18);
    expect(r.bleu2).toBeCloseTo(Math.sqrt((17 / 18) * (10 / 17)), 12);
    expect(r.bleu3).toBeCloseTo(Math.cbrt((17 / 18) * (10 / 17) * (7 / 16)), 12);
  });

  it('clips counts as in the paper example 2 ("the the the …")', () => {
    // Candidate: 7 × "the"; "the" occurs at most twice in one reference → p1 = 2/7.
    const r = sentenceBleu([toks('the cat is on the mat'), toks('there is a cat on the mat')], toks('the the the the the the the'), opts);
    expect(r.precisions[0]).toBe(2 / 7);
    // "the the" occurs in no reference → p2 = 0 → BLEU-2..4 = 0. References of 6 and 7 words,
    // c = 7 → r = 7 → BP = exp(1 − 7/7) = 1.
    expect(r.referenceLength).toBe(7);
    expect(r.bleu1).toBe(2 / 7);
    expect([r.bleu2, r.bleu3, r.bleu4]).toEqual([0, 0, 0]);
  });

  it('is 1 for a perfect match and 0 without overlap', () => {
    const s = toks('a small red circle left of a big blue square');
    const r = sentenceBleu([s], [...s], opts);
    expect([r.bleu1, r.bleu2, r.bleu3, r.bleu4]).toEqual([1, 1, 1, 1]);
    const z = sentenceBleu([s], toks('two green crosses'), opts);
    expect([z.bleu1, z.bleu2, z.bleu3, z.bleu4]).toEqual([0, 0, 0, 0]);
  });

  it('applies the brevity penalty exp(1 − r/c) to short hypotheses', () => {
    // hyp "the cat" (c = 2), ref of 6 words: p1 = 2/2, p2 = 1/1, no trigrams → p3 = 0.
    // BP = exp(1 − 6/2) = e^−2 = 0.1353…; BLEU-1 = BLEU-2 = e^−2; BLEU-3 = BLEU-4 = 0.
    const r = sentenceBleu([toks('the cat is on the mat')], toks('the cat'), opts);
    expect(r.brevityPenalty).toBe(Math.exp(-2));
    expect(r.bleu1).toBe(Math.exp(-2));
    expect(r.bleu2).toBeCloseTo(Math.exp(-2), 15);
    expect(r.bleu3).toBe(0);
    expect(r.totals).toEqual([2, 1, 0, 0]);
  });

  it('takes the closest reference length, ties to the shorter', () => {
    // c = 4, references of 3 and 5 words: both 1 away → r = 3 < c → BP = 1 (5 would give exp(1 − 5/4)).
    const r = sentenceBleu([toks('a b c'), toks('a b c d e')], toks('a b c d'), opts);
    expect(r.referenceLength).toBe(3);
    expect(r.brevityPenalty).toBe(1);
    // c = 4, references of 2 and 5 words → closest is 5 → BP = exp(1 − 5/4) = e^−0.25.
    const s = sentenceBleu([toks('a b'), toks('a b c d e')], toks('a b c d'), opts);
    expect(s.referenceLength).toBe(5);
    expect(s.brevityPenalty).toBe(Math.exp(-0.25));
  });

  it('sums n-gram statistics over the corpus instead of averaging sentence scores', () => {
    // hyp1 "a b" vs "a b": 2/2 unigrams; hyp2 "c d e f" vs "w x y z": 0/4 → p1 = 2/6.
    // c = 6, r = 2 + 4 = 6 → BP = 1 → BLEU-1 = 1/3 (the mean of sentence BLEU-1 would be 1/2).
    const r = corpusBleu([[toks('a b')], [toks('w x y z')]], [toks('a b'), toks('c d e f')], opts);
    expect(r.bleu1).toBe(1 / 3);
    expect(r.matches[1]).toBe(1);
    expect(r.totals[1]).toBe(1 + 3);
    expect(r.bleu2).toBeCloseTo(Math.sqrt((1 / 3) * (1 / 4)), 15);
  });

  it('gives 0 for an empty corpus or empty hypotheses', () => {
    expect(corpusBleu([], [], opts).bleu1).toBe(0);
    const r = sentenceBleu([toks('a b')], [], opts);
    expect(r.brevityPenalty).toBe(0);
    expect(r.bleu1).toBe(0);
  });

  it('rejects malformed input with RecapError', () => {
    expect(() => corpusBleu([[toks('a')]], [toks('a'), toks('b')], opts)).toThrow(RecapError);
    expect(() => corpusBleu([[]], [toks('a')], opts)).toThrow(/references\[0\]/);
    expect(() => sentenceBleu([toks('a')], [1 as unknown as string], opts)).toThrow(/hypotheses\[0\]\[0\]/);
  });

  it('asks for an initialised runtime when no math is given and log/exp are needed', () => {
    expect(() => sentenceBleu([toks('a b c')], toks('a b'))).toThrow(/init/);
  });
});

describe('cs231nBleu (NLTK sentence_bleu([ref], hyp, weights=[1]) after dropping special tokens)', () => {
  it('is p1 · BP with one reference', () => {
    // ref [a big red circle] (r = 4), hyp [a red circle] (c = 3): p1 = 3/3, BP = exp(1 − 4/3).
    expect(cs231nBleu('<START> a big red circle <END>', '<START> a red circle <END>', opts)).toBeCloseTo(Math.exp(-1 / 3), 15);
    // hyp longer than ref: [a red red circle circle] vs [a red circle]: clipped 1 + 1 + 1 = 3 of 5, BP = 1.
    expect(cs231nBleu('a red circle', 'a red red circle circle', opts)).toBe(3 / 5);
    // <UNK> is dropped from the hypothesis: [a circle] vs [a big red circle]: p1 = 1, BP = exp(1 − 4/2) = e^−1.
    expect(cs231nBleu('<START> a big red circle <END>', '<START> a <UNK> circle <END>', opts)).toBeCloseTo(Math.exp(-1), 15);
    // identical after stripping → 1; nothing in common → 0.
    expect(cs231nBleu('<START> a red circle <END>', 'a red circle', opts)).toBe(1);
    // As in Python, 'x '.split(' ') ends with an empty token, which NLTK counts as a word:
    // ref [a, red, circle, ''] (r = 4) vs hyp [a, red, circle]: BP = exp(1 − 4/3).
    expect(cs231nBleu('<START> a red circle <END> ', '<START> a red circle <END>', opts)).toBeCloseTo(Math.exp(-1 / 3), 15);
    expect(cs231nBleu('<START> a red circle <END>', '<START> two <UNK> <END>', opts)).toBe(0);
    expect(cs231nBleu('<START> a red circle <END>', '<START> <END>', opts)).toBe(0);
  });

  it('averages over pairs like evaluate_model', () => {
    const gt = ['<START> a red circle <END>', '<START> a blue square <END>'];
    const samples = ['<START> a red circle <END>', '<START> a green cross <END>'];
    // pair 1: 1; pair 2: 1 of 3 unigrams ("a"), BP = 1 → 1/3. Mean = 2/3.
    expect(meanCs231nBleu(gt, samples, opts)).toBeCloseTo(2 / 3, 15);
    expect(() => meanCs231nBleu(gt, samples.slice(1), opts)).toThrow(RecapError);
  });

  it('strips special tokens from decoded captions', () => {
    expect(stripSpecialTokens('<START> a <UNK> red circle <END>')).toEqual(['a', 'red', 'circle']);
    expect(stripSpecialTokens(['<START>', 'a', '<NULL>', 'b'])).toEqual(['a', 'b']);
  });
});

describe('BLEU with the wasm log/exp (default)', () => {
  it('agrees with the engine math once the runtime is initialised', async (ctx) => {
    try {
      await init();
    } catch {
      ctx.skip();
    }
    if (typeof kernels().math_log !== 'function' || typeof kernels().math_exp !== 'function') ctx.skip();
    const r = sentenceBleu([ref1, ref2, ref3], hyp1);
    expect(r.bleu4).toBeCloseTo(sentenceBleu([ref1, ref2, ref3], hyp1, opts).bleu4, 14);
    expect(cs231nBleu('<START> a big red circle <END>', '<START> a red circle <END>')).toBeCloseTo(Math.exp(-1 / 3), 14);
    // deterministic: same inputs, same bits
    expect(sentenceBleu([ref1, ref2, ref3], hyp1).bleu4).toBe(r.bleu4);
  });
});
