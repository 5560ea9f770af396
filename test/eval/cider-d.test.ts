// CiderD: CIDEr-D with document frequencies precomputed once from a reference corpus (as
// self-critical training scores many sampled captions against the training references).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RecapError } from '../../src/core/errors.js';
import { init } from '../../src/core/runtime.js';
import { CiderD } from '../../src/eval/cider.js';
import { evaluateCaptions } from '../../src/eval/evaluate.js';

beforeAll(() => init());

const fixture = JSON.parse(readFileSync(new URL('../fixtures/eval/coco-metrics.json', import.meta.url), 'utf8')) as {
  cases: Array<{ name: string; candidates: Record<string, string>; references: Record<string, string[]> }>;
};
const big = fixture.cases.find((c) => c.name.startsWith('500'))!;
const ids = Object.keys(big.references);

describe('CiderD', () => {
  it('scores each image as evaluateCaptions does when built from the evaluated references', () => {
    const scorer = new CiderD(ids.map((id) => big.references[id]));
    const r = evaluateCaptions(big.candidates, big.references, { tokenize: false, metrics: ['cider'] });
    ids.forEach((id, i) => expect(scorer.scoreImage(big.candidates[id], i)).toBe(r.perImage[id].cider));
  });

  it('accepts token arrays, and repeated scoring does not leak state between calls', () => {
    const scorer = new CiderD(ids.map((id) => big.references[id]));
    const first = ids.slice(0, 20).map((id, i) => scorer.scoreImage(big.candidates[id], i));
    // score other captions (including words never seen) against the same images in between
    ids.slice(0, 20).forEach((_, i) => scorer.scoreImage('zebra unicorn ' + big.candidates[ids[i + 1]], i));
    const again = ids.slice(0, 20).map((id, i) => scorer.scoreImage(big.candidates[id].split(' ').filter(Boolean), i));
    expect(again).toEqual(first);
  });

  it('uses document frequencies of the whole reference corpus given (hand computation)', () => {
    // Corpus of 3 images: refs ["a b"], ["a c"], ["d e"]. log(#images) = log 3.
    // df: a = 2, b = 1, c = 1, d = 1, e = 1, bigrams 1 each.
    // Candidate "a b" on image 0: weights a: log3 − log2, b: log3, "a b": log3 (same in the reference).
    // order 1: ((log3−log2)² + log3²)/(‖·‖²) = 1; order 2: 1; → mean(1, 1, 0, 0) · 10 = 5.
    // Candidate "a" on image 0: order 1: (log3−log2)² / ((log3−log2) · √((log3−log2)² + log3²)),
    // no bigrams on the candidate side; δ = 0 − 1 bigram → penalty e^(−1/72).
    const scorer = new CiderD([['a b'], ['a c'], ['d e']]);
    expect(scorer.numImages).toBe(3);
    expect(Math.abs(scorer.scoreImage('a b', 0) - 5)).toBeLessThan(1e-12);
    const wa = Math.log(3) - Math.log(2), wb = Math.log(3);
    const expected = ((wa * wa) / (wa * Math.sqrt(wa * wa + wb * wb)) / 4) * 10 * Math.exp(-1 / 72);
    expect(Math.abs(scorer.scoreImage('a', 0) - expected)).toBeLessThan(1e-12);
    // an n-gram in every image of the corpus weighs 0: "x" in all three
    const every = new CiderD([['x y'], ['x z'], ['x w']]);
    expect(every.scoreImage('x', 1)).toBe(0);
  });

  it('throws RecapError for bad references, image indices and candidates', () => {
    expect(() => new CiderD([])).toThrow(RecapError);
    expect(() => new CiderD([[]])).toThrow(RecapError);
    expect(() => new CiderD([['a'], [3 as never]])).toThrow(RecapError);
    expect(() => new CiderD([['a']], { sigma: 0 })).toThrow(RecapError);
    const s = new CiderD([['a b'], ['c']]);
    expect(() => s.scoreImage('a', 2)).toThrow(RecapError);
    expect(() => s.scoreImage('a', -1)).toThrow(RecapError);
    expect(() => s.scoreImage('a', 0.5)).toThrow(RecapError);
    expect(() => s.scoreImage(null as never, 0)).toThrow(RecapError);
    expect(() => s.scoreImage([1] as never, 0)).toThrow(RecapError);
  });
});
