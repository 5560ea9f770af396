// evaluateCaptions against pycocoevalcap: hand-computed values (arithmetic in the comments),
// every quirk of the reference implementation, and corpora up to 500 images from
// test/fixtures/eval/coco-metrics.json (expected values from an independent transcription of
// pycocoevalcap; see the file's "note").
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../../src/core/runtime.js';
import { evaluateCaptions, type EvaluationResult } from '../../src/eval/evaluate.js';

beforeAll(() => init());

interface Case {
  name: string;
  candidates: Record<string, string>;
  references: Record<string, string[]>;
  expected: EvaluationResult;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/eval/coco-metrics.json', import.meta.url), 'utf8')) as { cases: Case[] };

/** |a − b| ≤ tol · max(|b|, tiny): relative, so BLEU orders of ~1e-12 are checked too. */
function expectRel(actual: number, expected: number, tol: number, what: string): void {
  const err = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
  if (!(err <= tol || actual === expected)) throw new Error(`${what}: ${actual} vs ${expected} (relative error ${err})`);
}
function expectAbs(actual: number, expected: number, tol: number, what: string): void {
  if (!(Math.abs(actual - expected) <= tol)) throw new Error(`${what}: ${actual} vs ${expected}`);
}

const raw = { tokenize: false } as const;

describe('evaluateCaptions = pycocoevalcap on the fixture corpora', () => {
  for (const c of fixture.cases) {
    it(`${c.name} (${Object.keys(c.references).length} images)`, () => {
      const r = evaluateCaptions(c.candidates, c.references, raw);
      r.bleu.forEach((v, k) => expectRel(v, c.expected.bleu[k], 1e-9, `BLEU-${k + 1}`));
      expectAbs(r.rougeL, c.expected.rougeL, 1e-9, 'ROUGE-L');
      expectAbs(r.cider, c.expected.cider, 1e-6, 'CIDEr-D');
      expect(Object.keys(r.perImage).sort()).toEqual(Object.keys(c.expected.perImage).sort());
      for (const [id, e] of Object.entries(c.expected.perImage)) {
        const g = r.perImage[id];
        g.bleu.forEach((v, k) => expectRel(v, e.bleu[k], 1e-9, `${id} BLEU-${k + 1}`));
        expectAbs(g.rougeL, e.rougeL, 1e-9, `${id} ROUGE-L`);
        expectAbs(g.cider, e.cider, 1e-6, `${id} CIDEr-D`);
      }
    });
  }

  it('is bit-identical from run to run and for the default (wasm) and injected Math', () => {
    const c = fixture.cases.find((x) => x.name.startsWith('500'))!;
    const a = evaluateCaptions(c.candidates, c.references, raw);
    const b = evaluateCaptions(c.candidates, c.references, raw);
    expect(b).toEqual(a);
    const m = evaluateCaptions(c.candidates, c.references, { ...raw, math: { log: Math.log, exp: Math.exp, pow: Math.pow } });
    m.bleu.forEach((v, k) => expectRel(v, a.bleu[k], 1e-12, `BLEU-${k + 1}`));
    expectRel(m.cider, a.cider, 1e-12, 'CIDEr-D');
  });
});

describe('BLEU (coco-caption Bleu(4))', () => {
  it('a perfect match is not exactly 1: (c + 1e-15)/(g + 1e-9) and BP with ratio < 1', () => {
    // "a b c d" vs itself: matches = guesses = [4, 3, 2, 1]; p_k = (m + 1e-15)/(m + 1e-9) < 1.
    // c = r = 4, ratio = (4 + 1e-15)/(4 + 1e-9) < 1 → BP = exp(1 − 1/ratio) ≈ 1 − 2.5e-10.
    const r = evaluateCaptions({ x: 'a b c d' }, { x: ['a b c d'] }, raw);
    const p = [4, 3, 2, 1].map((m) => (m + 1e-15) / (m + 1e-9));
    const ratio = (4 + 1e-15) / (4 + 1e-9);
    const bp = Math.exp(1 - 1 / ratio);
    let prod = 1;
    p.forEach((pk, k) => {
      prod *= pk;
      expectRel(r.bleu[k], Math.pow(prod, 1 / (k + 1)) * bp, 1e-12, `BLEU-${k + 1}`);
      expect(r.bleu[k]).toBeLessThan(1);
      expect(r.bleu[k]).toBeGreaterThan(1 - 2e-9);
    });
  });

  it('orders without a match give small positive values, not 0', () => {
    // "dog red the ball" vs "the red ball and the dog": unigrams 4/4 (all occur);
    // bigrams "dog red", "red the", "the ball" occur in no reference → 0/3, trigrams 0/2, 4-grams 0/1.
    // c = 4, r = 6: BP = exp(1 − (6 + 1e-9)/(4 + 1e-15)) ≈ e^−0.5.
    // BLEU-2 = sqrt((4 + 1e-15)/(4 + 1e-9) · 1e-15/(3 + 1e-9)) · BP ≈ sqrt(3.33e-16) · 0.6065 ≈ 1.107e-8.
    const r = evaluateCaptions({ p: 'dog red the ball' }, { p: ['the red ball and the dog'] }, raw);
    const bp = Math.exp(1 - 1 / ((4 + 1e-15) / (6 + 1e-9)));
    const p1 = (4 + 1e-15) / (4 + 1e-9);
    expectRel(r.bleu[0], p1 * bp, 1e-12, 'BLEU-1');
    expectRel(r.bleu[1], Math.pow(p1 * (1e-15 / (3 + 1e-9)), 1 / 2) * bp, 1e-12, 'BLEU-2');
    expectRel(r.bleu[2], Math.pow(p1 * (1e-15 / (3 + 1e-9)) * (1e-15 / (2 + 1e-9)), 1 / 3) * bp, 1e-12, 'BLEU-3');
    expect(r.bleu[1]).toBeGreaterThan(1.1e-8);
    expect(r.bleu[1]).toBeLessThan(1.11e-8);
    for (const v of r.bleu) expect(v).toBeGreaterThan(0);
  });

  it('takes the closest reference length, the shorter on a tie', () => {
    // c = 5; references of 4 and 6 words are both 1 away → r = 4 (not 6), so c > r and BP = 1;
    // with r = 6 BP would be exp(1 − 6/5) ≈ 0.82.
    const r = evaluateCaptions({ t: 'a b c d e' }, { t: ['a b c d', 'a b c d e f'] }, raw);
    expectRel(r.bleu[0], (5 + 1e-15) / (5 + 1e-9), 1e-12, 'BLEU-1 with BP = 1');
    // Corpus r sums the per-image choices: 2 images of c = 5 and c = 3 ("x y z" vs 2 and 4 words → 2).
    const two = evaluateCaptions({ t1: 'a b c d e', t2: 'x y z' }, { t1: ['a b c d', 'a b c d e f'], t2: ['x y', 'x y z w'] }, raw);
    // matches: unigrams 5 + 3 = 8 of 8 guesses; c = 8 > r = 4 + 2 = 6 → BP = 1.
    expectRel(two.bleu[0], (8 + 1e-15) / (8 + 1e-9), 1e-12, 'corpus BLEU-1');
  });

  it('clips a candidate n-gram at its largest count in any one reference', () => {
    // 7 × "the" against references with 2 and 1 "the": clipped unigram matches 2 of 7.
    const r = evaluateCaptions({ r: 'the the the the the the the' }, { r: ['the cat is on the mat', 'there is a cat on the mat'] }, raw);
    // c = 7, references of 6 and 7 → r = 7, ratio = (7 + 1e-15)/(7 + 1e-9) < 1.
    const bp = Math.exp(1 - 1 / ((7 + 1e-15) / (7 + 1e-9)));
    expectRel(r.bleu[0], ((2 + 1e-15) / (7 + 1e-9)) * bp, 1e-12, 'BLEU-1');
  });

  it('an empty candidate scores ~0 (BP of a zero length)', () => {
    const r = evaluateCaptions({ e: '' }, { e: ['a dog runs'] }, raw);
    // c = 0 → ratio = 1e-15/(3 + 1e-9) → BP = exp(1 − 3e15) = 0.
    expect(r.bleu).toEqual([0, 0, 0, 0]);
  });
});

describe('ROUGE-L (coco-caption Rouge())', () => {
  it('is the LCS F-measure with beta = 1.2', () => {
    // LCS("a man riding a horse", "a man on a horse") = "a man a horse" = 4; P = R = 4/5
    // → F = (1 + 1.44)·0.8·0.8 / (0.8 + 1.44·0.8) = 0.8.
    const r = evaluateCaptions({ a: 'a man riding a horse' }, { a: ['a man on a horse'] }, raw);
    expectAbs(r.rougeL, 0.8, 1e-15, 'ROUGE-L');
    // P = 2/3, R = 2/4 ("a b x" vs "a y b z"): F = 2.44·(2/3)(1/2) / (1/2 + 1.44·2/3) = 0.8133…/1.46 = 0.55707…
    const s = evaluateCaptions({ a: 'a b x' }, { a: ['a y b z'] }, raw);
    expectAbs(s.rougeL, (2.44 * (2 / 3) * 0.5) / (0.5 + 1.44 * (2 / 3)), 1e-15, 'ROUGE-L');
  });

  it('maximises precision and recall separately over the references', () => {
    // "a b c" vs "a b" (LCS 2: P = 2/3, R = 1) and "a b c d e f" (LCS 3: P = 1, R = 1/2):
    // P_max = 1 and R_max = 1 come from different references → F = 1.
    const r = evaluateCaptions({ a: 'a b c' }, { a: ['a b', 'a b c d e f'] }, raw);
    expect(r.rougeL).toBe(1);
  });

  it("splits on single spaces, so '' is a token (an empty caption matches an empty reference)", () => {
    const r = evaluateCaptions({ e: '' }, { e: ['a dog', ''] }, raw);
    expect(r.rougeL).toBe(1);
    const z = evaluateCaptions({ e: '' }, { e: ['a dog'] }, raw);
    expect(z.rougeL).toBe(0);
  });
});

describe('CIDEr-D (coco-caption Cider())', () => {
  it('of a one-image corpus is 0 (every n-gram has idf log(1) − log(1) = 0)', () => {
    const r = evaluateCaptions({ x: 'a cat on a couch' }, { x: ['a cat on a couch', 'a cat sits on a red couch'] }, raw);
    expect(r.cider).toBe(0);
    expect(r.perImage.x.cider).toBe(0);
  });

  it('matches a hand computation on two images', () => {
    // Image A: candidate "a b", reference "a b"; image B: candidate "x", reference "c d".
    // df = 1 for a, b, "a b", c, d, "c d"; log(#images) = log 2 = l → every reference weight is l.
    // A: order 1: Σ min·ref = l² + l² = 2l², norms √2·l and √2·l → 1; order 2: l²/(l·l) = 1;
    //    orders 3, 4: no n-grams → 0. Bigram counts 1 and 1 → penalty 1.
    //    CIDEr-D = mean(1, 1, 0, 0) / 1 reference · 10 = 5.
    // B: "x" occurs in no reference → no overlap → 0.   Corpus = (5 + 0)/2 = 2.5.
    const r = evaluateCaptions({ A: 'a b', B: 'x' }, { A: ['a b'], B: ['c d'] }, raw);
    expectAbs(r.perImage.A.cider, 5, 1e-12, 'A');
    expect(r.perImage.B.cider).toBe(0);
    expectAbs(r.cider, 2.5, 1e-12, 'corpus');
  });

  it('applies the length penalty on the bigram-count difference and averages over references', () => {
    // A: candidate "a b", reference "a b c"; B: candidate "z", reference "z"; l = log 2.
    // A, order 1: (l² + l²) / (√2·l · √3·l) = 2/√6; order 2: l² / (l · √2·l) = 1/√2; orders 3, 4: 0.
    //    Bigram counts 1 vs 2 → δ = −1 → penalty e^(−1/72).
    //    CIDEr-D = (2/√6 + 1/√2)/4 · 10 · e^(−1/72).
    // B: order 1: l²/(l·l) = 1, no bigrams (δ = 0) → 10/4 = 2.5.
    const r = evaluateCaptions({ A: 'a b', B: 'z' }, { A: ['a b c'], B: ['z'] }, raw);
    expectAbs(r.perImage.A.cider, ((2 / Math.sqrt(6) + 1 / Math.sqrt(2)) / 4) * 10 * Math.exp(-1 / 72), 1e-12, 'A');
    expectAbs(r.perImage.B.cider, 2.5, 1e-12, 'B');
    // Two references: A's score is the mean of its per-reference scores (10·(1 + 1)/4 = 5 for
    // "a b", 0 for "q r" apart from nothing shared) → (5 + 0) / 2 = 2.5.
    const two = evaluateCaptions({ A: 'a b', B: 'z' }, { A: ['a b', 'q r'], B: ['z'] }, raw);
    expectAbs(two.perImage.A.cider, 2.5, 1e-12, 'A with two references');
  });

  it('gives 0 weight to n-grams found in every image', () => {
    const r = evaluateCaptions({ A: 'a b', B: 'a b' }, { A: ['a b'], B: ['a b'] }, raw);
    expect(r.cider).toBe(0);
  });
});

describe('evaluateCaptions options', () => {
  const cands = { a: '<START> A man, riding a horse. <END> <NULL> <NULL>', b: "The dog's toy isn't red" };
  const refs = { a: ['A man riding a horse!', 'The man rides (slowly).'], b: ["A dog's red toy.", 'A toy'] };

  it('tokenises with the PTB step by default and strips <START>, <END>, <NULL> first', () => {
    const tokenized = evaluateCaptions(
      { a: 'a man riding a horse', b: "the dog 's toy is n't red" },
      { a: ['a man riding a horse', 'the man rides -lrb- slowly -rrb-'], b: ["a dog 's red toy", 'a toy'] }, raw);
    expect(evaluateCaptions(cands, refs)).toEqual(tokenized);
    expect(evaluateCaptions(cands, refs, { tokenize: true })).toEqual(tokenized);
  });

  it('computes only the requested metrics (the others are NaN)', () => {
    const all = evaluateCaptions(cands, refs);
    const some = evaluateCaptions(cands, refs, { metrics: ['rouge'] });
    expect(some.rougeL).toBe(all.rougeL);
    expect(some.bleu.every(Number.isNaN)).toBe(true);
    expect(Number.isNaN(some.cider)).toBe(true);
    expect(some.perImage.a.rougeL).toBe(all.perImage.a.rougeL);
    expect(Number.isNaN(some.perImage.a.cider)).toBe(true);
    const bc = evaluateCaptions(cands, refs, { metrics: ['cider', 'bleu'] });
    expect(bc.bleu).toEqual(all.bleu);
    expect(bc.cider).toBe(all.cider);
  });

  it('keeps an image id such as "__proto__" as an own key of perImage', () => {
    const c = JSON.parse('{"__proto__": "a dog", "toString": "a cat"}');
    const r = JSON.parse('{"__proto__": ["a dog"], "toString": ["a cat", "the cat"]}');
    const out = evaluateCaptions(c, r);
    expect(Object.keys(out.perImage).sort()).toEqual(['__proto__', 'toString']);
    expect(Object.getPrototypeOf(out.perImage)).toBe(Object.prototype);
  });
});
