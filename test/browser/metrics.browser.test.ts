// The COCO caption metrics in Chromium: evaluateCaptions (browser-safe, wasm log/exp/pow) gives
// pycocoevalcap's scores on the fixture corpora, as in Node (test/eval/coco-metrics.test.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateCaptions, init, ptbTokenize } from '../../dist/index.js';
import fixture from '../fixtures/eval/coco-metrics.json';

beforeAll(async () => {
  await init();
});

describe('COCO caption metrics in Chromium', () => {
  for (const c of fixture.cases) {
    it(`${c.name}: BLEU and ROUGE-L within 1e-9, CIDEr-D within 1e-6 of pycocoevalcap`, () => {
      const r = evaluateCaptions(c.candidates as Record<string, string>, c.references as Record<string, string[]>, { tokenize: false });
      r.bleu.forEach((v, k) => expect(Math.abs(v - c.expected.bleu[k]), `BLEU-${k + 1}`).toBeLessThanOrEqual(1e-9 * Math.abs(c.expected.bleu[k])));
      expect(Math.abs(r.rougeL - c.expected.rougeL)).toBeLessThanOrEqual(1e-9);
      expect(Math.abs(r.cider - c.expected.cider)).toBeLessThanOrEqual(1e-6);
    });
  }

  it('tokenises as in Node', () => {
    expect(ptbTokenize("The dog's ball isn't red (old).")).toBe("the dog 's ball is n't red -lrb- old -rrb-");
  });
});
